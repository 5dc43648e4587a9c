/* supervise.h: starting handlers in their own process group with a clean
 * signal state and only the descriptors the protocol names; signalling
 * and reaping them.  Knows nothing of jobs or SQLite. */
#ifndef SUPERVISE_H
#define SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Descriptors a handler finds open. */
#define JOBQ_PROGRESS_FD 3
#define JOBQ_LOCK_FD 1000

struct spawn_req {
	const char *path;	/* the executable (exec jobs: found on PATH) */
	bool search_path;	/* an exec job's command: for messages */
	char *const *argv;
	/* If path turns out a script without #!: /bin/sh's argv to run it
	 * with, as execvp would (NULL: fail with ENOEXEC). */
	char *const *sh_argv;
	char *const *envp;
	const char *cwd;	/* NULL: the worker's */
	int stdin_fd;
	int lock_fd;		/* placed on JOBQ_LOCK_FD */
};

struct child {
	pid_t pid;		/* also the process group */
	int64_t start_ticks;	/* from /proc, to recognize it later */
	int out_fd;		/* read ends, non-blocking */
	int err_fd;
	int progress_fd;
	int go_fd;		/* between begin and release: the child */
	int report_fd;		/* waits for go and reports exec's errno */
};

/* Starting a handler is two steps, so that a worker can record the
 * process groups of all it starts in one transaction: the handler must
 * never run unrecorded, where no rescuer could stop it.  spawn_begin
 * forks a child that waits in its own process group (c->pid, which is
 * also the group, and c->start_ticks set); spawn_release lets it exec,
 * or with go false kills it and returns ECANCELED.  spawn_begin
 * returns 0, or an errno value with *cause (malloc'd) saying what
 * failed, the program and the errno's message included.  After a failure c holds nothing (the child is
 * reaped); after spawn_begin failed, spawn_release must not be called. */
int spawn_begin(const struct spawn_req *req, struct child *c, char **cause);
int spawn_release(const struct spawn_req *req, struct child *c, bool go,
    char **cause);
/* After spawn_release let it go and the child has been reaped: 0 if it
 * had exec'd, or the errno its exec (or a step before) failed with and
 * *cause.  Until then req's strings must stay as they were: the child
 * may share our memory and read them until its exec.  A worker does not
 * wait for the exec of what it lets go. */
int spawn_confirm(const struct spawn_req *req, struct child *c,
    char **cause);

/* Makes every descriptor from 3 up close-on-exec and puts /dev/null on
 * 3 if it is closed, so that descriptors we create never land where a
 * handler expects its progress pipe. */
void prepare_descriptors(void);

/* "SIGKILL", or "SIG42" for a number without a name; in buf. */
const char *signal_name(int sig, char *buf, size_t size);

/* Finds a handler (is_handler says which children are) that has exited,
 * kills what is left of its process group (the unreaped leader keeps the
 * group id from being reused), then reaps it.  Other children that
 * exited (orphans adopted as a subreaper) are reaped silently.  Returns
 * the handler's pid and wait status, or 0 if none has exited. */
pid_t reap_exited_child(int *wstatus, bool (*is_handler)(pid_t, void *),
    void *arg);

#endif
