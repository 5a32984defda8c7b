/* tests/unit/test_area_opts.c - areas read their own options (declared by the area, set by name, values per run or domain) and share work with audit_once */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>

#include "audit/area_opts.h"
#include "audit/audit.h"
#include "checks/dkim/check_dkim.h"
#include "checks/dmarc/check_dmarc.h"
#include "checks/bimi/check_bimi.h"
#include "checks/sending/check_sending.h"
#include "checks/spf/check_spf.h"
#include "core/profile.h"
#include "dns/resolver_replay.h"
#include "engine/engine.h"
#include "engine/session.h"

/* routed_by_name - the registry finds each area's options by name and by config key */
static void
routed_by_name(void **state)
{
	const struct area_option *o;

	(void)state;
	o = engine_option_find("dkim-selector");
	assert_non_null(o);
	assert_true(o->list);
	o = engine_option_by_config("dkim_selectors");
	assert_non_null(o);
	assert_string_equal(o->name, "dkim-selector");
	o = engine_option_find("dmarc-rules");
	assert_non_null(o);
	assert_false(o->list);
	assert_non_null(engine_option_find("helo"));
	assert_non_null(engine_option_find("sending-host"));
	assert_non_null(engine_option_find("zone-cut"));
	assert_null(engine_option_find("timeout"));	/* the program's, not an area's */
	assert_null(engine_option_by_config("timeout"));
}

/* set_and_refuse - values parsed by the area that reads them; a bad one changes nothing */
static void
set_and_refuse(void **state)
{
	struct area_settings *s = area_settings_new();
	char why[256];
	const void *before;

	(void)state;
	/* Nothing set: every area reads its defaults, as with no settings at all. */
	assert_ptr_equal(area_settings_get(s, &check_dmarc_options),
	    area_settings_get(NULL, &check_dmarc_options));
	assert_int_equal(engine_option_set(s, "dmarc-rules", "7489", why, sizeof(why)), MS_OK);
	/* Both areas that read --dmarc-rules got it. */
	assert_ptr_not_equal(area_settings_get(s, &check_dmarc_options),
	    area_settings_get(NULL, &check_dmarc_options));
	assert_ptr_not_equal(area_settings_get(s, &check_bimi_options),
	    area_settings_get(NULL, &check_bimi_options));
	before = area_settings_get(s, &check_dmarc_options);
	assert_int_equal(engine_option_set(s, "dmarc-rules", "7490", why, sizeof(why)), MS_ERR_SYNTAX);
	assert_string_equal(why, "--dmarc-rules wants 7489, 9989 or both");
	assert_ptr_equal(area_settings_get(s, &check_dmarc_options), before);
	assert_int_equal(engine_option_set(s, "dkim-selector", "bad selector", why, sizeof(why)),
	    MS_ERR_SYNTAX);
	assert_non_null(strstr(why, "\"bad selector\" is not DNS labels"));
	assert_int_equal(engine_option_set(s, "no-such-option", "x", why, sizeof(why)),
	    MS_ERR_NOTFOUND);
	/* A list: values accumulate, NULL forgets them, the bound holds. */
	for (int i = 0; i < 64; i++)
		assert_int_equal(engine_option_set(s, "sending-host", "192.0.2.1", why, sizeof(why)),
		    MS_OK);
	assert_int_equal(engine_option_set(s, "sending-host", "192.0.2.1", why, sizeof(why)),
	    MS_ERR_LIMIT);
	assert_string_equal(why, "--sending-host: at most 64");
	assert_int_equal(engine_option_set(s, "sending-host", NULL, why, sizeof(why)), MS_OK);
	assert_int_equal(engine_option_set(s, "sending-host", "192.0.2.1", why, sizeof(why)), MS_OK);
	assert_int_equal(engine_option_set(s, "helo", "mail.example.test", why, sizeof(why)), MS_OK);
	assert_int_equal(engine_option_set(s, "helo", "mail2.example.test", why, sizeof(why)), MS_OK);
	area_settings_free(s);	/* frees every area's lists and strings (ASan/valgrind: no leak) */
	area_settings_free(NULL);
}

/* strv - the list helper the areas' list options use */
static void
strv(void **state)
{
	struct area_strv l = { NULL, 0 };

	(void)state;
	assert_int_equal(area_strv_add(&l, "a", 2), MS_OK);
	assert_int_equal(area_strv_add(&l, "b", 2), MS_OK);
	assert_int_equal(area_strv_add(&l, "c", 2), MS_ERR_LIMIT);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[1], "b");
	assert_null(l.v[2]);
	assert_int_equal(area_strv_add(&l, NULL, 2), MS_OK);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
	area_strv_free(&l);
}

#define ZONE \
	"example.test. TXT \"v=spf1 -all\"\n" \
	"example.test. MX 10 mail.example.test.\n" \
	"mail.example.test. A 192.0.2.10\n"

struct got {
	bool helo_missing, helo_present, done;
	int results;
};

/* on_done - the run is over (it is freed after this returns) */
static void
on_done(void *arg)
{
	((struct got *)arg)->done = true;
}

/* on_result - what one domain's audit found */
static void
on_result(struct audit *a, void *arg)
{
	struct got *g = arg;

	g->results++;
	for (size_t i = 0; i < a->findings.n; i++) {
		g->helo_missing |= a->findings.v[i].id == F_SPF_HELO_MISSING;
		g->helo_present |= a->findings.v[i].id == F_SPF_HELO_PRESENT;
	}
}

/*
 * runs_differ - two runs of the same domain on one session and loop, each
 * with its own area settings (as a long-running program gives each domain
 * its own): only the run whose spf area was given --helo judges the HELO name.
 */
static void
runs_differ(void **state)
{
	struct replay_data *rd = replay_data_new();
	struct session_config scfg;
	struct session *ses = NULL;
	struct profile *profile = NULL;
	struct area_settings *with = area_settings_new(), *without = area_settings_new();
	struct check_options oa, ob;
	struct engine_config ca, cb;
	struct got a = { 0 }, b = { 0 };
	char *err = NULL, why[256];
	char spf[] = "spf", dom[] = "example.test";
	char *only[] = { spf, NULL }, *doms[] = { dom };

	(void)state;
	assert_int_equal(replay_data_load_text(rd, ZONE, &err), MS_OK);
	memset(&scfg, 0, sizeof(scfg));
	scfg.replay = rd;
	assert_int_equal(session_new(&scfg, &ses, &err), MS_OK);
	assert_int_equal(profile_load("generic", &profile, &err), MS_OK);
	assert_int_equal(engine_option_set(with, "helo", "mail.example.test", why, sizeof(why)), MS_OK);
	memset(&oa, 0, sizeof(oa));
	oa.profile = profile;
	oa.offline = true;
	ob = oa;
	oa.areas = with;
	ob.areas = without;
	memset(&ca, 0, sizeof(ca));
	ca.opts = &oa;
	ca.only = only;
	ca.on_result = on_result;
	ca.on_done = on_done;
	ca.arg = &a;
	cb = ca;
	cb.opts = &ob;
	cb.arg = &b;
	engine_submit(ses, &ca, doms, 1);
	engine_submit(ses, &cb, doms, 1);
	while (!(a.done && b.done))
		assert_int_equal(event_base_loop(ses->base, EVLOOP_ONCE), 0);
	assert_int_equal(a.results + b.results, 2);
	assert_true(a.helo_missing);	/* mail.example.test publishes no SPF record */
	assert_false(b.helo_missing);
	assert_false(b.helo_present);
	session_free(ses);
	profile_free(profile);
	area_settings_free(with);
	area_settings_free(without);
	replay_data_free(rd);
}

struct per_domain {
	bool helo_missing[2];
	int results;
	bool done;
};

/* pd_result - which of the two audits (by input position) judged the HELO name */
static void
pd_result(struct audit *a, void *arg)
{
	struct per_domain *g = arg;

	g->results++;
	for (size_t i = 0; i < a->findings.n; i++)
		if (a->findings.v[i].id == F_SPF_HELO_MISSING)
			g->helo_missing[a->index] = true;
}

/* pd_done - the run is over */
static void
pd_done(void *arg)
{
	((struct per_domain *)arg)->done = true;
}

/*
 * domains_differ - one run, each domain with its own check_options
 * (engine_config.domain_opts), as the monitor checks a round: the domain
 * given --helo judges the HELO name, the other does not.
 */
static void
domains_differ(void **state)
{
	struct replay_data *rd = replay_data_new();
	struct session_config scfg;
	struct session *ses = NULL;
	struct profile *profile = NULL;
	struct area_settings *with = area_settings_new();
	struct check_options base, own;
	const struct check_options *per[2];
	struct engine_config cfg;
	struct per_domain g = { { false, false }, 0, false };
	char *err = NULL, why[256];
	char spf[] = "spf", d0[] = "example.test", d1[] = "example.test";
	char *only[] = { spf, NULL }, *doms[] = { d0, d1 };

	(void)state;
	assert_int_equal(replay_data_load_text(rd, ZONE, &err), MS_OK);
	memset(&scfg, 0, sizeof(scfg));
	scfg.replay = rd;
	assert_int_equal(session_new(&scfg, &ses, &err), MS_OK);
	assert_int_equal(profile_load("generic", &profile, &err), MS_OK);
	assert_int_equal(engine_option_set(with, "helo", "mail.example.test", why, sizeof(why)), MS_OK);
	memset(&base, 0, sizeof(base));
	base.profile = profile;
	base.offline = true;
	own = base;
	own.areas = with;
	per[0] = NULL;		/* the run's opts */
	per[1] = &own;
	memset(&cfg, 0, sizeof(cfg));
	cfg.opts = &base;
	cfg.domain_opts = per;
	cfg.only = only;
	cfg.on_result = pd_result;
	cfg.on_done = pd_done;
	cfg.arg = &g;
	engine_submit(ses, &cfg, doms, 2);
	while (!g.done)
		assert_int_equal(event_base_loop(ses->base, EVLOOP_ONCE), 0);
	assert_int_equal(g.results, 2);
	assert_false(g.helo_missing[0]);
	assert_true(g.helo_missing[1]);
	session_free(ses);
	profile_free(profile);
	area_settings_free(with);
	replay_data_free(rd);
}

struct once_log {
	int starts, order[4], n, finished;
	void *value;
};

/* once_start - the first asker begins the work */
static void
once_start(struct audit *a, void *value)
{
	struct once_log *l = *(struct once_log **)a->done_arg;

	l->starts++;
	l->value = value;
}

/* once_cb - one asker gets the value: its number goes to the log */
static void
once_cb(struct audit *a, void *value, void *arg)
{
	struct once_log *l = *(struct once_log **)a->done_arg;

	assert_ptr_equal(value, l->value);
	l->order[l->n++] = (int)(intptr_t)arg;
}

/* once_finished - the audit's on_done */
static void
once_finished(struct audit *a, void *arg)
{
	(*(struct once_log **)arg)->finished++;
	(void)a;
}

/*
 * audit_once_shares - one start for every asker; waiters held and run newest
 * first when done; a later asker gets the value at once; the audit finishes
 * only after the last waiter has run.
 */
static void
audit_once_shares(void **state)
{
	struct replay_data *rd = replay_data_new();
	struct session_config scfg;
	struct session *ses = NULL;
	struct check_options copts;
	struct once_log log = { 0 }, *lp = &log;
	struct audit *a;
	char *err = NULL;

	(void)state;
	memset(&scfg, 0, sizeof(scfg));
	scfg.replay = rd;
	assert_int_equal(session_new(&scfg, &ses, &err), MS_OK);
	memset(&copts, 0, sizeof(copts));
	a = audit_new("example.test", 0, &copts, &ses->env, NULL, once_finished, &lp);
	audit_hold(a);
	audit_once(a, "k", 64, once_start, once_cb, (void *)(intptr_t)1);
	audit_once(a, "k", 64, once_start, once_cb, (void *)(intptr_t)2);
	assert_int_equal(log.starts, 1);
	assert_int_equal(log.n, 0);
	assert_int_equal(a->pending, 3);	/* this test's hold and one per waiter */
	audit_once_done(a, "k");
	assert_int_equal(log.n, 2);
	assert_int_equal(log.order[0], 2);	/* newest first, as the copies it replaced */
	assert_int_equal(log.order[1], 1);
	audit_once(a, "k", 64, once_start, once_cb, (void *)(intptr_t)3);
	assert_int_equal(log.n, 3);		/* already done: at once, inside the call */
	assert_int_equal(log.order[2], 3);
	assert_int_equal(log.starts, 1);
	assert_int_equal(log.finished, 0);
	audit_release(a);
	assert_int_equal(log.finished, 1);
	audit_free(a);
	session_free(ses);
	replay_data_free(rd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(routed_by_name),
		cmocka_unit_test(set_and_refuse),
		cmocka_unit_test(strv),
		cmocka_unit_test(runs_differ),
		cmocka_unit_test(domains_differ),
		cmocka_unit_test(audit_once_shares),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
