"""tests/groups/learn.py - learning from stored DMARC reports: DKIM selectors and unregistered header_from domains.

A DMARC aggregate report (tests/learn/report.xml.in, dated now) is ingested; so
is an older one (60 days back) naming a selector outside the 30-day window.
Then, over replay data (tests/learn/world.zone, never the network):

* `check --db --selectors-from-reports`: the selectors the reports saw signing
  as a.test are tried (rep2026, published: a key with source "reports";
  gone, not published: dkim.selector.missing saying it came from the reports),
  dkim.selector.from-reports names both, the selector of another signing
  domain, the one that is no DNS name and the old one are not tried; without
  the option nothing is learnt; without --db it is refused (exit 2);
* `monitor --once`: the stored result of a.test has the same
  selectors_from_reports;
* `domains suggest`: news.a.test and shop.a.test (header_from, not
  registered) with their message counts, not a.test (registered) nor
  evil.example (not below a workspace domain); JSON validated against
  docs/schema/mailsec-domains-suggest-1.json; an unknown workspace exit 2;
* `tls-policy` over stored results without STARTTLS facts: every domain left
  out with a comment saying why (the Postfix part is tests/groups/tlspolicy.py).

On SQLite and on a private PostgreSQL (the JSON queries differ), skipped
loudly without it (a failure when CI=true).
"""
import json
import os
import shutil
import tempfile
import time

from harness import ROOT, Result, skip_or_fail, validate_json
from harness import run as hrun
from pgserver import PgBackend, PgServer, SqliteBackend

NAME = "learn"
ZONE = os.path.join(ROOT, "tests", "learn", "world.zone")
REPORT = os.path.join(ROOT, "tests", "learn", "report.xml.in")

OLD = """<?xml version="1.0"?>
<feedback><report_metadata><org_name>receiver.test</org_name><email>r@receiver.test</email>
<report_id>learn-old</report_id><date_range><begin>%d</begin><end>%d</end></date_range></report_metadata>
<policy_published><domain>a.test</domain><p>none</p></policy_published>
<record><row><source_ip>192.0.2.25</source_ip><count>5</count><policy_evaluated><disposition>none</disposition>
<dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>old.a.test</header_from></identifiers>
<auth_results><dkim><domain>a.test</domain><selector>old2020</selector><result>pass</result></dkim>
<spf><domain>a.test</domain><result>pass</result></spf></auth_results></record></feedback>
"""


def sanitizer(err):
    return "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err


class T:
    def __init__(self, args, be, tmp):
        self.args, self.be, self.tmp, self.res = args, be, tmp, []

    def ms(self, argv, want=None, p=None):
        rc, out, err = hrun([self.args.mailsec] + argv, wrapper=self.args.wrapper)
        if p is not None:
            if want is not None and rc != want:
                p.append("%s: exit %d, want %d: %s" % (" ".join(argv[:3]), rc, want, err[-600:]))
            if sanitizer(err):
                p.append("%s: sanitizer: %s" % (" ".join(argv[:3]), err[-2000:]))
        return rc, out, err

    def check(self, name, problems):
        self.res.append(Result(NAME, self.be.label(name), "fail" if problems else "pass", "\n".join(problems)))


def reports(t, db, p):
    now = int(time.time())
    text = open(REPORT).read().replace("@ID@", "1").replace("@BEGIN@", str(now - 86400)) \
        .replace("@END@", str(now - 60))
    cur = os.path.join(t.tmp, "%s-current.xml" % t.be.name)
    old = os.path.join(t.tmp, "%s-old.xml" % t.be.name)
    open(cur, "w").write(text)
    open(old, "w").write(OLD % (now - 61 * 86400, now - 60 * 86400))
    t.ms(["reports", "ingest", "--db", db, cur, old], 0, p)


def dkim_of(out, p):
    try:
        doc = json.loads(out)
    except ValueError as e:
        p.append("not JSON: %s" % e)
        return None, []
    p += ["schema: " + e for e in validate_json(doc)]
    d = doc["domains"][0]
    return d["facts"].get("dkim", {}), [(f["id"], f["severity"], f.get("message", "")) for f in d["findings"]]


def selectors(t):
    db = t.be.new("sel")
    p = []
    reports(t, db, p)
    base = ["check", "a.test", "--replay", ZONE, "--only", "dkim", "--json", "--db", db]
    rc, out, err = t.ms(base + ["--selectors-from-reports"], 1, p)
    dk, fs = dkim_of(out, p)
    if dk is not None:
        if dk.get("selectors_from_reports") != ["gone", "rep2026"]:
            p.append("selectors_from_reports: %r, want gone, rep2026" % dk.get("selectors_from_reports"))
        tried = dk.get("selectors_tried", [])
        for bad in ("espsel", "old2020", "bad selector!"):
            if bad in tried:
                p.append("%s was tried: %r" % (bad, tried))
        keys = [(k["selector"], k["source"]) for k in dk.get("keys", [])]
        if keys != [("rep2026", "reports")]:
            p.append("keys: %r, want rep2026 from reports" % keys)
        ids = [(i, s) for i, s, _ in fs]
        if ("dkim.selector.from-reports", "info") not in ids:
            p.append("no dkim.selector.from-reports: %r" % ids)
        miss = [m for i, s, m in fs if i == "dkim.selector.missing"]
        if len(miss) != 1 or "gone" not in miss[0] or "DMARC reports" not in miss[0]:
            p.append("dkim.selector.missing for gone (from the reports): %r" % miss)
        named = [m for i, s, m in fs if i == "dkim.selector.from-reports"]
        if named and ("gone" not in named[0] or "rep2026" not in named[0]):
            p.append("dkim.selector.from-reports does not name both: %r" % named)
    rc, out, err = t.ms(base, 0, p)
    dk, fs = dkim_of(out, p)
    if dk is not None and (dk.get("selectors_from_reports") or dk.get("keys")):
        p.append("without --selectors-from-reports something was learnt: %r" % dk)
    t.ms(["check", "a.test", "--replay", ZONE, "--selectors-from-reports"], 2, p)
    t.check("check --selectors-from-reports: the reports' selectors of a.test tried, others not, "
            "the finding names them", p)

    # the monitor learns them too
    mdb = t.be.new("mon")
    p = []
    reports(t, mdb, p)
    t.ms(["workspace", "add", "acme", "--db", mdb], 0, p)
    t.ms(["domains", "add", "--workspace", "acme", "--db", mdb, "a.test"], 0, p)
    t.ms(["monitor", "--once", "--db", mdb, "--replay", ZONE], 0, p)
    rows = t.be.query(mdb, "SELECT doc FROM checks WHERE domain = 'a.test'")
    try:
        doc = json.loads(rows[0][0])
        dk = doc["facts"]["dkim"]
        if dk.get("selectors_from_reports") != ["gone", "rep2026"]:
            p.append("the stored result's selectors_from_reports: %r" % dk.get("selectors_from_reports"))
        if "dkim.selector.from-reports" not in [f["id"] for f in doc["findings"]]:
            p.append("the stored result has no dkim.selector.from-reports finding")
    except (ValueError, IndexError, KeyError) as e:
        p.append("the stored result of a.test: %s: %r" % (e, rows))
    t.check("monitor --once: a.test checked with the selectors its reports name", p)


def suggest(t):
    db = t.be.new("suggest")
    p = []
    reports(t, db, p)
    t.ms(["workspace", "add", "acme", "--db", db], 0, p)
    t.ms(["domains", "add", "--workspace", "acme", "--db", db, "a.test"], 0, p)
    rc, out, err = t.ms(["domains", "suggest", "--workspace", "acme", "--db", db, "--format", "json"], 0, p)
    try:
        doc = json.loads(out)
        p += ["schema: " + e for e in validate_json(doc, "mailsec-domains-suggest-1.json")]
        got = [(s["domain"], s["under"], s["messages"]) for s in doc["suggestions"]]
        if got != [("news.a.test", "a.test", 7), ("shop.a.test", "a.test", 3)]:
            p.append("suggestions: %r, want news.a.test (7) and shop.a.test (3)" % got)
        if any(s["first_seen"] is None or s["last_seen"] is None for s in doc["suggestions"]):
            p.append("first/last seen missing: %r" % doc["suggestions"])
    except ValueError as e:
        p.append("not JSON: %s: %r" % (e, out[:300]))
    rc, out, err = t.ms(["domains", "suggest", "--workspace", "acme", "--db", db], 0, p)
    if not out.startswith("news.a.test\t7 messages") or "shop.a.test\t3 messages" not in out:
        p.append("text: %r" % out)
    t.ms(["domains", "add", "--workspace", "acme", "--db", db, "news.a.test"], 0, p)
    rc, out, err = t.ms(["domains", "suggest", "--workspace", "acme", "--db", db, "--format", "json"], 0, p)
    if rc == 0 and [s["domain"] for s in json.loads(out)["suggestions"]] != ["shop.a.test"]:
        p.append("after adding news.a.test: %r" % out)
    t.ms(["domains", "suggest", "--workspace", "nosuch", "--db", db], 2, p)
    t.ms(["domains", "suggest", "--db", db], 2, p)
    t.check("domains suggest: unregistered header_from subdomains with counts, text and JSON (schema)", p)


def tls_policy_left_out(t):
    db = t.be.new("tlsp")
    p = []
    t.ms(["check", "a.test", "--replay", ZONE, "--db", db], None, p)
    lst = os.path.join(t.tmp, "%s-partners.txt" % t.be.name)
    open(lst, "w").write("# partners\na.test\nnever.test\n")
    rc, out, err = t.ms(["tls-policy", "--domains", lst, "--db", db], 0, p)
    lines = [l for l in out.splitlines() if l and not l.startswith("# mailsec") and not l.startswith("#\t")]
    want = ["# a.test: STARTTLS was not probed (offline or --no-smtp)",
            "# never.test: never checked"]
    if [l for l in lines if l.startswith("# a.test") or l.startswith("# never.test")] != want \
            or any(not l.startswith("#") for l in lines):
        p.append("tls-policy: %r, want the comments %r and no map line" % (out, want))
    t.ms(["workspace", "add", "acme", "--db", db], 0, p)
    t.ms(["domains", "add", "--workspace", "acme", "--db", db, "a.test"], 0, p)
    rc, out2, err = t.ms(["tls-policy", "--workspace", "acme", "--db", db], 0, p)
    if "# a.test: STARTTLS was not probed" not in out2:
        p.append("tls-policy --workspace: %r" % out2)
    t.ms(["tls-policy", "--workspace", "nosuch", "--db", db], 2, p)
    t.ms(["tls-policy", "--db", db], 2, p)
    t.check("tls-policy: domains without STARTTLS facts or never checked left out with a comment", p)


def scenarios(args, be, tmp):
    t = T(args, be, tmp)
    for fn in (selectors, suggest, tls_policy_left_out):
        try:
            fn(t)
        except Exception as e:  # noqa: BLE001 - one scenario's crash must not hide the others
            t.check(fn.__name__ + ": crashed", ["%s: %s" % (type(e).__name__, e)])
    return t.res


def run(args):
    res = []
    tmp = tempfile.mkdtemp(prefix="mailsec-learn-")
    try:
        res += scenarios(args, SqliteBackend(tmp), tmp)
        pg = PgServer()
        try:
            why = pg.start()
            if why is not None:
                res.append(skip_or_fail(NAME, "learn [postgresql]: private server", why))
            else:
                res += scenarios(args, PgBackend(pg), tmp)
        finally:
            pg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res
