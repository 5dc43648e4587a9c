/* fuzz_at.c: parse_time (submit --at) accepts exactly the documented
 * forms with fields in range, gives the time they mean (checked against
 * timegm(), run in UTC), and reads back what format_rfc3339 prints.
 * HH:MM is the next such time: after now, at most a day later. */
#include <regex.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "timefmt.h"

#define NOW_MS 1764460800123LL	/* 2025-11-30T00:00:00.123Z */
#define MAX_MS 253402300799999LL	/* 9999-12-31T23:59:59.999Z */

static regex_t datetime, clock_re, unix_re;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	setenv("TZ", "UTC", 1);
	tzset();
	if (regcomp(&datetime, "^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]"
	    "([0-9]{2}):([0-9]{2})(:([0-9]{2})(\\.([0-9]+))?)?"
	    "([Zz]|([+-])([0-9]{2}):([0-9]{2}))?$", REG_EXTENDED) != 0 ||
	    regcomp(&clock_re, "^([0-9]{2}):([0-9]{2})$", REG_EXTENDED) != 0 ||
	    regcomp(&unix_re, "^@([0-9]+)$", REG_EXTENDED) != 0)
		abort();
	return 0;
}

static long long
num(const char *s, regmatch_t m, int maxdigits)
{
	long long v = 0;

	if (m.rm_so < 0)
		return 0;
	for (regoff_t i = m.rm_so; i < m.rm_eo && i - m.rm_so < maxdigits;
	    i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool
leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* What the grammar says s means; false if it is not a time. */
static bool
reference(const char *s, int64_t *want)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	regmatch_t m[14];
	struct tm tm;
	long long y, mo, d, h, mi, sec, ms = 0, off = 0;

	if (regexec(&unix_re, s, 2, m, 0) == 0) {
		/* Leading zeros are digits like any other. */
		long long v = 0;

		for (regoff_t i = m[1].rm_so; i < m[1].rm_eo; i++)
			if ((v = v * 10 + (s[i] - '0')) > MAX_MS / 1000)
				return false;
		*want = v * 1000;
		return true;
	}
	if (regexec(&clock_re, s, 3, m, 0) == 0) {
		h = num(s, m[1], 2);
		mi = num(s, m[2], 2);
		if (h > 23 || mi > 59)
			return false;
		*want = (NOW_MS / 86400000) * 86400000 +
		    (h * 60 + mi) * 60000;
		if (*want <= NOW_MS)
			*want += 86400000;
		return true;
	}
	if (regexec(&datetime, s, 14, m, 0) != 0)
		return false;
	y = num(s, m[1], 4);
	mo = num(s, m[2], 2);
	d = num(s, m[3], 2);
	h = num(s, m[4], 2);
	mi = num(s, m[5], 2);
	sec = num(s, m[7], 2);
	if (m[9].rm_so >= 0) {
		ms = num(s, m[9], 3);
		for (regoff_t n = m[9].rm_eo - m[9].rm_so; n < 3; n++)
			ms *= 10;
	}
	if (m[11].rm_so >= 0) {
		if (num(s, m[12], 2) > 23 || num(s, m[13], 2) > 59)
			return false;
		off = num(s, m[12], 2) * 60 + num(s, m[13], 2);
		if (s[m[11].rm_so] == '-')
			off = -off;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 ||
	    sec > 59 || d > (mo == 2 && leap(y) ? 29 : mdays[mo - 1]))
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)(y - 1900);
	tm.tm_mon = (int)(mo - 1);
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)sec;
	*want = ((int64_t)timegm(&tm) - off * 60) * 1000 + ms;
	return *want >= 0 && *want <= MAX_MS;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), buf[64];
	int64_t want = -1, got = -1, back = -1, raw = 0;
	bool ref = reference(s, &want);
	bool ok = parse_time(s, NOW_MS, &got);

	FUZZ_CHECK(ok == ref, "'%s': parse_time says %s, the grammar %s", s,
	    ok ? "yes" : "no", ref ? "yes" : "no");
	if (ok)
		FUZZ_CHECK(got == want, "'%s': %lld, expected %lld", s,
		    (long long)got, (long long)want);
	/* Whatever jobq prints as a time, --at reads back. */
	memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));
	raw = (int64_t)((uint64_t)raw % (uint64_t)(MAX_MS + 1));
	format_rfc3339(raw, buf, sizeof(buf));
	FUZZ_CHECK(parse_time(buf, NOW_MS, &back) && back == raw,
	    "'%s' from %lld reads back as %lld", buf, (long long)raw,
	    (long long)back);
	free(s);
	return 0;
}
