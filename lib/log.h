/* log.h — the one way messages reach stderr: errors and warnings always,
 * information unless -q, detail with -v. stdout is never touched here.
 * Not for: a command's output (progress, status, --help write stdout). */
#ifndef MEMBERSHIP_LOG_H
#define MEMBERSHIP_LOG_H

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
