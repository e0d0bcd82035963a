/* test_db.c — lib/db: the id sequence (db_next_id) follows the books
 * through rollbacks: ids drawn in a transaction level that is rolled back
 * are drawn again, so a run whose transaction was rolled back (a file
 * rejected whole, a signal, an error) and then goes on makes the same ids
 * as one where that never happened; ids drawn before the level stay taken.
 * And db_open_reader's second connection (report's customer files). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "unit.h"

static char path[64];
static struct db db;
static struct error err;

static void setup(void)
{
	snprintf(path, sizeof path, "/tmp/test_db.%ld.db", (long)getpid());
	unlink(path);
	error_clear(&err);
	ck_assert_int_eq(db_open(&db, path, 0, 1000, &err), 0);
}

static void teardown(void)
{
	char p[80];
	db_close(&db);
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

static int64_t draw(void)
{
	int64_t id = 0;
	ck_assert_int_eq(db_next_id(&db, &id, &err), 0);
	return id;
}

START_TEST(rollback_gives_the_ids_back)
{
	ck_assert_int_eq(db_begin(&db, &err), 0);
	int64_t a = draw();
	ck_assert_int_eq(draw(), a + 1);
	db_rollback(&db);
	ck_assert_int_eq(db_begin(&db, &err), 0);
	ck_assert_int_eq(draw(), a);
	db_rollback(&db);
}
END_TEST

START_TEST(savepoint_rollback_keeps_the_outer_ids)
{
	ck_assert_int_eq(db_begin(&db, &err), 0);
	int64_t a = draw();
	ck_assert_int_eq(db_begin(&db, &err), 0);
	ck_assert_int_eq(draw(), a + 1);
	ck_assert_int_eq(draw(), a + 2);
	db_rollback(&db);
	/* a is still the outer level's: the next is a + 1 again, not a */
	ck_assert_int_eq(draw(), a + 1);
	ck_assert_int_eq(db_begin(&db, &err), 0);
	ck_assert_int_eq(draw(), a + 2);
	ck_assert_int_eq(db_commit(&db, &err), 0);
	ck_assert_int_eq(draw(), a + 3);
	db_rollback(&db);
	ck_assert_int_eq(db_begin(&db, &err), 0);
	ck_assert_int_eq(draw(), a);
	db_rollback(&db);
}
END_TEST

/* db_open_reader: a second connection to the same books reads them (in a
 * snapshot of its own once in a transaction), keeps TEMP tables, writes
 * nothing in the books, and has its own page cache. */
START_TEST(reader_reads_and_writes_only_temp)
{
	struct db r;
	int64_t n = -1;
	ck_assert_int_eq(db_exec(&db, "CREATE TABLE t (x INTEGER)", &err), 0);
	ck_assert_int_eq(db_exec(&db, "INSERT INTO t VALUES (1), (2)", &err), 0);
	ck_assert_int_eq(db_open_reader(&r, path, 1000, &err), 0);
	ck_assert_int_eq(db_query_int(&r, "SELECT count(*) FROM t", -1, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(db_query_int(&r, "PRAGMA cache_size", 0, &n, &err), 0);
	ck_assert_int_eq(n, -atoi(DB_READER_CACHE_KIB));
	ck_assert_int_eq(
		db_exec(&r, "CREATE TEMP TABLE k (c TEXT PRIMARY KEY) WITHOUT ROWID", &err), 0);
	ck_assert_int_eq(db_exec(&r, "INSERT INTO temp.k VALUES ('a'), ('b')", &err), 0);
	error_clear(&err);
	ck_assert_int_eq(db_exec(&r, "INSERT INTO t VALUES (3)", &err), -1);
	ck_assert_int_ne(err.code, 0);
	/* Its transaction reads one snapshot: a commit after it began is not seen. */
	error_clear(&err);
	ck_assert_int_eq(db_exec(&r, "BEGIN", &err), 0);
	ck_assert_int_eq(db_query_int(&r, "SELECT count(*) FROM t", -1, &n, &err), 0);
	ck_assert_int_eq(db_exec(&db, "INSERT INTO t VALUES (3)", &err), 0);
	ck_assert_int_eq(db_query_int(&r, "SELECT count(*) FROM t", -1, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(db_exec(&r, "ROLLBACK", &err), 0);
	ck_assert_int_eq(db_query_int(&r, "SELECT count(*) FROM t", -1, &n, &err), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(db_query_int(&r, "SELECT count(*) FROM temp.k", -1, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	db_close(&r);
}
END_TEST

static Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("next_id");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rollback_gives_the_ids_back);
	tcase_add_test(tc, savepoint_rollback_keeps_the_outer_ids);
	suite_add_tcase(s, tc);
	tc = tcase_create("reader");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reader_reads_and_writes_only_temp);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(db_suite, "db")
