/* test_validate.c — the shape rules of inbox files (SPEC §4.3, §4.4): which
 * kind a header tells, every header fault, and every row reason code that
 * lib/validate can give, each checked by its exact string, at its boundary,
 * in the order the checks run, with the values parsed from valid rows.
 * Not for: rules that need the books (duplicates, unknown products…). */
#include <stdint.h>
#include <string.h>

#include "dates.h"
#include "money.h"
#include "unit.h"
#include "validate.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The business date of every row test, and the first instant after it:
 * 2026-11-24T00:00 in Seoul is 2026-11-23T15:00:00Z (checked with Python). */
#define DATE_TEXT   "2026-11-23"
#define DAY_END     INT64_C(1795446000)
#define TS_OK       "2026-11-23T10:00:00" /* Seoul: 2026-11-23T01:00:00Z */
#define TS_OK_EPOCH (DAY_END - 14 * 3600)
#define TWO53       INT64_C(9007199254740992)

/* Ids at the 64-character limit and one past it. */
#define A8   "aaaaaaaa"
#define ID64 A8 A8 A8 A8 A8 A8 A8 A8
#define ID65 ID64 "b"
/* Names at the 200-character limit and one past it: ASCII (1 byte each),
 * Hangul (3 bytes each) and emoji (4 bytes each) — all under 1024 bytes. */
#define A10  "aaaaaaaaaa"
#define A50  A10 A10 A10 A10 A10
#define A200 A50 A50 A50 A50
#define H10  "가나다라마바사아자차"
#define H50  H10 H10 H10 H10 H10
#define H200 H50 H50 H50 H50
#define E10  "😀😀😀😀😀😀😀😀😀😀"
#define E50  E10 E10 E10 E10 E10
#define E200 E50 E50 E50 E50

/* --- headers --------------------------------------------------------------- */

static char *prod_full[] = {"action", "product_id", "name", "price", "sale_until", "max_sales"};
static char *prod_min[] = {"price", "name", "product_id", "action"};
static char *pur_full[] = {"request_id", "customer_id", "product_id", "amount", "requested_at"};
static char *pur_perm[] = {"requested_at", "_note",       "amount",
			   "product_id",   "customer_id", "request_id"};
static char *can_full[] = {"request_id", "customer_id", "purchase_request_id", "requested_at",
			   "reason"};
static char *can_min[] = {"purchase_request_id", "requested_at", "customer_id", "request_id"};

/* The headers the row tables use. */
enum { H_PROD, H_PROD_MIN, H_PUR, H_PUR_PERM, H_CAN, H_CAN_MIN, NHDR };
static struct {
	char **names;
	size_t n;
} hdr_names[NHDR] = {
	[H_PROD] = {prod_full, LEN(prod_full)}, [H_PROD_MIN] = {prod_min, LEN(prod_min)},
	[H_PUR] = {pur_full, LEN(pur_full)},    [H_PUR_PERM] = {pur_perm, LEN(pur_perm)},
	[H_CAN] = {can_full, LEN(can_full)},    [H_CAN_MIN] = {can_min, LEN(can_min)},
};
static struct header hdrs[NHDR];
static struct validate_ctx ctx0, ctx2;

/* Once per test case (in the parent under fork mode): the zone naive
 * timestamps are read in, the end of the business day, the headers. */
static void setup(void)
{
	static int ready;
	if (ready)
		return;
	struct error err;
	error_clear(&err);
	ck_assert_msg(dates_use_zone("Asia/Seoul", &err) == 0, "zone: %s", err.msg);
	int64_t end = dates_local_midnight(dates_from_civil(2026, 11, 24));
	ck_assert_int_eq(end, DAY_END);
	ctx0 = (struct validate_ctx){
		.minor_digits = 0, .max_field_bytes = 1024, .day_end = end, .date_text = DATE_TEXT};
	ctx2 = ctx0;
	ctx2.minor_digits = 2;
	for (int i = 0; i < NHDR; i++) {
		unsigned char tl[8] = {0};
		struct verdict v = {0};
		ck_assert_msg(
			validate_header(hdr_names[i].names, tl, hdr_names[i].n, &hdrs[i], &v) == 0,
			"header %d: %s", i, v.message);
	}
	ready = 1;
}

/* --- validate_kind ---------------------------------------------------------- */

static const struct {
	const char *names[6];
	enum kind want;
} kind_cases[] = {
	{{"action", "product_id", "name", "price"}, KIND_PRODUCTS},
	{{"action"}, KIND_PRODUCTS},
	{{"request_id", "customer_id", "product_id", "amount", "requested_at"}, KIND_PURCHASES},
	{{"amount"}, KIND_PURCHASES},
	{{"request_id", "customer_id", "purchase_request_id", "requested_at"}, KIND_CANCELS},
	{{"purchase_request_id"}, KIND_CANCELS},
	/* action wins over the others, purchase_request_id over amount */
	{{"amount", "purchase_request_id", "action"}, KIND_PRODUCTS},
	{{"amount", "purchase_request_id"}, KIND_CANCELS},
	/* no telling column: exact, case-sensitive names only */
	{{"request_id", "customer_id", "product_id", "requested_at"}, KIND_UNKNOWN},
	{{"Action", "AMOUNT", " purchase_request_id"}, KIND_UNKNOWN},
	{{"action ", "_action", "amounts"}, KIND_UNKNOWN},
	{{""}, KIND_UNKNOWN},
	{{NULL}, KIND_UNKNOWN},
};

START_TEST(test_kind)
{
	char *names[6];
	size_t n = 0;
	while (n < 6 && kind_cases[_i].names[n] != NULL) {
		names[n] = (char *)kind_cases[_i].names[n];
		n++;
	}
	ck_assert_int_eq(validate_kind(names, n), kind_cases[_i].want);
}
END_TEST

START_TEST(test_kind_names)
{
	ck_assert_str_eq(kind_names[KIND_PRODUCTS], "products");
	ck_assert_str_eq(kind_names[KIND_PURCHASES], "purchases");
	ck_assert_str_eq(kind_names[KIND_CANCELS], "cancels");
	static const char *const spec[NCOLS] = {
		[C_ACTION] = "action",
		[C_PRODUCT_ID] = "product_id",
		[C_NAME] = "name",
		[C_PRICE] = "price",
		[C_SALE_UNTIL] = "sale_until",
		[C_MAX_SALES] = "max_sales",
		[C_REQUEST_ID] = "request_id",
		[C_CUSTOMER_ID] = "customer_id",
		[C_AMOUNT] = "amount",
		[C_REQUESTED_AT] = "requested_at",
		[C_PURCHASE_REQUEST_ID] = "purchase_request_id",
		[C_REASON] = "reason",
	};
	for (int c = 0; c < NCOLS; c++)
		ck_assert_str_eq(col_names[c], spec[c]);
}
END_TEST

/* --- validate_header ---------------------------------------------------------- */

/* A header case: the names, which of them are too long (bit i: name i),
 * and either the kind told or NULL for the expected start of a BAD_HEADER
 * message. */
struct hcase {
	const char *names[10];
	unsigned too_long;
	enum kind kind;
	const char *msg;
};
#define HOK(k, ...)                                                                                \
	{                                                                                          \
		{__VA_ARGS__, NULL}, 0, k, NULL                                                    \
	}
#define HBAD(msg, ...)                                                                             \
	{                                                                                          \
		{__VA_ARGS__, NULL}, 0, KIND_UNKNOWN, msg                                          \
	}
#define HLONG(mask, msg, ...)                                                                      \
	{                                                                                          \
		{__VA_ARGS__, NULL}, mask, KIND_UNKNOWN, msg                                       \
	}

static const struct hcase header_cases[] = {
	/* full and minimal headers of each kind, in SPEC order */
	HOK(KIND_PRODUCTS, "action", "product_id", "name", "price", "sale_until", "max_sales"),
	HOK(KIND_PRODUCTS, "action", "product_id", "name", "price"),
	HOK(KIND_PRODUCTS, "action", "product_id", "name", "price", "max_sales"),
	HOK(KIND_PURCHASES, "request_id", "customer_id", "product_id", "amount", "requested_at"),
	HOK(KIND_CANCELS, "request_id", "customer_id", "purchase_request_id", "requested_at",
	    "reason"),
	HOK(KIND_CANCELS, "request_id", "customer_id", "purchase_request_id", "requested_at"),
	/* any order */
	HOK(KIND_PRODUCTS, "max_sales", "price", "sale_until", "name", "product_id", "action"),
	HOK(KIND_PURCHASES, "requested_at", "amount", "product_id", "customer_id", "request_id"),
	HOK(KIND_CANCELS, "reason", "requested_at", "purchase_request_id", "customer_id",
	    "request_id"),
	/* `_` columns are ignored, wherever they stand (a corrected .rejects.csv) */
	HOK(KIND_PURCHASES, "request_id", "customer_id", "product_id", "amount", "requested_at",
	    "_line", "_reason", "_message"),
	HOK(KIND_PRODUCTS, "_", "action", "_price", "product_id", "name", "price", "_x"),
	HOK(KIND_CANCELS, "_action", "request_id", "customer_id", "purchase_request_id",
	    "requested_at"),
	/* twice too: a .rejects.csv dropped back with _ columns of its own */
	HOK(KIND_PURCHASES, "_x", "request_id", "customer_id", "product_id", "amount",
	    "requested_at", "_x", "_line", "_line"),
	/* no kind */
	HBAD("the header matches no file kind", "request_id", "customer_id", "product_id",
	     "requested_at"),
	HBAD("the header matches no file kind", "_line", "_reason", "_message"),
	HBAD("the header matches no file kind", "Action", "product_id", "name", "price"),
	HBAD("the header matches no file kind", ""),
	/* a column twice (before the kind is even told) */
	HBAD("column product_id appears twice", "action", "product_id", "name", "price",
	     "product_id"),
	HBAD("column amount appears twice", "request_id", "customer_id", "product_id", "amount",
	     "requested_at", "amount"),
	HBAD("column reason appears twice", "reason", "request_id", "customer_id",
	     "purchase_request_id", "requested_at", "reason"),
	HBAD("column x appears twice", "x", "x"),
	/* a column unknown to the kind */
	HBAD("unknown column colour in a products file", "action", "product_id", "name", "price",
	     "colour"),
	HBAD("unknown column amount in a products file", "action", "product_id", "name", "price",
	     "amount"),
	HBAD("unknown column purchase_request_id in a products file", "action", "product_id",
	     "name", "price", "purchase_request_id"),
	HBAD("unknown column reason in a purchases file", "request_id", "customer_id", "product_id",
	     "amount", "requested_at", "reason"),
	HBAD("unknown column sale_until in a purchases file", "request_id", "customer_id",
	     "product_id", "amount", "requested_at", "sale_until"),
	HBAD("unknown column product_id in a cancels file", "request_id", "customer_id",
	     "purchase_request_id", "requested_at", "product_id"),
	HBAD("unknown column amount in a cancels file", "request_id", "customer_id",
	     "purchase_request_id", "requested_at", "amount"),
	HBAD("unknown column Price in a products file", "action", "product_id", "name", "Price"),
	HBAD("unknown column  price in a products file", "action", "product_id", "name", " price"),
	HBAD("unknown column  in a purchases file", "request_id", "customer_id", "product_id",
	     "amount", "requested_at", ""),
	/* a required column missing */
	HBAD("a products file needs the column product_id", "action", "name", "price"),
	HBAD("a products file needs the column name", "action", "product_id", "price"),
	HBAD("a products file needs the column price", "action", "product_id", "name", "sale_until",
	     "max_sales"),
	HBAD("a purchases file needs the column request_id", "customer_id", "product_id", "amount",
	     "requested_at"),
	HBAD("a purchases file needs the column customer_id", "request_id", "product_id", "amount",
	     "requested_at"),
	HBAD("a purchases file needs the column product_id", "request_id", "customer_id", "amount",
	     "requested_at"),
	HBAD("a purchases file needs the column requested_at", "request_id", "customer_id",
	     "product_id", "amount"),
	HBAD("a cancels file needs the column request_id", "customer_id", "purchase_request_id",
	     "requested_at"),
	HBAD("a cancels file needs the column customer_id", "request_id", "purchase_request_id",
	     "requested_at", "reason"),
	HBAD("a cancels file needs the column requested_at", "request_id", "customer_id",
	     "purchase_request_id"),
	/* a header cell cut by csvin names no column (an ignored one aside) */
	HLONG(1u << 0, "unknown column action (too long)", "action", "product_id", "name", "price"),
	HLONG(1u << 4, "unknown column requested_at (too long)", "request_id", "customer_id",
	      "product_id", "amount", "requested_at"),
	{{"request_id", "customer_id", "product_id", "amount", "requested_at", "_note", NULL},
	 1u << 5,
	 KIND_PURCHASES,
	 NULL},
};

START_TEST(test_header)
{
	const struct hcase *c = &header_cases[_i];
	char *names[10];
	unsigned char tl[10];
	size_t n = 0;
	while (c->names[n] != NULL) {
		names[n] = (char *)c->names[n];
		tl[n] = (c->too_long >> n) & 1u;
		n++;
	}
	struct header h;
	struct verdict v = {0};
	memset(&h, 0x5a, sizeof h);
	int rc = validate_header(names, tl, n, &h, &v);
	if (c->msg == NULL) {
		ck_assert_msg(rc == 0, "case %d: %s %s", _i, v.reason ? v.reason : "", v.message);
		ck_assert_int_eq(h.kind, c->kind);
		ck_assert_uint_eq(h.ncols, n);
		/* each column of the kind is found where it stands, the rest -1 */
		for (int col = 0; col < NCOLS; col++) {
			int want = -1;
			for (size_t i = 0; i < n; i++)
				if (strcmp(names[i], col_names[col]) == 0)
					want = (int)i;
			ck_assert_msg(h.colidx[col] == want, "case %d: %s at %d, want %d", _i,
				      col_names[col], h.colidx[col], want);
		}
	} else {
		ck_assert_msg(rc == -1, "case %d accepted", _i);
		ck_assert_ptr_nonnull(v.reason);
		ck_assert_str_eq(v.reason, "BAD_HEADER");
		ck_assert_msg(strncmp(v.message, c->msg, strlen(c->msg)) == 0,
			      "case %d: message \"%s\", want \"%s…\"", _i, v.message, c->msg);
	}
}
END_TEST

/* A header name in a message is printable ASCII of at most 64 bytes, so a
 * hostile header cannot put control bytes or a novel into a log line. */
START_TEST(test_header_message_sanitized)
{
	char *names[] = {"action", "product_id", "name", "price", "col\x1b[31m\ncolour"};
	unsigned char tl[5] = {0};
	struct header h;
	struct verdict v = {0};
	ck_assert_int_eq(validate_header(names, tl, 5, &h, &v), -1);
	ck_assert_str_eq(v.reason, "BAD_HEADER");
	ck_assert_str_eq(v.message, "unknown column col?[31m?colour in a products file");

	char *longn[] = {"amount", ID65 ID65};
	ck_assert_int_eq(validate_header(longn, tl, 2, &h, &v), -1);
	ck_assert_str_eq(v.message, "unknown column " ID64 " in a purchases file");
}
END_TEST

/* --- validate_id ---------------------------------------------------------------- */

static const struct {
	const char *s;
	int dot_colon, want;
} id_cases[] = {
	{"a", 0, 1},
	{"Z9_-z", 0, 1},
	{ID64, 0, 1},
	{ID64, 1, 1},
	{ID65, 0, 0},
	{ID65, 1, 0},
	{"", 0, 0},
	{"", 1, 0},
	{"a.b", 0, 0},
	{"a.b", 1, 1},
	{"a:b", 0, 0},
	{"a:b", 1, 1},
	{".", 1, 0},
	{":", 1, 0},
	{"a b", 1, 0},
	{"a/b", 1, 0},
	{"a,b", 1, 0},
	{"a\"b", 1, 0},
	{"a\tb", 1, 0},
	{"é", 1, 0},
	{"a\\b", 1, 0},
	{"a+b", 1, 0},
	{"a@b", 1, 0},
	{" a", 0, 0},
	{"a ", 0, 0},
	{"２", 0, 0},
	/* the first a letter or digit (SPEC §4.3) */
	{"-C1", 0, 0},
	{"_x", 0, 0},
	{"-C1", 1, 0},
	{"_x", 1, 0},
	{".a", 1, 0},
	{":a", 1, 0},
	{"9", 0, 1},
	{"Z", 1, 1},
	{"a-", 0, 1},
	{"a_", 0, 1},
	{"a.", 1, 1},
	{"1:", 1, 1},
	{"-", 0, 0},
	{"_", 0, 0},
};

START_TEST(test_id)
{
	ck_assert_msg(validate_id(id_cases[_i].s, id_cases[_i].dot_colon) == id_cases[_i].want,
		      "validate_id(\"%s\", %d)", id_cases[_i].s, id_cases[_i].dot_colon);
}
END_TEST

/* --- validate_fail -------------------------------------------------------------- */

START_TEST(test_fail)
{
	struct verdict v = {0};
	ck_assert_int_eq(validate_fail(&v, "BAD_ID", "%s is %d", "x", 7), -1);
	ck_assert_str_eq(v.reason, "BAD_ID");
	ck_assert_str_eq(v.message, "x is 7");

	char big[VERDICT_MSG_MAX * 2];
	memset(big, 'm', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(validate_fail(&v, "MALFORMED_ROW", "%s", big), -1);
	ck_assert_str_eq(v.reason, "MALFORMED_ROW");
	ck_assert_uint_eq(strlen(v.message), VERDICT_MSG_MAX - 1);
}
END_TEST

/* --- validate_row: the tables ----------------------------------------------------- */

/* What a valid row's case checks besides "accepted". */
enum want {
	W_NONE,
	W_ACTION,     /* r.action */
	W_PRICE,      /* r.price, minor units */
	W_AMOUNT,     /* r.amount, minor units */
	W_SALE_UNTIL, /* r.sale_until, days (given, not none) */
	W_SALE_NONE,  /* `none`: given and none */
	W_SALE_EMPTY, /* not given */
	W_MAX_SALES,  /* r.max_sales (given, not none) */
	W_MAX_NONE,   /* `none`: given and none */
	W_AT,         /* r.requested_at, UTC epoch seconds */
};

/* A row case: header, fields (NULL ends them), too-long flags (bit i:
 * field i), and either the reason code with the start of its message, or
 * NULL and what to check of the parsed row. */
struct rcase {
	int hdr;
	const char *f[8];
	unsigned too_long;
	const char *reason;
	const char *msg;
	enum want what;
	int64_t want;
};
#define BAD(h, reason, msg, ...)                                                                   \
	{                                                                                          \
		h, {__VA_ARGS__, NULL}, 0, reason, msg, W_NONE, 0                                  \
	}
#define LONG(h, mask, reason, msg, ...)                                                            \
	{                                                                                          \
		h, {__VA_ARGS__, NULL}, mask, reason, msg, W_NONE, 0                               \
	}
#define OK(h, what, want, ...)                                                                     \
	{                                                                                          \
		h, {__VA_ARGS__, NULL}, 0, NULL, NULL, what, want                                  \
	}

/* A valid purchase and a valid cancel, to vary one field at a time. */
#define PUR(rid, cid, pid, amount, at)  rid, cid, pid, amount, at
#define CAN(rid, cid, prid, at, reason) rid, cid, prid, at, reason

static void run_case(const struct validate_ctx *ctx, const struct rcase *c, const char *table,
		     int idx)
{
	char *fields[8];
	unsigned char tl[8];
	size_t n = 0;
	while (n < 8 && c->f[n] != NULL) {
		fields[n] = (char *)c->f[n];
		tl[n] = (c->too_long >> n) & 1u;
		n++;
	}
	struct row r;
	struct verdict v = {0};
	memset(&r, 0x5a, sizeof r);
	int rc = validate_row(ctx, &hdrs[c->hdr], fields, tl, n, &r, &v);
	if (c->reason != NULL) {
		ck_assert_msg(rc == -1, "%s[%d]: accepted, want %s", table, idx, c->reason);
		ck_assert_ptr_nonnull(v.reason);
		ck_assert_msg(strcmp(v.reason, c->reason) == 0, "%s[%d]: %s (%s), want %s", table,
			      idx, v.reason, v.message, c->reason);
		if (c->msg != NULL)
			ck_assert_msg(strncmp(v.message, c->msg, strlen(c->msg)) == 0,
				      "%s[%d]: message \"%s\", want \"%s…\"", table, idx, v.message,
				      c->msg);
		return;
	}
	ck_assert_msg(rc == 0, "%s[%d]: rejected %s: %s", table, idx, v.reason ? v.reason : "?",
		      v.message);
	/* every column of the header reads its own field */
	for (int col = 0; col < NCOLS; col++) {
		int at = hdrs[c->hdr].colidx[col];
		ck_assert_str_eq(r.f[col], at >= 0 ? c->f[at] : "");
	}
	switch (c->what) {
	case W_NONE:
		break;
	case W_ACTION:
		ck_assert_int_eq(r.action, c->want);
		break;
	case W_PRICE:
		ck_assert_int_eq(r.price, c->want);
		break;
	case W_AMOUNT:
		ck_assert_int_eq(r.amount, c->want);
		ck_assert_int_eq(r.amount_ok, 1);
		break;
	case W_SALE_UNTIL:
		ck_assert_int_eq(r.sale_until_given, 1);
		ck_assert_int_eq(r.sale_until_none, 0);
		ck_assert_int_eq(r.sale_until, c->want);
		break;
	case W_SALE_NONE:
		ck_assert_int_eq(r.sale_until_given, 1);
		ck_assert_int_eq(r.sale_until_none, 1);
		ck_assert_int_eq(r.sale_until, DATE_NONE);
		break;
	case W_SALE_EMPTY:
		ck_assert_int_eq(r.sale_until_given, 0);
		ck_assert_int_eq(r.sale_until_none, 0);
		ck_assert_int_eq(r.sale_until, DATE_NONE);
		break;
	case W_MAX_SALES:
		ck_assert_int_eq(r.max_sales_given, 1);
		ck_assert_int_eq(r.max_sales_none, 0);
		ck_assert_int_eq(r.max_sales, c->want);
		break;
	case W_MAX_NONE:
		ck_assert_int_eq(r.max_sales_given, 1);
		ck_assert_int_eq(r.max_sales_none, 1);
		break;
	case W_AT:
		ck_assert_int_eq(r.requested_at, c->want);
		break;
	}
}

#define ROW_TEST(name, table, ctx)                                                                 \
	START_TEST(name)                                                                           \
	{                                                                                          \
		run_case(&(ctx), &(table)[_i], #table, _i);                                        \
	}                                                                                          \
	END_TEST

/* MALFORMED_ROW: a field count other than the header's, whatever the fields. */
static const struct rcase malformed_cases[] = {
	BAD(H_PUR, "MALFORMED_ROW", "row has 4 fields, the header has 5", "r-1", "c-1", "p-1",
	    "365000"),
	BAD(H_PUR, "MALFORMED_ROW", "row has 6 fields, the header has 5",
	    PUR("r-1", "c-1", "p-1", "365000", TS_OK), ""),
	BAD(H_PUR, "MALFORMED_ROW", "row has 1 fields, the header has 5", ""),
	BAD(H_PUR, "MALFORMED_ROW", "row has 0 fields, the header has 5", NULL),
	BAD(H_PROD, "MALFORMED_ROW", "row has 5 fields, the header has 6", "add", "p-1", "Gold",
	    "100", ""),
	BAD(H_PROD, "MALFORMED_ROW", "row has 7 fields, the header has 6", "add", "p-1", "Gold",
	    "100", "", "", ""),
	/* the optional reason column is in the header, so the row needs its field */
	BAD(H_CAN, "MALFORMED_ROW", "row has 4 fields, the header has 5", "r-1", "c-1", "r-0",
	    TS_OK),
	BAD(H_CAN, "MALFORMED_ROW", "row has 6 fields, the header has 5",
	    CAN("r-1", "c-1", "r-0", TS_OK, "moved"), "x"),
	/* a `_` column still counts */
	BAD(H_PUR_PERM, "MALFORMED_ROW", "row has 5 fields, the header has 6", TS_OK, "365000",
	    "p-1", "c-1", "r-1"),
	OK(H_PUR_PERM, W_AMOUNT, 365000, TS_OK, "a note, any text", "365000", "p-1", "c-1", "r-1"),
};
ROW_TEST(test_malformed, malformed_cases, ctx0)

/* FIELD_TOO_LONG: a flagged field (the message names its column), and a
 * product name over 200 characters however few bytes it takes. */
static const struct rcase too_long_cases[] = {
	LONG(H_PUR, 1u << 0, "FIELD_TOO_LONG", "request_id is longer than 1024 bytes",
	     PUR("r-1", "c-1", "p-1", "365000", TS_OK)),
	LONG(H_PUR, 1u << 1, "FIELD_TOO_LONG", "customer_id is longer than 1024 bytes",
	     PUR("r-1", "c-1", "p-1", "365000", TS_OK)),
	LONG(H_PUR, 1u << 2, "FIELD_TOO_LONG", "product_id is longer than 1024 bytes",
	     PUR("r-1", "c-1", "p-1", "365000", TS_OK)),
	LONG(H_PUR, 1u << 3, "FIELD_TOO_LONG", "amount is longer than 1024 bytes",
	     PUR("r-1", "c-1", "p-1", "365000", TS_OK)),
	LONG(H_PUR, 1u << 4, "FIELD_TOO_LONG", "requested_at is longer than 1024 bytes",
	     PUR("r-1", "c-1", "p-1", "365000", TS_OK)),
	LONG(H_CAN, 1u << 4, "FIELD_TOO_LONG", "reason is longer than 1024 bytes",
	     CAN("r-1", "c-1", "r-0", TS_OK, "moved")),
	LONG(H_CAN, 1u << 2, "FIELD_TOO_LONG", "purchase_request_id is longer than 1024 bytes",
	     CAN("r-1", "c-1", "r-0", TS_OK, "")),
	LONG(H_PROD, 1u << 2, "FIELD_TOO_LONG", "name is longer than 1024 bytes", "add", "p-1",
	     "Gold", "100", "", ""),
	LONG(H_PROD, 1u << 4, "FIELD_TOO_LONG", "sale_until is longer than 1024 bytes", "add",
	     "p-1", "Gold", "100", "", ""),
	/* an ignored `_` column (field 2) is not judged, however long */
	{H_PUR_PERM,
	 {TS_OK, "note", "365000", "p-1", "c-1", "r-1", NULL},
	 1u << 1,
	 NULL,
	 NULL,
	 W_AMOUNT,
	 365000},
	/* name: 200 characters pass, 201 fail — ASCII, Hangul (3 bytes), emoji (4) */
	OK(H_PROD, W_PRICE, 100, "add", "p-1", A200, "100", "", ""),
	BAD(H_PROD, "FIELD_TOO_LONG", "name is longer than 200 characters", "add", "p-1", A200 "a",
	    "100", "", ""),
	OK(H_PROD, W_PRICE, 100, "add", "p-1", H200, "100", "", ""),
	BAD(H_PROD, "FIELD_TOO_LONG", "name is longer than 200 characters", "add", "p-1", H200 "가",
	    "100", "", ""),
	OK(H_PROD, W_PRICE, 100, "add", "p-1", E200, "100", "", ""),
	BAD(H_PROD, "FIELD_TOO_LONG", "name is longer than 200 characters", "add", "p-1", E200 "😀",
	    "100", "", ""),
	/* also when the name is only being changed */
	BAD(H_PROD, "FIELD_TOO_LONG", "name is longer than 200 characters", "update", "p-1",
	    H200 "가", "", "", ""),
	/* any text otherwise: quotes, commas, newlines */
	OK(H_PROD, W_PRICE, 100, "add", "p-1", "Gold, \"VIP\"\nline 2", "100", "", ""),
	OK(H_PROD, W_PRICE, 1, "add", "p-1", "가", "1", "", ""),
};
ROW_TEST(test_too_long, too_long_cases, ctx0)

/* MISSING_FIELD: each required field of each kind; name and price only for add. */
static const struct rcase missing_cases[] = {
	BAD(H_PROD, "MISSING_FIELD", "action is empty", "", "p-1", "Gold", "100", "", ""),
	BAD(H_PROD, "MISSING_FIELD", "product_id is empty", "add", "", "Gold", "100", "", ""),
	BAD(H_PROD, "MISSING_FIELD", "name is required to add", "add", "p-1", "", "100", "", ""),
	BAD(H_PROD, "MISSING_FIELD", "price is required to add", "add", "p-1", "Gold", "", "", ""),
	BAD(H_PROD, "MISSING_FIELD", "product_id is empty", "update", "", "", "", "", ""),
	BAD(H_PROD, "MISSING_FIELD", "product_id is empty", "delete", "", "", "", "", ""),
	BAD(H_PROD_MIN, "MISSING_FIELD", "name is required to add", "100", "", "p-1", "add"),
	BAD(H_PROD_MIN, "MISSING_FIELD", "price is required to add", "", "Gold", "p-1", "add"),
	OK(H_PROD, W_ACTION, 0, "add", "p-1", "Gold", "0", "", ""),
	OK(H_PROD, W_ACTION, 1, "update", "p-1", "", "", "", ""),
	OK(H_PROD, W_ACTION, 1, "update", "p-1", "New name", "", "", ""),
	OK(H_PROD, W_PRICE, 500, "update", "p-1", "", "500", "", ""),
	OK(H_PROD, W_ACTION, 2, "delete", "p-1", "", "", "", ""),
	OK(H_PROD_MIN, W_ACTION, 1, "", "", "p-1", "update"),
	OK(H_PROD_MIN, W_ACTION, 2, "", "", "p-1", "delete"),
	BAD(H_PUR, "MISSING_FIELD", "request_id is empty", PUR("", "c-1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "MISSING_FIELD", "customer_id is empty", PUR("r-1", "", "p-1", "1", TS_OK)),
	BAD(H_PUR, "MISSING_FIELD", "product_id is empty", PUR("r-1", "c-1", "", "1", TS_OK)),
	BAD(H_PUR, "MISSING_FIELD", "amount is empty", PUR("r-1", "c-1", "p-1", "", TS_OK)),
	BAD(H_PUR, "MISSING_FIELD", "requested_at is empty", PUR("r-1", "c-1", "p-1", "1", "")),
	BAD(H_PUR, "MISSING_FIELD", "request_id is empty", PUR("", "", "", "", "")),
	BAD(H_CAN, "MISSING_FIELD", "request_id is empty", CAN("", "c-1", "r-0", TS_OK, "")),
	BAD(H_CAN, "MISSING_FIELD", "customer_id is empty", CAN("r-1", "", "r-0", TS_OK, "")),
	BAD(H_CAN, "MISSING_FIELD", "purchase_request_id is empty",
	    CAN("r-1", "c-1", "", TS_OK, "")),
	BAD(H_CAN, "MISSING_FIELD", "requested_at is empty", CAN("r-1", "c-1", "r-0", "", "")),
	OK(H_CAN, W_AT, TS_OK_EPOCH, CAN("r-1", "c-1", "r-0", TS_OK, "")),
	OK(H_CAN_MIN, W_AT, TS_OK_EPOCH, "r-0", TS_OK, "c-1", "r-1"),
};
ROW_TEST(test_missing, missing_cases, ctx0)

/* BAD_ID: customer and product ids are A-Z a-z 0-9 _ -, request ids (and
 * the purchase_request_id that names one) add . and :; 1..64 of them. */
static const struct rcase id_row_cases[] = {
	/* request_id */
	OK(H_PUR, W_NONE, 0, PUR("r.1:2", "c-1", "p-1", "1", TS_OK)),
	OK(H_PUR, W_NONE, 0, PUR("2026-11-23T10:00:00.shop-7", "c-1", "p-1", "1", TS_OK)),
	OK(H_PUR, W_NONE, 0, PUR(ID64, "c-1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID",
	    "request_id must be 1-64 of A-Z a-z 0-9 _ - . :", PUR(ID65, "c-1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "request_id must", PUR("r 1", "c-1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "request_id must", PUR("r/1", "c-1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "request_id must", PUR("r,1", "c-1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "request_id must", PUR("r\t1", "c-1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "request_id must", PUR("ré", "c-1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "request_id must", PUR(" r1", "c-1", "p-1", "1", TS_OK)),
	/* customer_id */
	OK(H_PUR, W_NONE, 0, PUR("r-1", "C_9-z", "p-1", "1", TS_OK)),
	OK(H_PUR, W_NONE, 0, PUR("r-1", ID64, "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "customer_id must be 1-64 of A-Z a-z 0-9 _ -",
	    PUR("r-1", ID65, "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "customer_id must", PUR("r-1", "c 1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "customer_id must", PUR("r-1", "c/1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "customer_id must", PUR("r-1", "c.1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "customer_id must", PUR("r-1", "c:1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "customer_id must start with a letter or digit",
	    PUR("r-1", "-C1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "customer_id must start with a letter or digit",
	    PUR("r-1", "_x", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "request_id must", PUR("-r1", "c-1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "request_id must", PUR(".r1", "c-1", "p-1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "product_id must", PUR("r-1", "c-1", "_p", "1", TS_OK)),
	/* product_id, in purchases and in products */
	OK(H_PUR, W_NONE, 0, PUR("r-1", "c-1", ID64, "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "product_id must be 1-64 of A-Z a-z 0-9 _ -",
	    PUR("r-1", "c-1", ID65, "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "product_id must", PUR("r-1", "c-1", "p.1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "product_id must", PUR("r-1", "c-1", "p:1", "1", TS_OK)),
	BAD(H_PUR, "BAD_ID", "product_id must", PUR("r-1", "c-1", "p 1", "1", TS_OK)),
	OK(H_PROD, W_NONE, 0, "add", ID64, "Gold", "1", "", ""),
	BAD(H_PROD, "BAD_ID", "product_id must", "add", ID65, "Gold", "1", "", ""),
	BAD(H_PROD, "BAD_ID", "product_id must", "add", "p/1", "Gold", "1", "", ""),
	BAD(H_PROD, "BAD_ID", "product_id must", "delete", "p.1", "", "", "", ""),
	BAD(H_PROD, "BAD_ID", "product_id must", "update", "p:1", "", "", "", ""),
	BAD(H_PROD, "BAD_ID", "product_id must", "add", "p 1", "Gold", "1", "", ""),
	/* cancels */
	OK(H_CAN, W_NONE, 0, CAN("x:y", "c-1", "r.1:2", TS_OK, "")),
	OK(H_CAN, W_NONE, 0, CAN("x", "c-1", ID64, TS_OK, "")),
	BAD(H_CAN, "BAD_ID", "purchase_request_id must be 1-64 of A-Z a-z 0-9 _ - . :",
	    CAN("x", "c-1", ID65, TS_OK, "")),
	BAD(H_CAN, "BAD_ID", "purchase_request_id must", CAN("x", "c-1", "r/1", TS_OK, "")),
	BAD(H_CAN, "BAD_ID", "purchase_request_id must", CAN("x", "c-1", "r 1", TS_OK, "")),
	BAD(H_CAN, "BAD_ID", "request_id must", CAN("x/1", "c-1", "r-1", TS_OK, "")),
	BAD(H_CAN, "BAD_ID", "customer_id must", CAN("x", "c.1", "r-1", TS_OK, "")),
};
ROW_TEST(test_bad_id, id_row_cases, ctx0)

/* BAD_ACTION: exactly add, update or delete; empty is MISSING_FIELD. */
static const struct rcase action_cases[] = {
	BAD(H_PROD, "BAD_ACTION", "action must be add, update or delete", "ADD", "p-1", "Gold", "1",
	    "", ""),
	BAD(H_PROD, "BAD_ACTION", "action must", "Add", "p-1", "Gold", "1", "", ""),
	BAD(H_PROD, "BAD_ACTION", "action must", "remove", "p-1", "", "", "", ""),
	BAD(H_PROD, "BAD_ACTION", "action must", "insert", "p-1", "Gold", "1", "", ""),
	BAD(H_PROD, "BAD_ACTION", "action must", " add", "p-1", "Gold", "1", "", ""),
	BAD(H_PROD, "BAD_ACTION", "action must", "delete ", "p-1", "", "", "", ""),
	BAD(H_PROD, "BAD_ACTION", "action must", "0", "p-1", "Gold", "1", "", ""),
	BAD(H_PROD, "BAD_ACTION", "action must", "adds", "p-1", "Gold", "1", "", ""),
	BAD(H_PROD, "MISSING_FIELD", "action is empty", "", "p-1", "Gold", "1", "", ""),
	OK(H_PROD, W_ACTION, 0, "add", "p-1", "Gold", "1", "", ""),
	OK(H_PROD, W_ACTION, 1, "update", "p-1", "", "", "", ""),
	OK(H_PROD, W_ACTION, 2, "delete", "p-1", "", "", "", ""),
};
ROW_TEST(test_bad_action, action_cases, ctx0)

/* BAD_AMOUNT with minor_digits 0: amount and price alike. */
static const struct rcase amount0_cases[] = {
	BAD(H_PUR, "BAD_AMOUNT", "amount is not a decimal >= 0 with at most 0 decimals",
	    PUR("r-1", "c-1", "p-1", "1,000", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "1e3", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "-0", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "-5", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "+5", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "0x10", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "١٢٣", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "１２３", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "12.5", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "12.0", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "12.", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", ".5", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", " 5", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "5 ", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "NaN", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "inf", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "₩5000", TS_OK)),
	/* 20 digits; 2^53 + 1 minor units */
	BAD(H_PUR, "BAD_AMOUNT", "amount is not",
	    PUR("r-1", "c-1", "p-1", "12345678901234567890", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not",
	    PUR("r-1", "c-1", "p-1", "9007199254740993", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not",
	    PUR("r-1", "c-1", "p-1", "99999999999999999999999999", TS_OK)),
	OK(H_PUR, W_AMOUNT, TWO53, PUR("r-1", "c-1", "p-1", "9007199254740992", TS_OK)),
	OK(H_PUR, W_AMOUNT, 0, PUR("r-1", "c-1", "p-1", "0", TS_OK)),
	OK(H_PUR, W_AMOUNT, 365000, PUR("r-1", "c-1", "p-1", "365000", TS_OK)),
	OK(H_PUR, W_AMOUNT, 7, PUR("r-1", "c-1", "p-1", "007", TS_OK)),
	/* price: the same rule */
	BAD(H_PROD, "BAD_AMOUNT", "price is not a decimal >= 0 with at most 0 decimals", "add",
	    "p-1", "Gold", "1.5", "", ""),
	BAD(H_PROD, "BAD_AMOUNT", "price is not", "add", "p-1", "Gold", "-1", "", ""),
	BAD(H_PROD, "BAD_AMOUNT", "price is not", "add", "p-1", "Gold", "abc", "", ""),
	BAD(H_PROD, "BAD_AMOUNT", "price is not", "update", "p-1", "", "none", "", ""),
	BAD(H_PROD, "BAD_AMOUNT", "price is not", "delete", "p-1", "", "9007199254740993", "", ""),
	OK(H_PROD, W_PRICE, TWO53, "add", "p-1", "Gold", "9007199254740992", "", ""),
	OK(H_PROD, W_PRICE, 0, "add", "p-1", "Free", "0", "", ""),
	/* max_sales: an integer >= 0 up to 2^53, or `none` */
	BAD(H_PROD, "BAD_AMOUNT", "max_sales is not an integer >= 0", "add", "p-1", "Gold", "1", "",
	    "-1"),
	BAD(H_PROD, "BAD_AMOUNT", "max_sales is not", "add", "p-1", "Gold", "1", "", "1.5"),
	BAD(H_PROD, "BAD_AMOUNT", "max_sales is not", "add", "p-1", "Gold", "1", "", "abc"),
	BAD(H_PROD, "BAD_AMOUNT", "max_sales is not", "add", "p-1", "Gold", "1", "", "+1"),
	BAD(H_PROD, "BAD_AMOUNT", "max_sales is not", "add", "p-1", "Gold", "1", "", "1e3"),
	BAD(H_PROD, "BAD_AMOUNT", "max_sales is not", "add", "p-1", "Gold", "1", "", " 1"),
	BAD(H_PROD, "BAD_AMOUNT", "max_sales is not", "add", "p-1", "Gold", "1", "", "1,000"),
	BAD(H_PROD, "BAD_AMOUNT", "max_sales is not", "add", "p-1", "Gold", "1", "", "NONE"),
	BAD(H_PROD, "BAD_AMOUNT", "max_sales is more than 2^53", "update", "p-1", "", "", "",
	    "9007199254740993"),
	BAD(H_PROD, "BAD_AMOUNT", "max_sales is more than 2^53", "update", "p-1", "", "", "",
	    "99999999999999999999"),
	OK(H_PROD, W_MAX_SALES, 0, "add", "p-1", "Gold", "1", "", "0"),
	OK(H_PROD, W_MAX_SALES, 100, "add", "p-1", "Gold", "1", "", "100"),
	OK(H_PROD, W_MAX_SALES, TWO53, "update", "p-1", "", "", "", "9007199254740992"),
	OK(H_PROD, W_MAX_NONE, 0, "update", "p-1", "", "", "", "none"),
	OK(H_PROD, W_MAX_NONE, 0, "add", "p-1", "Gold", "1", "", "none"),
};
ROW_TEST(test_amount0, amount0_cases, ctx0)

/* BAD_AMOUNT with minor_digits 2: up to two decimals, scaled to minor units. */
static const struct rcase amount2_cases[] = {
	BAD(H_PUR, "BAD_AMOUNT", "amount is not a decimal >= 0 with at most 2 decimals",
	    PUR("r-1", "c-1", "p-1", "12.345", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "12.", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", ".50", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "12,50", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "1,000.00", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "-0.00", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "1.2.3", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "1.5e2", TS_OK)),
	/* 2^53 minor units is 90071992547409.92 */
	BAD(H_PUR, "BAD_AMOUNT", "amount is not",
	    PUR("r-1", "c-1", "p-1", "90071992547409.93", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not",
	    PUR("r-1", "c-1", "p-1", "90071992547410", TS_OK)),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not",
	    PUR("r-1", "c-1", "p-1", "9007199254740992", TS_OK)),
	OK(H_PUR, W_AMOUNT, TWO53, PUR("r-1", "c-1", "p-1", "90071992547409.92", TS_OK)),
	OK(H_PUR, W_AMOUNT, 1250, PUR("r-1", "c-1", "p-1", "12.5", TS_OK)),
	OK(H_PUR, W_AMOUNT, 1250, PUR("r-1", "c-1", "p-1", "12.50", TS_OK)),
	OK(H_PUR, W_AMOUNT, 1200, PUR("r-1", "c-1", "p-1", "12", TS_OK)),
	OK(H_PUR, W_AMOUNT, 1, PUR("r-1", "c-1", "p-1", "0.01", TS_OK)),
	OK(H_PUR, W_AMOUNT, 0, PUR("r-1", "c-1", "p-1", "0.00", TS_OK)),
	OK(H_PROD, W_PRICE, 1250, "add", "p-1", "Gold", "12.5", "", ""),
	OK(H_PROD, W_PRICE, 36500000, "add", "p-1", "Gold", "365000.00", "", ""),
	BAD(H_PROD, "BAD_AMOUNT", "price is not a decimal >= 0 with at most 2 decimals", "add",
	    "p-1", "Gold", "12.345", "", ""),
	/* max_sales is a count, never a decimal */
	BAD(H_PROD, "BAD_AMOUNT", "max_sales is not", "add", "p-1", "Gold", "1", "", "1.00"),
};
ROW_TEST(test_amount2, amount2_cases, ctx2)

/* BAD_DATE: sale_until is a strict, real YYYY-MM-DD, or `none`, or empty. */
static const struct rcase date_cases[] = {
	BAD(H_PROD, "BAD_DATE", "sale_until is not a valid YYYY-MM-DD date", "add", "p-1", "Gold",
	    "1", "2026-02-30", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", "24/02/2026", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", "45000", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", "2026-2-3", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", "2026-02-3", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", "2026-13-01", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", "2026-00-10", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", "2026-11-00", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", "2027-02-29", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", "0000-01-01", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", "2026/11/23", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", "20261123", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1",
	    "2026-11-23T00:00:00", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "add", "p-1", "Gold", "1", " 2026-11-23", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "update", "p-1", "", "", "2026-11-23 ", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "update", "p-1", "", "", "NONE", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "update", "p-1", "", "", "None", ""),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "update", "p-1", "", "", "null", ""),
	OK(H_PROD, W_SALE_UNTIL, 21183, "add", "p-1", "Gold", "1", "2027-12-31", ""),
	OK(H_PROD, W_SALE_UNTIL, 21243, "add", "p-1", "Gold", "1", "2028-02-29", ""),
	OK(H_PROD, W_SALE_UNTIL, 20779, "add", "p-1", "Gold", "1", "2026-11-22", ""),
	OK(H_PROD, W_SALE_UNTIL, -719162, "add", "p-1", "Gold", "1", "0001-01-01", ""),
	OK(H_PROD, W_SALE_UNTIL, 2932896, "update", "p-1", "", "", "9999-12-31", ""),
	OK(H_PROD, W_SALE_NONE, 0, "update", "p-1", "", "", "none", ""),
	OK(H_PROD, W_SALE_NONE, 0, "add", "p-1", "Gold", "1", "none", ""),
	OK(H_PROD, W_SALE_EMPTY, 0, "update", "p-1", "", "", "", ""),
	OK(H_PROD_MIN, W_SALE_EMPTY, 0, "1", "Gold", "p-1", "add"),
};
ROW_TEST(test_bad_date, date_cases, ctx0)

/* BAD_TIMESTAMP: only YYYY-MM-DDTHH:MM:SS, then Z, ±HH:MM or nothing. */
static const struct rcase timestamp_cases[] = {
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not an ISO 8601 YYYY-MM-DDTHH:MM:SS time",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23 10:00:00")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23t10:00:00")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:00z")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:00.5")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:00.000Z")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-02-30T00:00:00")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T24:00:00")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:60:00")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:60")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T1:00:00")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:00+0900")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:00+09")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:00+24:00")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:00+09:60")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:00 +09:00")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:00 ")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", " 2026-11-23T10:00:00")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "1795395600")),
	BAD(H_PUR, "BAD_TIMESTAMP", "requested_at is not",
	    PUR("r-1", "c-1", "p-1", "1", "0000-01-01T00:00:00Z")),
	BAD(H_CAN, "BAD_TIMESTAMP", "requested_at is not",
	    CAN("r-1", "c-1", "r-0", "2026-11-23 10:00:00", "")),
	BAD(H_CAN, "BAD_TIMESTAMP", "requested_at is not",
	    CAN("r-1", "c-1", "r-0", "2026-02-30T00:00:00", "")),
	OK(H_PUR, W_AT, TS_OK_EPOCH, PUR("r-1", "c-1", "p-1", "1", TS_OK)),
	OK(H_PUR, W_AT, TS_OK_EPOCH, PUR("r-1", "c-1", "p-1", "1", "2026-11-23T01:00:00Z")),
	OK(H_PUR, W_AT, TS_OK_EPOCH, PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:00+09:00")),
	OK(H_PUR, W_AT, TS_OK_EPOCH, PUR("r-1", "c-1", "p-1", "1", "2026-11-22T20:00:00-05:00")),
	OK(H_PUR, W_AT, TS_OK_EPOCH, PUR("r-1", "c-1", "p-1", "1", "2026-11-23T01:00:00+00:00")),
	OK(H_PUR, W_AT, TS_OK_EPOCH, PUR("r-1", "c-1", "p-1", "1", "2026-11-23T01:00:00-00:00")),
	OK(H_PUR, W_AT, DAY_END - 86400, PUR("r-1", "c-1", "p-1", "1", "2026-11-23T00:00:00")),
	OK(H_PUR, W_AT, INT64_C(-62135596800),
	   PUR("r-1", "c-1", "p-1", "1", "0001-01-01T00:00:00Z")),
	OK(H_PUR, W_AT, INT64_C(1709251199), PUR("r-1", "c-1", "p-1", "1", "2024-02-29T23:59:59Z")),
};
ROW_TEST(test_bad_timestamp, timestamp_cases, ctx0)

/* FUTURE_TIMESTAMP: at or after 2026-11-24T00:00 Seoul = 2026-11-23T15:00Z. */
#define FUT "requested_at is after the end of the business date 2026-11-23"
static const struct rcase future_cases[] = {
	BAD(H_PUR, "FUTURE_TIMESTAMP", FUT, PUR("r-1", "c-1", "p-1", "1", "2026-11-24T00:00:00")),
	OK(H_PUR, W_AT, DAY_END - 1, PUR("r-1", "c-1", "p-1", "1", "2026-11-23T23:59:59")),
	BAD(H_PUR, "FUTURE_TIMESTAMP", FUT, PUR("r-1", "c-1", "p-1", "1", "2026-11-23T15:00:00Z")),
	OK(H_PUR, W_AT, DAY_END - 1, PUR("r-1", "c-1", "p-1", "1", "2026-11-23T14:59:59Z")),
	BAD(H_PUR, "FUTURE_TIMESTAMP", FUT,
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-24T00:00:00+09:00")),
	OK(H_PUR, W_AT, DAY_END - 1, PUR("r-1", "c-1", "p-1", "1", "2026-11-23T23:59:59+09:00")),
	BAD(H_PUR, "FUTURE_TIMESTAMP", FUT,
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T10:00:00-05:00")),
	OK(H_PUR, W_AT, DAY_END - 1, PUR("r-1", "c-1", "p-1", "1", "2026-11-23T09:59:59-05:00")),
	BAD(H_PUR, "FUTURE_TIMESTAMP", FUT,
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-24T00:30:00+09:30")),
	OK(H_PUR, W_AT, DAY_END - 1, PUR("r-1", "c-1", "p-1", "1", "2026-11-24T00:29:59+09:30")),
	BAD(H_PUR, "FUTURE_TIMESTAMP", FUT,
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T15:00:00+00:00")),
	BAD(H_PUR, "FUTURE_TIMESTAMP", FUT,
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-23T15:00:00-00:00")),
	/* a zone east of Seoul: its 2026-11-24 starts before Seoul's */
	OK(H_PUR, W_AT, DAY_END - 1, PUR("r-1", "c-1", "p-1", "1", "2026-11-24T02:59:59+12:00")),
	BAD(H_PUR, "FUTURE_TIMESTAMP", FUT,
	    PUR("r-1", "c-1", "p-1", "1", "2026-11-24T03:00:00+12:00")),
	BAD(H_PUR, "FUTURE_TIMESTAMP", FUT, PUR("r-1", "c-1", "p-1", "1", "2026-11-25T00:00:00")),
	BAD(H_PUR, "FUTURE_TIMESTAMP", FUT, PUR("r-1", "c-1", "p-1", "1", "9999-12-31T23:59:59Z")),
	OK(H_PUR, W_AT, INT64_C(1577804400), PUR("r-1", "c-1", "p-1", "1", "2020-01-01T00:00:00")),
	BAD(H_CAN, "FUTURE_TIMESTAMP", FUT, CAN("r-1", "c-1", "r-0", "2026-11-24T00:00:00", "")),
	OK(H_CAN, W_AT, DAY_END - 1, CAN("r-1", "c-1", "r-0", "2026-11-23T23:59:59", "")),
};
ROW_TEST(test_future, future_cases, ctx0)

/* Two faults in one row: the count first, then too-long fields (by
 * position in the row), then the columns in SPEC order — not file order. */
static const struct rcase order_cases[] = {
	LONG(H_PUR, 1u << 0, "MALFORMED_ROW", "row has 4 fields", "r-1", "c-1", "p-1", "1"),
	LONG(H_PROD, 1u << 5, "FIELD_TOO_LONG", "max_sales is longer", "ADD", "p/1", "", "x", "",
	     ""),
	LONG(H_PROD, (1u << 2) | (1u << 1), "FIELD_TOO_LONG", "product_id is longer", "add", "p-1",
	     "Gold", "1", "", ""),
	/* by position, not SPEC order: requested_at is field 1 of this file */
	LONG(H_PUR_PERM, (1u << 5) | (1u << 0), "FIELD_TOO_LONG", "requested_at is longer", TS_OK,
	     "", "1", "p-1", "c-1", "r-1"),
	BAD(H_PROD, "BAD_ACTION", "action must", "ADD", "p/1", "", "x", "", ""),
	BAD(H_PROD, "BAD_ID", "product_id must", "add", "p/1", "", "x", "", ""),
	BAD(H_PROD, "MISSING_FIELD", "name is required", "add", "p-1", "", "x", "", ""),
	BAD(H_PROD, "FIELD_TOO_LONG", "name is longer than 200", "add", "p-1", A200 "a", "x",
	    "2026-02-30", "-1"),
	BAD(H_PROD, "BAD_AMOUNT", "price is not", "add", "p-1", "Gold", "x", "2026-02-30", "-1"),
	BAD(H_PROD, "BAD_DATE", "sale_until is not", "update", "p-1", "", "", "2026-02-30", "-1"),
	BAD(H_PROD_MIN, "BAD_ACTION", "action must", "abc", "", "p/1", "remove"),
	BAD(H_PROD_MIN, "BAD_ID", "product_id must", "abc", "", "p/1", "add"),
	BAD(H_PUR, "BAD_ID", "request_id must", PUR("r/1", "c 1", "p.1", "x", "bad")),
	BAD(H_PUR, "BAD_ID", "customer_id must", PUR("r-1", "c.1", "p.1", "x", "bad")),
	BAD(H_PUR, "BAD_ID", "product_id must", PUR("r-1", "c-1", "p.1", "x", "bad")),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not", PUR("r-1", "c-1", "p-1", "x", "bad")),
	BAD(H_PUR, "BAD_AMOUNT", "amount is not",
	    PUR("r-1", "c-1", "p-1", "-1", "2026-11-24T00:00:00")),
	BAD(H_PUR, "MISSING_FIELD", "amount is empty",
	    PUR("r-1", "c-1", "p-1", "", "2026-11-24T00:00:00")),
	BAD(H_PUR, "MISSING_FIELD", "customer_id is empty", PUR("r-1", "", "p.1", "", "")),
	/* file order requested_at, _note, amount, product_id, customer_id, request_id */
	BAD(H_PUR_PERM, "BAD_ID", "request_id must", "bad", "", "x", "p-1", "c-1", "r/1"),
	BAD(H_PUR_PERM, "BAD_ID", "customer_id must", "bad", "", "x", "p.1", "c.1", "r-1"),
	BAD(H_PUR_PERM, "BAD_AMOUNT", "amount is not", "2026-11-24T00:00:00", "", "x", "p-1", "c-1",
	    "r-1"),
	BAD(H_CAN, "MISSING_FIELD", "customer_id is empty", CAN("r-1", "", "r/0", "bad", "")),
	BAD(H_CAN, "BAD_ID", "purchase_request_id must", CAN("r-1", "c-1", "r/0", "bad", "")),
	BAD(H_CAN_MIN, "BAD_ID", "request_id must", "r/0", "bad", "c.1", "r/1"),
	BAD(H_CAN_MIN, "BAD_ID", "purchase_request_id must", "r/0", "bad", "c-1", "r-1"),
};
ROW_TEST(test_order, order_cases, ctx0)

/* --- validate_row: what a failed row still tells ------------------------------------ */

/* The ids and the amount are judged even when the row fails, for the
 * rejection record and the customer's timeline. */
static const struct {
	struct rcase c;
	int rid, cid, pid, aok;
	int64_t amount; /* when aok */
} ok_cases[] = {
	{BAD(H_PUR, "BAD_AMOUNT", NULL, PUR("r.1", "c-1", "p-1", "abc", "bad")), 1, 1, 1, 0, 0},
	{BAD(H_PUR, "BAD_ID", NULL, PUR("r/1", "c-1", "p-1", "365000", "2026-11-24T00:00:00")), 0,
	 1, 1, 1, 365000},
	{BAD(H_PUR, "BAD_ID", NULL, PUR("r-1", "c.1", "p.1", "12.5", "")), 1, 0, 0, 0, 0},
	{BAD(H_PUR, "BAD_ID", NULL, PUR("r-1", ID65, "p-1", "5", TS_OK)), 1, 0, 1, 1, 5},
	{BAD(H_PUR, "MALFORMED_ROW", NULL, "r:1", "c-1", "p-1", "5000"), 1, 1, 1, 1, 5000},
	{BAD(H_PUR, "MALFORMED_ROW", NULL, PUR("r:1", "c-1", "p-1", "5000", TS_OK), "x"), 1, 1, 1,
	 1, 5000},
	{BAD(H_PUR_PERM, "MALFORMED_ROW", NULL, TS_OK, ""), 0, 0, 0, 0, 0},
	{BAD(H_PUR, "FUTURE_TIMESTAMP", NULL,
	     PUR("r-1", "c-1", "p-1", "365000", "2026-11-24T00:00:00")),
	 1, 1, 1, 1, 365000},
	{BAD(H_PUR, "BAD_TIMESTAMP", NULL, PUR("r-1", "c-1", "p-1", "365000", "soon")), 1, 1, 1, 1,
	 365000},
	{BAD(H_PUR, "MISSING_FIELD", NULL, PUR("", "c-1", "", "", TS_OK)), 0, 1, 0, 0, 0},
	{BAD(H_CAN, "FUTURE_TIMESTAMP", NULL, CAN("r-1", "c-1", "r-0", "2026-11-24T00:00:00", "")),
	 1, 1, 0, 0, 0},
	{BAD(H_CAN, "BAD_ID", NULL, CAN("r-1", "c-1", "r/0", TS_OK, "")), 1, 1, 0, 0, 0},
	{BAD(H_PROD, "BAD_ACTION", NULL, "ADD", "p-1", "Gold", "1", "", ""), 0, 0, 1, 0, 0},
	{BAD(H_PROD, "BAD_AMOUNT", NULL, "add", "p-1", "Gold", "x", "", ""), 0, 0, 1, 0, 0},
	/* valid rows set them too */
	{OK(H_PUR, W_NONE, 0, PUR("r-1", "c-1", "p-1", "365000", TS_OK)), 1, 1, 1, 1, 365000},
	{OK(H_CAN, W_NONE, 0, CAN("r-1", "c-1", "r-0", TS_OK, "")), 1, 1, 0, 0, 0},
};

START_TEST(test_ok_flags)
{
	const struct rcase *c = &ok_cases[_i].c;
	char *fields[8];
	unsigned char tl[8] = {0};
	size_t n = 0;
	while (n < 8 && c->f[n] != NULL) {
		fields[n] = (char *)c->f[n];
		n++;
	}
	struct row r;
	struct verdict v = {0};
	int rc = validate_row(&ctx0, &hdrs[c->hdr], fields, tl, n, &r, &v);
	if (c->reason != NULL) {
		ck_assert_int_eq(rc, -1);
		ck_assert_str_eq(v.reason, c->reason);
	} else {
		ck_assert_int_eq(rc, 0);
	}
	ck_assert_int_eq(r.request_id_ok, ok_cases[_i].rid);
	ck_assert_int_eq(r.customer_id_ok, ok_cases[_i].cid);
	ck_assert_int_eq(r.product_id_ok, ok_cases[_i].pid);
	ck_assert_int_eq(r.amount_ok, ok_cases[_i].aok);
	if (ok_cases[_i].aok)
		ck_assert_int_eq(r.amount, ok_cases[_i].amount);
	/* a field the row lacks reads as "" */
	for (int col = 0; col < NCOLS; col++) {
		int at = hdrs[c->hdr].colidx[col];
		ck_assert_str_eq(r.f[col], at >= 0 && (size_t)at < n ? c->f[at] : "");
	}
}
END_TEST

/* A too-long field holds only its first max_field_bytes (csvin.h), so it is
 * not readable: its *_ok flag must be 0, or the rejection of a 15-byte
 * customer id under max_field_bytes 8 lands on the timeline of another
 * customer — the 8-byte prefix "customer" — with a truncated amount. */
START_TEST(test_ok_flags_too_long)
{
	struct validate_ctx small = ctx0;
	small.max_field_bytes = 8;
	/* the row was "req-0001x,customer-000123,gold-plan,365000000,…" */
	char *fields[] = {"req-0001", "customer", "gold-pla", "36500000", TS_OK};
	unsigned char tl[] = {1, 1, 1, 1, 0};
	struct row r;
	struct verdict v = {0};
	ck_assert_int_eq(validate_row(&small, &hdrs[H_PUR], fields, tl, 5, &r, &v), -1);
	ck_assert_str_eq(v.reason, "FIELD_TOO_LONG");
	ck_assert_str_eq(v.message, "request_id is longer than 8 bytes");
	ck_assert_msg(r.request_id_ok == 0, "a truncated request_id reads as valid");
	ck_assert_msg(r.customer_id_ok == 0, "a truncated customer_id reads as valid");
	ck_assert_msg(r.product_id_ok == 0, "a truncated product_id reads as valid");
	ck_assert_msg(r.amount_ok == 0, "a truncated amount reads as valid");
}
END_TEST

/* --- validate_row: values of valid rows --------------------------------------------- */

START_TEST(test_values_product)
{
	char *f[] = {"add", "gold-1", "Gold, \"VIP\"", "365000", "2027-12-31", "100"};
	unsigned char tl[6] = {0};
	struct row r;
	struct verdict v = {0};
	ck_assert_int_eq(validate_row(&ctx0, &hdrs[H_PROD], f, tl, 6, &r, &v), 0);
	ck_assert_int_eq(r.action, 0);
	ck_assert_str_eq(r.f[C_PRODUCT_ID], "gold-1");
	ck_assert_str_eq(r.f[C_NAME], "Gold, \"VIP\"");
	ck_assert_int_eq(r.price, 365000);
	ck_assert_int_eq(r.sale_until, dates_from_civil(2027, 12, 31));
	ck_assert_int_eq(r.sale_until_given, 1);
	ck_assert_int_eq(r.sale_until_none, 0);
	ck_assert_int_eq(r.max_sales, 100);
	ck_assert_int_eq(r.max_sales_given, 1);
	ck_assert_int_eq(r.max_sales_none, 0);
	ck_assert_str_eq(r.f[C_AMOUNT], "");
	ck_assert_str_eq(r.f[C_REQUEST_ID], "");

	/* update of nothing but clearing both limits */
	char *g[] = {"update", "gold-1", "", "", "none", "none"};
	ck_assert_int_eq(validate_row(&ctx0, &hdrs[H_PROD], g, tl, 6, &r, &v), 0);
	ck_assert_int_eq(r.action, 1);
	ck_assert_int_eq(r.sale_until, DATE_NONE);
	ck_assert_int_eq(r.sale_until_given, 1);
	ck_assert_int_eq(r.sale_until_none, 1);
	ck_assert_int_eq(r.max_sales_given, 1);
	ck_assert_int_eq(r.max_sales_none, 1);
	ck_assert_str_eq(r.f[C_NAME], "");
	ck_assert_str_eq(r.f[C_PRICE], "");

	/* the minimal header: no sale_until or max_sales column at all */
	char *m[] = {"12.5", "Silver", "silver", "add"};
	ck_assert_int_eq(validate_row(&ctx2, &hdrs[H_PROD_MIN], m, tl, 4, &r, &v), 0);
	ck_assert_int_eq(r.price, 1250);
	ck_assert_int_eq(r.sale_until, DATE_NONE);
	ck_assert_int_eq(r.sale_until_given, 0);
	ck_assert_int_eq(r.max_sales_given, 0);
	ck_assert_str_eq(r.f[C_SALE_UNTIL], "");
	ck_assert_str_eq(r.f[C_MAX_SALES], "");
}
END_TEST

START_TEST(test_values_purchase)
{
	char *f[] = {"2026-11-23T10:00:00.r:7", "cust_9", "gold-1", "365000", TS_OK};
	unsigned char tl[5] = {0};
	struct row r;
	struct verdict v = {0};
	ck_assert_int_eq(validate_row(&ctx0, &hdrs[H_PUR], f, tl, 5, &r, &v), 0);
	ck_assert_str_eq(r.f[C_REQUEST_ID], "2026-11-23T10:00:00.r:7");
	ck_assert_str_eq(r.f[C_CUSTOMER_ID], "cust_9");
	ck_assert_str_eq(r.f[C_PRODUCT_ID], "gold-1");
	ck_assert_int_eq(r.amount, 365000);
	ck_assert_int_eq(r.requested_at, TS_OK_EPOCH);
	ck_assert_int_eq(r.requested_at, INT64_C(1795395600));
	ck_assert_int_eq(dates_local_day(r.requested_at), dates_from_civil(2026, 11, 23));
	ck_assert_int_eq(r.sale_until, DATE_NONE);

	/* the same purchase in a permuted file, with 2 decimals */
	char *p[] = {"2026-11-23T01:00:00Z", "note", "3650.50", "gold-1", "cust_9", "r-1"};
	unsigned char tlp[6] = {0};
	ck_assert_int_eq(validate_row(&ctx2, &hdrs[H_PUR_PERM], p, tlp, 6, &r, &v), 0);
	ck_assert_int_eq(r.amount, 365050);
	ck_assert_int_eq(r.requested_at, TS_OK_EPOCH);
	ck_assert_str_eq(r.f[C_REQUEST_ID], "r-1");
	ck_assert_str_eq(r.f[C_CUSTOMER_ID], "cust_9");
}
END_TEST

START_TEST(test_values_cancel)
{
	char *f[] = {"c:1", "cust_9", "2026-11-23T10:00:00.r:7", "2026-11-23T23:59:59",
		     "moved, \"abroad\""};
	unsigned char tl[5] = {0};
	struct row r;
	struct verdict v = {0};
	ck_assert_int_eq(validate_row(&ctx0, &hdrs[H_CAN], f, tl, 5, &r, &v), 0);
	ck_assert_str_eq(r.f[C_PURCHASE_REQUEST_ID], "2026-11-23T10:00:00.r:7");
	ck_assert_str_eq(r.f[C_REASON], "moved, \"abroad\"");
	ck_assert_int_eq(r.requested_at, DAY_END - 1);
	ck_assert_str_eq(r.f[C_AMOUNT], "");
	ck_assert_str_eq(r.f[C_PRODUCT_ID], "");
}
END_TEST

/* The same header and row give the same verdict however often they are
 * checked (no state carried between calls). */
START_TEST(test_repeatable)
{
	char *bad[] = {"r-1", "c-1", "p-1", "1", "2026-11-24T00:00:00"};
	char *good[] = {"r-1", "c-1", "p-1", "1", TS_OK};
	unsigned char tl[5] = {0};
	struct row r;
	struct verdict v = {0};
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(validate_row(&ctx0, &hdrs[H_PUR], bad, tl, 5, &r, &v), -1);
		ck_assert_str_eq(v.reason, "FUTURE_TIMESTAMP");
		ck_assert_int_eq(validate_row(&ctx0, &hdrs[H_PUR], good, tl, 5, &r, &v), 0);
		ck_assert_int_eq(r.requested_at, TS_OK_EPOCH);
	}
}
END_TEST

static Suite *validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("header");
	tcase_add_loop_test(tc, test_kind, 0, LEN(kind_cases));
	tcase_add_test(tc, test_kind_names);
	tcase_add_loop_test(tc, test_header, 0, LEN(header_cases));
	tcase_add_test(tc, test_header_message_sanitized);
	tcase_add_loop_test(tc, test_id, 0, LEN(id_cases));
	tcase_add_test(tc, test_fail);
	suite_add_tcase(s, tc);

	tc = tcase_create("row");
	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_malformed, 0, LEN(malformed_cases));
	tcase_add_loop_test(tc, test_too_long, 0, LEN(too_long_cases));
	tcase_add_loop_test(tc, test_missing, 0, LEN(missing_cases));
	tcase_add_loop_test(tc, test_bad_id, 0, LEN(id_row_cases));
	tcase_add_loop_test(tc, test_bad_action, 0, LEN(action_cases));
	tcase_add_loop_test(tc, test_amount0, 0, LEN(amount0_cases));
	tcase_add_loop_test(tc, test_amount2, 0, LEN(amount2_cases));
	tcase_add_loop_test(tc, test_bad_date, 0, LEN(date_cases));
	tcase_add_loop_test(tc, test_bad_timestamp, 0, LEN(timestamp_cases));
	tcase_add_loop_test(tc, test_future, 0, LEN(future_cases));
	tcase_add_loop_test(tc, test_order, 0, LEN(order_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("flags_values");
	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_ok_flags, 0, LEN(ok_cases));
	tcase_add_test(tc, test_ok_flags_too_long);
	tcase_add_test(tc, test_values_product);
	tcase_add_test(tc, test_values_purchase);
	tcase_add_test(tc, test_values_cancel);
	tcase_add_test(tc, test_repeatable);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(validate_suite, "validate")
