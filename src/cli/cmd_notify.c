/* src/cli/cmd_notify.c - mailsec notify add|list|remove|send|outbox: who hears about what changed */
#include "cli/admin.h"
#include "cli/cli.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "fleet/fleet.h"
#include "notify/notify.h"
#include "util/readfile.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Options and output only: targets, the outbox and delivery are
 * src/notify/ (docs/notify.md).
 */

struct notify_opts {
	struct cli_admin_opts a;	/* --db, --format */
	const char *workspace, *email, *webhook, *secret_file, *smtp_relay, *mail_from;
	const char *ca_file;
	unsigned triggers;
	double timeout;
};

/* parse_args - the options of `notify`; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct notify_opts *o)
{
	struct cli_parser *p = cli_parser_new("notify", argc, argv);
	enum opt_id id;
	bool bad = false;

	while ((id = cli_next(p, bad)) != OPT_END) {
		if (cli_admin_opt(&o->a, id, optarg, &bad))
			continue;
		switch (id) {
		case OPT_WORKSPACE:
			o->workspace = optarg;
			break;
		case OPT_EMAIL:
			o->email = optarg;
			break;
		case OPT_WEBHOOK:
			o->webhook = optarg;
			break;
		case OPT_SECRET_FILE:
			o->secret_file = optarg;
			break;
		case OPT_SMTP_RELAY:
			o->smtp_relay = optarg;
			break;
		case OPT_MAIL_FROM:
			o->mail_from = optarg;
			break;
		case OPT_CA_FILE:
			o->ca_file = optarg;
			break;
		case OPT_TIMEOUT:
			bad = !cli_seconds("timeout", optarg, 3600, &o->timeout);
			break;
		case OPT_ON: {
			const char *where = NULL;

			if (notify_triggers_parse(optarg, &o->triggers, &where) != MS_OK) {
				cli_error("--on: \"%s\" is not a trigger (error, grade, record, cert, "
				    "dmarc-source, reports-stopped, digest-daily or digest-weekly)", where);
				bad = true;
			}
			break;
		}
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* read_secret - the webhook secret: the file's first line, at least 16 bytes; NULL after saying why */
static char *
read_secret(const char *path)
{
	struct read_file_result f;
	char *s;

	if (read_file(path, 4096, READ_FILE_REGULAR, &f) != MS_OK) {
		cli_error("--secret-file %s: %s", path, f.why ? f.why : strerror(f.errnum));
		return NULL;
	}
	f.data[strcspn(f.data, "\r\n")] = '\0';
	s = xstrdup(f.data);
	free(f.data);
	if (strlen(s) < 16) {
		cli_error("--secret-file %s: the secret must be at least 16 bytes on its first line", path);
		free(s);
		return NULL;
	}
	return s;
}

/* print_target - one target as a line or into the JSON array arg */
static void
print_target(void *arg, const struct notify_target *t)
{
	json_t *arr = arg;
	char *trig = notify_triggers_text(t->triggers);

	if (arr) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer((json_int_t)t->id));
		json_object_set_new(o, "workspace", json_text(t->workspace));
		json_object_set_new(o, "kind", json_text(t->kind == NOTIFY_WEBHOOK ? "webhook" : "email"));
		json_object_set_new(o, "address", json_text(t->address));
		json_object_set_new(o, "triggers", json_text(trig));
		json_object_set_new(o, "created", json_rfc3339((time_t)t->created_at));
		json_array_append_new(arr, o);
	} else
		printf("%lld\t%s\t%s\t%s\t%s\n", (long long)t->id, t->workspace,
		    t->kind == NOTIFY_WEBHOOK ? "webhook" : "email", t->address, trig);
	free(trig);
}

/* print_row - one outbox row as a line or into the JSON array arg */
static void
print_row(void *arg, const struct notify_outbox_row *r)
{
	json_t *arr = arg;

	if (arr) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer((json_int_t)r->id));
		json_object_set_new(o, "target", json_integer((json_int_t)r->target));
		json_object_set_new(o, "workspace", json_text(r->workspace));
		json_object_set_new(o, "kind", json_text(r->kind));
		json_object_set_new(o, "address", json_text(r->address));
		json_object_set_new(o, "event_id", json_text(r->event_id));
		json_object_set_new(o, "trigger", r->trigger ? json_text(r->trigger) : json_null());
		json_object_set_new(o, "domain", r->domain ? json_text(r->domain) : json_null());
		json_object_set_new(o, "summary", r->summary ? json_text(r->summary) : json_null());
		json_object_set_new(o, "created", json_rfc3339((time_t)r->created));
		json_object_set_new(o, "attempts", json_integer((json_int_t)r->attempts));
		json_object_set_new(o, "next_attempt", r->sent_at ? json_null() :
		    json_rfc3339((time_t)r->next_attempt));
		json_object_set_new(o, "sent_at", r->sent_at ? json_rfc3339((time_t)r->sent_at) :
		    json_null());
		json_object_set_new(o, "last_error", r->last_error ? json_text(r->last_error) :
		    json_null());
		json_array_append_new(arr, o);
		return;
	}
	printf("%lld\t%s\t%s\t%s\t%s\t%s\tattempts=%lld%s%s\n", (long long)r->id,
	    r->sent_at ? "sent" : "waiting", r->address, r->event_id, r->domain ? r->domain : "-",
	    r->summary ? r->summary : "-", (long long)r->attempts, r->last_error ? "\terror=" : "",
	    r->last_error ? r->last_error : "");
}

/* default_from - mailsec@HOSTNAME (caller frees) */
static char *
default_from(void)
{
	char host[256] = "localhost";

	(void)gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	return xasprintf("mailsec@%s", host);
}

/* log_delivery - one line per delivery on stderr */
static void
log_delivery(void *arg, int64_t id, const char *address, bool ok, const char *why)
{
	(void)arg;
	fprintf(stderr, "mailsec notify: event=%s id=%lld to=%s%s%s%s\n", ok ? "sent" : "failed",
	    (long long)id, address, ok ? "" : " msg=\"", ok ? "" : why, ok ? "" : "\"");
}

/* do_send - queue what the reports call for, then drain the outbox once */
static int
do_send(struct fleet *f, const struct notify_opts *o)
{
	struct notify_send_config cfg;
	struct notify_send_stats stats;
	char why[512], *from = o->mail_from ? xstrdup(o->mail_from) : default_from();
	int rc = EXIT_CLEAN;

	if (notify_scan(fleet_store(f), 0, NULL, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		free(from);
		return EXIT_STORE;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.smtp_relay = o->smtp_relay;
	cfg.mail_from = from;
	cfg.ca_file = o->ca_file;
	cfg.timeout = o->timeout;
	cfg.log = log_delivery;
	if (notify_send(fleet_store(f), &cfg, &stats, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		rc = EXIT_STORE;
	} else if (stats.failed)
		rc = EXIT_ERRORS;
	printf("sent %zu, failed %zu%s", stats.sent, stats.failed, stats.waiting_relay ? "" : "\n");
	if (stats.waiting_relay)
		printf(", %zu email%s waiting for --smtp-relay\n", stats.waiting_relay,
		    stats.waiting_relay == 1 ? "" : "s");
	free(from);
	return rc;
}

/* do_add - a new target */
static int
do_add(struct fleet *f, const struct notify_opts *o)
{
	enum notify_kind kind = o->webhook ? NOTIFY_WEBHOOK : NOTIFY_EMAIL;
	const char *addr = o->webhook ? o->webhook : o->email, *bad = NULL;
	char why[512], *secret = NULL;
	int64_t id;
	enum ms_status st;

	if (!notify_address_ok(kind, addr, &bad)) {
		cli_error("%s %s: %s", o->webhook ? "--webhook" : "--email", addr, bad);
		return EXIT_USAGE;
	}
	if (o->webhook && (secret = read_secret(o->secret_file)) == NULL)
		return EXIT_USAGE;
	st = notify_target_add(fleet_store(f), o->workspace, kind, addr, secret,
	    o->triggers ? o->triggers : NOTIFY_TRIGGERS_DEFAULT, &id, why, sizeof(why));
	free(secret);
	if (st != MS_OK) {
		cli_error("%s", why);
		return EXIT_USAGE;
	}
	printf("target %lld added\n", (long long)id);
	return EXIT_CLEAN;
}

/* do_list - the targets, or the outbox, as lines or a document */
static int
do_list(struct fleet *f, const struct notify_opts *o, bool outbox)
{
	json_t *doc, *arr;
	char why[512];
	enum ms_status st;

	cli_list_begin(o->a.json, outbox ? DOC_OUTBOX : DOC_NOTIFY_TARGETS, &doc, &arr);
	st = outbox ? notify_outbox_each(fleet_store(f), false, print_row, arr, why, sizeof(why)) :
	    notify_target_each(fleet_store(f), o->workspace, print_target, arr, why, sizeof(why));
	return cli_list_end(doc, arr, outbox ? "outbox" : "targets", st == MS_OK, why);
}

int
cmd_notify(int argc, char **argv)
{
	struct notify_opts o;
	struct fleet *f = NULL;
	const char *verb;
	enum cli_status st;
	int64_t id = 0;
	int rc = EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	if ((st = parse_args(argc, argv, &o)) != CLI_OK)
		return cli_status_exit(st);
	if (optind >= argc) {
		cli_error("notify wants add, list, remove ID, send or outbox (see 'mailsec help notify')");
		return EXIT_USAGE;
	}
	verb = argv[optind];
	if (strcmp(verb, "add") == 0) {
		if (optind + 1 != argc || o.workspace == NULL || (o.email == NULL) == (o.webhook == NULL)) {
			cli_error("notify add wants --workspace W and one of --email ADDR or --webhook URL "
			    "--secret-file F");
			return EXIT_USAGE;
		}
		if ((o.webhook != NULL) != (o.secret_file != NULL)) {
			cli_error("--secret-file goes with --webhook, and a webhook needs one");
			return EXIT_USAGE;
		}
	} else if (strcmp(verb, "remove") == 0) {
		uint64_t v;

		if (optind + 2 != argc || str_to_u64(argv[optind + 1], strlen(argv[optind + 1]),
		    INT64_MAX, &v) != MS_OK || v == 0) {
			cli_error("notify remove wants one target number (see 'mailsec notify list')");
			return EXIT_USAGE;
		}
		id = (int64_t)v;
	} else if (strcmp(verb, "list") == 0 || strcmp(verb, "send") == 0 ||
	    strcmp(verb, "outbox") == 0) {
		if (optind + 1 != argc) {
			cli_error("notify %s takes no argument", verb);
			return EXIT_USAGE;
		}
	} else {
		cli_error("unknown notify command \"%s\" (add, list, remove, send, outbox)", verb);
		return EXIT_USAGE;
	}
	if (o.a.json && strcmp(verb, "list") != 0 && strcmp(verb, "outbox") != 0) {
		cli_error("--format json is for notify list and notify outbox");
		return EXIT_USAGE;
	}
	if ((f = cli_fleet_open(o.a.db)) == NULL)
		return EXIT_USAGE;
	if (strcmp(verb, "add") == 0)
		rc = do_add(f, &o);
	else if (strcmp(verb, "list") == 0)
		rc = do_list(f, &o, false);
	else if (strcmp(verb, "outbox") == 0)
		rc = do_list(f, &o, true);
	else if (strcmp(verb, "send") == 0)
		rc = do_send(f, &o);
	else {
		char why[512];
		bool found;

		if (notify_target_remove(fleet_store(f), NULL, id, &found, why, sizeof(why)) != MS_OK)
			cli_error("%s", why);
		else if (!found) {
			cli_error("no notification target %lld", (long long)id);
			rc = EXIT_ERRORS;
		} else {
			printf("target %lld removed\n", (long long)id);
			rc = EXIT_CLEAN;
		}
	}
	fleet_close(f);
	return rc;
}
