/* src/reports/summary.c - who sends as a domain: summaries of stored reports */
#include "reports/summary.h"
#include "reports/spf_walk.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "dns/resolver.h"
#include "policy/providers.h"
#include "util/ipaddr.h"
#include "util/sort.h"
#include "util/str.h"
#include "util/strmap.h"
#include "util/termsafe.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PTR_LOOKUPS_MAX	2000	/* sources whose PTR name is looked up */
#define SPF_LABELS_MAX	2000	/* sources evaluated against the domain's SPF policy */
#define SUMMARY_LOOKUPS_MAX	20000	/* DNS queries of one summary in all (docs/reports.md) */
#define KEYS_MAX	((size_t)1 << 30)	/* distinct sources or keys: far beyond any store */
#define COUNT_SAT	((uint64_t)INT64_MAX)	/* sums stop here (and say so): JSON integers are signed */

struct source {
	char *ip;
	char *ptr;		/* NULL: none or not looked up */
	const char *ptr_status;	/* ok, nxdomain, nodata, servfail, timeout, bogus, not-looked-up, invalid-ip */
	char *provider;
	uint64_t messages, spf_aligned, dkim_aligned, dmarc_pass;
	uint64_t quarantined, rejected;	/* dispositions applied by receivers */
	uint64_t fail_authenticated;	/* DMARC-failing messages that passed SPF or DKIM unaligned */
	char *dkim_domains;	/* DKIM-authenticated domains seen (pass), space-separated */
	char *spf_domain;	/* an SPF-authenticated domain seen (pass) */
	char *spf_include;	/* the include: of the domain's SPF record listing it, or NULL */
	struct summary *owner;
};

struct count_kv {
	char *key;
	uint64_t a, b;
	uint64_t trust[DMARC_TRUST_N];	/* dmarc_days: messages per category */
	size_t reports;
	int64_t last_report;
};

struct kvset {
	struct count_kv *v;
	size_t n, cap;
	struct strmap idx;	/* key -> index + 1 (strmap values are non-NULL pointers) */
};

struct summary {
	char *domain;
	int64_t since, first, last;
	int64_t until;		/* rows whose period begins at or after it are left out (0: no bound) */
	struct summary_thresholds t;
	char *p, *sp, *pct, *testing;	/* policy of the most recent report */
	size_t reports;
	int64_t last_report;
	size_t last_rep, last_day;	/* that report's reporter and day: indexes in reporters, dmarc_days */
	uint64_t messages, spf_aligned, dkim_aligned, dmarc_pass, quarantined, rejected;
	uint64_t failure_reports;
	struct source *src;
	size_t nsrc, capsrc;
	struct strmap srcidx;	/* ip -> index + 1 */
	bool saturated;		/* some sum reached COUNT_SAT */
	struct kvset reporters;
	struct kvset dmarc_days;	/* "YYYY-MM-DD" of a report's begin -> messages per trust category */
	/* TLS-RPT */
	size_t tls_reports;
	int64_t tls_last_report, tls_last_policy;
	uint64_t tls_success, tls_failure;
	struct kvset by_result, by_mx, by_day;
	struct kvset by_day_result;	/* "DAY result-type MX" -> failed sessions */
	/* verdict */
	const char *verdict;
	char *verdict_msg;
	char *advice;
	size_t legit_failing;
	size_t pending;		/* PTR lookups and the SPF walk in flight */
	char *spf_status;	/* the SPF walk: "ok", why it is incomplete, NULL if not done */
	/* summary_start: the SPF walk and whom to tell */
	struct spf_walk *walk;
	size_t *walk_at;	/* the source of each address walked */
	size_t walk_n;
	summary_done_cb done;
	void *done_arg;
};

static void lookups_over(struct summary *s);
static void day_of(int64_t t, char out[16]);

void
summary_thresholds_default(struct summary_thresholds *t)
{
	t->min_messages = 100;
	t->quarantine_pass_rate = 95.0;
	t->reject_pass_rate = 98.0;
	t->legit_min_messages = 1;
	t->top = 0;
}

/* sat_add - *a += b, stopping at COUNT_SAT (s->saturated says it happened) */
static void
sat_add(struct summary *s, uint64_t *a, uint64_t b)
{
	if (b > COUNT_SAT || *a > COUNT_SAT - b) {
		*a = COUNT_SAT;
		s->saturated = true;
	} else
		*a += b;
}

/* kv_get - the entry for key, created at zero (a hash lookup: linear in the keys overall) */
static struct count_kv *
kv_get(struct kvset *s, const char *key)
{
	size_t kl = strlen(key);
	void *at = strmap_get(&s->idx, key, kl);

	if (at)
		return &s->v[(size_t)(uintptr_t)at - 1];
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	if (s->idx.max == 0)
		strmap_init(&s->idx, KEYS_MAX);
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	s->v[s->n].key = xstrdup(key);
	s->v[s->n].last_report = -1;
	/*
	 * key is new (not found above) and the value not NULL, so only
	 * MS_ERR_LIMIT can fail: KEYS_MAX keys would need tens of GiB first.
	 */
	MS_IGNORE(strmap_put(&s->idx, key, kl, (void *)(uintptr_t)(s->n + 1)));
	return &s->v[s->n++];
}

static void
kv_free(struct kvset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	free(s->v);
	strmap_free(&s->idx, NULL);
}

/* cmp_kv_a_desc - by a descending, then key */
static int
cmp_kv_a_desc(const void *x, const void *y)
{
	const struct count_kv *a = x, *b = y;

	if (a->a != b->a)
		return a->a > b->a ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* cmp_kv_key - by key (dates sort as text) */
static int
cmp_kv_key(const void *x, const void *y)
{
	const struct count_kv *a = x, *b = y;

	return strcmp(a->key, b->key);
}

/* source_get - the source with address ip, created at zero (a hash lookup) */
static struct source *
source_get(struct summary *s, const char *ip)
{
	size_t kl = strlen(ip);
	void *at = strmap_get(&s->srcidx, ip, kl);

	if (at)
		return &s->src[(size_t)(uintptr_t)at - 1];
	if (s->nsrc == s->capsrc) {
		s->capsrc = s->capsrc ? s->capsrc * 2 : 32;
		s->src = xreallocarray(s->src, s->capsrc, sizeof(*s->src));
	}
	memset(&s->src[s->nsrc], 0, sizeof(s->src[0]));
	s->src[s->nsrc].ip = xstrdup(ip);
	s->src[s->nsrc].ptr_status = "not-looked-up";
	/* new key, value not NULL: only KEYS_MAX could refuse it (as in kv_get) */
	MS_IGNORE(strmap_put(&s->srcidx, ip, kl, (void *)(uintptr_t)(s->nsrc + 1)));
	return &s->src[s->nsrc++];
}

/* add_word - add w to the space-separated set *set if absent */
static void
add_word(char **set, const char *w)
{
	size_t n = strlen(w);
	char *p, *nu;

	if (n == 0)
		return;
	if (*set) {
		for (p = *set; (p = strstr(p, w)) != NULL; p += n)
			if ((p == *set || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
				return;
		if (strlen(*set) > 1024)
			return;
		nu = xasprintf("%s %s", *set, w);
		free(*set);
		*set = nu;
	} else
		*set = xstrdup(w);
}

/* dmarc_trust_of - Mail Check's category of a report row (summary.h) */
enum dmarc_trust
dmarc_trust_of(bool spf_aligned, bool dkim_aligned, const char *disposition)
{
	if (disposition != NULL && strcmp(disposition, "reject") == 0)
		return DMARC_REJECTED;
	if (disposition != NULL && strcmp(disposition, "quarantine") == 0)
		return DMARC_QUARANTINED;
	if (spf_aligned && dkim_aligned)
		return DMARC_FULLY_TRUSTED;
	return spf_aligned || dkim_aligned ? DMARC_PARTIALLY_TRUSTED : DMARC_UNTRUSTED;
}

/* dmarc_trust_name - the category's word in JSON and CSV (summary.h) */
const char *
dmarc_trust_name(enum dmarc_trust t)
{
	static const char *const NAMES[DMARC_TRUST_N] = {
		"fully_trusted", "partially_trusted", "untrusted", "quarantined", "rejected",
	};

	return (unsigned)t < DMARC_TRUST_N ? NAMES[t] : "untrusted";
}

/* on_dmarc - one stored DMARC row: the totals, its source, its reporter and its day */
static void
on_dmarc(void *arg, const struct store_dmarc_item *it)
{
	struct summary *s = arg;
	struct source *src;
	bool spf = it->spf && strcmp(it->spf, "pass") == 0;
	bool dkim = it->dkim && strcmp(it->dkim, "pass") == 0;
	struct count_kv *d, *rep;
	char day[16];

	if (s->until > 0 && it->begin >= s->until)
		return;
	src = source_get(s, it->source_ip ? it->source_ip : "");
	if (it->report != s->last_report) {
		/* a report's rows come together: its reporter and day are looked up once */
		s->last_rep = (size_t)(kv_get(&s->reporters, it->org_name ? it->org_name : "") - s->reporters.v);
		day_of(it->begin, day);
		s->last_day = (size_t)(kv_get(&s->dmarc_days, day) - s->dmarc_days.v);
		s->reports++;
		s->last_report = it->report;
		free(s->p);
		free(s->sp);
		free(s->pct);
		free(s->testing);
		s->p = it->p ? xstrdup(it->p) : NULL;
		s->sp = it->sp ? xstrdup(it->sp) : NULL;
		s->pct = it->pct ? xstrdup(it->pct) : NULL;
		s->testing = it->testing ? xstrdup(it->testing) : NULL;
		if (it->begin >= 0 && (s->first < 0 || it->begin < s->first))
			s->first = it->begin;
		if (it->end > s->last)
			s->last = it->end;
	}
	rep = &s->reporters.v[s->last_rep];
	if (rep->last_report != it->report) {
		rep->reports++;
		rep->last_report = it->report;
	}
	sat_add(s, &rep->a, it->count);
	sat_add(s, &s->messages, it->count);
	sat_add(s, &src->messages, it->count);
	if (spf) {
		sat_add(s, &s->spf_aligned, it->count);
		sat_add(s, &src->spf_aligned, it->count);
	}
	if (dkim) {
		sat_add(s, &s->dkim_aligned, it->count);
		sat_add(s, &src->dkim_aligned, it->count);
	}
	if (spf || dkim) {
		sat_add(s, &s->dmarc_pass, it->count);
		sat_add(s, &src->dmarc_pass, it->count);
	} else if ((it->dkim_pass_domains && *it->dkim_pass_domains) ||
	    (it->spf_pass_domain && *it->spf_pass_domain))
		sat_add(s, &src->fail_authenticated, it->count);
	if (it->disposition && strcmp(it->disposition, "quarantine") == 0) {
		sat_add(s, &s->quarantined, it->count);
		sat_add(s, &src->quarantined, it->count);
	} else if (it->disposition && strcmp(it->disposition, "reject") == 0) {
		sat_add(s, &s->rejected, it->count);
		sat_add(s, &src->rejected, it->count);
	}
	d = &s->dmarc_days.v[s->last_day];
	sat_add(s, &d->trust[dmarc_trust_of(spf, dkim, it->disposition)], it->count);
	if (it->dkim_pass_domains && *it->dkim_pass_domains) {
		char **w = str_split(it->dkim_pass_domains, ' ', NULL);

		for (size_t i = 0; w && w[i]; i++)
			add_word(&src->dkim_domains, w[i]);
		strv_free(w);
	}
	if (it->spf_pass_domain && *it->spf_pass_domain && src->spf_domain == NULL)
		src->spf_domain = xstrdup(it->spf_pass_domain);
}

/* day_of - "YYYY-MM-DD" (UTC) of t */
static void
day_of(int64_t t, char out[16])
{
	time_t tt = (time_t)(t < 0 ? 0 : t);
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

static void
on_tlsrpt(void *arg, const struct store_tlsrpt_item *it)
{
	struct summary *s = arg;
	char day[16];
	struct count_kv *d;

	if (s->until > 0 && it->begin >= s->until)
		return;
	day_of(it->begin, day);
	d = kv_get(&s->by_day, day);
	if (it->report != s->tls_last_report) {
		s->tls_reports++;
		s->tls_last_report = it->report;
	}
	if (it->policy != s->tls_last_policy) {
		s->tls_last_policy = it->policy;
		sat_add(s, &s->tls_success, it->success);
		sat_add(s, &s->tls_failure, it->failure);
		sat_add(s, &d->a, it->success);
		sat_add(s, &d->b, it->failure);
	}
	if (it->result_type) {
		const char *mx = it->receiving_mx_hostname ? it->receiving_mx_hostname :
		    it->mx_host ? it->mx_host : "(unknown)";

		char key[600];

		sat_add(s, &kv_get(&s->by_result, it->result_type)->a, it->failed_session_count);
		sat_add(s, &kv_get(&s->by_mx, mx)->a, it->failed_session_count);
		snprintf(key, sizeof(key), "%s %.200s %.300s", day, it->result_type, mx);
		sat_add(s, &kv_get(&s->by_day_result, key)->a, it->failed_session_count);
	}
}

/* summary_ptr_status - the ptr_status word of a lookup outcome (summary.h) */
const char *
summary_ptr_status(enum dns_outcome o)
{
	switch (o) {
	case DNS_OK: return "ok";
	case DNS_NODATA: return "nodata";
	case DNS_NXDOMAIN: return "nxdomain";
	case DNS_SERVFAIL: return "servfail";
	case DNS_TIMEOUT: return "timeout";
	case DNS_BOGUS: return "bogus";
	}
	return "servfail";
}

/* on_ptr - a PTR answer for one source */
static void
on_ptr(struct dns_answer *ans, void *arg)
{
	struct source *src = arg;
	const psl_ctx_t *psl = psl_builtin();

	src->ptr_status = summary_ptr_status(ans->status);
	if (ans->status == DNS_OK) {
		for (size_t i = 0; i < ans->n; i++) {
			if (ans->rr[i].type == DNS_T_PTR && ans->rr[i].u.name) {
				const char *reg;

				src->ptr = str_lower(xstrdup(ans->rr[i].u.name));
				reg = psl ? psl_registrable_domain(psl, src->ptr) : NULL;
				if (reg)
					src->provider = xstrdup(reg);
				break;
			}
		}
		if (src->ptr == NULL)
			src->ptr_status = "nodata";
	}
	if (--src->owner->pending == 0)
		lookups_over(src->owner);
}

/* include_provider - the provider of the include: of the domain's SPF record listing x, or NULL */
static const char *
include_provider(const struct providers *prov, const struct source *x)
{
	return x->spf_include ? providers_match(prov, PROVIDER_SPF, x->spf_include) : NULL;
}

/*
 * provider_name - who sends from x as people know them (docs/providers.md):
 * by its PTR name, else by the include: of the domain's SPF record listing
 * it; borrowed from prov, or NULL
 */
static const char *
provider_name(const struct providers *prov, const struct source *x)
{
	const char *n = x->ptr ? providers_match(prov, PROVIDER_PTR, x->ptr) : NULL;

	if (n == NULL && x->spf_include)
		n = providers_match(prov, PROVIDER_SPF, x->spf_include);
	return n;
}

/* providers_or_null - the built-in provider rules, or NULL (no names rather than no summary) */
static struct providers *
providers_or_null(void)
{
	struct providers *prov;
	char err[200];

	return providers_builtin(&prov, err, sizeof(err)) == MS_OK ? prov : NULL;
}

/* cmp_src - most messages first, then address */
static int
cmp_src(const void *x, const void *y)
{
	const struct source *a = x, *b = y;

	if (a->messages != b->messages)
		return a->messages > b->messages ? -1 : 1;
	return strcmp(a->ip, b->ip);
}

/* cmp_failing - most DMARC-failing messages first, then address */
static int
cmp_failing(const void *x, const void *y)
{
	const struct source *a = *(const struct source *const *)x, *b = *(const struct source *const *)y;
	uint64_t fa = a->messages - a->dmarc_pass, fb = b->messages - b->dmarc_pass;

	if (fa != fb)
		return fa > fb ? -1 : 1;
	return strcmp(a->ip, b->ip);
}

/* pct_of - n as a percentage of d (0 when d is 0) */
static double
pct_of(uint64_t n, uint64_t d)
{
	return d ? 100.0 * (double)n / (double)d : 0.0;
}

/*
 * legit_looking - a source that mostly fails DMARC while its failing messages
 * pass SPF or DKIM for some other domain: a real service (a newsletter or
 * ticketing provider) sending as the domain without alignment, to be fixed
 * before tightening.  Sources that mostly pass (forwarding noise) and sources
 * that authenticate as nothing (spoofing) are not (docs/reports.md).
 */
static bool
legit_looking(const struct summary *s, const struct source *src)
{
	return src->dmarc_pass * 2 < src->messages &&
	    src->fail_authenticated >= s->t.legit_min_messages && src->fail_authenticated > 0;
}

/* verdict - the readiness verdict of the seeds' journey (docs/reports.md) */
static void
verdict(struct summary *s)
{
	double rate = pct_of(s->dmarc_pass, s->messages);
	const char *p = s->p ? s->p : "none";

	for (size_t i = 0; i < s->nsrc; i++)
		if (legit_looking(s, &s->src[i]))
			s->legit_failing++;
	if (s->messages < s->t.min_messages) {
		s->verdict = "collect-more-data";
		s->verdict_msg = xasprintf("only %llu messages reported: keep the current policy and "
		    "collect at least %llu before deciding",
		    (unsigned long long)s->messages, (unsigned long long)s->t.min_messages);
	} else if (strcmp(p, "reject") == 0) {
		s->verdict = "at-reject";
		s->verdict_msg = xasprintf("p=reject is published; %.1f%% of messages pass DMARC%s",
		    rate, s->legit_failing ? ", but some legitimate-looking sources fail" : "");
	} else if (s->legit_failing) {
		s->verdict = "fix-sources";
		s->verdict_msg = xasprintf("%zu legitimate-looking source%s still fail%s DMARC: fix "
		    "%s SPF or DKIM alignment first", s->legit_failing,
		    s->legit_failing == 1 ? "" : "s", s->legit_failing == 1 ? "s" : "",
		    s->legit_failing == 1 ? "its" : "their");
	} else if (strcmp(p, "quarantine") == 0 && rate >= s->t.reject_pass_rate) {
		s->verdict = "ready-for-reject";
		s->verdict_msg = xasprintf("ready for p=reject: %.1f%% of messages pass DMARC "
		    "(threshold %.1f%%)", rate, s->t.reject_pass_rate);
		s->advice = xasprintf("_dmarc.%s. TXT \"v=DMARC1; p=reject; rua=mailto:...\"",
		    s->domain);
	} else if (strcmp(p, "quarantine") != 0 && rate >= s->t.quarantine_pass_rate) {
		s->verdict = "ready-for-quarantine";
		s->verdict_msg = xasprintf("safe to move to p=quarantine at pct=10 / t=y: %.1f%% of "
		    "messages pass DMARC (threshold %.1f%%)", rate, s->t.quarantine_pass_rate);
		s->advice = xasprintf("_dmarc.%s. TXT \"v=DMARC1; p=quarantine; pct=10; t=y; "
		    "rua=mailto:...\"", s->domain);
	} else {
		s->verdict = "fix-sources";
		s->verdict_msg = xasprintf("%.1f%% of messages pass DMARC, below the %.1f%% needed "
		    "to tighten the policy: find and fix the failing sources", rate,
		    strcmp(p, "quarantine") == 0 ? s->t.reject_pass_rate : s->t.quarantine_pass_rate);
	}
}

/* aggregate - read and sort domain's reports since since (and begun before until, 0: any); *out NULL on failure */
static enum ms_status
aggregate(struct store *store, const char *domain, int64_t since, int64_t until,
    const struct summary_thresholds *t, struct summary **out)
{
	struct summary *s = xcalloc(1, sizeof(*s));
	enum ms_status st;

	s->domain = xstrdup(domain);
	s->since = since;
	s->until = until;
	s->first = s->last = -1;
	s->last_report = s->tls_last_report = s->tls_last_policy = -1;
	s->t = *t;
	strmap_init(&s->srcidx, KEYS_MAX);
	*out = NULL;
	if ((st = store_each_dmarc(store, domain, since, on_dmarc, s)) != MS_OK ||
	    (st = store_each_tlsrpt(store, domain, since, on_tlsrpt, s)) != MS_OK ||
	    (st = store_count_failures(store, domain, since, &s->failure_reports)) != MS_OK) {
		summary_free(s);
		return st;
	}
	for (size_t i = 0; i < s->reporters.n; i++)
		s->reporters.v[i].b = s->reporters.v[i].reports;
	sort_any(s->src, s->nsrc, sizeof(*s->src), cmp_src);
	sort_any(s->reporters.v, s->reporters.n, sizeof(*s->reporters.v), cmp_kv_a_desc);
	sort_any(s->by_result.v, s->by_result.n, sizeof(*s->by_result.v), cmp_kv_a_desc);
	sort_any(s->by_mx.v, s->by_mx.n, sizeof(*s->by_mx.v), cmp_kv_a_desc);
	sort_any(s->by_day.v, s->by_day.n, sizeof(*s->by_day.v), cmp_kv_key);
	sort_any(s->dmarc_days.v, s->dmarc_days.n, sizeof(*s->dmarc_days.v), cmp_kv_key);
	sort_any(s->by_day_result.v, s->by_day_result.n, sizeof(*s->by_day_result.v), cmp_kv_key);
	for (size_t i = 0; i < s->nsrc; i++) {
		struct source *src = &s->src[i];
		struct ipaddr a;

		src->owner = s;
		if (ipaddr_parse(src->ip, &a) != MS_OK)
			src->ptr_status = "invalid-ip";
	}
	*out = s;
	return MS_OK;
}

enum ms_status
summary_build(struct store *store, const char *domain, int64_t since,
    const struct summary_thresholds *t, struct summary **out)
{
	return summary_build_range(store, domain, since, 0, t, out);
}

enum ms_status
summary_build_range(struct store *store, const char *domain, int64_t since, int64_t until,
    const struct summary_thresholds *t, struct summary **out)
{
	enum ms_status st = aggregate(store, domain, since, until, t, out);

	if (st == MS_OK)
		verdict(*out);
	return st;
}

/* lookups_over - the PTR names and the SPF walk are in: label, judge, tell the caller */
static void
lookups_over(struct summary *s)
{
	for (size_t k = 0; k < s->walk_n; k++) {
		const char *l = spf_walk_label(s->walk, k);

		if (l != NULL)
			s->src[s->walk_at[k]].spf_include = xstrdup(l);
	}
	s->spf_status = xstrdup(spf_walk_status(s->walk));
	spf_walk_free(s->walk);
	s->walk = NULL;
	free(s->walk_at);
	s->walk_at = NULL;
	verdict(s);
	s->done(s, s->done_arg);
}

/* walk_done - the SPF walk's end */
static void
walk_done(struct spf_walk *w, void *arg)
{
	struct summary *s = arg;

	(void)w;
	if (--s->pending == 0)
		lookups_over(s);
}

enum ms_status
summary_start(struct store *store, const char *domain, int64_t since,
    const struct summary_thresholds *t, struct resolver *res, summary_done_cb done, void *arg)
{
	struct summary *s;
	enum ms_status st;
	struct ipaddr *ips;
	size_t n = 0;

	if (res == NULL || done == NULL)
		return MS_ERR_ARG;
	/* strangers' addresses decide what is looked up: one budget for the whole summary */
	if (res->max_queries == 0)
		res->max_queries = SUMMARY_LOOKUPS_MAX;
	if ((st = aggregate(store, domain, since, 0, t, &s)) != MS_OK)
		return st;
	s->done = done;
	s->done_arg = arg;
	s->pending = 1;	/* the SPF walk */
	for (size_t i = 0; i < s->nsrc && i < PTR_LOOKUPS_MAX; i++) {
		struct source *src = &s->src[i];
		struct ipaddr a;
		char rev[IPADDR_REVLEN];

		if (ipaddr_parse(src->ip, &a) != MS_OK)
			continue;
		ipaddr_reverse_name(&a, rev);
		if (resolver_query(res, rev, DNS_T_PTR, on_ptr, src) == MS_OK)
			s->pending++;
	}
	/* the first SPF_LABELS_MAX sources with a valid address, in the order above */
	ips = xcalloc(s->nsrc ? s->nsrc : 1, sizeof(*ips));
	s->walk_at = xcalloc(s->nsrc ? s->nsrc : 1, sizeof(*s->walk_at));
	for (size_t i = 0; i < s->nsrc && n < SPF_LABELS_MAX; i++)
		if (ipaddr_parse(s->src[i].ip, &ips[n]) == MS_OK)
			s->walk_at[n++] = i;
	s->walk_n = n;
	s->walk = spf_walk_start(res, domain, ips, n, walk_done, s);
	free(ips);
	return MS_OK;
}

void
summary_free(struct summary *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nsrc; i++) {
		free(s->src[i].ip);
		free(s->src[i].ptr);
		free(s->src[i].provider);
		free(s->src[i].dkim_domains);
		free(s->src[i].spf_domain);
		free(s->src[i].spf_include);
	}
	free(s->spf_status);
	free(s->src);
	strmap_free(&s->srcidx, NULL);
	kv_free(&s->reporters);
	kv_free(&s->by_result);
	kv_free(&s->by_mx);
	kv_free(&s->by_day);
	kv_free(&s->dmarc_days);
	kv_free(&s->by_day_result);
	free(s->domain);
	free(s->p);
	free(s->sp);
	free(s->pct);
	free(s->testing);
	free(s->verdict_msg);
	free(s->advice);
	free(s);
}

/* rate - a rate rounded to 4 decimals, as JSON */
static json_t *
rate(uint64_t n, uint64_t d)
{
	double r = d ? (double)n / (double)d : 0.0;

	return json_real((double)(long long)(r * 10000.0 + 0.5) / 10000.0);
}

/* ts_json - an epoch time as RFC 3339, or null */
static json_t *
ts_json(int64_t t)
{
	char b[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0)
		return json_null();
	gmtime_r(&tt, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(b);
}

/* words_json - a space-separated set as an array */
static json_t *
words_json(const char *w)
{
	json_t *a = json_array();
	char **v;

	if (w == NULL)
		return a;
	v = str_split(w, ' ', NULL);
	for (size_t i = 0; v && v[i]; i++)
		if (*v[i])
			json_array_append_new(a, json_text(v[i]));
	strv_free(v);
	return a;
}

json_t *
summary_json(const struct summary *s)
{
	json_t *o = json_object(), *tot = json_object(), *srcs = json_array(), *wf = json_array();
	json_t *reps = json_array(), *tls = json_object(), *v = json_object(), *th = json_object();
	json_t *pol, *arr;
	uint64_t wq = 0;
	struct providers *prov = providers_or_null();

	doc_add_schema(o, DOC_REPORTS);
	json_object_set_new(o, "kind", json_string("summary"));
	json_object_set_new(o, "domain", json_text(s->domain));
	json_object_set_new(o, "since", ts_json(s->since));
	json_object_set_new(o, "first", ts_json(s->first));
	json_object_set_new(o, "last", ts_json(s->last));
	if (s->reports) {
		pol = json_object();
		json_object_set_new(pol, "p", json_text(s->p));
		json_object_set_new(pol, "sp", json_text(s->sp));
		json_object_set_new(pol, "pct", json_text(s->pct));
		json_object_set_new(pol, "testing", json_text(s->testing));
		json_object_set_new(o, "policy", pol);
	} else
		json_object_set_new(o, "policy", json_null());
	json_object_set_new(tot, "reports", json_integer((json_int_t)s->reports));
	json_object_set_new(tot, "messages", json_integer((json_int_t)s->messages));
	json_object_set_new(tot, "spf_aligned", json_integer((json_int_t)s->spf_aligned));
	json_object_set_new(tot, "dkim_aligned", json_integer((json_int_t)s->dkim_aligned));
	json_object_set_new(tot, "dmarc_pass", json_integer((json_int_t)s->dmarc_pass));
	json_object_set_new(tot, "spf_aligned_rate", rate(s->spf_aligned, s->messages));
	json_object_set_new(tot, "dkim_aligned_rate", rate(s->dkim_aligned, s->messages));
	json_object_set_new(tot, "dmarc_pass_rate", rate(s->dmarc_pass, s->messages));
	json_object_set_new(tot, "quarantined", json_integer((json_int_t)s->quarantined));
	json_object_set_new(tot, "rejected", json_integer((json_int_t)s->rejected));
	json_object_set_new(tot, "failure_reports", json_integer((json_int_t)s->failure_reports));
	if (s->saturated)
		json_object_set_new(tot, "saturated", json_true());
	json_object_set_new(o, "totals", tot);
	for (size_t i = 0; i < s->nsrc; i++) {
		const struct source *x = &s->src[i];
		json_t *j;

		if (x->dmarc_pass < x->messages)
			wq += x->messages - x->dmarc_pass;
		if (s->t.top && i >= s->t.top)
			continue;
		j = json_object();
		json_object_set_new(j, "ip", json_text(x->ip));
		json_object_set_new(j, "ptr", json_text(x->ptr));
		json_object_set_new(j, "ptr_status", json_string(x->ptr_status));
		json_object_set_new(j, "provider", json_text(x->provider));
		json_object_set_new(j, "provider_name", json_text(provider_name(prov, x)));
		json_object_set_new(j, "spf_include", json_text(x->spf_include));
		json_object_set_new(j, "spf_include_provider", json_text(include_provider(prov, x)));
		json_object_set_new(j, "messages", json_integer((json_int_t)x->messages));
		json_object_set_new(j, "spf_aligned", json_integer((json_int_t)x->spf_aligned));
		json_object_set_new(j, "dkim_aligned", json_integer((json_int_t)x->dkim_aligned));
		json_object_set_new(j, "dmarc_pass", json_integer((json_int_t)x->dmarc_pass));
		json_object_set_new(j, "dmarc_pass_rate", rate(x->dmarc_pass, x->messages));
		json_object_set_new(j, "dkim_domains", words_json(x->dkim_domains));
		json_object_set_new(j, "spf_domain", json_text(x->spf_domain));
		json_object_set_new(j, "legitimate_looking", json_boolean(legit_looking(s, x)));
		json_array_append_new(srcs, j);

	}
	json_object_set_new(o, "sources", srcs);
	json_object_set_new(o, "sources_total", json_integer((json_int_t)s->nsrc));
	json_object_set_new(o, "spf_walk", json_text(s->spf_status));
	/* would_fail: the failing sources, most failing messages first */
	{
		const struct source **f = xcalloc(s->nsrc + 1, sizeof(*f));
		size_t nf = 0;

		for (size_t i = 0; i < s->nsrc; i++)
			if (s->src[i].dmarc_pass < s->src[i].messages)
				f[nf++] = &s->src[i];
		sort_any(f, nf, sizeof(*f), cmp_failing);
		for (size_t i = 0; i < nf && (s->t.top == 0 || i < s->t.top); i++) {
			json_t *w = json_object();

			json_object_set_new(w, "ip", json_text(f[i]->ip));
			json_object_set_new(w, "ptr", json_text(f[i]->ptr));
			json_object_set_new(w, "provider", json_text(f[i]->provider));
			json_object_set_new(w, "provider_name", json_text(provider_name(prov, f[i])));
			json_object_set_new(w, "spf_include", json_text(f[i]->spf_include));
			json_object_set_new(w, "spf_include_provider",
			    json_text(include_provider(prov, f[i])));
			json_object_set_new(w, "messages",
			    json_integer((json_int_t)(f[i]->messages - f[i]->dmarc_pass)));
			json_object_set_new(w, "legitimate_looking", json_boolean(legit_looking(s, f[i])));
			json_array_append_new(wf, w);
		}
		free(f);
	}
	arr = json_object();
	json_object_set_new(arr, "messages", json_integer((json_int_t)wq));
	json_object_set_new(arr, "sources", wf);
	json_object_set_new(o, "would_fail", arr);
	json_object_set_new(v, "verdict", json_string(s->verdict));
	json_object_set_new(v, "message", json_text(s->verdict_msg));
	json_object_set_new(v, "advice", json_text(s->advice));
	json_object_set_new(v, "legitimate_failing_sources", json_integer((json_int_t)s->legit_failing));
	json_object_set_new(th, "min_messages", json_integer((json_int_t)s->t.min_messages));
	json_object_set_new(th, "quarantine_pass_rate", json_real(s->t.quarantine_pass_rate));
	json_object_set_new(th, "reject_pass_rate", json_real(s->t.reject_pass_rate));
	json_object_set_new(th, "legit_min_messages", json_integer((json_int_t)s->t.legit_min_messages));
	json_object_set_new(v, "thresholds", th);
	json_object_set_new(o, "readiness", v);
	for (size_t i = 0; i < s->reporters.n; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "org_name", json_text(s->reporters.v[i].key));
		json_object_set_new(j, "reports", json_integer((json_int_t)s->reporters.v[i].b));
		json_object_set_new(j, "messages", json_integer((json_int_t)s->reporters.v[i].a));
		json_array_append_new(reps, j);
	}
	json_object_set_new(o, "reporters", reps);
	arr = json_array();
	for (size_t i = 0; i < s->dmarc_days.n; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "day", json_text(s->dmarc_days.v[i].key));
		for (int k = 0; k < DMARC_TRUST_N; k++)
			json_object_set_new(j, dmarc_trust_name((enum dmarc_trust)k),
			    json_integer((json_int_t)s->dmarc_days.v[i].trust[k]));
		json_array_append_new(arr, j);
	}
	json_object_set_new(o, "dmarc_by_day", arr);
	json_object_set_new(tls, "reports", json_integer((json_int_t)s->tls_reports));
	json_object_set_new(tls, "successful_sessions", json_integer((json_int_t)s->tls_success));
	json_object_set_new(tls, "failed_sessions", json_integer((json_int_t)s->tls_failure));
	arr = json_array();
	for (size_t i = 0; i < s->by_result.n; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "result_type", json_text(s->by_result.v[i].key));
		json_object_set_new(j, "sessions", json_integer((json_int_t)s->by_result.v[i].a));
		json_array_append_new(arr, j);
	}
	json_object_set_new(tls, "by_result_type", arr);
	arr = json_array();
	for (size_t i = 0; i < s->by_mx.n; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "mx", json_text(s->by_mx.v[i].key));
		json_object_set_new(j, "sessions", json_integer((json_int_t)s->by_mx.v[i].a));
		json_array_append_new(arr, j);
	}
	json_object_set_new(tls, "by_mx", arr);
	arr = json_array();
	for (size_t i = 0; i < s->by_day.n; i++) {
		json_t *j = json_object();

		json_object_set_new(j, "day", json_text(s->by_day.v[i].key));
		json_object_set_new(j, "successful_sessions", json_integer((json_int_t)s->by_day.v[i].a));
		json_object_set_new(j, "failed_sessions", json_integer((json_int_t)s->by_day.v[i].b));
		{
			json_t *f = json_array();
			size_t dl = strlen(s->by_day.v[i].key);

			/* keys are "DAY TYPE MX", sorted: this day's run of entries */
			for (size_t k = 0; k < s->by_day_result.n; k++) {
				const char *key = s->by_day_result.v[k].key;
				const char *t, *sp;
				json_t *x;

				if (strncmp(key, s->by_day.v[i].key, dl) != 0 || key[dl] != ' ')
					continue;
				t = key + dl + 1;
				sp = strchr(t, ' ');
				x = json_object();
				json_object_set_new(x, "result_type", json_textn(t, sp ? (size_t)(sp - t) : strlen(t)));
				json_object_set_new(x, "mx", json_text(sp ? sp + 1 : ""));
				json_object_set_new(x, "sessions", json_integer((json_int_t)s->by_day_result.v[k].a));
				json_array_append_new(f, x);
			}
			json_object_set_new(j, "failures", f);
		}
		json_array_append_new(arr, j);
	}
	json_object_set_new(tls, "by_day", arr);
	json_object_set_new(o, "tlsrpt", tls);
	providers_free(prov);
	return o;
}

/* show - printable form of possibly hostile text (control bytes escaped); caller frees */
static char *
show(const char *s)
{
	if (s && *s == '\0')
		return xstrdup("(none)");
	return s ? term_safe_str(s) : xstrdup("-");
}

void
summary_text(FILE *fp, const struct summary *s)
{
	char a[32], b[32];
	time_t t;
	struct tm tm;

	fprintf(fp, "DMARC and TLS reports for %s", s->domain);
	if (s->since > 0) {
		/* say the window: a fresh database of old reports must not read as "none" */
		t = (time_t)s->since;
		gmtime_r(&t, &tm);
		strftime(a, sizeof(a), "%Y-%m-%d", &tm);
		fprintf(fp, ", periods ending since %s (--since all for every report)", a);
	}
	fputc('\n', fp);
	if (s->first >= 0) {
		t = (time_t)s->first;
		gmtime_r(&t, &tm);
		strftime(a, sizeof(a), "%Y-%m-%d", &tm);
		t = (time_t)(s->last < 0 ? s->first : s->last);
		gmtime_r(&t, &tm);
		strftime(b, sizeof(b), "%Y-%m-%d", &tm);
		fprintf(fp, "  period      %s .. %s\n", a, b);
	}
	if (s->reports) {
		char *p = show(s->p ? s->p : "?"), *sp = show(s->sp), *pct = show(s->pct);
		char *te = show(s->testing);

		fprintf(fp, "  policy      p=%s%s%s%s%s%s%s\n", p,
		    s->sp ? " sp=" : "", s->sp ? sp : "", s->pct ? " pct=" : "",
		    s->pct ? pct : "", s->testing ? " t=" : "", s->testing ? te : "");
		free(p);
		free(sp);
		free(pct);
		free(te);
	}
	fprintf(fp, "  reports     %zu aggregate, %zu TLS-RPT, %llu failure\n", s->reports,
	    s->tls_reports, (unsigned long long)s->failure_reports);
	fprintf(fp, "  messages    %llu: SPF aligned %.1f%%, DKIM aligned %.1f%%, DMARC pass %.1f%%\n",
	    (unsigned long long)s->messages, pct_of(s->spf_aligned, s->messages),
	    pct_of(s->dkim_aligned, s->messages), pct_of(s->dmarc_pass, s->messages));
	if (s->saturated)
		fprintf(fp, "  totals      some sums reached %llu and stopped there (implausible counts "
		    "in the stored reports)\n", (unsigned long long)COUNT_SAT);
	if (s->quarantined || s->rejected)
		fprintf(fp, "  applied     %llu quarantined, %llu rejected by receivers\n",
		    (unsigned long long)s->quarantined, (unsigned long long)s->rejected);
	if (s->spf_status && strcmp(s->spf_status, "ok") != 0)
		fprintf(fp, "  SPF walk    incomplete: %s\n", s->spf_status);
	fprintf(fp, "\nReadiness: %s\n  %s\n", s->verdict, s->verdict_msg);
	if (s->advice)
		fprintf(fp, "  publish: %s\n", s->advice);
	for (size_t i = 0, shown = 0; i < s->nsrc && shown < 20; i++) {
		const struct source *x = &s->src[i];
		char *ip, *ptr, *dk, *sp, *inc;

		if (!legit_looking(s, x))
			continue;
		if (shown++ == 0)
			fprintf(fp, "  fix these sources (they pass SPF or DKIM, but not aligned with %s):\n", s->domain);
		ip = show(x->ip);
		ptr = show(x->ptr ? x->ptr : x->ptr_status);
		dk = show(x->dkim_domains);
		sp = show(x->spf_domain);
		inc = show(x->spf_include);
		fprintf(fp, "    %s (%s): %llu of %llu messages fail; DKIM d=%s, SPF %s%s%s\n", ip, ptr,
		    (unsigned long long)(x->messages - x->dmarc_pass), (unsigned long long)x->messages,
		    dk, sp, x->spf_include ? "; listed in SPF via " : "",
		    x->spf_include ? inc : "");
		free(inc);
		free(ip);
		free(ptr);
		free(dk);
		free(sp);
	}
	if (s->dmarc_days.n) {
		fprintf(fp, "\nMessages per day (the day each report's period began)\n");
		fprintf(fp, "  %-10s %14s %14s %14s %14s %14s\n", "day", "fully trusted", "partially",
		    "untrusted", "quarantined", "rejected");
		for (size_t i = 0; i < s->dmarc_days.n; i++) {
			const uint64_t *n = s->dmarc_days.v[i].trust;

			fprintf(fp, "  %-10s %14llu %14llu %14llu %14llu %14llu\n", s->dmarc_days.v[i].key,
			    (unsigned long long)n[DMARC_FULLY_TRUSTED], (unsigned long long)n[DMARC_PARTIALLY_TRUSTED],
			    (unsigned long long)n[DMARC_UNTRUSTED], (unsigned long long)n[DMARC_QUARANTINED],
			    (unsigned long long)n[DMARC_REJECTED]);
		}
	}
	if (s->nsrc) {
		struct providers *names = providers_or_null();

		fprintf(fp, "\nSources (most messages first)\n");
		fprintf(fp, "  %-40s %8s %6s %6s %6s  %s\n", "address", "messages", "SPF%", "DKIM%",
		    "DMARC%", "PTR name (provider)");
		size_t top = s->t.top ? s->t.top : 50;

		for (size_t i = 0; i < s->nsrc; i++) {
			const struct source *x = &s->src[i];
			char *ip, *ptr, *prov, *inc;
			const char *pname, *iname;

			if (i >= top) {
				fprintf(fp, "  ... and %zu more (--top N, --json or --csv)\n", s->nsrc - top);
				break;
			}
			ip = show(x->ip);
			ptr = show(x->ptr);
			prov = show(x->provider);
			inc = show(x->spf_include);
			pname = provider_name(names, x);
			iname = include_provider(names, x);
			fprintf(fp, "  %-40s %8llu %6.1f %6.1f %6.1f  %s (%s%s%s)%s%s%s%s%s%s\n", ip,
			    (unsigned long long)x->messages, pct_of(x->spf_aligned, x->messages),
			    pct_of(x->dkim_aligned, x->messages), pct_of(x->dmarc_pass, x->messages),
			    x->ptr ? ptr : x->ptr_status, x->provider ? prov : "-",
			    pname ? ": " : "", pname ? pname : "",
			    x->spf_include ? " SPF via " : "", x->spf_include ? inc : "",
			    iname ? " (" : "", iname ? iname : "", iname ? ")" : "",
			    legit_looking(s, x) ? "  <- fails DMARC, authenticates as another domain" : "");
			free(ip);
			free(ptr);
			free(prov);
			free(inc);
		}
		providers_free(names);
	}
	{
		uint64_t fail = s->messages - s->dmarc_pass;
		size_t nf = 0;

		for (size_t i = 0; i < s->nsrc; i++)
			if (s->src[i].dmarc_pass < s->src[i].messages)
				nf++;
		if (fail)
			fprintf(fp, "\nIf the policy tightened: %llu messages from %zu sources fail DMARC and "
			    "would be quarantined or rejected (%zu of those sources look legitimate).\n",
			    (unsigned long long)fail, nf, s->legit_failing);
	}
	if (s->reporters.n) {
		fprintf(fp, "\nReporters\n");
		for (size_t i = 0; i < s->reporters.n; i++) {
			char *k = show(s->reporters.v[i].key);

			fprintf(fp, "  %-40s %6llu reports %10llu messages\n", k,
			    (unsigned long long)s->reporters.v[i].b, (unsigned long long)s->reporters.v[i].a);
			free(k);
		}
	}
	if (s->tls_reports) {
		fprintf(fp, "\nTLS-RPT: %llu successful, %llu failed sessions in %zu reports\n",
		    (unsigned long long)s->tls_success, (unsigned long long)s->tls_failure, s->tls_reports);
		for (size_t i = 0; i < s->by_result.n; i++) {
			char *k = show(s->by_result.v[i].key);

			fprintf(fp, "  %-40s %10llu sessions\n", k, (unsigned long long)s->by_result.v[i].a);
			free(k);
		}
		for (size_t i = 0; i < s->by_mx.n; i++) {
			char *k = show(s->by_mx.v[i].key);

			fprintf(fp, "  MX %-37s %10llu failed sessions\n", k, (unsigned long long)s->by_mx.v[i].a);
			free(k);
		}
		for (size_t i = 0; i < s->by_day.n; i++) {
			size_t dl = strlen(s->by_day.v[i].key);

			fprintf(fp, "  %s %10llu ok %10llu failed\n", s->by_day.v[i].key,
			    (unsigned long long)s->by_day.v[i].a, (unsigned long long)s->by_day.v[i].b);
			for (size_t k = 0; k < s->by_day_result.n; k++) {
				const char *key = s->by_day_result.v[k].key;
				char *what;

				if (strncmp(key, s->by_day.v[i].key, dl) != 0 || key[dl] != ' ')
					continue;
				what = show(key + dl + 1);
				fprintf(fp, "      %-50s %10llu\n", what, (unsigned long long)s->by_day_result.v[k].a);
				free(what);
			}
		}
	}
}

const char *const summary_csv_columns[SUMMARY_CSV_COLUMNS] = {
	"domain", "ip", "ptr", "ptr_status", "provider", "spf_include", "messages", "spf_aligned",
	"dkim_aligned", "dmarc_pass", "dkim_domains", "spf_domain", "legitimate_looking",
};

size_t
summary_csv_rows(const struct summary *s)
{
	return s->t.top == 0 || s->nsrc < s->t.top ? s->nsrc : s->t.top;
}

void
summary_csv_row(const struct summary *s, size_t i, struct summary_csv_row *r)
{
	const struct source *x = &s->src[i];

	snprintf(r->num[0], sizeof(r->num[0]), "%llu", (unsigned long long)x->messages);
	snprintf(r->num[1], sizeof(r->num[1]), "%llu", (unsigned long long)x->spf_aligned);
	snprintf(r->num[2], sizeof(r->num[2]), "%llu", (unsigned long long)x->dkim_aligned);
	snprintf(r->num[3], sizeof(r->num[3]), "%llu", (unsigned long long)x->dmarc_pass);
	r->field[0] = s->domain;
	r->field[1] = x->ip;
	r->field[2] = x->ptr;
	r->field[3] = x->ptr_status;
	r->field[4] = x->provider;
	r->field[5] = x->spf_include;
	r->field[6] = r->num[0];
	r->field[7] = r->num[1];
	r->field[8] = r->num[2];
	r->field[9] = r->num[3];
	r->field[10] = x->dkim_domains;
	r->field[11] = x->spf_domain;
	r->field[12] = legit_looking(s, x) ? "yes" : "no";
}
