/* src/output/template.h - page templates: a small Mustache over JSON, every value escaped */
#ifndef MS_OUTPUT_TEMPLATE_H
#define MS_OUTPUT_TEMPLATE_H

#include <stddef.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/status.h"

/*
 * A page is a template rendered over a JSON value, the same data the API
 * serves, so a page can never show what the API would not.  The syntax is a
 * subset of Mustache (https://mustache.github.io/mustache.5.html):
 *
 *   {{name}}  {{a.b}}  {{.}}   the value, through html_escape (strings; numbers
 *                              as JSON writes them; true as "true"; false, null,
 *                              objects and arrays as nothing)
 *   {{{html_name}}}            a fragment our own code built (an SVG chart),
 *                              copied as it is; only names whose last part
 *                              starts with "html_" may be used so (checked when
 *                              parsing), so review knows where to look
 *   {{#name}}...{{/name}}      once per element of an array, once with an object
 *                              on top of the names, once for any other value
 *                              that is not false, null, "", 0 or missing
 *   {{^name}}...{{/name}}      once when {{#name}} would not be
 *   {{>name}}                  another template, found by the caller's lookup
 *   {{! text }}                a comment
 *
 * Names are looked up from the innermost section outwards.  Bounds: a template
 * of at most TMPL_MAX_SIZE bytes, sections nested TMPL_MAX_DEPTH deep, partials
 * TMPL_MAX_PARTIALS deep; the output is bounded by the caller's buffer.
 */
struct tmpl;

#define TMPL_MAX_SIZE		(1024 * 1024)
#define TMPL_MAX_DEPTH		32
#define TMPL_MAX_PARTIALS	8
#define TMPL_MAX_NAME		64

/*
 * tmpl_parse - parse the len bytes of text (borrowed; copied) as template
 * name (borrowed; copied, for errors); *out owned by the caller (tmpl_free).
 * MS_ERR_SYNTAX (with why: line and what) for an unclosed tag, a section
 * closed by another name or left open, a raw value not named html_*, or a
 * bad name; MS_ERR_LIMIT past the bounds above
 */
MS_MUST_CHECK enum ms_status tmpl_parse(const char *name, const char *text, size_t len, struct tmpl **out,
    char *why, size_t whylen);
/* tmpl_free - free t (NULL is fine) */
void tmpl_free(struct tmpl *t);
/* tmpl_name - the name t was parsed with (borrowed from t) */
const char *tmpl_name(const struct tmpl *t);

/* tmpl_lookup_fn - the template called name, or NULL: borrowed, valid while rendering */
typedef const struct tmpl *(*tmpl_lookup_fn)(void *arg, const char *name);

/*
 * tmpl_render - append t (borrowed) over data (borrowed) to out; partials
 * are found with lookup(arg, name) (lookup may be NULL: then {{>name}} is an
 * error).  MS_ERR_NOTFOUND for a partial lookup does not know, MS_ERR_LIMIT
 * past TMPL_MAX_PARTIALS, else buf_status(out); on failure out holds a part
 * of the page, which the caller throws away
 */
MS_MUST_CHECK enum ms_status tmpl_render(const struct tmpl *t, const json_t *data, tmpl_lookup_fn lookup,
    void *arg, struct buf *out);

#endif
