/* src/dns/insecure_cuts.h - names libunbound proved insecure, and the SOA walk that finds them (issue 23) */
#ifndef MS_DNS_INSECURE_CUTS_H
#define MS_DNS_INSECURE_CUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A bounded table of names, one state each, for one resolver (no globals):
 *
 *   CUT_INSECURE  libunbound returned, for this name A itself, an answer that
 *                 is neither secure nor bogus nor failed (records owned by A,
 *                 no CNAME followed, or NXDOMAIN/NODATA for A): the zone
 *                 that served it is insecure, and so is every name at or
 *                 below A (RFC 4035 §4.3, §5) -- unless a trust anchor sits
 *                 at or below A, which insecure_cuts_may_mark() refuses.
 *   CUT_NOT       asked, and secure, bogus or failed: marks nothing (kept so
 *                 the walk does not ask again before it expires).
 *   CUT_ASKING    the walk's SOA question for it is in flight.
 *
 * Names are compared in lower case without a trailing dot; a name with a
 * backslash escape is never looked up or marked (conservative).  Entries
 * expire at the time given when set (the caller's clock, seconds); when the
 * table is full the oldest entry goes.  Pure: no I/O, no clock of its own.
 */
enum cut_state { CUT_NONE = 0, CUT_ASKING, CUT_NOT, CUT_INSECURE };

#define INSECURE_CUTS_MAX	4096	/* entries per resolver */
#define INSECURE_CUTS_LABELS	8	/* the walk asks about at most this many ancestors of a name */

struct insecure_cuts;

/*
 * insecure_cuts_new - an empty table of at most max entries (0:
 * INSECURE_CUTS_MAX); anchors (borrowed for the call: owner names of the
 * trust anchors, n of them) are copied: no name at or above one is marked.
 * Caller frees with insecure_cuts_free().
 */
struct insecure_cuts *insecure_cuts_new(size_t max, const char *const *anchors, size_t n);
void insecure_cuts_free(struct insecure_cuts *c);

/* insecure_cuts_may_mark - whether name (borrowed) may ever be CUT_INSECURE: no anchor at or below it */
bool insecure_cuts_may_mark(const struct insecure_cuts *c, const char *name);

/* insecure_cuts_covers - whether name (borrowed) is at or below an unexpired CUT_INSECURE at now */
bool insecure_cuts_covers(const struct insecure_cuts *c, const char *name, double now);

/* insecure_cuts_get - the state of name (borrowed) at now (CUT_NONE when absent or expired) */
enum cut_state insecure_cuts_get(const struct insecure_cuts *c, const char *name, double now);

/*
 * insecure_cuts_set - name (copied) is in state until expires; CUT_INSECURE
 * for a name insecure_cuts_may_mark() refuses is stored as CUT_NOT.  False
 * when name cannot be kept (an escape, too long).
 */
bool insecure_cuts_set(struct insecure_cuts *c, const char *name, enum cut_state state, double expires);

/* insecure_cuts_count - entries of c (borrowed) in state (CUT_NONE: all), expired ones included */
size_t insecure_cuts_count(const struct insecure_cuts *c, enum cut_state state);

/*
 * insecure_cuts_next - the walk's next question for name (borrowed): the
 * shortest ancestor-or-self of name (at most INSECURE_CUTS_LABELS labels
 * from the top) with no unexpired entry, written into out (the caller's,
 * DNS_NAME_MAX octets, lower case, no trailing dot).  False when there is
 * nothing to ask: name is covered, an ancestor is being asked about
 * (CUT_ASKING: wait for it), a name could not be kept, or every candidate
 * is CUT_NOT.
 */
bool insecure_cuts_next(const struct insecure_cuts *c, const char *name, double now, char *out);

#endif
