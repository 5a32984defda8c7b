/* src/reports/source_names.h - reverse names of report sources, forward-confirmed, looked up by the monitor into the store */
#ifndef MS_REPORTS_SOURCE_NAMES_H
#define MS_REPORTS_SOURCE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/status.h"

struct resolver;

/*
 * The reports page shows each source's reverse name without asking the DNS
 * (store/store_names.h).  The monitor fills the cache: after it stores a
 * domain's result it calls names_refresh(), which picks the domain's
 * busiest sources in its recent aggregate reports whose name is missing or
 * old, looks up each one's PTR and forward-confirms it (FCrDNS, as
 * parsedmarc does: an A or AAAA of the name is the address again), and
 * keeps the outcome.  Bounded: at most `top` addresses per call, at most
 * `names_max` names of a PTR answer confirmed, so a call makes at most
 * top * (1 + names_max) queries; an answer is kept for `ttl` seconds, a
 * failure (SERVFAIL, timeout, bogus) for `retry`.
 */
struct names_config {
	size_t top;		/* addresses per domain and call (default 10) */
	int64_t window;		/* reports whose period ended within this many seconds (default 90 days) */
	int64_t ttl;		/* an answer is looked up again after this (default 1 day) */
	int64_t retry;		/* a failure after this (default 1 hour) */
	size_t names_max;	/* names of one PTR answer forward-checked (default 2) */
};

/* names_config_default - the defaults, into the caller's *c */
void names_config_default(struct names_config *c);

/*
 * names_done_cb - a refresh is over: how many addresses were looked up and
 * kept; why (borrowed for the call) NULL, or the first store failure
 */
typedef void (*names_done_cb)(void *arg, const char *domain, size_t kept, const char *why);

/*
 * names_refresh - start looking up the reverse names of domain's due
 * sources at now through res (on its loop, which the caller runs).  *started
 * true when lookups are in flight: done then runs once, from the loop, never
 * from inside this call; false when nothing was due (done never runs).  The
 * store is read before this returns (a failure is returned with
 * store_error, and done never runs).  s and res must stay until done has
 * run; domain and c are copied; arg is kept.
 */
MS_MUST_CHECK enum ms_status names_refresh(struct store *s, struct resolver *res, const char *domain, int64_t now,
    const struct names_config *c, names_done_cb done, void *arg, bool *started);

#endif
