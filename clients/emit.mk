# clients/emit.mk: the QEMU log parser (libstrata), the event emitters
# strata-emit and strata-qemu-bridge with their lttng-ust providers, the
# parser's unit test, the real QEMU 7.2 logs and the scenarios.
lib_libstrata_la_SOURCES += lib/qemu_log.c lib/qemu_log.h

# qemu_tp.c and emit_ev.c are compiled once per program: the bridge gets
# QEMU 7.2's layout of qemu:migrate_transferred (docs/events.md).
bin_PROGRAMS += clients/strata-emit clients/strata-qemu-bridge
emit_tp_sources = clients/qemu_tp.h clients/qemu_tp.c \
	clients/emit_ev.h clients/emit_ev.c
emit_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/clients

clients_strata_emit_SOURCES = clients/strata-emit.c $(emit_tp_sources)
clients_strata_emit_CPPFLAGS = $(emit_cppflags)
clients_strata_emit_CFLAGS = $(AM_CFLAGS) $(LTTNG_UST_CFLAGS)
clients_strata_emit_LDADD = $(STRATA_LIBS) $(LTTNG_UST_LIBS) -ldl

clients_strata_qemu_bridge_SOURCES = clients/strata-qemu-bridge.c \
	$(emit_tp_sources)
clients_strata_qemu_bridge_CPPFLAGS = $(emit_cppflags) -DSTRATA_QEMU_72
clients_strata_qemu_bridge_CFLAGS = $(AM_CFLAGS) $(LTTNG_UST_CFLAGS)
clients_strata_qemu_bridge_LDADD = $(STRATA_LIBS) $(LTTNG_UST_LIBS) -ldl

check_PROGRAMS += tests/unit/test_qemu_log
TESTS += tests/unit/test_qemu_log
tests_unit_test_qemu_log_SOURCES = tests/unit/test_qemu_log.c
tests_unit_test_qemu_log_LDADD = $(STRATA_LIBS)

EXTRA_DIST += tests/data/qemu-7.2 tests/data/scenarios
