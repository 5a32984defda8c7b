/* src/mailin/outbound.c - one assessment message: the sending organisation's outbound TLS, DKIM, SPF and FCrDNS */
#include "mailin/outbound.h"
#include "mailin/received.h"
#include "core/jsonutil.h"
#include "dns/dns.h"
#include "message/msg_eval.h"
#include "message/msg_header.h"
#include "store/store_rows.h"
#include "util/ipaddr.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The steps: outbound_start() reads the header (the trusted Received
 * field, Message-ID) and starts msg_check; msg_done() takes its verdicts,
 * makes the From domain's audit and asks the client's PTR (ptr_cb), then
 * the addresses of at most FCRDNS_NAMES of its names (fwd_cb); the audit's
 * on_done (audit_done) judges everything and calls the caller back.
 */
#define FCRDNS_NAMES	4

struct outbound {
	const struct audit_env *env;
	outbound_cb done;
	void *arg;
	struct check_options copts;	/* borrowed by the audit: nothing set */
	struct msg_check *mc;
	struct audit *a;
	struct received_info rcv;
	bool have_rcv;
	bool have_ip;
	struct ipaddr ip;
	char *msgid;
	char *receiver;			/* --receiver-name, or NULL */
	char key[33];
	json_t *msg;			/* msg_check's result (mailsec-message/1 members) */
	/* FCrDNS */
	int ptr_state;			/* 0 not asked, 1 names, 2 no PTR, 3 failed */
	char *ptr_why;
	unsigned fwd_asked, fwd_failed;
	char *fwd_match;		/* the PTR name that leads back, or NULL */
	char *ptr_names;		/* the names seen, space-separated */
};

/* header_facts - the trusted Received field and the Message-ID of data */
static enum ms_status
header_facts(struct outbound *o, const char *data, size_t len, const char *receiver)
{
	char *crlf;
	size_t clen;
	struct msg m;

	if (msg_crlf(data, len, &crlf, &clen) != MS_OK)
		return MS_ERR_LIMIT;
	if (msg_split(crlf, clen, &m) != MS_OK) {
		free(crlf);
		return MS_ERR_LIMIT;
	}
	for (size_t i = 0; i < m.nfields; i++) {
		char *v;
		size_t n;

		if (msg_field_is(&m.fields[i], "Message-ID") && o->msgid == NULL) {
			v = msg_unfold(&m.fields[i], &n);
			if (n > 0 && n <= 998 && memchr(v, '\0', n) == NULL)
				o->msgid = xstrdup(v);
			free(v);
			continue;
		}
		if (o->have_rcv || receiver == NULL || !msg_field_is(&m.fields[i], "Received"))
			continue;
		v = msg_unfold(&m.fields[i], &n);
		if (received_parse(v, n, receiver, &o->rcv) == MS_OK && o->rcv.by_match)
			o->have_rcv = true;	/* the topmost one only */
		free(v);
	}
	if (o->have_rcv && o->rcv.ip[0] && ipaddr_parse(o->rcv.ip, &o->ip) == MS_OK)
		o->have_ip = true;
	if (o->msgid == NULL) {		/* no Message-ID: the message itself is the key */
		char hex[65];

		store_sha256_hex(crlf, clen, hex);
		o->msgid = xasprintf("sha256:%s", hex);
	}
	msg_free(&m);
	free(crlf);
	return MS_OK;
}

/* audit_done - every lookup is in: judge, and hand the result to the caller */
static void
audit_done(struct audit *a, void *arg);

/* fwd_cb - the addresses of one PTR name: does one of them equal the client? */
static void
fwd_cb(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct outbound *o = arg;

	(void)a;
	if (dns_answer_failed(ans)) {
		o->fwd_failed++;
		return;
	}
	if (ans->status != DNS_OK || o->fwd_match)
		return;
	for (size_t i = 0; i < ans->n; i++)
		if ((ans->rr[i].type == DNS_T_A || ans->rr[i].type == DNS_T_AAAA) &&
		    ipaddr_equal(&ans->rr[i].u.addr, &o->ip)) {
			o->fwd_match = xstrdup(ans->qname);
			return;
		}
}

/* ptr_cb - the client's PTR names: ask the addresses of each */
static void
ptr_cb(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct outbound *o = arg;
	unsigned asked = 0;

	if (dns_answer_failed(ans)) {
		o->ptr_state = 3;
		o->ptr_why = xstrdup(ans->why ? ans->why : dns_outcome_name(ans->status));
		return;
	}
	o->ptr_state = 2;
	if (ans->status != DNS_OK)
		return;
	for (size_t i = 0; i < ans->n && asked < FCRDNS_NAMES; i++) {
		char *old;

		if (ans->rr[i].type != DNS_T_PTR || ans->rr[i].u.name == NULL)
			continue;
		o->ptr_state = 1;
		old = o->ptr_names;
		o->ptr_names = xasprintf("%s%s%s", old ? old : "", old ? " " : "", ans->rr[i].u.name);
		free(old);
		asked++;
		o->fwd_asked++;
		audit_lookup(a, ans->rr[i].u.name, o->ip.family == 6 ? DNS_T_AAAA : DNS_T_A, fwd_cb, o);
	}
}

/* jstr - the string at o[key], or NULL */
static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* judge_tls - outbound.tls.* from the trusted Received field */
static void
judge_tls(struct outbound *o, struct audit *a, const char *receiver)
{
	struct finding *f;

	if (!o->have_rcv) {
		audit_finding(a, F_OUTBOUND_TLS_UNKNOWN, a->domain, "the message carries no Received field "
		    "added by %s, the receiving host: how it was sent is not known", receiver ? receiver :
		    "(no --receiver-name)");
		return;
	}
	if (!o->rcv.tls) {
		f = audit_finding(a, F_OUTBOUND_TLS_NONE, a->domain, "the message came in clear: %s sent "
		    "it to %s without STARTTLS", o->rcv.helo[0] ? o->rcv.helo : "the sender", receiver);
		if (f)
			finding_set_evidence(f, o->rcv.with[0] ? o->rcv.with : "no TLS comment");
		return;
	}
	if (strcmp(o->rcv.protocol, "TLSv1.2") == 0 || strcmp(o->rcv.protocol, "TLSv1.3") == 0)
		f = audit_finding(a, F_OUTBOUND_TLS_OK, a->domain, "sent over %s with %s",
		    o->rcv.protocol, o->rcv.cipher);
	else
		f = audit_finding(a, F_OUTBOUND_TLS_OLD_VERSION, a->domain, "sent over %s (with %s): "
		    "older than TLS 1.2 (RFC 8996)", o->rcv.protocol, o->rcv.cipher);
	if (f)
		finding_set_evidence(f, o->rcv.protocol);
}

/* relaxed_aligned - d and from share a domain tail (used only when DMARC gave no verdict) */
static bool
relaxed_aligned(const char *d, const char *from)
{
	size_t a = strlen(d), b = strlen(from);

	if (a == b)
		return str_casecmp(d, from) == 0;
	if (a > b)
		return d[a - b - 1] == '.' && str_casecmp(d + a - b, from) == 0;
	return from[b - a - 1] == '.' && str_casecmp(from + b - a, d) == 0;
}

/* judge_dkim - outbound.dkim.* from the message check's signatures and DMARC alignment */
static void
judge_dkim(struct outbound *o, struct audit *a)
{
	json_t *sigs = json_object_get(o->msg, "dkim"), *doms, *e;
	const char *pass_d = NULL;
	size_t i, n = json_array_size(sigs);
	int aligned = -1;

	if (n == 0) {
		audit_finding(a, F_OUTBOUND_DKIM_MISSING, a->domain, "the message carries no DKIM-Signature");
		return;
	}
	json_array_foreach(sigs, i, e)
		if (json_is_string(json_object_get(e, "result")) && strcmp(jstr(e, "result"), "pass") == 0) {
			pass_d = jstr(e, "domain");
			break;
		}
	if (pass_d == NULL) {
		e = json_array_get(sigs, 0);
		audit_finding(a, F_OUTBOUND_DKIM_FAIL, a->domain, "%zu DKIM signature%s, none verifies "
		    "(the first: d=%s, %s: %s)", n, n == 1 ? "" : "s", jstr(e, "domain") ? jstr(e, "domain") :
		    "?", jstr(e, "result") ? jstr(e, "result") : "?", jstr(e, "why") ? jstr(e, "why") : "");
		return;
	}
	doms = json_object_get(json_object_get(o->msg, "dmarc"), "domains");
	json_array_foreach(doms, i, e) {
		json_t *al = json_object_get(json_object_get(e, "rfc9989"), "alignment");

		if (json_is_boolean(json_object_get(al, "dkim_aligned")))
			aligned = json_is_true(json_object_get(al, "dkim_aligned")) ? 1 : (aligned == 1 ? 1 : 0);
	}
	if (aligned < 0) {	/* no DMARC verdict: the domains themselves */
		aligned = 0;
		json_array_foreach(sigs, i, e)
			if (jstr(e, "result") && strcmp(jstr(e, "result"), "pass") == 0 && jstr(e, "domain") &&
			    relaxed_aligned(jstr(e, "domain"), a->domain))
				aligned = 1;
	}
	if (aligned)
		audit_finding(a, F_OUTBOUND_DKIM_OK, a->domain, "signed with DKIM, d=%s, aligned with the "
		    "From domain", pass_d ? pass_d : "?");
	else
		audit_finding(a, F_OUTBOUND_DKIM_UNALIGNED, a->domain, "a DKIM signature verifies (d=%s) but "
		    "none is aligned with the From domain %s", pass_d ? pass_d : "?", a->domain);
}

/* judge_spf - outbound.spf.* from check_host() for the trusted client */
static void
judge_spf(struct outbound *o, struct audit *a)
{
	json_t *spf = json_object_get(o->msg, "spf");
	const char *r = jstr(spf, "result");

	if (!json_is_object(spf) || r == NULL) {
		audit_finding(a, F_OUTBOUND_SPF_UNKNOWN, a->domain, "SPF was not evaluated: no trusted "
		    "Received field names the sending client");
		return;
	}
	if (strcmp(r, "pass") == 0)
		audit_finding(a, F_OUTBOUND_SPF_OK, a->domain, "SPF passes for %s (%s)",
		    jstr(spf, "client_ip") ? jstr(spf, "client_ip") : "?",
		    jstr(spf, "identity") ? jstr(spf, "identity") : "?");
	else if (strcmp(r, "temperror") == 0)
		audit_finding(a, F_OUTBOUND_SPF_UNKNOWN, a->domain, "SPF could not be evaluated for %s: %s",
		    jstr(spf, "client_ip") ? jstr(spf, "client_ip") : "?",
		    jstr(spf, "why") ? jstr(spf, "why") : "temperror");
	else
		audit_finding(a, F_OUTBOUND_SPF_FAIL, a->domain, "SPF is %s for %s (%s)%s%s", r,
		    jstr(spf, "client_ip") ? jstr(spf, "client_ip") : "?",
		    jstr(spf, "identity") ? jstr(spf, "identity") : "?",
		    jstr(spf, "why") ? ": " : "", jstr(spf, "why") ? jstr(spf, "why") : "");
}

/* judge_fcrdns - outbound.fcrdns.* */
static void
judge_fcrdns(struct outbound *o, struct audit *a)
{
	char ip[IPADDR_STRLEN];

	if (!o->have_ip) {
		audit_finding(a, F_OUTBOUND_FCRDNS_UNKNOWN, a->domain, "no trusted Received field names the "
		    "sending client's address");
		return;
	}
	ipaddr_format(&o->ip, ip);
	if (o->fwd_match)
		audit_finding(a, F_OUTBOUND_FCRDNS_OK, a->domain, "%s has the name %s, whose addresses "
		    "include it", ip, o->fwd_match);
	else if (o->ptr_state == 3 || (o->fwd_failed && o->fwd_failed == o->fwd_asked))
		audit_finding(a, F_OUTBOUND_FCRDNS_UNKNOWN, a->domain, "the reverse or forward lookup of "
		    "%s failed: %s", ip, o->ptr_why ? o->ptr_why : "no answer");
	else if (o->ptr_state == 2)
		audit_finding(a, F_OUTBOUND_FCRDNS_MISMATCH, a->domain, "%s has no PTR record", ip);
	else
		audit_finding(a, F_OUTBOUND_FCRDNS_MISMATCH, a->domain, "the names of %s (%s) do not "
		    "lead back to it", ip, o->ptr_names ? o->ptr_names : "");
}

/* audit_done - every lookup is in: judge, and hand the result to the caller */
static void
audit_done(struct audit *a, void *arg)
{
	struct outbound *o = arg;
	json_t *facts = audit_facts(a, "outbound");
	char ip[IPADDR_STRLEN] = "";

	judge_tls(o, a, o->receiver);
	judge_dkim(o, a);
	judge_spf(o, a);
	judge_fcrdns(o, a);
	if (o->have_ip)
		ipaddr_format(&o->ip, ip);
	json_object_set_new(facts, "message_id", json_text(o->msgid));
	json_object_set_new(facts, "client_ip", o->have_ip ? json_string(ip) : json_null());
	json_object_set_new(facts, "helo", o->have_rcv && o->rcv.helo[0] ? json_text(o->rcv.helo) : json_null());
	json_object_set_new(facts, "tls_protocol", o->rcv.tls ? json_text(o->rcv.protocol) : json_null());
	json_object_set_new(facts, "tls_cipher", o->rcv.tls ? json_text(o->rcv.cipher) : json_null());
	json_object_set_new(facts, "authentication_results", json_incref(json_object_get(o->msg,
	    "authentication_results")));
	o->done(o, o->arg);
}

/* msg_done - the message check is in: start the From domain's audit and its lookups */
static void
msg_done(struct msg_check *mc, void *arg)
{
	struct outbound *o = arg;
	const char *from;
	char *domain;
	o->msg = msg_check_to_json(mc);
	from = jstr(json_object_get(o->msg, "dmarc"), "from_domain");
	if (from == NULL || *from == '\0' || strcmp(from, "none") == 0) {
		o->done(o, o->arg);
		return;
	}
	domain = str_lower(xstrdup(from));
	{
		char buf[65 + 1024];
		char hex[65];

		snprintf(buf, sizeof(buf), "%s\n%s", o->msgid, domain);
		store_sha256_hex(buf, strlen(buf), hex);
		memcpy(o->key, hex, 32);
		o->key[32] = '\0';
	}
	o->a = audit_new(domain, 0, &o->copts, o->env, NULL, audit_done, o);
	free(domain);
	audit_hold(o->a);
	if (o->have_ip) {
		char rev[IPADDR_REVLEN];

		ipaddr_reverse_name(&o->ip, rev);
		audit_lookup(o->a, rev, DNS_T_PTR, ptr_cb, o);
	}
	audit_release(o->a);	/* audit_done runs once the lookups are in (now, when none) */
}

struct outbound *
outbound_start(const struct audit_env *env, const char *data, size_t len, const char *mail_from,
    const char *receiver, outbound_cb done, void *arg, const char **err)
{
	struct outbound *o = xcalloc(1, sizeof(*o));
	struct msg_check_opts mo;

	o->env = env;
	o->done = done;
	o->arg = arg;
	o->receiver = receiver ? xstrdup(receiver) : NULL;
	if (header_facts(o, data, len, receiver) != MS_OK) {
		*err = "the message is larger than mailsec reads (64 MiB) or has too many header fields";
		outbound_free(o);
		return NULL;
	}
	memset(&mo, 0, sizeof(mo));
	mo.trusted_relay = receiver;
	mo.mail_from = mail_from && *mail_from ? mail_from : NULL;
	mo.now = (int64_t)time(NULL);
	o->mc = msg_check_start(env, data, len, &mo, msg_done, o, err);
	if (o->mc == NULL) {
		outbound_free(o);
		return NULL;
	}
	return o;
}

struct audit *
outbound_audit(struct outbound *o)
{
	return o->a;
}

const char *
outbound_key(const struct outbound *o)
{
	return o->key;
}

void
outbound_free(struct outbound *o)
{
	if (o == NULL)
		return;
	msg_check_free(o->mc);
	audit_free(o->a);
	json_decref(o->msg);
	free(o->msgid);
	free(o->receiver);
	free(o->ptr_why);
	free(o->fwd_match);
	free(o->ptr_names);
	free(o);
}
