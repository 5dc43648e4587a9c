/* proc.h: reading /proc to find the processes of a process group or the
 * holders of an open file, and signalling them by pidfd so that a
 * recycled pid is never hit.  Knows nothing of jobs or SQLite. */
#ifndef PROC_H
#define PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A process as /proc shows it. */
struct proc_ref {
	pid_t pid;
	int64_t start;		/* start time, clock ticks since boot */
};

struct proc_stat {
	char state;		/* 'R', 'S', 'Z', ... */
	pid_t pgrp;
	int64_t start;
	uid_t uid;		/* owner of /proc/PID: the effective uid */
};

/* Reads /proc/PID/stat; false if the process is gone. */
bool proc_stat_read(pid_t pid, struct proc_stat *ps);

/* The live (not zombie) members of process group pgid that belong to
 * uid, in *out (malloc'd); returns how many.  If the group's leader
 * exists and did not start at leader_start, the pid was reused and the
 * group recorded is gone: 0.  A zombie counts as gone: it runs nothing,
 * holds no descriptor, and stays forever under a parent that never
 * reaps (pid 1 of some containers). */
size_t proc_group_members(pid_t pgid, int64_t leader_start, uid_t uid,
    struct proc_ref **out);

/* The processes that have the file at path open (compared by device and
 * inode), except the caller, of uid, or of any user with PROC_ANY_UID;
 * returns how many. */
#define PROC_ANY_UID ((uid_t)-1)
size_t proc_file_holders(const char *path, uid_t uid, struct proc_ref **out);

/* Sends sig to each process that is still the one recorded (same start
 * time), through a pidfd.  Returns how many were signalled. */
size_t proc_signal_all(const struct proc_ref *procs, size_t n, int sig);

/* This boot's id (/proc/sys/kernel/random/boot_id), or "" if unknown. */
const char *proc_boot_id(void);

/* Milliseconds since boot, suspend included (CLOCK_BOOTTIME): only
 * comparable with a time taken under the same boot id. */
int64_t boot_ms(void);

#endif
