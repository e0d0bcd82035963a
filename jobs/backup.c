/* backup.c — `membership backup FILE` (SPEC §8.4): a consistent copy of the
 * books while other jobs may run. SQLite's online backup copies the pages
 * in steps of BACKUP_STEP_PAGES, all under one read transaction of the
 * books held from the first step to the last: the copy is the books as of
 * one commit, whatever a writer does meanwhile, and a stop (SIGTERM,
 * SIGINT) is seen between two steps rather than after the whole copy. The
 * copy goes to a temporary file in FILE's folder (mode 0600), named
 * BACKUP_TMP_NAME-<pid> whatever FILE is called, so a FILE name as long as
 * the file system allows still leaves room for it; it becomes a
 * single-file database (rollback journal), passes PRAGMA integrity_check,
 * is fsynced, and only then takes FILE's name, which it never replaces
 * (renameat2 NOREPLACE, or link + unlink where the file system has no such
 * rename). A stop before that removes the temporary file: exit 75, no FILE.
 * Books of an older schema version are copied as they are (main opens
 * them without migrating, CMD_OLD_BOOKS): the copy before a writing job
 * migrates them is the one an operator wants; the summary names the
 * version the copy holds.
 * Takes no lock and records no run: it only reads the books (main opens
 * them read-only), so it neither waits for a long job nor holds one up. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "fault.h"
#include "fsx.h"
#include "jobs.h"
#include "log.h"

#define BACKUP_MODE     0600
#define BACKUP_RETRY_MS 100
/* 4 MiB of 4 KiB pages a step: a stop waits for no more than that much
 * copying (the test build's steps are a few pages, so that a test can stop
 * a small book between two of them). */
#define BACKUP_STEP_PAGES 1024
#define BACKUP_TEST_PAGES 4
/* The temporary copy, in FILE's folder: hidden, and short whatever FILE
 * is named (FILE.tmp-<pid> of a 250-byte FILE passes NAME_MAX). */
#define BACKUP_TMP_NAME ".membership-backup.tmp"

/* The folder of path (into dir). */
static void backup_dir_of(const char *path, char *dir, size_t size)
{
	snprintf(dir, size, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, size, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
}

static void backup_remove(const char *tmp)
{
	static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
	char p[4200];
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		snprintf(p, sizeof p, "%s%s", tmp, suffixes[i]);
		unlink(p);
	}
}

/* SQLite asks this between virtual machine steps of the copy's own
 * statements (leaving WAL mode, integrity_check, which reads every page):
 * a stop interrupts them rather than waiting for them. */
static int backup_interrupt(void *unused)
{
	(void)unused;
	return run_stopped();
}

/* Copy the pages of the books into dst, in steps, under the read
 * transaction the caller holds; 0, or -1 with run->err (or a stop:
 * run_stopped() says so, and the caller says what it means). */
static int backup_pages(struct run *run, struct db *d, int64_t *pages)
{
	sqlite3_backup *b = sqlite3_backup_init(d->h, "main", run->db.h, "main");
	if (b == NULL)
		return db_fail(d, sqlite3_errcode(d->h), "backup", &run->err);
	int step = (int)fault_chunk(BACKUP_TEST_PAGES, BACKUP_STEP_PAGES);
	/* Under the caller's read transaction a step finds the books busy
	 * only in the rare moments a writer's recovery needs them: wait for
	 * it as long as a job would wait for the lock. */
	int64_t waited = 0, max_wait = run->cfg.lock_wait_seconds * 1000;
	int rc;
	for (;;) {
		rc = sqlite3_backup_step(b, step);
		if (run_stopped())
			break;
		if (rc == SQLITE_OK) {
			int total = sqlite3_backup_pagecount(b);
			run_progress(run, "backup pages",
				     (uint64_t)(total - sqlite3_backup_remaining(b)),
				     (uint64_t)total);
			/* a test stops it here, between two steps */
			fault_point_named("backup step");
			continue;
		}
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		if (waited >= max_wait)
			break;
		sqlite3_sleep(BACKUP_RETRY_MS);
		waited += BACKUP_RETRY_MS;
	}
	run_progress_done();
	*pages = sqlite3_backup_pagecount(b);
	int frc = sqlite3_backup_finish(b);
	if (run_stopped())
		return -1;
	if (rc != SQLITE_DONE) {
		/* named by the books, with SQLite's text for the step's code:
		 * the destination's message would be another one */
		struct db src = {.path = run->db.path};
		return db_fail(&src, rc, "backup", &run->err);
	}
	if (frc != SQLITE_OK)
		return db_fail(d, frc, "backup", &run->err);
	return 0;
}

/* Copy the books into the new file tmp and check the copy; *version is
 * the schema version of what was copied. */
static int backup_copy(struct run *run, const char *tmp, int64_t *pages, int64_t *version)
{
	sqlite3 *dst = NULL;
	struct db d = {.path = tmp};
	int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	d.h = dst;
	if (rc != SQLITE_OK) {
		db_fail(&d, rc, "open", &run->err);
		rc = -1;
		goto out;
	}
	sqlite3_extended_result_codes(dst, 1);
	sqlite3_progress_handler(dst, 1000, backup_interrupt, NULL);
	/* The copy is worth nothing until it is checked and named FILE, and
	 * is removed on any failure: a rollback journal would protect
	 * nothing, and a killed backup would leave one beside it. */
	rc = db_exec(&d, "PRAGMA journal_mode = OFF", &run->err);
	if (rc < 0)
		goto out;
	/* One read transaction of the books around every step: the pages of
	 * all steps, and the version said, are of one commit. A writer's
	 * commits meanwhile go to the WAL and do not restart the copy (old
	 * books still in rollback mode keep a writer waiting meanwhile, as
	 * the single step did). */
	rc = db_exec(&run->db, "BEGIN", &run->err);
	if (rc < 0)
		goto out;
	rc = db_query_int(&run->db, "PRAGMA user_version", 0, version, &run->err);
	if (rc == 0)
		rc = backup_pages(run, &d, pages);
	sqlite3_exec(run->db.h, "ROLLBACK", NULL, NULL, NULL); /* only read: nothing to keep */
	if (rc < 0)
		goto out;
	/* One self-contained file: the copy leaves WAL mode. */
	if (db_exec(&d, "PRAGMA journal_mode = DELETE", &run->err) < 0) {
		rc = -1;
		goto out;
	}
	sqlite3_stmt *st = NULL;
	if (db_prepare(&d, "PRAGMA integrity_check", &st, &run->err) < 0) {
		rc = -1;
		goto out;
	}
	int r = db_step(&d, st, &run->err);
	char first[256] = "";
	if (r == 1)
		snprintf(first, sizeof first, "%s", db_col_text(st, 0));
	sqlite3_finalize(st);
	if (r < 0) {
		rc = -1;
		goto out;
	}
	if (strcmp(first, "ok") != 0) {
		rc = error_set(&run->err, EX_IOERR, "%s: the copy fails integrity_check: %s", tmp,
			       first);
		goto out;
	}
	rc = 0;
out:
	if (dst != NULL && sqlite3_close(dst) != SQLITE_OK && rc == 0)
		rc = error_set(&run->err, EX_IOERR, "%s: close failed", tmp);
	return rc < 0 ? -1 : 0;
}

static int backup_sync(const char *path, struct error *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, EX_IOERR, "%s: %s", path, strerror(errno));
	int rc = fsync(fd), e = errno;
	close(fd);
	if (rc < 0)
		return error_set(err, EX_IOERR, "%s: fsync: %s", path, strerror(e));
	return 0;
}

/* Give tmp the name dest, never replacing a file that took it meanwhile. */
static int backup_place(const char *tmp, const char *dest, struct error *err)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return error_set(err, errno == EEXIST ? EX_CANTCREAT : EX_IOERR, "%s: %s%s", dest,
				 strerror(errno),
				 errno == EEXIST ? " (backup never writes over a file)" : "");
	if (link(tmp, dest) < 0)
		return error_set(err, errno == EEXIST ? EX_CANTCREAT : EX_IOERR, "%s: %s", dest,
				 strerror(errno));
	unlink(tmp);
	return 0;
}

int job_backup(struct run *run)
{
	const char *dest = run->arg;
	char esc[1024], dir[4096], tmp[4200];
	struct stat sb;
	fsx_escape(dest, esc, sizeof esc);
	if (dest[0] == '\0') {
		error_set(&run->err, EX_USAGE, "FILE is empty");
		return EX_USAGE;
	}
	if (lstat(dest, &sb) == 0) {
		error_set(&run->err, EX_CANTCREAT,
			  "%s exists; backup never writes over a file: name a new one", esc);
		return EX_CANTCREAT;
	}
	backup_dir_of(dest, dir, sizeof dir);
	int e = stat(dir, &sb) < 0 ? errno : S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
	if (e != 0) {
		error_set(&run->err, EX_CANTCREAT, "%s: folder %s: %s", esc, dir, strerror(e));
		return EX_CANTCREAT;
	}
	if (run->dry_run) {
		log_info("dry run: would copy the books %s to %s", run->db_path, esc);
		return 0;
	}
	size_t dl = strlen(dir);
	if (snprintf(tmp, sizeof tmp, "%s%s%s-%ld", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/",
		     BACKUP_TMP_NAME, (long)getpid()) >= (int)sizeof tmp) {
		error_set(&run->err, EX_CANTCREAT, "%s: name too long", esc);
		return EX_CANTCREAT;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, BACKUP_MODE);
	if (fd < 0) {
		/* named by the file asked for and its folder, in full: the
		 * temporary name alone says little */
		int oe = errno;
		char *full = realpath(dir, NULL);
		char shown[1024];
		fsx_escape(full != NULL ? full : dir, shown, sizeof shown);
		free(full);
		error_set(&run->err, EX_CANTCREAT, "%s: cannot create it in the folder %s: %s", esc,
			  shown, strerror(oe));
		return EX_CANTCREAT;
	}
	int bad = fchmod(fd, BACKUP_MODE) < 0, placed = 0;
	close(fd);
	if (bad) {
		error_set(&run->err, EX_CANTCREAT, "%s: chmod: %s", tmp, strerror(errno));
		goto fail;
	}
	int64_t pages = 0, version = 0;
	if (backup_copy(run, tmp, &pages, &version) < 0 || backup_sync(tmp, &run->err) < 0)
		goto fail;
	fault_point("backup copied");
	/* The last moment a stop can still leave no FILE. */
	if (run_stopped())
		goto fail;
	if (backup_place(tmp, dest, &run->err) < 0)
		goto fail;
	placed = 1;
	if (fsx_fsync_dir(dir, &run->err) < 0)
		goto fail;
	fault_point("backup placed");
	/* Books of an older version were copied as they are: whoever
	 * restores the copy should know a writing job migrates it. */
	char older[160] = "";
	if (version < DB_SCHEMA_VERSION)
		snprintf(older, sizeof older,
			 " (books of schema version %lld, older than this program's %d: a "
			 "writing job migrates them)",
			 (long long)version, DB_SCHEMA_VERSION);
	if (stat(dest, &sb) == 0 && !run->quiet)
		log_plain("backup: %s written (%lld bytes, %lld pages), integrity_check ok%s", esc,
			  (long long)sb.st_size, (long long)pages, older);
	return 0;
fail:
	backup_remove(tmp);
	/* A stop turns whatever it interrupted (a step, integrity_check)
	 * into one answer: try later, nothing was written. Once FILE has its
	 * name it is whole, and the error is what failed after that. */
	if (run_stopped() && !placed) {
		error_set(&run->err, EX_TEMPFAIL,
			  "stopped by signal %d: %s was not written (the copy begun was removed);"
			  " run the backup again",
			  run_stop_signal(), esc);
		return EX_TEMPFAIL;
	}
	return run->err.code ? run->err.code : EX_SOFTWARE;
}
