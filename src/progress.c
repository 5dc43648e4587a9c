/* progress.c: the progress lines a handler writes on JOBQ_PROGRESS_FD;
 * apart from the worker so that they can be tested and fuzzed alone. */
#include <errno.h>
#include <stdlib.h>

#include "progress.h"

static bool
parse_number(const char *s, char **end, int64_t *v)
{
	long long n;

	errno = 0;
	if (*s < '0' || *s > '9')
		return false;
	n = strtoll(s, end, 10);
	if (errno != 0)
		return false;
	*v = n;
	return true;
}

bool
progress_parse(const char *line, double *percent, int64_t *done,
    int64_t *total, const char **message)
{
	char *end;
	int64_t a, b;

	if (!parse_number(line, &end, &a))
		return false;
	*percent = -1;
	*done = *total = 0;
	if (*end == '/') {
		if (!parse_number(end + 1, &end, &b) || b <= 0 || a > b)
			return false;
		*done = a;
		*total = b;
	} else if (*end == '.') {
		double p = strtod(line, &end);

		if (p > 100)
			return false;
		*percent = p;
	} else {
		if (a > 100)
			return false;
		*percent = (double)a;
	}
	if (*end != '\0' && *end != ' ')
		return false;
	while (*end == ' ')
		end++;
	*message = *end != '\0' ? end : NULL;
	return true;
}
