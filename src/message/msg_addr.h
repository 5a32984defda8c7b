/* src/message/msg_addr.h - the addresses of a From (or Sender) field: RFC 5322 §3.4 mailbox-list */
#ifndef MS_MESSAGE_MSG_ADDR_H
#define MS_MESSAGE_MSG_ADDR_H

#include <stddef.h>

#include "util/status.h"

/*
 * Pure and bounded: at most ADDR_MAX mailboxes, ADDR_FIELD_MAX bytes of
 * field value.  Display names, quoted strings (with quoted pairs), nested
 * comments, groups ("team: a@x, b@y;"), obsolete routes ("<@relay:a@x>")
 * and RFC 2047 encoded words as display names are understood; the
 * addresses' domains are what DMARC needs (RFC 7489 §6.6.1).
 */
#define ADDR_MAX	32
#define ADDR_FIELD_MAX	(16 * 1024)
#define ADDR_LEN_MAX	320

struct msg_addr {
	char	 addr[ADDR_LEN_MAX];	/* local-part@domain as written (comments removed) */
	char	 domain[256];		/* lower case, no trailing dot; "" when none */
};

struct msg_addrs {
	struct msg_addr	 v[ADDR_MAX];
	size_t		 n;
	size_t		 bad;		/* mailboxes without a usable domain */
	const char	*why;		/* first problem (static) or NULL */
};

/*
 * addr_parse - the mailboxes of value[0..len) (unfolded or not).  Always
 * fills *out; returns MS_OK when every mailbox has a domain, MS_ERR_SYNTAX
 * when one does not (out->why says why), MS_ERR_LIMIT past the bounds.
 * value is borrowed; out is the caller's (plain data: the addresses are
 * copied into it, why is static).
 */
MS_MUST_CHECK enum ms_status addr_parse(const char *value, size_t len, struct msg_addrs *out);

#endif
