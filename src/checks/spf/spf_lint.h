/* src/checks/spf/spf_lint.h - judging one SPF record's text: findings without DNS */
#ifndef MS_CHECKS_SPF_SPF_LINT_H
#define MS_CHECKS_SPF_SPF_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/spf_parse.h"
#include "core/finding.h"
#include "core/profile.h"
#include "util/arena.h"

struct spf_lint_opts {
	const struct profile *profile;	/* spf.weakest_all; may be NULL (then "~all") */
	bool not_mail;			/* the domain sends no mail: want "v=spf1 -all" */
	bool one_string;		/* text is one string as typed (CLI): flag > 255 bytes */
};

/*
 * spf_lint_record - the findings (spf.*) about one record published at owner
 * (a domain, for messages and advice).  Pure.  Returns the parsed record
 * (from ar) or NULL when it does not parse (then spf.syntax, and spf.typo if
 * the error looks like a typing mistake, are added; *err says where when
 * err is not NULL).
 */
struct spf_record *spf_lint_record(struct finding_list *l, struct arena *ar, const char *owner,
    const char *text, size_t len, const struct spf_lint_opts *o, struct spf_error *err);

/*
 * spf_lint_attempt - for a TXT string that is not an SPF record: whether it
 * looks like a failed attempt at one (smart quotes, "v=spf 1", "v=spf1a"...).
 * If so adds spf.smart-quotes or spf.typo, with the corrected record as
 * advice, and returns true.  text and owner are borrowed; what the findings
 * keep is copied into l, the advice text from ar.
 */
bool spf_lint_attempt(struct finding_list *l, struct arena *ar, const char *owner,
    const char *text, size_t len);

/* spf_is_sender_id - a Sender ID record ("spf2.0/...", RFC 4406); text borrowed */
bool spf_is_sender_id(const char *text, size_t len);

/*
 * spf_caret - "record\n    ^^^" for evidence (owned by ar: valid until it is
 * freed; text borrowed)
 */
const char *spf_caret(struct arena *ar, const char *text, size_t len, size_t off, size_t n);

#endif
