/* escape.h: a job's text made safe to show: control characters and bytes
 * that are not UTF-8 become C-style escapes, so a job cannot drive the
 * terminal of whoever looks at it, nor break a tab-separated line. */
#ifndef ESCAPE_H
#define ESCAPE_H

#include <stddef.h>

/* A malloc'd copy of s with \t \n \r \e and \\ for those bytes, \xHH for
 * every other C0 control, DEL, each byte of a C1 control (U+0080 to
 * U+009F) and each byte that is not part of valid UTF-8.  Other text,
 * UTF-8 included, is kept as it is.  NULL gives NULL. */
char *esc_text(const char *s);

/* The same for len bytes that may hold NULs (shown as \x00). */
char *esc_bytes(const char *s, size_t len);

/* The length of the valid UTF-8 sequence at p (at most n bytes, n > 0),
 * or 0 if the bytes there are not one. */
size_t utf8_len(const unsigned char *p, size_t n);

#endif
