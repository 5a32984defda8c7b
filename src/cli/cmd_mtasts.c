/* src/cli/cmd_mtasts.c - mailsec mta-sts lint: judge an MTA-STS policy file offline (RFC 8461 §3.2) */
#include "cli/cli.h"
#include "core/envelope.h"
#include "checks/mtasts/mtasts_lint.h"
#include "policy/mtasts_parse.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/fswalk.h"
#include "util/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * mtasts_read_policy - FILE ("-": standard input) into b, at most
 * MTASTS_POLICY_MAX + 1 bytes (one more than a policy may have, so the
 * parser can say it is too large); 0, or -1 after saying why on stderr
 */
int
mtasts_read_policy(const char *path, struct buf *b)
{
	FILE *fp = stdin;
	char chunk[4096];
	size_t n;

	buf_init(b, MTASTS_POLICY_MAX + 1);
	if (strcmp(path, "-") != 0) {
		/* a regular file only: a FIFO or a device would block or never end */
		const char *why = NULL;
		int fd;

		if (fs_open_regular(path, false, &fd, &why) != MS_OK) {
			cli_error("%s: %s", path, why);
			return -1;
		}
		if ((fp = fdopen(fd, "rb")) == NULL) {
			cli_error("%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		size_t room = MTASTS_POLICY_MAX + 1 - b->len;

		if (buf_append(b, chunk, n < room ? n : room) != MS_OK || n >= room)
			break;		/* too large: the parser says so */
	}
	if (fp != stdin)
		fclose(fp);
	return 0;
}

void
mtasts_print_text(FILE *fp, const char *path, const struct finding_list *l, bool valid)
{
	fprintf(fp, "%s: MTA-STS policy\n", path);
	for (size_t i = 0; i < l->n; i++) {
		const struct finding *f = &l->v[i];

		fprintf(fp, "[%s] %s  (%s)\n", severity_name(f->severity), f->message,
		    finding_def(f)->id);
		if (f->advice && f->severity != SEV_PASS) {
			fputs("    publish: ", fp);
			for (const char *p = f->advice; *p; p++) {
				fputc(*p, fp);
				if (*p == '\n')
					fputs("             ", fp);
			}
			fputc('\n', fp);
		}
	}
	fprintf(fp, "%s\n", valid ? "valid" : "invalid");
}

/* cmd_mtasts - `mta-sts lint [--json] [--profile P] FILE|-`: exit 0 valid, 1 invalid, 2 usage */
int
cmd_mtasts(int argc, char **argv)
{
	struct cli_parser *p = cli_parser_new("mta-sts", argc, argv);
	enum cli_status st;
	enum opt_id id;
	struct profile *prof = NULL;
	struct finding_list l;
	struct arena ar;
	struct buf b = { 0 };
	char *profile_name = NULL, *err = NULL;
	bool json = false, valid;
	int rc = EXIT_USAGE;

	findings_init(&l);
	arena_init(&ar);
	while ((id = cli_next(p, false)) != OPT_END) {
		switch (id) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_PROFILE:
			free(profile_name);
			profile_name = xstrdup(optarg);
			break;
		default:
			break;
		}
	}
	if ((st = cli_parser_end(p)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (optind >= argc || strcmp(argv[optind], "lint") != 0 || optind + 2 != argc) {
		cli_error("usage: mailsec mta-sts lint [--json] FILE ('-' reads standard input; see "
		    "'mailsec help mta-sts')");
		goto out;
	}
	if (profile_load(profile_name ? profile_name : "generic", &prof, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	if (mtasts_read_policy(argv[optind + 1], &b) != 0)
		goto out;
	valid = mtasts_policy_lint(&l, &ar, strcmp(argv[optind + 1], "-") == 0 ?
	    "(standard input)" : argv[optind + 1], b.data ? b.data : "", b.len, prof);
	findings_apply(&l, prof, NULL);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].severity == SEV_ERROR)
			valid = false;
	if (json) {
		json_t *doc = json_object();
		char *s;

		doc_add_schema(doc, DOC_MTASTS_LINT);
		doc_add_version(doc);
		json_object_set_new(doc, "profile", json_text(prof->name));
		json_object_set_new(doc, "file", json_text(argv[optind + 1]));
		json_object_set_new(doc, "valid", json_boolean(valid));
		json_object_set_new(doc, "findings", findings_to_json(&l));
		s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(doc);
	} else {
		mtasts_print_text(stdout, argv[optind + 1], &l, valid);
	}
	rc = valid ? EXIT_CLEAN : EXIT_ERRORS;
out:
	findings_free(&l);
	arena_free(&ar);
	if (b.data)
		buf_free(&b);
	profile_free(prof);
	free(profile_name);
	free(err);
	return rc;
}
