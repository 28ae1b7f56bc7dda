# tests/fuzz/: the libFuzzer targets, one per parser (docs/testing.md,
# "Fuzzing").  Each is built by FUZZ_CC (clang, found by configure) in one
# command from the sources it tests and the ones they need, all compiled
# with -fsanitize=fuzzer,address,undefined; the rest of the tree keeps CC,
# and libtool plays no part.  `make fuzz` builds them; tests/fuzz/run.sh
# (make check) replays each committed corpus and fuzzes FUZZ_TIME seconds
# (20) each; `make fuzz-long TIME=600 [RUNS=10000000] [TARGETS="ingest
# ctl"] [JOBS=2]` fuzzes longer, one target after the other (JOBS
# processes each, RUNS executions each), keeping what it finds in
# tests/fuzz/work/; `make fuzz-corpus`
# writes the seed corpora again from the tree's real inputs.
FUZZ_NAMES = ingest ctl agent_conf agg_conf qemu_log oslo ovs ovs_bridge

FUZZ_CFLAGS = -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CPPFLAGS = -DSTRATA_VERSION='"$(PACKAGE_VERSION)"' \
	-I$(top_srcdir)/lib -I$(top_srcdir)/lib/proto -I$(top_srcdir)/lib/source \
	-I$(top_srcdir)/lib/analyzers/migration \
	-I$(top_srcdir)/lib/analyzers/oslo -I$(top_srcdir)/agent \
	-I$(top_srcdir)/aggregator -I$(top_srcdir)/aggregator/store \
	-I$(top_srcdir)/aggregator/cmd \
	-I$(top_srcdir)/aggregator/kinds/migration -I$(top_srcdir)/aggregator/kinds \
	-I$(top_srcdir)/aggregator/kinds/app -I$(top_srcdir)/aggregator/kinds/vm \
	-I$(top_srcdir)/aggregator/kinds/request \
	-I$(top_srcdir)/aggregator/kinds/service \
	-I$(top_srcdir)/aggregator/kinds/volume -I$(top_srcdir)/aggregator/kinds/port \
	-I$(top_srcdir)/aggregator/kinds/ovs \
	-I$(top_srcdir)/aggregator/kinds/kernel \
	-I$(top_srcdir)/aggregator/http -I$(top_srcdir)/emit \
	-I$(top_srcdir)/tests/helpers \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(LIBEVENT_OPENSSL_CFLAGS) $(OPENSSL_CFLAGS) $(LIBSYSTEMD_CFLAGS)

# What the targets include, for make to rebuild them when it changes.
fuzz_common_h = $(top_srcdir)/tests/fuzz/fuzz.h $(top_srcdir)/lib/log.h \
	$(top_srcdir)/tests/helpers/json_strict.h
fuzz_store_h = $(fuzz_common_h) $(top_srcdir)/tests/fuzz/fuzz_store.h \
	$(top_srcdir)/lib/clock.h $(top_srcdir)/lib/jwrite.h \
	$(top_srcdir)/lib/sock.h $(top_srcdir)/lib/proto/proto.h \
	$(top_srcdir)/aggregator/ctl.h $(top_srcdir)/aggregator/ingest.h \
	$(top_srcdir)/aggregator/kind.h $(top_srcdir)/aggregator/cmd/cmd.h \
	$(top_srcdir)/aggregator/store/store.h \
	$(top_srcdir)/aggregator/store/store_int.h \
	$(top_srcdir)/aggregator/store/store_kind.h \
	$(top_srcdir)/aggregator/kinds/migration/mig_int.h \
	$(top_srcdir)/aggregator/kinds/migration/mig_store.h \
	$(top_srcdir)/aggregator/kinds/ovs/ovs_store.h $(top_srcdir)/lib/loghist.h
fuzz_agent_conf_h = $(fuzz_common_h) $(top_srcdir)/lib/conf.h \
	$(top_srcdir)/lib/ev.h $(top_srcdir)/lib/vmreg.h \
	$(top_srcdir)/lib/analyzer.h \
	$(top_srcdir)/lib/analyzers/migration/migration.h \
	$(top_srcdir)/agent/agent.h $(top_srcdir)/agent/arm.h
fuzz_agg_conf_h = $(fuzz_common_h) $(top_srcdir)/lib/conf.h \
	$(top_srcdir)/lib/token.h $(top_srcdir)/lib/proto/proto.h \
	$(top_srcdir)/aggregator/aggregator.h \
	$(top_srcdir)/aggregator/alertout.h $(top_srcdir)/aggregator/ctl.h
fuzz_qemu_log_h = $(fuzz_common_h) $(top_srcdir)/lib/ev.h \
	$(top_srcdir)/emit/qemu_log.h
fuzz_ovs_bridge_h = $(fuzz_common_h) $(top_srcdir)/emit/ovs_parse.h
fuzz_oslo_h = $(fuzz_common_h) $(top_srcdir)/lib/ev.h $(top_srcdir)/lib/conf.h \
	$(top_srcdir)/lib/vmreg.h $(top_srcdir)/lib/analyzer.h \
	$(top_srcdir)/lib/analyzers/migration/migration.h \
	$(top_srcdir)/lib/analyzers/oslo/ojs.h \
	$(top_srcdir)/lib/analyzers/oslo/oslo.h \
	$(top_srcdir)/lib/analyzers/vm/vm.h

# The store with every record kind, as libstore.la and libkinds.la have
# them, and what ingest.c and ctl.c call besides.
fuzz_store_src = \
	$(top_srcdir)/aggregator/store/store.c \
	$(top_srcdir)/aggregator/store/store_ckpt.c \
	$(top_srcdir)/aggregator/store/store_sync.c \
	$(top_srcdir)/aggregator/store/store_alert.c \
	$(top_srcdir)/aggregator/store/store_clock.c \
	$(top_srcdir)/aggregator/store/store_query.c \
	$(top_srcdir)/aggregator/store/store_schema.c \
	$(top_srcdir)/aggregator/store/store_metrics.c \
	$(top_srcdir)/aggregator/kinds/kinds.c \
	$(top_srcdir)/aggregator/kinds/app/app_kind.c \
	$(top_srcdir)/aggregator/kinds/migration/cmd_migration.c \
	$(top_srcdir)/aggregator/kinds/migration/cmd_migrations.c \
	$(top_srcdir)/aggregator/kinds/migration/cmds.c \
	$(top_srcdir)/aggregator/kinds/migration/kind.c \
	$(top_srcdir)/aggregator/kinds/migration/mig_advice.c \
	$(top_srcdir)/aggregator/kinds/migration/mig_correlate.c \
	$(top_srcdir)/aggregator/kinds/migration/mig_ingest.c \
	$(top_srcdir)/aggregator/kinds/migration/mig_link.c \
	$(top_srcdir)/aggregator/kinds/migration/mig_query.c \
	$(top_srcdir)/aggregator/kinds/migration/mig_schema.c \
	$(top_srcdir)/aggregator/kinds/port/cmd_ports.c \
	$(top_srcdir)/aggregator/kinds/port/kind.c \
	$(top_srcdir)/aggregator/kinds/ovs/kind.c \
	$(top_srcdir)/aggregator/kinds/ovs/ovs_query.c \
	$(top_srcdir)/aggregator/kinds/ovs/ovs_vm2vm.c \
	$(top_srcdir)/aggregator/kinds/ovs/cmd_ovs.c \
	$(top_srcdir)/lib/loghist.c \
	$(top_srcdir)/aggregator/kinds/request/cmd_request.c \
	$(top_srcdir)/aggregator/kinds/request/cmd_requests.c \
	$(top_srcdir)/aggregator/kinds/request/cmds.c \
	$(top_srcdir)/aggregator/kinds/request/kind.c \
	$(top_srcdir)/aggregator/kinds/request/req_ingest.c \
	$(top_srcdir)/aggregator/kinds/request/req_query.c \
	$(top_srcdir)/aggregator/kinds/request/req_schema.c \
	$(top_srcdir)/aggregator/kinds/request/req_tree.c \
	$(top_srcdir)/aggregator/kinds/service/cmd_services.c \
	$(top_srcdir)/aggregator/kinds/service/kind.c \
	$(top_srcdir)/aggregator/kinds/vm/cmd_vm.c \
	$(top_srcdir)/aggregator/kinds/vm/cmd_vms.c \
	$(top_srcdir)/aggregator/kinds/vm/cmds.c \
	$(top_srcdir)/aggregator/kinds/vm/kind.c \
	$(top_srcdir)/aggregator/kinds/vm/vm_ingest.c \
	$(top_srcdir)/aggregator/kinds/vm/vm_nova.c \
	$(top_srcdir)/aggregator/kinds/vm/vm_query.c \
	$(top_srcdir)/aggregator/kinds/vm/vm_schema.c \
	$(top_srcdir)/aggregator/kinds/volume/cmd_volumes.c \
	$(top_srcdir)/aggregator/kinds/volume/kind.c \
	$(top_srcdir)/aggregator/kinds/kernel/kind.c \
	$(top_srcdir)/aggregator/kinds/kernel/cmd_kernel.c \
	$(top_srcdir)/aggregator/fdbudget.c \
	$(top_srcdir)/lib/jwrite.c \
	$(top_srcdir)/lib/log.c \
	$(top_srcdir)/lib/proto/proto.c $(top_srcdir)/lib/jscan.c \
	$(top_srcdir)/lib/sock.c \
	$(top_srcdir)/lib/prom.c \
	$(top_srcdir)/lib/utf8.c \
	$(top_srcdir)/lib/tls.c
fuzz_store_libs = $(JSON_C_LIBS) $(SQLITE3_LIBS) $(LIBEVENT_LIBS) \
	$(LIBEVENT_OPENSSL_LIBS) $(OPENSSL_LIBS) $(LIBSYSTEMD_LIBS) -lm -lpthread

# fuzz_ingest.c includes aggregator/ingest.c itself.
fuzz_ingest_src = $(top_srcdir)/tests/fuzz/fuzz_ingest.c $(fuzz_store_src)
fuzz_ingest_deps = $(top_srcdir)/aggregator/ingest.c
fuzz_ingest_libs = $(fuzz_store_libs)

fuzz_ctl_src = $(top_srcdir)/tests/fuzz/fuzz_ctl.c $(fuzz_store_src) \
	$(top_srcdir)/aggregator/ctl.c $(top_srcdir)/aggregator/follow.c \
	$(top_srcdir)/aggregator/cmd/cmd.c \
	$(top_srcdir)/aggregator/cmd/cmd_parse.c \
	$(top_srcdir)/aggregator/cmd/cmd_help.c \
	$(top_srcdir)/aggregator/cmd/cmd_status.c \
	$(top_srcdir)/aggregator/cmd/cmd_nodes.c \
	$(top_srcdir)/aggregator/cmd/cmd_alerts.c \
	$(top_srcdir)/aggregator/cmd/cmd_alerts_follow.c \
	$(top_srcdir)/aggregator/cmd/cmd_alert_ack.c
fuzz_ctl_libs = $(fuzz_store_libs)

# Every registered analyzer, as libanalyzers.la has them, and their set.
fuzz_analyzers_src = \
	$(top_srcdir)/lib/analyzer_set.c $(top_srcdir)/lib/analyzers/analyzers.c \
	$(top_srcdir)/lib/analyzers/migration/migration.c \
	$(top_srcdir)/lib/analyzers/migration/record.c \
	$(top_srcdir)/lib/analyzers/migration/verdict.c \
	$(top_srcdir)/lib/analyzers/oslo/ojs.c \
	$(top_srcdir)/lib/analyzers/oslo/oslo.c \
	$(top_srcdir)/lib/analyzers/oslo/util.c \
	$(top_srcdir)/lib/analyzers/oslo/oslo_an.c \
	$(top_srcdir)/lib/analyzers/vm/vm.c $(top_srcdir)/lib/analyzers/vm/nmig.c \
	$(top_srcdir)/lib/analyzers/vm/vm_record.c \
	$(top_srcdir)/lib/analyzers/request/request.c \
	$(top_srcdir)/lib/analyzers/service/service.c \
	$(top_srcdir)/lib/analyzers/volume/volume.c \
	$(top_srcdir)/lib/analyzers/port/port.c \
	$(top_srcdir)/lib/analyzers/ovs/ovs.c $(top_srcdir)/lib/loghist.c \
	$(top_srcdir)/lib/analyzers/kernel/kernel.c \
	$(top_srcdir)/lib/analyzers/kernel/kthread.c \
	$(top_srcdir)/lib/analyzers/kernel/kblock.c \
	$(top_srcdir)/lib/analyzers/kernel/krecord.c $(top_srcdir)/lib/jwrite.c

fuzz_agent_conf_src = $(top_srcdir)/tests/fuzz/fuzz_agent_conf.c \
	$(top_srcdir)/agent/agent_conf.c $(top_srcdir)/agent/arm.c \
	$(fuzz_analyzers_src) \
	$(top_srcdir)/lib/conf.c $(top_srcdir)/lib/log.c $(top_srcdir)/lib/ev.c \
	$(top_srcdir)/lib/vmreg.c $(top_srcdir)/lib/httpd.c \
	$(top_srcdir)/lib/proto/proto.c $(top_srcdir)/lib/jscan.c
fuzz_agent_conf_libs = $(JSON_C_LIBS) $(LTTNG_CTL_LIBS) $(LIBEVENT_LIBS) \
	$(LIBSYSTEMD_LIBS) -lm

fuzz_agg_conf_src = $(top_srcdir)/tests/fuzz/fuzz_agg_conf.c \
	$(top_srcdir)/aggregator/aggregator_conf.c \
	$(top_srcdir)/aggregator/alertout.c $(top_srcdir)/lib/conf.c \
	$(top_srcdir)/lib/log.c $(top_srcdir)/lib/token.c \
	$(top_srcdir)/lib/proto/proto.c $(top_srcdir)/lib/jscan.c $(top_srcdir)/lib/httpd.c \
	$(top_srcdir)/lib/tls.c $(top_srcdir)/aggregator/alertmgr.c \
	$(top_srcdir)/lib/jwrite.c
fuzz_agg_conf_libs = $(JSON_C_LIBS) $(LIBEVENT_LIBS) $(LIBEVENT_OPENSSL_LIBS) \
	$(OPENSSL_LIBS) $(LIBSYSTEMD_LIBS) -lm

fuzz_qemu_log_src = $(top_srcdir)/tests/fuzz/fuzz_qemu_log.c \
	$(top_srcdir)/emit/qemu_log.c $(top_srcdir)/lib/log.c \
	$(top_srcdir)/lib/ev.c
fuzz_qemu_log_libs = $(LIBSYSTEMD_LIBS) -lm

# fuzz_oslo.c with every registered analyzer (fuzz_analyzers_src).
fuzz_oslo_src = $(top_srcdir)/tests/fuzz/fuzz_oslo.c $(fuzz_analyzers_src) \
	$(top_srcdir)/lib/conf.c $(top_srcdir)/lib/log.c $(top_srcdir)/lib/ev.c \
	$(top_srcdir)/lib/vmreg.c $(top_srcdir)/lib/jscan.c
fuzz_oslo_libs = $(JSON_C_LIBS) $(LIBSYSTEMD_LIBS) -lm

# fuzz_ovs.c: ovs:* and datapath kprobe events into the same set.
fuzz_ovs_src = $(top_srcdir)/tests/fuzz/fuzz_ovs.c $(fuzz_analyzers_src) \
	$(top_srcdir)/lib/conf.c $(top_srcdir)/lib/log.c $(top_srcdir)/lib/ev.c \
	$(top_srcdir)/lib/vmreg.c $(top_srcdir)/lib/jscan.c
fuzz_ovs_libs = $(fuzz_oslo_libs)

# fuzz_ovs_bridge.c: strata-ovs-bridge's readers of OvS's answers.
fuzz_ovs_bridge_src = $(top_srcdir)/tests/fuzz/fuzz_ovs_bridge.c \
	$(top_srcdir)/emit/ovs_parse.c $(top_srcdir)/lib/log.c
fuzz_ovs_bridge_libs = $(JSON_C_LIBS) $(LIBSYSTEMD_LIBS)

FUZZ_BUILD = $(AM_V_CCLD)$(MKDIR_P) tests/fuzz && $(FUZZ_CC) $(FUZZ_CPPFLAGS) \
	$(FUZZ_CFLAGS) -o $@

if HAVE_FUZZ
FUZZ_BINS = tests/fuzz/fuzz_ingest tests/fuzz/fuzz_ctl \
	tests/fuzz/fuzz_agent_conf tests/fuzz/fuzz_agg_conf \
	tests/fuzz/fuzz_qemu_log tests/fuzz/fuzz_oslo tests/fuzz/fuzz_ovs \
	tests/fuzz/fuzz_ovs_bridge

tests/fuzz/fuzz_ingest: $(fuzz_ingest_src) $(fuzz_ingest_deps) $(fuzz_store_h)
	$(FUZZ_BUILD) $(fuzz_ingest_src) $(fuzz_ingest_libs)
tests/fuzz/fuzz_ctl: $(fuzz_ctl_src) $(fuzz_store_h)
	$(FUZZ_BUILD) $(fuzz_ctl_src) $(fuzz_ctl_libs)
tests/fuzz/fuzz_agent_conf: $(fuzz_agent_conf_src) $(fuzz_agent_conf_h)
	$(FUZZ_BUILD) $(fuzz_agent_conf_src) $(fuzz_agent_conf_libs)
tests/fuzz/fuzz_agg_conf: $(fuzz_agg_conf_src) $(fuzz_agg_conf_h)
	$(FUZZ_BUILD) $(fuzz_agg_conf_src) $(fuzz_agg_conf_libs)
tests/fuzz/fuzz_qemu_log: $(fuzz_qemu_log_src) $(fuzz_qemu_log_h)
	$(FUZZ_BUILD) $(fuzz_qemu_log_src) $(fuzz_qemu_log_libs)
tests/fuzz/fuzz_oslo: $(fuzz_oslo_src) $(fuzz_oslo_h)
	$(FUZZ_BUILD) $(fuzz_oslo_src) $(fuzz_oslo_libs)
tests/fuzz/fuzz_ovs: $(fuzz_ovs_src) $(fuzz_oslo_h) $(top_srcdir)/lib/loghist.h
	$(FUZZ_BUILD) $(fuzz_ovs_src) $(fuzz_ovs_libs)
tests/fuzz/fuzz_ovs_bridge: $(fuzz_ovs_bridge_src) $(fuzz_ovs_bridge_h)
	$(FUZZ_BUILD) $(fuzz_ovs_bridge_src) $(fuzz_ovs_bridge_libs)

fuzz: $(FUZZ_BINS)
else
FUZZ_BINS =

fuzz:
	@echo "make fuzz: $(FUZZ_WHY); configure again once it is there" >&2
	@exit 1
endif

# What run.sh needs to know of configure's findings.
tests/fuzz/fuzz-env.sh: Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/fuzz && \
	printf "FUZZ_OK='%s'\nFUZZ_WHY='%s'\nFUZZ_NAMES='%s'\n" \
	    '$(FUZZ_OK)' '$(FUZZ_WHY)' '$(FUZZ_NAMES)' > $@

TESTS += tests/fuzz/run.sh
# make check builds the targets only when run.sh is among its tests.
tests/fuzz/run.log: $(FUZZ_BINS) tests/fuzz/fuzz-env.sh

fuzz-long: $(FUZZ_BINS) tests/fuzz/fuzz-env.sh
	t='$(TIME)'; FUZZ_TIME=$${t:-600} FUZZ_KEEP=1 FUZZ_RUNS='$(RUNS)' \
	    FUZZ_JOBS='$(JOBS)' \
	    FUZZ_TARGETS='$(TARGETS)' top_srcdir='$(abs_top_srcdir)' \
	    top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(top_srcdir)/tests/fuzz/run.sh

# The seed corpora, from the tree's real inputs (fuzz-corpus.c, seed.sh).
EXTRA_PROGRAMS = tests/fuzz/fuzz-corpus
tests_fuzz_fuzz_corpus_SOURCES = tests/fuzz/fuzz-corpus.c
tests_fuzz_fuzz_corpus_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/lib/analyzers/migration -I$(top_srcdir)/emit
tests_fuzz_fuzz_corpus_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_fuzz_fuzz_corpus_LDADD = emit/libqemulog.la $(STRATA_LIBS)

fuzz-corpus: tests/fuzz/fuzz-corpus$(EXEEXT)
	$(MKDIR_P) $(top_srcdir)/tests/fuzz/corpus/ingest
	tests/fuzz/fuzz-corpus$(EXEEXT) $(top_srcdir) \
	    $(top_srcdir)/tests/fuzz/corpus/ingest
	$(SHELL) $(top_srcdir)/tests/fuzz/seed.sh $(top_srcdir) \
	    $(top_srcdir)/tests/fuzz/corpus

.PHONY: fuzz fuzz-long fuzz-corpus
CLEANFILES += $(FUZZ_BINS) tests/fuzz/fuzz-env.sh tests/fuzz/fuzz-corpus$(EXEEXT)
EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/seed.sh tests/fuzz/ovs-seed.sh \
	tests/fuzz/fuzz.h \
	tests/fuzz/fuzz_store.h \
	tests/fuzz/fuzz_ingest.c tests/fuzz/fuzz_ctl.c \
	tests/fuzz/fuzz_agent_conf.c tests/fuzz/fuzz_agg_conf.c \
	tests/fuzz/fuzz_qemu_log.c tests/fuzz/fuzz_oslo.c tests/fuzz/fuzz_ovs.c \
	tests/fuzz/fuzz_ovs_bridge.c \
	tests/fuzz/ingest.dict tests/fuzz/ovs.dict tests/fuzz/ovs_bridge.dict \
	tests/fuzz/ctl.dict tests/fuzz/agent_conf.dict tests/fuzz/agg_conf.dict \
	tests/fuzz/qemu_log.dict tests/fuzz/oslo.dict tests/fuzz/corpus

clean-local: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/work
.PHONY: clean-fuzz
