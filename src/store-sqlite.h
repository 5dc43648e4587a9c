/* store-sqlite.h: what the files of the SQLite store share, and nothing
 * outside them sees: the handle, transactions, errors, typed bindings
 * and the job row. */
#ifndef STORE_SQLITE_H
#define STORE_SQLITE_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

/* Statements kept prepared for the life of the store: the worker runs
 * them for every job.  Each is prepared from the SQL its caller passes,
 * on first use. */
enum stmt_id {
	S_PROMOTE,
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
	S_ANY_RETRYING,
	S_DEPENDENTS,
	S_SUBMIT,
	S_SUBMIT_PAYLOAD,
	S_SUBMIT_QUEUE,
	S_SUBMIT_DEP_STATE,
	S_SUBMIT_DEP,
	S_KEY_HOLDER,
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
	bool sync_normal;	/* JOBQ_SYNC=normal: no commit is synced */
	int64_t data_version;	/* at the last store_changed(); -1 */
	char *err;		/* the last error, malloc'd */
	char *batch_queue;	/* in a batch: the last queue made sure of */
};

/* Errors: each sets st->err and returns rc. */
enum store_rc sq_fail(struct store *, enum store_rc rc, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
/* ... with SQLite's message after `what`. */
enum store_rc sq_db_fail(struct store *, enum store_rc rc,
    const char *what);
/* Whether an SQLite error means the database cannot be used. */
enum store_rc sq_classify(int rc);

/* Statements.  sq_step and sq_exec wait out SQLITE_BUSY. */
sqlite3_stmt *sq_kept(struct store *, enum stmt_id, const char *sql);
sqlite3_stmt *sq_prepare(struct store *, const char *sql);
void sq_done(sqlite3_stmt *);
/* Runs a bound statement that returns no row to its end and makes it
 * ready again: STORE_OK, or the failure classified and recorded as
 * `what`. */
enum store_rc sq_exec_done(struct store *, sqlite3_stmt *, const char *what);
int sq_step(sqlite3_stmt *);
int sq_exec(struct store *, const char *sql);

/* How a write transaction reaches the disk.  DURABLE commits are synced
 * before they return: a submitted job or a recorded outcome survives a
 * power cut.  LAZY commits reach the disk with the next durable one: a
 * claim or a progress note lost in a power cut only means the job runs
 * again, which at-least-once delivery allows, and it saves the worker an
 * fsync per job. */
enum durability { DURABLE, LAZY };

/* A write transaction, under the spool's lock. */
enum store_rc sq_begin(struct store *, enum durability);
enum store_rc sq_commit(struct store *);
enum store_rc sq_rollback(struct store *, enum store_rc rc);

/* Typed parameters: sq_bind(s, p_int(id), p_text(worker)) binds ?1
 * and ?2. */
enum param_kind { PARAM_NULL, PARAM_INT, PARAM_REAL, PARAM_TEXT,
	PARAM_BLOB };
struct param {
	enum param_kind kind;
	int64_t i;
	double r;
	const void *p;
	size_t len;
};

static inline struct param
p_null(void)
{
	return (struct param){ .kind = PARAM_NULL };
}

static inline struct param
p_int(int64_t v)
{
	return (struct param){ .kind = PARAM_INT, .i = v };
}

/* NULL unless present. */
static inline struct param
p_int_if(int64_t v, bool present)
{
	return present ? p_int(v) : p_null();
}

static inline struct param
p_real_if(double v, bool present)
{
	return present ? (struct param){ .kind = PARAM_REAL, .r = v } :
	    p_null();
}

/* NULL binds NULL. */
static inline struct param
p_text(const char *t)
{
	return t != NULL ? (struct param){ .kind = PARAM_TEXT, .p = t } :
	    p_null();
}

static inline struct param
p_blob(const void *data, size_t len)
{
	return (struct param){ .kind = PARAM_BLOB, .p = data != NULL ?
	    data : "", .len = len };
}

/* Binds ?1 ... ?n; the values must live until the statement is done. */
void sq_bind_params(sqlite3_stmt *, const struct param *, size_t n);
#define sq_bind(s, ...) sq_bind_params((s), \
	(const struct param[]){ __VA_ARGS__ }, \
	sizeof((const struct param[]){ __VA_ARGS__ }) / sizeof(struct param))
/* Binds a queue list as the JSON array the statements take, or NULL
 * for every queue. */
void sq_bind_queues(sqlite3_stmt *, int idx, const char *const *queues,
    size_t n);
/* One write statement in a transaction of its own.  sq_update: the
 * same, but STORE_CONFLICT when it changed no row. */
enum store_rc sq_write_params(struct store *, const char *sql,
    const struct param *, size_t n);
enum store_rc sq_update_params(struct store *, const char *sql,
    const struct param *, size_t n);
#define sq_update(st, sql, ...) sq_update_params((st), (sql), \
	(const struct param[]){ __VA_ARGS__ }, \
	sizeof((const struct param[]){ __VA_ARGS__ }) / sizeof(struct param))
#define sq_write(st, sql, ...) sq_write_params((st), (sql), \
	(const struct param[]){ __VA_ARGS__ }, \
	sizeof((const struct param[]){ __VA_ARGS__ }) / sizeof(struct param))

/* One write statement in the caller's transaction. */
enum store_rc sq_run_params(struct store *, const char *sql,
    const struct param *, size_t n);
#define sq_run(st, sql, ...) sq_run_params((st), (sql), \
	(const struct param[]){ __VA_ARGS__ }, \
	sizeof((const struct param[]){ __VA_ARGS__ }) / sizeof(struct param))

char *sq_col_text(sqlite3_stmt *, int i);
int64_t sq_col_int(sqlite3_stmt *, int i, int64_t absent);

/* The columns of a job row, each once: its name (in SQL and in struct
 * job) and how it is read, with the value that stands for NULL.
 * Adding a field is one line here, its member in struct job, and its
 * migration. */
/* The conditions of the partial indexes jobs_key and jobs_ended, which
 * a query must repeat word for word for the planner to use them.  OR,
 * not IN: SQLite builds a temporary b-tree for an IN list of three or
 * more values each time a statement runs, and it evaluates an index's
 * condition on every insert and state change -- half the cost of a
 * batch insert went there. */
#define SQL_STATE_LIVE \
	"(state = 'pending' OR state = 'retrying' OR state = 'running')"
#define SQL_STATE_ENDED \
	"(state = 'completed' OR state = 'failed' OR state = 'timeout'" \
	" OR state = 'cancelled')"

#define JOB_COLUMNS(X) \
	X(id, I64, 0) \
	X(type, TEXT, 0) \
	X(queue, TEXT, 0) \
	X(priority, INT, 0) \
	X(state, STATE, 0) \
	X(created_at, I64, 0) \
	X(run_at, I64, 0) \
	X(started_at, I64, 0) \
	X(finished_at, I64, 0) \
	X(timeout_ms, I64, 0) \
	X(attempt, INT, 0) \
	X(max_retries, INT, 0) \
	X(retry_delay_ms, I64, 0) \
	X(failures, INT, 0) \
	X(deaths, INT, 0) \
	X(exit_code, INT, -1) \
	X(signal, INT, 0) \
	X(error, TEXT, 0) \
	X(result_bytes, I64, 0) \
	X(result_truncated, BOOL, 0) \
	X(worker, TEXT, 0) \
	X(cancel_requested, BOOL, 0) \
	X(pgid, INT, 0) \
	X(proc_start, I64, 0) \
	X(rescue_term_at, I64, 0) \
	X(progress_percent, REAL, -1) \
	X(progress_done, I64, 0) \
	X(progress_total, I64, 0) \
	X(progress_message, TEXT, 0) \
	X(proc_boot, TEXT, 0) \
	X(rescue_boot, TEXT, 0) \
	X(key, TEXT, 0) \
	X(tags, TEXT, 0) \
	X(meta, TEXT, 0)

#define COLUMN_SQL(name, kind, absent) #name ", "
/* The select list sq_row_to_job() reads.  The payload, which may be
 * 16 MiB, lives in a table of its own and comes last; a query that has
 * no use for it selects NULL in its place. */
#define JOB_SELECT_WITH(payload) JOB_COLUMNS(COLUMN_SQL) payload
#define JOB_SELECT JOB_SELECT_WITH( \
	"(SELECT data FROM payloads WHERE job_id = jobs.id)")
/* With an exec job's environment after the payload, for status and the
 * worker; sq_row_to_job() reads it when the column is there. */
#define JOB_SELECT_ENV JOB_SELECT \
	", (SELECT env FROM payloads WHERE job_id = jobs.id)"
#define JOB_SELECT_NO_PAYLOAD JOB_SELECT_WITH("NULL")
/* Only an exec job's payload: its command, which status and list show,
 * and which is an argv, not a 16 MiB document. */
#define JOB_SELECT_EXEC_PAYLOAD JOB_SELECT_WITH( \
	"(SELECT data FROM payloads WHERE job_id = jobs.id" \
	" AND jobs.type = 'exec')")

void sq_row_to_job(sqlite3_stmt *, struct job *);

/* The columns of an attempt's row, as JOB_COLUMNS. */
#define ATTEMPT_COLUMNS(X) \
	X(attempt, INT, 0) \
	X(worker, TEXT, 0) \
	X(started_at, I64, 0) \
	X(finished_at, I64, 0) \
	X(outcome, TEXT, 0) \
	X(exit_code, INT, -1) \
	X(signal, INT, 0) \
	X(error, TEXT, 0)

/* The select list sq_row_to_attempt() reads; job_id closes it. */
#define ATTEMPT_SELECT ATTEMPT_COLUMNS(COLUMN_SQL) "job_id"

void sq_row_to_attempt(sqlite3_stmt *, struct attempt *);

/* What a job's end makes of the jobs that depend on it, in the caller's
 * transaction: as job_dep_effect() says, one less to wait for, or
 * cancelled, and so on down the chain. */
enum store_rc sq_job_ended(struct store *, int64_t id, enum job_state,
    int64_t now);

/* The schema (store-sqlite-schema.c): checks that the database is
 * jobq's and brings it up to date. */
enum store_rc sq_migrate(struct store *);

#endif
