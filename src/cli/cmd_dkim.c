/* src/cli/cmd_dkim.c - mailsec dkim lint / tlsrpt lint: judge one record given on the command line */
#include "cli/cli.h"
#include "core/envelope.h"
#include "checks/dkim/check_dkim.h"
#include "checks/tlsrpt/check_tlsrpt.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define LINT_STDIN_MAX	65536

enum lint_kind { LINT_DKIM, LINT_TLSRPT };

struct lint_opts {
	bool json;
	char *profile_name;
	const char *record;	/* borrowed from argv, or read from stdin into stdin_buf */
	size_t len;
	struct buf stdin_buf;
};

/* read_stdin - RECORD "-": the record from standard input, one trailing newline dropped */
static int
read_stdin(struct lint_opts *o)
{
	char chunk[4096];
	size_t n;

	buf_init(&o->stdin_buf, LINT_STDIN_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (buf_append(&o->stdin_buf, chunk, n) != MS_OK) {
			cli_error("record on standard input is longer than %d bytes", LINT_STDIN_MAX);
			return -1;
		}
	}
	if (o->stdin_buf.len && o->stdin_buf.data[o->stdin_buf.len - 1] == '\n')
		o->stdin_buf.data[--o->stdin_buf.len] = '\0';
	if (o->stdin_buf.len && o->stdin_buf.data[o->stdin_buf.len - 1] == '\r')
		o->stdin_buf.data[--o->stdin_buf.len] = '\0';
	o->record = buf_cstr(&o->stdin_buf);
	o->len = o->stdin_buf.len;
	return 0;
}

/* lint_args - "<cmd> lint [--json] [--profile P] RECORD"; CLI_OK, or how to stop */
static enum cli_status
lint_args(const char *cmd, int argc, char **argv, struct lint_opts *o)
{
	struct cli_parser *p = cli_parser_new(cmd, argc, argv);
	enum cli_status st;
	enum opt_id id;

	o->profile_name = xstrdup("generic");
	while ((id = cli_next(p, false)) != OPT_END) {
		switch (id) {
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_PROFILE:
			free(o->profile_name);
			o->profile_name = xstrdup(optarg);
			break;
		default:
			break;
		}
	}
	if ((st = cli_parser_end(p)) != CLI_OK)
		return st;
	if (optind >= argc || strcmp(argv[optind], "lint") != 0) {
		cli_error("usage: mailsec %s lint [--json] RECORD (see 'mailsec help %s')", cmd, cmd);
		return CLI_USAGE;
	}
	if (optind + 2 != argc) {
		cli_error("%s lint takes exactly one RECORD (quote it; '-' reads standard input)", cmd);
		return CLI_USAGE;
	}
	if (strcmp(argv[optind + 1], "-") == 0) {
		if (read_stdin(o) != 0)
			return CLI_USAGE;
	} else {
		o->record = argv[optind + 1];
		o->len = strlen(o->record);
	}
	return CLI_OK;
}

/* print_text - the findings, one block each */
static void
print_text(const struct finding_list *l, bool valid)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct finding *f = &l->v[i];

		printf("[%s] %s  (%s)\n", severity_name(f->severity), f->message, finding_def(f)->id);
		if (f->advice) {
			fputs("    publish: ", stdout);
			for (const char *p = f->advice; *p; p++) {
				putchar(*p);
				if (*p == '\n')
					fputs("             ", stdout);
			}
			putchar('\n');
		}
	}
	printf("%s\n", valid ? "valid" : "invalid");
}

/* dkim_parsed - the parse result as JSON */
static json_t *
dkim_parsed(const struct dkim_key *k)
{
	json_t *o = json_object(), *h = json_array();

	if (k->h_sha1)
		json_array_append_new(h, json_string("sha1"));
	if (k->h_sha256)
		json_array_append_new(h, json_string("sha256"));
	json_object_set_new(o, "is_dkim", json_boolean(k->is_dkim));
	json_object_set_new(o, "k", json_text(k->k));
	json_object_set_new(o, "key_type", json_string(k->type == DKIM_KEY_RSA ? "rsa" :
	    k->type == DKIM_KEY_ED25519 ? "ed25519" : "none"));
	json_object_set_new(o, "bits", json_integer(k->bits));
	json_object_set_new(o, "revoked", json_boolean(k->revoked));
	json_object_set_new(o, "testing", json_boolean(k->testing));
	json_object_set_new(o, "strict", json_boolean(k->strict));
	json_object_set_new(o, "hashes", h);
	json_object_set_new(o, "email", json_boolean(k->s_email));
	return o;
}

/* problem_json - one parse problem as {code, offset, message} (docs/json.md) */
static json_t *
problem_json(const struct problem *pr, const char *code)
{
	json_t *p = json_object();

	json_object_set_new(p, "code", json_string(code));
	json_object_set_new(p, "offset", json_integer((json_int_t)pr->offset));
	json_object_set_new(p, "message", json_text(pr->msg));
	return p;
}

/* run_lint - parse, report, print; the exit code */
static int
run_lint(enum lint_kind kind, int argc, char **argv)
{
	const char *cmd = kind == LINT_DKIM ? "dkim" : "tlsrpt";
	struct lint_opts o;
	struct profile *prof = NULL;
	struct finding_list l;
	json_t *problems = json_array(), *parsed = NULL;
	bool valid;
	char *err = NULL;
	enum cli_status st;
	int rc = EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	findings_init(&l);
	if ((st = lint_args(cmd, argc, argv, &o)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (profile_load(o.profile_name, &prof, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	if (kind == LINT_DKIM) {
		struct dkim_key k;

		/* Only MS_ERR_ARG for NULL (o.record is argv's or buf_cstr's, never NULL); problems are in k. */
		MS_IGNORE(dkim_key_parse(o.record, o.len, &k));
		dkim_key_report(&l, "selector._domainkey.example", o.record, o.len, &k, prof);
		for (size_t i = 0; i < k.nproblems; i++)
			json_array_append_new(problems, problem_json(&k.problems[i],
			    dkim_problem_name(k.problems[i].code)));
		parsed = dkim_parsed(&k);
		valid = k.is_dkim;
	} else {
		struct tlsrpt_record r;
		json_t *rua = json_array();

		/* Only MS_ERR_ARG for NULL (o.record is argv's or buf_cstr's, never NULL); problems are in r. */
		MS_IGNORE(tlsrpt_record_parse(o.record, o.len, &r));
		tlsrpt_record_report(&l, "_smtp._tls.example", o.record, o.len, &r);
		for (size_t i = 0; i < r.nproblems; i++)
			json_array_append_new(problems, problem_json(&r.problems[i],
			    tlsrpt_problem_name(r.problems[i].code)));
		for (size_t i = 0; i < r.nrua; i++)
			json_array_append_new(rua, json_textn(o.record + r.rua[i].off, r.rua[i].len));
		parsed = json_object();
		json_object_set_new(parsed, "is_tlsrpt", json_boolean(r.is_tlsrpt));
		json_object_set_new(parsed, "rua", rua);
		valid = r.is_tlsrpt;
	}
	findings_apply(&l, prof, NULL);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].severity == SEV_ERROR)
			valid = false;
	if (o.json) {
		json_t *doc = json_object();
		char *s;

		doc_add_schema(doc, kind == LINT_DKIM ? DOC_DKIM_LINT : DOC_TLSRPT_LINT);
		doc_add_version(doc);
		json_object_set_new(doc, "profile", json_text(prof->name));
		json_object_set_new(doc, "record", json_textn(o.record, o.len));
		json_object_set_new(doc, "valid", json_boolean(valid));
		json_object_set_new(doc, "parsed", parsed);
		parsed = NULL;
		json_object_set_new(doc, "problems", problems);
		problems = NULL;
		json_object_set_new(doc, "findings", findings_to_json(&l));
		s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(doc);
	} else {
		print_text(&l, valid);
	}
	rc = valid ? EXIT_CLEAN : EXIT_ERRORS;
out:
	json_decref(problems);
	json_decref(parsed);
	findings_free(&l);
	profile_free(prof);
	free(err);
	free(o.profile_name);
	if (o.stdin_buf.data)
		buf_free(&o.stdin_buf);
	return rc;
}

/* cmd_dkim - `dkim lint RECORD` (`dkim keygen` is its own command, cmd_keygen) */
int
cmd_dkim(int argc, char **argv)
{
	return run_lint(LINT_DKIM, argc, argv);
}

/* cmd_tlsrpt - `tlsrpt lint RECORD` */
int
cmd_tlsrpt(int argc, char **argv)
{
	return run_lint(LINT_TLSRPT, argc, argv);
}
