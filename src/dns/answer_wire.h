/* src/dns/answer_wire.h - a DNS reply packet to a dns_answer (pure: ldns, no I/O) */
#ifndef MS_DNS_ANSWER_WIRE_H
#define MS_DNS_ANSWER_WIRE_H

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
 * backend delivers: rcode, the reply packet, the DNSSEC verdict: 0 insecure, 1 bogus, 2 secure, and the bogus
 * reason) into a dns_answer for qname/qtype.  Pure: the packet is parsed
 * with ldns; records of qtype owned by the name at the end of the CNAME
 * chain in the answer section are kept (canon set when a CNAME was
 * followed); NXDOMAIN/NODATA come from the rcode; SERVFAIL, REFUSED, a
 * missing or malformed packet, a CNAME loop or an over-long chain are
 * DNS_SERVFAIL; bogus is DNS_BOGUS with the reason.  Caller unrefs.
 */
struct dns_answer *unbound_answer_from_wire(const char *qname, uint16_t qtype, int rcode,
    const uint8_t *pkt, size_t len, int sec, const char *why_bogus);

/* dns_wire_rcode_name - "SERVFAIL", "REFUSED" ... for messages ("an error" if unnamed; static) */
const char *dns_wire_rcode_name(int rcode);

#endif
