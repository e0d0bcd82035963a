/* fault.h — fault injection for the crash tests, in the way SQLite tests
 * itself: each durable step (commit, rename, file written) is a numbered
 * fault point; with fault_arm(N) the process kills itself (SIGKILL) at the
 * N-th. Compiled in only when MEMBERSHIP_FAULTS is defined (test builds);
 * otherwise the calls are empty. */
#ifndef MEMBERSHIP_FAULT_H
#define MEMBERSHIP_FAULT_H

#ifdef MEMBERSHIP_FAULTS
void fault_arm(long n);
void fault_point(const char *what);
#else
static inline void fault_arm(long n) { (void)n; }
static inline void fault_point(const char *what) { (void)what; }
#endif

#endif
