/* an_migration.c: placeholder, replaced in the next commit. */
#include "analyzer.h"
static int classify(const char *n) { (void)n; return AN_CODE_NONE; }
static void *create(const struct an_ctx *c) { static int x; (void)c; return &x; }
static void event(void *s, const struct ev *e) { (void)s; (void)e; }
static void finish(void *s) { (void)s; }
static void destroy(void *s) { (void)s; }
const struct analyzer_class an_migration_class = {
	"migration", classify, create, event, finish, NULL, destroy
};
