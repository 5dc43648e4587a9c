/* store-pg-prune.c: the PostgreSQL store's deleting (prune, rm,
 * retention), settings and stats.  A job's payload, result, attempts,
 * log and dependencies go with it (ON DELETE CASCADE). */
#include <stdlib.h>

#include "store-pg.h"
#include "util.h"

/* The rows of res (id, attempt) appended to *v. */
static void
gone_add_rows(const PGresult *res, struct gone_job **v, size_t *n)
{
	int rows = PQntuples(res);

	if (rows == 0)
		return;
	*v = xrealloc(*v, (*n + (size_t)rows) * sizeof(**v));
	for (int i = 0; i < rows; i++)
		(*v)[(*n)++] = (struct gone_job){ pg_int(res, i, 0, 0),
		    (int)pg_int(res, i, 1, 0) };
}

/* The ended states of the mask as a text[] literal (malloc'd): none is
 * an empty array, which matches nothing. */
static char *
ended_states(unsigned mask)
{
	const char *names[JOB_NSTATES];
	size_t n = 0;

	for (int i = 0; i < JOB_NSTATES; i++)
		if ((mask & (1u << i)) && job_state_ended(i))
			names[n++] = job_state_name(i);
	return n == 0 ? xstrdup("{}") : pg_text_array(names, n);
}

#define PRUNE_MATCH "state = ANY($2::text[]) AND finished_at < $3::bigint"

enum store_rc
pgs_prune_batch(struct store *base, const struct prune_filter *f,
    int64_t *after, size_t batch, struct gone_job **out, size_t *n)
{
	struct pg_store *st = to_pg(base);
	char *states = ended_states(f->states);
	enum store_rc r = STORE_OK;
	PGresult *res;
	int64_t last;

	*out = NULL;
	*n = 0;
	/* A batch whose jobs all changed since they were read is no end:
	 * go on past it. */
	do {
		res = pg_query(st, &r, "prune", "SELECT id, attempt FROM jobs"
		    " WHERE id > $1::bigint AND " PRUNE_MATCH
		    " ORDER BY id LIMIT $4::bigint", p_int(*after),
		    p_text(states), p_int(f->before), p_int((int64_t)batch));
		if (res == NULL)
			break;
		if (PQntuples(res) == 0) {
			PQclear(res);
			break;
		}
		last = pg_int(res, PQntuples(res) - 1, 0, 0);
		PQclear(res);
		if (f->dry_run)
			res = pg_query(st, &r, "prune", "SELECT id, attempt"
			    " FROM jobs WHERE id > $1::bigint AND id <="
			    " $4::bigint AND " PRUNE_MATCH " ORDER BY id",
			    p_int(*after), p_text(states), p_int(f->before),
			    p_int(last));
		else
			/* Those that still match: a retry may have made
			 * one pending since. */
			res = pg_query(st, &r, "prune", "DELETE FROM jobs"
			    " WHERE id > $1::bigint AND id <= $4::bigint AND "
			    PRUNE_MATCH " RETURNING id, attempt",
			    p_int(*after), p_text(states), p_int(f->before),
			    p_int(last));
		if (res == NULL)
			break;
		gone_add_rows(res, out, n);
		PQclear(res);
		*after = last;
	} while (*n == 0);
	free(states);
	if (r != STORE_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}

enum store_rc
pgs_delete(struct store *base, const int64_t *ids, size_t nids,
    int64_t *bad, enum job_state *was, struct gone_job **out, size_t *n)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res;

	*out = NULL;
	*n = 0;
	if ((r = pg_begin(st)) != STORE_OK)
		return r;
	/* All or nothing: every job is checked before any is deleted. */
	for (size_t i = 0; i < nids && r == STORE_OK; i++) {
		res = pg_query(st, &r, "rm", "SELECT state, id, attempt"
		    " FROM jobs WHERE id = $1::bigint FOR UPDATE",
		    p_int(ids[i]));
		if (res == NULL)
			break;
		if (PQntuples(res) == 0) {
			*bad = ids[i];
			r = pg_fail(st, STORE_NOTFOUND, "no such job %lld",
			    (long long)ids[i]);
		} else {
			if (!job_state_parse(PQgetvalue(res, 0, 0), was))
				*was = JOB_FAILED;
			if (!job_state_ended(*was)) {
				*bad = ids[i];
				r = STORE_CONFLICT;
			} else {
				*out = xrealloc(*out, (*n + 1) *
				    sizeof(**out));
				(*out)[(*n)++] = (struct gone_job){
				    pg_int(res, 0, 1, 0),
				    (int)pg_int(res, 0, 2, 0) };
			}
		}
		PQclear(res);
	}
	for (size_t i = 0; i < *n && r == STORE_OK; i++)
		r = pg_exec(st, "rm", NULL, "DELETE FROM jobs"
		    " WHERE id = $1::bigint", p_int((*out)[i].id));
	r = r == STORE_OK ? pg_commit(st) : pg_rollback(st, r);
	if (r != STORE_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}

enum store_rc
pgs_vacuum(struct store *base)
{
	struct pg_store *st = to_pg(base);
	static const char *const tables[] = { "jobs", "payloads", "results",
	    "attempts", "deps", "logs" };
	enum store_rc r = STORE_OK;

	/* VACUUM runs outside a transaction; it gives the space of dead
	 * rows back for new ones, without locking writers out.  The
	 * server's autovacuum does this too: this is a push. */
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]) &&
	    r == STORE_OK; i++) {
		char *sql = xasprintf("VACUUM %s", tables[i]);

		r = pg_exec0(st, "vacuum", sql);
		free(sql);
	}
	return r;
}

enum store_rc
pgs_retain(struct store *base, int64_t keep, size_t batch,
    struct gone_job **out, size_t *n)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res;

	*out = NULL;
	*n = 0;
	/* The oldest ended jobs beyond the newest keep, through
	 * jobs_ended; rows another transaction holds are left for the
	 * next turn. */
	res = pg_query(st, &r, "retention", "DELETE FROM jobs WHERE id IN"
	    " (SELECT id FROM jobs WHERE " SQL_STATE_ENDED
	    "  ORDER BY finished_at, id LIMIT least(greatest((SELECT"
	    "  count(*) FROM jobs WHERE " SQL_STATE_ENDED ") - $1::bigint,"
	    "  0), $2::bigint) FOR UPDATE SKIP LOCKED) RETURNING id, attempt",
	    p_int(keep), p_int((int64_t)batch));
	if (res == NULL)
		return r;
	gone_add_rows(res, out, n);
	PQclear(res);
	return STORE_OK;
}

enum store_rc
pgs_get_setting(struct store *base, const char *name, char **value)
{
	struct pg_store *st = to_pg(base);
	enum store_rc r;
	PGresult *res = pg_query(st, &r, "settings",
	    "SELECT value FROM settings WHERE name = $1", p_text(name));

	*value = NULL;
	if (res == NULL)
		return r;
	if (PQntuples(res) > 0)
		*value = pg_text(res, 0, 0);
	PQclear(res);
	return STORE_OK;
}

enum store_rc
pgs_set_setting(struct store *base, const char *name, const char *value)
{
	struct pg_store *st = to_pg(base);

	if (value == NULL)
		return pg_exec(st, "settings", NULL,
		    "DELETE FROM settings WHERE name = $1", p_text(name));
	return pg_exec(st, "settings", NULL, "INSERT INTO settings"
	    " (name, value) VALUES ($1, $2) ON CONFLICT (name)"
	    " DO UPDATE SET value = excluded.value", p_text(name),
	    p_text(value));
}

enum store_rc
pgs_stats(struct store *base, int64_t now, size_t samples,
    struct stats *out)
{
	struct pg_store *st = to_pg(base);
	PGresult *c = NULL, *e = NULL, *t = NULL, *w = NULL;
	enum store_rc r;
	int rows;

	*out = (struct stats){ 0 };
	/* One snapshot: every figure from the same moment. */
	if ((r = pg_begin(st)) != STORE_OK)
		return r;
	if ((r = pg_exec0(st, "stats", "SET TRANSACTION ISOLATION LEVEL"
	    " REPEATABLE READ, READ ONLY")) != STORE_OK ||
	    (c = pg_query_params(st, &r, "stats", "SELECT queue, priority,"
	    " state, count(*) FROM jobs GROUP BY queue, priority, state"
	    " ORDER BY queue, priority", NULL, 0)) == NULL ||
	    (e = pg_query(st, &r, "stats", "SELECT"
	    " count(*) FILTER (WHERE finished_at >= $1::bigint),"
	    " count(*) FROM jobs WHERE " SQL_STATE_ENDED
	    " AND finished_at >= $2::bigint", p_int(now - 60 * 1000),
	    p_int(now - 3600 * 1000))) == NULL ||
	    (t = pg_query(st, &r, "stats", "SELECT greatest(started_at -"
	    " run_at, 0), greatest(finished_at - started_at, 0) FROM jobs"
	    " WHERE " SQL_STATE_ENDED " AND state != 'cancelled'"
	    " AND started_at IS NOT NULL"
	    " ORDER BY finished_at DESC, id DESC LIMIT $1::bigint",
	    p_int((int64_t)samples))) == NULL ||
	    (w = pg_query_params(st, &r, "stats", "SELECT w.id, w.pid,"
	    " w.started_at, w.queues, (SELECT count(*) FROM jobs j"
	    " WHERE j.state = 'running' AND j.worker = w.id) FROM workers w"
	    " ORDER BY w.started_at, w.id", NULL, 0)) == NULL) {
		PQclear(c);
		PQclear(e);
		PQclear(t);
		return pg_rollback(st, r);
	}
	pg_rollback(st, STORE_OK);
	rows = PQntuples(c);
	out->counts = xcalloc((size_t)rows + 1, sizeof(*out->counts));
	for (int i = 0; i < rows; i++) {
		struct stats_count *sc = &out->counts[out->ncounts];

		if (!job_state_parse(PQgetvalue(c, i, 2), &sc->state))
			continue;
		sc->queue = pg_text(c, i, 0);
		sc->priority = (int)pg_int(c, i, 1, 0);
		sc->n = pg_int(c, i, 3, 0);
		out->ncounts++;
	}
	out->last_minute = pg_int(e, 0, 0, 0);
	out->last_hour = pg_int(e, 0, 1, 0);
	rows = PQntuples(t);
	out->wait_ms = xcalloc((size_t)rows + 1, sizeof(*out->wait_ms));
	out->run_ms = xcalloc((size_t)rows + 1, sizeof(*out->run_ms));
	for (int i = 0; i < rows; i++) {
		out->wait_ms[i] = pg_int(t, i, 0, 0);
		out->run_ms[i] = pg_int(t, i, 1, 0);
	}
	out->nsamples = (size_t)rows;
	rows = PQntuples(w);
	out->workers = xcalloc((size_t)rows + 1, sizeof(*out->workers));
	for (int i = 0; i < rows; i++) {
		struct worker_info *wi = &out->workers[i];

		wi->id = pg_text(w, i, 0);
		wi->pid = (int)pg_int(w, i, 1, 0);
		wi->started_at = pg_int(w, i, 2, 0);
		wi->queues = pg_text(w, i, 3);
		wi->running = pg_int(w, i, 4, 0);
	}
	out->nworkers = (size_t)rows;
	PQclear(c);
	PQclear(e);
	PQclear(t);
	PQclear(w);
	return STORE_OK;
}
