/*
 * log.c: the logging functions every Strata program uses (see log.h).
 * The only process-wide state in libstrata: where log lines go.  When
 * systemd connected stderr to the journal (JOURNAL_STREAM names it), lines
 * go to journald natively, with their priority and the program's name.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "log.h"

static const char	*log_prog = "strata";
static int		 log_fg = 1;
static int		 log_dbg;
static int		 log_journal;	/* stderr is systemd's journal stream */

/* JOURNAL_STREAM is "DEV:INODE" of the journal socket stderr is. */
static int
log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(fileno(stderr), &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *progname, int foreground, int debug)
{
	log_prog = progname;
	log_fg = foreground;
	log_dbg = debug;
	log_journal = log_stderr_is_journal();
	if (!foreground && !log_journal)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setdebug(int debug)
{
	log_dbg = debug;
}

int
log_getdebug(void)
{
	return log_dbg;
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *err)
{
	char msg[2048];
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal) {
		if (err != NULL)
			sd_journal_send("MESSAGE=%s: %s", msg, err,
			    "PRIORITY=%d", pri, "SYSLOG_IDENTIFIER=%s",
			    log_prog, NULL);
		else
			sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", pri,
			    "SYSLOG_IDENTIFIER=%s", log_prog, NULL);
	} else if (log_fg) {
		if (err != NULL)
			fprintf(stderr, "%s: %s: %s\n", log_prog, msg, err);
		else
			fprintf(stderr, "%s: %s\n", log_prog, msg);
		fflush(stderr);
	} else if (err != NULL)
		syslog(pri, "%s: %s", msg, err);
	else
		syslog(pri, "%s", msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *err = strerror(errno);

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, err);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_dbg)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	const char *err = strerror(errno);

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, err);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
