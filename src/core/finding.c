/* src/core/finding.c - findings: what a check concluded, with evidence and advice */
#include "core/finding.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

void
findings_init(struct finding_list *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}

void
finding_clear(struct finding *f)
{
	free(f->subject);
	free(f->message);
	free(f->evidence);
	free(f->advice);
	free(f->profile);
}

void
findings_free(struct finding_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		finding_clear(&l->v[i]);
	free(l->v);
	findings_init(l);
}

struct finding *
findings_vadd(struct finding_list *l, enum finding_id id, const char *subject,
    const char *fmt, va_list ap)
{
	struct finding *f;

	if ((unsigned)id >= F__COUNT)
		abort();	/* broken invariant: ids come from the generated enum */
	if (l->n >= FINDINGS_MAX)
		return NULL;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	f = &l->v[l->n++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->severity = finding_defs[id].severity;
	f->subject = xstrdup(subject ? subject : "");
	f->message = xvasprintf(fmt, ap);
	return f;
}

struct finding *
findings_add(struct finding_list *l, enum finding_id id, const char *subject,
    const char *fmt, ...)
{
	va_list ap;
	struct finding *f;

	va_start(ap, fmt);
	f = findings_vadd(l, id, subject, fmt, ap);
	va_end(ap);
	return f;
}

void
finding_set_evidence(struct finding *f, const char *evidence)
{
	if (f == NULL)
		return;
	free(f->evidence);
	f->evidence = evidence ? xstrdup(evidence) : NULL;
}

void
finding_set_advice(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	if (f == NULL)
		return;
	free(f->advice);
	va_start(ap, fmt);
	f->advice = xvasprintf(fmt, ap);
	va_end(ap);
}

void
finding_set_severity(struct finding *f, enum severity s)
{
	if (f)
		f->severity = s;
}

void
finding_set_profile(struct finding *f, const char *profile)
{
	if (f == NULL)
		return;
	free(f->profile);
	f->profile = profile ? xstrdup(profile) : NULL;
}

const struct finding_def *
finding_def(const struct finding *f)
{
	return &finding_defs[f->id];
}

/* ignored - whether an --ignore entry matches this id */
static bool
ignored(const struct finding_def *d, char *const *ignore)
{
	if (ignore == NULL)
		return false;
	for (char *const *p = ignore; *p; p++) {
		size_t n = strlen(*p);

		if (strcmp(*p, d->id) == 0 || strcmp(*p, d->area) == 0)
			return true;
		if (n > 0 && (*p)[n - 1] == '.' && strncmp(*p, d->id, n) == 0)
			return true;
	}
	return false;
}

void
findings_apply(struct finding_list *l, const struct profile *p, char *const *ignore)
{
	size_t o = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct finding *f = &l->v[i];
		const struct finding_def *d = &finding_defs[f->id];
		enum severity s;

		if (ignored(d, ignore)) {
			finding_clear(f);
			continue;
		}
		/* Overrides re-grade verdicts; "could not tell" stays unknown. */
		if (p && f->severity != SEV_UNKNOWN && profile_severity(p, d->id, &s))
			f->severity = s;
		l->v[o++] = *f;
	}
	l->n = o;
}

void
findings_drop_superseded(struct finding_list *l)
{
	bool raised[F__COUNT] = { false };
	size_t o = 0;

	for (size_t i = 0; i < l->n; i++)
		raised[l->v[i].id] = true;
	for (size_t i = 0; i < l->n; i++) {
		enum finding_id by = finding_defs[l->v[i].id].superseded_by;

		if (by != F__COUNT && raised[by]) {
			finding_clear(&l->v[i]);
			continue;
		}
		l->v[o++] = l->v[i];
	}
	l->n = o;
}

void
findings_count(const struct finding_list *l, size_t counts[SEV__COUNT])
{
	memset(counts, 0, sizeof(size_t) * SEV__COUNT);
	for (size_t i = 0; i < l->n; i++)
		counts[l->v[i].severity]++;
}


json_t *
finding_to_json(const struct finding *f)
{
	const struct finding_def *d = &finding_defs[f->id];
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(d->id));
	json_object_set_new(o, "severity", json_string(severity_name(f->severity)));
	json_object_set_new(o, "area", json_string(d->area));
	json_object_set_new(o, "subject", json_text(f->subject));
	json_object_set_new(o, "message", json_text(f->message));
	json_object_set_new(o, "evidence", json_text(f->evidence));
	json_object_set_new(o, "advice", json_text(f->advice));
	json_object_set_new(o, "rfc", json_text(d->rfc));
	json_object_set_new(o, "profile", json_text(f->profile));
	return o;
}

json_t *
findings_to_json(const struct finding_list *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, finding_to_json(&l->v[i]));
	return a;
}

void
finding_prefix_message(struct finding *f, const char *prefix)
{
	char *m;

	if (f == NULL || prefix == NULL)
		return;
	m = xasprintf("%s%s", prefix, f->message ? f->message : "");
	free(f->message);
	f->message = m;
}
