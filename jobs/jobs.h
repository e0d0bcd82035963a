/* jobs.h — what every command shares: the run (options, configuration,
 * workspace paths, database, lock, counts) and the entry points of the
 * commands. main.c holds the table; each jobs/<name>.c one entry point. */
#ifndef MEMBERSHIP_JOBS_H
#define MEMBERSHIP_JOBS_H

#include <stdint.h>

#include "config.h"
#include "db.h"
#include "error.h"

/* Command flags. */
#define CMD_LOCK   0x1 /* takes the workspace lock and records runs */
#define CMD_CLOSES 0x2 /* closes the books for its --date (writing job) */
#define CMD_DATE   0x4 /* takes --date */

struct run;

struct command {
	const char *name;
	int (*fn)(struct run *run);
	unsigned flags;
	const char *summary;
	const char *usage; /* the part after "membership <name>" */
};

struct run_counts {
	int64_t files;
	int64_t rows;
	int64_t accepted;
	int64_t rejected;
};

struct run {
	const struct command *cmd;
	struct config cfg;
	int dry_run, quiet, verbose, json;
	int32_t date;           /* the business date, fixed at the start */
	int64_t now;            /* wall clock at the start (UTC epoch seconds) */
	const char *arg;        /* positional argument (progress CUSTOMER_ID) */
	char *inbox, *archive, *rejected, *reports, *db_path, *lock_path;
	struct db db;
	int lock_fd;
	int64_t run_id;         /* this job's run record (0 in dry runs) */
	struct run_counts counts;
	char summary[512];      /* the job's summary, after "job date: " */
	struct error err;
};

/* Entry points: 0 done; EX_DATAERR done but a whole file was rejected;
 * any other sysexits code: failed, run->err says why, nothing half done. */
int job_init(struct run *run);
int job_ingest(struct run *run);
int job_payments(struct run *run);
int job_reconcile(struct run *run);
int job_expire(struct run *run);
int job_report(struct run *run);
int job_nightly(struct run *run);
int job_status(struct run *run);
int job_progress(struct run *run);

/* Run one writing job with its run record, books-closed check and summary
 * line (jobs/run.c); used by main and by nightly. */
int run_job(struct run *run, const char *name, int (*fn)(struct run *run));
/* 1 once SIGTERM or SIGINT arrived: stop at the next safe point, roll back,
 * return EX_TEMPFAIL. */
int run_stopped(void);
/* Fill run->err for a stop by signal; returns EX_TEMPFAIL. */
int run_fail_stopped(struct run *run);
/* Progress on a terminal: done of total (same unit), at most a few times a
 * second, only when stderr is a tty, not -q, and the job runs > 1 s. */
void run_progress(struct run *run, const char *what, uint64_t done, uint64_t total);
/* Clear the progress line, if one was drawn. */
void run_progress_done(void);
/* SIGTERM/SIGINT set the stop flag instead of killing; SIGPIPE ignored. */
void run_install_signals(void);
/* Monotonic seconds, for durations. */
double run_clock(void);
/* Latest business date any writing job ran for, DATE_NONE when none. */
int run_closed_through(struct run *run, int32_t *out);

#endif
