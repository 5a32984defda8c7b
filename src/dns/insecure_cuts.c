/* src/dns/insecure_cuts.c - a bounded table of names proven insecure (see insecure_cuts.h) */
#include "dns/insecure_cuts.h"
#include "dns/dns.h"
#include "util/str.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct cut {
	char *name;			/* lower case, no trailing dot */
	enum cut_state state;
	double expires;
	struct cut *hnext;		/* hash chain */
	struct cut *older, *newer;	/* age list: oldest first */
};

struct insecure_cuts {
	size_t max, n, nbuckets;
	struct cut **buckets;
	struct cut *oldest, *newest;
	char **anchors;			/* normalised owner names of the trust anchors */
	size_t nanchors;
};

/* norm - name lower-cased without a trailing dot into out (DNS_NAME_MAX); false for escapes, the root, too long */
static bool
norm(const char *name, char *out)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= DNS_NAME_MAX || memchr(name, '\\', n))
		return false;
	str_lower_copy(out, name, n);
	return true;
}

/* find - the entry for the normalised name s[0..len) */
static struct cut *
find(const struct insecure_cuts *c, const char *s, size_t len)
{
	for (struct cut *e = c->buckets[strmap_hash(s, len) % c->nbuckets]; e; e = e->hnext)
		if (strlen(e->name) == len && memcmp(e->name, s, len) == 0)
			return e;
	return NULL;
}

/* drop - take e out of the table and free it */
static void
drop(struct insecure_cuts *c, struct cut *e)
{
	struct cut **pp = &c->buckets[strmap_hash(e->name, strlen(e->name)) % c->nbuckets];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->n--;
	free(e->name);
	free(e);
}

struct insecure_cuts *
insecure_cuts_new(size_t max, const char *const *anchors, size_t n)
{
	struct insecure_cuts *c = xcalloc(1, sizeof(*c));
	char buf[DNS_NAME_MAX];

	c->max = max ? max : INSECURE_CUTS_MAX;
	c->nbuckets = c->max * 2 + 1;
	c->buckets = xcalloc(c->nbuckets, sizeof(*c->buckets));
	c->anchors = xcalloc(n + 1, sizeof(*c->anchors));
	for (size_t i = 0; i < n; i++) {
		if (norm(anchors[i], buf))
			c->anchors[c->nanchors++] = xstrdup(buf);
		else	/* the root (or a name we cannot compare): at or below every name */
			c->anchors[c->nanchors++] = xstrdup(".");
	}
	return c;
}

void
insecure_cuts_free(struct insecure_cuts *c)
{
	if (c == NULL)
		return;
	while (c->oldest)
		drop(c, c->oldest);
	for (size_t i = 0; i < c->nanchors; i++)
		free(c->anchors[i]);
	free(c->anchors);
	free(c->buckets);
	free(c);
}

bool
insecure_cuts_may_mark(const struct insecure_cuts *c, const char *name)
{
	char buf[DNS_NAME_MAX];

	if (!norm(name, buf))
		return false;
	for (size_t i = 0; i < c->nanchors; i++) {
		/* the root's anchor is above every name but the root, which norm() refused */
		if (strcmp(c->anchors[i], ".") != 0 && dns_name_is_subdomain(c->anchors[i], buf))
			return false;
	}
	return true;
}

bool
insecure_cuts_covers(const struct insecure_cuts *c, const char *name, double now)
{
	char buf[DNS_NAME_MAX];
	size_t len;

	if (c->n == 0 || !norm(name, buf))
		return false;
	len = strlen(buf);
	for (size_t i = 0; i < len; ) {
		struct cut *e = find(c, buf + i, len - i);
		const char *dot;

		if (e && e->state == CUT_INSECURE && e->expires > now)
			return true;
		if ((dot = memchr(buf + i, '.', len - i)) == NULL)
			break;
		i = (size_t)(dot - buf) + 1;
	}
	return false;
}

enum cut_state
insecure_cuts_get(const struct insecure_cuts *c, const char *name, double now)
{
	char buf[DNS_NAME_MAX];
	struct cut *e;

	if (!norm(name, buf) || (e = find(c, buf, strlen(buf))) == NULL || e->expires <= now)
		return CUT_NONE;
	return e->state;
}

bool
insecure_cuts_set(struct insecure_cuts *c, const char *name, enum cut_state state, double expires)
{
	char buf[DNS_NAME_MAX];
	struct cut *e;
	size_t len;

	if (!norm(name, buf))
		return false;
	if (state == CUT_INSECURE && !insecure_cuts_may_mark(c, buf))
		state = CUT_NOT;
	len = strlen(buf);
	if ((e = find(c, buf, len)) != NULL) {
		drop(c, e);	/* re-added as the newest */
	} else if (c->n >= c->max) {
		drop(c, c->oldest);
	}
	e = xcalloc(1, sizeof(*e));
	e->name = xstrdup(buf);
	e->state = state;
	e->expires = expires;
	{
		size_t b = strmap_hash(buf, len) % c->nbuckets;

		e->hnext = c->buckets[b];
		c->buckets[b] = e;
	}
	e->older = c->newest;
	if (c->newest)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->n++;
	return true;
}

size_t
insecure_cuts_count(const struct insecure_cuts *c, enum cut_state state)
{
	size_t n = 0;

	if (state == CUT_NONE)
		return c->n;
	for (const struct cut *e = c->oldest; e; e = e->newer)
		n += e->state == state;
	return n;
}

bool
insecure_cuts_next(const struct insecure_cuts *c, const char *name, double now, char *out)
{
	char buf[DNS_NAME_MAX];
	size_t len, starts[INSECURE_CUTS_LABELS], nst = 0;

	if (!norm(name, buf))
		return false;
	len = strlen(buf);
	/* label starts from the right: the top label first */
	for (size_t i = len; nst < INSECURE_CUTS_LABELS; ) {
		while (i > 0 && buf[i - 1] != '.')
			i--;
		starts[nst++] = i;
		if (i == 0)
			break;
		i--;	/* past the dot */
	}
	for (size_t k = 0; k < nst; k++) {
		const struct cut *e = find(c, buf + starts[k], len - starts[k]);

		if (e == NULL || e->expires <= now) {
			memcpy(out, buf + starts[k], len - starts[k] + 1);
			return true;
		}
		if (e->state == CUT_NOT)
			continue;
		return false;	/* CUT_INSECURE: covered; CUT_ASKING: wait */
	}
	return false;
}
