/* test_csvout.c — the CSV writer: RFC 4180 quoting, LF row ends, the
 * formula guard of SPEC §6 (text cells only), money and date cells, and a
 * round trip through csvin that gives back the very same strings. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvin.h"
#include "csvout.h"
#include "dates.h"
#include "unit.h"

struct capture {
	FILE *fp;
	char *buf;
	size_t len;
};

/* A NUL-terminated text cell (NULL: empty). */
static void text_cell(struct csvout *w, const char *s)
{
	csvout_textn(w, s, s != NULL ? strlen(s) : 0);
}

static void capture_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->fp = open_memstream(&c->buf, &c->len);
	ck_assert_ptr_nonnull(c->fp);
}

/* Closes the stream; the text stays in c->buf until capture_free. */
static const char *capture_text(struct capture *c)
{
	ck_assert_int_eq(fclose(c->fp), 0);
	c->fp = NULL;
	return c->buf;
}

static void capture_free(struct capture *c)
{
	free(c->buf);
}

/* One text cell (guarded) and one raw cell of s, then LF. */
static void check_cell(const char *s, const char *want_text, const char *want_raw)
{
	struct capture c;
	struct csvout w;
	capture_open(&c);
	csvout_init(&w, c.fp, 2);
	text_cell(&w, s);
	csvout_end_row(&w);
	csvout_raw(&w, s);
	csvout_end_row(&w);
	const char *got = capture_text(&c);

	char want[256];
	snprintf(want, sizeof want, "%s\n%s\n", want_text, want_raw);
	ck_assert_msg(strcmp(got, want) == 0, "cell [%s]: got [%s] want [%s]", s, got, want);
	capture_free(&c);
}

START_TEST(test_quoting)
{
	check_cell("plain", "plain", "plain");
	check_cell("", "", "");
	check_cell("a,b", "\"a,b\"", "\"a,b\"");
	check_cell("say \"hi\"", "\"say \"\"hi\"\"\"", "\"say \"\"hi\"\"\"");
	check_cell("\"", "\"\"\"\"", "\"\"\"\"");
	check_cell("two\nlines", "\"two\nlines\"", "\"two\nlines\"");
	check_cell("cr\rhere", "\"cr\rhere\"", "\"cr\rhere\"");
	check_cell("한국어", "한국어", "한국어");
	check_cell(" padded ", " padded ", " padded ");
	check_cell("it's", "it's", "it's");
}
END_TEST

START_TEST(test_formula_guard)
{
	check_cell("=SUM(A1:A9)", "'=SUM(A1:A9)", "=SUM(A1:A9)");
	check_cell("+1", "'+1", "+1");
	check_cell("-12.50", "'-12.50", "-12.50");
	check_cell("@cmd", "'@cmd", "@cmd");
	check_cell("\tx", "'\tx", "\tx");
	check_cell("\rx", "\"'\rx\"", "\"\rx\"");
	check_cell("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
		   "\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	check_cell("a=b", "a=b", "a=b");
	check_cell("'=x", "'=x", "'=x");
	check_cell(" =x", " =x", " =x");
}
END_TEST

START_TEST(test_cells)
{
	struct capture c;
	struct csvout w;
	capture_open(&c);
	csvout_init(&w, c.fp, 2);
	text_cell(&w, NULL);
	csvout_raw(&w, NULL);
	csvout_textn(&w, "abc,def", 3);
	csvout_rawn(&w, "x\"y", 3);
	csvout_textn(&w, NULL, 5);
	csvout_empty(&w);
	csvout_end_row(&w);
	csvout_int(&w, 0);
	csvout_int(&w, -42);
	csvout_int(&w, INT64_MAX);
	csvout_int(&w, INT64_MIN);
	csvout_end_row(&w);
	csvout_money(&w, 1250);
	csvout_money(&w, -5);
	csvout_money(&w, 0);
	csvout_date(&w, DATE_NONE);
	csvout_date(&w, 0);
	csvout_date(&w, dates_from_civil(2028, 2, 29));
	csvout_end_row(&w);
	csvout_end_row(&w);
	ck_assert_str_eq(capture_text(&c), ",,abc,\"x\"\"y\",,\n"
					   "0,-42,9223372036854775807,-9223372036854775808\n"
					   "12.50,-0.05,0.00,,1970-01-01,2028-02-29\n"
					   "\n");
	capture_free(&c);

	/* minor_digits comes from the writer. */
	capture_open(&c);
	csvout_init(&w, c.fp, 0);
	csvout_money(&w, 1250);
	csvout_end_row(&w);
	csvout_init(&w, c.fp, 3);
	csvout_money(&w, 1250);
	csvout_end_row(&w);
	ck_assert_str_eq(capture_text(&c), "1250\n1.250\n");
	capture_free(&c);
}
END_TEST

START_TEST(test_round_trip)
{
	static const char *const rows[][4] = {
		{"product_id", "name", "note", "price"},
		{"p1", "Kim, Minji", "say \"hi\"", "12.50"},
		{"p2", "two\nlines", "crlf\r\ninside", ""},
		{"p3", "한국어 이름", "\"", "\"\""},
		{"p4", "", "a,\"b\",\nc", "x y"},
		{"p5", "tab\tinside", "'quoted'", ",,,"},
	};
	const size_t nrows = sizeof rows / sizeof rows[0];

	struct capture c;
	struct csvout w;
	capture_open(&c);
	csvout_init(&w, c.fp, 2);
	for (size_t i = 0; i < nrows; i++) {
		for (size_t j = 0; j < 4; j++)
			text_cell(&w, rows[i][j]);
		csvout_end_row(&w);
	}
	const char *text = capture_text(&c);

	char path[] = "/tmp/test_csvout-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, text, c.len), (ssize_t)c.len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);

	struct csvin *r;
	struct csvin_row row;
	struct error err;
	ck_assert_int_eq(csvin_open(&r, fd, "rt.csv", 1000, &err), 0);
	for (size_t i = 0; i < nrows; i++) {
		ck_assert_int_eq(csvin_next(r, &row, &err), 1);
		ck_assert_uint_eq(row.nfields, 4);
		for (size_t j = 0; j < 4; j++) {
			ck_assert_str_eq(row.fields[j], rows[i][j]);
			ck_assert_uint_eq(row.lens[j], strlen(rows[i][j]));
		}
	}
	ck_assert_int_eq(csvin_next(r, &row, &err), 0);
	csvin_close(r);
	close(fd);
	capture_free(&c);
}
END_TEST

/* Sums past 2^63 minor units (SPEC §6), with and without separators. */
START_TEST(test_money_sum)
{
	static const struct {
		const char *digits; /* the sum, in decimal minor units */
		int minor, group;
		const char *want;
	} cases[] = {
		{"0", 0, 0, "0"},
		{"0", 2, 1, "0.00"},
		{"5", 2, 0, "0.05"},
		{"-1250", 2, 1, "-12.50"},
		{"999", 0, 1, "999"},
		{"1000", 0, 1, "1,000"},
		{"-1234567", 0, 1, "-1,234,567"},
		{"123456789", 3, 1, "123,456.789"},
		{"9232379236109516800", 0, 0, "9232379236109516800"},
		{"9232379236109516800", 0, 1, "9,232,379,236,109,516,800"},
		{"9232379236109516800", 2, 0, "92323792361095168.00"},
		{"170141183460469231731687303715884105727", 0, 1,
		 "170,141,183,460,469,231,731,687,303,715,884,105,727"},
		{"-170141183460469231731687303715884105727", 3, 1,
		 "-170,141,183,460,469,231,731,687,303,715,884,105.727"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		money_sum v = 0;
		const char *d = cases[i].digits;
		int neg = *d == '-';
		for (d += neg; *d; d++)
			v = v * 10 + (*d - '0');
		if (neg)
			v = -v;
		char out[MONEY_SUM_TEXT_MAX];
		money_format_sum(v, cases[i].minor, cases[i].group, out, sizeof out);
		ck_assert_str_eq(out, cases[i].want);
	}
	/* 1025 times 2^53 through the CSV cell. */
	struct capture c;
	struct csvout w;
	money_sum sum = 0;
	for (int i = 0; i < 1025; i++)
		sum += (int64_t)1 << 53;
	capture_open(&c);
	csvout_init(&w, c.fp, 0);
	csvout_money_sum(&w, sum);
	csvout_money_sum(&w, -sum);
	csvout_end_row(&w);
	ck_assert_str_eq(capture_text(&c), "9232379236109516800,-9232379236109516800\n");
	capture_free(&c);
}
END_TEST

/* SPEC §6: bytes that are not UTF-8 come out as \xHH, valid text as is. */
START_TEST(test_not_utf8)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"caf\xe9-\xff.csv", "caf\\xe9-\\xff.csv"},
		{"\xed\xa0\x80", "\\xed\\xa0\\x80"},          /* a surrogate */
		{"\xc0\xaf", "\\xc0\\xaf"},                   /* overlong '/' */
		{"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"}, /* past U+10FFFF */
		{"\xea\xb0\x80", "\xea\xb0\x80"},             /* Hangul GA */
		{"a\xe2\x82", "a\\xe2\\x82"},                 /* cut short */
		{"\xff,\"", "\"\\xff,\"\"\""},                /* quoted */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct capture c;
		struct csvout w;
		char want[64];
		capture_open(&c);
		csvout_init(&w, c.fp, 0);
		text_cell(&w, cases[i].in);
		csvout_end_row(&w);
		snprintf(want, sizeof want, "%s\n", cases[i].want);
		ck_assert_str_eq(capture_text(&c), want);
		capture_free(&c);
	}
	char out[32];
	ck_assert_uint_eq(csvout_utf8_escape("x\xffy", 3, out, sizeof out), 6);
	ck_assert_str_eq(out, "x\\xffy");
}
END_TEST

static Suite *csvout_suite(void)
{
	Suite *s = suite_create("csvout");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_quoting);
	tcase_add_test(tc, test_formula_guard);
	tcase_add_test(tc, test_cells);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_money_sum);
	tcase_add_test(tc, test_not_utf8);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(csvout_suite, "csvout")
