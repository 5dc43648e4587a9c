/* outcheck.c: checking standard output the way every command must; see
 * outcheck.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jobq.h"
#include "outcheck.h"
#include "util.h"

static int failed;	/* errno of the first failure, 0 while fine */
static bool reported;

int
out_error(void)
{
	/* stdio keeps no errno with its error flag: a flush that has bytes
	 * to write says it afresh, else the failed write's errno is the
	 * best we have. */
	int before = errno;

	if (failed != 0)
		return failed;
	if (fflush(stdout) == EOF)
		failed = errno != 0 ? errno : EIO;
	else if (ferror(stdout))
		failed = before != 0 ? before : EIO;
	return failed;
}

bool
out_ok(int *rc)
{
	int e;

	if (failed == 0 && !ferror(stdout))
		return true;
	if ((e = out_error()) == 0)
		return true;
	if (e != EPIPE) {
		if (!reported)
			cmd_warnx("cannot write output: %s", strerror(e));
		*rc = worst_status(*rc, EXIT_IOERR);
	}
	reported = true;
	return false;
}

void
out_reported(void)
{
	reported = true;
}

int
out_close(int rc)
{
	(void)out_error();
	if (out_ok(&rc) && fclose(stdout) == EOF) {
		/* Some filesystems report a lost write only on close. */
		failed = errno;
		if (failed != EPIPE) {
			if (!reported)
				cmd_warnx("cannot write output: %s",
				    strerror(failed));
			rc = worst_status(rc, EXIT_IOERR);
		}
	}
	return rc;
}
