/* src/reports/report.h - the report data model: what the parsers produce, the ingest stores and the summary reads */
#ifndef MS_REPORTS_REPORT_H
#define MS_REPORTS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Plain structs the report parsers (dmarc_agg, tlsrpt_parse, extract)
 * produce, the ingest stores (report_store.c turns them into the rows of
 * store/store.h, a layer below, which does not know them) and `reports
 * parse` prints (report_json).  Every string and array lives in the arena
 * the parser was given; NULL means "absent from the report" (an empty
 * element gives ""), numbers that were absent are -1 where noted.
 */

/* DMARC aggregate report: RFC 7489 Appendix C and RFC 9990 (dmarc-2.0 namespace). */
struct dmarc_auth {
	char *domain;
	char *selector;		/* DKIM only */
	char *scope;		/* SPF only: mfrom, helo */
	char *result;		/* lower-cased */
	char *human_result;	/* RFC 9990 */
};

struct dmarc_row {
	char *source_ip;
	uint64_t count;
	char *disposition;	/* lower-cased */
	char *dkim;		/* policy_evaluated (aligned result), lower-cased */
	char *spf;
	char *reasons;		/* "type[: comment]" joined with "; ", or NULL */
	char *policy_test_mode;	/* RFC 9990 (in policy_evaluated) */
	char *header_from;
	char *envelope_from;
	char *envelope_to;
	struct dmarc_auth *dkim_auth;
	size_t ndkim_auth;
	struct dmarc_auth *spf_auth;
	size_t nspf_auth;
};

struct dmarc_policy {
	char *domain;
	char *adkim, *aspf, *p, *sp, *np, *pct, *fo, *testing, *discovery_method;
};

struct dmarc_report {
	char *xmlns;		/* namespace of <feedback>, NULL for RFC 7489 */
	char *version;
	char *org_name;
	char *email;
	char *extra_contact_info;
	char *report_id;
	char *generator;	/* RFC 9990 */
	char *errors;		/* <error> elements joined with "; " */
	int64_t begin, end;	/* date_range, seconds since the epoch; -1 absent or invalid */
	struct dmarc_policy policy;
	struct dmarc_row *rows;
	size_t nrows;
	uint64_t messages;	/* sum of row counts */
	size_t recovered;	/* XML errors the lenient parser recovered from */
	char *problems;		/* what the parser found wrong but kept (invalid rows), or NULL */
};

/* TLS-RPT aggregate report (RFC 8460 §4). */
struct tlsrpt_failure {
	char *result_type;
	char *sending_mta_ip;
	char *receiving_mx_hostname;
	char *receiving_mx_helo;
	char *receiving_ip;
	uint64_t failed_session_count;
	char *additional_information;
	char *failure_reason_code;
};

struct tlsrpt_policy {
	char *policy_type;	/* sts, tlsa, no-policy-found */
	char *policy_domain;
	char *policy_string;	/* lines joined with "\n" */
	char *mx_host;		/* string or array joined with " " */
	uint64_t success;
	uint64_t failure;
	struct tlsrpt_failure *failures;
	size_t nfailures;
};

struct tlsrpt_report {
	char *organization_name;
	char *contact_info;
	char *report_id;
	int64_t begin, end;	/* date-range, -1 when absent or invalid */
	struct tlsrpt_policy *policies;
	size_t npolicies;
	char *problems;		/* what the parser found wrong but kept (invalid counts), or NULL */
};

/* DMARC failure report (RFC 9991 / ARF RFC 5965, or plain text). */
struct failure_report {
	char *reporter;		/* the From address's domain, or Reporting-MTA */
	char *report_id;	/* the report message's Message-ID */
	char *feedback_type;	/* auth-failure ... */
	char *reported_domain;
	char *source_ip;
	char *arrival_date;
	char *original_mail_from;
	char *original_rcpt_to;
	char *auth_failure;	/* dmarc, dkim, spf */
	char *authentication_results;
	char *delivery_result;
	int64_t date;		/* report Date:, -1 absent */
	char *body;		/* the headers/message sample (personal data); may be NULL */
	size_t body_len;
};

#endif
