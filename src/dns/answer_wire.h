/* src/dns/answer_wire.h - a DNS reply packet to a dns_answer (pure: its own reader, no I/O) */
#ifndef MS_DNS_ANSWER_WIRE_H
#define MS_DNS_ANSWER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

/*
 * Shared by the backends that receive wire replies (libunbound's, the stub's)
 * and kept apart from them, so a program that links one backend does not
 * pull in the other's library.
 */

/*
 * unbound_answer_from_wire - turn a reply (what libunbound or the stub
 * backend delivers: rcode, the reply packet, the DNSSEC verdict: 0
 * insecure, 1 bogus, 2 secure, and the bogus reason) into a dns_answer for
 * qname/qtype.  Pure: the packet is read in place, without a DNS library
 * (answer_wire.c says what is malformed); records of qtype owned by the
 * name at the end of the CNAME chain in the answer section are kept (canon set when a CNAME was
 * followed); NXDOMAIN/NODATA come from the rcode; SERVFAIL, REFUSED, a
 * missing or malformed packet, a CNAME loop or an over-long chain are
 * DNS_SERVFAIL; bogus is DNS_BOGUS with the reason.  Caller unrefs.
 */
struct dns_answer *unbound_answer_from_wire(const char *qname, uint16_t qtype, int rcode,
    const uint8_t *pkt, size_t len, int sec, const char *why_bogus);

/*
 * dns_wire_ede - the first Extended DNS Error option (RFC 8914) in the OPT
 * record of a reply packet.  True with *code set and its EXTRA-TEXT copied
 * into text (NUL-terminated, cut to textsize - 1 octets, anything but
 * printable ASCII replaced by '?'); false when there is no OPT record or no
 * EDE option, or the packet or the option list is malformed.  Pure; text is
 * the caller's.
 */
bool dns_wire_ede(const uint8_t *pkt, size_t len, uint16_t *code, char *text, size_t textsize);

/*
 * dns_answer_from_validating_reply - a reply from a recursive resolver the
 * operator trusts to validate (the stub backend, --resolver-validates):
 * secure when it set the AD bit (RFC 6840 §5.7); a SERVFAIL carrying an
 * Extended DNS Error of RFC 8914's DNSSEC failures (6-12: DNSSEC Bogus,
 * Signature Expired, ..., NSEC Missing) is DNS_BOGUS with the resolver's
 * reason, as libunbound's own validation would say; any other SERVFAIL
 * stays DNS_SERVFAIL.  Pure; caller unrefs.
 */
struct dns_answer *dns_answer_from_validating_reply(const char *qname, uint16_t qtype,
    const uint8_t *pkt, size_t len);

/* dns_wire_rcode_name - "SERVFAIL", "REFUSED" ... for messages ("an error" if unnamed; static) */
const char *dns_wire_rcode_name(int rcode);

#endif
