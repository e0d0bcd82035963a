/* nightly.c — `membership nightly`: closes business date D (SPEC §5.1).
 * First the catch-up: each day after the last one a nightly completed for
 * (if one ever did) and before D that has no reports/<date>/ (the machine was off, a nightly
 * failed) gets, in date order, what that day's nightly would have done
 * without the inbox — payments, reconcile, expire, where the books still
 * allow that date — and its reports, as of that day. Then the cycle for D:
 * the table's steps (ingest, payments, reconcile, expire, report), in
 * order, under the one workspace lock main took, each with its own run
 * record and summary line. main records nightly's own run (job 'nightly',
 * outcome ok on 0 and 65): a day is closed when one completed for it.
 * It stops at the first job that fails and returns its code; a 65 from
 * ingest (a whole inbox file rejected) is business, not failure: the cycle
 * goes on and nightly returns 65 at the end. With --dry-run everything runs
 * in one transaction that is rolled back (the jobs' own transactions
 * become savepoints inside it), and report writes nothing. Each job is
 * idempotent, so rerunning nightly after a failure or a crash finishes the
 * cycle. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "dates.h"
#include "day.h"
#include "fsx.h"
#include "jobs.h"
#include "log.h"

/* Whether day has its reports: reports/<day>/ is there (a link or a file
 * there stops the job, 73) and was not written before the day was over (a
 * report at noon, then more rows: day_report_stale). */
static int reported(struct run *run, int32_t day, int *out)
{
	char d[DATE_TEXT_LEN + 1], path[4096];
	dates_format(day, d);
	snprintf(path, sizeof path, "%s/%s", run->reports, d);
	int exists, stale = 0;
	if (fsx_folder_or_none(path, &exists, &run->err) < 0 ||
	    (exists && day_report_stale(&run->db, day, &stale, &run->err) < 0))
		return -1;
	*out = exists && !stale;
	return 0;
}

/* One step of the cycle; 0, EX_DATAERR (go on), or the failure. */
static int step(struct run *run, const struct command *c)
{
	if (run_stopped())
		return run_fail_stopped(run);
	error_clear(&run->err);
	int code = run_job(run, c);
	/* The error is said once, by main, under nightly's name: it names the
	 * step that failed (its run record is that step's). */
	if (code != 0 && code != EX_DATAERR && run->err.msg[0] &&
	    strncmp(run->err.msg, c->name, strlen(c->name)) != 0) {
		char msg[sizeof run->err.msg];
		snprintf(msg, sizeof msg, "%s", run->err.msg);
		error_set(&run->err, code, "%s: %s", c->name, msg);
	}
	return code;
}

/* The reports of a day no nightly closed, as of that day: the steps but
 * the inbox, the closing ones only while the books still allow the day. */
static int catch_up_day(struct run *run, int32_t day, size_t *done)
{
	int32_t closed;
	if (run_closed_through(run, &closed) < 0)
		return run->err.code;
	int closing = closed == DATE_NONE || day >= closed;
	char d[DATE_TEXT_LEN + 1];
	dates_format(day, d);
	log_info("nightly: catching up %s, which no nightly closed", d);
	int code = 0;
	for (size_t i = 0; i < ncommands && code == 0; i++) {
		const struct command *c = &commands[i];
		if (!(c->flags & CMD_STEP) || (c->flags & CMD_INBOX) ||
		    ((c->flags & CMD_CLOSES) && !closing))
			continue;
		code = step(run, c);
		if (code == 0)
			(*done)++;
	}
	return code;
}

int job_nightly(struct run *run)
{
	int code = 0, outer = 0;
	size_t done = 0, caught_up = 0;
	int32_t date = run->date;
	/* main opens no transaction for nightly: in a dry run this one holds
	 * the whole cycle, and is never committed. */
	if (run->dry_run) {
		if (db_begin(&run->db, &run->err) < 0)
			return run->err.code;
		outer = 1;
	}
	/* The days after the last one a nightly completed for, before D. Until
	 * a first nightly completed there is nothing to catch up from: books
	 * kept before nightly recorded its runs, or days run job by job. */
	int32_t last;
	if (day_last_closed(&run->db, &last, &run->err) < 0) {
		code = run->err.code;
		goto out;
	}
	for (int32_t day = last == DATE_NONE ? date : last + 1; day < date; day++) {
		int has;
		if (reported(run, day, &has) < 0) {
			code = run->err.code;
			goto out;
		}
		if (has)
			continue;
		run->date = day;
		code = catch_up_day(run, day, &done);
		run->date = date;
		if (code != 0)
			goto out;
		caught_up++;
	}
	for (size_t i = 0; i < ncommands; i++) {
		if (!(commands[i].flags & CMD_STEP))
			continue;
		int rc = step(run, &commands[i]);
		if (rc == EX_DATAERR) {
			code = EX_DATAERR;
		} else if (rc != 0) {
			code = rc;
			break;
		}
		done++;
	}
out:
	run->date = date;
	if (outer)
		db_rollback(&run->db);
	memset(&run->counts, 0, sizeof run->counts);
	int len = snprintf(run->summary, sizeof run->summary, "%zu jobs done", done);
	if (caught_up > 0 && len > 0 && (size_t)len < sizeof run->summary)
		len += snprintf(run->summary + len, sizeof run->summary - (size_t)len,
				", %zu earlier day%s caught up", caught_up,
				caught_up == 1 ? "" : "s");
	if (len > 0 && (size_t)len < sizeof run->summary)
		snprintf(run->summary + len, sizeof run->summary - (size_t)len, "%s%s",
			 code == EX_DATAERR ? ", a whole inbox file was rejected (exit 65)" : "",
			 run->dry_run ? ", dry run: nothing changed" : "");
	return code;
}
