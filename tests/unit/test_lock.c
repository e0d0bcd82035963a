/* test_lock.c — lib/lock: one holder at a time (flock conflicts between
 * two open descriptions, even in one process), the holder's line in the
 * lock file, named by a waiter and in the give-up message, emptied on
 * release. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <unistd.h>

#include "lock.h"
#include "unit.h"

static char path[64];
static int told;
static char told_line[LOCK_HOLDER_MAX + 1];

static void waiting(const char *held_by, void *ctx)
{
	(void)ctx;
	told++;
	snprintf(told_line, sizeof told_line, "%s", held_by);
}

static void setup(void)
{
	snprintf(path, sizeof path, "/tmp/test_lock.%ld", (long)getpid());
	unlink(path);
	told = 0;
	told_line[0] = '\0';
}

static void teardown(void)
{
	unlink(path);
}

static void file_text(char *out, size_t n)
{
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ssize_t r = read(fd, out, n - 1);
	close(fd);
	out[r > 0 ? r : 0] = '\0';
}

START_TEST(holder_line_written_and_emptied)
{
	struct error err;
	error_clear(&err);
	int fd = lock_acquire(path, 0, NULL, "nightly, pid 42, since 2026-11-23T14:50:00Z", NULL,
			      NULL, &err);
	ck_assert_int_ge(fd, 0);
	char text[256];
	file_text(text, sizeof text);
	ck_assert_str_eq(text, "nightly, pid 42, since 2026-11-23T14:50:00Z\n");
	lock_release(fd);
	file_text(text, sizeof text);
	ck_assert_str_eq(text, "");
}
END_TEST

START_TEST(second_taker_names_the_holder)
{
	struct error err;
	error_clear(&err);
	int fd = lock_acquire(path, 0, NULL, "ingest, pid 7, since X", NULL, NULL, &err);
	ck_assert_int_ge(fd, 0);
	/* wait 0: gives up at once, without announcing a wait */
	ck_assert_int_eq(lock_acquire(path, 0, NULL, "nightly", waiting, NULL, &err), -1);
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(err.msg, "ingest, pid 7, since X"));
	ck_assert_int_eq(told, 0);
	/* wait 1 s: announces the holder once, then gives up */
	error_clear(&err);
	ck_assert_int_eq(lock_acquire(path, 1, NULL, "nightly", waiting, NULL, &err), -1);
	ck_assert_int_eq(told, 1);
	ck_assert_str_eq(told_line, "ingest, pid 7, since X");
	ck_assert_int_eq(err.code, EX_TEMPFAIL);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	/* the waiter wrote nothing into the holder's file */
	char text[256];
	file_text(text, sizeof text);
	ck_assert_str_eq(text, "ingest, pid 7, since X\n");
	lock_release(fd);
	/* free again: the next taker gets it and its own line */
	error_clear(&err);
	fd = lock_acquire(path, 0, NULL, "report", NULL, NULL, &err);
	ck_assert_int_ge(fd, 0);
	file_text(text, sizeof text);
	ck_assert_str_eq(text, "report\n");
	lock_release(fd);
}
END_TEST

START_TEST(silent_holder_and_unprintable_bytes)
{
	struct error err;
	error_clear(&err);
	/* a holder that wrote no line (flock(1) by hand) */
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(lock_acquire(path, 0, NULL, "nightly", NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "a process that did not say which"));
	/* a line with control bytes is shown with them replaced */
	ck_assert_int_eq(pwrite(fd, "x\033[2Jy\n", 7, 0), 7);
	error_clear(&err);
	ck_assert_int_eq(lock_acquire(path, 0, NULL, "nightly", NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, ": x?[2Jy ("));
	close(fd);
}
END_TEST

START_TEST(is_free_asks_without_taking)
{
	struct error err;
	error_clear(&err);
	/* no lock file: none was ever taken, and none is made by asking */
	ck_assert_int_eq(lock_is_free(path), 1);
	ck_assert_int_eq(access(path, F_OK), -1);
	int fd = lock_acquire(path, 0, NULL, "ingest", NULL, NULL, &err);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lock_is_free(path), 0);
	lock_release(fd);
	ck_assert_int_eq(lock_is_free(path), 1);
	/* asking kept nothing: the next taker gets it at once */
	fd = lock_acquire(path, 0, NULL, "report", NULL, NULL, &err);
	ck_assert_int_ge(fd, 0);
	lock_release(fd);
}
END_TEST

static Suite *lock_suite(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("lock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, holder_line_written_and_emptied);
	tcase_add_test(tc, second_taker_names_the_holder);
	tcase_add_test(tc, silent_holder_and_unprintable_bytes);
	tcase_add_test(tc, is_free_asks_without_taking);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(lock_suite, "lock")
