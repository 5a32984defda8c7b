/* fuzz/fuzz_zone_octodns.c - libFuzzer target: octoDNS YAML through libyaml and ldns into wire records */
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
	if (zone_read_octodns((const char *)data, size, "example.test", &z, &err) == MS_OK)
		zone_file_free(z);
	free(err);
	return 0;
}
