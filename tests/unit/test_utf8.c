/* test_utf8.c — the one UTF-8 validator: the edges of every range of
 * RFC 3629 (overlong forms, surrogates, past U+10FFFF, truncated and
 * stray bytes), whole and a byte at a time, and the code points decoded. */
#include <check.h>
#include <string.h>

#include "unit.h"
#include "utf8.h"

static const struct {
	const char *bytes;
	size_t len;  /* of the first sequence; 0: invalid */
	uint32_t cp; /* when valid */
} seqs[] = {
	{"A", 1, 0x41},
	{"\x7f", 1, 0x7F},
	{"\xc2\x80", 2, 0x80}, /* smallest two-byte */
	{"\xdf\xbf", 2, 0x7FF},
	{"\xe0\xa0\x80", 3, 0x800},  /* smallest three-byte */
	{"\xe2\x82\xac", 3, 0x20AC}, /* € */
	{"\xed\x9f\xbf", 3, 0xD7FF}, /* just below the surrogates */
	{"\xee\x80\x80", 3, 0xE000}, /* just above them */
	{"\xef\xbf\xbf", 3, 0xFFFF},
	{"\xf0\x90\x80\x80", 4, 0x10000}, /* smallest four-byte */
	{"\xf0\x9f\x98\x80", 4, 0x1F600},
	{"\xf4\x8f\xbf\xbf", 4, 0x10FFFF}, /* the last code point */
	/* overlong forms */
	{"\xc0\x80", 0, 0},
	{"\xc0\xaf", 0, 0},
	{"\xc1\xbf", 0, 0},
	{"\xe0\x80\x80", 0, 0},
	{"\xe0\x9f\xbf", 0, 0},
	{"\xf0\x80\x80\x80", 0, 0},
	{"\xf0\x8f\xbf\xbf", 0, 0},
	/* surrogates U+D800..U+DFFF */
	{"\xed\xa0\x80", 0, 0},
	{"\xed\xbf\xbf", 0, 0},
	/* past U+10FFFF */
	{"\xf4\x90\x80\x80", 0, 0},
	{"\xf5\x80\x80\x80", 0, 0},
	{"\xf7\xbf\xbf\xbf", 0, 0},
	{"\xf8\x88\x80\x80\x80", 0, 0},
	{"\xff", 0, 0},
	{"\xfe", 0, 0},
	/* stray continuation bytes */
	{"\x80", 0, 0},
	{"\xbf", 0, 0},
	/* truncated: cut short, or a continuation replaced */
	{"\xc2", 0, 0},
	{"\xe2\x82", 0, 0},
	{"\xf0\x9f\x98", 0, 0},
	{"\xe2\x28\xa1", 0, 0},
	{"\xf0\x9f\x28\x80", 0, 0},
	{"\xc2\x41", 0, 0},
};
#define NSEQS (sizeof seqs / sizeof seqs[0])

START_TEST(test_seq_and_decode)
{
	for (size_t i = 0; i < NSEQS; i++) {
		size_t n = strlen(seqs[i].bytes);
		uint32_t cp = 0xFFFFFFFF;
		ck_assert_msg(utf8_seq(seqs[i].bytes, n) == seqs[i].len, "case %zu: length", i);
		ck_assert_msg(utf8_decode(seqs[i].bytes, n, &cp) == seqs[i].len, "case %zu", i);
		if (seqs[i].len > 0)
			ck_assert_msg(cp == seqs[i].cp, "case %zu: U+%04X", i, (unsigned)cp);
	}
	/* n bounds the look: a valid sequence is cut short by it */
	ck_assert_uint_eq(utf8_seq("\xe2\x82\xac", 2), 0);
	ck_assert_uint_eq(utf8_seq("\xe2\x82\xac", 0), 0);
	/* NUL is a character */
	ck_assert_uint_eq(utf8_seq("\0", 1), 1);
}
END_TEST

/* A whole string is valid exactly when its only sequence is; the stream
 * check fed a byte at a time agrees, a truncated one left pending. */
START_TEST(test_valid_and_stream)
{
	for (size_t i = 0; i < NSEQS; i++) {
		const char *s = seqs[i].bytes;
		size_t n = strlen(s);
		int whole = seqs[i].len == n;
		ck_assert_msg(utf8_valid(s, n) == whole, "case %zu: valid", i);

		struct utf8_stream u = {0};
		int ok = 1;
		for (size_t k = 0; k < n && ok; k++)
			ok = utf8_stream_byte(&u, (unsigned char)s[k]) == 0;
		ok = ok && !utf8_stream_pending(&u);
		ck_assert_msg(ok == whole, "case %zu: stream", i);
	}
	/* Pending: the stream stops inside a character. */
	struct utf8_stream u = {0};
	ck_assert_int_eq(utf8_stream_byte(&u, 0xF0), 0);
	ck_assert_int_eq(utf8_stream_byte(&u, 0x9F), 0);
	ck_assert_int_eq(utf8_stream_pending(&u), 1);
	ck_assert_int_eq(utf8_stream_byte(&u, 0x98), 0);
	ck_assert_int_eq(utf8_stream_byte(&u, 0x80), 0);
	ck_assert_int_eq(utf8_stream_pending(&u), 0);
	/* A lead byte where a continuation is due is refused. */
	ck_assert_int_eq(utf8_stream_byte(&u, 0xE2), 0);
	ck_assert_int_eq(utf8_stream_byte(&u, 0xE2), -1);

	const char mixed[] = "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac";
	ck_assert_int_eq(utf8_valid(mixed, sizeof mixed - 1), 1);
	ck_assert_int_eq(utf8_valid(mixed, sizeof mixed - 2), 0); /* € cut */
	ck_assert_int_eq(utf8_valid("", 0), 1);
}
END_TEST

START_TEST(test_chars)
{
	ck_assert_uint_eq(utf8_chars("", 0), 0);
	ck_assert_uint_eq(utf8_chars("abc", 3), 3);
	ck_assert_uint_eq(utf8_chars("caf\xc3\xa9", 5), 4);
	ck_assert_uint_eq(utf8_chars("\xf0\x9f\x98\x80\xe2\x82\xac", 7), 2);
	/* a byte that is not UTF-8 counts as one */
	ck_assert_uint_eq(utf8_chars("\xff\xed\xa0\x80", 4), 4);
}
END_TEST

START_TEST(test_columns)
{
	ck_assert_uint_eq(utf8_columns("", 0), 0);
	ck_assert_uint_eq(utf8_columns("abc", 3), 3);
	ck_assert_uint_eq(utf8_columns("caf\xc3\xa9", 5), 4);
	/* Hangul and CJK take two columns each, a full-width form too */
	ck_assert_uint_eq(utf8_columns("\xed\x95\x9c\xea\xb8\x80 x", 8), 6);
	ck_assert_uint_eq(utf8_columns("\xe4\xb8\xad\xef\xbc\xa1", 6), 4);
	/* a byte that is not UTF-8 takes one */
	ck_assert_uint_eq(utf8_columns("\xff\xed\xa0\x80", 4), 4);
}
END_TEST

static Suite *utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_seq_and_decode);
	tcase_add_test(tc, test_valid_and_stream);
	tcase_add_test(tc, test_chars);
	tcase_add_test(tc, test_columns);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(utf8_suite, "utf8")
