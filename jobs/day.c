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

/* Per business date, the last closing run (ingest, payments, reconcile,
 * expire: the table's CMD_CLOSES jobs) and the last report that completed,
 * by run_id: records begin once the lock is held, so their order is the
 * order the jobs ran in. */
#define DAY_RUNS                                                                                   \
	"SELECT business_date,"                                                                    \
	" max(CASE WHEN job IN ('ingest', 'payments', 'reconcile', 'expire') THEN run_id END) AS " \
	"c,"                                                                                       \
	" max(CASE WHEN job = 'ingest' THEN run_id END) AS i,"                                     \
	" max(CASE WHEN job = 'payments' AND outcome = 'ok' THEN run_id END) AS p,"                \
	" max(CASE WHEN job = 'report' AND outcome = 'ok' THEN run_id END) AS r"                   \
	" FROM runs WHERE business_date IS NOT NULL"
/* A day's last report is not its reports when a closing job came after it,
 * or what was ingested for the day was never decided (no payments after
 * the last ingest): a look at the day, not the close. */
#define DAY_LOOK "(c > r OR (i IS NOT NULL AND (p IS NULL OR p < i)))"

int day_report_stale(struct db *db, int32_t day, int *out, struct error *err)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM (" DAY_RUNS
		 " AND business_date = %ld GROUP BY business_date)"
		 " WHERE c IS NOT NULL AND r IS NOT NULL AND " DAY_LOOK,
		 (long)day);
	int64_t v = 0;
	if (db_query_int(db, sql, 0, &v, err) < 0)
		return -1;
	*out = v != 0;
	return 0;
}

/* Before any nightly completed: the first date a closing job ran for that
 * has no report or only a look (DAY_LOOK), or DATE_NONE. A day run job by
 * job to its report (books kept before nightly recorded its runs) was
 * closed by hand: not a day left open. */
static int day_first_unreported(struct db *db, int32_t *out, struct error *err)
{
	int64_t v = 0;
	if (db_query_int(db,
			 "SELECT min(business_date) FROM (" DAY_RUNS " GROUP BY business_date)"
			 " WHERE c IS NOT NULL AND (r IS NULL OR " DAY_LOOK ")",
			 INT64_MIN, &v, err) < 0)
		return -1;
	*out = v == INT64_MIN ? DATE_NONE : (int32_t)v;
	return 0;
}

int day_catch_up_from(struct db *db, int32_t today, int32_t *from, struct error *err)
{
	int32_t closed;
	if (day_last_closed(db, &closed, err) < 0)
		return -1;
	if (closed != DATE_NONE) {
		*from = closed + 1;
		return 0;
	}
	int32_t first;
	if (day_first_unreported(db, &first, err) < 0)
		return -1;
	*from = first == DATE_NONE || first > today ? today : first;
	return 0;
}

int day_unclosed(struct db *db, int32_t today, int32_t *from, int32_t *to, struct error *err)
{
	if (day_catch_up_from(db, today, from, err) < 0)
		return -1;
	*to = today - 1;
	return 0;
}
