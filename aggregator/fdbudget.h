/*
 * fdbudget.h: the aggregator's file descriptors, one pool for agents and
 * the control socket.  So that a flood of agent connections cannot lock
 * stratactl out (docs/operations.md, "File descriptors"), the control
 * socket holds a reserve of spare descriptors (open on /dev/null),
 * closes one to accept a client when no other is free, and refills the
 * reserve whenever a descriptor is; ingest's accept path passes each new
 * connection through fdbudget_admit(), which turns one that leaves too
 * little headroom into EMFILE.
 * Process-wide state: the descriptor table is the process's.
 */
#ifndef STRATA_FDBUDGET_H
#define STRATA_FDBUDGET_H

#define FDBUDGET_RESERVE	32	/* spares kept for the control socket */
#define FDBUDGET_HEADROOM	64	/* below RLIMIT_NOFILE ingest keeps free */

/*
 * Raises the soft RLIMIT_NOFILE to the hard one (epoll has no FD_SETSIZE)
 * and opens reserve spares (0: FDBUDGET_RESERVE).  -1 when not one spare
 * can be opened.
 */
int		 fdbudget_init(unsigned reserve);
void		 fdbudget_fini(void);
/* Closes one spare before an accept: 1 if one was closed, 0 if none left. */
int		 fdbudget_release(void);
/* Reopens spares up to the reserve (after a descriptor was closed). */
void		 fdbudget_restore(void);
/*
 * For ingest's accept path, right after accept: fd itself, or -1 with
 * errno EMFILE when it is within FDBUDGET_HEADROOM of the limit (it is
 * closed; the caller pauses accepting as it does on EMFILE).  -1 comes
 * back as it went in, errno untouched.
 */
int		 fdbudget_admit(int fd);
unsigned	 fdbudget_limit(void);
unsigned	 fdbudget_spares(void);
unsigned	 fdbudget_reserve(void);

#endif
