/* src/records/recset.c - a generated record set and its outputs: zone-file lines, JSON, octoDNS YAML */
#include "records/recset.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "dns/zonetext.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct recset *
recset_new(const char *domain, const char *command, const char *stage, const char *profile)
{
	struct recset *s = xcalloc(1, sizeof(*s));

	s->domain = xstrdup(domain);
	s->command = xstrdup(command);
	s->stage = stage ? xstrdup(stage) : NULL;
	s->profile = xstrdup(profile ? profile : "generic");
	return s;
}

void
recset_free(struct recset *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].owner);
		free(s->v[i].type);
		free(s->v[i].value);
		free(s->v[i].comment);
	}
	for (size_t i = 0; i < s->nfiles; i++) {
		free(s->files[i].url);
		free(s->files[i].content);
	}
	free(s->v);
	free(s->files);
	strv_free(s->notes);
	free(s->domain);
	free(s->command);
	free(s->stage);
	free(s->profile);
	free(s->next_stage);
	free(s->next_when);
	free(s);
}

struct rec *
recset_add(struct recset *s, const char *owner, const char *type, uint32_t ttl, const char *value)
{
	struct rec *r;

	if (s->n >= RECSET_MAX)
		abort();	/* generators make a handful: a broken invariant */
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	r = &s->v[s->n++];
	memset(r, 0, sizeof(*r));
	r->owner = xstrdup(owner);
	r->type = xstrdup(type);
	r->ttl = ttl;
	r->value = xstrdup(value);
	return r;
}

void
rec_set_comment(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	free(r->comment);
	va_start(ap, fmt);
	r->comment = xvasprintf(fmt, ap);
	va_end(ap);
}

void
recset_note(struct recset *s, const char *fmt, ...)
{
	va_list ap;

	s->notes = xreallocarray(s->notes, s->nnotes + 2, sizeof(*s->notes));
	va_start(ap, fmt);
	s->notes[s->nnotes++] = xvasprintf(fmt, ap);
	va_end(ap);
	s->notes[s->nnotes] = NULL;
}

void
recset_file(struct recset *s, const char *url, const char *content)
{
	s->files = xreallocarray(s->files, s->nfiles + 1, sizeof(*s->files));
	s->files[s->nfiles].url = xstrdup(url);
	s->files[s->nfiles].content = xstrdup(content);
	s->nfiles++;
}

void
recset_next(struct recset *s, const char *stage, unsigned after_days, const char *when)
{
	free(s->next_stage);
	free(s->next_when);
	s->next_stage = xstrdup(stage);
	s->next_after_days = after_days;
	s->next_when = xstrdup(when);
}

/* txt_chunks - the text's 255-byte pieces as a JSON array of strings */
static json_t *
txt_chunks(const char *text)
{
	json_t *a = json_array();
	size_t n = strlen(text);

	for (size_t i = 0; i < n || (n == 0 && i == 0); i += 255) {
		size_t k = n - i < 255 ? n - i : 255;

		json_array_append_new(a, json_textn(text + i, k));
		if (n == 0)
			break;
	}
	return a;
}

char *
txt_quoted(const char *text)
{
	return zonetext_txt_quoted(text, strlen(text));
}

/* put_line - text on one line: newlines and tabs become spaces */
static void
put_line(FILE *fp, const char *prefix, const char *s)
{
	fputs(prefix, fp);
	for (; *s; s++)
		fputc(*s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s, fp);
	fputc('\n', fp);
}

/* put_lines - each line of text (borrowed) through put_line with prefix */
static void
put_lines(FILE *fp, const char *prefix, const char *text)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t k = nl ? (size_t)(nl - p) : strlen(p);
		char *l = xstrndup(p, k);

		put_line(fp, prefix, l);
		free(l);
		p += k + (nl ? 1 : 0);
	}
}

/* rdata_text - the value as zone-file RDATA (TXT quoted); caller frees */
static char *
rdata_text(const struct rec *r)
{
	if (strcmp(r->type, "TXT") == 0)
		return txt_quoted(r->value);
	return xstrdup(r->value);
}

/*
 * invoked - the command that made the set as the user types it: "records new",
 * "dkim keygen" (whose sets say "dkim-keygen" in JSON, schema mailsec-records/1)
 */
static const char *
invoked(const struct recset *s, const char **rest)
{
	if (strcmp(s->command, "dkim-keygen") == 0) {
		*rest = "";
		return "dkim keygen";
	}
	*rest = s->command;
	return "records ";
}

void
recset_print_zone(FILE *fp, const struct recset *s)
{
	bool rel = *s->domain == '\0';	/* names relative to the zone they go into */
	const char *rest, *cmd = invoked(s, &rest);

	fprintf(fp, "; mailsec %s%s%s%s%s%s (profile %s)\n", cmd, rest, rel ? "" : " ",
	    s->domain,
	    s->stage ? " --stage " : "", s->stage ? s->stage : "", s->profile);
	if (rel)
		fputs("; names are relative: publish them in the zone of the signing domain\n", fp);
	else
		fprintf(fp, "$ORIGIN %s.\n", s->domain);
	for (size_t i = 0; i < s->n; i++) {
		const struct rec *r = &s->v[i];
		char *rd = rdata_text(r), *line;

		if (r->comment)
			put_line(fp, "; ", r->comment);
		line = xasprintf("%s%s %u IN %s %s", r->owner, rel ? "" : ".", r->ttl, r->type, rd);
		put_line(fp, r->placeholder ? "; " : "", line);
		free(line);
		free(rd);
	}
	for (size_t i = 0; i < s->nfiles; i++) {
		fprintf(fp, ";\n; serve at %s (text/plain):\n", s->files[i].url);
		put_lines(fp, ";   ", s->files[i].content);
	}
	if (s->nnotes)
		fputs(";\n", fp);
	for (size_t i = 0; i < s->nnotes; i++)
		put_line(fp, "; ", s->notes[i]);
	if (s->next_stage) {
		char *l = xasprintf("next: --stage %s, no sooner than %u days after publishing this: %s",
		    s->next_stage, s->next_after_days, s->next_when);

		fputs(";\n", fp);
		put_line(fp, "; ", l);
		free(l);
	}
}

/* yaml_quoted - a single-quoted YAML scalar ('' for '); caller frees */
static char *
yaml_quoted(const char *s, bool octodns_txt)
{
	struct buf b;

	/* each byte becomes at most two, plus the quotes: the maximum holds the result */
	buf_init(&b, 2 * strlen(s) + 3);
	buf_addc(&b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(&b, "''");
		else if (*s == ';' && octodns_txt)
			buf_adds(&b, "\\;");	/* octoDNS escapes semicolons in TXT values */
		else if (*s == '\n' || *s == '\r')
			buf_addc(&b, ' ');
		else
			buf_addc(&b, *s);
	}
	buf_addc(&b, '\'');
	return buf_steal_fitted(&b);
}

/* rel_name - owner relative to the domain ('' for the apex); caller frees */
static char *
rel_name(const char *owner, const char *domain)
{
	size_t o = strlen(owner), d = strlen(domain);

	if (str_caseeq(owner, domain))
		return xstrdup("");
	if (o > d + 1 && owner[o - d - 1] == '.' && str_caseeq(owner + o - d, domain))
		return xstrndup(owner, o - d - 1);
	return xstrdup(owner);
}

/* octodns_value - one value line(s) of a record, indented by ind */
static void
octodns_value(FILE *fp, const struct rec *r, const char *ind, bool list)
{
	const char *dash = list ? "- " : "";

	if (strcmp(r->type, "MX") == 0) {
		const char *sp = strchr(r->value, ' ');
		char *pref = xstrndup(r->value, sp ? (size_t)(sp - r->value) : 0);
		char *ex = yaml_quoted(sp ? sp + 1 : r->value, false);

		fprintf(fp, "%s%sexchange: %s\n%s%spreference: %s\n", ind, dash, ex, ind,
		    list ? "  " : "", pref);
		free(pref);
		free(ex);
	} else {
		char *q = yaml_quoted(r->value, strcmp(r->type, "TXT") == 0);

		fprintf(fp, "%s%s%s\n", ind, dash, q);
		free(q);
	}
}

void
recset_print_octodns(FILE *fp, const struct recset *s)
{
	bool *done = xcalloc(s->n ? s->n : 1, sizeof(*done));
	const char *rest, *cmd = invoked(s, &rest);

	fprintf(fp, "# mailsec %s%s %s%s%s (profile %s): octoDNS zone file %s.yaml\n---\n",
	    cmd, rest, s->domain, s->stage ? " --stage " : "", s->stage ? s->stage : "",
	    s->profile, s->domain);
	for (size_t i = 0; i < s->n; i++) {
		char *name, *qn;
		bool first = true;

		if (done[i])
			continue;
		name = rel_name(s->v[i].owner, s->domain);
		qn = yaml_quoted(name, false);
		/* Every record at this name, grouped by type: one list entry per RRset. */
		for (size_t j = i; j < s->n; j++) {
			const struct rec *r = &s->v[j];
			size_t count = 0;
			char *nj;

			if (done[j] || r->placeholder)
				continue;
			nj = rel_name(r->owner, s->domain);
			if (strcmp(nj, name) != 0) {
				free(nj);
				continue;
			}
			free(nj);
			if (first)
				fprintf(fp, "%s:\n", qn);
			first = false;
			for (size_t k = j; k < s->n; k++) {
				char *nk = rel_name(s->v[k].owner, s->domain);

				if (!done[k] && !s->v[k].placeholder && strcmp(nk, name) == 0 &&
				    strcmp(s->v[k].type, r->type) == 0)
					count++;
				free(nk);
			}
			fprintf(fp, "  - type: %s\n    ttl: %u\n", r->type, r->ttl);
			if (count == 1) {
				fputs("    value:", fp);
				if (strcmp(r->type, "MX") == 0) {
					fputc('\n', fp);
					octodns_value(fp, r, "      ", false);
				} else {
					octodns_value(fp, r, " ", false);
				}
				done[j] = true;
				continue;
			}
			fputs("    values:\n", fp);
			for (size_t k = j; k < s->n; k++) {
				char *nk = rel_name(s->v[k].owner, s->domain);

				if (!done[k] && !s->v[k].placeholder && strcmp(nk, name) == 0 &&
				    strcmp(s->v[k].type, r->type) == 0) {
					octodns_value(fp, &s->v[k], "      ", true);
					done[k] = true;
				}
				free(nk);
			}
		}
		free(name);
		free(qn);
	}
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].placeholder) {
			char *rd = rdata_text(&s->v[i]), *l;

			l = xasprintf("%s. %u IN %s %s", s->v[i].owner, s->v[i].ttl, s->v[i].type, rd);
			put_line(fp, "# to fill in: ", l);
			if (s->v[i].comment)
				put_line(fp, "#   ", s->v[i].comment);
			free(l);
			free(rd);
		}
	}
	for (size_t i = 0; i < s->nfiles; i++) {
		fprintf(fp, "# serve at %s:\n", s->files[i].url);
		put_lines(fp, "#   ", s->files[i].content);
	}
	for (size_t i = 0; i < s->nnotes; i++)
		put_line(fp, "# ", s->notes[i]);
	if (s->next_stage)
		fprintf(fp, "# next: --stage %s, no sooner than %u days after publishing this\n",
		    s->next_stage, s->next_after_days);
	free(done);
}

json_t *
recset_json(const struct recset *s)
{
	json_t *o = json_object(), *recs = json_array(), *files = json_array(), *notes = json_array();

	doc_add_schema(o, DOC_RECORDS);
	doc_add_version(o);
	json_object_set_new(o, "command", json_text(s->command));
	json_object_set_new(o, "domain", *s->domain ? json_text(s->domain) : json_null());
	json_object_set_new(o, "stage", json_text(s->stage));
	json_object_set_new(o, "profile", json_text(s->profile));
	for (size_t i = 0; i < s->n; i++) {
		const struct rec *r = &s->v[i];
		json_t *j = json_object();

		json_object_set_new(j, "name", json_text(r->owner));
		json_object_set_new(j, "type", json_text(r->type));
		json_object_set_new(j, "ttl", json_integer(r->ttl));
		json_object_set_new(j, "value", json_text(r->value));
		if (strcmp(r->type, "TXT") == 0)
			json_object_set_new(j, "strings", txt_chunks(r->value));
		json_object_set_new(j, "placeholder", json_boolean(r->placeholder));
		json_object_set_new(j, "comment", json_text(r->comment));
		json_array_append_new(recs, j);
	}
	for (size_t i = 0; i < s->nfiles; i++) {
		json_t *f = json_object();

		json_object_set_new(f, "url", json_text(s->files[i].url));
		json_object_set_new(f, "content", json_text(s->files[i].content));
		json_array_append_new(files, f);
	}
	for (size_t i = 0; i < s->nnotes; i++)
		json_array_append_new(notes, json_text(s->notes[i]));
	json_object_set_new(o, "records", recs);
	json_object_set_new(o, "files", files);
	json_object_set_new(o, "notes", notes);
	if (s->next_stage) {
		json_t *n = json_object();

		json_object_set_new(n, "stage", json_text(s->next_stage));
		json_object_set_new(n, "after_days", json_integer(s->next_after_days));
		json_object_set_new(n, "when", json_text(s->next_when));
		json_object_set_new(o, "next", n);
	} else {
		json_object_set_new(o, "next", json_null());
	}
	return o;
}

/* recset_format_parse - --format's value (recset.h) */
bool
recset_format_parse(const char *s, enum recset_format *out)
{
	if (strcmp(s, "zone") == 0)
		*out = RECSET_ZONE;
	else if (strcmp(s, "json") == 0)
		*out = RECSET_JSON;
	else if (strcmp(s, "octodns") == 0)
		*out = RECSET_OCTODNS;
	else
		return false;
	return true;
}

/* recset_print - the set on fp in one of the three formats (recset.h) */
void
recset_print(FILE *fp, const struct recset *s, enum recset_format f, const char *version)
{
	if (f == RECSET_JSON) {
		json_t *j = recset_json(s);
		char *t;

		json_object_set_new(j, "mailsec_version", json_string(version));
		t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fprintf(fp, "%s\n", t);
		free(t);
		json_decref(j);
	} else if (f == RECSET_OCTODNS) {
		recset_print_octodns(fp, s);
	} else {
		recset_print_zone(fp, s);
	}
	fflush(fp);
}
