/* src/reports/extract.h - find the reports in a file or a mail message (MIME through mime/) */
#ifndef MS_REPORTS_EXTRACT_H
#define MS_REPORTS_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "reports/dmarc_agg.h"
#include "reports/report.h"
#include "util/arena.h"
#include "util/status.h"

/*
 * What one input yields, delivered to a sink as it is found.  Every report
 * and string handed to the sink is borrowed for the call (it lives in an
 * arena freed after the message).  origin names where it came from
 * ("file.eml", "box.mbox#3", "file.zip").  raw/rawlen are the bytes as
 * found, for quarantining a rejected report.
 */
struct report_sink {
	void (*dmarc)(void *arg, const char *origin, const struct dmarc_report *r);
	void (*tlsrpt)(void *arg, const char *origin, const struct tlsrpt_report *r);
	void (*failure)(void *arg, const char *origin, const struct failure_report *r);
	void (*rejected)(void *arg, const char *origin, const char *why, const char *raw,
	    size_t rawlen);
	/* noreport - a mail message that carries no report (not an error) */
	void (*noreport)(void *arg, const char *origin);
	void *arg;
};

struct extract_opts {
	struct report_limits lim;
	bool keep_failure_bodies;	/* false: --no-failure-bodies */
	size_t max_failure_body;	/* bytes of a failure report's sample kept */
};

/* extract_opts_default - the defaults, into the caller's *o */
void extract_opts_default(struct extract_opts *o);

/*
 * extract_blob - data is a report file (.xml, .xml.gz, .zip, .json,
 * .json.gz): unpack it, parse it as DMARC XML or TLS-RPT JSON by content,
 * and deliver it (or the reason it was rejected).  data, origin, o and s
 * are borrowed for the call; what a sink keeps it copies.
 */
void extract_blob(const char *data, size_t len, const char *origin,
    const struct extract_opts *o, const struct report_sink *s);

/*
 * extract_message - data is one RFC 5322 message: deliver each aggregate
 * report attached (gzip, zip, xml parts), a TLS-RPT report of a
 * multipart/report; report-type=tlsrpt, a failure report (ARF
 * multipart/report; report-type=feedback-report, or the plain-text ones some
 * MTAs send), or noreport.  All borrowed for the call, as extract_blob.
 */
void extract_message(const char *data, size_t len, const char *origin,
    const struct extract_opts *o, const struct report_sink *s);

/* extract_mbox - each message of an mbox file in turn, origin "PATH#N" (all borrowed) */
void extract_mbox(const char *data, size_t len, const char *origin,
    const struct extract_opts *o, const struct report_sink *s);

/*
 * extract_mbox_fp - as extract_mbox, reading fp as a stream (an mbox may be
 * larger than memory).  Takes over fp and closes it; the rest borrowed.
 */
void extract_mbox_fp(FILE *fp, const char *origin, const struct extract_opts *o,
    const struct report_sink *s);

/*
 * looks_like_message - data (borrowed) starts with RFC 5322 header fields
 * (files without a suffix)
 */
bool looks_like_message(const char *data, size_t len);
/* looks_like_mbox - data (borrowed) starts with an mbox "From " line */
bool looks_like_mbox(const char *data, size_t len);

#endif
