/*
 * fuzz_oslo.c: libFuzzer target of the application analyzers' message
 * parser (lib/analyzers/oslo/: ojs.c's JSON reader, oslo.c's shapes) and
 * of the analyzers behind it (vm, request, service, volume, port, and
 * migration and oslo themselves: the whole registered set, as strata-agent
 * runs it).
 *
 * The input is one or more messages, one per line.  The first byte of a
 * line picks the event's logger_name and int_loglevel from loggers[] (the
 * loggers of tests/data/openstack/streams, byte % NLOGGERS); the rest of
 * the line, in a buffer of exactly its size, is the `msg` of an
 * lttng_python:event built as the lttng-ust Python agent's events are
 * decoded (tests/unit/lib/app_harness.h), one second after the previous
 * one.  Each event goes through an_set_event() and an_set_flush(); at the
 * end an_set_finish() and an_set_stats(), and the set is destroyed: every
 * input starts from a fresh set.  Every record is serialized, then freed.
 * Each msg is also given to ojs_parse() directly, and a parsed value is
 * walked whole (types, strings, numbers, the tokens' subtree ends).
 */
#include "fuzz.h"

#include "analyzer.h"
#include "ojs.h"

static const struct {
	const char	*logger;
	int		 level;
} loggers[] = {
	{ "strata.json.oslo.messaging.notification.instance.update", 20 },
	{ "strata.json.nova.virt.libvirt.driver", 20 },
	{ "strata.json.nova.api.openstack.requestlog", 20 },
	{ "oslo.messaging.notification.instance.update", 20 },
	{ "strata.json.neutron.wsgi", 20 },
	{ "nova.virt.libvirt.driver", 20 },
	{ "strata.json.cinder.api.openstack.wsgi", 20 },
	{ "strata.json.nova.compute.manager", 40 },
	{ "nova.virt.libvirt.migration", 30 },
	{ "nova.api.openstack.requestlog", 20 },
	{ "nova.compute.manager", 20 },
	{ "strata.json.nova.virt.libvirt.driver", 40 },
	{ "oslo.messaging.notification.port.create.end", 20 },
	{ "strata.json.nova.virt.libvirt.migration", 30 },
	{ "neutron.wsgi", 20 },
	{ "some.other.logger", 10 },
};
#define NLOGGERS	(sizeof(loggers) / sizeof(loggers[0]))

/* The field layout of lttng_python:event (lttng-ust's Python agent). */
static const char *const fields[] = {
	"asctime", "msg", "logger_name", "funcName", "lineno", "int_loglevel",
	"thread", "threadName"
};
#define NFIELDS		8

#define T0_NS		1714564800000000000ULL	/* the streams' --start */

static struct ojs oj;
static unsigned long long nrecs;
/* The kernel analyzer's thread table at its least (64, not 65536): ASan
 * zeroes a calloc() of it for every input. */
static struct an_conf *conf;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_log_init("fuzz_oslo");
	ojs_init(&oj);
	if ((conf = an_conf_create()) == NULL ||
	    an_conf_set(conf, "kernel.max_threads", "64", "fuzz") != 0)
		abort();
	return 0;
}

/* strata-agent sends each record as JSON: serialize it, then free it. */
static void
emit(void *arg, struct json_object *rec)
{
	const char *s;

	FUZZ_CHECK(rec != NULL, "a NULL record");
	s = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN);
	FUZZ_CHECK(s != NULL && *s == '{', "a record that is no object");
	if (fuzz_verbose)
		dprintf(2, "> %s\n", s);
	nrecs++;
	json_object_put(rec);
}

/* Reads token tok's subtree whole; returns the index after it. */
static int
walk(const struct ojs *j, int tok, int depth)
{
	const struct ojs_tok *t;
	unsigned n = 0, next;
	double d;
	int64_t i64;
	int c;

	FUZZ_CHECK(tok >= 0 && (unsigned)tok < j->nt, "token %d of %u", tok,
	    j->nt);
	FUZZ_CHECK(depth <= OJS_MAX_DEPTH + 1, "depth %d", depth);
	t = &j->t[tok];
	next = t->next;
	FUZZ_CHECK(next > (unsigned)tok && next <= j->nt,
	    "token %d ends at %u of %u", tok, next, j->nt);
	switch (ojs_type(j, tok)) {
	case OJS_OBJ:
		for (c = ojs_first(j, tok); c >= 0; c = ojs_next_key(j, tok, c)) {
			FUZZ_CHECK(ojs_type(j, c) == OJS_STR, "a key of type %d",
			    ojs_type(j, c));
			FUZZ_CHECK(ojs_str(j, c) != NULL, "a key without text");
			FUZZ_CHECK(walk(j, c, depth + 1) == c + 1,
			    "a key with children");
			walk(j, c + 1, depth + 1);
			/* The lookup finds a value for the key (the first). */
			FUZZ_CHECK(ojs_get(j, tok, ojs_str(j, c)) >= 0,
			    "key %s not found", ojs_str(j, c));
			n++;
		}
		FUZZ_CHECK(n == ojs_count(j, tok), "%u members, %u counted", n,
		    ojs_count(j, tok));
		break;
	case OJS_ARR:
		for (c = ojs_first(j, tok); c >= 0; c = ojs_next(j, tok, c)) {
			walk(j, c, depth + 1);
			n++;
		}
		FUZZ_CHECK(n == ojs_count(j, tok), "%u items, %u counted", n,
		    ojs_count(j, tok));
		break;
	case OJS_STR:
		FUZZ_CHECK(ojs_str(j, tok) != NULL, "a string without text");
		FUZZ_CHECK(strlen(ojs_str(j, tok)) <= t->len,
		    "string longer than %u", t->len);
		(void)ojs_num(j, tok, &d);
		(void)ojs_int(j, tok, &i64);
		break;
	case OJS_NUM:
		(void)ojs_num(j, tok, &d);
		(void)ojs_int(j, tok, &i64);
		break;
	case OJS_TRUE:
	case OJS_FALSE:
		FUZZ_CHECK(ojs_bool(j, tok) == (ojs_type(j, tok) == OJS_TRUE),
		    "a boolean read wrong");
		break;
	case OJS_NULL:
		break;
	default:
		FUZZ_CHECK(0, "token %d of type %d", tok, ojs_type(j, tok));
	}
	return (int)next;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nl;
	struct an_host host;
	struct an_set *set;
	struct ev_plan *plans;
	struct json_object *st;
	struct ev ev;
	uint64_t t_ns = T0_NS;
	char *msg;
	size_t len, k;

	memset(&host, 0, sizeof(host));
	host.node = "cmp1";
	host.emit = emit;
	if ((set = an_set_create(&host, conf)) == NULL)
		abort();
	if ((plans = calloc(an_set_count(set), sizeof(*plans))) == NULL)
		abort();
	an_set_classify(set, "lttng_python:event", fields, NFIELDS, plans);

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len == 0) {
			p++;
			continue;
		}
		k = p[0] % NLOGGERS;
		/* The msg: the rest of the line, exactly its size. */
		if ((msg = malloc(len)) == NULL)
			abort();
		memcpy(msg, p + 1, len - 1);
		msg[len - 1] = '\0';

		if (ojs_parse(&oj, msg, len - 1) == 0) {
			FUZZ_CHECK(oj.nt > 0, "a parse without tokens");
			FUZZ_CHECK(walk(&oj, 0, 0) == (int)oj.nt,
			    "the value ends before its last token");
		} else
			FUZZ_CHECK(oj.err != NULL, "a failed parse without reason");

		memset(&ev, 0, sizeof(ev));
		ev.name = "lttng_python:event";
		ev.t_ns = t_ns;
		ev.vpid = 4242;
		ev.vtid = 4242;
		ev.cpu = 0;
		ev_add_str(&ev, "asctime", "2024-05-01 12:00:00,000");
		ev_add_str(&ev, "msg", msg);
		ev_add_str(&ev, "logger_name", loggers[k].logger);
		ev_add_str(&ev, "funcName", "notify");
		ev_add_int(&ev, "lineno", 1);
		ev_add_int(&ev, "int_loglevel", loggers[k].level);
		ev_add_int(&ev, "thread", 1);
		ev_add_str(&ev, "threadName", "MainThread");
		an_set_event(set, &ev, plans);
		an_set_flush(set);
		free(msg);
		t_ns += 1000000000ULL;
		p += len + (nl != NULL);
	}
	an_set_finish(set);
	st = an_set_stats(set);
	FUZZ_CHECK(st != NULL, "no stats");
	FUZZ_CHECK(json_object_to_json_string(st) != NULL, "stats unprintable");
	json_object_put(st);
	an_set_destroy(set);
	free(plans);
	return 0;
}
