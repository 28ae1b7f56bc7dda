/*
 * kinds.c: the aggregator's record kinds, one line each (kind.h).
 */
#include <stddef.h>

#include "kind.h"

extern const struct agg_kind agg_kind_migration;
extern const struct agg_kind agg_kind_vm;
extern const struct agg_kind agg_kind_request;
extern const struct agg_kind agg_kind_service;
extern const struct agg_kind agg_kind_volume;
extern const struct agg_kind agg_kind_port;
extern const struct agg_kind agg_kind_ovs;
extern const struct agg_kind agg_kind_kernel;

const struct agg_kind *const agg_kind_table[] = {
	&agg_kind_migration,
	&agg_kind_vm,
	&agg_kind_request,
	&agg_kind_service,
	&agg_kind_volume,
	&agg_kind_port,
	&agg_kind_ovs,
	&agg_kind_kernel,
	NULL
};
