/*
 * test_ev.c: lib/ev.h and ev.c, how every analyzer reads an event's
 * fields: through a trusted plan (an index), an untrusted one (the name
 * at the index checked, else looked up), or by name; integers across
 * signed and unsigned; and doubles that do not fit an integer (NaN, the
 * infinities, out of range) refused rather than converted, which C
 * leaves undefined.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ev.h"
#include "tap.h"

static const char *const slots[] = { "a", "b", "c", "d", NULL };

int
main(void)
{
	struct ev ev;
	struct ev_plan trusted, untrusted;
	const double bad[] = { NAN, INFINITY, -INFINITY, 1e19, 2e19, -1e19 };
	uint64_t u;
	int64_t i;
	unsigned k;
	int refused = 0;

	plan(13);
	memset(&ev, 0, sizeof(ev));
	ev_add_int(&ev, "a", -5);
	ev_add_uint(&ev, "b", UINT64_MAX);
	ev_add_str(&ev, "c", "tap1");
	ev.f[ev.nfields].name = "d";
	ev.f[ev.nfields].type = EVF_DOUBLE;
	ev.f[ev.nfields++].v.d = 42.9;

	memset(&trusted, 0, sizeof(trusted));
	trusted.trusted = 1;
	trusted.slots = slots;
	trusted.idx[0] = 0, trusted.idx[1] = 1, trusted.idx[2] = 2;
	for (k = 3; k < EV_PLAN_SLOTS; k++)
		trusted.idx[k] = k == 3 ? 3 : -1;	/* as an_plan_fields() */
	ev.plan = &trusted;
	ok(ev_slot_i64(&ev, 0, &i) == 0 && i == -5, "a signed slot");
	ok(ev_slot_u64(&ev, 0, &u) == -1, "a negative value is no unsigned");
	ok(ev_slot_u64(&ev, 1, &u) == 0 && u == UINT64_MAX &&
	    ev_slot_i64(&ev, 1, &i) == -1, "UINT64_MAX is unsigned, not signed");
	ok(ev_slot_str(&ev, 2) != NULL && strcmp(ev_slot_str(&ev, 2),
	    "tap1") == 0 && ev_slot_str(&ev, 0) == NULL, "a string slot, and "
	    "an integer is no string");
	ok(ev_slot_i64(&ev, 3, &i) == 0 && i == 42 &&
	    ev_slot_u64(&ev, 3, &u) == 0 && u == 42, "a double read as an "
	    "integer is truncated");
	ok(ev_slot(&ev, 4) == NULL && ev_slot(&ev, EV_PLAN_SLOTS) == NULL,
	    "a slot the plan lacks, and one past them, are NULL");
	trusted.idx[4] = 7;		/* past ev.nfields */
	ok(ev_slot(&ev, 4) == NULL && ev_slot_str(&ev, 4) == NULL &&
	    ev_slot_i64(&ev, 4, &i) == -1, "an index past the event's fields "
	    "is no field");
	trusted.idx[4] = -1;

	/* An untrusted plan whose indices are wrong: found by name. */
	untrusted = trusted;
	untrusted.trusted = 0;
	untrusted.idx[0] = 2, untrusted.idx[2] = 0, untrusted.idx[3] = 9;
	ev.plan = &untrusted;
	ok(ev_slot_i64(&ev, 0, &i) == 0 && i == -5 &&
	    strcmp(ev_slot_str(&ev, 2), "tap1") == 0 &&
	    ev_slot_i64(&ev, 3, &i) == 0 && i == 42, "an untrusted plan's "
	    "wrong indices are checked and the names looked up");
	ev.plan = NULL;
	ok(ev_slot(&ev, 0) == NULL, "no plan: no slot");
	ok(ev_u64(&ev, "b", &u) == 0 && u == UINT64_MAX &&
	    ev_i64(&ev, "a", &i) == 0 && i == -5 && ev_str(&ev, "zz") == NULL,
	    "by name");

	ev.plan = &trusted;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		ev.f[3].v.d = bad[k];
		if (ev_slot_u64(&ev, 3, &u) == -1)
			refused++;
		if (bad[k] != -1e19 && ev_slot_i64(&ev, 3, &i) == -1)
			refused++;
	}
	/* 1e19 fits an unsigned: the other five of each are refused. */
	ok(refused == 10, "NaN, the infinities and doubles out of range are "
	    "refused as integers (%d of 10)", refused);
	ev.f[3].v.d = -1e19;
	ok(ev_slot_i64(&ev, 3, &i) == -1, "-1e19 is below INT64_MIN: refused");
	ev.f[3].v.d = -9e18;
	ok(ev_slot_i64(&ev, 3, &i) == 0 && i == -9000000000000000000LL &&
	    ev_slot_u64(&ev, 3, &u) == -1, "-9e18 fits a signed integer only");
	return exit_status();
}
