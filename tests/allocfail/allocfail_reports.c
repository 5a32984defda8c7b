/* tests/allocfail/allocfail_reports.c - the allocation-failure driver's runners for the report readers */
#include <string.h>

#include "mime/unpack.h"
#include "reports/dmarc_agg.h"
#include "reports/tlsrpt_parse.h"
#include "util/arena.h"
#include "util/buf.h"

#include "allocfail.h"

/* run_tlsrpt_json - the TLS-RPT JSON report reader (reports/tlsrpt_parse.c), bounds as fuzz_tlsrpt_json */
void
run_tlsrpt_json(const char *data, size_t size, struct outcome *o)
{
	struct report_limits lim;
	struct arena ar;
	struct tlsrpt_report *r;
	struct report_error err;

	report_limits_default(&lim);
	lim.max_records = 2000;
	arena_init(&ar);
	o->st = tlsrpt_parse(data, size, &lim, &ar, &r, &err);
	say(o, err.why);
	arena_free(&ar);
}

/*
 * run_dmarc_xml - the DMARC aggregate report reader (reports/dmarc_agg.c),
 * after unpacking gzip/zip as fuzz_dmarc_xml does (unpacking is not a parser
 * here: its buffer aborts as xmalloc does, and it makes no fallible allocation)
 */
void
run_dmarc_xml(const char *data, size_t size, struct outcome *o)
{
	struct report_limits lim;
	struct arena ar;
	struct dmarc_report *r;
	struct report_error err;
	struct buf b;
	const char *why = "";

	report_limits_default(&lim);
	lim.max_bytes = 4u * 1024 * 1024;
	lim.max_records = 2000;
	if ((o->st = unpack(data, size, lim.max_bytes, &b, &why)) != MS_OK) {
		say(o, why);
		buf_free(&b);
		return;
	}
	arena_init(&ar);
	o->st = dmarc_agg_parse(b.data ? b.data : "", b.len, &lim, &ar, &r, &err);
	say(o, err.why);
	arena_free(&ar);
	buf_free(&b);
}
