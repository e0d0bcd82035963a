/* status.c — `membership status [--json]`: what an operator asks first —
 * the recent job runs, what is waiting for payments, the inbox backlog, the
 * date the books are closed through, the database size — as a table for
 * people or one JSON object for scripts. Reads only and takes no lock, so it
 * answers while a job runs (it sees the last committed state). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include "dates.h"
#include "fsx.h"
#include "jobs.h"

#define STATUS_RECENT_RUNS 10

static const char sql_runs[] =
	"SELECT run_id, job, business_date, outcome, exit_code, started_at, ended_at, summary"
	" FROM runs ORDER BY run_id DESC LIMIT ?1";

struct status {
	int32_t closed;                /* DATE_NONE when no writing job ran */
	int64_t pending_purchases, pending_cancels;
	int64_t inbox_files, inbox_bytes;
	int64_t db_bytes, wal_bytes;
};

/* The files ingest would pick up (SPEC §4.2): regular files named *.csv,
 * not hidden; links, folders, FIFOs are not counted. Age is not checked:
 * a young file is backlog all the same. */
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

static int status_gather(struct run *run, struct status *s)
{
	memset(s, 0, sizeof *s);
	if (run_closed_through(run, &s->closed) < 0 ||
	    db_query_int(&run->db, "SELECT count(*) FROM memberships WHERE payment = 'PENDING'", 0,
			 &s->pending_purchases, &run->err) < 0 ||
	    db_query_int(&run->db, "SELECT count(*) FROM cancels WHERE state = 'PENDING'", 0,
			 &s->pending_cancels, &run->err) < 0 ||
	    status_inbox(run, s) < 0)
		return -1;
	s->db_bytes = file_size(run->db_path, "");
	s->wal_bytes = file_size(run->db_path, "-wal");
	return 0;
}

/* --- JSON ---------------------------------------------------------------------- */

/* A JSON string: quotes, backslash and control characters escaped; bytes
 * that are not valid UTF-8 become U+FFFD, so the output is always valid. */
static void json_str(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', fp);
	while (*p) {
		unsigned c = *p;
		if (c == '"' || c == '\\') {
			fputc('\\', fp);
			fputc((int)c, fp);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': fputs("\\n", fp); break;
			case '\r': fputs("\\r", fp); break;
			case '\t': fputs("\\t", fp); break;
			default: fprintf(fp, "\\u%04x", c); break;
			}
			p++;
		} else if (c < 0x80) {
			fputc((int)c, fp);
			p++;
		} else {
			int len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
							  : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
			int ok = len > 0;
			for (int i = 1; ok && i < len; i++)
				if ((p[i] & 0xc0) != 0x80)
					ok = 0;
			/* Overlongs and surrogates of 3- and 4-byte forms. */
			if (ok && c == 0xe0 && p[1] < 0xa0)
				ok = 0;
			if (ok && c == 0xed && p[1] > 0x9f)
				ok = 0;
			if (ok && c == 0xf0 && p[1] < 0x90)
				ok = 0;
			if (ok && c == 0xf4 && p[1] > 0x8f)
				ok = 0;
			if (ok) {
				fwrite(p, 1, (size_t)len, fp);
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

static void json_instant(FILE *fp, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		fputs("null", fp);
		return;
	}
	char t[TIMESTAMP_TEXT_LEN + 1];
	dates_format_utc(sqlite3_column_int64(st, i), t);
	json_str(fp, t);
}

static void json_int_or_null(FILE *fp, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		fputs("null", fp);
	else
		fprintf(fp, "%" PRId64, (int64_t)sqlite3_column_int64(st, i));
}

static int status_json(struct run *run, const struct status *s, sqlite3_stmt *st)
{
	FILE *fp = stdout;
	int rc, n = 0;
	fputs("{\"workspace\": ", fp);
	json_str(fp, run->cfg.workspace);
	fputs(", \"closed_through\": ", fp);
	json_date(fp, s->closed);
	fprintf(fp,
		", \"pending\": {\"purchases\": %" PRId64 ", \"cancels\": %" PRId64 "}"
		", \"inbox_backlog\": {\"files\": %" PRId64 ", \"bytes\": %" PRId64 "}"
		", \"database\": {\"bytes\": %" PRId64 ", \"wal_bytes\": %" PRId64 "}"
		", \"runs\": [",
		s->pending_purchases, s->pending_cancels, s->inbox_files, s->inbox_bytes,
		s->db_bytes, s->wal_bytes);
	while ((rc = db_step(&run->db, st, &run->err)) == 1) {
		fprintf(fp, "%s{\"run_id\": %" PRId64 ", \"job\": ", n++ ? ", " : "",
			(int64_t)sqlite3_column_int64(st, 0));
		json_str(fp, db_col_text(st, 1));
		fputs(", \"business_date\": ", fp);
		json_date(fp, db_col_date(st, 2));
		fputs(", \"outcome\": ", fp);
		json_str(fp, db_col_text(st, 3));
		fputs(", \"exit_code\": ", fp);
		json_int_or_null(fp, st, 4);
		fputs(", \"started_at\": ", fp);
		json_instant(fp, st, 5);
		fputs(", \"ended_at\": ", fp);
		json_instant(fp, st, 6);
		fputs(", \"duration_seconds\": ", fp);
		if (sqlite3_column_type(st, 6) == SQLITE_NULL)
			fputs("null", fp);
		else
			fprintf(fp, "%" PRId64,
				(int64_t)(sqlite3_column_int64(st, 6) - sqlite3_column_int64(st, 5)));
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

static int status_table(struct run *run, const struct status *s, sqlite3_stmt *st)
{
	FILE *fp = stdout;
	char a[32], b[32], esc[1024];
	int rc, n = 0;
	fsx_escape(run->cfg.workspace, esc, sizeof esc);
	fprintf(fp, "workspace       %s\n", esc);
	if (s->closed == DATE_NONE) {
		fprintf(fp, "books closed    (no business date yet)\n");
	} else {
		dates_format(s->closed, a);
		fprintf(fp, "books closed    through %s\n", a);
	}
	fprintf(fp, "pending         %" PRId64 " purchase(s), %" PRId64 " cancel(s)\n",
		s->pending_purchases, s->pending_cancels);
	human_bytes(s->inbox_bytes, a, sizeof a);
	fprintf(fp, "inbox backlog   %" PRId64 " file(s), %s\n", s->inbox_files, a);
	human_bytes(s->db_bytes, a, sizeof a);
	human_bytes(s->wal_bytes, b, sizeof b);
	fprintf(fp, "database        %s (write-ahead log %s)\n", a, b);
	fprintf(fp, "\nrecent runs\n");
	fprintf(fp, "  %6s  %-9s  %-10s  %-16s  %-7s  %4s  %8s  %s\n", "run", "job", "date",
		"started", "outcome", "exit", "duration", "summary");
	while ((rc = db_step(&run->db, st, &run->err)) == 1) {
		char date[DATE_TEXT_LEN + 1] = "-", started[32] = "-", exitc[16] = "-",
		     dur[32] = "-";
		int32_t day = db_col_date(st, 2);
		if (day != DATE_NONE)
			dates_format(day, date);
		/* Local time of the configured zone (main set TZ to it). */
		time_t t0 = (time_t)sqlite3_column_int64(st, 5);
		struct tm tm;
		if (localtime_r(&t0, &tm) != NULL)
			strftime(started, sizeof started, "%Y-%m-%d %H:%M", &tm);
		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			snprintf(exitc, sizeof exitc, "%d", sqlite3_column_int(st, 4));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			snprintf(dur, sizeof dur, "%" PRId64 " s",
				 (int64_t)(sqlite3_column_int64(st, 6) - sqlite3_column_int64(st, 5)));
		fsx_escape(db_col_text(st, 7), esc, sizeof esc);
		char job[32], outcome[32];
		fsx_escape(db_col_text(st, 1), job, sizeof job);
		fsx_escape(db_col_text(st, 3), outcome, sizeof outcome);
		fprintf(fp, "  %6" PRId64 "  %-9s  %-10s  %-16s  %-7s  %4s  %8s  %s\n",
			(int64_t)sqlite3_column_int64(st, 0), job, date, started, outcome, exitc, dur,
			esc);
		n++;
	}
	if (n == 0 && rc == 0)
		fprintf(fp, "  (none yet)\n");
	return rc < 0 ? -1 : 0;
}

int job_status(struct run *run)
{
	struct status s;
	sqlite3_stmt *st = NULL;
	int code = 0;
	if (status_gather(run, &s) < 0 || db_prepare(&run->db, sql_runs, &st, &run->err) < 0)
		goto fail;
	db_bind_int(st, 1, STATUS_RECENT_RUNS);
	if ((run->json ? status_json(run, &s, st) : status_table(run, &s, st)) < 0)
		goto fail;
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
