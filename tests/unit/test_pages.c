/* tests/unit/test_pages.c - every embedded page template parses, renders, and escapes what strangers wrote */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output/template.h"
#include "util/buf.h"

/* The generated table (tools/embed_templates.py), as src/web/pages.c declares it. */
struct builtin_template {
	const char *name;
	const char *text;
	size_t len;
};
extern const struct builtin_template builtin_templates[];

struct set {
	struct tmpl *t[64];
	const char *name[64];
	size_t n;
};

/* find - tmpl_lookup_fn over a set */
static const struct tmpl *
find(void *arg, const char *name)
{
	struct set *s = arg;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->name[i], name) == 0)
			return s->t[i];
	return NULL;
}

/* load - parse every .html template (asserting each parses) into s */
static void
load(struct set *s)
{
	char why[256];

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; builtin_templates[i].name; i++) {
		const struct builtin_template *b = &builtin_templates[i];

		if (strchr(b->name, '.'))
			continue;	/* the style sheet */
		assert_true(s->n < 64);
		why[0] = '\0';
		if (tmpl_parse(b->name, b->text, b->len, &s->t[s->n], why, sizeof(why)) != MS_OK)
			fail_msg("template %s: %s", b->name, why);
		s->name[s->n++] = b->name;
	}
}

/* unload - free s's templates */
static void
unload(struct set *s)
{
	for (size_t i = 0; i < s->n; i++)
		tmpl_free(s->t[i]);
}

/* every_template_parses - the pages the server needs are there, parse and render over empty data */
static void
every_template_parses(void **state)
{
	static const char *const need[] = { "head", "foot", "notfound", "overview", "domain", "reports",
		"tls", "events", "admin", NULL };
	struct set s;
	bool css = false;

	load(&s);
	for (size_t i = 0; need[i]; i++)
		assert_non_null(find(&s, need[i]));
	for (size_t i = 0; builtin_templates[i].name; i++)
		css |= strcmp(builtin_templates[i].name, "mailsec.css") == 0;
	assert_true(css);
	for (size_t i = 0; i < s.n; i++) {
		json_t *d = json_object();
		struct buf b;

		buf_init(&b, 0);
		assert_int_equal(tmpl_render(s.t[i], d, find, &s, &b), MS_OK);	/* every partial is there */
		assert_true(b.len > 0);
		/* no inline style or script: the Content-Security-Policy forbids them */
		assert_null(strstr(b.data, "style="));
		assert_null(strstr(b.data, "<script"));
		buf_free(&b);
		json_decref(d);
	}
	unload(&s);
}

/* hostile_values_escaped - a domain page over hostile finding text shows it as text */
static void
hostile_values_escaped(void **state)
{
	struct set s;
	struct buf b;
	json_t *d;

	load(&s);
	d = json_pack("{s:s,s:s,s:b,s:[{s:s,s:s,s:s,s:s,s:s}],s:[{s:s,s:s}]}",
	    "title", "x.test", "name", "x.test", "checked", 1,
	    "findings", "id", "spf.x", "severity", "error", "subject", "<img src=x onerror=alert(1)>",
	    "message", "\"'><script>window.pwned=1</script>", "evidence", "v=spf1 <b>",
	    "records", "area", "spf", "text", "</pre><script>x</script>");
	buf_init(&b, 0);
	assert_int_equal(tmpl_render(find(&s, "domain"), d, find, &s, &b), MS_OK);
	assert_null(strstr(b.data, "<script"));
	assert_null(strstr(b.data, "<img"));
	assert_non_null(strstr(b.data, "&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(b.data, "&quot;&#39;&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;"));
	buf_free(&b);
	json_decref(d);
	unload(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_template_parses),
		cmocka_unit_test(hostile_values_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
