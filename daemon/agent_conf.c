/*
 * agent_conf.c: strata-agent's configuration file and -D key=value
 * overrides.  One `key = value` per line, `#` starts a comment.  Every
 * error is reported as FILE:LINE: message, all of them in one pass, so an
 * operator fixes a file once.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"

enum conf_type {
	CT_NODE,
	CT_STR,
	CT_DOUBLE,
	CT_UINT,
};

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;		/* into struct agent_conf */
	double		 min, max;	/* numbers only */
};

#define OFF(m)	offsetof(struct agent_conf, m)

static const struct conf_key conf_keys[] = {
	{ "node",		CT_NODE,   OFF(node),		0, 0 },
	{ "live",		CT_STR,    OFF(live),		0, 0 },
	{ "trace",		CT_STR,    OFF(trace),		0, 0 },
	{ "jsonl",		CT_STR,    OFF(jsonl),		0, 0 },
	{ "aggregator",		CT_STR,    OFF(aggregator),	0, 0 },
	{ "token_file",		CT_STR,    OFF(token_file),	0, 0 },
	{ "spool",		CT_STR,    OFF(spool),		0, 0 },
	{ "spool_max_mb",	CT_DOUBLE, OFF(spool_max_mb),	1, 1e6 },
	{ "downtime_limit_ms",	CT_DOUBLE, OFF(params.downtime_limit_ms), 1, 1e7 },
	{ "stall_rounds",	CT_UINT,   OFF(params.stall_rounds),	1, 1e6 },
	{ "min_drop_pct",	CT_DOUBLE, OFF(params.min_drop_pct),	0, 100 },
	{ NULL,			0,	   0,			0, 0 }
};

void
conf_init(struct agent_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	if (gethostname(conf->node, sizeof(conf->node)) == -1 ||
	    conf->node[0] == '\0')
		snprintf(conf->node, sizeof(conf->node), "localhost");
	conf->node[sizeof(conf->node) - 1] = '\0';
	conf->spool_max_mb = 64;
	an_params_default(&conf->params);
	arm_conf_init(&conf->arm);
}

void
conf_free(struct agent_conf *conf)
{
	free(conf->live);
	free(conf->trace);
	free(conf->jsonl);
	free(conf->aggregator);
	free(conf->token_file);
	free(conf->spool);
	arm_conf_free(&conf->arm);
	conf->live = conf->trace = conf->jsonl = NULL;
	conf->aggregator = conf->token_file = conf->spool = NULL;
}

/* net[4|6]://HOST[:PORT]/host/HOSTNAME/SESSION, as lttng-live wants it. */
int
conf_check_url(const char *url)
{
	const char *p;

	if (strncmp(url, "net://", 6) == 0)
		p = url + 6;
	else if (strncmp(url, "net4://", 7) == 0 ||
	    strncmp(url, "net6://", 7) == 0)
		p = url + 7;
	else
		return -1;
	if (*p == '/' || (p = strchr(p, '/')) == NULL ||
	    strncmp(p, "/host/", 6) != 0)
		return -1;
	p += 6;
	if (*p == '/' || *p == '\0' || (p = strchr(p, '/')) == NULL)
		return -1;
	p++;
	if (*p == '\0' || strchr(p, '/') != NULL)
		return -1;
	return 0;
}

static int
set_string(char **dst, const char *value)
{
	char *s;

	if ((s = strdup(value)) == NULL)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

int
conf_set(struct agent_conf *conf, const char *key, const char *value,
    const char *where)
{
	const struct conf_key *k;
	char *end, *p = (char *)conf, norm[64];
	double d;
	size_t i;
	int r;

	/* token-file and token_file are the same key. */
	for (i = 0; key[i] != '\0' && i < sizeof(norm) - 1; i++)
		norm[i] = key[i] == '-' ? '_' : key[i];
	norm[i] = '\0';
	key = norm;
	for (k = conf_keys; k->name != NULL; k++)
		if (strcmp(k->name, key) == 0)
			break;
	if (k->name == NULL &&
	    (r = arm_conf_set(&conf->arm, key, value, where)) != 1)
		return r;
	if (k->name == NULL) {
		log_warnx("%s: unknown key \"%s\"", where, key);
		return -1;
	}
	if (*value == '\0') {
		log_warnx("%s: %s: empty value", where, key);
		return -1;
	}
	switch (k->type) {
	case CT_NODE:
		if (strlen(value) >= sizeof(conf->node)) {
			log_warnx("%s: node: name too long", where);
			return -1;
		}
		snprintf(conf->node, sizeof(conf->node), "%s", value);
		return 0;
	case CT_STR:
		if (strcmp(key, "live") == 0 && conf_check_url(value) == -1) {
			log_warnx("%s: live: \"%s\" is not "
			    "net://HOST[:PORT]/host/HOSTNAME/SESSION", where,
			    value);
			return -1;
		}
		if (set_string((char **)(p + k->off), value) == -1) {
			log_warn("%s: %s", where, key);
			return -1;
		}
		return 0;
	case CT_DOUBLE:
	case CT_UINT:
		errno = 0;
		d = strtod(value, &end);
		if (errno != 0 || end == value || *end != '\0' || isnan(d) ||
		    (k->type == CT_UINT && d != floor(d))) {
			log_warnx("%s: %s: \"%s\" is not %s", where, key,
			    value, k->type == CT_UINT ? "an integer" :
			    "a number");
			return -1;
		}
		if (d < k->min || d > k->max) {
			log_warnx("%s: %s: %s is out of range %g..%g", where,
			    key, value, k->min, k->max);
			return -1;
		}
		if (k->type == CT_UINT)
			*(unsigned *)(p + k->off) = (unsigned)d;
		else
			*(double *)(p + k->off) = d;
		return 0;
	}
	return -1;
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
	return s;
}

/* "key=value" from the command line (-D) or one config line. */
int
conf_assign(struct agent_conf *conf, const char *kv, const char *where)
{
	char *copy, *eq, *key, *value;
	int rv;

	if ((copy = strdup(kv)) == NULL) {
		log_warn("%s", where);
		return -1;
	}
	if ((eq = strchr(copy, '=')) == NULL) {
		log_warnx("%s: expected key = value", where);
		free(copy);
		return -1;
	}
	*eq = '\0';
	key = trim(copy);
	value = trim(eq + 1);
	if (*key == '\0') {
		log_warnx("%s: missing key before '='", where);
		rv = -1;
	} else
		rv = conf_set(conf, key, value, where);
	free(copy);
	return rv;
}

int
conf_load(struct agent_conf *conf, const char *path)
{
	FILE *fp;
	char *line = NULL, *p, where[512];
	size_t cap = 0;
	unsigned lineno = 0, errors = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = trim(line);
		if (*p == '\0')
			continue;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (conf_assign(conf, p, where) == -1)
			errors++;
	}
	if (ferror(fp)) {
		log_warn("%s", path);
		errors++;
	}
	free(line);
	fclose(fp);
	return errors > 0 ? -1 : 0;
}

void
conf_print(const struct agent_conf *conf, FILE *fp)
{
	const struct conf_key *k;
	const char *p = (const char *)conf, *str;

	for (k = conf_keys; k->name != NULL; k++) {
		switch (k->type) {
		case CT_NODE:
			fprintf(fp, "%s = %s\n", k->name, conf->node);
			break;
		case CT_STR:
			str = *(char *const *)(p + k->off);
			if (str != NULL)
				fprintf(fp, "%s = %s\n", k->name, str);
			break;
		case CT_DOUBLE:
			fprintf(fp, "%s = %g\n", k->name,
			    *(const double *)(p + k->off));
			break;
		case CT_UINT:
			fprintf(fp, "%s = %u\n", k->name,
			    *(const unsigned *)(p + k->off));
			break;
		}
	}
	arm_conf_print(&conf->arm, fp);
}
