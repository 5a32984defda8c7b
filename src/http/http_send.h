/* src/http/http_send.h - blocking sends over libcurl: an HTTPS POST, a message through an SMTP relay */
#ifndef MS_HTTP_HTTP_SEND_H
#define MS_HTTP_HTTP_SEND_H

#include <stddef.h>

#include "util/status.h"

/*
 * Two one-shot transfers for programs that deliver something and wait for
 * the answer (the notification outbox, src/notify/): libcurl's easy API,
 * blocking the calling thread for at most `timeout` seconds.  Nothing is
 * kept between calls; every string is borrowed for the call.  On failure
 * the status is non-MS_OK and why (the caller's buffer, always terminated)
 * says what happened in words (curl's message, or the HTTP status).
 */

/*
 * http_post - POST body (len bytes) to url (https:// only) with the extra
 * header lines headers[0..nheaders) ("Name: value"), certificate checked
 * against the system store plus ca_file (NULL: none); redirects are never
 * followed.  MS_OK only for a 2xx answer; *status (if given) is the HTTP
 * status (0 when none arrived).  MS_ERR_ARG for a URL that is not https://.
 * Everything is borrowed for the call; why is the caller's buffer.
 */
MS_MUST_CHECK enum ms_status http_post(const char *url, const char *const *headers,
    size_t nheaders, const char *body, size_t len, const char *ca_file, double timeout,
    long *status, char *why, size_t whylen);

/*
 * smtp_send - hand msg (len bytes: an RFC 5322 message with CRLF line ends)
 * to the relay at relay ("HOST" or "HOST:PORT", "[IPV6]:PORT"; port 25 by
 * default) with envelope sender from and one recipient rcpt.  STARTTLS is
 * used when the relay offers it (certificate checked against the system
 * store plus ca_file); libcurl dot-stuffs the data.  MS_OK once the relay
 * accepted the message (250 after DATA).  Everything is borrowed for the
 * call; why is the caller's buffer.
 */
MS_MUST_CHECK enum ms_status smtp_send(const char *relay, const char *from, const char *rcpt,
    const char *msg, size_t len, const char *ca_file, double timeout, char *why, size_t whylen);

#endif
