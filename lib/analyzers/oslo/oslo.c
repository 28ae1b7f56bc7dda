/*
 * oslo.c: one `lttng_python:event` into one OpenStack message (oslo.h).
 *
 * The lttng-ust Python agent records a log record's getMessage() in `msg`
 * and its logger in `logger_name`.  What OpenStack puts there:
 *   - oslo.messaging's log driver (`[oslo_messaging_notifications] driver
 *     = log`): logger `oslo.messaging.notification.EVENT_TYPE`, msg the JSON
 *     of the envelope {message_id, publisher_id, event_type, priority,
 *     payload, timestamp} (oslo_messaging/notify/_impl_log.py);
 *   - python/strata_lttngust.py's JSON handler: logger `strata.json.NAME`,
 *     msg oslo.log's JSONFormatter output {message, name, levelno,
 *     hostname, context{request_id, global_request_id, user, project},
 *     extra{instance, ...}}, whose message may itself be an envelope (a
 *     notification logged inside a request: that is how Cinder's and
 *     Neutron's notifications get their request ids);
 *   - the seed's {"EVENT": {...}} and python/strata_logging.py's flat
 *     {event_type, instance_uuid, ...};
 *   - any other log line: plain text.
 * Each event is parsed once for the whole analyzer set: the result is kept
 * in the set's an_shared memo for the event's sequence number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oslo.h"
#include "log.h"

const char *const oslo_fields[] = { "msg", "logger_name", "int_loglevel", NULL };
enum { S_MSG, S_LOGGER, S_LEVEL };

#define DEDUP_BUCKETS	(OSLO_DEDUP * 2)
#define DEDUP_IDLEN	48

struct dedup_slot {
	char		 id[DEDUP_IDLEN];
	uint32_t	 hash;
	int32_t		 hnext;		/* next slot in the bucket, -1 */
	int		 used;
};

struct oslo_ctx {
	uint64_t		 seq;		/* the event the parse is for */
	int			 have;
	const struct oslo_msg	*res;		/* NULL: skip */
	struct oslo_msg		 m;
	struct ojs		 outer, inner;
	struct oslo_stats	 st;
	char			 pub_host[128];
	char			 uuid[64];	/* from "[instance: U]" */
	struct dedup_slot	*slots;		/* a ring of OSLO_DEDUP */
	int32_t			*heads;		/* DEDUP_BUCKETS, -1: empty */
	unsigned		 next;
	int64_t			 json_pids[OSLO_JSON_PIDS]; /* send strata.json.* */
	unsigned		 njson, json_next;
};

static struct oslo_ctx *
oslo_ctx_new(void)
{
	struct oslo_ctx *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	ojs_init(&c->outer);
	ojs_init(&c->inner);
	return c;
}

void
oslo_ctx_free(void *arg)
{
	struct oslo_ctx *c = arg;

	if (c == NULL)
		return;
	ojs_free(&c->outer);
	ojs_free(&c->inner);
	free(c->slots);
	free(c->heads);
	free(c);
}

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/*
 * Processes seen sending the JSON route (strata.json.*): both routes carry
 * the same notifications, and only the JSON copy has the request context
 * (global_request_id), so their plain copies are duplicates even when they
 * come first (lttngust's handler is older on the root logger than ours).
 */
static int
json_route_pid(struct oslo_ctx *c, int64_t pid, int add)
{
	unsigned i;

	for (i = 0; i < c->njson; i++)
		if (c->json_pids[i] == pid)
			return 1;
	if (add) {
		c->json_pids[c->json_next] = pid;
		c->json_next = (c->json_next + 1) % OSLO_JSON_PIDS;
		if (c->njson < OSLO_JSON_PIDS)
			c->njson++;
	}
	return 0;
}

/* 1 when id was seen among the last OSLO_DEDUP ids; else remembers it. */
static int
dedup_seen(struct oslo_ctx *c, const char *id)
{
	char key[DEDUP_IDLEN];
	struct dedup_slot *s;
	uint32_t h, b;
	int32_t i, *pp;

	/* The table (272 kB) is made for the first id: log lines have none. */
	if (c->slots == NULL) {
		if ((c->slots = calloc(OSLO_DEDUP, sizeof(*c->slots))) == NULL ||
		    (c->heads = malloc(DEDUP_BUCKETS * sizeof(*c->heads))) ==
		    NULL) {
			log_warn("%s: calloc", __func__);
			free(c->slots);
			c->slots = NULL;
			return 0;
		}
		/* Every head -1: all its bits set. */
		memset(c->heads, 0xff, DEDUP_BUCKETS * sizeof(*c->heads));
	}
	oslo_cpy(key, sizeof(key), id);
	h = fnv1a(key);
	b = h % DEDUP_BUCKETS;
	for (i = c->heads[b]; i >= 0; i = c->slots[i].hnext)
		if (c->slots[i].hash == h && strcmp(c->slots[i].id, key) == 0)
			return 1;
	/* Reuse the oldest slot: unlink it from its bucket first. */
	s = &c->slots[c->next];
	if (s->used) {
		for (pp = &c->heads[s->hash % DEDUP_BUCKETS]; *pp >= 0;
		    pp = &c->slots[*pp].hnext)
			if (*pp == (int32_t)c->next) {
				*pp = s->hnext;
				break;
			}
	}
	memcpy(s->id, key, sizeof(key));
	s->hash = h;
	s->used = 1;
	s->hnext = c->heads[b];
	c->heads[b] = (int32_t)c->next;
	c->next = (c->next + 1) % OSLO_DEDUP;
	return 0;
}

void
oslo_cpy(char *dst, size_t size, const char *s)
{
	size_t n;

	if (size == 0)
		return;
	if (s == NULL)
		s = "";
	n = strlen(s);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int
oslo_data(const struct ojs *j, int tok)
{
	int d;

	if (ojs_type(j, tok) != OJS_OBJ)
		return tok;
	if ((d = ojs_get(j, tok, "nova_object.data")) >= 0 &&
	    ojs_type(j, d) == OJS_OBJ)
		return d;
	if ((d = ojs_get(j, tok, "versioned_object.data")) >= 0 &&
	    ojs_type(j, d) == OJS_OBJ)
		return d;
	return tok;
}

const char *
oslo_s(const struct ojs *j, int obj, const char *key)
{
	const char *s = ojs_gets(j, obj, key);

	return s != NULL && *s != '\0' ? s : NULL;
}

/* The short publisher names of unversioned notifications (rpc.get_notifier). */
static const struct {
	const char	*prefix;
	const char	*nova, *cinder, *neutron;
} pub_names[] = {
	{ "compute",	"nova-compute", NULL, NULL },
	{ "conductor",	"nova-conductor", NULL, NULL },
	{ "scheduler",	"nova-scheduler", "cinder-scheduler", NULL },
	{ "api",	"nova-api", "cinder-api", NULL },
	{ "volume",	NULL, "cinder-volume", NULL },
	{ "backup",	NULL, "cinder-backup", NULL },
	{ "network",	NULL, NULL, "neutron-server" },
};

static const struct {
	const char		*prefix;
	enum oslo_project	 project;
} type_projects[] = {
	{ "instance.", PR_NOVA }, { "compute.", PR_NOVA },
	{ "compute_task.", PR_NOVA }, { "scheduler.", PR_NOVA },
	{ "aggregate.", PR_NOVA }, { "flavor.", PR_NOVA },
	{ "keypair.", PR_NOVA }, { "server_group.", PR_NOVA },
	{ "service.", PR_NOVA }, { "libvirt.", PR_NOVA },
	{ "volume.", PR_CINDER }, { "snapshot.", PR_CINDER },
	{ "backup.", PR_CINDER }, { "attachment.", PR_CINDER },
	{ "group.", PR_CINDER }, { "consistencygroup.", PR_CINDER },
	{ "port.", PR_NEUTRON }, { "network.", PR_NEUTRON },
	{ "subnet.", PR_NEUTRON }, { "router.", PR_NEUTRON },
	{ "floatingip.", PR_NEUTRON }, { "security_group.", PR_NEUTRON },
	{ "security_group_rule.", PR_NEUTRON }, { "subnetpool.", PR_NEUTRON },
	{ "segment.", PR_NEUTRON }, { "trunk.", PR_NEUTRON },
};

static int
has_prefix(const char *s, const char *p)
{
	return s != NULL && strncmp(s, p, strlen(p)) == 0;
}

enum oslo_project
oslo_project_of(const char *event_type, const char *service, const char *logger)
{
	size_t i;

	if (event_type != NULL)
		for (i = 0; i < sizeof(type_projects) / sizeof(type_projects[0]); i++)
			if (has_prefix(event_type, type_projects[i].prefix))
				return type_projects[i].project;
	if (has_prefix(service, "nova") || has_prefix(logger, "nova"))
		return PR_NOVA;
	if (has_prefix(service, "cinder") || has_prefix(logger, "cinder"))
		return PR_CINDER;
	if (has_prefix(service, "neutron") || has_prefix(logger, "neutron"))
		return PR_NEUTRON;
	return PR_OTHER;
}

const char *
oslo_project_name(enum oslo_project p)
{
	switch (p) {
	case PR_NOVA:
		return "nova";
	case PR_CINDER:
		return "cinder";
	case PR_NEUTRON:
		return "neutron";
	default:
		return NULL;
	}
}

void
oslo_publisher(const char *pub, const char *event_type, const char **service,
    char *host, size_t hostlen)
{
	static char other[64];
	enum oslo_project pr;
	const char *sep, *h;
	char *at;
	size_t i, plen;

	*service = NULL;
	oslo_cpy(host, hostlen, NULL);
	if (pub == NULL || *pub == '\0')
		return;
	/* Versioned Nova: BINARY:HOST; the rest: SERVICE.HOST. */
	if ((sep = strchr(pub, ':')) == NULL)
		sep = strchr(pub, '.');
	plen = sep != NULL ? (size_t)(sep - pub) : strlen(pub);
	h = sep != NULL ? sep + 1 : "";
	oslo_cpy(host, hostlen, h);
	if ((at = strchr(host, '@')) != NULL)	/* cinder-volume's host@backend */
		*at = '\0';
	pr = oslo_project_of(event_type, NULL, NULL);
	for (i = 0; i < sizeof(pub_names) / sizeof(pub_names[0]); i++) {
		if (strlen(pub_names[i].prefix) != plen ||
		    strncmp(pub, pub_names[i].prefix, plen) != 0)
			continue;
		if (pr == PR_CINDER && pub_names[i].cinder != NULL)
			*service = pub_names[i].cinder;
		else if (pr == PR_NEUTRON && pub_names[i].neutron != NULL)
			*service = pub_names[i].neutron;
		else if (pub_names[i].nova != NULL)
			*service = pub_names[i].nova;
		else if (pub_names[i].cinder != NULL)
			*service = pub_names[i].cinder;
		else
			*service = pub_names[i].neutron;
		return;
	}
	/* Already a binary name (nova-compute, nova-api, ...). */
	oslo_cpy(other, sizeof(other), pub);
	if (plen < sizeof(other))
		other[plen] = '\0';
	*service = other;
}

static const struct {
	const char	*prefix;
	const char	*service;
} logger_services[] = {
	{ "nova.compute", "nova-compute" }, { "nova.virt", "nova-compute" },
	{ "os_vif", "nova-compute" },
	{ "nova.conductor", "nova-conductor" },
	{ "nova.scheduler", "nova-scheduler" },
	{ "nova.api", "nova-api" }, { "nova.wsgi", "nova-api" },
	{ "nova.osapi_compute", "nova-api" },
	{ "cinder.volume", "cinder-volume" }, { "os_brick", "cinder-volume" },
	{ "cinder.scheduler", "cinder-scheduler" },
	{ "cinder.api", "cinder-api" }, { "cinder.backup", "cinder-backup" },
	{ "neutron.agent", "neutron-agent" },
	{ "neutron.plugins.ml2.drivers.openvswitch.agent", "neutron-agent" },
	{ "neutron", "neutron-server" },
	{ "nova", "nova" }, { "cinder", "cinder" },
};

const char *
oslo_logger_service(const char *logger)
{
	size_t i, n;

	if (logger == NULL)
		return NULL;
	for (i = 0; i < sizeof(logger_services) / sizeof(logger_services[0]);
	    i++) {
		n = strlen(logger_services[i].prefix);
		if (strncmp(logger, logger_services[i].prefix, n) == 0 &&
		    (logger[n] == '\0' || logger[n] == '.'))
			return logger_services[i].service;
	}
	return NULL;
}

int
oslo_api_line(const char *text, char *method, size_t mlen, char *path,
    size_t plen, int *status, double *secs)
{
	const char *q, *m, *p, *e, *s;
	size_t n;

	if ((q = strchr(text, '"')) == NULL)
		return -1;
	m = q + 1;
	for (p = m; *p >= 'A' && *p <= 'Z'; p++)
		;
	if (p == m || p - m > 10 || *p != ' ')
		return -1;
	n = (size_t)(p - m);
	if (n >= mlen)
		return -1;
	memcpy(method, m, n);
	method[n] = '\0';
	p++;
	for (e = p; *e != '\0' && *e != ' ' && *e != '"'; e++)
		;
	if (e == p || *p != '/')
		return -1;
	n = (size_t)(e - p);
	if (n >= plen)
		n = plen - 1;
	memcpy(path, p, n);
	path[n] = '\0';
	if ((e = strchr(e, '"')) == NULL)
		return -1;
	if ((s = strstr(e, "status: ")) == NULL)
		return -1;
	*status = atoi(s + 8);
	*secs = -1;
	if ((s = strstr(s, "time: ")) != NULL)
		*secs = strtod(s + 6, NULL);
	return 0;
}

const char *
oslo_resource(const char *base, char *buf, size_t len)
{
	const char *dot = strchr(base, '.');
	size_t n = dot != NULL ? (size_t)(dot - base) : strlen(base);

	if (n >= len)
		n = len - 1;
	memcpy(buf, base, n);
	buf[n] = '\0';
	return buf;
}

const char *
oslo_object_id(const struct oslo_msg *m)
{
	const struct ojs *j = m->doc;
	char res[64], key[80];
	const char *s;
	int o;

	switch (m->project) {
	case PR_NOVA:
		return m->instance_uuid;
	case PR_CINDER:
		if (m->data < 0)
			return NULL;
		if ((s = oslo_s(j, m->data, "volume_id")) == NULL &&
		    (s = oslo_s(j, m->data, "snapshot_id")) == NULL)
			s = oslo_s(j, m->data, "backup_id");
		return s;
	case PR_NEUTRON:
		if (m->payload < 0)
			return NULL;
		oslo_resource(m->base, res, sizeof(res));
		if (strncmp(m->base, "router.interface", 16) == 0)
			snprintf(res, sizeof(res), "router_interface");
		o = ojs_get(j, m->payload, res);
		if (ojs_type(j, o) == OJS_OBJ && (s = oslo_s(j, o, "id")) != NULL)
			return s;
		if ((s = oslo_s(j, m->payload, "id")) != NULL)
			return s;
		snprintf(key, sizeof(key), "%s_id", res);
		return oslo_s(j, m->payload, key);
	default:
		return NULL;
	}
}

int
oslo_claimed(const struct oslo_msg *m)
{
	static const char *const prefixes[] = {
		"instance.", "compute.instance.", "volume.", "port.", "network.",
		"subnet.", "router.", NULL
	};
	unsigned i;

	if (m->phase != PH_NONE)
		return 1;
	for (i = 0; prefixes[i] != NULL; i++)
		if (has_prefix(m->event_type, prefixes[i]))
			return 1;
	return 0;
}

static void
msg_phase(struct oslo_msg *m)
{
	static const struct {
		const char	*suffix;
		enum oslo_phase	 phase;
	} sfx[] = {
		{ ".start", PH_START }, { ".end", PH_END }, { ".error", PH_ERROR },
	};
	size_t i, n, l;

	oslo_cpy(m->base, sizeof(m->base), m->event_type);
	m->phase = PH_NONE;
	n = strlen(m->base);
	for (i = 0; i < 3; i++) {
		l = strlen(sfx[i].suffix);
		if (n > l && strcmp(m->base + n - l, sfx[i].suffix) == 0) {
			m->base[n - l] = '\0';
			m->phase = sfx[i].phase;
			return;
		}
	}
}

static void
msg_reset(struct oslo_msg *m, const struct ev *ev)
{
	memset(m, 0, sizeof(*m));
	m->t_ns = ev->t_ns;
	m->payload = m->data = m->seed = -1;
	m->text = "";
}

/* "[instance: UUID] ", a bare uuid, {"uuid": U}, a Nova object. */
static const char *
msg_instance(struct oslo_ctx *c, const struct ojs *j, int tok)
{
	const char *s, *p;
	size_t n;

	if (tok < 0)
		return NULL;
	if (ojs_type(j, tok) == OJS_OBJ)
		return oslo_s(j, oslo_data(j, tok), "uuid");
	if ((s = ojs_str(j, tok)) == NULL || *s == '\0')
		return NULL;
	if ((p = strstr(s, "instance: ")) != NULL) {
		p += 10;
		for (n = 0; p[n] != '\0' && p[n] != ']' && p[n] != ' '; n++)
			;
		if (n == 0 || n >= sizeof(c->uuid))
			return NULL;
		memcpy(c->uuid, p, n);
		c->uuid[n] = '\0';
		return c->uuid;
	}
	return strlen(s) == 36 ? s : NULL;
}

/* The envelope's members; -1 when it is not one (counted). */
static int
msg_envelope(struct oslo_ctx *c, struct oslo_msg *m, const struct ojs *j,
    int top)
{
	const char *rid;

	m->event_type = oslo_s(j, top, "event_type");
	if (m->event_type == NULL) {
		c->st.bad_notification++;
		return -1;
	}
	m->message_id = oslo_s(j, top, "message_id");
	if (m->message_id != NULL && dedup_seen(c, m->message_id)) {
		c->st.duplicates++;
		return -1;
	}
	m->src = OSLO_NOTIFICATION;
	m->doc = j;
	m->publisher_id = oslo_s(j, top, "publisher_id");
	m->priority = oslo_s(j, top, "priority");
	m->payload = ojs_get(j, top, "payload");
	if (ojs_type(j, m->payload) != OJS_OBJ)
		m->payload = -1;
	m->data = oslo_data(j, m->payload);
	oslo_publisher(m->publisher_id, m->event_type, &m->service,
	    c->pub_host, sizeof(c->pub_host));
	m->pub_host = c->pub_host[0] != '\0' ? c->pub_host : NULL;
	m->project = oslo_project_of(m->event_type, m->service, m->logger);
	msg_phase(m);
	/* Nova's versioned payloads carry the request id themselves. */
	if (m->data >= 0 && (rid = oslo_s(j, m->data, "request_id")) != NULL &&
	    m->request_id == NULL)
		m->request_id = rid;
	if (m->instance_uuid == NULL && m->project == PR_NOVA && m->data >= 0) {
		m->instance_uuid = oslo_s(j, m->data, "uuid");
		if (m->instance_uuid == NULL)
			m->instance_uuid = oslo_s(j, m->data, "instance_id");
	}
	c->st.notifications++;
	if (!oslo_claimed(m))
		c->st.ignored++;
	return 0;
}

/* {"EVENT": {...}}, or strata_logging.py's flat object (ev == top). */
static void
msg_seed(struct oslo_ctx *c, struct oslo_msg *m, const struct ojs *j, int ev)
{
	const char *s;

	m->src = OSLO_SEED;
	m->doc = j;
	m->seed = ev;
	m->event_type = oslo_s(j, ev, "event_type");
	if (m->request_id == NULL)
		m->request_id = oslo_s(j, ev, "request_id");
	if (m->global_request_id == NULL)
		m->global_request_id = oslo_s(j, ev, "global_request_id");
	if ((s = oslo_s(j, ev, "instance_uuid")) != NULL ||
	    (s = oslo_s(j, ev, "uuid")) != NULL ||
	    (s = oslo_s(j, ev, "vm_uuid")) != NULL)
		m->instance_uuid = s;
	if ((s = oslo_s(j, ev, "host")) != NULL)
		m->hostname = s;
	if ((s = oslo_s(j, ev, "msg")) != NULL ||
	    (s = oslo_s(j, ev, "message")) != NULL)
		m->text = s;
	if ((s = oslo_s(j, ev, "service")) != NULL)
		m->service = s;
	if (m->event_type != NULL)
		msg_phase(m);
	m->project = oslo_project_of(m->event_type, m->service, m->logger);
	c->st.seeds++;
}

static int
is_object_with(const struct ojs *j, int tok, const char *key)
{
	return ojs_type(j, tok) == OJS_OBJ && ojs_get(j, tok, key) >= 0;
}

/* oslo.log's JSONFormatter line; its message may be a notification. */
static int
msg_json_log(struct oslo_ctx *c, struct oslo_msg *m, const struct ojs *j,
    int top)
{
	const char *s, *text;
	int ctx, extra, inner, notif;
	int64_t lv;

	if ((ctx = ojs_get(j, top, "context")) >= 0 &&
	    ojs_type(j, ctx) == OJS_OBJ) {
		m->request_id = oslo_s(j, ctx, "request_id");
		m->global_request_id = oslo_s(j, ctx, "global_request_id");
		if ((m->user_id = oslo_s(j, ctx, "user")) == NULL)
			m->user_id = oslo_s(j, ctx, "user_id");
		if ((m->project_id = oslo_s(j, ctx, "project")) == NULL &&
		    (m->project_id = oslo_s(j, ctx, "project_id")) == NULL)
			m->project_id = oslo_s(j, ctx, "tenant");
		m->json = 1;
	}
	if ((extra = ojs_get(j, top, "extra")) >= 0 &&
	    ojs_type(j, extra) == OJS_OBJ) {
		m->instance_uuid = msg_instance(c, j, ojs_get(j, extra, "instance"));
		if (m->instance_uuid == NULL)
			m->instance_uuid = oslo_s(j, extra, "instance_uuid");
	}
	m->hostname = oslo_s(j, top, "hostname");
	if ((s = oslo_s(j, top, "name")) != NULL)
		m->logger = s;
	if (ojs_int(j, ojs_get(j, top, "levelno"), &lv) == 0)
		m->level = (int)lv;
	text = ojs_gets(j, top, "message");
	m->text = text != NULL ? text : "";
	m->src = OSLO_LOG;
	m->doc = j;
	text = m->text;
	while (*text == ' ')
		text++;
	/* A notification inside oslo.log's JSON must be an envelope. */
	notif = m->logger != NULL &&
	    strncmp(m->logger, "oslo.messaging.notification.", 28) == 0;
	if (*text != '{') {
		if (notif)
			goto malformed;
		goto log;
	}
	if (ojs_parse(&c->inner, text, strlen(text)) == -1) {
		if (notif)
			goto malformed;
		goto log;		/* a log line that starts with a brace */
	}
	if ((inner = ojs_get(&c->inner, 0, "EVENT")) >= 0 &&
	    ojs_type(&c->inner, inner) == OJS_OBJ) {
		msg_seed(c, m, &c->inner, inner);
		return 0;
	}
	if ((is_object_with(&c->inner, 0, "event_type") ||
	    is_object_with(&c->inner, 0, "message_id")) &&
	    (ojs_get(&c->inner, 0, "payload") >= 0 ||
	    ojs_get(&c->inner, 0, "publisher_id") >= 0))
		return msg_envelope(c, m, &c->inner, 0);
	if (notif) {
		c->st.bad_notification++;
		return -1;
	}
log:
	m->project = oslo_project_of(NULL, NULL, m->logger);
	m->service = oslo_logger_service(m->logger);
	c->st.json_logs++;
	return 0;
malformed:
	c->st.malformed++;
	return -1;
}

static const struct oslo_msg *
oslo_parse(struct oslo_ctx *c, const struct ev *ev)
{
	struct oslo_msg *m = &c->m;
	const struct ojs *j = &c->outer;
	const char *msg, *p;
	int64_t lv;
	size_t len;
	int top;

	c->st.events++;
	msg_reset(m, ev);
	if ((msg = ev_slot_str(ev, S_MSG)) == NULL) {
		c->st.no_msg++;
		return NULL;
	}
	m->logger = ev_slot_str(ev, S_LOGGER);
	if (ev_slot_i64(ev, S_LEVEL, &lv) == 0)
		m->level = (int)lv;
	/* Without the vpid context, message ids alone find duplicates. */
	if (ev->vpid > 0 && m->logger != NULL) {
		if (strncmp(m->logger, "strata.json.", 12) == 0)
			json_route_pid(c, ev->vpid, 1);
		else if (strncmp(m->logger, "oslo.messaging.notification.",
		    28) == 0 && json_route_pid(c, ev->vpid, 0)) {
			c->st.duplicates++;
			return NULL;
		}
	}
	for (p = msg; *p == ' ' || *p == '\t' || *p == '\n'; p++)
		;
	if (*p != '{' && m->logger != NULL &&
	    (strncmp(m->logger, "oslo.messaging.notification.", 28) == 0 ||
	    strncmp(m->logger, "strata.json.", 12) == 0)) {
		/* These loggers carry JSON objects only. */
		c->st.malformed++;
		return NULL;
	}
	if (*p != '{') {
		m->src = OSLO_LOG;
		m->text = msg;
		m->project = oslo_project_of(NULL, NULL, m->logger);
		m->service = oslo_logger_service(m->logger);
		c->st.plain_logs++;
		return m;
	}
	if ((len = strlen(p)) > OSLO_MAX_MSG) {
		c->st.too_big++;
		return NULL;
	}
	if (ojs_parse(&c->outer, p, len) == -1) {
		c->st.malformed++;
		return NULL;
	}
	top = 0;
	if (ojs_type(j, top) != OJS_OBJ) {
		c->st.unknown_shape++;
		return NULL;
	}
	if (is_object_with(j, top, "EVENT") &&
	    ojs_type(j, ojs_get(j, top, "EVENT")) == OJS_OBJ) {
		msg_seed(c, m, j, ojs_get(j, top, "EVENT"));
		return m;
	}
	if ((ojs_get(j, top, "event_type") >= 0 ||
	    ojs_get(j, top, "message_id") >= 0) &&
	    (ojs_get(j, top, "payload") >= 0 ||
	    ojs_get(j, top, "publisher_id") >= 0))
		return msg_envelope(c, m, j, top) == 0 ? m : NULL;
	if (ojs_type(j, ojs_get(j, top, "message")) == OJS_STR &&
	    (ojs_get(j, top, "levelno") >= 0 || ojs_get(j, top, "context") >= 0))
		return msg_json_log(c, m, j, top) == 0 ? m : NULL;
	if (oslo_s(j, top, "event_type") != NULL) {
		msg_seed(c, m, j, top);
		return m;
	}
	c->st.unknown_shape++;
	return NULL;
}

static struct oslo_ctx *
oslo_ctx_of(const struct an_host *host, struct oslo_ctx **own)
{
	struct an_shared *sh = host->shared;

	if (sh != NULL) {
		if (sh->memo == NULL) {
			if ((sh->memo = oslo_ctx_new()) == NULL)
				return NULL;
			sh->memo_free = oslo_ctx_free;
		}
		return sh->memo;
	}
	if (*own == NULL)
		*own = oslo_ctx_new();
	return *own;
}

const struct oslo_msg *
oslo_get(const struct an_host *host, const struct ev *ev, struct oslo_ctx **own)
{
	struct oslo_ctx *c;

	if ((c = oslo_ctx_of(host, own)) == NULL)
		return NULL;
	if (host->shared != NULL) {
		if (c->have && c->seq == host->shared->seq)
			return c->res;
		c->seq = host->shared->seq;
		c->have = 1;
	}
	c->res = oslo_parse(c, ev);
	return c->res;
}

struct oslo_stats *
oslo_stats_of(const struct an_host *host, struct oslo_ctx *own)
{
	struct oslo_ctx *c = host->shared != NULL ? host->shared->memo : own;

	return c != NULL ? &c->st : NULL;
}
