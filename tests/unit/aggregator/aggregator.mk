# tests/unit/aggregator/: unit tests of the store, the control commands
# and followers, the push -> ingest link and what Alertmanager is sent.
check_PROGRAMS += tests/unit/aggregator/test_store \
	tests/unit/aggregator/test_ctl_cmds tests/unit/aggregator/test_ctl_follow \
	tests/unit/aggregator/test_link tests/unit/aggregator/test_alertmgr \
	tests/unit/aggregator/test_app_kinds tests/unit/aggregator/test_store_plans
TESTS += tests/unit/aggregator/test_store \
	tests/unit/aggregator/test_ctl_cmds tests/unit/aggregator/test_ctl_follow \
	tests/unit/aggregator/test_link tests/unit/aggregator/test_alertmgr \
	tests/unit/aggregator/test_app_kinds tests/unit/aggregator/test_store_plans
agg_test_cppflags = $(unit_cppflags) -I$(top_srcdir)/aggregator \
	-I$(top_srcdir)/aggregator/store -I$(top_srcdir)/aggregator/kinds/migration
agg_test_cflags = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JSON_C_CFLAGS) \
	$(SQLITE3_CFLAGS)

tests_unit_aggregator_test_store_SOURCES = tests/unit/aggregator/test_store.c
tests_unit_aggregator_test_store_CPPFLAGS = $(agg_test_cppflags)
tests_unit_aggregator_test_store_CFLAGS = $(agg_test_cflags)
tests_unit_aggregator_test_store_LDADD = $(STORE_LIBS)

# Query plans that hold whatever statistics PRAGMA optimize left.
tests_unit_aggregator_test_store_plans_SOURCES = \
	tests/unit/aggregator/test_store_plans.c
tests_unit_aggregator_test_store_plans_CPPFLAGS = $(agg_test_cppflags)
tests_unit_aggregator_test_store_plans_CFLAGS = $(agg_test_cflags)
tests_unit_aggregator_test_store_plans_LDADD = $(STORE_LIBS)

# The control commands run against a real store on a temporary file.
ctl_test_ldadd = aggregator/libaggregator.la $(STORE_LIBS) $(LIBEVENT_LIBS)
tests_unit_aggregator_test_ctl_cmds_SOURCES = \
	tests/unit/aggregator/test_ctl_cmds.c
tests_unit_aggregator_test_ctl_cmds_CPPFLAGS = $(agg_test_cppflags)
tests_unit_aggregator_test_ctl_cmds_CFLAGS = $(agg_test_cflags)
tests_unit_aggregator_test_ctl_cmds_LDADD = $(ctl_test_ldadd)
tests_unit_aggregator_test_ctl_follow_SOURCES = \
	tests/unit/aggregator/test_ctl_follow.c
tests_unit_aggregator_test_ctl_follow_CPPFLAGS = $(agg_test_cppflags)
tests_unit_aggregator_test_ctl_follow_CFLAGS = $(agg_test_cflags)
tests_unit_aggregator_test_ctl_follow_LDADD = $(ctl_test_ldadd)

tests_unit_aggregator_test_link_SOURCES = tests/unit/aggregator/test_link.c
tests_unit_aggregator_test_link_CPPFLAGS = $(agg_test_cppflags) \
	-I$(top_srcdir)/agent
tests_unit_aggregator_test_link_CFLAGS = $(agg_test_cflags)
tests_unit_aggregator_test_link_LDADD = aggregator/libaggregator.la \
	$(AGENT_LIBS)

tests_unit_aggregator_test_alertmgr_SOURCES = \
	tests/unit/aggregator/test_alertmgr.c
tests_unit_aggregator_test_alertmgr_CPPFLAGS = $(agg_test_cppflags)
tests_unit_aggregator_test_alertmgr_CFLAGS = $(agg_test_cflags)
tests_unit_aggregator_test_alertmgr_LDADD = $(ctl_test_ldadd)

# The application-layer kinds (vm, request, service, volume, port) and the
# multi-layer link, through the store and the control commands.
tests_unit_aggregator_test_app_kinds_SOURCES = \
	tests/unit/aggregator/test_app_kinds.c
tests_unit_aggregator_test_app_kinds_CPPFLAGS = $(agg_test_cppflags) \
	-I$(top_srcdir)/aggregator/kinds/app
tests_unit_aggregator_test_app_kinds_CFLAGS = $(agg_test_cflags)
tests_unit_aggregator_test_app_kinds_LDADD = $(ctl_test_ldadd) -lm

# The ovs kind, fed the real ovs analyzer's records.
check_PROGRAMS += tests/unit/aggregator/test_ovs_kind
TESTS += tests/unit/aggregator/test_ovs_kind
tests_unit_aggregator_test_ovs_kind_SOURCES = \
	tests/unit/aggregator/test_ovs_kind.c
tests_unit_aggregator_test_ovs_kind_CPPFLAGS = $(agg_test_cppflags)
tests_unit_aggregator_test_ovs_kind_CFLAGS = $(agg_test_cflags)
tests_unit_aggregator_test_ovs_kind_LDADD = $(ctl_test_ldadd) -lm
EXTRA_DIST += tests/unit/aggregator/ctl_harness.h
