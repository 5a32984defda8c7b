/* src/dns/authq.h - authoritative queries to named servers: no recursion, TTLs as served (ldns) */
#ifndef MS_DNS_AUTHQ_H
#define MS_DNS_AUTHQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "util/status.h"

#define AUTHQ_MAX_SERVERS	16
#define AUTHQ_MAX_RRS		256

/* One server: an IPv4 or IPv6 address and a port (53 unless given). */
struct authq_server {
	char		addr[64];
	uint16_t	port;
};

/*
 * What one server set serves for a name and type: the answer records owned
 * by the name (of that type, or a CNAME), each as "TTL RDATA-in-presentation"
 * in rr[] sorted by RDATA, with ttl[] beside them.  status is OK, NODATA,
 * NXDOMAIN, or SERVFAIL/TIMEOUT with why (no server of the set answered
 * authoritatively).  server says which server answered ("addr@port").
 */
struct authq_rrset {
	enum dns_outcome status;
	uint16_t	 type;		/* of the records (a CNAME when the name is an alias) */
	size_t		 n;
	char		*rdata[AUTHQ_MAX_RRS];
	uint32_t	 ttl[AUTHQ_MAX_RRS];
	char		*why;
	char		 server[80];
};

/*
 * authq_parse_servers - "ADDR[@PORT][,ADDR[@PORT]...]" (IPv6 addresses may be
 * bracketed: [2001:db8::1]@5353) into out[AUTHQ_MAX_SERVERS]; *err (caller
 * frees) on failure.
 */
MS_MUST_CHECK enum ms_status authq_parse_servers(const char *spec, struct authq_server *out, size_t *n,
    char **err);

/*
 * authq_query - ask the servers in order, without recursion (RD=0), until
 * one answers authoritatively (AA set, or NXDOMAIN/NOERROR from it); UDP
 * with TCP after truncation; timeout per server.  Blocking: for command-line
 * tools, not for the audit loop.  srv and name are borrowed; out is the
 * caller's, what it holds is freed with authq_rrset_clear().  On failure
 * (MS_ERR_ARG: name is not a valid name) out is a SERVFAIL with a why.
 */
MS_MUST_CHECK enum ms_status authq_query(const struct authq_server *srv, size_t nsrv, const char *name,
    uint16_t type, double timeout, struct authq_rrset *out);
/* authq_rrset_clear - free what r holds (r itself is the caller's); r is empty again */
void authq_rrset_clear(struct authq_rrset *r);

#endif
