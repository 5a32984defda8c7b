/* src/checks/reports/spf_walk.h - which include: of a domain's SPF policy authorises an address */
#ifndef MS_CHECKS_REPORTS_SPF_WALK_H
#define MS_CHECKS_REPORTS_SPF_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include "util/ipaddr.h"

struct resolver;
struct spf_walk;

/*
 * A minimal, asynchronous walk of a domain's SPF record (RFC 7208) for the
 * report summary: the ip4:/ip6: networks it authorises with a pass
 * qualifier, following include: and redirect= (at most 10 lookups, §4.6.4),
 * each network labelled with the include: of the domain's own record it came
 * through (or the domain itself).  a, mx, ptr, exists and macros are not
 * evaluated: an address they authorise has no label.  This is a naming aid,
 * not an SPF evaluator (that is the SPF area's job).
 *
 * spf_walk_start - begin on res's event loop; the walk is done when the loop
 * has no more events.  The caller frees with spf_walk_free().
 */
struct spf_walk *spf_walk_start(struct resolver *res, const char *domain);
/* spf_walk_label - the include (or the domain) authorising a, or NULL; borrowed */
const char *spf_walk_label(const struct spf_walk *w, const struct ipaddr *a);
/* spf_walk_status - "ok", or why the walk is incomplete (borrowed) */
const char *spf_walk_status(const struct spf_walk *w);
void spf_walk_free(struct spf_walk *w);

#endif
