/* src/smtp/smtp_polite.c - politeness per destination: address and network keys, the busy reply, the backoff schedule */
#include "smtp/smtp_polite.h"

#include <string.h>
#include <strings.h>

/* smtp_net_key - keep the first 24 (IPv4) or 48 (IPv6) bits of a */
void
smtp_net_key(const struct ipaddr *a, struct ipaddr *net)
{
	size_t keep = a->family == 4 ? 3 : 6;

	memset(net, 0, sizeof(*net));
	net->family = a->family;
	memcpy(net->b, a->b, keep);
}

/* smtp_same_net - compare the two networks */
bool
smtp_same_net(const struct ipaddr *a, const struct ipaddr *b)
{
	struct ipaddr na, nb;

	if (a->family != b->family)
		return false;
	smtp_net_key(a, &na);
	smtp_net_key(b, &nb);
	return memcmp(na.b, nb.b, sizeof(na.b)) == 0;
}

/* contains_ci - whether hay holds needle, ASCII case ignored */
static bool
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/* smtp_reply_busy - see the header */
bool
smtp_reply_busy(const struct smtp_reply *r, bool banner)
{
	static const char *const marks[] = { "too many", "connection limit", "busy" };

	if (banner && r->code == 421)
		return true;
	if (r->code != 421 && r->code != 450)
		return false;
	for (size_t i = 0; i < r->nlines; i++) {
		const char *line = smtp_reply_line(r, i);

		for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
			if (line && contains_ci(line, marks[k]))
				return true;
	}
	return false;
}

/* smtp_backoff_next - see the header */
bool
smtp_backoff_next(unsigned tries, double elapsed, double step_timeout, unsigned salt,
    double *delay)
{
	double d = SMTP_BACKOFF_FIRST;

	*delay = 0;
	if (tries == 0 || tries >= SMTP_BUSY_TRIES_MAX || step_timeout <= 0)
		return false;
	for (unsigned i = 1; i < tries; i++)
		d *= 2;
	if (d > step_timeout)
		d = step_timeout;
	d += d * (double)(salt % 256) / 1024.0;
	if (elapsed + d > SMTP_BACKOFF_BUDGET * step_timeout)
		return false;
	*delay = d;
	return true;
}
