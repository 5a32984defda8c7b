/* src/checks/mtasts/mtasts_lint.c - the findings about one MTA-STS policy file, for check and for lint (RFC 8461 §3.2) */
#include "checks/mtasts/mtasts_lint.h"
#include "core/profile.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

/*
 * policy_text - n bytes of a policy for a person to read: lines kept, CR
 * dropped, every other control or non-ASCII byte shown as \xHH; arena string
 */
static const char *
policy_text(struct arena *ar, const char *s, size_t n)
{
	char *out = arena_alloc(ar, 4 * n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r')
			continue;
		if (c == '\n' || (c >= 0x20 && c < 0x7f)) {
			*o++ = (char)c;
		} else {
			static const char hex[] = "0123456789ABCDEF";

			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	while (o > out && o[-1] == '\n')
		o--;
	*o = '\0';
	return out;
}

/* corrected - the body with the mode line's value replaced by mode; arena string */
static const char *
corrected(struct arena *ar, const char *body, size_t len, size_t voff, const char *mode)
{
	size_t end = voff;

	while (end < len && body[end] != '\r' && body[end] != '\n')
		end++;
	return arena_printf(ar, "%.*s%s%.*s", (int)voff, body, mode, (int)(len - end), body + end);
}

void
mtasts_policy_malformed(struct finding_list *l, struct arena *ar, const char *subject,
    const char *evidence, const char *raw, size_t rawlen, const struct mtasts_error *err)
{
	struct finding *f;

	if (err->suggest)
		f = findings_add(l, F_MTA_STS_POLICY_INVALID, subject,
		    "the policy at %s is malformed at byte %zu: %s (did you mean %s?)", subject,
		    err->offset, err->why, err->suggest);
	else
		f = findings_add(l, F_MTA_STS_POLICY_INVALID, subject,
		    "the policy at %s is malformed at byte %zu: %s", subject, err->offset, err->why);
	finding_set_evidence(f, evidence);
	if (raw && err->suggest && err->offset < rawlen) {
		const char *c = corrected(ar, raw, rawlen, err->offset, err->suggest);

		finding_set_advice(f, "; the policy file, corrected:\n%s", policy_text(ar, c,
		    strlen(c)));
	}
}

void
mtasts_policy_valid(struct finding_list *l, const char *subject, const char *body,
    const struct mtasts_policy *p)
{
	struct finding *f = findings_add(l, F_MTA_STS_POLICY_VALID, subject,
	    "policy: mode %s, max_age %u, %zu mx", mtasts_mode_name(p->mode), p->max_age, p->nmx);

	finding_set_evidence(f, body);
}

void
mtasts_policy_mode(struct finding_list *l, const char *subject, const struct mtasts_policy *p,
    const struct profile *prof, const char *txtname, const char *id)
{
	struct finding *f;

	switch (p->mode) {
	case MTASTS_MODE_NONE:
		findings_add(l, F_MTA_STS_MODE_NONE, subject, "the policy mode is none");
		break;
	case MTASTS_MODE_TESTING:
		findings_add(l, F_MTA_STS_MODE_TESTING, subject,
		    "the policy is in testing mode (max_age %u)", p->max_age);
		break;
	default:
		findings_add(l, F_MTA_STS_MODE_ENFORCE, subject, "the policy is enforced");
		if (p->max_age < profile_int(prof, "mta-sts.min_enforce_max_age", 604800)) {
			f = findings_add(l, F_MTA_STS_MAX_AGE_SHORT, subject,
			    "max_age %u is short for an enforced policy", p->max_age);
			finding_set_advice(f, "; in the policy file:\n; max_age: 1209600\n"
			    "%s. 3600 IN TXT \"v=STSv1; id=%s\"", txtname, id);
		}
		break;
	}
}

bool
mtasts_policy_lint(struct finding_list *l, struct arena *ar, const char *subject,
    const char *text, size_t len, const struct profile *prof)
{
	struct mtasts_policy *p = arena_alloc(ar, sizeof(*p));
	struct mtasts_error err;
	enum ms_status st;
	const char *pb;

	memset(&err, 0, sizeof(err));
	st = mtasts_policy_parse(text, len, p, &err);
	if (st == MS_ERR_LIMIT && len > MTASTS_POLICY_MAX) {
		findings_add(l, F_MTA_STS_POLICY_TOO_LARGE, subject, "%s is larger than %u bytes",
		    subject, MTASTS_POLICY_MAX);
		return false;
	}
	pb = policy_text(ar, text, len);
	if (st != MS_OK) {
		mtasts_policy_malformed(l, ar, subject, pb, text, len, &err);
		return false;
	}
	mtasts_policy_valid(l, subject, pb, p);
	mtasts_policy_mode(l, subject, p, prof, "_mta-sts.DOMAIN", "<a new id>");
	return true;
}
