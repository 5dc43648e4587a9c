/* timefmt.c: durations and timestamps in the forms jobq(1) documents. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

static const struct unit {
	const char *suffix;
	int64_t ms;
} units[] = {
	/* Longest suffix first, so "ms" is not read as "m" then "s". */
	{ "ms", 1 }, { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 },
	{ "s", 1000 },
};

#define DURATION_MAX_MS ((int64_t)100 * 365 * 86400000)

bool
parse_duration(const char *s, int64_t *out)
{
	int64_t total = 0, last_unit = INT64_MAX;
	const char *p = s;

	if (*s == '\0')
		return false;
	while (*p != '\0') {
		int64_t n = 0;
		const struct unit *u = NULL;

		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9') {
			n = n * 10 + (*p++ - '0');
			if (n > DURATION_MAX_MS)
				return false;
		}
		if (*p == '\0') {
			/* A bare number is seconds, but only on its own. */
			if (p != s && total != 0)
				return false;
			if (last_unit != INT64_MAX)
				return false;
			total = n * 1000;
			break;
		}
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t len = strlen(units[i].suffix);

			if (strncmp(p, units[i].suffix, len) == 0) {
				u = &units[i];
				p += len;
				break;
			}
		}
		/* Units must go from largest to smallest, each once. */
		if (u == NULL || u->ms >= last_unit)
			return false;
		last_unit = u->ms;
		/* n fits in the limit but n days need not fit in 64 bits:
		 * compare before multiplying. */
		if (n > (DURATION_MAX_MS - total) / u->ms)
			return false;
		total += n * u->ms;
	}
	if (total > DURATION_MAX_MS)
		return false;
	*out = total;
	return true;
}

void
format_duration(int64_t ms, char *buf, size_t size)
{
	static const struct unit order[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 },
		{ "s", 1000 }, { "ms", 1 },
	};
	size_t off = 0;

	if (ms <= 0) {
		snprintf(buf, size, "0s");
		return;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int64_t n = ms / order[i].ms;

		if (n == 0)
			continue;
		ms -= n * order[i].ms;
		if (off < size)
			off += snprintf(buf + off, size - off, "%lld%s",
			    (long long)n, order[i].suffix);
	}
}

/* Whole seconds, rounded down: C division rounds toward zero, which
 * made 250 ms before 1970 "00:00:00.-250". */
static time_t
seconds(int64_t ms)
{
	return (time_t)(ms / 1000 - (ms % 1000 < 0));
}

void
format_rfc3339(int64_t ms, char *buf, size_t size)
{
	time_t t = seconds(ms);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms - (int64_t)t * 1000));
}

void
format_local(int64_t ms, char *buf, size_t size)
{
	time_t t = seconds(ms);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}
