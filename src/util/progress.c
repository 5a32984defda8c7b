/* src/util/progress.c - a progress line on a terminal: done/total, rate and ETA */
#include "util/progress.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* write_all - write n bytes to fd; a terminal that went away only loses the line */
static void
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* progress_init - a display of total items named unit, started at now; fd -1 disables it */
void
progress_init(struct progress *p, int fd, const char *unit, size_t total, double now)
{
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->unit = unit;
	p->total = total;
	p->start = now;
	p->drawn_at = -1;
}

/* progress_format - the line's text for done of total after elapsed seconds (pure) */
void
progress_format(char *out, size_t size, const char *unit, size_t done, size_t total,
    double elapsed)
{
	size_t len;
	int n;

	if (size == 0)
		return;
	if (total > 0)
		n = snprintf(out, size, "%zu/%zu %s", done, total, unit);
	else
		n = snprintf(out, size, "%zu %s", done, unit);
	len = n < 0 ? 0 : (size_t)n;
	if (len >= size || done == 0 || elapsed < 0.5)
		return;
	double rate = (double)done / elapsed;
	n = snprintf(out + len, size - len, "  %.1f/s", rate);
	len += n < 0 ? 0 : (size_t)n;
	if (len >= size || total == 0 || done >= total)
		return;
	double left = (double)(total - done) / rate;
	unsigned long s = left > 359999.0 ? 359999ul : (unsigned long)(left + 0.5);
	if (s >= 3600)
		snprintf(out + len, size - len, "  ETA %lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out + len, size - len, "  ETA %lu:%02lu", s / 60, s % 60);
}

/* progress_update - done items so far at now; redraws when the interval has passed or force */
void
progress_update(struct progress *p, size_t done, double now, bool force)
{
	char line[160];
	int n;

	p->done = done;
	if (p->fd < 0)
		return;
	if (!force && p->shown && p->drawn_at >= 0 && now - p->drawn_at < PROGRESS_INTERVAL)
		return;
	progress_format(line + 1, sizeof(line) - 5, p->unit, done, p->total, now - p->start);
	line[0] = '\r';
	n = (int)strlen(line);
	/* erase what a longer previous line left to the right */
	memcpy(line + n, "\033[K", 4);
	write_all(p->fd, line, (size_t)n + 3);
	p->shown = true;
	p->drawn_at = now;
}

/* progress_clear - erase the line (if shown) so other output can be written */
void
progress_clear(struct progress *p)
{
	if (p->fd < 0 || !p->shown)
		return;
	write_all(p->fd, "\r\033[K", 4);
	p->shown = false;
}
