/*
 * http_static.c: the web views' files.  The generic pages and scripts
 * (aggregator/http/web/, installed in $(pkgdatadir)/web) are /FILE; a
 * kind's (aggregator/kinds/KIND/web/, installed in web/kinds/KIND/) are
 * /kinds/KIND/FILE, for a kind whose registration has a web view
 * (agg_kind.web).  A root in a source tree (aggregator/http/web, with
 * aggregator/kinds/kinds.c two levels up) finds the kinds' files where
 * they are kept, aggregator/kinds/KIND/web, so tests and the demo serve
 * the checkout as it is.  /static/chart.js is
 * Debian's Chart.js (libjs-chart.js), else a chart.js beside the files.
 * /views.json tells the pages which views exist: the generic ones, then
 * each kind's, from the kinds' table.  /KIND.html?id=ID (a subject's
 * page by its kind's name, as Alertmanager's generatorURL has it)
 * redirects to the kind's item page.  Names are plain (letters, digits,
 * '.', '_', '-', no leading dot): nothing outside the root is served.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "log.h"
#include "jwrite.h"
#include "kind.h"
#include "http_int.h"

static const struct {
	const char	*ext;
	const char	*type;
} http_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static const char *
type_of(const char *name)
{
	size_t i, n = strlen(name), e;

	for (i = 0; i < sizeof(http_types) / sizeof(http_types[0]); i++) {
		e = strlen(http_types[i].ext);
		if (n > e && strcmp(name + n - e, http_types[i].ext) == 0)
			return http_types[i].type;
	}
	return "application/octet-stream";
}

static int
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64 || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Opens a regular file of at most HTTP_FILE_MAX; -1 otherwise. */
static int
open_file(const char *path, off_t *size)
{
	struct stat sb;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > HTTP_FILE_MAX) {
		close(fd);
		errno = EACCES;
		return -1;
	}
	*size = sb.st_size;
	return fd;
}

static void
send_file(struct agg_http *w, struct evhttp_request *req, int fd, off_t size,
    const char *name, const char *cache)
{
	struct evbuffer *b;

	if ((b = evbuffer_new()) == NULL) {
		close(fd);
		httpd_error(w->h, req, 500, "out of memory");
		return;
	}
	if (size > 0 && evbuffer_add_file(b, fd, 0, size) == -1) {
		evbuffer_free(b);
		httpd_error(w->h, req, 500, "cannot read %s", name);
		return;
	}
	if (size == 0)
		close(fd);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", cache);
	httpd_reply(w->h, req, 200, type_of(name), b);
	evbuffer_free(b);
}

/* Is the root aggregator/http/web of a source tree (kinds/kinds.c beside)? */
static int
in_source_tree(const struct agg_http *w)
{
	char fn[4096];

	snprintf(fn, sizeof(fn), "%s/../../kinds/kinds.c", w->root);
	return access(fn, R_OK) == 0;
}

static const struct agg_kind *
web_kind(const char *name, size_t n)
{
	size_t k;

	for (k = 0; agg_kind_table[k] != NULL; k++)
		if (agg_kind_table[k]->web != NULL &&
		    strlen(agg_kind_table[k]->name) == n &&
		    strncmp(agg_kind_table[k]->name, name, n) == 0)
			return agg_kind_table[k];
	return NULL;
}

/*
 * /KIND.html?id=ID, the page of one subject by its kind's name (the
 * generatorURL Alertmanager gets, docs/alerts.md): a redirect to the
 * kind's item page; /node.html?id=NODE to the nodes view.  -1: not one.
 */
static int
http_alias(struct agg_http *w, struct evhttp_request *req, const char *path)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	const struct agg_kind *kd;
	const char *dot;
	char to[1024];
	size_t n;

	if ((dot = strrchr(path, '.')) == NULL || strcmp(dot, ".html") != 0 ||
	    strchr(path + 1, '/') != NULL)
		return -1;
	n = (size_t)(dot - path - 1);
	if (n == 4 && strncmp(path + 1, "node", 4) == 0)
		snprintf(to, sizeof(to), "/nodes.html%s%s", q ? "?" : "",
		    q ? q : "");
	else if ((kd = web_kind(path + 1, n)) != NULL && kd->web->item != NULL)
		snprintf(to, sizeof(to), "/kinds/%s/%s%s%s", kd->name,
		    kd->web->item, q ? "?" : "", q ? q : "");
	else
		return -1;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
	    to);
	httpd_error(w->h, req, 301, "see %s", to);
	return 0;
}

void
http_static(struct agg_http *w, struct evhttp_request *req, const char *path)
{
	const struct agg_kind *kd = NULL;
	const char *file, *kname = NULL, *slash;
	char fn[4096];
	off_t size;
	int fd = -1;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	if (http_alias(w, req, path) == 0)
		return;
	file = path + 1;
	if (strncmp(file, "kinds/", 6) == 0) {
		kname = file + 6;
		if ((slash = strchr(kname, '/')) == NULL ||
		    (kd = web_kind(kname, (size_t)(slash - kname))) == NULL) {
			httpd_error(w->h, req, 404, "no such view");
			return;
		}
		file = slash + 1;
	}
	if (!name_ok(file, strlen(file))) {
		httpd_error(w->h, req, 404, "no such file");
		return;
	}
	if (kd != NULL) {
		snprintf(fn, sizeof(fn), "%s/kinds/%s/%s", w->root, kd->name,
		    file);
		if ((fd = open_file(fn, &size)) == -1 && in_source_tree(w)) {
			snprintf(fn, sizeof(fn), "%s/../../kinds/%s/web/%s",
			    w->root, kd->name, file);
			fd = open_file(fn, &size);
		}
	} else {
		snprintf(fn, sizeof(fn), "%s/%s", w->root, file);
		fd = open_file(fn, &size);
	}
	if (fd == -1) {
		log_debug("http: %s: %s", fn, strerror(errno));
		httpd_error(w->h, req, 404, "no such file");
		return;
	}
	send_file(w, req, fd, size, file, "no-cache");
}

void
http_chartjs(struct agg_http *w, struct evhttp_request *req)
{
	char fn[4096];
	off_t size;
	int fd;

	if ((fd = open_file(STRATA_CHARTJS, &size)) == -1) {
		snprintf(fn, sizeof(fn), "%s/chart.js", w->root);
		fd = open_file(fn, &size);
	}
	if (fd == -1) {
		httpd_error(w->h, req, 404, "Chart.js is not installed "
		    "(Debian: apt-get install libjs-chart.js)");
		return;
	}
	send_file(w, req, fd, size, "chart.js", "max-age=3600");
}

static void
view(struct json_object *arr, const char *kind, const char *title,
    const char *page, const char *item)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", kind ? json_object_new_string(kind) :
	    NULL);
	json_object_object_add(o, "title", json_object_new_string(title));
	json_object_object_add(o, "page", json_object_new_string(page));
	json_object_object_add(o, "item", item ? json_object_new_string(item) :
	    NULL);
	json_object_array_add(arr, o);
}

void
http_views(struct agg_http *w, struct evhttp_request *req)
{
	const struct agg_kind *kd;
	struct json_object *o, *arr;
	struct evbuffer *b;
	char page[256], item[256], *s;
	size_t k, n;

	o = json_object_new_object();
	arr = json_object_new_array();
	view(arr, NULL, "Overview", "/", NULL);
	for (k = 0; (kd = agg_kind_table[k]) != NULL; k++) {
		if (kd->web == NULL)
			continue;
		snprintf(page, sizeof(page), "/kinds/%s/%s", kd->name,
		    kd->web->list);
		if (kd->web->item != NULL)
			snprintf(item, sizeof(item), "/kinds/%s/%s", kd->name,
			    kd->web->item);
		view(arr, kd->name, kd->web->title, page,
		    kd->web->item != NULL ? item : NULL);
	}
	view(arr, "node", "Nodes", "/nodes.html", NULL);
	view(arr, NULL, "Alerts", "/alerts.html", NULL);
	json_object_object_add(o, "views", arr);
	snprintf(page, sizeof(page), "%s/chart.js", w->root);
	json_object_object_add(o, "chartjs",
	    json_object_new_boolean(access(STRATA_CHARTJS, R_OK) == 0 ||
	    access(page, R_OK) == 0));
	json_object_object_add(o, "version", json_object_new_string(
#ifdef STRATA_VERSION
	    STRATA_VERSION
#else
	    "unknown"
#endif
	    ));
	if ((b = evbuffer_new()) == NULL || (s = jwrite_dup(o, &n)) == NULL) {
		if (b != NULL)
			evbuffer_free(b);
		json_object_put(o);
		httpd_error(w->h, req, 500, "out of memory");
		return;
	}
	evbuffer_add(b, s, n);
	free(s);
	json_object_put(o);
	httpd_reply(w->h, req, 200, "application/json", b);
	evbuffer_free(b);
}
