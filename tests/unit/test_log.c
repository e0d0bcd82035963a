/* test_log.c — lib/log: the level word, the job and date for warnings and
 * errors (named once), the levels, and the journal's priority prefixes only
 * when stderr is the stream $JOURNAL_STREAM names. stderr is pointed at a
 * temporary file for each case and read back. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dates.h"
#include "log.h"
#include "unit.h"

static char captured[4096];
static FILE *capture_file;
static int saved_stderr = -1;

static void capture_begin(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	ck_assert_ptr_nonnull(capture_file);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fileno(capture_file), STDERR_FILENO);
}

static const char *capture_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(capture_file);
	size_t n = fread(captured, 1, sizeof captured - 1, capture_file);
	captured[n] = '\0';
	fclose(capture_file);
	return captured;
}

/* "DEV:INO" of what stderr is now. */
static void stderr_stream(char *out, size_t size)
{
	struct stat sb;
	ck_assert_int_eq(fstat(STDERR_FILENO, &sb), 0);
	snprintf(out, size, "%llu:%llu", (unsigned long long)sb.st_dev,
		 (unsigned long long)sb.st_ino);
}

static void reset(void)
{
	log_set_level(LOG_NORMAL);
	log_set_context(NULL, DATE_NONE);
	log_use_journal(NULL);
}

START_TEST(words_job_and_date)
{
	reset();
	capture_begin();
	log_set_context("ingest", dates_from_civil(2026, 5, 1));
	log_error("disk %s", "full");
	log_warn("odd");
	log_info("hello");
	log_set_context("status", DATE_NONE);
	log_warn("no date");
	log_set_context(NULL, DATE_NONE);
	log_error("no job");
	ck_assert_str_eq(capture_end(), "error: ingest 2026-05-01: disk full\n"
					"warning: ingest 2026-05-01: odd\n"
					"membership: hello\n"
					"warning: status: no date\n"
					"error: no job\n");
}
END_TEST

START_TEST(job_named_once)
{
	reset();
	capture_begin();
	log_set_context("reconcile", dates_from_civil(2026, 4, 12));
	log_warn("reconcile: product %s", "GOLD");
	log_warn("reconciled: not the prefix");
	ck_assert_str_eq(capture_end(),
			 "warning: reconcile 2026-04-12: product GOLD\n"
			 "warning: reconcile 2026-04-12: reconciled: not the prefix\n");
}
END_TEST

START_TEST(levels)
{
	reset();
	capture_begin();
	log_set_level(LOG_QUIET);
	log_info("hidden");
	log_debug("hidden");
	log_warn("shown");
	log_set_level(LOG_VERBOSE);
	log_debug("detail");
	ck_assert_str_eq(capture_end(), "warning: shown\nmembership: detail\n");
}
END_TEST

START_TEST(journal_prefixes)
{
	char stream[64];
	reset();
	capture_begin();
	stderr_stream(stream, sizeof stream);
	log_use_journal(stream);
	log_set_level(LOG_VERBOSE);
	log_error("e");
	log_warn("w");
	log_info("i");
	log_debug("d");
	ck_assert_str_eq(capture_end(),
			 "<3>error: e\n<4>warning: w\n<6>membership: i\n<7>membership: d\n");
}
END_TEST

START_TEST(journal_elsewhere)
{
	static const char *const streams[] = {"1:1", "", "12", "12:", ":5", "1:2:3", "x:y", NULL};
	char stream[64];
	reset();
	capture_begin();
	stderr_stream(stream, sizeof stream);
	for (const char *const *s = streams; *s; s++) {
		log_use_journal(*s);
		log_warn("%s", *s);
	}
	/* A stream that once matched, then another: off again. */
	log_use_journal(stream);
	log_use_journal("1:1");
	log_warn("off");
	ck_assert_str_eq(capture_end(),
			 "warning: 1:1\nwarning: \nwarning: 12\nwarning: 12:\n"
			 "warning: :5\nwarning: 1:2:3\nwarning: x:y\nwarning: off\n");
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, words_job_and_date);
	tcase_add_test(tc, job_named_once);
	tcase_add_test(tc, levels);
	tcase_add_test(tc, journal_prefixes);
	tcase_add_test(tc, journal_elsewhere);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(log_suite, "log")
