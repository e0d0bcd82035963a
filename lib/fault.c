/* fault.c — numbered fault points for crash tests (test builds only). */
#define _GNU_SOURCE
#include "fault.h"

#ifdef MEMBERSHIP_FAULTS
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "fsx.h"

enum { K_KILL, K_PAUSE, K_EIO, K_ENOMEM, K_COUNT };

static long armed_at;
static int kind;
static _Atomic long reached; /* report's file-writing thread counts too */
static _Atomic int failing_io, failing_mem;
static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER; /* fault_hold */
static const char *only;        /* MEMBERSHIP_FAULT_ONLY: count these points alone */
static int (*stop_probe)(void); /* fault_stop_probe */

static void fault_count_report(void)
{
	fprintf(stderr, "membership: %ld fault points\n", (long)reached);
}

void fault_arm(long n)
{
	armed_at = n;
	reached = 0;
	only = getenv("MEMBERSHIP_FAULT_ONLY");
	if (only && *only == '\0')
		only = NULL;
	const char *k = getenv("MEMBERSHIP_FAULT_KIND");
	kind = K_KILL;
	if (k && strcmp(k, "pause") == 0)
		kind = K_PAUSE;
	else if (k && strcmp(k, "eio") == 0)
		kind = K_EIO;
	else if (k && strcmp(k, "enomem") == 0)
		kind = K_ENOMEM;
	else if (k && strcmp(k, "count") == 0 && n > 0) {
		kind = K_COUNT;
		atexit(fault_count_report);
	}
	/* Power loss (RELIABILITY J1): fsx records its steps, and the fault
	 * point undoes those not yet durable before dying. Test builds only. */
	fsx_powerloss_record(n > 0 && kind == K_KILL && getenv("MEMBERSHIP_POWERLOSS") != NULL);
}

long fault_chunk(long test, long production)
{
	static int prod = -1; /* asked once a row: getenv once */
	if (prod < 0) {
		const char *c = getenv("MEMBERSHIP_FAULT_CHUNKS");
		prod = c && strcmp(c, "production") == 0;
	}
	return prod ? production : test;
}

void fault_stop_probe(int (*probe)(void))
{
	stop_probe = probe;
}

/* The pause of a thread that blocks signals (report's file threads): the
 * signal is handled by another thread, so wait until the probe says a stop
 * arrived, as pause() on the main thread returns once it is handled. */
static void pause_blocked(void)
{
	const struct timespec tick = {0, 10 * 1000 * 1000};
	while (stop_probe == NULL || !stop_probe())
		nanosleep(&tick, NULL);
}

static void fault_wake(int sig)
{
	(void)sig;
}

static int signals_blocked(void)
{
	sigset_t cur;
	return pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0 && sigismember(&cur, SIGTERM) == 1;
}

void fault_point(const char *what)
{
	if (armed_at <= 0)
		return;
	if (only && strstr(what, only) == NULL)
		return;
	if (++reached != armed_at || kind == K_COUNT)
		return;
	switch (kind) {
	case K_PAUSE: {
		const char *marker = getenv("MEMBERSHIP_FAULT_MARKER");
		fprintf(stderr, "membership: fault point %ld (%s): waiting for a signal\n", reached,
			what);
		if (marker && *marker) {
			int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
		}
		/* SIGUSR1 only wakes it (a test changes the world meanwhile,
		 * then lets the run go on); SIGTERM stops the run as usual. */
		struct sigaction wake;
		memset(&wake, 0, sizeof wake);
		wake.sa_handler = fault_wake;
		sigaction(SIGUSR1, &wake, NULL);
		if (signals_blocked())
			pause_blocked();
		else
			pause(); /* returns once a handled signal arrived */
		return;
	}
	case K_EIO:
		fprintf(stderr, "membership: fault point %ld (%s): writes fail with EIO from now\n",
			reached, what);
		failing_io = 1;
		return;
	case K_ENOMEM:
		fprintf(stderr, "membership: fault point %ld (%s): allocations fail from now\n",
			reached, what);
		pthread_mutex_lock(&hold_mu);
		failing_mem = 1;
		pthread_mutex_unlock(&hold_mu);
		return;
	default:
		fsx_powerloss();
		fprintf(stderr, "membership: fault point %ld (%s): killing myself\n", reached,
			what);
		kill(getpid(), SIGKILL);
	}
}

void fault_point_named(const char *what)
{
	if (only != NULL)
		fault_point(what);
}

int fault_hold(void)
{
	pthread_mutex_lock(&hold_mu);
	return failing_mem;
}

void fault_release(void)
{
	pthread_mutex_unlock(&hold_mu);
}

/* --- EIO: the program's own and SQLite's writes and syncs -------------------
 * Defined in the executable, these take the place of the C library's for
 * every caller (SQLite's unix VFS included); the standard descriptors stay
 * writable so that the error message gets out. */
ssize_t write(int fd, const void *buf, size_t n)
{
	if (failing_io && fd > 2) {
		errno = EIO;
		return -1;
	}
	return syscall(SYS_write, fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (failing_io && fd > 2) {
		errno = EIO;
		return -1;
	}
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	if (failing_io && fd > 2) {
		errno = EIO;
		return -1;
	}
	return syscall(SYS_writev, fd, iov, cnt);
}

int fsync(int fd)
{
	if (failing_io && fd > 2) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

int fdatasync(int fd)
{
	if (failing_io && fd > 2) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

/* --- ENOMEM: malloc, calloc, realloc through glibc's own entry points ------ */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__has_feature)
#define FAULT_MALLOC 1
#elif defined(__has_feature)
#if !__has_feature(address_sanitizer) && !__has_feature(memory_sanitizer)
#define FAULT_MALLOC 1
#endif
#endif

#ifdef FAULT_MALLOC
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

void *malloc(size_t n)
{
	if (failing_mem)
		return errno = ENOMEM, NULL;
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	if (failing_mem)
		return errno = ENOMEM, NULL;
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	if (failing_mem && n > 0)
		return errno = ENOMEM, NULL;
	return __libc_realloc(p, n);
}
#endif
#else
typedef int fault_unused_translation_unit;
#endif
