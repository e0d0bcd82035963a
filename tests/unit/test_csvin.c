/* test_csvin.c — the CSV reader against RELIABILITY D1–D7: BOM, line ends,
 * quoting, line numbers, NUL and UTF-8 checks (also split across reads),
 * trimming, huge fields and rows with bounded memory, and the file hash.
 * Inputs come from unlinked temp files, or from SOCK_SEQPACKET sockets
 * whose every read returns one small message, to split input at will. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "csvin.h"
#include "sha256.h"
#include "unit.h"

#define MAX_FIELD 100

/* An unlinked temp file holding s. */
static int fd_from_bytes(const void *s, size_t n)
{
	char path[] = "/tmp/test_csvin-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	const char *p = s;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		ck_assert_int_gt(w, 0);
		p += w;
		n -= (size_t)w;
	}
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* A socket whose reads return s in messages of at most piece bytes. */
static int fd_from_pieces(const void *s, size_t n, size_t piece)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	int big = 4 << 20;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	const char *p = s;
	for (size_t off = 0; off < n; off += piece) {
		size_t len = n - off < piece ? n - off : piece;
		ck_assert_int_eq(write(sv[0], p + off, len), (ssize_t)len);
	}
	close(sv[0]);
	return sv[1];
}

struct text {
	char buf[1 << 17];
	size_t len;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	ck_assert_uint_lt(t->len + n, sizeof t->buf);
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void text_add_line(struct text *t, long line)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%ld:", line);
	text_add(t, tmp, (size_t)n);
}

/* Reads fd to the end into "line:f1|f2\n" rows (a too-long field gets a
 * trailing !), then "ERR failure message" on -1. Closes fd. */
static int read_text(int fd, size_t max, struct text *t)
{
	struct csvin *r;
	struct csvin_row row;
	struct error err;
	int rc;
	t->len = 0;
	t->buf[0] = '\0';
	ck_assert_int_eq(csvin_open(&r, fd, "t.csv", max, &err), 0);
	while ((rc = csvin_next(r, &row, &err)) == 1) {
		text_add_line(t, row.line);
		for (size_t i = 0; i < row.nfields; i++) {
			if (i > 0)
				text_add(t, "|", 1);
			ck_assert_uint_eq(strlen(row.fields[i]), row.lens[i]);
			text_add(t, row.fields[i], row.lens[i]);
			if (row.too_long[i])
				text_add(t, "!", 1);
		}
		text_add(t, "\n", 1);
	}
	if (rc < 0) {
		ck_assert_int_eq(err.code, EX_DATAERR);
		text_add(t, "ERR ", 4);
		text_add(t, csvin_failure(r), strlen(csvin_failure(r)));
		text_add(t, " ", 1);
		text_add(t, err.msg, strlen(err.msg));
	}
	ck_assert_int_eq(csvin_drain(r, &err), 0);
	csvin_close(r);
	close(fd);
	return rc;
}

/* s read whole from a file and in messages of 1, 2, 3 and 7 bytes must
 * give exactly want. */
static void check_csv(const char *s, size_t n, size_t max, const char *want)
{
	static struct text t;
	read_text(fd_from_bytes(s, n), max, &t);
	ck_assert_msg(strcmp(t.buf, want) == 0, "whole file:\n got [%s]\nwant [%s]", t.buf, want);
	const size_t pieces[] = {1, 2, 3, 7};
	for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		read_text(fd_from_pieces(s, n, pieces[i]), max, &t);
		ck_assert_msg(strcmp(t.buf, want) == 0, "pieces of %zu:\n got [%s]\nwant [%s]",
			      pieces[i], t.buf, want);
	}
}

#define CHECK(lit, want) check_csv(lit, sizeof(lit) - 1, MAX_FIELD, want)

START_TEST(test_basic)
{
	CHECK("", "");
	CHECK("a,b,c\n1,2,3\n", "1:a|b|c\n2:1|2|3\n");
	CHECK("a\n", "1:a\n");
	CHECK(",\n", "1:|\n");
	CHECK("\"\"\n", "1:\n");
}
END_TEST

START_TEST(test_bom)
{
	CHECK("\xEF\xBB\xBF\"action\",\"product_id\"\nadd,p1\n", "1:action|product_id\n2:add|p1\n");
	CHECK("\xEF\xBB\xBF"
	      "a,b\n",
	      "1:a|b\n");
	CHECK("\xEF\xBB\xBF", "");
	/* Only a leading BOM is skipped; U+FF01 (EF BC 81) is not one. */
	CHECK("\xEF\xBC\x81,x\n", "1:\xEF\xBC\x81|x\n");
	CHECK("a\n\xEF\xBB\xBF"
	      "b\n",
	      "1:a\n2:\xEF\xBB\xBF"
	      "b\n");
	CHECK("\xEF\xBB", "ERR INVALID_UTF8 t.csv:1: invalid UTF-8");
}
END_TEST

START_TEST(test_line_ends)
{
	const char *want = "1:id|name\n2:1|x\n3:2|\"y\"\n";
	CHECK("id,name\n1,x\n2,\"\"\"y\"\"\"\n", want);
	CHECK("id,name\r\n1,x\r\n2,\"\"\"y\"\"\"\r\n", want);
	CHECK("id,name\n1,x\n2,\"\"\"y\"\"\"", want);
	CHECK("id,name\r\n1,x\r\n2,\"\"\"y\"\"\"", want);
	CHECK("id,name\r\n1,x\r\n2,\"\"\"y\"\"\"\r", want);
	CHECK("id,name\n1,x\n2,\"\"\"y\"\"\"\n\n\n", want);
	CHECK("a\n1", "1:a\n2:1\n");
	CHECK("a\n1,", "1:a\n2:1|\n");
	/* CR alone ends a line too (SPEC §4.3); LF CR is two line ends. */
	CHECK("id,name\r1,x\r2,\"\"\"y\"\"\"\r", want);
	CHECK("id,name\r1,x\r2,\"\"\"y\"\"\"", want);
	CHECK("a\r\rb\r\r\rc", "1:a\n3:b\n6:c\n");
	CHECK("a\n\rb\r\n\nc\r\r\nd", "1:a\n3:b\n5:c\n7:d\n");
	CHECK("a\r\"x\ry\"\rb\r", "1:a\n2:x\ry\n4:b\n");
}
END_TEST

START_TEST(test_quoting)
{
	CHECK("id,name\n"
	      "1,\"Kim, Minji\"\n"
	      "2,\"say \"\"hi\"\"\"\n"
	      "3,\"two\nlines\"\n"
	      "4,\"한국어 이름\",홍길동\n"
	      "5,\"crlf\r\ninside\"\r\n"
	      "6,\"\n\n\",x\n"
	      "7,\"\"\"\"\n",
	      "1:id|name\n"
	      "2:1|Kim, Minji\n"
	      "3:2|say \"hi\"\n"
	      "4:3|two\nlines\n"
	      "6:4|한국어 이름|홍길동\n"
	      "7:5|crlf\r\ninside\n"
	      "9:6|\n\n|x\n"
	      "12:7|\"\n");
}
END_TEST

START_TEST(test_broken_quotes)
{
	/* Unterminated at the end: the line the quote opened on. */
	CHECK("a,b\n1,2\n3,\"x\ny\n",
	      "1:a|b\n2:1|2\nERR BAD_CSV t.csv:3: unterminated quoted field");
	CHECK("a,b\n\"p\nq\",\"x\ny\n", "1:a|b\nERR BAD_CSV t.csv:3: unterminated quoted field");
	CHECK("\"", "ERR BAD_CSV t.csv:1: unterminated quoted field");
	CHECK("a\n\"x\"\"", "1:a\nERR BAD_CSV t.csv:2: unterminated quoted field");
	/* Stray quotes: the line they are on. */
	CHECK("a,b\n1,x\"y\n2,3\n", "1:a|b\nERR BAD_CSV t.csv:2: bad CSV quoting (a stray quote)");
	CHECK("a\n\"abc\"x\n", "1:a\nERR BAD_CSV t.csv:2: bad CSV quoting (a stray quote)");
	CHECK("a\n\"abc\" \"\n", "1:a\nERR BAD_CSV t.csv:2: bad CSV quoting (a stray quote)");
	CHECK("a\n\"ab\ncd\"e\n", "1:a\nERR BAD_CSV t.csv:3: bad CSV quoting (a stray quote)");
	CHECK("a\nx\"", "1:a\nERR BAD_CSV t.csv:2: bad CSV quoting (a stray quote)");
}
END_TEST

START_TEST(test_ragged)
{
	CHECK("a,b,c\n1,2\n1,2,3,4\n\"x\"\n", "1:a|b|c\n2:1|2\n3:1|2|3|4\n4:x\n");
}
END_TEST

START_TEST(test_nul)
{
	check_csv("a,b\n1,\0\n", 8, MAX_FIELD, "1:a|b\nERR NUL_BYTE t.csv:2: NUL byte");
	check_csv("\0", 1, MAX_FIELD, "ERR NUL_BYTE t.csv:1: NUL byte");
	check_csv("a\n\"x\n\0\"\n", 8, MAX_FIELD, "1:a\nERR NUL_BYTE t.csv:3: NUL byte");
	/* A NUL in place of a continuation byte. */
	check_csv("\xE2\x82\0", 3, MAX_FIELD, "ERR NUL_BYTE t.csv:1: NUL byte");
}
END_TEST

START_TEST(test_utf8)
{
	static const char *const bad[] = {
		"\x80",             /* lone continuation */
		"\xC0\x80",         /* overlong NUL */
		"\xC1\xBF",         /* overlong */
		"\xE0\x80\x80",     /* overlong */
		"\xE0\x9F\xBF",     /* overlong */
		"\xF0\x80\x80\x80", /* overlong */
		"\xF0\x8F\xBF\xBF", /* overlong */
		"\xED\xA0\x80",     /* U+D800 */
		"\xED\xBF\xBF",     /* U+DFFF */
		"\xF4\x90\x80\x80", /* U+110000 */
		"\xF5\x80\x80\x80",
		"\xFF",
		"\xE2\x82",  /* cut short at the end */
		"\xE2\x82,", /* cut short by ASCII */
		"\xE2\x82\n",
		"\xC3\xA9\xA9", /* one continuation too many */
	};
	char buf[32];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int n = snprintf(buf, sizeof buf, "a\nx%s\n", bad[i]);
		check_csv(buf, (size_t)n, MAX_FIELD,
			  "1:a\nERR INVALID_UTF8 t.csv:2: invalid UTF-8");
	}
	CHECK("\xC2\x80,\xDF\xBF,\xE0\xA0\x80,\xED\x9F\xBF,\xEE\x80\x80,\xEF\xBF\xBF,"
	      "\xF0\x90\x80\x80,\xF4\x8F\xBF\xBF\n",
	      "1:\xC2\x80|\xDF\xBF|\xE0\xA0\x80|\xED\x9F\xBF|\xEE\x80\x80|\xEF\xBF\xBF|"
	      "\xF0\x90\x80\x80|\xF4\x8F\xBF\xBF\n");
}
END_TEST

/* A file whose byte 65536 (the first of the second 64 KiB read) is the
 * middle of seq: line 1 "h", line 2 filler then seq then tail. */
static int fd_straddling(const char *seq, size_t seqlen, size_t before, const char *tail)
{
	static char buf[70000];
	size_t boundary = 65536;
	size_t start = boundary - before;
	memcpy(buf, "h\n", 2);
	memset(buf + 2, 'x', start - 2);
	memcpy(buf + start, seq, seqlen);
	size_t n = start + seqlen;
	size_t tl = strlen(tail);
	memcpy(buf + n, tail, tl);
	return fd_from_bytes(buf, n + tl);
}

START_TEST(test_utf8_chunk_boundary)
{
	static struct text t;
	for (size_t before = 1; before <= 3; before++) {
		ck_assert_int_eq(
			read_text(fd_straddling("\xF0\x9F\x98\x80", 4, before, "\n"), 1 << 20, &t),
			0);
		ck_assert_str_eq(t.buf + t.len - 6, "x\xF0\x9F\x98\x80\n");
	}
	for (size_t before = 1; before <= 2; before++) {
		ck_assert_int_eq(
			read_text(fd_straddling("\xED\x95\x9C", 3, before, "\n"), 1 << 20, &t), 0);
		ck_assert_int_eq(
			read_text(fd_straddling("\xED\xA0\x80", 3, before, "\n"), 1 << 20, &t), -1);
		ck_assert_ptr_nonnull(strstr(t.buf, "ERR INVALID_UTF8 t.csv:2: invalid UTF-8"));
		ck_assert_int_eq(
			read_text(fd_straddling("\xE0\x80\x80", 3, before, "\n"), 1 << 20, &t), -1);
		ck_assert_ptr_nonnull(strstr(t.buf, "ERR INVALID_UTF8 t.csv:2:"));
	}
	/* Cut short at the boundary, the next read starting with ASCII. */
	ck_assert_int_eq(read_text(fd_straddling("\xE2\x82", 2, 2, ",y\n"), 1 << 20, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.buf, "ERR INVALID_UTF8 t.csv:2:"));
	ck_assert_int_eq(read_text(fd_straddling("\0", 1, 1, "\n"), 1 << 20, &t), -1);
	ck_assert_ptr_nonnull(strstr(t.buf, "ERR NUL_BYTE t.csv:2: NUL byte"));
}
END_TEST

START_TEST(test_trim)
{
	CHECK(" 123 ,\" 123 \",\t123\t, \" 123 \" ,\"\t 123\",123,\" \",  ,\" a  b \"\n",
	      "1:123|123|123|123|123|123|||a  b\n");
}
END_TEST

START_TEST(test_blank_lines)
{
	CHECK("a\n\nb\r\n\r\n \t \nc\n\n", "1:a\n3:b\n6:c\n");
	CHECK("\n\n\"a\nb\"\n\nc", "3:a\nb\n6:c\n");
}
END_TEST

START_TEST(test_field_limit)
{
	/* Lengths are measured after trimming, the same however the bytes
	 * arrive (whole, or drained from libcsv between pieces). */
	const char *s = "h\n"
			"12345,123456, 12345 ,\"  12345  \",\"ab   cd\",ab    ,"
			"\"a\"\"b\"  ,\"\",\"abcd\"\"\"\n"
			"\"ab\ncd\",\"ab\ncde\",\"  ab \n  \",abcdef   ,\"abc\"\"\"\"\"\n";
	check_csv(s, strlen(s), 5,
		  "1:h\n"
		  "2:12345|12345!|12345|12345|ab   !|ab|a\"b||abcd\"\n"
		  "3:ab\ncd|ab\ncd!|ab \n|abcde!|abc\"\"\n");
	check_csv("h\na,bc\n", 7, 0, "1:h\n2:!|!\n");
	check_csv("h\n , \"\" \n", 9, 0, "1:h\n2:|\n");
	/* The first row (a header) is cut at 256 bytes at the least, so a
	 * small max_field_bytes does not cut column names. */
	char n256[257], hdr[600], want[700];
	memset(n256, 'n', 256);
	n256[256] = '\0';
	int len = snprintf(hdr, sizeof hdr, "%s,purchase_request_id\nx,y\n", n256);
	snprintf(want, sizeof want, "1:%s|purchase_request_id\n2:!|!\n", n256);
	check_csv(hdr, (size_t)len, 0, want);
	len = snprintf(hdr, sizeof hdr, "%sn,b\n", n256);
	snprintf(want, sizeof want, "1:%s!|b\n", n256);
	check_csv(hdr, (size_t)len, 0, want);
}
END_TEST

static long maxrss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* header, then "<open>" + 10 MB of c + "<close>,z" */
static int fd_huge_field(const char *open, const char *close_, char c)
{
	static char block[65536];
	char path[] = "/tmp/test_csvin-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, "a,b\n", 4), 4);
	ck_assert_int_eq(write(fd, open, strlen(open)), (ssize_t)strlen(open));
	memset(block, c, sizeof block);
	for (int i = 0; i < 160; i++)
		ck_assert_int_eq(write(fd, block, sizeof block), (ssize_t)sizeof block);
	char tail[32];
	int n = snprintf(tail, sizeof tail, "%s,z\n", close_);
	ck_assert_int_eq(write(fd, tail, (size_t)n), n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

START_TEST(test_huge_field)
{
	static const struct {
		const char *open, *close;
		char fill;
		int too_long;
		const char *prefix;
	} cases[] = {
		{"x", "", 'y', 1, "xyyy"},
		{"\"x", "\"", 'y', 1, "xyyy"},
		{"\"x", "\n\"", 'y', 1, "xyyy"},
		{"\"x\n", "\"", '\n', 1, "x\n\n\n"},
		{"x", "", ' ', 0, "x"}, /* trailing blanks, trimmed */
		{"\"x", "\"", '\t', 0, "x"},
		{"\"x\"", "", ' ', 0, "x"}, /* blanks after the closing quote */
		{"", "x", ' ', 0, "x"},     /* leading blanks */
		{"\"", "x\"", ' ', 0, "x"},
		{"x", "x", ' ', 1, "x   "}, /* inner blanks count */
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		int fd = fd_huge_field(cases[k].open, cases[k].close, cases[k].fill);
		long before = maxrss_kib();
		struct csvin *r;
		struct csvin_row row;
		struct error err;
		ck_assert_int_eq(csvin_open(&r, fd, "big.csv", 1000, &err), 0);
		ck_assert_int_eq(csvin_next(r, &row, &err), 1);
		ck_assert_int_eq(csvin_next(r, &row, &err), 1);
		ck_assert_int_eq(row.line, 2);
		ck_assert_uint_eq(row.nfields, 2);
		ck_assert_int_eq(row.too_long[0], cases[k].too_long);
		size_t plen = strlen(cases[k].prefix);
		if (cases[k].too_long) {
			ck_assert_uint_eq(row.lens[0], 1000);
			ck_assert_mem_eq(row.fields[0], cases[k].prefix, plen);
		} else {
			ck_assert_str_eq(row.fields[0], cases[k].prefix);
		}
		ck_assert_str_eq(row.fields[1], "z");
		ck_assert_int_eq(row.too_long[1], 0);
		ck_assert_int_eq(csvin_next(r, &row, &err), 0);
		/* 10 MB went through; the process grew by far less. */
		ck_assert_msg(maxrss_kib() - before < 4096, "case %zu grew %ld KiB", k,
			      maxrss_kib() - before);
		ck_assert_uint_gt(csvin_bytes(r), 10 * 1000 * 1000);
		csvin_close(r);
		close(fd);
	}
}
END_TEST

static int fd_wide_row(size_t nfields, const char *sep_line)
{
	size_t n = 2 * nfields + strlen(sep_line);
	char *buf = malloc(n);
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < nfields; i++) {
		buf[2 * i] = 'a';
		buf[2 * i + 1] = ',';
	}
	buf[2 * nfields - 1] = '\n';
	memcpy(buf + 2 * nfields, sep_line, strlen(sep_line));
	int fd = fd_from_bytes(buf, n);
	free(buf);
	return fd;
}

START_TEST(test_too_many_fields)
{
	struct csvin *r;
	struct csvin_row row;
	struct error err;

	int fd = fd_wide_row(4096, "1\n");
	ck_assert_int_eq(csvin_open(&r, fd, "w.csv", MAX_FIELD, &err), 0);
	ck_assert_int_eq(csvin_next(r, &row, &err), 1);
	ck_assert_uint_eq(row.nfields, 4096);
	ck_assert_int_eq(csvin_next(r, &row, &err), 1);
	ck_assert_int_eq(csvin_next(r, &row, &err), 0);
	csvin_close(r);
	close(fd);

	/* More are counted, not kept: the row is flagged, the next one read. */
	fd = fd_wide_row(4097, "1\n");
	ck_assert_int_eq(csvin_open(&r, fd, "w.csv", MAX_FIELD, &err), 0);
	ck_assert_int_eq(csvin_next(r, &row, &err), 1);
	ck_assert_uint_eq(row.nfields, 4096);
	ck_assert_int_eq(row.more_fields, 1);
	ck_assert_int_eq(csvin_next(r, &row, &err), 1);
	ck_assert_uint_eq(row.nfields, 1);
	ck_assert_int_eq(row.more_fields, 0);
	ck_assert_int_eq(csvin_next(r, &row, &err), 0);
	csvin_close(r);
	close(fd);

	/* A million-column header costs no more memory than 4096 columns. */
	fd = fd_wide_row(1000000, "");
	long before = maxrss_kib();
	ck_assert_int_eq(csvin_open(&r, fd, "w.csv", MAX_FIELD, &err), 0);
	ck_assert_int_eq(csvin_next(r, &row, &err), 1);
	ck_assert_int_eq(row.more_fields, 1);
	ck_assert_uint_eq(row.nfields, 4096);
	ck_assert_int_eq(csvin_drain(r, &err), 0);
	ck_assert_uint_eq(csvin_bytes(r), 2000000);
	ck_assert_int_lt(maxrss_kib() - before, 2048);
	csvin_close(r);
	close(fd);

	/* The same on a later row, with its line. */
	size_t n = 4 + 2 * 5000;
	char *big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "h\n\n", 3);
	for (size_t i = 0; i < 5000; i++) {
		big[3 + 2 * i] = 'v';
		big[3 + 2 * i + 1] = ',';
	}
	big[n - 1] = '\n';
	fd = fd_from_bytes(big, n);
	free(big);
	ck_assert_int_eq(csvin_open(&r, fd, "w.csv", MAX_FIELD, &err), 0);
	ck_assert_int_eq(csvin_next(r, &row, &err), 1);
	ck_assert_int_eq(csvin_next(r, &row, &err), 1);
	ck_assert_int_eq(row.line, 3);
	ck_assert_int_eq(row.more_fields, 1);
	ck_assert_int_eq(csvin_next(r, &row, &err), 0);
	csvin_close(r);
	close(fd);
}
END_TEST

static void sha_hex_of(const void *s, size_t n, char out[65])
{
	struct sha256 c;
	sha256_begin(&c);
	sha256_feed(&c, s, n);
	sha256_end_hex(&c, out);
}

START_TEST(test_hash)
{
	static char file[200000];
	char want[65], got[65];
	size_t n = 0;
	memcpy(file, "\xEF\xBB\xBFid,name\n", 11);
	n = 11;
	static const char rec[] = "1,\"한,\"\"x\"\"\"\r\n";
	const size_t reclen = sizeof rec - 1;
	while (n + reclen < sizeof file) {
		memcpy(file + n, rec, reclen);
		n += reclen;
	}
	sha_hex_of(file, n, want);

	struct csvin *r;
	struct csvin_row row;
	struct error err;
	int fd = fd_from_bytes(file, n);
	ck_assert_int_eq(csvin_open(&r, fd, "h.csv", MAX_FIELD, &err), 0);
	long rows = 0;
	while (csvin_next(r, &row, &err) == 1)
		rows++;
	ck_assert_int_eq(rows, 1 + (long)((n - 11) / reclen));
	ck_assert_int_eq(csvin_drain(r, &err), 0);
	csvin_sha256_hex(r, got);
	ck_assert_str_eq(got, want);
	csvin_sha256_hex(r, got); /* repeatable */
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(csvin_bytes(r), n);
	csvin_close(r);
	close(fd);

	/* An early failure, then drain: still the hash of the whole file. */
	file[30] = '\0';
	sha_hex_of(file, n, want);
	fd = fd_from_bytes(file, n);
	ck_assert_int_eq(csvin_open(&r, fd, "h.csv", MAX_FIELD, &err), 0);
	while (csvin_next(r, &row, &err) == 1)
		;
	ck_assert_str_eq(csvin_failure(r), "NUL_BYTE");
	ck_assert_int_eq(csvin_drain(r, &err), 0);
	csvin_sha256_hex(r, got);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(csvin_bytes(r), n);
	csvin_close(r);
	close(fd);

	/* Empty input: no rows, the hash of nothing. */
	fd = fd_from_bytes("", 0);
	ck_assert_int_eq(csvin_open(&r, fd, "e.csv", MAX_FIELD, &err), 0);
	ck_assert_int_eq(csvin_next(r, &row, &err), 0);
	ck_assert_int_eq(csvin_drain(r, &err), 0);
	csvin_sha256_hex(r, got);
	ck_assert_str_eq(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ck_assert_uint_eq(csvin_bytes(r), 0);
	csvin_close(r);
	close(fd);
}
END_TEST

START_TEST(test_sticky_end)
{
	struct csvin *r;
	struct csvin_row row;
	struct error err;
	int fd = fd_from_bytes("a\n", 2);
	ck_assert_int_eq(csvin_open(&r, fd, "s.csv", MAX_FIELD, &err), 0);
	ck_assert_int_eq(csvin_next(r, &row, &err), 1);
	ck_assert_int_eq(csvin_next(r, &row, &err), 0);
	ck_assert_int_eq(csvin_next(r, &row, &err), 0);
	csvin_close(r);
	close(fd);

	fd = fd_from_bytes("a\n\"", 3);
	ck_assert_int_eq(csvin_open(&r, fd, "s.csv", MAX_FIELD, &err), 0);
	ck_assert_int_eq(csvin_next(r, &row, &err), 1);
	ck_assert_int_eq(csvin_next(r, &row, &err), -1);
	error_clear(&err);
	ck_assert_int_eq(csvin_next(r, &row, &err), -1);
	ck_assert_int_eq(err.code, EX_DATAERR);
	ck_assert_str_eq(err.msg, "s.csv:2: unterminated quoted field");
	csvin_close(r);
	close(fd);

	/* Control characters in the name do not reach the message. */
	fd = fd_from_bytes("\0", 1);
	ck_assert_int_eq(csvin_open(&r, fd, "a\nb.csv", MAX_FIELD, &err), 0);
	ck_assert_int_eq(csvin_next(r, &row, &err), -1);
	ck_assert_str_eq(err.msg, "a?b.csv:1: NUL byte");
	csvin_close(r);
	close(fd);
}
END_TEST

START_TEST(test_read_error)
{
	struct csvin *r;
	struct csvin_row row;
	struct error err;
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(csvin_open(&r, fd, "dir", MAX_FIELD, &err), 0);
	ck_assert_int_eq(csvin_next(r, &row, &err), -1);
	ck_assert_int_eq(err.code, EX_IOERR);
	ck_assert_int_eq(csvin_drain(r, &err), -1);
	ck_assert_int_eq(err.code, EX_IOERR);
	csvin_close(r);
	close(fd);
}
END_TEST

START_TEST(test_rows_reuse_buffers)
{
	/* Row pointers stay valid until the next call; many rows in a row. */
	static char file[300000];
	size_t n = 0;
	for (int i = 0; n + 40 < sizeof file; i++)
		n += (size_t)snprintf(file + n, sizeof file - n, "%d,\"v%d\nw\",  %d  \n", i, i, i);
	int fd = fd_from_bytes(file, n);
	struct csvin *r;
	struct csvin_row row;
	struct error err;
	char want[32];
	ck_assert_int_eq(csvin_open(&r, fd, "m.csv", MAX_FIELD, &err), 0);
	long i = 0;
	while (csvin_next(r, &row, &err) == 1) {
		ck_assert_int_eq(row.line, 1 + 2 * i);
		ck_assert_uint_eq(row.nfields, 3);
		snprintf(want, sizeof want, "v%ld\nw", i);
		ck_assert_str_eq(row.fields[1], want);
		snprintf(want, sizeof want, "%ld", i);
		ck_assert_str_eq(row.fields[0], want);
		ck_assert_str_eq(row.fields[2], want);
		i++;
	}
	ck_assert_int_gt(i, 5000);
	csvin_close(r);
	close(fd);
}
END_TEST

static Suite *csvin_suite(void)
{
	Suite *s = suite_create("csvin");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_bom);
	tcase_add_test(tc, test_line_ends);
	tcase_add_test(tc, test_quoting);
	tcase_add_test(tc, test_broken_quotes);
	tcase_add_test(tc, test_ragged);
	tcase_add_test(tc, test_nul);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_utf8_chunk_boundary);
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_blank_lines);
	tcase_add_test(tc, test_field_limit);
	tcase_add_test(tc, test_huge_field);
	tcase_add_test(tc, test_too_many_fields);
	tcase_add_test(tc, test_hash);
	tcase_add_test(tc, test_sticky_end);
	tcase_add_test(tc, test_read_error);
	tcase_add_test(tc, test_rows_reuse_buffers);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(csvin_suite, "csvin")
