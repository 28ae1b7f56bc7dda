/*
 * port.c: the port analyzer: Neutron's ports, networks, subnets and
 * routers from neutron-server's notifications (neutron/pecan_wsgi/hooks/
 * notifier.py: RESOURCE.{create,update,delete}.{start,end}, the payload
 * {RESOURCE: {...}} of the API; create.start carries the request body
 * without an id, delete.start {RESOURCE_id}; router.interface.create/
 * delete from neutron/db/l3_db.py {router_interface: {id, port_id,
 * subnet_id}}), with each operation's latency.  The port records are the
 * map port → MAC → fixed IPs → device (instance) → binding host that
 * locates a VM on the network.  Emits `port`, `network`, `subnet` and
 * `router` records (docs/records.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oslo.h"
#include "log.h"

#define PORT_MAX_IPS	8
#define ROUTER_MAX_IF	16
#define PENDING_MAX	64	/* create.starts waiting for their id */

enum nres { NR_PORT, NR_NETWORK, NR_SUBNET, NR_ROUTER, NR_COUNT };
static const char *const nres_names[NR_COUNT] = {
	"port", "network", "subnet", "router"
};

enum nop { NO_CREATE, NO_UPDATE, NO_DELETE, NO_COUNT };
static const char *const nop_names[NO_COUNT] = { "create", "update", "delete" };

struct port_params {
	double		 window_s;
};

/* What every Neutron object keeps; each record kind adds its own below. */
struct nobj {
	struct oent	 e;		/* key: the object's id */
	char		 name[128];
	char		 status[16];
	int		 admin_state_up;	/* -1 unknown */
	struct {
		uint64_t	 count, errors;
		double		 last_ms;
		uint64_t	 start_ns;
	}		 ops[NO_COUNT];
	char		 last_op[16];
	uint64_t	 created_ns, deleted_ns;
	char		 rid[64], grid[64];
	int		 deleted;
	union {
		struct {
			char	 mac[24];
			char	 ips[PORT_MAX_IPS][48];
			char	 subnets[PORT_MAX_IPS][40];
			unsigned nips;
			char	 network_id[40];
			char	 device_id[64];
			char	 device_owner[48];
			char	 host[64];
			char	 vif_type[24];
			char	 vnic_type[16];
		} port;
		struct {
			int	 mtu;		/* -1 unknown */
			int	 shared, external;	/* -1 unknown */
			char	 network_type[16];
			char	 physnet[64];
			int64_t	 segmentation_id;	/* -1 */
			struct oset subnets;
		} net;
		struct {
			char	 network_id[40];
			char	 cidr[64];
			char	 gateway_ip[48];
			int	 ip_version;	/* 0 unknown */
			int	 enable_dhcp;	/* -1 */
		} subnet;
		struct {
			char	 ext_net[40];
			char	 gw_ips[4][48];
			unsigned ngw;
			struct {
				char	 port_id[40];
				char	 subnet_id[40];
			}	 ifs[ROUTER_MAX_IF];
			unsigned nifs;
		} router;
	} u;
};

struct pending {
	char		 rid[64];
	uint64_t	 t_ns;
};

struct port_an {
	struct an_host	 host;
	struct port_params params;
	struct oslo_ctx	*own;
	struct otab	 t[NR_COUNT];
	struct pending	 pend[NR_COUNT][PENDING_MAX];	/* create.starts */
	unsigned	 npend[NR_COUNT];
	uint64_t	 epoch_ns, now_ns;
	uint64_t	 events, used, no_id, bulk;
};

#define P_OFF(m)	offsetof(struct port_params, m)
static const struct an_param port_param_table[] = {
	{ "window_s", AN_P_DOUBLE, 3600, 1, 1e8, P_OFF(window_s),
	  "a port, network, subnet or router with no event for this long leaves the agent's memory" },
	{ NULL, 0, 0, 0, 0, 0, NULL }
};

static void
port_classify(const char *name, const char *const *fields, unsigned nfields,
    struct ev_plan *plan)
{
	if (strcmp(name, OSLO_EVENT) == 0)
		an_plan_fields(plan, 0, oslo_fields, fields, nfields);
	else
		an_plan_fields(plan, AN_CODE_NONE, NULL, NULL, 0);
}

static void
cpy_s(char *dst, size_t size, const struct ojs *j, int obj, const char *key)
{
	const char *s = oslo_s(j, obj, key);

	if (s != NULL)
		oslo_cpy(dst, size, s);
}

static struct nobj *
nobj_get(struct port_an *an, enum nres r, const char *id)
{
	struct nobj *o;
	int created, i;

	if ((o = (struct nobj *)otab_get(&an->t[r], id, &created)) == NULL)
		return NULL;
	if (created) {
		o->admin_state_up = -1;
		for (i = 0; i < NO_COUNT; i++)
			o->ops[i].last_ms = -1;
		if (r == NR_NETWORK) {
			o->u.net.mtu = -1;
			o->u.net.shared = o->u.net.external = -1;
			o->u.net.segmentation_id = -1;
		} else if (r == NR_SUBNET)
			o->u.subnet.enable_dhcp = -1;
	}
	return o;
}

static void
fill_port(struct nobj *o, const struct ojs *j, int p)
{
	const char *s;
	int ips, it;

	cpy_s(o->u.port.mac, sizeof(o->u.port.mac), j, p, "mac_address");
	cpy_s(o->u.port.network_id, sizeof(o->u.port.network_id), j, p,
	    "network_id");
	if (ojs_get(j, p, "device_id") >= 0)
		oslo_cpy(o->u.port.device_id, sizeof(o->u.port.device_id),
		    oslo_s(j, p, "device_id"));
	if (ojs_get(j, p, "device_owner") >= 0)
		oslo_cpy(o->u.port.device_owner, sizeof(o->u.port.device_owner),
		    oslo_s(j, p, "device_owner"));
	if (ojs_get(j, p, "binding:host_id") >= 0)
		oslo_cpy(o->u.port.host, sizeof(o->u.port.host),
		    oslo_s(j, p, "binding:host_id"));
	cpy_s(o->u.port.vif_type, sizeof(o->u.port.vif_type), j, p,
	    "binding:vif_type");
	cpy_s(o->u.port.vnic_type, sizeof(o->u.port.vnic_type), j, p,
	    "binding:vnic_type");
	ips = ojs_get(j, p, "fixed_ips");
	if (ojs_type(j, ips) == OJS_ARR) {
		o->u.port.nips = 0;
		for (it = ojs_first(j, ips); it >= 0 &&
		    o->u.port.nips < PORT_MAX_IPS; it = ojs_next(j, ips, it)) {
			if ((s = oslo_s(j, it, "ip_address")) == NULL)
				continue;
			oslo_cpy(o->u.port.ips[o->u.port.nips],
			    sizeof(o->u.port.ips[0]), s);
			oslo_cpy(o->u.port.subnets[o->u.port.nips],
			    sizeof(o->u.port.subnets[0]),
			    oslo_s(j, it, "subnet_id"));
			o->u.port.nips++;
		}
	}
}

static void
fill_network(struct nobj *o, const struct ojs *j, int p)
{
	int64_t v;
	int b, it;

	if (ojs_int(j, ojs_get(j, p, "mtu"), &v) == 0)
		o->u.net.mtu = (int)v;
	if ((b = ojs_bool(j, ojs_get(j, p, "shared"))) >= 0)
		o->u.net.shared = b;
	if ((b = ojs_bool(j, ojs_get(j, p, "router:external"))) >= 0)
		o->u.net.external = b;
	cpy_s(o->u.net.network_type, sizeof(o->u.net.network_type), j, p,
	    "provider:network_type");
	cpy_s(o->u.net.physnet, sizeof(o->u.net.physnet), j, p,
	    "provider:physical_network");
	if (ojs_int(j, ojs_get(j, p, "provider:segmentation_id"), &v) == 0)
		o->u.net.segmentation_id = v;
	b = ojs_get(j, p, "subnets");
	for (it = ojs_first(j, b); it >= 0; it = ojs_next(j, b, it))
		oset_add(&o->u.net.subnets, ojs_str(j, it));
}

static void
fill_subnet(struct port_an *an, struct nobj *o, const struct ojs *j, int p,
    uint64_t t)
{
	struct nobj *net;
	int64_t v;
	int b;

	cpy_s(o->u.subnet.network_id, sizeof(o->u.subnet.network_id), j, p,
	    "network_id");
	cpy_s(o->u.subnet.cidr, sizeof(o->u.subnet.cidr), j, p, "cidr");
	cpy_s(o->u.subnet.gateway_ip, sizeof(o->u.subnet.gateway_ip), j, p,
	    "gateway_ip");
	if (ojs_int(j, ojs_get(j, p, "ip_version"), &v) == 0)
		o->u.subnet.ip_version = (int)v;
	if ((b = ojs_bool(j, ojs_get(j, p, "enable_dhcp"))) >= 0)
		o->u.subnet.enable_dhcp = b;
	/* The network learns its subnet. */
	if (o->u.subnet.network_id[0] != '\0' &&
	    (net = (struct nobj *)otab_find(&an->t[NR_NETWORK],
	    o->u.subnet.network_id)) != NULL &&
	    oset_add(&net->u.net.subnets, o->e.key))
		otab_touch(&an->t[NR_NETWORK], &net->e, t);
}

static void
fill_router(struct nobj *o, const struct ojs *j, int p)
{
	const char *s;
	int gw, ips, it;

	gw = ojs_get(j, p, "external_gateway_info");
	if (ojs_type(j, gw) == OJS_OBJ) {
		cpy_s(o->u.router.ext_net, sizeof(o->u.router.ext_net), j, gw,
		    "network_id");
		ips = ojs_get(j, gw, "external_fixed_ips");
		if (ojs_type(j, ips) == OJS_ARR) {
			o->u.router.ngw = 0;
			for (it = ojs_first(j, ips); it >= 0 && o->u.router.ngw < 4;
			    it = ojs_next(j, ips, it))
				if ((s = oslo_s(j, it, "ip_address")) != NULL)
					oslo_cpy(o->u.router.gw_ips[o->u.router.ngw++],
					    sizeof(o->u.router.gw_ips[0]), s);
		}
	} else if (ojs_type(j, gw) == OJS_NULL) {
		o->u.router.ext_net[0] = '\0';
		o->u.router.ngw = 0;
	}
}

static void
nobj_op(struct nobj *o, enum nop op, enum oslo_phase ph, uint64_t t,
    uint64_t start_ns)
{
	oslo_cpy(o->last_op, sizeof(o->last_op), nop_names[op]);
	if (ph == PH_START) {
		o->ops[op].start_ns = t;
		return;
	}
	if (start_ns == 0)
		start_ns = o->ops[op].start_ns;
	o->ops[op].count++;
	if (ph == PH_ERROR)
		o->ops[op].errors++;
	o->ops[op].last_ms = start_ns != 0 && t >= start_ns ?
	    (double)(t - start_ns) / 1e6 : -1;
	o->ops[op].start_ns = 0;
	if (op == NO_CREATE && o->created_ns == 0)
		o->created_ns = t;
}

/* A create.start has no id yet: its time waits for the create.end. */
static void
pend_push(struct port_an *an, enum nres r, const char *rid, uint64_t t)
{
	struct pending *p;

	if (an->npend[r] == PENDING_MAX) {
		memmove(&an->pend[r][0], &an->pend[r][1],
		    (PENDING_MAX - 1) * sizeof(an->pend[r][0]));
		an->npend[r]--;
	}
	p = &an->pend[r][an->npend[r]++];
	oslo_cpy(p->rid, sizeof(p->rid), rid);
	p->t_ns = t;
}

static uint64_t
pend_pop(struct port_an *an, enum nres r, const char *rid)
{
	unsigned i, n = an->npend[r];
	uint64_t t;

	if (n == 0)
		return 0;
	for (i = 0; rid != NULL && i < n; i++)
		if (strcmp(an->pend[r][i].rid, rid) == 0)
			break;
	if (rid == NULL || i == n)
		i = 0;
	t = an->pend[r][i].t_ns;
	memmove(&an->pend[r][i], &an->pend[r][i + 1],
	    (n - i - 1) * sizeof(an->pend[r][0]));
	an->npend[r]--;
	return t;
}

static struct json_object *nobj_record(const struct port_an *, enum nres,
    const struct nobj *, int final);

static void
nobj_free_members(enum nres r, struct nobj *o)
{
	if (r == NR_NETWORK)
		oset_free(&o->u.net.subnets);
}

/* One object of a notification (p: its body, id: its id). */
static void
port_object(struct port_an *an, const struct oslo_msg *m, enum nres r,
    enum nop op, const char *id, int p)
{
	const struct ojs *j = m->doc;
	uint64_t start = 0;
	struct nobj *o;
	int b;

	if (op == NO_CREATE && m->phase != PH_START)
		start = pend_pop(an, r, m->request_id);
	if ((o = nobj_get(an, r, id)) == NULL)
		return;
	an->used++;
	if (p >= 0 && ojs_type(j, p) == OJS_OBJ && m->phase != PH_START) {
		cpy_s(o->name, sizeof(o->name), j, p, "name");
		cpy_s(o->status, sizeof(o->status), j, p, "status");
		if ((b = ojs_bool(j, ojs_get(j, p, "admin_state_up"))) >= 0)
			o->admin_state_up = b;
		switch (r) {
		case NR_PORT:
			fill_port(o, j, p);
			break;
		case NR_NETWORK:
			fill_network(o, j, p);
			break;
		case NR_SUBNET:
			fill_subnet(an, o, j, p, m->t_ns);
			break;
		case NR_ROUTER:
			fill_router(o, j, p);
			break;
		default:
			break;
		}
	}
	nobj_op(o, op, m->phase, m->t_ns, start);
	if (m->request_id != NULL)
		oslo_cpy(o->rid, sizeof(o->rid), m->request_id);
	if (m->global_request_id != NULL)
		oslo_cpy(o->grid, sizeof(o->grid), m->global_request_id);
	otab_touch(&an->t[r], &o->e, m->t_ns);
	if (op == NO_DELETE && m->phase == PH_END) {
		o->deleted = 1;
		o->deleted_ns = m->t_ns;
		if (r == NR_PORT || o->status[0] != '\0')
			oslo_cpy(o->status, sizeof(o->status), "DELETED");
		an->host.emit(an->host.emit_arg, nobj_record(an, r, o, 1));
		nobj_free_members(r, o);
		otab_del(&an->t[r], &o->e);
	}
}

/* router.interface.create/delete: {router_interface: {id, port_id, ...}}. */
static void
port_router_if(struct port_an *an, const struct oslo_msg *m)
{
	const struct ojs *j = m->doc;
	const char *rid, *pid, *sid;
	struct nobj *o;
	unsigned i;
	int ri;

	ri = ojs_get(j, m->payload, "router_interface");
	if ((rid = oslo_s(j, ri, "id")) == NULL ||
	    (pid = oslo_s(j, ri, "port_id")) == NULL) {
		an->no_id++;
		return;
	}
	sid = oslo_s(j, ri, "subnet_id");
	if ((o = nobj_get(an, NR_ROUTER, rid)) == NULL)
		return;
	an->used++;
	for (i = 0; i < o->u.router.nifs; i++)
		if (strcmp(o->u.router.ifs[i].port_id, pid) == 0)
			break;
	if (strstr(m->event_type, ".delete") != NULL) {
		if (i < o->u.router.nifs) {
			memmove(&o->u.router.ifs[i], &o->u.router.ifs[i + 1],
			    (o->u.router.nifs - i - 1) * sizeof(o->u.router.ifs[0]));
			o->u.router.nifs--;
		}
	} else if (i == o->u.router.nifs && i < ROUTER_MAX_IF) {
		oslo_cpy(o->u.router.ifs[i].port_id,
		    sizeof(o->u.router.ifs[0].port_id), pid);
		oslo_cpy(o->u.router.ifs[i].subnet_id,
		    sizeof(o->u.router.ifs[0].subnet_id), sid);
		o->u.router.nifs++;
	}
	oslo_cpy(o->last_op, sizeof(o->last_op), "interface");
	otab_touch(&an->t[NR_ROUTER], &o->e, m->t_ns);
}

static void
port_event(void *self, const struct ev *ev)
{
	struct port_an *an = self;
	const struct oslo_msg *m;
	const struct ojs *j;
	const char *id, *action;
	char res[32], key[48], plural[40];
	int r, op, body, list, it;

	an->events++;
	if (an->epoch_ns == 0)
		an->epoch_ns = ev->t_ns;
	if (ev->t_ns > an->now_ns)
		an->now_ns = ev->t_ns;
	if ((m = oslo_get(&an->host, ev, &an->own)) == NULL ||
	    m->src != OSLO_NOTIFICATION || m->project != PR_NEUTRON ||
	    m->payload < 0)
		return;
	j = m->doc;
	/* router.interface.create/delete: no phase, one notification each. */
	if (strncmp(m->event_type, "router.interface.", 17) == 0) {
		port_router_if(an, m);
		return;
	}
	if (m->phase == PH_NONE)
		return;
	oslo_resource(m->base, res, sizeof(res));
	for (r = 0; r < NR_COUNT; r++)
		if (strcmp(res, nres_names[r]) == 0)
			break;
	if (r == NR_COUNT)
		return;
	action = m->base + strlen(res) + 1;
	for (op = 0; op < NO_COUNT; op++)
		if (strcmp(action, nop_names[op]) == 0)
			break;
	if (op == NO_COUNT)
		return;
	if (op == NO_CREATE && m->phase == PH_START) {
		pend_push(an, r, m->request_id, m->t_ns);
		return;
	}
	/* Bulk: {"ports": [...]}. */
	snprintf(plural, sizeof(plural), "%ss", res);
	list = ojs_get(j, m->payload, plural);
	if (ojs_type(j, list) == OJS_ARR) {
		an->bulk++;
		for (it = ojs_first(j, list); it >= 0; it = ojs_next(j, list, it))
			if ((id = oslo_s(j, it, "id")) != NULL)
				port_object(an, m, r, op, id, it);
		return;
	}
	body = ojs_get(j, m->payload, res);
	snprintf(key, sizeof(key), "%s_id", res);
	if ((id = oslo_s(j, body, "id")) == NULL &&
	    (id = oslo_s(j, m->payload, "id")) == NULL &&
	    (id = oslo_s(j, m->payload, key)) == NULL) {
		an->no_id++;
		return;
	}
	port_object(an, m, r, op, id, body);
}

static void
ops_json(struct json_object *o, const struct nobj *n)
{
	struct json_object *ops = json_object_new_object(), *op;
	unsigned i;

	for (i = 0; i < NO_COUNT; i++) {
		op = json_object_new_object();
		J_ADD(op, "count", json_object_new_int64((int64_t)n->ops[i].count));
		J_ADD(op, "errors", json_object_new_int64((int64_t)n->ops[i].errors));
		J_ADD(op, "last_ms", n->ops[i].last_ms >= 0 ?
		    json_object_new_double(n->ops[i].last_ms) : NULL);
		J_ADD(ops, nop_names[i], op);
	}
	J_ADD(o, "operations", ops);
}

static struct json_object *
tri(int v)
{
	return v >= 0 ? json_object_new_boolean(v) : NULL;
}

static struct json_object *
nobj_record(const struct port_an *an, enum nres r, const struct nobj *n,
    int final)
{
	struct json_object *o, *a, *x;
	char id[256], idkey[24];
	unsigned i;

	snprintf(id, sizeof(id), "%s/%s", an->host.node, n->e.key);
	o = oj_rec(nres_names[r], an->host.node, id, n->e.last_ns);
	snprintf(idkey, sizeof(idkey), "%s_id", nres_names[r]);
	json_object_object_add(o, idkey, json_object_new_string(n->e.key));
	J_ADD(o, "name", oj_str(n->name));
	J_ADD(o, "status", oj_str(n->status));
	J_ADD(o, "admin_state_up", tri(n->admin_state_up));
	switch (r) {
	case NR_PORT:
		J_ADD(o, "mac", oj_str(n->u.port.mac));
		a = json_object_new_array_ext((int)n->u.port.nips);
		x = json_object_new_array_ext((int)n->u.port.nips);
		for (i = 0; i < n->u.port.nips; i++) {
			json_object_array_add(a,
			    json_object_new_string(n->u.port.ips[i]));
			json_object_array_add(x, oj_str(n->u.port.subnets[i]));
		}
		J_ADD(o, "ips", a);
		J_ADD(o, "subnet_ids", x);
		J_ADD(o, "network_id", oj_str(n->u.port.network_id));
		J_ADD(o, "device_id", oj_str(n->u.port.device_id));
		J_ADD(o, "device_owner", oj_str(n->u.port.device_owner));
		J_ADD(o, "host", oj_str(n->u.port.host));
		J_ADD(o, "vif_type", oj_str(n->u.port.vif_type));
		J_ADD(o, "vnic_type", oj_str(n->u.port.vnic_type));
		break;
	case NR_NETWORK:
		J_ADD(o, "mtu", n->u.net.mtu >= 0 ?
		    json_object_new_int(n->u.net.mtu) : NULL);
		J_ADD(o, "shared", tri(n->u.net.shared));
		J_ADD(o, "external", tri(n->u.net.external));
		J_ADD(o, "network_type", oj_str(n->u.net.network_type));
		J_ADD(o, "physical_network", oj_str(n->u.net.physnet));
		J_ADD(o, "segmentation_id", n->u.net.segmentation_id >= 0 ?
		    json_object_new_int64(n->u.net.segmentation_id) : NULL);
		J_ADD(o, "subnet_ids", oset_json(&n->u.net.subnets, 0));
		break;
	case NR_SUBNET:
		J_ADD(o, "network_id", oj_str(n->u.subnet.network_id));
		J_ADD(o, "cidr", oj_str(n->u.subnet.cidr));
		J_ADD(o, "gateway_ip", oj_str(n->u.subnet.gateway_ip));
		J_ADD(o, "ip_version", n->u.subnet.ip_version ?
		    json_object_new_int(n->u.subnet.ip_version) : NULL);
		J_ADD(o, "enable_dhcp", tri(n->u.subnet.enable_dhcp));
		break;
	case NR_ROUTER:
		J_ADD(o, "external_network_id", oj_str(n->u.router.ext_net));
		a = json_object_new_array_ext((int)n->u.router.ngw);
		for (i = 0; i < n->u.router.ngw; i++)
			json_object_array_add(a,
			    json_object_new_string(n->u.router.gw_ips[i]));
		J_ADD(o, "gateway_ips", a);
		a = json_object_new_array_ext((int)n->u.router.nifs);
		for (i = 0; i < n->u.router.nifs; i++) {
			x = json_object_new_object();
			J_ADD(x, "port_id",
			    json_object_new_string(n->u.router.ifs[i].port_id));
			J_ADD(x, "subnet_id", oj_str(n->u.router.ifs[i].subnet_id));
			json_object_array_add(a, x);
		}
		J_ADD(o, "interfaces", a);
		break;
	default:
		break;
	}
	ops_json(o, n);
	J_ADD(o, "last_operation", oj_str(n->last_op));
	J_ADD(o, "last_ns", oj_ns(n->e.last_ns));
	J_ADD(o, "created_ns", oj_ns(n->created_ns));
	J_ADD(o, "deleted_ns", oj_ns(n->deleted_ns));
	J_ADD(o, "deleted", json_object_new_boolean(n->deleted));
	J_ADD(o, "request_id", oj_str(n->rid));
	J_ADD(o, "global_request_id", oj_str(n->grid));
	J_ADD(o, "final", json_object_new_boolean(final));
	J_ADD(o, "epoch_ns", oj_ns(an->epoch_ns));
	return o;
}

struct flush_arg {
	struct port_an	*an;
	enum nres	 r;
};

static void
port_flush_one(void *arg, struct oent *e)
{
	struct flush_arg *fa = arg;

	fa->an->host.emit(fa->an->host.emit_arg,
	    nobj_record(fa->an, fa->r, (struct nobj *)e, 0));
}

static void
port_final_one(void *arg, struct oent *e)
{
	struct flush_arg *fa = arg;

	fa->an->host.emit(fa->an->host.emit_arg,
	    nobj_record(fa->an, fa->r, (struct nobj *)e, 1));
	nobj_free_members(fa->r, (struct nobj *)e);
}

static void
port_flush(void *self)
{
	struct port_an *an = self;
	struct flush_arg fa;
	int r;

	fa.an = an;
	for (r = 0; r < NR_COUNT; r++) {
		fa.r = r;
		otab_flush(&an->t[r], port_flush_one, &fa);
		otab_expire(&an->t[r], an->now_ns,
		    (uint64_t)(an->params.window_s * 1e9), port_final_one, &fa);
	}
}

static void
port_finish(void *self)
{
	port_flush(self);
}

static void *
port_create(const struct an_host *host, const void *params)
{
	struct port_an *an;
	int r;

	if ((an = calloc(1, sizeof(*an))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	an->host = *host;
	an->params = *(const struct port_params *)params;
	for (r = 0; r < NR_COUNT; r++)
		if (otab_init(&an->t[r], sizeof(struct nobj)) == -1) {
			while (r-- > 0)
				otab_free(&an->t[r], NULL);
			free(an);
			return NULL;
		}
	return an;
}

static void
port_set_params(void *self, const void *params)
{
	struct port_an *an = self;

	an->params = *(const struct port_params *)params;
}

static void
port_stats(void *self, struct json_object *obj)
{
	struct port_an *an = self;

#define N(k, v) json_object_object_add(obj, k, json_object_new_int64((int64_t)(v)))
	N("events", an->events);
	N("used", an->used);
	N("no_id", an->no_id);
	N("bulk", an->bulk);
	N("ports", an->t[NR_PORT].n);
	N("networks", an->t[NR_NETWORK].n);
	N("subnets", an->t[NR_SUBNET].n);
	N("routers", an->t[NR_ROUTER].n);
	N("evicted", an->t[NR_PORT].evicted + an->t[NR_NETWORK].evicted +
	    an->t[NR_SUBNET].evicted + an->t[NR_ROUTER].evicted);
#undef N
}

static void
net_free(struct oent *e)
{
	nobj_free_members(NR_NETWORK, (struct nobj *)e);
}

static void
port_destroy(void *self)
{
	struct port_an *an = self;
	int r;

	for (r = 0; r < NR_COUNT; r++)
		otab_free(&an->t[r], r == NR_NETWORK ? net_free : NULL);
	oslo_ctx_free(an->own);
	free(an);
}

const struct analyzer_class an_port_class = {
	.name = "port",
	.params = port_param_table,
	.params_size = sizeof(struct port_params),
	.classify = port_classify,
	.create = port_create,
	.event = port_event,
	.flush = port_flush,
	.finish = port_finish,
	.set_params = port_set_params,
	.stats = port_stats,
	.destroy = port_destroy,
};
