/* test_fsx.c — lib/fsx: clash names that number the stem and fit NAME_MAX
 * with their suffix, folders that are never entered through a link, and
 * renames that never replace a file. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "fsx.h"
#include "unit.h"

static char *repeat(char c, size_t n, const char *tail)
{
	size_t t = strlen(tail);
	char *s = malloc(n + t + 1);
	memset(s, c, n);
	memcpy(s + n, tail, t + 1);
	return s;
}

START_TEST(numbered_short_names)
{
	char *s = fsx_name_numbered("b.csv", ".csv", 0, ".rejects.csv");
	ck_assert_str_eq(s, "b.csv");
	free(s);
	s = fsx_name_numbered("b.csv", ".csv", 1, "");
	ck_assert_str_eq(s, "b.1.csv");
	free(s);
	s = fsx_name_numbered("b.csv", ".csv", 12, ".error.txt");
	ck_assert_str_eq(s, "b.12.csv");
	free(s);
	s = fsx_name_numbered("noext", ".csv", 2, "");
	ck_assert_str_eq(s, "noext.2");
	free(s);
}
END_TEST

START_TEST(numbered_long_names_keep_the_number)
{
	char *name = repeat('a', 251, ".csv"); /* 255 bytes */
	char *s = fsx_name_numbered(name, ".csv", 0, ".error.txt");
	ck_assert_str_eq(s, name); /* the first keeps its name */
	free(s);
	s = fsx_name_numbered(name, ".csv", 3, ".error.txt");
	ck_assert_uint_eq(strlen(s) + strlen(".error.txt"), FSX_NAME_MAX);
	ck_assert_int_eq(memcmp(s + strlen(s) - 6, ".3.csv", 6), 0);
	free(s);
	free(name);
}
END_TEST

START_TEST(numbered_cuts_on_a_character)
{
	/* 2-byte characters: the cut must not split one. */
	size_t n = 0;
	char name[300];
	while (n + 2 <= 250) {
		name[n++] = (char)0xc3;
		name[n++] = (char)0xa9;
	}
	memcpy(name + n, ".csv", 5);
	char *s = fsx_name_numbered(name, ".csv", 1, ".rejects.csv");
	size_t stem = strlen(s) - strlen(".1.csv");
	ck_assert_uint_eq(stem % 2, 0);
	ck_assert_uint_le(strlen(s) + 12, FSX_NAME_MAX);
	free(s);
}
END_TEST

static char tmpdir[] = "/tmp/test_fsx.XXXXXX";

/* A name is logged and reported as valid UTF-8: control bytes, backslash
 * and every byte that is not UTF-8 (overlong, surrogate, past U+10FFFF,
 * cut short) as \xNN; valid characters as they are. */
START_TEST(escape_keeps_only_utf8)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain.csv", "plain.csv"},
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
		{"a\\b\tc\x7f", "a\\x5cb\\x09c\\x7f"},
		{"\xed\xa0\x80.csv", "\\xed\\xa0\\x80.csv"},  /* surrogate U+D800 */
		{"\xc0\xaf", "\\xc0\\xaf"},                   /* overlong '/' */
		{"\xe0\x80\xaf", "\\xe0\\x80\\xaf"},          /* overlong, 3 bytes */
		{"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"}, /* U+110000 */
		{"\xe2\x82", "\\xe2\\x82"},                   /* cut short */
		{"\xff", "\\xff"},
	};
	char out[128];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fsx_escape(cases[i].in, out, sizeof out);
		ck_assert_msg(strcmp(out, cases[i].out) == 0, "case %zu: %s", i, out);
	}
	/* Cut short by the buffer: never half a character or half an escape. */
	fsx_escape("ab\xe2\x82\xac", out, 6);
	ck_assert_str_eq(out, "ab\xe2\x82\xac");
	fsx_escape("ab\xe2\x82\xac", out, 5);
	ck_assert_str_eq(out, "ab");
	fsx_escape("ab\xff", out, 6);
	ck_assert_str_eq(out, "ab");
	fsx_escape("ab\xff", out, 7);
	ck_assert_str_eq(out, "ab\\xff");
}
END_TEST

START_TEST(dir_open_refuses_links)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	int top = open(tmpdir, O_RDONLY | O_DIRECTORY);
	struct error err;
	error_clear(&err);
	ck_assert_int_eq(mkdirat(top, "real", 0700), 0);
	ck_assert_int_eq(symlinkat("real", top, "link"), 0);
	int fd = fsx_dir_open(top, "link", "x/link", 1, &err);
	ck_assert_int_lt(fd, 0);
	ck_assert_int_eq(err.code, EX_CANTCREAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "x/link"));
	error_clear(&err);
	fd = fsx_dir_open(top, "made", "x/made", 1, &err);
	ck_assert_int_ge(fd, 0);
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, FSX_DIR_MODE);
	close(fd);
	error_clear(&err);
	ck_assert_int_lt(fsx_dir_open(top, "missing", "x/missing", 0, &err), 0);
	ck_assert_int_eq(errno, ENOENT);

	/* rename never replaces */
	int a = fsx_create_at(top, tmpdir, "a", &err);
	int b = fsx_create_at(top, tmpdir, "b", &err);
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_int_eq(write(b, "keep", 4), 4);
	close(a);
	close(b);
	error_clear(&err);
	ck_assert_int_lt(fsx_rename_at(top, "a", top, "b", "a", &err), 0);
	ck_assert_int_eq(fsx_exists_at(top, "a"), 1);
	ck_assert_int_eq(fstatat(top, "b", &st, 0), 0);
	ck_assert_int_eq(st.st_size, 4);
	ck_assert_int_lt(fsx_create_at(top, tmpdir, "b", &err), 0);
	close(top);
	fsx_remove_tree(tmpdir);
}
END_TEST

/* fsx_remove_tree: many entries in nested folders (more than one read of
 * the folder), links removed and never followed, their target kept;
 * fsx_mkdir_nofollow: a link where the folder should be is refused. */
START_TEST(remove_tree_and_mkdir_nofollow)
{
	char base[] = "/tmp/test_fsx.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(base));
	char path[512], outside[64], tree[64];
	snprintf(outside, sizeof outside, "%s/outside", base);
	snprintf(tree, sizeof tree, "%s/tree", base);
	ck_assert_int_eq(mkdir(outside, 0700), 0);
	snprintf(path, sizeof path, "%s/keep.txt", outside);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(mkdir(tree, 0700), 0);
	snprintf(path, sizeof path, "%s/customers", tree);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof path, "%s/customers/customer-with-a-long-name-%04d.csv", tree,
			 i);
		fd = open(path, O_WRONLY | O_CREAT, 0600);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	snprintf(path, sizeof path, "%s/link", tree);
	ck_assert_int_eq(symlink(outside, path), 0);
	ck_assert_int_eq(fsx_remove_tree(tree), 0);
	struct stat st;
	ck_assert_int_lt(lstat(tree, &st), 0);
	snprintf(path, sizeof path, "%s/keep.txt", outside);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(fsx_remove_tree(tree), 0); /* gone already: fine */

	struct error err;
	error_clear(&err);
	snprintf(path, sizeof path, "%s/reports", base);
	ck_assert_int_eq(fsx_mkdir_nofollow(path, &err), 0);
	ck_assert_int_eq(fsx_mkdir_nofollow(path, &err), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	snprintf(path, sizeof path, "%s/archive", base);
	ck_assert_int_eq(symlink(outside, path), 0);
	ck_assert_int_lt(fsx_mkdir_nofollow(path, &err), 0);
	ck_assert_int_eq(err.code, EX_CANTCREAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "archive: a symbolic link"));
	ck_assert_int_eq(fsx_remove_tree(base), 0);
}
END_TEST

static Suite *fsx_suite(void)
{
	Suite *s = suite_create("fsx");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, numbered_short_names);
	tcase_add_test(tc, numbered_long_names_keep_the_number);
	tcase_add_test(tc, numbered_cuts_on_a_character);
	tcase_add_test(tc, dir_open_refuses_links);
	tcase_add_test(tc, escape_keeps_only_utf8);
	tcase_add_test(tc, remove_tree_and_mkdir_nofollow);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(fsx_suite, "fsx")
