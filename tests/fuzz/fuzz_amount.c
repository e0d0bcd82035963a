/* fuzz_amount.c — libFuzzer harness for money_parse / money_format
 * (lib/money.c). Byte 0 gives minor_digits (0..3, as the config allows);
 * the rest is the text. A reference reading written here independently
 * (digits, at most one '.', at most minor_digits decimals, at most 2^53
 * minor units, compared as text so it cannot overflow) must agree with
 * money_parse on every input; a parsed value formatted and parsed again
 * must be the same value, and its text the canonical form of the input.
 * When the input is 8 bytes or more, its first 8 bytes are also formatted
 * as an int64 (negative values, INT64_MIN included): no overflow, bounded
 * length, and a round trip for the values money_parse may return. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

static void fail(const char *what, const char *s, size_t n, int digits)
{
	fprintf(stderr, "fuzz_amount: %s: digits %d, input \"%.*s\" (%zu bytes)\n", what, digits,
		(int)n, s, n);
	abort();
}

/* The canonical text of a valid amount ("007.5" with 2 digits: "7.50"),
 * or -1 when it is not valid. */
static int reference(const char *s, size_t n, int digits, char *out, size_t outsz)
{
	size_t i = 0, int_start, int_len, frac_len = 0;
	const char *frac = "";
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	int_len = i;
	if (int_len == 0)
		return -1;
	if (i < n) {
		if (s[i] != '.' || digits == 0)
			return -1;
		frac = s + i + 1;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			frac_len++;
		if (i < n || frac_len == 0 || frac_len > (size_t)digits)
			return -1;
	}
	int_start = 0;
	while (int_start + 1 < int_len && s[int_start] == '0')
		int_start++;
	/* all minor digits, without leading zeros, vs 2^53 = 9007199254740992 */
	char minor[64];
	size_t k = 0, il = int_len - int_start;
	if (il + (size_t)digits >= sizeof minor)
		return -1;
	memcpy(minor, s + int_start, il);
	k = il;
	for (int d = 0; d < digits; d++)
		minor[k++] = (size_t)d < frac_len ? frac[d] : '0';
	minor[k] = '\0';
	const char *m = minor;
	while (m[0] == '0' && m[1] != '\0')
		m++;
	const char *limit = "9007199254740992";
	if (strlen(m) > strlen(limit) || (strlen(m) == strlen(limit) && strcmp(m, limit) > 0))
		return -1;
	if (digits == 0)
		snprintf(out, outsz, "%.*s", (int)il, s + int_start);
	else
		snprintf(out, outsz, "%.*s.%.*s%.*s", (int)il, s + int_start, (int)frac_len, frac,
			 digits - (int)frac_len, "000");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int digits = data[0] & 3;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	char canon[96], text[MONEY_TEXT_MAX];
	int want = reference(s, n, digits, canon, sizeof canon);
	int64_t v = -42;
	int got = money_parse(s, n, digits, &v);
	if (got != want)
		fail(got == 0 ? "money_parse accepted what is not an amount"
			      : "money_parse refused a valid amount",
		     s, n, digits);
	if (got == 0) {
		if (v < 0 || v > MONEY_MAX_MINOR)
			fail("value out of 0..2^53", s, n, digits);
		money_format(v, digits, text, sizeof text);
		if (strcmp(text, canon) != 0)
			fail("money_format is not the canonical text", s, n, digits);
		int64_t back = -1;
		if (money_parse(text, strlen(text), digits, &back) != 0 || back != v)
			fail("format then parse is not the same value", s, n, digits);
	} else if (v != -42) {
		fail("a refused amount wrote *out", s, n, digits);
	}
	if (n >= 8) {
		int64_t x;
		memcpy(&x, s, sizeof x);
		for (int d = 0; d <= 3; d++) {
			char big[MONEY_TEXT_MAX + 8];
			memset(big, 'Z', sizeof big);
			money_format(x, d, big, MONEY_TEXT_MAX);
			size_t len = strnlen(big, MONEY_TEXT_MAX);
			if (len == 0 || len >= MONEY_TEXT_MAX)
				fail("money_format of an int64: empty or not NUL-ended", s, 8, d);
			if (x >= 0 && x <= MONEY_MAX_MINOR) {
				int64_t back = -1;
				if (money_parse(big, len, d, &back) != 0 || back != x)
					fail("money_format of an int64 does not parse back", s, 8, d);
			} else if (x < 0 && big[0] != '-') {
				fail("a negative amount is written without '-'", s, 8, d);
			}
		}
		/* tiny buffers: never written past */
		char small[4] = {'Z', 'Z', 'Z', 'Z'};
		money_format(x, digits, small, 3);
		if (small[3] != 'Z' || strnlen(small, 3) > 2)
			fail("money_format wrote past a small buffer", s, 8, digits);
	}
	return 0;
}
