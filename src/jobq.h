/* jobq.h: what every command shares: exit statuses and the global
 * options. */
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
/* --color=WHEN */
enum color_when { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct global_opts {
	const char *dir;	/* --dir, NULL: $JOBQ_DIR or the default */
	const char *db;		/* --db, NULL: $JOBQ_DB, or the spool's
				   own database */
	bool json;		/* --json */
	enum color_when color;	/* --color */
};

/* --color's value (NULL: given alone, which is always) into *when; false
 * if it is none of auto, always, never. */
bool parse_color_when(const char *arg, enum color_when *when);
extern struct global_opts g_opts;

/* Bytes of the original command line, which the process title replaces. */
extern size_t g_title_room;


/* Worst of two exit statuses: the higher one wins. */
static inline int
worst_status(int a, int b)
{
	return a > b ? a : b;
}

#endif
