/* src/message/dkim_sig.c - DKIM-Signature, ARC-Message-Signature and ARC-Seal fields (RFC 6376 §3.5, RFC 8617 §4.1) */
#include "message/dkim_sig.h"

#include <stdlib.h>
#include <string.h>

#include "checks/dkim/dkim_key.h"
#include "util/str.h"
#include "util/tryalloc.h"
#include "util/xalloc.h"

/* dkim_alg_name - the a= token of an algorithm */
const char *
dkim_alg_name(enum dkim_alg a)
{
	switch (a) {
	case DKIM_A_RSA_SHA256: return "rsa-sha256";
	case DKIM_A_RSA_SHA1: return "rsa-sha1";
	case DKIM_A_ED25519_SHA256: return "ed25519-sha256";
	default: return "unknown";
	}
}

/* dkim_domain_ok - LDH (and '_') labels of 1..63, at least two labels, at most 253 */
bool
dkim_domain_ok(const char *d)
{
	size_t n = strlen(d), lab = 0, labels = 1;

	if (n == 0 || n > 253 || d[0] == '.' || d[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (lab == 0)
				return false;
			lab = 0;
			labels++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			return false;
		if (++lab > 63)
			return false;
	}
	return labels >= 2;
}

/* selector_ok - a selector: dot-separated labels of letters, digits, '-' and '_' (RFC 6376 §3.1) */
static bool
selector_ok(const char *s)
{
	size_t lab = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s == '.') {
			if (lab == 0)
				return false;
			lab = 0;
		} else if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
		    *s) == NULL || ++lab > 63) {
			return false;
		}
	}
	return lab > 0;
}

/*
 * The helpers below return false on a bad value, and also when memory runs
 * out: then they set *oom, and dkim_sig_parse returns MS_ERR_NOMEM.
 */

/* copy_value - the tag's value without FWS into dst[cap], lower-cased when lower; false if too long */
static bool
copy_value(const struct tag *t, char *dst, size_t cap, bool lower, bool *oom)
{
	size_t n = 0;
	char *v = tags_value_nows(t, &n);
	bool ok = v != NULL && n < cap;

	if (v == NULL)
		*oom = true;

	if (ok) {
		memcpy(dst, v, n + 1);
		if (lower)
			str_lower(dst);
	}
	free(v);
	return ok;
}

/* parse_u64 - a decimal tag value of at most 12 digits (RFC 6376 §3.5 t=, x=, l=: 12 digits max) */
static bool
parse_u64(const struct tag *t, uint64_t *out, bool *oom)
{
	size_t n = 0;
	char *v = tags_value_nows(t, &n);
	bool ok = v != NULL && n > 0 && n <= 12 && str_to_u64(v, n, UINT64_MAX, out) == MS_OK;

	if (v == NULL)
		*oom = true;

	free(v);
	return ok;
}

/* b64 - decode a base64 tag value (FWS skipped) into out[cap] */
static bool
b64(const struct tag *t, unsigned char *out, size_t cap, size_t *outlen, bool *oom)
{
	size_t n = 0, bad;
	char *v = tags_value_nows(t, &n);
	bool ok = false;

	if (v == NULL) {
		*oom = true;
		return false;
	}
	if (n > 0 && n / 4 * 3 + 3 <= cap)
		ok = dkim_base64_decode(v, n, out, outlen, &bad) == MS_OK && *outlen > 0;
	free(v);
	return ok;
}

/*
 * parse_h - the colon-separated h= list, lower-cased.  lenient (ARC
 * message signatures): empty names are skipped, as the ARC test suite and
 * its validators (dkimpy, mailauth) do, instead of failing the ABNF.
 */
static bool
parse_h(struct dkim_sig *s, const struct tag *t, bool lenient, bool *oom)
{
	size_t n;
	char *v = tags_value_nows(t, &n);
	char *p = v;
	bool ok = true;

	if (v == NULL) {
		*oom = true;
		return false;
	}

	for (;;) {
		char *c = strchr(p, ':');
		size_t l = c ? (size_t)(c - p) : strlen(p);

		if (l == 0 && !lenient) {
			ok = false;
			break;
		}
		if (l > 0) {
			if (s->nh == DKIM_H_MAX) {
				ok = false;
				break;
			}
			if ((s->h[s->nh] = ms_try_strndup(p, l)) == NULL) {
				*oom = true;
				ok = false;
				break;
			}
			str_lower(s->h[s->nh]);
			s->nh++;
		}
		if (!c)
			break;
		p = c + 1;
	}
	free(v);
	return ok;
}

/* dkim_sig_parse - see dkim_sig.h */
enum ms_status
dkim_sig_parse(enum dkim_kind k, const char *value, size_t len, unsigned flags,
    struct dkim_sig *out)
{
	struct tag_list *tl;
	const struct tag *t;
	enum ms_status st = MS_ERR_SYNTAX;
	char buf[64];
	bool need_h = k != DKIM_KIND_SEAL, oom = false;

	memset(out, 0, sizeof(*out));
	out->kind = k;
	if (len > DKIM_FIELD_MAX) {
		out->why = "the field is too long";
		return MS_ERR_LIMIT;
	}
	if ((tl = ms_try_malloc(sizeof(*tl))) == NULL) {
		out->why = ms_status_str(MS_ERR_NOMEM);
		return MS_ERR_NOMEM;
	}
	if ((st = tags_parse(value, len, tl)) != MS_OK) {
		out->why = tl->err;
		goto out;
	}
	st = MS_ERR_SYNTAX;
	out->ntags = tl->n;
	/* what the Authentication-Results want even of a broken field */
	if ((t = tags_get(tl, "d")) != NULL)
		(void)copy_value(t, out->d, sizeof(out->d), true, &oom);
	if ((t = tags_get(tl, "s")) != NULL)
		(void)copy_value(t, out->s, sizeof(out->s), false, &oom);
	if ((t = tags_get(tl, "b")) != NULL) {
		size_t i = 0;

		out->b_off = t->value_off;
		out->b_len = t->value_len;
		for (size_t j = 0; j < t->value_len && i < 8; j++)
			if (t->value[j] != ' ' && t->value[j] != '\t' && t->value[j] != '\r' &&
			    t->value[j] != '\n')
				out->b_prefix[i++] = t->value[j];
		out->b_prefix[i] = '\0';
	}
	if (k == DKIM_KIND_SIG) {
		if ((t = tags_get(tl, "v")) == NULL) {
			out->why = "no v= tag";
			goto out;
		}
		if (!copy_value(t, buf, sizeof(buf), false, &oom) || strcmp(buf, "1") != 0) {
			out->why = "v= is not 1";
			goto out;
		}
	} else {
		uint64_t i;

		if ((t = tags_get(tl, "i")) == NULL || !parse_u64(t, &i, &oom) || i < 1 || i > 50) {
			out->why = "i= is missing or not an instance number from 1 to 50";
			goto out;
		}
		out->instance = (unsigned)i;
	}
	if ((t = tags_get(tl, "a")) == NULL) {
		out->why = "no a= tag";
		goto out;
	}
	(void)copy_value(t, out->alg_name, sizeof(out->alg_name), true, &oom);
	if (strcmp(out->alg_name, "rsa-sha256") == 0)
		out->alg = DKIM_A_RSA_SHA256;
	else if (strcmp(out->alg_name, "rsa-sha1") == 0)
		out->alg = DKIM_A_RSA_SHA1;
	else if (strcmp(out->alg_name, "ed25519-sha256") == 0)
		out->alg = DKIM_A_ED25519_SHA256;
	else {
		out->why = "a= names an unknown algorithm";
		goto out;
	}
	if ((t = tags_get(tl, "b")) == NULL || !b64(t, out->b, sizeof(out->b), &out->blen, &oom)) {
		out->why = "b= is missing or not base64";
		goto out;
	}
	if (k != DKIM_KIND_SEAL) {
		if ((t = tags_get(tl, "bh")) == NULL ||
		    !b64(t, out->bh, sizeof(out->bh), &out->bhlen, &oom)) {
			out->why = "bh= is missing or not base64";
			goto out;
		}
		if (out->bhlen != (out->alg == DKIM_A_RSA_SHA1 ? 20u : 32u)) {
			out->why = "bh= is not as long as the hash a= names";
			goto out;
		}
	}
	if (tags_get(tl, "d") == NULL || !dkim_domain_ok(out->d)) {
		out->why = "d= is missing or not a domain name";
		goto out;
	}
	if (tags_get(tl, "s") == NULL || !selector_ok(out->s)) {
		out->why = "s= is missing or not a selector";
		goto out;
	}
	if (k == DKIM_KIND_SEAL) {
		if (tags_get(tl, "h") != NULL) {
			out->why = "an ARC-Seal carries h= (RFC 8617 §4.1.3)";
			goto out;
		}
		if ((t = tags_get(tl, "cv")) == NULL) {
			out->why = "no cv= tag";
			out->cv = ARC_CV_BAD;
			goto out;
		}
		if (!copy_value(t, buf, sizeof(buf), true, &oom))
			buf[0] = '\0';	/* too long (or no memory): not a cv= value */
		out->cv = strcmp(buf, "none") == 0 ? ARC_CV_NONE : strcmp(buf, "pass") == 0 ?
		    ARC_CV_PASS : strcmp(buf, "fail") == 0 ? ARC_CV_FAIL : ARC_CV_BAD;
	}
	if (need_h) {
		if ((t = tags_get(tl, "h")) == NULL || !parse_h(out, t, k == DKIM_KIND_AMS, &oom)) {
			out->why = "h= is missing, empty or too long";
			goto out;
		}
		{
			bool from = false;

			for (size_t i = 0; i < out->nh; i++)
				if (strcmp(out->h[i], "from") == 0)
					from = true;
			if (!from && k == DKIM_KIND_SIG) {
				out->why = "h= does not include From (RFC 6376 §5.4)";
				goto out;
			}
		}
		if ((t = tags_get(tl, "c")) != NULL) {
			char *sl;

			if (!copy_value(t, buf, sizeof(buf), true, &oom)) {
				out->why = "c= is not a canonicalisation";
				goto out;
			}
			sl = strchr(buf, '/');
			if (sl)
				*sl++ = '\0';
			if (strcmp(buf, "relaxed") == 0)
				out->hcanon = DKIM_C_RELAXED;
			else if (strcmp(buf, "simple") != 0) {
				out->why = "c= names an unknown header canonicalisation";
				goto out;
			}
			if (sl && strcmp(sl, "relaxed") == 0)
				out->bcanon = DKIM_C_RELAXED;
			else if (sl && strcmp(sl, "simple") != 0) {
				out->why = "c= names an unknown body canonicalisation";
				goto out;
			}
		}
		if ((t = tags_get(tl, "l")) != NULL) {
			if (!parse_u64(t, &out->l, &oom)) {
				out->why = "l= is not a number";
				goto out;
			}
			out->has_l = true;
		}
		if ((t = tags_get(tl, "q")) != NULL) {
			char *q = tags_value_nows(t, NULL);
			bool ok = false;

			if (q == NULL) {
				oom = true;
				goto out;
			}

			for (char *p = q; p && *p;) {
				char *c = strchr(p, ':');

				if (c)
					*c = '\0';
				if (str_caseeq(p, "dns/txt"))
					ok = true;
				p = c ? c + 1 : NULL;
			}
			free(q);
			if (!ok) {
				out->why = "q= does not offer dns/txt";
				goto out;
			}
		}
	}
	if ((t = tags_get(tl, "t")) != NULL) {
		uint64_t v;

		if (!parse_u64(t, &v, &oom)) {
			out->why = "t= is not a number";
			goto out;
		}
		out->has_t = true;
		out->t = (int64_t)v;
	}
	if ((t = tags_get(tl, "x")) != NULL) {
		uint64_t v;

		if (!parse_u64(t, &v, &oom)) {
			out->why = "x= is not a number";
			goto out;
		}
		out->has_x = true;
		out->x = (int64_t)v;
		if (out->has_t && out->x < out->t) {
			out->why = "x= is before t= (RFC 6376 §3.5)";
			goto out;
		}
	}
	if (k == DKIM_KIND_SIG) {
		if ((t = tags_get(tl, "i")) != NULL) {
			const char *at;
			size_t dl = strlen(out->d), al;

			if (!copy_value(t, out->auid, sizeof(out->auid), false, &oom) ||
			    (at = strrchr(out->auid, '@')) == NULL) {
				out->why = "i= is not an identity (local-part@domain)";
				goto out;
			}
			if (flags & DKIM_SIG_ASCII)
				for (const char *q = out->auid; *q; q++)
					if ((unsigned char)*q >= 0x80) {
						out->why = "UTF-8 in i= of a message without SMTPUTF8 "
						    "(RFC 8616 §4)";
						goto out;
					}
			at++;
			al = strlen(at);
			if (!(al == dl && str_caseeq(at, out->d)) &&
			    !(al > dl && at[al - dl - 1] == '.' && str_caseeq(at + al - dl, out->d))) {
				out->why = "the i= domain is not d= or below it (RFC 6376 §3.5)";
				goto out;
			}
		} else {
			out->auid[0] = '@';
			memcpy(out->auid + 1, out->d, strlen(out->d) + 1);
		}
	}
	st = MS_OK;
out:
	if (oom) {
		out->why = ms_status_str(MS_ERR_NOMEM);
		st = MS_ERR_NOMEM;
	}
	free(tl);
	return st;
}

/* dkim_sig_free - see dkim_sig.h */
void
dkim_sig_free(struct dkim_sig *s)
{
	for (size_t i = 0; i < s->nh; i++)
		free(s->h[i]);
	s->nh = 0;
}
