/* rules.c — the business rules of SPEC §5 as pure functions: the approval
 * decision, the term of an approved purchase, its end, cancellability,
 * refunds, "on sale", "active on D" and the status as of D.
 * Not for: I/O, the clock or the database; callers pass "today" in.
 * Day sums are done in int64 so that no input can overflow int32. */
#include "rules.h"

#include "dates.h"

static void decline(struct rules_decision *out, const char *reason)
{
	out->approved = 0;
	out->reason = reason;
	out->valid_from = DATE_NONE;
	out->expires_on = DATE_NONE;
}

/* A declined decision has valid_from and expires_on DATE_NONE. */
void rules_decide_purchase(const struct rules_purchase *in, struct rules_decision *out)
{
	int64_t window_end = (int64_t)in->today + in->renewal_window_days;
	int held = in->held_expires != DATE_NONE;

	if (in->blocked) {
		decline(out, "BLOCKED_CUSTOMER");
		return;
	}
	if (in->amount > in->max_amount_minor) {
		decline(out, "AMOUNT_LIMIT");
		return;
	}
	/* Approving one more at the limit would make it "more than" the limit. */
	if (in->approved_today >= in->max_per_day) {
		decline(out, "VELOCITY_LIMIT");
		return;
	}
	if (held && in->held_expires > window_end) {
		decline(out, "ALREADY_ACTIVE");
		return;
	}
	if (in->has_max_sales && in->sold_count >= in->max_sales) {
		decline(out, "SOLD_OUT");
		return;
	}
	out->approved = 1;
	out->reason = NULL;
	/* A renewal starts when the held membership ends, so no day is lost. */
	if (held && in->held_expires > in->today)
		out->valid_from = in->held_expires;
	else
		out->valid_from = in->today;
	out->expires_on = dates_add_months(out->valid_from, in->term_months);
}

int32_t rules_expired_through(int32_t d)
{
	return d;
}

int rules_term_over(int32_t expires_on, int32_t d)
{
	return expires_on != DATE_NONE && expires_on <= rules_expired_through(d);
}

int rules_cancellable(int32_t expires_on, int32_t c)
{
	return !rules_term_over(expires_on, c);
}

/* "By d": a date that is not DATE_NONE and not after d. */
static int by(int32_t day, int32_t d)
{
	return day != DATE_NONE && day <= d;
}

int rules_active_on(int32_t approved_on, int32_t valid_from, int32_t expires_on,
		    int32_t cancelled_on, int32_t d)
{
	return by(approved_on, d) && by(valid_from, d) && expires_on != DATE_NONE &&
	       !rules_term_over(expires_on, d) && !by(cancelled_on, d);
}

const char *rules_status_as_of(int32_t decided_on, int declined, int32_t cancelled_on,
			       int32_t expired_on, int32_t expires_on, int32_t d)
{
	if (by(cancelled_on, d))
		return "CANCELLED";
	if (by(expired_on, d))
		return "EXPIRED";
	if (!by(decided_on, d))
		return "PENDING_PAYMENT";
	if (declined)
		return "DECLINED";
	return rules_term_over(expires_on, d) ? "EXPIRED" : "ACTIVE";
}

/* A term of no days (expires_on <= valid_from, which no approved purchase
 * has) refunds in full while still cancellable (c < expires_on), else 0,
 * rather than divide by zero. */
int64_t rules_refund_amount(int64_t amount, int32_t valid_from, int32_t expires_on, int32_t c,
			    int full_refund_days, int prorated)
{
	if (amount <= 0)
		return 0;
	if ((int64_t)c < (int64_t)valid_from + full_refund_days)
		return amount;
	if (!prorated)
		return 0;
	int64_t term = (int64_t)expires_on - valid_from;
	int64_t left = (int64_t)expires_on - c;
	if (term <= 0)
		return rules_cancellable(expires_on, c) ? amount : 0;
	if (left <= 0)
		return 0;
	if (left >= term)
		return amount;
	/* floor(amount * left / term) without the 96-bit product: with
	 * amount = q * term + r, it is q * left + floor(r * left / term), and
	 * r, left < term < 2^32, so r * left fits uint64. */
	uint64_t q = (uint64_t)amount / (uint64_t)term;
	uint64_t r = (uint64_t)amount % (uint64_t)term;
	return (int64_t)(q * (uint64_t)left + r * (uint64_t)left / (uint64_t)term);
}

int rules_on_sale(int32_t sale_until, int32_t d)
{
	return sale_until == DATE_NONE || d <= sale_until;
}

const char *rules_product_status(int deleted, int32_t sale_until, int32_t d)
{
	if (deleted)
		return "DELETED";
	return rules_on_sale(sale_until, d) ? "ACTIVE" : "EXPIRED";
}
