/* src/mailin/outbound.h - one assessment message: the sending organisation's outbound TLS, DKIM, SPF and FCrDNS */
#ifndef MS_MAILIN_OUTBOUND_H
#define MS_MAILIN_OUTBOUND_H

#include <stddef.h>

#include "audit/audit.h"

/*
 * outbound_start() reads the message (its Received fields, Message-ID),
 * runs the message layer's whole-message check (msg_check_start: DKIM, SPF
 * for the client the trusted Received field names, DMARC alignment) and the
 * reverse and forward lookups of the client on the caller's loop, and calls
 * done once, from the loop, with an audit of the From domain holding the
 * outbound.* findings and the "outbound" facts (or no audit when the
 * message names no From domain).  The findings (docs/findings/outbound.*):
 *
 *   TLS    the topmost Received field "by" receiver: (using PROTO with
 *          cipher C): tls.ok (TLS 1.2, 1.3), tls.old-version (older),
 *          tls.none (no TLS comment), tls.unknown (no such field)
 *   DKIM   dkim.ok (a signature verifies and is aligned with From),
 *          dkim.unaligned, dkim.fail (signatures, none verifies),
 *          dkim.missing (none)
 *   SPF    spf.ok (pass for the client), spf.fail (anything else),
 *          spf.unknown (temperror, or no client to judge)
 *   FCrDNS fcrdns.ok (a PTR name whose addresses include the client),
 *          fcrdns.mismatch (no PTR, or none leads back), fcrdns.unknown
 */
struct outbound;
typedef void (*outbound_cb)(struct outbound *o, void *arg);

/*
 * outbound_start - assess data[0..len) (copied) delivered with envelope
 * sender mail_from, believing only receiver's Received field (both copied;
 * receiver may be NULL: no field is believed); env borrowed (outlives o).
 * NULL with *err (static) when the message cannot be read.  Free with
 * outbound_free() after done.
 */
struct outbound *outbound_start(const struct audit_env *env, const char *data, size_t len,
    const char *mail_from, const char *receiver, outbound_cb done, void *arg, const char **err);
/* outbound_audit - the From domain's audit with the findings, or NULL (no From domain); borrowed */
struct audit *outbound_audit(struct outbound *o);
/* outbound_key - the deduplication run id: 32 hex digits of SHA-256(Message-ID, domain); borrowed */
const char *outbound_key(const struct outbound *o);
/* outbound_free - free o and its audit (NULL-safe) */
void outbound_free(struct outbound *o);

#endif
