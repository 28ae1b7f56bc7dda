/*
 * volume.c: the volume analyzer: every Cinder volume this node's services
 * notify about (volume.create/attach/detach/resize/delete.start/end/error
 * from cinder-volume, payload of cinder/volume/volume_utils.py
 * _usage_from_volume: volume_id, display_name, size, status, host
 * HOST@BACKEND#POOL, volume_attachment[]), with each operation's latency,
 * and the virtual volume → attachment → instance, host, mountpoint and
 * connection target (iqn/portal/lun, rbd name, nfs export) where the
 * attachment's connection_info carries it; Nova's
 * instance.volume_attach/detach.end add the instance side.  Emits
 * `volume` records (docs/records.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oslo.h"
#include "log.h"

#define VOL_MAX_ATT	8

enum vol_op { VO_CREATE, VO_ATTACH, VO_DETACH, VO_RESIZE, VO_DELETE, VO_COUNT };
static const char *const vol_op_names[VO_COUNT] = {
	"create", "attach", "detach", "resize", "delete"
};

struct vol_params {
	double		 window_s;
};

struct vol_att {
	char		 attachment_id[64];
	char		 instance_uuid[64];
	char		 host[64];
	char		 mountpoint[64];
	char		 attach_status[24];
	char		 attach_mode[8];
	char		 driver[24];		/* driver_volume_type */
	char		 iqn[192];
	char		 portal[96];
	int64_t		 lun;			/* -1 unknown */
	char		 name[192];		/* rbd */
	char		 export[192];		/* nfs */
	char		 device_path[128];
};

struct vol {
	struct oent	 e;		/* key: volume id */
	char		 name[128];
	int64_t		 size_gb;	/* -1 unknown */
	char		 status[24];
	char		 backend[192];
	char		 volume_type[64];
	char		 az[64];
	char		 snapshot_id[64];
	char		 tenant[64];
	struct vol_att	 att[VOL_MAX_ATT];
	unsigned	 natt;
	struct {
		uint64_t	 count, errors;
		double		 last_ms;	/* -1 unknown */
		uint64_t	 start_ns;
	}		 ops[VO_COUNT];
	char		 last_op[16];
	uint64_t	 created_ns, deleted_ns;
	char		 rid[64], grid[64];
	int		 deleted;
};

struct vol_an {
	struct an_host	 host;
	struct vol_params params;
	struct oslo_ctx	*own;
	struct otab	 vols;
	struct ojs	 conn;		/* connection_info sent as a JSON string */
	uint64_t	 epoch_ns, now_ns;
	uint64_t	 events, used, no_volume_id, attachments;
};

#define P_OFF(m)	offsetof(struct vol_params, m)
static const struct an_param vol_param_table[] = {
	{ "window_s", AN_P_DOUBLE, 3600, 1, 1e8, P_OFF(window_s),
	  "a volume with no event for this long leaves the agent's memory" },
	{ NULL, 0, 0, 0, 0, 0, NULL }
};

static void
vol_classify(const char *name, const char *const *fields, unsigned nfields,
    struct ev_plan *plan)
{
	if (strcmp(name, OSLO_EVENT) == 0)
		an_plan_fields(plan, 0, oslo_fields, fields, nfields);
	else
		an_plan_fields(plan, AN_CODE_NONE, NULL, NULL, 0);
}

static int
vol_op_of(const char *action)
{
	int i;

	if (strcmp(action, "extend") == 0)
		return VO_RESIZE;
	for (i = 0; i < VO_COUNT; i++)
		if (strcmp(action, vol_op_names[i]) == 0)
			return i;
	return -1;
}

static void
cpy_s(char *dst, size_t size, const struct ojs *j, int obj, const char *key)
{
	const char *s = oslo_s(j, obj, key);

	if (s != NULL)
		oslo_cpy(dst, size, s);
}

/* connection_info: {driver_volume_type, data: {target_iqn, ...}}. */
static void
vol_conn(struct vol_att *a, const struct ojs *j, int ci)
{
	int d;
	int64_t lun;

	if (ojs_type(j, ci) != OJS_OBJ)
		return;
	cpy_s(a->driver, sizeof(a->driver), j, ci, "driver_volume_type");
	if ((d = ojs_get(j, ci, "data")) < 0 || ojs_type(j, d) != OJS_OBJ)
		return;
	cpy_s(a->iqn, sizeof(a->iqn), j, d, "target_iqn");
	cpy_s(a->portal, sizeof(a->portal), j, d, "target_portal");
	if (ojs_int(j, ojs_get(j, d, "target_lun"), &lun) == 0)
		a->lun = lun;
	cpy_s(a->name, sizeof(a->name), j, d, "name");
	cpy_s(a->export, sizeof(a->export), j, d, "export");
	cpy_s(a->device_path, sizeof(a->device_path), j, d, "device_path");
}

static struct vol_att *
vol_att_for(struct vol *v, const char *aid, const char *instance)
{
	struct vol_att *a;
	unsigned i;

	for (i = 0; i < v->natt; i++) {
		a = &v->att[i];
		if ((aid != NULL && strcmp(a->attachment_id, aid) == 0) ||
		    (instance != NULL && a->attachment_id[0] == '\0' &&
		    strcmp(a->instance_uuid, instance) == 0) ||
		    (instance != NULL && aid == NULL &&
		    strcmp(a->instance_uuid, instance) == 0))
			return a;
	}
	if (v->natt == VOL_MAX_ATT)
		return NULL;
	a = &v->att[v->natt++];
	memset(a, 0, sizeof(*a));
	a->lun = -1;
	return a;
}

static void
vol_att_drop(struct vol *v, const char *instance)
{
	unsigned i;

	for (i = 0; i < v->natt; i++)
		if (strcmp(v->att[i].instance_uuid, instance) == 0) {
			memmove(&v->att[i], &v->att[i + 1],
			    (v->natt - i - 1) * sizeof(v->att[0]));
			v->natt--;
			return;
		}
}

/* Cinder's volume_attachment list (db rows as dicts, or objects). */
static void
vol_attachments(struct vol_an *an, struct vol *v, const struct ojs *j, int list)
{
	struct vol_att *a;
	const char *aid, *inst, *st, *cs;
	int it, o, ci;
	unsigned keep = 0, i;
	char ids[VOL_MAX_ATT][64];

	for (it = ojs_first(j, list); it >= 0; it = ojs_next(j, list, it)) {
		o = oslo_data(j, it);
		if (ojs_type(j, o) != OJS_OBJ)
			continue;
		st = oslo_s(j, o, "attach_status");
		if (st != NULL && strcmp(st, "detached") == 0)
			continue;
		aid = oslo_s(j, o, "id");
		inst = oslo_s(j, o, "instance_uuid");
		if ((a = vol_att_for(v, aid, inst)) == NULL)
			continue;
		cpy_s(a->attachment_id, sizeof(a->attachment_id), j, o, "id");
		cpy_s(a->instance_uuid, sizeof(a->instance_uuid), j, o,
		    "instance_uuid");
		cpy_s(a->host, sizeof(a->host), j, o, "attached_host");
		cpy_s(a->mountpoint, sizeof(a->mountpoint), j, o, "mountpoint");
		cpy_s(a->attach_status, sizeof(a->attach_status), j, o,
		    "attach_status");
		cpy_s(a->attach_mode, sizeof(a->attach_mode), j, o, "attach_mode");
		ci = ojs_get(j, o, "connection_info");
		if ((cs = ojs_str(j, ci)) != NULL && *cs == '{' &&
		    ojs_parse(&an->conn, cs, strlen(cs)) == 0)
			vol_conn(a, &an->conn, 0);
		else
			vol_conn(a, j, ci);
		if (keep < VOL_MAX_ATT)
			oslo_cpy(ids[keep++], sizeof(ids[0]), a->attachment_id[0] ?
			    a->attachment_id : a->instance_uuid);
		an->attachments++;
	}
	/* The list is Cinder's whole truth: attachments not in it are gone. */
	for (i = 0; i < v->natt;) {
		unsigned k;
		const char *id = v->att[i].attachment_id[0] ?
		    v->att[i].attachment_id : v->att[i].instance_uuid;

		for (k = 0; k < keep; k++)
			if (strcmp(ids[k], id) == 0)
				break;
		if (k < keep) {
			i++;
			continue;
		}
		memmove(&v->att[i], &v->att[i + 1],
		    (v->natt - i - 1) * sizeof(v->att[0]));
		v->natt--;
	}
}

static void
vol_op(struct vol *v, int op, enum oslo_phase ph, uint64_t t)
{
	if (op < 0)
		return;
	oslo_cpy(v->last_op, sizeof(v->last_op), vol_op_names[op]);
	if (ph == PH_START) {
		v->ops[op].start_ns = t;
		return;
	}
	if (ph != PH_END && ph != PH_ERROR)
		return;
	v->ops[op].count++;
	if (ph == PH_ERROR)
		v->ops[op].errors++;
	v->ops[op].last_ms = v->ops[op].start_ns != 0 && t >= v->ops[op].start_ns ?
	    (double)(t - v->ops[op].start_ns) / 1e6 : -1;
	v->ops[op].start_ns = 0;
	if (op == VO_CREATE && ph == PH_END && v->created_ns == 0)
		v->created_ns = t;
}

static struct vol *
vol_get(struct vol_an *an, const char *id)
{
	struct vol *v;
	int created, i;

	if ((v = (struct vol *)otab_get(&an->vols, id, &created)) == NULL)
		return NULL;
	if (created) {
		v->size_gb = -1;
		for (i = 0; i < VO_COUNT; i++)
			v->ops[i].last_ms = -1;
	}
	return v;
}

static struct json_object *vol_record(const struct vol_an *, const struct vol *,
    int final);

static void
vol_cinder(struct vol_an *an, const struct oslo_msg *m)
{
	const struct ojs *j = m->doc;
	const char *id, *action;
	struct vol *v;
	int d = m->data, list;
	int64_t size;

	if ((id = oslo_s(j, d, "volume_id")) == NULL) {
		an->no_volume_id++;
		return;
	}
	if ((v = vol_get(an, id)) == NULL)
		return;
	an->used++;
	cpy_s(v->name, sizeof(v->name), j, d, "display_name");
	if (ojs_int(j, ojs_get(j, d, "size"), &size) == 0)
		v->size_gb = size;
	cpy_s(v->status, sizeof(v->status), j, d, "status");
	cpy_s(v->backend, sizeof(v->backend), j, d, "host");
	cpy_s(v->volume_type, sizeof(v->volume_type), j, d, "volume_type");
	cpy_s(v->az, sizeof(v->az), j, d, "availability_zone");
	cpy_s(v->snapshot_id, sizeof(v->snapshot_id), j, d, "snapshot_id");
	cpy_s(v->tenant, sizeof(v->tenant), j, d, "tenant_id");
	list = ojs_get(j, d, "volume_attachment");
	if (ojs_type(j, list) == OJS_ARR && m->phase != PH_START)
		vol_attachments(an, v, j, list);
	action = m->base + 7;	/* after "volume." */
	vol_op(v, vol_op_of(action), m->phase, m->t_ns);
	if (m->request_id != NULL)
		oslo_cpy(v->rid, sizeof(v->rid), m->request_id);
	if (m->global_request_id != NULL)
		oslo_cpy(v->grid, sizeof(v->grid), m->global_request_id);
	otab_touch(&an->vols, &v->e, m->t_ns);
	if (strcmp(action, "delete") == 0 && m->phase == PH_END) {
		v->deleted = 1;
		v->deleted_ns = m->t_ns;
		oslo_cpy(v->status, sizeof(v->status), "deleted");
		an->host.emit(an->host.emit_arg, vol_record(an, v, 1));
		otab_del(&an->vols, &v->e);
	}
}

/* Nova's instance.volume_attach/detach.end: the instance side. */
static void
vol_nova(struct vol_an *an, const struct oslo_msg *m)
{
	const struct ojs *j = m->doc;
	const char *id, *dev;
	struct vol_att *a;
	struct vol *v;
	int bd, it, o;

	if (m->phase != PH_END || m->instance_uuid == NULL ||
	    (id = oslo_s(j, m->data, "volume_id")) == NULL)
		return;
	if ((v = vol_get(an, id)) == NULL)
		return;
	an->used++;
	if (strcmp(m->base, "instance.volume_detach") == 0)
		vol_att_drop(v, m->instance_uuid);
	else if ((a = vol_att_for(v, NULL, m->instance_uuid)) != NULL) {
		oslo_cpy(a->instance_uuid, sizeof(a->instance_uuid),
		    m->instance_uuid);
		cpy_s(a->host, sizeof(a->host), j, m->data, "host");
		bd = ojs_get(j, m->data, "block_devices");
		for (it = ojs_first(j, bd); it >= 0; it = ojs_next(j, bd, it)) {
			o = oslo_data(j, it);
			if ((dev = oslo_s(j, o, "volume_id")) != NULL &&
			    strcmp(dev, id) == 0)
				cpy_s(a->mountpoint, sizeof(a->mountpoint), j, o,
				    "device_name");
		}
	}
	otab_touch(&an->vols, &v->e, m->t_ns);
}

static void
vol_event(void *self, const struct ev *ev)
{
	struct vol_an *an = self;
	const struct oslo_msg *m;

	an->events++;
	if (an->epoch_ns == 0)
		an->epoch_ns = ev->t_ns;
	if (ev->t_ns > an->now_ns)
		an->now_ns = ev->t_ns;
	if ((m = oslo_get(&an->host, ev, &an->own)) == NULL ||
	    m->src != OSLO_NOTIFICATION || m->data < 0)
		return;
	if (m->project == PR_CINDER && strncmp(m->base, "volume.", 7) == 0)
		vol_cinder(an, m);
	else if (m->project == PR_NOVA &&
	    (strcmp(m->base, "instance.volume_attach") == 0 ||
	    strcmp(m->base, "instance.volume_detach") == 0))
		vol_nova(an, m);
}

/* Where the disk is, in one readable string. */
static void
vol_target(const struct vol_att *a, const char *vid, char *buf, size_t len)
{
	buf[0] = '\0';
	if (a->iqn[0] != '\0') {
		if (a->lun >= 0)
			snprintf(buf, len, "%s %s %s lun %" PRId64,
			    a->driver[0] ? a->driver : "iscsi", a->iqn,
			    a->portal, a->lun);
		else
			snprintf(buf, len, "%s %s %s",
			    a->driver[0] ? a->driver : "iscsi", a->iqn, a->portal);
	} else if (a->name[0] != '\0')
		snprintf(buf, len, "%s %s", a->driver[0] ? a->driver : "rbd",
		    a->name);
	else if (a->export[0] != '\0')
		snprintf(buf, len, "%s %s", a->driver[0] ? a->driver : "nfs",
		    a->export);
	else if (a->device_path[0] != '\0')
		snprintf(buf, len, "%s %s", a->driver[0] ? a->driver : "local",
		    a->device_path);
	(void)vid;
}

static struct json_object *
vol_record(const struct vol_an *an, const struct vol *v, int final)
{
	struct json_object *o, *a, *x, *c, *ops, *op;
	const char *hash, *at;
	char id[256], buf[512];
	unsigned i;

	snprintf(id, sizeof(id), "%s/%s", an->host.node, v->e.key);
	o = oj_rec("volume", an->host.node, id, v->e.last_ns);
	J_ADD(o, "volume_id", json_object_new_string(v->e.key));
	J_ADD(o, "name", oj_str(v->name));
	J_ADD(o, "size_gb", v->size_gb >= 0 ? json_object_new_int64(v->size_gb) :
	    NULL);
	J_ADD(o, "status", oj_str(v->status));
	J_ADD(o, "backend", oj_str(v->backend));
	/* HOST@BACKEND#POOL */
	at = strchr(v->backend, '@');
	hash = strchr(v->backend, '#');
	oslo_cpy(buf, sizeof(buf), v->backend);
	if (at != NULL)
		buf[at - v->backend] = '\0';
	else if (hash != NULL)
		buf[hash - v->backend] = '\0';
	J_ADD(o, "backend_host", oj_str(buf));
	buf[0] = '\0';
	if (at != NULL) {
		oslo_cpy(buf, sizeof(buf), at + 1);
		if (hash != NULL && hash > at)
			buf[hash - at - 1] = '\0';
	}
	J_ADD(o, "backend_name", oj_str(buf));
	J_ADD(o, "pool", oj_str(hash != NULL ? hash + 1 : NULL));
	J_ADD(o, "volume_type", oj_str(v->volume_type));
	J_ADD(o, "availability_zone", oj_str(v->az));
	J_ADD(o, "snapshot_id", oj_str(v->snapshot_id));
	J_ADD(o, "tenant_id", oj_str(v->tenant));
	a = json_object_new_array_ext((int)v->natt);
	for (i = 0; i < v->natt; i++) {
		const struct vol_att *t = &v->att[i];

		x = json_object_new_object();
		J_ADD(x, "attachment_id", oj_str(t->attachment_id));
		J_ADD(x, "instance_uuid", oj_str(t->instance_uuid));
		J_ADD(x, "host", oj_str(t->host));
		J_ADD(x, "mountpoint", oj_str(t->mountpoint));
		J_ADD(x, "attach_status", oj_str(t->attach_status));
		J_ADD(x, "attach_mode", oj_str(t->attach_mode));
		vol_target(t, v->e.key, buf, sizeof(buf));
		J_ADD(x, "target", oj_str(buf));
		c = NULL;
		if (t->driver[0] || t->iqn[0] || t->name[0] || t->export[0] ||
		    t->device_path[0]) {
			c = json_object_new_object();
			J_ADD(c, "driver_volume_type", oj_str(t->driver));
			J_ADD(c, "target_iqn", oj_str(t->iqn));
			J_ADD(c, "target_portal", oj_str(t->portal));
			J_ADD(c, "target_lun", t->lun >= 0 ?
			    json_object_new_int64(t->lun) : NULL);
			J_ADD(c, "name", oj_str(t->name));
			J_ADD(c, "export", oj_str(t->export));
			J_ADD(c, "device_path", oj_str(t->device_path));
		}
		J_ADD(x, "connection", c);
		json_object_array_add(a, x);
	}
	J_ADD(o, "attachments", a);
	ops = json_object_new_object();
	for (i = 0; i < VO_COUNT; i++) {
		op = json_object_new_object();
		J_ADD(op, "count", json_object_new_int64((int64_t)v->ops[i].count));
		J_ADD(op, "errors", json_object_new_int64((int64_t)v->ops[i].errors));
		J_ADD(op, "last_ms", v->ops[i].last_ms >= 0 ?
		    json_object_new_double(v->ops[i].last_ms) : NULL);
		J_ADD(ops, vol_op_names[i], op);
	}
	J_ADD(o, "operations", ops);
	J_ADD(o, "last_operation", oj_str(v->last_op));
	J_ADD(o, "last_ns", oj_ns(v->e.last_ns));
	J_ADD(o, "created_ns", oj_ns(v->created_ns));
	J_ADD(o, "deleted_ns", oj_ns(v->deleted_ns));
	J_ADD(o, "request_id", oj_str(v->rid));
	J_ADD(o, "global_request_id", oj_str(v->grid));
	J_ADD(o, "final", json_object_new_boolean(final));
	J_ADD(o, "epoch_ns", oj_ns(an->epoch_ns));
	return o;
}

static void
vol_flush_one(void *arg, struct oent *e)
{
	struct vol_an *an = arg;

	an->host.emit(an->host.emit_arg, vol_record(an, (struct vol *)e, 0));
}

static void
vol_final_one(void *arg, struct oent *e)
{
	struct vol_an *an = arg;

	an->host.emit(an->host.emit_arg, vol_record(an, (struct vol *)e, 1));
}

static void
vol_flush(void *self)
{
	struct vol_an *an = self;

	otab_flush(&an->vols, vol_flush_one, an);
	otab_expire(&an->vols, an->now_ns,
	    (uint64_t)(an->params.window_s * 1e9), vol_final_one, an);
}

static void
vol_finish(void *self)
{
	vol_flush(self);
}

static void *
vol_create(const struct an_host *host, const void *params)
{
	struct vol_an *an;

	if ((an = calloc(1, sizeof(*an))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	an->host = *host;
	an->params = *(const struct vol_params *)params;
	ojs_init(&an->conn);
	if (otab_init(&an->vols, sizeof(struct vol)) == -1) {
		free(an);
		return NULL;
	}
	return an;
}

static void
vol_set_params(void *self, const void *params)
{
	struct vol_an *an = self;

	an->params = *(const struct vol_params *)params;
}

static void
vol_stats(void *self, struct json_object *obj)
{
	struct vol_an *an = self;

#define N(k, v) json_object_object_add(obj, k, json_object_new_int64((int64_t)(v)))
	N("events", an->events);
	N("used", an->used);
	N("no_volume_id", an->no_volume_id);
	N("volumes", an->vols.n);
	N("volumes_evicted", an->vols.evicted);
	N("attachments", an->attachments);
#undef N
}

static void
vol_destroy(void *self)
{
	struct vol_an *an = self;

	otab_free(&an->vols, NULL);
	ojs_free(&an->conn);
	oslo_ctx_free(an->own);
	free(an);
}

const struct analyzer_class an_volume_class = {
	.name = "volume",
	.params = vol_param_table,
	.params_size = sizeof(struct vol_params),
	.classify = vol_classify,
	.create = vol_create,
	.event = vol_event,
	.flush = vol_flush,
	.finish = vol_finish,
	.set_params = vol_set_params,
	.stats = vol_stats,
	.destroy = vol_destroy,
};
