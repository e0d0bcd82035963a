/* ingest_rows.c — the rows of one inbox file applied to the books (SPEC
 * §4.3, §4.4): products added, changed or deleted; purchases stored as
 * pending memberships; cancels stored as pending; every other row rejected
 * with its reason, in the books (rejections, and a *_REJECTED event in the
 * customer's timeline) and in the file's rejects file.
 *
 * Promises: everything happens inside the caller's transaction, so a file
 * that fails leaves nothing; a request id is applied once whatever files
 * and reruns bring it again (checked in the same transaction). Ids come
 * from the books (db_next_id), never from a counter that outlives a
 * rolled-back file. Takes only what it needs (struct ingest_rows). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "csvout.h"
#include "fsx.h"
#include "ingest.h"
#include "money.h"
#include "rules.h"

#define INGEST_BATCH_PARAMS 7      /* bound values per row of the batch INSERT */
#define PCACHE_MAX          100000 /* larger catalogs are looked up in the books */

static const char *const stmt_sql[R_NSTMTS] = {
	[R_PRODUCT_GET] = "SELECT name, price, sale_until, max_sales, status FROM products"
			  " WHERE product_id = ?1",
	[R_PRODUCT_ADD] =
		"INSERT INTO products (product_id, name, price, sale_until, max_sales,"
		" status, created_on, updated_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
	[R_PRODUCT_SET] = "UPDATE products SET name = ?2, price = ?3, sale_until = ?4,"
			  " max_sales = ?5, status = ?6, updated_on = ?7 WHERE product_id = ?1",
	[R_VERSION_ADD] = "INSERT INTO product_versions (product_id, business_date, name, price,"
			  " sale_until, max_sales, deleted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[R_MEMB_GET] = "SELECT id, customer_id, product_id, amount, requested_at, status, payment,"
		       " expires_on, EXISTS (SELECT 1 FROM cancels c WHERE c.membership_id = m.id"
		       " AND c.state = 'PENDING') FROM memberships m WHERE request_id = ?1",
	/* Adds nothing when a purchase holds the request id already: the
	 * caller then asks check_seen_request what it was. (VALUES, not a
	 * SELECT with the cancels check folded in: that form costs each row a
	 * statement journal, more than the separate check.) */
	[R_MEMB_ADD] = "INSERT INTO memberships (id, request_id, customer_id, product_id, amount,"
		       " requested_at, requested_on, status, payment)"
		       " VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6, 'PENDING_PAYMENT', 'PENDING')"
		       " ON CONFLICT (request_id) DO NOTHING",
	[R_CANCEL_GET] = "SELECT customer_id, purchase_request_id, requested_at, reason"
			 " FROM cancels WHERE request_id = ?1",
	[R_CANCEL_ADD] = "INSERT INTO cancels (request_id, customer_id, purchase_request_id,"
			 " membership_id, requested_at, reason, requested_on, state)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'PENDING')",
	[R_EVENT_ADD] = "INSERT INTO events (id, business_date, customer_id, event, request_id,"
			" membership_id, product_id, amount, status, detail)"
			" VALUES (?10, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[R_REJECTION_ADD] = "INSERT INTO rejections (business_date, file, line, request_id,"
			    " customer_id, reason, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
};

/* --- the books ----------------------------------------------------------------- */

static int add_event(struct ingest_rows *g, const char *customer, const char *event,
		     const char *request_id, int64_t membership_id, const char *product_id,
		     const int64_t *amount, const char *status, const char *detail)
{
	sqlite3_stmt *st = g->st[R_EVENT_ADD];
	int64_t id = g->event_id;
	g->event_id = 0;
	if (id <= 0 && db_next_id(g->db, &id, g->err) < 0)
		return -1;
	db_bind_int(st, 10, id);
	db_bind_int(st, 1, g->date);
	db_bind_text(st, 2, customer);
	db_bind_text(st, 3, event);
	db_bind_text(st, 4, request_id);
	if (membership_id > 0)
		db_bind_int(st, 5, membership_id);
	db_bind_text(st, 6, product_id);
	if (amount)
		db_bind_int(st, 7, *amount);
	db_bind_text(st, 8, status);
	db_bind_text(st, 9, detail);
	return db_step_done(g->db, st, g->err);
}

struct product {
	int found;
	char name[4 * MAX_NAME_CHARS + 1];
	int64_t price;
	int32_t sale_until;
	int has_max;
	int64_t max_sales;
	int deleted;
};

static int get_product(struct ingest_rows *g, const char *id, struct product *p)
{
	sqlite3_stmt *st = g->st[R_PRODUCT_GET];
	memset(p, 0, sizeof *p);
	db_bind_text(st, 1, id);
	int rc = db_step(g->db, st, g->err);
	if (rc == 1) {
		p->found = 1;
		snprintf(p->name, sizeof p->name, "%s", db_col_text(st, 0));
		p->price = sqlite3_column_int64(st, 1);
		p->sale_until = db_col_date(st, 2);
		p->has_max = sqlite3_column_type(st, 3) != SQLITE_NULL;
		p->max_sales = sqlite3_column_int64(st, 3);
		p->deleted = strcmp(db_col_text(st, 4), "DELETED") == 0;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc < 0 ? -1 : 0;
}

static int pentry_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ingest_pentry *)elem)->id);
}

/* Load the catalog into the cache; a catalog too large to hold stays in
 * the books (valid = -1: look up per row). */
static int pcache_load(struct ingest_rows *g)
{
	struct ingest_pcache *c = &g->products;
	int64_t n = 0;
	c->n = 0;
	if (db_query_int(g->db, "SELECT count(*) FROM products", 0, &n, g->err) < 0)
		return -1;
	if (n > PCACHE_MAX) {
		c->valid = -1;
		return 0;
	}
	free(c->v);
	c->v = calloc((size_t)n + 1, sizeof *c->v);
	if (c->v == NULL)
		return error_set(g->err, EX_SOFTWARE, "out of memory");
	sqlite3_stmt *st = NULL;
	if (db_prepare(g->db,
		       "SELECT product_id, price, sale_until, status = 'DELETED' FROM products"
		       " ORDER BY product_id",
		       &st, g->err) < 0)
		return -1;
	int rc;
	while ((rc = db_step(g->db, st, g->err)) == 1 && c->n < (size_t)n) {
		struct ingest_pentry *e = &c->v[c->n++];
		snprintf(e->id, sizeof e->id, "%s", db_col_text(st, 0));
		e->price = sqlite3_column_int64(st, 1);
		e->sale_until = db_col_date(st, 2);
		e->deleted = sqlite3_column_int(st, 3);
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	c->valid = 1;
	return 0;
}

/* What a purchase needs of a product (found, price, sale_until, deleted). */
static int lookup_product(struct ingest_rows *g, const char *id, struct product *p)
{
	struct ingest_pcache *c = &g->products;
	if (c->valid == 0 && pcache_load(g) < 0)
		return -1;
	if (c->valid < 0)
		return get_product(g, id, p);
	const struct ingest_pentry *e = bsearch(id, c->v, c->n, sizeof *c->v, pentry_cmp);
	memset(p, 0, sizeof *p);
	p->found = e != NULL;
	if (e) {
		p->price = e->price;
		p->sale_until = e->sale_until;
		p->deleted = e->deleted;
	}
	return 0;
}

static int write_product(struct ingest_rows *g, const char *id, const struct product *p, int add)
{
	g->products.valid = 0;
	const char *status = rules_product_status(p->deleted, p->sale_until, g->date);
	sqlite3_stmt *st = g->st[add ? R_PRODUCT_ADD : R_PRODUCT_SET];
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, p->name);
	db_bind_int(st, 3, p->price);
	db_bind_date(st, 4, p->sale_until);
	if (p->has_max)
		db_bind_int(st, 5, p->max_sales);
	db_bind_text(st, 6, status);
	db_bind_int(st, 7, g->date);
	if (db_step_done(g->db, st, g->err) < 0)
		return -1;
	st = g->st[R_VERSION_ADD];
	db_bind_text(st, 1, id);
	db_bind_int(st, 2, g->date);
	db_bind_text(st, 3, p->name);
	db_bind_int(st, 4, p->price);
	db_bind_date(st, 5, p->sale_until);
	if (p->has_max)
		db_bind_int(st, 6, p->max_sales);
	db_bind_int(st, 7, p->deleted);
	return db_step_done(g->db, st, g->err);
}

/* Products: add, update (only the fields given; `none` clears), delete. */
static int apply_product(struct ingest_rows *g, const struct row *r, struct verdict *v)
{
	struct product p;
	const char *id = r->f[C_PRODUCT_ID];
	if (get_product(g, id, &p) < 0)
		return -1;
	if (r->action == 0) {
		if (p.found)
			return validate_fail(v, "PRODUCT_EXISTS", "product %s exists already", id),
			       1;
		memset(&p, 0, sizeof p);
		snprintf(p.name, sizeof p.name, "%s", r->f[C_NAME]);
		p.price = r->price;
		p.sale_until =
			r->sale_until_given && !r->sale_until_none ? r->sale_until : DATE_NONE;
		p.has_max = r->max_sales_given && !r->max_sales_none;
		p.max_sales = r->max_sales;
		return write_product(g, id, &p, 1);
	}
	if (!p.found || p.deleted)
		return validate_fail(v, "UNKNOWN_PRODUCT", "no product %s%s", id,
				     p.deleted ? " (deleted)" : ""),
		       1;
	if (r->action == 2) {
		p.deleted = 1;
		return write_product(g, id, &p, 0);
	}
	if (r->f[C_NAME][0])
		snprintf(p.name, sizeof p.name, "%s", r->f[C_NAME]);
	if (r->f[C_PRICE][0])
		p.price = r->price;
	if (r->sale_until_given)
		p.sale_until = r->sale_until_none ? DATE_NONE : r->sale_until;
	if (r->max_sales_given) {
		p.has_max = !r->max_sales_none;
		p.max_sales = r->max_sales;
	}
	return write_product(g, id, &p, 0);
}

/* The verdict on a request id accepted before: a harmless resend when the
 * request is the same field for field, else an id reused. */
static int seen_verdict(struct verdict *v, int same, const char *request_id)
{
	if (same)
		validate_fail(v, "DUPLICATE_REQUEST", "request %s was accepted before", request_id);
	else
		validate_fail(v, "REQUEST_CONFLICT",
			      "request %s was accepted before with other fields", request_id);
	return 1;
}

/* A request id accepted before, as a purchase or as a cancel: 1 with the
 * verdict, 0 when new, -1 on database errors. A purchase row has no
 * purchase_request_id and a cancel row no product_id, so an id reused
 * across kinds never compares equal. */
static int check_seen_request(struct ingest_rows *g, const struct row *r, struct verdict *v)
{
	const char *id = r->f[C_REQUEST_ID];
	sqlite3_stmt *st = g->st[R_MEMB_GET];
	db_bind_text(st, 1, id);
	int rc = db_step(g->db, st, g->err);
	int seen = 0;
	if (rc == 1)
		seen = seen_verdict(v,
				    strcmp(db_col_text(st, 1), r->f[C_CUSTOMER_ID]) == 0 &&
					    strcmp(db_col_text(st, 2), r->f[C_PRODUCT_ID]) == 0 &&
					    sqlite3_column_int64(st, 3) == r->amount &&
					    sqlite3_column_int64(st, 4) == r->requested_at,
				    id);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != 0)
		return rc < 0 ? -1 : seen;
	if (g->no_cancels && r->f[C_PURCHASE_REQUEST_ID][0] == '\0')
		return 0; /* a purchase, and no cancel was ever accepted */
	st = g->st[R_CANCEL_GET];
	db_bind_text(st, 1, id);
	rc = db_step(g->db, st, g->err);
	if (rc == 1)
		seen = seen_verdict(
			v,
			r->f[C_PURCHASE_REQUEST_ID][0] != '\0' &&
				strcmp(db_col_text(st, 0), r->f[C_CUSTOMER_ID]) == 0 &&
				strcmp(db_col_text(st, 1), r->f[C_PURCHASE_REQUEST_ID]) == 0 &&
				sqlite3_column_int64(st, 2) == r->requested_at &&
				strcmp(db_col_text(st, 3), r->f[C_REASON]) == 0,
			id);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc < 0 ? -1 : seen;
}

/* 1 when a cancel holds request id rid, 0 when none, -1 on errors. */
static int cancel_has(struct ingest_rows *g, const char *rid)
{
	sqlite3_stmt *st = g->st[R_CANCEL_GET];
	db_bind_text(st, 1, rid);
	int rc = db_step(g->db, st, g->err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* The product's verdict on a purchase: 0 it may be bought at this amount,
 * 1 with the verdict, -1 on database errors. */
static int check_product(struct ingest_rows *g, const struct row *r, struct verdict *v)
{
	struct product p;
	const char *pid = r->f[C_PRODUCT_ID];
	if (lookup_product(g, pid, &p) < 0)
		return -1;
	if (!p.found || p.deleted)
		return validate_fail(v, "UNKNOWN_PRODUCT", "no product %s%s on sale", pid,
				     p.deleted ? " (deleted)" : ""),
		       1;
	if (!rules_on_sale(p.sale_until, dates_local_day(r->requested_at))) {
		char d[DATE_TEXT_LEN + 1];
		dates_format(p.sale_until, d);
		return validate_fail(v, "PRODUCT_EXPIRED", "product %s was on sale until %s", pid,
				     d),
		       1;
	}
	if (r->amount != p.price) {
		char a[MONEY_TEXT_MAX], b[MONEY_TEXT_MAX];
		money_format(r->amount, g->minor_digits, a, sizeof a);
		money_format(p.price, g->minor_digits, b, sizeof b);
		return validate_fail(v, "PRICE_MISMATCH", "amount %s differs from the price %s", a,
				     b),
		       1;
	}
	return 0;
}

/* Bind one batched row to the INSERT's parameters from first on. The text
 * is bound in place: the batch holds it until the statement is reset. */
static void batch_bind(struct ingest_rows *g, const struct header *h, sqlite3_stmt *st, int first,
		       size_t i)
{
	const struct ingest_batch *b = &g->batch;
	const size_t *off = &b->off[i * b->nfields];
	sqlite3_bind_text(st, first, b->text + off[h->colidx[C_REQUEST_ID]], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 1, b->text + off[h->colidx[C_CUSTOMER_ID]], -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, first + 2, b->text + off[h->colidx[C_PRODUCT_ID]], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, first + 3, b->amount[i]);
	sqlite3_bind_int64(st, first + 4, b->at[i]);
	sqlite3_bind_int64(st, first + 5, g->date);
	sqlite3_bind_int64(st, first + 6, b->id[i]);
}

static int reject_row(struct ingest_rows *g, struct ingest_file *f, const struct csvin_row *in,
		      const struct row *r, const struct verdict *v);

/* A batched row the insert turned away (its request id was taken, by an
 * earlier row or run): judged as a seen request, rejected in its place. */
static int batch_reject(struct ingest_rows *g, struct ingest_file *f, size_t i)
{
	struct ingest_batch *b = &g->batch;
	struct csvin_row in = {b->nfields, b->fields, b->lens, b->too_long, b->line[i], 0};
	for (size_t k = 0; k < b->nfields; k++) {
		b->fields[k] = b->text + b->off[i * b->nfields + k];
		b->lens[k] = strlen(b->fields[k]);
		b->too_long[k] = 0;
	}
	struct row r;
	struct verdict v = {NULL, ""};
	if (validate_row(&g->vctx, &f->hdr, in.fields, in.too_long, in.nfields, &r, &v) < 0 ||
	    check_seen_request(g, &r, &v) != 1)
		return error_set(g->err, EX_SOFTWARE,
				 "ingest: line %ld was refused by the books but is in none of them",
				 b->line[i]);
	f->accepted--;
	g->event_id = b->id[i];
	int rc = reject_row(g, f, &in, &r, &v);
	g->event_id = 0;
	return rc;
}

/* Insert the batched rows: a full batch in one statement, a short one row
 * by row. Then find any row the insert turned away and reject it. */
static int batch_flush(struct ingest_rows *g, struct ingest_file *f)
{
	struct ingest_batch *b = &g->batch;
	int64_t added = 0;
	if (b->n == 0)
		return 0;
	if (b->n == INGEST_BATCH_ROWS) {
		for (size_t i = 0; i < b->n; i++)
			batch_bind(g, &f->hdr, g->batch_insert, (int)(i * INGEST_BATCH_PARAMS) + 1,
				   i);
		if (db_step_done(g->db, g->batch_insert, g->err) < 0)
			return -1;
		added = sqlite3_changes(g->db->h);
	} else {
		for (size_t i = 0; i < b->n; i++) {
			batch_bind(g, &f->hdr, g->st[R_MEMB_ADD], 1, i);
			if (db_step_done(g->db, g->st[R_MEMB_ADD], g->err) < 0)
				return -1;
			added += sqlite3_changes(g->db->h);
		}
	}
	for (size_t i = 0; added < (int64_t)b->n && i < b->n; i++) {
		sqlite3_bind_int64(g->id_taken, 1, b->id[i]);
		int rc = db_step(g->db, g->id_taken, g->err);
		sqlite3_reset(g->id_taken);
		if (rc < 0 || (rc == 0 && batch_reject(g, f, i) < 0))
			return -1;
	}
	b->n = 0;
	b->len = 0;
	return 0;
}

/* Copy a valid purchase row into the batch, with the id it draws now. */
static int batch_add(struct ingest_rows *g, struct ingest_file *f, const struct csvin_row *in,
		     const struct row *r)
{
	struct ingest_batch *b = &g->batch;
	if (b->off == NULL || b->nfields != in->nfields) {
		if (batch_flush(g, f) < 0)
			return -1;
		size_t nf = in->nfields ? in->nfields : 1;
		free(b->off);
		free(b->fields);
		free(b->lens);
		free(b->too_long);
		b->off = malloc(INGEST_BATCH_ROWS * nf * sizeof *b->off);
		b->fields = malloc(nf * sizeof *b->fields);
		b->lens = malloc(nf * sizeof *b->lens);
		b->too_long = malloc(nf);
		b->nfields = in->nfields;
		if (!b->off || !b->fields || !b->lens || !b->too_long)
			return error_set(g->err, EX_SOFTWARE, "out of memory");
	}
	size_t need = b->len;
	for (size_t k = 0; k < in->nfields; k++)
		need += in->lens[k] + 1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		while (cap < need)
			cap *= 2;
		char *t = realloc(b->text, cap);
		if (t == NULL)
			return error_set(g->err, EX_SOFTWARE, "out of memory");
		b->text = t;
		b->cap = cap;
	}
	for (size_t k = 0; k < in->nfields; k++) {
		b->off[b->n * b->nfields + k] = b->len;
		memcpy(b->text + b->len, in->fields[k], in->lens[k] + 1);
		b->len += in->lens[k] + 1;
	}
	if (db_next_id(g->db, &b->id[b->n], g->err) < 0)
		return -1;
	b->amount[b->n] = r->amount;
	b->at[b->n] = r->requested_at;
	b->line[b->n] = in->line;
	if (++b->n == INGEST_BATCH_ROWS)
		return batch_flush(g, f);
	return 0;
}

/* A purchase becomes a membership row; its PURCHASE_REQUESTED event is that
 * row (schema_2.sql). A request id seen before is judged first, as a
 * resend or a conflict, whatever the product says: that verdict is looked
 * up only when the product refuses the row or the id is taken (by a cancel,
 * or by a purchase, which the batch insert finds), so a new purchase costs
 * a share of one statement, and a cancels lookup once the books hold any. */
static int apply_purchase(struct ingest_rows *g, struct ingest_file *f, const struct csvin_row *in,
			  const struct row *r, struct verdict *v)
{
	int verdict = check_product(g, r, v);
	if (verdict != 0) {
		if (verdict < 0 || batch_flush(g, f) < 0)
			return -1;
		struct verdict seen_v = {0};
		int seen = check_seen_request(g, r, &seen_v);
		if (seen != 0 && seen_v.reason != NULL)
			*v = seen_v;
		return seen < 0 ? -1 : 1;
	}
	if (!g->no_cancels) {
		int taken = cancel_has(g, r->f[C_REQUEST_ID]);
		if (taken != 0)
			return taken < 0 ? -1 : check_seen_request(g, r, v);
	}
	return batch_add(g, f, in, r) < 0 ? -1 : 0;
}

static int apply_cancel(struct ingest_rows *g, const struct row *r, struct verdict *v)
{
	int seen = check_seen_request(g, r, v);
	if (seen != 0)
		return seen;
	sqlite3_stmt *st = g->st[R_MEMB_GET];
	db_bind_text(st, 1, r->f[C_PURCHASE_REQUEST_ID]);
	int rc = db_step(g->db, st, g->err);
	if (rc < 0)
		return -1;
	int ret = 1;
	if (rc == 0) {
		validate_fail(v, "UNKNOWN_PURCHASE", "no purchase %s", r->f[C_PURCHASE_REQUEST_ID]);
		goto out;
	}
	int64_t mid = sqlite3_column_int64(st, 0);
	char product[MAX_ID_LEN + 1], status[32];
	snprintf(product, sizeof product, "%s", db_col_text(st, 2));
	int64_t amount = sqlite3_column_int64(st, 3);
	snprintf(status, sizeof status, "%s", db_col_text(st, 5));
	const char *payment = db_col_text(st, 6);
	int32_t expires_on = db_col_date(st, 7);
	int pending_cancel = sqlite3_column_int(st, 8);
	if (strcmp(db_col_text(st, 1), r->f[C_CUSTOMER_ID]) != 0) {
		validate_fail(v, "NOT_OWNER", "purchase %s belongs to another customer",
			      r->f[C_PURCHASE_REQUEST_ID]);
		goto out;
	}
	if (strcmp(status, "CANCELLED") == 0 || pending_cancel) {
		validate_fail(v, "ALREADY_CANCELLED",
			      "purchase %s is cancelled or has a cancel pending",
			      r->f[C_PURCHASE_REQUEST_ID]);
		goto out;
	}
	if (strcmp(payment, "DECLINED") == 0) {
		validate_fail(v, "NOT_CANCELLABLE", "purchase %s was declined",
			      r->f[C_PURCHASE_REQUEST_ID]);
		goto out;
	}
	/* Judged by C, the date of the cancel's requested_at, never by the
	 * status: whether expire has run yet changes nothing (SPEC §5). A
	 * purchase still pending has no expiry yet: its cancel voids it. */
	if (expires_on != DATE_NONE &&
	    !rules_cancellable(expires_on, dates_local_day(r->requested_at))) {
		validate_fail(v, "NOT_CANCELLABLE",
			      "membership %s had expired by the cancel's time",
			      r->f[C_PURCHASE_REQUEST_ID]);
		goto out;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	st = g->st[R_CANCEL_ADD];
	db_bind_text(st, 1, r->f[C_REQUEST_ID]);
	db_bind_text(st, 2, r->f[C_CUSTOMER_ID]);
	db_bind_text(st, 3, r->f[C_PURCHASE_REQUEST_ID]);
	db_bind_int(st, 4, mid);
	db_bind_int(st, 5, r->requested_at);
	db_bind_text(st, 6, r->f[C_REASON]);
	db_bind_int(st, 7, g->date);
	if (db_step_done(g->db, st, g->err) < 0)
		return -1;
	return add_event(g, r->f[C_CUSTOMER_ID], "CANCEL_REQUESTED", r->f[C_REQUEST_ID], mid,
			 product, &amount, status, r->f[C_PURCHASE_REQUEST_ID]);
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

/* --- rejected rows ---------------------------------------------------------------- */

/* What ends a field cut at max_field_bytes in a rejects file: it says the
 * value was longer, and keeps it too long (the cut ends at most 3 bytes
 * short of the limit, on a character boundary; this adds 5), so that the
 * file dropped back uncorrected is refused FIELD_TOO_LONG again rather than
 * applying the first bytes as if they were the value sent. */
#define CUT_MARK "[\xe2\x80\xa6]"

/* Write field i of a rejected row as read, or, cut, with CUT_MARK. */
static int write_reject_field(struct ingest_rows *g, struct csvout *w, const struct csvin_row *in,
			      size_t i)
{
	if (i >= in->nfields) {
		csvout_raw(w, "");
		return 0;
	}
	if (!in->too_long[i]) {
		csvout_rawn(w, in->fields[i], in->lens[i]);
		return 0;
	}
	size_t n = in->lens[i], m = sizeof CUT_MARK - 1;
	char *s = malloc(n + m);
	if (s == NULL)
		return error_set(g->err, EX_OSERR, "out of memory");
	memcpy(s, in->fields[i], n);
	memcpy(s + n, CUT_MARK, m);
	csvout_rawn(w, s, n + m);
	free(s);
	return 0;
}

/* Append a rejected row to the file's temporary rejects file: the file's own
 * columns (its `_` columns left out, so a corrected file can come back as
 * is), then _line, _reason, _message. */
static int write_reject_row(struct ingest_rows *g, struct ingest_file *f,
			    const struct csvin_row *in, const struct verdict *v)
{
	if (g->rejected_fd < 0) {
		if (g->open_rejected == NULL)
			return 0;
		g->rejected_fd = g->open_rejected(g->open_rejected_arg);
		if (g->rejected_fd < 0)
			return -1;
	}
	struct csvout w;
	if (f->rejects == NULL) {
		char tmpname[64];
		snprintf(tmpname, sizeof tmpname, ".ingest-%ld.rejects.tmp", (long)getpid());
		free(f->rejects_tmp);
		f->rejects_tmp = strdup(tmpname);
		if (f->rejects_tmp == NULL)
			return error_set(g->err, EX_SOFTWARE, "out of memory");
		f->rejects_dir = g->rejected_fd;
		unlinkat(g->rejected_fd, tmpname, 0); /* a dead run's, same pid */
		int fd = fsx_create_at(g->rejected_fd, g->rejected_path, tmpname, g->err);
		if (fd < 0)
			return -1;
		f->rejects = fdopen(fd, "w");
		if (f->rejects == NULL) {
			close(fd);
			return error_set(g->err, EX_IOERR, "%s/%s: %s", g->rejected_path,
					 f->rejects_tmp, strerror(errno));
		}
		csvout_init(&w, f->rejects, g->minor_digits);
		for (size_t i = 0; i < f->hdr.ncols; i++)
			if (f->header[i][0] != '_')
				csvout_raw(&w, f->header[i]);
		csvout_raw(&w, "_line");
		csvout_raw(&w, "_reason");
		csvout_raw(&w, "_message");
		csvout_end_row(&w);
	}
	csvout_init(&w, f->rejects, g->minor_digits);
	for (size_t i = 0; i < f->hdr.ncols; i++)
		if (f->header[i][0] != '_' && write_reject_field(g, &w, in, i) < 0)
			return -1;
	csvout_int(&w, in->line);
	csvout_raw(&w, v->reason);
	csvout_raw(&w, v->message);
	csvout_end_row(&w);
	if (ferror(f->rejects))
		return error_set(g->err, EX_IOERR, "%s/%s: write failed", g->rejected_path,
				 f->rejects_tmp);
	return 0;
}

int ingest_rows_record_rejection(struct ingest_rows *g, const char *file, long line,
				 const char *request_id, const char *customer_id,
				 const char *reason, const char *message)
{
	sqlite3_stmt *st = g->st[R_REJECTION_ADD];
	db_bind_int(st, 1, g->date);
	db_bind_text(st, 2, file);
	if (line > 0)
		db_bind_int(st, 3, line);
	db_bind_text(st, 4, request_id);
	db_bind_text(st, 5, customer_id);
	db_bind_text(st, 6, reason);
	db_bind_text(st, 7, message);
	return db_step_done(g->db, st, g->err);
}

static int reject_row(struct ingest_rows *g, struct ingest_file *f, const struct csvin_row *in,
		      const struct row *r, const struct verdict *v)
{
	const char *request_id = r->request_id_ok ? r->f[C_REQUEST_ID] : NULL;
	const char *customer_id = r->customer_id_ok ? r->f[C_CUSTOMER_ID] : NULL;
	if (f->rejected++ == 0) {
		f->first_rej_line = in->line;
		snprintf(f->first_rej, sizeof f->first_rej, "%s%s%s%s",
			 request_id ? "request " : "", request_id ? request_id : "",
			 request_id ? ", " : "", v->reason);
	}
	if (ingest_rows_record_rejection(g, f->name, in->line, request_id, customer_id, v->reason,
					 v->message) < 0)
		return -1;
	if (customer_id && f->hdr.kind != KIND_PRODUCTS) {
		const char *event =
			f->hdr.kind == KIND_PURCHASES ? "PURCHASE_REJECTED" : "CANCEL_REJECTED";
		const char *product = f->hdr.kind == KIND_PURCHASES && r->product_id_ok
					      ? r->f[C_PRODUCT_ID]
					      : NULL;
		const int64_t *amount =
			f->hdr.kind == KIND_PURCHASES && r->amount_ok ? &r->amount : NULL;
		if (add_event(g, customer_id, event, request_id, 0, product, amount, NULL,
			      v->reason) < 0)
			return -1;
	}
	return write_reject_row(g, f, in, v);
}

/* --- one file: its rows in order
 * ------------------------------------------------------------------- */

void ingest_file_fail(struct ingest_file *f, const char *reason, long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
	snprintf(f->reason, sizeof f->reason, "%s", reason);
	f->fail_line = line;
}

void ingest_file_clear(struct ingest_file *f)
{
	if (f->rejects)
		fclose(f->rejects);
	f->rejects = NULL;
	if (f->rejects_tmp)
		unlinkat(f->rejects_dir, f->rejects_tmp, 0);
	free(f->rejects_tmp);
	f->rejects_tmp = NULL;
	for (size_t i = 0; f->header && i < f->hdr.ncols; i++)
		free(f->header[i]);
	free(f->header);
	f->header = NULL;
}

/* A failure of the reader: the file's fault (a whole-file rejection, 0) or
 * the machine's (read error, no memory: the run fails, -1). */
static int csv_failure(struct ingest_rows *g, struct ingest_file *f, struct csvin *in,
		       const struct error *cerr, long line)
{
	if (cerr->code != EX_DATAERR)
		return error_set(g->err, cerr->code ? cerr->code : EX_IOERR, "%s", cerr->msg);
	ingest_file_fail(f, csvin_failure(in), line, "%s", cerr->msg);
	return 0;
}

/* Parse and apply every row inside the open transaction. 0 done (the file
 * may carry a whole-file reason), -1 failure of the run (err set). */
int ingest_rows_read(struct ingest_rows *g, struct ingest_file *f, struct csvin *in, uint64_t size)
{
	struct csvin_row row;
	struct error cerr;
	error_clear(&cerr);
	g->batch.n = 0; /* what a failed file left is rolled back with it */
	g->batch.len = 0;
	int64_t any_cancel = 0;
	if (db_query_int(g->db, "SELECT EXISTS (SELECT 1 FROM cancels)", 1, &any_cancel, g->err) <
	    0)
		return -1;
	g->no_cancels = any_cancel == 0;
	int rc = csvin_next(in, &row, &cerr);
	if (rc == 0) {
		ingest_file_fail(f, "BAD_HEADER", 1, "the file is empty: no header");
		return 0;
	}
	if (rc < 0)
		return csv_failure(g, f, in, &cerr, 1);
	f->header = calloc(row.nfields ? row.nfields : 1, sizeof *f->header);
	if (f->header == NULL)
		return error_set(g->err, EX_SOFTWARE, "out of memory");
	f->hdr.ncols = row.nfields;
	for (size_t i = 0; i < row.nfields; i++)
		if ((f->header[i] = strdup(row.fields[i])) == NULL)
			return error_set(g->err, EX_SOFTWARE, "out of memory");
	struct verdict hv = {NULL, ""};
	if (row.more_fields) {
		ingest_file_fail(f, "BAD_HEADER", 1, "the header has more than %zu columns",
				 row.nfields);
		return 0;
	}
	if (validate_header(row.fields, row.too_long, row.nfields, &f->hdr, &hv) < 0) {
		ingest_file_fail(f, hv.reason, 1, "%s", hv.message);
		return 0;
	}
	for (;;) {
		rc = csvin_next(in, &row, &cerr);
		if (rc == 0)
			break;
		if (rc < 0)
			return csv_failure(g, f, in, &cerr, 0);
		f->rows++;
		if (g->between_rows &&
		    g->between_rows(g->between_arg, f->rows, csvin_bytes(in), size) < 0)
			return -1;
		struct row r;
		struct verdict v = {NULL, ""};
		int res;
		int bad = validate_row(&g->vctx, &f->hdr, row.fields, row.too_long, row.nfields, &r,
				       &v) < 0;
		if (row.more_fields) /* its readable ids are kept from validate_row */
			bad = validate_fail(&v, "MALFORMED_ROW",
					    "row has more than %zu fields, the header has %zu",
					    row.nfields, f->hdr.ncols);
		if (bad)
			res = 1;
		else if (f->hdr.kind == KIND_PRODUCTS)
			res = apply_product(g, &r, &v);
		else if (f->hdr.kind == KIND_PURCHASES)
			res = apply_purchase(g, f, &row, &r, &v);
		else
			res = apply_cancel(g, &r, &v);
		if (res < 0)
			return -1;
		if (res > 0 && v.reason) {
			if (batch_flush(g, f) < 0 || reject_row(g, f, &row, &r, &v) < 0)
				return -1;
		} else {
			f->accepted++;
		}
	}
	return batch_flush(g, f);
}

/* The batch INSERT: R_MEMB_ADD with INGEST_BATCH_ROWS rows of values. OR
 * FAIL, with the product reference checked at COMMIT (schema_5.sql), means
 * no constraint can make SQLite undo half the statement, so it keeps no
 * undo journal of the pages the statement changes (with ABORT, every 64
 * rows copied about 70 pages there). A row that fails a constraint is a bug
 * either way: the error rolls the whole file back. */
int ingest_rows_open(struct ingest_rows *g)
{
	for (int i = 0; i < R_NSTMTS; i++)
		if (db_prepare(g->db, stmt_sql[i], &g->st[i], g->err) < 0)
			return -1;
	if (db_prepare_rows(g->db,
			    "INSERT OR FAIL INTO memberships (request_id, customer_id, product_id,"
			    " amount, requested_at, requested_on, id, status, payment) VALUES",
			    " (?, ?, ?, ?, ?, ?, ?, 'PENDING_PAYMENT', 'PENDING')",
			    INGEST_BATCH_ROWS, " ON CONFLICT (request_id) DO NOTHING",
			    &g->batch_insert, g->err) < 0)
		return -1;
	return db_prepare(g->db, "SELECT 1 FROM memberships WHERE id = ?1", &g->id_taken, g->err);
}

void ingest_rows_close(struct ingest_rows *g)
{
	for (int i = 0; i < R_NSTMTS; i++)
		sqlite3_finalize(g->st[i]);
	sqlite3_finalize(g->batch_insert);
	sqlite3_finalize(g->id_taken);
	free(g->batch.off);
	free(g->batch.fields);
	free(g->batch.lens);
	free(g->batch.too_long);
	free(g->batch.text);
	free(g->products.v);
	memset(g->st, 0, sizeof g->st);
	g->batch_insert = g->id_taken = NULL;
	memset(&g->batch, 0, sizeof g->batch);
	memset(&g->products, 0, sizeof g->products);
}
