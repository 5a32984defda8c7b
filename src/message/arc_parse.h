/* src/message/arc_parse.h - ARC sets of a message: ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results (RFC 8617 §4, §5.2) */
#ifndef MS_MESSAGE_ARC_PARSE_H
#define MS_MESSAGE_ARC_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "message/dkim_sig.h"
#include "message/msg_header.h"
#include "util/buf.h"
#include "util/status.h"

/*
 * Pure: the fields of a split message in, the ARC sets out, with the
 * structural verdict of RFC 8617 §5.2 steps 1-4 (every field parses; each
 * instance 1..N has exactly one field of each kind; at most ARC_MAX sets;
 * the newest seal does not say cv=fail; i=1 says cv=none and every later
 * seal cv=pass).  The cryptographic steps need keys: see msg_eval.
 */
#define ARC_MAX		50

enum arc_state {
	ARC_STATE_NONE = 0,	/* no ARC fields: no chain */
	ARC_STATE_OK,		/* structurally sound: the signatures decide */
	ARC_STATE_FAIL		/* broken: the chain fails whatever the signatures say */
};

struct arc_set {
	long		 aar, ams, as;		/* field indexes, -1 when missing */
	struct dkim_sig	 ams_sig, seal;		/* parsed (free with arc_chain_free) */
	const char	*aar_value;		/* after "i=N;" (into the message) */
	size_t		 aar_len;
};

struct arc_chain {
	enum arc_state	 state;
	const char	*why;			/* static: why the structure fails */
	unsigned	 n;			/* sets: instances 1..n */
	struct arc_set	 sets[ARC_MAX + 1];	/* index = instance */
};

/* arc_collect - find and check the ARC sets of m into *out (free with arc_chain_free) */
MS_MUST_CHECK enum ms_status arc_collect(const struct msg *m, struct arc_chain *out);
void arc_chain_free(struct arc_chain *c);

/*
 * arc_aar_instance - the instance number of an ARC-Authentication-Results
 * value ("i=N;" first, RFC 8617 §4.1.1): 1..50, or 0 when malformed; *rest
 * is set past the ';' (v borrowed, *rest the caller's)
 */
unsigned arc_aar_instance(const char *v, size_t len, size_t *rest);

/*
 * arc_seal_input - append the hash input of the seal of instance k (RFC 8617
 * §5.1.1): for i = 1..k the AAR, AMS and AS fields, relaxed, the last one
 * with b= emptied and no CRLF.  m and c are borrowed; appended (copied) to
 * the caller's out.
 */
MS_MUST_CHECK enum ms_status arc_seal_input(const struct msg *m, const struct arc_chain *c, unsigned k,
    struct buf *out);

#endif
