/* src/reports/learn.c - what the checks learn from stored DMARC aggregate reports: DKIM selectors, unregistered header_from domains */
#include "reports/learn.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* learn_name_ok - DNS labels of letters, digits, '-', '_'; 1 to 253 bytes, labels 1 to 63 */
bool
learn_name_ok(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

/* The selectors gathered for one domain. */
struct sel_acc {
	const char *domain;
	char **v;
	size_t n;
	int64_t *last;		/* each one's last report time, to keep the most recent */
};

/* sel_seen - store_report_selectors callback: keep a valid selector's full name */
static void
sel_seen(void *arg, const struct store_seen *it)
{
	struct sel_acc *acc = arg;
	char *name;

	if (!learn_name_ok(it->name))
		return;
	name = xasprintf("%s._domainkey.%s", it->name, acc->domain);
	if (!learn_name_ok(name)) {
		free(name);
		return;
	}
	if (acc->n == LEARN_SELECTORS_MAX) {
		/* full: replace the one seen least recently, if this one is more recent */
		size_t old = 0;

		for (size_t i = 1; i < acc->n; i++)
			if (acc->last[i] < acc->last[old])
				old = i;
		if (acc->last[old] >= it->last) {
			free(name);
			return;
		}
		free(acc->v[old]);
		acc->v[old] = name;
		acc->last[old] = it->last;
		return;
	}
	acc->v = xreallocarray(acc->v, acc->n + 2, sizeof(*acc->v));
	acc->last = xreallocarray(acc->last, acc->n + 1, sizeof(*acc->last));
	acc->v[acc->n] = name;
	acc->last[acc->n] = it->last;
	acc->n++;
	acc->v[acc->n] = NULL;
}

enum ms_status
learn_selector_names(struct store *s, const char *domain, int64_t now, char ***out)
{
	struct sel_acc acc = { NULL, NULL, 0, NULL };
	char *low = xstrdup(domain);
	enum ms_status rc;
	size_t len;

	*out = NULL;
	str_lower(low);
	len = strlen(low);
	if (len && low[len - 1] == '.')
		low[len - 1] = '\0';
	acc.domain = low;
	rc = store_report_selectors(s, low, now - (int64_t)LEARN_WINDOW_DAYS * 86400, sel_seen, &acc);
	free(acc.last);
	free(low);
	if (rc != MS_OK) {
		strv_free(acc.v);
		return rc;
	}
	*out = acc.v;
	return MS_OK;
}

/* The selectors gathered for a batch of domains: one accumulator each. */
struct sel_many {
	struct sel_acc *acc;
};

/* sel_seen_at - store_report_selectors_many callback: sel_seen for domain i */
static void
sel_seen_at(void *arg, size_t i, const struct store_seen *it)
{
	struct sel_many *m = arg;

	sel_seen(&m->acc[i], it);
}

enum ms_status
learn_selector_names_many(struct store *s, char *const *domains, size_t n, int64_t now, char ***out)
{
	struct sel_many m;
	enum ms_status rc;

	if (n == 0)
		return MS_OK;
	m.acc = xcalloc(n, sizeof(*m.acc));
	for (size_t i = 0; i < n; i++) {
		char *low = xstrdup(domains[i] ? domains[i] : "");
		size_t len;

		str_lower(low);
		len = strlen(low);
		if (len && low[len - 1] == '.')
			low[len - 1] = '\0';
		m.acc[i].domain = low;
		out[i] = NULL;
	}
	rc = store_report_selectors_many(s, domains, n, now - (int64_t)LEARN_WINDOW_DAYS * 86400,
	    sel_seen_at, &m);
	for (size_t i = 0; i < n; i++) {
		if (rc == MS_OK)
			out[i] = m.acc[i].v;
		else
			strv_free(m.acc[i].v);
		free(m.acc[i].last);
		free((char *)m.acc[i].domain);
	}
	free(m.acc);
	return rc;
}

/* The suggestions gathered over a workspace's domains. */
struct sug_acc {
	char *const *reg;
	size_t nreg;
	const char *under;	/* the registered domain whose reports are read */
	struct learn_suggestion *v;
	size_t n;
};

/* below - name equals parent or ends with "." parent (both lower-case) */
static bool
below(const char *name, const char *parent)
{
	size_t ln = strlen(name), lp = strlen(parent);

	if (ln == lp)
		return strcmp(name, parent) == 0;
	return ln > lp && name[ln - lp - 1] == '.' && strcmp(name + ln - lp, parent) == 0;
}

/* sug_seen - store_each_header_from callback: a header_from below the registered domain, not registered */
static void
sug_seen(void *arg, const struct store_seen *it)
{
	struct sug_acc *acc = arg;
	char *name;
	size_t len;

	if (!learn_name_ok(it->name))
		return;
	name = xstrdup(it->name);
	str_lower(name);
	len = strlen(name);
	if (name[len - 1] == '.')
		name[len - 1] = '\0';
	if (!below(name, acc->under))
		goto drop;
	for (size_t i = 0; i < acc->nreg; i++)
		if (str_caseeq(acc->reg[i], name))
			goto drop;
	for (size_t i = 0; i < acc->n; i++) {
		struct learn_suggestion *g = &acc->v[i];

		if (strcmp(g->domain, name) == 0) {
			g->messages += it->messages;
			if (it->first >= 0 && (g->first < 0 || it->first < g->first))
				g->first = it->first;
			if (it->last > g->last)
				g->last = it->last;
			goto drop;
		}
	}
	if (acc->n == LEARN_SUGGEST_MAX)
		goto drop;
	acc->v = xreallocarray(acc->v, acc->n + 1, sizeof(*acc->v));
	acc->v[acc->n].domain = name;
	acc->v[acc->n].under = xstrdup(acc->under);
	acc->v[acc->n].messages = it->messages;
	acc->v[acc->n].first = it->first;
	acc->v[acc->n].last = it->last;
	acc->n++;
	return;
drop:
	free(name);
}

/* by_name - qsort order of suggestions */
static int
by_name(const void *x, const void *y)
{
	return strcmp(((const struct learn_suggestion *)x)->domain,
	    ((const struct learn_suggestion *)y)->domain);
}

enum ms_status
learn_suggest(struct store *s, char *const *reg, size_t n, int64_t since,
    struct learn_suggestion **out, size_t *nout)
{
	struct sug_acc acc = { reg, n, NULL, NULL, 0 };

	*out = NULL;
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		char *low = xstrdup(reg[i]);
		enum ms_status rc;

		str_lower(low);
		acc.under = low;
		rc = store_each_header_from(s, low, since, sug_seen, &acc);
		free(low);
		if (rc != MS_OK) {
			learn_suggestions_free(acc.v, acc.n);
			return rc;
		}
	}
	for (size_t i = 0; i < acc.n; i++) {
		/* under: the registered domain closest above (the longest) */
		for (size_t j = 0; j < n; j++) {
			char *low = xstrdup(reg[j]);

			str_lower(low);
			if (below(acc.v[i].domain, low) && strlen(low) > strlen(acc.v[i].under)) {
				free(acc.v[i].under);
				acc.v[i].under = low;
			} else
				free(low);
		}
	}
	if (acc.n > 1)
		qsort(acc.v, acc.n, sizeof(*acc.v), by_name);
	*out = acc.v;
	*nout = acc.n;
	return MS_OK;
}

void
learn_suggestions_free(struct learn_suggestion *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].domain);
		free(v[i].under);
	}
	free(v);
}
