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
#define CMD_READS  0x100 /* only reads: creates no folder, takes no lock, opens the books read-only */

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
	int dry_run, quiet, verbose, json, check;
	int32_t date;           /* the business date, fixed at the start */
	int64_t now;            /* wall clock at the start (UTC epoch seconds) */
	const char *arg;        /* positional argument (progress CUSTOMER_ID, backup FILE) */
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
int job_backup(struct run *run);
int job_prune(struct run *run);

/* Rewrite the Prometheus textfile (cfg.monitoring_textfile, SPEC §8.3)
 * from the books and the inbox, atomically; a failure is a warning, never
 * the job's (jobs/metrics.c). Nothing when no textfile is configured. */
void metrics_textfile_write(struct run *run);

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

/* Customer timelines (customers/<id>.csv and `progress`), as one SELECT:
 * the stored events merged with the PURCHASE_REQUESTED event each
 * membership row stands for (schema_2.sql), in the order of the id
 * sequence the two tables share. D is the as-of date's parameter; MWHERE
 * and EWHERE restrict each side. Columns: 0 customer_id, 1 id, 2 date,
 * 3 event, 4 request_id, 5 product_id, 6 amount, 7 status, 8 detail; and
 * for a membership decided by D, the decision it stands for (schema_4.sql):
 * 9 decided_id, 10 decided_on, 11 approved, 12 decline_reason (NULL on
 * other rows). The memberships are read in two parts (schema_6.sql): the
 * decided ones in (customer_id, id) order from memberships_customer, and the
 * pending ones from memberships_pending (few or none after payments), which
 * SQLite sorts; the events come in the same order from events_customer, so
 * the merge sorts nothing more. timeline_next puts the decisions in place. */
#define SQL_TIMELINE_M(D, INDEX, PAYMENT, MWHERE)                                            \
	"SELECT customer_id, id, requested_on, 'PURCHASE_REQUESTED', request_id, product_id," \
	" amount, 'PENDING_PAYMENT', NULL, CASE WHEN decided_on <= " D " THEN decided_id END," \
	" decided_on, approved_on IS NOT NULL, decline_reason FROM memberships INDEXED BY "  \
	INDEX " WHERE payment " PAYMENT " AND " MWHERE
#define SQL_TIMELINE(D, MWHERE, EWHERE)                                                      \
	SQL_TIMELINE_M(D, "memberships_customer", "!= 'PENDING'", MWHERE)                    \
	" UNION ALL " SQL_TIMELINE_M(D, "memberships_pending", "= 'PENDING'", MWHERE)        \
	" UNION ALL"                                                                         \
	" SELECT customer_id, id, business_date, event, request_id, product_id, amount,"     \
	" status, detail, NULL, NULL, NULL, NULL FROM events WHERE " EWHERE                  \
	" ORDER BY 1, 2"

/* One event of a timeline. Texts are NULL for an empty cell and stay valid
 * until the next timeline_next. */
struct timeline_event {
	const char *customer;
	size_t customer_len;
	int64_t id;
	int32_t date;
	const char *event, *status;
	const char *request_id, *product_id, *detail;
	size_t request_len, product_len, detail_len;
	int has_amount;
	int64_t amount;
};

struct tl_pending;
/* Reads an SQL_TIMELINE statement (bound by the caller, reset by it after). */
struct timeline {
	struct db *db;
	sqlite3_stmt *st;
	struct error *err;
	int state;
	struct tl_pending *heap; /* the decisions waiting for their place, by id */
	size_t n, cap;
	char *arena;             /* their texts */
	size_t len, size;
	char *cust;              /* their customer */
	size_t cust_len, cust_size;
};

void timeline_init(struct timeline *tl, struct db *db, sqlite3_stmt *st, struct error *err);
/* The next event in (customer, id) order: 1 one, 0 none left, -1 error
 * (err filled). */
int timeline_next(struct timeline *tl, struct timeline_event *e);
void timeline_free(struct timeline *tl);

struct csvout;
/* Write one timeline event as customers/<id>.csv and `progress` do. */
void timeline_row(struct csvout *w, const struct timeline_event *e);

#endif
