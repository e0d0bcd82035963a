/* test_money.c — worked numbers for lib/money: what a decimal amount may
 * look like for 0..3 minor digits, the 2^53 ceiling, and formatting
 * (negatives included). */
#include <string.h>

#include "money.h"
#include "unit.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define REJECT INT64_C(-1)

static const struct {
	const char *text;
	int digits;
	int64_t want; /* REJECT: must not parse */
} parse_cases[] = {
	/* KRW, 0 digits */
	{"0", 0, 0},
	{"5", 0, 5},
	{"365000", 0, 365000},
	{"0007", 0, 7},
	{"10000000", 0, 10000000},
	{"12.0", 0, REJECT},
	{"12.", 0, REJECT},
	/* 2 digits */
	{"12.34", 2, 1234},
	{"12.5", 2, 1250},
	{"12", 2, 1200},
	{"0.05", 2, 5},
	{"0.5", 2, 50},
	{"0.00", 2, 0},
	{"12.345", 2, REJECT},
	{"12.340", 2, REJECT},
	{".5", 2, REJECT},
	{"5.", 2, REJECT},
	{".", 2, REJECT},
	{"1.2.3", 2, REJECT},
	{"12..3", 2, REJECT},
	/* 3 digits */
	{"1.234", 3, 1234},
	{"1.2", 3, 1200},
	{"1", 3, 1000},
	{"1.2345", 3, REJECT},
	/* signs, spaces, separators, other notations */
	{"", 0, REJECT},
	{"", 2, REJECT},
	{"-5", 0, REJECT},
	{"+5", 0, REJECT},
	{"-0", 0, REJECT},
	{"-0.00", 2, REJECT},
	{"+0", 2, REJECT},
	{" 5", 0, REJECT},
	{"5 ", 0, REJECT},
	{"5\t", 0, REJECT},
	{"5\n", 0, REJECT},
	{"1 000", 0, REJECT},
	{"1,000", 0, REJECT},
	{"1,50", 2, REJECT},
	{"1_000", 0, REJECT},
	{"1e3", 0, REJECT},
	{"1E3", 0, REJECT},
	{"0x10", 0, REJECT},
	{"inf", 0, REJECT},
	{"nan", 2, REJECT},
	{"\xd9\xa5", 0, REJECT},     /* ARABIC-INDIC DIGIT FIVE */
	{"\xef\xbc\x95", 0, REJECT}, /* FULLWIDTH DIGIT FIVE */
	{"5\xc2\xa0", 0, REJECT},    /* NO-BREAK SPACE */
	{"$5", 0, REJECT},
	{"5KRW", 0, REJECT},
	/* the 2^53 ceiling, in minor units */
	{"9007199254740992", 0, INT64_C(9007199254740992)},
	{"9007199254740993", 0, REJECT},
	{"90071992547409.92", 2, INT64_C(9007199254740992)},
	{"90071992547409.93", 2, REJECT},
	{"90071992547409.93", 3, REJECT},
	{"90071992547410", 2, REJECT},
	{"9007199254740.992", 3, INT64_C(9007199254740992)},
	{"9223372036854775807", 0, REJECT},
	{"9223372036854775808", 0, REJECT},
	{"18446744073709551616", 0, REJECT},
	{"99999999999999999999999", 0, REJECT},
	{"000000000000000000000000000001", 0, 1},
	{"184467440737095516160.00", 2, REJECT},
};

START_TEST(test_parse_table)
{
	const char *s = parse_cases[_i].text;
	int64_t v = 777;
	int rc = money_parse(s, strlen(s), parse_cases[_i].digits, &v);
	if (parse_cases[_i].want == REJECT) {
		ck_assert_msg(rc == -1, "\"%s\" (%d digits) should not parse, got %lld", s,
			      parse_cases[_i].digits, (long long)v);
		ck_assert_int_eq(v, 777);
	} else {
		ck_assert_msg(rc == 0, "\"%s\" (%d digits) should parse", s,
			      parse_cases[_i].digits);
		ck_assert_int_eq(v, parse_cases[_i].want);
	}
}
END_TEST

START_TEST(test_parse_length)
{
	int64_t v;
	/* n bounds the text; bytes after it do not count, a NUL inside does */
	ck_assert_int_eq(money_parse("12.34xyz", 5, 2, &v), 0);
	ck_assert_int_eq(v, 1234);
	ck_assert_int_eq(money_parse("12.34", 4, 2, &v), 0);
	ck_assert_int_eq(v, 1230);
	ck_assert_int_eq(money_parse("12\0"
				     "34",
				     5, 0, &v),
			 -1);
	ck_assert_int_eq(money_parse("12", 0, 0, &v), -1);
	ck_assert_int_eq(money_parse(NULL, 0, 0, &v), -1);
	ck_assert_int_eq(money_parse("12", 2, -1, &v), -1);
	ck_assert_int_eq(money_parse("12", 2, 19, &v), -1);
}
END_TEST

static const struct {
	int64_t minor;
	int digits;
	const char *text;
} format_cases[] = {
	{0, 0, "0"},
	{365000, 0, "365000"},
	{-365000, 0, "-365000"},
	{1234, 2, "12.34"},
	{1250, 2, "12.50"},
	{5, 2, "0.05"},
	{-5, 2, "-0.05"},
	{-1250, 2, "-12.50"},
	{0, 2, "0.00"},
	{-100, 2, "-1.00"},
	{1234, 3, "1.234"},
	{1, 3, "0.001"},
	{-1, 3, "-0.001"},
	{INT64_C(9007199254740992), 0, "9007199254740992"},
	{INT64_C(9007199254740992), 2, "90071992547409.92"},
	{INT64_MAX, 0, "9223372036854775807"},
	{INT64_MIN, 0, "-9223372036854775808"},
	{INT64_MIN, 3, "-9223372036854775.808"},
	{INT64_MIN, 18, "-9.223372036854775808"},
};

START_TEST(test_format_table)
{
	char out[MONEY_TEXT_MAX];
	money_format(format_cases[_i].minor, format_cases[_i].digits, out, sizeof out);
	ck_assert_str_eq(out, format_cases[_i].text);
}
END_TEST

/* Every formatted non-negative amount parses back to itself. */
START_TEST(test_round_trip)
{
	static const int64_t amounts[] = {0,
					  1,
					  9,
					  10,
					  99,
					  100,
					  101,
					  1234,
					  365000,
					  999999,
					  INT64_C(9007199254740991),
					  INT64_C(9007199254740992)};
	for (int digits = 0; digits <= 3; digits++) {
		for (size_t i = 0; i < LEN(amounts); i++) {
			char out[MONEY_TEXT_MAX];
			int64_t back = -1;
			money_format(amounts[i], digits, out, sizeof out);
			ck_assert_int_eq(money_parse(out, strlen(out), digits, &back), 0);
			ck_assert_int_eq(back, amounts[i]);
		}
	}
}
END_TEST

START_TEST(test_format_small_buffer)
{
	char out[6] = "XXXXX";
	money_format(123456, 2, out, sizeof out);
	ck_assert_str_eq(out, "1234."); /* truncated, still NUL-ended */
	money_format(5, 2, out, 0);     /* writes nothing */
	ck_assert_str_eq(out, "1234.");
	money_format(5, -1, out, sizeof out);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_scale)
{
	ck_assert_int_eq(money_scale(0), 1);
	ck_assert_int_eq(money_scale(1), 10);
	ck_assert_int_eq(money_scale(2), 100);
	ck_assert_int_eq(money_scale(3), 1000);
	ck_assert_int_eq(money_scale(18), INT64_C(1000000000000000000));
	ck_assert_int_eq(money_scale(-1), 0);
	ck_assert_int_eq(money_scale(19), 0);
}
END_TEST

static Suite *money_suite(void)
{
	Suite *s = suite_create("money");
	TCase *tc = tcase_create("money");
	tcase_add_loop_test(tc, test_parse_table, 0, LEN(parse_cases));
	tcase_add_test(tc, test_parse_length);
	tcase_add_loop_test(tc, test_format_table, 0, LEN(format_cases));
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_format_small_buffer);
	tcase_add_test(tc, test_scale);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(money_suite, "money")
