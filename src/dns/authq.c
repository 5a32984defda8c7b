/* src/dns/authq.c - authoritative queries to named servers: no recursion, TTLs as served (ldns) */
#include "dns/authq.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ms_status
authq_parse_servers(const char *spec, struct authq_server *out, size_t *n, char **err)
{
	size_t count = 0;
	char **items = str_split(spec, ',', &count);
	enum ms_status st = MS_OK;

	*n = 0;
	*err = NULL;
	for (size_t i = 0; i < count && st == MS_OK; i++) {
		char *s = str_trim(items[i]), *addr = s, *port = NULL;
		uint64_t p = 53;
		struct authq_server *sv;

		if (*s == '\0')
			continue;
		if (*n >= AUTHQ_MAX_SERVERS) {
			*err = xasprintf("at most %d servers in one set", AUTHQ_MAX_SERVERS);
			st = MS_ERR_LIMIT;
			break;
		}
		if (*s == '[') {
			char *close = strchr(s, ']');

			if (close == NULL) {
				*err = xasprintf("\"%s\": unclosed [", s);
				st = MS_ERR_SYNTAX;
				break;
			}
			*close = '\0';
			addr = s + 1;
			if (close[1] == '@')
				port = close + 2;
			else if (close[1] != '\0') {
				*err = xasprintf("\"%s\": expected @PORT after ]", s);
				st = MS_ERR_SYNTAX;
				break;
			}
		} else {
			char *at = strrchr(s, '@');

			if (at) {
				*at = '\0';
				port = at + 1;
			}
		}
		if (port && (str_to_u64(port, strlen(port), 65535, &p) != MS_OK || p == 0)) {
			*err = xasprintf("\"%s\": the port must be 1 to 65535", items[i]);
			st = MS_ERR_SYNTAX;
			break;
		}
		{
			ldns_rdf *r = strchr(addr, ':') ?
			    ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, addr) :
			    ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, addr);

			if (r == NULL || strlen(addr) >= sizeof(sv->addr)) {
				*err = xasprintf("\"%s\" is not an IP address (servers are given by address)",
				    addr);
				if (r)
					ldns_rdf_deep_free(r);
				st = MS_ERR_SYNTAX;
				break;
			}
			ldns_rdf_deep_free(r);
		}
		sv = &out[(*n)++];
		snprintf(sv->addr, sizeof(sv->addr), "%s", addr);
		sv->port = (uint16_t)p;
	}
	strv_free(items);
	if (st == MS_OK && *n == 0) {
		*err = xstrdup("no server given");
		st = MS_ERR_SYNTAX;
	}
	return st;
}

void
authq_rrset_clear(struct authq_rrset *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->rdata[i]);
	free(r->why);
	memset(r, 0, sizeof(*r));
}

/* rdata_str - the record's RDATA fields in presentation form, space separated; caller frees */
static char *
rdata_str(const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(256);
	char *out;

	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		if (i)
			ldns_buffer_printf(b, " ");
		ldns_rdf2buffer_str(b, ldns_rr_rdf(rr, i));
	}
	out = ldns_buffer_export2str(b);
	ldns_buffer_free(b);
	return out ? out : xstrdup("");
}

/* cmp_str - strcmp for qsort-style callers */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* one_server - ask one server; false when it did not answer authoritatively */
static bool
one_server(const struct authq_server *sv, ldns_rdf *qname, uint16_t type, double timeout,
    struct authq_rrset *out)
{
	ldns_resolver *res = ldns_resolver_new();
	ldns_rdf *ns = strchr(sv->addr, ':') ? ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, sv->addr) :
	    ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, sv->addr);
	ldns_pkt *pkt = NULL;
	struct timeval tv;
	ldns_status s;
	bool ok = false;

	if (res == NULL || ns == NULL)
		goto done;
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
	ldns_resolver_push_nameserver(res, ns);
	ldns_resolver_set_port(res, sv->port);
	ldns_resolver_set_recursive(res, false);
	ldns_resolver_set_dnssec(res, false);
	ldns_resolver_set_retry(res, 1);
	ldns_resolver_set_retrans(res, 1);
	ldns_resolver_set_timeout(res, tv);
	ldns_resolver_set_fallback(res, true);
	ldns_resolver_set_random(res, false);
	s = ldns_resolver_send(&pkt, res, qname, (ldns_rr_type)type, LDNS_RR_CLASS_IN, 0);
	free(out->why);
	if (s != LDNS_STATUS_OK || pkt == NULL) {
		out->status = DNS_TIMEOUT;
		out->why = xasprintf("%s@%u: %s", sv->addr, sv->port, ldns_get_errorstr_by_id(s));
		goto done;
	}
	if (!ldns_pkt_aa(pkt)) {
		out->status = DNS_SERVFAIL;
		out->why = xasprintf("%s@%u: not authoritative (rcode %s)", sv->addr, sv->port,
		    ldns_pkt_get_rcode(pkt) == LDNS_RCODE_REFUSED ? "REFUSED" : "other");
		goto done;
	}
	out->why = NULL;
	snprintf(out->server, sizeof(out->server), "%s@%u", sv->addr, sv->port);
	if (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN) {
		out->status = DNS_NXDOMAIN;
		ok = true;
		goto done;
	}
	if (ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR) {
		out->status = DNS_SERVFAIL;
		out->why = xasprintf("%s@%u: rcode %d", sv->addr, sv->port, (int)ldns_pkt_get_rcode(pkt));
		goto done;
	}
	out->type = type;
	for (size_t i = 0; i < ldns_pkt_ancount(pkt) && out->n < AUTHQ_MAX_RRS; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(pkt), i);
		uint16_t t = (uint16_t)ldns_rr_get_type(rr);

		if (ldns_dname_compare(ldns_rr_owner(rr), qname) != 0)
			continue;
		if (t != type && t != DNS_T_CNAME)
			continue;
		out->type = t;
		out->rdata[out->n] = rdata_str(rr);
		out->ttl[out->n] = ldns_rr_ttl(rr);
		out->n++;
	}
	/* Sort by RDATA, keeping each TTL with its record. */
	for (size_t i = 1; i < out->n; i++) {
		for (size_t j = i; j > 0 && cmp_str(&out->rdata[j - 1], &out->rdata[j]) > 0; j--) {
			char *tr = out->rdata[j];
			uint32_t tt = out->ttl[j];

			out->rdata[j] = out->rdata[j - 1];
			out->ttl[j] = out->ttl[j - 1];
			out->rdata[j - 1] = tr;
			out->ttl[j - 1] = tt;
		}
	}
	out->status = out->n ? DNS_OK : DNS_NODATA;
	ok = true;
done:
	if (pkt)
		ldns_pkt_free(pkt);
	if (res)
		ldns_resolver_deep_free(res);
	if (ns)
		ldns_rdf_deep_free(ns);		/* the resolver keeps its own copy */
	return ok;
}

enum ms_status
authq_query(const struct authq_server *srv, size_t nsrv, const char *name, uint16_t type,
    double timeout, struct authq_rrset *out)
{
	char *abs;
	ldns_rdf *qname;

	memset(out, 0, sizeof(*out));
	out->status = DNS_SERVFAIL;	/* until a server answers */
	abs = str_has_suffix_case(name, ".") ? xstrdup(name) : xasprintf("%s.", name);
	qname = ldns_dname_new_frm_str(abs);
	free(abs);
	if (qname == NULL) {
		out->why = xstrdup("not a valid domain name");
		return MS_ERR_ARG;
	}
	for (size_t i = 0; i < nsrv; i++) {
		for (size_t k = 0; k < out->n; k++)
			free(out->rdata[k]);
		out->n = 0;
		if (one_server(&srv[i], qname, type, timeout, out))
			break;
	}
	ldns_rdf_deep_free(qname);
	return MS_OK;
}
