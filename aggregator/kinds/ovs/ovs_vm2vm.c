/*
 * ovs_vm2vm.c: `ovs vm2vm`, the latency between VMs on two nodes from
 * the sampled packets (ovs_samples).  Every node samples the same
 * packets (by their hash), so a packet that came in from a port on one
 * node and went out to a port on another pairs up by its hash; the time
 * between, on the aggregator's clock (each node's clock_offset_ns taken
 * off), is its latency from one VM's tap to the other's.  The pairs of
 * each (source port, destination port) make one histogram (lib/loghist.c,
 * read as `ovs` reads the windows'), and each port its VM and Neutron
 * port from the OVSDB port map.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <json-c/json.h>

#include "log.h"
#include "kind.h"
#include "store_kind.h"
#include "loghist.h"
#include "ovs_store.h"

/* (src node, bridge, port, dst node, bridge, port): the columns 0 to 5. */
#define KEY_COLS	6

struct pair_key {
	char	 v[KEY_COLS][256];
};

static int
key_is(const struct pair_key *key, sqlite3_stmt *st)
{
	const unsigned char *t;
	int i;

	for (i = 0; i < KEY_COLS; i++)
		if ((t = sqlite3_column_text(st, i)) == NULL ||
		    strcmp(key->v[i], (const char *)t) != 0)
			return 0;
	return 1;
}

static void
key_of(struct pair_key *key, sqlite3_stmt *st)
{
	const unsigned char *t;
	int i;

	for (i = 0; i < KEY_COLS; i++) {
		t = sqlite3_column_text(st, i);
		snprintf(key->v[i], sizeof(key->v[i]), "%s",
		    t != NULL ? (const char *)t : "");
	}
}

/* side_node, side_bridge, side_port, side_vm and side_neutron_port. */
static int
add_side(struct store *s, struct ovs_kind *k, struct json_object *o,
    const char *side, const char *node, const char *bridge, const char *port)
{
	struct json_object *vm = NULL, *np = NULL;
	sqlite3_stmt *st = ovs_stmt(k, OST_PORT_VM);
	char name[40];
	int r;

	store_bind_str(st, 1, node);
	store_bind_str(st, 2, bridge);
	store_bind_str(st, 3, port);
	if ((r = store_row(s, st, "ovs vm2vm port")) == 1) {
		vm = store_json_col(st, 0);
		np = store_json_col(st, 1);
	}
	sqlite3_reset(st);
	snprintf(name, sizeof(name), "%s_node", side);
	json_object_object_add(o, name, json_object_new_string(node));
	snprintf(name, sizeof(name), "%s_bridge", side);
	json_object_object_add(o, name, json_object_new_string(bridge));
	snprintf(name, sizeof(name), "%s_port", side);
	json_object_object_add(o, name, json_object_new_string(port));
	snprintf(name, sizeof(name), "%s_vm", side);
	json_object_object_add(o, name, vm);
	snprintf(name, sizeof(name), "%s_neutron_port", side);
	json_object_object_add(o, name, np);
	return r == -1 ? -1 : 0;
}

/* One pair of ports and its histogram into arr. */
static int
pair_add(struct store *s, struct ovs_kind *k, struct json_object *arr,
    const struct pair_key *key, const struct loghist *h)
{
	struct json_object *o = json_object_new_object();

	json_object_array_add(arr, o);
	if (add_side(s, k, o, "src", key->v[0], key->v[1], key->v[2]) == -1 ||
	    add_side(s, k, o, "dst", key->v[3], key->v[4], key->v[5]) == -1)
		return -1;
	ovs_add_pcts(o, h, 0);
	return 0;
}

/* since_ns, but no earlier than OVS_VM2VM_SPAN_NS before the newest sample. */
static int
since_of(struct store *s, struct ovs_kind *k, int64_t since_ns, int64_t *out)
{
	sqlite3_stmt *st = ovs_stmt(k, OST_SAMPLES_NEWEST);
	int64_t newest;
	int r;

	*out = since_ns;
	if ((r = store_row(s, st, "ovs vm2vm newest")) == 1 &&
	    (newest = store_col_i64(st, 0)) != STORE_NONE &&
	    newest - OVS_VM2VM_SPAN_NS > since_ns)
		*out = newest - OVS_VM2VM_SPAN_NS;
	sqlite3_reset(st);
	return r == -1 ? -1 : 0;
}

/* The pairs come sorted by their ports: each run of a key is one row. */
static int
pairs_read(struct store *s, struct ovs_kind *k, sqlite3_stmt *st,
    struct json_object *arr, struct loghist *h, unsigned *n)
{
	struct pair_key key;
	int r, have = 0;

	for (*n = 0;; (*n)++) {
		r = store_row(s, st, "ovs vm2vm");
		if (have && (r != 1 || !key_is(&key, st))) {
			if (pair_add(s, k, arr, &key, h) == -1)
				return -1;
			lh_clear(h);
			have = 0;
		}
		if (r != 1)
			return r;
		if (!have) {
			key_of(&key, st);
			have = 1;
		}
		lh_add(h, (uint64_t)sqlite3_column_int64(st, 6));
	}
}

struct json_object *
store_q_ovs_vm2vm(struct store *s, const char *src, const char *dst,
    int64_t since_ns, const char **err)
{
	struct json_object *arr;
	struct ovs_kind *k;
	struct loghist *h;
	sqlite3_stmt *st;
	int64_t since;
	unsigned n = 0;
	int r;

	*err = NULL;
	if ((k = ovs_state(s, err)) == NULL)
		return NULL;
	if (since_of(s, k, since_ns, &since) == -1) {
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		*err = "out of memory";
		return NULL;
	}
	arr = json_object_new_array();
	st = ovs_stmt(k, OST_VM2VM);
	store_bind_str(st, 1, src);
	store_bind_str(st, 2, dst);
	sqlite3_bind_int64(st, 3, since);
	sqlite3_bind_int64(st, 4, OVS_VM2VM_MAX_NS);
	sqlite3_bind_int64(st, 5, OVS_VM2VM_MAX_PAIRS);
	r = pairs_read(s, k, st, arr, h, &n);
	sqlite3_reset(st);
	free(h);
	if (r == -1) {
		json_object_put(arr);
		*err = store_err(s, "store: %s", sqlite3_errmsg(store_db(s)));
		return NULL;
	}
	if (n >= OVS_VM2VM_MAX_PAIRS && ovs_cap_first(k))
		log_warnx("ovs vm2vm: %d pairs of samples, its cap: the pairs "
		    "past them (by node and port) are left out; ask with src:, "
		    "dst: or since: (logged once)", OVS_VM2VM_MAX_PAIRS);
	return arr;
}
