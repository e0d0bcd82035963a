/* validate.c — the shape rules of inbox files, pure and table driven:
 * column tables per kind, header checks, and each field's rule with its
 * SPEC §4.4 reason code. */
#include "validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dates.h"
#include "money.h"
#include "utf8.h"

const char *const kind_names[] = {"products", "purchases", "cancels", "unknown"};

const char *const col_names[NCOLS] = {
	"action",     "product_id",  "name",   "price",        "sale_until",          "max_sales",
	"request_id", "customer_id", "amount", "requested_at", "purchase_request_id", "reason",
};
struct colspec {
	enum col col;
	int required;
};
static const struct colspec product_cols[] = {
	{C_ACTION, 1}, {C_PRODUCT_ID, 1}, {C_NAME, 1},
	{C_PRICE, 1},  {C_SALE_UNTIL, 0}, {C_MAX_SALES, 0},
};
static const struct colspec purchase_cols[] = {
	{C_REQUEST_ID, 1}, {C_CUSTOMER_ID, 1},  {C_PRODUCT_ID, 1},
	{C_AMOUNT, 1},     {C_REQUESTED_AT, 1},
};
static const struct colspec cancel_cols[] = {
	{C_REQUEST_ID, 1},   {C_CUSTOMER_ID, 1}, {C_PURCHASE_REQUEST_ID, 1},
	{C_REQUESTED_AT, 1}, {C_REASON, 0},
};

enum kind validate_kind(char *const *names, size_t n)
{
	int has_action = 0, has_purchase = 0, has_amount = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "action") == 0)
			has_action = 1;
		else if (strcmp(names[i], "purchase_request_id") == 0)
			has_purchase = 1;
		else if (strcmp(names[i], "amount") == 0)
			has_amount = 1;
	}
	if (has_action)
		return KIND_PRODUCTS;
	if (has_purchase)
		return KIND_CANCELS;
	if (has_amount)
		return KIND_PURCHASES;
	return KIND_UNKNOWN;
}

int validate_id(const char *s, int allow_dot_colon)
{
	return id_valid(s, strnlen(s, MAX_ID_LEN + 1), allow_dot_colon);
}

/* Digits only: 0, -1 not an integer >= 0, or INT64_MAX for one too large. */
static int parse_count(const char *s, int64_t *out)
{
	int64_t v = 0;
	if (*s == '\0')
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v > (INT64_MAX - 9) / 10 ? INT64_MAX : v * 10 + (*p - '0');
	}
	*out = v;
	return 0;
}

int validate_fail(struct verdict *v, const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof v->message, fmt, ap);
	va_end(ap);
	v->reason = reason;
	return -1;
}

static void kind_spec(enum kind k, const struct colspec **spec, size_t *n);

/* Every amount (price, amount) is read by money_parse, the one grammar of
 * SPEC §4.3, and refused in the same words. */
static int bad_amount(const struct validate_ctx *ctx, const char *col, struct verdict *v)
{
	return validate_fail(v, "BAD_AMOUNT", "%s is not a decimal >= 0 with at most %d decimals",
			     col, ctx->minor_digits);
}

/* 1 when column c is present and was not cut short. */
static int whole(const struct header *h, const unsigned char *too_long, size_t n, enum col c)
{
	int i = h->colidx[c];
	return i >= 0 && (size_t)i < n && !too_long[i];
}

int validate_row(const struct validate_ctx *ctx, const struct header *f, char *const *fields,
		 const unsigned char *too_long, size_t nfields, struct row *r, struct verdict *v)
{
	memset(r, 0, sizeof *r);
	r->sale_until = DATE_NONE;
	for (int c = 0; c < NCOLS; c++)
		r->f[c] = f->colidx[c] >= 0 && (size_t)f->colidx[c] < nfields ? fields[f->colidx[c]]
									      : "";
	/* Readable ids are kept even when the row fails, for the rejection
	 * record and the customer's timeline; a cut (too long) field is not
	 * readable: its first bytes could name another customer. */
	r->request_id_ok =
		whole(f, too_long, nfields, C_REQUEST_ID) && validate_id(r->f[C_REQUEST_ID], 1);
	r->customer_id_ok =
		whole(f, too_long, nfields, C_CUSTOMER_ID) && validate_id(r->f[C_CUSTOMER_ID], 0);
	r->product_id_ok =
		whole(f, too_long, nfields, C_PRODUCT_ID) && validate_id(r->f[C_PRODUCT_ID], 0);
	r->amount_ok = whole(f, too_long, nfields, C_AMOUNT) &&
		       money_parse(r->f[C_AMOUNT], strlen(r->f[C_AMOUNT]), ctx->minor_digits,
				   &r->amount) == 0;
	if (nfields != f->ncols)
		return validate_fail(v, "MALFORMED_ROW", "row has %zu fields, the header has %zu",
				     nfields, f->ncols);
	for (size_t i = 0; i < nfields; i++) {
		if (!too_long[i])
			continue;
		/* A field of no column is an ignored `_` column (SPEC §4.3):
		 * its length is not judged either. */
		for (int c = 0; c < NCOLS; c++)
			if (f->colidx[c] == (int)i)
				return validate_fail(v, "FIELD_TOO_LONG",
						     "%s is longer than %lld bytes", col_names[c],
						     (long long)ctx->max_field_bytes);
	}

	const struct colspec *spec;
	size_t nspec;
	kind_spec(f->kind, &spec, &nspec);
	for (size_t i = 0; i < nspec; i++) {
		enum col c = spec[i].col;
		const char *s = r->f[c];
		int empty = s[0] == '\0';
		switch (c) {
		case C_ACTION:
			if (empty)
				return validate_fail(v, "MISSING_FIELD", "action is empty");
			if (strcmp(s, "add") == 0)
				r->action = 0;
			else if (strcmp(s, "update") == 0)
				r->action = 1;
			else if (strcmp(s, "delete") == 0)
				r->action = 2;
			else
				return validate_fail(v, "BAD_ACTION",
						     "action must be add, update or delete");
			break;
		case C_PRODUCT_ID:
		case C_CUSTOMER_ID:
		case C_REQUEST_ID:
		case C_PURCHASE_REQUEST_ID:
			if (empty)
				return validate_fail(v, "MISSING_FIELD", "%s is empty",
						     col_names[c]);
			if (!validate_id(s, c == C_REQUEST_ID || c == C_PURCHASE_REQUEST_ID))
				return !id_alnum(s[0])
					       ? validate_fail(v, "BAD_ID",
							       "%s must " ID_FIRST_TEXT,
							       col_names[c])
					       : validate_fail(
							 v, "BAD_ID", "%s must be %s", col_names[c],
							 c == C_REQUEST_ID ||
									 c == C_PURCHASE_REQUEST_ID
								 ? REQUEST_ID_CHARS_TEXT
								 : ID_CHARS_TEXT);
			break;
		case C_NAME:
			if (empty) {
				if (f->kind == KIND_PRODUCTS && r->action == 0)
					return validate_fail(v, "MISSING_FIELD",
							     "name is required to add");
				break;
			}
			if (utf8_chars(s, strlen(s)) > MAX_NAME_CHARS)
				return validate_fail(v, "FIELD_TOO_LONG",
						     "name is longer than %d characters",
						     MAX_NAME_CHARS);
			break;
		case C_PRICE:
			if (empty) {
				if (r->action == 0)
					return validate_fail(v, "MISSING_FIELD",
							     "price is required to add");
				break;
			}
			if (money_parse(s, strlen(s), ctx->minor_digits, &r->price) < 0)
				return bad_amount(ctx, "price", v);
			break;
		case C_AMOUNT:
			if (empty)
				return validate_fail(v, "MISSING_FIELD", "amount is empty");
			if (!r->amount_ok)
				return bad_amount(ctx, "amount", v);
			break;
		case C_SALE_UNTIL:
			if (empty)
				break;
			r->sale_until_given = 1;
			if (strcmp(s, "none") == 0) {
				r->sale_until_none = 1;
				break;
			}
			if (dates_parse(s, strlen(s), &r->sale_until) < 0)
				return validate_fail(v, "BAD_DATE",
						     "sale_until is not a valid YYYY-MM-DD date");
			break;
		case C_MAX_SALES:
			if (empty)
				break;
			r->max_sales_given = 1;
			if (strcmp(s, "none") == 0) {
				r->max_sales_none = 1;
				break;
			}
			if (parse_count(s, &r->max_sales) < 0)
				return validate_fail(v, "BAD_AMOUNT",
						     "max_sales is not an integer >= 0");
			if (r->max_sales > MONEY_MAX_MINOR)
				return validate_fail(
					v, "BAD_AMOUNT",
					"max_sales is more than 2^53 (9007199254740992)");
			break;
		case C_REQUESTED_AT:
			if (empty)
				return validate_fail(v, "MISSING_FIELD", "requested_at is empty");
			int ts = dates_parse_timestamp(s, strlen(s), &r->requested_at);
			if (ts == -2)
				return validate_fail(
					v, "BAD_TIMESTAMP",
					"requested_at never happened in the configured "
					"zone (clocks went forward past it)");
			if (ts < 0)
				return validate_fail(
					v, "BAD_TIMESTAMP",
					"requested_at is not an ISO 8601 YYYY-MM-DDTHH:MM:SS time");
			if (r->requested_at >= ctx->day_end)
				return validate_fail(
					v, "FUTURE_TIMESTAMP",
					"requested_at is after the end of the business date %s",
					ctx->date_text);
			break;
		case C_REASON:
		case NCOLS:
			break;
		}
	}
	return 0;
}

static void kind_spec(enum kind k, const struct colspec **spec, size_t *n)
{
	if (k == KIND_PRODUCTS) {
		*spec = product_cols;
		*n = sizeof product_cols / sizeof product_cols[0];
	} else if (k == KIND_PURCHASES) {
		*spec = purchase_cols;
		*n = sizeof purchase_cols / sizeof purchase_cols[0];
	} else {
		*spec = cancel_cols;
		*n = sizeof cancel_cols / sizeof cancel_cols[0];
	}
}

/* A header name for a message: printable ASCII only, at most 64 bytes. */
static void name_for_message(const char *s, char *out, size_t outsz)
{
	size_t o = 0;
	for (; *s && o + 1 < outsz && o < 64; s++)
		out[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	out[o] = '\0';
}

int validate_header(char *const *names, const unsigned char *too_long, size_t n, struct header *h,
		    struct verdict *v)
{
	char shown[72];
	for (int c = 0; c < NCOLS; c++)
		h->colidx[c] = -1;
	h->ncols = n;
	h->kind = KIND_UNKNOWN;
	for (size_t i = 0; i < n; i++) {
		/* `_` columns are ignored (SPEC §4.3): any length, any number
		 * of times (a .rejects.csv dropped back brings its own). */
		if (names[i][0] == '_')
			continue;
		/* No column's name is that long (csvin allows a header cell
		 * 256 bytes at the least): an unknown column. */
		if (too_long[i]) {
			name_for_message(names[i], shown, sizeof shown);
			return validate_fail(v, "BAD_HEADER", "unknown column %s (too long)",
					     shown);
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0) {
				name_for_message(names[i], shown, sizeof shown);
				return validate_fail(v, "BAD_HEADER", "column %s appears twice",
						     shown);
			}
	}
	h->kind = validate_kind(names, n);
	if (h->kind == KIND_UNKNOWN)
		return validate_fail(
			v, "BAD_HEADER",
			"the header matches no file kind (products, purchases, cancels)");
	const struct colspec *spec;
	size_t nspec;
	kind_spec(h->kind, &spec, &nspec);
	for (size_t i = 0; i < n; i++) {
		if (names[i][0] == '_')
			continue;
		int known = 0;
		for (size_t k = 0; k < nspec; k++)
			if (strcmp(names[i], col_names[spec[k].col]) == 0) {
				h->colidx[spec[k].col] = (int)i;
				known = 1;
			}
		if (!known) {
			name_for_message(names[i], shown, sizeof shown);
			return validate_fail(v, "BAD_HEADER", "unknown column %s in a %s file",
					     shown, kind_names[h->kind]);
		}
	}
	for (size_t k = 0; k < nspec; k++)
		if (spec[k].required && h->colidx[spec[k].col] < 0)
			return validate_fail(v, "BAD_HEADER", "a %s file needs the column %s",
					     kind_names[h->kind], col_names[spec[k].col]);
	return 0;
}
