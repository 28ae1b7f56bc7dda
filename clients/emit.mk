# clients/emit.mk: the QEMU log parser (libstrata), the event emitters
# strata-emit and strata-qemu-bridge, their unit test and data.
lib_libstrata_la_SOURCES += lib/qemu_log.c lib/qemu_log.h

check_PROGRAMS += tests/unit/test_qemu_log
TESTS += tests/unit/test_qemu_log
tests_unit_test_qemu_log_SOURCES = tests/unit/test_qemu_log.c
tests_unit_test_qemu_log_LDADD = $(STRATA_LIBS)

EXTRA_DIST += tests/data/qemu-7.2
