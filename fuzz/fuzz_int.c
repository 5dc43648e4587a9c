/* fuzz_int.c: parse_int(s, min, max) accepts exactly -?[0-9]+ (the '-'
 * only if min < 0) with a value in [min, max], and gives that value.
 * The input's first 16 bytes are min and max, the rest is s. */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "util.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/* The value s means, saturated to a bit beyond 64 bits; false if s is
 * not in the grammar. */
static bool
reference(const char *s, long long min, __int128 *v)
{
	const __int128 big = (__int128)INT64_MAX * 4;
	bool neg = *s == '-';

	if (neg && min >= 0)
		return false;
	s += neg;
	if (*s == '\0')
		return false;
	*v = 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		*v = *v * 10 + (*s - '0');
		if (*v > big)
			*v = big;
	}
	if (neg)
		*v = -*v;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long bounds[2], min, max, got = 0;
	__int128 want = 0;
	char *s;
	bool ok, in;

	if (size < sizeof(bounds))
		return 0;
	memcpy(bounds, data, sizeof(bounds));
	min = bounds[0] < bounds[1] ? bounds[0] : bounds[1];
	max = bounds[0] < bounds[1] ? bounds[1] : bounds[0];
	s = fuzz_cstr(data + sizeof(bounds), size - sizeof(bounds));
	ok = parse_int(s, min, max, &got);
	in = reference(s, min, &want) && want >= min && want <= max;
	FUZZ_CHECK(ok == in, "'%s' in [%lld, %lld]: parse_int says %s", s,
	    min, max, ok ? "yes" : "no");
	if (ok)
		FUZZ_CHECK(got == want, "'%s': %lld", s, got);
	free(s);
	return 0;
}
