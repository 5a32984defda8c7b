"""tests/groups/events.py - check --db keeps events of what changed; mailsec events prints them, on SQLite and PostgreSQL.

Three runs of `mailsec check --replay CASE --db DB` over tests/events/before.case,
after.case (SPF, DMARC, MTA-STS id, the DKIM key and the MX set changed, TLS-RPT
added) and flaky.case (the SPF lookup fails), then `mailsec events` must give:
one first-check per domain; between the first two runs exactly the finding events a
diff of the two `check --json` outputs gives (computed here independently), the grade
events their summaries give, and the record events spelled out; after the failed
lookup no SPF record event (could not tell is not "removed").  JSON validated against
docs/schema/mailsec-events-1.json, CSV parsed back with Python's csv module and
compared with the JSON, --domain, --since, usage errors, purge taking events with
their checks.  The same scenarios run on a SQLite file and on a private PostgreSQL
server (tests/pgserver.py; skipped loudly when it cannot start, a failure when CI=true).
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from harness import ROOT, TIME_SCALE, Result, skip_or_fail, validate_json
from harness import run as hrun
from pgserver import PgBackend, PgServer, SqliteBackend

# mailworld is imported as a top-level module, as tests/groups/transport.py does
sys.path.insert(0, os.path.join(ROOT, "tests", "world"))
from mailworld import ADDR, MAIL, MailWorld, WorldUnavailable  # noqa: E402

NAME = "events"
DATA = os.path.join(ROOT, "tests", "events")
CASES = [os.path.join(DATA, c + ".case") for c in ("before", "after", "flaky")]
DOMAINS = ["example.test", "stable.test"]
CSV_HEADER = ["at", "domain", "kind", "area", "subject", "finding", "severity", "item", "old", "new",
              "run_id", "previous_run_id", "round"]


def sanitizer(err):
    return "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err


class T:
    def __init__(self, args, be):
        self.args, self.be, self.res = args, be, []

    def ms(self, argv):
        return hrun([self.args.mailsec] + argv, wrapper=self.args.wrapper)

    def check(self, name, problems):
        self.res.append(Result(NAME, self.be.label(name), "fail" if problems else "pass", "\n".join(problems)))


def load(t, argv, p, schema=None):
    rc, out, err = t.ms(argv)
    if sanitizer(err):
        p.append("sanitizer: " + err[-2000:])
    try:
        doc = json.loads(out)
    except ValueError as e:
        p.append("%s: not JSON (%s), exit %d: %s" % (" ".join(argv[:2]), e, rc, err[-800:]))
        return rc, None
    if schema:
        p.extend("%s schema: %s" % (argv[0], e) for e in validate_json(doc, schema))
    return rc, doc


def events_json(t, db, p, extra=()):
    rc, doc = load(t, ["events", "--db", db, "--format", "json"] + list(extra), p, "mailsec-events-1.json")
    if rc != 0:
        p.append("events %s: exit %d" % (" ".join(extra), rc))
    return doc["events"] if doc else []


def expected_findings(old, new):
    """The finding events between two mailsec/1 domain objects, computed independently.

    (kind, id, subject, severity, old, new) sorted; pairs by (id, subject), each pair unique here."""
    a = {(f["id"], f["subject"]): f for f in old["findings"]}
    b = {(f["id"], f["subject"]): f for f in new["findings"]}
    assert len(a) == len(old["findings"]) and len(b) == len(new["findings"])
    out = []
    for k, f in b.items():
        if k not in a:
            out.append(("finding-added", k[0], k[1], f["severity"], None, f["message"]))
        elif a[k]["severity"] != f["severity"]:
            out.append(("finding-severity", k[0], k[1], f["severity"], a[k]["severity"], f["severity"]))
        elif f["severity"] != "pass":
            out.append(("finding-sustained", k[0], k[1], f["severity"], None, f["message"]))
    for k, f in a.items():
        if k not in b:
            out.append(("finding-removed", k[0], k[1], f["severity"], f["message"], None))
    return sorted(out, key=repr)


def got_findings(evs):
    return sorted(((e["kind"], e["finding"], e["subject"], e["severity"], e["old"], e["new"])
                   for e in evs if e["kind"].startswith("finding-")), key=repr)


def expected_grades(old, new):
    a, b = old["summary"], new["summary"]
    out = set()
    if a["grade"] != b["grade"]:
        out.add((None, a["grade"], b["grade"]))
    for area in set(a["areas"]) | set(b["areas"]):
        ga, gb = a["areas"].get(area, {}).get("grade"), b["areas"].get(area, {}).get("grade")
        if ga != gb:
            out.add((area, ga, gb))
    return out


def got_grades(evs):
    return {(e["area"], e["old"], e["new"]) for e in evs if e["kind"] == "grade"}


def records(evs):
    return {(e["area"], e["item"], e["subject"], e["old"], e["new"]) for e in evs if e["kind"] == "record"}


RECORDS_AFTER = {
    ("spf", "txt", "example.test", "v=spf1 -all", "v=spf1 mx -all"),
    ("dmarc", "txt", "_dmarc.example.test", "v=DMARC1; p=none", "v=DMARC1; p=reject; rua=mailto:d@example.test"),
    ("tls-rpt", "txt", "_smtp._tls.example.test", None, "v=TLSRPTv1; rua=mailto:t@example.test"),
    ("mx", "mx", "example.test", "10 mail.example.test", "10 mail.example.test, 20 backup.example.test"),
    ("mta-sts", "txt", "_mta-sts.example.test", "v=STSv1; id=20261201", "v=STSv1; id=20261202"),
    ("dkim", "key", "default._domainkey.example.test",
     "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
     "v=DKIM1; k=ed25519; p=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
}


def three_runs(t):
    be = t.be
    db = be.new("events")
    p = []
    docs, runs = [], []
    for case in CASES:
        rc, doc = load(t, ["check", "--json", "--replay", case, "--db", db] + DOMAINS, p, "mailsec-1.json")
        if rc != 1:
            p.append("check %s: exit %d, want 1" % (os.path.basename(case), rc))
        docs.append(doc)
    if None in docs:
        t.check("three checks: the events of what changed", p)
        return db
    for r in be.query(db, "SELECT run_id FROM checks ORDER BY id"):
        if r[0] not in runs:
            runs.append(r[0])
    evs = events_json(t, db, p)
    by_run = {r: [e for e in evs if e["run_id"] == r] for r in runs}
    if len(runs) != 3:
        p.append("want 3 run ids, got %s" % runs)
        t.check("three checks: the events of what changed", p)
        return db
    # first run: one first-check per domain with the grade check printed
    first = by_run[runs[0]]
    want = sorted((d["domain"], d["summary"]["grade"]) for d in docs[0]["domains"])
    got = sorted((e["domain"], e["new"]) for e in first)
    if got != want or any(e["kind"] != "first-check" or e["previous_run_id"] is not None for e in first):
        p.append("first run: want first-check %s, got %s" % (want, json.dumps(first)[:600]))
    # second and third runs, per domain
    for n in (1, 2):
        for i, domain in enumerate(DOMAINS):
            old, new = docs[n - 1]["domains"][i], docs[n]["domains"][i]
            mine = [e for e in by_run[runs[n]] if e["domain"] == domain]
            if any(e["previous_run_id"] != runs[n - 1] or e["round"] is not None for e in mine):
                p.append("run %d %s: previous_run_id or round wrong" % (n + 1, domain))
            gf, wf = got_findings(mine), expected_findings(old, new)
            if gf != wf:
                p.append("run %d %s: finding events\n got  %s\n want %s" % (n + 1, domain, gf, wf))
            gg, wg = got_grades(mine), expected_grades(old, new)
            if gg != wg:
                p.append("run %d %s: grade events %s, want %s" % (n + 1, domain, gg, wg))
            rec = records(mine)
            want_rec = RECORDS_AFTER if (n, domain) == (1, "example.test") else set()
            if rec != want_rec:
                p.append("run %d %s: record events\n got  %s\n want %s" % (n + 1, domain, sorted(rec, key=repr),
                                                                         sorted(want_rec, key=repr)))
            if any(e["kind"] == "certificate" for e in mine):
                p.append("run %d %s: certificate events from an offline check" % (n + 1, domain))
    # the scenario spelled out, so a wrong diff on both sides cannot pass
    two = [e for e in by_run[runs[1]] if e["domain"] == "example.test"]
    kinds = {(e["kind"], e["finding"]) for e in two}
    for k in (("finding-removed", "dmarc.policy.none"), ("finding-added", "dmarc.policy.enforced"),
              ("finding-added", "tls-rpt.present"), ("finding-removed", "tls-rpt.missing")):
        if k not in kinds:
            p.append("example.test run 2: no %s %s" % k)
    if ("dmarc", "B", "A") not in got_grades(two):
        p.append("example.test run 2: no dmarc grade B -> A: %s" % got_grades(two))
    three = [e for e in by_run[runs[2]] if e["domain"] == "example.test"]
    if ("finding-added", "spf.lookup.failed") not in {(e["kind"], e["finding"]) for e in three}:
        p.append("example.test run 3: the failed lookup is not an added finding")
    if ("spf", "A", "?") not in got_grades(three):
        p.append("example.test run 3: no spf grade A -> ?: %s" % got_grades(three))
    # the feed is oldest first, and the stored rows are what was printed
    if [e["at"] for e in evs] != sorted(e["at"] for e in evs):
        p.append("events are not oldest first")
    n = be.query(db, "SELECT count(*) FROM events")[0][0]
    if n != len(evs):
        p.append("%d events stored, %d printed" % (n, len(evs)))
    t.check("three checks: the events of what changed (findings, grades, records; not a failed lookup)", p)

    p = []
    only = events_json(t, db, p, ["--domain", "STABLE.test."])
    if not only or any(e["domain"] != "stable.test" for e in only) or \
            len(only) != len([e for e in evs if e["domain"] == "stable.test"]):
        p.append("--domain stable.test: %s" % json.dumps(only)[:400])
    if events_json(t, db, p, ["--since", "9999-01-01"]) != []:
        p.append("--since 9999-01-01 is not empty")
    if len(events_json(t, db, p, ["--since", "1d"])) != len(evs):
        p.append("--since 1d: want every event")
    rc, doc = load(t, ["events", "--db", db, "--json", "--domain", "nothing.test"], p, "mailsec-events-1.json")
    if rc != 0 or doc is None or doc["events"] != [] or doc["domain"] != "nothing.test":
        p.append("a domain without events: exit %d %s" % (rc, json.dumps(doc)[:300]))
    # CSV: parsed back, one row per event, the same values as JSON
    rc, out, err = t.ms(["events", "--db", db, "--format", "csv"])
    rows = list(csv.reader(io.StringIO(out, newline="")))
    if rc != 0 or not rows or rows[0] != CSV_HEADER:
        p.append("csv: exit %d header %s" % (rc, rows[:1]))
    else:
        want = [[e[k] if k not in ("old", "new") else e[k] for k in CSV_HEADER] for e in evs]
        want = [["" if v is None else ("'" + v if v[:1] in "=+-@\t\r" else v) for v in r] for r in want]
        if rows[1:] != want:
            bad = [(a, b) for a, b in zip(rows[1:], want) if a != b][:2]
            p.append("csv rows differ from the JSON events (%d vs %d): %s" % (len(rows) - 1, len(want), bad))
        if "\r\n" not in out:
            p.append("csv rows do not end in CRLF")
    rc, out, err = t.ms(["events", "--db", db])
    lines = out.splitlines()
    if rc != 0 or len(lines) != len(evs) or not any("record" in l and "_dmarc.example.test" in l for l in lines):
        p.append("text: exit %d, %d lines for %d events\n%s" % (rc, len(lines), len(evs), out[:600]))
    t.check("events: --domain, --since, JSON, CSV parsed back, text", p)

    p = []
    for argv, want in ((["--format", "xml"], "--format"), (["--since", "yesterday"], "--since"),
                       (["--domain", "-bad-"], "--domain"), (["--workspace", "acme"], "--workspace"),
                       (["example.test"], "no arguments")):
        rc, out, err = t.ms(["events", "--db", db] + argv)
        if rc != 2 or want not in err:
            p.append("events %s: exit %d: %s" % (" ".join(argv), rc, err[-300:]))
    rc, out, err = t.ms(["events", "--db", be.unopenable()])
    if rc != 2 or "cannot open the database" not in err:
        p.append("unopenable: exit %d: %s" % (rc, err[-300:]))
    t.check("events: usage errors and an unopenable database exit 2", p)

    p = []
    # the first run's checks 40 days old: purge takes them and their events, the rest stay
    be.query(db, "UPDATE checks SET checked_at = checked_at - 40 * 86400 WHERE run_id = '%s'" % runs[0])
    rc, out, err = t.ms(["history", "purge", "--older-than", "30", "--db", db])
    left = be.query(db, "SELECT count(*) FROM events")[0][0]
    gone = be.query(db, "SELECT count(*) FROM events WHERE run_id = '%s'" % runs[0])[0][0]
    if rc != 0 or out.strip() != "2 stored checks removed" or gone != 0 or left != len(evs) - len(first):
        p.append("purge: exit %d %r, %d events left (want %d), %d of the purged run" %
                 (rc, out, left, len(evs) - len(first), gone))
    t.check("history purge takes the events of the checks it deletes", p)
    return db


def served_not_after(w, addr):
    """The notAfter of the certificate the server at addr presents after STARTTLS, or None."""
    p = subprocess.run(w.nsexec(["openssl", "s_client", "-starttls", "smtp", "-connect", addr + ":25",
                                 "-servername", "mx-good." + MAIL]),
                       input=b"", capture_output=True, timeout=30)
    pem = re.search(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", p.stdout, re.S)
    if not pem:
        return None
    q = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-issuer"], input=pem.group(0),
                       capture_output=True, timeout=30)
    return q.stdout.decode()


def certificates(args):
    """A mail server's certificate replaced between checks: certificate events, in the mail world.

    The world's mx-good serves its certificate, then (Postfix reloaded) mx-expiring's (same CA and
    key type, expiring in 5 days), then mx-weak's (RSA 1024), then mx-rogue's (another issuer)."""
    name = "certificates: a replaced server certificate gives issuer, key and expiry events (mail world)"
    tmp = tempfile.mkdtemp(prefix="mailsec-events-world-")
    w = MailWorld(tmp)
    p = []
    try:
        try:
            w.start()
        except (WorldUnavailable, OSError) as e:
            return [skip_or_fail(NAME, name, str(e))]
        os.chmod(tmp, 0o755)
        db = os.path.join(tmp, "certs.db")
        zone = "certs.test. MX 10 mx-good.%s.\nmx-good.%s. A %s\n" % (MAIL, MAIL, ADDR["mx-good"])
        subject = "mx-good.%s[%s]" % (MAIL, ADDR["mx-good"])
        good = os.path.join(w.pki.d, "mx-good.pem")
        certs = []
        for step in ("mx-good", "mx-expiring", "mx-weak", "mx-rogue"):
            if step != "mx-good":
                before = served_not_after(w, ADDR["mx-good"])
                shutil.copyfile(os.path.join(w.pki.d, step + ".pem"), good)
                subprocess.run(w.nsexec(["/usr/sbin/postfix", "-c", w.postfix_dir, "reload"]),
                               capture_output=True, timeout=60)
                for _ in range(100):
                    now = served_not_after(w, ADDR["mx-good"])
                    if now and now != before:
                        break
                    time.sleep(0.1)
                else:
                    p.append("%s: Postfix still serves the old certificate after reload" % step)
                    break
            rc, out, err, _ = w.mailsec(args.mailsec, ["check", "--json", "--only", "mx,tls", "--db", db,
                                                       "--net-timeout", "%g" % (5 * TIME_SCALE),
                                                       "certs.test"], zone)
            try:
                c = json.loads(out)["domains"][0]["facts"]["tls"]["addresses"][0]["certificate"]
                certs.append(c)
            except (ValueError, KeyError, IndexError, TypeError) as e:
                p.append("%s: no certificate in the check's facts (%s), exit %d: %s" % (step, e, rc, err[-500:]))
                break
        if not p:
            rc, out, err = hrun([args.mailsec, "events", "--db", db, "--json"], wrapper=args.wrapper)
            doc = json.loads(out) if rc == 0 else None
            if doc is None:
                p.append("events: exit %d: %s" % (rc, err[-300:]))
            else:
                p.extend("events schema: " + e for e in validate_json(doc, "mailsec-events-1.json"))
                runs = []
                for e in doc["events"]:
                    if e["run_id"] not in runs:
                        runs.append(e["run_id"])
                got = [sorted((e["item"], e["old"], e["new"]) for e in doc["events"]
                              if e["run_id"] == r and e["kind"] == "certificate") for r in runs[1:]]

                def key(c):
                    return "%s %d" % (c["key_type"], c["key_bits"])
                want = []
                for a, b in zip(certs, certs[1:]):
                    want.append(sorted(x for x in (("issuer", a["issuer"], b["issuer"]),
                                                   ("key", key(a), key(b)),
                                                   ("expiry", a["not_after"], b["not_after"])) if x[1] != x[2]))
                if got != want:
                    p.append("certificate events\n got  %s\n want %s" % (got, want))
                # the scenario spelled out: an expiry, then a key, then an issuer change
                items = [{i for i, _, _ in g} for g in got]
                if len(items) != 3 or "expiry" not in items[0] or "issuer" in items[0] or "key" in items[0] \
                        or "key" not in items[1] or "issuer" not in items[2]:
                    p.append("the scenario's changes are missing: %s" % items)
                if any(e["subject"] != subject for e in doc["events"] if e["kind"] == "certificate"):
                    p.append("certificate events not about %s" % subject)
    finally:
        w.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return [Result(NAME, name, "fail" if p else "pass", "\n".join(p))]


def run(args):
    res = []
    tmp = tempfile.mkdtemp(prefix="mailsec-events-")
    try:
        t = T(args, SqliteBackend(tmp))
        three_runs(t)
        res += t.res
        pg = PgServer()
        try:
            why = pg.start()
            if why is not None:
                res.append(skip_or_fail(NAME, "events [postgresql]: private server", why))
            else:
                t = T(args, PgBackend(pg))
                three_runs(t)
                res += t.res
        finally:
            pg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res += certificates(args)
    return res
