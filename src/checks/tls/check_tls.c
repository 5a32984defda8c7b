/* src/checks/tls/check_tls.c - STARTTLS of every MX address: protocol, certificate, banner (RFC 3207, 6125, 8461, 8996) */
#include "checks/tls/check_tls.h"
#include "audit/audit.h"
#include "policy/mtasts_state.h"
#include "policy/tls_probes.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "tls/tls_cert.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPIRY_WARN_DAYS	14	/* profile tls.expiry_warning_days */
#define MIN_RSA_BITS		2048	/* profile tls.min_rsa_bits */

/* proto_old - TLS 1.1 or older */
static bool
proto_old(const char *p)
{
	return strcmp(p, "TLSv1") == 0 || strcmp(p, "TLSv1.1") == 0 || strcmp(p, "SSLv3") == 0;
}

/* ---- judging ------------------------------------------------------------- */

/* name_in_ptr - whether name equals one of the PTR names */
static bool
name_in_ptr(const char *name, const struct dns_answer *ptr)
{
	for (size_t i = 0; ptr && ptr->status == DNS_OK && i < ptr->n; i++)
		if (ptr->rr[i].type == DNS_T_PTR && dns_name_equal(ptr->rr[i].u.name, name))
			return true;
	return false;
}

/* sts_match - whether host matches the MTA-STS policy: 1 yes, 0 no, -1 no policy */
static int
sts_match(const struct mtasts_state *st, const char *host)
{
	if (st == NULL || !st->policy_valid || st->policy->mode == MTASTS_MODE_NONE)
		return -1;
	for (size_t k = 0; k < st->policy->nmx; k++)
		if (mtasts_mx_match(st->policy->mx[k], host))
			return 1;
	return 0;
}

static json_t *
time_json(time_t t)
{
	struct tm tm;
	char buf[32];

	if (t == 0)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* judge_cert - certificate findings and facts for one address */
static void
judge_cert(struct audit *a, struct tls_addr *ad, json_t *fact, bool strict)
{
	const struct smtp_probe_result *m = ad->main;
	struct tls_cert_info *ci = arena_alloc(&a->arena, sizeof(*ci));
	json_t *c = json_object(), *sans = json_array();
	char why[256];
	bool trusted, name_ok, bad = false;
	time_t now = time(NULL);
	const char *subj = arena_printf(&a->arena, "%s[%s]", ad->h->name, ad->ipstr);
	struct finding *f;
	int64_t warn_days = profile_int(a->opts->profile, "tls.expiry_warning_days", EXPIRY_WARN_DAYS);
	int64_t min_rsa = profile_int(a->opts->profile, "tls.min_rsa_bits", MIN_RSA_BITS);

	json_object_set_new(fact, "certificate", c);
	if (m->cert == NULL) {
		json_object_set_new(c, "present", json_false());
		return;
	}
	tls_cert_info(m->cert, ci);
	trusted = tls_chain_trusted(m->chain, a->opts->ca_file, true, why, sizeof(why));
	name_ok = tls_cert_name_ok(m->cert, ad->h->name);
	json_object_set_new(c, "subject", json_text(ci->subject));
	json_object_set_new(c, "issuer", json_text(ci->issuer));
	for (size_t i = 0; i < ci->nsans; i++)
		json_array_append_new(sans, json_text(ci->sans[i]));
	json_object_set_new(c, "sans", sans);
	json_object_set_new(c, "not_before", time_json(ci->not_before));
	json_object_set_new(c, "not_after", time_json(ci->not_after));
	json_object_set_new(c, "key_type", json_text(ci->key_type));
	json_object_set_new(c, "key_bits", json_integer(ci->key_bits));
	json_object_set_new(c, "signature_algorithm", json_text(ci->sig_alg));
	json_object_set_new(c, "trusted", json_boolean(trusted));
	json_object_set_new(c, "name_matches", json_boolean(name_ok));
	json_object_set_new(c, "self_signed", json_boolean(ci->self_signed));

	if (ci->self_signed && !trusted) {
		f = audit_finding(a, F_TLS_CERT_SELF_SIGNED, subj,
		    "%s presents a self-signed certificate (%s)", ad->h->name, ci->subject);
		if (strict)
			finding_set_severity(f, SEV_ERROR);
		bad = true;
	} else if (!trusted) {
		f = audit_finding(a, F_TLS_CERT_UNTRUSTED, subj,
		    "the certificate of %s does not validate: %s (issuer %s)", ad->h->name, why,
		    ci->issuer);
		if (strict)
			finding_set_severity(f, SEV_ERROR);
		bad = true;
	}
	if (!name_ok) {
		char *names = arena_strdup(&a->arena, "");

		for (size_t i = 0; i < ci->nsans; i++)
			names = arena_printf(&a->arena, "%s%s%s", names, i ? ", " : "", ci->sans[i]);
		f = audit_finding(a, F_TLS_CERT_NAME_MISMATCH, subj,
		    "the certificate of %s does not name it (names: %s)", ad->h->name,
		    *names ? names : ci->subject);
		if (strict)
			finding_set_severity(f, SEV_ERROR);
		bad = true;
	}
	if ((ci->not_after && now > ci->not_after) || (ci->not_before && now < ci->not_before)) {
		audit_finding(a, F_TLS_CERT_EXPIRED, subj,
		    "the certificate of %s is outside its validity period", ad->h->name);
		bad = true;
	} else if (ci->not_after && ci->not_after - now < (time_t)warn_days * 86400) {
		audit_finding(a, F_TLS_CERT_EXPIRING, subj,
		    "the certificate of %s expires in %ld days", ad->h->name,
		    (long)((ci->not_after - now) / 86400));
		bad = true;
	}
	if (((strcmp(ci->key_type, "RSA") == 0 || strcmp(ci->key_type, "DSA") == 0) &&
	    ci->key_bits < min_rsa) || (strcmp(ci->key_type, "EC") == 0 && ci->key_bits < 224)) {
		audit_finding(a, F_TLS_CERT_WEAK_KEY, subj, "the certificate of %s has a %d-bit %s key",
		    ad->h->name, ci->key_bits, ci->key_type);
		bad = true;
	}
	if (ci->weak_sig) {
		audit_finding(a, F_TLS_CERT_WEAK_SIGNATURE, subj,
		    "the certificate of %s is signed with %s", ad->h->name, ci->sig_alg);
		bad = true;
	}
	if (!bad)
		audit_finding(a, F_TLS_CERT_VALID, subj,
		    "the certificate of %s is trusted, current and names it", ad->h->name);
}

/* judge_addr - findings and facts for one probed address */
static void
judge_addr(struct audit *a, struct tls_probes *r, struct tls_addr *ad, json_t *arr)
{
	const struct smtp_probe_result *m = ad->main;
	json_t *fact = json_object(), *dane = json_object();
	const char *subj = arena_printf(&a->arena, "%s[%s]", ad->h->name, ad->ipstr);
	int match = sts_match(r->sts, ad->h->name);
	bool enforced = mtasts_policy_enforced(r->sts) && match == 1;
	const char *verdict;
	size_t matching;
	char banner_name[256] = "", ehlo_name[256] = "";
	struct finding *f;

	json_array_append_new(arr, fact);
	json_object_set_new(fact, "host", json_text(ad->h->name));
	json_object_set_new(fact, "address", json_text(ad->ipstr));
	json_object_set_new(fact, "seconds", json_real(m ? m->seconds : 0));
	if (m && m->stage > SMTP_ST_BANNER) {
		smtp_reply_domain(&m->banner, banner_name, sizeof(banner_name));
		json_object_set_new(fact, "banner", json_text(smtp_reply_line(&m->banner, 0)));
	} else {
		json_object_set_new(fact, "banner", json_null());
	}
	if (m && m->stage > SMTP_ST_EHLO)
		smtp_reply_domain(&m->ehlo, ehlo_name, sizeof(ehlo_name));
	else if (m && m->stage == SMTP_ST_EHLO && m->ehlo.nlines)
		smtp_reply_domain(&m->ehlo, ehlo_name, sizeof(ehlo_name));
	json_object_set_new(fact, "ehlo_name", *ehlo_name ? json_text(ehlo_name) : json_null());
	json_object_set_new(fact, "starttls", json_boolean(m && m->starttls_offered));
	json_object_set_new(fact, "protocol", m && m->stage == SMTP_ST_DONE ?
	    json_text(m->protocol) : json_null());
	json_object_set_new(fact, "cipher", m && m->stage == SMTP_ST_DONE ?
	    json_text(m->cipher) : json_null());
	json_object_set_new(fact, "legacy_tls_accepted", ad->legacy ?
	    json_boolean(ad->legacy->stage == SMTP_ST_DONE) : json_null());
	json_object_set_new(fact, "error", m && m->stage != SMTP_ST_DONE && *m->why ?
	    json_text(m->why) : json_null());
	json_object_set_new(fact, "mta_sts_match", match < 0 ? json_null() : json_boolean(match));
	json_object_set_new(fact, "dane", dane);

	if (m == NULL)
		return;
	if (m->stage != SMTP_ST_DONE) {
		if (m->busy)
			audit_finding(a, F_TLS_SMTP_BUSY, subj,
			    "%s kept answering \"too many connections\" (%u tries): %s", subj,
			    m->tries, m->why);
		else if (m->refused)
			audit_finding(a, F_TLS_SMTP_REFUSED, subj, "%s refused the probe: %s",
			    subj, m->why);
		else if (m->stage == SMTP_ST_EHLO && !m->starttls_offered && !m->timed_out &&
		    m->ehlo.nlines > 0) {
			f = audit_finding(a, F_TLS_STARTTLS_MISSING, subj,
			    "%s does not offer STARTTLS: mail to it travels in clear", subj);
			if (m->ehlo.nlines)
				finding_set_evidence(f, arena_printf(&a->arena, "EHLO reply: 250 %s",
				    smtp_reply_line(&m->ehlo, 0)));
		} else if (m->stage == SMTP_ST_HANDSHAKE && !m->timed_out)
			audit_finding(a, F_TLS_HANDSHAKE_FAILED, subj,
			    "%s offers STARTTLS but the TLS handshake fails: %s", subj, m->why);
		else
			audit_finding(a, F_TLS_PROBE_FAILED, subj, "could not probe %s: %s", subj,
			    m->why);
	} else {
		bool dane_secure = tls_tlsa_usable(ad->h->tlsa);

		audit_finding(a, F_TLS_STARTTLS_OK, subj, "%s: STARTTLS with %s, %s", subj,
		    m->protocol, m->cipher);
		if (proto_old(m->protocol))
			audit_finding(a, F_TLS_PROTOCOL_OLD, subj, "%s negotiates %s", subj,
			    m->protocol);
		else
			audit_finding(a, F_TLS_PROTOCOL_OK, subj, "%s negotiates %s", subj,
			    m->protocol);
		if (ad->legacy && ad->legacy->stage == SMTP_ST_DONE)
			audit_finding(a, F_TLS_PROTOCOL_LEGACY_ACCEPTED, subj,
			    "%s still accepts %s from a client that offers nothing newer", subj,
			    ad->legacy->protocol);
		judge_cert(a, ad, fact, enforced || (dane_secure &&
		    strcmp(tls_dane_verdict(ad, &matching), "verified") != 0));
	}
	verdict = tls_dane_verdict(ad, &matching);
	json_object_set_new(dane, "verdict", json_string(verdict));
	json_object_set_new(dane, "tlsa_records", json_integer(ad->h->tlsa &&
	    ad->h->tlsa->status == DNS_OK ? (json_int_t)ad->h->tlsa->n : 0));
	json_object_set_new(dane, "dnssec_secure", json_boolean(ad->h->tlsa && ad->h->tlsa->secure));

	/* The name the server announces (seed 001): MX name or the address's PTR name. */
	if (*banner_name || *ehlo_name) {
		const char *names[2] = { banner_name, ehlo_name };

		for (int k = 0; k < 2; k++) {
			if (!*names[k] || dns_name_equal(names[k], ad->h->name) ||
			    name_in_ptr(names[k], ad->ptr))
				continue;
			audit_finding(a, F_TLS_BANNER_NAME_MISMATCH, subj,
			    "%s announces itself as %s in its %s, neither the MX name nor a PTR name",
			    subj, names[k], k ? "EHLO reply" : "banner");
			break;
		}
	}
}

/* judge_all - the probes are in: tls findings and facts.tls */
static void
judge_all(struct audit *a, struct tls_probes *r, void *arg)
{
	json_t *facts = audit_facts(a, "tls"), *arr = json_array();

	(void)arg;
	json_object_set_new(facts, "probed", json_boolean(r->probed));
	json_object_set_new(facts, "addresses", arr);
	if (a->opts->no_smtp || a->opts->offline)
		audit_finding(a, F_TLS_PROBE_SKIPPED, a->domain,
		    "%s: STARTTLS and certificates of the MX hosts were not checked",
		    a->opts->no_smtp ? "--no-smtp" :
		    a->opts->offline_why ? a->opts->offline_why : "offline");
	for (struct tls_host *h = r->hosts; h; h = h->next)
		for (struct tls_addr *ad = h->addrs; ad; ad = ad->next)
			judge_addr(a, r, ad, arr);
}

void
check_tls_start(struct audit *a)
{
	tls_probes_get(a, judge_all, NULL);
}
