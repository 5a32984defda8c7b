/* src/policy/spf_eval.h - check_host() (RFC 7208 §4-§8) on the asynchronous resolver */
#ifndef MS_POLICY_SPF_EVAL_H
#define MS_POLICY_SPF_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/resolver.h"
#include "util/ipaddr.h"

enum spf_result {
	SPF_NONE, SPF_NEUTRAL, SPF_PASS, SPF_FAIL, SPF_SOFTFAIL, SPF_TEMPERROR, SPF_PERMERROR
};

#define SPF_LOOKUP_LIMIT	10	/* §4.6.4: DNS-querying terms per evaluation */
#define SPF_VOID_LIMIT		2	/* §4.6.4: void lookups per evaluation */
#define SPF_MX_NAMES_LIMIT	10	/* §4.6.4: MX names per mx mechanism */
#define SPF_PTR_NAMES_LIMIT	10	/* §4.6.4: PTR names looked at per ptr mechanism */
#define SPF_SENDER_MAX		512	/* longer sender identities are refused */

/*
 * What to evaluate.  sender may be empty (the null reverse-path): then the
 * HELO identity is checked, as postmaster@helo (§2.4).  All strings borrowed
 * for the call to spf_eval_start() only (they are copied).
 */
struct spf_cache;

/*
 * Another way to ask than the resolver itself: an audit's memo, so an
 * evaluation inside an audit asks no name and type the audit asked already.
 * peek returns the answer already held for name/type (borrowed for the
 * call) or NULL; ask starts the lookup and calls cb exactly once from the
 * event loop, never inside ask (so only after peek said NULL).  name is
 * borrowed for the call; ctx is the caller's.
 */
struct spf_lookup_hook {
	struct dns_answer *(*peek)(void *ctx, const char *name, uint16_t type);
	void (*ask)(void *ctx, const char *name, uint16_t type, dns_callback cb, void *arg);
	void *ctx;
};

struct spf_request {
	struct ipaddr	 ip;
	const char	*sender;	/* MAIL FROM, or "" / NULL */
	const char	*helo;		/* HELO/EHLO name (may be NULL) */
	const char	*receiver;	/* %{r}; NULL: "unknown" */
	int64_t		 now;		/* %{t} */
	bool		 trace;		/* record every step */
	struct spf_cache *cache;	/* answers shared with other evaluations, or NULL */
	const void	*owner;		/* tags the lookups (resolver_query_owned), or NULL */
	const struct spf_lookup_hook *hook;	/* borrowed until done runs, or NULL: res */
};

struct spf_outcome {
	enum spf_result	 result;
	const char	*explanation;	/* fail only: the exp= text, or NULL (default) */
	const char	*problem;	/* why permerror/temperror/none, or NULL */
	const char	*domain;	/* the domain checked (d at the top) */
	const char	*mechanism;	/* the term that matched (top-level record), or NULL */
	const char	*matched_via;	/* where it matched: an include: of the top-level record
					 * (after any redirect=), its expanded target; else the
					 * domain whose record holds the term; or NULL */
	const char	*record;	/* the top-level record used, or NULL */
	unsigned	 lookups;	/* DNS-querying terms evaluated */
	unsigned	 void_lookups;
	const char	*trace;		/* step by step, one line each; "" without trace */
};

struct spf_eval;
typedef void (*spf_done_cb)(struct spf_eval *ev, const struct spf_outcome *out, void *arg);

/*
 * spf_eval_start - begin check_host() for req on res.  done runs exactly
 * once, from the event loop (never inside this call).  Many evaluations may
 * run at once on one resolver.  The caller frees ev with spf_eval_free()
 * (from done or later); the outcome's strings live as long as ev.
 */
struct spf_eval *spf_eval_start(struct resolver *res, const struct spf_request *req,
    spf_done_cb done, void *arg);
/* spf_eval_free - free ev and the outcome's strings; NULL-safe */
void spf_eval_free(struct spf_eval *ev);

/* spf_result_name - "pass", "fail", ... (static text) */
const char *spf_result_name(enum spf_result r);

/*
 * spf_cache_new - answers shared by the evaluations of one batch, so a
 * thousand evaluations against the same providers ask for each name once.
 * At most max answers are kept, for the life of the cache (TTLs are not
 * consulted: a cache is for one run, not for a daemon); failures (SERVFAIL,
 * TIMEOUT, BOGUS) are never kept.  It also keeps the parse of every SPF
 * record met twice, so an outcome's record text may be the cache's.  Free
 * it with spf_cache_free() once every evaluation using it is freed
 * (spf_eval_free), not only done.
 */
struct spf_cache *spf_cache_new(size_t max);
void spf_cache_free(struct spf_cache *c);

/*
 * spf_record_in - §4.5: the "v=spf1" TXT records of ans (borrowed): *count of
 * them, and the last one found (borrowed from ans), or NULL; none unless ans
 * is DNS_OK
 */
const struct dns_rr *spf_record_in(const struct dns_answer *ans, size_t *count);

#endif
