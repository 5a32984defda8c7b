/* src/cli/check_store.c - check --db: keep each domain's result in the store as history */
#include "cli/cli.h"
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
	struct store_check sc;
	struct store_check_finding *f = xcalloc(a->findings.n + 1, sizeof(*f));
	size_t c[SEV__COUNT];
	json_t *j = out_json_domain(a);
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	enum store_put res;
	int rc = 0;

	findings_count(&a->findings, c);
	for (size_t i = 0; i < a->findings.n; i++) {
		const struct finding *x = &a->findings.v[i];

		f[i].id = finding_def(x)->id;
		f[i].severity = severity_name(x->severity);
		f[i].subject = x->subject;
		f[i].message = x->message;
	}
	memset(&sc, 0, sizeof(sc));
	sc.run_id = cs->run_id;
	sc.domain = a->domain;
	sc.checked_at = (int64_t)time(NULL);
	sc.profile = cs->profile;
	sc.version = MAILSEC_VERSION;
	sc.pass = c[SEV_PASS];
	sc.info = c[SEV_INFO];
	sc.warning = c[SEV_WARNING];
	sc.error = c[SEV_ERROR];
	sc.unknown = c[SEV_UNKNOWN];
	sc.grade = out_grade(&a->findings);
	sc.findings = f;
	sc.nfindings = a->findings.n;
	sc.json = text;
	if (text == NULL || store_put_check(cs->s, &sc, &res) != MS_OK) {
		cli_error("could not store the result of %s: %s", a->domain,
		    text ? store_error(cs->s) : "no JSON for it");
		rc = -1;
	}
	free(text);
	json_decref(j);
	free(f);
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
