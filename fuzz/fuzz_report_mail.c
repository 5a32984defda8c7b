/* fuzz/fuzz_report_mail.c - libFuzzer target: finding reports in a mail message (GMime, ARF fields) */
#include <stddef.h>
#include <stdint.h>

#include "reports/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void d_dmarc(void *a, const char *o, const struct dmarc_report *r) { (void)a; (void)o; (void)r; }
static void d_tls(void *a, const char *o, const struct tlsrpt_report *r) { (void)a; (void)o; (void)r; }
static void d_fail(void *a, const char *o, const struct failure_report *r) { (void)a; (void)o; (void)r; }
static void d_rej(void *a, const char *o, const char *w, const char *raw, size_t n)
{
	(void)a; (void)o; (void)w; (void)raw; (void)n;
}
static void d_none(void *a, const char *o) { (void)a; (void)o; }

/* LLVMFuzzerTestOneInput - the bytes as one message, then as an mbox */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_sink s = { d_dmarc, d_tls, d_fail, d_rej, d_none, NULL };
	struct extract_opts o;

	extract_opts_default(&o);
	o.lim.max_bytes = 1u << 20;
	o.lim.max_records = 1000;
	extract_message((const char *)data, size, "fuzz", &o, &s);
	if (size > 5)
		extract_mbox((const char *)data, size, "fuzz", &o, &s);
	return 0;
}
