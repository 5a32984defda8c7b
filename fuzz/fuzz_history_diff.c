/* fuzz/fuzz_history_diff.c - libFuzzer target: the diff of two stored checks' documents (history/history_diff.c) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history/history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * LLVMFuzzerTestOneInput - the bytes up to the first NUL are the earlier
 * check's stored document, the rest the later one's; diffed both ways, every
 * event turned into its mailsec-events/1 object
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n1 = nul ? (size_t)(nul - data) : size;
	char *a = malloc(n1 + 1), *b = malloc(size - n1 + 1);
	struct store_check_finding f[] = {
		{ "spf.missing", "error", "example.test", "no SPF", "spf" },
		{ "dmarc.record.present", "pass", "_dmarc.example.test", "DMARC", "dmarc" },
	};
	struct store_check x, y;
	struct history_events e;

	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return 0;
	}
	memcpy(a, data, n1);
	a[n1] = '\0';
	memcpy(b, nul ? nul + 1 : data + size, nul ? size - n1 - 1 : 0);
	b[nul ? size - n1 - 1 : 0] = '\0';
	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	x.run_id = "a";
	y.run_id = "b";
	x.domain = y.domain = "example.test";
	x.grade = "A";
	y.grade = "F";
	x.findings = f;
	x.nfindings = 1;
	y.findings = f + 1;
	y.nfindings = 1;
	x.json = a;
	y.json = b;
	for (int dir = 0; dir < 2; dir++) {
		history_events_init(&e);
		history_diff(dir ? &y : &x, dir ? &x : &y, "round", &e);
		for (size_t i = 0; i < e.n; i++)
			json_decref(history_event_json(&e.v[i]));
		history_events_free(&e);
	}
	free(a);
	free(b);
	return 0;
}
