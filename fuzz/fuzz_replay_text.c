/* fuzz/fuzz_replay_text.c - libFuzzer target: replay/zone text parsing and answering */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/resolver_replay.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay_data *d;
	struct dns_answer *a;
	char *text, *err = NULL;

	if (size > 65536)
		return 0;
	text = xstrndup((const char *)data, size);
	d = replay_data_new();
	if (replay_data_load_text(d, text, &err) != MS_OK && err == NULL)
		__builtin_trap();	/* a refusal always says why */
	free(err);
	/* Answer a few questions about whatever loaded, CNAMEs and wildcards included. */
	a = replay_data_answer(d, "a.example.test", DNS_T_A);
	dns_answer_unref(a);
	a = replay_data_answer(d, "x.y.example.test", DNS_T_TXT);
	dns_answer_unref(a);
	replay_data_free(d);
	free(text);
	return 0;
}
