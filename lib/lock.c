/* lock.c — flock(2) with a bounded wait. A blocking flock would ignore
 * lock.wait_seconds and outlive a SIGTERM, so it polls with LOCK_NB. The
 * holder's line is written after the flock is taken and emptied before it
 * is dropped, so a line read while the lock is held is the holder's (or,
 * in the instant between the flock and the write, empty). */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define LOCK_POLL_NS 50000000L /* 50 ms between tries */

/* The holder's line, printable ASCII only (it is echoed to a terminal). */
static void read_holder(int fd, char *out, size_t size)
{
	ssize_t n = pread(fd, out, size - 1, 0);
	size_t len = n > 0 ? (size_t)n : 0;
	out[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if (out[i] == '\n') {
			out[i] = '\0';
			break;
		}
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
	}
	/* A job killed with SIGKILL cannot empty its line: a process it names
	 * that is gone is not the holder (an operator's flock(1), say), so the
	 * line is not told. */
	const char *p = strstr(out, ", pid ");
	long pid = p ? strtol(p + 6, NULL, 10) : 0;
	if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		out[0] = '\0';
}

static void write_holder(int fd, const char *holder)
{
	/* Informative only: a short or failed write costs the waiters the
	 * holder's name, nothing else. */
	if (ftruncate(fd, 0) < 0 || holder == NULL)
		return;
	size_t n = strlen(holder);
	if (pwrite(fd, holder, n, 0) == (ssize_t)n && pwrite(fd, "\n", 1, (off_t)n) != 1)
		return;
}

int lock_acquire(const char *path, long wait_seconds, int (*stopped)(void), const char *holder,
		 void (*waiting)(const char *held_by, void *ctx), void *ctx, struct error *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, EX_CANTCREAT, "%s: cannot open lock: %s", path,
				 strerror(errno));
	fchmod(fd, 0600);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	char held_by[LOCK_HOLDER_MAX + 1];
	int told = 0, cut = 0;
	double waited;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			write_holder(fd, holder);
			return fd;
		}
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;
			close(fd);
			return error_set(err, EX_IOERR, "%s: flock: %s", path, strerror(e));
		}
		if (!told && waiting && wait_seconds > 0) {
			read_holder(fd, held_by, sizeof held_by);
			waiting(held_by, ctx);
			told = 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (double)(now.tv_sec - start.tv_sec) +
			 (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if ((cut = stopped && stopped()) || waited >= (double)wait_seconds)
			break;
		struct timespec ts = {0, LOCK_POLL_NS};
		nanosleep(&ts, NULL);
	}
	read_holder(fd, held_by, sizeof held_by);
	close(fd);
	/* a stop while waiting is said as such, with the time it really
	 * waited, not the whole wait it was allowed */
	char how[64];
	if (cut)
		snprintf(how, sizeof how, "stopped by a signal after %.0f s of waiting", waited);
	else
		snprintf(how, sizeof how, "waited %ld s", wait_seconds);
	return error_set(err, EX_TEMPFAIL,
			 "%s: another job holds the workspace lock: %s (%s); try later", path,
			 held_by[0] ? held_by : "a process that did not say which", how);
}

int lock_is_free(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	int held = flock(fd, LOCK_SH | LOCK_NB) < 0;
	close(fd);
	return held ? 0 : 1;
}

void lock_release(int fd)
{
	if (fd < 0)
		return;
	if (ftruncate(fd, 0) != 0) {
		/* the line goes stale; the lock is still dropped */
	}
	close(fd);
}
