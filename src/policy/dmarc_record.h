/* src/policy/dmarc_record.h - DMARC policy records: pure parser and linter (RFC 7489 §6, RFC 9989 §4.7) */
#ifndef MS_POLICY_DMARC_RECORD_H
#define MS_POLICY_DMARC_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/finding.h"
#include "util/arena.h"
#include "util/status.h"

struct profile;

/*
 * Which receivers we judge for.  RFC 7489 (2015) and RFC 9989 (2026, the
 * DMARCbis core) disagree on pct (ignored by 9989), t (unknown to 7489), rf
 * and ri (removed by 9989), the position of p, and policy discovery.  BOTH
 * (the default) reports what either kind of receiver would do.
 */
enum dmarc_rules {
	DMARC_RULES_BOTH = 0,
	DMARC_RULES_7489,
	DMARC_RULES_9989
};

/* dmarc_rules_parse - "7489", "9989" or "both" (s borrowed) into the caller's *out */
bool dmarc_rules_parse(const char *s, enum dmarc_rules *out);
/* dmarc_rules_name - "7489", "9989" or "both" (static text) */
const char *dmarc_rules_name(enum dmarc_rules r);

enum dmarc_policy {
	DMARC_P_UNSET = 0,	/* tag absent */
	DMARC_P_NONE,
	DMARC_P_QUARANTINE,
	DMARC_P_REJECT,
	DMARC_P_INVALID		/* present with a value that is not a policy */
};

/* dmarc_policy_name - "none", ... (static text); NULL for UNSET/INVALID */
const char *dmarc_policy_name(enum dmarc_policy p);

enum dmarc_tag_id {
	DT_V, DT_P, DT_SP, DT_NP, DT_PCT, DT_T, DT_RUA, DT_RUF,
	DT_ADKIM, DT_ASPF, DT_FO, DT_RF, DT_RI, DT_PSD, DT__COUNT
};

/* dmarc_tag_name - "v", "p", ... (static text) */
const char *dmarc_tag_name(enum dmarc_tag_id t);

struct dmarc_tag {
	bool		 present;
	bool		 valid;		/* value follows the tag's grammar (for 7489 where rules differ) */
	size_t		 off;		/* byte offset of the tag name in the record */
	size_t		 voff;		/* byte offset of the value */
	const char	*value;		/* trimmed value, NUL-terminated (arena) */
	size_t		 index;		/* position among the record's tag-specs (v is 0) */
};

struct dmarc_uri {
	const char	*text;		/* as published, trimmed (arena) */
	size_t		 off;		/* byte offset in the record */
	const char	*uri;		/* without the !size suffix */
	char		 scheme[16];	/* lower case; "" when none could be read */
	const char	*domain;	/* mailto: the address's domain, lower case; NULL if none */
	bool		 valid;		/* syntactically a usable report URI */
	bool		 has_size;
	uint64_t	 size;
	char		 unit;		/* 0 or one of k m g t */
};

#define DMARC_URIS_MAX		32	/* per tag: more is a finding, not memory */
#define DMARC_ISSUES_MAX	64
#define DMARC_TAGS_MAX		64	/* tag-specs per record */

/*
 * One problem or observation about the record itself.  sev7489 / sev9989 is
 * the severity for receivers of that RFC, or -1 when it does not apply to
 * them.  off is the byte offset the message refers to.
 */
struct dmarc_issue {
	enum finding_id	 id;
	int		 sev7489;
	int		 sev9989;
	size_t		 off;
	const char	*msg;		/* arena */
};

struct dmarc_unknown_tag {
	const char	*name;
	size_t		 off;
};

struct dmarc_record {
	const char	*text;		/* NUL-terminated copy (arena); may contain NULs, use len */
	size_t		 len;
	bool		 nomem;		/* an allocation failed: the parse returned MS_ERR_NOMEM */
	bool		 is_dmarc;	/* starts with v=DMARC1 (exactly) */
	struct dmarc_tag tags[DT__COUNT];
	enum dmarc_policy p, sp, np;
	unsigned	 pct;		/* 100 unless a valid pct says otherwise */
	bool		 t;		/* t=y */
	char		 adkim, aspf;	/* 'r' or 's' */
	char		 psd;		/* 'u', 'y' or 'n' */
	uint32_t	 ri;
	struct dmarc_uri *rua, *ruf;
	size_t		 nrua, nruf;
	bool		 rua_usable;	/* at least one syntactically valid rua URI */
	struct dmarc_unknown_tag *unknown;
	size_t		 nunknown;
	struct dmarc_issue issues[DMARC_ISSUES_MAX];
	size_t		 nissues;
	size_t		 ntags;
	/*
	 * Not a DMARC record as published, but one once typographic quotes are
	 * removed and ',' separators (or "p-reject") are mended: the record as
	 * meant (arena), for the advice; NULL otherwise.
	 */
	const char	*fixed;
};

/*
 * dmarc_record_looks_like - whether a TXT string is meant as a DMARC record
 * (it starts with "v" "=" "DMARC1" exactly, RFC 7489 §6.6.3 / RFC 9989
 * §4.10 step 2: other TXT records at _dmarc are discarded).  s is borrowed.
 */
bool dmarc_record_looks_like(const char *s, size_t len);
/*
 * dmarc_record_looks_almost - a botched attempt ("v=dmarc1", "V=DMARC 1",
 * "p=reject; v=DMARC1"); borrowed
 */
bool dmarc_record_looks_almost(const char *s, size_t len);

/*
 * dmarc_record_parse - parse len bytes of s (need not be NUL-terminated,
 * may contain NULs) into *out; everything is allocated from arena (owned
 * by it, valid until it is freed).  Never fails on hostile input: problems
 * become issues with byte offsets.  Returns MS_ERR_LIMIT only when len
 * exceeds DNS_TXT_MAX, and MS_ERR_NOMEM ("out of memory") when an arena
 * allocation fails: then *out is incomplete and must not be used.
 */
MS_MUST_CHECK enum ms_status dmarc_record_parse(struct arena *arena, const char *s, size_t len,
    struct dmarc_record *out);

/*
 * dmarc_record_valid - no error-severity issue for receivers of that rule set
 * (BOTH: neither); r borrowed
 */
bool dmarc_record_valid(const struct dmarc_record *r, enum dmarc_rules rules);

/*
 * dmarc_record_lint - add the record's findings to l: its parse issues,
 * then what its policy means (p=none, sp/np weaker, staged rollout with pct
 * and t, rua/ruf, removed tags), judged for rules.  subject is the name the
 * record was found at's domain (for messages and advice: "_dmarc.<domain>").
 * Pure: no lookups.  r and domain are borrowed; the findings are copied into
 * l, texts they point at come from arena.
 */
void dmarc_record_lint(struct arena *arena, const struct dmarc_record *r, const char *domain,
    enum dmarc_rules rules, struct finding_list *l);

/*
 * dmarc_record_lint_profile - the profile's DMARC rules (dmarc.required_rua,
 * dmarc.alignment); findings carry the profile's name.  Borrowed as
 * dmarc_record_lint.
 */
void dmarc_record_lint_profile(struct arena *arena, const struct dmarc_record *r,
    const char *domain, const struct profile *p, struct finding_list *l);

/* dmarc_record_to_json - the parsed tags as a JSON object (docs/json.md); new reference */
json_t *dmarc_record_to_json(const struct dmarc_record *r);

/*
 * dmarc_policy_effective_p - what a receiver applies: invalid/absent p with a
 * usable rua is none (r borrowed)
 */
enum dmarc_policy dmarc_policy_effective_p(const struct dmarc_record *r);

/*
 * dmarc_record_usable - whether a receiver of that rule set applies DMARC
 * with this record at all (RFC 7489 §6.6.3, RFC 9989 §4.10.1: an invalid or
 * absent p, or an invalid sp (np for 9989), with no usable rua means no
 * DMARC processing); the caller's *as_none is set when it is applied as
 * p=none.  r is borrowed.
 */
bool dmarc_record_usable(const struct dmarc_record *r, enum dmarc_rules rules, bool *as_none);

#endif
