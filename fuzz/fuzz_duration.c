/* fuzz_duration.c: parse_duration accepts exactly the documented grammar
 * (a bare number of seconds, or d h m s ms each at most once, largest
 * first) up to 100 years, gives the value that grammar means, and
 * format_duration's output parses back to the same value. */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "timefmt.h"

/* timefmt.c's limit: 100 years. */
#define MAX_MS ((int64_t)100 * 365 * 86400000)

static regex_t grammar;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	if (regcomp(&grammar, "^([0-9]+|([0-9]+d)?([0-9]+h)?([0-9]+m)?"
	    "([0-9]+s)?([0-9]+ms)?)$", REG_EXTENDED) != 0)
		abort();
	return 0;
}

/* Digits to a number, saturating far above any valid duration. */
static __int128
digits(const char *s, regoff_t from, regoff_t to)
{
	__int128 v = 0;

	for (regoff_t i = from; i < to && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > (__int128)MAX_MS * 1000)
			v = (__int128)MAX_MS * 1000 + 1;
	}
	return v;
}

/* What the grammar says s means, -1 if it is not a duration. */
static __int128
reference(const char *s)
{
	static const int64_t unit[] = { 0, 1000, 86400000, 3600000, 60000,
	    1000, 1 };
	regmatch_t m[7];
	__int128 total = 0;

	if (*s == '\0' || regexec(&grammar, s, 7, m, 0) != 0)
		return -1;
	if (m[2].rm_so < 0 && m[3].rm_so < 0 && m[4].rm_so < 0 &&
	    m[5].rm_so < 0 && m[6].rm_so < 0)
		total = digits(s, m[1].rm_so, m[1].rm_eo) * 1000;
	for (int g = 2; g <= 6; g++)
		if (m[g].rm_so >= 0)
			total += digits(s, m[g].rm_so, m[g].rm_eo) * unit[g];
	return total > MAX_MS ? -1 : total;
}

static void
round_trip(int64_t ms)
{
	char buf[64];
	int64_t back = -1;

	format_duration(ms, buf, sizeof(buf));
	FUZZ_CHECK(parse_duration(buf, &back), "format_duration(%lld) "
	    "gave '%s', which does not parse", (long long)ms, buf);
	FUZZ_CHECK(back == ms, "'%s' parsed as %lld, formatted from %lld",
	    buf, (long long)back, (long long)ms);
}

/* format_span, for people: rounded down, by at most its smaller unit;
 * "7.0s" read as 7 s and a tenth, the others as parse_duration reads
 * them. */
static void
span_check(int64_t ms)
{
	char buf[64];
	int64_t back = -1, step;
	long long sec, tenth;
	int n = 0;

	format_span(ms, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) < 16, "format_span(%lld) gave '%s', too long",
	    (long long)ms, buf);
	if (ms >= 1000 && ms < 60000) {
		FUZZ_CHECK(sscanf(buf, "%lld.%1llds%n", &sec, &tenth, &n) == 2 &&
		    (size_t)n == strlen(buf), "format_span(%lld) gave '%s'",
		    (long long)ms, buf);
		back = sec * 1000 + tenth * 100;
		step = 100;
	} else {
		FUZZ_CHECK(parse_duration(buf, &back), "format_span(%lld) "
		    "gave '%s', which does not parse", (long long)ms, buf);
		step = ms < 1000 ? 1 : ms < 3600000 ? 1000 : ms < 86400000 ?
		    60000 : 3600000;
	}
	FUZZ_CHECK(back <= ms && ms - back < step, "format_span(%lld) gave "
	    "'%s', read as %lld", (long long)ms, buf, (long long)back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	__int128 want = reference(s);
	int64_t got = -1;
	bool ok = parse_duration(s, &got);
	uint64_t raw = 0;

	FUZZ_CHECK(ok == (want >= 0), "'%s': parse_duration says %s, the "
	    "grammar %s", s, ok ? "yes" : "no", want >= 0 ? "yes" : "no");
	if (ok) {
		FUZZ_CHECK(got == want, "'%s': %lld ms, expected %lld", s,
		    (long long)got, (long long)want);
		FUZZ_CHECK(got >= 0 && got <= MAX_MS, "'%s': %lld out of "
		    "range", s, (long long)got);
		round_trip(got);
	}
	/* Any value in range formats to something that parses back. */
	memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));
	round_trip((int64_t)(raw % ((uint64_t)MAX_MS + 1)));
	span_check((int64_t)(raw % ((uint64_t)MAX_MS + 1)));
	free(s);
	return 0;
}
