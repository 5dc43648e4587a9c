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

/* A duration for people, rounded down to what they read: "450ms" under
 * a second, "7.0s" under a minute, then two units, the second one
 * zero-padded: "1m30s", "2h05m", "3d04h".  Negative is "0ms". */
void format_span(int64_t ms, char *buf, size_t size);

/* 2026-11-22T23:05:01.250Z */
void format_rfc3339(int64_t ms, char *buf, size_t size);

/* 2026-11-23 00:05:01, local time, for people. */
void format_local(int64_t ms, char *buf, size_t size);

/* 2026-11-23 00:05:01+01:00: local time with its offset east of UTC,
 * which parse_time and date -d read back. */
void format_local_zoned(int64_t ms, char *buf, size_t size);

#define TIMEBUF 40

#endif
