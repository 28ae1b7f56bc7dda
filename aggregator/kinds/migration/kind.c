/*
 * kind.c: the migration kind's registration on the aggregator's side:
 * QEMU live migrations, their sides on each node, rounds and alerts.
 */
#include <stddef.h>

#include "kind.h"
#include "mig_int.h"

/* A side's rounds are read one at a time from the text (mig_ingest.c). */
static const char *const mig_text_side[] = { "rounds", NULL };

static const struct agg_record mig_records[] = {
	{ "migration", mig_fields_side, mig_ingest_side, mig_text_side },
	{ "migration_round", mig_fields_round, mig_ingest_round, NULL },
	{ NULL, NULL, NULL, NULL }
};

extern const struct ctl_cmd *const migration_cmds[];

/* Its pages: aggregator/kinds/migration/web/ (docs/http.md). */
static const struct agg_web mig_web = {
	.title = "Migrations",
	.list = "migrations.html",
	.item = "migration.html",
};

const struct agg_kind agg_kind_migration = {
	.name = "migration",
	.records = mig_records,
	.schema = mig_schema,
	.prepare = mig_prepare,
	.finish = mig_finish,
	.alert = mig_kind_alert,
	.after_batch = mig_after_batch,
	.batch_end = mig_batch_end,
	.status = mig_status,
	.alert_json = mig_alert_json,
	.cmds = migration_cmds,
	.metrics = mig_metrics,
	.web = &mig_web,
};
