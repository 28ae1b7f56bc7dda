/*
 * sock.h: socket plumbing the agent's push link and the aggregator's
 * listeners share.
 */
#ifndef STRATA_SOCK_H
#define STRATA_SOCK_H

/* sock.c */
void	sock_nosigpipe(void);

#endif
