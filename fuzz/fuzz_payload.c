/* fuzz_payload.c: submit's payload check (validate_payload, reached by
 * including cmd-submit.c) accepts exactly the JSON texts of RFC 8259
 * that are within jansson's limits, as jobq(1) documents them.
 *
 * The reference below is a separate recognizer written from the RFC:
 * it is the test's oracle, not a second parser for jobq, which
 * validates with jansson only.  The limits it adds: a number must fit
 * a double, an object key may not contain \u0000, nesting stops at
 * 2048 levels, and \u escapes must make whole characters (no lone
 * surrogates). */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"

#include "../src/cmd-submit.c"

enum ref { REF_OK, REF_BAD };

struct text {
	const unsigned char *p, *end;
	int depth;
};

static bool value(struct text *t);

static void
ws(struct text *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t' ||
	    *t->p == '\n' || *t->p == '\r'))
		t->p++;
}

static bool
lit(struct text *t, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(t->end - t->p) < n || memcmp(t->p, word, n) != 0)
		return false;
	t->p += n;
	return true;
}

static size_t
digits(struct text *t)
{
	const unsigned char *start = t->p;

	while (t->p < t->end && *t->p >= '0' && *t->p <= '9')
		t->p++;
	return (size_t)(t->p - start);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, finite as a double. */
static bool
number(struct text *t)
{
	const unsigned char *start = t->p;
	char *copy;
	double v;

	if (t->p < t->end && *t->p == '-')
		t->p++;
	if (t->p < t->end && *t->p == '0')
		t->p++;
	else if (digits(t) == 0)
		return false;
	if (t->p < t->end && *t->p == '.') {
		t->p++;
		if (digits(t) == 0)
			return false;
	}
	if (t->p < t->end && (*t->p == 'e' || *t->p == 'E')) {
		t->p++;
		if (t->p < t->end && (*t->p == '+' || *t->p == '-'))
			t->p++;
		if (digits(t) == 0)
			return false;
	}
	copy = strndup((const char *)start, (size_t)(t->p - start));
	v = strtod(copy, NULL);
	free(copy);
	return !isinf(v);
}

static int
hex4(struct text *t)
{
	int v = 0;

	if (t->end - t->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int c = *t->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* One UTF-8 character of 2 to 4 bytes: shortest form, no surrogate,
 * at most U+10FFFF. */
static bool
utf8(struct text *t)
{
	unsigned c = *t->p++, cp, n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 1, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, cp = c & 0x07;
	else
		return false;
	if ((size_t)(t->end - t->p) < n)
		return false;
	for (unsigned i = 0; i < n; i++) {
		if ((t->p[i] & 0xc0) != 0x80)
			return false;
		cp = cp << 6 | (t->p[i] & 0x3f);
	}
	t->p += n;
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return false;
	return true;
}

static bool
string(struct text *t, bool key)
{
	if (t->p >= t->end || *t->p != '"')
		return false;
	t->p++;
	while (t->p < t->end) {
		unsigned c = *t->p;
		int u, lo;

		if (c == '"') {
			t->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c >= 0x80) {
			if (!utf8(t))
				return false;
			continue;
		}
		t->p++;
		if (c != '\\')
			continue;
		if (t->p >= t->end)
			return false;
		c = *t->p++;
		if (strchr("\"\\/bfnrt", (int)c) != NULL && c != '\0')
			continue;
		if (c != 'u' || (u = hex4(t)) < 0)
			return false;
		if (u == 0 && key)
			return false;
		if (u >= 0xdc00 && u <= 0xdfff)
			return false;
		if (u >= 0xd800 && u <= 0xdbff && (!lit(t, "\\u") ||
		    (lo = hex4(t)) < 0xdc00 || lo > 0xdfff))
			return false;
	}
	return false;
}

static bool
members(struct text *t, char close)
{
	bool first = true;

	if (++t->depth > 2048)
		return false;
	t->p++;
	ws(t);
	if (t->p < t->end && *t->p == close) {
		t->p++;
		t->depth--;
		return true;
	}
	for (;;) {
		if (!first) {
			ws(t);
			if (t->p < t->end && *t->p == close) {
				t->p++;
				t->depth--;
				return true;
			}
			if (t->p >= t->end || *t->p != ',')
				return false;
			t->p++;
			ws(t);
		}
		first = false;
		if (close == '}') {
			if (!string(t, true))
				return false;
			ws(t);
			if (t->p >= t->end || *t->p != ':')
				return false;
			t->p++;
			ws(t);
		}
		if (!value(t))
			return false;
	}
}

static bool
value(struct text *t)
{
	if (t->p >= t->end)
		return false;
	switch (*t->p) {
	case '{':
		return members(t, '}');
	case '[':
		return members(t, ']');
	case '"':
		return string(t, false);
	case 't':
		return lit(t, "true");
	case 'f':
		return lit(t, "false");
	case 'n':
		return lit(t, "null");
	default:
		return number(t);
	}
}

static enum ref
reference(const uint8_t *data, size_t size)
{
	struct text t = { data, data + size, 0 };

	ws(&t);
	if (!value(&t))
		return REF_BAD;
	ws(&t);
	return t.p == t.end ? REF_OK : REF_BAD;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* As read_payload gives it: the bytes, then a NUL not counted. */
	char *buf = fuzz_cstr(data, size);
	bool ok = validate_payload(buf, size, "");
	bool want = reference(data, size) == REF_OK;

	FUZZ_CHECK(ok == want, "%zu bytes '%s': validate_payload says %s",
	    size, buf, ok ? "yes" : "no");
	free(buf);
	return 0;
}
