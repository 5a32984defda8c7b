"""tests/groups/perf.py - mailsec-spf gives what `mailsec spf eval` gives; check's audits in flight are clamped.

mailsec-spf (docs/performance.md) is `mailsec spf eval` in a process that
starts in a millisecond: the same runner (src/cli/spf_run.c) over a stub
resolver instead of libunbound.  Here both programs evaluate the same
clients over the same data and must print the same bytes:

- through the replay resolver: every tests/cases/spf/*.case, one --batch each;
- through the network: a small DNS server on loopback (this file) serves each
  case's records (A, AAAA, MX, TXT), and both programs ask it as their
  recursive resolver (--resolver 127.0.0.1@PORT): libunbound for mailsec,
  the stub for mailsec-spf; one scenario answers every UDP query truncated
  (so both go over TCP) after a forged reply with a wrong ID (which both
  must ignore);
- nobody listening on the resolver's port: both exit 2 and name it.

And `check --concurrency 100000 --stats` over 300 replayed domains keeps at
most ENGINE_MAX_INFLIGHT (100) audits in flight (src/engine/engine.h).
And through a resolver that never answers (tests/world/silent_dns.py),
`check --timeout 0.3 --concurrency 100000` over 5,000 domains ends (within
300 s) with every domain unknown and a peak RSS under 64 MB (plain build).
And `check --jsonl`/`--json --domains`, `spf eval --batch` and mailsec-spf
--batch leave their output pipe at 1 MiB or more (util/pipesize.c: a reader
that falls behind must not stall the lookups).
No timing is asserted.
"""
import glob
import os
import re
import shutil
import socket
import socketserver
import struct
import tempfile
import threading

from harness import ROOT, Result
from harness import run as hrun

NAME = "perf"
SIMPLE = {"A", "AAAA", "MX", "TXT"}
T = {"A": 1, "MX": 15, "TXT": 16, "AAAA": 28}


def case_parts(path):
    """(domain, helo or None, zone lines) of a case file."""
    text = open(path).read()
    m = re.search(r"^command:\s*check\s+(\S+)(.*)$", text, re.M)
    helo = re.search(r"--helo\s+(\S+)", m.group(2)) if m else None
    zone = text.split("\nzone:\n", 1)[1] if "\nzone:\n" in text else ""
    lines = [ln.split(";")[0].strip() for ln in zone.splitlines()]
    return (m.group(1) if m else None, helo.group(1) if helo else None, [ln for ln in lines if ln])


def parse_zone(lines):
    """{(name, TYPE): [rdata text]} if every line is a simple record, else None."""
    data = {}
    for ln in lines:
        parts = ln.split(None, 2)
        if len(parts) < 3 or parts[0].startswith("$") or "*" in parts[0]:
            return None
        name, typ, rdata = parts[0].lower().rstrip("."), parts[1].upper(), parts[2]
        if typ not in SIMPLE or rdata.strip() in ("SERVFAIL", "TIMEOUT", "SILENT", "BOGUS"):
            return None
        data.setdefault((name, typ), []).append(rdata)
    return data


def batch_lines(domain, helo, data):
    """Clients worth asking about: the zone's addresses and two strangers."""
    ips = [r for (n, t), rs in sorted(data.items()) if t in ("A", "AAAA") for r in rs][:6]
    ips += ["192.0.2.99", "2001:db8::99"]
    return "".join("%s\tpostmaster@%s\t%s\n" % (ip, domain, helo or "mail." + domain) for ip in ips)


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def txt_rdata(text):
    chunks = re.findall(r'"((?:[^"\\]|\\.)*)"', text)
    out = b""
    for c in chunks:
        b = c.replace('\\"', '"').encode()
        for i in range(0, max(len(b), 1), 255):
            piece = b[i:i + 255]
            out += bytes([len(piece)]) + piece
    return out


def rdata(typ, text):
    if typ == "A":
        return socket.inet_pton(socket.AF_INET, text.strip())
    if typ == "AAAA":
        return socket.inet_pton(socket.AF_INET6, text.strip())
    if typ == "MX":
        pref, host = text.split()
        return struct.pack("!H", int(pref)) + wire_name(host)
    return txt_rdata(text)


class Zone:
    """What the loopback server answers; swapped per scenario."""
    data = {}
    truncate_udp = False
    forge_first = False
    queries = 0
    tcp_queries = 0


def answer(query, tcp):
    """A reply to one query from Zone.data (NXDOMAIN, NODATA or the records)."""
    qid, _flags, qd = struct.unpack("!HHH", query[:6])
    if qd != 1:
        return None
    i, labels = 12, []
    while query[i]:
        labels.append(query[i + 1:i + 1 + query[i]].decode("latin-1").lower())
        i += 1 + query[i]
    qtype = struct.unpack("!H", query[i + 1:i + 3])[0]
    question = query[12:i + 5]
    name = ".".join(labels)
    Zone.queries += 1
    if tcp:
        Zone.tcp_queries += 1
    names = {n for n, _ in Zone.data}
    typ = {v: k for k, v in T.items()}.get(qtype)
    rrs = Zone.data.get((name, typ), []) if typ else []
    exists = name in names or any(n.endswith("." + name) for n in names)
    rcode = 0 if exists else 3
    flags = 0x8180 | rcode
    if Zone.truncate_udp and not tcp:
        return struct.pack("!HHHHHH", qid, flags | 0x0200, 1, 0, 0, 0) + question
    body = b""
    for r in rrs:
        rd = rdata(typ, r)
        body += b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300, len(rd)) + rd
    return struct.pack("!HHHHHH", qid, flags, 1, len(rrs), 0, 0) + question + body


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        reply = answer(data, False)
        if reply is None:
            return
        if Zone.forge_first:
            forged = bytearray(reply)
            forged[0] ^= 0x5a
            sock.sendto(bytes(forged), self.client_address)
        sock.sendto(reply, self.client_address)


class TCPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            self.serve()
        except ConnectionResetError:	# a client that closes with a reply unread (a probe)
            return

    def serve(self):
        while True:
            head = self.request.recv(2)
            if len(head) < 2:
                return
            n = struct.unpack("!H", head)[0]
            q = b""
            while len(q) < n:
                more = self.request.recv(n - len(q))
                if not more:
                    return
                q += more
            reply = answer(q, True)
            if reply is None:
                return
            self.request.sendall(struct.pack("!H", len(reply)) + reply)


class ThreadedUDP(socketserver.ThreadingMixIn, socketserver.UDPServer):
    daemon_threads = True


class ThreadedTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_server():
    """UDP and TCP on one free loopback port; returns (port, servers)."""
    for _ in range(20):
        udp = ThreadedUDP(("127.0.0.1", 0), UDPHandler)
        port = udp.server_address[1]
        try:
            tcp = ThreadedTCP(("127.0.0.1", port), TCPHandler)
        except OSError:
            udp.server_close()
            continue
        for s in (udp, tcp):
            threading.Thread(target=s.serve_forever, daemon=True).start()
        return port, (udp, tcp)
    raise RuntimeError("no free loopback port for the DNS server")


def both(args, tool, argv, stdin_file=None):
    """(rc, out, err) of `mailsec spf eval ARGV` and of `mailsec-spf ARGV`."""
    a = hrun([args.mailsec, "spf", "eval"] + argv, wrapper=args.wrapper)
    b = hrun([tool] + argv, wrapper=args.wrapper)
    return a, b


def same(label, a, b, want_rc=0):
    problems = []
    if a[0] != want_rc or b[0] != want_rc:
        problems.append("exit %d (mailsec spf eval) and %d (mailsec-spf), want %d" % (a[0], b[0], want_rc))
    if a[1] != b[1]:
        problems.append("outputs differ:\n--- mailsec spf eval\n%s--- mailsec-spf\n%s" % (a[1][-2000:], b[1][-2000:]))
    if not a[1].strip():
        problems.append("no output")
    for err in (a[2], b[2]):
        if "ERROR: AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
            problems.append("sanitizer: " + err[-2000:])
    return Result(NAME, label, "fail" if problems else "pass",
                  "\n".join(problems) + ("\n" + a[2][-800:] + b[2][-800:] if problems else ""))


def batch_transport(args, tool, tmp, cases, port):
    """spf eval --batch asks a resolver that serves TCP over TCP, one that refuses TCP over UDP.

    All the SPF cases' zones at once, one batch of every case's lines: through the
    server on port (UDP and TCP) the queries must come over TCP and the lines be
    mailsec-spf's; through a UDP-only server on another port (nobody listens on its
    TCP port: connect is refused) over UDP, the same lines; --resolver-udp forces UDP;
    --resolver-validates asks through the stub backend (mailsec-spf's) over UDP.
    """
    data, lines = {}, ""
    for path in cases:
        domain, helo, zl = case_parts(path)
        z = parse_zone(zl) if domain else None
        if not z:
            continue
        data.update(z)
        lines += batch_lines(domain, helo, z)
    bf = os.path.join(tmp, "all.batch")
    with open(bf, "w") as f:
        f.write(lines)
    Zone.data, Zone.truncate_udp, Zone.forge_first = data, False, False
    problems = []
    ref = hrun([tool, "--resolver", "127.0.0.1@%d" % port, "--batch", bf], wrapper=args.wrapper)
    if ref[0] != 0 or not ref[1].strip():
        return Result(NAME, "spf eval --batch: TCP when the resolver serves it, else UDP", "fail",
                      "mailsec-spf exit %d\n%s" % (ref[0], ref[2][-800:]))
    udp_only = ThreadedUDP(("127.0.0.1", 0), UDPHandler)
    threading.Thread(target=udp_only.serve_forever, daemon=True).start()
    try:
        for label, p, extra, want_tcp in (("TCP served", port, [], True),
                                          ("--resolver-udp", port, ["--resolver-udp"], False),
                                          ("--resolver-validates (the stub, as mailsec-spf)", port,
                                           ["--resolver-validates"], False),
                                          ("UDP only", udp_only.server_address[1], [], False)):
            Zone.queries = Zone.tcp_queries = 0
            a = hrun([args.mailsec, "spf", "eval", "--resolver", "127.0.0.1@%d" % p, "--batch", bf] + extra,
                     wrapper=args.wrapper)
            if a[0] != 0 or a[1] != ref[1]:
                problems.append("%s: exit %d, %s\n%s" % (label, a[0], "lines differ from mailsec-spf's"
                                                        if a[1] != ref[1] else "same lines", a[2][-800:]))
            # over TCP, every query of the batch but the reachability probe's UDP ". NS"
            if want_tcp and Zone.tcp_queries < Zone.queries - 1:
                problems.append("%s: %d of %d queries over TCP, want all but the probe's"
                                % (label, Zone.tcp_queries, Zone.queries))
            if not want_tcp and Zone.tcp_queries != 0:
                problems.append("%s: %d of %d queries over TCP, want none" % (label, Zone.tcp_queries, Zone.queries))
    finally:
        udp_only.shutdown()
        udp_only.server_close()
    return Result(NAME, "spf eval --batch: TCP when the resolver serves it, else UDP; --resolver-validates "
                  "over UDP (%d lines)"
                  % lines.count("\n"), "fail" if problems else "pass", "\n".join(problems))


def run(args):
    res = []
    tool = os.path.join(os.path.dirname(args.mailsec), "mailsec-spf")
    if not os.path.exists(tool):
        return [Result(NAME, "mailsec-spf built", "fail", tool + " is missing")]
    cases = sorted(glob.glob(os.path.join(ROOT, "tests", "cases", "spf", "*.case")))
    tmp = tempfile.mkdtemp(prefix="mailsec-perf-")
    # 1. replay: every SPF case, one batch each, both programs
    rep_fail = []
    for path in cases:
        domain, helo, lines = case_parts(path)
        if not domain:
            continue
        data = parse_zone(lines) or {}
        bf = os.path.join(tmp, os.path.basename(path) + ".batch")
        with open(bf, "w") as f:
            f.write(batch_lines(domain, helo, data))
        a, b = both(args, tool, ["--replay", path, "--batch", bf])
        r = same(os.path.basename(path), a, b)
        if r.status != "pass":
            rep_fail.append(r.detail)
    res.append(Result(NAME, "replay: mailsec-spf --batch = mailsec spf eval --batch over %d SPF cases"
                      % len(cases), "fail" if rep_fail else "pass", "\n".join(rep_fail)[:4000]))
    one = os.path.join(ROOT, "tests", "cases", "spf", "helo-present.case")
    for extra, label in (([], "text"), (["--json"], "--json"), (["--trace"], "--trace")):
        a, b = both(args, tool, ["--replay", one, "--ip", "192.0.2.25", "--sender",
                                 "postmaster@example.test", "--helo", "mail.example.test"] + extra)
        res.append(same("replay: one evaluation, " + label, a, b))

    # 2. the network: a loopback DNS server as both programs' recursive resolver
    port, servers = start_server()
    try:
        net_fail, n = [], 0
        for path in cases:
            domain, helo, lines = case_parts(path)
            data = parse_zone(lines) if domain else None
            if not data:
                continue
            Zone.data, Zone.truncate_udp, Zone.forge_first = data, False, False
            bf = os.path.join(tmp, os.path.basename(path) + ".batch")
            a, b = both(args, tool, ["--resolver", "127.0.0.1@%d" % port, "--batch", bf])
            n += 1
            r = same(os.path.basename(path), a, b)
            if r.status != "pass":
                net_fail.append(r.detail)
        res.append(Result(NAME, "network: mailsec-spf = mailsec spf eval through a loopback resolver "
                          "over %d SPF cases" % n, "fail" if net_fail or n < 10 else "pass",
                          "\n".join(net_fail)[:4000] or ("only %d cases" % n if n < 10 else "")))
        res.append(batch_transport(args, tool, tmp, cases, port))
        Zone.data = {("big.test", "TXT"): ['"v=spf1 ' + " ".join("ip4:192.0.2.%d" % i for i in range(1, 60))
                                           + '" " -all"'],
                     ("big.test", "A"): ["192.0.2.200"]}
        Zone.truncate_udp, Zone.forge_first = True, True
        argv = ["--resolver", "127.0.0.1@%d" % port, "--ip", "192.0.2.59", "--sender", "a@big.test",
                "--json"]
        a, b = both(args, tool, argv)
        r = same("network: every UDP reply truncated after a forged one (TCP; wrong ID ignored)", a, b)
        if r.status == "pass" and '"result":"pass"' not in b[1]:
            r = Result(NAME, r.name, "fail", "want pass over TCP:\n" + b[1] + b[2][-800:])
        res.append(r)
    finally:
        Zone.truncate_udp = Zone.forge_first = False
        for s in servers:
            s.shutdown()
            s.server_close()

    # 3. nobody listening: both say so and exit 2
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    a, b = both(args, tool, ["--resolver", "127.0.0.1@%d" % dead, "--timeout", "2", "--ip", "192.0.2.1",
                             "--sender", "a@example.test"])
    want = "no answer from 127.0.0.1@%d" % dead
    problems = ["%s exit %d, want 2" % (w, x[0]) for w, x in (("mailsec", a), ("mailsec-spf", b)) if x[0] != 2]
    problems += ["%s does not say %r: %s" % (w, want, x[2][-500:]) for w, x in (("mailsec", a), ("mailsec-spf", b))
                 if want not in x[2]]
    res.append(Result(NAME, "no resolver listening: both exit 2 and name it", "fail" if problems else "pass",
                      "\n".join(problems)))

    # 4. check --concurrency 100000 keeps at most 100 audits in flight
    rp = os.path.join(tmp, "many.zone")
    with open(rp, "w") as f:
        for i in range(300):
            f.write('d%d.example.test. TXT "v=spf1 ip4:192.0.2.%d -all"\n' % (i, i % 250))
    df = os.path.join(tmp, "many.txt")
    with open(df, "w") as f:
        f.write("".join("d%d.example.test\n" % i for i in range(300)))
    rc, out, err = hrun([args.mailsec, "check", "--replay", rp, "--only", "spf", "--jsonl", "--stats",
                         "--concurrency", "100000", "--domains", df], wrapper=args.wrapper, timeout=600)
    m = re.search(r"at most (\d+) domains? in flight", err)
    problems = []
    if rc not in (0, 1, 3):
        problems.append("exit %d" % rc)
    if len([x for x in out.splitlines() if x.strip()]) != 300:
        problems.append("%d results, want 300" % len(out.splitlines()))
    if not m or int(m.group(1)) != 100:
        problems.append("want 'at most 100 domains in flight' in --stats: " + err[-500:])
    res.append(Result(NAME, "check --concurrency 100000 over 300 domains: 100 audits in flight at most",
                      "fail" if problems else "pass", "\n".join(problems)))
    res.append(pipe_room(args, tool, rp, df))
    res.append(timeout_memory(args, tmp))
    shutil.rmtree(tmp, ignore_errors=True)
    return res


F_GETPIPE_SZ = 1032     # <fcntl.h>, Linux
PIPE_ROOM = 1 << 20     # src/util/pipesize.h PIPE_STREAM_SIZE


def pipe_room(args, tool, zone, domains):
    """check and the SPF batches raise their output pipe to 1 MiB (a slow reader must not stall DNS)."""
    import fcntl
    import subprocess
    batch = os.path.join(os.path.dirname(domains), "room.batch")
    with open(batch, "w") as f:
        f.write("".join("192.0.2.%d\tpostmaster@d%d.example.test\n" % (i % 250, i) for i in range(50)))
    runs = [("check --jsonl --domains", [args.mailsec, "check", "--replay", zone, "--only", "spf", "--jsonl",
                                         "--domains", domains]),
            ("check --json --domains", [args.mailsec, "check", "--replay", zone, "--only", "spf", "--json",
                                        "--domains", domains]),
            ("spf eval --batch", [args.mailsec, "spf", "eval", "--replay", zone, "--batch", batch]),
            ("mailsec-spf --batch", [tool, "--replay", zone, "--batch", batch])]
    problems = []
    for label, argv in runs:
        argv = (args.wrapper or []) + argv
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdout.read()         # to the end: the program has run
        size = fcntl.fcntl(p.stdout.fileno(), F_GETPIPE_SZ)
        err = p.stderr.read()
        p.stdout.close()
        p.stderr.close()
        p.wait(timeout=600)
        if p.returncode not in (0, 1, 3):
            problems.append("%s: exit %d: %s" % (label, p.returncode, err.decode()[-300:]))
        if size is None or size < PIPE_ROOM:
            problems.append("%s: output pipe %s octets, want at least %d" % (label, size, PIPE_ROOM))
    return Result(NAME, "check and the SPF batches give their output pipe 1 MiB of room",
                  "fail" if problems else "pass", "\n".join(problems))


SILENT_DOMAINS = 5000
SILENT_RSS_MB = 64      # measured 32 MB (docs/performance.md); before the fix, 92 MB at 500 and rising


def timeout_memory(args, tmp):
    """check over 5,000 domains through a resolver that never answers: bounded RSS, a bounded run."""
    import subprocess
    import time
    label = ("check --timeout 0.3 --concurrency 100000 over %d domains, every query unanswered: "
             "peak RSS under %d MB" % (SILENT_DOMAINS, SILENT_RSS_MB))
    srv = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "tests", "world", "silent_dns.py")],
                           stdout=subprocess.PIPE, text=True)
    problems = []
    try:
        line = srv.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            return Result(NAME, label, "fail", "the silent resolver did not start: %r" % line)
        df = os.path.join(tmp, "silent.txt")
        with open(df, "w") as f:
            f.write("".join("s%d.silent.test\n" % i for i in range(SILENT_DOMAINS)))
        tf = os.path.join(tmp, "silent.rss")
        cmd = ["/usr/bin/time", "-f", "%M", "-o", tf] + list(args.wrapper or []) + [args.mailsec, "check", "--jsonl", "--no-smtp", "--stats",
                                          "--resolver", "127.0.0.1@" + line[1], "--timeout", "0.3",
                                          "--concurrency", "100000", "--domains", df]
        t0 = time.time()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate(timeout=300)
        took = time.time() - t0
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return Result(NAME, label, "fail", "still running after 300 s")
    finally:
        srv.kill()
        srv.wait()
    try:
        rss_mb = int(open(tf).read().split()[-1]) / 1024.0    # GNU time: maximum RSS in KB
    except (OSError, ValueError, IndexError):
        return Result(NAME, label, "fail", "no RSS from /usr/bin/time")
    err = err.decode("utf-8", "replace")
    lines = [x for x in out.decode("utf-8", "replace").splitlines() if x.strip()]
    rc = p.returncode
    if rc != 3:
        problems.append("exit %d, want 3 (nothing could be determined): %s" % (rc, err[-500:]))
    if len(lines) != SILENT_DOMAINS:
        problems.append("%d results, want %d" % (len(lines), SILENT_DOMAINS))
    if any(".missing" in x for x in lines[:50]):
        problems.append("a lookup that was never answered is reported missing")
    if "ERROR: AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
        problems.append("sanitizer: " + err[-2000:])
    # the bound holds for the plain build; sanitizers and valgrind change what RSS means
    plain = not args.wrapper and "AddressSanitizer" not in open(args.mailsec, "rb").read().decode("latin-1")
    if plain and rss_mb > SILENT_RSS_MB:
        problems.append("peak RSS %.1f MB" % rss_mb)
    return Result(NAME, "%s (%.1f MB, %.1f s)" % (label, rss_mb, took), "fail" if problems else "pass",
                  "\n".join(problems))
