/* backup.c — `membership backup FILE` (SPEC §8.4): a consistent copy of the
 * books while other jobs may run. SQLite's online backup copies every page
 * in one step, under one read transaction of the WAL: the copy is the books
 * as of one commit, whatever a writer does meanwhile. It goes to a
 * temporary file beside FILE (mode 0600), becomes a single-file database
 * (rollback journal), passes PRAGMA integrity_check, is fsynced, and only
 * then takes FILE's name, which it never replaces (renameat2 NOREPLACE, or
 * link + unlink where the file system has no such rename).
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

/* Copy the books into the new file tmp and check the copy. */
static int backup_copy(struct run *run, const char *tmp, int64_t *pages)
{
	sqlite3 *dst = NULL;
	struct db d = {.path = tmp};
	int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	d.h = dst;
	if (rc != SQLITE_OK) {
		db_fail(&d, rc, "open", &run->err);
		goto out;
	}
	sqlite3_extended_result_codes(dst, 1);
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", run->db.h, "main");
	if (b == NULL) {
		db_fail(&d, sqlite3_errcode(dst), "backup", &run->err);
		rc = -1;
		goto out;
	}
	/* A writer holds the books only between its commits' locks: wait
	 * for it as long as a job would wait for the lock. */
	int64_t waited = 0, max_wait = run->cfg.lock_wait_seconds * 1000;
	do {
		rc = sqlite3_backup_step(b, -1);
		if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
			if (waited >= max_wait || run_stopped())
				break;
			sqlite3_sleep(BACKUP_RETRY_MS);
			waited += BACKUP_RETRY_MS;
		}
	} while ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED);
	*pages = sqlite3_backup_pagecount(b);
	int frc = sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		d.h = NULL; /* the message of the step, not of the destination */
		db_fail(&run->db, rc, "backup", &run->err);
		rc = -1;
		goto out;
	}
	if (frc != SQLITE_OK) {
		db_fail(&d, frc, "backup", &run->err);
		rc = -1;
		goto out;
	}
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
	if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", dest, (long)getpid()) >= (int)sizeof tmp) {
		error_set(&run->err, EX_CANTCREAT, "%s: name too long", esc);
		return EX_CANTCREAT;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, BACKUP_MODE);
	if (fd < 0) {
		/* named by the file asked for and its folder, in full: the
		 * temporary name alone, relative, says little */
		int oe = errno;
		char *full = realpath(dir, NULL);
		char shown[1024];
		fsx_escape(full != NULL ? full : dir, shown, sizeof shown);
		free(full);
		error_set(&run->err, EX_CANTCREAT, "%s: cannot create it in the folder %s: %s", esc,
			  shown, strerror(oe));
		return EX_CANTCREAT;
	}
	int bad = fchmod(fd, BACKUP_MODE) < 0;
	close(fd);
	if (bad) {
		error_set(&run->err, EX_CANTCREAT, "%s: chmod: %s", tmp, strerror(errno));
		goto fail;
	}
	int64_t pages = 0;
	if (backup_copy(run, tmp, &pages) < 0 || backup_sync(tmp, &run->err) < 0)
		goto fail;
	fault_point("backup copied");
	if (backup_place(tmp, dest, &run->err) < 0 || fsx_fsync_dir(dir, &run->err) < 0)
		goto fail;
	fault_point("backup placed");
	if (stat(dest, &sb) == 0 && !run->quiet)
		log_plain("backup: %s written (%lld bytes, %lld pages), integrity_check ok", esc,
			  (long long)sb.st_size, (long long)pages);
	return 0;
fail:
	backup_remove(tmp);
	return run->err.code ? run->err.code : EX_SOFTWARE;
}
