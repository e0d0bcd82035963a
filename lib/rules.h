/* rules.h — the business rules of SPEC §5 as pure functions over plain
 * values: approval decision, term dates, refund amount, the end of a term,
 * cancellability, "on sale", "active on D", status as of D. No I/O, no
 * clock: "today" is a parameter, so every rule is tested with worked
 * numbers alone. Each rule is written here once; SQL asks the same
 * functions (rules_sql.h registers them on every connection). Dates are
 * days since 1970-01-01; DATE_NONE is "no date" (a NULL column). */
#ifndef MEMBERSHIP_RULES_H
#define MEMBERSHIP_RULES_H

#include <stdint.h>

/* Everything the approval of one pending purchase depends on. */
struct rules_purchase {
	int32_t today;            /* business date D */
	int64_t amount;           /* minor units */
	int blocked;              /* customer is in payments.blocked_customers */
	int64_t max_amount_minor; /* payments.max_amount in minor units */
	int64_t approved_today;   /* customer's purchases approved on D so far */
	int64_t max_per_day;      /* payments.max_purchases_per_customer_per_day */
	int32_t held_expires;     /* latest expires_on among the customer's
				     approved, uncancelled memberships of this
				     product; DATE_NONE when none */
	int renewal_window_days;
	int has_max_sales; /* product has a sales limit */
	int64_t max_sales;
	int64_t sold_count;
	int term_months;
};

struct rules_decision {
	int approved;       /* 1 approved, 0 declined */
	const char *reason; /* decline code (static string) or NULL */
	int32_t valid_from; /* when approved */
	int32_t expires_on; /* when approved */
};

/* Decide in the order BLOCKED_CUSTOMER, AMOUNT_LIMIT, VELOCITY_LIMIT,
 * ALREADY_ACTIVE, SOLD_OUT; approve otherwise (a renewal when held_expires
 * is after today and within the renewal window: valid_from = held_expires). */
void rules_decide_purchase(const struct rules_purchase *in, struct rules_decision *out);

/* The latest expires_on of a membership whose term is over on day d: its
 * term is over from expires_on on (so d itself). A bound rather than a
 * test, so that SQL can walk an index of expires_on up to it. */
int32_t rules_expired_through(int32_t d);

/* 1 when the term of a membership expiring on expires_on is over on day d
 * (expires_on <= rules_expired_through(d)); 0 for DATE_NONE (no term yet).
 * Whether or not `expire` has run: that job only records it. */
int rules_term_over(int32_t expires_on, int32_t d);

/* 1 when an approved membership can still be cancelled on day c, the date
 * of the cancel's requested_at: its term is not over on c. */
int rules_cancellable(int32_t expires_on, int32_t c);

/* 1 when a membership is active on d (SPEC §5): approved on or before d,
 * valid_from <= d, its term not over on d, and not cancelled on or before
 * d. approved_on and cancelled_on are DATE_NONE when it was not. */
int rules_active_on(int32_t approved_on, int32_t valid_from, int32_t expires_on,
		    int32_t cancelled_on, int32_t d);

/* A membership's status as of d (SPEC §6): CANCELLED once cancelled (a
 * cancel requested before the expiry may be refunded after expire ran),
 * EXPIRED once expire recorded it (expired_on) or its term is over,
 * DECLINED once declined, ACTIVE once approved, else PENDING_PAYMENT.
 * decided_on, cancelled_on, expired_on are DATE_NONE until they happen.
 * A static string. */
const char *rules_status_as_of(int32_t decided_on, int declined, int32_t cancelled_on,
			       int32_t expired_on, int32_t expires_on, int32_t d);

/* Refund for a cancel on day c of an approved membership: full when
 * c < valid_from + full_refund_days; else, prorated ? floor(amount *
 * (expires_on - c) / (expires_on - valid_from)) : 0. Never more than amount,
 * never negative; exact integer arithmetic. */
int64_t rules_refund_amount(int64_t amount, int32_t valid_from, int32_t expires_on, int32_t c,
			    int full_refund_days, int prorated);

/* 1 when a product with sale_until (DATE_NONE = no end) can be bought on
 * day d (d <= sale_until), else 0. */
int rules_on_sale(int32_t sale_until, int32_t d);

/* A product's status on day d: DELETED, EXPIRED (not on sale on d) or
 * ACTIVE. A static string. */
const char *rules_product_status(int deleted, int32_t sale_until, int32_t d);

#endif
