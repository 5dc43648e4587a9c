/* proc.c: processes found through /proc, signalled through pidfds.  Used
 * by recovery and by a stopping worker to reach what a handler left
 * behind: members of its process group and holders of its run lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

/* A /proc entry name as a pid; false for anything else. */
static bool
parse_pid(const char *name, pid_t *pid)
{
	long long v;

	if (!parse_int(name, 1, INT32_MAX, &v))
		return false;
	*pid = (pid_t)v;
	return true;
}

bool
proc_stat_read(pid_t pid, struct proc_stat *ps)
{
	char path[64], buf[1024], *p, *end;
	long long v;
	struct stat sb;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0 || fstat(fd, &sb) < 0) {
		close(fd);
		return false;
	}
	close(fd);
	buf[n] = '\0';
	ps->uid = sb.st_uid;
	/* The command name may hold spaces and parentheses: fields are
	 * counted from the last ')'.  state is field 3, pgrp 5, starttime
	 * 22. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return false;
	p += 2;
	ps->state = *p;
	for (field = 3; field < 22; field++) {
		if ((p = strchr(p, ' ')) == NULL)
			return false;
		p++;
		if (field + 1 != 5 && field + 1 != 22)
			continue;
		errno = 0;
		v = strtoll(p, &end, 10);
		if (errno != 0 || end == p)
			return false;
		if (field + 1 == 5)
			ps->pgrp = (pid_t)v;
		else
			ps->start = (int64_t)v;
	}
	return true;
}

static void
add_ref(struct proc_ref **v, size_t *n, pid_t pid, int64_t start)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].pid = pid;
	(*v)[*n].start = start;
	(*n)++;
}

size_t
proc_group_members(pid_t pgid, int64_t leader_start, uid_t uid,
    struct proc_ref **out)
{
	struct proc_stat ps;
	struct dirent *e;
	DIR *d;
	size_t n = 0;
	pid_t pid;

	*out = NULL;
	if (pgid <= 1)
		return 0;
	/* A pid is never given out while a group still uses it as its id,
	 * so a leader with another start time means our group is gone. */
	if (proc_stat_read(pgid, &ps) && ps.start != leader_start)
		return 0;
	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!parse_pid(e->d_name, &pid) || !proc_stat_read(pid, &ps))
			continue;
		if (ps.pgrp == pgid && ps.uid == uid && ps.state != 'Z')
			add_ref(out, &n, pid, ps.start);
	}
	closedir(d);
	return n;
}

/* Whether process pid has the file (dev, ino) open. */
static bool
holds(pid_t pid, dev_t dev, ino_t ino)
{
	char path[64];
	struct dirent *e;
	struct stat sb;
	bool found = false;
	DIR *d;
	int dfd;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return false;
	dfd = dirfd(d);
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		/* stat follows the magic link to the open file itself,
		 * even when its name was unlinked. */
		if (fstatat(dfd, e->d_name, &sb, 0) == 0 &&
		    sb.st_dev == dev && sb.st_ino == ino)
			found = true;
	}
	closedir(d);
	return found;
}

size_t
proc_file_holders(const char *path, uid_t uid, struct proc_ref **out)
{
	struct proc_stat ps;
	struct dirent *e;
	struct stat sb;
	DIR *d;
	size_t n = 0;
	pid_t pid, self = getpid();

	*out = NULL;
	if (stat(path, &sb) < 0 || (d = opendir("/proc")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!parse_pid(e->d_name, &pid) || pid == self ||
		    !proc_stat_read(pid, &ps) ||
		    (uid != PROC_ANY_UID && ps.uid != uid) || ps.state == 'Z')
			continue;
		if (holds(pid, sb.st_dev, sb.st_ino))
			add_ref(out, &n, pid, ps.start);
	}
	closedir(d);
	return n;
}

size_t
proc_signal_all(const struct proc_ref *procs, size_t n, int sig)
{
	struct proc_stat ps;
	size_t sent = 0;
	int fd;

	for (size_t i = 0; i < n; i++) {
		if ((fd = pidfd_open(procs[i].pid, 0)) < 0)
			continue;
		/* The pidfd names one process for good: if that pid still
		 * started when we saw it, it is the one we found, and the
		 * signal cannot reach whoever gets the pid next. */
		if (proc_stat_read(procs[i].pid, &ps) &&
		    ps.start == procs[i].start &&
		    pidfd_send_signal(fd, sig, NULL, 0) == 0)
			sent++;
		close(fd);
	}
	return sent;
}

const char *
proc_boot_id(void)
{
	static char id[64];
	static bool read_once;
	ssize_t n = 0;
	int fd;

	if (read_once)
		return id;
	read_once = true;
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, id, sizeof(id) - 1);
		close(fd);
	}
	if (n < 0)
		n = 0;
	id[n] = '\0';
	id[strcspn(id, "\n")] = '\0';
	return id;
}

int64_t
boot_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
