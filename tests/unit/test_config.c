/* test_config.c — Check suite for lib/config: every error path with the
 * line and column it names, the defaults, the shipped config file, and how
 * the workspace path resolves. Error cases are one table. Not for: the
 * zone database itself (test_dates). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

static int load(struct config *cfg, const char *yaml, struct error *err)
{
	error_clear(err);
	return config_load_buffer(cfg, "t.yaml", "/etc/membership", (const unsigned char *)yaml,
				  strlen(yaml), err);
}

static void assert_defaults(const struct config *c, const char *workspace)
{
	ck_assert_str_eq(c->workspace, workspace);
	ck_assert_str_eq(c->timezone, "Asia/Seoul");
	ck_assert_str_eq(c->currency_code, "KRW");
	ck_assert_int_eq(c->minor_digits, 0);
	ck_assert_int_eq(c->term_months, 12);
	ck_assert_int_eq(c->renewal_window_days, 30);
	ck_assert_int_eq(c->min_age_seconds, 0);
	ck_assert_int_eq(c->max_file_bytes, 1073741824);
	ck_assert_int_eq(c->max_field_bytes, 1024);
	ck_assert(c->max_rejected_share == 1.0);
	ck_assert_int_eq(c->max_amount, 10000000);
	ck_assert_int_eq(c->max_per_customer_per_day, 10);
	ck_assert_uint_eq(c->n_blocked, 0);
	ck_assert_int_eq(c->full_refund_days, 7);
	ck_assert_int_eq(c->refund_after, REFUND_PRORATED);
	ck_assert_int_eq(c->per_customer, PER_CUSTOMER_CHANGED);
	ck_assert_int_eq(c->notice_days, 30);
	ck_assert_int_eq(c->synchronous_full, 1);
	ck_assert_int_eq(c->lock_wait_seconds, 600);
	ck_assert_int_eq(c->workbook, 1);
	ck_assert_int_eq(c->csv_bom, 0);
	ck_assert_int_eq(c->retention_archive_days, 0);
	ck_assert_int_eq(c->retention_rejected_days, 0);
	ck_assert_int_eq(c->retention_reports_days, 0);
	ck_assert_ptr_null(c->monitoring_textfile);
	ck_assert_int_eq(c->max_inbox_age_minutes, 60);
}

/* ---- error table ------------------------------------------------------ */

struct bad {
	const char *yaml;
	size_t len; /* 0: strlen(yaml) */
	int line, col;
	const char *want; /* the message after "t.yaml:line:col: " */
	int exact;        /* 0: want need only occur in it (libyaml's wording) */
};

static const struct bad bads[] = {
	/* unknown keys, at every level */
	{"workspace: ../var\nworkspac: x\n", 0, 2, 1, "workspac: unknown key", 1},
	{"reports:\n  workbook: yes\n", 0, 2, 13,
	 "reports.workbook: expected true or false, got \"yes\"", 1},
	{"retention:\n  reports_days: -1\n", 0, 2, 17, "retention.reports_days", 0},
	{"monitoring:\n  max_inbox_age_minutes: 0\n", 0, 2, 26, "monitoring.max_inbox_age_minutes",
	 0},
	{"currency:\n  code: KRW\n  digits: 2\n", 0, 3, 3, "currency.digits: unknown key", 1},
	{"lock: {wait_seconds: 1, wait: 2}\n", 0, 1, 25, "lock.wait: unknown key", 1},
	{"\"time\\tzone\": UTC\n", 0, 1, 1, "time?zone: unknown key", 1},
	{"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz: 1\n", 0, 1, 1,
	 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv...: unknown key", 1},
	/* cut after 48 bytes, never inside a UTF-8 character */
	{"lock:\n  wait_seconds: x\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n",
	 0, 2, 17,
	 "lock.wait_seconds: expected a decimal integer, got \""
	 "x\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...\"",
	 1},
	/* wrong types */
	{"inbox:\n  max_field_bytes:\n    a: 1\n", 0, 3, 5,
	 "inbox.max_field_bytes: expected an integer, got a mapping", 1},
	{"lock:\n  wait_seconds: [1]\n", 0, 2, 17,
	 "lock.wait_seconds: expected an integer, got a sequence", 1},
	{"inbox: 5\n", 0, 1, 8, "inbox: expected a mapping, got a scalar", 1},
	{"payments: [1, 2]\n", 0, 1, 11, "payments: expected a mapping, got a sequence", 1},
	{"timezone: {a: b}\n", 0, 1, 11, "timezone: expected an IANA time zone, got a mapping", 1},
	{"timezone:\n", 0, 1, 1, "timezone: missing value (expected an IANA time zone)", 1},
	{"lock:\n  wait_seconds: ~\n", 0, 2, 3,
	 "lock.wait_seconds: missing value (expected an integer)", 1},
	{"workspace: \"\"\n", 0, 1, 12, "workspace: empty path", 1},
	{"- a\n", 0, 1, 1, "the top level must be a mapping, got a sequence", 1},
	{"hello\n", 0, 1, 1, "the top level must be a mapping, got a scalar", 1},
	{"? [a]\n: 1\n", 0, 1, 3, "a key must be a plain word, got a sequence", 1},
	/* out of range */
	{"currency:\n  minor_digits: 4\n", 0, 2, 17,
	 "currency.minor_digits: must be from 0 to 3, got 4", 1},
	{"membership:\n  term_months: 0\n", 0, 2, 16,
	 "membership.term_months: must be from 1 to 1200, got 0", 1},
	{"membership:\n  renewal_window_days: 3661\n", 0, 2, 24,
	 "membership.renewal_window_days: must be from 0 to 3660, got 3661", 1},
	{"inbox:\n  min_age_seconds: -1\n", 0, 2, 20,
	 "inbox.min_age_seconds: must be at least 0, got -1", 1},
	{"inbox:\n  max_file_bytes: 0\n", 0, 2, 19,
	 "inbox.max_file_bytes: must be at least 1, got 0", 1},
	{"inbox:\n  max_file_bytes: 99999999999999999999\n", 0, 2, 19,
	 "inbox.max_file_bytes: too large, got 99999999999999999999", 1},
	{"monitoring:\n  textfile: /var/lib/node/membership.txt\n", 0, 2, 13,
	 "monitoring.textfile: must name a *.prom file (node_exporter reads no other), got "
	 "\"/var/lib/node/membership.txt\"",
	 1},
	{"monitoring:\n  textfile: node/.prom\n", 0, 2, 13,
	 "monitoring.textfile: must name a *.prom", 0},
	/* a quoted scalar is a string, whatever it holds */
	{"inbox:\n  max_field_bytes: \"64\"\n", 0, 2, 20,
	 "inbox.max_field_bytes: expected an integer, got the string \"64\" (write it unquoted)",
	 1},
	{"lock:\n  wait_seconds: '5'\n", 0, 2, 17,
	 "lock.wait_seconds: expected an integer, got the string \"5\" (write it unquoted)", 1},
	{"reports:\n  workbook: \"false\"\n", 0, 2, 13,
	 "reports.workbook: expected true or false, got the string \"false\" (write it unquoted)",
	 1},
	{"inbox:\n  max_rejected_share: \"0.5\"\n", 0, 2, 23,
	 "inbox.max_rejected_share: expected a decimal, got the string \"0.5\" (write it unquoted)",
	 1},
	/* a BOM is not content: the error's column is the key's */
	{"\xef\xbb\xbfworkspace: ws\ntimezon: UTC\n", 0, 2, 1, "timezon: unknown key", 1},
	{"inbox:\n  max_field_bytes: 16777217\n", 0, 2, 20,
	 "inbox.max_field_bytes: must be from 1 to 16777216, got 16777217", 1},
	{"payments:\n  max_purchases_per_customer_per_day: -5\n", 0, 2, 39,
	 "payments.max_purchases_per_customer_per_day: must be at least 0, got -5", 1},
	{"refunds:\n  full_refund_days: 9999\n", 0, 2, 21,
	 "refunds.full_refund_days: must be from 0 to 3660, got 9999", 1},
	{"expire:\n  notice_days: -1\n", 0, 2, 16,
	 "expire.notice_days: must be from 0 to 3660, got -1", 1},
	{"lock:\n  wait_seconds: 86401\n", 0, 2, 17,
	 "lock.wait_seconds: must be from 0 to 86400, got 86401", 1},
	/* no integer guessing */
	{"lock:\n  wait_seconds: yes\n", 0, 2, 17,
	 "lock.wait_seconds: expected a decimal integer, got \"yes\"", 1},
	{"expire:\n  notice_days: 012\n", 0, 2, 16,
	 "expire.notice_days: expected a decimal integer, got \"012\"", 1},
	{"payments:\n  max_amount: 1e3\n", 0, 2, 15,
	 "payments.max_amount: expected a decimal integer, got \"1e3\"", 1},
	{"payments:\n  max_amount: 0x10\n", 0, 2, 15,
	 "payments.max_amount: expected a decimal integer, got \"0x10\"", 1},
	{"payments:\n  max_amount: +5\n", 0, 2, 15,
	 "payments.max_amount: expected a decimal integer, got \"+5\"", 1},
	{"payments:\n  max_amount: 1_000\n", 0, 2, 15,
	 "payments.max_amount: expected a decimal integer, got \"1_000\"", 1},
	{"payments:\n  max_amount: 10.0\n", 0, 2, 15,
	 "payments.max_amount: expected a decimal integer, got \"10.0\"", 1},
	{"payments:\n  max_amount: \" 5\"\n", 0, 2, 15,
	 "payments.max_amount: expected an integer, got the string \" 5\" (write it unquoted)", 1},
	{"payments:\n  max_amount: -0\n", 0, 2, 15,
	 "payments.max_amount: expected a decimal integer, got \"-0\"", 1},
	/* enums */
	{"refunds:\n  after: partial\n", 0, 2, 10,
	 "refunds.after: expected prorated | none, got \"partial\"", 1},
	{"reports:\n  per_customer: Changed\n", 0, 2, 17,
	 "reports.per_customer: expected changed | all | none, got \"Changed\"", 1},
	{"database:\n  synchronous: off\n", 0, 2, 16,
	 "database.synchronous: expected full | normal, got \"off\"", 1},
	/* duplicates */
	{"timezone: UTC\ntimezone: UTC\n", 0, 2, 1, "timezone: duplicate key", 1},
	{"lock:\n  wait_seconds: 1\n  wait_seconds: 2\n", 0, 3, 3,
	 "lock.wait_seconds: duplicate key", 1},
	{"lock:\n  wait_seconds: 1\nlock: {}\n", 0, 3, 1, "lock: duplicate key", 1},
	/* aliases, anchors, tags, documents */
	{"timezone: *zone\n", 0, 1, 11, "timezone: aliases are not allowed", 1},
	{"timezone: &z UTC\n", 0, 1, 11, "timezone: anchors are not allowed", 1},
	{"currency: &cur\n  code: KRW\n", 0, 1, 11, "currency: anchors are not allowed", 1},
	{"lock:\n  wait_seconds: !!int 5\n", 0, 2, 17, "lock.wait_seconds: tags are not allowed",
	 1},
	{"--- !config\nlock: {}\n", 0, 1, 5, "tags are not allowed", 1},
	{"lock: {}\n---\nlock: {}\n", 0, 2, 1, "only one document is allowed", 1},
	/* characters libyaml lets through */
	{"currency:\n  code: K\tRW\n", 0, 2, 9, "currency.code: tab in value", 1},
	{"timezone: \"Asia\\tSeoul\"\n", 0, 1, 11, "timezone: tab in value", 1},
	{"timezone: \"UTC\\0\"\n", 0, 1, 11, "timezone: control character in value", 1},
	{"lock:\n  wait_seconds: 1\0\n", 25, 2, 18, "NUL byte in the file", 1},
	{"\0", 1, 1, 1, "NUL byte in the file", 1},
	{"timezone: \xff\n", 0, 1, 11, "invalid", 0},
	{"lock:\n\twait_seconds: 1\n", 0, 2, 1, "lock: found character that cannot start any token",
	 0},
	/* syntax: named by the key it broke in */
	{"lock: [1\n", 0, 2, 1, "lock[1]: did not find expected ',' or ']'", 0},
	{"payments:\n  blocked_customers:\n    - a\n    - \"b\n", 0, 5, 1,
	 "payments.blocked_customers[1]: found unexpected end of stream", 0},
	{"lock:\n  wait_seconds: 1\n bad\n", 0, 3, 2, "", 0},
	/* values with a meaning */
	{"timezone: Mars/Olympus_Mons\n", 0, 1, 11,
	 "timezone: unknown time zone \"Mars/Olympus_Mons\"", 1},
	{"timezone: ../../../etc/passwd\n", 0, 1, 11,
	 "timezone: unknown time zone \"../../../etc/passwd\"", 1},
	{"currency:\n  code: krw\n", 0, 2, 9,
	 "currency.code: expected three letters A-Z (ISO 4217), got \"krw\"", 1},
	{"currency:\n  code: KRWX\n", 0, 2, 9,
	 "currency.code: expected three letters A-Z (ISO 4217), got \"KRWX\"", 1},
	{"currency:\n  code: 123\n", 0, 2, 9,
	 "currency.code: expected three letters A-Z (ISO 4217), got \"123\"", 1},
	{"inbox:\n  max_rejected_share: abc\n", 0, 2, 23,
	 "inbox.max_rejected_share: expected a decimal from 0 to 1, got \"abc\"", 1},
	{"inbox:\n  max_rejected_share: -0.1\n", 0, 2, 23,
	 "inbox.max_rejected_share: expected a decimal from 0 to 1, got \"-0.1\"", 1},
	{"inbox:\n  max_rejected_share: 2\n", 0, 2, 23,
	 "inbox.max_rejected_share: expected a decimal from 0 to 1, got \"2\"", 1},
	{"inbox:\n  max_rejected_share: 1.5\n", 0, 2, 23,
	 "inbox.max_rejected_share: expected a decimal from 0 to 1, got \"1.5\"", 1},
	{"inbox:\n  max_rejected_share: 1.\n", 0, 2, 23,
	 "inbox.max_rejected_share: expected a decimal from 0 to 1, got \"1.\"", 1},
	{"inbox:\n  max_rejected_share: 01\n", 0, 2, 23,
	 "inbox.max_rejected_share: expected a decimal from 0 to 1, got \"01\"", 1},
	{"inbox:\n  max_rejected_share: 1e0\n", 0, 2, 23,
	 "inbox.max_rejected_share: expected a decimal from 0 to 1, got \"1e0\"", 1},
	{"inbox:\n  max_rejected_share: 0.1234567890123456\n", 0, 2, 23,
	 "inbox.max_rejected_share: more than 15 decimals in 0.1234567890123456", 1},
	{"payments:\n  blocked_customers: [ok_1, \"bad id\"]\n", 0, 2, 29,
	 "payments.blocked_customers[1]: a customer id is 1-64 of A-Z a-z 0-9 _ -,"
	 " the first a letter or digit, got \"bad id\"",
	 1},
	{"payments:\n  blocked_customers: [ok_1, \"-x\"]\n", 0, 2, 29,
	 "payments.blocked_customers[1]: a customer id is 1-64 of A-Z a-z 0-9 _ -,"
	 " the first a letter or digit, got \"-x\"",
	 1},
	{"payments:\n  blocked_customers:\n    - a\n    - b.c\n", 0, 4, 7,
	 "payments.blocked_customers[1]: a customer id is 1-64 of A-Z a-z 0-9 _ -,"
	 " the first a letter or digit, got \"b.c\"",
	 1},
	{"payments:\n  blocked_customers:\n"
	 "    - x1234567890123456789012345678901234567890123456789012345678901234\n",
	 0, 3, 7, "a customer id is 1-64 of A-Z a-z 0-9 _ -", 0},
	{"payments:\n  blocked_customers: [a, ~]\n", 0, 2, 26,
	 "payments.blocked_customers[1]: expected a customer id, got nothing", 1},
	{"payments:\n  blocked_customers: [[a]]\n", 0, 2, 23,
	 "payments.blocked_customers[0]: expected a customer id, got a sequence", 1},
	{"payments:\n  blocked_customers: c1\n", 0, 2, 22,
	 "payments.blocked_customers: expected a sequence of customer ids, got a scalar", 1},
	/* max_amount must fit 2^53 minor units, whichever key comes first */
	{"currency:\n  minor_digits: 2\npayments:\n  max_amount: 90071992547410\n", 0, 4, 15,
	 "payments.max_amount: max_amount 90071992547410 with 2 minor digits exceeds"
	 " 2^53 minor units (at most 90071992547409)",
	 1},
	{"payments:\n  max_amount: 9007199254741\ncurrency:\n  minor_digits: 3\n", 0, 2, 15,
	 "payments.max_amount: max_amount 9007199254741 with 3 minor digits exceeds"
	 " 2^53 minor units (at most 9007199254740)",
	 1},
	{"payments:\n  max_amount: 9007199254740993\n", 0, 2, 15,
	 "max_amount 9007199254740993 with 0 minor digits exceeds", 0},
	/* depth: 17 levels are refused where they start */
	{"[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]\n", 0, 1, 17, "nested deeper than 16 levels", 0},
	{"[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]\n", 0, 1, 1,
	 "the top level must be a mapping, got a sequence", 1},
	{"lock:\n  wait_seconds: [[[[[[[[[[[[[[[[[\n", 0, 2, 31,
	 "lock.wait_seconds[0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nested deeper"
	 " than 16 levels",
	 1},
};

START_TEST(test_errors)
{
	const struct bad *b = &bads[_i];
	struct config cfg;
	struct error err;
	size_t len = b->len ? b->len : strlen(b->yaml);
	char prefix[64];

	error_clear(&err);
	int rc = config_load_buffer(&cfg, "t.yaml", "/etc/membership",
				    (const unsigned char *)b->yaml, len, &err);
	ck_assert_msg(rc == -1, "case %d accepted: %s", _i, b->yaml);
	ck_assert_int_eq(err.code, EX_CONFIG);
	snprintf(prefix, sizeof prefix, "t.yaml:%d:%d: ", b->line, b->col);
	ck_assert_msg(strncmp(err.msg, prefix, strlen(prefix)) == 0,
		      "case %d: wanted %s..., got %s", _i, prefix, err.msg);
	const char *rest = err.msg + strlen(prefix);
	if (b->exact)
		ck_assert_msg(strcmp(rest, b->want) == 0, "case %d: wanted \"%s\", got \"%s\"", _i,
			      b->want, rest);
	else
		ck_assert_msg(strstr(rest, b->want) != NULL, "case %d: wanted \"%s\" in \"%s\"", _i,
			      b->want, rest);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	/* a failed load leaves nothing behind */
	ck_assert_ptr_null(cfg.path);
	ck_assert_ptr_null(cfg.workspace);
	ck_assert_ptr_null(cfg.timezone);
	ck_assert_ptr_null(cfg.blocked_customers);
	config_free(&cfg);
}
END_TEST

START_TEST(test_deep_nesting_fast)
{
	static const char opens[] = "[{";
	for (int k = 0; k < 2; k++) {
		size_t n = 100000;
		unsigned char *buf = malloc(n);
		ck_assert_ptr_nonnull(buf);
		memset(buf, opens[k], n);
		struct config cfg;
		struct error err;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int rc = config_load_buffer(&cfg, "deep.yaml", ".", buf, n, &err);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(err.code, EX_CONFIG);
		ck_assert_msg(strncmp(err.msg, "deep.yaml:1:17: ", 16) == 0, "%s", err.msg);
		ck_assert_ptr_nonnull(strstr(err.msg, "nested deeper than 16 levels"));
		ck_assert_msg(secs < 0.5, "took %.3f s", secs);
		free(buf);
	}
}
END_TEST

START_TEST(test_too_big)
{
	size_t n = 16 * 1024 * 1024 + 1;
	unsigned char *buf = malloc(n);
	ck_assert_ptr_nonnull(buf);
	memset(buf, '#', n);
	struct config cfg;
	struct error err;
	ck_assert_int_eq(config_load_buffer(&cfg, "big.yaml", ".", buf, n, &err), -1);
	ck_assert_int_eq(err.code, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "big.yaml: larger than"));
	free(buf);
}
END_TEST

/* ---- valid input -------------------------------------------------------- */

static const char *const empties[] = {
	"",
	"# only a comment\n\n   # and another\n",
	"~\n",
	"null\n",
	"---\n",
	"---\n...\n",
	"--- ~\n# trailing comment\n",
	"\xef\xbb\xbf# a BOM, then nothing\n",
	"inbox:\nlock: ~\npayments:\n  blocked_customers:\n",
	"currency: {}\nrefunds: null\n",
};

START_TEST(test_empty_is_defaults)
{
	struct config cfg;
	struct error err;
	ck_assert_msg(load(&cfg, empties[_i], &err) == 0, "case %d: %s", _i, err.msg);
	assert_defaults(&cfg, "/var/lib/membership");
	ck_assert_str_eq(cfg.path, "t.yaml");
	config_free(&cfg);
}
END_TEST

/* A file saved with a BOM (Windows editors) reads as without it. */
START_TEST(test_bom)
{
	struct config cfg;
	struct error err;
	ck_assert_msg(load(&cfg, "\xef\xbb\xbfworkspace: /srv/m\ntimezone: UTC\n", &err) == 0, "%s",
		      err.msg);
	ck_assert_str_eq(cfg.workspace, "/srv/m");
	ck_assert_str_eq(cfg.timezone, "UTC");
	config_free(&cfg);
}
END_TEST

START_TEST(test_full_file)
{
	static const char yaml[] = "# every key, none at its default\r\n"
				   "workspace: /srv/membership\r\n"
				   "timezone: UTC\r\n"
				   "currency:\r\n"
				   "  code: USD\r\n"
				   "  minor_digits: 2\r\n"
				   "membership:\r\n"
				   "  term_months: 1\r\n"
				   "  renewal_window_days: 0\r\n"
				   "inbox:\r\n"
				   "  min_age_seconds: 60\r\n"
				   "  max_file_bytes: 1\r\n"
				   "  max_field_bytes: 16777216\r\n"
				   "  max_rejected_share: 0.25\r\n"
				   "payments:\r\n"
				   "  max_amount: 90071992547409\r\n"
				   "  max_purchases_per_customer_per_day: 0\r\n"
				   "  blocked_customers:\r\n"
				   "    - zed\r\n"
				   "    - alice_1\r\n"
				   "    - 'B-2'\r\n"
				   "    - zed\r\n"
				   "refunds:\r\n"
				   "  full_refund_days: 3660\r\n"
				   "  after: none\r\n"
				   "reports:\r\n"
				   "  per_customer: all\r\n"
				   "  workbook: false\r\n"
				   "  csv_bom: true\r\n"
				   "expire:\r\n"
				   "  notice_days: 0\r\n"
				   "database:\r\n"
				   "  synchronous: normal\r\n"
				   "lock:\r\n"
				   "  wait_seconds: 86400\r\n"
				   "retention:\r\n"
				   "  archive_days: 1\r\n"
				   "  rejected_days: 2\r\n"
				   "  reports_days: 36600\r\n"
				   "monitoring:\r\n"
				   "  textfile: node/membership.prom\r\n"
				   "  max_inbox_age_minutes: 5\r\n";
	struct config cfg;
	struct error err;
	ck_assert_msg(load(&cfg, yaml, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(cfg.workspace, "/srv/membership");
	ck_assert_str_eq(cfg.timezone, "UTC");
	ck_assert_str_eq(cfg.currency_code, "USD");
	ck_assert_int_eq(cfg.minor_digits, 2);
	ck_assert_int_eq(cfg.term_months, 1);
	ck_assert_int_eq(cfg.renewal_window_days, 0);
	ck_assert_int_eq(cfg.min_age_seconds, 60);
	ck_assert_int_eq(cfg.max_file_bytes, 1);
	ck_assert_int_eq(cfg.max_field_bytes, 16777216);
	ck_assert(cfg.max_rejected_share == 0.25);
	ck_assert_int_eq(cfg.max_rejected_share_num, 25);
	ck_assert_int_eq(cfg.max_rejected_share_den, 100);
	ck_assert_int_eq(cfg.max_amount, INT64_C(90071992547409));
	ck_assert_int_eq(cfg.max_per_customer_per_day, 0);
	ck_assert_uint_eq(cfg.n_blocked, 3);
	ck_assert_str_eq(cfg.blocked_customers[0], "B-2");
	ck_assert_str_eq(cfg.blocked_customers[1], "alice_1");
	ck_assert_str_eq(cfg.blocked_customers[2], "zed");
	ck_assert(config_is_blocked(&cfg, "zed"));
	ck_assert(config_is_blocked(&cfg, "B-2"));
	ck_assert(config_is_blocked(&cfg, "alice_1"));
	ck_assert(!config_is_blocked(&cfg, "alice"));
	ck_assert(!config_is_blocked(&cfg, "b-2"));
	ck_assert_int_eq(cfg.full_refund_days, 3660);
	ck_assert_int_eq(cfg.refund_after, REFUND_NONE);
	ck_assert_int_eq(cfg.per_customer, PER_CUSTOMER_ALL);
	ck_assert_int_eq(cfg.notice_days, 0);
	ck_assert_int_eq(cfg.synchronous_full, 0);
	ck_assert_int_eq(cfg.lock_wait_seconds, 86400);
	ck_assert_int_eq(cfg.workbook, 0);
	ck_assert_int_eq(cfg.csv_bom, 1);
	ck_assert_int_eq(cfg.retention_archive_days, 1);
	ck_assert_int_eq(cfg.retention_rejected_days, 2);
	ck_assert_int_eq(cfg.retention_reports_days, 36600);
	ck_assert_str_eq(cfg.monitoring_textfile, "/etc/membership/node/membership.prom");
	ck_assert_int_eq(cfg.max_inbox_age_minutes, 5);
	config_free(&cfg);
}
END_TEST

START_TEST(test_flow_style)
{
	struct config cfg;
	struct error err;
	ck_assert_msg(load(&cfg,
			   "{reports: {per_customer: none}, payments: {blocked_customers: "
			   "[c, a, b, a, c]}, currency: {code: EUR, minor_digits: 3}}",
			   &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(cfg.per_customer, PER_CUSTOMER_NONE);
	ck_assert_str_eq(cfg.currency_code, "EUR");
	ck_assert_int_eq(cfg.minor_digits, 3);
	ck_assert_uint_eq(cfg.n_blocked, 3);
	ck_assert_str_eq(cfg.blocked_customers[0], "a");
	ck_assert_str_eq(cfg.blocked_customers[2], "c");
	ck_assert(config_is_blocked(&cfg, "b"));
	ck_assert(!config_is_blocked(&cfg, "d"));
	config_free(&cfg);
}
END_TEST

struct share_case {
	const char *text;
	double want;
};

static const struct share_case shares[] = {
	{"0", 0.0},  {"1", 1.0},     {"0.25", 0.25}, {"1.0", 1.0},
	{".5", 0.5}, {"1.000", 1.0}, {"0.1", 0.1},   {"0.000000000000001", 1e-15},
};

START_TEST(test_share)
{
	char yaml[128];
	struct config cfg;
	struct error err;
	snprintf(yaml, sizeof yaml, "inbox:\n  max_rejected_share: %s\n", shares[_i].text);
	ck_assert_msg(load(&cfg, yaml, &err) == 0, "%s: %s", shares[_i].text, err.msg);
	ck_assert_msg(cfg.max_rejected_share == shares[_i].want, "%s -> %.17g", shares[_i].text,
		      cfg.max_rejected_share);
	config_free(&cfg);
}
END_TEST

START_TEST(test_limits_accepted)
{
	struct config cfg;
	struct error err;
	ck_assert_msg(load(&cfg, "payments:\n  max_amount: 9007199254740992\n", &err) == 0, "%s",
		      err.msg);
	ck_assert_int_eq(cfg.max_amount, INT64_C(9007199254740992));
	config_free(&cfg);
	ck_assert_msg(load(&cfg,
			   "currency:\n  minor_digits: 3\npayments:\n  max_amount: 0\n"
			   "inbox:\n  min_age_seconds: 9223372036854775807\n",
			   &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(cfg.max_amount, 0);
	ck_assert_int_eq(cfg.min_age_seconds, INT64_MAX);
	config_free(&cfg);
	/* a quoted string where a string is wanted is that string */
	ck_assert_msg(load(&cfg, "lock:\n  wait_seconds: 30\ntimezone: 'Asia/Seoul'\n", &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(cfg.lock_wait_seconds, 30);
	ck_assert_str_eq(cfg.timezone, "Asia/Seoul");
	config_free(&cfg);
}
END_TEST

/* ---- files and the workspace path ---------------------------------------- */

static char tmpdir[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char path[256];
	snprintf(path, sizeof path, "%s/sub/m.yaml", tmpdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/m.yaml", tmpdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/sub", tmpdir);
	rmdir(path);
	rmdir(tmpdir);
}

START_TEST(test_workspace_resolution)
{
	char dir[128], path[160], want[320];
	struct config cfg;
	struct error err;

	make_tmpdir();
	snprintf(dir, sizeof dir, "%s/sub", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/m.yaml", dir);

	write_file(path, "workspace: data\n");
	ck_assert_msg(config_load(&cfg, path, &err) == 0, "%s", err.msg);
	snprintf(want, sizeof want, "%s/data", dir);
	ck_assert_str_eq(cfg.workspace, want);
	ck_assert_str_eq(cfg.path, path);
	config_free(&cfg);

	write_file(path, "# defaults\n");
	ck_assert_msg(config_load(&cfg, path, &err) == 0, "%s", err.msg);
	assert_defaults(&cfg, "/var/lib/membership");
	config_free(&cfg);

	write_file(path, "workspace: /srv/membership/var\n");
	ck_assert_msg(config_load(&cfg, path, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(cfg.workspace, "/srv/membership/var");
	config_free(&cfg);

	/* a bare file name resolves against the current folder */
	int cwd = open(".", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(cwd, 0);
	ck_assert_int_eq(chdir(dir), 0);
	write_file("m.yaml", "workspace: ./w\n");
	int rc = config_load(&cfg, "m.yaml", &err);
	ck_assert_int_eq(fchdir(cwd), 0);
	close(cwd);
	ck_assert_msg(rc == 0, "%s", err.msg);
	ck_assert_str_eq(cfg.workspace, "././w");
	config_free(&cfg);

	/* errors name the file as given */
	write_file(path, "lock:\n  wait_seconds: x\n");
	ck_assert_int_eq(config_load(&cfg, path, &err), -1);
	ck_assert_int_eq(err.code, EX_CONFIG);
	snprintf(want, sizeof want,
		 "%s:2:17: lock.wait_seconds: expected a decimal integer,"
		 " got \"x\"",
		 path);
	ck_assert_str_eq(err.msg, want);
	config_free(&cfg);

	remove_tmpdir();

	/* from a buffer: base_dir joins with one slash; none keeps it relative */
	ck_assert_int_eq(config_load_buffer(&cfg, "b", "/", (const unsigned char *)"", 0, &err), 0);
	ck_assert_str_eq(cfg.workspace, "/var/lib/membership");
	config_free(&cfg);
	ck_assert_int_eq(config_load_buffer(&cfg, "b", NULL,
					    (const unsigned char *)"workspace: w\n", 13, &err),
			 0);
	ck_assert_str_eq(cfg.workspace, "w");
	config_free(&cfg);
}
END_TEST

START_TEST(test_missing_file)
{
	struct config cfg;
	struct error err;
	error_clear(&err);
	ck_assert_int_eq(config_load(&cfg, "/nonexistent/membership.yaml", &err), -1);
	ck_assert_int_eq(err.code, EX_NOINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/membership.yaml"));
	ck_assert_ptr_null(cfg.workspace);
	config_free(&cfg);

	/* a folder is not a readable file either */
	ck_assert_int_eq(config_load(&cfg, "/tmp", &err), -1);
	ck_assert_int_eq(err.code, EX_NOINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "/tmp"));
	config_free(&cfg);
}
END_TEST

/* The shipped file: every key of SPEC §3, at exactly the defaults. */
START_TEST(test_shipped_config)
{
	static const char *const keys[] = {
		"workspace:",
		"timezone:",
		"currency:",
		"code:",
		"minor_digits:",
		"membership:",
		"term_months:",
		"renewal_window_days:",
		"inbox:",
		"min_age_seconds:",
		"max_file_bytes:",
		"max_field_bytes:",
		"max_rejected_share:",
		"payments:",
		"max_amount:",
		"max_purchases_per_customer_per_day:",
		"blocked_customers:",
		"refunds:",
		"full_refund_days:",
		"after:",
		"reports:",
		"per_customer:",
		"expire:",
		"notice_days:",
		"database:",
		"synchronous:",
		"lock:",
		"wait_seconds:",
	};
	char root[512], path[600], want[700], text[8192];
	struct config cfg;
	struct error err;

	/* __FILE__ is tests/unit/test_config.c below the project root */
	snprintf(root, sizeof root, "%s", __FILE__);
	char *cut = strstr(root, "tests/unit/test_config.c");
	ck_assert_ptr_nonnull(cut);
	*cut = '\0';
	snprintf(path, sizeof path, "%sconfig/membership.yaml", root);

	ck_assert_msg(config_load(&cfg, path, &err) == 0, "%s", err.msg);
	snprintf(want, sizeof want, "%sconfig/../var", root);
	assert_defaults(&cfg, want);
	config_free(&cfg);

	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		ck_assert_msg(strstr(text, keys[i]) != NULL, "%s missing", keys[i]);
}
END_TEST

START_TEST(test_free_is_safe)
{
	struct config cfg;
	struct error err;
	memset(&cfg, 0, sizeof cfg);
	config_free(&cfg);
	config_free(&cfg);
	config_free(NULL);
	ck_assert(!config_is_blocked(&cfg, "a"));

	ck_assert_int_eq(load(&cfg, "payments: {blocked_customers: [a]}\n", &err), 0);
	ck_assert(config_is_blocked(&cfg, "a"));
	config_free(&cfg);
	config_free(&cfg);
	ck_assert_ptr_null(cfg.workspace);
	ck_assert_uint_eq(cfg.n_blocked, 0);

	/* partly filled by hand */
	memset(&cfg, 0, sizeof cfg);
	cfg.timezone = strdup("UTC");
	config_free(&cfg);
	config_free(&cfg);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof bads / sizeof bads[0]));
	tcase_add_test(tc, test_deep_nesting_fast);
	tcase_add_test(tc, test_too_big);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid");
	tcase_add_loop_test(tc, test_empty_is_defaults, 0,
			    (int)(sizeof empties / sizeof empties[0]));
	tcase_add_test(tc, test_full_file);
	tcase_add_test(tc, test_bom);
	tcase_add_test(tc, test_flow_style);
	tcase_add_loop_test(tc, test_share, 0, (int)(sizeof shares / sizeof shares[0]));
	tcase_add_test(tc, test_limits_accepted);
	tcase_add_test(tc, test_free_is_safe);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_test(tc, test_workspace_resolution);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_shipped_config);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(config_suite, "config")
