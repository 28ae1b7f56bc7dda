/*
 * test_procsample.c: the kernel layer from /proc, through the analyzers:
 * a fake /proc (one QEMU, pid 4100, with threads "CPU 0/KVM" and
 * "live_migration"; a diskstats with sda, loop0 and dm-0) read twice by
 * procsample_run after a QEMU migration event, its readings handed to a
 * real analyzer set; the kernel analyzer's records have the deltas, source
 * "proc".  And the parsers on real lines.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "tap.h"

#define MAXREC	256
#define T0	1800000000000000000ULL

static struct json_object *recs[MAXREC];
static unsigned nrecs;
static char root[256];

static void
collect(void *arg, struct json_object *rec)
{
	(void)arg;
	if (nrecs < MAXREC)
		recs[nrecs++] = rec;
	else
		json_object_put(rec);
}

static void
put(const char *rel, const char *text)
{
	char path[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* DIR/NAME -> TARGET under the fake root. */
static void
mkdir_p_link(const char *dir, const char *name, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/.keep", root, dir);
	put(path + strlen(root) + 1, "");
	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
	unlink(path);
	if (symlink(target, path) == -1)
		perror(path);
}

static void
proc_state(unsigned step)
{
	char b[256];

	put("4100/task/4100/comm", "qemu-system-x86\n");
	snprintf(b, sizeof(b), "%u %u %u\n", 1000000 + step * 5000000,
	    200000 + step * 1000000, 10 + step * 2);
	put("4100/task/4100/schedstat", b);
	put("4100/task/4101/comm", "CPU 0/KVM\n");
	snprintf(b, sizeof(b), "%u %u %u\n", 50000000 + step * 400000000,
	    1000000 + step * 20000000, 100 + step * 50);
	put("4100/task/4101/schedstat", b);
	put("4100/task/4102/comm", "live_migration\n");
	snprintf(b, sizeof(b), "%u %u %u\n", 70000000 + step * 300000000,
	    3000000 + step * 410000000, 30 + step * 7);
	put("4100/task/4102/schedstat", b);
	snprintf(b, sizeof(b),
	    "   8       0 sda %u 0 %u %u 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	    "   7       0 loop0 5 0 10 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	    " 253       0 dm-0 %u 0 %u %u %u 0 %u %u 0 0 0 0 0 0 0 0 0\n",
	    1000 + step * 30, 8000 + step * 240, 400 + step * 60,
	    50 + step * 10, 400 + step * 80, 20 + step * 5, 100 + step * 10,
	    800 + step * 160, 30 + step * 15);
	put("diskstats", b);
	put("sys/class/block/sda/dev", "8:0\n");
	mkdir_p_link("dev/disk/by-path",
	    "ip-192.0.2.10:3260-iscsi-iqn.2010-10.org.openstack:volume-5b1c-lun-1",
	    "../../sda");
}

static struct json_object *
last(const char *kind, const char *key, const char *val)
{
	struct json_object *o, *found = NULL;
	unsigned i;

	for (i = 0; i < nrecs; i++) {
		o = recs[i];
		if (strcmp(json_object_get_string(json_object_object_get(o,
		    "kind")), kind) == 0 && strcmp(json_object_get_string(
		    json_object_object_get(o, key)), val) == 0)
			found = o;
	}
	return found;
}

static int64_t
i64(struct json_object *o, const char *k)
{
	return o != NULL ? json_object_get_int64(json_object_object_get(o, k)) :
	    -1;
}

int
main(void)
{
	struct an_host host;
	struct an_set *set;
	struct procsample *ps;
	struct json_object *o;
	struct ev ev;
	uint64_t cpu, wait, sl, dev, ios, sec, ticks, nt, nd, ne;
	char name[64];

	plan(17);
	log_init("test_procsample", 1, 0);
	snprintf(root, sizeof(root), "%s/strata-procXXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}

	ok(procsample_parse_schedstat("123456789 4567 89\n", &cpu, &wait,
	    &sl) == 0 && cpu == 123456789 && wait == 4567 && sl == 89,
	    "schedstat: time on CPU, time waiting, slices");
	ok(procsample_parse_schedstat("12 x", &cpu, &wait, &sl) == -1,
	    "schedstat: a bad line is refused");
	ok(procsample_parse_diskstats(" 259       0 nvme0n1 5247 1733 472214 "
	    "1468 8826 9060 417112 10931 0 9912 14022 0 0 0 0 1001 1622\n",
	    &dev, name, sizeof(name), &ios, &sec, &ticks) == 0 &&
	    dev == ((259ULL << 20) | 0) && strcmp(name, "nvme0n1") == 0 &&
	    ios == 5247 + 8826 && sec == 472214 + 417112 &&
	    ticks == 1468 + 10931, "diskstats: a kernel 5.x line");

	memset(&host, 0, sizeof(host));
	host.node = "cmp-p";
	host.emit = collect;
	set = an_set_create(&host, NULL);
	ps = procsample_create(root, root, 1, set);
	ok(ps != NULL, "procsample_create on a fake /proc");

	/* Not migrating: only the disks are read. */
	proc_state(0);
	procsample_run(ps, T0);
	procsample_stats(ps, &nt, &nd, &ne);
	is_int(nt, 0, "no QEMU migrating: no thread read");
	is_int(nd, 2, "two devices read (loop0 left out)");

	/* QEMU 4100 migrates: its threads are read at each tick. */
	memset(&ev, 0, sizeof(ev));
	ev.name = "qemu:migration_bitmap_sync_end";
	ev.t_ns = T0 + 100000000;
	ev.vpid = 4100;
	procsample_note(ps, &ev);
	procsample_run(ps, T0 + 200000000);
	proc_state(1);
	procsample_run(ps, T0 + 1200000000);
	procsample_stats(ps, &nt, &nd, &ne);
	is_int(nt, 6, "three threads read twice");
	is_int(ne, 0, "no read error");
	an_set_finish(set);

	o = last("kernel_thread", "comm", "live_migration");
	is_str(o ? json_object_get_string(json_object_object_get(o, "source")) :
	    NULL, "proc", "the migration thread's record, source proc");
	is_str(o ? json_object_get_string(json_object_object_get(o, "role")) :
	    NULL, "migration", "role migration");
	is_int(i64(o, "pid"), 4100, "pid 4100");
	is_int(i64(o, "cpu_ns"), 300000000, "300 ms of CPU between the readings");
	is_int(i64(o, "wait_ns"), 410000000, "410 ms waiting for a CPU");
	o = last("kernel_thread", "comm", "CPU 0/KVM");
	is_int(i64(o, "cpu_ns"), 400000000, "the vCPU: 400 ms of CPU");
	o = last("kernel_disk", "device", "sda");
	ok(o != NULL && json_object_array_length(json_object_object_get(o,
	    "paths")) == 1 && strstr(json_object_get_string(
	    json_object_array_get_idx(json_object_object_get(o, "paths"), 0)),
	    "-iscsi-iqn.2010-10.org.openstack:volume-5b1c-lun-1") != NULL,
	    "sda's record names its udev by-path name (the iSCSI LUN)");
	o = last("kernel_disk", "device", "dm-0");
	is_int(i64(o, "requests"), 20, "dm-0: 20 requests between readings");
	ok(o != NULL && json_object_get_double(json_object_object_get(o,
	    "mean_ms")) == 1.0, "dm-0: mean 1 ms (20 ms of I/O time / 20)");

	procsample_destroy(ps);
	an_set_destroy(set);
	for (unsigned i = 0; i < nrecs; i++)
		json_object_put(recs[i]);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	return exit_status();
}
