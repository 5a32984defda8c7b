/* tests/allocfail/allocfail.h - what the allocation-failure driver's parser runners share */
#ifndef MS_TESTS_ALLOCFAIL_H
#define MS_TESTS_ALLOCFAIL_H

#include <stddef.h>

#include "util/status.h"

/* One run of a parser: its status and, for MS_ERR_NOMEM, the error text it gives. */
struct outcome {
	enum ms_status	 st;
	char		 why[256];
};

/* runner_fn - one parser run over data[0..size) (borrowed), its outcome into the caller's *o */
typedef void (*runner_fn)(const char *data, size_t size, struct outcome *o);

/* say - record the parser's own error text in o (why borrowed, copied) */
void say(struct outcome *o, const char *why);

/*
 * The runners of the report readers live in allocfail_reports.c: reports/
 * and checks/dmarc/ both name a dmarc_policy, so one file cannot include both.
 */
/* run_tlsrpt_json - the TLS-RPT JSON report reader */
void run_tlsrpt_json(const char *data, size_t size, struct outcome *o);
/* run_dmarc_xml - the DMARC aggregate (XML) report reader */
void run_dmarc_xml(const char *data, size_t size, struct outcome *o);

#endif
