/* src/message/msg_report.c - what a message check says: findings, the Authentication-Results field (RFC 8601), mailsec-message/1 JSON and text */
#include "message/msg_eval_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonutil.h"
#include "message/authres.h"
#include "util/str.h"
#include "util/xalloc.h"

/* add_result - one resinfo for the Authentication-Results field */
static struct ar_result *
add_result(struct ar_result *r, size_t *n, const char *method, const char *result)
{
	struct ar_result *x = &r[(*n)++];

	memset(x, 0, sizeof(*x));
	x->method = (char *)method;
	x->result = (char *)result;
	return x;
}

/* add_prop - one property of a resinfo (strings borrowed) */
static void
add_prop(struct ar_result *x, const char *ptype, const char *prop, const char *value)
{
	if (value == NULL || *value == '\0' || x->nprops == AR_PROPS_MAX)
		return;
	x->props[x->nprops].ptype = (char *)ptype;
	x->props[x->nprops].prop = (char *)prop;
	x->props[x->nprops].value = (char *)value;
	x->nprops++;
}

/* msg_write_ar - the Authentication-Results field (RFC 8601 §2.7, RFC 6008 header.b, RFC 8617 §10) */
void
msg_write_ar(struct msg_check *mc)
{
	struct ar_result *r = xcalloc(MSG_DKIM_MAX + 4, sizeof(*r));
	size_t n = 0;

	if (mc->ndkim == 0)
		add_result(r, &n, "dkim", "none");
	for (size_t i = 0; i < mc->ndkim && n < MSG_DKIM_MAX; i++) {
		const struct msg_dkim *d = &mc->dkim[i];
		struct ar_result *x = add_result(r, &n, "dkim", d->result);

		x->reason = (char *)d->why;
		if (d->parse == MS_OK && d->sig.auid[0])
			add_prop(x, "header", "i", d->sig.auid);
		add_prop(x, "header", "d", d->sig.d);
		add_prop(x, "header", "s", d->sig.s);
		if (d->parse == MS_OK)
			add_prop(x, "header", "a", dkim_alg_name(d->sig.alg));
		add_prop(x, "header", "b", d->sig.b_prefix);
	}
	if (mc->spf_ran) {
		struct ar_result *x = add_result(r, &n, "spf", mc->spf_result);

		x->reason = (char *)mc->spf_why;
		if (mc->spf_ident && strcmp(mc->spf_ident, "mailfrom") == 0)
			add_prop(x, "smtp", "mailfrom", mc->mail_from);
		add_prop(x, "smtp", "helo", mc->helo);
	}
	{
		struct ar_result *x = add_result(r, &n, "dmarc", mc->dmarc_result);

		if (strcmp(mc->dmarc_result, "pass") != 0)
			x->reason = (char *)mc->dmarc_why;
		add_prop(x, "header", "from", mc->dmarc_from ? mc->dmarc_from : "none");
		if (mc->dmarc_fd != SIZE_MAX) {
			const struct from_domain *f = &mc->fd[mc->dmarc_fd];
			const struct dmarc_eval *e = mc->o.dmarc_rules == 1 ? &f->e7 : &f->e9;

			if (e->policy_domain && dmarc_policy_name(e->policy))
				add_prop(x, "policy", "dmarc", dmarc_policy_name(e->policy));
		}
	}
	if (strcmp(mc->arc_result, "none") != 0 || mc->arc->state != ARC_STATE_NONE) {
		struct ar_result *x = add_result(r, &n, "arc", mc->arc_result);

		x->reason = (char *)mc->arc_why;
		if (mc->arc->n > 0 && strcmp(mc->arc_result, "pass") == 0) {
			add_prop(x, "header", "oldest-pass",
			    arena_printf(msg_arena(mc), "%u", mc->arc_oldest_pass));
		}
	} else {
		add_result(r, &n, "arc", "none");
	}
	if (mc->client_known) {
		/* RFC 8617 §10.2: smtp.remote-ip on the arc result */
		add_prop(&r[n - 1], "smtp", "remote-ip", mc->client);
	}
	mc->ar = ar_format(mc->o.authserv_id, r, n);
	free(r);
}

/*
 * oldest_aar - the ARC-Authentication-Results of the oldest passing
 * instance, after its "i=N;", unfolded (RFC 8617 §5.2 oldest-pass: the
 * results an intermediary recorded before the message changed); caller frees
 */
static char *
oldest_aar(const struct msg_check *mc)
{
	const struct arc_set *s = &mc->arc->sets[mc->arc_oldest_pass];
	struct msg_field f;
	char *v;

	memset(&f, 0, sizeof(f));
	f.value = s->aar_value;
	f.value_len = s->aar_len;
	v = msg_unfold(&f, NULL);
	{
		size_t o = 0;

		for (size_t i = 0; v[i]; i++) {
			char c = v[i] == '\t' ? ' ' : v[i];

			if (c == ' ' && o > 0 && v[o - 1] == ' ')
				continue;	/* the folds' indentation: one space */
			v[o++] = c;
		}
		v[o] = '\0';
	}
	return v;
}

/* msg_write_findings - the findings of the check (ids message.*, docs/findings/) */
void
msg_write_findings(struct msg_check *mc)
{
	struct finding_list *l = &mc->findings;
	struct finding *f;

	if (mc->msg.bad_lines)
		findings_add(l, F_MESSAGE_HEADER_MALFORMED, "header",
		    "%zu header line(s) are neither a field nor a continuation; they were skipped",
		    mc->msg.bad_lines);
	if (mc->ndkim == 0)
		findings_add(l, F_MESSAGE_DKIM_UNSIGNED, "DKIM-Signature",
		    "the message carries no DKIM signature");
	for (size_t i = 0; i < mc->ndkim; i++) {
		const struct msg_dkim *d = &mc->dkim[i];
		const char *subj = arena_printf(msg_arena(mc), "d=%s s=%s", d->sig.d[0] ? d->sig.d : "?",
		    d->sig.s[0] ? d->sig.s : "?");
		const char *r = d->result;

		if (!d->checked) {
			findings_add(l, F_MESSAGE_DKIM_NOT_CHECKED, subj, "%s", d->why);
			continue;
		}
		if (strcmp(r, "pass") == 0)
			f = findings_add(l, F_MESSAGE_DKIM_PASS, subj, "the signature verifies (%s, "
			    "%d-bit key)", dkim_alg_name(d->sig.alg), d->key_bits);
		else if (strcmp(r, "fail") == 0 && d->key_testing) {
			/* RFC 6376 §3.6.1 t=y: treat as unsigned, not as a failure */
			f = findings_add(l, F_MESSAGE_DKIM_FAIL, subj, "%s (the key says t=y: the "
			    "domain is testing DKIM, so receivers treat this like unsigned mail)", d->why);
			if (f)
				finding_set_severity(f, SEV_WARNING);
		} else if (strcmp(r, "fail") == 0)
			f = findings_add(l, F_MESSAGE_DKIM_FAIL, subj, "%s", d->why);
		else if (strcmp(r, "policy") == 0 && d->sig.alg == DKIM_A_RSA_SHA1)
			f = findings_add(l, F_MESSAGE_DKIM_WEAK, subj, "%s", d->why);
		else if (strcmp(r, "policy") == 0)
			f = findings_add(l, F_MESSAGE_DKIM_UNSIGNED_FIELD, subj, "%s", d->why);
		else if (strcmp(r, "temperror") == 0)
			f = findings_add(l, F_MESSAGE_DKIM_TEMPERROR, subj, "%s", d->why);
		else
			f = findings_add(l, F_MESSAGE_DKIM_INVALID, subj, "%s", d->why);
		if (f) {
			const struct msg_field *fl = &mc->msg.fields[d->field];
			char *ev = xstrndup(fl->raw, fl->raw_len > 400 ? 400 : fl->raw_len);

			finding_set_evidence(f, ev);
			free(ev);
		}
		if (d->parse == MS_OK && d->sig.has_l && strcmp(r, "pass") == 0 &&
		    d->canon_len > d->sig.l)
			findings_add(l, F_MESSAGE_DKIM_BODY_LENGTH, subj, "l=%llu signs only part of the "
			    "body: %llu bytes after it are unsigned and could have been added by anyone",
			    (unsigned long long)d->sig.l,
			    (unsigned long long)(d->canon_len - d->sig.l));
	}
	if (!mc->spf_ran && mc->relay_missing) {
		findings_add(l, F_MESSAGE_SPF_NOT_CHECKED, "client", "SPF was not evaluated: no "
		    "Received field added by %s records the client's address as [IP]",
		    mc->o.trusted_relay);
	} else if (!mc->spf_ran) {
		findings_add(l, F_MESSAGE_SPF_NOT_CHECKED, "client", "SPF was not evaluated: give the "
		    "client address with --ip, or --trusted-relay to read it from a Received field");
	} else {
		const char *subj = mc->spf_domain ? mc->spf_domain : mc->client;
		const char *r = mc->spf_result;

		if (strcmp(r, "pass") == 0)
			findings_add(l, F_MESSAGE_SPF_PASS, subj, "%s is authorised to send for %s (%s)",
			    mc->client, subj, mc->spf_ident ? mc->spf_ident : "");
		else if (strcmp(r, "fail") == 0 || strcmp(r, "softfail") == 0) {
			f = findings_add(l, F_MESSAGE_SPF_FAIL, subj, "SPF %s: %s is not authorised to "
			    "send for %s", r, mc->client, subj);
			if (f && strcmp(r, "softfail") == 0)
				finding_set_severity(f, SEV_WARNING);
		} else if (strcmp(r, "temperror") == 0)
			findings_add(l, F_MESSAGE_SPF_TEMPERROR, subj, "SPF could not be evaluated: %s",
			    mc->spf_why ? mc->spf_why : "a lookup failed");
		else if (strcmp(r, "permerror") == 0)
			findings_add(l, F_MESSAGE_SPF_PERMERROR, subj, "the SPF record is broken: %s",
			    mc->spf_why ? mc->spf_why : "permerror");
		else
			findings_add(l, F_MESSAGE_SPF_NEUTRAL, subj, "SPF %s: the domain does not say "
			    "whether %s may send for it", r, mc->client);
	}
	if (mc->nfrom_fields > 1 || mc->nfd > 1)
		findings_add(l, F_MESSAGE_FROM_MULTIPLE, "From", "%zu From field(s) with %zu "
		    "domain(s): DMARC is evaluated for each and the worst result is reported",
		    mc->nfrom_fields, mc->nfd);
	{
		const char *r = mc->dmarc_result, *subj = mc->dmarc_from ? mc->dmarc_from : "From";

		if (strcmp(r, "pass") == 0)
			findings_add(l, F_MESSAGE_DMARC_PASS, subj, "DMARC passes: %s", mc->dmarc_why);
		else if (strcmp(r, "fail") == 0)
			findings_add(l, F_MESSAGE_DMARC_FAIL, subj, "DMARC fails: %s", mc->dmarc_why);
		else if (strcmp(r, "temperror") == 0)
			findings_add(l, F_MESSAGE_DMARC_TEMPERROR, subj, "DMARC could not be evaluated: "
			    "%s", mc->dmarc_why);
		else if (strcmp(r, "permerror") == 0)
			findings_add(l, F_MESSAGE_DMARC_PERMERROR, subj, "%s", mc->dmarc_why);
		else
			findings_add(l, F_MESSAGE_DMARC_NONE, subj, "no DMARC policy applies: %s",
			    mc->dmarc_why ? mc->dmarc_why : "none");
	}
	{
		const char *r = mc->arc_result;

		if (strcmp(r, "pass") == 0) {
			char *aar = oldest_aar(mc);

			f = findings_add(l, F_MESSAGE_ARC_PASS, "ARC", "the ARC chain of %u set(s) "
			    "validates; the oldest set whose message signature still verifies is i=%u, "
			    "which recorded: %s", mc->arc->n, mc->arc_oldest_pass, aar);
			if (f) {
				const struct msg_field *fl =
				    &mc->msg.fields[mc->arc->sets[mc->arc_oldest_pass].aar];
				char *ev = xstrndup(fl->raw, fl->raw_len > 600 ? 600 : fl->raw_len);

				finding_set_evidence(f, ev);
				free(ev);
			}
			free(aar);
		}
		else if (strcmp(r, "fail") == 0)
			findings_add(l, F_MESSAGE_ARC_FAIL, "ARC", "the ARC chain fails: %s",
			    mc->arc_why ? mc->arc_why : "");
		else if (strcmp(r, "temperror") == 0)
			findings_add(l, F_MESSAGE_ARC_TEMPERROR, "ARC", "the ARC chain could not be "
			    "validated: %s", mc->arc_why ? mc->arc_why : "");
		else
			findings_add(l, F_MESSAGE_ARC_NONE, "ARC", "the message carries no ARC set");
	}
}

/* dkim_json - one signature's verdict */
static json_t *
dkim_json(const struct msg_dkim *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "result", json_string(d->result));
	json_object_set_new(o, "why", json_text(d->why));
	json_object_set_new(o, "domain", d->sig.d[0] ? json_text(d->sig.d) : json_null());
	json_object_set_new(o, "selector", d->sig.s[0] ? json_text(d->sig.s) : json_null());
	json_object_set_new(o, "algorithm", d->parse == MS_OK ?
	    json_string(dkim_alg_name(d->sig.alg)) : json_null());
	json_object_set_new(o, "identity", d->parse == MS_OK ? json_text(d->sig.auid) : json_null());
	json_object_set_new(o, "canonicalization", d->parse == MS_OK ?
	    json_string(d->sig.hcanon == DKIM_C_RELAXED ?
	    (d->sig.bcanon == DKIM_C_RELAXED ? "relaxed/relaxed" : "relaxed/simple") :
	    (d->sig.bcanon == DKIM_C_RELAXED ? "simple/relaxed" : "simple/simple")) : json_null());
	json_object_set_new(o, "key_bits", d->key_bits ? json_integer(d->key_bits) : json_null());
	json_object_set_new(o, "key_testing", json_boolean(d->key_testing));
	json_object_set_new(o, "body_length", d->sig.has_l ? json_integer((json_int_t)d->sig.l) :
	    json_null());
	json_object_set_new(o, "unsigned_bytes", d->sig.has_l && d->canon_len > d->sig.l ?
	    json_integer((json_int_t)(d->canon_len - d->sig.l)) : json_integer(0));
	json_object_set_new(o, "signed_at", d->sig.has_t ? json_integer(d->sig.t) : json_null());
	json_object_set_new(o, "expires", d->sig.has_x ? json_integer(d->sig.x) : json_null());
	return o;
}

/*
 * message_disposition - what the receiver does with this message under the
 * rule set the AR carries: "none" unless DMARC fails; for RFC 7489 a pct=0
 * record means the message is not sampled and the next milder policy
 * applies (§6.6.4); for 0 < pct < 100 sampling is random and the policy
 * itself is reported.
 */
static const char *
message_disposition(const struct msg_check *mc)
{
	const struct dmarc_eval *e;
	enum dmarc_policy p;

	if (mc->dmarc_fd == SIZE_MAX || strcmp(mc->dmarc_result, "fail") != 0)
		return "none";
	e = mc->o.dmarc_rules == 1 ? &mc->fd[mc->dmarc_fd].e7 : &mc->fd[mc->dmarc_fd].e9;
	p = e->disposition;
	if (mc->o.dmarc_rules == 1 && e->pct == 0)
		p = p == DMARC_P_REJECT ? DMARC_P_QUARANTINE : DMARC_P_NONE;
	return dmarc_policy_name(p) ? dmarc_policy_name(p) : "none";
}

/* eval_json - one rule set's DMARC verdict for one From domain, or null */
static json_t *
eval_json(const struct dmarc_eval *e)
{
	return e->result ? dmarc_eval_to_json(e) : json_null();
}

/* msg_check_to_json - see msg_eval.h */
json_t *
msg_check_to_json(const struct msg_check *mc)
{
	json_t *o = json_object(), *arr = json_array(), *from = json_array(), *x;

	for (size_t i = 0; i < mc->from.n; i++)
		json_array_append_new(from, json_text(mc->from.v[i].addr));
	x = json_object();
	json_object_set_new(x, "size", json_integer((json_int_t)mc->len));
	json_object_set_new(x, "fields", json_integer((json_int_t)mc->msg.nfields));
	json_object_set_new(x, "from", from);
	json_object_set_new(x, "from_fields", json_integer((json_int_t)mc->nfrom_fields));
	json_object_set_new(o, "message", x);
	for (size_t i = 0; i < mc->ndkim; i++)
		json_array_append_new(arr, dkim_json(&mc->dkim[i]));
	json_object_set_new(o, "dkim", arr);
	if (mc->spf_ran) {
		x = json_object();
		json_object_set_new(x, "result", json_string(mc->spf_result));
		json_object_set_new(x, "why", json_text(mc->spf_why));
		json_object_set_new(x, "client_ip", json_string(mc->client));
		json_object_set_new(x, "helo", json_text(mc->helo));
		json_object_set_new(x, "mail_from", json_text(mc->mail_from));
		json_object_set_new(x, "identity", json_text(mc->spf_ident));
		json_object_set_new(x, "domain", json_text(mc->spf_domain));
		json_object_set_new(o, "spf", x);
	} else {
		json_object_set_new(o, "spf", json_null());
	}
	x = json_object();
	json_object_set_new(x, "result", json_string(mc->dmarc_result));
	json_object_set_new(x, "why", json_text(mc->dmarc_why));
	json_object_set_new(x, "rules", json_string(mc->o.dmarc_rules == 1 ? "7489" : "9989"));
	json_object_set_new(x, "from_domain", json_text(mc->dmarc_from));
	{
		const struct dmarc_eval *e = NULL;

		if (mc->dmarc_fd != SIZE_MAX)
			e = mc->o.dmarc_rules == 1 ? &mc->fd[mc->dmarc_fd].e7 :
			    &mc->fd[mc->dmarc_fd].e9;
		json_object_set_new(x, "policy", e && e->policy_domain && dmarc_policy_name(e->policy) ?
		    json_string(dmarc_policy_name(e->policy)) : json_null());
		json_object_set_new(x, "disposition", json_string(message_disposition(mc)));
	}
	{
		json_t *doms = json_array();

		for (size_t k = 0; k < mc->nfd; k++) {
			json_t *d = json_object();

			json_object_set_new(d, "domain", json_text(mc->fd[k].domain));
			json_object_set_new(d, "rfc7489", eval_json(&mc->fd[k].e7));
			json_object_set_new(d, "rfc9989", eval_json(&mc->fd[k].e9));
			json_array_append_new(doms, d);
		}
		json_object_set_new(x, "domains", doms);
	}
	json_object_set_new(o, "dmarc", x);
	x = json_object();
	json_object_set_new(x, "result", json_string(mc->arc_result));
	json_object_set_new(x, "why", json_text(mc->arc_why));
	json_object_set_new(x, "sets", json_integer(mc->arc->n));
	json_object_set_new(x, "oldest_pass", mc->arc_oldest_pass ?
	    json_integer(mc->arc_oldest_pass) : json_null());
	if (mc->arc_oldest_pass) {
		char *aar = oldest_aar(mc);

		json_object_set_new(x, "oldest_pass_results", json_text(aar));
		free(aar);
	} else {
		json_object_set_new(x, "oldest_pass_results", json_null());
	}
	json_object_set_new(o, "arc", x);
	json_object_set_new(o, "authentication_results", json_text(mc->ar));
	json_object_set_new(o, "findings", findings_to_json(&mc->findings));
	return o;
}

/* msg_check_print - see msg_eval.h */
void
msg_check_print(const struct msg_check *mc, FILE *fp)
{
	for (size_t i = 0; i < mc->findings.n; i++) {
		const struct finding *f = &mc->findings.v[i];
		/* subjects and messages quote the message and DNS data: no control bytes to a terminal */
		char *subj = str_printable(f->subject, strlen(f->subject));
		char *msg = str_printable(f->message, strlen(f->message));

		fprintf(fp, "  [%s] %s: %s: %s\n", severity_name(f->severity), finding_def(f)->id,
		    subj, msg);
		free(subj);
		free(msg);
	}
	fprintf(fp, "\n%s\n", mc->ar);
}

/* msg_check_findings - see msg_eval.h */
const struct finding_list *
msg_check_findings(const struct msg_check *mc)
{
	return &mc->findings;
}

/* msg_check_ar - see msg_eval.h */
const char *
msg_check_ar(const struct msg_check *mc)
{
	return mc->ar;
}
