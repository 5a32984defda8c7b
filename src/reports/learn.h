/* src/reports/learn.h - what the checks learn from stored DMARC aggregate reports: DKIM selectors, unregistered header_from domains */
#ifndef MS_REPORTS_LEARN_H
#define MS_REPORTS_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/status.h"

/*
 * Receivers' aggregate reports name the DKIM selector of every signature
 * they saw (auth_results/dkim/selector) and the From domain of every
 * message (header_from).  Both are read from the store (the dkim_auth JSON
 * and header_from columns ingest keeps) over a window of
 * LEARN_WINDOW_DAYS before now; what a report says is hostile input, so
 * every name is checked (DNS labels of letters, digits, '-', '_') and
 * bounded before it is used; others are dropped.
 */
#define LEARN_WINDOW_DAYS	30	/* the reports read: those ending in the last 30 days */
#define LEARN_SELECTORS_MAX	64	/* selectors learnt per domain (the most recent kept) */
#define LEARN_SUGGEST_MAX	10000	/* suggestions per workspace */

/*
 * learn_selector_names - the full names "SELECTOR._domainkey.DOMAIN" of
 * the selectors seen signing as domain (d= domain) in the reports ending
 * at or after now - LEARN_WINDOW_DAYS, at most LEARN_SELECTORS_MAX, in
 * order: *out is NULL-terminated (caller frees with strv_free), NULL when
 * there are none.  The dkim area's "dkim-report-name" option takes them.
 * s and domain borrowed; on failure store_error(s) says why.
 */
MS_MUST_CHECK enum ms_status learn_selector_names(struct store *s, const char *domain, int64_t now,
    char ***out);

/*
 * learn_selector_names_many - learn_selector_names for each of
 * domains[0..n) in one query of the store (one round trip whatever n: the
 * monitor's claimed batch), the same lists: out[i] (NULL or
 * NULL-terminated, caller frees each with strv_free) for domains[i]; out is
 * the caller's array of n.  On failure every out[i] is NULL and
 * store_error(s) says why.  s and domains borrowed.
 */
MS_MUST_CHECK enum ms_status learn_selector_names_many(struct store *s, char *const *domains, size_t n,
    int64_t now, char ***out);

/* One header_from domain seen in reports but not registered. */
struct learn_suggestion {
	char *domain;		/* lower-case, owned */
	char *under;		/* the registered domain whose reports named it, owned */
	uint64_t messages;
	int64_t first, last;	/* epoch seconds, -1 unknown */
};

/*
 * learn_suggest - the header_from domains of the reports about the
 * registered domains reg[0..n) (ending at or after since) that are the
 * registered domain or below it but not themselves registered, each once
 * with its messages summed and its first and last report time, sorted by
 * name; at most LEARN_SUGGEST_MAX.  *out (caller frees with
 * learn_suggestions_free) holds *nout.  Everything given is borrowed.
 */
MS_MUST_CHECK enum ms_status learn_suggest(struct store *s, char *const *reg, size_t n, int64_t since,
    struct learn_suggestion **out, size_t *nout);
/* learn_suggestions_free - v[0..n) and v; NULL-safe */
void learn_suggestions_free(struct learn_suggestion *v, size_t n);

/* learn_name_ok - s (borrowed) is a DNS name of 1 to 253 bytes, labels of 1 to 63 letters, digits, '-', '_' */
bool learn_name_ok(const char *s);

#endif
