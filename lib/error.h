/* error.h — the one error type every fallible function fills.
 * A function that can fail returns int (0 ok, -1 failed) and fills the
 * caller's struct error: an exit code from sysexits.h and a message naming
 * the file, line, field or key. Only main prints it. */
#ifndef MEMBERSHIP_ERROR_H
#define MEMBERSHIP_ERROR_H

#include <sysexits.h>

#define ERROR_MSG_MAX 1024

struct error {
	int code;                /* sysexits code; 0 when no error */
	char msg[ERROR_MSG_MAX]; /* one line, no trailing newline */
};

/* Fill err (if not NULL) with code and a printf-style message; returns -1
 * so that callers can write `return error_set(err, EX_DATAERR, ...)`. */
int error_set(struct error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The exit code of a failed write or flush with errno e: out of memory
 * (stdio could not allocate its buffer) is 70 like any allocation that
 * fails (SPEC §2), anything else an I/O error, 74. */
int error_io_code(int e);

/* Reset err to "no error". */
void error_clear(struct error *err);

#endif
