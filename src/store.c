/* store.c: store.h's functions, each handed to the store in use. */
#include <stdlib.h>

#include "store-backend.h"
#include "util.h"

enum store_rc
store_open(struct spool *sp, const char *db, bool create, struct store **out,
    char **cause)
{
	*out = NULL;
	if (db == NULL || db[0] == '\0')
		return sqlite_store_open(sp, create, out, cause);
#if HAVE_POSTGRESQL
	return pg_store_open(sp, db, create, out, cause);
#else
	*cause = xstrdup("this jobq was built without PostgreSQL support "
	    "(install libpq-dev and build with meson -Dpostgresql=enabled)");
	return STORE_UNUSABLE;
#endif
}

void
store_close(struct store *st)
{
	st->ops->close(st);
}

const char *
store_error(const struct store *st)
{
	return st->ops->error(st);
}

enum store_rc
store_submit(struct store *st, const struct job_spec *spec, int64_t *id)
{
	return st->ops->submit(st, spec, id);
}

enum store_rc
store_batch_begin(struct store *st)
{
	return st->ops->batch_begin(st);
}

enum store_rc
store_batch_submit(struct store *st, const struct job_spec *spec, int64_t *id)
{
	return st->ops->batch_submit(st, spec, id);
}

enum store_rc
store_batch_commit(struct store *st)
{
	return st->ops->batch_commit(st);
}

void
store_batch_abort(struct store *st)
{
	st->ops->batch_abort(st);
}

enum store_rc
store_get(struct store *st, int64_t id, struct job *out)
{
	return st->ops->get(st, id, out);
}

enum store_rc
store_get_info(struct store *st, int64_t id, struct job *out)
{
	return st->ops->get_info(st, id, out);
}

enum store_rc
store_get_result(struct store *st, int64_t id, char **buf, size_t *len)
{
	return st->ops->get_result(st, id, buf, len);
}

enum store_rc
store_get_attempts(struct store *st, int64_t id, struct attempt **out,
    size_t *n)
{
	return st->ops->get_attempts(st, id, out, n);
}

enum store_rc
store_get_deps(struct store *st, int64_t id, struct dep **out, size_t *n)
{
	return st->ops->get_deps(st, id, out, n);
}

enum store_rc
store_list(struct store *st, const struct list_filter *f,
    int (*fn)(const struct job *, void *), void *arg)
{
	return st->ops->list(st, f, fn, arg);
}

enum store_rc
store_cancel(struct store *st, int64_t id, enum job_state *was)
{
	return st->ops->cancel(st, id, was);
}

enum store_rc
store_worker_register(struct store *st, const char *worker, int pid,
    int64_t grace_ms, const char *const *queues, size_t nqueues)
{
	return st->ops->worker_register(st, worker, pid, grace_ms, queues,
    nqueues);
}

enum store_rc
store_worker_unregister(struct store *st, const char *worker)
{
	return st->ops->worker_unregister(st, worker);
}

enum store_rc
store_claim(struct store *st, const char *worker, const char *const *queues,
    size_t nqueues, struct job *out)
{
	size_t n;

	return st->ops->claim_many(st, worker, queues, nqueues, 1, out, &n);
}

enum store_rc
store_claim_many(struct store *st, const char *worker,
    const char *const *queues,
    size_t nqueues, size_t max, struct job *jobs, size_t *n)
{
	return st->ops->claim_many(st, worker, queues, nqueues, max, jobs, n);
}

enum store_rc
store_set_process(struct store *st, int64_t id, int attempt, const char *worker,
    int pgid, int64_t proc_start, const char *boot)
{
	struct proc_record p = { id, attempt, pgid, proc_start, boot };
	enum store_rc r, one = STORE_OK;

	if ((r = st->ops->set_processes(st, worker, &p, 1, &one)) != STORE_OK)
		return r;
	return one;
}

enum store_rc
store_set_processes(struct store *st, const char *worker,
    const struct proc_record *p, size_t n, enum store_rc *rcs)
{
	return st->ops->set_processes(st, worker, p, n, rcs);
}

enum store_rc
store_set_progress(struct store *st, int64_t id, int attempt,
    const char *worker,
    double percent, int64_t done_n, int64_t total, const char *message)
{
	return st->ops->set_progress(st, id, attempt, worker, percent, done_n,
    total, message);
}

enum store_rc
store_finish(struct store *st, const struct outcome *o, struct verdict *vp)
{
	struct verdict v;
	enum store_rc r, one;

	r = st->ops->finish_many(st, o, 1, &v, &one);
	if (r == STORE_OK)
		r = one;
	if (vp != NULL)
		*vp = v;
	else
		verdict_clear(&v);
	return r;
}

enum store_rc
store_finish_many(struct store *st, const struct outcome *o, size_t n,
    struct verdict *v, enum store_rc *rcs)
{
	return st->ops->finish_many(st, o, n, v, rcs);
}

enum store_rc
store_cancel_requests(struct store *st, const char *worker, int64_t **ids,
    size_t *n)
{
	return st->ops->cancel_requests(st, worker, ids, n);
}

enum store_rc
store_next_due(struct store *st, const char *const *queues, size_t nqueues,
    int64_t *when)
{
	return st->ops->next_due(st, queues, nqueues, when);
}

bool
store_changed(struct store *st)
{
	return st->ops->changed(st);
}

enum store_rc
store_any_runnable(struct store *st, const char *const *queues, size_t nqueues,
    bool *any)
{
	return st->ops->any_runnable(st, queues, nqueues, any);
}

enum store_rc
store_any_retrying(struct store *st, const char *const *queues, size_t nqueues,
    bool *any)
{
	return st->ops->any_retrying(st, queues, nqueues, any);
}

enum store_rc
store_retry(struct store *st, int64_t id, enum job_state *was)
{
	return st->ops->retry(st, id, was);
}

enum store_rc
store_set_priority(struct store *st, int64_t id, int priority,
    enum job_state *was)
{
	return st->ops->set_priority(st, id, priority, was);
}

enum store_rc
store_queues(struct store *st, struct queue_info **out, size_t *n)
{
	return st->ops->queues(st, out, n);
}

enum store_rc
store_queue_state(struct store *st, const char *queue, bool *paused,
    int64_t *limit, int64_t *running)
{
	return st->ops->queue_state(st, queue, paused, limit, running);
}

enum store_rc
store_pause(struct store *st, const char *const *queues, size_t n, bool paused)
{
	return st->ops->pause(st, queues, n, paused);
}

enum store_rc
store_set_limit(struct store *st, const char *queue, int64_t limit)
{
	return st->ops->set_limit(st, queue, limit);
}

enum store_rc
store_running_elsewhere(struct store *st, const char *except, struct job **jobs,
    size_t *n)
{
	return st->ops->running_elsewhere(st, except, jobs, n);
}

enum store_rc
store_mark_rescue(struct store *st, int64_t id, int attempt, const char *worker,
    int64_t when, const char *boot)
{
	return st->ops->mark_rescue(st, id, attempt, worker, when, boot);
}

int64_t
store_worker_grace(struct store *st, const char *worker)
{
	return st->ops->worker_grace(st, worker);
}

enum store_rc
store_workers(struct store *st, char ***ids, size_t *n)
{
	return st->ops->workers(st, ids, n);
}

enum store_rc
store_worker_queues(struct store *st, struct worker_queues **out, size_t *n)
{
	return st->ops->worker_queues(st, out, n);
}

void
store_set_wait(struct store *st, bool wait)
{
	st->ops->set_wait(st, wait);
}

enum store_rc
store_prune_batch(struct store *st, const struct prune_filter *f,
    int64_t *after,
    size_t batch, struct gone_job **out, size_t *n)
{
	return st->ops->prune_batch(st, f, after, batch, out, n);
}

enum store_rc
store_delete(struct store *st, const int64_t *ids, size_t nids, int64_t *bad,
    enum job_state *was, struct gone_job **out, size_t *n)
{
	return st->ops->delete(st, ids, nids, bad, was, out, n);
}

enum store_rc
store_vacuum(struct store *st)
{
	return st->ops->vacuum(st);
}

enum store_rc
store_retain(struct store *st, int64_t keep, size_t batch,
    struct gone_job **out,
    size_t *n)
{
	return st->ops->retain(st, keep, batch, out, n);
}

enum store_rc
store_get_setting(struct store *st, const char *name, char **value)
{
	return st->ops->get_setting(st, name, value);
}

enum store_rc
store_set_setting(struct store *st, const char *name, const char *value)
{
	return st->ops->set_setting(st, name, value);
}

enum store_rc
store_stats(struct store *st, int64_t now, size_t samples, struct stats *out)
{
	return st->ops->stats(st, now, samples, out);
}

int
store_wait_fd(struct store *st)
{
	return st->ops->wait_fd(st);
}

int64_t
store_lease_ms(struct store *st, int64_t grace_ms)
{
	return st->ops->lease_ms(st, grace_ms);
}

enum store_rc
store_heartbeat(struct store *st, const char *worker)
{
	return st->ops->heartbeat(st, worker);
}

int
store_worker_alive(struct store *st, const char *worker)
{
	return st->ops->worker_alive(st, worker);
}

bool
store_keeps_logs(struct store *st)
{
	return st->ops->keeps_logs(st);
}

enum store_rc
store_log_save(struct store *st, int64_t id, int attempt, const char *data,
    size_t len)
{
	return st->ops->log_save(st, id, attempt, data, len);
}

enum store_rc
store_log_read(struct store *st, int64_t id, int attempt, int64_t from,
    char **buf, size_t *len, int64_t *size)
{
	return st->ops->log_read(st, id, attempt, from, buf, len, size);
}
