/* store-sqlite-schema.c: the SQLite store's schema: its migrations,
 * applied in order and recorded in PRAGMA user_version, and the checks
 * that a database is jobq's before anything is written to it. */
#include <stdio.h>
#include <stdlib.h>

#include "store-sqlite.h"
#include "util.h"

#define APPLICATION_ID 0x6a6f6271	/* "jobq" */

/* The schema, one migration per step of PRAGMA user_version. */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE jobs ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  type TEXT NOT NULL,"
	"  queue TEXT NOT NULL,"
	"  priority INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  payload BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  run_at INTEGER NOT NULL,"
	"  started_at INTEGER,"
	"  finished_at INTEGER,"
	"  timeout_ms INTEGER NOT NULL,"
	"  attempt INTEGER NOT NULL DEFAULT 0,"
	"  max_retries INTEGER NOT NULL DEFAULT 0,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  deaths INTEGER NOT NULL DEFAULT 0,"
	"  exit_code INTEGER,"
	"  signal INTEGER,"
	"  error TEXT,"
	"  result_bytes INTEGER,"
	"  result_truncated INTEGER NOT NULL DEFAULT 0,"
	"  worker TEXT,"
	"  cancel_requested INTEGER NOT NULL DEFAULT 0,"
	"  pgid INTEGER,"
	"  proc_start INTEGER,"
	"  rescue_term_at INTEGER,"
	"  progress_percent REAL,"
	"  progress_done INTEGER,"
	"  progress_total INTEGER,"
	"  progress_message TEXT"
	") STRICT;"
	/* The claim walks this index in order: only waiting jobs are in
	 * it, so its cost does not grow with finished jobs. */
	"CREATE INDEX jobs_waiting ON jobs(priority, id)"
	"  WHERE state IN ('pending', 'retrying');"
	"CREATE INDEX jobs_running ON jobs(worker)"
	"  WHERE state = 'running';"
	"CREATE TABLE results ("
	"  job_id INTEGER PRIMARY KEY,"
	"  data BLOB NOT NULL"
	") STRICT;"
	"CREATE TABLE attempts ("
	"  job_id INTEGER NOT NULL,"
	"  attempt INTEGER NOT NULL,"
	"  worker TEXT,"
	"  started_at INTEGER,"
	"  finished_at INTEGER,"
	"  outcome TEXT,"
	"  exit_code INTEGER,"
	"  signal INTEGER,"
	"  error TEXT,"
	"  PRIMARY KEY (job_id, attempt)"
	") STRICT;"
	"CREATE TABLE workers ("
	"  id TEXT PRIMARY KEY,"
	"  pid INTEGER NOT NULL,"
	"  started_at INTEGER NOT NULL,"
	"  grace_ms INTEGER NOT NULL"
	") STRICT;",
	/* 2: payloads (up to 16 MiB) in a table of their own.  In the
	 * jobs row a big payload sat in front of every later column, and
	 * any query reading those walked its overflow pages, payload
	 * wanted or not. */
	"CREATE TABLE payloads ("
	"  job_id INTEGER PRIMARY KEY,"
	"  data BLOB NOT NULL"
	") STRICT;"
	"INSERT INTO payloads (job_id, data) SELECT id, payload FROM jobs;"
	"ALTER TABLE jobs DROP COLUMN payload;",
	/* 3: the boot a process group was recorded in, and the boot whose
	 * clock (CLOCK_BOOTTIME) rescue_term_at is read on: after a reboot
	 * neither the group nor the time means anything. */
	("ALTER TABLE jobs ADD COLUMN proc_boot TEXT;"
	 "ALTER TABLE jobs ADD COLUMN rescue_boot TEXT;"),
	/* 4: retries, and jobs that are not due yet kept out of the
	 * claim's index.  A job whose run_at was in the future when it
	 * was last written is `delayed`; the claim first makes the ones
	 * that came due claimable (through jobs_delayed, so it costs one
	 * seek when none did), and then takes the first entry of
	 * jobs_ready, which holds only jobs that may run now.  Ordering
	 * by (priority, run_at, id) with run_at <= now in the WHERE would
	 * walk over every future job of the most urgent priority.  Every
	 * waiting job starts delayed here, so no clock is needed: the
	 * first claim promotes those already due. */
	("ALTER TABLE jobs ADD COLUMN retry_delay_ms INTEGER NOT NULL"
	 "  DEFAULT 10000;"
	 "ALTER TABLE jobs ADD COLUMN delayed INTEGER NOT NULL DEFAULT 0;"
	 "UPDATE jobs SET delayed = 1"
	 "  WHERE state IN ('pending', 'retrying');"
	 "DROP INDEX jobs_waiting;"
	 "CREATE INDEX jobs_ready ON jobs(priority, run_at, id)"
	 "  WHERE state IN ('pending', 'retrying') AND delayed = 0;"
	 "CREATE INDEX jobs_delayed ON jobs(run_at) WHERE delayed = 1;"),
	/* 5: queues, each with its pause, its limit and the number of its
	 * jobs running.  The claim looks at each queue that may give a
	 * job (not paused, under its limit, served) and takes the first
	 * ready job of each through jobs_ready, now by queue first: a
	 * paused or full queue costs nothing however many jobs wait in
	 * it, and the cost is one seek per queue.  The row '*' holds what
	 * a queue not seen before starts with (a pause of every queue).
	 * Triggers keep `running` right whatever path a job takes into or
	 * out of running. */
	("CREATE TABLE queues ("
	 "  name TEXT PRIMARY KEY,"
	 "  paused INTEGER NOT NULL DEFAULT 0,"
	 "  max_running INTEGER,"
	 "  running INTEGER NOT NULL DEFAULT 0"
	 ") STRICT;"
	 "INSERT INTO queues (name) VALUES ('*');"
	 "INSERT INTO queues (name, running)"
	 "  SELECT queue, sum(state = 'running') FROM jobs GROUP BY queue;"
	 "DROP INDEX jobs_ready;"
	 "CREATE INDEX jobs_ready ON jobs(queue, priority, run_at, id)"
	 "  WHERE state IN ('pending', 'retrying') AND delayed = 0;"
	 "CREATE INDEX jobs_queue ON jobs(queue)"
	 "  WHERE state IN ('pending', 'retrying', 'running');"
	 "CREATE TRIGGER jobs_run_start AFTER UPDATE OF state ON jobs"
	 "  WHEN new.state = 'running' AND old.state != 'running'"
	 "  BEGIN UPDATE queues SET running = running + 1"
	 "   WHERE name = new.queue; END;"
	 "CREATE TRIGGER jobs_run_end AFTER UPDATE OF state ON jobs"
	 "  WHEN old.state = 'running' AND new.state != 'running'"
	 "  BEGIN UPDATE queues SET running = running - 1"
	 "   WHERE name = old.queue; END;"),
	/* 6: dependencies (submit --after).  `blocked` is the number of a
	 * job's dependencies that have not completed, kept by the
	 * transactions that end them, and jobs_ready holds only jobs with
	 * none: a job waiting for others costs the claim nothing. */
	("CREATE TABLE deps ("
	 "  job_id INTEGER NOT NULL,"
	 "  dep_id INTEGER NOT NULL,"
	 "  PRIMARY KEY (job_id, dep_id)"
	 ") STRICT, WITHOUT ROWID;"
	 "CREATE INDEX deps_dep ON deps(dep_id);"
	 "ALTER TABLE jobs ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;"
	 "DROP INDEX jobs_ready;"
	 "CREATE INDEX jobs_ready ON jobs(queue, priority, run_at, id)"
	 "  WHERE state IN ('pending', 'retrying') AND delayed = 0"
	 "  AND blocked = 0;"),
	/* 7: unique jobs (submit --key): while a job with a key waits or
	 * runs, the database itself refuses a second one, so racing
	 * submits make one job whatever the code above does. */
	("ALTER TABLE jobs ADD COLUMN key TEXT;"
	 "CREATE UNIQUE INDEX jobs_key ON jobs(key)"
	 "  WHERE key IS NOT NULL"
	 "  AND state IN ('pending', 'retrying', 'running');"),
	/* 8: tags (a JSON array of names) and metadata (a JSON object of
	 * strings), as submitted; list --tag looks into the array. */
	("ALTER TABLE jobs ADD COLUMN tags TEXT;"
	 "ALTER TABLE jobs ADD COLUMN meta TEXT;"),
	/* 9: settings (jobq config), the queues each worker serves, and
	 * what stats and retention read without a scan of the jobs.
	 * `counts` holds the number of jobs per queue, priority and
	 * state, kept by triggers in the transaction of every change, so
	 * whatever path a job takes the figures stay right; jobs_ended
	 * orders ended jobs by when they ended, for retention (oldest
	 * first) and for the jobs of the last minute and hour. */
	("CREATE TABLE settings ("
	 "  name TEXT PRIMARY KEY,"
	 "  value TEXT NOT NULL"
	 ") STRICT;"
	 "ALTER TABLE workers ADD COLUMN queues TEXT;"
	 "CREATE TABLE counts ("
	 "  queue TEXT NOT NULL,"
	 "  priority INTEGER NOT NULL,"
	 "  state TEXT NOT NULL,"
	 "  n INTEGER NOT NULL,"
	 "  PRIMARY KEY (queue, priority, state)"
	 ") STRICT, WITHOUT ROWID;"
	 "INSERT INTO counts (queue, priority, state, n)"
	 "  SELECT queue, priority, state, count(*) FROM jobs"
	 "  GROUP BY queue, priority, state;"
	 "CREATE TRIGGER counts_insert AFTER INSERT ON jobs BEGIN"
	 "  INSERT INTO counts (queue, priority, state, n)"
	 "   VALUES (new.queue, new.priority, new.state, 1)"
	 "   ON CONFLICT DO UPDATE SET n = n + 1; END;"
	 "CREATE TRIGGER counts_delete AFTER DELETE ON jobs BEGIN"
	 "  UPDATE counts SET n = n - 1 WHERE queue = old.queue"
	 "   AND priority = old.priority AND state = old.state; END;"
	 "CREATE TRIGGER counts_update"
	 "  AFTER UPDATE OF state, queue, priority ON jobs"
	 "  WHEN old.state != new.state OR old.queue != new.queue"
	 "  OR old.priority != new.priority BEGIN"
	 "  UPDATE counts SET n = n - 1 WHERE queue = old.queue"
	 "   AND priority = old.priority AND state = old.state;"
	 "  INSERT INTO counts (queue, priority, state, n)"
	 "   VALUES (new.queue, new.priority, new.state, 1)"
	 "   ON CONFLICT DO UPDATE SET n = n + 1; END;"
	 "CREATE INDEX jobs_ended ON jobs(finished_at, id)"
	 "  WHERE state IN ('completed', 'failed', 'timeout',"
	 "  'cancelled');"),
	/* 10: an exec job's environment (a JSON object), beside its
	 * payload and not in it: the command's argv is what people are
	 * shown, its environment only what status --json and the worker
	 * read. */
	("ALTER TABLE payloads ADD COLUMN env TEXT;"),
	/* 11: no index condition with an IN list (see SQL_STATE_LIVE);
	 * jobs_queue goes, as no query reads it since the queues table
	 * counts running jobs. */
	("DROP INDEX jobs_queue;"
	 "DROP INDEX jobs_key;"
	 "CREATE UNIQUE INDEX jobs_key ON jobs(key)"
	 "  WHERE key IS NOT NULL AND " SQL_STATE_LIVE ";"
	 "DROP INDEX jobs_ended;"
	 "CREATE INDEX jobs_ended ON jobs(finished_at, id)"
	 "  WHERE " SQL_STATE_ENDED ";"),
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

struct db_header {
	int version;		/* PRAGMA user_version */
	int appid;		/* PRAGMA application_id */
	int ntables;
	int jobs;		/* 1 if it has the jobs table */
};

/* What the header alone cannot say: whether the database holds any
 * schema object (a foreign database, when the header is not jobq's) and
 * whether it has the jobs table. */
static enum store_rc
read_schema_counts(struct sqlite_store *st, struct db_header *h)
{
	sqlite3_stmt *s = sq_prepare(st, "SELECT count(*),"
	    " count(CASE WHEN type = 'table' AND name = 'jobs' THEN 1 END)"
	    " FROM sqlite_schema");
	enum store_rc r = STORE_OK;

	if (s == NULL || sq_step(s) != SQLITE_ROW)
		r = sq_db_fail(st, sq_classify(sqlite3_errcode(st->db)),
		    "cannot read the database");
	else {
		h->ntables = sqlite3_column_int(s, 0);
		h->jobs = sqlite3_column_int(s, 1);
	}
	sqlite3_finalize(s);
	return r;
}

/* One PRAGMA's integer, from the database header. */
static bool
read_pragma(struct sqlite_store *st, const char *sql, int *v)
{
	sqlite3_stmt *s = sq_prepare(st, sql);
	bool ok = s != NULL && sq_step(s) == SQLITE_ROW;

	if (ok)
		*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return ok;
}

/* The first statement on a file: a file that is not a database fails
 * here (SQLITE_NOTADB) before anything is written.  An up-to-date
 * spool (every command but the first) costs two PRAGMAs that read the
 * header and a look into the schema SQLite has already parsed; the
 * count of the schema's objects, which only tells a foreign database
 * from a new one, is read only when the header is not ours. */
static enum store_rc
read_header(struct sqlite_store *st, struct db_header *h)
{
	if (!read_pragma(st, "PRAGMA user_version", &h->version) ||
	    !read_pragma(st, "PRAGMA application_id", &h->appid))
		return sq_db_fail(st, sq_classify(sqlite3_errcode(st->db)),
		    "cannot read the database");
	if (h->version == SCHEMA_VERSION && h->appid == APPLICATION_ID &&
	    sqlite3_table_column_metadata(st->db, "main", "jobs", NULL, NULL,
	    NULL, NULL, NULL, NULL) == SQLITE_OK) {
		h->ntables = 1;
		h->jobs = 1;
		return STORE_OK;
	}
	return read_schema_counts(st, h);
}
static enum store_rc
check_header(struct sqlite_store *st, const struct db_header *h)
{
	if ((h->appid != 0 && h->appid != APPLICATION_ID) ||
	    (h->appid == 0 && h->ntables > 0)) {
		return sq_fail(st, STORE_UNUSABLE,
		    "not a jobq database (it belongs to another program)");
	}
	if (h->version > SCHEMA_VERSION) {
		return sq_fail(st, STORE_UNUSABLE, "the database was made by "
		    "a newer jobq (schema %d, this one knows %d)", h->version,
		    SCHEMA_VERSION);
	}
	/* Stamped, so migrations would start past the one that makes the
	 * tables, and every statement would fail: a damaged file, not a
	 * bug of ours. */
	if (h->version > 0 && h->jobs == 0) {
		return sq_fail(st, STORE_UNUSABLE, "the database is damaged: "
		    "it is marked as jobq's (schema %d) but has no jobs table; "
		    "move it away to start afresh", h->version);
	}
	return STORE_OK;
}

/* read_header() and check_header() again, in one read transaction.
 * Outside one, each statement reads its own snapshot, and the pragmas
 * and the schema can come from either side of another first command's
 * commit that makes the tables and stamps the header (a "foreign"
 * database that was jobq's a moment later). */
static enum store_rc
header_in_one_snapshot(struct sqlite_store *st, struct db_header *h)
{
	enum store_rc r;

	if (sq_exec(st, "BEGIN") != SQLITE_OK)
		return sq_db_fail(st, STORE_UNUSABLE,
		    "cannot read the database");
	if ((r = read_header(st, h)) == STORE_OK)
		r = check_header(st, h);
	sq_exec(st, "COMMIT");
	return r;
}

/* Schema: check it is ours and bring it up to date.  An up-to-date
 * database (the usual case) costs one read and no lock; creating and
 * migrating happen under the spool's lock, so two first commands cannot
 * race. */
enum store_rc
sq_migrate(struct sqlite_store *st)
{
	struct db_header h;
	enum store_rc r;
	char *cause;
	int rc;

	if (((r = read_header(st, &h)) != STORE_OK ||
	    (r = check_header(st, &h)) != STORE_OK) &&
	    (r != STORE_UNUSABLE || (r = header_in_one_snapshot(st, &h)) !=
	    STORE_OK))
		return r;
	/* Only now that the database is known to be ours (or new). */
	if (!spool_make(st->sp, st->create, &cause)) {
		r = sq_fail(st, STORE_UNUSABLE, "%s", cause);
		free(cause);
		return r;
	}
	if (h.version == SCHEMA_VERSION)
		return STORE_OK;

	/* journal_mode cannot change inside a transaction; WAL is
	 * persistent, so this writes only the first time. */
	spool_lock(st->sp);
	rc = sq_exec(st, "PRAGMA journal_mode = WAL");
	spool_unlock(st->sp);
	if (rc != SQLITE_OK)
		return sq_db_fail(st, sq_classify(rc),
		    "cannot use the database");

	if ((r = sq_begin(st, DURABLE)) != STORE_OK)
		return r;
	if ((r = read_header(st, &h)) != STORE_OK ||
	    (r = check_header(st, &h)) != STORE_OK)
		return sq_rollback(st, r);
	for (int v = h.version; v < SCHEMA_VERSION; v++) {
		if ((rc = sq_exec(st, migrations[v])) != SQLITE_OK)
			return sq_rollback(st, sq_db_fail(st, STORE_ERROR,
			    "cannot migrate the schema"));
	}
	if (h.version < SCHEMA_VERSION) {
		char sql[128];

		/* PRAGMA takes no parameters; both values are ours. */
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; "
		    "PRAGMA user_version = %d", APPLICATION_ID, SCHEMA_VERSION);
		if ((rc = sq_exec(st, sql)) != SQLITE_OK)
			return sq_rollback(st, sq_db_fail(st, STORE_ERROR,
			    "cannot migrate the schema"));
	}
	return sq_commit(st);
}

