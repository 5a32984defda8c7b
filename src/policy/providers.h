/* src/policy/providers.h - provider names for MX hosts, SPF includes and reverse names (data/providers.tsv) */
#ifndef MS_POLICY_PROVIDERS_H
#define MS_POLICY_PROVIDERS_H

/*
 * A pure parser and matcher: bytes in, rules out, no I/O.  The rules are
 * data/providers.tsv, compiled into the binary (tools/embed_text.py), one
 * "provider<TAB>kind<TAB>suffix" a line; docs/providers.md describes it.
 * Hard bounds: PROVIDERS_TEXT_MAX bytes, PROVIDERS_RULES_MAX rules,
 * PROVIDERS_LINE_MAX bytes a line, names of PROVIDERS_NAME_MAX bytes,
 * suffixes of 253.  Anything else is an error naming the line.
 */

#include <stddef.h>

#include "util/status.h"

#define PROVIDERS_TEXT_MAX	65536
#define PROVIDERS_RULES_MAX	1024
#define PROVIDERS_LINE_MAX	512
#define PROVIDERS_NAME_MAX	64	/* "Microsoft 365", with the NUL */
#define PROVIDERS_SUFFIX_MAX	254	/* a DNS name without the final dot, with the NUL */

enum provider_kind { PROVIDER_MX = 0, PROVIDER_SPF, PROVIDER_PTR };

struct provider_rule {
	char			name[PROVIDERS_NAME_MAX];
	enum provider_kind	kind;
	char			suffix[PROVIDERS_SUFFIX_MAX];	/* lower case, no final dot */
};

struct providers {
	size_t			 n;
	struct provider_rule	*rules;
};

/*
 * providers_parse - parse len bytes of text (borrowed; NUL bytes are an
 * error).  MS_OK: *out is the caller's, freed with providers_free().
 * MS_ERR_SYNTAX or MS_ERR_LIMIT: *out is NULL and err (the caller's
 * buffer of errsz bytes) says which line and why.
 */
MS_MUST_CHECK enum ms_status providers_parse(const char *text, size_t len, struct providers **out,
    char *err, size_t errsz);
/*
 * providers_builtin - parse the rules compiled into the binary; as
 * providers_parse: *out is the caller's, freed with providers_free() (an
 * error there is a broken build: the build checks the file)
 */
MS_MUST_CHECK enum ms_status providers_builtin(struct providers **out, char *err, size_t errsz);
/* providers_free - free p (NULL is fine) */
void providers_free(struct providers *p);
/*
 * providers_match - the provider of name (borrowed; a final dot and ASCII
 * case ignored) for kind: the rule with the longest suffix that equals name
 * or ends it after a dot.  Returns the name borrowed from p, or NULL.
 */
const char *providers_match(const struct providers *p, enum provider_kind kind, const char *name);
/* providers_kind_name - "mx", "spf" or "ptr" (static text) */
const char *providers_kind_name(enum provider_kind kind);

#endif
