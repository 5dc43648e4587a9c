/* progress.c: the progress lines a handler writes on JOBQ_PROGRESS_FD;
 * apart from the worker so that they can be tested and fuzzed alone. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"

/* Digits only: strtoll alone would take blanks, signs and "0x". */
static bool
parse_number(const char *s, const char **end, int64_t *v)
{
	char *e;
	long long n;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoll(s, &e, 10);
	if (errno != 0)
		return false;
	*end = e;
	*v = n;
	return true;
}

/* 42.5: digits on both sides of the point, and no more than 100 however
 * many digits the fraction has (strtod would round 100.0000000000000001
 * down to 100).  strtod reads a copy, or it would go on to an exponent
 * ("4.2e1").  The worker never calls setlocale: the point is '.'. */
static bool
parse_fraction(const char *start, const char *point, int64_t whole,
    const char **end, double *percent)
{
	const char *p = point + 1;
	bool nonzero = false;
	char *copy;

	while (*p >= '0' && *p <= '9')
		nonzero |= *p++ != '0';
	if (p == point + 1 || whole > 100 || (whole == 100 && nonzero))
		return false;
	if ((copy = strndup(start, (size_t)(p - start))) == NULL)
		return false;
	*percent = strtod(copy, NULL);
	free(copy);
	*end = p;
	return true;
}

bool
progress_parse(const char *line, size_t len, double *percent,
    int64_t *done, int64_t *total, const char **message)
{
	const char *end;
	double p = -1;
	int64_t a, b = 0;

	/* A NUL would end the line early for everything after us. */
	if (memchr(line, '\0', len) != NULL || !parse_number(line, &end, &a))
		return false;
	if (*end == '/') {
		if (!parse_number(end + 1, &end, &b) || b <= 0 || a > b)
			return false;
	} else if (*end == '.') {
		if (!parse_fraction(line, end, a, &end, &p))
			return false;
	} else {
		if (a > 100)
			return false;
		p = (double)a;
	}
	if (*end != '\0' && *end != ' ')
		return false;
	while (*end == ' ')
		end++;
	*percent = p;
	*done = b > 0 ? a : 0;
	*total = b;
	*message = *end != '\0' ? end : NULL;
	return true;
}
