/* src/policy/report_uri.c - report URIs (mailto: and https:) as TLS-RPT (RFC 8460 §3) and BIMI records carry them */
#include "policy/report_uri.h"
#include "dns/dns.h"
#include "util/ipaddr.h"
#include "util/str.h"

#include <stdint.h>
#include <string.h>

/* is_alnum - an ASCII letter or digit */
static bool
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* uri_chars - RFC 3986 characters allowed in a path/query, with valid %XX */
static bool
uri_chars(const char *s, size_t n, const char **why)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n || !is_hex((unsigned char)s[i + 1]) || !is_hex((unsigned char)s[i + 2])) {
				*why = "a '%' not followed by two hex digits";
				return false;
			}
			i += 2;
			continue;
		}
		if (is_alnum(c) || strchr("-._~!$&'()*+,;=:@/?", c) != NULL)
			continue;
		*why = "a character that must be %-encoded in a URI";
		return false;
	}
	return true;
}

/* host_ok - a host name, an IPv4 address, or an [IPv6] literal */
static bool
host_ok(const char *s, size_t n, const char **why)
{
	char h[256];

	if (n == 0 || n >= sizeof(h)) {
		*why = n ? "host name too long" : "no host";
		return false;
	}
	memcpy(h, s, n);
	h[n] = '\0';
	if (h[0] == '[') {
		struct ipaddr ip;

		if (h[n - 1] != ']') {
			*why = "unterminated [IPv6] literal";
			return false;
		}
		h[n - 1] = '\0';
		if (ipaddr_parse(h + 1, &ip) != MS_OK) {
			*why = "bad [IPv6] literal";
			return false;
		}
		return true;
	}
	if (ipaddr_looks_like(h))
		return true;
	return dns_name_check_host(h, why);
}

/* report_uri_check - a usable mailto: or https: report URI (report_uri.h) */
bool
report_uri_check(const char *s, size_t n, bool allow_mailto, const char **why)
{
	if (n >= 7 && str_ncasecmp(s, "mailto:", 7) == 0) {
		const char *at, *end = s + n, *all_end = s + n, *q;
		size_t ln;

		if (!allow_mailto) {
			*why = "only https: URIs are allowed here";
			return false;
		}
		s += 7;
		q = memchr(s, '?', (size_t)(end - s));
		if (q)
			end = q;
		at = NULL;
		for (const char *p = s; p < end; p++)
			if (*p == '@')
				at = p;
		if (at == NULL || at == s) {
			*why = "a mailto: URI needs local-part@domain";
			return false;
		}
		ln = (size_t)(at - s);
		for (size_t i = 0; i < ln; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == '%') {
				if (i + 2 >= ln || !is_hex((unsigned char)s[i + 1]) ||
				    !is_hex((unsigned char)s[i + 2])) {
					*why = "a '%' not followed by two hex digits";
					return false;
				}
				i += 2;
			} else if (!is_alnum(c) && strchr("!#$&'*+-/=^_`{|}~.", c) == NULL) {
				*why = "a character not allowed in the local part of an address";
				return false;
			}
		}
		if (!host_ok(at + 1, (size_t)(end - at - 1), why))
			return false;
		if (q && !uri_chars(q + 1, (size_t)(all_end - q - 1), why))
			return false;
		return true;
	}
	if (n >= 8 && str_ncasecmp(s, "https://", 8) == 0) {
		const char *h = s + 8, *end = s + n, *p = h, *colon = NULL;

		while (p < end && *p != '/' && *p != '?' && *p != '#') {
			if (*p == ']')
				colon = NULL;
			else if (*p == ':')
				colon = p;
			p++;
		}
		if (memchr(h, '@', (size_t)(p - h))) {
			*why = "user information in an https: URI";
			return false;
		}
		if (colon) {
			uint64_t port;

			if (str_to_u64(colon + 1, (size_t)(p - colon - 1), 65535, &port) != MS_OK ||
			    port == 0) {
				*why = "bad port";
				return false;
			}
		}
		if (!host_ok(h, (size_t)((colon ? colon : p) - h), why))
			return false;
		if (p < end && *p == '#') {
			*why = "a fragment (#) in a report URI";
			return false;
		}
		return uri_chars(p, (size_t)(end - p), why);
	}
	{
		const char *c = memchr(s, ':', n);

		*why = c ? "the scheme must be mailto: or https:" : "not a URI (no scheme)";
		if (c && !allow_mailto)
			*why = "the scheme must be https:";
	}
	return false;
}

