/* timefmt.c: durations and timestamps in the forms jobq(1) documents. */
#include <stdio.h>
#include <stdlib.h>
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

void
format_span(int64_t ms, char *buf, size_t size)
{
	static const struct {
		int64_t big, small;
		const char *bs, *ss;
	} pairs[] = {
		{ 86400000, 3600000, "d", "h" },
		{ 3600000, 60000, "h", "m" },
		{ 60000, 1000, "m", "s" },
	};

	if (ms < 0)
		ms = 0;
	if (ms < 1000) {
		snprintf(buf, size, "%lldms", (long long)ms);
		return;
	}
	if (ms < 60000) {
		/* Rounded down, so 59999 ms is 59.9s, never 60.0s. */
		snprintf(buf, size, "%lld.%llds", (long long)(ms / 1000),
		    (long long)(ms % 1000 / 100));
		return;
	}
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (ms < pairs[i].big)
			continue;
		snprintf(buf, size, "%lld%s%02lld%s",
		    (long long)(ms / pairs[i].big), pairs[i].bs,
		    (long long)(ms % pairs[i].big / pairs[i].small),
		    pairs[i].ss);
		return;
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

void
format_local_zoned(int64_t ms, char *buf, size_t size)
{
	time_t t = seconds(ms);
	long off, aoff;
	struct tm tm;
	size_t n;

	localtime_r(&t, &tm);
	n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	/* tm_gmtoff, not %z: %z has no colon, which parse_time wants. */
	off = tm.tm_gmtoff / 60;
	aoff = off < 0 ? -off : off;
	if (n > 0)
		snprintf(buf + n, size - n, "%c%02ld:%02ld", off < 0 ? '-' :
		    '+', aoff / 60, aoff % 60);
}

/* The latest time parse_time accepts: 9999-12-31T23:59:59.999Z. */
#define TIME_MAX_MS 253402300799999LL

/* Exactly n digits at *p, moved past. */
static bool
digits_n(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to a civil date (H. Hinnant's algorithm), so a
 * zoned time needs no timegm() and no TZ. */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* A local time to ms; mktime settles a time in a DST gap or overlap as
 * the C library does. */
static bool
local_ms(struct tm *tm, int ms_part, int64_t *out)
{
	time_t t;

	tm->tm_isdst = -1;
	if ((t = mktime(tm)) == (time_t)-1)
		return false;
	*out = (int64_t)t * 1000 + ms_part;
	return true;
}

/* HH:MM: the next time the local clock shows it, after now. */
static bool
parse_clock(const char *p, int64_t now, int64_t *out)
{
	time_t t = seconds(now);
	struct tm tm;
	int h, m;

	if (!digits_n(&p, 2, &h) || *p++ != ':' || !digits_n(&p, 2, &m) ||
	    *p != '\0' || h > 23 || m > 59)
		return false;
	localtime_r(&t, &tm);
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = 0;
	if (!local_ms(&tm, 0, out))
		return false;
	if (*out <= now) {
		localtime_r(&t, &tm);
		tm.tm_mday++;
		tm.tm_hour = h;
		tm.tm_min = m;
		tm.tm_sec = 0;
		if (!local_ms(&tm, 0, out))
			return false;
	}
	return true;
}

/* @UNIX: whole seconds since the epoch. */
static bool
parse_unix(const char *p, int64_t *out)
{
	int64_t v = 0;

	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
		if (v > TIME_MAX_MS / 1000)
			return false;
	}
	*out = v * 1000;
	return true;
}

/* The fraction of a second: one or more digits, milliseconds kept. */
static bool
parse_fraction(const char **p, int *ms)
{
	int n = 0;

	*ms = 0;
	while (**p >= '0' && **p <= '9') {
		if (n < 3)
			*ms = *ms * 10 + (**p - '0');
		n++;
		(*p)++;
	}
	for (int i = n; i < 3; i++)
		*ms *= 10;
	return n > 0;
}

/* Z, or +HH:MM / -HH:MM: the offset east of UTC in minutes. */
static bool
parse_zone(const char **p, int *off)
{
	int sign, h, m;

	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		*off = 0;
		return true;
	}
	if (**p != '+' && **p != '-')
		return false;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!digits_n(p, 2, &h) || *(*p)++ != ':' || !digits_n(p, 2, &m) ||
	    h > 23 || m > 59)
		return false;
	*off = sign * (h * 60 + m);
	return true;
}

/* YYYY-MM-DD(T| )HH:MM[:SS[.frac]][zone] */
static bool
parse_datetime(const char *p, int64_t *out)
{
	int y, mo, d, h, mi, sec = 0, ms = 0, off = 0;
	bool zoned = false;
	struct tm tm;

	if (!digits_n(&p, 4, &y) || *p++ != '-' || !digits_n(&p, 2, &mo) ||
	    *p++ != '-' || !digits_n(&p, 2, &d))
		return false;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return false;
	p++;
	if (!digits_n(&p, 2, &h) || *p++ != ':' || !digits_n(&p, 2, &mi))
		return false;
	if (*p == ':') {
		p++;
		if (!digits_n(&p, 2, &sec))
			return false;
		if (*p == '.') {
			p++;
			if (!parse_fraction(&p, &ms))
				return false;
		}
	}
	if (*p != '\0') {
		if (!parse_zone(&p, &off) || *p != '\0')
			return false;
		zoned = true;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > month_days(y, mo) || h > 23 || mi > 59 || sec > 59)
		return false;
	if (zoned) {
		*out = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi - off) *
		    60000 + (int64_t)sec * 1000 + ms;
		return *out >= 0 && *out <= TIME_MAX_MS;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return local_ms(&tm, ms, out) && *out >= 0 && *out <= TIME_MAX_MS;
}

bool
parse_time(const char *s, int64_t now, int64_t *out)
{
	size_t len = strlen(s);

	if (s[0] == '@')
		return parse_unix(s + 1, out);
	if (len == 5)
		return parse_clock(s, now, out);
	return parse_datetime(s, out);
}
