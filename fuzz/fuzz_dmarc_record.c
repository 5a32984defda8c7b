/* fuzz/fuzz_dmarc_record.c - libFuzzer target: the DMARC record parser and linter on arbitrary bytes */
#include <stddef.h>
#include <stdint.h>

#include "policy/dmarc_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse, lint under every rule set, render JSON; nothing may crash or leak */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena ar;
	struct dmarc_record r;
	struct finding_list l;
	json_t *j;
	bool as_none;

	arena_init(&ar);
	if (dmarc_record_parse(&ar, (const char *)data, size, &r) == MS_OK) {
		for (int rules = DMARC_RULES_BOTH; rules <= DMARC_RULES_9989; rules++) {
			findings_init(&l);
			dmarc_record_lint(&ar, &r, "example.org", (enum dmarc_rules)rules, &l);
			j = findings_to_json(&l);
			json_decref(j);
			findings_free(&l);
			(void)dmarc_record_valid(&r, (enum dmarc_rules)rules);
			(void)dmarc_record_usable(&r, (enum dmarc_rules)rules, &as_none);
		}
		j = dmarc_record_to_json(&r);
		json_decref(j);
	}
	(void)dmarc_record_looks_almost((const char *)data, size);
	arena_free(&ar);
	return 0;
}
