/* src/smtp/smtp_probe_cache.h - STARTTLS probes shared by every audit of one run or monitor round */
#ifndef MS_SMTP_SMTP_PROBE_CACHE_H
#define MS_SMTP_SMTP_PROBE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp/smtp_probe.h"
#include "util/status.h"

/*
 * Thousands of domains share a provider's MX hosts; a receiving server
 * punishes a scanner that connects once per domain.  A probe cache makes
 * one STARTTLS probe per (address, port, probe settings) for the audits of
 * one scope (one `check` run, one monitor round): the first asker starts
 * the probe, later askers join it (or, once it is done, get its result), and
 * each gets the result through its own callback.
 *
 * The key: the address, the port, TLS-1.0/1.1-only or not, the EHLO name
 * and the step timeout; and for a probe with DANE enabled, also the MX name
 * (DANE's base domain) and the TLSA records.  Without DANE the MX name is
 * not part of the key: the connection's result (STARTTLS offered, version,
 * cipher, the presented chain) is shared, and each audit judges the
 * certificate against its own MX name.  The name sent as SNI is the first
 * asker's.
 *
 * Cancelling (a run's deadline) ends one owner's interest only: its
 * waiters get a timed-out result (from the loop); the probe goes on for the
 * others, and is abandoned when no waiter remains.
 *
 * Memory: at most SMTP_PROBE_CACHE_KEEP finished results are kept (the
 * least recently used is dropped first); everything goes with
 * smtp_probe_cache_free() at the end of the scope.  Nothing is
 * process-wide.
 */

#define SMTP_PROBE_CACHE_KEEP	512	/* finished results kept per cache */

struct smtp_probe_cache;

/* What a cache did (smtp_probe_cache_stats). */
struct smtp_probe_cache_stats {
	uint64_t asked;		/* smtp_probe_cache_start calls that were accepted */
	uint64_t made;		/* probes started on the prober */
	uint64_t shared;	/* asks answered by a probe another asker started */
	uint64_t abandoned;	/* probes dropped because every waiter left */
	uint64_t evicted;	/* finished results dropped to stay under SMTP_PROBE_CACHE_KEEP */
};

/*
 * smtp_probe_cache_new - a cache over sp (borrowed: it must outlive the
 * cache).  share false: every ask is a probe of its own (counted all the
 * same).  Free with smtp_probe_cache_free().
 */
struct smtp_probe_cache *smtp_probe_cache_new(struct smtp_prober *sp, bool share);

/*
 * smtp_probe_cache_start - as smtp_probe_start (cfg copied; cfg->owner is
 * the asker, e.g. its run, for smtp_probe_cache_cancel_owned), but joined
 * to an equal probe of the cache when there is one.  cb runs exactly once,
 * from the loop, never inside this call, with the result borrowed for the
 * call, unless the cache is freed first.
 */
MS_MUST_CHECK enum ms_status smtp_probe_cache_start(struct smtp_probe_cache *c,
    const struct smtp_probe_config *cfg, smtp_probe_callback cb, void *arg);

/*
 * smtp_probe_cache_cancel_owned - owner's asks still waiting end (from the
 * loop) as timed out with why (copied); a probe left without waiters is
 * abandoned.  Other owners' asks are untouched.
 */
void smtp_probe_cache_cancel_owned(struct smtp_probe_cache *c, const void *owner, const char *why);

/* smtp_probe_cache_stats - the counters so far (borrowed, valid until the cache is freed) */
const struct smtp_probe_cache_stats *smtp_probe_cache_stats(const struct smtp_probe_cache *c);

/*
 * smtp_probe_cache_free - abandon the probes in flight and drop every
 * waiter without its callback, then free the results and the cache (NULL
 * is fine).  Call it when the scope's audits are over.
 */
void smtp_probe_cache_free(struct smtp_probe_cache *c);

/*
 * smtp_probe_result_copy - a copy of r (borrowed) that holds its own
 * references to the certificates; free with smtp_probe_result_free()
 */
struct smtp_probe_result *smtp_probe_result_copy(const struct smtp_probe_result *r);
/* smtp_probe_result_free - free a copy made by smtp_probe_result_copy (NULL is fine) */
void smtp_probe_result_free(struct smtp_probe_result *r);

#endif
