/* src/policy/mtasts_state.c - what one audit learns about a domain's MTA-STS (RFC 8461): TXT record, policy host, HTTPS fetch, parse */
#include "policy/mtasts_state.h"
#include "audit/audit.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOT_KEY		"mta-sts.state"
#define EVIDENCE_BODY_MAX	2048

/* state_done - the state is complete: drop the answers, run the waiters */
static void
state_done(struct audit *a, struct mtasts_state *st)
{
	if (st->a4)
		dns_answer_unref(st->a4);
	if (st->a6)
		dns_answer_unref(st->a6);
	st->a4 = st->a6 = NULL;
	audit_once_done(a, SLOT_KEY);
}

static void start_fetch(struct audit *a, struct mtasts_state *st);

/* step_done - one of the parallel steps finished */
static void
step_done(struct audit *a, struct mtasts_state *st)
{
	if (--st->pending > 0)
		return;
	if (!st->fetched && st->a4 && st->a6) {
		start_fetch(a, st);
		if (st->pending > 0)
			return;
	}
	state_done(a, st);
}

/* mtasts_content_type_ok - "text/plain", parameters allowed (RFC 8461 §3.3; mtasts_state.h) */
bool
mtasts_content_type_ok(const char *ct)
{
	size_t n = strlen("text/plain");

	if (ct == NULL || str_ncasecmp(ct, "text/plain", n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* printable - an arena copy of a header from the server, control bytes escaped (NULL stays NULL) */
static const char *
printable(struct audit *a, const char *s)
{
	char *p, *out;

	if (s == NULL)
		return NULL;
	p = str_printable(s, strlen(s));
	out = arena_strdup(&a->arena, p);
	free(p);
	return out;
}

static void
fetched(const struct http_response *r, void *arg)
{
	struct audit *a = ((void **)arg)[0];
	struct mtasts_state *st = ((void **)arg)[1];
	size_t show = r->body_len < EVIDENCE_BODY_MAX ? r->body_len : EVIDENCE_BODY_MAX;
	char *pb;

	st->outcome = r->outcome;
	st->status = r->status;
	st->content_type = printable(a, r->content_type);
	st->location = printable(a, r->location);
	st->why = arena_strdup(&a->arena, r->why);
	st->ip = r->ip ? arena_strdup(&a->arena, r->ip) : NULL;
	st->body_len = r->body_len;
	pb = str_printable(r->body ? r->body : "", show);
	st->body = arena_strdup(&a->arena, pb);
	free(pb);
	if (r->outcome == HTTP_OK && r->body) {
		st->policy = arena_alloc(&a->arena, sizeof(*st->policy));
		st->policy_parsed = mtasts_policy_parse(r->body, r->body_len, st->policy,
		    &st->policy_err) == MS_OK;
		st->policy_valid = st->policy_parsed && r->status == 200 &&
		    mtasts_content_type_ok(r->content_type);
	}
	step_done(a, st);
}

/* start_fetch - the policy host's addresses are in: fetch over HTTPS, pinned to them */
static void
start_fetch(struct audit *a, struct mtasts_state *st)
{
	const char *addrs[2 * DNS_ANSWER_MAX + 1];
	size_t n = 0;
	struct http_request req;
	void **arg;
	const struct dns_answer *both[2] = { st->a4, st->a6 };

	if (dns_answer_failed(st->a4) || dns_answer_failed(st->a6))
		st->host_failed = true;
	for (int k = 0; k < 2; k++) {
		if (both[k]->status != DNS_OK)
			continue;
		for (size_t i = 0; i < both[k]->n; i++) {
			char *ip = arena_alloc(&a->arena, IPADDR_STRLEN);

			ipaddr_format(&both[k]->rr[i].u.addr, ip);
			addrs[n++] = ip;
		}
	}
	addrs[n] = NULL;
	if (n == 0) {
		if (!st->host_failed)
			st->host_missing = true;
		return;
	}
	if (a->http == NULL || a->opts->offline) {
		st->fetch_skipped = true;
		return;
	}
	memset(&req, 0, sizeof(req));
	req.host = arena_printf(&a->arena, "mta-sts.%s", a->domain);
	req.url = arena_printf(&a->arena, "https://%s/.well-known/mta-sts.txt", req.host);
	req.addrs = addrs;
	req.port = 443;
	req.max_body = MTASTS_POLICY_MAX;
	req.timeout = a->opts->net_timeout > 0 ? a->opts->net_timeout : 10;
	req.ca_file = a->opts->ca_file;
	req.owner = a->owner;
	arg = arena_alloc(&a->arena, 2 * sizeof(void *));
	arg[0] = a;
	arg[1] = st;
	if (http_get(a->http, &req, fetched, arg) == MS_OK) {
		st->fetched = true;
		st->pending++;
	}
}

static void
txt_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct mtasts_state *st = arg;

	if (dns_answer_failed(ans)) {
		st->txt_failed = true;
		st->txt_why = arena_printf(&a->arena, "%s%s%s", dns_outcome_name(ans->status),
		    ans->why ? ": " : "", ans->why ? ans->why : "");
	} else if (ans->status == DNS_OK) {
		for (size_t i = 0; i < ans->n; i++) {
			const struct dns_rr *rr = &ans->rr[i];
			char *p;

			if (rr->type != DNS_T_TXT ||
			    !mtasts_record_looks_like(rr->u.txt.text, rr->u.txt.len))
				continue;
			if (st->nsts++ > 0)
				continue;
			p = str_printable(rr->u.txt.text, rr->u.txt.len);
			st->txt_text = arena_strdup(&a->arena, p);
			free(p);
			st->txt_valid = mtasts_record_parse(rr->u.txt.text, rr->u.txt.len, &st->rec,
			    &st->rec_err) == MS_OK;
		}
	}
	step_done(a, st);
}

/*
 * host_answer - the policy host's A, then its AAAA.  An NXDOMAIN A says the
 * name does not exist (RFC 8020), which is what its AAAA would say through
 * the same resolver: the AAAA is asked only when the A is not NXDOMAIN (most
 * domains publish no policy host: one question fewer each).
 */
static void
host_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct mtasts_state *st = arg;

	if (ans->qtype == DNS_T_A) {
		st->a4 = dns_answer_ref(ans);
		if (ans->status == DNS_NXDOMAIN) {
			st->a6 = dns_answer_new(arena_printf(&a->arena, "mta-sts.%s", a->domain),
			    DNS_T_AAAA);
			st->a6->status = DNS_NXDOMAIN;
			st->a6->secure = ans->secure;
			dns_answer_set_why(st->a6, "the name does not exist (its A answer)");
		} else {
			st->pending++;
			audit_lookup(a, arena_printf(&a->arena, "mta-sts.%s", a->domain), DNS_T_AAAA,
			    host_answer, st);
		}
	} else {
		st->a6 = dns_answer_ref(ans);
	}
	step_done(a, st);
}

/* state_start - the first asker: look up the TXT record and the policy host at once */
static void
state_start(struct audit *a, void *value)
{
	struct mtasts_state *st = value;
	char *name;

	st->pending = 3;	/* TXT, A (then AAAA), and this starter */
	name = arena_printf(&a->arena, "_mta-sts.%s", a->domain);
	audit_lookup(a, name, DNS_T_TXT, txt_answer, st);
	name = arena_printf(&a->arena, "mta-sts.%s", a->domain);
	audit_lookup(a, name, DNS_T_A, host_answer, st);
	step_done(a, st);
}

/* The typed callback of one mtasts_state_get caller. */
struct state_asker {
	mtasts_state_cb cb;
	void *arg;
};

/* state_ready - audit_once's callback: hand the state to one asker */
static void
state_ready(struct audit *a, void *value, void *arg)
{
	struct state_asker *k = arg;

	k->cb(a, value, k->arg);
}

/* mtasts_state_get - the audit's MTA-STS state, learnt once (mtasts_state.h) */
void
mtasts_state_get(struct audit *a, mtasts_state_cb cb, void *arg)
{
	struct state_asker *k = arena_alloc(&a->arena, sizeof(*k));

	k->cb = cb;
	k->arg = arg;
	audit_once(a, SLOT_KEY, sizeof(struct mtasts_state), state_start, state_ready, k);
}

bool
mtasts_policy_enforced(const struct mtasts_state *st)
{
	return st && st->nsts == 1 && st->txt_valid && st->policy_valid &&
	    st->policy->mode == MTASTS_MODE_ENFORCE;
}

