/* store-sqlite.c: the job store on SQLite.  Every write is one short
 * BEGIN IMMEDIATE transaction taken under the spool's flock, so writers
 * take turns fairly instead of racing on SQLite's busy handler. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "store.h"
#include "util.h"

#define APPLICATION_ID 0x6a6f6271	/* "jobq" */

/* Statements kept prepared for the life of the store: the worker runs
 * them for every job. */
enum stmt_id {
	S_CLAIM,
	S_CLAIM_ATTEMPT,
	S_SET_PROCESS,
	S_SET_PROGRESS,
	S_FINISH,
	S_FINISH_ATTEMPT,
	S_SAVE_RESULT,
	S_FENCE,
	S_GET,
	S_GET_INFO,
	S_CANCEL_REQUESTS,
	S_NEXT_DUE,
	S_ANY_RUNNABLE,
	S_SUBMIT,
	S_SUBMIT_PAYLOAD,
	S_RUNNING_ELSEWHERE,
	S_WORKERS,
	S_DATA_VERSION,
	S_NSTMTS
};

struct store {
	struct spool *sp;
	sqlite3 *db;
	sqlite3_stmt *stmts[S_NSTMTS];
	bool wait;
	bool create;		/* may make the spool's files */
	int durability;		/* enum durability in force */
	int64_t data_version;	/* as of the last store_changed(); -1: never */
	char *err;		/* the last error, malloc'd */
};

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
	"ALTER TABLE jobs ADD COLUMN proc_boot TEXT;"
	"ALTER TABLE jobs ADD COLUMN rescue_boot TEXT;",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The columns row_to_job() reads, in its order.  The payload, which
 * may be 16 MiB, lives in its own table; a query that has no use for it
 * selects NULL in its place. */
#define JOB_COLUMNS_WITH(payload) \
	"id, type, queue, priority, state, " payload ", created_at, run_at, " \
	"started_at, finished_at, timeout_ms, attempt, max_retries, " \
	"failures, deaths, exit_code, signal, error, result_bytes, " \
	"result_truncated, worker, cancel_requested, pgid, proc_start, " \
	"rescue_term_at, progress_percent, progress_done, progress_total, " \
	"progress_message, proc_boot, rescue_boot"
#define JOB_COLUMNS JOB_COLUMNS_WITH( \
	"(SELECT data FROM payloads WHERE job_id = jobs.id)")
#define JOB_COLUMNS_NO_PAYLOAD JOB_COLUMNS_WITH("NULL")

/* What recovery needs of a running job: no payload. */
#define RESCUE_COLUMNS \
	"id, attempt, worker, cancel_requested, pgid, proc_start, " \
	"rescue_term_at, proc_boot, rescue_boot"

static const char *const stmt_sql[S_NSTMTS] = {
	[S_CLAIM] =
	    "UPDATE jobs SET state = 'running', attempt = attempt + 1,"
	    " worker = ?1, started_at = ?2, finished_at = NULL,"
	    " cancel_requested = 0, pgid = NULL, proc_start = NULL,"
	    " proc_boot = NULL, rescue_boot = NULL,"
	    " rescue_term_at = NULL, exit_code = NULL, signal = NULL,"
	    " error = NULL, progress_percent = NULL, progress_done = NULL,"
	    " progress_total = NULL, progress_message = NULL"
	    " WHERE id = (SELECT id FROM jobs"
	    "  WHERE state IN ('pending', 'retrying') AND run_at <= ?2"
	    "  AND (?3 IS NULL OR queue IN (SELECT value FROM json_each(?3)))"
	    "  ORDER BY priority, id LIMIT 1)"
	    " RETURNING " JOB_COLUMNS,
	[S_CLAIM_ATTEMPT] =
	    "INSERT OR REPLACE INTO attempts (job_id, attempt, worker,"
	    " started_at) VALUES (?1, ?2, ?3, ?4)",
	[S_SET_PROCESS] =
	    "UPDATE jobs SET pgid = ?4, proc_start = ?5, proc_boot = ?6"
	    " WHERE id = ?1 AND attempt = ?2 AND worker = ?3"
	    " AND state = 'running'",
	[S_SET_PROGRESS] =
	    "UPDATE jobs SET progress_percent = ?4, progress_done = ?5,"
	    " progress_total = ?6, progress_message = ?7"
	    " WHERE id = ?1 AND attempt = ?2 AND worker = ?3"
	    " AND state = 'running'",
	[S_FINISH] =
	    "UPDATE jobs SET state = ?4, finished_at = ?5, exit_code = ?6,"
	    " signal = ?7, error = ?8, result_bytes = ?9,"
	    " result_truncated = ?10, failures = failures + ?11,"
	    " deaths = ?12, worker = ?13, pgid = NULL, proc_start = NULL,"
	    " rescue_term_at = NULL, proc_boot = NULL, rescue_boot = NULL"
	    " WHERE id = ?1 AND attempt = ?2 AND worker = ?3"
	    " AND state = 'running'",
	[S_FINISH_ATTEMPT] =
	    "UPDATE attempts SET finished_at = ?3, outcome = ?4,"
	    " exit_code = ?5, signal = ?6, error = ?7"
	    " WHERE job_id = ?1 AND attempt = ?2",
	[S_SAVE_RESULT] =
	    "INSERT OR REPLACE INTO results (job_id, data) VALUES (?1, ?2)",
	[S_FENCE] =
	    "SELECT deaths, cancel_requested FROM jobs WHERE id = ?1"
	    " AND attempt = ?2 AND worker = ?3 AND state = 'running'",
	[S_GET] = "SELECT " JOB_COLUMNS " FROM jobs WHERE id = ?1",
	[S_GET_INFO] =
	    "SELECT " JOB_COLUMNS_NO_PAYLOAD " FROM jobs WHERE id = ?1",
	[S_CANCEL_REQUESTS] =
	    "SELECT id FROM jobs WHERE state = 'running' AND worker = ?1"
	    " AND cancel_requested = 1",
	[S_NEXT_DUE] =
	    "SELECT min(run_at) FROM jobs"
	    " WHERE state IN ('pending', 'retrying') AND run_at > ?1"
	    " AND (?2 IS NULL OR queue IN (SELECT value FROM json_each(?2)))",
	[S_ANY_RUNNABLE] =
	    "SELECT 1 FROM jobs"
	    " WHERE state IN ('pending', 'retrying') AND run_at <= ?1"
	    " AND (?2 IS NULL OR queue IN (SELECT value FROM json_each(?2)))"
	    " LIMIT 1",
	[S_RUNNING_ELSEWHERE] =
	    "SELECT " RESCUE_COLUMNS " FROM jobs"
	    " WHERE state = 'running' AND (?1 IS NULL OR worker != ?1)",
	[S_WORKERS] = "SELECT id FROM workers ORDER BY id",
	[S_DATA_VERSION] = "PRAGMA data_version",
	[S_SUBMIT] =
	    "INSERT INTO jobs (type, queue, priority, state,"
	    " created_at, run_at, timeout_ms)"
	    " VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6)",
	[S_SUBMIT_PAYLOAD] =
	    "INSERT INTO payloads (job_id, data) VALUES (?1, ?2)",
};

/* Sets the store's error; returns rc. */
static enum store_rc __attribute__((format(printf, 3, 4)))
fail(struct store *st, enum store_rc rc, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	free(st->err);
	st->err = msg;
	return rc;
}

static enum store_rc
db_fail(struct store *st, enum store_rc rc, const char *what)
{
	return fail(st, rc, "%s: %s", what, sqlite3_errmsg(st->db));
}

/* Errors that mean the file is not (or no longer) a usable database,
 * as opposed to a passing condition or a bug. */
static enum store_rc
classify(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_IOERR:
	case SQLITE_FULL:
		return STORE_UNUSABLE;
	}
	return STORE_ERROR;
}

/* SQLITE_BUSY never reaches the user: the busy timeout (BUSY_TIMEOUT_MS)
 * waits first, then we back off and try again, BUSY_TRIES times.  Writers
 * take turns on the spool's flock, so in practice only a reader meeting
 * a checkpoint or WAL recovery ever waits here. */
#define BUSY_TIMEOUT_MS 5000
#define BUSY_TRIES 20

static bool
busy_backoff(int rc, int tries)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || tries >= BUSY_TRIES)
		return false;
	nanosleep(&ts, NULL);
	return true;
}

static int
step(sqlite3_stmt *stmt)
{
	int rc;

	for (int tries = 0;; tries++) {
		rc = sqlite3_step(stmt);
		if (!busy_backoff(rc, tries))
			return rc;
		sqlite3_reset(stmt);
	}
}

static int
exec_sql(struct store *st, const char *sql)
{
	int rc;

	for (int tries = 0;; tries++) {
		rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		if (!busy_backoff(rc, tries))
			return rc;
	}
}

static sqlite3_stmt *
stmt(struct store *st, enum stmt_id id)
{
	if (st->stmts[id] == NULL &&
	    sqlite3_prepare_v3(st->db, stmt_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &st->stmts[id], NULL) != SQLITE_OK)
		return NULL;
	return st->stmts[id];
}

/* A statement prepared for one use; finalize it after. */
static sqlite3_stmt *
prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	return s;
}

static void
done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* How a write transaction reaches the disk.  DURABLE commits are synced
 * before they return: a submitted job or a recorded outcome survives a
 * power cut.  LAZY commits reach the disk with the next durable one: a
 * claim or a progress note lost in a power cut only means the job runs
 * again, which at-least-once delivery allows, and it saves the worker an
 * fsync per job. */
enum durability { DURABLE, LAZY };

static void
set_durability(struct store *st, enum durability d)
{
	if (st->durability == (int)d)
		return;
	sqlite3_exec(st->db, d == DURABLE ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	st->durability = d;
}

static enum store_rc
begin_write_as(struct store *st, enum durability d)
{
	int rc;

	set_durability(st, d);

	if (st->wait)
		spool_lock(st->sp);
	else if (!spool_trylock(st->sp))
		return STORE_BUSY;
	if ((rc = exec_sql(st, "BEGIN IMMEDIATE")) != SQLITE_OK) {
		spool_unlock(st->sp);
		return db_fail(st, classify(rc), "cannot start a transaction");
	}
	return STORE_OK;
}

static enum store_rc
begin_write(struct store *st)
{
	return begin_write_as(st, DURABLE);
}

static enum store_rc
commit(struct store *st)
{
	int rc = exec_sql(st, "COMMIT");

	if (rc != SQLITE_OK) {
		enum store_rc r = db_fail(st, classify(rc), "cannot commit");

		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		spool_unlock(st->sp);
		return r;
	}
	spool_unlock(st->sp);
	return STORE_OK;
}

static enum store_rc
rollback(struct store *st, enum store_rc rc)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	spool_unlock(st->sp);
	return rc;
}

static char *
col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

static int64_t
col_int(sqlite3_stmt *s, int i, int64_t absent)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return absent;
	return sqlite3_column_int64(s, i);
}

static void
row_to_job(sqlite3_stmt *s, struct job *j)
{
	const void *payload;
	int n;

	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(s, 0);
	j->type = col_text(s, 1);
	j->queue = col_text(s, 2);
	j->priority = sqlite3_column_int(s, 3);
	if (!job_state_parse((const char *)sqlite3_column_text(s, 4),
	    &j->state))
		j->state = JOB_FAILED;
	payload = sqlite3_column_blob(s, 5);
	n = sqlite3_column_bytes(s, 5);
	j->payload = xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(j->payload, payload, (size_t)n);
	j->payload[n] = '\0';
	j->payload_len = (size_t)n;
	j->created_at = col_int(s, 6, 0);
	j->run_at = col_int(s, 7, 0);
	j->started_at = col_int(s, 8, 0);
	j->finished_at = col_int(s, 9, 0);
	j->timeout_ms = col_int(s, 10, 0);
	j->attempt = (int)col_int(s, 11, 0);
	j->max_retries = (int)col_int(s, 12, 0);
	j->failures = (int)col_int(s, 13, 0);
	j->deaths = (int)col_int(s, 14, 0);
	j->exit_code = (int)col_int(s, 15, -1);
	j->signal = (int)col_int(s, 16, 0);
	j->error = col_text(s, 17);
	j->result_bytes = col_int(s, 18, 0);
	j->result_truncated = col_int(s, 19, 0) != 0;
	j->worker = col_text(s, 20);
	j->cancel_requested = col_int(s, 21, 0) != 0;
	j->pgid = (int)col_int(s, 22, 0);
	j->proc_start = col_int(s, 23, 0);
	j->rescue_term_at = col_int(s, 24, 0);
	j->has_progress = sqlite3_column_type(s, 25) != SQLITE_NULL ||
	    sqlite3_column_type(s, 26) != SQLITE_NULL;
	j->progress_percent = sqlite3_column_type(s, 25) == SQLITE_NULL ?
	    -1 : sqlite3_column_double(s, 25);
	j->progress_done = col_int(s, 26, 0);
	j->progress_total = col_int(s, 27, 0);
	j->progress_message = col_text(s, 28);
	j->proc_boot = col_text(s, 29);
	j->rescue_boot = col_text(s, 30);
}

/* A row of RESCUE_COLUMNS. */
static void
row_to_rescue(sqlite3_stmt *s, struct job *j)
{
	memset(j, 0, sizeof(*j));
	j->state = JOB_RUNNING;
	j->exit_code = -1;
	j->progress_percent = -1;
	j->id = sqlite3_column_int64(s, 0);
	j->attempt = (int)col_int(s, 1, 0);
	j->worker = col_text(s, 2);
	j->cancel_requested = col_int(s, 3, 0) != 0;
	j->pgid = (int)col_int(s, 4, 0);
	j->proc_start = col_int(s, 5, 0);
	j->rescue_term_at = col_int(s, 6, 0);
	j->proc_boot = col_text(s, 7);
	j->rescue_boot = col_text(s, 8);
}

/* Binds a queue list as the JSON array the statements expect, or NULL
 * for every queue. */
static void
bind_queues(sqlite3_stmt *s, int idx, const char *const *queues, size_t n)
{
	json_t *arr;
	char *text;

	if (queues == NULL || n == 0) {
		sqlite3_bind_null(s, idx);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_string(queues[i]));
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	sqlite3_bind_text(s, idx, text, -1, free);
}

static void
bind_text_or_null(sqlite3_stmt *s, int idx, const char *t)
{
	if (t != NULL)
		sqlite3_bind_text(s, idx, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, idx);
}

static void
bind_int_or_null(sqlite3_stmt *s, int idx, int64_t v, bool present)
{
	if (present)
		sqlite3_bind_int64(s, idx, v);
	else
		sqlite3_bind_null(s, idx);
}

struct db_header {
	int version;		/* PRAGMA user_version */
	int appid;		/* PRAGMA application_id */
	int ntables;
	int jobs;		/* 1 if it has the jobs table */
};

/* The first statement on a file: a file that is not a database fails
 * here (SQLITE_NOTADB) before anything is written. */
static enum store_rc
read_header(struct store *st, struct db_header *h)
{
	sqlite3_stmt *s = prepare(st, "SELECT"
	    " (SELECT user_version FROM pragma_user_version),"
	    " (SELECT application_id FROM pragma_application_id),"
	    " (SELECT count(*) FROM sqlite_schema),"
	    " (SELECT count(*) FROM sqlite_schema"
	    "  WHERE type = 'table' AND name = 'jobs')");
	enum store_rc r = STORE_OK;

	if (s == NULL || step(s) != SQLITE_ROW)
		r = db_fail(st, classify(sqlite3_errcode(st->db)),
		    "cannot read the database");
	else {
		h->version = sqlite3_column_int(s, 0);
		h->appid = sqlite3_column_int(s, 1);
		h->ntables = sqlite3_column_int(s, 2);
		h->jobs = sqlite3_column_int(s, 3);
	}
	sqlite3_finalize(s);
	return r;
}

static enum store_rc
check_header(struct store *st, const struct db_header *h)
{
	if ((h->appid != 0 && h->appid != APPLICATION_ID) ||
	    (h->appid == 0 && h->ntables > 0)) {
		return fail(st, STORE_UNUSABLE,
		    "not a jobq database (it belongs to another program)");
	}
	if (h->version > SCHEMA_VERSION) {
		return fail(st, STORE_UNUSABLE, "the database was made by a "
		    "newer jobq (schema %d, this one knows %d)", h->version,
		    SCHEMA_VERSION);
	}
	/* Stamped, so migrations would start past the one that makes the
	 * tables, and every statement would fail: a damaged file, not a
	 * bug of ours. */
	if (h->version > 0 && h->jobs == 0) {
		return fail(st, STORE_UNUSABLE, "the database is damaged: "
		    "it is marked as jobq's (schema %d) but has no jobs table; "
		    "move it away to start afresh", h->version);
	}
	return STORE_OK;
}

/* Schema: check it is ours and bring it up to date.  An up-to-date
 * database (the usual case) costs one read and no lock; creating and
 * migrating happen under the spool's lock, so two first commands cannot
 * race. */
static enum store_rc
migrate(struct store *st)
{
	struct db_header h;
	enum store_rc r;
	int rc;

	if ((r = read_header(st, &h)) != STORE_OK ||
	    (r = check_header(st, &h)) != STORE_OK)
		return r;
	/* Only now that the database is known to be ours (or new). */
	if (!spool_make(st->sp, st->create))
		return fail(st, STORE_UNUSABLE, "%s", st->sp->err);
	if (h.version == SCHEMA_VERSION)
		return STORE_OK;

	/* journal_mode cannot change inside a transaction; WAL is
	 * persistent, so this writes only the first time. */
	spool_lock(st->sp);
	rc = exec_sql(st, "PRAGMA journal_mode = WAL");
	spool_unlock(st->sp);
	if (rc != SQLITE_OK)
		return db_fail(st, classify(rc), "cannot use the database");

	if ((r = begin_write(st)) != STORE_OK)
		return r;
	if ((r = read_header(st, &h)) != STORE_OK ||
	    (r = check_header(st, &h)) != STORE_OK)
		return rollback(st, r);
	for (int v = h.version; v < SCHEMA_VERSION; v++) {
		if ((rc = exec_sql(st, migrations[v])) != SQLITE_OK)
			return rollback(st, db_fail(st, STORE_ERROR,
			    "cannot migrate the schema"));
	}
	if (h.version < SCHEMA_VERSION) {
		char sql[128];

		/* PRAGMA takes no parameters; both values are ours. */
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; "
		    "PRAGMA user_version = %d", APPLICATION_ID, SCHEMA_VERSION);
		if ((rc = exec_sql(st, sql)) != SQLITE_OK)
			return rollback(st, db_fail(st, STORE_ERROR,
			    "cannot migrate the schema"));
	}
	return commit(st);
}

/* Opens the database file; *cause says why not. */
static enum store_rc
open_db(struct store *st, const char *path, char **cause)
{
	/* NOFOLLOW: a symlink put there after spool_open() looked. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_NOFOLLOW;
	struct stat sb;
	char why[1024];
	int rc;

	/* stat, never open(): closing our own fd of the database would drop
	 * SQLite's POSIX locks on it.  spool_open() has seen that it is no
	 * symlink. */
	if (lstat(path, &sb) < 0) {
		if (errno != ENOENT || !st->create) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			return errno == ENOENT ? STORE_NOTFOUND :
			    STORE_UNUSABLE;
		}
		flags |= SQLITE_OPEN_CREATE;
	} else if (!check_not_world_writable(path, "database", why,
	    sizeof(why))) {
		*cause = xstrdup(why);
		return STORE_UNUSABLE;
	}
	if (flags & SQLITE_OPEN_CREATE) {
		mode_t old;

		if (!spool_make(st->sp, true)) {
			*cause = xstrdup(st->sp->err);
			return STORE_UNUSABLE;
		}
		/* Two first commands may race to create it: the lock makes
		 * one of them create and the other open. */
		old = umask(077);	/* the database is private */
		spool_lock(st->sp);
		rc = sqlite3_open_v2(path, &st->db, flags, NULL);
		spool_unlock(st->sp);
		umask(old);
	} else
		rc = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (rc != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		return STORE_UNUSABLE;
	}
	return STORE_OK;
}

static void
tune(struct store *st)
{
	int persist = 1;

	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 0);
	set_durability(st, DURABLE);
	/* The last connection to close checkpoints the WAL; keep the file
	 * rather than delete it, so the next command need not create and
	 * sync a new one.  (Skipping that checkpoint instead lets the WAL
	 * grow without bound: each new process rebuilds its index from the
	 * whole file.) */
	sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL,
	    &persist);
	/* With a size limit set, that last checkpoint also truncates the
	 * kept WAL, and a long-lived worker's WAL is cut back after each
	 * checkpoint that resets it. */
	sqlite3_exec(st->db, "PRAGMA journal_size_limit = 4194304", NULL,
	    NULL, NULL);
}

enum store_rc
store_open(struct spool *sp, bool create, struct store **out, char **cause)
{
	struct store *st;
	char *path;
	enum store_rc r;

	*cause = NULL;
	st = xcalloc(1, sizeof(*st));
	st->sp = sp;
	st->wait = true;
	st->create = create;
	st->durability = -1;
	st->data_version = -1;
	path = spool_path(sp, "jobq.db");
	if ((r = open_db(st, path, cause)) == STORE_OK) {
		tune(st);
		if ((r = migrate(st)) != STORE_OK)
			*cause = xasprintf("%s: %s", path, store_error(st));
	}
	free(path);
	if (r != STORE_OK) {
		store_close(st);
		return r;
	}
	*out = st;
	return STORE_OK;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < S_NSTMTS; i++)
		sqlite3_finalize(st->stmts[i]);
	sqlite3_close(st->db);
	free(st->err);
	free(st);
}

const char *
store_error(const struct store *st)
{
	return st->err != NULL ? st->err : "unknown error";
}

void
store_set_wait(struct store *st, bool wait)
{
	st->wait = wait;
}

enum store_rc
store_submit(struct store *st, const struct job_spec *spec, int64_t *id)
{
	sqlite3_stmt *s, *p;
	int64_t now = now_ms();
	enum store_rc r;
	int rc;

	if ((r = begin_write(st)) != STORE_OK)
		return r;
	if ((s = stmt(st, S_SUBMIT)) == NULL)
		return rollback(st, db_fail(st, STORE_ERROR, "submit"));
	sqlite3_bind_text(s, 1, spec->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, spec->queue, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, spec->priority);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, spec->run_at > 0 ? spec->run_at : now);
	sqlite3_bind_int64(s, 6, spec->timeout_ms);
	rc = step(s);
	done(s);
	if (rc == SQLITE_DONE) {
		*id = sqlite3_last_insert_rowid(st->db);
		if ((p = stmt(st, S_SUBMIT_PAYLOAD)) == NULL)
			return rollback(st, db_fail(st, STORE_ERROR, "submit"));
		sqlite3_bind_int64(p, 1, *id);
		sqlite3_bind_blob64(p, 2, spec->payload, spec->payload_len,
		    SQLITE_STATIC);
		rc = step(p);
		done(p);
	}
	if (rc != SQLITE_DONE)
		return rollback(st, db_fail(st, classify(rc),
		    "cannot store the job"));
	if ((r = commit(st)) != STORE_OK)
		return r;
	spool_wake(st->sp);
	return STORE_OK;
}

static enum store_rc
get_job(struct store *st, enum stmt_id which, int64_t id, struct job *out)
{
	sqlite3_stmt *s = stmt(st, which);
	int rc;

	if (s == NULL)
		return db_fail(st, STORE_ERROR, "get");
	sqlite3_bind_int64(s, 1, id);
	rc = step(s);
	if (rc == SQLITE_ROW)
		row_to_job(s, out);
	done(s);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return STORE_NOTFOUND;
	return db_fail(st, classify(rc), "cannot read the job");
}

enum store_rc
store_get(struct store *st, int64_t id, struct job *out)
{
	return get_job(st, S_GET, id, out);
}

enum store_rc
store_get_info(struct store *st, int64_t id, struct job *out)
{
	return get_job(st, S_GET_INFO, id, out);
}

enum store_rc
store_get_result(struct store *st, int64_t id, char **buf, size_t *len)
{
	sqlite3_stmt *s = prepare(st,
	    "SELECT data FROM results WHERE job_id = ?1");
	int rc, n = 0;

	if (s == NULL)
		return db_fail(st, STORE_ERROR, "result");
	sqlite3_bind_int64(s, 1, id);
	rc = step(s);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_bytes(s, 0);
	*buf = xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(*buf, sqlite3_column_blob(s, 0), (size_t)n);
	*len = (size_t)n;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		free(*buf);
		return db_fail(st, classify(rc), "cannot read the result");
	}
	return STORE_OK;
}

enum store_rc
store_get_attempts(struct store *st, int64_t id, struct attempt **out,
    size_t *n)
{
	sqlite3_stmt *s = prepare(st, "SELECT attempt, worker, started_at,"
	    " finished_at, outcome, exit_code, signal, error FROM attempts"
	    " WHERE job_id = ?1 ORDER BY attempt");
	struct attempt *a = NULL;
	size_t count = 0;
	int rc;

	if (s == NULL)
		return db_fail(st, STORE_ERROR, "attempts");
	sqlite3_bind_int64(s, 1, id);
	while ((rc = step(s)) == SQLITE_ROW) {
		a = xrealloc(a, (count + 1) * sizeof(*a));
		a[count].attempt = sqlite3_column_int(s, 0);
		a[count].worker = col_text(s, 1);
		a[count].started_at = col_int(s, 2, 0);
		a[count].finished_at = col_int(s, 3, 0);
		a[count].outcome = col_text(s, 4);
		a[count].exit_code = (int)col_int(s, 5, -1);
		a[count].signal = (int)col_int(s, 6, 0);
		a[count].error = col_text(s, 7);
		count++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		attempts_free(a, count);
		return db_fail(st, classify(rc), "cannot read attempts");
	}
	*out = a;
	*n = count;
	return STORE_OK;
}

/* What list matches; ?1 states as a JSON array, ?2 queue, ?3 type. */
#define LIST_MATCH \
	" (?1 IS NULL OR state IN (SELECT value FROM json_each(?1)))" \
	" AND (?2 IS NULL OR queue = ?2) AND (?3 IS NULL OR type = ?3)"

/* list reads a page of jobs, ends its read transaction, and only then
 * hands them out to be printed: a reader that stops reading our output
 * must not pin a snapshot, or no checkpoint can complete and the WAL
 * grows with every write.  A page is this many jobs, or fewer if their
 * payloads add up to LIST_PAGE_BYTES. */
#define LIST_PAGE_ROWS 256
#define LIST_PAGE_BYTES (1024 * 1024)

static void
bind_list_match(sqlite3_stmt *s, const struct list_filter *f)
{
	json_t *states;

	if (f->states != 0) {
		states = json_array();
		for (int i = 0; i < JOB_NSTATES; i++)
			if (f->states & (1u << i))
				json_array_append_new(states,
				    json_string(job_state_name(i)));
		sqlite3_bind_text(s, 1, json_dumps(states, JSON_COMPACT), -1,
		    free);
		json_decref(states);
	}
	bind_text_or_null(s, 2, f->queue);
	bind_text_or_null(s, 3, f->type);
}

/* The ids to list are in (*after, *upto]: jobs submitted once the list
 * has begun are not in it, and with a limit it starts at the limit-th
 * newest job that matches. */
static enum store_rc
list_bounds(struct store *st, const struct list_filter *f, int64_t *after,
    int64_t *upto)
{
	sqlite3_stmt *s = prepare(st, "SELECT (SELECT max(id) FROM jobs),"
	    " (SELECT id FROM jobs WHERE ?4 > 0 AND" LIST_MATCH
	    "  ORDER BY id DESC LIMIT 1 OFFSET ?4 - 1)");
	int rc;

	if (s == NULL)
		return db_fail(st, STORE_ERROR, "list");
	bind_list_match(s, f);
	sqlite3_bind_int64(s, 4, f->limit);
	rc = step(s);
	if (rc == SQLITE_ROW) {
		*upto = col_int(s, 0, 0);
		*after = col_int(s, 1, 1) - 1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return db_fail(st, classify(rc), "cannot list jobs");
	return STORE_OK;
}

/* Reads the next page after *after into page[], and ends the read. */
static enum store_rc
list_page(struct store *st, sqlite3_stmt *s, int64_t *after,
    struct job *page, size_t *n, bool *last)
{
	size_t bytes = 0;
	int rc = SQLITE_ROW;

	*n = 0;
	sqlite3_bind_int64(s, 4, *after);
	while (*n < LIST_PAGE_ROWS && bytes < LIST_PAGE_BYTES &&
	    (rc = step(s)) == SQLITE_ROW) {
		row_to_job(s, &page[*n]);
		bytes += page[*n].payload_len;
		*after = page[(*n)++].id;
	}
	sqlite3_reset(s);
	*last = rc != SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		for (size_t i = 0; i < *n; i++)
			job_clear(&page[i]);
		return db_fail(st, classify(rc), "cannot list jobs");
	}
	return STORE_OK;
}

enum store_rc
store_list(struct store *st, const struct list_filter *f,
    int (*fn)(const struct job *, void *), void *arg)
{
	struct job *page;
	sqlite3_stmt *s;
	int64_t after = 0, upto = 0, left;
	enum store_rc r;
	size_t n = 0;
	bool last = false;
	int stop = 0;

	if ((r = list_bounds(st, f, &after, &upto)) != STORE_OK)
		return r;
	if (f->payload)
		s = prepare(st, "SELECT " JOB_COLUMNS " FROM jobs"
		    " WHERE id > ?4 AND id <= ?5 AND" LIST_MATCH
		    " ORDER BY id");
	else
		s = prepare(st, "SELECT " JOB_COLUMNS_NO_PAYLOAD " FROM jobs"
		    " WHERE id > ?4 AND id <= ?5 AND" LIST_MATCH
		    " ORDER BY id");
	if (s == NULL)
		return db_fail(st, STORE_ERROR, "list");
	bind_list_match(s, f);
	sqlite3_bind_int64(s, 5, upto);
	page = xcalloc(LIST_PAGE_ROWS, sizeof(*page));
	left = f->limit > 0 ? f->limit : INT64_MAX;
	while (!stop && !last && left > 0) {
		if ((r = list_page(st, s, &after, page, &n, &last)) != STORE_OK)
			break;
		for (size_t i = 0; i < n; i++) {
			if (!stop && left > 0) {
				stop = fn(&page[i], arg);
				left--;
			}
			job_clear(&page[i]);
		}
	}
	free(page);
	sqlite3_finalize(s);
	return r;
}

enum store_rc
store_cancel(struct store *st, int64_t id, enum job_state *was)
{
	sqlite3_stmt *s;
	enum store_rc r;
	struct job j;

	if ((r = begin_write(st)) != STORE_OK)
		return r;
	if ((r = store_get_info(st, id, &j)) != STORE_OK)
		return rollback(st, r);
	*was = j.state;
	job_clear(&j);
	if (job_state_ended(*was))
		return rollback(st, STORE_CONFLICT);
	if (*was == JOB_RUNNING)
		s = prepare(st, "UPDATE jobs SET cancel_requested = 1"
		    " WHERE id = ?1");
	else
		s = prepare(st, "UPDATE jobs SET state = 'cancelled',"
		    " finished_at = ?2, error = 'cancelled' WHERE id = ?1");
	if (s == NULL)
		return rollback(st, db_fail(st, STORE_ERROR, "cancel"));
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now_ms());
	if (step(s) != SQLITE_DONE) {
		r = db_fail(st, classify(sqlite3_errcode(st->db)),
		    "cannot cancel");
		sqlite3_finalize(s);
		return rollback(st, r);
	}
	sqlite3_finalize(s);
	if ((r = commit(st)) != STORE_OK)
		return r;
	spool_wake(st->sp);
	return STORE_OK;
}

/* Runs a one-off write statement with text and integer parameters given
 * as a format: 't' text, 'i' int64, 'n' null. */
static enum store_rc
write_one(struct store *st, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *s;
	enum store_rc r;
	va_list ap;
	int rc;

	if ((r = begin_write(st)) != STORE_OK)
		return r;
	if ((s = prepare(st, sql)) == NULL)
		return rollback(st, db_fail(st, STORE_ERROR, "write"));
	va_start(ap, fmt);
	for (int i = 0; fmt[i] != '\0'; i++) {
		if (fmt[i] == 't')
			sqlite3_bind_text(s, i + 1, va_arg(ap, const char *),
			    -1, SQLITE_TRANSIENT);
		else if (fmt[i] == 'i')
			sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
		else
			sqlite3_bind_null(s, i + 1);
	}
	va_end(ap);
	rc = step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rollback(st, db_fail(st, classify(rc), "write"));
	return commit(st);
}

enum store_rc
store_worker_register(struct store *st, const char *worker, int pid,
    int64_t grace_ms)
{
	return write_one(st, "INSERT OR REPLACE INTO workers (id, pid,"
	    " started_at, grace_ms) VALUES (?1, ?2, ?3, ?4)", "tiii", worker,
	    (int64_t)pid, now_ms(), grace_ms);
}

enum store_rc
store_worker_unregister(struct store *st, const char *worker)
{
	return write_one(st, "DELETE FROM workers WHERE id = ?1", "t",
	    worker);
}

int64_t
store_worker_grace(struct store *st, const char *worker)
{
	sqlite3_stmt *s = prepare(st,
	    "SELECT grace_ms FROM workers WHERE id = ?1");
	int64_t grace = DEFAULT_GRACE_MS;

	if (s == NULL)
		return grace;
	sqlite3_bind_text(s, 1, worker, -1, SQLITE_STATIC);
	if (step(s) == SQLITE_ROW)
		grace = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return grace;
}

enum store_rc
store_workers(struct store *st, char ***ids, size_t *n)
{
	sqlite3_stmt *s = stmt(st, S_WORKERS);
	char **v = NULL;
	size_t count = 0;
	int rc;

	if (s == NULL)
		return db_fail(st, STORE_ERROR, "workers");
	while ((rc = step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = col_text(s, 0);
	}
	done(s);
	*ids = v;
	*n = count;
	if (rc != SQLITE_DONE)
		return db_fail(st, classify(rc), "cannot read workers");
	return STORE_OK;
}

enum store_rc
store_claim(struct store *st, const char *worker, const char *const *queues,
    size_t nqueues, struct job *out)
{
	sqlite3_stmt *s, *a;
	int64_t now = now_ms();
	enum store_rc r;
	int rc;

	if ((r = begin_write_as(st, LAZY)) != STORE_OK)
		return r;
	if ((s = stmt(st, S_CLAIM)) == NULL ||
	    (a = stmt(st, S_CLAIM_ATTEMPT)) == NULL)
		return rollback(st, db_fail(st, STORE_ERROR, "claim"));
	sqlite3_bind_text(s, 1, worker, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	bind_queues(s, 3, queues, nqueues);
	rc = step(s);
	if (rc == SQLITE_ROW) {
		row_to_job(s, out);
		/* Step to the end so the UPDATE completes before commit. */
		rc = step(s);
	}
	done(s);
	if (rc != SQLITE_DONE) {
		if (out->id != 0)
			job_clear(out);
		return rollback(st, db_fail(st, classify(rc), "claim"));
	}
	if (out->id == 0)
		return rollback(st, STORE_NOTFOUND);
	sqlite3_bind_int64(a, 1, out->id);
	sqlite3_bind_int(a, 2, out->attempt);
	sqlite3_bind_text(a, 3, worker, -1, SQLITE_STATIC);
	sqlite3_bind_int64(a, 4, now);
	rc = step(a);
	done(a);
	if (rc != SQLITE_DONE) {
		job_clear(out);
		return rollback(st, db_fail(st, classify(rc), "claim"));
	}
	if ((r = commit(st)) != STORE_OK)
		job_clear(out);
	return r;
}

/* Runs a kept fenced statement whose first three parameters are (id,
 * attempt, worker), in its own transaction. */
static enum store_rc
fenced_update(struct store *st, sqlite3_stmt *s, int64_t id, int attempt,
    const char *worker)
{
	enum store_rc r;
	int rc;

	if ((r = begin_write_as(st, LAZY)) != STORE_OK) {
		done(s);
		return r;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, attempt);
	sqlite3_bind_text(s, 3, worker, -1, SQLITE_STATIC);
	rc = step(s);
	done(s);
	if (rc != SQLITE_DONE)
		return rollback(st, db_fail(st, classify(rc), "update"));
	if (sqlite3_changes(st->db) == 0)
		return rollback(st, STORE_CONFLICT);
	return commit(st);
}

enum store_rc
store_set_process(struct store *st, int64_t id, int attempt,
    const char *worker, int pgid, int64_t proc_start, const char *boot)
{
	sqlite3_stmt *s = stmt(st, S_SET_PROCESS);

	if (s == NULL)
		return db_fail(st, STORE_ERROR, "set process");
	sqlite3_bind_int(s, 4, pgid);
	sqlite3_bind_int64(s, 5, proc_start);
	bind_text_or_null(s, 6, boot);
	return fenced_update(st, s, id, attempt, worker);
}

enum store_rc
store_set_progress(struct store *st, int64_t id, int attempt,
    const char *worker, double percent, int64_t done_n, int64_t total,
    const char *message)
{
	sqlite3_stmt *s = stmt(st, S_SET_PROGRESS);

	if (s == NULL)
		return db_fail(st, STORE_ERROR, "progress");
	if (percent >= 0)
		sqlite3_bind_double(s, 4, percent);
	else
		sqlite3_bind_null(s, 4);
	bind_int_or_null(s, 5, done_n, total > 0);
	bind_int_or_null(s, 6, total, total > 0);
	bind_text_or_null(s, 7, message);
	return fenced_update(st, s, id, attempt, worker);
}

/* Undoes a claim, as job_verdict() asks of a handler that could not be
 * started for a passing reason: the attempt is not counted, its row
 * goes, and the job shows its previous attempt again; or, if the verdict
 * ends it, its end. */
static enum store_rc
unclaim(struct store *st, const struct outcome *o, const struct verdict *v)
{
#define PREV " FROM attempts WHERE job_id = ?1 AND attempt = ?2 - 1)"
	static const char sql[] =
	    "UPDATE jobs SET attempt = attempt - 1, worker = NULL,"
	    " pgid = NULL, proc_start = NULL, rescue_term_at = NULL,"
	    " state = ?4,"
	    " finished_at = CASE WHEN ?5 THEN ?6"
	    "  ELSE (SELECT finished_at" PREV " END,"
	    " error = CASE WHEN ?5 THEN ?7"
	    "  ELSE (SELECT error" PREV " END,"
	    " started_at = (SELECT started_at" PREV ","
	    " exit_code = (SELECT exit_code" PREV ","
	    " signal = (SELECT signal" PREV
	    " WHERE id = ?1 AND attempt = ?2 AND worker = ?3"
	    " AND state = 'running'";
#undef PREV
	bool ended = job_state_ended(v->state);
	sqlite3_stmt *s, *a;
	enum store_rc r = STORE_OK;
	int rc;

	s = prepare(st, sql);
	a = prepare(st, "DELETE FROM attempts WHERE job_id = ?1"
	    " AND attempt = ?2");
	if (s == NULL || a == NULL) {
		r = db_fail(st, STORE_ERROR, "unclaim");
		goto out;
	}
	sqlite3_bind_int64(s, 1, o->id);
	sqlite3_bind_int(s, 2, o->attempt);
	sqlite3_bind_text(s, 3, o->worker, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, job_state_name(v->state), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, ended);
	sqlite3_bind_int64(s, 6, now_ms());
	bind_text_or_null(s, 7, v->error);
	if ((rc = step(s)) != SQLITE_DONE) {
		r = db_fail(st, classify(rc), "unclaim");
		goto out;
	}
	sqlite3_bind_int64(a, 1, o->id);
	sqlite3_bind_int(a, 2, o->attempt);
	if ((rc = step(a)) != SQLITE_DONE)
		r = db_fail(st, classify(rc), "unclaim");
out:
	sqlite3_finalize(s);
	sqlite3_finalize(a);
	return r;
}

/* Stores the verdict of an ended attempt: the job, the attempt's row,
 * and the result of a job that ended. */
static enum store_rc
record_end(struct store *st, const struct outcome *o,
    const struct verdict *v, int64_t now)
{
	sqlite3_stmt *s, *a, *res;
	bool ended = job_state_ended(v->state);
	int rc;

	if ((s = stmt(st, S_FINISH)) == NULL ||
	    (a = stmt(st, S_FINISH_ATTEMPT)) == NULL ||
	    (res = stmt(st, S_SAVE_RESULT)) == NULL)
		return db_fail(st, STORE_ERROR, "finish");
	sqlite3_bind_int64(s, 1, o->id);
	sqlite3_bind_int(s, 2, o->attempt);
	sqlite3_bind_text(s, 3, o->worker, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, job_state_name(v->state), -1, SQLITE_STATIC);
	bind_int_or_null(s, 5, now, ended);
	bind_int_or_null(s, 6, o->end.exit_code, o->end.exit_code >= 0);
	bind_int_or_null(s, 7, o->end.signal, o->end.signal > 0);
	bind_text_or_null(s, 8, ended ? v->error : NULL);
	bind_int_or_null(s, 9, (int64_t)o->result_len, ended);
	sqlite3_bind_int(s, 10, o->result_truncated);
	sqlite3_bind_int(s, 11, v->failure);
	sqlite3_bind_int(s, 12, v->deaths);
	/* A job put back belongs to no worker; an ended one keeps the
	 * name of the one that ran it last. */
	bind_text_or_null(s, 13, ended ? o->worker : NULL);
	rc = step(s);
	done(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, classify(rc), "finish");

	sqlite3_bind_int64(a, 1, o->id);
	sqlite3_bind_int(a, 2, o->attempt);
	sqlite3_bind_int64(a, 3, now);
	bind_text_or_null(a, 4, v->outcome);
	bind_int_or_null(a, 5, o->end.exit_code, o->end.exit_code >= 0);
	bind_int_or_null(a, 6, o->end.signal, o->end.signal > 0);
	bind_text_or_null(a, 7, v->error);
	rc = step(a);
	done(a);
	if (rc != SQLITE_DONE)
		return db_fail(st, classify(rc), "finish");
	if (!ended)
		return STORE_OK;
	sqlite3_bind_int64(res, 1, o->id);
	sqlite3_bind_blob64(res, 2, o->result ? o->result : "",
	    o->result_len, SQLITE_STATIC);
	rc = step(res);
	done(res);
	if (rc != SQLITE_DONE)
		return db_fail(st, classify(rc), "cannot store the result");
	return STORE_OK;
}

/* The fence: the job must still be ours, in this attempt.  What the
 * verdict needs of it is read here, inside the recording transaction,
 * so that a cancel asked for meanwhile is not lost. */
static enum store_rc
fence(struct store *st, const struct outcome *o, int *deaths,
    bool *cancel_requested)
{
	sqlite3_stmt *d = stmt(st, S_FENCE);
	int rc;

	if (d == NULL)
		return db_fail(st, STORE_ERROR, "finish");
	sqlite3_bind_int64(d, 1, o->id);
	sqlite3_bind_int(d, 2, o->attempt);
	sqlite3_bind_text(d, 3, o->worker, -1, SQLITE_STATIC);
	rc = step(d);
	if (rc == SQLITE_ROW) {
		*deaths = sqlite3_column_int(d, 0);
		*cancel_requested = sqlite3_column_int(d, 1) != 0;
	}
	done(d);
	if (rc == SQLITE_DONE)
		return STORE_CONFLICT;
	if (rc != SQLITE_ROW)
		return db_fail(st, classify(rc), "finish");
	return STORE_OK;
}

enum store_rc
store_finish(struct store *st, const struct outcome *o, struct verdict *vp)
{
	struct verdict v;
	bool cancel_requested = false;
	int deaths = 0;
	enum store_rc r;

	memset(&v, 0, sizeof(v));
	if ((r = begin_write_as(st, o->end.stop == STOP_START_PASSING ?
	    LAZY : DURABLE)) != STORE_OK)
		goto out;
	if ((r = fence(st, o, &deaths, &cancel_requested)) != STORE_OK) {
		r = rollback(st, r);
		goto out;
	}
	job_verdict(&o->end, cancel_requested, deaths, &v);
	r = v.unclaim ? unclaim(st, o, &v) : record_end(st, o, &v, now_ms());
	if (r != STORE_OK)
		r = rollback(st, r);
	else if ((r = commit(st)) == STORE_OK)
		spool_wake(st->sp);
out:
	if (vp != NULL)
		*vp = v;
	else
		verdict_clear(&v);
	return r;
}

enum store_rc
store_cancel_requests(struct store *st, const char *worker, int64_t **ids,
    size_t *n)
{
	sqlite3_stmt *s = stmt(st, S_CANCEL_REQUESTS);
	int64_t *v = NULL;
	size_t count = 0;
	int rc;

	if (s == NULL)
		return db_fail(st, STORE_ERROR, "cancel requests");
	sqlite3_bind_text(s, 1, worker, -1, SQLITE_STATIC);
	while ((rc = step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = sqlite3_column_int64(s, 0);
	}
	done(s);
	*ids = v;
	*n = count;
	if (rc != SQLITE_DONE)
		return db_fail(st, classify(rc), "cancel requests");
	return STORE_OK;
}

enum store_rc
store_next_due(struct store *st, const char *const *queues, size_t nqueues,
    int64_t *when)
{
	sqlite3_stmt *s = stmt(st, S_NEXT_DUE);
	int rc;

	if (s == NULL)
		return db_fail(st, STORE_ERROR, "next due");
	sqlite3_bind_int64(s, 1, now_ms());
	bind_queues(s, 2, queues, nqueues);
	rc = step(s);
	*when = rc == SQLITE_ROW ? col_int(s, 0, 0) : 0;
	done(s);
	if (rc != SQLITE_ROW)
		return db_fail(st, classify(rc), "next due");
	return STORE_OK;
}

bool
store_changed(struct store *st)
{
	sqlite3_stmt *s = stmt(st, S_DATA_VERSION);
	int64_t v = -1;

	if (s != NULL && step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	if (s != NULL)
		done(s);
	if (v >= 0 && v == st->data_version)
		return false;
	st->data_version = v;
	return true;
}

enum store_rc
store_any_runnable(struct store *st, const char *const *queues,
    size_t nqueues, bool *any)
{
	sqlite3_stmt *s = stmt(st, S_ANY_RUNNABLE);
	int rc;

	if (s == NULL)
		return db_fail(st, STORE_ERROR, "runnable");
	sqlite3_bind_int64(s, 1, now_ms());
	bind_queues(s, 2, queues, nqueues);
	rc = step(s);
	*any = rc == SQLITE_ROW;
	done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, classify(rc), "runnable");
	return STORE_OK;
}

enum store_rc
store_running_elsewhere(struct store *st, const char *except,
    struct job **jobs, size_t *n)
{
	sqlite3_stmt *s = stmt(st, S_RUNNING_ELSEWHERE);
	struct job *v = NULL;
	size_t count = 0;
	int rc;

	if (s == NULL)
		return db_fail(st, STORE_ERROR, "running");
	bind_text_or_null(s, 1, except);
	while ((rc = step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		row_to_rescue(s, &v[count++]);
	}
	done(s);
	*jobs = v;
	*n = count;
	if (rc != SQLITE_DONE)
		return db_fail(st, classify(rc), "running");
	return STORE_OK;
}

enum store_rc
store_mark_rescue(struct store *st, int64_t id, int attempt,
    const char *worker, int64_t when, const char *boot)
{
	/* Only the first rescuer sets the clock: a later one with an
	 * older view must not push the KILL back.  A time of another boot
	 * (or of a jobq that kept wall-clock times) is no time at all. */
	return write_one(st, "UPDATE jobs SET rescue_term_at = ?4,"
	    " rescue_boot = ?5"
	    " WHERE id = ?1 AND attempt = ?2 AND worker = ?3"
	    " AND state = 'running' AND (rescue_term_at IS NULL"
	    "  OR rescue_boot IS NULL OR rescue_boot != ?5"
	    "  OR rescue_term_at > ?4)", "iitit", id, (int64_t)attempt,
	    worker, when, boot);
}
