/* fuzz/fuzz_zone_bind.c - libFuzzer target: BIND master files through ldns into wire records */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "zone/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * lines_sane - the lines records keep (for lint's SARIF) lie in the file and
 * never go back: each record starts on or after the line of the one before
 */
static void
lines_sane(const struct zone_file *z, const uint8_t *data, size_t size)
{
	unsigned nlines = 1, last = 0;

	for (size_t i = 0; i < size; i++)
		nlines += data[i] == '\n';
	if (z->soa_line < 1 || z->soa_line > nlines)
		abort();
	for (size_t i = 0; i < z->n; i++) {
		if (z->rr[i].line == 0)
			continue;	/* not known: the two readings disagreed */
		if (z->rr[i].line > nlines || z->rr[i].line < last)
			abort();
		last = z->rr[i].line;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zone_file *z = NULL;
	char *err = NULL;

	if (size > 65536)
		return 0;
	/* With and without an origin: both paths (SOA owner, $ORIGIN, the argument). */
	if (zone_read_bind((const char *)data, size, NULL, &z, &err) == MS_OK) {
		lines_sane(z, data, size);
		zone_file_free(z);
	}
	free(err);
	z = NULL;
	err = NULL;
	if (zone_read_bind((const char *)data, size, "example.test", &z, &err) == MS_OK) {
		lines_sane(z, data, size);
		zone_file_free(z);
	}
	free(err);
	return 0;
}
