/* fuzz_time.c: jobq parses no times yet (no --at); what it has are the
 * formatters every --json time goes through.  For any time from year
 * 1000 to 9999 (before 1970 too: a clock can be wrong), format_rfc3339
 * gives 2026-11-22T23:05:01.250Z that reads back to the same
 * millisecond, and format_local (run in UTC) the same second.  The
 * input's first 8 bytes are the time in ms. */
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "timefmt.h"

#define FIRST_MS (-30610224000000LL)	/* 1000-01-01T00:00:00Z */
#define YEAR9999_MS 253402300799999LL	/* 9999-12-31T23:59:59.999Z */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[TIMEBUF], local[TIMEBUF], want[TIMEBUF];
	uint64_t raw = 0;
	int64_t ms, back;
	struct tm tm = { 0 };
	int y, mo, d, h, mi, s, f, n = -1;

	memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));
	ms = FIRST_MS + (int64_t)(raw % (uint64_t)(YEAR9999_MS - FIRST_MS +
	    1));
	format_rfc3339(ms, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) == 24 && sscanf(buf, "%4d-%2d-%2dT%2d:%2d:"
	    "%2d.%3dZ%n", &y, &mo, &d, &h, &mi, &s, &f, &n) == 7 && n == 24,
	    "%lld gave '%s'", (long long)ms, buf);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	back = (int64_t)timegm(&tm) * 1000 + f;
	FUZZ_CHECK(back == ms && f >= 0 && f <= 999, "%lld gave '%s', which "
	    "reads as %lld", (long long)ms, buf, (long long)back);
	format_local(ms, local, sizeof(local));
	snprintf(want, sizeof(want), "%.10s %.8s", buf, buf + 11);
	FUZZ_CHECK(strcmp(local, want) == 0, "%lld: local '%s', UTC '%s'",
	    (long long)ms, local, buf);
	return 0;
}
