/* fault.h — fault injection for the crash tests, in the way SQLite tests
 * itself: each durable step (commit, rename, file written) is a numbered
 * fault point. With fault_arm(N) the process acts at the N-th, by the kind
 * named in MEMBERSHIP_FAULT_KIND:
 *   kill   (default) kills itself (SIGKILL);
 *   pause  creates the file MEMBERSHIP_FAULT_MARKER (if set), then waits for
 *          a signal and goes on (its handler decides what happens next);
 *          on a thread that blocks signals (report's, for the customer
 *          files) it waits until the probe given to fault_stop_probe says
 *          a stop arrived;
 *   eio    from then on every write, pwrite, writev, fsync and fdatasync on
 *          a descriptor above 2 fails with EIO (SQLite's too);
 *   enomem from then on every malloc, calloc and realloc returns NULL
 *          (SQLite's too; not under a sanitizer, which owns malloc);
 *   count  only counts them, and says how many on exit ("N fault points").
 * MEMBERSHIP_FAULT_ONLY=TEXT counts only the points whose name holds TEXT
 * (the N-th "report file", whichever thread reaches it).
 * MEMBERSHIP_FAULT_CHUNKS=production makes fault_chunk give production's
 * chunk sizes instead of the test build's small ones.
 * Compiled in only when MEMBERSHIP_FAULTS is defined (test builds);
 * otherwise the calls are empty. */
#ifndef MEMBERSHIP_FAULT_H
#define MEMBERSHIP_FAULT_H

#ifdef MEMBERSHIP_FAULTS
void fault_arm(long n);
void fault_point(const char *what);
/* A point counted only when MEMBERSHIP_FAULT_ONLY names it: a place a
 * test stops at on purpose, kept out of the sweeps' numbering. */
void fault_point_named(const char *what);
/* What a paused thread that blocks signals asks: whether to go on. */
void fault_stop_probe(int (*probe)(void));
/* test unless MEMBERSHIP_FAULT_CHUNKS=production, then production. */
long fault_chunk(long test, long production);
/* Around a library call that cannot survive an allocation failing in its
 * middle (libxlsxwriter writes through a NULL from calloc in places): no
 * fault point of another thread begins the failures meanwhile. 1 when
 * allocations fail already: then make no such call. Release it either way. */
int fault_hold(void);
void fault_release(void);
#else
static inline void fault_arm(long n)
{
	(void)n;
}
static inline void fault_point(const char *what)
{
	(void)what;
}
static inline void fault_point_named(const char *what)
{
	(void)what;
}
static inline void fault_stop_probe(int (*probe)(void))
{
	(void)probe;
}
static inline long fault_chunk(long test, long production)
{
	(void)test;
	return production;
}
static inline int fault_hold(void)
{
	return 0;
}
static inline void fault_release(void)
{
}
#endif

#endif
