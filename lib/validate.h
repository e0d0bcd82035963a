/* validate.h — the shape rules of an inbox file (SPEC §4.3, §4.4): which
 * kind a header tells, where each column is, and whether a row's fields
 * break a rule, with the exact reason code. Pure: no database, no files,
 * no clock (the end of the business day is a parameter). Not for: rules
 * that need the books (duplicates, unknown products…; ingest owns those). */
#ifndef MEMBERSHIP_VALIDATE_H
#define MEMBERSHIP_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "ids.h"

#define MAX_NAME_CHARS  200
#define VERDICT_MSG_MAX 256

enum kind { KIND_PRODUCTS, KIND_PURCHASES, KIND_CANCELS, KIND_UNKNOWN };
extern const char *const kind_names[];

/* Every column any kind has, in the order their rules are checked. */
enum col {
	C_ACTION,
	C_PRODUCT_ID,
	C_NAME,
	C_PRICE,
	C_SALE_UNTIL,
	C_MAX_SALES,
	C_REQUEST_ID,
	C_CUSTOMER_ID,
	C_AMOUNT,
	C_REQUESTED_AT,
	C_PURCHASE_REQUEST_ID,
	C_REASON,
	NCOLS
};
extern const char *const col_names[NCOLS];

/* A rejection: the reason code (a static string) and a message naming the
 * field; never the customer's data. */
struct verdict {
	const char *reason;
	char message[VERDICT_MSG_MAX];
};

/* What a header told. */
struct header {
	enum kind kind;
	int colidx[NCOLS]; /* field position of each column, -1 absent */
	size_t ncols;      /* header width */
};

/* What the row rules depend on besides the row. */
struct validate_ctx {
	int minor_digits;
	int64_t max_field_bytes;
	int64_t day_end;       /* first instant after the business date */
	const char *date_text; /* the business date, for messages */
};

/* A validated row: only the fields its kind uses are set. */
struct row {
	const char *f[NCOLS]; /* field text ("" when empty or absent) */
	int action;           /* 0 add, 1 update, 2 delete */
	int64_t price, amount, max_sales;
	int32_t sale_until;
	int sale_until_given, sale_until_none, max_sales_given, max_sales_none;
	int64_t requested_at;
	int request_id_ok, customer_id_ok, product_id_ok, amount_ok;
};

/* The kind a header tells: `action` → products, `purchase_request_id` →
 * cancels, `amount` → purchases; else KIND_UNKNOWN. */
enum kind validate_kind(char *const *names, size_t n);

/* Check a header (names and their too-long flags). 0 and *h filled, or -1
 * with v->reason "BAD_HEADER": no kind, a column too long, twice, unknown
 * for the kind (`_` columns are ignored) or a required one missing. */
int validate_header(char *const *names, const unsigned char *too_long, size_t n, struct header *h,
		    struct verdict *v);

/* The shape rules of one row: 0 valid (*r filled), or -1 with the verdict.
 * Ids, the amount and the customer are judged even when the row fails, so
 * r->*_ok says what is readable for the rejection record. */
int validate_row(const struct validate_ctx *ctx, const struct header *h, char *const *fields,
		 const unsigned char *too_long, size_t n, struct row *r, struct verdict *v);

/* Fill v with reason (a static string) and a printf-style message; -1. */
int validate_fail(struct verdict *v, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* 1 when the string s is a valid id (ids.h; . and : with dot_colon). */
int validate_id(const char *s, int dot_colon);

#endif
