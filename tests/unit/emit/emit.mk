# tests/unit/emit/: the QEMU log parser on the real QEMU 7.2 logs.
check_PROGRAMS += tests/unit/emit/test_qemu_log
TESTS += tests/unit/emit/test_qemu_log
tests_unit_emit_test_qemu_log_SOURCES = tests/unit/emit/test_qemu_log.c
tests_unit_emit_test_qemu_log_CPPFLAGS = $(unit_cppflags) -I$(top_srcdir)/emit
tests_unit_emit_test_qemu_log_LDADD = emit/libqemulog.la $(STRATA_LIBS)
