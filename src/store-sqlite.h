/* store-sqlite.h: what the files of the SQLite store share, and nothing
 * outside them sees: the handle, transactions, errors, typed bindings
 * and the job row. */
#ifndef STORE_SQLITE_H
#define STORE_SQLITE_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store-backend.h"
#include "store-sql.h"

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
	S_BEGIN,
	S_COMMIT,
	S_NSTMTS
};

struct sqlite_store {
	struct store base;	/* first: store.c calls through it */
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

/* The VFS the store opens its database with (store-sqlite-vfs.c):
 * SQLite's unix VFS, but a WAL that exists is opened as existing; NULL:
 * SQLite's default. */
const char *sq_vfs_name(void);

/* Errors: each sets st->err and returns rc. */
enum store_rc sq_fail(struct sqlite_store *, enum store_rc rc, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
/* ... with SQLite's message after `what`. */
enum store_rc sq_db_fail(struct sqlite_store *, enum store_rc rc,
    const char *what);
/* Whether an SQLite error means the database cannot be used. */
enum store_rc sq_classify(int rc);

/* Statements.  sq_step and sq_exec wait out SQLITE_BUSY. */
sqlite3_stmt *sq_kept(struct sqlite_store *, enum stmt_id, const char *sql);
sqlite3_stmt *sq_prepare(struct sqlite_store *, const char *sql);
void sq_done(sqlite3_stmt *);
/* Runs a bound statement that returns no row to its end and makes it
 * ready again: STORE_OK, or the failure classified and recorded as
 * `what`. */
enum store_rc sq_exec_done(struct sqlite_store *, sqlite3_stmt *, const char *what);
int sq_step(sqlite3_stmt *);
int sq_exec(struct sqlite_store *, const char *sql);

/* How a write transaction reaches the disk.  DURABLE commits are synced
 * before they return: a submitted job or a recorded outcome survives a
 * power cut.  LAZY commits reach the disk with the next durable one: a
 * claim or a progress note lost in a power cut only means the job runs
 * again, which at-least-once delivery allows, and it saves the worker an
 * fsync per job. */
enum durability { DURABLE, LAZY };

/* A write transaction, under the spool's lock. */
enum store_rc sq_begin(struct sqlite_store *, enum durability);
enum store_rc sq_commit(struct sqlite_store *);
enum store_rc sq_rollback(struct sqlite_store *, enum store_rc rc);

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
enum store_rc sq_write_params(struct sqlite_store *, const char *sql,
    const struct param *, size_t n);
enum store_rc sq_update_params(struct sqlite_store *, const char *sql,
    const struct param *, size_t n);
#define sq_update(st, sql, ...) sq_update_params((st), (sql), \
	(const struct param[]){ __VA_ARGS__ }, \
	sizeof((const struct param[]){ __VA_ARGS__ }) / sizeof(struct param))
#define sq_write(st, sql, ...) sq_write_params((st), (sql), \
	(const struct param[]){ __VA_ARGS__ }, \
	sizeof((const struct param[]){ __VA_ARGS__ }) / sizeof(struct param))

/* One write statement in the caller's transaction. */
enum store_rc sq_run_params(struct sqlite_store *, const char *sql,
    const struct param *, size_t n);
#define sq_run(st, sql, ...) sq_run_params((st), (sql), \
	(const struct param[]){ __VA_ARGS__ }, \
	sizeof((const struct param[]){ __VA_ARGS__ }) / sizeof(struct param))

char *sq_col_text(sqlite3_stmt *, int i);
int64_t sq_col_int(sqlite3_stmt *, int i, int64_t absent);

/* Read a row of JOB_SELECT... and of ATTEMPT_SELECT (store-sql.h). */
void sq_row_to_job(sqlite3_stmt *, struct job *);
void sq_row_to_attempt(sqlite3_stmt *, struct attempt *);

/* What a job's end makes of the jobs that depend on it, in the caller's
 * transaction: as job_dep_effect() says, one less to wait for, or
 * cancelled, and so on down the chain. */
enum store_rc sq_job_ended(struct sqlite_store *, int64_t id, enum job_state,
    int64_t now);

/* The schema (store-sqlite-schema.c): checks that the database is
 * jobq's and brings it up to date. */
enum store_rc sq_migrate(struct sqlite_store *);

static inline struct sqlite_store *
to_sqlite(struct store *base)
{
	return (struct sqlite_store *)base;
}

/* The operations, each as its store_* function in store.h says, and
 * their table (store-sqlite.c). */
void sqlite_close(struct store *base);
const char *sqlite_error(const struct store *base);
enum store_rc sqlite_submit(struct store *base, const struct job_spec *spec,
    int64_t *id);
enum store_rc sqlite_batch_begin(struct store *base);
enum store_rc sqlite_batch_submit(struct store *base,
    const struct job_spec *spec, int64_t *id);
enum store_rc sqlite_batch_commit(struct store *base);
void sqlite_batch_abort(struct store *base);
enum store_rc sqlite_get(struct store *base, int64_t id, struct job *out);
enum store_rc sqlite_get_info(struct store *base, int64_t id, struct job *out);
enum store_rc sqlite_get_result(struct store *base, int64_t id, char **buf,
    size_t *len);
enum store_rc sqlite_get_attempts(struct store *base, int64_t id,
    struct attempt **out, size_t *n);
enum store_rc sqlite_get_deps(struct store *base, int64_t id, struct dep **out,
    size_t *n);
enum store_rc sqlite_list(struct store *base, const struct list_filter *f,
    int (*fn)(const struct job *, void *), void *arg);
enum store_rc sqlite_cancel(struct store *base, int64_t id,
    enum job_state *was);
enum store_rc sqlite_worker_register(struct store *base, const char *worker,
    int pid, int64_t grace_ms, const char *const *queues, size_t nqueues);
enum store_rc sqlite_worker_unregister(struct store *base, const char *worker);
enum store_rc sqlite_claim_many(struct store *base, const char *worker,
    const char *const *queues, size_t nqueues, size_t max, struct job *jobs,
    size_t *n);
enum store_rc sqlite_set_processes(struct store *base, const char *worker,
    const struct proc_record *p, size_t n, enum store_rc *rcs);
enum store_rc sqlite_set_progress(struct store *base, int64_t id, int attempt,
    const char *worker, double percent, int64_t done_n, int64_t total,
    const char *message);
enum store_rc sqlite_finish_many(struct store *base, const struct outcome *o,
    size_t n, struct verdict *v, enum store_rc *rcs);
enum store_rc sqlite_cancel_requests(struct store *base, const char *worker,
    int64_t **ids, size_t *n);
enum store_rc sqlite_next_due(struct store *base, const char *const *queues,
    size_t nqueues, int64_t *when);
bool sqlite_changed(struct store *base);
enum store_rc sqlite_any_runnable(struct store *base, const char *const *queues,
    size_t nqueues, bool *any);
enum store_rc sqlite_any_retrying(struct store *base, const char *const *queues,
    size_t nqueues, bool *any);
enum store_rc sqlite_retry(struct store *base, int64_t id, enum job_state *was);
enum store_rc sqlite_set_priority(struct store *base, int64_t id, int priority,
    enum job_state *was);
enum store_rc sqlite_queues(struct store *base, struct queue_info **out,
    size_t *n);
enum store_rc sqlite_queue_state(struct store *base, const char *queue,
    bool *paused, int64_t *limit, int64_t *running);
enum store_rc sqlite_pause(struct store *base, const char *const *queues,
    size_t n, bool paused);
enum store_rc sqlite_set_limit(struct store *base, const char *queue,
    int64_t limit);
enum store_rc sqlite_running_elsewhere(struct store *base, const char *except,
    struct job **jobs, size_t *n);
enum store_rc sqlite_mark_rescue(struct store *base, int64_t id, int attempt,
    const char *worker, int64_t when, const char *boot);
int64_t sqlite_worker_grace(struct store *base, const char *worker);
enum store_rc sqlite_workers(struct store *base, char ***ids, size_t *n);
enum store_rc sqlite_worker_queues(struct store *base,
    struct worker_queues **out, size_t *n);
void sqlite_set_wait(struct store *base, bool wait);
enum store_rc sqlite_prune_batch(struct store *base,
    const struct prune_filter *f, int64_t *after, size_t batch,
    struct gone_job **out, size_t *n);
enum store_rc sqlite_delete(struct store *base, const int64_t *ids, size_t nids,
    int64_t *bad, enum job_state *was, struct gone_job **out, size_t *n);
enum store_rc sqlite_vacuum(struct store *base);
enum store_rc sqlite_retain(struct store *base, int64_t keep, size_t batch,
    struct gone_job **out, size_t *n);
enum store_rc sqlite_get_setting(struct store *base, const char *name,
    char **value);
enum store_rc sqlite_set_setting(struct store *base, const char *name,
    const char *value);
enum store_rc sqlite_stats(struct store *base, int64_t now, size_t samples,
    struct stats *out);
extern const struct store_ops sqlite_ops;

#endif
