/*
 * log.h: daemon logging in the OpenBGPD style.  stderr in the foreground,
 * syslog otherwise; log_warn appends strerror(errno); errno is preserved.
 */
#ifndef STRATA_LOG_H
#define STRATA_LOG_H

#include <stdarg.h>

void	log_init(const char *progname, int foreground, int debug);
void	log_setdebug(int);
int	log_getdebug(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
