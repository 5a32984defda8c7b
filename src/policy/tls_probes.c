/* src/policy/tls_probes.c - the STARTTLS probes of one audit, shared by the tls and dane checks */
#include "policy/tls_probes.h"
#include "audit/audit.h"
#include "policy/mtasts_state.h"
#include "smtp/smtp_probe_cache.h"
#include "tls/tls_cert.h"
#include "util/sort.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TLS_HOSTS_MAX		32	/* MX hosts probed per domain */
#define TLS_ADDRS_MAX		16	/* addresses probed per MX host */
#define SLOT_KEY		"tls.probes"

/* The typed callback of one tls_probes_get caller. */
struct probes_asker {
	tls_probes_cb cb;
	void *arg;
};

struct probe_arg {
	struct tls_addr *ad;
	bool legacy;
};

static void set_step(struct tls_probes *r);

bool
tls_tlsa_usable(const struct dns_answer *t)
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
	struct tls_probes *r = ad->h->set;
	struct audit *a = r->a;

	if (pa->legacy) {
		ad->legacy = smtp_probe_result_copy(res);
	} else {
		ad->main = smtp_probe_result_copy(res);
		if (res->stage == SMTP_ST_DONE && !proto_old(res->protocol))
			start_probe(ad, true);
	}
	free(pa);
	set_step(r);
	audit_release(a);
}

/* start_probe - the normal probe, or the TLS-1.0/1.1-only one */
static void
start_probe(struct tls_addr *ad, bool legacy)
{
	struct tls_probes *r = ad->h->set;
	struct audit *a = r->a;
	struct smtp_probe_config cfg;
	struct probe_arg *pa = xcalloc(1, sizeof(*pa));

	memset(&cfg, 0, sizeof(cfg));
	cfg.owner = a->owner;
	cfg.addr = ad->ip;
	cfg.port = 25;
	cfg.host = ad->h->name;
	cfg.ehlo_name = r->ehlo;
	cfg.timeout = a->opts->net_timeout > 0 ? a->opts->net_timeout : 10;
	cfg.legacy_only = legacy;
	if (!legacy && tls_tlsa_usable(ad->h->tlsa)) {
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
	/* shared with every audit of the run (or round) that probes the same address alike */
	if ((a->probes ? smtp_probe_cache_start(a->probes, &cfg, on_probe, pa) :
	    smtp_probe_start(a->smtp, &cfg, on_probe, pa)) != MS_OK) {
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
	set_step(ad->h->set);
}

/* host_ready - A, AAAA and TLSA of one MX host are in: probe each address */
static void
host_ready(struct tls_host *h)
{
	struct tls_probes *r = h->set;
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
	set_step(h->set);
}

static void
on_sts(struct audit *a, const struct mtasts_state *st, void *arg)
{
	struct tls_probes *r = arg;

	(void)a;
	r->sts = st;
	set_step(r);
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
	struct tls_probes *r = arg;
	const struct dns_rr **sorted;

	if (ans->status != DNS_OK || a->opts->no_smtp || a->opts->offline)
		goto out;
	sorted = arena_alloc(&a->arena, ans->n * sizeof(*sorted));
	for (size_t i = 0; i < ans->n; i++)
		sorted[i] = &ans->rr[i];
	sort_any(sorted, ans->n, sizeof(*sorted), cmp_pref);
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
		h->set = r;
		h->name = str_lower(arena_strdup(&a->arena, host));
		*r->tail = h;		/* keep MX preference order */
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
		r->probed = true;
		r->pending++;
		mtasts_state_get(a, on_sts, r);
	}
out:
	set_step(r);
}

/* set_done - everything is in: run the waiters, then free the certificates */
static void
set_done(struct tls_probes *r)
{
	struct audit *a = r->a;

	audit_hold(a);		/* the last waiter's release must not free the audit under us */
	audit_once_done(a, SLOT_KEY);
	for (struct tls_host *h = r->hosts; h; h = h->next) {
		for (struct tls_addr *ad = h->addrs; ad; ad = ad->next) {
			smtp_probe_result_free(ad->main);
			smtp_probe_result_free(ad->legacy);
			ad->main = ad->legacy = NULL;
			if (ad->ptr)
				dns_answer_unref(ad->ptr);
			ad->ptr = NULL;
		}
		if (h->a4)
			dns_answer_unref(h->a4);
		if (h->a6)
			dns_answer_unref(h->a6);
		if (h->tlsa)
			dns_answer_unref(h->tlsa);
		h->a4 = h->a6 = h->tlsa = NULL;
	}
	audit_release(a);
}

static void
set_step(struct tls_probes *r)
{
	if (--r->pending == 0)
		set_done(r);
}

/* probes_start - the first asker: look up the MX hosts, then probe */
static void
probes_start(struct audit *a, void *value)
{
	struct tls_probes *r = value;

	r->a = a;
	r->tail = &r->hosts;
	r->pending = 1;
	/* the EHLO name only probes use (a system call per domain saved without them) */
	if (!a->opts->no_smtp && !a->opts->offline &&
	    (gethostname(r->ehlo, sizeof(r->ehlo) - 1) != 0 || strchr(r->ehlo, '.') == NULL))
		snprintf(r->ehlo, sizeof(r->ehlo), "mailsec.localdomain");
	audit_lookup(a, a->domain, DNS_T_MX, on_mx, r);
}

/* probes_ready - audit_once's callback: hand the probes to one asker */
static void
probes_ready(struct audit *a, void *value, void *arg)
{
	struct probes_asker *k = arg;

	k->cb(a, value, k->arg);
}

/* tls_probes_get - the audit's STARTTLS probes, made once (tls_probes.h) */
void
tls_probes_get(struct audit *a, tls_probes_cb cb, void *arg)
{
	struct probes_asker *k = arena_alloc(&a->arena, sizeof(*k));

	k->cb = cb;
	k->arg = arg;
	audit_once(a, SLOT_KEY, sizeof(struct tls_probes), probes_start, probes_ready, k);
}

const char *
tls_dane_verdict(const struct tls_addr *ad, size_t *matching)
{
	const struct smtp_probe_result *m = ad->main;
	const struct dns_answer *t = ad->h->tlsa;

	*matching = 0;
	if (!tls_tlsa_usable(t))
		return t && t->status == DNS_OK ? "insecure" : "none";
	if (m == NULL || m->stage != SMTP_ST_DONE)
		return "none";
	if (!m->dane_enabled)
		return "unusable";
	for (size_t i = 0; i < t->n; i++)
		if (t->rr[i].type == DNS_T_TLSA && t->rr[i].u.tlsa.usage >= 2 &&
		    tls_tlsa_matches(m->chain, t->rr[i].u.tlsa.usage, t->rr[i].u.tlsa.selector,
		    t->rr[i].u.tlsa.mtype, t->rr[i].u.tlsa.data, t->rr[i].u.tlsa.len))
			(*matching)++;
	return m->dane_ok ? "verified" : "mismatch";
}

