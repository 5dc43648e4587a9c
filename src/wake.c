/* wake.c: inotify on the spool's wake file, and on the spool directory
 * for the wake file or the database being replaced. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "wake.h"

/* Touching the wake file: a writer closing it (IN_CLOSE_WRITE), or
 * touch(1) setting its times. */
#define FILE_EVENTS (IN_CLOSE_WRITE | IN_ATTRIB | IN_DONT_FOLLOW)
/* Names coming and going: not the database's closes, which every
 * command makes and which would wake each sleeper for nothing. */
#define DIR_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | \
	IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* (Re)watches the wake file as it is now; a missing one is watched
 * again when the directory sees it come back.  One that cannot be
 * watched (not readable by us) is watched through the directory, as
 * closes and touches of any of its files. */
static void
watch_file(struct waker *w)
{
	w->file_wd = inotify_add_watch(w->fd, w->wake_path, FILE_EVENTS);
	if (w->file_wd < 0 && errno != ENOENT)
		inotify_add_watch(w->fd, w->dir, DIR_EVENTS | FILE_EVENTS);
}

void
waker_open(struct waker *w, const struct spool *sp)
{
	w->spool_moved = false;
	w->file_wd = -1;
	w->wake_path = NULL;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return;		/* out of instances: poll instead */
	/* The spool itself, or its database, going away wakes us too: the
	 * worker then finds out it has lost its spool. */
	w->dir = sp->dir;
	w->dir_wd = inotify_add_watch(w->fd, w->dir, DIR_EVENTS);
	if (w->dir_wd < 0) {
		close(w->fd);
		w->fd = -1;
		return;
	}
	w->wake_path = spool_path(sp, SPOOL_WAKE_FILE);
	watch_file(w);
}

void
waker_close(struct waker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->wake_path);
	w->wake_path = NULL;
}

bool
waker_drain(struct waker *w)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool woken = false, rewatch = false;
	ssize_t n;

	if (w->fd < 0)
		return true;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				woken = w->spool_moved = rewatch = true;
				continue;
			}
			if (ev->wd == w->file_wd) {
				/* Touched; or removed (IN_IGNORED), and
				 * watched again if it comes back. */
				woken = true;
				if (ev->mask & IN_IGNORED)
					w->file_wd = -1;
				continue;
			}
			if (ev->wd != w->dir_wd)
				continue;	/* a replaced file's old watch */
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF |
			    IN_IGNORED)) {
				woken = w->spool_moved = true;
				continue;
			}
			if (ev->len == 0)
				continue;	/* the directory's own times */
			if (strcmp(ev->name, SPOOL_WAKE_FILE) == 0)
				woken = rewatch = true;
			/* The database removed or replaced. */
			else if ((ev->mask & (IN_CREATE | IN_DELETE |
			    IN_MOVED_TO | IN_MOVED_FROM)) &&
			    strcmp(ev->name, "jobq.db") == 0)
				woken = w->spool_moved = true;
		}
	}
	if (rewatch)
		watch_file(w);
	return woken;
}

int
waker_poll_ms(const struct waker *w)
{
	return w->fd >= 0 ? WAKE_POLL_MS_INOTIFY : WAKE_POLL_MS_NOINOTIFY;
}
