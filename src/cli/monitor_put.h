/* src/cli/monitor_put.h - where the monitor's results go, shared by mailsec monitor and mailsec serve */
#ifndef MS_CLI_MONITOR_PUT_H
#define MS_CLI_MONITOR_PUT_H

#include <stdbool.h>
#include <stdint.h>

#include "fleet/worker.h"

struct fleet;
struct progress;

/* What cli_monitor_put needs (all borrowed for the worker's life). */
struct cli_monitor_log {
	struct fleet *fleet;
	struct progress *progress;	/* cleared before a log line; may be NULL */
	bool tty;			/* stderr is a terminal: no per-domain lines */
	const char *prog;		/* "monitor", "serve": the log lines' prefix */
	/* stored - domain's result is kept (or was already): e.g. look at its ownership proof; may be NULL */
	void (*stored)(void *arg, const char *domain);
	void *stored_arg;
};

/*
 * cli_monitor_put - the worker's put callback (fleet/worker.h), arg a
 * struct cli_monitor_log: store a's result through history_put with its
 * round (history's (domain, round) uniqueness makes a second one a
 * duplicate) and log it; a is borrowed for the call
 */
enum fleet_put cli_monitor_put(void *arg, struct audit *a, int64_t round);

#endif
