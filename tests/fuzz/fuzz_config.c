/* fuzz_config.c — libFuzzer harness for config_load_buffer (lib/config.c).
 * Any bytes: either a valid configuration whose every value is within the
 * ranges SPEC §3 gives, or an error with an exit code of EX_CONFIG (or
 * EX_OSERR for memory) and a one-line message that names the file, line
 * and column ("fuzz.yaml:L:C: ..."). Nesting is capped, so no input may be
 * slow (libFuzzer's -timeout catches that), and nothing may leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "dates.h"
#include "money.h"

static void fail(const char *what, const struct error *err)
{
	fprintf(stderr, "fuzz_config: %s (code %d, message \"%s\")\n", what, err->code, err->msg);
	abort();
}

static void check_valid(const struct config *c, const struct error *err)
{
	if (c->workspace == NULL || c->workspace[0] == '\0' || c->timezone == NULL ||
	    c->path == NULL)
		fail("valid config without workspace, timezone or path", err);
	if (!dates_zone_exists(c->timezone))
		fail("valid config with an unknown zone", err);
	for (int i = 0; i < 3; i++)
		if (c->currency_code[i] < 'A' || c->currency_code[i] > 'Z')
			fail("currency code not three letters", err);
	if (c->currency_code[3] != '\0')
		fail("currency code not NUL-ended", err);
	if (c->minor_digits < 0 || c->minor_digits > 3 || c->term_months < 1 ||
	    c->term_months > 1200 || c->renewal_window_days < 0 ||
	    c->renewal_window_days > 3660 || c->min_age_seconds < 0 || c->max_file_bytes < 1 ||
	    c->max_field_bytes < 1 || c->max_field_bytes > 16777216 ||
	    !(c->max_rejected_share >= 0.0 && c->max_rejected_share <= 1.0) ||
	    c->max_amount < 0 || c->max_per_customer_per_day < 0 || c->full_refund_days < 0 ||
	    c->full_refund_days > 3660 || c->notice_days < 0 || c->notice_days > 3660 ||
	    c->lock_wait_seconds < 0 || c->lock_wait_seconds > 86400)
		fail("a value out of its range", err);
	if (c->max_amount > MONEY_MAX_MINOR / money_scale(c->minor_digits))
		fail("max_amount over 2^53 minor units", err);
	if (c->synchronous_full != 0 && c->synchronous_full != 1)
		fail("synchronous not 0/1", err);
	for (size_t i = 0; i < c->n_blocked; i++) {
		const char *id = c->blocked_customers[i];
		if (id == NULL || id[0] == '\0' || strlen(id) > 64)
			fail("bad blocked id", err);
		if (i > 0 && strcmp(c->blocked_customers[i - 1], id) >= 0)
			fail("blocked ids not sorted and unique", err);
		if (!config_is_blocked(c, id))
			fail("config_is_blocked misses a blocked id", err);
	}
	if (config_is_blocked(c, "") || config_is_blocked(c, NULL))
		fail("config_is_blocked accepts nothing", err);
}

static void check_error(const struct config *c, const struct error *err)
{
	if (err->code != EX_CONFIG && err->code != EX_OSERR)
		fail("error with an unexpected code", err);
	if (err->msg[0] == '\0' || strchr(err->msg, '\n') || strchr(err->msg, '\r'))
		fail("error message empty or not one line", err);
	for (const unsigned char *p = (const unsigned char *)err->msg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fail("control byte in the message", err);
	if (err->code == EX_CONFIG) {
		/* "fuzz.yaml:LINE:COL: ..." (only "too large" lacks a mark) */
		const char *p = err->msg + strlen("fuzz.yaml");
		if (strncmp(err->msg, "fuzz.yaml:", 10) != 0)
			fail("message does not start with the file name", err);
		if (strstr(err->msg, "larger than") == NULL) {
			char *end;
			long line = strtol(p + 1, &end, 10);
			long col = end[0] == ':' ? strtol(end + 1, &end, 10) : 0;
			if (line < 1 || col < 1 || end[0] != ':')
				fail("message without file:line:col", err);
		}
	}
	/* On failure the struct holds nothing to free. */
	if (c->path || c->workspace || c->timezone || c->blocked_customers)
		fail("failed load left memory in the config", err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct error err;
	error_clear(&err);
	if (dates_use_zone("Asia/Seoul", &err) != 0)
		fail("dates_use_zone", &err);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct error err;
	error_clear(&err);
	int rc = config_load_buffer(&cfg, "fuzz.yaml", "/srv/membership/config", data, size, &err);
	if (rc == 0) {
		if (err.code != 0)
			fail("success with an error set", &err);
		check_valid(&cfg, &err);
	} else if (rc == -1) {
		check_error(&cfg, &err);
	} else {
		fail("return value neither 0 nor -1", &err);
	}
	config_free(&cfg);
	return 0;
}
