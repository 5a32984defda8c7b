/* fuzz/fuzz_providers.c - libFuzzer target: the provider data file parser and matcher on arbitrary bytes */
#include <stddef.h>
#include <stdint.h>

#include "policy/providers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse; on success match a few names of each kind; nothing may crash or leak */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct providers *p;
	char err[200];
	static const char *const names[] = { "mx.example.com", "a.b", "", "x.mail.protection.outlook.com." };

	if (providers_parse((const char *)data, size, &p, err, sizeof(err)) != MS_OK)
		return 0;
	for (int k = PROVIDER_MX; k <= PROVIDER_PTR; k++)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			(void)providers_match(p, (enum provider_kind)k, names[i]);
	providers_free(p);
	return 0;
}
