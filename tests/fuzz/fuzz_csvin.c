/* fuzz_csvin.c — libFuzzer harness for the CSV reader (lib/csvin.c).
 * Input: byte 0 picks max_field_bytes and the largest read size, byte 1
 * seeds the read sizes, the rest is the file. The file is read three ways
 * and every way must tell the same story:
 *   A. from a memfd (whole reads of up to 64 KiB, as from a real file);
 *   B. from a SOCK_SEQPACKET socket whose every read returns one message
 *      of a pseudo-random size (chunk boundaries anywhere: inside a BOM,
 *      a UTF-8 sequence, a CRLF, a quoted field, a doubled quote);
 *   C. when A read the whole file without error and no field was cut:
 *      its rows written back with every field quoted, then read again.
 * Also checked: each row's invariants (NUL-free fields of the stated
 * length, trimmed, no longer than max_field_bytes — a header's cells
 * max(max_field_bytes, CSVIN_HEADER_MIN) — lines in order), the
 * SHA-256 after csvin_drain against the hash of the whole input, and the
 * header checks ingest makes (kind, duplicate and `_` columns). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "csvin.h"
#include "sha256.h"

static const size_t max_fields[8] = {1, 2, 3, 4, 7, 16, 100, 1024};
static const size_t max_pieces[8] = {1, 2, 3, 5, 8, 17, 64, 4096};

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL)
			abort();
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* v in decimal, then the byte after */
static void buf_num(struct buf *b, long v, char after)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof tmp, "%ld%c", v, after);
	buf_add(b, tmp, (size_t)n);
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_csvin: %s\n", what);
	abort();
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Header rules of jobs/ingest.c (kind by column, duplicates): cheap, and
 * they must cope with whatever the reader hands out. */
static void header_checks(const struct csvin_row *h)
{
	int kind = 0;
	for (size_t i = 0; i < h->nfields; i++) {
		const char *name = h->fields[i];
		if (strcmp(name, "action") == 0)
			kind |= 1;
		else if (strcmp(name, "purchase_request_id") == 0)
			kind |= 2;
		else if (strcmp(name, "amount") == 0)
			kind |= 4;
		for (size_t j = 0; j < i; j++)
			if (strcmp(h->fields[i], h->fields[j]) == 0)
				break;
	}
	(void)kind;
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t need;
		unsigned char lo = 0x80, hi = 0xbf;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			if (c == 0xf4)
				hi = 0x8f;
		} else {
			return 0;
		}
		if (i + need >= n)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k <= need; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += need + 1;
	}
	return 1;
}

struct result {
	struct buf text;      /* transcript: the rows */
	char why[32];         /* csvin_failure after -1 */
	char msg[ERROR_MSG_MAX];
	long fail_line;       /* the line in the message, 0 if none */
	int rc;               /* last csvin_next: 0 end, -1 failure */
	int any_cut;          /* some field was too long */
	char sha[65];
	uint64_t bytes;
	size_t rows;
};

/* Reads fd to its end with csvin; fills res. */
static void read_all(int fd, size_t max_field, size_t nlines, struct result *res, int headers)
{
	struct csvin *r = NULL;
	struct csvin_row row;
	struct error err;
	memset(res, 0, sizeof *res);
	error_clear(&err);
	if (csvin_open(&r, fd, "fuzz.csv", max_field, &err) != 0)
		fail("csvin_open failed");
	long last_line = 0;
	int rc;
	while ((rc = csvin_next(r, &row, &err)) == 1) {
		if (row.nfields == 0)
			fail("a row without fields");
		if (row.line < 1 || row.line < last_line || (size_t)row.line > nlines)
			fail("row line out of order or past the end");
		last_line = row.line;
		if (res->rows == 0 && headers)
			header_checks(&row);
		/* the first row is a header: its cells may be longer */
		size_t limit = max_field;
		if (res->rows == 0 && limit < CSVIN_HEADER_MIN)
			limit = CSVIN_HEADER_MIN;
		res->rows++;
		buf_num(&res->text, row.line, ':');
		for (size_t i = 0; i < row.nfields; i++) {
			size_t n = row.lens[i];
			const char *f = row.fields[i];
			if (strlen(f) != n)
				fail("field length differs from strlen (NUL inside?)");
			if (n > limit)
				fail("field longer than max_field_bytes");
			if (!utf8_ok((const unsigned char *)f, n))
				fail("a field is not valid UTF-8 (cut inside a character?)");
			if (row.too_long[i]) {
				/* its first max_field_bytes, less the bytes of a
				 * character that would be cut */
				res->any_cut = 1;
				if (n + 3 < limit)
					fail("a too-long field holds too little");
			} else if (n > 0 && (is_blank(f[0]) || is_blank(f[n - 1]))) {
				fail("field not trimmed");
			}
			if (i > 0)
				buf_add(&res->text, "|", 1);
			buf_num(&res->text, (long)n, '=');
			buf_add(&res->text, f, n);
			if (row.too_long[i])
				buf_add(&res->text, "!", 1);
		}
		buf_add(&res->text, "\n", 1);
	}
	res->rc = rc;
	if (rc < 0) {
		const char *why = csvin_failure(r);
		if (err.code == 0 || err.msg[0] == '\0' || why == NULL || why[0] == '\0')
			fail("failure without a code, message or reason");
		if (strchr(err.msg, '\n') || strchr(err.msg, '\r'))
			fail("failure message is not one line");
		snprintf(res->why, sizeof res->why, "%s", why);
		snprintf(res->msg, sizeof res->msg, "%s", err.msg);
		if (strncmp(err.msg, "fuzz.csv:", 9) == 0)
			res->fail_line = strtol(err.msg + 9, NULL, 10);
		/* Once failed, always failed. */
		struct error again;
		error_clear(&again);
		if (csvin_next(r, &row, &again) != -1 || strcmp(again.msg, err.msg) != 0)
			fail("csvin_next after a failure did not repeat it");
	} else if (csvin_next(r, &row, &err) != 0) {
		fail("csvin_next after the end did not return 0 again");
	}
	if (csvin_drain(r, &err) != 0)
		fail("csvin_drain failed");
	csvin_sha256_hex(r, res->sha);
	res->bytes = csvin_bytes(r);
	csvin_close(r);
}

static int memfd_with(const uint8_t *data, size_t n)
{
	int fd = memfd_create("fuzz_csvin", MFD_CLOEXEC);
	if (fd < 0)
		fail("memfd_create");
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, data + off, n - off);
		if (w <= 0)
			fail("write memfd");
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		fail("lseek");
	return fd;
}

struct writer {
	int fd;
	const uint8_t *data;
	size_t n, piece_max;
	uint32_t seed;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	uint32_t x = w->seed * 2654435761u + 1;
	size_t off = 0;
	while (off < w->n) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		size_t len = 1 + x % w->piece_max;
		if (len > w->n - off)
			len = w->n - off;
		if (send(w->fd, w->data + off, len, MSG_NOSIGNAL) != (ssize_t)len)
			break; /* the reader gave up: its result says why */
		off += len;
	}
	close(w->fd);
	return NULL;
}

static void sha_of(const uint8_t *data, size_t n, char out[65])
{
	struct sha256 c;
	sha256_begin(&c);
	sha256_feed(&c, data, n);
	sha256_end_hex(&c, out);
}

/* Lines end at LF, CR LF or a CR alone (SPEC §4.3). */
static size_t count_lines(const uint8_t *data, size_t n)
{
	size_t lines = 1;
	for (size_t i = 0; i < n; i++)
		lines += data[i] == '\r' || (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'));
	return lines;
}

/* Rows of a transcript written back as CSV with every field quoted. */
static void requote(const struct buf *t, struct buf *out)
{
	const char *p = t->p, *end = t->p + t->len;
	while (p < end) {
		p = strchr(p, ':') + 1; /* skip "line:" */
		for (int first = 1;; first = 0) {
			char *eq;
			long n = strtol(p, &eq, 10);
			p = eq + 1;
			if (!first)
				buf_add(out, ",", 1);
			buf_add(out, "\"", 1);
			for (long i = 0; i < n; i++) {
				if (p[i] == '"')
					buf_add(out, "\"", 1);
				buf_add(out, p + i, 1);
			}
			buf_add(out, "\"", 1);
			p += n;
			if (*p == '\n') {
				p++;
				break;
			}
			p++; /* '|' */
		}
		buf_add(out, "\n", 1);
	}
}

/* The transcript without its "line:" prefixes. */
static void strip_lines(const struct buf *t, struct buf *out)
{
	const char *p = t->p, *end = t->p + t->len;
	while (p < end) {
		p = strchr(p, ':') + 1;
		for (;;) {
			char *eq;
			long n = strtol(p, &eq, 10);
			buf_add(out, p, (size_t)(eq - p) + 1 + (size_t)n);
			p = eq + 1 + n;
			buf_add(out, p, 1);
			if (*p++ == '\n')
				break;
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t max_field = max_fields[data[0] & 7];
	size_t piece_max = max_pieces[(data[0] >> 3) & 7];
	/* at most about 512 messages: tiny pieces over a large input cost
	 * time and find nothing more than at a few hundred random places */
	if (piece_max < (size - 2) / 256)
		piece_max = (size - 2) / 256;
	const uint8_t *csv = data + 2;
	size_t n = size - 2;
	size_t nlines = count_lines(csv, n);
	char want_sha[65];
	sha_of(csv, n, want_sha);

	/* A: a memfd, as from a regular file. */
	struct result a;
	int fd = memfd_with(csv, n);
	read_all(fd, max_field, nlines, &a, 1);
	close(fd);
	if (strcmp(a.sha, want_sha) != 0 || a.bytes != n)
		fail("A: the hash after csvin_drain is not the hash of the whole input");

	/* B: a socket that returns the input in small messages. */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		fail("socketpair");
	struct writer w = {sv[0], csv, n, piece_max, data[1]};
	pthread_t th;
	if (pthread_create(&th, NULL, writer_main, &w) != 0)
		fail("pthread_create");
	struct result b;
	read_all(sv[1], max_field, nlines, &b, 0);
	close(sv[1]);
	pthread_join(th, NULL);
	if (strcmp(b.sha, want_sha) != 0 || b.bytes != n)
		fail("B: the hash after csvin_drain is not the hash of the whole input");
	/* The rows and the outcome must be the same. Known and accepted: when
	 * one line holds both a stray quote and a later NUL or bad UTF-8
	 * byte, which of the two is reported depends on where reads end
	 * (bytes are checked a line, or a read, at a time before parsing);
	 * the file is rejected whole on the same line either way. */
	int same_fault = strcmp(a.msg, b.msg) == 0 && strcmp(a.why, b.why) == 0;
	if (!same_fault && a.rc < 0 && b.rc < 0 && a.fail_line == b.fail_line &&
	    (strcmp(a.why, "BAD_CSV") == 0 || strcmp(b.why, "BAD_CSV") == 0) &&
	    strcmp(a.why, "NO_MEMORY") != 0 && strcmp(b.why, "NO_MEMORY") != 0)
		same_fault = 1;
	if (a.rc != b.rc || a.text.len != b.text.len || !same_fault ||
	    (a.text.len > 0 && memcmp(a.text.p, b.text.p, a.text.len) != 0)) {
		fprintf(stderr, "whole reads:\n%s\nERR %s %s\nsplit reads (pieces up to %zu):\n%s\nERR %s %s\n",
			a.text.p ? a.text.p : "", a.why, a.msg, piece_max,
			b.text.p ? b.text.p : "", b.why, b.msg);
		fail("the same bytes read in other pieces gave other rows");
	}

	/* C: rows written back quoted read back the same. */
	if (a.rc == 0 && !a.any_cut && a.rows > 0) {
		struct buf q = {0}, s1 = {0}, s2 = {0};
		requote(&a.text, &q);
		struct result c;
		fd = memfd_with((const uint8_t *)q.p, q.len);
		read_all(fd, max_field, count_lines((const uint8_t *)q.p, q.len), &c, 0);
		close(fd);
		strip_lines(&a.text, &s1);
		if (c.rc == 0)
			strip_lines(&c.text, &s2);
		if (c.rc != 0 || s1.len != s2.len || (s1.len > 0 && memcmp(s1.p, s2.p, s1.len) != 0)) {
			fprintf(stderr, "rows:\n%s\nwritten back:\n%s\nread again:\n%s\n", a.text.p,
				q.p, c.text.p ? c.text.p : "");
			fail("rows written back with quotes read back differently");
		}
		free(q.p);
		free(s1.p);
		free(s2.p);
		free(c.text.p);
	}
	free(a.text.p);
	free(b.text.p);
	return 0;
}
