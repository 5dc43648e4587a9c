/* store.h: the job store, persistence only.  Commands and the worker
 * speak to jobs only through these functions; SQL lives in
 * store-sqlite*.c, and what a job becomes is job.c's to decide. */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "job.h"
#include "spool.h"

/* The largest payload submit accepts.  A payload is copied whole into
 * every command and worker that handles the job (status --json, list
 * --json, the handler's stdin): big data belongs in a file the payload
 * names. */
#define PAYLOAD_MAX (16 * 1024 * 1024)

/* What submit stores. */
struct job_spec {
	const char *type;
	const char *queue;
	int priority;
	const char *payload;
	size_t payload_len;
	int64_t timeout_ms;
	int64_t run_at;		/* 0: now */
	int max_retries;
	int64_t retry_delay_ms;
	const int64_t *after;	/* the jobs it waits for */
	size_t nafter;
	const char *key;	/* NULL: none */
	const char *tags;	/* JSON array text; NULL: none */
	const char *meta;	/* JSON object text; NULL: none */
	const char *env;	/* exec: JSON object text of the command's
				   environment; NULL: none */
};

struct list_filter {
	unsigned states;	/* bit per enum job_state; 0: all */
	const char *queue;	/* NULL: all */
	const char *type;	/* NULL: all */
	int64_t limit;		/* 0: no limit; else the newest N */
	int64_t offset;		/* leave out the newest K */
	const char *tag;	/* NULL: all */
	int priority;		/* -1: all */
	bool order_run;		/* waiting jobs in claim order instead */
	bool payload;		/* load the payloads (list --json); without
				   it, exec jobs' payloads still come */
};

/* How an attempt ended, as the worker (or a rescuer) records it. */
struct outcome {
	int64_t id;
	int attempt;
	const char *worker;
	struct attempt_end end;
	const char *result;
	size_t result_len;
	bool result_truncated;
	const char *log;	/* its stderr, for a store that keeps logs
				   (NULL: none, or the spool's file) */
	size_t log_len;
};

enum store_rc {
	STORE_OK = 0,
	STORE_NOTFOUND,		/* no such job, or nothing to claim */
	STORE_CONFLICT,		/* the job is not in a state for this */
	STORE_BUSY,		/* another writer holds the lock (no wait) */
	STORE_UNUSABLE,		/* the database is unusable: exit 69 */
	STORE_ERROR,		/* anything else: exit 70 */
};

struct store;

/* Opens the store of an open spool: its SQLite database, or with db a
 * PostgreSQL one (a URL or libpq keyword string).  With create, makes
 * the database if it is missing.  The schema is migrated if it is older than this jobq.
 * STORE_NOTFOUND: there is no database and create is false.  On failure
 * *cause says why (malloc'd; the caller frees it). */
enum store_rc store_open(struct spool *sp, const char *db, bool create,
    struct store **out, char **cause);
void store_close(struct store *);
/* The durability JOBQ_SYNC asks for: full (the default: every submit
 * and outcome synced) or normal (*normal: commits survive the death of
 * any process, not a power cut).  False with *cause (malloc'd) if it is
 * set to anything else; store_open then fails too. */
bool store_sync_env(bool *normal, char **cause);
/* Why the last call that failed did: valid until the next call. */
const char *store_error(const struct store *);

/* STORE_NOTFOUND: a job of spec->after does not exist.  STORE_CONFLICT:
 * a job with spec->key waits or runs: *id is that job, and nothing was
 * submitted. */
enum store_rc store_submit(struct store *, const struct job_spec *,
    int64_t *id);
/* A batch: jobs submitted in one transaction, all or none, with each
 * statement prepared once.  store_batch_submit is store_submit inside
 * it: STORE_CONFLICT (a key held, *id its holder, this job not
 * submitted) leaves the batch going; after any other failure call
 * store_batch_abort, which stores none of them.  No input is read while
 * a batch is open: it holds the spool's write lock. */
enum store_rc store_batch_begin(struct store *);
enum store_rc store_batch_submit(struct store *, const struct job_spec *,
    int64_t *id);
enum store_rc store_batch_commit(struct store *);
void store_batch_abort(struct store *);
/* status: with an exec job's environment (j->env). */
enum store_rc store_get(struct store *, int64_t id, struct job *out);
/* store_get without the payload (empty), for those that do not show it,
 * except an exec job's: its command is what people are shown. */
enum store_rc store_get_info(struct store *, int64_t id, struct job *out);
enum store_rc store_get_result(struct store *, int64_t id, char **buf,
    size_t *len);
enum store_rc store_get_attempts(struct store *, int64_t id,
    struct attempt **out, size_t *n);
/* The jobs id waits for, by id (malloc'd; free it). */
enum store_rc store_get_deps(struct store *, int64_t id, struct dep **out,
    size_t *n);
/* Calls fn for each job that matches, oldest first (with order_run:
 * pending and retrying jobs in the order workers take them), until it
 * returns non-zero.  No read is in progress while fn runs, so fn may block on
 * its output as long as it likes. */
enum store_rc store_list(struct store *, const struct list_filter *,
    int (*fn)(const struct job *, void *), void *arg);

/* Cancels a job as job_cancel_effect() says of the state it is found in
 * (*was): at once, or by asking its worker to stop it.  STORE_CONFLICT
 * if it had already ended. */
enum store_rc store_cancel(struct store *, int64_t id, enum job_state *was);

/* The worker's side. */
/* queues: those it serves (NULL: every queue), for stats. */
enum store_rc store_worker_register(struct store *, const char *worker,
    int pid, int64_t grace_ms, const char *const *queues, size_t nqueues);
enum store_rc store_worker_unregister(struct store *, const char *worker);

/* Claims the most urgent runnable job in one of the queues (NULL: every
 * queue).  STORE_NOTFOUND if there is none. */
enum store_rc store_claim(struct store *, const char *worker,
    const char *const *queues, size_t nqueues, struct job *out);

/* Claims up to max jobs, each the most urgent runnable one after those
 * before it, in one transaction: jobs[0..*n).  STORE_NOTFOUND (and *n
 * 0) if there is none. */
enum store_rc store_claim_many(struct store *, const char *worker,
    const char *const *queues, size_t nqueues, size_t max, struct job *jobs,
    size_t *n);

/* Records the process group of a claimed job's handler, and the boot
 * it runs in (after a reboot the group is known gone). */
enum store_rc store_set_process(struct store *, int64_t id, int attempt,
    const char *worker, int pgid, int64_t proc_start, const char *boot);
/* The same for n handlers in one transaction: rcs[i] is STORE_OK, or
 * STORE_CONFLICT for a job the worker no longer holds.  Any other
 * return: nothing was recorded. */
struct proc_record {
	int64_t id;
	int attempt;
	int pgid;
	int64_t proc_start;
	const char *boot;
};
enum store_rc store_set_processes(struct store *, const char *worker,
    const struct proc_record *, size_t n, enum store_rc *rcs);

/* Records a progress report of a running job. */
enum store_rc store_set_progress(struct store *, int64_t id, int attempt,
    const char *worker, double percent, int64_t done, int64_t total,
    const char *message);

/* Records how an attempt ended, fenced on (id, attempt, worker): a worker
 * that lost the job changes nothing and gets STORE_CONFLICT.  What the
 * job becomes is job_verdict()'s, decided inside the recording
 * transaction; with v non-NULL it is handed back (verdict_clear it). */
enum store_rc store_finish(struct store *, const struct outcome *,
    struct verdict *v);
/* Records n outcomes in one transaction and one sync, each fenced and
 * judged on its own as store_finish does: rcs[i] is STORE_OK or
 * STORE_CONFLICT, v[i] its verdict (verdict_clear each).  Any other
 * return: nothing was recorded (rcs[] all say it; the verdicts are
 * empty). */
enum store_rc store_finish_many(struct store *, const struct outcome *o,
    size_t n, struct verdict *v, enum store_rc *rcs);

/* Ids of this worker's running jobs that someone asked to cancel. */
enum store_rc store_cancel_requests(struct store *, const char *worker,
    int64_t **ids, size_t *n);

/* When the next job in the queues becomes runnable, if later than now:
 * *when = 0 if none is scheduled. */
enum store_rc store_next_due(struct store *, const char *const *queues,
    size_t nqueues, int64_t *when);

/* Whether another process committed a change since the last call (true
 * on the first): lets an idle worker skip its queries when nothing moved.
 * Our own writes do not count. */
bool store_changed(struct store *);

/* Whether any job in the queues is runnable now. */
enum store_rc store_any_runnable(struct store *, const char *const *queues,
    size_t nqueues, bool *any);

/* Whether any job in the queues is retrying (a --drain worker waits
 * out retry delays). */
enum store_rc store_any_retrying(struct store *, const char *const *queues,
    size_t nqueues, bool *any);

/* Puts an ended job back to pending with a fresh retry budget, as
 * job_retry_allowed() says of the state it is found in (*was):
 * STORE_CONFLICT if not. */
enum store_rc store_retry(struct store *, int64_t id, enum job_state *was);

/* Sets a waiting job's priority, as job_reorder_allowed() says of the
 * state it is found in (*was): STORE_CONFLICT if not. */
enum store_rc store_set_priority(struct store *, int64_t id, int priority,
    enum job_state *was);

/* A queue as `jobq queues` shows it. */
struct queue_info {
	char *name;
	bool paused;
	int64_t limit;		/* 0: none */
	int64_t count[JOB_NSTATES];
};

/* Every queue that has jobs or settings, by name. */
enum store_rc store_queues(struct store *, struct queue_info **out,
    size_t *n);
void queue_info_free(struct queue_info *, size_t n);

/* Whether a queue is paused, its limit (0: none) and how many of its
 * jobs run, without counting the rest: for status. */
enum store_rc store_queue_state(struct store *, const char *queue,
    bool *paused, int64_t *limit, int64_t *running);

/* Pauses (or resumes) the queues named, or with n 0 every queue,
 * including those that have no job yet: a queue seen for the first time
 * starts as the last pause or resume of every queue left it. */
enum store_rc store_pause(struct store *, const char *const *queues,
    size_t n, bool paused);

/* At most limit jobs of the queue run at once, or with 0 no limit. */
enum store_rc store_set_limit(struct store *, const char *queue,
    int64_t limit);

/* Recovery: the running jobs of workers other than `except`, without
 * their payloads. */
enum store_rc store_running_elsewhere(struct store *, const char *except,
    struct job **jobs, size_t *n);
/* Notes that a rescuer is sending TERM to an orphaned handler, at `when`
 * (CLOCK_BOOTTIME ms) of boot `boot`.  STORE_CONFLICT if a time of this
 * boot is there already: another rescuer sent it. */
enum store_rc store_mark_rescue(struct store *, int64_t id, int attempt,
    const char *worker, int64_t when, const char *boot);
/* How long a handler gets between SIGTERM and SIGKILL unless its worker
 * was told otherwise (worker --grace). */
#define DEFAULT_GRACE_MS 5000

/* The grace period a worker registered, or the default. */
int64_t store_worker_grace(struct store *, const char *worker);
/* Workers registered in the store. */
enum store_rc store_workers(struct store *, char ***ids, size_t *n);

/* A registered worker and the queues it serves: a JSON array, or NULL
 * for every queue. */
struct worker_queues {
	char *id;
	char *queues;
};
enum store_rc store_worker_queues(struct store *, struct worker_queues **out,
    size_t *n);
void worker_queues_free(struct worker_queues *, size_t n);

/* Liveness beyond one host.  The fd to poll, besides the spool's wake
 * file, for the store's own wake-ups (-1: none); readable input there is
 * read by store_changed(). */
int store_wait_fd(struct store *);
/* A store that keeps worker leases (PostgreSQL) gives a worker with
 * this grace period this long past its last renewal before it is
 * counted dead (0: the store keeps none, and liveness is the local lock
 * file's).  A worker renews
 * with store_heartbeat every second or so; STORE_CONFLICT: the store no
 * longer knows it (it was counted dead), and it must stop its handlers.
 * A worker that cannot renew stops its handlers before the lease ends. */
int64_t store_lease_ms(struct store *, int64_t grace_ms);
#define STORE_HEARTBEAT_MS 1000
/* A worker that cannot renew sends its handlers TERM at lease - grace -
 * margin after it sent the last renewal that succeeded, so that the
 * KILL a grace later comes a margin before the lease ends: by the time
 * another worker may take the job, the handler is gone. */
#define STORE_LEASE_MARGIN_MS 5000
enum store_rc store_heartbeat(struct store *, const char *worker);
/* Whether a registered worker lives as the store sees it: 1 alive, 0
 * dead (its lease ended and its session is gone), -1 the store cannot
 * tell (ask the worker's lock file). */
int store_worker_alive(struct store *, const char *worker);

/* Handler logs.  A store that keeps them (PostgreSQL) holds each
 * attempt's stderr (its last LOG_CAP bytes, as the worker's file keeps
 * them), so that `jobq logs` reads it from any host; a spool's logs are
 * its files (logs.h), and these do nothing.  store_log_save replaces
 * what is kept of an attempt's log; store_log_read reads it from byte
 * `from` on (malloc'd, NUL-terminated) and gives its whole size; an
 * attempt without a log reads as empty. */
bool store_keeps_logs(struct store *);
enum store_rc store_log_save(struct store *, int64_t id, int attempt,
    const char *data, size_t len);
enum store_rc store_log_read(struct store *, int64_t id, int attempt,
    int64_t from, char **buf, size_t *len, int64_t *size);

/* With wait false, writes do not wait for another writer's lock and
 * return STORE_BUSY instead: for status and list, which only help. */
void store_set_wait(struct store *, bool wait);

/* A deleted job: what is needed to remove its files. */
struct gone_job {
	int64_t id;
	int attempt;		/* starts it had: its log files */
};

/* Which ended jobs prune deletes. */
struct prune_filter {
	unsigned states;	/* bit per enum job_state; only ended ones
				   count */
	int64_t before;		/* ended before this time (ms) */
	bool dry_run;		/* only find them */
};

/* Deletes (with dry_run: finds) up to batch jobs matching f with ids
 * above *after, oldest first, with their results, attempts, payloads and
 * dependencies, in one short transaction, so that workers claim between
 * batches.  *out (malloc'd) gets them and *after the last id: call again
 * until *n is 0. */
enum store_rc store_prune_batch(struct store *, const struct prune_filter *,
    int64_t *after, size_t batch, struct gone_job **out, size_t *n);

/* Deletes the jobs named, all or none, as prune does.  STORE_NOTFOUND or
 * STORE_CONFLICT (not ended, its state in *was) name the job in *bad,
 * and nothing is deleted. */
enum store_rc store_delete(struct store *, const int64_t *ids, size_t nids,
    int64_t *bad, enum job_state *was, struct gone_job **out, size_t *n);

/* Gives the space of deleted rows back to the filesystem.  Writers wait
 * while it runs. */
enum store_rc store_vacuum(struct store *);

/* Retention: deletes the oldest ended jobs (by when they ended) beyond
 * the newest keep, at most batch of them, in one short transaction; *out
 * (malloc'd) gets them, for their log files.  Call again while *n is
 * batch. */
enum store_rc store_retain(struct store *, int64_t keep, size_t batch,
    struct gone_job **out, size_t *n);

/* Settings kept in the spool (jobq config).  An unset one reads as NULL;
 * setting NULL unsets it. */
#define SETTING_KEEP "keep"
enum store_rc store_get_setting(struct store *, const char *name,
    char **value);
enum store_rc store_set_setting(struct store *, const char *name,
    const char *value);

/* What jobq stats shows. */
struct stats_count {
	char *queue;
	int priority;
	enum job_state state;
	int64_t n;
};
struct worker_info {
	char *id;
	int pid;
	int64_t started_at;
	char *queues;		/* a JSON array; NULL: every queue */
	int64_t running;	/* its jobs running */
};
struct stats {
	struct stats_count *counts;	/* per queue, priority and state */
	size_t ncounts;
	int64_t last_minute, last_hour;	/* jobs that ended */
	int64_t *wait_ms, *run_ms;	/* of the last jobs that ran */
	size_t nsamples;
	struct worker_info *workers;	/* registered, alive or not */
	size_t nworkers;
};

/* The figures, from counters and indexes: their cost does not grow with
 * the jobs in the spool.  samples: how many of the last jobs that ended
 * after running give the wait and run times. */
enum store_rc store_stats(struct store *, int64_t now, size_t samples,
    struct stats *out);
void stats_clear(struct stats *);

#endif
