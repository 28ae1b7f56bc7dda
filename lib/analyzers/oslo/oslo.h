/*
 * oslo.h: what the application analyzers (vm, request, service, volume,
 * port) share: the parse of one `lttng_python:event` into one OpenStack
 * message (an oslo.messaging notification, an oslo.log line, the seed's
 * EVENT), made once per event for the whole analyzer set (an_shared), the
 * table of objects each analyzer keeps (by id, least recently changed
 * first, so idle ones leave after a window), latency histograms and the
 * small helpers records are built with.
 *
 * The `oslo` analyzer of this folder parses first and owns the parser's
 * counters (malformed, duplicates, ...); it emits no records.
 */
#ifndef STRATA_OSLO_H
#define STRATA_OSLO_H

#include <stdint.h>

#include "analyzer.h"
#include "ojs.h"

#define OSLO_EVENT	"lttng_python:event"
#define OSLO_DEDUP	4096		/* message ids remembered for duplicates */
#define OSLO_JSON_PIDS	256		/* processes remembered on the JSON route */
#define OSLO_MAX_MSG	(1024 * 1024)	/* longer messages are refused */

/* The fields of lttng_python:event the parser reads, in slot order. */
extern const char *const oslo_fields[];

enum oslo_src {
	OSLO_NONE,		/* nothing usable: counted, skipped */
	OSLO_NOTIFICATION,	/* an oslo.messaging envelope */
	OSLO_LOG,		/* a log line (plain text or oslo.log JSON) */
	OSLO_SEED,		/* {"EVENT": {...}} or strata_logging.py's shape */
};

enum oslo_phase { PH_NONE, PH_START, PH_END, PH_ERROR };

enum oslo_project { PR_OTHER, PR_NOVA, PR_CINDER, PR_NEUTRON };

/* One message.  Strings point into the parser; valid during the event. */
struct oslo_msg {
	enum oslo_src	 src;
	int		 json;		/* came as JSON with a log context */
	uint64_t	 t_ns;
	const char	*logger;	/* the service's logger name */
	int		 level;		/* Python levelno (40 ERROR) */
	const char	*text;		/* a log line's message, else "" */
	const char	*hostname;	/* oslo.log's hostname, NULL */
	/* The request context (oslo.log JSON, else the payload's). */
	const char	*request_id;
	const char	*global_request_id;
	const char	*user_id;
	const char	*project_id;
	const char	*instance_uuid;	/* extra.instance, or the seed's uuid */
	/* A notification. */
	const char	*event_type;
	const char	*message_id;
	const char	*publisher_id;
	const char	*priority;	/* "INFO", "ERROR" ... */
	const char	*service;	/* nova-compute, cinder-volume, ... */
	enum oslo_project project;
	const char	*pub_host;	/* publisher host without @backend */
	char		 base[128];	/* event type without the phase */
	enum oslo_phase	 phase;
	const struct ojs *doc;		/* what payload and seed are tokens of */
	int		 payload;	/* -1 when none */
	int		 data;		/* payload's nova_object.data, or payload */
	int		 seed;		/* the EVENT object, -1 */
};

/* The parser's counters (the oslo analyzer reports them). */
struct oslo_stats {
	uint64_t	 events;	/* lttng_python:event seen */
	uint64_t	 notifications;
	uint64_t	 json_logs;	/* oslo.log JSON lines (not notifications) */
	uint64_t	 plain_logs;
	uint64_t	 seeds;
	uint64_t	 no_msg;	/* the event had no msg field */
	uint64_t	 malformed;	/* JSON that does not parse */
	uint64_t	 unknown_shape;	/* JSON, but none of the shapes */
	uint64_t	 bad_notification;	/* envelope without event_type, ... */
	uint64_t	 duplicates;	/* message_id seen before, or the plain
					   copy of a JSON-route process */
	uint64_t	 ignored;	/* notifications no analyzer follows */
	uint64_t	 too_big;
	uint64_t	 parse_ns;	/* time spent parsing (when timed) */
};

struct oslo_ctx;

/* oslo.c */
/*
 * The message of ev (an event of class OSLO_EVENT with plan slots
 * oslo_fields): parsed once per event for the set, else into *own.  NULL
 * when it is to be skipped (counted in the parser's stats).
 */
const struct oslo_msg	*oslo_get(const struct an_host *, const struct ev *,
			    struct oslo_ctx **own);
struct oslo_stats	*oslo_stats_of(const struct an_host *, struct oslo_ctx *own);
void			 oslo_ctx_free(void *);
/* Payload helpers: the object under nova_object.data / versioned_object.data. */
int		 oslo_data(const struct ojs *, int tok);
/* A string member of obj; NULL when absent, not a string or empty. */
const char	*oslo_s(const struct ojs *, int obj, const char *key);
/* "nova-compute:host2" / "compute.host2" / "volume.host@lvm" split. */
void		 oslo_publisher(const char *publisher_id, const char *event_type,
		    const char **service, char *host, size_t hostlen);
enum oslo_project oslo_project_of(const char *event_type, const char *service,
		    const char *logger);
const char	*oslo_project_name(enum oslo_project);
/* The service name a log line's logger stands for (nova.compute.* ...). */
const char	*oslo_logger_service(const char *logger);
/*
 * The id of the object a notification is about: the instance uuid (Nova),
 * volume/snapshot/backup id (Cinder), PAYLOAD[resource].id, .id or
 * RESOURCE_id (Neutron); NULL when the payload has none (a create.start).
 */
const char	*oslo_object_id(const struct oslo_msg *);
/* 1 when some analyzer follows this notification's event type. */
int		 oslo_claimed(const struct oslo_msg *);
/* Neutron's resource of an event type: "port" of port.create (into buf). */
const char	*oslo_resource(const char *base, char *buf, size_t len);
/* Copies s (or "") into a fixed buffer; NULL s leaves an empty string. */
void		 oslo_cpy(char *dst, size_t size, const char *s);
/* An API request log line: "METHOD PATH" status, seconds; 0 when it is one. */
int		 oslo_api_line(const char *text, char *method, size_t mlen,
		    char *path, size_t plen, int *status, double *secs);

/*
 * otab: the objects of one analyzer, by key.  Each entry starts with a
 * struct oent; the table keeps them in order of last change (oldest
 * first), so those idle for a window are found at the head.
 */
struct oent {
	char		*key;
	struct oent	*hnext;
	struct oent	*older, *newer;
	uint64_t	 last_ns;	/* last change (trace time) */
	int		 dirty;		/* a record is due */
	struct oent	*dnext;		/* on the dirty list */
};

struct otab {
	struct oent	**h;
	unsigned	  hsize;
	unsigned	  n;
	struct oent	*oldest, *newest;
	struct oent	*dirty;
	size_t		  esize;	/* each entry's size */
	uint64_t	  evicted;
};

int		 otab_init(struct otab *, size_t esize);
/* The entry of key; created zeroed (*created set) when missing; NULL: ENOMEM. */
struct oent	*otab_get(struct otab *, const char *key, int *created);
struct oent	*otab_find(const struct otab *, const char *key);
/* The entry changed at t_ns: now the newest, and due. */
void		 otab_touch(struct otab *, struct oent *, uint64_t t_ns);
/* Removes e (after its last record) and frees it. */
void		 otab_del(struct otab *, struct oent *);
/* Calls fn on each due entry (a record per change batch), clearing the list. */
void		 otab_flush(struct otab *, void (*fn)(void *, struct oent *),
		    void *arg);
/* Entries unchanged since before t_ns - window: fn (last record), then freed. */
void		 otab_expire(struct otab *, uint64_t t_ns, uint64_t window_ns,
		    void (*fn)(void *, struct oent *), void *arg);
void		 otab_free(struct otab *, void (*fn)(struct oent *));

/* Latencies: exact while few, a fixed log-scale histogram always. */
#define OH_KMIN		(-16)	/* le = 2^(k/4) ms, k = OH_KMIN..OH_KMAX */
#define OH_KMAX		96
#define OH_NB		(OH_KMAX - OH_KMIN + 2)	/* + the overflow bucket */
#define OH_SAMPLES	1024

struct ohist {
	uint64_t	 count;
	double		 sum_ms, min_ms, max_ms;
	uint32_t	 b[OH_NB];
	float		*samples;	/* the first OH_SAMPLES, allocated lazily */
};

void		 ohist_add(struct ohist *, double ms);
/* Nearest-rank percentile; -1 when empty. */
double		 ohist_pct(const struct ohist *, double pct);
struct json_object *ohist_json(const struct ohist *);
void		 ohist_free(struct ohist *);

/* Record helpers: NULL/"" give null. */
#define J_ADD(o, k, v)	json_object_object_add_ex((o), (k), (v), \
			    JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY)
struct json_object *oj_str(const char *);
struct json_object *oj_ns(uint64_t);		/* 0 gives null */
struct json_object *oj_ms(uint64_t from_ns, uint64_t to_ns);	/* null if either is 0 */
struct json_object *oj_rec(const char *kind, const char *node, const char *id,
		    uint64_t t_ns);

/* A bounded list of short distinct strings (services, hosts, ids). */
#define OSET_MAX	16
struct oset {
	unsigned	 n;
	char		*v[OSET_MAX];
};
/* 1 when added, 0 when there or full. */
int		 oset_add(struct oset *, const char *);
int		 oset_has(const struct oset *, const char *);
struct json_object *oset_json(const struct oset *, int sorted);
void		 oset_free(struct oset *);

#endif
