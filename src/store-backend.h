/* store-backend.h: what a store is behind store.h.  A store begins with
 * its table of operations; store.c's store_* functions call through it,
 * so commands and the worker run unchanged on SQLite or PostgreSQL.
 * Each operation means what its store_* function in store.h says;
 * store_claim, store_set_process and store_finish are the _many ones
 * with one. */
#ifndef STORE_BACKEND_H
#define STORE_BACKEND_H

#include "config.h"
#include "store.h"

struct store_ops {
	void (*close)(struct store *base);
	const char *(*error)(const struct store *base);
	enum store_rc (*submit)(struct store *base, const struct job_spec *spec,
	    int64_t *id);
	enum store_rc (*batch_begin)(struct store *base);
	enum store_rc (*batch_submit)(struct store *base,
	    const struct job_spec *spec, int64_t *id);
	enum store_rc (*batch_commit)(struct store *base);
	void (*batch_abort)(struct store *base);
	enum store_rc (*get)(struct store *base, int64_t id, struct job *out);
	enum store_rc (*get_info)(struct store *base, int64_t id,
	    struct job *out);
	enum store_rc (*get_result)(struct store *base, int64_t id, char **buf,
	    size_t *len);
	enum store_rc (*get_attempts)(struct store *base, int64_t id,
	    struct attempt **out, size_t *n);
	enum store_rc (*get_deps)(struct store *base, int64_t id,
	    struct dep **out, size_t *n);
	enum store_rc (*list)(struct store *base, const struct list_filter *f,
	    int (*fn)(const struct job *, void *), void *arg);
	enum store_rc (*cancel)(struct store *base, int64_t id,
	    enum job_state *was);
	enum store_rc (*worker_register)(struct store *base, const char *worker,
	    int pid, int64_t grace_ms, const char *const *queues,
	    size_t nqueues);
	enum store_rc (*worker_unregister)(struct store *base,
	    const char *worker);
	enum store_rc (*claim_many)(struct store *base, const char *worker,
	    const char *const *queues, size_t nqueues, size_t max,
	    struct job *jobs, size_t *n);
	enum store_rc (*set_processes)(struct store *base, const char *worker,
	    const struct proc_record *p, size_t n, enum store_rc *rcs);
	enum store_rc (*set_progress)(struct store *base, int64_t id,
	    int attempt, const char *worker, double percent, int64_t done_n,
	    int64_t total, const char *message);
	enum store_rc (*finish_many)(struct store *base, const struct outcome *o,
	    size_t n, struct verdict *v, enum store_rc *rcs);
	enum store_rc (*cancel_requests)(struct store *base, const char *worker,
	    int64_t **ids, size_t *n);
	enum store_rc (*next_due)(struct store *base, const char *const *queues,
	    size_t nqueues, int64_t *when);
	bool (*changed)(struct store *base);
	enum store_rc (*any_runnable)(struct store *base,
	    const char *const *queues, size_t nqueues, bool *any);
	enum store_rc (*any_retrying)(struct store *base,
	    const char *const *queues, size_t nqueues, bool *any);
	enum store_rc (*retry)(struct store *base, int64_t id,
	    enum job_state *was);
	enum store_rc (*set_priority)(struct store *base, int64_t id,
	    int priority, enum job_state *was);
	enum store_rc (*queues)(struct store *base, struct queue_info **out,
	    size_t *n);
	enum store_rc (*queue_state)(struct store *base, const char *queue,
	    bool *paused, int64_t *limit, int64_t *running);
	enum store_rc (*pause)(struct store *base, const char *const *queues,
	    size_t n, bool paused);
	enum store_rc (*set_limit)(struct store *base, const char *queue,
	    int64_t limit);
	enum store_rc (*running_elsewhere)(struct store *base,
	    const char *except, struct job **jobs, size_t *n);
	enum store_rc (*mark_rescue)(struct store *base, int64_t id, int attempt,
	    const char *worker, int64_t when, const char *boot);
	int64_t (*worker_grace)(struct store *base, const char *worker);
	enum store_rc (*workers)(struct store *base, char ***ids, size_t *n);
	enum store_rc (*worker_queues)(struct store *base,
	    struct worker_queues **out, size_t *n);
	void (*set_wait)(struct store *base, bool wait);
	enum store_rc (*prune_batch)(struct store *base,
	    const struct prune_filter *f, int64_t *after, size_t batch,
	    struct gone_job **out, size_t *n);
	enum store_rc (*delete)(struct store *base, const int64_t *ids,
	    size_t nids, int64_t *bad, enum job_state *was,
	    struct gone_job **out, size_t *n);
	enum store_rc (*vacuum)(struct store *base);
	enum store_rc (*retain)(struct store *base, int64_t keep, size_t batch,
	    struct gone_job **out, size_t *n);
	enum store_rc (*get_setting)(struct store *base, const char *name,
	    char **value);
	enum store_rc (*set_setting)(struct store *base, const char *name,
	    const char *value);
	enum store_rc (*stats)(struct store *base, int64_t now, size_t samples,
	    struct stats *out);
	int (*wait_fd)(struct store *base);
	int64_t (*lease_ms)(struct store *base, int64_t grace_ms);
	enum store_rc (*heartbeat)(struct store *base, const char *worker);
	int (*worker_alive)(struct store *base, const char *worker);
	bool (*keeps_logs)(struct store *base);
	enum store_rc (*log_save)(struct store *base, int64_t id, int attempt,
	    const char *data, size_t len);
	enum store_rc (*log_read)(struct store *base, int64_t id, int attempt,
	    int64_t from, char **buf, size_t *len, int64_t *size);
};

/* The first member of every store's own handle. */
struct store {
	const struct store_ops *ops;
};

/* The stores: each opens its database and hands back its handle. */
enum store_rc sqlite_store_open(struct spool *sp, bool create,
    struct store **out, char **cause);
#if HAVE_POSTGRESQL
enum store_rc pg_store_open(struct spool *sp, const char *conninfo,
    bool create, struct store **out, char **cause);
#endif

#endif
