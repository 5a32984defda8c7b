/* src/dns/resolver_unbound.h - libunbound backend: real, DNSSEC-validating lookups on the libevent loop */
#ifndef MS_DNS_RESOLVER_UNBOUND_H
#define MS_DNS_RESOLVER_UNBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/answer_wire.h"
#include "dns/dns.h"
#include "dns/resolver.h"
#include "util/status.h"

struct event_base;

/* Where Debian's dns-root-data keeps the root zone's trust anchor. */
#define UNBOUND_DEFAULT_TRUST_ANCHOR	"/usr/share/dns/root.key"
#define UNBOUND_DEFAULT_RESOLV_CONF	"/etc/resolv.conf"

/*
 * How to reach the DNS.  All strings are borrowed for the call only.
 *
 *   forward       "ADDR" or "ADDR@PORT" (IPv4 or IPv6 literal): send every
 *                 query to that recursive server.  NULL: the nameservers of
 *                 resolv_conf (when it names none, libunbound recurses from
 *                 the root itself).
 *   trust_anchor  a file of DS or DNSKEY records (zone-file syntax) for the
 *                 root or any zone; NULL: UNBOUND_DEFAULT_TRUST_ANCHOR.
 *   resolv_conf   NULL: UNBOUND_DEFAULT_RESOLV_CONF.
 *
 * Whenever queries are forwarded (forward set, or resolv.conf names a
 * server), every one of libunbound's built-in local zones (RFC 6761 test.,
 * invalid., onion., localhost., RFC 6303/5737/3849 reverse zones, ...) is
 * made transparent, so the named server answers fixture names and
 * documentation address ranges instead of libunbound answering NXDOMAIN
 * itself: the server we forward to applies its own local-zone policy.
 */
struct unbound_config {
	const char *forward;
	const char *trust_anchor;
	const char *resolv_conf;
	/*
	 * Ask the upstream over TCP ("tcp-upstream: yes"): libunbound keeps a
	 * few connections and sends many queries down each, where over UDP it
	 * opens, binds, connects and closes a socket per query.  For batches
	 * against a resolver known to serve TCP (docs/performance.md, session
	 * spfb); a resolver that refuses TCP fails every query.
	 */
	bool tcp;
	/*
	 * Send questions for names at or below a zone libunbound has proven
	 * insecure through a stub backend (resolver_stub.h) to the same
	 * upstream, and deliver its answers as insecure (resolver_unbound.c,
	 * "the insecure shortcut"; issue 23, docs/performance.md).
	 */
	bool insecure_shortcut;
};

/*
 * resolver_unbound_new - a validating resolver on base.  On failure *err
 * (caller frees) says why: unreadable trust anchor, bad --resolver address,
 * unreadable resolv.conf.  The resolver is freed with resolver_free();
 * per-query timeouts are the generic layer's (an expired query is
 * ub_cancel()led).
 */
MS_MUST_CHECK enum ms_status resolver_unbound_new(struct event_base *base, const struct unbound_config *cfg,
    double timeout_seconds, struct resolver **out, char **err);

/*
 * resolver_unbound_option - the value libunbound reports for option name
 * (ub_ctx_get_option() spelling: "outgoing-range", no colon) in r's
 * validating context, for tests and diagnostics.  Caller frees; NULL when r
 * is not a libunbound resolver or libunbound does not know the option.
 */
char *resolver_unbound_option(struct resolver *r, const char *name);

/* What the insecure shortcut did (resolver_unbound_shortcut_stats). */
struct unbound_shortcut_stats {
	uint64_t routed, reasked, marked, walked;
	bool not_loopback;	/* turned off: a resolver it would ask is not on loopback */
};

/*
 * resolver_unbound_shortcut_stats - what r's insecure shortcut did: queries
 * answered through the stub, of them asked again through libunbound (a
 * CNAME followed), names marked insecure, SOA questions the walk asked, and
 * whether it turned itself off because a resolver is not on loopback.
 * False (all zero) when r is not a libunbound resolver or has no shortcut.
 * r is borrowed; *out is the caller's.
 */
bool resolver_unbound_shortcut_stats(struct resolver *r, struct unbound_shortcut_stats *out);

/*
 * unbound_parse_forward - split "ADDR[@PORT]" into a normalised
 * "ADDR@PORT" string for libunbound (caller frees); MS_ERR_SYNTAX if ADDR is
 * not an IP literal or PORT is not 1..65535.
 */
MS_MUST_CHECK enum ms_status unbound_parse_forward(const char *spec, char **out);

/*
 * unbound_tcp_answers - whether the recursive server forward ("ADDR[@PORT]",
 * borrowed) answers a DNS query over TCP: connect, ". NS" with a random ID,
 * any reply with that ID counts.  Blocks for at most timeout_seconds; false
 * on a bad address, a refused or silent connection, or no reply in time.
 * For spf eval --batch's choice of transport (unbound_config.tcp).
 */
bool unbound_tcp_answers(const char *forward, double timeout_seconds);

/* unbound_lib_version, unbound_ldns_version - the libraries' run-time versions (static strings) */
const char *unbound_lib_version(void);
const char *unbound_ldns_version(void);

/* unbound_local_zones - libunbound's built-in local zones, NULL-terminated (static) */
const char *const *unbound_local_zones(void);

#endif
