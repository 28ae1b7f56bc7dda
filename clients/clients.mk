# clients/: stratactl and its formatters.  It keeps no command table (the
# aggregator's `help` is the one); the record kinds' formatters are
# compiled in from their folders (aggregator/kinds/KIND/fmt_KIND.c).
bin_PROGRAMS += clients/stratactl
clients_stratactl_SOURCES = clients/stratactl.c clients/ctl_fmt.c \
	clients/ctl_fmt.h aggregator/kinds/migration/fmt_migration.c \
	aggregator/kinds/vm/fmt_vm.c \
	aggregator/kinds/request/fmt_request.c \
	aggregator/kinds/service/fmt_service.c \
	aggregator/kinds/volume/fmt_volume.c \
	aggregator/kinds/port/fmt_port.c \
	aggregator/kinds/ovs/fmt_ovs.c \
	aggregator/kinds/kernel/fmt_kernel.c
clients_stratactl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/clients
clients_stratactl_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
clients_stratactl_LDADD = $(JSON_C_LIBS) -lm
