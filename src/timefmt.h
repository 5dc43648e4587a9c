/* timefmt.h: durations (500ms, 1h30m) and timestamps (RFC 3339, local). */
#ifndef TIMEFMT_H
#define TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DURATION_FORMS "a number of seconds, or units ms s m h d combined " \
	"from largest to smallest, as in 500ms, 90s, 5m, 1h30m, 1d"

/* Parses a duration into milliseconds.  False if malformed or too large. */
bool parse_duration(const char *s, int64_t *ms);

#define TIME_FORMS "RFC 3339 (2026-11-22T23:05:00Z, " \
	"2026-11-22T23:05:00+01:00, or without a zone for local time), " \
	"'YYYY-MM-DD HH:MM[:SS]' local time, @UNIX seconds, or HH:MM " \
	"for the next such local time"

/* Parses a point in time (--at) into ms since the epoch; now (ms) is
 * what HH:MM counts from.  Years 1970 to 9999.  False if malformed or
 * out of range. */
bool parse_time(const char *s, int64_t now, int64_t *ms);

/* "1h30m", "500ms", "0s": the shortest exact form. */
void format_duration(int64_t ms, char *buf, size_t size);

/* 2026-11-22T23:05:01.250Z */
void format_rfc3339(int64_t ms, char *buf, size_t size);

/* 2026-11-23 00:05:01, local time, for people. */
void format_local(int64_t ms, char *buf, size_t size);

#define TIMEBUF 40

#endif
