/*
 * arm.c: strata-agent's arming of the node's LTTng live session through
 * lttng-ctl (see arm.h).  The session is made the way docs/agent.md tells
 * an operator to make it by hand:
 *
 *	lttng create S --live=200000 --set-url net://127.0.0.1
 *	lttng enable-channel -u strata  (+ lttng_python_channel, ring files)
 *	lttng enable-event -u -c strata 'qemu:*' 'strata:*' 'ovs:*'
 *	lttng enable-event --python nova neutron cinder
 *	lttng add-context -u -t vpid -t vtid
 *	lttng enable-channel -k strata_kernel; lttng enable-event -k ...
 *	lttng start S
 *
 * The kernel part is tried and given up with one log line (auto) when
 * lttng-modules are not loaded or the session daemon has no kernel tracer.  Whatever fails half way, the session this
 * call created is destroyed again, so a retry starts from scratch.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lttng/lttng.h>

#include "log.h"
#include "arm.h"

#define ARM_SEP		" \t,"

static const struct {
	const char	*name;
	enum lttng_event_context_type ctx;
} arm_contexts[] = {
	{ "vpid",	LTTNG_EVENT_CONTEXT_VPID },
	{ "vtid",	LTTNG_EVENT_CONTEXT_VTID },
};

void
arm_conf_init(struct arm_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->live_timer_ms = ARM_LIVE_TIMER_MS;
	c->tracefile_mb = ARM_TRACEFILE_MB;
	c->tracefile_count = ARM_TRACEFILE_COUNT;
	c->kernel = ARM_KERNEL_AUTO;
}

void
arm_conf_free(struct arm_conf *c)
{
	free(c->url);
	free(c->loggers);
	free(c->ust_events);
	free(c->kernel_events);
	c->url = c->loggers = c->ust_events = c->kernel_events = NULL;
}

static int
arm_bool(const char *v)
{
	static const char *yes[] = { "yes", "true", "on", "1", NULL };
	static const char *no[] = { "no", "false", "off", "0", NULL };
	int i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	return -1;
}

static int
arm_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	unsigned long u;
	char *end;

	errno = 0;
	u = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
	    u < min || u > max)
		return -1;
	*out = (unsigned)u;
	return 0;
}

static int
arm_str(char **dst, const char *v, const char *where, const char *key)
{
	char *s;

	if ((s = strdup(v)) == NULL) {
		log_warn("%s: %s", where, key);
		return -1;
	}
	free(*dst);
	*dst = s;
	return 0;
}

int
arm_conf_set(struct arm_conf *c, const char *key, const char *v,
    const char *where)
{
	int b;

	if (strcmp(key, "arm") == 0 || strcmp(key, "arm_keep") == 0) {
		if ((b = arm_bool(v)) == -1) {
			log_warnx("%s: %s: \"%s\" is not yes or no", where, key,
			    v);
			return -1;
		}
		if (key[3] == '\0')
			c->enable = b;
		else
			c->keep = b;
		return 0;
	}
	if (strcmp(key, "arm_url") == 0) {
		if (strncmp(v, "net://", 6) != 0 &&
		    strncmp(v, "net6://", 7) != 0 &&
		    strncmp(v, "tcp://", 6) != 0 &&
		    strncmp(v, "tcp6://", 7) != 0) {
			log_warnx("%s: arm_url: \"%s\" is not "
			    "net://HOST[:CTRLPORT[:DATAPORT]]", where, v);
			return -1;
		}
		return arm_str(&c->url, v, where, key);
	}
	if (strcmp(key, "arm_live_timer_ms") == 0) {
		if (arm_uint(v, 1, 60000, &c->live_timer_ms) == -1) {
			log_warnx("%s: %s: \"%s\" is not 1..60000", where, key,
			    v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "arm_tracefile_mb") == 0) {
		if (arm_uint(v, 0, 1048576, &c->tracefile_mb) == -1) {
			log_warnx("%s: %s: \"%s\" is not 0..1048576", where,
			    key, v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "arm_tracefile_count") == 0) {
		if (arm_uint(v, 1, 65536, &c->tracefile_count) == -1) {
			log_warnx("%s: %s: \"%s\" is not 1..65536", where,
			    key, v);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "arm_kernel") == 0) {
		if (strcasecmp(v, "auto") == 0)
			c->kernel = ARM_KERNEL_AUTO;
		else if ((b = arm_bool(v)) != -1)
			c->kernel = b ? ARM_KERNEL_YES : ARM_KERNEL_NO;
		else {
			log_warnx("%s: %s: \"%s\" is not auto, yes or no",
			    where, key, v);
			return -1;
		}
		return 0;
	}
	/* An empty list turns that part off ("arm_loggers = none"). */
	if (strcmp(key, "arm_loggers") == 0)
		return arm_str(&c->loggers, v, where, key);
	if (strcmp(key, "arm_ust_events") == 0)
		return arm_str(&c->ust_events, v, where, key);
	if (strcmp(key, "arm_kernel_events") == 0)
		return arm_str(&c->kernel_events, v, where, key);
	return 1;
}

int
arm_session_name(const char *url, char *buf, size_t len)
{
	const char *p;

	if ((p = strstr(url, "://")) == NULL ||
	    (p = strstr(p + 3, "/host/")) == NULL ||
	    (p = strchr(p + 6, '/')) == NULL || p[1] == '\0' ||
	    strchr(p + 1, '/') != NULL || strlen(p + 1) >= len)
		return -1;
	snprintf(buf, len, "%s", p + 1);
	return 0;
}

/* net://HOST[:LIVEPORT]/... -> net://HOST: relayd's default ports there. */
static int
arm_default_url(const char *live, char *buf, size_t len)
{
	const char *h, *e;
	size_t n;

	if ((h = strstr(live, "://")) == NULL)
		return -1;
	h += 3;
	if (*h == '[')
		e = strchr(h, ']') != NULL ? strchr(h, ']') + 1 : NULL;
	else
		e = h + strcspn(h, ":/");
	if (e == NULL || e == h)
		return -1;
	n = (size_t)(e - live);
	if (n >= len)
		return -1;
	memcpy(buf, live, n);
	buf[n] = '\0';
	return 0;
}

/* The live URL should name this host, where the session will appear. */
static void
arm_check_host(const char *live)
{
	char host[256];
	const char *p;
	size_t n;

	if ((p = strstr(live, "/host/")) == NULL ||
	    gethostname(host, sizeof(host)) == -1)
		return;
	host[sizeof(host) - 1] = '\0';
	p += 6;
	n = strcspn(p, "/");
	if (n != strlen(host) || strncmp(p, host, n) != 0)
		log_warnx("arm: %s names host \"%.*s\", but the session daemon "
		    "of this host (\"%s\") serves its sessions under "
		    "/host/%s/", live, (int)n, p, host, host);
}

/* 1 and *enabled when the session daemon has a session of that name. */
static int
arm_find(const char *name, int *enabled)
{
	struct lttng_session *s = NULL;
	int i, n;

	if ((n = lttng_list_sessions(&s)) < 0) {
		log_warnx("arm: cannot list sessions: %s", lttng_strerror(n));
		return -1;
	}
	for (i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0) {
			*enabled = s[i].enabled;
			free(s);
			return 1;
		}
	free(s);
	return 0;
}

/* Creates a channel; quiet leaves the failure for the caller to log. */
static int
arm_channel(struct lttng_handle *h, struct lttng_domain *dom,
    const char *name, const struct arm_conf *c, const char *session,
    int quiet)
{
	struct lttng_channel ch;
	int r;

	memset(&ch, 0, sizeof(ch));
	snprintf(ch.name, sizeof(ch.name), "%s", name);
	lttng_channel_set_default_attr(dom, &ch.attr);
	ch.attr.overwrite = 0;
	if (c->tracefile_mb != 0) {
		ch.attr.tracefile_size = (uint64_t)c->tracefile_mb << 20;
		ch.attr.tracefile_count = c->tracefile_count;
	}
	ch.enabled = 1;
	if ((r = lttng_enable_channel(h, &ch)) < 0) {
		if (!quiet)
			log_warnx("arm: session %s: channel %s: %s", session,
			    name, lttng_strerror(r));
		return r;
	}
	return 0;
}

static int
arm_contexts_add(struct lttng_handle *h, const char *channel,
    const char *session)
{
	struct lttng_event_context ctx;
	size_t i;
	int r;

	for (i = 0; i < sizeof(arm_contexts) / sizeof(arm_contexts[0]); i++) {
		memset(&ctx, 0, sizeof(ctx));
		ctx.ctx = arm_contexts[i].ctx;
		if ((r = lttng_add_context(h, &ctx, NULL, channel)) < 0) {
			log_warnx("arm: session %s: context %s on %s: %s",
			    session, arm_contexts[i].name, channel,
			    lttng_strerror(r));
			return -1;
		}
	}
	return 0;
}

/*
 * Enables every name of the list; channel NULL for the Python domain.
 * Returns how many, or -1.  With soft set a rule that fails is logged and
 * skipped (a kernel tracepoint this kernel lacks).
 */
static int
arm_events(struct lttng_handle *h, const char *list, const char *channel,
    const char *session, const char *what, int soft)
{
	struct lttng_event ev;
	char *copy, *tok, *save = NULL;
	int r, n = 0;

	if (list == NULL || strcasecmp(list, "none") == 0)
		return 0;
	if ((copy = strdup(list)) == NULL) {
		log_warn("%s: strdup", __func__);
		return -1;
	}
	for (tok = strtok_r(copy, ARM_SEP, &save); tok != NULL;
	    tok = strtok_r(NULL, ARM_SEP, &save)) {
		memset(&ev, 0, sizeof(ev));
		ev.type = LTTNG_EVENT_TRACEPOINT;
		ev.loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
		ev.loglevel = -1;
		if (strlen(tok) >= sizeof(ev.name)) {
			log_warnx("arm: %s event name too long: %s", what, tok);
			goto fail;
		}
		snprintf(ev.name, sizeof(ev.name), "%s", tok);
		r = lttng_enable_event_with_exclusions(h, &ev, channel, NULL,
		    0, NULL);
		if (r < 0 && soft) {
			log_warnx("arm: session %s: %s event %s not enabled: "
			    "%s", session, what, tok, lttng_strerror(r));
			continue;
		}
		if (r < 0) {
			log_warnx("arm: session %s: %s event %s: %s", session,
			    what, tok, lttng_strerror(r));
			goto fail;
		}
		n++;
	}
	free(copy);
	return n;
fail:
	free(copy);
	return -1;
}

/* UST channel, Python channel and their rules; contexts on both. */
static int
arm_userspace(const struct arm_conf *c, struct arm_state *st)
{
	struct lttng_domain ust, py;
	struct lttng_handle *hu = NULL, *hp = NULL;
	const char *loggers, *events;
	int n, rv = -1;

	memset(&ust, 0, sizeof(ust));
	ust.type = LTTNG_DOMAIN_UST;
	ust.buf_type = LTTNG_BUFFER_PER_UID;
	py = ust;
	py.type = LTTNG_DOMAIN_PYTHON;
	loggers = c->loggers != NULL ? c->loggers : ARM_LOGGERS;
	events = c->ust_events != NULL ? c->ust_events : ARM_UST_EVENTS;

	if ((hu = lttng_create_handle(st->session, &ust)) == NULL ||
	    (hp = lttng_create_handle(st->session, &py)) == NULL) {
		log_warnx("arm: session %s: cannot make a handle", st->session);
		goto out;
	}
	if (arm_channel(hu, &ust, ARM_UST_CHANNEL, c, st->session, 0) < 0 ||
	    (n = arm_events(hu, events, ARM_UST_CHANNEL, st->session, "UST",
	    0)) < 0)
		goto out;
	st->nust = (unsigned)n;
	if (arm_contexts_add(hu, ARM_UST_CHANNEL, st->session) == -1)
		goto out;
	if (strcasecmp(loggers, "none") != 0 && strspn(loggers, ARM_SEP) !=
	    strlen(loggers)) {
		/* Made first, so the Python rules get its ring files. */
		if (arm_channel(hu, &ust, ARM_PYTHON_CHANNEL, c,
		    st->session, 0) < 0 ||
		    (n = arm_events(hp, loggers, NULL, st->session, "Python",
		    0)) < 0)
			goto out;
		st->npython = (unsigned)n;
		if (arm_contexts_add(hu, ARM_PYTHON_CHANNEL, st->session) == -1)
			goto out;
	}
	rv = 0;
out:
	lttng_destroy_handle(hu);
	lttng_destroy_handle(hp);
	return rv;
}

/*
 * Whether lttng-modules are loaded (the root session daemon loads them at
 * its start when they are installed).  Asking a session daemon that has
 * no kernel tracer makes lttng-ctl print errors of its own, so auto does
 * not ask when the modules are not there.
 */
static int
arm_kernel_loaded(void)
{
	return access("/sys/module/lttng_tracer", F_OK) == 0;
}

/* 0 when armed or not wanted or (auto) not available; -1 to give up. */
static int
arm_kernel(const struct arm_conf *c, struct arm_state *st)
{
	struct lttng_domain k;
	struct lttng_handle *h;
	const char *events;
	int n, r;

	if (c->kernel == ARM_KERNEL_NO)
		return 0;
	if (c->kernel == ARM_KERNEL_AUTO && !arm_kernel_loaded()) {
		log_info("arm: session %s: lttng-modules not loaded, kernel "
		    "events not traced", st->session);
		return 0;
	}
	events = c->kernel_events != NULL ? c->kernel_events :
	    ARM_KERNEL_EVENTS;
	memset(&k, 0, sizeof(k));
	k.type = LTTNG_DOMAIN_KERNEL;
	k.buf_type = LTTNG_BUFFER_GLOBAL;
	if ((h = lttng_create_handle(st->session, &k)) == NULL) {
		log_warnx("arm: session %s: cannot make a handle", st->session);
		return -1;
	}
	if ((r = arm_channel(h, &k, ARM_KERNEL_CHANNEL, c, st->session,
	    c->kernel == ARM_KERNEL_AUTO)) < 0) {
		lttng_destroy_handle(h);
		if (c->kernel == ARM_KERNEL_YES)
			return -1;
		log_info("arm: session %s: no kernel tracer (%s), kernel "
		    "events not traced", st->session, lttng_strerror(r));
		return 0;
	}
	st->kernel = 1;
	if ((n = arm_events(h, events, ARM_KERNEL_CHANNEL, st->session,
	    "kernel", 1)) < 0 ||
	    arm_contexts_add(h, ARM_KERNEL_CHANNEL, st->session) == -1) {
		lttng_destroy_handle(h);
		return -1;
	}
	st->nkernel = (unsigned)n;
	lttng_destroy_handle(h);
	return 0;
}

int
arm_session(const struct arm_conf *c, const char *live,
    struct arm_state *st)
{
	struct lttng_session_descriptor *desc = NULL;
	enum lttng_error_code ec;
	char url[512];
	int r, enabled = 0;

	memset(st, 0, sizeof(*st));
	st->keep = c->keep;
	if (live == NULL ||
	    arm_session_name(live, st->session, sizeof(st->session)) == -1) {
		log_warnx("arm: needs a live URL naming the session "
		    "(net://HOST[:PORT]/host/HOSTNAME/SESSION)");
		return -1;
	}
	if (c->url != NULL)
		snprintf(url, sizeof(url), "%s", c->url);
	else if (arm_default_url(live, url, sizeof(url)) == -1) {
		log_warnx("arm: cannot tell relayd's host from %s", live);
		return -1;
	}
	arm_check_host(live);
	if ((r = lttng_session_daemon_alive()) != 1) {
		log_warnx("arm: no lttng-sessiond to talk to (root's needs the "
		    "tracing group; a user's needs LTTNG_HOME)");
		return -1;
	}
	if ((r = arm_find(st->session, &enabled)) == -1)
		return -1;
	if (r == 1)
		goto exists;

	desc = lttng_session_descriptor_live_network_create(st->session, url,
	    NULL, (unsigned long long)c->live_timer_ms * 1000);
	if (desc == NULL) {
		log_warnx("arm: session %s: bad relayd URL %s", st->session,
		    url);
		return -1;
	}
	ec = lttng_create_session_ext(desc);
	lttng_session_descriptor_destroy(desc);
	if (ec == LTTNG_ERR_EXIST_SESS) {
		/* Made by someone else since we looked. */
		if (arm_find(st->session, &enabled) != 1)
			return -1;
		goto exists;
	}
	if (ec != LTTNG_OK) {
		log_warnx("arm: cannot create live session %s to %s (is "
		    "lttng-relayd listening there?): %s", st->session, url,
		    lttng_strerror(-(int)ec));
		return -1;
	}
	st->created = 1;
	if (arm_userspace(c, st) == -1 || arm_kernel(c, st) == -1)
		goto fail;
	if ((r = lttng_start_tracing(st->session)) < 0) {
		log_warnx("arm: cannot start session %s: %s", st->session,
		    lttng_strerror(r));
		goto fail;
	}
	log_info("arm: created live session %s to %s, live timer %u ms: %u "
	    "UST, %u Python, %u kernel event rules%s", st->session, url,
	    c->live_timer_ms, st->nust, st->npython, st->nkernel,
	    st->kernel ? "" : " (no kernel tracer)");
	return 0;

exists:
	log_info("arm: session %s exists: used as it is, left in place at exit",
	    st->session);
	if (!enabled)
		log_warnx("arm: session %s is not started (lttng start %s)",
		    st->session, st->session);
	return 0;
fail:
	if ((r = lttng_destroy_session(st->session)) < 0)
		log_warnx("arm: session %s: cannot destroy it again: %s",
		    st->session, lttng_strerror(r));
	st->created = 0;
	return -1;
}

void
arm_disarm(struct arm_state *st)
{
	int r;

	if (st == NULL || !st->created)
		return;
	st->created = 0;
	if (st->keep) {
		log_info("arm: session %s left in place (arm_keep)",
		    st->session);
		return;
	}
	if ((r = lttng_destroy_session(st->session)) < 0)
		log_warnx("arm: cannot destroy session %s: %s", st->session,
		    lttng_strerror(r));
	else
		log_info("arm: session %s destroyed", st->session);
}

void
arm_describe(const struct arm_state *st, char *buf, size_t len)
{
	if (st->session[0] == '\0')
		snprintf(buf, len, "not armed");
	else if (!st->created)
		snprintf(buf, len, "session %s (existing)", st->session);
	else
		snprintf(buf, len, "session %s (armed: %u UST, %u Python, %u "
		    "kernel rules)", st->session, st->nust, st->npython,
		    st->nkernel);
}

void
arm_conf_print(const struct arm_conf *c, FILE *fp)
{
	fprintf(fp, "arm = %s\n", c->enable ? "yes" : "no");
	if (c->url != NULL)
		fprintf(fp, "arm_url = %s\n", c->url);
	fprintf(fp, "arm_live_timer_ms = %u\n", c->live_timer_ms);
	fprintf(fp, "arm_loggers = %s\n", c->loggers ? c->loggers : ARM_LOGGERS);
	fprintf(fp, "arm_ust_events = %s\n",
	    c->ust_events ? c->ust_events : ARM_UST_EVENTS);
	fprintf(fp, "arm_kernel = %s\n", c->kernel == ARM_KERNEL_AUTO ? "auto" :
	    c->kernel == ARM_KERNEL_YES ? "yes" : "no");
	fprintf(fp, "arm_kernel_events = %s\n",
	    c->kernel_events ? c->kernel_events : ARM_KERNEL_EVENTS);
	fprintf(fp, "arm_tracefile_mb = %u\n", c->tracefile_mb);
	fprintf(fp, "arm_tracefile_count = %u\n", c->tracefile_count);
	fprintf(fp, "arm_keep = %s\n", c->keep ? "yes" : "no");
}
