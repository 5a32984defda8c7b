"""tests/groups/reports.py - DMARC aggregate / TLS-RPT / failure report ingestion (issue 8).

Subgroups (one Result each test):
  vectors   every file under $MAILSEC_TESTDATA/dmarc-reports and /tlsrpt handled as its
            SOURCE.txt / EXPECTATIONS.txt says, plus golden files of the parsed results
  hostile   billion laughs, XXE (file:// and http://, never fetched), deep nesting, zip and
            gzip bombs, the CVE-2020-12460 class (oversized fields), record cap
  store     idempotent ingest, duplicates, quarantine with reason, purge, --no-failure-bodies
  mail      Maildir and mbox ingest with duplicates and a broken report
  imap      a real Dovecot on loopback (started here, stopped by PID); a hostile IMAP
            server (a Python thread on loopback) whose SEARCH replies must be refused
  kill9     ingest killed with SIGKILL at random points, then completed: each report once
  summary   golden summary (JSON, text, CSV) with PTR names from the replay resolver
  shared    several processes on one SQLite file: two ingests into a new file at once
            (10 trials), read-only file and read-only mount, a foreign SQLite file refused
            untouched, a file an older mailsec made, the default database and its mode
store, kill9 and summary run twice: on SQLite files, and on PostgreSQL databases in a
private server this group starts and stops (tests/pgserver.py; named "[postgresql]").
Every JSON output is validated against docs/schema/mailsec-reports-1.json.
"""
import base64
import csv
import glob
import gzip
import http.server
import io
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import zipfile

from harness import ROOT, Result, skip_or_fail, testdata_dir
from harness import run as hrun
from pgserver import PgBackend, PgServer, SqliteBackend

NAME = "reports"
GOLDEN = os.path.join(ROOT, "tests", "reports", "golden")
UPDATE = os.environ.get("MAILSEC_UPDATE_GOLDEN") == "1"
_VALIDATOR = None


def validate(doc):
    global _VALIDATOR
    if _VALIDATOR is None:
        import jsonschema
        schema = json.load(open(os.path.join(ROOT, "docs", "schema", "mailsec-reports-1.json")))
        _VALIDATOR = jsonschema.Draft202012Validator(schema)
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message)
            for e in _VALIDATOR.iter_errors(doc)]


def sanitizer(err):
    return "ERROR: AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err


class T:
    """Collects the Results of one group run."""

    def __init__(self, args):
        self.args = args
        self.res = []

    def check(self, name, problems, detail=""):
        self.res.append(Result(NAME, name, "fail" if problems else "pass",
                               "\n".join(problems) + ("\n" + detail if problems and detail else "")))

    def ms(self, argv, timeout=120, env=None):
        rc, out, err = hrun([self.args.mailsec] + argv, timeout=timeout, env=env,
                           wrapper=self.args.wrapper)
        return rc, out, err

    def ms_json(self, argv, problems, timeout=120, env=None, want_rc=(0, 1)):
        rc, out, err = self.ms(argv + ["--json"] if "--json" not in argv else argv, timeout, env)
        if sanitizer(err):
            problems.append("sanitizer: " + err[-3000:])
        if rc not in want_rc:
            problems.append("exit %d (want %s): %s" % (rc, want_rc, err[-1500:]))
            return None
        try:
            doc = json.loads(out)
        except ValueError as e:
            problems.append("not JSON: %s: %r" % (e, out[:300]))
            return None
        problems.extend("schema: " + e for e in validate(doc)[:10])
        return doc


def items_by_file(doc):
    """origin -> list of items (attachments share their message's file)."""
    out = {}
    for it in doc["items"]:
        f = it["origin"].split(" [")[0]
        out.setdefault(os.path.basename(f), []).append(it)
    return out


def normalise(doc, td):
    d = json.loads(json.dumps(doc))
    for it in d["items"]:
        it["origin"] = it["origin"].replace(td, "$TESTDATA")
    return d


def golden(t, name, got, problems, text=False):
    """Compare with tests/reports/golden/name; large files are kept gzipped (name.gz)."""
    path = os.path.join(GOLDEN, name)
    data = got if text else json.dumps(got, indent=2, sort_keys=False) + "\n"
    big = len(data) > 64 * 1024
    if UPDATE:
        os.makedirs(GOLDEN, exist_ok=True)
        for old in (path, path + ".gz"):
            if os.path.exists(old):
                os.unlink(old)
        if big:
            with open(path + ".gz", "wb") as f:
                f.write(gzip.compress(data.encode("utf-8"), 9, mtime=0))
        else:
            open(path, "w", newline="").write(data)
        return
    if os.path.exists(path + ".gz"):
        want = gzip.decompress(open(path + ".gz", "rb").read()).decode("utf-8")
    elif os.path.exists(path):
        want = open(path, newline="").read()
    else:
        problems.append("no golden file %s (MAILSEC_UPDATE_GOLDEN=1 writes it)" % path)
        return
    if want != data:
        import difflib
        diff = "".join(list(difflib.unified_diff(want.splitlines(True), data.splitlines(True),
                                                 "golden/" + name, "got"))[:60])
        problems.append("differs from golden/%s:\n%s" % (name, diff))


# ---- vectors ------------------------------------------------------------------

def report_files(d):
    """Files under d that are reports or messages (licences and provenance files excluded)."""
    out = []
    for p in sorted(glob.glob(os.path.join(d, "**", "*"), recursive=True)):
        b = os.path.basename(p)
        if os.path.isfile(p) and not b.startswith(("LICENSE", "SOURCE.txt", "EXPECTATIONS.txt")) \
                and not b.endswith((".tsv", ".yml", ".expected.json")):
            out.append(p)
    return out


def vectors(t, td):
    dm = os.path.join(td, "dmarc-reports")
    tl = os.path.join(td, "tlsrpt")
    docs = {}
    for sub in ("parsedmarc", "mox", "opendmarc", "mail-dmarc"):
        p = []
        doc = t.ms_json(["reports", "parse"] + report_files(os.path.join(dm, sub)), p)
        if doc is not None:
            docs[sub] = doc
            golden(t, "parse-dmarc-%s.json" % sub, normalise(doc, td), p)
        t.check("vectors: dmarc-reports/%s parse + golden" % sub, p)
    for sub in ("parsedmarc", "mox"):
        p = []
        doc = t.ms_json(["reports", "parse"] + report_files(os.path.join(tl, sub)), p)
        if doc is not None:
            docs["tls-" + sub] = doc
            golden(t, "parse-tlsrpt-%s.json" % sub, normalise(doc, td), p)
        t.check("vectors: tlsrpt/%s parse + golden" % sub, p)
    if len(docs) < 6:
        return

    # parsedmarc EXPECTATIONS.txt
    pm = items_by_file(docs["parsedmarc"])
    p = []
    agg = sorted(os.listdir(os.path.join(dm, "parsedmarc", "samples", "aggregate")))
    for f in agg:
        types = [i["type"] for i in pm.get(f, [])]
        if types != ["dmarc"]:
            p.append("%s: %s, want one aggregate report" % (f, types or "nothing"))
    t.check("vectors: parsedmarc: every samples/aggregate file is an aggregate report (%d)" % len(agg), p)

    def rep(f):
        its = pm.get(f, [])
        return its[0].get("report") if its else None

    p = []
    r = rep("report_with_upper_cased_pass.xml")
    rec = r and r["records"][0]
    if not (rec and rec["dkim"] == "pass" and rec["spf"] == "pass" and rec["disposition"] == "none"
            and rec["dkim_auth"][0]["result"] == "pass" and rec["spf_auth"][0]["result"] == "pass"):
        p.append("upper-cased results not lower-cased: %s" % json.dumps(rec))
    t.check("vectors: parsedmarc: upper-case result words are lower-cased", p)

    p = []
    e = pm.get("empty.xml", [])
    if [i["type"] for i in e] != ["rejected"]:
        p.append("empty.xml: %s" % e)
    t.check("vectors: parsedmarc: empty.xml is rejected", p)

    p = []
    nice = [rep(f) for f in ("nice-input.xml", "nice-input.xml.gz", "nice-input.xml.zip")]
    if None in nice or not (nice[0] == nice[1] == nice[2]):
        p.append("nice-input .xml/.gz/.zip differ")
    if rep("changed-input.xml") == nice[0]:
        p.append("changed-input.xml equals nice-input.xml")
    t.check("vectors: parsedmarc: extract_report containers agree, changed-input differs", p)

    p = []
    r = rep("protection.outlook.com!example.com!1711756800!1711843200.xml")
    if not r or r["report_metadata"]["org_name"] != "outlook.com":
        p.append("outlook org_name: %s" % (r and r["report_metadata"]["org_name"]))
    r = rep("Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml")
    if not r or r["report_metadata"]["org_name"] != "google.com":
        p.append("borschow org_name: %s" % (r and r["report_metadata"]["org_name"]))
    t.check("vectors: parsedmarc: reporter org names (outlook.com, google.com)", p)

    p = []
    r = rep("rfc9990-sample.xml")
    want = {"version": "1.0", "xmlns": "urn:ietf:params:xml:ns:dmarc-2.0"}
    md = {"org_name": "Sample Reporter", "email": "report_sender@example-reporter.com",
          "extra_contact_info": "...", "report_id": "3v98abbp8ya9n3va8yr8oa3ya"}
    pol = {"domain": "example.com", "p": "quarantine", "sp": "none", "np": "none", "testing": "n",
           "discovery_method": "treewalk", "pct": None, "fo": None}
    if not r:
        p.append("rfc9990-sample.xml not parsed")
    else:
        for k, v in want.items():
            if r[k] != v:
                p.append("%s = %r, want %r" % (k, r[k], v))
        for k, v in md.items():
            if r["report_metadata"][k] != v:
                p.append("report_metadata.%s = %r, want %r" % (k, r["report_metadata"][k], v))
        for k, v in pol.items():
            if r["policy_published"][k] != v:
                p.append("policy_published.%s = %r, want %r" % (k, r["policy_published"][k], v))
        recs = r["records"]
        if len(recs) != 1:
            p.append("%d records" % len(recs))
        else:
            x = recs[0]
            exp = {"source_ip": "192.0.2.123", "count": 123, "disposition": "pass", "dkim": "pass",
                   "spf": "fail"}
            for k, v in exp.items():
                if x[k] != v:
                    p.append("record.%s = %r, want %r" % (k, x[k], v))
            if x["dkim_auth"] != [{"domain": "example.com", "selector": "abc123", "result": "pass",
                                   "human_result": None}]:
                p.append("dkim auth: %s" % x["dkim_auth"])
            if [(a["domain"], a["result"]) for a in x["spf_auth"]] != [("example.com", "fail")]:
                p.append("spf auth: %s" % x["spf_auth"])
    t.check("vectors: parsedmarc: rfc9990-sample.xml fields", p)

    p = []
    r = rep("rfc9990-example.net!example.com!1700000000!1700086399.xml")
    pp = r and r["policy_published"]
    if not pp or (pp["np"], pp["testing"], pp["discovery_method"]) != ("reject", "y", "treewalk"):
        p.append("policy: %s" % pp)
    r = rep("example.net!example.com!1529366400!1529452799.xml")
    pp = r and r["policy_published"]
    if not pp or (pp["pct"], pp["fo"], pp["np"], pp["testing"], pp["discovery_method"]) != \
            ("100", "0", None, None, None) or r["xmlns"] is not None or \
            r["report_metadata"]["generator"] is not None:
        p.append("RFC 7489 report: %s" % json.dumps(r)[:400])
    t.check("vectors: parsedmarc: RFC 9990 np/testing/discovery_method, RFC 7489 pct/fo", p)

    p = []
    fail_dir = os.path.join(dm, "parsedmarc", "samples", "failure")
    for f in sorted(os.listdir(fail_dir)):
        its = pm.get(f, [])
        if [i["type"] for i in its] != ["failure"]:
            p.append("%s: %s" % (f, [i["type"] for i in its]))
    r = rep("exim_plain_text_only_no_arf_part.eml")
    if not r or r["feedback_type"] != "auth-failure" or r["source_ip"] != "203.0.113.68" or \
            not r["authentication_results"]:
        p.append("exim plain-text report: %s" % r)
    t.check("vectors: parsedmarc: failure reports (ARF and plain text)", p)

    p = []
    r = rep("!large-example.com!1711897200!1711983600.xml")
    if not r or len(r["records"]) < 100:
        p.append("large report: %s records" % (r and len(r["records"])))
    t.check("vectors: parsedmarc: the 900 KB report", p)

    # mox
    mx = items_by_file(docs["mox"])
    p = []
    for f in ("google.eml", "mailru.eml", "outlook.eml", "xs4all.eml", "yahoo.eml"):
        if [i["type"] for i in mx.get(f, [])] != ["dmarc"]:
            p.append("%s: %s" % (f, [i["type"] for i in mx.get(f, [])]))
    for f in ("noreport-plain.eml", "noreport-multipart-alternative.eml"):
        if [i["type"] for i in mx.get(f, [])] != ["noreport"]:
            p.append("%s: %s" % (f, [i["type"] for i in mx.get(f, [])]))
    exp = json.load(open(os.path.join(dm, "mox", "report-example.expected.json")))
    r = mx.get("report-example.xml", [{}])[0].get("report")
    if not r:
        p.append("report-example.xml not parsed")
    else:
        em, gm = exp["report_metadata"], r["report_metadata"]
        for k in ("org_name", "email", "extra_contact_info", "report_id"):
            if em.get(k) != gm.get(k):
                p.append("report_metadata.%s %r != %r" % (k, gm.get(k), em.get(k)))
        if (em["date_range"]["begin"], em["date_range"]["end"]) != (gm["begin"], gm["end"]):
            p.append("date_range")
        for k, v in exp["policy_published"].items():
            if str(v) != str(r["policy_published"].get(k)):
                p.append("policy_published.%s %r != %r" % (k, r["policy_published"].get(k), v))
        if len(exp["records"]) != len(r["records"]):
            p.append("records: %d != %d" % (len(r["records"]), len(exp["records"])))
        for er, gr in zip(exp["records"], r["records"]):
            row = er["row"]
            got = (gr["source_ip"], gr["count"], gr["disposition"], gr["dkim"], gr["spf"], gr["header_from"])
            want_ = (row["source_ip"], row["count"], row["policy_evaluated"]["disposition"],
                     row["policy_evaluated"]["dkim"], row["policy_evaluated"]["spf"],
                     er["identifiers"]["header_from"])
            if got != want_:
                p.append("record %s != %s" % (got, want_))
            for kind in ("dkim", "spf"):
                ea = [(a.get("domain"), a.get("result"), a.get("selector")) for a in er["auth_results"].get(kind, [])]
                ga = [(a["domain"], a["result"], a.get("selector")) for a in gr[kind + "_auth"]]
                if ea != ga:
                    p.append("%s auth %s != %s" % (kind, ga, ea))
    t.check("vectors: mox: real report mails, no-report mails, report-example.expected.json", p)

    p = []
    od = items_by_file(docs["opendmarc"])
    for f, its in od.items():
        # bad.com never closes <feedback>: a report that does not parse to its end is
        # rejected, never stored half (issue 21; tests/vectors/DISAGREEMENTS.md)
        want_types = ["rejected"] if f.startswith("bad.com!") else ["dmarc"]
        if [i["type"] for i in its] != want_types:
            p.append("%s: %s, want %s" % (f, [i["type"] for i in its], want_types))
        if f.startswith("bad.com!") and "truncated" not in (its[0].get("reason") or ""):
            p.append("%s: rejected without saying it is cut short: %s" % (f, its[0].get("reason")))
    if len(od) != 4:
        p.append("%d files parsed, want 4" % len(od))
    md_ = items_by_file(docs["mail-dmarc"])
    reps = [md_.get(f, [{}])[0].get("report") for f in ("test_dmarc.xml", "test_dmarc.xml.gz", "test_dmarc.xml.zip")]
    if None in reps or not (reps[0] == reps[1] == reps[2]):
        p.append("mail-dmarc containers differ")
    t.check("vectors: opendmarc (malformed bad.com rejected as cut short) and mail-dmarc containers", p)

    p = []
    tp = items_by_file(docs["tls-parsedmarc"])
    for f in ("google.com_smtp_tls_report.eml", "smtp_tls.json", "rfc8460.json", "mail.ru.json"):
        if [i["type"] for i in tp.get(f, [])] != ["tlsrpt"]:
            p.append("%s: %s" % (f, [i["type"] for i in tp.get(f, [])]))
    tm = items_by_file(docs["tls-mox"])
    for f in ("rfc8460-example-report.json", "rfc8460-example-multipart.eml",
              "rfc8460-example-single-part.eml", "testdata-example.eml", "testdata-microsoft.eml"):
        if [i["type"] for i in tm.get(f, [])] != ["tlsrpt"]:
            p.append("%s: %s" % (f, [i["type"] for i in tm.get(f, [])]))
    for f in ("noreport-multipart-related.eml", "noreport-application-json.eml"):
        if [i["type"] for i in tm.get(f, [])] != ["noreport"]:
            p.append("%s: %s" % (f, [i["type"] for i in tm.get(f, [])]))
    r = tm.get("rfc8460-example-report.json", [{}])[0].get("report")
    if r:
        pol = r["policies"][0]
        if (r["organization_name"], r["report_id"], pol["policy_domain"], pol["successful_sessions"],
                pol["failed_sessions"], len(pol["failure_details"])) != \
                ("Company-X", "5065427c-23d3-47ca-b6e0-946ea0e8c4be", "company-y.example", 5326, 303, 3):
            p.append("rfc8460 example: %s" % json.dumps(r)[:300])
        if r["begin"] != 1459468800 or r["end"] != 1459555199:
            p.append("date-range %s..%s" % (r["begin"], r["end"]))
    t.check("vectors: tlsrpt: parsedmarc and mox reports and mails, no-report mails", p)


# ---- hostile input -------------------------------------------------------------

FEEDBACK = """<?xml version="1.0"?>
%s<feedback>
 <report_metadata><org_name>%s</org_name><email>a@b.example</email>
  <report_id>%s</report_id><date_range><begin>1</begin><end>2</end></date_range></report_metadata>
 <policy_published><domain>example.com</domain><p>none</p></policy_published>
 <record><row><source_ip>192.0.2.1</source_ip><count>1</count>
  <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
  <identifiers><header_from>%s</header_from></identifiers></record>
</feedback>
"""


class Catcher(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):
        Catcher.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"FETCHED-OVER-HTTP")

    def log_message(self, *a):
        pass


def hostile(t, tmp):
    def parse(path, problems, extra=None):
        return t.ms_json(["reports", "parse"] + (extra or []) + [path], problems, timeout=60)

    # billion laughs
    p = []
    dtd = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        '<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10) for i in range(1, 10)) + "]>\n"
    path = os.path.join(tmp, "laughs.xml")
    open(path, "w").write(FEEDBACK % (dtd, "&lol9;", "laughs-1", "example.com"))
    t0 = time.time()
    doc = parse(path, p)
    if time.time() - t0 > 20:
        p.append("took %.1fs" % (time.time() - t0))
    if doc and "lollol" in json.dumps(doc):
        p.append("entity expanded")
    t.check("hostile: billion laughs is not expanded", p)

    # XXE file:// and http://
    p = []
    canary = os.path.join(tmp, "secret.txt")
    open(canary, "w").write("CANARY-SECRET-42")
    srv = http.server.HTTPServer(("127.0.0.1", 0), Catcher)
    port = srv.server_address[1]
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    Catcher.hits = []
    for name, dtd in (("xxe-file", '<!DOCTYPE f [<!ENTITY x SYSTEM "file://%s">]>\n' % canary),
                      ("xxe-http", '<!DOCTYPE f [<!ENTITY x SYSTEM "http://127.0.0.1:%d/x">]>\n' % port),
                      ("xxe-param", '<!DOCTYPE f [<!ENTITY %% p SYSTEM "http://127.0.0.1:%d/p"> %%p;]>\n' % port),
                      ("xxe-dtd", '<!DOCTYPE feedback SYSTEM "http://127.0.0.1:%d/d.dtd">\n' % port)):
        path = os.path.join(tmp, name + ".xml")
        open(path, "w").write(FEEDBACK % (dtd, "&x;", name, "example.com"))
        doc = parse(path, p)
        s = json.dumps(doc)
        if "CANARY" in s or "FETCHED" in s:
            p.append("%s: entity content appeared in the output" % name)
        if doc and doc["items"][0]["type"] != "dmarc":
            p.append("%s: %s" % (name, doc["items"][0]))
    time.sleep(0.2)
    srv.shutdown()
    srv.server_close()
    if Catcher.hits:
        p.append("HTTP requests were made: %s" % Catcher.hits)
    t.check("hostile: XXE file:// and http:// entities and DTDs are never fetched", p)

    # deep nesting
    p = []
    path = os.path.join(tmp, "deep.xml")
    open(path, "w").write("<feedback>" + "<a>" * 100000 + "</a>" * 100000 + "</feedback>")
    doc = parse(path, p)
    if doc and not (doc["items"][0]["type"] == "rejected" and "deep" in doc["items"][0]["reason"]):
        p.append("deep nesting: %s" % doc["items"][0])
    path = os.path.join(tmp, "deep.json")
    open(path, "w").write("[" * 100000 + "]" * 100000)
    doc = parse(path, p)
    if doc and doc["items"][0]["type"] != "rejected":
        p.append("deep JSON: %s" % doc["items"][0])
    t.check("hostile: deep nesting (XML and JSON) is rejected with a reason", p)

    # zip bomb / gzip bomb: 100 MiB of zeros, default cap 64 MiB
    p = []
    zeros = b"<" + b"\0" * (100 * 1024 * 1024)
    path = os.path.join(tmp, "bomb.zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.xml", zeros)
    doc = parse(path, p)
    if doc and not (doc["items"][0]["type"] == "rejected" and "size cap" in doc["items"][0]["reason"]):
        p.append("zip bomb: %s" % doc["items"][0])
    path = os.path.join(tmp, "bomb.xml.gz")
    open(path, "wb").write(gzip.compress(zeros, 1))
    doc = parse(path, p, ["--max-report-size", "8"])
    if doc and not (doc["items"][0]["type"] == "rejected" and "size cap" in doc["items"][0]["reason"]):
        p.append("gzip bomb: %s" % doc["items"][0])
    del zeros
    t.check("hostile: zip and gzip bombs stop at the size cap with a clear error", p)

    # CVE-2020-12460 class: OpenDMARC overflowed a fixed buffer on long values
    p = []
    big = "A" * 300000
    path = os.path.join(tmp, "cve-2020-12460.xml")
    xml = FEEDBACK % ("", big, "cve-" + big, big + "\x01\x7f" + big)
    xml = xml.replace("<source_ip>192.0.2.1</source_ip>", "<source_ip>" + "9" * 200000 + "</source_ip>")
    xml = xml.replace("<count>1</count>", "<count>" + "9" * 5000 + "</count>")
    open(path, "w").write(xml)
    doc = parse(path, p)
    if doc:
        it = doc["items"][0]
        if it["type"] != "dmarc":
            p.append("not parsed: %s" % it)
        else:
            r = it["report"]
            if len(r["records"][0]["source_ip"]) > 4096 or len(r["report_metadata"]["report_id"]) > 4096:
                p.append("values are not capped")
            if r["records"][0]["count"] != 0:
                p.append("overflowing count taken as %s" % r["records"][0]["count"])
    t.check("hostile: CVE-2020-12460 class (oversized values) parses with capped values", p)

    # MIME nested 20000 deep (GMime must not recurse off the stack)
    p = []
    n = 20000
    parts = ["From: a@example.net\nSubject: DMARC nested\nMIME-Version: 1.0\n"
             "Content-Type: multipart/mixed; boundary=\"b0\"\n\n"]
    parts += ['--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' % (i, i + 1) for i in range(n)]
    parts.append("--b%d\nContent-Type: text/plain\n\nhi\n" % n)
    parts += ["--b%d--\n" % i for i in range(n, -1, -1)]
    path = os.path.join(tmp, "nested.eml")
    open(path, "w").write("".join(parts))
    doc = parse(path, p)
    if doc and [i["type"] for i in doc["items"]] != ["noreport"]:
        p.append("nested MIME: %s" % doc["items"])
    t.check("hostile: MIME nested 20000 deep is read without a crash", p)

    # not a report at all, truncated gzip, broken zip
    p = []
    for name, data in (("junk.xml", b"<html><body>hello</body></html>"),
                       ("trunc.xml.gz", gzip.compress(b"<feedback>" * 1000)[:40]),
                       ("broken.zip", b"PK\x03\x04" + b"\xff" * 100),
                       ("binary.json", bytes(range(256)) * 4)):
        path = os.path.join(tmp, name)
        open(path, "wb").write(data)
        doc = parse(path, p)
        if doc and doc["items"][0]["type"] != "rejected":
            p.append("%s: %s" % (name, doc["items"][0]))
    t.check("hostile: junk, truncated gzip, broken zip and binary are rejected with a reason", p)


# ---- store: idempotent ingest, quarantine, purge --------------------------------

def ingest(t, db, paths, problems, extra=None, want_rc=(0, 1)):
    return t.ms_json(["reports", "ingest", "--db", db] + (extra or []) + paths, problems, want_rc=want_rc)


def store(t, td, be):
    db = be.new("store")
    dirs = [os.path.join(td, "dmarc-reports"), os.path.join(td, "tlsrpt")]
    p = []
    a = ingest(t, db, dirs, p)
    b = ingest(t, db, dirs, p)
    if a and b:
        if a["ingested"] == 0:
            p.append("first run: %s" % a)
        # the third-party data holds the same report in several containers: duplicates already
        if b["ingested"] != 0 or b["duplicates"] != a["ingested"] + a["duplicates"]:
            p.append("second run should be all duplicates: %s (first %s)" % (b, a))
        if a["rejected"] != b["rejected"] or a["rejected"] == 0:
            p.append("rejected counts %s / %s" % (a["rejected"], b["rejected"]))
        n = be.query(db, "SELECT count(*) FROM reports")[0][0]
        if n != a["ingested"]:
            p.append("%d reports stored, %d ingested" % (n, a["ingested"]))
        dup = be.query(db, "SELECT count(*) FROM (SELECT kind, org_name, report_id, policy_domain, count(*) n"
                           " FROM reports GROUP BY 1,2,3,4 HAVING count(*) > 1) AS k")[0][0]
        if dup:
            p.append("%d duplicate keys" % dup)
        q = be.query(db, "SELECT origin, reason FROM rejected")
        if not any("empty.xml" in o and r for o, r in q):
            p.append("empty.xml not quarantined with a reason: %s" % q[:5])
        qd = t.ms_json(["reports", "quarantine", "--db", db], p, want_rc=(0,))
        if qd and (len(qd["rejected"]) != len(q) or
                   not any("empty.xml" in x["origin"] and x["reason"] == "empty report" for x in qd["rejected"])):
            p.append("reports quarantine: %s" % json.dumps(qd)[:400])
        ver = be.schema_version(db)
        if ver < 1:
            p.append("schema version %d" % ver)
        bodies = be.query(db, "SELECT count(*) FROM failures WHERE sample IS NOT NULL")[0][0]
        if bodies == 0:
            p.append("failure samples not stored by default")
    t.check(be.label("store: ingest twice stores each report once; rejected ones quarantined with the reason"), p,
            json.dumps([a, b]))

    p = []
    db2 = be.new("nobodies")
    ingest(t, db2, [os.path.join(td, "dmarc-reports", "parsedmarc", "samples", "failure")], p,
           ["--no-failure-bodies"])
    n, bodies = be.query(db2, "SELECT count(*), count(sample) FROM failures")[0]
    if n == 0 or bodies != 0:
        p.append("%d failure reports, %d with a sample (want >0, 0)" % (n, bodies))
    t.check(be.label("store: --no-failure-bodies keeps only failure report metadata"), p)

    p = []
    doc = t.ms_json(["reports", "purge", "--db", db, "--older-than", "36500"], p, want_rc=(0,))
    if doc and doc["removed"] != 0:
        p.append("purge 100 years removed %s" % doc["removed"])
    old = be.query(db, "SELECT count(*) FROM reports WHERE end_ts < %s - 365*86400" % be.now)[0][0]
    doc = t.ms_json(["reports", "purge", "--db", db, "--older-than", "365"], p, want_rc=(0,))
    if doc and doc["removed"] != old:
        p.append("purge removed %s, want %s" % (doc["removed"], old))
    rows = be.query(db, "SELECT count(*) FROM dmarc_rows WHERE report NOT IN (SELECT id FROM reports)")[0][0]
    if rows:
        p.append("%d orphan rows after purge" % rows)
    t.check(be.label("store: purge --older-than removes old reports and their rows"), p)

    p = []
    rc, out, err = t.ms(["reports", "purge", "--db", db])
    if rc != 2:
        p.append("purge without --older-than: exit %d" % rc)
    rc, out, err = t.ms(["reports", "ingest", "--db", be.unopenable(), dirs[0]])
    if rc != 2:
        p.append("unopenable db: exit %d" % rc)
    newer = be.new("newer")
    be.set_schema_version(newer, 999)
    rc, out, err = t.ms(["reports", "ingest", "--db", newer, dirs[0]])
    if rc != 2 or "newer" not in err:
        p.append("a database from a newer mailsec was not refused: exit %d %s" % (rc, err[-300:]))
    t.check(be.label("store: usage errors exit 2; a newer schema version is refused"), p)


# ---- mail: Maildir and mbox -------------------------------------------------------

def mail_sources(td):
    dm = os.path.join(td, "dmarc-reports")
    good = [os.path.join(dm, "mox", f) for f in ("google.eml", "yahoo.eml", "outlook.eml")]
    good.append(os.path.join(td, "tlsrpt", "mox", "messages", "testdata-microsoft.eml"))
    noreport = os.path.join(dm, "mox", "noreport-plain.eml")
    broken = ("From: reports@broken.example\nTo: dmarc@example.com\nSubject: Report domain: example.com\n"
              "Message-ID: <broken-1@broken.example>\nMIME-Version: 1.0\n"
              "Content-Type: application/gzip\nContent-Transfer-Encoding: base64\n"
              "Content-Disposition: attachment; filename=\"broken.xml.gz\"\n\n"
              + base64.b64encode(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 40).decode()
              + "\n")
    return good, noreport, broken


def mail(t, td, tmp):
    good, noreport, broken = mail_sources(td)
    msgs = [open(f, "rb").read().replace(b"\r\n", b"\n") for f in good]
    msgs += [msgs[0], msgs[1]]                      # duplicates
    # a forwarded copy (message/rfc822) of a report mail: the report inside counts (a duplicate)
    msgs.append(b"From: me@example.com\nTo: dmarc@example.com\nSubject: Fwd: report\nMIME-Version: 1.0\n"
                b"Content-Type: multipart/mixed; boundary=\"fw\"\n\n--fw\nContent-Type: text/plain\n\n"
                b"see attached\n--fw\nContent-Type: message/rfc822\n\n" + msgs[2] + b"\n--fw--\n")
    msgs.append(open(noreport, "rb").read().replace(b"\r\n", b"\n"))
    msgs.append(broken.encode())
    # Maildir
    p = []
    md = os.path.join(tmp, "Maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, sub))
    for i, m in enumerate(msgs):
        open(os.path.join(md, "new" if i % 2 else "cur", "%d.test:2," % (1000 + i)), "wb").write(m)
    doc = ingest(t, os.path.join(tmp, "maildir.db"), [md], p)
    want = {"ingested": 4, "duplicates": 3, "rejected": 1, "no_report": 1}
    if doc and any(doc[k] != v for k, v in want.items()):
        p.append("counts %s, want %s" % (doc, want))
    t.check("mail: Maildir with duplicates, a forwarded report, a broken report and a message without one", p)
    # mbox
    p = []
    mb = os.path.join(tmp, "reports.mbox")
    with open(mb, "wb") as f:
        for i, m in enumerate(msgs):
            f.write(b"From reports@example.net Mon Jan  1 00:00:%02d 2024\n" % i)
            body = b"\n".join((b">" + ln if ln.startswith(b"From ") else ln) for ln in m.split(b"\n"))
            f.write(body.rstrip(b"\n") + b"\n\n")
    doc = ingest(t, os.path.join(tmp, "mbox.db"), [mb], p)
    if doc and any(doc[k] != v for k, v in want.items()):
        p.append("counts %s, want %s" % (doc, want))
    # the same messages again into the Maildir db: all duplicates
    doc = ingest(t, os.path.join(tmp, "maildir.db"), [mb], p)
    if doc and (doc["ingested"], doc["duplicates"]) != (0, 7):
        p.append("mbox into the Maildir db: %s, want 0 ingested, 7 duplicates" % doc)
    t.check("mail: mbox with duplicates, a broken report and a message without one", p)


# ---- IMAP: a real Dovecot on loopback ------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def imap(t, td, tmp):
    dovecot = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
    if not dovecot:
        t.res.append(skip_or_fail(NAME, "imap: Dovecot", "dovecot not installed (scripts/deps/reports.txt)"))
        return
    import pwd
    p = []
    base = os.path.join(tmp, "dovecot")
    mail_root = os.path.join(base, "mail")
    os.makedirs(os.path.join(mail_root, "reports", "Maildir", "cur"), exist_ok=True)
    for sub in ("new", "tmp"):
        os.makedirs(os.path.join(mail_root, "reports", "Maildir", sub), exist_ok=True)
    good, noreport, broken = mail_sources(td)
    msgs = [open(f, "rb").read() for f in good]
    msgs += [msgs[0]]
    msgs.append(broken.encode())
    for i, m in enumerate(msgs):
        open(os.path.join(mail_root, "reports", "Maildir", "cur", "%d.imaptest:2,S" % (2000 + i)), "wb").write(m)
    # Dovecot refuses to run its login and mail processes as root: as root, use the
    # unprivileged users Debian's dovecot-core creates and give them the mail.
    if os.getuid() == 0:
        try:
            internal, login = pwd.getpwnam("dovecot"), pwd.getpwnam("dovenull")
        except KeyError:
            t.res.append(skip_or_fail(NAME, "imap: Dovecot", "users dovecot/dovenull missing"))
            return
        user, login_user, uid, gid = internal.pw_name, login.pw_name, internal.pw_uid, internal.pw_gid
        for dp, dns, fns in os.walk(base):
            for x in [dp] + [os.path.join(dp, f) for f in fns]:
                os.chown(x, uid, gid)
        os.chmod(tmp, 0o755)
    else:
        user = login_user = pwd.getpwuid(os.getuid()).pw_name
        uid, gid = os.getuid(), os.getgid()
    passwd = os.path.join(base, "passwd")
    open(passwd, "w").write("reports:{PLAIN}s3cret-test:%d:%d::%s/reports\n" % (uid, gid, mail_root))
    port = free_port()
    sport = free_port()
    conf = os.path.join(base, "dovecot.conf")
    open(conf, "w").write("""
base_dir = %(base)s/run
state_dir = %(base)s/state
log_path = %(base)s/dovecot.log
instance_name = mailsec-test-%(port)d
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <%(base)s/cert.pem
ssl_key = <%(base)s/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = %(user)s
default_login_user = %(login_user)s
mail_location = maildir:~/Maildir
first_valid_uid = %(uid)d
passdb {
  driver = passwd-file
  args = %(passwd)s
}
userdb {
  driver = passwd-file
  args = %(passwd)s
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %(port)d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %(sport)d
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
""" % {"base": base, "port": port, "sport": sport, "user": user, "login_user": login_user,
       "uid": uid, "passwd": passwd})
    # a self-signed certificate for localhost: imaps:// is tested with --cacert
    rc, out, err = hrun(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                         "-keyout", os.path.join(base, "key.pem"), "-out", os.path.join(base, "cert.pem")])
    if rc != 0:
        t.check("imap: fetch from Dovecot on loopback", ["openssl req failed: " + err[-500:]])
        return
    if os.getuid() == 0:
        for f in ("key.pem", "cert.pem"):
            os.chown(os.path.join(base, f), uid, gid)
    for d in ("run", "state"):
        os.makedirs(os.path.join(base, d), exist_ok=True)
    proc = subprocess.Popen([dovecot, "-F", "-c", conf], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.05)
        if proc.poll() is not None:
            err = proc.stderr.read().decode("utf-8", "replace")
            log = open(os.path.join(base, "dovecot.log")).read() if os.path.exists(os.path.join(base, "dovecot.log")) else ""
            t.check("imap: fetch from Dovecot on loopback", ["dovecot did not start: " + err[-1500:] + log[-1500:]])
            return
        db = os.path.join(tmp, "imap.db")
        url = "imap://reports@127.0.0.1:%d/INBOX" % port
        netrc = os.path.join(base, "netrc")
        open(netrc, "w").write("machine 127.0.0.1 login reports password s3cret-test\n"
                               "machine localhost login reports password s3cret-test\n")
        os.chmod(netrc, 0o600)
        doc = t.ms_json(["reports", "fetch", "--db", db, "--netrc", netrc, url], p)
        want = {"ingested": 4, "duplicates": 1, "rejected": 1}
        if doc and any(doc[k] != v for k, v in want.items()):
            p.append("netrc run: %s, want %s" % (doc, want))
        env = dict(os.environ, MAILSEC_IMAP_PASSWORD="s3cret-test")
        doc = t.ms_json(["reports", "fetch", "--db", db, url], p, env=env)
        if doc and (doc["ingested"], doc["duplicates"]) != (0, 5):
            p.append("env password run: %s, want 0 ingested, 5 duplicates" % doc)
        rc, out, err = t.ms(["reports", "fetch", "--db", db,
                             "imap://reports:s3cret-test@127.0.0.1:%d/INBOX" % port])
        if rc != 2 or "password" not in err:
            p.append("a password in the URL was not refused: exit %d %s" % (rc, err))
        rc, out, err = t.ms(["reports", "fetch", "--db", db, "imap://reports@192.0.2.1/INBOX"])
        if rc != 2:
            p.append("cleartext imap:// to a non-loopback host was not refused: exit %d" % rc)
        # imaps:// with the certificate verified against --cacert
        surl = "imaps://reports@localhost:%d/INBOX" % sport
        doc = t.ms_json(["reports", "fetch", "--db", os.path.join(tmp, "imaps.db"), "--netrc", netrc,
                         "--cacert", os.path.join(base, "cert.pem"), surl], p)
        if doc and (doc["ingested"], doc["duplicates"], doc["rejected"]) != (4, 1, 1):
            p.append("imaps run: %s" % doc)
        rc, out, err = t.ms(["reports", "fetch", "--db", os.path.join(tmp, "imaps2.db"), "--netrc", netrc, surl])
        if rc != 2:
            p.append("imaps:// with an untrusted certificate was accepted: exit %d" % rc)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    t.check("imap: fetch from Dovecot on loopback (imap:// and verified imaps://, netrc, env password), "
            "duplicates, broken report", p)


# ---- IMAP: a server whose SEARCH reply is not what a search answers ---------------------

class HostileImap(threading.Thread):
    """An IMAP server on loopback that logs anyone in and answers UID SEARCH with `search`
    (bytes, sent as they are), then the tagged OK; one connection at a time, stopped by stop()."""

    def __init__(self, search):
        super().__init__(daemon=True)
        self.search = search
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.done = False
        self.fetches = 0

    def serve(self, c):
        f = c.makefile("rb")
        c.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hostile test server ready\r\n")
        while True:
            line = f.readline()
            if not line:
                return
            parts = line.rstrip(b"\r\n").split(b" ", 2)
            tag, cmd = parts[0], parts[1].upper() if len(parts) > 1 else b""
            rest = parts[2].upper() if len(parts) > 2 else b""
            if cmd == b"CAPABILITY":
                c.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
            elif cmd in (b"LOGIN", b"AUTHENTICATE"):
                if cmd == b"AUTHENTICATE" and not rest.startswith(b"PLAIN "):
                    c.sendall(b"+ \r\n")
                    f.readline()
                c.sendall(tag + b" OK logged in\r\n")
            elif cmd in (b"SELECT", b"EXAMINE"):
                c.sendall(b"* 3 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen)\r\n" + tag + b" OK [READ-WRITE] done\r\n")
            elif cmd == b"UID" and rest.startswith(b"SEARCH"):
                c.sendall(self.search + tag + b" OK search done\r\n")
            elif cmd == b"UID" and rest.startswith(b"FETCH"):
                self.fetches += 1
                c.sendall(tag + b" NO not here\r\n")
            elif cmd == b"LOGOUT":
                c.sendall(b"* BYE bye\r\n" + tag + b" OK bye\r\n")
                return
            else:
                c.sendall(tag + b" BAD what\r\n")

    def run(self):
        while not self.done:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            c.settimeout(10)
            try:
                self.serve(c)
            except OSError:
                pass
            finally:
                c.close()

    def stop(self):
        self.done = True
        self.join(5)
        self.sock.close()


def imap_hostile(t, tmp):
    """reports fetch reads the SEARCH reply strictly: what is not a search's answer is a clear
    error naming the byte, nothing is fetched and no database is made."""
    cases = [
        ("a SEARCH with a word", b"* SEARCH 1 2 x\r\n", "\"x\" is not a message number"),
        ("a SEARCH number 0", b"* SEARCH 0\r\n", "not a message number"),
        ("a SEARCH number past 2^32", b"* SEARCH 4294967296\r\n", "not a message number"),
        ("a bare LF", b"* SEARCH 1 2\n", "bare LF"),
        ("an unknown response", b"* ESEARCH (TAG \"A\") UID ALL 1:3\r\n", "unknown untagged response"),
        ("a literal over its cap", b"* 1 FETCH (BODY[] {99999999}\r\n", "a literal of 99999999 bytes"),
        ("no SEARCH at all", b"* OK nothing to say\r\n", "no SEARCH response"),
        ("a SEARCH after the server said BYE", b"* BYE going\r\n* SEARCH 1\r\n", "BYE"),
    ]
    netrc = os.path.join(tmp, "hostile-netrc")
    open(netrc, "w").write("machine 127.0.0.1 login reports password x\n")
    os.chmod(netrc, 0o600)
    for name, reply, want in cases:
        p = []
        srv = HostileImap(reply)
        srv.start()
        try:
            db = os.path.join(tmp, "imap-hostile.db")
            rc, out, err = t.ms(["reports", "fetch", "--db", db, "--netrc", netrc,
                                 "imap://reports@127.0.0.1:%d/INBOX" % srv.port], timeout=60)
            if rc != 2 or sanitizer(err):
                p.append("exit %d (want 2): %s" % (rc, err[-800:]))
            if "UID SEARCH: " not in err or want not in err or "(byte " not in err:
                p.append("the error does not say %r: %r" % (want, err[-800:]))
            if srv.fetches:
                p.append("%d messages fetched after a reply that was refused" % srv.fetches)
            if os.path.exists(db):
                p.append("a database was made")
        finally:
            srv.stop()
        t.check("imap: a hostile SEARCH reply (%s) is refused with the byte it stops at, nothing fetched" % name, p)
    # a well-formed reply with unsolicited data around the SEARCH is taken
    p = []
    srv = HostileImap(b"* 4 EXISTS\r\n* SEARCH 7 9\r\n* OK [UIDNEXT 10] next\r\n")
    srv.start()
    try:
        rc, out, err = t.ms(["reports", "fetch", "--db", os.path.join(tmp, "imap-ok.db"), "--netrc", netrc,
                             "imap://reports@127.0.0.1:%d/INBOX" % srv.port], timeout=60)
        if srv.fetches != 2:
            p.append("%d of 2 messages asked for (exit %d): %s" % (srv.fetches, rc, err[-800:]))
        if ";UID=7" not in err or ";UID=9" not in err:
            p.append("the refused fetches are not named: %r" % err[-800:])
    finally:
        srv.stop()
    t.check("imap: SEARCH among unsolicited EXISTS and OK responses is taken; each message asked for", p)


# ---- kill -9 ------------------------------------------------------------------------

def synth_report(i, rows=40):
    recs = "".join(
        "<record><row><source_ip>198.51.%d.%d</source_ip><count>%d</count><policy_evaluated>"
        "<disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>"
        "<identifiers><header_from>example.org</header_from></identifiers><auth_results><dkim>"
        "<domain>example.org</domain><selector>s1</selector><result>pass</result></dkim><spf>"
        "<domain>example.org</domain><result>fail</result></spf></auth_results></record>"
        % (i % 200, j, j + 1) for j in range(rows))
    return ("<?xml version=\"1.0\"?><feedback><report_metadata><org_name>synth%d.example</org_name>"
            "<email>r@synth.example</email><report_id>synth-%d</report_id><date_range><begin>%d</begin>"
            "<end>%d</end></date_range></report_metadata><policy_published><domain>example.org</domain>"
            "<p>none</p></policy_published>%s</feedback>" % (i % 7, i, 1700000000 + i, 1700086399 + i, recs))


BATCH = 64     # reports per transaction in reports/ingest.h (INGEST_BATCH)
SHARED_REPORTS = 1500               # reports per ingest in the concurrency trials
STORE_APPLICATION_ID = 0x6d736563   # PRAGMA application_id of mailsec's files (src/store/store.h)


def kill9(t, tmp, be):
    p = []
    d = os.path.join(tmp, "corpus")
    os.makedirs(d, exist_ok=True)
    n = 1500
    for i in range(n):
        open(os.path.join(d, "r%05d.xml" % i), "w").write(synth_report(i))
    db = be.new("kill9")
    cmd = [t.args.mailsec, "reports", "ingest", "--db", db, d]
    if t.args.wrapper:
        cmd = t.args.wrapper + cmd
    rnd = random.Random(8)
    kills = 0
    partial = []    # reports stored after each kill that hit mid-ingest

    def stored_now():
        return be.poll_count(db, "SELECT count(*) FROM reports")

    # Kill points: the first run at a random moment (perhaps before the schema exists),
    # the others as soon as the stored count passes a random target, i.e. while the
    # next batch is being written, whatever the machine's speed (ASan, load).
    targets = [None] + sorted(rnd.sample(range(BATCH, n - BATCH), 4))
    for k, target in enumerate(targets):
        pr = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if target is None:
            time.sleep(rnd.uniform(0.0, 0.1))
        else:
            deadline = time.time() + 120
            while pr.poll() is None and time.time() < deadline and stored_now() < target:
                time.sleep(0.005)
            time.sleep(rnd.uniform(0.0, 0.02))
        if pr.poll() is None:
            pr.send_signal(signal.SIGKILL)
            kills += 1
        pr.wait()
        try:
            ok = be.integrity(db)
            if be.schema_version(db) == 0:
                # killed before the first migration committed: an empty, consistent database
                if ok != "ok":
                    p.append("after kill %d: integrity %s" % (k, ok))
                continue
            orphans = be.query(db, "SELECT count(*) FROM dmarc_rows WHERE report NOT IN (SELECT id FROM reports)")[0][0]
            partial_reports = be.query(db, "SELECT count(*) FROM reports r WHERE (SELECT count(*) FROM dmarc_rows d"
                                           " WHERE d.report = r.id) != 40")[0][0]
            stored = be.query(db, "SELECT count(*) FROM reports")[0][0]
            if 0 < stored < n:
                partial.append(stored)
            if ok != "ok" or orphans or partial_reports:
                p.append("after kill %d: integrity %s, %d orphan rows, %d partial reports"
                         % (k, ok, orphans, partial_reports))
        except be.Error as e:
            if be.name != "sqlite" or os.path.exists(db):
                p.append("after kill %d: %s" % (k, e))
    doc = ingest(t, db, [d], p)
    if doc and doc["ingested"] + doc["duplicates"] != n:
        p.append("final run: %s" % doc)
    stored = be.query(db, "SELECT count(*), count(DISTINCT report_id) FROM reports")[0]
    rows = be.query(db, "SELECT count(*) FROM dmarc_rows")[0][0]
    if stored != (n, n) or rows != n * 40:
        p.append("stored %s reports / %d rows, want %d / %d" % (stored, rows, n, n * 40))
    if not partial:
        p.append("no kill hit a partly done ingest (machine too fast for the corpus?)")
    t.check(be.label("kill9: ingest killed %d times at random points (%s reports stored at those points), then "
                     "completed: each report exactly once" % (kills, "/".join(map(str, partial)))), p)


# ---- shared: several processes, one SQLite file ------------------------------------

def tiny_report(tag, i):
    """A small distinct aggregate report (one record) for the concurrency trials."""
    return ("<?xml version=\"1.0\"?><feedback><report_metadata><org_name>%s.example</org_name>"
            "<email>r@%s.example</email><report_id>%s-%d</report_id><date_range><begin>%d</begin>"
            "<end>%d</end></date_range></report_metadata><policy_published><domain>example.org</domain>"
            "<p>none</p></policy_published><record><row><source_ip>192.0.2.%d</source_ip><count>1</count>"
            "<policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf>"
            "</policy_evaluated></row><identifiers><header_from>example.org</header_from></identifiers>"
            "</record></feedback>" % (tag, tag, tag, i, 1700000000 + i, 1700086399 + i, i % 250))


def sqlite_ro(db, sql):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return c.execute(sql).fetchall()
    finally:
        c.close()


def mode_of(path):
    return os.stat(path).st_mode & 0o777


def shared(t, tmp):
    base = os.path.join(tmp, "shared")
    dirs = {}
    for tag in ("a", "b"):
        dirs[tag] = os.path.join(base, tag)
        os.makedirs(dirs[tag])
        for i in range(SHARED_REPORTS):
            open(os.path.join(dirs[tag], "%05d.xml" % i), "w").write(tiny_report(tag, i))

    # two ingests into one new file at once, 10 trials
    p = []
    trials = 10
    good = 0
    t0 = time.time()
    for k in range(trials):
        db = os.path.join(base, "new-%d.db" % k)
        procs = [subprocess.Popen((t.args.wrapper or []) + [t.args.mailsec, "reports", "ingest", "--json",
                                                             "--db", db, dirs[tag]],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for tag in ("a", "b")]
        outs = [pr.communicate(timeout=300) for pr in procs]
        errs = [e.decode("utf-8", "replace") for _, e in outs]
        rcs = [pr.returncode for pr in procs]
        try:
            stored = sqlite_ro(db, "SELECT count(*), count(DISTINCT report_id) FROM reports")[0]
        except sqlite3.Error as e:
            stored = str(e)
        if rcs == [0, 0] and stored == (2 * SHARED_REPORTS, 2 * SHARED_REPORTS) and not any(map(sanitizer, errs)):
            good += 1
        else:
            p.append("trial %d: exits %s, stored %s: %s" % (k + 1, rcs, stored, " | ".join(x[-300:] for x in errs)))
        for f in glob.glob(db + "*"):
            os.unlink(f)
    t.check("shared: two ingests of %d reports each into one new SQLite file at once store all %d "
            "(%d of %d trials, %.1fs)" % (SHARED_REPORTS, 2 * SHARED_REPORTS, good, trials, time.time() - t0), p)

    # a database filled once, for the read-only and older-mailsec cases
    filled = os.path.join(base, "ro", "filled.db")
    os.makedirs(os.path.dirname(filled))
    p = []
    ingest(t, filled, [dirs["a"]], p)
    rc, out, err = t.ms(["check", "--replay", os.path.join(ROOT, "tests", "history", "before.case"),
                         "--only", "spf,dmarc", "--db", filled, "example.test"])
    if rc not in (0, 1):
        p.append("check --db: exit %d: %s" % (rc, err[-300:]))
    if os.path.exists(filled + "-wal") or os.path.exists(filled + "-shm"):
        p.append("-wal/-shm left after the last writer closed")
    app = sqlite_ro(filled, "PRAGMA application_id")[0][0]
    if app != STORE_APPLICATION_ID:
        p.append("application_id %#x, want %#x" % (app, STORE_APPLICATION_ID))
    t.check("shared: a new database carries mailsec's application_id; no -wal/-shm once closed", p)

    def readers(prefix, problems):
        """summary, quarantine and history on filled through argv prefix (unshare or nothing)."""
        outs = []
        for argv in (["reports", "summary", "--db", filled, "--no-dns", "--since", "all", "--json", "example.org"],
                     ["reports", "quarantine", "--db", filled, "--json"],
                     ["history", "example.test", "--db", filled, "--json"]):
            rc, out, err = hrun(prefix + (t.args.wrapper or []) + [t.args.mailsec] + argv)
            if rc != 0 or sanitizer(err):
                problems.append("%s: exit %d: %s" % (" ".join(argv[:2]), rc, err[-400:]))
                outs.append(None)
                continue
            try:
                outs.append(json.loads(out))
            except ValueError:
                problems.append("%s: not JSON: %r" % (" ".join(argv[:2]), out[:200]))
                outs.append(None)
        if outs[0] and outs[0]["totals"]["reports"] != SHARED_REPORTS:
            problems.append("summary: %s reports" % outs[0]["totals"]["reports"])
        if outs[2] and len(outs[2]["runs"]) != 1:
            problems.append("history: %d runs" % len(outs[2]["runs"]))
        return outs

    # on a read-only mount (root, in a private mount namespace), while no -wal/-shm file exists,
    # then a read-only file (0444, in a read-only folder)
    p = []
    before = open(filled, "rb").read()
    os.chmod(filled, 0o444)
    os.chmod(os.path.dirname(filled), 0o555)
    if os.getuid() == 0 and shutil.which("unshare"):
        d = os.path.dirname(filled)
        ns = ["unshare", "-m", "--", "sh", "-c",
              'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"', "sh", d]
        rc, out, err = hrun(ns + ["touch", os.path.join(d, "probe")])
        if rc == 0:
            p.append("the bind mount is not read-only")
        readers(ns, p)
        rc, out, err = hrun(ns + (t.args.wrapper or []) + [t.args.mailsec, "reports", "ingest", "--db", filled,
                                                           dirs["b"]])
        if rc != 2:
            p.append("ingest on a read-only mount: exit %d, want 2: %s" % (rc, err[-300:]))
        label = "on a read-only mount and"
    else:
        label = "(read-only mount not tried: not root) and"
    readers([], p)
    os.chmod(os.path.dirname(filled), 0o755)
    os.chmod(filled, 0o644)
    if open(filled, "rb").read() != before:
        p.append("the read-only database changed")
    t.check("shared: summary, quarantine and history answer %s from a read-only file" % label, p)

    # a file an older mailsec made (no application_id) is recognised and marked as ours
    p = []
    c = sqlite3.connect(filled)
    c.execute("PRAGMA application_id = 0")
    c.commit()
    c.close()
    d = t.ms_json(["reports", "summary", "--db", filled, "--no-dns", "--since", "all", "example.org"], p,
                  want_rc=(0,))
    if d and d["totals"]["reports"] != SHARED_REPORTS:
        p.append("summary of the older file: %s" % d["totals"])
    if sqlite_ro(filled, "PRAGMA application_id")[0][0] != 0:
        p.append("a reading command wrote the application_id")
    doc = ingest(t, filled, [dirs["b"]], p)
    if doc and doc["ingested"] != SHARED_REPORTS:
        p.append("ingest into the older file: %s" % doc)
    if sqlite_ro(filled, "PRAGMA application_id")[0][0] != STORE_APPLICATION_ID:
        p.append("the older file was not marked as mailsec's when written")
    t.check("shared: a database an older mailsec made (no application_id) is used, and marked when written", p)

    # someone else's SQLite file with a reports table: refused, exit 2, bytes and journal mode unchanged
    p = []
    foreign = os.path.join(base, "foreign.db")
    c = sqlite3.connect(foreign)
    c.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY, kind TEXT, org_name TEXT, report_id TEXT)")
    c.execute("INSERT INTO reports (kind, org_name, report_id) VALUES ('invoice', 'acme', '42')")
    c.commit()
    c.close()
    before = open(foreign, "rb").read()
    for argv in (["reports", "ingest", "--db", foreign, dirs["a"]],
                 ["reports", "summary", "--db", foreign, "--no-dns", "example.org"],
                 ["reports", "quarantine", "--db", foreign],
                 ["reports", "purge", "--db", foreign, "--older-than", "1"],
                 ["history", "example.test", "--db", foreign],
                 ["check", "--replay", os.path.join(ROOT, "tests", "history", "before.case"), "--only", "spf",
                  "--db", foreign, "example.test"]):
        rc, out, err = t.ms(argv)
        if rc != 2 or "not a mailsec database" not in err:
            p.append("%s: exit %d, want 2 and 'not a mailsec database': %s" % (" ".join(argv[:2]), rc, err[-300:]))
    if open(foreign, "rb").read() != before:
        p.append("the foreign file's bytes changed")
    jm = sqlite_ro(foreign, "PRAGMA journal_mode")[0][0]
    if jm != "delete":
        p.append("its journal mode is now %s" % jm)
    if [f for f in os.listdir(base) if f.startswith("foreign.db") and f != "foreign.db"]:
        p.append("-wal/-shm files made beside it")
    t.check("shared: a SQLite file that is not mailsec's is refused (exit 2), its bytes and journal mode unchanged", p)

    # one default database: $XDG_DATA_HOME/mailsec/mailsec.db (else ~/.local/share), mode 0600;
    # an older mailsec's reports.db there is still used
    p = []
    xdg = os.path.join(base, "xdg")
    env = dict(os.environ, XDG_DATA_HOME=xdg)
    doc = t.ms_json(["reports", "ingest", dirs["a"]], p, env=env)
    want = os.path.join(xdg, "mailsec", "mailsec.db")
    if not os.path.exists(want):
        p.append("no %s" % want)
    else:
        if mode_of(want) != 0o600:
            p.append("mailsec.db mode %o, want 600" % mode_of(want))
        if mode_of(os.path.dirname(want)) != 0o700:
            p.append("its folder mode %o, want 700" % mode_of(os.path.dirname(want)))
        if sqlite_ro(want, "SELECT count(*) FROM reports")[0][0] != SHARED_REPORTS:
            p.append("the default database does not hold the ingest")
    d = t.ms_json(["reports", "summary", "--no-dns", "--since", "all", "example.org"], p, env=env, want_rc=(0,))
    if d and d["totals"]["reports"] != SHARED_REPORTS:
        p.append("summary of the default database: %s" % d["totals"])
    home = os.path.join(base, "home")
    old = os.path.join(home, ".local", "share", "mailsec", "reports.db")
    os.makedirs(os.path.dirname(old))
    ingest(t, old, [dirs["a"]], p)
    env = dict(os.environ, HOME=home)
    env.pop("XDG_DATA_HOME", None)
    d = t.ms_json(["reports", "summary", "--no-dns", "--since", "all", "example.org"], p, env=env, want_rc=(0,))
    if d and d["totals"]["reports"] != SHARED_REPORTS:
        p.append("the old reports.db was not used: %s" % d["totals"])
    if os.path.exists(os.path.join(os.path.dirname(old), "mailsec.db")):
        p.append("mailsec.db made beside an existing reports.db")
    t.check("shared: the default database is $XDG_DATA_HOME/mailsec/mailsec.db (0600, folder 0700); "
            "an older reports.db there is still used", p)


# ---- summary -----------------------------------------------------------------------

def summary(t, td, tmp, be):
    db = be.new("summary")
    p = []
    ingest(t, db, [os.path.join(td, "dmarc-reports"), os.path.join(td, "tlsrpt")], p)
    # OpenDMARC's bad.com report never closes <feedback>, so it was rejected as cut short
    # (issue 21); its complete copy, arriving later with the same report id, is taken
    bad = glob.glob(os.path.join(td, "dmarc-reports", "opendmarc", "bad.com!*.xml"))
    if bad:
        fixed = os.path.join(tmp, "bad.com-complete.xml")
        with open(bad[0], "rb") as f, open(fixed, "wb") as g:
            g.write(f.read().rstrip(b"\n") + b"</ns1:feedback>\n")
        d = ingest(t, db, [fixed], p, want_rc=(0,))
        if d and d["ingested"] != 1:
            p.append("complete copy of a report rejected as cut short not taken: %s" % d)
    zone = os.path.join(ROOT, "tests", "reports", "ptr.zone")
    base = ["reports", "summary", "--db", db, "--since", "all", "--replay", zone, "--top", "40", "example.com"]
    doc = t.ms_json(base + ["--json"], p, want_rc=(0,))
    if doc:
        doc.pop("generated", None)
        golden(t, "summary-example.com.json", doc, p)
        srcs = {s["ip"]: s for s in doc["sources"]}
        s = srcs.get("209.85.220.69")
        if not s or s["ptr"] != "mail-sor-f69.google.com" or s["provider"] != "google.com" or \
                s["spf_include"] != "_spf.mail.example.net":
            p.append("PTR/provider/SPF include of 209.85.220.69: %s" % s)
        s = srcs.get("69.171.232.138")
        if not s or s["spf_include"] != "_spf.mail.example.net":
            p.append("nested include labelled by the top-level include: %s" % s)
        if doc.get("spf_walk") != "ok":
            p.append("spf_walk: %s" % doc.get("spf_walk"))
        wf = {s["ip"]: s for s in doc["would_fail"]["sources"]}
        s = wf.get("108.166.27.220")
        if not s or s["ptr"] != "mail.sendgrid.net" or s["provider"] != "sendgrid.net" or \
                not s["legitimate_looking"] or s["spf_include"] != "example.com":
            p.append("would_fail 108.166.27.220 (legitimate-looking, sendgrid.net): %s" % s)
        s = srcs.get("69.171.232.145")
        if not s or s["ptr_status"] != "servfail" or s["ptr"] is not None:
            p.append("SERVFAIL PTR of 69.171.232.145: %s" % s)
        if doc["readiness"]["verdict"] != "fix-sources":
            p.append("verdict %s" % doc["readiness"]["verdict"])
    rc, out, err = t.ms(base)
    if rc != 0 or sanitizer(err):
        p.append("text: exit %d %s" % (rc, err[-500:]))
    golden(t, "summary-example.com.txt", out, p, text=True)
    rc, out, err = t.ms(base + ["--csv"])
    if rc != 0 or sanitizer(err):
        p.append("csv: exit %d %s" % (rc, err[-500:]))
    golden(t, "summary-example.com.csv", out, p, text=True)
    t.check(be.label("summary: example.com (JSON, text, CSV) against golden files, PTR and SPF include via replay"), p)

    # --format csv (--csv is its alias): the same bytes, parsed back with the csv module,
    # row for row the JSON document's sources; --format json is --json
    p = []
    rc, fout, err = t.ms(base + ["--format", "csv"])
    if rc != 0 or sanitizer(err):
        p.append("--format csv: exit %d %s" % (rc, err[-500:]))
    if fout != out:
        p.append("--format csv differs from --csv")
    if not fout.endswith("\r\n") or "\n" in fout.replace("\r\n", ""):
        p.append("rows are not CRLF-terminated")
    rows = list(csv.reader(io.StringIO(fout, newline="")))
    header = ["domain", "ip", "ptr", "ptr_status", "provider", "spf_include", "messages", "spf_aligned",
              "dkim_aligned", "dmarc_pass", "dkim_domains", "spf_domain", "legitimate_looking"]
    if not rows or rows[0] != header:
        p.append("header: %s" % (rows[:1],))
    if doc:
        srcs = doc["sources"]
        if len(rows) - 1 != len(srcs):
            p.append("%d CSV rows for %d sources" % (len(rows) - 1, len(srcs)))
        for row, src in zip(rows[1:], srcs):
            r = dict(zip(header, row))
            want = {"domain": "example.com", "ip": src["ip"], "ptr": src["ptr"] or "",
                    "ptr_status": src["ptr_status"] or "", "spf_include": src["spf_include"] or "",
                    "messages": str(src["messages"]),
                    "legitimate_looking": "yes" if src.get("legitimate_looking") else "no"}
            diff = {k: (r.get(k), v) for k, v in want.items() if r.get(k) != v}
            if diff:
                p.append("row of %s: %s" % (src["ip"], diff))
    jdoc = t.ms_json(base + ["--format", "json"], p, want_rc=(0,))
    if jdoc and doc:
        jdoc.pop("generated", None)
        if jdoc != doc:
            p.append("--format json differs from --json")
    rc, _, err = t.ms(base + ["--format", "xml"])
    if rc != 2 or "--format wants text, json or csv" not in err:
        p.append("--format xml: exit %d %r" % (rc, err[-300:]))
    t.check(be.label("summary: --format csv (the --csv bytes, parsed back with csv: header, a row per source "
                     "as in the JSON), --format json, a bad --format exits 2"), p)

    p = []
    # thresholds: a domain whose sources all pass
    d = t.ms_json(["reports", "summary", "--db", db, "--no-dns", "--since", "all", "--json", "company-y.example"], p,
                  want_rc=(0,))
    if d and (d["tlsrpt"]["reports"] < 1 or d["tlsrpt"]["failed_sessions"] != 303 or
              d["tlsrpt"]["by_result_type"][0] != {"result_type": "starttls-not-supported", "sessions": 200}):
        p.append("TLS-RPT summary: %s" % json.dumps(d["tlsrpt"])[:400])
    d = t.ms_json(["reports", "summary", "--db", db, "--no-dns", "--json", "example.com"], p, want_rc=(0,))
    if d and d["totals"]["reports"] != 0:
        p.append("default --since 30d included old reports: %s" % d["totals"])
    # issue 14: the text says which window it counts, so old reports do not read as none
    rc, out, err = t.ms(["reports", "summary", "--db", db, "--no-dns", "example.com"])
    if "periods ending since" not in out.splitlines()[0] if out else True:
        p.append("the text summary does not name its --since window: %r" % out[:300])
    d = t.ms_json(["reports", "summary", "--db", db, "--no-dns", "--since", "all", "--json", "--min-messages", "1",
                   "--quarantine-pass-rate", "50", "example.net"], p, want_rc=(0,))
    if d and d["readiness"]["thresholds"]["quarantine_pass_rate"] != 50:
        p.append("threshold override not applied: %s" % d["readiness"])
    d = t.ms_json(["reports", "summary", "--db", db, "--since", "all", "--json", "--replay", zone,
                   "loop.example"], p, want_rc=(0,))
    # RFC 7208 §4.6.4 counts DNS-querying terms (an mx term is one however many
    # lookups it makes), and an include loop ends there as a permerror (§5.2).
    if d and not (d["spf_walk"] or "").startswith("permerror: more than 10 DNS-querying terms"):
        p.append("include loop: spf_walk %s" % d["spf_walk"])
    d = t.ms_json(["reports", "summary", "--db", db, "--since", "all", "--json", "--replay", zone,
                   "company-y.example"], p, want_rc=(0,))
    if d and "no SPF record" not in (d["spf_walk"] or ""):
        p.append("no SPF: spf_walk %s" % d["spf_walk"])
    t.check(be.label("summary: TLS-RPT by result type, --since, threshold overrides, SPF walk limits"), p)

    p = []
    db3 = be.new("ready")
    rd = os.path.join(tmp, "ready-" + be.name)
    os.makedirs(rd)
    for i in range(5):
        open(os.path.join(rd, "r%d.xml" % i), "w").write(synth_report(i).replace("<spf>fail</spf></policy_evaluated>", "<spf>pass</spf></policy_evaluated>").replace(
            "<begin>%d</begin>" % (1700000000 + i), "<begin>%d</begin>" % (int(time.time()) - 86400)).replace(
            "<end>%d</end>" % (1700086399 + i), "<end>%d</end>" % int(time.time())))
    ingest(t, db3, [rd], p)
    d = t.ms_json(["reports", "summary", "--db", db3, "--no-dns", "--json", "example.org"], p, want_rc=(0,))
    if d and (d["spf_walk"] is not None or d["sources"][0]["ptr_status"] != "not-looked-up"):
        p.append("--no-dns looked something up: %s %s" % (d["spf_walk"], d["sources"][0]))
    if d and (d["readiness"]["verdict"] != "ready-for-quarantine" or "pct=10" not in d["readiness"]["advice"]):
        p.append("all-passing p=none domain: %s" % d["readiness"])
    t.check(be.label("summary: readiness verdict ready-for-quarantine with the record to publish"), p)

    p = []
    # spf_include comes from check_host(): terms a plain ip4:/ip6: walk cannot follow
    zone2 = os.path.join(ROOT, "tests", "reports", "spf-engine.zone")
    d = t.ms_json(["reports", "summary", "--db", db3, "--since", "all", "--top", "1000", "--json",
                   "--replay", zone2, "example.org"], p, want_rc=(0,))
    if d:
        got = {s["ip"]: s["spf_include"] for s in d["sources"]}
        want = {"198.51.0.0": "_spf.example.org",             # a:, behind redirect=
                "198.51.1.0": "_spf.example.org",             # mx of the redirect target
                "198.51.2.5": "example.org.spf.example.net",  # include:%{o}.spf.example.net
                "198.51.3.0": "_spf.example.org",             # exists:%{i}._ip.example.org
                "198.51.4.0": None,                           # -all
                "198.51.0.1": None}                           # a: is a /32
        for ip, label in want.items():
            if got.get(ip, "absent") != label:
                p.append("%s: spf_include %r, want %r" % (ip, got.get(ip, "absent"), label))
        if d["spf_walk"] != "ok":
            p.append("spf_walk: %s" % d["spf_walk"])
    t.check(be.label("summary: spf_include follows check_host() (redirect=, a:, mx, macro include:, exists:)"), p)

    p = []
    rc, out, err = t.ms(["reports", "ingest", "--db", be.new("prog"), "--progress", rd])
    if "files" not in err or "reports/s" not in err:
        p.append("--progress printed nothing: %r" % err[-300:])
    rc, out, err = t.ms(["reports", "ingest", "--db", be.new("prog2"), rd])
    if "reports/s" in err:
        p.append("progress shown without a terminal")
    # on a terminal (a pty as standard error) it is shown by default
    import pty
    master, slave = pty.openpty()
    cmd = [t.args.mailsec, "reports", "ingest", "--db", be.new("prog3"), rd]
    pr = subprocess.Popen((t.args.wrapper or []) + cmd, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    pr.wait()
    os.close(master)
    if b"files" not in seen or b"reports/s" not in seen:
        p.append("no progress on a terminal: %r" % seen[-300:])
    t.check(be.label("progress: shown on a terminal and with --progress, quiet otherwise"), p)


def run(args):
    t = T(args)
    td = testdata_dir()
    tmp = tempfile.mkdtemp(prefix="mailsec-reports-")
    try:
        have = os.path.isdir(os.path.join(td, "dmarc-reports")) and os.path.isdir(os.path.join(td, "tlsrpt"))
        if have:
            vectors(t, td)
        else:
            t.res.append(skip_or_fail(NAME, "vectors: third-party reports", "%s has no dmarc-reports/tlsrpt" % td))
        hostile(t, tmp)
        imap_hostile(t, tmp)
        sq = SqliteBackend(tmp)
        if have:
            store(t, td, sq)
            mail(t, td, tmp)
            imap(t, td, tmp)
            summary(t, td, tmp, sq)
        kill9(t, tmp, sq)
        shared(t, tmp)
        # the same store scenarios on PostgreSQL, in a private server started here
        pg = PgServer()
        try:
            why = pg.start()
            if why is not None:
                t.res.append(skip_or_fail(NAME, "store/kill9/summary [postgresql]: private server", why))
            else:
                be = PgBackend(pg)
                if have:
                    store(t, td, be)
                    summary(t, td, tmp, be)
                kill9(t, tmp, be)
        finally:
            pg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.res
