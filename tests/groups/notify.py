"""tests/groups/notify.py - notifications: targets, triggers from real monitor rounds, the outbox, delivery.

Every scenario runs two real `mailsec monitor` rounds over the monitor group's
replay world (tests/monitor/world.zone): round 1 stores each domain's first
check (no notification: nothing changed yet), round 2 runs over a copy of the
world in which a.test's SPF record changed and c.test's ends in "+all" (a new
error finding, c.test's grade falls from B to D, two records changed).  Then:

- webhook: a local HTTPS receiver (python http.server + ssl, a certificate from
  the test CA the transport tests use, tests/world/mailworld.py's Pki) checks
  X-Mailsec-Signature (HMAC-SHA256 of "t.body" with the target's secret),
  X-Mailsec-Event-Id against the body, and the body against
  docs/schema/mailsec-notify-1.json; the four notifications arrive once each,
  a target switched to `--on cert` gets none; `notify list`/`notify outbox
  --format json` validated against their schemas; usage errors exit 2;
- a receiver that is down: the monitor's attempt fails (kept in the outbox
  with its error and a backoff), `notify send` before the backoff sends
  nothing, the receiver comes back, once the backoff has passed (the test
  moves next_attempt back, as a clock would) everything arrives once, and a
  second `notify send` sends nothing;
- a crash between sending and marking (MAILSEC_TEST_NOTIFY_CRASH=after-send
  kills the monitor with SIGKILL right after its first delivery): the next
  `notify send` sends that notification again with the same event id, the
  others once;
- email through a real Postfix on loopback in a network namespace of its own
  (virtual mailbox delivery to an mbox file): the messages in the mailbox have
  the headers, a Message-ID made of the outbox row and the event id, the
  event id header; after a crash between sending and marking, the resent
  message has the same Message-ID and event id.  Needs root; runs once, in the
  plain build (not under sanitizers or valgrind).
"""
import datetime
import hashlib
import hmac
import http.server
import ipaddress
import json
import mailbox
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "world"))
from harness import ROOT, Result, skip_or_fail, validate_json  # noqa: E402
from harness import run as hrun  # noqa: E402
import live  # noqa: E402
from pgserver import PgBackend, PgServer, SqliteBackend  # noqa: E402

NAME = "notify"
ZONE = os.path.join(ROOT, "tests", "monitor", "world.zone")
SECRET = "notify-test-secret-0123456789"


def sanitized(args):
    return "ASAN_OPTIONS" in os.environ or bool(args.wrapper)


def sanitizer(err):
    return "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err


# ---- a certificate for 127.0.0.1 from the transport tests' CA ---------------------

def leaf(pki, tmp, name, dns=(), ips=(), days=30):
    """(cert_file, key_file) of a leaf from pki's CA for the names and addresses given."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.utcnow()
    sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(a)) for a in ips]
    cert = (x509.CertificateBuilder().subject_name(pki._name((list(dns) + list(ips))[0]))
            .issuer_name(pki.ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .sign(pki.ca_key, hashes.SHA256()))
    crt, k = os.path.join(tmp, name + ".crt"), os.path.join(tmp, name + ".key")
    with open(crt, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(k, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    for x in (crt, k):
        os.chmod(x, 0o644)
    return crt, k


def make_cert(tmp):
    """(pki, ca_file, cert_file, key_file): mailworld's test CA and a leaf for IP 127.0.0.1."""
    from mailworld import Pki
    pki = Pki(tmp)
    crt, k = leaf(pki, tmp, "hook", ips=["127.0.0.1"])
    return pki, pki.ca_file, crt, k


# ---- the webhook receiver ------------------------------------------------------------

class Receiver:
    """An HTTPS server on 127.0.0.1:port that keeps every POST it gets: (headers, body)."""

    def __init__(self, cert, key, port=0):
        self.posts = []
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                rec.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.srv.socket = ctx.wrap_socket(self.srv.socket, server_side=True)
        self.port = self.srv.server_address[1]
        self.url = "https://127.0.0.1:%d/hook" % self.port
        self.th = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.th.start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()

    def check(self, secret):
        """Problems with the posts: signature, event id header, schema."""
        p = []
        for h, body in self.posts:
            sig = h.get("x-mailsec-signature", "")
            parts = dict(x.split("=", 1) for x in sig.split(",") if "=" in x)
            want = hmac.new(secret.encode(), parts.get("t", "").encode() + b"." + body,
                            hashlib.sha256).hexdigest()
            if not hmac.compare_digest(want, parts.get("v1", "")):
                p.append("bad signature %r" % sig)
            if abs(int(parts.get("t", "0")) - time.time()) > 300:
                p.append("signature timestamp %r is not now" % parts.get("t"))
            try:
                doc = json.loads(body)
            except ValueError as e:
                p.append("body is not JSON: %s" % e)
                continue
            p += ["schema: " + e for e in validate_json(doc, "mailsec-notify-1.json")]
            if h.get("x-mailsec-event-id") != doc.get("event_id"):
                p.append("X-Mailsec-Event-Id %r is not the body's %r" % (h.get("x-mailsec-event-id"),
                                                                        doc.get("event_id")))
            if h.get("content-type") != "application/json":
                p.append("Content-Type %r" % h.get("content-type"))
        return p

    def ids(self):
        return [h.get("x-mailsec-event-id") for h, _ in self.posts]


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- scenarios -----------------------------------------------------------------------

class T:
    def __init__(self, args, be, tmp, ca):
        self.args, self.be, self.tmp, self.ca, self.res = args, be, tmp, ca, []
        self.zone2 = os.path.join(tmp, "world2.zone")
        text = open(ZONE).read()
        for a, b in (('a.test.          TXT  "v=spf1 mx -all"', 'a.test.          TXT  "v=spf1 a mx -all"'),
                     ('c.test.          TXT  "v=spf1 -all"', 'c.test.          TXT  "v=spf1 +all"')):
            assert a in text
            text = text.replace(a, b)
        open(self.zone2, "w").write(text)
        self.secret = os.path.join(tmp, "secret")
        open(self.secret, "w").write(SECRET + "\n")

    def ms(self, argv, env=None, timeout=120, ns=None):
        e = dict(os.environ)
        e.update(env or {})
        cmd = (["ip", "netns", "exec", ns] if ns else []) + (self.args.wrapper or []) + [self.args.mailsec] + argv
        p = subprocess.run(cmd, capture_output=True, env=e, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def check(self, name, problems):
        self.res.append(Result(NAME, self.be.label(name), "fail" if problems else "pass", "\n".join(problems)))

    def expect(self, p, what, got, want, err=""):
        rc = got[0] if isinstance(got, tuple) else got
        if rc != want:
            p.append("%s: exit %d, want %d: %s" % (what, rc, want, (err or (got[2] if isinstance(got, tuple) else ""))[-800:]))
        if isinstance(got, tuple) and sanitizer(got[2]):
            p.append("%s: sanitizer: %s" % (what, got[2][-2000:]))

    def world(self, name, targets):
        """A database with workspace acme (a.test b.test c.test) and the targets given (argv lists)."""
        db = self.be.new(name)
        self.ms(["workspace", "add", "acme", "--db", db])
        self.ms(["domains", "add", "--workspace", "acme", "--db", db, "a.test", "b.test", "c.test"])
        p = []
        for t in targets:
            r = self.ms(["notify", "add", "--workspace", "acme", "--db", db] + t)
            self.expect(p, "notify add " + " ".join(t), r, 0)
        return db, p

    def rounds(self, db, p, env=None, extra=(), second_rc=0):
        extra = list(extra) + ([] if "--ca-file" in extra else ["--ca-file", self.ca])
        r = self.ms(["monitor", "--db", db, "--replay", ZONE, "--once"] + list(extra))
        self.expect(p, "monitor round 1", r, 0)
        n = self.sql(db, "SELECT COUNT(*) FROM outbox")[0][0]
        if n:
            p.append("round 1 (first checks only) queued %d notifications" % n)
        r = self.ms(["monitor", "--db", db, "--replay", self.zone2, "--once", "--all"] + list(extra), env=env)
        self.expect(p, "monitor round 2", r, second_rc)
        return r

    def sql(self, db, q):
        return self.be.query(db, q)

    def outbox(self, db, p):
        r = self.ms(["notify", "outbox", "--format", "json", "--db", db])
        self.expect(p, "notify outbox --format json", r, 0)
        if r[0] != 0:
            return []
        doc = json.loads(r[1])
        p += ["outbox schema: " + e for e in validate_json(doc, "mailsec-outbox-1.json")]
        return doc["outbox"]


WANT = {("a.test", "record"), ("c.test", "record"), ("c.test", "error"), ("c.test", "grade")}


def webhook(t, cert, key):
    rec = Receiver(cert, key)
    try:
        db, p = t.world("hook", [["--webhook", rec.url, "--secret-file", t.secret],
                                 ["--webhook", rec.url.replace("/hook", "/certs"), "--secret-file", t.secret,
                                  "--on", "cert"]])
        # usage: each refusal exits 2 and adds nothing
        for bad in (["notify", "add", "--workspace", "acme", "--webhook", rec.url],        # no secret
                    ["notify", "add", "--workspace", "acme", "--webhook", "http://x.test/", "--secret-file",
                     t.secret],
                    ["notify", "add", "--workspace", "acme", "--email", "not-an-address"],
                    ["notify", "add", "--workspace", "nosuch", "--email", "ops@example.org"],
                    ["notify", "add", "--workspace", "acme", "--email", "ops@example.org", "--on", "frob"],
                    ["notify", "add", "--email", "ops@example.org"],
                    ["notify", "remove", "x"], ["notify", "frob"], ["notify", "send", "x"]):
            r = t.ms(bad + ["--db", db])
            t.expect(p, " ".join(bad), r, 2)
        r = t.ms(["notify", "list", "--format", "json", "--db", db])
        t.expect(p, "notify list --format json", r, 0)
        if r[0] == 0:
            doc = json.loads(r[1])
            p += ["targets schema: " + e for e in validate_json(doc, "mailsec-notify-targets-1.json")]
            if [x["triggers"] for x in doc["targets"]] != ["error,grade,record,cert,dmarc-source,reports-stopped",
                                                            "cert"]:
                p.append("targets: %r" % doc["targets"])
            if SECRET in r[1]:
                p.append("notify list prints the secret")
        t.rounds(db, p)
        p += rec.check(SECRET)
        got = []
        for h, body in rec.posts:
            d = json.loads(body)
            got.append((d["domain"], d["trigger"]))
        if sorted(got) != sorted(WANT):
            p.append("webhook got %r, want each of %r once" % (sorted(got), sorted(WANT)))
        ob = t.outbox(db, p)
        if len(ob) != 4 or any(o["sent_at"] is None or o["attempts"] != 1 or o["last_error"] for o in ob):
            p.append("outbox after delivery: %r" % ob)
        if any(o["target"] != 1 for o in ob):
            p.append("the --on cert target got a notification: %r" % ob)
        r = t.ms(["notify", "send", "--db", db, "--ca-file", t.ca])
        t.expect(p, "notify send (nothing due)", r, 0)
        if len(rec.posts) != 4:
            p.append("a second send delivered again: %d posts" % len(rec.posts))
        # a daily digest target added now; the rounds' events moved into yesterday, as a clock would
        r = t.ms(["notify", "add", "--workspace", "acme", "--db", db, "--webhook",
                  rec.url.replace("/hook", "/digest"),
                  "--secret-file", t.secret, "--on", "digest-daily"])
        t.expect(p, "notify add --on digest-daily", r, 0)
        t.sql(db, "UPDATE events SET at = at - 86400")
        n = len(rec.posts)
        for i in (1, 2):
            r = t.ms(["notify", "send", "--db", db, "--ca-file", t.ca])
            t.expect(p, "notify send (digest) %d" % i, r, 0)
        p += rec.check(SECRET)
        dig = [json.loads(b) for h, b in rec.posts[n:]]
        if len(dig) != 1 or dig[0]["trigger"] != "digest-daily":
            p.append("want one daily digest: %r" % dig)
        else:
            ev = dig[0]["event"]
            kinds = set((e["domain"], e["kind"]) for e in ev["events"])
            if ev["total"] != len(ev["events"]) or not {("a.test", "record"), ("c.test", "finding-added"),
                                                        ("c.test", "grade")} <= kinds or \
                    any(k in ("finding-sustained", "first-check") for _, k in kinds):
                p.append("digest: %r" % ev)
        r = t.ms(["notify", "remove", "2", "--db", db])
        t.expect(p, "notify remove 2", r, 0)
        r = t.ms(["notify", "remove", "2", "--db", db])
        t.expect(p, "notify remove 2 again", r, 1)
    finally:
        rec.stop()
    t.check("webhook: two monitor rounds, a record changed and an error appeared: 4 notifications, "
            "HMAC signature, event id header, mailsec-notify/1 schema; --on cert gets none; a daily digest "
            "of yesterday's events, once; list, outbox (schemas), remove, usage errors exit 2", p)


def down_then_up(t, cert, key):
    port = free_port()
    url = "https://127.0.0.1:%d/hook" % port
    db, p = t.world("down", [["--webhook", url, "--secret-file", t.secret]])
    t.rounds(db, p, extra=["--ca-file", t.ca])
    ob = t.outbox(db, p)
    if len(ob) != 4 or any(o["sent_at"] or o["attempts"] != 1 or not o["last_error"] for o in ob):
        p.append("after a failed attempt: %r" % ob)
    r = t.ms(["notify", "send", "--db", db, "--ca-file", t.ca])
    t.expect(p, "notify send within the backoff", r, 0)
    if "sent 0, failed 0" not in r[1]:
        p.append("notify send within the backoff: %r" % r[1])
    rec = Receiver(cert, key, port)
    try:
        nxt = t.sql(db, "SELECT MIN(next_attempt) - MAX(created) FROM outbox")[0][0]
        if nxt is None or nxt < 55:
            p.append("the next attempt is %r s after the failure, want the 60 s backoff" % nxt)
        t.sql(db, "UPDATE outbox SET next_attempt = 0")      # the backoff has passed
        r = t.ms(["notify", "send", "--db", db, "--ca-file", t.ca])
        t.expect(p, "notify send once the receiver is back", r, 0)
        r = t.ms(["notify", "send", "--db", db, "--ca-file", t.ca])
        t.expect(p, "notify send again", r, 0)
        p += rec.check(SECRET)
        ids = rec.ids()
        if len(ids) != 4 or len(set(ids)) != 4:
            p.append("the receiver got %r, want 4 notifications once each" % ids)
        ob = t.outbox(db, p)
        if any(o["sent_at"] is None or o["attempts"] != 2 or o["last_error"] for o in ob):
            p.append("outbox after the retry: %r" % ob)
    finally:
        rec.stop()
    t.check("a webhook receiver that is down, then comes back: the attempt fails and waits its backoff, "
            "then each notification is delivered once", p)


def crash(t, cert, key):
    rec = Receiver(cert, key)
    try:
        db, p = t.world("crash", [["--webhook", rec.url, "--secret-file", t.secret]])
        r = t.rounds(db, p, env={"MAILSEC_TEST_NOTIFY_CRASH": "after-send"}, extra=["--ca-file", t.ca],
                     second_rc=-9)
        first = rec.ids()
        ob = t.outbox(db, p)
        if len(first) != 1 or len(ob) != 4 or sum(1 for o in ob if o["attempts"] == 1) != 1 or \
                any(o["sent_at"] for o in ob):
            p.append("after the crash: receiver %r, outbox %r" % (first, ob))
        t.sql(db, "UPDATE outbox SET next_attempt = 0")      # the claim's backoff has passed
        r = t.ms(["notify", "send", "--db", db, "--ca-file", t.ca])
        t.expect(p, "notify send after the crash", r, 0)
        r = t.ms(["notify", "send", "--db", db, "--ca-file", t.ca])
        t.expect(p, "notify send again", r, 0)
        p += rec.check(SECRET)
        ids = rec.ids()
        if len(ids) != 5 or len(set(ids)) != 4 or not first or ids.count(first[0]) != 2:
            p.append("the receiver got %r: want the first notification twice (same event id), the rest once"
                     % ids)
        bodies = [b for h, b in rec.posts if h.get("x-mailsec-event-id") == (first[0] if first else None)]
        if len(bodies) == 2 and bodies[0] != bodies[1]:
            p.append("the resent body differs from the first")
    finally:
        rec.stop()
    t.check("a crash between sending and marking (SIGKILL after the first delivery): resent once with the "
            "same event id and body, the others once", p)


def aggregate(rid, domain, begin, end, rows):
    """A DMARC aggregate report: rows are (source ip, count, dkim, spf) as policy_evaluated."""
    recs = "".join(
        "<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated><disposition>none"
        "</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row><identifiers><header_from>%s"
        "</header_from></identifiers><auth_results><spf><domain>%s</domain><result>%s</result></spf>"
        "</auth_results></record>\n" % (ip, n, dk, spf, domain, domain, spf) for ip, n, dk, spf in rows)
    return ("<?xml version=\"1.0\"?>\n<feedback><report_metadata><org_name>receiver.example</org_name>"
            "<email>r@receiver.example</email><report_id>%s</report_id><date_range><begin>%d</begin>"
            "<end>%d</end></date_range></report_metadata><policy_published><domain>%s</domain><p>none</p>"
            "</policy_published>\n%s</feedback>\n" % (rid, begin, end, domain, recs))


def report_triggers(t, cert, key):
    """dmarc-source and reports-stopped from ingested aggregate reports, through notify send."""
    rec = Receiver(cert, key)
    try:
        db, p = t.world("reports", [["--webhook", rec.url, "--secret-file", t.secret, "--on",
                                     "dmarc-source,reports-stopped"]])
        now, day = int(time.time()), 86400
        d = os.path.join(t.tmp, "reports-%s" % t.be.name)
        os.makedirs(d)
        reports = [
            # a.test: a known source, then a new one failing DMARC 500 times, one failing only 20
            # times, and a known one that now fails (not new)
            ("a1", "a.test", now - 20 * day, now - 19 * day, [("192.0.2.1", 50, "pass", "pass"),
                                                              ("192.0.2.50", 10, "pass", "pass")]),
            ("a2", "a.test", now - 2 * day, now - day, [("192.0.2.1", 80, "pass", "pass"),
                                                        ("198.51.100.7", 300, "fail", "fail"),
                                                        ("203.0.113.9", 20, "fail", "fail"),
                                                        ("192.0.2.50", 150, "fail", "fail")]),
            ("a3", "a.test", now - day, now, [("198.51.100.7", 200, "fail", "fail")]),
            # b.test: two reports, the newer ended 15 days ago
            ("b1", "b.test", now - 21 * day, now - 20 * day, [("192.0.2.1", 5, "pass", "pass")]),
            ("b2", "b.test", now - 16 * day, now - 15 * day, [("192.0.2.1", 5, "pass", "pass")]),
            # c.test: one report long ago is not "used to arrive"
            ("c1", "c.test", now - 31 * day, now - 30 * day, [("192.0.2.1", 5, "pass", "pass")]),
        ]
        for rid, dom, b, e, rows in reports:
            open(os.path.join(d, rid + ".xml"), "w").write(aggregate(rid, dom, b, e, rows))
        r = t.ms(["reports", "ingest", "--db", db, "--no-progress", d])
        t.expect(p, "reports ingest", r, 0)
        r = t.ms(["notify", "send", "--db", db, "--ca-file", t.ca])
        t.expect(p, "notify send", r, 0)
        r = t.ms(["notify", "send", "--db", db, "--ca-file", t.ca])
        t.expect(p, "notify send again", r, 0)
        p += rec.check(SECRET)
        got = sorted((json.loads(b)["trigger"], json.loads(b)["domain"],
                      json.loads(b)["event"].get("source_ip") or json.loads(b)["event"].get("last_report_end"))
                     for h, b in rec.posts)
        end = datetime.datetime.utcfromtimestamp(now - 15 * day).strftime("%Y-%m-%dT%H:%M:%SZ")
        want = [("dmarc-source", "a.test", "198.51.100.7"), ("reports-stopped", "b.test", end)]
        if got != want:
            p.append("got %r, want %r" % (got, want))
        for h, b in rec.posts:
            ev = json.loads(b)["event"]
            if ev["kind"] == "dmarc-source" and ev["messages"] != 500:
                p.append("the new source's messages: %r, want 500" % ev)
    finally:
        rec.stop()
    t.check("reports: a new source failing DMARC 500 times in the last week (not one failing 20 times, "
            "not a known one) and a domain whose reports stopped 15 days ago: one notification each, once",
            p)


# ---- email through a real Postfix ------------------------------------------------------

class Relay:
    """Postfix in a network namespace of its own, relaying for loopback into an mbox file."""

    ADDR = "127.0.0.60"

    def __init__(self, tmp, pki):
        self.tmp, self.pki = tmp, pki
        self.ns = "mnot-%d" % os.getpid()
        self.d = os.path.join(tmp, "postfix")
        self.mbox = os.path.join(self.d, "mail", "ops.mbox")
        self.pid = None
        self.ns_made = False

    def start(self):
        import pwd
        import grp
        live.register(self)
        if not os.path.exists("/usr/sbin/postfix"):
            raise RuntimeError("postfix not installed (scripts/install-deps)")
        subprocess.run(["ip", "netns", "add", self.ns], check=True, capture_output=True)
        self.ns_made = True
        subprocess.run(["ip", "-n", self.ns, "link", "set", "lo", "up"], check=True, capture_output=True)
        subprocess.run(["ip", "-n", self.ns, "addr", "add", self.ADDR + "/32", "dev", "lo"], check=True,
                       capture_output=True)
        d = self.d
        for sub in ("q", "data", "mail"):
            os.makedirs(os.path.join(d, sub))
        uid, gid = pwd.getpwnam("postfix").pw_uid, grp.getgrnam("postfix").gr_gid
        shutil.chown(os.path.join(d, "data"), "postfix")
        os.chown(os.path.join(d, "mail"), uid, gid)
        for x in (self.tmp, d):
            os.chmod(x, 0o755)
        # STARTTLS with a certificate that expires in 10 days: the cert trigger's 14-day warning
        crt, key = leaf(self.pki, d, "relay", dns=["mx.cert.test"], ips=[self.ADDR], days=10)
        main = [
            "compatibility_level = 3.6",
            "queue_directory = %s/q" % d,
            "data_directory = %s/data" % d,
            "mail_owner = postfix",
            "setgid_group = postdrop",
            "inet_interfaces = %s" % self.ADDR,
            "inet_protocols = ipv4",
            "myhostname = relay.notify.test",
            "mydestination =",
            "mynetworks = 127.0.0.0/8",
            "alias_maps =",
            "alias_database =",
            "maillog_file = %s/maillog" % d,
            "maillog_file_prefixes = %s" % d,
            "smtpd_tls_security_level = may",
            "smtpd_tls_chain_files = %s, %s" % (key, crt),
            "virtual_mailbox_domains = notify.test",
            "virtual_mailbox_base = %s/mail" % d,
            "virtual_mailbox_maps = static:ops.mbox",
            "virtual_uid_maps = static:%d" % uid,
            "virtual_gid_maps = static:%d" % gid,
            "virtual_minimum_uid = 1",
            "smtpd_recipient_restrictions = permit_mynetworks, reject",
        ]
        with open(os.path.join(d, "main.cf"), "w") as f:
            f.write("\n".join(main) + "\n")
        master = []
        for line in open("/etc/postfix/master.cf"):
            if line.startswith("smtp ") and " inet " in line:
                continue
            parts = line.split()
            if len(parts) >= 8 and not line[0].isspace() and not line.startswith("#"):
                parts[4] = "n"
                line = " ".join(parts) + "\n"
            master.append(line)
        master.append("%s:smtp inet n - n - - smtpd\n" % self.ADDR)
        with open(os.path.join(d, "master.cf"), "w") as f:
            f.writelines(master)
        subprocess.run(["script", "-qc", "ip netns exec %s /usr/sbin/postfix -c %s start" % (self.ns, d),
                        "/dev/null"], capture_output=True)
        pidfile = os.path.join(d, "q", "pid", "master.pid")
        for _ in range(50):
            if os.path.exists(pidfile):
                break
            time.sleep(0.1)
        if not os.path.exists(pidfile):
            raise RuntimeError("postfix did not start: %s" % self.log())
        self.pid = int(open(pidfile).read().split()[0])

    def log(self):
        try:
            return open(os.path.join(self.d, "maillog"), errors="replace").read()[-2000:]
        except OSError:
            return ""

    def messages(self, n, limit=30):
        """The mailbox's messages once it holds n (or what it has after limit seconds)."""
        t0 = time.time()
        while True:
            msgs = list(mailbox.mbox(self.mbox)) if os.path.exists(self.mbox) else []
            if len(msgs) >= n or time.time() - t0 > limit:
                return msgs
            time.sleep(0.2)

    def stop(self):
        if self.pid:
            try:
                os.kill(self.pid, 15)
            except ProcessLookupError:
                pass
            for _ in range(50):
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            self.pid = None
        if self.ns_made:
            subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
            self.ns_made = False
        live.unregister(self)


def email(t, pki):
    relay = Relay(t.tmp, pki)
    try:
        relay.start()
    except (RuntimeError, subprocess.CalledProcessError, KeyError, OSError) as e:
        relay.stop()
        return [skip_or_fail(NAME, "email through Postfix", str(e))]
    try:
        db, p = t.world("mail", [["--email", "ops@notify.test", "--on", "record,error"]])
        t.rounds(db, p)      # no --smtp-relay: the emails wait in the outbox
        ob = t.outbox(db, p)
        if len(ob) != 3 or any(o["attempts"] or o["sent_at"] for o in ob):
            p.append("without --smtp-relay the emails should wait untouched: %r" % ob)
        send = ["notify", "send", "--db", db, "--smtp-relay", Relay.ADDR, "--mail-from",
                "mailsec@monitor.notify.test", "--ca-file", t.ca]
        r = t.ms(send, env={"MAILSEC_TEST_NOTIFY_CRASH": "after-send"}, ns=relay.ns)
        t.expect(p, "notify send, killed after the first message", r, -9)
        t.sql(db, "UPDATE outbox SET next_attempt = 0")
        r = t.ms(send, ns=relay.ns)
        t.expect(p, "notify send after the crash", r, 0)
        msgs = relay.messages(4)
        ob = {o["id"]: o for o in t.outbox(db, p)}
        if len(msgs) != 4:
            p.append("mailbox holds %d messages, want 4 (3, the first twice): %s" % (len(msgs), relay.log()))
        seen = {}
        for m in msgs:
            mid, eid = m["Message-ID"], m["X-Mailsec-Event-Id"]
            seen.setdefault((mid, eid), 0)
            seen[(mid, eid)] += 1
            match = [o for o in ob.values() if "<notify.%d.%s@monitor.notify.test>" % (o["id"], o["event_id"]) == mid]
            if len(match) != 1 or match[0]["event_id"] != eid:
                p.append("Message-ID %r / event id %r match no outbox row" % (mid, eid))
                continue
            o = match[0]
            if m["From"] != "mailsec <mailsec@monitor.notify.test>" or m["To"] != "<ops@notify.test>":
                p.append("From/To: %r %r" % (m["From"], m["To"]))
            if m["Subject"] != "[mailsec] %s: %s" % (o["domain"], o["summary"]):
                p.append("Subject %r, want the row's summary %r" % (m["Subject"], o["summary"]))
            if not m["Date"] or m.get_content_type() != "text/plain":
                p.append("Date %r, type %r" % (m["Date"], m.get_content_type()))
            body = m.get_payload(decode=True).decode("utf-8", "replace")
            if "Event id: " + eid not in body or "Domain: " + o["domain"] not in body:
                p.append("body lacks the event id or the domain: %r" % body[:300])
        if sorted(seen.values()) != [1, 1, 2]:
            p.append("(Message-ID, event id) counts %r: want one message twice with the same ids, two once"
                     % seen)
        if any(o["sent_at"] is None for o in ob.values()):
            p.append("outbox rows not marked sent: %r" % list(ob.values()))
        t.check("email through a real Postfix relay (STARTTLS): headers, Message-ID from the outbox row and "
                "event id, X-Mailsec-Event-Id; a crash between sending and marking resends once with the "
                "same Message-ID", p)
        cert_warning(t, relay, len(msgs))
    finally:
        relay.stop()
    return []


def cert_warning(t, relay, before):
    """The relay's certificate (10 days left) seen by two monitor rounds: one 14-day warning."""
    p = []
    zone = os.path.join(t.tmp, "cert.zone")
    open(zone, "w").write("cert.test.      MX  10 mx.cert.test.\nmx.cert.test.   A   %s\n"
                          'cert.test.      TXT "v=spf1 -all"\n' % Relay.ADDR)
    db = t.be.new("cert")
    t.ms(["workspace", "add", "acme", "--db", db])
    t.ms(["domains", "add", "--workspace", "acme", "--db", db, "cert.test"])
    r = t.ms(["notify", "add", "--workspace", "acme", "--db", db, "--email", "ops@notify.test", "--on", "cert"])
    t.expect(p, "notify add --on cert", r, 0)
    mon = ["monitor", "--db", db, "--replay", zone, "--replay-connect", "--ca-file", t.ca, "--smtp-relay",
           Relay.ADDR, "--mail-from", "mailsec@monitor.notify.test", "--once"]
    r = t.ms(mon, ns=relay.ns)
    t.expect(p, "monitor round 1 (probing the relay)", r, 0)
    r2 = t.ms(mon + ["--all"], ns=relay.ns)
    t.expect(p, "monitor round 2", r2, 0)
    if "event=notify" not in r[2] or "event=notify" in r2[2]:
        p.append("round 1 should send the warning, round 2 nothing: %r / %r" % (r[2][-600:], r2[2][-600:]))
    msgs = [m for m in relay.messages(before + 1)[before:] if m["X-Mailsec-Trigger"] == "cert"]
    ob = t.outbox(db, p)
    if len(msgs) != 1 or len(ob) != 1:
        p.append("want one cert warning: %d messages, outbox %r: %s" % (len(msgs), ob, relay.log()))
    else:
        body = msgs[0].get_payload(decode=True).decode()
        if not ob[0]["event_id"].startswith("cert-") or "mx.cert.test[%s]" % Relay.ADDR not in body or \
                "expires in 9 days" not in ob[0]["summary"]:
            p.append("cert warning: %r / %r" % (ob[0], body[:400]))
    t.check("cert: a certificate with 10 days left, probed in two monitor rounds: one 14-day warning, "
            "emailed by the monitor through --smtp-relay", p)


def run(args):
    tmp = tempfile.mkdtemp(prefix="mailsec-notify-")
    os.chmod(tmp, 0o755)
    try:
        try:
            pki, ca, cert, key = make_cert(tmp)
        except ImportError as e:
            return [skip_or_fail(NAME, "notifications", "python3-cryptography missing: %s" % e)]
        t = T(args, SqliteBackend(tmp), tmp, ca)
        webhook(t, cert, key)
        down_then_up(t, cert, key)
        crash(t, cert, key)
        report_triggers(t, cert, key)
        extra = []
        pg = PgServer()
        try:
            why = pg.start()
            if why is not None:
                extra.append(skip_or_fail(NAME, "notify [postgresql]: private server", why))
            else:
                tp = T(args, PgBackend(pg), tmp, ca)
                webhook(tp, cert, key)
                down_then_up(tp, cert, key)
                crash(tp, cert, key)
                report_triggers(tp, cert, key)
                extra += tp.res
        finally:
            pg.stop()
        if sanitized(args):
            extra.append(Result(NAME, "email through Postfix", "skip",
                                "runs once, in the plain build (not under sanitizers or valgrind)"))
        elif os.geteuid() != 0 or shutil.which("ip") is None:
            extra.append(skip_or_fail(NAME, "email through Postfix", "needs root and iproute2"))
        else:
            extra += email(t, pki)
        return t.res + extra
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
