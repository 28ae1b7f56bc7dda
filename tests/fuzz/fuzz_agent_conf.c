/*
 * fuzz_agent_conf.c: libFuzzer target of strata-agent's configuration
 * reader.  The input is a configuration file: agent_conf_load()
 * (agent/agent_conf.c) reads it through the shared reader (lib/conf.c:
 * lines, comments, key = value, numbers and durations), every key to its
 * setter: the agent's own, arm_conf_set() (agent/arm.c), and the analyzer
 * set's CLASS.key parameters (lib/analyzer_set.c).  Then the
 * configuration is printed as `strata-agent -nv` prints it, and freed.
 * Each input starts from the defaults.
 */
#include "fuzz.h"

#include "agent.h"

static FILE *null;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_log_init("fuzz_agent_conf");
	if ((null = fopen("/dev/null", "w")) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_conf conf;
	const char *path = fuzz_path("agent.conf");
	FILE *f;

	if ((f = fopen(path, "w")) == NULL ||
	    (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	if (agent_conf_init(&conf) == -1)
		abort();
	agent_conf_load(&conf, path);
	agent_conf_print(&conf, fuzz_verbose ? stdout : null);
	agent_conf_free(&conf);
	return 0;
}
