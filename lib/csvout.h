/* csvout.h — the only CSV writer: RFC 4180 quoting, LF line ends, and the
 * spreadsheet formula guard of SPEC §6 on text cells. Writes into a stdio
 * stream the caller owns. Not for: deciding what a report holds. */
#ifndef MEMBERSHIP_CSVOUT_H
#define MEMBERSHIP_CSVOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "money.h"

struct csvout {
	FILE *fp;
	int ncells; /* cells written in the current row */
	int minor_digits;
};

void csvout_init(struct csvout *w, FILE *fp, int minor_digits);
/* A text cell of n bytes: quoted when it holds , " CR or LF; a leading '
 * is added when it begins with = + - @ TAB or CR. NULL writes an empty
 * cell. */
void csvout_textn(struct csvout *w, const char *s, size_t n);
/* A cell written as is apart from RFC 4180 quoting (no formula guard):
 * codes, ids, numbers, dates, and rows echoed back to their producer. */
void csvout_raw(struct csvout *w, const char *s);
void csvout_rawn(struct csvout *w, const char *s, size_t n);
void csvout_int(struct csvout *w, int64_t v);
/* Amount in minor units with exactly minor_digits decimals. */
void csvout_money(struct csvout *w, int64_t minor);
/* A money sum (exact past 2^63), as csvout_money. */
void csvout_money_sum(struct csvout *w, money_sum minor);
/* YYYY-MM-DD, or empty for DATE_NONE. */
void csvout_date(struct csvout *w, int32_t day);
/* Empty cell. */
void csvout_empty(struct csvout *w);
/* s (n bytes) with each byte that is not UTF-8 written as \xHH (SPEC §6),
 * NUL-terminated into out (cut short when outsz is too small); returns the
 * full escaped length (n when s is valid UTF-8). Text cells are written
 * this way by every csvout_* call. */
size_t csvout_utf8_escape(const char *s, size_t n, char *out, size_t outsz);
/* A UTF-8 byte order mark, before the header (reports.csv_bom: Excel then
 * reads the file as UTF-8). */
void csvout_bom(struct csvout *w);
/* Ends the row with LF. */
void csvout_end_row(struct csvout *w);

#endif
