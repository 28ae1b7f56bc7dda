/*
 * source.c: the event source on babeltrace2 (see source.h).
 *
 * One graph for both inputs: src.ctf.lttng-live (one URL) or src.ctf.fs
 * (every trace directory found under the input, one component per logical
 * trace, every output port) -> filter.utils.muxer -> a simple sink whose
 * consume function (source_class.c) pulls message arrays and decodes
 * events.
 *
 * An lttng-live iterator does not survive its relayd going away: on any
 * live error the graph is dropped and rebuilt later with a capped
 * exponential backoff; the analyzers keep their state across rebuilds.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <babeltrace2/babeltrace.h>

#include "log.h"
#include "source_int.h"

#define RETRY_MIN_MS	250
#define RETRY_MAX_MS	10000

/*
 * Turns the thread's babeltrace2 error into one line in src->err.  Cause 0
 * is the root cause; causes from the library itself describe internals
 * (addresses, class names), so the first one from a component is used.
 */
static void
take_error(struct source *src, const char *what)
{
	const bt_error *error;
	const bt_error_cause *cause;
	const char *msg, *mod, *pick = NULL;
	uint64_t i, n;

	error = bt_current_thread_take_error();
	n = error != NULL ? bt_error_get_cause_count(error) : 0;
	for (i = 0; i < n; i++) {
		cause = bt_error_borrow_cause_by_index(error, i);
		msg = bt_error_cause_get_message(cause);
		mod = bt_error_cause_get_module_name(cause);
		if (msg == NULL || *msg == '\0')
			continue;
		if (pick == NULL)
			pick = msg;
		if (mod == NULL || strcmp(mod, "libbabeltrace2") != 0) {
			pick = msg;
			break;
		}
	}
	if (pick != NULL)
		snprintf(src->err, sizeof(src->err), "%s: %s: %s", src->input,
		    what, pick);
	else
		snprintf(src->err, sizeof(src->err), "%s: %s", src->input,
		    what);
	/* Keep it one line: babeltrace2 messages may span several. */
	for (i = 0; src->err[i] != '\0'; i++)
		if (src->err[i] == '\n' || src->err[i] == '\t')
			src->err[i] = ' ';
	if (error != NULL)
		bt_error_release(error);
}

/* A source component's parameters: inputs = [in...]. */
static bt_value *
source_params(const struct source *src, char **in, size_t n)
{
	bt_value *params, *inputs;
	size_t i;

	if ((params = bt_value_map_create()) == NULL)
		return NULL;
	if (bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) !=
	    BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK)
		goto fail;
	for (i = 0; i < n; i++)
		if (bt_value_array_append_string_element(inputs, in[i]) !=
		    BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK)
			goto fail;
	/* Wait for a session that does not exist yet instead of failing. */
	if (src->live && bt_value_map_insert_string_entry(params,
	    "session-not-found-action", "continue") !=
	    BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK)
		goto fail;
	return params;
fail:
	bt_value_put_ref(params);
	return NULL;
}

/* A physical trace directory and the logical trace it belongs to. */
struct tdir {
	char	*path;
	char	*group;		/* trace UUID; NULL: a group of its own */
};

struct tdirs {
	struct tdir	*v;
	size_t		 n, cap;
};

static void
tdirs_free(struct tdirs *td)
{
	size_t i;

	for (i = 0; i < td->n; i++) {
		free(td->v[i].path);
		free(td->v[i].group);
	}
	free(td->v);
	memset(td, 0, sizeof(*td));
}

/*
 * Asks src.ctf.fs whether dir is a trace and which logical trace it is
 * part of (its UUID): the physical traces of one logical trace (session
 * rotation chunks) must be opened by one component.  1 yes, 0 no.
 */
static int
trace_group(const bt_component_class_source *cls, const char *dir,
    char **group)
{
	bt_query_executor *q = NULL;
	const bt_value *res = NULL, *w = NULL, *g = NULL;
	bt_value *params;
	int yes = 0;

	*group = NULL;
	if ((params = bt_value_map_create()) == NULL)
		return 0;
	if (bt_value_map_insert_string_entry(params, "input", dir) !=
	    BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK ||
	    bt_value_map_insert_string_entry(params, "type", "directory") !=
	    BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK)
		goto done;
	q = bt_query_executor_create(
	    bt_component_class_source_as_component_class_const(cls),
	    "babeltrace.support-info", params);
	if (q == NULL || bt_query_executor_query(q, &res) !=
	    BT_QUERY_EXECUTOR_QUERY_STATUS_OK)
		goto done;
	if (bt_value_is_map(res)) {
		w = bt_value_map_borrow_entry_value_const(res, "weight");
		g = bt_value_map_borrow_entry_value_const(res, "group");
	} else
		w = res;
	yes = w != NULL && bt_value_is_real(w) && bt_value_real_get(w) > 0;
	if (yes && g != NULL && bt_value_is_string(g))
		*group = strdup(bt_value_string_get(g));
done:
	bt_current_thread_clear_error();
	bt_value_put_ref(res);
	bt_query_executor_put_ref(q);
	bt_value_put_ref(params);
	return yes;
}

/* Every trace directory under path: those that hold a metadata file. */
static int
find_traces(const bt_component_class_source *cls, const char *path,
    int depth, struct tdirs *td)
{
	struct dirent *de;
	struct stat sb;
	struct tdir *v;
	char sub[PATH_MAX];
	int has_meta = 0;
	DIR *d;

	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (strcmp(de->d_name, "metadata") == 0) {
			has_meta = 1;
			continue;
		}
		if (depth >= 16 || (size_t)snprintf(sub, sizeof(sub), "%s/%s",
		    path, de->d_name) >= sizeof(sub))
			continue;
		if (de->d_type == DT_DIR || (de->d_type == DT_UNKNOWN &&
		    stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode)))
			find_traces(cls, sub, depth + 1, td);
	}
	closedir(d);
	if (!has_meta)
		return 0;
	if (td->n == td->cap) {
		td->cap = td->cap ? td->cap * 2 : 8;
		if ((v = reallocarray(td->v, td->cap, sizeof(*v))) == NULL)
			return -1;
		td->v = v;
	}
	if ((td->v[td->n].path = strdup(path)) == NULL)
		return -1;
	/* A directory src.ctf.fs refuses is still tried: its error says why. */
	trace_group(cls, path, &td->v[td->n].group);
	td->n++;
	return 0;
}

/* Adds one source component per input group, all connected to the muxer. */
static int
add_sources(struct source *src, const bt_component_class_source *cls,
    const bt_component_filter *mux, bt_logging_level level)
{
	const bt_component_source *comp;
	const bt_port_input *in;
	struct tdirs td = { NULL, 0, 0 };
	struct stat sb;
	bt_value *params;
	char *group[1], **inputs = NULL, name[32];
	size_t i, j, k, ncomp = 0;
	uint64_t p, nports;
	int rv = -1;

	if (src->live) {
		group[0] = src->input;
		inputs = group;
		td.n = 1;
	} else {
		if (stat(src->input, &sb) == -1) {
			snprintf(src->err, sizeof(src->err), "%s: %s",
			    src->input, strerror(errno));
			return -1;
		}
		if (find_traces(cls, src->input, 0, &td) == -1 || td.n == 0) {
			snprintf(src->err, sizeof(src->err), "%s: %s",
			    src->input, td.n == 0 ? "not a CTF trace" :
			    strerror(errno));
			goto done;
		}
		if ((inputs = calloc(td.n, sizeof(*inputs))) == NULL)
			goto done;
	}
	for (i = 0; i < td.n; i++) {
		if (!src->live) {
			/* Group i, unless an earlier one took it. */
			for (j = 0; j < i; j++)
				if (td.v[i].group != NULL &&
				    td.v[j].group != NULL &&
				    strcmp(td.v[i].group, td.v[j].group) == 0)
					break;
			if (j < i)
				continue;
			for (k = 0, j = i; j < td.n; j++)
				if (j == i || (td.v[i].group != NULL &&
				    td.v[j].group != NULL &&
				    strcmp(td.v[i].group, td.v[j].group) == 0))
					inputs[k++] = td.v[j].path;
		} else
			k = 1;
		if ((params = source_params(src, inputs, k)) == NULL)
			goto done;
		snprintf(name, sizeof(name), "source%zu", ncomp++);
		if (bt_graph_add_source_component(src->graph, cls, name,
		    params, level, &comp) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
			bt_value_put_ref(params);
			take_error(src, src->live ? "cannot open live session" :
			    "cannot open trace");
			goto done;
		}
		bt_value_put_ref(params);
		nports = bt_component_source_get_output_port_count(comp);
		for (p = 0; p < nports; p++) {
			/* The muxer adds a free input port after each use. */
			in = bt_component_filter_borrow_input_port_by_index_const(
			    mux, bt_component_filter_get_input_port_count(mux) - 1);
			if (bt_graph_connect_ports(src->graph,
			    bt_component_source_borrow_output_port_by_index_const(
			    comp, p), in, NULL) !=
			    BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
				take_error(src, "cannot build graph");
				goto done;
			}
		}
		log_debug("%s: %s: %llu stream port(s)", src->input, name,
		    (unsigned long long)nports);
	}
	rv = 0;
done:
	if (!src->live) {
		free(inputs);
		tdirs_free(&td);
	}
	return rv;
}

static int
graph_build(struct source *src)
{
	const bt_component_class_source *src_cls;
	const bt_component_class_filter *mux_cls;
	const bt_component_filter *mux;
	const bt_component_sink *sink;
	bt_logging_level level;

	level = log_getdebug() > 1 ? BT_LOGGING_LEVEL_WARNING :
	    BT_LOGGING_LEVEL_NONE;
	src_cls = bt_plugin_borrow_source_component_class_by_name_const(
	    src->ctf, src->live ? "lttng-live" : "fs");
	mux_cls = bt_plugin_borrow_filter_component_class_by_name_const(
	    src->utils, "muxer");
	if (src_cls == NULL || mux_cls == NULL) {
		snprintf(src->err, sizeof(src->err),
		    "babeltrace2 component classes not found");
		return -1;
	}
	if ((src->graph = bt_graph_create(0)) == NULL) {
		take_error(src, "cannot create graph");
		return -1;
	}
	if (src->intr != NULL &&
	    bt_graph_add_interrupter(src->graph, src->intr) !=
	    BT_GRAPH_ADD_INTERRUPTER_STATUS_OK) {
		take_error(src, "cannot build graph");
		goto fail;
	}
	/* The muxer and sink first: sources connect to the muxer as added. */
	if (bt_graph_add_filter_component(src->graph, mux_cls, "muxer", NULL,
	    level, &mux) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_add_simple_sink_component(src->graph, "strata", NULL,
	    source_consume, NULL, src, &sink) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		take_error(src, "cannot build graph");
		goto fail;
	}
	if (add_sources(src, src_cls, mux, level) == -1)
		goto fail;
	if (bt_graph_connect_ports(src->graph,
	    bt_component_filter_borrow_output_port_by_index_const(mux, 0),
	    bt_component_sink_borrow_input_port_by_index_const(sink, 0),
	    NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		take_error(src, "cannot build graph");
		goto fail;
	}
	if (src->built++ > 0)
		src->st.rebuilds++;
	return 0;
fail:
	source_reset(src);
	return -1;
}

static void	source_dispatch_set(void *, struct ev *, const struct ev_plan *);

struct source *
source_create(const char *input, int live, struct an_set *set)
{
	struct source *src;

	if ((src = calloc(1, sizeof(*src))) == NULL ||
	    (src->input = strdup(input)) == NULL) {
		log_warn("%s: calloc", __func__);
		free(src);
		return NULL;
	}
	src->live = live;
	src->set = set;
	src->nan = an_set_count(set);
	src->dispatch = source_dispatch_set;
	src->dispatch_arg = set;
	src->retry_ms = RETRY_MIN_MS;
	src->over = SOURCE_PROGRESS;
	src->intr = bt_interrupter_create();
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE,
	    BT_FALSE, &src->ctf) != BT_PLUGIN_FIND_STATUS_OK ||
	    bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE,
	    BT_FALSE, &src->utils) != BT_PLUGIN_FIND_STATUS_OK) {
		bt_current_thread_clear_error();
		log_warnx("%s: babeltrace2 plugins ctf and utils not found",
		    __func__);
		source_destroy(src);
		return NULL;
	}
	return src;
}

void
source_destroy(struct source *src)
{
	if (src == NULL)
		return;
	source_reset(src);
	source_names_free(src);
	bt_interrupter_put_ref(src->intr);
	bt_plugin_put_ref(src->ctf);
	bt_plugin_put_ref(src->utils);
	free(src->input);
	free(src);
}

void
source_set_dispatch(struct source *src, source_dispatch_fn fn, void *arg)
{
	src->dispatch = fn;
	src->dispatch_arg = arg;
}

static void
source_dispatch_set(void *arg, struct ev *ev, const struct ev_plan *plans)
{
	an_set_event(arg, ev, plans);
}

void
source_set_hook(struct source *src, source_hook_fn fn, void *arg)
{
	src->hook = fn;
	src->hook_arg = arg;
}

void
source_interrupt(struct source *src)
{
	if (src->intr != NULL)
		bt_interrupter_set(src->intr);
}

void
source_reset(struct source *src)
{
	/* The cache holds class references: drop it with the graph. */
	source_cache_clear(src);
	bt_graph_put_ref(src->graph);
	src->graph = NULL;
}

/* Live: one log line when an outage starts and one when it ends. */
static void
live_state(struct source *src, int up)
{
	if (up && src->down) {
		log_info("%s: relayd reachable again, reading resumed",
		    src->input);
		src->down = 0;
		src->retry_ms = RETRY_MIN_MS;
	} else if (!up && !src->down) {
		log_warnx("relayd unreachable, retrying: %s", src->err);
		src->down = 1;
	}
}

/* Offline, an end or an error is final: a new graph would read it again. */
static enum source_status
run_over(struct source *src, enum source_status st)
{
	source_reset(src);
	if (st == SOURCE_ERROR)
		src->st.errors++;
	if (src->live) {
		if (st == SOURCE_ERROR)
			live_state(src, 0);
	} else
		src->over = st;
	return st;
}

enum source_status
source_run(struct source *src, unsigned budget)
{
	bt_graph_run_once_status st;

	if (src->over != SOURCE_PROGRESS)
		return src->over;
	src->err[0] = '\0';
	if (src->graph == NULL && graph_build(src) == -1)
		return run_over(src, SOURCE_ERROR);
	src->run_events = src->run_batches = 0;
	do {
		st = bt_graph_run_once(src->graph);
		switch (st) {
		case BT_GRAPH_RUN_ONCE_STATUS_OK:
			break;
		case BT_GRAPH_RUN_ONCE_STATUS_AGAIN:
			if (src->live)
				live_state(src, 1);
			return src->run_events > 0 ? SOURCE_PROGRESS :
			    SOURCE_AGAIN;
		case BT_GRAPH_RUN_ONCE_STATUS_END:
			return run_over(src, SOURCE_END);
		default:
			take_error(src, src->live ? "live session failed" :
			    "cannot read trace");
			return run_over(src, SOURCE_ERROR);
		}
		if (src->live)
			live_state(src, 1);
	} while (src->run_events < budget && src->run_batches < budget);
	return SOURCE_PROGRESS;
}

const char *
source_error(const struct source *src)
{
	return src->err[0] != '\0' ? src->err : "no error";
}

unsigned
source_retry_ms(struct source *src)
{
	unsigned ms = src->retry_ms;

	src->retry_ms = ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : ms * 2;
	return ms;
}

const struct source_stats *
source_stats(const struct source *src)
{
	return &src->st;
}

int
source_is_live(const struct source *src)
{
	return src->live;
}
