/* src/message/msg_eval.c - one message's DKIM, SPF, DMARC and ARC on the caller's loop, and its Authentication-Results */
/*
 * How it runs.  msg_check_start() splits the message and parses what it
 * can without the network: each DKIM-Signature (RFC 6376 §6.1.1: a broken
 * or expired one is PERMFAIL at once), the From field (RFC 5322 §3.6.2),
 * the ARC sets (RFC 8617 §5.2 structure).  It then opens one audit (the
 * memoised lookups and the arena of the DMARC layer) and starts, all at
 * once: one TXT lookup per DKIM key (the answer is judged when it arrives:
 * key record, then body hash, then signature, RFC 6376 §6.1.2-§6.1.3), one
 * per ARC key (kept for the end), check_host() for the client (RFC 7208),
 * and DMARC discovery (both methods, checks/dmarc) for every From domain
 * and every authenticated domain.  When the audit has nothing pending,
 * finish() verifies the ARC chain, evaluates DMARC per From domain, has
 * msg_report.c write the findings and the Authentication-Results field, and
 * calls done.
 */
#include "message/msg_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "checks/dkim/dkim_key.h"
#include "policy/dmarc_discover.h"
#include "checks/dmarc/dmarc_eval.h"
#include "policy/dmarc_org.h"
#include "policy/spf_eval.h"
#include "core/jsonutil.h"
#include "message/arc_parse.h"
#include "message/authres.h"
#include "message/dkim_crypto.h"
#include "message/dkim_sig.h"
#include "message/msg_addr.h"
#include "message/msg_canon.h"
#include "message/msg_eval_int.h"
#include "message/msg_header.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"



/* key_name - "<s>._domainkey.<d>" */
static const char *
key_name(struct msg_check *mc, const struct dkim_sig *s)
{
	return arena_printf(msg_arena(mc), "%s._domainkey.%s", s->s, s->d);
}

/*
 * judge_key - find the one DKIM key record in ans and check it against sig
 * (RFC 6376 §6.1.2; RFC 8301 sizes; RFC 8463 types).  On success *key is
 * set (caller frees); otherwise *result and *why say what the signature gets.
 */
static bool
judge_key(struct msg_check *mc, const struct dkim_sig *sig, const struct dns_answer *ans,
    bool arc, EVP_PKEY **key, int *bits, bool *testing, const char **result, const char **why)
{
	struct dkim_key k;
	const char *text = NULL, *kwhy = NULL;
	size_t len = 0, nkeys = 0;
	bool ed = sig->alg == DKIM_A_ED25519_SHA256;

	*key = NULL;
	*result = "permerror";
	if (dns_answer_failed_status(ans->status)) {
		*result = "temperror";
		*why = arena_printf(msg_arena(mc), "the key lookup for %s failed: %s", ans->qname,
		    ans->why ? ans->why : dns_outcome_name(ans->status));
		return false;
	}
	if (ans->status != DNS_OK) {
		*why = arena_printf(msg_arena(mc), "no key record at %s (%s)", ans->qname,
		    dns_outcome_name(ans->status));
		return false;
	}
	for (size_t i = 0; i < ans->n; i++) {
		const struct dns_rr *rr = &ans->rr[i];
		struct dkim_key tmp;

		if (rr->type != DNS_T_TXT)
			continue;
		if (dkim_key_parse(rr->u.txt.text, rr->u.txt.len, &tmp) != MS_OK || !tmp.is_dkim)
			continue;
		if (nkeys++ == 0) {
			text = rr->u.txt.text;
			len = rr->u.txt.len;
		}
	}
	if (text == NULL) {
		*why = arena_printf(msg_arena(mc), "%s holds no DKIM key record", ans->qname);
		return false;
	}
	/* Only MS_ERR_ARG for NULL (text is not, see above); problems are in k. */
	MS_IGNORE(dkim_key_parse(text, len, &k));
	*testing = k.testing;
	if (k.revoked) {
		*why = "the key is revoked (empty p=, RFC 6376 §3.6.1)";
		return false;
	}
	if (dkim_key_has_error(&k)) {
		for (size_t i = 0; i < k.nproblems; i++)
			if (k.problems[i].code != DKIM_P_TRAILING_WSP &&
			    k.problems[i].code != DKIM_P_UNKNOWN_TAG) {
				*why = arena_printf(msg_arena(mc), "the key record is unusable: %s",
				    k.problems[i].msg);
				break;
			}
		if (*why == NULL)
			*why = "the key record is unusable";
		return false;
	}
	if (ed ? k.type != DKIM_KEY_ED25519 : k.type != DKIM_KEY_RSA) {
		*why = arena_printf(msg_arena(mc), "the key is not of the type a=%s needs (k=%s)",
		    dkim_alg_name(sig->alg), k.k);
		return false;
	}
	if (sig->alg == DKIM_A_RSA_SHA1 ? !k.h_sha1 : !k.h_sha256) {
		*why = "the key's h= does not allow the signature's hash";
		return false;
	}
	if (!k.s_email) {
		*why = "the key's s= does not allow email";
		return false;
	}
	if (!arc && k.strict) {
		const char *at = strrchr(sig->auid, '@');

		if (at == NULL || !str_caseeq(at + 1, sig->d)) {
			*why = "the key says t=s but i= is in a subdomain of d=";
			return false;
		}
	}
	if (dkim_pubkey_decode(text, len, ed, key, bits, &kwhy) != MS_OK) {
		*why = kwhy;
		return false;
	}
	if (!ed && *bits < DKIM_RSA_MIN_BITS) {
		*why = arena_printf(msg_arena(mc), "the RSA key has %d bits; RFC 8301 §3.2 refuses fewer "
		    "than 1024", *bits);
		EVP_PKEY_free(*key);
		*key = NULL;
		return false;
	}
	if (!ed && *bits > DKIM_RSA_MAX_BITS) {
		*why = arena_printf(msg_arena(mc), "the RSA key has %d bits; more than %d are not verified",
		    *bits, DKIM_RSA_MAX_BITS);
		EVP_PKEY_free(*key);
		*key = NULL;
		return false;
	}
	(void)kwhy;
	return true;
}

/*
 * verify_sig - body hash, then header hash and signature, of the DKIM
 * signature or AMS sig in field idx with key: "pass" or "fail" with *why
 */
static const char *
verify_sig(struct msg_check *mc, const struct dkim_sig *sig, size_t idx, EVP_PKEY *key,
    uint64_t *canon_len, const char **why)
{
	unsigned char bh[64];
	size_t bhl = 0;
	struct buf in;
	const char *r = "fail";

	{
		int c = sig->bcanon == DKIM_C_RELAXED;

		if (!mc->canon_done[c]) {
			mc->canon_done[c] = true;
			buf_init(&mc->canon[c], MSG_SIZE_MAX + 2);
			mc->canon_failed[c] = canon_body(&mc->canon[c], sig->bcanon,
			    mc->msg.body ? mc->msg.body : "", mc->msg.body ? mc->msg.body_len : 0) != MS_OK;
		}
		*canon_len = mc->canon[c].len;
		if (mc->canon_failed[c] || dkim_hash_prefix(sig, mc->canon[c].data, mc->canon[c].len,
		    bh, &bhl) != MS_OK) {
			*why = "the body is too large to hash";
			return "permerror";
		}
	}
	if (sig->has_l && sig->l > *canon_len) {
		*why = arena_printf(msg_arena(mc), "l=%llu is longer than the body (%llu bytes)",
		    (unsigned long long)sig->l, (unsigned long long)*canon_len);
		return "fail";
	}
	if (bhl != sig->bhlen || memcmp(bh, sig->bh, bhl) != 0) {
		*why = "the body hash does not match bh= (the body was changed)";
		return "fail";
	}
	buf_init(&in, 4u * 1024 * 1024);
	if (dkim_header_input(&mc->msg, sig, idx, &in) != MS_OK) {
		*why = "the signed header fields are too large";
		r = "permerror";
	} else if (dkim_verify_sig(key, sig->alg, in.data, in.len, sig->b, sig->blen)) {
		r = "pass";
		*why = NULL;
	} else {
		*why = "the signature does not verify (a signed header field was changed)";
	}
	buf_free(&in);
	return r;
}

/*
 * added_unsigned - a field readers see (From, Subject, ...) that the
 * signature signs, with more instances in the message than h= names: an
 * unsigned copy was added, which mail readers may display instead of the
 * signed one (RFC 6376 §8.15).  Why, or NULL.
 */
static const char *
added_unsigned(struct msg_check *mc, const struct dkim_sig *s)
{
	static const char *const shown[] = { "from", "sender", "reply-to", "to", "cc", "subject",
	    "date", NULL };

	for (size_t i = 0; shown[i]; i++) {
		size_t signed_n = 0, have = msg_count(&mc->msg, shown[i]);

		for (size_t k = 0; k < s->nh; k++)
			if (strcmp(s->h[k], shown[i]) == 0)
				signed_n++;
		if (signed_n > 0 && have > signed_n)
			return arena_printf(msg_arena(mc), "the signature verifies, but the message has "
			    "%zu %s field(s) and only %zu are signed: an unsigned one was added "
			    "(RFC 6376 §8.15); sign it once more than it occurs to prevent this",
			    have, shown[i], signed_n);
	}
	return NULL;
}

/* dkim_key_cb - a DKIM key arrived: judge the signature */
static void
dkim_key_cb(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct msg_dkim *d = arg;
	struct msg_check *mc = d->mc;
	EVP_PKEY *key = NULL;
	int bits = 0;
	bool testing = false;

	(void)a;
	if (!judge_key(mc, &d->sig, ans, false, &key, &bits, &testing, &d->result, &d->why))
		return;
	d->key_bits = bits;
	d->key_testing = testing;
	d->result = verify_sig(mc, &d->sig, d->field, key, &d->canon_len, &d->why);
	EVP_PKEY_free(key);
	if (strcmp(d->result, "pass") == 0 && (d->why = added_unsigned(mc, &d->sig)) != NULL)
		d->result = "policy";
	if (strcmp(d->result, "pass") == 0 && d->sig.alg == DKIM_A_RSA_SHA1) {
		d->result = "policy";
		d->why = "rsa-sha1 verifies, but RFC 8301 §3.1 forbids treating it as valid";
	}
}

/* arc_key_cb - an ARC key arrived: keep it for finish() */
static void
arc_key_cb(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct arc_key *k = arg;

	(void)a;
	k->ans = dns_answer_ref(ans);
}

/* spf_done - check_host() finished */
static void
spf_done(struct spf_eval *ev, const struct spf_outcome *out, void *arg)
{
	struct msg_check *mc = arg;

	(void)ev;
	mc->spf_result = spf_result_name(out->result);
	mc->spf_why = out->problem ? arena_strdup(msg_arena(mc), out->problem) : NULL;
	audit_release(mc->a);
}

/* disc_done - a DMARC discovery finished (read in finish()) */
static void
disc_done(struct audit *a, struct dmarc_discovery *d, void *arg)
{
	(void)a;
	(void)d;
	(void)arg;
}

/* auth_discover - start (once) the discovery of an authenticated domain */
static void
auth_discover(struct msg_check *mc, const char *domain)
{
	if (domain == NULL || *domain == '\0' || mc->nauth == AUTH_DOMAINS_MAX)
		return;
	for (size_t i = 0; i < mc->nauth; i++)
		if (dns_name_equal(mc->auth[i]->domain, domain))
			return;
	mc->auth[mc->nauth++] = dmarc_discover(mc->a, domain, disc_done, NULL);
}

/* org9989 - the tree-walk organizational domain discovered for name, or NULL */
static const char *
org9989(const struct msg_check *mc, const char *name)
{
	for (size_t i = 0; i < mc->nauth; i++)
		if (dns_name_equal(mc->auth[i]->domain, name))
			return mc->auth[i]->m9989.temperror ? NULL : mc->auth[i]->m9989.org_domain;
	return NULL;
}

/*
 * by_clause - where the "by" clause of Received field value v begins
 * (RFC 5321 section 4.4): after the "from" clause's name and its comments,
 * so a client whose HELO is "by" (or whose comment holds " by ") cannot make
 * a lower, forgeable field look like the trusted relay's; NULL when the
 * field does not have that shape
 */
static char *
by_clause(char *v)
{
	char *p = v;

	while (*p == ' ')
		p++;
	if (str_has_prefix_case(p, "from ")) {
		p += 5;
		while (*p == ' ')
			p++;
		while (*p != '\0' && *p != ' ' && *p != '(')
			p++;
		for (;;) {
			size_t depth = 0;

			while (*p == ' ')
				p++;
			if (*p != '(')
				break;
			do {	/* a comment, nested ones within it; an unclosed one ends the field */
				if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				else if (*p == '\\' && p[1] != '\0')
					p++;
				p++;
			} while (*p != '\0' && depth > 0);
			if (depth > 0)
				return NULL;
		}
	}
	return str_has_prefix_case(p, "by ") ? p : NULL;
}

/*
 * relay_client - from the topmost Received field the trusted relay added
 * ("from HELO (... [IP]) by RELAY ..."), the client's address and HELO
 */
static bool
relay_client(struct msg_check *mc, const char *relay, struct ipaddr *ip, const char **helo)
{
	for (size_t i = 0; i < mc->msg.nfields; i++) {
		char *v, *by, *p, *lb, *rb;
		size_t n, rl = strlen(relay);
		bool ok = false;

		if (!msg_field_is(&mc->msg.fields[i], "Received"))
			continue;
		v = msg_unfold(&mc->msg.fields[i], &n);
		for (p = v; *p; p++)
			if (*p == '\t' || *p == '\r' || *p == '\n')
				*p = ' ';
		by = by_clause(v);
		if (by == NULL) {
			free(v);
			continue;
		}
		p = by + 3;
		while (*p == ' ')
			p++;
		if (str_ncasecmp(p, relay, rl) == 0 && (p[rl] == ' ' || p[rl] == ';' ||
		    p[rl] == '\0' || p[rl] == '(' || (p[rl] == '.' && (p[rl + 1] == ' ' ||
		    p[rl + 1] == '\0')))) {
			*by = '\0';
			lb = strchr(v, '[');
			rb = lb ? strchr(lb, ']') : NULL;
			if (lb && rb) {
				*rb = '\0';
				lb++;
				if (str_has_prefix_case(lb, "IPv6:"))
					lb += 5;
				ok = ipaddr_parse(lb, ip) == MS_OK;
			}
			if (ok && str_has_prefix_case(v, "from ")) {
				char *h = v + 5, *e;

				while (*h == ' ')
					h++;
				for (e = h; *e && *e != ' ' && *e != '('; e++)
					;
				*helo = arena_strndup(msg_arena(mc), h, (size_t)(e - h));
			}
			free(v);
			return ok;
		}
		free(v);
	}
	return false;
}

/* domain_of_addr - the lower-case domain of an address (after the last '@'), or NULL */
static const char *
domain_of_addr(struct msg_check *mc, const char *addr)
{
	const char *at = strrchr(addr, '@');
	char *d;
	size_t n;

	if (at == NULL || at[1] == '\0')
		return NULL;
	d = str_lower(arena_strdup(msg_arena(mc), at + 1));
	n = strlen(d);
	while (n > 0 && (d[n - 1] == '>' || d[n - 1] == '.' || d[n - 1] == ' '))
		d[--n] = '\0';
	return *d ? d : NULL;
}

static void finish(struct audit *a, void *arg);

/* msg_check_start - see msg_eval.h */
struct msg_check *
msg_check_start(const struct audit_env *env, const char *data, size_t len,
    const struct msg_check_opts *opts, msg_check_cb done, void *arg, const char **err)
{
	struct msg_check *mc;
	const char *audit_domain = "message.invalid";

	mc = xcalloc(1, sizeof(*mc));
	mc->o = *opts;
	mc->res = env->res;
	mc->done = done;
	mc->arg = arg;
	mc->dmarc_fd = SIZE_MAX;
	findings_init(&mc->findings);
	if (msg_crlf(data, len, &mc->data, &mc->len) != MS_OK ||
	    msg_split(mc->data, mc->len, &mc->msg) != MS_OK) {
		*err = "the message is larger than mailsec reads (64 MiB) or has too many header fields";
		free(mc->data);
		free(mc);
		return NULL;
	}
	/* From (RFC 5322 §3.6.2: exactly one field) */
	for (size_t i = 0; i < mc->msg.nfields; i++) {
		const struct msg_field *f = &mc->msg.fields[i];
		struct msg_addrs tmp;
		enum ms_status st;

		if (!msg_field_is(f, "From"))
			continue;
		st = addr_parse(f->value, f->value_len, &tmp);
		if (mc->nfrom_fields++ == 0) {
			mc->from = tmp;
			mc->from_st = st;
		} else {
			for (size_t k = 0; k < tmp.n && mc->from.n < ADDR_MAX; k++)
				mc->from.v[mc->from.n++] = tmp.v[k];
			mc->from.bad += tmp.bad;
			if (st != MS_OK)
				mc->from_st = st;
		}
	}
	for (size_t i = 0; i < mc->from.n; i++) {
		const char *d = mc->from.v[i].domain;
		bool seen = false;

		if (*d == '\0')
			continue;
		for (size_t k = 0; k < mc->nfd; k++)
			if (strcmp(mc->fd[k].domain, d) == 0)
				seen = true;
		if (!seen && mc->nfd < FROM_DOMAINS_MAX)
			mc->fd[mc->nfd++].domain = d;
	}
	if (mc->nfd > 0)
		audit_domain = mc->fd[0].domain;
	mc->copts.offline = true;
	mc->a = audit_new(audit_domain, 0, &mc->copts, env, mc, finish, mc);
	audit_hold(mc->a);
	for (size_t k = 0; k < mc->nfd; k++)
		mc->fd[k].domain = arena_strdup(msg_arena(mc), mc->fd[k].domain);
	mc->helo = opts->helo ? arena_strdup(msg_arena(mc), opts->helo) : NULL;
	mc->mail_from = opts->mail_from ? arena_strdup(msg_arena(mc), opts->mail_from) : NULL;
	mc->o.authserv_id = arena_strdup(msg_arena(mc), opts->authserv_id ? opts->authserv_id :
	    "mailsec");
	mc->o.helo = mc->helo;
	mc->o.mail_from = mc->mail_from;
	mc->o.trusted_relay = opts->trusted_relay ? arena_strdup(msg_arena(mc), opts->trusted_relay) :
	    NULL;

	/* DKIM: parse every signature; look up the keys of those that may verify */
	{
		size_t n = msg_count(&mc->msg, "DKIM-Signature"), k = 0;

		mc->dkim = xcalloc(n ? n : 1, sizeof(*mc->dkim));
		for (size_t i = 0; i < mc->msg.nfields; i++) {
			const struct msg_field *f = &mc->msg.fields[i];
			struct msg_dkim *d;

			if (!msg_field_is(f, "DKIM-Signature"))
				continue;
			d = &mc->dkim[k++];
			d->mc = mc;
			d->field = i;
			d->parse = xnomem(dkim_sig_parse(DKIM_KIND_SIG, f->value, f->value_len, 0,
			    &d->sig));
			d->checked = k <= MSG_DKIM_MAX;
			if (!d->checked) {
				d->result = "neutral";
				d->why = "not checked: only the first 5 DKIM-Signature fields are";
				continue;
			}
			if (d->parse != MS_OK) {
				d->result = "permerror";
				d->why = arena_printf(msg_arena(mc), "the signature is malformed: %s",
				    d->sig.why ? d->sig.why : "syntax");
				continue;
			}
			if (d->sig.has_x && opts->now > d->sig.x) {
				d->result = "permerror";
				d->why = "the signature has expired (x=, RFC 6376 §3.5)";
				continue;
			}
			d->result = "temperror";
			d->why = "the key lookup did not complete";
			audit_lookup(mc->a, key_name(mc, &d->sig), DNS_T_TXT, dkim_key_cb, d);
		}
		mc->ndkim = k;
	}
	/* ARC */
	mc->arc = xcalloc(1, sizeof(*mc->arc));
	/* Always MS_OK: a broken chain is mc->arc->state and why. */
	MS_IGNORE(arc_collect(&mc->msg, mc->arc));
	if (mc->arc->state == ARC_STATE_OK) {
		for (unsigned i = 1; i <= mc->arc->n; i++) {
			struct arc_set *s = &mc->arc->sets[i];

			mc->ams_key[i].mc = mc;
			mc->as_key[i].mc = mc;
			audit_lookup(mc->a, key_name(mc, &s->ams_sig), DNS_T_TXT, arc_key_cb,
			    &mc->ams_key[i]);
			audit_lookup(mc->a, key_name(mc, &s->seal), DNS_T_TXT, arc_key_cb,
			    &mc->as_key[i]);
		}
	}
	/* SPF: the client from --ip, or from the trusted relay's Received field */
	{
		struct ipaddr ip = opts->ip;
		bool have = opts->has_ip;
		const char *rhelo = NULL;

		if (!have && mc->o.trusted_relay) {
			have = relay_client(mc, mc->o.trusted_relay, &ip, &rhelo);
			mc->relay_missing = !have;
		}
		if (mc->helo == NULL && rhelo)
			mc->helo = rhelo;
		if (have) {
			struct spf_request req;

			mc->client_known = true;
			ipaddr_format(&ip, mc->client);
			memset(&req, 0, sizeof(req));
			req.ip = ip;
			req.sender = mc->mail_from ? mc->mail_from : "";
			req.helo = mc->helo;
			req.receiver = mc->o.authserv_id;
			req.owner = mc;
			req.now = opts->now;
			if (mc->mail_from && *mc->mail_from && strchr(mc->mail_from, '@')) {
				mc->spf_ident = "mailfrom";
				mc->spf_domain = domain_of_addr(mc, mc->mail_from);
			} else if (mc->helo) {
				mc->spf_ident = "helo";
				mc->spf_domain = str_lower(arena_strdup(msg_arena(mc), mc->helo));
			}
			mc->spf_ran = true;
			mc->spf_result = "temperror";
			audit_hold(mc->a);
			mc->spf = spf_eval_start(mc->res, &req, spf_done, mc);
			auth_discover(mc, mc->spf_domain);
		}
	}
	/* DMARC discovery */
	for (size_t k = 0; k < mc->nfd; k++)
		mc->fd[k].disc = dmarc_discover(mc->a, mc->fd[k].domain, disc_done, NULL);
	for (size_t i = 0; i < mc->ndkim; i++)
		if (mc->dkim[i].parse == MS_OK && mc->dkim[i].checked)
			auth_discover(mc, mc->dkim[i].sig.d);
	audit_release(mc->a);
	return mc;
}

/* arc_verify_ams - verify the AMS of instance i with its fetched key */
static bool
arc_verify_ams(struct msg_check *mc, unsigned i, const char **why)
{
	struct arc_set *s = &mc->arc->sets[i];
	EVP_PKEY *key = NULL;
	int bits = 0;
	bool testing = false, ok = false;
	const char *result = NULL;
	uint64_t cl = 0;

	*why = NULL;
	if (mc->ams_key[i].ans == NULL) {
		*why = "the key lookup did not complete";
		return false;
	}
	if (s->ams_sig.alg == DKIM_A_RSA_SHA1) {
		*why = "rsa-sha1 (RFC 8301)";
		return false;
	}
	if (!judge_key(mc, &s->ams_sig, mc->ams_key[i].ans, true, &key, &bits, &testing, &result,
	    why))
		return false;
	result = verify_sig(mc, &s->ams_sig, (size_t)s->ams, key, &cl, why);
	ok = strcmp(result, "pass") == 0;
	EVP_PKEY_free(key);
	return ok;
}

/* arc_verify_seal - verify the ARC-Seal of instance i */
static bool
arc_verify_seal(struct msg_check *mc, unsigned i, const char **why)
{
	struct arc_set *s = &mc->arc->sets[i];
	EVP_PKEY *key = NULL;
	int bits = 0;
	bool testing = false, ok = false;
	const char *result = NULL;
	struct buf in;

	*why = NULL;
	if (mc->as_key[i].ans == NULL) {
		*why = "the key lookup did not complete";
		return false;
	}
	if (s->seal.alg == DKIM_A_RSA_SHA1) {
		*why = "rsa-sha1 (RFC 8301)";
		return false;
	}
	if (!judge_key(mc, &s->seal, mc->as_key[i].ans, true, &key, &bits, &testing, &result, why))
		return false;
	buf_init(&in, 4u * 1024 * 1024);
	if (arc_seal_input(&mc->msg, mc->arc, i, &in) == MS_OK)
		ok = dkim_verify_sig(key, s->seal.alg, in.data, in.len, s->seal.b, s->seal.blen);
	if (!ok)
		*why = "the seal does not verify";
	buf_free(&in);
	EVP_PKEY_free(key);
	return ok;
}

/* arc_finish - RFC 8617 §5.2: the chain validation status */
static void
arc_finish(struct msg_check *mc)
{
	struct arc_chain *c = mc->arc;
	const char *why = NULL;

	if (c->state == ARC_STATE_NONE) {
		mc->arc_result = "none";
		return;
	}
	mc->arc_result = "fail";
	if (c->state == ARC_STATE_FAIL) {
		mc->arc_why = c->why;
		return;
	}
	for (unsigned i = 1; i <= c->n; i++)
		if (mc->ams_key[i].ans && dns_answer_failed_status(mc->ams_key[i].ans->status)) {
			mc->arc_result = "temperror";
			mc->arc_why = "an ARC key lookup failed";
		}
	if (!arc_verify_ams(mc, c->n, &why)) {
		if (strcmp(mc->arc_result, "temperror") != 0)
			mc->arc_why = arena_printf(msg_arena(mc), "the most recent ARC-Message-Signature "
			    "(i=%u) does not validate: %s", c->n, why ? why : "");
		return;
	}
	for (unsigned i = c->n; i >= 1; i--)
		if (!arc_verify_seal(mc, i, &why)) {
			if (mc->as_key[i].ans && dns_answer_failed_status(mc->as_key[i].ans->status))
				mc->arc_result = "temperror";
			mc->arc_why = arena_printf(msg_arena(mc), "the ARC-Seal of i=%u does not validate: "
			    "%s", i, why ? why : "");
			return;
		}
	mc->arc_result = "pass";
	mc->arc_why = NULL;
	mc->arc_oldest_pass = c->n;
	/* oldest-pass (RFC 8617 §5.2, informational): at most ARC_OLDEST_MAX more AMS verified */
	for (unsigned i = c->n - 1, k = 0; i >= 1 && k < ARC_OLDEST_MAX; i--, k++) {
		if (!arc_verify_ams(mc, i, &why))
			break;
		mc->arc_oldest_pass = i;
	}
}

/* dmarc_rank - how bad a DMARC verdict is (fail worst) */
static int
dmarc_rank(const char *r)
{
	if (strcmp(r, "fail") == 0)
		return 4;
	if (strcmp(r, "permerror") == 0)
		return 3;
	if (strcmp(r, "temperror") == 0)
		return 2;
	if (strcmp(r, "none") == 0)
		return 1;
	return 0;
}

/*
 * broken_record - a verdict reached with a record that has a syntax error
 * is a permerror (RFC 7489 §11.2: "encountering a syntactically incorrect
 * DMARC record"); the policy found stays in e for the report
 */
static void
broken_record(struct msg_check *mc, const struct from_domain *f, struct dmarc_eval *e,
    enum dmarc_rules rules)
{
	const struct dmarc_method *m = dmarc_method_get(f->disc, rules);

	if (e->result == NULL || (strcmp(e->result, "pass") != 0 && strcmp(e->result, "fail") != 0))
		return;
	if (m == NULL || m->policy == NULL || m->policy->record == NULL ||
	    dmarc_record_valid(m->policy->record, rules))
		return;
	e->result = "permerror";
	e->why = arena_printf(msg_arena(mc), "the DMARC record at _dmarc.%s has a syntax error: \"%s\"",
	    m->policy_domain ? m->policy_domain : f->domain, m->policy->text);
}

/* dmarc_finish - evaluate DMARC for every From domain (RFC 7489 §6.6.1, RFC 9989 §4.8) */
static void
dmarc_finish(struct msg_check *mc)
{
	struct dmarc_auth spf[1], dkim[MSG_DKIM_MAX];
	size_t nspf = 0, ndkim = 0;
	bool use7489 = mc->o.dmarc_rules == 1;	/* DMARC_RULES_7489 */
	int worst = -1;

	if (mc->nfrom_fields == 0) {
		mc->dmarc_result = "permerror";
		mc->dmarc_why = "the message has no From field";
		return;
	}
	if (mc->nfd == 0 || mc->from_st != MS_OK) {
		mc->dmarc_result = "permerror";
		mc->dmarc_why = arena_printf(msg_arena(mc), "no From domain can be read: %s",
		    mc->from.why ? mc->from.why : "no address");
		if (mc->nfd == 0)
			return;
	}
	if (mc->spf_ran && mc->spf_domain) {
		spf[0].domain = mc->spf_domain;
		spf[0].result = mc->spf_result;
		spf[0].org9989 = org9989(mc, mc->spf_domain);
		nspf = 1;
	}
	for (size_t i = 0; i < mc->ndkim && ndkim < MSG_DKIM_MAX; i++) {
		const struct msg_dkim *d = &mc->dkim[i];

		if (d->parse != MS_OK || !d->checked)
			continue;
		dkim[ndkim].domain = d->sig.d;
		dkim[ndkim].result = d->result;
		dkim[ndkim].org9989 = org9989(mc, d->sig.d);
		ndkim++;
	}
	for (size_t k = 0; k < mc->nfd; k++) {
		struct from_domain *f = &mc->fd[k];
		const struct dmarc_eval *e;
		int r;

		dmarc_evaluate(msg_arena(mc), mc->a->psl, f->disc, DMARC_RULES_7489, spf, nspf, dkim, ndkim, &f->e7);
		dmarc_evaluate(msg_arena(mc), mc->a->psl, f->disc, DMARC_RULES_9989, spf, nspf, dkim, ndkim, &f->e9);
		broken_record(mc, f, &f->e7, DMARC_RULES_7489);
		broken_record(mc, f, &f->e9, DMARC_RULES_9989);
		e = use7489 ? &f->e7 : &f->e9;
		r = dmarc_rank(e->result) * 8 + (int)e->policy;
		if (r > worst) {
			worst = r;
			mc->dmarc_fd = k;
		}
	}
	if (mc->dmarc_result == NULL) {
		const struct from_domain *f = &mc->fd[mc->dmarc_fd];
		const struct dmarc_eval *e = use7489 ? &f->e7 : &f->e9;

		mc->dmarc_result = e->result;
		mc->dmarc_why = e->why;
		mc->dmarc_from = f->domain;
	}
}

/* finish - every lookup is in: ARC, DMARC, findings, the AR field; then done */
static void
finish(struct audit *a, void *arg)
{
	struct msg_check *mc = arg;

	(void)a;
	arc_finish(mc);
	dmarc_finish(mc);
	msg_write_findings(mc);
	msg_write_ar(mc);
	mc->done(mc, mc->arg);
}

/* msg_check_free - see msg_eval.h */
void
msg_check_free(struct msg_check *mc)
{
	if (mc == NULL)
		return;
	if (mc->spf)
		spf_eval_free(mc->spf);
	for (size_t i = 0; i < mc->ndkim; i++)
		dkim_sig_free(&mc->dkim[i].sig);
	free(mc->dkim);
	for (unsigned i = 0; i <= ARC_MAX; i++) {
		if (mc->ams_key[i].ans)
			dns_answer_unref(mc->ams_key[i].ans);
		if (mc->as_key[i].ans)
			dns_answer_unref(mc->as_key[i].ans);
	}
	if (mc->arc)
		arc_chain_free(mc->arc);
	free(mc->arc);
	audit_free(mc->a);
	findings_free(&mc->findings);
	free(mc->ar);
	for (int c = 0; c < 2; c++)
		if (mc->canon_done[c])
			buf_free(&mc->canon[c]);
	msg_free(&mc->msg);
	free(mc->data);
	free(mc);
}
