/*
 * fuzz_qemu_log.c: libFuzzer target of the QEMU log-line parser
 * (emit/qemu_log.c) that strata-qemu-bridge feeds with QEMU's `log` trace
 * backend output.  The input is a piece of a QEMU log: its lines, each
 * copied into a buffer of exactly its size (an overread is caught) and
 * parsed in order by one parser, as the bridge does (the QEMU pid comes
 * from the first trace line).  Every event it returns is read through:
 * its name, each field's name and string, as the bridge re-emits them.
 */
#include "fuzz.h"

#include "qemu_log.h"

static struct qemu_log_parser qp;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_log_init("fuzz_qemu_log");
	return 0;
}

/* What the bridge reads of an event (emit/emit_ev.c). */
static size_t
read_ev(const struct ev *ev)
{
	size_t n, i;

	FUZZ_CHECK(ev->name != NULL, "an event without a name");
	FUZZ_CHECK(ev->nfields <= EV_MAX_FIELDS, "%u fields", ev->nfields);
	n = strlen(ev->name);
	for (i = 0; i < ev->nfields; i++) {
		FUZZ_CHECK(ev->f[i].name != NULL, "field %zu has no name", i);
		n += strlen(ev->f[i].name);
		if (ev->f[i].type == EVF_STR) {
			FUZZ_CHECK(ev->f[i].v.s != NULL, "field %s: NULL string",
			    ev->f[i].name);
			n += strlen(ev->f[i].v.s);
		}
	}
	if (fuzz_verbose)
		dprintf(2, "< %s t_ns %llu vpid %lld vtid %lld, %u fields\n",
		    ev->name, (unsigned long long)ev->t_ns,
		    (long long)ev->vpid, (long long)ev->vtid, ev->nfields);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nl;
	struct ev ev;
	char *line;
	size_t len;

	if (qemu_log_parser_init(&qp) == -1)
		abort();
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl + 1 : end) - p);
		if ((line = malloc(len + 1)) == NULL)
			abort();
		memcpy(line, p, len);
		line[len] = '\0';
		if (qemu_log_parse(&qp, line, &ev) == QLOG_EVENT)
			read_ev(&ev);
		else
			FUZZ_CHECK(qp.skip_reason == NULL ||
			    *qp.skip_reason != '\0', "an empty skip reason");
		free(line);
		p += len;
	}
	FUZZ_CHECK(qp.n_lines == qp.n_empty + qp.n_events + qp.n_skipped,
	    "%llu lines: %llu empty + %llu events + %llu skipped",
	    (unsigned long long)qp.n_lines, (unsigned long long)qp.n_empty,
	    (unsigned long long)qp.n_events, (unsigned long long)qp.n_skipped);
	qemu_log_parser_free(&qp);
	return 0;
}
