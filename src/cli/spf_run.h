/* src/cli/spf_run.h - SPF check_host() for one client or a batch: shared by `mailsec spf eval` and mailsec-spf */
#ifndef MS_CLI_SPF_RUN_H
#define MS_CLI_SPF_RUN_H

#include <stdbool.h>

struct event_base;
struct resolver;

/*
 * One program's evaluation request: either a batch file ("-" for stdin;
 * lines "IP SENDER [HELO]", "-" for an empty sender) or one client (ip and
 * sender or helo).  Strings are borrowed until spf_batch_free().
 */
struct spf_run_opts {
	const char *ip, *sender, *helo;
	const char *batch;
	bool json;	/* one mailsec-spf-eval/1 object per evaluation (always with batch) */
	bool trace;	/* the evaluation's trace, in the text or the JSON */
};

struct spf_batch;

/*
 * spf_batch_load - read and check what o asks to evaluate, before any
 * resolver exists.  0 and *out (free with spf_batch_free), or 2 (usage:
 * said on stderr) and *out NULL.
 */
int spf_batch_load(const struct spf_run_opts *o, struct spf_batch **out);

/*
 * spf_batch_run - evaluate everything (at most 256 at once; a batch shares
 * one answer cache) with res on base, printing the results on stdout in
 * input order as they are ready.  Returns the exit code: 0, or 2 when a
 * line's IP is not an address or no resolver answered at all.  res and
 * base are borrowed; base is run until the evaluations are done.
 */
int spf_batch_run(struct spf_batch *b, struct resolver *res, struct event_base *base);

/* spf_batch_free - NULL is fine; frees b and what it owns */
void spf_batch_free(struct spf_batch *b);

#endif
