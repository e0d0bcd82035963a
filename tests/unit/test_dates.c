/* test_dates.c — worked numbers for lib/dates: civil arithmetic, strict
 * date and timestamp parsing, month addition, zones (Seoul without DST,
 * New York across DST, Sao Paulo whose DST began at midnight), and sweeps
 * that hold the offset cache to what glibc says instant by instant. */
#define _DEFAULT_SOURCE /* tm_gmtoff */

#include <limits.h>
#include <string.h>
#include <time.h>

#include "dates.h"
#include "unit.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void use_zone(const char *zone)
{
	struct error err;
	error_clear(&err);
	ck_assert_msg(dates_use_zone(zone, &err) == 0, "zone %s: %s", zone, err.msg);
}

/* Civil dates and their day numbers, checked against Python's date. */
static const struct {
	int y, m, d;
	int32_t days;
} civil_cases[] = {
	{1970, 1, 1, 0},    {1969, 12, 31, -1},      {2000, 3, 1, 11017},  {1900, 3, 1, -25508},
	{1, 1, 1, -719162}, {9999, 12, 31, 2932896}, {2026, 2, 28, 20512}, {2028, 2, 29, 21243},
};

START_TEST(test_civil_known)
{
	int y, m, d;
	const int i = _i;
	ck_assert_int_eq(dates_from_civil(civil_cases[i].y, civil_cases[i].m, civil_cases[i].d),
			 civil_cases[i].days);
	dates_to_civil(civil_cases[i].days, &y, &m, &d);
	ck_assert_int_eq(y, civil_cases[i].y);
	ck_assert_int_eq(m, civil_cases[i].m);
	ck_assert_int_eq(d, civil_cases[i].d);
}
END_TEST

/* Every day of years 0001..9999: the inverse holds, days run on by one and
 * the calendar fields move on exactly as a calendar does. (Plain ifs: a
 * Check assertion per day makes this take seconds.) */
START_TEST(test_civil_round_trip)
{
	int py = 0, pm = 12, pd = 31;
	for (int32_t t = dates_from_civil(1, 1, 1); t <= dates_from_civil(9999, 12, 31); t++) {
		int y, m, d, ok;
		dates_to_civil(t, &y, &m, &d);
		if (pd == dates_days_in_month(py, pm))
			ok = d == 1 && m == (pm == 12 ? 1 : pm + 1) &&
			     y == (pm == 12 ? py + 1 : py);
		else
			ok = y == py && m == pm && d == pd + 1;
		if (!ok || dates_from_civil(y, m, d) != t)
			ck_abort_msg("day %d is %04d-%02d-%02d after %04d-%02d-%02d", (int)t, y, m,
				     d, py, pm, pd);
		py = y;
		pm = m;
		pd = d;
	}
	ck_assert_int_eq(py, 9999);
}
END_TEST

START_TEST(test_leap_years)
{
	ck_assert_int_eq(dates_is_leap(1900), 0);
	ck_assert_int_eq(dates_is_leap(2000), 1);
	ck_assert_int_eq(dates_is_leap(2024), 1);
	ck_assert_int_eq(dates_is_leap(2026), 0);
	ck_assert_int_eq(dates_is_leap(2100), 0);
	ck_assert_int_eq(dates_is_leap(2400), 1);
	ck_assert_int_eq(dates_days_in_month(1900, 2), 28);
	ck_assert_int_eq(dates_days_in_month(2000, 2), 29);
	ck_assert_int_eq(dates_days_in_month(2026, 2), 28);
	ck_assert_int_eq(dates_days_in_month(2028, 2), 29);
	ck_assert_int_eq(dates_days_in_month(2026, 4), 30);
	ck_assert_int_eq(dates_days_in_month(2026, 12), 31);
	ck_assert_int_eq(dates_days_in_month(2026, 0), 0);
	ck_assert_int_eq(dates_days_in_month(2026, 13), 0);
}
END_TEST

static const struct {
	const char *text;
	int ok;
} parse_cases[] = {
	{"2026-02-28", 1},
	{"2028-02-29", 1},
	{"2000-02-29", 1},
	{"0001-01-01", 1},
	{"9999-12-31", 1},
	{"1970-01-01", 1},
	{"2026-12-31", 1},
	{"2026-02-29", 0},
	{"1900-02-29", 0},
	{"2026-02-30", 0},
	{"2026-04-31", 0},
	{"2026-13-01", 0},
	{"2026-00-10", 0},
	{"2026-01-00", 0},
	{"2026-01-32", 0},
	{"0000-01-01", 0},
	{"", 0},
	{"2026-1-01", 0},
	{"2026-01-1", 0},
	{"26-01-01", 0},
	{"2026/01/01", 0},
	{"2026-01-01 ", 0},
	{" 2026-01-01", 0},
	{"2026-01-01T", 0},
	{"+026-01-01", 0},
	{"2026-0a-01", 0},
	{"20260101", 0},
	{"2026-01--1", 0},
	{"-2026-01-01", 0},
};

START_TEST(test_parse_table)
{
	const char *s = parse_cases[_i].text;
	int32_t day = 12345;
	int rc = dates_parse(s, strlen(s), &day);
	if (parse_cases[_i].ok) {
		char back[DATE_TEXT_LEN + 1];
		ck_assert_msg(rc == 0, "%s should parse", s);
		dates_format(day, back);
		ck_assert_str_eq(back, s);
	} else {
		ck_assert_msg(rc == -1, "%s should not parse", s);
		ck_assert_int_eq(day, 12345);
	}
}
END_TEST

START_TEST(test_parse_length)
{
	int32_t day;
	/* n bounds the text: no NUL needed, and trailing bytes beyond n ignored */
	ck_assert_int_eq(dates_parse("2026-03-15XYZ", 10, &day), 0);
	ck_assert_int_eq(day, dates_from_civil(2026, 3, 15));
	ck_assert_int_eq(dates_parse("2026-03-15", 9, &day), -1);
	ck_assert_int_eq(dates_parse("2026-03-15", 11, &day), -1);
	ck_assert_int_eq(dates_parse("2026-03\0-15", 10, &day), -1);
}
END_TEST

START_TEST(test_format)
{
	char out[DATE_TEXT_LEN + 1];
	dates_format(0, out);
	ck_assert_str_eq(out, "1970-01-01");
	dates_format(-1, out);
	ck_assert_str_eq(out, "1969-12-31");
	dates_format(dates_from_civil(1, 1, 1), out);
	ck_assert_str_eq(out, "0001-01-01");
	dates_format(dates_from_civil(9999, 12, 31), out);
	ck_assert_str_eq(out, "9999-12-31");
	dates_format(DATE_NONE, out);
	ck_assert_str_eq(out, "");
	dates_format(dates_from_civil(10000, 1, 1), out);
	ck_assert_str_eq(out, "");
}
END_TEST

static const struct {
	const char *from;
	int months;
	const char *to;
} add_cases[] = {
	{"2028-02-29", 12, "2029-02-28"},  {"2026-01-31", 1, "2026-02-28"},
	{"2026-12-31", 12, "2027-12-31"},  {"2027-01-31", 13, "2028-02-29"},
	{"2026-03-31", 1, "2026-04-30"},   {"2026-08-31", 1, "2026-09-30"},
	{"2026-12-15", 1, "2027-01-15"},   {"2026-11-23", 12, "2027-11-23"},
	{"2024-02-29", 48, "2028-02-29"},  {"2026-05-17", 0, "2026-05-17"},
	{"2026-03-31", -1, "2026-02-28"},  {"2026-01-15", -1, "2025-12-15"},
	{"2026-01-31", -13, "2024-12-31"}, {"1999-12-31", 2, "2000-02-29"},
	{"1899-12-31", 2, "1900-02-28"},
};

START_TEST(test_add_months)
{
	int32_t from, to;
	char out[DATE_TEXT_LEN + 1];
	ck_assert_int_eq(dates_parse(add_cases[_i].from, DATE_TEXT_LEN, &from), 0);
	ck_assert_int_eq(dates_parse(add_cases[_i].to, DATE_TEXT_LEN, &to), 0);
	dates_format(dates_add_months(from, add_cases[_i].months), out);
	ck_assert_str_eq(out, add_cases[_i].to);
}
END_TEST

START_TEST(test_add_months_none)
{
	ck_assert_int_eq(dates_add_months(DATE_NONE, 12), DATE_NONE);
}
END_TEST

START_TEST(test_zone_good)
{
	static const char *good[] = {"Asia/Seoul",
				     "America/New_York",
				     "UTC",
				     "Etc/GMT+5",
				     "America/Argentina/Buenos_Aires",
				     "America/Port-au-Prince"};
	for (size_t i = 0; i < LEN(good); i++) {
		ck_assert_msg(dates_zone_exists(good[i]) == 1, "%s", good[i]);
		use_zone(good[i]);
	}
}
END_TEST

static const char *bad_zones[] = {
	"",
	"../etc/passwd",
	"Nowhere/City",
	"/etc/passwd",
	"/usr/share/zoneinfo/Asia/Seoul",
	"Asia/../Asia/Seoul",
	"Asia/Seoul/",
	"Asia//Seoul",
	"Asia",
	"leapseconds",
	"zone.tab",
	"right/UTC",
	"localtime",
	"posixrules",
	"Factory",
	"posix/Asia/Seoul",
	"SystemV/AST4",
	"Asia/Seoul\n",
	"Asia/Seoul ",
	"asia seoul",
	"Asia\\Seoul",
	"..",
	"Asia/Se*ul",
};

START_TEST(test_zone_bad)
{
	const char *zone = bad_zones[_i];
	struct error err;
	error_clear(&err);
	ck_assert_msg(dates_zone_exists(zone) == 0, "\"%s\" should not exist", zone);
	ck_assert_int_eq(dates_use_zone(zone, &err), -1);
	ck_assert_int_eq(err.code, EX_CONFIG);
	ck_assert(err.msg[0] != '\0');
}
END_TEST

START_TEST(test_zone_null)
{
	struct error err;
	error_clear(&err);
	ck_assert_int_eq(dates_zone_exists(NULL), 0);
	ck_assert_int_eq(dates_use_zone(NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_CONFIG);
	ck_assert_int_eq(dates_use_zone("Nowhere/City", NULL), -1);
}
END_TEST

/* A failed dates_use_zone leaves the zone in use as it was. */
START_TEST(test_zone_bad_keeps_previous)
{
	use_zone("Asia/Seoul");
	ck_assert_int_eq(dates_use_zone("Nowhere/City", NULL), -1);
	ck_assert_int_eq(dates_local_midnight(dates_from_civil(2026, 1, 1)),
			 dates_from_civil(2025, 12, 31) * INT64_C(86400) + 15 * 3600);
}
END_TEST

START_TEST(test_format_utc)
{
	char out[TIMESTAMP_TEXT_LEN + 1];
	dates_format_utc(0, out);
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
	dates_format_utc(-1, out);
	ck_assert_str_eq(out, "1969-12-31T23:59:59Z");
	dates_format_utc(1782921600, out);
	ck_assert_str_eq(out, "2026-07-01T16:00:00Z");
	dates_format_utc(INT64_C(2147483648), out);
	ck_assert_str_eq(out, "2038-01-19T03:14:08Z");
	dates_format_utc(INT64_C(-62135596800), out);
	ck_assert_str_eq(out, "0001-01-01T00:00:00Z");
	dates_format_utc(INT64_C(253402300799), out);
	ck_assert_str_eq(out, "9999-12-31T23:59:59Z");
	dates_format_utc(INT64_MAX, out);
	ck_assert_str_eq(out, "");
	dates_format_utc(INT64_MIN, out);
	ck_assert_str_eq(out, "");
}
END_TEST

/* Timestamps with Z or an offset: the zone in use must not matter. */
static const struct {
	const char *text;
	const char *utc; /* NULL: rejected */
} stamp_cases[] = {
	{"2026-07-01T16:00:00Z", "2026-07-01T16:00:00Z"},
	{"2026-07-02T01:00:00+09:00", "2026-07-01T16:00:00Z"},
	{"2026-07-01T11:00:00-05:00", "2026-07-01T16:00:00Z"},
	{"2026-01-01T00:30:00+09:00", "2025-12-31T15:30:00Z"},
	{"2025-12-31T23:00:00-05:00", "2026-01-01T04:00:00Z"},
	{"2026-03-01T05:30:00+05:30", "2026-03-01T00:00:00Z"},
	{"2026-03-01T00:00:00+00:00", "2026-03-01T00:00:00Z"},
	{"2026-03-01T00:00:00-00:00", "2026-03-01T00:00:00Z"},
	{"2026-03-01T00:00:00+23:59", "2026-02-28T00:01:00Z"},
	{"2026-03-01T00:00:00-23:59", "2026-03-01T23:59:00Z"},
	{"2028-02-29T23:59:59Z", "2028-02-29T23:59:59Z"},
	{"1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"},
	{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
	{"9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"},
	{"2026-02-30T12:00:00Z", NULL},
	{"2026-13-01T12:00:00Z", NULL},
	{"0000-12-31T12:00:00Z", NULL},
	{"2026-07-01T24:00:00Z", NULL},
	{"2026-07-01T12:60:00Z", NULL},
	{"2026-07-01T12:00:60Z", NULL},
	{"2026-07-01T12:00:00.5Z", NULL},
	{"2026-07-01T12:00:00.000Z", NULL},
	{"2026-07-01t12:00:00Z", NULL},
	{"2026-07-01T12:00:00z", NULL},
	{"2026-07-01 12:00:00Z", NULL},
	{"2026-07-01T12:00Z", NULL},
	{"2026-07-01T12:00", NULL},
	{"2026-07-01", NULL},
	{"", NULL},
	{" 2026-07-01T12:00:00Z", NULL},
	{"2026-07-01T12:00:00Z ", NULL},
	{"2026-07-01T12:00:00+0900", NULL},
	{"2026-07-01T12:00:00+09", NULL},
	{"2026-07-01T12:00:00+9:00", NULL},
	{"2026-07-01T12:00:00+24:00", NULL},
	{"2026-07-01T12:00:00+09:60", NULL},
	{"2026-07-01T12:00:00 09:00", NULL},
	{"2026-07-01T12:00:00*09:00", NULL},
	{"2026-07-01T12:00:00+09:00Z", NULL},
	{"2026-07-01T12:00:00ZZZZZZ", NULL},
	{"2026-07-01T1:00:00Z", NULL},
	{"2026-07-01T12:0a:00Z", NULL},
	{"2026-07-01T12-00-00Z", NULL},
	{"2026-07-01T+1:00:00Z", NULL},
	{"20260701T120000Z", NULL},
	/* Digits are ASCII 0-9 only, in fixed places: no sign, no space, no
	 * fewer or more digits (a scanf %d reader would take these). */
	{"2026-11-23T10:00:00Z", "2026-11-23T10:00:00Z"},
	{"2026-11-23T10:00:00+09:00", "2026-11-23T01:00:00Z"},
	{"2026-11-23T10:00:00-05:30", "2026-11-23T15:30:00Z"},
	{"+2026-11-23T10:00:00", NULL},
	{"+026-11-23T10:00:00Z", NULL},
	{"-026-11-23T10:00:00Z", NULL},
	{" 026-11-23T10:00:00Z", NULL},
	{"2026-+1-23T10:00:00Z", NULL},
	{"2026-11- 3T10:00:00Z", NULL},
	{"2026-11-23T 1:00:00Z", NULL},
	{"2026-11-23T10:-1:00Z", NULL},
	{"2026-11-23T10:00:+1Z", NULL},
	{"2026-11-23T10:00:00+-9:00", NULL},
	{"2026-11-23T10:00:00+09:-1", NULL},
	{"2026-11-23T10:00:00+ 9:00", NULL},
	{"02026-11-23T10:00:00Z", NULL},
	{"2026-011-23T10:00:00Z", NULL},
	/* naive shapes that are wrong whatever the zone */
	{"2026-11-23T24:00:00", NULL},
	{"2026-02-30T00:00:00", NULL},
	{"2026-11-23T10:00:60", NULL},
	{" 2026-11-23T10:00:00", NULL},
	{"2026-11-23T10:00:00 ", NULL},
	{"2026-11-23T10:00", NULL},
	{"2026-11-23 10:00:00", NULL},
	{"2026-11-23T10:00:00x", NULL},
	{"2026-11-23T10:00:00+09:00x", NULL},
	{"2026-11-23T10:00:00+09:00:00", NULL},
	{"2026-11-23T10:00:00.0", NULL},
	{"2026-11-23t10:00:00", NULL},
	{"2026-11-23T10.00.00", NULL},
};

START_TEST(test_timestamp_table)
{
	const char *s = stamp_cases[_i].text;
	static const char *zones[] = {"UTC", "Asia/Seoul", "America/New_York"};
	for (size_t z = 0; z < LEN(zones); z++) {
		int64_t t = 42;
		use_zone(zones[z]);
		int rc = dates_parse_timestamp(s, strlen(s), &t);
		if (stamp_cases[_i].utc == NULL) {
			ck_assert_msg(rc == -1, "%s should not parse", s);
			ck_assert(t == 42);
		} else {
			char out[TIMESTAMP_TEXT_LEN + 1];
			ck_assert_msg(rc == 0, "%s should parse", s);
			dates_format_utc(t, out);
			ck_assert_str_eq(out, stamp_cases[_i].utc);
		}
	}
}
END_TEST

START_TEST(test_timestamp_exact)
{
	int64_t t;
	const char *s = "2026-07-01T16:00:00Z";
	ck_assert_int_eq(dates_parse_timestamp(s, strlen(s), &t), 0);
	ck_assert_int_eq(t, 1782921600);
	s = "2038-01-19T03:14:08Z";
	ck_assert_int_eq(dates_parse_timestamp(s, strlen(s), &t), 0);
	ck_assert_int_eq(t, INT64_C(2147483648));
	/* n bounds the text */
	ck_assert_int_eq(dates_parse_timestamp("2026-07-01T16:00:00Zjunk", 20, &t), 0);
	ck_assert_int_eq(t, 1782921600);
	ck_assert_int_eq(dates_parse_timestamp("2026-07-01T16:00:00\0", 20, &t), -1);
	ck_assert_int_eq(dates_parse_timestamp(NULL, 0, &t), -1);
}
END_TEST

/* Naive timestamps, read in the zone in use. */
static const struct {
	const char *zone;
	const char *text;
	const char *utc; /* NULL: rejected (never happened there) */
} naive_cases[] = {
	{"Asia/Seoul", "2026-07-01T12:00:00", "2026-07-01T03:00:00Z"},
	{"Asia/Seoul", "2026-01-15T12:00:00", "2026-01-15T03:00:00Z"},
	{"Asia/Seoul", "2026-01-01T00:00:00", "2025-12-31T15:00:00Z"},
	{"Asia/Seoul", "2026-03-08T02:30:00", "2026-03-07T17:30:00Z"},
	{"America/New_York", "2026-07-01T12:00:00", "2026-07-01T16:00:00Z"},
	{"America/New_York", "2026-01-15T12:00:00", "2026-01-15T17:00:00Z"},
	{"America/New_York", "2026-12-31T23:59:59", "2027-01-01T04:59:59Z"},
	/* spring forward, 2026-03-08 02:00 EST -> 03:00 EDT */
	{"America/New_York", "2026-03-08T01:59:59", "2026-03-08T06:59:59Z"},
	{"America/New_York", "2026-03-08T02:00:00", NULL},
	{"America/New_York", "2026-03-08T02:30:00", NULL},
	{"America/New_York", "2026-03-08T02:59:59", NULL},
	{"America/New_York", "2026-03-08T03:00:00", "2026-03-08T07:00:00Z"},
	/* fall back, 2026-11-01 02:00 EDT -> 01:00 EST: 01:xx happens twice,
	 * the earlier (EDT) is taken */
	{"America/New_York", "2026-11-01T00:59:59", "2026-11-01T04:59:59Z"},
	{"America/New_York", "2026-11-01T01:00:00", "2026-11-01T05:00:00Z"},
	{"America/New_York", "2026-11-01T01:30:00", "2026-11-01T05:30:00Z"},
	{"America/New_York", "2026-11-01T01:59:59", "2026-11-01T05:59:59Z"},
	{"America/New_York", "2026-11-01T02:00:00", "2026-11-01T07:00:00Z"},
	{"UTC", "2026-07-01T12:00:00", "2026-07-01T12:00:00Z"},
	{"Etc/GMT+5", "2026-07-01T12:00:00", "2026-07-01T17:00:00Z"},
	{"Asia/Kolkata", "2026-07-01T12:00:00", "2026-07-01T06:30:00Z"},
	/* one naive time in each zone of the cache sweeps below */
	{"Asia/Seoul", "2026-11-23T10:00:00", "2026-11-23T01:00:00Z"},
	{"America/New_York", "2026-11-23T10:00:00", "2026-11-23T15:00:00Z"},
	{"UTC", "2026-11-23T10:00:00", "2026-11-23T10:00:00Z"},
	{"Europe/London", "2026-11-23T10:00:00", "2026-11-23T10:00:00Z"},
	{"Australia/Lord_Howe", "2026-11-23T10:00:00", "2026-11-22T23:00:00Z"},
	/* London: 01:00 GMT -> 02:00 BST on 2026-03-29, back on 2026-10-25 */
	{"Europe/London", "2026-03-29T00:59:59", "2026-03-29T00:59:59Z"},
	{"Europe/London", "2026-03-29T01:30:00", NULL},
	{"Europe/London", "2026-03-29T02:00:00", "2026-03-29T01:00:00Z"},
	{"Europe/London", "2026-10-25T01:30:00", "2026-10-25T00:30:00Z"},
	{"Europe/London", "2026-10-25T02:00:00", "2026-10-25T02:00:00Z"},
	/* Lord Howe moves by 30 minutes: 02:00 -> 02:30 (+11) on 2026-10-04,
	 * 02:00 -> 01:30 (+10:30) on 2026-04-05 */
	{"Australia/Lord_Howe", "2026-10-04T01:59:59", "2026-10-03T15:29:59Z"},
	{"Australia/Lord_Howe", "2026-10-04T02:00:00", NULL},
	{"Australia/Lord_Howe", "2026-10-04T02:29:59", NULL},
	{"Australia/Lord_Howe", "2026-10-04T02:30:00", "2026-10-03T15:30:00Z"},
	{"Australia/Lord_Howe", "2026-04-05T01:29:59", "2026-04-04T14:29:59Z"},
	{"Australia/Lord_Howe", "2026-04-05T01:45:00", "2026-04-04T14:45:00Z"},
	{"Australia/Lord_Howe", "2026-04-05T02:00:00", "2026-04-04T15:30:00Z"},
};

START_TEST(test_timestamp_naive)
{
	int64_t t = 42;
	const char *s = naive_cases[_i].text;
	use_zone(naive_cases[_i].zone);
	int rc = dates_parse_timestamp(s, strlen(s), &t);
	if (naive_cases[_i].utc == NULL) {
		ck_assert_msg(rc == -2, "%s in %s should be in a gap (rc %d)", s,
			      naive_cases[_i].zone, rc);
		ck_assert(t == 42);
	} else {
		char out[TIMESTAMP_TEXT_LEN + 1];
		ck_assert_msg(rc == 0, "%s in %s should parse", s, naive_cases[_i].zone);
		dates_format_utc(t, out);
		ck_assert_str_eq(out, naive_cases[_i].utc);
	}
}
END_TEST

/* The same naive text gives the same instant however many conversions ran
 * before it (glibc mktime keeps state between calls; we do not use it). */
START_TEST(test_timestamp_naive_deterministic)
{
	const char *amb = "2026-11-01T01:30:00";
	const char *others[] = {"2026-11-01T02:30:00", "2026-07-01T12:00:00", "2026-01-15T12:00:00",
				"2026-11-01T00:30:00"};
	use_zone("America/New_York");
	for (size_t i = 0; i < LEN(others); i++) {
		int64_t t, u;
		ck_assert_int_eq(dates_parse_timestamp(others[i], strlen(others[i]), &u), 0);
		ck_assert_int_eq(dates_parse_timestamp(amb, strlen(amb), &t), 0);
		ck_assert_int_eq(t, 1793511000); /* 2026-11-01T05:30:00Z */
	}
}
END_TEST

static const struct {
	const char *zone;
	const char *utc;   /* instant */
	const char *local; /* its local day */
} local_day_cases[] = {
	{"Asia/Seoul", "2026-07-01T14:59:59Z", "2026-07-01"},
	{"Asia/Seoul", "2026-07-01T15:00:00Z", "2026-07-02"},
	{"Asia/Seoul", "2025-12-31T15:00:00Z", "2026-01-01"},
	{"Asia/Seoul", "2025-12-31T14:59:59Z", "2025-12-31"},
	{"America/New_York", "2026-07-01T03:59:59Z", "2026-06-30"},
	{"America/New_York", "2026-07-01T04:00:00Z", "2026-07-01"},
	{"America/New_York", "2026-01-15T04:59:59Z", "2026-01-14"},
	{"America/New_York", "2026-01-15T05:00:00Z", "2026-01-15"},
	{"America/New_York", "2026-03-08T06:59:59Z", "2026-03-08"},
	{"America/New_York", "2026-11-01T05:30:00Z", "2026-11-01"},
	{"America/New_York", "2026-11-01T06:30:00Z", "2026-11-01"},
	{"UTC", "2026-07-01T00:00:00Z", "2026-07-01"},
	{"UTC", "1969-12-31T23:59:59Z", "1969-12-31"},
};

START_TEST(test_local_day)
{
	int64_t t;
	int32_t want;
	char out[DATE_TEXT_LEN + 1];
	use_zone(local_day_cases[_i].zone);
	ck_assert_int_eq(dates_parse_timestamp(local_day_cases[_i].utc, 20, &t), 0);
	ck_assert_int_eq(dates_parse(local_day_cases[_i].local, DATE_TEXT_LEN, &want), 0);
	dates_format(dates_local_day(t), out);
	ck_assert_str_eq(out, local_day_cases[_i].local);
}
END_TEST

static const struct {
	const char *zone;
	const char *day;
	const char *utc; /* local midnight at its start */
} midnight_cases[] = {
	{"Asia/Seoul", "2026-07-01", "2026-06-30T15:00:00Z"},
	{"Asia/Seoul", "2026-01-01", "2025-12-31T15:00:00Z"},
	{"America/New_York", "2026-07-01", "2026-07-01T04:00:00Z"},
	{"America/New_York", "2026-01-15", "2026-01-15T05:00:00Z"},
	/* the DST days themselves: midnight is before the change */
	{"America/New_York", "2026-03-08", "2026-03-08T05:00:00Z"},
	{"America/New_York", "2026-03-09", "2026-03-09T04:00:00Z"},
	{"America/New_York", "2026-11-01", "2026-11-01T04:00:00Z"},
	{"America/New_York", "2026-11-02", "2026-11-02T05:00:00Z"},
	{"UTC", "2026-07-01", "2026-07-01T00:00:00Z"},
	/* Brazil sprang forward at midnight: 2018-11-04 began at 01:00 -02 */
	{"America/Sao_Paulo", "2018-11-04", "2018-11-04T03:00:00Z"},
	{"America/Sao_Paulo", "2018-11-05", "2018-11-05T02:00:00Z"},
	/* and fell back at midnight: 2019-02-16 24:00 -02 -> 23:00 -03, so
	 * the 16th's last hour repeats and the 17th begins at 03:00Z */
	{"America/Sao_Paulo", "2019-02-16", "2019-02-16T02:00:00Z"},
	{"America/Sao_Paulo", "2019-02-17", "2019-02-17T03:00:00Z"},
	/* Samoa skipped 2011-12-30: it "begins" when 2011-12-31 does */
	{"Pacific/Apia", "2011-12-30", "2011-12-30T10:00:00Z"},
	{"Pacific/Apia", "2011-12-31", "2011-12-30T10:00:00Z"},
};

START_TEST(test_local_midnight)
{
	int32_t day;
	char out[TIMESTAMP_TEXT_LEN + 1];
	use_zone(midnight_cases[_i].zone);
	ck_assert_int_eq(dates_parse(midnight_cases[_i].day, DATE_TEXT_LEN, &day), 0);
	int64_t t = dates_local_midnight(day);
	dates_format_utc(t, out);
	ck_assert_str_eq(out, midnight_cases[_i].utc);
	/* it is the first second of the local day (Samoa's skipped day aside) */
	if (strcmp(midnight_cases[_i].zone, "Pacific/Apia") != 0) {
		ck_assert_int_eq(dates_local_day(t), day);
		ck_assert_int_eq(dates_local_day(t - 1), day - 1);
	}
}
END_TEST

/* Every day of several years in both zones: midnight is the first second
 * of the local day. */
START_TEST(test_local_midnight_sweep)
{
	static const char *zones[] = {"Asia/Seoul", "America/New_York", "Europe/London",
				      "Australia/Lord_Howe"};
	for (size_t z = 0; z < LEN(zones); z++) {
		use_zone(zones[z]);
		for (int32_t d = dates_from_civil(2024, 1, 1); d < dates_from_civil(2028, 1, 1);
		     d++) {
			int64_t t = dates_local_midnight(d);
			ck_assert_int_eq(dates_local_day(t), d);
			ck_assert_int_eq(dates_local_day(t - 1), d - 1);
		}
	}
}
END_TEST

/* Wall-clock seconds glibc shows at t: the reference the cache must match.
 * (Plain ifs in the sweeps: Check marks every passing assertion, which
 * costs seconds over a sweep.) */
static int64_t glibc_wall(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (localtime_r(&tt, &tm) == NULL)
		ck_abort_msg("localtime_r %lld", (long long)t);
	return t + tm.tm_gmtoff;
}

/* The day of local seconds L (floor division). */
static int32_t day_of(int64_t L)
{
	return (int32_t)(L / 86400 - (L % 86400 < 0));
}

/* dates_parse_timestamp of the naive text of local seconds L (its UTC
 * text without the Z): the instant, or -1 when refused (-1, the instant
 * 1969-12-31T23:59:59Z, lies in no sweep). */
static int64_t parse_naive(int64_t L)
{
	char text[TIMESTAMP_TEXT_LEN + 1];
	int64_t t;
	dates_format_utc(L, text);
	return dates_parse_timestamp(text, TIMESTAMP_TEXT_LEN - 1, &t) == 0 ? t : -1;
}

/* Two whole years of a zone, every SWEEP_STEP seconds of UTC. Every change
 * of offset in these windows falls on a multiple of SWEEP_STEP, so between
 * two steps the offset is constant: that lets one glibc call a step be the
 * reference for the step's last second and every second in between. */
#define SWEEP_STEP    900
#define SWEEP_POINTS  (2 * 366 * 86400 / SWEEP_STEP)
#define SWEEP_HISTORY 8 /* steps remembered: clocks fall back at most 1 h */

static const struct {
	const char *zone;
	int year; /* first of the two years */
} sweep_cases[] = {
	{"America/New_York", 2025},
	{"Europe/London", 2025},
	{"Australia/Lord_Howe", 2025}, /* DST of 30 minutes */
	{"Asia/Seoul", 2025},          /* fixed offset */
	{"Asia/Seoul", 1987},          /* Seoul's DST of 1987 and 1988 */
	{"UTC", 2025},
	{"Pacific/Apia", 2011},   /* skipped 2011-12-30 whole */
	{"Europe/Moscow", 2014},  /* back from +04 to +03 for good */
	{"Asia/Pyongyang", 2015}, /* from +09 to +08:30 */
	{"Africa/Accra", 1945},   /* +00:30 to GMT at 23:30 UTC, late in a day */
};

static int64_t sweep_wall[SWEEP_POINTS];
static int64_t sweep_parsed[SWEEP_POINTS];

/* In UTC order, as ingest meets rows: for each step t, the local day of t
 * and of t - 1; the naive text of t's wall clock parses to the earliest
 * instant showing it (t, or the same clock an hour or so before when
 * clocks fell back), and so does that text plus SWEEP_STEP - 1 seconds;
 * every step-aligned clock that clocks sprang past is refused. */
static size_t sweep_in_order(int64_t from, int64_t to)
{
	int64_t hist_wall[SWEEP_HISTORY], hist_t[SWEEP_HISTORY];
	int64_t prev = glibc_wall(from - SWEEP_STEP);
	size_t n = 0;
	for (int64_t t = from; t < to; t += SWEEP_STEP, n++) {
		int64_t wall = glibc_wall(t);
		int64_t want = t;
		for (size_t h = 0; h < SWEEP_HISTORY && h < n; h++)
			if (hist_wall[h] == wall && hist_t[h] < want)
				want = hist_t[h];
		int64_t got = parse_naive(wall);
		if (dates_local_day(t) != day_of(wall) ||
		    dates_local_day(t - 1) != day_of(prev + SWEEP_STEP - 1))
			ck_abort_msg("local day of %lld or the second before", (long long)t);
		if (got != want || parse_naive(wall + SWEEP_STEP - 1) != want + SWEEP_STEP - 1)
			ck_abort_msg("naive %lld: %lld, want %lld", (long long)wall, (long long)got,
				     (long long)want);
		for (int64_t gap = prev + SWEEP_STEP; gap < wall; gap += SWEEP_STEP)
			if (parse_naive(gap) != -1 || parse_naive(gap + SWEEP_STEP - 1) != -1)
				ck_abort_msg("naive %lld in a gap was accepted", (long long)gap);
		hist_wall[n % SWEEP_HISTORY] = wall;
		hist_t[n % SWEEP_HISTORY] = t;
		sweep_wall[n] = wall;
		sweep_parsed[n] = got;
		prev = wall;
	}
	return n;
}

/* A quarter of the steps in a scattered order, so that the cache is filled
 * and overwritten out of sequence (each step then costs glibc calls: a
 * quarter keeps the test fast): the same answers as in order. */
static void sweep_scattered(int64_t from, size_t n)
{
	const size_t stride = 7919; /* a prime: i * stride never repeats a step */
	for (size_t k = 0; k < n / 4; k++) {
		size_t i = k * stride % n;
		int64_t t = from + (int64_t)i * SWEEP_STEP;
		if (dates_local_day(t) != day_of(sweep_wall[i]))
			ck_abort_msg("scattered local day of %lld", (long long)t);
		if (parse_naive(sweep_wall[i]) != sweep_parsed[i])
			ck_abort_msg("scattered naive %lld", (long long)sweep_wall[i]);
	}
}

START_TEST(test_cache_sweep)
{
	int64_t from = dates_from_civil(sweep_cases[_i].year, 1, 1) * INT64_C(86400);
	int64_t to = dates_from_civil(sweep_cases[_i].year + 2, 1, 1) * INT64_C(86400);
	use_zone(sweep_cases[_i].zone);
	size_t n = sweep_in_order(from, to);
	ck_assert_uint_eq(n, (size_t)((to - from) / SWEEP_STEP));
	sweep_scattered(from, n);
}
END_TEST

/* A new zone empties the cache: the same instants, converted in turn in
 * two zones, give each zone's answer. */
START_TEST(test_cache_zone_change)
{
	int64_t t = 1782936000; /* 2026-07-01T20:00:00Z */
	char text[] = "2026-07-01T12:00:00";
	for (int round = 0; round < 2; round++) {
		int64_t got;
		use_zone("Asia/Seoul");
		ck_assert_int_eq(dates_local_day(t), dates_from_civil(2026, 7, 2));
		ck_assert_int_eq(dates_parse_timestamp(text, strlen(text), &got), 0);
		ck_assert_int_eq(got, 1782874800); /* 03:00Z */
		use_zone("America/New_York");
		ck_assert_int_eq(dates_local_day(t), dates_from_civil(2026, 7, 1));
		ck_assert_int_eq(dates_parse_timestamp(text, strlen(text), &got), 0);
		ck_assert_int_eq(got, 1782921600); /* 16:00Z */
	}
}
END_TEST

/* Instants glibc cannot convert (the year overflows an int) have no day;
 * they bypass the cache, whose day * 86400 would overflow. */
START_TEST(test_local_day_extremes)
{
	use_zone("America/New_York");
	ck_assert_int_eq(dates_local_day(INT64_MAX), DATE_NONE);
	ck_assert_int_eq(dates_local_day(INT64_MIN), DATE_NONE);
}
END_TEST

static Suite *dates_suite(void)
{
	Suite *s = suite_create("dates");
	TCase *tc = tcase_create("civil");
	tcase_add_loop_test(tc, test_civil_known, 0, LEN(civil_cases));
	tcase_add_test(tc, test_civil_round_trip);
	tcase_add_test(tc, test_leap_years);
	tcase_add_loop_test(tc, test_parse_table, 0, LEN(parse_cases));
	tcase_add_test(tc, test_parse_length);
	tcase_add_test(tc, test_format);
	tcase_add_loop_test(tc, test_add_months, 0, LEN(add_cases));
	tcase_add_test(tc, test_add_months_none);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("zones");
	tcase_add_test(tc, test_zone_good);
	tcase_add_loop_test(tc, test_zone_bad, 0, LEN(bad_zones));
	tcase_add_test(tc, test_zone_null);
	tcase_add_test(tc, test_zone_bad_keeps_previous);
	tcase_add_test(tc, test_format_utc);
	tcase_add_loop_test(tc, test_timestamp_table, 0, LEN(stamp_cases));
	tcase_add_test(tc, test_timestamp_exact);
	tcase_add_loop_test(tc, test_timestamp_naive, 0, LEN(naive_cases));
	tcase_add_test(tc, test_timestamp_naive_deterministic);
	tcase_add_loop_test(tc, test_local_day, 0, LEN(local_day_cases));
	tcase_add_loop_test(tc, test_local_midnight, 0, LEN(midnight_cases));
	tcase_add_test(tc, test_local_midnight_sweep);
	tcase_add_loop_test(tc, test_cache_sweep, 0, LEN(sweep_cases));
	tcase_add_test(tc, test_cache_zone_change);
	tcase_add_test(tc, test_local_day_extremes);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(dates_suite, "dates")
