/* src/checks/dmarc/dmarc_org.h - organizational domains: the Public Suffix List (RFC 7489 §3.2) and the DNS tree walk targets (RFC 9989 §4.10) */
#ifndef MS_CHECKS_DMARC_DMARC_ORG_H
#define MS_CHECKS_DMARC_DMARC_ORG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/status.h"

#define DMARC_PSL_DEFAULT	"/usr/share/publicsuffix/public_suffix_list.dat"
#define DMARC_WALK_MAX		8	/* queries of the RFC 9989 tree walk, at most */

/*
 * dmarc_psl_load - load the Public Suffix List used for RFC 7489
 * organizational domains: path, or the publicsuffix package's list when
 * path is NULL (falling back to libpsl's built-in list when that file is
 * absent).  Process-wide; a second call replaces the first.  On failure *err
 * is set (caller frees) and the previous list stays.
 */
enum ms_status dmarc_psl_load(const char *path, char **err);
/* dmarc_psl_source - the file the list came from, or "built-in" (static) */
const char *dmarc_psl_source(void);
/* dmarc_psl_free - release the list (at exit, for leak checkers) */
void dmarc_psl_free(void);

/*
 * dmarc_org_psl - the RFC 7489 organizational domain of name: its public
 * suffix plus one label; a name that is itself a public suffix is its own
 * organizational domain.  name is lower-cased and one trailing dot dropped;
 * result from arena.  Loads the default list on first use.
 */
const char *dmarc_org_psl(struct arena *ar, const char *name);

/*
 * dmarc_walk_targets - the names RFC 9989 §4.10 queries (under _dmarc.) for
 * name, in order: name itself, then, for names of 8 labels or more, its 7
 * rightmost labels, then one label fewer each time down to the top-level
 * label.  At most DMARC_WALK_MAX; out[] from arena; returns the count.
 */
size_t dmarc_walk_targets(struct arena *ar, const char *name, const char *out[DMARC_WALK_MAX]);

/* dmarc_label_count - labels in a name without a trailing dot ("a.b" is 2) */
size_t dmarc_label_count(const char *name);
/* dmarc_suffix_labels - the rightmost n labels of name (pointer into name) */
const char *dmarc_suffix_labels(const char *name, size_t n);

#endif
