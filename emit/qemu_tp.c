/*
 * qemu_tp.c: instantiates the `qemu` and `strata` tracepoint providers of
 * qemu_tp.h (probes and tracepoint definitions) inside the program that
 * links it, so strata-emit and strata-qemu-bridge need no provider library.
 * Built once per program: -DSTRATA_QEMU_72 selects the QEMU 7.2 layout of
 * qemu:migrate_transferred.  The `strata_kernel` provider (kernel_tp.h)
 * too: lttng-modules' events replayed.
 */
#define TRACEPOINT_CREATE_PROBES
#define TRACEPOINT_DEFINE

#include "qemu_tp.h"
#define STRATA_TP_STRATA
#include "qemu_tp.h"
#include "kernel_tp.h"
