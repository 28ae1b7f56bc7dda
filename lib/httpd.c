/*
 * httpd.c: the HTTP listener of both daemons over libevent's evhttp
 * (httpd.h).  evhttp itself refuses what it cannot parse (400), bodies
 * past HTTPD_BODY_MAX (413), and a request line or headers past
 * HTTPD_HEADERS_HARD (400: that is what libevent 2.1 says, with the
 * memory bounded); it closes a connection silent for HTTPD_TIMEOUT_S.
 * Every request it parsed reaches this file, which answers 413 when the
 * request line and headers pass HTTPD_HEADERS_MAX, 405 to any method but
 * GET and HEAD (evhttp alone would say 501), and checks the bearer token.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "proto.h"
#include "httpd.h"

/* The statuses counted one by one; any other is "other". */
static const int httpd_codes[] = {
	200, 301, 304, 400, 401, 403, 404, 405, 413, 500, 503
};
#define NCODES	(sizeof(httpd_codes) / sizeof(httpd_codes[0]))

struct httpd {
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	char				 addr[300];	/* as bound */
	uint16_t			 port;
	char				*token;
	const char *const		*open;
	httpd_cb			 cb;
	void				*arg;
	uint64_t			 requests;
	uint64_t			 replies[NCODES + 1];
};

static const char *
reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	}
	return "Error";
}

int
httpd_addr_norm(const char *val, char *out, size_t outsz)
{
	char host[256], port[16];
	const char *p = val;
	int n;

	if (*p == ':')
		p++;
	if (*p != '\0' && strspn(p, "0123456789") == strlen(p)) {
		if (strlen(p) > 5 || atoi(p) > 65535)
			return -1;
		n = snprintf(out, outsz, "%s:%s", HTTPD_LOOPBACK, p);
		return n < 0 || (size_t)n >= outsz ? -1 : 0;
	}
	if (proto_hostport(val, host, sizeof(host), port, sizeof(port)) == -1 ||
	    strlen(port) > 5 || atoi(port) > 65535)
		return -1;
	n = snprintf(out, outsz, "%s", val);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int
httpd_addr_loopback(const char *addr)
{
	char host[256], port[16];
	struct in_addr a4;
	struct in6_addr a6;

	if (proto_hostport(addr, host, sizeof(host), port, sizeof(port)) == -1)
		return 0;
	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

const char *
httpd_header(struct evhttp_request *req, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(req), name);
}

static void
count(struct httpd *h, int code)
{
	size_t i;

	for (i = 0; i < NCODES; i++)
		if (httpd_codes[i] == code)
			break;
	h->replies[i]++;
}

void
httpd_reply(struct httpd *h, struct evhttp_request *req, int code,
    const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	count(h, code);
	if (ctype != NULL)
		evhttp_add_header(out, "Content-Type", ctype);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	if (evhttp_find_header(out, "Cache-Control") == NULL)
		evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, reason(code), body);
}

void
httpd_error(struct httpd *h, struct evhttp_request *req, int code,
    const char *fmt, ...)
{
	struct evbuffer *b;
	va_list ap;

	if ((b = evbuffer_new()) == NULL) {
		httpd_reply(h, req, code, NULL, NULL);
		return;
	}
	evbuffer_add_printf(b, "%d %s: ", code, reason(code));
	va_start(ap, fmt);
	evbuffer_add_vprintf(b, fmt, ap);
	va_end(ap);
	evbuffer_add(b, "\n", 1);
	httpd_reply(h, req, code, "text/plain; charset=utf-8", b);
	evbuffer_free(b);
}

/* Compares without leaving the length of the common prefix in the time. */
static int
token_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i % (lb ? lb : 1)];
	return d == 0;
}

static int
is_open(const struct httpd *h, const char *path)
{
	const char *const *p;

	size_t n;

	size_t len = strlen(path);

	/*
	 * "/dir/" opens what is below it, "*.ext" a file of the root with
	 * that ending; any other path only itself.
	 */
	for (p = h->open; p != NULL && *p != NULL; p++) {
		n = strlen(*p);
		if ((*p)[0] == '*') {
			if (len > n && strcmp(path + len - n + 1, *p + 1) == 0 &&
			    strchr(path + 1, '/') == NULL)
				return 1;
		} else if (n > 1 && (*p)[n - 1] == '/' ?
		    strncmp(path, *p, n) == 0 : strcmp(path, *p) == 0)
			return 1;
	}
	return 0;
}

/* The request line and headers, as they came (near enough). */
static size_t
head_size(struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;
	size_t n = strlen(evhttp_request_get_uri(req)) + 16;

	for (kv = in->tqh_first; kv != NULL; kv = kv->next.tqe_next)
		n += strlen(kv->key) + strlen(kv->value) + 4;
	return n;
}

static void
httpd_gencb(struct evhttp_request *req, void *arg)
{
	struct httpd *h = arg;
	const struct evhttp_uri *uri;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const char *raw, *auth;
	char *path;
	size_t len;

	h->requests++;
	if (head_size(req) > HTTPD_HEADERS_MAX) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		httpd_error(h, req, 413, "request line and headers longer than "
		    "%d bytes", HTTPD_HEADERS_MAX);
		return;
	}
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		httpd_error(h, req, 405, "only GET and HEAD: this server "
		    "only reads");
		return;
	}
	uri = evhttp_request_get_evhttp_uri(req);
	raw = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (raw == NULL || *raw == '\0')
		raw = "/";
	if ((path = evhttp_uridecode(raw, 0, &len)) == NULL) {
		httpd_error(h, req, 500, "out of memory");
		return;
	}
	if (len != strlen(path) || path[0] != '/') {
		httpd_error(h, req, 400, "bad path");
		free(path);
		return;
	}
	if (h->token != NULL && !is_open(h, path)) {
		auth = httpd_header(req, "Authorization");
		if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0 ||
		    !token_eq(auth + 7 + strspn(auth + 7, " "), h->token)) {
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "WWW-Authenticate", "Bearer realm=\"strata\"");
			httpd_error(h, req, 401, "this needs "
			    "Authorization: Bearer TOKEN (http-token-file)");
			free(path);
			return;
		}
	}
	log_debug("http: %s %s", m == EVHTTP_REQ_GET ? "GET" : "HEAD",
	    evhttp_request_get_uri(req));
	h->cb(h, req, path, h->arg);
	free(path);
}

struct httpd *
httpd_create(struct event_base *base, const struct httpd_conf *c,
    httpd_cb cb, void *arg)
{
	struct httpd *h;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[16];
	evutil_socket_t fd;

	if (proto_hostport(c->addr, host, sizeof(host), port,
	    sizeof(port)) == -1) {
		log_warnx("http: %s is not HOST:PORT", c->addr);
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	h->cb = cb;
	h->arg = arg;
	h->open = c->open;
	if (c->token != NULL && (h->token = strdup(c->token)) == NULL) {
		log_warn("%s: strdup", __func__);
		goto fail;
	}
	if ((h->http = evhttp_new(base)) == NULL) {
		log_warnx("http: evhttp_new failed");
		goto fail;
	}
	evhttp_set_max_headers_size(h->http, HTTPD_HEADERS_HARD);
	evhttp_set_max_body_size(h->http, HTTPD_BODY_MAX);
	evhttp_set_timeout(h->http, HTTPD_TIMEOUT_S);
	/* Every method reaches httpd_gencb, which says 405 itself. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, httpd_gencb, h);
	h->bound = evhttp_bind_socket_with_handle(h->http,
	    host[0] != '\0' ? host : NULL, (ev_uint16_t)atoi(port));
	if (h->bound == NULL) {
		log_warn("http: cannot listen on %s", c->addr);
		goto fail;
	}
	fd = evhttp_bound_socket_get_fd(h->bound);
	h->port = (uint16_t)atoi(port);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			h->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			h->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	if (strchr(host, ':') != NULL)
		snprintf(h->addr, sizeof(h->addr), "[%s]:%u", host, h->port);
	else
		snprintf(h->addr, sizeof(h->addr), "%s:%u",
		    host[0] != '\0' ? host : "*", h->port);
	return h;
 fail:
	httpd_destroy(h);
	return NULL;
}

void
httpd_destroy(struct httpd *h)
{
	if (h == NULL)
		return;
	if (h->http != NULL)
		evhttp_free(h->http);
	if (h->token != NULL) {
		explicit_bzero(h->token, strlen(h->token));
		free(h->token);
	}
	free(h);
}

uint16_t
httpd_port(const struct httpd *h)
{
	return h->port;
}

const char *
httpd_addr(const struct httpd *h)
{
	return h->addr;
}

struct json_object *
httpd_stats(const struct httpd *h)
{
	struct json_object *o, *r;
	char code[16];
	size_t i;

	o = json_object_new_object();
	json_object_object_add(o, "listen", json_object_new_string(h->addr));
	json_object_object_add(o, "token",
	    json_object_new_boolean(h->token != NULL));
	json_object_object_add(o, "requests",
	    json_object_new_int64((int64_t)h->requests));
	r = json_object_new_object();
	for (i = 0; i <= NCODES; i++) {
		if (h->replies[i] == 0)
			continue;
		if (i < NCODES)
			snprintf(code, sizeof(code), "%d", httpd_codes[i]);
		else
			snprintf(code, sizeof(code), "other");
		json_object_object_add(r, code,
		    json_object_new_int64((int64_t)h->replies[i]));
	}
	json_object_object_add(o, "responses", r);
	return o;
}
