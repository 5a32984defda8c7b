/* src/web/web.h - mailsec serve's handlers: sign-in pages, the JSON API, reports over HTTPS */
#ifndef MS_WEB_WEB_H
#define MS_WEB_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "httpd/httpd.h"
#include "util/status.h"

/*
 * The web program layer (docs/serve.md): handlers that read and write
 * through the library only (fleet/, accounts/, history/, reports/) and
 * render small JSON documents and pages.  Served by httpd/ on the caller's
 * loop, so every handler runs on that loop's thread and uses the caller's
 * database handles (borrowed) one call at a time.
 *
 * Every handler that touches a workspace's objects says which workspace it
 * serves (?workspace= or the token's scope) and checks the caller may read
 * (or write) it before reading anything; anything of another workspace, or
 * of none, is the one 404 body WEB_NOT_FOUND, byte for byte the answer for
 * a name that does not exist.
 */

struct web;
struct event_base;
struct fleet;
struct accounts;

#define WEB_SESSION_COOKIE	"mailsec_session"
#define WEB_LOGIN_COOKIE	"mailsec_login"	/* the sign-in form's CSRF (double submit) */

struct web_config {
	struct fleet *fleet;		/* borrowed: the database */
	struct accounts *accounts;	/* borrowed: over the same fleet */
	const char *listen;		/* ADDRESS:PORT */
	const char *trusted_proxy;	/* NULL: none */
	bool https;			/* the service is reached over HTTPS (cookies get Secure) */
	struct httpd_limits limits;
	/* poke - a domain became due (added, "check now"): wake the in-process monitor (may be NULL) */
	void (*poke)(void *arg);
	void *arg;
};

/*
 * web_start - serve cfg (copied; what it points to borrowed for the
 * server's life) on base (the caller runs it).  On failure *out is NULL and
 * why says why.  Stop with web_stop.
 */
MS_MUST_CHECK enum ms_status web_start(struct event_base *base, const struct web_config *cfg,
    struct web **out, char *why, size_t whylen);
/* web_port - the port it listens on */
unsigned web_port(const struct web *w);
/* web_stop - stop serving and free w (NULL is fine) */
void web_stop(struct web *w);

#endif
