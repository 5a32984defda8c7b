/* src/checks/sending/check_sending.c - outbound hosts (--sending-host): forward-confirmed reverse DNS (RFC 8601 §2.7.3) */
#include "checks/sending/check_sending.h"
#include "audit/audit.h"
#include "policy/spf_eval.h"
#include "core/jsonutil.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define SENDING_HOSTS_MAX	64

/* The sending area's options. */
struct sending_area_opts {
	struct area_strv hosts;		/* --sending-host NAME|IP, repeatable */
};

static const struct sending_area_opts sending_defaults = { { NULL, 0 } };

/* set_host - --sending-host NAME|IP (NULL: forget the list) */
static enum ms_status
set_host(void *settings, const char *value, char *why, size_t whylen)
{
	struct sending_area_opts *o = settings;

	if (area_strv_add(&o->hosts, value, SENDING_HOSTS_MAX) != MS_OK) {
		snprintf(why, whylen, "--sending-host: at most %d", SENDING_HOSTS_MAX);
		return MS_ERR_LIMIT;
	}
	return MS_OK;
}

/* sending_opts_free - the host list */
static void
sending_opts_free(void *settings)
{
	struct sending_area_opts *o = settings;

	area_strv_free(&o->hosts);
}

static const struct area_option sending_options[] = {
	{ "sending-host", NULL, true, set_host },
	{ NULL, NULL, false, NULL }
};

const struct area_options check_sending_options = {
	"sending", sizeof(struct sending_area_opts), &sending_defaults, sending_opts_free,
	sending_options
};

#define SENDING_PTR_MAX		8	/* PTR names followed per address */
#define SENDING_ADDRS_MAX	16	/* addresses per sending host name */

struct send_addr {
	struct audit *a;
	const char *origin;		/* the --sending-host value */
	struct ipaddr ip;
	char ipstr[IPADDR_STRLEN];
	json_t *fact;
	int pending;
	bool confirmed, failed, no_ptr;
	const char *names;		/* PTR names, for messages */
	const char *confirmed_name;
};

/* on_spf - whether the domain's SPF authorises the sending address (RFC 7208 check_host) */
static void
on_spf(struct spf_eval *ev, const struct spf_outcome *out, void *arg)
{
	struct send_addr *s = arg;
	struct audit *a = s->a;
	struct finding *f;
	const char *res = spf_result_name(out->result);

	json_object_set_new(s->fact, "spf", json_string(res));
	switch (out->result) {
	case SPF_PASS:
		audit_finding(a, F_SENDING_SPF_AUTHORISED, s->ipstr,
		    "the SPF record of %s authorises %s (%s)", a->domain, s->ipstr,
		    out->mechanism ? out->mechanism : "pass");
		break;
	case SPF_TEMPERROR:
		audit_finding(a, F_SENDING_SPF_LOOKUP_FAILED, s->ipstr,
		    "whether SPF authorises %s could not be determined: %s", s->ipstr,
		    out->problem ? out->problem : "temperror");
		break;
	default:
		f = audit_finding(a, F_SENDING_SPF_NOT_AUTHORISED, s->ipstr,
		    "the SPF record of %s does not authorise sending host %s (SPF %s%s%s)",
		    a->domain, s->ipstr, res, out->problem ? ": " : "",
		    out->problem ? out->problem : "");
		if (out->result == SPF_SOFTFAIL || out->result == SPF_NEUTRAL)
			finding_set_severity(f, SEV_WARNING);
		if (out->record)
			finding_set_evidence(f, arena_printf(&a->arena, "%s. IN TXT \"%s\"",
			    a->domain, out->record));
		finding_set_advice(f, "; add the sending address to the SPF record, e.g.\n"
		    "%s. 3600 IN TXT \"v=spf1 %s:%s ... -all\"", a->domain,
		    s->ip.family == 4 ? "ip4" : "ip6", s->ipstr);
		break;
	}
	spf_eval_free(ev);
	audit_release(a);
}

/* A lookup the SPF evaluation asked through the audit's memo. */
struct memo_ask {
	dns_callback cb;
	void *arg;
};

/* memo_peek - the SPF evaluation's hook: what the audit already holds for name/type */
static struct dns_answer *
memo_peek(void *ctx, const char *name, uint16_t type)
{
	return audit_memo_peek(ctx, name, type);
}

/* memo_answered - the audit's answer, handed to the SPF evaluation's callback */
static void
memo_answered(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct memo_ask *m = arg;

	(void)a;
	m->cb(ans, m->arg);
}

/* memo_ask - the SPF evaluation's hook: ask through the audit's memo (never answered inside: memo_peek came first) */
static void
memo_ask(void *ctx, const char *name, uint16_t type, dns_callback cb, void *arg)
{
	struct audit *a = ctx;
	struct memo_ask *m = arena_alloc(&a->arena, sizeof(*m));

	m->cb = cb;
	m->arg = arg;
	audit_lookup(a, name, type, memo_answered, m);
}

/* start_spf - evaluate the domain's SPF for the address, as for postmaster@domain */
static void
start_spf(struct audit *a, struct send_addr *s)
{
	struct spf_request req;
	struct spf_lookup_hook *hook;

	memset(&req, 0, sizeof(req));
	req.ip = s->ip;
	req.sender = arena_printf(&a->arena, "postmaster@%s", a->domain);
	req.helo = ipaddr_looks_like(s->origin) ? a->domain : s->origin;
	req.now = (int64_t)time(NULL);
	req.owner = a->owner;
	/* Through the audit's memo: the records the spf check read are not asked again. */
	hook = arena_alloc(&a->arena, sizeof(*hook));
	hook->peek = memo_peek;
	hook->ask = memo_ask;
	hook->ctx = a;
	req.hook = hook;
	s->a = a;
	audit_hold(a);
	if (spf_eval_start(a->res, &req, on_spf, s) == NULL) {
		json_object_set_new(s->fact, "spf", json_null());
		audit_release(a);
	}
}

static void
addr_done(struct audit *a, struct send_addr *s)
{
	struct finding *f;
	char rev[IPADDR_REVLEN];

	json_object_set_new(s->fact, "fcrdns", json_boolean(s->confirmed));
	json_object_set_new(s->fact, "ptr", json_text(s->names));
	ipaddr_reverse_name(&s->ip, rev);
	if (s->confirmed) {
		audit_finding(a, F_SENDING_FCRDNS_OK, s->ipstr,
		    "%s has forward-confirmed reverse DNS: %s", s->ipstr, s->confirmed_name);
	} else if (s->failed) {
		audit_finding(a, F_SENDING_LOOKUP_FAILED, s->ipstr,
		    "forward-confirmed reverse DNS of %s could not be checked", s->ipstr);
	} else if (s->no_ptr) {
		f = audit_finding(a, F_SENDING_FCRDNS_NO_PTR, s->ipstr,
		    "sending host %s has no PTR record", s->ipstr);
		finding_set_advice(f, "%s. 3600 IN PTR %s.", rev,
		    ipaddr_looks_like(s->origin) ? arena_printf(&a->arena, "mail.%s", a->domain) :
		    s->origin);
	} else {
		f = audit_finding(a, F_SENDING_FCRDNS_MISMATCH, s->ipstr,
		    "no PTR name of %s (%s) resolves back to it", s->ipstr, s->names);
		finding_set_advice(f, "%s. 3600 IN %s %s", s->names, s->ip.family == 4 ? "A" : "AAAA",
		    s->ipstr);
	}
}

static void
on_forward(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct send_addr *s = arg;

	if (dns_answer_failed(ans))
		s->failed = true;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		if ((ans->rr[i].type == DNS_T_A || ans->rr[i].type == DNS_T_AAAA) &&
		    ipaddr_equal(&ans->rr[i].u.addr, &s->ip) && !s->confirmed) {
			s->confirmed = true;
			s->confirmed_name = arena_strdup(&a->arena, ans->qname);
		}
	}
	if (--s->pending == 0)
		addr_done(a, s);
}

static void
on_ptr(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct send_addr *s = arg;
	size_t n = 0;

	s->names = arena_strdup(&a->arena, "");
	if (dns_answer_failed(ans)) {
		s->failed = true;
		addr_done(a, s);
		return;
	}
	s->pending = 1;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n && n < SENDING_PTR_MAX; i++) {
		if (ans->rr[i].type != DNS_T_PTR)
			continue;
		n++;
		s->names = arena_printf(&a->arena, "%s%s%s", s->names, *s->names ? ", " : "",
		    ans->rr[i].u.name);
		s->pending++;
		audit_lookup(a, ans->rr[i].u.name, s->ip.family == 4 ? DNS_T_A : DNS_T_AAAA,
		    on_forward, s);
	}
	if (n == 0)
		s->no_ptr = true;
	if (--s->pending == 0)
		addr_done(a, s);
}

/* check_addr - start FCrDNS of one address */
static void
check_addr(struct audit *a, const char *origin, const struct ipaddr *ip, json_t *arr)
{
	struct send_addr *s = arena_alloc(&a->arena, sizeof(*s));
	char rev[IPADDR_REVLEN];

	s->origin = origin;
	s->ip = *ip;
	ipaddr_format(ip, s->ipstr);
	s->fact = json_object();
	json_object_set_new(s->fact, "host", json_text(origin));
	json_object_set_new(s->fact, "address", json_string(s->ipstr));
	json_array_append_new(arr, s->fact);
	ipaddr_reverse_name(ip, rev);
	audit_lookup(a, rev, DNS_T_PTR, on_ptr, s);
	start_spf(a, s);
}

struct send_name {
	const char *name;
	json_t *arr;
	struct dns_answer *a4, *a6;
};

static void
on_name(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct send_name *n = arg;
	const struct dns_answer *both[2];
	size_t count = 0;

	if (ans->qtype == DNS_T_A)
		n->a4 = dns_answer_ref(ans);
	else
		n->a6 = dns_answer_ref(ans);
	if (!n->a4 || !n->a6)
		return;
	both[0] = n->a4;
	both[1] = n->a6;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; both[k]->status == DNS_OK && i < both[k]->n &&
		    count < SENDING_ADDRS_MAX; i++, count++)
			check_addr(a, n->name, &both[k]->rr[i].u.addr, n->arr);
	if (count == 0) {
		if (dns_answer_failed(n->a4) || dns_answer_failed(n->a6))
			audit_finding(a, F_SENDING_LOOKUP_FAILED, n->name,
			    "the addresses of sending host %s could not be looked up", n->name);
		else
			audit_finding(a, F_SENDING_HOST_NO_ADDRESS, n->name,
			    "sending host %s has no A or AAAA record", n->name);
	}
	dns_answer_unref(n->a4);
	dns_answer_unref(n->a6);
}

void
check_sending_start(struct audit *a)
{
	json_t *arr;

	const struct sending_area_opts *o = audit_area_opts(a, &check_sending_options);

	if (o->hosts.n == 0)
		return;
	arr = json_array();
	json_object_set_new(audit_facts(a, "sending"), "hosts", arr);
	for (char *const *h = o->hosts.v; *h; h++) {
		struct ipaddr ip;

		if (ipaddr_parse(*h, &ip) == MS_OK) {
			check_addr(a, *h, &ip, arr);
		} else {
			struct send_name *n = arena_alloc(&a->arena, sizeof(*n));

			n->name = arena_strdup(&a->arena, *h);
			n->arr = arr;
			audit_lookup(a, *h, DNS_T_A, on_name, n);
			audit_lookup(a, *h, DNS_T_AAAA, on_name, n);
		}
	}
}
