/*
 * floor.c: the smallest program that makes the durable insert a
 * `jobq submit -- true` makes, the floor for its cost.
 *
 * It opens DIR/floor.db (made on first use), in WAL mode with
 * synchronous FULL, takes BEGIN IMMEDIATE, inserts one row into a table
 * of the shape of jobq's jobs table, commits, and prints the new id, as
 * submit does.  With JOBQ_SYNC=normal in the environment it commits with
 * synchronous NORMAL, as jobq does then: the floor of the opt-in
 * durability level.  bench/run builds it with the compiler flags of the
 * release jobq and links SQLite the same way (libsqlite3.a by default).
 *
 *   floor DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS jobs ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL,"
	"  queue TEXT NOT NULL, priority INTEGER NOT NULL,"
	"  state TEXT NOT NULL, payload BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL, run_at INTEGER NOT NULL,"
	"  started_at INTEGER, finished_at INTEGER,"
	"  timeout_ms INTEGER NOT NULL, attempt INTEGER NOT NULL DEFAULT 0,"
	"  max_retries INTEGER NOT NULL DEFAULT 0,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  deaths INTEGER NOT NULL DEFAULT 0, exit_code INTEGER,"
	"  signal INTEGER, error TEXT, result_bytes INTEGER,"
	"  result_truncated INTEGER NOT NULL DEFAULT 0, worker TEXT,"
	"  cancel_requested INTEGER NOT NULL DEFAULT 0, pgid INTEGER,"
	"  proc_start INTEGER, rescue_term_at INTEGER,"
	"  progress_percent REAL, progress_done INTEGER,"
	"  progress_total INTEGER, progress_message TEXT) STRICT;"
	"CREATE INDEX IF NOT EXISTS jobs_waiting ON jobs(priority, id)"
	"  WHERE state IN ('pending', 'retrying');";

static int
fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what,
	    db ? sqlite3_errmsg(db) : "out of memory");
	/* Closed (once its statements are) even on failure, so that a
	 * sanitized build reports no leak. */
	sqlite3_close_v2(db);
	return 1;
}

int
main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s;
	struct timespec ts;
	const char *sync = getenv("JOBQ_SYNC");
	char path[4096];
	long long now;

	if (argc != 2) {
		fprintf(stderr, "usage: floor DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/floor.db", argv[1]);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return fail(db, "open");
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, sync != NULL && strcmp(sync, "normal") == 0 ?
	    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL" :
	    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL", NULL, NULL,
	    NULL) != SQLITE_OK)
		return fail(db, "pragma");
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, "begin");
	if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, "schema");
	if (sqlite3_prepare_v2(db, "INSERT INTO jobs (type, queue, priority,"
	    " state, payload, created_at, run_at, timeout_ms) VALUES"
	    " ('exec', 'default', 20, 'pending', ?, ?, ?, 0)", -1, &s,
	    NULL) != SQLITE_OK)
		return fail(db, "prepare");
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	sqlite3_bind_blob(s, 1, "{\"argv\":[\"true\"]}", 17, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, now);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		return fail(db, "insert");
	}
	sqlite3_finalize(s);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, "commit");
	printf("%lld\n", (long long)sqlite3_last_insert_rowid(db));
	sqlite3_close(db);
	return 0;
}
