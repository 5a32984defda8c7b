/* fuzz/fuzz_httpd_path.c - libFuzzer target: httpd_path_parse (httpd/httpd_parse.h) over any bytes */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "httpd/httpd_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse; on success every string must lie inside the result's buffer */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct httpd_path out;

	if (httpd_path_parse((const char *)data, size, &out) == MS_OK) {
		const char *lo = out.buf, *hi = out.buf + sizeof(out.buf);

		for (size_t i = 0; i < out.nseg; i++)
			if (out.seg[i] < lo || out.seg[i] + strlen(out.seg[i]) >= hi)
				__builtin_trap();
	} else if (out.why == NULL)
		__builtin_trap();	/* a refusal always says why */
	return 0;
}
