/* csvin.h — the only CSV reader: libcsv in strict mode behind a pull API.
 * Streams a file descriptor in fixed-size chunks (memory does not grow with
 * the file), skips a leading UTF-8 BOM, accepts LF and CRLF, reports the
 * line each row starts on, trims spaces around every field (quoted or not),
 * and rejects the whole input on NUL bytes, invalid UTF-8 or broken quoting.
 * It also hashes every byte read (SHA-256) so a file is recognised later.
 * Not for: knowing what the columns mean (that is ingest's). */
#ifndef MEMBERSHIP_CSVIN_H
#define MEMBERSHIP_CSVIN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct csvin;

#define CSVIN_MAX_FIELDS 4096 /* kept of a row; more are counted only */
#define CSVIN_HEADER_MIN 256  /* a header cell's limit, at the least */

struct csvin_row {
	size_t nfields;
	char **fields;           /* NUL-terminated copies, valid until the next call */
	size_t *lens;            /* byte lengths */
	unsigned char *too_long; /* per field: 1 when longer than max_field_bytes
				    (the field then holds only its first bytes) */
	long line;               /* 1-based line of the file on which the row starts */
	int more_fields;         /* it had more fields than the 4096 kept in fields */
};

/* Start reading fd (not closed by csvin). name is used in messages. Fields
 * longer than max_field_bytes are cut and flagged too_long; in the first
 * row (a header) only those longer than max(max_field_bytes, 256). */
int csvin_open(struct csvin **out, int fd, const char *name, size_t max_field_bytes,
	       struct error *err);

/* 1: a row in *row; 0: end of input; -1: the input is not acceptable CSV
 * (err: EX_DATAERR, message "name:line: why"; err->code set). After -1 or 0
 * call csvin_drain to finish the hash. */
int csvin_next(struct csvin *r, struct csvin_row *row, struct error *err);

/* A short machine reason for the last -1 of csvin_next: "NUL_BYTE",
 * "INVALID_UTF8", "BAD_CSV" (broken quoting), or, for
 * failures of the machine rather than the file, "READ_ERROR" (EX_IOERR)
 * and "NO_MEMORY"; "" before any failure. Rows returned before a -1 are
 * not retracted: the caller applies nothing until csvin_next returns 0. */
const char *csvin_failure(const struct csvin *r);

/* Read and hash whatever is left of the input; -1 on read errors (EX_IOERR). */
int csvin_drain(struct csvin *r, struct error *err);

/* SHA-256 of all bytes read so far, as 64 lowercase hex digits and a NUL. */
void csvin_sha256_hex(struct csvin *r, char out[65]);

/* Bytes consumed so far (for progress). */
uint64_t csvin_bytes(const struct csvin *r);

void csvin_close(struct csvin *r);

#endif
