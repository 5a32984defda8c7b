/* fuzz/fuzz_dmarc_xml.c - libFuzzer target: the DMARC aggregate report parser and its containers */
#include <stddef.h>
#include <stdint.h>

#include "reports/dmarc_agg.h"
#include "mime/unpack.h"
#include "util/arena.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - unpack (gzip/zip/raw) with a small cap, then parse */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_limits lim;
	struct arena ar;
	struct dmarc_report *r;
	struct report_error err;
	struct buf b;
	const char *why;

	report_limits_default(&lim);
	lim.max_bytes = 4u * 1024 * 1024;
	lim.max_records = 2000;
	if (unpack((const char *)data, size, lim.max_bytes, &b, &why) == MS_OK && b.len) {
		arena_init(&ar);
		(void)dmarc_agg_parse(b.data, b.len, &lim, &ar, &r, &err);
		arena_free(&ar);
	}
	buf_free(&b);
	return 0;
}
