/* utf8.c — valid UTF-8 by RFC 3629 table 3-7: the lead byte fixes the
 * length and the range of the second byte; later bytes are 80..BF. One
 * table (utf8_lead) serves both the whole-buffer and the stream checks. */
#include "utf8.h"

/* The length of the sequence lead byte c starts (0: it starts none) and
 * the range its second byte must fall in. */
static size_t utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (c < 0x80)
		return 1;
	if (c < 0xC2) /* a continuation byte, or C0/C1: overlong two-byte */
		return 0;
	if (c < 0xE0)
		return 2;
	if (c < 0xF0) {
		if (c == 0xE0)
			*lo = 0xA0; /* overlong */
		else if (c == 0xED)
			*hi = 0x9F; /* U+D800..U+DFFF: surrogates */
		return 3;
	}
	if (c < 0xF5) {
		if (c == 0xF0)
			*lo = 0x90; /* overlong */
		else if (c == 0xF4)
			*hi = 0x8F; /* past U+10FFFF */
		return 4;
	}
	return 0; /* F5..FF: past U+10FFFF */
}

size_t utf8_seq(const void *p, size_t n)
{
	uint32_t cp;
	return utf8_decode(p, n, &cp);
}

size_t utf8_decode(const void *p, size_t n, uint32_t *cp)
{
	const unsigned char *s = p;
	unsigned char lo, hi;
	if (n == 0)
		return 0;
	size_t len = utf8_lead(s[0], &lo, &hi);
	if (len == 0 || n < len)
		return 0;
	if (len == 1) {
		*cp = s[0];
		return 1;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	uint32_t v = s[0] & (0x7Fu >> len);
	for (size_t i = 1; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
		v = v << 6 | (s[i] & 0x3Fu);
	}
	*cp = v;
	return len;
}

int utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(s + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

size_t utf8_chars(const char *s, size_t n)
{
	size_t chars = 0;
	for (size_t i = 0; i < n; chars++) {
		size_t k = utf8_seq(s + i, n - i);
		i += k ? k : 1;
	}
	return chars;
}

static int utf8_wide(uint32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	       (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	       (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000;
}

size_t utf8_columns(const char *s, size_t n)
{
	size_t cols = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t k = utf8_decode(s + i, n - i, &cp);
		cols += k && utf8_wide(cp) ? 2 : 1;
		i += k ? k : 1;
	}
	return cols;
}

int utf8_stream_byte(struct utf8_stream *u, unsigned char c)
{
	if (u->need > 0) {
		if (c < u->lo || c > u->hi)
			return -1;
		u->need--;
		u->lo = 0x80;
		u->hi = 0xBF;
		return 0;
	}
	size_t len = utf8_lead(c, &u->lo, &u->hi);
	if (len == 0)
		return -1;
	u->need = (int)len - 1;
	return 0;
}

int utf8_stream_pending(const struct utf8_stream *u)
{
	return u->need > 0;
}
