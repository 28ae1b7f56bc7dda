/*
 * fuzz_agg_conf.c: libFuzzer target of strata-aggregator's configuration
 * reader.  The input is a configuration file: agg_conf_load()
 * (aggregator/aggregator_conf.c) reads it through the shared reader
 * (lib/conf.c) into agg_conf_set() and its table of keys (durations,
 * counts, yes/no, addresses, socket paths, alert-log modes).  Then what
 * start-up and SIGHUP do with it: the defaults that depend on other keys
 * (agg_conf_finish(), unless a token file is named: that one would be
 * read), the restart-only keys compared with the defaults, and the
 * configuration printed as `strata-aggregator -nv` prints it.
 */
#include "fuzz.h"

#include "aggregator.h"

static FILE *null;
static struct agg_conf defaults;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_log_init("fuzz_agg_conf");
	if ((null = fopen("/dev/null", "w")) == NULL)
		abort();
	agg_conf_init(&defaults);
	if (agg_conf_finish(&defaults) == -1)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agg_conf conf;
	const char *path = fuzz_path("aggregator.conf");
	FILE *f;

	if ((f = fopen(path, "w")) == NULL ||
	    (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	agg_conf_init(&conf);
	agg_conf_load(&conf, path);
	if (conf.token_file == NULL)
		agg_conf_finish(&conf);
	agg_conf_restart_only(&defaults, &conf);
	agg_conf_print(&conf, fuzz_verbose ? stdout : null);
	agg_conf_free(&conf);
	return 0;
}
