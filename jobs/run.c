/* run.c — the frame around every writing job: the books-closed rule, the
 * run record (running → ok/failed; a record still "running" when the lock is
 * taken belonged to a killed process), the summary line, signals and
 * terminal progress. */
#include "jobs.h"

#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "dates.h"
#include "day.h"
#include "fault.h"
#include "log.h"

static volatile sig_atomic_t stop_signal;

int run_stopped(void)
{
	return stop_signal != 0;
}

int run_stop_signal(void)
{
	return (int)stop_signal;
}

int run_stop_error(struct error *err)
{
	return error_set(err, EX_TEMPFAIL,
			 "stopped by signal %d; the current transaction was rolled back",
			 (int)stop_signal);
}

int run_fail_stopped(struct run *run)
{
	run_stop_error(&run->err);
	return EX_TEMPFAIL;
}

double run_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double progress_start, progress_last;
static int progress_drawn;

void run_progress(struct run *run, const char *what, uint64_t done, uint64_t total)
{
	static int tty = -1; /* isatty is a system call: ask once */
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (run->quiet || !tty)
		return;
	double now = run_clock();
	if (progress_start == 0) {
		progress_start = now;
		return;
	}
	if (now - progress_start < 1.0 || now - progress_last < 0.25)
		return;
	progress_last = now;
	double rate = (double)done / (now - progress_start);
	if (total > 0)
		fprintf(stderr, "\r%s: %llu of %llu (%.0f%%, %.0f/s)   ", what,
			(unsigned long long)done, (unsigned long long)total,
			100.0 * (double)done / (double)total, rate);
	else
		fprintf(stderr, "\r%s: %llu (%.0f/s)   ", what, (unsigned long long)done, rate);
	progress_drawn = 1;
}

void run_progress_done(void)
{
	if (progress_drawn)
		fputs("\r\033[K", stderr);
	progress_drawn = 0;
	progress_start = 0;
	progress_last = 0;
}

/* The closing jobs are the table's CMD_CLOSES entries; nightly's own
 * record is left out (its steps have theirs), so that its catch-up can
 * still run the closing jobs for days before the one it closes. */
static int closing_job(const struct command *c)
{
	return (c->flags & CMD_CLOSES) && !(c->flags & CMD_CYCLE);
}

int run_closing_date(struct db *db, int latest, int32_t *out, struct error *err)
{
	/* The names are bound, one parameter each; only the placeholders are
	 * written into the statement. */
	char sql[256];
	size_t len = (size_t)snprintf(sql, sizeof sql,
				      "SELECT %s(business_date) FROM runs WHERE job IN (",
				      latest ? "max" : "min");
	int n = 0;
	for (size_t i = 0; i < ncommands; i++) {
		if (!closing_job(&commands[i]))
			continue;
		if (len + 3 >= sizeof sql)
			abort(); /* the table outgrew the buffer: a bug */
		memcpy(sql + len, n ? ",?" : "?", n ? 3 : 2);
		len += n ? 2 : 1;
		n++;
	}
	if (n == 0 || len + 2 > sizeof sql)
		abort();
	memcpy(sql + len, ")", 2);
	sqlite3_stmt *st = NULL;
	if (db_prepare(db, sql, &st, err) < 0)
		return -1;
	n = 0;
	for (size_t i = 0; i < ncommands; i++)
		if (closing_job(&commands[i]))
			db_bind_text(st, ++n, commands[i].name);
	int rc = db_step(db, st, err);
	int none = rc != 1 || sqlite3_column_type(st, 0) == SQLITE_NULL;
	int64_t v = none ? 0 : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	*out = none ? DATE_NONE : (int32_t)v;
	return 0;
}

int run_closed_through(struct run *run, int32_t *out)
{
	return run_closing_date(&run->db, 1, out, &run->err);
}

static const char *run_user(void)
{
	struct passwd *pw = getpwuid(geteuid());
	return pw && pw->pw_name ? pw->pw_name : "?";
}

static int run_record_begin(struct run *run, const char *name)
{
	static const char sql[] =
		"INSERT INTO runs (job, business_date, started_at, outcome, user, host, pid)"
		" VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6)";
	char host[256] = "?";
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	sqlite3_stmt *st = NULL;
	if (db_prepare(&run->db, sql, &st, &run->err) < 0)
		return -1;
	db_bind_text(st, 1, name);
	db_bind_date(st, 2, run->date);
	db_bind_int(st, 3, (int64_t)time(NULL));
	db_bind_text(st, 4, run_user());
	db_bind_text(st, 5, host);
	db_bind_int(st, 6, (int64_t)getpid());
	int rc = db_step_done(&run->db, st, &run->err);
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	run->run_id = sqlite3_last_insert_rowid(run->db.h);
	return 0;
}

/* Finish the run record: 0, or the error code when it could not be written
 * (the run then still shows running; the next run marks it killed). */
static int run_record_end(struct run *run, int code)
{
	static const char sql[] =
		"UPDATE runs SET ended_at = ?1, outcome = ?2, exit_code = ?3, files = ?4,"
		" rows_read = ?5, accepted = ?6, rejected = ?7, summary = ?8 WHERE run_id = ?9";
	sqlite3_stmt *st = NULL;
	struct error err;
	error_clear(&err);
	if (db_prepare(&run->db, sql, &st, &err) < 0)
		goto out;
	db_bind_int(st, 1, (int64_t)time(NULL));
	db_bind_text(st, 2, code == 0 || code == EX_DATAERR ? "ok" : "failed");
	db_bind_int(st, 3, code);
	db_bind_int(st, 4, run->counts.files);
	db_bind_int(st, 5, run->counts.rows);
	db_bind_int(st, 6, run->counts.accepted);
	db_bind_int(st, 7, run->counts.rejected);
	/* A failed run keeps its reason where the summary would be. */
	db_bind_text(st, 8, code == 0 || code == EX_DATAERR ? run->summary : run->err.msg);
	db_bind_int(st, 9, run->run_id);
	db_step_done(&run->db, st, &err);
out:
	sqlite3_finalize(st);
	if (err.code == 0)
		return 0;
	if (code == 0 || code == EX_DATAERR) {
		/* The job's work is committed, but its run is not recorded as
		 * done: not a success (SPEC §2: I/O failed, 74; out of memory,
		 * 70). A rerun changes nothing and records it. */
		error_set(&run->err, err.code,
			  "the work is committed, but its run record %lld could not be"
			  " finished: %s; run the job again to record it",
			  (long long)run->run_id, err.msg);
		return err.code;
	}
	log_warn("could not finish run record %lld: %s", (long long)run->run_id, err.msg);
	return 0;
}

int run_record_refused(struct run *run, int code)
{
	if (run_record_begin(run, run->cmd->name) < 0)
		return -1;
	run_record_end(run, code);
	return 0;
}

/* The books are closed before the latest date a closing job ran for. */
static int check_closed(struct run *run, const struct command *c)
{
	int32_t closed;
	if (run_closed_through(run, &closed) < 0)
		return run->err.code;
	if (closed == DATE_NONE || run->date >= closed)
		return 0;
	char a[DATE_TEXT_LEN + 1], b[DATE_TEXT_LEN + 1];
	dates_format(run->date, a);
	dates_format(closed, b);
	if ((c->flags & CMD_CYCLE) && !run->date_given) {
		int32_t last;
		if (day_last_closed(&run->db, &last, &run->err) < 0)
			return run->err.code;
		if (last != DATE_NONE && last >= run->date)
			return error_set(&run->err, EX_USAGE,
					 "the business day %s has already begun (a job ran for"
					 " it), so today, %s, stays closed as it is",
					 b, a),
			       EX_USAGE;
		if (last == DATE_NONE)
			/* Nothing to catch up from (no nightly ever completed). */
			return error_set(&run->err, EX_USAGE,
					 "the business day %s has already begun (a job ran for"
					 " it), so today, %s, can no longer be closed; write its"
					 " reports with report --date %s",
					 b, a, a),
			       EX_USAGE;
		return error_set(&run->err, EX_USAGE,
				 "the business day %s has already begun (a job ran for it), so"
				 " today, %s, can no longer be closed: the nightly for %s writes"
				 " its reports (catch-up)",
				 b, a, b),
		       EX_USAGE;
	}
	if (!run->date_given) {
		/* No --date was typed: the date is the open business day (or
		 * today), which a job run with a --date ahead (or a clock set
		 * back) has passed. */
		error_set(&run->err, EX_USAGE,
			  "a job already ran for %s, so the books are closed before it;"
			  " the default date, %s, is earlier; give --date %s or later",
			  b, a, b);
		return EX_USAGE;
	}
	error_set(&run->err, EX_USAGE,
		  "a job already ran for %s, so the books are closed before it; --date %s is"
		  " earlier",
		  b, a);
	return EX_USAGE;
}

/* SPEC §5.1: whether or not expire has run, a membership has ended on its
 * expires_on, and MEMBERSHIP_EXPIRED is dated there. A closing job for D
 * first expires, as the expiry step for D - 1, what ended before D and is
 * still marked active (the machine was off, a nightly stopped early), so
 * every event dated before D is written before the first one dated D: the
 * events stay in date order, as reports read them. Nothing to do (one
 * indexed look-up) on a day whose nightly ran. */
static int expire_before(struct run *run, const struct command *c)
{
	const struct command *x = NULL;
	for (size_t i = 0; i < ncommands; i++)
		if (commands[i].flags & CMD_EXPIRY)
			x = &commands[i];
	if (x == NULL || x == c || !closing_job(c))
		return 0;
	int32_t closed;
	if (run_closed_through(run, &closed) < 0)
		return -1;
	if (closed != DATE_NONE && closed >= run->date)
		return 0; /* a job ran for D already, and did this first */
	int64_t due = 0;
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM memberships INDEXED BY"
				  " memberships_expiry WHERE status = 'ACTIVE'"
				  " AND expires_on <= rules_expired_through(?1))";
	sqlite3_stmt *st = NULL;
	if (db_prepare(&run->db, sql, &st, &run->err) < 0)
		return -1;
	db_bind_date(st, 1, run->date - 1); /* due the day before D */
	int rc = db_step(&run->db, st, &run->err);
	if (rc == 1)
		due = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	if (!due)
		return 0;
	int32_t date = run->date;
	run->date = date - 1;
	int code = run_job(run, x);
	run->date = date;
	if (code != 0)
		return -1;
	error_clear(&run->err);
	return 0;
}

/* run_job calls in progress: nightly's steps and a job's expiry first run
 * inside another. */
static int depth;

int run_job(struct run *run, const struct command *c)
{
	const char *name = c->name;
	if (c->flags & CMD_CLOSES) {
		int code = check_closed(run, c);
		if (code != 0)
			return code;
	}
	if (expire_before(run, c) < 0)
		return run->err.code ? run->err.code : EX_SOFTWARE;
	memset(&run->counts, 0, sizeof run->counts);
	run->summary[0] = '\0';
	run->run_id = 0;
	if (!run->dry_run && run_record_begin(run, name) < 0)
		return run->err.code;
	depth++;
	/* nightly's steps record runs of their own: keep this one's id. */
	int64_t run_id = run->run_id;
	double t0 = run_clock();
	const char *outer_job = log_context_job();
	int32_t outer_date = log_context_date();
	log_set_context(name, run->date);
	int code = c->fn(run);
	log_set_context(outer_job, outer_date);
	run_progress_done();
	if (code != 0 && code != EX_DATAERR && run->err.code == 0)
		error_set(&run->err, code, "%s failed", name);
	run->run_id = run_id;
	if (!run->dry_run) {
		int rec = run_record_end(run, code);
		if (rec != 0)
			code = rec;
	}
	/* The command's own run (not a step or an expiry it ran first): the
	 * textfile now, so that a warning about it comes before the summary
	 * line, which ends every run (SPEC §2). */
	if (--depth == 0 && c == run->cmd && (c->flags & CMD_LOCK) && !run->dry_run) {
		metrics_textfile_write(run);
		run->metrics_done = 1;
	}
	if (!run->quiet && (code == 0 || code == EX_DATAERR)) {
		/* "job date: summary", or "job: summary" for a command without a
		 * business date. */
		char d[DATE_TEXT_LEN + 2] = "";
		if (run->date != DATE_NONE) {
			d[0] = ' ';
			dates_format(run->date, d + 1);
		}
		if (run->dry_run)
			log_plain("%s%s: %s (dry run, %.2f s)", name, d, run->summary,
				  run_clock() - t0);
		else
			log_plain("%s%s: %s (run %lld, %.2f s)", name, d, run->summary,
				  (long long)run->run_id, run_clock() - t0);
	}
	return code;
}

static void run_on_signal(int sig)
{
	stop_signal = sig;
}

void run_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = run_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fault_stop_probe(run_stopped);
}
