"""tests/groups/diff.py - mailsec diff against two real Knot servers on loopback.

Two knotd instances (own config, rundir and PID, 127.0.0.1 on free unprivileged ports) serve
tests/records/diff/old.zone and new.zone; diff must report exactly the differences listed in
tests/records/diff/EXPECTED.txt, in text and JSON (validated against
docs/schema/mailsec-diff-1.json).  The servers are stopped by PID.  Without knotd the group is a
loud skip (a failure under CI=true).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import ROOT, Result, skip_or_fail

NAME = "diff"
DDIR = os.path.join(ROOT, "tests", "records", "diff")
KNOTD = shutil.which("knotd") or "/usr/sbin/knotd"
KDIG = shutil.which("kdig") or "/usr/bin/kdig"

CONF = """server:
    rundir: "{d}"
    pidfile: "{d}/knot.pid"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{d}/db"
log:
  - target: stderr
    any: error
template:
  - id: default
    storage: "{d}"
    journal-content: none
    zonefile-sync: -1
    semantic-checks: off
zone:
  - domain: example.test
    file: "{d}/example.test.zone"
"""


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_knot(tmp, zone):
    d = os.path.join(tmp, os.path.basename(zone).split(".")[0])
    os.makedirs(os.path.join(d, "db"))
    shutil.copy(zone, os.path.join(d, "example.test.zone"))
    port = free_port()
    conf = os.path.join(d, "knot.conf")
    open(conf, "w").write(CONF.format(d=d, port=port))
    log = open(os.path.join(d, "knot.log"), "w")
    proc = subprocess.Popen([KNOTD, "-c", conf], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        r = subprocess.run([KDIG, "@127.0.0.1", "-p", str(port), "+norec", "+short", "+time=1",
                            "+retry=0", "example.test", "SOA"], capture_output=True)
        if r.stdout.strip():
            return proc, port, d
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop(proc)
    raise RuntimeError("knotd did not start: " + open(os.path.join(d, "knot.log")).read())


def stop(proc):
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def expected():
    out = set()
    for line in open(os.path.join(DDIR, "EXPECTED.txt")):
        line = line.split("#", 1)[0].strip()
        if line:
            n, t, v = line.split()
            out.add((n, t, v))
    return out


def run(args):
    if not os.access(KNOTD, os.X_OK):
        return [skip_or_fail(NAME, "knotd", "knotd not installed (scripts/deps/records.txt)")]
    import jsonschema
    schema = json.load(open(os.path.join(ROOT, "docs", "schema", "mailsec-diff-1.json")))
    v = jsonschema.Draft202012Validator(schema)
    res = []
    tmp = tempfile.mkdtemp(prefix="mailsec-diff-")
    procs = []
    try:
        try:
            p1, port1, _ = start_knot(tmp, os.path.join(DDIR, "old.zone"))
            procs.append(p1)
            p2, port2, _ = start_knot(tmp, os.path.join(DDIR, "new.zone"))
            procs.append(p2)
        except (RuntimeError, OSError) as e:
            return [Result(NAME, "start two Knot servers", "fail", str(e))]
        old = "127.0.0.1@%d" % port1
        new = "127.0.0.1@%d" % port2
        base = (args.wrapper or []) + [args.mailsec, "diff", "example.test", "--dkim-selector", "s1"]

        p = subprocess.run(base + ["--json", "--ns", old, "--ns", new], capture_output=True, timeout=120)
        err = p.stderr.decode()
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            doc = None
        if doc is None:
            res.append(Result(NAME, "diff old new --json", "fail", "exit %d: %s" % (p.returncode, err)))
        else:
            got = set((n["name"], n["type"], n["verdict"]) for n in doc["names"] if n["verdict"] != "same")
            want = expected()
            problems = ["schema: %s" % e.message for e in v.iter_errors(doc)]
            if got != want:
                problems.append("missing: %s\nunexpected: %s" % (sorted(want - got), sorted(got - want)))
            if p.returncode != 1:
                problems.append("exit %d, want 1" % p.returncode)
            if doc["differences"] != len(want):
                problems.append("differences %d, want %d" % (doc["differences"], len(want)))
            names = set((n["name"], n["type"]) for n in doc["names"])
            for must in [("s1._domainkey.example.test", "TXT"), ("backup.example.test", "A"),
                         ("*._report._dmarc.example.test", "TXT"), ("mta-sts.example.test", "A")]:
                if must not in names:
                    problems.append("not compared: %s %s" % must)
            ttl = [n for n in doc["names"] if n["name"] == "_dmarc.example.test"]
            if ttl and not (ttl[0]["old"]["records"][0]["ttl"] == 3600 and ttl[0]["new"]["records"][0]["ttl"] == 300):
                problems.append("TTLs not as served: %s" % ttl)
            if "ERROR: AddressSanitizer" in err or "runtime error:" in err:
                problems.append(err[-3000:])
            res.append(Result(NAME, "diff reports exactly the known differences", "fail" if problems else "pass",
                              "\n".join(problems)))

        p = subprocess.run(base + ["--ns", old, "--ns", old], capture_output=True, timeout=120)
        out = p.stdout.decode()
        res.append(Result(NAME, "a server set against itself: no difference, exit 0",
                          "pass" if p.returncode == 0 and "0 differences" in out else "fail",
                          "exit %d\n%s%s" % (p.returncode, out, p.stderr.decode())))

        p = subprocess.run(base + ["--ns", old, "--ns", new], capture_output=True, timeout=120)
        out = p.stdout.decode()
        res.append(Result(NAME, "text report lists missing, extra, different and TTL",
                          "pass" if p.returncode == 1 and all(w in out for w in ("missing", "extra", "different", "ttl", "5 differences")) else "fail",
                          "exit %d\n%s%s" % (p.returncode, out, p.stderr.decode())))

        # A set whose only server does not answer: unknown, never "missing".
        dead = "127.0.0.1@%d" % free_port()
        p = subprocess.run(base + ["--json", "--timeout", "0.3", "--ns", old, "--ns", dead],
                           capture_output=True, timeout=120)
        try:
            doc = json.loads(p.stdout)
            ok = p.returncode == 3 and doc["differences"] == 0 and doc["unknown"] > 0 and \
                all(n["verdict"] == "unknown" for n in doc["names"])
        except ValueError:
            ok = False
        res.append(Result(NAME, "a silent server set is unknown, exit 3", "pass" if ok else "fail",
                          "exit %d\n%s" % (p.returncode, p.stderr.decode())))

        # The first server of a set is silent: the next one answers.
        p = subprocess.run(base + ["--json", "--timeout", "0.3", "--ns", old, "--ns", dead + "," + new],
                           capture_output=True, timeout=120)
        try:
            doc = json.loads(p.stdout)
            ok = p.returncode == 1 and doc["differences"] == len(expected())
        except ValueError:
            ok = False
        res.append(Result(NAME, "falls back to the next server of a set", "pass" if ok else "fail",
                          "exit %d\n%s" % (p.returncode, p.stderr.decode())))

        for name, argv, want in [("one --ns", ["--ns", old], "usage"),
                                 ("three --ns", ["--ns", old, "--ns", old, "--ns", old], "twice"),
                                 ("a name instead of an address", ["--ns", "ns1.example.test", "--ns", old],
                                  "not an IP address"),
                                 ("bad port", ["--ns", "127.0.0.1@70000", "--ns", old], "port")]:
            p = subprocess.run(base + argv, capture_output=True, timeout=60)
            e = p.stderr.decode()
            res.append(Result(NAME, "usage: " + name, "pass" if p.returncode == 2 and want in e else "fail",
                              "exit %d: %s" % (p.returncode, e)))
    finally:
        for pr in procs:
            stop(pr)
        shutil.rmtree(tmp, ignore_errors=True)
    return res
