/* src/store/store_schema.c - the store's schema: migrations per database, recognising mailsec's SQLite files */
#include "store/store_impl.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Migrations: MIGRATIONS_*[i] takes the schema from version i to i+1.  Each
 * database has its own list (the same tables in its own types: identity
 * keys, bigint, bytea and jsonb on PostgreSQL); both lists have the same
 * length, so there is one schema version (a build fails otherwise).  Never
 * edit a shipped migration: add one to both lists.
 *
 * The version lives in PRAGMA user_version (SQLite) or the one-row table
 * mailsec_schema (PostgreSQL).  Every step runs in a transaction of its own
 * that first takes the write lock (BEGIN IMMEDIATE on SQLite, an advisory
 * lock on PostgreSQL) and only then reads the version, so of several
 * processes opening a new database at once one creates the tables and the
 * others find them made.
 *
 * Recognising a SQLite file as mailsec's: PRAGMA application_id is
 * STORE_APPLICATION_ID, set with the first migration (and on the next
 * writing open of a file an older mailsec made without it, once recognised
 * by its user_version and tables).  A file with no tables and neither pragma
 * set is new and ours to fill.  Anything else is someone else's database and
 * is refused before anything in it changes: the journal mode is switched to
 * WAL only after this check.
 */
static const char *const MIGRATIONS_SQLITE[] = {
	/* 0 -> 1 */
	"CREATE TABLE reports ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"			/* dmarc, tlsrpt, failure */
	"  org_name TEXT NOT NULL,"
	"  report_id TEXT NOT NULL,"
	"  policy_domain TEXT NOT NULL,"
	"  begin_ts INTEGER, end_ts INTEGER,"
	"  email TEXT, extra_contact_info TEXT, xmlns TEXT, version TEXT, generator TEXT,"
	"  errors TEXT,"
	"  policy TEXT,"				/* policy_published as JSON */
	"  messages INTEGER NOT NULL DEFAULT 0,"
	"  origin TEXT, ingested_at INTEGER NOT NULL,"
	"  UNIQUE (kind, org_name, report_id, policy_domain));"
	"CREATE INDEX reports_domain ON reports (policy_domain, end_ts);"
	"CREATE TABLE dmarc_rows ("
	"  report INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	"  source_ip TEXT, count INTEGER NOT NULL,"
	"  disposition TEXT, dkim TEXT, spf TEXT, reasons TEXT, policy_test_mode TEXT,"
	"  header_from TEXT, envelope_from TEXT, envelope_to TEXT,"
	"  dkim_auth TEXT, spf_auth TEXT,"		/* auth_results as JSON arrays */
	"  dkim_pass_domains TEXT NOT NULL DEFAULT '', spf_pass_domain TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX dmarc_rows_report ON dmarc_rows (report);"
	"CREATE TABLE tlsrpt_policies ("
	"  id INTEGER PRIMARY KEY,"
	"  report INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	"  policy_type TEXT, policy_domain TEXT, policy_string TEXT, mx_host TEXT,"
	"  success INTEGER NOT NULL, failure INTEGER NOT NULL);"
	"CREATE INDEX tlsrpt_policies_report ON tlsrpt_policies (report);"
	"CREATE TABLE tlsrpt_failures ("
	"  policy INTEGER NOT NULL REFERENCES tlsrpt_policies(id) ON DELETE CASCADE,"
	"  result_type TEXT, sending_mta_ip TEXT, receiving_mx_hostname TEXT,"
	"  receiving_mx_helo TEXT, receiving_ip TEXT, failed_session_count INTEGER NOT NULL,"
	"  additional_information TEXT, failure_reason_code TEXT);"
	"CREATE INDEX tlsrpt_failures_policy ON tlsrpt_failures (policy);"
	"CREATE TABLE failures ("
	"  report INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	"  feedback_type TEXT, source_ip TEXT, arrival_date TEXT, original_mail_from TEXT,"
	"  original_rcpt_to TEXT, auth_failure TEXT, authentication_results TEXT,"
	"  delivery_result TEXT, sample BLOB);"
	"CREATE INDEX failures_report ON failures (report);"
	"CREATE TABLE rejected ("
	"  sha256 TEXT PRIMARY KEY, origin TEXT, reason TEXT NOT NULL,"
	"  first_seen INTEGER NOT NULL, size INTEGER NOT NULL, data BLOB);",
	/* 1 -> 2: check history (mailsec check --db) */
	"CREATE TABLE checks ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id TEXT NOT NULL,"
	"  domain TEXT NOT NULL,"
	"  checked_at INTEGER NOT NULL,"
	"  profile TEXT, mailsec_version TEXT,"
	"  n_pass INTEGER NOT NULL, n_info INTEGER NOT NULL, n_warning INTEGER NOT NULL,"
	"  n_error INTEGER NOT NULL, n_unknown INTEGER NOT NULL,"
	"  grade TEXT NOT NULL,"
	"  doc TEXT NOT NULL,"			/* the domain object of mailsec/1 */
	"  UNIQUE (run_id, domain));"
	"CREATE INDEX checks_domain ON checks (domain, checked_at);"
	"CREATE TABLE check_findings ("
	"  check_id INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  finding TEXT NOT NULL, severity TEXT NOT NULL, subject TEXT, message TEXT,"
	"  PRIMARY KEY (check_id, seq));",
	/* 2 -> 3: monitor rounds and what changed between checks (history/history.h) */
	"ALTER TABLE checks ADD COLUMN round TEXT;"	/* the monitor's claim generation, or NULL */
	"CREATE UNIQUE INDEX checks_domain_round ON checks (domain, round) WHERE round IS NOT NULL;"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  check_id INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,"
	"  domain TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  run_id TEXT NOT NULL, prev_run_id TEXT, round TEXT,"
	"  kind TEXT NOT NULL,"			/* docs/events.md */
	"  area TEXT, subject TEXT, finding TEXT, severity TEXT, item TEXT,"
	"  old_value TEXT, new_value TEXT);"
	"CREATE INDEX events_domain ON events (domain, at);"
	"CREATE INDEX events_at ON events (at);"
	"CREATE INDEX events_check ON events (check_id);",
	/* 3 -> 4: workspaces, their domains, the monitor's rounds and leases (docs/monitor.md) */
	"CREATE TABLE workspaces ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE monitored ("
	"  domain TEXT PRIMARY KEY,"
	"  added_by TEXT NOT NULL,"		/* the workspace that added it first */
	"  added_at INTEGER NOT NULL,"
	"  last_checked INTEGER,"		/* when its last result was stored */
	"  last_round INTEGER,"			/* the round of that result */
	"  round INTEGER,"			/* the open round it is due in, or NULL */
	"  lease_owner TEXT, lease_until INTEGER);"
	"CREATE INDEX monitored_round ON monitored (round, lease_until);"
	"CREATE TABLE workspace_domains ("
	"  workspace INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  domain TEXT NOT NULL REFERENCES monitored(domain),"
	"  profile TEXT NOT NULL,"
	"  parked INTEGER NOT NULL DEFAULT 0,"
	"  selectors TEXT NOT NULL DEFAULT '',"	/* comma-separated */
	"  sending_hosts TEXT NOT NULL DEFAULT '',"
	"  interval_s INTEGER NOT NULL,"
	"  added_at INTEGER NOT NULL,"
	"  PRIMARY KEY (workspace, domain));"
	"CREATE INDEX workspace_domains_domain ON workspace_domains (domain);"
	"CREATE TABLE rounds ("
	"  id INTEGER PRIMARY KEY,"
	"  started_at INTEGER NOT NULL,"
	"  finished_at INTEGER,"
	"  domains INTEGER NOT NULL);"
	"CREATE TABLE workspace_grades ("		/* each workspace's verdict under its own profile */
	"  workspace INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  domain TEXT NOT NULL,"
	"  round INTEGER NOT NULL,"
	"  profile TEXT NOT NULL, grade TEXT NOT NULL,"
	"  n_error INTEGER NOT NULL, n_warning INTEGER NOT NULL, n_unknown INTEGER NOT NULL,"
	"  PRIMARY KEY (workspace, domain, round));",
	/* 4 -> 5: accounts of mailsec serve (docs/serve.md): users, memberships, sessions, API tokens, sign-in failures, ownership proofs */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL,"			/* admin, member, viewer */
	"  password_hash TEXT NOT NULL,"		/* Argon2id encoded string */
	"  created_at INTEGER NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE memberships ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  workspace INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (user_id, workspace));"
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"		/* SHA-256 of the cookie, hex */
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	"  csrf TEXT NOT NULL,"
	"  client TEXT);"
	"CREATE INDEX sessions_user ON sessions (user_id);"
	"CREATE TABLE api_tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"		/* SHA-256 of the token, hex */
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  workspace INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL, last_used INTEGER, revoked_at INTEGER);"
	"CREATE TABLE login_failures ("
	"  name TEXT NOT NULL, client TEXT NOT NULL, at INTEGER NOT NULL);"
	"CREATE INDEX login_failures_name ON login_failures (name, at);"
	"CREATE INDEX login_failures_client ON login_failures (client, at);"
	"CREATE TABLE ownership_proofs ("
	"  workspace INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  domain TEXT NOT NULL,"
	"  token TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  verified_at INTEGER,"
	"  how TEXT,"				/* dns, admin */
	"  PRIMARY KEY (workspace, domain));"
	"CREATE INDEX ownership_proofs_domain ON ownership_proofs (domain);",
	/* 5 -> 6: notification targets, the outbox, what the triggers remember (docs/notify.md) */
	"CREATE TABLE notify_targets ("
	"  id INTEGER PRIMARY KEY,"
	"  workspace INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL,"			/* email, webhook */
	"  address TEXT NOT NULL,"		/* the mailbox or the https:// URL */
	"  secret TEXT,"			/* the webhook's HMAC key */
	"  triggers TEXT NOT NULL,"		/* comma-separated */
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  target INTEGER NOT NULL REFERENCES notify_targets(id) ON DELETE CASCADE,"
	"  event_ids TEXT NOT NULL,"		/* the X-Mailsec-Event-Id receivers dedup on */
	"  payload TEXT NOT NULL,"		/* the mailsec-notify/1 document */
	"  created INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL,"
	"  sent_at INTEGER,"
	"  last_error TEXT);"
	"CREATE INDEX outbox_due ON outbox (sent_at, next_attempt);"
	"CREATE TABLE notify_cert_warned ("	/* one warning per certificate and threshold */
	"  id INTEGER PRIMARY KEY,"
	"  target INTEGER NOT NULL REFERENCES notify_targets(id) ON DELETE CASCADE,"
	"  subject TEXT NOT NULL, not_after TEXT NOT NULL, threshold INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  UNIQUE (target, subject, not_after, threshold));"
	"CREATE TABLE notify_state ("		/* what a report trigger told a target already */
	"  id INTEGER PRIMARY KEY,"
	"  target INTEGER NOT NULL REFERENCES notify_targets(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"			/* dmarc-source DOMAIN IP, reports-stopped DOMAIN END */
	"  at INTEGER NOT NULL,"
	"  UNIQUE (target, key));",
	/* 6 -> 7: results of one area only (lmtpd's outbound assessments, docs/lmtpd.md) */
	"ALTER TABLE checks ADD COLUMN area TEXT;",
	/* 7 -> 8: the monitor's last full DKIM scan and the selectors it found (docs/monitor.md) */
	("ALTER TABLE monitored ADD COLUMN full_scan_at INTEGER;"
	 "ALTER TABLE monitored ADD COLUMN dkim_known TEXT;"),
	/* 8 -> 9: each domain's latest whole check, summed up for the fleet overview (store_put.c keeps it) */
	"CREATE TABLE domain_latest ("
	"  domain TEXT PRIMARY KEY,"
	"  check_id INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,"
	"  checked_at INTEGER NOT NULL,"
	"  grade TEXT NOT NULL,"
	"  n_pass INTEGER NOT NULL, n_info INTEGER NOT NULL, n_warning INTEGER NOT NULL,"
	"  n_error INTEGER NOT NULL, n_unknown INTEGER NOT NULL,"
	"  areas TEXT) WITHOUT ROWID;"		/* areas: {area: grade} of the doc's summary.areas, or NULL */
	"CREATE INDEX domain_latest_check ON domain_latest (check_id);"
	"CREATE TABLE domain_latest_findings ("
	"  domain TEXT NOT NULL REFERENCES domain_latest(domain) ON DELETE CASCADE,"
	"  finding TEXT NOT NULL, severity TEXT NOT NULL, area TEXT NOT NULL);"
	"CREATE INDEX domain_latest_findings_domain ON domain_latest_findings (domain, area, severity, finding);"
	"INSERT INTO domain_latest (domain, check_id, checked_at, grade, n_pass, n_info, n_warning,"
	"  n_error, n_unknown, areas)"
	" SELECT c.domain, c.id, c.checked_at, c.grade, c.n_pass, c.n_info, c.n_warning, c.n_error,"
	"  c.n_unknown, " STORE_LATEST_AREAS_SQLITE " FROM checks c"
	" WHERE c.id = (SELECT x.id FROM checks x WHERE x.domain = c.domain AND COALESCE(x.area, '') = ''"
	"  ORDER BY x.checked_at DESC, x.id DESC LIMIT 1);"
	"INSERT INTO domain_latest_findings (domain, finding, severity, area) "
	STORE_LATEST_FINDINGS_SQLITE ";",
	/* 9 -> 10: reverse names of report source addresses, resolved by the monitor (docs/serve.md) */
	"CREATE TABLE source_names ("
	"  ip TEXT PRIMARY KEY,"
	"  name TEXT,"				/* the PTR name, NULL: none */
	"  status TEXT NOT NULL,"		/* ok, nodata, nxdomain, servfail, timeout, bogus */
	"  confirmed INTEGER NOT NULL,"		/* 1: an A/AAAA of the name is ip (FCrDNS) */
	"  resolved_at INTEGER NOT NULL);",
};

static const char *const MIGRATIONS_PG[] = {
	/* 0 -> 1 */
	"CREATE TABLE reports ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  kind text NOT NULL,"			/* dmarc, tlsrpt, failure */
	"  org_name text NOT NULL,"
	"  report_id text NOT NULL,"
	"  policy_domain text NOT NULL,"
	"  begin_ts bigint, end_ts bigint,"
	"  email text, extra_contact_info text, xmlns text, version text, generator text,"
	"  errors text,"
	"  policy jsonb,"				/* policy_published */
	"  messages bigint NOT NULL DEFAULT 0,"
	"  origin text, ingested_at bigint NOT NULL,"
	"  UNIQUE (kind, org_name, report_id, policy_domain));"
	"CREATE INDEX reports_domain ON reports (policy_domain, end_ts);"
	"CREATE TABLE dmarc_rows ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  report bigint NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	"  source_ip text, count bigint NOT NULL,"
	"  disposition text, dkim text, spf text, reasons text, policy_test_mode text,"
	"  header_from text, envelope_from text, envelope_to text,"
	"  dkim_auth jsonb, spf_auth jsonb,"		/* auth_results as arrays */
	"  dkim_pass_domains text NOT NULL DEFAULT '', spf_pass_domain text NOT NULL DEFAULT '');"
	"CREATE INDEX dmarc_rows_report ON dmarc_rows (report);"
	"CREATE TABLE tlsrpt_policies ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  report bigint NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	"  policy_type text, policy_domain text, policy_string text, mx_host text,"
	"  success bigint NOT NULL, failure bigint NOT NULL);"
	"CREATE INDEX tlsrpt_policies_report ON tlsrpt_policies (report);"
	"CREATE TABLE tlsrpt_failures ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  policy bigint NOT NULL REFERENCES tlsrpt_policies(id) ON DELETE CASCADE,"
	"  result_type text, sending_mta_ip text, receiving_mx_hostname text,"
	"  receiving_mx_helo text, receiving_ip text, failed_session_count bigint NOT NULL,"
	"  additional_information text, failure_reason_code text);"
	"CREATE INDEX tlsrpt_failures_policy ON tlsrpt_failures (policy);"
	"CREATE TABLE failures ("
	"  report bigint NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
	"  feedback_type text, source_ip text, arrival_date text, original_mail_from text,"
	"  original_rcpt_to text, auth_failure text, authentication_results text,"
	"  delivery_result text, sample bytea);"
	"CREATE INDEX failures_report ON failures (report);"
	"CREATE TABLE rejected ("
	"  sha256 text PRIMARY KEY, origin text, reason text NOT NULL,"
	"  first_seen bigint NOT NULL, size bigint NOT NULL, data bytea);",
	/* 1 -> 2: check history (mailsec check --db) */
	"CREATE TABLE checks ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  run_id text NOT NULL,"
	"  domain text NOT NULL,"
	"  checked_at bigint NOT NULL,"
	"  profile text, mailsec_version text,"
	"  n_pass bigint NOT NULL, n_info bigint NOT NULL, n_warning bigint NOT NULL,"
	"  n_error bigint NOT NULL, n_unknown bigint NOT NULL,"
	"  grade text NOT NULL,"
	"  doc json NOT NULL,"			/* the domain object of mailsec/1, text kept as given */
	"  UNIQUE (run_id, domain));"
	"CREATE INDEX checks_domain ON checks (domain, checked_at);"
	"CREATE TABLE check_findings ("
	"  check_id bigint NOT NULL REFERENCES checks(id) ON DELETE CASCADE,"
	"  seq integer NOT NULL,"
	"  finding text NOT NULL, severity text NOT NULL, subject text, message text,"
	"  PRIMARY KEY (check_id, seq));",
	/* 2 -> 3: monitor rounds and what changed between checks (history/history.h) */
	"ALTER TABLE checks ADD COLUMN round text;"	/* the monitor's claim generation, or NULL */
	"CREATE UNIQUE INDEX checks_domain_round ON checks (domain, round) WHERE round IS NOT NULL;"
	"CREATE TABLE events ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  check_id bigint NOT NULL REFERENCES checks(id) ON DELETE CASCADE,"
	"  domain text NOT NULL,"
	"  at bigint NOT NULL,"
	"  run_id text NOT NULL, prev_run_id text, round text,"
	"  kind text NOT NULL,"			/* docs/events.md */
	"  area text, subject text, finding text, severity text, item text,"
	"  old_value text, new_value text);"
	"CREATE INDEX events_domain ON events (domain, at);"
	"CREATE INDEX events_at ON events (at);"
	"CREATE INDEX events_check ON events (check_id);",
	/* 3 -> 4: workspaces, their domains, the monitor's rounds and leases (docs/monitor.md) */
	"CREATE TABLE workspaces ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  name text NOT NULL UNIQUE,"
	"  created_at bigint NOT NULL);"
	"CREATE TABLE monitored ("
	"  domain text PRIMARY KEY,"
	"  added_by text NOT NULL,"
	"  added_at bigint NOT NULL,"
	"  last_checked bigint,"
	"  last_round bigint,"
	"  round bigint,"
	"  lease_owner text, lease_until bigint);"
	"CREATE INDEX monitored_round ON monitored (round, lease_until);"
	"CREATE TABLE workspace_domains ("
	"  workspace bigint NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  domain text NOT NULL REFERENCES monitored(domain),"
	"  profile text NOT NULL,"
	"  parked integer NOT NULL DEFAULT 0,"
	"  selectors text NOT NULL DEFAULT '',"
	"  sending_hosts text NOT NULL DEFAULT '',"
	"  interval_s bigint NOT NULL,"
	"  added_at bigint NOT NULL,"
	"  PRIMARY KEY (workspace, domain));"
	"CREATE INDEX workspace_domains_domain ON workspace_domains (domain);"
	"CREATE TABLE rounds ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  started_at bigint NOT NULL,"
	"  finished_at bigint,"
	"  domains bigint NOT NULL);"
	"CREATE TABLE workspace_grades ("
	"  workspace bigint NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  domain text NOT NULL,"
	"  round bigint NOT NULL,"
	"  profile text NOT NULL, grade text NOT NULL,"
	"  n_error bigint NOT NULL, n_warning bigint NOT NULL, n_unknown bigint NOT NULL,"
	"  PRIMARY KEY (workspace, domain, round));",
	/* 4 -> 5: accounts of mailsec serve (docs/serve.md): users, memberships, sessions, API tokens, sign-in failures, ownership proofs */
	"CREATE TABLE users ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  name text NOT NULL UNIQUE,"
	"  role text NOT NULL,"			/* admin, member, viewer */
	"  password_hash text NOT NULL,"		/* Argon2id encoded string */
	"  created_at bigint NOT NULL,"
	"  disabled integer NOT NULL DEFAULT 0);"
	"CREATE TABLE memberships ("
	"  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  workspace bigint NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (user_id, workspace));"
	"CREATE TABLE sessions ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  hash text NOT NULL UNIQUE,"		/* SHA-256 of the cookie, hex */
	"  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  created_at bigint NOT NULL, last_seen bigint NOT NULL,"
	"  csrf text NOT NULL,"
	"  client text);"
	"CREATE INDEX sessions_user ON sessions (user_id);"
	"CREATE TABLE api_tokens ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  hash text NOT NULL UNIQUE,"		/* SHA-256 of the token, hex */
	"  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  workspace bigint NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  created_at bigint NOT NULL, last_used bigint, revoked_at bigint);"
	"CREATE TABLE login_failures ("
	"  name text NOT NULL, client text NOT NULL, at bigint NOT NULL);"
	"CREATE INDEX login_failures_name ON login_failures (name, at);"
	"CREATE INDEX login_failures_client ON login_failures (client, at);"
	"CREATE TABLE ownership_proofs ("
	"  workspace bigint NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  domain text NOT NULL,"
	"  token text NOT NULL,"
	"  created_at bigint NOT NULL,"
	"  verified_at bigint,"
	"  how text,"				/* dns, admin */
	"  PRIMARY KEY (workspace, domain));"
	"CREATE INDEX ownership_proofs_domain ON ownership_proofs (domain);",
	/* 5 -> 6: notification targets, the outbox, what the triggers remember (docs/notify.md) */
	"CREATE TABLE notify_targets ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  workspace bigint NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
	"  kind text NOT NULL,"
	"  address text NOT NULL,"
	"  secret text,"
	"  triggers text NOT NULL,"
	"  created_at bigint NOT NULL);"
	"CREATE TABLE outbox ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  target bigint NOT NULL REFERENCES notify_targets(id) ON DELETE CASCADE,"
	"  event_ids text NOT NULL,"
	"  payload text NOT NULL,"
	"  created bigint NOT NULL,"
	"  attempts bigint NOT NULL DEFAULT 0,"
	"  next_attempt bigint NOT NULL,"
	"  sent_at bigint,"
	"  last_error text);"
	"CREATE INDEX outbox_due ON outbox (sent_at, next_attempt);"
	"CREATE TABLE notify_cert_warned ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  target bigint NOT NULL REFERENCES notify_targets(id) ON DELETE CASCADE,"
	"  subject text NOT NULL, not_after text NOT NULL, threshold bigint NOT NULL,"
	"  at bigint NOT NULL,"
	"  UNIQUE (target, subject, not_after, threshold));"
	"CREATE TABLE notify_state ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  target bigint NOT NULL REFERENCES notify_targets(id) ON DELETE CASCADE,"
	"  key text NOT NULL,"
	"  at bigint NOT NULL,"
	"  UNIQUE (target, key));",
	/* 6 -> 7: results of one area only (lmtpd's outbound assessments, docs/lmtpd.md) */
	"ALTER TABLE checks ADD COLUMN area text;",
	/* 7 -> 8: the monitor's last full DKIM scan and the selectors it found (docs/monitor.md) */
	("ALTER TABLE monitored ADD COLUMN full_scan_at bigint;"
	 "ALTER TABLE monitored ADD COLUMN dkim_known text;"),
	/* 8 -> 9: each domain's latest whole check, summed up for the fleet overview (store_put.c keeps it) */
	"CREATE TABLE domain_latest ("
	"  domain text PRIMARY KEY,"
	"  check_id bigint NOT NULL REFERENCES checks(id) ON DELETE CASCADE,"
	"  checked_at bigint NOT NULL,"
	"  grade text NOT NULL,"
	"  n_pass bigint NOT NULL, n_info bigint NOT NULL, n_warning bigint NOT NULL,"
	"  n_error bigint NOT NULL, n_unknown bigint NOT NULL,"
	"  areas text);"
	"CREATE INDEX domain_latest_check ON domain_latest (check_id);"
	"CREATE TABLE domain_latest_findings ("
	"  domain text NOT NULL REFERENCES domain_latest(domain) ON DELETE CASCADE,"
	"  finding text NOT NULL, severity text NOT NULL, area text NOT NULL);"
	"CREATE INDEX domain_latest_findings_domain ON domain_latest_findings (domain, area, severity, finding);"
	"INSERT INTO domain_latest (domain, check_id, checked_at, grade, n_pass, n_info, n_warning,"
	"  n_error, n_unknown, areas)"
	" SELECT DISTINCT ON (c.domain) c.domain, c.id, c.checked_at, c.grade, c.n_pass, c.n_info,"
	"  c.n_warning, c.n_error, c.n_unknown, " STORE_LATEST_AREAS_PG " FROM checks c"
	" WHERE COALESCE(c.area, '') = '' ORDER BY c.domain, c.checked_at DESC, c.id DESC;"
	"INSERT INTO domain_latest_findings (domain, finding, severity, area) "
	STORE_LATEST_FINDINGS_PG ";",
	/* 9 -> 10: reverse names of report source addresses, resolved by the monitor (docs/serve.md) */
	"CREATE TABLE source_names ("
	"  ip text PRIMARY KEY,"
	"  name text,"
	"  status text NOT NULL,"
	"  confirmed integer NOT NULL,"
	"  resolved_at bigint NOT NULL);",
};

#define NMIGRATIONS	((int)(sizeof(MIGRATIONS_SQLITE) / sizeof(MIGRATIONS_SQLITE[0])))

_Static_assert(sizeof(MIGRATIONS_SQLITE) == sizeof(MIGRATIONS_PG),
    "one schema version: both databases have the same number of migrations");

/* The tables each schema version has (SQLite names, sorted), to recognise files made before application_id. */
static const char *const SCHEMA_TABLES[NMIGRATIONS + 1] = {
	"",
	"dmarc_rows failures rejected reports tlsrpt_failures tlsrpt_policies",
	"check_findings checks dmarc_rows failures rejected reports tlsrpt_failures tlsrpt_policies",
	"check_findings checks dmarc_rows events failures rejected reports tlsrpt_failures tlsrpt_policies",
	("check_findings checks dmarc_rows events failures monitored rejected reports rounds tlsrpt_failures "
	 "tlsrpt_policies workspace_domains workspace_grades workspaces"),
	("api_tokens check_findings checks dmarc_rows events failures login_failures memberships monitored "
	 "ownership_proofs rejected reports rounds sessions tlsrpt_failures tlsrpt_policies users "
	 "workspace_domains workspace_grades workspaces"),
	("api_tokens check_findings checks dmarc_rows events failures login_failures memberships "
	 "monitored notify_cert_warned notify_state notify_targets outbox ownership_proofs rejected "
	 "reports rounds sessions tlsrpt_failures tlsrpt_policies users workspace_domains "
	 "workspace_grades workspaces"),
	("api_tokens check_findings checks dmarc_rows events failures login_failures memberships "
	 "monitored notify_cert_warned notify_state notify_targets outbox ownership_proofs rejected "
	 "reports rounds sessions tlsrpt_failures tlsrpt_policies users workspace_domains "
	 "workspace_grades workspaces"),
	("api_tokens check_findings checks dmarc_rows events failures login_failures memberships "
	 "monitored notify_cert_warned notify_state notify_targets outbox ownership_proofs rejected "
	 "reports rounds sessions tlsrpt_failures tlsrpt_policies users workspace_domains "
	 "workspace_grades workspaces"),
	("api_tokens check_findings checks dmarc_rows domain_latest domain_latest_findings events "
	 "failures login_failures memberships monitored notify_cert_warned notify_state notify_targets "
	 "outbox ownership_proofs rejected reports rounds sessions tlsrpt_failures tlsrpt_policies users "
	 "workspace_domains workspace_grades workspaces"),
	("api_tokens check_findings checks dmarc_rows domain_latest domain_latest_findings events "
	 "failures login_failures memberships monitored notify_cert_warned notify_state notify_targets "
	 "outbox ownership_proofs rejected reports rounds sessions source_names tlsrpt_failures "
	 "tlsrpt_policies users workspace_domains workspace_grades workspaces"),
};

_Static_assert(sizeof(SCHEMA_TABLES) / sizeof(SCHEMA_TABLES[0]) == NMIGRATIONS + 1,
    "a table list for every schema version");

#define PG_SCHEMA_LOCK	"7163629873"	/* pg_advisory_xact_lock key: "mailsec" schema changes */

/* store_schema_version - the number of migrations, the same for both databases */
int
store_schema_version(void)
{
	return NMIGRATIONS;
}

/* What a SQLite file is, as far as mailsec is concerned. */
enum file_kind { FILE_NEW, FILE_OURS, FILE_NEWER, FILE_FOREIGN };

struct sqlite_file {
	enum file_kind kind;
	int version;			/* user_version */
	int64_t app_id;			/* application_id */
	char tables[512];		/* its tables, for the message refusing a foreign file */
};

/* has_tables - every word of want is a word of have */
static bool
has_tables(const char *have, const char *want)
{
	size_t hl = strlen(have);

	while (*want) {
		size_t n = strcspn(want, " ");
		bool found = false;

		for (const char *p = have; p && p < have + hl; ) {
			size_t m = strcspn(p, " ");

			if (m == n && memcmp(p, want, n) == 0) {
				found = true;
				break;
			}
			p += m;
			p += *p == ' ';
		}
		if (!found)
			return false;
		want += n;
		want += *want == ' ';
	}
	return true;
}

/* sqlite_identify - read application_id, user_version and the tables of s's file (reads only) */
static enum ms_status
sqlite_identify(struct store *s, struct sqlite_file *f)
{
	struct db_stmt *st = NULL;
	int64_t objects, keycols;
	const char *tables;

	memset(f, 0, sizeof(*f));
	if (db_prepare(s->db,
	    "SELECT (SELECT application_id FROM pragma_application_id()),"
	    " (SELECT user_version FROM pragma_user_version()),"
	    " (SELECT count(*) FROM sqlite_master),"
	    " (SELECT count(*) FROM pragma_table_info('reports')"
	    "   WHERE name IN ('kind', 'org_name', 'report_id', 'policy_domain', 'ingested_at')),"
	    " (SELECT group_concat(name, ' ') FROM"
	    "   (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name))", &st) != MS_OK)
		return store_fail(s, "read the database header");
	if (db_step(st) != DB_ROW) {
		db_finalize(st);
		return store_fail(s, "read the database header");
	}
	f->app_id = db_column_int(st, 0);
	f->version = (int)db_column_int(st, 1);
	objects = db_column_int(st, 2);
	keycols = db_column_int(st, 3);
	tables = db_column_text(st, 4);
	snprintf(f->tables, sizeof(f->tables), "%s", tables ? tables : "");
	if (f->app_id == STORE_APPLICATION_ID)
		f->kind = f->version > NMIGRATIONS ? FILE_NEWER : FILE_OURS;
	else if (f->app_id != 0)
		f->kind = FILE_FOREIGN;
	else if (f->version == 0 && objects == 0)
		f->kind = FILE_NEW;
	else if (f->version > NMIGRATIONS)
		f->kind = FILE_NEWER;
	else if (f->version >= 1 && keycols == 5 && tables &&
	    has_tables(tables, SCHEMA_TABLES[f->version]))
		f->kind = FILE_OURS;	/* made by a mailsec from before application_id */
	else
		f->kind = FILE_FOREIGN;
	db_finalize(st);
	return MS_OK;
}

/* refuse - the error for a file that is not ours or is newer; MS_ERR_ARG */
static enum ms_status
refuse(struct store *s, const struct sqlite_file *f)
{
	if (f->kind == FILE_NEWER)
		snprintf(s->err, sizeof(s->err),
		    "database schema version %d is newer than this mailsec (%d)", f->version, NMIGRATIONS);
	else
		snprintf(s->err, sizeof(s->err),
		    "not a mailsec database (application_id 0x%08llx, user_version %d, tables: %.300s); "
		    "left untouched", (unsigned long long)f->app_id, f->version,
		    f->tables[0] ? f->tables : "none");
	return MS_ERR_ARG;
}

/*
 * lock_version - inside the step's transaction: take the schema lock, read
 * the version into *v; *mark when a SQLite file lacks mailsec's application_id
 */
static enum ms_status
lock_version(struct store *s, int *v, bool *mark)
{
	struct db_stmt *st = NULL;
	struct sqlite_file f;
	enum ms_status rc;

	*mark = false;
	if (db_dialect(s->db) == DB_SQLITE) {
		/* BEGIN IMMEDIATE took the write lock: read under it */
		if ((rc = sqlite_identify(s, &f)) != MS_OK)
			return rc;
		if (f.kind == FILE_NEWER || f.kind == FILE_FOREIGN)
			return refuse(s, &f);
		*v = f.version;
		*mark = f.app_id != STORE_APPLICATION_ID;
		return MS_OK;
	}
	if (db_exec(s->db, "SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK ")") != MS_OK ||
	    db_exec(s->db, "CREATE TABLE IF NOT EXISTS mailsec_schema (version integer NOT NULL)") != MS_OK)
		return store_fail(s, "lock the schema");
	if (db_prepare(s->db, "SELECT max(version) FROM mailsec_schema", &st) != MS_OK ||
	    db_step(st) != DB_ROW) {
		db_finalize(st);
		return store_fail(s, "read schema version");
	}
	*v = (int)db_column_int(st, 0);		/* NULL (no row yet) reads 0 */
	db_finalize(st);
	if (*v > NMIGRATIONS) {
		snprintf(s->err, sizeof(s->err),
		    "database schema version %d is newer than this mailsec (%d)", *v, NMIGRATIONS);
		return MS_ERR_ARG;
	}
	return MS_OK;
}

/* write_version - record version v (and on SQLite mailsec's application_id) in the step's transaction */
static enum ms_status
write_version(struct store *s, int v)
{
	struct db_stmt *st = NULL;
	char sql[96];

	if (db_dialect(s->db) == DB_SQLITE) {
		/* pragmas take no parameters: v and the id are integers formatted here */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d", v,
		    STORE_APPLICATION_ID);
		return db_exec(s->db, sql) == MS_OK ? MS_OK : store_fail(s, "write schema version");
	}
	if (db_exec(s->db, "DELETE FROM mailsec_schema") != MS_OK ||
	    db_prepare(s->db, "INSERT INTO mailsec_schema (version) VALUES (?)", &st) != MS_OK)
		return store_fail(s, "write schema version");
	db_bind_int(st, 1, v);
	if (db_step(st) != DB_DONE) {
		db_finalize(st);
		return store_fail(s, "write schema version");
	}
	db_finalize(st);
	return MS_OK;
}

/* mark_ours - a file an older mailsec made gets mailsec's application_id */
static enum ms_status
mark_ours(struct store *s)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", STORE_APPLICATION_ID);
	return db_exec(s->db, sql) == MS_OK ? MS_OK : store_fail(s, "write application_id");
}

/*
 * migrate_step - in one transaction under the schema lock: read the
 * version, apply the next migration if there is one.  *done when there was
 * nothing left to apply.
 */
static enum ms_status
migrate_step(struct store *s, bool *done)
{
	const char *const *m = db_dialect(s->db) == DB_SQLITE ? MIGRATIONS_SQLITE : MIGRATIONS_PG;
	enum ms_status rc;
	bool mark;
	int v = 0;

	*done = false;
	if (db_begin(s->db) != MS_OK)
		return store_fail(s, "lock the schema");
	if ((rc = lock_version(s, &v, &mark)) != MS_OK)
		goto undo;
	if (v == NMIGRATIONS) {
		*done = true;
		if (mark && (rc = mark_ours(s)) != MS_OK)
			goto undo;
	} else if (db_exec(s->db, m[v]) != MS_OK) {
		char what[48];

		snprintf(what, sizeof(what), "migrate the schema to version %d", v + 1);
		rc = store_fail(s, what);
		goto undo;
	} else if ((rc = write_version(s, v + 1)) != MS_OK)
		goto undo;
	if (db_commit(s->db) != MS_OK)
		return store_fail(s, "commit the schema");
	return MS_OK;
undo:
	store_undo(s, NULL);
	return rc;
}

/* store_schema_ready - check, create or migrate the schema of s's database */
enum ms_status
store_schema_ready(struct store *s, bool *migrate)
{
	struct sqlite_file f;
	enum ms_status rc;
	bool done = false;

	*migrate = false;
	if (db_dialect(s->db) == DB_SQLITE) {
		if ((rc = sqlite_identify(s, &f)) != MS_OK)
			return rc;
		if (f.kind == FILE_NEWER || f.kind == FILE_FOREIGN)
			return refuse(s, &f);
		if (s->mode == STORE_READ) {
			*migrate = f.kind == FILE_NEW || f.version < NMIGRATIONS;
			return MS_OK;
		}
		/* WAL: a killed writer leaves the last committed state; readers never block */
		if (db_exec(s->db, "PRAGMA journal_mode = WAL") != MS_OK)
			return store_fail(s, "journal mode");
	}
	while (!done)
		if ((rc = migrate_step(s, &done)) != MS_OK)
			return rc;
	return MS_OK;
}
