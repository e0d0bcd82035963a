/* test_sha256.c — the SHA-256 layer over nettle against the FIPS 180-2 /
 * NIST example vectors ("abc", empty, a million 'a'), fed whole and in
 * awkward pieces (block and padding boundaries), and its digest taken
 * midway without disturbing the stream. */
#include <check.h>
#include <string.h>

#include "sha256.h"
#include "unit.h"

static void digest_hex(const void *data, size_t n, size_t piece, char out[65])
{
	struct sha256 c;
	const unsigned char *p = data;
	sha256_begin(&c);
	if (piece == 0)
		piece = n ? n : 1;
	for (size_t off = 0; off < n; off += piece)
		sha256_feed(&c, p + off, n - off < piece ? n - off : piece);
	sha256_end_hex(&c, out);
}

static const struct {
	const char *in;
	const char *hex;
} vectors[] = {
	{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrl"
	 "mnopqrsmnopqrstnopqrstu",
	 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
};

START_TEST(test_vectors)
{
	char hex[65];
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

/* The digest of a prefix leaves the stream as it was: the whole is still
 * right afterwards (csvin asks for the hash of what it read so far). */
START_TEST(test_midway)
{
	char hex[65];
	struct sha256 c;
	sha256_begin(&c);
	sha256_feed(&c, "ab", 2);
	sha256_end_hex(&c, hex);
	ck_assert_str_eq(hex, "fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603");
	sha256_end_hex(&c, hex);
	ck_assert_str_eq(hex, "fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603");
	sha256_feed(&c, "c", 1);
	sha256_end_hex(&c, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(hex[64], '\0');
}
END_TEST

static Suite *sha256_suite(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_million_a);
	tcase_add_test(tc, test_padding_edges);
	tcase_add_test(tc, test_midway);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(sha256_suite, "sha256")
