/*
 * slowsync.c: not a test itself; a slow disk for
 * tests/integration/aggregator-sync.sh, by LD_PRELOAD.  While the file
 * named by STRATA_SLOW_SYNC_FLAG exists, fdatasync() and fsync() wait
 * STRATA_SLOW_SYNC_MS before they do their real work, in whichever thread
 * calls them: the test sees who waits for the disk.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void
slow(void)
{
	const char *flag = getenv("STRATA_SLOW_SYNC_FLAG");
	const char *ms = getenv("STRATA_SLOW_SYNC_MS");
	struct timespec ts;
	long n;

	if (flag == NULL || ms == NULL || access(flag, F_OK) == -1 ||
	    (n = atol(ms)) <= 0)
		return;
	ts.tv_sec = n / 1000;
	ts.tv_nsec = (n % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1)
		;
}

int
fdatasync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	slow();
	return real(fd);
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	slow();
	return real(fd);
}
