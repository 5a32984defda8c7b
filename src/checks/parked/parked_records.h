/* src/checks/parked/parked_records.h - the defensive record set, judged from record text (pure) */
#ifndef MS_CHECKS_PARKED_PARKED_RECORDS_H
#define MS_CHECKS_PARKED_PARKED_RECORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/dns.h"
#include "util/arena.h"

/*
 * These are deliberately shallow: the SPF, DMARC and DKIM areas parse those
 * records fully.  A parked domain needs only to know whether each piece of
 * the defensive set is published exactly as it should be.  Every function
 * takes bytes and a length (TXT data may contain NULs) and never reads past
 * them.  *why, where given, is static text.
 */

/*
 * parked_is_spf - the TXT string is an SPF record: "v=spf1" then a space or
 * the end (RFC 7208 §4.5); s borrowed
 */
bool parked_is_spf(const char *s, size_t len);

/* parked_spf_is_fail_all - an SPF record whose only term is "-all" (s borrowed) */
bool parked_spf_is_fail_all(const char *s, size_t len);

/* parked_is_dmarc - the TXT string's first tag is v=DMARC1 (RFC 7489 §6.6.3); s borrowed */
bool parked_is_dmarc(const char *s, size_t len);

/*
 * parked_dmarc_rejects - a DMARC record with p=reject and sp=reject (an
 * absent sp means p's value, RFC 7489 §6.3).  False with *why otherwise.
 * s borrowed, *why static text.
 */
bool parked_dmarc_rejects(const char *s, size_t len, const char **why);

/*
 * parked_dkim_is_empty - a DKIM key record with an empty p= (a revoked key,
 * RFC 6376 §3.6.1): "v=DKIM1; p=".  False with *why otherwise.
 * s borrowed, *why static text.
 */
bool parked_dkim_is_empty(const char *s, size_t len, const char **why);

/*
 * txt_rdata_zone - a TXT or SPF record's strings in zone-file syntax:
 * each string quoted, '"' and '\' escaped, bytes outside printable ASCII as
 * \DDD (zonetext_rr_txt).  Allocated from ar.
 * rr borrowed; the text lives as long as ar.
 */
char *txt_rdata_zone(struct arena *ar, const struct dns_rr *rr);

#endif
