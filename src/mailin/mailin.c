/* src/mailin/mailin.c - what arrives by LMTP: reports into the store, assessment mail into the outbound area */
#include "mailin/mailin.h"
#include "mailin/outbound.h"
#include "history/history.h"
#include "lmtp/lmtp_server.h"
#include "reports/ingest.h"
#include "store/store.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum rcpt_kind { R_NONE, R_REPORT, R_ASSESS };

struct mailin {
	struct mailin_config cfg;	/* strings and lists copied */
	const struct audit_env *env;
	unsigned pending;
};

/* One delivery in progress: the store it uses and the assessment it waits for. */
struct job {
	struct mailin *m;
	struct lmtp_delivery *d;
	struct store *s;
	struct outbound *ob;
	uint64_t unowned;
	char why[512];			/* the store's open error */
};

/* say - one log line */
static void __attribute__((format(printf, 2, 3)))
say(struct mailin *m, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (m->cfg.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)	/* strangers' text (addresses, origins) */
		if ((unsigned char)*p < 32 || (unsigned char)*p == 127)
			*p = '?';
	m->cfg.log(m->cfg.log_arg, line);
}

/* copy_list - a copy of v[0..n) */
static const char *const *
copy_list(const char *const *v, size_t n)
{
	char **c = xcalloc(n + 1, sizeof(*c));

	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return (const char *const *)c;
}

/* free_list - free a copy_list */
static void
free_list(const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)v[i]);
	free((void *)v);
}

struct mailin *
mailin_new(const struct mailin_config *cfg, const struct audit_env *env)
{
	struct mailin *m = xcalloc(1, sizeof(*m));

	m->cfg = *cfg;
	m->cfg.db = xstrdup(cfg->db);
	m->cfg.report = copy_list(cfg->report, cfg->nreport);
	m->cfg.assess = copy_list(cfg->assess, cfg->nassess);
	m->cfg.receiver_name = cfg->receiver_name ? xstrdup(cfg->receiver_name) : NULL;
	m->cfg.version = xstrdup(cfg->version ? cfg->version : "");
	m->env = env;
	return m;
}

void
mailin_free(struct mailin *m)
{
	if (m == NULL)
		return;
	free((char *)m->cfg.db);
	free_list(m->cfg.report, m->cfg.nreport);
	free_list(m->cfg.assess, m->cfg.nassess);
	free((char *)m->cfg.receiver_name);
	free((char *)m->cfg.version);
	free(m);
}

unsigned
mailin_pending(const struct mailin *m)
{
	return m->pending;
}

/* kind_of - what addr (an RFC 5321 path: local part case-sensitive in principle, compared without case) is */
static enum rcpt_kind
kind_of(const struct mailin *m, const char *addr)
{
	for (size_t i = 0; i < m->cfg.nreport; i++)
		if (str_casecmp(m->cfg.report[i], addr) == 0)
			return R_REPORT;
	for (size_t i = 0; i < m->cfg.nassess; i++)
		if (str_casecmp(m->cfg.assess[i], addr) == 0)
			return R_ASSESS;
	return R_NONE;
}

bool
mailin_rcpt(void *arg, const char *addr)
{
	return kind_of(arg, addr) != R_NONE;
}

/* reply_kind - the same reply to every recipient of kind k */
static void
reply_kind(struct job *j, enum rcpt_kind k, int code, const char *enh, const char *text)
{
	const struct lmtp_delivery_info *in = lmtp_delivery_info(j->d);

	for (size_t i = 0; i < in->nrcpts; i++)
		if (kind_of(j->m, in->rcpts[i]) == k)
			lmtp_reply(j->d, i, code, enh, text);
}

/* job_end - close the store, send the replies, free j */
static void
job_end(struct job *j)
{
	store_close(j->s);
	outbound_free(j->ob);
	j->m->pending--;
	lmtp_delivery_done(j->d);
	free(j);
}

/* ingest_error - the ingest's errors go to the log */
static void
ingest_error(void *arg, const char *msg)
{
	struct job *j = arg;

	say(j->m, "report ingest: %s", msg);
}

/* ingest_stored - a report was stored: count those about a domain no workspace holds */
static void
ingest_stored(void *arg, const char *kind, const char *domain, enum store_put res)
{
	struct job *j = arg;
	bool owned = true;

	(void)kind;
	if (res != STORE_INSERTED)
		return;
	if (store_domain_owned(j->s, domain, &owned) != MS_OK)
		return;		/* a failing store fails the put after it too */
	if (!owned)
		j->unowned++;
}

/* do_reports - the report recipients: ingest once, commit, then answer */
static void
do_reports(struct job *j)
{
	const struct lmtp_delivery_info *in = lmtp_delivery_info(j->d);
	struct ingest_opts o;
	struct ingest *g = NULL;
	const struct ingest_counts *c;
	char text[300];
	char *origin;

	memset(&o, 0, sizeof(o));
	extract_opts_default(&o.x);
	o.error = ingest_error;
	o.error_arg = j;
	o.stored = ingest_stored;
	o.stored_arg = j;
	if (ingest_new(&o, j->s, &g) != MS_OK) {
		reply_kind(j, R_REPORT, 451, "4.3.0", "the report store is not available; try again later");
		return;
	}
	origin = xasprintf("lmtp:<%s>", in->mail_from);
	ingest_message(g, in->data, in->len, origin);
	free(origin);
	if (ingest_finish(g) != MS_OK) {
		ingest_free(g);
		say(j->m, "from <%s>: the reports could not be stored: 451", in->mail_from);
		reply_kind(j, R_REPORT, 451, "4.3.0", "the reports could not be stored; try again later");
		return;
	}
	c = ingest_counts(g);
	snprintf(text, sizeof(text), "%llu report%s stored, %llu duplicate%s, %llu rejected, "
	    "%llu for domains no workspace owns",
	    (unsigned long long)c->ingested, c->ingested == 1 ? "" : "s",
	    (unsigned long long)c->duplicates, c->duplicates == 1 ? "" : "s",
	    (unsigned long long)c->rejected, (unsigned long long)j->unowned);
	say(j->m, "from <%s>: %s", in->mail_from, text);
	reply_kind(j, R_REPORT, 250, "2.0.0", text);
	ingest_free(g);
}

/*
 * assessed_now - the outbound assessment is in: store it with its events, then
 * answer.  Run from the loop on its own (assessed_later), never inside the
 * message check's or the audit's callback, since it frees both.
 */
static void
assessed_now(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	struct outbound *ob = j->ob;
	const struct lmtp_delivery_info *in = lmtp_delivery_info(j->d);
	struct audit *a = outbound_audit(ob);
	struct history_check hc;
	enum store_put res = STORE_INSERTED;
	char text[300];

	(void)fd;
	(void)what;
	if (a == NULL) {
		say(j->m, "from <%s>: assessment message without a From domain: 550", in->mail_from);
		reply_kind(j, R_ASSESS, 550, "5.6.0", "the message names no From domain to assess");
		job_end(j);
		return;
	}
	memset(&hc, 0, sizeof(hc));
	hc.a = a;
	hc.profile = "generic";
	hc.version = j->m->cfg.version;
	hc.run_id = outbound_key(ob);
	hc.area = "outbound";
	if (history_put(j->s, &hc, NULL, &res) != MS_OK) {
		say(j->m, "from <%s>: the assessment of %s could not be stored: %s: 451", in->mail_from,
		    a->domain, store_error(j->s));
		reply_kind(j, R_ASSESS, 451, "4.3.0", "the assessment could not be stored; try again later");
		job_end(j);
		return;
	}
	snprintf(text, sizeof(text), "assessment of %.200s %s", a->domain,
	    res == STORE_DUPLICATE ? "already stored" : "stored");
	say(j->m, "from <%s>: %s (%zu findings)", in->mail_from, text, a->findings.n);
	reply_kind(j, R_ASSESS, 250, "2.0.0", text);
	job_end(j);
}

/* assessed - outbound_start's callback: continue from the loop */
static void
assessed(struct outbound *ob, void *arg)
{
	struct job *j = arg;

	(void)ob;
	if (event_base_once(j->m->env->res->base, -1, EV_TIMEOUT, assessed_now, j, NULL) != 0)
		assessed_now(-1, 0, j);	/* cannot happen with a working loop; never lose the reply */
}

void
mailin_deliver(void *arg, struct lmtp_delivery *d)
{
	struct mailin *m = arg;
	const struct lmtp_delivery_info *in = lmtp_delivery_info(d);
	struct job *j = xcalloc(1, sizeof(*j));
	bool reports = false, assess = false;
	const char *err = NULL;

	j->m = m;
	j->d = d;
	m->pending++;
	for (size_t i = 0; i < in->nrcpts; i++) {
		enum rcpt_kind k = kind_of(m, in->rcpts[i]);

		reports |= k == R_REPORT;
		assess |= k == R_ASSESS;
		if (k == R_NONE)
			lmtp_reply(d, i, 550, "5.1.1", "no such recipient here");
	}
	if (store_open(m->cfg.db, STORE_WRITE, &j->s, j->why, sizeof(j->why)) != MS_OK) {
		say(m, "from <%s>: the store cannot be opened: %s: 451", in->mail_from, j->why);
		reply_kind(j, R_REPORT, 451, "4.3.0", "the store is not available; try again later");
		reply_kind(j, R_ASSESS, 451, "4.3.0", "the store is not available; try again later");
		job_end(j);
		return;
	}
	if (reports)
		do_reports(j);
	if (!assess) {
		job_end(j);
		return;
	}
	j->ob = outbound_start(m->env, in->data, in->len, in->mail_from, m->cfg.receiver_name,
	    assessed, j, &err);
	if (j->ob == NULL) {
		reply_kind(j, R_ASSESS, 554, "5.6.0", err ? err : "the message cannot be read");
		job_end(j);
	}
}
