/* src/core/envelope.h - the envelope of every versioned JSON document: schema names, generator, time */
#ifndef MS_CORE_ENVELOPE_H
#define MS_CORE_ENVELOPE_H

#include <jansson.h>

/*
 * Every versioned JSON document mailsec prints (docs/json.md; each has
 * docs/schema/<name less "/">.json, a test checks it).  The envelope is
 * built here only: the schema name, "mailsec_version" (the program that
 * wrote it, core/version.h) and "generated" (when, RFC 3339 UTC).  Where
 * each field sits in a document is the document's contract, so callers add
 * them in their order; here is what they hold.  In core, not output/, so the
 * layers that build whole documents (records, reports) use it too.
 */
enum doc_schema {
	DOC_CHECK,		/* mailsec/1 */
	DOC_LINT,		/* mailsec-lint/1 */
	DOC_HISTORY,		/* mailsec-history/1 */
	DOC_DIFF,		/* mailsec-diff/1 */
	DOC_MTASTS_LINT,	/* mailsec-mta-sts-lint/1 */
	DOC_DKIM_LINT,		/* mailsec-dkim-lint/1 */
	DOC_TLSRPT_LINT,	/* mailsec-tlsrpt-lint/1 */
	DOC_SPF_EVAL,		/* mailsec-spf-eval/1 */
	DOC_SPF_LINT,		/* mailsec-spf-lint/1 */
	DOC_SPF_TREE,		/* mailsec-spf-tree/1 */
	DOC_DMARC,		/* mailsec-dmarc/1 */
	DOC_MESSAGE,		/* mailsec-message/1 */
	DOC_RECORDS,		/* mailsec-records/1 */
	DOC_PLAN,		/* mailsec-plan/1 */
	DOC_REPORTS,		/* mailsec-reports/1 */
	DOC_EVENTS,		/* mailsec-events/1 */
	DOC_WORKSPACES,		/* mailsec-workspaces/1 */
	DOC_DOMAINS,		/* mailsec-domains/1 */
	DOC_NOTIFY,		/* mailsec-notify/1 */
	DOC_OUTBOX,		/* mailsec-outbox/1 */
	DOC_NOTIFY_TARGETS,	/* mailsec-notify-targets/1 */
	DOC_DOMAINS_SUGGEST,	/* mailsec-domains-suggest/1 */
	DOC_USERS,		/* mailsec-users/1 */
	DOC_TOKENS,		/* mailsec-tokens/1 */
	DOC__COUNT
};

/* doc_schema_name - "mailsec-lint/1" for DOC_LINT; static string */
const char *doc_schema_name(enum doc_schema s);

/* doc_new - a new document (new reference) whose first member is "schema" */
json_t *doc_new(enum doc_schema s);

/* doc_add_schema - set "schema" of doc (borrowed; last when it is new, e.g. a JSON line) */
void doc_add_schema(json_t *doc, enum doc_schema s);

/* doc_add_version - set "mailsec_version" of doc (borrowed) to this program's version */
void doc_add_version(json_t *doc);

/* doc_add_generated - set "generated" of doc (borrowed) to now, "2026-11-22T10:00:00Z" */
void doc_add_generated(json_t *doc);

#endif
