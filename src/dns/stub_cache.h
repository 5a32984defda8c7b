/* src/dns/stub_cache.h - the stub backend's answer cache: bounded, per resolver, TTLs aged (issue 23) */
#ifndef MS_DNS_STUB_CACHE_H
#define MS_DNS_STUB_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

/*
 * A cache of parsed answers (struct dns_answer, shared by reference: every
 * consumer treats an answer as read-only) keyed by the question exactly as
 * asked: the name's bytes (case and all) and the type, class IN.  It holds
 * what a recursive resolver would hold for a stub that asks it again:
 *
 * - DNS_OK for the TTL the caller gives (the least TTL of the reply's
 *   answer section, CNAMEs included: resolver_stub.c reads it);
 * - DNS_NODATA and DNS_NXDOMAIN for the negative TTL (RFC 2308 §5: the SOA's
 *   TTL or MINIMUM, the lesser) only when the reply carried the SOA of the
 *   zone denying the name itself (answer->zone set), else not at all;
 * - never SERVFAIL, TIMEOUT or BOGUS, nor anything with a TTL of 0;
 *
 * and every entry for at most max_life seconds (the monitor runs for
 * months).  Bounded by entries and by bytes (an estimate of the parsed
 * answer's heap: a hostile reply of 64 KiB is about 130 KiB parsed); an
 * answer costing more than an eighth of max_bytes is not kept.  The least
 * recently used entry goes first.  A hit after `age` whole seconds is a copy
 * whose TTLs are less `age`, as a resolver's cached answers are (made at
 * most once per entry per second: hits in the same second share it).
 *
 * Which answers to keep is the caller's to decide (stub_cache_put keeps
 * what it is given); stub_cache_get helps: on a miss it says whether the
 * same question missed lately too (a doorkeeper of fingerprints, as in
 * TinyLFU), so that a name asked once (a domain's own DKIM selectors, 60%
 * of a full audit's questions) need not displace one many domains share
 * (a provider's MX host, an SPF include, the organisational `_dmarc`).
 *
 * Time is the caller's: milliseconds on any monotonic clock.  Not
 * thread-safe; one per resolver object, never global.
 */
struct stub_cache_limits {
	size_t	 max_entries;	/* 0: STUB_CACHE_ENTRIES */
	size_t	 max_bytes;	/* 0: STUB_CACHE_BYTES */
	uint32_t max_life;	/* seconds; 0: STUB_CACHE_LIFE */
};

#define STUB_CACHE_ENTRIES	4096
#define STUB_CACHE_BYTES	(4u << 20)
#define STUB_CACHE_LIFE		300

struct stub_cache_stats {
	uint64_t hits, misses, stored, evicted, expired, refused;
	size_t entries, bytes;
};

struct stub_cache;

/* stub_cache_new - an empty cache with limits lim (copied; NULL: the defaults); free with stub_cache_free */
struct stub_cache *stub_cache_new(const struct stub_cache_limits *lim);
/* stub_cache_free - every entry's reference dropped, c freed; NULL-safe */
void stub_cache_free(struct stub_cache *c);

/*
 * stub_cache_put - keep a (the cache takes its own reference; the caller's
 * stays the caller's) for ttl seconds from now_ms, if the rules above allow
 * it; an entry for the same question is replaced.  True if kept.
 */
bool stub_cache_put(struct stub_cache *c, struct dns_answer *a, uint32_t ttl, uint64_t now_ms);

/*
 * stub_cache_get - the answer to name (borrowed; compared byte for byte) and
 * type at now_ms, its TTLs aged, or NULL (absent or expired: an expired
 * entry is dropped).  The caller owns one reference and unrefs it.  On a
 * miss *again (the caller's) says whether this question missed lately
 * before (its answer is worth keeping); true on a hit.
 */
struct dns_answer *stub_cache_get(struct stub_cache *c, const char *name, uint16_t type, uint64_t now_ms,
    bool *again);

/* stub_cache_stats - c's counters and current size (read-only, valid until the next call on c) */
const struct stub_cache_stats *stub_cache_stats(const struct stub_cache *c);

/* stub_answer_cost - the estimate of a's heap (borrowed) used for max_bytes */
size_t stub_answer_cost(const struct dns_answer *a);

/*
 * stub_question_hash - FNV-1a over a question's name (its bytes exactly as
 * asked, name borrowed) and type: the cache's key and the stub's table of
 * queries in flight.
 */
uint32_t stub_question_hash(const char *name, uint16_t type);

#endif
