/* src/dns/zonetext.h - zone-file style text records to wire RDATA (for replay data) and TXT back to zone-file text */
#ifndef MS_DNS_ZONETEXT_H
#define MS_DNS_ZONETEXT_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "util/buf.h"
#include "util/status.h"

/*
 * zonetext_rdata - encode the RDATA text of one record ("10 mail.example.",
 * "\"v=spf1\" \" -all\"", "192.0.2.1") of the given type into wire form.
 * Supports A, AAAA, MX, NS, CNAME, PTR, TXT, SPF, TLSA, SOA and the generic
 * "\# len hex" form (RFC 3597) for any type.  Names must be absolute (the
 * trailing dot is optional).  *err (static text) says what is wrong.
 */
MS_MUST_CHECK enum ms_status zonetext_rdata(uint16_t type, const char *text, struct buf *out,
    const char **err);

/*
 * zonetext_txt - split TXT presentation text into its strings:
 * quoted strings with \" \\ and \DDD escapes, or bare words.  Used for TXT
 * and SPF; out (the caller's) receives the wire form (length-prefixed
 * strings); text is borrowed, *err static.
 */
MS_MUST_CHECK enum ms_status zonetext_txt(const char *text, struct buf *out, const char **err);

/*
 * zonetext_quote - append s[0..n) to b as one zone-file string: in double
 * quotes, '"' and '\' escaped with '\', bytes outside printable ASCII as
 * \DDD.  MS_ERR_LIMIT when b's maximum is reached.  s is borrowed, copied into b.
 */
MS_MUST_CHECK enum ms_status zonetext_quote(struct buf *b, const char *s, size_t n);

/*
 * zonetext_txt_quoted - flat TXT text (the strings concatenated) as zone-file
 * strings, a new one every 255 bytes: "..." "...".  Empty text gives "".
 * Caller frees.
 */
char *zonetext_txt_quoted(const char *s, size_t n);

/*
 * zonetext_rr_txt - a TXT or SPF record's own strings as published, each
 * quoted as by zonetext_quote, separated by one space.  Caller frees.
 */
char *zonetext_rr_txt(const struct dns_rr *rr);

#endif
