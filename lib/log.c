/* log.c — levelled messages on stderr, one line each (log.h): the level's
 * word and the job and date for warnings and errors, and under systemd the
 * syslog priority in front. */
#include "log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dates.h"

static enum log_level current = LOG_NORMAL;
static const char *context_job;
static int32_t context_date = DATE_NONE;
static int journal;

void log_set_level(enum log_level level)
{
	current = level;
}

enum log_level log_get_level(void)
{
	return current;
}

void log_set_context(const char *job, int32_t date)
{
	context_job = job;
	context_date = date;
}

const char *log_context_job(void)
{
	return context_job;
}

int32_t log_context_date(void)
{
	return context_date;
}

void log_use_journal(const char *journal_stream)
{
	journal = 0;
	if (journal_stream == NULL || journal_stream[0] == '\0')
		return;
	char *end;
	unsigned long long dev = strtoull(journal_stream, &end, 10);
	if (end == journal_stream || *end != ':')
		return;
	const char *ino_text = end + 1;
	unsigned long long ino = strtoull(ino_text, &end, 10);
	if (end == ino_text || *end != '\0')
		return;
	struct stat sb;
	if (fstat(STDERR_FILENO, &sb) == 0 && (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino)
		journal = 1;
}

/* priority: the sd-daemon prefix; word: "error", "warning" or NULL (info
 * and detail carry no word and no context). */
static void log_line(int priority, const char *word, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void log_line(int priority, const char *word, const char *fmt, va_list ap)
{
	/* One line at a time: report's customer files may warn from a thread
	 * of their own while the job's thread writes a line. */
	flockfile(stderr);
	if (journal)
		fprintf(stderr, "<%d>", priority);
	if (word != NULL) {
		fprintf(stderr, "%s: ", word);
		if (context_job != NULL) {
			fputs(context_job, stderr);
			if (context_date != DATE_NONE) {
				char d[DATE_TEXT_LEN + 1];
				dates_format(context_date, d);
				fprintf(stderr, " %s", d);
			}
			fputs(": ", stderr);
		}
	} else {
		fputs("membership: ", stderr);
	}
	/* "reconcile: product …" under the context reconcile: name it once. */
	size_t n = context_job && word ? strlen(context_job) : 0;
	if (n > 0 && strncmp(fmt, context_job, n) == 0 && fmt[n] == ':' && fmt[n + 1] == ' ')
		fmt += n + 2;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void log_plain(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	flockfile(stderr);
	if (journal)
		fputs("<6>", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(3, "error", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(4, "warning", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	if (current < LOG_NORMAL)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_line(6, NULL, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	if (current < LOG_VERBOSE)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_line(7, NULL, fmt, ap);
	va_end(ap);
}
