# aggregator/kinds/kernel/: the kernel kind (kind.c registers it): threads'
# samples, block devices and CPUs as each node's kernel saw them, and the
# kernel's figures of each migration round.
noinst_LTLIBRARIES += aggregator/kinds/kernel/libkind_kernel.la
aggregator_kinds_kernel_libkind_kernel_la_SOURCES = \
	aggregator/kinds/kernel/kind.c \
	aggregator/kinds/kernel/kern_store.h \
	aggregator/kinds/kernel/cmd_kernel.c
aggregator_kinds_kernel_libkind_kernel_la_CPPFLAGS = $(APP_KIND_CPPFLAGS) \
	-I$(top_srcdir)/aggregator/kinds/migration
aggregator_kinds_kernel_libkind_kernel_la_CFLAGS = $(AM_CFLAGS) \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS) $(LIBEVENT_CFLAGS)
KIND_LIBS += aggregator/kinds/kernel/libkind_kernel.la

# Its stratactl formatters (fmt_kernel.c) are compiled into stratactl
# (clients/clients.mk).
