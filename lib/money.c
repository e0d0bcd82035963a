/* money.c — strict decimal text <-> int64 minor units, digit by digit, so
 * no amount ever passes through floating point or overflows.
 * Not for: deciding what an amount may be (rules.c) or reading the
 * configured number of digits (config.c). */
#include "money.h"

#include <inttypes.h>
#include <stdio.h>

/* Beyond 18 digits 10^d does not fit int64; the config allows 0..3. */
#define MONEY_DIGITS_MAX 18

int64_t money_scale(int minor_digits)
{
	if (minor_digits < 0 || minor_digits > MONEY_DIGITS_MAX)
		return 0;
	int64_t scale = 1;
	for (int i = 0; i < minor_digits; i++)
		scale *= 10;
	return scale;
}

/* v * 10 + digit, or -1 once past MONEY_MAX_MINOR. v <= MONEY_MAX_MINOR
 * (2^53) on entry, so v * 10 cannot overflow int64. */
static int64_t push_digit(int64_t v, int digit)
{
	if (v < 0)
		return -1;
	v = v * 10 + digit;
	return v > MONEY_MAX_MINOR ? -1 : v;
}

int money_parse(const char *s, size_t n, int minor_digits, int64_t *out)
{
	if (s == NULL || n == 0 || minor_digits < 0 || minor_digits > MONEY_DIGITS_MAX)
		return -1;
	int64_t v = 0;
	size_t i = 0, int_digits = 0, frac_digits = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, int_digits++)
		v = push_digit(v, s[i] - '0');
	if (int_digits == 0)
		return -1;
	if (i < n) {
		if (s[i] != '.' || minor_digits == 0)
			return -1;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac_digits++)
			v = push_digit(v, s[i] - '0');
		if (i < n || frac_digits == 0 || frac_digits > (size_t)minor_digits)
			return -1;
	}
	for (size_t k = frac_digits; k < (size_t)minor_digits; k++)
		v = push_digit(v, 0);
	if (v < 0)
		return -1;
	*out = v;
	return 0;
}

/* An out-of-range minor_digits writes "". */
void money_format(int64_t minor, int minor_digits, char *out, size_t outsz)
{
	if (out == NULL || outsz == 0)
		return;
	out[0] = '\0';
	int64_t scale = money_scale(minor_digits);
	if (scale == 0)
		return;
	/* Magnitude in unsigned arithmetic: -INT64_MIN does not fit int64. */
	uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	/* Digits from the right, then copied out: report formats an amount
	 * per cell, and snprintf cost a twentieth of its queries' time. */
	char tmp[MONEY_TEXT_MAX];
	size_t n = 0;
	for (int i = 0; i < minor_digits; i++) {
		tmp[n++] = (char)('0' + (int)(mag % 10));
		mag /= 10;
	}
	if (minor_digits > 0)
		tmp[n++] = '.';
	do {
		tmp[n++] = (char)('0' + (int)(mag % 10));
		mag /= 10;
	} while (mag > 0);
	if (minor < 0)
		tmp[n++] = '-';
	size_t o = 0;
	while (n > 0 && o + 1 < outsz)
		out[o++] = tmp[--n];
	out[o] = '\0';
}

void money_format_sum(money_sum minor, int minor_digits, int group, char *out, size_t outsz)
{
	if (out == NULL || outsz == 0)
		return;
	out[0] = '\0';
	int64_t scale = money_scale(minor_digits);
	if (scale == 0 || outsz < MONEY_SUM_TEXT_MAX)
		return;
	/* Digits from the right into tmp, then reversed into out. */
	__extension__ unsigned __int128 mag =
		minor < 0 ? -(unsigned __int128)minor : (unsigned __int128)minor;
	char tmp[MONEY_SUM_TEXT_MAX];
	size_t n = 0;
	for (int i = 0; i < minor_digits; i++) {
		tmp[n++] = (char)('0' + (int)(mag % 10));
		mag /= 10;
	}
	if (minor_digits > 0)
		tmp[n++] = '.';
	int whole = 0;
	do {
		if (group && whole > 0 && whole % 3 == 0)
			tmp[n++] = ',';
		tmp[n++] = (char)('0' + (int)(mag % 10));
		mag /= 10;
		whole++;
	} while (mag > 0);
	if (minor < 0)
		tmp[n++] = '-';
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}
