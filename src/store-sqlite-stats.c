/* store-sqlite-stats.c: what jobq stats shows, read from the counters
 * the triggers keep and through indexes, never by a scan of the jobs:
 * its cost does not grow with the number of jobs in the spool. */
#include <stdlib.h>

#include "store-sqlite.h"
#include "util.h"

void
stats_clear(struct stats *s)
{
	for (size_t i = 0; i < s->ncounts; i++)
		free(s->counts[i].queue);
	for (size_t i = 0; i < s->nworkers; i++) {
		free(s->workers[i].id);
		free(s->workers[i].queues);
	}
	free(s->counts);
	free(s->wait_ms);
	free(s->run_ms);
	free(s->workers);
	*s = (struct stats){ 0 };
}

static enum store_rc
read_counts(struct sqlite_store *st, struct stats *out)
{
	sqlite3_stmt *s = sq_prepare(st, "SELECT queue, priority, state, n"
	    " FROM counts WHERE n > 0 ORDER BY queue, priority");
	struct stats_count *c;
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "stats");
	while ((rc = sq_step(s)) == SQLITE_ROW) {
		out->counts = xrealloc(out->counts, (out->ncounts + 1) *
		    sizeof(*out->counts));
		c = &out->counts[out->ncounts];
		if (!job_state_parse((const char *)sqlite3_column_text(s, 2),
		    &c->state))
			continue;
		c->queue = sq_col_text(s, 0);
		c->priority = sqlite3_column_int(s, 1);
		c->n = sqlite3_column_int64(s, 3);
		out->ncounts++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), "stats");
	return STORE_OK;
}

/* Ended since `since`, through jobs_ended (its condition word for
 * word, so the planner takes it). */
static enum store_rc
count_since(struct sqlite_store *st, int64_t since, int64_t *n)
{
	sqlite3_stmt *s = sq_prepare(st, "SELECT count(*) FROM jobs"
	    " WHERE " SQL_STATE_ENDED
	    " AND finished_at >= ?1");
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "stats");
	sq_bind(s, p_int(since));
	if ((rc = sq_step(s)) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return sq_db_fail(st, sq_classify(rc), "stats");
	return STORE_OK;
}

/* Wait (due to last start) and run (last start to end) of the last
 * jobs that ended after running; a job cancelled before it ran has
 * neither, and one cancelled while retrying only an old start. */
static enum store_rc
read_times(struct sqlite_store *st, size_t samples, struct stats *out)
{
	sqlite3_stmt *s = sq_prepare(st, "SELECT max(started_at - run_at,"
	    " 0), max(finished_at - started_at, 0) FROM jobs"
	    " WHERE " SQL_STATE_ENDED
	    " AND state != 'cancelled' AND started_at IS NOT NULL"
	    " ORDER BY finished_at DESC, id DESC LIMIT ?1");
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "stats");
	sq_bind(s, p_int((int64_t)samples));
	out->wait_ms = xcalloc(samples + 1, sizeof(*out->wait_ms));
	out->run_ms = xcalloc(samples + 1, sizeof(*out->run_ms));
	while ((rc = sq_step(s)) == SQLITE_ROW && out->nsamples < samples) {
		out->wait_ms[out->nsamples] = sqlite3_column_int64(s, 0);
		out->run_ms[out->nsamples] = sqlite3_column_int64(s, 1);
		out->nsamples++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sq_db_fail(st, sq_classify(rc), "stats");
	return STORE_OK;
}

static enum store_rc
read_workers(struct sqlite_store *st, struct stats *out)
{
	sqlite3_stmt *s = sq_prepare(st, "SELECT w.id, w.pid, w.started_at,"
	    " w.queues, (SELECT count(*) FROM jobs j WHERE j.state ="
	    " 'running' AND j.worker = w.id) FROM workers w"
	    " ORDER BY w.started_at, w.id");
	struct worker_info *w;
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "stats");
	while ((rc = sq_step(s)) == SQLITE_ROW) {
		out->workers = xrealloc(out->workers, (out->nworkers + 1) *
		    sizeof(*out->workers));
		w = &out->workers[out->nworkers++];
		w->id = sq_col_text(s, 0);
		w->pid = sqlite3_column_int(s, 1);
		w->started_at = sqlite3_column_int64(s, 2);
		w->queues = sq_col_text(s, 3);
		w->running = sqlite3_column_int64(s, 4);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), "stats");
	return STORE_OK;
}

enum store_rc
sqlite_stats(struct store *base, int64_t now, size_t samples,
    struct stats *out)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r;
	int rc;

	*out = (struct stats){ 0 };
	/* One read transaction: every figure from the same moment.  A
	 * read takes no lock of ours. */
	if ((rc = sq_exec(st, "BEGIN")) != SQLITE_OK)
		return sq_db_fail(st, sq_classify(rc), "stats");
	if ((r = read_counts(st, out)) == STORE_OK &&
	    (r = count_since(st, now - 60 * 1000, &out->last_minute)) ==
	    STORE_OK &&
	    (r = count_since(st, now - 3600 * 1000, &out->last_hour)) ==
	    STORE_OK &&
	    (r = read_times(st, samples, out)) == STORE_OK)
		r = read_workers(st, out);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (r != STORE_OK)
		stats_clear(out);
	return r;
}
