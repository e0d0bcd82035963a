/* progress.c — `membership progress CUSTOMER_ID [--date D]`: one customer's
 * timeline as of D on stdout, byte for byte what report writes into
 * reports/<D>/customers/<id>.csv (keep the two in step: same columns, same
 * cells, same order). Reads only; takes no lock (one SELECT is one
 * snapshot). An unknown customer gets the header alone and exit 0. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "csvout.h"
#include "dates.h"
#include "fsx.h"
#include "jobs.h"
#include "log.h"
#include "timeline.h"
#include "validate.h"

static const char sql_timeline[] = SQL_TIMELINE("?2", "customer_id = ?1 AND requested_on <= ?2",
						"customer_id = ?1 AND business_date <= ?2");

int job_progress(struct run *run)
{
	static const char *const cols[] = {"date",   "event",  "request_id", "product_id",
					   "amount", "status", "detail",     NULL};
	sqlite3_stmt *st = NULL;
	struct csvout w;
	int64_t rows = 0;
	int rc, code = 0;
	if (!validate_id(run->arg, 0)) {
		char esc[256];
		fsx_escape(run->arg, esc, sizeof esc);
		error_set(&run->err, EX_USAGE,
			  "customer id '%s' breaks the id rule (1-64 of A-Z a-z 0-9 _ -)", esc);
		return EX_USAGE;
	}
	if (db_prepare(&run->db, sql_timeline, &st, &run->err) < 0)
		return run->err.code;
	csvout_init(&w, stdout, run->cfg.minor_digits);
	for (const char *const *c = cols; *c; c++)
		csvout_raw(&w, *c);
	csvout_end_row(&w);
	db_bind_text(st, 1, run->arg);
	db_bind_date(st, 2, run->date);
	struct timeline tl;
	struct timeline_event e;
	timeline_init(&tl, &run->db, st, &run->err);
	while ((rc = timeline_next(&tl, &e)) == 1) {
		timeline_row(&w, &e);
		rows++;
		if (ferror(stdout))
			break;
	}
	timeline_free(&tl);
	if (rc < 0) {
		code = run->err.code;
		goto out;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error_set(&run->err, EX_IOERR, "stdout: write: %s", strerror(errno ? errno : EIO));
		code = EX_IOERR;
		goto out;
	}
	if (rows == 0) {
		char d[DATE_TEXT_LEN + 1];
		dates_format(run->date, d);
		log_info("progress: customer %s has no events up to %s", run->arg, d);
	}
out:
	sqlite3_finalize(st);
	return code;
}
