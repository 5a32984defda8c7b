/* src/policy/report_uri.h - report URIs (mailto: and https:) as TLS-RPT and BIMI records carry them (pure) */
#ifndef MS_POLICY_REPORT_URI_H
#define MS_POLICY_REPORT_URI_H

#include <stdbool.h>
#include <stddef.h>

/*
 * report_uri_check - whether s[0..n) is a usable mailto: (one addr-spec) or
 * https: (host, optional port, path, query) URI with valid %-escapes; *why
 * (static text) says what is wrong.  allow_mailto false: https only (BIMI).
 */
bool report_uri_check(const char *s, size_t n, bool allow_mailto, const char **why);

#endif
