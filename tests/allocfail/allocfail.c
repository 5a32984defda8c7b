/* tests/allocfail/allocfail.c - allocation-failure injection over each pure parser's fuzz corpus */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/dkim/dkim_key.h"
#include "policy/dmarc_record.h"
#include "policy/mtasts_parse.h"
#include "checks/tlsrpt/tlsrpt_record.h"
#include "policy/spf_parse.h"
#include "imap/imap_reply.h"
#include "message/dkim_sig.h"
#include "smtp/smtp_reply.h"
#include "zone/zone.h"
#include "allocfail.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/status.h"
#include "util/tryalloc.h"
#include "util/xalloc.h"

/*
 * For every parser entry below and every file of its corpus
 * (fuzz/corpus/<corpus>/), as SQLite's and curl's fault-injection tests do:
 *
 *   1. run the parser with no failure: it must not report MS_ERR_NOMEM, and
 *      it makes K fallible allocations (util/tryalloc.h);
 *   2. for N = 1 .. min(K, --max): run it again with the N-th allocation
 *      failing, once (later allocations succeed), then again with the N-th
 *      and every later one failing (SQLite's "persistent" mode): each time
 *      the injected failure must have happened, and the parser must return
 *      MS_ERR_NOMEM with its "out of memory" error text (a status swallowed
 *      or turned into another error is a failure).
 *
 * Crashes and leaks are the sanitizers' to find: run it in an ASan build
 * with detect_leaks=1 (make test-asan; tests/groups/allocfail.py).  One
 * line per entry: "ENTRY: F files, K allocations, N failures injected: ok"
 * or ": FAIL" after lines saying which file and N.  Exit 0 when all pass,
 * 1 on a failure, 77 when the build has no injector (-Dalloc_fail=false).
 */

/* run_spf_parse - the SPF record parser (policy/spf_parse.c) */
static void
run_spf_parse(const char *data, size_t size, struct outcome *o)
{
	struct arena ar;
	struct spf_record *r;
	struct spf_error err;

	arena_init(&ar);
	o->st = spf_parse(data, size, &ar, &r, &err);
	if (o->st != MS_OK)
		say(o, err.msg);
	arena_free(&ar);
}

/* run_spf_macro - SPF macro expansion (policy/spf_macro.c), input as fuzz_spf_macro reads it */
static void
run_spf_macro(const char *data, size_t size, struct outcome *o)
{
	char *copy = xmalloc(size + 1);
	struct spf_macro_ctx c;
	struct buf out;

	memcpy(copy, data, size);
	copy[size] = '\0';
	memset(&c, 0, sizeof(c));
	c.local = "strong-bad";
	c.domain = "email.example.com";
	c.sender = "strong-bad@email.example.com";
	c.sender_domain = c.domain;
	c.helo = c.domain;
	if (ipaddr_parse(size & 1 ? "2001:db8::cb01" : "192.0.2.3", &c.ip) != MS_OK)
		abort();	/* constant addresses: cannot fail */
	buf_init(&out, 1u << 20);
	o->st = spf_macro_expand(copy, strlen(copy), &c, size & 2, &out);
	say(o, ms_status_str(o->st));
	buf_free(&out);
	free(copy);
}

/* run_dmarc_record - the DMARC record parser (policy/dmarc_record.c) */
static void
run_dmarc_record(const char *data, size_t size, struct outcome *o)
{
	struct arena ar;
	struct dmarc_record r;

	arena_init(&ar);
	o->st = dmarc_record_parse(&ar, data, size, &r);
	say(o, ms_status_str(o->st));
	arena_free(&ar);
}

/* run_dkim_sig - DKIM-Signature (message/dkim_sig.c, msg_tags.c) */
static void
run_dkim_sig(const char *data, size_t size, struct outcome *o)
{
	struct dkim_sig s;

	o->st = dkim_sig_parse(DKIM_KIND_SIG, data, size, DKIM_SIG_ASCII, &s);
	say(o, s.why);
	dkim_sig_free(&s);
}

/* run_arc_ams - ARC-Message-Signature, the lenient h= list */
static void
run_arc_ams(const char *data, size_t size, struct outcome *o)
{
	struct dkim_sig s;

	o->st = dkim_sig_parse(DKIM_KIND_AMS, data, size, 0, &s);
	say(o, s.why);
	dkim_sig_free(&s);
}

/* run_arc_seal - ARC-Seal (cv=, no h=) */
static void
run_arc_seal(const char *data, size_t size, struct outcome *o)
{
	struct dkim_sig s;

	o->st = dkim_sig_parse(DKIM_KIND_SEAL, data, size, 0, &s);
	say(o, s.why);
	dkim_sig_free(&s);
}

/* run_imap_reply - the IMAP reply parser (imap/imap_reply.c), with fuzz_imap_reply's small bounds */
static void
run_imap_reply(const char *data, size_t size, struct outcome *o)
{
	struct imap_reply_limits lim = { 64, 64, 4096 };
	struct imap_reply r;
	struct imap_error e;

	memset(&e, 0, sizeof(e));
	o->st = imap_reply_parse(data, size, &lim, &r, &e);
	say(o, e.why);
	imap_reply_free(&r);
}

/* zone_outcome - a zone reader's status and text (on MS_ERR_NOMEM *err is NULL: the status says it) */
static void
zone_outcome(enum ms_status st, struct zone_file *z, char *err, struct outcome *o)
{
	o->st = st;
	if (st == MS_ERR_NOMEM && err != NULL) {
		snprintf(o->why, sizeof(o->why), "MS_ERR_NOMEM with a message (%s)", err);
	} else {
		say(o, err ? err : ms_status_str(st));
	}
	zone_file_free(z);
	free(err);
}

/* run_zone_bind - a BIND master file through ldns (zone/zone.c), origin from the file */
static void
run_zone_bind(const char *data, size_t size, struct outcome *o)
{
	struct zone_file *z = NULL;
	char *err = NULL;
	enum ms_status st = zone_read_bind(data, size, NULL, &z, &err);

	zone_outcome(st, z, err, o);
}

/* run_zone_bind_origin - the same with an origin given (the $ORIGIN and SOA paths differ) */
static void
run_zone_bind_origin(const char *data, size_t size, struct outcome *o)
{
	struct zone_file *z = NULL;
	char *err = NULL;
	enum ms_status st = zone_read_bind(data, size, "example.test", &z, &err);

	zone_outcome(st, z, err, o);
}

/* run_zone_octodns - an octoDNS YAML zone through libyaml and ldns (zone/zone_yaml.c) */
static void
run_zone_octodns(const char *data, size_t size, struct outcome *o)
{
	struct zone_file *z = NULL;
	char *err = NULL;
	enum ms_status st = zone_read_octodns(data, size, "example.test", &z, &err);

	zone_outcome(st, z, err, o);
}

/*
 * The parsers below allocate nothing on the heap themselves (fixed-size
 * results), so they make no fallible allocation: their entries prove that
 * stays so (0 allocations) and that they run clean under the sanitizers.
 * dkim_key_parse decodes p= with OpenSSL, whose own allocations are not
 * injected (a failure there reads as a key that does not decode).
 */

/* run_dkim_key - the DKIM key record (checks/dkim/dkim_key.c) */
static void
run_dkim_key(const char *data, size_t size, struct outcome *o)
{
	struct dkim_key k;

	o->st = dkim_key_parse(data, size, &k);
	say(o, ms_status_str(o->st));
}

/* run_mtasts_policy - the MTA-STS policy file (policy/mtasts_parse.c) */
static void
run_mtasts_policy(const char *data, size_t size, struct outcome *o)
{
	struct mtasts_policy *p = xmalloc(sizeof(*p));
	struct mtasts_error e;

	o->st = mtasts_policy_parse(data, size, p, &e);
	say(o, ms_status_str(o->st));
	free(p);
}

/* run_mtasts_record - the _mta-sts TXT record */
static void
run_mtasts_record(const char *data, size_t size, struct outcome *o)
{
	struct mtasts_record r;
	struct mtasts_error e;

	o->st = mtasts_record_parse(data, size, &r, &e);
	say(o, ms_status_str(o->st));
}

/* run_tlsrpt_record - the _smtp._tls TXT record (checks/tlsrpt/tlsrpt_record.c) */
static void
run_tlsrpt_record(const char *data, size_t size, struct outcome *o)
{
	struct tlsrpt_record r;

	o->st = tlsrpt_record_parse(data, size, &r);
	say(o, ms_status_str(o->st));
}

/* run_smtp_reply - SMTP replies (smtp/smtp_reply.c), parsed as a stream as fuzz_smtp_reply does */
static void
run_smtp_reply(const char *data, size_t size, struct outcome *o)
{
	struct smtp_reply *r = xmalloc(sizeof(*r));
	size_t off = 0, used = 0, erroff;

	o->st = MS_OK;
	while (off < size) {
		if ((o->st = smtp_reply_parse(data + off, size - off, r, &used, &erroff)) != MS_OK ||
		    used == 0)
			break;
		off += used;
	}
	say(o, ms_status_str(o->st));
	free(r);
}

/* say - record the parser's own error text in o (why borrowed, copied) */
void
say(struct outcome *o, const char *why)
{
	snprintf(o->why, sizeof(o->why), "%s", why ? why : "(no text)");
}

struct entry {
	const char	*name;		/* what the report calls it */
	const char	*corpus;	/* fuzz/corpus/<corpus>/ */
	runner_fn	 run;
};

static const struct entry entries[] = {
	{ "spf_parse", "spf_parse", run_spf_parse },
	{ "spf_macro", "spf_macro", run_spf_macro },
	{ "dmarc_record", "dmarc_record", run_dmarc_record },
	{ "dkim_sig", "dkim_sig", run_dkim_sig },
	{ "arc_ams", "dkim_sig", run_arc_ams },
	{ "arc_seal", "dkim_sig", run_arc_seal },
	{ "tlsrpt_json", "tlsrpt_json", run_tlsrpt_json },
	{ "dmarc_xml", "dmarc_xml", run_dmarc_xml },
	{ "imap_reply", "imap_reply", run_imap_reply },
	{ "zone_bind", "zone_bind", run_zone_bind },
	{ "zone_bind_origin", "zone_bind", run_zone_bind_origin },
	{ "zone_octodns", "zone_octodns", run_zone_octodns },
	{ "dkim_key", "dkim_key", run_dkim_key },
	{ "mtasts_policy", "mtasts", run_mtasts_policy },
	{ "mtasts_record", "mtasts", run_mtasts_record },
	{ "tlsrpt_record", "tlsrpt_record", run_tlsrpt_record },
	{ "smtp_reply", "smtp_reply", run_smtp_reply },
};

/* read_file - the whole of path into a new buffer (caller frees), or NULL */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b, 1u << 24);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&b, chunk, n) != MS_OK) {
			buf_free(&b);
			fclose(f);
			return NULL;
		}
	}
	fclose(f);
	*len = b.len;
	return buf_steal(&b);
}

/* by_name - qsort order for file names */
static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* one_file - steps 1 and 2 above for one input; adds to the counters; false on a failure */
static bool
one_file(const struct entry *e, const char *path, const char *data, size_t size,
    unsigned long max, unsigned long *nalloc, unsigned long *ninject)
{
	struct outcome o;
	unsigned long k, n;
	bool ok = true;

	memset(&o, 0, sizeof(o));
	ms_allocfail_arm(0, false);
	e->run(data, size, &o);
	k = ms_allocfail_count();
	*nalloc += k;
	if (o.st == MS_ERR_NOMEM) {
		printf("  %s: %s: out of memory with no failure injected\n", e->name, path);
		return false;
	}
	for (n = 1; n <= k && n <= max; n++) {
		for (int persistent = 0; persistent <= 1; persistent++) {
			const char *mode = persistent ? " and after" : "";

			memset(&o, 0, sizeof(o));
			ms_allocfail_arm(n, persistent);
			e->run(data, size, &o);
			(*ninject)++;
			if (!ms_allocfail_fired()) {
				printf("  %s: %s: allocation %lu of %lu was not made on the second run "
				    "(the parser is not deterministic)\n", e->name, path, n, k);
				ok = false;
			} else if (o.st != MS_ERR_NOMEM) {
				printf("  %s: %s: allocation %lu%s of %lu failed but the parser "
				    "returned \"%s\"\n", e->name, path, n, mode, k, ms_status_str(o.st));
				ok = false;
			} else if (strstr(o.why, "out of memory") == NULL) {
				printf("  %s: %s: allocation %lu%s of %lu failed and the error says "
				    "\"%s\", not \"out of memory\"\n", e->name, path, n, mode, k, o.why);
				ok = false;
			}
		}
	}
	ms_allocfail_arm(0, false);
	return ok;
}

/* one_entry - every corpus file through one parser; prints its line; false on a failure */
static bool
one_entry(const struct entry *e, const char *root, unsigned long max)
{
	char *dir, *path;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t nnames = 0;
	unsigned long nalloc = 0, ninject = 0;
	bool ok = true;

	dir = xasprintf("%s/%s", root, e->corpus);
	if ((d = opendir(dir)) == NULL) {
		printf("%s: cannot open %s: FAIL\n", e->name, dir);
		free(dir);
		return false;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, nnames + 1, sizeof(*names));
		names[nnames++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, nnames, sizeof(*names), by_name);
	for (size_t i = 0; i < nnames; i++) {
		char *data;
		size_t len = 0;

		path = xasprintf("%s/%s", dir, names[i]);
		if ((data = read_file(path, &len)) == NULL) {
			printf("  %s: cannot read %s\n", e->name, path);
			ok = false;
		} else {
			if (!one_file(e, names[i], data, len, max, &nalloc, &ninject))
				ok = false;
			free(data);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	if (nnames == 0) {
		printf("  %s: %s is empty\n", e->name, dir);
		ok = false;
	}
	free(dir);
	printf("%s: %zu files, %lu allocations, %lu failures injected: %s\n", e->name, nnames,
	    nalloc, ninject, ok ? "ok" : "FAIL");
	fflush(stdout);
	return ok;
}

/* named_in - whether name is one of the comma-separated names of list (both borrowed) */
static bool
named_in(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)) != NULL; p += n) {
		if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return true;
	}
	return false;
}

/* main - allocfail [--max N] [--only [!]NAME[,NAME]] CORPUS_ROOT ("!": all but those) */
int
main(int argc, char **argv)
{
	unsigned long max = 200;
	const char *only = NULL, *root = NULL;
	bool ok = true;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
			max = strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			only = argv[++i];
		} else if (argv[i][0] != '-' && root == NULL) {
			root = argv[i];
		} else {
			fprintf(stderr, "usage: allocfail [--max N] [--only [!]NAME[,NAME]] CORPUS_ROOT\n");
			return 2;
		}
	}
	if (root == NULL) {
		fprintf(stderr, "usage: allocfail [--max N] [--only [!]NAME[,NAME]] CORPUS_ROOT\n");
		return 2;
	}
	if (!ms_allocfail_available()) {
		printf("allocfail: this build has no allocation-failure injector "
		    "(configure with -Dalloc_fail=true; make test-asan does)\n");
		return 77;
	}
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		if (only != NULL) {
			bool except = only[0] == '!';
			const char *list = except ? only + 1 : only;

			if (named_in(list, entries[i].name) == except)
				continue;
		}
		if (!one_entry(&entries[i], root, max))
			ok = false;
	}
	return ok ? 0 : 1;
}
