/*
 * fdbudget.c: the aggregator's descriptor budget (fdbudget.h).  Agents
 * and control clients draw on one table of RLIMIT_NOFILE descriptors; the
 * live probe of issue 12 saw 1,013 idle agent connections block stratactl
 * for 14 s.  The control socket therefore keeps a reserve of spares, each
 * a descriptor on /dev/null: before accepting a client it closes one,
 * and when a client goes it opens it again, so the reserve comes back
 * before anything else can take the slot (one thread: nothing runs in
 * between).  Ingest passes each descriptor it accepts through
 * fdbudget_admit(): descriptors are handed out lowest first, so a new
 * one numbered N means the N below it are in use, and one within the
 * headroom of the limit is closed at once, as if accept had failed with
 * EMFILE, leaving descriptors for the store, hooks and alert delivery.
 */
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "fdbudget.h"

static struct {
	int		*spare;		/* open spares, spare[0 .. nspare) */
	unsigned	 nspare;
	unsigned	 reserve;	/* how many it keeps */
	unsigned	 headroom;	/* fdbudget_accept_ok() */
	unsigned	 limit;		/* RLIMIT_NOFILE, soft */
} fdb;

static unsigned
lim_min(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

int
fdbudget_init(unsigned reserve)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("fdbudget: getrlimit");
		return -1;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("fdbudget: setrlimit NOFILE %llu",
			    (unsigned long long)rl.rlim_max);
			rl.rlim_cur = was;
		}
	}
	fdb.limit = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1U << 30 ?
	    1U << 30 : (unsigned)rl.rlim_cur;
	/* A tiny limit (ulimit -n 64) still leaves most of it to agents. */
	fdb.reserve = lim_min(reserve ? reserve : FDBUDGET_RESERVE,
	    fdb.limit / 8);
	fdb.headroom = lim_min(FDBUDGET_HEADROOM, fdb.limit / 8);
	if (fdb.reserve == 0)
		fdb.reserve = 1;
	free(fdb.spare);
	if ((fdb.spare = calloc(fdb.reserve, sizeof(*fdb.spare))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	fdb.nspare = 0;
	fdbudget_restore();
	if (fdb.nspare == 0) {
		log_warnx("fdbudget: cannot open a spare descriptor");
		return -1;
	}
	log_info("descriptors: limit %u, %u kept for the control socket, "
	    "agents stop %u short of the limit", fdb.limit, fdb.nspare,
	    fdb.headroom);
	return 0;
}

void
fdbudget_fini(void)
{
	while (fdb.nspare > 0)
		close(fdb.spare[--fdb.nspare]);
	free(fdb.spare);
	fdb.spare = NULL;
	fdb.reserve = 0;
}

int
fdbudget_release(void)
{
	if (fdb.nspare == 0)
		return 0;
	close(fdb.spare[--fdb.nspare]);
	return 1;
}

void
fdbudget_restore(void)
{
	int fd;

	while (fdb.nspare < fdb.reserve) {
		if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			break;		/* EMFILE: the next close refills it */
		fdb.spare[fdb.nspare++] = fd;
	}
}

int
fdbudget_admit(int fd)
{
	if (fdb.limit == 0 || fd < 0)
		return fd;	/* no budget set up (unit tests), or no fd */
	if ((unsigned)fd + fdb.headroom < fdb.limit)
		return fd;
	close(fd);
	errno = EMFILE;
	return -1;
}

unsigned
fdbudget_limit(void)
{
	return fdb.limit;
}

unsigned
fdbudget_spares(void)
{
	return fdb.nspare;
}

unsigned
fdbudget_reserve(void)
{
	return fdb.reserve;
}
