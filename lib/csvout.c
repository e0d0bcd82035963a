/* csvout.c — RFC 4180 cells into a caller's stdio stream: a cell is quoted
 * only when it holds a comma, quote, CR or LF; rows end with LF; text cells
 * that a spreadsheet would run as a formula get a leading '. Write errors
 * stay in the stream (ferror) for the caller's fflush/fclose check.
 * Not for: choosing columns or rows. */
#include "csvout.h"

#include <inttypes.h>
#include <string.h>

#include "dates.h"
#include "money.h"
#include "utf8.h"

void csvout_init(struct csvout *w, FILE *fp, int minor_digits)
{
	w->fp = fp;
	w->ncells = 0;
	w->minor_digits = minor_digits;
}

static int csvout_needs_quotes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ',' || c == '"' || c == '\r' || c == '\n')
			return 1;
	}
	return 0;
}

/* SPEC §6: = + - @ TAB CR start a formula in common spreadsheets. */
static int csvout_needs_guard(const char *s, size_t n)
{
	return n > 0 && memchr("=+-@\t\r", s[0], 6) != NULL;
}

/* Starts a cell: the separator when it is not the row's first. */
static void csvout_cell_begin(struct csvout *w)
{
	if (w->ncells > 0)
		fputc(',', w->fp);
	w->ncells++;
}

/* The length of s once each byte that is not UTF-8 is written as \xHH
 * (n when s is valid UTF-8). */
static size_t csvout_escaped_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);
		out += k ? k : 4;
		i += k ? k : 1;
	}
	return out;
}

size_t csvout_utf8_escape(const char *s, size_t n, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)s;
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);
		if (k == 0) {
			if (o + 4 < outsz) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = hex[p[i] >> 4];
				out[o++] = hex[p[i] & 15];
			}
			i++;
			continue;
		}
		if (o + k < outsz) {
			memcpy(out + o, p + i, k);
			o += k;
		}
		i += k;
	}
	if (outsz > 0)
		out[o < outsz ? o : outsz - 1] = '\0';
	return csvout_escaped_len(s, n);
}

/* n bytes of s into the stream, each byte that is not UTF-8 as \xHH. */
static void csvout_put(struct csvout *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0;
	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = utf8_seq(p + i, n - i);
		if (k > 0) {
			i += k;
			continue;
		}
		fwrite(s + start, 1, i - start, w->fp);
		fprintf(w->fp, "\\x%02x", p[i]);
		start = ++i;
	}
	fwrite(s + start, 1, n - start, w->fp);
}

/* A cell of n bytes of s; NULL is an empty cell. Bytes that are not UTF-8
 * (a hostile file name) are written as \xHH: reports stay valid UTF-8. */
static void csvout_cell_write(struct csvout *w, const char *s, size_t n, int guard)
{
	if (s == NULL || n == 0) {
		csvout_cell_begin(w);
		return;
	}
	csvout_cell_begin(w);

	int quote = csvout_needs_quotes(s, n);
	if (quote)
		fputc('"', w->fp);
	if (guard && csvout_needs_guard(s, n))
		fputc('\'', w->fp);
	if (!quote) {
		csvout_put(w, s, n);
	} else {
		/* Copy runs between quotes; each quote is written twice. */
		const char *p = s, *end = s + n;
		while (p < end) {
			const char *q = memchr(p, '"', (size_t)(end - p));
			size_t run = q != NULL ? (size_t)(q - p) + 1 : (size_t)(end - p);
			csvout_put(w, p, run);
			if (q != NULL)
				fputc('"', w->fp);
			p += run;
		}
		fputc('"', w->fp);
	}
}

void csvout_textn(struct csvout *w, const char *s, size_t n)
{
	csvout_cell_write(w, s, n, 1);
}

void csvout_raw(struct csvout *w, const char *s)
{
	csvout_cell_write(w, s, s != NULL ? strlen(s) : 0, 0);
}

void csvout_rawn(struct csvout *w, const char *s, size_t n)
{
	csvout_cell_write(w, s, n, 0);
}

void csvout_int(struct csvout *w, int64_t v)
{
	char buf[24];
	int len = snprintf(buf, sizeof buf, "%" PRId64, v);
	csvout_cell_write(w, buf, len > 0 ? (size_t)len : 0, 0);
}

void csvout_money(struct csvout *w, int64_t minor)
{
	char buf[MONEY_TEXT_MAX];
	money_format(minor, w->minor_digits, buf, sizeof buf);
	csvout_cell_write(w, buf, strlen(buf), 0);
}

void csvout_money_sum(struct csvout *w, money_sum minor)
{
	char buf[MONEY_SUM_TEXT_MAX];
	money_format_sum(minor, w->minor_digits, 0, buf, sizeof buf);
	csvout_cell_write(w, buf, strlen(buf), 0);
}

void csvout_date(struct csvout *w, int32_t day)
{
	if (day == DATE_NONE) {
		csvout_empty(w);
		return;
	}
	char buf[DATE_TEXT_LEN + 1];
	dates_format(day, buf);
	csvout_cell_write(w, buf, strlen(buf), 0);
}

void csvout_empty(struct csvout *w)
{
	csvout_cell_begin(w);
}

void csvout_bom(struct csvout *w)
{
	fputs("\xEF\xBB\xBF", w->fp);
}

void csvout_end_row(struct csvout *w)
{
	fputc('\n', w->fp);
	w->ncells = 0;
}
