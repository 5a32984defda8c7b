"""tests/groups/lmtpd.py - mailsec lmtpd over its unix socket, replay DNS: reports, assessments, the protocol's bounds, a failing store, SIGTERM.

Runs everywhere (also under the sanitizers); the same server behind a real
Postfix and OpenDKIM is the mailin group (tests/groups/mailin.py).

- reports: every .eml of the shared testdata's dmarc-reports delivered to the
  report address, one transaction each: the store holds exactly what
  `mailsec reports ingest` of the same files stores (rows of every table);
  those about a domain no workspace holds are counted (a workspace holds the
  most reported domain: every other report is counted); delivered again,
  nothing more is stored (duplicates);
- assessments: a message DKIM-signed (tests/message/signer.py) with the
  receiving host's Received field (TLS 1.3) gives outbound.tls.ok,
  dkim.ok, spf.ok, fcrdns.ok for the From domain; the same Message-ID again
  stores nothing; a second message in clear gives outbound.tls.none and the
  events of that change (mailsec events, JSON validated); a forged TLS
  Received field below the trusted one is not believed; a message without
  From gets 550;
- the protocol: one reply per accepted recipient after DATA (550 at RCPT for
  others), pipelined commands answered in order, HELO refused (500), MAIL
  before LHLO (503), the size cap (552), the connection cap (421), the idle
  timeout (421);
- the store unavailable (its file replaced by a folder): 451 for every
  recipient, and the retry once it is back is stored once;
- SIGTERM: an idle connection is told 421, exit 0, the socket removed.
"""
import glob
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

from harness import ROOT, TIME_SCALE, Result, skip_or_fail, testdata_dir, validate_json
from harness import run as hrun

sys.path.insert(0, os.path.join(ROOT, "tests", "lmtpd"))
sys.path.insert(0, os.path.join(ROOT, "tests", "message"))
import lmtpclient  # noqa: E402

NAME = "lmtpd"
REPORT = "dmarc-rua@receiver.test"
ASSESS = "emailsecurity@receiver.test"
RECEIVER = "mx.receiver.test"
TABLES = ("reports", "dmarc_rows", "tlsrpt_policies", "tlsrpt_failures", "failures", "rejected")


def report_files():
    return sorted(glob.glob(os.path.join(testdata_dir(), "dmarc-reports", "**", "*.eml"), recursive=True))


def counts(db):
    c = sqlite3.connect(db)
    try:
        return {t: c.execute("SELECT count(*) FROM %s" % t).fetchone()[0] for t in TABLES}
    finally:
        c.close()


def sanitizer(err):
    return "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err


def received(tls, by=RECEIVER, ip="192.0.2.25", helo="mail.sender.test"):
    using = ("\r\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n"
             "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\r\n"
             "\t(No client certificate requested)") if tls else ""
    return ("Received: from %s (%s [%s])%s\r\n\tby %s (Postfix) with ESMTP%s id 4Tq1\r\n"
            "\tfor <%s>; Thu,  3 Dec 2026 12:00:00 +0000 (UTC)\r\n" % (
                helo, helo, ip, using, by, "S" if tls else "", ASSESS)).encode()


def message(msgid, key=None):
    import signer
    m = ("From: Security <security@sender.test>\r\nTo: %s\r\nSubject: outbound check\r\n"
         "Date: Thu, 03 Dec 2026 12:00:00 +0000\r\nMessage-ID: <%s>\r\n\r\nHello.\r\n" % (ASSESS, msgid)).encode()
    return signer.sign(m, key, "sender.test", "s1") if key else m


class Server:
    def __init__(self, args, tmp, name, db, extra=()):
        self.args, self.sock, self.db = args, os.path.join(tmp, name + ".sock"), db
        self.errpath = os.path.join(tmp, name + ".stderr")
        self.argv = [args.mailsec, "lmtpd", "--db", db, "--listen", "unix:" + self.sock,
                     "--report-address", REPORT, "--assessment-address", ASSESS,
                     "--receiver-name", RECEIVER, "--replay", os.path.join(tmp, "world.replay")] + list(extra)
        w = args.wrapper.split() if args.wrapper else []
        self.p = subprocess.Popen(w + self.argv, stdout=subprocess.DEVNULL, stderr=open(self.errpath, "wb"))
        if not lmtpclient.wait_socket(self.sock, self.p, 30 * TIME_SCALE):
            raise RuntimeError("lmtpd did not start: " + self.err())

    def err(self):
        return open(self.errpath, errors="replace").read()

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=30 * TIME_SCALE)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode


def postgresql(args, tmp, files, ref, key, start):
    """The same store on a private PostgreSQL: reports, an assessment, the database made
    read-only for new sessions (451), then writable again (stored once)."""
    from pgserver import PgServer
    pg = PgServer()
    why = pg.start()
    if why:
        pg.stop()
        return [skip_or_fail(NAME, "lmtpd [postgresql]: private server", why)]
    res, p = [], []
    try:
        uri = pg.createdb("lmtpd")
        dbname = re.match(r"postgresql:///([^?]+)", uri).group(1)
        srv = start("pg", uri)
        c = lmtpclient.Client(srv.sock)
        for path in files:
            rr, dr = c.send("reports@reporter.test", [REPORT], open(path, "rb").read())
            if dr[0][0] != 250:
                p.append("%s: %r" % (os.path.basename(path), dr))
        got = {t: pg.query(uri, "SELECT count(*) FROM %s" % t)[0][0] for t in TABLES}
        if files and got != counts(ref):
            p.append("stored %r, reports ingest stores %r" % (got, counts(ref)))
        rr, dr = c.send("b@sender.test", [ASSESS], received(True) + message("pg1@sender.test", key))
        if dr[0][0] != 250:
            p.append("assessment: %r" % dr)
        pg.query(pg.uri("postgres"), 'ALTER DATABASE "%s" SET default_transaction_read_only = on' % dbname)
        rr, dr = c.send("b@sender.test", [REPORT, ASSESS], received(True) + message("pg2@sender.test", key))
        if [x[0] for x in dr] != [451, 451]:
            p.append("read-only database: %r" % dr)
        pg.query(pg.uri("postgres"), 'ALTER DATABASE "%s" RESET default_transaction_read_only' % dbname)
        rr, dr = c.send("b@sender.test", [REPORT, ASSESS], received(True) + message("pg2@sender.test", key))
        if [x[0] for x in dr] != [250, 250]:
            p.append("writable again: %r" % dr)
        c.close()
        n = pg.query(uri, "SELECT count(*) FROM checks WHERE area = 'outbound'")[0][0]
        if n != 2:
            p.append("%d outbound results, want 2" % n)
        srv.stop()
    except (RuntimeError, OSError, EOFError) as ex:
        p.append("%s: %s" % (type(ex).__name__, ex))
    finally:
        pg.stop()
    res.append(Result(NAME, "[postgresql] reports, an assessment, a read-only database answered 451 then stored once",
                      "fail" if p else "pass", "\n".join(p)))
    return res


def run(args):
    import signer
    res = []
    tmp = tempfile.mkdtemp(prefix="mailsec-lmtpd-")
    key, rec = signer.new_key("ed25519")
    with open(os.path.join(tmp, "world.replay"), "w") as f:
        f.write("zone:\n"
                "sender.test. TXT \"v=spf1 ip4:192.0.2.25 -all\"\n"
                "_dmarc.sender.test. TXT \"v=DMARC1; p=reject\"\n"
                "s1._domainkey.sender.test. TXT \"%s\"\n"
                "25.2.0.192.in-addr.arpa. PTR mail.sender.test.\n"
                "mail.sender.test. A 192.0.2.25\n"
                "26.2.0.192.in-addr.arpa. PTR elsewhere.sender.test.\n"
                "elsewhere.sender.test. A 192.0.2.99\n" % rec)
    servers = []

    def add(name, problems):
        res.append(Result(NAME, name, "fail" if problems else "pass", "\n".join(problems)))

    def start(name, db, extra=()):
        s = Server(args, tmp, name, db, extra)
        servers.append(s)
        return s

    try:
        db = os.path.join(tmp, "main.db")
        files = report_files()
        ref = os.path.join(tmp, "ref.db")
        owned, unowned_want = None, None
        if files:
            rc, o, e = hrun([args.mailsec, "reports", "ingest", "--db", ref] + files, wrapper=args.wrapper)
            con = sqlite3.connect(ref)
            doms = con.execute("SELECT lower(policy_domain), count(*) FROM reports GROUP BY 1 ORDER BY 2 DESC, 1"
                               ).fetchall()
            con.close()
            if doms:
                owned = doms[0][0]
                unowned_want = sum(n for d, n in doms[1:])
                hrun([args.mailsec, "workspace", "add", "acme", "--db", db], wrapper=args.wrapper)
                hrun([args.mailsec, "domains", "add", "--workspace", "acme", "--db", db, owned],
                     wrapper=args.wrapper)
        srv = start("main", db)
        if not files:
            res.append(skip_or_fail(NAME, "reports from the shared testdata", "no .eml under "
                                    + os.path.join(testdata_dir(), "dmarc-reports")))
        else:
            p = []
            c = lmtpclient.Client(srv.sock)
            unowned = 0
            for path in files:
                rr, dr = c.send("reports@reporter.test", [REPORT], open(path, "rb").read())
                if rr[0][0] != 250 or dr[0][0] != 250:
                    p.append("%s: %r %r" % (os.path.basename(path), rr, dr))
                else:
                    m = re.search(r"(\d+) for domains no workspace owns", dr[0][1][0])
                    unowned += int(m.group(1)) if m else 0
            if unowned != unowned_want:
                p.append("%r reports counted as for domains no workspace owns, want %r (all but %s's)" % (
                    unowned, unowned_want, owned))
            got, want = counts(db), counts(ref)
            if got != want:
                p.append("stored %r, reports ingest stores %r" % (got, want))
            if want["reports"] == 0:
                p.append("nothing stored at all")
            for path in files:
                rr, dr = c.send("reports@reporter.test", [REPORT], open(path, "rb").read())
                if dr[0][0] != 250 or not dr[0][1][0].startswith("2.0.0 0 reports stored"):
                    p.append("again: %s: %r" % (os.path.basename(path), dr))
            c.close()
            if counts(db) != want:
                p.append("after a second delivery: %r" % counts(db))
            add("%d report mails stored as 'reports ingest' stores them, once; unowned ones counted" % len(files), p)

        # assessments
        p = []
        c = lmtpclient.Client(srv.sock)
        m1 = received(True) + message("a1@sender.test", key)
        rr, dr = c.send("bounce@sender.test", [ASSESS], m1)
        if dr[0][0] != 250:
            p.append("first: %r" % dr)
        rr, dr = c.send("bounce@sender.test", [ASSESS], m1)
        if dr[0][0] != 250 or "already stored" not in dr[0][1][0]:
            p.append("again: %r" % dr)
        con = sqlite3.connect(db)
        rows = con.execute("SELECT c.id, c.area FROM checks c WHERE c.domain = 'sender.test'").fetchall()
        if len(rows) != 1 or rows[0][1] != "outbound":
            p.append("checks rows: %r" % rows)
        else:
            fs = dict(con.execute("SELECT finding, severity FROM check_findings WHERE check_id = ?",
                                  (rows[0][0],)).fetchall())
            want = {"outbound.tls.ok": "pass", "outbound.dkim.ok": "pass", "outbound.spf.ok": "pass",
                    "outbound.fcrdns.ok": "pass"}
            if fs != want:
                p.append("findings %r, want %r" % (fs, want))
        con.close()
        add("assessment: TLS 1.3, DKIM aligned, SPF pass, FCrDNS stored once per Message-ID", p)

        p = []
        m2 = received(False, ip="192.0.2.26", helo="elsewhere.sender.test") + message("a2@sender.test")
        rr, dr = c.send("bounce@sender.test", [ASSESS], m2)
        if dr[0][0] != 250:
            p.append("second message: %r" % dr)
        rc, o, e = hrun([args.mailsec, "events", "--db", db, "--domain", "sender.test", "--json"],
                        wrapper=args.wrapper)
        try:
            doc = json.loads(o)
            p += validate_json(doc, "mailsec-events-1.json")
            ev = {(x.get("kind"), x.get("finding")) for x in doc.get("events", [])}
            for k in [("finding-added", "outbound.tls.none"), ("finding-removed", "outbound.tls.ok"),
                      ("finding-added", "outbound.dkim.missing"), ("finding-added", "outbound.spf.fail"),
                      ("finding-added", "outbound.fcrdns.mismatch")]:
                if k not in ev:
                    p.append("no event %r in %r" % (k, sorted(ev, key=str)))
        except ValueError:
            p.append("events: exit %d, not JSON: %s %s" % (rc, o[-300:], e[-300:]))
        rc, o, e = hrun([args.mailsec, "history", "--db", db, "sender.test", "--json"], wrapper=args.wrapper)
        try:
            doc = json.loads(o)
            p += validate_json(doc, "mailsec-history-1.json")
            runs = doc.get("runs", [])
            if [r.get("area") for r in runs] != ["outbound", "outbound"]:
                p.append("history runs: %r" % [r.get("area") for r in runs])
            elif runs[1]["changes"] is None or not any(
                    f["id"] == "outbound.tls.none" for f in runs[1]["changes"].get("appeared", [])):
                p.append("history changes: %r" % runs[1]["changes"])
        except ValueError:
            p.append("history: exit %d, not JSON: %s %s" % (rc, o[-300:], e[-300:]))
        add("assessment in clear from another host: events and history of the change", p)

        p = []
        forged = received(False) + received(True).replace(b"Received:", b"Received:", 1) + message("a3@sender.test", key)
        # the topmost field by the receiver says clear; a TLS one below (written by anyone) is not believed
        rr, dr = c.send("bounce@sender.test", [ASSESS], forged)
        con = sqlite3.connect(db)
        last = con.execute("SELECT f.finding FROM check_findings f JOIN checks c ON c.id = f.check_id"
                           " WHERE c.domain = 'sender.test' ORDER BY c.id DESC, f.seq").fetchall()
        con.close()
        if dr[0][0] != 250 or ("outbound.tls.none",) not in last[:4]:
            p.append("%r %r" % (dr, last[:4]))
        nofrom = received(True) + b"Subject: x\r\nMessage-ID: <n@x>\r\n\r\nx\r\n"
        rr, dr = c.send("bounce@sender.test", [ASSESS], nofrom)
        if dr[0][0] != 550:
            p.append("no From: %r" % dr)
        c.close()
        add("only the topmost Received field by the receiver is believed; no From domain: 550", p)

        # the protocol
        p = []
        c = lmtpclient.Client(srv.sock)
        rr, dr = c.send("reports@reporter.test", ["nobody@receiver.test", REPORT, ASSESS, "x@y.test"],
                        received(True) + message("p1@sender.test", key))
        if [x[0] for x in rr] != [550, 250, 250, 550] or [x[0] for x in dr] != [250, 250]:
            p.append("mixed recipients: %r %r" % (rr, dr))
        c.s.sendall(b"RSET\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<" + REPORT.encode() + b">\r\nRCPT TO:<no@x.test>\r\n"
                    b"DATA\r\nSubject: none\r\n\r\n..x\r\n.\r\nNOOP\r\nHELO x\r\n")
        codes = [c.reply()[0] for _ in range(8)]
        if codes != [250, 250, 250, 550, 354, 250, 250, 500]:
            p.append("pipelined: %r" % codes)
        c.close()
        c = lmtpclient.Client(srv.sock)
        if c.cmd("MAIL FROM:<a@b.test>")[0] != 503:
            p.append("MAIL before LHLO not 503")
        c.close()
        add("one reply per accepted recipient; pipelining; HELO 500; MAIL before LHLO 503", p)

        p = []
        small = start("small", os.path.join(tmp, "small.db"),
                      ["--max-size", "4096", "--max-connections", "3", "--idle-timeout", str(1 * TIME_SCALE)])
        c = lmtpclient.Client(small.sock)
        lh = c.cmd("LHLO x")
        if "SIZE 4096" not in lh[1] or "PIPELINING" not in lh[1] or "ENHANCEDSTATUSCODES" not in lh[1]:
            p.append("LHLO: %r" % (lh,))
        if c.cmd("MAIL FROM:<a@b.test> SIZE=5000")[0] != 552:
            p.append("SIZE=5000 not 552")
        rr, dr = c.send("a@b.test", [REPORT, ASSESS], b"Subject: big\r\n\r\n" + b"x" * 70 + b"\r\n" * 100, lhlo=False)
        rr, dr = c.send("a@b.test", [REPORT, ASSESS], b"Subject: big\r\n\r\n" + (b"y" * 70 + b"\r\n") * 100,
                        lhlo=False)
        if [x[0] for x in dr] != [552, 552]:
            p.append("oversized: %r" % dr)
        c.close()
        held = [lmtpclient.Client(small.sock) for _ in range(3)]
        try:
            extra = lmtpclient.Client(small.sock)
            if extra.greeting[0] != 421:
                p.append("fourth connection: %r" % (extra.greeting,))
        except (OSError, EOFError) as ex:
            p.append("fourth connection: %s" % ex)
        t0 = time.time()
        try:
            r = held[0].reply()
            if r[0] != 421 or time.time() - t0 > 10 * TIME_SCALE:
                p.append("idle: %r after %.1f s" % (r, time.time() - t0))
        except (OSError, EOFError) as ex:
            p.append("idle: %s" % ex)
        for h in held:
            h.s.close()
        add("size cap 552 (SIZE= and DATA), connection cap 421, idle timeout 421", p)

        p = []
        c = lmtpclient.Client(srv.sock)
        before = counts(db)
        os.rename(db, db + ".away")
        os.mkdir(db)
        rep = open(files[0], "rb").read() if files else b""
        rr, dr = c.send("x@b.test", [REPORT, ASSESS], received(True) + message("s1@sender.test", key))
        if [x[0] for x in dr] != [451, 451]:
            p.append("store away: %r" % dr)
        os.rmdir(db)
        os.rename(db + ".away", db)
        rr, dr = c.send("x@b.test", [REPORT, ASSESS], received(True) + message("s1@sender.test", key))
        if [x[0] for x in dr] != [250, 250]:
            p.append("store back: %r" % dr)
        c.close()
        if counts(db) != before:
            p.append("reports changed: %r -> %r" % (before, counts(db)))
        add("store unavailable: 451 per recipient; the retry is stored", p)

        p = []
        idle = lmtpclient.Client(srv.sock)
        idle.cmd("LHLO x")
        srv.p.send_signal(signal.SIGTERM)
        try:
            r = idle.reply()
            if r[0] != 421:
                p.append("idle connection told %r" % (r,))
        except (OSError, EOFError) as ex:
            p.append("idle connection: %s" % ex)
        try:
            rc = srv.p.wait(timeout=20 * TIME_SCALE)
            if rc != 0:
                p.append("exit %d" % rc)
        except subprocess.TimeoutExpired:
            p.append("still running 20 s after SIGTERM")
        if os.path.exists(srv.sock):
            p.append("socket left behind")
        add("SIGTERM: 421 to idle connections, exit 0, socket removed", p)

        res.extend(postgresql(args, tmp, files, ref, key, start))
    except (RuntimeError, OSError, EOFError, socket.timeout) as ex:
        res.append(Result(NAME, "lmtpd", "fail", "%s: %s" % (type(ex).__name__, ex)))
    finally:
        for s in servers:
            s.stop()
            if sanitizer(s.err()):
                res.append(Result(NAME, "sanitizer clean (%s)" % os.path.basename(s.sock), "fail", s.err()[-3000:]))
        shutil.rmtree(tmp, ignore_errors=True)
    return res
