/* src/message/msg_canon.h - DKIM header and body canonicalisation, simple and relaxed (RFC 6376 §3.4) */
#ifndef MS_MESSAGE_MSG_CANON_H
#define MS_MESSAGE_MSG_CANON_H

#include <stddef.h>

#include "message/dkim_sig.h"
#include "util/buf.h"
#include "util/status.h"

/*
 * Pure and bounded: output goes to a struct buf created by the caller with
 * its maximum; appending past it fails with MS_ERR_LIMIT.
 */

/*
 * canon_header - append field raw[0..len) (name to final CRLF, as in the
 * message) canonicalised by c (§3.4.1 simple: unchanged; §3.4.2 relaxed:
 * name lower-cased, folds unfolded, WSP runs one SP, WSP at the end of the
 * value and around the colon removed) to out, ending in CRLF unless crlf is
 * 0 (the signature field itself is hashed without its CRLF, §3.7).  raw is
 * borrowed, copied into the caller's out.
 */
MS_MUST_CHECK enum ms_status canon_header(struct buf *out, enum dkim_canon c, const char *raw, size_t len,
    int crlf);

/*
 * canon_body - append body[0..len) canonicalised by c to out: §3.4.3 simple
 * (trailing empty lines removed, an empty body becomes one CRLF) or §3.4.4
 * relaxed (WSP at line ends removed, WSP runs one SP, trailing empty lines
 * removed, an empty body stays empty).  A body that does not end in CRLF
 * is completed with one.  body is borrowed, copied into the caller's out.
 */
MS_MUST_CHECK enum ms_status canon_body(struct buf *out, enum dkim_canon c, const char *body, size_t len);

#endif
