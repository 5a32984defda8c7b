/* src/output/svg_chart.h - charts drawn as SVG on the server: stacked areas, stacked bars, lines */
#ifndef MS_OUTPUT_SVG_CHART_H
#define MS_OUTPUT_SVG_CHART_H

#include <stddef.h>

#include "util/buf.h"
#include "util/status.h"

/*
 * A chart is a pure function of its data: no script, no style sheet, nothing
 * from another origin, so a page that shows it works under a Content-Security-
 * Policy of default-src 'none' (docs/serve.md).  Every text (title, labels,
 * series names) goes through html_escape; numbers that are not finite are
 * drawn as 0, and so are negative ones in the stacked kinds; magnitudes past
 * 1e15 are drawn as 1e15.  The <svg> carries
 * role="img" with a <title> and a <desc> that says what the data shows in
 * words; chart_table() gives the same data as an HTML table for readers who
 * cannot see the picture.  Each bar and point has its own <title>, which a
 * browser shows on hover.
 */
enum chart_kind {
	CHART_STACKED_AREA,	/* one band per series, stacked in order, over the x labels */
	CHART_STACKED_BARS,	/* one bar per x label, a segment per series */
	CHART_LINES		/* one line per series, values may be negative */
};

struct chart_series {
	const char	*name;		/* legend text (escaped) */
	const double	*values;	/* chart.npoints values, borrowed */
	const char	*colour;	/* "#rrggbb", or NULL for the palette's next */
};

struct chart {
	enum chart_kind	 kind;
	const char	*id;		/* prefix of the element ids: 1-32 of [A-Za-z0-9_-], unique on the page */
	const char	*title;		/* what the chart shows, e.g. "Messages per day" */
	const char	*unit;		/* what the y axis counts, e.g. "messages" (NULL: none) */
	const char *const *x_labels;	/* npoints labels (dates, MX names), borrowed */
	size_t		 npoints;
	const struct chart_series *series;	/* nseries, borrowed */
	size_t		 nseries;
	unsigned	 width, height;	/* the drawing's size in px; 0: 640 x 240 */
};

#define CHART_MAX_POINTS	1000
#define CHART_MAX_SERIES	12
#define CHART_MAX_SIDE		4000	/* width and height at most */

/*
 * svg_chart - append the <svg> element drawing c (borrowed) to out; MS_ERR_ARG
 * for a bad id, colour or size, MS_ERR_LIMIT past CHART_MAX_POINTS or
 * CHART_MAX_SERIES, else buf_status(out)
 */
MS_MUST_CHECK enum ms_status svg_chart(struct buf *out, const struct chart *c);
/*
 * chart_table - append c's data as an HTML <table> (a column per series, a row
 * per x label, a caption of the title) to out; c is borrowed; the same limits
 * as svg_chart
 */
MS_MUST_CHECK enum ms_status chart_table(struct buf *out, const struct chart *c);
/*
 * chart_format_number - v as a tick label ("0", "250", "1.5k", "2M",
 * "0.25") into the caller's out of outlen bytes (16 suffice), for axes and
 * tables alike
 */
void chart_format_number(double v, char *out, size_t outlen);

#endif
