/* src/dns/resolver_replay.h - replay backend: answers from scenario data, deterministically */
#ifndef MS_DNS_RESOLVER_REPLAY_H
#define MS_DNS_RESOLVER_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "dns/resolver.h"
#include "util/status.h"

/*
 * Replay data is a small in-memory zone set plus failure markers, read from
 * the "zone:" section of a case file (tests/cases/<area>/<name>.case, see
 * docs/testing.md) or built by a test.  It answers as a validating recursive
 * resolver would: CNAME chains are followed (canon is set), names with no
 * records of their own but names below them are empty non-terminals
 * (NODATA), wildcards are expanded per RFC 4592, and names not present at
 * all are NXDOMAIN.  Markers make a name fail:
 *
 *     mail.example.test.   A      SERVFAIL
 *     slow.example.test.   *      TIMEOUT
 *     dead.example.test.   *      SILENT   (never answered: a dead server)
 *     $SECURE example.test.          (answers at or below are DNSSEC-secure)
 */
struct replay_data;

/* replay_data_new - empty scenario data; the caller frees with replay_data_free */
struct replay_data *replay_data_new(void);
/* replay_data_free - free d and its records; NULL-safe */
void replay_data_free(struct replay_data *d);

/*
 * replay_data_load_text - add the records in text (borrowed, copied into d);
 * *err (caller frees) names the line
 */
MS_MUST_CHECK enum ms_status replay_data_load_text(struct replay_data *d, const char *text, char **err);
/*
 * replay_data_load_file - as above from the file at path (borrowed); if it has
 * a "zone:" line, only what follows
 */
MS_MUST_CHECK enum ms_status replay_data_load_file(struct replay_data *d, const char *path, char **err);

/* replay_data_add - one record (owner and rdata copied into d) */
MS_MUST_CHECK enum ms_status replay_data_add(struct replay_data *d, const char *owner, uint16_t type,
    uint32_t ttl, const uint8_t *rdata, size_t len);

/*
 * Where data came from: a file (an index the caller chose, e.g. the position
 * of the zone file on lint's command line) and a 1-based line, 0 when not
 * known.  Answers never depend on it; it lets an output (SARIF) point a
 * finding at the line of the record it is about (docs/sarif.md).
 */
struct replay_where {
	unsigned	file;
	unsigned	line;
};

/* replay_data_add_at - replay_data_add, remembering where the record was read (copied) */
MS_MUST_CHECK enum ms_status replay_data_add_at(struct replay_data *d, const char *owner, uint16_t type,
    uint32_t ttl, const uint8_t *rdata, size_t len, struct replay_where at);
/* replay_data_add_marker - owner/type (owner copied) answers outcome instead of records */
MS_MUST_CHECK enum ms_status replay_data_add_marker(struct replay_data *d, const char *owner,
    uint16_t type, enum dns_outcome outcome);
/*
 * replay_data_add_silent - queries for owner/type (0: every type) are never
 * answered by the replay backend: the resolver's per-query timeout or a
 * cancel (a run's deadline) ends them, as with a dead server.
 * replay_data_answer() reports them as TIMEOUT.
 */
MS_MUST_CHECK enum ms_status replay_data_add_silent(struct replay_data *d, const char *owner, uint16_t type);
void replay_data_add_secure(struct replay_data *d, const char *zone);

/*
 * replay_data_add_origin / replay_data_set_outside - the "outside" rule for
 * data that is a complete copy of some zones (mailsec lint over zone
 * files).  Once set, a query for a name not at or below any added origin is
 * answered with outcome (SERVFAIL, TIMEOUT or BOGUS: "could not tell", never
 * NXDOMAIN) and the why given (copied), because nothing can be known about
 * it offline.  A CNAME inside an origin pointing outside keeps its chain
 * (canon is set), so "this is an alias" is still seen.  Without
 * replay_data_set_outside, every name is answered from the data as before.
 */
void replay_data_add_origin(struct replay_data *d, const char *origin);
/* replay_data_add_origin_at - as above (origin copied); soa is where the zone's SOA (its apex) was read */
void replay_data_add_origin_at(struct replay_data *d, const char *origin, struct replay_where soa);
/* replay_data_set_outside - names outside every origin answer outcome with why (copied) */
MS_MUST_CHECK enum ms_status replay_data_set_outside(struct replay_data *d, enum dns_outcome outcome,
    const char *why);
/* replay_data_is_inside - whether name (borrowed) is at or below an added origin */
bool replay_data_is_inside(const struct replay_data *d, const char *name);

/*
 * replay_data_record_where - where the first record (in the data's order)
 * owned by name (any case, trailing dot optional) of type (0: any type) that
 * match accepts (NULL: any) was read; match gets the record's wire RDATA
 * (borrowed) and arg.  False when there is none or its place is not known.
 */
bool replay_data_record_where(const struct replay_data *d, const char *name, uint16_t type,
    bool (*match)(const uint8_t *rdata, size_t len, void *arg), void *arg,
    struct replay_where *out);

/*
 * replay_data_zone_where - where the SOA of the deepest origin at or above
 * name (borrowed) was read (added with replay_data_add_origin_at) into *out;
 * false when name is outside every origin or the place is not known.
 */
bool replay_data_zone_where(const struct replay_data *d, const char *name,
    struct replay_where *out);

/*
 * replay_data_scan_only - stop using d's index: every later lookup scans the
 * data, as when the index outgrows its bound.  The answers are the same
 * either way (slower); tests use this to compare the two.  d is borrowed.
 */
void replay_data_scan_only(struct replay_data *d);

/*
 * replay_data_answer - the answer, synchronously (for pure tests); a new
 * reference: caller unrefs
 */
struct dns_answer *replay_data_answer(const struct replay_data *d, const char *name,
    uint16_t type);

/*
 * resolver_replay_new - a resolver serving d (borrowed: it must outlive the
 * resolver).  Answers are delivered on the next loop iteration; TIMEOUT
 * markers are delivered at once as DNS_TIMEOUT, without waiting.
 */
struct resolver *resolver_replay_new(struct event_base *base, const struct replay_data *d,
    double timeout_seconds);

#endif
