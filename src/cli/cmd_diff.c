/* src/cli/cmd_diff.c - mailsec diff: the mail records two sets of authoritative servers serve */
#include "cli/cli.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "dns/authq.h"
#include "dns/dns.h"
#include "engine/engine.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_MAX_NAMES	128

struct qname {
	char *name;
	uint16_t type;
};

/* add_q - a name/type to compare, once */
static void
add_q(struct qname *q, size_t *n, const char *name, uint16_t type)
{
	for (size_t i = 0; i < *n; i++)
		if (q[i].type == type && strcmp(q[i].name, name) == 0)
			return;
	if (*n >= DIFF_MAX_NAMES)
		return;
	q[*n].name = xstrdup(name);
	q[*n].type = type;
	(*n)++;
}

/* side_json - what one set served */
static json_t *
side_json(const struct authq_rrset *r)
{
	json_t *o = json_object(), *v = json_array();

	json_object_set_new(o, "status", json_string(dns_outcome_name(r->status)));
	json_object_set_new(o, "server", *r->server ? json_string(r->server) : json_null());
	for (size_t i = 0; i < r->n; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "ttl", json_integer(r->ttl[i]));
		json_object_set_new(e, "type", json_string(dns_type_name(r->type)));
		json_object_set_new(e, "rdata", json_text(r->rdata[i]));
		json_array_append_new(v, e);
	}
	json_object_set_new(o, "records", v);
	json_object_set_new(o, "why", json_text(r->why));
	return o;
}

/* absent - NXDOMAIN or NODATA: the set serves nothing there */
static bool
absent(const struct authq_rrset *r)
{
	return r->status == DNS_NXDOMAIN || r->status == DNS_NODATA;
}

/* verdict - same, missing (in new), extra (in new), different, ttl, unknown */
static const char *
verdict(const struct authq_rrset *a, const struct authq_rrset *b)
{
	bool ttl_differs = false;

	if (dns_answer_failed_status(a->status) || dns_answer_failed_status(b->status))
		return "unknown";
	if (absent(a) && absent(b))
		return "same";
	if (absent(b))
		return "missing";
	if (absent(a))
		return "extra";
	if (a->n != b->n || a->type != b->type)
		return "different";
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->rdata[i], b->rdata[i]) != 0)
			return "different";
		if (a->ttl[i] != b->ttl[i])
			ttl_differs = true;
	}
	return ttl_differs ? "ttl" : "same";
}

/* mx_hosts - MX targets under the domain (their servers are these) */
static void
mx_hosts(const struct authq_rrset *r, const char *domain, struct qname *q, size_t *n)
{
	if (r->status != DNS_OK || r->type != DNS_T_MX)
		return;
	for (size_t i = 0; i < r->n; i++) {
		const char *sp = strchr(r->rdata[i], ' ');
		char *h;
		size_t len;

		if (sp == NULL)
			continue;
		h = str_lower(xstrdup(sp + 1));
		len = strlen(h);
		if (len > 1 && h[len - 1] == '.')
			h[len - 1] = '\0';
		if (strcmp(h, ".") != 0 && dns_name_is_subdomain(h, domain)) {
			add_q(q, n, h, DNS_T_A);
			add_q(q, n, h, DNS_T_AAAA);
		}
		free(h);
	}
}

/* print_side - what one set served, for the text report */
static void
print_side(const char *tag, const struct authq_rrset *r)
{
	if (r->n == 0) {
		printf("      %s %s%s%s\n", tag, dns_outcome_name(r->status), r->why ? ": " : "",
		    r->why ? r->why : "");
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		printf("      %s %u %s %s\n", tag, r->ttl[i], dns_type_name(r->type), r->rdata[i]);
}

/* cmd_diff - query both server sets for every mail name and compare what they serve */
int
cmd_diff(int argc, char **argv)
{
	struct cli_parser *p;
	enum cli_status st;
	enum opt_id id;
	struct authq_server sets[2][AUTHQ_MAX_SERVERS];
	size_t nset[2] = { 0, 0 }, nsets = 0, nq = 0, ndiff = 0, nunknown = 0;
	struct qname q[DIFF_MAX_NAMES];
	char **selectors = NULL, *domain = NULL, *err = NULL;
	double timeout = 3;
	bool bad = false, json = false;
	json_t *names = json_array();
	int rc = EXIT_USAGE;

	p = cli_parser_new("diff", argc, argv);
	while ((id = cli_next(p, bad)) != OPT_END) {
		switch (id) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_NS:
			if (nsets >= 2) {
				cli_error("--ns is given twice: the old servers, then the new ones");
				bad = true;
			} else if (authq_parse_servers(optarg, sets[nsets], &nset[nsets], &err) != MS_OK) {
				cli_error("--ns: %s", err);
				bad = true;
			} else {
				nsets++;
			}
			break;
		case OPT_DKIM_SELECTOR:
			cli_list_append(&selectors, optarg);
			break;
		case OPT_TIMEOUT:
			bad = !cli_seconds("timeout", optarg, 60, &timeout);
			break;
		default:
			break;
		}
	}
	if ((st = cli_parser_end(p)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (argc - optind != 1 || nsets != 2) {
		cli_error("usage: mailsec diff DOMAIN --ns ADDR[@PORT][,...] --ns ADDR[@PORT][,...]");
		goto out;
	}
	{
		const char *why;

		if ((domain = dns_domain_normalise(argv[optind], &why)) == NULL) {
			cli_error("\"%s\" is not a domain name: %s", argv[optind], why);
			goto out;
		}
	}
	{
		static const struct { const char *prefix; uint16_t type; } fixed[] = {
			{ "", DNS_T_MX }, { "", DNS_T_TXT }, { "_dmarc.", DNS_T_TXT },
			{ "_mta-sts.", DNS_T_TXT }, { "mta-sts.", DNS_T_A }, { "mta-sts.", DNS_T_AAAA },
			{ "_smtp._tls.", DNS_T_TXT }, { "*._report._dmarc.", DNS_T_TXT },
		};

		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
			char *n = xasprintf("%s%s", fixed[i].prefix, domain);

			add_q(q, &nq, n, fixed[i].type);
			free(n);
		}
		for (char **s = selectors; s && *s; s++) {
			const char *why;
			char *n;

			if (!dns_name_check_host(*s, &why)) {
				cli_error("--dkim-selector: \"%s\": %s", *s, why);
				goto out;
			}
			n = xasprintf("%s._domainkey.%s", *s, domain);
			add_q(q, &nq, n, DNS_T_TXT);
			free(n);
		}
	}
	if (!json)
		printf("diff %s: old servers (first --ns) against new servers (second --ns)\n", domain);
	for (size_t i = 0; i < nq; i++) {
		struct authq_rrset a, b;
		const char *v;
		json_t *j;

		/* a failure leaves a SERVFAIL with its why, which the verdict shows as unknown */
		MS_IGNORE(authq_query(sets[0], nset[0], q[i].name, q[i].type, timeout, &a));
		MS_IGNORE(authq_query(sets[1], nset[1], q[i].name, q[i].type, timeout, &b));
		if (i == 0) {
			mx_hosts(&a, domain, q, &nq);
			mx_hosts(&b, domain, q, &nq);
		}
		v = verdict(&a, &b);
		if (strcmp(v, "unknown") == 0)
			nunknown++;
		else if (strcmp(v, "same") != 0)
			ndiff++;
		j = json_object();
		json_object_set_new(j, "name", json_text(q[i].name));
		json_object_set_new(j, "type", json_string(dns_type_name(q[i].type)));
		json_object_set_new(j, "verdict", json_string(v));
		json_object_set_new(j, "old", side_json(&a));
		json_object_set_new(j, "new", side_json(&b));
		json_array_append_new(names, j);
		if (!json) {
			printf("  %-9s %s %s\n", v, q[i].name, dns_type_name(q[i].type));
			if (strcmp(v, "same") != 0) {
				print_side("old:", &a);
				print_side("new:", &b);
			}
		}
		authq_rrset_clear(&a);
		authq_rrset_clear(&b);
	}
	if (json) {
		json_t *doc = json_object(), *sv[2];
		char *s;

		for (int k = 0; k < 2; k++) {
			sv[k] = json_array();
			for (size_t i = 0; i < nset[k]; i++) {
				char *t = xasprintf("%s@%u", sets[k][i].addr, sets[k][i].port);

				json_array_append_new(sv[k], json_string(t));
				free(t);
			}
		}
		doc_add_schema(doc, DOC_DIFF);
		doc_add_version(doc);
		json_object_set_new(doc, "domain", json_text(domain));
		json_object_set_new(doc, "old_servers", sv[0]);
		json_object_set_new(doc, "new_servers", sv[1]);
		json_object_set_new(doc, "differences", json_integer((json_int_t)ndiff));
		json_object_set_new(doc, "unknown", json_integer((json_int_t)nunknown));
		json_object_set(doc, "names", names);
		s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(doc);
	} else {
		printf("%zu difference%s, %zu unknown\n", ndiff, ndiff == 1 ? "" : "s", nunknown);
	}
	fflush(stdout);
	rc = ndiff ? EXIT_ERRORS : nunknown ? EXIT_UNKNOWN : EXIT_CLEAN;
out:
	for (size_t i = 0; i < nq; i++)
		free(q[i].name);
	json_decref(names);
	strv_free(selectors);
	free(domain);
	free(err);
	return rc;
}
