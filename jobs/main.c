/* main.c — the one table of commands and what every command shares:
 * options, configuration, time zone, the business date, the workspace, the
 * lock, the database and the exit code. Git's git.c is the model: each
 * command is an entry point in jobs/<name>.c. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "dates.h"
#include "day.h"
#include "fault.h"
#include "fsx.h"
#include "jobs.h"
#include "lock.h"
#include "log.h"

#ifndef MEMBERSHIP_VERSION
#define MEMBERSHIP_VERSION "0.1.0"
#endif

#ifndef MEMBERSHIP_SYSCONFDIR
#define MEMBERSHIP_SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG MEMBERSHIP_SYSCONFDIR "/membership/membership.yaml"

/* What each command is. Everything main, run.c and nightly do differently
 * for a command is read from these flags (jobs.h). Without --date a command
 * works for the open business day (CMD_OPEN_DAY, SPEC §5.1) or for today in
 * the configured zone; the CMD_STEP entries are nightly's cycle, in order. */
#define CMD_WRITES (CMD_LOCK | CMD_RECORD | CMD_CLOSES | CMD_DATE)
const struct command commands[] = {
	{"init", job_init, CMD_LOCK, "create the workspace folders and the database (idempotent)",
	 ""},
	{"ingest", job_ingest, CMD_WRITES | CMD_OPEN_DAY | CMD_STEP | CMD_INBOX,
	 "read inbox CSV files: products, purchases, cancels", ""},
	{"payments", job_payments, CMD_WRITES | CMD_OPEN_DAY | CMD_STEP,
	 "approve or decline pending purchases; void or refund cancels", ""},
	{"reconcile", job_reconcile, CMD_WRITES | CMD_OPEN_DAY | CMD_STEP,
	 "recompute product sales counts from the payment ledger", ""},
	{"expire", job_expire, CMD_WRITES | CMD_OPEN_DAY | CMD_STEP | CMD_EXPIRY,
	 "expire memberships past their term and products past sale", ""},
	{"report", job_report, CMD_LOCK | CMD_RECORD | CMD_DATE | CMD_STEP,
	 "write the reports for a business date", ""},
	{"nightly", job_nightly, CMD_WRITES | CMD_CYCLE,
	 "ingest, payments, reconcile, expire, report — in that order; closes the business day",
	 ""},
	{"status", job_status, CMD_READS | CMD_JSON | CMD_CHECK,
	 "recent job runs, what is pending, inbox backlog; --check for monitoring",
	 " [--json | --check]"},
	{"progress", job_progress, CMD_READS | CMD_DATE | CMD_ARG,
	 "one customer's timeline, to stdout", " CUSTOMER_ID"},
	{"backup", job_backup, CMD_READS | CMD_ARG | CMD_OLD_BOOKS,
	 "a consistent copy of the books, while jobs run", " FILE"},
	{"prune", job_prune, CMD_LOCK | CMD_RECORD, "delete dated folders older than the retention",
	 ""},
};
const size_t ncommands = sizeof commands / sizeof commands[0];

/* The names of the commands whose flags, masked by mask, equal want, as
 * "a, b and c". */
static void usage_names(FILE *fp, unsigned mask, unsigned want)
{
	size_t n = 0, k = 0;
	for (size_t i = 0; i < ncommands; i++)
		n += (commands[i].flags & mask) == want;
	for (size_t i = 0; i < ncommands; i++) {
		if ((commands[i].flags & mask) != want)
			continue;
		k++;
		fprintf(fp, "%s%s", k == 1 ? "" : k == n ? " and " : ", ", commands[i].name);
	}
}

static void usage_main(FILE *fp)
{
	fprintf(fp, "usage: membership <command> [options]\n\n");
	for (size_t i = 0; i < ncommands; i++)
		fprintf(fp, "  %-10s  %s\n", commands[i].name, commands[i].summary);
	fprintf(fp,
		"\noptions every command takes:\n"
		"  -c, --config FILE  configuration (default $MEMBERSHIP_CONFIG, else %s)\n"
		"  --date YYYY-MM-DD  the business date. Without it, ",
		DEFAULT_CONFIG);
	usage_names(fp, CMD_DATE | CMD_OPEN_DAY, CMD_DATE | CMD_OPEN_DAY);
	fprintf(fp, "\n                     work for the open business day (today, or tomorrow\n"
		    "                     once nightly has closed today); ");
	usage_names(fp, CMD_DATE | CMD_OPEN_DAY, CMD_DATE);
	fprintf(fp, "\n                     for today in the configured zone\n"
		    "  --dry-run          do everything, then roll back; move and write no file\n"
		    "  -q, --quiet        only warnings and errors on stderr\n"
		    "  -v, --verbose      more detail\n"
		    "  -h, --help         usage of the command\n"
		    "  --version          version\n"
		    "\n'membership <command> --help' shows one command.\n");
}

static void usage_command(FILE *fp, const struct command *c)
{
	fprintf(fp, "usage: membership %s [-c FILE]%s [--dry-run] [-q | -v]%s\n\n  %s\n", c->name,
		(c->flags & CMD_DATE) ? " [--date YYYY-MM-DD]" : "", c->usage, c->summary);
	if (c->flags & CMD_OPEN_DAY)
		fprintf(fp, "\n  Without --date: the open business day — today in the configured "
			    "zone,\n"
			    "  or tomorrow once nightly has completed for today.\n");
	else if (c->flags & CMD_CYCLE)
		fprintf(fp,
			"\n  Without --date: today in the configured zone. It first writes the\n"
			"  reports of the days since the last closed one that have none.\n");
	else if (c->flags & CMD_DATE)
		fprintf(fp, "\n  Without --date: today in the configured zone.\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ncommands; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void run_free(struct run *run)
{
	db_close(&run->db);
	lock_release(run->lock_fd);
	run->lock_fd = -1;
	config_free(&run->cfg);
	free(run->inbox);
	free(run->archive);
	free(run->rejected);
	free(run->reports);
	free(run->db_path);
	free(run->lock_path);
}

static int setup_workspace(struct run *run)
{
	const char *ws = run->cfg.workspace;
	run->inbox = fsx_join(ws, "inbox");
	run->archive = fsx_join(ws, "archive");
	run->rejected = fsx_join(ws, "rejected");
	run->reports = fsx_join(ws, "reports");
	run->db_path = fsx_join(ws, "membership.db");
	run->lock_path = fsx_join(ws, "membership.lock");
	if (!run->inbox || !run->archive || !run->rejected || !run->reports || !run->db_path ||
	    !run->lock_path)
		return error_set(&run->err, EX_SOFTWARE, "out of memory");
	/* A command that only reads makes nothing: a wrong path is an error. */
	if (run->cmd->flags & CMD_READS) {
		struct stat sb;
		int e = stat(ws, &sb) < 0 ? errno : S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
		if (e != 0)
			return error_set(&run->err, EX_NOINPUT, "workspace %s: %s", ws,
					 strerror(e));
		return 0;
	}
	/* A dry run creates nothing (SPEC §2): not the workspace, its folders,
	 * the database or the lock. It needs books made by init to run on. */
	if (run->dry_run) {
		const char *need[] = {run->db_path, run->inbox, run->archive, run->rejected,
				      run->reports};
		for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
			struct stat sb;
			if (lstat(need[i], &sb) == 0)
				continue;
			int e = errno;
			if (run->cmd->fn == job_init && e == ENOENT) {
				run->dry_init_missing = 1;
				return 0;
			}
			return error_set(&run->err, e == ENOENT ? EX_NOINPUT : EX_IOERR,
					 "%s: %s (a dry run creates nothing: run "
					 "'membership init' first)",
					 need[i], strerror(e));
		}
	}
	/* The workspace may be reached through a link the operator made; its
	 * own folders are never links (RELIABILITY J2): not followed, refused. */
	if (fsx_mkdirs(ws, &run->err) < 0)
		return -1;
	const char *dirs[] = {run->inbox, run->archive, run->rejected, run->reports};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (fsx_mkdir_nofollow(dirs[i], &run->err) < 0)
			return -1;
	return 0;
}

/* The line this run leaves in the lock file while it holds the lock. */
static const char *lock_holder_text(struct run *run)
{
	static char line[LOCK_HOLDER_MAX];
	char since[32];
	dates_format_utc(run->now, since);
	snprintf(line, sizeof line, "%s, pid %ld, since %s", run->cmd->name, (long)getpid(), since);
	return line;
}

/* On a terminal, a job about to wait for the lock says for whom; under
 * cron it says nothing unless it gives up (then main prints why). */
static void lock_waiting(const char *held_by, void *ctx)
{
	struct run *run = ctx;
	if (run->quiet || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "membership %s: waiting up to %lld s for the workspace lock, held by %s\n",
		run->cmd->name, (long long)run->cfg.lock_wait_seconds,
		held_by[0] ? held_by : "a process that did not say which");
}

static int mark_killed_runs(struct run *run)
{
	if (db_exec(&run->db,
		    "UPDATE runs SET outcome = 'killed', ended_at = started_at"
		    " WHERE outcome = 'running'",
		    &run->err) < 0)
		return -1;
	int n = sqlite3_changes(run->db.h);
	if (n > 0)
		log_warn("%d earlier run(s) found still marked running: the process was killed; "
			 "marked killed",
			 n);
	return 0;
}

/* The date a command works for when no --date was given (SPEC §5.1). */
static int default_date(struct run *run)
{
	const struct command *c = run->cmd;
	if (run->date != DATE_NONE || !(c->flags & CMD_DATE))
		return 0;
	int32_t today = dates_local_day(run->now);
	if (!(c->flags & CMD_OPEN_DAY)) {
		run->date = today;
		return 0;
	}
	return day_open(&run->db, today, &run->date, &run->err);
}

/* A writing job refused before it began (one of the workspace's folders
 * is a link, or cannot be made) is still a failed run: status --check and
 * the textfile must see it, as they see a job that failed later. Recorded
 * only when the books already exist and the lock is free at once: a
 * refusal never makes books and never waits. */
static void record_refusal(struct run *run)
{
	struct error refused = run->err;
	struct stat sb;
	if (!(run->cmd->flags & CMD_RECORD) || run->dry_run || run->db_path == NULL ||
	    lstat(run->db_path, &sb) < 0 || !S_ISREG(sb.st_mode))
		return;
	error_clear(&run->err);
	run->lock_fd = lock_acquire(run->lock_path, 0, run_stopped, lock_holder_text(run), NULL,
				    NULL, &run->err);
	if (run->lock_fd >= 0 &&
	    db_open(&run->db, run->db_path, run->cfg.synchronous_full, 0, &run->err) == 0 &&
	    mark_killed_runs(run) == 0) {
		/* Recorded without a business date: it did nothing for any day,
		 * so it must not begin one (a --date ahead would close the days
		 * before it). */
		int32_t date = run->date;
		run->date = DATE_NONE;
		run->err = refused;
		run_record_refused(run, refused.code);
		run->date = date;
	}
	run->err = refused;
}

/* Root writing into a workspace another user owns would leave folders
 * and files that user's scheduled runs can neither open nor replace (a
 * report's folder, an archive/<date>/): every run after it would fail
 * until someone chowns them. Refused before anything is made, and not
 * recorded as a run: it did nothing, and was said on the terminal. A dry
 * run makes nothing, so it may. */
static int refuse_root(struct run *run)
{
	struct stat sb;
	if (run->dry_run || !(run->cmd->flags & CMD_LOCK) || geteuid() != 0 ||
	    stat(run->cfg.workspace, &sb) < 0 || sb.st_uid == 0)
		return 0;
	const struct passwd *pw = getpwuid(sb.st_uid);
	char who[64];
	if (pw != NULL)
		snprintf(who, sizeof who, "%s", pw->pw_name);
	else
		snprintf(who, sizeof who, "uid %ld", (long)sb.st_uid);
	return error_set(&run->err, EX_CANTCREAT,
			 "the workspace %s belongs to %s, and root's files there would be out of"
			 " that user's reach for the scheduled runs: run it as %s (runuser -u %s"
			 " -- membership %s)",
			 run->cfg.workspace, who, who, pw != NULL ? pw->pw_name : "<user>",
			 run->cmd->name);
}

/* A job for the open day refused the lock names that day all the same
 * (SPEC §8.3), read from the books as they are now, without the lock; when
 * they cannot be read, the message goes without it. */
static void open_day_for_message(struct run *run)
{
	if (run->date != DATE_NONE || !(run->cmd->flags & CMD_OPEN_DAY))
		return;
	struct db peek;
	struct error e;
	int32_t day;
	memset(&peek, 0, sizeof peek);
	error_clear(&e);
	if (db_open_readonly(&peek, run->db_path, 0, 1, &e) == 0 &&
	    day_open(&peek, dates_local_day(run->now), &day, &e) == 0)
		run->date = day;
	db_close(&peek);
}

static int execute(struct run *run)
{
	const struct command *c = run->cmd;
	/* Every message names the job and its date (SPEC §8.3): a job whose
	 * date is today's by default (nightly, report…) names it from the
	 * first one, a refused lock included; the open day (ingest,
	 * payments…) is known once the books are read, below. */
	if (run->date == DATE_NONE && (c->flags & CMD_DATE) && !(c->flags & CMD_OPEN_DAY))
		run->date = dates_local_day(run->now);
	log_set_context(c->name, run->date);
	if (refuse_root(run) < 0)
		return run->err.code;
	if (setup_workspace(run) < 0) {
		record_refusal(run);
		return run->err.code;
	}
	if (run->dry_init_missing) {
		log_info("dry run: init would make the workspace %s (database %s)",
			 run->cfg.workspace, run->db_path);
		return 0;
	}
	if (c->flags & CMD_LOCK) {
		run->lock_fd =
			lock_acquire(run->lock_path, (long)run->cfg.lock_wait_seconds, run_stopped,
				     lock_holder_text(run), lock_waiting, run, &run->err);
		if (run->lock_fd < 0) {
			open_day_for_message(run);
			return run->err.code;
		}
	}
	if ((c->flags & CMD_READS)
		    ? db_open_readonly(&run->db, run->db_path,
				       (int)(run->cfg.lock_wait_seconds * 1000),
				       (c->flags & CMD_OLD_BOOKS) != 0, &run->err) < 0
		    : db_open(&run->db, run->db_path, run->cfg.synchronous_full,
			      (int)(run->cfg.lock_wait_seconds * 1000), &run->err) < 0)
		return run->err.code;
	if (default_date(run) < 0)
		return run->err.code;
	log_set_context(c->name, run->date);
	/* A dry run changes nothing, not even the record of a killed run. */
	if ((c->flags & CMD_LOCK) && !run->dry_run && mark_killed_runs(run) < 0)
		return run->err.code;
	if (!(c->flags & CMD_RECORD))
		return c->fn(run);
	/* nightly holds its own dry-run transaction around the whole cycle. */
	if (!run->dry_run || (c->flags & CMD_CYCLE))
		return run_job(run, c);
	/* A dry run wraps the job in one transaction that is rolled back. */
	if (db_begin(&run->db, &run->err) < 0)
		return run->err.code;
	int code = run_job(run, c);
	db_rollback(&run->db);
	return code;
}

int main(int argc, char **argv)
{
	struct run run;
	memset(&run, 0, sizeof run);
	run.lock_fd = -1;
	run.date = DATE_NONE;
	const char *config_path = NULL, *date_arg = NULL;
	log_use_journal(getenv("JOURNAL_STREAM"));

	enum { OPT_DATE = 256, OPT_DRY, OPT_VERSION, OPT_JSON, OPT_CHECK };
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"date", required_argument, NULL, OPT_DATE},
		{"dry-run", no_argument, NULL, OPT_DRY},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"json", no_argument, NULL, OPT_JSON},
		{"check", no_argument, NULL, OPT_CHECK},
		{NULL, 0, NULL, 0},
	};
	/* Options may stand before the command (they stop at its name) and
	 * after it: the same options, parsed in two passes. */
	int ch, help = 0, version = 0;
	opterr = 0;
	for (int pass = 0; pass < 2; pass++) {
		/* The first pass stops at the command; the second lets options and
		 * the command's arguments mix (progress ID --date D). */
		while ((ch = getopt_long(argc, argv, pass == 0 ? "+c:qvh" : "c:qvh", longopts,
					 NULL)) != -1) {
			switch (ch) {
			case 'c':
				config_path = optarg;
				break;
			case OPT_DATE:
				date_arg = optarg;
				break;
			case OPT_DRY:
				run.dry_run = 1;
				break;
			case 'q':
				run.quiet = 1;
				run.verbose = 0;
				break;
			case 'v':
				run.verbose = 1;
				run.quiet = 0;
				break;
			case 'h':
				help = 1;
				break;
			case OPT_VERSION:
				version = 1;
				break;
			case OPT_JSON:
				run.json = 1;
				break;
			case OPT_CHECK:
				run.check = 1;
				break;
			default:
				/* getopt's own messages are off (opterr): say which. */
				if (optopt == 'c' || optopt == OPT_DATE)
					log_error("option '%s' needs a value", argv[optind - 1]);
				else if (optopt > 0 && optopt < 256)
					/* a short one, maybe inside a cluster (-bad):
					 * optind may still point past its word */
					log_error("unknown option '-%c'", optopt);
				else
					log_error("unknown option '%s'", argv[optind - 1]);
				if (run.cmd)
					goto bad_usage;
				usage_main(stderr);
				return EX_USAGE;
			}
		}
		if (pass == 1)
			break;
		if (version) {
			printf("membership %s\n", MEMBERSHIP_VERSION);
			return 0;
		}
		if (optind >= argc || strcmp(argv[optind], "help") == 0) {
			usage_main(help || optind < argc ? stdout : stderr);
			return help || optind < argc ? 0 : EX_USAGE;
		}
		run.cmd = find_command(argv[optind]);
		if (run.cmd == NULL) {
			log_error("unknown command '%s'", argv[optind]);
			usage_main(stderr);
			return EX_USAGE;
		}
		/* getopt restarts on the arguments after the command. */
		argv += optind;
		argc -= optind;
		optind = 0;
	}
	if (help) {
		usage_command(stdout, run.cmd);
		return 0;
	}
	if (version) {
		printf("membership %s\n", MEMBERSHIP_VERSION);
		return 0;
	}
	if (run.json && !(run.cmd->flags & CMD_JSON)) {
		log_error("--json is not an option of %s", run.cmd->name);
		goto bad_usage;
	}
	if (run.check && !(run.cmd->flags & CMD_CHECK)) {
		log_error("--check is not an option of %s", run.cmd->name);
		goto bad_usage;
	}
	if (run.check && run.json) {
		log_error("--check and --json do not go together");
		goto bad_usage;
	}
	if (run.cmd->flags & CMD_ARG) {
		if (optind != argc - 1) {
			log_error("%s takes one argument:%s", run.cmd->name, run.cmd->usage);
			goto bad_usage;
		}
		run.arg = argv[optind];
	} else if (optind != argc) {
		log_error("%s takes no argument ('%s')", run.cmd->name, argv[optind]);
		goto bad_usage;
	}
	if (date_arg && !(run.cmd->flags & CMD_DATE)) {
		log_error("%s: takes no --date", run.cmd->name);
		goto bad_usage;
	}
	if (config_path && config_path[0] == '\0') {
		/* an empty -c is a slip (an unset variable in a script), not
		 * a wish for the default file */
		log_error("-c/--config needs a file name, got an empty one");
		goto bad_usage;
	}
	log_set_level(run.quiet ? LOG_QUIET : run.verbose ? LOG_VERBOSE : LOG_NORMAL);
	log_set_context(run.cmd->name, DATE_NONE);

	if (config_path == NULL)
		config_path = getenv("MEMBERSHIP_CONFIG");
	if (config_path == NULL || config_path[0] == '\0')
		config_path = DEFAULT_CONFIG;
	int code = 0;
	if (config_load(&run.cfg, config_path, &run.err) < 0 ||
	    dates_use_zone(run.cfg.timezone, &run.err) < 0) {
		code = run.err.code;
		goto out;
	}
	run.now = (int64_t)time(NULL);
	if (date_arg) {
		if (dates_parse(date_arg, strlen(date_arg), &run.date) < 0) {
			log_error("--date '%s' is not a valid YYYY-MM-DD date", date_arg);
			code = EX_USAGE;
			goto out;
		}
		/* A term (at most 1200 months) that starts as late as a renewal
		 * may (renewal_window_days, at most 3660) must still end on a
		 * date the books can write: YYYY stops at 9999. */
		int32_t last;
		if (dates_parse("9799-12-31", 10, &last) == 0 && run.date > last) {
			log_error("--date '%s' is later than 9799-12-31, the last business date "
				  "(a 100-year term must end by 9999-12-31)",
				  date_arg);
			code = EX_USAGE;
			goto out;
		}
		run.date_given = 1;
	}
	{
		const char *faults = getenv("MEMBERSHIP_FAULT_AT");
		if (faults && *faults)
			fault_arm(strtol(faults, NULL, 10));
	}
	run_install_signals();
	umask(027);
	code = execute(&run);
	if ((run.cmd->flags & CMD_LOCK) && !run.dry_run && run.db.h && !run.metrics_done)
		metrics_textfile_write(&run);
out:
	/* status --check answers by the monitoring-plugin convention even
	 * when the books cannot be read: UNKNOWN (3), on stdout. */
	if (run.check && code > 3) {
		printf("MEMBERSHIP UNKNOWN - %s\n",
		       run.err.msg[0] ? run.err.msg : "the books cannot be read");
		fflush(stdout);
		run_free(&run);
		return 3;
	}
	if (code != 0 && code != EX_DATAERR && run.err.msg[0]) {
		log_set_context(run.cmd->name, run.date);
		log_error("%s", run.err.msg);
	}
	run_free(&run);
	return code;

bad_usage:
	usage_command(stderr, run.cmd);
	/* A monitor shows stdout: status --check says there what went wrong,
	 * and keeps 64 (a bad command line is the caller's, not the books'). */
	int check = run.check; /* not parsed yet when an earlier option was bad */
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (n >= 4 && strncmp(argv[i], "--check", n) == 0) /* getopt takes --ch */
			check = 1;
	}
	if (check && (run.cmd->flags & CMD_CHECK)) {
		printf("MEMBERSHIP UNKNOWN - bad command line (exit 64; see membership %s "
		       "--help)\n",
		       run.cmd->name);
		fflush(stdout);
	}
	return EX_USAGE;
}
