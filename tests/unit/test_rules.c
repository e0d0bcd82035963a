/* test_rules.c — worked numbers for the business rules of SPEC §5: the
 * approval decision and its order, every limit at its exact boundary,
 * renewal windows, term dates and refunds; the end of a term, "active on
 * D", the status as of D and a product's status; and the same rules asked
 * through SQL (rules_sql.c), where an index of expires_on stays usable. */
#include <sqlite3.h>
#include <string.h>

#include "dates.h"
#include "rules.h"
#include "rules_sql.h"
#include "unit.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static int32_t day(const char *s)
{
	int32_t d;
	ck_assert_msg(dates_parse(s, strlen(s), &d) == 0, "bad test date %s", s);
	return d;
}

static void ck_day(int32_t got, const char *want)
{
	char out[DATE_TEXT_LEN + 1];
	dates_format(got, out);
	ck_assert_str_eq(out, want);
}

/* A purchase that every rule approves: the config defaults of SPEC §3. */
static struct rules_purchase base(void)
{
	struct rules_purchase p = {
		.today = day("2026-11-23"),
		.amount = 365000,
		.blocked = 0,
		.max_amount_minor = 10000000,
		.approved_today = 0,
		.max_per_day = 10,
		.held_expires = DATE_NONE,
		.renewal_window_days = 30,
		.has_max_sales = 0,
		.max_sales = 0,
		.sold_count = 0,
		.term_months = 12,
	};
	return p;
}

static struct rules_decision decide(const struct rules_purchase *p)
{
	struct rules_decision d;
	memset(&d, 0x5a, sizeof d);
	rules_decide_purchase(p, &d);
	return d;
}

static void ck_declined(const struct rules_purchase *p, const char *reason)
{
	struct rules_decision d = decide(p);
	ck_assert_int_eq(d.approved, 0);
	ck_assert_ptr_nonnull(d.reason);
	ck_assert_str_eq(d.reason, reason);
	ck_assert_int_eq(d.valid_from, DATE_NONE);
	ck_assert_int_eq(d.expires_on, DATE_NONE);
}

static void ck_approved(const struct rules_purchase *p, const char *from, const char *to)
{
	struct rules_decision d = decide(p);
	ck_assert_msg(d.approved == 1, "declined: %s", d.reason ? d.reason : "(null)");
	ck_assert_ptr_null(d.reason);
	ck_day(d.valid_from, from);
	ck_day(d.expires_on, to);
}

START_TEST(test_plain_approval)
{
	struct rules_purchase p = base();
	ck_approved(&p, "2026-11-23", "2027-11-23");
}
END_TEST

START_TEST(test_term_dates)
{
	struct rules_purchase p = base();
	p.today = day("2028-02-29");
	ck_approved(&p, "2028-02-29", "2029-02-28");
	p.today = day("2026-12-31");
	ck_approved(&p, "2026-12-31", "2027-12-31");
	p.today = day("2026-01-31");
	p.term_months = 1;
	ck_approved(&p, "2026-01-31", "2026-02-28");
	p.term_months = 13;
	p.today = day("2027-01-31");
	ck_approved(&p, "2027-01-31", "2028-02-29");
}
END_TEST

START_TEST(test_blocked)
{
	struct rules_purchase p = base();
	p.blocked = 1;
	ck_declined(&p, "BLOCKED_CUSTOMER");
}
END_TEST

START_TEST(test_amount_limit)
{
	struct rules_purchase p = base();
	p.amount = p.max_amount_minor;
	ck_approved(&p, "2026-11-23", "2027-11-23");
	p.amount = p.max_amount_minor + 1;
	ck_declined(&p, "AMOUNT_LIMIT");
	p.amount = INT64_C(1) << 53;
	ck_declined(&p, "AMOUNT_LIMIT");
	p.max_amount_minor = 0;
	p.amount = 0;
	ck_approved(&p, "2026-11-23", "2027-11-23");
}
END_TEST

/* "More than max_per_day approved": the max-th is approved, the next is not. */
START_TEST(test_velocity_limit)
{
	struct rules_purchase p = base();
	p.approved_today = p.max_per_day - 1;
	ck_approved(&p, "2026-11-23", "2027-11-23");
	p.approved_today = p.max_per_day;
	ck_declined(&p, "VELOCITY_LIMIT");
	p.approved_today = p.max_per_day + 5;
	ck_declined(&p, "VELOCITY_LIMIT");
	p.max_per_day = 1;
	p.approved_today = 0;
	ck_approved(&p, "2026-11-23", "2027-11-23");
	p.approved_today = 1;
	ck_declined(&p, "VELOCITY_LIMIT");
	p.max_per_day = 0;
	p.approved_today = 0;
	ck_declined(&p, "VELOCITY_LIMIT");
}
END_TEST

/* Renewal window 30 days from 2026-11-23: up to 2026-12-23 inclusive. */
static const struct {
	const char *held; /* NULL: holds none */
	const char *from; /* NULL: ALREADY_ACTIVE */
	const char *to;
} renewal_cases[] = {
	{NULL, "2026-11-23", "2027-11-23"},
	{"2026-01-01", "2026-11-23", "2027-11-23"}, /* long expired */
	{"2026-11-22", "2026-11-23", "2027-11-23"}, /* expired yesterday */
	{"2026-11-23", "2026-11-23", "2027-11-23"}, /* expires today: not a renewal */
	{"2026-11-24", "2026-11-24", "2027-11-24"}, /* tomorrow: renewal */
	{"2026-12-22", "2026-12-22", "2027-12-22"},
	{"2026-12-23", "2026-12-23", "2027-12-23"}, /* today + window: renewal */
	{"2026-12-24", NULL, NULL},                 /* today + window + 1 */
	{"2027-11-23", NULL, NULL},
};

START_TEST(test_renewal_window)
{
	struct rules_purchase p = base();
	p.held_expires = renewal_cases[_i].held ? day(renewal_cases[_i].held) : DATE_NONE;
	if (renewal_cases[_i].from == NULL)
		ck_declined(&p, "ALREADY_ACTIVE");
	else
		ck_approved(&p, renewal_cases[_i].from, renewal_cases[_i].to);
}
END_TEST

START_TEST(test_renewal_window_zero)
{
	struct rules_purchase p = base();
	p.renewal_window_days = 0;
	p.held_expires = p.today;
	ck_approved(&p, "2026-11-23", "2027-11-23");
	p.held_expires = p.today + 1;
	ck_declined(&p, "ALREADY_ACTIVE");
}
END_TEST

/* A renewal of a leap-day expiry is clamped like any other term. */
START_TEST(test_renewal_clamped)
{
	struct rules_purchase p = base();
	p.today = day("2028-02-10");
	p.held_expires = day("2028-02-29");
	ck_approved(&p, "2028-02-29", "2029-02-28");
}
END_TEST

START_TEST(test_sold_out)
{
	struct rules_purchase p = base();
	p.has_max_sales = 1;
	p.max_sales = 100;
	p.sold_count = 99;
	ck_approved(&p, "2026-11-23", "2027-11-23");
	p.sold_count = 100;
	ck_declined(&p, "SOLD_OUT");
	p.sold_count = 101;
	ck_declined(&p, "SOLD_OUT");
	p.max_sales = 0;
	p.sold_count = 0;
	ck_declined(&p, "SOLD_OUT");
	p.has_max_sales = 0; /* max_sales is ignored without a limit */
	p.sold_count = 1000000;
	ck_approved(&p, "2026-11-23", "2027-11-23");
}
END_TEST

/* Several rules break at once: the first in SPEC order wins. */
START_TEST(test_decline_order)
{
	struct rules_purchase p = base();
	p.blocked = 1;
	p.amount = p.max_amount_minor + 1;
	p.approved_today = p.max_per_day;
	p.held_expires = p.today + 365;
	p.has_max_sales = 1;
	p.max_sales = 1;
	p.sold_count = 1;
	ck_declined(&p, "BLOCKED_CUSTOMER");
	p.blocked = 0;
	ck_declined(&p, "AMOUNT_LIMIT");
	p.amount = 1;
	ck_declined(&p, "VELOCITY_LIMIT");
	p.approved_today = 0;
	ck_declined(&p, "ALREADY_ACTIVE");
	p.held_expires = DATE_NONE;
	ck_declined(&p, "SOLD_OUT");
	p.sold_count = 0;
	ck_approved(&p, "2026-11-23", "2027-11-23");
}
END_TEST

/* Extreme inputs decide without overflow. */
START_TEST(test_decide_extremes)
{
	struct rules_purchase p = base();
	p.renewal_window_days = INT32_MAX;
	p.held_expires = p.today + 3650;
	ck_approved(&p, "2036-11-20", "2037-11-20");
	p.today = day("9999-12-31");
	p.held_expires = DATE_NONE;
	p.term_months = 0;
	ck_approved(&p, "9999-12-31", "9999-12-31");
}
END_TEST

START_TEST(test_cancellable)
{
	int32_t e = day("2027-11-23");
	ck_assert_int_eq(rules_cancellable(e, e - 1), 1);
	ck_assert_int_eq(rules_cancellable(e, e), 0);
	ck_assert_int_eq(rules_cancellable(e, e + 1), 0);
	ck_assert_int_eq(rules_cancellable(e, day("2026-01-01")), 1);
}
END_TEST

/* The R1: bought and approved 2026-11-23, a 12-month term to
 * 2027-11-23; expire ran for 2027-11-23; a cancel requested 2027-11-22
 * was refunded 2027-11-25. */
#define R1_DECIDED   "2026-11-23"
#define R1_EXPIRES   "2027-11-23"
#define R1_CANCELLED "2027-11-25"

START_TEST(test_term_over)
{
	int32_t e = day(R1_EXPIRES);
	ck_assert_int_eq(rules_expired_through(e), e);
	ck_assert_int_eq(rules_term_over(e, e - 1), 0);
	ck_assert_int_eq(rules_term_over(e, e), 1);
	ck_assert_int_eq(rules_term_over(e, e + 1), 1);
	ck_assert_int_eq(rules_term_over(DATE_NONE, e), 0); /* no term yet */
	/* cancellable is the term not over on C */
	for (int32_t c = e - 3; c <= e + 3; c++)
		ck_assert_int_eq(rules_cancellable(e, c), !rules_term_over(e, c));
	/* The refund of R1's late cancel: floor(120000 × 1 / 365) = 328. */
	ck_assert_int_eq(rules_refund_amount(120000, day(R1_DECIDED), e, e - 1, 7, 1), 328);
}
END_TEST

START_TEST(test_active_on)
{
	int32_t a = day(R1_DECIDED), e = day(R1_EXPIRES), x = day(R1_CANCELLED);
	ck_assert_int_eq(rules_active_on(a, a, e, DATE_NONE, a - 1), 0);
	ck_assert_int_eq(rules_active_on(a, a, e, DATE_NONE, a), 1);
	ck_assert_int_eq(rules_active_on(a, a, e, DATE_NONE, e - 1), 1);
	ck_assert_int_eq(rules_active_on(a, a, e, DATE_NONE, e), 0);
	/* cancelled after the expiry (the cancel was requested before it):
	 * active up to the expiry all the same */
	ck_assert_int_eq(rules_active_on(a, a, e, x, e - 1), 1);
	ck_assert_int_eq(rules_active_on(a, a, e, x, x), 0);
	/* cancelled 2027-06-01: active the day before, not on it */
	int32_t c = day("2027-06-01");
	ck_assert_int_eq(rules_active_on(a, a, e, c, c - 1), 1);
	ck_assert_int_eq(rules_active_on(a, a, e, c, c), 0);
	/* a renewal approved 2027-11-01 runs from 2027-11-23 to 2028-11-23 */
	int32_t ra = day("2027-11-01"), rv = e, re = day("2028-11-23");
	ck_assert_int_eq(rules_active_on(ra, rv, re, DATE_NONE, day("2027-11-10")), 0);
	ck_assert_int_eq(rules_active_on(ra, rv, re, DATE_NONE, rv), 1);
	ck_assert_int_eq(rules_active_on(ra, rv, re, DATE_NONE, re - 1), 1);
	ck_assert_int_eq(rules_active_on(ra, rv, re, DATE_NONE, re), 0);
	/* not approved (pending, declined, voided) */
	ck_assert_int_eq(rules_active_on(DATE_NONE, DATE_NONE, DATE_NONE, DATE_NONE, a), 0);
}
END_TEST

static const struct {
	const char *decided; /* "" = DATE_NONE */
	int declined;
	const char *cancelled, *expired, *expires, *d, *want;
} status_cases[] = {
	/* R1, expire run: pending, active, expired, then cancelled */
	{R1_DECIDED, 0, R1_CANCELLED, R1_EXPIRES, R1_EXPIRES, "2026-11-22", "PENDING_PAYMENT"},
	{R1_DECIDED, 0, R1_CANCELLED, R1_EXPIRES, R1_EXPIRES, R1_DECIDED, "ACTIVE"},
	{R1_DECIDED, 0, R1_CANCELLED, R1_EXPIRES, R1_EXPIRES, "2027-11-22", "ACTIVE"},
	{R1_DECIDED, 0, R1_CANCELLED, R1_EXPIRES, R1_EXPIRES, R1_EXPIRES, "EXPIRED"},
	{R1_DECIDED, 0, R1_CANCELLED, R1_EXPIRES, R1_EXPIRES, "2027-11-24", "EXPIRED"},
	{R1_DECIDED, 0, R1_CANCELLED, R1_EXPIRES, R1_EXPIRES, R1_CANCELLED, "CANCELLED"},
	/* R1, expire never run: the same answers */
	{R1_DECIDED, 0, R1_CANCELLED, "", R1_EXPIRES, "2027-11-22", "ACTIVE"},
	{R1_DECIDED, 0, R1_CANCELLED, "", R1_EXPIRES, R1_EXPIRES, "EXPIRED"},
	{R1_DECIDED, 0, R1_CANCELLED, "", R1_EXPIRES, R1_CANCELLED, "CANCELLED"},
	/* declined */
	{R1_DECIDED, 1, "", "", "", "2026-11-22", "PENDING_PAYMENT"},
	{R1_DECIDED, 1, "", "", "", R1_DECIDED, "DECLINED"},
	{R1_DECIDED, 1, "", "", "", "2030-01-01", "DECLINED"},
	/* voided: cancelled before any decision */
	{"", 0, R1_DECIDED, "", "", "2026-11-22", "PENDING_PAYMENT"},
	{"", 0, R1_DECIDED, "", "", R1_DECIDED, "CANCELLED"},
};

static int32_t day_or_none(const char *s)
{
	return s[0] ? day(s) : DATE_NONE;
}

START_TEST(test_status_as_of)
{
	const __typeof__(status_cases[0]) *t = &status_cases[_i];
	ck_assert_str_eq(rules_status_as_of(day_or_none(t->decided), t->declined,
					    day_or_none(t->cancelled), day_or_none(t->expired),
					    day_or_none(t->expires), day(t->d)),
			 t->want);
}
END_TEST

START_TEST(test_product_status)
{
	int32_t u = day("2026-12-31");
	ck_assert_str_eq(rules_product_status(0, u, u), "ACTIVE");
	ck_assert_str_eq(rules_product_status(0, u, u + 1), "EXPIRED");
	ck_assert_str_eq(rules_product_status(0, DATE_NONE, u + 1), "ACTIVE");
	ck_assert_str_eq(rules_product_status(1, u, u), "DELETED");
	ck_assert_str_eq(rules_product_status(1, DATE_NONE, u), "DELETED");
}
END_TEST

/* One value from SQL, as text ("" for NULL). */
static void sql_text(sqlite3 *h, const char *sql, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *t = sqlite3_column_text(st, 0);
	snprintf(out, n, "%s", t ? (const char *)t : "");
	sqlite3_finalize(st);
}

#define CK_SQL(h, sql, want)                                                                       \
	do {                                                                                       \
		char got_[256];                                                                    \
		sql_text(h, sql, got_, sizeof got_);                                               \
		ck_assert_msg(strcmp(got_, want) == 0, "%s: got \"%s\", want \"%s\"", sql, got_,   \
			      want);                                                               \
	} while (0)

/* The SQL functions answer as the C rules, NULL being "no date". Dates:
 * 2026-11-23 = 20780, 2027-11-23 = 21145, 2027-11-25 = 21147. */
START_TEST(test_sql_functions)
{
	sqlite3 *h = NULL;
	ck_assert_int_eq(sqlite3_open(":memory:", &h), SQLITE_OK);
	ck_assert_int_eq(rules_sql_register(h), SQLITE_OK);
	ck_assert_int_eq(day(R1_DECIDED), 20780);
	ck_assert_int_eq(day(R1_EXPIRES), 21145);
	CK_SQL(h, "SELECT rules_on_sale(NULL, 30000)", "1");
	CK_SQL(h, "SELECT rules_on_sale(21000, 21000)", "1");
	CK_SQL(h, "SELECT rules_on_sale(21000, 21001)", "0");
	CK_SQL(h, "SELECT rules_product_status(0, 21000, 21001)", "EXPIRED");
	CK_SQL(h, "SELECT rules_product_status(1, NULL, 21001)", "DELETED");
	CK_SQL(h, "SELECT rules_expired_through(21145)", "21145");
	CK_SQL(h, "SELECT rules_expired_through(NULL)", "");
	CK_SQL(h, "SELECT rules_term_over(21145, 21144) || rules_term_over(21145, 21145)", "01");
	CK_SQL(h, "SELECT rules_term_over(NULL, 21145)", "0");
	CK_SQL(h, "SELECT rules_cancellable(21145, 21144) || rules_cancellable(21145, 21145)",
	       "10");
	CK_SQL(h, "SELECT rules_active_on(20780, 20780, 21145, 21147, 21144)", "1");
	CK_SQL(h, "SELECT rules_active_on(20780, 20780, 21145, 21147, 21145)", "0");
	CK_SQL(h, "SELECT rules_active_on(NULL, NULL, NULL, NULL, 21145)", "0");
	CK_SQL(h, "SELECT rules_status_as_of(20780, 0, 21147, 21145, 21145, 21146)", "EXPIRED");
	CK_SQL(h, "SELECT rules_status_as_of(20780, 0, 21147, 21145, 21145, 21147)", "CANCELLED");
	CK_SQL(h, "SELECT rules_status_as_of(20780, 0, NULL, NULL, 21145, 21144)", "ACTIVE");
	CK_SQL(h, "SELECT rules_status_as_of(20780, 1, NULL, NULL, NULL, 20780)", "DECLINED");
	CK_SQL(h, "SELECT rules_status_as_of(NULL, 0, NULL, NULL, NULL, 20780)", "PENDING_PAYMENT");
	/* A bound from rules_expired_through keeps the expiry index in use:
	 * expire walks it rather than every active membership. */
	char plan[256];
	ck_assert_int_eq(
		sqlite3_exec(h,
			     "CREATE TABLE m (id INTEGER PRIMARY KEY, status TEXT, expires_on INT);"
			     "CREATE INDEX m_expiry ON m (expires_on) WHERE status = 'ACTIVE';",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_stmt *st = NULL;
	ck_assert_int_eq(
		sqlite3_prepare_v2(h,
				   "EXPLAIN QUERY PLAN SELECT id FROM m WHERE status = 'ACTIVE'"
				   " AND expires_on <= rules_expired_through(21145)"
				   " ORDER BY expires_on LIMIT 1",
				   -1, &st, NULL),
		SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(plan, sizeof plan, "%s", (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	ck_assert_msg(strstr(plan, "USING INDEX m_expiry (expires_on<?)") != NULL, "plan: %s",
		      plan);
	sqlite3_close(h);
}
END_TEST

START_TEST(test_on_sale)
{
	int32_t u = day("2026-12-31");
	ck_assert_int_eq(rules_on_sale(u, u - 1), 1);
	ck_assert_int_eq(rules_on_sale(u, u), 1);
	ck_assert_int_eq(rules_on_sale(u, u + 1), 0);
	ck_assert_int_eq(rules_on_sale(DATE_NONE, day("9999-12-31")), 1);
	ck_assert_int_eq(rules_on_sale(DATE_NONE, DATE_NONE + 1), 1);
}
END_TEST

/* V = 2026-01-01, a 365-day term to 2027-01-01, full refund for 7 days. */
#define V 20454 /* 2026-01-01 */
static const struct {
	int64_t amount;
	int32_t valid_from, expires_on, c;
	int full_days, prorated;
	int64_t want;
} refund_cases[] = {
	{365000, V, V + 365, V + 100, 7, 1, 265000},
	{365000, V, V + 365, V + 100, 7, 0, 0},
	{365000, V, V + 365, V, 7, 1, 365000},     /* first day */
	{365000, V, V + 365, V + 6, 7, 1, 365000}, /* last full-refund day */
	{365000, V, V + 365, V + 6, 7, 0, 365000}, /* full even with none */
	{365000, V, V + 365, V + 7, 7, 1, 358000}, /* first prorated day */
	{365000, V, V + 365, V + 7, 7, 0, 0},
	{365000, V, V + 365, V + 364, 7, 1, 1000}, /* last day */
	{365000, V, V + 365, V + 365, 7, 1, 0},    /* expired */
	{365000, V, V + 365, V + 400, 7, 1, 0},
	{365000, V, V + 365, V - 30, 0, 1, 365000}, /* renewal not started */
	{365000, V, V + 365, V - 30, 0, 0, 365000},
	{365000, V, V + 365, V, 0, 1, 365000}, /* no full days: c = V */
	{365000, V, V + 365, V + 1, 0, 1, 364000},
	{100, V, V + 3, V + 1, 0, 1, 66},  /* floor(200/3) */
	{100, V, V + 3, V + 2, 0, 1, 33},  /* floor(100/3) */
	{1, V, V + 365, V + 100, 0, 1, 0}, /* floor(265/365) */
	{0, V, V + 365, V, 7, 1, 0},
	{-5, V, V + 365, V, 7, 1, 0}, /* never negative */
	/* 2^53 minor units: the product needs more than 64 bits */
	{INT64_C(9007199254740992), V, V + 365, V + 100, 7, 1, INT64_C(6539473431524281)},
	{INT64_C(9007199254740992), V, V + 365, V + 364, 7, 1, INT64_C(24677258232167)},
	{INT64_MAX, V, V + 365, V + 364, 7, 1, INT64_C(25269512429739111)},
	/* a term of no days: full while cancellable, then nothing */
	{365000, V, V, V - 1, 0, 1, 365000},
	{365000, V, V, V, 0, 1, 0},
	{365000, V, V - 10, V + 5, 0, 1, 0},
	/* far-apart days do not overflow */
	{1000, INT32_MIN + 1, INT32_MAX, 0, 0, 1, 500},
	{1000, 0, 10, 5, INT32_MAX, 1, 1000},
};

START_TEST(test_refund_table)
{
	int64_t got = rules_refund_amount(refund_cases[_i].amount, refund_cases[_i].valid_from,
					  refund_cases[_i].expires_on, refund_cases[_i].c,
					  refund_cases[_i].full_days, refund_cases[_i].prorated);
	ck_assert_int_eq(got, refund_cases[_i].want);
}
END_TEST

/* Over a whole term the prorated refund never grows and stays in [0, amount]. */
START_TEST(test_refund_monotonic)
{
	int32_t v = day("2028-02-29"), e = dates_add_months(v, 12);
	int64_t prev = 999999;
	for (int32_t c = v - 40; c <= e + 40; c++) {
		int64_t r = rules_refund_amount(999999, v, e, c, 7, 1);
		ck_assert(r >= 0 && r <= 999999);
		ck_assert(r <= prev);
		prev = r;
	}
	ck_assert_int_eq(prev, 0);
}
END_TEST

static Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("decide");
	tcase_add_test(tc, test_plain_approval);
	tcase_add_test(tc, test_term_dates);
	tcase_add_test(tc, test_blocked);
	tcase_add_test(tc, test_amount_limit);
	tcase_add_test(tc, test_velocity_limit);
	tcase_add_loop_test(tc, test_renewal_window, 0, LEN(renewal_cases));
	tcase_add_test(tc, test_renewal_window_zero);
	tcase_add_test(tc, test_renewal_clamped);
	tcase_add_test(tc, test_sold_out);
	tcase_add_test(tc, test_decline_order);
	tcase_add_test(tc, test_decide_extremes);
	suite_add_tcase(s, tc);

	tc = tcase_create("cancel");
	tcase_add_test(tc, test_cancellable);
	tcase_add_test(tc, test_on_sale);
	tcase_add_test(tc, test_term_over);
	tcase_add_test(tc, test_active_on);
	tcase_add_loop_test(tc, test_status_as_of, 0, LEN(status_cases));
	tcase_add_test(tc, test_product_status);
	tcase_add_test(tc, test_sql_functions);
	tcase_add_loop_test(tc, test_refund_table, 0, LEN(refund_cases));
	tcase_add_test(tc, test_refund_monotonic);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(rules_suite, "rules")
