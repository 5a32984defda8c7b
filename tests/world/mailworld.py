"""tests/world/mailworld.py - the mail transport test world: real Postfix, nginx and a tarpit
in a network namespace, with a test CA.

MailWorld(tmp).start() creates a network namespace (mstp-<pid>), assigns 127.0.0.x
addresses to its loopback, makes certificates (python3-cryptography), starts one
Postfix instance with one smtpd service per address (STARTTLS ok, TLS 1.0 only,
TLS 1.0-1.3, expired, wrong name, self-signed, no STARTTLS, one connection per client, and
mx-shared, whose connections and TLS sessions are logged under postfix/mx-shared for
counting), a tarpit that accepts
TCP and never speaks, and nginx serving MTA-STS policies by SNI (good ones and broken
ones).  DNS is not served here: scenarios run mailsec with --replay and a zone that
maps names to these addresses, or start tests/world/world.py's Knot + Unbound in this
namespace (world_from_text(..., netns=MailWorld.ns)).  stop() stops everything by PID and deletes the
namespace.  Used by tests/groups/transport.py; kept apart from the DNS world's files.
More tarpits (banners trickled or 10 MB long, control bytes in replies, TLS stalled
after the ServerHello, policies trickled, redirect loops) are tests/world/tarpits.py,
run by tests/groups/hostile_servers.py in a DNS world of its own.
"""
import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import live

ADDR = {
    "mx-good": "127.0.0.31", "mx-tls10": "127.0.0.32", "mx-expired": "127.0.0.33",
    "mx-wrongname": "127.0.0.34", "mx-self": "127.0.0.35", "mx-plain": "127.0.0.36",
    "tarpit": "127.0.0.37", "closed": "127.0.0.38", "mx-legacy": "127.0.0.39",
    "mx-reject": "127.0.0.40", "web": "127.0.0.41", "mx-rogue": "127.0.0.43",
    "mx-expiring": "127.0.0.44", "mx-weak": "127.0.0.45", "broken-tls": "127.0.0.46",
    "mx-busy": "127.0.0.47", "mx-shared": "127.0.0.48",
}
ADDR6 = {"mx-good": "fd00:6d73::31"}   # IPv6 (ULA) addresses of services that have one
MAIL = "mail.test"          # MX host names: <name>.mail.test


class WorldUnavailable(Exception):
    pass


def sh(cmd, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise WorldUnavailable("%s: exit %d: %s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


# ---- certificates ----------------------------------------------------------

class Pki:
    """A test CA, a rogue CA nobody trusts, and leaf certificates."""

    def __init__(self, d):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        self.x509, self.hashes, self.ser, self.ec, self.oid = x509, hashes, serialization, ec, NameOID
        self.d = d
        self.ca_key, self.ca = self._ca("mailsec test CA")
        self.rogue_key, self.rogue = self._ca("rogue CA")
        self.ca_file = os.path.join(d, "ca.pem")
        with open(self.ca_file, "wb") as f:
            f.write(self.ca.public_bytes(serialization.Encoding.PEM))

    def _name(self, cn):
        return self.x509.Name([self.x509.NameAttribute(self.oid.COMMON_NAME, cn)])

    def _ca(self, cn):
        x509 = self.x509
        key = self.ec.generate_private_key(self.ec.SECP256R1())
        now = datetime.datetime.utcnow()
        cert = (x509.CertificateBuilder().subject_name(self._name(cn)).issuer_name(self._name(cn))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=365))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, self.hashes.SHA256()))
        return key, cert

    def leaf(self, name, sans, issuer="ca", days_from=-1, days_to=90, weak=False, chain=False):
        """Write NAME.key/NAME.crt/NAME.pem (key + cert); issuer: ca, rogue or self.
        weak: an RSA-1024 key and a SHA-1 signature; chain: NAME.pem also holds the CA."""
        import warnings
        warnings.filterwarnings("ignore", message="SHA1 signatures are deprecated")
        x509 = self.x509
        if weak:
            from cryptography.hazmat.primitives.asymmetric import rsa
            key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        else:
            key = self.ec.generate_private_key(self.ec.SECP256R1())
        now = datetime.datetime.utcnow()
        if issuer == "self":
            ikey, iname = key, self._name(sans[0])
        elif issuer == "rogue":
            ikey, iname = self.rogue_key, self.rogue.subject
        else:
            ikey, iname = self.ca_key, self.ca.subject
        cert = (x509.CertificateBuilder().subject_name(self._name(sans[0])).issuer_name(iname)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now + datetime.timedelta(days=days_from))
                .not_valid_after(now + datetime.timedelta(days=days_to))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
                .sign(ikey, self.hashes.SHA1() if weak else self.hashes.SHA256()))
        pem_key = key.private_bytes(self.ser.Encoding.PEM, self.ser.PrivateFormat.PKCS8,
                                    self.ser.NoEncryption())
        pem_crt = cert.public_bytes(self.ser.Encoding.PEM)
        base = os.path.join(self.d, name)
        pem_ca = self.ca.public_bytes(self.ser.Encoding.PEM) if chain and issuer == "ca" else b""
        for ext, data in ((".key", pem_key), (".crt", pem_crt), (".pem", pem_key + pem_crt + pem_ca)):
            with open(base + ext, "wb") as f:
                f.write(data)
            os.chmod(base + ext, 0o644)
        return base, cert

    def spki_sha256(self, cert):
        h = self.hashes.Hash(self.hashes.SHA256())
        h.update(cert.public_key().public_bytes(self.ser.Encoding.DER,
                                                self.ser.PublicFormat.SubjectPublicKeyInfo))
        return h.finalize().hex()


# ---- the world ---------------------------------------------------------------

class MailWorld:
    def __init__(self, tmp):
        self.tmp = tmp
        self.ns = "mstp-%d" % os.getpid()
        self.pids = []          # (name, pid) started by us
        self.postfix_dir = os.path.join(tmp, "postfix")
        self.nginx_dir = os.path.join(tmp, "nginx")
        self.sites = {}         # mta-sts host -> dict(body, ctype, status, cert, location)
        self.ns_made = False
        self.extra_good_sans = []   # more names for mx-good's certificate (scripts/demo: mx1.good.test)

    # -- namespace
    def _netns(self):
        if os.geteuid() != 0:
            raise WorldUnavailable("not root: cannot create a network namespace")
        for tool in ("ip", "nginx", "postfix"):
            if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
                raise WorldUnavailable("%s not installed (scripts/install-deps)" % tool)
        sh(["ip", "netns", "add", self.ns])
        self.ns_made = True
        sh(["ip", "-n", self.ns, "link", "set", "lo", "up"])
        for a in ADDR.values():
            sh(["ip", "-n", self.ns, "addr", "add", a + "/32", "dev", "lo"])
        for a in ADDR6.values():
            sh(["ip", "-n", self.ns, "addr", "add", a + "/128", "dev", "lo", "nodad"])

    def nsexec(self, cmd):
        return ["ip", "netns", "exec", self.ns] + cmd

    # -- postfix: one instance, one smtpd service per address
    def _postfix(self):
        d = self.postfix_dir
        os.makedirs(os.path.join(d, "q"))
        os.makedirs(os.path.join(d, "data"))
        shutil.chown(os.path.join(d, "data"), "postfix")
        for p in (self.tmp, d):
            os.chmod(p, 0o755)
        pki = self.pki
        good, self.good_cert = pki.leaf("mx-good", ["mx-good." + MAIL, "mx.dane-ok.test",
                                                     "mx.dane-bad.test", "mx.dane-insecure.test",
                                                     "mx.dane-ta.test"] + self.extra_good_sans, chain=True)
        tls10, _ = pki.leaf("mx-tls10", ["mx-tls10." + MAIL])
        legacy, _ = pki.leaf("mx-legacy", ["mx-legacy." + MAIL])
        expired, _ = pki.leaf("mx-expired", ["mx-expired." + MAIL], days_from=-30, days_to=-1)
        wrong, _ = pki.leaf("mx-wrongname", ["other.example.test"])
        selfs, _ = pki.leaf("mx-self", ["mx-self." + MAIL], issuer="self")
        rogue, _ = pki.leaf("mx-rogue", ["mx-rogue." + MAIL], issuer="rogue")
        expiring, _ = pki.leaf("mx-expiring", ["mx-expiring." + MAIL], days_to=5)
        weak, _ = pki.leaf("mx-weak", ["mx-weak." + MAIL], weak=True)
        busy, _ = pki.leaf("mx-busy", ["mx-busy." + MAIL], chain=True)
        shared, _ = pki.leaf("mx-shared", ["mx-shared." + MAIL], chain=True)
        modern = "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"
        svc = [
            ("mx-good", good, ["smtpd_tls_protocols=" + modern]),
            ("mx-tls10", tls10, ["smtpd_tls_protocols=!SSLv2, !SSLv3, !TLSv1.1, !TLSv1.2, !TLSv1.3",
                                 "tls_medium_cipherlist=DEFAULT:@SECLEVEL=0"]),
            ("mx-legacy", legacy, ["smtpd_tls_protocols=!SSLv2, !SSLv3",
                                   "tls_medium_cipherlist=DEFAULT:@SECLEVEL=0"]),
            ("mx-expired", expired, ["smtpd_tls_protocols=" + modern]),
            ("mx-wrongname", wrong, ["smtpd_tls_protocols=" + modern, "myhostname=other.example.test"]),
            ("mx-self", selfs, ["smtpd_tls_protocols=" + modern]),
            ("mx-plain", None, ["smtpd_tls_security_level=none"]),
            ("mx-reject", good, ["smtpd_delay_reject=no", "smtpd_client_restrictions=reject"]),
            ("mx-rogue", rogue, ["smtpd_tls_protocols=" + modern]),
            ("mx-expiring", expiring, ["smtpd_tls_protocols=" + modern]),
            ("mx-weak", weak, ["smtpd_tls_protocols=" + modern, "tls_medium_cipherlist=DEFAULT:@SECLEVEL=0"]),
            # one connection per client at a time; Postfix exempts loopback unless told not to
            ("mx-busy", busy, ["smtpd_tls_protocols=" + modern, "smtpd_client_connection_count_limit=1",
                               "smtpd_client_event_limit_exceptions="]),
            # many domains' MX: each connection and TLS session logged under its own name
            ("mx-shared", shared, ["smtpd_tls_protocols=" + modern, "syslog_name=postfix/mx-shared",
                                   "smtpd_tls_loglevel=1"]),
        ]
        main = [
            "compatibility_level = 3.6",
            "queue_directory = %s/q" % d,
            "data_directory = %s/data" % d,
            "mail_owner = postfix",
            "setgid_group = postdrop",
            "inet_interfaces = %s" % ", ".join([ADDR[n] for n, _, _ in svc] +
                                               ["[%s]" % a for a in ADDR6.values()]),
            "inet_protocols = all",
            "myhostname = mx-good.%s" % MAIL,
            "mydestination =",
            "alias_maps =",
            "alias_database =",
            "maillog_file = %s/maillog" % d,
            "maillog_file_prefixes = %s" % d,
            "smtpd_tls_security_level = may",
            "smtpd_tls_chain_files = %s.pem" % good,
            "smtpd_banner = $myhostname ESMTP",
            "smtpd_client_connection_rate_limit = 0",
            "smtpd_client_connection_count_limit = 0",
        ]
        with open(os.path.join(d, "main.cf"), "w") as f:
            f.write("\n".join(main) + "\n")
        master = []
        for line in open("/etc/postfix/master.cf"):
            if line.startswith("smtp ") and " inet " in line:
                continue
            parts = line.split()
            if len(parts) >= 8 and not line[0].isspace() and not line.startswith("#"):
                parts[4] = "n"      # no chroot: our queue directory has no etc/
                line = " ".join(parts) + "\n"
            master.append(line)
        for name, cert, opts in svc:
            o = ["myhostname=%s.%s" % (name, MAIL)] if not any(x.startswith("myhostname=") for x in opts) else []
            o += opts
            if cert:
                o.append("smtpd_tls_chain_files=%s.pem" % cert)
            # master.cf wants "-o { name=value }" for values with spaces
            for addr in [ADDR[name]] + (["[%s]" % ADDR6[name]] if name in ADDR6 else []):
                master.append("%s:smtp inet n - n - - smtpd %s\n" % (
                    addr, " ".join("-o { %s }" % x if " " in x else "-o %s" % x for x in o)))
        with open(os.path.join(d, "master.cf"), "w") as f:
            f.writelines(master)
        p = sh(["script", "-qc", " ".join(self.nsexec(["/usr/sbin/postfix", "-c", d, "start"])), "/dev/null"],
               check=False)
        pidfile = os.path.join(d, "q", "pid", "master.pid")
        for _ in range(50):
            if os.path.exists(pidfile):
                break
            time.sleep(0.1)
        if not os.path.exists(pidfile):
            raise WorldUnavailable("postfix did not start: %s%s" % (p.stdout, self._tail(d + "/maillog")))
        self.pids.append(("postfix", int(open(pidfile).read().split()[0])))

    @staticmethod
    def _tail(path, n=2000):
        try:
            return open(path, errors="replace").read()[-n:]
        except OSError:
            return ""

    # -- broken servers: a tarpit (accepts TCP on 25 and 443, never speaks) and an SMTP
    # server that offers STARTTLS and then answers the handshake with garbage
    BROKEN = r"""
import select, socket
def listen(a, p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, p)); s.listen(64); return s
def send(c, data):
    try:
        c.sendall(data)
    except OSError:
        pass
tarpit = [listen('%(tarpit)s', 25), listen('%(tarpit)s', 443)]
liar = listen('%(liar)s', 25)
keep, talk = [], {}
while True:
    r, _, _ = select.select(tarpit + [liar] + list(talk), [], [])
    for s in r:
        if s in tarpit:
            keep.append(s.accept()[0])
        elif s is liar:
            c = s.accept()[0]; send(c, b'220 broken-tls.mail.test ESMTP\r\n'); talk[c] = b''
        else:
            try:
                d = s.recv(4096)
            except OSError:
                d = b''
            if not d:
                talk.pop(s); s.close(); continue
            talk[s] += d
            while b'\n' in talk[s]:
                line, talk[s] = talk[s].split(b'\n', 1)
                if line.upper().startswith(b'EHLO'):
                    send(s, b'250-broken-tls.mail.test\r\n250 STARTTLS\r\n')
                elif line.upper().startswith(b'STARTTLS'):
                    send(s, b'220 go ahead\r\n' + b'this is not TLS\r\n' * 4)
                else:
                    send(s, b'221 bye\r\n')
"""

    def _tarpit(self):
        code = self.BROKEN % dict(tarpit=ADDR["tarpit"], liar=ADDR["broken-tls"])
        p = subprocess.Popen(self.nsexec([sys.executable, "-c", code]), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        self.pids.append(("broken servers", p.pid))
        self.procs = getattr(self, "procs", []) + [p]

    # -- nginx: MTA-STS policy hosts by SNI on one address
    def add_site(self, host, body=None, ctype="text/plain", status=200, cert="ca", location=None,
                 sans=None):
        self.sites[host] = dict(body=body, ctype=ctype, status=status, cert=cert, location=location,
                                sans=sans or [host])

    def _nginx(self):
        d = self.nginx_dir
        for sub in ("sites", "tmp", "logs"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        servers = []
        if not self.sites:
            self.add_site("mta-sts.default.test", status=404)
        for i, (host, s) in enumerate(sorted(self.sites.items())):
            base, _ = self.pki.leaf("web-%d" % i, s["sans"], issuer=s["cert"])
            root = os.path.join(d, "sites", host)
            os.makedirs(os.path.join(root, ".well-known"), exist_ok=True)
            if s["body"] is not None:
                with open(os.path.join(root, ".well-known", "mta-sts.txt"), "wb") as f:
                    f.write(s["body"] if isinstance(s["body"], bytes) else s["body"].encode())
            if s["location"]:
                action = "return %d %s;" % (s["status"], s["location"])
            elif s["status"] != 200:
                action = "return %d;" % s["status"]
            else:
                action = "default_type %s; try_files $uri =404;" % s["ctype"]
            servers.append("""  server {
    listen %s:443 ssl%s;
    server_name %s;
    ssl_certificate %s.crt;
    ssl_certificate_key %s.key;
    root %s;
    location = /.well-known/mta-sts.txt { %s }
  }""" % (ADDR["web"], " default_server" if i == 0 else "", host, base, base, root, action))
        conf = """daemon off;
master_process off;
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/logs/error.log;
events { worker_connections 256; }
http {
  access_log off;
  types { }
  client_body_temp_path %(d)s/tmp/body;
  proxy_temp_path %(d)s/tmp/proxy;
  fastcgi_temp_path %(d)s/tmp/fastcgi;
  uwsgi_temp_path %(d)s/tmp/uwsgi;
  scgi_temp_path %(d)s/tmp/scgi;
%(servers)s
}
""" % dict(d=d, servers="\n".join(servers))
        path = os.path.join(d, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        p = subprocess.Popen(self.nsexec(["nginx", "-c", path, "-p", d, "-e", d + "/logs/error.log"]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.procs = getattr(self, "procs", []) + [p]
        self.pids.append(("nginx", p.pid))
        for _ in range(50):
            r = sh(self.nsexec([sys.executable, "-c",
                                "import socket; socket.create_connection(('%s', 443), 0.2)" % ADDR["web"]]),
                   check=False)
            if r.returncode == 0:
                return
            if p.poll() is not None:
                break
            time.sleep(0.1)
        raise WorldUnavailable("nginx did not start: %s" % self._tail(d + "/logs/error.log"))

    def start(self, before_web=None):
        """Bring everything up; before_web(self) may add_site() once the MX certificates exist."""
        live.register(self)
        try:
            self.pki = Pki(self.tmp)
        except ImportError as e:
            raise WorldUnavailable("python3-cryptography missing: %s" % e)
        self._netns()
        self._postfix()
        self._tarpit()
        if before_web:
            before_web(self)
        self._nginx()
        return self

    def stop(self):
        for name, pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in getattr(self, "procs", []):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        # postfix master: wait for it to go
        for name, pid in self.pids:
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        self.pids = []
        if self.ns_made:
            sh(["ip", "netns", "pids", self.ns], check=False)
            sh(["ip", "netns", "del", self.ns], check=False)
            self.ns_made = False
        live.unregister(self)

    def mailsec(self, binary, args, zone, timeout=60):
        """Run mailsec inside the namespace with zone as its replay data: (rc, out, err, seconds)."""
        fd, path = tempfile.mkstemp(prefix="zone-", suffix=".txt", dir=self.tmp)
        with os.fdopen(fd, "w") as f:
            f.write(zone)
        t0 = time.time()
        try:
            p = subprocess.run(self.nsexec([binary] + args + ["--replay", path, "--replay-connect",
                                                              "--ca-file", self.pki.ca_file]),
                               capture_output=True, timeout=timeout)
            rc, out, err = p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            rc, out, err = -999, "", "timed out after %ss" % timeout
        return rc, out, err, time.time() - t0
