/* store-pg-query.c: the commands' side of the PostgreSQL store: submit,
 * read a job, its result and attempts, list, cancel, retry, priorities,
 * queues, and what a job's end does to the jobs after it. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store-pg.h"
#include "util.h"

/* A job that ended: what its dependents must hear of. */
struct ended {
	int64_t id;
	enum job_state state;
};

/* n ids as a bigint[] literal, malloc'd. */
static char *
int_array(const int64_t *v, size_t n)
{
	size_t cap = 3 + n * 21, k = 0;
	char *s = xmalloc(cap);

	s[k++] = '{';
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(s + k, cap - k, "%s%" PRId64,
		    i > 0 ? "," : "", v[i]);
	s[k++] = '}';
	s[k] = '\0';
	return s;
}

/* The states of a mask as a text[] literal (malloc'd), NULL for 0:
 * every state.  With ended, only the ended ones count, and none is an
 * empty array, which matches nothing. */
static char *
state_array(unsigned mask, bool ended)
{
	const char *names[JOB_NSTATES];
	size_t n = 0;

	if (mask == 0 && !ended)
		return NULL;
	for (int i = 0; i < JOB_NSTATES; i++)
		if ((mask & (1u << i)) && (!ended || job_state_ended(i)))
			names[n++] = job_state_name(i);
	return n == 0 ? xstrdup("{}") : pg_text_array(names, n);
}

/* The jobs a new job is to come after: each must exist (else
 * STORE_NOTFOUND, naming it); *blocked counts those not completed, and
 * *broken is the first that can no longer complete, if any. */
static enum store_rc
check_deps(struct pg_store *st, const struct job_spec *spec,
    int64_t *blocked, struct ended *broken)
{
	enum store_rc r = STORE_OK;
	enum job_state state;
	PGresult *res;

	for (size_t i = 0; i < spec->nafter && r == STORE_OK; i++) {
		/* A repeated id counts once, as deps keeps it once. */
		bool seen = false;

		for (size_t k = 0; k < i; k++)
			seen = seen || spec->after[k] == spec->after[i];
		if (seen)
			continue;
		/* Locked until we commit: a transaction that ends the
		 * dependency waits for us, and then finds our deps row;
		 * or we wait for it, and read the state it left. */
		res = pg_query(st, &r, "submit",
		    "SELECT state FROM jobs WHERE id = $1::bigint FOR SHARE",
		    p_int(spec->after[i]));
		if (res == NULL)
			break;
		if (PQntuples(res) == 0)
			r = pg_fail(st, STORE_NOTFOUND, "no such job %lld",
			    (long long)spec->after[i]);
		else if (!job_state_parse(PQgetvalue(res, 0, 0), &state))
			r = pg_fail(st, STORE_ERROR, "job %lld has an unknown "
			    "state", (long long)spec->after[i]);
		else if (job_dep_effect(state) == DEP_WAIT)
			(*blocked)++;
		else if (job_dep_effect(state) == DEP_BROKEN &&
		    broken->id == 0)
			*broken = (struct ended){ spec->after[i], state };
		PQclear(res);
	}
	return r;
}

/* The job that holds a key: waiting or running with it. */
static enum store_rc
key_holder(struct pg_store *st, const char *key, int64_t *id)
{
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "key", "SELECT id FROM jobs"
	    " WHERE key = $1 AND key IS NOT NULL AND " SQL_STATE_LIVE,
	    p_text(key));

	if (res == NULL)
		return r;
	r = PQntuples(res) > 0 ? STORE_OK : STORE_NOTFOUND;
	if (r == STORE_OK)
		*id = pg_int(res, 0, 0, 0);
	PQclear(res);
	return r;
}

/* The job, its queue's row (made as a queue seen for the first time
 * starts), its payload and its dependencies in one statement; a key that
 * another job holds inserts nothing.  With notify, it wakes workers too
 * (the statement's own transaction). */
#define SUBMIT_WITH \
	"WITH q AS (INSERT INTO queues (name, paused)" \
	"  SELECT $2, paused FROM queues WHERE name = '*'" \
	"  ON CONFLICT DO NOTHING)," \
	" j AS (INSERT INTO jobs (type, queue, priority, state," \
	" created_at, run_at, timeout_ms, max_retries, retry_delay_ms," \
	" blocked, error, finished_at, key, tags, meta)" \
	" VALUES ($1, $2, $3::int, $4, $5::bigint, $6::bigint, $7::bigint," \
	" $8::int, $9::bigint, $10::int, $11, $12::bigint, $13, $14, $15)" \
	" ON CONFLICT (key) WHERE key IS NOT NULL AND " SQL_STATE_LIVE \
	" DO NOTHING RETURNING id)," \
	" p AS (INSERT INTO payloads (job_id, data, env)" \
	"  SELECT id, $16, $17 FROM j)," \
	" d AS (INSERT INTO deps (job_id, dep_id)" \
	"  SELECT j.id, unnest($18::bigint[]) FROM j ON CONFLICT DO NOTHING)"
#define SUBMIT_SQL SUBMIT_WITH " SELECT id FROM j"
#define SUBMIT_NOTIFY_SQL SUBMIT_WITH " SELECT id, pg_notify($19, 'job') FROM j"

/* One job, in the caller's transaction, or with notify in one
 * statement of its own.  STORE_CONFLICT: the key is held, *id is the
 * holder, and nothing was stored. */
static enum store_rc
submit_one(struct pg_store *st, const struct job_spec *spec, int64_t now,
    bool notify, int64_t *id)
{
	int64_t blocked = 0;
	struct ended broken = { 0, JOB_PENDING };
	enum store_rc r;
	char *error, *after;
	PGresult *res;

	if ((r = check_deps(st, spec, &blocked, &broken)) != STORE_OK)
		return r;
	/* A job after one that can no longer complete is cancelled at
	 * once, as it would have been had it come first. */
	error = broken.id != 0 ? job_dep_error(broken.id, broken.state) :
	    NULL;
	after = int_array(spec->after, spec->nafter);
	const struct param p[] = {
	    p_text(spec->type), p_text(spec->queue), p_int(spec->priority),
	    p_text(job_state_name(broken.id != 0 ? JOB_CANCELLED :
	    JOB_PENDING)), p_int(now),
	    p_int(spec->run_at > 0 ? spec->run_at : now),
	    p_int(spec->timeout_ms), p_int(spec->max_retries),
	    p_int(spec->retry_delay_ms), p_int(blocked), p_bytes(error),
	    p_int_if(now, error != NULL), p_text(spec->key),
	    p_text(spec->tags), p_text(spec->meta),
	    p_blob(spec->payload, spec->payload_len), p_text(spec->env),
	    p_text(after), p_text(st->schema),
	};
	res = pg_query_params(st, &r, "cannot store the job", notify ?
	    SUBMIT_NOTIFY_SQL : SUBMIT_SQL, p, notify ? 19 : 18);
	free(error);
	free(after);
	if (res == NULL)
		return r;
	if (PQntuples(res) == 1) {
		*id = pg_int(res, 0, 0, 0);
		PQclear(res);
		return STORE_OK;
	}
	PQclear(res);
	if (spec->key != NULL && key_holder(st, spec->key, id) == STORE_OK)
		return pg_fail(st, STORE_CONFLICT, "job %lld holds the key",
		    (long long)*id);
	/* The holder ended between the insert and the look. */
	return pg_fail(st, STORE_BUSY, "submit: the key changed hands; "
	    "try again");
}

enum store_rc
pgs_submit(struct store *base, const struct job_spec *spec, int64_t *id)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;

	/* A job that waits for none is one statement: one round trip,
	 * committed (and synced by the server) before it returns. */
	if (spec->nafter == 0)
		return submit_one(st, spec, now_ms(), true, id);
	if ((r = pg_begin(st)) != STORE_OK)
		return r;
	if ((r = submit_one(st, spec, now_ms(), false, id)) != STORE_OK ||
	    (r = pg_notify(st, "job")) != STORE_OK)
		return pg_rollback(st, r);
	return pg_commit(st);
}

enum store_rc
pgs_batch_begin(struct store *base)
{
	return pg_begin(to_pg(base));
}

enum store_rc
pgs_batch_submit(struct store *base, const struct job_spec *spec,
    int64_t *id)
{
	return submit_one(to_pg(base), spec, now_ms(), false, id);
}

enum store_rc
pgs_batch_commit(struct store *base)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;

	if ((r = pg_notify(st, "job")) != STORE_OK)
		return pg_rollback(st, r);
	return pg_commit(st);
}

void
pgs_batch_abort(struct store *base)
{
	pg_rollback(to_pg(base), STORE_OK);
}

static enum store_rc
get_job(struct pg_store *st, const char *sql, int64_t id, struct job *out)
{
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "cannot read the job", sql,
	    p_int(id));

	if (res == NULL)
		return r;
	r = PQntuples(res) > 0 ? STORE_OK : STORE_NOTFOUND;
	if (r == STORE_OK)
		pg_row_to_job(res, 0, out);
	PQclear(res);
	return r;
}

enum store_rc
pgs_get(struct store *base, int64_t id, struct job *out)
{
	return get_job(to_pg(base), "SELECT " JOB_SELECT_ENV
	    " FROM jobs WHERE id = $1::bigint", id, out);
}

enum store_rc
pgs_get_info(struct store *base, int64_t id, struct job *out)
{
	return get_job(to_pg(base), "SELECT " JOB_SELECT_EXEC_PAYLOAD
	    " FROM jobs WHERE id = $1::bigint", id, out);
}

enum store_rc
pgs_get_result(struct store *base, int64_t id, char **buf, size_t *len)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "cannot read the result",
	    "SELECT data FROM results WHERE job_id = $1::bigint", p_int(id));

	if (res == NULL)
		return r;
	if (PQntuples(res) > 0)
		*buf = pg_bytea(res, 0, 0, len);
	else {
		*buf = xstrdup("");
		*len = 0;
	}
	PQclear(res);
	return STORE_OK;
}

enum store_rc
pgs_get_attempts(struct store *base, int64_t id, struct attempt **out,
    size_t *n)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "cannot read attempts",
	    "SELECT " ATTEMPT_SELECT " FROM attempts WHERE job_id = $1::bigint"
	    " ORDER BY attempt", p_int(id));
	int rows;

	if (res == NULL)
		return r;
	rows = PQntuples(res);
	*out = rows > 0 ? xcalloc((size_t)rows, sizeof(**out)) : NULL;
	for (int i = 0; i < rows; i++)
		pg_row_to_attempt(res, i, &(*out)[i]);
	*n = (size_t)rows;
	PQclear(res);
	return STORE_OK;
}

enum store_rc
pgs_get_deps(struct store *base, int64_t id, struct dep **out, size_t *n)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "dependencies",
	    "SELECT d.dep_id, j.state FROM deps d"
	    " LEFT JOIN jobs j ON j.id = d.dep_id"
	    " WHERE d.job_id = $1::bigint ORDER BY d.dep_id", p_int(id));
	int rows;

	*out = NULL;
	*n = 0;
	if (res == NULL)
		return r;
	rows = PQntuples(res);
	if (rows > 0)
		*out = xcalloc((size_t)rows, sizeof(**out));
	for (int i = 0; i < rows; i++) {
		struct dep *d = &(*out)[i];

		d->id = pg_int(res, i, 0, 0);
		/* A pruned dependency had ended, completed or not. */
		d->gone = pg_isnull(res, i, 1);
		if (d->gone || !job_state_parse(PQgetvalue(res, i, 1),
		    &d->state))
			d->state = JOB_COMPLETED;
	}
	*n = (size_t)rows;
	PQclear(res);
	return STORE_OK;
}

/* What list matches: $1 states (text[]), $2 queue, $3 type, $4 a tag,
 * $5 a priority (-1: any). */
#define LIST_MATCH \
	" ($1::text[] IS NULL OR state = ANY($1::text[]))" \
	" AND ($2::text IS NULL OR queue = $2) AND ($3::text IS NULL OR" \
	" type = $3) AND ($4::text IS NULL OR tags::jsonb ? $4)" \
	" AND ($5::int < 0 OR priority = $5::int)"
#define LIST_PARAMS(f, states) p_text(states), p_text((f)->queue), \
	p_text((f)->type), p_text((f)->tag), p_int((f)->priority)

/* list reads a page of jobs, and only then hands them out to be
 * printed: no statement is open while our output blocks. */
#define LIST_PAGE_ROWS 256

/* Hands out the rows of res; sets *stop when fn asks to, and *left
 * down by those handed out. */
static void
hand_out(const PGresult *res, int (*fn)(const struct job *, void *),
    void *arg, int *stop, int64_t *left)
{
	struct job j;

	for (int i = 0; i < PQntuples(res) && !*stop && *left > 0; i++) {
		pg_row_to_job(res, i, &j);
		*stop = fn(&j, arg);
		(*left)--;
		job_clear(&j);
	}
}

/* list --order run: waiting jobs in claim order, a page at a time
 * after the last one seen. */
static enum store_rc
list_run_order(struct pg_store *st, const struct list_filter *f,
    char *states, int (*fn)(const struct job *, void *), void *arg)
{
#define RUN_ORDER_WHERE \
	" WHERE state IN ('pending', 'retrying') AND" LIST_MATCH \
	" AND ($6::int IS NULL OR (priority, run_at, id) >" \
	" ($6::int, $7::bigint, $8::bigint))" \
	" ORDER BY priority, run_at, id LIMIT $9::bigint OFFSET $10::bigint"
	const char *sql = f->payload ?
	    "SELECT " JOB_SELECT " FROM jobs" RUN_ORDER_WHERE :
	    "SELECT " JOB_SELECT_EXEC_PAYLOAD " FROM jobs" RUN_ORDER_WHERE;
#undef RUN_ORDER_WHERE
	int64_t left = f->limit > 0 ? f->limit : INT64_MAX, offset = f->offset;
	int64_t prio = 0, run_at = 0, id = 0, rows;
	bool first = true;
	enum store_rc r = STORE_OK;
	int stop = 0;
	PGresult *res;

	while (!stop && left > 0) {
		rows = left < LIST_PAGE_ROWS ? left : LIST_PAGE_ROWS;
		res = pg_query(st, &r, "cannot list jobs", sql,
		    LIST_PARAMS(f, states), p_int_if(prio, !first),
		    p_int(run_at), p_int(id), p_int(rows), p_int(offset));
		if (res == NULL)
			break;
		if (PQntuples(res) > 0) {
			struct job last;

			pg_row_to_job(res, PQntuples(res) - 1, &last);
			prio = last.priority;
			run_at = last.run_at;
			id = last.id;
			job_clear(&last);
		}
		first = false;
		offset = 0;
		hand_out(res, fn, arg, &stop, &left);
		if (PQntuples(res) < rows) {
			PQclear(res);
			break;
		}
		PQclear(res);
	}
	return r;
}

enum store_rc
pgs_list(struct store *base, const struct list_filter *f,
    int (*fn)(const struct job *, void *), void *arg)
{
	struct pg_store *st = to_pg(base);
	char *states = state_array(f->states, false);
	int64_t after, upto, left;
	enum store_rc r;
	PGresult *res;
	int stop = 0;

	if (f->order_run) {
		r = list_run_order(st, f, states, fn, arg);
		free(states);
		return r;
	}
	/* The ids to list are in (after, upto]: jobs submitted once the
	 * list has begun are not in it, and with a limit it starts at
	 * the limit-th newest job that matches. */
	res = pg_query(st, &r, "cannot list jobs",
	    "SELECT (SELECT max(id) FROM jobs),"
	    " (SELECT id FROM jobs WHERE $6::bigint > 0 AND" LIST_MATCH
	    "  ORDER BY id DESC LIMIT 1 OFFSET greatest($7::bigint +"
	    "  $6::bigint - 1, 0)),"
	    " (SELECT id FROM jobs WHERE $7::bigint > 0 AND" LIST_MATCH
	    "  ORDER BY id DESC LIMIT 1 OFFSET $7::bigint)",
	    LIST_PARAMS(f, states), p_int(f->limit), p_int(f->offset));
	if (res == NULL) {
		free(states);
		return r;
	}
	/* With an offset, the list ends at the newest job it leaves out,
	 * less one: nothing if all are left out. */
	upto = f->offset > 0 ? pg_int(res, 0, 2, 0) : pg_int(res, 0, 0, 0);
	after = pg_int(res, 0, 1, 1) - 1;
	PQclear(res);
	left = f->limit > 0 ? f->limit : INT64_MAX;
	while (!stop && left > 0) {
		int rows;

		res = pg_query(st, &r, "cannot list jobs", f->payload ?
		    "SELECT " JOB_SELECT " FROM jobs WHERE id > $6::bigint"
		    " AND id <= $7::bigint AND" LIST_MATCH
		    " ORDER BY id LIMIT 256" :
		    "SELECT " JOB_SELECT_EXEC_PAYLOAD " FROM jobs"
		    " WHERE id > $6::bigint AND id <= $7::bigint AND"
		    LIST_MATCH " ORDER BY id LIMIT 256",
		    LIST_PARAMS(f, states), p_int(after), p_int(upto));
		if (res == NULL)
			break;
		rows = PQntuples(res);
		if (rows > 0)
			after = pg_int(res, rows - 1, 0, 0);
		hand_out(res, fn, arg, &stop, &left);
		PQclear(res);
		if (rows < LIST_PAGE_ROWS)
			break;
	}
	free(states);
	return r;
}

/* The state of job id, its row locked for the rest of the transaction:
 * STORE_NOTFOUND if there is none. */
static enum store_rc
lock_job(struct pg_store *st, int64_t id, enum job_state *state,
    char **key)
{
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "cannot read the job",
	    "SELECT state, key FROM jobs WHERE id = $1::bigint FOR UPDATE",
	    p_int(id));

	if (res == NULL)
		return r;
	if (PQntuples(res) == 0)
		r = pg_fail(st, STORE_NOTFOUND, "no such job %lld",
		    (long long)id);
	else if (!job_state_parse(PQgetvalue(res, 0, 0), state))
		*state = JOB_FAILED;
	if (r == STORE_OK && key != NULL)
		*key = pg_text(res, 0, 1);
	PQclear(res);
	return r;
}

enum store_rc
pgs_cancel(struct store *base, int64_t id, enum job_state *was)
{
	struct pg_store *st = to_pg(base);
	enum cancel_effect effect;
	enum store_rc r;

	if ((r = pg_begin(st)) != STORE_OK)
		return r;
	if ((r = lock_job(st, id, was, NULL)) != STORE_OK)
		return pg_rollback(st, r);
	effect = job_cancel_effect(*was);
	if (effect == CANCEL_TOO_LATE)
		return pg_rollback(st, STORE_CONFLICT);
	if (effect == CANCEL_ASK)
		r = pg_exec(st, "cannot cancel", NULL, "UPDATE jobs"
		    " SET cancel_requested = 1 WHERE id = $1::bigint",
		    p_int(id));
	else
		r = pg_exec(st, "cannot cancel", NULL, "UPDATE jobs"
		    " SET state = $2, finished_at = $3::bigint, error = $4"
		    " WHERE id = $1::bigint", p_int(id),
		    p_text(job_state_name(JOB_CANCELLED)), p_int(now_ms()),
		    p_bytes(CANCELLED_ERROR));
	if (r == STORE_OK && effect == CANCEL_NOW)
		r = pg_job_ended(st, id, JOB_CANCELLED, now_ms());
	if (r == STORE_OK)
		r = pg_notify(st, effect == CANCEL_ASK ? "cancel" : "job");
	if (r != STORE_OK)
		return pg_rollback(st, r);
	return pg_commit(st);
}

enum store_rc
pgs_retry(struct store *base, int64_t id, enum job_state *was)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	int64_t holder;
	char *key = NULL;

	if ((r = pg_begin(st)) != STORE_OK)
		return r;
	if ((r = lock_job(st, id, was, &key)) != STORE_OK)
		return pg_rollback(st, r);
	if (!job_retry_allowed(*was)) {
		free(key);
		return pg_rollback(st, STORE_CONFLICT);
	}
	/* Back to waiting, it would hold its key again. */
	if (key != NULL && key_holder(st, key, &holder) == STORE_OK) {
		free(key);
		return pg_rollback(st, pg_fail(st, STORE_CONFLICT,
		    "job %lld has its key now", (long long)holder));
	}
	free(key);
	/* The attempts stay; the job row starts afresh, its attempt
	 * count going on, waiting again for those of its dependencies
	 * that have not completed. */
	r = pg_exec(st, "cannot retry", NULL, "UPDATE jobs SET state = $2,"
	    " run_at = $3::bigint, failures = 0, deaths = 0,"
	    " finished_at = NULL, exit_code = NULL, signal = NULL,"
	    " error = NULL, result_bytes = NULL, result_truncated = 0,"
	    " worker = NULL, cancel_requested = 0, blocked = (SELECT count(*)"
	    "  FROM deps d JOIN jobs j ON j.id = d.dep_id"
	    "  WHERE d.job_id = $1::bigint AND j.state != 'completed')"
	    " WHERE id = $1::bigint", p_int(id),
	    p_text(job_state_name(JOB_PENDING)), p_int(now_ms()));
	if (r == STORE_OK)
		r = pg_notify(st, "job");
	if (r != STORE_OK)
		return pg_rollback(st, r);
	return pg_commit(st);
}

enum store_rc
pgs_set_priority(struct store *base, int64_t id, int priority,
    enum job_state *was)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;

	if ((r = pg_begin(st)) != STORE_OK)
		return r;
	if ((r = lock_job(st, id, was, NULL)) != STORE_OK)
		return pg_rollback(st, r);
	if (!job_reorder_allowed(*was))
		return pg_rollback(st, STORE_CONFLICT);
	if ((r = pg_exec(st, "priority", NULL, "UPDATE jobs"
	    " SET priority = $2::int WHERE id = $1::bigint", p_int(id),
	    p_int(priority))) != STORE_OK ||
	    (r = pg_notify(st, "job")) != STORE_OK)
		return pg_rollback(st, r);
	return pg_commit(st);
}

enum store_rc
pgs_queues(struct store *base, struct queue_info **out, size_t *n)
{
	struct pg_store *st = to_pg(base);
	struct queue_info *v = NULL;
	enum job_state state;
	enum store_rc r;
	PGresult *res, *c;
	int rows;

	*out = NULL;
	*n = 0;
	res = pg_query_params(st, &r, "cannot read the queues",
	    "SELECT name, paused, max_running FROM queues WHERE name != '*'"
	    " ORDER BY name", NULL, 0);
	if (res == NULL)
		return r;
	c = pg_query_params(st, &r, "cannot read the queues",
	    "SELECT queue, state, count(*) FROM jobs GROUP BY queue, state",
	    NULL, 0);
	if (c == NULL) {
		PQclear(res);
		return r;
	}
	rows = PQntuples(res);
	if (rows > 0)
		v = xcalloc((size_t)rows, sizeof(*v));
	for (int i = 0; i < rows; i++) {
		v[i].name = pg_text(res, i, 0);
		v[i].paused = pg_int(res, i, 1, 0) != 0;
		v[i].limit = pg_int(res, i, 2, 0);
		for (int k = 0; k < PQntuples(c); k++)
			if (strcmp(PQgetvalue(c, k, 0), v[i].name) == 0 &&
			    job_state_parse(PQgetvalue(c, k, 1), &state))
				v[i].count[state] = pg_int(c, k, 2, 0);
	}
	PQclear(res);
	PQclear(c);
	*out = v;
	*n = (size_t)rows;
	return STORE_OK;
}

enum store_rc
pgs_queue_state(struct store *base, const char *queue, bool *paused,
    int64_t *limit, int64_t *running)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "queue",
	    "SELECT q.paused, q.max_running, (SELECT count(*) FROM jobs"
	    " WHERE queue = $1 AND state = 'running')"
	    " FROM (SELECT $1::text AS name) n"
	    " LEFT JOIN queues q ON q.name = n.name", p_text(queue));

	*paused = false;
	*limit = *running = 0;
	if (res == NULL)
		return r;
	*paused = pg_int(res, 0, 0, 0) != 0;
	*limit = pg_int(res, 0, 1, 0);
	*running = pg_int(res, 0, 2, 0);
	PQclear(res);
	return STORE_OK;
}

enum store_rc
pgs_pause(struct store *base, const char *const *queues, size_t n,
    bool paused)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;

	if ((r = pg_begin(st)) != STORE_OK)
		return r;
	if (n == 0)
		r = pg_exec(st, "pause", NULL,
		    "UPDATE queues SET paused = $1::int", p_int(paused));
	for (size_t i = 0; i < n && r == STORE_OK; i++)
		r = pg_exec(st, "pause", NULL, "INSERT INTO queues"
		    " (name, paused) VALUES ($1, $2::int) ON CONFLICT (name)"
		    " DO UPDATE SET paused = excluded.paused",
		    p_text(queues[i]), p_int(paused));
	if (r == STORE_OK && !paused)
		r = pg_notify(st, "job");
	if (r != STORE_OK)
		return pg_rollback(st, r);
	return pg_commit(st);
}

enum store_rc
pgs_set_limit(struct store *base, const char *queue, int64_t limit)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;

	if ((r = pg_begin(st)) != STORE_OK)
		return r;
	r = pg_exec(st, "limit", NULL, "INSERT INTO queues"
	    " (name, paused, max_running) VALUES ($1, (SELECT paused"
	    " FROM queues WHERE name = '*'), $2::bigint)"
	    " ON CONFLICT (name) DO UPDATE SET max_running = $2::bigint",
	    p_text(queue), p_int_if(limit, limit > 0));
	if (r == STORE_OK)
		r = pg_notify(st, "job");
	if (r != STORE_OK)
		return pg_rollback(st, r);
	return pg_commit(st);
}

enum store_rc
pg_job_ended(struct pg_store *st, int64_t id, enum job_state state,
    int64_t now)
{
	struct ended *todo = xmalloc(sizeof(*todo));
	size_t ntodo = 1, cap = 1;
	enum store_rc r = STORE_OK;
	bool unblocked = false;
	PGresult *res;
	char *error;

	todo[0] = (struct ended){ id, state };
	while (ntodo > 0 && r == STORE_OK) {
		struct ended e = todo[--ntodo];
		enum dep_effect effect = job_dep_effect(e.state);

		if (effect == DEP_WAIT)
			continue;
		if (effect == DEP_DONE) {
			/* One less to wait for, for each waiting dependent,
			 * in id order so that transactions lock alike. */
			r = pg_exec(st, "dependencies", NULL, "UPDATE jobs"
			    " SET blocked = blocked - 1 WHERE id IN"
			    " (SELECT d.job_id FROM deps d JOIN jobs j"
			    "  ON j.id = d.job_id WHERE d.dep_id = $1::bigint"
			    "  AND j.state IN ('pending', 'retrying')"
			    "  ORDER BY d.job_id FOR UPDATE OF j)",
			    p_int(e.id));
			unblocked = true;
			continue;
		}
		error = job_dep_error(e.id, e.state);
		res = pg_query(st, &r, "dependencies", "UPDATE jobs"
		    " SET state = $2, finished_at = $3::bigint, error = $4"
		    " WHERE id IN (SELECT d.job_id FROM deps d JOIN jobs j"
		    "  ON j.id = d.job_id WHERE d.dep_id = $1::bigint"
		    "  AND j.state IN ('pending', 'retrying')"
		    "  ORDER BY d.job_id FOR UPDATE OF j) RETURNING id",
		    p_int(e.id), p_text(job_state_name(JOB_CANCELLED)),
		    p_int(now), p_bytes(error));
		free(error);
		if (res == NULL)
			break;
		for (int i = 0; i < PQntuples(res); i++) {
			if (ntodo == cap) {
				cap *= 2;
				todo = xrealloc(todo, cap * sizeof(*todo));
			}
			todo[ntodo++] = (struct ended){ pg_int(res, i, 0, 0),
			    JOB_CANCELLED };
		}
		PQclear(res);
	}
	free(todo);
	if (r == STORE_OK && unblocked)
		r = pg_notify(st, "job");
	return r;
}
