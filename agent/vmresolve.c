/*
 * vmresolve.c: which VM a local process is, for the analyzers' resolve_vm
 * callback.  A QEMU started by Nova/libvirt carries the instance UUID in
 * `-uuid U` and the domain name in `-name guest=NAME,debug-threads=on` (or
 * plain `-name NAME`); both are read from /proc/PID/cmdline.
 *
 * Answers are cached per pid.  A pid can be reused, so an entry also keeps
 * the process start time (/proc/PID/stat field 22) and is trusted only while
 * it matches.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"

#define VMR_CACHE	64
#define VMR_CMDLINE_MAX	(64 * 1024)

struct vmr_entry {
	int64_t			pid;		/* 0: free slot */
	unsigned long long	start;		/* start time, clock ticks */
	int			known;		/* 0: not a QEMU we understand */
	struct vm_ident		id;
};

struct vmresolve {
	char			root[256];	/* "/proc", or a test's fake */
	unsigned		next;		/* round-robin victim */
	struct vmr_entry	cache[VMR_CACHE];
};

struct vmresolve *
vmresolve_create(const char *proc_root)
{
	struct vmresolve *vr;

	if ((vr = calloc(1, sizeof(*vr))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	snprintf(vr->root, sizeof(vr->root), "%s",
	    proc_root != NULL ? proc_root : "/proc");
	return vr;
}

void
vmresolve_destroy(struct vmresolve *vr)
{
	free(vr);
}

/* Reads at most size-1 bytes of a small /proc file; -1 if unreadable. */
static ssize_t
read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)len < size - 1) {
		n = read(fd, buf + len, size - 1 - (size_t)len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

static int
start_time(const struct vmresolve *vr, int64_t pid, unsigned long long *out)
{
	char path[320], buf[1024], *p;
	int field;

	snprintf(path, sizeof(path), "%s/%lld/stat", vr->root, (long long)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	/* comm (field 2) may hold spaces and parens: skip past the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu", out) != 1)
		return -1;
	return 0;
}

/* Copies s into dst, cut to size - 1 bytes. */
static void
copy(char *dst, size_t size, const char *s)
{
	size_t len = strnlen(s, size - 1);

	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* Copies one -name element, undoing QEMU's ",," escape of a comma. */
static const char *
name_element(const char *p, char *out, size_t size)
{
	size_t len = 0;

	for (; *p != '\0'; p++) {
		if (*p == ',') {
			if (p[1] != ',')
				break;
			p++;
		}
		if (len + 1 < size)
			out[len++] = *p;
	}
	out[len] = '\0';
	return p;
}

static void
parse_name(const char *arg, struct vm_ident *out)
{
	char elem[sizeof(out->name) + 16];
	const char *p = arg;
	int first = 1;

	while (*p != '\0') {
		p = name_element(p, elem, sizeof(elem));
		if (strncmp(elem, "guest=", 6) == 0)
			copy(out->name, sizeof(out->name), elem + 6);
		else if (first && strchr(elem, '=') == NULL)
			copy(out->name, sizeof(out->name), elem);
		first = 0;
		if (*p == ',')
			p++;
	}
}

static int
is_opt(const char *arg, const char *name)
{
	if (*arg++ != '-')
		return 0;
	if (*arg == '-')
		arg++;
	return strcmp(arg, name) == 0;
}

int
vmresolve_parse(const char *buf, size_t len, struct vm_ident *out)
{
	const char *argv[4096], *p, *end = buf + len, *base;
	size_t argc = 0, i;

	memset(out, 0, sizeof(*out));
	for (p = buf; p < end && argc < sizeof(argv) / sizeof(argv[0]);
	    p += strnlen(p, (size_t)(end - p)) + 1)
		argv[argc++] = p;
	if (argc == 0 || memchr(buf, '\0', len) == NULL)
		return -1;
	/* The last argument may lack its NUL if the buffer was cut. */
	if (buf[len - 1] != '\0')
		argc--;
	if (argc == 0)
		return -1;
	base = strrchr(argv[0], '/');
	base = base != NULL ? base + 1 : argv[0];
	if (strstr(base, "qemu") == NULL)
		return -1;
	for (i = 1; i + 1 < argc; i++) {
		if (is_opt(argv[i], "uuid"))
			copy(out->uuid, sizeof(out->uuid), argv[++i]);
		else if (is_opt(argv[i], "name"))
			parse_name(argv[++i], out);
	}
	return out->uuid[0] != '\0' || out->name[0] != '\0' ? 0 : -1;
}

int
vmresolve_lookup(void *arg, int64_t vpid, struct vm_ident *out)
{
	struct vmresolve *vr = arg;
	struct vmr_entry *e = NULL;
	unsigned long long start;
	char path[320], *buf;
	ssize_t len;
	unsigned i;

	if (vr == NULL || vpid <= 0 || start_time(vr, vpid, &start) == -1)
		return -1;
	for (i = 0; i < VMR_CACHE; i++) {
		if (vr->cache[i].pid == vpid) {
			e = &vr->cache[i];
			break;
		}
	}
	if (e == NULL || e->start != start) {
		if (e == NULL) {
			e = &vr->cache[vr->next];
			vr->next = (vr->next + 1) % VMR_CACHE;
		}
		e->pid = vpid;
		e->start = start;
		e->known = 0;
		snprintf(path, sizeof(path), "%s/%lld/cmdline", vr->root,
		    (long long)vpid);
		if ((buf = malloc(VMR_CMDLINE_MAX)) == NULL) {
			log_warn("%s: malloc", __func__);
			e->pid = 0;
			return -1;
		}
		len = read_file(path, buf, VMR_CMDLINE_MAX);
		if (len > 0 && vmresolve_parse(buf, (size_t)len, &e->id) == 0)
			e->known = 1;
		free(buf);
		log_debug("vmresolve: pid %lld: %s%s%s", (long long)vpid,
		    e->known ? e->id.uuid : "not a known QEMU",
		    e->known ? " " : "", e->known ? e->id.name : "");
	}
	if (!e->known)
		return -1;
	*out = e->id;
	return 0;
}
