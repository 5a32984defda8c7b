/* fuzz/fuzz_tls_policy.c - libFuzzer target: the Postfix TLS policy decision over arbitrary stored results */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "output/tls_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - bytes as a stored result (JSON); decide and print; nothing may crash or leak */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_policy_decision d;
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);
	FILE *sink = fopen("/dev/null", "w");

	tls_policy_decide(doc, 1800000000, &d);
	if (sink) {
		tls_policy_print(sink, "partner.test", &d);
		fclose(sink);
	}
	json_decref(doc);
	return 0;
}
