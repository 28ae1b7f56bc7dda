/*
 * strata-ovs-bridge.c: follow a running ovs-vswitchd's control-plane
 * signals and re-emit them as `ovs:*` lttng-ust events (emit/ovs_tp.h,
 * docs/events.md), the way strata-qemu-bridge serves a QEMU without the
 * ust trace backend: for hosts whose Open vSwitch has no USDT probes and
 * whose kernel has no datapath tracepoints.
 *
 * Every --interval it reads, over the daemons' own JSON-RPC sockets:
 *   - the OVSDB (ovsdb-server's db.sock, `transact` select of Bridge,
 *     Port and Interface): bridges and ports added or removed become
 *     ovs:reconfigure, Interface rows (external_ids:iface-id = the Neutron
 *     port, attached-mac, vm-uuid, mac_in_use, ofport) ovs:port_map;
 *   - ovs-vswitchd's unixctl socket (ovs-vswitchd.PID.ctl): `dpctl/show`
 *     (ovs:dp_stats: the datapath's hit/missed/lost, and the port names),
 *     `dpctl/dump-flows -m` (a flow that appears is an ovs:flow_put, one
 *     that leaves the dump an ovs:flow_del with reason "gone"), and
 *     `coverage/read-counter bridge_reconfigure` (its rise: ovs:reconfigure
 *     "run");
 *   - with --ovs-log, the dpif module's debug lines of ovs-vswitchd's log
 *     (`ovs-appctl vlog/set dpif:file:dbg`): each "put[create]" and
 *     "flow_del" as it happens, ahead of the next dump.
 *
 * It speaks JSON-RPC itself rather than running ovs-appctl and ovs-vsctl:
 * no fork and exec of two programs per interval (at 100 ms that is the
 * bridge's whole cost), the answers come as JSON (the OVSDB's typed rows,
 * not table text to re-parse), and the sockets are all it needs on the
 * host, not the OVS client programs.  The first reading of everything is
 * the baseline: what exists when the bridge starts is reported as
 * port_map rows, not as installs or reconfigurations.  This file does the
 * reading and the events; emit/ovs_parse.c understands the answers and
 * tells what changed (tests/fuzz/fuzz_ovs_bridge.c fuzzes it).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "ovs_parse.h"
#include "ovs_tp.h"

#define RPC_TIMEOUT_MS	5000

/* One JSON-RPC connection (a unix socket), reconnected when it fails. */
struct rpc {
	char		 path[256];
	int		 fd;
	int64_t		 id;
	json_tokener	*tok;
};

struct bridge_st {
	char		 rundir[256];
	char		*logpath;
	FILE		*logf;
	unsigned	 interval_ms;
	long		 rounds;		/* 0: until signalled */
	struct rpc	 db, ctl;
	struct ovsp	 st;			/* what the readings told */
};

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: strata-ovs-bridge [--ovs-rundir DIR] "
	    "[--interval MS] [--ovs-log FILE] [--rounds N] [-d]\n");
	exit(2);
}

/*
 * No string field is ever empty: "-" stands for none.  Through Debian 12's
 * LTTng and babeltrace2 (2.0.4) an empty string field of an event reads
 * back as that field's value in the previous event of its class.
 */
static const char *
nz(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

static void
cpy(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s != NULL ? s : "");
}

/* ---- JSON-RPC over a unix socket ------------------------------------------- */

static void
rpc_close(struct rpc *r)
{
	if (r->fd != -1)
		close(r->fd);
	r->fd = -1;
	if (r->tok != NULL)
		json_tokener_free(r->tok);
	r->tok = NULL;
}

static int
rpc_open(struct rpc *r, const char *path)
{
	struct sockaddr_un sun;

	rpc_close(r);
	cpy(r->path, sizeof(r->path), path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("%s: path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((r->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("%s: socket", __func__);
		return -1;
	}
	if (connect(r->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_debug("%s: connect: %s", path, strerror(errno));
		rpc_close(r);
		return -1;
	}
	if ((r->tok = json_tokener_new()) == NULL)
		fatalx("json_tokener_new");
	return 0;
}

static int
rpc_send(struct rpc *r, struct json_object *msg)
{
	const char *s = json_object_to_json_string_ext(msg,
	    JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s), off = 0;
	ssize_t n;

	while (off < len) {
		if ((n = write(r->fd, s + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: write", r->path);
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/*
 * One call: method(params) (params is taken), the reply's result (a new
 * reference) or NULL.  OVSDB's echo requests on the way are answered.
 */
static struct json_object *
rpc_call(struct rpc *r, const char *method, struct json_object *params)
{
	struct json_object *msg, *reply = NULL, *v, *res = NULL, *e;
	enum json_tokener_error jerr;
	struct pollfd pfd;
	char buf[65536];
	int64_t id = ++r->id;
	ssize_t n;
	int parsed;

	msg = json_object_new_object();
	json_object_object_add(msg, "id", json_object_new_int64(id));
	json_object_object_add(msg, "method", json_object_new_string(method));
	json_object_object_add(msg, "params", params);
	if (rpc_send(r, msg) == -1) {
		json_object_put(msg);
		rpc_close(r);
		return NULL;
	}
	json_object_put(msg);
	for (;;) {
		pfd.fd = r->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, RPC_TIMEOUT_MS) <= 0) {
			log_warnx("%s: %s: no answer", r->path, method);
			rpc_close(r);
			return NULL;
		}
		if ((n = read(r->fd, buf, sizeof(buf))) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			log_debug("%s: closed", r->path);
			rpc_close(r);
			return NULL;
		}
		/* One read may hold the end of one message and more. */
		parsed = 0;
		while (parsed < n) {
			reply = json_tokener_parse_ex(r->tok, buf + parsed,
			    (int)(n - parsed));
			jerr = json_tokener_get_error(r->tok);
			if (jerr == json_tokener_continue)
				break;
			parsed += (int)json_tokener_get_parse_end(r->tok);
			json_tokener_reset(r->tok);
			if (reply == NULL) {
				log_warnx("%s: bad JSON: %s", r->path,
				    json_tokener_error_desc(jerr));
				rpc_close(r);
				return NULL;
			}
			if (json_object_object_get_ex(reply, "method", &v) &&
			    strcmp(json_object_get_string(v), "echo") == 0) {
				msg = json_object_new_object();
				json_object_object_add(msg, "id",
				    json_object_get(json_object_object_get(
				    reply, "id")));
				json_object_object_add(msg, "result",
				    json_object_get(json_object_object_get(
				    reply, "params")));
				json_object_object_add(msg, "error", NULL);
				rpc_send(r, msg);
				json_object_put(msg);
			} else if (json_object_object_get_ex(reply, "id", &v) &&
			    json_object_get_int64(v) == id) {
				if (json_object_object_get_ex(reply, "error",
				    &e) && e != NULL)
					log_warnx("%s: %s: %s", r->path, method,
					    json_object_get_string(e));
				else if (json_object_object_get_ex(reply,
				    "result", &v))
					res = json_object_get(v);
				json_object_put(reply);
				return res;
			}
			json_object_put(reply);
		}
	}
}

/* A unixctl command of ovs-vswitchd: its text answer (malloc'd) or NULL. */
static char *
ctl_cmd(struct bridge_st *b, const char *cmd, const char *arg1,
    const char *arg2)
{
	struct json_object *params, *res;
	char path[512], pidbuf[32];
	FILE *f;
	char *s;
	long pid;

	if (b->ctl.fd == -1) {
		snprintf(path, sizeof(path), "%s/ovs-vswitchd.pid", b->rundir);
		if ((f = fopen(path, "r")) == NULL)
			return NULL;
		pid = fgets(pidbuf, sizeof(pidbuf), f) ? atol(pidbuf) : 0;
		fclose(f);
		snprintf(path, sizeof(path), "%s/ovs-vswitchd.%ld.ctl",
		    b->rundir, pid);
		if (pid <= 0 || rpc_open(&b->ctl, path) == -1)
			return NULL;
		log_info("following ovs-vswitchd %ld (%s)", pid, path);
	}
	params = json_object_new_array();
	if (arg1 != NULL)
		json_object_array_add(params, json_object_new_string(arg1));
	if (arg2 != NULL)
		json_object_array_add(params, json_object_new_string(arg2));
	if ((res = rpc_call(&b->ctl, cmd, params)) == NULL)
		return NULL;
	s = strdup(json_object_is_type(res, json_type_string) ?
	    json_object_get_string(res) : "");
	json_object_put(res);
	return s;
}

/* ---- the readings, through ovs_parse.c --------------------------------------- */

static void
on_port_map(void *arg, const struct ovsp_iface *f, int present)
{
	(void)arg;
	tracepoint(ovs, port_map, nz(f->bridge), nz(f->name), f->ofport,
	    nz(f->iface_id), nz(f->attached_mac), nz(f->vm_uuid), nz(f->mac),
	    present);
}

static void
on_reconfigure(void *arg, const char *what, const char *bridge,
    const char *port)
{
	(void)arg;
	tracepoint(ovs, reconfigure, what, nz(bridge), nz(port));
}

static void
on_dp_stats(void *arg, const char *dp, const char *bridge,
    unsigned long long hit, unsigned long long missed,
    unsigned long long lost, unsigned long long flows)
{
	(void)arg;
	tracepoint(ovs, dp_stats, nz(dp), nz(bridge), hit, missed, lost, flows);
}

static void
on_flow_put(void *arg, const char *bridge, const char *ufid, const char *text)
{
	(void)arg;
	tracepoint(ovs, flow_put, -1, 0, nz(bridge), nz(ufid), nz(text));
}

static void
on_flow_del(void *arg, const char *bridge, const char *ufid,
    const char *reason)
{
	(void)arg;
	tracepoint(ovs, flow_del, -1, nz(bridge), nz(ufid), reason);
}

static const struct ovsp_cb bridge_cb = {
	.port_map = on_port_map,
	.reconfigure = on_reconfigure,
	.dp_stats = on_dp_stats,
	.flow_put = on_flow_put,
	.flow_del = on_flow_del,
};

/* The OVSDB's bridges, ports and interfaces (ovsp_db()). */
static void
poll_db(struct bridge_st *b)
{
	struct json_object *res;
	char path[512];

	if (b->db.fd == -1) {
		snprintf(path, sizeof(path), "%s/db.sock", b->rundir);
		if (rpc_open(&b->db, path) == -1)
			return;
	}
	if ((res = rpc_call(&b->db, "transact", ovsp_db_params())) == NULL)
		return;
	if (ovsp_db(&b->st, res) == -1)
		log_warnx("%s: transact: unexpected answer", b->db.path);
	json_object_put(res);
}

/* dpctl/show: the datapaths, their stats and port names (ovsp_dps()). */
static void
poll_dps(struct bridge_st *b, char ***dps, size_t *ndps)
{
	char *text;

	*dps = NULL;
	*ndps = 0;
	if ((text = ctl_cmd(b, "dpctl/show", NULL, NULL)) == NULL)
		return;
	ovsp_dps(&b->st, text, dps, ndps);
	free(text);
}

/* dpctl/dump-flows -m of each datapath. */
static void
poll_flows(struct bridge_st *b, char **dps, size_t ndps)
{
	char *text;
	size_t d, ok = 0;

	ovsp_flows_begin(&b->st);
	for (d = 0; d < ndps; d++) {
		if ((text = ctl_cmd(b, "dpctl/dump-flows", "-m", dps[d])) == NULL)
			continue;
		ok++;
		ovsp_flows_dump(&b->st, dps[d], text);
		free(text);
	}
	ovsp_flows_end(&b->st, ok, ndps);
}

static void
poll_coverage(struct bridge_st *b)
{
	char *text;

	if ((text = ctl_cmd(b, "coverage/read-counter", "bridge_reconfigure",
	    NULL)) == NULL)
		return;
	ovsp_coverage(&b->st, text);
	free(text);
}

/* The lines of ovs-vswitchd's log written since the last reading. */
static void
poll_log(struct bridge_st *b)
{
	char line[8192];

	if (b->logf == NULL) {
		if ((b->logf = fopen(b->logpath, "r")) == NULL)
			return;
		/* What was written before we started is not news. */
		fseek(b->logf, 0, SEEK_END);
		return;
	}
	clearerr(b->logf);
	while (fgets(line, sizeof(line), b->logf) != NULL)
		ovsp_log_line(&b->st, line);
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (!quit && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "ovs-rundir",	required_argument, NULL, 'r' },
		{ "interval",	required_argument, NULL, 'i' },
		{ "ovs-log",	required_argument, NULL, 'l' },
		{ "rounds",	required_argument, NULL, 'n' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct bridge_st b;
	struct sigaction sa;
	const char *env;
	char **dps;
	size_t ndps, i;
	long rounds = 0;
	int ch, debug = 0;
	char *end;

	memset(&b, 0, sizeof(b));
	b.db.fd = b.ctl.fd = -1;
	b.interval_ms = 1000;
	ovsp_init(&b.st, &bridge_cb, NULL);
	env = getenv("OVS_RUNDIR");
	cpy(b.rundir, sizeof(b.rundir), env != NULL && *env != '\0' ? env :
	    "/var/run/openvswitch");
	while ((ch = getopt_long(argc, argv, "dh", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			cpy(b.rundir, sizeof(b.rundir), optarg);
			break;
		case 'i':
			b.interval_ms = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || b.interval_ms < 10 ||
			    b.interval_ms > 3600000)
				usage();
			break;
		case 'l':
			b.logpath = optarg;
			break;
		case 'n':
			rounds = strtol(optarg, &end, 10);
			if (*end != '\0' || rounds < 1)
				usage();
			break;
		case 'd':
			debug = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("strata-ovs-bridge", 1, debug);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info("following %s every %u ms%s%s", b.rundir, b.interval_ms,
	    b.logpath ? ", dpif log " : "", b.logpath ? b.logpath : "");
	for (b.rounds = 0; !quit && (rounds == 0 || b.rounds < rounds);
	    b.rounds++) {
		poll_db(&b);
		poll_dps(&b, &dps, &ndps);
		if (b.logpath != NULL)
			poll_log(&b);
		poll_flows(&b, dps, ndps);
		poll_coverage(&b);
		for (i = 0; i < ndps; i++)
			free(dps[i]);
		free(dps);
		if (rounds == 0 || b.rounds + 1 < rounds)
			sleep_ms(b.interval_ms);
	}
	log_info("%" PRIu64 " events in %ld rounds", b.st.events, b.rounds);
	rpc_close(&b.db);
	rpc_close(&b.ctl);
	ovsp_free(&b.st);
	if (b.logf != NULL)
		fclose(b.logf);
	return 0;
}
