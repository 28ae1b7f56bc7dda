/*
 * fuzz_ovs.c: libFuzzer target of the ovs analyzer (lib/analyzers/ovs/)
 * in the whole registered set, as strata-agent runs it, with its tables
 * made small (4 CPUs, 4 upcalls in flight, 8 ports, 1 ms timeout, 0.1 s
 * summaries, both alerts armed) so that every bound and eviction is
 * reached.
 *
 * The input is a sequence of events, each: a byte choosing the event (the
 * ten ovs:* events of emit/ovs_tp.h, then the kernel tracer's F_entry and
 * F_return of the seven datapath functions), a byte of time step (0-255
 * us; 255: 0.5 s, across windows and timeouts; it was 3 s, which crossed
 * 30 summary windows whose records took most of an input's time, for the
 * same coverage), then one byte per field of that event's layout: 0xff
 * leaves the field out; otherwise an int is the
 * byte less 8 (handler: 100 + byte % 8), an unsigned the byte, a string
 * one of strs[] (names, components, "", "-", one of 200 bytes).  Every 8
 * events an_set_flush(); at the end an_set_finish() and an_set_stats(),
 * whose ovs counters must keep their bounds; every record is serialized.
 */
#include "fuzz.h"

#include "analyzer.h"

#define FUZZ_MAX_AN	16	/* analyzers the plans have room for */
#define T0_NS		1795634430000000000ULL

static const char *const strs[] = {
	"", "-", "br-int", "br-ex", "tap1", "tap2", "p1", "receive", "process",
	"lookup", "upcall", "actions", "send", "execute", "bogus", "run",
	"port_add", "bridge_del", "fa:16:3e:00:00:01", "netdev@ovs-netdev",
	"1b4e28ba-2fa1-11d2-883f-0016d3cca427",
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
};
#define NSTRS	(sizeof(strs) / sizeof(strs[0]))

/* "i:name" int, "h:name" a handler thread, "u:name" unsigned, "s:name". */
static const struct {
	const char	*name;
	const char	*f[11];
} evs[] = {
	{ "ovs:dp_entry", { "s:component", "i:cpu", "i:tid", "u:skbaddr",
	    "s:bridge", "s:port", "u:len", "u:pkt_hash" } },
	{ "ovs:dp_exit", { "s:component", "i:cpu", "i:tid", "u:skbaddr" } },
	{ "ovs:upcall", { "i:cpu", "u:skbaddr", "u:len", "u:ovs_flow_hash",
	    "u:upcall_port", "u:pkt_hash", "s:bridge", "s:port",
	    "s:key_eth_src", "s:key_eth_dst" } },
	{ "ovs:handler_recv", { "h:handler", "u:batch", "u:n", "u:batch_size",
	    "u:pkt_hash", "u:len" } },
	{ "ovs:flow_put", { "h:handler", "u:pkt_hash", "s:bridge", "s:ufid",
	    "s:flow" } },
	{ "ovs:flow_del", { "h:handler", "s:bridge", "s:ufid", "s:reason" } },
	{ "ovs:flow_execute", { "h:handler", "u:pkt_hash", "u:len" } },
	{ "ovs:reconfigure", { "s:what", "s:bridge", "s:port" } },
	{ "ovs:port_map", { "s:bridge", "s:port", "i:ofport", "s:iface_id",
	    "s:attached_mac", "s:vm_uuid", "s:mac", "i:present" } },
	{ "ovs:dp_stats", { "s:datapath", "s:bridge", "u:hit", "u:missed",
	    "u:lost", "u:flows" } },
	{ "ovs_vport_receive_entry", { NULL } },
	{ "ovs_vport_receive_return", { NULL } },
	{ "ovs_dp_process_packet_entry", { NULL } },
	{ "ovs_dp_process_packet_return", { NULL } },
	{ "ovs_flow_tbl_lookup_stats_entry", { NULL } },
	{ "ovs_flow_tbl_lookup_stats_return", { NULL } },
	{ "ovs_dp_upcall_entry", { NULL } },
	{ "ovs_dp_upcall_return", { NULL } },
	{ "ovs_execute_actions_entry", { NULL } },
	{ "ovs_execute_actions_return", { NULL } },
	{ "ovs_vport_send_entry", { NULL } },
	{ "ovs_vport_send_return", { NULL } },
	{ "ovs_packet_cmd_execute_entry", { NULL } },
	{ "ovs_packet_cmd_execute_return", { NULL } },
	{ "ovs_recv_upcall", { NULL } },
	{ "ovs_op_flow_put", { NULL } },
	{ "ovs_op_flow_execute", { NULL } },
	{ "ovs_main_run_start", { NULL } },
	{ "ovs_main_poll_block", { NULL } },
};
#define NEVS	(sizeof(evs) / sizeof(evs[0]))

static const char *const conf_kv[] = {
	"ovs.cpus_max", "4", "ovs.inflight_max", "4", "ovs.ports_max", "8",
	"ovs.timeout_ms", "1", "ovs.summary_s", "0.1",
	"ovs.latency_p99_us", "1", "ovs.alert_window_s", "0.2",
	"ovs.alert_min_packets", "1", "ovs.upcall_storm_per_s", "1",
	/* The kernel analyzer's thread table at its least (64, not 65536):
	 * ASan zeroes a calloc() of it for every input. */
	"kernel.max_threads", "64", NULL
};

static struct an_conf *conf;
/*
 * Each event's plans, classified once: a class's plan depends only on the
 * analyzer table and the names (the agent too classifies a class once),
 * and classifying the 29 events for every input was three quarters of an
 * empty input's time.
 */
static struct ev_plan plans[NEVS][FUZZ_MAX_AN];
static unsigned cnt;

static void	emit(void *, struct json_object *);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *const *p;
	const char *names[11];
	struct an_host host;
	struct an_set *set;
	unsigned k, n;

	fuzz_log_init("fuzz_ovs");
	if ((conf = an_conf_create()) == NULL)
		abort();
	for (p = conf_kv; *p != NULL; p += 2)
		if (an_conf_set(conf, p[0], p[1], "fuzz") != 0)
			abort();
	memset(&host, 0, sizeof(host));
	host.node = "cmp1";
	host.emit = emit;
	if ((set = an_set_create(&host, conf)) == NULL)
		abort();
	cnt = an_set_count(set);
	FUZZ_CHECK(cnt <= FUZZ_MAX_AN, "%u analyzers", cnt);
	for (k = 0; k < NEVS; k++) {
		for (n = 0; n < 11 && evs[k].f[n] != NULL; n++)
			names[n] = evs[k].f[n] + 2;
		an_set_classify(set, evs[k].name, names, n, plans[k]);
	}
	an_set_destroy(set);
	return 0;
}

static void
emit(void *arg, struct json_object *rec)
{
	const char *s;

	FUZZ_CHECK(rec != NULL, "a NULL record");
	s = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN);
	FUZZ_CHECK(s != NULL && *s == '{', "a record that is no object");
	if (fuzz_verbose)
		dprintf(2, "> %s\n", s);
	json_object_put(rec);
}

static int64_t
stat_of(struct json_object *st, const char *key)
{
	struct json_object *a, *o, *v;

	if (!json_object_object_get_ex(st, "ovs", &o) &&
	    (!json_object_object_get_ex(st, "analyzers", &a) ||
	    !json_object_object_get_ex(a, "ovs", &o)))
		return -1;
	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	return json_object_get_int64(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct an_host host;
	struct an_set *set;
	struct json_object *st;
	struct ev ev;
	uint64_t t_ns = T0_NS;
	unsigned k, i, nev = 0;
	const char *f;
	int64_t inflight;

	memset(&host, 0, sizeof(host));
	host.node = "cmp1";
	host.emit = emit;
	if ((set = an_set_create(&host, conf)) == NULL ||
	    an_set_count(set) != cnt)
		abort();
	while (end - p >= 2) {
		k = p[0] % NEVS;
		t_ns += p[1] == 255 ? 500000000ULL : (uint64_t)p[1] * 1000;
		p += 2;
		memset(&ev, 0, sizeof(ev));
		ev.name = evs[k].name;
		ev.t_ns = t_ns;
		ev.vpid = 4242;
		/* The handler threads' range: USDT and kprobe events use vtid. */
		ev.vtid = 100 + (int)(t_ns / 1000 % 8);
		ev.cpu = (int)(t_ns / 1000 % 5) - 1;	/* -1 and 0..3 */
		/* A field left out moves the others: the plan is not trusted. */
		for (i = 0; i < 11 && (f = evs[k].f[i]) != NULL && p < end; i++, p++) {
			if (*p == 0xff)
				continue;
			switch (f[0]) {
			case 'i':
				ev_add_int(&ev, f + 2, (int64_t)*p - 8);
				break;
			case 'h':
				ev_add_int(&ev, f + 2, 100 + *p % 8);
				break;
			case 'u':
				ev_add_uint(&ev, f + 2, *p);
				break;
			default:
				ev_add_str(&ev, f + 2, strs[*p % NSTRS]);
			}
		}
		for (i = 0; i < cnt; i++)
			plans[k][i].trusted = 0;
		an_set_event(set, &ev, plans[k]);
		if (++nev % 8 == 0)
			an_set_flush(set);
	}
	an_set_finish(set);
	st = an_set_stats(set);
	FUZZ_CHECK(st != NULL, "no stats");
	FUZZ_CHECK(json_object_to_json_string(st) != NULL, "stats unprintable");
	inflight = stat_of(st, "inflight");
	FUZZ_CHECK(inflight >= -1 && inflight <= 4, "%lld upcalls in flight, "
	    "more than ovs.inflight_max", (long long)inflight);
	FUZZ_CHECK(stat_of(st, "ports") <= 8, "more ports than ovs.ports_max");
	json_object_put(st);
	an_set_destroy(set);
	return 0;
}
