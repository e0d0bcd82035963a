/* fuzz_timestamp.c — libFuzzer harness for dates_parse_timestamp and
 * dates_parse (lib/dates.c). Byte 0 picks the zone (Asia/Seoul, the one
 * every deployment uses, most of the time; also zones with DST gaps at
 * midnight, a 30-minute DST and a skipped day); the rest is the text.
 * Oracles, from the contract in dates.h and SPEC §4.3:
 *  - dates_parse accepts exactly YYYY-MM-DD with a real day; formatting
 *    the result gives the input back; civil conversions round-trip;
 *  - dates_parse_timestamp accepts only YYYY-MM-DDTHH:MM:SS with Z,
 *    ±HH:MM or nothing; Z and offsets are exact arithmetic; a naive time
 *    is the instant the zone shows it (the earliest if it occurs twice),
 *    and is refused only when the zone never shows it (a DST gap);
 *  - the UTC text of the result parses back to the same instant;
 *  - local day and local midnight agree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dates.h"

static const char *const zones[] = {
	"Asia/Seoul", "America/Sao_Paulo", "Australia/Lord_Howe", "Pacific/Apia",
	"America/New_York", "Europe/London", "Asia/Tehran", "America/Havana",
};
static int zone_now = -1;

static void fail(const char *what, const char *s, size_t n)
{
	fprintf(stderr, "fuzz_timestamp: %s: zone %s, input \"%.*s\"\n", what,
		zone_now >= 0 ? zones[zone_now] : "?", (int)n, s);
	abort();
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Independent reading of the shape: Y M D h m s and the suffix. */
struct shape {
	int y, mo, d, h, mi, s;
	int kind; /* 0 naive, 1 Z, 2 offset */
	int off;  /* seconds east of UTC */
};

static int days_in(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

static int date_shape(const char *s, struct shape *sh)
{
	if (s[4] != '-' || s[7] != '-' || digits(s, 4, &sh->y) || digits(s + 5, 2, &sh->mo) ||
	    digits(s + 8, 2, &sh->d))
		return -1;
	if (sh->y < 1 || sh->mo < 1 || sh->mo > 12 || sh->d < 1 || sh->d > days_in(sh->y, sh->mo))
		return -1;
	return 0;
}

static int ts_shape(const char *s, size_t n, struct shape *sh)
{
	if (n != 19 && n != 20 && n != 25)
		return -1;
	if (date_shape(s, sh) || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    digits(s + 11, 2, &sh->h) || digits(s + 14, 2, &sh->mi) || digits(s + 17, 2, &sh->s))
		return -1;
	if (sh->h > 23 || sh->mi > 59 || sh->s > 59)
		return -1;
	sh->kind = 0;
	sh->off = 0;
	if (n == 20) {
		if (s[19] != 'Z')
			return -1;
		sh->kind = 1;
	} else if (n == 25) {
		int oh, om;
		if ((s[19] != '+' && s[19] != '-') || s[22] != ':' || digits(s + 20, 2, &oh) ||
		    digits(s + 23, 2, &om) || oh > 23 || om > 59)
			return -1;
		sh->kind = 2;
		sh->off = (s[19] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
	}
	return 0;
}

/* Wall-clock seconds (local days * 86400 + time) the zone shows at t. */
static int64_t wall(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (localtime_r(&tt, &tm) == NULL)
		abort();
	return (int64_t)dates_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
	       tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

static void check_date(const char *s, size_t n)
{
	int32_t day = 0;
	struct shape sh;
	int want = n == 10 && date_shape(s, &sh) == 0;
	int got = dates_parse(s, n, &day) == 0;
	if (got != want)
		fail(got ? "dates_parse accepted a bad date" : "dates_parse refused a good date", s, n);
	if (!got)
		return;
	char out[DATE_TEXT_LEN + 1];
	dates_format(day, out);
	if (memcmp(out, s, 10) != 0)
		fail("dates_format does not give the date back", s, n);
	int y, m, d;
	dates_to_civil(day, &y, &m, &d);
	if (y != sh.y || m != sh.mo || d != sh.d || dates_from_civil(y, m, d) != day)
		fail("civil round trip", s, n);
	/* local midnight is the first instant whose local day is not before
	 * day (a day skipped whole, as in Apia 2011-12-30, starts the next) */
	int64_t mid = dates_local_midnight(day);
	if (mid == INT64_MIN || dates_local_day(mid) < day || dates_local_day(mid - 1) >= day)
		fail("dates_local_midnight does not start the local day", s, n);
	/* months: clamped to the end of the month, never past it */
	for (int k = -13; k <= 25; k += 6) {
		int32_t e = dates_add_months(day, k);
		int ey, em, ed;
		dates_to_civil(e, &ey, &em, &ed);
		int64_t tot = (int64_t)y * 12 + (m - 1) + k;
		if ((int64_t)ey * 12 + (em - 1) != tot ||
		    ed != (d < dates_days_in_month(ey, em) ? d : dates_days_in_month(ey, em)))
			fail("dates_add_months", s, n);
	}
}

static void check_timestamp(const char *s, size_t n)
{
	int64_t t = 0;
	struct shape sh;
	int shaped = ts_shape(s, n, &sh) == 0;
	int got = dates_parse_timestamp(s, n, &t) == 0;
	if (got && !shaped)
		fail("dates_parse_timestamp accepted a bad shape", s, n);
	if (!shaped)
		return;
	int64_t L = (int64_t)dates_from_civil(sh.y, sh.mo, sh.d) * 86400 + sh.h * 3600 +
		    sh.mi * 60 + sh.s;
	if (sh.kind != 0) {
		if (!got)
			fail("a good Z/offset timestamp was refused", s, n);
		if (t != L - sh.off)
			fail("Z/offset arithmetic", s, n);
	} else {
		/* The instants at which the zone shows L: t = L - offset for the
		 * offsets in use within two days around. */
		int64_t best = INT64_MAX;
		for (int64_t probe = L - 2 * 86400; probe <= L + 2 * 86400; probe += 1800) {
			int64_t cand = L - (wall(probe) - probe);
			if (wall(cand) == L && cand < best)
				best = cand;
		}
		if (!got && best != INT64_MAX)
			fail("a naive time the zone does show was refused", s, n);
		if (got && wall(t) != L)
			fail("a naive time is not the instant the zone shows it", s, n);
		if (got && best != INT64_MAX && t != best)
			fail("a repeated naive time is not the earlier instant", s, n);
	}
	if (!got)
		return;
	char out[TIMESTAMP_TEXT_LEN + 1];
	dates_format_utc(t, out);
	if (out[0] == '\0')
		return; /* outside years 0000..9999: written as "" by contract */
	if (strlen(out) != TIMESTAMP_TEXT_LEN)
		fail("dates_format_utc length", s, n);
	int64_t back = 0;
	if (dates_parse_timestamp(out, strlen(out), &back) != 0 || back != t) {
		if (strncmp(out, "0000", 4) != 0) /* year 0 is not parseable input */
			fail("the UTC text does not parse back to the same instant", s, n);
	}
	if (sh.kind == 1 && memcmp(out, s, TIMESTAMP_TEXT_LEN) != 0)
		fail("a Z timestamp is not written back as it came", s, n);
	int32_t day = dates_local_day(t);
	if (day == DATE_NONE)
		fail("dates_local_day of a parsed instant", s, n);
	int64_t mid = dates_local_midnight(day);
	if (mid == INT64_MIN || mid > t || dates_local_midnight(day + 1) <= t)
		fail("the instant is not within its local day", s, n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct error err;
	error_clear(&err);
	if (dates_use_zone("Asia/Seoul", &err) != 0) {
		fprintf(stderr, "dates_use_zone: %s\n", err.msg);
		abort();
	}
	zone_now = 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 64)
		return 0;
	int z = (data[0] & 0xf0) ? 0 : data[0] & 7;
	if (z != zone_now) {
		struct error err;
		error_clear(&err);
		if (dates_use_zone(zones[z], &err) != 0) {
			fprintf(stderr, "dates_use_zone %s: %s\n", zones[z], err.msg);
			abort();
		}
		zone_now = z;
	}
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	check_date(s, n);
	check_timestamp(s, n);
	/* The same text as a prefix of a longer buffer: n must be honoured. */
	if (n > 10)
		check_date(s, 10);
	return 0;
}
