/* fuzz/fuzz_mtasts.c - libFuzzer target: MTA-STS policy parser and its lint findings, TXT record parser and MX matching */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "checks/mtasts/mtasts_lint.h"
#include "policy/mtasts_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse the bytes as a policy and as a TXT record */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mtasts_policy p;
	struct mtasts_record r;
	struct mtasts_error e;

	if (mtasts_policy_parse((const char *)data, size, &p, &e) == MS_OK) {
		for (size_t i = 0; i < p.nmx; i++)
			(void)mtasts_mx_match(p.mx[i], "mx.example.com");
	} else if (e.offset > size) {
		__builtin_trap();
	}
	if (mtasts_record_parse((const char *)data, size, &r, &e) != MS_OK && e.offset > size)
		__builtin_trap();
	{
		/* the findings of mailsec mta-sts lint, "did you mean" and the corrected file */
		struct finding_list l;
		struct arena ar;

		findings_init(&l);
		arena_init(&ar);
		(void)mtasts_policy_lint(&l, &ar, "policy", (const char *)data, size, NULL);
		findings_free(&l);
		arena_free(&ar);
	}
	return 0;
}
