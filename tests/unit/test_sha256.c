/* test_sha256.c — SHA-256 against the FIPS 180-4 / NIST example vectors,
 * fed whole and in awkward pieces (block and padding boundaries), with the
 * portable block function and (where the processor has it) SHA-NI. */
#include <check.h>
#include <string.h>

#include "sha256.h"
#include "unit.h"

static void digest_hex(const void *data, size_t n, size_t piece, char out[65])
{
	struct sha256 c;
	uint8_t d[32];
	const unsigned char *p = data;
	sha256_init(&c);
	if (piece == 0)
		piece = n ? n : 1;
	for (size_t off = 0; off < n; off += piece)
		sha256_update(&c, p + off, n - off < piece ? n - off : piece);
	sha256_final(&c, d);
	sha256_hex(d, out);
}

static const struct {
	const char *in;
	const char *hex;
} vectors[] = {
	{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
};

START_TEST(test_vectors)
{
	char hex[65];
	sha256_use_accel(_i);
	const size_t pieces[] = {0, 1, 3, 63, 64, 65};
	for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
		for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
			digest_hex(vectors[v].in, strlen(vectors[v].in), pieces[k], hex);
			ck_assert_msg(strcmp(hex, vectors[v].hex) == 0, "vector %zu piece %zu: %s",
				      v, pieces[k], hex);
		}
	}
}
END_TEST

START_TEST(test_million_a)
{
	static char buf[1000000];
	char hex[65];
	sha256_use_accel(_i);
	memset(buf, 'a', sizeof buf);
	digest_hex(buf, sizeof buf, 0, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	digest_hex(buf, sizeof buf, 4099, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(test_padding_edges)
{
	/* 55, 56, 63 and 64 bytes put the length word at the edge of a block;
	 * whole and byte-by-byte feeding must agree. */
	char buf[130], a[65], b[65];
	sha256_use_accel(_i);
	memset(buf, 'x', sizeof buf);
	const size_t lens[] = {55, 56, 57, 63, 64, 65, 119, 120, 128};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		digest_hex(buf, lens[i], 0, a);
		digest_hex(buf, lens[i], 1, b);
		ck_assert_str_eq(a, b);
	}
	digest_hex(buf, 55, 0, a); /* 55 'x', from an independent implementation */
	ck_assert_str_eq(a, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
}
END_TEST

/* Both block functions agree on pseudo-random data of every length up to
 * a few blocks, fed in odd pieces. */
START_TEST(test_accel_same)
{
	static unsigned char buf[4096];
	uint32_t x = 2463534242u; /* xorshift32 */
	for (size_t i = 0; i < sizeof buf; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
	char a[65], b[65];
	for (size_t n = 0; n <= sizeof buf; n += n < 300 ? 1 : 61) {
		sha256_use_accel(0);
		digest_hex(buf, n, 0, a);
		sha256_use_accel(1);
		digest_hex(buf, n, 7, b);
		ck_assert_msg(strcmp(a, b) == 0, "length %zu: %s vs %s", n, a, b);
	}
}
END_TEST

START_TEST(test_hex)
{
	uint8_t in[32];
	char out[65];
	for (int i = 0; i < 32; i++)
		in[i] = (uint8_t)(i * 8 + 7);
	sha256_hex(in, out);
	ck_assert_str_eq(out, "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff");
	ck_assert_int_eq(out[64], '\0');
}
END_TEST

static Suite *sha256_suite(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("core");
	/* _i = 0: portable; 1: SHA-NI where there is one. */
	tcase_add_loop_test(tc, test_vectors, 0, 2);
	tcase_add_loop_test(tc, test_million_a, 0, 2);
	tcase_add_loop_test(tc, test_padding_edges, 0, 2);
	tcase_add_test(tc, test_accel_same);
	tcase_add_test(tc, test_hex);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(sha256_suite, "sha256")
