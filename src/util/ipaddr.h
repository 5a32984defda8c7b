/* src/util/ipaddr.h - IPv4/IPv6 addresses: parse, format, reverse names, networks */
#ifndef MS_UTIL_IPADDR_H
#define MS_UTIL_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

struct ipaddr {
	int	family;		/* 4 or 6 */
	uint8_t	b[16];		/* network byte order; IPv4 uses b[0..3] */
};

#define IPADDR_STRLEN	46	/* INET6_ADDRSTRLEN */
#define IPADDR_REVLEN	74	/* 32 nibbles, dots, "ip6.arpa" */

/*
 * ipaddr_parse - an IPv4 dotted quad or an IPv6 address, nothing else; s
 * borrowed, *out the caller's
 */
MS_MUST_CHECK enum ms_status ipaddr_parse(const char *s, struct ipaddr *out);
/* ipaddr_looks_like - whether s (borrowed) parses as an address */
bool ipaddr_looks_like(const char *s);
/* ipaddr_format - a's text into the caller's out (a borrowed) */
void ipaddr_format(const struct ipaddr *a, char out[IPADDR_STRLEN]);
/*
 * ipaddr_reverse_name - "4.3.2.1.in-addr.arpa" or the ip6.arpa nibble name,
 * into the caller's out
 */
void ipaddr_reverse_name(const struct ipaddr *a, char out[IPADDR_REVLEN]);
/* ipaddr_equal - same family and address (both borrowed) */
bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);
/* ipaddr_in_net - whether a lies in net/prefix (same family only; both borrowed) */
bool ipaddr_in_net(const struct ipaddr *a, const struct ipaddr *net, unsigned prefix);
/* ipaddr_host_bits_set - whether bits past prefix are non-zero (net borrowed) */
bool ipaddr_host_bits_set(const struct ipaddr *net, unsigned prefix);

#endif
