/* lock.c — flock(2) with a bounded wait. A blocking flock would ignore
 * lock.wait_seconds and outlive a SIGTERM, so it polls with LOCK_NB. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define LOCK_POLL_NS 50000000L /* 50 ms between tries */

int lock_acquire(const char *path, long wait_seconds, int (*stopped)(void), struct error *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, EX_CANTCREAT, "%s: cannot open lock: %s", path, strerror(errno));
	fchmod(fd, 0600);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;
			close(fd);
			return error_set(err, EX_IOERR, "%s: flock: %s", path, strerror(e));
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		double waited = (double)(now.tv_sec - start.tv_sec) +
				(double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if (waited >= (double)wait_seconds || (stopped && stopped()))
			break;
		struct timespec ts = {0, LOCK_POLL_NS};
		nanosleep(&ts, NULL);
	}
	close(fd);
	return error_set(err, EX_TEMPFAIL,
			 "%s: another job holds the workspace lock (waited %ld s); try later",
			 path, wait_seconds);
}

void lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
