/* src/policy/spf_parse.h - SPF record grammar (RFC 7208 §4.5, §4.6, §5, §6, §7.1) and macros (§7) */
#ifndef MS_POLICY_SPF_PARSE_H
#define MS_POLICY_SPF_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/ipaddr.h"
#include "util/status.h"

/*
 * Pure code: bytes in, a parsed record (allocated from the caller's arena)
 * or an error with a byte offset out.  No DNS here.
 */

#define SPF_TERMS_MAX		512	/* terms in one record (a TXT RRset is < 64 KiB) */
#define SPF_EXPAND_MAX		8192	/* bytes one macro expansion may produce */
#define SPF_DOMAIN_MAX		253	/* RFC 7208 §7.3: expanded names are cut to this */

enum spf_mech {
	SPF_M_ALL, SPF_M_INCLUDE, SPF_M_A, SPF_M_MX, SPF_M_PTR, SPF_M_IP4, SPF_M_IP6,
	SPF_M_EXISTS
};

enum spf_term_kind {
	SPF_T_MECH,		/* a directive: [qualifier] mechanism */
	SPF_T_REDIRECT,		/* redirect=domain-spec */
	SPF_T_EXP,		/* exp=domain-spec */
	SPF_T_MODIFIER		/* any other name=macro-string (ignored by evaluation) */
};

struct spf_term {
	enum spf_term_kind kind;
	enum spf_mech	 mech;
	char		 qual;		/* '+', '-', '~' or '?' */
	bool		 qual_explicit;
	const char	*domain;	/* domain-spec (macro-string) or NULL */
	struct ipaddr	 ip;		/* ip4/ip6 network */
	int		 cidr4, cidr6;	/* prefix lengths; -1 when not given */
	const char	*name;		/* modifier name, as written */
	const char	*value;		/* modifier value, as written */
	const char	*text;		/* the whole term, as written */
	size_t		 off, len;	/* where the term is in the record */
};

struct spf_record {
	const char	*text;		/* NUL-terminated copy (arena) */
	size_t		 len;
	struct spf_term	*terms;
	size_t		 nterms;
	const struct spf_term *redirect;	/* or NULL */
	const struct spf_term *exp;		/* or NULL */
};

enum spf_err {
	SPF_E_NONE = 0,
	SPF_E_VERSION,		/* does not start with "v=spf1" followed by space or end */
	SPF_E_NONASCII,		/* a byte outside 7-bit visible ASCII / space */
	SPF_E_UNKNOWN_MECH,	/* no such mechanism */
	SPF_E_MECH_SYNTAX,	/* a mechanism's argument is malformed */
	SPF_E_CIDR,		/* bad prefix length */
	SPF_E_IP,		/* bad ip4/ip6 address */
	SPF_E_DOMAIN,		/* bad domain-spec (domain-end) */
	SPF_E_MACRO,		/* bad macro */
	SPF_E_MODIFIER,		/* bad modifier, duplicate redirect/exp, qualified modifier */
	SPF_E_TOO_MANY,		/* more than SPF_TERMS_MAX terms */
	SPF_E_NOMEM		/* out of memory (MS_ERR_NOMEM; off 0) */
};

struct spf_error {
	enum spf_err	 code;
	size_t		 off;		/* byte offset of the offending text */
	size_t		 len;		/* length of the offending text (>= 1) */
	const char	*msg;		/* static text */
};

/*
 * spf_is_record - whether text is an SPF version 1 record per §4.5: it
 * starts with "v=spf1" (case-insensitive) followed by a space or its end.
 * text is borrowed.
 */
bool spf_is_record(const char *text, size_t len);

/*
 * spf_parse - parse a whole record.  On success *out is allocated from ar
 * (freed with the arena); on MS_ERR_SYNTAX or MS_ERR_LIMIT *err says where;
 * on MS_ERR_NOMEM (an arena allocation failed) err->code is SPF_E_NOMEM and
 * err->msg "out of memory", *out stays NULL and what the arena holds is freed
 * with it.
 */
MS_MUST_CHECK enum ms_status spf_parse(const char *text, size_t len, struct arena *ar,
    struct spf_record **out, struct spf_error *err);

/*
 * spf_macro_check - validate a macro-string [s, s+len) (§7.1).  exp allows the
 * letters c, r and t (explanation strings only).  domain also requires a
 * valid domain-end (§7.1 domain-spec).  *err_off is relative to s.  s is
 * borrowed; *err_off and *why (static text) are the caller's.
 */
MS_MUST_CHECK enum ms_status spf_macro_check(const char *s, size_t len, bool exp, bool domain,
    size_t *err_off, const char **why);

/* The values macros expand to (§7.3).  All strings borrowed; NULLs allowed where noted. */
struct spf_macro_ctx {
	const char	*sender;	/* s: local-part@domain (local-part may be "postmaster") */
	const char	*local;		/* l */
	const char	*sender_domain;	/* o */
	const char	*domain;	/* d: the current domain */
	struct ipaddr	 ip;		/* i, c, v */
	const char	*pname;		/* p: validated name, or NULL for "unknown" */
	const char	*helo;		/* h (NULL: "unknown") */
	const char	*receiver;	/* r (NULL: "unknown") */
	int64_t		 now;		/* t */
};

/*
 * spf_macro_expand - expand the macro-string [s, s+len) into out (appended;
 * out's own maximum applies, and expansion stops with MS_ERR_LIMIT past
 * SPF_EXPAND_MAX).  exp allows c, r, t.  Returns MS_ERR_SYNTAX on a malformed
 * macro and MS_ERR_NOMEM when memory runs out (out is left as it was in
 * every failure).  Transformers per §7.3: split at the delimiters (default "."),
 * optionally reverse, keep the rightmost N parts, join with "."; an upper-case
 * letter URL-escapes the value.
 */
MS_MUST_CHECK enum ms_status spf_macro_expand(const char *s, size_t len, const struct spf_macro_ctx *ctx,
    bool exp, struct buf *out);

/*
 * spf_domain_truncate - §7.3: drop leading labels until name is at most 253
 * bytes (in place).  Returns false when nothing would be left.
 */
bool spf_domain_truncate(char *name);

/* spf_macro_uses - whether a macro-string (borrowed) mentions letter (case-insensitive) */
bool spf_macro_uses(const char *s, char letter);

/* spf_mech_name - "include", "a", ... (static text) */
const char *spf_mech_name(enum spf_mech m);
/* spf_term_counts - include, a, mx, ptr, exists (and redirect) count towards §4.6.4 (t borrowed) */
bool spf_term_counts(const struct spf_term *t);

#endif
