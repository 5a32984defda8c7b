/* src/cli/check_store.c - check --db: open the store and hand each domain's result to history */
#include "cli/cli.h"
#include "history/history.h"
#include "records/dates.h"
#include "store/store.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct check_store {
	struct store *s;
	char *profile;		/* the profile's name, as stored with each result */
	char run_id[33];	/* shared by every result this invocation stores */
};

/*
 * new_run_id - 128 random bits from getrandom(2) in lower-case hex; should
 * the kernel have none to give, the time, the process id and the nanoseconds
 */
static void
new_run_id(char out[33])
{
	unsigned char r[16];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(out, 33, "%016llx%08lx%08lx", (unsigned long long)ts.tv_sec,
		    (unsigned long)getpid() & 0xffffffffUL, (unsigned long)ts.tv_nsec);
		return;
	}
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

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
	new_run_id(cs->run_id);
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
	int rc = 0;

	memset(&hc, 0, sizeof(hc));
	hc.a = a;
	hc.doc = j;
	hc.profile = cs->profile;
	hc.version = MAILSEC_VERSION;
	hc.run_id = cs->run_id;
	if (j == NULL || history_put(cs->s, &hc, NULL, NULL) != MS_OK) {
		cli_error("could not store the result of %s: %s", a->domain,
		    j ? store_error(cs->s) : "no JSON for it");
		rc = -1;
	}
	json_decref(j);
	return rc;
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
