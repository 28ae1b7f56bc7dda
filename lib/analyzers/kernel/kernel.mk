# lib/analyzers/kernel/: the kernel analyzer (lttng-modules sched, kvm,
# block, irq, net and statedump events, or the agent's /proc samples, in;
# kernel_thread, kernel_disk and kernel_cpu records out).
noinst_LTLIBRARIES += lib/analyzers/kernel/libkernel.la
lib_analyzers_kernel_libkernel_la_SOURCES = \
	lib/analyzers/kernel/kernel.h \
	lib/analyzers/kernel/kernel.c \
	lib/analyzers/kernel/kthread.c \
	lib/analyzers/kernel/kblock.c \
	lib/analyzers/kernel/krecord.c
lib_analyzers_kernel_libkernel_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
ANALYZER_LIBS += lib/analyzers/kernel/libkernel.la
