/* src/checks/tlsrpt/tlsrpt_record.h - TLS-RPT policy record grammar (RFC 8460 §3) */
#ifndef MS_CHECKS_TLSRPT_TLSRPT_RECORD_H
#define MS_CHECKS_TLSRPT_TLSRPT_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/problems.h"
#include "util/status.h"

/*
 * Problems found in a _smtp._tls TXT record, each with a byte offset.
 * Class E (senders ignore the record or the address), W (accepted by RFC
 * 8460 but rejected by some parsers) or I (worth knowing).
 */
enum tlsrpt_problem_code {
	TLSRPT_P_NOT_TLSRPT,	/* E: does not begin with v=TLSRPT at all (SPF at the wrong name ...) */
	TLSRPT_P_VERSION,	/* E: v=TLSRPTv2, v=tlsrptv1, v=TLSRPTv10 */
	TLSRPT_P_SYNTAX,	/* E: field-delim / extension grammar */
	TLSRPT_P_NO_RUA,	/* E: no rua= */
	TLSRPT_P_URI,		/* E: a rua URI that is not mailto:/https: or is malformed */
	TLSRPT_P_RUA_REPEATED,	/* W: rua= given more than once */
	TLSRPT_P_EXTENSION,	/* I: an extension field (ignored by senders that do not know it) */
	TLSRPT_P__COUNT
};

#define TLSRPT_PROBLEMS_MAX	16
#define TLSRPT_RUA_MAX		16
#define TLSRPT_RECORD_MAX	4096

struct tlsrpt_uri {
	size_t off, len;	/* the URI as published: record[off .. off+len) */
	bool valid;
	bool https;		/* https: (else mailto:) */
};

/* A parsed record; self-contained apart from offsets into the caller's text. */
struct tlsrpt_record {
	bool is_tlsrpt;		/* begins with "v=TLSRPTv1" (RFC 8460 §3: others are ignored) */
	size_t nrua;		/* URIs kept in rua[] */
	size_t rua_dropped;	/* URIs beyond TLSRPT_RUA_MAX */
	struct tlsrpt_uri rua[TLSRPT_RUA_MAX];
	PROBLEM_LIST(TLSRPT_PROBLEMS_MAX);	/* codes: enum tlsrpt_problem_code */
};

/*
 * tlsrpt_record_parse - parse one TXT record (strings concatenated).  Pure.
 * Always fills *out; MS_ERR_ARG only for NULL arguments.
 * text is borrowed; *out (the caller's) keeps offsets into it, so text must
 * outlive it.
 */
MS_MUST_CHECK enum ms_status tlsrpt_record_parse(const char *text, size_t len, struct tlsrpt_record *out);

/* tlsrpt_has_error - any class E problem (r borrowed) */
bool tlsrpt_has_error(const struct tlsrpt_record *r);

/* tlsrpt_problem_name - stable short name of a code (static text) */
const char *tlsrpt_problem_name(enum tlsrpt_problem_code c);

#endif
