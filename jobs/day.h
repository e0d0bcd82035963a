/* day.h — the business day of SPEC §5.1, read from the run records: which
 * day is open, which was closed last, which are not closed. A day D is
 * closed when a `nightly` run for D completed (outcome ok). Not for: the
 * clock — callers pass "today" (the configured zone's date). */
#ifndef MEMBERSHIP_DAY_H
#define MEMBERSHIP_DAY_H

#include <stdint.h>

#include "db.h"
#include "error.h"

/* The latest date a nightly completed for; DATE_NONE when none ever did. */
int day_last_closed(struct db *db, int32_t *out, struct error *err);

/* The open business day: today, unless nightly has completed for today (or
 * a later day): then the day after the last closed one. */
int day_open(struct db *db, int32_t today, int32_t *out, struct error *err);

/* *out 1 when day's last completed report was a look at the day before it
 * was over (e.g. at noon): a closing job of that day ran after it. Its
 * reports folder is then not the day's reports, and catch-up writes them
 * again. */
int day_report_stale(struct db *db, int32_t day, int *out, struct error *err);

/* The days before today that no nightly closed: *from .. *to (inclusive),
 * from the day after the last closed one (or, when none ever closed, the
 * first date a closing job ran for) to today - 1. *from > *to when there are none. */
int day_unclosed(struct db *db, int32_t today, int32_t *from, int32_t *to, struct error *err);

#endif
