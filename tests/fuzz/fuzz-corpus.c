/*
 * fuzz-corpus.c: writes the seed corpus of the ingest target
 * (tests/fuzz/corpus/ingest/) from real inputs: the records the migration
 * analyzer makes of the real QEMU 7.2 logs of tests/data/qemu-7.2 (parsed
 * by emit/qemu_log.c, the VM identity stated as strata-qemu-bridge states
 * it), framed by lib/proto's encoders as strata-agent frames them: HELLO,
 * BATCHes of spooled record text, HEARTBEAT with push's counters.  The
 * source log is one agent (node cmp1), the destination log another (cmp2)
 * on a second connection, so the aggregator pairs the two sides.  Each
 * input stays under the 8 KiB the ingest target is fuzzed with (run.sh):
 * the records are the ones that fit, consecutive, as the agent sent them.
 *
 *	fuzz-corpus SRCDIR OUTDIR	(make fuzz-corpus)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "migration.h"
#include "proto.h"
#include "qemu_log.h"
#include "vmreg.h"

/* Between the connections of one input (fuzz_ingest.c). */
#define NEXT_CONN	"\n#next-connection#\n"
#define TOKEN		"fuzz-token"
#define VM_UUID		"8d2c1f3e-5b6a-4c7d-9e8f-0a1b2c3d4e5f"
#define VM_NAME		"instance-0000002a"
#define BATCH_MAX	8
#define MAXREC		4096

struct recs {
	char		*text[MAXREC];
	unsigned	 n;
};

static void
collect(void *arg, struct json_object *rec)
{
	struct recs *r = arg;

	if (r->n < MAXREC)
		r->text[r->n++] = strdup(json_object_to_json_string_ext(rec,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(rec);
}

static void
feed(const struct analyzer_class *cls, void *an, struct ev *ev)
{
	struct ev_plan plan;

	an_plan_from_event(cls, ev, &plan);
	ev->code = plan.code;
	ev->plan = &plan;
	if (ev->code != AN_CODE_NONE)
		cls->event(an, ev);
	ev->plan = NULL;
	cls->flush(an);
}

/* The records of one QEMU log, as node's agent makes them. */
static int
records_of(const char *path, const char *node, struct recs *out)
{
	const struct analyzer_class *cls = &an_migration_class;
	struct mig_params params;
	struct qemu_log_parser qp;
	struct an_host host;
	struct vmreg *vms;
	struct ev ev, id;
	char line[4096];
	void *an;
	int said = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "fuzz-corpus: %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(&host, 0, sizeof(host));
	host.node = node;
	host.emit = collect;
	host.emit_arg = out;
	host.vms = vms = vmreg_create(0);
	an_params_default(cls, &params);
	an = cls->create(&host, &params);
	qemu_log_parser_init(&qp);
	while (fgets(line, sizeof(line), f) != NULL) {
		memset(&ev, 0, sizeof(ev));
		if (qemu_log_parse(&qp, line, &ev) != QLOG_EVENT)
			continue;
		if (!said && qp.pid > 0) {
			memset(&id, 0, sizeof(id));
			id.name = "strata:vm_identity";
			id.vpid = id.vtid = qp.pid;
			id.t_ns = ev.t_ns;
			ev_add_int(&id, "qemu_pid", qp.pid);
			ev_add_str(&id, "vm_uuid", VM_UUID);
			ev_add_str(&id, "vm_name", VM_NAME);
			ev_add_int(&id, "speed_x1000", 1000);
			feed(cls, an, &id);
			said = 1;
		}
		feed(cls, an, &ev);
	}
	cls->finish(an);
	cls->destroy(an);
	vmreg_destroy(vms);
	qemu_log_parser_free(&qp);
	fclose(f);
	return 0;
}

/* The agent's heartbeat counters (agent.c's and push.c's names). */
static void
heartbeat(struct proto_buf *b, int64_t wall_ns, unsigned nrec)
{
	struct json_object *st = json_object_new_object();

	json_object_object_add(st, "events_per_s", json_object_new_double(812.5));
	json_object_object_add(st, "discarded", json_object_new_int64(0));
	json_object_object_add(st, "push_records", json_object_new_int64(nrec));
	json_object_object_add(st, "push_rejected", json_object_new_int64(0));
	json_object_object_add(st, "push_reconnects", json_object_new_int64(0));
	json_object_object_add(st, "spool_unacked", json_object_new_int64(0));
	json_object_object_add(st, "spool_inflight", json_object_new_int64(0));
	json_object_object_add(st, "spool_bytes", json_object_new_int64(4096));
	proto_heartbeat(b, wall_ns, st);
	json_object_put(st);
}

/*
 * One agent's connection: HELLO, records [from, to) of r in batches, a
 * heartbeat.  resend sends the first batch twice (a reconnect's resend).
 */
static void
stream(struct proto_buf *b, const char *node, const struct recs *r,
    unsigned from, unsigned to, int64_t wall_ns, int resend)
{
	size_t start;
	unsigned i, j;

	proto_hello(b, node, "0.1.0", TOKEN, wall_ns);
	for (i = from; i < to; i += BATCH_MAX) {
		start = proto_batch_begin(b);
		for (j = i; j < to && j < i + BATCH_MAX; j++)
			proto_batch_add(b, start, r->text[j], strlen(r->text[j]));
		proto_batch_end(b, start, j);
		if (resend && i == from) {
			size_t len = b->len - start;
			uint8_t *copy = malloc(len);

			memcpy(copy, b->data + start, len);
			proto_buf_add(b, copy, len);
			free(copy);
		}
	}
	heartbeat(b, wall_ns + 10000000000LL, to - from);
}

/* The first record of the longest tail of r that fits in budget bytes. */
static unsigned
tail_from(const struct recs *r, size_t budget)
{
	unsigned i = r->n;

	while (i > 0 && strlen(r->text[i - 1]) + 1 <= budget)
		budget -= strlen(r->text[--i]) + 1;
	return i;
}

/* The end of the longest head of r that fits in budget bytes. */
static unsigned
head_to(const struct recs *r, size_t budget)
{
	unsigned i = 0;

	while (i < r->n && strlen(r->text[i]) + 1 <= budget)
		budget -= strlen(r->text[i++]) + 1;
	return i;
}

/* Record i of r with member key set to v (the regression inputs). */
static void
set_member(struct recs *r, unsigned i, const char *key, int64_t v)
{
	struct json_object *o = json_tokener_parse(r->text[i]);

	json_object_object_add(o, key, json_object_new_int64(v));
	free(r->text[i]);
	r->text[i] = strdup(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int
write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(data, 1, len, f) != len ||
	    fclose(f) != 0) {
		fprintf(stderr, "fuzz-corpus: %s: %s\n", path, strerror(errno));
		return -1;
	}
	printf("%s (%zu bytes)\n", path, len);
	return 0;
}

static void
recs_free(struct recs *r)
{
	while (r->n > 0)
		free(r->text[--r->n]);
}

int
main(int argc, char **argv)
{
	static const char *const sets[] = { "conv-rounds", "dst-killed",
	    "nonconv-cancel" };
	/* The aggregator's clock while fuzzing (fuzz.h), and cmp2 80 ms off. */
	const int64_t now = 1795634430000000000LL;
	struct recs src, dst;
	struct proto_buf b;
	char path[4096], name[128];
	size_t i;
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: fuzz-corpus SRCDIR OUTDIR\n");
		return 2;
	}
	memset(&b, 0, sizeof(b));
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		snprintf(path, sizeof(path), "%s/tests/data/qemu-7.2/%s/src.log",
		    argv[1], sets[i]);
		if (records_of(path, "cmp1", &src) == -1)
			return 1;
		snprintf(path, sizeof(path), "%s/tests/data/qemu-7.2/%s/dst.log",
		    argv[1], sets[i]);
		if (records_of(path, "cmp2", &dst) == -1)
			return 1;
		/*
		 * The end of both sides (how the migration ended, the stop
		 * and the resume), one connection each: the sides pair.
		 */
		proto_buf_reset(&b);
		stream(&b, "cmp1", &src, tail_from(&src, 4800), src.n, now, 0);
		proto_buf_add(&b, NEXT_CONN, strlen(NEXT_CONN));
		stream(&b, "cmp2", &dst, tail_from(&dst, 2400), dst.n,
		    now - 80000000, 0);
		snprintf(name, sizeof(name), "qemu72-%s", sets[i]);
		rc |= write_file(argv[2], name, b.data, b.len);
		/* The start of the source: setup, active, the first rounds. */
		proto_buf_reset(&b);
		stream(&b, "cmp1", &src, 0, head_to(&src, 7200), now, 0);
		snprintf(name, sizeof(name), "qemu72-%s-start", sets[i]);
		rc |= write_file(argv[2], name, b.data, b.len);
		if (i == 0) {
			/*
			 * Issue 12's findings: the pair's stop INT64_MAX and
			 * resume -INT64_MAX.
			 */
			set_member(&src, src.n - 1, "vm_stop_ns", INT64_MAX);
			set_member(&dst, dst.n - 1, "vm_resume_ns", -INT64_MAX);
			proto_buf_reset(&b);
			stream(&b, "cmp1", &src, tail_from(&src, 4800), src.n,
			    now, 0);
			proto_buf_add(&b, NEXT_CONN, strlen(NEXT_CONN));
			stream(&b, "cmp2", &dst, tail_from(&dst, 2400), dst.n,
			    now - 80000000, 0);
			rc |= write_file(argv[2], "regress-stop-resume-int64-max",
			    b.data, b.len);
			set_member(&dst, dst.n - 1, "vm_resume_ns",
			    1795634442338051000LL);
			/* The destination alone, its first batch sent twice. */
			proto_buf_reset(&b);
			stream(&b, "cmp2", &dst, 0, dst.n, now + 250000000, 1);
			rc |= write_file(argv[2], "conv-rounds-dst-resent",
			    b.data, b.len);
		}
		if (i == 1) {
			/*
			 * Issue 12: a side starting at INT64_MAX, of a node
			 * whose clock runs behind ours (its records are of a
			 * minute ago, its handshake 80 ms behind).
			 */
			set_member(&src, src.n - 1, "started_ns", INT64_MAX);
			proto_buf_reset(&b);
			stream(&b, "cmp1", &src, src.n - 1, src.n,
			    now - 80000000, 0);
			rc |= write_file(argv[2], "regress-started-int64-max",
			    b.data, b.len);
		}
		recs_free(&src);
		recs_free(&dst);
	}

	/* The handshakes: good, without a token, of another version. */
	proto_buf_reset(&b);
	proto_hello(&b, "cmp1", "0.1.0", TOKEN, now);
	rc |= write_file(argv[2], "hello", b.data, b.len);
	proto_buf_reset(&b);
	proto_hello(&b, "cmp1", "0.1.0", NULL, now);
	rc |= write_file(argv[2], "hello-no-token", b.data, b.len);
	proto_buf_reset(&b);
	proto_hello(&b, "cmp1", "0.1.0", TOKEN, now);
	heartbeat(&b, now + 10000000000LL, 0);
	proto_refuse(&b, "agent stopping");
	rc |= write_file(argv[2], "hello-heartbeat-refuse", b.data, b.len);
	/* Issue 12: a HELLO whose wall_ns is near INT64_MIN. */
	proto_buf_reset(&b);
	proto_hello(&b, "cmp1", "0.1.0", TOKEN, INT64_MIN + 1);
	rc |= write_file(argv[2], "regress-hello-wall-ns-int64-min", b.data,
	    b.len);
	proto_buf_reset(&b);
	proto_ack(&b, 1);
	rc |= write_file(argv[2], "ack-first", b.data, b.len);
	proto_buf_free(&b);
	return rc ? 1 : 0;
}
