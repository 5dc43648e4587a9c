/* store-pg.h: what the files of the PostgreSQL store share, and nothing
 * outside them sees: the handle, libpq (loaded when first used, see
 * pq.h), queries with typed parameters, transactions, errors and the
 * job row.
 *
 * The tables (store-pg.c, in the schema JOBQ_DB_SCHEMA, default "jobq",
 * which is on the connection's search_path, so SQL names tables bare)
 * mirror the SQLite store's: jobs (the JOB_COLUMNS of store-sql.h, plus
 * `blocked`, the number of its dependencies not yet completed; booleans
 * are integers 0/1 as in SQLite, times are ms since the epoch from the
 * client's clock as in SQLite), payloads (job_id, data bytea, env),
 * results (job_id, data bytea), attempts, deps (job_id, dep_id),
 * queues (name, paused, max_running: the row '*' holds what a queue not
 * seen before starts with), workers (id, pid, started_at, grace_ms,
 * queues, host, lease_until timestamptz: the server's clock), settings
 * (name, value).  Rows of payloads, results, attempts and deps go with
 * their job (ON DELETE CASCADE). */
#ifndef STORE_PG_H
#define STORE_PG_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pq.h"
#include "store-backend.h"
#include "store-sql.h"

/* How long a worker's lease lasts past its last renewal: PG_LEASE_MS,
 * or its grace period plus twice PG_FENCE_MARGIN_MS if that is longer.
 * A worker that cannot renew sends its handlers TERM at lease - grace -
 * margin after the last renewal it sent, and KILL a grace later, a
 * margin before the lease ends (worker.c). */
#define PG_LEASE_MS 20000
/* store_changed() says true at least this often. */
#define PG_SLOW_POLL_MS 5000
#define PG_FENCE_MARGIN_MS STORE_LEASE_MARGIN_MS

struct pg_store {
	struct store base;	/* first: store.c calls through it */
	struct spool *sp;
	PGconn *conn;
	char *conninfo;
	char *schema;		/* its name, unquoted */
	char *channel;		/* LISTEN/NOTIFY channel, quoted: the
				   schema's own */
	bool wait;		/* false: writes fail with STORE_BUSY
				   rather than wait on a lock */
	bool in_tx;		/* a transaction is open */
	bool listening;		/* LISTEN has been sent */
	bool notified;		/* a notification came since the last
				   store_changed() */
	bool changed_once;	/* store_changed() was called */
	int64_t last_changed;	/* mono_ms() of store_changed()'s last
				   true (see PG_SLOW_POLL_MS) */
	char *worker;		/* the worker registered through this
				   connection, whose advisory lock it
				   holds (taken again on reconnection) */
	int64_t grace_ms;	/* that worker's */
	int64_t reconnect_at;	/* mono_ms(): no reconnection before */
	int64_t backoff_ms;	/* the wait after the next failed one */
	char *err;		/* the last error, malloc'd */
};

/* The type of a bytea column in a result (PQftype). */
#define PG_BYTEA_OID 17

/* Text for a bytea column: the bytes of s, or NULL. */
static inline struct param
p_bytes(const char *s)
{
	return s != NULL ? p_blob(s, strlen(s)) : p_null();
}

/* The advisory lock key of a worker id. */
#define PG_WORKER_LOCK_SQL "hashtextextended('jobq worker ' || $1, 0)"

static inline struct pg_store *
to_pg(struct store *base)
{
	return (struct pg_store *)base;
}

/* Errors: each sets st->err and returns rc. */
enum store_rc pg_fail(struct pg_store *, enum store_rc rc, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
/* A failed result (or NULL: no result at all) as an error of `what`,
 * with the server's message: STORE_UNUSABLE when the connection is
 * gone, STORE_BUSY for a lock not granted in no-wait mode,
 * STORE_CONFLICT for a unique violation, else STORE_ERROR.  Clears
 * res. */
enum store_rc pg_result_fail(struct pg_store *, PGresult *res,
    const char *what);

/* Runs sql with $1..$n from p (text and numbers as text, blobs as
 * bytea in binary).  Returns the result (the caller PQclear()s it) if
 * it is PGRES_TUPLES_OK or PGRES_COMMAND_OK; else NULL, with *rc and
 * st->err set by pg_result_fail. */
PGresult *pg_query_params(struct pg_store *, enum store_rc *rc,
    const char *what, const char *sql, const struct param *p, size_t n);
#define pg_query(st, rc, what, sql, ...) pg_query_params((st), (rc), (what), \
	(sql), (const struct param[]){ __VA_ARGS__ }, \
	sizeof((const struct param[]){ __VA_ARGS__ }) / sizeof(struct param))
/* The same for a statement whose rows, if any, are not wanted: returns
 * STORE_OK or the failure.  *rows (if rows is not NULL) gets the number
 * of rows it changed or returned. */
enum store_rc pg_exec_params(struct pg_store *, const char *what,
    const char *sql, const struct param *p, size_t n, int64_t *rows);
#define pg_exec(st, what, rows, sql, ...) pg_exec_params((st), (what), \
	(sql), (const struct param[]){ __VA_ARGS__ }, \
	sizeof((const struct param[]){ __VA_ARGS__ }) / sizeof(struct param), \
	(rows))
/* Without parameters. */
enum store_rc pg_exec0(struct pg_store *, const char *what, const char *sql);

/* Transactions.  pg_begin opens one (READ COMMITTED); pg_rollback
 * returns rc, so `return pg_rollback(st, rc);` ends a failed one. */
enum store_rc pg_begin(struct pg_store *);
enum store_rc pg_commit(struct pg_store *);
enum store_rc pg_rollback(struct pg_store *, enum store_rc rc);

/* Wakes workers: NOTIFY on the store's channel, in the caller's
 * transaction (delivered at its commit).  what: "job" for a job that
 * may be claimable, "cancel" for a cancel request. */
enum store_rc pg_notify(struct pg_store *, const char *what);

/* A queue list as a text[] parameter ($n::text[]): p_text of the
 * malloc'd array literal, which the caller frees; NULL (every queue)
 * for NULL. */
char *pg_text_array(const char *const *v, size_t n);

/* Reading results: NULL reads as absent, texts are malloc'd (NULL for
 * NULL), a bytea is malloc'd and NUL-terminated, its length in *len. */
bool pg_isnull(const PGresult *, int row, int col);
int64_t pg_int(const PGresult *, int row, int col, int64_t absent);
double pg_real(const PGresult *, int row, int col, double absent);
char *pg_text(const PGresult *, int row, int col);
char *pg_bytea(const PGresult *, int row, int col, size_t *len);

/* The first column of res's first row into *v (0 if none or NULL), and
 * res cleared: STORE_OK, or r if res is NULL (a failed query's). */
enum store_rc pg_first_int(PGresult *res, enum store_rc r, int64_t *v);

/* A row of JOB_SELECT... (store-sql.h), and of ATTEMPT_SELECT. */
void pg_row_to_job(const PGresult *, int row, struct job *);
void pg_row_to_attempt(const PGresult *, int row, struct attempt *);

/* What a job's end makes of the jobs that depend on it, in the caller's
 * transaction, as sq_job_ended() in the SQLite store
 * (store-pg-query.c). */
enum store_rc pg_job_ended(struct pg_store *, int64_t id, enum job_state,
    int64_t now);

/* The schema (store-pg.c): made on first use, migrated under an
 * advisory lock. */
enum store_rc pg_migrate(struct pg_store *, bool create, char **cause);

extern const struct store_ops pg_ops;

/* The operations, each as its store_* function in store.h says.
 * store-pg.c: */
void pgs_close(struct store *base);
const char *pgs_error(const struct store *base);
void pgs_set_wait(struct store *base, bool wait);
/* store-pg-query.c, store-pg-prune.c: */
enum store_rc pgs_submit(struct store *base, const struct job_spec *spec,
    int64_t *id);
enum store_rc pgs_batch_begin(struct store *base);
enum store_rc pgs_batch_submit(struct store *base,
    const struct job_spec *spec, int64_t *id);
enum store_rc pgs_batch_commit(struct store *base);
void pgs_batch_abort(struct store *base);
enum store_rc pgs_get(struct store *base, int64_t id, struct job *out);
enum store_rc pgs_get_info(struct store *base, int64_t id, struct job *out);
enum store_rc pgs_get_result(struct store *base, int64_t id, char **buf,
    size_t *len);
enum store_rc pgs_get_attempts(struct store *base, int64_t id,
    struct attempt **out, size_t *n);
enum store_rc pgs_get_deps(struct store *base, int64_t id, struct dep **out,
    size_t *n);
enum store_rc pgs_list(struct store *base, const struct list_filter *f,
    int (*fn)(const struct job *, void *), void *arg);
enum store_rc pgs_cancel(struct store *base, int64_t id, enum job_state *was);
enum store_rc pgs_retry(struct store *base, int64_t id, enum job_state *was);
enum store_rc pgs_set_priority(struct store *base, int64_t id, int priority,
    enum job_state *was);
enum store_rc pgs_queues(struct store *base, struct queue_info **out,
    size_t *n);
enum store_rc pgs_queue_state(struct store *base, const char *queue,
    bool *paused, int64_t *limit, int64_t *running);
enum store_rc pgs_pause(struct store *base, const char *const *queues,
    size_t n, bool paused);
enum store_rc pgs_set_limit(struct store *base, const char *queue,
    int64_t limit);
enum store_rc pgs_prune_batch(struct store *base,
    const struct prune_filter *f, int64_t *after, size_t batch,
    struct gone_job **out, size_t *n);
enum store_rc pgs_delete(struct store *base, const int64_t *ids, size_t nids,
    int64_t *bad, enum job_state *was, struct gone_job **out, size_t *n);
enum store_rc pgs_vacuum(struct store *base);
enum store_rc pgs_retain(struct store *base, int64_t keep, size_t batch,
    struct gone_job **out, size_t *n);
enum store_rc pgs_get_setting(struct store *base, const char *name,
    char **value);
enum store_rc pgs_set_setting(struct store *base, const char *name,
    const char *value);
enum store_rc pgs_stats(struct store *base, int64_t now, size_t samples,
    struct stats *out);
/* store-pg-worker.c: */
enum store_rc pgs_worker_register(struct store *base, const char *worker,
    int pid, int64_t grace_ms, const char *const *queues, size_t nqueues);
enum store_rc pgs_worker_unregister(struct store *base, const char *worker);
enum store_rc pgs_claim_many(struct store *base, const char *worker,
    const char *const *queues, size_t nqueues, size_t max, struct job *jobs,
    size_t *n);
enum store_rc pgs_set_processes(struct store *base, const char *worker,
    const struct proc_record *p, size_t n, enum store_rc *rcs);
enum store_rc pgs_set_progress(struct store *base, int64_t id, int attempt,
    const char *worker, double percent, int64_t done_n, int64_t total,
    const char *message);
enum store_rc pgs_finish_many(struct store *base, const struct outcome *o,
    size_t n, struct verdict *v, enum store_rc *rcs);
enum store_rc pgs_cancel_requests(struct store *base, const char *worker,
    int64_t **ids, size_t *n);
enum store_rc pgs_next_due(struct store *base, const char *const *queues,
    size_t nqueues, int64_t *when);
bool pgs_changed(struct store *base);
enum store_rc pgs_any_runnable(struct store *base, const char *const *queues,
    size_t nqueues, bool *any);
enum store_rc pgs_any_retrying(struct store *base, const char *const *queues,
    size_t nqueues, bool *any);
enum store_rc pgs_running_elsewhere(struct store *base, const char *except,
    struct job **jobs, size_t *n);
enum store_rc pgs_mark_rescue(struct store *base, int64_t id, int attempt,
    const char *worker, int64_t when, const char *boot);
int64_t pgs_worker_grace(struct store *base, const char *worker);
enum store_rc pgs_workers(struct store *base, char ***ids, size_t *n);
enum store_rc pgs_worker_queues(struct store *base,
    struct worker_queues **out, size_t *n);
int pgs_wait_fd(struct store *base);
enum store_rc pgs_heartbeat(struct store *base, const char *worker);
int pgs_worker_alive(struct store *base, const char *worker);
int64_t pgs_lease_ms(struct store *base, int64_t grace_ms);
bool pgs_keeps_logs(struct store *base);
enum store_rc pgs_log_save(struct store *base, int64_t id, int attempt,
    const char *data, size_t len);
enum store_rc pgs_log_read(struct store *base, int64_t id, int attempt,
    int64_t from, char **buf, size_t *len, int64_t *size);

#endif
