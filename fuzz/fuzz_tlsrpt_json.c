/* fuzz/fuzz_tlsrpt_json.c - libFuzzer target: the TLS-RPT JSON report parser */
#include <stddef.h>
#include <stdint.h>

#include "reports/tlsrpt_parse.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse the bytes as an RFC 8460 report */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_limits lim;
	struct arena ar;
	struct tlsrpt_report *r;
	struct report_error err;

	report_limits_default(&lim);
	lim.max_records = 2000;
	arena_init(&ar);
	(void)tlsrpt_parse((const char *)data, size, &lim, &ar, &r, &err);
	arena_free(&ar);
	return 0;
}
