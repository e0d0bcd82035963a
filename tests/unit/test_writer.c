/* test_writer.c — files built in memory and created by the second thread:
 * every byte arrives, more files than the queue holds, a file past
 * WRITER_INLINE_MAX written directly, mode 0640 whatever the umask, a name
 * taken already reported with its name, a dry run creating nothing. */
#define _GNU_SOURCE /* mkdtemp */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsx.h"
#include "unit.h"
#include "writer.h"

static char dir[64];
static char iobuf[4096];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_writer.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	fsx_remove_tree(dir);
}

/* The content of dir/name, malloc'd (NULL when missing); *len its size. */
static char *slurp(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	rewind(fp);
	char *s = malloc((size_t)n + 1);
	*len = fread(s, 1, (size_t)n, fp);
	s[*len] = '\0';
	fclose(fp);
	return s;
}

static size_t count_files(void)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Write n files f<i>.csv holding "file <i>\n" repeated i % 7 + 1 times. */
static int write_many(struct writer *w, int n, struct error *err)
{
	struct writer_buf b;
	FILE *fp = writer_buf_open(w, &b, iobuf, sizeof iobuf, err);
	ck_assert_ptr_nonnull(fp);
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		char name[32];
		snprintf(name, sizeof name, "f%d.csv", i);
		ck_assert_int_eq(writer_buf_name(&b, name, err), 0);
		for (int k = 0; k < i % 7 + 1; k++)
			fprintf(fp, "file %d\n", i);
		rc = writer_put(w, &b, fp, err);
	}
	fclose(fp);
	writer_buf_free(&b);
	return rc;
}

START_TEST(test_every_byte)
{
	struct writer *w;
	struct error err;
	error_clear(&err);
	ck_assert_int_eq(writer_start(&w, dir, 0, &err), 0);
	ck_assert_int_eq(write_many(w, 3 * WRITER_SLOTS + 5, &err), 0);
	ck_assert_int_eq(writer_finish(w, &err), 0);
	ck_assert_uint_eq(count_files(), 3 * WRITER_SLOTS + 5);
	for (int i = 0; i < 3 * WRITER_SLOTS + 5; i++) {
		char name[32], want[512] = "";
		size_t len;
		snprintf(name, sizeof name, "f%d.csv", i);
		for (int k = 0; k < i % 7 + 1; k++)
			snprintf(want + strlen(want), sizeof want - strlen(want), "file %d\n", i);
		char *got = slurp(name, &len);
		ck_assert_ptr_nonnull(got);
		ck_assert_str_eq(got, want);
		free(got);
	}
}
END_TEST

START_TEST(test_mode_whatever_the_umask)
{
	struct writer *w;
	struct error err;
	mode_t old = umask(077);
	ck_assert_int_eq(writer_start(&w, dir, 0, &err), 0);
	ck_assert_int_eq(write_many(w, 2, &err), 0);
	ck_assert_int_eq(writer_finish(w, &err), 0);
	umask(old);
	char path[256];
	struct stat st;
	snprintf(path, sizeof path, "%s/f1.csv", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
}
END_TEST

START_TEST(test_large_file_direct)
{
	struct writer *w;
	struct writer_buf b;
	struct error err;
	ck_assert_int_eq(writer_start(&w, dir, 0, &err), 0);
	FILE *fp = writer_buf_open(w, &b, iobuf, sizeof iobuf, &err);
	ck_assert_int_eq(writer_buf_name(&b, "big.csv", &err), 0);
	size_t total = 0;
	for (int i = 0; total < 3 * (size_t)WRITER_INLINE_MAX; i++)
		total += (size_t)fprintf(fp, "row %d of a customer with a long history\n", i);
	ck_assert_int_lt(b.cap, 2 * WRITER_INLINE_MAX); /* never held whole */
	ck_assert_int_eq(writer_put(w, &b, fp, &err), 0);
	ck_assert_int_eq(writer_buf_name(&b, "small.csv", &err), 0);
	fputs("after\n", fp);
	ck_assert_int_eq(writer_put(w, &b, fp, &err), 0);
	fclose(fp);
	writer_buf_free(&b);
	ck_assert_int_eq(writer_finish(w, &err), 0);
	size_t len;
	char *got = slurp("big.csv", &len);
	ck_assert_uint_eq(len, total);
	ck_assert(strncmp(got, "row 0 of", 8) == 0);
	free(got);
	got = slurp("small.csv", &len);
	ck_assert_str_eq(got, "after\n");
	free(got);
}
END_TEST

START_TEST(test_name_taken)
{
	struct writer *w;
	struct error err;
	error_clear(&err);
	char path[256];
	snprintf(path, sizeof path, "%s/f5.csv", dir);
	FILE *fp = fopen(path, "w");
	fputs("there before\n", fp);
	fclose(fp);
	ck_assert_int_eq(writer_start(&w, dir, 0, &err), 0);
	int rc = write_many(w, 200, &err);
	if (rc == 0)
		rc = writer_finish(w, &err);
	else
		writer_finish(w, NULL);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err.code, EX_CANTCREAT);
	ck_assert_msg(strstr(err.msg, "f5.csv") != NULL, "message: %s", err.msg);
	size_t len;
	char *got = slurp("f5.csv", &len);
	ck_assert_str_eq(got, "there before\n"); /* never overwritten */
	free(got);
}
END_TEST

START_TEST(test_dry_run)
{
	struct writer *w;
	struct error err;
	ck_assert_int_eq(writer_start(&w, dir, 1, &err), 0);
	ck_assert_int_eq(write_many(w, 10, &err), 0);
	ck_assert_int_eq(writer_finish(w, &err), 0);
	ck_assert_uint_eq(count_files(), 0);
}
END_TEST

START_TEST(test_finish_null)
{
	struct error err;
	ck_assert_int_eq(writer_finish(NULL, &err), 0);
}
END_TEST

/* A write that fails for want of memory is 70, like any allocation; any
 * other failure of a created file is an I/O error, 74. */
START_TEST(test_write_error_codes)
{
	ck_assert_int_eq(error_io_code(ENOMEM), EX_SOFTWARE);
	ck_assert_int_eq(error_io_code(ENOSPC), EX_IOERR);
	ck_assert_int_eq(error_io_code(EIO), EX_IOERR);
}
END_TEST

static Suite *writer_suite(void)
{
	Suite *s = suite_create("writer");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_byte);
	tcase_add_test(tc, test_mode_whatever_the_umask);
	tcase_add_test(tc, test_large_file_direct);
	tcase_add_test(tc, test_name_taken);
	tcase_add_test(tc, test_dry_run);
	tcase_add_test(tc, test_finish_null);
	tcase_add_test(tc, test_write_error_codes);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(writer_suite, "writer")
