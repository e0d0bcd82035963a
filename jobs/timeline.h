/* timeline.h — a customer's events, derived in one place: the SELECT that
 * merges the stored events with the purchases and payment decisions the
 * membership rows stand for (SQL_TIMELINE), the reader that puts each
 * decision in its place (timeline_next, jobs/timeline.c), the CSV row
 * both customers/<id>.csv (report) and `progress` write (timeline_row),
 * and the events of one day by where each is kept (timeline_day_ids and
 * the SQL_DAY_* statements: the customers with an event on D, the day in
 * numbers). Not for: which customers get a file (report.c). */
#ifndef MEMBERSHIP_TIMELINE_H
#define MEMBERSHIP_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"

/* Customer timelines (customers/<id>.csv and `progress`), as one SELECT:
 * the stored events merged with the PURCHASE_REQUESTED event each
 * membership row stands for (schema_2.sql), in the order of the id
 * sequence the two tables share. D is the as-of date's parameter; MWHERE
 * and EWHERE restrict each side. Columns: 0 customer_id, 1 id, 2 date,
 * 3 event, 4 request_id, 5 product_id, 6 amount, 7 status, 8 detail; and
 * for a membership decided by D, the decision it stands for (schema_4.sql):
 * 9 decided_id, 10 decided_on, 11 approved, 12 decline_reason (NULL on
 * other rows). The memberships are read in two parts (schema_6.sql): the
 * decided ones in (customer_id, id) order from memberships_customer, and the
 * pending ones from memberships_pending (few or none after payments), which
 * SQLite sorts; the events come in the same order from events_customer, so
 * the merge sorts nothing more. timeline_next puts the decisions in place. */
#define SQL_TIMELINE_M(D, INDEX, PAYMENT, MWHERE)                                                  \
	"SELECT customer_id, id, requested_on, 'PURCHASE_REQUESTED', request_id, product_id,"      \
	" amount, 'PENDING_PAYMENT', NULL, CASE WHEN decided_on <= " D " THEN decided_id END,"     \
	" decided_on, approved_on IS NOT NULL, decline_reason FROM memberships INDEXED BY " INDEX  \
	" WHERE payment " PAYMENT " AND " MWHERE
#define SQL_TIMELINE(D, MWHERE, EWHERE)                                                            \
	SQL_TIMELINE_M(D, "memberships_customer", "!= 'PENDING'", MWHERE)                          \
	" UNION ALL " SQL_TIMELINE_M(                                                              \
		D, "memberships_pending", "= 'PENDING'",                                           \
		MWHERE) " UNION ALL"                                                               \
			" SELECT customer_id, id, business_date, event, request_id, product_id, "  \
			"amount,"                                                                  \
			" status, detail, NULL, NULL, NULL, NULL FROM events WHERE " EWHERE        \
			" ORDER BY 1, 2"

/* One event of a timeline. Texts are NULL for an empty cell and stay valid
 * until the next timeline_next. */
struct timeline_event {
	const char *customer;
	size_t customer_len;
	int64_t id;
	int32_t date;
	const char *event, *status;
	const char *request_id, *product_id, *detail;
	size_t request_len, product_len, detail_len;
	int has_amount;
	int64_t amount;
};

struct tl_pending;
/* Reads an SQL_TIMELINE statement (bound by the caller, reset by it after). */
struct timeline {
	struct db *db;
	sqlite3_stmt *st;
	struct error *err;
	int state;
	struct tl_pending *heap; /* the decisions waiting for their place, by id */
	size_t n, cap;
	char *arena; /* their texts */
	size_t len, size;
	char *cust; /* their customer */
	size_t cust_len, cust_size;
};

void timeline_init(struct timeline *tl, struct db *db, sqlite3_stmt *st, struct error *err);
/* The next event in (customer, id) order: 1 one, 0 none left, -1 error
 * (err filled). */
int timeline_next(struct timeline *tl, struct timeline_event *e);
void timeline_free(struct timeline *tl);

struct csvout;
/* Write one timeline event as customers/<id>.csv and `progress` do. */
void timeline_row(struct csvout *w, const struct timeline_event *e);

/* The events of day D, as three id ranges (lo > hi when none): each
 * membership requested on D is its PURCHASE_REQUESTED (ids req_lo..req_hi),
 * each decision of D its PAYMENT_APPROVED or PAYMENT_DECLINED (decided_id
 * dc_lo..dc_hi), every other event a row of events (ids ev_lo..ev_hi). */
struct timeline_day {
	int64_t req_lo, req_hi, ev_lo, ev_hi, dc_lo, dc_hi;
};

/* Find D's ranges: ids grow with time and business dates never go back
 * (the books close), so in each table the date never decreases with id
 * and D's rows are one id range, found by binary searches over ids, each
 * probe one rowid seek (no date index: a b-tree write less for every
 * purchase and every event). 0, or -1 with err. */
int timeline_day_ids(struct db *db, int32_t day, struct timeline_day *out, struct error *err);

/* The customers with an event on D, each once (?1..?6: req_lo, req_hi,
 * ev_lo, ev_hi, dc_lo, dc_hi), to INSERT into a one-column table: a
 * decision of a purchase requested on D is its customer's already (the
 * rowid test is answered from the index, so its row is not read). */
#define SQL_DAY_CUSTOMERS                                                                          \
	" SELECT customer_id FROM events WHERE id BETWEEN ?3 AND ?4"                               \
	" UNION ALL SELECT customer_id FROM memberships WHERE id BETWEEN ?1 AND ?2"                \
	" UNION ALL SELECT customer_id FROM memberships WHERE decided_id BETWEEN ?5 AND ?6"        \
	" AND id NOT BETWEEN ?1 AND ?2"

/* The day in numbers, one range each (?1..?2). PURCHASE_REQUESTED: */
#define SQL_DAY_REQUESTED "SELECT count(*) FROM memberships WHERE id BETWEEN ?1 AND ?2"
/* PAYMENT_APPROVED / PAYMENT_DECLINED (dc_lo..dc_hi): approved, reason, amount. */
#define SQL_DAY_DECISIONS                                                                          \
	"SELECT approved_on IS NOT NULL, decline_reason, amount FROM memberships"                  \
	" WHERE decided_id BETWEEN ?1 AND ?2"
/* The stored events (ev_lo..ev_hi): event, detail, whether it names a
 * membership (CANCEL_REJECTED from payments does, ingest's does not), amount. */
#define SQL_DAY_STORED                                                                             \
	"SELECT event, detail, membership_id IS NOT NULL, amount FROM events"                      \
	" WHERE id BETWEEN ?1 AND ?2"
/* The refunds among them (ev_lo..ev_hi): each refunded amount. */
#define SQL_DAY_REFUNDS                                                                            \
	"SELECT m.refund_amount FROM events e JOIN memberships m ON m.id = e.membership_id"        \
	" WHERE e.id BETWEEN ?1 AND ?2 AND e.event = 'PAYMENT_REFUNDED'"

#endif
