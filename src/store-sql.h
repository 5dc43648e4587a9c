/* store-sql.h: what the SQL stores share: typed parameters, the
 * columns of a job and an attempt row and the select lists that read
 * them, and the state conditions their partial indexes repeat. */
#ifndef STORE_SQL_H
#define STORE_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Typed parameters: sq_bind(s, p_int(id), p_text(worker)) binds ?1
 * and ?2 (pg_query the same as $1 and $2). */
enum param_kind { PARAM_NULL, PARAM_INT, PARAM_REAL, PARAM_TEXT,
	PARAM_BLOB };
struct param {
	enum param_kind kind;
	int64_t i;
	double r;
	const void *p;
	size_t len;
};

static inline struct param
p_null(void)
{
	return (struct param){ .kind = PARAM_NULL };
}

static inline struct param
p_int(int64_t v)
{
	return (struct param){ .kind = PARAM_INT, .i = v };
}

/* NULL unless present. */
static inline struct param
p_int_if(int64_t v, bool present)
{
	return present ? p_int(v) : p_null();
}

static inline struct param
p_real_if(double v, bool present)
{
	return present ? (struct param){ .kind = PARAM_REAL, .r = v } :
	    p_null();
}

/* NULL binds NULL. */
static inline struct param
p_text(const char *t)
{
	return t != NULL ? (struct param){ .kind = PARAM_TEXT, .p = t } :
	    p_null();
}

static inline struct param
p_blob(const void *data, size_t len)
{
	return (struct param){ .kind = PARAM_BLOB, .p = data != NULL ?
	    data : "", .len = len };
}

/* The conditions of the partial indexes jobs_key and jobs_ended, which
 * a query must repeat word for word for the planner to use them.  OR,
 * not IN: SQLite builds a temporary b-tree for an IN list of three or
 * more values each time a statement runs, and it evaluates an index's
 * condition on every insert and state change -- half the cost of a
 * batch insert went there. */
#define SQL_STATE_LIVE \
	"(state = 'pending' OR state = 'retrying' OR state = 'running')"
#define SQL_STATE_ENDED \
	"(state = 'completed' OR state = 'failed' OR state = 'timeout'" \
	" OR state = 'cancelled')"

/* The columns of a job row, each once: its name (in SQL and in struct
 * job) and how it is read, with the value that stands for NULL.
 * Adding a field is one line here, its member in struct job, and a
 * migration in each store. */
#define JOB_COLUMNS(X) \
	X(id, I64, 0) \
	X(type, TEXT, 0) \
	X(queue, TEXT, 0) \
	X(priority, INT, 0) \
	X(state, STATE, 0) \
	X(created_at, I64, 0) \
	X(run_at, I64, 0) \
	X(started_at, I64, 0) \
	X(finished_at, I64, 0) \
	X(timeout_ms, I64, 0) \
	X(attempt, INT, 0) \
	X(max_retries, INT, 0) \
	X(retry_delay_ms, I64, 0) \
	X(failures, INT, 0) \
	X(deaths, INT, 0) \
	X(exit_code, INT, -1) \
	X(signal, INT, 0) \
	X(error, TEXT, 0) \
	X(result_bytes, I64, 0) \
	X(result_truncated, BOOL, 0) \
	X(worker, TEXT, 0) \
	X(cancel_requested, BOOL, 0) \
	X(pgid, INT, 0) \
	X(proc_start, I64, 0) \
	X(rescue_term_at, I64, 0) \
	X(progress_percent, REAL, -1) \
	X(progress_done, I64, 0) \
	X(progress_total, I64, 0) \
	X(progress_message, TEXT, 0) \
	X(proc_boot, TEXT, 0) \
	X(rescue_boot, TEXT, 0) \
	X(key, TEXT, 0) \
	X(tags, TEXT, 0) \
	X(meta, TEXT, 0)

#define COLUMN_SQL(name, kind, absent) #name ", "
/* The select list sq_row_to_job() and pg_row_to_job() read.  The payload, which may be
 * 16 MiB, lives in a table of its own and comes last; a query that has
 * no use for it selects NULL in its place. */
#define JOB_SELECT_WITH(payload) JOB_COLUMNS(COLUMN_SQL) payload
#define JOB_SELECT JOB_SELECT_WITH( \
	"(SELECT data FROM payloads WHERE job_id = jobs.id)")
/* With an exec job's environment after the payload, for status and the
 * worker; the row readers read it when the column is there. */
#define JOB_SELECT_ENV JOB_SELECT \
	", (SELECT env FROM payloads WHERE job_id = jobs.id)"
#define JOB_SELECT_NO_PAYLOAD JOB_SELECT_WITH("NULL")
/* Only an exec job's payload: its command, which status and list show,
 * and which is an argv, not a 16 MiB document. */
#define JOB_SELECT_EXEC_PAYLOAD JOB_SELECT_WITH( \
	"(SELECT data FROM payloads WHERE job_id = jobs.id" \
	" AND jobs.type = 'exec')")

/* The columns of an attempt's row, as JOB_COLUMNS. */
#define ATTEMPT_COLUMNS(X) \
	X(attempt, INT, 0) \
	X(worker, TEXT, 0) \
	X(started_at, I64, 0) \
	X(finished_at, I64, 0) \
	X(outcome, TEXT, 0) \
	X(exit_code, INT, -1) \
	X(signal, INT, 0) \
	X(error, TEXT, 0)

/* The select list sq_row_to_attempt() reads; job_id closes it. */
#define ATTEMPT_SELECT ATTEMPT_COLUMNS(COLUMN_SQL) "job_id"

#endif
