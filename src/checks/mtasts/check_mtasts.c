/* src/checks/mtasts/check_mtasts.c - MTA-STS (RFC 8461): record, HTTPS policy fetch, MX coverage */
#include "checks/mtasts/check_mtasts.h"
#include "checks/mtasts/mtasts_lint.h"
#include "policy/mtasts_state.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- findings ---------------------------------------------------------- */

struct judge {
	const struct mtasts_state *st;
	struct dns_answer *mx;
	bool have_mx, have_tlsrpt, tlsrpt_known;
	int pending;
};

/* suggested_id - a fresh id for advice (the audit's, shared with the profile check) */
static const char *
suggested_id(struct audit *a)
{
	return audit_fresh_id(a);
}

/* mx_lines - "; mx: host" advice comment lines for the domain's MX hosts */
static const char *
mx_lines(struct audit *a, const struct dns_answer *mx)
{
	char *out = arena_strdup(&a->arena, "");

	bool *done;

	if (mx == NULL || mx->status != DNS_OK)
		return arena_printf(&a->arena, "; mx: mail.%s\n", a->domain);
	/* by preference, then name: resolvers rotate RRsets, the advice must not */
	done = arena_alloc(&a->arena, (mx->n + 1) * sizeof(*done));
	for (size_t k = 0; k < mx->n; k++) {
		size_t best = mx->n;

		for (size_t i = 0; i < mx->n; i++) {
			if (done[i] || mx->rr[i].type != DNS_T_MX)
				continue;
			if (best == mx->n || mx->rr[i].u.mx.pref < mx->rr[best].u.mx.pref ||
			    (mx->rr[i].u.mx.pref == mx->rr[best].u.mx.pref &&
			    strcmp(mx->rr[i].u.mx.host, mx->rr[best].u.mx.host) < 0))
				best = i;
		}
		if (best == mx->n)
			break;
		done[best] = true;
		if (strcmp(mx->rr[best].u.mx.host, ".") != 0)
			out = arena_printf(&a->arena, "%s; mx: %s\n", out, mx->rr[best].u.mx.host);
	}
	return out;
}

/* judge_fetch - findings about the HTTPS fetch; false if there is no usable policy */
static bool
judge_fetch(struct audit *a, const struct mtasts_state *st, const char *url)
{
	struct finding *f;
	const char *host = arena_printf(&a->arena, "mta-sts.%s", a->domain);

	if (st->host_failed) {
		audit_finding(a, F_MTA_STS_POLICY_HOST_LOOKUP_FAILED, host,
		    "the addresses of %s could not be looked up", host);
		return false;
	}
	if (st->fetch_skipped) {
		audit_finding(a, F_MTA_STS_POLICY_NOT_FETCHED, url,
		    "the policy at %s was not fetched (%s)", url,
		    a->opts->offline_why ? a->opts->offline_why : "offline run");
		return false;
	}
	if (st->host_missing || !st->fetched) {
		if (st->nsts > 0) {
			f = audit_finding(a, F_MTA_STS_POLICY_MISSING, host,
			    "_mta-sts.%s announces a policy but %s has no address", a->domain, host);
			finding_set_advice(f, "%s. 3600 IN A <address of the policy web server>", host);
		}
		return false;
	}
	switch (st->outcome) {
	case HTTP_OK:
		break;
	case HTTP_TIMEOUT:
		audit_finding(a, F_MTA_STS_POLICY_FETCH_TIMEOUT, url, "fetching %s timed out (%s)",
		    url, st->why);
		return false;
	case HTTP_CERT:
		f = audit_finding(a, F_MTA_STS_POLICY_CERT_INVALID, host,
		    "the certificate of %s is not valid: %s", host, st->why);
		return false;
	case HTTP_TOO_BIG:
		audit_finding(a, F_MTA_STS_POLICY_TOO_LARGE, url,
		    "%s is larger than %u bytes", url, MTASTS_POLICY_MAX);
		return false;
	default:
		audit_finding(a, F_MTA_STS_POLICY_FETCH_FAILED, url, "fetching %s failed: %s", url,
		    st->why && *st->why ? st->why : "connection failed");
		return false;
	}
	if (st->status >= 300 && st->status < 400) {
		f = audit_finding(a, F_MTA_STS_POLICY_REDIRECT, url,
		    "%s redirects (HTTP %ld) to %s; senders do not follow redirects", url,
		    st->status, st->location ? st->location : "(no Location)");
		return false;
	}
	if (st->status != 200) {
		audit_finding(a, F_MTA_STS_POLICY_HTTP_STATUS, url, "%s answered HTTP %ld, not 200",
		    url, st->status);
		return false;
	}
	if (!mtasts_content_type_ok(st->content_type)) {
		audit_finding(a, F_MTA_STS_POLICY_CONTENT_TYPE, url,
		    "%s is served as %s, not text/plain", url,
		    st->content_type ? st->content_type : "(no Content-Type)");
		return false;
	}
	if (!st->policy_parsed) {
		/* the printable copy is the exact body unless it was escaped or cut */
		mtasts_policy_malformed(&a->findings, &a->arena, url, st->body,
		    strlen(st->body) == st->body_len ? st->body : NULL, st->body_len,
		    &st->policy_err);
		return false;
	}
	return true;
}

static void
judge(struct audit *a, struct judge *j)
{
	const struct mtasts_state *st = j->st;
	json_t *facts = audit_facts(a, "mta-sts");
	const char *url = arena_printf(&a->arena, "https://mta-sts.%s/.well-known/mta-sts.txt",
	    a->domain);
	const char *txtname = arena_printf(&a->arena, "_mta-sts.%s", a->domain);
	const char *id = suggested_id(a);
	bool record_ok = false, policy_ok = false;
	struct finding *f;

	json_object_set_new(facts, "record", json_text(st->txt_text));
	json_object_set_new(facts, "id", st->txt_valid ? json_text(st->rec.id) : json_null());
	json_object_set_new(facts, "policy_url", json_text(url));
	json_object_set_new(facts, "http_status", st->fetched && st->status ?
	    json_integer(st->status) : json_null());
	json_object_set_new(facts, "content_type", json_text(st->content_type));
	json_object_set_new(facts, "policy_address", json_text(st->ip));

	/* The record. */
	if (st->txt_failed) {
		audit_finding(a, F_MTA_STS_RECORD_LOOKUP_FAILED, txtname,
		    "the TXT record at %s could not be looked up (%s)", txtname, st->txt_why);
	} else if (st->nsts > 1) {
		f = audit_finding(a, F_MTA_STS_RECORD_MULTIPLE, txtname,
		    "%d TXT records at %s start with v=STSv1; senders ignore them all", st->nsts,
		    txtname);
		finding_set_advice(f, "%s. 3600 IN TXT \"v=STSv1; id=%s\"", txtname, id);
	} else if (st->nsts == 1 && !st->txt_valid) {
		f = audit_finding(a, F_MTA_STS_RECORD_INVALID, txtname,
		    "the MTA-STS record is malformed at byte %zu: %s", st->rec_err.offset,
		    st->rec_err.why);
		finding_set_evidence(f, arena_printf(&a->arena, "%s. IN TXT \"%s\"", txtname,
		    st->txt_text));
		finding_set_advice(f, "%s. 3600 IN TXT \"v=STSv1; id=%s\"", txtname, id);
	} else if (st->nsts == 1) {
		f = audit_finding(a, F_MTA_STS_RECORD_VALID, txtname, "MTA-STS record with id %s",
		    st->rec.id);
		finding_set_evidence(f, arena_printf(&a->arena, "%s. IN TXT \"%s\"", txtname,
		    st->txt_text));
		record_ok = true;
	}

	/* The policy. */
	if (st->txt_failed && !st->fetched)
		goto out;
	if (st->nsts == 0 && !st->txt_failed &&
	    (st->host_missing || !st->fetched || st->outcome != HTTP_OK || st->status == 404)) {
		/* Offline with no record: senders would not fetch a policy either. */
		if (dns_mx_is_null(j->mx) || a->opts->parked) {
			audit_finding(a, F_MTA_STS_NOT_NEEDED, a->domain, "%s accepts no mail (%s): "
			    "it needs no MTA-STS policy", a->domain, a->opts->parked ? "--parked" :
			    "null MX");
			goto out;
		}
		f = audit_finding(a, F_MTA_STS_RECORD_MISSING, a->domain,
		    "%s publishes no MTA-STS record or policy", a->domain);
		finding_set_advice(f, "; serve at %s (Content-Type: text/plain):\n"
		    "; version: STSv1\n; mode: testing\n%s; max_age: 86400\n"
		    "%s. 3600 IN TXT \"v=STSv1; id=%s\"", url, mx_lines(a, j->mx), txtname, id);
		goto out;
	}
	policy_ok = judge_fetch(a, st, url);
	if (!policy_ok)
		goto out;
	json_object_set_new(facts, "mode", json_string(mtasts_mode_name(st->policy->mode)));
	json_object_set_new(facts, "max_age", json_integer(st->policy->max_age));
	{
		json_t *mx = json_array();

		for (size_t i = 0; i < st->policy->nmx; i++)
			json_array_append_new(mx, json_text(st->policy->mx[i]));
		json_object_set_new(facts, "mx", mx);
	}
	mtasts_policy_valid(&a->findings, url, st->body, st->policy);
	if (!record_ok && st->nsts == 0 && !st->txt_failed) {
		f = audit_finding(a, F_MTA_STS_POLICY_WITHOUT_RECORD, txtname,
		    "%s serves a policy but %s has no MTA-STS record", url, txtname);
		finding_set_advice(f, "%s. 3600 IN TXT \"v=STSv1; id=%s\"", txtname, id);
	}
	mtasts_policy_mode(&a->findings, url, st->policy, a->opts->profile, txtname, id);

	/* MX coverage (RFC 8461 §4.1). */
	if (j->mx && j->mx->status == DNS_OK && st->policy->mode != MTASTS_MODE_NONE) {
		bool all = true, any = false;

		for (size_t i = 0; i < j->mx->n; i++) {
			const char *h = j->mx->rr[i].u.mx.host;
			bool m = false;

			if (strcmp(h, ".") == 0)
				continue;
			any = true;
			for (size_t k = 0; k < st->policy->nmx && !m; k++)
				m = mtasts_mx_match(st->policy->mx[k], h);
			if (!m) {
				all = false;
				f = audit_finding(a, F_MTA_STS_MX_UNMATCHED, h,
				    "MX host %s matches no mx pattern of the policy", h);
				if (st->policy->mode != MTASTS_MODE_ENFORCE)
					finding_set_severity(f, SEV_WARNING);
				finding_set_advice(f, "; add to the policy file:\n; mx: %s\n"
				    "%s. 3600 IN TXT \"v=STSv1; id=%s\"", h, txtname, id);
			}
		}
		for (size_t k = 0; k < st->policy->nmx; k++) {
			bool used = false;

			for (size_t i = 0; i < j->mx->n && !used; i++)
				used = mtasts_mx_match(st->policy->mx[k], j->mx->rr[i].u.mx.host);
			if (!used)
				audit_finding(a, F_MTA_STS_MX_PATTERN_UNUSED, url,
				    "the policy pattern mx: %s matches no MX host", st->policy->mx[k]);
		}
		if (all && any)
			audit_finding(a, F_MTA_STS_MX_MATCHED, a->domain,
			    "every MX host matches the policy");
	}
out:
	/* MTA-STS without TLS-RPT (RFC 8460): a presence check is enough here. */
	if ((record_ok || policy_ok) && j->tlsrpt_known && !j->have_tlsrpt) {
		f = audit_finding(a, F_MTA_STS_TLSRPT_MISSING, a->domain,
		    "MTA-STS is published but _smtp._tls.%s has no TLS-RPT record", a->domain);
		finding_set_advice(f, "_smtp._tls.%s. 3600 IN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@%s\"",
		    a->domain, a->domain);
	}
	json_object_set_new(facts, "tlsrpt", j->tlsrpt_known ? json_boolean(j->have_tlsrpt) :
	    json_null());
	if (j->mx)
		dns_answer_unref(j->mx);
}

static void
judge_step(struct audit *a, struct judge *j)
{
	if (--j->pending == 0)
		judge(a, j);
}

static void
on_state(struct audit *a, const struct mtasts_state *st, void *arg)
{
	struct judge *j = arg;

	j->st = st;
	judge_step(a, j);
}

static void
on_mx(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct judge *j = arg;

	j->mx = dns_answer_ref(ans);
	judge_step(a, j);
}

static void
on_tlsrpt(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct judge *j = arg;

	j->tlsrpt_known = !dns_answer_failed(ans);
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++)
		if (ans->rr[i].type == DNS_T_TXT && ans->rr[i].u.txt.len >= 10 &&
		    memcmp(ans->rr[i].u.txt.text, "v=TLSRPTv1", 10) == 0)
			j->have_tlsrpt = true;
	judge_step(a, j);
}

void
check_mtasts_start(struct audit *a)
{
	struct judge *j = arena_alloc(&a->arena, sizeof(*j));

	j->pending = 3;
	audit_lookup(a, a->domain, DNS_T_MX, on_mx, j);
	audit_lookup(a, arena_printf(&a->arena, "_smtp._tls.%s", a->domain), DNS_T_TXT, on_tlsrpt, j);
	mtasts_state_get(a, on_state, j);
}
