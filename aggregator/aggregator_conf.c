/*
 * aggregator_conf.c: strata-aggregator's configuration file, one
 * "key = value" per line, '#' starts a comment, read by the shared reader
 * (lib/conf.h).  The same keys are the long command line options
 * (--listen, --db, ...), which override the file; keys may be written
 * with '_' for '-' (stale_after = stale-after).  Every key is one line of
 * agg_keys[]: its type, where it lives in struct agg_conf, its bounds,
 * what the error says it must be, and whether SIGHUP applies it; a list
 * key (alertmanager-url) may be given more than once.  Every
 * error is logged as FILE:LINE: and all of them in one pass, for
 * `strata-aggregator -n` and SIGHUP; -nv prints the result in this format.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "conf.h"
#include "log.h"
#include "proto.h"
#include "tls.h"
#include "token.h"
#include "httpd.h"
#include "ctl.h"
#include "aggregator.h"

void
agg_conf_init(struct agg_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->stale_ms = AGG_STALE_DEFAULT_MS;
	c->ctl_idle_ms = CTL_IDLE_MS;
	c->follow_queue = CTL_FOLLOW_QLEN;
	c->hook_timeout_ms = ALERTOUT_HOOK_TIMEOUT_MS;
	c->hook_max = ALERTOUT_HOOK_MAX;
	c->alert_log = ALERTOUT_LOG_AUTO;
	c->alertmanager_resend_ms = AMGR_RESEND_MS;
	c->durable = 1;
}

static void
list_clear(struct agg_list *l)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
agg_conf_free(struct agg_conf *c)
{
	free(c->listen);
	free(c->db);
	free(c->ctl);
	free(c->ctl_ro);
	free(c->ctl_ro_where);
	free(c->token_file);
	if (c->token != NULL)
		explicit_bzero(c->token, strlen(c->token));
	free(c->token);
	free(c->token_where);
	free(c->http);
	free(c->http_root);
	free(c->http_token_file);
	if (c->http_token != NULL)
		explicit_bzero(c->http_token, strlen(c->http_token));
	free(c->http_token);
	free(c->http_token_where);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->tls_ca);
	free(c->tls_where);
	SSL_CTX_free(c->tls_ctx);
	free(c->hook);
	list_clear(&c->alertmanager_urls);
	free(c->web_url);
	memset(c, 0, sizeof(*c));
}

enum agg_key_type {
	AK_STR,			/* char *; "" unsets it unless min > 0 */
	AK_MS,			/* a duration in ms, int64_t or unsigned */
	AK_COUNT,		/* an integer, uint32_t or unsigned */
	AK_YESNO,		/* int, 1 for yes */
	AK_ALERTLOG,		/* enum alertout_log */
	AK_LIST,		/* struct agg_list of URLs; max: how many */
};

struct agg_key {
	const char		*name;
	enum agg_key_type	 type;
	size_t			 off;		/* into struct agg_conf */
	size_t			 size;		/* of the member (AK_MS, AK_COUNT) */
	double			 min, max;	/* AK_MS in ms; AK_STR: min 1, a
						   file name, never empty */
	const char		*must;		/* "KEY must be MUST, not VALUE" */
	int			(*check)(const char *val, const char *where);
	int			 reload;	/* SIGHUP applies it */
	int			 flags;		/* AKF_* */
};

#define AKF_QUIET	0x1	/* -nv prints it only when not its default */

static int	check_listen(const char *, const char *);
static int	check_ctl(const char *, const char *);
static int	check_web_url(const char *, const char *);
static int	check_http(const char *, const char *);
static int	check_ctl_ro(const char *, const char *);

#define OFF(m)		offsetof(struct agg_conf, m)
#define SIZE(m)		sizeof(((struct agg_conf *)0)->m)
#define KEY(n, t, m, lo, hi, must, check, reload) \
	{ n, t, OFF(m), SIZE(m), lo, hi, must, check, reload, 0 }
#define KEYF(n, t, m, lo, hi, must, check, reload, flags) \
	{ n, t, OFF(m), SIZE(m), lo, hi, must, check, reload, flags }

/* In the order -nv prints them. */
static const struct agg_key agg_keys[] = {
	KEY("listen",	    AK_STR,	 listen,	  0, 0, "HOST:PORT",
	    check_listen, 0),
	KEY("db",	    AK_STR,	 db,		  1, 0, NULL, NULL, 0),
	KEY("ctl",	    AK_STR,	 ctl,		  1, 0, NULL, check_ctl, 0),
	KEY("ctl-ro",	    AK_STR,	 ctl_ro,	  0, 0, NULL, check_ctl_ro, 0),
	KEYF("ctl-idle-timeout", AK_MS,	 ctl_idle_ms,	  1000, 86400000,
	    "between 1s and 24h", NULL, 0, AKF_QUIET),
	KEY("token-file",   AK_STR,	 token_file,	  1, 0, NULL, NULL, 0),
	KEY("http",	    AK_STR,	 http,		  0, 0, NULL, check_http, 0),
	KEY("http-root",    AK_STR,	 http_root,	  1, 0, NULL, NULL, 0),
	KEY("http-token-file", AK_STR,	 http_token_file, 1, 0, NULL, NULL, 0),
	KEY("tls-cert",	    AK_STR,	 tls_cert,	  1, 0, NULL, NULL, 1),
	KEY("tls-key",	    AK_STR,	 tls_key,	  1, 0, NULL, NULL, 1),
	KEY("tls-ca",	    AK_STR,	 tls_ca,	  1, 0, NULL, NULL, 1),
	KEY("stale-after",  AK_MS,	 stale_ms,	  1000, (double)INT32_MAX * 1000,
	    "a duration of at least 1s", NULL, 1),
	KEY("durable",	    AK_YESNO,	 durable,	  0, 0, "yes or no", NULL, 1),
	KEY("max-frame",    AK_COUNT,	 max_frame,	  1, UINT32_MAX / 2,
	    "a byte count", NULL, 0),
	KEY("follow-queue", AK_COUNT,	 follow_queue,	  1, 65536, "1..65536",
	    NULL, 1),
	KEY("alert-log",    AK_ALERTLOG, alert_log,	  0, 0,
	    "auto, journal, syslog or none", NULL, 1),
	KEY("hook",	    AK_STR,	 hook,		  0, 0, NULL, NULL, 1),
	KEY("hook-timeout", AK_MS,	 hook_timeout_ms, 10, 3600000,
	    "between 10ms and 1h", NULL, 1),
	KEY("hook-max",	    AK_COUNT,	 hook_max,	  1, 64, "1..64", NULL, 1),
	KEY("alertmanager-url", AK_LIST, alertmanager_urls, 0, AMGR_TARGETS_MAX,
	    "http://HOST[:PORT][/PREFIX]", NULL, 1),
	KEY("alertmanager-resend", AK_MS, alertmanager_resend_ms, 1000, 86400000,
	    "between 1s and 24h", NULL, 1),
	KEY("web-url",	    AK_STR,	 web_url,	  0, 0, NULL, check_web_url,
	    1),
};
#define NKEYS	(sizeof(agg_keys) / sizeof(agg_keys[0]))

static int
set_str(char **dst, const char *val)
{
	char *s;

	if ((s = strdup(val)) == NULL) {
		log_warn("%s: strdup", __func__);
		return -1;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/* "HOST:PORT" as the listener takes it, port 0..65535. */
static int
check_listen(const char *val, const char *where)
{
	char host[256], port[16];

	if (proto_hostport(val, host, sizeof(host), port, sizeof(port)) == 0 &&
	    strlen(port) <= 5 && atoi(port) <= 65535)
		return 0;
	log_warnx("%s: listen must be HOST:PORT, not \"%s\"", where, val);
	return -1;
}

/* "HOST:PORT", or a port alone for loopback (httpd_addr_norm). */
static int
check_http(const char *val, const char *where)
{
	char norm[300];

	if (*val == '\0' || httpd_addr_norm(val, norm, sizeof(norm)) == 0)
		return 0;
	log_warnx("%s: http must be HOST:PORT or PORT, not \"%s\"", where, val);
	return -1;
}

static int
check_sockpath(const char *key, const char *val, const char *where)
{
	struct sockaddr_un sun;

	if (strlen(val) < sizeof(sun.sun_path))
		return 0;
	log_warnx("%s: %s must be shorter than %zu bytes, a socket's limit",
	    where, key, sizeof(sun.sun_path));
	return -1;
}

/* The base of the web views' URLs, for Alertmanager's generatorURL. */
static int
check_web_url(const char *val, const char *where)
{
	char why[120];

	if (*val == '\0' || amgr_url_check(val, 1, why, sizeof(why)) == 0)
		return 0;
	log_warnx("%s: web-url must be http(s)://HOST[:PORT][/PATH], not "
	    "\"%s\": %s", where, val, why);
	return -1;
}

/*
 * A list key's value: URLs separated by commas or spaces, each checked,
 * added after those already set (a URL given twice counts once); an empty
 * value empties the list.  All or nothing.
 */
static int
set_list(const struct agg_key *k, struct agg_list *l, const char *val,
    const char *where)
{
	char *copy, *tok, *save = NULL, why[120], **v, **nv;
	unsigned n, i;
	int errors = 0;

	if (*val == '\0') {
		list_clear(l);
		return 0;
	}
	copy = strdup(val);
	v = calloc((size_t)k->max + 1, sizeof(*v));
	if (copy == NULL || v == NULL) {
		log_warn("%s", __func__);
		free(copy);
		free(v);
		return -1;
	}
	n = 0;
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (amgr_url_check(tok, 0, why, sizeof(why)) == -1) {
			log_warnx("%s: %s must be %s, not \"%s\": %s", where,
			    k->name, k->must, tok, why);
			errors++;
			continue;
		}
		for (i = 0; i < l->n && strcmp(l->v[i], tok) != 0; i++)
			;
		if (i < l->n)
			continue;
		for (i = 0; i < n && strcmp(v[i], tok) != 0; i++)
			;
		if (i < n)
			continue;
		if (l->n + n >= k->max) {
			log_warnx("%s: %s: at most %.0f of them", where,
			    k->name, k->max);
			errors++;
			break;
		}
		if ((v[n] = strdup(tok)) == NULL) {
			log_warn("%s: strdup", __func__);
			errors++;
			break;
		}
		n++;
	}
	free(copy);
	if (errors == 0 && n > 0) {
		if ((nv = reallocarray(l->v, l->n + n, sizeof(*nv))) == NULL) {
			log_warn("%s: reallocarray", __func__);
			errors++;
		} else {
			memcpy(nv + l->n, v, n * sizeof(*v));
			l->v = nv;
			l->n += n;
			n = 0;
		}
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return errors ? -1 : 0;
}

static int
check_ctl(const char *val, const char *where)
{
	return check_sockpath("ctl", val, where);
}

static int
check_ctl_ro(const char *val, const char *where)
{
	return check_sockpath("ctl-ro", val, where);
}

/* Members of 4 or 8 bytes: the table's integers and durations (the
   unsigned ones are uint32_t). */
_Static_assert(sizeof(unsigned) == sizeof(uint32_t), "unsigned is 32 bits");

static void
set_int(void *field, size_t size, int64_t v)
{
	if (size == sizeof(int64_t))
		*(int64_t *)field = v;
	else
		*(uint32_t *)field = (uint32_t)v;
}

static int64_t
get_int(const void *field, size_t size)
{
	if (size == sizeof(int64_t))
		return *(const int64_t *)field;
	return *(const uint32_t *)field;
}

static const struct agg_key *
agg_key_find(const char *keyarg)
{
	char key[64];
	size_t i;

	/* Operators mix the agent's key_style with ours: both are fine. */
	conf_key_norm(keyarg, '-', key, sizeof(key));
	for (i = 0; i < NKEYS; i++)
		if (strcmp(agg_keys[i].name, key) == 0)
			return &agg_keys[i];
	return NULL;
}

int
agg_conf_set(struct agg_conf *c, const char *keyarg, const char *val,
    const char *where)
{
	const struct agg_key *k;
	void *field;
	int64_t ms;
	double d;

	if ((k = agg_key_find(keyarg)) == NULL) {
		log_warnx("%s: unknown setting \"%s\"", where, keyarg);
		return -1;
	}
	field = (char *)c + k->off;
	switch (k->type) {
	case AK_STR:
		if (*val == '\0' && k->min > 0) {
			log_warnx("%s: %s must name a file", where, k->name);
			return -1;
		}
		if (k->check != NULL && k->check(val, where) == -1)
			return -1;
		if (*val == '\0') {
			/* "hook =" takes a hook away (on SIGHUP too). */
			free(*(char **)field);
			*(char **)field = NULL;
			return 0;
		}
		if (k->off == OFF(token_file) &&
		    set_str(&c->token_where, where) == -1)
			return -1;
		if (k->off == OFF(http_token_file) &&
		    set_str(&c->http_token_where, where) == -1)
			return -1;
		if (k->off == OFF(ctl_ro) &&
		    set_str(&c->ctl_ro_where, where) == -1)
			return -1;
		if (k->off == OFF(tls_cert) &&
		    set_str(&c->tls_where, where) == -1)
			return -1;
		return set_str((char **)field, val);
	case AK_MS:
		if (conf_duration_ms(val, &ms) == -1 || ms < k->min ||
		    ms > k->max)
			break;
		set_int(field, k->size, ms);
		return 0;
	case AK_COUNT:
		if (conf_number(val, k->min, k->max, 1, &d) == -1)
			break;
		set_int(field, k->size, (int64_t)d);
		return 0;
	case AK_YESNO:
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0)
			break;
		*(int *)field = strcmp(val, "yes") == 0;
		return 0;
	case AK_ALERTLOG:
		if (alertout_parse_log(val, field) == -1)
			break;
		return 0;
	case AK_LIST:
		return set_list(k, field, val, where);
	}
	log_warnx("%s: %s must be %s, not \"%s\"", where, k->name, k->must, val);
	return -1;
}

static int
agg_conf_set_cb(void *arg, const char *key, const char *val, const char *where)
{
	return agg_conf_set(arg, key, val, where);
}

int
agg_conf_load(struct agg_conf *c, const char *path)
{
	return conf_read(path, agg_conf_set_cb, c);
}

/*
 * http: a port alone is loopback's; anything else than loopback needs
 * the bearer token (docs/http.md, "Access").
 */
static int
http_finish(struct agg_conf *c)
{
	const char *where = c->http_token_where != NULL ?
	    c->http_token_where : "http-token-file";
	char norm[300];

	if (c->http_token_file != NULL &&
	    (c->http_token = token_read(c->http_token_file)) == NULL) {
		log_warnx("%s: http-token-file %s cannot be used", where,
		    c->http_token_file);
		return -1;
	}
	if (c->http == NULL)
		return 0;
	if (httpd_addr_norm(c->http, norm, sizeof(norm)) == -1 ||
	    set_str(&c->http, norm) == -1)
		return -1;
	if (c->http_token_file == NULL && !httpd_addr_loopback(c->http)) {
		log_warnx("http %s is not a loopback address: give "
		    "http-token-file too (clients then send Authorization: "
		    "Bearer TOKEN)", c->http);
		return -1;
	}
	return 0;
}

/* tls-cert, tls-key and tls-ca come together and load, or not at all. */
static int
agg_conf_tls(struct agg_conf *c)
{
	struct tls_files f = { c->tls_cert, c->tls_key, c->tls_ca };
	const char *where;
	char missing[64];

	if (f.cert == NULL && f.key == NULL && f.ca == NULL)
		return 0;
	where = c->tls_where != NULL ? c->tls_where : "tls";
	if (f.cert == NULL || f.key == NULL || f.ca == NULL) {
		snprintf(missing, sizeof(missing), "%s%s%s",
		    f.cert == NULL ? " tls-cert" : "", f.key == NULL ?
		    " tls-key" : "", f.ca == NULL ? " tls-ca" : "");
		log_warnx("%s: TLS needs tls-cert, tls-key and tls-ca; "
		    "missing:%s", f.cert != NULL ? where : "tls", missing);
		return -1;
	}
	if ((c->tls_ctx = tls_ctx_new(TLS_SERVER, &f, where)) == NULL)
		return -1;
	return 0;
}

int
agg_conf_finish(struct agg_conf *c)
{
	int http_ok = http_finish(c) == 0;

	if (c->db == NULL && set_str(&c->db, AGG_DB_DEFAULT) == -1)
		return -1;
	if (c->ctl == NULL && set_str(&c->ctl, CTL_SOCKET_DEFAULT) == -1)
		return -1;
	if (c->ctl_ro != NULL && strcmp(c->ctl_ro, c->ctl) == 0) {
		log_warnx("%s: ctl-ro must be another file than ctl (%s)",
		    c->ctl_ro_where != NULL ? c->ctl_ro_where : "ctl-ro",
		    c->ctl_ro);
		return -1;
	}
	if (c->token_file != NULL &&
	    (c->token = token_read(c->token_file)) == NULL) {
		log_warnx("%s: token-file %s cannot be used",
		    c->token_where != NULL ? c->token_where : "token-file",
		    c->token_file);
		return -1;
	}
	if (agg_conf_tls(c) == -1)
		return -1;
	/* Without TLS or a token only loopback agents are let in: listen there. */
	if (c->listen == NULL && set_str(&c->listen, c->token_file != NULL ||
	    c->tls_ctx != NULL ? "0.0.0.0:" AGG_PORT_DEFAULT :
	    "127.0.0.1:" AGG_PORT_DEFAULT) == -1)
		return -1;
	return http_ok ? 0 : -1;
}

int
agg_conf_build(struct agg_conf *c, const char *path,
    const struct agg_opt *opts, int nopts)
{
	const struct agg_key *k;
	char where[80];
	int errors = 0, i, cleared = 0;

	agg_conf_init(c);
	if (path != NULL)
		errors += agg_conf_load(c, path);
	for (i = 0; i < nopts; i++) {
		/* The command line's list replaces the file's. */
		if ((k = agg_key_find(opts[i].key)) != NULL &&
		    k->type == AK_LIST && !(cleared & (1 << (k - agg_keys)))) {
			list_clear((struct agg_list *)((char *)c + k->off));
			cleared |= 1 << (k - agg_keys);
		}
		snprintf(where, sizeof(where), "--%s", opts[i].key);
		if (agg_conf_set(c, opts[i].key, opts[i].val, where) == -1)
			errors++;
	}
	if (agg_conf_finish(c) == -1)
		errors++;
	return errors;
}

void
agg_conf_restart_only(const struct agg_conf *old, const struct agg_conf *new)
{
	const struct agg_key *k;
	const char *o, *n;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		k = &agg_keys[i];
		if (k->reload || k->type == AK_LIST)
			continue;
		o = (const char *)old + k->off;
		n = (const char *)new + k->off;
		if (k->type == AK_STR)
			conf_restart_only(k->name, *(char *const *)o,
			    *(char *const *)n);
		else if (get_int(o, k->size) != get_int(n, k->size))
			log_warnx("SIGHUP: %s changes only at restart", k->name);
	}
}

/*
 * Keys left unset (token-file, tls-*, hook, ctl-ro, web-url, http...) are
 * left out, as the agent does, and so are AKF_QUIET ones at their default;
 * a list one line per value, alertmanager-resend only with a URL.
 */
void
agg_conf_print(const struct agg_conf *c, FILE *f)
{
	static const char *logs[] = { "auto", "journal", "syslog", "none" };
	const struct agg_key *k;
	const struct agg_list *l;
	const char *field, *str;
	struct agg_conf def;
	int64_t v;
	size_t i, j;

	agg_conf_init(&def);
	for (i = 0; i < NKEYS; i++) {
		k = &agg_keys[i];
		field = (const char *)c + k->off;
		switch (k->type) {
		case AK_STR:
			if ((str = *(char *const *)field) != NULL)
				fprintf(f, "%s = %s\n", k->name, str);
			break;
		case AK_MS:
			if (k->off == OFF(alertmanager_resend_ms) &&
			    c->alertmanager_urls.n == 0)
				break;
			if ((k->flags & AKF_QUIET) && get_int(field, k->size) ==
			    get_int((const char *)&def + k->off, k->size))
				break;
			fprintf(f, "%s = %" PRId64 "ms\n", k->name,
			    get_int(field, k->size));
			break;
		case AK_COUNT:
			v = get_int(field, k->size);
			/* max-frame 0 is the protocol's default */
			if (v == 0 && k->off == OFF(max_frame))
				v = PROTO_MAX_FRAME;
			fprintf(f, "%s = %" PRId64 "\n", k->name, v);
			break;
		case AK_YESNO:
			fprintf(f, "%s = %s\n", k->name,
			    *(const int *)field ? "yes" : "no");
			break;
		case AK_ALERTLOG:
			fprintf(f, "%s = %s\n", k->name,
			    logs[*(const enum alertout_log *)field]);
			break;
		case AK_LIST:
			l = (const struct agg_list *)field;
			for (j = 0; j < l->n; j++)
				fprintf(f, "%s = %s\n", k->name, l->v[j]);
			break;
		}
	}
}
