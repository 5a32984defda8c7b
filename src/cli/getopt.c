/* src/cli/getopt.c - command-line parsing driven by the documented option table */
#include "cli/cli.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct cli_parser {
	struct option *longopts;
	const struct option_doc **docs;
	char shortopts[64];
	size_t n;
};

static bool
takes(const struct option_doc *d, const char *command)
{
	size_t n = strlen(command);
	const char *p = d->commands;

	if (strcmp(p, "*") == 0)
		return true;
	while ((p = strstr(p, command)) != NULL) {
		if ((p == d->commands || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
		p += n;
	}
	return false;
}

struct cli_parser *
cli_parser_new(const char *command)
{
	struct cli_parser *p = xcalloc(1, sizeof(*p));
	const struct option_doc *d;
	size_t k = 0, s = 0;

	for (d = cli_options(); d->name; d++)
		p->n++;
	p->longopts = xcalloc(p->n + 1, sizeof(*p->longopts));
	p->docs = xcalloc(p->n + 1, sizeof(*p->docs));
	p->shortopts[s++] = ':';
	for (d = cli_options(); d->name; d++) {
		if (!takes(d, command))
			continue;
		p->longopts[k].name = d->name;
		p->longopts[k].has_arg = d->arg ? required_argument : no_argument;
		p->longopts[k].val = 256 + (int)k;
		p->docs[k] = d;
		if (d->short_name && s + 3 < sizeof(p->shortopts)) {
			p->shortopts[s++] = (char)d->short_name;
			if (d->arg)
				p->shortopts[s++] = ':';
		}
		k++;
	}
	p->n = k;
	optind = 1;
	return p;
}

const struct option_doc *
cli_getopt(struct cli_parser *p, int argc, char **argv, bool *bad)
{
	int c = getopt_long(argc, argv, p->shortopts, p->longopts, NULL);

	if (c == -1)
		return NULL;
	if (c >= 256 && (size_t)(c - 256) < p->n)
		return p->docs[c - 256];
	for (size_t i = 0; i < p->n; i++)
		if (p->docs[i]->short_name && p->docs[i]->short_name == c)
			return p->docs[i];
	if (c == ':')
		cli_error("option %s needs an argument", argv[optind - 1]);
	else
		cli_error("unknown option %s", argv[optind - 1]);
	*bad = true;
	return NULL;
}

void
cli_parser_free(struct cli_parser *p)
{
	if (p == NULL)
		return;
	free(p->longopts);
	free(p->docs);
	free(p);
}

/* wrap - print text indented, folded at 78 columns */
static void
wrap(FILE *fp, const char *text, int indent)
{
	int col = indent;
	const char *p = text;

	fprintf(fp, "%*s", indent, "");
	while (*p) {
		const char *sp = strchr(p, ' ');
		int len = sp ? (int)(sp - p) : (int)strlen(p);

		if (col > indent && col + 1 + len > 78) {
			fprintf(fp, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', fp);
			col++;
		}
		fwrite(p, 1, (size_t)len, fp);
		col += len;
		p += len;
		while (*p == ' ')
			p++;
	}
	fputc('\n', fp);
}

void
cli_usage(FILE *fp, const char *command)
{
	const struct command *c = cli_command(command);

	if (c == NULL)
		return;
	fprintf(fp, "usage: mailsec %s\n\n", c->synopsis);
	wrap(fp, c->summary, 2);
	if (*c->description) {
		fputc('\n', fp);
		wrap(fp, c->description, 2);
	}
	fputs("\noptions:\n", fp);
	for (const struct option_doc *d = cli_options(); d->name; d++) {
		if (!takes(d, command))
			continue;
		if (d->short_name)
			fprintf(fp, "  -%c, --%s%s%s\n", d->short_name, d->name, d->arg ? " " : "",
			    d->arg ? d->arg : "");
		else
			fprintf(fp, "  --%s%s%s\n", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
		wrap(fp, d->help, 8);
	}
}
