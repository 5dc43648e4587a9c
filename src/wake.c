/* wake.c: inotify on the spool directory, filtered to the wake file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "wake.h"

void
waker_open(struct waker *w, const struct spool *sp)
{
	/* Watch the directory, not the file: a file can be replaced. */
	w->spool_moved = false;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return;		/* out of instances: poll instead */
	/* The spool itself, or its database, going away wakes us too: the
	 * worker then finds out it has lost its spool. */
	if (inotify_add_watch(w->fd, sp->dir, IN_CLOSE_WRITE | IN_ATTRIB |
	    IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
	    IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		close(w->fd);
		w->fd = -1;
	}
}

void
waker_close(struct waker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

bool
waker_drain(struct waker *w)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool woken = false;
	ssize_t n;

	if (w->fd < 0)
		return true;
	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->len > 0 &&
			    strcmp(ev->name, SPOOL_WAKE_FILE) == 0)
				woken = true;
			/* The database removed or replaced. */
			if (ev->len > 0 && (ev->mask & (IN_DELETE |
			    IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE)) &&
			    strcmp(ev->name, "jobq.db") == 0)
				woken = w->spool_moved = true;
			if (ev->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF |
			    IN_MOVE_SELF | IN_IGNORED))
				woken = w->spool_moved = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return woken;
}

int
waker_poll_ms(const struct waker *w)
{
	return w->fd >= 0 ? WAKE_POLL_MS_INOTIFY : WAKE_POLL_MS_NOINOTIFY;
}
