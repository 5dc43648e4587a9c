/* supervise.c: handler processes: spawn, signal, reap. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervise.h"

void
prepare_descriptors(void)
{
	for (int fd = 0; fd <= JOBQ_PROGRESS_FD; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0 && nul != fd) {
			dup2(nul, fd);
			close(nul);
		}
		if (fd == JOBQ_PROGRESS_FD)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	/* Whatever our parent left open must not reach the handlers. */
	if (close_range(JOBQ_PROGRESS_FD, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);

		if (fd >= JOBQ_PROGRESS_FD && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
}

int64_t
process_start_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields are
	 * counted from the last ')'.  starttime is field 22. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (p == NULL)
			return -1;
	}
	if (sscanf(p, " %llu", &start) != 1)
		return -1;
	return (int64_t)start;
}

int
signal_recorded_group(pid_t pgid, int64_t start_ticks, int sig)
{
	int64_t now_start;

	if (pgid <= 1)
		return -1;
	now_start = process_start_ticks(pgid);
	if (now_start >= 0 && now_start != start_ticks)
		return -1;	/* the pid is someone else's now */
	return kill(-pgid, sig);
}

static int
make_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	return 0;
}

static void
close_pair(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

int
spawn_handler(const struct spawn_req *req, struct child *c,
    const char **why)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, prog[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	pid_t pid;
	int rc;

	*why = "cannot make pipes";
	if (make_pipe(out) < 0 || make_pipe(err) < 0 || make_pipe(prog) < 0) {
		rc = errno;
		close_pair(out);
		close_pair(err);
		close_pair(prog);
		return rc;
	}

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, req->stdin_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawn_file_actions_adddup2(&fa, prog[1], JOBQ_PROGRESS_FD);
	posix_spawn_file_actions_adddup2(&fa, req->lock_fd, JOBQ_LOCK_FD);
	/* Everything else of ours is close-on-exec; this also catches
	 * anything above the lock descriptor. */
	posix_spawn_file_actions_addclosefrom_np(&fa, JOBQ_LOCK_FD + 1);
	if (req->cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, req->cwd);

	/* Its own group, default dispositions and an empty mask: the worker
	 * blocks signals for signalfd, and the handler must not inherit
	 * that, or SIGTERM would never reach it. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

	if (req->search_path)
		rc = posix_spawnp(&pid, req->path, &fa, &attr, req->argv,
		    req->envp);
	else
		rc = posix_spawn(&pid, req->path, &fa, &attr, req->argv,
		    req->envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(out[1]);
	close(err[1]);
	close(prog[1]);
	if (rc != 0) {
		*why = "cannot start";
		close(out[0]);
		close(err[0]);
		close(prog[0]);
		return rc;
	}
	c->pid = pid;
	c->start_ticks = process_start_ticks(pid);
	c->out_fd = out[0];
	c->err_fd = err[0];
	c->progress_fd = prog[0];
	return 0;
}

pid_t
reap_exited_child(int *wstatus)
{
	siginfo_t si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (si.si_pid == 0)
			return 0;
		/* The leader is a zombie until we reap it, so its group id
		 * is still its group's: stray members die with it. */
		kill(-si.si_pid, SIGKILL);
		while (waitpid(si.si_pid, wstatus, 0) < 0) {
			if (errno != EINTR)
				return 0;
		}
		return si.si_pid;
	}
}
