/* src/output/sarif.c - findings as a SARIF 2.1.0 log: rules from the catalogue, levels from severities */
#include "output/sarif.h"
#include "core/catalog.h"
#include "core/jsonutil.h"
#include "core/version.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Where a finding's page is read: the id and ".md" follow (meson option findings_url). */
#ifndef MAILSEC_FINDINGS_URL
#define MAILSEC_FINDINGS_URL "https://git.example.net/mailsec/mailsec/blob/main/docs/findings/"
#endif
#define SARIF_INFO_URI "https://git.example.net/mailsec/mailsec"
#define SARIF_MAX_URI 16384	/* a path longer than PATH_MAX, encoded, still fits */

/*
 * sarif_level - SARIF's kind and level for a severity (docs/sarif.md): a
 * result whose kind is not "fail" must have level "none" (SARIF 2.1.0
 * §3.27.9), so pass and unknown are kinds, the rest levels of a failure
 */
static void
sarif_level(enum severity s, const char **kind, const char **level)
{
	*kind = "fail";
	switch (s) {
	case SEV_ERROR:
		*level = "error";
		break;
	case SEV_WARNING:
		*level = "warning";
		break;
	case SEV_INFO:
		*level = "note";
		break;
	case SEV_UNKNOWN:
		*kind = "review";	/* could not tell: a person should look */
		*level = "none";
		break;
	case SEV_PASS:
	default:
		*kind = "pass";
		*level = "none";
		break;
	}
}

/* sarif_file_uri - a path as a (relative or file:) URI, percent-encoded; caller frees */
char *
sarif_file_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;
	bool ok = true;

	buf_init(&b, SARIF_MAX_URI);
	if (path[0] == '/')
		ok = buf_puts(&b, "file://") == MS_OK;
	for (const unsigned char *p = (const unsigned char *)path; *p && ok; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p) != NULL) {
			ok = buf_putc(&b, *p) == MS_OK;
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			ok = buf_append(&b, e, sizeof(e)) == MS_OK;
		}
	}
	if (!ok) {	/* longer than any path: say so rather than cut it */
		buf_free(&b);
		return xstrdup("path-too-long");
	}
	return buf_steal(&b);
}

/* sarif_is_result - every finding but a pass: a log for code scanning lists problems */
bool
sarif_is_result(const struct finding *f)
{
	return f->severity != SEV_PASS;
}

/* sarif_text - {"text": s} with s made valid JSON text (never null); new reference */
static json_t *
sarif_text(const char *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "text", s ? json_text(s) : json_string(""));
	return o;
}

/* sarif_result - one result for f; see sarif.h */
json_t *
sarif_result(const char *domain, const struct finding *f, const struct sarif_loc *at)
{
	const struct finding_def *d = &finding_defs[f->id];
	const char *kind, *level;
	json_t *r = json_object(), *loc = json_object(), *locs = json_array();
	json_t *logical = json_object(), *logicals = json_array(), *props = json_object();

	sarif_level(f->severity, &kind, &level);
	json_object_set_new(r, "ruleId", json_string(d->id));
	json_object_set_new(r, "kind", json_string(kind));
	json_object_set_new(r, "level", json_string(level));
	json_object_set_new(r, "message", sarif_text(f->message));
	if (at && at->uri) {
		json_t *phys = json_object(), *art = json_object();

		json_object_set_new(art, "uri", json_text(at->uri));
		json_object_set_new(phys, "artifactLocation", art);
		if (at->line > 0) {
			json_t *region = json_object();

			json_object_set_new(region, "startLine", json_integer(at->line));
			json_object_set_new(phys, "region", region);
		}
		json_object_set_new(loc, "physicalLocation", phys);
	}
	json_object_set_new(logical, "name", json_text(f->subject ? f->subject : domain));
	json_object_set_new(logical, "kind", json_string("resource"));
	json_array_append_new(logicals, logical);
	json_object_set_new(loc, "logicalLocations", logicals);
	json_array_append_new(locs, loc);
	json_object_set_new(r, "locations", locs);
	json_object_set_new(props, "domain", json_text(domain));
	json_object_set_new(props, "area", json_string(d->area));
	json_object_set_new(props, "severity", json_string(severity_name(f->severity)));
	if (f->evidence)
		json_object_set_new(props, "evidence", json_text(f->evidence));
	if (f->advice)
		json_object_set_new(props, "advice", json_text(f->advice));
	if (f->profile)
		json_object_set_new(props, "profile", json_text(f->profile));
	json_object_set_new(r, "properties", props);
	return r;
}

/* sarif_rule - the reportingDescriptor of catalogue entry d; new reference */
static json_t *
sarif_rule(const struct finding_def *d)
{
	const char *kind, *level;
	json_t *r = json_object(), *conf = json_object(), *props = json_object();
	char *uri = xasprintf("%s%s.md", MAILSEC_FINDINGS_URL, d->id);

	sarif_level(d->severity, &kind, &level);
	json_object_set_new(r, "id", json_string(d->id));
	json_object_set_new(r, "shortDescription", sarif_text(d->title));
	json_object_set_new(r, "helpUri", json_string(uri));
	/* a default of pass or unknown has no failure level: "none" */
	json_object_set_new(conf, "level", json_string(level));
	json_object_set_new(r, "defaultConfiguration", conf);
	json_object_set_new(props, "area", json_string(d->area));
	if (d->rfc)
		json_object_set_new(props, "rfc", json_text(d->rfc));
	json_object_set_new(r, "properties", props);
	free(uri);
	return r;
}

/* sarif_log - the log of one run; see sarif.h */
json_t *
sarif_log(const char *command, json_t *results)
{
	json_t *log = json_object(), *runs = json_array(), *run = json_object();
	json_t *tool = json_object(), *driver = json_object(), *rules = json_array();
	json_t *inv = json_object(), *invs = json_array(), *props = json_object();
	int index[F__COUNT];
	int nrules = 0;
	size_t i;
	json_t *r;

	for (int k = 0; k < F__COUNT; k++)
		index[k] = -1;
	json_array_foreach(results, i, r) {
		const struct finding_def *d =
		    finding_def_lookup(json_string_value(json_object_get(r, "ruleId")));
		int k;

		if (d == NULL)
			continue;
		k = (int)(d - finding_defs);
		if (index[k] < 0) {
			index[k] = nrules++;
			json_array_append_new(rules, sarif_rule(d));
		}
		json_object_set_new(r, "ruleIndex", json_integer(index[k]));
	}
	json_object_set_new(driver, "name", json_string("mailsec"));
	json_object_set_new(driver, "version", json_string(MAILSEC_VERSION));
	json_object_set_new(driver, "informationUri", json_string(SARIF_INFO_URI));
	json_object_set_new(driver, "rules", rules);
	json_object_set_new(tool, "driver", driver);
	json_object_set_new(run, "tool", tool);
	json_object_set_new(inv, "executionSuccessful", json_true());
	json_array_append_new(invs, inv);
	json_object_set_new(run, "invocations", invs);
	json_object_set_new(props, "command", json_text(command));
	json_object_set_new(run, "properties", props);
	json_object_set_new(run, "results", results);
	json_array_append_new(runs, run);
	json_object_set_new(log, "$schema", json_string(SARIF_SCHEMA_URI));
	json_object_set_new(log, "version", json_string("2.1.0"));
	json_object_set_new(log, "runs", runs);
	return log;
}
