/*
 * sock.c: socket plumbing shared by both daemons (sock.h).
 */
#include <signal.h>
#include <stddef.h>

#include "sock.h"

/* A peer gone away must be a write error, not a signal that kills us. */
void
sock_nosigpipe(void)
{
	struct sigaction sa;

	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
}
