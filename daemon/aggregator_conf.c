/*
 * aggregator_conf.c: strata-aggregator's configuration file, one
 * "key = value" per line, '#' starts a comment.  The same keys are the
 * long command line options (--listen, --db, ...), which override the file.
 * `strata-aggregator -n` prints the result in this same format.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
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

int
agg_conf_set(struct agg_conf *c, const char *key, const char *val,
    const char *where)
{
	int64_t ms;
	unsigned u;

	if (strcmp(key, "listen") == 0)
		return (set_str(&c->listen, val));
	if (strcmp(key, "db") == 0)
		return (set_str(&c->db, val));
	if (strcmp(key, "ctl") == 0)
		return (set_str(&c->ctl, val));
	if (strcmp(key, "token-file") == 0)
		return (set_str(&c->token_file, val));
	if (strcmp(key, "hook") == 0)
		return (set_str(&c->hook, val));
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
			log_warnx("%s: hook-max must be 1..64", where);
			return (-1);
		}
		return (0);
	}
	if (strcmp(key, "follow-queue") == 0) {
		if (parse_uint(val, 1, 65536, &c->follow_queue) == -1) {
			log_warnx("%s: follow-queue must be 1..65536", where);
			return (-1);
		}
		return (0);
	}
	if (strcmp(key, "max-frame") == 0) {
		if (parse_uint(val, 1, UINT32_MAX / 2, &u) == -1) {
			log_warnx("%s: max-frame must be a byte count", where);
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
		log_warnx("%s: durable must be yes or no", where);
		return (-1);
	}
	if (strcmp(key, "alert-log") == 0) {
		if (alertout_parse_log(val, &c->alert_log) == -1) {
			log_warnx("%s: alert-log must be auto, journal, syslog "
			    "or none", where);
			return (-1);
		}
		return (0);
	}
	log_warnx("%s: unknown setting \"%s\"", where, key);
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
		return (-1);
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
	fclose(f);
	return (errors ? -1 : 0);
}

static int
read_token(struct agg_conf *c)
{
	char buf[1024];
	struct stat st;
	FILE *f;

	if ((f = fopen(c->token_file, "r")) == NULL) {
		log_warn("token file %s", c->token_file);
		return (-1);
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH))
		log_warnx("token file %s is readable by everybody",
		    c->token_file);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		log_warnx("token file %s: first line is empty", c->token_file);
		return (-1);
	}
	c->token = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return (c->token != NULL ? 0 : -1);
}

int
agg_conf_finish(struct agg_conf *c)
{
	if (c->db == NULL && set_str(&c->db, AGG_DB_DEFAULT) == -1)
		return (-1);
	if (c->ctl == NULL && set_str(&c->ctl, CTL_SOCKET_DEFAULT) == -1)
		return (-1);
	if (c->token_file != NULL && read_token(c) == -1)
		return (-1);
	/* Without a token only loopback agents are let in: listen there. */
	if (c->listen == NULL && set_str(&c->listen, c->token != NULL ?
	    "0.0.0.0:" AGG_PORT_DEFAULT : "127.0.0.1:" AGG_PORT_DEFAULT) == -1)
		return (-1);
	return (0);
}

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
	if (c->max_frame != 0)
		fprintf(f, "max-frame = %u\n", c->max_frame);
	fprintf(f, "follow-queue = %u\n", c->follow_queue);
	fprintf(f, "alert-log = %s\n", logs[c->alert_log]);
	if (c->hook != NULL)
		fprintf(f, "hook = %s\n", c->hook);
	fprintf(f, "hook-timeout = %ums\n", c->hook_timeout_ms);
	fprintf(f, "hook-max = %u\n", c->hook_max);
}
