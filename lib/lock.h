/* lock.h — the workspace lock: flock(2) on membership.lock (never the
 * database file), held by every writing job. The kernel drops it when the
 * holder dies, so there are no PID files to clean. The holder writes one
 * line into the file (which job, pid, since when), so that a job waiting
 * for it can say whom it waits for; the line is only ever informative. */
#ifndef MEMBERSHIP_LOCK_H
#define MEMBERSHIP_LOCK_H

#include "error.h"

#define LOCK_HOLDER_MAX 200 /* bytes of the holder's line that are read back */

/* Take the exclusive lock on path (created 0600), waiting up to
 * wait_seconds (and no longer once stopped(), if given, returns nonzero: a
 * SIGTERM must not wait out a long lock.wait_seconds). Once held, holder
 * (one line, e.g. "nightly 2026-11-23, pid 42, since …") replaces the
 * file's content. When the lock is found taken, waiting (if given) is
 * called once with the holder's line ("" when it wrote none) before the
 * wait. Returns the descriptor, or -1 with EX_TEMPFAIL when another process
 * keeps it (the message names the holder; EX_CANTCREAT when the file
 * cannot be opened). */
int lock_acquire(const char *path, long wait_seconds, int (*stopped)(void), const char *holder,
		 void (*waiting)(const char *held_by, void *ctx), void *ctx, struct error *err);
/* Whether any process holds the lock on path, asked without waiting and
 * without keeping anything (a shared lock taken and let go at once, the
 * file opened read-only and never created): 1 free (or no lock file: none
 * was ever taken), 0 held, -1 unknown (the file cannot be read). */
int lock_is_free(const char *path);
/* Release the lock: empty the holder's line, then close. */
void lock_release(int fd);

#endif
