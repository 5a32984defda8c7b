"""tests/groups/history.py - check --db keeps results; history reports what changed, on SQLite and PostgreSQL.

Two runs of `mailsec check --replay CASE --db DB` over changed replay data
(tests/history/before.case, then after.case under a profile that makes
spf.missing an error), then `mailsec history --json` must report exactly the
findings that appeared, disappeared or changed severity, validated against
docs/schema/mailsec-history-1.json.  The same scenarios run on a SQLite file
and on a private PostgreSQL server (tests/pgserver.py; skipped loudly when it
cannot start, a failure when CI=true).
"""
import json
import os
import shutil
import sqlite3
import tempfile

from harness import ROOT, Result, skip_or_fail, validate_json
from harness import run as hrun
from pgserver import PgBackend, PgServer, SqliteBackend

NAME = "history"
DATA = os.path.join(ROOT, "tests", "history")
BEFORE = os.path.join(DATA, "before.case")
AFTER = os.path.join(DATA, "after.case")
PROFILE = os.path.join(DATA, "spf-missing-error.json")
DOMAINS = ["example.test", "second.test"]
ONLY = ["--only", "spf,dmarc"]


def sanitizer(err):
    return "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err


class T:
    def __init__(self, args, be):
        self.args, self.be, self.res = args, be, []

    def ms(self, argv):
        rc, out, err = hrun([self.args.mailsec] + argv, wrapper=self.args.wrapper)
        return rc, out, err

    def check(self, name, problems):
        self.res.append(Result(NAME, self.be.label(name), "fail" if problems else "pass", "\n".join(problems)))


def keyed(findings):
    """(id, subject) -> severity of a list of findings (each pair is unique in these cases)."""
    return {(f["id"], f["subject"]): f["severity"] for f in findings}


def expected_changes(old, new):
    """What history must report between two mailsec/1 domain objects, computed independently."""
    a, b = keyed(old["findings"]), keyed(new["findings"])
    return {"appeared": sorted((k[0], k[1], b[k]) for k in b if k not in a),
            "disappeared": sorted((k[0], k[1], a[k]) for k in a if k not in b),
            "severity_changed": sorted((k[0], k[1], a[k], b[k]) for k in b if k in a and a[k] != b[k])}


def got_changes(ch):
    return {"appeared": sorted((f["id"], f["subject"], f["severity"]) for f in ch["appeared"]),
            "disappeared": sorted((f["id"], f["subject"], f["severity"]) for f in ch["disappeared"]),
            "severity_changed": sorted((f["id"], f["subject"], f["from"], f["severity"])
                                       for f in ch["severity_changed"])}


def check_json(t, argv, p):
    rc, out, err = t.ms(argv)
    if sanitizer(err):
        p.append("sanitizer: " + err[-2000:])
    try:
        return rc, json.loads(out), err
    except ValueError as e:
        p.append("%s: not JSON (%s), exit %d: %s" % (" ".join(argv[:2]), e, rc, err[-800:]))
        return rc, None, err


def history_json(t, db, domain, p, extra=()):
    rc, doc, err = check_json(t, ["history", domain, "--db", db, "--json"] + list(extra), p)
    if rc != 0:
        p.append("history %s: exit %d: %s" % (domain, rc, err[-800:]))
    if doc is not None:
        p.extend("history schema: " + e for e in validate_json(doc, "mailsec-history-1.json"))
    return doc


def two_runs(t):
    """The main scenario: two check runs, then history of each domain."""
    be = t.be
    db = be.new("history")
    p = []
    rc1, first, err1 = check_json(t, ["check", "--json", "--replay", BEFORE, "--db", db] + ONLY + DOMAINS, p)
    rc2, second, err2 = check_json(t, ["check", "--json", "--replay", AFTER, "--profile", PROFILE, "--db", db]
                                   + ONLY + DOMAINS, p)
    if (rc1, rc2) != (1, 1):
        p.append("check exits %s, want (1, 1): %s %s" % ((rc1, rc2), err1[-500:], err2[-500:]))
    if first is None or second is None:
        t.check("check --db twice, history --json: exactly what appeared, disappeared, changed", p)
        return db
    for doc in (first, second):
        p.extend("check schema: " + e for e in validate_json(doc))
    rows = be.query(db, "SELECT run_id, domain FROM checks ORDER BY id")
    runs = [r[0] for r in rows]
    if len(rows) != 4 or runs[0] != runs[1] or runs[2] != runs[3] or runs[0] == runs[2]:
        p.append("want 4 stored results, one run id per invocation: %s" % rows)
    elif not all(len(r) == 32 and all(c in "0123456789abcdef" for c in r) for r in runs):
        p.append("run ids are not 128-bit hex: %s" % runs)
    for i, domain in enumerate(DOMAINS):
        h = history_json(t, db, domain, p)
        if h is None:
            continue
        if h["domain"] != domain or len(h["runs"]) != 2:
            p.append("%s: want 2 runs: %s" % (domain, json.dumps(h)[:600]))
            continue
        r0, r1 = h["runs"]
        if r0["changes"] is not None or r0["run_id"] != runs[0] or r1["run_id"] != runs[2]:
            p.append("%s: first run has changes or the run ids differ from the store" % domain)
        old, new = first["domains"][i], second["domains"][i]
        for r, d in ((r0, old), (r1, new)):
            if r["summary"] != d["summary"] or r["findings"] != len(d["findings"]):
                p.append("%s: summary %s, check said %s" % (domain, r["summary"], d["summary"]))
        want = expected_changes(old, new)
        got = got_changes(r1["changes"])
        if got != want:
            p.append("%s: changes\n got  %s\n want %s" % (domain, got, want))
        want_grade = None if old["summary"]["grade"] == new["summary"]["grade"] else \
            {"from": old["summary"]["grade"], "to": new["summary"]["grade"]}
        if r1["changes"]["grade"] != want_grade:
            p.append("%s: grade change %s, want %s" % (domain, r1["changes"]["grade"], want_grade))
        # the scenario itself, spelled out, so a wrong diff on both sides cannot pass
        if domain == "example.test":
            if ("dmarc.record.missing", "example.test", "error") not in got["disappeared"] or \
               ("spf.present", "example.test", "pass") not in got["disappeared"] or \
               ("dmarc.record.present", "example.test", "pass") not in got["appeared"] or \
               ("spf.missing", "example.test", "error") not in got["appeared"] or got["severity_changed"]:
                p.append("example.test: the scenario's changes are missing: %s" % got)
        elif got != {"appeared": [], "disappeared": [],
                     "severity_changed": [("spf.missing", "second.test", "warning", "error")]}:
            p.append("second.test: want only spf.missing warning -> error: %s" % got)
    # the stored document is the domain object check printed
    doc = be.query(db, "SELECT doc FROM checks WHERE domain = 'example.test' ORDER BY id")
    if doc and json.loads(doc[0][0]) != first["domains"][0]:
        p.append("stored document differs from the printed one")
    t.check("check --db twice, history --json: exactly what appeared, disappeared, changed", p)

    p = []
    rc, out, err = t.ms(["history", "second.test", "--db", db])
    if rc != 0 or "~ warning -> error  spf.missing" not in out or "2 stored checks" not in out:
        p.append("text history: exit %d\n%s%s" % (rc, out, err[-500:]))
    late = history_json(t, db, "example.test", p, ["--since", "9999-01-01"])
    if late is not None and (late["runs"] != [] or not late["since"].startswith("9999-01-01")):
        p.append("--since 9999-01-01: %s" % json.dumps(late)[:400])
    recent = history_json(t, db, "example.test", p, ["--since", "1d"])
    if recent is not None and len(recent["runs"]) != 2:
        p.append("--since 1d: want both runs: %s" % json.dumps(recent)[:400])
    none = history_json(t, db, "nothing.test", p)
    if none is not None and none["runs"] != []:
        p.append("a domain never checked has runs: %s" % none["runs"])
    rc, _, err = t.ms(["history", "example.test", "--db", db, "--since", "yesterday"])
    if rc != 2 or "--since" not in err:
        p.append("bad --since: exit %d: %s" % (rc, err[-300:]))
    rc, _, err = t.ms(["history", "example.test"])
    if rc != 2 or "--db" not in err:
        p.append("history without --db: exit %d: %s" % (rc, err[-300:]))
    t.check("history: text, --since, unknown domain, usage errors", p)
    return db


def unopenable(t):
    p = []
    where = t.be.unopenable()
    rc, out, err = t.ms(["check", "--json", "--replay", BEFORE, "--db", where] + DOMAINS)
    if rc != 2 or "cannot open the database" not in err or out.strip():
        p.append("check --db unopenable: exit %d, stdout %r: %s" % (rc, out[:200], err[-400:]))
    rc, out, err = t.ms(["history", "example.test", "--db", where])
    if rc != 2 or "cannot open the database" not in err:
        p.append("history --db unopenable: exit %d: %s" % (rc, err[-400:]))
    t.check("a store that cannot be opened: clear error, exit 2, nothing checked", p)


def refuse_inserts(be, db):
    """Make every insert into checks fail inside the database itself."""
    if be.name == "sqlite":
        c = sqlite3.connect(db)
        c.execute("CREATE TRIGGER refuse BEFORE INSERT ON checks BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
        c.commit()
        c.close()
    else:
        be.query(db, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
                     " $$BEGIN RAISE EXCEPTION 'refused by test'; END$$;"
                     " CREATE TRIGGER refuse BEFORE INSERT ON checks FOR EACH ROW EXECUTE FUNCTION refuse()")


def store_fails(t):
    """A store that fails mid-run loses no output: everything printed, the error on stderr, exit 4."""
    p = []
    db = t.be.new("refusing")
    rc, out, err = t.ms(["history", "example.test", "--db", db])	# creates the tables
    if rc != 0:
        p.append("history on a new store: exit %d: %s" % (rc, err[-300:]))
    refuse_inserts(t.be, db)
    rc, doc, err = check_json(t, ["check", "--json", "--replay", BEFORE, "--db", db] + ONLY + DOMAINS, p)
    if rc != 4 or "refused by test" not in err or "2 of 2 results not stored" not in err:
        p.append("exit %d (want 4): %s" % (rc, err[-600:]))
    if doc is not None and [d["domain"] for d in doc["domains"]] != DOMAINS:
        p.append("output incomplete: %s" % json.dumps(doc)[:400])
    if doc is not None:
        p.extend("check schema: " + e for e in validate_json(doc))
    n = t.be.query(db, "SELECT count(*) FROM checks")[0][0] + t.be.query(db, "SELECT count(*) FROM check_findings")[0][0]
    if n != 0:
        p.append("%d rows stored after refused inserts" % n)
    t.check("store failure mid-run: output complete, error on stderr, exit 4", p)


def purge(t):
    """history purge --older-than: old checks go with their findings, recent ones stay."""
    p = []
    db = t.be.new("purge")
    for case in (BEFORE, AFTER):
        rc, doc, err = check_json(t, ["check", "--json", "--replay", case, "--db", db] + ONLY + DOMAINS, p)
    # make the first run's two results 40 days old
    first = t.be.query(db, "SELECT run_id FROM checks ORDER BY id LIMIT 1")[0][0]
    if not all(c in "0123456789abcdef" for c in first):
        p.append("run id %r is not hex" % first)
        first = ""
    t.be.query(db, "UPDATE checks SET checked_at = checked_at - 40 * 86400 WHERE run_id = '%s'" % first)
    rc, out, err = t.ms(["history", "purge", "--older-than", "30", "--db", db])
    if rc != 0 or out.strip() != "2 stored checks removed":
        p.append("purge: exit %d, %r %s" % (rc, out, err[-300:]))
    left = t.be.query(db, "SELECT count(*) FROM checks")[0][0]
    orphans = t.be.query(db, "SELECT count(*) FROM check_findings WHERE check_id NOT IN (SELECT id FROM checks)")[0][0]
    if left != 2 or orphans != 0:
        p.append("after purge: %d checks (want 2), %d orphaned findings (want 0)" % (left, orphans))
    rc, out, err = t.ms(["history", "purge", "--older-than", "30", "--db", db])
    if rc != 0 or out.strip() != "0 stored checks removed":
        p.append("second purge is not a no-op: exit %d, %r" % (rc, out))
    for argv in (["history", "purge", "--db", db], ["history", "purge", "--older-than", "1", "--json", "--db", db],
                 ["history", "example.test", "--older-than", "1", "--db", db]):
        rc, out, err = t.ms(argv)
        if rc != 2:
            p.append("%s: exit %d, want 2" % (" ".join(argv[1:]), rc))
    t.check("history purge --older-than: old checks and their findings go, recent ones stay", p)


def scenarios(args, be):
    t = T(args, be)
    two_runs(t)
    purge(t)
    unopenable(t)
    store_fails(t)
    return t.res


def run(args):
    res = []
    tmp = tempfile.mkdtemp(prefix="mailsec-history-")
    try:
        res += scenarios(args, SqliteBackend(tmp))
        pg = PgServer()
        try:
            why = pg.start()
            if why is not None:
                res.append(skip_or_fail(NAME, "history [postgresql]: private server", why))
            else:
                res += scenarios(args, PgBackend(pg))
        finally:
            pg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res
