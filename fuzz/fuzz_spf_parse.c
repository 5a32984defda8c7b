/* fuzz/fuzz_spf_parse.c - libFuzzer target: the SPF record parser and linter on arbitrary bytes */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "checks/spf/spf_lint.h"
#include "policy/spf_parse.h"
#include "core/finding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse, then lint, one record; must never crash or leak */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena ar;
	struct spf_record *r;
	struct spf_error err;
	struct finding_list l;
	struct spf_lint_opts o;

	arena_init(&ar);
	findings_init(&l);
	memset(&o, 0, sizeof(o));
	o.one_string = true;
	o.not_mail = size & 1;
	if (spf_parse((const char *)data, size, &ar, &r, &err) != MS_OK) {
		/* The error must point inside the input (or at its end). */
		if (err.off > size)
			__builtin_trap();
	}
	spf_lint_record(&l, &ar, "example.org", (const char *)data, size, &o, NULL);
	spf_lint_attempt(&l, &ar, "example.org", (const char *)data, size);
	findings_free(&l);
	arena_free(&ar);
	return 0;
}
