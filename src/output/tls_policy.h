/* src/output/tls_policy.h - Postfix smtp_tls_policy_maps lines from stored check results (seed 002: mandatory TLS to partners) */
#ifndef MS_OUTPUT_TLS_POLICY_H
#define MS_OUTPUT_TLS_POLICY_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Pure: a domain's latest stored result (the mailsec/1 domain object that
 * `check --db` and the monitor keep) in, one decision out; no I/O but the
 * FILE given to the printer.  The result is hostile-ish input (a database
 * anyone with write access fills): every field is type-checked, names are
 * printed only when they are DNS names, reasons are plain ASCII, and a
 * result missing anything needed leaves the domain out with the reason.
 *
 * Levels (Postfix TLS_README, "TLS policy table"):
 * - dane-only: the MX answer was DNSSEC-secure and every probed MX address
 *   has a DANE verdict "verified";
 * - secure match=H1:H2: every MX address completed STARTTLS with a
 *   certificate that chains to a trusted CA, matches the MX host name and
 *   is within its dates at `now`; the match list is the MX host names;
 * - encrypt: every MX address completed STARTTLS, some certificate does not
 *   validate (self-signed, untrusted, another name, expired);
 * - left out, as "# domain: why": never checked, null MX, no MX, STARTTLS not
 *   probed, some address without STARTTLS, a failed handshake, a probe that
 *   could not tell (unknown).  Enforcing TLS there would hold mail back.
 */
enum tls_policy_level { TLSP_LEFT_OUT = 0, TLSP_DANE_ONLY, TLSP_SECURE, TLSP_ENCRYPT };

#define TLSP_WHY_MAX	400	/* bytes of a reason, NUL included */
#define TLSP_MATCH_MAX	1024	/* bytes of a match list, NUL included */

/* One domain's decision (plain arrays: nothing to free). */
struct tls_policy_decision {
	enum tls_policy_level level;
	char match[TLSP_MATCH_MAX];	/* TLSP_SECURE: "h1:h2", MX host names, lower case */
	char why[TLSP_WHY_MAX];		/* TLSP_LEFT_OUT: the reason, printable ASCII */
};

/*
 * tls_policy_decide - the decision for one domain from its stored result
 * doc (a mailsec/1 domain object; NULL: never checked), judged at now
 * (epoch seconds, for certificate dates); doc borrowed, *out the caller's
 */
void tls_policy_decide(const json_t *doc, int64_t now, struct tls_policy_decision *out);

/*
 * tls_policy_print - the table line for domain: "domain<TAB>policy" or the
 * comment "# domain: why"; a domain that is not a DNS name is printed as a
 * comment with its bytes escaped.  domain, d and fp borrowed.
 */
void tls_policy_print(FILE *fp, const char *domain, const struct tls_policy_decision *d);

/* tls_policy_level_name - "dane-only", "secure", "encrypt" or "left out"; static */
const char *tls_policy_level_name(enum tls_policy_level l);

#endif
