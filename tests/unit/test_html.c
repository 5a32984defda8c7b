/* tests/unit/test_html.c - escaping for pages (src/output/html.c), the SVG charts (svg_chart.c), templates (template.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output/html.h"
#include "output/svg_chart.h"
#include "output/template.h"
#include "util/buf.h"

/* escaped_n - html_escape_n(s, n) as a string; caller frees */
static char *
escaped_n(const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	html_escape_n(&b, s, n);
	assert_int_equal(buf_status(&b), MS_OK);
	return buf_steal(&b);
}

/* expect_escaped - html_escape(s) gives want */
static void
expect_escaped(const char *s, const char *want)
{
	char *got = escaped_n(s, strlen(s));

	assert_string_equal(got, want);
	free(got);
}

/* html_escapes - the five markup characters, controls, bad UTF-8, good UTF-8 kept */
static void
html_escapes(void **state)
{
	char *got;

	(void)state;
	expect_escaped("", "");
	expect_escaped("plain text", "plain text");
	expect_escaped("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	expect_escaped("a & b", "a &amp; b");
	expect_escaped("\"x\" 'y'", "&quot;x&quot; &#39;y&#39;");
	expect_escaped("&amp;", "&amp;amp;");
	expect_escaped("tab\tnl\ncr\r", "tab\tnl\ncr\r");
	expect_escaped("bell\a del\x7f", "bell\xEF\xBF\xBD del\xEF\xBF\xBD");
	expect_escaped("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xA7", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xA7");
	expect_escaped("bad \xC3 end", "bad \xEF\xBF\xBD end");
	expect_escaped("overlong \xC0\xBC", "overlong \xEF\xBF\xBD\xEF\xBF\xBD");
	expect_escaped("overlong3 \xE0\x80\xBC", "overlong3 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	expect_escaped("surrogate \xED\xA0\x80", "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	expect_escaped("too big \xF4\x90\x80\x80", "too big \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	expect_escaped("cut \xE2\x82", "cut \xEF\xBF\xBD\xEF\xBF\xBD");
	got = escaped_n("a\0<b", 4);	/* a NUL inside the length is a control too */
	assert_string_equal(got, "a\xEF\xBF\xBD&lt;b");
	free(got);
	got = escaped_n(NULL, 3);
	assert_string_equal(got, "");
	free(got);
}

/* html_escape_limit - past the buffer's maximum the failure is kept, nothing half-escaped is trusted */
static void
html_escape_limit(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	html_escape(&b, "<<<<<<");
	assert_int_equal(buf_status(&b), MS_ERR_LIMIT);
	buf_free(&b);
}

static const char *const DAYS[] = { "2026-11-01", "2026-11-02", "2026-11-03" };

/* render - svg_chart of kind over two series; caller frees */
static char *
render(enum chart_kind kind, const char *name0, const double *v0, const double *v1, enum ms_status want)
{
	struct chart_series s[2] = {
		{ name0, v0, NULL },
		{ "Rejected", v1, "#D55E00" },
	};
	struct chart c = {
		.kind = kind, .id = "dmarc-1", .title = "Messages per day", .unit = "messages",
		.x_labels = DAYS, .npoints = 3, .series = s, .nseries = 2,
	};
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(svg_chart(&b, &c), want);
	return buf_steal(&b);
}

/* chart_kinds - each kind draws its marks, its title, desc and legend, escaping every name */
static void
chart_kinds(void **state)
{
	const double v0[] = { 10, 20, 30 }, v1[] = { 1, 2, 3 };
	char *svg;

	(void)state;
	svg = render(CHART_STACKED_AREA, "<b>Fully</b> trusted", v0, v1, MS_OK);
	assert_non_null(strstr(svg, "role=\"img\" aria-labelledby=\"dmarc-1-title dmarc-1-desc\""));
	assert_non_null(strstr(svg, "<title id=\"dmarc-1-title\">Messages per day</title>"));
	assert_non_null(strstr(svg, "Stacked area chart of Messages per day, 2026-11-01 to 2026-11-03: "
	    "&lt;b&gt;Fully&lt;/b&gt; trusted 60 in total messages; Rejected 6 in total messages."));
	assert_null(strstr(svg, "<b>"));
	assert_non_null(strstr(svg, "<polygon"));
	assert_non_null(strstr(svg, "fill=\"#D55E00\""));
	assert_non_null(strstr(svg, "fill=\"#0072B2\""));
	assert_non_null(strstr(svg, ">40</text>"));	/* ticks 0..40 step 10 over the stacked max 33 */
	assert_null(strstr(svg, "nan"));
	free(svg);

	svg = render(CHART_STACKED_BARS, "Trusted", v0, v1, MS_OK);
	assert_non_null(strstr(svg, "<rect"));
	assert_non_null(strstr(svg, "<title>2026-11-02: Trusted 20 messages</title>"));
	assert_non_null(strstr(svg, "Stacked bar chart"));
	free(svg);

	svg = render(CHART_LINES, "Trusted", v0, v1, MS_OK);
	assert_non_null(strstr(svg, "<polyline"));
	assert_non_null(strstr(svg, "<circle"));
	assert_non_null(strstr(svg, "Trusted from 10 to 30 messages"));
	assert_string_equal(svg + strlen(svg) - 6, "</svg>");
	free(svg);
}

/* chart_hostile - odd numbers are drawn finite; bad ids, colours and sizes are refused */
static void
chart_hostile(void **state)
{
	const double odd[] = { -5, 1.0 / 0.0, 1e300 }, zero[] = { 0, 0, 0 };
	const double nan_v[] = { 0.0 / 0.0, 0.0 / 0.0, 0.0 / 0.0 };
	struct chart_series s = { "x", zero, "red" };
	struct chart c = { .kind = CHART_LINES, .id = "a b", .x_labels = DAYS, .npoints = 3, .series = &s,
	    .nseries = 1 };
	struct buf b;
	char *svg;

	(void)state;
	svg = render(CHART_STACKED_AREA, "odd", odd, nan_v, MS_OK);
	assert_null(strstr(svg, "nan"));
	assert_null(strstr(svg, "inf"));
	free(svg);
	svg = render(CHART_LINES, "odd", odd, zero, MS_OK);
	assert_null(strstr(svg, "nan"));
	assert_non_null(strstr(svg, "odd from -5 to 1e+15"));
	free(svg);
	svg = render(CHART_STACKED_BARS, "zero", zero, zero, MS_OK);
	assert_non_null(strstr(svg, ">1</text>"));	/* an empty chart still has an axis */
	free(svg);

	buf_init(&b, 0);
	assert_int_equal(svg_chart(&b, &c), MS_ERR_ARG);	/* id with a space */
	c.id = "ok";
	assert_int_equal(svg_chart(&b, &c), MS_ERR_ARG);	/* colour not #rrggbb */
	s.colour = NULL;
	c.width = 50;
	assert_int_equal(svg_chart(&b, &c), MS_ERR_ARG);	/* too small */
	c.width = 0;
	c.npoints = CHART_MAX_POINTS + 1;
	assert_int_equal(svg_chart(&b, &c), MS_ERR_LIMIT);
	c.npoints = 0;
	c.nseries = 0;
	assert_int_equal(svg_chart(&b, &c), MS_OK);	/* no data: axes and "no data" */
	assert_non_null(strstr(buf_cstr(&b), "no data."));
	buf_free(&b);
}

/* chart_table_data - the text alternative: a caption, a column per series, a row per label */
static void
chart_table_data(void **state)
{
	const double v0[] = { 10, 20, 30 }, v1[] = { 1, 2.5, 3 };
	struct chart_series s[2] = { { "<i>Trusted</i>", v0, NULL }, { "Rejected", v1, NULL } };
	struct chart c = { .kind = CHART_STACKED_BARS, .id = "t", .title = "Per day", .unit = "messages",
	    .x_labels = DAYS, .npoints = 3, .series = s, .nseries = 2 };
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(chart_table(&b, &c), MS_OK);
	assert_string_equal(buf_cstr(&b),
	    "<table class=\"chart-data\" id=\"t-data\"><caption>Per day (messages)</caption><thead><tr>"
	    "<th scope=\"col\"></th><th scope=\"col\">&lt;i&gt;Trusted&lt;/i&gt;</th><th scope=\"col\">Rejected</th>"
	    "</tr></thead><tbody><tr><th scope=\"row\">2026-11-01</th><td>10</td><td>1</td></tr>"
	    "<tr><th scope=\"row\">2026-11-02</th><td>20</td><td>2.5</td></tr>"
	    "<tr><th scope=\"row\">2026-11-03</th><td>30</td><td>3</td></tr></tbody></table>");
	buf_free(&b);
}

/* numbers - tick labels stay short */
static void
numbers(void **state)
{
	char out[32];

	(void)state;
	chart_format_number(0, out, sizeof(out));
	assert_string_equal(out, "0");
	chart_format_number(250, out, sizeof(out));
	assert_string_equal(out, "250");
	chart_format_number(15000, out, sizeof(out));
	assert_string_equal(out, "15k");
	chart_format_number(2500000, out, sizeof(out));
	assert_string_equal(out, "2.5M");
	chart_format_number(0.25, out, sizeof(out));
	assert_string_equal(out, "0.25");
}

/* page_lookup - the partials of the template tests */
static const struct tmpl *
page_lookup(void *arg, const char *name)
{
	struct tmpl **parts = arg;

	if (strcmp(name, "row") == 0)
		return parts[0];
	if (strcmp(name, "self") == 0)
		return parts[1];
	return NULL;
}

/* rendered - template text over the JSON data; want the status; caller frees */
static char *
rendered(const char *text, const char *data, enum ms_status want)
{
	struct tmpl *t, *parts[2];
	json_t *j = json_loads(data, 0, NULL);
	char why[128];
	struct buf b;

	assert_non_null(j);
	assert_int_equal(tmpl_parse("row", "<li>{{name}}</li>", 17, &parts[0], why, sizeof(why)), MS_OK);
	assert_int_equal(tmpl_parse("self", "x{{>self}}", 10, &parts[1], why, sizeof(why)), MS_OK);
	assert_int_equal(tmpl_parse("page", text, strlen(text), &t, why, sizeof(why)), MS_OK);
	assert_string_equal(tmpl_name(t), "page");
	buf_init(&b, 0);
	assert_int_equal(tmpl_render(t, j, page_lookup, parts, &b), want);
	tmpl_free(t);
	tmpl_free(parts[0]);
	tmpl_free(parts[1]);
	json_decref(j);
	return buf_steal(&b);
}

/* expect_page - text over data renders as want */
static void
expect_page(const char *text, const char *data, const char *want)
{
	char *got = rendered(text, data, MS_OK);

	assert_string_equal(got, want);
	free(got);
}

/* templates - values escaped, sections over arrays, objects and values, inverted, partials, dotted names */
static void
templates(void **state)
{
	(void)state;
	expect_page("plain", "{}", "plain");
	expect_page("<p>{{org}}</p>", "{\"org\": \"<script>alert(1)</script>\"}",
	    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
	expect_page("{{ n }} {{r}} {{t}} {{f}} {{z}} {{o}} {{a}} {{missing}}",
	    "{\"n\": 42, \"r\": 0.5, \"t\": true, \"f\": false, \"z\": null, \"o\": {}, \"a\": [1]}",
	    "42 0.5 true     ");
	expect_page("<a title='{{q}}'>", "{\"q\": \"' onmouseover='x\"}", "<a title='&#39; onmouseover=&#39;x'>");
	expect_page("{{#rows}}[{{name}}:{{grade}}]{{/rows}}", "{\"grade\": \"outer\", \"rows\": "
	    "[{\"name\": \"a\", \"grade\": \"A\"}, {\"name\": \"b\"}]}", "[a:A][b:outer]");
	expect_page("{{#list}}<{{.}}>{{/list}}", "{\"list\": [\"x&y\", 2]}", "<x&amp;y><2>");
	expect_page("{{#d}}{{name}}{{/d}}", "{\"d\": {\"name\": \"in\"}, \"name\": \"out\"}", "in");
	expect_page("{{#on}}yes{{/on}}{{^on}}no{{/on}}", "{\"on\": true}", "yes");
	expect_page("{{#on}}yes{{/on}}{{^on}}no{{/on}}", "{\"on\": []}", "no");
	expect_page("{{#on}}yes{{/on}}{{^on}}no{{/on}}", "{\"on\": \"\"}", "no");
	expect_page("{{#on}}yes{{/on}}{{^on}}no{{/on}}", "{\"on\": 0}", "no");
	expect_page("{{#on}}yes{{/on}}{{^on}}no{{/on}}", "{}", "no");
	expect_page("{{a.b.c}}|{{a.x.c}}", "{\"a\": {\"b\": {\"c\": \"deep\"}}}", "deep|");
	expect_page("<ul>{{#rows}}{{>row}}{{/rows}}</ul>", "{\"rows\": [{\"name\": \"<i>\"}]}",
	    "<ul><li>&lt;i&gt;</li></ul>");
	expect_page("{{{html_chart}}}", "{\"html_chart\": \"<svg></svg>\"}", "<svg></svg>");
	expect_page("{{{d.html_chart}}}", "{\"d\": {\"html_chart\": \"<b>\"}}", "<b>");
	expect_page("a{{! a comment {with braces} }}b", "{}", "ab");
	expect_page("{ single } {{x}}", "{\"x\": 1}", "{ single } 1");
}

/* templates_bad - syntax and limits refused with a line; unknown and recursive partials fail the render */
static void
templates_bad(void **state)
{
	static const char *const BAD[] = {
		"{{name", "{{#a}}x", "{{#a}}x{{/b}}", "{{/a}}", "{{}}", "{{ two words }}", "{{a..b}}",
		"{{{chart}}}", "{{{html_x}}", "{{#}}{{/}}", "{{a/b}}", "line\nline\n{{#open}}",
	};
	struct tmpl *t = NULL;
	char why[128], deep[6 * (TMPL_MAX_DEPTH + 1) + 1];
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		assert_int_equal(tmpl_parse("bad", BAD[i], strlen(BAD[i]), &t, why, sizeof(why)), MS_ERR_SYNTAX);
		assert_null(t);
		assert_true(strncmp(why, "bad:", 4) == 0);
	}
	assert_int_equal(tmpl_parse("bad", "line\nline\n{{#open}}", 19, &t, why, sizeof(why)), MS_ERR_SYNTAX);
	assert_string_equal(why, "bad:3: section left open at the end");
	for (i = 0; i < TMPL_MAX_DEPTH + 1; i++)
		memcpy(deep + 6 * i, "{{#a}}", 7);
	assert_int_equal(tmpl_parse("deep", deep, strlen(deep), &t, why, sizeof(why)), MS_ERR_LIMIT);
	assert_int_equal(tmpl_parse("big", deep, TMPL_MAX_SIZE + 1, &t, why, sizeof(why)), MS_ERR_LIMIT);
	got = rendered("{{>nowhere}}", "{}", MS_ERR_NOTFOUND);
	free(got);
	got = rendered("{{>self}}", "{}", MS_ERR_LIMIT);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(html_escapes),
		cmocka_unit_test(html_escape_limit),
		cmocka_unit_test(chart_kinds),
		cmocka_unit_test(chart_hostile),
		cmocka_unit_test(chart_table_data),
		cmocka_unit_test(numbers),
		cmocka_unit_test(templates),
		cmocka_unit_test(templates_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
