/* utf8.h — the one definition of valid UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), whole or a byte at a time
 * for a stream. Every reader and writer that asks "is this UTF-8?" asks
 * here, and what it shows as (utf8_columns). Not for: transcoding or
 * normalisation. */
#ifndef MEMBERSHIP_UTF8_H
#define MEMBERSHIP_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1..4) of the valid UTF-8 sequence at p (n > 0 bytes left),
 * or 0 when p does not start one: a stray continuation byte, an overlong
 * form, a surrogate, a code point past U+10FFFF or a sequence cut short.
 * A NUL byte is a valid sequence of length 1. */
size_t utf8_seq(const void *p, size_t n);

/* utf8_seq, and the code point in *cp when the sequence is valid. */
size_t utf8_decode(const void *p, size_t n, uint32_t *cp);

/* 1 when all n bytes of s are valid UTF-8, else 0. */
int utf8_valid(const char *s, size_t n);

/* Code points in s (n bytes), each byte that is not UTF-8 counted as one. */
size_t utf8_chars(const char *s, size_t n);

/* Columns s (n bytes) takes on a terminal or in a spreadsheet cell: two
 * for an East Asian wide character (Hangul, CJK, full-width forms), one
 * for any other, and one for each byte that is not UTF-8. */
size_t utf8_columns(const char *s, size_t n);

/* A stream checked a byte at a time (a sequence may span reads): start
 * zeroed. */
struct utf8_stream {
	int need;             /* continuation bytes still due */
	unsigned char lo, hi; /* the range the next one must fall in */
};

/* 0 when c may come next, -1 when it makes the stream invalid. */
int utf8_stream_byte(struct utf8_stream *u, unsigned char c);
/* 1 when the stream stops inside a sequence (a truncated character). */
int utf8_stream_pending(const struct utf8_stream *u);

#endif
