/*
 * ovs_tp.c: instantiates the `ovs` tracepoint provider of ovs_tp.h in the
 * program that links it (strata-emit, strata-ovs-bridge).
 */
#define TRACEPOINT_CREATE_PROBES
#define TRACEPOINT_DEFINE

#include "ovs_tp.h"
