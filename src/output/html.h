/* src/output/html.h - the one escaping function every value on a page goes through */
#ifndef MS_OUTPUT_HTML_H
#define MS_OUTPUT_HTML_H

#include <stddef.h>

#include "util/buf.h"

/*
 * Every value a page or an SVG chart shows was written by a stranger (a report's
 * org_name, a record's text, a certificate's subject), so it reaches the markup
 * only through html_escape: the five characters that end text or an attribute
 * value (& < > " ') become entities, C0 controls other than tab, newline and
 * carriage return and DEL become U+FFFD (they are not allowed in HTML), and
 * bytes that are not UTF-8 become U+FFFD too, so no value can change the
 * encoding or the structure around it.  The result is safe both as element
 * text and inside a double- or single-quoted attribute value; it is not safe
 * as an unquoted attribute, a URL scheme, or inside <script> or <style>
 * (pages have none).
 */

/*
 * html_escape_n - append the first n bytes of s (borrowed) to out, escaped;
 * a failed append is kept in buf_status(out) as for buf_add
 */
void html_escape_n(struct buf *out, const char *s, size_t n);
/* html_escape - html_escape_n of the C string s (borrowed; NULL appends nothing) */
void html_escape(struct buf *out, const char *s);

#endif
