/*
 * fuzz_ovs_bridge.c: libFuzzer target of strata-ovs-bridge's readers of
 * Open vSwitch's answers (emit/ovs_parse.c).  The input is the answers of
 * one ovs-vswitchd, reading after reading, in chunks parted by a NUL byte;
 * a chunk's first byte says what the rest is and which reader gets it:
 *   D  the result of the OVSDB transact select (JSON; ovsp_db)
 *   S  dpctl/show (ovsp_dps)
 *   F  a datapath's name, a newline, its dpctl/dump-flows -m: a round of
 *      one dump (ovsp_flows_begin, _dump, _end)
 *   f  a round whose one dump did not answer
 *   C  coverage/read-counter bridge_reconfigure (ovsp_coverage)
 *   L  lines of ovs-vswitchd's log, each cut as the bridge's fgets() into
 *      8 kB does (ovsp_log_line)
 * any other byte: the chunk is skipped.  One state through the whole
 * input, as the bridge keeps it, so a reading is compared with the last.
 * Each text is copied into a buffer of exactly its size (an overread is
 * caught).  Every call out is read through as the bridge's tracepoints
 * read it, and the state's counts and its flow index are checked after
 * each chunk.  The seeds are real answers (tests/fuzz/ovs-seed.sh).
 */
#include "fuzz.h"

#include "ovs_parse.h"

static uint64_t ncalls;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_log_init("fuzz_ovs_bridge");
	return 0;
}

static size_t
rd(const char *what, const char *s)
{
	FUZZ_CHECK(s != NULL, "%s: NULL string", what);
	return strlen(s);
}

/* A field of struct ovsp_iface ends inside it. */
static void
rd_field(const char *what, const char *s, size_t size)
{
	FUZZ_CHECK(strnlen(s, size) < size, "port_map %s: no NUL", what);
}

static void
on_port_map(void *arg, const struct ovsp_iface *f, int present)
{
	(void)arg;
	rd_field("bridge", f->bridge, sizeof(f->bridge));
	rd_field("name", f->name, sizeof(f->name));
	rd_field("iface_id", f->iface_id, sizeof(f->iface_id));
	rd_field("attached_mac", f->attached_mac, sizeof(f->attached_mac));
	rd_field("vm_uuid", f->vm_uuid, sizeof(f->vm_uuid));
	rd_field("mac", f->mac, sizeof(f->mac));
	FUZZ_CHECK(present == 0 || present == 1, "port_map present %d",
	    present);
	if (fuzz_verbose)
		dprintf(2, "< port_map %s %s ofport %d present %d\n", f->bridge,
		    f->name, f->ofport, present);
	ncalls++;
}

static void
on_reconfigure(void *arg, const char *what, const char *bridge,
    const char *port)
{
	(void)arg;
	FUZZ_CHECK(rd("reconfigure what", what) > 0, "reconfigure: no what");
	rd("reconfigure bridge", bridge);
	rd("reconfigure port", port);
	if (fuzz_verbose)
		dprintf(2, "< reconfigure %s %s %s\n", what, bridge, port);
	ncalls++;
}

static void
on_dp_stats(void *arg, const char *dp, const char *bridge,
    unsigned long long hit, unsigned long long missed,
    unsigned long long lost, unsigned long long flows)
{
	(void)arg;
	rd("dp_stats dp", dp);
	rd("dp_stats bridge", bridge);
	if (fuzz_verbose)
		dprintf(2, "< dp_stats %s %s %llu %llu %llu %llu\n", dp, bridge,
		    hit, missed, lost, flows);
	ncalls++;
}

static void
on_flow_put(void *arg, const char *bridge, const char *ufid, const char *text)
{
	(void)arg;
	rd("flow_put bridge", bridge);
	FUZZ_CHECK(rd("flow_put ufid", ufid) > 0, "flow_put: empty ufid");
	rd("flow_put text", text);
	if (fuzz_verbose)
		dprintf(2, "< flow_put %s %s\n", bridge, ufid);
	ncalls++;
}

static void
on_flow_del(void *arg, const char *bridge, const char *ufid,
    const char *reason)
{
	(void)arg;
	rd("flow_del bridge", bridge);
	FUZZ_CHECK(rd("flow_del ufid", ufid) > 0, "flow_del: empty ufid");
	rd("flow_del reason", reason);
	if (fuzz_verbose)
		dprintf(2, "< flow_del %s %s %s\n", bridge, ufid, reason);
	ncalls++;
}

static const struct ovsp_cb cb = {
	.port_map = on_port_map,
	.reconfigure = on_reconfigure,
	.dp_stats = on_dp_stats,
	.flow_put = on_flow_put,
	.flow_del = on_flow_del,
};

static char *
copy(const uint8_t *p, size_t len)
{
	char *s;

	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static void
chunk_db(struct ovsp *st, const uint8_t *p, size_t len)
{
	struct json_tokener *tok;
	struct json_object *res;
	char *s;

	if ((tok = json_tokener_new()) == NULL)
		abort();
	s = copy(p, len);
	res = json_tokener_parse_ex(tok, s, (int)len);
	if (res != NULL)
		(void)ovsp_db(st, res);
	json_object_put(res);
	json_tokener_free(tok);
	free(s);
}

static void
chunk_log(struct ovsp *st, const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len, *nl;
	size_t n;
	char *line;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl + 1 : end) - p);
		if (n > 8191)		/* fgets(line, 8192, ...) */
			n = 8191;
		line = copy(p, n);
		ovsp_log_line(st, line);
		free(line);
		p += n;
	}
}

/* The state agrees with itself: counts, and an index entry per flow. */
static void
check_state(const struct ovsp *st)
{
	size_t i, n = 0;

	FUZZ_CHECK(st->events == ncalls, "%llu events, %llu calls",
	    (unsigned long long)st->events, (unsigned long long)ncalls);
	FUZZ_CHECK(st->nifs <= st->capifs && st->nports <= st->capports &&
	    st->nflows <= st->capflows && st->ndports <= st->capdports,
	    "a count beyond its array");
	if (st->fidx_cap == 0) {
		FUZZ_CHECK(st->nflows == 0, "%zu flows, no index", st->nflows);
		return;
	}
	FUZZ_CHECK(2 * (st->nflows + 1) <= st->fidx_cap,
	    "%zu flows in an index of %zu", st->nflows, st->fidx_cap);
	for (i = 0; i < st->fidx_cap; i++)
		if (st->fidx[i] != 0) {
			FUZZ_CHECK(st->fidx[i] <= st->nflows,
			    "index entry %zu of %zu flows", st->fidx[i],
			    st->nflows);
			n++;
		}
	FUZZ_CHECK(n == st->nflows, "%zu index entries, %zu flows", n,
	    st->nflows);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nul, *nl;
	struct ovsp st;
	char **dps = NULL, *text, *dp;
	size_t ndps = 0, len, i;

	ncalls = 0;
	ovsp_init(&st, &cb, NULL);
	while (p < end) {
		nul = memchr(p, '\0', (size_t)(end - p));
		len = (size_t)((nul != NULL ? nul : end) - p);
		if (len == 0) {
			p++;
			continue;
		}
		switch (p[0]) {
		case 'D':
			chunk_db(&st, p + 1, len - 1);
			break;
		case 'S':
			for (i = 0; i < ndps; i++)
				free(dps[i]);
			free(dps);
			text = copy(p + 1, len - 1);
			ovsp_dps(&st, text, &dps, &ndps);
			for (i = 0; i < ndps; i++)
				rd("datapath", dps[i]);
			free(text);
			break;
		case 'F':
			nl = memchr(p + 1, '\n', len - 1);
			dp = copy(p + 1, nl != NULL ? (size_t)(nl - p - 1) :
			    len - 1);
			text = nl != NULL ? copy(nl + 1, (size_t)(p + len -
			    nl - 1)) : copy(p, 0);
			ovsp_flows_begin(&st);
			ovsp_flows_dump(&st, dp, text);
			ovsp_flows_end(&st, 1, 1);
			free(dp);
			free(text);
			break;
		case 'f':
			ovsp_flows_begin(&st);
			ovsp_flows_end(&st, 0, 1);
			break;
		case 'C':
			text = copy(p + 1, len - 1);
			ovsp_coverage(&st, text);
			free(text);
			break;
		case 'L':
			chunk_log(&st, p + 1, len - 1);
			break;
		}
		check_state(&st);
		p += len + (nul != NULL);
	}
	for (i = 0; i < ndps; i++)
		free(dps[i]);
	free(dps);
	ovsp_free(&st);
	return 0;
}
