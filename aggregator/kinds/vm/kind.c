/*
 * kind.c: the vm kind's registration on the aggregator's side: Nova
 * instances (their states as each node saw them, their events) and Nova's
 * live migrations, which the migration kind links to QEMU's.
 */
#include <stddef.h>
#include <string.h>

#include <json-c/json.h>

#include "kind.h"
#include "vm_int.h"
#include "vm_store.h"
#include "app_kind.h"
#include "prom.h"

/*
 * /metrics: the instances not deleted by Nova's vm_state, and by task
 * state (none for the idle ones): a handful of values, Nova's enums.
 */
static int
vm_metrics(struct store *s, void *arg, struct prom *p)
{
	struct vm_filter f = { .live = 1, .limit = APP_LIST_MAX };
	struct app_tally st, task;
	struct json_object *arr, *o;
	const char *err;
	size_t i;

	(void)arg;
	if ((arr = store_q_vms(s, &f, &err)) == NULL)
		return -1;
	memset(&st, 0, sizeof(st));
	memset(&task, 0, sizeof(task));
	for (i = 0; i < json_object_array_length(arr); i++) {
		o = json_object_array_get_idx(arr, i);
		app_tally_add(&st, app_str(o, "vm_state"), NULL, 1);
		app_tally_add(&task, app_str(o, "task_state") != NULL ?
		    app_str(o, "task_state") : "none", NULL, 1);
	}
	prom_family(p, "strata_vms", PROM_GAUGE,
	    "Nova instances (not deleted), by vm_state.");
	app_tally_write(&st, p, "strata_vms", "vm_state", NULL);
	prom_family(p, "strata_vm_tasks", PROM_GAUGE,
	    "Nova instances (not deleted), by task_state (none: idle).");
	app_tally_write(&task, p, "strata_vm_tasks", "task_state", NULL);
	app_tally_free(&st);
	app_tally_free(&task);
	json_object_put(arr);
	return 0;
}

/* Its pages: aggregator/kinds/vm/web/ (docs/http.md). */
static const struct agg_web vm_web = {
	.title = "VMs",
	.list = "vms.html",
	.item = "vm.html",
};

static const struct agg_record vm_records[] = {
	{ "vm", vm_fields_vm, vm_ingest_vm, NULL },
	{ "vm_event", vm_fields_event, vm_ingest_event, NULL },
	{ "nova_migration", vm_fields_nova, vm_ingest_nova, NULL },
	{ NULL, NULL, NULL, NULL }
};

extern const struct ctl_cmd *const vm_cmds[];

const struct agg_kind agg_kind_vm = {
	.name = "vm",
	.records = vm_records,
	.schema = vm_schema,
	.prepare = vm_prepare,
	.finish = vm_finish,
	.status = vm_status,
	.cmds = vm_cmds,
	.metrics = vm_metrics,
	.web = &vm_web,
};
