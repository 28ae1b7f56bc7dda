/*
 * tls.h: mutual TLS between strata-agent and strata-aggregator
 * (docs/protocol.md, "TLS"), the OpenSSL part both ends share: a context
 * from a certificate, its key and the CA that signs every peer (TLS 1.2 or
 * later, no resumption, the peer always verified), the agent's check of
 * the name it dialled, the names a verified peer certificate carries, and
 * why a handshake failed, in words.  The connections themselves are
 * libevent-openssl bufferevents (agent/push.c, aggregator/ingest.c).
 */
#ifndef STRATA_TLS_H
#define STRATA_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* The three files of one end; all set, or none. */
struct tls_files {
	const char	*cert;		/* PEM: this end's certificate (chain) */
	const char	*key;		/* PEM: its private key */
	const char	*ca;		/* PEM: the CA(s) a peer must chain to */
};

enum tls_role {
	TLS_CLIENT,		/* the agent: verifies the aggregator's name */
	TLS_SERVER,		/* the aggregator: requires a client certificate */
};

#define TLS_WHY_MAX	320	/* tls_why()'s buffer */

/* tls.c */
/*
 * A context for role from the files, or NULL with every reason logged,
 * each prefixed by what ("--tls-cert", "FILE:LINE", ...).  Warns when the
 * certificate has expired or expires within 30 days.
 */
SSL_CTX	*tls_ctx_new(enum tls_role, const struct tls_files *, const char *what);
/*
 * One connection's SSL.  A client passes the host it dials (a name or an
 * address): it is sent as SNI (names only) and the aggregator's
 * certificate must carry it (DNS name or IP address).  NULL when out of
 * memory (logged).
 */
SSL	*tls_ssl_new(SSL_CTX *, const char *host);
/* Whether the peer's verified certificate names node (its CN or a DNS SAN). */
int	 tls_peer_is(SSL *, const char *node);
/* The peer certificate's names for logs, "CN=cmp1, DNS:cmp1.example". */
void	 tls_peer_names(SSL *, char *buf, size_t len);
/*
 * Why the handshake of ssl failed, in buf: the peer certificate's
 * verification error (with the certificate's names) when there is one,
 * else the first OpenSSL error of errs[0..nerr).  Returns the reason
 * without the names, a static string (the same one for the same kind of
 * failure, as a key for rate limits).
 */
const char *tls_why(SSL *, const unsigned long *errs, int nerr, char *buf,
	    size_t len);
/* "CN=aggregator, expires 2027-01-01" for the log and the status. */
void	 tls_ctx_describe(SSL_CTX *, char *buf, size_t len);

#endif
