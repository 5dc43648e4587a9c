/* fuzz_progress.c: progress_parse accepts exactly the documented forms
 * (42, 42.5, 17/250, each optionally followed by spaces and a message),
 * with a percentage in [0, 100] and 0 <= done <= total, 0 < total.
 * Input bytes are one line, NULs included (a handler may write them). */
#include <regex.h>
#include <string.h>

#include "fuzz.h"
#include "progress.h"

static regex_t grammar;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	if (regcomp(&grammar, "^([0-9]+)(\\.([0-9]+)|/([0-9]+))?( .*)?$",
	    REG_EXTENDED) != 0)
		abort();
	return 0;
}

/* Digits to a number, saturated just above INT64_MAX. */
static __int128
number(const char *s, regmatch_t m)
{
	__int128 v = 0;

	for (regoff_t i = m.rm_so; i < m.rm_eo; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > (__int128)INT64_MAX + 1)
			v = (__int128)INT64_MAX + 1;
	}
	return v;
}

/* Whether line is a progress line, by the grammar and its bounds. */
static bool
reference(const char *line, regmatch_t *m)
{
	__int128 a, b;

	if (regexec(&grammar, line, 6, m, 0) != 0)
		return false;
	a = number(line, m[1]);
	if (a > INT64_MAX)
		return false;
	if (m[4].rm_so >= 0) {		/* done/total */
		b = number(line, m[4]);
		return b > 0 && b <= INT64_MAX && a <= b;
	}
	if (m[3].rm_so >= 0 && a == 100)	/* 100.000 but not 100.001 */
		return strspn(line + m[3].rm_so, "0") >=
		    (size_t)(m[3].rm_eo - m[3].rm_so);
	return a <= 100;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_cstr(data, size);
	const char *message = NULL, *rest;
	double percent = -2;
	int64_t done = -2, total = -2;
	regmatch_t m[6];
	bool ok, want;

	ok = progress_parse(line, size, &percent, &done, &total, &message);
	want = memchr(data, '\0', size) == NULL && reference(line, m);
	FUZZ_CHECK(ok == want, "'%s': progress_parse says %s", line,
	    ok ? "yes" : "no");
	if (!ok) {
		FUZZ_CHECK(percent == -2 && done == -2 && total == -2 &&
		    message == NULL, "'%s': refused but set", line);
		free(line);
		return 0;
	}
	if (m[4].rm_so >= 0) {
		FUZZ_CHECK(percent == -1 && total > 0 && done >= 0 &&
		    done <= total && (__int128)total == number(line, m[4]) &&
		    (__int128)done == number(line, m[1]), "'%s': %lld/%lld "
		    "percent %g", line, (long long)done, (long long)total,
		    percent);
	} else {
		FUZZ_CHECK(percent >= 0 && percent <= 100 && done == 0 &&
		    total == 0, "'%s': percent %g, %lld/%lld", line, percent,
		    (long long)done, (long long)total);
		FUZZ_CHECK(m[2].rm_so >= 0 ||
		    (__int128)percent == number(line, m[1]), "'%s': %g", line,
		    percent);
	}
	/* The message: what follows the spaces, if anything does. */
	rest = m[5].rm_so >= 0 ? line + m[5].rm_so : line + size;
	rest += strspn(rest, " ");
	FUZZ_CHECK(*rest == '\0' ? message == NULL : message == rest,
	    "'%s': message '%s'", line, message ? message : "(none)");
	free(line);
	return 0;
}
