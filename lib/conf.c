/*
 * conf.c: the configuration reader both daemons use (conf.h): lines,
 * key = value, key spelling, and the number and duration parsers that
 * refuse what strtod would let through (nan, inf, trailing garbage).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"

char *
conf_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

void
conf_key_norm(const char *key, char sep, char *out, size_t outsz)
{
	size_t i;

	if (outsz == 0)
		return;
	for (i = 0; key[i] != '\0' && i < outsz - 1; i++)
		out[i] = key[i] == '-' || key[i] == '_' ? sep : key[i];
	out[i] = '\0';
}

int
conf_assign(const char *kv, const char *where, conf_set_fn set, void *arg)
{
	char *copy, *eq, *key;
	int rv = -1;

	if ((copy = strdup(kv)) == NULL) {
		log_warn("%s", where);
		return -1;
	}
	if ((eq = strchr(copy, '=')) == NULL)
		log_warnx("%s: expected key = value", where);
	else {
		*eq = '\0';
		key = conf_trim(copy);
		if (*key == '\0')
			log_warnx("%s: missing key before '='", where);
		else
			rv = set(arg, key, conf_trim(eq + 1), where);
	}
	free(copy);
	return rv;
}

int
conf_read(const char *path, conf_set_fn set, void *arg)
{
	FILE *fp;
	char *line = NULL, *p, where[4096 + 32];
	size_t cap = 0;
	unsigned lineno = 0;
	int errors = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return 1;
	}
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = conf_trim(line);
		if (*p == '\0')
			continue;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (conf_assign(p, where, set, arg) == -1)
			errors++;
	}
	if (ferror(fp)) {
		log_warn("%s", path);
		errors++;
	}
	free(line);
	fclose(fp);
	return errors;
}

int
conf_number(const char *s, double min, double max, int integer, double *out)
{
	const char *p = *s == '-' ? s + 1 : s;
	char *end;
	double d;

	/* A count is written in decimal digits: no 1e3, no 0x40. */
	if (integer && (*p == '\0' || strspn(p, "0123456789") != strlen(p)))
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(d) ||
	    (integer && d != floor(d)) || d < min || d > max)
		return -1;
	*out = d;
	return 0;
}

int
conf_duration_ms(const char *s, int64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || v < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		v *= 1000;
	else if (strcmp(end, "m") == 0)
		v *= 60000;
	else if (strcmp(end, "h") == 0)
		v *= 3600000;
	else if (strcmp(end, "ms") != 0)
		return -1;
	if (v > (double)INT32_MAX * 1000)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* SIGHUP: a setting that changed but is kept until a restart. */
void
conf_restart_only(const char *key, const char *old, const char *new)
{
	if ((old == NULL) != (new == NULL) ||
	    (old != NULL && strcmp(old, new) != 0))
		log_warnx("SIGHUP: %s changes only at restart; still %s", key,
		    old != NULL ? old : "unset");
}
