"""tests/groups/tlspolicy.py - mailsec tls-policy's table used by a real Postfix: TLS enforced, never clear text.

One network namespace holds the DNS world (tests/world/world.py: Knot + Unbound,
the namespace's resolv.conf names Unbound), a partner's receiving Postfix on
127.0.0.61 (mx.partner.test, STARTTLS with a certificate from the test CA,
mail for partner.test into an mbox) and a sending Postfix on 127.0.0.60 whose
smtp_tls_policy_maps is the table `mailsec tls-policy` printed from
`mailsec check --db` (postmap'ed hash: table; the test CA as smtp_tls_CAfile).

1. the table says `partner.test<TAB>secure match=mx.partner.test`, and leaves
   never.test out with a comment;
2. a message to the partner is delivered over TLS: the receiver's mailbox has
   it with the TLS Received: line, the sender logged a verified TLS connection;
3. the partner's STARTTLS is switched off (postfix reload): the next message
   stays deferred in the sender's queue ("TLS is required, but was not
   offered") and never reaches the receiver in clear.

Needs root, Postfix, Knot and Unbound; runs once, in the plain build (not
under sanitizers or valgrind), like the other Postfix groups; otherwise a loud
skip (a failure when CI=true).  About 20 s.
"""
import grp
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "world"))
from harness import Result, skip_or_fail  # noqa: E402

NAME = "tlspolicy"
SENDER, PARTNER = "127.0.0.60", "127.0.0.61"
ZONE = """partner.test. MX 10 mx.partner.test.
mx.partner.test. A %s
mx.sender.test. A %s
""" % (PARTNER, SENDER)

SEND = r"""
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], 25, timeout=20)
s.sendmail("alice@sender.test", ["bob@partner.test"],
           "From: alice@sender.test\r\nTo: bob@partner.test\r\nSubject: %s\r\n\r\nhello\r\n" % sys.argv[2])
s.quit()
"""


class Box:
    """One private Postfix instance in the namespace (config, queue, log in d)."""

    def __init__(self, w, d, name, addr, main):
        self.w, self.d, self.name, self.addr = w, d, name, addr
        for sub in ("q", "data"):
            os.makedirs(os.path.join(d, sub))
        shutil.chown(os.path.join(d, "data"), "postfix")
        os.chmod(d, 0o755)
        base = ["compatibility_level = 3.6", "queue_directory = %s/q" % d, "data_directory = %s/data" % d,
                "mail_owner = postfix", "setgid_group = postdrop", "inet_interfaces = %s" % addr,
                "inet_protocols = ipv4", "mydestination =", "alias_maps =", "alias_database =",
                "maillog_file = %s/maillog" % d, "maillog_file_prefixes = %s" % d,
                "smtpd_banner = $myhostname ESMTP", "mynetworks = 127.0.0.0/8"]
        with open(os.path.join(d, "main.cf"), "w") as f:
            f.write("\n".join(base + main) + "\n")
        master = []
        for line in open("/etc/postfix/master.cf"):
            parts = line.split()
            if len(parts) >= 8 and not line[0].isspace() and not line.startswith("#"):
                parts[4] = "n"      # no chroot: our queue directory has no etc/
                line = " ".join(parts) + "\n"
            master.append(line)
        with open(os.path.join(d, "master.cf"), "w") as f:
            f.writelines(master)

    def postfix(self, *argv):
        return subprocess.run(["script", "-qc", " ".join(self.w.nsexec(["/usr/sbin/postfix", "-c", self.d] +
                                                                      list(argv))), "/dev/null"],
                              capture_output=True, text=True, timeout=60)

    def start(self):
        p = self.postfix("start")
        pidfile = os.path.join(self.d, "q", "pid", "master.pid")
        for _ in range(100):
            if os.path.exists(pidfile):
                return int(open(pidfile).read().split()[0])
            time.sleep(0.1)
        raise RuntimeError("postfix %s did not start: %s%s" % (self.name, p.stdout, self.log()[-1500:]))

    def log(self):
        try:
            return open(os.path.join(self.d, "maillog"), errors="replace").read()
        except OSError:
            return ""

    def stop(self):
        self.postfix("stop")


def wait_for(cond, limit):
    t0 = time.time()
    while time.time() - t0 < limit:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


def run(args):
    if "ASAN_OPTIONS" in os.environ or args.wrapper:
        return [Result(NAME, "tls-policy with a real Postfix", "skip",
                       "runs once, in the plain build (not under sanitizers or valgrind)")]
    if os.geteuid() != 0:
        return [skip_or_fail(NAME, "tls-policy with a real Postfix", "needs root (network namespace)")]
    for tool in ("/usr/sbin/postfix", "/usr/sbin/postmap", "/usr/sbin/postqueue"):
        if not os.path.exists(tool):
            return [skip_or_fail(NAME, "tls-policy with a real Postfix", "%s missing (scripts/install-deps)" % tool)]
    try:
        import mailworld
        from world import WorldError, world_from_text
    except ImportError as e:
        return [skip_or_fail(NAME, "tls-policy with a real Postfix", "world: %s" % e)]
    tmp = tempfile.mkdtemp(prefix="mailsec-tlspolicy-")
    os.chmod(tmp, 0o755)
    w = world_from_text(ZONE)
    boxes = []
    res = []
    p = []
    try:
        try:
            w.start()
        except WorldError as e:
            return [skip_or_fail(NAME, "tls-policy with a real Postfix", "DNS world: %s" % e)]
        w.add_address(SENDER)
        w.add_address(PARTNER)
        pki = mailworld.Pki(tmp)
        cert, _ = pki.leaf("mx-partner", ["mx.partner.test"], chain=True)
        mail = os.path.join(tmp, "mail")
        os.makedirs(mail)
        nobody = pwd.getpwnam("nobody")
        shutil.chown(mail, nobody.pw_uid, grp.getgrgid(nobody.pw_gid).gr_name)
        recv = Box(w, os.path.join(tmp, "partner"), "partner", PARTNER, [
            "myhostname = mx.partner.test", "virtual_mailbox_domains = partner.test",
            "virtual_mailbox_base = %s" % mail, "virtual_mailbox_maps = static:inbox",
            "virtual_uid_maps = static:%d" % nobody.pw_uid, "virtual_gid_maps = static:%d" % nobody.pw_gid,
            "smtpd_tls_security_level = may", "smtpd_tls_chain_files = %s.pem" % cert,
            "smtpd_tls_received_header = yes", "smtpd_tls_loglevel = 1"])
        boxes.append(recv)
        recv.start()

        # mailsec checks the partner and writes the table
        db = os.path.join(tmp, "results.db")
        rc, out, err = w.mailsec(args.mailsec, ["check", "partner.test", "--db", db, "--ca-file", pki.ca_file,
                                                "--only", "mx,tls,dane", "--json"])
        if rc not in (0, 1):
            p.append("check partner.test: exit %d: %s" % (rc, err[-800:]))
        lst = os.path.join(tmp, "partners.txt")
        open(lst, "w").write("partner.test\nnever.test\n")
        # tls-policy reads the database only: no namespace needed
        r = subprocess.run([args.mailsec, "tls-policy", "--domains", lst, "--db", db],
                           capture_output=True, text=True, timeout=60)
        rc, table, err = r.returncode, r.stdout, r.stderr
        if rc != 0:
            p.append("tls-policy: exit %d: %s" % (rc, err[-500:]))
        body = [l for l in table.splitlines() if not l.startswith("# mailsec")]
        if body != ["partner.test\tsecure match=mx.partner.test", "# never.test: never checked"]:
            facts = ""
            try:
                facts = json.dumps(json.loads(out)["domains"][0]["facts"].get("tls"))[:1500]
            except (ValueError, KeyError, IndexError):
                pass
            p.append("the table: %r, want partner.test secure match=mx.partner.test and a comment for "
                     "never.test (tls facts: %s)" % (table, facts))
        res.append(Result(NAME, "tls-policy: partner.test secure match=its MX, never.test left out",
                          "fail" if p else "pass", "\n".join(p)))
        if p:
            return res

        sdir = os.path.join(tmp, "sender")
        send = Box(w, sdir, "sender", SENDER, [
            "myhostname = mx.sender.test", "smtp_tls_security_level = may",
            "smtp_tls_policy_maps = hash:%s/tls_policy" % sdir, "smtp_tls_CAfile = %s" % pki.ca_file,
            "smtp_tls_loglevel = 1", "smtp_address_preference = ipv4"])
        with open(os.path.join(sdir, "tls_policy"), "w") as f:
            f.write(table)
        r = subprocess.run(w.nsexec(["/usr/sbin/postmap", "-c", sdir, "hash:%s/tls_policy" % sdir]),
                           capture_output=True, text=True)
        if r.returncode != 0:
            res.append(Result(NAME, "postmap of the table", "fail", r.stderr))
            return res
        boxes.append(send)
        send.start()
        inbox = os.path.join(mail, "inbox")

        def inbox_text():
            try:
                return open(inbox, errors="replace").read()
            except OSError:
                return ""

        # 1: delivered over TLS
        p = []
        r = subprocess.run(w.nsexec([sys.executable, "-c", SEND, SENDER, "first-over-tls"]),
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            p.append("submitting to the sender: %s" % r.stderr[-500:])
        elif not wait_for(lambda: "first-over-tls" in inbox_text(), 30):
            p.append("not delivered within 30 s; sender log:\n%s" % send.log()[-2000:])
        else:
            text = inbox_text()
            if "using TLS" not in text:
                p.append("the receiver's Received: line does not say TLS:\n%s" % text[:1500])
            if "Verified TLS connection established to mx.partner.test" not in send.log():
                p.append("the sender did not log a verified TLS connection:\n%s" % send.log()[-1500:])
        res.append(Result(NAME, "enforced partner: mail delivered over verified TLS (receiver's mailbox, sender's log)",
                          "fail" if p else "pass", "\n".join(p)))

        # 2: the partner's STARTTLS switched off: deferred, never sent in clear
        p = []
        subprocess.run(w.nsexec(["/usr/sbin/postconf", "-c", recv.d, "-e", "smtpd_tls_security_level = none"]),
                       check=True, capture_output=True)
        recv.postfix("reload")
        time.sleep(1.5)
        r = subprocess.run(w.nsexec([sys.executable, "-c", SEND, SENDER, "second-must-wait"]),
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            p.append("submitting to the sender: %s" % r.stderr[-500:])
        elif not wait_for(lambda: "TLS is required, but was not offered" in send.log(), 30):
            p.append("the sender did not defer for missing TLS within 30 s; log:\n%s" % send.log()[-2000:])
        else:
            q = subprocess.run(w.nsexec(["/usr/sbin/postqueue", "-c", sdir, "-j"]), capture_output=True, text=True)
            queued = [json.loads(l) for l in q.stdout.splitlines() if l.strip()]
            if len(queued) != 1 or queued[0].get("queue_name") != "deferred":
                p.append("sender's queue: %r, want one deferred message" % queued)
            elif "TLS is required" not in json.dumps(queued[0]):
                p.append("deferred for another reason: %r" % queued[0])
            time.sleep(1)
            if "second-must-wait" in inbox_text():
                p.append("the message reached the receiver in clear")
            if inbox_text().count("\nFrom ") + inbox_text().startswith("From ") != 1:
                p.append("the receiver's mailbox holds more than the first message")
        res.append(Result(NAME, "partner without STARTTLS: mail deferred in the sender's queue, never sent in clear",
                          "fail" if p else "pass", "\n".join(p)))
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        res.append(Result(NAME, "tls-policy with a real Postfix", "fail", "%s: %s" % (type(e).__name__, e)))
    finally:
        for b in reversed(boxes):
            try:
                b.stop()
            except (OSError, subprocess.SubprocessError):
                pass
        w.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return res
