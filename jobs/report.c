/* report.c — `membership report`: writes reports/<D>/ (SPEC §6) for the
 * business date D. It only reads the books, and only what they held as of D
 * (every query is bounded by a date column <= D), so a rerun any later for
 * the same D is byte-identical: no clock, no run id, every order total.
 * Order: remove leftovers of killed runs; build the files in the hidden
 * folder .<D>.tmp-<pid> (rows streamed from SQLite; each file fsynced, the
 * customer files with one syncfs): the customer files by a thread of their
 * own (jobs/report_customers.c) while this one builds the others one by
 * one and the workbook;
 * fsync the folder; swap it with reports/<D> in one rename; remove the old.
 * A reader of reports/ sees a whole old folder or a whole new one. */
#define _GNU_SOURCE /* renameat2 (RENAME_EXCHANGE), fopencookie, syncfs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "csvout.h"
#include "dates.h"
#include "fault.h"
#include "fsx.h"
#include "jobs.h"
#include "log.h"
#include "money.h"
#include "report.h"
#include "rules.h"
#include "timeline.h"
#include "xlsx.h"

#define REPORT_TICK_ROWS  1024 /* rows between write-error / signal checks */
#define REPORT_STREAM_BUF 65536

/* State as of ?1 of a membership m (rules_status_as_of, lib/rules.c). */
/* The SQL reads as SQL, one clause a line: */
/* clang-format off */
#define SQL_STATUS_AS_OF                                                              \
	"rules_status_as_of(m.decided_on, m.decline_reason IS NOT NULL, m.cancelled_on," \
	" m.expired_on, m.expires_on, ?1)"

/* The product as of ?1: its latest version dated <= D. Business dates only
 * grow with seq (the books close), so this is also the latest by seq. */
#define SQL_VERSION_AS_OF(pid)                                                        \
	"(SELECT w.seq FROM product_versions w WHERE w.product_id = " pid             \
	" AND w.business_date <= ?1 ORDER BY w.business_date DESC, w.seq DESC LIMIT 1)"

/* One side of customer-progress.csv: the memberships of one index (see
 * sql_progress). */
#define SQL_PROGRESS_SIDE(INDEX, PAYMENT)                                             \
	" SELECT m.customer_id, m.request_id, m.product_id, n.name,"                  \
	" m.amount, " SQL_STATUS_AS_OF ", m.requested_at,"                            \
	" CASE WHEN m.approved_on <= ?1 THEN m.valid_from END,"                       \
	" CASE WHEN m.approved_on <= ?1 THEN m.expires_on END,"                       \
	" CASE WHEN m.cancelled_on <= ?1 THEN m.refund_amount END,"                   \
	/* updated_on: the latest dated step of the membership and of its         \
	 * cancels up to D — the dates of all the events it has (requested,        \
	 * decided, cancel requested or rejected, voided or refunded, expired). */ \
	" max(m.requested_on,"                                                        \
	"  coalesce(CASE WHEN m.decided_on <= ?1 THEN m.decided_on END, m.requested_on)," \
	"  coalesce(CASE WHEN m.cancelled_on <= ?1 THEN m.cancelled_on END, m.requested_on)," \
	"  coalesce(CASE WHEN m.expired_on <= ?1 THEN m.expired_on END, m.requested_on)," \
	"  coalesce((SELECT max(max(c.requested_on,"                                  \
	"   coalesce(CASE WHEN c.decided_on <= ?1 THEN c.decided_on END, c.requested_on)))" \
	"   FROM cancels c WHERE c.membership_id = m.id AND c.requested_on <= ?1), m.requested_on))" \
	" FROM memberships m INDEXED BY " INDEX " LEFT JOIN names n ON n.product_id = m.product_id" \
	" WHERE m.payment " PAYMENT " AND m.requested_on <= ?1"

/* Each product's name as of D is looked up once (materialized, then an
 * automatic index), not twice per membership. The decided memberships come
 * by customer from memberships_customer (sorted by request_id within each
 * customer), the pending ones (few or none after payments) from
 * memberships_pending, sorted; the two are merged (schema_6.sql). */
static const char sql_progress[] =
	"WITH names (product_id, name) AS MATERIALIZED (SELECT p.product_id,"
	" (SELECT v.name FROM product_versions v WHERE v.seq = " SQL_VERSION_AS_OF("p.product_id") ")"
	" FROM products p)"
	SQL_PROGRESS_SIDE("memberships_customer", "!= 'PENDING'")
	" UNION ALL"
	SQL_PROGRESS_SIDE("memberships_pending", "= 'PENDING'")
	" ORDER BY 1, 2";

static const char sql_products[] =
	"SELECT p.product_id, v.name, v.price, v.deleted, v.sale_until"
	" FROM products p JOIN product_versions v ON v.seq = " SQL_VERSION_AS_OF("p.product_id")
	" ORDER BY p.product_id";

/* One product's ledger as of ?1, to date and on the day itself, row by
 * row: the sums are made in C (report_ledger), exact past 2^63 minor units,
 * where SQLite's sum() would fail. Every refunded membership was approved
 * first, so approved_on <= D bounds all. */
static const char sql_product_ledger[] =
	"SELECT amount, approved_on = ?1,"
	" CASE WHEN cancelled_on <= ?1 THEN refund_amount END, cancelled_on = ?1"
	" FROM memberships INDEXED BY memberships_product"
	" WHERE product_id = ?2 AND approved_on <= ?1";

static const char sql_rejections[] =
	"SELECT file, line, request_id, customer_id, reason, message"
	" FROM rejections WHERE business_date = ?1 ORDER BY file, line, id";

static const char sql_reconciliation[] =
	"SELECT product_id, recorded, ledger"
	" FROM reconciliation WHERE business_date = ?1 ORDER BY product_id, id";


static const char sql_books_after[] = "SELECT EXISTS (SELECT 1 FROM runs WHERE business_date > ?1)";

/* ... and ending within (D, ?2]. */
#define SQL_EXPIRING(FROM)                                                            \
	"SELECT customer_id, request_id, product_id, expires_on FROM" FROM            \
	" expires_on <= ?2 AND" SQL_ACTIVE_AS_OF                                       \
	" ORDER BY expires_on, customer_id, request_id"
static const char sql_expiring_now[] = SQL_EXPIRING(SQL_ACTIVE_NOW);
static const char sql_expiring_then[] = SQL_EXPIRING(SQL_ACTIVE_THEN);
/* clang-format on */

enum {
	ST_PROGRESS,
	ST_PRODUCTS,
	ST_LEDGER,
	ST_REJECTIONS,
	ST_RECONCILIATION,
	ST_EXPIRING,
	ST_COUNT
};

struct report {
	struct run *run;
	struct db *db;
	int32_t day;
	char dstr[DATE_TEXT_LEN + 1];
	char *tmpdir;  /* reports/.<D>.tmp-<pid> (NULL in a dry run) */
	char *custdir; /* tmpdir/customers */
	int made_tmp;  /* tmpdir exists and is ours to remove on failure */
	sqlite3_stmt *st[ST_COUNT];
	int64_t files, rows, customers, memberships, products, rejections, differences, expiring;
	char *iobuf;               /* REPORT_STREAM_BUF bytes for the one file open at a time */
	struct timeline_day ids;   /* D's events (timeline_day_ids) */
	struct customer_files *cf; /* the customer files, being built */
	int cf_own;                /* ... by a thread and connection of their own */
	char cur_file[128];        /* the file being written, for messages */
	int later;                 /* the books hold a run dated after D */
	struct xlsx *wb;           /* daily.xlsx being built (NULL: none) */
	int summary_sheet;         /* its first sheet, filled last */
	struct summary sum;        /* the day in numbers */
};

/* --- output streams ------------------------------------------------------- */

/* A dry run writes every row into this sink, so it runs the same queries
 * and counts the same numbers as a real run, and writes no file. */
static ssize_t report_sink_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	(void)buf;
	return (ssize_t)n;
}

static FILE *report_open(struct report *rp, const char *dir, const char *sub, const char *name)
{
	struct run *run = rp->run;
	snprintf(rp->cur_file, sizeof rp->cur_file, "%s%s%s", sub ? sub : "", sub ? "/" : "", name);
	if (run->dry_run) {
		if (sub)
			log_debug("dry run: would write %s/%s/%s/%s", run->reports, rp->dstr, sub,
				  name);
		else
			log_info("dry run: would write %s/%s/%s", run->reports, rp->dstr, name);
		cookie_io_functions_t io = {NULL, report_sink_write, NULL, NULL};
		FILE *fp = fopencookie(NULL, "w", io);
		if (fp == NULL)
			error_set(&run->err, EX_SOFTWARE, "out of memory");
		return fp;
	}
	int fd = fsx_create(dir, name, &run->err);
	if (fd < 0)
		return NULL;
	FILE *fp = fdopen(fd, "w");
	if (fp == NULL) {
		/* fdopen fails for want of memory only. */
		error_set(&run->err, EX_SOFTWARE, "%s/%s: %s", dir, name, strerror(errno));
		close(fd);
		return NULL;
	}
	/* Our own buffer: left to stdio, it is sized by an fstat per file. */
	setvbuf(fp, rp->iobuf, _IOFBF, REPORT_STREAM_BUF);
	return fp;
}

/* Flush fp: 0, or the errno of the failed write (a write that failed
 * earlier is retried by the flush, which reports its cause again). */
static int report_flush_error(FILE *fp)
{
	int had_error = ferror(fp);
	errno = 0;
	if (fflush(fp) != 0)
		return errno ? errno : EIO;
	return had_error ? EIO : 0;
}

/* Flush, fsync (when sync) and close; 0 or -1 with EX_IOERR (disk full…).
 * fp is closed in every case. */
static int report_close(struct report *rp, FILE *fp, int sync)
{
	struct run *run = rp->run;
	int e = report_flush_error(fp);
	if (e == 0 && sync && !run->dry_run && fsync(fileno(fp)) < 0 && errno != EINVAL)
		e = errno;
	if (fclose(fp) != 0 && e == 0)
		e = errno;
	if (e != 0)
		return error_set(&run->err, error_io_code(e), "%s/%s/%s: write: %s", run->reports,
				 rp->dstr, rp->cur_file, strerror(e));
	rp->files++;
	/* The file's sheet too is written when a file is done (the fault
	 * sweeps fail allocations from here on, as a full memory would). */
	xlsx_sync(rp->wb);
	if (!run->dry_run)
		fault_point("report file");
	return 0;
}

/* --- the customer files (jobs/report_customers.c) ---------------------------- */

/* Start them: by a thread and a connection of their own when this
 * connection's transaction holds nothing the other would not see (the
 * caller made sure no commit comes between: job_report), else here and
 * now. */
static int report_customers_start(struct report *rp)
{
	struct customer_files_args a = {.run = rp->run,
					.db = rp->cf_own ? NULL : rp->db,
					.dstr = rp->dstr,
					.custdir = rp->custdir,
					.day = rp->day,
					.ids = rp->ids};
	return customer_files_start(&rp->cf, &a, &rp->run->err);
}

/* Wait for them and count them: 0, or -1 with their error. */
static int report_customers_done(struct report *rp)
{
	struct run *run = rp->run;
	struct customer_files_done d;
	int rc = customer_files_finish(rp->cf, 0, &d, &run->err);
	rp->cf = NULL;
	rp->files += d.files;
	rp->customers += d.customers;
	rp->rows += d.rows;
	if (rc < 0)
		return -1;
	if (run->dry_run && rp->customers > 0)
		log_info("dry run: would write %s/%s/customers/<id>.csv for %lld customer(s) (-v "
			 "lists them)",
			 run->reports, rp->dstr, (long long)rp->customers);
	return 0;
}

/* Called after every row: now and then, stop on a write error, a signal or
 * a failure of the customer files, and draw progress on a terminal. */
static int report_tick(struct report *rp, FILE *fp)
{
	int e;
	if (++rp->rows % REPORT_TICK_ROWS != 0)
		return 0;
	if (ferror(fp) && (e = report_flush_error(fp)) != 0)
		return error_set(&rp->run->err, error_io_code(e), "%s/%s/%s: write: %s",
				 rp->run->reports, rp->dstr, rp->cur_file, strerror(e));
	if (run_stopped()) {
		run_fail_stopped(rp->run);
		return -1;
	}
	if (customer_files_failed(rp->cf))
		return report_customers_done(rp);
	run_progress(rp->run, "report rows", (uint64_t)(rp->rows + customer_files_rows(rp->cf)), 0);
	return 0;
}

/* A row goes to the CSV file and, when the workbook is written, to its
 * sheet: the two always hold the same rows. */
struct out {
	struct csvout csv;
	struct xlsx *wb; /* NULL: no workbook */
};

/* Cells from columns: NULL columns are empty cells. */
static void cell_text(struct out *o, sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		csvout_empty(&o->csv);
		s = NULL;
	} else {
		csvout_textn(&o->csv, s, n);
	}
	if (o->wb)
		xlsx_text(o->wb, s, n);
}

/* Codes (statuses, reasons): written without the formula guard. */
static void cell_raw(struct out *o, sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		csvout_empty(&o->csv);
		s = NULL;
	} else {
		csvout_rawn(&o->csv, s, n);
	}
	if (o->wb)
		xlsx_text(o->wb, s, n);
}

static void cell_code(struct out *o, const char *s)
{
	csvout_raw(&o->csv, s);
	if (o->wb)
		xlsx_text(o->wb, s, strlen(s));
}

static void cell_money(struct out *o, sqlite3_stmt *st, int i)
{
	int null = sqlite3_column_type(st, i) == SQLITE_NULL;
	int64_t v = sqlite3_column_int64(st, i);
	if (null)
		csvout_empty(&o->csv);
	else
		csvout_money(&o->csv, v);
	if (o->wb && null)
		xlsx_empty(o->wb);
	else if (o->wb)
		xlsx_money(o->wb, v);
}

static void cell_sum(struct out *o, money_sum v)
{
	csvout_money_sum(&o->csv, v);
	if (o->wb)
		xlsx_money(o->wb, v);
}

static void cell_date(struct out *o, sqlite3_stmt *st, int i)
{
	int32_t d = db_col_date(st, i);
	csvout_date(&o->csv, d);
	if (o->wb)
		xlsx_date(o->wb, d);
}

static void cell_int(struct out *o, sqlite3_stmt *st, int i)
{
	int null = sqlite3_column_type(st, i) == SQLITE_NULL;
	int64_t v = sqlite3_column_int64(st, i);
	if (null)
		csvout_empty(&o->csv);
	else
		csvout_int(&o->csv, v);
	if (o->wb && null)
		xlsx_empty(o->wb);
	else if (o->wb)
		xlsx_int(o->wb, v);
}

static void cell_int64(struct out *o, int64_t v)
{
	csvout_int(&o->csv, v);
	if (o->wb)
		xlsx_int(o->wb, v);
}

static void header(struct csvout *w, const char *const *names)
{
	for (; *names; names++)
		csvout_raw(w, *names);
	csvout_end_row(w);
}

/* Run a statement to its end: 0, or -1 with run->err. The statement is
 * reset either way so it holds no read lock. */
static int step_end(struct report *rp, sqlite3_stmt *st, int rc)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	(void)rp;
	return rc < 0 ? -1 : 0;
}

/* --- the files, in the order of SPEC §6 ------------------------------------ */

/* A table file: one CSV row per row of a statement over the books as of D,
 * and the same rows on a sheet of the workbook. Each file names only what
 * is its own; report_table() runs the frame that they share (open, header,
 * bind, step, tick, close), so that a write error, a signal or a failed
 * query ends every file the same way. */
struct table {
	const char *name;        /* in the top folder */
	const char *const *cols; /* header, NULL-terminated */
	int stmt;                /* ST_*: ?1 is bound to D */
	/* Parameters after ?1, or NULL when there are none. */
	void (*bind)(sqlite3_stmt *st, struct report *rp);
	/* The cells of the current row (the frame ends the row): 0, or -1
	 * with run->err when a further query fails. */
	int (*row)(struct out *o, sqlite3_stmt *st, struct report *rp);
	/* offsetof(struct report, <counter>): one per row. An offset, not a
	 * pointer, so that the tables are constants built before any run. */
	size_t count;
	const char *sheet;            /* its sheet in the workbook */
	const struct xlsx_col *wcols; /* the sheet's header (NULL: report_table_cols) */
	size_t nwcols;
};

/* On failure the file is left unfinished: job_report removes the folder. */
static int report_table(struct report *rp, const struct table *t, const struct xlsx_col *wcols)
{
	sqlite3_stmt *st = rp->st[t->stmt];
	int64_t *count = (int64_t *)((char *)rp + t->count);
	FILE *fp = report_open(rp, rp->tmpdir, NULL, t->name);
	if (fp == NULL)
		return -1;
	struct out o = {.wb = rp->wb};
	csvout_init(&o.csv, fp, rp->run->cfg.minor_digits);
	if (rp->run->cfg.csv_bom)
		csvout_bom(&o.csv);
	header(&o.csv, t->cols);
	if (o.wb != NULL && xlsx_sheet(o.wb, t->sheet, wcols, t->nwcols, &rp->run->err) < 0) {
		fclose(fp);
		return -1;
	}
	db_bind_date(st, 1, rp->day);
	if (t->bind != NULL)
		t->bind(st, rp);
	int rc;
	while ((rc = db_step(rp->db, st, &rp->run->err)) == 1) {
		if (t->row(&o, st, rp) < 0) {
			rc = -1;
			break;
		}
		csvout_end_row(&o.csv);
		if (o.wb)
			xlsx_end_row(o.wb);
		(*count)++;
		if (report_tick(rp, fp) < 0) {
			rc = -1;
			break;
		}
	}
	step_end(rp, st, rc);
	if (rc < 0) {
		fclose(fp);
		return -1;
	}
	return report_close(rp, fp, 1);
}

static const char *const cols_progress[] = {
	"customer_id",  "request_id", "product_id", "product_name",  "amount",     "status",
	"requested_at", "valid_from", "expires_on", "refund_amount", "updated_on", NULL};

/* The Customers sheet; requested_at's header names the zone (job_report). */
static const struct xlsx_col wcols_progress[] = {
	{"customer_id", XLSX_TEXT, 16},     {"request_id", XLSX_TEXT, 16},
	{"product_id", XLSX_TEXT, 14},      {"product_name", XLSX_TEXT, 30},
	{"amount", XLSX_MONEY, 0},          {"status", XLSX_TEXT, 18},
	{"requested_at", XLSX_DATETIME, 0}, {"valid_from", XLSX_DATE, 0},
	{"expires_on", XLSX_DATE, 0},       {"refund_amount", XLSX_MONEY, 0},
	{"updated_on", XLSX_DATE, 0}};

/* Seconds since 1970-01-01 of the local time (configured zone) at UTC t. */
static int64_t local_seconds(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (localtime_r(&tt, &tm) == NULL)
		return t;
	return t + tm.tm_gmtoff;
}

/* requested_at is stored in seconds and shown as a UTC timestamp in the
 * CSV file, as a date-time of the configured zone in the workbook. */
static int row_progress(struct out *o, sqlite3_stmt *st, struct report *rp)
{
	char ts[TIMESTAMP_TEXT_LEN + 1];
	int64_t at = sqlite3_column_int64(st, 6);
	(void)rp;
	dates_format_utc(at, ts);
	cell_text(o, st, 0);
	cell_text(o, st, 1);
	cell_text(o, st, 2);
	cell_text(o, st, 3);
	cell_money(o, st, 4);
	cell_raw(o, st, 5);
	csvout_raw(&o->csv, ts);
	if (o->wb)
		xlsx_datetime(o->wb, local_seconds(at));
	cell_date(o, st, 7);
	cell_date(o, st, 8);
	cell_money(o, st, 9);
	cell_date(o, st, 10);
	return 0;
}

static int report_ledger(struct report *rp, const char *product_id, struct ledger *l)
{
	sqlite3_stmt *st = rp->st[ST_LEDGER];
	int rc;
	memset(l, 0, sizeof *l);
	db_bind_date(st, 1, rp->day);
	db_bind_text(st, 2, product_id);
	while ((rc = db_step(rp->db, st, &rp->run->err)) == 1) {
		int64_t amount = sqlite3_column_int64(st, 0);
		int today = sqlite3_column_int(st, 1);
		l->approved++;
		l->gross += amount;
		if (today) {
			l->day_approved++;
			l->day_gross += amount;
		}
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			int64_t refund = sqlite3_column_int64(st, 2);
			l->refunds++;
			l->refunded += refund;
			if (sqlite3_column_int(st, 3)) {
				l->day_refunds++;
				l->day_refunded += refund;
			}
		}
	}
	return step_end(rp, st, rc);
}

static const char *product_status(sqlite3_stmt *st, int32_t day)
{
	return rules_product_status(sqlite3_column_int64(st, 3) != 0, db_col_date(st, 4), day);
}

static const char *const cols_sales[] = {"product_id",      "name",       "price",
					 "status",          "sold_count", "gross_amount",
					 "refunded_amount", "net_amount", NULL};
static const struct xlsx_col wcols_sales[] = {
	{"product_id", XLSX_TEXT, 14},      {"name", XLSX_TEXT, 30},
	{"price", XLSX_MONEY, 0},           {"status", XLSX_TEXT, 10},
	{"sold_count", XLSX_INT, 0},        {"gross_amount", XLSX_MONEY, 0},
	{"refunded_amount", XLSX_MONEY, 0}, {"net_amount", XLSX_MONEY, 0}};

/* The counts and sums come from the ledger query, one per product; the
 * summary keeps each product's numbers too. */
static int row_sales(struct out *o, sqlite3_stmt *st, struct report *rp)
{
	struct ledger l;
	const char *status = product_status(st, rp->day);
	if (report_ledger(rp, (const char *)sqlite3_column_text(st, 0), &l) < 0 ||
	    summary_add_product(&rp->sum, db_col_text(st, 0), db_col_text(st, 1), status, &l,
				&rp->run->err) < 0)
		return -1;
	cell_text(o, st, 0);
	cell_text(o, st, 1);
	cell_money(o, st, 2);
	cell_code(o, status);
	cell_int64(o, l.approved - l.refunds);
	cell_sum(o, l.gross);
	cell_sum(o, l.refunded);
	cell_sum(o, l.gross - l.refunded);
	return 0;
}

static const char *const cols_rejections[] = {"file",   "line",    "request_id", "customer_id",
					      "reason", "message", NULL};
static const struct xlsx_col wcols_rejections[] = {
	{"file", XLSX_TEXT, 30},        {"line", XLSX_INT, 8},     {"request_id", XLSX_TEXT, 16},
	{"customer_id", XLSX_TEXT, 16}, {"reason", XLSX_TEXT, 22}, {"message", XLSX_TEXT, 60}};

static int row_rejections(struct out *o, sqlite3_stmt *st, struct report *rp)
{
	(void)rp;
	cell_text(o, st, 0);
	cell_int(o, st, 1);
	cell_text(o, st, 2);
	cell_text(o, st, 3);
	cell_raw(o, st, 4);
	cell_text(o, st, 5);
	return 0;
}

static const char *const cols_reconciliation[] = {"product_id", "recorded", "ledger", "difference",
						  NULL};
static const struct xlsx_col wcols_reconciliation[] = {{"product_id", XLSX_TEXT, 14},
						       {"recorded", XLSX_INT, 0},
						       {"ledger", XLSX_INT, 0},
						       {"difference", XLSX_INT, 0}};

static int row_reconciliation(struct out *o, sqlite3_stmt *st, struct report *rp)
{
	int64_t recorded = sqlite3_column_int64(st, 1), ledger = sqlite3_column_int64(st, 2);
	(void)rp;
	cell_text(o, st, 0);
	cell_int64(o, recorded);
	cell_int64(o, ledger);
	cell_int64(o, recorded - ledger);
	return 0;
}

/* ?2: the last day of the notice window. */
static void bind_expiring(sqlite3_stmt *st, struct report *rp)
{
	db_bind_date(st, 2, rp->day + rp->run->cfg.notice_days);
}

static const char *const cols_expiring[] = {"customer_id", "request_id", "product_id", "expires_on",
					    NULL};
static const struct xlsx_col wcols_expiring[] = {{"customer_id", XLSX_TEXT, 16},
						 {"request_id", XLSX_TEXT, 16},
						 {"product_id", XLSX_TEXT, 14},
						 {"expires_on", XLSX_DATE, 0}};

static int row_expiring(struct out *o, sqlite3_stmt *st, struct report *rp)
{
	(void)rp;
	cell_text(o, st, 0);
	cell_text(o, st, 1);
	cell_text(o, st, 2);
	cell_date(o, st, 3);
	return 0;
}

/* --- summary.txt and the workbook's Summary sheet -------------------------- */

static int report_summary(struct report *rp)
{
	struct run *run = rp->run;
	struct summary *sm = &rp->sum;
	struct summary_ask a = {rp->db, rp->day, rp->later, rp->ids};
	sm->expiring = rp->expiring;
	sm->memberships = rp->memberships;
	sm->differences = rp->differences;
	if (summary_collect(sm, &a, &run->err) < 0)
		return -1;
	FILE *fp = report_open(rp, rp->tmpdir, NULL, "summary.txt");
	if (fp == NULL)
		return -1;
	summary_text(sm, fp);
	if (report_close(rp, fp, 1) < 0)
		return -1;
	if (rp->wb != NULL && (xlsx_select(rp->wb, rp->summary_sheet, &run->err) < 0 ||
			       summary_sheet(sm, rp->wb, &run->err) < 0))
		return -1;
	return 0;
}

static int report_prepare(struct report *rp)
{
	sqlite3_stmt *q;
	if (db_prepare(rp->db, sql_books_after, &q, &rp->run->err) < 0)
		return -1;
	db_bind_date(q, 1, rp->day);
	int rc = db_step(rp->db, q, &rp->run->err);
	int later = rp->later = rc != 1 || sqlite3_column_int(q, 0) != 0;
	sqlite3_finalize(q);
	if (rc < 0)
		return -1;
	const char *sql[ST_COUNT] = {
		[ST_PROGRESS] = sql_progress,
		[ST_PRODUCTS] = sql_products,
		[ST_LEDGER] = sql_product_ledger,
		[ST_REJECTIONS] = sql_rejections,
		[ST_RECONCILIATION] = sql_reconciliation,
		[ST_EXPIRING] = later ? sql_expiring_then : sql_expiring_now,
	};
	for (int i = 0; i < ST_COUNT; i++)
		if (db_prepare(rp->db, sql[i], &rp->st[i], &rp->run->err) < 0)
			return -1;
	return 0;
}

/* daily.xlsx (SPEC §6.1): started before the tables, its Summary sheet
 * first but filled last (report_summary); with the library's fixed zip
 * times and the document dated D, a rerun writes the same bytes. */
static int report_workbook_open(struct report *rp)
{
	struct run *run = rp->run;
	if (!run->cfg.workbook)
		return 0;
	if (run->dry_run) {
		log_info("dry run: would write %s/%s/daily.xlsx", run->reports, rp->dstr);
		rp->files++; /* counted as a real run counts it */
		return 0;
	}
	/* Created here first, exclusively with FSX_FILE_MODE: the library
	 * then rewrites it in place, and a folder that takes no file fails
	 * with our message. */
	int fd = fsx_create(rp->tmpdir, "daily.xlsx", &run->err);
	if (fd < 0)
		return -1;
	close(fd);
	char *path = fsx_join(rp->tmpdir, "daily.xlsx");
	if (path == NULL)
		return error_set(&run->err, EX_SOFTWARE, "out of memory");
	struct xlsx_opts o = {.minor_digits = run->cfg.minor_digits,
			      .created = (int64_t)rp->day * 86400,
			      .tmpdir = rp->tmpdir,
			      .max_rows = 0};
	int rc = xlsx_open(&rp->wb, path, &o, &run->err);
	free(path);
	if (rc < 0)
		return -1;
	rp->summary_sheet = xlsx_sheet(rp->wb, "Summary", NULL, 0, &run->err);
	return rp->summary_sheet < 0 ? -1 : 0;
}

/* Write the workbook out, mode 0640, synced like the other files. */
static int report_workbook_close(struct report *rp)
{
	struct run *run = rp->run;
	if (rp->wb == NULL)
		return 0;
	snprintf(rp->cur_file, sizeof rp->cur_file, "daily.xlsx");
	int rc = xlsx_close(rp->wb, &run->err);
	rp->wb = NULL;
	if (rc < 0)
		return -1;
	char *path = fsx_join(rp->tmpdir, "daily.xlsx");
	if (path == NULL)
		return error_set(&run->err, EX_SOFTWARE, "out of memory");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int e = 0;
	if (fd < 0 || fchmod(fd, FSX_FILE_MODE) < 0 || fsync(fd) < 0)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (e != 0)
		rc = error_set(&run->err, EX_IOERR, "%s: %s", path, strerror(e));
	free(path);
	if (rc == 0) {
		rp->files++;
		fault_point("report file");
	}
	return rc;
}

/* Build every file into the temporary folder; the tables in the order of
 * the workbook's sheets (SPEC §6.1), the summary last (it counts them). */
static int report_build(struct report *rp)
{
	/* Each file is a table (report_table) or has a shape of its own. */
	static const struct step {
		int (*build)(struct report *rp);
		struct table table;
	} steps[] = {
		{.table = {"sales.csv", cols_sales, ST_PRODUCTS, NULL, row_sales,
			   offsetof(struct report, products), "Sales", wcols_sales,
			   sizeof wcols_sales / sizeof wcols_sales[0]}},
		{.table = {"customer-progress.csv", cols_progress, ST_PROGRESS, NULL, row_progress,
			   offsetof(struct report, memberships), "Customers", wcols_progress,
			   sizeof wcols_progress / sizeof wcols_progress[0]}},
		{.table = {"rejections.csv", cols_rejections, ST_REJECTIONS, NULL, row_rejections,
			   offsetof(struct report, rejections), "Rejections", wcols_rejections,
			   sizeof wcols_rejections / sizeof wcols_rejections[0]}},
		{.table = {"expiring-soon.csv", cols_expiring, ST_EXPIRING, bind_expiring,
			   row_expiring, offsetof(struct report, expiring), "Expiring soon",
			   wcols_expiring, sizeof wcols_expiring / sizeof wcols_expiring[0]}},
		{.table = {"reconciliation.csv", cols_reconciliation, ST_RECONCILIATION, NULL,
			   row_reconciliation, offsetof(struct report, differences),
			   "Reconciliation", wcols_reconciliation,
			   sizeof wcols_reconciliation / sizeof wcols_reconciliation[0]}},
		{.build = report_summary},
		/* The workbook's zip is made while the customer files may still
		 * be building: the compression is a third of its time. */
		{.build = report_workbook_close},
		{.build = report_customers_done},
	};
	/* The Customers sheet names the zone of its requested_at. */
	struct xlsx_col progress[sizeof wcols_progress / sizeof wcols_progress[0]];
	char at[96];
	memcpy(progress, wcols_progress, sizeof progress);
	snprintf(at, sizeof at, "requested_at (%s)", rp->run->cfg.timezone);
	progress[6].name = at;
	if (report_workbook_open(rp) < 0 || report_customers_start(rp) < 0)
		return -1;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		const struct step *s = &steps[i];
		if (run_stopped()) {
			run_fail_stopped(rp->run);
			return -1;
		}
		if (customer_files_failed(rp->cf))
			return report_customers_done(rp);
		const struct xlsx_col *w =
			s->table.wcols == wcols_progress ? progress : s->table.wcols;
		if ((s->build ? s->build(rp) : report_table(rp, &s->table, w)) < 0)
			return -1;
	}
	/* A signal during the last step (the customer files' thread finishing,
	 * its syncfs) still rolls back: no commit, no swap. */
	if (run_stopped()) {
		run_fail_stopped(rp->run);
		return -1;
	}
	return 0;
}

/* Whether memberships ended by D are still marked active: expire has not
 * run for D yet (a report of today before the nightly, or of a day ahead). */
static int report_expiry_owed(struct report *rp, int *owed)
{
	sqlite3_stmt *st;
	if (db_prepare(rp->db,
		       "SELECT EXISTS (SELECT 1 FROM memberships WHERE status = 'ACTIVE'"
		       " AND expires_on <= rules_expired_through(?1))",
		       &st, &rp->run->err) < 0)
		return -1;
	db_bind_date(st, 1, rp->day);
	int rc = db_step(rp->db, st, &rp->run->err);
	*owed = rc == 1 && sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

int job_report(struct run *run)
{
	struct report rp;
	int code = 0, own_txn = 0, owed = 0, owed_txn = 0;
	char tmpname[64];
	memset(&rp, 0, sizeof rp);
	rp.run = run;
	rp.db = &run->db;
	rp.day = run->date;
	dates_format(run->date, rp.dstr);
	summary_init(&rp.sum, rp.day, run->cfg.currency_code, run->cfg.minor_digits,
		     run->cfg.notice_days);
	if (!run->dry_run) {
		snprintf(tmpname, sizeof tmpname, ".%s.tmp-%ld", rp.dstr, (long)getpid());
		rp.tmpdir = fsx_join(run->reports, tmpname);
		rp.custdir = rp.tmpdir ? fsx_join(rp.tmpdir, "customers") : NULL;
		rp.iobuf = malloc(REPORT_STREAM_BUF);
		if (rp.custdir == NULL || rp.iobuf == NULL) {
			error_set(&run->err, EX_SOFTWARE, "out of memory");
			goto fail;
		}
	}
	/* A link or a file where reports/<D> goes stops the job (73): the
	 * swap would put the folder in its place without a word. */
	char *final = fsx_join(run->reports, rp.dstr);
	int exists;
	if (final == NULL) {
		error_set(&run->err, EX_SOFTWARE, "out of memory");
		goto fail;
	}
	int bad = fsx_folder_or_none(final, &exists, &run->err) < 0;
	free(final);
	if (bad || report_folder_clean(run->reports, run->dry_run, &run->err) < 0 ||
	    report_prepare(&rp) < 0)
		goto fail;
	/* One read snapshot for all the files. The customer files read through
	 * a connection of their own unless this one's transaction holds what
	 * the other cannot see (nightly --dry-run: the uncommitted steps before
	 * report), or a verbose dry run lists every file in order. Then this
	 * transaction holds the write lock (a dry run's does already), so that
	 * no commit can come between the two snapshots; a deferred one takes
	 * none. */
	if (report_expiry_owed(&rp, &owed) < 0)
		goto fail;
	rp.cf_own = !owed && !(run->db.depth > 0 && (run->cmd->flags & CMD_CYCLE)) &&
		    !(run->dry_run && log_get_level() >= LOG_VERBOSE);
	if (rp.cf_own &&
	    db_exec(&run->db, "PRAGMA cache_size = -" DB_REPORT_CACHE_KIB, &run->err) < 0)
		goto fail;
	if (owed) {
		/* Memberships that ended by D read EXPIRED by rule, but their
		 * MEMBERSHIP_EXPIRED events (dated on expires_on) are written by
		 * expire. The report is of the books as they will read once it
		 * has run (SPEC §5.1: the same whether expire ran on time or
		 * later): its first step, in a transaction that is rolled back,
		 * read on this one connection. */
		int64_t n = 0;
		if (db_begin(&run->db, &run->err) < 0)
			goto fail;
		owed_txn = 1;
		if (expire_memberships_in(run, &n) != 0)
			goto fail;
		log_info("report: %lld membership(s) ended by %s and not yet expired: reported as "
			 "expired (expire writes it to the books)",
			 (long long)n, rp.dstr);
	} else if (run->db.depth == 0) {
		if (db_exec(&run->db, rp.cf_own ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", &run->err) <
		    0)
			goto fail;
		own_txn = 1;
	}
	if (!run->dry_run) {
		if (mkdir(rp.tmpdir, FSX_DIR_MODE) < 0) {
			int e = errno;
			error_set(&run->err, e == ENOSPC ? EX_IOERR : EX_CANTCREAT,
				  "%s: cannot create folder: %s", rp.tmpdir, strerror(e));
			goto fail;
		}
		rp.made_tmp = 1;
		if (chmod(rp.tmpdir, FSX_DIR_MODE) < 0) {
			error_set(&run->err, EX_CANTCREAT, "%s: chmod: %s", rp.tmpdir,
				  strerror(errno));
			goto fail;
		}
	}
	if (timeline_day_ids(rp.db, rp.day, &rp.ids, &rp.run->err) < 0 || report_build(&rp) < 0)
		goto fail;
	if (own_txn) {
		db_exec(&run->db, "COMMIT", &run->err);
		own_txn = 0;
	}
	if (owed_txn) {
		db_rollback(&run->db);
		owed_txn = 0;
	}
	if (!run->dry_run) {
		int gone = 0;
		int rc = fsx_fsync_dir(rp.tmpdir, &run->err);
		if (rc == 0)
			rc = report_folder_swap(run->reports, rp.dstr, &rp.tmpdir, &gone,
						&run->err);
		if (gone)
			rp.made_tmp = 0;
		if (rc < 0)
			goto fail;
	}
	snprintf(run->summary, sizeof run->summary,
		 "%s%lld files (%lld customer timelines), %lld memberships, %lld products,"
		 " %lld rejections, %lld expiring soon",
		 run->dry_run ? "would write " : "", (long long)rp.files, (long long)rp.customers,
		 (long long)rp.memberships, (long long)rp.products, (long long)rp.rejections,
		 (long long)rp.expiring);
	run->counts.files = rp.files;
	run->counts.rows = rp.rows;
	goto out;
fail:
	code = run->err.code ? run->err.code : EX_SOFTWARE;
out:
	/* The customer files write into tmpdir until they are stopped. */
	if (rp.cf != NULL) {
		struct customer_files_done d;
		customer_files_finish(rp.cf, 1, &d, NULL);
		rp.cf = NULL;
	}
	if (own_txn)
		sqlite3_exec(run->db.h, "ROLLBACK", NULL, NULL, NULL);
	if (owed_txn)
		db_rollback(&run->db);
	if (rp.cf_own) /* nightly's catch-up goes on with other jobs */
		sqlite3_exec(run->db.h, "PRAGMA cache_size = -" DB_CACHE_KIB, NULL, NULL, NULL);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(rp.st[i]);
	/* First: the workbook's cell thread writes its row files into the
	 * folder until xlsx_free has stopped it. */
	xlsx_free(rp.wb);
	rp.wb = NULL;
	if (rp.made_tmp && fsx_remove_tree(rp.tmpdir) < 0)
		log_warn("report: could not remove %s: %s (the next run does)", rp.tmpdir,
			 strerror(errno));
	summary_free(&rp.sum);
	free(rp.tmpdir);
	free(rp.custdir);
	free(rp.iobuf);
	return code;
}
