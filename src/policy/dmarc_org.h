/* src/policy/dmarc_org.h - organizational domains: the Public Suffix List (RFC 7489 §3.2) and the DNS tree walk targets (RFC 9989 §4.10) */
#ifndef MS_POLICY_DMARC_ORG_H
#define MS_POLICY_DMARC_ORG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/status.h"

#define DMARC_WALK_MAX		8	/* queries of the RFC 9989 tree walk, at most */

struct suffix_list;

/*
 * dmarc_org_psl - the RFC 7489 organizational domain of name: its public
 * suffix plus one label; a name that is itself a public suffix is its own
 * organizational domain.  name is lower-cased and one trailing dot dropped;
 * result from arena.  psl is the session's list (borrowed; NULL: no list,
 * every name is its own organizational domain).
 */
const char *dmarc_org_psl(struct arena *ar, struct suffix_list *psl, const char *name);

/*
 * dmarc_walk_targets - the names RFC 9989 §4.10 queries (under _dmarc.) for
 * name, in order: name itself, then, for names of 8 labels or more, its 7
 * rightmost labels, then one label fewer each time down to the top-level
 * label.  At most DMARC_WALK_MAX; out[] (the caller's) gets names owned by
 * arena; name borrowed; returns the count.
 */
size_t dmarc_walk_targets(struct arena *ar, const char *name, const char *out[DMARC_WALK_MAX]);

/* dmarc_label_count - labels in a name (borrowed) without a trailing dot ("a.b" is 2) */
size_t dmarc_label_count(const char *name);
/* dmarc_suffix_labels - the rightmost n labels of name (a pointer into name: borrowed) */
const char *dmarc_suffix_labels(const char *name, size_t n);

#endif
