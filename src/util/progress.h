/* src/util/progress.h - a progress line on a terminal: done/total, rate and ETA */
#ifndef MS_UTIL_PROGRESS_H
#define MS_UTIL_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A one-line progress display for long bulk runs (`check --domains`, the monitor's
 * rounds), written to a terminal only: the caller decides whether one is wanted (a tty,
 * not a machine-readable format) and passes fd = -1 otherwise, which makes every call a
 * no-op. The line is redrawn in place at most every PROGRESS_INTERVAL seconds; a caller
 * that prints something else to the same terminal calls progress_clear() first, and the
 * next progress_update() draws the line again. Times are seconds on any monotonic clock
 * the caller chooses. The struct is the caller's (no allocation); nothing is global.
 */
#define PROGRESS_INTERVAL	0.1

struct progress {
	int	 fd;		/* where the line goes; -1: nowhere */
	const char *unit;	/* "domains", "due domains": borrowed, must outlive the struct */
	size_t	 total;		/* 0: unknown */
	size_t	 done;
	double	 start;
	double	 drawn_at;	/* when the line was last drawn; < 0: never */
	bool	 shown;		/* a line is on the terminal now */
};

/*
 * progress_init - a display of total items named unit, started at now, in p
 * (the caller's); fd -1 disables it.  unit is borrowed: it must stay valid
 * while p is used.
 */
void progress_init(struct progress *p, int fd, const char *unit, size_t total, double now);

/*
 * progress_format - the line's text for done of total after elapsed seconds, into out
 * (NUL-terminated, truncated to size): "120/1000 domains  38.2/s  ETA 0:23". The rate is
 * left out before anything is done or before 0.5 s have passed, the ETA when total is 0.
 * Pure: no I/O; out is the caller's, unit borrowed.
 */
void progress_format(char *out, size_t size, const char *unit, size_t done, size_t total,
    double elapsed);

/*
 * progress_update - done items so far at now; redraws when the interval has
 * passed or force (p borrowed)
 */
void progress_update(struct progress *p, size_t done, double now, bool force);

/* progress_clear - erase the line (if shown) so other output can be written (p borrowed) */
void progress_clear(struct progress *p);

#endif
