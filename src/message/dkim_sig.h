/* src/message/dkim_sig.h - DKIM-Signature, ARC-Message-Signature and ARC-Seal fields (RFC 6376 §3.5, RFC 8617 §4.1) */
#ifndef MS_MESSAGE_DKIM_SIG_H
#define MS_MESSAGE_DKIM_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "message/msg_tags.h"
#include "util/status.h"

/*
 * Pure: the field value in, a self-contained struct out (copies, no pointers
 * into the input except through offsets).  Hard bounds: DKIM_H_MAX names in
 * h=, DKIM_SIG_B_MAX bytes of b= (a 16384-bit RSA signature), DKIM_FIELD_MAX
 * bytes of field value.  A field that breaks a rule gets MS_ERR_SYNTAX with
 * a one-line why (RFC 6376 §6.1.1: the signature is then PERMFAIL).
 */
#define DKIM_H_MAX		256
#define DKIM_SIG_B_MAX		2048
#define DKIM_FIELD_MAX		(64 * 1024)
#define DKIM_NAME_MAX		256	/* a d=/s= value */

enum dkim_kind { DKIM_KIND_SIG, DKIM_KIND_AMS, DKIM_KIND_SEAL };
enum dkim_alg { DKIM_A_UNKNOWN = 0, DKIM_A_RSA_SHA256, DKIM_A_RSA_SHA1, DKIM_A_ED25519_SHA256 };
enum dkim_canon { DKIM_C_SIMPLE = 0, DKIM_C_RELAXED };
enum arc_cv { ARC_CV_UNSET = 0, ARC_CV_NONE, ARC_CV_PASS, ARC_CV_FAIL, ARC_CV_BAD };

struct dkim_sig {
	enum dkim_kind	 kind;
	enum dkim_alg	 alg;
	char		 alg_name[32];		/* a= as written, lower case, truncated */
	enum dkim_canon	 hcanon, bcanon;
	char		 d[DKIM_NAME_MAX];	/* lower case */
	char		 s[DKIM_NAME_MAX];
	char		 auid[DKIM_NAME_MAX + 64];	/* i= (or "@" d) for DKIM */
	unsigned	 instance;		/* ARC i= (1..50) */
	enum arc_cv	 cv;			/* ARC-Seal cv= */
	bool		 has_l;
	uint64_t	 l;
	bool		 has_t, has_x;
	int64_t		 t, x;
	char		*h[DKIM_H_MAX];		/* lower-cased header names (malloc'd) */
	size_t		 nh;
	unsigned char	 b[DKIM_SIG_B_MAX];
	size_t		 blen;
	unsigned char	 bh[64];
	size_t		 bhlen;
	char		 b_prefix[16];		/* first 8 characters of b= (RFC 6008 header.b) */
	size_t		 b_off, b_len;		/* the b= value in the field value (to blank it) */
	size_t		 ntags;
	const char	*why;			/* static: what was wrong, when not MS_OK */
};

/*
 * dkim_sig_parse - parse the value of one field of kind k into *out (flags:
 * DKIM_SIG_ASCII or 0).
 * MS_OK, or MS_ERR_SYNTAX/MS_ERR_LIMIT with out->why, or MS_ERR_NOMEM with
 * out->why "out of memory" when an allocation failed; in every case free
 * with dkim_sig_free() (what could be read stays readable, e.g. d= and s=
 * for the Authentication-Results).
 */
MS_MUST_CHECK enum ms_status dkim_sig_parse(enum dkim_kind k, const char *value, size_t len,
    unsigned flags, struct dkim_sig *out);

/*
 * Flags of dkim_sig_parse.  DKIM_SIG_ASCII: the message did not come with
 * SMTPUTF8, so a UTF-8 local part in i= is a syntax error (RFC 8616 §4:
 * only internationalised mail may carry one).
 */
#define DKIM_SIG_ASCII	1u

/* dkim_sig_free - free what dkim_sig_parse allocated in s (s itself is the caller's) */
void dkim_sig_free(struct dkim_sig *s);

/* dkim_alg_name - "rsa-sha256", ... (static text) */
const char *dkim_alg_name(enum dkim_alg a);
/* dkim_domain_ok - whether d (borrowed) looks like a domain name a key can be looked up under */
bool dkim_domain_ok(const char *d);

#endif
