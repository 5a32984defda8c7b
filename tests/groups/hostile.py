"""tests/groups/hostile.py - reports and files from strangers (issue 21): bounded, never stored half

Every test builds its hostile input at run time under a temporary folder and
states what must hold afterwards:

  memory    a TLS-RPT .json.gz of 64 KB that unpacks to 63 MB of {} values is refused
            by the pre-scan; the largest document it admits stays under 4x the size cap
  complete  XML cut in half, gzip cut or corrupt: rejected, nothing stored; the intact
            copy later is taken
  container every file of a zip is a report; two XML roots / two <feedback> are refused
  cpu       600,000 attributes on <feedback> refused before libxml2; a summary over one
            report of 80,000 distinct sources is fast (hash maps)
  numbers   strict counts (invalid rows count 0 and the report says so), saturated sums
  dates     year 109,626,219, reversed, over 31 days, two days ahead: rejected
  names     Example.COM. is example.com
  terminal  an attachment name with ESC/OSC/BEL/newline is escaped on stderr
  walk      FIFO, links to the parent, links out of the tree, /dev/zero: skipped, said
  zone      $GENERATE, 64-octet label, 319-character name, TXT over 65,535 bytes, an
            unclosed '(', a second YAML document, lint of a folder or a FIFO
  smaller   an encrypted zip says encrypted; docs name the summary's DNS lookups
Run under ASan+UBSan too (make test-asan); the RSS bound is only measured without
sanitizers or valgrind (their shadow memory is not ours).
"""
import gzip
import io
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib

from harness import ROOT, TIME_SCALE, Result
from harness import run as hrun

NAME = "hostile"
CAP_MIB = 64            # the default --max-report-size, in force in the memory tests


def sanitizer(err):
    return "ERROR: AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err


class T:
    def __init__(self, args, tmp):
        self.args, self.tmp, self.res = args, tmp, []
        self.n = 0

    def check(self, name, problems):
        self.res.append(Result(NAME, name, "fail" if problems else "pass", "\n".join(problems)))

    def ms(self, argv, timeout=120, stdin=None):
        rc, out, err = hrun([self.args.mailsec] + argv, timeout=timeout * TIME_SCALE,
                           wrapper=self.args.wrapper)
        return rc, out, err

    def path(self, name, data):
        p = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return p

    def db(self):
        self.n += 1
        return os.path.join(self.tmp, "db%d.sqlite" % self.n)

    def parse(self, paths, p):
        rc, out, err = self.ms(["reports", "parse"] + paths)
        if sanitizer(err):
            p.append("sanitizer: " + err[-2000:])
        try:
            return json.loads(out)["items"]
        except (ValueError, KeyError):
            p.append("parse: exit %d, not JSON: %r %r" % (rc, out[:200], err[-500:]))
            return []

    def ingest(self, db, paths, p, extra=(), want=(0, 1)):
        rc, out, err = self.ms(["reports", "ingest", "--db", db, "--json"] + list(extra) + paths)
        if sanitizer(err):
            p.append("sanitizer: " + err[-2000:])
        if rc not in want:
            p.append("ingest exit %d (want %s): %s" % (rc, want, err[-800:]))
        try:
            return json.loads(out), err
        except ValueError:
            p.append("ingest: not JSON: %r" % out[:200])
            return None, err


def feedback(rid="r-1", domain="example.com", rows=None, begin=1700000000, end=1700086400,
             org="org.example"):
    rows = rows if rows is not None else [("192.0.2.1", "5")]
    recs = "".join(
        "<record><row><source_ip>%s</source_ip><count>%s</count><policy_evaluated>"
        "<disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>"
        "<identifiers><header_from>%s</header_from></identifiers><auth_results><dkim>"
        "<domain>%s</domain><result>pass</result></dkim></auth_results></record>\n" % (ip, c, domain, domain)
        for ip, c in rows)
    return ("<?xml version=\"1.0\"?>\n<feedback><report_metadata><org_name>%s</org_name>"
            "<email>r@%s</email><report_id>%s</report_id><date_range><begin>%s</begin><end>%s</end>"
            "</date_range></report_metadata><policy_published><domain>%s</domain><p>none</p>"
            "</policy_published>\n%s</feedback>\n" % (org, org, rid, begin, end, domain, recs))


def quarantine(t, db):
    """The reasons of the quarantined (rejected) reports, through `reports quarantine --json`."""
    rc, out, err = t.ms(["reports", "quarantine", "--db", db, "--json"])
    try:
        return [r["reason"] for r in json.loads(out)["rejected"]]
    except (ValueError, KeyError):
        return ["quarantine: exit %d %s" % (rc, err[-300:])]


def totals(t, db, domain="example.com"):
    """The summary totals of domain over all stored reports (no DNS)."""
    rc, out, err = t.ms(["reports", "summary", "--db", db, "--no-dns", "--since", "all", "--json", domain])
    try:
        return json.loads(out)["totals"]
    except (ValueError, KeyError):
        return {"error": "summary: exit %d %s" % (rc, err[-300:])}


def instrumented(args):
    """Sanitizer or valgrind runs: their memory overhead is not ours."""
    if args.wrapper:
        return True
    try:
        with open(args.mailsec, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return True


def peak_rss_kib(argv):
    """Exit code and peak RSS (KiB) of argv, measured in a child of its own."""
    code = ("import resource,subprocess,sys\n"
            "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)\n"
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", code] + argv, capture_output=True, text=True,
                         timeout=300).stdout.split()
    return int(out[0]), int(out[1])


# ---- 1 memory --------------------------------------------------------------------

def memory(t):
    p = []
    # 63 MB of {},{},... gzipped to about 64 KB, built a megabyte at a time
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"{}," * (1024 * 1024 // 3)
    parts = [z.compress(b'{"a":[')] + [z.compress(chunk) for _ in range(63)]
    parts += [z.compress(b"{}]}"), z.flush()]
    path = t.path("bomb.json.gz", b"".join(parts))
    t0 = time.time()
    items = t.parse([path], p)
    dt = time.time() - t0
    if not items or items[0]["type"] != "rejected" or "too many values" not in items[0].get("reason", ""):
        p.append("63 MB of {} not refused by the value count: %s" % (items[:1],))
    if dt > 10 * TIME_SCALE:
        p.append("took %.1f s" % dt)
    # the largest document the pre-scan admits: one value per 128 bytes of the cap
    limit = CAP_MIB * 1024 * 1024 // 128
    admit = ('{"organization-name":"o","report-id":"r","policies":[{"policy":{"policy-type":"sts",'
             '"policy-domain":"example.com"}}],"junk":[' + ",".join(["{}"] * (limit - 20)) + ']}')
    apath = t.path("admit.json", admit)
    items = t.parse([apath], p)
    if not items or items[0]["type"] != "tlsrpt":
        p.append("a report just under the value limit was not taken: %s" % (str(items[:1])[:300],))
    over = t.path("over.json", admit.replace('"junk":[', '"junk":[{},{},{},{},{},{},{},{},{},{},'
                                             '{},{},{},{},{},{},{},{},{},{},{},'))
    items = t.parse([over], p)
    if not items or items[0]["type"] != "rejected":
        p.append("a report just over the value limit was taken: %s" % (str(items[:1])[:300],))
    if instrumented(t.args):
        print("NOTE: hostile memory: peak RSS not measured under sanitizers/valgrind", file=sys.stderr)
    else:
        cap_kib = 4 * CAP_MIB * 1024
        for what, f in (("63 MB bomb", path), ("largest admitted document", apath)):
            rc, kib = peak_rss_kib([t.args.mailsec, "reports", "parse", f])
            if kib > cap_kib:
                p.append("%s: peak RSS %d KiB > 4 x the %d MiB cap (%d KiB)" % (what, kib, CAP_MIB, cap_kib))
    t.check("memory: TLS-RPT values counted before jansson (63 MB of {} refused, the largest admitted "
            "document under 4 x the 64 MiB cap in peak RSS)", p)


# ---- 2 and 3: complete reports, containers -----------------------------------------

def complete(t):
    p = []
    whole = feedback("cut-1", rows=[("192.0.2.%d" % i, "1") for i in range(1, 41)]).encode()
    half = t.path("cut/half.xml", whole[:len(whole) // 2])
    gz = gzip.compress(whole)
    gzcut = t.path("cut/cut.xml.gz", gz[:len(gz) - 20])
    bad = bytearray(gz)
    bad[len(bad) // 2] ^= 0xff
    gzbad = t.path("cut/corrupt.xml.gz", bytes(bad))
    db = t.db()
    doc, err = t.ingest(db, [half, gzcut, gzbad], p, want=(1,))
    if doc and (doc["rejected"] != 3 or doc["ingested"] != 0):
        p.append("cut/corrupt reports: %s, want 3 rejected" % doc)
    why = " | ".join(quarantine(t, db))
    for word in ("ends before </feedback> (truncated", "truncated gzip", "corrupt gzip"):
        if word not in why:
            p.append("no %r in the quarantine: %s" % (word, why[-600:]))
    if totals(t, db).get("reports") != 0:
        p.append("a cut report was stored: %s" % totals(t, db))
    full = t.path("whole/whole.xml.gz", gz)
    doc, err = t.ingest(db, [full], p, want=(0,))
    if doc and doc["ingested"] != 1:
        p.append("the intact copy after a cut one: %s" % doc)
    if totals(t, db).get("messages") != 40:
        p.append("rows stored: %s" % totals(t, db))
    t.check("complete: XML cut in half, gzip cut or corrupt are rejected and nothing stored; the "
            "intact copy is then taken", p)

    p = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("one.xml", feedback("zip-1"))
        z.writestr("two.xml", feedback("zip-2"))
        z.writestr("three.json", json.dumps({"organization-name": "o", "report-id": "zip-3",
                                             "policies": [{"policy": {"policy-domain": "example.com"}}]}))
    zpath = t.path("multi.zip", buf.getvalue())
    items = t.parse([zpath], p)
    if [i["type"] for i in items] != ["dmarc", "dmarc", "tlsrpt"] or \
            not all(i["origin"].endswith(("[one.xml]", "[two.xml]", "[three.json]")) for i in items):
        p.append("zip of three reports: %s" % [(i["type"], i["origin"]) for i in items])
    two_gz = t.path("two.xml.gz", gzip.compress(feedback("g-1").encode()) + gzip.compress(feedback("g-2").encode()))
    two_roots = t.path("two.xml", feedback("x-1") + feedback("x-2").replace('<?xml version="1.0"?>\n', ""))
    wrapped = t.path("wrapped.xml", "<w>" + feedback("w-1").split("?>", 1)[1] + feedback("w-2").split("?>", 1)[1] + "</w>")
    items = t.parse([two_gz, two_roots, wrapped], p)
    if [i["type"] for i in items] != ["rejected"] * 3:
        p.append("two reports in one stream taken as one: %s" % [(i["type"], i.get("reason")) for i in items])
    elif not ("root element" in items[0]["reason"] and "root element" in items[1]["reason"]
              and "second <feedback>" in items[2]["reason"]):
        p.append("reasons: %s" % [i["reason"] for i in items])
    t.check("container: every file of a zip is a report; two reports in one XML stream (concatenated "
            "gzip members, two roots, two <feedback>) are refused loudly", p)


# ---- 4 cpu ---------------------------------------------------------------------------

def cpu(t):
    p = []
    attrs = " ".join('a%d="x"' % i for i in range(600000))
    x = feedback("attrs").replace("<feedback>", "<feedback %s>" % attrs)
    path = t.path("attrs.xml.gz", gzip.compress(x.encode(), 9))
    t0 = time.time()
    items = t.parse([path], p)
    dt = time.time() - t0
    if not items or items[0]["type"] != "rejected" or "attributes" not in items[0].get("reason", ""):
        p.append("600k attributes: %s" % (str(items[:1])[:300],))
    if dt > 5 * TIME_SCALE:
        p.append("600k attributes took %.1f s" % dt)
    t.check("cpu: 600,000 attributes on <feedback> refused before libxml2 (%.1f s)" % dt, p)

    p = []
    n = 80000
    rows = [("10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255), "1") for i in range(n)]
    path = t.path("many.xml.gz", gzip.compress(feedback("many", rows=rows).encode(), 1))
    db = t.db()
    t.ingest(db, [path], p, want=(0,))
    t0 = time.time()
    rc, out, err = t.ms(["reports", "summary", "--db", db, "--no-dns", "--since", "all", "--csv",
                         "example.com"], timeout=120)
    dt = time.time() - t0
    if rc != 0 or sanitizer(err):
        p.append("summary exit %d: %s" % (rc, err[-500:]))
    elif len(out.splitlines()) != n + 1:
        p.append("%d CSV lines for %d sources" % (len(out.splitlines()), n))
    # before: 50k sources 4.1 s, 200k 135 s (quadratic: 80k about 10 s); now about 1 s
    if dt > 5 * TIME_SCALE:
        p.append("summary of %d sources took %.1f s" % (n, dt))
    t.check("cpu: summary over one report of %d distinct sources (%.1f s)" % (n, dt), p)


# ---- 5, 6, 7: numbers, dates, names ------------------------------------------------------

def numbers(t):
    p = []
    bad = ["-5", "0x10", "1e3", "99999999999999999999", "4611686018427387903", " 7 "]
    rows = [("192.0.2.%d" % (i + 1), c) for i, c in enumerate(bad)]
    x = feedback("nums", rows=rows)
    # a row with two <count>s
    x = x.replace("<count>-5</count>", "<count>3</count><count>4</count>")
    items = t.parse([t.path("nums.xml", x)], p)
    r = items[0].get("report") if items else None
    if not r:
        p.append("not parsed: %s" % items[:1])
    else:
        counts = [rec["count"] for rec in r["records"]]
        if counts != [0, 0, 0, 0, 0, 7]:
            p.append("counts %s, want [0, 0, 0, 0, 0, 7] (the invalid rows count 0)" % counts)
        if r["messages"] != sum(counts):
            p.append("report total %s != sum of rows %s" % (r["messages"], sum(counts)))
        pr = r.get("problems") or ""
        for needle in ("record 1 has more than one <count>", "record 2", "record 3", "record 4", "record 5"):
            if needle not in pr:
                p.append("problems do not name %r: %s" % (needle, pr))
    tl = {"organization-name": "o", "report-id": "tl-n", "policies": [
        {"policy": {"policy-domain": "example.com"},
         "summary": {"total-successful-session-count": -1, "total-failure-session-count": 2 ** 62},
         "failure-details": [{"result-type": "x", "failed-session-count": 1.5}]}]}
    items = t.parse([t.path("tlnums.json", json.dumps(tl))], p)
    r = items[0].get("report") if items else None
    if not r or r["policies"][0]["successful_sessions"] != 0 or r["policies"][0]["failed_sessions"] != 0 \
            or r["policies"][0]["failure_details"][0]["failed_session_count"] != 0 \
            or r.get("problems", "").count("invalid") != 3:
        p.append("TLS-RPT counts: %s" % json.dumps(r)[:600])
    # sums over stored rows saturate (and say so) instead of wrapping
    db = t.db()
    t.ingest(db, [t.path("sat.xml", feedback("sat", rows=[("192.0.2.1", "1"), ("192.0.2.2", "1"),
                                                           ("192.0.2.3", "1")]))], p, want=(0,))
    c = sqlite3.connect(db)
    c.execute("UPDATE dmarc_rows SET count = 4611686018427387903")
    c.commit()
    c.close()
    rc, out, err = t.ms(["reports", "summary", "--db", db, "--no-dns", "--since", "all", "--json", "example.com"])
    try:
        tot = json.loads(out)["totals"]
        if tot["messages"] != 2 ** 63 - 1 or tot.get("saturated") is not True:
            p.append("three counts of 2^62-1: totals %s" % tot)
    except (ValueError, KeyError):
        p.append("summary: exit %d %s" % (rc, err[-300:]))
    rc, out, err = t.ms(["reports", "summary", "--db", db, "--no-dns", "--since", "all", "example.com"])
    if "9223372036854775807" not in out or "-" + "4611686018427387" in out:
        p.append("text summary of saturated sums: %s" % out[:400])
    t.check("numbers: counts parsed strictly (invalid rows count 0 and the report says so), sums "
            "saturate at 2^63-1 and say so", p)


def dates(t):
    p = []
    now = int(time.time())
    cases = {
        "year 109,626,219": (3459508569600000, 3459508569686400),
        "reversed": (1700086400, 1700000000),
        "40 days": (1700000000, 1700000000 + 40 * 86400),
        "two days ahead": (now + 2 * 86400, now + 3 * 86400),
    }
    paths = [t.path("date-%d.xml" % i, feedback("d-%d" % i, begin=b, end=e))
             for i, (b, e) in enumerate(cases.values())]
    db = t.db()
    doc, err = t.ingest(db, paths, p, want=(1,))
    if doc and doc["rejected"] != len(cases):
        p.append("dates: %s, want %d rejected: %s" % (doc, len(cases), err[-600:]))
    why = " | ".join(quarantine(t, db))
    for word in ("9999", "ends before it begins", "longer than 31 days", "more than a day after"):
        if word not in why:
            p.append("no %r in the quarantine: %s" % (word, why[-600:]))
    tl = {"organization-name": "o", "report-id": "tl-d", "date-range": {
        "start-datetime": "2016-04-02T00:00:00Z", "end-datetime": "2016-04-01T00:00:00Z"},
        "policies": [{"policy": {"policy-domain": "example.com"}}]}
    items = t.parse([t.path("tldate.json", json.dumps(tl))], p)
    if not items or items[0]["type"] != "rejected":
        p.append("TLS-RPT reversed range taken: %s" % items[:1])
    ok = t.path("date-ok.xml", feedback("d-ok", begin=now - 86400, end=now))
    doc, err = t.ingest(db, [ok], p, want=(0,))
    if doc and doc["ingested"] != 1:
        p.append("a report of yesterday: %s" % doc)
    t.check("dates: a range past 9999, reversed, over 31 days or more than a day ahead is rejected", p)


def names(t):
    p = []
    now = int(time.time())
    db = t.db()
    t.ingest(db, [t.path("name.xml", feedback("n-1", domain="Example.COM.", begin=now - 86400, end=now))],
             p, want=(0,))
    tot = totals(t, db)
    if tot.get("reports") != 1:
        p.append("summary example.com does not find the report of Example.COM.: %s" % tot)
    items = t.parse([t.path("badname.xml", feedback("n-2", domain="exa mple.com"))], p)
    if not items or items[0]["type"] != "rejected" or "not a domain name" not in items[0].get("reason", ""):
        p.append("a policy domain with a space: %s" % items[:1])
    t.check("names: a policy domain Example.COM. is stored as example.com", p)


# ---- 8 terminal ------------------------------------------------------------------------

def terminal(t):
    p = []
    evil = "x\x1b]0;pwned\x07\x1b[2J\nFAKE: ok\r.xml"
    import email.mime.application
    import email.mime.multipart
    m = email.mime.multipart.MIMEMultipart()
    m["Subject"] = "Report domain: example.com"
    m["From"] = "r@org.example"
    part = email.mime.application.MIMEApplication(b"<feedback><broken", "xml")
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", evil))
    m.attach(part)
    path = t.path("evil.eml", m.as_bytes())
    rc, out, err = t.ms(["reports", "ingest", "--db", t.db(), path])
    line = [l for l in err.split("\n") if "rejected" in l]
    if not line:
        p.append("no rejected line: %r" % err[-400:])
    if any(c in err for c in "\x1b\x07\r") or "\nFAKE" in err:
        p.append("raw control characters on stderr: %r" % err[-400:])
    if line and "\\x1B" not in line[0]:
        p.append("escape not shown: %r" % line[0])
    t.check("terminal: an attachment name with ESC/OSC/BEL/CR/LF is escaped in the rejected line", p)


# ---- 9 walk --------------------------------------------------------------------------------

def walk(t):
    p = []
    d = os.path.join(t.tmp, "walk", "tree")
    os.makedirs(os.path.join(d, "a", "b"))
    now = int(time.time())
    t.path("walk/tree/a/b/r.xml", feedback("walk-1", begin=now - 86400, end=now))
    secret = t.path("walk/outside/secret.xml", "not yours")
    os.mkfifo(os.path.join(d, "a", "fifo.xml"))
    for i in range(3):
        os.symlink("..", os.path.join(d, "a", "b", "up%d" % i))
    os.makedirs(os.path.join(t.tmp, "walk", "empty"))
    os.symlink("../../empty", os.path.join(d, "a", "out"))
    os.symlink(secret, os.path.join(d, "a", "secret.xml"))
    os.symlink("/dev/zero", os.path.join(d, "a", "zero.xml"))
    os.symlink("b/r.xml", os.path.join(d, "a", "same.xml"))
    db = t.db()
    t0 = time.time()
    doc, err = t.ingest(db, [d], p, want=(1,))
    dt = time.time() - t0
    if doc and (doc["ingested"] != 1 or doc["rejected"] != 0):
        p.append("walk: %s" % doc)
    for word in ("fifo.xml: skipped: a FIFO", "secret.xml: skipped: a symbolic link out",
                 "zero.xml: skipped: a symbolic link out", "out: skipped: a symbolic link out"):
        if word not in err:
            p.append("not said: %r in %s" % (word, err[-800:]))
    if quarantine(t, db):
        p.append("something from outside the tree reached the quarantine: %s" % quarantine(t, db))
    if dt > 20 * TIME_SCALE:
        p.append("walk took %.1f s" % dt)
    # --follow-symlinks reads the outside file (rejected: not a report), never /dev/zero or the FIFO
    doc, err = t.ingest(t.db(), [d, "--follow-symlinks"], p, want=(1,))
    if doc and doc["rejected"] != 1:
        p.append("--follow-symlinks: %s %s" % (doc, err[-400:]))
    if "zero.xml: skipped: a character device" not in err:
        p.append("--follow-symlinks opened /dev/zero? %s" % err[-400:])
    # a FIFO named on the command line, to ingest and to lint
    fifo = os.path.join(d, "a", "fifo.xml")
    rc, out, err = t.ms(["reports", "parse", fifo], timeout=20)
    if rc == -999 or "FIFO" not in out + err:
        p.append("reports parse FIFO: exit %d %r" % (rc, (out + err)[-300:]))
    rc, out, err = t.ms(["lint", fifo], timeout=20)
    if rc != 2 or "FIFO" not in err:
        p.append("lint FIFO: exit %d %r" % (rc, err[-300:]))
    pfifo = os.path.join(d, "a", "mta-sts.txt")
    os.mkfifo(pfifo)
    rc, out, err = t.ms(["mta-sts", "lint", pfifo], timeout=20)
    if rc != 2 or "FIFO" not in err:
        p.append("mta-sts lint FIFO: exit %d %r" % (rc, err[-300:]))
    os.unlink(pfifo)
    t.check("walk: FIFO, three links to the parent, links out of the tree and to /dev/zero: skipped and "
            "said, each folder once (%.1f s)" % dt, p)
    p = []
    rc, out, err = t.ms(["lint", d], timeout=20)
    if rc != 2 or "not a regular file: a directory" not in err or "SOA" in err:
        p.append("lint of a folder: exit %d %r" % (rc, err[-300:]))
    t.check("walk: lint of a folder says it is a folder (not SOA)", p)
    p = []
    # the quarantine keeps strangers' bytes (once a link to /etc/shadow): the file is the owner's only
    mode = os.stat(db).st_mode & 0o777
    if mode != 0o600:
        p.append("a new database file is %o, want 600" % mode)
    t.check("walk: the database file is created 0600", p)


# ---- zone files and smaller ones ------------------------------------------------------------------

def zone(t):
    soa = "$ORIGIN example.test.\n@ SOA ns hm 1 2 3 4 5\n"
    cases = [
        ("generate.zone", soa + "$GENERATE 1-10 host$ A 192.0.2.$\n", "$GENERATE is not supported"),
        ("label.zone", soa + "a" * 64 + " A 192.0.2.1\n", "is 64 octets long: a label is at most 63"),
        ("name.zone", soa + ".".join(["a" * 63] * 5) + ". A 192.0.2.1\n", "a name is at most 255"),
        ("txt.zone", soa + "@ TXT " + " ".join(['"' + "x" * 255 + '"'] * 260) + "\n", "longer than 10000 characters"),
        ("paren.zone", soa + '@ TXT ( "v=spf1 -all"\n', "'(' is never closed"),
        ("two.example.test.yaml", "'':\n  type: A\n  value: 192.0.2.1\n---\nfoo:\n  type: A\n  value: 192.0.2.2\n",
         "a second YAML document"),
    ]
    for name, text, want in cases:
        p = []
        rc, out, err = t.ms(["lint", t.path("zone/" + name, text)])
        if rc != 2 or want not in err:
            p.append("exit %d, want 2 and %r: %s" % (rc, want, err[-400:]))
        if sanitizer(err):
            p.append("sanitizer: " + err[-1500:])
        t.check("zone: %s says: %s" % (name, want), p)


def smaller(t):
    p = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("r.xml", feedback("enc"))
    b = bytearray(buf.getvalue())
    # mark the entry encrypted (general purpose flag bit 0) in the local and central headers
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = b.find(sig)
        b[i + off] |= 1
    items = t.parse([t.path("enc.zip", bytes(b))], p)
    if not items or items[0]["type"] != "rejected" or "encrypted" not in items[0].get("reason", ""):
        p.append("encrypted zip: %s" % items[:1])
    t.check("smaller: an encrypted zip says encrypted, not corrupt", p)
    p = []
    doc = open(os.path.join(ROOT, "docs", "reports.md")).read()
    for word in ("system resolver", "--no-dns", "20,000"):
        if word not in doc:
            p.append("docs/reports.md does not say %r" % word)
    t.check("smaller: docs/reports.md says summary looks strangers' addresses up, --no-dns, and the bound", p)


def run(args):
    tmp = tempfile.mkdtemp(prefix="mailsec-hostile-")
    t = T(args, tmp)
    try:
        for fn in (memory, complete, cpu, numbers, dates, names, terminal, walk, zone, smaller):
            t0 = time.time()
            try:
                fn(t)
            except Exception as e:      # a crash of the test itself is a failure, not a skip
                import traceback
                t.res.append(Result(NAME, fn.__name__, "fail", traceback.format_exc()[-2000:]))
            if args.verbose:
                print("hostile %s: %.1f s" % (fn.__name__, time.time() - t0), file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.res
