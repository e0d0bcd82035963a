/* expire.c — `membership expire`: for business date D (SPEC §5),
 *   1. memberships ACTIVE with expires_on <= D become EXPIRED, by
 *      (expires_on, id), with expired_on and the MEMBERSHIP_EXPIRED event
 *      dated on their expires_on, not on D (SPEC §5.1): a membership ends
 *      on its date whether or not this job ran that day, so as-of reports
 *      are the same when it runs late (the machine was off);
 *   2. products ACTIVE with sale_until < D become EXPIRED, and products
 *      EXPIRED whose sale_until an update moved to D or later (or cleared)
 *      become ACTIVE again; DELETED products are left alone.
 * Idempotent: only rows still in the old state are picked, so a second run
 * on the same day changes nothing. Crash-safe: memberships are committed in
 * chunks of EXPIRE_CHUNK, each whole or not at all, and the products with
 * the last chunk; a rerun after a kill finishes the rest in the same order.
 * Not for: deciding what is active on a date (a membership is active while
 * valid_from <= D < expires_on whether or not this job ran). */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "dates.h"
#include "fault.h"
#include "ids.h"
#include "jobs.h"
#include "log.h"

/* Decisions per transaction: fewer, larger commits write each hot page to
 * the WAL once per chunk instead of many times (200k decisions: 3.7 s at
 * 10 000, 3.1 s at 50 000). Crash-test builds use small chunks so a fault
 * sweep has many commits to die at. */
#define EXPIRE_CHUNK          fault_chunk(1000, 50000)
#define EXPIRE_PROGRESS_EVERY 256 /* memberships between progress updates */

enum {
	S_NEXT,  /* next membership to expire (memberships_expiry) */
	S_COUNT, /* how many, for the progress line */
	S_EXPIRE,
	S_EVENT,
	S_PRODUCT_NEXT, /* next product past its sale_until */
	S_PRODUCT_EXPIRE,
	S_PRODUCT_REVIVE_NEXT,
	S_PRODUCT_REVIVE,
	NSTMT
};

static const char *const expire_sql[NSTMT] = {
	[S_NEXT] = "SELECT id, request_id, customer_id, product_id, amount, expires_on FROM "
		   "memberships"
		   " WHERE status = 'ACTIVE' AND expires_on <= rules_expired_through(?1)"
		   " ORDER BY expires_on, id LIMIT 1",
	[S_COUNT] = "SELECT count(*) FROM memberships WHERE status = 'ACTIVE'"
		    " AND expires_on <= rules_expired_through(?1)",
	[S_EXPIRE] = "UPDATE memberships SET status = 'EXPIRED', expired_on = expires_on"
		     " WHERE id = ?1 AND status = 'ACTIVE'",
	[S_EVENT] = "INSERT INTO events (id, business_date, customer_id, event, request_id,"
		    " membership_id, product_id, amount, status, detail)"
		    " VALUES (?7, ?1, ?2, 'MEMBERSHIP_EXPIRED', ?3, ?4, ?5, ?6, 'EXPIRED', NULL)",
	[S_PRODUCT_NEXT] = "SELECT product_id, sale_until FROM products"
			   " WHERE status = 'ACTIVE' AND NOT rules_on_sale(sale_until, ?1)"
			   " ORDER BY product_id LIMIT 1",
	[S_PRODUCT_EXPIRE] = "UPDATE products SET status = 'EXPIRED', updated_on = ?2"
			     " WHERE product_id = ?1 AND status = 'ACTIVE'",
	[S_PRODUCT_REVIVE_NEXT] = "SELECT product_id, sale_until FROM products"
				  " WHERE status = 'EXPIRED' AND rules_on_sale(sale_until, ?1)"
				  " ORDER BY product_id LIMIT 1",
	[S_PRODUCT_REVIVE] = "UPDATE products SET status = 'ACTIVE', updated_on = ?2"
			     " WHERE product_id = ?1 AND status = 'EXPIRED'",
};

struct expire {
	struct run *run;
	struct db *db;
	sqlite3_stmt *st[NSTMT];
	int in_tx;
	int64_t in_chunk;
	int64_t expired, expired_chunk; /* memberships: committed, in the open chunk */
	int64_t products_expired, products_revived;
	uint64_t total;
};

/* Copy a text column before the statement is reset; a stored id longer
 * than ingest allows is a broken invariant. */
static int col_copy(struct expire *x, sqlite3_stmt *st, int i, char *dst, size_t n)
{
	const char *v = db_col_text(st, i);
	size_t len = strlen(v);
	if (len >= n)
		return error_set(&x->run->err, EX_SOFTWARE,
				 "expire: stored value of %zu bytes where at most %zu fit", len,
				 n - 1);
	memcpy(dst, v, len + 1);
	return 0;
}

static int exec_one(struct expire *x, int s, const char *what)
{
	if (db_step_done(x->db, x->st[s], &x->run->err) < 0)
		return -1;
	int n = sqlite3_changes(x->db->h);
	if (n != 1)
		return error_set(&x->run->err, EX_SOFTWARE,
				 "expire: %s changed %d rows, not 1 (the books broke an invariant)",
				 what, n);
	return 0;
}

static int chunk_begin(struct expire *x)
{
	if (db_begin(x->db, &x->run->err) < 0)
		return -1;
	x->in_tx = 1;
	x->in_chunk = 0;
	x->expired_chunk = 0;
	return 0;
}

static int chunk_commit(struct expire *x)
{
	if (db_commit(x->db, &x->run->err) < 0)
		return -1;
	x->in_tx = 0;
	x->expired += x->expired_chunk;
	x->expired_chunk = 0;
	fault_point("expire commit");
	return 0;
}

/* Step 1 for one membership. */
static int expire_one(struct expire *x, int64_t id, const char *request_id, const char *customer_id,
		      const char *product_id, int64_t amount, int32_t expires_on)
{
	sqlite3_stmt *st = x->st[S_EXPIRE];
	db_bind_int(st, 1, id);
	if (exec_one(x, S_EXPIRE, "membership expiry") < 0)
		return -1;
	int64_t event_id;
	if (db_next_id(x->db, &event_id, &x->run->err) < 0)
		return -1;
	st = x->st[S_EVENT];
	db_bind_int(st, 7, event_id);
	db_bind_date(st, 1, expires_on);
	db_bind_text(st, 2, customer_id);
	db_bind_text(st, 3, request_id);
	db_bind_int(st, 4, id);
	db_bind_text(st, 5, product_id);
	db_bind_int(st, 6, amount);
	if (db_step_done(x->db, st, &x->run->err) < 0)
		return -1;
	log_debug("expire: membership %s expired", request_id);
	x->expired_chunk++;
	return 0;
}

/* Step 1: the first match is always the next, since expiring a membership
 * takes it out of memberships_expiry. */
static int expire_memberships(struct expire *x)
{
	sqlite3_stmt *st = x->st[S_NEXT];
	char request_id[MAX_ID_LEN + 1], customer_id[MAX_ID_LEN + 1];
	char product_id[MAX_ID_LEN + 1];
	for (;;) {
		if (run_stopped()) {
			run_fail_stopped(x->run);
			return -1;
		}
		db_bind_date(st, 1, x->run->date);
		int rc = db_step(x->db, st, &x->run->err);
		int64_t id = 0, amount = 0;
		int32_t expires_on = DATE_NONE;
		if (rc == 1) {
			id = sqlite3_column_int64(st, 0);
			amount = sqlite3_column_int64(st, 4);
			expires_on = db_col_date(st, 5);
			if (col_copy(x, st, 1, request_id, sizeof request_id) < 0 ||
			    col_copy(x, st, 2, customer_id, sizeof customer_id) < 0 ||
			    col_copy(x, st, 3, product_id, sizeof product_id) < 0)
				rc = -1;
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc <= 0)
			return rc;
		if (expire_one(x, id, request_id, customer_id, product_id, amount, expires_on) < 0)
			return -1;
		uint64_t done = (uint64_t)(x->expired + x->expired_chunk);
		if (done % EXPIRE_PROGRESS_EVERY == 0) /* isatty() each call: not every row */
			run_progress(x->run, "expire", done, x->total);
		if (++x->in_chunk >= EXPIRE_CHUNK && (chunk_commit(x) < 0 || chunk_begin(x) < 0))
			return -1;
	}
}

/* Step 2: move every product that next_s finds with set_s; *n counts them. */
static int move_products(struct expire *x, int next_s, int set_s, const char *what, int64_t *n)
{
	sqlite3_stmt *st = x->st[next_s];
	char product_id[MAX_ID_LEN + 1];
	char until[DATE_TEXT_LEN + 1];
	for (;;) {
		db_bind_date(st, 1, x->run->date);
		int rc = db_step(x->db, st, &x->run->err);
		if (rc == 1) {
			int32_t d = db_col_date(st, 1);
			if (d == DATE_NONE)
				snprintf(until, sizeof until, "none");
			else
				dates_format(d, until);
			if (col_copy(x, st, 0, product_id, sizeof product_id) < 0)
				rc = -1;
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc <= 0)
			return rc;
		db_bind_text(x->st[set_s], 1, product_id);
		db_bind_date(x->st[set_s], 2, x->run->date);
		if (exec_one(x, set_s, "product status") < 0)
			return -1;
		log_info("expire: product %s %s (sale until %s)", product_id, what, until);
		(*n)++;
	}
}

int expire_memberships_in(struct run *run, int64_t *expired)
{
	struct expire x;
	int ok = 0;
	memset(&x, 0, sizeof x);
	x.run = run;
	x.db = &run->db;
	for (int i = 0; i < NSTMT; i++)
		if (db_prepare(x.db, expire_sql[i], &x.st[i], &run->err) < 0)
			goto out;
	if (chunk_begin(&x) < 0 || expire_memberships(&x) < 0 || chunk_commit(&x) < 0)
		goto out;
	ok = 1;
out:
	if (x.in_tx)
		db_rollback(x.db);
	for (int i = 0; i < NSTMT; i++)
		sqlite3_finalize(x.st[i]);
	*expired = x.expired;
	if (ok)
		return 0;
	return run->err.code ? run->err.code : EX_SOFTWARE;
}

int job_expire(struct run *run)
{
	struct expire x;
	int64_t total = 0;
	int ok = 0;
	memset(&x, 0, sizeof x);
	x.run = run;
	x.db = &run->db;
	for (int i = 0; i < NSTMT; i++)
		if (db_prepare(x.db, expire_sql[i], &x.st[i], &run->err) < 0)
			goto out;
	db_bind_date(x.st[S_COUNT], 1, run->date);
	if (db_step(x.db, x.st[S_COUNT], &run->err) < 0)
		goto out;
	total = sqlite3_column_int64(x.st[S_COUNT], 0);
	sqlite3_reset(x.st[S_COUNT]);
	x.total = (uint64_t)total;

	if (chunk_begin(&x) < 0 || expire_memberships(&x) < 0)
		goto out;
	if (move_products(&x, S_PRODUCT_NEXT, S_PRODUCT_EXPIRE, "expired", &x.products_expired) <
		    0 ||
	    move_products(&x, S_PRODUCT_REVIVE_NEXT, S_PRODUCT_REVIVE, "on sale again",
			  &x.products_revived) < 0)
		goto out;
	if (chunk_commit(&x) < 0)
		goto out;
	ok = 1;
out:
	if (x.in_tx)
		db_rollback(x.db);
	for (int i = 0; i < NSTMT; i++)
		sqlite3_finalize(x.st[i]);
	if (!ok)
		x.products_expired = x.products_revived = 0; /* rolled back with the chunk */
	run->counts.rows = x.expired + x.products_expired + x.products_revived;
	run->counts.accepted = x.expired;
	int len = snprintf(run->summary, sizeof run->summary,
			   "%lld memberships expired, %lld products expired", (long long)x.expired,
			   (long long)x.products_expired);
	if (x.products_revived > 0 && len > 0 && (size_t)len < sizeof run->summary)
		snprintf(run->summary + len, sizeof run->summary - (size_t)len,
			 ", %lld on sale again", (long long)x.products_revived);
	if (ok)
		return 0;
	return run->err.code ? run->err.code : EX_SOFTWARE;
}
