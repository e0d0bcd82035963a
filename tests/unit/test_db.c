/* test_db.c — lib/db: the id sequence (db_next_id) follows the books
 * through rollbacks: ids drawn in a transaction level that is rolled back
 * are drawn again, so a run whose transaction was rolled back (a file
 * rejected whole, a signal, an error) and then goes on makes the same ids
 * as one where that never happened; ids drawn before the level stay taken. */
#include <stdio.h>
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

static Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("next_id");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rollback_gives_the_ids_back);
	tcase_add_test(tc, savepoint_rollback_keeps_the_outer_ids);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(db_suite, "db")
