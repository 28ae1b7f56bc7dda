/*
 * procsample.c: the kernel layer on hosts without lttng-modules: the
 * kernel's own accounting of the local QEMU processes the agent already
 * knows, read while they migrate, and of the block devices.  Every tick
 * (the live timer's pace) it reads, for each QEMU whose migration events
 * came in the last PS_ACTIVE_NS, /proc/PID/task/TID/schedstat (time on a
 * CPU, time runnable on a run queue, time slices) and comm (QEMU names
 * its threads "CPU n/KVM", "live_migration", "multifdsend_N"), and
 * /proc/diskstats; each reading becomes a strata:proc_thread or
 * strata:proc_disk event handed to the analyzers like a trace event, so
 * the kernel analyzer (lib/analyzers/kernel/) makes the same records of
 * them, with source "proc".  Every PS_ALIAS_NS, with or without
 * lttng-modules, the names udev gives the block devices
 * (/dev/disk/by-path, by-id: an iSCSI LUN's is
 * ip-PORTAL-iscsi-IQN-lun-N) go out as strata:block_alias, so a device
 * can be matched to the Cinder volume attached through it.  The I/O is
 * here; the analyzers stay pure.
 */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"

#define PS_MAX_PIDS	64
#define PS_MAX_TASKS	1024		/* threads read per QEMU per tick */
#define PS_ACTIVE_NS	(10ULL * 1000000000ULL)
#define PS_ALIAS_NS	(60ULL * 1000000000ULL)
#define PS_MAX_ALIASES	256

static const char *const ps_thread_fields[] = { "pid", "tid", "comm",
	"cpu_ns", "wait_ns", "slices" };
static const char *const ps_disk_fields[] = { "dev", "name", "ios",
	"sectors", "ticks_ms" };
static const char *const ps_alias_fields[] = { "dev", "path" };

struct ps_pid {
	int64_t		 pid;		/* 0: free */
	uint64_t	 last_ns;	/* its last migration event */
};

/* strata-qemu-bridge's events are its own: vm_identity names the QEMU. */
struct ps_bridge {
	int64_t		 vpid;		/* 0: free */
	int64_t		 qemu_pid;
};
#define PS_MAX_BRIDGES	64

struct procsample {
	char		 root[256];
	char		 sysroot[256];	/* where dev/ and sys/ are: "" for / */
	int		 kernel;	/* read schedstat and diskstats */
	uint64_t	 alias_ns;	/* the last aliases */
	struct ev_plan	*alias_plans;
	unsigned	 want_alias;
	uint64_t	 aliases;
	struct an_set	*set;
	struct ev_plan	*thread_plans, *disk_plans;
	unsigned	 want_thread, want_disk;
	struct ps_pid	 pids[PS_MAX_PIDS];
	struct ps_bridge bridges[PS_MAX_BRIDGES];
	unsigned	 next_bridge;
	uint64_t	 threads, disks, errors;
};

/*
 * sys_root: where dev/disk and sys/class/block are ("" or NULL: /);
 * kernel: also read the threads and diskstats (no lttng-modules).
 */
struct procsample *
procsample_create(const char *proc_root, const char *sys_root, int kernel,
    struct an_set *set)
{
	struct procsample *ps;
	unsigned n = an_set_count(set);

	if ((ps = calloc(1, sizeof(*ps))) == NULL ||
	    (ps->thread_plans = calloc(n, sizeof(struct ev_plan))) == NULL ||
	    (ps->disk_plans = calloc(n, sizeof(struct ev_plan))) == NULL ||
	    (ps->alias_plans = calloc(n, sizeof(struct ev_plan))) == NULL) {
		log_warn("%s: calloc", __func__);
		procsample_destroy(ps);
		return NULL;
	}
	snprintf(ps->root, sizeof(ps->root), "%s", proc_root != NULL ?
	    proc_root : "/proc");
	snprintf(ps->sysroot, sizeof(ps->sysroot), "%s", sys_root != NULL ?
	    sys_root : "");
	ps->kernel = kernel;
	ps->set = set;
	ps->want_alias = an_set_classify(set, "strata:block_alias",
	    ps_alias_fields, 2, ps->alias_plans);
	ps->want_thread = an_set_classify(set, "strata:proc_thread",
	    ps_thread_fields, 6, ps->thread_plans);
	ps->want_disk = an_set_classify(set, "strata:proc_disk",
	    ps_disk_fields, 5, ps->disk_plans);
	return ps;
}

void
procsample_destroy(struct procsample *ps)
{
	if (ps == NULL)
		return;
	free(ps->thread_plans);
	free(ps->disk_plans);
	free(ps->alias_plans);
	free(ps);
}

/*
 * A QEMU's migration event: sample it for the next PS_ACTIVE_NS.  The
 * emitter is the QEMU, or a bridge whose strata:vm_identity named it.
 */
void
procsample_note(struct procsample *ps, const struct ev *ev)
{
	struct ps_pid *p, *free_slot = NULL, *oldest = NULL;
	const struct ev_field *f;
	int64_t pid = ev->vpid;
	unsigned i;

	if (pid <= 0)
		return;
	if (strcmp(ev->name, "strata:vm_identity") == 0) {
		if ((f = ev_field(ev, "qemu_pid")) == NULL ||
		    (f->type != EVF_INT && f->type != EVF_UINT) || f->v.i <= 0 ||
		    f->v.i == pid)
			return;
		for (i = 0; i < PS_MAX_BRIDGES; i++)
			if (ps->bridges[i].vpid == pid)
				break;
		if (i == PS_MAX_BRIDGES) {
			i = ps->next_bridge;
			ps->next_bridge = (i + 1) % PS_MAX_BRIDGES;
		}
		ps->bridges[i].vpid = pid;
		ps->bridges[i].qemu_pid = f->v.i;
		return;
	}
	if (strncmp(ev->name, "qemu:migrat", 11) != 0)
		return;
	for (i = 0; i < PS_MAX_BRIDGES; i++)
		if (ps->bridges[i].vpid == pid) {
			pid = ps->bridges[i].qemu_pid;
			break;
		}
	for (i = 0; i < PS_MAX_PIDS; i++) {
		p = &ps->pids[i];
		if (p->pid == pid) {
			p->last_ns = ev->t_ns;
			return;
		}
		if (p->pid == 0 && free_slot == NULL)
			free_slot = p;
		if (oldest == NULL || p->last_ns < oldest->last_ns)
			oldest = p;
	}
	p = free_slot != NULL ? free_slot : oldest;
	p->pid = pid;
	p->last_ns = ev->t_ns;
}

/* The whole of a small file, NUL-terminated; -1 when it cannot be read. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* "CPU_NS WAIT_NS SLICES\n" */
int
procsample_parse_schedstat(const char *s, uint64_t *cpu, uint64_t *wait,
    uint64_t *slices)
{
	char *end;

	errno = 0;
	*cpu = strtoull(s, &end, 10);
	if (end == s || errno != 0)
		return -1;
	s = end;
	*wait = strtoull(s, &end, 10);
	if (end == s || errno != 0)
		return -1;
	s = end;
	*slices = strtoull(s, &end, 10);
	if (end == s || errno != 0)
		return -1;
	return 0;
}

static void
ps_thread(struct procsample *ps, int64_t pid, int64_t tid, uint64_t t_ns)
{
	char path[512], buf[128], comm[64];
	uint64_t cpu, wait, slices;
	struct ev ev;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%" PRId64 "/task/%" PRId64 "/schedstat",
	    ps->root, pid, tid);
	if (read_small(path, buf, sizeof(buf)) <= 0 ||
	    procsample_parse_schedstat(buf, &cpu, &wait, &slices) == -1) {
		ps->errors++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%" PRId64 "/task/%" PRId64 "/comm",
	    ps->root, pid, tid);
	if ((n = read_small(path, comm, sizeof(comm))) <= 0)
		comm[0] = '\0';
	else if (comm[n - 1] == '\n')
		comm[n - 1] = '\0';
	memset(&ev, 0, sizeof(ev));
	ev.name = "strata:proc_thread";
	ev.t_ns = t_ns;
	ev.vpid = pid;
	ev.vtid = tid;
	ev.cpu = -1;
	ev_add_int(&ev, "pid", pid);
	ev_add_int(&ev, "tid", tid);
	ev_add_str(&ev, "comm", comm);
	ev_add_uint(&ev, "cpu_ns", cpu);
	ev_add_uint(&ev, "wait_ns", wait);
	ev_add_uint(&ev, "slices", slices);
	an_set_event(ps->set, &ev, ps->thread_plans);
	ps->threads++;
}

static void
ps_process(struct procsample *ps, struct ps_pid *p, uint64_t t_ns)
{
	char path[512];
	struct dirent *de;
	unsigned n = 0;
	char *end;
	long long tid;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%" PRId64 "/task", ps->root, p->pid);
	if ((d = opendir(path)) == NULL) {
		if (errno == ENOENT)
			p->pid = 0;	/* it exited */
		else
			ps->errors++;
		return;
	}
	while ((de = readdir(d)) != NULL && n < PS_MAX_TASKS) {
		tid = strtoll(de->d_name, &end, 10);
		if (*end != '\0' || tid <= 0)
			continue;
		ps_thread(ps, p->pid, tid, t_ns);
		n++;
	}
	closedir(d);
}

/*
 * One /proc/diskstats line: MAJ MIN NAME reads merged sectors ms writes
 * merged sectors ms ...; 0 and the totals, -1 when it is no such line.
 */
int
procsample_parse_diskstats(const char *line, uint64_t *dev, char *name,
    size_t len, uint64_t *ios, uint64_t *sectors, uint64_t *ticks_ms)
{
	unsigned long long v[8];
	unsigned maj, min;
	char nm[64];

	if (sscanf(line, "%u %u %63s %llu %llu %llu %llu %llu %llu %llu %llu",
	    &maj, &min, nm, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
	    &v[7]) != 11)
		return -1;
	*dev = ((uint64_t)maj << 20) | min;
	snprintf(name, len, "%s", nm);
	*ios = v[0] + v[4];
	*sectors = v[2] + v[6];
	*ticks_ms = v[3] + v[7];
	return 0;
}

static void
ps_disks(struct procsample *ps, uint64_t t_ns)
{
	char path[512], line[512], name[64];
	uint64_t dev, ios, sectors, ticks;
	struct ev ev;
	FILE *f;

	snprintf(path, sizeof(path), "%s/diskstats", ps->root);
	if ((f = fopen(path, "re")) == NULL) {
		ps->errors++;
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (procsample_parse_diskstats(line, &dev, name, sizeof(name),
		    &ios, &sectors, &ticks) == -1 ||
		    strncmp(name, "loop", 4) == 0 || strncmp(name, "ram", 3) == 0)
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.name = "strata:proc_disk";
		ev.t_ns = t_ns;
		ev.vpid = ev.vtid = -1;
		ev.cpu = -1;
		ev_add_uint(&ev, "dev", dev);
		ev_add_str(&ev, "name", name);
		ev_add_uint(&ev, "ios", ios);
		ev_add_uint(&ev, "sectors", sectors);
		ev_add_uint(&ev, "ticks_ms", ticks);
		an_set_event(ps->set, &ev, ps->disk_plans);
		ps->disks++;
	}
	fclose(f);
}

/* The device a /dev/disk link names: sys/class/block/NAME/dev, "MAJ:MIN". */
static int
alias_dev(struct procsample *ps, const char *dir, const char *link,
    uint64_t *dev)
{
	char path[768], target[256], buf[64];
	const char *base;
	unsigned maj, min;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, link);
	if ((n = readlink(path, target, sizeof(target) - 1)) <= 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/') != NULL ? strrchr(target, '/') + 1 : target;
	snprintf(path, sizeof(path), "%s/sys/class/block/%s/dev", ps->sysroot,
	    base);
	if (read_small(path, buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%u:%u", &maj, &min) != 2)
		return -1;
	*dev = ((uint64_t)maj << 20) | min;
	return 0;
}

static void
ps_aliases(struct procsample *ps, uint64_t t_ns)
{
	static const char *const dirs[] = { "dev/disk/by-path", "dev/disk/by-id" };
	char dir[512], path[768];
	struct dirent *de;
	uint64_t dev;
	struct ev ev;
	unsigned i, n = 0;
	DIR *d;

	for (i = 0; i < 2; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", ps->sysroot, dirs[i]);
		if ((d = opendir(dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL && n < PS_MAX_ALIASES) {
			if (de->d_name[0] == '.' ||
			    alias_dev(ps, dir, de->d_name, &dev) == -1)
				continue;
			snprintf(path, sizeof(path), "/%s/%s", dirs[i],
			    de->d_name);
			memset(&ev, 0, sizeof(ev));
			ev.name = "strata:block_alias";
			ev.t_ns = t_ns;
			ev.vpid = ev.vtid = -1;
			ev.cpu = -1;
			ev_add_uint(&ev, "dev", dev);
			ev_add_str(&ev, "path", path);
			an_set_event(ps->set, &ev, ps->alias_plans);
			ps->aliases++;
			n++;
		}
		closedir(d);
	}
}

/* One tick: the migrating QEMUs' threads, then the block devices. */
void
procsample_run(struct procsample *ps, uint64_t now_ns)
{
	unsigned i;

	if (ps->want_alias > 0 && (ps->alias_ns == 0 ||
	    now_ns - ps->alias_ns >= PS_ALIAS_NS)) {
		ps->alias_ns = now_ns;
		ps_aliases(ps, now_ns);
	}
	if (!ps->kernel)
		return;
	if (ps->want_thread > 0)
		for (i = 0; i < PS_MAX_PIDS; i++)
			if (ps->pids[i].pid != 0 && (int64_t)(now_ns -
			    ps->pids[i].last_ns) < (int64_t)PS_ACTIVE_NS)
				ps_process(ps, &ps->pids[i], now_ns);
	if (ps->want_disk > 0)
		ps_disks(ps, now_ns);
}

void
procsample_stats(const struct procsample *ps, uint64_t *threads,
    uint64_t *disks, uint64_t *errors)
{
	*threads = ps->threads;
	*disks = ps->disks;
	*errors = ps->errors;
}
