/* src/message/msg_eval.h - one message's DKIM, SPF, DMARC and ARC on the caller's loop, and its Authentication-Results */
#ifndef MS_MESSAGE_MSG_EVAL_H
#define MS_MESSAGE_MSG_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/finding.h"
#include "dns/resolver.h"
#include "util/ipaddr.h"

/*
 * Whole-message evaluation (docs/message.md).  msg_check_start() reads the
 * message (pure parts: msg_header, dkim_sig, msg_canon, msg_addr,
 * arc_parse), starts every lookup at once on the resolver's loop (the DKIM
 * and ARC keys, check_host() for the client, DMARC discovery for each From
 * domain and each authenticated domain) and, when the last answer is in,
 * verifies the signatures, evaluates DMARC, writes the findings and the
 * Authentication-Results field, and calls done exactly once from the loop.
 */

/*
 * DKIM-Signature fields considered, top first, malformed ones included (the
 * limit rspamd applies; RFC 6376 §8.4 lets verifiers bound the work a
 * message may cost); later ones are reported, not checked.
 */
#define MSG_DKIM_MAX	5

struct msg_check_opts {
	const char	*authserv_id;	/* the authserv-id to write; NULL: "mailsec" */
	bool		 has_ip;
	struct ipaddr	 ip;		/* --ip: the SMTP client */
	const char	*helo;		/* --helo, or NULL */
	const char	*mail_from;	/* --mail-from (the envelope sender), or NULL */
	const char	*trusted_relay;	/* --trusted-relay: read the client from its Received field */
	int64_t		 now;		/* the time signatures are judged at (t=, x=) */
	int		 dmarc_rules;	/* enum dmarc_rules: which verdict the AR carries (0: RFC 9989) */
};

struct audit_env;
struct msg_check;
typedef void (*msg_check_cb)(struct msg_check *mc, void *arg);

/*
 * msg_check_start - evaluate data[0..len) (copied) with opts (copied) with
 * env's resolver and Public Suffix List (a session's: borrowed, must outlive
 * the check).  done runs exactly once, from the
 * loop.  Returns NULL with *err (static) when the message cannot be read
 * at all (too large).  The caller frees with msg_check_free() after done.
 */
struct msg_check *msg_check_start(const struct audit_env *env, const char *data, size_t len,
    const struct msg_check_opts *opts, msg_check_cb done, void *arg, const char **err);
void msg_check_free(struct msg_check *mc);

/* msg_check_findings - the findings (borrowed) */
const struct finding_list *msg_check_findings(const struct msg_check *mc);
/* msg_check_ar - the Authentication-Results field, no final CRLF (borrowed) */
const char *msg_check_ar(const struct msg_check *mc);
/* msg_check_to_json - the mailsec-message/1 "result" members (docs/message.md); new reference */
json_t *msg_check_to_json(const struct msg_check *mc);
/* msg_check_print - the text report (findings, then the A-R field); mc borrowed */
void msg_check_print(const struct msg_check *mc, FILE *fp);

#endif
