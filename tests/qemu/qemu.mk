# tests/qemu/qemu.mk: the live QEMU migration test.  A tiny multiboot guest
# (tests/qemu/guest) is built for the test with the host compiler in 32-bit
# freestanding mode; tests/qemu/migration.sh migrates it between two local
# QEMUs and checks what strata-agent makes of the traces (docs/testing-qemu.md).

QEMU_GUEST_SRC = tests/qemu/guest/boot.S tests/qemu/guest/guest.c
QEMU_GUEST_LD = tests/qemu/guest/guest.ld
QEMU_GUEST = tests/qemu/guest/strata-guest.elf
# Not $(CFLAGS): a freestanding guest takes no sanitizer or hardening flags.
QEMU_GUEST_CFLAGS = -m32 -march=i686 -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables -O2 \
	-Wall -Wextra -nostdlib -static -no-pie -Wl,--build-id=none

# A compiler that cannot make 32-bit x86 code leaves build.err instead of
# failing `make check`; the test then skips and prints why.
$(QEMU_GUEST): $(QEMU_GUEST_SRC:%=$(srcdir)/%) $(srcdir)/$(QEMU_GUEST_LD)
	$(AM_V_GEN)$(MKDIR_P) tests/qemu/guest; \
	rm -f $@ tests/qemu/guest/build.err; \
	$(CC) $(QEMU_GUEST_CFLAGS) -T $(srcdir)/$(QEMU_GUEST_LD) -o $@ \
	    $(QEMU_GUEST_SRC:%=$(srcdir)/%) 2>tests/qemu/guest/build.err && \
	    rm -f tests/qemu/guest/build.err || rm -f $@; :

# The guest is built before the test runs, also for TESTS=tests/qemu/...
tests/qemu/migration.log: $(QEMU_GUEST)

TESTS += tests/qemu/migration.sh
EXTRA_DIST += tests/qemu/migration.sh tests/qemu/qmp-migrate.py \
	tests/qemu/qemu-lib.sh tests/qemu/capture.sh tests/qemu/qmp-summary.py \
	tests/qemu/trace-events $(QEMU_GUEST_SRC) $(QEMU_GUEST_LD)
CLEANFILES += $(QEMU_GUEST) tests/qemu/guest/build.err
dist_doc_DATA += docs/testing-qemu.md
