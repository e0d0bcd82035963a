/* db.c — opening the books, migrations, nested transactions and the small
 * statement helpers every job shares. SQL of the tables lives with the
 * jobs; the current schema lives in schema.sql (a fresh database is made
 * from it) and the migrations of older books in schema_2.sql, …, embedded
 * as schema_sql[], schema_2_sql[], … */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "dates.h"
#include "rules_sql.h"

extern const char schema_sql[], schema_2_sql[], schema_3_sql[], schema_4_sql[], schema_5_sql[],
	schema_6_sql[], schema_7_sql[], schema_8_sql[];

/* migrations[v] takes books of version v (1 and up) to v + 1; a fresh
 * database (version 0) is made from schema_sql at once. */
static const char *const migrations[DB_SCHEMA_VERSION] = {NULL,         schema_2_sql, schema_3_sql,
							  schema_4_sql, schema_5_sql, schema_6_sql,
							  schema_7_sql, schema_8_sql};

int db_fail(struct db *db, int rc, const char *what, struct error *err)
{
	int code = EX_SOFTWARE;
	int prim = rc & 0xff;
	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		code = EX_TEMPFAIL;
	else if (prim == SQLITE_FULL || prim == SQLITE_IOERR)
		code = EX_IOERR;
	else if (prim == SQLITE_CANTOPEN || prim == SQLITE_READONLY || prim == SQLITE_PERM)
		code = EX_CANTCREAT;
	else if (prim == SQLITE_INTERRUPT)
		code = EX_TEMPFAIL;
	const char *msg = db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
	/* Damaged books are no bug of ours but what the disk (or a hand) did
	 * to the file: an I/O failure, and the way out is the backup. */
	if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
		return error_set(err, EX_IOERR,
				 "database %s: %s: %s (the file is damaged: restore the books from"
				 " a backup, see 'membership backup')",
				 db && db->path ? db->path : "", what, msg);
	return error_set(err, code, "database %s: %s: %s", db && db->path ? db->path : "", what,
			 msg);
}

int db_exec(struct db *db, const char *sql, struct error *err)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "exec", err);
	return 0;
}

int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, struct error *err)
{
	int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return db_fail(db, rc, "prepare", err);
	}
	return 0;
}

int db_prepare_rows(struct db *db, const char *head, const char *row, int n, const char *tail,
		    sqlite3_stmt **st, struct error *err)
{
	size_t hl = strlen(head), rl = strlen(row), tl = strlen(tail);
	char *sql = malloc(hl + (size_t)n * (rl + 1) + tl + 1);
	if (sql == NULL) {
		*st = NULL;
		return error_set(err, EX_SOFTWARE, "out of memory");
	}
	char *e = sql;
	memcpy(e, head, hl);
	e += hl;
	for (int i = 0; i < n; i++) {
		if (i > 0)
			*e++ = ',';
		memcpy(e, row, rl);
		e += rl;
	}
	memcpy(e, tail, tl + 1);
	int rc = db_prepare(db, sql, st, err);
	free(sql);
	return rc;
}

int db_step(struct db *db, sqlite3_stmt *st, struct error *err)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	db_fail(db, rc, "step", err);
	sqlite3_reset(st);
	return -1;
}

int db_step_done(struct db *db, sqlite3_stmt *st, struct error *err)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_fail(db, rc, "step", err);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

int db_query_int(struct db *db, const char *sql, int64_t def, int64_t *out, struct error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "prepare", err);
	int ret = 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_type(st, 0) == SQLITE_NULL ? def
								 : sqlite3_column_int64(st, 0);
	} else if (rc == SQLITE_DONE) {
		*out = def;
	} else {
		ret = db_fail(db, rc, "query", err);
	}
	sqlite3_finalize(st);
	return ret;
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void db_bind_int(sqlite3_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st, i, v);
}

void db_bind_date(sqlite3_stmt *st, int i, int32_t day)
{
	if (day == DATE_NONE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, day);
}

int32_t db_col_date(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return DATE_NONE;
	return (int32_t)sqlite3_column_int64(st, i);
}

const char *db_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

int db_begin(struct db *db, struct error *err)
{
	char sql[64];
	if (db->depth == 0)
		snprintf(sql, sizeof sql, "BEGIN IMMEDIATE");
	else
		snprintf(sql, sizeof sql, "SAVEPOINT level%d", db->depth);
	if (db->depth >= DB_MAX_DEPTH)
		return error_set(err, EX_SOFTWARE, "more than %d transaction levels", DB_MAX_DEPTH);
	if (db_exec(db, sql, err) < 0)
		return -1;
	db->level_next_id[db->depth] = db->next_id;
	db->depth++;
	return 0;
}

int db_commit(struct db *db, struct error *err)
{
	char sql[64];
	if (db->depth <= 0)
		return error_set(err, EX_SOFTWARE, "commit without a transaction");
	if (db->depth == 1)
		snprintf(sql, sizeof sql, "COMMIT");
	else
		snprintf(sql, sizeof sql, "RELEASE level%d", db->depth - 1);
	if (db_exec(db, sql, err) < 0)
		return -1;
	db->depth--;
	return 0;
}

void db_rollback(struct db *db)
{
	char sql[96];
	if (db->depth <= 0)
		return;
	if (db->depth == 1)
		snprintf(sql, sizeof sql, "ROLLBACK");
	else
		snprintf(sql, sizeof sql, "ROLLBACK TO level%d; RELEASE level%d", db->depth - 1,
			 db->depth - 1);
	sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	db->depth--;
	db->next_id = db->level_next_id[db->depth];
}

static int db_migrate(struct db *db, struct error *err)
{
	int64_t version = 0;
	if (db_query_int(db, "PRAGMA user_version", 0, &version, err) < 0)
		return -1;
	if (version == DB_SCHEMA_VERSION)
		return 0;
	if (version > DB_SCHEMA_VERSION)
		return error_set(
			err, EX_SOFTWARE,
			"database %s has schema version %lld, newer than this program's %d",
			db->path, (long long)version, DB_SCHEMA_VERSION);
	if (db_begin(db, err) < 0)
		return -1;
	/* Read again under the write lock: another process may have migrated. */
	if (db_query_int(db, "PRAGMA user_version", 0, &version, err) < 0)
		goto fail;
	if (version == 0) {
		/* schema.sql sets the version it is of: a migration added
		 * without the same change in schema.sql is caught here. */
		if (db_exec(db, schema_sql, err) < 0 ||
		    db_query_int(db, "PRAGMA user_version", 0, &version, err) < 0)
			goto fail;
		if (version != DB_SCHEMA_VERSION) {
			error_set(
				err, EX_SOFTWARE,
				"database %s: schema.sql is of schema version %lld, this program's"
				" is %d",
				db->path, (long long)version, DB_SCHEMA_VERSION);
			goto fail;
		}
	}
	if (version < DB_SCHEMA_VERSION) {
		for (int64_t v = version; v < DB_SCHEMA_VERSION; v++)
			if (db_exec(db, migrations[v], err) < 0)
				goto fail;
		/* Migrations run with foreign keys off (a table built anew
		 * would fail them halfway, schema_5.sql): every reference is
		 * checked here instead, before anything is committed. */
		int64_t broken = 0;
		if (db_query_int(db, "SELECT count(*) FROM pragma_foreign_key_check", 0, &broken,
				 err) < 0)
			goto fail;
		if (broken > 0) {
			error_set(err, EX_SOFTWARE,
				  "database %s: migrating to schema version %d would leave %lld "
				  "broken"
				  " reference(s); nothing was changed",
				  db->path, DB_SCHEMA_VERSION, (long long)broken);
			goto fail;
		}
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", DB_SCHEMA_VERSION);
		if (db_exec(db, sql, err) < 0)
			goto fail;
	}
	return db_commit(db, err);
fail:
	db_rollback(db);
	return -1;
}

int db_next_id(struct db *db, int64_t *id, struct error *err)
{
	if (db->next_id == 0) {
		int64_t last = 0;
		if (db_query_int(db,
				 "SELECT max(coalesce((SELECT max(id) FROM memberships), 0),"
				 " coalesce((SELECT max(id) FROM events), 0),"
				 " coalesce((SELECT max(decided_id) FROM memberships"
				 " WHERE decided_id IS NOT NULL), 0))",
				 0, &last, err) < 0)
			return -1;
		db->next_id = last + 1;
	}
	*id = db->next_id++;
	return 0;
}

/* Once per process, before SQLite initialises. Multi-thread mode: report
 * reads the customer timelines through a connection of its own in a thread
 * of its own (jobs/report_customers.c); no connection is ever shared by two
 * threads, so the connections need no mutex of their own. Memory
 * statistics stay off: with them, SQLite took two mutexes per allocation,
 * a sixth of ingest's instructions. The mutexes that remain (page-cache
 * groups, the VFS's file list) were 0.2 % of payments' samples at 200k.
 * A config call after initialisation is refused (SQLITE_MISUSE) and
 * changes nothing, which is harmless. */
static void db_configure_library(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Every opening's first step: the library configured, db empty. */
static void db_start(struct db *db, const char *path)
{
	db_configure_library();
	db->h = NULL;
	db->depth = 0;
	db->next_id = 0;
	db->path = path;
}

int db_open(struct db *db, const char *path, int synchronous_full, int busy_ms, struct error *err)
{
	db_start(db, path);
	/* SQLite creates the file (and later -wal/-shm with the same mode)
	 * through the umask: make it 0600 whatever the caller's umask. */
	mode_t old = umask(077);
	int rc = sqlite3_open_v2(path, &db->h,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
				 NULL);
	umask(old);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "open", err);
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_busy_timeout(db->h, busy_ms < DB_BUSY_MIN_MS ? DB_BUSY_MIN_MS : busy_ms);
	if ((rc = rules_sql_register(db->h)) != SQLITE_OK)
		return db_fail(db, rc, "register the rules", err);
	/* A big enough page cache keeps index pages of a large file in memory
	 * instead of spilling them to the WAL and reading them back. */
	if (db_exec(db, "PRAGMA cache_size = -" DB_CACHE_KIB, err) < 0)
		return -1;
	/* journal_mode=WAL needs a lock briefly; busy_timeout covers it. */
	if (db_exec(db, "PRAGMA journal_mode = WAL", err) < 0)
		return -1;
	/* A chunk of payments (or expire) rewrites much the same index pages as
	 * the chunk before it: a checkpoint after each commit copied them into
	 * the database every time, one checkpoint per 512 MiB of WAL copies
	 * them once for several chunks (payments of 5M purchases: 5 to 17 %
	 * less time). The last connection to close removes the WAL, as before;
	 * a crash leaves it to the next open, which replays it. */
	if (db_exec(db, "PRAGMA wal_autocheckpoint = " DB_WAL_CHECKPOINT_PAGES, err) < 0)
		return -1;
	if (db_set_synchronous(db, synchronous_full, err) < 0)
		return -1;
	/* Foreign keys go on once the books are of this version (db_migrate
	 * checks the references of what it migrates itself). */
	if (db_migrate(db, err) < 0)
		return -1;
	return db_exec(db, "PRAGMA foreign_keys = ON", err);
}

/* "file:" and path with every byte outside [A-Za-z0-9/._~-] percent-encoded,
 * then the query (malloc'd). */
static char *db_uri(const char *path, const char *query)
{
	size_t n = strlen(path), q = strlen(query);
	char *u = malloc(5 + 3 * n + q + 1);
	if (u == NULL)
		return NULL;
	char *e = u;
	memcpy(e, "file:", 5);
	e += 5;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._~-", *p) != NULL)
			*e++ = (char)*p;
		else
			e += snprintf(e, 4, "%%%02X", *p);
	}
	memcpy(e, query, q + 1);
	return u;
}

static int db_open_ro_uri(struct db *db, const char *query, int busy_ms, int64_t *version,
			  struct error *err)
{
	char *uri = db_uri(db->path, query);
	if (uri == NULL)
		return error_set(err, EX_SOFTWARE, "out of memory");
	int rc = sqlite3_open_v2(
		uri, &db->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW, NULL);
	free(uri);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "open", err);
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_busy_timeout(db->h, busy_ms < DB_BUSY_MIN_MS ? DB_BUSY_MIN_MS : busy_ms);
	if ((rc = rules_sql_register(db->h)) != SQLITE_OK)
		return db_fail(db, rc, "register the rules", err);
	/* The first read opens the WAL index: this is where a read-only
	 * mount without a -shm fails. */
	return db_query_int(db, "PRAGMA user_version", 0, version, err);
}

int db_open_readonly(struct db *db, const char *path, int busy_ms, int older_ok, struct error *err)
{
	db_start(db, path);
	struct stat sb;
	if (stat(path, &sb) < 0)
		return error_set(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "database %s: %s%s",
				 path, strerror(errno),
				 errno == ENOENT
					 ? " (the workspace has no books: run 'membership init')"
					 : "");
	int64_t version = 0;
	if (db_open_ro_uri(db, "?mode=ro", busy_ms, &version, err) < 0) {
		/* Without a -shm it cannot create, SQLite reads WAL books only
		 * as immutable, which is right only when no commit waits in the
		 * WAL. */
		char wal[4096];
		snprintf(wal, sizeof wal, "%s-wal", path);
		struct stat ws;
		if (stat(wal, &ws) == 0 && ws.st_size > 0)
			return -1;
		db_close(db);
		error_clear(err);
		if (db_open_ro_uri(db, "?mode=ro&immutable=1", busy_ms, &version, err) < 0)
			return -1;
	}
	if (version < DB_SCHEMA_VERSION && !older_ok)
		return error_set(
			err, EX_TEMPFAIL,
			"database %s has schema version %lld; the next writing job migrates it"
			" to %d, read it after that",
			path, (long long)version, DB_SCHEMA_VERSION);
	if (version > DB_SCHEMA_VERSION)
		return error_set(
			err, EX_SOFTWARE,
			"database %s has schema version %lld, newer than this program's %d", path,
			(long long)version, DB_SCHEMA_VERSION);
	return db_exec(db, "PRAGMA query_only = ON", err);
}

int db_open_reader(struct db *db, const char *path, int busy_ms, struct error *err)
{
	db_start(db, path);
	int64_t version = 0;
	if (db_open_ro_uri(db, "?mode=ro", busy_ms, &version, err) < 0)
		return -1;
	return db_exec(db, "PRAGMA cache_size = -" DB_READER_CACHE_KIB, err);
}

int db_set_synchronous(struct db *db, int full, struct error *err)
{
	return db_exec(db, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", err);
}

void db_close(struct db *db)
{
	if (db->h == NULL)
		return;
	/* Statements are finalized by their owners; close_v2 copes with any
	 * left over rather than failing. */
	sqlite3_close_v2(db->h);
	db->h = NULL;
	db->depth = 0;
}
