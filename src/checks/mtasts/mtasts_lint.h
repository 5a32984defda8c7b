/* src/checks/mtasts/mtasts_lint.h - the findings about one MTA-STS policy file, for check and for lint (RFC 8461 §3.2) */
#ifndef MS_CHECKS_MTASTS_MTASTS_LINT_H
#define MS_CHECKS_MTASTS_MTASTS_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/mtasts_parse.h"
#include "core/finding.h"
#include "util/arena.h"

struct profile;

/*
 * mtasts_policy_malformed - the mta-sts.policy.invalid finding for a body
 * that did not parse (err from mtasts_policy_parse), about subject (the
 * policy URL or the file name), with evidence (printable, borrowed) and,
 * when err->suggest names the nearest valid mode, a "did you mean"; with raw
 * (the exact bytes parsed, rawlen of them; NULL when not at hand) the
 * corrected policy as advice.  Strings from ar.
 */
void mtasts_policy_malformed(struct finding_list *l, struct arena *ar, const char *subject,
    const char *evidence, const char *raw, size_t rawlen, const struct mtasts_error *err);

/* mtasts_policy_valid - the mta-sts.policy.valid finding for parsed p, body (borrowed) as evidence */
void mtasts_policy_valid(struct finding_list *l, const char *subject, const char *body,
    const struct mtasts_policy *p);

/*
 * mtasts_policy_mode - the findings about p's mode, and a short max_age when
 * enforced (under the profile's minimum; prof borrowed, may be NULL);
 * txtname and id name the TXT record to bump in the advice
 */
void mtasts_policy_mode(struct finding_list *l, const char *subject,
    const struct mtasts_policy *p, const struct profile *prof, const char *txtname,
    const char *id);

/*
 * mtasts_policy_lint - parse a policy file (len bytes) and add the findings
 * check would raise for it (malformed, or valid and its mode): what
 * 'mailsec mta-sts lint' and 'mailsec lint POLICY' print.  Pure; true when
 * the policy is valid.
 * Strings of the findings from ar; text, subject and prof borrowed.
 */
bool mtasts_policy_lint(struct finding_list *l, struct arena *ar, const char *subject,
    const char *text, size_t len, const struct profile *prof);

#endif
