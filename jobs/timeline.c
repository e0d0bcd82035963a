/* timeline.c — customer timelines in order, for customers/<id>.csv and
 * `progress`: the rows of SQL_TIMELINE (stored events and the purchase each
 * membership row stands for, merged by id in SQL), with the payment
 * decision each decided membership stands for (schema_4.sql) put in its
 * place. A decision's id (decided_id) is always after its membership's id,
 * but a customer's decisions need not follow the order of their purchases
 * (a later line may be requested earlier), so the decisions met wait in a
 * small heap by id until the next row read comes after them or the
 * customer ends. The heap holds at most one customer's decisions. */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "csvout.h"
#include "jobs.h"
#include "timeline.h"

enum { TL_STEP, TL_ROW, TL_DONE };

/* A decision waiting for its place; texts are offsets into tl->arena. */
struct tl_pending {
	int64_t id, amount;
	int32_t date;
	int approved;
	uint32_t request, product, reason; /* UINT32_MAX: NULL */
	uint32_t request_len, product_len, reason_len;
};

void timeline_init(struct timeline *tl, struct db *db, sqlite3_stmt *st, struct error *err)
{
	memset(tl, 0, sizeof *tl);
	tl->db = db;
	tl->st = st;
	tl->err = err;
	tl->state = TL_STEP;
}

void timeline_free(struct timeline *tl)
{
	free(tl->heap);
	free(tl->arena);
	free(tl->cust);
	tl->heap = NULL;
	tl->arena = tl->cust = NULL;
}

static int tl_oom(struct timeline *tl)
{
	return error_set(tl->err, EX_SOFTWARE, "out of memory");
}

/* Copy column i's text into the arena: its offset, or UINT32_MAX for NULL
 * (and on failure, with *fail set). */
static uint32_t tl_text(struct timeline *tl, int i, uint32_t *len, int *fail)
{
	*len = 0;
	if (sqlite3_column_type(tl->st, i) == SQLITE_NULL)
		return UINT32_MAX;
	const char *s = (const char *)sqlite3_column_text(tl->st, i);
	size_t n = (size_t)sqlite3_column_bytes(tl->st, i);
	if (s == NULL || n >= UINT32_MAX / 2 || tl->len + n + 1 >= UINT32_MAX) {
		*fail = 1;
		return UINT32_MAX;
	}
	if (tl->len + n + 1 > tl->size) {
		size_t size = tl->size ? tl->size : 4096;
		while (size < tl->len + n + 1)
			size *= 2;
		char *a = realloc(tl->arena, size);
		if (a == NULL) {
			*fail = 1;
			return UINT32_MAX;
		}
		tl->arena = a;
		tl->size = size;
	}
	uint32_t off = (uint32_t)tl->len;
	memcpy(tl->arena + off, s, n);
	tl->arena[off + n] = '\0';
	tl->len += n + 1;
	*len = (uint32_t)n;
	return off;
}

/* The held row's decision, into the heap (the row is the customer's). */
static int tl_push(struct timeline *tl)
{
	sqlite3_stmt *st = tl->st;
	if (tl->n == 0) {
		const void *c = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		if (n + 1 > tl->cust_size) {
			char *p = realloc(tl->cust, n + 1);
			if (p == NULL)
				return tl_oom(tl);
			tl->cust = p;
			tl->cust_size = n + 1;
		}
		if (n > 0)
			memcpy(tl->cust, c, n);
		tl->cust[n] = '\0';
		tl->cust_len = n;
		tl->len = 0;
	}
	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 16;
		struct tl_pending *h = realloc(tl->heap, cap * sizeof *h);
		if (h == NULL)
			return tl_oom(tl);
		tl->heap = h;
		tl->cap = cap;
	}
	struct tl_pending d;
	int fail = 0;
	d.id = sqlite3_column_int64(st, 9);
	d.date = db_col_date(st, 10);
	d.approved = sqlite3_column_int(st, 11);
	d.amount = sqlite3_column_int64(st, 6);
	d.request = tl_text(tl, 4, &d.request_len, &fail);
	d.product = tl_text(tl, 5, &d.product_len, &fail);
	d.reason = d.approved ? UINT32_MAX : tl_text(tl, 12, &d.reason_len, &fail);
	if (d.approved)
		d.reason_len = 0;
	if (fail)
		return tl_oom(tl);
	size_t i = tl->n++;
	while (i > 0 && tl->heap[(i - 1) / 2].id > d.id) {
		tl->heap[i] = tl->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	tl->heap[i] = d;
	return 0;
}

/* The earliest waiting decision, out of the heap into e. */
static void tl_pop(struct timeline *tl, struct timeline_event *e)
{
	struct tl_pending d = tl->heap[0];
	struct tl_pending last = tl->heap[--tl->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= tl->n)
			break;
		if (c + 1 < tl->n && tl->heap[c + 1].id < tl->heap[c].id)
			c++;
		if (tl->heap[c].id >= last.id)
			break;
		tl->heap[i] = tl->heap[c];
		i = c;
	}
	if (tl->n > 0)
		tl->heap[i] = last;
	memset(e, 0, sizeof *e);
	e->customer = tl->cust;
	e->customer_len = tl->cust_len;
	e->id = d.id;
	e->date = d.date;
	e->event = d.approved ? "PAYMENT_APPROVED" : "PAYMENT_DECLINED";
	e->status = d.approved ? "ACTIVE" : "DECLINED";
	e->request_id = d.request == UINT32_MAX ? NULL : tl->arena + d.request;
	e->request_len = d.request_len;
	e->product_id = d.product == UINT32_MAX ? NULL : tl->arena + d.product;
	e->product_len = d.product_len;
	e->has_amount = 1;
	e->amount = d.amount;
	e->detail = d.reason == UINT32_MAX ? NULL : tl->arena + d.reason;
	e->detail_len = d.reason_len;
}

static const char *col_text(sqlite3_stmt *st, int i, size_t *len)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		*len = 0;
		return NULL;
	}
	const char *s = (const char *)sqlite3_column_text(st, i);
	*len = s ? (size_t)sqlite3_column_bytes(st, i) : 0;
	return s;
}

/* The held row into e. */
static void tl_row(struct timeline *tl, struct timeline_event *e)
{
	sqlite3_stmt *st = tl->st;
	size_t n;
	memset(e, 0, sizeof *e);
	e->customer = (const char *)sqlite3_column_blob(st, 0);
	e->customer_len = (size_t)sqlite3_column_bytes(st, 0);
	e->id = sqlite3_column_int64(st, 1);
	e->date = db_col_date(st, 2);
	e->event = col_text(st, 3, &n);
	e->request_id = col_text(st, 4, &e->request_len);
	e->product_id = col_text(st, 5, &e->product_len);
	e->has_amount = sqlite3_column_type(st, 6) != SQLITE_NULL;
	e->amount = sqlite3_column_int64(st, 6);
	e->status = col_text(st, 7, &n);
	e->detail = col_text(st, 8, &e->detail_len);
}

/* Does the held row belong to the customer of the waiting decisions? */
static int tl_same_customer(struct timeline *tl)
{
	size_t n = (size_t)sqlite3_column_bytes(tl->st, 0);
	const void *c = sqlite3_column_blob(tl->st, 0);
	return n == tl->cust_len && (n == 0 || memcmp(c, tl->cust, n) == 0);
}

int timeline_next(struct timeline *tl, struct timeline_event *e)
{
	if (tl->state == TL_STEP) {
		int rc = db_step(tl->db, tl->st, tl->err);
		if (rc < 0)
			return -1;
		tl->state = rc == 1 ? TL_ROW : TL_DONE;
	}
	if (tl->state == TL_DONE) {
		if (tl->n == 0)
			return 0;
		tl_pop(tl, e);
		return 1;
	}
	if (tl->n > 0 &&
	    (!tl_same_customer(tl) || tl->heap[0].id < sqlite3_column_int64(tl->st, 1))) {
		tl_pop(tl, e);
		return 1;
	}
	/* The row now. Its own decision (if made by D) comes later: decided_id
	 * is drawn after the membership's id. */
	if (sqlite3_column_type(tl->st, 9) != SQLITE_NULL && tl_push(tl) < 0)
		return -1;
	tl_row(tl, e);
	tl->state = TL_STEP;
	return 1;
}

static void cell_text(struct csvout *w, const char *s, size_t n)
{
	if (s == NULL)
		csvout_empty(w);
	else
		csvout_textn(w, s, n);
}

void timeline_row(struct csvout *w, const struct timeline_event *e)
{
	csvout_date(w, e->date);
	if (e->event == NULL)
		csvout_empty(w);
	else
		csvout_raw(w, e->event);
	cell_text(w, e->request_id, e->request_len);
	cell_text(w, e->product_id, e->product_len);
	if (e->has_amount)
		csvout_money(w, e->amount);
	else
		csvout_empty(w);
	if (e->status == NULL)
		csvout_empty(w);
	else
		csvout_raw(w, e->status);
	/* detail holds a reason code or a refund amount (SPEC §6): the
	 * purchase a CANCEL_REQUESTED names, kept in the books, is neither. */
	if (e->event != NULL && strcmp(e->event, "CANCEL_REQUESTED") == 0)
		csvout_empty(w);
	else
		cell_text(w, e->detail, e->detail_len);
	csvout_end_row(w);
}

/* --- the events of one day ------------------------------------------------------ */

/* The first row at or after id ?1 of one table, and its date. */
static const char *const day_at_sql[3] = {
	"SELECT id, requested_on FROM memberships WHERE id >= ?1 ORDER BY id LIMIT 1",
	"SELECT id, business_date FROM events WHERE id >= ?1 ORDER BY id LIMIT 1",
	"SELECT decided_id, decided_on FROM memberships WHERE decided_id >= ?1"
	" ORDER BY decided_id LIMIT 1",
};
static const char *const day_max_sql[3] = {
	"SELECT coalesce(max(id), 0) FROM memberships",
	"SELECT coalesce(max(id), 0) FROM events",
	"SELECT coalesce(max(decided_id), 0) FROM memberships WHERE decided_id IS NOT NULL",
};

/* The first id of st's table whose row is dated after day (last + 1 when
 * none is). */
static int first_id_after(struct db *db, sqlite3_stmt *st, int64_t last, int32_t day, int64_t *out,
			  struct error *err)
{
	/* The answer X is in [lo, hi]; last + 1 stands for "none after day". */
	int64_t lo = 1, hi = last + 1;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		db_bind_int(st, 1, mid);
		int rc = db_step(db, st, err);
		if (rc < 0)
			return -1;
		/* m, the first row at or after mid: dated after day (or none)
		 * puts X at or before mid; else X is after m. */
		int after = rc == 0 || db_col_date(st, 1) > day;
		int64_t at = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (after)
			hi = mid;
		else
			lo = at + 1;
	}
	*out = lo;
	return 0;
}

int timeline_day_ids(struct db *db, int32_t day, struct timeline_day *out, struct error *err)
{
	int64_t *lo[3] = {&out->req_lo, &out->ev_lo, &out->dc_lo};
	int64_t *hi[3] = {&out->req_hi, &out->ev_hi, &out->dc_hi};
	for (int t = 0; t < 3; t++) {
		int64_t last = 0, before = 0, after = 0;
		sqlite3_stmt *st = NULL;
		if (db_query_int(db, day_max_sql[t], 0, &last, err) < 0 ||
		    db_prepare(db, day_at_sql[t], &st, err) < 0)
			return -1;
		int rc = first_id_after(db, st, last, day - 1, &before, err);
		if (rc == 0)
			rc = first_id_after(db, st, last, day, &after, err);
		sqlite3_finalize(st);
		if (rc < 0)
			return -1;
		*lo[t] = before;
		*hi[t] = after - 1;
	}
	return 0;
}
