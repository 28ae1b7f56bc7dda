/*
 * test_ctl_store.c: a test double of daemon/store.h for the control socket
 * unit tests only (the daemon links the real store).  Queries return small
 * canned answers and record the last filter, so tests can check what the
 * command table passed down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct store {
	int	dummy;
};

static struct store	 the_store;
struct mig_filter	 dbl_last_filter;
char			 dbl_last_vm[128], dbl_last_node[128];
int			 dbl_last_firing;
uint64_t		 dbl_last_since;

struct store *
store_open(const char *path)
{
	return (&the_store);
}

void
store_close(struct store *s)
{
}

void
store_set_alert_cb(struct store *s, store_alert_cb cb, void *arg)
{
}

int
store_node_hello(struct store *s, const char *node, const char *agent_version,
    int64_t wall_ns, int64_t now_ns)
{
	return (0);
}

int
store_node_stats(struct store *s, const char *node, struct json_object *stats,
    int64_t now_ns)
{
	return (0);
}

int
store_records(struct store *s, const char *node, struct json_object *records,
    int64_t now_ns)
{
	return (0);
}

void
store_last_batch(struct store *s, struct store_batch_counts *c)
{
	memset(c, 0, sizeof(*c));
}

int
store_check_stale(struct store *s, int64_t now_ns, int64_t stale_ns)
{
	return (0);
}

struct json_object *
store_q_status(struct store *s, const char **err)
{
	return (json_tokener_parse("{\"nodes\":2,\"migrations\":1}"));
}

struct json_object *
store_q_nodes(struct store *s, const char **err)
{
	return (json_tokener_parse("[{\"node\":\"cmp1\",\"state\":\"up\"}]"));
}

struct json_object *
store_q_migrations(struct store *s, const struct mig_filter *f,
    const char **err)
{
	dbl_last_filter = *f;
	snprintf(dbl_last_vm, sizeof(dbl_last_vm), "%s", f->vm ? f->vm : "");
	snprintf(dbl_last_node, sizeof(dbl_last_node), "%s",
	    f->node ? f->node : "");
	dbl_last_filter.vm = dbl_last_filter.node = NULL;
	return (json_tokener_parse("[{\"id\":\"m1\",\"vm_uuid\":\"u1\","
	    "\"vm_name\":\"vm1\",\"src_node\":\"cmp1\",\"dst_node\":\"cmp2\","
	    "\"state\":\"active\",\"outcome\":null,\"verdict\":\"converging\","
	    "\"rounds\":3,\"downtime_ms\":null,\"total_ms\":null,"
	    "\"started_ns\":1,\"ended_ns\":null}]"));
}

struct json_object *
store_q_migration(struct store *s, const char *id, const char **err)
{
	if (strcmp(id, "m1") != 0)
		return (NULL);	/* no such migration: NULL, *err NULL */
	return (json_tokener_parse("{\"id\":\"m1\",\"rounds\":[]}"));
}

struct json_object *
store_q_alerts(struct store *s, int firing_only, uint64_t since_ns,
    unsigned limit, const char **err)
{
	dbl_last_firing = firing_only;
	dbl_last_since = since_ns;
	return (json_tokener_parse("[{\"id\":1,\"name\":\"migration.stalled\","
	    "\"state\":\"firing\"}]"));
}

int
store_alert_ack(struct store *s, int64_t id, const char **err)
{
	if (id != 1) {
		*err = "no firing alert with that id";
		return (-1);
	}
	return (0);
}
