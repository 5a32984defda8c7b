"""tests/groups/stub.py - the stub backend's socket pool: replies matched by ID and question (issue 23).

`check --resolver-validates` asks a small DNS server this file runs on
loopback (UDP, one thread, so it sees every query in flight) about a few
hundred synthetic domains (MX, SPF, DMARC, TLS-RPT), three ways:

- clean: every query answered at once.  The server counts queries per
  source port: the stub must reuse its sockets (many queries a port, where
  it once made a socket per query) and retire each after 256 queries.
- noisy: before each answer the server sends a reply with a wrong ID, and a
  reply with the right ID but the question and answer of another query from
  the same port (a crossed late reply, or a forgery that guessed the ID);
  and the first query of every seventh question is held and answered only
  after the stub asked again (a new ID): the late reply to the old ID
  arrives first.  None of it may be taken for an answer: the JSON must be
  the clean run's, byte for byte (but the generation time).
- flood: twenty replies with wrong IDs before the first answer on every
  port; the stub retires a socket after sixteen such strays, so no port may
  carry more new questions (retries not counted) than the 32 a socket holds
  at once; the JSON again the clean run's.

- shared: sixty more domains that share one MX host, one SPF include and
  (having no DMARC record) the organisational domain's `_dmarc` name, whose
  negative answers carry the zone's SOA.  All at once, the server holding
  its answers to the shared names for half a second: every question must
  reach the server exactly once (later askers join the question in
  flight).  One domain at a time: a shared question at most twice (the
  stub keeps the answer of a question asked lately before: the second
  asker's), the others answered from the stub's cache, negative answers
  too (for the SOA's negative TTL).  Both times `--stats` must say how
  many lookups were cached or joined, the rest being the questions the
  server saw.

Standard library only; no timing asserted.
"""
import collections
import json
import os
import re
import select
import socket
import struct
import tempfile
import threading
import time
import zlib

from harness import Result
from harness import run as hrun

NAME = "stub"
DOMAINS = 400
SHARED = 60
T = {"A": 1, "MX": 15, "TXT": 16, "AAAA": 28}
SOCK_QUERIES = 256      # STUB_SOCK_QUERIES in src/dns/resolver_stub.c
SOCK_INFLIGHT = 32      # STUB_SOCK_INFLIGHT


def zone():
    """{(name, type number): [rdata bytes]} of the synthetic domains."""
    z = {}

    def txt(s):
        b = s.encode()
        return bytes([len(b)]) + b

    def wire(name):
        return b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0"

    for i in range(DOMAINS):
        d = "d%d.stub.test" % i
        mx = "mx%d.%s" % (i % 3, d)
        z[(d, 15)] = [struct.pack("!H", 10) + wire(mx)]
        z[(mx, 1)] = [socket.inet_aton("192.0.2.%d" % (1 + i % 250))]
        if i % 5:
            z[(mx, 28)] = [socket.inet_pton(socket.AF_INET6, "2001:db8::%x" % (i + 1))]
        z[(d, 16)] = [txt("v=spf1 mx %sall" % "-~?"[i % 3])]
        if i % 4:
            z[("_dmarc." + d, 16)] = [txt("v=DMARC1; p=%s; rua=mailto:r@%s" % (("none", "quarantine", "reject")[i % 3], d))]
        if i % 2:
            z[("_smtp._tls." + d, 16)] = [txt("v=TLSRPTv1; rua=mailto:t@%s" % d)]
    for i in range(SHARED):
        d = "s%d.share.stub.test" % i
        z[(d, 15)] = [struct.pack("!H", 10) + wire("mx.share.stub.test")]
        z[(d, 16)] = [txt("v=spf1 include:_spf.share.stub.test mx -all")]
    z[("mx.share.stub.test", 1)] = [socket.inet_aton("192.0.2.200")]
    z[("_spf.share.stub.test", 16)] = [txt("v=spf1 ip4:192.0.2.0/24 -all")]
    return z


# stub.test's SOA (RFC 2308 §3: in the authority section of a negative answer; negative TTL 60)
SOA = (b"\x04stub\x04test\x00" + struct.pack("!HHIH", 6, 1, 300, 2 + 4 + 20) + b"\x00" +
       b"\x03\x66\x6f\x6f\x00" + struct.pack("!IIIII", 1, 3600, 600, 86400, 60))


class Server:
    """A UDP DNS server on 127.0.0.1 in a thread of its own; mode: clean, noisy or flood."""

    def __init__(self, data):
        self.data = data
        self.names = {n for n, _ in data}
        self.mode = "clean"
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.reset()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def reset(self):
        self.per_port = {}      # source port -> queries
        self.last = {}          # source port -> the last (question, reply body after the ID)
        self.held = {}          # question -> (address, id) of the held first query
        self.seen = set()       # questions asked before (noisy)
        self.asked = set()      # questions asked before
        self.strays = 0
        self.flooded = set()    # ports whose first answer came after 20 strays
        self.first = {}         # source port -> questions first asked there (retries not counted)
        self.count = collections.Counter()     # question (lower case) -> times asked
        self.hold = 0           # seconds the answers to the shared names are held
        self.later = []         # (when, reply, address) held

    def reply(self, q):
        """(question bytes, reply without its ID) for query q, or None."""
        if len(q) < 17 or struct.unpack("!H", q[4:6])[0] != 1:
            return None
        i, labels = 12, []
        while i < len(q) and q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode("latin-1").lower())
            i += 1 + q[i]
        if i + 5 > len(q):
            return None
        qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
        question = q[12:i + 5]
        name = ".".join(labels)
        rrs = self.data.get((name, qtype), [])
        exists = name in self.names or any(n.endswith("." + name) for n in self.names)
        flags = 0x8180 | (0 if exists else 3)
        body = b"".join(b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300, len(rd)) + rd for rd in rrs)
        ns = 0 if rrs else 1
        if ns:
            body += SOA
        return question, struct.pack("!HHHHH", flags, 1, len(rrs), ns, 0) + question + body

    def loop(self):
        while not self.stop:
            r, _, _ = select.select([self.sock], [], [], 0.01 if self.later else 0.1)
            now = time.monotonic()
            while self.later and self.later[0][0] <= now:
                self.sock.sendto(self.later[0][1], self.later[0][2])
                self.later.pop(0)
            if not r:
                continue
            q, addr = self.sock.recvfrom(4096)
            got = self.reply(q)
            if got is None:
                continue
            question, rest = got
            qid = q[:2]
            port = addr[1]
            self.per_port[port] = self.per_port.get(port, 0) + 1
            if question not in self.seen and question not in self.asked:
                self.first[port] = self.first.get(port, 0) + 1
            self.asked.add(question)
            self.count[question.lower()] += 1
            if self.mode == "noisy":
                if question not in self.seen and zlib.crc32(question) % 7 == 0:
                    self.seen.add(question)
                    self.held[question] = (addr, qid)
                    continue            # answered late, after the stub asks again
                self.seen.add(question)
                if question in self.held:
                    old_addr, old_id = self.held.pop(question)
                    self.sock.sendto(old_id + rest, old_addr)
                    self.strays += 1
                wrong = bytes([qid[0] ^ 0x5a, qid[1] ^ 0xa5])
                self.sock.sendto(wrong + rest, addr)
                prev = self.last.get(port)
                if prev and prev[0] != question:
                    self.sock.sendto(qid + prev[1], addr)   # our ID, another question and answer
                    self.strays += 1
                self.strays += 1
                self.last[port] = (question, rest)
            elif self.mode == "flood" and port not in self.flooded:
                self.flooded.add(port)
                for k in range(20):
                    wrong = bytes([qid[0] ^ (k + 1), qid[1] ^ 0x33])
                    self.sock.sendto(wrong + rest, addr)
                self.strays += 20
            if self.hold and (b"\x05share\x04stub" in question or question.startswith(b"\x06_dmarc\x04stub")):
                self.later.append((time.monotonic() + self.hold, qid + rest, addr))
                continue
            self.sock.sendto(qid + rest, addr)

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def audit(args, srv, domains_file, extra=()):
    """(rc, normalised JSON text, stderr) of check --resolver-validates through srv."""
    rc, out, err = hrun([args.mailsec, "check", "--json", "--no-smtp", "--only", "mx,spf,dmarc,tls-rpt",
                         "--resolver", "127.0.0.1@%d" % srv.port, "--resolver-validates", "--stats",
                         "--timeout", "10", "--domains", domains_file] + list(extra), wrapper=args.wrapper, timeout=600,
                        env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
    try:
        doc = json.loads(out)
        doc.pop("generated", None)
        text = json.dumps(doc, sort_keys=True)
    except ValueError:
        text = None
    return rc, text, err


def shared(args, srv, tmp):
    """The shared scenario, all at once and one domain at a time; one Result each."""
    df = os.path.join(tmp, "shared.txt")
    with open(df, "w") as f:
        f.write("".join("s%d.share.stub.test\n" % i for i in range(SHARED)))
    res = []
    for label, extra, hold, most in (("all at once, shared answers held 0.5 s", [], 0.5, 1),
                                     ("one domain at a time", ["--concurrency", "1"], 0, 2)):
        srv.reset()
        srv.mode = "clean"
        srv.hold = hold
        rc, text, err = audit(args, srv, df, extra)
        srv.hold = 0
        problems = []
        if text is None or rc not in (0, 1):
            problems.append("exit %d, no JSON document: %s" % (rc, err[-1500:]))
        if "runtime error:" in err or "AddressSanitizer" in err:
            problems.append("sanitizer: " + err[-2000:])
        over = sorted("%r x%d" % (q, n) for q, n in srv.count.items() if n > most)
        if over:
            problems.append("asked more than %d times: %s" % (most, over[:10]))
        m = re.search(r"(\d+) DNS queries \(", err)
        m2 = re.search(r"of the DNS queries, (\d+) answered from the stub resolver's cache and (\d+) joined to "
                       r"the same question in flight, the other (\d+) asked of the resolver", err)
        if not m or not m2:
            problems.append("no --stats line counting cached and joined lookups: %s" % err[-800:])
        else:
            q, cached, joined, asked = int(m.group(1)), int(m2.group(1)), int(m2.group(2)), int(m2.group(3))
            if q != cached + joined + asked or asked != sum(srv.count.values()) or \
                    (joined if most == 1 else cached) < SHARED:
                problems.append("--stats: %d queries, %d cached, %d joined, %d asked; the server saw %d"
                                % (q, cached, joined, asked, sum(srv.count.values())))
        dm = "\x06_dmarc\x04stub\x04test\x00".encode()
        if not any(k.startswith(dm) for k in srv.count):
            problems.append("the organisational domain's _dmarc.stub.test was not asked: %s" % sorted(srv.count)[:10])
        res.append(Result(NAME, "shared, %s: %d domains sharing an MX host, an SPF include and a denied _dmarc "
                          "name (SOA): each of %d questions reached the server %s" %
                          (label, SHARED, len(srv.count), "once" if most == 1 else "at most twice"),
                          "fail" if problems else "pass", "\n".join(problems)))
    return res


def run(args):
    res = []
    tmp = tempfile.mkdtemp(prefix="mailsec-stub-")
    df = os.path.join(tmp, "domains.txt")
    with open(df, "w") as f:
        f.write("".join("d%d.stub.test\n" % i for i in range(DOMAINS)))
    srv = Server(zone())
    try:
        rc, clean, err = audit(args, srv, df)
        ports = dict(srv.per_port)
        q = sum(ports.values())
        problems = []
        if clean is None or rc not in (0, 1):
            problems.append("exit %d, no JSON document: %s" % (rc, err[-1500:]))
        elif clean.count('"domain"') < DOMAINS:
            problems.append("fewer than %d domains in the document" % DOMAINS)
        if "runtime error:" in err or "AddressSanitizer" in err:
            problems.append("sanitizer: " + err[-2000:])
        if not ports or q < 8 * len(ports):
            problems.append("%d queries over %d source ports: sockets are not reused" % (q, len(ports)))
        if ports and max(ports.values()) > SOCK_QUERIES:
            problems.append("a port carried %d queries, want at most %d" % (max(ports.values()), SOCK_QUERIES))
        res.append(Result(NAME, "clean: %d domains, %d queries over %d source ports (at most %d a port)"
                          % (DOMAINS, q, len(ports), SOCK_QUERIES), "fail" if problems else "pass",
                          "\n".join(problems)))
        for mode, label in (("noisy", "a wrong ID, a crossed reply (our ID, another question) before every "
                                      "answer; every seventh question answered late, after the retry"),
                            ("flood", "twenty wrong-ID replies before a port's first answer: a socket retired "
                                      "after sixteen, at most %d questions a port" % SOCK_INFLIGHT)):
            srv.reset()
            srv.mode = mode
            rc2, text, err2 = audit(args, srv, df)
            ports = dict(srv.per_port)
            problems = []
            if text is None or rc2 != rc:
                problems.append("exit %d (clean: %d): %s" % (rc2, rc, err2[-1500:]))
            elif text != clean:
                a, b = json.loads(clean), json.loads(text)
                diff = [x["domain"] for x, y in zip(a.get("domains", []), b.get("domains", [])) if x != y]
                problems.append("the JSON differs from the clean run's, domains: %s" % diff[:20])
            if "runtime error:" in err2 or "AddressSanitizer" in err2:
                problems.append("sanitizer: " + err2[-2000:])
            if srv.strays == 0:
                problems.append("the server sent no stray reply")
            first = dict(srv.first)
            over = sorted(n for n in first.values() if n > SOCK_INFLIGHT)
            if mode == "flood" and len(over) > 2:
                problems.append("%d of %d ports carried more than %d new questions (%s), want at most 2 (a "
                                "port number the kernel gave a later socket again)"
                                % (len(over), len(first), SOCK_INFLIGHT, over[-10:]))
            res.append(Result(NAME, "%s: %s (%d strays, %d ports): the clean run's JSON" % (mode, label, srv.strays,
                                                                                        len(ports)),
                              "fail" if problems else "pass", "\n".join(problems)))
        res += shared(args, srv, tmp)
    finally:
        srv.close()
    return res
