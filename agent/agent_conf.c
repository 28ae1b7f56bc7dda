/*
 * agent_conf.c: strata-agent's configuration file and -D key=value
 * overrides, read by the shared reader (lib/conf.h).  The agent's own keys
 * are below; CLASS.key goes to the analyzer set (analyzer_set.c), which
 * knows every analyzer's parameters.  Every error is reported as
 * FILE:LINE: message, all of them in one pass, so an operator fixes a file
 * once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "conf.h"
#include "httpd.h"
#include "log.h"

enum conf_type {
	CT_NODE,
	CT_STR,
	CT_DOUBLE,
	CT_INT,
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
	{ "tls_cert",		CT_STR,    OFF(tls_cert),	0, 0 },
	{ "tls_key",		CT_STR,    OFF(tls_key),	0, 0 },
	{ "tls_ca",		CT_STR,    OFF(tls_ca),		0, 0 },
	{ "spool",		CT_STR,    OFF(spool),		0, 0 },
	{ "spool_max_mb",	CT_DOUBLE, OFF(spool_max_mb),	1, 1e6 },
	{ "drain_s",		CT_DOUBLE, OFF(drain_s),	0, 86400 },
	{ "http",		CT_STR,    OFF(http),		0, 0 },
	{ "http_token_file",	CT_STR,    OFF(http_token_file), 0, 0 },
	{ "threads",		CT_INT,    OFF(threads),	1, 2 },
	{ NULL,			0,	   0,			0, 0 }
};

int
agent_conf_init(struct agent_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	if (gethostname(conf->node, sizeof(conf->node)) == -1 ||
	    conf->node[0] == '\0')
		snprintf(conf->node, sizeof(conf->node), "localhost");
	conf->node[sizeof(conf->node) - 1] = '\0';
	conf->spool_max_mb = 64;
	conf->drain_s = 60;
	conf->threads = 2;
	arm_conf_init(&conf->arm);
	if ((conf->an = an_conf_create()) == NULL)
		return -1;
	return 0;
}

void
agent_conf_free(struct agent_conf *conf)
{
	free(conf->live);
	free(conf->trace);
	free(conf->jsonl);
	free(conf->aggregator);
	free(conf->token_file);
	free(conf->tls_cert);
	free(conf->tls_key);
	free(conf->tls_ca);
	free(conf->spool);
	free(conf->http);
	free(conf->http_token_file);
	conf->http = conf->http_token_file = NULL;
	arm_conf_free(&conf->arm);
	an_conf_free(conf->an);
	conf->an = NULL;
	conf->live = conf->trace = conf->jsonl = NULL;
	conf->aggregator = conf->token_file = conf->spool = NULL;
	conf->tls_cert = conf->tls_key = conf->tls_ca = NULL;
}

/* net[4|6]://HOST[:PORT]/host/HOSTNAME/SESSION, as lttng-live wants it. */
int
agent_conf_check_url(const char *url)
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
agent_conf_set(struct agent_conf *conf, const char *key, const char *value,
    const char *where)
{
	const struct conf_key *k;
	char *p = (char *)conf, norm[64], addr[300];
	double d;
	int r;

	/* token-file and token_file are the same key. */
	conf_key_norm(key, '_', norm, sizeof(norm));
	key = norm;
	for (k = conf_keys; k->name != NULL; k++)
		if (strcmp(k->name, key) == 0)
			break;
	if (k->name == NULL &&
	    (r = arm_conf_set(&conf->arm, key, value, where)) != 1)
		return r;
	if (k->name == NULL && conf->an != NULL &&
	    (r = an_conf_set(conf->an, key, value, where)) != 1)
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
		if (strcmp(key, "live") == 0 && agent_conf_check_url(value) == -1) {
			log_warnx("%s: live: \"%s\" is not "
			    "net://HOST[:PORT]/host/HOSTNAME/SESSION", where,
			    value);
			return -1;
		}
		if (strcmp(key, "http") == 0) {
			/* A port alone is loopback's: store HOST:PORT. */
			if (httpd_addr_norm(value, addr, sizeof(addr)) == -1) {
				log_warnx("%s: http: \"%s\" is not HOST:PORT "
				    "or PORT", where, value);
				return -1;
			}
			value = addr;
		}
		if (set_string((char **)(p + k->off), value) == -1) {
			log_warn("%s: %s", where, key);
			return -1;
		}
		return 0;
	case CT_DOUBLE:
	case CT_INT:
		if (conf_number(value, -1e300, 1e300, k->type == CT_INT,
		    &d) == -1) {
			log_warnx("%s: %s: \"%s\" is not %s", where, key,
			    value, k->type == CT_INT ? "an integer" :
			    "a number");
			return -1;
		}
		if (d < k->min || d > k->max) {
			log_warnx("%s: %s: %s is out of range %g..%g", where,
			    key, value, k->min, k->max);
			return -1;
		}
		if (k->type == CT_INT)
			*(int *)(p + k->off) = (int)d;
		else
			*(double *)(p + k->off) = d;
		return 0;
	}
	return -1;
}

static int
agent_conf_set_cb(void *arg, const char *key, const char *value,
    const char *where)
{
	return agent_conf_set(arg, key, value, where);
}

/* "key=value" from the command line (-D) or one config line. */
int
agent_conf_assign(struct agent_conf *conf, const char *kv, const char *where)
{
	return conf_assign(kv, where, agent_conf_set_cb, conf);
}

int
agent_conf_load(struct agent_conf *conf, const char *path)
{
	return conf_read(path, agent_conf_set_cb, conf) > 0 ? -1 : 0;
}

void
agent_conf_print(const struct agent_conf *conf, FILE *fp)
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
		case CT_INT:
			fprintf(fp, "%s = %d\n", k->name,
			    *(const int *)(p + k->off));
			break;
		}
	}
	if (conf->an != NULL)
		an_conf_print(conf->an, fp);
	arm_conf_print(&conf->arm, fp);
}
