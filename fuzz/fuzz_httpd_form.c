/* fuzz/fuzz_httpd_form.c - libFuzzer target: httpd_form_parse (httpd/httpd_parse.h) over any bytes */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "httpd/httpd_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse; on success every string must lie inside the result's buffer */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct httpd_form out;

	if (httpd_form_parse((const char *)data, size, &out) == MS_OK) {
		const char *lo = out.buf, *hi = out.buf + sizeof(out.buf);

		for (size_t i = 0; i < out.n; i++)
			if (out.v[i].name < lo || out.v[i].value + strlen(out.v[i].value) >= hi ||
			    httpd_form_count(&out, out.v[i].name) == 0)
				__builtin_trap();
	} else if (out.why == NULL)
		__builtin_trap();	/* a refusal always says why */
	return 0;
}
