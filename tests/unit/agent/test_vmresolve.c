/*
 * test_vmresolve.c: which VM a QEMU process is, from its command line:
 * libvirt's `-name guest=NAME,debug-threads=on -uuid U`, a plain `-name`,
 * escaped commas, non-QEMU processes, a cut buffer, and the lookup
 * through a fake /proc and the real /proc/self.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "tap.h"

#define ARGV(s)	s, sizeof(s)	/* keeps the embedded and final NULs */

static int
write_file(const char *path, const char *buf, size_t len)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fwrite(buf, 1, len, fp);
	return fclose(fp);
}

static const char libvirt[] =
    "/usr/bin/qemu-system-x86_64\0-name\0guest=instance-0000002a,"
    "debug-threads=on\0-S\0-object\0{\"qom-type\":\"secret\"}\0"
    "-machine\0pc-q35-7.2,usb=off\0-uuid\0"
    "8d2c1f3e-5b6a-4c7d-9e8f-0a1b2c3d4e5f\0-smbios\0type=1\0"
    "-incoming\0defer";

int
main(void)
{
	char dir[] = "/tmp/strata-test-vmr.XXXXXX", path[256];
	char stat_line[] = "4242 (qemu-system-x86) S 1 4242 4242 0 -1 4194560 "
	    "1 0 0 0 0 0 0 0 20 0 3 0 987654 0 0";
	struct vm_ident id;
	struct vmresolve *vr;

	log_init("test_vmresolve", 1, 0);
	plan(21);

	is_int(vmresolve_parse(ARGV(libvirt), &id), 0, "libvirt cmdline");
	is_str(id.uuid, "8d2c1f3e-5b6a-4c7d-9e8f-0a1b2c3d4e5f", "uuid");
	is_str(id.name, "instance-0000002a", "guest= name");

	is_int(vmresolve_parse(ARGV("qemu-system-x86_64\0-name\0vm1\0-m\0"
	    "512"), &id), 0, "plain -name");
	is_str(id.name, "vm1", "plain name");
	is_str(id.uuid, "", "no uuid");

	vmresolve_parse(ARGV("/usr/libexec/qemu-kvm\0--name\0a,,b,"
	    "process=q\0--uuid\0u-1"), &id);
	is_str(id.name, "a,b", "--name with an escaped comma");
	is_str(id.uuid, "u-1", "--uuid");

	vmresolve_parse(ARGV("qemu-system-x86_64\0-name\0"
	    "debug-threads=on,guest=late"), &id);
	is_str(id.name, "late", "guest= after another key");

	is_int(vmresolve_parse(ARGV("/bin/bash\0-name\0x\0-uuid\0y"), &id), -1,
	    "not a QEMU: -1");
	is_int(vmresolve_parse(ARGV("qemu-system-x86_64\0-m\0512"), &id), -1,
	    "QEMU without name or uuid: -1");
	is_int(vmresolve_parse(ARGV("qemu-system-x86_64\0-name"), &id), -1,
	    "-name without a value: -1");
	/* A buffer cut inside the uuid: the partial value is not used. */
	is_int(vmresolve_parse("qemu\0-uuid\0abc", 13, &id), -1,
	    "cut buffer: partial argument ignored");
	is_int(vmresolve_parse("", 0, &id), -1, "empty buffer: -1");

	/* A fake /proc: pid 4242 is a QEMU. */
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/4242", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/4242/cmdline", dir);
	write_file(path, libvirt, sizeof(libvirt));
	snprintf(path, sizeof(path), "%s/4242/stat", dir);
	write_file(path, stat_line, strlen(stat_line));
	vr = vmresolve_create(dir);
	memset(&id, 0, sizeof(id));
	is_int(vmresolve_lookup(vr, 4242, &id), 0, "fake /proc: pid found");
	is_str(id.name, "instance-0000002a", "fake /proc: name");
	/* Cached: the cmdline is not read again while the start time holds. */
	snprintf(path, sizeof(path), "%s/4242/cmdline", dir);
	write_file(path, ARGV("qemu\0-name\0other"));
	vmresolve_lookup(vr, 4242, &id);
	is_str(id.name, "instance-0000002a", "fake /proc: answer cached");
	/* Same pid, new process (start time changed): read again. */
	snprintf(path, sizeof(path), "%s/4242/stat", dir);
	stat_line[strlen(stat_line) - 9] = '1';
	write_file(path, stat_line, strlen(stat_line));
	vmresolve_lookup(vr, 4242, &id);
	is_str(id.name, "other", "fake /proc: reused pid re-read");
	is_int(vmresolve_lookup(vr, 4343, &id), -1, "fake /proc: no such pid");
	vmresolve_destroy(vr);

	/* The real /proc: this test is no QEMU. */
	vr = vmresolve_create(NULL);
	is_int(vmresolve_lookup(vr, getpid(), &id), -1,
	    "/proc/self: not a QEMU");
	is_int(vmresolve_lookup(vr, -1, &id), -1, "vpid -1: unknown");
	vmresolve_destroy(vr);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		diag("cleanup failed");
	return exit_status();
}
