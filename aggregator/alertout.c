/*
 * alertout.c: alert delivery outside the control socket.  Each alert goes
 * to the systemd journal with a fixed MESSAGE_ID per alert name and
 * STRATA_* fields (syslog where there is no journal socket), and to an
 * optional hook: /bin/sh -c HOOK in its own process group, the alert JSON on
 * a non-blocking stdin pipe, reaped through a libevent SIGCHLD watch and
 * killed (the whole group) when its timer fires.  Nothing here waits for a
 * hook; a full hook queue drops the alert for the hook and counts it.
 * Each alert also goes to Alertmanager (alertmgr.c) when one is set.
 * alertout_reconf() changes all of it at run time (SIGHUP) without
 * touching the hooks already running.
 */
#define _GNU_SOURCE		/* asprintf, pipe2, closefrom */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log.h"
#include "jwrite.h"
#include "alertout.h"

extern char **environ;

/* Constant per alert name; never change one, add new names at the end. */
static const struct {
	const char	*name;
	const char	*id;
} message_ids[] = {
	{ "migration.not_converging",	"9102c94da33740808bc698c7084da0e3" },
	{ "migration.failed",		"4cd35766ca444cfaa84e580a233a79f0" },
	{ "migration.converged",	"be4f071459804e34b33961814e386596" },
	{ "node.stale",			"d52f0ff26c6847c080879fd2d5ad9188" },
	{ "ovs.latency_high",		"da85d22cd119443aa90b968823ef48db" },
	{ "ovs.upcall_storm",		"93be5d28c95844e9bc4e88f44850d98f" },
};
/* Any other alert name. */
#define MESSAGE_ID_OTHER	"2162b2b9b6b1484d996a16f6972a6910"

struct hook_run {
	TAILQ_ENTRY(hook_run)	 entry;
	struct alertout		*ao;
	pid_t			 pid;
	int			 fd;		/* the hook's stdin, -1 once done */
	struct event		*wev;
	struct event		*timer;
	char			*json;		/* what goes to stdin */
	size_t			 len, off;
	char			 name[64];
	unsigned		 timeout_ms;	/* as configured when it started */
	int			 killed;
	struct timespec		 started;
};

struct hook_wait {
	TAILQ_ENTRY(hook_wait)	 entry;
	struct json_object	*alert;
};

struct alertout {
	struct event_base	*base;
	enum alertout_log	 log;		/* resolved: never AUTO */
	char			*hook;
	unsigned		 timeout_ms, max, qmax;
	struct event		*sigchld;
	TAILQ_HEAD(, hook_run)	 running;
	TAILQ_HEAD(, hook_wait)	 waiting;
	unsigned		 nrunning, nwaiting;
	uint64_t		 logged, hooks, hooks_ok, hooks_failed;
	uint64_t		 hooks_killed, hooks_dropped;
	struct amgr		*am;		/* Alertmanager, none configured */
};

static void	hook_next(struct alertout *);

const char *
alertout_message_id(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(message_ids) / sizeof(message_ids[0]); i++)
		if (name != NULL && strcmp(message_ids[i].name, name) == 0)
			return message_ids[i].id;
	return MESSAGE_ID_OTHER;
}

int
alertout_priority(const char *severity, const char *event)
{
	if (event != NULL && strcmp(event, "fired") != 0 &&
	    strcmp(event, "firing") != 0)
		return LOG_INFO;
	if (severity == NULL)
		return LOG_WARNING;
	if (strcmp(severity, "critical") == 0)
		return LOG_CRIT;
	if (strcmp(severity, "error") == 0)
		return LOG_ERR;
	if (strcmp(severity, "warning") == 0)
		return LOG_WARNING;
	if (strcmp(severity, "notice") == 0)
		return LOG_NOTICE;
	if (strcmp(severity, "info") == 0)
		return LOG_INFO;
	return LOG_WARNING;
}

int
alertout_parse_log(const char *s, enum alertout_log *out)
{
	static const char *names[] = { "auto", "journal", "syslog", "none" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum alertout_log)i;
			return 0;
		}
	return -1;
}

/* A member as a string ("" for null or missing). */
static const char *
mstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	s = json_object_get_string(v);
	return s != NULL ? s : "";
}

/* The event of the alert: the store's "event", else its state. */
static const char *
alert_event(struct json_object *alert)
{
	const char *e = mstr(alert, "event");

	return *e != '\0' ? e : mstr(alert, "state");
}

static int
add_field(struct iovec *iov, int n, char **bufs, const char *key,
    const char *val)
{
	if (val == NULL || *val == '\0')
		return n;
	if (asprintf(&bufs[n], "%s=%s", key, val) == -1) {
		bufs[n] = NULL;
		return n;
	}
	iov[n].iov_base = bufs[n];
	iov[n].iov_len = strlen(bufs[n]);
	return n + 1;
}

static void
log_journal(struct json_object *a, const char *event, int pri)
{
	struct iovec iov[20];
	char *bufs[20], msg[1024], prio[4], *json;
	size_t len;
	int n = 0, i, r;

	snprintf(msg, sizeof(msg), "alert %s %s: %s", mstr(a, "name"), event,
	    mstr(a, "message"));
	snprintf(prio, sizeof(prio), "%d", pri);
	n = add_field(iov, n, bufs, "MESSAGE", msg);
	n = add_field(iov, n, bufs, "MESSAGE_ID",
	    alertout_message_id(mstr(a, "name")));
	n = add_field(iov, n, bufs, "PRIORITY", prio);
	n = add_field(iov, n, bufs, "SYSLOG_IDENTIFIER", "strata-aggregator");
	n = add_field(iov, n, bufs, "STRATA_ALERT", mstr(a, "name"));
	n = add_field(iov, n, bufs, "STRATA_ALERT_ID", mstr(a, "id"));
	n = add_field(iov, n, bufs, "STRATA_ALERT_EVENT", event);
	n = add_field(iov, n, bufs, "STRATA_ALERT_STATE", mstr(a, "state"));
	n = add_field(iov, n, bufs, "STRATA_SEVERITY", mstr(a, "severity"));
	n = add_field(iov, n, bufs, "STRATA_NODE", mstr(a, "node"));
	n = add_field(iov, n, bufs, "STRATA_VM_UUID", mstr(a, "vm_uuid"));
	n = add_field(iov, n, bufs, "STRATA_VM_NAME", mstr(a, "vm_name"));
	n = add_field(iov, n, bufs, "STRATA_MIGRATION_ID",
	    mstr(a, "migration_id"));
	n = add_field(iov, n, bufs, "STRATA_T_NS", mstr(a, "t_ns"));
	json = jwrite_dup(a, &len);
	n = add_field(iov, n, bufs, "STRATA_ALERT_JSON", json);
	free(json);
	if ((r = sd_journal_sendv(iov, n)) < 0)
		log_warnx("alert %s: sd_journal_sendv: %s", mstr(a, "name"),
		    strerror(-r));
	for (i = 0; i < n; i++)
		free(bufs[i]);
}

static void
log_alert(struct alertout *ao, struct json_object *a)
{
	const char *event = alert_event(a);
	int pri = alertout_priority(mstr(a, "severity"), event);

	log_debug("alert %s %s id %s node %s vm %s migration %s: %s",
	    mstr(a, "name"), event, mstr(a, "id"), mstr(a, "node"),
	    mstr(a, "vm_uuid"), mstr(a, "migration_id"), mstr(a, "message"));
	switch (ao->log) {
	case ALERTOUT_LOG_JOURNAL:
		log_journal(a, event, pri);
		break;
	case ALERTOUT_LOG_SYSLOG:
		syslog(LOG_DAEMON | pri, "alert %s %s: %s (id %s node %s "
		    "vm %s migration %s)", mstr(a, "name"), event,
		    mstr(a, "message"), mstr(a, "id"), mstr(a, "node"),
		    mstr(a, "vm_uuid"), mstr(a, "migration_id"));
		break;
	default:
		return;
	}
	ao->logged++;
}

static int64_t
elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
hook_close_stdin(struct hook_run *h)
{
	if (h->wev != NULL) {
		event_free(h->wev);
		h->wev = NULL;
	}
	if (h->fd != -1) {
		close(h->fd);
		h->fd = -1;
	}
}

static void
hook_write_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hook_run *h = arg;
	ssize_t n;

	n = write(h->fd, h->json + h->off, h->len - h->off);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		/* EPIPE: the hook does not read its stdin; that is its right. */
		log_debug("hook %s: stdin: %s", h->name, strerror(errno));
		hook_close_stdin(h);
		return;
	}
	h->off += (size_t)n;
	if (h->off == h->len)
		hook_close_stdin(h);
}

static void
hook_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hook_run *h = arg;

	log_warnx("hook for alert %s still running after %u ms: killed",
	    h->name, h->timeout_ms);
	h->killed = 1;
	/* The hook runs in its own process group: kill whatever it started. */
	if (kill(-h->pid, SIGKILL) == -1 && kill(h->pid, SIGKILL) == -1)
		log_warn("hook %s: kill %ld", h->name, (long)h->pid);
}

static void
hook_free(struct hook_run *h)
{
	hook_close_stdin(h);
	if (h->timer != NULL)
		event_free(h->timer);
	free(h->json);
	free(h);
}

static void
hook_done(struct hook_run *h, int status)
{
	struct alertout *ao = h->ao;
	int64_t ms = elapsed_ms(&h->started);

	if (h->killed)
		ao->hooks_killed++;	/* its whole group got the SIGKILL */
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ao->hooks_ok++;
		log_debug("hook for alert %s done in %lld ms", h->name,
		    (long long)ms);
	} else {
		ao->hooks_failed++;
		if (WIFEXITED(status))
			log_warnx("hook for alert %s exited %d after %lld ms",
			    h->name, WEXITSTATUS(status), (long long)ms);
		else
			log_warnx("hook for alert %s died of signal %d",
			    h->name, WTERMSIG(status));
	}
	TAILQ_REMOVE(&ao->running, h, entry);
	ao->nrunning--;
	hook_free(h);
}

static void
sigchld_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct alertout *ao = arg;
	struct hook_run *h, *next;
	int status;
	pid_t r;

	for (h = TAILQ_FIRST(&ao->running); h != NULL; h = next) {
		next = TAILQ_NEXT(h, entry);
		r = waitpid(h->pid, &status, WNOHANG);
		if (r == h->pid || (r == -1 && errno == ECHILD))
			hook_done(h, r == h->pid ? status : 0);
	}
	hook_next(ao);
}

static int
env_add(char **envp, int n, const char *key, const char *val)
{
	if (asprintf(&envp[n], "%s=%s", key, val) == -1)
		return n;
	return n + 1;
}

/* The hook's environment: ours plus STRATA_* describing the alert. */
static char **
hook_env(struct json_object *a)
{
	char **envp;
	int n = 0, i, nenv = 0;

	while (environ[nenv] != NULL)
		nenv++;
	if ((envp = calloc(nenv + 12, sizeof(*envp))) == NULL)
		return NULL;
	n = env_add(envp, n, "STRATA_ALERT", mstr(a, "name"));
	n = env_add(envp, n, "STRATA_ALERT_ID", mstr(a, "id"));
	n = env_add(envp, n, "STRATA_ALERT_EVENT", alert_event(a));
	n = env_add(envp, n, "STRATA_ALERT_STATE", mstr(a, "state"));
	n = env_add(envp, n, "STRATA_SEVERITY", mstr(a, "severity"));
	n = env_add(envp, n, "STRATA_NODE", mstr(a, "node"));
	n = env_add(envp, n, "STRATA_VM_UUID", mstr(a, "vm_uuid"));
	n = env_add(envp, n, "STRATA_MIGRATION_ID", mstr(a, "migration_id"));
	n = env_add(envp, n, "STRATA_MESSAGE_ID",
	    alertout_message_id(mstr(a, "name")));
	for (i = 0; i < nenv; i++)
		if (strncmp(environ[i], "STRATA_", 7) != 0)
			envp[n++] = strdup(environ[i]);
	envp[n] = NULL;
	return envp;
}

static void
env_free(char **envp)
{
	int i;

	if (envp == NULL)
		return;
	for (i = 0; envp[i] != NULL; i++)
		free(envp[i]);
	free(envp);
}

static void
hook_child(int in, const char *cmd, char **envp)
{
	sigset_t all;
	int null;

	setpgid(0, 0);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (dup2(in, STDIN_FILENO) == -1)
		_exit(126);
	if ((null = open("/dev/null", O_WRONLY)) != -1)
		dup2(null, STDOUT_FILENO);
	closefrom(3);
	execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, envp);
	_exit(127);
}

static int
hook_start(struct alertout *ao, struct json_object *a)
{
	struct hook_run *h;
	struct timeval tv;
	char **envp = NULL;
	int p[2] = { -1, -1 };

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	h->ao = ao;
	h->fd = -1;
	snprintf(h->name, sizeof(h->name), "%s", mstr(a, "name"));
	h->json = jwrite_dup(a, &h->len);
	if (h->json == NULL || (envp = hook_env(a)) == NULL) {
		log_warn("%s: malloc", __func__);
		goto fail;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("hook: pipe");
		goto fail;
	}
	if ((h->pid = fork()) == -1) {
		log_warn("hook: fork");
		goto fail;
	}
	if (h->pid == 0)
		hook_child(p[0], ao->hook, envp);
	setpgid(h->pid, h->pid);	/* either side may win the race */
	clock_gettime(CLOCK_MONOTONIC, &h->started);
	close(p[0]);
	h->fd = p[1];
	env_free(envp);
	fcntl(h->fd, F_SETFL, O_NONBLOCK);
	h->wev = event_new(ao->base, h->fd, EV_WRITE | EV_PERSIST,
	    hook_write_cb, h);
	h->timer = evtimer_new(ao->base, hook_timeout_cb, h);
	if (h->wev != NULL)
		event_add(h->wev, NULL);
	h->timeout_ms = ao->timeout_ms;
	tv.tv_sec = ao->timeout_ms / 1000;
	tv.tv_usec = (ao->timeout_ms % 1000) * 1000;
	if (h->timer != NULL)
		evtimer_add(h->timer, &tv);
	TAILQ_INSERT_TAIL(&ao->running, h, entry);
	ao->nrunning++;
	ao->hooks++;
	log_debug("hook for alert %s started: pid %ld", h->name, (long)h->pid);
	return 0;
fail:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	env_free(envp);
	free(h->json);
	free(h);
	return -1;
}

static void
hook_next(struct alertout *ao)
{
	struct hook_wait *w;

	while (ao->nrunning < ao->max &&
	    (w = TAILQ_FIRST(&ao->waiting)) != NULL) {
		TAILQ_REMOVE(&ao->waiting, w, entry);
		ao->nwaiting--;
		if (hook_start(ao, w->alert) == -1)
			ao->hooks_failed++;
		json_object_put(w->alert);
		free(w);
	}
}

void
alertout_alert(struct alertout *ao, struct json_object *alert)
{
	struct hook_wait *w;

	if (ao == NULL)
		return;
	log_alert(ao, alert);
	amgr_alert(ao->am, alert);
	if (ao->hook == NULL)
		return;
	if (ao->nwaiting >= ao->qmax || (w = calloc(1, sizeof(*w))) == NULL) {
		ao->hooks_dropped++;
		log_warnx("hook queue full (%u waiting): alert %s not handed "
		    "to the hook", ao->nwaiting, mstr(alert, "name"));
		return;
	}
	w->alert = json_object_get(alert);
	TAILQ_INSERT_TAIL(&ao->waiting, w, entry);
	ao->nwaiting++;
	hook_next(ao);
}

void
alertout_reassert(struct alertout *ao, struct json_object *alert)
{
	if (ao != NULL)
		amgr_alert(ao->am, alert);
}

int
alertout_alertmanager(const struct alertout *ao)
{
	return ao != NULL && amgr_enabled(ao->am);
}

static const char *
log_name(enum alertout_log log)
{
	return log == ALERTOUT_LOG_JOURNAL ? "journal" :
	    log == ALERTOUT_LOG_SYSLOG ? "syslog" : "none";
}

/* Whether hooks can be reaped: the SIGCHLD watch, made once, kept after. */
static int
watch_children(struct alertout *ao)
{
	if (ao->sigchld != NULL)
		return 0;
	ao->sigchld = evsignal_new(ao->base, SIGCHLD, sigchld_cb, ao);
	if (ao->sigchld == NULL || evsignal_add(ao->sigchld, NULL) == -1) {
		log_warnx("alertout: cannot watch SIGCHLD");
		if (ao->sigchld != NULL)
			event_free(ao->sigchld);
		ao->sigchld = NULL;
		return -1;
	}
	return 0;
}

int
alertout_reconf(struct alertout *ao, const struct alertout_conf *conf)
{
	struct hook_wait *w;
	char *hook = NULL;

	if (conf->hook != NULL && *conf->hook != '\0') {
		if ((hook = strdup(conf->hook)) == NULL) {
			log_warn("%s: strdup", __func__);
			return -1;
		}
		if (watch_children(ao) == -1) {
			free(hook);
			return -1;
		}
	}
	if (amgr_reconf(ao->am, &conf->am) == -1) {
		free(hook);
		return -1;
	}
	free(ao->hook);
	ao->hook = hook;
	ao->log = conf->log;
	if (ao->log == ALERTOUT_LOG_AUTO)
		ao->log = access(ALERTOUT_JOURNAL_SOCKET, F_OK) == 0 ?
		    ALERTOUT_LOG_JOURNAL : ALERTOUT_LOG_SYSLOG;
	ao->timeout_ms = conf->hook_timeout_ms ? conf->hook_timeout_ms :
	    ALERTOUT_HOOK_TIMEOUT_MS;
	ao->max = conf->hook_max ? conf->hook_max : ALERTOUT_HOOK_MAX;
	ao->qmax = conf->hook_queue ? conf->hook_queue : ALERTOUT_HOOK_QUEUE;
	/* Alerts still waiting go to the hook configured now, if any. */
	if (ao->hook == NULL && ao->nwaiting > 0) {
		log_warnx("no hook any more: %u waiting alerts not handed to "
		    "a hook", ao->nwaiting);
		while ((w = TAILQ_FIRST(&ao->waiting)) != NULL) {
			TAILQ_REMOVE(&ao->waiting, w, entry);
			json_object_put(w->alert);
			free(w);
			ao->hooks_dropped++;
		}
		ao->nwaiting = 0;
	}
	hook_next(ao);
	log_info("alerts: %s%s%s (hook timeout %u ms, %u at once)",
	    ao->log == ALERTOUT_LOG_NONE ? "no log" : log_name(ao->log),
	    ao->hook ? ", hook " : "", ao->hook ? ao->hook : "",
	    ao->timeout_ms, ao->max);
	return 0;
}

struct alertout *
alertout_create(struct event_base *base, const struct alertout_conf *conf)
{
	struct amgr_conf none;
	struct alertout *ao;

	if ((ao = calloc(1, sizeof(*ao))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	ao->base = base;
	TAILQ_INIT(&ao->running);
	TAILQ_INIT(&ao->waiting);
	memset(&none, 0, sizeof(none));
	if ((ao->am = amgr_create(base, &none)) == NULL ||
	    alertout_reconf(ao, conf) == -1) {
		amgr_destroy(ao->am);
		free(ao);
		return NULL;
	}
	return ao;
}

void
alertout_destroy(struct alertout *ao)
{
	struct hook_run *h;
	struct hook_wait *w;
	int status;

	if (ao == NULL)
		return;
	while ((h = TAILQ_FIRST(&ao->running)) != NULL) {
		log_warnx("hook for alert %s still running at exit: killed",
		    h->name);
		kill(-h->pid, SIGKILL);
		kill(h->pid, SIGKILL);
		while (waitpid(h->pid, &status, 0) == -1 && errno == EINTR)
			;
		TAILQ_REMOVE(&ao->running, h, entry);
		hook_free(h);
	}
	while ((w = TAILQ_FIRST(&ao->waiting)) != NULL) {
		TAILQ_REMOVE(&ao->waiting, w, entry);
		json_object_put(w->alert);
		free(w);
	}
	if (ao->sigchld != NULL)
		event_free(ao->sigchld);
	amgr_destroy(ao->am);
	free(ao->hook);
	free(ao);
}

struct json_object *
alertout_stats(struct alertout *ao)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "log", json_object_new_string(
	    log_name(ao->log)));
	json_object_object_add(o, "logged",
	    json_object_new_int64((int64_t)ao->logged));
	json_object_object_add(o, "hook", ao->hook ?
	    json_object_new_string(ao->hook) : NULL);
	json_object_object_add(o, "hook_timeout_ms",
	    json_object_new_int((int)ao->timeout_ms));
	json_object_object_add(o, "hook_max", json_object_new_int((int)ao->max));
	json_object_object_add(o, "hooks_started",
	    json_object_new_int64((int64_t)ao->hooks));
	json_object_object_add(o, "hooks_ok",
	    json_object_new_int64((int64_t)ao->hooks_ok));
	json_object_object_add(o, "hooks_failed",
	    json_object_new_int64((int64_t)ao->hooks_failed));
	json_object_object_add(o, "hooks_killed",
	    json_object_new_int64((int64_t)ao->hooks_killed));
	json_object_object_add(o, "hooks_dropped",
	    json_object_new_int64((int64_t)ao->hooks_dropped));
	json_object_object_add(o, "hooks_running",
	    json_object_new_int((int)ao->nrunning));
	json_object_object_add(o, "hooks_waiting",
	    json_object_new_int((int)ao->nwaiting));
	json_object_object_add(o, "alertmanager", amgr_stats(ao->am));
	return o;
}
