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


PROV_BEFORE = """p.test.  MX 10 mx.p.test.
mx.p.test. A 192.0.2.30
p.test.  TXT "v=spf1 include:_spf.google.com include:other.test -all"
_spf.google.com. TXT "v=spf1 ip4:192.0.2.0/24 ~all"
amazonses.com. TXT "v=spf1 ip4:198.51.100.0/24 -all"
other.test. TXT "v=spf1 include:_spf.google.com -all"
_dmarc.p.test. TXT "v=DMARC1; p=none"
"""
PROV_AFTER = PROV_BEFORE.replace("include:other.test", "include:amazonses.com").replace(
    "p.test.  MX 10 mx.p.test.", "p.test.  MX 10 aspmx.l.google.com.\naspmx.l.google.com. A 192.0.2.31")


def providers(t):
    """Provider names per SPF include (check facts), in events about the MX set and the SPF record, and in
    the reports summary's SPF walk."""
    db = t.be.new("prov")
    p = []
    before = os.path.join(t.tmp, "%s-prov-before.zone" % t.be.name)
    after = os.path.join(t.tmp, "%s-prov-after.zone" % t.be.name)
    open(before, "w").write(PROV_BEFORE)
    open(after, "w").write(PROV_AFTER)
    rc, out, err = t.ms(["check", "p.test", "--replay", before, "--only", "mx,spf", "--json", "--db", db], None, p)
    try:
        doc = json.loads(out)
        p += ["schema: " + e for e in validate_json(doc)]
        spf = doc["domains"][0]["facts"]["spf"]
        if spf.get("providers") != [{"include": "_spf.google.com", "via": "include", "provider": "Google Workspace"}]:
            p.append("facts.spf.providers: %r" % spf.get("providers"))
        kids = [(k["domain"], k["provider"]) for k in spf["tree"]["children"]]
        if kids != [("_spf.google.com", "Google Workspace"), ("other.test", None)]:
            p.append("tree providers: %r" % kids)
    except (ValueError, KeyError, IndexError) as e:
        p.append("check --json: %s" % e)
    t.ms(["check", "p.test", "--replay", after, "--only", "mx,spf", "--db", db], None, p)
    rc, out, err = t.ms(["events", "--domain", "p.test", "--db", db, "--format", "json"], 0, p)
    try:
        doc = json.loads(out)
        p += ["events schema: " + e for e in validate_json(doc, "mailsec-events-1.json")]
        rec = {(e["area"], e["item"]): e.get("providers") for e in doc["events"] if e["kind"] == "record"}
        if rec.get(("mx", "mx")) != [{"name": "aspmx.l.google.com", "provider": "Google Workspace"}]:
            p.append("MX set event providers: %r" % rec.get(("mx", "mx")))
        if rec.get(("spf", "txt")) != [{"name": "_spf.google.com", "provider": "Google Workspace"},
                                       {"name": "amazonses.com", "provider": "Amazon SES"}]:
            p.append("SPF record event providers: %r" % rec.get(("spf", "txt")))
        if any("providers" in e for e in doc["events"] if e["kind"] != "record"):
            p.append("providers on an event that is no record event")
    except (ValueError, KeyError) as e:
        p.append("events --format json: %s" % e)
    rc, out, err = t.ms(["events", "--domain", "p.test", "--db", db], 0, p)
    if "(aspmx.l.google.com: Google Workspace)" not in out or "amazonses.com: Amazon SES" not in out:
        p.append("events text does not name the providers: %r" % out[-1200:])
    # the summary's SPF walk: a source in Google's network, listed via include:_spf.google.com
    now = int(time.time())
    rep = os.path.join(t.tmp, "%s-prov.xml" % t.be.name)
    open(rep, "w").write(OLD.replace("learn-old", "prov-1").replace("a.test", "p.test")
                         .replace("old.p.test", "p.test") % (now - 86400, now - 60))
    t.ms(["reports", "ingest", "--db", db, rep], 0, p)
    rc, out, err = t.ms(["reports", "summary", "p.test", "--db", db, "--json", "--replay", after], None, p)
    try:
        doc = json.loads(out)
        p += ["reports schema: " + e for e in validate_json(doc, "mailsec-reports-1.json")]
        src = doc["domains"][0]["sources"] if "domains" in doc else doc["sources"]
        got = [(x["ip"], x["spf_include"], x.get("spf_include_provider")) for x in src]
        if got != [("192.0.2.25", "_spf.google.com", "Google Workspace")]:
            p.append("summary sources: %r" % got)
    except (ValueError, KeyError, IndexError) as e:
        p.append("reports summary --json: %s: %r" % (e, out[:400]))
    t.check("providers: per SPF include in the check's facts, in MX and SPF record events, in the summary's "
            "SPF walk", p)


def scenarios(args, be, tmp):
    t = T(args, be, tmp)
    for fn in (selectors, suggest, tls_policy_left_out, providers):
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
