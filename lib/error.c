/* error.c — filling struct error; printing is main's business. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int error_set(struct error *err, int code, const char *fmt, ...)
{
	if (err == NULL)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	/* No memory is 70, whichever module says it (the exit codes are the
	 * documented ones only; sysexits' 71 is not among them). */
	err->code = code == EX_OSERR ? EX_SOFTWARE : code;
	return -1;
}

int error_io_code(int e)
{
	return e == ENOMEM ? EX_SOFTWARE : EX_IOERR;
}

void error_clear(struct error *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
