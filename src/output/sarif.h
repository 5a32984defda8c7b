/* src/output/sarif.h - findings as a SARIF 2.1.0 log for code scanning (docs/sarif.md) */
#ifndef MAILSEC_OUTPUT_SARIF_H
#define MAILSEC_OUTPUT_SARIF_H

#include <jansson.h>
#include <stdbool.h>

#include "core/finding.h"

/* The schema a log names in "$schema"; tests validate against this version (rtm.5). */
#define SARIF_SCHEMA_URI \
	"https://raw.githubusercontent.com/schemastore/schemastore/master/src/schemas/json/sarif-2.1.0-rtm.5.json"

/*
 * Where a result points: a file (uri as sarif_file_uri made it, borrowed)
 * and a 1-based line (0: the whole file, no region).  A result with no
 * sarif_loc points at its subject only (a logical location: check's domains).
 */
struct sarif_loc {
	const char	*uri;
	unsigned	 line;
};

/*
 * sarif_file_uri - a path as a SARIF artifact URI: a relative path stays
 * relative (to the directory mailsec ran in), an absolute one becomes
 * file:///...; bytes outside RFC 3986's unreserved set and '/' are
 * percent-encoded.  Caller frees.
 */
char *sarif_file_uri(const char *path);

/*
 * sarif_is_result - whether f is a SARIF result: every finding but a pass
 * (docs/sarif.md); f borrowed
 */
bool sarif_is_result(const struct finding *f);

/*
 * sarif_result - one SARIF result for f (borrowed), found while auditing
 * domain (borrowed): ruleId the finding's id, level and kind from its
 * severity (docs/sarif.md), message, the location at (may be NULL) and the
 * subject as a logical location; evidence and advice as properties.  New
 * reference.
 */
json_t *sarif_result(const char *domain, const struct finding *f, const struct sarif_loc *at);

/*
 * sarif_log - the whole log of one run of command ("lint", "check"): one
 * run whose tool.driver.rules are the catalogue entries of the ids the
 * results name (each with its title and a helpUri to its page), results
 * (an array, stolen) with ruleIndex set.  New reference.
 */
json_t *sarif_log(const char *command, json_t *results);

#endif
