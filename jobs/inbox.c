/* inbox.c — the inbox folder and the life of an inbox file after the
 * transaction that applied it (SPEC §4.1, §4.2): which files are read and
 * in what order, where each one goes, and the moves that put it there.
 *
 * The life of an inbox file (the books' `files` row is what a rerun reads):
 *
 *   inbox/<f> --inbox_list--> listed --process_file (ingest.c), one transaction:
 *     |   rows applied (ingest_rows.c); rejected rows to rejected/<D>/.ingest-<pid>
 *     |   renamed .<sha>.rejects.tmp and fsynced; names planned (inbox_plan_names)
 *     |
 *     +-- rolled back (error, signal, death): still inbox/<f>, read again next run
 *     |
 *     +-- committed: files row, moved = 0
 *           |
 *           | inbox_finish_moves, each step resumable, each fsynced:
 *           |   1. .<sha>.rejects.tmp -> <rejects_name>     (applied, rows rejected)
 *           |   2. <final_name>.error.txt written           (rejected whole)
 *           |   3. inbox/<f> -> <dest>/<final_name>         (leaves the inbox)
 *           |
 *           +-- mark_moved (ingest.c): files.moved = 1: done
 *
 *   Died after the commit, before step 3: the next run meets inbox/<f>, knows
 *   it by hash (by inode when too large), and only finishes the moves
 *   (finish_owed in ingest.c); until then its names count as taken
 *   (struct inbox_owed). Died after step 3, before the mark: settled by
 *   settle_done_moves (ingest.c), as the final name exists. Temporary files
 *   of a run that died before its commit: removed by clean_stale_tmp.
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

/* --- the folders ------------------------------------------------------------ */

int inbox_dirs_open(struct inbox_dirs *d, const char *workspace, struct error *err)
{
	d->ws_path = workspace;
	d->inbox = d->archive = d->rejected = -1;
	/* The workspace itself may be reached through links (it is the
	 * operator's choice); nothing inside it is. */
	d->ws = open(workspace, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->ws < 0)
		return error_set(err, EX_CANTCREAT, "%s: cannot open the workspace: %s", workspace,
				 strerror(errno));
	const char *names[] = {"inbox", "archive", "rejected"};
	int *fds[] = {&d->inbox, &d->archive, &d->rejected};
	for (int i = 0; i < 3; i++) {
		char *path = fsx_join(workspace, names[i]);
		if (path == NULL)
			return error_set(err, EX_SOFTWARE, "out of memory");
		*fds[i] = fsx_dir_open(d->ws, names[i], path, 1, err);
		free(path);
		if (*fds[i] < 0)
			return -1;
	}
	return 0;
}

void inbox_dirs_close(struct inbox_dirs *d)
{
	int *fds[] = {&d->ws, &d->inbox, &d->archive, &d->rejected};
	for (int i = 0; i < 4; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int inbox_date_dir(const struct inbox_dirs *d, const char *dest, int create, struct error *err)
{
	int top;
	const char *date;
	if (strncmp(dest, "archive/", 8) == 0) {
		top = d->archive;
		date = dest + 8;
	} else if (strncmp(dest, "rejected/", 9) == 0) {
		top = d->rejected;
		date = dest + 9;
	} else {
		return error_set(err, EX_SOFTWARE, "%s: not a folder of the workspace", dest);
	}
	if (date[0] == '\0' || date[0] == '.' || strchr(date, '/') != NULL)
		return error_set(err, EX_SOFTWARE, "%s: not a dated folder", dest);
	char *path = fsx_join(d->ws_path, dest);
	if (path == NULL)
		return error_set(err, EX_SOFTWARE, "out of memory");
	int fd = fsx_dir_open(top, date, path, create, err);
	int e = errno;
	free(path);
	errno = e;
	return fd;
}

/* --- listing -------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

int inbox_open_file(int inbox_fd, const char *name, struct stat *st)
{
	int fd = openat(inbox_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* The kind of a file by its header, for ordering (*out); a header that
 * tells none → unknown (the real read rejects it with a reason). A file
 * gone or no longer a regular file is unknown too: the real read skips it.
 * One that cannot be opened or read (EACCES, EIO) fails the listing, before
 * anything is applied: its kind unknown, applying the files after it could
 * apply a cancel before its purchase (refused as UNKNOWN_PURCHASE, and the
 * purchase charged when it comes). */
static int sniff_kind(int inbox_fd, const struct inbox_limits *lim, const char *name,
		      enum kind *out, struct error *err)
{
	*out = KIND_UNKNOWN;
	struct stat st;
	int fd = inbox_open_file(inbox_fd, name, &st);
	if (fd < 0)
		return inbox_open_error(name, errno, err);
	struct csvin *r = NULL;
	struct csvin_row row;
	struct error e;
	error_clear(&e);
	int rc = 0;
	if (st.st_size <= lim->max_file_bytes) {
		char esc[600]; /* messages name it escaped (RELIABILITY C5) */
		fsx_escape(name, esc, sizeof esc);
		if (csvin_open(&r, fd, esc, (size_t)lim->max_field_bytes, &e) == 0 &&
		    csvin_next(r, &row, &e) == 1)
			*out = validate_kind(row.fields, row.nfields);
		else if (e.code != 0 && e.code != EX_DATAERR)
			rc = error_set(err, e.code, "inbox: %s; nothing applied (%s)", e.msg,
				       INBOX_UNREAD_WHY);
	}
	csvin_close(r);
	close(fd);
	return rc;
}

int inbox_open_error(const char *name, int e, struct error *err)
{
	if (e == ENOENT || e == EINVAL || e == ELOOP)
		return 0;
	char esc[600];
	fsx_escape(name, esc, sizeof esc);
	return error_set(err, EX_IOERR, "inbox: %s cannot be read: %s; nothing more applied (%s)",
			 esc, strerror(e), INBOX_UNREAD_WHY);
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

int inbox_list(int inbox_fd, const char *inbox_path, const struct inbox_limits *lim,
	       struct inbox_entry **out, size_t *nout, struct error *err)
{
	int dfd = fcntl(inbox_fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (d == NULL) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		return error_set(err, EX_IOERR, "%s: cannot read the inbox: %s", inbox_path,
				 strerror(e));
	}
	rewinddir(d);
	struct inbox_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int ret = 0;
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		if (name[0] == '.' || !ends_with(name, ".csv"))
			continue;
		struct stat st;
		if (fstatat(inbox_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
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
	for (size_t i = 0; i < n; i++) {
		if (sniff_kind(inbox_fd, lim, v[i].name, &v[i].kind, err) < 0) {
			inbox_entries_free(v, n);
			return -1;
		}
	}
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

int inbox_owed_add(struct inbox_owed *o, const char *dest, const char *name)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 16;
		char **v = realloc(o->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		o->v = v;
		o->cap = cap;
	}
	if ((o->v[o->n] = fsx_join(dest, name)) == NULL)
		return -1;
	o->n++;
	return 0;
}

void inbox_owed_free(struct inbox_owed *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i]);
	free(o->v);
	memset(o, 0, sizeof *o);
}

static int owed_has(const struct inbox_owed *o, const char *dest, const char *name)
{
	size_t dl = strlen(dest);
	for (size_t i = 0; o && i < o->n; i++)
		if (strncmp(o->v[i], dest, dl) == 0 && o->v[i][dl] == '/' &&
		    strcmp(o->v[i] + dl + 1, name) == 0)
			return 1;
	return 0;
}

/* name followed by suffix (the planned names always fit it). */
static char *with_suffix(const char *name, const char *suffix)
{
	return fsx_name_fit(name, suffix);
}

/* A folder not made yet holds nothing: -2 then, not an error. */
static int open_if_there(const struct inbox_dirs *d, const char *dest, struct error *err)
{
	struct error e;
	error_clear(&e);
	int fd = inbox_date_dir(d, dest, 0, &e);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT && e.code != EX_SOFTWARE)
		return -2;
	*err = e;
	return -1;
}

int inbox_plan_names(const struct inbox_dirs *d, const struct inbox_owed *owed, const char *date,
		     const char *name, int applied, int has_rejects, struct inbox_plan *p,
		     struct error *err)
{
	int ret = -1, dest_fd = -1, rej_fd = -1;
	char rdest[64];
	snprintf(p->date, sizeof p->date, "%s", date);
	snprintf(p->dest, sizeof p->dest, "%s/%s", applied ? "archive" : "rejected", date);
	snprintf(rdest, sizeof rdest, "rejected/%s", date);
	/* The name beside it: its rejected rows, or the reason it was rejected. */
	const char *suffix = !applied ? ".error.txt" : has_rejects ? ".rejects.csv" : "";
	dest_fd = open_if_there(d, p->dest, err);
	if (dest_fd == -1)
		goto out;
	if (applied && has_rejects) {
		rej_fd = open_if_there(d, rdest, err);
		if (rej_fd == -1)
			goto out;
	} else if (!applied) {
		rej_fd = dest_fd >= 0 ? dup(dest_fd) : -2;
	}
	/* Name clashes number the stem (SPEC §4.1): b.csv, b.1.csv, b.2.csv…;
	 * the rejects and error files follow the file's final name, and a
	 * candidate is taken only when both names are free. The first keeps
	 * the file's name (what is beside it shortened to fit NAME_MAX when
	 * it must be); a numbered one shortens its stem so that the name
	 * beside it is exactly it and the suffix. Either way no name is
	 * reused, shortened or not. In rejected/ a stem names one file only:
	 * a file that leaves something there takes a number when the stem is
	 * there in any of its three forms (b.csv, b.csv.error.txt,
	 * b.csv.rejects.csv), so a whole reject and another file's rejected
	 * rows never read as one file's. An archived file without rejects
	 * leaves nothing there and only needs its name in archive/. */
	const char *other = !applied ? ".rejects.csv" : has_rejects ? ".error.txt" : "";
	for (unsigned n = 0; n < 100000; n++) {
		char *cand = fsx_name_numbered(name, ".csv", n, suffix);
		char *beside = cand && suffix[0] ? with_suffix(cand, suffix) : NULL;
		char *alien = cand && other[0] ? with_suffix(cand, other) : NULL;
		if (cand == NULL || (suffix[0] && beside == NULL) || (other[0] && alien == NULL)) {
			free(cand);
			free(beside);
			free(alien);
			error_set(err, EX_SOFTWARE, "out of memory");
			goto out;
		}
		int taken =
			(dest_fd >= 0 && fsx_exists_at(dest_fd, cand)) ||
			(beside && rej_fd >= 0 && fsx_exists_at(rej_fd, beside)) ||
			owed_has(owed, p->dest, cand) ||
			(beside && owed_has(owed, rdest, beside)) ||
			(alien && rej_fd >= 0 && fsx_exists_at(rej_fd, alien)) ||
			(alien && owed_has(owed, rdest, alien)) ||
			(applied && has_rejects && rej_fd >= 0 && fsx_exists_at(rej_fd, cand)) ||
			(applied && has_rejects && owed_has(owed, rdest, cand));
		free(alien);
		if (!taken) {
			p->final_name = cand;
			if (applied && has_rejects) {
				p->rejects_name = beside;
				beside = NULL;
			}
			free(beside);
			ret = 0;
			goto out;
		}
		free(cand);
		free(beside);
	}
	error_set(err, EX_CANTCREAT, "%s/%s: no free name for the file", d->ws_path, p->dest);
out:
	if (dest_fd >= 0)
		close(dest_fd);
	if (rej_fd >= 0)
		close(rej_fd);
	return ret;
}

int inbox_move_done(const struct inbox_dirs *d, const char *dest, const char *final_name)
{
	struct error e;
	error_clear(&e);
	int fd = inbox_date_dir(d, dest, 0, &e);
	if (fd < 0)
		return 0;
	int done = fsx_exists_at(fd, final_name);
	close(fd);
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

int inbox_finish_moves(const struct inbox_dirs *d, const struct inbox_plan *p, const char *name,
		       const char *sha, struct error *err)
{
	int ret = -1, dest_fd = -1, rej_fd = -1;
	char *tmpname = NULL, *ename = NULL, *dest_path = NULL, *rej_path = NULL;
	char rdest[64];
	snprintf(rdest, sizeof rdest, "rejected/%s", p->date);
	dest_path = fsx_join(d->ws_path, p->dest);
	rej_path = fsx_join(d->ws_path, rdest);
	if (dest_path == NULL || rej_path == NULL)
		goto nomem;
	dest_fd = inbox_date_dir(d, p->dest, 1, err);
	if (dest_fd < 0)
		goto out;
	if (p->rejects_name && sha) {
		rej_fd = inbox_date_dir(d, rdest, 1, err);
		if (rej_fd < 0)
			goto out;
		tmpname = inbox_sha_tmp_name(sha);
		if (tmpname == NULL)
			goto nomem;
		if (fsx_exists_at(rej_fd, tmpname)) {
			if (fsx_rename_at(rej_fd, tmpname, rej_fd, p->rejects_name, tmpname, err) <
				    0 ||
			    fsx_fsync_fd(rej_fd, rej_path, err) < 0)
				goto out;
			fault_point("ingest rejects renamed");
		}
	}
	if (p->reason) {
		ename = with_suffix(p->final_name, ".error.txt");
		if (ename == NULL)
			goto nomem;
		/* Written by an earlier run that died before the move: its own
		 * (the plan made sure the name was free). */
		if (!fsx_exists_at(dest_fd, ename)) {
			/* the name it came under, and the one it is kept as when a
			 * clash numbered it */
			char esc[600], kept[620] = "";
			fsx_escape(name, esc, sizeof esc);
			if (strcmp(name, p->final_name) != 0) {
				char kesc[600];
				fsx_escape(p->final_name, kesc, sizeof kesc);
				snprintf(kept, sizeof kept, "kept as: %s\n", kesc);
			}
			char text[1700];
			int len =
				snprintf(text, sizeof text, "file: %s\n%sreason: %s\nmessage: %s\n",
					 esc, kept, p->reason, p->message ? p->message : "");
			if (len < 0 || (size_t)len >= sizeof text)
				len = (int)sizeof text - 1;
			if (fsx_write_atomic_at(dest_fd, dest_path, ename, text, (size_t)len, err) <
			    0)
				goto out;
			fault_point("ingest error written");
		}
	}
	if (fsx_rename_at(d->inbox, name, dest_fd, p->final_name, name, err) < 0 ||
	    fsx_fsync_fd(dest_fd, dest_path, err) < 0 || fsx_fsync_fd(d->inbox, "inbox", err) < 0)
		goto out;
	fault_point("ingest file moved");
	ret = 0;
	goto out;
nomem:
	error_set(err, EX_SOFTWARE, "out of memory");
out:
	if (dest_fd >= 0)
		close(dest_fd);
	if (rej_fd >= 0)
		close(rej_fd);
	free(dest_path);
	free(rej_path);
	free(tmpname);
	free(ename);
	return ret;
}
