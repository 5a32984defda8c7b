"""tests/groups/monitor.py - workspaces, domains and `mailsec monitor` on SQLite and on a private PostgreSQL.

Workspaces and domains (add, list, remove, import as a list and as CSV, the
JSON of both list commands validated against docs/schema), then the monitor
over replay data (tests/monitor/world.zone, never the network): --once checks
what is due and nothing twice, --once --all checks everything in a new round,
a short interval makes one domain due again, a domain in two workspaces is
checked once with the union of their DKIM selectors; a worker killed with
SIGKILL while it holds a lease loses nothing (another reclaims the domain
after the lease and each domain has exactly one result for the round);
a worker killed with a batch of finished domains not yet committed
(--commit-every, --commit-delay) loses nothing either: none of them is
stored, all are reclaimed after the lease and stored exactly once; a
batch whose commit fails (the grades inserted at the commit refused by a
trigger) keeps nothing, releases its domains, and a later run stores each
once; one domain's result refused by a trigger in a batch leaves the
others stored, nothing of it written, and the next run stores it once;
SIGTERM stops claiming, finishes what is in flight, releases the rest and
exits 0, also from the idle sleep of the forever mode.  Known selectors
(tests/monitor/known.zone): after a full round, a narrowed round asks only
the selectors keys were found at ($MAILSEC_DNS_LOG, --stats by area) and
gives the full round's findings and no event; a removed key gives the same
events as on a database run with --full-scan-every 0, and no more the round
after; all known keys gone: a full scan at once; a full scan a week old is
repeated.  The claimed batch's selectors from DMARC reports (one query)
equal check --selectors-from-reports' per domain.  The same scenarios
run on a SQLite file and on a private PostgreSQL (tests/pgserver.py; skipped
loudly without it, a failure when CI=true).  The several-machines test is
tests/groups/monitor_fleet.py.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from harness import ROOT, Result, skip_or_fail, validate_json
from harness import run as hrun
from pgserver import PgBackend, PgServer, SqliteBackend

NAME = "monitor"
ZONE = os.path.join(ROOT, "tests", "monitor", "world.zone")
SCALE = float(os.environ.get("MAILSEC_TEST_TIME_SCALE", "1"))


def sanitizer(err):
    return "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err


class T:
    def __init__(self, args, be, tmp):
        self.args, self.be, self.tmp, self.res = args, be, tmp, []

    def ms(self, argv, timeout=120):
        rc, out, err = hrun([self.args.mailsec] + argv, wrapper=self.args.wrapper, timeout=timeout)
        return rc, out, err

    def spawn(self, argv):
        cmd = (self.args.wrapper or []) + [self.args.mailsec] + argv
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def check(self, name, problems):
        self.res.append(Result(NAME, self.be.label(name), "fail" if problems else "pass", "\n".join(problems)))

    def results(self, db, rnd=None):
        """{domain: number of stored results} (of round rnd when given: history's round, run id round-N)."""
        sql = "SELECT domain, COUNT(*) FROM checks %sGROUP BY domain" % (
            "WHERE round = '%d' AND run_id = 'round-%d' " % (rnd, rnd) if rnd else "")
        return {d: n for d, n in self.be.query(db, sql)}

    def leases(self, db):
        return self.be.query(db, "SELECT COUNT(*) FROM monitored WHERE lease_owner IS NOT NULL")[0][0]


def expect_rc(p, what, rc, want, err):
    if rc != want:
        p.append("%s: exit %d, want %d: %s" % (what, rc, want, err[-600:]))
    if sanitizer(err):
        p.append("%s: sanitizer: %s" % (what, err[-2000:]))


def workspaces(t):
    db = t.be.new("ws")
    p = []
    for name in ("acme", "beta", "gamma"):
        rc, out, err = t.ms(["workspace", "add", name, "--db", db])
        expect_rc(p, "workspace add " + name, rc, 0, err)
    rc, out, err = t.ms(["workspace", "add", "acme", "--db", db])
    expect_rc(p, "workspace add acme again", rc, 0, err)
    if "exists" not in out:
        p.append("a second add does not say the workspace exists: %r" % out)
    for bad in (["workspace", "add", "bad name"], ["workspace", "add", "-x"], ["workspace"],
                ["workspace", "frob", "x"], ["workspace", "add"], ["workspace", "list", "x"]):
        rc, out, err = t.ms(bad + ["--db", db])
        expect_rc(p, " ".join(bad), rc, 2, err)
    rc, out, err = t.ms(["workspace", "remove", "gamma", "--db", db])
    expect_rc(p, "workspace remove gamma", rc, 0, err)
    rc, out, err = t.ms(["workspace", "remove", "gamma", "--db", db])
    expect_rc(p, "workspace remove gamma again", rc, 1, err)
    rc, out, err = t.ms(["workspace", "list", "--format", "json", "--db", db])
    expect_rc(p, "workspace list --format json", rc, 0, err)
    if rc == 0:
        doc = json.loads(out)
        p += ["schema: " + e for e in validate_json(doc, "mailsec-workspaces-1.json")]
        names = [w["name"] for w in doc["workspaces"]]
        if names != ["acme", "beta"]:
            p.append("workspaces listed: %r, want acme, beta" % names)
    t.check("workspace: add, add again, remove, list --format json (schema), usage errors exit 2", p)


def domains(t):
    db = t.be.new("domains")
    p = []
    for name in ("acme", "beta"):
        t.ms(["workspace", "add", name, "--db", db])
    rc, out, err = t.ms(["domains", "add", "--workspace", "acme", "--db", db, "A.test.", "b.test",
                         "--dkim-selector", "acmesel", "--interval", "12h"])
    expect_rc(p, "domains add", rc, 0, err)
    time.sleep(1.1)  # so the second workspace adds a.test a second later
    rc, out, err = t.ms(["domains", "add", "--workspace", "beta", "--db", db, "a.test",
                         "--dkim-selector", "betasel,other", "--profile", "uk-public-sector", "--parked"])
    expect_rc(p, "domains add (beta)", rc, 0, err)
    for bad in (["domains", "add", "x.test"],                              # no --workspace
                ["domains", "add", "--workspace", "nosuch", "x.test"],    # no such workspace
                ["domains", "add", "--workspace", "acme", "not a domain"],
                ["domains", "add", "--workspace", "acme", "x.test", "--interval", "0"],
                ["domains", "add", "--workspace", "acme", "x.test", "--profile", "nosuch"],
                ["domains", "add", "--workspace", "acme", "x.test", "--dkim-selector", "a/b"],
                ["domains", "list", "x.test"], ["domains", "remove", "--workspace", "acme"],
                ["domains", "frob"]):
        rc, out, err = t.ms(bad + ["--db", db])
        expect_rc(p, " ".join(bad), rc, 2, err)
    # import: a list, then CSV with settings; a bad file imports nothing
    lst = os.path.join(t.tmp, "list.txt")
    open(lst, "w").write("# our domains\nc.test\n\n  d.test   # parked soon\n")
    rc, out, err = t.ms(["domains", "import", "--workspace", "acme", "--db", db, lst])
    expect_rc(p, "domains import (list)", rc, 0, err)
    csv = os.path.join(t.tmp, "doms.csv")
    open(csv, "w").write('domain,profile,parked,dkim_selectors,sending_hosts,interval\r\n'
                         'e.test,uk-public-sector,yes,"k9,k8",mail.e.test;192.0.2.7,7d\r\n'
                         'c.test,,no,,,30m\r\n')
    rc, out, err = t.ms(["domains", "import", "--workspace", "beta", "--db", db, csv])
    expect_rc(p, "domains import (CSV)", rc, 0, err)
    badcsv = os.path.join(t.tmp, "bad.csv")
    open(badcsv, "w").write("domain,interval\nf.test,1h\ng.test,soon\n")
    rc, out, err = t.ms(["domains", "import", "--workspace", "beta", "--db", db, badcsv])
    expect_rc(p, "domains import (bad CSV)", rc, 2, err)
    if "line 3" not in err:
        p.append("bad CSV: the error does not name line 3: %r" % err)
    rc, out, err = t.ms(["domains", "remove", "--workspace", "acme", "--db", db, "d.test", "zz.test"])
    expect_rc(p, "domains remove (one not there)", rc, 1, err)
    rc, out, err = t.ms(["domains", "list", "--format", "json", "--db", db])
    expect_rc(p, "domains list --format json", rc, 0, err)
    if rc == 0:
        doc = json.loads(out)
        p += ["schema: " + e for e in validate_json(doc, "mailsec-domains-1.json")]
        got = {(d["workspace"], d["domain"]): d for d in doc["domains"]}
        want = {("acme", "a.test"), ("acme", "b.test"), ("acme", "c.test"), ("beta", "a.test"),
                ("beta", "c.test"), ("beta", "e.test")}
        if set(got) != want:
            p.append("listed %r, want %r" % (sorted(got), sorted(want)))
        else:
            a, ba, e, bc = got[("acme", "a.test")], got[("beta", "a.test")], got[("beta", "e.test")], \
                got[("beta", "c.test")]
            if a["dkim_selectors"] != ["acmesel"] or a["interval"] != 43200 or a["profile"] != "generic":
                p.append("acme a.test settings: %r" % a)
            if ba["dkim_selectors"] != ["betasel", "other"] or not ba["parked"] or \
                    ba["profile"] != "uk-public-sector" or ba["interval"] != 86400:
                p.append("beta a.test settings: %r" % ba)
            if ba["added_by"] != "acme" or a["added_by"] != "acme" or ba["first_added"] != a["added"] or \
                    ba["added"] <= a["added"]:
                p.append("a.test: added_by/first_added do not name acme and its time: %r %r" % (a, ba))
            if e["dkim_selectors"] != ["k8", "k9"] or e["sending_hosts"] != ["192.0.2.7", "mail.e.test"] or \
                    not e["parked"] or e["interval"] != 7 * 86400 or e["profile"] != "uk-public-sector":
                p.append("imported e.test settings: %r" % e)
            if bc["interval"] != 1800 or bc["parked"]:
                p.append("imported c.test settings: %r" % bc)
            if any(d["last_checked"] is not None for d in doc["domains"]):
                p.append("a domain is listed as checked before any monitor ran")
    rc, out, err = t.ms(["domains", "list", "--workspace", "acme", "--db", db])
    expect_rc(p, "domains list --workspace acme", rc, 0, err)
    if rc == 0 and sorted(l.split("\t")[1] for l in out.splitlines()) != ["a.test", "b.test", "c.test"]:
        p.append("domains list --workspace acme: %r" % out)
    # removing a workspace stops monitoring the domains only it held
    t.ms(["workspace", "remove", "beta", "--db", db])
    mon = sorted(r[0] for r in t.be.query(db, "SELECT domain FROM monitored"))
    if mon != ["a.test", "b.test", "c.test"]:
        p.append("after removing beta, monitored: %r" % mon)
    t.check("domains: add, settings, two workspaces, import (list, CSV, a bad CSV all or nothing), remove, "
            "list --format json (schema)", p)


def fill(t, db, extra=()):
    """acme: a.test b.test c.test; beta: a.test (another selector) and d.test; extra rows too."""
    t.ms(["workspace", "add", "acme", "--db", db])
    t.ms(["workspace", "add", "beta", "--db", db])
    t.ms(["domains", "add", "--workspace", "acme", "--db", db, "a.test", "b.test", "c.test",
          "--dkim-selector", "acmesel"])
    t.ms(["domains", "add", "--workspace", "beta", "--db", db, "a.test", "d.test", "--dkim-selector",
          "betasel"])
    for ws, doms, opts in extra:
        t.ms(["domains", "add", "--workspace", ws, "--db", db] + list(doms) + list(opts))


def once(t):
    db = t.be.new("once")
    p = []
    fill(t, db)
    mon = ["monitor", "--db", db, "--replay", ZONE]
    rc, out, err = t.ms(mon + ["--once"])
    expect_rc(p, "monitor --once", rc, 0, err)
    got = t.results(db, 1)
    if got != {"a.test": 1, "b.test": 1, "c.test": 1, "d.test": 1}:
        p.append("round 1 results %r, want one per domain" % got)
    if "event=round-done round=1 total=4" not in err:
        p.append("no round-done log line: %r" % err[-800:])
    doc = t.be.query(db, "SELECT doc FROM checks WHERE domain = 'a.test'")
    if doc and not ("acmesel" in doc[0][0] and "betasel" in doc[0][0]):
        p.append("a.test was not checked with both workspaces' selectors")
    rc, out, err = t.ms(mon + ["--once"])
    expect_rc(p, "monitor --once (nothing due)", rc, 0, err)
    if sum(t.results(db).values()) != 4 or "event=idle" not in err:
        p.append("a second --once checked something: %r %r" % (t.results(db), err[-400:]))
    # round 2 over a world where a.test's SPF record changed: history keeps the events
    zone2 = os.path.join(t.tmp, "world2.zone")
    open(zone2, "w").write(open(ZONE).read().replace('a.test.          TXT  "v=spf1 mx -all"',
                                                     'a.test.          TXT  "v=spf1 mx ~all"'))
    rc, out, err = t.ms(["monitor", "--db", db, "--replay", zone2, "--once", "--all"])
    expect_rc(p, "monitor --once --all", rc, 0, err)
    if t.results(db, 2) != {"a.test": 1, "b.test": 1, "c.test": 1, "d.test": 1}:
        p.append("--once --all: round 2 results %r" % t.results(db, 2))
    first = t.be.query(db, "SELECT domain, COUNT(*) FROM events WHERE kind = 'first-check' "
                           "AND round = '1' GROUP BY domain ORDER BY domain")
    if [(d, n) for d, n in first] != [("a.test", 1), ("b.test", 1), ("c.test", 1), ("d.test", 1)]:
        p.append("round 1 first-check events %r, want one per domain" % first)
    recs = t.be.query(db, "SELECT domain, area, old_value, new_value FROM events WHERE kind = 'record' "
                          "AND round = '2' ORDER BY domain, area")
    if recs != [("a.test", "spf", "v=spf1 mx -all", "v=spf1 mx ~all")]:
        p.append("round 2 record events %r, want a.test's SPF record only" % recs)
    # mailsec events --workspace: only the events of the workspace's domains
    for argv, want in ((["--workspace", "acme"], {"a.test", "b.test", "c.test"}),
                       (["--workspace", "beta"], {"a.test", "d.test"}),
                       (["--workspace", "beta", "--domain", "b.test"], set()),
                       (["--workspace", "beta", "--domain", "d.test"], {"d.test"})):
        rc, out, err = t.ms(["events", "--db", db, "--format", "json"] + argv)
        expect_rc(p, "events " + " ".join(argv), rc, 0, err)
        if rc == 0:
            doc = json.loads(out)
            p += ["events schema: " + e for e in validate_json(doc, "mailsec-events-1.json")]
            got = {e["domain"] for e in doc["events"]}
            if got != want or doc["workspace"] != argv[1]:
                p.append("events %s: domains %r, workspace %r; want %r" % (argv, got, doc["workspace"], want))
            elif want and "first-check" not in {e["kind"] for e in doc["events"]}:
                p.append("events %s: no first-check among %d events" % (argv, len(doc["events"])))
    rc, out, err = t.ms(["events", "--db", db, "--workspace", "nosuch"])
    expect_rc(p, "events --workspace nosuch", rc, 2, err)
    if "nosuch" not in err or out:
        p.append("events --workspace nosuch: %r %r" % (out[:200], err[-300:]))
    # a short interval makes one domain due again
    t.ms(["domains", "add", "--workspace", "beta", "--db", db, "d.test", "--interval", "1s"])
    time.sleep(1.2)
    rc, out, err = t.ms(mon + ["--once"])
    expect_rc(p, "monitor --once (d.test due)", rc, 0, err)
    if t.results(db, 3) != {"d.test": 1}:
        p.append("after d.test's 1 s interval, round 3 results %r, want d.test only" % t.results(db, 3))
    rounds = t.be.query(db, "SELECT id, domains, finished_at IS NOT NULL FROM rounds ORDER BY id")
    if [(r[0], r[1]) for r in rounds] != [(1, 4), (2, 4), (3, 1)] or \
            any(r[2] not in (1, "t", True) for r in rounds):
        p.append("rounds: %r" % rounds)
    if t.leases(db):
        p.append("leases left after the runs")
    rc, out, err = t.ms(["domains", "list", "--format", "json", "--db", db])
    if rc == 0:
        doc = json.loads(out)
        p += ["schema: " + e for e in validate_json(doc, "mailsec-domains-1.json")]
        if any(d["last_checked"] is None or d["last_grade"] is None for d in doc["domains"]):
            p.append("domains list shows a checked domain as never checked or without a grade")
    for bad in (["monitor", "--all"], ["monitor", "x.test"], ["monitor", "--lease", "0"]):
        rc, out, err = t.ms(bad + ["--db", db])
        expect_rc(p, " ".join(bad), rc, 2, err)
    t.check("monitor: --once (one result per domain, union of selectors), nothing due, --once --all "
            "(events: first-check, a changed SPF record; events --workspace), an interval passed, usage", p)


def grades(t):
    """a.test in acme (generic) and in beta (a lenient profile): checked once, graded twice."""
    db = t.be.new("grades")
    p = []
    fill(t, db)
    t.ms(["domains", "add", "--workspace", "beta", "--db", db, "a.test", "--dkim-selector", "betasel",
          "--profile", os.path.join(ROOT, "tests", "monitor", "lenient.json")])
    rc, out, err = t.ms(["monitor", "--once", "--db", db, "--replay", ZONE])
    expect_rc(p, "monitor --once", rc, 0, err)
    if t.results(db, 1).get("a.test") != 1:
        p.append("a.test was not checked exactly once: %r" % t.results(db, 1))
    stored = t.be.query(db, "SELECT grade, profile FROM checks WHERE domain = 'a.test'")
    rc, out, err = t.ms(["domains", "list", "--format", "json", "--db", db])
    expect_rc(p, "domains list", rc, 0, err)
    if rc == 0 and stored:
        doc = json.loads(out)
        p += ["schema: " + e for e in validate_json(doc, "mailsec-domains-1.json")]
        g = {d["workspace"]: d["last_grade"] for d in doc["domains"] if d["domain"] == "a.test"}
        if stored[0][1] != "generic":
            p.append("workspaces disagree on the profile, yet the check ran under %r" % stored[0][1])
        if g.get("acme") != stored[0][0]:
            p.append("acme's grade %r is not the stored (generic) grade %r" % (g.get("acme"), stored[0][0]))
        if g.get("beta") != "A" or stored[0][0] == "A":
            p.append("beta's grade under its lenient profile: %r (generic: %r), want A" % (g.get("beta"),
                                                                                     stored[0][0]))
    t.check("monitor: a domain in two workspaces with different profiles: one check, each workspace's "
            "grade under its own profile", p)


def wait_for(cond, limit):
    end = time.time() + limit
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def killed(t):
    """A worker holding slow.test's lease dies (SIGKILL): another reclaims it after the lease."""
    db = t.be.new("killed")
    p = []
    fill(t, db, [("acme", ["slow.test"], [])])
    a = t.spawn(["monitor", "--once", "--db", db, "--replay", ZONE, "--lease", "2", "--timeout", "60"])
    try:
        ok = wait_for(lambda: sum(t.results(db, 1).values()) == 4 and t.leases(db) == 1, 20 * SCALE)
        if not ok:
            p.append("worker A never held slow.test alone with the rest stored: %r" % t.results(db))
        owner = t.be.query(db, "SELECT lease_owner FROM monitored WHERE domain = 'slow.test'")
        if not owner or ":%d:" % a.pid not in (owner[0][0] or ""):
            p.append("slow.test is not leased to worker A when it is killed: %r" % owner)
    finally:
        a.send_signal(signal.SIGKILL)
        a.communicate()
    start = time.time()
    rc, out, err = t.ms(["monitor", "--once", "--db", db, "--replay", ZONE, "--lease", "2", "--timeout", "1"])
    expect_rc(p, "monitor --once after the kill", rc, 0, err)
    got = t.results(db, 1)
    if got != {"a.test": 1, "b.test": 1, "c.test": 1, "d.test": 1, "slow.test": 1}:
        p.append("round 1 results %r, want exactly one per domain" % got)
    # B waits for A's lease to end (event=waiting) unless it started after it had (valgrind)
    if "event=checked round=1 domain=slow.test" not in err:
        p.append("worker B did not reclaim slow.test from the dead worker: %r" % err[-600:])
    if time.time() - start > 15 * SCALE:
        p.append("reclaiming took %.1f s" % (time.time() - start))
    if t.leases(db):
        p.append("leases left")
    t.check("monitor: a worker killed (SIGKILL) holding a lease loses nothing: reclaimed after the lease, "
            "one result per domain for the round", p)


def killed_batch(t):
    """A worker killed with finished domains in an uncommitted batch: they are checked again, stored once."""
    db = t.be.new("killed_batch")
    p = []
    fill(t, db, [("acme", ["slow.test"], [])])
    lease = 6 * SCALE
    log = os.path.join(t.tmp, "killed_batch-%s.log" % t.be.name)
    with open(log, "w") as errf:
        # the batch commits after 100 domains or a third of the lease: the kill comes before
        a = subprocess.Popen((t.args.wrapper or []) + [t.args.mailsec, "monitor", "--once", "--db", db,
                              "--replay", ZONE, "--lease", "%d" % lease, "--timeout", "60",
                              "--commit-every", "100", "--commit-delay", "3600"],
                             stdout=subprocess.DEVNULL, stderr=errf)
        try:
            ok = wait_for(lambda: open(log).read().count("event=checked round=1") == 4, 20 * SCALE)
            stored = t.results(db, 1)
        finally:
            a.send_signal(signal.SIGKILL)
            a.communicate()
    if not ok:
        p.append("worker A never finished the four quick domains: %r" % open(log).read()[-600:])
    if stored:
        p.append("results committed before the batch was due (commit-every 100, a third of a %d s "
                 "lease): %r" % (lease, stored))
    rc, out, err = t.ms(["monitor", "--once", "--db", db, "--replay", ZONE, "--lease", "2",
                         "--timeout", "1"], timeout=120 * SCALE)
    expect_rc(p, "monitor --once after the kill", rc, 0, err)
    got = t.results(db, 1)
    if got != {"a.test": 1, "b.test": 1, "c.test": 1, "d.test": 1, "slow.test": 1}:
        p.append("round 1 results %r, want exactly one per domain" % got)
    rows = t.be.query(db, "SELECT COUNT(*) FROM checks")[0][0]
    if rows != 5:
        p.append("%d results stored in all, want 5" % rows)
    for d in ("a.test", "b.test", "c.test", "d.test", "slow.test"):
        if "event=checked round=1 domain=%s " % d not in err:
            p.append("worker B did not check %s again: %r" % (d, err[-600:]))
    if t.leases(db):
        p.append("leases left")
    if t.be.query(db, "SELECT COUNT(*) FROM monitored WHERE round IS NOT NULL")[0][0]:
        p.append("domains left in the round")
    t.check("monitor: a worker killed with a batch of results not yet committed loses nothing: each domain "
            "reclaimed after the lease and stored exactly once", p)


def commit_fails(t):
    """A batch whose commit fails (its grades, inserted at the commit, refused): nothing of it kept, all retried."""
    db = t.be.new("commit_fails")
    p = []
    fill(t, db)
    t.be.query(db, "CREATE TABLE fail_grades (x integer)")
    t.be.query(db, "INSERT INTO fail_grades VALUES (1)")
    if t.be.name == "sqlite":
        t.be.query(db, "CREATE TRIGGER refuse BEFORE INSERT ON workspace_grades WHEN EXISTS "
                   "(SELECT 1 FROM fail_grades) BEGIN SELECT RAISE(ABORT, 'grades refused (test)'); END")
    else:
        t.be.query(db, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "IF EXISTS (SELECT 1 FROM fail_grades) THEN RAISE EXCEPTION 'grades refused (test)'; "
                   "END IF; RETURN NEW; END $$")
        t.be.query(db, "CREATE TRIGGER refuse BEFORE INSERT ON workspace_grades FOR EACH ROW "
                   "EXECUTE FUNCTION refuse()")
    # one batch of all four: its grades go in at the commit, and are refused
    rc, out, err = t.ms(["monitor", "--once", "--db", db, "--replay", ZONE, "--commit-every", "100",
                         "--commit-delay", "3600"])
    if sanitizer(err):
        p.append("first run: sanitizer: %s" % err[-2000:])
    if "grades refused (test)" not in err:
        p.append("the refused commit was not said: %r" % err[-600:])
    if t.results(db):
        p.append("results of the failed batch were kept: %r" % t.results(db))
    if t.be.query(db, "SELECT COUNT(*) FROM workspace_grades")[0][0]:
        p.append("grades of the failed batch were kept")
    if t.leases(db):
        p.append("the failed batch's domains were not released")
    if t.be.query(db, "SELECT COUNT(*) FROM monitored WHERE round IS NOT NULL")[0][0] != 4:
        p.append("the failed batch's domains left the round")
    t.be.query(db, "DELETE FROM fail_grades")
    rc, out, err = t.ms(["monitor", "--once", "--db", db, "--replay", ZONE])
    expect_rc(p, "monitor --once after the failed commit", rc, 0, err)
    got = t.results(db, 1)
    if got != {"a.test": 1, "b.test": 1, "c.test": 1, "d.test": 1}:
        p.append("round 1 results %r, want exactly one per domain" % got)
    g = t.be.query(db, "SELECT COUNT(*), COUNT(DISTINCT domain) FROM workspace_grades WHERE round = 1")[0]
    if tuple(g) != (5, 4):
        p.append("grades (rows, domains) %r, want (5, 4): a.test in two workspaces" % (tuple(g),))
    if t.leases(db) or t.be.query(db, "SELECT COUNT(*) FROM monitored WHERE round IS NOT NULL")[0][0]:
        p.append("leases or domains left in the round")
    t.check("monitor: a batch whose commit fails (its grades refused) keeps nothing and loses nothing: "
            "released, checked again, one result and one grade per workspace each", p)


def put_fails_one(t):
    """One domain's stored result refused in a batch (a trigger on checks): the others are stored, the
    failure is said, nothing of that domain is half-written, and a later run stores it once."""
    db = t.be.new("put_fails_one")
    p = []
    fill(t, db)
    if t.be.name == "sqlite":
        t.be.query(db, "CREATE TRIGGER refuse_b BEFORE INSERT ON checks WHEN NEW.domain = 'b.test' "
                   "BEGIN SELECT RAISE(ABORT, 'check refused (test)'); END")
    else:
        t.be.query(db, "CREATE FUNCTION refuse_b() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "RAISE EXCEPTION 'check refused (test)'; END $$")
        t.be.query(db, "CREATE TRIGGER refuse_b BEFORE INSERT ON checks FOR EACH ROW "
                   "WHEN (NEW.domain = 'b.test') EXECUTE FUNCTION refuse_b()")
    # one batch of all four (on PostgreSQL each domain's savepoint goes with its statement, pipelined)
    rc, out, err = t.ms(["monitor", "--once", "--db", db, "--replay", ZONE, "--commit-every", "100",
                         "--commit-delay", "3600"])
    if sanitizer(err):
        p.append("first run: sanitizer: %s" % err[-2000:])
    expect_rc(p, "monitor --once with b.test refused", rc, 4, err)
    if not re.search(r"event=error round=1 domain=b\.test msg=\"could not store the result: .*check refused "
                     r"\(test\)", err):
        p.append("the refused result was not said: %r" % err[-800:])
    got = t.results(db, 1)
    if got != {"a.test": 1, "c.test": 1, "d.test": 1}:
        p.append("round 1 results %r, want a.test, c.test and d.test once each" % got)
    for table in ("checks", "events", "domain_latest", "workspace_grades"):
        if t.be.query(db, "SELECT COUNT(*) FROM %s WHERE domain = 'b.test'" % table)[0][0]:
            p.append("b.test has rows in %s after its result was refused" % table)
    if t.be.query(db, "SELECT COUNT(*) FROM check_findings f JOIN checks c ON c.id = f.check_id "
                      "WHERE c.domain <> 'b.test'")[0][0] == 0:
        p.append("the stored results have no findings")
    left = t.be.query(db, "SELECT domain, lease_owner FROM monitored WHERE round IS NOT NULL")
    if [tuple(r) for r in left] != [("b.test", None)]:
        p.append("after the run, in the round (domain, lease) %r, want b.test released" % left)
    t.be.query(db, "DROP TRIGGER refuse_b" + ("" if t.be.name == "sqlite" else " ON checks"))
    rc, out, err = t.ms(["monitor", "--once", "--db", db, "--replay", ZONE])
    expect_rc(p, "monitor --once after the refusal", rc, 0, err)
    got = t.results(db, 1)
    if got != {"a.test": 1, "b.test": 1, "c.test": 1, "d.test": 1}:
        p.append("round 1 results %r, want exactly one per domain" % got)
    ev = t.be.query(db, "SELECT COUNT(*) FROM events WHERE domain = 'b.test' AND kind = 'first-check'")[0][0]
    if ev != 1:
        p.append("b.test has %d first-check events, want 1" % ev)
    t.check("monitor: one domain's result refused in a batch (a trigger): the others stored, the failure "
            "said (exit 4), nothing of it half-written, released and stored once by the next run", p)


def sigterm(t):
    db = t.be.new("sigterm")
    p = []
    fill(t, db, [("acme", ["0slow.test"], [])])
    # concurrency 1: 0slow.test (first by name) in flight, the other four claimed and queued
    w = t.spawn(["monitor", "--db", db, "--replay", ZONE, "--timeout", "2", "--concurrency", "1",
                 "--batch", "10"])
    held = wait_for(lambda: t.leases(db) == 5, 10 * SCALE)
    if not held:
        p.append("the worker never held all five leases")
    w.send_signal(signal.SIGTERM)
    try:
        out, err = w.communicate(timeout=20 * SCALE)
    except subprocess.TimeoutExpired:
        w.kill()
        out, err = w.communicate()
        p.append("no exit within 20 s of SIGTERM")
    err = err.decode("utf-8", "replace")
    expect_rc(p, "monitor after SIGTERM mid-round", w.returncode, 0, err)
    got = t.results(db, 1)
    if got != {"0slow.test": 1}:
        p.append("SIGTERM: in flight 0slow.test finished and nothing else started: got %r" % got)
    if t.leases(db):
        p.append("SIGTERM: leases left: the queued domains were not released")
    rc, out, err2 = t.ms(["monitor", "--once", "--db", db, "--replay", ZONE, "--timeout", "1"])
    expect_rc(p, "monitor --once after the stop", rc, 0, err2)
    if t.results(db, 1) != {d: 1 for d in ("a.test", "0slow.test", "b.test", "c.test", "d.test")}:
        p.append("the round was not finished with one result each: %r" % t.results(db, 1))
    # forever mode: after the round it sleeps until the next is due; SIGTERM ends the sleep
    w = t.spawn(["monitor", "--db", db, "--replay", ZONE, "--timeout", "1"])
    time.sleep(1.0 * SCALE)
    w.send_signal(signal.SIGTERM)
    try:
        out, err = w.communicate(timeout=10 * SCALE)
    except subprocess.TimeoutExpired:
        w.kill()
        out, err = w.communicate()
        p.append("the idle monitor did not exit on SIGTERM")
    err = err.decode("utf-8", "replace")
    expect_rc(p, "idle monitor after SIGTERM", w.returncode, 0, err)
    if "event=idle until=" not in err:
        p.append("the idle monitor did not say until when it sleeps: %r" % err[-400:])
    t.check("monitor: SIGTERM mid-round finishes what is in flight, releases the rest, exits 0; "
            "ends the idle sleep", p)


def unit_file(args, tmp):
    """contrib/systemd/mailsec-monitor.service passes systemd-analyze verify (with this build's binary)."""
    name = "monitor: contrib/systemd/mailsec-monitor.service passes systemd-analyze verify"
    if shutil.which("systemd-analyze") is None:
        return [skip_or_fail(NAME, name, "no systemd-analyze")]
    text = open(os.path.join(ROOT, "contrib", "systemd", "mailsec-monitor.service")).read()
    path = os.path.join(tmp, "mailsec-monitor.service")
    with open(path, "w") as f:
        f.write(text.replace("/usr/local/bin/mailsec", args.mailsec))
    rc, out, err = hrun(["systemd-analyze", "verify", path])
    p = [] if rc == 0 and not err.strip() else ["exit %d: %s" % (rc, (out + err)[-800:])]
    if "monitor --db" not in text or "KillSignal=SIGTERM" not in text:
        p.append("the unit does not run mailsec monitor or stop it with SIGTERM")
    return [Result(NAME, name, "fail" if p else "pass", "\n".join(p))]


def progress(args, tmp):
    """On a terminal: the progress line (done/due) of util/progress, erased; no per-domain log lines."""
    import pty
    name = "monitor: a progress line (done/due) on a terminal, structured log lines elsewhere"
    t = T(args, SqliteBackend(tmp), tmp)
    db = os.path.join(tmp, "progress.db")
    fill(t, db)
    master, slave = pty.openpty()
    p = subprocess.Popen([args.mailsec, "monitor", "--once", "--db", db, "--replay", ZONE],
                         stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    p.communicate(timeout=60 * SCALE)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    problems = []
    if p.returncode != 0:
        problems.append("exit %d" % p.returncode)
    if b"\r4/4 due domains" not in err or b"\r\x1b[K" not in err:
        problems.append("no progress line drawn and erased: %r" % err[-400:])
    if b"event=checked" in err or b"event=round-done round=1 total=4" not in err:
        problems.append("on a terminal: per-domain log lines, or no round line: %r" % err[-400:])
    return [Result(NAME, name, "fail" if problems else "pass", "\n".join(problems))]


KNOWN = os.path.join(ROOT, "tests", "monitor", "known.zone")


def dkim_per_domain(err):
    """The dkim figure of monitor --stats' queries-by-area line, and the narrowed audits."""
    dk, nar = None, None
    for line in err.splitlines():
        if "DNS queries per domain by area:" in line:
            for part in line.split(":", 2)[2].split(";")[0].split(","):
                name, _, val = part.strip().rpartition(" ")
                if name == "dkim":
                    dk = float(val)
        if "audits asked only the known DKIM selectors" in line:
            nar = int(line.split()[1])
    return dk, nar


def findings_of(t, db, rnd):
    """{domain: sorted (id, subject, severity)} of round rnd's stored results."""
    got = {}
    for dom, doc in t.be.query(db, "SELECT domain, doc FROM checks WHERE round = '%d'" % rnd):
        d = json.loads(doc)
        got[dom] = sorted((f["id"], f.get("subject", ""), f["severity"]) for f in d["findings"])
    return got


def events_of(t, db, rnd):
    return sorted(tuple(r) for r in t.be.query(
        db, "SELECT domain, kind, area, subject, finding, item, old_value, new_value FROM events "
            "WHERE round = '%d' AND kind <> 'finding-sustained'" % rnd))


def known_selectors(t):
    """Narrowed rounds ask only the known selectors, give a full round's findings and events."""
    db, full = t.be.new("known"), t.be.new("known-full")
    p = []
    log = os.path.join(t.tmp, "dns-%s.log" % t.be.name)
    base = open(KNOWN).read()
    gone = base.replace("s1._domainkey.k.test.", "s1x._domainkey.other.test.")
    moved = gone.replace("google._domainkey.k.test.", "selector2._domainkey.k.test.")
    worlds = {}
    for name, text in (("base", base), ("gone", gone), ("moved", moved)):
        worlds[name] = os.path.join(t.tmp, "known-%s-%s.zone" % (name, t.be.name))
        open(worlds[name], "w").write(text)
    for d in (db, full):
        t.ms(["workspace", "add", "w", "--db", d])
        t.ms(["domains", "add", "--workspace", "w", "--db", d, "k.test", "r.test", "n.test"])

    def rnd(d, world, *extra):
        env_log = os.environ.get("MAILSEC_DNS_LOG")
        if os.path.exists(log):
            os.unlink(log)
        os.environ["MAILSEC_DNS_LOG"] = log
        try:
            rc, out, err = t.ms(["monitor", "--once", "--all", "--db", d, "--replay", worlds[world],
                                 "--stats"] + list(extra))
        finally:
            if env_log is None:
                del os.environ["MAILSEC_DNS_LOG"]
            else:
                os.environ["MAILSEC_DNS_LOG"] = env_log
        expect_rc(p, "monitor --once --all (%s %s)" % (world, " ".join(extra)), rc, 0, err)
        asked = open(log).read().split("\n") if os.path.exists(log) else []
        return err, [a.split()[0].lower().rstrip(".") for a in asked if "_domainkey" in a]

    # round 1: every domain fully scanned; the keys found are kept
    err, asked = rnd(db, "base")
    dk1, nar = dkim_per_domain(err)
    if nar != 0:
        p.append("round 1 (never scanned): %r audits narrowed, want 0" % nar)
    known = dict(t.be.query(db, "SELECT domain, dkim_known FROM monitored"))
    if known != {"k.test": "google,s1", "r.test": "selector1", "n.test": None}:
        p.append("known selectors after the full scan: %r" % known)
    if t.be.query(db, "SELECT COUNT(*) FROM monitored WHERE full_scan_at IS NULL")[0][0]:
        p.append("a domain has no full_scan_at after a full round")
    # round 2: narrowed: only the known selectors (n.test, nothing known: full again)
    err, asked = rnd(db, "base")
    dk2, nar = dkim_per_domain(err)
    if nar != 2:
        p.append("round 2: %r audits narrowed, want 2 (k.test, r.test): %r" % (nar, err[-600:]))
    want = {"_domainkey.k.test", "google._domainkey.k.test", "s1._domainkey.k.test",
            "_domainkey.r.test", "selector1._domainkey.r.test", "_domainkey.n.test"}
    got = {a for a in asked if a.endswith(".k.test") or a.endswith(".r.test") or a == "_domainkey.n.test"
           or a == "k.test" or a == "r.test"}
    if got != want:
        p.append("round 2 asked under _domainkey: %r, want %r" % (sorted(got), sorted(want)))
    if dk1 is None or dk2 is None or not dk2 < dk1:
        p.append("dkim queries per domain: full %r, narrowed %r" % (dk1, dk2))
    if findings_of(t, db, 2) != findings_of(t, db, 1):
        p.append("narrowed findings differ from the full round's: %r vs %r" %
                 (findings_of(t, db, 2), findings_of(t, db, 1)))
    if events_of(t, db, 2):
        p.append("a narrowed round over the same world gave events: %r" % events_of(t, db, 2))
    # the same two rounds on a second database with --full-scan-every 0: the same findings
    rnd(full, "base", "--full-scan-every", "0")
    err, _ = rnd(full, "base", "--full-scan-every", "0")
    if dkim_per_domain(err)[1] != 0:
        p.append("--full-scan-every 0 narrowed an audit")
    if findings_of(t, full, 2) != findings_of(t, db, 2):
        p.append("narrowed round 2 and full round 2 differ")
    # round 3: s1's key is removed: reported gone, as a full round reports it; round 4: no flapping
    rnd(db, "gone")
    rnd(full, "gone", "--full-scan-every", "0")
    ev, evf = events_of(t, db, 3), events_of(t, full, 3)
    if ev != evf:
        p.append("events when a key goes: narrowed %r, full %r" % (ev, evf))
    if not any(e[1] == "record" and e[3] == "s1._domainkey.k.test" and e[7] is None for e in ev):
        p.append("the removed key s1 has no record event: %r" % ev)
    rnd(db, "gone")
    rnd(full, "gone", "--full-scan-every", "0")
    if events_of(t, db, 4) or events_of(t, full, 4):
        p.append("round 4 over the same world: events %r / %r" % (events_of(t, db, 4), events_of(t, full, 4)))
    if findings_of(t, db, 4) != findings_of(t, full, 4):
        p.append("round 4: narrowed and full findings differ")
    # round 5: every known key gone (moved to another common selector): a full scan at once
    err, _ = rnd(db, "moved")
    rnd(full, "moved", "--full-scan-every", "0")
    if findings_of(t, db, 5) != findings_of(t, full, 5):
        p.append("all known keys gone: findings %r, full %r" % (findings_of(t, db, 5), findings_of(t, full, 5)))
    if any(f[0] == "dkim.selector.none-found" for f in findings_of(t, db, 5).get("k.test", [])):
        p.append("a narrowed round said no key found")
    if t.be.query(db, "SELECT dkim_known FROM monitored WHERE domain = 'k.test'")[0][0] != "selector2":
        p.append("the fallback's full scan did not keep selector2")
    # a full scan falls due: older than --full-scan-every
    t.be.query(db, "UPDATE monitored SET full_scan_at = full_scan_at - 8 * 86400")
    before = t.be.query(db, "SELECT MAX(full_scan_at) FROM monitored")[0][0]
    err, asked = rnd(db, "moved")
    if dkim_per_domain(err)[1] != 0 or "google._domainkey.k.test" not in asked:
        p.append("a week after the full scan, the round did not scan fully: %r" % err[-400:])
    if t.be.query(db, "SELECT MIN(full_scan_at) FROM monitored")[0][0] <= before:
        p.append("the weekly full scan did not update full_scan_at")
    err, asked = rnd(db, "moved", "--full-scan-every", "1h")
    if dkim_per_domain(err)[1] != 2:
        p.append("--full-scan-every 1h right after a full scan: not narrowed: %r" % err[-400:])
    for bad in ("-1", "x", "400d"):
        rc, out, e = t.ms(["monitor", "--once", "--db", db, "--full-scan-every", bad])
        expect_rc(p, "--full-scan-every " + bad, rc, 2, e)
    t.check("monitor: known selectors: a narrowed round asks only them and gives a full round's findings "
            "and events; a removed key is reported once, no flapping; all gone: a full scan at once; "
            "the weekly full scan", p)


LEARN_REPORT = """<?xml version="1.0"?>
<feedback><report_metadata><org_name>receiver.test</org_name><email>r@receiver.test</email>
<report_id>batch-%(id)s</report_id><date_range><begin>%(begin)d</begin><end>%(end)d</end></date_range>
</report_metadata><policy_published><domain>%(pol)s</domain><p>none</p></policy_published>
%(rows)s</feedback>
"""
LEARN_ROW = """<record><row><source_ip>192.0.2.25</source_ip><count>%d</count><policy_evaluated>
<disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
<identifiers><header_from>%s</header_from></identifiers><auth_results>
<dkim><domain>%s</domain><selector>%s</selector><result>pass</result></dkim></auth_results></record>
"""


def learn_batch(t):
    """The claimed batch's report selectors come from one query and equal check's per-domain ones."""
    db = t.be.new("learnbatch")
    p = []
    now = int(time.time())
    reps = (("k.test", [(3, "k.test", "k.test", "repk"), (2, "sub.k.test", "sub.k.test", "subsel"),
                        (1, "r.test", "r.test", "notforr"), (4, "k.test", "K.Test", "Repk2")]),
            ("r.test", [(5, "r.test", "r.test", "repr")]),
            ("sub.k.test", [(6, "sub.k.test", "sub.k.test", "subown")]))
    files = []
    for i, (pol, rows) in enumerate(reps):
        f = os.path.join(t.tmp, "batch-%s-%d.xml" % (t.be.name, i))
        open(f, "w").write(LEARN_REPORT % {"id": i, "begin": now - 86400, "end": now - 60, "pol": pol,
                                           "rows": "".join(LEARN_ROW % r for r in rows)})
        files.append(f)
    rc, out, err = t.ms(["reports", "ingest", "--db", db] + files)
    expect_rc(p, "reports ingest", rc, 0, err)
    doms = ["k.test", "r.test", "sub.k.test", "n.test"]
    t.ms(["workspace", "add", "w", "--db", db])
    t.ms(["domains", "add", "--workspace", "w", "--db", db] + doms)
    rc, out, err = t.ms(["monitor", "--once", "--db", db, "--replay", KNOWN, "--batch", "4"])
    expect_rc(p, "monitor --once", rc, 0, err)
    if "event=claimed round=1 domains=4" not in err:
        p.append("the four domains were not claimed as one batch: %r" % err[-600:])
    want = {"k.test": ["repk", "repk2"], "r.test": ["repr"], "sub.k.test": ["subown", "subsel"], "n.test": []}
    for dom, doc in t.be.query(db, "SELECT domain, doc FROM checks"):
        got = json.loads(doc)["facts"]["dkim"].get("selectors_from_reports")
        if got != want[dom]:
            p.append("%s: the monitor learnt %r, want %r" % (dom, got, want[dom]))
        # check learns one domain at a time (learn_selector_names): the same
        rc, out, err = t.ms(["check", dom, "--replay", KNOWN, "--only", "dkim", "--json", "--db", db,
                             "--selectors-from-reports"])
        try:
            one = json.loads(out)["domains"][0]["facts"]["dkim"].get("selectors_from_reports")
        except (ValueError, KeyError, IndexError):
            one = "no JSON: %r" % err[-300:]
        if one != got:
            p.append("%s: check --selectors-from-reports %r, the monitor's batch %r" % (dom, one, got))
    t.check("monitor: the claimed batch's selectors from DMARC reports (one query) equal check's per "
            "domain (parents' reports, another domain's selector left out)", p)


def scenarios(args, be, tmp):
    t = T(args, be, tmp)
    workspaces(t)
    domains(t)
    once(t)
    known_selectors(t)
    learn_batch(t)
    grades(t)
    killed(t)
    killed_batch(t)
    commit_fails(t)
    put_fails_one(t)
    sigterm(t)
    return t.res


def run(args):
    res = []
    tmp = tempfile.mkdtemp(prefix="mailsec-monitor-")
    try:
        res += unit_file(args, tmp)
        res += progress(args, tmp)
        res += scenarios(args, SqliteBackend(tmp), tmp)
        pg = PgServer()
        try:
            why = pg.start()
            if why is not None:
                res.append(skip_or_fail(NAME, "monitor [postgresql]: private server", why))
            else:
                res += scenarios(args, PgBackend(pg), tmp)
        finally:
            pg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res
