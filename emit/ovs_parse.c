/*
 * ovs_parse.c: strata-ovs-bridge's readers of Open vSwitch's answers
 * (ovs_parse.h).  Each reading is compared with the last: a bridge, port
 * or flow that appears or leaves, an Interface row that changes, a rise of
 * bridge_reconfigure, are told through the callbacks.  The first reading
 * of the OVSDB and of the dumps is the baseline: what exists then is told
 * as port_map rows, not as installs or reconfigurations.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ovs_parse.h"

static void *
grow(void *p, size_t *cap, size_t n, size_t size)
{
	void *np;
	size_t c;

	if (n < *cap)
		return p;
	c = *cap ? *cap * 2 : 16;
	if ((np = realloc(p, c * size)) == NULL)
		fatal("%s: realloc", __func__);
	*cap = c;
	return np;
}

static void
cpy(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s != NULL ? s : "");
}

void
ovsp_init(struct ovsp *p, const struct ovsp_cb *cb, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->cb = cb;
	p->arg = arg;
	p->reconf = -1;
}

void
ovsp_free(struct ovsp *p)
{
	size_t i;

	for (i = 0; i < p->nflows; i++)
		free(p->flows[i].ufid);
	free(p->flows);
	free(p->fidx);
	free(p->ifs);
	free(p->ports);
	free(p->dports);
	p->flows = NULL;
	p->fidx = NULL;
	p->ifs = NULL;
	p->ports = NULL;
	p->dports = NULL;
	p->nflows = p->nifs = p->nports = p->ndports = 0;
}

/* ---- OVSDB ------------------------------------------------------------------ */

/*
 * The answer is read as OVSDB's shapes only where they are checked:
 * json-c asserts on an array call for a non-array, and a JSON null (a
 * NULL object) has a NULL string.
 */
static const char *
jstr(struct json_object *v)
{
	const char *s = json_object_get_string(v);

	return s != NULL ? s : "";
}

static int
is_pair(struct json_object *v)
{
	return json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v) == 2;
}

/* An OVSDB atom or ["set", [...]] as its uuid strings, into out[]. */
static size_t
uuids(struct json_object *v, const char **out, size_t max)
{
	struct json_object *a, *x;
	size_t i, n = 0;

	if (!is_pair(v) || max == 0)
		return 0;
	a = json_object_array_get_idx(v, 0);
	if (strcmp(jstr(a), "uuid") == 0) {
		out[0] = jstr(json_object_array_get_idx(v, 1));
		return 1;
	}
	if (strcmp(jstr(a), "set") != 0)
		return 0;
	a = json_object_array_get_idx(v, 1);
	for (i = 0; json_object_is_type(a, json_type_array) &&
	    i < json_object_array_length(a) && n < max; i++) {
		x = json_object_array_get_idx(a, i);
		if (is_pair(x))
			out[n++] = jstr(json_object_array_get_idx(x, 1));
	}
	return n;
}

/* How many uuids an OVSDB atom or ["set", [...]] holds at most. */
static size_t
set_len(struct json_object *v)
{
	struct json_object *a;

	if (!is_pair(v))
		return 1;
	a = json_object_array_get_idx(v, 1);
	return json_object_is_type(a, json_type_array) ?
	    json_object_array_length(a) + 1 : 1;
}

/* The value of key in an OVSDB ["map", [[k, v], ...]], or "". */
static const char *
map_get(struct json_object *m, const char *key)
{
	struct json_object *a, *kv;
	size_t i;

	if (!is_pair(m))
		return "";
	a = json_object_array_get_idx(m, 1);
	for (i = 0; json_object_is_type(a, json_type_array) &&
	    i < json_object_array_length(a); i++) {
		kv = json_object_array_get_idx(a, i);
		if (is_pair(kv) && strcmp(jstr(json_object_array_get_idx(kv,
		    0)), key) == 0)
			return jstr(json_object_array_get_idx(kv, 1));
	}
	return "";
}

static const char *
row_str(struct json_object *row, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(row, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static struct json_object *
select_op(const char *table, const char *const *cols)
{
	struct json_object *op = json_object_new_object(), *c;

	json_object_object_add(op, "op", json_object_new_string("select"));
	json_object_object_add(op, "table", json_object_new_string(table));
	json_object_object_add(op, "where", json_object_new_array());
	c = json_object_new_array();
	for (; *cols != NULL; cols++)
		json_object_array_add(c, json_object_new_string(*cols));
	json_object_object_add(op, "columns", c);
	return op;
}

struct json_object *
ovsp_db_params(void)
{
	static const char *const bcols[] = { "name", "ports", NULL };
	static const char *const pcols[] = { "_uuid", "name", "interfaces",
	    NULL };
	static const char *const icols[] = { "_uuid", "name", "ofport",
	    "external_ids", "mac_in_use", NULL };
	struct json_object *params;

	params = json_object_new_array();
	json_object_array_add(params, json_object_new_string("Open_vSwitch"));
	json_object_array_add(params, select_op("Bridge", bcols));
	json_object_array_add(params, select_op("Port", pcols));
	json_object_array_add(params, select_op("Interface", icols));
	return params;
}

static struct json_object *
rows_of(struct json_object *res, size_t i)
{
	struct json_object *r, *rows;

	if (!json_object_is_type(res, json_type_array))
		return NULL;
	r = json_object_array_get_idx(res, i);
	if (r == NULL || !json_object_object_get_ex(r, "rows", &rows) ||
	    !json_object_is_type(rows, json_type_array))
		return NULL;
	return rows;
}

/* The row of rows whose _uuid is uuid. */
static struct json_object *
row_by_uuid(struct json_object *rows, const char *uuid)
{
	struct json_object *row, *u;
	const char *got[1];
	size_t i;

	for (i = 0; i < json_object_array_length(rows); i++) {
		row = json_object_array_get_idx(rows, i);
		if (json_object_object_get_ex(row, "_uuid", &u) &&
		    uuids(u, got, 1) == 1 && strcmp(got[0], uuid) == 0)
			return row;
	}
	return NULL;
}

static void
iface_update(struct ovsp *p, const char *bridge, struct json_object *row)
{
	struct ovsp_iface nf, *f = NULL;
	struct json_object *v;
	size_t i;

	memset(&nf, 0, sizeof(nf));
	cpy(nf.name, sizeof(nf.name), row_str(row, "name"));
	cpy(nf.bridge, sizeof(nf.bridge), bridge);
	nf.ofport = json_object_object_get_ex(row, "ofport", &v) &&
	    json_object_is_type(v, json_type_int) ? json_object_get_int(v) : -1;
	v = json_object_object_get(row, "external_ids");
	cpy(nf.iface_id, sizeof(nf.iface_id), map_get(v, "iface-id"));
	cpy(nf.attached_mac, sizeof(nf.attached_mac), map_get(v,
	    "attached-mac"));
	cpy(nf.vm_uuid, sizeof(nf.vm_uuid), map_get(v, "vm-uuid"));
	cpy(nf.mac, sizeof(nf.mac), row_str(row, "mac_in_use"));
	nf.seen = 1;
	for (i = 0; i < p->nifs; i++)
		if (strcmp(p->ifs[i].name, nf.name) == 0)
			f = &p->ifs[i];
	if (f != NULL) {
		f->seen = 1;
		if (memcmp(f, &nf, sizeof(nf)) != 0) {
			*f = nf;
			p->cb->port_map(p->arg, f, 1);
			p->events++;
		}
		return;
	}
	p->ifs = grow(p->ifs, &p->capifs, p->nifs, sizeof(*p->ifs));
	p->ifs[p->nifs] = nf;
	p->cb->port_map(p->arg, &p->ifs[p->nifs++], 1);
	p->events++;
}

static int
port_seen(struct ovsp *p, const char *bridge, const char *port)
{
	size_t i;

	for (i = 0; i < p->nports; i++)
		if (strcmp(p->ports[i].bridge, bridge) == 0 &&
		    strcmp(p->ports[i].port, port) == 0) {
			p->ports[i].seen = 1;
			return 1;
		}
	p->ports = grow(p->ports, &p->capports, p->nports, sizeof(*p->ports));
	memset(&p->ports[p->nports], 0, sizeof(p->ports[0]));
	cpy(p->ports[p->nports].bridge, OVSP_NAME_LEN, bridge);
	cpy(p->ports[p->nports].port, OVSP_NAME_LEN, port);
	p->ports[p->nports++].seen = 1;
	return 0;
}

static int
bridge_known(struct ovsp *p, const char *bridge)
{
	size_t i;

	for (i = 0; i < p->nports; i++)
		if (strcmp(p->ports[i].bridge, bridge) == 0)
			return 1;
	return 0;
}

/* The bridge's own port is gone from this reading: the bridge is. */
static int
bridge_deleted(struct ovsp *p, const char *bridge)
{
	size_t i;

	for (i = 0; i < p->nports; i++)
		if (!p->ports[i].seen && strcmp(p->ports[i].bridge, bridge) == 0 &&
		    strcmp(p->ports[i].port, bridge) == 0)
			return 1;
	return 0;
}

/*
 * The result of ovsp_db_params()'s transact: what changed since the last
 * reading as reconfigure and port_map calls.  A bridge's own internal
 * port (named like it) comes and goes with the bridge.  -1: not the
 * answer to that transact.
 */
int
ovsp_db(struct ovsp *p, struct json_object *res)
{
	struct json_object *brows, *prows, *irows, *br, *pr, *ir;
	const char *iu[64], *bname, *pname, **pu = NULL;
	size_t i, j, k, np, ni, w;
	int known;

	if ((brows = rows_of(res, 0)) == NULL ||
	    (prows = rows_of(res, 1)) == NULL ||
	    (irows = rows_of(res, 2)) == NULL)
		return -1;
	for (i = 0; i < p->nports; i++)
		p->ports[i].seen = 0;
	for (i = 0; i < p->nifs; i++)
		p->ifs[i].seen = 0;
	for (i = 0; i < json_object_array_length(brows); i++) {
		br = json_object_array_get_idx(brows, i);
		bname = row_str(br, "name");
		known = bridge_known(p, bname);
		if (!known && p->have_db) {
			p->cb->reconfigure(p->arg, "bridge_add", bname, "-");
			log_debug("bridge_add %s", bname);
			p->events++;
		}
		np = set_len(json_object_object_get(br, "ports"));
		free(pu);
		if ((pu = calloc(np, sizeof(*pu))) == NULL)
			fatal("%s: calloc", __func__);
		np = uuids(json_object_object_get(br, "ports"), pu, np);
		for (j = 0; j < np; j++) {
			if ((pr = row_by_uuid(prows, pu[j])) == NULL)
				continue;
			pname = row_str(pr, "name");
			if (!port_seen(p, bname, pname) && p->have_db && known &&
			    strcmp(pname, bname) != 0) {
				p->cb->reconfigure(p->arg, "port_add", bname,
				    pname);
				log_debug("port_add %s %s", bname, pname);
				p->events++;
			}
			ni = uuids(json_object_object_get(pr, "interfaces"), iu,
			    64);
			for (k = 0; k < ni; k++)
				if ((ir = row_by_uuid(irows, iu[k])) != NULL)
					iface_update(p, bname, ir);
		}
	}
	/* What is gone. */
	for (i = 0, w = 0; i < p->nports; i++) {
		if (p->ports[i].seen) {
			p->ports[w++] = p->ports[i];
			continue;
		}
		if (strcmp(p->ports[i].port, p->ports[i].bridge) == 0)
			p->cb->reconfigure(p->arg, "bridge_del",
			    p->ports[i].bridge, "-");
		else if (bridge_deleted(p, p->ports[i].bridge))
			continue;	/* went with its bridge */
		else
			p->cb->reconfigure(p->arg, "port_del",
			    p->ports[i].bridge, p->ports[i].port);
		log_debug("%s %s %s", strcmp(p->ports[i].port,
		    p->ports[i].bridge) == 0 ? "bridge_del" : "port_del",
		    p->ports[i].bridge, p->ports[i].port);
		p->events++;
	}
	p->nports = w;
	for (i = 0, w = 0; i < p->nifs; i++) {
		if (p->ifs[i].seen) {
			p->ifs[w++] = p->ifs[i];
			continue;
		}
		p->cb->port_map(p->arg, &p->ifs[i], 0);
		p->events++;
	}
	p->nifs = w;
	p->have_db = 1;
	free(pu);
	return 0;
}

/* ---- the datapaths ------------------------------------------------------------ */

static const char *
dport_name(struct ovsp *p, const char *dp, unsigned no)
{
	size_t i;

	for (i = 0; i < p->ndports; i++)
		if (p->dports[i].no == no && (dp == NULL ||
		    strcmp(p->dports[i].dp, dp) == 0))
			return p->dports[i].name;
	return NULL;
}

/* The bridge of an interface name (OVSDB), or NULL. */
static const char *
bridge_of(struct ovsp *p, const char *ifname)
{
	size_t i;

	for (i = 0; ifname != NULL && i < p->nifs; i++)
		if (strcmp(p->ifs[i].name, ifname) == 0)
			return p->ifs[i].bridge;
	return NULL;
}

/*
 * dpctl/show: per datapath "NAME:", "lookups: hit:H missed:M lost:L",
 * "flows: F", "port N: NAME (TYPE)".  A dp_stats call per datapath, with
 * its bridge when all its ports are of one bridge.
 */
void
ovsp_dps(struct ovsp *p, char *text, char ***dps, size_t *ndps)
{
	char *line, *save, dp[OVSP_NAME_LEN] = "", name[OVSP_NAME_LEN];
	char onebr[OVSP_NAME_LEN];
	unsigned long long hit = 0, missed = 0, lost = 0, flows = 0;
	const char *br;
	unsigned no;
	int have = 0, mixed = 0;

	*dps = NULL;
	*ndps = 0;
	p->ndports = 0;
	onebr[0] = '\0';
	for (line = strtok_r(text, "\n", &save); ; line = strtok_r(NULL, "\n",
	    &save)) {
		if (line == NULL || (line[0] != ' ' && strchr(line, ':'))) {
			if (have) {
				p->cb->dp_stats(p->arg, dp, mixed ? "-" : onebr,
				    hit, missed, lost, flows);
				p->events++;
				if ((*dps = realloc(*dps, (*ndps + 1) *
				    sizeof(char *))) == NULL ||
				    ((*dps)[*ndps] = strdup(dp)) == NULL)
					fatal("%s: realloc", __func__);
				(*ndps)++;
			}
			if (line == NULL)
				break;
			cpy(dp, sizeof(dp), line);
			dp[strcspn(dp, ":")] = '\0';
			have = 1;
			mixed = 0;
			onebr[0] = '\0';
			hit = missed = lost = flows = 0;
			continue;
		}
		while (*line == ' ')
			line++;
		if (sscanf(line, "lookups: hit:%llu missed:%llu lost:%llu", &hit,
		    &missed, &lost) == 3)
			continue;
		if (sscanf(line, "flows: %llu", &flows) == 1)
			continue;
		if (sscanf(line, "port %u: %127s", &no, name) == 2) {
			p->dports = grow(p->dports, &p->capdports, p->ndports,
			    sizeof(*p->dports));
			cpy(p->dports[p->ndports].dp, OVSP_NAME_LEN, dp);
			p->dports[p->ndports].no = no;
			cpy(p->dports[p->ndports++].name, OVSP_NAME_LEN, name);
			/* The datapath's own port is of no bridge. */
			if ((br = bridge_of(p, name)) != NULL) {
				if (onebr[0] == '\0')
					cpy(onebr, sizeof(onebr), br);
				else if (strcmp(onebr, br) != 0)
					mixed = 1;
			}
		}
	}
}

static size_t
ufid_hash(const char *u)
{
	size_t h = 5381;

	for (; *u; u++)
		h = h * 33 + (unsigned char)*u;
	return h;
}

static void
fidx_put(struct ovsp *p, size_t i)
{
	size_t m = p->fidx_cap - 1, k = ufid_hash(p->flows[i].ufid) & m;

	while (p->fidx[k] != 0)
		k = (k + 1) & m;
	p->fidx[k] = i + 1;
}

/* The index again, at least twice the flows: after a compaction or to grow. */
static void
fidx_rebuild(struct ovsp *p)
{
	size_t cap = 64, i;

	while (cap < 2 * (p->nflows + 1))
		cap *= 2;
	if (cap != p->fidx_cap) {
		free(p->fidx);
		if ((p->fidx = calloc(cap, sizeof(*p->fidx))) == NULL)
			fatal("%s: calloc", __func__);
		p->fidx_cap = cap;
	} else
		memset(p->fidx, 0, cap * sizeof(*p->fidx));
	for (i = 0; i < p->nflows; i++)
		fidx_put(p, i);
}

static struct ovsp_flow *
flow_find(struct ovsp *p, const char *ufid)
{
	size_t m, k;
	struct ovsp_flow *f;

	if (p->fidx_cap == 0)
		return NULL;
	m = p->fidx_cap - 1;
	for (k = ufid_hash(ufid) & m; p->fidx[k] != 0; k = (k + 1) & m) {
		f = &p->flows[p->fidx[k] - 1];
		if (f->seen != -1 && strcmp(f->ufid, ufid) == 0)
			return f;
	}
	return NULL;
}

/* A flow known from now on; emit: tell it as an install. */
static void
flow_add(struct ovsp *p, const char *ufid, const char *bridge,
    const char *text, int emit)
{
	p->flows = grow(p->flows, &p->capflows, p->nflows, sizeof(*p->flows));
	if ((p->flows[p->nflows].ufid = strdup(ufid)) == NULL)
		fatal("strdup");
	cpy(p->flows[p->nflows].bridge, OVSP_NAME_LEN, bridge);
	p->flows[p->nflows++].seen = 1;
	if (2 * (p->nflows + 1) > p->fidx_cap)
		fidx_rebuild(p);
	else
		fidx_put(p, p->nflows - 1);
	if (!emit)
		return;
	p->cb->flow_put(p->arg, bridge, ufid, text);
	log_debug("flow_put %s ufid %s", bridge, ufid);
	p->events++;
}

/* The bridge of a flow from its in_port(NAME or N). */
static const char *
flow_bridge(struct ovsp *p, const char *dp, const char *flow)
{
	const char *s = strstr(flow, "in_port("), *name, *br;
	char buf[OVSP_NAME_LEN];
	size_t n;

	if (s == NULL)
		return "";
	s += 8;
	n = strcspn(s, ")");
	if (n >= sizeof(buf))
		return "";
	memcpy(buf, s, n);
	buf[n] = '\0';
	name = buf;
	if (n > 0 && strspn(buf, "0123456789") == n)
		name = dport_name(p, dp, (unsigned)strtoul(buf, NULL, 10));
	br = bridge_of(p, name);
	return br != NULL ? br : "";
}

void
ovsp_flows_begin(struct ovsp *p)
{
	size_t i;

	for (i = 0; i < p->nflows; i++)
		if (p->flows[i].seen != -1)
			p->flows[i].seen = 0;
}

/*
 * dpctl/dump-flows -m of datapath dp: "ufid:UFID, FLOW, packets:..."
 * lines; flows that appear are installs (not in the first round).
 */
void
ovsp_flows_dump(struct ovsp *p, const char *dp, char *text)
{
	char *line, *save, ufid[64];
	struct ovsp_flow *f;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "ufid:%63[0-9a-f-]", ufid) != 1)
			continue;
		if ((f = flow_find(p, ufid)) != NULL) {
			f->seen = 1;
			continue;
		}
		/* The first dump is the baseline, not installs. */
		flow_add(p, ufid, flow_bridge(p, dp, line), line, p->have_dump);
	}
}

/* ok of the round's ndps dumps answered: flows gone from them are deletes. */
void
ovsp_flows_end(struct ovsp *p, size_t ok, size_t ndps)
{
	size_t i, w;

	if (ok == 0 || ok < ndps) {
		/* Not every dump answered: nothing is known to be gone. */
		for (i = 0; i < p->nflows; i++)
			if (p->flows[i].seen != -1)
				p->flows[i].seen = 1;
	}
	for (i = 0, w = 0; i < p->nflows; i++) {
		if (p->flows[i].seen == 1) {
			p->flows[w++] = p->flows[i];
			continue;
		}
		if (p->flows[i].seen == -1) {
			/* Deleted from the log, told then. */
			free(p->flows[i].ufid);
			continue;
		}
		p->cb->flow_del(p->arg, p->flows[i].bridge, p->flows[i].ufid,
		    "gone");
		log_debug("flow_del %s ufid %s (gone)", p->flows[i].bridge,
		    p->flows[i].ufid);
		p->events++;
		free(p->flows[i].ufid);
	}
	p->nflows = w;
	fidx_rebuild(p);
	if (ndps > 0 && ok == ndps)
		p->have_dump = 1;
}

/*
 * coverage/read-counter bridge_reconfigure: a reconfigure "run" per rise,
 * OVSP_RUNS_MAX at most a reading: a counter that leaps by 2^63 is not
 * that many runs, and telling them one by one would never end.
 */
void
ovsp_coverage(struct ovsp *p, const char *text)
{
	int64_t v, n = 0;

	v = strtoll(text, NULL, 10);
	if (p->reconf >= 0) {
		for (; p->reconf < v && n < OVSP_RUNS_MAX; p->reconf++, n++) {
			p->cb->reconfigure(p->arg, "run", "-", "-");
			p->events++;
		}
		if (p->reconf < v)
			log_warnx("bridge_reconfigure: from %" PRId64 " to %"
			    PRId64 ": %d runs told", p->reconf - n, v,
			    OVSP_RUNS_MAX);
	}
	p->reconf = v;
}

/*
 * The dpif debug lines: "...|dpif|DBG|DP: put[create] ufid:UFID FLOW,
 * actions:..." and "...|dpif|DBG|DP: flow_del ufid:UFID FLOW...".  Ahead
 * of the next dump.
 */
void
ovsp_log_line(struct ovsp *p, char *line)
{
	char ufid[64], dp[OVSP_NAME_LEN];
	const char *s, *q, *flow;
	struct ovsp_flow *f;

	if ((s = strstr(line, "|dpif|DBG|")) == NULL)
		return;
	s += 10;
	if ((q = strchr(s, ':')) == NULL || (size_t)(q - s) >= sizeof(dp))
		return;
	memcpy(dp, s, (size_t)(q - s));
	dp[q - s] = '\0';
	if ((flow = strstr(q, " put[create] ufid:")) != NULL) {
		if (sscanf(flow, " put[create] ufid:%63[0-9a-f-]", ufid) != 1 ||
		    flow_find(p, ufid) != NULL)
			return;
		line[strcspn(line, "\n")] = '\0';
		flow_add(p, ufid, flow_bridge(p, dp, flow), flow + 1, 1);
	} else if ((flow = strstr(q, " flow_del ufid:")) != NULL) {
		if (sscanf(flow, " flow_del ufid:%63[0-9a-f-]", ufid) != 1 ||
		    (f = flow_find(p, ufid)) == NULL)
			return;
		p->cb->flow_del(p->arg, f->bridge, ufid, "log");
		log_debug("flow_del %s ufid %s (log)", f->bridge, ufid);
		p->events++;
		f->seen = -1;	/* compacted after the next dump */
	}
}
