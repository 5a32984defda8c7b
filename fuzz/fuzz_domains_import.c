/* fuzz/fuzz_domains_import.c - libFuzzer target: the domains import file (a list or CSV with settings) */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fleet/fleet_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse the bytes as an import file; every row must be whole */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_import imp;
	char why[256];

	if (fleet_import_parse((const char *)data, size, &imp, why, sizeof(why)) == MS_OK) {
		for (size_t i = 0; i < imp.n; i++)
			if (imp.rows[i].domain == NULL || imp.rows[i].line == 0 ||
			    strlen(imp.rows[i].domain) > 253)
				__builtin_trap();
	} else if (why[0] == '\0' || imp.n != 0) {
		__builtin_trap();
	}
	fleet_import_free(&imp);
	return 0;
}
