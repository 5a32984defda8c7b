/* src/cli/check_store.c - check --db: open the store and hand each domain's result to history */
#include "cli/cli.h"
#include "history/history.h"
#include "engine/engine.h"
#include "records/dates.h"
#include "reports/learn.h"
#include "util/str.h"
#include "store/store.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct check_store {
	struct store *s;
	char *profile;		/* the profile's name, as stored with each result */
	char run_id[HISTORY_RUN_ID_SIZE];	/* shared by every result this invocation stores */
};

struct check_store *
check_store_open(const char *where, const char *profile)
{
	struct check_store *cs;
	struct store *s = NULL;
	char why[512];

	if (store_open(where, STORE_WRITE, &s, why, sizeof(why)) != MS_OK) {
		char *shown = store_display(where);

		cli_error("cannot open the database %s: %s", shown, why);
		free(shown);
		return NULL;
	}
	cs = xcalloc(1, sizeof(*cs));
	cs->s = s;
	cs->profile = xstrdup(profile);
	history_run_id(cs->run_id);
	return cs;
}

const char *
check_store_run(const struct check_store *cs)
{
	return cs->run_id;
}

int
check_store_put(struct check_store *cs, const struct audit *a)
{
	struct history_check hc;
	json_t *j = out_json_domain(a);
	enum ms_status st = MS_ERR_NOMEM;
	int rc = 0;

	memset(&hc, 0, sizeof(hc));
	hc.a = a;
	hc.doc = j;
	hc.profile = cs->profile;
	hc.version = MAILSEC_VERSION;
	hc.run_id = cs->run_id;
	if (j == NULL || (st = history_put(cs->s, &hc, NULL, NULL)) != MS_OK) {
		cli_error("could not store the result of %s: %s", a->domain,
		    j == NULL ? "no JSON for it" : st == MS_ERR_NOMEM ? "out of memory" : store_error(cs->s));
		rc = -1;
	}
	json_decref(j);
	return rc;
}

int
check_store_learn(struct check_store *cs, char *const *domains, size_t n, struct area_settings *areas)
{
	int64_t now = (int64_t)time(NULL);

	for (size_t i = 0; i < n; i++) {
		char **names = NULL;
		char why[256];

		if (learn_selector_names(cs->s, domains[i], now, &names) != MS_OK) {
			cli_error("--selectors-from-reports: %s", store_error(cs->s));
			return -1;
		}
		for (char **p = names; p && *p; p++)
			if (engine_option_set(areas, "dkim-report-name", *p, why, sizeof(why)) != MS_OK)
				cli_error("--selectors-from-reports: %s (left out)", why);
		strv_free(names);
	}
	return 0;
}

void
check_store_close(struct check_store *cs)
{
	if (cs == NULL)
		return;
	store_close(cs->s);
	free(cs->profile);
	free(cs);
}

/* cli_since - --since: a date (YYYY-MM-DD, midnight UTC) or a period back from now, as epoch seconds */
bool
cli_since(const char *arg, int64_t *out)
{
	time_t day;
	int64_t secs;

	if (date_parse(arg, &day)) {
		*out = (int64_t)day;
		return true;
	}
	if (!cli_period(arg, &secs))
		return false;
	*out = secs < 0 ? 0 : (int64_t)time(NULL) - secs;
	if (*out < 0)
		*out = 0;
	return true;
}
