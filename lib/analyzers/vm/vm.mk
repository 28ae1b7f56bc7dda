# lib/analyzers/vm/: the vm analyzer (Nova instance notifications, the
# seed's EVENT lines, the libvirt driver's live-migration lines and
# qemu:vm_state_notify in; vm, vm_event and nova_migration records out).
noinst_LTLIBRARIES += lib/analyzers/vm/libvm.la
lib_analyzers_vm_libvm_la_SOURCES = \
	lib/analyzers/vm/vm.h \
	lib/analyzers/vm/vm.c \
	lib/analyzers/vm/nmig.c \
	lib/analyzers/vm/vm_record.c
lib_analyzers_vm_libvm_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/lib/analyzers/oslo
lib_analyzers_vm_libvm_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
ANALYZER_LIBS += lib/analyzers/vm/libvm.la
