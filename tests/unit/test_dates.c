/* test_dates.c — worked numbers for lib/dates: civil arithmetic, strict
 * date and timestamp parsing, month addition, zones (Seoul without DST,
 * New York across DST, Sao Paulo whose DST began at midnight). */
#include <limits.h>
#include <string.h>

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
	{1970, 1, 1, 0},        {1969, 12, 31, -1},     {2000, 3, 1, 11017},
	{1900, 3, 1, -25508},   {1, 1, 1, -719162},     {9999, 12, 31, 2932896},
	{2026, 2, 28, 20512},   {2028, 2, 29, 21243},
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
			ok = d == 1 && m == (pm == 12 ? 1 : pm + 1) && y == (pm == 12 ? py + 1 : py);
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
	{"2026-02-28", 1}, {"2028-02-29", 1}, {"2000-02-29", 1}, {"0001-01-01", 1},
	{"9999-12-31", 1}, {"1970-01-01", 1}, {"2026-12-31", 1},
	{"2026-02-29", 0}, {"1900-02-29", 0}, {"2026-02-30", 0}, {"2026-04-31", 0},
	{"2026-13-01", 0}, {"2026-00-10", 0}, {"2026-01-00", 0}, {"2026-01-32", 0},
	{"0000-01-01", 0}, {"", 0},           {"2026-1-01", 0},  {"2026-01-1", 0},
	{"26-01-01", 0},   {"2026/01/01", 0}, {"2026-01-01 ", 0}, {" 2026-01-01", 0},
	{"2026-01-01T", 0}, {"+026-01-01", 0}, {"2026-0a-01", 0}, {"20260101", 0},
	{"2026-01--1", 0}, {"-2026-01-01", 0},
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
	{"2028-02-29", 12, "2029-02-28"}, {"2026-01-31", 1, "2026-02-28"},
	{"2026-12-31", 12, "2027-12-31"}, {"2027-01-31", 13, "2028-02-29"},
	{"2026-03-31", 1, "2026-04-30"},  {"2026-08-31", 1, "2026-09-30"},
	{"2026-12-15", 1, "2027-01-15"},  {"2026-11-23", 12, "2027-11-23"},
	{"2024-02-29", 48, "2028-02-29"}, {"2026-05-17", 0, "2026-05-17"},
	{"2026-03-31", -1, "2026-02-28"}, {"2026-01-15", -1, "2025-12-15"},
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
	static const char *good[] = {"Asia/Seoul", "America/New_York", "UTC", "Etc/GMT+5",
				     "America/Argentina/Buenos_Aires", "America/Port-au-Prince"};
	for (size_t i = 0; i < LEN(good); i++) {
		ck_assert_msg(dates_zone_exists(good[i]) == 1, "%s", good[i]);
		use_zone(good[i]);
	}
}
END_TEST

static const char *bad_zones[] = {
	"",        "../etc/passwd",     "Nowhere/City",  "/etc/passwd",
	"/usr/share/zoneinfo/Asia/Seoul", "Asia/../Asia/Seoul", "Asia/Seoul/",
	"Asia//Seoul", "Asia",  "leapseconds",       "zone.tab",      "right/UTC",
	"Asia/Seoul\n", "Asia/Seoul ", "asia seoul",  "Asia\\Seoul",   "..",
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
};

START_TEST(test_timestamp_naive)
{
	int64_t t = 42;
	const char *s = naive_cases[_i].text;
	use_zone(naive_cases[_i].zone);
	int rc = dates_parse_timestamp(s, strlen(s), &t);
	if (naive_cases[_i].utc == NULL) {
		ck_assert_msg(rc == -1, "%s in %s should not parse", s, naive_cases[_i].zone);
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
	const char *others[] = {"2026-11-01T02:30:00", "2026-07-01T12:00:00",
				"2026-01-15T12:00:00", "2026-11-01T00:30:00"};
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
		for (int32_t d = dates_from_civil(2024, 1, 1); d < dates_from_civil(2028, 1, 1); d++) {
			int64_t t = dates_local_midnight(d);
			ck_assert_int_eq(dates_local_day(t), d);
			ck_assert_int_eq(dates_local_day(t - 1), d - 1);
		}
	}
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
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(dates_suite, "dates")
