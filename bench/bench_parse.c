/* bench/bench_parse.c - parse speed of report files: bare libxml2 beside mailsec's parser */
#include "reports/dmarc_agg.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "xml/xmlstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct file {
	char *data;
	size_t len;
};

/* slurp - a whole file; exits on error (a benchmark, not a tool) */
static struct file
slurp(const char *path)
{
	struct file f = { NULL, 0 };
	FILE *fp = fopen(path, "rb");
	long n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0) {
		fprintf(stderr, "bench_parse: cannot read %s\n", path);
		exit(2);
	}
	rewind(fp);
	f.data = xmalloc((size_t)n + 1);
	f.len = fread(f.data, 1, (size_t)n, fp);
	fclose(fp);
	return f;
}

int
main(int argc, char **argv)
{
	struct file *files;
	size_t total = 0, bad = 0, nf = (size_t)(argc - 1);
	double t0, raw, ours;
	struct report_limits lim;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_parse FILE...\n");
		return 2;
	}
	files = xcalloc(nf, sizeof(*files));
	for (size_t i = 0; i < nf; i++) {
		files[i] = slurp(argv[i + 1]);
		total += files[i].len;
	}
	t0 = clock_mono_seconds();
	for (size_t i = 0; i < nf; i++)
		if (xml_raw_parse(files[i].data, files[i].len) != 0)
			bad++;
	raw = clock_mono_seconds() - t0;
	report_limits_default(&lim);
	t0 = clock_mono_seconds();
	for (size_t i = 0; i < nf; i++) {
		struct arena ar;
		struct dmarc_report *r;
		struct report_error err;

		arena_init(&ar);
		if (dmarc_agg_parse(files[i].data, files[i].len, &lim, &ar, &r, &err) != MS_OK)
			bad++;
		arena_free(&ar);
	}
	ours = clock_mono_seconds() - t0;
	printf("bytes %zu files %zu failed %zu\n", total, nf, bad);
	printf("libxml2 xmlReadMemory (tree):   %8.1f MB/s %10.0f reports/s\n",
	    (double)total / 1e6 / raw, (double)nf / raw);
	printf("mailsec dmarc_agg_parse (SAX):  %8.1f MB/s %10.0f reports/s\n",
	    (double)total / 1e6 / ours, (double)nf / ours);
	for (size_t i = 0; i < nf; i++)
		free(files[i].data);
	free(files);
	return bad ? 1 : 0;
}
