/* nightly.c — `membership nightly`: the whole cycle for business date D —
 * ingest, payments, reconcile, expire, report, in that order — under the one
 * workspace lock main took, each job with its own run record and summary
 * line. It stops at the first job that fails and returns its code; a 65 from
 * ingest (a whole inbox file rejected) is business, not failure: the cycle
 * goes on and nightly returns 65 at the end. With --dry-run the cycle runs in
 * one transaction that is rolled back (the jobs' own transactions become
 * savepoints inside it), and report writes nothing: tonight, with nothing
 * changed. Each job is idempotent, so rerunning nightly after a failure or a
 * crash finishes the cycle. */
#include <stdio.h>
#include <sysexits.h>

#include "dates.h"
#include "jobs.h"

static const struct {
	const char *name;
	int (*fn)(struct run *run);
} nightly_steps[] = {
	{"ingest", job_ingest},
	{"payments", job_payments},
	{"reconcile", job_reconcile},
	{"expire", job_expire},
	{"report", job_report},
};

int job_nightly(struct run *run)
{
	int code = 0, outer = 0;
	size_t done = 0;
	double t0 = run_clock();
	/* main opens no transaction for nightly: in a dry run this one holds
	 * the whole cycle, and is never committed. */
	if (run->dry_run) {
		if (db_begin(&run->db, &run->err) < 0)
			return run->err.code;
		outer = 1;
	}
	for (size_t i = 0; i < sizeof nightly_steps / sizeof nightly_steps[0]; i++) {
		if (run_stopped()) {
			code = run_fail_stopped(run);
			break;
		}
		error_clear(&run->err);
		int rc = run_job(run, nightly_steps[i].name, nightly_steps[i].fn);
		if (rc == EX_DATAERR) {
			code = EX_DATAERR;
		} else if (rc != 0) {
			code = rc;
			break;
		}
		done++;
	}
	if (outer)
		db_rollback(&run->db);
	if (!run->quiet && (code == 0 || code == EX_DATAERR)) {
		char d[DATE_TEXT_LEN + 1];
		dates_format(run->date, d);
		fprintf(stderr, "nightly %s: %zu jobs done%s%s (%.2f s)\n", d, done,
			code == EX_DATAERR ? ", a whole inbox file was rejected (exit 65)" : "",
			run->dry_run ? ", dry run: nothing changed" : "", run_clock() - t0);
	}
	return code;
}
