/* store-sqlite.c: the job store on SQLite: opening and closing it,
 * transactions, errors, bindings and the job row that the other
 * store-sqlite-*.c files share.  Every write is one short BEGIN IMMEDIATE
 * transaction taken under the spool's flock, so writers take turns
 * fairly instead of racing on SQLite's busy handler. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "store-sqlite.h"
#include "util.h"

enum store_rc
sq_fail(struct sqlite_store *st, enum store_rc rc, const char *fmt, ...)
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

enum store_rc
sq_db_fail(struct sqlite_store *st, enum store_rc rc, const char *what)
{
	int code = sqlite3_errcode(st->db) & 0xff;
	int e = sqlite3_system_errno(st->db);

	/* "unable to open database file" is SQLite's word for running out
	 * of descriptors too: say what the system said. */
	if ((code == SQLITE_CANTOPEN || code == SQLITE_IOERR) && e != 0)
		return sq_fail(st, rc, "%s: %s (%s)", what,
		    sqlite3_errmsg(st->db), strerror(e));
	return sq_fail(st, rc, "%s: %s", what, sqlite3_errmsg(st->db));
}

/* Errors that mean the file is not (or no longer) a usable database,
 * as opposed to a passing condition or a bug. */
enum store_rc
sq_classify(int rc)
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

int
sq_step(sqlite3_stmt *stmt)
{
	int rc;

	for (int tries = 0;; tries++) {
		rc = sqlite3_step(stmt);
		if (!busy_backoff(rc, tries))
			return rc;
		sqlite3_reset(stmt);
	}
}

int
sq_exec(struct sqlite_store *st, const char *sql)
{
	int rc;

	for (int tries = 0;; tries++) {
		rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		if (!busy_backoff(rc, tries))
			return rc;
	}
}

sqlite3_stmt *
sq_kept(struct sqlite_store *st, enum stmt_id id, const char *sql)
{
	if (st->stmts[id] == NULL &&
	    sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st->stmts[id], NULL) != SQLITE_OK)
		return NULL;
	return st->stmts[id];
}

/* A statement prepared for one use; finalize it after. */
sqlite3_stmt *
sq_prepare(struct sqlite_store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	return s;
}

/* A kept statement is reset after each use: an un-reset read pins an
 * old snapshot, and the worker would never see new jobs. */
void
sq_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

enum store_rc
sq_exec_done(struct sqlite_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sq_step(s);

	sq_done(s);
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), what);
	return STORE_OK;
}

bool
store_sync_env(bool *normal, char **cause)
{
	const char *v = getenv("JOBQ_SYNC");

	*normal = false;
	if (v == NULL || v[0] == '\0' || strcmp(v, "full") == 0)
		return true;
	if (strcmp(v, "normal") == 0) {
		*normal = true;
		return true;
	}
	*cause = xasprintf("JOBQ_SYNC must be full or normal, not '%s'", v);
	return false;
}

/* Runs a statement kept prepared that returns no row (BEGIN, COMMIT: a
 * worker makes three transactions a job, and parsing them was work):
 * SQLite's code. */
static int
run_kept(struct sqlite_store *st, enum stmt_id id, const char *sql)
{
	sqlite3_stmt *s = sq_kept(st, id, sql);
	int rc;

	if (s == NULL)
		return sqlite3_errcode(st->db);
	rc = sq_step(s);
	sq_done(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* With JOBQ_SYNC=normal every commit is a lazy one: WAL with
 * synchronous=NORMAL survives the death of any process, and a power cut
 * may take the last commits with it. */
static void
set_durability(struct sqlite_store *st, enum durability d)
{
	if (st->sync_normal)
		d = LAZY;
	if (st->durability == (int)d)
		return;
	/* Not a statement kept prepared, as BEGIN and COMMIT are: this
	 * pragma takes effect when it is prepared, not when it runs. */
	sqlite3_exec(st->db, d == DURABLE ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	st->durability = d;
}

enum store_rc
sq_begin(struct sqlite_store *st, enum durability d)
{
	int rc;

	set_durability(st, d);

	if (st->wait)
		spool_lock(st->sp);
	else if (!spool_trylock(st->sp))
		return STORE_BUSY;
	if ((rc = run_kept(st, S_BEGIN, "BEGIN IMMEDIATE")) != SQLITE_OK) {
		spool_unlock(st->sp);
		return sq_db_fail(st, sq_classify(rc),
		    "cannot start a transaction");
	}
	return STORE_OK;
}

enum store_rc
sq_commit(struct sqlite_store *st)
{
	int rc = run_kept(st, S_COMMIT, "COMMIT");

	if (rc != SQLITE_OK) {
		enum store_rc r = sq_db_fail(st, sq_classify(rc),
		    "cannot commit");

		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		spool_unlock(st->sp);
		return r;
	}
	spool_unlock(st->sp);
	return STORE_OK;
}

enum store_rc
sq_rollback(struct sqlite_store *st, enum store_rc rc)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	spool_unlock(st->sp);
	return rc;
}

void
sq_bind_params(sqlite3_stmt *s, const struct param *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int idx = (int)i + 1;

		switch (p[i].kind) {
		case PARAM_NULL:
			sqlite3_bind_null(s, idx);
			break;
		case PARAM_INT:
			sqlite3_bind_int64(s, idx, p[i].i);
			break;
		case PARAM_REAL:
			sqlite3_bind_double(s, idx, p[i].r);
			break;
		case PARAM_TEXT:
			sqlite3_bind_text(s, idx, p[i].p, -1, SQLITE_STATIC);
			break;
		case PARAM_BLOB:
			sqlite3_bind_blob64(s, idx, p[i].p, p[i].len,
			    SQLITE_STATIC);
			break;
		}
	}
}

void
sq_bind_queues(sqlite3_stmt *s, int idx, const char *const *queues,
    size_t n)
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

static enum store_rc
write_one(struct sqlite_store *st, const char *sql, const struct param *p,
    size_t n, bool must_change)
{
	sqlite3_stmt *s;
	enum store_rc r;
	int rc;

	if ((r = sq_begin(st, DURABLE)) != STORE_OK)
		return r;
	if ((s = sq_prepare(st, sql)) == NULL)
		return sq_rollback(st, sq_db_fail(st, STORE_ERROR, "write"));
	sq_bind_params(s, p, n);
	rc = sq_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sq_rollback(st, sq_db_fail(st, sq_classify(rc),
		    "write"));
	if (must_change && sqlite3_changes(st->db) == 0)
		return sq_rollback(st, STORE_CONFLICT);
	return sq_commit(st);
}

enum store_rc
sq_write_params(struct sqlite_store *st, const char *sql, const struct param *p,
    size_t n)
{
	return write_one(st, sql, p, n, false);
}

enum store_rc
sq_update_params(struct sqlite_store *st, const char *sql, const struct param *p,
    size_t n)
{
	return write_one(st, sql, p, n, true);
}

enum store_rc
sq_run_params(struct sqlite_store *st, const char *sql, const struct param *p,
    size_t n)
{
	sqlite3_stmt *s;
	enum store_rc r;

	if ((s = sq_prepare(st, sql)) == NULL)
		return sq_db_fail(st, STORE_ERROR, "write");
	sq_bind_params(s, p, n);
	r = sq_exec_done(st, s, "write");
	sqlite3_finalize(s);
	return r;
}

char *
sq_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

int64_t
sq_col_int(sqlite3_stmt *s, int i, int64_t absent)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return absent;
	return sqlite3_column_int64(s, i);
}

/* The readers of JOB_COLUMNS' kinds. */
static void
read_I64(sqlite3_stmt *s, int i, int64_t *v, int64_t absent)
{
	*v = sq_col_int(s, i, absent);
}

static void
read_INT(sqlite3_stmt *s, int i, int *v, int absent)
{
	*v = (int)sq_col_int(s, i, absent);
}

static void
read_BOOL(sqlite3_stmt *s, int i, bool *v, int absent)
{
	*v = sq_col_int(s, i, absent) != 0;
}

static void
read_TEXT(sqlite3_stmt *s, int i, char **v, int absent)
{
	*v = sq_col_text(s, i);
}

static void
read_REAL(sqlite3_stmt *s, int i, double *v, double absent)
{
	*v = sqlite3_column_type(s, i) == SQLITE_NULL ? absent :
	    sqlite3_column_double(s, i);
}

/* A state this jobq does not know (a newer one's) reads as failed. */
static void
read_STATE(sqlite3_stmt *s, int i, enum job_state *v, int absent)
{
	const char *name = (const char *)sqlite3_column_text(s, i);

	if (name == NULL || !job_state_parse(name, v))
		*v = JOB_FAILED;
}

#define JOB_COLUMN_ENUM(name, kind, absent) JC_##name,
enum job_column { JOB_COLUMNS(JOB_COLUMN_ENUM) JC_PAYLOAD, JC_ENV };

#define JOB_COLUMN_READ(name, kind, absent) \
	read_##kind(s, JC_##name, &j->name, absent);

void
sq_row_to_job(sqlite3_stmt *s, struct job *j)
{
	const void *payload;
	int n;

	memset(j, 0, sizeof(*j));
	JOB_COLUMNS(JOB_COLUMN_READ)
	j->has_progress =
	    sqlite3_column_type(s, JC_progress_percent) != SQLITE_NULL ||
	    sqlite3_column_type(s, JC_progress_done) != SQLITE_NULL;
	payload = sqlite3_column_blob(s, JC_PAYLOAD);
	n = sqlite3_column_bytes(s, JC_PAYLOAD);
	j->payload = xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(j->payload, payload, (size_t)n);
	j->payload[n] = '\0';
	j->payload_len = (size_t)n;
	if (sqlite3_column_count(s) > JC_ENV) {
		j->env = sq_col_text(s, JC_ENV);
		j->env_loaded = true;
	}
}

#define ATTEMPT_COLUMN_ENUM(name, kind, absent) AC_##name,
enum attempt_column { ATTEMPT_COLUMNS(ATTEMPT_COLUMN_ENUM) AC_JOB_ID };

#define ATTEMPT_COLUMN_READ(name, kind, absent) \
	read_##kind(s, AC_##name, &a->name, absent);

void
sq_row_to_attempt(sqlite3_stmt *s, struct attempt *a)
{
	memset(a, 0, sizeof(*a));
	ATTEMPT_COLUMNS(ATTEMPT_COLUMN_READ)
}

/* A database SQLite has written is never empty (the first write, the
 * switch to WAL, fills its first page), so an empty one is new: the
 * first command may have died between creating it and its first write.
 * Unless its WAL exists: then the file was truncated, and making a new
 * database in its place would give out old ids again. */
static bool
not_emptied(const char *path, const struct stat *sb, char **cause)
{
	struct stat wsb;
	char *wal;
	bool ok;

	if (sb->st_size > 0)
		return true;
	wal = xasprintf("%s-wal", path);
	ok = lstat(wal, &wsb) < 0 && errno == ENOENT;
	if (!ok && cause != NULL)
		*cause = xasprintf("%s is empty but the spool has been used "
		    "(%s exists): the database was truncated or lost, and a "
		    "new one would give out its job ids again; move the "
		    "spool away to start afresh", path, wal);
	free(wal);
	return ok;
}

/* not_emptied() looked again under the spool's lock.  The first command
 * writes the database's first page under it, so without it an empty
 * file and a WAL can be two moments of one creation by another first
 * command (one that made the WAL after the first page): under it, they
 * are the same moment. */
static bool
not_emptied_locked(struct sqlite_store *st, const char *path, char **cause)
{
	struct stat sb;
	bool ok;

	if (!spool_make(st->sp, false, cause))
		return false;
	spool_lock(st->sp);
	if (lstat(path, &sb) < 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		ok = false;
	} else
		ok = not_emptied(path, &sb, cause);
	spool_unlock(st->sp);
	return ok;
}

/* Opens the database file; *cause says why not. */
static enum store_rc
open_db(struct sqlite_store *st, const char *path, char **cause)
{
	/* NOFOLLOW: a symlink put there after spool_open() looked. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_NOFOLLOW;
	struct stat sb;
	int rc, e;

	/* stat, never open(): closing our own fd of the database would drop
	 * SQLite's POSIX locks on it.  spool_open() has seen that it is no
	 * symlink. */
	if (lstat(path, &sb) < 0) {
		if ((e = errno) != ENOENT || !st->create) {
			*cause = xasprintf("%s: %s", path, strerror(e));
			return e == ENOENT ? STORE_NOTFOUND : STORE_UNUSABLE;
		}
		flags |= SQLITE_OPEN_CREATE;
	} else if (!(S_ISREG(sb.st_mode) ?
	    check_mode_not_world_writable(path, &sb, "database", cause) :
	    check_not_world_writable(path, "database", cause)) ||
	    (!not_emptied(path, &sb, NULL) &&
	    !not_emptied_locked(st, path, cause)))
		return STORE_UNUSABLE;
	if (flags & SQLITE_OPEN_CREATE) {
		mode_t old;

		if (!spool_make(st->sp, true, cause))
			return STORE_UNUSABLE;
		/* Two first commands may race to create it: the lock makes
		 * one of them create and the other open. */
		old = umask(077);	/* the database is private */
		spool_lock(st->sp);
		rc = sqlite3_open_v2(path, &st->db, flags, sq_vfs_name());
		spool_unlock(st->sp);
		umask(old);
	} else
		rc = sqlite3_open_v2(path, &st->db, flags, sq_vfs_name());
	if (rc != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		return STORE_UNUSABLE;
	}
	return STORE_OK;
}

#define JOURNAL_LIMIT "PRAGMA journal_size_limit = 4194304"

static void
tune(struct sqlite_store *st)
{
	int persist = 1;

	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 0);
	/* The last connection to close checkpoints the WAL; keep the file
	 * rather than delete it, so the next command need not create and
	 * sync a new one.  (Skipping that checkpoint instead lets the WAL
	 * grow without bound: each new process rebuilds its index from the
	 * whole file.) */
	sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL,
	    &persist);
	/* With a size limit set, that last checkpoint also truncates the
	 * kept WAL, and a long-lived worker's WAL is cut back after each
	 * checkpoint that resets it.  Set in one go with the durability
	 * (what set_durability() would do in a statement of its own). */
	sqlite3_exec(st->db, st->sync_normal ?
	    "PRAGMA synchronous = NORMAL; " JOURNAL_LIMIT :
	    "PRAGMA synchronous = FULL; " JOURNAL_LIMIT, NULL, NULL, NULL);
	st->durability = st->sync_normal ? LAZY : DURABLE;
}

enum store_rc
sqlite_store_open(struct spool *sp, bool create, struct store **out,
    char **cause)
{
	struct sqlite_store *st;
	char *path;
	enum store_rc r;

	*cause = NULL;
	st = xcalloc(1, sizeof(*st));
	st->base.ops = &sqlite_ops;
	st->sp = sp;
	st->wait = true;
	st->create = create;
	st->durability = -1;
	st->data_version = -1;
	if (!store_sync_env(&st->sync_normal, cause)) {
		free(st);
		return STORE_ERROR;
	}
	/* Before SQLite starts: without the count of its memory (which
	 * jobq never reads) each of its allocations skips a global mutex
	 * and two counters, a tenth of what a short command costs.  Once
	 * SQLite has started, sqlite3_config() refuses, harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	path = spool_path(sp, "jobq.db");
	if ((r = open_db(st, path, cause)) == STORE_OK) {
		tune(st);
		if ((r = sq_migrate(st)) != STORE_OK)
			*cause = xasprintf("%s: %s", path, sqlite_error(&st->base));
	}
	free(path);
	if (r != STORE_OK) {
		sqlite_close(&st->base);
		return r;
	}
	*out = &st->base;
	return STORE_OK;
}

/* The last connection to close checkpoints the WAL into jobq.db: a
 * sync of the WAL, the pages written, a sync of the database, and the
 * next writer restarts the WAL with a sync of its header.  Three syncs
 * of the four an idle submit made, for a WAL of a few pages, which the
 * next command to open the spool reads back in a fraction of one.  So a
 * WAL under this size is left as it is; a larger one is checkpointed
 * (and truncated) by whoever closes last, and any commit checkpoints at
 * SQLite's 1000 pages.  Every commit is synced as before: only when its
 * pages reach jobq.db changes. */
#define WAL_KEEP_BYTES (128 * 1024)

static void
skip_small_checkpoint(struct sqlite_store *st)
{
	char *wal = spool_path(st->sp, "jobq.db-wal");
	struct stat sb;

	if (stat(wal, &sb) == 0 && sb.st_size < WAL_KEEP_BYTES)
		sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
	free(wal);
}

void
sqlite_close(struct store *base)
{
	struct sqlite_store *st = to_sqlite(base);

	if (st == NULL)
		return;
	for (int i = 0; i < S_NSTMTS; i++)
		sqlite3_finalize(st->stmts[i]);
	free(st->batch_queue);
	if (st->db != NULL)
		skip_small_checkpoint(st);
	sqlite3_close(st->db);
	free(st->err);
	free(st);
}

const char *
sqlite_error(const struct store *base)
{
	const struct sqlite_store *st = (const struct sqlite_store *)base;

	return st->err != NULL ? st->err : "unknown error";
}

void
sqlite_set_wait(struct store *base, bool wait)
{
	struct sqlite_store *st = to_sqlite(base);

	st->wait = wait;
}

/* One host: liveness is each worker's lock file, and wake-ups come
 * through the spool's wake file. */
static int
sqlite_wait_fd(struct store *base)
{
	return -1;
}

static int64_t
sqlite_lease_ms(struct store *base, int64_t grace_ms)
{
	return 0;
}

static enum store_rc
sqlite_heartbeat(struct store *base, const char *worker)
{
	return STORE_OK;
}

static int
sqlite_worker_alive(struct store *base, const char *worker)
{
	return -1;
}

/* Logs are the spool's files (logs.h). */
static bool
sqlite_keeps_logs(struct store *base)
{
	return false;
}

static enum store_rc
sqlite_log_save(struct store *base, int64_t id, int attempt,
    const char *data, size_t len)
{
	return STORE_OK;
}

static enum store_rc
sqlite_log_read(struct store *base, int64_t id, int attempt, int64_t from,
    char **buf, size_t *len, int64_t *size)
{
	*buf = xstrdup("");
	*len = 0;
	*size = 0;
	return STORE_OK;
}

const struct store_ops sqlite_ops = {
	.close = sqlite_close,
	.error = sqlite_error,
	.submit = sqlite_submit,
	.batch_begin = sqlite_batch_begin,
	.batch_submit = sqlite_batch_submit,
	.batch_commit = sqlite_batch_commit,
	.batch_abort = sqlite_batch_abort,
	.get = sqlite_get,
	.get_info = sqlite_get_info,
	.get_result = sqlite_get_result,
	.get_attempts = sqlite_get_attempts,
	.get_deps = sqlite_get_deps,
	.list = sqlite_list,
	.cancel = sqlite_cancel,
	.worker_register = sqlite_worker_register,
	.worker_unregister = sqlite_worker_unregister,
	.claim_many = sqlite_claim_many,
	.set_processes = sqlite_set_processes,
	.set_progress = sqlite_set_progress,
	.finish_many = sqlite_finish_many,
	.cancel_requests = sqlite_cancel_requests,
	.next_due = sqlite_next_due,
	.changed = sqlite_changed,
	.any_runnable = sqlite_any_runnable,
	.any_retrying = sqlite_any_retrying,
	.retry = sqlite_retry,
	.set_priority = sqlite_set_priority,
	.queues = sqlite_queues,
	.queue_state = sqlite_queue_state,
	.pause = sqlite_pause,
	.set_limit = sqlite_set_limit,
	.running_elsewhere = sqlite_running_elsewhere,
	.mark_rescue = sqlite_mark_rescue,
	.worker_grace = sqlite_worker_grace,
	.workers = sqlite_workers,
	.worker_queues = sqlite_worker_queues,
	.set_wait = sqlite_set_wait,
	.prune_batch = sqlite_prune_batch,
	.delete = sqlite_delete,
	.vacuum = sqlite_vacuum,
	.retain = sqlite_retain,
	.get_setting = sqlite_get_setting,
	.set_setting = sqlite_set_setting,
	.stats = sqlite_stats,
	.wait_fd = sqlite_wait_fd,
	.lease_ms = sqlite_lease_ms,
	.heartbeat = sqlite_heartbeat,
	.worker_alive = sqlite_worker_alive,
	.keeps_logs = sqlite_keeps_logs,
	.log_save = sqlite_log_save,
	.log_read = sqlite_log_read,
};
