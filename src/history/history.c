/* src/history/history.c - storing a checked domain's result with the events of what changed */
#include "history/history.h"
#include "core/finding.h"
#include "core/grade.h"
#include "core/jsonutil.h"
#include "core/severity.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/*
 * history_run_id - 128 random bits from getrandom(2) in lower-case hex; should
 * the kernel have none to give, the time, the process id and the nanoseconds
 */
void
history_run_id(char out[HISTORY_RUN_ID_SIZE])
{
	unsigned char r[16];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(out, HISTORY_RUN_ID_SIZE, "%016llx%08lx%08lx", (unsigned long long)ts.tv_sec,
		    (unsigned long)getpid() & 0xffffffffUL, (unsigned long)ts.tv_nsec);
		return;
	}
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* keep_last - store_last_check callback: copy the previous check */
static void
keep_last(void *arg, const struct store_check *c)
{
	struct store_check **out = arg;

	store_check_free(*out);
	*out = store_check_dup(c);
}

/* domain_doc - the mailsec/1 domain object of a (as the output layer prints it); new reference */
static json_t *
domain_doc(const struct audit *a)
{
	json_t *o = json_object();

	json_object_set_new(o, "domain", json_text(a->domain));
	json_object_set_new(o, "summary", grade_summary_json(&a->findings));
	json_object_set_new(o, "findings", findings_to_json(&a->findings));
	json_object_set(o, "facts", a->facts);
	return o;
}

/*
 * summary_areas - the document's summary.areas as (area, grade) pairs: one
 * per area with findings, in the order the findings list them
 * (grade_summary_json's); *n their count; the caller frees the array (its
 * strings are static)
 */
static struct store_area_grade *
summary_areas(const struct finding_list *l, size_t *n)
{
	struct store_area_grade *v = xcalloc(l->n + 1, sizeof(*v));
	size_t c[SEV__COUNT];

	*n = 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *area = finding_def(&l->v[i])->area;
		size_t j;

		for (j = 0; j < *n; j++)
			if (v[j].area == area || strcmp(v[j].area, area) == 0)
				break;
		if (j < *n)
			continue;
		grade_count_area(l, area, c);
		v[*n].area = area;
		v[(*n)++].grade = grade_from_counts(c);
	}
	return v;
}

/* Where put sends the result instead of waiting for it (history_put_send), or NULL. */
struct put_send {
	const char *undo;
	store_sent_fn done;
	void *arg;
	bool *sent;
};

/* put - history_put's body; with send, the store's statement may be sent without waiting */
static enum ms_status
put(struct store *s, const struct history_check *c, struct history_events *out,
    enum store_put *res, const struct put_send *send)
{
	const struct audit *a = c->a;
	struct store_check sc;
	struct store_check *prev = NULL;
	struct store_check_finding *f = xcalloc(a->findings.n + 1, sizeof(*f));
	struct history_events ev;
	size_t cnt[SEV__COUNT];
	json_t *own = c->doc || c->text ? NULL : domain_doc(a);
	char *mine = c->text ? NULL : json_dumps(c->doc ? c->doc : own, JSON_COMPACT | JSON_PRESERVE_ORDER);
	const char *text = c->text ? c->text : mine;
	struct store_area_grade *areas = NULL;
	enum store_put r = STORE_INSERTED;
	enum ms_status rc;

	history_events_init(&ev);
	findings_count(&a->findings, cnt);
	for (size_t i = 0; i < a->findings.n; i++) {
		const struct finding *x = &a->findings.v[i];

		f[i].id = finding_def(x)->id;
		f[i].severity = severity_name(x->severity);
		f[i].subject = x->subject;
		f[i].message = x->message;
		f[i].area = finding_def(x)->area;
	}
	memset(&sc, 0, sizeof(sc));
	sc.run_id = c->run_id;
	sc.round = c->round;
	sc.area = c->area;
	sc.domain = a->domain;
	sc.checked_at = c->at ? c->at : (int64_t)time(NULL);
	sc.profile = c->profile;
	sc.version = c->version;
	sc.pass = cnt[SEV_PASS];
	sc.info = cnt[SEV_INFO];
	sc.warning = cnt[SEV_WARNING];
	sc.error = cnt[SEV_ERROR];
	sc.unknown = cnt[SEV_UNKNOWN];
	sc.grade = grade_findings(&a->findings);
	sc.findings = f;
	sc.nfindings = a->findings.n;
	sc.json = text;
	/* the document is the audit's (history.h): its summary rows are made from the findings */
	if (c->area == NULL) {
		areas = summary_areas(&a->findings, &sc.nareas);
		sc.areas = areas;
		sc.areas_known = true;
	}
	if (text == NULL) {
		rc = MS_ERR_NOMEM;
		goto out;
	}
	/*
	 * The previous result is read before the put's transaction: of two puts
	 * for one domain at once (two rounds), both may diff against the same
	 * previous result; each is still stored whole, and one per round.
	 */
	if (!c->prev_given &&
	    (rc = store_last_check_area(s, a->domain, c->area, keep_last, &prev)) != MS_OK)
		goto out;
	history_diff(c->prev_given ? c->prev : prev, &sc, c->round, &ev);
	if (send) {
		/* the events are not wanted (out NULL): a sent put's outcome comes to done */
		rc = store_put_history_send(s, &sc, ev.v, ev.n, send->undo, send->done, send->arg,
		    send->sent, &r);
		if (rc == MS_OK && !*send->sent && res)
			*res = r;
		goto out;
	}
	if ((rc = store_put_history(s, &sc, ev.v, ev.n, &r)) != MS_OK)
		goto out;
	if (out && r == STORE_INSERTED)
		for (size_t i = 0; i < ev.n; i++) {
			const struct store_event *e = &ev.v[i];
			struct store_event *d;

			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 16;
				out->v = xreallocarray(out->v, out->cap, sizeof(*out->v));
			}
			d = &out->v[out->n++];
#define CP(field) d->field = e->field ? arena_strdup(&out->arena, e->field) : NULL
			d->at = e->at;
			CP(domain); CP(run_id); CP(prev_run_id); CP(round); CP(kind); CP(area);
			CP(subject); CP(finding); CP(severity); CP(item); CP(old_value); CP(new_value);
#undef CP
		}
	if (res)
		*res = r;
out:
	history_events_free(&ev);
	store_check_free(prev);
	free(mine);
	free(areas);
	json_decref(own);
	free(f);
	return rc;
}

enum ms_status
history_put(struct store *s, const struct history_check *c, struct history_events *out,
    enum store_put *res)
{
	return put(s, c, out, res, NULL);
}

enum ms_status
history_put_send(struct store *s, const struct history_check *c, const char *undo,
    store_sent_fn done, void *arg, bool *sent, enum store_put *res)
{
	struct put_send send = { undo, done, arg, sent };

	*sent = false;
	return put(s, c, NULL, res, &send);
}
