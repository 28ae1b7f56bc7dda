/*
 * request.c: the request analyzer: per request id, what this node's
 * services did for it: services and hosts, operations, the objects it
 * touched (instances, volumes, ports), start, end, duration, status and
 * first error, the API call from the request log line; the caller's
 * global_request_id, which links Cinder's and Neutron's requests to the
 * Nova request that made them.  Emits `request` records
 * (docs/records.md); a request with no event for request.window_s is sent
 * a last time (final) and forgotten.
 *
 * Request ids come from oslo.log's JSON context (python/strata_lttngust.py
 * JSON handler) and from Nova's versioned payloads (request_id); a
 * notification logged without either has none and is not followed here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oslo.h"
#include "log.h"

#define REQ_MAX_OPEN	8

struct req_params {
	double		 window_s;
};

struct req {
	struct oent	 e;		/* key: request id */
	char		 grid[64];
	char		 operation[224];
	struct oset	 services, hosts, operations;
	struct oset	 instances, volumes, ports;
	struct {
		char		 base[112];
		int		 n;
	}		 open[REQ_MAX_OPEN];	/* action starts without end */
	unsigned	 nopen;
	int		 has_api;
	char		 api_method[12];
	char		 api_path[192];
	int		 api_status;
	double		 api_ms;
	uint64_t	 started_ns, ended_ns;
	int		 error;
	char		 error_text[256];
	char		 user[64], project[64];
	uint64_t	 events, notifications, log_lines;
};

struct req_an {
	struct an_host	 host;
	struct req_params params;
	struct oslo_ctx	*own;
	struct otab	 reqs;
	uint64_t	 epoch_ns, now_ns;
	uint64_t	 events, used, no_request_id, requests, api_lines;
};

#define P_OFF(m)	offsetof(struct req_params, m)
static const struct an_param req_param_table[] = {
	{ "window_s", AN_P_DOUBLE, 300, 1, 1e8, P_OFF(window_s),
	  "a request with no event for this long is over and leaves the agent's memory" },
	{ NULL, 0, 0, 0, 0, 0, NULL }
};

static void
req_classify(const char *name, const char *const *fields, unsigned nfields,
    struct ev_plan *plan)
{
	if (strcmp(name, OSLO_EVENT) == 0)
		an_plan_fields(plan, 0, oslo_fields, fields, nfields);
	else
		an_plan_fields(plan, AN_CODE_NONE, NULL, NULL, 0);
}

/*
 * instance.live_migration_pre → instance.live_migration: the phases of one
 * live migration are one operation (abort and force_complete are requests
 * of their own and keep their names).
 */
static void
req_op_name(const char *base, char *out, size_t len)
{
	static const char *const lm[] = { "instance.live_migration_",
	    "compute.instance.live_migration.", NULL };
	unsigned i;
	size_t n;

	for (i = 0; lm[i] != NULL; i++) {
		n = strlen(lm[i]);
		if (strncmp(base, lm[i], n) == 0 &&
		    strncmp(base + n, "abort", 5) != 0 &&
		    strncmp(base + n, "force_complete", 14) != 0) {
			oslo_cpy(out, len, lm[i]);
			out[n - 1 < len ? n - 1 : len - 1] = '\0';
			return;
		}
	}
	oslo_cpy(out, len, base);
}

static void
req_open(struct req *r, const char *base, int delta)
{
	unsigned i;

	for (i = 0; i < r->nopen; i++)
		if (strcmp(r->open[i].base, base) == 0) {
			r->open[i].n += delta;
			if (r->open[i].n < 0)
				r->open[i].n = 0;
			return;
		}
	if (delta < 0 || r->nopen == REQ_MAX_OPEN)
		return;
	oslo_cpy(r->open[r->nopen].base, sizeof(r->open[0].base), base);
	r->open[r->nopen++].n = delta;
}

static int
req_running(const struct req *r)
{
	unsigned i;

	for (i = 0; i < r->nopen; i++)
		if (r->open[i].n > 0)
			return 1;
	return 0;
}

static void
req_error(struct req *r, const char *text)
{
	r->error = 1;
	if (r->error_text[0] == '\0')
		oslo_cpy(r->error_text, sizeof(r->error_text),
		    text != NULL && *text != '\0' ? text : "error");
}

/* The objects a notification names, by project. */
static void
req_objects(struct req *r, const struct oslo_msg *m)
{
	const struct ojs *j = m->doc;
	const char *s;
	char res[64];
	int p;

	if (m->instance_uuid != NULL)
		oset_add(&r->instances, m->instance_uuid);
	if (m->data < 0)
		return;
	switch (m->project) {
	case PR_NOVA:
		if ((s = oslo_s(j, m->data, "volume_id")) != NULL)
			oset_add(&r->volumes, s);
		break;
	case PR_CINDER:
		if ((s = oslo_s(j, m->data, "volume_id")) != NULL)
			oset_add(&r->volumes, s);
		break;
	case PR_NEUTRON:
		oslo_resource(m->base, res, sizeof(res));
		if (strcmp(res, "port") == 0) {
			if ((s = oslo_object_id(m)) != NULL)
				oset_add(&r->ports, s);
			p = ojs_get(j, m->payload, "port");
			if ((s = oslo_s(j, p, "device_id")) != NULL &&
			    strncmp(oslo_s(j, p, "device_owner") ?
			    oslo_s(j, p, "device_owner") : "", "compute:", 8) == 0)
				oset_add(&r->instances, s);
		}
		break;
	default:
		break;
	}
}

static void
req_fault(struct req *r, const struct oslo_msg *m)
{
	const struct ojs *j = m->doc;
	const char *s = NULL;
	int f;

	if (m->data >= 0) {
		f = oslo_data(j, ojs_get(j, m->data, "fault"));
		if ((s = oslo_s(j, f, "exception_message")) == NULL &&
		    (s = oslo_s(j, m->data, "exception")) == NULL &&
		    (s = oslo_s(j, m->data, "message")) == NULL)
			s = oslo_s(j, m->data, "exception_message");
	}
	req_error(r, s != NULL ? s : m->event_type);
}

static void
req_event(void *self, const struct ev *ev)
{
	struct req_an *an = self;
	const struct oslo_msg *m;
	const char *svc;
	char op[128], method[12], path[192];
	struct req *r;
	double secs;
	int created, status;

	an->events++;
	if (an->epoch_ns == 0)
		an->epoch_ns = ev->t_ns;
	if (ev->t_ns > an->now_ns)
		an->now_ns = ev->t_ns;
	if ((m = oslo_get(&an->host, ev, &an->own)) == NULL)
		return;
	if (m->request_id == NULL) {
		an->no_request_id++;
		return;
	}
	if ((r = (struct req *)otab_get(&an->reqs, m->request_id, &created)) ==
	    NULL)
		return;
	if (created) {
		r->started_ns = m->t_ns;
		an->requests++;
	}
	an->used++;
	r->events++;
	if (m->t_ns < r->started_ns)
		r->started_ns = m->t_ns;
	if (m->t_ns > r->ended_ns)
		r->ended_ns = m->t_ns;
	if (m->global_request_id != NULL && r->grid[0] == '\0' &&
	    strcmp(m->global_request_id, m->request_id) != 0)
		oslo_cpy(r->grid, sizeof(r->grid), m->global_request_id);
	if (m->user_id != NULL && r->user[0] == '\0')
		oslo_cpy(r->user, sizeof(r->user), m->user_id);
	if (m->project_id != NULL && r->project[0] == '\0')
		oslo_cpy(r->project, sizeof(r->project), m->project_id);
	if ((svc = m->service) != NULL ||
	    (svc = oslo_project_name(m->project)) != NULL)
		oset_add(&r->services, svc);
	oset_add(&r->hosts, m->pub_host);
	oset_add(&r->hosts, m->hostname);
	if (m->src == OSLO_NOTIFICATION || m->src == OSLO_SEED) {
		r->notifications++;
		req_objects(r, m);
		if (m->phase != PH_NONE) {
			req_op_name(m->base, op, sizeof(op));
			oset_add(&r->operations, op);
			if (r->operation[0] == '\0' || (r->has_api &&
			    strchr(r->operation, ' ') != NULL))
				oslo_cpy(r->operation, sizeof(r->operation), op);
			req_open(r, m->base, m->phase == PH_START ? 1 : -1);
		}
		if (m->phase == PH_ERROR || (m->priority != NULL &&
		    (strcmp(m->priority, "ERROR") == 0 ||
		    strcmp(m->priority, "CRITICAL") == 0)))
			req_fault(r, m);
	} else {
		r->log_lines++;
		if (m->instance_uuid != NULL)
			oset_add(&r->instances, m->instance_uuid);
		if (m->level >= 40)
			req_error(r, m->text);
		if (strstr(m->text, "\" status: ") != NULL &&
		    oslo_api_line(m->text, method, sizeof(method), path,
		    sizeof(path), &status, &secs) == 0) {
			an->api_lines++;
			if (!r->has_api) {
				r->has_api = 1;
				oslo_cpy(r->api_method, sizeof(r->api_method),
				    method);
				oslo_cpy(r->api_path, sizeof(r->api_path), path);
				r->api_status = status;
				r->api_ms = secs >= 0 ? secs * 1000 : -1;
				if (r->operation[0] == '\0')
					snprintf(r->operation,
					    sizeof(r->operation), "%s %s",
					    method, path);
			}
			if (status >= 500)
				req_error(r, m->text);
		}
	}
	otab_touch(&an->reqs, &r->e, m->t_ns);
}

static struct json_object *
req_record(const struct req_an *an, const struct req *r, int final)
{
	struct json_object *o, *api = NULL;
	char id[256];
	const char *status;

	snprintf(id, sizeof(id), "%s/%s", an->host.node, r->e.key);
	o = oj_rec("request", an->host.node, id, r->e.last_ns);
	J_ADD(o, "request_id", json_object_new_string(r->e.key));
	J_ADD(o, "global_request_id", oj_str(r->grid));
	J_ADD(o, "services", oset_json(&r->services, 1));
	J_ADD(o, "hosts", oset_json(&r->hosts, 1));
	J_ADD(o, "operation", oj_str(r->operation));
	J_ADD(o, "operations", oset_json(&r->operations, 0));
	if (r->has_api) {
		api = json_object_new_object();
		J_ADD(api, "method", json_object_new_string(r->api_method));
		J_ADD(api, "path", json_object_new_string(r->api_path));
		J_ADD(api, "status", json_object_new_int(r->api_status));
		J_ADD(api, "duration_ms", r->api_ms >= 0 ?
		    json_object_new_double(r->api_ms) : NULL);
	}
	J_ADD(o, "api", api);
	J_ADD(o, "instance_uuids", oset_json(&r->instances, 0));
	J_ADD(o, "volume_ids", oset_json(&r->volumes, 0));
	J_ADD(o, "port_ids", oset_json(&r->ports, 0));
	J_ADD(o, "started_ns", oj_ns(r->started_ns));
	J_ADD(o, "ended_ns", oj_ns(r->ended_ns));
	J_ADD(o, "duration_ms", oj_ms(r->started_ns, r->ended_ns));
	if (r->error)
		status = "error";
	else if (req_running(r) && !final)
		status = "running";
	else
		status = "ok";
	J_ADD(o, "status", json_object_new_string(status));
	J_ADD(o, "error", oj_str(r->error_text));
	J_ADD(o, "user_id", oj_str(r->user));
	J_ADD(o, "project_id", oj_str(r->project));
	J_ADD(o, "events", json_object_new_int64((int64_t)r->events));
	J_ADD(o, "notifications", json_object_new_int64((int64_t)r->notifications));
	J_ADD(o, "log_lines", json_object_new_int64((int64_t)r->log_lines));
	J_ADD(o, "final", json_object_new_boolean(final));
	J_ADD(o, "epoch_ns", oj_ns(an->epoch_ns));
	return o;
}

static void
req_free_members(struct req *r)
{
	oset_free(&r->services);
	oset_free(&r->hosts);
	oset_free(&r->operations);
	oset_free(&r->instances);
	oset_free(&r->volumes);
	oset_free(&r->ports);
}

static void
req_flush_one(void *arg, struct oent *e)
{
	struct req_an *an = arg;

	an->host.emit(an->host.emit_arg, req_record(an, (struct req *)e, 0));
}

static void
req_final_one(void *arg, struct oent *e)
{
	struct req_an *an = arg;

	an->host.emit(an->host.emit_arg, req_record(an, (struct req *)e, 1));
	req_free_members((struct req *)e);
}

static void
req_flush(void *self)
{
	struct req_an *an = self;

	otab_flush(&an->reqs, req_flush_one, an);
	otab_expire(&an->reqs, an->now_ns,
	    (uint64_t)(an->params.window_s * 1e9), req_final_one, an);
}

static void
req_finish(void *self)
{
	req_flush(self);
}

static void *
req_create(const struct an_host *host, const void *params)
{
	struct req_an *an;

	if ((an = calloc(1, sizeof(*an))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	an->host = *host;
	an->params = *(const struct req_params *)params;
	if (otab_init(&an->reqs, sizeof(struct req)) == -1) {
		free(an);
		return NULL;
	}
	return an;
}

static void
req_set_params(void *self, const void *params)
{
	struct req_an *an = self;

	an->params = *(const struct req_params *)params;
}

static void
req_stats(void *self, struct json_object *obj)
{
	struct req_an *an = self;

#define N(k, v) json_object_object_add(obj, k, json_object_new_int64((int64_t)(v)))
	N("events", an->events);
	N("used", an->used);
	N("no_request_id", an->no_request_id);
	N("requests", an->requests);
	N("requests_kept", an->reqs.n);
	N("requests_evicted", an->reqs.evicted);
	N("api_lines", an->api_lines);
#undef N
}

static void
req_free_entry(struct oent *e)
{
	req_free_members((struct req *)e);
}

static void
req_destroy(void *self)
{
	struct req_an *an = self;

	otab_free(&an->reqs, req_free_entry);
	oslo_ctx_free(an->own);
	free(an);
}

const struct analyzer_class an_request_class = {
	.name = "request",
	.params = req_param_table,
	.params_size = sizeof(struct req_params),
	.classify = req_classify,
	.create = req_create,
	.event = req_event,
	.flush = req_flush,
	.finish = req_finish,
	.set_params = req_set_params,
	.stats = req_stats,
	.destroy = req_destroy,
};
