/* wake.h: sleeping until the spool changes.  Writers touch the spool's
 * wake file; sleepers watch it, and the spool directory for it or the
 * database being replaced, with inotify, or poll slowly where inotify is
 * not to be had. */
#ifndef WAKE_H
#define WAKE_H

#include <stdbool.h>

#include "spool.h"

struct waker {
	int fd;			/* inotify, or -1: poll only */
	int dir_wd;		/* the spool directory's watch */
	int file_wd;		/* the wake file's, or -1 while it is gone */
	const char *dir;	/* the spool's, which outlives us */
	char *wake_path;
	bool spool_moved;	/* the spool or its database removed,
				   replaced, or events lost: set by
				   waker_drain, cleared by its reader */
};

void waker_open(struct waker *w, const struct spool *sp);
void waker_close(struct waker *w);

/* Reads pending events; true if the wake file was touched or the spool
 * moved (see spool_moved).  Call before looking at the store, so a
 * change after the look is not lost. */
bool waker_drain(struct waker *w);

/* How long to sleep at most when nothing else is due, in ms. */
#define WAKE_POLL_MS_INOTIFY 5000
#define WAKE_POLL_MS_NOINOTIFY 250
int waker_poll_ms(const struct waker *w);

#endif
