/* rules.h — the business rules of SPEC §5 as pure functions over plain
 * values: approval decision, term dates, refund amount, cancellability.
 * No I/O, no clock: "today" is a parameter, so every rule is tested with
 * worked numbers alone. */
#ifndef MEMBERSHIP_RULES_H
#define MEMBERSHIP_RULES_H

#include <stdint.h>

/* Everything the approval of one pending purchase depends on. */
struct rules_purchase {
	int32_t today;              /* business date D */
	int64_t amount;             /* minor units */
	int blocked;                /* customer is in payments.blocked_customers */
	int64_t max_amount_minor;   /* payments.max_amount in minor units */
	int64_t approved_today;     /* customer's purchases approved on D so far */
	int64_t max_per_day;        /* payments.max_purchases_per_customer_per_day */
	int32_t held_expires;       /* latest expires_on among the customer's
	                               approved, uncancelled memberships of this
	                               product; DATE_NONE when none */
	int renewal_window_days;
	int has_max_sales;          /* product has a sales limit */
	int64_t max_sales;
	int64_t sold_count;
	int term_months;
};

struct rules_decision {
	int approved;               /* 1 approved, 0 declined */
	const char *reason;         /* decline code (static string) or NULL */
	int32_t valid_from;         /* when approved */
	int32_t expires_on;         /* when approved */
};

/* Decide in the order BLOCKED_CUSTOMER, AMOUNT_LIMIT, VELOCITY_LIMIT,
 * ALREADY_ACTIVE, SOLD_OUT; approve otherwise (a renewal when held_expires
 * is after today and within the renewal window: valid_from = held_expires). */
void rules_decide_purchase(const struct rules_purchase *in, struct rules_decision *out);

/* 1 when an approved membership can still be cancelled on day c
 * (c < expires_on), else 0. */
int rules_cancellable(int32_t expires_on, int32_t c);

/* Refund for a cancel on day c of an approved membership: full when
 * c < valid_from + full_refund_days; else, prorated ? floor(amount *
 * (expires_on - c) / (expires_on - valid_from)) : 0. Never more than amount,
 * never negative; exact integer arithmetic. */
int64_t rules_refund_amount(int64_t amount, int32_t valid_from, int32_t expires_on,
			    int32_t c, int full_refund_days, int prorated);

/* 1 when a product with sale_until (DATE_NONE = no end) can be bought on
 * day d (d <= sale_until), else 0. */
int rules_on_sale(int32_t sale_until, int32_t d);

#endif
