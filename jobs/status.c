/* status.c — `membership status [--json | --check]` (SPEC §8.3): what an
 * operator asks first — each job's last run and last success, the open
 * business day and the days no nightly closed, what waits for payments, the
 * inbox backlog, the database size, the recent runs — as a table for people,
 * one JSON object for scripts, or one monitoring-plugin line (--check: exit
 * 0 OK, 1 WARNING, 2 CRITICAL; main turns "cannot read" into 3 UNKNOWN).
 * Reads only: main opens the books read-only and takes no lock, so it
 * answers while a job runs (the last committed state) and on a read-only
 * mount. It only looks at the lock (outcome_now): a run still marked
 * running that began before the lock was seen free was killed, and shows
 * so. Not for: changing anything, not even a killed run's record. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include "dates.h"
#include "day.h"
#include "fsx.h"
#include "jobs.h"
#include "lock.h"
#include "utf8.h"

#define STATUS_RECENT_RUNS 10
#define STATUS_MAX_JOBS    16

static const char sql_runs[] =
	"SELECT run_id, job, business_date, outcome, exit_code, started_at, ended_at, summary"
	" FROM runs ORDER BY run_id DESC LIMIT ?1";

/* Each job's last run and last success, the jobs in the order nightly runs them. */
static const char sql_jobs[] =
	"SELECT r.job, r.run_id, r.business_date, r.outcome, r.exit_code, r.started_at, r.ended_at,"
	" s.run_id, s.business_date, s.exit_code, s.started_at, s.ended_at"
	" FROM (SELECT job, max(run_id) AS last,"
	"  (SELECT max(run_id) FROM runs x WHERE x.job = runs.job AND x.outcome = 'ok') AS ok"
	"  FROM runs GROUP BY job) j"
	" JOIN runs r ON r.run_id = j.last LEFT JOIN runs s ON s.run_id = j.ok"
	" ORDER BY CASE r.job WHEN 'init' THEN 0 WHEN 'ingest' THEN 1 WHEN 'payments' THEN 2"
	" WHEN 'reconcile' THEN 3 WHEN 'expire' THEN 4 WHEN 'report' THEN 5 WHEN 'nightly' THEN 6"
	" ELSE 7 END, r.job";

/* One run, as far as status needs it; run_id 0 = none. */
struct status_run {
	int64_t run_id;
	int32_t date;
	char outcome[16];
	int has_exit;
	int exit_code;
	int64_t started, ended; /* ended INT64_MIN while running */
};

struct status_job {
	char name[32];
	struct status_run last, success;
};

struct status {
	int64_t now;
	int32_t today, open_day, last_closed;
	int32_t unclosed_from, unclosed_to; /* from > to: none */
	int64_t pending_purchases, pending_cancels;
	int64_t inbox_files, inbox_bytes;
	int64_t inbox_oldest; /* mtime, INT64_MIN when no file */
	int64_t db_bytes, wal_bytes;
	int64_t rejected_files;  /* whole files rejected on the last closed day */
	int32_t reconcile_date;  /* the latest reconcile's business date */
	int64_t reconcile_diffs; /* differences it recorded for that date */
	struct status_job jobs[STATUS_MAX_JOBS];
	int njobs;
	int64_t free_at; /* the lock was free at this instant; INT64_MIN: not seen free */
};

/* A run's outcome as it is: a run is marked running only while its job
 * holds the lock (recorded after taking it, finished before letting go),
 * so one that began before an instant the lock was free was killed (the
 * next writing job marks it so). One that began since may be alive. */
static const char *outcome_now(const struct status *s, const char *outcome, int64_t started)
{
	return s->free_at != INT64_MIN && started < s->free_at && strcmp(outcome, "running") == 0
		       ? "killed"
		       : outcome;
}

/* When the workspace lock was seen free (lock_is_free: nothing kept, so
 * no job is ever kept waiting by status); INT64_MIN when a job holds it or
 * the file cannot be read (then nothing is concluded). */
static int64_t status_lock_free_at(const struct run *run)
{
	int64_t at = (int64_t)time(NULL);
	return lock_is_free(run->lock_path) == 1 ? at : INT64_MIN;
}

/* The files ingest would pick up (SPEC §4.2): regular files named *.csv,
 * not hidden; links, folders, FIFOs are not counted. Age is not checked:
 * a young file is backlog all the same. A workspace without inbox/ has
 * no backlog (status creates nothing). */
static int status_inbox(struct run *run, struct status *s)
{
	DIR *d = opendir(run->inbox);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return error_set(&run->err, EX_IOERR, "%s: %s", run->inbox, strerror(errno));
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		if (n[0] == '.' || len < 5 || strcmp(n + len - 4, ".csv") != 0)
			continue;
		char *p = fsx_join(run->inbox, n);
		struct stat sb;
		if (p != NULL && lstat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
			s->inbox_files++;
			s->inbox_bytes += (int64_t)sb.st_size;
			if (s->inbox_oldest == INT64_MIN || (int64_t)sb.st_mtime < s->inbox_oldest)
				s->inbox_oldest = (int64_t)sb.st_mtime;
		}
		free(p);
	}
	closedir(d);
	return 0;
}

static int64_t file_size(const char *path, const char *suffix)
{
	char buf[4096];
	struct stat sb;
	snprintf(buf, sizeof buf, "%s%s", path, suffix);
	return stat(buf, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

static void status_run_read(sqlite3_stmt *st, int i, int full, struct status_run *r)
{
	memset(r, 0, sizeof *r);
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return;
	r->run_id = sqlite3_column_int64(st, i);
	r->date = db_col_date(st, i + 1);
	if (full) {
		fsx_escape(db_col_text(st, i + 2), r->outcome, sizeof r->outcome);
		i++;
	} else {
		snprintf(r->outcome, sizeof r->outcome, "ok");
	}
	r->has_exit = sqlite3_column_type(st, i + 2) != SQLITE_NULL;
	r->exit_code = sqlite3_column_int(st, i + 2);
	i++;
	r->started = sqlite3_column_int64(st, i + 2);
	r->ended = sqlite3_column_type(st, i + 3) == SQLITE_NULL ? INT64_MIN
								 : sqlite3_column_int64(st, i + 3);
}

static int status_jobs(struct run *run, struct status *s)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (db_prepare(&run->db, sql_jobs, &st, &run->err) < 0)
		return -1;
	while ((rc = db_step(&run->db, st, &run->err)) == 1 && s->njobs < STATUS_MAX_JOBS) {
		struct status_job *j = &s->jobs[s->njobs++];
		fsx_escape(db_col_text(st, 0), j->name, sizeof j->name);
		status_run_read(st, 1, 1, &j->last);
		if (outcome_now(s, j->last.outcome, j->last.started) != j->last.outcome)
			snprintf(j->last.outcome, sizeof j->last.outcome, "killed");
		status_run_read(st, 7, 0, &j->success);
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

static int status_gather(struct run *run, struct status *s)
{
	memset(s, 0, sizeof *s);
	s->free_at = status_lock_free_at(run);
	s->now = run->now;
	s->today = dates_local_day(run->now);
	s->inbox_oldest = INT64_MIN;
	int64_t rdate = INT64_MIN;
	if (day_open(&run->db, s->today, &s->open_day, &run->err) < 0 ||
	    day_last_closed(&run->db, &s->last_closed, &run->err) < 0 ||
	    day_unclosed(&run->db, s->today, &s->unclosed_from, &s->unclosed_to, &run->err) < 0 ||
	    db_query_int(&run->db, "SELECT count(*) FROM memberships WHERE payment = 'PENDING'", 0,
			 &s->pending_purchases, &run->err) < 0 ||
	    db_query_int(&run->db, "SELECT count(*) FROM cancels WHERE state = 'PENDING'", 0,
			 &s->pending_cancels, &run->err) < 0 ||
	    db_query_int(&run->db,
			 "SELECT count(*) FROM files WHERE outcome = 'REJECTED' AND business_date ="
			 " (SELECT max(business_date) FROM runs WHERE job = 'nightly' AND outcome "
			 "= 'ok')",
			 0, &s->rejected_files, &run->err) < 0 ||
	    db_query_int(&run->db,
			 "SELECT business_date FROM runs WHERE job = 'reconcile' AND outcome = 'ok'"
			 " ORDER BY run_id DESC LIMIT 1",
			 INT64_MIN, &rdate, &run->err) < 0 ||
	    db_query_int(
		    &run->db,
		    "SELECT count(*) FROM reconciliation WHERE business_date ="
		    " (SELECT business_date FROM runs WHERE job = 'reconcile' AND outcome = 'ok'"
		    " ORDER BY run_id DESC LIMIT 1)",
		    0, &s->reconcile_diffs, &run->err) < 0 ||
	    status_jobs(run, s) < 0 || status_inbox(run, s) < 0)
		return -1;
	s->reconcile_date = rdate == INT64_MIN ? DATE_NONE : (int32_t)rdate;
	s->db_bytes = file_size(run->db_path, "");
	s->wal_bytes = file_size(run->db_path, "-wal");
	return 0;
}

static int64_t days_between(int32_t from, int32_t to)
{
	return from > to ? 0 : (int64_t)to - from + 1;
}

static int status_failed(const struct status_run *r)
{
	return strcmp(r->outcome, "failed") == 0 || strcmp(r->outcome, "killed") == 0;
}

/* --- JSON ---------------------------------------------------------------------- */

/* A JSON string: quotes, backslash and control characters escaped; bytes
 * that are not valid UTF-8 become U+FFFD, so the output is always valid. */
static void json_str(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + strlen(s);
	fputc('"', fp);
	while (*p) {
		unsigned c = *p;
		if (c == '"' || c == '\\') {
			fputc('\\', fp);
			fputc((int)c, fp);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n':
				fputs("\\n", fp);
				break;
			case '\r':
				fputs("\\r", fp);
				break;
			case '\t':
				fputs("\\t", fp);
				break;
			default:
				fprintf(fp, "\\u%04x", c);
				break;
			}
			p++;
		} else if (c < 0x80) {
			fputc((int)c, fp);
			p++;
		} else {
			size_t len = utf8_seq(p, (size_t)(end - p));
			if (len > 0) {
				fwrite(p, 1, len, fp);
				p += len;
			} else {
				fputs("\\ufffd", fp);
				p++;
			}
		}
	}
	fputc('"', fp);
}

static void json_date(FILE *fp, int32_t day)
{
	if (day == DATE_NONE) {
		fputs("null", fp);
		return;
	}
	char d[DATE_TEXT_LEN + 1];
	dates_format(day, d);
	json_str(fp, d);
}

static void json_int_or_null(FILE *fp, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		fputs("null", fp);
	else
		fprintf(fp, "%" PRId64, (int64_t)sqlite3_column_int64(st, i));
}

static void json_time(FILE *fp, const char *key, int64_t t)
{
	fprintf(fp, "\"%s\": ", key);
	if (t == INT64_MIN) {
		fprintf(fp, "null, \"%s_unix\": null", key);
		return;
	}
	char buf[TIMESTAMP_TEXT_LEN + 1];
	dates_format_utc(t, buf);
	json_str(fp, buf);
	fprintf(fp, ", \"%s_unix\": %" PRId64, key, t);
}

static void json_run(FILE *fp, const struct status_run *r)
{
	if (r->run_id == 0) {
		fputs("null", fp);
		return;
	}
	fprintf(fp, "{\"run_id\": %" PRId64 ", \"business_date\": ", r->run_id);
	json_date(fp, r->date);
	fputs(", \"outcome\": ", fp);
	json_str(fp, r->outcome);
	if (r->has_exit)
		fprintf(fp, ", \"exit_code\": %d, ", r->exit_code);
	else
		fputs(", \"exit_code\": null, ", fp);
	json_time(fp, "started_at", r->started);
	fputs(", ", fp);
	json_time(fp, "ended_at", r->ended);
	fputc('}', fp);
}

static int status_json(struct run *run, const struct status *s, sqlite3_stmt *st)
{
	FILE *fp = stdout;
	int rc, n = 0;
	fputs("{\"workspace\": ", fp);
	json_str(fp, run->cfg.workspace);
	fputs(", \"timezone\": ", fp);
	json_str(fp, run->cfg.timezone);
	fputs(", ", fp);
	json_time(fp, "now", s->now);
	fputs(", \"today\": ", fp);
	json_date(fp, s->today);
	fputs(", \"open_business_day\": ", fp);
	json_date(fp, s->open_day);
	fputs(", \"last_closed_day\": ", fp);
	json_date(fp, s->last_closed);
	fprintf(fp, ", \"days_not_closed\": {\"count\": %" PRId64 ", \"from\": ",
		days_between(s->unclosed_from, s->unclosed_to));
	json_date(fp, s->unclosed_from <= s->unclosed_to ? s->unclosed_from : DATE_NONE);
	fputs(", \"to\": ", fp);
	json_date(fp, s->unclosed_from <= s->unclosed_to ? s->unclosed_to : DATE_NONE);
	fprintf(fp,
		"}, \"pending\": {\"purchases\": %" PRId64 ", \"cancels\": %" PRId64 "}"
		", \"inbox_backlog\": {\"files\": %" PRId64 ", \"bytes\": %" PRId64 ", ",
		s->pending_purchases, s->pending_cancels, s->inbox_files, s->inbox_bytes);
	json_time(fp, "oldest_modified", s->inbox_oldest);
	if (s->inbox_oldest == INT64_MIN)
		fputs(", \"oldest_age_seconds\": null}", fp);
	else
		fprintf(fp, ", \"oldest_age_seconds\": %" PRId64 "}",
			s->now > s->inbox_oldest ? s->now - s->inbox_oldest : 0);
	fprintf(fp,
		", \"files_rejected_last_closed_day\": %" PRId64
		", \"reconcile_differences\": {\"business_date\": ",
		s->rejected_files);
	json_date(fp, s->reconcile_date);
	fprintf(fp,
		", \"count\": %" PRId64 "}"
		", \"database\": {\"bytes\": %" PRId64 ", \"wal_bytes\": %" PRId64 "}"
		", \"jobs\": {",
		s->reconcile_diffs, s->db_bytes, s->wal_bytes);
	for (int i = 0; i < s->njobs; i++) {
		fprintf(fp, "%s", i ? ", " : "");
		json_str(fp, s->jobs[i].name);
		fputs(": {\"last_run\": ", fp);
		json_run(fp, &s->jobs[i].last);
		fputs(", \"last_success\": ", fp);
		json_run(fp, &s->jobs[i].success);
		fputc('}', fp);
	}
	fputs("}, \"runs\": [", fp);
	while ((rc = db_step(&run->db, st, &run->err)) == 1) {
		fprintf(fp, "%s{\"run_id\": %" PRId64 ", \"job\": ", n++ ? ", " : "",
			(int64_t)sqlite3_column_int64(st, 0));
		json_str(fp, db_col_text(st, 1));
		fputs(", \"business_date\": ", fp);
		json_date(fp, db_col_date(st, 2));
		fputs(", \"outcome\": ", fp);
		json_str(fp, outcome_now(s, db_col_text(st, 3), sqlite3_column_int64(st, 5)));
		fputs(", \"exit_code\": ", fp);
		json_int_or_null(fp, st, 4);
		fputs(", ", fp);
		json_time(fp, "started_at", sqlite3_column_int64(st, 5));
		fputs(", ", fp);
		json_time(fp, "ended_at",
			  sqlite3_column_type(st, 6) == SQLITE_NULL ? INT64_MIN
								    : sqlite3_column_int64(st, 6));
		fputs(", \"duration_seconds\": ", fp);
		if (sqlite3_column_type(st, 6) == SQLITE_NULL)
			fputs("null", fp);
		else
			fprintf(fp, "%" PRId64,
				(int64_t)(sqlite3_column_int64(st, 6) -
					  sqlite3_column_int64(st, 5)));
		fputs(", \"summary\": ", fp);
		if (sqlite3_column_type(st, 7) == SQLITE_NULL)
			fputs("null", fp);
		else
			json_str(fp, db_col_text(st, 7));
		fputc('}', fp);
	}
	fputs("]}\n", fp);
	return rc < 0 ? -1 : 0;
}

/* --- the table ------------------------------------------------------------------ */

static void human_bytes(int64_t n, char *out, size_t outsz)
{
	if (n < 1024)
		snprintf(out, outsz, "%" PRId64 " B", n);
	else if (n < 1024 * 1024)
		snprintf(out, outsz, "%.1f KiB", (double)n / 1024.0);
	else if (n < INT64_C(1024) * 1024 * 1024)
		snprintf(out, outsz, "%.1f MiB", (double)n / (1024.0 * 1024.0));
	else
		snprintf(out, outsz, "%.1f GiB", (double)n / (1024.0 * 1024.0 * 1024.0));
}

/* Local time of the configured zone (main set TZ to it), or "-". */
static void local_time(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;
	snprintf(out, outsz, "-");
	if (t != INT64_MIN && localtime_r(&tt, &tm) != NULL)
		strftime(out, outsz, "%Y-%m-%d %H:%M", &tm);
}

static void human_age(int64_t secs, char *out, size_t outsz)
{
	if (secs < 120)
		snprintf(out, outsz, "%" PRId64 " s", secs);
	else if (secs < 2 * 3600)
		snprintf(out, outsz, "%" PRId64 " min", secs / 60);
	else if (secs < 2 * 86400)
		snprintf(out, outsz, "%" PRId64 " h", secs / 3600);
	else
		snprintf(out, outsz, "%" PRId64 " days", secs / 86400);
}

static int status_table(struct run *run, const struct status *s, sqlite3_stmt *st)
{
	FILE *fp = stdout;
	char a[64], b[64], esc[1024];
	int rc, n = 0;
	fsx_escape(run->cfg.workspace, esc, sizeof esc);
	fprintf(fp, "workspace       %s\n", esc);
	dates_format(s->today, a);
	fsx_escape(run->cfg.timezone, esc, sizeof esc);
	fprintf(fp, "today           %s (%s)\n", a, esc);
	dates_format(s->open_day, a);
	fprintf(fp, "open day        %s\n", a);
	if (s->last_closed == DATE_NONE) {
		fprintf(fp, "last closed     (no day closed by nightly yet)\n");
	} else {
		dates_format(s->last_closed, a);
		fprintf(fp, "last closed     %s\n", a);
	}
	int64_t nc = days_between(s->unclosed_from, s->unclosed_to);
	if (nc == 0) {
		fprintf(fp, "not closed      none\n");
	} else {
		dates_format(s->unclosed_from, a);
		dates_format(s->unclosed_to, b);
		if (nc == 1)
			fprintf(fp, "not closed      %s (1 day before today)\n", a);
		else
			fprintf(fp, "not closed      %s .. %s (%" PRId64 " days before today)\n", a,
				b, nc);
	}
	fprintf(fp, "pending         %" PRId64 " purchase(s), %" PRId64 " cancel(s)\n",
		s->pending_purchases, s->pending_cancels);
	human_bytes(s->inbox_bytes, a, sizeof a);
	fprintf(fp, "inbox backlog   %" PRId64 " file(s), %s", s->inbox_files, a);
	if (s->inbox_oldest != INT64_MIN) {
		human_age(s->now > s->inbox_oldest ? s->now - s->inbox_oldest : 0, b, sizeof b);
		fprintf(fp, ", oldest %s old", b);
	}
	fputc('\n', fp);
	human_bytes(s->db_bytes, a, sizeof a);
	human_bytes(s->wal_bytes, b, sizeof b);
	fprintf(fp, "database        %s (write-ahead log %s)\n", a, b);

	fprintf(fp, "\njobs\n");
	fprintf(fp, "  %-9s  %-16s  %-7s  %4s  %-10s  %-16s\n", "job", "last run", "outcome",
		"exit", "date", "last success");
	for (int i = 0; i < s->njobs; i++) {
		const struct status_job *j = &s->jobs[i];
		char exitc[16] = "-", date[DATE_TEXT_LEN + 1] = "-";
		local_time(j->last.started, a, sizeof a);
		local_time(j->success.run_id ? j->success.started : INT64_MIN, b, sizeof b);
		if (j->last.has_exit)
			snprintf(exitc, sizeof exitc, "%d", j->last.exit_code);
		if (j->last.date != DATE_NONE)
			dates_format(j->last.date, date);
		fprintf(fp, "  %-9s  %-16s  %-7s  %4s  %-10s  %-16s\n", j->name, a, j->last.outcome,
			exitc, date, j->success.run_id ? b : "never");
	}
	if (s->njobs == 0)
		fprintf(fp, "  (none yet)\n");

	fprintf(fp, "\nrecent runs\n");
	fprintf(fp, "  %6s  %-9s  %-10s  %-16s  %-7s  %4s  %8s  %s\n", "run", "job", "date",
		"started", "outcome", "exit", "duration", "summary");
	while ((rc = db_step(&run->db, st, &run->err)) == 1) {
		char date[DATE_TEXT_LEN + 1] = "-", started[32], exitc[16] = "-", dur[32] = "-";
		int32_t day = db_col_date(st, 2);
		if (day != DATE_NONE)
			dates_format(day, date);
		local_time(sqlite3_column_int64(st, 5), started, sizeof started);
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			snprintf(exitc, sizeof exitc, "%d", sqlite3_column_int(st, 4));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			snprintf(dur, sizeof dur, "%" PRId64 " s",
				 (int64_t)(sqlite3_column_int64(st, 6) -
					   sqlite3_column_int64(st, 5)));
		fsx_escape(db_col_text(st, 7), esc, sizeof esc);
		char job[32], outcome[32];
		fsx_escape(db_col_text(st, 1), job, sizeof job);
		fsx_escape(outcome_now(s, db_col_text(st, 3), sqlite3_column_int64(st, 5)), outcome,
			   sizeof outcome);
		fprintf(fp, "  %6" PRId64 "  %-9s  %-10s  %-16s  %-7s  %4s  %8s  %s\n",
			(int64_t)sqlite3_column_int64(st, 0), job, date, started, outcome, exitc,
			dur, esc);
		n++;
	}
	if (n == 0 && rc == 0)
		fprintf(fp, "  (none yet)\n");
	return rc < 0 ? -1 : 0;
}

/* --- the monitoring line (--check) ----------------------------------------------- */

/* Append "; " and the formatted text to buf (truncating, never overflowing). */
static void say(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	if (len + 3 >= size)
		return;
	if (len > 0) {
		memcpy(buf + len, "; ", 3);
		len += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* SPEC §8.3: CRITICAL when a day before today was not closed by nightly or
 * a job's last run failed or was killed (a later ok run of the same job
 * clears it); WARNING when a whole file was rejected on the last closed
 * day, the latest reconcile recorded a difference, or an inbox file is
 * older than monitoring.max_inbox_age_minutes; else OK. */
static int status_check(struct run *run, const struct status *s)
{
	char crit[1024] = "", warn[1024] = "", a[DATE_TEXT_LEN + 1], b[DATE_TEXT_LEN + 1];
	int64_t nc = days_between(s->unclosed_from, s->unclosed_to), failed = 0;
	if (nc == 1) {
		dates_format(s->unclosed_from, a);
		say(crit, sizeof crit, "day %s not closed by nightly", a);
	} else if (nc > 1) {
		dates_format(s->unclosed_from, a);
		dates_format(s->unclosed_to, b);
		say(crit, sizeof crit, "%" PRId64 " days %s .. %s not closed by nightly", nc, a, b);
	}
	for (int i = 0; i < s->njobs; i++) {
		const struct status_run *r = &s->jobs[i].last;
		if (!status_failed(r))
			continue;
		failed++;
		if (strcmp(r->outcome, "killed") == 0)
			say(crit, sizeof crit, "last %s run (%" PRId64 ") was killed",
			    s->jobs[i].name, r->run_id);
		else
			say(crit, sizeof crit, "last %s run (%" PRId64 ") failed, exit %d",
			    s->jobs[i].name, r->run_id, r->exit_code);
	}
	if (s->rejected_files > 0) {
		dates_format(s->last_closed, a);
		say(warn, sizeof warn, "%" PRId64 " whole file(s) rejected on %s",
		    s->rejected_files, a);
	}
	if (s->reconcile_diffs > 0) {
		dates_format(s->reconcile_date, a);
		say(warn, sizeof warn, "reconcile found %" PRId64 " difference(s) on %s",
		    s->reconcile_diffs, a);
	}
	int64_t age = s->inbox_oldest == INT64_MIN ? 0
		      : s->now > s->inbox_oldest   ? s->now - s->inbox_oldest
						   : 0;
	int64_t max_age = run->cfg.max_inbox_age_minutes * 60;
	if (s->inbox_oldest != INT64_MIN && max_age > 0 && age > max_age)
		say(warn, sizeof warn,
		    "an inbox file is %" PRId64 " min old (more than %" PRId64 ")", age / 60,
		    run->cfg.max_inbox_age_minutes);
	int code = crit[0] ? 2 : warn[0] ? 1 : 0;
	FILE *fp = stdout;
	fprintf(fp, "MEMBERSHIP %s - ", code == 2 ? "CRITICAL" : code == 1 ? "WARNING" : "OK");
	if (crit[0])
		fprintf(fp, "%s", crit);
	if (warn[0])
		fprintf(fp, "%s%s", crit[0] ? "; " : "", warn);
	if (code == 0) {
		dates_format(s->open_day, a);
		if (s->last_closed == DATE_NONE) {
			fprintf(fp, "open day %s, no day closed yet", a);
		} else {
			dates_format(s->last_closed, b);
			fprintf(fp, "last closed %s, open day %s", b, a);
		}
	}
	/* Performance data: 'label'=value[unit];warn;crit, the thresholds
	 * being the ones this check applies (none for the inbox age when
	 * max_inbox_age_minutes is 0). */
	fprintf(fp,
		" | 'pending'=%" PRId64 " 'pending_purchases'=%" PRId64
		" 'pending_cancels'=%" PRId64 " 'inbox_files'=%" PRId64
		" 'inbox_oldest_age'=%" PRId64 "s",
		s->pending_purchases + s->pending_cancels, s->pending_purchases, s->pending_cancels,
		s->inbox_files, age);
	if (max_age > 0)
		fprintf(fp, ";%" PRId64, max_age);
	fprintf(fp,
		" 'days_not_closed'=%" PRId64 ";;1 'failed_jobs'=%" PRId64 ";;1"
		" 'rejected_files'=%" PRId64 ";1 'reconcile_differences'=%" PRId64 ";1\n",
		nc, failed, s->rejected_files, s->reconcile_diffs);
	return code;
}

int job_status(struct run *run)
{
	struct status s;
	sqlite3_stmt *st = NULL;
	int code = 0;
	if (status_gather(run, &s) < 0)
		goto fail;
	if (run->check) {
		code = status_check(run, &s);
	} else {
		if (db_prepare(&run->db, sql_runs, &st, &run->err) < 0)
			goto fail;
		db_bind_int(st, 1, STATUS_RECENT_RUNS);
		if ((run->json ? status_json(run, &s, st) : status_table(run, &s, st)) < 0)
			goto fail;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error_set(&run->err, EX_IOERR, "stdout: write: %s", strerror(errno ? errno : EIO));
		goto fail;
	}
	goto out;
fail:
	code = run->err.code ? run->err.code : EX_SOFTWARE;
out:
	sqlite3_finalize(st);
	return code;
}
