/* store-sqlite-worker.c: the worker's side of the SQLite store: claim,
 * the running job's process and progress, recording how an attempt
 * ended, and what recovery and an idle worker ask. */
#include <stdlib.h>
#include <string.h>

#include "store-sqlite.h"
#include "util.h"

enum store_rc
sqlite_worker_register(struct store *base, const char *worker, int pid,
    int64_t grace_ms, const char *const *queues, size_t nqueues)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r;
	sqlite3_stmt *s;
	int rc;

	if ((r = sq_begin(st, DURABLE)) != STORE_OK)
		return r;
	s = sq_prepare(st, "INSERT OR REPLACE INTO workers (id, pid,"
	    " started_at, grace_ms, queues) VALUES (?1, ?2, ?3, ?4, ?5)");
	if (s == NULL)
		return sq_rollback(st, sq_db_fail(st, STORE_ERROR,
		    "register"));
	sq_bind(s, p_text(worker), p_int(pid), p_int(now_ms()),
	    p_int(grace_ms), p_null());
	sq_bind_queues(s, 5, queues, nqueues);
	rc = sq_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sq_rollback(st, sq_db_fail(st, sq_classify(rc),
		    "register"));
	return sq_commit(st);
}

enum store_rc
sqlite_worker_unregister(struct store *base, const char *worker)
{
	struct sqlite_store *st = to_sqlite(base);

	return sq_write(st, "DELETE FROM workers WHERE id = ?1",
	    p_text(worker));
}

int64_t
sqlite_worker_grace(struct store *base, const char *worker)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_prepare(st,
	    "SELECT grace_ms FROM workers WHERE id = ?1");
	int64_t grace = DEFAULT_GRACE_MS;

	if (s == NULL)
		return grace;
	sq_bind(s, p_text(worker));
	if (sq_step(s) == SQLITE_ROW)
		grace = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return grace;
}

enum store_rc
sqlite_workers(struct store *base, char ***ids, size_t *n)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_kept(st, S_WORKERS,
	    "SELECT id FROM workers ORDER BY id");
	char **v = NULL;
	size_t count = 0;
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "workers");
	while ((rc = sq_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = sq_col_text(s, 0);
	}
	sq_done(s);
	*ids = v;
	*n = count;
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), "cannot read workers");
	return STORE_OK;
}

enum store_rc
sqlite_worker_queues(struct store *base, struct worker_queues **out,
    size_t *n)
{
	struct sqlite_store *st = to_sqlite(base);

	/* Workers record the queues they serve from schema 9 on; before
	 * it, each is taken to serve every queue. */
	sqlite3_stmt *s = sq_prepare(st, "SELECT id, queues FROM workers");
	struct worker_queues *v = NULL;
	size_t count = 0;
	int rc;

	if (s == NULL && (s = sq_prepare(st,
	    "SELECT id, NULL FROM workers")) == NULL)
		return sq_db_fail(st, STORE_ERROR, "workers");
	while ((rc = sq_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count].id = sq_col_text(s, 0);
		v[count++].queues = sq_col_text(s, 1);
	}
	sqlite3_finalize(s);
	*out = v;
	*n = count;
	if (rc != SQLITE_DONE) {
		worker_queues_free(v, count);
		return sq_db_fail(st, sq_classify(rc), "cannot read workers");
	}
	return STORE_OK;
}

void
worker_queues_free(struct worker_queues *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].queues);
	}
	free(v);
}

/* The queues a job may be claimed from now: served (?N: a JSON array,
 * or NULL for all), not paused, under their limit. */
#define OPEN_QUEUE(qs) \
	"q.name != '*' AND q.paused = 0" \
	" AND (q.max_running IS NULL OR q.running < q.max_running)" \
	" AND (" #qs " IS NULL OR q.name IN" \
	"  (SELECT value FROM json_each(" #qs ")))"
/* The first job of queue q in claim order, through jobs_ready. */
#define FIRST_READY \
	"(SELECT id FROM jobs WHERE queue = q.name" \
	"  AND state IN ('pending', 'retrying') AND delayed = 0" \
	"  AND blocked = 0" \
	"  ORDER BY priority, run_at, id LIMIT 1)"

/* Makes the delayed jobs that have come due claimable: a seek in
 * jobs_delayed, and a write only for those. */
static enum store_rc
promote_due(struct sqlite_store *st, int64_t now)
{
	sqlite3_stmt *s = sq_kept(st, S_PROMOTE,
	    "UPDATE jobs SET delayed = 0 WHERE delayed = 1 AND run_at <= ?1");

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "claim");
	sq_bind(s, p_int(now));
	return sq_exec_done(st, s, "claim");
}

/* One claim inside the open transaction: STORE_NOTFOUND if nothing is
 * claimable. */
static enum store_rc
claim_one(struct sqlite_store *st, const char *worker, const char *const *queues,
    size_t nqueues, int64_t now, struct job *out)
{
	static const char claim_sql[] =
	    "UPDATE jobs SET state = 'running', attempt = attempt + 1,"
	    " worker = ?1, started_at = ?2, finished_at = NULL,"
	    " cancel_requested = 0, pgid = NULL, proc_start = NULL,"
	    " proc_boot = NULL, rescue_boot = NULL,"
	    " rescue_term_at = NULL, exit_code = NULL, signal = NULL,"
	    " error = NULL, progress_percent = NULL, progress_done = NULL,"
	    " progress_total = NULL, progress_message = NULL"
	    " WHERE id = (SELECT j.id FROM queues q JOIN jobs j"
	    "  ON j.id = " FIRST_READY " WHERE " OPEN_QUEUE(?3)
	    "  ORDER BY j.priority, j.run_at, j.id LIMIT 1)"
	    " RETURNING " JOB_SELECT_ENV;
	static const char attempt_sql[] =
	    "INSERT OR REPLACE INTO attempts (job_id, attempt, worker,"
	    " started_at) VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *s, *a;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((s = sq_kept(st, S_CLAIM, claim_sql)) == NULL ||
	    (a = sq_kept(st, S_CLAIM_ATTEMPT, attempt_sql)) == NULL)
		return sq_db_fail(st, STORE_ERROR, "claim");
	sq_bind(s, p_text(worker), p_int(now));
	sq_bind_queues(s, 3, queues, nqueues);
	rc = sq_step(s);
	if (rc == SQLITE_ROW) {
		sq_row_to_job(s, out);
		/* Step to the end so the UPDATE completes before commit. */
		rc = sq_step(s);
	}
	sq_done(s);
	if (rc != SQLITE_DONE) {
		if (out->id != 0)
			job_clear(out);
		return sq_db_fail(st, sq_classify(rc), "claim");
	}
	if (out->id == 0)
		return STORE_NOTFOUND;
	sq_bind(a, p_int(out->id), p_int(out->attempt), p_text(worker),
	    p_int(now));
	rc = sq_step(a);
	sq_done(a);
	if (rc != SQLITE_DONE) {
		job_clear(out);
		return sq_db_fail(st, sq_classify(rc), "claim");
	}
	return STORE_OK;
}

enum store_rc
sqlite_claim_many(struct store *base, const char *worker,
    const char *const *queues, size_t nqueues, size_t max, struct job *jobs,
    size_t *n)
{
	struct sqlite_store *st = to_sqlite(base);
	int64_t now = now_ms();
	enum store_rc r;

	*n = 0;
	if (max == 0)
		return STORE_NOTFOUND;
	if ((r = sq_begin(st, LAZY)) != STORE_OK)
		return r;
	if ((r = promote_due(st, now)) != STORE_OK)
		return sq_rollback(st, r);
	/* Each claim sees the ones before it: a queue's limit and order
	 * hold as for claims made one by one. */
	while (*n < max && (r = claim_one(st, worker, queues, nqueues, now,
	    &jobs[*n])) == STORE_OK)
		(*n)++;
	if (r == STORE_NOTFOUND && *n > 0)
		r = STORE_OK;
	if (r == STORE_OK)
		r = sq_commit(st);
	else
		r = sq_rollback(st, r);
	if (r != STORE_OK) {
		for (size_t i = 0; i < *n; i++)
			job_clear(&jobs[i]);
		*n = 0;
	}
	return r;
}


/* Runs a bound kept statement fenced on (id, attempt, worker), in its
 * own transaction: STORE_CONFLICT if it changed nothing. */
static enum store_rc
fenced_update(struct sqlite_store *st, sqlite3_stmt *s)
{
	enum store_rc r;
	int rc;

	if ((r = sq_begin(st, LAZY)) != STORE_OK) {
		sq_done(s);
		return r;
	}
	rc = sq_step(s);
	sq_done(s);
	if (rc != SQLITE_DONE)
		return sq_rollback(st, sq_db_fail(st, sq_classify(rc),
		    "update"));
	if (sqlite3_changes(st->db) == 0)
		return sq_rollback(st, STORE_CONFLICT);
	return sq_commit(st);
}

enum store_rc
sqlite_set_processes(struct store *base, const char *worker,
    const struct proc_record *p, size_t n, enum store_rc *rcs)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_kept(st, S_SET_PROCESS,
	    "UPDATE jobs SET pgid = ?4, proc_start = ?5, proc_boot = ?6"
	    " WHERE id = ?1 AND attempt = ?2 AND worker = ?3"
	    " AND state = 'running'");
	enum store_rc r;
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "set process");
	if ((r = sq_begin(st, LAZY)) != STORE_OK)
		return r;
	for (size_t i = 0; i < n; i++) {
		sq_bind(s, p_int(p[i].id), p_int(p[i].attempt),
		    p_text(worker), p_int(p[i].pgid), p_int(p[i].proc_start),
		    p_text(p[i].boot));
		rc = sq_step(s);
		sq_done(s);
		if (rc != SQLITE_DONE)
			return sq_rollback(st, sq_db_fail(st, sq_classify(rc),
			    "set process"));
		rcs[i] = sqlite3_changes(st->db) == 0 ? STORE_CONFLICT :
		    STORE_OK;
	}
	return sq_commit(st);
}


enum store_rc
sqlite_set_progress(struct store *base, int64_t id, int attempt,
    const char *worker, double percent, int64_t done_n, int64_t total,
    const char *message)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_kept(st, S_SET_PROGRESS,
	    "UPDATE jobs SET progress_percent = ?4, progress_done = ?5,"
	    " progress_total = ?6, progress_message = ?7"
	    " WHERE id = ?1 AND attempt = ?2 AND worker = ?3"
	    " AND state = 'running'");

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "progress");
	sq_bind(s, p_int(id), p_int(attempt), p_text(worker),
	    p_real_if(percent, percent >= 0), p_int_if(done_n, total > 0),
	    p_int_if(total, total > 0), p_text(message));
	return fenced_update(st, s);
}

/* Undoes a claim, as job_verdict() asks of a handler that could not be
 * started for a passing reason: the attempt is not counted, its row
 * goes, and the job shows its previous attempt again; or, if the verdict
 * ends it, its end. */
static enum store_rc
unclaim(struct sqlite_store *st, const struct outcome *o, const struct verdict *v)
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

	s = sq_prepare(st, sql);
	a = sq_prepare(st, "DELETE FROM attempts WHERE job_id = ?1"
	    " AND attempt = ?2");
	if (s == NULL || a == NULL) {
		r = sq_db_fail(st, STORE_ERROR, "unclaim");
		goto out;
	}
	sq_bind(s, p_int(o->id), p_int(o->attempt), p_text(o->worker),
	    p_text(job_state_name(v->state)), p_int(ended), p_int(now_ms()),
	    p_text(v->error));
	if ((rc = sq_step(s)) != SQLITE_DONE) {
		r = sq_db_fail(st, sq_classify(rc), "unclaim");
		goto out;
	}
	sq_bind(a, p_int(o->id), p_int(o->attempt));
	if ((rc = sq_step(a)) != SQLITE_DONE)
		r = sq_db_fail(st, sq_classify(rc), "unclaim");
	else if (ended)
		r = sq_job_ended(st, o->id, v->state, now_ms());
out:
	sqlite3_finalize(s);
	sqlite3_finalize(a);
	return r;
}

/* Stores the verdict of an ended attempt: the job, the attempt's row,
 * and the result of a job that ended. */
static enum store_rc
record_end(struct sqlite_store *st, const struct outcome *o,
    const struct verdict *v, int64_t now)
{
	sqlite3_stmt *s, *a, *res;
	bool ended = job_state_ended(v->state);
	bool retry = v->state == JOB_RETRYING;
	enum store_rc r;

	if ((s = sq_kept(st, S_FINISH,
	    "UPDATE jobs SET state = ?4, finished_at = ?5, exit_code = ?6,"
	    " signal = ?7, error = ?8, result_bytes = ?9,"
	    " result_truncated = ?10, failures = failures + ?11,"
	    " deaths = ?12, worker = ?13, pgid = NULL, proc_start = NULL,"
	    " rescue_term_at = NULL, proc_boot = NULL, rescue_boot = NULL,"
	    " run_at = coalesce(?14, run_at), delayed = ?14 IS NOT NULL"
	    " WHERE id = ?1 AND attempt = ?2 AND worker = ?3"
	    " AND state = 'running'")) == NULL ||
	    (a = sq_kept(st, S_FINISH_ATTEMPT,
	    "UPDATE attempts SET finished_at = ?3, outcome = ?4,"
	    " exit_code = ?5, signal = ?6, error = ?7"
	    " WHERE job_id = ?1 AND attempt = ?2")) == NULL ||
	    (res = sq_kept(st, S_SAVE_RESULT,
	    "INSERT OR REPLACE INTO results (job_id, data)"
	    " VALUES (?1, ?2)")) == NULL)
		return sq_db_fail(st, STORE_ERROR, "finish");

	/* A job put back belongs to no worker; an ended one keeps the
	 * name of the one that ran it last. */
	/* A retrying one keeps how its
	 * last attempt ended, and waits, delayed, for its next start. */
	sq_bind(s, p_int(o->id), p_int(o->attempt), p_text(o->worker),
	    p_text(job_state_name(v->state)), p_int_if(now, ended || retry),
	    p_int_if(o->end.exit_code, o->end.exit_code >= 0),
	    p_int_if(o->end.signal, o->end.signal > 0),
	    p_text(ended || retry ? v->error : NULL),
	    p_int_if((int64_t)o->result_len, ended),
	    p_int(o->result_truncated), p_int(v->failure), p_int(v->deaths),
	    p_text(ended ? o->worker : NULL), p_int_if(v->run_at, retry));
	if ((r = sq_exec_done(st, s, "finish")) != STORE_OK)
		return r;

	sq_bind(a, p_int(o->id), p_int(o->attempt), p_int(now),
	    p_text(v->outcome),
	    p_int_if(o->end.exit_code, o->end.exit_code >= 0),
	    p_int_if(o->end.signal, o->end.signal > 0), p_text(v->error));
	if ((r = sq_exec_done(st, a, "finish")) != STORE_OK)
		return r;
	if (!ended)
		return STORE_OK;
	sq_bind(res, p_int(o->id), p_blob(o->result, o->result_len));
	if ((r = sq_exec_done(st, res, "cannot store the result")) !=
	    STORE_OK)
		return r;
	return sq_job_ended(st, o->id, v->state, now);
}

/* The fence: the job must still be ours, in this attempt.  What the
 * verdict needs of it is read here, inside the recording transaction,
 * so that a cancel asked for meanwhile is not lost. */
struct fenced {
	int deaths;
	bool cancel_requested;
	int failures, max_retries;
	int64_t retry_delay_ms;
};

static enum store_rc
fence(struct sqlite_store *st, const struct outcome *o, struct fenced *f)
{
	sqlite3_stmt *d = sq_kept(st, S_FENCE,
	    "SELECT deaths, cancel_requested, failures, max_retries,"
	    " retry_delay_ms FROM jobs WHERE id = ?1"
	    " AND attempt = ?2 AND worker = ?3 AND state = 'running'");
	int rc;

	if (d == NULL)
		return sq_db_fail(st, STORE_ERROR, "finish");
	sq_bind(d, p_int(o->id), p_int(o->attempt), p_text(o->worker));
	rc = sq_step(d);
	if (rc == SQLITE_ROW) {
		f->deaths = sqlite3_column_int(d, 0);
		f->cancel_requested = sqlite3_column_int(d, 1) != 0;
		f->failures = sqlite3_column_int(d, 2);
		f->max_retries = sqlite3_column_int(d, 3);
		f->retry_delay_ms = sqlite3_column_int64(d, 4);
	}
	sq_done(d);
	if (rc == SQLITE_DONE)
		return STORE_CONFLICT;
	if (rc != SQLITE_ROW)
		return sq_db_fail(st, sq_classify(rc), "finish");
	return STORE_OK;
}

/* One outcome inside the open transaction: the fence, the verdict,
 * what it changes. */
static enum store_rc
finish_one(struct sqlite_store *st, const struct outcome *o, struct verdict *v,
    int64_t now)
{
	struct fenced f = { 0 };
	enum store_rc r;

	if ((r = fence(st, o, &f)) != STORE_OK)
		return r;
	job_verdict(&o->end, f.cancel_requested, f.deaths, v);
	job_retry(v, f.failures, f.max_retries, f.retry_delay_ms, now);
	return v->unclaim ? unclaim(st, o, v) : record_end(st, o, v, now);
}

enum store_rc
sqlite_finish_many(struct store *base, const struct outcome *o, size_t n,
    struct verdict *v, enum store_rc *rcs)
{
	struct sqlite_store *st = to_sqlite(base);
	enum durability d = LAZY;
	int64_t now = now_ms();
	enum store_rc r;
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		rcs[i] = STORE_ERROR;
		/* A put-back need not survive a power cut: the job would
		 * be found running under a dead worker and put back. */
		if (o[i].end.stop != STOP_START_PASSING)
			d = DURABLE;
	}
	if ((r = sq_begin(st, d)) != STORE_OK)
		return r;
	for (i = 0; i < n; i++) {
		rcs[i] = finish_one(st, &o[i], &v[i], now);
		if (rcs[i] == STORE_CONFLICT)
			verdict_clear(&v[i]);
		else if (rcs[i] != STORE_OK)
			break;
	}
	if (i < n)
		r = sq_rollback(st, rcs[i]);
	else if ((r = sq_commit(st)) == STORE_OK)
		spool_wake(st->sp);
	if (r != STORE_OK) {
		for (i = 0; i < n; i++) {
			verdict_clear(&v[i]);
			rcs[i] = r;
		}
	}
	return r;
}


enum store_rc
sqlite_cancel_requests(struct store *base, const char *worker, int64_t **ids,
    size_t *n)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_kept(st, S_CANCEL_REQUESTS,
	    "SELECT id FROM jobs WHERE state = 'running' AND worker = ?1"
	    " AND cancel_requested = 1");
	int64_t *v = NULL;
	size_t count = 0;
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "cancel requests");
	sq_bind(s, p_text(worker));
	while ((rc = sq_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = sqlite3_column_int64(s, 0);
	}
	sq_done(s);
	*ids = v;
	*n = count;
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), "cancel requests");
	return STORE_OK;
}

enum store_rc
sqlite_next_due(struct store *base, const char *const *queues, size_t nqueues,
    int64_t *when)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_kept(st, S_NEXT_DUE,
	    "SELECT run_at FROM jobs"
	    " WHERE delayed = 1 AND state IN ('pending', 'retrying')"
	    " AND run_at > ?1 AND blocked = 0"
	    " AND queue IN (SELECT name FROM queues WHERE paused = 0"
	    "  AND name != '*' AND (?2 IS NULL OR name IN"
	    "   (SELECT value FROM json_each(?2))))"
	    " ORDER BY run_at LIMIT 1");
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "next due");
	sq_bind(s, p_int(now_ms()));
	sq_bind_queues(s, 2, queues, nqueues);
	rc = sq_step(s);
	*when = rc == SQLITE_ROW ? sq_col_int(s, 0, 0) : 0;
	sq_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), "next due");
	return STORE_OK;
}

bool
sqlite_changed(struct store *base)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_kept(st, S_DATA_VERSION, "PRAGMA data_version");
	int64_t v = -1;

	if (s != NULL && sq_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	if (s != NULL)
		sq_done(s);
	if (v >= 0 && v == st->data_version)
		return false;
	st->data_version = v;
	return true;
}

enum store_rc
sqlite_any_runnable(struct store *base, const char *const *queues,
    size_t nqueues, bool *any)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_kept(st, S_ANY_RUNNABLE,
	    "SELECT EXISTS (SELECT 1 FROM queues q WHERE " OPEN_QUEUE(?2)
	    "  AND " FIRST_READY " IS NOT NULL)"
	    " OR EXISTS (SELECT 1 FROM jobs"
	    "  WHERE delayed = 1 AND run_at <= ?1 AND blocked = 0"
	    "  AND state IN ('pending', 'retrying')"
	    "  AND queue IN (SELECT q.name FROM queues q"
	    "   WHERE " OPEN_QUEUE(?2) "))");
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "runnable");
	sq_bind(s, p_int(now_ms()));
	sq_bind_queues(s, 2, queues, nqueues);
	rc = sq_step(s);
	*any = rc == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
	sq_done(s);
	if (rc != SQLITE_ROW)
		return sq_db_fail(st, sq_classify(rc), "runnable");
	return STORE_OK;
}

enum store_rc
sqlite_any_retrying(struct store *base, const char *const *queues,
    size_t nqueues, bool *any)
{
	struct sqlite_store *st = to_sqlite(base);

	/* Once due, a retrying job is runnable (store_any_runnable);
	 * until then it is delayed, and jobs_delayed finds it. */
	sqlite3_stmt *s = sq_kept(st, S_ANY_RETRYING,
	    "SELECT 1 FROM jobs WHERE delayed = 1 AND state = 'retrying'"
	    " AND queue IN (SELECT name FROM queues WHERE paused = 0"
	    "  AND name != '*' AND (?1 IS NULL OR name IN"
	    "   (SELECT value FROM json_each(?1))))"
	    " LIMIT 1");
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "retrying");
	sq_bind_queues(s, 1, queues, nqueues);
	rc = sq_step(s);
	*any = rc == SQLITE_ROW;
	sq_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), "retrying");
	return STORE_OK;
}

enum store_rc
sqlite_running_elsewhere(struct store *base, const char *except,
    struct job **jobs, size_t *n)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_kept(st, S_RUNNING_ELSEWHERE,
	    "SELECT " JOB_SELECT_NO_PAYLOAD " FROM jobs"
	    " WHERE state = 'running' AND (?1 IS NULL OR worker != ?1)");
	struct job *v = NULL;
	size_t count = 0;
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "running");
	sq_bind(s, p_text(except));
	while ((rc = sq_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		sq_row_to_job(s, &v[count++]);
	}
	sq_done(s);
	*jobs = v;
	*n = count;
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), "running");
	return STORE_OK;
}

enum store_rc
sqlite_mark_rescue(struct store *base, int64_t id, int attempt,
    const char *worker, int64_t when, const char *boot)
{
	struct sqlite_store *st = to_sqlite(base);

	/* Only the first rescuer sets the clock, and only it sends the
	 * TERM (STORE_CONFLICT for the others): a later one with an older
	 * view must neither push the KILL back nor TERM again.  A time of
	 * another boot (or of a jobq that kept wall-clock times) is no
	 * time at all. */
	return sq_update(st, "UPDATE jobs SET rescue_term_at = ?4,"
	    " rescue_boot = ?5"
	    " WHERE id = ?1 AND attempt = ?2 AND worker = ?3"
	    " AND state = 'running' AND (rescue_term_at IS NULL"
	    "  OR rescue_boot IS NULL OR rescue_boot != ?5"
	    "  OR rescue_term_at > ?4)", p_int(id), p_int(attempt),
	    p_text(worker), p_int(when), p_text(boot));
}
