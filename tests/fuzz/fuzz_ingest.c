/* fuzz_ingest.c — libFuzzer harness for the ingest of a whole file: the CSV
 * reader, the header and row validation (lib/validate.c) and the row
 * appliers (jobs/ingest_rows.c) against an in-memory database of the real
 * schema, with a real rejects file in a scratch folder.
 * Input: byte 0 picks max_field_bytes (bits 0-2), the currency's minor
 * digits (bit 3: 0 or 2) and whether the books first hold a catalog, some
 * purchases and a cancel (bit 4), so that purchases and cancels find what
 * they refer to; the rest is the file. Each input runs in a transaction
 * rolled back at the end, so every input starts from the same books.
 * Checked after each file:
 *   - ingest_rows_read fails only with a code and a one-line message;
 *   - a file not rejected whole: rows = accepted + rejected, one rejection
 *     in the books for each rejected row, and a rejects file exactly when
 *     a row was rejected;
 *   - a file rejected whole: its rows rolled back (the books as before);
 *   - PRAGMA foreign_key_check empty, sold_count = approved memberships,
 *     each purchase request id once, each event id once;
 *   - the temporary rejects file removed by ingest_file_clear.
 * FUZZ_INGEST_VERBOSE=1 prints each file's counts and reason. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvin.h"
#include "dates.h"
#include "db.h"
#include "fsx.h"
#include "ingest.h"

static const size_t max_fields[8] = {1, 8, 16, 64, 100, 256, 1024, 65536};

static struct db db;
static struct error err;
static struct ingest_rows rows;
static char rejected_path[64];
static int rejected_fd = -1;
static char date_text[DATE_TEXT_LEN + 1];

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_ingest: %s (%s)\n", what, err.msg);
	abort();
}

static int64_t q(const char *sql)
{
	int64_t v = 0;
	if (db_query_int(&db, sql, -1, &v, &err) < 0)
		fail(sql);
	return v;
}

static int memfd_with(const uint8_t *data, size_t n)
{
	int fd = memfd_create("fuzz_ingest", MFD_CLOEXEC);
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

/* The entries of the scratch rejected folder. */
static int rejected_entries(void)
{
	DIR *d = opendir(rejected_path);
	if (d == NULL)
		fail("opendir");
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void invariants(void)
{
	sqlite3_stmt *st = NULL;
	if (db_prepare(&db, "PRAGMA foreign_key_check", &st, &err) < 0)
		fail("foreign_key_check");
	int rc = db_step(&db, st, &err);
	sqlite3_finalize(st);
	if (rc != 0)
		fail("foreign_key_check found a row, or failed");
	if (q("SELECT count(*) FROM products p WHERE sold_count != (SELECT count(*) FROM memberships m"
	      " WHERE m.product_id = p.product_id AND m.payment = 'APPROVED')") != 0)
		fail("sold_count differs from the approved memberships");
	if (q("SELECT count(*) - count(DISTINCT request_id) FROM memberships") != 0)
		fail("a purchase request id twice");
	if (q("SELECT count(*) - count(DISTINCT id) FROM events") != 0)
		fail("an event id twice");
}

/* Ingest one file of n bytes as the job does (its own savepoint; rolled
 * back when rejected whole). */
static void ingest(const char *name, const uint8_t *data, size_t n, size_t max_field)
{
	struct ingest_file f;
	memset(&f, 0, sizeof f);
	f.name = name;
	f.hdr.kind = KIND_UNKNOWN;
	fsx_escape(name, f.esc, sizeof f.esc);
	int fd = memfd_with(data, n);
	struct csvin *in = NULL;
	error_clear(&err);
	if (csvin_open(&in, fd, name, max_field, &err) < 0)
		fail("csvin_open");
	int64_t rej_before = q("SELECT count(*) FROM rejections");
	int64_t memb_before = q("SELECT count(*) FROM memberships");
	int64_t ev_before = q("SELECT count(*) FROM events");
	if (db_begin(&db, &err) < 0)
		fail("begin");
	int rc = ingest_rows_read(&rows, &f, in, n);
	if (rc < 0) {
		if (err.code == 0 || err.msg[0] == '\0' || strchr(err.msg, '\n'))
			fail("a failure without a code or a one-line message");
		db_rollback(&db);
	} else if (f.reason[0]) {
		if (f.message[0] == '\0' || strchr(f.message, '\n'))
			fail("a whole-file rejection without a one-line message");
		db_rollback(&db);
		if (q("SELECT count(*) FROM memberships") != memb_before ||
		    q("SELECT count(*) FROM events") != ev_before)
			fail("a file rejected whole left rows behind");
	} else {
		if (f.rows != f.accepted + f.rejected)
			fail("rows != accepted + rejected");
		if (q("SELECT count(*) FROM rejections") - rej_before != f.rejected)
			fail("not one rejection in the books a rejected row");
		if ((f.rejected > 0) != (f.rejects != NULL))
			fail("a rejects file without a rejected row, or none with one");
		if (f.rejects && fflush(f.rejects) != 0)
			fail("rejects file: write");
		if (db_commit(&db, &err) < 0)
			fail("release");
	}
	if (getenv("FUZZ_INGEST_VERBOSE"))
		fprintf(stderr, "%s: rc %d, %ld rows, %ld accepted, %ld rejected, reason '%s' %s\n", name,
			rc, f.rows, f.accepted, f.rejected, f.reason, rc < 0 ? err.msg : f.message);
	/* What the job does after a file: the next one reads the books anew. */
	rows.products.valid = 0;
	rows.event_id = 0;
	invariants();
	csvin_close(in);
	close(fd);
	ingest_file_clear(&f);
	if (rejected_entries() != 0)
		fail("the temporary rejects file outlived ingest_file_clear");
}

static const char seed_products[] = "action,product_id,name,price,sale_until,max_sales\n"
				    "add,GOLD,Gold,365000,,\n"
				    "add,LTD,Limited,1000,,2\n"
				    "add,OLD,Old,500,2026-01-01,\n";
static const char seed_purchases[] = "request_id,customer_id,product_id,amount,requested_at\n"
				     "p1,c1,GOLD,365000,2026-03-02T10:00:00\n"
				     "p2,c2,LTD,1000,2026-03-02T10:00:01\n"
				     "p3,c3,LTD,1000,2026-03-02T10:00:02\n";
static const char seed_cancels[] = "request_id,customer_id,purchase_request_id,requested_at,reason\n"
				   "k1,c2,p2,2026-03-02T11:00:00,changed my mind\n";

static void remove_scratch(void)
{
	rmdir(rejected_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	error_clear(&err);
	if (dates_use_zone("Asia/Seoul", &err) < 0)
		fail("dates_use_zone");
	if (db_open(&db, ":memory:", 0, 1000, &err) < 0)
		fail("db_open");
	snprintf(rejected_path, sizeof rejected_path, "/tmp/fuzz_ingest.XXXXXX");
	if (mkdtemp(rejected_path) == NULL)
		fail("mkdtemp");
	atexit(remove_scratch);
	rejected_fd = open(rejected_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rejected_fd < 0)
		fail("open the rejected folder");
	int32_t day;
	if (dates_parse("2026-03-02", 10, &day) < 0)
		fail("dates_parse");
	dates_format(day, date_text);
	rows.db = &db;
	rows.err = &err;
	rows.date = day;
	rows.vctx.day_end = dates_local_midnight(day + 1);
	rows.vctx.date_text = date_text;
	rows.rejected_fd = rejected_fd;
	rows.rejected_path = rejected_path;
	if (ingest_rows_open(&rows) < 0)
		fail("ingest_rows_open");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t max_field = max_fields[data[0] & 7];
	rows.minor_digits = rows.vctx.minor_digits = (data[0] & 8) ? 2 : 0;
	rows.vctx.max_field_bytes = (int64_t)max_field;
	if (db_begin(&db, &err) < 0)
		fail("begin");
	if (data[0] & 16) {
		ingest("products.csv", (const uint8_t *)seed_products, sizeof seed_products - 1, 1024);
		ingest("purchases.csv", (const uint8_t *)seed_purchases, sizeof seed_purchases - 1, 1024);
		ingest("cancels.csv", (const uint8_t *)seed_cancels, sizeof seed_cancels - 1, 1024);
	}
	ingest("fuzz.csv", data + 1, size - 1, max_field);
	db_rollback(&db);
	db.next_id = 0;
	rows.products.valid = 0;
	rows.event_id = 0;
	return 0;
}
