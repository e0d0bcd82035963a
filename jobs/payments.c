/* payments.c — `membership payments`: decide what is pending, for business
 * date D, in the order of SPEC §5:
 *   1. void the pending cancels of purchases whose payment is still pending
 *      (no charge, no sale);
 *   2. approve or decline the pending purchases, by (requested_at,
 *      request_id), with rules_decide_purchase; an approval raises the
 *      product's sold_count;
 *   3. refund (or reject as NOT_CANCELLABLE) the remaining pending cancels,
 *      by (requested_at, request_id); a refund lowers sold_count.
 * Every decision writes its event (conventions in lib/schema.sql); a
 * payment decision's is its membership row (schema_4.sql).
 * Step 2's decisions are made one by one, in order, but written at the end
 * of each chunk sorted by customer (see struct stage): the customer-keyed
 * indexes are then written in one sweep instead of one random page each.
 * Idempotent: each step picks only rows still pending, and deciding a row
 * takes it out of pending, so a rerun decides nothing. Crash-safe: the
 * decisions are committed in chunks of PAY_CHUNK, each whole or not at all;
 * a rerun after a kill goes on in the same order from the last commit, so it
 * ends with the books an uninterrupted run would have made.
 * Not for: the rules themselves (rules.c) or reading the inbox (ingest.c). */
#define _GNU_SOURCE /* qsort_r */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dates.h"
#include "fault.h"
#include "ids.h"
#include "jobs.h"
#include "log.h"
#include "money.h"
#include "rules.h"

/* Decisions per transaction: fewer, larger commits write each hot page to
 * the WAL once per chunk instead of many times (200k decisions: 3.7 s at
 * 10 000, 3.1 s at 50 000). Crash-test builds use small chunks so a fault
 * sweep has many commits to die at (MEMBERSHIP_FAULT_CHUNKS=production: not). */
#define PAY_CHUNK fault_chunk(1000, 50000)
/* A chunk also ends when its staged customer ids fill this many bytes, so
 * long ids cannot make the stage outgrow its share of memory (crash-test
 * builds: 16 KiB, so that 64-byte ids end a chunk by this bound). */
#define PAY_STAGE_TEXT     ((size_t)fault_chunk(16 << 10, 4 << 20))
#define PAY_WORD_MAX       32  /* payment and status words */
#define PAY_PROGRESS_EVERY 256 /* decisions between progress updates */
#define PAY_FETCH          64  /* pending purchases read per query */
#define PAY_STR_(x)        #x
#define PAY_STR(x)         PAY_STR_(x) /* a number macro as SQL text */
#define PAY_EVENTS         64          /* events written per INSERT */
#define PAY_EVENT_PARAMS   10          /* bound values per event row */
#define PAY_DECIDE         64          /* staged decisions written per UPDATE */
#define PAY_DECIDE_PARAMS  5           /* bound values per decision */

enum {
	S_VOIDABLE,       /* next pending cancel of a pending purchase (step 1) */
	S_PENDING,        /* next pending purchase (step 2) */
	S_CANCELS,        /* next pending cancel (step 3) */
	S_COUNT_PENDING,  /* work to do, for the progress line */
	S_CUSTOMER_FACTS, /* a customer's approvals today and latest expiry held */
	S_PRODUCT,
	S_VOID,
	S_REFUND,
	S_SOLD,
	S_CANCEL_STATE,
	S_EVENT,
	NSTMT
};

/* The cancel queries walk cancels_pending from a key (requested_at,
 * request_id) onwards, PAY_FETCH at a time, so a row step 1 leaves pending
 * is not read again. */
#define CANCEL_NEXT                                                                                \
	"SELECT c.id, c.request_id, c.customer_id, c.requested_at, m.id, m.request_id,"            \
	" m.customer_id, m.product_id, m.amount, m.payment, m.status, m.valid_from,"               \
	" m.expires_on"                                                                            \
	" FROM cancels c JOIN memberships m ON m.id = c.membership_id"                             \
	" WHERE c.state = 'PENDING' AND (c.requested_at, c.request_id) > (?1, ?2)"

static const char *const pay_sql[NSTMT] = {
	[S_VOIDABLE] =
		CANCEL_NEXT " AND m.payment = 'PENDING'"
			    " ORDER BY c.requested_at, c.request_id LIMIT " PAY_STR(PAY_FETCH),
	/* From a key on: the decisions of the open chunk are not written yet,
	 * so their rows are still pending. */
	[S_PENDING] = "SELECT id, request_id, customer_id, product_id, amount, requested_at"
		      " FROM memberships WHERE payment = 'PENDING'"
		      " AND (requested_at, request_id) > (?1, ?2)"
		      " ORDER BY requested_at, request_id LIMIT " PAY_STR(PAY_FETCH),
	[S_CANCELS] =
		CANCEL_NEXT " ORDER BY c.requested_at, c.request_id LIMIT " PAY_STR(PAY_FETCH),
	/* A void decides a purchase and its cancel in one. */
	[S_COUNT_PENDING] = "SELECT (SELECT count(*) FROM memberships WHERE payment = 'PENDING')"
			    " + (SELECT count(*) FROM cancels c JOIN memberships m"
			    " ON m.id = c.membership_id"
			    " WHERE c.state = 'PENDING' AND m.payment != 'PENDING')",
	/* One covering index walk over the customer's decided memberships
	 * gives both the day's approvals (velocity) and the latest expiry held of
	 * this product (renewal, ALREADY_ACTIVE). */
	[S_CUSTOMER_FACTS] =
		"SELECT count(*) FILTER (WHERE approved_on = ?3),"
		" max(expires_on) FILTER (WHERE product_id = ?2 AND payment = 'APPROVED'"
		" AND NOT rules_term_over(expires_on, ?3))"
		" FROM memberships INDEXED BY memberships_customer"
		" WHERE customer_id = ?1 AND payment != 'PENDING'",
	[S_PRODUCT] = "SELECT max_sales, sold_count FROM products WHERE product_id = ?1",
	[S_VOID] = "UPDATE memberships SET payment = 'VOIDED', status = 'CANCELLED',"
		   " cancelled_on = ?2 WHERE id = ?1 AND payment = 'PENDING'",
	[S_REFUND] = "UPDATE memberships SET payment = 'REFUNDED', status = 'CANCELLED',"
		     " cancelled_on = ?2, refund_amount = ?3"
		     " WHERE id = ?1 AND payment = 'APPROVED'",
	[S_SOLD] = "UPDATE products SET sold_count = sold_count + ?2 WHERE product_id = ?1",
	[S_CANCEL_STATE] = "UPDATE cancels SET state = ?2, decided_on = ?3"
			   " WHERE id = ?1 AND state = 'PENDING'",
	[S_EVENT] = "INSERT INTO events (id, business_date, customer_id, event, request_id,"
		    " membership_id, product_id, amount, status, detail)"
		    " VALUES (?10, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
};

struct tally {
	int64_t approved, declined, voided, refunded, rejected;
};

/* A product as the decisions see it: its limit, its sales count including
 * the open chunk's changes, and those changes (written to products at the
 * chunk's commit, in the same transaction). Reading and writing the
 * products row for every decision cost a tenth of the job. */
struct product_entry {
	char id[MAX_ID_LEN + 1]; /* "" = free slot */
	uint32_t num;            /* the order it was met in: kept when the table grows */
	int has_max;
	int64_t max_sales, sold, delta;
};

/* An event waiting for its INSERT, with the id it drew when it happened
 * (so timelines keep the order of the decisions). Events are written
 * PAY_EVENTS to a statement, and always before the chunk commits; no
 * decision reads them. */
struct pending_event {
	int64_t id, membership_id, amount;
	char customer_id[MAX_ID_LEN + 1], request_id[MAX_ID_LEN + 1], product_id[MAX_ID_LEN + 1];
	char event[PAY_WORD_MAX], status[PAY_WORD_MAX], detail[MONEY_TEXT_MAX];
	int has_detail;
};

/* The products met so far, by id: open addressing, at most half full. */
struct catalog {
	struct product_entry *v;
	size_t cap, n;
};

/* A decision of step 2, made but not yet written. Its decided_id is not
 * kept: step 2 draws ids for its decisions alone, so a chunk's are
 * consecutive, stage.first_id on (stage_add checks it). */
struct staged {
	int64_t mid;
	const char *reason;             /* decline code (static), NULL when approved */
	uint32_t customer;              /* offset into stage.text */
	uint32_t product;               /* product_entry.num */
	int32_t valid_from, expires_on; /* approved */
	int32_t prev;                   /* the customer's previous staged approval, or -1 */
};

/* The open chunk's step-2 decisions. Written one by one, each approval
 * would cost a random page in memberships_customer — past the page cache
 * on a big day, a page read and a page spilled to the WAL per decision. So
 * they wait here and are written at the chunk's end (stage_apply) sorted by
 * customer, every index page met once per chunk. Until then the decisions
 * read their customer's approvals in the chunk from here (stage_facts): the
 * books plus the stage are exactly what a row-by-row writer would have
 * seen. */
struct stage {
	struct staged *v;
	size_t n, cap;
	char *text; /* the customer ids, each NUL-terminated */
	size_t len, size;
	int32_t *slots;   /* open addressing by customer: its latest staged
			     approval, or -1 */
	size_t nslots;    /* a power of two, at least twice PAY_CHUNK */
	int64_t first_id; /* the decided_id of v[0] */
	uint32_t *order;  /* stage_apply's writing order: indexes into v */
};

struct pay {
	struct run *run;
	struct db *db;
	sqlite3_stmt *st[NSTMT];
	int in_tx;          /* a chunk's transaction is open */
	int64_t in_chunk;   /* decisions in the open chunk */
	struct tally done;  /* committed */
	struct tally chunk; /* in the open chunk */
	struct catalog products;
	sqlite3_stmt *events_insert; /* PAY_EVENTS rows of S_EVENT */
	sqlite3_stmt *decide;        /* PAY_DECIDE staged decisions */
	struct pending_event events[PAY_EVENTS];
	int nevents;
	struct stage stage;
	uint64_t decided, total;
};

/* A pending cancel and the membership it names. */
struct cancel_row {
	int64_t id;
	char request_id[MAX_ID_LEN + 1];
	char customer_id[MAX_ID_LEN + 1];
	int64_t requested_at;
	int64_t mid;
	char purchase_id[MAX_ID_LEN + 1];
	char m_customer_id[MAX_ID_LEN + 1];
	char product_id[MAX_ID_LEN + 1];
	int64_t amount;
	char payment[PAY_WORD_MAX];
	char status[PAY_WORD_MAX];
	int32_t valid_from, expires_on;
};

/* A pending purchase. */
struct purchase_row {
	int64_t mid, requested_at;
	char request_id[MAX_ID_LEN + 1];
	char customer_id[MAX_ID_LEN + 1];
	char product_id[MAX_ID_LEN + 1];
	int64_t amount;
};

struct event {
	const char *event, *customer_id, *request_id;
	int64_t membership_id;
	const char *product_id;
	int64_t amount;
	const char *status, *detail;
};

/* Copy src into dst of n bytes. Ingest stores ids of at most MAX_ID_LEN
 * bytes and the words are ours: a longer value is a broken invariant. */
static int text_copy(struct pay *p, char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);
	if (len >= n)
		return error_set(&p->run->err, EX_SOFTWARE,
				 "payments: a value of %zu bytes where at most %zu fit", len,
				 n - 1);
	memcpy(dst, src, len + 1);
	return 0;
}

/* Copy a text column: the row's statement is reset before the row is
 * decided, so its values must outlive it. */
static int col_copy(struct pay *p, int s, int i, char *dst, size_t n)
{
	return text_copy(p, dst, n, db_col_text(p->st[s], i));
}

/* Step an UPDATE that must change exactly one row. */
static int exec_one(struct pay *p, int s, const char *what)
{
	if (db_step_done(p->db, p->st[s], &p->run->err) < 0)
		return -1;
	int n = sqlite3_changes(p->db->h);
	if (n != 1)
		return error_set(
			&p->run->err, EX_SOFTWARE,
			"payments: %s changed %d rows, not 1 (the books broke an invariant)", what,
			n);
	return 0;
}

/* One int64 from a single-row query; def for no row or NULL. */
static int query_int(struct pay *p, int s, int64_t def, int64_t *out)
{
	sqlite3_stmt *st = p->st[s];
	int rc = db_step(p->db, st, &p->run->err);
	if (rc < 0)
		return -1;
	*out = rc == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_int64(st, 0)
								    : def;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

/* Bind a waiting event to S_EVENT's parameters, from first on. */
static void event_bind(struct pay *p, sqlite3_stmt *st, int first, const struct pending_event *e)
{
	sqlite3_bind_int64(st, first + 9, e->id);
	sqlite3_bind_int64(st, first, p->run->date);
	sqlite3_bind_text(st, first + 1, e->customer_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 2, e->event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 3, e->request_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, first + 4, e->membership_id);
	sqlite3_bind_text(st, first + 5, e->product_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, first + 6, e->amount);
	sqlite3_bind_text(st, first + 7, e->status, -1, SQLITE_STATIC);
	if (e->has_detail)
		sqlite3_bind_text(st, first + 8, e->detail, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, first + 8);
}

/* Write the waiting events: a full set in one statement, else one by one. */
static int events_flush(struct pay *p)
{
	if (p->nevents == PAY_EVENTS) {
		for (int i = 0; i < p->nevents; i++)
			event_bind(p, p->events_insert, i * PAY_EVENT_PARAMS + 1, &p->events[i]);
		if (db_step_done(p->db, p->events_insert, &p->run->err) < 0)
			return -1;
	} else {
		for (int i = 0; i < p->nevents; i++) {
			event_bind(p, p->st[S_EVENT], 1, &p->events[i]);
			if (db_step_done(p->db, p->st[S_EVENT], &p->run->err) < 0)
				return -1;
		}
	}
	p->nevents = 0;
	return 0;
}

/* Queue an event with its id (drawn when it happened). */
static int event_put(struct pay *p, const struct event *e, int64_t id)
{
	struct pending_event *q = &p->events[p->nevents];
	q->id = id;
	q->membership_id = e->membership_id;
	q->amount = e->amount;
	q->has_detail = e->detail != NULL;
	if (text_copy(p, q->customer_id, sizeof q->customer_id, e->customer_id) < 0 ||
	    text_copy(p, q->request_id, sizeof q->request_id, e->request_id) < 0 ||
	    text_copy(p, q->product_id, sizeof q->product_id, e->product_id) < 0 ||
	    text_copy(p, q->event, sizeof q->event, e->event) < 0 ||
	    text_copy(p, q->status, sizeof q->status, e->status) < 0 ||
	    text_copy(p, q->detail, sizeof q->detail, e->detail ? e->detail : "") < 0)
		return -1;
	if (++p->nevents == PAY_EVENTS)
		return events_flush(p);
	return 0;
}

/* Queue an event, drawing its id now. */
static int event_add(struct pay *p, const struct event *e)
{
	int64_t id;
	if (db_next_id(p->db, &id, &p->run->err) < 0)
		return -1;
	return event_put(p, e, id);
}

/* The INSERT of PAY_EVENTS events (S_EVENT's columns, repeated). OR FAIL:
 * no constraint can make SQLite undo half of it, so it keeps no statement
 * journal (a failure is a bug, and rolls the chunk back). */
static int prepare_events_insert(struct pay *p)
{
	return db_prepare_rows(p->db,
			       "INSERT OR FAIL INTO events (business_date, customer_id, event,"
			       " request_id, membership_id, product_id, amount, status, detail, id)"
			       " VALUES",
			       " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", PAY_EVENTS, "", &p->events_insert,
			       &p->run->err);
}

/* The UPDATE of up to PAY_DECIDE staged decisions (?1 the date; then per
 * decision: membership, decided_id, valid_from, expires_on, decline reason
 * — NULL when approved). Unused rows are bound NULL and match nothing. One
 * statement for 64 rows instead of one each: a single-row UPDATE of
 * memberships spent about as much setting itself up (cursors on the table
 * and five indexes, opened and closed) as changing the row. A decision's
 * event is read from its row (schema_4.sql): decided_id is its place in
 * the id sequence. OR FAIL, like the event INSERT: no statement journal. */
static int prepare_decide(struct pay *p)
{
	return db_prepare_rows(
		p->db,
		"UPDATE OR FAIL memberships SET"
		" payment = iif(v.column5 IS NULL, 'APPROVED', 'DECLINED'),"
		" status = iif(v.column5 IS NULL, 'ACTIVE', 'DECLINED'), decided_on = ?1,"
		" approved_on = iif(v.column5 IS NULL, ?1, approved_on),"
		" valid_from = iif(v.column5 IS NULL, v.column3, valid_from),"
		" expires_on = iif(v.column5 IS NULL, v.column4, expires_on),"
		" decline_reason = v.column5, decided_id = v.column2"
		" FROM (VALUES",
		" (?, ?, ?, ?, ?)", PAY_DECIDE,
		") AS v WHERE memberships.id = v.column1 AND memberships.payment = 'PENDING'",
		&p->decide, &p->run->err);
}

static uint64_t str_hash(const char *id)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (const unsigned char *s = (const unsigned char *)id; *s; s++)
		h = (h ^ *s) * 1099511628211u;
	return h;
}

static size_t catalog_slot(const struct catalog *c, const char *id)
{
	size_t i = (size_t)str_hash(id) & (c->cap - 1);
	while (c->v[i].id[0] != '\0' && strcmp(c->v[i].id, id) != 0)
		i = (i + 1) & (c->cap - 1);
	return i;
}

static int catalog_grow(struct pay *p)
{
	struct catalog *c = &p->products;
	struct catalog bigger = {calloc(c->cap ? c->cap * 2 : 64, sizeof *c->v),
				 c->cap ? c->cap * 2 : 64, c->n};
	if (bigger.v == NULL)
		return error_set(&p->run->err, EX_SOFTWARE, "out of memory");
	for (size_t i = 0; i < c->cap; i++)
		if (c->v[i].id[0] != '\0')
			bigger.v[catalog_slot(&bigger, c->v[i].id)] = c->v[i];
	free(c->v);
	*c = bigger;
	return 0;
}

/* The product named by a membership, read from the books the first time. */
static struct product_entry *product_get(struct pay *p, const char *id)
{
	struct catalog *c = &p->products;
	if ((c->n + 1) * 2 > c->cap && catalog_grow(p) < 0)
		return NULL;
	struct product_entry *e = &c->v[catalog_slot(c, id)];
	if (e->id[0] != '\0')
		return e;
	sqlite3_stmt *st = p->st[S_PRODUCT];
	db_bind_text(st, 1, id);
	int rc = db_step(p->db, st, &p->run->err);
	if (rc == 1) {
		snprintf(e->id, sizeof e->id, "%s", id);
		e->num = (uint32_t)c->n;
		e->has_max = sqlite3_column_type(st, 0) != SQLITE_NULL;
		e->max_sales = sqlite3_column_int64(st, 0);
		e->sold = sqlite3_column_int64(st, 1);
		e->delta = 0;
		c->n++;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == 0)
		error_set(&p->run->err, EX_SOFTWARE,
			  "payments: a membership names product %s, which is not in the books", id);
	return rc == 1 ? e : NULL;
}

/* Change a product's sales count (written back at the chunk's commit). */
static void sold_change(struct product_entry *e, int64_t delta)
{
	e->sold += delta;
	e->delta += delta;
}

static int sold_add(struct pay *p, const char *product_id, int64_t delta)
{
	struct product_entry *e = product_get(p, product_id);
	if (e == NULL)
		return -1;
	sold_change(e, delta);
	return 0;
}

/* Write the open chunk's sales count changes into products. */
static int catalog_flush(struct pay *p)
{
	struct catalog *c = &p->products;
	for (size_t i = 0; i < c->cap; i++) {
		struct product_entry *e = &c->v[i];
		if (e->id[0] == '\0' || e->delta == 0)
			continue;
		db_bind_text(p->st[S_SOLD], 1, e->id);
		db_bind_int(p->st[S_SOLD], 2, e->delta);
		if (exec_one(p, S_SOLD, "sold_count update") < 0)
			return -1;
		e->delta = 0;
	}
	return 0;
}

/* Keep a copy of id in the stage's text: its offset in *off. */
static int stage_text(struct pay *p, const char *id, uint32_t *off)
{
	struct stage *g = &p->stage;
	size_t n = strlen(id) + 1;
	if (g->len + n > g->size) {
		size_t size = g->size ? g->size : 65536;
		while (g->len + n > size)
			size *= 2;
		char *t = size <= UINT32_MAX ? realloc(g->text, size) : NULL;
		if (t == NULL)
			return error_set(&p->run->err, EX_SOFTWARE, "out of memory");
		g->text = t;
		g->size = size;
	}
	memcpy(g->text + g->len, id, n);
	*off = (uint32_t)g->len;
	g->len += n;
	return 0;
}

/* The slot of customer id: its latest staged approval, or a free one. */
static size_t stage_slot(const struct stage *g, const char *id)
{
	size_t i = (size_t)str_hash(id) & (g->nslots - 1);
	while (g->slots[i] >= 0 && strcmp(g->text + g->v[g->slots[i]].customer, id) != 0)
		i = (i + 1) & (g->nslots - 1);
	return i;
}

static int stage_init(struct pay *p)
{
	struct stage *g = &p->stage;
	g->nslots = 1;
	while (g->nslots < 2 * (size_t)PAY_CHUNK)
		g->nslots *= 2;
	g->slots = malloc(g->nslots * sizeof *g->slots);
	if (g->slots == NULL)
		return error_set(&p->run->err, EX_SOFTWARE, "out of memory");
	memset(g->slots, 0xff, g->nslots * sizeof *g->slots); /* all -1 */
	return 0;
}

static void stage_free(struct stage *g)
{
	free(g->v);
	free(g->text);
	free(g->slots);
	free(g->order);
	memset(g, 0, sizeof *g);
}

/* What the open chunk adds to a customer's books: approvals on D, and the
 * latest expiry of product (its num) among them (INT64_MIN when none). */
static void stage_facts(const struct stage *g, const char *customer, uint32_t product,
			int64_t *approved, int64_t *held)
{
	*approved = 0;
	*held = INT64_MIN;
	if (g->n == 0)
		return;
	for (int32_t k = g->slots[stage_slot(g, customer)]; k >= 0; k = g->v[k].prev) {
		const struct staged *a = &g->v[k];
		(*approved)++;
		if (a->expires_on > *held && a->product == product)
			*held = a->expires_on;
	}
}

/* Stage a decision on purchase r of product e, whose event drew id. */
static int stage_add(struct pay *p, const struct purchase_row *r, const struct product_entry *e,
		     const struct rules_decision *dec, int64_t id)
{
	struct stage *g = &p->stage;
	if (g->n == 0)
		g->first_id = id;
	else if (id != g->first_id + (int64_t)g->n)
		return error_set(&p->run->err, EX_SOFTWARE,
				 "payments: decision id %lld drawn out of sequence", (long long)id);
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 1024;
		struct staged *v = realloc(g->v, cap * sizeof *v);
		if (v == NULL)
			return error_set(&p->run->err, EX_SOFTWARE, "out of memory");
		g->v = v;
		g->cap = cap;
	}
	struct staged *a = &g->v[g->n];
	a->mid = r->mid;
	a->product = e->num;
	a->valid_from = dec->valid_from;
	a->expires_on = dec->expires_on;
	a->reason = dec->approved ? NULL : dec->reason;
	a->prev = -1;
	if (stage_text(p, r->customer_id, &a->customer) < 0)
		return -1;
	if (dec->approved) {
		size_t slot = stage_slot(g, r->customer_id);
		a->prev = g->slots[slot];
		g->slots[slot] = (int32_t)g->n;
	}
	g->n++;
	return 0;
}

/* stage_apply's order: by customer, then membership. */
static int order_cmp(const void *x, const void *y, void *stage)
{
	const struct stage *g = stage;
	const struct staged *a = &g->v[*(const uint32_t *)x], *b = &g->v[*(const uint32_t *)y];
	int c = strcmp(g->text + a->customer, g->text + b->customer);
	if (c != 0)
		return c;
	return (a->mid > b->mid) - (a->mid < b->mid);
}

/* Write the staged decisions, by customer. */
static int stage_apply(struct pay *p)
{
	struct stage *g = &p->stage;
	if (g->n == 0)
		return 0;
	uint32_t *o = realloc(g->order, g->n * sizeof *o);
	if (o == NULL)
		return error_set(&p->run->err, EX_SOFTWARE, "out of memory");
	g->order = o;
	for (size_t i = 0; i < g->n; i++)
		o[i] = (uint32_t)i;
	qsort_r(o, g->n, sizeof *o, order_cmp, g);
	sqlite3_stmt *st = p->decide;
	for (size_t k = 0; k < g->n; k += PAY_DECIDE) {
		size_t m = g->n - k < PAY_DECIDE ? g->n - k : PAY_DECIDE;
		db_bind_date(st, 1, p->run->date);
		for (size_t j = 0; j < PAY_DECIDE; j++) {
			int at = 2 + (int)j * PAY_DECIDE_PARAMS;
			if (j >= m) {
				for (int c = 0; c < PAY_DECIDE_PARAMS; c++)
					sqlite3_bind_null(st, at + c);
				continue;
			}
			const struct staged *a = &g->v[o[k + j]];
			db_bind_int(st, at, a->mid);
			db_bind_int(st, at + 1, g->first_id + (int64_t)o[k + j]);
			if (a->reason == NULL) {
				db_bind_date(st, at + 2, a->valid_from);
				db_bind_date(st, at + 3, a->expires_on);
				sqlite3_bind_null(st, at + 4);
			} else {
				sqlite3_bind_null(st, at + 2);
				sqlite3_bind_null(st, at + 3);
				db_bind_text(st, at + 4, a->reason);
			}
		}
		if (db_step_done(p->db, st, &p->run->err) < 0)
			return -1;
		int changed = sqlite3_changes(p->db->h);
		if (changed != (int)m)
			return error_set(
				&p->run->err, EX_SOFTWARE,
				"payments: %zu decisions changed %d rows (the books broke an"
				" invariant)",
				m, changed);
	}
	memset(g->slots, 0xff, g->nslots * sizeof *g->slots);
	g->n = 0;
	g->len = 0;
	return 0;
}

static int cancel_state(struct pay *p, int64_t id, const char *state)
{
	db_bind_int(p->st[S_CANCEL_STATE], 1, id);
	db_bind_text(p->st[S_CANCEL_STATE], 2, state);
	db_bind_date(p->st[S_CANCEL_STATE], 3, p->run->date);
	return exec_one(p, S_CANCEL_STATE, "cancel update");
}

static void tally_add(struct tally *a, const struct tally *b)
{
	a->approved += b->approved;
	a->declined += b->declined;
	a->voided += b->voided;
	a->refunded += b->refunded;
	a->rejected += b->rejected;
}

static int chunk_begin(struct pay *p)
{
	if (db_begin(p->db, &p->run->err) < 0)
		return -1;
	p->in_tx = 1;
	p->in_chunk = 0;
	memset(&p->chunk, 0, sizeof p->chunk);
	return 0;
}

static int chunk_commit(struct pay *p)
{
	if (stage_apply(p) < 0 || events_flush(p) < 0 || catalog_flush(p) < 0 ||
	    db_commit(p->db, &p->run->err) < 0)
		return -1;
	p->in_tx = 0;
	tally_add(&p->done, &p->chunk);
	memset(&p->chunk, 0, sizeof p->chunk);
	fault_point("payments commit");
	return 0;
}

/* Before each row: stop on a signal (the open chunk is rolled back by the
 * caller's cleanup). After each decision: commit a full chunk. */
static int row_start(struct pay *p)
{
	if (run_stopped()) {
		run_fail_stopped(p->run);
		return -1;
	}
	return 0;
}

static int row_done(struct pay *p)
{
	/* run_progress asks isatty() each call: not once a row. */
	if (++p->decided % PAY_PROGRESS_EVERY == 0)
		run_progress(p->run, "payments", p->decided, p->total);
	if (++p->in_chunk < PAY_CHUNK && p->stage.len + MAX_ID_LEN + 1 <= PAY_STAGE_TEXT)
		return 0;
	if (chunk_commit(p) < 0)
		return -1;
	return chunk_begin(p);
}

/* Fetch the next PAY_FETCH pending cancels after key (at, rid) with
 * statement s into v: how many, or -1. */
static int cancels_next(struct pay *p, int s, int64_t at, const char *rid, struct cancel_row *v)
{
	sqlite3_stmt *st = p->st[s];
	int n = 0, rc = 0;
	db_bind_int(st, 1, at);
	db_bind_text(st, 2, rid);
	while (n < PAY_FETCH && (rc = db_step(p->db, st, &p->run->err)) == 1) {
		struct cancel_row *r = &v[n++];
		r->id = sqlite3_column_int64(st, 0);
		r->requested_at = sqlite3_column_int64(st, 3);
		r->mid = sqlite3_column_int64(st, 4);
		r->amount = sqlite3_column_int64(st, 8);
		r->valid_from = db_col_date(st, 11);
		r->expires_on = db_col_date(st, 12);
		if (col_copy(p, s, 1, r->request_id, sizeof r->request_id) < 0 ||
		    col_copy(p, s, 2, r->customer_id, sizeof r->customer_id) < 0 ||
		    col_copy(p, s, 5, r->purchase_id, sizeof r->purchase_id) < 0 ||
		    col_copy(p, s, 6, r->m_customer_id, sizeof r->m_customer_id) < 0 ||
		    col_copy(p, s, 7, r->product_id, sizeof r->product_id) < 0 ||
		    col_copy(p, s, 9, r->payment, sizeof r->payment) < 0 ||
		    col_copy(p, s, 10, r->status, sizeof r->status) < 0) {
			rc = -1;
			break;
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc < 0 ? -1 : n;
}

/* Void: the purchase was never charged, so nothing is sold or refunded. */
static int cancel_void(struct pay *p, const struct cancel_row *r)
{
	db_bind_int(p->st[S_VOID], 1, r->mid);
	db_bind_date(p->st[S_VOID], 2, p->run->date);
	if (exec_one(p, S_VOID, "void") < 0 || cancel_state(p, r->id, "VOIDED") < 0)
		return -1;
	struct event e = {.event = "PAYMENT_VOIDED",
			  .customer_id = r->m_customer_id,
			  .request_id = r->purchase_id,
			  .membership_id = r->mid,
			  .product_id = r->product_id,
			  .amount = r->amount,
			  .status = "CANCELLED",
			  .detail = NULL};
	if (event_add(p, &e) < 0)
		return -1;
	log_debug("payments: %s voided by cancel %s", r->purchase_id, r->request_id);
	p->chunk.voided++;
	return 0;
}

/* The cancel cannot be carried out: the membership stays as it is. */
static int cancel_reject(struct pay *p, const struct cancel_row *r)
{
	if (cancel_state(p, r->id, "REJECTED") < 0)
		return -1;
	struct event e = {.event = "CANCEL_REJECTED",
			  .customer_id = r->customer_id,
			  .request_id = r->request_id,
			  .membership_id = r->mid,
			  .product_id = r->product_id,
			  .amount = r->amount,
			  .status = r->status,
			  .detail = "NOT_CANCELLABLE"};
	if (event_add(p, &e) < 0)
		return -1;
	log_debug("payments: cancel %s of %s rejected: NOT_CANCELLABLE", r->request_id,
		  r->purchase_id);
	p->chunk.rejected++;
	return 0;
}

/* Step 3 for one cancel. Only an approved membership is refunded; one that
 * ended by C, the date the cancel was requested, is not cancellable. A
 * membership still pending cannot be met here (step 1 voided those) but is
 * voided all the same; any other (declined, already cancelled, which ingest
 * keeps out) is rejected, so that no cancel stays pending for ever. */
static int cancel_decide(struct pay *p, const struct cancel_row *r)
{
	const struct config *cfg = &p->run->cfg;
	if (strcmp(r->payment, "PENDING") == 0)
		return cancel_void(p, r);
	if (strcmp(r->payment, "APPROVED") != 0)
		return cancel_reject(p, r);
	int32_t c = dates_local_day(r->requested_at);
	if (!rules_cancellable(r->expires_on, c))
		return cancel_reject(p, r);
	int64_t refund =
		rules_refund_amount(r->amount, r->valid_from, r->expires_on, c,
				    cfg->full_refund_days, cfg->refund_after == REFUND_PRORATED);
	db_bind_int(p->st[S_REFUND], 1, r->mid);
	db_bind_date(p->st[S_REFUND], 2, p->run->date);
	db_bind_int(p->st[S_REFUND], 3, refund);
	if (exec_one(p, S_REFUND, "refund") < 0 || sold_add(p, r->product_id, -1) < 0 ||
	    cancel_state(p, r->id, "REFUNDED") < 0)
		return -1;
	char amount[MONEY_TEXT_MAX];
	money_format(refund, cfg->minor_digits, amount, sizeof amount);
	struct event e = {.event = "PAYMENT_REFUNDED",
			  .customer_id = r->m_customer_id,
			  .request_id = r->purchase_id,
			  .membership_id = r->mid,
			  .product_id = r->product_id,
			  .amount = r->amount,
			  .status = "CANCELLED",
			  .detail = amount};
	if (event_add(p, &e) < 0)
		return -1;
	log_debug("payments: %s refunded %s by cancel %s", r->purchase_id, amount, r->request_id);
	p->chunk.refunded++;
	return 0;
}

/* Whether a cancel before v[i] in the batch names v[i]'s membership. */
static int batch_met(const struct cancel_row *v, int i)
{
	for (int k = 0; k < i; k++)
		if (v[k].mid == v[i].mid)
			return 1;
	return 0;
}

/* Steps 1 and 3: walk the pending cancels that statement s yields, in
 * (requested_at, request_id) order, deciding each with fn. They are read
 * PAY_FETCH at a time (a query per cancel was a quarter of a cancel's
 * cost); a row read before an earlier one of its batch changed the
 * membership it names would be stale, so the batch ends before it and the
 * next query reads it as it is now (ingest keeps a second pending cancel
 * of a purchase out, so this does not happen in practice). */
static int walk_cancels(struct pay *p, int s, int (*fn)(struct pay *, const struct cancel_row *))
{
	struct cancel_row v[PAY_FETCH];
	int64_t at = INT64_MIN; /* before every key: request ids are never empty */
	char rid[MAX_ID_LEN + 1] = "";
	for (;;) {
		int n = cancels_next(p, s, at, rid, v);
		if (n <= 0)
			return n;
		for (int i = 0; i < n && !batch_met(v, i); i++) {
			if (row_start(p) < 0 || fn(p, &v[i]) < 0 || row_done(p) < 0)
				return -1;
			at = v[i].requested_at;
			memcpy(rid, v[i].request_id, sizeof rid);
		}
	}
}

/* Gather what rules_decide_purchase needs about one purchase; its product
 * in *pe (valid until the next product_get). */
static int purchase_facts(struct pay *p, const struct purchase_row *r, struct rules_purchase *in,
			  struct product_entry **pe)
{
	const struct config *cfg = &p->run->cfg;
	int32_t d = p->run->date;
	int64_t held = 0;
	memset(in, 0, sizeof *in);
	in->today = d;
	in->amount = r->amount;
	in->blocked = config_is_blocked(cfg, r->customer_id);
	in->max_amount_minor = cfg->max_amount * money_scale(cfg->minor_digits);
	in->max_per_day = cfg->max_per_customer_per_day;
	in->renewal_window_days = cfg->renewal_window_days;
	in->term_months = cfg->term_months;

	sqlite3_stmt *cf = p->st[S_CUSTOMER_FACTS];
	db_bind_text(cf, 1, r->customer_id);
	db_bind_text(cf, 2, r->product_id);
	db_bind_date(cf, 3, d);
	int frc = db_step(p->db, cf, &p->run->err);
	if (frc < 0)
		return -1;
	in->approved_today = frc == 1 ? sqlite3_column_int64(cf, 0) : 0;
	if (frc == 1 && sqlite3_column_type(cf, 1) != SQLITE_NULL)
		held = sqlite3_column_int64(cf, 1);
	else
		held = INT64_MIN;
	sqlite3_reset(cf);
	sqlite3_clear_bindings(cf);
	int64_t staged_approved, staged_held;
	struct product_entry *e = product_get(p, r->product_id);
	if (e == NULL)
		return -1;
	*pe = e;
	stage_facts(&p->stage, r->customer_id, e->num, &staged_approved, &staged_held);
	in->approved_today += staged_approved;
	if (staged_held > held)
		held = staged_held;
	in->held_expires = held == INT64_MIN ? DATE_NONE : (int32_t)held;
	in->has_max_sales = e->has_max;
	in->max_sales = e->max_sales;
	in->sold_count = e->sold;
	return 0;
}

/* Decide one purchase now; its row and event are written by stage_apply. */
static int purchase_decide(struct pay *p, const struct purchase_row *r)
{
	struct rules_purchase in;
	struct rules_decision dec;
	struct product_entry *e;
	int64_t id;
	if (purchase_facts(p, r, &in, &e) < 0)
		return -1;
	rules_decide_purchase(&in, &dec);
	if (db_next_id(p->db, &id, &p->run->err) < 0 || stage_add(p, r, e, &dec, id) < 0)
		return -1;
	if (dec.approved) {
		sold_change(e, 1);
		p->chunk.approved++;
	} else {
		p->chunk.declined++;
	}
	log_debug("payments: %s %s%s%s", r->request_id, dec.approved ? "approved" : "declined",
		  dec.approved ? "" : ": ", dec.approved ? "" : dec.reason);
	return 0;
}

/* Fetch the next PAY_FETCH pending purchases after key (at, rid) into v:
 * how many, or -1. */
static int purchases_next(struct pay *p, int64_t at, const char *rid, struct purchase_row *v)
{
	sqlite3_stmt *st = p->st[S_PENDING];
	int n = 0, rc = 0;
	db_bind_int(st, 1, at);
	db_bind_text(st, 2, rid);
	while (n < PAY_FETCH && (rc = db_step(p->db, st, &p->run->err)) == 1) {
		struct purchase_row *r = &v[n++];
		r->mid = sqlite3_column_int64(st, 0);
		r->amount = sqlite3_column_int64(st, 4);
		r->requested_at = sqlite3_column_int64(st, 5);
		if (col_copy(p, S_PENDING, 1, r->request_id, sizeof r->request_id) < 0 ||
		    col_copy(p, S_PENDING, 2, r->customer_id, sizeof r->customer_id) < 0 ||
		    col_copy(p, S_PENDING, 3, r->product_id, sizeof r->product_id) < 0) {
			rc = -1;
			break;
		}
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : n;
}

/* Step 2: the pending purchases in order, read PAY_FETCH at a time from
 * the last one decided (a query per decision was a fifteenth of the job).
 * Step 3 reads what step 2 decided: the last staged decisions are written
 * before it. */
static int walk_purchases(struct pay *p)
{
	struct purchase_row v[PAY_FETCH];
	int64_t at = INT64_MIN; /* before every key: request ids are never empty */
	char rid[MAX_ID_LEN + 1] = "";
	for (;;) {
		int n = purchases_next(p, at, rid, v);
		if (n < 0)
			return -1;
		if (n == 0)
			return stage_apply(p);
		for (int i = 0; i < n; i++)
			if (row_start(p) < 0 || purchase_decide(p, &v[i]) < 0 || row_done(p) < 0)
				return -1;
		at = v[n - 1].requested_at;
		memcpy(rid, v[n - 1].request_id, sizeof rid);
	}
}

int job_payments(struct run *run)
{
	struct pay p;
	int64_t total = 0;
	int ok = 0;
	memset(&p, 0, sizeof p);
	p.run = run;
	p.db = &run->db;
	if (db_exec(p.db, "PRAGMA cache_size = -" DB_PAYMENTS_CACHE_KIB, &run->err) < 0)
		goto out;
	for (int i = 0; i < NSTMT; i++)
		if (db_prepare(p.db, pay_sql[i], &p.st[i], &run->err) < 0)
			goto out;
	if (prepare_events_insert(&p) < 0 || prepare_decide(&p) < 0 || stage_init(&p) < 0)
		goto out;
	if (query_int(&p, S_COUNT_PENDING, 0, &total) < 0)
		goto out;
	p.total = (uint64_t)total;

	if (chunk_begin(&p) < 0)
		goto out;
	if (walk_cancels(&p, S_VOIDABLE, cancel_void) < 0 || walk_purchases(&p) < 0 ||
	    walk_cancels(&p, S_CANCELS, cancel_decide) < 0)
		goto out;
	if (chunk_commit(&p) < 0)
		goto out;
	ok = 1;
out:
	if (p.in_tx)
		db_rollback(p.db);
	for (int i = 0; i < NSTMT; i++)
		sqlite3_finalize(p.st[i]);
	sqlite3_finalize(p.events_insert);
	sqlite3_finalize(p.decide);
	free(p.products.v);
	stage_free(&p.stage);
	/* nightly goes on with other jobs on this connection */
	sqlite3_exec(run->db.h, "PRAGMA cache_size = -" DB_CACHE_KIB, NULL, NULL, NULL);
	sqlite3_db_release_memory(run->db.h);
	malloc_trim(0);
	/* Counted: what was committed, also when a later chunk failed. */
	const struct tally *t = &p.done;
	run->counts.rows = t->approved + t->declined + t->voided + t->refunded + t->rejected;
	run->counts.accepted = t->approved;
	run->counts.rejected = t->declined;
	snprintf(run->summary, sizeof run->summary,
		 "%lld approved, %lld declined, %lld voided, %lld refunded, %lld cancels rejected",
		 (long long)t->approved, (long long)t->declined, (long long)t->voided,
		 (long long)t->refunded, (long long)t->rejected);
	if (ok)
		return 0;
	return run->err.code ? run->err.code : EX_SOFTWARE;
}
