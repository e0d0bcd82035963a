/* ingest.c — `membership ingest`: read the inbox (SPEC §4) into the books.
 *
 * Order: list inbox/ (regular *.csv only, never hidden, .tmp, .part, links,
 * folders or files younger than inbox.min_age_seconds), sort by kind
 * (products, purchases, cancels) then by name, and take each file in turn:
 * one transaction per file — every row validated and applied or rejected
 * with its reason, the file recorded by SHA-256 — then, only after the
 * commit, the file moves to archive/<date>/ (its rejected rows to
 * rejected/<date>/<file>.rejects.csv) or, rejected whole, to rejected/<date>/
 * with <file>.error.txt.
 *
 * Promises: a row is applied once whatever reruns, crashes and duplicate
 * files happen (request ids and file hashes are checked inside the same
 * transaction that applies); a crash between commit and move is finished by
 * the next run, which recognises the file by hash and only moves it; a file
 * with a whole-file fault leaves nothing of itself in the books.
 *
 * Split: this file holds the job's steps (a file's transaction, whole-file
 * rejections, what the books know of a content); jobs/ingest_rows.c applies
 * the rows; jobs/inbox.c lists the inbox and moves a file after its commit
 * (the file's state machine is drawn there). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "csvin.h"
#include "dates.h"
#include "fault.h"
#include "fsx.h"
#include "ingest.h"
#include "jobs.h"
#include "log.h"

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

enum stmt {
	S_FILE_BY_SHA,
	S_FILE_ADD,
	S_FILE_MOVED,
	S_RUN_COUNT,
	S_REJ_LAST,
	S_REJ_RENAME,
	NSTMTS
};
static const char *const stmt_sql[NSTMTS] = {
	[S_FILE_BY_SHA] =
		"SELECT id, name, outcome, moved, dest, final_name, rejects_name,"
		" reason, message, business_date FROM files WHERE sha256 = ?1 ORDER BY id",
	[S_FILE_ADD] = "INSERT INTO files (sha256, name, kind, business_date, run_id, outcome,"
		       " reason, message, rows_read, accepted, rejected, dest, final_name,"
		       " rejects_name)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
	[S_FILE_MOVED] = "UPDATE files SET moved = 1 WHERE id = ?1",
	/* The run record counts each file in the transaction that records it,
	 * so a run killed later still shows what it did, and the runs of a
	 * day add up to their files (SPEC §7). */
	[S_RUN_COUNT] = "UPDATE runs SET files = files + 1, rows_read = rows_read + ?2,"
			" accepted = accepted + ?3, rejected = rejected + ?4 WHERE run_id = ?1",
	/* rejections.csv names a file as it is kept (b.1.csv when a b.csv is
	 * there already that day), as its .rejects.csv is named: the rows are
	 * recorded before the name is planned, then renamed. */
	[S_REJ_LAST] = "SELECT coalesce(max(id), 0) FROM rejections",
	[S_REJ_RENAME] = "UPDATE rejections SET file = ?3 WHERE id > ?1 AND file = ?2",
};

struct ingest {
	struct run *run;
	struct ingest_rows rows; /* the row appliers */
	sqlite3_stmt *st[NSTMTS];
	char date_dir[DATE_TEXT_LEN + 1];
	/* rejected/<date>: its path, and as inbox_date_dir names it; made by
	 * the first reject (SPEC §4.1), rows.rejected_fd then */
	char *rejected_dir;
	char rejected_dest[DATE_TEXT_LEN + 16];
	struct inbox_dirs dirs; /* inbox/, archive/, rejected/ */
	struct inbox_owed owed; /* names planned by moves still owed */
	int whole_rejects;
};

/* Roll the file's transaction back, and with it the ids its rows drew:
 * they were never stored, so the next come from the books again (a run
 * that dies here and its rerun make the same ids as one that does not). */
static void rollback(struct run *run)
{
	db_rollback(&run->db);
	run->db.next_id = 0;
}

/* Record the file and its planned names in the books (inside the file's
 * transaction). key is the SHA-256 of the content (or, for a file too large
 * to read, an identity from its inode). */
static int record_file(struct ingest *g, struct ingest_file *f, const char *key,
		       struct inbox_plan *p)
{
	struct run *run = g->run;
	int applied = p->reason == NULL;
	sqlite3_stmt *st = g->st[S_FILE_ADD];
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, f->name);
	db_bind_text(st, 3, f->hdr.kind == KIND_UNKNOWN ? NULL : kind_names[f->hdr.kind]);
	db_bind_int(st, 4, run->date);
	if (run->run_id > 0)
		db_bind_int(st, 5, run->run_id);
	db_bind_text(st, 6, applied ? "APPLIED" : "REJECTED");
	db_bind_text(st, 7, p->reason);
	db_bind_text(st, 8, p->message);
	db_bind_int(st, 9, f->rows);
	db_bind_int(st, 10, applied ? f->accepted : 0);
	db_bind_int(st, 11, applied ? f->rejected : f->rows);
	db_bind_text(st, 12, p->dest);
	db_bind_text(st, 13, p->final_name);
	db_bind_text(st, 14, p->rejects_name);
	if (db_step_done(&run->db, st, &run->err) < 0)
		return -1;
	p->id = sqlite3_last_insert_rowid(run->db.h);
	if (run->run_id <= 0)
		return 0;
	st = g->st[S_RUN_COUNT];
	db_bind_int(st, 1, run->run_id);
	db_bind_int(st, 2, f->rows);
	db_bind_int(st, 3, applied ? f->accepted : 0);
	db_bind_int(st, 4, applied ? f->rejected : f->rows);
	return db_step_done(&run->db, st, &run->err);
}

static int mark_moved(struct ingest *g, int64_t id)
{
	sqlite3_stmt *st = g->st[S_FILE_MOVED];
	db_bind_int(st, 1, id);
	return db_step_done(&g->run->db, st, &g->run->err);
}

/* The moves after the commit (inbox.c), then the mark that says done. */
static int finish_moves(struct ingest *g, const struct inbox_plan *p, const char *name,
			const char *sha)
{
	struct run *run = g->run;
	if (inbox_finish_moves(&g->dirs, p, name, sha, &run->err) < 0)
		return -1;
	return mark_moved(g, p->id);
}

/* Whether rejected of rows is more than max_rejected_share, exactly:
 * rejected / rows > num / den, compared as rejected * den > num * rows in
 * 128 bits (a double made 0.29 * 100 less than 29). */
static int share_exceeded(const struct config *cfg, long rejected, long rows)
{
	unsigned __int128 lhs =
		(unsigned __int128)(uint64_t)rejected * (uint64_t)cfg->max_rejected_share_den;
	unsigned __int128 rhs =
		(unsigned __int128)(uint64_t)cfg->max_rejected_share_num * (uint64_t)rows;
	return lhs > rhs;
}

/* What the books already know of this content. */
struct known {
	int owed;         /* a move is owed: *plan filled */
	int applied;      /* an applied copy exists: this one is a duplicate */
	int64_t stale_id; /* a record whose move was done but not marked */
	struct inbox_plan plan;
};

static char *dup_text(struct run *run, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	char *s = strdup(db_col_text(st, col));
	if (s == NULL)
		error_set(&run->err, EX_SOFTWARE, "out of memory");
	return s;
}

static int lookup_key(struct ingest *g, const char *key, const char *name, struct known *k)
{
	struct run *run = g->run;
	sqlite3_stmt *st = g->st[S_FILE_BY_SHA];
	memset(k, 0, sizeof *k);
	db_bind_text(st, 1, key);
	int rc;
	while ((rc = db_step(&run->db, st, &run->err)) == 1) {
		int applied = strcmp(db_col_text(st, 2), "APPLIED") == 0;
		int moved = sqlite3_column_int(st, 3);
		if (!moved && !k->owed && strcmp(db_col_text(st, 1), name) == 0) {
			/* Committed but not marked moved: the move is owed unless
			 * the planned name exists (the run died after moving, and
			 * this file is a new copy). */
			if (inbox_move_done(&g->dirs, db_col_text(st, 4), db_col_text(st, 5))) {
				k->stale_id = sqlite3_column_int64(st, 0);
			} else {
				struct inbox_plan *p = &k->plan;
				p->id = sqlite3_column_int64(st, 0);
				snprintf(p->dest, sizeof p->dest, "%s", db_col_text(st, 4));
				dates_format(db_col_date(st, 9), p->date);
				p->final_name = dup_text(run, st, 5);
				p->rejects_name = dup_text(run, st, 6);
				p->reason = dup_text(run, st, 7);
				p->message = dup_text(run, st, 8);
				if (p->final_name == NULL) {
					rc = -1;
					break;
				}
				k->owed = 1;
				continue;
			}
		}
		if (applied)
			k->applied = 1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc < 0 ? -1 : 0;
}

/* Finish a record whose move was done by a run that died before marking
 * it (its own small transaction; nothing to do in a dry run). */
static int settle_stale(struct ingest *g, const struct known *k)
{
	if (k->stale_id == 0 || g->run->dry_run)
		return 0;
	return mark_moved(g, k->stale_id);
}

/* A whole-file rejection: recorded in its own transaction, then moved. */
static int reject_file(struct ingest *g, struct ingest_file *f, const char *key)
{
	struct run *run = g->run;
	struct inbox_plan p;
	memset(&p, 0, sizeof p);
	int ret = -1;
	g->whole_rejects++;
	log_warn("%s rejected whole: %s: %s", f->esc, f->reason, f->message);
	if (db_begin(&run->db, &run->err) < 0)
		return -1;
	if (inbox_plan_names(&g->dirs, &g->owed, g->date_dir, f->name, 0, 0, &p, &run->err) < 0)
		goto fail;
	p.reason = strdup(f->reason);
	p.message = strdup(f->message);
	if (p.reason == NULL || p.message == NULL) {
		error_set(&run->err, EX_SOFTWARE, "out of memory");
		goto fail;
	}
	if (record_file(g, f, key, &p) < 0 ||
	    ingest_rows_record_rejection(&g->rows, p.final_name, 0, NULL, NULL, f->reason,
					 f->message) < 0 ||
	    db_commit(&run->db, &run->err) < 0)
		goto fail;
	fault_point("ingest commit");
	ret = run->dry_run ? 0 : finish_moves(g, &p, f->name, NULL);
	inbox_plan_free(&p);
	return ret;
fail:
	rollback(run);
	inbox_plan_free(&p);
	return -1;
}

/* Finish the moves a crashed run owed for this file; it is not read again. */
static int finish_owed(struct ingest *g, struct ingest_file *f, struct known *k, const char *key)
{
	log_info("%s was recorded already (an earlier run died before moving it): moving it",
		 f->esc);
	/* Counted by the run that recorded it. */
	f->rows = f->accepted = f->rejected = 0;
	f->owed = 1;
	if (g->run->dry_run)
		return 0;
	return finish_moves(g, &k->plan, f->name, k->plan.reason ? NULL : key);
}

/* The day's archive/<date>/ and rejected/<date>/ are made by the first
 * file that goes there (SPEC §4.1); one that is there already is opened
 * before any file is applied, so that a link in its place (RELIABILITY J2)
 * stops the run before anything moves. */
static int check_date_dirs(struct ingest *g)
{
	const char *const tops[] = {"archive", "rejected"};
	for (int i = 0; i < 2; i++) {
		struct stat sb;
		if (fstatat(i ? g->dirs.rejected : g->dirs.archive, g->date_dir, &sb,
			    AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* not there: made at first use */
		char dest[64];
		snprintf(dest, sizeof dest, "%s/%s", tops[i], g->date_dir);
		int fd = inbox_date_dir(&g->dirs, dest, 0, &g->run->err);
		if (fd < 0)
			return -1;
		close(fd);
	}
	return 0;
}

/* rejected/<date>/, made when the first row is rejected (SPEC §4.1). */
static int open_rejected(void *arg)
{
	struct ingest *g = arg;
	return inbox_date_dir(&g->dirs, g->rejected_dest, 1, &g->run->err);
}

static int process_file(struct ingest *g, const char *name)
{
	struct run *run = g->run;
	struct ingest_file f;
	memset(&f, 0, sizeof f);
	f.name = name;
	f.hdr.kind = KIND_UNKNOWN;
	fsx_escape(name, f.esc, sizeof f.esc);
	struct known k;
	memset(&k, 0, sizeof k);
	struct inbox_plan p;
	memset(&p, 0, sizeof p);
	struct stat st;
	int fd = inbox_open_file(g->dirs.inbox, name, &st);
	if (fd < 0) {
		/* Gone, or no longer a regular file: skipped. Unreadable (EACCES,
		 * EIO): the run stops here, the files before it committed, it
		 * and the ones after it left in the inbox for the rerun, in
		 * order. */
		if (inbox_open_error(name, errno, &run->err) < 0)
			return -1;
		log_info("inbox: %s went away or is not a regular file; skipped", f.esc);
		return 0;
	}
	struct csvin *in = NULL;
	char sha[65] = "";
	int ret = -1, in_tx = 0;
	if ((int64_t)st.st_size > run->cfg.max_file_bytes) {
		/* Too large to read: known by its inode instead of its hash. */
		char key[128];
		snprintf(key, sizeof key, "inode:%llu:%llu:%lld:%lld.%09ld",
			 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			 (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		close(fd);
		fd = -1;
		if (lookup_key(g, key, name, &k) < 0)
			goto out;
		if (k.owed) {
			ret = finish_owed(g, &f, &k, key);
			goto done;
		}
		if (settle_stale(g, &k) < 0)
			goto out;
		ingest_file_fail(&f, "FILE_TOO_LARGE", 0, "the file has %lld bytes, more than %lld",
				 (long long)st.st_size, (long long)run->cfg.max_file_bytes);
		ret = reject_file(g, &f, key);
		goto done;
	}
	if (csvin_open(&in, fd, f.esc, (size_t)run->cfg.max_field_bytes, &run->err) < 0)
		goto out;
	if (db_begin(&run->db, &run->err) < 0)
		goto out;
	in_tx = 1;
	int64_t rej_before = 0;
	if (db_step(&run->db, g->st[S_REJ_LAST], &run->err) < 0)
		goto out;
	rej_before = sqlite3_column_int64(g->st[S_REJ_LAST], 0);
	sqlite3_reset(g->st[S_REJ_LAST]);
	if (ingest_rows_read(&g->rows, &f, in, (uint64_t)st.st_size) < 0)
		goto out;
	if (csvin_drain(in, &run->err) < 0)
		goto out;
	fault_point_named("ingest read");
	/* Still written while it was read (under its final name, against
	 * SPEC §4.2's advice): what was added would be archived unread. None
	 * of it is applied; it waits for the next run (RELIABILITY C1). */
	struct stat now;
	if (fstat(fd, &now) < 0) {
		error_set(&run->err, EX_IOERR, "%s: fstat: %s", f.esc, strerror(errno));
		goto out;
	}
	if (now.st_size != st.st_size || now.st_mtim.tv_sec != st.st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != st.st_mtim.tv_nsec) {
		log_warn("inbox: %s changed while it was read (still being written under its"
			 " final name?): nothing of it applied; left for the next run",
			 f.esc);
		ret = 0;
		goto out;
	}
	csvin_sha256_hex(in, sha);
	if (lookup_key(g, sha, name, &k) < 0)
		goto out;
	if (k.owed) {
		rollback(run);
		in_tx = 0;
		ret = finish_owed(g, &f, &k, sha);
		goto done;
	}
	if (k.applied)
		ingest_file_fail(&f, "DUPLICATE_FILE", 0, "the same content was processed before");
	else if (!f.reason[0] && f.rows > 0 && share_exceeded(&run->cfg, f.rejected, f.rows)) {
		/* which row to look at first: its line, request id and reason */
		char first[sizeof f.first_rej + 48] = "";
		if (f.first_rej_line > 0)
			snprintf(first, sizeof first, "; the first at line %ld (%s)",
				 f.first_rej_line, f.first_rej);
		ingest_file_fail(
			&f, "TOO_MANY_REJECTED", 0,
			"%ld of %ld rows would be rejected, more than the share %g allowed%s",
			f.rejected, f.rows, run->cfg.max_rejected_share, first);
	}
	if (f.reason[0]) {
		rollback(run);
		in_tx = 0;
		if (settle_stale(g, &k) < 0)
			goto out;
		if (f.rejects) {
			fclose(f.rejects);
			f.rejects = NULL;
		}
		f.rejected = f.rows;
		f.accepted = 0;
		ret = reject_file(g, &f, sha);
		goto done;
	}

	/* Accepted: the rejects file goes under a name derived from the hash
	 * before the commit, so a run that dies after it can still find it. */
	if (f.rejects) {
		if (fflush(f.rejects) != 0) {
			error_set(&run->err, EX_IOERR, "%s/%s: write failed: %s", g->rejected_dir,
				  f.rejects_tmp, strerror(errno));
			goto out;
		}
		if (fsx_fsync_file(fileno(f.rejects), g->rejected_dir, &run->err) < 0)
			goto out;
		fclose(f.rejects);
		f.rejects = NULL;
		char *to = inbox_sha_tmp_name(sha);
		if (to == NULL) {
			error_set(&run->err, EX_SOFTWARE, "out of memory");
			goto out;
		}
		/* Durable before the commit: a lost rename would leave the
		 * committed file owing a rejects file nobody can find. */
		if (fsx_rename_at(f.rejects_dir, f.rejects_tmp, f.rejects_dir, to, f.rejects_tmp,
				  &run->err) < 0 ||
		    fsx_fsync_fd(f.rejects_dir, g->rejected_dir, &run->err) < 0) {
			free(to);
			goto out;
		}
		/* Until the commit succeeds it is still ours to remove. */
		free(f.rejects_tmp);
		f.rejects_tmp = to;
	}
	if (settle_stale(g, &k) < 0 || inbox_plan_names(&g->dirs, &g->owed, g->date_dir, name, 1,
							f.rejected > 0, &p, &run->err) < 0)
		goto out;
	if (f.rejected > 0 && strcmp(p.final_name, name) != 0) {
		sqlite3_stmt *rs = g->st[S_REJ_RENAME];
		db_bind_int(rs, 1, rej_before);
		db_bind_text(rs, 2, name);
		db_bind_text(rs, 3, p.final_name);
		if (db_step_done(&run->db, rs, &run->err) < 0)
			goto out;
	}
	if (record_file(g, &f, sha, &p) < 0 || db_commit(&run->db, &run->err) < 0)
		goto out;
	in_tx = 0;
	free(f.rejects_tmp); /* committed: the books now name it */
	f.rejects_tmp = NULL;
	fault_point("ingest commit");
	if (f.rejected > 0)
		log_info("%s: %ld rows, %ld accepted, %ld rejected", f.esc, f.rows, f.accepted,
			 f.rejected);
	else
		log_debug("%s: %ld rows, all accepted", f.esc, f.rows);
	if (run->dry_run) {
		log_info("dry run: %s would move to archive/%s/", f.esc, g->date_dir);
		ret = 0;
		goto done;
	}
	ret = finish_moves(g, &p, name, sha);
done:
	run->counts.files += !f.owed;
	run->counts.rows += f.rows;
	run->counts.accepted += f.accepted;
	run->counts.rejected += f.rejected;
out:
	if (in_tx)
		rollback(run);
	csvin_close(in);
	if (fd >= 0)
		close(fd);
	ingest_file_clear(&f);
	inbox_plan_free(&k.plan);
	inbox_plan_free(&p);
	return ret;
}

/* Records of moves a crashed run made but did not mark: the planned name
 * exists, so the move is done. (Moves still owed are finished when their
 * file is met in the inbox.) */
static int settle_done_moves(struct ingest *g)
{
	struct run *run = g->run;
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = -1;
	if (db_prepare(&run->db, "SELECT id, dest, final_name FROM files WHERE moved = 0", &st,
		       &run->err) < 0)
		return -1;
	while ((rc = db_step(&run->db, st, &run->err)) == 1) {
		if (!inbox_move_done(&g->dirs, db_col_text(st, 1), db_col_text(st, 2)))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			int64_t *nv = realloc(ids, cap * sizeof *ids);
			if (nv == NULL) {
				error_set(&run->err, EX_SOFTWARE, "out of memory");
				goto out;
			}
			ids = nv;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (mark_moved(g, ids[i]) < 0)
			goto out;
	ret = 0;
out:
	sqlite3_finalize(st);
	free(ids);
	return ret;
}

/* The names that records still owing their moves have planned, so that no
 * other file takes them first (a rejects file dropped back under its name,
 * say, before the file it came from is moved). */
static int load_owed(struct ingest *g)
{
	struct run *run = g->run;
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;
	if (db_prepare(&run->db,
		       "SELECT dest, final_name, rejects_name, outcome = 'REJECTED', business_date"
		       " FROM files WHERE moved = 0",
		       &st, &run->err) < 0)
		return -1;
	while ((rc = db_step(&run->db, st, &run->err)) == 1) {
		const char *dest = db_col_text(st, 0), *final = db_col_text(st, 1);
		int whole = sqlite3_column_int(st, 3);
		char rdest[64], date[DATE_TEXT_LEN + 1];
		dates_format(db_col_date(st, 4), date);
		snprintf(rdest, sizeof rdest, "rejected/%s", date);
		char *ename = whole ? fsx_name_fit(final, ".error.txt") : NULL;
		int bad = inbox_owed_add(&g->owed, dest, final) < 0 ||
			  (whole && (ename == NULL || inbox_owed_add(&g->owed, dest, ename) < 0)) ||
			  (sqlite3_column_type(st, 2) != SQLITE_NULL &&
			   inbox_owed_add(&g->owed, rdest, db_col_text(st, 2)) < 0);
		free(ename);
		if (bad) {
			error_set(&run->err, EX_SOFTWARE, "out of memory");
			goto out;
		}
	}
	if (rc == 0)
		ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* Temporary files of runs that died (or failed) before their commit, in
 * every rejected/<date>/: pre-commit rejects (.ingest-*), error.txt being
 * written (.wtmp-*), and hash-named rejects (.<sha>.rejects.tmp) that no
 * committed file still owes a move. */
static int clean_stale_tmp(struct ingest *g)
{
	struct run *run = g->run;
	sqlite3_stmt *st = NULL;
	int top_fd = fcntl(g->dirs.rejected, F_DUPFD_CLOEXEC, 0);
	DIR *top = top_fd < 0 ? NULL : fdopendir(top_fd);
	if (top == NULL) {
		if (top_fd >= 0)
			close(top_fd);
		return 0;
	}
	int ret = -1;
	if (db_prepare(&run->db,
		       "SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ?1 AND moved = 0)", &st,
		       &run->err) < 0)
		goto out;
	struct dirent *dd;
	while ((dd = readdir(top)) != NULL) {
		if (dd->d_name[0] == '.')
			continue;
		/* A link there is never entered (the moves report it). */
		int dfd = openat(g->dirs.rejected, dd->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
		if (d == NULL && dfd >= 0)
			close(dfd);
		struct dirent *de;
		while (d && (de = readdir(d)) != NULL) {
			const char *n = de->d_name;
			int stale = 0;
			if (n[0] != '.')
				continue;
			if (strncmp(n, ".ingest-", 8) == 0 || strncmp(n, ".wtmp-", 6) == 0) {
				stale = 1;
			} else if (ends_with(n, ".rejects.tmp") && strlen(n) == 1 + 64 + 12) {
				char sha[65];
				memcpy(sha, n + 1, 64);
				sha[64] = '\0';
				db_bind_text(st, 1, sha);
				int rc = db_step(&run->db, st, &run->err);
				stale = rc == 1 && sqlite3_column_int(st, 0) == 0;
				sqlite3_reset(st);
				if (rc < 0) {
					closedir(d);
					goto out;
				}
			}
			if (stale)
				unlinkat(dirfd(d), n, 0);
		}
		if (d)
			closedir(d);
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	closedir(top);
	return ret;
}

/* Between two rows of a file: stop on a signal, show progress. */
static int between_rows(void *arg, long rows, uint64_t done, uint64_t total)
{
	struct run *run = arg;
	if (run_stopped())
		return run_fail_stopped(run), -1;
	if ((rows & 0xfff) == 0)
		run_progress(run, "ingest bytes", done, total);
	return 0;
}

int job_ingest(struct run *run)
{
	struct ingest g;
	memset(&g, 0, sizeof g);
	g.run = run;
	struct inbox_entry *files = NULL;
	size_t nfiles = 0;
	int code = 0, sync_set = 0;
	dates_format(run->date, g.date_dir);
	g.dirs.ws = g.dirs.inbox = g.dirs.archive = g.dirs.rejected = -1;
	g.rejected_dir = fsx_join(run->rejected, g.date_dir);
	if (g.rejected_dir == NULL) {
		error_set(&run->err, EX_SOFTWARE, "out of memory");
		code = EX_SOFTWARE;
		goto out;
	}
	struct ingest_rows *rows = &g.rows;
	rows->db = &run->db;
	rows->err = &run->err;
	rows->date = run->date;
	rows->minor_digits = run->cfg.minor_digits;
	rows->vctx.minor_digits = run->cfg.minor_digits;
	rows->vctx.max_field_bytes = run->cfg.max_field_bytes;
	rows->vctx.day_end = dates_local_midnight(run->date + 1);
	rows->vctx.date_text = g.date_dir;
	rows->rejected_fd = -1;
	rows->rejected_path = g.rejected_dir;
	snprintf(g.rejected_dest, sizeof g.rejected_dest, "rejected/%s", g.date_dir);
	/* A dry run writes no rejects file. */
	rows->open_rejected = run->dry_run ? NULL : open_rejected;
	rows->open_rejected_arg = &g;
	rows->between_rows = between_rows;
	rows->between_arg = run;
	struct inbox_limits lim = {run->cfg.min_age_seconds, run->now, run->cfg.max_file_bytes,
				   run->cfg.max_field_bytes};
	/* A file moves out of the inbox after its commit, so that commit must be
	 * on disk first: with synchronous NORMAL the WAL is synced only at a
	 * checkpoint, and a power cut could keep the move and lose the rows.
	 * Ingest syncs each commit whatever database.synchronous says (one
	 * fsync a file). A dry run moves nothing, and runs inside a transaction,
	 * where SQLite refuses the change. */
	sync_set = !run->cfg.synchronous_full && !run->dry_run;
	if (sync_set && db_set_synchronous(&run->db, 1, &run->err) < 0)
		goto fail;
	for (int i = 0; i < NSTMTS; i++)
		if (db_prepare(&run->db, stmt_sql[i], &g.st[i], &run->err) < 0)
			goto fail;
	if (ingest_rows_open(rows) < 0)
		goto fail;
	if (inbox_dirs_open(&g.dirs, run->cfg.workspace, &run->err) < 0 || check_date_dirs(&g) < 0)
		goto fail;
	if (inbox_list(g.dirs.inbox, run->inbox, &lim, &files, &nfiles, &run->err) < 0)
		goto fail;
	if (!run->dry_run && settle_done_moves(&g) < 0)
		goto fail;
	if (!run->dry_run && clean_stale_tmp(&g) < 0)
		goto fail;
	if (load_owed(&g) < 0)
		goto fail;
	for (size_t i = 0; i < nfiles; i++) {
		if (run_stopped()) {
			code = run_fail_stopped(run);
			goto out;
		}
		if (process_file(&g, files[i].name) < 0)
			goto fail;
	}
	snprintf(run->summary, sizeof run->summary,
		 "%lld files, %lld rows, %lld accepted, %lld rejected",
		 (long long)run->counts.files, (long long)run->counts.rows,
		 (long long)run->counts.accepted, (long long)run->counts.rejected);
	code = g.whole_rejects > 0 ? EX_DATAERR : 0;
	goto out;
fail:
	code = run->err.code ? run->err.code : EX_SOFTWARE;
out:
	/* Back to the configured setting for the jobs after it (nightly); should
	 * that fail, they sync every commit: slower, never less safe. */
	if (sync_set)
		db_set_synchronous(&run->db, 0, NULL);
	for (int i = 0; i < NSTMTS; i++)
		sqlite3_finalize(g.st[i]);
	ingest_rows_close(&g.rows);
	inbox_entries_free(files, nfiles);
	if (g.rows.rejected_fd >= 0)
		close(g.rows.rejected_fd);
	inbox_dirs_close(&g.dirs);
	inbox_owed_free(&g.owed);
	free(g.rejected_dir);
	return code;
}
