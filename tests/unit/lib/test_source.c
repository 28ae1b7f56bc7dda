/*
 * test_source.c: the babeltrace2 event source on real inputs: a recorded
 * LTTng trace (tests/data/traces/qemu-mig) decodes to the events, times,
 * process ids, CPUs and fields that were traced; a directory that is not a
 * trace, a missing path and a truncated trace give a readable error or a
 * counted skip, never a crash.  Without a hook only the members some
 * analyzer's plan reads are decoded, and the plans still find them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer.h"
#include "log.h"
#include "source.h"
#include "tap.h"

#define TRACE_EVENTS	29
#define NSTREAMS	2

struct seen {
	unsigned	 n;
	unsigned	 states;		/* migrate_set_state */
	char		 first_state[32];
	char		 last_state[32];
	unsigned	 syncs;			/* migration_bitmap_sync_end */
	uint64_t	 dirty[8];
	unsigned	 pending_fields;	/* fields of migrate_pending */
	uint64_t	 pending_max;
	int64_t		 vm_stop_ret;
	char		 vm_name[64];
	int64_t		 qemu_pid;
	int64_t		 vpid;
	int		 vpid_same;
	int		 vtid_ok;
	int		 cpu_min, cpu_max;	/* packet context cpu_id */
	unsigned	 cpus[NSTREAMS];	/* events per CPU */
	uint64_t	 t_first, t_last;
	int		 t_sorted;
	uint64_t	 t_prev;
};

static void
hook(void *arg, const struct ev *ev)
{
	struct seen *s = arg;
	const char *str;
	uint64_t u;
	int64_t i;

	if (s->n == 0) {
		s->vpid = ev->vpid;
		s->vpid_same = 1;
		s->vtid_ok = ev->vtid > 0;
		s->cpu_min = s->cpu_max = ev->cpu;
		s->t_first = ev->t_ns;
		s->t_sorted = 1;
	} else {
		if (ev->vpid != s->vpid)
			s->vpid_same = 0;
		if (ev->t_ns < s->t_prev)
			s->t_sorted = 0;
	}
	s->t_prev = s->t_last = ev->t_ns;
	s->n++;
	if (ev->cpu < s->cpu_min)
		s->cpu_min = ev->cpu;
	if (ev->cpu > s->cpu_max)
		s->cpu_max = ev->cpu;
	if (ev->cpu >= 0 && ev->cpu < NSTREAMS)
		s->cpus[ev->cpu]++;
	if (strcmp(ev->name, "qemu:migrate_set_state") == 0 &&
	    (str = ev_str(ev, "new_state")) != NULL) {
		if (s->states++ == 0)
			snprintf(s->first_state, sizeof(s->first_state), "%s",
			    str);
		snprintf(s->last_state, sizeof(s->last_state), "%s", str);
	} else if (strcmp(ev->name, "qemu:migration_bitmap_sync_end") == 0 &&
	    ev_u64(ev, "dirty_pages", &u) == 0 && s->syncs < 8) {
		if (ev_field(ev, "dirty_pages")->type == EVF_UINT)
			s->dirty[s->syncs++] = u;
	} else if (strcmp(ev->name, "qemu:migrate_pending") == 0) {
		s->pending_fields = ev->nfields;
		ev_u64(ev, "max", &s->pending_max);
	} else if (strcmp(ev->name, "qemu:migration_completion_vm_stop") == 0 &&
	    ev_i64(ev, "ret", &i) == 0 &&
	    ev_field(ev, "ret")->type == EVF_INT)
		s->vm_stop_ret = i;
	else if (strcmp(ev->name, "strata:vm_identity") == 0) {
		if ((str = ev_str(ev, "vm_name")) != NULL)
			snprintf(s->vm_name, sizeof(s->vm_name), "%s", str);
		ev_i64(ev, "qemu_pid", &s->qemu_pid);
	}
}

/* Dispatch without a hook: what the analyzers get of migrate_pending. */
struct trimmed {
	struct an_set	*set;
	unsigned	 n;
	unsigned	 pending_fields;
	uint64_t	 pending_max;	/* through the plan's "max" slot */
	int		 other_name;	/* a field no plan names was decoded */
};

static void
dispatch_trimmed(void *arg, struct ev *ev, const struct ev_plan *plans)
{
	struct trimmed *t = arg;
	unsigned a, s, i, k;

	t->n++;
	for (i = 0; i < ev->nfields; i++) {
		k = 0;
		for (a = 0; a < an_set_count(t->set); a++)
			for (s = 0; plans[a].code != AN_CODE_NONE &&
			    plans[a].slots != NULL &&
			    s < EV_PLAN_SLOTS && plans[a].slots[s] != NULL; s++)
				if (plans[a].idx[s] == (int8_t)i &&
				    strcmp(plans[a].slots[s], ev->f[i].name) == 0)
					k = 1;
		if (!k)
			t->other_name = 1;
	}
	if (strcmp(ev->name, "qemu:migrate_pending") == 0) {
		t->pending_fields = ev->nfields;
		for (a = 0; a < an_set_count(t->set); a++)
			for (s = 0; plans[a].code != AN_CODE_NONE &&
			    plans[a].slots != NULL &&
			    s < EV_PLAN_SLOTS && plans[a].slots[s] != NULL; s++)
				if (strcmp(plans[a].slots[s], "max") == 0) {
					ev->plan = &plans[a];
					(void)ev_slot_u64(ev, s, &t->pending_max);
				}
	}
	an_set_event(t->set, ev, plans);
}

static unsigned nrecords, nmigration;

/* The analyzers' records: counted, kinds noted. */
static void
emit(void *arg, struct json_object *rec)
{
	struct json_object *kind;

	nrecords++;
	if (json_object_object_get_ex(rec, "kind", &kind) &&
	    strcmp(json_object_get_string(kind), "migration") == 0)
		nmigration++;
	json_object_put(rec);
}

/* Runs a source to its end; returns the last status. */
static enum source_status
drain(struct source *src, unsigned budget, unsigned *runs)
{
	enum source_status st;

	*runs = 0;
	do {
		st = source_run(src, budget);
		(*runs)++;
	} while (st == SOURCE_PROGRESS && *runs < 100000);
	return st;
}

static void
cut_half(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == 0)
		if (truncate(path, sb.st_size / 2) == -1)
			diag("truncate %s: %s", path, strerror(errno));
}

int
main(void)
{
	const char *srcdir = getenv("top_srcdir");
	char trace[1024], tmp[] = "/tmp/strata-test-source.XXXXXX";
	char path[2048], cmd[4200];
	struct an_host host;
	struct an_set *set;
	struct source *src;
	struct seen seen;
	struct trimmed trim;
	const struct source_stats *st;
	enum source_status rs;
	unsigned runs, i;

	log_init("test_source", 1, 0);
	plan(46);
	snprintf(trace, sizeof(trace), "%s/tests/data/traces/qemu-mig",
	    srcdir != NULL ? srcdir : ".");
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	memset(&host, 0, sizeof(host));
	host.node = "test";
	host.emit = emit;
	if ((set = an_set_create(&host, NULL)) == NULL) {
		printf("Bail out! an_set_create\n");
		return 1;
	}

	/* 1. A directory that holds no trace. */
	src = source_create(tmp, 0, set);
	ok(src != NULL, "source_create on an empty directory");
	is_int(source_run(src, 64), SOURCE_ERROR,
	    "empty directory: SOURCE_ERROR");
	snprintf(path, sizeof(path), "%s: not a CTF trace", tmp);
	is_str(source_error(src), path, "empty directory: clear message");
	is_int(source_stats(src)->events, 0, "empty directory: no events");
	source_destroy(src);

	/* 2. A path that does not exist. */
	snprintf(path, sizeof(path), "%s/nonexistent", tmp);
	src = source_create(path, 0, set);
	is_int(source_run(src, 64), SOURCE_ERROR, "missing path: SOURCE_ERROR");
	ok(strncmp(source_error(src), path, strlen(path)) == 0 &&
	    strchr(source_error(src), '\n') == NULL,
	    "missing path: one line naming the path");
	diag("error: %s", source_error(src));
	source_destroy(src);

	/* 3. The real trace, decoded. */
	memset(&seen, 0, sizeof(seen));
	src = source_create(trace, 0, set);
	source_set_hook(src, hook, &seen);
	rs = drain(src, 4096, &runs);
	is_int(rs, SOURCE_END, "trace: runs to SOURCE_END");
	if (rs == SOURCE_ERROR)
		diag("error: %s", source_error(src));
	st = source_stats(src);
	is_int(st->events, TRACE_EVENTS, "trace: 29 events");
	is_int(seen.n, TRACE_EVENTS, "trace: hook saw 29 events");
	is_int(st->discarded_events, 0, "trace: nothing discarded");
	is_int(st->classes, 11, "trace: 11 event classes resolved once");
	is_int(seen.states, 3, "trace: 3 migrate_set_state");
	is_str(seen.first_state, "setup", "trace: first state setup");
	is_str(seen.last_state, "completed", "trace: last state completed");
	is_int(seen.syncs, 5, "trace: 5 bitmap syncs, unsigned");
	ok(seen.dirty[0] == 262144 && seen.dirty[4] == 1024,
	    "trace: dirty_pages 262144 .. 1024");
	is_int(seen.pending_fields, 5, "trace: migrate_pending has 5 fields");
	is_int(seen.pending_max, 37500000, "trace: migrate_pending max");
	is_int(seen.vm_stop_ret, 0, "trace: vm_stop ret signed 0");
	is_str(seen.vm_name, "instance-0000002a", "trace: vm_identity name");
	ok(seen.vpid > 0 && seen.vpid_same && seen.qemu_pid == seen.vpid,
	    "trace: vpid from the context (%lld) matches qemu_pid",
	    (long long)seen.vpid);
	ok(seen.vtid_ok, "trace: vtid decoded");
	/* The trace was recorded with one process on CPU 1: channel0_1. */
	ok(seen.cpu_min == 1 && seen.cpu_max == 1,
	    "trace: cpu from the packet context's cpu_id (%d..%d)",
	    seen.cpu_min, seen.cpu_max);
	is_int(seen.cpus[1], TRACE_EVENTS, "trace: 29 events on CPU 1");
	is_int(st->fields_dropped, 0,
	    "trace: no field past EV_MAX_FIELDS, none counted dropped");
	/* 2017-01-01 < t < 2100-01-01, in ns since the epoch */
	ok(seen.t_first > 1483228800ULL * 1000000000ULL &&
	    seen.t_last < 4102444800ULL * 1000000000ULL,
	    "trace: t_ns is ns since the epoch (%llu)",
	    (unsigned long long)seen.t_first);
	ok(seen.t_sorted && seen.t_last - seen.t_first > 80000000ULL,
	    "trace: times ordered, 5 rounds >= 80 ms apart in total");
	is_int(st->dispatched, TRACE_EVENTS,
	    "trace: every event is one the migration analyzer wants");
	is_int(source_run(src, 4096), SOURCE_END, "trace: END is final");
	is_int(st->events, TRACE_EVENTS, "trace: nothing read twice");
	an_set_finish(set);
	ok(nmigration == 1 && nrecords == 5, "trace: the migration analyzer "
	    "emitted 1 migration record and 5 records in all (%u, %u)",
	    nmigration, nrecords);
	source_destroy(src);

	/* 4. Same trace with a budget of 1: many runs, same events. */
	memset(&seen, 0, sizeof(seen));
	src = source_create(trace, 0, set);
	source_set_hook(src, hook, &seen);
	rs = drain(src, 1, &runs);
	is_int(rs, SOURCE_END, "budget 1: SOURCE_END");
	is_int(seen.n, TRACE_EVENTS, "budget 1: 29 events");
	ok(runs >= 2, "budget 1: work split over %u runs", runs);
	source_destroy(src);

	/* 5. A truncated copy: every stream file cut in half in turn. */
	for (i = 0; i < NSTREAMS; i++) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/t%u' && cp -r '%s' "
		    "'%s/t%u'", tmp, i, trace, tmp, i);
		if (system(cmd) != 0)
			diag("cp failed");
		snprintf(path, sizeof(path),
		    "%s/t%u/ust/uid/65534/64-bit/channel0_%u", tmp, i, i);
		cut_half(path);
		snprintf(path, sizeof(path), "%s/t%u", tmp, i);
		memset(&seen, 0, sizeof(seen));
		src = source_create(path, 0, set);
		source_set_hook(src, hook, &seen);
		rs = drain(src, 4096, &runs);
		/* babeltrace2 indexes every stream file before the first event. */
		ok(rs == SOURCE_ERROR, "stream %u cut in half: SOURCE_ERROR", i);
		snprintf(path, sizeof(path), "Failed to index CTF stream file "
		    "'%s/t%u/ust/uid/65534/64-bit/channel0_%u'", tmp, i, i);
		ok(rs == SOURCE_ERROR && strstr(source_error(src), path) != NULL &&
		    strchr(source_error(src), '\n') == NULL,
		    "stream %u cut in half: one line naming the cut file (%s)",
		    i, rs == SOURCE_ERROR ? source_error(src) : "end");
		ok(seen.n == 0, "stream %u cut in half: no event of a trace it "
		    "cannot index (%u)", i, seen.n);
		source_destroy(src);
	}

	/* 6. Not a trace: a directory with garbage named like a stream. */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/junk' && "
	    "echo 'not metadata' > '%s/junk/metadata' && "
	    "head -c 4096 /dev/urandom > '%s/junk/channel0_0'", tmp, tmp, tmp);
	if (system(cmd) != 0)
		diag("junk setup failed");
	snprintf(path, sizeof(path), "%s/junk", tmp);
	src = source_create(path, 0, set);
	is_int(drain(src, 64, &runs), SOURCE_ERROR, "junk metadata: SOURCE_ERROR");
	snprintf(cmd, sizeof(cmd), "%s: cannot open trace: ", path);
	ok(strncmp(source_error(src), cmd, strlen(cmd)) == 0 &&
	    strchr(source_error(src), '\n') == NULL,
	    "junk metadata: one line, \"PATH: cannot open trace: ...\" (%s)",
	    source_error(src));
	source_destroy(src);

	/* 7. No hook: only what the plans read is decoded. */
	memset(&trim, 0, sizeof(trim));
	trim.set = set;
	src = source_create(trace, 0, set);
	source_set_dispatch(src, dispatch_trimmed, &trim);
	is_int(drain(src, 4096, &runs), SOURCE_END, "no hook: SOURCE_END");
	is_int(trim.n, TRACE_EVENTS, "no hook: 29 events dispatched");
	is_int(trim.pending_fields, 2, "no hook: migrate_pending carries the "
	    "2 of its 5 fields the migration analyzer reads (size, max)");
	ok(trim.pending_max == 37500000 && !trim.other_name,
	    "no hook: the plan's slot still reads max (%llu); no field "
	    "outside a plan was decoded", (unsigned long long)trim.pending_max);
	source_destroy(src);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		diag("cleanup failed");
	an_set_destroy(set);
	return exit_status();
}
