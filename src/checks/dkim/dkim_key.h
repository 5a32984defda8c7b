/* src/checks/dkim/dkim_key.h - DKIM key record grammar (RFC 6376 §3.6.1, RFC 8463, RFC 8301) */
#ifndef MS_CHECKS_DKIM_DKIM_KEY_H
#define MS_CHECKS_DKIM_DKIM_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/problems.h"
#include "util/status.h"

/*
 * What is wrong with a key record.  Each problem carries a byte offset into
 * the record as published and a message; the check turns them into findings
 * (dkim_findings.c).  Class: E = the record is unusable or misread by
 * verifiers (error), W = works at most verifiers but risky (warning),
 * I = worth knowing (info).
 */
enum dkim_problem_code {
	DKIM_P_SYNTAX,		/* E: tag-list grammar (RFC 6376 §3.2) */
	DKIM_P_COMMA_TYPO,	/* E: "v=DKIM1, k-rsa, ..." - commas and '-' for ';' and '=' */
	DKIM_P_DUP_TAG,		/* E: a tag appears twice (RFC 6376 §3.2) */
	DKIM_P_VERSION,		/* E: v= is not "DKIM1" */
	DKIM_P_VERSION_NOT_FIRST,	/* E: v= present but not the first tag */
	DKIM_P_NO_KEY,		/* E: no p= tag */
	DKIM_P_BASE64,		/* E: p= is not valid base64 */
	DKIM_P_BAD_KEY,		/* E: p= decodes but is not a key of type k= */
	DKIM_P_ALG_UNKNOWN,	/* E: k= names an algorithm no verifier knows */
	DKIM_P_HASH_NONE,	/* E: h= names no hash verifiers support */
	DKIM_P_SERVICE,		/* E: s= does not include email or * */
	DKIM_P_TRAILING_WSP,	/* W: white space after the final ';' */
	DKIM_P_UNKNOWN_TAG,	/* I: a tag RFC 6376 does not define (ignored by verifiers) */
	DKIM_P__COUNT
};

#define DKIM_PROBLEMS_MAX	16
#define DKIM_RECORD_MAX		8192	/* longer input is rejected with one syntax problem */

enum dkim_key_type {
	DKIM_KEY_NONE = 0,	/* no usable key (missing, revoked, or undecodable) */
	DKIM_KEY_RSA,
	DKIM_KEY_ED25519
};

/*
 * A parsed key record.  Self-contained (no pointers into the input, no
 * allocation): a caller may keep it on the stack.
 */
struct dkim_key {
	bool is_dkim;		/* v=DKIM1 first, or a p= tag: meant as a key record */
	bool has_version;
	bool has_p;
	bool revoked;		/* p= present and empty (RFC 6376 §3.6.1) */
	bool testing;		/* t=y */
	bool strict;		/* t=s: no subdomains of the i= domain */
	bool h_present;		/* h= given: only the listed hashes */
	bool h_sha1, h_sha256;	/* hashes h= allows (both when h= is absent) */
	bool s_email;		/* s= allows email (or is absent, or '*') */
	bool pkcs1;		/* RSA key published as a bare RSAPublicKey, not SPKI */
	char k[24];		/* k= as published ("rsa" when absent); truncated */
	enum dkim_key_type type;	/* what p= really holds */
	int bits;		/* key size in bits; 0 if none */
	PROBLEM_LIST(DKIM_PROBLEMS_MAX);	/* codes: enum dkim_problem_code */
};

/*
 * dkim_key_parse - parse one key record (the TXT strings concatenated).
 * Pure: no I/O; decodes p= with OpenSSL to learn the real key type and size.
 * Always fills *out (problems describe what is wrong); returns MS_OK, or
 * MS_ERR_ARG for a NULL argument.  Never reads past text[len].  text is
 * borrowed; *out is the caller's (plain data: what it keeps is copied in).
 */
MS_MUST_CHECK enum ms_status dkim_key_parse(const char *text, size_t len, struct dkim_key *out);

/* dkim_key_has_error - whether any problem is of class E (k borrowed) */
bool dkim_key_has_error(const struct dkim_key *k);

/* dkim_problem_name - short stable name of a code ("syntax", "dup-tag", ...); static text */
const char *dkim_problem_name(enum dkim_problem_code c);

/*
 * dkim_base64_decode - strict RFC 4648 base64 with white space (SP, HTAB,
 * CR, LF) skipped; out must hold len*3/4+3 bytes.  On a bad character or
 * bad padding returns MS_ERR_SYNTAX with *bad_at the offset in the input.
 * in is borrowed; out, *outlen and *bad_at are the caller's.
 */
MS_MUST_CHECK enum ms_status dkim_base64_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen, size_t *bad_at);

#endif
