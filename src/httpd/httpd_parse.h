/* src/httpd/httpd_parse.h - the HTTP server's pure parsers: request paths, cookies, urlencoded forms */
#ifndef MS_HTTPD_HTTPD_PARSE_H
#define MS_HTTPD_HTTPD_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

/*
 * Pure: bytes in, a struct out, no I/O and no allocation.  Every result is a
 * fixed-size struct the caller provides (its strings point into the struct's
 * own buffer), so the bounds below are the whole cost of hostile input; a
 * longer or stranger input is refused with MS_ERR_LIMIT or MS_ERR_SYNTAX and
 * a short reason in the struct's why.  Fuzz targets: fuzz/fuzz_httpd_path.c,
 * fuzz_httpd_cookie.c, fuzz_httpd_form.c.
 */

#define HTTPD_PATH_MAX		1024	/* bytes of a request path as sent */
#define HTTPD_PATH_SEGS		16	/* segments of a path */
#define HTTPD_COOKIE_MAX	4096	/* bytes of a Cookie header */
#define HTTPD_COOKIES		32	/* cookies in one header */
#define HTTPD_FORM_MAX		65536	/* bytes of a form body or query string */
#define HTTPD_FORM_FIELDS	64	/* fields of one form */

/*
 * A request path split into its decoded segments: "/api/v1/domains/a.test"
 * is 4 segments.  A trailing slash gives no empty segment ("/login/" is
 * "login"); "/" is no segment at all.
 */
struct httpd_path {
	char buf[HTTPD_PATH_MAX + 1];
	const char *seg[HTTPD_PATH_SEGS];
	size_t nseg;
	const char *why;	/* set on failure (static text) */
};

/*
 * httpd_path_parse - split and percent-decode raw[0..len), a request target's
 * path as sent (no query).  Refused (MS_ERR_SYNTAX): not starting with '/',
 * a bad escape, an encoded '/' or '\' (%2f, %5c), a NUL or other control
 * byte (raw or encoded), an empty segment ("//"), and a "." or ".." segment
 * however spelt ("%2e%2e").  MS_ERR_LIMIT: longer than HTTPD_PATH_MAX or
 * more than HTTPD_PATH_SEGS segments.  out is the caller's.
 */
MS_MUST_CHECK enum ms_status httpd_path_parse(const char *raw, size_t len, struct httpd_path *out);

/* Cookies of one Cookie header (RFC 6265 §4.2.1), names and values as sent. */
struct httpd_cookies {
	char buf[HTTPD_COOKIE_MAX + HTTPD_COOKIES + 1];	/* each pair adds at most one NUL */
	struct { const char *name, *value; } v[HTTPD_COOKIES];
	size_t n;
	const char *why;
};

/*
 * httpd_cookie_parse - "a=1; b=2" into out (the caller's).  Values may be
 * double-quoted (the quotes are dropped); a pair without '=' or with a
 * control byte, a space inside a name, an empty name: MS_ERR_SYNTAX; over
 * HTTPD_COOKIE_MAX bytes or HTTPD_COOKIES pairs: MS_ERR_LIMIT.
 */
MS_MUST_CHECK enum ms_status httpd_cookie_parse(const char *raw, size_t len, struct httpd_cookies *out);
/* httpd_cookie_get - the first cookie called name, or NULL (borrowed from c) */
const char *httpd_cookie_get(const struct httpd_cookies *c, const char *name);

/* Fields of an application/x-www-form-urlencoded body or a query string. */
struct httpd_form {
	char buf[HTTPD_FORM_MAX + 2 * HTTPD_FORM_FIELDS + 1];	/* each field adds at most two NULs */
	struct { const char *name, *value; } v[HTTPD_FORM_FIELDS];
	size_t n;
	const char *why;
};

/*
 * httpd_form_parse - "a=1&b=x+y%21" into out (the caller's): '+' is a space,
 * %XX a byte; a field without '=' has the value "".  A bad escape, a decoded
 * NUL or other control byte but tab, CR and LF: MS_ERR_SYNTAX; over
 * HTTPD_FORM_MAX bytes or HTTPD_FORM_FIELDS fields: MS_ERR_LIMIT.  Empty
 * fields ("a=1&&b=2") are skipped.
 */
MS_MUST_CHECK enum ms_status httpd_form_parse(const char *raw, size_t len, struct httpd_form *out);
/* httpd_form_get - the first field called name, or NULL (borrowed from f) */
const char *httpd_form_get(const struct httpd_form *f, const char *name);
/* httpd_form_count - how many fields are called name (a field given twice is often an attack) */
size_t httpd_form_count(const struct httpd_form *f, const char *name);

#endif
