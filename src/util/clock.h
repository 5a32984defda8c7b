/* src/util/clock.h - the monotonic clock in the units callers time things in */
#ifndef MS_UTIL_CLOCK_H
#define MS_UTIL_CLOCK_H

#include <stdint.h>

/*
 * clock_mono_seconds, clock_mono_ms, clock_mono_ns - CLOCK_MONOTONIC now, in
 * seconds (rates, progress lines), milliseconds (deadlines, cache ages) or
 * nanoseconds (round-trip timings).  Unaffected by changes to the wall
 * clock; only differences mean anything.  No state, nothing to free.
 */
double clock_mono_seconds(void);
uint64_t clock_mono_ms(void);
uint64_t clock_mono_ns(void);

#endif
