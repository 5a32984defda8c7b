/* src/checks/ns/ns_names.h - pure helpers of the NS check: mail names under a domain, NS sets */
#ifndef MS_CHECKS_NS_NS_NAMES_H
#define MS_CHECKS_NS_NS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/status.h"

/*
 * ns_names_between - the names strictly below domain and at or above host,
 * shortest first: for host "mx1.mail.example.org" under "example.org",
 * "mail.example.org" then "mx1.mail.example.org".  These are the names at
 * which a zone cut would hand the host to other name servers.  Writes at
 * most max pointers (allocated from ar) to out and the count to *n.
 * MS_ERR_ARG when host is not below domain (*n = 0); MS_ERR_LIMIT when more
 * than max names would be needed (the first max are written).
 * domain and host are borrowed; the names live as long as ar.
 */
MS_MUST_CHECK enum ms_status ns_names_between(struct arena *ar, const char *domain, const char *host,
    const char **out, size_t max, size_t *n);

/*
 * ns_set_within - whether every name of child (nc names) is one of apex
 * (na names), compared case-insensitively and ignoring a trailing dot.  An
 * empty child set is within anything.  Both sets are borrowed.
 */
bool ns_set_within(const char *const *child, size_t nc, const char *const *apex, size_t na);

/*
 * ns_names_in_record - the names strictly below domain that an SPF or DMARC
 * record's text (len bytes, need not be NUL-terminated) refers to, and every
 * name between them and domain, shortest first, without duplicates: the
 * targets of include:, a:, mx:, exists:, ptr: and redirect= (up to '/', none
 * with a macro), and the domains of mailto: report addresses (up to '!').
 * Any of them could be a zone cut handing mail to other name servers.  Pure;
 * at most max pointers (from ar) to out, the count in *n; texts longer than
 * 65535 bytes are MS_ERR_LIMIT with *n = 0, more names than max MS_ERR_LIMIT
 * with the first max written.
 * domain and text are borrowed; the names live as long as ar.
 */
MS_MUST_CHECK enum ms_status ns_names_in_record(struct arena *ar, const char *domain, const char *text,
    size_t len, const char **out, size_t max, size_t *n);

/* ns_parent - the name with its first label removed, or NULL for a single label (borrowed) */
const char *ns_parent(const char *name);

#endif
