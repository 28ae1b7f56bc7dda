# emit/: the event emitters, strata-emit (scenarios) and strata-qemu-bridge
# (QEMU's log backend re-emitted), with their lttng-ust providers and the
# QEMU log parser.  qemu_tp.c and emit_ev.c are compiled once per program:
# the bridge gets QEMU 7.2's layout of qemu:migrate_transferred
# (docs/events.md).
noinst_LTLIBRARIES += emit/libqemulog.la
emit_libqemulog_la_SOURCES = emit/qemu_log.h emit/qemu_log.c

bin_PROGRAMS += emit/strata-emit emit/strata-qemu-bridge emit/strata-ovs-bridge
emit_tp_sources = emit/qemu_tp.h emit/qemu_tp.c emit/ovs_tp.h emit/ovs_tp.c \
	emit/kernel_tp.h \
	emit/emit_ev.h emit/emit_ev.c
emit_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/emit

emit_strata_emit_SOURCES = emit/strata-emit.c $(emit_tp_sources)
emit_strata_emit_CPPFLAGS = $(emit_cppflags)
emit_strata_emit_CFLAGS = $(AM_CFLAGS) $(LTTNG_UST_CFLAGS)
emit_strata_emit_LDADD = $(STRATA_LIBS) $(LTTNG_UST_LIBS) -ldl

emit_strata_qemu_bridge_SOURCES = emit/strata-qemu-bridge.c $(emit_tp_sources)
emit_strata_qemu_bridge_CPPFLAGS = $(emit_cppflags) -DSTRATA_QEMU_72
emit_strata_qemu_bridge_CFLAGS = $(AM_CFLAGS) $(LTTNG_UST_CFLAGS)
emit_strata_qemu_bridge_LDADD = emit/libqemulog.la $(STRATA_LIBS) \
	$(LTTNG_UST_LIBS) -ldl

# strata-ovs-bridge: OvS's control-plane signals as ovs:* events (ovs_tp.h).
# ovs_parse.c reads OvS's answers (tests/fuzz/fuzz_ovs_bridge.c fuzzes it).
emit_strata_ovs_bridge_SOURCES = emit/strata-ovs-bridge.c emit/ovs_parse.h \
	emit/ovs_parse.c emit/ovs_tp.h emit/ovs_tp.c
emit_strata_ovs_bridge_CPPFLAGS = $(emit_cppflags)
emit_strata_ovs_bridge_CFLAGS = $(AM_CFLAGS) $(LTTNG_UST_CFLAGS) $(JSON_C_CFLAGS)
emit_strata_ovs_bridge_LDADD = $(STRATA_LIBS) $(LTTNG_UST_LIBS) -ldl

EXTRA_DIST += tests/data/qemu-7.2 tests/data/scenarios tests/data/traces/qemu-mig

# The OpenStack emitters (Python 3 + lttngust): strata-os-emit.py plays the
# scenarios of tests/data/openstack/scenarios, strata-os-replay.py a
# recorded JSON-lines stream, through the lttng-ust Python agent
# (docs/events.md); their library emit/strata_os.py is installed by
# python/python.mk.
dist_bin_SCRIPTS = emit/strata-os-emit.py emit/strata-os-replay.py
