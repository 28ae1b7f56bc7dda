/*
 * source_class.c: the event source's per-event work (see source.c for the
 * graph).  What is slow in babeltrace2 is looking things up by name, so
 * everything about an event class (its name, which analyzers want it and
 * their plans, where its payload members, vpid/vtid and the packet's cpu_id
 * are) is resolved once and cached by class pointer, with a reference held
 * so the pointer cannot be reused; per event only values are copied into a
 * struct ev, and only of the members some analyzer's plan reads (all of
 * them when a hook or the debug log wants the whole event).  An event no
 * analyzer wants costs one cache lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <babeltrace2/babeltrace.h>

#include "log.h"
#include "source_int.h"

#define CACHE_MIN	64		/* initial class cache slots, power of 2 */

enum fkind {
	FK_INT,
	FK_UINT,
	FK_FLOAT,
	FK_DOUBLE,
	FK_STR,
	FK_BOOL,
	FK_BITS,
};

struct cls_field {
	uint64_t	 index;		/* member index in the payload structure */
	const char	*name;		/* owned by the event class */
	enum fkind	 kind;
};

/* Everything about one event class, resolved once. */
struct cls_info {
	const bt_event_class	*cls;		/* key; we hold a reference */
	const char		*name;
	unsigned		 wanted;	/* analyzers that want it */
	int			 has_clock;
	int64_t			 vpid_idx;	/* in the common context, or -1 */
	int64_t			 vtid_idx;
	int			 vpid_signed;
	int			 vtid_signed;
	int64_t			 cpu_idx;	/* cpu_id in the packet context, or -1 */
	int			 cpu_signed;
	unsigned		 nfields;
	unsigned		 dropped;	/* decodable fields past EV_MAX_FIELDS */
	struct cls_field	 f[EV_MAX_FIELDS];
	struct ev_plan		 plans[];	/* an_set_count() of them */
};

static enum fkind
field_kind(const bt_field_class *fc, int *ok)
{
	bt_field_class_type t = bt_field_class_get_type(fc);

	*ok = 1;
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
		return FK_INT;		/* also signed enumerations */
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
		return FK_UINT;
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL))
		return FK_FLOAT;
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_DOUBLE_PRECISION_REAL))
		return FK_DOUBLE;
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_STRING))
		return FK_STR;
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_BOOL))
		return FK_BOOL;
	if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_BIT_ARRAY))
		return FK_BITS;
	*ok = 0;		/* arrays, structures, variants: not decoded */
	return FK_UINT;
}

/* One copy of each name for the source's lifetime (rare: per class). */
static const char *
source_name(struct source *src, const char *s)
{
	struct source_name *n;
	size_t len;

	if (s == NULL)
		s = "";
	for (n = src->names; n != NULL; n = n->next)
		if (strcmp(n->s, s) == 0)
			return n->s;
	len = strlen(s) + 1;
	if ((n = malloc(sizeof(*n) + len)) == NULL) {
		log_warn("%s: malloc", __func__);
		return "";
	}
	memcpy(n->s, s, len);
	n->next = src->names;
	src->names = n;
	return n->s;
}

void
source_names_free(struct source *src)
{
	struct source_name *n;

	while ((n = src->names) != NULL) {
		src->names = n->next;
		free(n);
	}
}

/* Finds an integer member of the common context by name. */
static int64_t
context_member(const bt_field_class *ctx, const char *name, int *is_signed)
{
	const bt_field_class_structure_member *m;
	const bt_field_class *fc;
	bt_field_class_type t;
	uint64_t i, n;

	if (ctx == NULL)
		return -1;
	n = bt_field_class_structure_get_member_count(ctx);
	for (i = 0; i < n; i++) {
		m = bt_field_class_structure_borrow_member_by_index_const(ctx, i);
		if (strcmp(bt_field_class_structure_member_get_name(m),
		    name) != 0)
			continue;
		fc = bt_field_class_structure_member_borrow_field_class_const(m);
		t = bt_field_class_get_type(fc);
		if (!bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER))
			return -1;
		*is_signed = bt_field_class_type_is(t,
		    BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
		return (int64_t)i;
	}
	return -1;
}

/*
 * Keeps in ci->f only the members some plan reads, in their order, and
 * points the plans at their new places: the other members are never
 * decoded.
 */
static void
cls_trim(struct cls_info *ci, unsigned nan)
{
	int8_t at[EV_MAX_FIELDS];
	struct ev_plan *p;
	unsigned a, s, i, n = 0;

	memset(at, -1, sizeof(at));
	for (a = 0; a < nan; a++) {
		p = &ci->plans[a];
		if (p->code == AN_CODE_NONE)
			continue;
		for (s = 0; s < EV_PLAN_SLOTS; s++)
			if (p->idx[s] >= 0 && (unsigned)p->idx[s] < ci->nfields)
				at[p->idx[s]] = 0;
	}
	for (i = 0; i < ci->nfields; i++)
		if (at[i] == 0) {
			at[i] = (int8_t)n;
			ci->f[n++] = ci->f[i];
		}
	for (a = 0; a < nan; a++) {
		p = &ci->plans[a];
		for (s = 0; s < EV_PLAN_SLOTS; s++)
			if (p->idx[s] >= 0)
				p->idx[s] = (unsigned)p->idx[s] < ci->nfields ?
				    at[p->idx[s]] : -1;
	}
	ci->nfields = n;
}

static struct cls_info *
cls_resolve(struct source *src, const bt_event_class *cls)
{
	const bt_stream_class *sc;
	const bt_field_class *payload, *fc;
	const bt_field_class_structure_member *m;
	const char *names[EV_MAX_FIELDS];
	struct cls_info *ci;
	uint64_t i, n;
	int ok;

	ci = calloc(1, sizeof(*ci) + src->nan * sizeof(ci->plans[0]));
	if (ci == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	bt_event_class_get_ref(cls);
	ci->cls = cls;
	ci->name = source_name(src, bt_event_class_get_name(cls));
	sc = bt_event_class_borrow_stream_class_const(cls);
	ci->has_clock = bt_stream_class_borrow_default_clock_class_const(sc)
	    != NULL;
	fc = bt_stream_class_borrow_event_common_context_field_class_const(sc);
	ci->vpid_idx = context_member(fc, "vpid", &ci->vpid_signed);
	ci->vtid_idx = context_member(fc, "vtid", &ci->vtid_signed);
	fc = bt_stream_class_borrow_packet_context_field_class_const(sc);
	ci->cpu_idx = context_member(fc, "cpu_id", &ci->cpu_signed);

	payload = bt_event_class_borrow_payload_field_class_const(cls);
	n = payload != NULL ? bt_field_class_structure_get_member_count(
	    payload) : 0;
	for (i = 0; i < n; i++) {
		m = bt_field_class_structure_borrow_member_by_index_const(
		    payload, i);
		fc = bt_field_class_structure_member_borrow_field_class_const(m);
		if (ci->nfields == EV_MAX_FIELDS) {
			(void)field_kind(fc, &ok);
			ci->dropped += ok;
			continue;
		}
		ci->f[ci->nfields].kind = field_kind(fc, &ok);
		if (!ok)
			continue;
		ci->f[ci->nfields].index = i;
		ci->f[ci->nfields].name = source_name(src,
		    bt_field_class_structure_member_get_name(m));
		names[ci->nfields] = ci->f[ci->nfields].name;
		ci->nfields++;
	}
	/* The plans index ev->f, which is filled in ci->f's order. */
	ci->wanted = an_set_classify(src->set, ci->name, names, ci->nfields,
	    ci->plans);
	if (src->hook == NULL && log_getdebug() == 0)
		cls_trim(ci, src->nan);
	if (ci->dropped > 0)
		log_warnx("%s: %u field(s) past the first %d not decoded",
		    ci->name, ci->dropped, EV_MAX_FIELDS);
	/* Kernel events (no provider) name their threads in their fields. */
	if (ci->wanted > 0 && ci->vpid_idx < 0 && !src->warned_vpid &&
	    strchr(ci->name, ':') != NULL) {
		src->warned_vpid = 1;
		log_warnx("%s: events have no vpid context: the events of "
		    "different processes cannot be told apart (VMs are told "
		    "apart only by what their events name); run `lttng "
		    "add-context -u -t vpid -t vtid` on the session's channel "
		    "before it starts", ci->name);
	}
	src->st.classes++;
	log_debug("class %s: %u analyzer(s), %u field(s)%s%s", ci->name,
	    ci->wanted, ci->nfields, ci->vpid_idx >= 0 ? ", vpid" : "",
	    ci->cpu_idx >= 0 ? ", cpu_id" : "");
	return ci;
}

static size_t
cache_slot(const void *p, size_t size)
{
	uintptr_t h = (uintptr_t)p;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 7) & (size - 1);
}

static int
cache_grow(struct source *src)
{
	struct cls_info **old = src->cache, **tab;
	size_t oldsize = src->cache_size, size, i, j;

	size = oldsize == 0 ? CACHE_MIN : oldsize * 2;
	if ((tab = calloc(size, sizeof(*tab))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	for (i = 0; i < oldsize; i++) {
		if (old[i] == NULL)
			continue;
		for (j = cache_slot(old[i]->cls, size); tab[j] != NULL;
		    j = (j + 1) & (size - 1))
			;
		tab[j] = old[i];
	}
	free(old);
	src->cache = tab;
	src->cache_size = size;
	return 0;
}

static struct cls_info *
cache_get(struct source *src, const bt_event_class *cls)
{
	struct cls_info *ci;
	size_t i;

	/* Runs of one class are the common case (sched_switch). */
	if (src->last_ci != NULL && src->last_ci->cls == cls)
		return src->last_ci;
	if (src->cache_size != 0) {
		for (i = cache_slot(cls, src->cache_size);
		    (ci = src->cache[i]) != NULL;
		    i = (i + 1) & (src->cache_size - 1))
			if (ci->cls == cls)
				return src->last_ci = ci;
	}
	if (2 * (src->cache_used + 1) > src->cache_size &&
	    cache_grow(src) == -1)
		return NULL;
	if ((ci = cls_resolve(src, cls)) == NULL)
		return NULL;
	for (i = cache_slot(cls, src->cache_size); src->cache[i] != NULL;
	    i = (i + 1) & (src->cache_size - 1))
		;
	src->cache[i] = ci;
	src->cache_used++;
	return src->last_ci = ci;
}

void
source_cache_clear(struct source *src)
{
	size_t i;

	for (i = 0; i < src->cache_size; i++) {
		if (src->cache[i] == NULL)
			continue;
		bt_event_class_put_ref(src->cache[i]->cls);
		free(src->cache[i]);
	}
	free(src->cache);
	src->cache = NULL;
	src->last_ci = NULL;
	bt_packet_put_ref(src->last_packet);
	src->last_packet = NULL;
	src->cache_size = src->cache_used = 0;
}

static int64_t
int_member(const bt_field *st, int64_t idx, int is_signed)
{
	const bt_field *f;

	if (st == NULL || idx < 0)
		return -1;
	f = bt_field_structure_borrow_member_field_by_index_const(st,
	    (uint64_t)idx);
	if (is_signed)
		return bt_field_integer_signed_get_value(f);
	return (int64_t)bt_field_integer_unsigned_get_value(f);
}

/* The plan's fields, in ci's order (at most EV_MAX_FIELDS: cls_resolve). */
static void
decode_fields(const struct cls_info *ci, const bt_field *payload,
    struct ev *ev)
{
	const struct cls_field *cf;
	struct ev_field *o;
	const bt_field *f;
	const char *s;
	unsigned i;

	for (i = 0; i < ci->nfields; i++) {
		cf = &ci->f[i];
		o = &ev->f[i];
		o->name = cf->name;
		f = bt_field_structure_borrow_member_field_by_index_const(
		    payload, cf->index);
		switch (cf->kind) {
		case FK_INT:
			o->type = EVF_INT;
			o->v.i = bt_field_integer_signed_get_value(f);
			break;
		case FK_UINT:
			o->type = EVF_UINT;
			o->v.u = bt_field_integer_unsigned_get_value(f);
			break;
		case FK_FLOAT:
			o->type = EVF_DOUBLE;
			o->v.d = bt_field_real_single_precision_get_value(f);
			break;
		case FK_DOUBLE:
			o->type = EVF_DOUBLE;
			o->v.d = bt_field_real_double_precision_get_value(f);
			break;
		case FK_STR:
			s = bt_field_string_get_value(f);
			o->type = EVF_STR;
			o->v.s = s != NULL ? s : "";
			break;
		case FK_BOOL:
			o->type = EVF_UINT;
			o->v.u = bt_field_bool_get_value(f);
			break;
		case FK_BITS:
			o->type = EVF_UINT;
			o->v.u = bt_field_bit_array_get_value_as_integer(f);
			break;
		}
	}
	ev->nfields = ci->nfields;
}

/*
 * The packet's cpu_id; consecutive events mostly share a packet.  The
 * cached packet is referenced, so its address cannot come back as another.
 */
static int
packet_cpu(struct source *src, const bt_event *event,
    const struct cls_info *ci)
{
	const bt_packet *pkt = bt_event_borrow_packet_const(event);

	if (pkt == NULL)
		return -1;
	if (pkt != src->last_packet) {
		bt_packet_get_ref(pkt);
		bt_packet_put_ref(src->last_packet);
		src->last_packet = pkt;
		src->last_cpu = (int)int_member(
		    bt_packet_borrow_context_field_const(pkt), ci->cpu_idx,
		    ci->cpu_signed);
	}
	return src->last_cpu;
}

static void
log_event(const struct ev *ev, unsigned wanted)
{
	char buf[1024];
	size_t len = 0;
	unsigned i;
	int r;

	buf[0] = '\0';
	for (i = 0; i < ev->nfields && len < sizeof(buf); i++) {
		const struct ev_field *f = &ev->f[i];

		switch (f->type) {
		case EVF_INT:
			r = snprintf(buf + len, sizeof(buf) - len, " %s=%lld",
			    f->name, (long long)f->v.i);
			break;
		case EVF_UINT:
			r = snprintf(buf + len, sizeof(buf) - len, " %s=%llu",
			    f->name, (unsigned long long)f->v.u);
			break;
		case EVF_DOUBLE:
			r = snprintf(buf + len, sizeof(buf) - len, " %s=%g",
			    f->name, f->v.d);
			break;
		default:
			r = snprintf(buf + len, sizeof(buf) - len, " %s=\"%s\"",
			    f->name, f->v.s);
			break;
		}
		if (r < 0)
			break;
		len += (size_t)r;
	}
	log_debug("%s %s t=%llu vpid=%lld vtid=%lld cpu=%d%s",
	    wanted > 0 ? "dispatch" : "event", ev->name,
	    (unsigned long long)ev->t_ns, (long long)ev->vpid,
	    (long long)ev->vtid, ev->cpu, buf);
}

static int
handle_event(struct source *src, const bt_message *msg)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	const bt_clock_snapshot *cs;
	const bt_field *ctx;
	struct cls_info *ci;
	struct ev ev;
	int64_t ns;
	int dbg = log_getdebug();

	src->st.events++;
	src->run_events++;
	if ((ci = cache_get(src, bt_event_borrow_class_const(event))) == NULL)
		return -1;
	/* -dd logs every event, so it decodes them all. */
	if (ci->wanted == 0 && src->hook == NULL && dbg < 2)
		return 0;

	ev.name = ci->name;
	ev.t_ns = 0;
	ev.code = AN_CODE_NONE;
	ev.plan = NULL;
	ev.nfields = 0;
	ev.cpu = -1;
	if (ci->has_clock) {
		cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
		if (bt_clock_snapshot_get_ns_from_origin(cs, &ns) ==
		    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK && ns > 0)
			ev.t_ns = (uint64_t)ns;
	}
	ctx = ci->vpid_idx >= 0 || ci->vtid_idx >= 0 ?
	    bt_event_borrow_common_context_field_const(event) : NULL;
	ev.vpid = int_member(ctx, ci->vpid_idx, ci->vpid_signed);
	ev.vtid = int_member(ctx, ci->vtid_idx, ci->vtid_signed);
	if (ci->cpu_idx >= 0)
		ev.cpu = packet_cpu(src, event, ci);
	if (ci->nfields > 0)
		decode_fields(ci, bt_event_borrow_payload_field_const(event),
		    &ev);
	src->st.fields_dropped += ci->dropped;

	if (src->hook != NULL)
		src->hook(src->hook_arg, &ev);
	if (dbg > 1 || (ci->wanted > 0 && dbg))
		log_event(&ev, ci->wanted);
	if (ci->wanted == 0)
		return 0;
	src->dispatch(src->dispatch_arg, &ev, ci->plans);
	src->st.dispatched++;
	return 0;
}

static void
handle_discarded(struct source *src, const bt_message *msg, int packets)
{
	uint64_t count = 1;	/* "some" when the tracer cannot tell */

	if (packets) {
		if (bt_message_discarded_packets_get_count(msg, &count) !=
		    BT_PROPERTY_AVAILABILITY_AVAILABLE)
			count = 1;
		src->st.discarded_packets += count;
	} else {
		if (bt_message_discarded_events_get_count(msg, &count) !=
		    BT_PROPERTY_AVAILABILITY_AVAILABLE)
			count = 1;
		src->st.discarded_events += count;
	}
	log_debug("%s: %llu %s discarded by the tracer", src->input,
	    (unsigned long long)count, packets ? "packets" : "events");
}

bt_graph_simple_sink_component_consume_func_status
source_consume(bt_message_iterator *it, void *arg)
{
	struct source *src = arg;
	bt_message_array_const msgs;
	uint64_t i, n;
	int failed = 0;

	switch (bt_message_iterator_next(it, &msgs, &n)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (i = 0; i < n; i++) {
		switch (bt_message_get_type(msgs[i])) {
		case BT_MESSAGE_TYPE_EVENT:
			if (!failed && handle_event(src, msgs[i]) == -1)
				failed = 1;
			break;
		case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
			handle_discarded(src, msgs[i], 0);
			break;
		case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
			handle_discarded(src, msgs[i], 1);
			break;
		default:
			break;
		}
		bt_message_put_ref(msgs[i]);
	}
	src->run_batches++;
	if (failed)
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}
