/* sha256.h — SHA-256 (FIPS 180-4), streamed: init, update any number of
 * times, final. Used to recognise a file by its content (SPEC §4.2).
 * Not for: passwords, MACs or anything needing a keyed or slow hash. */
#ifndef MEMBERSHIP_SHA256_H
#define MEMBERSHIP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t h[8];      /* chaining state */
	uint64_t nbytes;    /* message length so far */
	uint8_t buf[64];    /* partial block */
	size_t nbuf;        /* bytes in buf */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
/* Writes the digest; c must be initialised again before reuse. */
void sha256_final(struct sha256 *c, uint8_t out[32]);
/* Which block function runs: on > 0 the SHA-NI one when the processor has
 * it, 0 the portable one, < 0 only ask. Returns 1 when SHA-NI is in use.
 * The first hash picks SHA-NI by itself; tests switch to check both. */
int sha256_use_accel(int on);
/* 64 lowercase hex digits and a NUL. */
void sha256_hex(const uint8_t in[32], char out[65]);

#endif
