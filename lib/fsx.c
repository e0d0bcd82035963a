/* fsx.c — file-system steps that keep the inbox and the reports whole
 * across crashes: no overwrite on moves, fsync of what was renamed and of
 * the folder holding it, explicit modes. */
#define _GNU_SOURCE
#include "fsx.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

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
	size_t o = 0;
	if (outsz == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < outsz; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p >= 0x80) {
			/* Keep valid multi-byte UTF-8 as is; escape anything else. */
			int len = 0;
			if (*p >= 0xc2 && *p <= 0xdf)
				len = 2;
			else if (*p >= 0xe0 && *p <= 0xef)
				len = 3;
			else if (*p >= 0xf0 && *p <= 0xf4)
				len = 4;
			int ok = len > 0;
			for (int i = 1; ok && i < len; i++)
				if ((p[i] & 0xc0) != 0x80)
					ok = 0;
			if (ok && o + (size_t)len < outsz - 1) {
				memcpy(out + o, p, (size_t)len);
				o += (size_t)len;
				p += len - 1;
				continue;
			}
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", *p);
		} else {
			out[o++] = (char)*p;
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

int fsx_fsync_dir(const char *path, struct error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, EX_IOERR, "%s: cannot open folder: %s", path, strerror(errno));
	int rc = fsync(fd);
	int e = errno;
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

char *fsx_unique_name(const char *dir, const char *name)
{
	char *cand = fsx_name_fit(name, "");
	for (unsigned i = 1; cand != NULL; i++) {
		char *p = fsx_join(dir, cand);
		if (p == NULL)
			break;
		struct stat st;
		int exists = lstat(p, &st) == 0;
		free(p);
		if (!exists)
			return cand;
		free(cand);
		char suffix[24];
		snprintf(suffix, sizeof suffix, ".%u", i);
		cand = fsx_name_fit(name, suffix);
	}
	free(cand);
	return NULL;
}

static int move_noreplace(const char *src, const char *dst)
{
	if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* No RENAME_NOREPLACE on this file system: link keeps the
	 * no-overwrite promise. */
	if (link(src, dst) < 0)
		return -1;
	unlink(src);
	return 0;
}

int fsx_move_exact(const char *dir_from, const char *name, const char *dir_to,
		   const char *to_name, struct error *err)
{
	char *src = fsx_join(dir_from, name);
	char *dst = fsx_join(dir_to, to_name);
	int ret = -1;
	if (src == NULL || dst == NULL) {
		error_set(err, EX_SOFTWARE, "out of memory");
		goto out;
	}
	if (move_noreplace(src, dst) < 0) {
		int e = errno;
		char esc[512];
		fsx_escape(name, esc, sizeof esc);
		error_set(err, e == ENOSPC || e == EIO ? EX_IOERR : EX_CANTCREAT,
			  "%s/%s: cannot move to %s: %s", dir_from, esc, dir_to, strerror(e));
		goto out;
	}
	if (fsx_fsync_dir(dir_to, err) < 0 || fsx_fsync_dir(dir_from, err) < 0)
		goto out;
	ret = 0;
out:
	free(src);
	free(dst);
	return ret;
}

int fsx_move_unique(const char *dir_from, const char *name, const char *dir_to,
		    char **final_name, struct error *err)
{
	char *src = fsx_join(dir_from, name);
	char *dst = NULL, *cand = NULL;
	int ret = -1;
	if (src == NULL)
		goto nomem;
	for (int tries = 0; tries < 1000; tries++) {
		free(cand);
		free(dst);
		cand = fsx_unique_name(dir_to, name);
		dst = cand ? fsx_join(dir_to, cand) : NULL;
		if (dst == NULL)
			goto nomem;
		if (move_noreplace(src, dst) == 0)
			break;
		if (errno == EEXIST)
			continue;
		int e = errno;
		char esc[512];
		fsx_escape(name, esc, sizeof esc);
		error_set(err, e == ENOSPC ? EX_IOERR : EX_CANTCREAT, "%s/%s: cannot move to %s: %s",
			  dir_from, esc, dir_to, strerror(e));
		goto out;
	}
	if (fsx_fsync_dir(dir_to, err) < 0 || fsx_fsync_dir(dir_from, err) < 0)
		goto out;
	if (final_name) {
		*final_name = cand;
		cand = NULL;
	}
	ret = 0;
	goto out;
nomem:
	error_set(err, EX_SOFTWARE, "out of memory");
out:
	free(src);
	free(dst);
	free(cand);
	return ret;
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

int fsx_write_atomic(const char *dir, const char *name, const char *data, size_t len,
		     struct error *err)
{
	/* A short temporary name: name itself may already be NAME_MAX long. */
	char tmp[64];
	snprintf(tmp, sizeof tmp, ".wtmp-%ld", (long)getpid());
	char *tmppath = fsx_join(dir, tmp);
	char *dst = fsx_join(dir, name);
	int ret = -1, fd = -1;
	if (tmppath == NULL || dst == NULL) {
		error_set(err, EX_SOFTWARE, "out of memory");
		goto out;
	}
	unlink(tmppath);
	fd = fsx_create(dir, tmp, err);
	if (fd < 0)
		goto out;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			error_set(err, EX_IOERR, "%s: write: %s", tmppath, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0) {
		error_set(err, EX_IOERR, "%s: fsync: %s", tmppath, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmppath, dst) < 0) {
		error_set(err, EX_IOERR, "%s: rename: %s", dst, strerror(errno));
		goto out;
	}
	ret = fsx_fsync_dir(dir, err);
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0 && tmppath)
		unlink(tmppath);
	free(tmppath);
	free(dst);
	return ret;
}

int fsx_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	DIR *d = opendir(path);
	if (d == NULL)
		return -1;
	struct dirent *de;
	int ret = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *p = fsx_join(path, de->d_name);
		if (p == NULL || fsx_remove_tree(p) < 0)
			ret = -1;
		free(p);
	}
	closedir(d);
	if (rmdir(path) < 0)
		ret = -1;
	return ret;
}
