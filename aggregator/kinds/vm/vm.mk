# aggregator/kinds/vm/: the vm kind (kind.c registers it): Nova instances,
# their events, and Nova's live migrations.
noinst_LTLIBRARIES += aggregator/kinds/vm/libkind_vm.la
aggregator_kinds_vm_libkind_vm_la_SOURCES = \
	aggregator/kinds/vm/kind.c \
	aggregator/kinds/vm/vm_store.h \
	aggregator/kinds/vm/vm_int.h \
	aggregator/kinds/vm/vm_schema.c \
	aggregator/kinds/vm/vm_ingest.c \
	aggregator/kinds/vm/vm_query.c \
	aggregator/kinds/vm/vm_nova.c \
	aggregator/kinds/vm/cmds.c \
	aggregator/kinds/vm/cmd_vms.c \
	aggregator/kinds/vm/cmd_vm.c
aggregator_kinds_vm_libkind_vm_la_CPPFLAGS = $(APP_KIND_CPPFLAGS) \
	-I$(top_srcdir)/aggregator/kinds/migration
aggregator_kinds_vm_libkind_vm_la_CFLAGS = $(AM_CFLAGS) \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS) $(LIBEVENT_CFLAGS)
KIND_LIBS += aggregator/kinds/vm/libkind_vm.la

# Its stratactl formatters (fmt_vm.c) are compiled into stratactl
# (clients/clients.mk).

# Its web view (kind.c, .web): pages and script served as /kinds/vm/.
webkindvmdir = $(webdir)/kinds/vm
dist_webkindvm_DATA = aggregator/kinds/vm/web/vms.html \
	aggregator/kinds/vm/web/vm.html \
	aggregator/kinds/vm/web/vm.js
