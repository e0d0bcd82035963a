/* dates.c — civil-date arithmetic (Hinnant's algorithms), strict parsing and
 * formatting of dates and timestamps, and local time in the configured zone.
 * Not for: reading the clock or getenv(): the zone folder is always
 * /usr/share/zoneinfo, and TZ is set to the full path of the file checked,
 * so a stray $TZDIR can never make glibc load another file (or none). */
#define _DEFAULT_SOURCE /* setenv */

#include "dates.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZONEINFO_DIR    "/usr/share/zoneinfo"
#define ZONE_NAME_MAX   255
#define SECONDS_PER_DAY INT64_C(86400)
/* Local offsets in history stay within ±26 h; a day around L covers one
 * transition on either side. */
#define OFFSET_PROBE_SECONDS SECONDS_PER_DAY
/* Slots of the offset cache, a power of two: one conversion by local_to_utc
 * looks at most at five consecutive UTC days (L and its probes a day either
 * side, L minus an offset of up to 26 h), so eight slots indexed by the day
 * number never evict one another within a conversion. */
#define OFFSET_CACHE_SLOTS 8
/* Instants this far from 1970 (about 10^9 years) bypass the cache, so that
 * day * 86400 cannot overflow; localtime_r still converts them. */
#define OFFSET_CACHE_LIMIT (INT64_C(1) << 55)

_Static_assert(sizeof(time_t) >= 8, "time_t must be 64 bits");

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

int32_t dates_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

void dates_to_civil(int32_t days, int *y, int *m, int *d)
{
	int64_t z = (int64_t)days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = mm;
	*y = (int)(yoe + era * 400 + (mm <= 2));
}

int dates_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int dates_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && dates_is_leap(y))
		return 29;
	return days[m - 1];
}

/* n ASCII digits at s as a number, or -1 when any is not a digit. */
static int parse_digits(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* YYYY-MM-DD at the start of s (exactly DATE_TEXT_LEN bytes available). */
static int parse_ymd(const char *s, int32_t *out)
{
	if (s[4] != '-' || s[7] != '-')
		return -1;
	int y = parse_digits(s, 4);
	int m = parse_digits(s + 5, 2);
	int d = parse_digits(s + 8, 2);
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > dates_days_in_month(y, m))
		return -1;
	*out = dates_from_civil(y, m, d);
	return 0;
}

int dates_parse(const char *s, size_t n, int32_t *out)
{
	if (s == NULL || n != DATE_TEXT_LEN)
		return -1;
	return parse_ymd(s, out);
}

/* Writes n digits of v (0 <= v < 10^n) at out. */
static void put_digits(char *out, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* DATE_NONE, and days outside years 0000..9999 (which no parsed input
 * reaches), are written as "" rather than as a truncated date. */
void dates_format(int32_t days, char *out)
{
	int y, m, d;
	out[0] = '\0';
	if (days == DATE_NONE)
		return;
	dates_to_civil(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return;
	put_digits(out, y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[DATE_TEXT_LEN] = '\0';
}

/* DATE_NONE stays DATE_NONE. */
int32_t dates_add_months(int32_t day, int months)
{
	int y, m, d;
	if (day == DATE_NONE)
		return DATE_NONE;
	dates_to_civil(day, &y, &m, &d);
	int64_t total = (int64_t)y * 12 + (m - 1) + months;
	int ny = (int)floor_div(total, 12);
	int nm = (int)(total - (int64_t)ny * 12) + 1;
	int last = dates_days_in_month(ny, nm);
	return dates_from_civil(ny, nm, d > last ? last : d);
}

/* A relative name of [A-Za-z0-9_+-] components joined by single '/'.
 * No '.', so no ".." and no "zone.tab"; "right/" zones are refused because
 * their time_t counts leap seconds and our days are 86400 s long. */
static int zone_name_safe(const char *zone)
{
	if (zone == NULL || zone[0] == '\0' || zone[0] == '/')
		return 0;
	size_t n = strlen(zone);
	if (n > ZONE_NAME_MAX || zone[n - 1] == '/' || strstr(zone, "..") != NULL ||
	    strstr(zone, "//") != NULL || strncmp(zone, "right/", 6) == 0)
		return 0;
	/* Files of the folder that are no IANA name: the host's own zone
	 * (whatever /etc/localtime is today), copies under other trees, and
	 * the placeholder zone of no place. */
	if (strcmp(zone, "localtime") == 0 || strcmp(zone, "posixrules") == 0 ||
	    strcmp(zone, "Factory") == 0 || strncmp(zone, "posix/", 6) == 0 ||
	    strncmp(zone, "SystemV/", 8) == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = zone[i];
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			 (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-' || c == '/';
		if (!ok)
			return 0;
	}
	return 1;
}

/* Full path of a safe zone's file into path, or -1. */
static int zone_path(const char *zone, char *path, size_t size)
{
	if (!zone_name_safe(zone))
		return -1;
	int len = snprintf(path, size, "%s/%s", ZONEINFO_DIR, zone);
	if (len < 0 || (size_t)len >= size)
		return -1;
	return 0;
}

/* A regular file (after symlinks) that begins with the TZif magic: the
 * folder also holds leapseconds, SECURITY and tables glibc cannot load. */
static int zone_file_ok(const char *path)
{
	struct stat st;
	char magic[4];
	int ok = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if (read(fd, magic, sizeof magic) != (ssize_t)sizeof magic)
		goto out;
	ok = memcmp(magic, "TZif", sizeof magic) == 0;
out:
	close(fd);
	return ok;
}

int dates_zone_exists(const char *zone)
{
	char path[PATH_MAX];
	if (zone_path(zone, path, sizeof path) != 0)
		return 0;
	return zone_file_ok(path);
}

/* Local wall-clock seconds since 1970-01-01T00:00 local of UTC instant t,
 * asked of glibc. */
static int local_seconds_exact(int64_t t, int64_t *out)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (localtime_r(&tt, &tm) == NULL)
		return -1;
	int32_t day = dates_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	*out = (int64_t)day * SECONDS_PER_DAY + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	return 0;
}

/* localtime_r costs thousands of instructions a call (for instants after
 * the zone file's last transition glibc parses the zone's rule text again
 * each time), and ingest converts every row, four times for a naive
 * timestamp. So the offset (local minus UTC seconds) is remembered per UTC
 * day [day * 86400, day * 86400 + 86400), direct-mapped by day number.
 * A day is CONSTANT when its first and last seconds have the same offset.
 * That proves no change in between only because no zone changes its
 * offset twice within one day: in tzdata 2025b, over years 1..2200, the
 * closest two offset changes of any zone are almost 4 days apart
 * (Africa/Freetown, 1939). A day with a change is MIXED: each instant in
 * it is asked of glibc. dates_use_zone clears the cache; nothing else may
 * change TZ. Not thread-safe: the program converts on one thread. */
enum offset_slot_state { SLOT_EMPTY, SLOT_CONSTANT, SLOT_MIXED };

static struct offset_slot {
	enum offset_slot_state state;
	int64_t day;    /* UTC day number of the slot's day */
	int64_t offset; /* throughout the day, when CONSTANT */
} offset_cache[OFFSET_CACHE_SLOTS];

static void offset_cache_clear(void)
{
	memset(offset_cache, 0, sizeof offset_cache);
}

/* Fills slot for UTC day: CONSTANT when glibc gives its first and last
 * seconds one offset, MIXED otherwise (a change, or beyond glibc's range). */
static void offset_slot_fill(struct offset_slot *slot, int64_t day)
{
	int64_t first = day * SECONDS_PER_DAY, last = first + SECONDS_PER_DAY - 1, lf, ll;
	slot->day = day;
	slot->state = SLOT_MIXED;
	if (local_seconds_exact(first, &lf) != 0 || local_seconds_exact(last, &ll) != 0)
		return;
	if (lf - first != ll - last)
		return;
	slot->offset = lf - first;
	slot->state = SLOT_CONSTANT;
}

/* local_seconds_exact through the offset cache: the same answers. */
static int local_seconds(int64_t t, int64_t *out)
{
	if (t <= -OFFSET_CACHE_LIMIT || t >= OFFSET_CACHE_LIMIT)
		return local_seconds_exact(t, out);
	int64_t day = floor_div(t, SECONDS_PER_DAY);
	struct offset_slot *slot = &offset_cache[(uint64_t)day % OFFSET_CACHE_SLOTS];
	if (slot->state == SLOT_EMPTY || slot->day != day)
		offset_slot_fill(slot, day);
	if (slot->state == SLOT_CONSTANT) {
		*out = t + slot->offset;
		return 0;
	}
	return local_seconds_exact(t, out);
}

int dates_use_zone(const char *zone, struct error *err)
{
	char path[PATH_MAX];
	char tz[PATH_MAX + 1];
	if (zone_path(zone, path, sizeof path) != 0)
		return error_set(err, EX_CONFIG, "timezone \"%s\" is not a valid IANA zone name",
				 zone != NULL ? zone : "");
	if (!zone_file_ok(path))
		return error_set(err, EX_CONFIG, "timezone \"%s\": no zone file %s", zone, path);
	/* ":/full/path" makes glibc read exactly the file checked above. */
	int len = snprintf(tz, sizeof tz, ":%s", path);
	if (len < 0 || (size_t)len >= sizeof tz)
		return error_set(err, EX_CONFIG, "timezone \"%s\": path too long", zone);
	if (setenv("TZ", tz, 1) != 0)
		return error_set(err, EX_OSERR, "timezone \"%s\": cannot set TZ", zone);
	tzset();
	offset_cache_clear();
	return 0;
}

/* The UTC instant at which local clocks show L (local seconds).
 * Returns 0 when L occurs (the earlier instant when it occurs twice, as
 * when clocks fall back), 1 when L falls in a gap (clocks sprang past it;
 * *out is then the first instant after the gap), -1 on failure.
 * Deterministic, unlike glibc mktime, whose answer for a repeated hour
 * depends on its earlier calls. */
static int local_to_utc(int64_t L, int64_t *out)
{
	int64_t before, after, la, lb;
	if (local_seconds(L - OFFSET_PROBE_SECONDS, &before) != 0 ||
	    local_seconds(L + OFFSET_PROBE_SECONDS, &after) != 0)
		return -1;
	int64_t off_a = before - (L - OFFSET_PROBE_SECONDS);
	int64_t off_b = after - (L + OFFSET_PROBE_SECONDS);
	int64_t ta = L - off_a, tb = L - off_b;
	if (local_seconds(ta, &la) != 0 || local_seconds(tb, &lb) != 0)
		return -1;
	int a_ok = la == L, b_ok = lb == L;
	if (a_ok && b_ok) {
		*out = ta < tb ? ta : tb;
		return 0;
	}
	if (a_ok || b_ok) {
		*out = a_ok ? ta : tb;
		return 0;
	}
	/* A gap: find the first instant whose local time is >= L. */
	int64_t lo = ta < tb ? ta : tb, hi = ta < tb ? tb : ta, l;
	if (local_seconds(lo, &l) != 0)
		return -1;
	if (l >= L)
		return -1; /* the probes did not bracket L: not a single gap */
	if (local_seconds(hi, &l) != 0 || l < L)
		return -1;
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (local_seconds(mid, &l) != 0)
			return -1;
		if (l >= L)
			hi = mid;
		else
			lo = mid;
	}
	*out = hi;
	return 1;
}

/* DATE_NONE when t is beyond what localtime_r can convert. */
int32_t dates_local_day(int64_t t)
{
	int64_t l;
	if (local_seconds(t, &l) != 0)
		return DATE_NONE;
	return (int32_t)floor_div(l, SECONDS_PER_DAY);
}

/* When midnight is skipped (clocks spring forward at 00:00) the day starts
 * at the end of the gap; when it occurs twice, at the first. INT64_MIN when
 * the zone cannot convert the day. */
int64_t dates_local_midnight(int32_t day)
{
	int64_t t;
	if (local_to_utc((int64_t)day * SECONDS_PER_DAY, &t) < 0)
		return INT64_MIN;
	return t;
}

/* HH:MM:SS at s into seconds of the day, or -1. */
static int64_t parse_hms(const char *s)
{
	if (s[2] != ':' || s[5] != ':')
		return -1;
	int h = parse_digits(s, 2);
	int m = parse_digits(s + 3, 2);
	int sec = parse_digits(s + 6, 2);
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
		return -1;
	return h * 3600 + m * 60 + sec;
}

/* A naive time that never occurred locally (in a spring-forward gap) is
 * rejected; one that occurred twice is the earlier instant. */
int dates_parse_timestamp(const char *s, size_t n, int64_t *out)
{
	enum { BASE = 19 }; /* YYYY-MM-DDTHH:MM:SS */
	int32_t day;
	if (s == NULL || (n != BASE && n != BASE + 1 && n != BASE + 6))
		return -1;
	if (parse_ymd(s, &day) != 0 || s[10] != 'T')
		return -1;
	int64_t secs = parse_hms(s + 11);
	if (secs < 0)
		return -1;
	int64_t local = (int64_t)day * SECONDS_PER_DAY + secs;
	if (n == BASE) {
		int64_t t;
		int gap = local_to_utc(local, &t);
		if (gap != 0)
			return gap > 0 ? -2 : -1;
		*out = t;
		return 0;
	}
	if (n == BASE + 1) {
		if (s[BASE] != 'Z')
			return -1;
		*out = local;
		return 0;
	}
	const char *o = s + BASE;
	if ((o[0] != '+' && o[0] != '-') || o[3] != ':')
		return -1;
	int oh = parse_digits(o + 1, 2);
	int om = parse_digits(o + 4, 2);
	if (oh < 0 || oh > 23 || om < 0 || om > 59)
		return -1;
	int64_t offset = oh * 3600 + om * 60;
	*out = o[0] == '+' ? local - offset : local + offset;
	return 0;
}

/* Instants outside years 0000..9999 are written as "". */
void dates_format_utc(int64_t t, char *out)
{
	out[0] = '\0';
	int64_t days = floor_div(t, SECONDS_PER_DAY);
	if (days < INT32_MIN + 1 || days > INT32_MAX)
		return;
	int64_t secs = t - days * SECONDS_PER_DAY;
	dates_format((int32_t)days, out);
	if (out[0] == '\0')
		return;
	out[10] = 'T';
	put_digits(out + 11, (int)(secs / 3600), 2);
	out[13] = ':';
	put_digits(out + 14, (int)(secs / 60 % 60), 2);
	out[16] = ':';
	put_digits(out + 17, (int)(secs % 60), 2);
	out[19] = 'Z';
	out[TIMESTAMP_TEXT_LEN] = '\0';
}
