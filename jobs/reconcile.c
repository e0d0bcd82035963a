/* reconcile.c — `membership reconcile`: for business date D (SPEC §5),
 * recompute each product's sales count from the payment ledger (memberships
 * whose payment is APPROVED: a refunded one is REFUNDED, so approved −
 * refunded) and its gross / refunded / net amounts; compare the count with
 * the stored products.sold_count; for each difference record a row in
 * reconciliation (for reconciliation.csv), log a warning and correct the
 * counter. Products in product_id order; one transaction.
 * Idempotent: a corrected counter matches, so a rerun finds nothing. Crash-
 * safe: all of it commits at once or not at all.
 * Not for: writing the reconciliation report (report.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "fault.h"
#include "jobs.h"
#include "log.h"
#include "money.h"

enum { S_PRODUCTS, S_LEDGER, S_RECORD, S_CORRECT, NSTMT };

/* The catalog, then each product's paid memberships from the covering
 * index memberships_product. The amounts are summed in C (money_sum):
 * SQLite's sum() fails past 2^63 minor units, which books that ingest
 * accepted can reach (SPEC §6), and total() is a double. */
static const char *const reconcile_sql[NSTMT] = {
	[S_PRODUCTS] = "SELECT product_id, sold_count FROM products ORDER BY product_id",
	[S_LEDGER] = "SELECT payment = 'APPROVED', amount, refund_amount"
		     " FROM memberships INDEXED BY memberships_product"
		     " WHERE product_id = ?1 AND approved_on IS NOT NULL",
	[S_RECORD] = "INSERT INTO reconciliation (business_date, product_id, recorded, ledger)"
		     " VALUES (?1, ?2, ?3, ?4)",
	[S_CORRECT] =
		"UPDATE products SET sold_count = ?2 WHERE product_id = ?1 AND sold_count = ?3",
};

struct difference {
	char *product_id;
	int64_t recorded, ledger;
};

struct reconcile {
	struct run *run;
	struct db *db;
	sqlite3_stmt *st[NSTMT];
	struct difference *diff;
	size_t ndiff, cap;
	int64_t products;
	money_sum gross, refunded;
};

static int diff_add(struct reconcile *r, const char *product_id, int64_t recorded, int64_t ledger)
{
	if (r->ndiff == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct difference *grown = realloc(r->diff, cap * sizeof *grown);
		if (grown == NULL)
			return error_set(&r->run->err, EX_SOFTWARE, "reconcile: out of memory");
		r->diff = grown;
		r->cap = cap;
	}
	char *id = strdup(product_id);
	if (id == NULL)
		return error_set(&r->run->err, EX_SOFTWARE, "reconcile: out of memory");
	struct difference *d = &r->diff[r->ndiff++];
	d->product_id = id;
	d->recorded = recorded;
	d->ledger = ledger;
	return 0;
}

/* One product's ledger: how many sold (approved, not refunded) and the
 * gross and refunded sums, exact. */
static int product_ledger(struct reconcile *r, const char *id, int64_t *sold, money_sum *gross,
			  money_sum *refunded)
{
	sqlite3_stmt *st = r->st[S_LEDGER];
	int rc;
	*sold = 0;
	*gross = *refunded = 0;
	db_bind_text(st, 1, id);
	while ((rc = db_step(r->db, st, &r->run->err)) == 1) {
		*sold += sqlite3_column_int(st, 0);
		*gross += sqlite3_column_int64(st, 1);
		*refunded += sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

/* Read the ledger of every product; differences are kept to be corrected
 * once the read is done (no writes under an open read of the same table). */
static int read_ledger(struct reconcile *r)
{
	sqlite3_stmt *st = r->st[S_PRODUCTS];
	int digits = r->run->cfg.minor_digits;
	int rc;
	while ((rc = db_step(r->db, st, &r->run->err)) == 1) {
		const char *id = db_col_text(st, 0);
		int64_t recorded = sqlite3_column_int64(st, 1);
		int64_t ledger;
		money_sum gross, refunded;
		if (product_ledger(r, id, &ledger, &gross, &refunded) < 0) {
			rc = -1;
			break;
		}
		r->products++;
		r->gross += gross;
		r->refunded += refunded;
		if (log_get_level() >= LOG_VERBOSE) {
			char g[MONEY_SUM_TEXT_MAX], f[MONEY_SUM_TEXT_MAX], n[MONEY_SUM_TEXT_MAX];
			money_format_sum(gross, digits, 0, g, sizeof g);
			money_format_sum(refunded, digits, 0, f, sizeof f);
			money_format_sum(gross - refunded, digits, 0, n, sizeof n);
			log_debug("reconcile: product %s: sold %lld, gross %s, refunded %s, net %s",
				  id, (long long)ledger, g, f, n);
		}
		if (recorded != ledger && diff_add(r, id, recorded, ledger) < 0) {
			rc = -1;
			break;
		}
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : 0;
}

static int correct(struct reconcile *r, const struct difference *d)
{
	sqlite3_stmt *st = r->st[S_RECORD];
	db_bind_date(st, 1, r->run->date);
	db_bind_text(st, 2, d->product_id);
	db_bind_int(st, 3, d->recorded);
	db_bind_int(st, 4, d->ledger);
	if (db_step_done(r->db, st, &r->run->err) < 0)
		return -1;
	st = r->st[S_CORRECT];
	db_bind_text(st, 1, d->product_id);
	db_bind_int(st, 2, d->ledger);
	db_bind_int(st, 3, d->recorded);
	if (db_step_done(r->db, st, &r->run->err) < 0)
		return -1;
	if (sqlite3_changes(r->db->h) != 1)
		return error_set(&r->run->err, EX_SOFTWARE,
				 "reconcile: product %s changed under the transaction",
				 d->product_id);
	return 0;
}

int job_reconcile(struct run *run)
{
	struct reconcile r;
	int ok = 0, in_tx = 0;
	memset(&r, 0, sizeof r);
	r.run = run;
	r.db = &run->db;
	for (int i = 0; i < NSTMT; i++)
		if (db_prepare(r.db, reconcile_sql[i], &r.st[i], &run->err) < 0)
			goto out;
	if (db_begin(r.db, &run->err) < 0)
		goto out;
	in_tx = 1;
	if (read_ledger(&r) < 0)
		goto out;
	if (run_stopped()) {
		run_fail_stopped(run);
		goto out;
	}
	for (size_t i = 0; i < r.ndiff; i++)
		if (correct(&r, &r.diff[i]) < 0)
			goto out;
	if (db_commit(r.db, &run->err) < 0)
		goto out;
	in_tx = 0;
	fault_point("reconcile commit");
	ok = 1;
	for (size_t i = 0; i < r.ndiff; i++)
		log_warn("reconcile: product %s: sold_count was %lld, the ledger says %lld; "
			 "corrected",
			 r.diff[i].product_id, (long long)r.diff[i].recorded,
			 (long long)r.diff[i].ledger);
	if (log_get_level() >= LOG_VERBOSE) {
		char g[MONEY_SUM_TEXT_MAX], f[MONEY_SUM_TEXT_MAX], n[MONEY_SUM_TEXT_MAX];
		money_format_sum(r.gross, run->cfg.minor_digits, 0, g, sizeof g);
		money_format_sum(r.refunded, run->cfg.minor_digits, 0, f, sizeof f);
		money_format_sum(r.gross - r.refunded, run->cfg.minor_digits, 0, n, sizeof n);
		log_debug("reconcile: all products: gross %s, refunded %s, net %s", g, f, n);
	}
out:
	if (in_tx)
		db_rollback(r.db);
	for (int i = 0; i < NSTMT; i++)
		sqlite3_finalize(r.st[i]);
	run->counts.rows = ok ? r.products : 0;
	run->counts.accepted = ok ? r.products - (int64_t)r.ndiff : 0;
	run->counts.rejected = ok ? (int64_t)r.ndiff : 0;
	snprintf(run->summary, sizeof run->summary,
		 "%lld products checked, %lld differences corrected",
		 (long long)(ok ? r.products : 0), (long long)(ok ? r.ndiff : 0));
	for (size_t i = 0; i < r.ndiff; i++)
		free(r.diff[i].product_id);
	free(r.diff);
	if (ok)
		return 0;
	return run->err.code ? run->err.code : EX_SOFTWARE;
}
