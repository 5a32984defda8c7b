/* src/util/ipaddr.c - IPv4/IPv6 addresses: parse, format, reverse names, networks */
#include "util/ipaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

enum ms_status
ipaddr_parse(const char *s, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->b) == 1) {
		out->family = 4;
		return MS_OK;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1) {
		out->family = 6;
		return MS_OK;
	}
	return MS_ERR_SYNTAX;
}

bool
ipaddr_looks_like(const char *s)
{
	struct ipaddr a;

	return ipaddr_parse(s, &a) == MS_OK;
}

void
ipaddr_format(const struct ipaddr *a, char out[IPADDR_STRLEN])
{
	if (inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, out, IPADDR_STRLEN) == NULL)
		snprintf(out, IPADDR_STRLEN, "?");
}

void
ipaddr_reverse_name(const struct ipaddr *a, char out[IPADDR_REVLEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (a->family == 4) {
		snprintf(out, IPADDR_REVLEN, "%u.%u.%u.%u.in-addr.arpa",
		    a->b[3], a->b[2], a->b[1], a->b[0]);
		return;
	}
	for (int i = 15; i >= 0; i--) {
		out[o++] = hex[a->b[i] & 0xf];
		out[o++] = '.';
		out[o++] = hex[a->b[i] >> 4];
		out[o++] = '.';
	}
	memcpy(out + o, "ip6.arpa", sizeof("ip6.arpa"));
}

bool
ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	size_t n = a->family == 4 ? 4 : 16;

	return a->family == b->family && memcmp(a->b, b->b, n) == 0;
}

bool
ipaddr_in_net(const struct ipaddr *a, const struct ipaddr *net, unsigned prefix)
{
	unsigned max = a->family == 4 ? 32 : 128;
	unsigned full, rest;

	if (a->family != net->family || prefix > max)
		return false;
	full = prefix / 8;
	rest = prefix % 8;
	if (memcmp(a->b, net->b, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((a->b[full] & mask) != (net->b[full] & mask))
			return false;
	}
	return true;
}

bool
ipaddr_host_bits_set(const struct ipaddr *net, unsigned prefix)
{
	unsigned max = net->family == 4 ? 32 : 128;

	for (unsigned bit = prefix; bit < max; bit++)
		if (net->b[bit / 8] & (0x80 >> (bit % 8)))
			return true;
	return false;
}
