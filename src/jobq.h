/* jobq.h: what every command shares: exit statuses, global options, the
 * command table's entry type. */
#ifndef JOBQ_H
#define JOBQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sysexits.h>

/* Exit statuses, as documented in jobq(1). */
enum {
	EXIT_OK = 0,
	EXIT_JOBFAILED = 1,	/* a job ended other than completed */
	EXIT_USAGE = 2,
	EXIT_NOJOB = 3,
	EXIT_GAVEUP = 4,	/* wait --timeout ran out */
	EXIT_DATAERR = EX_DATAERR,	/* 65: bad input data */
	EXIT_UNAVAILABLE = EX_UNAVAILABLE, /* 69: spool unusable */
	EXIT_SOFTWARE = EX_SOFTWARE,	/* 70: internal error */
	EXIT_IOERR = EX_IOERR,		/* 74: stdout failed */
	EXIT_TEMPFAIL = EX_TEMPFAIL,	/* 75: not yet */
};

/* Options that every command accepts. */
struct global_opts {
	const char *dir;	/* --dir, NULL: $JOBQ_DIR or the default */
	bool json;		/* --json */
};
extern struct global_opts g_opts;

/* Bytes of the original command line, which the process title replaces. */
extern size_t g_title_room;

/* The name of the running command, for error messages. */
extern const char *g_cmdname;

struct cmd_entry {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *summary;
};

int cmd_submit(int, char **);
int cmd_status(int, char **);
int cmd_result(int, char **);
int cmd_wait(int, char **);
int cmd_list(int, char **);
int cmd_cancel(int, char **);
int cmd_worker(int, char **);

/* Long options every command takes besides its own, and their handling. */
#define GLOBAL_LONGOPTS \
	{ "dir", required_argument, NULL, 0x100 }, \
	{ "json", no_argument, NULL, 0x101 }, \
	{ "help", no_argument, NULL, 0x102 }

/* Handles a global option seen by a command's getopt loop.  Returns true
 * if it was one; --help prints usage and exits 0. */
bool global_option(int ch, const char *arg, const char *usage);

/* The usage line of a command, for its own --help and errors. */
const char *command_usage(const char *name);

/* Reports an option getopt_long refused ('?' or ':') and returns
 * EXIT_USAGE. */
int bad_option(int ch, char **argv, const char *usage);

/* Prints "usage: jobq USAGE" to stderr and returns EXIT_USAGE. */
int usage_error(const char *usage);

/* Worst of two exit statuses: the higher one wins. */
static inline int
worst_status(int a, int b)
{
	return a > b ? a : b;
}

#endif
