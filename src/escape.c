/* escape.c: showing a job's text without letting it reach the terminal
 * raw; see escape.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "util.h"

/* Overlong forms, surrogates and code points above U+10FFFF are refused:
 * a terminal might read them otherwise. */
size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

char *
esc_bytes(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	/* The worst case is \xHH for every byte. */
	char *out = xmalloc(len * 4 + 1), *o = out;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = p[i];
		const char *named = NULL;

		switch (c) {
		case '\t':
			named = "\\t";
			break;
		case '\n':
			named = "\\n";
			break;
		case '\r':
			named = "\\r";
			break;
		case 0x1b:
			named = "\\e";
			break;
		case '\\':
			named = "\\\\";
			break;
		}
		if (named != NULL) {
			memcpy(o, named, 2);
			o += 2;
			i++;
			continue;
		}
		n = utf8_len(p + i, len - i);
		/* C1 controls are U+0080..U+009F: 0xc2 0x80..0x9f. */
		if (n == 0 || c < 0x20 || c == 0x7f ||
		    (n == 2 && c == 0xc2 && p[i + 1] <= 0x9f)) {
			if (n == 0)
				n = 1;
			for (size_t k = 0; k < n; k++) {
				snprintf(o, 5, "\\x%02x", p[i + k]);
				o += 4;
			}
		} else {
			memcpy(o, p + i, n);
			o += n;
		}
		i += n;
	}
	*o = '\0';
	return out;
}

char *
esc_text(const char *s)
{
	return s != NULL ? esc_bytes(s, strlen(s)) : NULL;
}
