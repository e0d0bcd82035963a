/* log.h — the one way messages reach stderr: errors and warnings always,
 * information unless -q, detail with -v. Warnings and errors start with
 * "warning: " / "error: " and name the job and its date ("warning: ingest
 * 2026-05-01: ..."); when stderr is the systemd journal each line starts
 * with its syslog priority (<3> error, <4> warning, <6> info, <7> detail:
 * sd-daemon(3)) so the journal files it at its level. A warning whose text
 * starts with the job's own name and ": " names it once.
 * Not for: a command's output (progress, status, --help write stdout), nor
 * reading the environment: main reads $JOURNAL_STREAM and passes it on. */
#ifndef MEMBERSHIP_LOG_H
#define MEMBERSHIP_LOG_H

#include <stdint.h>

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* What the lines name: the job (NULL: none) and its business date
 * (DATE_NONE: none). The job name is kept by pointer: pass a string that
 * lives as long as the process (a command table entry). */
void log_set_context(const char *job, int32_t date);
/* The job log_set_context named last (NULL: none), for saving around a step. */
const char *log_context_job(void);
int32_t log_context_date(void);
/* journal_stream: the value of $JOURNAL_STREAM ("DEVICE:INODE" of the
 * journal's stream, or NULL). Priority prefixes go on only when stderr is
 * that very stream (not when it was redirected elsewhere). */
void log_use_journal(const char *journal_stream);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line of its own (a job's summary), at info priority under journald,
 * with no "membership: " before it. */
void log_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
