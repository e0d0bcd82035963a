/* day.c — the business day of SPEC §5.1 from the run records (day.h). */
#include "day.h"

#include <stdio.h>

#include "dates.h"
#include "jobs.h"

int day_last_closed(struct db *db, int32_t *out, struct error *err)
{
	int64_t v = 0;
	if (db_query_int(
		    db,
		    "SELECT max(business_date) FROM runs WHERE job = 'nightly' AND outcome = 'ok'",
		    INT64_MIN, &v, err) < 0)
		return -1;
	*out = v == INT64_MIN ? DATE_NONE : (int32_t)v;
	return 0;
}

int day_open(struct db *db, int32_t today, int32_t *out, struct error *err)
{
	int32_t closed;
	if (day_last_closed(db, &closed, err) < 0)
		return -1;
	*out = closed != DATE_NONE && closed >= today ? closed + 1 : today;
	return 0;
}

int day_report_stale(struct db *db, int32_t day, int *out, struct error *err)
{
	/* By run_id: records begin once the lock is held, so their order is
	 * the order the jobs ran in. The closing jobs are the table's
	 * CMD_CLOSES ones. */
	char sql[512];
	snprintf(sql, sizeof sql,
		 "SELECT (SELECT max(run_id) FROM runs WHERE business_date = %ld AND job IN"
		 " ('ingest', 'payments', 'reconcile', 'expire'))"
		 " > (SELECT max(run_id) FROM runs WHERE business_date = %ld AND job = 'report'"
		 " AND outcome = 'ok')",
		 (long)day, (long)day);
	int64_t v = 0;
	if (db_query_int(db, sql, 0, &v, err) < 0)
		return -1;
	*out = v == 1;
	return 0;
}

int day_unclosed(struct db *db, int32_t today, int32_t *from, int32_t *to, struct error *err)
{
	int32_t closed;
	if (day_last_closed(db, &closed, err) < 0)
		return -1;
	if (closed != DATE_NONE) {
		*from = closed + 1;
	} else {
		/* A report for a past date is a look back, not a day begun. */
		int32_t first;
		if (run_closing_date(db, 0, &first, err) < 0)
			return -1;
		*from = first == DATE_NONE ? today : first;
	}
	*to = today - 1;
	return 0;
}
