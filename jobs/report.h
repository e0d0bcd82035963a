/* report.h — the parts of `membership report` (jobs/report*.c) that the
 * job's files share: a product's ledger, the day in numbers (summary.txt
 * and the workbook's Summary sheet, jobs/report_summary.c) and the folder
 * swap (jobs/report_folder.c). Not for other jobs. */
#ifndef MEMBERSHIP_REPORT_H
#define MEMBERSHIP_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "error.h"
#include "money.h"
#include "timeline.h"

struct xlsx;

/* The memberships active on D = ?1 (rules_active_on, lib/rules.c), as a
 * WHERE clause: FROM SQL_ACTIVE_NOW or SQL_ACTIVE_THEN, then this. When
 * nothing in the books is dated after D (no run for a later date), those
 * active as of D are among those ACTIVE now, which memberships_expiry holds
 * by expiry (walked from the first expiry not over on D); else the table
 * is read. */
#define SQL_ACTIVE_AS_OF                                                                           \
	" expires_on > rules_expired_through(?1)"                                                  \
	" AND rules_active_on(approved_on, valid_from, expires_on, cancelled_on, ?1)"
#define SQL_ACTIVE_NOW  " memberships INDEXED BY memberships_expiry WHERE status = 'ACTIVE' AND"
#define SQL_ACTIVE_THEN " memberships WHERE"

/* The ledger of one product as of D (to date, and on D alone); sums exact. */
struct ledger {
	int64_t approved, refunds, day_approved, day_refunds;
	money_sum gross, refunded, day_gross, day_refunded;
};

/* A name (reason code, file kind) and how many had it. */
struct summary_count {
	char *name;
	int64_t n;
};

struct summary_product {
	char *id, *name;
	const char *status; /* a constant */
	int64_t day_sold, day_refunds, sold;
	money_sum day_net, net;
};

/* The day in numbers. */
struct summary {
	int32_t day;
	const char *currency;
	int minor_digits, notice_days;
	/* inbox */
	struct summary_count *kinds; /* files applied, by kind */
	size_t nkinds;
	int64_t files_whole, rows, accepted, rejected;
	struct summary_count *whole_reasons, *row_reasons;
	size_t nwhole, nrow;
	/* requests and payments */
	int64_t requested, purchase_rejected, cancel_requested, cancel_rejected;
	int64_t approved, declined, voided, refunded, not_cancellable, expired;
	money_sum approved_amount, voided_amount, refund_amount;
	struct summary_count *declines; /* by reason, sorted */
	size_t ndeclines;
	/* the report's own counts */
	int64_t active, expiring, memberships, differences;
	struct summary_product *products; /* in product_id order */
	size_t nproducts, cap;
	money_sum net_day, net_all;
};

/* What summary_collect reads: the books as of day, and the id ranges of
 * the day (memberships requested on D, events of D, decisions of D; lo >
 * hi when none). later: the books hold a run dated after day. */
struct summary_ask {
	struct db *db;
	int32_t day;
	int later;
	struct timeline_day ids;
};

void summary_init(struct summary *s, int32_t day, const char *currency, int minor_digits,
		  int notice_days);
/* Read the inbox, request, payment and membership numbers of the day into
 * s (products come from summary_add_product). 0, or -1 with err. */
int summary_collect(struct summary *s, const struct summary_ask *a, struct error *err);
/* One product, as sales.csv writes it. -1 out of memory (err filled). */
int summary_add_product(struct summary *s, const char *id, const char *name, const char *status,
			const struct ledger *l, struct error *err);
/* summary.txt into fp (lines under 80 columns where the numbers allow). */
void summary_text(const struct summary *s, FILE *fp);
/* The Summary sheet: the same numbers, and its two charts. The sheet must
 * be the current one of wb. 0, or -1 with err. */
int summary_sheet(const struct summary *s, struct xlsx *wb, struct error *err);
void summary_free(struct summary *s);

/* The customer files (jobs/report_customers.c). */
struct run;
struct customer_files;
struct customer_files_args {
	struct run *run; /* its configuration and flags, only read */
	/* The connection to read through, in the caller's thread, at once;
	 * NULL: a connection and a thread of their own, while the caller goes
	 * on. The caller's transaction holds the write lock in that case, so
	 * that the two read the same books. */
	struct db *db;
	const char *dstr;    /* D as text, for messages */
	const char *custdir; /* the folder to create them in (not in a dry run) */
	int32_t day;
	struct timeline_day ids; /* D's id ranges (per_customer: changed) */
};
struct customer_files_done {
	int64_t files, customers, rows;
};
/* Create customers/ and start (or, with a->db, do) the files; *out is NULL
 * when per_customer is none. 0, or -1 with err. */
int customer_files_start(struct customer_files **out, const struct customer_files_args *a,
			 struct error *err);
/* Rows written so far (for progress), and whether the thread has failed
 * (the caller then stops early and calls customer_files_finish). */
int64_t customer_files_rows(const struct customer_files *c);
int customer_files_failed(const struct customer_files *c);
/* Wait for the files (with cancel: stop them, the caller is failing) and
 * free c (NULL is fine); what was made goes into *done. 0, or -1 with err
 * (untouched with cancel). */
int customer_files_finish(struct customer_files *c, int cancel, struct customer_files_done *done,
			  struct error *err);

/* The folder (jobs/report_folder.c). Remove what killed runs left in
 * reports (or put back a report a killed swap set aside); a dry run only
 * says what it would do. 0, or -1 with err. */
int report_folder_clean(const char *reports, int dry_run, struct error *err);
/* Put the finished folder tmpdir in place as reports/<dstr> in one step
 * and remove the old one. *tmp_gone is set once tmpdir is no longer ours
 * to remove. 0, or -1 with err. */
int report_folder_swap(const char *reports, const char *dstr, char **tmpdir, int *tmp_gone,
		       struct error *err);

#endif
