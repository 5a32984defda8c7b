/* src/checks/spf/spf_lint.c - judging one SPF record's text (RFC 7208 §4-§6, §11): pure */
#include "checks/spf/spf_lint.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define EVIDENCE_MAX	4096

const char *
spf_caret(struct arena *ar, const char *text, size_t len, size_t off, size_t n)
{
	struct buf b;
	const char *out;
	char *shown = str_printable(text, len);

	buf_init(&b, EVIDENCE_MAX);
	buf_addf(&b, "\"%s\"\n ", shown);
	/* Bytes shown as \xHH take four columns. */
	for (size_t i = 0; i < off && i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		buf_adds(&b, (c < 0x20 || c > 0x7e) ? "    " : " ");
	}
	if (n == 0)
		n = 1;
	for (size_t i = 0; i < n && i < 80; i++)
		buf_addc(&b, '^');
	out = arena_buf_text(ar, &b);	/* evidence past EVIDENCE_MAX says it was cut */
	buf_free(&b);
	free(shown);
	return out;
}

bool
spf_is_sender_id(const char *text, size_t len)
{
	return len >= 7 && str_ncasecmp(text, "spf2.0/", 7) == 0;
}

/*
 * suggest - the term as it was probably meant, for an unknown mechanism or a
 * mechanism written as a modifier; NULL if nothing plausible.
 */
static const char *
suggest(struct arena *ar, const char *term, size_t n)
{
	static const char *const names[] = { "include", "exists", "redirect", "all", "ip4",
	    "ip6", "ptr" };
	size_t q = (term[0] == '+' || term[0] == '-' || term[0] == '~' || term[0] == '?'), nl;
	const char *name = term + q, *rest;

	nl = 0;
	while (q + nl < n && term[q + nl] != ':' && term[q + nl] != '=' && term[q + nl] != '/')
		nl++;
	rest = name + nl;
	if ((nl == 2 && str_ncasecmp(name, "ip", 2) == 0) ||
	    (nl == 4 && str_ncasecmp(name, "ipv4", 4) == 0) ||
	    (nl == 4 && str_ncasecmp(name, "ipv6", 4) == 0)) {
		size_t colons = 0;
		bool v6;

		for (size_t k = 0; k < n - q - nl; k++)
			colons += rest[k] == ':';
		v6 = colons >= 2;	/* "ip:" plus the colons of an IPv6 address */

		if (nl == 4)
			v6 = name[3] == '6';
		return arena_printf(ar, "%.*sip%c%.*s", (int)q, term, v6 ? '6' : '4',
		    (int)(n - q - nl), rest);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t ln = strlen(names[i]);
		bool modifier = strcmp(names[i], "redirect") == 0;
		int dist = str_edit_distance(name, nl, names[i], ln);

		if (ln < 4 && dist > 0)
			continue;
		if (dist <= (ln >= 6 ? 2 : 1)) {
			const char *arg = rest;
			size_t alen = n - q - nl;

			if (alen > 0 && (arg[0] == ':' || arg[0] == '=')) {
				arg++;
				alen--;
			}
			if (dist == 0 && ((modifier && rest[0] == '=') ||
			    (!modifier && rest[0] == ':')))
				return NULL;	/* not a typo of this one */
			return arena_printf(ar, "%.*s%s%s%.*s", modifier ? 0 : (int)q, term,
			    names[i], modifier ? "=" : (alen ? ":" : ""), (int)alen, arg);
		}
	}
	return NULL;
}

/* replace_term - text with [off, off+n) replaced by repl (arena) */
static const char *
replace_term(struct arena *ar, const char *text, size_t len, size_t off, size_t n,
    const char *repl)
{
	return arena_printf(ar, "%.*s%s%.*s", (int)off, text, repl, (int)(len - off - n),
	    text + off + n);
}

/* qual_rank - strictness of a qualifier: '-' 0, '~' 1, '?' 2, '+' 3 */
static int
qual_rank(char q)
{
	return q == '-' ? 0 : q == '~' ? 1 : q == '?' ? 2 : 3;
}

/* add - a finding with a fixed message */
static struct finding *
add(struct finding_list *l, enum finding_id id, const char *subject, const char *msg)
{
	return findings_add(l, id, subject, "%s", msg);
}

struct spf_record *
spf_lint_record(struct finding_list *l, struct arena *ar, const char *owner, const char *text,
    size_t len, const struct spf_lint_opts *o, struct spf_error *errout)
{
	struct spf_record *r = NULL;
	struct spf_error err;
	struct finding *f;
	const char *shown = arena_strdup(ar, "");
	const struct spf_term *all = NULL;
	bool ptr_seen = false, after_all = false;
	const char *weakest;
	char *pr;

	/* From here on text is NUL-terminated (it may come from a length-bounded buffer). */
	{
		char *copy = arena_alloc(ar, len + 1);

		memcpy(copy, text, len);
		text = copy;
	}
	pr = str_printable(text, len);
	shown = arena_printf(ar, "%s. IN TXT \"%s\"", owner, pr);
	free(pr);
	if (o->one_string && len > 255) {
		f = findings_add(l, F_SPF_RECORD_LONG_STRING, owner,
		    "the record is %zu bytes: a TXT string holds at most 255", len);
		finding_set_evidence(f, shown);
		finding_set_advice(f, "%s. 3600 IN TXT \"%.*s\" \"%.*s\"", owner, 250, text,
		    (int)(len - 250 > 250 ? 250 : len - 250), text + 250);
	}
	if (xnomem(spf_parse(text, len, ar, &r, &err)) != MS_OK) {
		const char *sug = NULL;

		if (errout)
			*errout = err;
		f = findings_add(l, F_SPF_SYNTAX, owner, "syntax error at byte %zu: %s", err.off,
		    err.msg);
		finding_set_evidence(f, spf_caret(ar, text, len, err.off, err.len));
		if (err.code == SPF_E_UNKNOWN_MECH || err.code == SPF_E_MECH_SYNTAX) {
			/* Find the term around the error and see if it is a typo. */
			size_t s = err.off, e = err.off;

			while (s > 0 && text[s - 1] != ' ')
				s--;
			while (e < len && text[e] != ' ')
				e++;
			sug = suggest(ar, text + s, e - s);
			if (sug) {
				const char *fixed = replace_term(ar, text, len, s, e - s, sug);

				f = findings_add(l, F_SPF_TYPO, owner, "\"%.*s\" looks like a typing "
				    "mistake for \"%s\"", (int)(e - s), text + s, sug);
				finding_set_evidence(f, shown);
				finding_set_advice(f, "%s. 3600 IN TXT \"%s\"", owner, fixed);
			}
		}
		return NULL;
	}
	if (errout)
		memset(errout, 0, sizeof(*errout));

	for (size_t i = 0; i < r->nterms; i++) {
		const struct spf_term *t = &r->terms[i];

		if (t->kind == SPF_T_MODIFIER) {
			/* include=, exists=, ip4= ...: a mechanism written as a modifier. */
			const char *sug = suggest(ar, t->text, t->len);

			if (sug && !str_caseeq(t->name, "redirect") && !str_caseeq(t->name, "exp")) {
				f = findings_add(l, F_SPF_TYPO, owner, "\"%s\" is an unknown modifier, "
				    "ignored by receivers; probably meant \"%s\"", t->text, sug);
				finding_set_evidence(f, spf_caret(ar, text, len, t->off, t->len));
				finding_set_advice(f, "%s. 3600 IN TXT \"%s\"", owner,
				    replace_term(ar, text, len, t->off, t->len, sug));
			}
			continue;
		}
		if (t->kind != SPF_T_MECH)
			continue;
		if (after_all) {
			f = findings_add(l, F_SPF_ALL_NOT_LAST, owner,
			    "\"%s\" comes after \"%s\" and is never evaluated", t->text, all->text);
			finding_set_evidence(f, spf_caret(ar, text, len, t->off, t->len));
			after_all = false;	/* once */
		}
		if (t->mech == SPF_M_ALL && all == NULL) {
			all = t;
			after_all = true;
		}
		if (t->mech == SPF_M_PTR && !ptr_seen) {
			ptr_seen = true;
			f = add(l, F_SPF_PTR, owner, "the record uses the deprecated ptr mechanism");
			finding_set_evidence(f, spf_caret(ar, text, len, t->off, t->len));
		}
		if (t->mech == SPF_M_IP4 || t->mech == SPF_M_IP6) {
			int max = t->mech == SPF_M_IP4 ? 32 : 128;
			int c = t->mech == SPF_M_IP4 ? t->cidr4 : t->cidr6;
			unsigned prefix = c < 0 ? (unsigned)max : (unsigned)c;

			if (ipaddr_host_bits_set(&t->ip, prefix)) {
				f = findings_add(l, F_SPF_CIDR_HOST_BITS, owner, "%s has bits set after "
				    "the /%u prefix: it authorises the whole network", t->text, prefix);
				finding_set_evidence(f, spf_caret(ar, text, len, t->off, t->len));
			}
			if (prefix == 0 && t->qual == '+') {
				f = findings_add(l, F_SPF_ALL_PASS, owner, "\"%s\" lets every %s host "
				    "pass SPF as %s, like +all", t->text,
				    t->mech == SPF_M_IP4 ? "IPv4" : "IPv6", owner);
				finding_set_evidence(f, spf_caret(ar, text, len, t->off, t->len));
				/* Drop the term and one space beside it. */
				finding_set_advice(f, "%s. 3600 IN TXT \"%s\"", owner,
				    t->off + t->len < len ?
				    replace_term(ar, text, len, t->off, t->len + 1, "") :
				    replace_term(ar, text, len, t->off - 1, t->len + 1, ""));
			} else if ((t->mech == SPF_M_IP4 && prefix < 16) ||
			    (t->mech == SPF_M_IP6 && prefix < 32)) {
				f = findings_add(l, F_SPF_NETWORK_HUGE, owner, "%s authorises a very "
				    "large range", t->text);
				finding_set_evidence(f, spf_caret(ar, text, len, t->off, t->len));
			}
			for (size_t k = 0; k < i; k++) {
				const struct spf_term *u = &r->terms[k];
				int cu;
				unsigned pu;

				if (u->kind != SPF_T_MECH || u->mech != t->mech)
					continue;
				cu = u->mech == SPF_M_IP4 ? u->cidr4 : u->cidr6;
				pu = cu < 0 ? (unsigned)max : (unsigned)cu;
				if ((pu <= prefix && ipaddr_in_net(&t->ip, &u->ip, pu)) ||
				    (prefix <= pu && ipaddr_in_net(&u->ip, &t->ip, prefix))) {
					f = findings_add(l, F_SPF_NETWORK_OVERLAP, owner,
					    "%s and %s overlap", u->text, t->text);
					finding_set_evidence(f, spf_caret(ar, text, len, t->off, t->len));
					break;
				}
			}
		}
	}
	weakest = o->profile ? profile_str(o->profile, "spf.weakest_all", "~all") : "~all";
	/* Only "-all", "~all", "?all" and "+all" mean something; anything else is the default. */
	if (!(weakest[0] == '-' || weakest[0] == '~' || weakest[0] == '?' || weakest[0] == '+') ||
	    !str_caseeq(weakest + 1, "all"))
		weakest = "~all";
	if (all) {
		char q = all->qual;

		if (q == '+') {
			f = findings_add(l, F_SPF_ALL_PASS, owner, "\"%s\" lets every host on the "
			    "Internet pass SPF as %s", all->text, owner);
			finding_set_evidence(f, shown);
			finding_set_advice(f, "%s. 3600 IN TXT \"%s\"", owner,
			    replace_term(ar, text, len, all->off, all->len, "-all"));
		} else if (qual_rank(q) > qual_rank(weakest[0])) {
			f = findings_add(l, F_SPF_ALL_WEAK, owner, "\"%s\" is weaker than the "
			    "profile's %s", all->text, weakest);
			finding_set_evidence(f, shown);
			finding_set_advice(f, "%s. 3600 IN TXT \"%s\"", owner,
			    replace_term(ar, text, len, all->off, all->len, weakest));
			if (o->profile)
				finding_set_profile(f, o->profile->name);
		} else {
			findings_add(l, F_SPF_ALL_OK, owner, "the record ends in \"%s\"", all->text);
		}
		if (r->redirect) {
			f = findings_add(l, F_SPF_REDIRECT_WITH_ALL, owner, "\"%s\" is ignored: the "
			    "record has \"%s\"", r->redirect->text, all->text);
			finding_set_evidence(f, spf_caret(ar, text, len, r->redirect->off,
			    r->redirect->len));
		}
	} else if (r->redirect == NULL) {
		f = add(l, F_SPF_ALL_MISSING, owner, "the record has no \"all\" and no redirect=: "
		    "unlisted hosts get neutral");
		finding_set_evidence(f, shown);
		finding_set_advice(f, "%s. 3600 IN TXT \"%s %s\"", owner, text,
		    weakest[0] == '-' ? "-all" : weakest);
	}
	if (o->not_mail) {
		bool exact = r->nterms == 1 && r->terms[0].kind == SPF_T_MECH &&
		    r->terms[0].mech == SPF_M_ALL && r->terms[0].qual == '-';

		if (!exact) {
			f = add(l, F_SPF_NOT_MAIL_NOT_FAIL_ALL, owner, "the domain sends no mail, but "
			    "its SPF record is not \"v=spf1 -all\"");
			finding_set_evidence(f, shown);
			finding_set_advice(f, "%s. 3600 IN TXT \"v=spf1 -all\"", owner);
		}
	}
	return r;
}

/* strip_smart - text without typographic quotes (arena); *had says whether any were there */
static char *
strip_smart(struct arena *ar, const char *text, size_t len, bool *had)
{
	char *out = arena_alloc(ar, len + 1);
	size_t o = 0;

	*had = false;
	for (size_t i = 0; i < len; i++) {
		if (i + 2 < len && (unsigned char)text[i] == 0xe2 &&
		    (unsigned char)text[i + 1] == 0x80 &&
		    ((unsigned char)text[i + 2] == 0x9c || (unsigned char)text[i + 2] == 0x9d ||
		    (unsigned char)text[i + 2] == 0x98 || (unsigned char)text[i + 2] == 0x99)) {
			*had = true;
			i += 2;
			continue;
		}
		out[o++] = text[i];
	}
	out[o] = '\0';
	return str_trim(out);
}

bool
spf_lint_attempt(struct finding_list *l, struct arena *ar, const char *owner,
    const char *text, size_t len)
{
	bool smart;
	char *clean = strip_smart(ar, text, len, &smart), *p = clean, *pr;
	struct finding *f;

	pr = str_printable(text, len);
	if (smart && (str_has_prefix_case(clean, "v=spf") || str_has_prefix_case(clean, "\"v=spf"))) {
		if (*clean == '"')
			clean++;
		f = findings_add(l, F_SPF_SMART_QUOTES, owner, "the TXT record contains "
		    "typographic quotes copied from a document, so it is not an SPF record");
		finding_set_evidence(f, arena_printf(ar, "%s. IN TXT \"%s\"", owner, pr));
		finding_set_advice(f, "%s. 3600 IN TXT \"%s\"", owner, clean);
		free(pr);
		return true;
	}
	/* v=spf / v = spf1 / v:spf1 / spf1 ... but not v=spf1<space> (a record) nor spf2.0/. */
	if (spf_is_record(text, len) || spf_is_sender_id(text, len)) {
		free(pr);
		return false;
	}
	if (*p == 'v' || *p == 'V') {
		p++;
		while (*p == ' ')
			p++;
		if (*p != '=' && *p != ':') {
			free(pr);
			return false;
		}
		p++;
		while (*p == ' ')
			p++;
		if (str_ncasecmp(p, "spf", 3) != 0) {
			free(pr);
			return false;
		}
	} else if (str_ncasecmp(p, "spf1 ", 5) != 0) {
		free(pr);
		return false;
	}
	p += 3;
	while (*p == ' ')
		p++;
	if (*p == '1')
		p++;
	while (*p == ';' || *p == ',' || *p == ' ')
		p++;
	f = findings_add(l, F_SPF_TYPO, owner, "this TXT record looks like a mistyped SPF "
	    "record; receivers do not recognise it");
	finding_set_evidence(f, arena_printf(ar, "%s. IN TXT \"%s\"", owner, pr));
	finding_set_advice(f, "%s. 3600 IN TXT \"v=spf1 %s\"", owner, p);
	free(pr);
	return true;
}
