/*
 * analyzers.c: the registration table of the agent's analyzers, one line
 * each.  Adding an analyzer: a folder lib/analyzers/KIND/ exporting one
 * `const struct analyzer_class an_KIND_class`, and a line below.
 */
#include <stddef.h>

#include "analyzer.h"

extern const struct analyzer_class an_migration_class;
extern const struct analyzer_class an_oslo_class;
extern const struct analyzer_class an_vm_class;
extern const struct analyzer_class an_request_class;
extern const struct analyzer_class an_service_class;
extern const struct analyzer_class an_volume_class;
extern const struct analyzer_class an_port_class;
extern const struct analyzer_class an_ovs_class;
extern const struct analyzer_class an_kernel_class;

const struct analyzer_class *const analyzer_table[] = {
	&an_migration_class,
	&an_oslo_class,		/* parses Python events first, for those below */
	&an_vm_class,
	&an_request_class,
	&an_service_class,
	&an_volume_class,
	&an_port_class,
	&an_ovs_class,
	&an_kernel_class,
	NULL
};
