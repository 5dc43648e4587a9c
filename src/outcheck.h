/* outcheck.h: whether what a command wrote on standard output got there.
 * A failed write is exit 74, never a silently lost answer; a reader that
 * went away early (jobq list | head -1) is no error. */
#ifndef OUTCHECK_H
#define OUTCHECK_H

#include <stdbool.h>

/* Flushes stdout.  0 if everything so far was written, else the errno of
 * the failure (EPIPE: the reader has gone away), the same from then on. */
int out_error(void);

/* For a command that streams: true while stdout takes output.  Once it
 * fails, says so on stderr (unless the reader went away, which is no
 * error) and raises *rc to EXIT_IOERR; the caller stops writing. */
bool out_ok(int *rc);

/* The caller has already said why stdout failed (submit names its id):
 * out_ok() and out_close() stay quiet. */
void out_reported(void);

/* At the end of a command: flushes and closes stdout, and returns rc, or
 * EXIT_IOERR if the output did not get through. */
int out_close(int rc);

#endif
