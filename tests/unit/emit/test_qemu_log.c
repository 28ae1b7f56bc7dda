/*
 * test_qemu_log.c: the QEMU log-backend parser against the real QEMU 7.2
 * logs in tests/data/qemu-7.2 (exact event counts and field values), the
 * format rows of newer QEMU versions, and lines that must be skipped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "qemu_log.h"
#include "tap.h"

/* Events per kind in each log, counted with sed | sort | uniq -c. */
static const struct {
	const char	*file;
	const char	*name;
	int		 count;
} expect[] = {
	/* conv-rounds/src.log */
	{ "conv-rounds/src.log", "qemu:migrate_fd_cancel", 1 },
	{ "conv-rounds/src.log", "qemu:migrate_fd_cleanup", 1 },
	{ "conv-rounds/src.log", "qemu:migrate_global_state_pre_save", 1 },
	{ "conv-rounds/src.log", "qemu:migrate_pending", 118 },
	{ "conv-rounds/src.log", "qemu:migrate_set_state", 3 },
	{ "conv-rounds/src.log", "qemu:migrate_transferred", 117 },
	{ "conv-rounds/src.log", "qemu:migration_bitmap_clear_dirty", 11 },
	{ "conv-rounds/src.log", "qemu:migration_bitmap_sync_end", 8 },
	{ "conv-rounds/src.log", "qemu:migration_bitmap_sync_start", 8 },
	{ "conv-rounds/src.log", "qemu:migration_completion_vm_stop", 1 },
	{ "conv-rounds/src.log", "qemu:migration_rate_limit_post", 117 },
	{ "conv-rounds/src.log", "qemu:migration_rate_limit_pre", 117 },
	{ "conv-rounds/src.log", "qemu:migration_set_outgoing_channel", 1 },
	{ "conv-rounds/src.log", "qemu:migration_socket_outgoing_connected", 1 },
	{ "conv-rounds/src.log", "qemu:migration_thread_after_loop", 1 },
	{ "conv-rounds/src.log", "qemu:migration_thread_low_pending", 1 },
	{ "conv-rounds/src.log", "qemu:migration_thread_setup_complete", 1 },
	{ "conv-rounds/src.log", "qemu:savevm_state_cleanup", 1 },
	{ "conv-rounds/src.log", "qemu:savevm_state_complete_precopy", 1 },
	{ "conv-rounds/src.log", "qemu:savevm_state_header", 1 },
	{ "conv-rounds/src.log", "qemu:savevm_state_iterate", 117 },
	{ "conv-rounds/src.log", "qemu:savevm_state_setup", 1 },
	{ "conv-rounds/src.log", "qemu:vm_state_notify", 2 },
	/* conv-rounds/dst.log */
	{ "conv-rounds/dst.log", "qemu:loadvm_state_cleanup", 1 },
	{ "conv-rounds/dst.log", "qemu:loadvm_state_setup", 1 },
	{ "conv-rounds/dst.log", "qemu:migrate_fd_cancel", 1 },
	{ "conv-rounds/dst.log", "qemu:migrate_global_state_post_load", 1 },
	{ "conv-rounds/dst.log", "qemu:migrate_set_state", 2 },
	{ "conv-rounds/dst.log", "qemu:migration_set_incoming_channel", 1 },
	{ "conv-rounds/dst.log", "qemu:migration_socket_incoming_accepted", 1 },
	{ "conv-rounds/dst.log", "qemu:process_incoming_migration_co_end", 1 },
	{ "conv-rounds/dst.log", "qemu:qemu_loadvm_state_post_main", 1 },
	{ "conv-rounds/dst.log", "qemu:ram_load_complete", 119 },
	{ "conv-rounds/dst.log", "qemu:vm_state_notify", 2 },
	/* nonconv-cancel/src.log */
	{ "nonconv-cancel/src.log", "qemu:migrate_fd_cancel", 2 },
	{ "nonconv-cancel/src.log", "qemu:migrate_fd_cleanup", 1 },
	{ "nonconv-cancel/src.log", "qemu:migrate_pending", 451 },
	{ "nonconv-cancel/src.log", "qemu:migrate_set_state", 4 },
	{ "nonconv-cancel/src.log", "qemu:migrate_transferred", 449 },
	{ "nonconv-cancel/src.log", "qemu:migration_bitmap_clear_dirty", 9 },
	{ "nonconv-cancel/src.log", "qemu:migration_bitmap_sync_end", 6 },
	{ "nonconv-cancel/src.log", "qemu:migration_bitmap_sync_start", 6 },
	{ "nonconv-cancel/src.log", "qemu:migration_rate_limit_post", 450 },
	{ "nonconv-cancel/src.log", "qemu:migration_rate_limit_pre", 450 },
	{ "nonconv-cancel/src.log", "qemu:migration_set_outgoing_channel", 1 },
	{ "nonconv-cancel/src.log", "qemu:migration_socket_outgoing_connected", 1 },
	{ "nonconv-cancel/src.log", "qemu:migration_thread_after_loop", 1 },
	{ "nonconv-cancel/src.log", "qemu:migration_thread_setup_complete", 1 },
	{ "nonconv-cancel/src.log", "qemu:savevm_state_cleanup", 1 },
	{ "nonconv-cancel/src.log", "qemu:savevm_state_header", 1 },
	{ "nonconv-cancel/src.log", "qemu:savevm_state_iterate", 451 },
	{ "nonconv-cancel/src.log", "qemu:savevm_state_setup", 1 },
	{ "nonconv-cancel/src.log", "qemu:vm_state_notify", 2 },
	/* nonconv-cancel/dst.log */
	{ "nonconv-cancel/dst.log", "qemu:loadvm_state_cleanup", 1 },
	{ "nonconv-cancel/dst.log", "qemu:loadvm_state_setup", 1 },
	{ "nonconv-cancel/dst.log", "qemu:migrate_set_state", 2 },
	{ "nonconv-cancel/dst.log", "qemu:migration_set_incoming_channel", 1 },
	{ "nonconv-cancel/dst.log", "qemu:migration_socket_incoming_accepted", 1 },
	{ "nonconv-cancel/dst.log", "qemu:process_incoming_migration_co_end", 1 },
	{ "nonconv-cancel/dst.log", "qemu:qemu_loadvm_state_post_main", 1 },
	{ "nonconv-cancel/dst.log", "qemu:ram_load_complete", 452 },
	/* dst-killed/src.log */
	{ "dst-killed/src.log", "qemu:migrate_fd_cancel", 1 },
	{ "dst-killed/src.log", "qemu:migrate_fd_cleanup", 1 },
	{ "dst-killed/src.log", "qemu:migrate_pending", 123 },
	{ "dst-killed/src.log", "qemu:migrate_set_state", 3 },
	{ "dst-killed/src.log", "qemu:migrate_transferred", 121 },
	{ "dst-killed/src.log", "qemu:migration_bitmap_clear_dirty", 5 },
	{ "dst-killed/src.log", "qemu:migration_bitmap_sync_end", 2 },
	{ "dst-killed/src.log", "qemu:migration_bitmap_sync_start", 2 },
	{ "dst-killed/src.log", "qemu:migration_rate_limit_post", 121 },
	{ "dst-killed/src.log", "qemu:migration_rate_limit_pre", 121 },
	{ "dst-killed/src.log", "qemu:migration_set_outgoing_channel", 1 },
	{ "dst-killed/src.log", "qemu:migration_socket_outgoing_connected", 1 },
	{ "dst-killed/src.log", "qemu:migration_thread_after_loop", 1 },
	{ "dst-killed/src.log", "qemu:migration_thread_file_err", 1 },
	{ "dst-killed/src.log", "qemu:migration_thread_setup_complete", 1 },
	{ "dst-killed/src.log", "qemu:savevm_state_cleanup", 1 },
	{ "dst-killed/src.log", "qemu:savevm_state_header", 1 },
	{ "dst-killed/src.log", "qemu:savevm_state_iterate", 123 },
	{ "dst-killed/src.log", "qemu:savevm_state_setup", 1 },
	{ "dst-killed/src.log", "qemu:vm_state_notify", 2 },
	/* dst-killed/dst.log */
	{ "dst-killed/dst.log", "qemu:loadvm_state_setup", 1 },
	{ "dst-killed/dst.log", "qemu:migrate_set_state", 1 },
	{ "dst-killed/dst.log", "qemu:migration_set_incoming_channel", 1 },
	{ "dst-killed/dst.log", "qemu:migration_socket_incoming_accepted", 1 },
	{ "dst-killed/dst.log", "qemu:ram_load_complete", 123 },
};
#define NEXPECT	(sizeof(expect) / sizeof(expect[0]))

static const struct {
	const char	*file;
	unsigned	 lines, messages;
	int64_t		 pid;
} files[] = {
	{ "conv-rounds/src.log", 633, 2, 9112 },
	{ "conv-rounds/dst.log", 133, 2, 9122 },
	{ "nonconv-cancel/src.log", 2290, 2, 8755 },
	{ "nonconv-cancel/dst.log", 463, 3, 8765 },
	{ "dst-killed/src.log", 637, 4, 8932 },
	{ "dst-killed/dst.log", 128, 1, 8942 },
};
#define NFILES	(sizeof(files) / sizeof(files[0]))

#define MAXKINDS	64
struct kinds {
	char		*name[MAXKINDS];
	int		 count[MAXKINDS];
	unsigned	 n;
};

static void
kinds_add(struct kinds *k, const char *name)
{
	unsigned i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->name[i], name) == 0) {
			k->count[i]++;
			return;
		}
	if (k->n < MAXKINDS) {
		k->name[k->n] = strdup(name);
		k->count[k->n++] = 1;
	}
}

static int
kinds_get(const struct kinds *k, const char *name)
{
	unsigned i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->name[i], name) == 0)
			return k->count[i];
	return 0;
}

static FILE *
open_data(const char *rel)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/tests/data/qemu-7.2/%s",
	    top != NULL ? top : ".", rel);
	if ((fp = fopen(path, "r")) == NULL)
		diag("cannot open %s", path);
	return fp;
}

/* Parses a whole log; records dirty_pages in order when asked. */
static void
check_file(unsigned fi, uint64_t *dirty, unsigned *ndirty)
{
	struct qemu_log_parser qp;
	struct kinds k = { .n = 0 };
	struct ev ev;
	char line[4096];
	unsigned i, sum = 0, nmsg_pid = 0, first_msg_unknown = 0;
	uint64_t v;
	FILE *fp;
	int r, rows_ok = 1;

	if (qemu_log_parser_init(&qp) == -1 ||
	    (fp = open_data(files[fi].file)) == NULL) {
		ok(0, "%s: open", files[fi].file);
		return;
	}
	*ndirty = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		r = qemu_log_parse(&qp, line, &ev);
		if (r != QLOG_EVENT)
			continue;
		if (strcmp(ev.name, "strata:qemu_log") == 0) {
			if (ev_field(&ev, "qemu_pid")->v.i == files[fi].pid)
				nmsg_pid++;
			else if (ev_field(&ev, "qemu_pid")->v.i == -1 &&
			    qp.n_lines == 1)
				first_msg_unknown = 1;
			continue;
		}
		kinds_add(&k, ev.name);
		if (strcmp(ev.name, "qemu:migration_bitmap_sync_end") == 0 &&
		    *ndirty < 16 && ev_u64(&ev, "dirty_pages", &v) == 0)
			dirty[(*ndirty)++] = v;
		if (ev.vpid != files[fi].pid)
			rows_ok = 0;
	}
	fclose(fp);

	is_int(qp.n_lines, files[fi].lines, "lines read");
	is_int(qp.n_skipped, 0, "no line of a real log is skipped");
	is_int(qp.n_messages, files[fi].messages, "QEMU messages");
	is_int(qp.pid, files[fi].pid, "QEMU pid = first TID");
	ok(rows_ok, "%s: every trace event has vpid %" PRId64,
	    files[fi].file, files[fi].pid);
	/* The warning on line 1 comes before any TID. */
	ok(first_msg_unknown && nmsg_pid == files[fi].messages - 1,
	    "%s: qemu_pid -1 on line 1, the pid on the other messages",
	    files[fi].file);
	for (i = 0; i < NEXPECT; i++) {
		if (strcmp(expect[i].file, files[fi].file) != 0)
			continue;
		sum += expect[i].count;
		if (!ok(kinds_get(&k, expect[i].name) == expect[i].count,
		    "%s: %d x %s", expect[i].file, expect[i].count,
		    expect[i].name))
			diag("  got %d", kinds_get(&k, expect[i].name));
	}
	is_int(qp.n_events - qp.n_messages, sum, "no other event kinds");
	for (i = 0; i < k.n; i++)
		free(k.name[i]);
	qemu_log_parser_free(&qp);
}

static void
check_dirty(const char *what, const uint64_t *got, unsigned ngot,
    const uint64_t *want, unsigned nwant)
{
	unsigned i;
	int same = ngot == nwant;

	for (i = 0; same && i < nwant; i++)
		same = got[i] == want[i];
	ok(same, "%s: dirty_pages per sync", what);
	if (!same)
		for (i = 0; i < ngot; i++)
			diag("  got[%u] = %" PRIu64, i, got[i]);
}

static void
check_uint(const struct ev *ev, const char *f, uint64_t want)
{
	const struct ev_field *fl = ev_field(ev, f);

	if (!ok(fl != NULL && fl->type == EVF_UINT && fl->v.u == want,
	    "%s.%s = %" PRIu64 " (uint)", ev->name, f, want) && fl != NULL)
		diag("  got type %d value %" PRIu64, fl->type, fl->v.u);
}

static void
check_int(const struct ev *ev, const char *f, int64_t want)
{
	const struct ev_field *fl = ev_field(ev, f);

	if (!ok(fl != NULL && fl->type == EVF_INT && fl->v.i == want,
	    "%s.%s = %" PRId64 " (int)", ev->name, f, want) && fl != NULL)
		diag("  got type %d value %" PRId64, fl->type, fl->v.i);
}

static void
check_str(const struct ev *ev, const char *f, const char *want)
{
	char what[128];

	snprintf(what, sizeof(what), "%s.%s = \"%s\"", ev->name, f, want);
	is_str(ev_str(ev, f), want, what);
}

static void
check_lines(void)
{
	struct qemu_log_parser qp;
	struct ev ev;
	uint64_t skipped;
	const char *name;
	unsigned i;
	static const char *bad[] = {
		"hello world",
		"\x01\x02\x03",
		"9130@17956",
		"9130@1795634430.701157",
		"9130@1795634430.701157:",
		"9130@1795634430.701157:migrate_pe",
		"9130@1795634430.701157:migrate_pending pending size 5345",
		"9130@1795634430.701157:migrate_pending pending size 534597632 max 1 (pre = 2 compat=3 post=4) extra",
		"9130@1795634430.701157:migration_bitmap_sync_end dirty_pages 12x4",
		"9130@1795634430.701157:migration_bitmap_sync_end dirty_pages -5",
		"9130@1795634430.701157:migration_bitmap_sync_end dirty_pages 99999999999999999999999",
		"9130@1795634430.701157:migration_bitmap_sync_end dirty_pages ",
		"9130@1795634430.701157:vm_state_notify running 1 reason 9 (runn",
		"9130@1795634430.701157:vm_state_notify running x reason 9 (running)",
		"9130@1795634430.701157:ram_load_complete exit_code 0 seq iter",
		"9130@1795634430.701157:migration_completion_vm_stop ret 99999999999999999999",
		"@1795634430.701157:migrate_set_state new state active",
		"0@1795634430.701157:migrate_set_state new state active",
		"9130@1795634430.:migrate_set_state new state active",
		"9130@1795634430.701157:migrate-set-state new state active",
		"2026-11-25T19:19:32.26 qemu-system-x86_64: Unable to write",
		"2026-13-25T19:19:32.263632Z qemu-system-x86_64: bad month",
		"2026-11-25T19:19:32.263632Z ",
		"2026-11-25T19:19:32.263632Z qemu-system-x86_64: ",
		"savevm_state_iterate ",
		"some unrelated program output",
	};

	if (qemu_log_parser_init(&qp) == -1)
		return;

	is_int(qemu_log_parse(&qp, "\n", &ev), QLOG_EMPTY, "blank line");
	is_int(qemu_log_parse(&qp, "   \r\n", &ev), QLOG_EMPTY,
	    "whitespace line");

	/* An error line before any trace line: pid unknown. */
	is_int(qemu_log_parse(&qp, "2026-11-25T19:19:32.263632Z "
	    "qemu-system-x86_64: Unable to write to socket: Broken pipe\n",
	    &ev), QLOG_EVENT, "error line is an event");
	is_str(ev.name, "strata:qemu_log", "error line name");
	is_int(ev.t_ns, 1795634372263632000ULL, "error line time from ISO (UTC)");
	check_int(&ev, "qemu_pid", -1);
	check_str(&ev, "level", "error");
	check_str(&ev, "text", "Unable to write to socket: Broken pipe");

	/* Trace lines. */
	is_int(qemu_log_parse(&qp, "9112@1795634420.472174:vm_state_notify "
	    "running 1 reason 9 (running)\n", &ev), QLOG_EVENT,
	    "vm_state_notify line");
	is_str(ev.name, "qemu:vm_state_notify", "vm_state_notify name");
	is_int(ev.t_ns, 1795634420472174000ULL, "vm_state_notify t_ns");
	is_int(ev.vpid, 9112, "vpid = first TID");
	is_int(ev.vtid, 9112, "vtid = TID");
	is_int(ev.nfields, 3, "vm_state_notify has 3 fields");
	check_int(&ev, "running", 1);
	check_int(&ev, "reason", 9);
	check_str(&ev, "reason_str", "running");

	is_int(qemu_log_parse(&qp, "9130@1795634430.701157:migrate_pending "
	    "pending size 534597632 max 10070745 (pre = 534597632 compat=0 "
	    "post=0)\n", &ev), QLOG_EVENT, "migrate_pending line");
	is_str(ev.name, "qemu:migrate_pending", "migrate_pending name");
	is_int(ev.vpid, 9112, "migration thread: vpid is the process");
	is_int(ev.vtid, 9130, "migration thread: vtid is the thread");
	is_int(ev.nfields, 5, "migrate_pending has 5 fields");
	check_uint(&ev, "size", 534597632);
	check_uint(&ev, "max", 10070745);
	check_uint(&ev, "pre", 534597632);
	check_uint(&ev, "compat", 0);
	check_uint(&ev, "post", 0);

	is_int(qemu_log_parse(&qp, "9130@1795634430.701134:migrate_transferred "
	    "transferred 3356915 time_spent 100 bandwidth 33569 max_size "
	    "10070745", &ev), QLOG_EVENT, "migrate_transferred line");
	is_int(ev.nfields, 4, "7.2 migrate_transferred has 4 fields");
	check_uint(&ev, "tranferred", 3356915);
	check_uint(&ev, "time_spent", 100);
	check_uint(&ev, "bandwidth", 33569);
	check_uint(&ev, "size", 10070745);

	qemu_log_parse(&qp, "9130@1795634437.013011:migration_bitmap_sync_end "
	    "dirty_pages 25076", &ev);
	check_uint(&ev, "dirty_pages", 25076);
	qemu_log_parse(&qp, "9130@1795634442.327838:"
	    "migration_thread_low_pending 9961472", &ev);
	check_uint(&ev, "pending", 9961472);
	qemu_log_parse(&qp, "9130@1795634442.328086:"
	    "migration_completion_vm_stop ret 0", &ev);
	check_int(&ev, "ret", 0);
	qemu_log_parse(&qp, "9122@1795634430.613796:ram_load_complete "
	    "exit_code 0 seq iteration 2", &ev);
	check_int(&ev, "ret", 0);
	check_uint(&ev, "seq_iter", 2);
	qemu_log_parse(&qp, "8765@1795634288.282989:"
	    "process_incoming_migration_co_end ret=-22 postcopy-state=0", &ev);
	check_int(&ev, "ret", -22);
	check_int(&ev, "ps", 0);
	qemu_log_parse(&qp, "9112@1795634430.599890:migrate_set_state new "
	    "state setup", &ev);
	check_str(&ev, "new_state", "setup");
	is_int(qemu_log_parse(&qp, "9112@1795634443.631951:migrate_fd_cancel ",
	    &ev), QLOG_EVENT, "migrate_fd_cancel (empty format)");
	is_int(ev.nfields, 0, "migrate_fd_cancel has no fields");
	is_int(qemu_log_parse(&qp, "9112@1795634443.631951:savevm_state_setup",
	    &ev), QLOG_EVENT, "known empty event without its trailing space");
	qemu_log_parse(&qp, "9112@1795634443.631951:migrate_fd_error "
	    "error=Unable to write to socket: Broken pipe", &ev);
	check_str(&ev, "error_desc", "Unable to write to socket: Broken pipe");

	/* Unknown events: name only. */
	is_int(qemu_log_parse(&qp, "9130@1795634430.701157:savevm_state_iterate ",
	    &ev), QLOG_EVENT, "unknown event is an event");
	is_str(ev.name, "qemu:savevm_state_iterate", "unknown event name");
	is_int(ev.nfields, 0, "unknown event has no fields");
	qemu_log_parse(&qp, "9130@1795634430.701157:migration_bitmap_clear_dirty"
	    " rb pc.ram start 0x0 size 0x20000000 page 0x0", &ev);
	is_int(ev.nfields, 0, "unknown event with args has no fields");
	is_int(qp.n_unknown, 2, "unknown events counted");

	/* Messages. */
	qemu_log_parse(&qp, "2026-11-25T19:20:20.444203Z qemu-system-x86_64: "
	    "warning: host doesn't support requested feature: "
	    "CPUID.01H:ECX.pni [bit 0]", &ev);
	check_str(&ev, "level", "warning");
	check_str(&ev, "text", "warning: host doesn't support requested "
	    "feature: CPUID.01H:ECX.pni [bit 0]");
	check_int(&ev, "qemu_pid", 9112);
	is_int(ev.vpid, 9112, "message vpid = QEMU pid");
	qemu_log_parse(&qp, "2026-11-25T19:20:43.631852Z qemu-system-x86_64: "
	    "terminating on signal 15 from pid 9102 (/bin/bash)", &ev);
	check_str(&ev, "level", "info");
	qemu_log_parse(&qp, "2026-11-25T19:18:08.281334Z qemu-system-x86_64: "
	    "check_section_footer: Read section footer failed: -5", &ev);
	check_str(&ev, "text", "check_section_footer: Read section footer "
	    "failed: -5");
	check_str(&ev, "level", "error");
	is_int(qemu_log_parse(&qp, "qemu-system-x86_64: load of migration "
	    "failed: Invalid argument", &ev), QLOG_EVENT,
	    "message without timestamp");
	check_str(&ev, "text", "load of migration failed: Invalid argument");
	is_int(ev.t_ns, 0, "message without timestamp: t_ns 0");

	/* Formats of newer QEMU. */
	qemu_log_parse(&qp, "77@1.000001:migrate_pending_exact exact pending "
	    "size 1048576 (pre = 1040000 post=8576)", &ev);
	check_uint(&ev, "size", 1048576);
	check_uint(&ev, "pre", 1040000);
	check_uint(&ev, "post", 8576);
	qemu_log_parse(&qp, "77@1.000001:migrate_pending_estimate estimate "
	    "pending size 20 (pre = 20 post=0)", &ev);
	check_uint(&ev, "size", 20);
	qemu_log_parse(&qp, "77@1.000001:migrate_transferred transferred "
	    "3357090 time_spent 100 bandwidth 33570 switchover_bw 0 max_size "
	    "10071270", &ev);
	is_int(ev.nfields, 5, "newer migrate_transferred has 5 fields");
	check_uint(&ev, "transferred", 3357090);
	check_uint(&ev, "avail_bw", 0);
	check_uint(&ev, "size", 10071270);
	qemu_log_parse(&qp, "77@1.000001:cpu_throttle_set set guest CPU "
	    "throttled by 30%", &ev);
	check_int(&ev, "new_throttle_pct", 30);
	qemu_log_parse(&qp, "77@1.000001:migrate_error error=Connection reset",
	    &ev);
	check_str(&ev, "error_desc", "Connection reset");
	is_int(qemu_log_parse(&qp, "77@1.000001:migration_cancel ", &ev),
	    QLOG_EVENT, "migration_cancel");
	is_int(qemu_log_parse(&qp, "migrate_set_state new state active", &ev),
	    QLOG_EVENT, "trace line without TID@time prefix");
	check_str(&ev, "new_state", "active");
	is_int(ev.vtid, -1, "no prefix: vtid -1");

	/* Strings stay valid until the next call, even when the buffer grows. */
	qemu_log_parse(&qp, "1@1.1:migrate_set_state new state completed", &ev);
	name = ev.name;
	is_str(name, "qemu:migrate_set_state", "name storage");

	/* Garbage and truncated lines are skips with a reason. */
	skipped = qp.n_skipped;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = qemu_log_parse(&qp, bad[i], &ev);

		if (!ok(r == QLOG_SKIP && qp.skip_reason != NULL,
		    "skip: \"%.50s\"", bad[i]))
			diag("  got %d (%s)", r, r == QLOG_EVENT ? ev.name : "");
		else
			diag("  reason: %s", qp.skip_reason);
	}
	is_int(qp.n_skipped - skipped, sizeof(bad) / sizeof(bad[0]),
	    "every bad line counted as skipped");
	is_int(qp.pid, 9112, "pid unchanged by later TIDs");
	qemu_log_parser_free(&qp);
}

int
main(void)
{
	static const uint64_t conv[] = { 0, 25076, 10807, 5115, 2805, 4025,
	    745, 746 };
	static const uint64_t nonconv[] = { 0, 65537, 63326, 63804, 63804,
	    63804 };
	static const uint64_t killed[] = { 0, 65537 };
	uint64_t dirty[16];
	unsigned fi, nd;
	uint64_t t;

	for (fi = 0; fi < NFILES; fi++) {
		check_file(fi, dirty, &nd);
		if (fi == 0)
			check_dirty("conv-rounds", dirty, nd, conv, 8);
		else if (fi == 2)
			check_dirty("nonconv-cancel", dirty, nd, nonconv, 6);
		else if (fi == 4)
			check_dirty("dst-killed", dirty, nd, killed, 2);
	}
	check_lines();
	ok(qemu_log_iso_time("1970-01-01T00:00:00Z", 20, &t) == 0 && t == 0,
	    "ISO epoch");
	ok(qemu_log_iso_time("2024-02-29T12:00:00.5Z", 22, &t) == 0 &&
	    t == 1709208000500000000ULL, "ISO leap day, fraction");
	ok(qemu_log_known_event("migrate_pending") &&
	    !qemu_log_known_event("savevm_state_iterate"), "known events");
	plan_no_plan_end();
	return exit_status();
}
