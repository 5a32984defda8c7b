/* src/checks/bimi/bimi_record.h - BIMI assertion record (default._bimi TXT) and the DMARC policy it needs */
#ifndef MS_CHECKS_BIMI_BIMI_RECORD_H
#define MS_CHECKS_BIMI_BIMI_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/problems.h"
#include "util/status.h"

#define BIMI_RECORD_MAX	4096
#define BIMI_PROBLEMS_MAX	8

enum bimi_problem_code {
	BIMI_P_SYNTAX,		/* tag list or version */
	BIMI_P_LOGO,		/* l= is not a list of https: URIs */
	BIMI_P_AUTHORITY	/* a= is not an https: URI */
};

/* A parsed record; l and a are offsets into the caller's text. */
struct bimi_record {
	bool is_bimi;		/* begins with v=BIMI1 */
	bool has_l, has_a;
	size_t l_off, l_len;	/* l= value (may be empty) */
	size_t a_off, a_len;	/* a= value (may be empty) */
	bool declined;		/* l and a both empty or absent: the domain opts out */
	PROBLEM_LIST(BIMI_PROBLEMS_MAX);	/* codes: enum bimi_problem_code */
};

/*
 * bimi_record_parse - parse v=BIMI1; l=...; a=... (pure); MS_ERR_ARG on NULL
 * only; text borrowed, *out keeps offsets into it
 */
MS_MUST_CHECK enum ms_status bimi_record_parse(const char *text, size_t len, struct bimi_record *out);

/*
 * The DMARC policy tags BIMI depends on (p, sp, pct, t), taken from a record
 * the DMARC parser (checks/dmarc) read.
 */
struct bimi_dmarc {
	bool is_dmarc;
	char p[16], sp[16];	/* as published, lower case; "" when absent */
	int pct;		/* -1 when absent, -2 when not a number from 0 to 100 */
	bool testing;		/* t=y */
};

struct dmarc_record;

/*
 * bimi_dmarc_from_record - fill *out from a parsed DMARC record (pure); r
 * borrowed, *out copies what it needs
 */
void bimi_dmarc_from_record(const struct dmarc_record *r, struct bimi_dmarc *out);

/*
 * bimi_dmarc_read - parse one TXT record with the DMARC parser and fill *out
 * (pure); text borrowed, *out copies what it needs
 */
void bimi_dmarc_read(const char *text, size_t len, struct bimi_dmarc *out);

/*
 * bimi_dmarc_enforced - p and sp quarantine/reject, pct absent or 100, no
 * t=y; *why when not (d borrowed, *why static text)
 */
bool bimi_dmarc_enforced(const struct bimi_dmarc *d, const char **why);

#endif
