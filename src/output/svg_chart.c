/* src/output/svg_chart.c - stacked areas, stacked bars and lines as SVG, with their text alternatives */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/html.h"
#include "output/svg_chart.h"
#include "util/xalloc.h"

#define DEF_WIDTH	640
#define DEF_HEIGHT	240
#define MIN_SIDE	120
#define MARGIN_LEFT	56	/* room for the y tick labels */
#define MARGIN_RIGHT	12
#define MARGIN_TOP	10
#define MARGIN_BOTTOM	28	/* the x labels */
#define LEGEND_ROW	18
#define CHAR_PX		7	/* a label character's width at font-size 11, roughly */
#define MAX_TICKS	5
#define CHART_MAX_VALUE	1e15	/* larger values are drawn as this: sums stay finite */

/* Okabe and Ito's palette: told apart with every common colour-vision deficiency */
static const char *const PALETTE[] = {
	"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
	"#F0E442", "#000000", "#999999", "#7F3C8D", "#11A579", "#3969AC",
};
_Static_assert(sizeof(PALETTE) / sizeof(PALETTE[0]) >= CHART_MAX_SERIES, "a colour for every series");

/* geometry - where the plot sits and what its y axis spans */
struct geometry {
	double	 x0, y0, w, h;	/* the plot area */
	double	 lo, hi, step;	/* y axis range and tick step */
	unsigned width, height, legend_rows;
};

/* value - series s's value at point i: not finite → 0, past ±1e15 → ±1e15, negative → 0 unless lines */
static double
value(const struct chart *c, size_t s, size_t i)
{
	double v = c->series[s].values[i];

	if (!isfinite(v))
		return 0;
	if (fabs(v) > CHART_MAX_VALUE)
		v = v > 0 ? CHART_MAX_VALUE : -CHART_MAX_VALUE;
	if (v < 0 && c->kind != CHART_LINES)
		return 0;
	return v;
}

/* id_ok - 1 to 32 of [A-Za-z0-9_-] */
static bool
id_ok(const char *id)
{
	size_t n = 0;

	if (id == NULL)
		return false;
	for (; id[n] != '\0'; n++) {
		char ch = id[n];

		if (n >= 32 || !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return n > 0;
}

/* colour_ok - "#" and six hex digits */
static bool
colour_ok(const char *s)
{
	size_t i;

	if (s[0] != '#' || strlen(s) != 7)
		return false;
	for (i = 1; i < 7; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/* validate - the limits svg_chart and chart_table share */
static enum ms_status
validate(const struct chart *c)
{
	size_t s;

	if (c->npoints > CHART_MAX_POINTS || c->nseries > CHART_MAX_SERIES)
		return MS_ERR_LIMIT;
	if (!id_ok(c->id) || c->width > CHART_MAX_SIDE || c->height > CHART_MAX_SIDE ||
	    (c->width != 0 && c->width < MIN_SIDE) || (c->height != 0 && c->height < MIN_SIDE))
		return MS_ERR_ARG;
	if (c->npoints > 0 && c->x_labels == NULL)
		return MS_ERR_ARG;
	for (s = 0; s < c->nseries; s++) {
		if (c->npoints > 0 && c->series[s].values == NULL)
			return MS_ERR_ARG;
		if (c->series[s].colour != NULL && !colour_ok(c->series[s].colour))
			return MS_ERR_ARG;
	}
	return MS_OK;
}

/* colour - series s's colour */
static const char *
colour(const struct chart *c, size_t s)
{
	return c->series[s].colour != NULL ? c->series[s].colour : PALETTE[s];
}

/* chart_format_number - a short label for v (svg_chart.h) */
void
chart_format_number(double v, char *out, size_t outlen)
{
	double a = fabs(v);
	const char *suffix = "";

	if (!isfinite(v)) {
		snprintf(out, outlen, "0");
		return;
	}
	if (a >= 1e9) {
		v /= 1e9;
		suffix = "G";
	} else if (a >= 1e6) {
		v /= 1e6;
		suffix = "M";
	} else if (a >= 1e4) {
		v /= 1e3;
		suffix = "k";
	}
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(out, outlen, "%.0f%s", v, suffix);
	else if (fabs(v) >= 10)
		snprintf(out, outlen, "%.1f%s", v, suffix);
	else
		snprintf(out, outlen, "%.2g%s", v, suffix);
}

/* nice_step - a step of 1, 2 or 5 times a power of ten giving at most MAX_TICKS ticks over span */
static double
nice_step(double span)
{
	double raw = span / MAX_TICKS, mag, f;

	if (!(raw > 0))
		return 1;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	if (f <= 1)
		return mag;
	if (f <= 2)
		return 2 * mag;
	if (f <= 5)
		return 5 * mag;
	return 10 * mag;
}

/* legend_rows - how many rows the legend takes at width w */
static unsigned
legend_rows(const struct chart *c, double w)
{
	double x = 0;
	unsigned rows = c->nseries > 0 ? 1 : 0;
	size_t s;

	for (s = 0; s < c->nseries; s++) {
		double item = 18 + CHAR_PX * (double)strlen(c->series[s].name ? c->series[s].name : "") + 14;

		if (x > 0 && x + item > w) {
			rows++;
			x = 0;
		}
		x += item;
	}
	return rows;
}

/* layout - the plot area and the y range of c */
static void
layout(const struct chart *c, struct geometry *g)
{
	double lo = 0, hi = 0;
	size_t s, i;

	g->width = c->width ? c->width : DEF_WIDTH;
	g->height = c->height ? c->height : DEF_HEIGHT;
	for (i = 0; i < c->npoints; i++) {
		double sum = 0;

		for (s = 0; s < c->nseries; s++) {
			double v = value(c, s, i);

			if (c->kind == CHART_LINES) {
				lo = v < lo ? v : lo;
				hi = v > hi ? v : hi;
			} else
				sum += v;
		}
		if (c->kind != CHART_LINES && sum > hi)
			hi = sum;
	}
	if (hi <= lo)
		hi = lo + 1;
	g->step = nice_step(hi - lo);
	g->lo = floor(lo / g->step) * g->step;
	g->hi = ceil(hi / g->step) * g->step;
	if (g->hi <= g->lo)
		g->hi = g->lo + g->step;
	g->legend_rows = legend_rows(c, g->width - MARGIN_LEFT - MARGIN_RIGHT);
	g->x0 = MARGIN_LEFT;
	g->y0 = MARGIN_TOP;
	g->w = g->width - MARGIN_LEFT - MARGIN_RIGHT;
	g->h = g->height - MARGIN_TOP - MARGIN_BOTTOM - LEGEND_ROW * (double)g->legend_rows;
	if (g->h < 20)
		g->h = 20;
}

/* ypos - the y coordinate of value v */
static double
ypos(const struct geometry *g, double v)
{
	return g->y0 + g->h - (v - g->lo) / (g->hi - g->lo) * g->h;
}

/* xpos - the x coordinate of point i: bar centres for bars, edges to edges otherwise */
static double
xpos(const struct chart *c, const struct geometry *g, size_t i)
{
	if (c->kind == CHART_STACKED_BARS || c->npoints < 2)
		return g->x0 + g->w * ((double)i + 0.5) / (double)c->npoints;
	return g->x0 + g->w * (double)i / (double)(c->npoints - 1);
}

/* point_title - "LABEL: SERIES VALUE UNIT" as a <title> child, the hover text of one mark */
static void
point_title(struct buf *out, const struct chart *c, size_t s, size_t i)
{
	char num[32];

	snprintf(num, sizeof(num), "%.15g", value(c, s, i));
	buf_adds(out, "<title>");
	html_escape(out, c->x_labels[i]);
	buf_adds(out, ": ");
	html_escape(out, c->series[s].name);
	buf_addf(out, " %s", num);
	if (c->unit != NULL) {
		buf_addc(out, ' ');
		html_escape(out, c->unit);
	}
	buf_adds(out, "</title>");
}

/* describe - the <desc>: the kind, the range of x labels, each series' total or range */
static void
describe(struct buf *out, const struct chart *c)
{
	static const char *const KIND[] = { "Stacked area chart", "Stacked bar chart", "Line chart" };
	char num[32], num2[32];
	size_t s, i;

	buf_adds(out, KIND[c->kind]);
	if (c->title != NULL) {
		buf_adds(out, " of ");
		html_escape(out, c->title);
	}
	if (c->npoints > 0) {
		buf_adds(out, ", ");
		html_escape(out, c->x_labels[0]);
		if (c->npoints > 1) {
			buf_adds(out, " to ");
			html_escape(out, c->x_labels[c->npoints - 1]);
		}
	}
	buf_adds(out, c->nseries > 0 ? ": " : ": no data");
	for (s = 0; s < c->nseries; s++) {
		double sum = 0, lo = 0, hi = 0;

		for (i = 0; i < c->npoints; i++) {
			double v = value(c, s, i);

			sum += v;
			lo = i == 0 || v < lo ? v : lo;
			hi = i == 0 || v > hi ? v : hi;
		}
		if (s > 0)
			buf_adds(out, "; ");
		html_escape(out, c->series[s].name);
		if (c->kind == CHART_LINES) {
			snprintf(num, sizeof(num), "%.15g", lo);
			snprintf(num2, sizeof(num2), "%.15g", hi);
			buf_addf(out, " from %s to %s", num, num2);
		} else {
			snprintf(num, sizeof(num), "%.15g", sum);
			buf_addf(out, " %s in total", num);
		}
		if (c->unit != NULL) {
			buf_addc(out, ' ');
			html_escape(out, c->unit);
		}
	}
	buf_addc(out, '.');
}

/* axes - grid lines with y tick labels, the x labels that fit, the baseline */
static void
axes(struct buf *out, const struct chart *c, const struct geometry *g)
{
	char num[32];
	double t;
	size_t i, every, maxlab = 1;

	buf_adds(out, "<g font-size=\"11\" fill=\"#333333\">");
	for (t = g->lo; t <= g->hi + g->step / 2; t += g->step) {
		double y = ypos(g, t);

		chart_format_number(t, num, sizeof(num));
		buf_addf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>",
		    g->x0, y, g->x0 + g->w, y);
		buf_addf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>", g->x0 - 6, y + 4, num);
	}
	for (i = 0; i < c->npoints; i++) {
		size_t n = strlen(c->x_labels[i] ? c->x_labels[i] : "");

		maxlab = n > maxlab ? n : maxlab;
	}
	every = (size_t)ceil((double)c->npoints * (double)(maxlab * CHAR_PX + 12) / g->w);
	if (every == 0)
		every = 1;
	for (i = 0; i < c->npoints; i += every) {
		buf_addf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", xpos(c, g, i),
		    g->y0 + g->h + 16);
		html_escape(out, c->x_labels[i]);
		buf_adds(out, "</text>");
	}
	buf_addf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"/>",
	    g->x0, ypos(g, g->lo < 0 && g->hi > 0 ? 0 : g->lo), g->x0 + g->w,
	    ypos(g, g->lo < 0 && g->hi > 0 ? 0 : g->lo));
	buf_adds(out, "</g>");
}

/* areas - one polygon per series between its cumulative top and the one below */
static void
areas(struct buf *out, const struct chart *c, const struct geometry *g)
{
	double *below = xcalloc(c->npoints, sizeof(*below));
	double *top = xcalloc(c->npoints, sizeof(*top));
	size_t s, i;

	for (s = 0; s < c->nseries; s++) {
		for (i = 0; i < c->npoints; i++)
			top[i] = below[i] + value(c, s, i);
		buf_addf(out, "<polygon fill=\"%s\" fill-opacity=\"0.85\" points=\"", colour(c, s));
		for (i = 0; i < c->npoints; i++)
			buf_addf(out, "%s%.1f,%.1f", i ? " " : "", xpos(c, g, i), ypos(g, top[i]));
		for (i = c->npoints; i-- > 0;)
			buf_addf(out, " %.1f,%.1f", xpos(c, g, i), ypos(g, below[i]));
		buf_adds(out, "\"><title>");
		html_escape(out, c->series[s].name);
		buf_adds(out, "</title></polygon>");
		memcpy(below, top, c->npoints * sizeof(*below));
	}
	free(below);
	free(top);
}

/* bars - a bar per point, a segment per series, each with its hover title */
static void
bars(struct buf *out, const struct chart *c, const struct geometry *g)
{
	double band = g->w / (double)c->npoints, bw = band * 0.8;
	size_t s, i;

	for (i = 0; i < c->npoints; i++) {
		double base = 0;

		for (s = 0; s < c->nseries; s++) {
			double v = value(c, s, i);

			if (v <= 0)
				continue;
			buf_addf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">",
			    xpos(c, g, i) - bw / 2, ypos(g, base + v), bw, ypos(g, base) - ypos(g, base + v),
			    colour(c, s));
			point_title(out, c, s, i);
			buf_adds(out, "</rect>");
			base += v;
		}
	}
}

/* lines - a polyline per series, with a marker per point when they are few */
static void
lines(struct buf *out, const struct chart *c, const struct geometry *g)
{
	size_t s, i;

	for (s = 0; s < c->nseries; s++) {
		buf_addf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour(c, s));
		for (i = 0; i < c->npoints; i++)
			buf_addf(out, "%s%.1f,%.1f", i ? " " : "", xpos(c, g, i), ypos(g, value(c, s, i)));
		buf_adds(out, "\"/>");
		if (c->npoints > 60)
			continue;
		for (i = 0; i < c->npoints; i++) {
			buf_addf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">", xpos(c, g, i),
			    ypos(g, value(c, s, i)), colour(c, s));
			point_title(out, c, s, i);
			buf_adds(out, "</circle>");
		}
	}
}

/* legend - a swatch and the name of each series, wrapped into rows */
static void
legend(struct buf *out, const struct chart *c, const struct geometry *g)
{
	double x = 0, y = g->y0 + g->h + MARGIN_BOTTOM + 4;
	size_t s;

	buf_adds(out, "<g font-size=\"11\" fill=\"#333333\">");
	for (s = 0; s < c->nseries; s++) {
		const char *name = c->series[s].name ? c->series[s].name : "";
		double item = 18 + CHAR_PX * (double)strlen(name) + 14;

		if (x > 0 && x + item > g->w) {
			x = 0;
			y += LEGEND_ROW;
		}
		buf_addf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>",
		    g->x0 + x, y, colour(c, s));
		buf_addf(out, "<text x=\"%.1f\" y=\"%.1f\">", g->x0 + x + 16, y + 10);
		html_escape(out, name);
		buf_adds(out, "</text>");
		x += item;
	}
	buf_adds(out, "</g>");
}

/* svg_chart - c as an <svg> element (svg_chart.h) */
enum ms_status
svg_chart(struct buf *out, const struct chart *c)
{
	struct geometry g;
	enum ms_status st = validate(c);

	if (st != MS_OK)
		return st;
	layout(c, &g);
	buf_addf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
	    "viewBox=\"0 0 %u %u\" role=\"img\" aria-labelledby=\"%s-title %s-desc\" "
	    "font-family=\"sans-serif\">", g.width, g.height, g.width, g.height, c->id, c->id);
	buf_addf(out, "<title id=\"%s-title\">", c->id);
	html_escape(out, c->title);
	buf_addf(out, "</title><desc id=\"%s-desc\">", c->id);
	describe(out, c);
	buf_adds(out, "</desc>");
	axes(out, c, &g);
	if (c->npoints > 0 && c->nseries > 0) {
		if (c->kind == CHART_STACKED_BARS || (c->kind == CHART_STACKED_AREA && c->npoints < 2))
			bars(out, c, &g);
		else if (c->kind == CHART_STACKED_AREA)
			areas(out, c, &g);
		else
			lines(out, c, &g);
	}
	legend(out, c, &g);
	buf_adds(out, "</svg>");
	return buf_status(out);
}

/* chart_table - c's data as an HTML table (svg_chart.h) */
enum ms_status
chart_table(struct buf *out, const struct chart *c)
{
	enum ms_status st = validate(c);
	char num[32];
	size_t s, i;

	if (st != MS_OK)
		return st;
	buf_addf(out, "<table class=\"chart-data\" id=\"%s-data\"><caption>", c->id);
	html_escape(out, c->title);
	if (c->unit != NULL) {
		buf_adds(out, " (");
		html_escape(out, c->unit);
		buf_addc(out, ')');
	}
	buf_adds(out, "</caption><thead><tr><th scope=\"col\"></th>");
	for (s = 0; s < c->nseries; s++) {
		buf_adds(out, "<th scope=\"col\">");
		html_escape(out, c->series[s].name);
		buf_adds(out, "</th>");
	}
	buf_adds(out, "</tr></thead><tbody>");
	for (i = 0; i < c->npoints; i++) {
		buf_adds(out, "<tr><th scope=\"row\">");
		html_escape(out, c->x_labels[i]);
		buf_adds(out, "</th>");
		for (s = 0; s < c->nseries; s++) {
			snprintf(num, sizeof(num), "%.15g", value(c, s, i));
			buf_addf(out, "<td>%s</td>", num);
		}
		buf_adds(out, "</tr>");
	}
	buf_adds(out, "</tbody></table>");
	return buf_status(out);
}
