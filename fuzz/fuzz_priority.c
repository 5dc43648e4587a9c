/* fuzz_priority.c: parse_priority accepts exactly critical, high,
 * normal, low and the numbers 0 to 99 (digits only), and maps them to
 * 0, 10, 20, 30 and the number. */
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

static int
reference(const char *s)
{
	static const char *const names[] = { "critical", "high", "normal",
	    "low" };
	size_t n = strlen(s), zeros = 0;
	int v = 0;

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return 10 * i;
	if (n == 0 || strspn(s, "0123456789") != n)
		return -1;
	while (s[zeros] == '0' && zeros + 1 < n)
		zeros++;
	if (n - zeros > 2)
		return -1;
	for (size_t i = zeros; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	int got = -1, want = reference(s);
	bool ok = parse_priority(s, &got);

	FUZZ_CHECK(ok == (want >= 0), "'%s': parse_priority says %s", s,
	    ok ? "yes" : "no");
	if (ok)
		FUZZ_CHECK(got == want && got >= 0 && got <= 99,
		    "'%s': %d, expected %d", s, got, want);
	free(s);
	return 0;
}
