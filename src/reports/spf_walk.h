/* src/reports/spf_walk.h - which include: of a domain's SPF policy authorises each report source */
#ifndef MS_REPORTS_SPF_WALK_H
#define MS_REPORTS_SPF_WALK_H

#include <stddef.h>

#include "util/ipaddr.h"

struct resolver;
struct spf_walk;

/*
 * For the report summary: each source address is evaluated against the
 * domain's SPF policy by check_host() (policy/spf_eval.h,
 * RFC 7208: macros, redirect=, a/mx/ptr/ip4/ip6/exists, the 10-term and
 * 2-void lookup limits), as mail from postmaster@domain with an unknown HELO
 * name.  A source that passes is labelled with the include: of the policy's
 * top-level record (after any redirect=) it matched through, expanded, or
 * with the domain whose record holds the matching term.
 */

/*
 * spf_walk_start - begin the n evaluations of ips (copied) on res's event
 * loop; done (may be NULL) runs once from the loop, never from inside this
 * call, when the last has ended.  The caller frees with spf_walk_free(),
 * from done or after it.
 */
struct spf_walk *spf_walk_start(struct resolver *res, const char *domain,
    const struct ipaddr *ips, size_t n, void (*done)(struct spf_walk *w, void *arg), void *arg);
/* spf_walk_label - what authorises ips[i] (a pass), or NULL; borrowed */
const char *spf_walk_label(const struct spf_walk *w, size_t i);
/*
 * spf_walk_status - "ok", or "RESULT: problem" of the first source (in the
 * order given, then a probe address the policy does not list: 192.0.2.1)
 * whose evaluation ended in none, temperror or permerror: the policy could
 * not say for it.  Borrowed.
 */
const char *spf_walk_status(const struct spf_walk *w);
void spf_walk_free(struct spf_walk *w);

#endif
