/* csvin.c — libcsv (strict) behind a pull API, with bounded memory.
 * The file is read in fixed chunks and fed to libcsv one line at a time, so
 * that each row's start line is known and at most one row completes per
 * piece. Field bytes go through one accumulator that trims, truncates and
 * measures them the same way whether libcsv hands them over whole or we
 * drain its buffer between pieces. Not for: column meaning (ingest's). */
#include "csvin.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "utf8.h"

#define CSVIN_CHUNK_BYTES (64 * 1024) /* one read; also the largest piece fed */
#define CSVIN_ARENA_MIN   4096
#define CSVIN_STR(x)      CSVIN_STR2(x)
#define CSVIN_STR2(x)     #x

/* libcsv's parser states (libcsv.c); pstate is a public field. */
#define CSVIN_ROW_NOT_BEGUN          0
#define CSVIN_FIELD_BEGUN            2
#define CSVIN_FIELD_MIGHT_HAVE_ENDED 3

enum csvin_state { CSVIN_READING, CSVIN_DONE, CSVIN_FAILED };

struct csvin {
	int fd;
	char *name;
	size_t max_field;      /* the limit of the row being read */
	size_t max_field_rows; /* the limit after the first row (the header) */

	struct csv_parser parser;
	int parser_live; /* csv_init done, csv_free due */
	int fini_done;   /* csv_fini called: nothing more will come */
	enum csvin_state state;
	const char *failure;
	struct error saved; /* the failure, repeated on later calls */

	struct sha256 sha;
	uint64_t nbytes;
	unsigned char *chunk;
	size_t chunk_len, chunk_pos;
	int eof;
	int at_start; /* BOM not looked for yet */

	struct utf8_stream utf8; /* where the bytes so far leave a character */

	long line;       /* line of the next byte fed (1-based) */
	int after_cr;    /* the last byte fed was a CR: an LF next ends no line */
	long row_line;   /* line the row being built started on */
	long quote_line; /* line the open quoted field started on */

	/* The row being built: field bytes and NULs in one arena. */
	char *arena;
	size_t arena_len, arena_cap;
	size_t nfields, fields_cap;
	int more_fields; /* the row has more than CSVIN_MAX_FIELDS fields */
	size_t *offs;
	size_t *lens;
	unsigned char *too_long;
	char **ptrs;
	int row_ready; /* libcsv ended a row; not handed out yet */
	int row_given; /* a row was handed out; reset before building */

	/* The field being accumulated (see csvin_field_add). */
	int acc_open;
	int acc_text;      /* a non-blank byte was seen */
	size_t acc_start;  /* its first byte in the arena */
	size_t acc_kept;   /* bytes stored (at most max_field) */
	size_t acc_len;    /* length up to its last non-blank byte */
	size_t acc_blanks; /* blanks after that, not yet known to be inner */

	/* Set by callbacks, which cannot stop libcsv. */
	int cb_failed;
	int cb_code;
	long cb_line;
	const char *cb_why;
	const char *cb_failure;
};

static int csvin_is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int csvin_fail(struct csvin *r, struct error *err, int code, const char *failure, long line,
		      const char *why)
{
	r->state = CSVIN_FAILED;
	r->failure = failure;
	if (line > 0)
		error_set(&r->saved, code, "%s:%ld: %s", r->name, line, why);
	else
		error_set(&r->saved, code, "%s: %s", r->name, why);
	if (r->parser_live && !r->fini_done) {
		/* The parser state is corrupt: let fini reset it, report nothing. */
		csv_fini(&r->parser, NULL, NULL, NULL);
		r->fini_done = 1;
	}
	return error_set(err, r->saved.code, "%s", r->saved.msg);
}

static int csvin_arena_reserve(struct csvin *r, size_t extra)
{
	if (r->arena_cap - r->arena_len >= extra)
		return 0;
	size_t cap = r->arena_cap ? r->arena_cap : CSVIN_ARENA_MIN;
	while (cap - r->arena_len < extra) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	char *p = realloc(r->arena, cap);
	if (p == NULL)
		return -1;
	r->arena = p;
	r->arena_cap = cap;
	return 0;
}

static void csvin_cb_fail(struct csvin *r, int code, const char *failure, const char *why)
{
	if (r->cb_failed)
		return;
	r->cb_failed = 1;
	r->cb_code = code;
	r->cb_failure = failure;
	r->cb_why = why;
	r->cb_line = r->row_line;
}

/* Append field bytes. Leading blanks are dropped, trailing ones held back
 * (counted, and stored only while within the limit) until a non-blank byte
 * shows they are inside the value; at most max_field bytes are stored, but
 * the length is counted in full so that too_long is exact. */
static void csvin_field_add(struct csvin *r, const unsigned char *s, size_t n)
{
	if (r->cb_failed)
		return;
	if (!r->acc_open) {
		r->acc_open = 1;
		r->acc_text = 0;
		r->acc_start = r->arena_len;
		r->acc_kept = r->acc_len = r->acc_blanks = 0;
	}
	size_t room = r->max_field - r->acc_kept;
	if (csvin_arena_reserve(r, (n < room ? n : room) + 1) != 0) {
		csvin_cb_fail(r, EX_OSERR, "NO_MEMORY", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		int blank = csvin_is_blank(c);
		if (blank && !r->acc_text)
			continue;
		r->acc_text = 1;
		if (r->acc_kept < r->max_field) {
			r->arena[r->arena_len++] = (char)c;
			r->acc_kept++;
		}
		if (blank) {
			r->acc_blanks++;
		} else {
			r->acc_len += r->acc_blanks + 1;
			r->acc_blanks = 0;
		}
	}
}

static int csvin_fields_grow(struct csvin *r)
{
	size_t cap = r->fields_cap ? r->fields_cap * 2 : 16;
	if (cap > CSVIN_MAX_FIELDS)
		cap = CSVIN_MAX_FIELDS;
	size_t *offs = realloc(r->offs, cap * sizeof *offs);
	if (offs == NULL)
		return -1;
	r->offs = offs;
	size_t *lens = realloc(r->lens, cap * sizeof *lens);
	if (lens == NULL)
		return -1;
	r->lens = lens;
	unsigned char *tl = realloc(r->too_long, cap);
	if (tl == NULL)
		return -1;
	r->too_long = tl;
	char **ptrs = realloc(r->ptrs, cap * sizeof *ptrs);
	if (ptrs == NULL)
		return -1;
	r->ptrs = ptrs;
	r->fields_cap = cap;
	return 0;
}

/* libcsv: a field ended; s holds what is left of it since the last drain. */
static void csvin_on_field(void *s, size_t n, void *data)
{
	struct csvin *r = data;
	if (r->cb_failed)
		return;
	if (r->nfields >= CSVIN_MAX_FIELDS) {
		/* Counted, not kept: the row is still read to its end, and
		 * rejected by its caller (a row that wide fits no header). */
		r->more_fields = 1;
		if (r->acc_open)
			r->arena_len = r->acc_start;
		r->acc_open = 0;
		return;
	}
	if (r->nfields == r->fields_cap && csvin_fields_grow(r) != 0) {
		csvin_cb_fail(r, EX_OSERR, "NO_MEMORY", "out of memory");
		return;
	}
	csvin_field_add(r, s, s != NULL ? n : 0);
	if (r->cb_failed)
		return;

	size_t len = r->acc_len < r->max_field ? r->acc_len : r->max_field;
	if (r->acc_len > r->max_field) {
		/* A cut field ends on a character boundary, so what is kept of
		 * it (echoed into a rejects file) is still valid UTF-8. */
		const unsigned char *f = (const unsigned char *)r->arena + r->acc_start;
		size_t lead = len;
		while (lead > 0 && len - lead < 4 && (f[lead - 1] & 0xc0) == 0x80)
			lead--;
		if (lead > 0) {
			unsigned char c = f[lead - 1];
			size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
			if (lead - 1 + want > len)
				len = lead - 1;
		}
	}
	r->arena_len = r->acc_start + len;
	r->arena[r->arena_len++] = '\0'; /* reserved by csvin_field_add */
	r->offs[r->nfields] = r->acc_start;
	r->lens[r->nfields] = len;
	r->too_long[r->nfields] = r->acc_len > r->max_field;
	r->nfields++;
	r->acc_open = 0;
}

/* libcsv: a row ended. */
static void csvin_on_row(int c, void *data)
{
	struct csvin *r = data;
	(void)c;
	if (!r->cb_failed)
		r->row_ready = 1;
}

/* Move the bytes libcsv holds for an unfinished field into the accumulator
 * and shrink its buffer, so that a huge field costs at most one piece of
 * memory there. Every byte moved is certain to belong to the field, except
 * the blanks of an unquoted field, which the accumulator holds back just as
 * libcsv would. After a closing-quote candidate only that quote and one
 * blank are kept: further blanks change nothing (the next byte either ends
 * the field, dropping them, or is an error whatever their number). */
static void csvin_parser_drain(struct csvin *r)
{
	struct csv_parser *p = &r->parser;
	if (p->entry_pos == 0)
		return;
	if (p->pstate == CSVIN_FIELD_BEGUN) {
		csvin_field_add(r, p->entry_buf, p->entry_pos);
		p->entry_pos = 0;
		p->spaces = 0;
	} else if (p->pstate == CSVIN_FIELD_MIGHT_HAVE_ENDED) {
		size_t quote_at = p->entry_pos - p->spaces - 1;
		size_t keep_blanks = p->spaces > 0 ? 1 : 0;
		csvin_field_add(r, p->entry_buf, quote_at);
		memmove(p->entry_buf, p->entry_buf + quote_at, 1 + keep_blanks);
		p->entry_pos = 1 + keep_blanks;
		p->spaces = keep_blanks;
	}
}

/* Read one chunk (at the start: until the three bytes a BOM needs, or EOF). */
static int csvin_fill(struct csvin *r, struct error *err)
{
	r->chunk_len = r->chunk_pos = 0;
	for (;;) {
		ssize_t got =
			read(r->fd, r->chunk + r->chunk_len, CSVIN_CHUNK_BYTES - r->chunk_len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r->state = CSVIN_FAILED;
			r->failure = "READ_ERROR";
			error_set(&r->saved, EX_IOERR, "%s: read: %s", r->name, strerror(errno));
			return error_set(err, r->saved.code, "%s", r->saved.msg);
		}
		if (got == 0) {
			r->eof = 1;
			break;
		}
		sha256_feed(&r->sha, r->chunk + r->chunk_len, (size_t)got);
		r->nbytes += (uint64_t)got;
		r->chunk_len += (size_t)got;
		if (!r->at_start || r->chunk_len >= 3)
			break;
	}
	if (r->at_start) {
		r->at_start = 0;
		if (r->chunk_len >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0)
			r->chunk_pos = 3;
	}
	return 0;
}

/* NULL: byte accepted; else the failure code. */
static const char *csvin_utf8_step(struct csvin *r, unsigned char c)
{
	if (c == 0)
		return "NUL_BYTE";
	return utf8_stream_byte(&r->utf8, c) == 0 ? NULL : "INVALID_UTF8";
}

/* Validate and feed the next piece of the chunk: up to and including the
 * next LF or CR, so that at most one row ends per piece. A line ends at LF,
 * CR LF or a CR alone (SPEC §4.3): the LF of a CR LF ends none of its own. */
static int csvin_feed_piece(struct csvin *r, struct error *err)
{
	const unsigned char *s = r->chunk + r->chunk_pos;
	size_t avail = r->chunk_len - r->chunk_pos;
	size_t n = 0;
	int ends_line = 0;
	while (n < avail) {
		unsigned char c = s[n++];
		const char *bad = csvin_utf8_step(r, c);
		if (bad != NULL)
			return csvin_fail(r, err, EX_DATAERR, bad, r->line,
					  strcmp(bad, "NUL_BYTE") == 0 ? "NUL byte"
								       : "invalid UTF-8");
		if (c == '\n') {
			ends_line = !(n == 1 && r->after_cr);
			break;
		}
		if (c == '\r') {
			ends_line = 1;
			break;
		}
	}
	r->after_cr = n > 0 && s[n - 1] == '\r';
	r->chunk_pos += n;

	struct csv_parser *p = &r->parser;
	csvin_parser_drain(r);
	if (r->cb_failed)
		goto out;
	if (p->pstate == CSVIN_ROW_NOT_BEGUN)
		r->row_line = r->line;
	int was_quoted =
		(p->pstate == CSVIN_FIELD_BEGUN || p->pstate == CSVIN_FIELD_MIGHT_HAVE_ENDED) &&
		p->quoted;
	size_t fields_before = r->nfields;

	size_t used = csv_parse(p, s, n, csvin_on_field, csvin_on_row, r);
	if (r->cb_failed)
		goto out;
	if (used < n) {
		if (csv_error(p) == CSV_EPARSE)
			return csvin_fail(r, err, EX_DATAERR, "BAD_CSV", r->line,
					  "bad CSV quoting (a stray quote)");
		return csvin_fail(r, err, EX_OSERR, "NO_MEMORY", r->line, "out of memory");
	}
	if ((p->pstate == CSVIN_FIELD_BEGUN || p->pstate == CSVIN_FIELD_MIGHT_HAVE_ENDED) &&
	    p->quoted && (!was_quoted || r->nfields != fields_before || r->row_ready))
		r->quote_line = r->line;
	if (ends_line)
		r->line++;
out:
	if (r->cb_failed)
		return csvin_fail(r, err, r->cb_code, r->cb_failure, r->cb_line, r->cb_why);
	return 0;
}

static int csvin_finish(struct csvin *r, struct error *err)
{
	if (utf8_stream_pending(&r->utf8))
		return csvin_fail(r, err, EX_DATAERR, "INVALID_UTF8", r->line, "invalid UTF-8");
	csvin_parser_drain(r);
	if (r->cb_failed)
		return csvin_fail(r, err, r->cb_code, r->cb_failure, r->cb_line, r->cb_why);
	int rc = csv_fini(&r->parser, csvin_on_field, csvin_on_row, r);
	if (rc != 0) {
		/* Only an unterminated quote makes csv_fini fail (and it then
		 * keeps its state; csv_free is all that is left to do).
		 * Report the line where that quote was opened. */
		r->fini_done = 1;
		return csvin_fail(r, err, EX_DATAERR, "BAD_CSV", r->quote_line,
				  "unterminated quoted field");
	}
	r->fini_done = 1;
	if (r->cb_failed)
		return csvin_fail(r, err, r->cb_code, r->cb_failure, r->cb_line, r->cb_why);
	return 0;
}

int csvin_open(struct csvin **out, int fd, const char *name, size_t max_field_bytes,
	       struct error *err)
{
	int rc = -1;
	struct csvin *r = calloc(1, sizeof *r);
	if (r == NULL) {
		error_set(err, EX_OSERR, "%s: out of memory", name);
		goto out;
	}
	r->fd = fd;
	r->max_field_rows = max_field_bytes;
	r->max_field = max_field_bytes < CSVIN_HEADER_MIN ? CSVIN_HEADER_MIN : max_field_bytes;
	r->line = 1;
	r->row_line = 1;
	r->quote_line = 1;
	r->at_start = 1;
	r->failure = "";
	r->state = CSVIN_READING;
	sha256_begin(&r->sha);

	/* A copy of the name without control characters: messages are one line. */
	size_t nlen = strlen(name);
	r->name = malloc(nlen + 1);
	r->chunk = malloc(CSVIN_CHUNK_BYTES);
	if (r->name == NULL || r->chunk == NULL) {
		error_set(err, EX_OSERR, "%s: out of memory", name);
		goto out;
	}
	for (size_t i = 0; i < nlen; i++) {
		unsigned char c = (unsigned char)name[i];
		r->name[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	r->name[nlen] = '\0';

	if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		error_set(err, EX_SOFTWARE, "%s: csv_init failed", r->name);
		goto out;
	}
	r->parser_live = 1;
	csv_set_space_func(&r->parser, csvin_is_blank);
	csv_set_blk_size(&r->parser, 4096);
	rc = 0;
out:
	if (rc != 0) {
		csvin_close(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

int csvin_next(struct csvin *r, struct csvin_row *row, struct error *err)
{
	if (r->state == CSVIN_FAILED)
		return error_set(err, r->saved.code, "%s", r->saved.msg);
	if (r->state == CSVIN_DONE)
		return 0;
	if (r->row_given) {
		/* The last row ended at a line end: nothing of this one has
		 * been read yet, so the rows' limit applies to all of it. */
		r->row_given = 0;
		r->nfields = 0;
		r->more_fields = 0;
		r->arena_len = 0;
		r->max_field = r->max_field_rows;
	}
	for (;;) {
		if (r->row_ready) {
			r->row_ready = 0;
			r->row_given = 1;
			for (size_t i = 0; i < r->nfields; i++)
				r->ptrs[i] = r->arena + r->offs[i];
			row->nfields = r->nfields;
			row->fields = r->ptrs;
			row->lens = r->lens;
			row->too_long = r->too_long;
			row->line = r->row_line;
			row->more_fields = r->more_fields;
			return 1;
		}
		if (r->fini_done) {
			r->state = CSVIN_DONE;
			return 0;
		}
		if (r->chunk_pos < r->chunk_len) {
			if (csvin_feed_piece(r, err) != 0)
				return -1;
		} else if (!r->eof) {
			if (csvin_fill(r, err) != 0)
				return -1;
		} else if (csvin_finish(r, err) != 0) {
			return -1;
		}
	}
}

const char *csvin_failure(const struct csvin *r)
{
	return r->failure;
}

int csvin_drain(struct csvin *r, struct error *err)
{
	while (!r->eof) {
		ssize_t got = read(r->fd, r->chunk, CSVIN_CHUNK_BYTES);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return error_set(err, EX_IOERR, "%s: read: %s", r->name, strerror(errno));
		}
		if (got == 0) {
			r->eof = 1;
			break;
		}
		sha256_feed(&r->sha, r->chunk, (size_t)got);
		r->nbytes += (uint64_t)got;
	}
	/* Whatever was read but not parsed is given up. */
	r->chunk_pos = r->chunk_len = 0;
	if (r->state == CSVIN_READING) {
		r->state = CSVIN_DONE;
		if (r->parser_live && !r->fini_done) {
			csv_fini(&r->parser, NULL, NULL, NULL);
			r->fini_done = 1;
		}
	}
	return 0;
}

void csvin_sha256_hex(struct csvin *r, char out[65])
{
	sha256_end_hex(&r->sha, out);
}

uint64_t csvin_bytes(const struct csvin *r)
{
	return r->nbytes;
}

void csvin_close(struct csvin *r)
{
	if (r == NULL)
		return;
	if (r->parser_live)
		csv_free(&r->parser);
	free(r->name);
	free(r->chunk);
	free(r->arena);
	free(r->offs);
	free(r->lens);
	free(r->too_long);
	free(r->ptrs);
	free(r);
}
