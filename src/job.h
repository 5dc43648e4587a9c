/* job.h: the job model: its states, the records of a job and of its
 * attempts, and the policy that decides what an ended attempt makes of
 * its job.  A store persists what job_verdict() decides and decides
 * nothing itself. */
#ifndef JOB_H
#define JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum job_state {
	JOB_PENDING,
	JOB_RUNNING,
	JOB_RETRYING,
	JOB_COMPLETED,
	JOB_FAILED,
	JOB_TIMEOUT,
	JOB_CANCELLED,
	JOB_NSTATES
};

const char *job_state_name(enum job_state);
bool job_state_parse(const char *name, enum job_state *state);
bool job_state_ended(enum job_state);

/* Absent times are 0; an absent exit code is -1, an absent signal 0. */
struct job {
	int64_t id;
	char *type;
	char *queue;
	int priority;
	enum job_state state;
	char *payload;		/* as submitted, NUL-terminated */
	size_t payload_len;
	int64_t created_at, run_at, started_at, finished_at;	/* ms */
	int64_t timeout_ms;	/* 0: none */
	int attempt;		/* starts so far */
	int max_retries;
	int64_t retry_delay_ms;	/* the backoff's base */
	int failures;
	int deaths;		/* worker deaths in a row under this job */
	int exit_code;
	int signal;
	char *error;
	int64_t result_bytes;
	bool result_truncated;
	char *worker;
	bool cancel_requested;
	int pgid;		/* the handler's process group while running */
	int64_t proc_start;	/* its leader's start time, /proc ticks */
	int64_t rescue_term_at;	/* when a rescuer sent TERM to an orphan,
				   CLOCK_BOOTTIME ms of boot rescue_boot */
	char *proc_boot;	/* boot id of pgid and proc_start */
	char *rescue_boot;	/* boot id of rescue_term_at */
	bool has_progress;
	double progress_percent;	/* < 0: unknown */
	int64_t progress_done, progress_total;	/* total 0: none */
	char *progress_message;
	char *key;		/* submit --key; NULL: none */
	char *tags;		/* a JSON array of names; NULL: none */
	char *meta;		/* a JSON object of strings; NULL: none */
	char *env;		/* exec: a JSON object of strings; NULL:
				   none, or not loaded */
	bool env_loaded;	/* read with its environment (status) */
};
void job_clear(struct job *);

/* An exec job's command as sh would need it typed (words quoted where
 * they must be), malloc'd; NULL for another type, or a job read without
 * its payload.  Not escaped: the caller escapes it for a terminal. */
char *job_command_line(const struct job *j);

/* n words (n > 0) quoted so, as one line; malloc'd, not escaped. */
char *shell_line(const char *const *words, size_t n);

struct attempt {
	int attempt;
	char *worker;
	int64_t started_at, finished_at;
	char *outcome;		/* a state, "requeued", "worker died" */
	int exit_code;
	int signal;
	char *error;
};
void attempts_free(struct attempt *, size_t n);

/* A job another waits for (submit --after). */
struct dep {
	int64_t id;
	enum job_state state;
	bool gone;		/* pruned since */
};

/* What a job's record holds beyond its row, for status. */
struct job_extra {
	const struct attempt *attempts;
	size_t nattempts;
	const struct dep *deps;
	size_t ndeps;
};

/* Why an attempt ended other than by its handler's own exit. */
enum stop_reason {
	STOP_NONE,		/* the handler exited by itself */
	STOP_TIMEOUT,		/* its worker stopped it at its timeout */
	STOP_CANCEL,		/* ... because a cancel was asked for */
	STOP_SHUTDOWN,		/* ... because the worker is stopping */
	STOP_WORKER_DIED,	/* its worker died; a rescuer records it */
	STOP_START_PASSING,	/* it could not start, for a reason that
				   passes (descriptors, memory, disk, store) */
	STOP_START_LASTING,	/* it could not start, and never will */
};

/* The facts of how an attempt ended, as its worker saw them. */
struct attempt_end {
	enum stop_reason stop;
	int exit_code;		/* -1: none */
	int signal;		/* 0: none */
	const char *start_error;	/* STOP_START_*: why */
	int64_t timeout_ms;	/* the job's, for STOP_TIMEOUT's message */
};

/* What the job becomes. */
struct verdict {
	enum job_state state;	/* an ended state, or pending */
	const char *outcome;	/* the attempt's; NULL: unclaim */
	char *error;		/* malloc'd; NULL: none */
	bool failure;		/* the attempt counts as a failure */
	bool retryable;		/* ... that the retry budget may undo */
	int64_t run_at;		/* retrying: when it starts again */
	int deaths;		/* the job's worker deaths from now on */
	bool requeue;		/* back to pending, the budget untouched */
	bool unclaim;		/* undo the claim: the attempt never was */
};

/* What a cancel does to a job in a given state. */
enum cancel_effect {
	CANCEL_TOO_LATE,	/* it has ended: nothing */
	CANCEL_NOW,		/* it waits: it is cancelled at once */
	CANCEL_ASK,		/* it runs: its worker is asked to stop it */
};
enum cancel_effect job_cancel_effect(enum job_state);

/* The error of a cancelled job. */
#define CANCELLED_ERROR "cancelled"

/* A job whose workers die under it this many times in a row fails, so
 * that a job that kills its workers cannot do so forever. */
#define WORKER_DEATHS_MAX 3

/* Decides what an ended attempt makes of its job.  cancel_requested and
 * deaths are the job's as read in the transaction that records the
 * verdict, so that a cancel asked for meanwhile is not lost. */
void job_verdict(const struct attempt_end *, bool cancel_requested,
    int deaths, struct verdict *);
void verdict_clear(struct verdict *);

/* The retry budget, if any, turns a retryable failure into a retry:
 * failures and max_retries are the job's before this attempt, base_ms
 * its retry delay, now the time the attempt ended. */
void job_retry(struct verdict *, int failures, int max_retries,
    int64_t base_ms, int64_t now);

/* The longest wait between two attempts, whatever the base. */
#define RETRY_DELAY_MAX_MS (3600 * 1000)
#define RETRY_DELAY_DEFAULT_MS (10 * 1000)
#define RETRIES_MAX 1000

/* The wait before retry n (1 for the first): base x 2^(n-1), capped at
 * RETRY_DELAY_MAX_MS, then moved by jitter, in [-1, 1], times 10%, so
 * that jobs that failed together do not all come back together.  Never
 * more than the cap. */
int64_t job_backoff(int64_t base_ms, int n, double jitter);

/* Whether `jobq retry` may put a job in this state back: one that ended
 * other than completed. */
bool job_retry_allowed(enum job_state);

/* What the state of a job it depends on (submit --after) makes of a
 * waiting job. */
enum dep_effect {
	DEP_WAIT,		/* it has not ended: the job waits for it */
	DEP_DONE,		/* it completed: one less to wait for */
	DEP_BROKEN,		/* it ended otherwise: the job is cancelled */
};
enum dep_effect job_dep_effect(enum job_state dep);
/* The error of a job cancelled because job dep ended in state s
 * (malloc'd). */
char *job_dep_error(int64_t dep, enum job_state s);

/* Whether a job's priority may change: only while it waits (pending or
 * retrying); a running job has been taken, an ended one is history. */
bool job_reorder_allowed(enum job_state);

#endif
