/* src/mailin/received.h - the TLS session a receiving Postfix recorded in its Received field: pure and bounded */
#ifndef MS_MAILIN_RECEIVED_H
#define MS_MAILIN_RECEIVED_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

/*
 * Pure: one Received field's value (unfolded) in, what it says out; no I/O,
 * no allocation.  Read as Postfix writes it with smtpd_tls_received_header
 * = yes (RFC 5321 §4.4, RFC 3848):
 *
 *   from HELO (RDNS [IP])
 *     (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) ...)
 *     by NAME (Postfix) with ESMTPS id ID for <RCPT>; DATE
 *
 * received_parse() answers only for a field whose "by" is the name given
 * (the receiving host the operator trusts); the caller looks at the topmost
 * such field only, and believes no other.  Bounds: RECEIVED_MAX bytes of
 * value (longer: MS_ERR_LIMIT), names and tokens cut to their fields' sizes.
 */
#define RECEIVED_MAX	8192

struct received_info {
	bool by_match;			/* "by" names the trusted host: the rest is meaningful */
	char helo[256];			/* "" when absent */
	char ip[64];			/* the client address in [], "" when absent */
	bool tls;			/* a "(using PROTO with cipher CIPHER ...)" comment */
	char protocol[32];		/* TLSv1.3, TLSv1.2, ... */
	char cipher[128];
	char with[32];			/* the "with" protocol: ESMTP, ESMTPS, ESMTPSA, ... */
};

/*
 * received_parse - read v[0..n) (borrowed) into *out (the caller's), for
 * the host named by (borrowed, matched without case, a final dot ignored).
 * MS_OK (out->by_match says whether the field is by's), MS_ERR_LIMIT.
 */
MS_MUST_CHECK enum ms_status received_parse(const char *v, size_t n, const char *by,
    struct received_info *out);

#endif
