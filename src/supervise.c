/* supervise.c: handler processes: spawn, signal, reap. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "supervise.h"
#include "util.h"

/* -DJOBQ_SPAWN_FORK builds the fork(2) path, the one other machines
 * use. */
#if defined(__x86_64__) && !defined(JOBQ_SPAWN_FORK)
#define SPAWN_SHARED_VM 1	/* see vm_child */
#endif

void
prepare_descriptors(void)
{
	/* main() made sure of 0, 1 and 2; the progress descriptor's
	 * number must not be taken by one of ours either. */
	if (fcntl(JOBQ_PROGRESS_FD, F_GETFD) < 0) {
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (nul >= 0 && nul != JOBQ_PROGRESS_FD) {
			dup3(nul, JOBQ_PROGRESS_FD, O_CLOEXEC);
			close(nul);
		}
	}
	/* Whatever our parent left open must not reach the handlers. */
	if (close_range(JOBQ_PROGRESS_FD, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		long long fd;

		/* "." and ".." are no descriptors. */
		if (parse_int(e->d_name, 0, INT_MAX, &fd) &&
		    fd >= JOBQ_PROGRESS_FD && fd != dirfd(d))
			fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
}

const char *
signal_name(int sig, char *buf, size_t size)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev != NULL)
		snprintf(buf, size, "SIG%s", abbrev);
	else
		snprintf(buf, size, "SIG%d", sig);
	return buf;
}

static int
make_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	/* The read end only: the handler's end stays blocking.  A new
	 * pipe's end has no other status flag to keep. */
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
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

/* The descriptors of one spawn. */
struct spawn_fds {
	int out[2], err[2], prog[2];
	int report[2];		/* child -> worker: exec's errno */
	int go[2];		/* worker -> child: the group is recorded */
};

/* The kernel's struct sigaction, for rt_sigaction(2) itself: what a
 * child sets every signal back to before its exec. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void *restorer;
	unsigned long mask;
};

#ifndef SPAWN_SHARED_VM
/* Every signal back to its default action.  The kernel's call, not
 * sigaction(3): glibc will not touch the two real-time signals it keeps
 * for itself, and its posix_spawn leaves them ignored in the child, where
 * exec keeps them ignored. */
static void
default_all_signals(void)
{
	struct kernel_sigaction ksa = { SIG_DFL, 0, NULL, 0 };

	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &ksa, NULL,
			    sizeof(ksa.mask));
}

/* The child between fork and exec: only system calls, then exec.  The
 * worker is single-threaded, so no lock can be held across the fork. */

static void __attribute__((noreturn))
child(const struct spawn_req *req, const struct spawn_fds *f)
{
	int out = f->out[1], err = f->err[1], prog = f->prog[1];
	int report = f->report[1], go = f->go[0];
	sigset_t none;
	char c;
	int e;

	/* The worker's ends: with go's write end closed here, the read
	 * below sees end of file when the worker dies, instead of waiting
	 * forever on a descriptor we hold ourselves. */
	close(f->go[1]);
	close(f->report[0]);
	close(f->out[0]);
	close(f->err[0]);
	close(f->prog[0]);
	setpgid(0, 0);
	/* Wait for the worker to record our process group: a handler must
	 * never run unrecorded, where no rescuer could stop it.  End of
	 * file means the worker died first: then do not run at all. */
	while ((e = (int)read(go, &c, 1)) < 0 && errno == EINTR)
		;
	if (e != 1)
		_exit(127);
	default_all_signals();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* A worker with a thousand descriptors may hold the run lock on
	 * JOBQ_LOCK_FD itself: dup2 onto itself would keep close-on-exec. */
	if (dup2(req->stdin_fd, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(err, 2) < 0 || dup2(prog, JOBQ_PROGRESS_FD) < 0 ||
	    (req->lock_fd == JOBQ_LOCK_FD ?
	    fcntl(JOBQ_LOCK_FD, F_SETFD, 0) :
	    dup2(req->lock_fd, JOBQ_LOCK_FD)) < 0)
		goto fail;
	/* Ours are close-on-exec already; this also catches what a
	 * library may have opened without it.  Close-on-exec, not closed:
	 * the report pipe must live until exec. */
	close_range(JOBQ_PROGRESS_FD + 1, JOBQ_LOCK_FD - 1,
	    CLOSE_RANGE_CLOEXEC);
	close_range(JOBQ_LOCK_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC);
	if (req->cwd != NULL && chdir(req->cwd) < 0)
		goto fail;
	/* One execve: an exec job's command was found on PATH before the
	 * fork.  A file without #! is a shell script to execvp, and so to
	 * us. */
	execve(req->path, req->argv, req->envp);
	if (errno == ENOEXEC && req->sh_argv != NULL)
		execve("/bin/sh", req->sh_argv, req->envp);
fail:
	e = errno;
	(void)!write(report, &e, sizeof(e));
	_exit(127);
}
#endif

/* "cannot start handler PATH in CWD: ERROR", malloc'd.  An exec job's
 * program is a command, found on PATH. */
static char *
spawn_error(const struct spawn_req *req, const char *what, int e)
{
	return xasprintf("%s %s %s%s%s: %s", what,
	    req->search_path ? "command" : "handler", req->path,
	    req->cwd ? " in " : "", req->cwd ? req->cwd : "", strerror(e));
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

#ifdef SPAWN_SHARED_VM
/* The child shares the worker's memory (clone with CLONE_VM) from the
 * fork to its exec: no page tables to copy, and no page copied on write
 * while it waits to be recorded and the worker writes the record.  The
 * worker does not wait for it (no CLONE_VFORK: it must record the group
 * first), so the child runs on a stack of its own and must write nothing
 * but that stack.  glibc's wrappers set errno, which is the worker's
 * (the child has the worker's thread pointer): the child makes its system
 * calls itself, and errors come back as -errno. */
#define CHILD_STACK (64 * 1024)

static inline __attribute__((always_inline)) long
raw_syscall(long n, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile ("syscall" : "=a"(ret)
	    : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
	    : "rcx", "r11", "memory");
	return ret;
}

/* What the child reads, copied onto its own stack's far end: the
 * spawn_req's strings must stay unchanged until spawn_confirm (slot.c
 * keeps them). */
struct vm_arg {
	struct spawn_req req;
	struct spawn_fds f;
};

/* Stacks of children from spawn_begin until they are reaped, reused. */
static struct {
	void *base;
	pid_t pid;		/* 0: free */
} *stacks;
static size_t nstacks;

static int
stack_take(void)
{
	size_t i;

	for (i = 0; i < nstacks; i++)
		if (stacks[i].base != NULL && stacks[i].pid == 0)
			return (int)i;
	stacks = xrealloc(stacks, (nstacks + 1) * sizeof(*stacks));
	stacks[nstacks].base = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	stacks[nstacks].pid = 0;
	if (stacks[nstacks].base == MAP_FAILED) {
		stacks[nstacks].base = NULL;
		return -1;
	}
	return (int)nstacks++;
}

/* The child of pid is reaped: it no longer runs on our memory. */
static void
stack_give(pid_t pid)
{
	for (size_t i = 0; i < nstacks; i++)
		if (stacks[i].pid == pid && pid > 0)
			stacks[i].pid = 0;
}

static int __attribute__((no_sanitize("address", "undefined"),
    no_stack_protector))
vm_child(void *p)
{
	const struct vm_arg *a = p;
	const struct spawn_req *req = &a->req;
	const struct spawn_fds *f = &a->f;
	struct kernel_sigaction ksa = { SIG_DFL, 0, NULL, 0 };
	unsigned long none = 0;
	char c;
	long e;

	/* As child() below, in system calls only. */
	raw_syscall(SYS_close, f->go[1], 0, 0, 0);
	raw_syscall(SYS_close, f->report[0], 0, 0, 0);
	raw_syscall(SYS_close, f->out[0], 0, 0, 0);
	raw_syscall(SYS_close, f->err[0], 0, 0, 0);
	raw_syscall(SYS_close, f->prog[0], 0, 0, 0);
	raw_syscall(SYS_setpgid, 0, 0, 0, 0);
	while ((e = raw_syscall(SYS_read, f->go[0], (long)&c, 1, 0)) ==
	    -EINTR)
		;
	if (e != 1)
		raw_syscall(SYS_exit_group, 127, 0, 0, 0);
	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			raw_syscall(SYS_rt_sigaction, sig, (long)&ksa, 0,
			    sizeof(ksa.mask));
	raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0,
	    sizeof(none));
	if ((e = raw_syscall(SYS_dup2, req->stdin_fd, 0, 0, 0)) < 0 ||
	    (e = raw_syscall(SYS_dup2, f->out[1], 1, 0, 0)) < 0 ||
	    (e = raw_syscall(SYS_dup2, f->err[1], 2, 0, 0)) < 0 ||
	    (e = raw_syscall(SYS_dup2, f->prog[1], JOBQ_PROGRESS_FD, 0,
	    0)) < 0 ||
	    (e = req->lock_fd == JOBQ_LOCK_FD ?
	    raw_syscall(SYS_fcntl, JOBQ_LOCK_FD, F_SETFD, 0, 0) :
	    raw_syscall(SYS_dup2, req->lock_fd, JOBQ_LOCK_FD, 0, 0)) < 0)
		goto fail;
	raw_syscall(SYS_close_range, JOBQ_PROGRESS_FD + 1, JOBQ_LOCK_FD - 1,
	    CLOSE_RANGE_CLOEXEC, 0);
	raw_syscall(SYS_close_range, JOBQ_LOCK_FD + 1, ~0U,
	    CLOSE_RANGE_CLOEXEC, 0);
	if (req->cwd != NULL &&
	    (e = raw_syscall(SYS_chdir, (long)req->cwd, 0, 0, 0)) < 0)
		goto fail;
	e = raw_syscall(SYS_execve, (long)req->path, (long)req->argv,
	    (long)req->envp, 0);
	if (e == -ENOEXEC && req->sh_argv != NULL)
		e = raw_syscall(SYS_execve, (long)"/bin/sh",
		    (long)req->sh_argv, (long)req->envp, 0);
fail:
	{
		int err = (int)-e;

		raw_syscall(SYS_write, f->report[1], (long)&err, sizeof(err),
		    0);
	}
	raw_syscall(SYS_exit_group, 127, 0, 0, 0);
	return 127;
}
#endif

int
spawn_begin(const struct spawn_req *req, struct child *c, char **cause)
{
	struct spawn_fds f = {
		{ -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 },
	};
	const char *what = "cannot make pipes for";
	struct proc_stat ps;
	int rc = 0;
	pid_t pid;

	c->pid = 0;
	c->out_fd = c->err_fd = c->progress_fd = -1;
	c->go_fd = c->report_fd = -1;
	if (make_pipe(f.out) < 0 || make_pipe(f.err) < 0 ||
	    make_pipe(f.prog) < 0 || pipe2(f.report, O_CLOEXEC) < 0 ||
	    pipe2(f.go, O_CLOEXEC) < 0) {
		rc = errno;
		goto out;
	}
	what = "cannot start";
#ifdef SPAWN_SHARED_VM
	int st;

	if ((st = stack_take()) < 0) {
		rc = errno;
		goto out;
	}
	struct vm_arg *a = stacks[st].base;

	sigset_t all, old;

	a->req = *req;
	a->f = f;
	/* Every signal blocked from its first instruction until it has
	 * set them all to their defaults: no handler of ours may ever run
	 * in it, on our memory. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(vm_child, (char *)stacks[st].base + CHILD_STACK,
	    CLONE_VM | SIGCHLD, a);
	rc = pid < 0 ? errno : 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0)
		goto out;
	stacks[st].pid = pid;
#else
	if ((pid = fork()) < 0) {
		rc = errno;
		goto out;
	}
	if (pid == 0)
		child(req, &f);
#endif
	/* Both sides set the group, so it exists when it is recorded. */
	setpgid(pid, pid);
	c->pid = pid;
	c->start_ticks = proc_stat_read(pid, &ps) ? ps.start : -1;
	c->go_fd = f.go[1];
	c->report_fd = f.report[0];
	c->out_fd = f.out[0];
	c->err_fd = f.err[0];
	c->progress_fd = f.prog[0];
	f.go[1] = f.report[0] = f.out[0] = f.err[0] = f.prog[0] = -1;
out:
	if (rc != 0)
		*cause = spawn_error(req, what, rc);
	close_pair(f.out);
	close_pair(f.err);
	close_pair(f.prog);
	close_pair(f.report);
	close_pair(f.go);
	return rc;
}

int
spawn_release(const struct spawn_req *req, struct child *c, bool go,
    char **cause)
{
	int e = 0;

	if (go) {
		/* Its exec is not waited for: spawn_confirm reads the
		 * report once the child has been reaped. */
		(void)!write(c->go_fd, "g", 1);
		close_fd(&c->go_fd);
		return 0;
	} else {
		kill(c->pid, SIGKILL);
		e = ECANCELED;
	}
	close_fd(&c->go_fd);
	close_fd(&c->report_fd);
	while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
		;
#ifdef SPAWN_SHARED_VM
	stack_give(c->pid);
#endif
	close_fd(&c->out_fd);
	close_fd(&c->err_fd);
	close_fd(&c->progress_fd);
	(void)req;
	(void)cause;
	return e;
}

int
spawn_confirm(const struct spawn_req *req, struct child *c, char **cause)
{
	int e = 0;

	/* The report pipe closed on a successful exec; otherwise it
	 * carries errno.  The child is reaped: nothing to wait for. */
	if (c->report_fd >= 0)
		while (read(c->report_fd, &e, sizeof(e)) < 0 && errno == EINTR)
			;
	close_fd(&c->report_fd);
#ifdef SPAWN_SHARED_VM
	stack_give(c->pid);
#endif
	if (e == 0)
		return 0;
	*cause = spawn_error(req, "cannot start", e);
	return e;
}

pid_t
reap_exited_child(int *wstatus, bool (*is_handler)(pid_t, void *),
    void *arg)
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
		/* A subreaper also inherits what handlers left running when
		 * they exited: such a process leads no group of ours, so it
		 * is only reaped, and nothing is signalled. */
		if (!is_handler(si.si_pid, arg)) {
			while (waitpid(si.si_pid, NULL, 0) < 0 &&
			    errno == EINTR)
				;
			continue;
		}
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
