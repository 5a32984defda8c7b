"""tests/groups/mailin.py - mailsec lmtpd behind a real Postfix: OpenDKIM, TLS 1.3, TLS 1.2, clear, report mail, SIGKILL and an unwritable store.

One namespace world (Knot + Unbound: the sender's SPF, DKIM key, DMARC
record, PTR and A) holds two Postfix instances and OpenDKIM:

    192.0.2.25  mail.sender.test  the "sending organisation": mail submitted with
                                  sendmail is signed by OpenDKIM (a real milter,
                                  non_smtpd_milters) and relayed to the receiver
                                  over TLS 1.3, TLS 1.2 or in clear (smtp_tls_*
                                  per run, postfix reload)
    192.0.2.26  mx.receiver.test  the receiving Postfix: smtpd_tls_received_header,
                                  the transport map to lmtp:unix:... (the lines of
                                  docs/lmtpd.md, read from the page)
    unix socket mailsec lmtpd     run as nobody, store in a SQLite file

Asserted: each assessment stored with the protocol of its session (facts and
findings), DKIM (OpenDKIM's signature) aligned, SPF pass, FCrDNS; every
report mail of the shared testdata stored as `reports ingest` stores it,
with lmtpd killed by SIGKILL while Postfix delivers them and started
again: every report stored exactly once; the store made unwritable (the
file and its folder read-only for lmtpd's user) while an assessment
arrives: Postfix is told 451 and keeps it, and delivers it once the store
is writable again; at the end both Postfix queues are empty.  Needs root;
runs once (skipped in sanitizer builds: the lmtpd group runs there).
"""
import glob
import json
import os
import pwd
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from harness import ROOT, Result, skip_or_fail, testdata_dir
from harness import run as hrun

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(ROOT, "tests", "world"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lmtpd"))

NAME = "mailin"
SEND_IP, RECV_IP = "192.0.2.25", "192.0.2.26"
RECEIVER = "mx.receiver.test"
REPORT = "dmarc-rua@receiver.test"
ASSESS = "emailsecurity@receiver.test"
TABLES = ("reports", "dmarc_rows", "tlsrpt_policies", "tlsrpt_failures", "failures", "rejected")
# with security level encrypt the smtp client reads the mandatory list
TLS13 = ["smtp_tls_security_level=encrypt", "smtp_tls_protocols=!SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2",
         "smtp_tls_mandatory_protocols=!SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2"]
TLS12 = ["smtp_tls_security_level=encrypt", "smtp_tls_protocols=!SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.3",
         "smtp_tls_mandatory_protocols=!SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.3"]
CLEAR = ["smtp_tls_security_level=none"]


def doc_blocks():
    """The fenced blocks of docs/lmtpd.md: info string -> lines."""
    text = open(os.path.join(ROOT, "docs", "lmtpd.md")).read()
    return {m.group(1): [l for l in m.group(2).split("\n") if l.strip()]
            for m in re.finditer(r"```(postfix-[a-z.]+)\n(.*?)```", text, re.S)}


def sh(argv, check=True, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s%s" % (" ".join(argv), p.returncode, p.stdout, p.stderr))
    return p


def is_sanitizer_build(build):
    try:
        opts = json.load(open(os.path.join(build, "meson-info", "intro-buildoptions.json")))
    except (OSError, ValueError):
        return False
    return any(o.get("name") == "b_sanitize" and o.get("value") not in ("none", "", None) for o in opts)


def counts(db):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return {t: c.execute("SELECT count(*) FROM %s" % t).fetchone()[0] for t in TABLES}
    finally:
        c.close()


def outbound(db):
    """message id -> (facts.outbound, {finding: severity}) of every stored assessment."""
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        out = {}
        for cid, doc in c.execute("SELECT id, doc FROM checks WHERE area = 'outbound'"):
            f = json.loads(doc)["facts"]["outbound"]
            out[f["message_id"]] = (f, dict(c.execute("SELECT finding, severity FROM check_findings"
                                                      " WHERE check_id = ?", (cid,)).fetchall()))
        return out
    finally:
        c.close()


class Mta:
    """One private Postfix instance inside the world's namespace."""

    def __init__(self, w, d, main, services):
        self.w, self.d = w, d
        os.makedirs(os.path.join(d, "q"))
        os.makedirs(os.path.join(d, "data"))
        shutil.chown(os.path.join(d, "data"), "postfix")
        base = ["compatibility_level = 3.6", "queue_directory = %s/q" % d, "data_directory = %s/data" % d,
                "mail_owner = postfix", "setgid_group = postdrop", "mydestination =", "alias_maps =",
                "alias_database =", "maillog_file = %s/maillog" % d, "maillog_file_prefixes = %s" % d,
                "inet_protocols = ipv4", "smtputf8_enable = no",
                "minimal_backoff_time = 1s", "maximal_backoff_time = 2s", "queue_run_delay = 1s",
                "smtpd_client_connection_rate_limit = 0", "smtpd_client_connection_count_limit = 0"]
        with open(os.path.join(d, "main.cf"), "w") as f:
            f.write("\n".join(base + main) + "\n")
        master = []
        for line in open("/etc/postfix/master.cf"):
            if line.startswith("smtp ") and " inet " in line:
                continue
            parts = line.split()
            if len(parts) >= 8 and not line[0].isspace() and not line.startswith("#"):
                parts[4] = "n"
                line = " ".join(parts) + "\n"
            master.append(line)
        master += services
        with open(os.path.join(d, "master.cf"), "w") as f:
            f.writelines(master)
        p = sh(["script", "-qc", " ".join(w.nsexec(["/usr/sbin/postfix", "-c", d, "start"])), "/dev/null"],
               check=False)
        pidfile = os.path.join(d, "q", "pid", "master.pid")
        for _ in range(100):
            if os.path.exists(pidfile):
                break
            time.sleep(0.1)
        if not os.path.exists(pidfile):
            raise RuntimeError("postfix %s did not start: %s %s" % (d, p.stdout, self.log()[-2000:]))
        self.pid = int(open(pidfile).read().split()[0])

    def log(self):
        try:
            return open(os.path.join(self.d, "maillog"), errors="replace").read()
        except OSError:
            return ""

    def set(self, settings):
        sh(["postconf", "-c", self.d, "-e"] + settings)
        sh(self.w.nsexec(["/usr/sbin/postfix", "-c", self.d, "reload"]))

    def send(self, sender, rcpt, data):
        sh(self.w.nsexec(["/usr/sbin/sendmail", "-C", self.d, "-f", sender, rcpt]), input=data.decode("latin-1"))

    def flush(self):
        sh(self.w.nsexec(["/usr/sbin/postqueue", "-c", self.d, "-f"]), check=False)

    def queue(self):
        p = sh(self.w.nsexec(["/usr/sbin/postqueue", "-c", self.d, "-p"]), check=False)
        return p.stdout + p.stderr

    def empty(self):
        return "Mail queue is empty" in self.queue()

    def stop(self):
        sh(self.w.nsexec(["/usr/sbin/postfix", "-c", self.d, "stop"]), check=False)
        for _ in range(100):
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def wait_for(what, cond, limit, flush=()):
    t = time.time()
    while time.time() - t < limit:
        if cond():
            return True
        for m in flush:
            m.flush()
        time.sleep(0.5)
    return cond()


def run(args):
    if is_sanitizer_build(args.build):
        return [Result(NAME, "Postfix world", "skip", "runs once, in the plain build (the lmtpd group runs under sanitizers)")]
    import importlib.util
    spec = importlib.util.spec_from_file_location("world_group", os.path.join(HERE, "world.py"))
    wg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wg)
    import world
    import lmtpclient
    why = wg.world_usable()
    for tool in ("/usr/sbin/postfix", "/usr/sbin/opendkim", "/usr/sbin/opendkim-genkey", "/usr/bin/setpriv"):
        if why is None and not os.path.exists(tool):
            why = "%s not installed (scripts/install-deps)" % tool
    if why:
        return [skip_or_fail(NAME, "mailsec lmtpd behind Postfix", why)]
    files = sorted(glob.glob(os.path.join(testdata_dir(), "dmarc-reports", "**", "*.eml"), recursive=True))
    if not files:
        return [skip_or_fail(NAME, "report mail", "no .eml under the shared testdata")]
    res = []

    def add(name, problems):
        res.append(Result(NAME, name, "fail" if problems else "pass", "\n".join(problems)))

    tmp = tempfile.mkdtemp(prefix="mailsec-mailin-")
    os.chmod(tmp, 0o755)
    w, mtas, lmtpd, dkim = None, [], [None], None
    nobody = pwd.getpwnam("nobody")
    dbdir = os.path.join(tmp, "db")
    os.makedirs(dbdir)
    os.chown(dbdir, nobody.pw_uid, nobody.pw_gid)
    db = os.path.join(dbdir, "mailsec.db")
    rundir = os.path.join(tmp, "run")
    os.makedirs(rundir)
    os.chown(rundir, nobody.pw_uid, nobody.pw_gid)
    sock = os.path.join(rundir, "lmtpd.sock")
    try:
        kd = os.path.join(tmp, "dkim")
        os.makedirs(kd)
        sh(["opendkim-genkey", "-D", kd, "-d", "sender.test", "-s", "mail", "-b", "2048"])
        txt = "".join(re.findall(r'"([^"]*)"', open(os.path.join(kd, "mail.txt")).read()))
        zone = "\n".join([
            "sender.test. TXT \"v=spf1 ip4:%s -all\"" % SEND_IP,
            "_dmarc.sender.test. TXT \"v=DMARC1; p=none\"",
            "mail._domainkey.sender.test. TXT \"%s\"" % txt,
            "mail.sender.test. A %s" % SEND_IP,
            "25.2.0.192.in-addr.arpa. PTR mail.sender.test.",
            "receiver.test. MX 10 mx.receiver.test.",
            "mx.receiver.test. A %s" % RECV_IP,
            "26.2.0.192.in-addr.arpa. PTR mx.receiver.test.",
        ]) + "\n"
        w = world.world_from_text(zone)
        w.start()
        w.add_address(SEND_IP)
        w.add_address(RECV_IP)
        os.chmod(w.dir, 0o755)
        ta = os.path.join(tmp, "root.ds")
        shutil.copy(w.trust_anchor, ta)
        os.chmod(ta, 0o644)

        # OpenDKIM, the sender's signing milter
        conf = os.path.join(kd, "opendkim.conf")
        with open(conf, "w") as f:
            f.write("Syslog no\nMode s\nDomain sender.test\nSelector mail\nKeyFile %s/mail.private\n"
                    "Socket inet:8891@127.0.0.1\nCanonicalization relaxed/simple\nUserID opendkim\n"
                    "PidFile %s/opendkim.pid\nRequireSafeKeys no\n" % (kd, kd))
        shutil.chown(os.path.join(kd, "mail.private"), "opendkim")
        dkim = w.spawn("opendkim", ["/usr/sbin/opendkim", "-f", "-x", conf])

        # the receiving Postfix with the lines of docs/lmtpd.md
        blocks = doc_blocks()
        rd = os.path.join(tmp, "recv")
        transport = os.path.join(tmp, "mailsec_transport")

        def local(line):
            return line.replace("example.org", "receiver.test").replace("/run/mailsec/lmtpd.sock", sock) \
                .replace("/etc/postfix/mailsec_transport", transport)
        with open(transport, "w") as f:
            f.write("\n".join(local(l) for l in blocks["postfix-transport"]) + "\n")
        sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + RECEIVER,
            "-keyout", os.path.join(tmp, "mx.key"), "-out", os.path.join(tmp, "mx.crt"), "-days", "2"])
        recv = Mta(w, rd, ["myhostname = " + RECEIVER, "inet_interfaces = " + RECV_IP,
                           "smtpd_tls_security_level = may",
                           "smtpd_tls_cert_file = %s/mx.crt" % tmp, "smtpd_tls_key_file = %s/mx.key" % tmp,
                           "lmtp_connect_timeout = 5s"] + [local(l) for l in blocks["postfix-main.cf"]],
                   ["%s:smtp inet n - n - - smtpd\n" % RECV_IP])
        mtas.append(recv)
        send = Mta(w, os.path.join(tmp, "send"),
                   ["myhostname = mail.sender.test", "inet_interfaces = " + SEND_IP,
                    "smtp_bind_address = " + SEND_IP, "relayhost = [%s]" % RECV_IP,
                    "non_smtpd_milters = inet:127.0.0.1:8891", "milter_default_action = tempfail",
                    "smtp_connection_cache_on_demand = no"] + [x.replace("=", " = ", 1) for x in TLS13], [])
        mtas.append(send)

        def start_lmtpd():
            argv = w.nsexec(["setpriv", "--reuid", str(nobody.pw_uid), "--regid", str(nobody.pw_gid),
                             "--clear-groups", args.mailsec, "lmtpd", "--db", db, "--listen", "unix:" + sock,
                             "--report-address", REPORT, "--report-address", "tlsrpt@receiver.test",
                             "--assessment-address", ASSESS, "--receiver-name", RECEIVER,
                             "--trust-anchor", ta])
            errf = open(os.path.join(tmp, "lmtpd.stderr"), "ab")
            p = subprocess.Popen(argv, stdout=errf, stderr=errf, stdin=subprocess.DEVNULL,
                                 preexec_fn=lambda: os.umask(0))
            errf.close()
            if not lmtpclient.wait_socket(sock, p, 30):
                raise RuntimeError("lmtpd did not start: " + open(os.path.join(tmp, "lmtpd.stderr")).read()[-2000:])
            lmtpd[0] = p
            return p

        start_lmtpd()

        # 1. three assessments: TLS 1.3, TLS 1.2, clear
        p = []
        want = [("m13@sender.test", TLS13, "TLSv1.3", "outbound.tls.ok"),
                ("m12@sender.test", TLS12, "TLSv1.2", "outbound.tls.ok"),
                ("m00@sender.test", CLEAR, None, "outbound.tls.none")]
        for mid, settings, proto, tls_id in want:
            send.set(settings)
            msg = ("From: Security <security@sender.test>\nTo: %s\nSubject: outbound assessment\n"
                   "Date: Thu, 03 Dec 2026 12:00:00 +0000\nMessage-ID: <%s>\n\nPlease assess.\n" % (ASSESS, mid))
            send.send("bounce@sender.test", ASSESS, msg.encode())
            if not wait_for(mid, lambda: "<%s>" % mid in outbound(db), 60, [send, recv]):
                p.append("%s: not stored within 60 s; sender log: %s; receiver log: %s" % (
                    mid, send.log()[-1500:], recv.log()[-1500:]))
                continue
            facts, fs = outbound(db)["<%s>" % mid]
            if facts.get("tls_protocol") != proto:
                p.append("%s: tls_protocol %r, want %r" % (mid, facts.get("tls_protocol"), proto))
            if bool(facts.get("tls_cipher")) != bool(proto):
                p.append("%s: tls_cipher %r" % (mid, facts.get("tls_cipher")))
            exp = {tls_id: "error" if tls_id.endswith("none") else "pass", "outbound.dkim.ok": "pass",
                   "outbound.spf.ok": "pass", "outbound.fcrdns.ok": "pass"}
            if fs != exp:
                p.append("%s: findings %r, want %r" % (mid, fs, exp))
            if facts.get("client_ip") != SEND_IP:
                p.append("%s: client %r" % (mid, facts.get("client_ip")))
        add("assessments over TLS 1.3, TLS 1.2 and in clear: protocol, OpenDKIM's signature aligned, SPF, FCrDNS", p)

        # 2. every report mail, lmtpd killed by SIGKILL while Postfix delivers them
        p = []
        send.set(TLS13)
        ref = os.path.join(tmp, "ref.db")
        rc, o, e = hrun([args.mailsec, "reports", "ingest", "--db", ref] + files)
        want_counts = counts(ref)
        base = counts(db)
        for path in files:
            send.send("reports@reporter.test", REPORT, open(path, "rb").read())
        killed = False
        t0 = time.time()
        while time.time() - t0 < 60:
            n = counts(db)["reports"]
            if n > base["reports"]:
                lmtpd[0].send_signal(signal.SIGKILL)
                lmtpd[0].wait()
                killed = True
                if counts(db)["reports"] >= base["reports"] + want_counts["reports"]:
                    p.append("the kill came after every report was stored (machine too fast?)")
                break
            time.sleep(0.01)
        if not killed:
            p.append("no report arrived within 60 s: %s" % recv.log()[-2000:])
        time.sleep(1)
        start_lmtpd()
        if not wait_for("queues", lambda: send.empty() and recv.empty(), 90, [send, recv]):
            p.append("queues not empty: %s %s" % (send.queue()[-800:], recv.queue()[-800:]))
        got = counts(db)
        exp = {k: base[k] + want_counts[k] for k in TABLES}
        if got != exp:
            p.append("stored %r, want %r (reports ingest of the same files: %r)" % (got, exp, want_counts))
        add("%d report mails through Postfix, lmtpd killed with SIGKILL mid-run: each report stored once" % len(files), p)

        # 3. the store unwritable while an assessment arrives: 451, kept, delivered later
        p = []
        before = len(outbound(db))
        mark = len(recv.log())
        os.chmod(db, 0o444)
        os.chmod(dbdir, 0o555)
        msg = ("From: security@sender.test\nTo: %s\nSubject: again\nMessage-ID: <ro@sender.test>\n\nx\n" % ASSESS)
        send.send("bounce@sender.test", ASSESS, msg.encode())
        if not wait_for("451", lambda: "451 4.3.0" in recv.log()[mark:], 60, [send, recv]):
            p.append("no 451 in the receiver's log: %s" % recv.log()[mark:][-2000:])
        if recv.empty():
            p.append("the receiving Postfix did not keep the message")
        os.chmod(dbdir, 0o755)
        os.chmod(db, 0o644)
        if not wait_for("delivered", lambda: send.empty() and recv.empty() and "<ro@sender.test>" in outbound(db),
                        60, [send, recv]):
            p.append("not delivered after the store came back: %s" % recv.log()[-1500:])
        if len(outbound(db)) != before + 1:
            p.append("assessments %d -> %d" % (before, len(outbound(db))))
        add("store unwritable: 451, Postfix keeps the message, stored once when writable again", p)

        p = []
        for m in (send, recv):
            if not m.empty():
                p.append("%s: queue not empty: %s" % (m.d, m.queue()[-800:]))
        add("both Postfix queues empty at the end", p)
    except (RuntimeError, OSError, world.WorldError, KeyError) as ex:
        res.append(Result(NAME, "mailin world", "fail", "%s: %s" % (type(ex).__name__, ex)))
    finally:
        if lmtpd[0] and lmtpd[0].poll() is None:
            lmtpd[0].send_signal(signal.SIGTERM)
            try:
                lmtpd[0].wait(timeout=20)
            except subprocess.TimeoutExpired:
                lmtpd[0].kill()
                lmtpd[0].wait()
        for m in mtas:
            m.stop()
        if w:
            w.stop()
        if os.environ.get("MAILSEC_WORLD_KEEP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)
    return res
