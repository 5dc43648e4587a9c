/* store-pg-worker.c: the worker's side of the PostgreSQL store: leases
 * and liveness, claims with FOR UPDATE SKIP LOCKED, the running job's
 * process and progress, recording how an attempt ended, and what
 * recovery and an idle worker ask. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store-pg.h"
#include "util.h"

static enum store_rc save_log(struct pg_store *st, int64_t id, int attempt,
    const char *data, size_t len);

int64_t
pgs_lease_ms(struct store *base, int64_t grace_ms)
{
	int64_t need = grace_ms + 2 * PG_FENCE_MARGIN_MS;

	return need > PG_LEASE_MS ? need : PG_LEASE_MS;
}

int
pgs_wait_fd(struct store *base)
{
	struct pg_store *st = to_pg(base);

	return st->conn != NULL ? PQsocket(st->conn) : -1;
}

/* Listens on the store's channel (again after a reconnection). */
static void
listen_channel(struct pg_store *st)
{
	char *q, *sql;

	if (st->listening || (q = PQescapeIdentifier(st->conn, st->schema,
	    strlen(st->schema))) == NULL)
		return;
	sql = xasprintf("LISTEN %s", q);
	PQfreemem(q);
	st->listening = pg_exec0(st, "listen", sql) == STORE_OK;
	free(sql);
}

enum store_rc
pgs_worker_register(struct store *base, const char *worker, int pid,
    int64_t grace_ms, const char *const *queues, size_t nqueues)
{
	struct pg_store *st = to_pg(base);
	char host[256] = "", *qs = NULL;
	enum store_rc r;

	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	if (queues != NULL) {
		/* As the SQLite store keeps it: a JSON array. */
		size_t len = 3;

		for (size_t i = 0; i < nqueues; i++)
			len += 2 * strlen(queues[i]) + 3;
		qs = xmalloc(len);
		strcpy(qs, "[");
		for (size_t i = 0; i < nqueues; i++) {
			char *e = qs + strlen(qs);

			if (i > 0)
				*e++ = ',';
			*e++ = '"';
			for (const char *c = queues[i]; *c != '\0'; c++) {
				if (*c == '"' || *c == '\\')
					*e++ = '\\';
				*e++ = *c;
			}
			*e++ = '"';
			*e = '\0';
		}
		strcat(qs, "]");
	}
	r = pg_exec(st, "register", NULL, "INSERT INTO workers (id, pid,"
	    " started_at, grace_ms, queues, host, lease_ms, lease_until)"
	    " VALUES ($1, $2::int, $3::bigint, $4::bigint, $5, $6,"
	    " $7::bigint, now() + $7::bigint * interval '1 ms')"
	    " ON CONFLICT (id) DO UPDATE SET pid = excluded.pid,"
	    " grace_ms = excluded.grace_ms, queues = excluded.queues,"
	    " host = excluded.host, lease_ms = excluded.lease_ms,"
	    " lease_until = excluded.lease_until", p_text(worker), p_int(pid),
	    p_int(now_ms()), p_int(grace_ms), p_text(qs), p_text(host),
	    p_int(pgs_lease_ms(base, grace_ms)));
	free(qs);
	/* Held by this session while it lives: a worker whose session
	 * is gone and whose lease has ended is dead. */
	if (r == STORE_OK && (st->worker == NULL ||
	    strcmp(st->worker, worker) != 0))
		r = pg_exec(st, "register", NULL,
		    "SELECT pg_advisory_lock(" PG_WORKER_LOCK_SQL ")",
		    p_text(worker));
	if (r != STORE_OK)
		return r;
	if (st->worker == NULL || strcmp(st->worker, worker) != 0) {
		free(st->worker);
		st->worker = xstrdup(worker);
	}
	st->grace_ms = grace_ms;
	listen_channel(st);
	return STORE_OK;
}

enum store_rc
pgs_worker_unregister(struct store *base, const char *worker)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;

	r = pg_exec(st, "unregister", NULL,
	    "DELETE FROM workers WHERE id = $1", p_text(worker));
	if (st->worker != NULL && strcmp(st->worker, worker) == 0) {
		pg_exec(st, "unregister", NULL,
		    "SELECT pg_advisory_unlock(" PG_WORKER_LOCK_SQL ")",
		    p_text(worker));
		free(st->worker);
		st->worker = NULL;
	}
	return r;
}

enum store_rc
pgs_heartbeat(struct store *base, const char *worker)
{
	struct pg_store *st = to_pg(base);
	int64_t rows = 0;
	enum store_rc r;

	r = pg_exec(st, "lease", &rows, "UPDATE workers"
	    " SET lease_until = now() + lease_ms * interval '1 ms'"
	    " WHERE id = $1", p_text(worker));
	if (r == STORE_OK && rows == 0)
		return pg_fail(st, STORE_CONFLICT, "worker %s: the store "
		    "counted it dead", worker);
	return r;
}

int
pgs_worker_alive(struct store *base, const char *worker)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	int alive;

	/* Its lease first; once that has ended, whether a session still
	 * holds its lock (taken and let go at once if free). */
	PGresult *res = pg_query(st, &r, "liveness", "SELECT CASE"
	    " WHEN lease_until > now() THEN 1"
	    " WHEN pg_try_advisory_lock(" PG_WORKER_LOCK_SQL ") THEN"
	    "  CASE WHEN pg_advisory_unlock(" PG_WORKER_LOCK_SQL ") THEN 0"
	    "  ELSE 0 END"
	    " ELSE 1 END FROM workers WHERE id = $1", p_text(worker));

	/* Never dead on a failed look. */
	if (res == NULL)
		return 1;
	alive = PQntuples(res) > 0 ? (int)pg_int(res, 0, 0, 1) : 0;
	PQclear(res);
	return alive;
}

int64_t
pgs_worker_grace(struct store *base, const char *worker)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "grace",
	    "SELECT grace_ms FROM workers WHERE id = $1", p_text(worker));
	int64_t grace = DEFAULT_GRACE_MS;

	if (res == NULL)
		return grace;
	if (PQntuples(res) > 0)
		grace = pg_int(res, 0, 0, grace);
	PQclear(res);
	return grace;
}

enum store_rc
pgs_workers(struct store *base, char ***ids, size_t *n)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res = pg_query_params(st, &r, "cannot read workers",
	    "SELECT id FROM workers ORDER BY id", NULL, 0);
	int rows;

	*ids = NULL;
	*n = 0;
	if (res == NULL)
		return r;
	rows = PQntuples(res);
	if (rows > 0)
		*ids = xcalloc((size_t)rows, sizeof(**ids));
	for (int i = 0; i < rows; i++)
		(*ids)[i] = pg_text(res, i, 0);
	*n = (size_t)rows;
	PQclear(res);
	return STORE_OK;
}

enum store_rc
pgs_worker_queues(struct store *base, struct worker_queues **out,
    size_t *n)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res = pg_query_params(st, &r, "cannot read workers",
	    "SELECT id, queues FROM workers", NULL, 0);
	int rows;

	*out = NULL;
	*n = 0;
	if (res == NULL)
		return r;
	rows = PQntuples(res);
	if (rows > 0)
		*out = xcalloc((size_t)rows, sizeof(**out));
	for (int i = 0; i < rows; i++) {
		(*out)[i].id = pg_text(res, i, 0);
		(*out)[i].queues = pg_text(res, i, 1);
	}
	*n = (size_t)rows;
	PQclear(res);
	return STORE_OK;
}

/* A job that waits for nothing but its time: the condition of the
 * partial index jobs_ready, word for word. */
#define READY "(state = 'pending' OR state = 'retrying') AND blocked = 0"
/* The queues served ($N: text[], or NULL for all), not paused. */
#define SERVED(qs) \
	"SELECT name FROM queues WHERE name != '*' AND paused = 0" \
	" AND (" qs "::text[] IS NULL OR name = ANY(" qs "::text[]))"
/* ... and under their limit. */
#define OPEN(qs) SERVED(qs) " AND (max_running IS NULL OR" \
	" (SELECT count(*) FROM jobs r WHERE r.queue = queues.name" \
	"  AND r.state = 'running') < max_running)"

/* A claim's changes to the job, $1 the worker and $2 the time. */
#define CLAIM_SET \
	"state = 'running', attempt = attempt + 1, worker = $1," \
	" started_at = $2::bigint, finished_at = NULL," \
	" cancel_requested = 0, pgid = NULL, proc_start = NULL," \
	" proc_boot = NULL, rescue_boot = NULL, rescue_term_at = NULL," \
	" exit_code = NULL, signal = NULL, error = NULL," \
	" progress_percent = NULL, progress_done = NULL," \
	" progress_total = NULL, progress_message = NULL"
/* The claimed rows $3 (their ids) with their attempts' rows. */
#define CLAIM_IDS_SQL \
	"WITH u AS (UPDATE jobs SET " CLAIM_SET \
	"  WHERE id = ANY($3::bigint[]) RETURNING " JOB_SELECT_ENV ")," \
	" a AS (INSERT INTO attempts (job_id, attempt, worker, started_at)" \
	"  SELECT id, attempt, $1, $2::bigint FROM u" \
	"  ON CONFLICT (job_id, attempt) DO UPDATE SET worker = $1," \
	"  started_at = $2::bigint, finished_at = NULL, outcome = NULL," \
	"  exit_code = NULL, signal = NULL, error = NULL)" \
	" SELECT * FROM u ORDER BY priority, run_at, id"
/* Without a queue limit in the way: the first $3 ready jobs of the
 * open queues ($4), skipping those other workers hold, in one
 * statement. */
#define CLAIM_FIRST_SQL \
	"WITH c AS (SELECT id AS cid FROM jobs WHERE " READY \
	"  AND run_at <= $2::bigint AND queue IN (" SERVED("$4") ")" \
	"  ORDER BY priority, run_at, id LIMIT $3::bigint" \
	"  FOR UPDATE SKIP LOCKED)," \
	" u AS (UPDATE jobs SET " CLAIM_SET " FROM c WHERE jobs.id = c.cid" \
	"  RETURNING " JOB_SELECT_ENV ")," \
	" a AS (INSERT INTO attempts (job_id, attempt, worker, started_at)" \
	"  SELECT id, attempt, $1, $2::bigint FROM u" \
	"  ON CONFLICT (job_id, attempt) DO UPDATE SET worker = $1," \
	"  started_at = $2::bigint, finished_at = NULL, outcome = NULL," \
	"  exit_code = NULL, signal = NULL, error = NULL)" \
	" SELECT * FROM u ORDER BY priority, run_at, id"

static enum store_rc
take_rows(struct pg_store *st, PGresult *res, struct job *jobs, size_t *n)
{
	int rows = PQntuples(res);

	for (int i = 0; i < rows; i++)
		pg_row_to_job(res, i, &jobs[(*n)++]);
	PQclear(res);
	return rows > 0 ? STORE_OK : STORE_NOTFOUND;
}

/* Queue limits: the served, unpaused queues with a limit, their rows
 * locked so that two workers cannot both take the last place, and the
 * room left in each.  *any: there is one. */
struct room {
	char **name;
	int64_t *left;
	int n;
};

static void
room_free(struct room *rm)
{
	for (int i = 0; i < rm->n; i++)
		free(rm->name[i]);
	free(rm->name);
	free(rm->left);
}

static enum store_rc
limited_queues(struct pg_store *st, const char *qs, struct room *rm)
{
	enum store_rc r;
	PGresult *res;

	memset(rm, 0, sizeof(*rm));
	/* The rows locked first; the running jobs counted after, by a
	 * statement of its own, whose snapshot sees what the claims we
	 * waited for committed. */
	res = pg_query(st, &r, "claim", "SELECT name FROM queues"
	    " WHERE name != '*' AND paused = 0 AND max_running IS NOT NULL"
	    " AND ($1::text[] IS NULL OR name = ANY($1::text[]))"
	    " ORDER BY name FOR UPDATE", p_text(qs));
	if (res == NULL)
		return r;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return STORE_OK;
	}
	PQclear(res);
	res = pg_query(st, &r, "claim", "SELECT name, max_running"
	    " - (SELECT count(*) FROM jobs r WHERE r.queue = queues.name"
	    " AND r.state = 'running') FROM queues WHERE name != '*'"
	    " AND paused = 0 AND max_running IS NOT NULL AND ($1::text[] IS"
	    " NULL OR name = ANY($1::text[])) ORDER BY name", p_text(qs));
	if (res == NULL)
		return r;
	rm->n = PQntuples(res);
	rm->name = xcalloc((size_t)rm->n + 1, sizeof(*rm->name));
	rm->left = xcalloc((size_t)rm->n + 1, sizeof(*rm->left));
	for (int i = 0; i < rm->n; i++) {
		rm->name[i] = pg_text(res, i, 0);
		rm->left[i] = pg_int(res, i, 1, 0);
	}
	PQclear(res);
	return STORE_OK;
}

/* With limited queues: candidates in claim order (locked, skipping
 * others'), of which those whose queue has room are taken.  The
 * others stay locked only until the transaction ends. */
static enum store_rc
claim_limited(struct pg_store *st, const char *worker, const char *qs,
    struct room *rm, int64_t now, size_t max, struct job *jobs, size_t *n)
{
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "claim", "SELECT id, queue FROM jobs"
	    " WHERE " READY " AND run_at <= $1::bigint AND queue IN ("
	    OPEN("$2") ") ORDER BY priority, run_at, id LIMIT $3::bigint"
	    " FOR UPDATE SKIP LOCKED", p_int(now), p_text(qs),
	    p_int((int64_t)max * 4 + 16));
	int64_t *ids;
	size_t k = 0;
	char *arr;

	if (res == NULL)
		return r;
	ids = xcalloc(max + 1, sizeof(*ids));
	for (int i = 0; i < PQntuples(res) && k < max; i++) {
		const char *q = PQgetvalue(res, i, 1);
		int lim = -1;

		for (int l = 0; l < rm->n; l++)
			if (strcmp(rm->name[l], q) == 0)
				lim = l;
		if (lim >= 0 && rm->left[lim] <= 0)
			continue;
		if (lim >= 0)
			rm->left[lim]--;
		ids[k++] = pg_int(res, i, 0, 0);
	}
	PQclear(res);
	if (k == 0) {
		free(ids);
		return STORE_NOTFOUND;
	}
	arr = xmalloc(k * 21 + 3);
	arr[0] = '{';
	arr[1] = '\0';
	for (size_t i = 0; i < k; i++)
		sprintf(arr + strlen(arr), "%s%lld", i > 0 ? "," : "",
		    (long long)ids[i]);
	strcat(arr, "}");
	free(ids);
	res = pg_query(st, &r, "claim", CLAIM_IDS_SQL, p_text(worker),
	    p_int(now), p_text(arr));
	free(arr);
	if (res == NULL)
		return r;
	return take_rows(st, res, jobs, n);
}

/* Up to max claims in one transaction.  STORE_NOTFOUND if there is
 * nothing to claim. */
enum store_rc
pgs_claim_many(struct store *base, const char *worker,
    const char *const *queues, size_t nqueues, size_t max, struct job *jobs,
    size_t *n)
{
	struct pg_store *st = to_pg(base);
	int64_t now = now_ms();
	struct room rm = { 0 };
	enum store_rc r;
	PGresult *res;
	char *qs;

	*n = 0;
	if (max == 0)
		return STORE_NOTFOUND;
	qs = pg_text_array(queues, nqueues);
	if ((r = pg_begin(st)) != STORE_OK) {
		free(qs);
		return r;
	}
	if ((r = limited_queues(st, qs, &rm)) == STORE_OK) {
		if (rm.n > 0)
			r = claim_limited(st, worker, qs, &rm, now, max, jobs,
			    n);
		else if ((res = pg_query(st, &r, "claim", CLAIM_FIRST_SQL,
		    p_text(worker), p_int(now), p_int((int64_t)max),
		    p_text(qs))) != NULL)
			r = take_rows(st, res, jobs, n);
	}
	room_free(&rm);
	free(qs);
	if (r == STORE_OK)
		r = pg_commit(st);
	else
		pg_rollback(st, r);
	if (r != STORE_OK) {
		for (size_t i = 0; i < *n; i++)
			job_clear(&jobs[i]);
		*n = 0;
	}
	return r;
}

enum store_rc
pgs_set_processes(struct store *base, const char *worker,
    const struct proc_record *p, size_t n, enum store_rc *rcs)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	int64_t rows;

	if ((r = pg_begin(st)) != STORE_OK)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = pg_exec(st, "set process", &rows, "UPDATE jobs"
		    " SET pgid = $4::int, proc_start = $5::bigint,"
		    " proc_boot = $6 WHERE id = $1::bigint"
		    " AND attempt = $2::int AND worker = $3"
		    " AND state = 'running'", p_int(p[i].id),
		    p_int(p[i].attempt), p_text(worker), p_int(p[i].pgid),
		    p_int(p[i].proc_start), p_text(p[i].boot));
		if (r != STORE_OK)
			return pg_rollback(st, r);
		rcs[i] = rows == 0 ? STORE_CONFLICT : STORE_OK;
	}
	return pg_commit(st);
}


enum store_rc
pgs_set_progress(struct store *base, int64_t id, int attempt,
    const char *worker, double percent, int64_t done_n, int64_t total,
    const char *message)
{
	struct pg_store *st = to_pg(base);
	int64_t rows = 0;
	enum store_rc r;

	/* Watchers anywhere hear of it (watch, wait). */
	r = pg_exec(st, "progress", &rows, "WITH u AS (UPDATE jobs"
	    " SET progress_percent = $4::float8, progress_done = $5::bigint,"
	    " progress_total = $6::bigint, progress_message = $7"
	    " WHERE id = $1::bigint AND attempt = $2::int AND worker = $3"
	    " AND state = 'running' RETURNING id)"
	    " SELECT pg_notify($8, 'progress') FROM u", p_int(id),
	    p_int(attempt), p_text(worker), p_real_if(percent, percent >= 0),
	    p_int_if(done_n, total > 0), p_int_if(total, total > 0),
	    p_bytes(message), p_text(st->schema));
	if (r == STORE_OK && rows == 0)
		return STORE_CONFLICT;
	return r;
}

/* Undoes a claim, as job_verdict() asks of a handler that could not be
 * started for a passing reason: the attempt is not counted, its row
 * goes, and the job shows its previous attempt again; or, if the verdict
 * ends it, its end. */
static enum store_rc
unclaim(struct pg_store *st, const struct outcome *o, const struct verdict *v)
{
#define PREV " FROM attempts WHERE job_id = $1::bigint" \
	" AND attempt = $2::int - 1)"
	bool ended = job_state_ended(v->state);
	enum store_rc r;

	r = pg_exec(st, "unclaim", NULL, "UPDATE jobs SET"
	    " attempt = attempt - 1, worker = NULL, pgid = NULL,"
	    " proc_start = NULL, rescue_term_at = NULL, state = $4,"
	    " finished_at = CASE WHEN $5::bool THEN $6::bigint"
	    "  ELSE (SELECT finished_at" PREV " END,"
	    " error = CASE WHEN $5::bool THEN $7"
	    "  ELSE (SELECT error" PREV " END,"
	    " started_at = (SELECT started_at" PREV ","
	    " exit_code = (SELECT exit_code" PREV ","
	    " signal = (SELECT signal" PREV
	    " WHERE id = $1::bigint AND attempt = $2::int AND worker = $3"
	    " AND state = 'running'", p_int(o->id), p_int(o->attempt),
	    p_text(o->worker), p_text(job_state_name(v->state)),
	    p_text(ended ? "true" : "false"), p_int(now_ms()),
	    p_bytes(v->error));
#undef PREV
	if (r == STORE_OK)
		r = pg_exec(st, "unclaim", NULL, "DELETE FROM attempts"
		    " WHERE job_id = $1::bigint AND attempt = $2::int",
		    p_int(o->id), p_int(o->attempt));
	if (r == STORE_OK && ended)
		r = pg_job_ended(st, o->id, v->state, now_ms());
	else if (r == STORE_OK)
		r = pg_notify(st, "job");
	return r;
}

/* Stores the verdict of an ended attempt: the job, the attempt's row,
 * and the result of a job that ended. */
static enum store_rc
record_end(struct pg_store *st, const struct outcome *o,
    const struct verdict *v, int64_t now)
{
	bool ended = job_state_ended(v->state);
	bool retry = v->state == JOB_RETRYING;
	enum store_rc r;

	/* A job put back belongs to no worker; an ended one keeps the
	 * name of the one that ran it last; a retrying one keeps how its
	 * last attempt ended, and waits for its next start. */
	r = pg_exec(st, "finish", NULL, "UPDATE jobs SET state = $4,"
	    " finished_at = $5::bigint, exit_code = $6::int,"
	    " signal = $7::int, error = $8, result_bytes = $9::bigint,"
	    " result_truncated = $10::int, failures = failures + $11::int,"
	    " deaths = $12::int, worker = $13, pgid = NULL,"
	    " proc_start = NULL, rescue_term_at = NULL, proc_boot = NULL,"
	    " rescue_boot = NULL, run_at = coalesce($14::bigint, run_at)"
	    " WHERE id = $1::bigint AND attempt = $2::int AND worker = $3"
	    " AND state = 'running'", p_int(o->id), p_int(o->attempt),
	    p_text(o->worker), p_text(job_state_name(v->state)),
	    p_int_if(now, ended || retry),
	    p_int_if(o->end.exit_code, o->end.exit_code >= 0),
	    p_int_if(o->end.signal, o->end.signal > 0),
	    p_bytes(ended || retry ? v->error : NULL),
	    p_int_if((int64_t)o->result_len, ended),
	    p_int(o->result_truncated), p_int(v->failure), p_int(v->deaths),
	    p_text(ended ? o->worker : NULL), p_int_if(v->run_at, retry));
	if (r == STORE_OK)
		r = pg_exec(st, "finish", NULL, "UPDATE attempts"
		    " SET finished_at = $3::bigint, outcome = $4,"
		    " exit_code = $5::int, signal = $6::int, error = $7"
		    " WHERE job_id = $1::bigint AND attempt = $2::int",
		    p_int(o->id), p_int(o->attempt), p_int(now),
		    p_text(v->outcome),
		    p_int_if(o->end.exit_code, o->end.exit_code >= 0),
		    p_int_if(o->end.signal, o->end.signal > 0),
		    p_bytes(v->error));
	if (r == STORE_OK && !ended && o->log != NULL)
		r = save_log(st, o->id, o->attempt, o->log, o->log_len);
	if (r != STORE_OK)
		return r;
	if (!ended)
		return pg_notify(st, "job");
	r = pg_exec(st, "cannot store the result", NULL, "INSERT INTO results"
	    " (job_id, data) VALUES ($1::bigint, $2) ON CONFLICT (job_id)"
	    " DO UPDATE SET data = excluded.data", p_int(o->id),
	    p_blob(o->result, o->result_len));
	if (r == STORE_OK)
		r = pg_job_ended(st, o->id, v->state, now);
	if (r == STORE_OK && o->log != NULL)
		r = save_log(st, o->id, o->attempt, o->log, o->log_len);
	/* Those who wait for it, anywhere, hear of its end. */
	if (r == STORE_OK)
		r = pg_notify(st, "job");
	return r;
}

/* One outcome inside the open transaction: the fence (the job must
 * still be ours, in this attempt; its row is locked, and what the
 * verdict needs of it read, so that a cancel asked for meanwhile is not
 * lost), the verdict, what it changes. */
static enum store_rc
finish_one(struct pg_store *st, const struct outcome *o, struct verdict *v,
    int64_t now)
{
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "finish", "SELECT deaths,"
	    " cancel_requested, failures, max_retries, retry_delay_ms"
	    " FROM jobs WHERE id = $1::bigint AND attempt = $2::int"
	    " AND worker = $3 AND state = 'running' FOR UPDATE",
	    p_int(o->id), p_int(o->attempt), p_text(o->worker));

	if (res == NULL)
		return r;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return STORE_CONFLICT;
	}
	job_verdict(&o->end, pg_int(res, 0, 1, 0) != 0,
	    (int)pg_int(res, 0, 0, 0), v);
	job_retry(v, (int)pg_int(res, 0, 2, 0), (int)pg_int(res, 0, 3, 0),
	    pg_int(res, 0, 4, 0), now);
	PQclear(res);
	return v->unclaim ? unclaim(st, o, v) : record_end(st, o, v, now);
}

static int
by_id(const void *a, const void *b)
{
	const struct outcome *x = *(const struct outcome *const *)a;
	const struct outcome *y = *(const struct outcome *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

enum store_rc
pgs_finish_many(struct store *base, const struct outcome *o, size_t n,
    struct verdict *v, enum store_rc *rcs)
{
	struct pg_store *st = to_pg(base);
	const struct outcome **order = xcalloc(n + 1, sizeof(*order));
	int64_t now = now_ms();
	enum store_rc r;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		rcs[i] = STORE_ERROR;
		order[i] = &o[i];
	}
	/* Rows are locked in id order, as every transaction here locks
	 * several: none waits for another in a circle. */
	qsort(order, n, sizeof(*order), by_id);
	if ((r = pg_begin(st)) != STORE_OK) {
		free(order);
		return r;
	}
	for (i = 0; i < n; i++) {
		k = (size_t)(order[i] - o);
		rcs[k] = finish_one(st, &o[k], &v[k], now);
		if (rcs[k] == STORE_CONFLICT)
			verdict_clear(&v[k]);
		else if (rcs[k] != STORE_OK)
			break;
	}
	free(order);
	if (i < n)
		r = pg_rollback(st, rcs[k]);
	else
		r = pg_commit(st);
	if (r != STORE_OK) {
		for (i = 0; i < n; i++) {
			verdict_clear(&v[i]);
			rcs[i] = r;
		}
	}
	return r;
}


enum store_rc
pgs_cancel_requests(struct store *base, const char *worker, int64_t **ids,
    size_t *n)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "cancel requests", "SELECT id"
	    " FROM jobs WHERE state = 'running' AND worker = $1"
	    " AND cancel_requested = 1", p_text(worker));
	int rows;

	*ids = NULL;
	*n = 0;
	if (res == NULL)
		return r;
	rows = PQntuples(res);
	if (rows > 0)
		*ids = xcalloc((size_t)rows, sizeof(**ids));
	for (int i = 0; i < rows; i++)
		(*ids)[i] = pg_int(res, i, 0, 0);
	*n = (size_t)rows;
	PQclear(res);
	return STORE_OK;
}

enum store_rc
pgs_next_due(struct store *base, const char *const *queues, size_t nqueues,
    int64_t *when)
{
	struct pg_store *st = to_pg(base);
	char *qs = pg_text_array(queues, nqueues);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "next due", "SELECT min(run_at)"
	    " FROM jobs WHERE " READY " AND run_at > $1::bigint"
	    " AND queue IN (" SERVED("$2") ")", p_int(now_ms()), p_text(qs));

	free(qs);
	return pg_first_int(res, r, when);
}

bool
pgs_changed(struct store *base)
{
	struct pg_store *st = to_pg(base);
	int64_t now = mono_ms();
	bool changed = !st->changed_once || st->notified;
	PGnotify *nf;

	st->changed_once = true;
	st->notified = false;
	if (st->conn == NULL || PQstatus(st->conn) != CONNECTION_OK)
		return true;	/* the next query reconnects */
	listen_channel(st);
	if (PQconsumeInput(st->conn) == 0)
		return true;
	/* Our own writes do not count. */
	while ((nf = PQnotifies(st->conn)) != NULL) {
		if (nf->be_pid != PQbackendPID(st->conn))
			changed = true;
		PQfreemem(nf);
	}
	/* The slow poll behind NOTIFY, as often as a worker on a spool
	 * looks without inotify's word: a notification lost with a
	 * connection is made up for within seconds. */
	if (now - st->last_changed >= PG_SLOW_POLL_MS)
		changed = true;
	if (changed)
		st->last_changed = now;
	return changed;
}

enum store_rc
pgs_any_runnable(struct store *base, const char *const *queues,
    size_t nqueues, bool *any)
{
	struct pg_store *st = to_pg(base);
	char *qs = pg_text_array(queues, nqueues);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "runnable", "SELECT EXISTS (SELECT 1"
	    " FROM jobs WHERE " READY " AND run_at <= $1::bigint"
	    " AND queue IN (" OPEN("$2") "))", p_int(now_ms()), p_text(qs));
	int64_t v;

	free(qs);
	r = pg_first_int(res, r, &v);
	*any = v != 0;
	return r;
}

enum store_rc
pgs_any_retrying(struct store *base, const char *const *queues,
    size_t nqueues, bool *any)
{
	struct pg_store *st = to_pg(base);
	char *qs = pg_text_array(queues, nqueues);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "retrying", "SELECT EXISTS (SELECT 1"
	    " FROM jobs WHERE state = 'retrying' AND queue IN (" SERVED("$1")
	    "))", p_text(qs));
	int64_t v;

	free(qs);
	r = pg_first_int(res, r, &v);
	*any = v != 0;
	return r;
}

enum store_rc
pgs_running_elsewhere(struct store *base, const char *except,
    struct job **jobs, size_t *n)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "running", "SELECT "
	    JOB_SELECT_NO_PAYLOAD " FROM jobs WHERE state = 'running'"
	    " AND ($1::text IS NULL OR worker != $1)", p_text(except));
	int rows;

	*jobs = NULL;
	*n = 0;
	if (res == NULL)
		return r;
	rows = PQntuples(res);
	if (rows > 0)
		*jobs = xcalloc((size_t)rows, sizeof(**jobs));
	for (int i = 0; i < rows; i++)
		pg_row_to_job(res, i, &(*jobs)[i]);
	*n = (size_t)rows;
	PQclear(res);
	return STORE_OK;
}

enum store_rc
pgs_mark_rescue(struct store *base, int64_t id, int attempt,
    const char *worker, int64_t when, const char *boot)
{
	struct pg_store *st = to_pg(base);
	int64_t rows = 0;
	enum store_rc r;

	/* Only the first rescuer sets the clock, and only it sends the
	 * TERM (STORE_CONFLICT for the others), as on a spool. */
	r = pg_exec(st, "rescue", &rows, "UPDATE jobs"
	    " SET rescue_term_at = $4::bigint, rescue_boot = $5"
	    " WHERE id = $1::bigint AND attempt = $2::int AND worker = $3"
	    " AND state = 'running' AND (rescue_term_at IS NULL"
	    "  OR rescue_boot IS NULL OR rescue_boot != $5"
	    "  OR rescue_term_at > $4::bigint)", p_int(id), p_int(attempt),
	    p_text(worker), p_int(when), p_text(boot));
	if (r == STORE_OK && rows == 0)
		return STORE_CONFLICT;
	return r;
}

bool
pgs_keeps_logs(struct store *base)
{
	return true;
}

/* In the caller's transaction or alone.  A job deleted meanwhile
 * (23503, its row gone) has no log to keep. */
static enum store_rc
save_log(struct pg_store *st, int64_t id, int attempt, const char *data,
    size_t len)
{
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "log", "INSERT INTO logs"
	    " (job_id, attempt, data) SELECT $1::bigint, $2::int, $3"
	    " WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $1::bigint)"
	    " ON CONFLICT (job_id, attempt) DO UPDATE SET data = excluded.data",
	    p_int(id), p_int(attempt), p_blob(data, len));

	if (res != NULL)
		PQclear(res);
	return r;
}

enum store_rc
pgs_log_save(struct store *base, int64_t id, int attempt, const char *data,
    size_t len)
{
	return save_log(to_pg(base), id, attempt, data, len);
}

enum store_rc
pgs_log_read(struct store *base, int64_t id, int attempt, int64_t from,
    char **buf, size_t *len, int64_t *size)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "cannot read the log",
	    "SELECT substring(data FROM $3::int + 1), length(data)"
	    " FROM logs WHERE job_id = $1::bigint AND attempt = $2::int",
	    p_int(id), p_int(attempt), p_int(from < 0 ? 0 :
	    from > INT32_MAX - 1 ? INT32_MAX - 1 : from));

	*buf = NULL;
	*len = 0;
	*size = 0;
	if (res == NULL)
		return r;
	if (PQntuples(res) > 0) {
		*buf = pg_bytea(res, 0, 0, len);
		*size = pg_int(res, 0, 1, 0);
	} else
		*buf = xstrdup("");
	PQclear(res);
	return STORE_OK;
}
