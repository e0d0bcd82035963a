/* report_summary.c — the day in numbers, for people: read once from the
 * books (summary_collect, with each product from the sales.csv pass), then
 * written as summary.txt and as the workbook's Summary sheet with its two
 * charts, so the two always agree. Money sums are made in C as money_sum:
 * exact past 2^63 minor units (SPEC §6).
 * Not for: the CSV reports (report.c) or the folder (report_folder.c). */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "csvout.h"
#include "dates.h"
#include "fsx.h"
#include "report.h"
#include "utf8.h"
#include "xlsx.h"

/* The inbox files of the day by kind. */
static const char sql_files[] =
	"SELECT coalesce(kind, ''), count(*), sum(rows_read), sum(accepted), sum(rejected)"
	" FROM files WHERE business_date = ?1 AND outcome = 'APPLIED'"
	" GROUP BY 1 ORDER BY 1";

/* Rejections of the day; whole files (line NULL) first. */
static const char sql_rejections[] =
	"SELECT line IS NOT NULL, reason, count(*) FROM rejections WHERE business_date = ?1"
	" GROUP BY 1, 2 ORDER BY 1, 2";

/* The events of the day (timeline.h says where each is kept), counted in
 * one pass in C (a GROUP BY sorted a million rows on a big day);
 * CANCEL_REJECTED from payments (membership set) is kept apart. */
static const char sql_events[] = SQL_DAY_STORED;
static const char sql_decisions[] = SQL_DAY_DECISIONS;
static const char sql_refunds[] = SQL_DAY_REFUNDS;
static const char sql_count_ids[] = SQL_DAY_REQUESTED;

static const char sql_active_now[] = "SELECT count(*) FROM" SQL_ACTIVE_NOW SQL_ACTIVE_AS_OF;
static const char sql_active_then[] = "SELECT count(*) FROM" SQL_ACTIVE_THEN SQL_ACTIVE_AS_OF;

void summary_init(struct summary *s, int32_t day, const char *currency, int minor_digits,
		  int notice_days)
{
	memset(s, 0, sizeof *s);
	s->day = day;
	s->currency = currency;
	s->minor_digits = minor_digits;
	s->notice_days = notice_days;
}

static void counts_free(struct summary_count *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

void summary_free(struct summary *s)
{
	counts_free(s->kinds, s->nkinds);
	counts_free(s->whole_reasons, s->nwhole);
	counts_free(s->row_reasons, s->nrow);
	counts_free(s->declines, s->ndeclines);
	for (size_t i = 0; i < s->nproducts; i++) {
		free(s->products[i].id);
		free(s->products[i].name);
	}
	free(s->products);
	memset(s, 0, sizeof *s);
}

/* Add n under name (a new entry, or added to the same name). -1 out of memory. */
static int count_add(struct summary_count **v, size_t *len, const char *name, int64_t n)
{
	for (size_t i = 0; i < *len; i++)
		if (strcmp((*v)[i].name, name) == 0)
			return (*v)[i].n += n, 0;
	struct summary_count *g = realloc(*v, (*len + 1) * sizeof *g);
	if (g == NULL)
		return -1;
	*v = g;
	if ((g[*len].name = strdup(name)) == NULL)
		return -1;
	g[(*len)++].n = n;
	return 0;
}

static int count_cmp(const void *a, const void *b)
{
	return strcmp(((const struct summary_count *)a)->name,
		      ((const struct summary_count *)b)->name);
}

static int oom(struct error *err)
{
	return error_set(err, EX_SOFTWARE, "out of memory");
}

/* Run st to its end with each row handed to fn; st is finalized. */
static int each_row(struct db *db, sqlite3_stmt *st, struct summary *s, struct error *err,
		    int (*fn)(struct summary *s, sqlite3_stmt *st))
{
	int rc;
	while ((rc = db_step(db, st, err)) == 1)
		if (fn(s, st) < 0) {
			rc = oom(err);
			break;
		}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int row_files(struct summary *s, sqlite3_stmt *st)
{
	const char *kind = db_col_text(st, 0);
	s->rows += sqlite3_column_int64(st, 2);
	s->accepted += sqlite3_column_int64(st, 3);
	s->rejected += sqlite3_column_int64(st, 4);
	/* Rejected requests are the rows rejected from the day's purchase and
	 * cancel files: every one, also those whose customer id broke its
	 * rule (no event is stored for such a customer). */
	if (strcmp(kind, "purchases") == 0)
		s->purchase_rejected += sqlite3_column_int64(st, 4);
	else if (strcmp(kind, "cancels") == 0)
		s->cancel_rejected += sqlite3_column_int64(st, 4);
	return count_add(&s->kinds, &s->nkinds, kind[0] ? kind : "other",
			 sqlite3_column_int64(st, 1));
}

static int row_rejections(struct summary *s, sqlite3_stmt *st)
{
	const char *reason = db_col_text(st, 1);
	int64_t n = sqlite3_column_int64(st, 2);
	if (sqlite3_column_int(st, 0))
		return count_add(&s->row_reasons, &s->nrow, reason, n);
	s->files_whole += n;
	return count_add(&s->whole_reasons, &s->nwhole, reason, n);
}

static int row_event(struct summary *s, sqlite3_stmt *st)
{
	const char *ev = db_col_text(st, 0);
	int from_payments = sqlite3_column_int(st, 2);
	int64_t amount = sqlite3_column_int64(st, 3);
	if (strcmp(ev, "CANCEL_REQUESTED") == 0)
		s->cancel_requested++;
	else if (strcmp(ev, "CANCEL_REJECTED") == 0 && from_payments)
		s->not_cancellable++;
	else if (strcmp(ev, "PAYMENT_APPROVED") == 0)
		s->approved++, s->approved_amount += amount;
	else if (strcmp(ev, "PAYMENT_DECLINED") == 0) {
		s->declined++;
		return count_add(&s->declines, &s->ndeclines, db_col_text(st, 1), 1);
	} else if (strcmp(ev, "PAYMENT_VOIDED") == 0)
		s->voided++, s->voided_amount += amount;
	else if (strcmp(ev, "PAYMENT_REFUNDED") == 0)
		s->refunded++;
	else if (strcmp(ev, "MEMBERSHIP_EXPIRED") == 0)
		s->expired++;
	return 0;
}

/* The payment decisions of D, read from their memberships (no event row). */
static int row_decision(struct summary *s, sqlite3_stmt *st)
{
	if (sqlite3_column_int(st, 0)) {
		s->approved++;
		s->approved_amount += sqlite3_column_int64(st, 2);
		return 0;
	}
	s->declined++;
	return count_add(&s->declines, &s->ndeclines, db_col_text(st, 1), 1);
}

static int row_refund(struct summary *s, sqlite3_stmt *st)
{
	s->refund_amount += sqlite3_column_int64(st, 0);
	return 0;
}

/* Prepare sql and bind ?1, ?2 (ints, or the day alone when lo is NULL). */
static sqlite3_stmt *ask(const struct summary_ask *a, const char *sql, const int64_t *lo,
			 const int64_t *hi, struct error *err)
{
	sqlite3_stmt *st;
	if (db_prepare(a->db, sql, &st, err) < 0)
		return NULL;
	if (lo == NULL) {
		db_bind_date(st, 1, a->day);
	} else {
		db_bind_int(st, 1, *lo);
		db_bind_int(st, 2, *hi);
	}
	return st;
}

static int one_int(const struct summary_ask *a, sqlite3_stmt *st, int64_t *out, struct error *err)
{
	if (st == NULL)
		return -1;
	int rc = db_step(a->db, st, err);
	*out = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

int summary_collect(struct summary *s, const struct summary_ask *a, struct error *err)
{
	sqlite3_stmt *st;
	if ((st = ask(a, sql_files, NULL, NULL, err)) == NULL ||
	    each_row(a->db, st, s, err, row_files) < 0)
		return -1;
	if ((st = ask(a, sql_rejections, NULL, NULL, err)) == NULL ||
	    each_row(a->db, st, s, err, row_rejections) < 0)
		return -1;
	if ((st = ask(a, sql_events, &a->ids.ev_lo, &a->ids.ev_hi, err)) == NULL ||
	    each_row(a->db, st, s, err, row_event) < 0)
		return -1;
	if ((st = ask(a, sql_decisions, &a->ids.dc_lo, &a->ids.dc_hi, err)) == NULL ||
	    each_row(a->db, st, s, err, row_decision) < 0)
		return -1;
	if ((st = ask(a, sql_refunds, &a->ids.ev_lo, &a->ids.ev_hi, err)) == NULL ||
	    each_row(a->db, st, s, err, row_refund) < 0)
		return -1;
	/* Purchases accepted: the memberships requested on D (no event row). */
	if (one_int(a, ask(a, sql_count_ids, &a->ids.req_lo, &a->ids.req_hi, err), &s->requested,
		    err) < 0 ||
	    one_int(a, ask(a, a->later ? sql_active_then : sql_active_now, NULL, NULL, err),
		    &s->active, err) < 0)
		return -1;
	if (s->ndeclines > 0)
		qsort(s->declines, s->ndeclines, sizeof *s->declines, count_cmp);
	return 0;
}

int summary_add_product(struct summary *s, const char *id, const char *name, const char *status,
			const struct ledger *l, struct error *err)
{
	if (s->nproducts == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct summary_product *g = realloc(s->products, cap * sizeof *g);
		if (g == NULL)
			return oom(err);
		s->products = g;
		s->cap = cap;
	}
	struct summary_product *p = &s->products[s->nproducts];
	memset(p, 0, sizeof *p);
	p->id = strdup(id);
	p->name = strdup(name);
	if (p->id == NULL || p->name == NULL) {
		free(p->id);
		free(p->name);
		return oom(err);
	}
	s->nproducts++;
	p->status = status;
	p->day_sold = l->day_approved;
	p->day_refunds = l->day_refunds;
	p->sold = l->approved - l->refunds;
	p->day_net = l->day_gross - l->day_refunded;
	p->net = l->gross - l->refunded;
	s->net_day += p->day_net;
	s->net_all += p->net;
	return 0;
}

/* --- summary.txt -------------------------------------------------------------- */

#define LABEL "  %-34s"

static void line_count(FILE *fp, const char *label, int64_t n)
{
	char v[MONEY_SUM_TEXT_MAX];
	money_format_sum(n, 0, 1, v, sizeof v);
	fprintf(fp, LABEL " %9s\n", label, v);
}

static void line_amount(FILE *fp, const struct summary *s, const char *label, int64_t n,
			money_sum amount)
{
	char v[MONEY_SUM_TEXT_MAX], a[MONEY_SUM_TEXT_MAX];
	money_format_sum(n, 0, 1, v, sizeof v);
	money_format_sum(amount, s->minor_digits, 1, a, sizeof a);
	fprintf(fp, LABEL " %9s  %20s\n", label, v, a);
}

/* Reason codes and kinds come from our own code, but they are printed
 * escaped all the same: summary.txt is one line per fact. */
static void line_reason(FILE *fp, const char *reason, int64_t n)
{
	char esc[128], label[160];
	fsx_escape(reason, esc, sizeof esc);
	snprintf(label, sizeof label, "  %s", esc[0] ? esc : "(none)");
	line_count(fp, label, n);
}

#define PRODUCT_COLS 22 /* the product column: "ID  name" when it fits */
#define PRODUCT_ROW  "  %s%*s %-7s %5s %7s %11s %5s %13s\n"

static void products_text(const struct summary *s, FILE *fp)
{
	char d[DATE_TEXT_LEN + 1];
	dates_format(s->day, d);
	fprintf(fp, "\nproducts as of %s\n", d);
	fprintf(fp, PRODUCT_ROW, "", PRODUCT_COLS, "", "", "today", "today", "today", "total",
		"total");
	fprintf(fp, PRODUCT_ROW, "product", PRODUCT_COLS - 7, "", "status", "sold", "refunds",
		"net", "sold", "net");
	for (size_t i = 0; i < s->nproducts; i++) {
		const struct summary_product *p = &s->products[i];
		char id[160], name[700], cell[900];
		char ds[MONEY_SUM_TEXT_MAX], dr[MONEY_SUM_TEXT_MAX], dn[MONEY_SUM_TEXT_MAX];
		char so[MONEY_SUM_TEXT_MAX], ne[MONEY_SUM_TEXT_MAX];
		fsx_escape(p->id, id, sizeof id);
		fsx_escape(p->name, name, sizeof name);
		snprintf(cell, sizeof cell, "%s  %s", id, name);
		money_format_sum(p->day_sold, 0, 1, ds, sizeof ds);
		money_format_sum(p->day_refunds, 0, 1, dr, sizeof dr);
		money_format_sum(p->day_net, s->minor_digits, 1, dn, sizeof dn);
		money_format_sum(p->sold, 0, 1, so, sizeof so);
		money_format_sum(p->net, s->minor_digits, 1, ne, sizeof ne);
		size_t cols = utf8_columns(cell, strlen(cell));
		/* Too long for its column: the product on a line of its own,
		 * the numbers under it, so no line is cut. */
		if (cols > PRODUCT_COLS) {
			fprintf(fp, "  %s\n", cell);
			cell[0] = '\0';
			cols = 0;
		}
		fprintf(fp, PRODUCT_ROW, cell, (int)(PRODUCT_COLS - cols), "", p->status, ds, dr,
			dn, so, ne);
	}
	char dn[MONEY_SUM_TEXT_MAX], ne[MONEY_SUM_TEXT_MAX];
	money_format_sum(s->net_day, s->minor_digits, 1, dn, sizeof dn);
	money_format_sum(s->net_all, s->minor_digits, 1, ne, sizeof ne);
	fprintf(fp, PRODUCT_ROW, "total", PRODUCT_COLS - 5, "", "", "", "", dn, "", ne);
}

void summary_text(const struct summary *s, FILE *fp)
{
	char d[DATE_TEXT_LEN + 1], label[96];
	dates_format(s->day, d);
	fprintf(fp, "membership report for %s (amounts in %s)\n\n", d, s->currency);
	fprintf(fp, "inbox\n");
	for (size_t i = 0; i < s->nkinds; i++) {
		char esc[64];
		fsx_escape(s->kinds[i].name, esc, sizeof esc);
		snprintf(label, sizeof label, "%s files applied", esc);
		line_count(fp, label, s->kinds[i].n);
	}
	if (s->nkinds == 0)
		line_count(fp, "files applied", 0);
	line_count(fp, "files rejected whole", s->files_whole);
	for (size_t i = 0; i < s->nwhole; i++)
		line_reason(fp, s->whole_reasons[i].name, s->whole_reasons[i].n);
	line_count(fp, "rows read", s->rows);
	line_count(fp, "rows accepted", s->accepted);
	line_count(fp, "rows rejected", s->rejected);
	for (size_t i = 0; i < s->nrow; i++)
		line_reason(fp, s->row_reasons[i].name, s->row_reasons[i].n);

	fprintf(fp, "\nrequests\n");
	line_count(fp, "purchases accepted", s->requested);
	line_count(fp, "purchases rejected", s->purchase_rejected);
	line_count(fp, "cancels accepted", s->cancel_requested);
	line_count(fp, "cancels rejected", s->cancel_rejected);
	fprintf(fp, "\npayments%*s %9s  %20s\n", 29, "", "count", "amount");
	line_amount(fp, s, "approved", s->approved, s->approved_amount);
	line_count(fp, "declined", s->declined);
	for (size_t i = 0; i < s->ndeclines; i++)
		line_reason(fp, s->declines[i].name, s->declines[i].n);
	line_amount(fp, s, "voided (not charged)", s->voided, s->voided_amount);
	line_amount(fp, s, "refunded", s->refunded, s->refund_amount);
	line_count(fp, "cancels not cancellable", s->not_cancellable);

	fprintf(fp, "\nmemberships\n");
	line_count(fp, "expired", s->expired);
	line_count(fp, "active at the end of the day", s->active);
	snprintf(label, sizeof label, "expiring within %d days", s->notice_days);
	line_count(fp, label, s->expiring);
	line_count(fp, "in customer-progress.csv", s->memberships);
	fprintf(fp, "\nreconciliation\n");
	line_count(fp, "counter differences found", s->differences);
	products_text(s, fp);
}

/* --- the Summary sheet ------------------------------------------------------------ */

/* A row: label, count, and an amount when has_amount. */
static void sheet_line(struct xlsx *wb, const char *label, int64_t n, int has_amount,
		       money_sum amount)
{
	xlsx_empty(wb);
	xlsx_text(wb, label, strlen(label));
	xlsx_int(wb, n);
	if (has_amount)
		xlsx_money(wb, amount);
	xlsx_end_row(wb);
}

static void sheet_heading(struct xlsx *wb, const char *a, const char *b, const char *c)
{
	xlsx_end_row(wb);
	xlsx_bold(wb, a);
	xlsx_empty(wb);
	xlsx_bold(wb, b);
	xlsx_bold(wb, c);
	xlsx_end_row(wb);
}

static void sheet_reasons(struct xlsx *wb, const struct summary_count *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char label[160];
		snprintf(label, sizeof label, "    %s", v[i].name);
		sheet_line(wb, label, v[i].n, 0, 0);
	}
}

int summary_sheet(const struct summary *s, struct xlsx *wb, struct error *err)
{
	static const double widths[] = {14, 34, 12, 12, 14, 18, 12, 18};
	char d[DATE_TEXT_LEN + 1], title[96], label[160];
	dates_format(s->day, d);
	xlsx_widths(wb, widths, sizeof widths / sizeof widths[0]);
	snprintf(title, sizeof title, "membership report for %s (amounts in %s)", d, s->currency);
	xlsx_bold(wb, title);
	xlsx_end_row(wb);

	sheet_heading(wb, "inbox", "count", "");
	for (size_t i = 0; i < s->nkinds; i++) {
		snprintf(label, sizeof label, "%.64s files applied", s->kinds[i].name);
		sheet_line(wb, label, s->kinds[i].n, 0, 0);
	}
	if (s->nkinds == 0)
		sheet_line(wb, "files applied", 0, 0, 0);
	sheet_line(wb, "files rejected whole", s->files_whole, 0, 0);
	sheet_reasons(wb, s->whole_reasons, s->nwhole);
	sheet_line(wb, "rows read", s->rows, 0, 0);
	sheet_line(wb, "rows accepted", s->accepted, 0, 0);
	sheet_line(wb, "rows rejected", s->rejected, 0, 0);
	sheet_reasons(wb, s->row_reasons, s->nrow);

	sheet_heading(wb, "requests", "count", "");
	sheet_line(wb, "purchases accepted", s->requested, 0, 0);
	sheet_line(wb, "purchases rejected", s->purchase_rejected, 0, 0);
	sheet_line(wb, "cancels accepted", s->cancel_requested, 0, 0);
	sheet_line(wb, "cancels rejected", s->cancel_rejected, 0, 0);

	/* The payments by outcome: the rows the second chart reads. */
	sheet_heading(wb, "payments", "count", "amount");
	uint32_t pay_first = xlsx_row(wb);
	sheet_line(wb, "approved", s->approved, 1, s->approved_amount);
	for (size_t i = 0; i < s->ndeclines; i++) {
		snprintf(label, sizeof label, "declined %.64s", s->declines[i].name);
		sheet_line(wb, label, s->declines[i].n, 0, 0);
	}
	if (s->ndeclines == 0)
		sheet_line(wb, "declined", 0, 0, 0);
	sheet_line(wb, "voided (not charged)", s->voided, 1, s->voided_amount);
	sheet_line(wb, "refunded", s->refunded, 1, s->refund_amount);
	uint32_t pay_last = xlsx_row(wb) - 1;
	/* summary.txt's total of the declines, below the chart's rows so the
	 * chart does not count them twice */
	if (s->ndeclines > 0)
		sheet_line(wb, "declined, all reasons", s->declined, 0, 0);
	sheet_line(wb, "cancels not cancellable", s->not_cancellable, 0, 0);

	sheet_heading(wb, "memberships", "count", "");
	sheet_line(wb, "expired", s->expired, 0, 0);
	sheet_line(wb, "active at the end of the day", s->active, 0, 0);
	snprintf(label, sizeof label, "expiring within %d days", s->notice_days);
	sheet_line(wb, label, s->expiring, 0, 0);
	sheet_line(wb, "in customer-progress.csv", s->memberships, 0, 0);
	sheet_heading(wb, "reconciliation", "count", "");
	sheet_line(wb, "counter differences found", s->differences, 0, 0);

	/* The products: the rows the first chart reads. */
	xlsx_end_row(wb);
	snprintf(title, sizeof title, "products as of %s", d);
	xlsx_bold(wb, title);
	xlsx_end_row(wb);
	static const char *const heads[] = {"product_id",   "name",          "status",
					    "sold today",   "refunds today", "net today",
					    "sold to date", "net to date"};
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
		xlsx_bold(wb, heads[i]);
	xlsx_end_row(wb);
	uint32_t prod_first = xlsx_row(wb);
	for (size_t i = 0; i < s->nproducts; i++) {
		const struct summary_product *p = &s->products[i];
		xlsx_text(wb, p->id, strlen(p->id));
		xlsx_text(wb, p->name, strlen(p->name));
		xlsx_text(wb, p->status, strlen(p->status));
		xlsx_int(wb, p->day_sold);
		xlsx_int(wb, p->day_refunds);
		xlsx_money(wb, p->day_net);
		xlsx_int(wb, p->sold);
		xlsx_money(wb, p->net);
		xlsx_end_row(wb);
	}
	if (s->nproducts == 0) {
		xlsx_text(wb, "(none)", 6);
		xlsx_end_row(wb);
	}
	uint32_t prod_last = xlsx_row(wb) - 1;
	xlsx_bold(wb, "total");
	for (int i = 0; i < 4; i++)
		xlsx_empty(wb);
	xlsx_money(wb, s->net_day);
	xlsx_empty(wb);
	xlsx_money(wb, s->net_all);
	xlsx_end_row(wb);

	/* The charts beside the numbers, the products' above the payments'. */
	static const uint16_t prod_vals[] = {3, 4};
	static const uint16_t pay_vals[] = {2};
	if (xlsx_chart(wb, XLSX_CHART_COLUMN, "Sales and refunds today by product", prod_first,
		       prod_last, 0, prod_vals, 2, 1, 9, err) < 0 ||
	    xlsx_chart(wb, XLSX_CHART_BAR, "Payments today by outcome", pay_first, pay_last, 1,
		       pay_vals, 1, 22, 9, err) < 0)
		return -1;
	return 0;
}
