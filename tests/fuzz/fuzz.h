/*
 * fuzz.h: what the libFuzzer targets of tests/fuzz/ share: a private
 * temporary directory (on /dev/shm when it can) removed at exit, and the
 * fixed "now" of the aggregator's clock the targets run at, so that an
 * input replays the same way.
 * Header-only, one per target.
 */
#ifndef STRATA_FUZZ_H
#define STRATA_FUZZ_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* The aggregator's clock while fuzzing: 2026-11-25, the data's day. */
#define FUZZ_NOW_NS	1795634430000000000LL

static char fuzz_dir[256];
static int fuzz_verbose;		/* STRATA_FUZZ_LOG=1 */

static void
fuzz_rmdir(void)
{
	char cmd[300];

	if (fuzz_dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir);
	if (system(cmd) != 0)
		dprintf(2, "fuzz: cannot remove %s\n", fuzz_dir);
	fuzz_dir[0] = '\0';
}

/* Creates the directory once; returns the path of name inside it. */
static const char *
fuzz_path(const char *name)
{
	static char p[320];
	const char *tmp;

	if (fuzz_dir[0] == '\0') {
		if (access("/dev/shm", W_OK) == 0)
			tmp = "/dev/shm";
		else if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
			tmp = "/tmp";
		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/strata-fuzz-XXXXXX",
		    tmp);
		if (mkdtemp(fuzz_dir) == NULL) {
			dprintf(2, "fuzz: mkdtemp %s: %m\n", fuzz_dir);
			abort();
		}
		atexit(fuzz_rmdir);
	}
	snprintf(p, sizeof(p), "%s/%s", fuzz_dir, name);
	return p;
}

/*
 * The daemons' log lines, debug ones included, are formatted as they are
 * in the foreground but written to /dev/null: stderr stays libFuzzer's
 * and the sanitizers' (they write to descriptor 2).  STRATA_FUZZ_LOG=1
 * shows them, and what the targets were answered, to read what an input
 * does.
 */
static void
fuzz_log_init(const char *prog)
{
	const char *v = getenv("STRATA_FUZZ_LOG");
	FILE *null;

	log_init(prog, 1, 1);
	if (v != NULL && *v == '1') {
		fuzz_verbose = 1;
		return;
	}
	if ((null = fopen("/dev/null", "w")) == NULL) {
		perror("fuzz: /dev/null");
		abort();
	}
	stderr = null;
}

/*
 * AddressSanitizer's defaults, for throughput (ASAN_OPTIONS still wins):
 * freed memory is held back 4 MiB deep, not 256 (the store's SQLite and
 * json-c churn through heap, and a block taken from a deep quarantine is
 * a cache miss: at 16 MiB, a third of fuzz_ctl's time went to malloc),
 * and new blocks are not filled with 0xbe.  A use after free is still
 * seen unless 4 MiB were freed between the free and the use.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "quarantine_size_mb=4:max_malloc_fill_size=0";
}

/* Stops the run with a message: a broken invariant is a finding. */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		dprintf(2, "fuzz: invariant broken: " __VA_ARGS__);	\
		dprintf(2, "\n");					\
		abort();						\
	}								\
} while (0)

#endif
