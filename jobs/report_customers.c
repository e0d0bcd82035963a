/* report_customers.c — customers/<id>.csv (SPEC §6): one pass over the
 * timelines ordered by customer, a new file whenever the customer changes,
 * the files created by lib/writer.c's thread and made durable with one
 * syncfs.
 * Read through a connection of their own, the timelines are read and the
 * files built by a thread of their own, beside the other files that the
 * caller builds meanwhile: on a big day this is half of report's work. The
 * caller holds the write lock (BEGIN IMMEDIATE, or the dry run's
 * transaction) before it starts, so no commit can come between its
 * snapshot and this one's: both read the same books. Through the caller's
 * connection (nightly --dry-run, whose earlier steps are uncommitted; or a
 * verbose dry run, which lists every file in order) the same work runs at
 * once, in the caller's thread. */
#define _GNU_SOURCE /* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "csvout.h"
#include "fsx.h"
#include "jobs.h"
#include "log.h"
#include "report.h"
#include "validate.h"
#include "writer.h"

#define CUST_TICK_ROWS  1024 /* rows between write-error / signal checks */
#define CUST_STREAM_BUF 65536

/* The timelines as of ?1: every customer's, or (per_customer: changed)
 * those of the customers in temp.report_changed. */
static const char sql_timeline_all[] =
	SQL_TIMELINE("?1", "requested_on <= ?1", "business_date <= ?1");

/* The customers with an event on D (SQL_DAY_CUSTOMERS), each once, in a
 * temporary table of this connection (it is not in the books). Written
 * inline as an IN list, the set was built twice, once for each side of the
 * timeline, with every duplicate: two ephemeral indexes of some 2 million
 * keys on a big day. Sorted and made distinct first, the keys go into the
 * table in order, each at its right edge: inserted as they come (INSERT OR
 * IGNORE), each went to a random page of a table bigger than the temporary
 * database's page cache (1M day: 3.3 s against 1.9 s). */
static const char sql_changed_table[] = "CREATE TEMP TABLE IF NOT EXISTS report_changed "
					"(customer_id TEXT PRIMARY KEY) WITHOUT ROWID";
static const char sql_changed_fill[] =
	"INSERT INTO temp.report_changed (customer_id) SELECT customer_id FROM (" SQL_DAY_CUSTOMERS
	") GROUP BY customer_id ORDER BY customer_id";
#define SQL_CHANGED " AND customer_id IN (SELECT customer_id FROM temp.report_changed)"

static const char sql_timeline_changed[] =
	SQL_TIMELINE("?1", "requested_on <= ?1" SQL_CHANGED, "business_date <= ?1" SQL_CHANGED);

struct customer_files {
	struct customer_files_args a;
	struct db own; /* the thread's connection */
	struct db *db; /* the one read through (a.db or &own) */
	struct error err;
	char *iobuf;
	struct writer_buf cbuf; /* the file being built */
	char cur_file[128];     /* for messages */
	int64_t files, customers;
	_Atomic int64_t rows;
	_Atomic int cancel; /* the caller failed: stop */
	_Atomic int failed; /* the thread failed: its error is in err */
	int threaded;
	pthread_t thread;
	int result;
};

/* 1 when id keeps the customer_id rule, so that <id>.csv is a plain name
 * inside customers/ (ingest writes no event for any other). */
static int cust_id_ok(const char *s, size_t n)
{
	return s != NULL && strlen(s) == n && validate_id(s, 0);
}

/* Make every customer file durable at once: one fsync per file costs a
 * journal commit each (100 000 customers: minutes), one syncfs of the file
 * system writes them all back together. Write errors of the files were
 * seen when each was flushed; syncfs reports those of the write-back. */
static int cust_syncfs(struct customer_files *c)
{
	int fd = open(c->a.custdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e = 0;
	if (fd < 0 || syncfs(fd) < 0)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (e != 0)
		return error_set(&c->err, EX_IOERR, "%s/%s/customers: sync: %s", c->a.run->reports,
				 c->a.dstr, strerror(e));
	return 0;
}

/* Why the thread stops early, if it must: a signal or the caller's
 * failure. 0 to go on, else -1 with c->err. */
static int cust_stop_check(struct customer_files *c)
{
	if (run_stopped())
		return run_stop_error(&c->err);
	if (atomic_load_explicit(&c->cancel, memory_order_relaxed))
		return error_set(&c->err, EX_SOFTWARE, "stopped: the report failed");
	return 0;
}

/* Now and then: stop on a write error, a signal or the caller's failure. */
static int cust_tick(struct customer_files *c, FILE *fp)
{
	int64_t n = atomic_fetch_add_explicit(&c->rows, 1, memory_order_relaxed) + 1;
	if (n % CUST_TICK_ROWS != 0)
		return 0;
	if (ferror(fp) && fflush(fp) != 0) {
		int e = errno ? errno : EIO;
		return error_set(&c->err, error_io_code(e), "%s/%s/%s: write: %s",
				 c->a.run->reports, c->a.dstr, c->cur_file, strerror(e));
	}
	if (cust_stop_check(c) < 0)
		return -1;
	/* Threaded, the caller draws the progress of both. */
	if (!c->threaded)
		run_progress(c->a.run, "report rows", (uint64_t)n, 0);
	return 0;
}

/* SQLite's progress handler while the changed customers are gathered: one
 * statement that runs for seconds on a big day, between whose rows
 * cust_tick is never asked. Non-zero interrupts it. */
static int cust_interrupt(void *arg)
{
	struct customer_files *c = arg;
	return run_stopped() || atomic_load_explicit(&c->cancel, memory_order_relaxed);
}

/* VM steps between two cust_interrupt calls: some thousands a millisecond. */
#define CUST_INTERRUPT_STEPS 10000

/* The timeline statement of c->db, ready to step: ?1 bound to D, and for
 * per_customer: changed the day's customers in temp.report_changed. */
static sqlite3_stmt *cust_prepare(struct customer_files *c)
{
	const struct run *run = c->a.run;
	int all = run->cfg.per_customer == PER_CUSTOMER_ALL;
	sqlite3_stmt *st = NULL, *f = NULL;
	if (!all) {
		if (db_exec(c->db, sql_changed_table, &c->err) < 0 ||
		    db_exec(c->db, "DELETE FROM temp.report_changed", &c->err) < 0 ||
		    db_prepare(c->db, sql_changed_fill, &f, &c->err) < 0)
			goto fail;
		const struct timeline_day *d = &c->a.ids;
		db_bind_int(f, 1, d->req_lo);
		db_bind_int(f, 2, d->req_hi);
		db_bind_int(f, 3, d->ev_lo);
		db_bind_int(f, 4, d->ev_hi);
		db_bind_int(f, 5, d->dc_lo);
		db_bind_int(f, 6, d->dc_hi);
		sqlite3_progress_handler(c->db->h, CUST_INTERRUPT_STEPS, cust_interrupt, c);
		int rc = db_step_done(c->db, f, &c->err);
		sqlite3_progress_handler(c->db->h, 0, NULL, NULL);
		if (rc < 0) {
			cust_stop_check(c); /* interrupted: say why instead */
			goto fail;
		}
		sqlite3_finalize(f);
		f = NULL;
	}
	if (db_prepare(c->db, all ? sql_timeline_all : sql_timeline_changed, &st, &c->err) < 0)
		goto fail;
	db_bind_date(st, 1, c->a.day);
	return st;
fail:
	sqlite3_finalize(f);
	return NULL;
}

/* Every file: 0, or -1 with c->err. */
static int cust_build(struct customer_files *c, sqlite3_stmt *st)
{
	static const char *const cols[] = {"date",   "event",  "request_id", "product_id",
					   "amount", "status", "detail",     NULL};
	const struct run *run = c->a.run;
	struct writer *wr = NULL;
	struct writer_buf *b = &c->cbuf;
	FILE *fp = NULL;
	char cur[MAX_ID_LEN + 1] = "";
	size_t cur_len = 0;
	char fname[MAX_ID_LEN + 8] = "";
	int have = 0, skipping = 0, building = 0, rc, ret = -1;
	struct csvout w;
	struct timeline tl;
	struct timeline_event ev;
	b->fd = -1; /* no file open, whatever happens before writer_buf_open */
	timeline_init(&tl, c->db, st, &c->err);
	if (writer_start(&wr, c->a.custdir, run->dry_run, &c->err) < 0)
		goto out;
	fp = writer_buf_open(wr, b, c->iobuf, CUST_STREAM_BUF, &c->err);
	if (fp == NULL)
		goto out;
	while ((rc = timeline_next(&tl, &ev)) == 1) {
		const char *cid = ev.customer;
		size_t n = cid ? ev.customer_len : 0;
		int ok = cid != NULL && cust_id_ok(cid, n);
		/* A bad id is compared by its first MAX_ID_LEN bytes: good
		 * enough to warn once per customer, never used as a name. */
		size_t cmp = n > MAX_ID_LEN ? MAX_ID_LEN : n;
		if (!have || cmp != cur_len || memcmp(cid, cur, cmp) != 0) {
			if (building) {
				building = 0;
				if (writer_put(wr, b, fp, &c->err) < 0)
					goto out;
				c->files++;
			}
			have = 1;
			cur_len = cmp;
			if (cmp > 0)
				memcpy(cur, cid, cmp);
			cur[cmp] = '\0';
			skipping = !ok;
			if (skipping) {
				char esc[256];
				fsx_escape(cur, esc, sizeof esc);
				log_warn("report: events of customer '%s' skipped: the id is not a "
					 "valid file name",
					 esc);
				continue;
			}
			snprintf(fname, sizeof fname, "%s.csv", cur);
			snprintf(c->cur_file, sizeof c->cur_file, "customers/%s", fname);
			if (run->dry_run)
				log_debug("dry run: would write %s/%s/customers/%s", run->reports,
					  c->a.dstr, fname);
			if (writer_buf_name(b, fname, &c->err) < 0)
				goto out;
			building = 1;
			csvout_init(&w, fp, run->cfg.minor_digits);
			if (run->cfg.csv_bom)
				csvout_bom(&w);
			for (const char *const *h = cols; *h; h++)
				csvout_raw(&w, *h);
			csvout_end_row(&w);
			c->customers++;
		}
		if (skipping)
			continue;
		timeline_row(&w, &ev);
		if (cust_tick(c, fp) < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (building) {
		building = 0;
		if (writer_put(wr, b, fp, &c->err) < 0)
			goto out;
		c->files++;
	}
	fclose(fp);
	fp = NULL;
	rc = writer_finish(wr, &c->err);
	wr = NULL;
	if (rc < 0)
		goto out;
	if (!run->dry_run && (cust_syncfs(c) < 0 || fsx_fsync_dir(c->a.custdir, &c->err) < 0))
		goto out;
	ret = 0;
out:
	/* The stream first: closing it may still write into b. */
	if (fp != NULL)
		fclose(fp);
	writer_finish(wr, NULL);
	writer_buf_free(b);
	timeline_free(&tl);
	return ret;
}

/* The whole step through c->db: 0, or -1 with c->err. */
static int cust_run(struct customer_files *c)
{
	sqlite3_stmt *st = cust_prepare(c);
	if (st == NULL)
		return -1;
	int rc = cust_build(c, st);
	sqlite3_finalize(st);
	return rc;
}

static void *cust_main(void *arg)
{
	struct customer_files *c = arg;
	const struct run *run = c->a.run;
	int rc = -1;
	if (db_open_reader(&c->own, run->db_path, (int)(run->cfg.lock_wait_seconds * 1000),
			   &c->err) == 0 &&
	    db_exec(&c->own, "BEGIN", &c->err) == 0) {
		rc = cust_run(c);
		sqlite3_exec(c->own.h, "ROLLBACK", NULL, NULL, NULL);
	}
	db_close(&c->own);
	c->result = rc;
	if (rc < 0)
		atomic_store(&c->failed, 1);
	return NULL;
}

int customer_files_start(struct customer_files **out, const struct customer_files_args *a,
			 struct error *err)
{
	*out = NULL;
	const struct run *run = a->run;
	if (run->cfg.per_customer == PER_CUSTOMER_NONE)
		return 0;
	if (!run->dry_run &&
	    (mkdir(a->custdir, FSX_DIR_MODE) < 0 || chmod(a->custdir, FSX_DIR_MODE) < 0)) {
		int e = errno;
		return error_set(err, e == ENOSPC ? EX_IOERR : EX_CANTCREAT,
				 "%s: cannot create folder: %s", a->custdir, strerror(e));
	}
	struct customer_files *c = calloc(1, sizeof *c);
	char *iobuf = malloc(CUST_STREAM_BUF);
	if (c == NULL || iobuf == NULL) {
		free(c);
		free(iobuf);
		return error_set(err, EX_SOFTWARE, "out of memory");
	}
	c->a = *a;
	c->iobuf = iobuf;
	*out = c;
	if (a->db != NULL) {
		c->db = a->db;
		c->result = cust_run(c);
		if (c->result < 0) {
			*err = c->err;
			return -1;
		}
		return 0;
	}
	c->db = &c->own;
	c->threaded = 1; /* before the thread reads it */
	/* Signals reach the caller's thread, which stops this one. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&c->thread, NULL, cust_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		c->threaded = 0;
		c->result = -1;
		return error_set(err, EX_SOFTWARE, "cannot start a thread: %s", strerror(e));
	}
	return 0;
}

int64_t customer_files_rows(const struct customer_files *c)
{
	return c ? atomic_load_explicit(&c->rows, memory_order_relaxed) : 0;
}

int customer_files_failed(const struct customer_files *c)
{
	return c ? atomic_load(&c->failed) : 0;
}

int customer_files_finish(struct customer_files *c, int cancel, struct customer_files_done *done,
			  struct error *err)
{
	memset(done, 0, sizeof *done);
	if (c == NULL)
		return 0;
	if (c->threaded) {
		if (cancel)
			atomic_store(&c->cancel, 1);
		pthread_join(c->thread, NULL);
	}
	int rc = c->result;
	if (rc < 0 && !cancel && err != NULL && c->threaded)
		*err = c->err;
	done->files = c->files;
	done->customers = c->customers;
	done->rows = atomic_load(&c->rows);
	free(c->iobuf);
	free(c);
	return rc < 0 ? -1 : 0;
}
