/* src/checks/tls/check_tls.c - STARTTLS probe of every MX address: protocol, certificate, DANE (RFC 3207, 7672, 8461) */
#include "checks/tls/check_tls.h"
#include "audit/audit.h"
#include "checks/mtasts/check_mtasts.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "smtp/smtp_probe.h"
#include "tls/tls_cert.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPIRY_WARN_DAYS	14	/* profile tls.expiry_warning_days */
#define MIN_RSA_BITS		2048	/* profile tls.min_rsa_bits */
#define TLS_HOSTS_MAX		32	/* MX hosts probed per domain */
#define TLS_ADDRS_MAX		16	/* addresses probed per MX host */

struct tls_run;

struct tls_addr {
	struct tls_addr		*next;
	struct tls_host		*h;
	struct ipaddr		 ip;
	char			 ipstr[IPADDR_STRLEN];
	struct smtp_probe_result *main, *legacy;
	struct dns_answer	*ptr;
};

struct tls_host {
	struct tls_host		*next;
	struct tls_run		*run;
	const char		*name;
	struct dns_answer	*a4, *a6, *tlsa;
	int			 pending;
	struct tls_addr		*addrs;
};

struct tls_run {
	struct audit		*a;
	int			 pending;
	struct tls_host		*hosts, **tail;
	size_t			 nhosts;
	const struct mtasts_state *sts;
	char			 ehlo[256];
};

struct probe_arg {
	struct tls_addr *ad;
	bool legacy;
};

static void run_step(struct tls_run *r);

/* keep - a copy of a probe result that outlives the callback (certificates referenced) */
static struct smtp_probe_result *
keep(const struct smtp_probe_result *r)
{
	struct smtp_probe_result *k = xmalloc(sizeof(*k));

	*k = *r;
	if (r->cert)
		X509_up_ref(r->cert);
	if (r->chain) {
		k->chain = sk_X509_dup(r->chain);
		for (int i = 0; i < sk_X509_num(k->chain); i++)
			X509_up_ref(sk_X509_value(k->chain, i));
	}
	return k;
}

static void
result_free(struct smtp_probe_result *k)
{
	if (k == NULL)
		return;
	X509_free(k->cert);
	sk_X509_pop_free(k->chain, X509_free);
	free(k);
}

/* tlsa_usable - the TLSA answer counts for DANE: DNSSEC-secure, with records */
static bool
tlsa_usable(const struct dns_answer *t)
{
	return t && t->status == DNS_OK && t->secure && t->n > 0;
}

/* proto_old - TLS 1.1 or older */
static bool
proto_old(const char *p)
{
	return strcmp(p, "TLSv1") == 0 || strcmp(p, "TLSv1.1") == 0 || strcmp(p, "SSLv3") == 0;
}

static void start_probe(struct tls_addr *ad, bool legacy);

static void
on_probe(const struct smtp_probe_result *res, void *arg)
{
	struct probe_arg *pa = arg;
	struct tls_addr *ad = pa->ad;
	struct tls_run *r = ad->h->run;
	struct audit *a = r->a;

	if (pa->legacy) {
		ad->legacy = keep(res);
	} else {
		ad->main = keep(res);
		if (res->stage == SMTP_ST_DONE && !proto_old(res->protocol))
			start_probe(ad, true);
	}
	free(pa);
	run_step(r);
	audit_release(a);
}

/* start_probe - the normal probe, or the TLS-1.0/1.1-only one */
static void
start_probe(struct tls_addr *ad, bool legacy)
{
	struct tls_run *r = ad->h->run;
	struct audit *a = r->a;
	struct smtp_probe_config cfg;
	struct probe_arg *pa = xcalloc(1, sizeof(*pa));

	memset(&cfg, 0, sizeof(cfg));
	cfg.base = a->res->base;
	cfg.addr = ad->ip;
	cfg.port = 25;
	cfg.host = ad->h->name;
	cfg.ehlo_name = r->ehlo;
	cfg.timeout = a->opts->net_timeout > 0 ? a->opts->net_timeout : 10;
	cfg.legacy_only = legacy;
	if (!legacy && tlsa_usable(ad->h->tlsa)) {
		for (size_t i = 0; i < ad->h->tlsa->n && cfg.ntlsa < SMTP_PROBE_TLSA_MAX; i++) {
			const struct dns_rr *rr = &ad->h->tlsa->rr[i];

			if (rr->type != DNS_T_TLSA)
				continue;
			cfg.tlsa[cfg.ntlsa].usage = rr->u.tlsa.usage;
			cfg.tlsa[cfg.ntlsa].selector = rr->u.tlsa.selector;
			cfg.tlsa[cfg.ntlsa].mtype = rr->u.tlsa.mtype;
			cfg.tlsa[cfg.ntlsa].data = rr->u.tlsa.data;
			cfg.tlsa[cfg.ntlsa].len = rr->u.tlsa.len;
			cfg.ntlsa++;
		}
	}
	pa->ad = ad;
	pa->legacy = legacy;
	r->pending++;
	audit_hold(a);
	if (smtp_probe_start(&cfg, on_probe, pa) != MS_OK) {
		free(pa);
		r->pending--;
		audit_release(a);
	}
}

static void
on_ptr(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct tls_addr *ad = arg;

	(void)a;
	ad->ptr = dns_answer_ref(ans);
	run_step(ad->h->run);
}

/* host_ready - A, AAAA and TLSA of one MX host are in: probe each address */
static void
host_ready(struct tls_host *h)
{
	struct tls_run *r = h->run;
	struct audit *a = r->a;
	const struct dns_answer *both[2] = { h->a4, h->a6 };
	struct tls_addr **tail = &h->addrs;
	size_t n = 0;

	for (int k = 0; k < 2; k++) {
		if (both[k]->status != DNS_OK)
			continue;
		for (size_t i = 0; i < both[k]->n && n < TLS_ADDRS_MAX; i++, n++) {
			struct tls_addr *ad = arena_alloc(&a->arena, sizeof(*ad));
			char rev[IPADDR_REVLEN];

			ad->h = h;
			ad->ip = both[k]->rr[i].u.addr;
			ipaddr_format(&ad->ip, ad->ipstr);
			*tail = ad;		/* keep A then AAAA, in answer order */
			tail = &ad->next;
			ipaddr_reverse_name(&ad->ip, rev);
			r->pending++;
			audit_lookup(a, rev, DNS_T_PTR, on_ptr, ad);
			start_probe(ad, false);
		}
	}
}

static void
on_host_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct tls_host *h = arg;

	(void)a;
	if (ans->qtype == DNS_T_A)
		h->a4 = dns_answer_ref(ans);
	else if (ans->qtype == DNS_T_AAAA)
		h->a6 = dns_answer_ref(ans);
	else
		h->tlsa = dns_answer_ref(ans);
	if (--h->pending == 0)
		host_ready(h);
	run_step(h->run);
}

static void
on_sts(struct audit *a, const struct mtasts_state *st, void *arg)
{
	struct tls_run *r = arg;

	(void)a;
	r->sts = st;
	run_step(r);
}

/* cmp_pref - MX records in the order senders try them */
static int
cmp_pref(const void *x, const void *y)
{
	const struct dns_rr *p = *(const struct dns_rr *const *)x;
	const struct dns_rr *q = *(const struct dns_rr *const *)y;

	if (p->u.mx.pref != q->u.mx.pref)
		return p->u.mx.pref < q->u.mx.pref ? -1 : 1;
	return str_casecmp(p->u.mx.host, q->u.mx.host);
}

static void
on_mx(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct tls_run *r = arg;
	json_t *facts = audit_facts(a, "tls");
	const struct dns_rr **sorted;

	json_object_set_new(facts, "probed", json_boolean(!a->opts->no_smtp));
	json_object_set_new(facts, "addresses", json_array());
	if (ans->status != DNS_OK)
		goto out;
	if (a->opts->no_smtp) {
		audit_finding(a, F_TLS_PROBE_SKIPPED, a->domain,
		    "--no-smtp: STARTTLS and certificates of the MX hosts were not checked");
		goto out;
	}
	sorted = arena_alloc(&a->arena, ans->n * sizeof(*sorted));
	for (size_t i = 0; i < ans->n; i++)
		sorted[i] = &ans->rr[i];
	qsort(sorted, ans->n, sizeof(*sorted), cmp_pref);
	for (size_t i = 0; i < ans->n && r->nhosts < TLS_HOSTS_MAX; i++) {
		const char *host = sorted[i]->u.mx.host, *why;
		struct tls_host *h;
		bool dup = false;

		if (strcmp(host, ".") == 0 || ipaddr_looks_like(host) || !dns_name_check_host(host, &why))
			continue;
		for (h = r->hosts; h; h = h->next)
			dup = dup || dns_name_equal(h->name, host);
		if (dup)
			continue;
		h = arena_alloc(&a->arena, sizeof(*h));
		h->run = r;
		h->name = str_lower(arena_strdup(&a->arena, host));
		*r->tail = h;		/* keep MX preference order (the answer is sorted below) */
		r->tail = &h->next;
		r->nhosts++;
		h->pending = 3;
		r->pending += 3;
		audit_lookup(a, host, DNS_T_A, on_host_answer, h);
		audit_lookup(a, host, DNS_T_AAAA, on_host_answer, h);
		audit_lookup(a, arena_printf(&a->arena, "_25._tcp.%s", host), DNS_T_TLSA,
		    on_host_answer, h);
	}
	if (r->nhosts > 0) {
		r->pending++;
		mtasts_state_get(a, on_sts, r);
	}
out:
	run_step(r);
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

/* judge_dane - the DANE verdict of one address against secure TLSA */
static const char *
judge_dane(struct audit *a, struct tls_addr *ad)
{
	const struct smtp_probe_result *m = ad->main;
	const struct dns_answer *t = ad->h->tlsa;
	const char *subj = arena_printf(&a->arena, "%s[%s]", ad->h->name, ad->ipstr);
	size_t matching = 0;
	struct finding *f;

	if (!tlsa_usable(t))
		return t && t->status == DNS_OK ? "insecure" : "none";
	if (!m->dane_enabled)
		return "unusable";
	for (size_t i = 0; i < t->n; i++)
		if (t->rr[i].type == DNS_T_TLSA && t->rr[i].u.tlsa.usage >= 2 &&
		    tls_tlsa_matches(m->chain, t->rr[i].u.tlsa.usage, t->rr[i].u.tlsa.selector,
		    t->rr[i].u.tlsa.mtype, t->rr[i].u.tlsa.data, t->rr[i].u.tlsa.len))
			matching++;
	if (!m->dane_ok) {
		f = audit_finding(a, F_DANE_TLSA_MISMATCH, subj,
		    "no TLSA record at _25._tcp.%s matches the certificate of %s (%s)", ad->h->name,
		    ad->ipstr, m->dane_why);
		(void)f;
		return "mismatch";
	}
	audit_finding(a, F_DANE_TLSA_VALID, subj, "DANE authenticates %s: TLSA %u %u %u matches",
	    ad->h->name, m->dane_usage, m->dane_selector, m->dane_mtype);
	if (matching == 1)
		audit_finding(a, F_DANE_TLSA_SINGLE, subj,
		    "only one TLSA record matches %s: publish the next key's record before a rollover",
		    ad->h->name);
	return "verified";
}

/* judge_addr - findings and facts for one probed address */
static void
judge_addr(struct audit *a, struct tls_run *r, struct tls_addr *ad, json_t *arr)
{
	const struct smtp_probe_result *m = ad->main;
	json_t *fact = json_object(), *dane = json_object();
	const char *subj = arena_printf(&a->arena, "%s[%s]", ad->h->name, ad->ipstr);
	int match = sts_match(r->sts, ad->h->name);
	bool enforced = mtasts_policy_enforced(r->sts) && match == 1;
	const char *verdict = "none";
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
		if (m->refused)
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
		bool dane_secure = tlsa_usable(ad->h->tlsa);

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
		verdict = judge_dane(a, ad);
		judge_cert(a, ad, fact, enforced || (dane_secure && strcmp(verdict, "verified") != 0));
	}
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

static void
judge_all(struct tls_run *r)
{
	struct audit *a = r->a;
	json_t *arr = json_object_get(audit_facts(a, "tls"), "addresses");

	for (struct tls_host *h = r->hosts; h; h = h->next) {
		for (struct tls_addr *ad = h->addrs; ad; ad = ad->next) {
			judge_addr(a, r, ad, arr);
			result_free(ad->main);
			result_free(ad->legacy);
			if (ad->ptr)
				dns_answer_unref(ad->ptr);
		}
		if (h->a4)
			dns_answer_unref(h->a4);
		if (h->a6)
			dns_answer_unref(h->a6);
		if (h->tlsa)
			dns_answer_unref(h->tlsa);
	}
}

static void
run_step(struct tls_run *r)
{
	if (--r->pending == 0)
		judge_all(r);
}

void
check_tls_start(struct audit *a)
{
	struct tls_run *r = arena_alloc(&a->arena, sizeof(*r));

	r->a = a;
	r->tail = &r->hosts;
	r->pending = 1;
	if (gethostname(r->ehlo, sizeof(r->ehlo) - 1) != 0 || strchr(r->ehlo, '.') == NULL)
		snprintf(r->ehlo, sizeof(r->ehlo), "mailsec.localdomain");
	audit_lookup(a, a->domain, DNS_T_MX, on_mx, r);
}
