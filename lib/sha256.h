/* sha256.h — SHA-256 of a stream, to recognise a file by its content
 * (SPEC §4.2): a thin layer over the system's nettle (which picks SHA-NI
 * where the processor has it), so callers need not follow nettle's API
 * changes. Not for: passwords, MACs or anything needing a keyed hash. */
#ifndef MEMBERSHIP_SHA256_H
#define MEMBERSHIP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>
#include <nettle/version.h>

#define SHA256_DIGEST_LEN SHA256_DIGEST_SIZE
#define SHA256_HEX_LEN    (2 * SHA256_DIGEST_LEN)

struct sha256 {
	struct sha256_ctx ctx;
};

static inline void sha256_begin(struct sha256 *c)
{
	sha256_init(&c->ctx);
}

static inline void sha256_feed(struct sha256 *c, const void *data, size_t n)
{
	sha256_update(&c->ctx, n, (const uint8_t *)data);
}

/* The digest of what was fed so far, as 64 lowercase hex digits and a NUL;
 * c is left as it was, so feeding may go on. */
static inline void sha256_end_hex(const struct sha256 *c, char out[SHA256_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx copy = c->ctx; /* nettle's digest resets its context */
	uint8_t d[SHA256_DIGEST_LEN];
#if NETTLE_VERSION_MAJOR > 3 || (NETTLE_VERSION_MAJOR == 3 && NETTLE_VERSION_MINOR >= 10)
	sha256_digest(&copy, d); /* nettle 3.10 dropped the length */
#else
	sha256_digest(&copy, sizeof d, d);
#endif
	for (size_t i = 0; i < sizeof d; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[SHA256_HEX_LEN] = '\0';
}

#endif
