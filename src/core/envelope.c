/* src/core/envelope.c - the envelope of every versioned JSON document: schema names, generator, time */
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "core/version.h"

#include <stdlib.h>

static const char *const doc_names[DOC__COUNT] = {
	[DOC_CHECK] = "mailsec/1",
	[DOC_LINT] = "mailsec-lint/1",
	[DOC_HISTORY] = "mailsec-history/1",
	[DOC_DIFF] = "mailsec-diff/1",
	[DOC_MTASTS_LINT] = "mailsec-mta-sts-lint/1",
	[DOC_DKIM_LINT] = "mailsec-dkim-lint/1",
	[DOC_TLSRPT_LINT] = "mailsec-tlsrpt-lint/1",
	[DOC_SPF_EVAL] = "mailsec-spf-eval/1",
	[DOC_SPF_LINT] = "mailsec-spf-lint/1",
	[DOC_SPF_TREE] = "mailsec-spf-tree/1",
	[DOC_DMARC] = "mailsec-dmarc/1",
	[DOC_MESSAGE] = "mailsec-message/1",
	[DOC_RECORDS] = "mailsec-records/1",
	[DOC_PLAN] = "mailsec-plan/1",
	[DOC_REPORTS] = "mailsec-reports/1",
	[DOC_EVENTS] = "mailsec-events/1",
	[DOC_WORKSPACES] = "mailsec-workspaces/1",
	[DOC_DOMAINS] = "mailsec-domains/1",
	[DOC_NOTIFY] = "mailsec-notify/1",
	[DOC_OUTBOX] = "mailsec-outbox/1",
	[DOC_NOTIFY_TARGETS] = "mailsec-notify-targets/1",
	[DOC_DOMAINS_SUGGEST] = "mailsec-domains-suggest/1",
	[DOC_USERS] = "mailsec-users/1",
	[DOC_TOKENS] = "mailsec-tokens/1",
};

/* doc_schema_name - the schema's name as documents carry it */
const char *
doc_schema_name(enum doc_schema s)
{
	if ((unsigned)s >= DOC__COUNT || doc_names[s] == NULL)
		abort();	/* a broken internal invariant: every caller names a member */
	return doc_names[s];
}

/* doc_new - {"schema": name} */
json_t *
doc_new(enum doc_schema s)
{
	json_t *o = json_object();

	doc_add_schema(o, s);
	return o;
}

/* doc_add_schema - "schema" */
void
doc_add_schema(json_t *doc, enum doc_schema s)
{
	json_object_set_new(doc, "schema", json_string(doc_schema_name(s)));
}

/* doc_add_version - "mailsec_version" */
void
doc_add_version(json_t *doc)
{
	json_object_set_new(doc, "mailsec_version", json_string(MAILSEC_VERSION));
}

/* doc_add_generated - "generated" */
void
doc_add_generated(json_t *doc)
{
	json_object_set_new(doc, "generated", json_rfc3339_now());
}
