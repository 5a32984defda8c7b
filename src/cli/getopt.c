/* src/cli/getopt.c - command-line parsing driven by the documented option table */
#include "cli/cli.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define SHORTOPTS_MAX	64

struct cli_parser {
	const char *command;		/* the table name, aliases resolved */
	int argc;
	char **argv;			/* getopt_long permutes it */
	char **given;			/* argv as given, for error messages */
	struct option *longopts;	/* the options command takes, then a zero entry */
	enum opt_id *ids;		/* the id of each longopts entry */
	int *shorts;			/* its short name, or 0 */
	char shortopts[SHORTOPTS_MAX];
	size_t n;
	enum cli_status status;
	bool over;			/* OPT_END returned: cli_next returns it again */
};

/* cli_option_scope - the next command named in an option's commands field (cli.h) */
const char *
cli_option_scope(const char **pos, size_t *len)
{
	const char *s = *pos;
	size_t best = 0;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return NULL;
	for (const struct command *c = cli_commands(); c->name; c++) {
		size_t n = strlen(c->name);

		if (n > best && strncmp(s, c->name, n) == 0 && (s[n] == ' ' || s[n] == '\0'))
			best = n;
	}
	if (best == 0)
		best = strcspn(s, " ");
	*len = best;
	*pos = s + best;
	return s;
}

/* cli_takes - whether command is one of cmds (cli.h) */
bool
cli_takes(const char *cmds, const char *command)
{
	const char *pos = cmds, *w;
	size_t len, n = strlen(command);

	if (strcmp(pos, "*") == 0)
		return true;
	while ((w = cli_option_scope(&pos, &len)) != NULL)
		if (len == n && strncmp(w, command, n) == 0)
			return true;
	return false;
}

/* id_of - the id of an option name (aliases are resolved by the caller) */
static enum opt_id
id_of(const char *name)
{
	for (int i = 1; i < OPT__COUNT; i++)
		if (strcmp(opt_names[i], name) == 0)
			return (enum opt_id)i;
	/* The ids are generated from this table at build time: a miss is a build bug. */
	abort();
}

/* doc_of - the entry of option name that command takes; NULL if none */
static const struct option_doc *
doc_of(const char *name, const char *command)
{
	for (const struct option_doc *d = cli_options(); d->name; d++)
		if (strcmp(d->name, name) == 0 && cli_takes(d->commands, command))
			return d;
	return NULL;
}

/*
 * add_long - the k-th option the parser accepts: --name, answered as the
 * option d.  Two entries of one name for one command would make getopt_long
 * take the first silently: a table bug, caught by every command's --help test.
 */
static void
add_long(struct cli_parser *p, size_t k, const char *name, const struct option_doc *d)
{
	for (size_t i = 0; i < k; i++)
		if (strcmp(p->longopts[i].name, name) == 0)
			abort();
	p->longopts[k].name = name;
	p->longopts[k].has_arg = d->arg ? required_argument : no_argument;
	p->longopts[k].val = 256 + (int)k;
	p->ids[k] = id_of(d->name);
}

/* cli_parser_new - getopt_long's tables for the options command takes, aliases included (cli.h) */
struct cli_parser *
cli_parser_new(const char *command, int argc, char **argv)
{
	struct cli_parser *p = xcalloc(1, sizeof(*p));
	const struct option_doc *d;
	size_t k = 0, s = 0, total = 0;

	p->command = command;
	p->argc = argc;
	p->argv = argv;
	p->given = xcalloc((size_t)argc + 1, sizeof(*p->given));
	for (int i = 0; i < argc; i++)
		p->given[i] = argv[i];
	for (d = cli_options(); d->name; d++)
		total++;
	for (const struct cli_alias *a = cli_option_aliases(); a->name; a++)
		total++;
	p->longopts = xcalloc(total + 1, sizeof(*p->longopts));
	p->ids = xcalloc(total + 1, sizeof(*p->ids));
	p->shorts = xcalloc(total + 1, sizeof(*p->shorts));
	p->shortopts[s++] = ':';	/* report a missing argument as ':' and print nothing */
	for (d = cli_options(); d->name; d++) {
		if (!cli_takes(d->commands, command))
			continue;
		add_long(p, k, d->name, d);
		if (d->short_name && s + 3 < sizeof(p->shortopts)) {
			p->shorts[k] = d->short_name;
			p->shortopts[s++] = (char)d->short_name;
			if (d->arg)
				p->shortopts[s++] = ':';
		}
		k++;
	}
	for (const struct cli_alias *a = cli_option_aliases(); a->name; a++)
		if (cli_takes(a->commands, command) && (d = doc_of(a->target, command)) != NULL)
			add_long(p, k++, a->name, d);
	p->n = k;
	optind = 0;	/* glibc: start afresh, whatever an earlier parse left */
	return p;
}

/*
 * after_operand - the last operand before arg on the command line as given,
 * or NULL: an option-looking word after an operand is often a record split
 * by the shell ('v=spf1' '-all').  Option arguments do not count.
 */
static const char *
after_operand(const struct cli_parser *p, const char *arg)
{
	const char *last = NULL;

	for (int i = 1; i < p->argc && p->given[i] != arg; i++) {
		const char *w = p->given[i];

		if (strcmp(w, "--") == 0)
			return NULL;
		if (w[0] != '-' || w[1] == '\0') {
			last = w;
			continue;
		}
		if (w[1] == '-' && strchr(w, '=') == NULL) {
			/* --name VALUE: skip the value */
			for (size_t k = 0; k < p->n; k++)
				if (strcmp(p->longopts[k].name, w + 2) == 0 &&
				    p->longopts[k].has_arg == required_argument) {
					i++;
					break;
				}
		}
	}
	return last;
}

/* bad_option - say what is wrong with the option getopt_long refused (c is '?' or ':') */
static void
bad_option(struct cli_parser *p, int c)
{
	const char *arg = optind >= 1 && optind - 1 < p->argc ? p->argv[optind - 1] : "";
	const char *prev;

	if (optopt > 0 && optopt < 256) {
		/*
		 * A short option, perhaps inside a cluster ("-xyz"): while the cluster
		 * is not finished getopt still points at it.
		 */
		if (optind < p->argc && p->argv[optind][0] == '-' && p->argv[optind][1] != '-' &&
		    strchr(p->argv[optind] + 1, optopt))
			arg = p->argv[optind];
		if (c == ':')
			cli_error("option -%c needs an argument", optopt);
		else if (strlen(arg) <= 2)
			cli_error("unknown option -%c", optopt);
		else if ((prev = after_operand(p, arg)) == NULL)
			cli_error("unknown option -%c (in \"%s\")", optopt, arg);
		else
			cli_error("unknown option -%c (in \"%s\", after \"%s\"): a word that starts "
			    "with '-' is read as options; if it belongs to the record, quote the "
			    "record as one argument: '%s %s'", optopt, arg, prev, prev, arg);
		return;
	}
	if (c == ':')
		cli_error("option %s needs an argument", arg);
	else if (optopt >= 256 && (size_t)(optopt - 256) < p->n)
		cli_error("option --%s takes no argument (given \"%s\")",
		    p->longopts[optopt - 256].name, arg);
	else
		cli_error("unknown option %s", arg);
}

/* answer - the id of the k-th option the command takes; --help is answered here */
static enum opt_id
answer(struct cli_parser *p, size_t k)
{
	if (p->ids[k] != OPT_HELP)
		return p->ids[k];
	cli_usage(stdout, p->command);
	p->status = CLI_HELP;
	p->over = true;
	return OPT_END;
}

/* cli_next - the next option's id, or OPT_END (cli.h) */
enum opt_id
cli_next(struct cli_parser *p, bool stop)
{
	int c;

	if (p->over)
		return OPT_END;
	if (stop) {
		p->status = CLI_USAGE;
		p->over = true;
		return OPT_END;
	}
	c = getopt_long(p->argc, p->argv, p->shortopts, p->longopts, NULL);
	if (c == -1) {
		p->over = true;
		return OPT_END;
	}
	if (c >= 256 && (size_t)(c - 256) < p->n)
		return answer(p, (size_t)(c - 256));
	for (size_t i = 0; c != '?' && c != ':' && i < p->n; i++)
		if (p->shorts[i] == c)
			return answer(p, i);
	bad_option(p, c);
	p->status = CLI_USAGE;
	p->over = true;
	return OPT_END;
}

/* cli_parser_end - how parsing ended; frees p (cli.h) */
enum cli_status
cli_parser_end(struct cli_parser *p)
{
	enum cli_status st;

	if (p == NULL)
		return CLI_OK;
	st = p->status;
	free(p->longopts);
	free(p->ids);
	free(p->shorts);
	free(p->given);
	free(p);
	return st;
}

/* cli_status_exit - 0 for CLI_HELP, 2 for CLI_USAGE (cli.h) */
int
cli_status_exit(enum cli_status st)
{
	return st == CLI_HELP ? EXIT_CLEAN : EXIT_USAGE;
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

/* cli_usage - the synopsis, description and documented options of command */
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
		if (!cli_takes(d->commands, c->name))
			continue;
		if (d->short_name)
			fprintf(fp, "  -%c, --%s%s%s\n", d->short_name, d->name, d->arg ? " " : "",
			    d->arg ? d->arg : "");
		else
			fprintf(fp, "  --%s%s%s\n", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
		wrap(fp, d->help, 8);
	}
}

/* cli_choose - one choice of an option's table, or say which it takes (cli.h) */
bool
cli_choose(const char *opt, const char *arg, const struct cli_choice *choices, int *out)
{
	struct buf b;
	size_t n = 0;
	bool ok = true;

	for (const struct cli_choice *c = choices; c->name; c++, n++) {
		if (strcmp(arg, c->name) == 0) {
			*out = c->value;
			return true;
		}
	}
	if (opt == NULL)
		return false;
	buf_init(&b, 4096);
	for (size_t i = 0; i < n && ok; i++)
		ok = buf_printf(&b, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
		    choices[i].name) == MS_OK;
	cli_error("--%s wants %s", opt, buf_cstr(&b));
	buf_free(&b);
	return false;
}
