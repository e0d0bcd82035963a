/* lock.h — the workspace lock: flock(2) on membership.lock (never the
 * database file), held by every writing job. The kernel drops it when the
 * holder dies, so there are no PID files to clean. */
#ifndef MEMBERSHIP_LOCK_H
#define MEMBERSHIP_LOCK_H

#include "error.h"

/* Take the exclusive lock on path (created 0600), waiting up to
 * wait_seconds (and no longer once stopped(), if given, returns nonzero: a
 * SIGTERM must not wait out a long lock.wait_seconds); returns the
 * descriptor, or -1 with EX_TEMPFAIL when another process keeps it
 * (EX_CANTCREAT when the file cannot be opened). */
int lock_acquire(const char *path, long wait_seconds, int (*stopped)(void), struct error *err);
/* Release (close) the lock. */
void lock_release(int fd);

#endif
