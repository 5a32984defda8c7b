/* src/dns/resolver_stub.h - stub backend: plain DNS to a recursive resolver the operator trusts */
#ifndef MS_DNS_RESOLVER_STUB_H
#define MS_DNS_RESOLVER_STUB_H

#include "dns/resolver.h"
#include "util/status.h"

#include <stdbool.h>

struct event_base;

/*
 * A stub resolver: every query goes as one RFC 1035 message (RD set, EDNS0
 * with a 1232-octet buffer, AD set to ask for the resolver's verdict, RFC
 * 6840 §5.7) over UDP to a recursive resolver, again over TCP when the reply
 * is truncated.  It does not validate DNSSEC itself: an answer is `secure`
 * when the resolver set the AD bit, so use it only with a resolver the
 * operator trusts on a path the operator controls (loopback, a private
 * link), which validates for a whole fleet of processes.  It exists for
 * programs that start once per evaluation (mailsec-spf): libunbound's
 * context costs far more to set up than such a process does in all
 * (docs/performance.md).
 *
 * Queries share a small pool of UDP sockets, each connected to one server
 * and kept for up to 256 queries (resolver_stub.c says when one is
 * retired): a socket's source port was chosen at random by the kernel when
 * it was made, but the queries sent on it share it, so only the 16-bit ID
 * is random per query.  That is what an off-path forger must guess, with
 * the question: one more reason to keep the resolver on loopback or on a
 * private link the operator controls.  Replies are accepted only from the
 * server asked, with the ID of a query waiting on that socket and that
 * query's question; anything else is a stray and is ignored (after 16
 * strays the socket takes no new query).  A query not answered within a
 * second is sent again, to the next server, with a new ID.  When no server has answered anything by a little
 * before the per-query timeout (or every server refused at once), the
 * resolver says once on stderr "no answer from ADDR: REASON", sets
 * r.unreachable and ends every query as a timeout, "no answer from the
 * resolver", like the libunbound backend.
 *
 * A question (the name's bytes as asked, the type, class IN) already in
 * flight is not sent again: the lookup waits for the first one's answer,
 * each lookup keeping its own timeout and cancel (the generic layer's).
 * Each resolver object keeps a bounded answer cache of its own
 * (dns/stub_cache.h: positive answers for their least TTL, negative ones
 * for the SOA's negative TTL when the reply carried the SOA, never
 * failures; 4,096 entries, 4 MiB, 300 s at most; the answers of questions
 * asked before lately or joined), its TTLs aged as a resolver's are.  A
 * lookup answered from either still counts in r.stats.queries (lookups
 * asked), and also in r.stats.cached or r.stats.joined.
 *
 * config.forward: "ADDR" or "ADDR@PORT" (an IP literal), or NULL for the
 * nameservers of resolv_conf (NULL: /etc/resolv.conf; at most 3; none:
 * 127.0.0.1).  Strings are borrowed for the call only.
 */
struct stub_config {
	const char *forward;
	const char *resolv_conf;
};

/*
 * resolver_stub_new - a stub resolver on base.  On failure *err (caller
 * frees) says why: a bad --resolver, an unreadable resolv.conf, the test
 * suite's MAILSEC_FORBID_SYSTEM_RESOLVER guard.  Freed with resolver_free().
 */
MS_MUST_CHECK enum ms_status resolver_stub_new(struct event_base *base, const struct stub_config *cfg,
    double timeout_seconds, struct resolver **out, char **err);

/*
 * resolver_stub_on_loopback - whether every server r (a stub resolver's)
 * sends to is a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104):
 * nobody off the host can see or forge what it asks there.  r is borrowed;
 * false when it is not a stub resolver.
 */
bool resolver_stub_on_loopback(const struct resolver *r);

#endif
