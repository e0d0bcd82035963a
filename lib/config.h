/* config.h — membership.yaml (SPEC §3) read with libyaml into one typed
 * struct. Every key has a default; an empty file is valid. Unknown keys,
 * wrong types, out-of-range values, duplicate keys, aliases and anchors are
 * errors naming file, line, column and key. Not for: deciding defaults of
 * the config file's location ($MEMBERSHIP_CONFIG is main's business). */
#ifndef MEMBERSHIP_CONFIG_H
#define MEMBERSHIP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CONFIG_MAX_DEPTH 16
#ifndef CONFIG_DEFAULT_WORKSPACE
#define CONFIG_DEFAULT_WORKSPACE "/var/lib/membership" /* SPEC §3 */
#endif                                                 /* nesting deeper than this is refused */

enum refund_after { REFUND_PRORATED, REFUND_NONE };
enum per_customer { PER_CUSTOMER_CHANGED, PER_CUSTOMER_ALL, PER_CUSTOMER_NONE };

struct config {
	char *path;                /* the file as given */
	char *workspace;           /* resolved: relative to the file's folder */
	char *timezone;            /* IANA name, checked to exist */
	char currency_code[4];     /* three letters A-Z */
	int minor_digits;          /* 0..3 */
	int term_months;           /* 1..1200 */
	int renewal_window_days;   /* 0..3660 */
	int64_t min_age_seconds;   /* >= 0 */
	int64_t max_file_bytes;    /* >= 1 */
	int64_t max_field_bytes;   /* 1..16777216 */
	double max_rejected_share; /* 0..1, for messages */
	/* The same share exactly, as written: num / den, den a power of ten
	 * (0.29 is 29 / 100), so ingest's test of a file is exact. */
	int64_t max_rejected_share_num, max_rejected_share_den;
	int64_t max_amount;               /* major units, >= 0, fits 2^53 minor units */
	int64_t max_per_customer_per_day; /* payments.max_purchases_per_customer_per_day, >= 0 */
	char **blocked_customers;         /* sorted, unique */
	size_t n_blocked;
	int full_refund_days; /* 0..3660 */
	enum refund_after refund_after;
	enum per_customer per_customer;
	int notice_days;                 /* 0..3660 */
	int synchronous_full;            /* database.synchronous: full (1) | normal (0) */
	int64_t lock_wait_seconds;       /* 0..86400, default 600 */
	int workbook;                    /* reports.workbook: write daily.xlsx */
	int csv_bom;                     /* reports.csv_bom: CSV reports start with a UTF-8 BOM */
	int64_t retention_archive_days;  /* 0 = forever */
	int64_t retention_rejected_days; /* 0 = forever */
	int64_t retention_reports_days;  /* 0 = forever */
	char *monitoring_textfile;       /* resolved path, NULL when "" (none) */
	int64_t max_inbox_age_minutes;   /* status --check: older inbox file = warning */
};

/* Load path into cfg (defaults first, then the file). Missing or unreadable
 * file: EX_NOINPUT; anything invalid: EX_CONFIG with "file:line:col: key: why".
 * On failure cfg holds nothing to free beyond config_free. */
int config_load(struct config *cfg, const char *path, struct error *err);

/* Same, from a buffer (name is used in messages; relative paths resolve
 * against base_dir). For tests and the fuzzer. */
int config_load_buffer(struct config *cfg, const char *name, const char *base_dir,
		       const unsigned char *buf, size_t len, struct error *err);

/* 1 when id is in blocked_customers. */
int config_is_blocked(const struct config *cfg, const char *id);

void config_free(struct config *cfg);

#endif
