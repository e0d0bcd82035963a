/* fsx.c — file-system steps that keep the inbox and the reports whole
 * across crashes: no overwrite on moves, fsync of what was renamed and of
 * the folder holding it, explicit modes. */
#define _GNU_SOURCE
#include "fsx.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "utf8.h"

#define FSX_REMOVE_DEPTH 16 /* folders in folders: reports/<tmp>/customers is 2 */

#ifdef MEMBERSHIP_FAULTS
static void pl_synced_dir(int fd);
static void pl_op_locked(int rename_op, int is_dir, int fd1, const char *n1, int fd2,
			 const char *n2);
static void pl_file_locked(int fd, int synced);
#else
#define pl_synced_dir(fd) ((void)(fd))
#endif

char *fsx_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);
	if (p == NULL)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

void fsx_escape(const char *s, char *out, size_t outsz)
{
	size_t o = 0, n = strlen(s);
	if (outsz == 0)
		return;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = utf8_seq(s + i, n - i);
		int esc = c < 0x20 || c == 0x7f || c == '\\' || k == 0;
		/* a whole character or a whole escape, and the NUL, or stop */
		if (o + (esc ? 4 : k) >= outsz)
			break;
		if (esc) {
			snprintf(out + o, outsz - o, "\\x%02x", c);
			o += 4;
			i++;
		} else {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		}
	}
	out[o] = '\0';
}

int fsx_mkdirs(const char *path, struct error *err)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return error_set(err, EX_CANTCREAT, "%s: path too long", path);
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, FSX_DIR_MODE) == 0) {
			chmod(buf, FSX_DIR_MODE);
			/* Durable in its parent before anything goes into it. */
			char *slash = strrchr(buf, '/');
			if (slash != NULL && slash != buf) {
				*slash = '\0';
				int rc = fsx_fsync_dir(buf, err);
				*slash = '/';
				if (rc < 0)
					return -1;
			}
		} else if (errno != EEXIST) {
			int e = errno;
			return error_set(err, EX_CANTCREAT, "%s: cannot create folder: %s", buf,
					 strerror(e));
		} else {
			struct stat st;
			if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
				return error_set(err, EX_CANTCREAT, "%s: not a folder", buf);
		}
		buf[i] = c;
	}
	return 0;
}

int fsx_mkdir_nofollow(const char *path, struct error *err)
{
	if (mkdir(path, FSX_DIR_MODE) == 0) {
		chmod(path, FSX_DIR_MODE);
		char *parent = strdup(path);
		if (parent == NULL)
			return error_set(err, EX_SOFTWARE, "out of memory");
		char *slash = strrchr(parent, '/');
		int rc = 0;
		if (slash != NULL) {
			if (slash == parent)
				slash[1] = '\0';
			else
				*slash = '\0';
			rc = fsx_fsync_dir(parent, err);
		}
		free(parent);
		return rc;
	}
	if (errno != EEXIST)
		return error_set(err, EX_CANTCREAT, "%s: cannot create folder: %s", path,
				 strerror(errno));
	int exists;
	if (fsx_folder_or_none(path, &exists, err) < 0)
		return -1;
	if (!exists)
		return error_set(err, EX_CANTCREAT, "%s: cannot create folder: it went away", path);
	return 0;
}

int fsx_folder_or_none(const char *path, int *exists, struct error *err)
{
	struct stat st;
	*exists = 0;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set(err, EX_CANTCREAT, "%s: %s", path, strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return error_set(
			err, EX_CANTCREAT,
			"%s: a symbolic link, not a folder: refused (links in the workspace are"
			" never followed)",
			path);
	if (!S_ISDIR(st.st_mode))
		return error_set(err, EX_CANTCREAT, "%s: not a folder", path);
	*exists = 1;
	return 0;
}

int fsx_fsync_dir(const char *path, struct error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, EX_IOERR, "%s: cannot open folder: %s", path,
				 strerror(errno));
	int rc = fsync(fd);
	int e = errno;
	if (rc == 0)
		pl_synced_dir(fd);
	close(fd);
	if (rc < 0 && e != EINVAL)
		return error_set(err, EX_IOERR, "%s: fsync: %s", path, strerror(e));
	return 0;
}

char *fsx_name_fit(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);
	if (k >= FSX_NAME_MAX)
		k = 0;
	if (n + k > FSX_NAME_MAX) {
		n = FSX_NAME_MAX - k;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	}
	char *p = malloc(n + k + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, name, n);
	memcpy(p + n, suffix, k);
	p[n + k] = '\0';
	return p;
}

int fsx_umask_strips(void)
{
	mode_t mask = umask(0);
	umask(mask);
	return (mask & FSX_FILE_MODE) != 0;
}

int fsx_create_fixed(const char *dir, const char *name, int fix_mode, struct error *err)
{
	char *p = fsx_join(dir, name);
	if (p == NULL)
		return error_set(err, EX_SOFTWARE, "out of memory");
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FSX_FILE_MODE);
	if (fd < 0) {
		int e = errno;
		error_set(err, e == ENOSPC ? EX_IOERR : EX_CANTCREAT, "%s: cannot create: %s", p,
			  strerror(e));
		free(p);
		return -1;
	}
	if (fix_mode)
		fchmod(fd, FSX_FILE_MODE);
	free(p);
	return fd;
}

int fsx_create(const char *dir, const char *name, struct error *err)
{
	/* Asking the umask costs two cheap calls; a needless fchmod dirties
	 * the inode (a journal write), and report creates many files. */
	return fsx_create_fixed(dir, name, fsx_umask_strips(), err);
}

/* Remove dir_fd/name and, if it is a folder, everything in it, without
 * following links. Allocates nothing (getdents64 into a buffer on the
 * stack), so that cleaning up after a failed allocation still works. */
static int remove_at(int dir_fd, const char *name, int depth)
{
	if (unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if ((errno != EISDIR && errno != EPERM) || depth > FSX_REMOVE_DEPTH)
		return -1;
	int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	_Alignas(struct dirent64) char buf[2048];
	int ret = 0, removed;
	/* Pass after pass from the start, until one removes nothing: entries
	 * removed while a folder is read must not make the reading skip any. */
	do {
		removed = 0;
		if (lseek(fd, 0, SEEK_SET) < 0) {
			ret = -1;
			break;
		}
		ssize_t n;
		while ((n = getdents64(fd, buf, sizeof buf)) > 0) {
			for (ssize_t off = 0; off < n;) {
				struct dirent64 *de = (struct dirent64 *)(void *)(buf + off);
				off += de->d_reclen;
				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
					continue;
				if (remove_at(fd, de->d_name, depth + 1) == 0)
					removed = 1;
			}
		}
		if (n < 0)
			ret = -1;
	} while (removed && ret == 0);
	close(fd);
	if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0)
		ret = -1;
	return ret;
}

int fsx_remove_tree(const char *path)
{
	return remove_at(AT_FDCWD, path, 0);
}

/* --- power loss (test builds) ------------------------------------------------ */

#ifdef MEMBERSHIP_FAULTS
#define PL_MAX_DIRS  256
#define PL_MAX_FILES 1024
#define PL_MAX_OPS   8192

/* report's threads create files at the same time: one at a time here. */
static pthread_mutex_t pl_mu = PTHREAD_MUTEX_INITIALIZER;
static int pl_on;
static long pl_seq;
static struct pl_dir {
	dev_t dev;
	ino_t ino;
	int fd;      /* a descriptor of our own on it */
	long synced; /* seq of its last fsync */
} pl_dirs[PL_MAX_DIRS];
static int pl_ndirs;
static struct pl_file {
	dev_t dev;
	ino_t ino;
	int fd;
	off_t durable; /* bytes fsynced */
} pl_files[PL_MAX_FILES];
static int pl_nfiles;
static struct pl_op {
	int rename, is_dir;
	int d1, d2; /* pl_dirs index: created in d1, or renamed d1 -> d2 */
	char *n1, *n2;
	long seq;
} pl_ops[PL_MAX_OPS];
static int pl_nops;

void fsx_powerloss_record(int on)
{
	pl_on = on;
}

static int pl_dir(int fd)
{
	struct stat st;
	if (fd == AT_FDCWD || fstat(fd, &st) < 0)
		return -1;
	for (int i = 0; i < pl_ndirs; i++)
		if (pl_dirs[i].dev == st.st_dev && pl_dirs[i].ino == st.st_ino)
			return i;
	if (pl_ndirs == PL_MAX_DIRS)
		return -1;
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -1;
	pl_dirs[pl_ndirs] = (struct pl_dir){st.st_dev, st.st_ino, dup_fd, -1};
	return pl_ndirs++;
}

static void pl_synced_dir(int fd)
{
	if (!pl_on)
		return;
	pthread_mutex_lock(&pl_mu);
	int d = pl_dir(fd);
	if (d >= 0)
		pl_dirs[d].synced = ++pl_seq;
	pthread_mutex_unlock(&pl_mu);
}

static void pl_op(int rename_op, int is_dir, int fd1, const char *n1, int fd2, const char *n2)
{
	if (!pl_on)
		return;
	pthread_mutex_lock(&pl_mu);
	pl_op_locked(rename_op, is_dir, fd1, n1, fd2, n2);
	pthread_mutex_unlock(&pl_mu);
}

static void pl_op_locked(int rename_op, int is_dir, int fd1, const char *n1, int fd2,
			 const char *n2)
{
	if (pl_nops == PL_MAX_OPS)
		return;
	struct pl_op *o = &pl_ops[pl_nops];
	o->rename = rename_op;
	o->is_dir = is_dir;
	o->d1 = pl_dir(fd1);
	o->d2 = rename_op ? pl_dir(fd2) : -1;
	o->n1 = strdup(n1);
	o->n2 = rename_op ? strdup(n2) : NULL;
	o->seq = ++pl_seq;
	if (o->d1 < 0 || o->n1 == NULL || (rename_op && (o->d2 < 0 || o->n2 == NULL)))
		return;
	pl_nops++;
}

static void pl_file(int fd, int synced)
{
	if (!pl_on)
		return;
	pthread_mutex_lock(&pl_mu);
	pl_file_locked(fd, synced);
	pthread_mutex_unlock(&pl_mu);
}

static void pl_file_locked(int fd, int synced)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return;
	for (int i = 0; i < pl_nfiles; i++)
		if (pl_files[i].dev == st.st_dev && pl_files[i].ino == st.st_ino) {
			if (synced)
				pl_files[i].durable = st.st_size;
			return;
		}
	if (pl_nfiles == PL_MAX_FILES)
		return;
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return;
	pl_files[pl_nfiles++] =
		(struct pl_file){st.st_dev, st.st_ino, dup_fd, synced ? st.st_size : 0};
}

static void pl_remove_tree_at(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		unlinkat(dfd, name, 0);
		return;
	}
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			pl_remove_tree_at(dirfd(d), de->d_name);
	closedir(d);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

void fsx_powerloss(void)
{
	if (!pl_on)
		return;
	/* Held until the caller dies: no other thread records a step after. */
	pthread_mutex_lock(&pl_mu);
	for (int i = 0; i < pl_nfiles; i++)
		if (ftruncate(pl_files[i].fd, pl_files[i].durable) < 0)
			continue;
	for (int i = pl_nops - 1; i >= 0; i--) {
		const struct pl_op *o = &pl_ops[i];
		int kept1 = pl_dirs[o->d1].synced > o->seq;
		int f1 = pl_dirs[o->d1].fd;
		if (!o->rename) {
			if (!kept1)
				pl_remove_tree_at(f1, o->n1);
			continue;
		}
		int kept2 = pl_dirs[o->d2].synced > o->seq;
		int f2 = pl_dirs[o->d2].fd;
		if (!kept2 && !kept1)
			renameat(f2, o->n2, f1, o->n1);
		else if (!kept2)
			unlinkat(f2, o->n2, 0); /* gone from both folders */
		else if (!kept1)
			linkat(f2, o->n2, f1, o->n1, 0); /* back in the old one too */
	}
	pl_on = 0;
}
#else
void fsx_powerloss_record(int on)
{
	(void)on;
}
void fsx_powerloss(void)
{
}
#define pl_op(r, d, f1, n1, f2, n2) ((void)0)
#define pl_file(fd, synced)         ((void)(fd))
#endif

/* --- folders and files relative to an open folder ------------------------------ */

int fsx_fsync_fd(int dir_fd, const char *path, struct error *err)
{
	if (fsync(dir_fd) < 0 && errno != EINVAL)
		return error_set(err, EX_IOERR, "%s: fsync: %s", path, strerror(errno));
	pl_synced_dir(dir_fd);
	return 0;
}

int fsx_fsync_file(int fd, const char *path, struct error *err)
{
	if (fsync(fd) < 0)
		return error_set(err, EX_IOERR, "%s: fsync: %s", path, strerror(errno));
	pl_file(fd, 1);
	return 0;
}

int fsx_dir_open(int at, const char *name, const char *path, int create, struct error *err)
{
	for (int tries = 0; tries < 2; tries++) {
		int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		int e = errno;
		if (e == ELOOP || e == ENOTDIR) {
			error_set(err, EX_CANTCREAT,
				  "%s: is a symbolic link or not a folder; nothing goes through it",
				  path);
			errno = e;
			return -1;
		}
		if (e != ENOENT || !create) {
			error_set(err, e == ENOENT ? EX_CANTCREAT : EX_IOERR,
				  "%s: cannot open folder: %s", path, strerror(e));
			errno = e;
			return -1;
		}
		if (mkdirat(at, name, FSX_DIR_MODE) == 0) {
			pl_op(0, 1, at, name, -1, NULL);
			/* The new entry durable before anything goes into it: else a
			 * power cut keeps the files moved in but loses the folder. */
			if (fsx_fsync_fd(at, path, err) < 0)
				return -1;
			int nfd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd < 0)
				continue;
			fchmod(nfd, FSX_DIR_MODE);
			return nfd;
		}
		if (errno != EEXIST) {
			e = errno;
			error_set(err, e == ENOSPC ? EX_IOERR : EX_CANTCREAT,
				  "%s: cannot create folder: %s", path, strerror(e));
			errno = e;
			return -1;
		}
	}
	return error_set(err, EX_CANTCREAT, "%s: cannot create folder", path);
}

int fsx_exists_at(int dir_fd, const char *name)
{
	struct stat st;
	return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int rename_noreplace_at(int from_fd, const char *from, int to_fd, const char *to)
{
	if (renameat2(from_fd, from, to_fd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* No RENAME_NOREPLACE on this file system: link keeps the
	 * no-overwrite promise. */
	if (linkat(from_fd, from, to_fd, to, 0) < 0)
		return -1;
	unlinkat(from_fd, from, 0);
	return 0;
}

int fsx_rename_at(int from_fd, const char *from, int to_fd, const char *to, const char *what,
		  struct error *err)
{
	if (rename_noreplace_at(from_fd, from, to_fd, to) < 0) {
		int e = errno;
		char a[512], b[512];
		fsx_escape(what, a, sizeof a);
		fsx_escape(to, b, sizeof b);
		error_set(err, e == ENOSPC || e == EIO ? EX_IOERR : EX_CANTCREAT,
			  "%s: cannot move to %s: %s", a, b, strerror(e));
		errno = e;
		return -1;
	}
	pl_op(1, 0, from_fd, from, to_fd, to);
	return 0;
}

int fsx_create_at(int dir_fd, const char *dir_path, const char *name, struct error *err)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			FSX_FILE_MODE);
	if (fd < 0) {
		int e = errno;
		char esc[512];
		fsx_escape(name, esc, sizeof esc);
		error_set(err, e == ENOSPC ? EX_IOERR : EX_CANTCREAT, "%s/%s: cannot create: %s",
			  dir_path, esc, strerror(e));
		errno = e;
		return -1;
	}
	if (fsx_umask_strips())
		fchmod(fd, FSX_FILE_MODE);
	pl_op(0, 0, dir_fd, name, -1, NULL);
	pl_file(fd, 0);
	return fd;
}

int fsx_write_atomic_at(int dir_fd, const char *dir_path, const char *name, const char *data,
			size_t len, struct error *err)
{
	/* A short temporary name: name itself may already be NAME_MAX long. */
	char tmp[64];
	snprintf(tmp, sizeof tmp, ".wtmp-%ld", (long)getpid());
	int ret = -1;
	unlinkat(dir_fd, tmp, 0);
	int fd = fsx_create_at(dir_fd, dir_path, tmp, err);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			error_set(err, EX_IOERR, "%s/%s: write: %s", dir_path, tmp,
				  strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsx_fsync_file(fd, dir_path, err) < 0)
		goto out;
	close(fd);
	fd = -1;
	if (fsx_rename_at(dir_fd, tmp, dir_fd, name, tmp, err) < 0)
		goto out;
	ret = fsx_fsync_fd(dir_fd, dir_path, err);
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlinkat(dir_fd, tmp, 0);
	return ret;
}

char *fsx_name_numbered(const char *name, const char *ext, unsigned n, const char *suffix)
{
	size_t len = strlen(name), el = strlen(ext), sl = strlen(suffix);
	if (n == 0)
		return fsx_name_fit(name, "");
	if (el > len || memcmp(name + len - el, ext, el) != 0)
		el = 0;
	size_t stem = len - el;
	char num[24] = "";
	if (n > 0)
		snprintf(num, sizeof num, ".%u", n);
	size_t tail = strlen(num) + el + sl;
	if (tail >= FSX_NAME_MAX)
		return NULL;
	if (stem + tail > FSX_NAME_MAX) {
		stem = FSX_NAME_MAX - tail;
		while (stem > 0 && ((unsigned char)name[stem] & 0xc0) == 0x80)
			stem--;
	}
	size_t nl = strlen(num);
	char *p = malloc(stem + nl + el + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, name, stem);
	memcpy(p + stem, num, nl);
	memcpy(p + stem + nl, name + len - el, el);
	p[stem + nl + el] = '\0';
	return p;
}
