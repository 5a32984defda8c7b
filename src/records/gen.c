/* src/records/gen.c - record-set generators: new domain, parked domain, MTA-STS and DMARC journeys */
#include "records/gen.h"
#include "core/profile.h"
#include "dns/dns.h"
#include "util/buf.h"
#include "util/ipaddr.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define TTL_CHANGING	300	/* records that change during the journey: short (seed 000, NCSC) */
#define TTL_MX		3600
#define TTL_PARKED	3600

#define MTASTS_TESTING_MAX_AGE	86400	/* one day while testing (runbook) */
#define MTASTS_ENFORCE_MAX_AGE	1209600	/* two weeks once enforced (runbook) */
#define MTASTS_NONE_MAX_AGE	86400

/*
 * The record texts are built in buffers of BUF_MAX_DEFAULT (16 MiB) and taken
 * with buf_steal_fitted: each holds fixed text (under 1 KiB) and the options
 * (at most GEN_OPTIONS_MAX bytes in all, check_common) and the profile's lists
 * (a profile is at most 1 MiB), each at most three times: far below the
 * maximum, so an append that does not fit is a broken invariant.
 */
#define GEN_OPTIONS_MAX	65536

/* ttl_or - the --ttl override or the default */
static uint32_t
ttl_or(const struct gen_opts *o, uint32_t dflt)
{
	return o->ttl ? o->ttl : dflt;
}

bool
gen_id_valid(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n <= 32 &&
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == n;
}

/* host_ok - a host name we can put in a record; *err set on failure */
static bool
host_ok(const char *what, const char *h, char **err)
{
	const char *why;

	if (!dns_name_check_host(h, &why)) {
		*err = xasprintf("%s \"%s\" is not a host name: %s", what, h, why);
		return false;
	}
	return true;
}

/* uri_ok - a report URI: mailto: or https:, printable, no DMARC separators */
static bool
uri_ok(const char *what, const char *u, char **err)
{
	bool scheme = str_has_prefix_case(u, "mailto:") || str_has_prefix_case(u, "https:");

	if (!scheme || strlen(u) > 512 || strpbrk(u, ";, \t\r\n\"\\") != NULL) {
		*err = xasprintf("%s \"%s\" must be a mailto: or https: URI without ';', ',' or "
		    "spaces", what, u);
		return false;
	}
	for (const char *p = u; *p; p++) {
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
			*err = xasprintf("%s \"%s\" has a character that is not printable ASCII", what, u);
			return false;
		}
	}
	return true;
}

/* net_ok - an address or address/prefix of the family */
static bool
net_ok(const char *what, const char *s, int family, char **err)
{
	const char *slash = strchr(s, '/');
	char *addr = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
	struct ipaddr a;
	uint64_t prefix = 0;
	bool ok = ipaddr_parse(addr, &a) == MS_OK && a.family == family;

	if (ok && slash)
		ok = str_to_u64(slash + 1, strlen(slash + 1), family == 4 ? 32 : 128, &prefix) == MS_OK &&
		    !ipaddr_host_bits_set(&a, (unsigned)prefix);
	free(addr);
	if (!ok)
		*err = xasprintf("%s \"%s\" is not an IPv%d address or network (host bits must be "
		    "zero)", what, s, family);
	return ok;
}

/* profile_uris - append the profile's URI list at key to b, comma-separated */
static void
profile_uris(const struct gen_opts *o, const char *key, struct buf *b)
{
	json_t *req = profile_get(o->profile, key), *v;
	size_t i;

	if (!json_is_array(req))
		return;
	json_array_foreach(req, i, v) {
		if (json_is_string(v))
			buf_addf(b, "%s%s", b->len ? "," : "", json_string_value(v));
	}
}

/* rua_list - the profile's required destinations, then the user's (or mailto:dmarc@DOMAIN) */
static char *
rua_list(const struct gen_opts *o, bool default_own)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	profile_uris(o, "dmarc.required_rua", &b);
	if (o->rua && *o->rua) {
		for (char **p = o->rua; *p; p++)
			buf_addf(&b, "%s%s", b.len ? "," : "", *p);
	} else if (default_own) {
		buf_addf(&b, "%smailto:dmarc@%s", b.len ? "," : "", o->domain);
	}
	return buf_steal_fitted(&b);
}

/* ruf_list - the profile's failure-report destinations, or "" */
static char *
ruf_list(const struct gen_opts *o)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	profile_uris(o, "dmarc.required_ruf", &b);
	return buf_steal_fitted(&b);
}

/*
 * dmarc_value - the DMARC record for stage; default_own adds
 * mailto:dmarc@DOMAIN when no --rua is given (only where the domain receives
 * mail: reports sent to a domain without MX bounce).
 */
static char *
dmarc_value(const struct gen_opts *o, const char *stage, bool default_own)
{
	struct buf b;
	const char *p = "none", *fo = profile_str(o->profile, "dmarc.fo", NULL);
	const char *align = profile_str(o->profile, "dmarc.alignment", "relaxed");
	bool parked = strcmp(stage, "parked") == 0;
	char *rua = rua_list(o, default_own && !parked), *ruf = ruf_list(o);

	if (strcmp(stage, "quarantine-10") == 0 || strcmp(stage, "quarantine") == 0)
		p = "quarantine";
	else if (strcmp(stage, "reject") == 0 || parked)
		p = "reject";
	buf_init(&b, BUF_MAX_DEFAULT);
	/* RFC 7489 §6.3: v first, then p; sp names the subdomain policy explicitly. */
	buf_addf(&b, "v=DMARC1; p=%s; sp=%s", p, p);
	/*
	 * The first quarantine step: a tenth of failing mail at RFC 7489
	 * receivers (pct), test mode at RFC 9989 receivers (t=y, which drops pct).
	 */
	if (strcmp(stage, "quarantine-10") == 0)
		buf_adds(&b, "; pct=10; t=y");
	if (parked || strcmp(align, "strict") == 0)
		buf_adds(&b, "; adkim=s; aspf=s");
	if (fo && *fo && !parked)
		buf_addf(&b, "; fo=%s", fo);
	if (*rua)
		buf_addf(&b, "; rua=%s", rua);
	if (*ruf && !parked)
		buf_addf(&b, "; ruf=%s", ruf);
	free(rua);
	free(ruf);
	return buf_steal_fitted(&b);
}

/* uri_listed - whether the comma-separated list has uri (case-insensitive, "!size" ignored) */
static bool
uri_listed(const char *list, const char *uri)
{
	size_t n = 0;
	char **v = str_split(list, ',', &n);
	bool found = false;

	for (size_t i = 0; i < n && !found; i++) {
		char *bang = strchr(v[i], '!');

		if (bang)
			*bang = '\0';
		found = str_caseeq(str_trim(v[i]), uri);
	}
	strv_free(v);
	return found;
}

/*
 * dmarc_from_current - the stage's record made from the current one
 * (o->current): p (and sp, if it is there) become the stage's policy, pct
 * and t are what the stage says, every other tag is kept as the user wrote
 * it, in its place; destinations the profile requires and --rua ones are
 * added to rua; a profile's strict alignment and fo are set.  Caller frees;
 * NULL when that is longer than BUF_MAX_DEFAULT (each rua= tag of the record
 * repeats the added destinations, so the bound on the options is not enough).
 */
static char *
dmarc_from_current(const struct gen_opts *o, const char *stage, const char *p)
{
	struct buf b;
	size_t n = 0;
	char **tags = str_split(o->current, ';', &n);
	char *add = rua_list(o, false), *ruf = ruf_list(o), *rua = NULL;
	const char *fo = profile_str(o->profile, "dmarc.fo", NULL);
	bool strict = strcmp(profile_str(o->profile, "dmarc.alignment", "relaxed"), "strict") == 0;
	bool have_rua = false, have_fo = false, have_ruf = false;

	buf_init(&b, BUF_MAX_DEFAULT);
	buf_addf(&b, "v=DMARC1; p=%s", p);
	for (size_t i = 0; i < n; i++) {
		char *t = str_trim(tags[i]), *eq = strchr(t, '=');
		char *name, *val;

		if (eq == NULL || *t == '\0')
			continue;
		*eq = '\0';
		name = str_trim(t);
		val = str_trim(eq + 1);
		if (str_caseeq(name, "v") || str_caseeq(name, "p") || str_caseeq(name, "pct") ||
		    str_caseeq(name, "t"))
			continue;	/* the stage's */
		if (str_caseeq(name, "sp")) {
			buf_addf(&b, "; sp=%s", p);
		} else if (str_caseeq(name, "adkim") || str_caseeq(name, "aspf")) {
			buf_addf(&b, "; %s=%s", name, strict ? "s" : val);
		} else if (str_caseeq(name, "rua")) {
			size_t k = 0;
			char **v = str_split(add, ',', &k);

			free(rua);
			rua = xstrdup(val);
			for (size_t j = 0; j < k; j++)
				if (*str_trim(v[j]) && !uri_listed(rua, v[j])) {
					char *r2 = xasprintf("%s%s%s", rua, *rua ? "," : "", v[j]);

					free(rua);
					rua = r2;
				}
			strv_free(v);
			buf_addf(&b, "; rua=%s", rua);
			have_rua = true;
		} else {
			if (str_caseeq(name, "fo"))
				have_fo = true;
			if (str_caseeq(name, "ruf"))
				have_ruf = true;
			buf_addf(&b, "; %s=%s", name, val);
		}
	}
	if (strcmp(stage, "quarantine-10") == 0)
		buf_adds(&b, "; pct=10; t=y");
	if (strict && strstr(buf_cstr(&b), "; adkim=") == NULL)
		buf_adds(&b, "; adkim=s; aspf=s");
	if (fo && *fo && !have_fo)
		buf_addf(&b, "; fo=%s", fo);
	if (!have_rua) {
		char *all = rua_list(o, true);

		buf_addf(&b, "; rua=%s", all);
		free(all);
	}
	if (*ruf && !have_ruf)
		buf_addf(&b, "; ruf=%s", ruf);
	strv_free(tags);
	free(add);
	free(ruf);
	free(rua);
	if (buf_status(&b) != MS_OK) {
		buf_free(&b);	/* many rua= tags, each with the profile's list */
		return NULL;
	}
	return buf_steal(&b);
}

char *
gen_dmarc_value(const struct gen_opts *o, const char *stage)
{
	if (o->current && strcmp(stage, "parked") != 0) {
		const char *p = strcmp(stage, "quarantine-10") == 0 || strcmp(stage, "quarantine") == 0 ?
		    "quarantine" : strcmp(stage, "reject") == 0 ? "reject" : "none";

		return dmarc_from_current(o, stage, p);
	}
	return dmarc_value(o, stage, true);
}

char *
gen_policy_text(char **mx, const char *mode, unsigned max_age)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	/* RFC 8461 §3.2: CRLF line ends are allowed; LF is what servers publish. */
	buf_addf(&b, "version: STSv1\nmode: %s\n", mode);
	if (strcmp(mode, "none") != 0) {
		bool any = false;

		for (char **p = mx; p && *p; p++) {
			char *h = xstrdup(*p), *colon = strchr(h, ':');

			if (colon)
				*colon = '\0';
			buf_addf(&b, "mx: %s\n", h);
			free(h);
			any = true;
		}
		if (!any)
			buf_adds(&b, "mx: <each MX host, or a *.pattern matching them>\n");
	}
	buf_addf(&b, "max_age: %u\n", max_age);
	return buf_steal_fitted(&b);
}

/* check_common - the options every generator reads */
static bool
check_common(const struct gen_opts *o, char **err)
{
	size_t total = strlen(o->domain) + (o->current ? strlen(o->current) : 0) +
	    (o->tlsrpt_rua ? strlen(o->tlsrpt_rua) : 0);
	char **lists[] = { o->rua, o->mx, o->spf_include, o->spf_ip4, o->spf_ip6 };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (char **p = lists[i]; p && *p; p++)
			total += strlen(*p) + 1;
	if (total > GEN_OPTIONS_MAX) {
		*err = xasprintf("the options and the record given add up to more than %d bytes",
		    GEN_OPTIONS_MAX);
		return false;
	}
	for (char **p = o->rua; p && *p; p++)
		if (!uri_ok("--rua", *p, err))
			return false;
	if (o->tlsrpt_rua && !uri_ok("--tlsrpt-rua", o->tlsrpt_rua, err))
		return false;
	for (char **p = o->mx; p && *p; p++) {
		char *h = xstrdup(*p), *colon = strchr(h, ':');
		bool ok;

		if (colon) {
			uint64_t v;

			*colon = '\0';
			if (str_to_u64(colon + 1, strlen(colon + 1), 65535, &v) != MS_OK) {
				*err = xasprintf("--mx \"%s\": the preference must be 0 to 65535", *p);
				free(h);
				return false;
			}
		}
		ok = host_ok("--mx", h, err);
		free(h);
		if (!ok)
			return false;
	}
	if (o->id && !gen_id_valid(o->id)) {
		*err = xasprintf("--id \"%s\": 1 to 32 letters and digits (RFC 8461 §3.1)", o->id);
		return false;
	}
	return true;
}

/* add_mx - the MX records from --mx, preferences 10, 20, ... unless given */
static void
add_mx(struct recset *s, const struct gen_opts *o)
{
	unsigned k = 0;

	for (char **p = o->mx; p && *p; p++) {
		char *h = xstrdup(*p), *colon = strchr(h, ':'), *v;
		unsigned pref = 10 * ++k;

		if (colon) {
			uint64_t u = 0;

			*colon = '\0';
			if (str_to_u64(colon + 1, strlen(colon + 1), 65535, &u) == MS_OK)
				pref = (unsigned)u;	/* always: check_common refused others */
		}
		v = xasprintf("%u %s.", pref, str_lower(h));
		recset_add(s, o->domain, "MX", ttl_or(o, TTL_MX), v);
		free(v);
		free(h);
	}
	if (k == 0) {
		struct rec *r = recset_add(s, o->domain, "MX", ttl_or(o, TTL_MX),
		    "10 mail.provider.example.");

		r->placeholder = true;
		rec_set_comment(r, "MX: give each mail server with --mx HOST[:PRIO]; never an alias "
		    "(CNAME) or an address");
	}
}

/* add_mta_sts_txt - the _mta-sts record with the id; for a new domain, a placeholder until the policy host is given */
static void
add_mta_sts_txt(struct recset *s, const struct gen_opts *o, const char *id, bool new_domain)
{
	char *owner = xasprintf("_mta-sts.%s", o->domain), *v = xasprintf("v=STSv1; id=%s", id);
	char *host = xasprintf("mta-sts.%s=", o->domain);
	bool served = o->mta_sts_host != NULL || !new_domain;
	struct rec *r;

	for (char **p = o->address; p && *p && !served; p++)
		served = str_has_prefix_case(*p, host);
	r = recset_add(s, owner, "TXT", ttl_or(o, TTL_CHANGING), v);
	/* RFC 8461 §3: the TXT says a policy can be fetched; publish it only once it can. */
	if (!served) {
		r->placeholder = true;
		rec_set_comment(r, "MTA-STS: publish this once https://mta-sts.%s/.well-known/"
		    "mta-sts.txt serves the policy below (the record announces it to senders)",
		    o->domain);
	}
	free(host);
	free(owner);
	free(v);
}

/* add_policy - the MTA-STS policy file to serve, as a file of the set */
static void
add_policy(struct recset *s, const struct gen_opts *o, const char *mode, unsigned max_age)
{
	char *url = xasprintf("https://mta-sts.%s/.well-known/mta-sts.txt", o->domain);
	char *text = gen_policy_text(o->mx, mode, max_age);

	recset_file(s, url, text);
	free(url);
	free(text);
}

/* add_mta_sts_host - mta-sts.DOMAIN as a CNAME to --mta-sts-host, or a placeholder */
static void
add_mta_sts_host(struct recset *s, const struct gen_opts *o)
{
	char *owner = xasprintf("mta-sts.%s", o->domain);

	if (o->mta_sts_host) {
		char *v = xasprintf("%s.", o->mta_sts_host);

		recset_add(s, owner, "CNAME", ttl_or(o, TTL_CHANGING), v);
		free(v);
	} else {
		struct rec *r = recset_add(s, owner, "CNAME", ttl_or(o, TTL_CHANGING),
		    "policy-host.provider.example.");

		r->placeholder = true;
		rec_set_comment(r, "the HTTPS host serving the policy (valid certificate for "
		    "mta-sts.%s): give it with --mta-sts-host, or publish its A/AAAA here", o->domain);
	}
	free(owner);
}

/*
 * tlsrpt_rua - the profile's required destinations (tls-rpt.required_rua),
 * then --tlsrpt-rua; with neither, mailto:tls-rua@DOMAIN.  Caller frees.
 */
static char *
tlsrpt_rua(const struct gen_opts *o)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	profile_uris(o, "tls-rpt.required_rua", &b);
	if (o->tlsrpt_rua)
		buf_addf(&b, "%s%s", b.len ? "," : "", o->tlsrpt_rua);
	if (b.len == 0)
		buf_addf(&b, "mailto:tls-rua@%s", o->domain);
	return buf_steal_fitted(&b);
}

/* external_rua_notes - report destinations elsewhere must authorise us (RFC 7489 §7.1) */
static void
external_rua_notes(struct recset *s, const struct gen_opts *o)
{
	for (char **p = o->rua; p && *p; p++) {
		const char *at;

		if (!str_has_prefix_case(*p, "mailto:") || (at = strrchr(*p, '@')) == NULL)
			continue;
		if (dns_name_is_subdomain(at + 1, o->domain))
			continue;
		recset_note(s, "%s receives reports for %s only if it publishes: "
		    "%s._report._dmarc.%s. IN TXT \"v=DMARC1\" (RFC 7489 §7.1)", at + 1, o->domain,
		    o->domain, at + 1);
	}
}

enum ms_status
gen_new(const struct gen_opts *o, struct recset **out, char **err)
{
	struct recset *s;
	struct buf spf;
	const char *sel = o->dkim_selector ? o->dkim_selector : "selector";
	const char *all = profile_str(o->profile, "spf.weakest_all", "~all");
	char *owner, *v, *rua;
	bool mech = false;
	struct rec *r;

	*out = NULL;
	*err = NULL;
	if (!check_common(o, err))
		return MS_ERR_ARG;
	for (char **p = o->spf_include; p && *p; p++)
		if (!host_ok("--spf-include", *p, err))
			return MS_ERR_ARG;
	for (char **p = o->spf_ip4; p && *p; p++)
		if (!net_ok("--spf-ip4", *p, 4, err))
			return MS_ERR_ARG;
	for (char **p = o->spf_ip6; p && *p; p++)
		if (!net_ok("--spf-ip6", *p, 6, err))
			return MS_ERR_ARG;
	for (char **p = o->report_for; p && *p; p++)
		if (strcmp(*p, "*") != 0 && !host_ok("--authorise-reports-for", *p, err))
			return MS_ERR_ARG;
	if (o->mta_sts_host && !host_ok("--mta-sts-host", o->mta_sts_host, err))
		return MS_ERR_ARG;
	if (o->dkim_selector && !host_ok("--dkim-selector", o->dkim_selector, err))
		return MS_ERR_ARG;
	for (char **p = o->address; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		char *h = eq ? xstrndup(*p, (size_t)(eq - *p)) : NULL;
		struct ipaddr ip;
		bool ok = h && host_ok("--address", h, err);

		if (ok && !dns_name_is_subdomain(h, o->domain)) {
			*err = xasprintf("--address %s: only hosts inside %s get records here", *p, o->domain);
			ok = false;
		}
		if (ok && ipaddr_parse(eq + 1, &ip) != MS_OK) {
			*err = xasprintf("--address %s: not an IPv4 or IPv6 address", *p);
			ok = false;
		}
		if (h == NULL)
			*err = xasprintf("--address \"%s\": give HOST=IP", *p);
		free(h);
		if (!ok)
			return MS_ERR_ARG;
	}
	/* An MX host inside the domain needs its address in the set (RFC 5321 §5.1). */
	for (char **p = o->mx; p && *p; p++) {
		char *h = xstrdup(*p), *colon = strchr(h, ':');
		bool found = false;

		if (colon)
			*colon = '\0';
		for (char **q = o->address; q && *q; q++) {
			size_t n = strlen(h);

			if (str_ncasecmp(*q, h, n) == 0 && (*q)[n] == '=')
				found = true;
		}
		if (dns_name_is_subdomain(h, o->domain) && !found) {
			*err = xasprintf("--mx %s is inside %s: give its address with --address %s=IP", h,
			    o->domain, h);
			free(h);
			return MS_ERR_ARG;
		}
		free(h);
	}
	if (strcmp(all, "-all") != 0 && strcmp(all, "~all") != 0)
		all = "~all";

	s = recset_new(o->domain, "new", NULL, profile_str(o->profile, "name", "generic"));
	add_mx(s, o);
	for (char **p = o->address; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		char *h = xstrndup(*p, (size_t)(eq - *p));
		struct ipaddr ip;
		char txt[IPADDR_STRLEN];

		if (ipaddr_parse(eq + 1, &ip) != MS_OK) {
			free(h);	/* never: checked above, before anything was made */
			continue;
		}
		ipaddr_format(&ip, txt);
		recset_add(s, str_lower(h), ip.family == 4 ? "A" : "AAAA", ttl_or(o, TTL_MX), txt);
		free(h);
	}

	/* SPF (RFC 7208): the senders given, else the MX hosts; ~all while DMARC is at none. */
	buf_init(&spf, BUF_MAX_DEFAULT);
	buf_adds(&spf, "v=spf1");
	for (char **p = o->spf_ip4; p && *p; p++, mech = true)
		buf_addf(&spf, " ip4:%s", *p);
	for (char **p = o->spf_ip6; p && *p; p++, mech = true)
		buf_addf(&spf, " ip6:%s", *p);
	for (char **p = o->spf_include; p && *p; p++, mech = true)
		buf_addf(&spf, " include:%s", *p);
	if (!mech && o->mx && *o->mx) {
		buf_adds(&spf, " mx");
		mech = true;
	}
	buf_addf(&spf, " %s", mech ? all : "-all");
	r = recset_add(s, o->domain, "TXT", ttl_or(o, TTL_CHANGING), buf_cstr(&spf));
	if (!mech)
		rec_set_comment(r, "SPF: no sender given (--spf-ip4, --spf-ip6, --spf-include), so "
		    "nothing may send yet");
	buf_free(&spf);

	/* DKIM (RFC 6376 §3.6.1). */
	owner = xasprintf("%s._domainkey.%s", sel, o->domain);
	if (o->dkim_record) {
		recset_add(s, owner, "TXT", ttl_or(o, TTL_CHANGING), o->dkim_record);
	} else {
		r = recset_add(s, owner, "TXT", ttl_or(o, TTL_CHANGING), "v=DKIM1; k=rsa; p=<public key>");
		r->placeholder = true;
		rec_set_comment(r, "DKIM: fill in the public key: 'mailsec dkim keygen --selector %s "
		    "--domain %s' makes one, or take it from your mail provider", sel, o->domain);
	}
	free(owner);

	/* DMARC: the first stage of the journey, reporting on. */
	owner = xasprintf("_dmarc.%s", o->domain);
	v = dmarc_value(o, "none", o->mx && *o->mx);
	r = recset_add(s, owner, "TXT", ttl_or(o, TTL_CHANGING), v);
	if (!(o->mx && *o->mx) && !(o->rua && *o->rua))
		rec_set_comment(r, "DMARC: add rua=mailto:dmarc@%s once the domain's MX records "
		    "are published (reports sent to a domain without MX bounce), or give --rua",
		    o->domain);
	free(owner);
	free(v);
	external_rua_notes(s, o);

	/* MTA-STS in testing mode (RFC 8461), then TLS-RPT (RFC 8460). */
	add_mta_sts_txt(s, o, o->id, true);
	add_mta_sts_host(s, o);
	add_policy(s, o, "testing", MTASTS_TESTING_MAX_AGE);
	owner = xasprintf("_smtp._tls.%s", o->domain);
	rua = tlsrpt_rua(o);
	v = xasprintf("v=TLSRPTv1; rua=%s", rua);
	recset_add(s, owner, "TXT", ttl_or(o, TTL_CHANGING), v);
	free(owner);
	free(v);
	free(rua);

	for (char **p = o->report_for; p && *p; p++) {
		owner = xasprintf("%s._report._dmarc.%s", *p, o->domain);
		r = recset_add(s, owner, "TXT", ttl_or(o, TTL_CHANGING), "v=DMARC1");
		rec_set_comment(r, "%s may send its DMARC reports to addresses at %s (RFC 7489 §7.1)",
		    strcmp(*p, "*") == 0 ? "any domain" : *p, o->domain);
		free(owner);
	}
	recset_note(s, "TTLs are short while the records change; raise them once the journey is done");
	recset_note(s, "DMARC reports arrive about 48 hours after publishing; read a week or two "
	    "of them before 'mailsec records dmarc --stage quarantine-10'");
	recset_note(s, "MTA-STS is in testing mode: move to 'mailsec records mta-sts --stage "
	    "enforce' when TLS-RPT reports show no failures");
	recset_next(s, "quarantine-10", 7, "DMARC reports show every legitimate sender passing "
	    "SPF or DKIM with alignment");
	*out = s;
	return MS_OK;
}

enum ms_status
gen_parked(const struct gen_opts *o, struct recset **out, char **err)
{
	struct recset *s;
	char *owner, *v;
	struct rec *r;

	*out = NULL;
	*err = NULL;
	if (!check_common(o, err))
		return MS_ERR_ARG;
	/* A parked domain publishes a null MX: reports addressed to it bounce. */
	for (char **p = o->rua; p && *p; p++) {
		const char *at = strrchr(*p, '@');
		size_t n = at ? strcspn(at + 1, "!") : 0;

		if (at && str_has_prefix_case(*p, "mailto:") && n == strlen(o->domain) &&
		    str_ncasecmp(at + 1, o->domain, n) == 0) {
			*err = xasprintf("--rua %s: a parked domain accepts no mail (null MX), so "
			    "reports sent to it bounce; give an address at a domain that receives mail",
			    *p);
			return MS_ERR_ARG;
		}
	}
	s = recset_new(o->domain, "parked", NULL, profile_str(o->profile, "name", "generic"));
	r = recset_add(s, o->domain, "MX", ttl_or(o, TTL_PARKED), "0 .");
	rec_set_comment(r, "null MX: this domain accepts no mail (RFC 7505)");
	r = recset_add(s, o->domain, "TXT", ttl_or(o, TTL_PARKED), "v=spf1 -all");
	rec_set_comment(r, "no host may send mail from this domain (RFC 7208)");
	owner = xasprintf("_dmarc.%s", o->domain);
	v = gen_dmarc_value(o, "parked");
	r = recset_add(s, owner, "TXT", ttl_or(o, TTL_PARKED), v);
	rec_set_comment(r, "reject whatever claims to come from here or its subdomains (RFC 7489)");
	free(owner);
	free(v);
	owner = xasprintf("*._domainkey.%s", o->domain);
	r = recset_add(s, owner, "TXT", ttl_or(o, TTL_PARKED), "v=DKIM1; p=");
	rec_set_comment(r, "every DKIM key revoked (RFC 6376 §3.6.1: an empty p=)");
	free(owner);
	external_rua_notes(s, o);
	recset_note(s, "remove every other mail record of the domain: MX hosts, DKIM selectors, "
	    "MTA-STS and TLS-RPT (with MTA-STS enforced, go through 'mailsec records mta-sts "
	    "--stage none' first and wait its max_age)");
	*out = s;
	return MS_OK;
}

enum ms_status
gen_mta_sts(const struct gen_opts *o, struct recset **out, char **err)
{
	struct recset *s;
	const char *st = o->stage;

	*out = NULL;
	*err = NULL;
	if (st == NULL || (strcmp(st, "testing") != 0 && strcmp(st, "enforce") != 0 &&
	    strcmp(st, "none") != 0)) {
		*err = xstrdup("records mta-sts needs --stage testing|enforce|none");
		return MS_ERR_ARG;
	}
	if (!check_common(o, err))
		return MS_ERR_ARG;
	s = recset_new(o->domain, "mta-sts", st, profile_str(o->profile, "name", "generic"));
	add_mta_sts_txt(s, o, o->id, false);
	if (strcmp(st, "testing") == 0) {
		add_policy(s, o, "testing", MTASTS_TESTING_MAX_AGE);
		recset_note(s, "publish the policy file first, then the TXT record with its new id");
		recset_next(s, "enforce", 7, "TLS-RPT reports show no failures for a week");
	} else if (strcmp(st, "enforce") == 0) {
		add_policy(s, o, "enforce", MTASTS_ENFORCE_MAX_AGE);
		recset_note(s, "publish the policy file first, then the TXT record with its new id");
		recset_note(s, "senders now refuse to deliver over an unauthenticated connection; "
		    "before any change of MX hosts or a migration, go to --stage none and wait 14 days "
		    "(the max_age of this policy)");
	} else {
		add_policy(s, o, "none", MTASTS_NONE_MAX_AGE);
		recset_note(s, "senders keep the old policy until its max_age runs out: make no other "
		    "change to the mail records for 14 days (1209600 s) after publishing this "
		    "(RFC 8461 §8.3)");
		recset_next(s, "testing", 14, "the old policy's max_age has passed and the MX change "
		    "or migration is done");
	}
	*out = s;
	return MS_OK;
}

enum ms_status
gen_dmarc(const struct gen_opts *o, struct recset **out, char **err)
{
	struct recset *s;
	const char *st = o->stage;
	char *owner, *v;

	*out = NULL;
	*err = NULL;
	if (st == NULL || (strcmp(st, "none") != 0 && strcmp(st, "quarantine-10") != 0 &&
	    strcmp(st, "quarantine") != 0 && strcmp(st, "reject") != 0)) {
		*err = xstrdup("records dmarc needs --stage none|quarantine-10|quarantine|reject");
		return MS_ERR_ARG;
	}
	if (!check_common(o, err))
		return MS_ERR_ARG;
	s = recset_new(o->domain, "dmarc", st, profile_str(o->profile, "name", "generic"));
	owner = xasprintf("_dmarc.%s", o->domain);
	if ((v = gen_dmarc_value(o, st)) == NULL) {
		*err = xstrdup("the DMARC record made from the one given is too long: it has many "
		    "rua= tags");
		free(owner);
		recset_free(s);
		return MS_ERR_LIMIT;
	}
	recset_add(s, owner, "TXT", ttl_or(o, TTL_CHANGING), v);
	free(owner);
	free(v);
	if (o->current)
		recset_note(s, "made from the record now published (or given with --from-record): "
		    "every tag kept but p, sp, pct and t, which the stage sets; was: %s", o->current);
	external_rua_notes(s, o);
	if (strcmp(st, "none") == 0) {
		recset_note(s, "reports arrive about 48 hours after publishing; nothing is blocked yet");
		recset_next(s, "quarantine-10", 7, "a week or two of reports shows every legitimate "
		    "sender passing SPF or DKIM with alignment");
	} else if (strcmp(st, "quarantine-10") == 0) {
		recset_note(s, "one failing message in ten is quarantined (pct=10, RFC 7489 receivers); "
		    "RFC 9989 receivers read t=y as test mode, one step milder; subdomains too (sp)");
		recset_next(s, "quarantine", 7, "reports show no legitimate mail failing");
	} else if (strcmp(st, "quarantine") == 0) {
		recset_note(s, "every failing message is quarantined");
		recset_next(s, "reject", 14, "reports show no legitimate mail quarantined");
	} else {
		recset_note(s, "the end of the journey: failing mail is refused; keep reading reports");
	}
	*out = s;
	return MS_OK;
}
