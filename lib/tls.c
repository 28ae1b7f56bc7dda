/*
 * tls.c: the OpenSSL side of mutual TLS between the agent and the
 * aggregator (tls.h, docs/protocol.md "TLS").  Both ends: TLS 1.2 or
 * later, forward-secret AEAD ciphers for 1.2, no compression, no
 * renegotiation, no session resumption (every connection verifies a
 * certificate, so an expired or revoked one stops at the next connect),
 * and idle connections give their buffers back.  The aggregator requires
 * a client certificate that chains to its CA; the agent checks the
 * aggregator's certificate against its CA and the host it dialled.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tls.h"

#define TLS_CIPHERS_12	"ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL"
#define TLS_WARN_DAYS	30	/* warn when a certificate expires this soon */
/* Where the verify callback leaves why a peer certificate failed. */
struct tls_note {
	long		 err;		/* X509_V_ERR_* */
	char		 text[256];
};
static int	tls_note_idx = -1;

static void
tls_note_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	free(ptr);
}

static X509 *
tls_peer_cert(SSL *ssl)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	return SSL_get0_peer_certificate(ssl);
#else
	X509 *x = SSL_get_peer_certificate(ssl);

	X509_free(x);		/* the session keeps its reference */
	return x;
#endif
}

/* The CN and the DNS names of x, ", " between them. */
static void
tls_cert_names(X509 *x, char *buf, size_t len)
{
	X509_NAME *subj = X509_get_subject_name(x);
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	unsigned char *u;
	size_t used = 0;
	int i = -1, n, k;

	buf[0] = '\0';
	while (subj != NULL &&
	    (i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0) {
		n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(subj, i)));
		if (n < 0)
			continue;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%sCN=%.*s",
			    used ? ", " : "", n, (char *)u);
		OPENSSL_free(u);
	}
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (k = 0; gens != NULL && k < sk_GENERAL_NAME_num(gens); k++) {
		g = sk_GENERAL_NAME_value(gens, k);
		if (g->type != GEN_DNS || used >= len)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%sDNS:%.*s",
		    used ? ", " : "", ASN1_STRING_length(g->d.dNSName),
		    (const char *)ASN1_STRING_get0_data(g->d.dNSName));
	}
	GENERAL_NAMES_free(gens);
	if (buf[0] == '\0')
		snprintf(buf, len, "no CN, no DNS name");
}

/* Keeps the first failure of the peer's chain, with whose it is. */
static int
tls_verify_cb(int ok, X509_STORE_CTX *xctx)
{
	struct tls_note *note;
	SSL *ssl;
	X509 *x;
	char names[160];

	if (ok)
		return 1;
	ssl = X509_STORE_CTX_get_ex_data(xctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || SSL_get_ex_data(ssl, tls_note_idx) != NULL ||
	    (note = malloc(sizeof(*note))) == NULL)
		return 0;
	if ((x = X509_STORE_CTX_get_current_cert(xctx)) != NULL)
		tls_cert_names(x, names, sizeof(names));
	else
		snprintf(names, sizeof(names), "no certificate");
	note->err = X509_STORE_CTX_get_error(xctx);
	snprintf(note->text, sizeof(note->text), "%s (%s%s)",
	    X509_verify_cert_error_string(note->err), names,
	    X509_STORE_CTX_get_error_depth(xctx) > 0 ? ", in its chain" : "");
	if (!SSL_set_ex_data(ssl, tls_note_idx, note))
		free(note);
	return 0;
}

/* An encrypted key is refused rather than asked for on a terminal. */
static int
tls_no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	return 0;
}

/* "2027-01-01" */
static void
tls_date(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "?");
}

/* A file we are about to hand to OpenSSL: its own error says little. */
static int
tls_readable(const char *what, const char *kind, const char *path)
{
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		log_warn("%s: %s %s", what, kind, path);
		return -1;
	}
	fclose(f);
	return 0;
}

/* The reason of OpenSSL's first error (the deepest: "no start line",
   not "PEM lib"), for a log line; the queue is emptied. */
static const char *
tls_err(void)
{
	unsigned long e = ERR_get_error();
	const char *r;

	ERR_clear_error();
	if (e == 0 || (r = ERR_reason_error_string(e)) == NULL)
		return "unknown error";
	return r;
}

static void
tls_check_expiry(X509 *x, const char *what, const char *path)
{
	const ASN1_TIME *na = X509_get0_notAfter(x), *nb = X509_get0_notBefore(x);
	char date[64];
	int days, secs;

	if (X509_cmp_current_time(nb) > 0) {
		tls_date(nb, date, sizeof(date));
		log_warnx("%s: certificate %s is not valid before %s", what,
		    path, date);
	}
	tls_date(na, date, sizeof(date));
	if (X509_cmp_current_time(na) < 0)
		log_warnx("%s: certificate %s expired on %s: peers will refuse "
		    "it", what, path, date);
	else if (ASN1_TIME_diff(&days, &secs, NULL, na) == 1 &&
	    days < TLS_WARN_DAYS)
		log_warnx("%s: certificate %s expires in %d days (%s)", what,
		    path, days, date);
}

SSL_CTX *
tls_ctx_new(enum tls_role role, const struct tls_files *f, const char *what)
{
	STACK_OF(X509_NAME) *cas = NULL;
	SSL_CTX *ctx = NULL;
	X509 *x;

	if (what == NULL)
		what = "tls";
	if (f->cert == NULL || f->key == NULL || f->ca == NULL) {
		log_warnx("%s: TLS needs a certificate, its key and a CA", what);
		return NULL;
	}
	if (tls_readable(what, "certificate", f->cert) == -1 ||
	    tls_readable(what, "key", f->key) == -1 ||
	    tls_readable(what, "CA", f->ca) == -1)
		return NULL;
	if (tls_note_idx == -1 && (tls_note_idx = SSL_get_ex_new_index(0, NULL,
	    NULL, NULL, tls_note_free)) == -1) {
		log_warnx("%s: %s", what, tls_err());
		return NULL;
	}
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(role == TLS_SERVER ? TLS_server_method() :
	    TLS_client_method())) == NULL) {
		log_warnx("%s: %s", what, tls_err());
		return NULL;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12)) {
		log_warnx("%s: %s", what, tls_err());
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/*
	 * A peer killed or cut off is an end of file, as libevent expects
	 * (OpenSSL 3 would make it an error); frames carry their length, so
	 * a truncated one is seen anyway.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

	SSL_CTX_set_default_passwd_cb(ctx, tls_no_passphrase);
	if (SSL_CTX_use_certificate_chain_file(ctx, f->cert) != 1) {
		log_warnx("%s: certificate %s: not a PEM certificate (%s)", what,
		    f->cert, tls_err());
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, f->key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
		log_warnx("%s: key %s: not a PEM private key, or an encrypted "
		    "one (%s)", what, f->key, tls_err());
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		log_warnx("%s: key %s is not the key of certificate %s", what,
		    f->key, f->cert);
		goto fail;
	}
	if ((x = SSL_CTX_get0_certificate(ctx)) != NULL)
		tls_check_expiry(x, what, f->cert);
	if (SSL_CTX_load_verify_locations(ctx, f->ca, NULL) != 1 ||
	    (cas = SSL_load_client_CA_file(f->ca)) == NULL) {
		log_warnx("%s: CA %s: no PEM certificate in it (%s)", what,
		    f->ca, ERR_peek_error() != 0 ? tls_err() : "none found");
		goto fail;
	}
	if (role == TLS_SERVER) {
		/* Tells agents which CA we take: theirs must chain to it. */
		SSL_CTX_set_client_CA_list(ctx, cas);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, tls_verify_cb);
	} else {
		sk_X509_NAME_pop_free(cas, X509_NAME_free);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify_cb);
	}
	return ctx;

fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

SSL *
tls_ssl_new(SSL_CTX *ctx, const char *host)
{
	unsigned char addr[sizeof(struct in6_addr)];
	SSL *ssl;

	if ((ssl = SSL_new(ctx)) == NULL) {
		log_warnx("tls: SSL_new: %s", tls_err());
		return NULL;
	}
	if (host == NULL || host[0] == '\0')
		return ssl;
	if (inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1) {
		/* An address: no SNI (RFC 6066), an IP SAN must match. */
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1)
			return ssl;
	} else {
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set_tlsext_host_name(ssl, host) == 1 &&
		    SSL_set1_host(ssl, host) == 1)
			return ssl;
	}
	log_warnx("tls: cannot check the name %s: %s", host, tls_err());
	SSL_free(ssl);
	return NULL;
}

int
tls_peer_is(SSL *ssl, const char *node)
{
	X509 *x;
	X509_NAME *subj;
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	const unsigned char *d;
	unsigned char *u;
	size_t nlen = strlen(node);
	int i = -1, n, k, found = 0;

	if (SSL_get_verify_result(ssl) != X509_V_OK ||
	    (x = tls_peer_cert(ssl)) == NULL)
		return 0;
	subj = X509_get_subject_name(x);
	while (!found && subj != NULL &&
	    (i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0) {
		n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(subj, i)));
		if (n < 0)
			continue;
		/* Exact bytes: an embedded NUL or a case change is another name. */
		found = (size_t)n == nlen && memcmp(u, node, nlen) == 0;
		OPENSSL_free(u);
	}
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (k = 0; !found && gens != NULL && k < sk_GENERAL_NAME_num(gens); k++) {
		g = sk_GENERAL_NAME_value(gens, k);
		if (g->type != GEN_DNS)
			continue;
		d = ASN1_STRING_get0_data(g->d.dNSName);
		found = (size_t)ASN1_STRING_length(g->d.dNSName) == nlen &&
		    memcmp(d, node, nlen) == 0;
	}
	GENERAL_NAMES_free(gens);
	return found;
}

void
tls_peer_names(SSL *ssl, char *buf, size_t len)
{
	X509 *x;

	if ((x = tls_peer_cert(ssl)) == NULL)
		snprintf(buf, len, "no certificate");
	else
		tls_cert_names(x, buf, len);
}

const char *
tls_why(SSL *ssl, const unsigned long *errs, int nerr, char *buf, size_t len)
{
	const struct tls_note *note = ssl != NULL ?
	    SSL_get_ex_data(ssl, tls_note_idx) : NULL;
	const char *r = NULL;
	int i;

	if (note != NULL) {
		snprintf(buf, len, "certificate refused: %s", note->text);
		return X509_verify_cert_error_string(note->err);
	}
	/* libevent adds SSL_get_error() codes of its own (library 0). */
	for (i = 0; i < nerr && r == NULL; i++)
		if (ERR_GET_LIB(errs[i]) != 0)
			r = ERR_reason_error_string(errs[i]);
	if (r == NULL)
		r = "connection closed during the TLS handshake";
	snprintf(buf, len, "%s", r);
	return r;
}

void
tls_ctx_describe(SSL_CTX *ctx, char *buf, size_t len)
{
	X509 *x = ctx != NULL ? SSL_CTX_get0_certificate(ctx) : NULL;
	char names[160], date[64];

	if (x == NULL) {
		snprintf(buf, len, "no certificate");
		return;
	}
	tls_cert_names(x, names, sizeof(names));
	tls_date(X509_get0_notAfter(x), date, sizeof(date));
	snprintf(buf, len, "%s, expires %s", names, date);
}
