"""tests/groups/pages.py - the dashboard's pages in a real browser (Playwright driving Debian's chromium).

A real `mailsec serve` on loopback over a database filled by the real
commands: workspaces A and B, their domains, users, an ownership vouched for;
DMARC aggregate reports over ten days (one with a reporter name that is a
script) and a TLS-RPT report put in by `reports ingest`, with the shared
testdata's mail-dmarc report beside them; the in-process monitor checks every
domain over tests/pages/world.zone (replay data: a good domain and a hostile
zone whose TXT records carry markup).  Then tests/pages/browser.mjs signs in,
visits every page (a screenshot of each into $MAILSEC_ARTEFACTS or
build/pages-artefacts, axe-core on each), uses the filters, search, sort,
CSV export, date range and "check now", checks no payload ever runs and that
workspace B's pages are A's missing ones, and signs out.

On SQLite, then on a private PostgreSQL (tests/pgserver.py; skipped loudly
without it, a failure when CI=true).  Runs once: not under sanitizers or a
wrapper (the browser is the slow part, the server is tested under ASan by the
serve group).
"""
import json
import os
import re
import shutil
import sys
import subprocess
import tempfile
import time
import urllib.request

from harness import ROOT, Result, skip_or_fail
from pgserver import PgBackend, PgServer, SqliteBackend

sys.path.insert(0, os.path.join(ROOT, "tests", "world"))
from mailworld import ADDR, MAIL, MailWorld, Pki, WorldUnavailable  # noqa: E402

NAME = "pages"
SCALE = float(os.environ.get("MAILSEC_TEST_TIME_SCALE", "1"))
ZONE = os.path.join(ROOT, "tests", "pages", "world.zone")
SCRIPT = os.path.join(ROOT, "tests", "pages", "browser.mjs")
TESTDATA = os.environ.get("MAILSEC_TESTDATA", os.path.join(ROOT, "..", "shared", "testdata"))
ENV = dict(os.environ, MAILSEC_ARGON2_COST="1:64")
ORG_PAYLOAD = "<script>window.__xss=3</script>Reporter <b>Org</b>"
DAY = 86400
DAY0 = 1793491200  # 2026-11-01T00:00:00Z

DMARC = """<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>%(org)s</org_name><email>dmarc@receiver.test</email>
    <report_id>pages-%(n)d</report_id><date_range><begin>%(begin)d</begin><end>%(end)d</end></date_range>
  </report_metadata>
  <policy_published><domain>good.test</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><pct>100</pct>
  </policy_published>
  <record><row><source_ip>192.0.2.25</source_ip><count>%(good)d</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>
    <identifiers><header_from>good.test</header_from></identifiers>
    <auth_results><dkim><domain>good.test</domain><result>pass</result></dkim>
      <spf><domain>good.test</domain><result>pass</result></spf></auth_results></record>
  <record><row><source_ip>198.51.100.7</source_ip><count>%(half)d</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>good.test</header_from></identifiers>
    <auth_results><dkim><domain>good.test</domain><result>pass</result></dkim>
      <spf><domain>other.test</domain><result>pass</result></spf></auth_results></record>
  <record><row><source_ip>203.0.113.66</source_ip><count>%(bad)d</count>
      <policy_evaluated><disposition>%(disp)s</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>good.test</header_from></identifiers>
    <auth_results><spf><domain>spammer.test</domain><result>fail</result></spf></auth_results></record>
</feedback>
"""


def tlsrpt(day):
    return {
        "organization-name": "TLS <i>Reporter</i>",
        "date-range": {"start-datetime": time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(day)),
                       "end-datetime": time.strftime("%Y-%m-%dT23:59:59Z", time.gmtime(day))},
        "contact-info": "tlsrpt@reporter.test",
        "report-id": "pages-tls-%d" % day,
        "policies": [{
            "policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: enforce",
                                                               "mx: mail.good.test", "max_age: 86400"],
                       "policy-domain": "good.test", "mx-host": ["mail.good.test"]},
            "summary": {"total-successful-session-count": 90, "total-failure-session-count": 3},
            "failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "192.0.2.9",
                                 "receiving-mx-hostname": "mail.good.test", "failed-session-count": 3}]}],
    }


PTR_PAYLOAD = "<script>__xss=6</script>.hostile.test"  # tests/pages/world.zone: a source's PTR name
HOOK_PAYLOAD = 'https://hooks.good.test/"><script>window.__xss=5</script>'


def range_expect(first, last):
    """What the reports page shows for the days DAY0+first..DAY0+last of DMARC (as setup writes them)."""
    good = sum(100 + 10 * n for n in range(first, last + 1))
    bad = sum(5 + n for n in range(first, last + 1))
    tls = [n for n in range(first, last + 1) if n % 2 == 0]
    return {"messages": good + 20 * (last - first + 1) + bad, "reports": last - first + 1, "top": good,
            "tls_reports": len(tls), "tls_failed": 3 * len(tls)}


def target_b(args, db):
    """The id of workspace B's notification target (setup adds one)."""
    rc, out, err = ms(args, ["notify", "list", "--workspace", "B", "--format", "json", "--db", db])
    try:
        return json.loads(out)["targets"][0]["id"]
    except (ValueError, KeyError, IndexError):
        return -1


def ms(args, argv, stdin=None):
    p = subprocess.run([args.mailsec] + argv, input=stdin, capture_output=True, text=True, env=ENV,
                       timeout=120 * SCALE)
    return p.returncode, p.stdout, p.stderr


def setup(args, db, tmp):
    """The workspaces, domains, users, reports; (problems, bearer token of alice)."""
    p = []
    rdir = os.path.join(tmp, "reports-%d" % os.getpid())
    shutil.rmtree(rdir, ignore_errors=True)
    os.makedirs(rdir)
    for n in range(10):
        begin = DAY0 + n * DAY
        with open(os.path.join(rdir, "dmarc-%d.xml" % n), "w") as f:
            f.write(DMARC % {"org": ORG_PAYLOAD.replace("<", "&lt;").replace(">", "&gt;") if n == 3 else "Receiver",
                             "n": n, "begin": begin, "end": begin + DAY - 1, "good": 100 + 10 * n, "half": 20,
                             "bad": 5 + n, "disp": ("none", "quarantine", "reject")[n % 3]})
        if n % 2 == 0:
            with open(os.path.join(rdir, "tls-%d.json" % n), "w") as f:
                json.dump(tlsrpt(begin), f)
    shared = os.path.join(TESTDATA, "dmarc-reports", "mail-dmarc", "test_dmarc.xml")
    if os.path.exists(shared):
        shutil.copy(shared, os.path.join(rdir, "shared-test_dmarc.xml"))
    steps = [
        (["workspace", "add", "A", "--db", db], None),
        (["workspace", "add", "B", "--db", db], None),
        (["domains", "add", "--workspace", "A", "--db", db, "good.test", "hostile.test", "example.com"], None),
        (["domains", "add", "--workspace", "B", "--db", db, "b.test"], None),
        (["users", "add", "alice", "--role", "member", "--workspace", "A", "--password-stdin", "--db", db],
         "alice-password\n"),
        (["users", "add", "bob", "--role", "member", "--workspace", "B", "--password-stdin", "--db", db],
         "bob-password\n"),
        (["users", "add", "root", "--role", "admin", "--password-stdin", "--db", db], "root-password\n"),
        (["users", "add", "vera", "--role", "viewer", "--workspace", "A", "--password-stdin", "--db", db],
         "vera-password\n"),
        (["notify", "add", "--workspace", "B", "--email", "ops@b.test", "--db", db], None),
        (["domains", "verify", "--workspace", "A", "--db", db, "good.test"], None),
        (["domains", "verify", "--workspace", "A", "--db", db, "example.com"], None),
        (["domains", "verify", "--workspace", "B", "--db", db, "b.test"], None),
        (["reports", "ingest", "--db", db, rdir], None),
    ]
    for argv, stdin in steps:
        rc, out, err = ms(args, argv, stdin)
        if rc != 0:
            p.append("%s: exit %d: %s" % (" ".join(argv[:3]), rc, err[-500:]))
    rc, out, err = ms(args, ["tokens", "add", "--user", "alice", "--workspace", "A", "--db", db])
    tok = out.strip().splitlines()[-1] if rc == 0 and out.strip() else None
    if tok is None:
        p.append("tokens add: %s" % err[-300:])
    return p, tok


def start(args, db):
    """(process, port) of `mailsec serve` with its in-process monitor over the replay zone."""
    proc = subprocess.Popen([args.mailsec, "serve", "--db", db, "--listen", "127.0.0.1:0", "--replay", ZONE,
                             "--timeout", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    deadline = time.time() + 30 * SCALE
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(rb"listening on [0-9.]+:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    proc.wait()
    raise RuntimeError("mailsec serve did not start")


def api(port, path, tok):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers={"Authorization": "Bearer " + tok})
    with urllib.request.urlopen(req, timeout=20 * SCALE) as r:
        return json.loads(r.read())


def scenario(args, be, label, tmp):
    res = []
    db = be.new("pages")
    problems, tok = setup(args, db, tmp)
    if problems:
        return [Result(NAME, be.label(label + ": set-up"), "fail", "\n".join(problems))]
    proc, port = start(args, db)
    try:
        deadline = time.time() + 60 * SCALE
        doms = []
        while time.time() < deadline:
            doms = api(port, "/api/v1/domains", tok)["domains"]
            if doms and all(d.get("last_checked") for d in doms):
                break
            time.sleep(0.3)
        grade = {d["name"]: d.get("grade") or "?" for d in doms}
        if not all(d.get("last_checked") for d in doms):
            return [Result(NAME, be.label(label + ": the monitor checks every domain"), "fail", repr(doms))]
        art = os.path.join(os.environ.get("MAILSEC_ARTEFACTS") or os.path.join(os.path.dirname(
            os.path.abspath(args.mailsec)), "pages-artefacts"), be.name)
        os.makedirs(art, exist_ok=True)
        cfg = {"root": ROOT, "base": "http://127.0.0.1:%d" % port, "artefacts": art,
               "alice": ["alice", "alice-password"], "bob": ["bob", "bob-password"],
               "admin": ["root", "root-password"],
               "domains_a": ["example.com", "good.test", "hostile.test"], "domain_b": "b.test",
               "good": "good.test", "good_grade": grade.get("good.test", "?")[0], "hostile": "hostile.test",
               "testdata_domain": "example.com",
               "payload_txt": "include:<img src=x onerror=window.__xss=1>", "payload_org": ORG_PAYLOAD,
               "range": ["2026-11-03", "2026-11-06"], "tls_mx": "mail.good.test",
               "range_expect": range_expect(2, 5), "viewer": ["vera", "vera-password"],
               "target_b": target_b(args, db), "payload_hook": HOOK_PAYLOAD,
               "payload_ptr": PTR_PAYLOAD,
               "ptrs": {"192.0.2.25": "mail.good.test (forward-confirmed)",
                        "198.51.100.7": "relay.other.test (not forward-confirmed)",
                        "203.0.113.66": PTR_PAYLOAD + " (forward-confirmed)"}}
        p = subprocess.run(["node", SCRIPT], capture_output=True, text=True, timeout=180 * SCALE,
                           env=dict(os.environ, PAGES_CONFIG=json.dumps(cfg)))
        lines = [json.loads(x) for x in p.stdout.splitlines() if x.startswith("{")]
        if p.returncode != 0 or not lines:
            res.append(Result(NAME, be.label(label + ": the browser run"), "fail",
                              "exit %d: %s %s" % (p.returncode, p.stdout[-1500:], p.stderr[-1500:])))
        for r in lines:
            res.append(Result(NAME, be.label(label + ": " + r["name"]), "pass" if r["ok"] else "fail", r["detail"]))
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=30 * SCALE)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if proc.returncode != 0:
            res.append(Result(NAME, be.label(label + ": serve exits cleanly"), "fail",
                              "exit %d: %s" % (proc.returncode, err.decode(errors="replace")[-1500:])))
        audit = err.decode(errors="replace")
        res.append(Result(NAME, be.label(label + ": a user made on the admin page is audited"),
                          "pass" if "audit: admin root created user carol (member) in workspaces [A]" in audit
                          else "fail", audit[-1500:]))
        res.append(Result(NAME, be.label(label + ": a workspace and a token made on the pages are audited"),
                          "pass" if "audit: admin root created workspace C" in audit and
                          "audit: alice created API token" in audit else "fail", audit[-1500:]))
    return res


# ---- XSS through a stranger's TLS: an MTA-STS policy and an MX certificate subject -------------

CERT_CN = "<img src=x onerror=window.__xss=8>mx"
CERT_O = "<script>window.__xss=9</script> Org"
STS_MX = "<svg/onload=window.__xss=10>.tls.test"
STS_POLICY = "version: STSv1\r\nmode: testing\r\nmx: %s.%s\r\nmx: %s\r\nmax_age: 86400\r\n" % (
    "mx-good", MAIL, STS_MX)


def rfc4514(v):
    """An attribute value as RFC 4514 writes it (only the escapes these payloads need)."""
    return v.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>")


class HostilePki(Pki):
    """mailworld's test CA, whose certificate for the good MX has markup in its CN and O."""

    def _name(self, cn):
        if cn != "mx-good." + MAIL:
            return Pki._name(self, cn)
        return self.x509.Name([self.x509.NameAttribute(self.oid.COMMON_NAME, CERT_CN),
                               self.x509.NameAttribute(self.oid.ORGANIZATION_NAME, CERT_O)])


class HostileWorld(MailWorld):
    """mailworld's Postfix and nginx in a namespace of their own, with HostilePki's certificates."""

    def start(self, before_web=None):
        import live
        live.register(self)
        try:
            self.pki = HostilePki(self.tmp)
        except ImportError as e:
            raise WorldUnavailable("python3-cryptography missing: %s" % e)
        self.ns = "mpgs-%d" % os.getpid()
        self._netns()
        self._postfix()
        self.add_site("mta-sts.tls.test", body=STS_POLICY)
        self._nginx()
        return self


def hostile_tls(args, tmp):
    """serve's in-process monitor probes Postfix and fetches the policy from nginx, in a namespace; the
    browser (in the namespace too) finds the payloads as text on the domain and TLS pages."""
    res = []
    w = HostileWorld(os.path.join(tmp, "world"))
    os.makedirs(w.tmp)
    os.chmod(tmp, 0o755)    # Postfix's daemons run as postfix and walk down to the queue
    try:
        w.start()
    except (WorldUnavailable, OSError, subprocess.CalledProcessError) as e:
        w.stop()
        return [skip_or_fail(NAME, "hostile TLS: the namespace world", str(e))]
    proc = None
    try:
        zone = os.path.join(tmp, "tls.zone")
        with open(zone, "w") as f:
            f.write("tls.test. MX 10 mx-good.%s.\nmx-good.%s. A %s\n" % (MAIL, MAIL, ADDR["mx-good"]) +
                    '_mta-sts.tls.test. TXT "v=STSv1; id=20261203"\nmta-sts.tls.test. A %s\n' % ADDR["web"] +
                    'tls.test. TXT "v=spf1 mx -all"\n_dmarc.tls.test. TXT "v=DMARC1; p=none"\n')
        db = os.path.join(tmp, "tls.db")
        for argv, stdin in ((["workspace", "add", "A", "--db", db], None),
                            (["domains", "add", "--workspace", "A", "--db", db, "tls.test"], None),
                            (["users", "add", "alice", "--role", "member", "--workspace", "A", "--password-stdin",
                              "--db", db], "alice-password\n")):
            rc, out, err = ms(args, argv, stdin)
            if rc != 0:
                return [Result(NAME, "hostile TLS: set-up", "fail", "%s: %s" % (argv[:2], err[-500:]))]
        proc = subprocess.Popen(w.nsexec([args.mailsec, "serve", "--db", db, "--listen", "127.0.0.1:0", "--replay", zone,
                                          "--replay-connect", "--ca-file", w.pki.ca_file, "--timeout", "2"]),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
        port = None
        deadline = time.time() + 30 * SCALE
        while time.time() < deadline and port is None:
            line = proc.stderr.readline()
            if not line:
                break
            m = re.search(rb"listening on [0-9.]+:(\d+)", line)
            if m:
                port = int(m.group(1))
        if port is None:
            return [Result(NAME, "hostile TLS: mailsec serve starts", "fail", "no port")]
        art = os.path.join(os.environ.get("MAILSEC_ARTEFACTS") or os.path.join(os.path.dirname(
            os.path.abspath(args.mailsec)), "pages-artefacts"), "sqlite")
        os.makedirs(art, exist_ok=True)
        cfg = {"root": ROOT, "base": "http://127.0.0.1:%d" % port, "artefacts": art, "mode": "hostile-tls",
               "alice": ["alice", "alice-password"], "domain": "tls.test",
               # the subject as the page writes it: RFC 4514, which escapes < and > with a backslash
               "cert_cn": "CN=" + rfc4514(CERT_CN), "cert_o": "O=" + rfc4514(CERT_O),
               "sts_mx": STS_MX, "mx": "mx-good." + MAIL, "wait": 60 * SCALE}
        p = subprocess.run(w.nsexec(["node", SCRIPT]), capture_output=True, text=True, timeout=180 * SCALE,
                           env=dict(os.environ, PAGES_CONFIG=json.dumps(cfg)))
        lines = [json.loads(x) for x in p.stdout.splitlines() if x.startswith("{")]
        if p.returncode != 0 or not lines:
            res.append(Result(NAME, "hostile TLS: the browser run", "fail",
                              "exit %d: %s %s" % (p.returncode, p.stdout[-1500:], p.stderr[-1500:])))
        for r in lines:
            res.append(Result(NAME, "hostile TLS: " + r["name"], "pass" if r["ok"] else "fail", r["detail"]))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                _, err = proc.communicate(timeout=30 * SCALE)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
            if proc.returncode != 0:
                res.append(Result(NAME, "hostile TLS: serve exits cleanly", "fail",
                                  "exit %d: %s" % (proc.returncode, err.decode(errors="replace")[-1500:])))
        w.stop()
    return res


def run(args):
    if "ASAN_OPTIONS" in os.environ or args.wrapper:
        return [Result(NAME, "browser", "skip", "runs once, in the plain build (not under sanitizers or a wrapper)")]
    missing = [x for x in ("/usr/bin/chromium", os.path.join(ROOT, "node_modules", "playwright-core"),
                           os.path.join(ROOT, "node_modules", "axe-core")) if not os.path.exists(x)]
    if missing or shutil.which("node") is None:
        return [skip_or_fail(NAME, "browser", "missing %s (scripts/install-deps)" % (missing or "node"))]
    res = []
    tmp = tempfile.mkdtemp(prefix="mailsec-pages-")
    try:
        try:
            res += scenario(args, SqliteBackend(tmp), "browser", tmp)
        except RuntimeError as e:
            res.append(Result(NAME, "browser: mailsec serve starts", "fail", str(e)))
        pg = PgServer()
        try:
            why = pg.start()
            if why is not None:
                res.append(skip_or_fail(NAME, "browser [postgresql]: private server", why))
            else:
                try:
                    res += scenario(args, PgBackend(pg), "browser", tmp)
                except RuntimeError as e:
                    res.append(Result(NAME, "browser [postgresql]: mailsec serve starts", "fail", str(e)))
        finally:
            pg.stop()
        res += hostile_tls(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res
