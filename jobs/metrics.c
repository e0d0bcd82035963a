/* metrics.c — the Prometheus textfile of SPEC §8.3 (monitoring.textfile),
 * for node_exporter's textfile collector: rewritten after every writing
 * job (a failed one too) from the run records, the pending work and the
 * inbox. Written whole to a temporary file in the same folder, fsynced,
 * renamed over the old one and the folder fsynced, so the collector never
 * reads half a file. Mode 0644: the exporter runs as another user, and
 * nothing here is secret. A file that cannot be written is a warning: the
 * books are right, only the monitoring is late. Not for: status (status.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "dates.h"
#include "day.h"
#include "fsx.h"
#include "jobs.h"
#include "log.h"

#define METRICS_FILE_MODE 0644

/* Per job: its last run, its last success (ended_at; started_at while it
 * runs), and the rows of all its runs. */
static const char sql_jobs[] =
	"SELECT r.job, coalesce(r.ended_at, r.started_at), r.exit_code,"
	" CASE WHEN r.ended_at IS NULL THEN NULL ELSE r.ended_at - r.started_at END,"
	" (SELECT coalesce(s.ended_at, s.started_at) FROM runs s WHERE s.run_id = j.ok),"
	" j.accepted, j.rejected"
	" FROM (SELECT job, max(run_id) AS last, sum(accepted) AS accepted, sum(rejected) AS "
	"rejected,"
	"  (SELECT max(run_id) FROM runs x WHERE x.job = runs.job AND x.outcome = 'ok') AS ok"
	"  FROM runs GROUP BY job) j JOIN runs r ON r.run_id = j.last ORDER BY r.job";

/* A label value: backslash, double quote and newline escaped. */
static void metrics_label(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', fp);
		if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

static void metrics_head(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Files ingest would pick up: regular, not hidden, named *.csv. */
static int64_t metrics_inbox_files(const char *inbox)
{
	int64_t n = 0;
	int dfd = open(inbox, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	DIR *d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct stat sb;
		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".csv") != 0)
			continue;
		if (fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode))
			n++;
	}
	closedir(d);
	return n;
}

/* The whole text; -1 with err filled when the books cannot be read. */
static int metrics_render(struct run *run, FILE *fp, struct error *err)
{
	static const struct {
		const char *name, *help;
		int col;
	} per_job[] = {
		{"membership_last_run_timestamp_seconds",
		 "When the job's last run ended (when it started, while it runs).", 1},
		{"membership_last_success_timestamp_seconds",
		 "When the job's last successful run ended.", 4},
		{"membership_last_run_exit_code",
		 "Exit code of the job's last run (-1: killed, or still running).", 2},
		{"membership_last_run_duration_seconds",
		 "How long the job's last run took (absent while it runs).", 3},
	};
	sqlite3_stmt *st = NULL;
	int rc = 0;
	if (db_prepare(&run->db, sql_jobs, &st, err) < 0)
		return -1;
	for (size_t m = 0; m < sizeof per_job / sizeof per_job[0]; m++) {
		metrics_head(fp, per_job[m].name, "gauge", per_job[m].help);
		while ((rc = db_step(&run->db, st, err)) == 1) {
			int c = per_job[m].col;
			int null = sqlite3_column_type(st, c) == SQLITE_NULL;
			if (null && c != 2)
				continue;
			fprintf(fp, "%s{job=\"", per_job[m].name);
			metrics_label(fp, db_col_text(st, 0));
			fprintf(fp, "\"} %" PRId64 "\n",
				null ? -1 : (int64_t)sqlite3_column_int64(st, c));
		}
		if (rc < 0)
			goto out;
		sqlite3_reset(st);
	}
	metrics_head(fp, "membership_rows_total", "counter",
		     "What the job's runs counted: inbox rows, decisions, products, expiries.");
	while ((rc = db_step(&run->db, st, err)) == 1) {
		for (int o = 0; o < 2; o++) {
			fputs("membership_rows_total{job=\"", fp);
			metrics_label(fp, db_col_text(st, 0));
			fprintf(fp, "\",outcome=\"%s\"} %" PRId64 "\n", o ? "rejected" : "accepted",
				(int64_t)sqlite3_column_int64(st, 5 + o));
		}
	}
	if (rc < 0)
		goto out;

	int64_t purchases = 0, cancels = 0;
	int32_t today = dates_local_day(run->now), open_day, from, to;
	if (db_query_int(&run->db, "SELECT count(*) FROM memberships WHERE payment = 'PENDING'", 0,
			 &purchases, err) < 0 ||
	    db_query_int(&run->db, "SELECT count(*) FROM cancels WHERE state = 'PENDING'", 0,
			 &cancels, err) < 0 ||
	    day_open(&run->db, today, &open_day, err) < 0 ||
	    day_unclosed(&run->db, today, &from, &to, err) < 0) {
		rc = -1;
		goto out;
	}
	metrics_head(fp, "membership_pending_purchases", "gauge",
		     "Purchases waiting for the payments job.");
	fprintf(fp, "membership_pending_purchases %" PRId64 "\n", purchases);
	metrics_head(fp, "membership_pending_cancels", "gauge",
		     "Cancels waiting for the payments job.");
	fprintf(fp, "membership_pending_cancels %" PRId64 "\n", cancels);
	metrics_head(fp, "membership_inbox_files", "gauge",
		     "Files in the inbox that ingest would read.");
	fprintf(fp, "membership_inbox_files %" PRId64 "\n", metrics_inbox_files(run->inbox));
	metrics_head(
		fp, "membership_open_business_day", "gauge",
		"The open business day, as the Unix time its day starts in the configured zone.");
	fprintf(fp, "membership_open_business_day %" PRId64 "\n", dates_local_midnight(open_day));
	metrics_head(fp, "membership_days_not_closed", "gauge",
		     "Days before today that no nightly closed.");
	fprintf(fp, "membership_days_not_closed %" PRId64 "\n",
		from > to ? 0 : (int64_t)to - from + 1);
out:
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* Write data to path through path.tmp-<pid>: fsync, rename, fsync folder. */
static int metrics_replace(const char *path, const char *data, size_t len, struct error *err)
{
	char tmp[4096], dir[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return error_set(err, EX_CANTCREAT, "%s: name too long", path);
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int fd =
		open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, METRICS_FILE_MODE);
	if (fd < 0)
		return error_set(err, EX_CANTCREAT, "%s: %s", tmp, strerror(errno));
	const char *p = data;
	size_t left = len;
	int e = 0;
	while (left > 0 && e == 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno != EINTR)
			e = errno;
		else if (w > 0) {
			p += w;
			left -= (size_t)w;
		}
	}
	if (e == 0 && fchmod(fd, METRICS_FILE_MODE) < 0)
		e = errno;
	if (e == 0 && fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && e == 0)
		e = errno;
	if (e == 0 && rename(tmp, path) < 0)
		e = errno;
	if (e != 0) {
		unlink(tmp);
		return error_set(err, EX_IOERR, "%s: %s", path, strerror(e));
	}
	return fsx_fsync_dir(dir, err);
}

void metrics_textfile_write(struct run *run)
{
	const char *path = run->cfg.monitoring_textfile;
	if (path == NULL || path[0] == '\0' || run->db.h == NULL)
		return;
	struct error err;
	error_clear(&err);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	if (fp == NULL) {
		log_warn("monitoring textfile %s not written: out of memory", path);
		return;
	}
	int rc = metrics_render(run, fp, &err);
	if (fclose(fp) != 0 && rc == 0)
		rc = error_set(&err, EX_SOFTWARE, "out of memory");
	if (rc == 0)
		rc = metrics_replace(path, buf, len, &err);
	if (rc < 0) {
		char esc[1024];
		fsx_escape(path, esc, sizeof esc);
		log_warn("monitoring textfile %s not written: %s", esc, err.msg);
	}
	free(buf);
}
