/* src/checks/dkim/dkim_key.c - DKIM key record grammar (RFC 6376 §3.2, §3.6.1; RFC 8463) */
#include "checks/dkim/dkim_key.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define TAGS_MAX	64
#define KEY_BYTES_MAX	(DKIM_RECORD_MAX * 3 / 4 + 4)

struct tag {
	size_t name, namelen;	/* offsets into the record */
	size_t val, vallen;
};

static const char *const problem_names[DKIM_P__COUNT] = {
	[DKIM_P_SYNTAX] = "syntax",
	[DKIM_P_COMMA_TYPO] = "comma-typo",
	[DKIM_P_DUP_TAG] = "duplicate-tag",
	[DKIM_P_VERSION] = "version",
	[DKIM_P_VERSION_NOT_FIRST] = "version-not-first",
	[DKIM_P_NO_KEY] = "no-key",
	[DKIM_P_BASE64] = "base64",
	[DKIM_P_BAD_KEY] = "bad-key",
	[DKIM_P_ALG_UNKNOWN] = "algorithm-unknown",
	[DKIM_P_HASH_NONE] = "hash-none",
	[DKIM_P_SERVICE] = "service",
	[DKIM_P_TRAILING_WSP] = "trailing-space",
	[DKIM_P_UNKNOWN_TAG] = "unknown-tag",
};

const char *
dkim_problem_name(enum dkim_problem_code c)
{
	return (unsigned)c < DKIM_P__COUNT ? problem_names[c] : "?";
}

bool
dkim_key_has_error(const struct dkim_key *k)
{
	for (size_t i = 0; i < k->nproblems; i++)
		if (k->problems[i].code != DKIM_P_TRAILING_WSP &&
		    k->problems[i].code != DKIM_P_UNKNOWN_TAG)
			return true;
	return false;
}

static bool
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_alnum_(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/* b64val - value of a base64 character, or -1 */
static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

enum ms_status
dkim_base64_decode(const char *in, size_t len, unsigned char *out, size_t *outlen,
    size_t *bad_at)
{
	unsigned acc = 0;
	int nbits = 0, quad = 0, pad = 0;
	size_t o = 0;

	*bad_at = 0;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i], v;

		if (is_wsp(c))
			continue;
		if (c == '=') {
			/* Padding fills the third and fourth, or only the fourth, place. */
			if ((pad == 0 && quad % 4 < 2) || (pad > 0 && quad % 4 != 3)) {
				*bad_at = i;
				return MS_ERR_SYNTAX;
			}
			pad++;
			quad++;
			continue;
		}
		if (pad) {	/* data after padding */
			*bad_at = i;
			return MS_ERR_SYNTAX;
		}
		if ((v = b64val(c)) < 0) {
			*bad_at = i;
			return MS_ERR_SYNTAX;
		}
		acc = (acc << 6) | (unsigned)v;
		nbits += 6;
		quad++;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (unsigned char)(acc >> nbits);
			acc &= (1u << nbits) - 1;
		}
	}
	/* The last group: complete (with padding) or an unpadded 2 or 3 characters. */
	if (quad % 4 == 1 || (pad && quad % 4 != 0)) {
		*bad_at = len;
		return MS_ERR_SYNTAX;
	}
	*outlen = o;
	return MS_OK;
}

/* val_eq - whether tag value equals s exactly (case-sensitive) */
static bool
val_eq(const char *t, const struct tag *g, const char *s)
{
	return g->vallen == strlen(s) && memcmp(t + g->val, s, g->vallen) == 0;
}

static bool
name_eq(const char *t, const struct tag *g, const char *s)
{
	return g->namelen == strlen(s) && memcmp(t + g->name, s, g->namelen) == 0;
}

/*
 * each_item - split a colon-separated value (FWS allowed around ':') and
 * call fn for every item; an empty item is reported as a syntax problem.
 */
static void
each_item(struct dkim_key *k, const char *t, const struct tag *g, const char *tagname,
    void (*fn)(struct dkim_key *k, const char *s, size_t n, size_t off))
{
	size_t i = g->val, end = g->val + g->vallen;

	while (i <= end) {
		size_t s = i, e;

		while (i < end && t[i] != ':')
			i++;
		e = i;
		while (s < e && is_wsp((unsigned char)t[s]))
			s++;
		while (e > s && is_wsp((unsigned char)t[e - 1]))
			e--;
		if (e == s)
			PROBLEM_ADD(k, DKIM_P_SYNTAX, s, "empty item in the %s= list", tagname);
		else
			fn(k, t + s, e - s, s);
		i++;	/* past ':' (or end) */
	}
}

static void
hash_item(struct dkim_key *k, const char *s, size_t n, size_t off)
{
	(void)off;
	if (n == 4 && memcmp(s, "sha1", 4) == 0)
		k->h_sha1 = true;
	else if (n == 6 && memcmp(s, "sha256", 6) == 0)
		k->h_sha256 = true;
}

static void
service_item(struct dkim_key *k, const char *s, size_t n, size_t off)
{
	(void)off;
	if ((n == 5 && memcmp(s, "email", 5) == 0) || (n == 1 && *s == '*'))
		k->s_email = true;
}

static void
flag_item(struct dkim_key *k, const char *s, size_t n, size_t off)
{
	(void)off;
	if (n == 1 && *s == 'y')
		k->testing = true;
	else if (n == 1 && *s == 's')
		k->strict = true;
}

/* decode_rsa - p= for k=rsa: SubjectPublicKeyInfo (RFC 6376 §3.6.1), or bare PKCS#1 */
static void
decode_rsa(struct dkim_key *k, const unsigned char *der, size_t n, size_t off)
{
	const unsigned char *p = der;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)n);

	if (pk && p != der + n) {
		PROBLEM_ADD(k, DKIM_P_BAD_KEY, off, "p= has %zu bytes after the public key",
		    (size_t)(der + n - p));
		goto out;
	}
	if (pk == NULL) {
		p = der;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)n);
		if (pk && p == der + n) {
			k->pkcs1 = true;
		} else {
			EVP_PKEY_free(pk);
			pk = NULL;
			PROBLEM_ADD(k, DKIM_P_BAD_KEY, off,
			    "p= is valid base64 but not an RSA public key (%zu bytes)", n);
			goto out;
		}
	}
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		PROBLEM_ADD(k, DKIM_P_BAD_KEY, off, "p= holds a %s key but k=%s says RSA",
		    EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519 ? "Ed25519" : "non-RSA",
		    k->k);
		goto out;
	}
	k->type = DKIM_KEY_RSA;
	k->bits = EVP_PKEY_get_bits(pk);
out:
	EVP_PKEY_free(pk);
	ERR_clear_error();
}

/* decode_ed25519 - p= for k=ed25519: the raw 32-byte key (RFC 8463 §4.2) */
static void
decode_ed25519(struct dkim_key *k, const unsigned char *der, size_t n, size_t off)
{
	EVP_PKEY *pk = NULL;

	if (n != 32) {
		const unsigned char *p = der;

		pk = d2i_PUBKEY(NULL, &p, (long)n);
		if (pk && EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519)
			PROBLEM_ADD(k, DKIM_P_BAD_KEY, off, "p= holds an Ed25519 key in "
			    "SubjectPublicKeyInfo form; RFC 8463 wants the bare 32-byte key");
		else
			PROBLEM_ADD(k, DKIM_P_BAD_KEY, off, "an Ed25519 key is 32 bytes; p= has %zu", n);
		goto out;
	}
	pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, n);
	if (pk == NULL) {
		PROBLEM_ADD(k, DKIM_P_BAD_KEY, off, "p= is not a valid Ed25519 public key");
		goto out;
	}
	k->type = DKIM_KEY_ED25519;
	k->bits = 256;
out:
	EVP_PKEY_free(pk);
	ERR_clear_error();
}

/* decode_key - the p= value: base64, then the key of type k= */
static void
decode_key(struct dkim_key *k, const char *t, const struct tag *g, bool alg_known)
{
	unsigned char buf[KEY_BYTES_MAX];
	size_t n = 0, bad;
	bool any = false;

	for (size_t i = 0; i < g->vallen; i++)
		if (!is_wsp((unsigned char)t[g->val + i]))
			any = true;
	if (!any) {
		k->revoked = true;
		return;
	}
	if (dkim_base64_decode(t + g->val, g->vallen, buf, &n, &bad) != MS_OK) {
		size_t at = g->val + bad;

		if (bad < g->vallen)
			PROBLEM_ADD(k, DKIM_P_BASE64, at, "p= is not valid base64: '%c' at offset %zu",
			    t[at] >= 0x21 && t[at] < 0x7f ? t[at] : '?', at);
		else
			PROBLEM_ADD(k, DKIM_P_BASE64, at,
			    "p= is not valid base64: it ends in the middle of a group");
		return;
	}
	if (!alg_known)
		return;
	if (strcmp(k->k, "ed25519") == 0)
		decode_ed25519(k, buf, n, g->val);
	else
		decode_rsa(k, buf, n, g->val);
}

/* comma_typo - "v=DKIM1, k-rsa, p=..." or "v=DKIM1, k=rsa, ...": a list written with ',' */
static bool
comma_typo(const char *t, const struct tag *g)
{
	return g->vallen > 5 && memcmp(t + g->val, "DKIM1", 5) == 0 &&
	    (t[g->val + 5] == ',' || is_wsp((unsigned char)t[g->val + 5]));
}

enum ms_status
dkim_key_parse(const char *t, size_t len, struct dkim_key *k)
{
	struct tag tags[TAGS_MAX];
	size_t ntags = 0, pos = 0;
	const struct tag *v = NULL, *p = NULL, *kt = NULL, *h = NULL, *s = NULL, *fl = NULL;
	bool alg_known = true;

	if (t == NULL || k == NULL)
		return MS_ERR_ARG;
	memset(k, 0, sizeof(*k));
	memcpy(k->k, "rsa", 4);
	k->h_sha1 = k->h_sha256 = true;
	k->s_email = true;
	if (len > DKIM_RECORD_MAX) {
		PROBLEM_ADD(k, DKIM_P_SYNTAX, DKIM_RECORD_MAX, "record is longer than %d bytes",
		    DKIM_RECORD_MAX);
		return MS_OK;
	}

	/* Tag list (RFC 6376 §3.2). */
	for (;;) {
		size_t start = pos, end = pos, i, ns;

		while (end < len && t[end] != ';')
			end++;
		i = start;
		while (i < end && is_wsp((unsigned char)t[i]))
			i++;
		if (i == end) {		/* empty or white space only */
			if (end < len)
				PROBLEM_ADD(k, DKIM_P_SYNTAX, start, "empty tag before ';' at offset %zu",
				    end);
			else if (ntags == 0)
				PROBLEM_ADD(k, DKIM_P_SYNTAX, start, "empty record");
			else if (end > start)
				PROBLEM_ADD(k, DKIM_P_TRAILING_WSP, start,
				    "white space after the final ';' (outside the RFC 6376 grammar)");
			if (end >= len)
				break;
			pos = end + 1;
			continue;
		}
		ns = i;
		if (!is_alpha((unsigned char)t[i])) {
			PROBLEM_ADD(k, DKIM_P_SYNTAX, i, "a tag name must start with a letter (offset %zu)",
			    i);
			goto next;
		}
		while (i < end && is_alnum_((unsigned char)t[i]))
			i++;
		if (ntags >= TAGS_MAX) {
			PROBLEM_ADD(k, DKIM_P_SYNTAX, ns, "more than %d tags", TAGS_MAX);
			break;
		}
		tags[ntags].name = ns;
		tags[ntags].namelen = i - ns;
		while (i < end && is_wsp((unsigned char)t[i]))
			i++;
		if (i == end || t[i] != '=') {
			size_t e = i;

			while (e < end && !is_wsp((unsigned char)t[e]) && t[e] != ',')
				e++;
			PROBLEM_ADD(k, DKIM_P_SYNTAX, ns, "'%.*s' at offset %zu is not a tag=value pair",
			    (int)(e - ns > 40 ? 40 : e - ns), t + ns, ns);
			goto next;
		}
		i++;
		while (i < end && is_wsp((unsigned char)t[i]))
			i++;
		tags[ntags].val = i;
		{
			size_t e = end;

			while (e > i && is_wsp((unsigned char)t[e - 1]))
				e--;
			tags[ntags].vallen = e - i;
			for (size_t j = i; j < e; j++) {
				unsigned char c = (unsigned char)t[j];

				if (!is_wsp(c) && (c < 0x21 || c > 0x7e)) {
					PROBLEM_ADD(k, DKIM_P_SYNTAX, j,
					    "byte 0x%02x at offset %zu is not allowed in a tag value",
					    c, j);
					break;
				}
			}
		}
		for (size_t j = 0; j < ntags; j++) {
			if (tags[j].namelen == tags[ntags].namelen &&
			    memcmp(t + tags[j].name, t + ns, tags[j].namelen) == 0) {
				PROBLEM_ADD(k, DKIM_P_DUP_TAG, ns, "tag %.*s= appears more than once",
				    (int)(tags[j].namelen > 32 ? 32 : tags[j].namelen), t + ns);
				goto next;
			}
		}
		ntags++;
next:
		if (end >= len)
			break;
		pos = end + 1;
	}

	/* Tags (RFC 6376 §3.6.1). */
	for (size_t j = 0; j < ntags; j++) {
		const struct tag *g = &tags[j];

		if (name_eq(t, g, "v")) {
			v = g;
			if (j != 0)
				PROBLEM_ADD(k, DKIM_P_VERSION_NOT_FIRST, g->name,
				    "v= must be the first tag (it is tag %zu)", j + 1);
		} else if (name_eq(t, g, "p"))
			p = g;
		else if (name_eq(t, g, "k"))
			kt = g;
		else if (name_eq(t, g, "h"))
			h = g;
		else if (name_eq(t, g, "s"))
			s = g;
		else if (name_eq(t, g, "t"))
			fl = g;
		else if (name_eq(t, g, "n"))
			;
		else
			PROBLEM_ADD(k, DKIM_P_UNKNOWN_TAG, g->name,
			    "tag %.*s= is not defined by RFC 6376; verifiers ignore it",
			    (int)(g->namelen > 32 ? 32 : g->namelen), t + g->name);
	}
	k->has_version = v != NULL;
	k->has_p = p != NULL;
	if (v && !val_eq(t, v, "DKIM1")) {
		if (comma_typo(t, v))
			PROBLEM_ADD(k, DKIM_P_COMMA_TYPO, v->val + 5,
			    "tags are separated by ',' instead of ';'%s: verifiers read "
			    "everything after v= as one version value",
			    memmem(t + v->val, v->vallen, "k-", 2) ? " and written k-rsa for k=rsa" : "");
		else
			PROBLEM_ADD(k, DKIM_P_VERSION, v->val, "v=%.*s: the only version is DKIM1",
			    (int)(v->vallen > 40 ? 40 : v->vallen), t + v->val);
	}
	k->is_dkim = (v && val_eq(t, v, "DKIM1") && v == &tags[0]) || p != NULL ||
	    (v && comma_typo(t, v));
	if (kt) {
		size_t n = kt->vallen < sizeof(k->k) - 1 ? kt->vallen : sizeof(k->k) - 1;

		memcpy(k->k, t + kt->val, n);
		k->k[n] = '\0';
		if (!val_eq(t, kt, "rsa") && !val_eq(t, kt, "ed25519")) {
			alg_known = false;
			PROBLEM_ADD(k, DKIM_P_ALG_UNKNOWN, kt->val,
			    "k=%s is not a DKIM key algorithm (rsa or ed25519)", k->k);
		}
	}
	if (h) {
		k->h_present = true;
		k->h_sha1 = k->h_sha256 = false;
		each_item(k, t, h, "h", hash_item);
		if (!k->h_sha1 && !k->h_sha256)
			PROBLEM_ADD(k, DKIM_P_HASH_NONE, h->val,
			    "h= lists no hash algorithm verifiers support (sha256, sha1)");
	}
	if (s) {
		k->s_email = false;
		each_item(k, t, s, "s", service_item);
		if (!k->s_email)
			PROBLEM_ADD(k, DKIM_P_SERVICE, s->val,
			    "s=%.*s does not include email or *: the key cannot verify mail",
			    (int)(s->vallen > 40 ? 40 : s->vallen), t + s->val);
	}
	if (fl)
		each_item(k, t, fl, "t", flag_item);
	if (p)
		decode_key(k, t, p, alg_known);
	else if (!(v && comma_typo(t, v)))
		PROBLEM_ADD(k, DKIM_P_NO_KEY, len, "no p= tag: the record holds no public key");
	return MS_OK;
}
