/* db.h — the SQLite books: open with the pragmas every connection needs,
 * forward-only migrations under PRAGMA user_version, nested transactions
 * (an outer BEGIN IMMEDIATE, savepoints inside, so `--dry-run` can wrap a
 * whole job or the whole nightly cycle and roll it back), and statement
 * helpers that turn SQLite errors into sysexits codes.
 * Not for: any table's business meaning (each job owns its statements). */
#ifndef MEMBERSHIP_DB_H
#define MEMBERSHIP_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "error.h"

#define DB_SCHEMA_VERSION 8
#define DB_BUSY_MIN_MS    2000 /* busy timeout floor, whatever lock.wait_seconds */
#define DB_CACHE_KIB                                                                               \
	"24576" /* page cache per connection, KiB: with a sorter of the same size, every job stays \
		   under 64 MiB RSS */
/* Report's two connections together keep to one job's page cache and
 * sorter: its own lowered to DB_REPORT_CACHE_KIB while db_open_reader's
 * reads beside it (with a sorter of the same size each, under 64 MiB RSS
 * on a day whose purchases all wait for payments, which both sort). */
#define DB_REPORT_CACHE_KIB "16384"
#define DB_READER_CACHE_KIB "8192"
/* Payments' page cache while it decides: its queries walk indexes in
 * order and sort nothing in SQLite, so no sorter comes beside it (peak
 * RSS 52 MiB at 1M against 35 MiB with DB_CACHE_KIB), and each chunk's
 * decisions find more of the pages they write still cached: 0.90 of the
 * wall time at 1M (five pairs, bench/results.md). Given back on its way
 * out, with the memory (nightly goes on to report in the same process). */
#define DB_PAYMENTS_CACHE_KIB "40960"
/* WAL pages after which a commit copies the WAL into the database (SQLite's
 * default is 1000): 131072 pages of 4 KiB, 512 MiB. See db_open. */
#define DB_WAL_CHECKPOINT_PAGES "131072"

#define DB_MAX_DEPTH 8 /* transaction levels: a dry run's file is at 2 */

struct db {
	sqlite3 *h;
	int depth; /* open transaction levels (0 = none) */
	const char *path;
	int64_t next_id; /* next id of the membership/event sequence; 0 = read it */
	int64_t level_next_id[DB_MAX_DEPTH]; /* next_id as each level began */
};

/* Open (creating) the database file with mode 0600: WAL, foreign keys on,
 * busy timeout, synchronous FULL or NORMAL, extension loading off; then
 * migrate to DB_SCHEMA_VERSION. EX_CANTCREAT when it cannot be opened,
 * EX_TEMPFAIL when it stays busy. db is usable for db_close even on error. */
int db_open(struct db *db, const char *path, int synchronous_full, int busy_ms, struct error *err);
/* Open the books only to read them, creating nothing: no file, no -wal or
 * -shm when none can be made, no migration, no lock file. A missing file is
 * EX_NOINPUT naming it; books of a newer schema version cannot be read
 * (EX_SOFTWARE), nor of an older one (EX_TEMPFAIL: a writing job migrates
 * them first) unless older_ok: a caller that copies the pages as they are
 * (backup) needs no table to be of this version. On a read-only mount with
 * no -shm, the books are read as immutable when their write-ahead log is
 * absent or empty (nothing is outside the file then). */
int db_open_readonly(struct db *db, const char *path, int busy_ms, int older_ok, struct error *err);
/* A second, read-only connection to the books of a connection already
 * open (report's customer files read through one in their own thread):
 * no migration, no pragma but its page cache (DB_READER_CACHE_KIB). Unlike
 * db_open_readonly it may write TEMP tables. 0, or -1 with err. */
int db_open_reader(struct db *db, const char *path, int busy_ms, struct error *err);
void db_close(struct db *db);
/* Set PRAGMA synchronous: FULL when full, else NORMAL. */
int db_set_synchronous(struct db *db, int full, struct error *err);

/* Begin a transaction level: BEGIN IMMEDIATE at depth 0, a SAVEPOINT inside. */
int db_begin(struct db *db, struct error *err);
/* Commit the innermost level (COMMIT or RELEASE). */
int db_commit(struct db *db, struct error *err);
/* Roll back the innermost level; never fails (errors are logged into err
 * only if the connection is broken, and the level is dropped anyway). The
 * id sequence goes back to where it was when the level began: the ids
 * drawn since were never stored, and are drawn again (a rerun, or a run
 * where nothing was rolled back, makes the same ids). */
void db_rollback(struct db *db);

/* The next id of the one sequence that memberships.id, events.id and
 * memberships.decided_id share (schema_2.sql, schema_4.sql): a customer's
 * timeline is their events merged by id. The first call of a connection
 * reads the highest of the three; later calls count on.
 * Only the lock holder writes, so no other process draws from it; ids a
 * rolled-back level drew are drawn again (db_rollback). */
int db_next_id(struct db *db, int64_t *id, struct error *err);

/* Run SQL without results. */
int db_exec(struct db *db, const char *sql, struct error *err);
/* Prepare one statement (persistent: reused for the whole run). */
int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, struct error *err);
/* Prepare head, then n copies of row joined by commas, then tail: a
 * statement of n rows of values (a multi-row INSERT or UPDATE … FROM
 * (VALUES …)), each row's parameters numbered after the last. */
int db_prepare_rows(struct db *db, const char *head, const char *row, int n, const char *tail,
		    sqlite3_stmt **st, struct error *err);
/* Step a statement that returns no row (or whose rows are ignored), then
 * reset it and clear its bindings. */
int db_step_done(struct db *db, sqlite3_stmt *st, struct error *err);
/* Step once: 1 a row, 0 done, -1 error (err filled; statement reset). */
int db_step(struct db *db, sqlite3_stmt *st, struct error *err);
/* Fill err from the connection's last error (copying the message at once)
 * with an exit code fitting rc: busy/locked → EX_TEMPFAIL, full/I/O →
 * EX_IOERR, cannot open → EX_CANTCREAT, else EX_SOFTWARE. Returns -1. */
int db_fail(struct db *db, int rc, const char *what, struct error *err);

/* Bind helpers: NULL for text == NULL or for the "none" sentinels. */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
void db_bind_int(sqlite3_stmt *st, int i, int64_t v);
void db_bind_date(sqlite3_stmt *st, int i, int32_t day); /* DATE_NONE → NULL */
/* Column helpers: NULL reads as DATE_NONE / the given default. */
int32_t db_col_date(sqlite3_stmt *st, int i);
const char *db_col_text(sqlite3_stmt *st, int i); /* "" for NULL */

/* Single-value queries: one int64 from the first column of the first row
 * (def when no row or NULL). */
int db_query_int(struct db *db, const char *sql, int64_t def, int64_t *out, struct error *err);

#endif
