/* slot.c: one running handler: start it with the protocol's stdin,
 * environment and descriptors, collect what it writes, decide how it
 * ended. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "proc.h"
#include "logs.h"
#include "pathsearch.h"
#include "progress.h"
#include "slot.h"
#include "timefmt.h"
#include "execenv.h"
#include "util.h"

extern char **environ;

static const char *const protocol_vars[] = {
	"JOBQ_JOB_ID", "JOBQ_JOB_TYPE", "JOBQ_QUEUE", "JOBQ_ATTEMPT",
	"JOBQ_DIR", "JOBQ_PROGRESS_FD", "JOBQ_LOCK_FD",
};
#define NPROTOCOL_VARS (sizeof(protocol_vars) / sizeof(protocol_vars[0]))

static bool
is_protocol_var(const char *entry)
{
	for (size_t i = 0; i < NPROTOCOL_VARS; i++) {
		size_t n = strlen(protocol_vars[i]);

		if (strncmp(entry, protocol_vars[i], n) == 0 && entry[n] == '=')
			return true;
	}
	return false;
}

/* base (the worker's environment, or an exec job's recorded one) with
 * the protocol's variables set on top. */
static char **
build_env(const struct job *j, const char *spool_dir, char *const *base)
{
	size_t n = 0, k = 0;
	char **env;

	while (base != NULL && base[n] != NULL)
		n++;
	env = xcalloc(n + NPROTOCOL_VARS + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		if (!is_protocol_var(base[i]))
			env[k++] = xstrdup(base[i]);
	env[k++] = xasprintf("JOBQ_JOB_ID=%lld", (long long)j->id);
	env[k++] = xasprintf("JOBQ_JOB_TYPE=%s", j->type);
	env[k++] = xasprintf("JOBQ_QUEUE=%s", j->queue);
	env[k++] = xasprintf("JOBQ_ATTEMPT=%d", j->attempt);
	env[k++] = xasprintf("JOBQ_DIR=%s", spool_dir);
	env[k++] = xasprintf("JOBQ_PROGRESS_FD=%d", JOBQ_PROGRESS_FD);
	env[k++] = xasprintf("JOBQ_LOCK_FD=%d", JOBQ_LOCK_FD);
	env[k] = NULL;
	return env;
}

static bool
has_nul(const json_t *s)
{
	return strlen(json_string_value(s)) != json_string_length(s);
}

/* An exec job's payload: {"argv": [...], "cwd": "/dir"}. */
static bool
parse_exec(const struct job *j, char ***argvp, char **cwdp, char **cause)
{
	json_error_t jerr;
	json_t *root, *argv, *cwd;
	char **v;
	size_t n;

	root = json_loadb(j->payload, j->payload_len, JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, &jerr);
	argv = json_object_get(root, "argv");
	cwd = json_object_get(root, "cwd");
	if (!json_is_array(argv) || (n = json_array_size(argv)) == 0 ||
	    (cwd != NULL && !json_is_string(cwd))) {
		*cause = xstrdup("exec job without an argv array of strings");
		json_decref(root);
		return false;
	}
	/* "a\u0000b" is a JSON string, but as a C string it would run
	 * "a": another command than the one stored. */
	if (cwd != NULL && has_nul(cwd)) {
		*cause = xstrdup("exec job with a NUL byte in its cwd");
		json_decref(root);
		return false;
	}
	v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const json_t *s = json_array_get(argv, i);
		const char *a = json_string_value(s);

		if (a == NULL || has_nul(s)) {
			free_strv(v);
			*cause = xstrdup(a == NULL ? "exec job with an argv "
			    "that is not all strings" : "exec job with a NUL "
			    "byte in its argv");
			json_decref(root);
			return false;
		}
		v[i] = xstrdup(a);
	}
	*argvp = v;
	*cwdp = cwd != NULL ? xstrdup(json_string_value(cwd)) : NULL;
	json_decref(root);
	return true;
}

/* The payload on a memory file: a handler that never reads stdin cannot
 * block us, whatever the payload's size. */
static int
payload_fd(const struct job *j)
{
	int fd = memfd_create("jobq-payload", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write_all(fd, j->payload, j->payload_len) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reasons a start fails that say nothing about the job: it is put back
 * and tried again later, its attempt not counted. */
static bool
passing_errno(int e)
{
	switch (e) {
	case EMFILE:
	case ENFILE:
	case EAGAIN:
	case ENOMEM:
	case ENOSPC:
	case EDQUOT:
	case EINTR:
		return true;
	}
	return false;
}

/* The attempt's log, made on its first stderr bytes: an attempt that
 * writes nothing leaves no file.  If it cannot be made, the worker says
 * so once and the bytes are dropped, counted, and marked in the log if
 * a later try makes it: a full disk does not fail the job. */
static bool
open_log(struct slot *s)
{
	char *path;

	if (s->log_fd >= 0)
		return true;
	path = logs_path(s->spool_dir, s->job.id, s->job.attempt);
	s->log_fd = open_private(path, O_RDWR | O_TRUNC);
	if (s->log_fd < 0) {
		if (!s->log_warned && s->env->warn != NULL) {
			char *msg = xasprintf("cannot create the log of job "
			    "%lld, %s: %s; its stderr is dropped",
			    (long long)s->job.id, path, strerror(errno));

			s->env->warn(s->env->arg, msg);
			free(msg);
		}
		s->log_warned = true;
		free(path);
		return false;
	}
	free(path);
	s->log_size = s->log_head = 0;
	if (s->log_lost > 0) {
		char *mark = xasprintf("[jobq: %lld bytes of stderr lost: "
		    "the log could not be created]\n", (long long)s->log_lost);
		size_t len = strlen(mark);

		if (pwrite(s->log_fd, mark, len, 0) == (ssize_t)len)
			s->log_size = s->log_head = (off_t)len;
		free(mark);
	}
	return true;
}

/* /bin/sh's argv for a command that turns out a script without #!, as
 * execvp runs it: sh PATH ARGS... */
static char **
sh_argv(const char *path, char *const *argv)
{
	size_t n = 0;
	char **v;

	while (argv[n] != NULL)
		n++;
	v = xcalloc(n + 2, sizeof(char *));
	v[0] = xstrdup("/bin/sh");
	v[1] = xstrdup(path);
	for (size_t i = 1; i < n; i++)
		v[i + 1] = xstrdup(argv[i]);
	return v;
}

bool
slot_start(struct slot *s, const struct slot_env *env, char **cause)
{
	struct spawn_req req = { 0 };
	char **argv = NULL, **envp = NULL, **shv = NULL, *cwd = NULL;
	char *path = NULL, *why = NULL;
	char *const *recorded = NULL;
	int in = -1, rc;
	bool is_exec = strcmp(s->job.type, "exec") == 0, started = false;

	s->log_fd = -1;
	s->env = env;
	s->spool_dir = env->sp->dir;
	s->ch.out_fd = s->ch.err_fd = s->ch.progress_fd = -1;
	s->ch.go_fd = s->ch.report_fd = -1;
	s->percent = -1;
	if (is_exec) {
		if (!parse_exec(&s->job, &argv, &cwd, cause))
			return false;
		/* The command runs with the environment recorded at
		 * submit, and is found once here in that environment's
		 * PATH, not by execvp trying each entry. */
		recorded = exec_env_recorded(&s->job);
		envp = build_env(&s->job, env->sp->dir,
		    recorded != NULL ? recorded : environ);
		if ((path = command_resolve(argv[0], exec_env_path(recorded),
		    cwd, &why)) == NULL) {
			s->start_passing = passing_errno(errno);
			*cause = xasprintf("cannot start command %s%s%s: %s",
			    argv[0], cwd ? " in " : "", cwd ? cwd : "",
			    errno == ENOENT ? "not found in its PATH" :
			    strerror(errno));
			free(why);
			goto out;
		}
		shv = sh_argv(path, argv);
		in = env->devnull;
	} else {
		if ((path = handler_find(env->hp, s->job.type, cause)) == NULL)
			return false;
		argv = xcalloc(2, sizeof(char *));
		argv[0] = xstrdup(path);
		if ((in = payload_fd(&s->job)) < 0) {
			s->start_passing = passing_errno(errno);
			*cause = xasprintf("cannot pass the payload: %s",
			    strerror(errno));
			goto out;
		}
	}
	if (envp == NULL)
		envp = build_env(&s->job, env->sp->dir, environ);
	req.path = path;
	req.search_path = is_exec;
	req.argv = argv;
	req.sh_argv = shv;
	req.envp = envp;
	req.cwd = cwd;
	req.stdin_fd = in;
	req.lock_fd = s->run_fd;
	if ((rc = spawn_begin(&req, &s->ch, cause)) != 0) {
		s->start_passing = passing_errno(rc);
		goto out;
	}
	/* For spawn_confirm's messages. */
	s->spawn_path = path;
	s->spawn_cwd = cwd;
	s->spawn_exec = is_exec;
	/* The child may share our memory until its exec
	 * (supervise.c): what it reads lives until slot_release. */
	s->spawn_argv = argv;
	s->spawn_shv = shv;
	s->spawn_envp = envp;
	path = cwd = NULL;
	argv = shv = envp = NULL;
	started = true;
out:
	if (in >= 0 && in != env->devnull)
		close(in);
	free_strv(argv);
	free_strv(shv);
	free_strv(envp);
	free(path);
	free(cwd);
	return started;
}

static void
free_spawn(struct slot *s)
{
	free(s->spawn_path);
	free(s->spawn_cwd);
	free_strv(s->spawn_argv);
	free_strv(s->spawn_shv);
	free_strv(s->spawn_envp);
	s->spawn_path = s->spawn_cwd = NULL;
	s->spawn_argv = s->spawn_shv = s->spawn_envp = NULL;
}

bool
slot_release(struct slot *s, bool recorded, const char *record_error,
    char **cause)
{
	struct spawn_req req = {
		.path = s->spawn_path, .cwd = s->spawn_cwd,
		.search_path = s->spawn_exec,
	};
	int rc = spawn_release(&req, &s->ch, recorded, cause);

	if (rc == ECANCELED) {
		/* The process group could not be stored. */
		s->start_passing = true;
		*cause = xasprintf("cannot record the process of %s: %s",
		    s->spawn_path, record_error != NULL ? record_error :
		    "store error");
	} else if (rc != 0)
		s->start_passing = passing_errno(rc);
	/* Let go, the child reads them until its exec: slot_confirm. */
	if (rc != 0)
		free_spawn(s);
	return rc == 0;
}

bool
slot_confirm(struct slot *s)
{
	struct spawn_req req = {
		.path = s->spawn_path, .cwd = s->spawn_cwd,
		.search_path = s->spawn_exec,
	};
	char *cause = NULL;
	int rc = spawn_confirm(&req, &s->ch, &cause);

	free_spawn(s);
	if (rc == 0)
		return true;
	free(s->start_error);
	s->start_error = cause;
	s->start_passing = passing_errno(rc);
	return false;
}

/* Keeps the log's tail: once the handler's bytes in it have grown past
 * keep_over, the last LOG_CAP of them move to the front, behind a line
 * that says how many were dropped so far.  Trimming at twice the cap
 * while the handler writes keeps the copying rare. */
static void
trim_log(struct slot *s, off_t keep_over)
{
	off_t data = s->log_size - s->log_head;
	char *buf, *mark;
	size_t mlen;
	ssize_t n;

	if (s->log_fd < 0 || data <= keep_over)
		return;
	buf = xmalloc(LOG_CAP);
	n = pread(s->log_fd, buf, LOG_CAP, s->log_size - LOG_CAP);
	if (n == LOG_CAP) {
		s->log_dropped += data - LOG_CAP;
		mark = xasprintf("[jobq: %lld earlier bytes of stderr dropped: "
		    "the log keeps the last %d]\n", (long long)s->log_dropped,
		    LOG_CAP);
		mlen = strlen(mark);
		if (pwrite(s->log_fd, mark, mlen, 0) == (ssize_t)mlen &&
		    pwrite(s->log_fd, buf, LOG_CAP, (off_t)mlen) == LOG_CAP &&
		    ftruncate(s->log_fd, (off_t)mlen + LOG_CAP) == 0) {
			s->log_head = (off_t)mlen;
			s->log_size = (off_t)mlen + LOG_CAP;
		}
		free(mark);
	}
	free(buf);
}

static void
progress_line(struct slot *s, const char *line, size_t len)
{
	const char *message;
	double percent;
	int64_t done, total;

	if (!progress_parse(line, len, &percent, &done, &total, &message))
		return;		/* not a progress line: ignored */
	s->percent = percent;
	s->done = done;
	s->total = total;
	free(s->message);
	s->message = message ? xstrdup(message) : NULL;
	s->progress_dirty = true;
}

static void
progress_bytes(struct slot *s, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\n') {
			s->line[s->line_len] = '\0';
			if (!s->line_overlong)
				progress_line(s, s->line, s->line_len);
			s->line_len = 0;
			s->line_overlong = false;
		} else if (s->line_len < sizeof(s->line) - 1)
			s->line[s->line_len++] = c;
		else
			s->line_overlong = true;
	}
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
slot_read(struct slot *s, int fd)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		if (fd == s->ch.out_fd) {
			/* Past the cap, keep reading so the handler never
			 * blocks on a full pipe, and keep nothing. */
			size_t room = RESULT_CAP - s->out_len;
			size_t take = (size_t)n < room ? (size_t)n : room;

			if (take > 0) {
				if (s->out == NULL)
					s->out = xmalloc(RESULT_CAP);
				memcpy(s->out + s->out_len, buf, take);
				s->out_len += take;
			}
			if ((size_t)n > take)
				s->out_truncated = true;
		} else if (fd == s->ch.err_fd) {
			if (open_log(s) && pwrite(s->log_fd, buf, (size_t)n,
			    s->log_size) == n)
				s->log_size += n;
			else if (s->log_fd < 0)
				s->log_lost += n;
			trim_log(s, 2 * LOG_CAP);
		} else
			progress_bytes(s, buf, (size_t)n);
	}
	/* End of file (or an error that amounts to it). */
	if (fd == s->ch.out_fd)
		close_fd(&s->ch.out_fd);
	else if (fd == s->ch.err_fd)
		close_fd(&s->ch.err_fd);
	else if (fd == s->ch.progress_fd)
		close_fd(&s->ch.progress_fd);
}

bool
slot_pipes_closed(const struct slot *s)
{
	return s->ch.out_fd < 0 && s->ch.err_fd < 0 && s->ch.progress_fd < 0;
}

void
slot_flush_progress(struct slot *s, const struct slot_env *env, bool force)
{
	int64_t now = mono_ms();

	if (!s->progress_dirty)
		return;
	if (!force && now - s->progress_stored < PROGRESS_INTERVAL_MS)
		return;
	env->save_progress(env->arg, &s->job, s->percent, s->done, s->total,
	    s->message);
	s->progress_dirty = false;
	s->progress_stored = now;
}

void
slot_outcome(const struct slot *s, struct attempt_end *e)
{
	memset(e, 0, sizeof(*e));
	e->stop = s->reason;
	e->exit_code = -1;
	e->timeout_ms = s->job.timeout_ms;
	if (s->start_error != NULL) {
		e->stop = s->start_passing ? STOP_START_PASSING :
		    STOP_START_LASTING;
		e->start_error = s->start_error;
	} else if (WIFEXITED(s->wstatus))
		e->exit_code = WEXITSTATUS(s->wstatus);
	else if (WIFSIGNALED(s->wstatus))
		e->signal = WTERMSIG(s->wstatus);
}

char *
slot_log_read(struct slot *s, size_t *len)
{
	char *buf;
	ssize_t n;

	*len = 0;
	if (s->log_fd < 0)
		return NULL;
	if (s->ch.err_fd < 0)
		trim_log(s, LOG_CAP);
	buf = xmalloc((size_t)s->log_size + 1);
	n = pread(s->log_fd, buf, (size_t)s->log_size, 0);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

void
slot_clear(struct slot *s)
{
	close_fd(&s->ch.out_fd);
	close_fd(&s->ch.err_fd);
	close_fd(&s->ch.progress_fd);
	close_fd(&s->run_fd);
	close_fd(&s->ch.go_fd);
	close_fd(&s->ch.report_fd);
	free_spawn(s);
	if (s->log_fd >= 0) {
		trim_log(s, LOG_CAP);
		close(s->log_fd);
	}
	free(s->out);
	free(s->log_copy);
	free(s->message);
	free(s->start_error);
	job_clear(&s->job);
	memset(s, 0, sizeof(*s));
	s->log_fd = s->run_fd = -1;
	s->ch.out_fd = s->ch.err_fd = s->ch.progress_fd = -1;
	s->ch.go_fd = s->ch.report_fd = -1;
}
