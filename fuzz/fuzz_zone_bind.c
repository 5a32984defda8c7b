/* fuzz/fuzz_zone_bind.c - libFuzzer target: BIND master files through ldns into wire records */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "zone/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zone_file *z = NULL;
	char *err = NULL;

	if (size > 65536)
		return 0;
	/* With and without an origin: both paths (SOA owner, $ORIGIN, the argument). */
	if (zone_read_bind((const char *)data, size, NULL, &z, &err) == MS_OK)
		zone_file_free(z);
	free(err);
	z = NULL;
	err = NULL;
	if (zone_read_bind((const char *)data, size, "example.test", &z, &err) == MS_OK)
		zone_file_free(z);
	free(err);
	return 0;
}
