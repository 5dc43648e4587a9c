/* store-sqlite-prune.c: deleting ended jobs (prune, rm) with everything
 * stored with them, in transactions short enough that workers claim
 * between them. */
#include <stdlib.h>

#include "store-sqlite.h"
#include "util.h"

/* Everything kept with a job, deleted in the caller's transaction.  A
 * job that waited for this one keeps its deps row: status shows the
 * dependency as gone, and it had ended, so it waits for nothing. */
static enum store_rc
delete_rest(struct sqlite_store *st, int64_t id)
{
	static const char *const sql[] = {
		"DELETE FROM results WHERE job_id = ?1",
		"DELETE FROM attempts WHERE job_id = ?1",
		"DELETE FROM payloads WHERE job_id = ?1",
		"DELETE FROM deps WHERE job_id = ?1",
	};
	enum store_rc r = STORE_OK;

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]) &&
	    r == STORE_OK; i++)
		r = sq_run(st, sql[i], p_int(id));
	return r;
}

static void
gone_add(struct gone_job **v, size_t *n, int64_t id, int attempt)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n] = (struct gone_job){ id, attempt };
	(*n)++;
}

/* The ended states of the mask as a JSON array, for json_each. */
static void
bind_states(sqlite3_stmt *s, int idx, unsigned mask)
{
	const char *names[JOB_NSTATES];
	size_t n = 0;

	for (int i = 0; i < JOB_NSTATES; i++)
		if ((mask & (1u << i)) && job_state_ended(i))
			names[n++] = job_state_name(i);
	/* None: an empty array, which matches nothing. */
	if (n == 0)
		sqlite3_bind_text(s, idx, "[]", -1, SQLITE_STATIC);
	else
		sq_bind_queues(s, idx, names, n);
}

#define PRUNE_MATCH "state IN (SELECT value FROM json_each(?2))" \
	" AND finished_at < ?3"

/* Up to batch candidates above *after, read without the write lock: a
 * walk over many rows that do not match must not hold up writers. */
static enum store_rc
prune_find(struct sqlite_store *st, const struct prune_filter *f, int64_t after,
    size_t batch, struct gone_job **out, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	s = sq_prepare(st, "SELECT id, attempt FROM jobs WHERE id > ?1"
	    " AND " PRUNE_MATCH " ORDER BY id LIMIT ?4");
	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "prune");
	sq_bind(s, p_int(after), p_null(), p_int(f->before),
	    p_int((int64_t)batch));
	bind_states(s, 2, f->states);
	while ((rc = sq_step(s)) == SQLITE_ROW)
		gone_add(out, n, sqlite3_column_int64(s, 0),
		    sqlite3_column_int(s, 1));
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), "prune");
	return STORE_OK;
}

/* Deletes the candidates that still match (a retry may have made one
 * pending since it was read); those that do not are dropped from v. */
static enum store_rc
prune_delete(struct sqlite_store *st, const struct prune_filter *f,
    struct gone_job *v, size_t *n)
{
	enum store_rc r;
	sqlite3_stmt *s;
	size_t kept = 0;
	int rc = SQLITE_DONE;

	if ((r = sq_begin(st, DURABLE)) != STORE_OK)
		return r;
	if ((s = sq_prepare(st, "DELETE FROM jobs WHERE id = ?1 AND "
	    PRUNE_MATCH)) == NULL)
		return sq_rollback(st, sq_db_fail(st, STORE_ERROR, "prune"));
	for (size_t i = 0; i < *n && r == STORE_OK; i++) {
		sq_bind(s, p_int(v[i].id), p_null(), p_int(f->before));
		bind_states(s, 2, f->states);
		if ((rc = sq_step(s)) != SQLITE_DONE)
			break;
		if (sqlite3_changes(st->db) == 1) {
			v[kept++] = v[i];
			r = delete_rest(st, v[i].id);
		}
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		r = sq_db_fail(st, sq_classify(rc), "prune");
	if (r != STORE_OK)
		return sq_rollback(st, r);
	*n = kept;
	return sq_commit(st);
}

enum store_rc
sqlite_prune_batch(struct store *base, const struct prune_filter *f,
    int64_t *after, size_t batch, struct gone_job **out, size_t *n)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r;
	int64_t last;

	*out = NULL;
	*n = 0;
	/* A batch whose jobs all changed since they were read is no end:
	 * go on past it. */
	do {
		free(*out);
		*out = NULL;
		*n = 0;
		if ((r = prune_find(st, f, *after, batch, out, n)) !=
		    STORE_OK || *n == 0)
			break;
		last = (*out)[*n - 1].id;
		if (!f->dry_run)
			r = prune_delete(st, f, *out, n);
		*after = last;
	} while (r == STORE_OK && *n == 0);
	if (r != STORE_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}

/* Ends a deleting transaction begun by the caller: with r still
 * STORE_OK, deletes the jobs in (*out)[0..*n) and what belongs to them,
 * and commits; otherwise, or on a failure, rolls back and empties the
 * list, so that no log file of a job still there is removed. */
static enum store_rc
delete_gone(struct sqlite_store *st, enum store_rc r, struct gone_job **out,
    size_t *n)
{
	for (size_t i = 0; i < *n && r == STORE_OK; i++) {
		r = sq_run(st, "DELETE FROM jobs WHERE id = ?1",
		    p_int((*out)[i].id));
		if (r == STORE_OK)
			r = delete_rest(st, (*out)[i].id);
	}
	r = r == STORE_OK ? sq_commit(st) : sq_rollback(st, r);
	if (r != STORE_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}

enum store_rc
sqlite_delete(struct store *base, const int64_t *ids, size_t nids,
    int64_t *bad, enum job_state *was, struct gone_job **out, size_t *n)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r;
	struct job j;

	*out = NULL;
	*n = 0;
	if ((r = sq_begin(st, DURABLE)) != STORE_OK)
		return r;
	/* All or nothing: every job is checked before any is deleted. */
	for (size_t i = 0; i < nids && r == STORE_OK; i++) {
		if ((r = sqlite_get_info(&st->base, ids[i], &j)) != STORE_OK) {
			*bad = ids[i];
			break;
		}
		*was = j.state;
		if (!job_state_ended(j.state)) {
			*bad = ids[i];
			r = STORE_CONFLICT;
		} else
			gone_add(out, n, j.id, j.attempt);
		job_clear(&j);
	}
	return delete_gone(st, r, out, n);
}

enum store_rc
sqlite_vacuum(struct store *base)
{
	struct sqlite_store *st = to_sqlite(base);
	int rc;

	/* VACUUM cannot run in a transaction; it takes SQLite's write
	 * lock itself, and the spool's keeps our writers in line. */
	spool_lock(st->sp);
	rc = sq_exec(st, "VACUUM");
	if (rc == SQLITE_OK)
		rc = sq_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)");
	spool_unlock(st->sp);
	if (rc != SQLITE_OK)
		return sq_db_fail(st, sq_classify(rc), "vacuum");
	return STORE_OK;
}

/* The ended jobs there are, from the counters: no scan. */
static enum store_rc
count_ended(struct sqlite_store *st, int64_t *n)
{
	sqlite3_stmt *s = sq_prepare(st, "SELECT coalesce(sum(n), 0)"
	    " FROM counts WHERE state IN ('completed', 'failed',"
	    " 'timeout', 'cancelled')");
	int rc;

	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "retention");
	if ((rc = sq_step(s)) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return sq_db_fail(st, sq_classify(rc), "retention");
	return STORE_OK;
}

enum store_rc
sqlite_retain(struct store *base, int64_t keep, size_t batch,
    struct gone_job **out, size_t *n)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r;
	sqlite3_stmt *s;
	int64_t ended = 0, excess;
	int rc;

	*out = NULL;
	*n = 0;
	/* Most calls find nothing to do: decided without the lock. */
	if ((r = count_ended(st, &ended)) != STORE_OK || ended <= keep)
		return r;
	if ((r = sq_begin(st, DURABLE)) != STORE_OK)
		return r;
	if ((r = count_ended(st, &ended)) != STORE_OK || ended <= keep)
		return sq_rollback(st, r);
	excess = ended - keep;
	if (excess > (int64_t)batch)
		excess = (int64_t)batch;
	/* Oldest ended first, through jobs_ended: the condition is the
	 * index's own, word for word. */
	s = sq_prepare(st, "SELECT id, attempt FROM jobs"
	    " WHERE " SQL_STATE_ENDED
	    " ORDER BY finished_at, id LIMIT ?1");
	if (s == NULL)
		return sq_rollback(st, sq_db_fail(st, STORE_ERROR,
		    "retention"));
	sq_bind(s, p_int(excess));
	while ((rc = sq_step(s)) == SQLITE_ROW)
		gone_add(out, n, sqlite3_column_int64(s, 0),
		    sqlite3_column_int(s, 1));
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		r = sq_db_fail(st, sq_classify(rc), "retention");
	return delete_gone(st, r, out, n);
}

enum store_rc
sqlite_get_setting(struct store *base, const char *name, char **value)
{
	struct sqlite_store *st = to_sqlite(base);
	sqlite3_stmt *s = sq_prepare(st,
	    "SELECT value FROM settings WHERE name = ?1");
	int rc;

	*value = NULL;
	if (s == NULL)
		return sq_db_fail(st, STORE_ERROR, "settings");
	sq_bind(s, p_text(name));
	if ((rc = sq_step(s)) == SQLITE_ROW)
		*value = sq_col_text(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_db_fail(st, sq_classify(rc), "settings");
	return STORE_OK;
}

enum store_rc
sqlite_set_setting(struct store *base, const char *name, const char *value)
{
	struct sqlite_store *st = to_sqlite(base);
	enum store_rc r;

	if (value == NULL)
		r = sq_write(st, "DELETE FROM settings WHERE name = ?1",
		    p_text(name));
	else
		r = sq_write(st, "INSERT INTO settings (name, value)"
		    " VALUES (?1, ?2) ON CONFLICT DO UPDATE SET value = ?2",
		    p_text(name), p_text(value));
	/* Workers act on it at their next look, without a wait. */
	if (r == STORE_OK)
		spool_wake(st->sp);
	return r;
}
