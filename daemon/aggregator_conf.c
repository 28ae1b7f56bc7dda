/*
 * aggregator_conf.c: strata-aggregator's configuration file, one
 * "key = value" per line, '#' starts a comment.  The same keys are the
 * long command line options (--listen, --db, ...), which override the file;
 * keys may be written with '_' for '-' (stale_after = stale-after).  Every
 * error is logged as FILE:LINE: and all of them in one pass, for
 * `strata-aggregator -n` and SIGHUP; -nv prints the result in this format.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proto.h"
#include "token.h"
#include "ctl.h"
#include "aggregator.h"

void
agg_conf_init(struct agg_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->stale_ms = AGG_STALE_DEFAULT_MS;
	c->follow_queue = CTL_FOLLOW_QLEN;
	c->hook_timeout_ms = ALERTOUT_HOOK_TIMEOUT_MS;
	c->hook_max = ALERTOUT_HOOK_MAX;
	c->alert_log = ALERTOUT_LOG_AUTO;
	c->durable = 1;
}

void
agg_conf_free(struct agg_conf *c)
{
	free(c->listen);
	free(c->db);
	free(c->ctl);
	free(c->token_file);
	if (c->token != NULL)
		explicit_bzero(c->token, strlen(c->token));
	free(c->token);
	free(c->token_where);
	free(c->hook);
	memset(c, 0, sizeof(*c));
}

/* "90", "90s", "500ms", "2m", "1h" -> ms; -1 when not a duration. */
static int64_t
parse_ms(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0)
		return (-1);
	if (*end == '\0' || strcmp(end, "s") == 0)
		v *= 1000;
	else if (strcmp(end, "ms") == 0)
		;
	else if (strcmp(end, "m") == 0)
		v *= 60000;
	else if (strcmp(end, "h") == 0)
		v *= 3600000;
	else
		return (-1);
	if (v > (double)INT32_MAX * 1000)
		return (-1);
	return ((int64_t)v);
}

static int
parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < min || v > max ||
	    *s == '-')
		return (-1);
	*out = (unsigned)v;
	return (0);
}

static int
set_str(char **dst, const char *val)
{
	char *s;

	if ((s = strdup(val)) == NULL) {
		log_warn("%s: strdup", __func__);
		return (-1);
	}
	free(*dst);
	*dst = s;
	return (0);
}

/* "HOST:PORT" as the listener takes it, port 0..65535. */
static int
valid_listen(const char *s)
{
	char host[256], port[16];

	if (proto_hostport(s, host, sizeof(host), port, sizeof(port)) == -1)
		return (0);
	return (strlen(port) <= 5 && atoi(port) <= 65535);
}

int
agg_conf_set(struct agg_conf *c, const char *keyarg, const char *val,
    const char *where)
{
	struct sockaddr_un sun;
	char key[64], *p;
	int64_t ms;
	unsigned u;

	/* Operators mix the agent's key_style with ours: both are fine. */
	snprintf(key, sizeof(key), "%s", keyarg);
	for (p = key; *p != '\0'; p++)
		if (*p == '_')
			*p = '-';

	if (strcmp(key, "listen") == 0) {
		if (!valid_listen(val)) {
			log_warnx("%s: listen must be HOST:PORT, not \"%s\"",
			    where, val);
			return (-1);
		}
		return (set_str(&c->listen, val));
	}
	if (strcmp(key, "db") == 0 || strcmp(key, "ctl") == 0) {
		if (*val == '\0') {
			log_warnx("%s: %s must name a file", where, key);
			return (-1);
		}
		if (key[0] == 'c' && strlen(val) >= sizeof(sun.sun_path)) {
			log_warnx("%s: ctl must be shorter than %zu bytes, "
			    "a socket's limit", where, sizeof(sun.sun_path));
			return (-1);
		}
		return (set_str(key[0] == 'd' ? &c->db : &c->ctl, val));
	}
	if (strcmp(key, "token-file") == 0) {
		if (*val == '\0') {
			log_warnx("%s: token-file must name a file", where);
			return (-1);
		}
		if (set_str(&c->token_where, where) == -1)
			return (-1);
		return (set_str(&c->token_file, val));
	}
	if (strcmp(key, "hook") == 0) {
		/* "hook =" takes a hook away (on SIGHUP too). */
		if (*val == '\0') {
			free(c->hook);
			c->hook = NULL;
			return (0);
		}
		return (set_str(&c->hook, val));
	}
	if (strcmp(key, "stale-after") == 0) {
		if ((ms = parse_ms(val)) < 1000) {
			log_warnx("%s: stale-after must be a duration of at "
			    "least 1s, not \"%s\"", where, val);
			return (-1);
		}
		c->stale_ms = ms;
		return (0);
	}
	if (strcmp(key, "hook-timeout") == 0) {
		if ((ms = parse_ms(val)) < 10 || ms > 3600000) {
			log_warnx("%s: hook-timeout must be between 10ms and "
			    "1h, not \"%s\"", where, val);
			return (-1);
		}
		c->hook_timeout_ms = (unsigned)ms;
		return (0);
	}
	if (strcmp(key, "hook-max") == 0) {
		if (parse_uint(val, 1, 64, &c->hook_max) == -1) {
			log_warnx("%s: hook-max must be 1..64, not \"%s\"", where,
			    val);
			return (-1);
		}
		return (0);
	}
	if (strcmp(key, "follow-queue") == 0) {
		if (parse_uint(val, 1, 65536, &c->follow_queue) == -1) {
			log_warnx("%s: follow-queue must be 1..65536, not \"%s\"",
			    where, val);
			return (-1);
		}
		return (0);
	}
	if (strcmp(key, "max-frame") == 0) {
		if (parse_uint(val, 1, UINT32_MAX / 2, &u) == -1) {
			log_warnx("%s: max-frame must be a byte count, not \"%s\"",
			    where, val);
			return (-1);
		}
		c->max_frame = u;
		return (0);
	}
	if (strcmp(key, "durable") == 0) {
		if (strcmp(val, "yes") == 0 || strcmp(val, "no") == 0) {
			c->durable = strcmp(val, "yes") == 0;
			return (0);
		}
		log_warnx("%s: durable must be yes or no, not \"%s\"", where,
		    val);
		return (-1);
	}
	if (strcmp(key, "alert-log") == 0) {
		if (alertout_parse_log(val, &c->alert_log) == -1) {
			log_warnx("%s: alert-log must be auto, journal, syslog "
			    "or none, not \"%s\"", where, val);
			return (-1);
		}
		return (0);
	}
	log_warnx("%s: unknown setting \"%s\"", where, keyarg);
	return (-1);
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

int
agg_conf_load(struct agg_conf *c, const char *path)
{
	char line[4096], where[PATH_MAX + 32], *p, *eq, *key, *val;
	FILE *f;
	int lineno = 0, errors = 0;

	if ((f = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return (1);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = trim(line);
		if (*p == '\0')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			log_warnx("%s: expected \"key = value\"", where);
			errors++;
			continue;
		}
		*eq = '\0';
		key = trim(p);
		val = trim(eq + 1);
		if (agg_conf_set(c, key, val, where) == -1)
			errors++;
	}
	if (ferror(f)) {
		log_warn("%s", path);
		errors++;
	}
	fclose(f);
	return (errors);
}

int
agg_conf_finish(struct agg_conf *c)
{
	if (c->db == NULL && set_str(&c->db, AGG_DB_DEFAULT) == -1)
		return (-1);
	if (c->ctl == NULL && set_str(&c->ctl, CTL_SOCKET_DEFAULT) == -1)
		return (-1);
	if (c->token_file != NULL &&
	    (c->token = token_read(c->token_file)) == NULL) {
		log_warnx("%s: token-file %s cannot be used",
		    c->token_where != NULL ? c->token_where : "token-file",
		    c->token_file);
		return (-1);
	}
	/* Without a token only loopback agents are let in: listen there. */
	if (c->listen == NULL && set_str(&c->listen, c->token_file != NULL ?
	    "0.0.0.0:" AGG_PORT_DEFAULT : "127.0.0.1:" AGG_PORT_DEFAULT) == -1)
		return (-1);
	return (0);
}

int
agg_conf_build(struct agg_conf *c, const char *path,
    const struct agg_opt *opts, int nopts)
{
	char where[80];
	int errors = 0, i;

	agg_conf_init(c);
	if (path != NULL)
		errors += agg_conf_load(c, path);
	for (i = 0; i < nopts; i++) {
		snprintf(where, sizeof(where), "--%s", opts[i].key);
		if (agg_conf_set(c, opts[i].key, opts[i].val, where) == -1)
			errors++;
	}
	if (agg_conf_finish(c) == -1)
		errors++;
	return (errors);
}

/* Keys left unset (token-file, hook) are left out, as the agent does. */
void
agg_conf_print(const struct agg_conf *c, FILE *f)
{
	static const char *logs[] = { "auto", "journal", "syslog", "none" };

	fprintf(f, "listen = %s\n", c->listen);
	fprintf(f, "db = %s\n", c->db);
	fprintf(f, "ctl = %s\n", c->ctl);
	if (c->token_file != NULL)
		fprintf(f, "token-file = %s\n", c->token_file);
	fprintf(f, "stale-after = %" PRId64 "ms\n", c->stale_ms);
	fprintf(f, "durable = %s\n", c->durable ? "yes" : "no");
	fprintf(f, "max-frame = %u\n", c->max_frame != 0 ? c->max_frame :
	    PROTO_MAX_FRAME);
	fprintf(f, "follow-queue = %u\n", c->follow_queue);
	fprintf(f, "alert-log = %s\n", logs[c->alert_log]);
	if (c->hook != NULL)
		fprintf(f, "hook = %s\n", c->hook);
	fprintf(f, "hook-timeout = %ums\n", c->hook_timeout_ms);
	fprintf(f, "hook-max = %u\n", c->hook_max);
}
