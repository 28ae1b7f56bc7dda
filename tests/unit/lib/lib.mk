# tests/unit/lib/: unit tests of libstrata: the event source, the wire
# format, the migration analyzer (on the real QEMU 7.2 logs), the record
# writer (jwrite), the BATCH scan (jscan), the UTF-8 check (utf8), field
# access (ev) and the Prometheus exposition writer with the HTTP
# listener's address rules.
check_PROGRAMS += tests/unit/lib/test_migration tests/unit/lib/test_source \
	tests/unit/lib/test_proto tests/unit/lib/test_prom \
	tests/unit/lib/test_jwrite tests/unit/lib/test_jscan \
	tests/unit/lib/test_utf8 tests/unit/lib/test_ev
TESTS += tests/unit/lib/test_migration tests/unit/lib/test_source \
	tests/unit/lib/test_proto tests/unit/lib/test_prom \
	tests/unit/lib/test_jwrite tests/unit/lib/test_jscan \
	tests/unit/lib/test_utf8 tests/unit/lib/test_ev
unit_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/helpers

tests_unit_lib_test_migration_SOURCES = tests/unit/lib/test_migration.c
tests_unit_lib_test_migration_CPPFLAGS = $(unit_cppflags) \
	-I$(top_srcdir)/lib/analyzers/migration -I$(top_srcdir)/emit
tests_unit_lib_test_migration_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_lib_test_migration_LDADD = emit/libqemulog.la $(STRATA_LIBS)

tests_unit_lib_test_source_SOURCES = tests/unit/lib/test_source.c
tests_unit_lib_test_source_CPPFLAGS = $(unit_cppflags)
tests_unit_lib_test_source_CFLAGS = $(AM_CFLAGS) $(BABELTRACE2_CFLAGS) \
	$(JSON_C_CFLAGS)
tests_unit_lib_test_source_LDADD = $(STRATA_LIBS)

tests_unit_lib_test_proto_SOURCES = tests/unit/lib/test_proto.c
tests_unit_lib_test_proto_CPPFLAGS = $(unit_cppflags)
tests_unit_lib_test_proto_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_lib_test_proto_LDADD = $(STRATA_LIBS)

tests_unit_lib_test_jwrite_SOURCES = tests/unit/lib/test_jwrite.c
tests_unit_lib_test_jwrite_CPPFLAGS = $(unit_cppflags)
tests_unit_lib_test_jwrite_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_lib_test_jwrite_LDADD = $(STRATA_LIBS)

tests_unit_lib_test_prom_SOURCES = tests/unit/lib/test_prom.c
tests_unit_lib_test_prom_CPPFLAGS = $(unit_cppflags)
tests_unit_lib_test_prom_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_lib_test_prom_LDADD = $(STRATA_LIBS)

# The application analyzers, on tests/data/openstack/streams.
app_tests = tests/unit/lib/test_ojs tests/unit/lib/test_vm \
	tests/unit/lib/test_app
check_PROGRAMS += $(app_tests)
TESTS += $(app_tests)
app_cppflags = $(unit_cppflags) -I$(top_srcdir)/lib/analyzers/oslo \
	-DDATADIR='"$(top_srcdir)/tests/data/openstack"'
EXTRA_DIST += tests/unit/lib/app_harness.h tests/data/openstack

tests_unit_lib_test_ojs_SOURCES = tests/unit/lib/test_ojs.c
tests_unit_lib_test_ojs_CPPFLAGS = $(app_cppflags)
tests_unit_lib_test_ojs_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_lib_test_ojs_LDADD = $(STRATA_LIBS)

tests_unit_lib_test_vm_SOURCES = tests/unit/lib/test_vm.c
tests_unit_lib_test_vm_CPPFLAGS = $(app_cppflags)
tests_unit_lib_test_vm_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_lib_test_vm_LDADD = $(STRATA_LIBS)

tests_unit_lib_test_app_SOURCES = tests/unit/lib/test_app.c
tests_unit_lib_test_app_CPPFLAGS = $(app_cppflags)
tests_unit_lib_test_app_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_lib_test_app_LDADD = $(STRATA_LIBS)

# The ovs analyzer, fed ovs:* events directly.
check_PROGRAMS += tests/unit/lib/test_ovs
TESTS += tests/unit/lib/test_ovs
tests_unit_lib_test_ovs_SOURCES = tests/unit/lib/test_ovs.c
tests_unit_lib_test_ovs_CPPFLAGS = $(unit_cppflags)
tests_unit_lib_test_ovs_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_lib_test_ovs_LDADD = $(STRATA_LIBS)
# The kernel analyzer, on events written by hand (the real lttng-modules
# traces are read in tests/integration/kernel-offline.sh).
check_PROGRAMS += tests/unit/lib/test_kernel
TESTS += tests/unit/lib/test_kernel
tests_unit_lib_test_kernel_SOURCES = tests/unit/lib/test_kernel.c
tests_unit_lib_test_kernel_CPPFLAGS = $(unit_cppflags) \
	-I$(top_srcdir)/lib/analyzers/kernel
tests_unit_lib_test_kernel_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_lib_test_kernel_LDADD = $(STRATA_LIBS)

tests_unit_lib_test_jscan_SOURCES = tests/unit/lib/test_jscan.c
tests_unit_lib_test_jscan_CPPFLAGS = $(unit_cppflags)
tests_unit_lib_test_jscan_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
tests_unit_lib_test_jscan_LDADD = $(STRATA_LIBS)

tests_unit_lib_test_utf8_SOURCES = tests/unit/lib/test_utf8.c
tests_unit_lib_test_utf8_CPPFLAGS = $(unit_cppflags)
tests_unit_lib_test_utf8_LDADD = $(STRATA_LIBS)

tests_unit_lib_test_ev_SOURCES = tests/unit/lib/test_ev.c
tests_unit_lib_test_ev_CPPFLAGS = $(unit_cppflags)
tests_unit_lib_test_ev_LDADD = $(STRATA_LIBS)
