/* src/engine/session.c - a session: the machinery every run on one event loop shares */
#include "engine/session.h"
#include "checks/dkim/dkim_key_cache.h"
#include "dns/resolver.h"
#include "dns/resolver_replay.h"
#include "dns/resolver_stub.h"
#include "dns/resolver_unbound.h"
#include "dns/suffix_list.h"
#include "http/http_fetch.h"
#include "policy/providers.h"
#include "smtp/smtp_probe.h"
#include "util/arena.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <stdlib.h>
#include <sys/resource.h>

/* arena chunks (8 KB) the session keeps for its audits: about four a domain in flight at the default concurrency */
#define SESSION_CHUNKS_KEPT	256

/*
 * raise_fd_limit - both network backends hold one UDP socket per query in
 * flight (a random source port each; libunbound at most 128):
 * up to ENGINE_MAX_INFLIGHT audits times about 40 queries, more than a soft
 * limit of 1,024 descriptors.  Raise the soft
 * limit towards the hard one (at most 65,536); failing that, a query that
 * cannot get a socket is a SERVFAIL (unknown), never "missing".
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= 65536 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/*
 * validates_refused - MS_OK when --resolver-validates can be used as
 * configured, else MS_ERR_ARG with *err (caller frees) saying why: it trusts
 * one named resolver's AD bit, so it needs --resolver and means nothing with
 * a trust anchor (nothing is validated here) or replay data (no resolver).
 */
static enum ms_status
validates_refused(const struct session_config *cfg, char **err)
{
	if (cfg->replay_path || cfg->replay)
		*err = xstrdup("--resolver-validates trusts a resolver's DNSSEC verdict; --replay has "
		    "no resolver: give one of them");
	else if (cfg->resolver == NULL)
		*err = xstrdup("--resolver-validates needs --resolver ADDR[@PORT]: the validating "
		    "resolver you control (on loopback or a private link) whose AD bit to trust");
	else if (cfg->trust_anchor)
		*err = xstrdup("--resolver-validates does not validate DNSSEC itself, so --trust-anchor "
		    "has no use with it: give one of them");
	else
		return MS_OK;
	return MS_ERR_ARG;
}

enum ms_status
session_new(const struct session_config *cfg, struct session **out, char **err)
{
	struct session *s = xcalloc(1, sizeof(*s));
	enum ms_status st = MS_OK;

	*out = NULL;
	*err = NULL;
	s->own_psl = cfg->psl == NULL;
	if (cfg->psl) {
		s->psl = cfg->psl;
	} else if (cfg->psl_path || cfg->psl_now) {
		if ((st = suffix_list_open(cfg->psl_path, &s->psl, err)) != MS_OK)
			goto fail;
	} else {
		s->psl = suffix_list_lazy();
	}
	if (cfg->base) {
		s->base = cfg->base;
	} else {
		s->base = event_base_new();
		s->own_base = true;
		if (s->base == NULL) {
			*err = xstrdup("cannot create an event loop");
			st = MS_ERR_INTERNAL;
			goto fail;
		}
	}
	if (cfg->resolver_validates && (st = validates_refused(cfg, err)) != MS_OK)
		goto fail;
	if (cfg->resolver_validates) {
		struct stub_config stcfg = { 0 };

		stcfg.forward = cfg->resolver;
		raise_fd_limit();
		if ((st = resolver_stub_new(s->base, &stcfg, cfg->timeout, &s->res, err)) != MS_OK)
			goto fail;
	} else if (cfg->replay_path) {
		s->replay = replay_data_new();
		if ((st = replay_data_load_file(s->replay, cfg->replay_path, err)) != MS_OK)
			goto fail;
		s->res = resolver_replay_new(s->base, s->replay, cfg->timeout);
	} else if (cfg->replay) {
		s->res = resolver_replay_new(s->base, cfg->replay, cfg->timeout);
	} else {
		struct unbound_config ucfg = { 0 };

		ucfg.forward = cfg->resolver;
		ucfg.trust_anchor = cfg->trust_anchor;
		ucfg.tcp = cfg->resolver_tcp;
		ucfg.insecure_shortcut = !cfg->no_insecure_shortcut;
		raise_fd_limit();
		if ((st = resolver_unbound_new(s->base, &ucfg, cfg->timeout, &s->res, err)) != MS_OK)
			goto fail;
	}
	/* Every query asked, one line each, for tests that count them (docs/testing.md). */
	if (getenv("MAILSEC_DNS_LOG") && *getenv("MAILSEC_DNS_LOG")) {
		if ((s->dns_log = fopen(getenv("MAILSEC_DNS_LOG"), "a")) == NULL) {
			*err = xasprintf("cannot open $MAILSEC_DNS_LOG %s", getenv("MAILSEC_DNS_LOG"));
			st = MS_ERR_IO;
			goto fail;
		}
		setvbuf(s->dns_log, NULL, _IOLBF, 0);
		s->res->log = s->dns_log;
	}
	if (cfg->http)
		s->http = http_client_new(s->base);
	s->smtp = smtp_prober_new(s->base);
	smtp_prober_set_limits(s->smtp, cfg->smtp_per_address, cfg->smtp_per_network);
	s->env.res = s->res;
	s->env.http = s->http;
	s->env.smtp = s->smtp;
	s->env.psl = s->psl;
	/* Parsed once here, not for every MX answer (the build checks the data: no names rather than no session). */
	{
		char perr[256];

		if (providers_builtin(&s->providers, perr, sizeof(perr)) != MS_OK)
			s->providers = NULL;
	}
	s->env.providers = s->providers;
	s->dkim_keys = dkim_key_cache_new();
	s->env.dkim_keys = s->dkim_keys;
	/* 8 KB chunks a domain's audit takes and gives back: 2 MB kept at most */
	s->chunks = arena_pool_new(SESSION_CHUNKS_KEPT);
	s->env.chunks = s->chunks;
	*out = s;
	return MS_OK;
fail:
	session_free(s);
	return st;
}

bool
session_wait(struct session *s, const bool *done)
{
	while (!*done)
		if (event_base_loop(s->base, EVLOOP_ONCE) != 0)
			break;
	return *done;
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	http_client_free(s->http);
	smtp_prober_free(s->smtp);
	resolver_free(s->res);
	if (s->dns_log)
		fclose(s->dns_log);
	if (s->own_base && s->base)
		event_base_free(s->base);
	replay_data_free(s->replay);
	providers_free(s->providers);
	dkim_key_cache_free(s->dkim_keys);
	arena_pool_free(s->chunks);
	if (s->own_psl)
		suffix_list_free(s->psl);
	free(s);
}
