/*
 * arm_test.c: drives daemon/arm.c the way strata-agent does, for
 * tests/ops/arm.sh, without depending on the agent's wiring:
 *
 *	arm_test LIVE_URL [key=value ...]
 *
 * applies the arm_* keys, calls arm_session(), prints one line
 * "armed created=C kernel=K ust=N python=N kernel_rules=N session=S"
 * (or "failed"), then waits for end of file on stdin (or SIGTERM) and
 * calls arm_disarm().  Exit status 0 armed, 1 arm_session() failed,
 * 2 usage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "arm.h"

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	stop = 1;
}

int
main(int argc, char *argv[])
{
	struct arm_conf conf;
	struct arm_state st;
	struct sigaction sa;
	char buf[256], *eq;
	int i, r;

	log_init("arm_test", 1, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: arm_test LIVE_URL [key=value ...]\n");
		return 2;
	}
	arm_conf_init(&conf);
	conf.enable = 1;
	for (i = 2; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL) {
			fprintf(stderr, "arm_test: %s: not key=value\n",
			    argv[i]);
			return 2;
		}
		*eq = '\0';
		if ((r = arm_conf_set(&conf, argv[i], eq + 1,
		    "command line")) != 0) {
			if (r == 1)
				fprintf(stderr, "arm_test: unknown key %s\n",
				    argv[i]);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);

	if (arm_session(&conf, argv[1], &st) == -1) {
		printf("failed\n");
		fflush(stdout);
		arm_conf_free(&conf);
		return 1;
	}
	printf("armed created=%d kernel=%d ust=%u python=%u kernel_rules=%u "
	    "session=%s\n", st.created, st.kernel, st.nust, st.npython,
	    st.nkernel, st.session);
	arm_describe(&st, buf, sizeof(buf));
	printf("%s\n", buf);
	fflush(stdout);
	while (!stop && fgets(buf, sizeof(buf), stdin) != NULL)
		;
	arm_disarm(&st);
	printf("disarmed\n");
	arm_conf_free(&conf);
	return 0;
}
