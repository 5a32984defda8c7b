/* src/accounts/acct_proof_check.c - the monitor's lookup of _mailsec-verify.DOMAIN TXT for pending proofs */
#include "accounts/accounts_impl.h"
#include "dns/dns.h"
#include "dns/resolver.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One lookup in flight: freed by its callback. */
struct proof_lookup {
	struct accounts *a;
	char *domain;
	int64_t now;
	acct_proof_done_cb done;
	void *arg;
};

/* on_txt - the TXT answer: hand its strings to accounts_proof_seen, then tell the caller */
static void
on_txt(struct dns_answer *ans, void *arg)
{
	struct proof_lookup *l = arg;
	const char **txt = NULL;
	size_t *len = NULL, n = 0;
	uint64_t verified = 0;
	char why[600];
	const char *said = NULL;

	if (ans->status == DNS_OK) {
		txt = xcalloc(ans->n ? ans->n : 1, sizeof *txt);
		len = xcalloc(ans->n ? ans->n : 1, sizeof *len);
		for (size_t i = 0; i < ans->n; i++)
			if (ans->rr[i].type == DNS_T_TXT) {
				txt[n] = ans->rr[i].u.txt.text;
				len[n++] = ans->rr[i].u.txt.len;
			}
		if (accounts_proof_seen(l->a, l->domain, txt, len, n, l->now, &verified) != MS_OK) {
			snprintf(why, sizeof why, "%s", accounts_error(l->a));
			said = why;
		}
	} else if (ans->status != DNS_NXDOMAIN && ans->status != DNS_NODATA) {
		snprintf(why, sizeof why, "%s.%s TXT: %s%s%s", ACCT_PROOF_LABEL, l->domain,
		    dns_outcome_name(ans->status), ans->why ? ": " : "", ans->why ? ans->why : "");
		said = why;
	}
	l->done(l->arg, l->domain, verified, said);
	free(txt);
	free(len);
	free(l->domain);
	free(l);
}

enum ms_status
accounts_proof_check(struct accounts *a, struct resolver *res, const char *domain, int64_t now,
    acct_proof_done_cb done, void *arg, bool *started)
{
	struct proof_lookup *l;
	char name[sizeof ACCT_PROOF_LABEL + 256];
	bool pending;
	enum ms_status rc;

	*started = false;
	if ((rc = accounts_proof_pending(a, domain, &pending)) != MS_OK || !pending)
		return rc;
	if ((size_t)snprintf(name, sizeof name, "%s.%s", ACCT_PROOF_LABEL, domain) >= sizeof name)
		return acct_say(a, MS_ERR_ARG, "the domain name is too long");
	l = xcalloc(1, sizeof *l);
	l->a = a;
	l->domain = xstrdup(domain);
	l->now = now;
	l->done = done;
	l->arg = arg;
	if (resolver_query(res, name, DNS_T_TXT, on_txt, l) != MS_OK) {
		free(l->domain);
		free(l);
		return acct_say(a, MS_ERR_INTERNAL, "the resolver took no query for %s", name);
	}
	*started = true;
	return MS_OK;
}
