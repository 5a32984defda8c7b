/* src/cli/cmd_message.c - mailsec message check: one message's DKIM, SPF, DMARC and ARC (docs/message.md) */
#include "cli/cli.h"
#include "core/envelope.h"
#include "policy/dmarc_org.h"
#include "policy/dmarc_record.h"
#include "core/jsonutil.h"
#include "dns/suffix_list.h"
#include "engine/session.h"
#include "message/authres.h"
#include "message/msg_eval.h"
#include "message/msg_header.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_LINE_MAX	8192

struct message_opts {
	bool json;
	char *replay, *resolver, *trust_anchor, *psl, *batch;
	char *ip, *helo, *mail_from, *relay, *authserv_id;
	double timeout;
	int64_t now;
	bool now_set;
	enum dmarc_rules rules;
	bool intl;
	unsigned parse_mode;	/* AR_STRICT, AR_TOLERANT or AR_RELAXED */
};

/* opts_free - release the strings of o */
static void
opts_free(struct message_opts *o)
{
	free(o->replay);
	free(o->resolver);
	free(o->trust_anchor);
	free(o->psl);
	free(o->batch);
	free(o->ip);
	free(o->helo);
	free(o->mail_from);
	free(o->relay);
	free(o->authserv_id);
}

/* set_str - replace *dst with a copy of s */
static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

/* parse_now - a Unix time for --now */
static bool
parse_now(const char *s, int64_t *out)
{
	uint64_t v;

	if (str_to_u64(s, strlen(s), (uint64_t)INT64_MAX, &v) != MS_OK)
		return false;
	*out = (int64_t)v;
	return true;
}

/* parse - the options of message check and message authres; CLI_OK, or how to stop */
static enum cli_status
parse(int argc, char **argv, struct message_opts *o)
{
	struct cli_parser *p = cli_parser_new("message", argc, argv);
	enum opt_id id;
	bool bad = false;

	while ((id = cli_next(p, bad)) != OPT_END) {
		switch (id) {
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_FORMAT:
			if (!cli_format_json(optarg, &o->json))
				bad = true;
			break;
		case OPT_REPLAY:
			set_str(&o->replay, optarg);
			break;
		case OPT_RESOLVER:
			set_str(&o->resolver, optarg);
			break;
		case OPT_TRUST_ANCHOR:
			set_str(&o->trust_anchor, optarg);
			break;
		case OPT_PSL:
			set_str(&o->psl, optarg);
			break;
		case OPT_BATCH:
			set_str(&o->batch, optarg);
			break;
		case OPT_IP:
			set_str(&o->ip, optarg);
			break;
		case OPT_HELO:
			set_str(&o->helo, optarg);
			break;
		case OPT_MAIL_FROM:
			set_str(&o->mail_from, optarg);
			break;
		case OPT_TRUSTED_RELAY:
			set_str(&o->relay, optarg);
			break;
		case OPT_AUTHSERV_ID:
			set_str(&o->authserv_id, optarg);
			break;
		case OPT_TIMEOUT:
			bad = !cli_seconds("timeout", optarg, 86400, &o->timeout);
			break;
		case OPT_NOW:
			if (!parse_now(optarg, &o->now)) {
				cli_error("--now wants a Unix time (seconds)");
				bad = true;
			}
			o->now_set = true;
			break;
		case OPT_DMARC_RULES:
			if (!dmarc_rules_parse(optarg, &o->rules)) {
				cli_error("--dmarc-rules wants 7489, 9989 or both");
				bad = true;
			}
			break;
		case OPT_INTL:
			o->intl = true;
			break;
		case OPT_PARSE_MODE: {
			static const struct cli_choice modes[] = {
				{ "strict", AR_STRICT }, { "tolerant", AR_TOLERANT },
				{ "relaxed", AR_RELAXED }, { NULL, 0 },
			};
			int mode;

			if (cli_choose("parse-mode", optarg, modes, &mode))
				o->parse_mode = (unsigned)mode;
			else
				bad = true;
			break;
		}
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* read_all - the whole of fp, at most max bytes (caller frees); NULL with *err */
static char *
read_all(FILE *fp, size_t max, size_t *len, const char **err)
{
	size_t cap = 64 * 1024, n = 0;
	char *b = xmalloc(cap);

	for (;;) {
		size_t r;

		if (n == cap) {
			if (cap > max) {
				free(b);
				*err = "the message is larger than 64 MiB";
				return NULL;
			}
			cap *= 2;
			b = xrealloc(b, cap);
		}
		r = fread(b + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(fp) || n > max) {
		free(b);
		*err = n > max ? "the message is larger than 64 MiB" : strerror(errno);
		return NULL;
	}
	*len = n;
	return b;
}

/* read_message - path ("-" for standard input) into memory; NULL after saying why */
static char *
read_message(const char *path, size_t *len)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	const char *err = NULL;
	char *b;

	if (fp == NULL) {
		cli_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	b = read_all(fp, MSG_SIZE_MAX, len, &err);
	if (fp != stdin)
		fclose(fp);
	if (b == NULL)
		cli_error("%s: %s", path, err);
	return b;
}

/* One run: its loop, resolver, check and outcome. */
struct run {
	struct event_base *base;	/* one loop for every message */
	struct suffix_list *psl;	/* one list for every message */
	struct session *ses;		/* this message's resolver (its replay file) */
	struct msg_check *mc;
	bool done;
};

/* check_done - the check finished: stop the loop */
static void
check_done(struct msg_check *mc, void *arg)
{
	struct run *r = arg;

	(void)mc;
	r->done = true;
}

/* make_session - the replay resolver with a replay file, else libunbound (as check), on r's loop */
static int
make_session(struct run *r, const struct message_opts *o, const char *replay)
{
	struct session_config scfg;
	char *err = NULL;

	memset(&scfg, 0, sizeof(scfg));
	scfg.base = r->base;
	scfg.replay_path = replay;
	scfg.resolver = o->resolver;
	scfg.trust_anchor = o->trust_anchor;
	scfg.timeout = o->timeout;
	scfg.psl = r->psl;
	if (session_new(&scfg, &r->ses, &err) != MS_OK) {
		cli_error("%s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* run_free - release a run's check, resolver and data (the loop stays) */
static void
run_free(struct run *r)
{
	msg_check_free(r->mc);
	r->mc = NULL;
	session_free(r->ses);
	r->ses = NULL;
}

/* exit_code - 1 for an error finding, 3 for an unknown one, else 0 */
static int
exit_code(const struct finding_list *l)
{
	size_t counts[SEV__COUNT];

	findings_count(l, counts);
	return counts[SEV_ERROR] ? EXIT_ERRORS : counts[SEV_UNKNOWN] ? EXIT_UNKNOWN : EXIT_CLEAN;
}

/* document - the mailsec-message/1 document of a finished check */
static json_t *
document(const struct msg_check *mc, const char *file)
{
	json_t *j = json_object(), *res = msg_check_to_json(mc);

	doc_add_schema(j, DOC_MESSAGE);
	doc_add_version(j);
	json_object_set_new(j, "file", json_text(file));
	json_object_update(j, res);
	json_decref(res);
	return j;
}

/*
 * check_one - check the message at path with o (and the settings a batch
 * line overrides); prints the result; returns the exit code
 */
static int
check_one(struct run *r, const struct message_opts *o, const char *path, const char *replay,
    bool compact)
{
	struct msg_check_opts mo;
	const char *err = NULL;
	size_t len = 0;
	char *data;
	int rc = EXIT_USAGE;

	memset(&mo, 0, sizeof(mo));
	if (o->ip && ipaddr_parse(o->ip, &mo.ip) != MS_OK) {
		cli_error("--ip %s is not an IPv4 or IPv6 address", o->ip);
		return EXIT_USAGE;
	}
	mo.has_ip = o->ip != NULL;
	mo.helo = o->helo;
	mo.mail_from = o->mail_from;
	mo.trusted_relay = o->relay;
	mo.authserv_id = o->authserv_id;
	mo.now = o->now_set ? o->now : (int64_t)time(NULL);
	mo.dmarc_rules = (int)o->rules;
	if ((data = read_message(path, &len)) == NULL)
		return EXIT_USAGE;
	if (make_session(r, o, replay) != 0)
		goto out;
	r->done = false;
	r->mc = msg_check_start(&r->ses->env, data, len, &mo, check_done, r, &err);
	if (r->mc == NULL) {
		cli_error("%s: %s", path, err);
		goto out;
	}
	if (!r->done)
		event_base_dispatch(r->base);
	if (o->json) {
		json_t *j = document(r->mc, path);
		char *s = json_dumps(j, compact ? JSON_COMPACT | JSON_PRESERVE_ORDER :
		    JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		printf("%s\n", s);
		free(s);
		json_decref(j);
	} else {
		printf("%s:\n", path);
		msg_check_print(r->mc, stdout);
	}
	rc = exit_code(msg_check_findings(r->mc));
out:
	run_free(r);
	free(data);
	return rc;
}

/* batch_setting - apply one "key=value" setting of a batch line to o; false if unknown */
static bool
batch_setting(struct message_opts *o, char **replay, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t kl;

	if (eq == NULL)
		return false;
	kl = (size_t)(eq - kv);
	eq++;
#define KEY(k) (kl == strlen(k) && strncmp(kv, k, kl) == 0)
	if (KEY("replay"))
		set_str(replay, eq);
	else if (KEY("ip"))
		set_str(&o->ip, eq);
	else if (KEY("helo"))
		set_str(&o->helo, eq);
	else if (KEY("mail-from"))
		set_str(&o->mail_from, eq);
	else if (KEY("trusted-relay"))
		set_str(&o->relay, eq);
	else if (KEY("now")) {
		if (!parse_now(eq, &o->now))
			return false;
		o->now_set = true;
	} else if (KEY("dmarc-rules")) {
		if (!dmarc_rules_parse(eq, &o->rules))
			return false;
	} else
		return false;
#undef KEY
	return true;
}

/* worse - the exit code that says more: could not run, then errors, then unknown, then clean */
static int
worse(int a, int b)
{
	static const int order[] = { EXIT_CLEAN, EXIT_UNKNOWN, EXIT_ERRORS, EXIT_USAGE };
	int ra = 0, rb = 0;

	for (int i = 0; i < 4; i++) {
		if (order[i] == a)
			ra = i;
		if (order[i] == b)
			rb = i;
	}
	return rb > ra ? b : a;
}

/* batch_error - the line of a batch entry that could not be judged: {"schema",..,"file":null,"error":why} */
static void
batch_error(const char *why)
{
	json_t *j = doc_new(DOC_MESSAGE);
	char *s;

	json_object_set_new(j, "file", json_null());
	json_object_set_new(j, "error", json_string(why));
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	printf("%s\n", s);
	free(s);
	json_decref(j);
}

/* run_batch - every line of o->batch; the worst exit code */
static int
run_batch(struct run *r, const struct message_opts *o)
{
	FILE *fp = fopen(o->batch, "r");
	char line[BATCH_LINE_MAX];
	int worst = EXIT_CLEAN;
	size_t lineno = 0;

	if (fp == NULL) {
		cli_error("%s: %s", o->batch, strerror(errno));
		return EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct message_opts lo;
		char *replay = o->replay ? xstrdup(o->replay) : NULL, **parts;
		size_t n = 0, l = strlen(line);
		int rc;
		bool ok = true;

		lineno++;
		while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			line[--l] = '\0';
		if (l == 0 || line[0] == '#') {
			free(replay);
			continue;
		}
		memset(&lo, 0, sizeof(lo));
		lo.json = true;
		lo.timeout = o->timeout;
		lo.now = o->now;
		lo.now_set = o->now_set;
		lo.rules = o->rules;
		lo.resolver = o->resolver ? xstrdup(o->resolver) : NULL;
		lo.trust_anchor = o->trust_anchor ? xstrdup(o->trust_anchor) : NULL;
		lo.ip = o->ip ? xstrdup(o->ip) : NULL;
		lo.helo = o->helo ? xstrdup(o->helo) : NULL;
		lo.mail_from = o->mail_from ? xstrdup(o->mail_from) : NULL;
		lo.relay = o->relay ? xstrdup(o->relay) : NULL;
		lo.authserv_id = o->authserv_id ? xstrdup(o->authserv_id) : NULL;
		parts = str_split(line, '\t', &n);
		for (size_t i = 1; i < n && ok; i++)
			if (parts[i][0] && !batch_setting(&lo, &replay, parts[i])) {
				cli_error("%s:%zu: bad setting \"%s\"", o->batch, lineno, parts[i]);
				ok = false;
			}
		if (ok) {
			rc = check_one(r, &lo, parts[0], replay, true);
			if (rc == EXIT_USAGE)
				batch_error("could not run");
		} else {
			rc = EXIT_USAGE;
			batch_error("bad batch line");
		}
		fflush(stdout);
		worst = worse(worst, rc);
		strv_free(parts);
		free(replay);
		opts_free(&lo);
	}
	fclose(fp);
	return worst;
}

/* authres_json - a parsed Authentication-Results field as mailsec-message/1 (command authres) */
static json_t *
authres_json(const struct ar_header *h, enum ms_status st)
{
	json_t *j = json_object(), *arr = json_array();

	doc_add_schema(j, DOC_MESSAGE);
	doc_add_version(j);
	json_object_set_new(j, "command", json_string("authres"));
	json_object_set_new(j, "valid", json_boolean(st == MS_OK));
	json_object_set_new(j, "error", st == MS_OK ? json_null() : json_string(h->err));
	json_object_set_new(j, "offset", st == MS_OK ? json_null() :
	    json_integer((json_int_t)h->err_off));
	json_object_set_new(j, "authserv_id", st == MS_OK ? json_text(h->authserv_id) : json_null());
	json_object_set_new(j, "version", json_integer(h->version));
	for (size_t i = 0; st == MS_OK && i < h->n; i++) {
		const struct ar_result *r = &h->res[i];
		json_t *o = json_object(), *props = json_array();

		json_object_set_new(o, "method", json_text(r->method));
		json_object_set_new(o, "method_version", json_integer(r->method_version ?
		    r->method_version : 1));
		json_object_set_new(o, "result", json_text(r->result));
		json_object_set_new(o, "reason", json_text(r->reason));
		for (size_t k = 0; k < r->nprops; k++) {
			json_t *p = json_object();

			json_object_set_new(p, "ptype", json_text(r->props[k].ptype));
			json_object_set_new(p, "property", json_text(r->props[k].prop));
			json_object_set_new(p, "value", json_text(r->props[k].value));
			json_array_append_new(props, p);
		}
		json_object_set_new(o, "properties", props);
		json_array_append_new(arr, o);
	}
	json_object_set_new(j, "results", arr);
	return j;
}

/* authres_cmd - message authres FIELD|-: parse one Authentication-Results field */
static int
authres_cmd(const struct message_opts *o, const char *arg)
{
	struct ar_header *h = xcalloc(1, sizeof(*h));
	const char *err = NULL;
	enum ms_status st;
	size_t len;
	char *text;
	int rc;

	if (strcmp(arg, "-") == 0) {
		text = read_all(stdin, AR_FIELD_MAX + 2, &len, &err);
		if (text == NULL) {
			cli_error("standard input: %s", err);
			free(h);
			return EXIT_USAGE;
		}
	} else {
		text = xstrdup(arg);
		len = strlen(text);
	}
	st = ar_parse(text, len, o->parse_mode | (o->intl ? AR_INTL : 0), h);
	if (o->json) {
		json_t *j = authres_json(h, st);
		char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		printf("%s\n", s);
		free(s);
		json_decref(j);
	} else if (st != MS_OK) {
		printf("invalid at byte %zu: %s\n", h->err_off, h->err);
	} else {
		printf("authserv-id %s (version %u): %zu result(s)\n", h->authserv_id, h->version, h->n);
		for (size_t i = 0; i < h->n; i++) {
			printf("  %s=%s", h->res[i].method, h->res[i].result);
			if (h->res[i].reason)
				printf(" reason=\"%s\"", h->res[i].reason);
			for (size_t k = 0; k < h->res[i].nprops; k++)
				printf(" %s.%s=%s", h->res[i].props[k].ptype, h->res[i].props[k].prop,
				    h->res[i].props[k].value);
			printf("\n");
		}
	}
	rc = st == MS_OK ? EXIT_CLEAN : EXIT_ERRORS;
	ar_header_free(h);
	free(h);
	free(text);
	return rc;
}

/* cmd_message - mailsec message check [OPTIONS] [FILE | -] */
int
cmd_message(int argc, char **argv)
{
	struct message_opts o;
	struct run r;
	char *err = NULL;
	enum cli_status st;
	int rc = EXIT_USAGE;
	const char *path = "-";

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.timeout = 5;
	o.rules = DMARC_RULES_BOTH;
	if ((st = parse(argc, argv, &o)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (optind < argc && strcmp(argv[optind], "authres") == 0) {
		if (optind + 2 != argc) {
			cli_error("message authres takes exactly one field (quote it) or -");
			goto out;
		}
		rc = authres_cmd(&o, argv[optind + 1]);
		goto out;
	}
	if (optind >= argc || strcmp(argv[optind], "check") != 0) {
		cli_error("message needs a subcommand: check [FILE.eml | -] or authres FIELD (see "
		    "'mailsec help message')");
		goto out;
	}
	optind++;
	if (o.batch && optind < argc) {
		cli_error("message check --batch FILE takes no message argument");
		goto out;
	}
	if (optind + 1 < argc) {
		cli_error("message check takes one message (FILE.eml or -)");
		goto out;
	}
	if (optind < argc)
		path = argv[optind];
	if (suffix_list_open(o.psl, &r.psl, &err) != MS_OK) {
		cli_error("%s", err);
		free(err);
		goto out;
	}
	r.base = event_base_new();
	rc = o.batch ? run_batch(&r, &o) : check_one(&r, &o, path, o.replay, false);
	event_base_free(r.base);
	suffix_list_free(r.psl);
out:
	opts_free(&o);
	return rc;
}
