/* jobs.h — what every command shares: the run (options, configuration,
 * workspace paths, database, lock, counts) and the entry points of the
 * commands. main.c holds the table; each jobs/<name>.c one entry point. */
#ifndef MEMBERSHIP_JOBS_H
#define MEMBERSHIP_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "error.h"

/* Command flags: what a command is, read from the table in main.c and
 * nowhere else (no code compares command names or entry points). */
#define CMD_LOCK     0x001 /* takes the workspace lock (a writing command) */
#define CMD_RECORD   0x002 /* runs in run_job: a run record, a summary line */
#define CMD_CLOSES   0x004 /* refused for a date before the books' latest */
#define CMD_DATE     0x008 /* takes --date */
#define CMD_OPEN_DAY 0x010 /* without --date: the open business day (else today) */
#define CMD_STEP     0x020 /* a step of nightly, run in the table's order */
#define CMD_CYCLE                                                                                  \
	0x040 /* runs the steps itself (nightly): its own dry-run                                  \
	       * transaction, the catch-up of unreported days */
#define CMD_READS                                                                                  \
	0x080            /* only reads the books: creates no folder, takes no                      \
			  * lock, opens the books read-only */
#define CMD_ARG   0x100  /* takes one positional argument */
#define CMD_JSON  0x200  /* takes --json */
#define CMD_CHECK 0x1000 /* takes --check (status) */
#define CMD_OLD_BOOKS                                                                              \
	0x2000 /* reads books of an older schema version as they                                   \
		* are, unmigrated (backup: the copy an operator                                    \
		* takes before a writing job migrates them) */
#define CMD_INBOX                                                                                  \
	0x400 /* reads the inbox: left out of a caught-up day,                                     \
	       * whose files, if any, arrive for the open day */
#define CMD_EXPIRY                                                                                 \
	0x800 /* the expiry step: a closing job for D first runs                                   \
	       * it for D - 1 when memberships that ended before                                   \
	       * D are still unexpired (run.c) */

struct run;

struct command {
	const char *name;
	int (*fn)(struct run *run);
	unsigned flags;
	const char *summary;
	const char *usage; /* the part after "membership <name>" */
};

/* The command table (main.c), in the order of `membership --help`; the
 * CMD_STEP entries are nightly's steps, in order. */
extern const struct command commands[];
extern const size_t ncommands;

struct run_counts {
	int64_t files;
	int64_t rows;
	int64_t accepted;
	int64_t rejected;
};

struct run {
	const struct command *cmd;
	struct config cfg;
	int dry_run, quiet, verbose, json, check;
	int dry_init_missing; /* init --dry-run: no books yet, none made */
	int32_t date;         /* the business date, fixed at the start */
	int date_given;       /* 1 when --date chose it */
	int64_t now;          /* wall clock at the start (UTC epoch seconds) */
	const char *arg;      /* positional argument (progress CUSTOMER_ID, backup FILE) */
	char *inbox, *archive, *rejected, *reports, *db_path, *lock_path;
	struct db db;
	int lock_fd;
	int64_t run_id; /* this job's run record (0 in dry runs) */
	struct run_counts counts;
	char summary[512]; /* the job's summary, after "job date: " */
	int metrics_done;  /* the textfile was written before the summary line */
	struct error err;
};

/* Entry points: 0 done; EX_DATAERR done but a whole file was rejected;
 * any other sysexits code: failed, run->err says why, nothing half done. */
int job_init(struct run *run);
int job_ingest(struct run *run);
int job_payments(struct run *run);
int job_reconcile(struct run *run);
int job_expire(struct run *run);
/* Expire's first step for run->date inside the caller's transaction (a
 * savepoint of its own): for report, which rolls it back (SPEC §5.1).
 * *expired: how many; 0 or the failure's code. */
int expire_memberships_in(struct run *run, int64_t *expired);
int job_report(struct run *run);
int job_nightly(struct run *run);
int job_status(struct run *run);
int job_progress(struct run *run);
int job_backup(struct run *run);
int job_prune(struct run *run);

/* Rewrite the Prometheus textfile (cfg.monitoring_textfile, SPEC §8.3)
 * from the books and the inbox, atomically; a failure is a warning, never
 * the job's (jobs/metrics.c). Nothing when no textfile is configured. */
void metrics_textfile_write(struct run *run);

/* Run one writing job with its run record, books-closed check and summary
 * line (jobs/run.c); used by main and by nightly. */
int run_job(struct run *run, const struct command *c);
/* Record a run of run->cmd that was refused before it began, failed with
 * code and the reason in run->err (needs the lock and the books open). */
int run_record_refused(struct run *run, int code);
/* 1 once SIGTERM or SIGINT arrived: stop at the next safe point, roll back,
 * return EX_TEMPFAIL. */
int run_stopped(void);
/* The signal that asked for the stop (0: none), for a job whose message
 * says more than run_fail_stopped's (backup: which file it did not write). */
int run_stop_signal(void);
/* Fill run->err for a stop by signal; returns EX_TEMPFAIL. */
int run_fail_stopped(struct run *run);
/* The same message into err (another thread's); returns -1. */
int run_stop_error(struct error *err);
/* Progress on a terminal: done of total (same unit), at most a few times a
 * second, only when stderr is a tty, not -q, and the job runs > 1 s. */
void run_progress(struct run *run, const char *what, uint64_t done, uint64_t total);
/* Clear the progress line, if one was drawn. */
void run_progress_done(void);
/* SIGTERM/SIGINT set the stop flag instead of killing; SIGPIPE ignored. */
void run_install_signals(void);
/* Monotonic seconds, for durations. */
double run_clock(void);
/* The earliest (latest: the latest) business date any closing job ran
 * for (CMD_CLOSES in the table, nightly itself left out), DATE_NONE when
 * none. */
int run_closing_date(struct db *db, int latest, int32_t *out, struct error *err);
/* Latest business date any closing job ran for, DATE_NONE when none. */
int run_closed_through(struct run *run, int32_t *out);

#endif
