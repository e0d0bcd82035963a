/* dates.h — civil dates as days since 1970-01-01, timestamps as UTC epoch
 * seconds, and the configured IANA zone at the edges (parsing, "today").
 * Not for: reading the clock (main passes "now" in) or any business rule. */
#ifndef MEMBERSHIP_DATES_H
#define MEMBERSHIP_DATES_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define DATE_NONE          INT32_MIN /* "no date" (empty cell, NULL column) */
#define DATE_TEXT_LEN      10        /* YYYY-MM-DD */
#define TIMESTAMP_TEXT_LEN 20        /* YYYY-MM-DDTHH:MM:SSZ */

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant). */
int32_t dates_from_civil(int y, int m, int d);
/* Inverse of dates_from_civil. */
void dates_to_civil(int32_t days, int *y, int *m, int *d);
int dates_is_leap(int y);
int dates_days_in_month(int y, int m);

/* Strict YYYY-MM-DD (year 0001..9999, real day of month: 2026-02-30 fails).
 * 0 and *out set, or -1. n is the length of s (s need not be NUL-ended). */
int dates_parse(const char *s, size_t n, int32_t *out);
/* Writes YYYY-MM-DD and a NUL into out (at least DATE_TEXT_LEN + 1 bytes). */
void dates_format(int32_t days, char *out);

/* day + months calendar months, the day of month clamped to the target
 * month's end: 2028-02-29 + 12 = 2029-02-28, 2026-01-31 + 1 = 2026-02-28. */
int32_t dates_add_months(int32_t day, int months);

/* Make the process use the IANA zone for every local-time conversion below
 * (sets TZ and calls tzset). The zone must name a file under the zoneinfo
 * folder /usr/share/zoneinfo (a TZif file; zones under right/ refused); -1 with
 * EX_CONFIG otherwise. */
int dates_use_zone(const char *zone, struct error *err);
/* 1 when zone is a safe name of an existing zoneinfo file, else 0. */
int dates_zone_exists(const char *zone);

/* The local calendar day (in the zone in use) of UTC instant t. */
int32_t dates_local_day(int64_t t);
/* UTC instant of local midnight at the start of day (in the zone in use). */
int64_t dates_local_midnight(int32_t day);

/* ISO 8601 YYYY-MM-DDTHH:MM:SS followed by Z, +HH:MM, -HH:MM or nothing
 * (then read in the zone in use). Nothing else: no fractions, no spaces,
 * no lowercase. 0 and *out (UTC epoch seconds) set; -1 not such a time;
 * -2 a naive time the zone skipped (a daylight-saving gap). */
int dates_parse_timestamp(const char *s, size_t n, int64_t *out);
/* Writes YYYY-MM-DDTHH:MM:SSZ and a NUL (TIMESTAMP_TEXT_LEN + 1 bytes). */
void dates_format_utc(int64_t t, char *out);

#endif
