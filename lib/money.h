/* money.h — decimal amounts <-> int64 minor units, never through floating
 * point. Not for: currency rules (rules.h) or the configured digits (config). */
#ifndef MEMBERSHIP_MONEY_H
#define MEMBERSHIP_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define MONEY_MAX_MINOR (INT64_C(1) << 53) /* largest accepted amount */
#define MONEY_TEXT_MAX  32                 /* enough for any formatted amount */

/* Parse a plain decimal: ASCII digits, optionally '.' and 1..minor_digits
 * digits (no '.' at all when minor_digits is 0). No sign, no spaces, no
 * exponent, no thousands separators. Result <= MONEY_MAX_MINOR minor units.
 * "12.5" with 2 digits is 1250. 0 and *out set, or -1. */
int money_parse(const char *s, size_t n, int minor_digits, int64_t *out);

/* Write minor units with exactly minor_digits decimals ("-12.50" for
 * -1250 with 2 digits) and a NUL into out (outsz >= MONEY_TEXT_MAX). */
void money_format(int64_t minor, int minor_digits, char *out, size_t outsz);

/* A sum of amounts: exact past 2^63 minor units (SPEC §6), far beyond what
 * any books can hold (2^127). Sum rows in C into it; SQLite's sum() stops
 * at 2^63 and total() is a double. */
__extension__ typedef __int128 money_sum;

#define MONEY_SUM_TEXT_MAX 64 /* a money_sum with separators, sign, point, NUL */

/* Write a sum as money_format does; with group != 0, a ',' between each
 * three digits of the whole part ("1,234,567.50"). outsz >=
 * MONEY_SUM_TEXT_MAX. */
void money_format_sum(money_sum minor, int minor_digits, int group, char *out, size_t outsz);

/* 10^minor_digits, for converting major-unit limits (payments.max_amount). */
int64_t money_scale(int minor_digits);

#endif
