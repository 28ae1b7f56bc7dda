/*
 * httpd.h: the HTTP listener both daemons share (libevent's evhttp): the
 * `http` address (HOST:PORT, or a port alone for loopback), limits on
 * what a request may be (request line and headers 8 KiB and a body of
 * 4 KiB: 413 beyond, 10 s to send it), the bearer token when one is
 * configured, 405 for a
 * method other than GET and HEAD, and the responses counted by status.
 * Routing is the caller's (aggregator/http/http.c, agent/agent_http.c).
 * docs/http.md.
 */
#ifndef STRATA_HTTPD_H
#define STRATA_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <json-c/json.h>

#define HTTPD_HEADERS_MAX	8192	/* bytes of request line + headers: 413 */
#define HTTPD_HEADERS_HARD	65536	/* evhttp stops reading: 400 */
#define HTTPD_BODY_MAX		4096	/* a GET needs none */
#define HTTPD_TIMEOUT_S		10	/* to send a request, to read the answer */
#define HTTPD_LOOPBACK		"127.0.0.1"

struct evhttp_request;
struct evbuffer;
struct httpd;

/* The routes: one call per request that passed the checks. */
typedef void	(*httpd_cb)(struct httpd *, struct evhttp_request *,
		    const char *path, void *arg);

struct httpd_conf {
	const char	*addr;		/* HOST:PORT (httpd_addr_norm) */
	const char	*token;		/* NULL: no Authorization asked */
	/*
	 * Paths served without it ("/dir/": what is below, "*.ext": a file
	 * of the root with that ending); NULL-terminated.
	 */
	const char	*const *open;
};

/*
 * "HOST:PORT", or "PORT" / ":PORT" for the loopback address, into out
 * as HOST:PORT; -1 when it is neither (port 0..65535).
 */
int		 httpd_addr_norm(const char *val, char *out, size_t outsz);
/* 1 when HOST:PORT names a loopback address (127.0.0.0/8, ::1, localhost). */
int		 httpd_addr_loopback(const char *addr);

/* Binds at once; NULL with a log line when it cannot. */
struct httpd	*httpd_create(struct event_base *, const struct httpd_conf *,
		    httpd_cb, void *arg);
void		 httpd_destroy(struct httpd *);
uint16_t	 httpd_port(const struct httpd *);
const char	*httpd_addr(const struct httpd *);

/* The answer; body may be NULL (no body). */
void		 httpd_reply(struct httpd *, struct evhttp_request *, int code,
		    const char *content_type, struct evbuffer *body);
/* A short plain-text error: "CODE REASON: message". */
void		 httpd_error(struct httpd *, struct evhttp_request *, int code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The request's header, NULL when absent. */
const char	*httpd_header(struct evhttp_request *, const char *name);
/* Requests and responses by status, for status and /metrics. */
struct json_object *httpd_stats(const struct httpd *);

#endif
