/*
 * conf.h: the one configuration reader of both daemons.  A file holds one
 * "key = value" per line, '#' starts a comment; the same "key=value" comes
 * from the command line.  Every error is reported as WHERE: message (WHERE
 * is FILE:LINE or the option), all of them in one pass.  Numbers are
 * finite: "nan" and "inf" are refused everywhere.
 */
#ifndef STRATA_CONF_H
#define STRATA_CONF_H

#include <stddef.h>
#include <stdint.h>

/* Sets one key; returns 0, or -1 after logging WHERE: why. */
typedef int	(*conf_set_fn)(void *arg, const char *key, const char *value,
		    const char *where);

/* conf.c */
char	*conf_trim(char *);
/* Writes key with every '-' and '_' as sep ('-' or '_') into out. */
void	 conf_key_norm(const char *key, char sep, char *out, size_t outsz);
/* Splits "key=value" (both trimmed) and sets it: 0, or -1 logged. */
int	 conf_assign(const char *kv, const char *where, conf_set_fn, void *arg);
/* Every line of path through set(); returns the number of errors (or 1
   when the file cannot be read). */
int	 conf_read(const char *path, conf_set_fn, void *arg);
/* A finite number in [min, max], an integer when integer is set. */
int	 conf_number(const char *s, double min, double max, int integer,
	    double *out);
/* "90", "90s", "500ms", "2m", "1h": milliseconds, at most INT32_MAX s. */
int	 conf_duration_ms(const char *s, int64_t *out);
/* SIGHUP: logs that key changed from old to new but waits for a restart. */
void	 conf_restart_only(const char *key, const char *old, const char *new);

#endif
