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
	cell_text(w, e->detail, e->detail_len);
	csvout_end_row(w);
}
