/* store-sqlite-query.c: the commands' side of the SQLite store: submit,
 * read a job, its result and attempts, list, cancel. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store-sqlite.h"
#include "util.h"

/* A job that ended: what its dependents must hear of. */
struct ended {
	int64_t id;
	enum job_state state;
};

/* The jobs a new job is to come after: each must exist (else
 * STORE_NOTFOUND, naming it); *blocked counts those not completed, and
 * *broken is the first that can no longer complete, if any. */
static enum store_rc
check_deps(struct sqlite_store *st, const struct job_spec *spec, int64_t *blocked,
    struct ended *broken)
{
	sqlite3_stmt *s;
	enum store_rc r = STORE_OK;
	enum job_state state;
	int rc;

	/* Most jobs wait for none: a statement not prepared is work a
	 * one-job submit does not do. */
	if (spec->nafter == 0)
		return STORE_OK;
	s = sq_kept(st, S_SUBMIT_DEP_STATE,
	    "SELECT state FROM jobs WHERE id = ?1");
	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "submit");
	for (size_t i = 0; i < spec->nafter && r == STORE_OK; i++) {
		/* A repeated id counts once, as deps keeps it once. */
		bool seen = false;

		for (size_t k = 0; k < i; k++)
			seen = seen || spec->after[k] == spec->after[i];
		if (seen)
			continue;
		sq_bind(s, p_int(spec->after[i]));
		rc = sq_step(s);
		if (rc == SQLITE_DONE)
			r = sq_fail(st, STORE_NOTFOUND, "no such job %lld",
			    (long long)spec->after[i]);
		else if (rc != SQLITE_ROW)
			r = sq_db_fail(st, sq_classify(rc), "submit");
		else if (!job_state_parse((const char *)
		    sqlite3_column_text(s, 0), &state))
			r = sq_fail(st, STORE_ERROR, "job %lld has an unknown "
			    "state", (long long)spec->after[i]);
		else if (job_dep_effect(state) == DEP_WAIT)
			(*blocked)++;
		else if (job_dep_effect(state) == DEP_BROKEN &&
		    broken->id == 0)
			*broken = (struct ended){ spec->after[i], state };
		sq_done(s);
	}
	return r;
}

/* The job that holds a key: waiting or running with it. */
static enum store_rc
key_holder(struct sqlite_store *st, const char *key, int64_t *id)
{
	sqlite3_stmt *s = sq_kept(st, S_KEY_HOLDER, "SELECT id FROM jobs"
	    " WHERE key = ?1 AND key IS NOT NULL AND " SQL_STATE_LIVE);
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "key");
	sq_bind(s, p_text(key));
	rc = sq_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sq_done(s);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return STORE_NOTFOUND;
	return sq_db_fail(st, sq_classify(rc), "key");
}

/* The queue's row, made as a queue seen for the first time starts.  In
 * a batch, lines of one queue ask once. */
static enum store_rc
make_queue(struct sqlite_store *st, const char *queue)
{
	sqlite3_stmt *s = sq_kept(st, S_SUBMIT_QUEUE,
	    "INSERT OR IGNORE INTO queues (name, paused)"
	    " VALUES (?1, (SELECT paused FROM queues WHERE name = '*'))");

	if (st->batch_queue != NULL && strcmp(st->batch_queue, queue) == 0)
		return STORE_OK;
	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "submit");
	sq_bind(s, p_text(queue));
	return sq_exec_done(st, s, "submit");
}

/* One job, in the caller's transaction.  STORE_CONFLICT: the key is
 * held, *id is the holder, and this statement changed nothing. */
static enum store_rc
submit_one(struct sqlite_store *st, const struct job_spec *spec, int64_t now,
    int64_t *id)
{
	static const char submit_sql[] =
	    "INSERT INTO jobs (type, queue, priority, state,"
	    " created_at, run_at, timeout_ms, max_retries, retry_delay_ms,"
	    " delayed, blocked, error, finished_at, key, tags, meta)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?6 > ?5, ?10, ?11,"
	    " ?12, ?13, ?14, ?15)";
	static const char payload_sql[] =
	    "INSERT INTO payloads (job_id, data, env) VALUES (?1, ?2, ?3)";
	static const char dep_sql[] =
	    "INSERT OR IGNORE INTO deps (job_id, dep_id) VALUES (?1, ?2)";
	sqlite3_stmt *s, *p, *d = NULL;
	int64_t blocked = 0;
	struct ended broken = { 0, JOB_PENDING };
	enum store_rc r;
	char *error;
	int rc;

	if ((r = make_queue(st, spec->queue)) != STORE_OK ||
	    (r = check_deps(st, spec, &blocked, &broken)) != STORE_OK)
		return r;
	if ((s = sq_kept(st, S_SUBMIT, submit_sql)) == NULL ||
	    (p = sq_kept(st, S_SUBMIT_PAYLOAD, payload_sql)) == NULL ||
	    (spec->nafter > 0 &&
	    (d = sq_kept(st, S_SUBMIT_DEP, dep_sql)) == NULL))
		return sq_db_fail(st, STORE_ERROR, "submit");
	/* A job after one that can no longer complete is cancelled at
	 * once, as it would have been had it come first. */
	error = broken.id != 0 ? job_dep_error(broken.id, broken.state) :
	    NULL;
	sq_bind(s, p_text(spec->type), p_text(spec->queue),
	    p_int(spec->priority), p_text(job_state_name(broken.id != 0 ?
	    JOB_CANCELLED : JOB_PENDING)),
	    p_int(now),
	    p_int(spec->run_at > 0 ? spec->run_at : now),
	    p_int(spec->timeout_ms), p_int(spec->max_retries),
	    p_int(spec->retry_delay_ms), p_int(blocked), p_text(error),
	    p_int_if(now, error != NULL), p_text(spec->key),
	    p_text(spec->tags), p_text(spec->meta));
	rc = sq_step(s);
	sq_done(s);
	free(error);
	if (rc == SQLITE_CONSTRAINT && spec->key != NULL &&
	    key_holder(st, spec->key, id) == STORE_OK)
		return STORE_CONFLICT;
	if (rc == SQLITE_DONE) {
		*id = sqlite3_last_insert_rowid(st->db);
		sq_bind(p, p_int(*id),
		    p_blob(spec->payload, spec->payload_len),
		    p_text(spec->env));
		rc = sq_step(p);
		sq_done(p);
	}
	for (size_t i = 0; rc == SQLITE_DONE && i < spec->nafter; i++) {
		sq_bind(d, p_int(*id), p_int(spec->after[i]));
		rc = sq_step(d);
		sq_done(d);
	}
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc),
		    "cannot store the job");
	return STORE_OK;
}

enum store_rc
sqlite_submit(struct store *base, const struct job_spec *spec, int64_t *id)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r;

	if ((r = sq_begin(st, DURABLE)) != STORE_OK)
		return r;
	if ((r = submit_one(st, spec, now_ms(), id)) != STORE_OK)
		return sq_rollback(st, r);
	if ((r = sq_commit(st)) != STORE_OK)
		return r;
	spool_wake(st->sp);
	return STORE_OK;
}

/* A batch's pages stay in memory until its commit writes them once:
 * with SQLite's default cache (2 MiB) a big batch would spill and write
 * many of them to the log more than once. */
#define BATCH_CACHE "PRAGMA cache_size = -131072"
#define DEFAULT_CACHE "PRAGMA cache_size = -2000"

enum store_rc
sqlite_batch_begin(struct store *base)
{
	struct sqlite_store *st = to_sqlite(base);

	free(st->batch_queue);
	st->batch_queue = NULL;
	sq_exec(st, BATCH_CACHE);
	return sq_begin(st, DURABLE);
}

enum store_rc
sqlite_batch_submit(struct store *base, const struct job_spec *spec,
    int64_t *id)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r = submit_one(st, spec, now_ms(), id);

	if (r == STORE_OK && (st->batch_queue == NULL ||
	    strcmp(st->batch_queue, spec->queue) != 0)) {
		free(st->batch_queue);
		st->batch_queue = xstrdup(spec->queue);
	}
	return r;
}

enum store_rc
sqlite_batch_commit(struct store *base)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r;

	free(st->batch_queue);
	st->batch_queue = NULL;
	r = sq_commit(st);
	sq_exec(st, DEFAULT_CACHE);
	if (r != STORE_OK)
		return r;
	spool_wake(st->sp);
	return STORE_OK;
}

void
sqlite_batch_abort(struct store *base)
{
	struct sqlite_store *st = to_sqlite(base);

	free(st->batch_queue);
	st->batch_queue = NULL;
	sq_rollback(st, STORE_OK);
	sq_exec(st, DEFAULT_CACHE);
}

static enum store_rc
get_job(struct sqlite_store *st, enum stmt_id which, const char *sql, int64_t id,
    struct job *out)
{
	sqlite3_stmt *s = sq_kept(st, which, sql);
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "get");
	sq_bind(s, p_int(id));
	rc = sq_step(s);
	if (rc == SQLITE_ROW)
		sq_row_to_job(s, out);
	sq_done(s);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return STORE_NOTFOUND;
	return sq_db_fail(st, sq_classify(rc), "cannot read the job");
}

enum store_rc
sqlite_get(struct store *base, int64_t id, struct job *out)
{
	struct sqlite_store *st = to_sqlite(base);

	return get_job(st, S_GET,
	    "SELECT " JOB_SELECT_ENV " FROM jobs WHERE id = ?1", id, out);
}

enum store_rc
sqlite_get_info(struct store *base, int64_t id, struct job *out)
{
	struct sqlite_store *st = to_sqlite(base);

	return get_job(st, S_GET_INFO,
	    "SELECT " JOB_SELECT_EXEC_PAYLOAD " FROM jobs WHERE id = ?1", id,
	    out);
}

enum store_rc
sqlite_get_result(struct store *base, int64_t id, char **buf, size_t *len)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_prepare(st,
	    "SELECT data FROM results WHERE job_id = ?1");
	int rc, n = 0;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "result");
	sq_bind(s, p_int(id));
	rc = sq_step(s);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_bytes(s, 0);
	*buf = xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(*buf, sqlite3_column_blob(s, 0), (size_t)n);
	*len = (size_t)n;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		free(*buf);
		return sq_db_fail(st, sq_classify(rc),
		    "cannot read the result");
	}
	return STORE_OK;
}

enum store_rc
sqlite_get_attempts(struct store *base, int64_t id, struct attempt **out,
    size_t *n)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_prepare(st, "SELECT " ATTEMPT_SELECT
	    " FROM attempts WHERE job_id = ?1 ORDER BY attempt");
	struct attempt *a = NULL;
	size_t count = 0;
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "attempts");
	sq_bind(s, p_int(id));
	while ((rc = sq_step(s)) == SQLITE_ROW) {
		a = xrealloc(a, (count + 1) * sizeof(*a));
		sq_row_to_attempt(s, &a[count++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		attempts_free(a, count);
		return sq_db_fail(st, sq_classify(rc), "cannot read attempts");
	}
	*out = a;
	*n = count;
	return STORE_OK;
}

/* What list matches; ?1 states as a JSON array, ?2 queue, ?3 type, ?6
 * a tag, ?7 a priority (-1: any). */
#define LIST_MATCH \
	" (?1 IS NULL OR state IN (SELECT value FROM json_each(?1)))" \
	" AND (?2 IS NULL OR queue = ?2) AND (?3 IS NULL OR type = ?3)" \
	" AND (?6 IS NULL OR ?6 IN (SELECT value FROM json_each(tags)))" \
	" AND (?7 < 0 OR priority = ?7)"

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
	sqlite3_bind_text(s, 2, f->queue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, f->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, f->tag, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, f->priority);
}

/* The ids to list are in (*after, *upto]: jobs submitted once the list
 * has begun are not in it, and with a limit it starts at the limit-th
 * newest job that matches. */
static enum store_rc
list_bounds(struct sqlite_store *st, const struct list_filter *f, int64_t *after,
    int64_t *upto)
{
	sqlite3_stmt *s = sq_prepare(st, "SELECT (SELECT max(id) FROM jobs),"
	    " (SELECT id FROM jobs WHERE ?4 > 0 AND" LIST_MATCH
	    "  ORDER BY id DESC LIMIT 1 OFFSET ?8 + ?4 - 1),"
	    " (SELECT id FROM jobs WHERE ?8 > 0 AND" LIST_MATCH
	    "  ORDER BY id DESC LIMIT 1 OFFSET ?8)");
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "list");
	bind_list_match(s, f);
	sqlite3_bind_int64(s, 4, f->limit);
	sqlite3_bind_int64(s, 8, f->offset);
	rc = sq_step(s);
	if (rc == SQLITE_ROW) {
		/* With an offset, the list ends at the newest job it leaves
		 * out, less one: nothing if all are left out. */
		*upto = f->offset > 0 ? sq_col_int(s, 2, 0) :
		    sq_col_int(s, 0, 0);
		*after = sq_col_int(s, 1, 1) - 1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return sq_db_fail(st, sq_classify(rc), "cannot list jobs");
	return STORE_OK;
}

/* Reads the next page after *after into page[], and ends the read. */
static enum store_rc
list_page(struct sqlite_store *st, sqlite3_stmt *s, int64_t *after,
    struct job *page, size_t *n, bool *last)
{
	size_t bytes = 0;
	int rc = SQLITE_ROW;

	*n = 0;
	sqlite3_bind_int64(s, 4, *after);
	while (*n < LIST_PAGE_ROWS && bytes < LIST_PAGE_BYTES &&
	    (rc = sq_step(s)) == SQLITE_ROW) {
		sq_row_to_job(s, &page[*n]);
		bytes += page[*n].payload_len;
		*after = page[(*n)++].id;
	}
	sqlite3_reset(s);
	*last = rc != SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		for (size_t i = 0; i < *n; i++)
			job_clear(&page[i]);
		return sq_db_fail(st, sq_classify(rc), "cannot list jobs");
	}
	return STORE_OK;
}

/* list --order run: waiting jobs in claim order, read a page at a time
 * after the last one seen, for the reason list_page() gives. */
static enum store_rc
list_run_order(struct sqlite_store *st, const struct list_filter *f,
    int (*fn)(const struct job *, void *), void *arg)
{
#define RUN_ORDER_WHERE \
	" WHERE state IN ('pending', 'retrying') AND" LIST_MATCH \
	" AND (?4 IS NULL OR (priority, run_at, id) > (?4, ?5, ?8))" \
	" ORDER BY priority, run_at, id LIMIT ?9 OFFSET ?10"
	sqlite3_stmt *s = sq_prepare(st, f->payload ?
	    "SELECT " JOB_SELECT " FROM jobs" RUN_ORDER_WHERE :
	    "SELECT " JOB_SELECT_EXEC_PAYLOAD " FROM jobs" RUN_ORDER_WHERE);
#undef RUN_ORDER_WHERE
	int64_t left = f->limit > 0 ? f->limit : INT64_MAX, page_rows;
	struct job *page;
	enum store_rc r = STORE_OK;
	size_t n;
	int stop = 0, rc = SQLITE_ROW;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "list");
	bind_list_match(s, f);
	sqlite3_bind_int64(s, 10, f->offset);
	page = xcalloc(LIST_PAGE_ROWS, sizeof(*page));
	while (!stop && left > 0 && rc == SQLITE_ROW) {
		page_rows = left < LIST_PAGE_ROWS ? left : LIST_PAGE_ROWS;
		sqlite3_bind_int64(s, 9, page_rows);
		n = 0;
		while (n < (size_t)page_rows && (rc = sq_step(s)) == SQLITE_ROW)
			sq_row_to_job(s, &page[n++]);
		sqlite3_reset(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			r = sq_db_fail(st, sq_classify(rc), "cannot list jobs");
		if (n > 0) {
			const struct job *last = &page[n - 1];

			sqlite3_bind_int(s, 4, last->priority);
			sqlite3_bind_int64(s, 5, last->run_at);
			sqlite3_bind_int64(s, 8, last->id);
			sqlite3_bind_int64(s, 10, 0);
		}
		for (size_t i = 0; i < n; i++) {
			if (!stop && r == STORE_OK)
				stop = fn(&page[i], arg);
			job_clear(&page[i]);
		}
		left -= (int64_t)n;
		if (n < (size_t)page_rows)
			break;
		rc = SQLITE_ROW;
	}
	free(page);
	sqlite3_finalize(s);
	return r;
}

enum store_rc
sqlite_list(struct store *base, const struct list_filter *f,
    int (*fn)(const struct job *, void *), void *arg)
{
	struct sqlite_store *st = to_sqlite(base);
	struct job *page;
	sqlite3_stmt *s;
	int64_t after = 0, upto = 0, left;
	enum store_rc r;
	size_t n = 0;
	bool last = false;
	int stop = 0;

	if (f->order_run)
		return list_run_order(st, f, fn, arg);
	if ((r = list_bounds(st, f, &after, &upto)) != STORE_OK)
		return r;
	if (f->payload)
		s = sq_prepare(st, "SELECT " JOB_SELECT " FROM jobs"
		    " WHERE id > ?4 AND id <= ?5 AND" LIST_MATCH
		    " ORDER BY id");
	else
		s = sq_prepare(st, "SELECT " JOB_SELECT_EXEC_PAYLOAD
		    " FROM jobs WHERE id > ?4 AND id <= ?5 AND" LIST_MATCH
		    " ORDER BY id");
	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "list");
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
sqlite_cancel(struct store *base, int64_t id, enum job_state *was)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s;
	enum store_rc r;
	enum cancel_effect effect;
	struct job j;

	if ((r = sq_begin(st, DURABLE)) != STORE_OK)
		return r;
	if ((r = sqlite_get_info(&st->base, id, &j)) != STORE_OK)
		return sq_rollback(st, r);
	*was = j.state;
	job_clear(&j);
	effect = job_cancel_effect(*was);
	if (effect == CANCEL_TOO_LATE)
		return sq_rollback(st, STORE_CONFLICT);
	if (effect == CANCEL_ASK) {
		if ((s = sq_prepare(st, "UPDATE jobs SET cancel_requested = 1"
		    " WHERE id = ?1")) != NULL)
			sq_bind(s, p_int(id));
	} else if ((s = sq_prepare(st, "UPDATE jobs SET state = ?2,"
	    " finished_at = ?3, error = ?4 WHERE id = ?1")) != NULL)
		sq_bind(s, p_int(id), p_text(job_state_name(JOB_CANCELLED)),
		    p_int(now_ms()), p_text(CANCELLED_ERROR));
	if (s == NULL)
		return sq_rollback(st, sq_db_fail(st, STORE_ERROR, "cancel"));
	if (sq_step(s) != SQLITE_DONE) {
		r = sq_db_fail(st, sq_classify(sqlite3_errcode(st->db)),
		    "cannot cancel");
		sqlite3_finalize(s);
		return sq_rollback(st, r);
	}
	sqlite3_finalize(s);
	if (effect == CANCEL_NOW && (r = sq_job_ended(st, id, JOB_CANCELLED,
	    now_ms())) != STORE_OK)
		return sq_rollback(st, r);
	if ((r = sq_commit(st)) != STORE_OK)
		return r;
	spool_wake(st->sp);
	return STORE_OK;
}


enum store_rc
sqlite_retry(struct store *base, int64_t id, enum job_state *was)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r;
	int64_t holder;
	struct job j;

	if ((r = sq_begin(st, DURABLE)) != STORE_OK)
		return r;
	if ((r = sqlite_get_info(&st->base, id, &j)) != STORE_OK)
		return sq_rollback(st, r);
	*was = j.state;
	if (!job_retry_allowed(*was)) {
		job_clear(&j);
		return sq_rollback(st, STORE_CONFLICT);
	}
	/* Back to waiting, it would hold its key again. */
	if (j.key != NULL && key_holder(st, j.key, &holder) == STORE_OK) {
		r = sq_fail(st, STORE_CONFLICT, "job %lld has its key now",
		    (long long)holder);
		job_clear(&j);
		return sq_rollback(st, r);
	}
	job_clear(&j);
	/* The attempts and their outcomes stay in the attempts table;
	 * the job row starts afresh, its attempt count going on.  It
	 * waits again for those of its dependencies that have not
	 * completed: retried in turn, they may. */
	r = sq_run(st, "UPDATE jobs SET state = ?2, run_at = ?3,"
	    " delayed = 0, failures = 0, deaths = 0, finished_at = NULL,"
	    " exit_code = NULL, signal = NULL, error = NULL,"
	    " result_bytes = NULL, result_truncated = 0, worker = NULL,"
	    " cancel_requested = 0, blocked = (SELECT count(*) FROM deps d"
	    "  JOIN jobs j ON j.id = d.dep_id WHERE d.job_id = ?1"
	    "  AND j.state != 'completed') WHERE id = ?1", p_int(id),
	    p_text(job_state_name(JOB_PENDING)), p_int(now_ms()));
	if (r != STORE_OK)
		return sq_rollback(st, r);
	if ((r = sq_commit(st)) != STORE_OK)
		return r;
	spool_wake(st->sp);
	return STORE_OK;
}

enum store_rc
sqlite_set_priority(struct store *base, int64_t id, int priority,
    enum job_state *was)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r;
	struct job j;

	if ((r = sq_begin(st, DURABLE)) != STORE_OK)
		return r;
	if ((r = sqlite_get_info(&st->base, id, &j)) != STORE_OK)
		return sq_rollback(st, r);
	*was = j.state;
	job_clear(&j);
	if (!job_reorder_allowed(*was))
		return sq_rollback(st, STORE_CONFLICT);
	if ((r = sq_run(st, "UPDATE jobs SET priority = ?2 WHERE id = ?1",
	    p_int(id), p_int(priority))) != STORE_OK)
		return sq_rollback(st, r);
	if ((r = sq_commit(st)) != STORE_OK)
		return r;
	spool_wake(st->sp);
	return STORE_OK;
}

void
queue_info_free(struct queue_info *q, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(q[i].name);
	free(q);
}

static struct queue_info *
find_queue(struct queue_info *q, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(q[i].name, name) == 0)
			return &q[i];
	return NULL;
}

enum store_rc
sqlite_queues(struct store *base, struct queue_info **out, size_t *n)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_prepare(st, "SELECT name, paused, max_running"
	    " FROM queues WHERE name != '*' ORDER BY name");
	sqlite3_stmt *c = sq_prepare(st, "SELECT queue, state, count(*)"
	    " FROM jobs GROUP BY queue, state");
	struct queue_info *v = NULL, *q;
	enum job_state state;
	size_t count = 0;
	enum store_rc r = STORE_OK;
	char *name;
	int rc;

	if (s == NULL || c == NULL) {
		r = sq_db_fail(st, STORE_ERROR, "queues");
		goto out;
	}
	while ((rc = sq_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		memset(&v[count], 0, sizeof(*v));
		v[count].name = sq_col_text(s, 0);
		v[count].paused = sqlite3_column_int(s, 1) != 0;
		v[count].limit = sq_col_int(s, 2, 0);
		count++;
	}
	if (rc == SQLITE_DONE) {
		while ((rc = sq_step(c)) == SQLITE_ROW) {
			name = sq_col_text(c, 0);
			q = find_queue(v, count, name);
			if (q != NULL && job_state_parse((const char *)
			    sqlite3_column_text(c, 1), &state))
				q->count[state] = sqlite3_column_int64(c, 2);
			free(name);
		}
	}
	if (rc != SQLITE_DONE) {
		r = sq_db_fail(st, sq_classify(rc), "cannot read the queues");
		queue_info_free(v, count);
		v = NULL;
		count = 0;
	}
out:
	sqlite3_finalize(s);
	sqlite3_finalize(c);
	*out = v;
	*n = count;
	return r;
}

enum store_rc
sqlite_pause(struct store *base, const char *const *queues, size_t n,
    bool paused)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r = STORE_OK;

	if ((r = sq_begin(st, DURABLE)) != STORE_OK)
		return r;
	if (n == 0)
		r = sq_run(st, "UPDATE queues SET paused = ?1",
		    p_int(paused));
	for (size_t i = 0; i < n && r == STORE_OK; i++)
		r = sq_run(st, "INSERT INTO queues (name, paused)"
		    " VALUES (?1, ?2) ON CONFLICT (name)"
		    " DO UPDATE SET paused = excluded.paused",
		    p_text(queues[i]), p_int(paused));
	if (r != STORE_OK)
		return sq_rollback(st, r);
	if ((r = sq_commit(st)) != STORE_OK)
		return r;
	spool_wake(st->sp);
	return STORE_OK;
}

enum store_rc
sqlite_set_limit(struct store *base, const char *queue, int64_t limit)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r;

	r = sq_write(st, "INSERT INTO queues (name, paused, max_running)"
	    " VALUES (?1, (SELECT paused FROM queues WHERE name = '*'), ?2)"
	    " ON CONFLICT (name) DO UPDATE SET max_running = ?2",
	    p_text(queue), p_int_if(limit, limit > 0));
	if (r == STORE_OK)
		spool_wake(st->sp);
	return r;
}

/* The waiting jobs that depend on id. */
static enum store_rc
dependents(struct sqlite_store *st, int64_t id, int64_t **out, size_t *n)
{
	/* Kept: every finish asks. */
	sqlite3_stmt *s = sq_kept(st, S_DEPENDENTS,
	    "SELECT d.job_id FROM deps d"
	    " JOIN jobs j ON j.id = d.job_id WHERE d.dep_id = ?1"
	    " AND j.state IN ('pending', 'retrying')");
	int64_t *v = NULL;
	size_t count = 0;
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "dependencies");
	sq_bind(s, p_int(id));
	while ((rc = sq_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = sqlite3_column_int64(s, 0);
	}
	sq_done(s);
	*out = v;
	*n = count;
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), "dependencies");
	return STORE_OK;
}

enum store_rc
sq_job_ended(struct sqlite_store *st, int64_t id, enum job_state state, int64_t now)
{
	struct ended *todo = xmalloc(sizeof(*todo));
	size_t ntodo = 1, cap = 1, nd = 0;
	enum store_rc r = STORE_OK;
	int64_t *deps = NULL;
	char *error;

	todo[0] = (struct ended){ id, state };
	while (ntodo > 0 && r == STORE_OK) {
		struct ended e = todo[--ntodo];
		enum dep_effect effect = job_dep_effect(e.state);

		if (effect == DEP_WAIT)
			continue;
		if ((r = dependents(st, e.id, &deps, &nd)) != STORE_OK)
			break;
		for (size_t i = 0; i < nd && r == STORE_OK; i++) {
			if (effect == DEP_DONE) {
				r = sq_run(st, "UPDATE jobs SET blocked ="
				    " blocked - 1 WHERE id = ?1",
				    p_int(deps[i]));
				continue;
			}
			error = job_dep_error(e.id, e.state);
			r = sq_run(st, "UPDATE jobs SET state = ?2,"
			    " finished_at = ?3, error = ?4 WHERE id = ?1",
			    p_int(deps[i]),
			    p_text(job_state_name(JOB_CANCELLED)), p_int(now),
			    p_text(error));
			free(error);
			if (ntodo == cap) {
				cap *= 2;
				todo = xrealloc(todo, cap * sizeof(*todo));
			}
			todo[ntodo++] = (struct ended){ deps[i],
			    JOB_CANCELLED };
		}
		free(deps);
		deps = NULL;
	}
	free(todo);
	return r;
}

enum store_rc
sqlite_get_deps(struct store *base, int64_t id, struct dep **out, size_t *n)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_prepare(st, "SELECT d.dep_id, j.state"
	    " FROM deps d LEFT JOIN jobs j ON j.id = d.dep_id"
	    " WHERE d.job_id = ?1 ORDER BY d.dep_id");
	struct dep *v = NULL;
	size_t count = 0;
	const char *state;
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "dependencies");
	sq_bind(s, p_int(id));
	while ((rc = sq_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count].id = sqlite3_column_int64(s, 0);
		/* A pruned dependency had ended, completed or not. */
		state = (const char *)sqlite3_column_text(s, 1);
		v[count].gone = state == NULL;
		if (state == NULL ||
		    !job_state_parse(state, &v[count].state))
			v[count].state = JOB_COMPLETED;
		count++;
	}
	sqlite3_finalize(s);
	*out = v;
	*n = count;
	if (rc != SQLITE_DONE) {
		free(v);
		*out = NULL;
		*n = 0;
		return sq_db_fail(st, sq_classify(rc), "dependencies");
	}
	return STORE_OK;
}

enum store_rc
sqlite_queue_state(struct store *base, const char *queue, bool *paused,
    int64_t *limit, int64_t *running)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_prepare(st, "SELECT paused, max_running, running"
	    " FROM queues WHERE name = ?1");
	int rc;

	*paused = false;
	*limit = *running = 0;
	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "queue");
	sq_bind(s, p_text(queue));
	if ((rc = sq_step(s)) == SQLITE_ROW) {
		*paused = sqlite3_column_int(s, 0) != 0;
		*limit = sq_col_int(s, 1, 0);
		*running = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), "queue");
	return STORE_OK;
}
