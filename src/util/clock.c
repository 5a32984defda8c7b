/* src/util/clock.c - the monotonic clock in the units callers time things in */
#include "util/clock.h"

#include <time.h>

/* mono - CLOCK_MONOTONIC (which cannot fail with a valid pointer on Linux) */
static struct timespec
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

double
clock_mono_seconds(void)
{
	struct timespec ts = mono();

	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t
clock_mono_ms(void)
{
	struct timespec ts = mono();

	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
clock_mono_ns(void)
{
	struct timespec ts = mono();

	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
