#!/usr/bin/python3
"""tests/world/world.py - the DNS test world: real Knot + Unbound in a network namespace.

A World is one network namespace (unique name, removed afterwards) holding:

    127.0.0.1   Unbound, recursive and validating, as real users have it; the
                namespace's resolv.conf (/etc/netns/<ns>/resolv.conf) names it
    127.0.0.2   Knot, authoritative for a signed fake root ".", the TLDs and
                every fixture zone (rate limiting off: no mod-rrl)
    127.0.0.3   a refusing server (an Unbound interface with
                interface-action refuse): a lame delegation answers REFUSED
    198.18.0.53 a dead server: routed into lo where nothing owns the address,
                so packets to it vanish silently (a timeout)

Ports 25 and 443 stay free (the transport checks run Postfix and nginx there).
Unbound primes from the fake root; the root's DS is the trust anchor, written
at run time (World.trust_anchor), so secure, insecure and bogus answers are
all real.  Servers run in the foreground as our children and are stopped by
PID; the namespace, its /etc/netns entry and the work directory are removed.

Zone data comes from replay-style text (the zone: section of a case file,
docs/testing.md); zone_plan() turns it into zones:

  * one zone per registrable-looking apex: the last two labels (example.test.),
    /24 reverse zones (2.0.192.in-addr.arpa.), /32 ip6.arpa zones; every TLD
    and the root above them, with SOA, NS, glue and delegations synthesised;
  * $SECURE NAME           NAME's zone (a cut at NAME if it is no apex) is
                           signed, with DS in a signed parent: answers secure;
  * NAME TYPE SERVFAIL     a cut at NAME delegated to the refusing server;
  * NAME TYPE TIMEOUT      a cut at NAME delegated to the dead server;
  * NAME TYPE BOGUS        a cut at NAME, signed, whose DS in the parent does
                           not match its key: validation fails.
  * NAME NS TARGET         NAME becomes an apex; when every target has an
                           address in the data, those addresses go on lo,
                           Knot answers there, and the zone's NS set is the
                           case's alone (else the world's own is added).
  Markers cut the whole name (every type, every name below): data hidden by a
  lame or dead cut is dropped and listed in World.notes (a case's exact
  assertions then say whether the scenario still holds).
"""
import ipaddress
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid

import live

UNBOUND_ADDR = "127.0.0.1"
KNOT_ADDR = "127.0.0.2"
REFUSE_ADDR = "127.0.0.3"
DEAD_ADDR = "198.18.0.53"
DEAD_NET = "198.18.0.0/15"
ROOT_NS = "a.root-servers.mailsec-world."
DEFAULT_TTL = 300

# libunbound's and Unbound's built-in local zones (src/dns/resolver_unbound.c has the same list)
LOCAL_ZONES = (
    ["localhost.", "127.in-addr.arpa.", "1." + "0." * 31 + "ip6.arpa.", "onion.", "test.",
     "invalid.", "home.arpa.", "10.in-addr.arpa.", "168.192.in-addr.arpa.", "0.in-addr.arpa.",
     "254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
     "113.0.203.in-addr.arpa.", "255.255.255.255.in-addr.arpa.", "0." * 32 + "ip6.arpa.",
     "d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.",
     "b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa."]
    + ["%d.172.in-addr.arpa." % i for i in range(16, 32)]
    + ["%d.100.in-addr.arpa." % i for i in range(64, 128)])

MARKERS = ("SERVFAIL", "TIMEOUT", "BOGUS")


class WorldError(Exception):
    """The world cannot be built (missing tools, no namespaces) or cannot express a scenario."""


# ---- names ----------------------------------------------------------------------

def absname(n):
    n = n.strip().lower()
    return n if n.endswith(".") else n + "."


def labels(n):
    return [l for l in re.split(r"(?<!\\)\.", n) if l]


def is_below(name, zone):
    """name at or below zone (both absolute, lower case)."""
    return zone == "." or name == zone or name.endswith("." + zone)


def parent_name(name):
    """The name one label up ("." for a TLD)."""
    ls = labels(name)
    return ".".join(ls[1:]) + "." if len(ls) > 1 else "."


def closest_zone(name, zones):
    """The deepest zone apex at or above name."""
    while name not in zones:
        name = parent_name(name)
    return name


def default_apex(name):
    """The zone apex a name would live under in a registry-like world."""
    ls = labels(name)
    if not ls:
        return "."
    if name.endswith(".in-addr.arpa."):
        octets = ls[:-2]
        return ".".join(octets[-3:] + ["in-addr", "arpa"]) + "." if len(octets) >= 3 else "arpa."
    if name.endswith(".ip6.arpa."):
        nib = ls[:-2]
        return ".".join(nib[-8:] + ["ip6", "arpa"]) + "." if len(nib) >= 8 else "arpa."
    if len(ls) == 1:
        return ls[0] + "."
    return ".".join(ls[-2:]) + "."


def tld_of(zone):
    ls = labels(zone)
    return ls[-1] + "." if ls else "."


# ---- replay-style zone text ---------------------------------------------------------

def strip_comment(line):
    out, q, esc = [], False, False
    for ch in line:
        if esc:
            out.append(ch)
            esc = False
            continue
        if ch == "\\":
            esc = True
        elif ch == '"':
            q = not q
        elif ch == ";" and not q:
            break
        out.append(ch)
    return "".join(out).rstrip()


def parse_zone_text(text):
    """(records, markers, secure): records are (owner, ttl, type, rdata) with absolute lower-case owners."""
    records, markers, secure = [], [], []
    for raw in text.splitlines():
        line = strip_comment(raw)
        if not line.strip():
            continue
        f = line.split()
        if f[0] == "$SECURE":
            secure.append(absname(f[1]))
            continue
        owner = absname(f[0])
        i = 1
        ttl = DEFAULT_TTL
        if i < len(f) and f[i].isdigit():
            ttl = int(f[i])
            i += 1
        if i < len(f) and f[i].upper() == "IN":
            i += 1
        if i >= len(f):
            raise WorldError("no type: %r" % raw)
        rtype = f[i].upper()
        rest = line.split(None, i + 1)[i + 1] if len(f) > i + 1 else ""
        if rest.strip().upper() in MARKERS:
            markers.append((owner, rtype, rest.strip().upper()))
            continue
        records.append((owner, ttl, rtype, rest.strip()))
    return records, markers, secure


class Zone:
    def __init__(self, apex, kind="normal"):
        self.apex = apex
        self.kind = kind            # normal | lame | dead | bogus | external
        self.server = None          # external: the address of the caller's own server
        self.signed = kind == "bogus"
        self.records = []           # (owner, ttl, type, rdata)
        self.ns_name = None
        self.explicit_ns = None     # the case's own apex NS targets, when they are all reachable
        self.ns_addrs = []          # their addresses (served by Knot)
        self.glue = []              # (name, type, address) for the parent
        self.parent = None
        self.children = []


def zone_plan(records, markers, secure, extra_apexes=(), notes=None, external=None):
    """Zones (dict apex -> Zone) for the data; raises WorldError when inexpressible.
    What the world had to change (data hidden by a failing cut) is appended to notes.
    external: {apex: address}: cuts delegated (unsigned, with glue) to servers the
    caller runs itself at those addresses (a misbehaving one); Knot does not serve them."""
    notes = notes if notes is not None else []
    cuts = {}
    for owner, rtype, outcome in markers:
        kind = {"SERVFAIL": "lame", "TIMEOUT": "dead", "BOGUS": "bogus"}[outcome]
        if cuts.get(owner, kind) != kind:
            raise WorldError("%s is marked both %s and %s" % (owner, cuts[owner], kind))
        cuts[owner] = kind
    zones = {".": Zone(".")}

    def ensure(apex, kind="normal"):
        if apex not in zones:
            zones[apex] = Zone(apex, kind)
        return zones[apex]

    names = (set(r[0] for r in records) | set(cuts) | set(secure) | set(extra_apexes)
             | set(absname(n) for n in (external or {})))
    for n in names:
        ensure(tld_of(n)) if n != "." else None
        ap = default_apex(n)
        if ap != ".":
            ensure(ap)
    for n in extra_apexes:
        ensure(n)
    # explicit NS records below an apex are delegations: their owner is a cut
    for owner, ttl, rtype, rdata in records:
        if rtype == "NS" and owner not in zones:
            ensure(owner)
    for n, kind in cuts.items():
        if n == ".":
            raise WorldError("cannot fail the root")
        z = ensure(n, kind)
        z.kind = kind
        z.signed = z.signed or kind == "bogus"
    for n, addr in (external or {}).items():
        n = absname(n)
        if n == "." or n in cuts:
            raise WorldError("%s cannot be both external and failing (or the root)" % n)
        z = ensure(n, "external")
        z.kind, z.server = "external", str(ipaddress.ip_address(addr))
    for n in secure:
        ensure(n).signed = True
    for z in zones.values():
        if z.apex == ".":
            continue
        z.parent = closest_zone(parent_name(z.apex), zones)
        zones[z.parent].children.append(z.apex)
    # the root and the TLDs are always signed, so unsigned zones are provably insecure;
    # a signed zone needs a signed chain above it
    for z in list(zones.values()):
        if len(labels(z.apex)) <= 1:
            z.signed = True
    for z in list(zones.values()):
        if z.signed:
            p = z.parent
            while p is not None:
                zones[p].signed = True
                p = zones[p].parent
    # place records
    for rec in records:
        owner = rec[0]
        home = closest_zone(owner, zones)
        z = zones[home]
        if z.kind in ("lame", "dead", "external"):
            # The real world cannot fail one type and answer another at a name: the
            # whole name fails.  The data it hides is dropped (noted); the case's
            # exact assertions then tell whether the scenario still holds.
            notes.append("%s %s is hidden behind the %s delegation at %s"
                         % (owner, rec[2], {"lame": "lame"}.get(z.kind, z.kind), home))
            continue
        if rec[2] == "NS" and owner == home:
            z.records.append(rec)   # published beside the world's own NS
            continue
        z.records.append(rec)
    # Zones whose apex NS records the case gives, with addresses for every
    # target, are served by exactly those nameservers: the addresses are put
    # on lo and Knot listens there too.  Otherwise the world's own nameserver
    # is published beside them.
    addr_of = {}
    for owner, ttl, rtype, rdata in records:
        if rtype in ("A", "AAAA"):
            try:
                ip = ipaddress.ip_address(rdata.strip())
            except ValueError:
                continue
            addr_of.setdefault(owner, []).append((rtype, str(ip)))
    for z in zones.values():
        targets = [absname(r[3]) for r in z.records if r[2] == "NS" and r[0] == z.apex]
        if z.kind in ("normal", "bogus") and targets and all(t in addr_of for t in targets):
            z.explicit_ns = targets
            for t in targets:
                for rtype, ip in addr_of[t]:
                    if ip in (UNBOUND_ADDR, REFUSE_ADDR, DEAD_ADDR):
                        raise WorldError("%s %s is an address the world itself uses" % (t, ip))
                    z.ns_addrs.append(ip)
                    if is_below(t, z.apex):
                        z.glue.append((t, rtype, ip))
    for z in zones.values():
        taken = set(r[0] for r in z.records)
        for cand in ("ns", "ns0", "ns-world", "ns-world0"):
            nm = cand + "." + (z.apex if z.apex != "." else "")
            if z.apex == ".":
                nm = ROOT_NS
            if nm not in taken:
                z.ns_name = nm
                break
        if z.ns_name is None:
            raise WorldError("no free name for %s's nameserver" % z.apex)
    return zones


def ns_address(z):
    if z.kind == "external":
        return z.server
    return {"normal": KNOT_ADDR, "bogus": KNOT_ADDR, "lame": REFUSE_ADDR, "dead": DEAD_ADDR}[z.kind]


# ---- the world ----------------------------------------------------------------------

def have_tools():
    missing = [t for t in ("ip", "knotd", "knotc", "keymgr", "unbound", "kdig") if shutil.which(t) is None]
    return missing


class World:
    """Start with World(zones).start(); always stop() (or use as a context manager)."""

    def __init__(self, zones, workdir=None, log=None, netns=None):
        """netns: join that existing namespace (the mail world's) instead of making one;
        it is then neither created nor deleted here."""
        self.zones = zones
        self.joined = netns is not None
        self.ns = netns or "msw-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])
        self.dir = workdir or tempfile.mkdtemp(prefix="mailsec-world-")
        self.procs = {}
        self.netns_created = False
        self.etc = os.path.join("/etc/netns", self.ns)
        self.trust_anchor = os.path.join(self.dir, "root.ds")
        self.log = log or (lambda s: None)
        self.notes = []

    # -- helpers
    def _run(self, argv, check=True, timeout=60, input=None):
        p = subprocess.run(argv, capture_output=True, timeout=timeout, input=input)
        if check and p.returncode != 0:
            raise WorldError("%s failed (%d): %s" % (" ".join(argv[:6]), p.returncode,
                                                     (p.stderr or p.stdout).decode("utf-8", "replace")[-2000:]))
        return p.stdout.decode("utf-8", "replace")

    def nsexec(self, argv):
        """argv prefixed to run inside the namespace."""
        return ["ip", "netns", "exec", self.ns] + list(argv)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def knot_addrs(self):
        """Where Knot listens: its own address and every nameserver address a case names."""
        extra = sorted(set(a for z in self.zones.values() for a in z.ns_addrs) - {KNOT_ADDR})
        return [KNOT_ADDR] + extra

    # -- zones and keys
    def _keys(self):
        kdir = os.path.join(self.dir, "keys")
        os.makedirs(kdir, exist_ok=True)
        ds = {}
        for z in self.zones.values():
            if not z.signed:
                continue
            self._run(["keymgr", "-D", kdir, z.apex, "generate", "algorithm=13", "ksk=yes", "zsk=yes"])
            lines = [l for l in self._run(["keymgr", "-D", kdir, z.apex, "ds"]).splitlines()
                     if re.search(r"\sDS\s+\d+\s+13\s+2\s", l)]
            if not lines:
                raise WorldError("keymgr printed no DS for %s" % z.apex)
            ds[z.apex] = lines
        return ds

    def _zone_text(self, z, ds):
        apex = z.apex
        mname = z.explicit_ns[0] if z.explicit_ns else z.ns_name
        out = ["%s 3600 IN SOA %s hostmaster.%s 1 3600 900 604800 %d"
               % (apex, mname, apex if apex != "." else "", DEFAULT_TTL)]
        if not z.explicit_ns:
            out += ["%s 3600 IN NS %s" % (apex, z.ns_name), "%s 3600 IN A %s" % (z.ns_name, KNOT_ADDR)]
        for owner, ttl, rtype, rdata in z.records:
            out.append("%s %d IN %s %s" % (owner, ttl, rtype, rdata))
        for c in sorted(z.children):
            cz = self.zones[c]
            if not cz.explicit_ns:
                out.append("%s 3600 IN NS %s" % (c, cz.ns_name))
                if is_below(cz.ns_name, c):
                    out.append("%s 3600 IN A %s" % (cz.ns_name, ns_address(cz)))
            for owner, ttl, rtype, rdata in cz.records:
                if rtype == "NS" and owner == c:
                    out.append("%s %d IN NS %s" % (owner, ttl, rdata))
            for name, rtype, ip in cz.glue:
                out.append("%s 3600 IN %s %s" % (name, rtype, ip))
            for line in ds.get(c, []):
                f = line.split()
                digest = f[-1]
                if cz.kind == "bogus":     # a DS that matches no key of the child
                    digest = ("0" if digest[0] != "0" else "1") + digest[1:]
                out.append("%s 3600 IN DS %s %s" % (c, " ".join(f[2:-1]), digest))
        return "\n".join(out) + "\n"

    def _knot_conf(self):
        d = self.dir
        zl = []
        for z in self.zones.values():
            if z.kind in ("lame", "dead", "external"):
                continue
            fname = "root" if z.apex == "." else z.apex.rstrip(".")
            zl.append('  - domain: "%s"\n    file: "%s/zones/%s.zone"\n%s'
                      % (z.apex, d, fname,
                         "    dnssec-signing: on\n    dnssec-policy: manual\n" if z.signed else ""))
        return """server:
    rundir: "{d}/knot"
    pidfile: "{d}/knot/knot.pid"
    listen: [ {listen} ]
    udp-workers: 2
    tcp-workers: 1
    background-workers: 2
log:
  - target: "{d}/knot/knot.log"
    any: warning
database:
    storage: "{d}/knot/db"
    kasp-db: "{d}/keys"
control:
    listen: "{d}/knot/knot.sock"
policy:
  - id: manual
    manual: on
template:
  - id: default
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
{zones}""".format(d=d, listen=", ".join("%s@53" % a for a in self.knot_addrs()), zones="".join(zl))

    def _unbound_conf(self):
        d = self.dir
        lz = "".join('  local-zone: "%s" transparent\n' % z for z in LOCAL_ZONES)
        return """server:
  verbosity: 1
  username: ""
  chroot: ""
  directory: "{d}"
  pidfile: "{d}/unbound.pid"
  logfile: "{d}/unbound.log"
  use-syslog: no
  num-threads: 1
  interface: {ub}
  interface: {ref}
  interface-action: {ref} refuse
  port: 53
  do-ip6: yes
  so-reuseport: no
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  root-hints: "{d}/root.hints"
  trust-anchor-file: "{d}/root.ds"
  module-config: "validator iterator"
  val-log-level: 2
  ede: yes
  num-queries-per-thread: 4096
  outgoing-range: 8192
  infra-cache-min-rtt: 50
{lz}
remote-control:
  control-enable: no
""".format(d=d, ub=UNBOUND_ADDR, ref=REFUSE_ADDR, lz=lz)

    # -- life cycle
    def start(self):
        missing = have_tools()
        if missing:
            raise WorldError("missing programs: %s (scripts/install-deps)" % ", ".join(missing))
        t0 = time.time()
        d = self.dir
        live.register(self)
        for sub in ("zones", "knot", "knot/db"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        if not self.joined:
            try:
                self._run(["ip", "netns", "add", self.ns])
            except (WorldError, OSError) as e:
                raise WorldError("cannot create a network namespace: %s" % e)
            self.netns_created = True
        try:
            self._run(["ip", "-n", self.ns, "link", "set", "lo", "up"])
            for a in [REFUSE_ADDR] + self.knot_addrs():
                if ":" in a:
                    self._run(["ip", "-n", self.ns, "addr", "add", a + "/128", "dev", "lo", "nodad"])
                else:
                    self._run(["ip", "-n", self.ns, "addr", "add", a + "/32", "dev", "lo"])
            self._run(["ip", "-n", self.ns, "route", "add", DEAD_NET, "dev", "lo"])
            os.makedirs(self.etc, exist_ok=True)
            with open(os.path.join(self.etc, "resolv.conf"), "w") as f:
                f.write("nameserver %s\n" % UNBOUND_ADDR)

            ds = self._keys()
            for z in self.zones.values():
                if z.kind in ("lame", "dead", "external"):
                    continue
                fname = "root" if z.apex == "." else z.apex.rstrip(".")
                with open(os.path.join(d, "zones", fname + ".zone"), "w") as f:
                    f.write(self._zone_text(z, ds))
            with open(self.trust_anchor, "w") as f:
                f.write("\n".join(ds["."]) + "\n")
            with open(os.path.join(d, "root.hints"), "w") as f:
                f.write(". 3600000 NS %s\n%s 3600000 A %s\n" % (ROOT_NS, ROOT_NS, KNOT_ADDR))
            with open(os.path.join(d, "knot.conf"), "w") as f:
                f.write(self._knot_conf())
            with open(os.path.join(d, "unbound.conf"), "w") as f:
                f.write(self._unbound_conf())

            self._spawn("knot", ["knotd", "-c", os.path.join(d, "knot.conf")])
            self._wait_knot()
            self._spawn("unbound", ["unbound", "-d", "-c", os.path.join(d, "unbound.conf")])
            self._wait_dns(UNBOUND_ADDR, ".", "SOA")
        except BaseException:
            self.stop()
            raise
        self.log("world %s up in %.2f s (%d zones)" % (self.ns, time.time() - t0, len(self.zones)))
        return self

    # -- for servers of later checks (Postfix on 25, nginx on 443: both ports are free)
    def add_address(self, ip):
        """Put ip (a fixture address such as an MX host's 192.0.2.25) on the namespace's lo."""
        ip = str(ipaddress.ip_address(ip))
        if ip in getattr(self, "_added", set()) or ip in self.knot_addrs() or ip == REFUSE_ADDR:
            return
        argv = ["ip", "-n", self.ns, "addr", "add", ip + ("/128" if ":" in ip else "/32"), "dev", "lo"]
        self._run(argv + (["nodad"] if ":" in ip else []))
        self._added = getattr(self, "_added", set()) | {ip}

    def spawn(self, name, argv):
        """Start a server (foreground, our child) inside the namespace; stop() ends it by PID.
        Its output goes to <world dir>/<name>.stderr."""
        if name in self.procs:
            raise WorldError("a server named %s is already running" % name)
        self._spawn(name, argv)
        return self.procs[name]

    def _spawn(self, name, argv):
        errf = open(os.path.join(self.dir, name + ".stderr"), "wb")
        self.procs[name] = subprocess.Popen(self.nsexec(argv), stdout=errf, stderr=errf,
                                            stdin=subprocess.DEVNULL)
        errf.close()

    def _check_alive(self):
        for name, p in self.procs.items():
            if p.poll() is not None:
                errs = ""
                for fn in (name + ".stderr", "knot/knot.log", "unbound.log"):
                    path = os.path.join(self.dir, fn)
                    if os.path.exists(path):
                        errs += open(path, errors="replace").read()[-1500:]
                raise WorldError("%s exited with %s: %s" % (name, p.returncode, errs))

    def _wait_port(self, addr, limit=30):
        """Until something listens on addr:53/udp (kdig would wait a whole second otherwise)."""
        deadline = time.time() + limit
        while True:
            self._check_alive()
            p = subprocess.run(self.nsexec(["ss", "-H", "-lnu", "src", addr + ":53"]),
                               capture_output=True, timeout=10)
            if p.stdout.strip():
                return
            if time.time() > deadline:
                raise WorldError("nothing listens on %s:53 after %d s" % (addr, limit))
            time.sleep(0.02)

    def _wait_knot(self, limit=60):
        self._wait_port(KNOT_ADDR)
        served = [z.apex for z in self.zones.values() if z.kind not in ("lame", "dead", "external")]
        deadline = time.time() + limit
        while True:
            self._check_alive()
            argv = ["kdig", "@" + KNOT_ADDR, "+norec", "+short", "+time=1", "+retry=0"]
            for a in served:
                argv += [a, "SOA"]
            p = subprocess.run(self.nsexec(argv), capture_output=True, timeout=30)
            got = sum(1 for l in p.stdout.decode().splitlines() if l.strip())
            if got >= len(served):
                return
            # A zone Knot will not load (CNAME beside other data, ...) never appears.
            logf = os.path.join(self.dir, "knot", "knot.log")
            if os.path.exists(logf):
                errs = [l for l in open(logf, errors="replace") if " error: " in l]
                if any("failed to load" in l or "'load' failed" in l for l in errs):
                    raise WorldError("Knot refuses the zone data: " +
                                     " / ".join(l.split(" error: ", 1)[1].strip() for l in errs[:3]))
            if time.time() > deadline:
                raise WorldError("Knot served %d of %d zones after %d s" % (got, len(served), limit))
            time.sleep(0.05)

    def _wait_dns(self, addr, name, rtype, limit=30):
        self._wait_port(addr)
        deadline = time.time() + limit
        while True:
            self._check_alive()
            p = subprocess.run(self.nsexec(["kdig", "@" + addr, "+short", "+time=1", "+retry=0",
                                            name, rtype]), capture_output=True, timeout=10)
            if p.returncode == 0 and p.stdout.strip():
                return
            if time.time() > deadline:
                raise WorldError("no answer from %s for %s %s after %d s" % (addr, name, rtype, limit))
            time.sleep(0.05)

    def stop(self):
        for name, p in list(self.procs.items()):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = {}
        if self.netns_created or not self.joined:
            # also when start() was interrupted between creating it and saying so
            subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
            self.netns_created = False
        shutil.rmtree(self.etc, ignore_errors=True)
        if os.environ.get("MAILSEC_WORLD_KEEP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
        live.unregister(self)

    # -- running things inside
    def mailsec(self, binary, args, timeout=120, wrapper=None):
        """Run mailsec inside the namespace with the world's trust anchor: (rc, stdout, stderr)."""
        argv = list(wrapper or []) + [binary] + list(args) + ["--trust-anchor", self.trust_anchor]
        try:
            p = subprocess.run(self.nsexec(argv), capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return -999, "", "timed out after %ss" % timeout
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def dig(self, *args):
        return self._run(self.nsexec(["kdig", "@" + UNBOUND_ADDR] + list(args)), check=False)


def world_from_text(text, extra_apexes=(), log=None, netns=None, external=None):
    """A World for replay-style zone text; its notes list what could not be kept.
    netns: serve it inside that existing namespace (see World); external: {apex:
    address} cuts delegated to servers the caller spawns there (see zone_plan)."""
    records, markers, secure = parse_zone_text(text)
    notes = []
    w = World(zone_plan(records, markers, secure, extra_apexes, notes, external), log=log, netns=netns)
    w.notes = notes
    return w


def main(argv):
    """tests/world/world.py FILE [COMMAND...]: a world from a case or zone file; run COMMAND
    (default: a shell) inside it, with MAILSEC_TRUST_ANCHOR naming the fake root's key."""
    import sys
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(main.__doc__)
        return 2
    text = open(argv[1], encoding="utf-8").read()
    if "\nzone:\n" in text:
        text = text.split("\nzone:\n", 1)[1]
    w = world_from_text(text, log=lambda s: print(s, file=sys.stderr))
    cmd = argv[2:] or [os.environ.get("SHELL", "/bin/sh")]
    try:
        w.start()
        print("world: namespace %s; trust anchor %s; resolver %s (resolv.conf)"
              % (w.ns, w.trust_anchor, UNBOUND_ADDR), file=sys.stderr)
        env = dict(os.environ, MAILSEC_TRUST_ANCHOR=w.trust_anchor)
        return subprocess.run(w.nsexec(cmd), env=env).returncode
    finally:
        w.stop()


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv))
