/* src/store/store_names.h - reverse names of report source addresses: the cache the monitor fills and pages read */
#ifndef MS_STORE_STORE_NAMES_H
#define MS_STORE_STORE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/status.h"

/*
 * Page rendering never waits on the DNS: the monitor looks up the PTR name
 * of a domain's busiest report sources on its own loop and keeps each in
 * the table source_names (one row per address, replaced when looked up
 * again); the reports page reads the rows.  A name is a stranger's text:
 * kept as the DNS gave it, escaped by whoever shows it.
 */

/* One address's reverse name as kept (strings borrowed for a callback, or the caller's for a put). */
struct store_name {
	const char *ip;			/* as the reports wrote it */
	const char *name;		/* the PTR name, lower case, no final dot; NULL when none */
	const char *status;		/* ok, nodata, nxdomain, servfail, timeout, bogus */
	bool confirmed;			/* forward-confirmed: an A/AAAA of name is ip (FCrDNS) */
	int64_t resolved_at;		/* epoch seconds */
};
typedef void (*store_name_cb)(void *arg, const struct store_name *n);
typedef void (*store_ip_cb)(void *arg, const char *ip);

/* store_name_put - keep n (borrowed) for n->ip, replacing what was kept; MS_ERR_IO with store_error */
MS_MUST_CHECK enum ms_status store_name_put(struct store *s, const struct store_name *n);
/*
 * store_name_get - what is kept for ip (borrowed) to cb (borrowed for the
 * call), or nothing when there is no row; MS_ERR_IO with store_error
 */
MS_MUST_CHECK enum ms_status store_name_get(struct store *s, const char *ip, store_name_cb cb, void *arg);
/*
 * store_names_due - of domain's top sources by messages in the aggregate
 * reports whose period ended at or after since (at most top, busiest
 * first), each whose name is not kept, was resolved before stale (an answer:
 * ok, nodata, nxdomain) or before retry (a failure: servfail, timeout,
 * bogus), to cb (the address borrowed for the call)
 */
MS_MUST_CHECK enum ms_status store_names_due(struct store *s, const char *domain, int64_t since, size_t top,
    int64_t stale, int64_t retry, store_ip_cb cb, void *arg);

#endif
