/* inbox.c — the inbox folder and the life of an inbox file after the
 * transaction that applied it (SPEC §4.1, §4.2): which files are read and
 * in what order, where each one goes, and the moves that put it there.
 *
 * The life of an inbox file (the books' `files` row is what a rerun reads):
 *
 *   inbox/<f>  --inbox_list-->  listed  --(ingest.c: one transaction)-->
 *      |                                  |
 *      |   rolled back (crash, error): still in inbox/<f>, read again
 *      |                                  |
 *      |                  committed: files row, moved = 0, names planned
 *      |                  (inbox_plan_names), rejects at rejected/<D>/.<sha>.rejects.tmp
 *      |                                  |
 *      |                   inbox_finish_moves, each step resumable:
 *      |                     1. .<sha>.rejects.tmp -> <rejects_name>   (accepted, some rows rejected)
 *      |                     2. <final_name>.error.txt written          (rejected whole)
 *      |                     3. inbox/<f> -> <dest>/<final_name>        (leaves the inbox)
 *      |                                  |
 *      |                  (ingest.c: mark_moved) files.moved = 1: done
 *
 *   A run that dies after the commit: the next run meets inbox/<f> again,
 *   knows it by hash (or by inode when too large) and only finishes the
 *   moves (finish_owed in ingest.c); a run that dies after step 3 but before
 *   the mark is settled by inbox_settle_done_moves (the final name exists).
 *   Temporary files a dead run left before its commit are removed by
 *   inbox_clean_stale_tmp.
 *
 * Promises: a file leaves the inbox only after its commit; no step ever
 * replaces an existing file; names are planned before the commit so a rerun
 * uses the same ones. */
#define _GNU_SOURCE
#include <dirent.h>
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
#include "ingest.h"
#include "log.h"

/* --- listing -------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

int inbox_open_file(const char *inbox, const char *name, struct stat *st)
{
	char *path = fsx_join(inbox, name);
	if (path == NULL)
		return -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* The kind of a file by its header, for ordering; unreadable → unknown
 * (the real read rejects it with a reason). */
static enum kind sniff_kind(const char *inbox, const struct inbox_limits *lim, const char *name)
{
	struct stat st;
	int fd = inbox_open_file(inbox, name, &st);
	if (fd < 0)
		return KIND_UNKNOWN;
	enum kind k = KIND_UNKNOWN;
	struct csvin *r = NULL;
	struct csvin_row row;
	struct error err;
	error_clear(&err);
	if (st.st_size <= lim->max_file_bytes &&
	    csvin_open(&r, fd, name, (size_t)lim->max_field_bytes, &err) == 0 &&
	    csvin_next(r, &row, &err) == 1)
		k = validate_kind(row.fields, row.nfields);
	csvin_close(r);
	close(fd);
	return k;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct inbox_entry *x = a, *y = b;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(x->name, y->name);
}

void inbox_entries_free(struct inbox_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int inbox_list(const char *inbox, const struct inbox_limits *lim, struct inbox_entry **out,
	       size_t *nout, struct error *err)
{
	DIR *d = opendir(inbox);
	if (d == NULL)
		return error_set(err, EX_IOERR, "%s: cannot read the inbox: %s", inbox,
				 strerror(errno));
	struct inbox_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int ret = 0;
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		if (name[0] == '.' || !ends_with(name, ".csv"))
			continue;
		char *path = fsx_join(inbox, name);
		struct stat st;
		int ok = path && lstat(path, &st) == 0 && S_ISREG(st.st_mode);
		free(path);
		if (!ok) {
			char esc[600];
			fsx_escape(name, esc, sizeof esc);
			log_debug("inbox: %s is not a regular file; left alone", esc);
			continue;
		}
		if (lim->min_age_seconds > 0 &&
		    (int64_t)st.st_mtime > lim->now - lim->min_age_seconds) {
			char esc[600];
			fsx_escape(name, esc, sizeof esc);
			log_info("inbox: %s is younger than %lld s; left for the next run", esc,
				 (long long)lim->min_age_seconds);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct inbox_entry *nv = realloc(v, cap * sizeof *v);
			if (nv == NULL) {
				ret = error_set(err, EX_SOFTWARE, "out of memory");
				break;
			}
			v = nv;
		}
		v[n].name = strdup(name);
		if (v[n].name == NULL) {
			ret = error_set(err, EX_SOFTWARE, "out of memory");
			break;
		}
		v[n].kind = KIND_UNKNOWN;
		n++;
	}
	closedir(d);
	if (ret < 0) {
		inbox_entries_free(v, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		v[i].kind = sniff_kind(inbox, lim, v[i].name);
	if (n > 1)
		qsort(v, n, sizeof *v, entry_cmp);
	*out = v;
	*nout = n;
	return 0;
}

/* --- where a file goes ------------------------------------------------------ */

void inbox_plan_free(struct inbox_plan *p)
{
	free(p->final_name);
	free(p->rejects_name);
	free(p->reason);
	free(p->message);
	memset(p, 0, sizeof *p);
}

int inbox_plan_names(const char *workspace, const char *date, const char *name, int applied,
		     int has_rejects, struct inbox_plan *p, struct error *err)
{
	snprintf(p->date, sizeof p->date, "%s", date);
	snprintf(p->dest, sizeof p->dest, "%s/%s", applied ? "archive" : "rejected", date);
	char *dir = fsx_join(workspace, p->dest);
	if (dir)
		p->final_name = fsx_unique_name(dir, name);
	free(dir);
	if (p->final_name == NULL)
		return error_set(err, EX_SOFTWARE, "out of memory");
	if (has_rejects) {
		char rdest[64];
		snprintf(rdest, sizeof rdest, "rejected/%s", date);
		char *rej_dir = fsx_join(workspace, rdest);
		char *want = fsx_name_fit(name, ".rejects.csv");
		if (want && rej_dir)
			p->rejects_name = fsx_unique_name(rej_dir, want);
		free(want);
		free(rej_dir);
		if (p->rejects_name == NULL)
			return error_set(err, EX_SOFTWARE, "out of memory");
	}
	return 0;
}

int inbox_move_done(const char *workspace, const char *dest, const char *final_name)
{
	char *dir = fsx_join(workspace, dest);
	char *path = dir ? fsx_join(dir, final_name) : NULL;
	struct stat sb;
	int done = path && lstat(path, &sb) == 0;
	free(dir);
	free(path);
	return done;
}

char *inbox_sha_tmp_name(const char *sha)
{
	size_t n = strlen(sha) + 32;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, ".%s.rejects.tmp", sha);
	return s;
}

/* --- the moves after the commit ------------------------------------------------ */

int inbox_finish_moves(const char *workspace, const char *inbox, const struct inbox_plan *p,
		       const char *name, const char *sha, struct error *err)
{
	int ret = -1;
	char *dir = fsx_join(workspace, p->dest);
	char *rej_dir = NULL, *tmpname = NULL, *tmppath = NULL, *to = NULL, *ename = NULL;
	if (dir == NULL)
		goto nomem;
	if (fsx_mkdirs(dir, err) < 0)
		goto out;
	if (p->rejects_name && sha) {
		char rdest[64];
		snprintf(rdest, sizeof rdest, "rejected/%s", p->date);
		rej_dir = fsx_join(workspace, rdest);
		tmpname = inbox_sha_tmp_name(sha);
		tmppath = rej_dir && tmpname ? fsx_join(rej_dir, tmpname) : NULL;
		to = rej_dir ? fsx_join(rej_dir, p->rejects_name) : NULL;
		if (tmppath == NULL || to == NULL)
			goto nomem;
		struct stat st;
		if (lstat(tmppath, &st) == 0) {
			if (rename(tmppath, to) < 0) {
				error_set(err, errno == ENOSPC ? EX_IOERR : EX_CANTCREAT,
					  "%s: cannot rename to %s: %s", tmppath, p->rejects_name,
					  strerror(errno));
				goto out;
			}
			if (fsx_fsync_dir(rej_dir, err) < 0)
				goto out;
			fault_point("ingest rejects renamed");
		}
	}
	if (p->reason) {
		ename = fsx_name_fit(p->final_name, ".error.txt");
		if (ename == NULL)
			goto nomem;
		char esc[600];
		fsx_escape(name, esc, sizeof esc);
		char text[1024];
		int len = snprintf(text, sizeof text, "file: %s\nreason: %s\nmessage: %s\n", esc,
				   p->reason, p->message ? p->message : "");
		if (len < 0 || (size_t)len >= sizeof text)
			len = (int)sizeof text - 1;
		if (fsx_write_atomic(dir, ename, text, (size_t)len, err) < 0)
			goto out;
		fault_point("ingest error written");
	}
	if (fsx_move_exact(inbox, name, dir, p->final_name, err) < 0)
		goto out;
	fault_point("ingest file moved");
	ret = 0;
	goto out;
nomem:
	error_set(err, EX_SOFTWARE, "out of memory");
out:
	free(dir);
	free(rej_dir);
	free(tmpname);
	free(tmppath);
	free(to);
	free(ename);
	return ret;
}
