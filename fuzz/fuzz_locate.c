/* fuzz/fuzz_locate.c - libFuzzer target: placing a finding at a zone-file line (evidence read as a record) and SARIF results */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/finding.h"
#include "dns/resolver_replay.h"
#include "output/locate.h"
#include "output/sarif.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fixed_data - replay data with lines: an MX, an SPF TXT, a DMARC TXT, one origin */
static struct replay_data *
fixed_data(void)
{
	static const uint8_t mx[] = { 0, 10, 4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l',
	    'e', 4, 't', 'e', 's', 't', 0 };
	static const uint8_t spf[] = { 11, 'v', '=', 's', 'p', 'f', '1', ' ', '-', 'a', 'l', 'l' };
	static const uint8_t dmarc[] = { 15, 'v', '=', 'D', 'M', 'A', 'R', 'C', '1', ';', 'p', '=',
	    'n', 'o', 'n', 'e' };
	struct replay_data *d = replay_data_new();

	if (replay_data_add_at(d, "example.test", 15, 60, mx, sizeof(mx), (struct replay_where){ 0, 3 })
	    != MS_OK || replay_data_add_at(d, "example.test", 16, 60, spf, sizeof(spf),
	    (struct replay_where){ 0, 4 }) != MS_OK || replay_data_add_at(d, "_dmarc.example.test", 16,
	    60, dmarc, sizeof(dmarc), (struct replay_where){ 0, 5 }) != MS_OK)
		abort();
	replay_data_add_origin_at(d, "example.test", (struct replay_where){ 0, 1 });
	return d;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay_data *d;
	struct finding_list l;
	struct finding *f;
	struct replay_where w = { 0, 0 };
	char *in, *subject, *evidence, *path, *uri, *nl;
	json_t *r;

	if (size < 2 || size > 8192)
		return 0;
	/* subject NUL evidence NUL path; the first byte picks the finding (and so its area) */
	in = xmalloc(size + 2);
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	in[size] = '\0';
	in[size + 1] = '\0';
	subject = in;
	evidence = subject + strlen(subject) + 1;
	if (evidence > in + size - 1)
		evidence = in + size - 1;
	path = evidence + strlen(evidence) + 1;
	if (path > in + size)
		path = in + size;
	d = fixed_data();
	findings_init(&l);
	f = findings_add(&l, (enum finding_id)(data[0] % F__COUNT), subject, "fuzzed");
	if (f) {
		if (*evidence)
			finding_set_evidence(f, evidence);
		if (finding_locate(d, "example.test", f, &w) && (w.file != 0 || w.line < 1 || w.line > 5))
			abort();	/* only the lines the data holds */
		uri = sarif_file_uri(path);
		if ((nl = strpbrk(uri, " \n\"\\")) != NULL)
			abort();	/* encoded: no space, newline, quote or backslash left */
		r = sarif_result("example.test", f, &(struct sarif_loc){ uri, w.line });
		json_decref(r);
		free(uri);
	}
	findings_free(&l);
	replay_data_free(d);
	free(in);
	return 0;
}
