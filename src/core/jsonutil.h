/* src/core/jsonutil.h - building JSON from untrusted strings */
#ifndef MS_CORE_JSONUTIL_H
#define MS_CORE_JSONUTIL_H

#include <stddef.h>

#include <jansson.h>
#include <time.h>

/*
 * json_text - a JSON string for s; bytes that are not valid UTF-8 (hostile
 * TXT data, windows-1252 reports) are shown as \xHH escapes instead of making
 * the value vanish, as json_string() would; so is a string holding DEL or a
 * C1 control (an SMTP banner's or an HTTP header's CSI), which jansson would
 * write raw.  NULL gives JSON null.  s is copied; the result is a new
 * reference (the caller decrefs, or hands it to a json_*_set_new).
 */
json_t *json_text(const char *s);
/* json_textn - json_text of s[0..n) (copied); a new reference */
json_t *json_textn(const char *s, size_t n);

/*
 * json_utf8_len - the length of the valid UTF-8 sequence at s (at most left
 * bytes read), by jansson's rules (its utf8_check_full: no overlong form, no
 * surrogate, nothing past U+10FFFF); 0 when it is not one.  s is
 * borrowed, only read.
 */
size_t json_utf8_len(const unsigned char *s, size_t left);

struct buf;

/*
 * json_text_append - append to b exactly what json_dumps(json_text(s),
 * JSON_ENCODE_ANY) writes (s borrowed; NULL: "null"), without building a
 * jansson value for the common case, an ASCII string: for a hot writer of one
 * JSON line per item (spf eval --batch).  A string with a byte >= 0x7f goes
 * through jansson, so the two can never differ.  Appends with buf_add*: the
 * caller asks buf_status() once.
 */
void json_text_append(struct buf *b, const char *s);

/* json_rfc3339_now - the current UTC time as "2026-11-22T10:00:00Z"; a new reference */
json_t *json_rfc3339_now(void);
/* json_rfc3339 - t (epoch seconds) as "YYYY-MM-DDTHH:MM:SSZ"; a new reference */
json_t *json_rfc3339(time_t t);

#endif
