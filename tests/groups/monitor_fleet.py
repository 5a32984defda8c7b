"""tests/groups/monitor_fleet.py - three `mailsec monitor` machines on one PostgreSQL: one killed, one stopped.

Issue 15 item 4.  A private PostgreSQL runs in a network namespace of its own
(listening on TCP there, and on a unix socket in its temporary folder for the
test's own queries); each of three workers runs in a namespace of its own,
joined to the database's by a veth link (10.199.N.0/30), and reaches it as
postgresql://postgres@10.199.N.1/DB.  Thirty domains (a third of them never
answered, so the round lasts a few seconds; checks answer from replay data,
no traffic leaves the namespaces) are registered; the three start
`monitor --once` together.  Mid-round, while it holds leases, worker 1 is
killed with SIGKILL and worker 2 is sent SIGTERM (it must exit 0 having
released its leases).  Worker 3 finishes the round, reclaiming worker 1's
domains once their lease ends.  Afterwards every domain has exactly one
result for the round, the round is closed and no lease is left.

Needs root and PostgreSQL; runs once in CI, in the plain build (under the
sanitizers, `make test-asan`, it is skipped: the group tests distribution,
and the monitor group covers the same code under ASan on one machine).
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from harness import ROOT, Result, skip_or_fail
from harness import run as hrun
from pgserver import PG_USER, PgServer

import live

NAME = "monitor-fleet"
ZONE = os.path.join(ROOT, "tests", "monitor", "world.zone")
SCALE = float(os.environ.get("MAILSEC_TEST_TIME_SCALE", "1"))
NWORKERS = 3


class NsPgServer(PgServer):
    """PgServer started inside network namespace ns, listening on TCP there too."""

    def __init__(self, ns, hba_net):
        super().__init__()
        self.ns, self.hba_net = ns, hba_net

    def _as_pg(self, argv, timeout=120):
        if argv and argv[0].endswith("/pg_ctl") and "start" in argv:
            argv = [a.replace("-c listen_addresses=''", "-c listen_addresses='*'") for a in argv]
            cmd = ["ip", "netns", "exec", self.ns, "runuser", "-u", PG_USER, "--"] + argv
            p = subprocess.run(cmd, capture_output=True, timeout=timeout)
            return p.returncode, p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")
        rc, out = super()._as_pg(argv, timeout)
        if argv and argv[0].endswith("/initdb") and rc == 0:
            with open(os.path.join(self.data, "pg_hba.conf"), "a") as f:
                f.write("host all all %s trust\n" % self.hba_net)
        return rc, out


class Net:
    """The database's namespace and one per worker, each joined to it by a veth pair."""

    def __init__(self):
        tag = "%d" % (os.getpid() % 100000)
        self.db = "msm-db-" + tag
        self.workers = ["msm-w%d-%s" % (i, tag) for i in range(1, NWORKERS + 1)]
        self.tag = tag
        self.made = []

    def ip(self, *argv):
        p = subprocess.run(["ip"] + list(argv), capture_output=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError("ip %s: %s" % (" ".join(argv), p.stderr.decode()[-300:]))

    def start(self):
        live.register(self)
        for ns in [self.db] + self.workers:
            self.ip("netns", "add", ns)
            self.made.append(ns)
            self.ip("-n", ns, "link", "set", "lo", "up")
        for i, ns in enumerate(self.workers, 1):
            dev = "vd%d-%s" % (i, self.tag)
            self.ip("link", "add", dev, "netns", self.db, "type", "veth", "peer", "name", "vw", "netns", ns)
            self.ip("-n", self.db, "addr", "add", "10.199.%d.1/30" % i, "dev", dev)
            self.ip("-n", self.db, "link", "set", dev, "up")
            self.ip("-n", ns, "addr", "add", "10.199.%d.2/30" % i, "dev", "vw")
            self.ip("-n", ns, "link", "set", "vw", "up")

    def stop(self):
        for ns in reversed(self.made):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.made = []
        live.unregister(self)


def scenario(args, net, pg, tmp):
    p = []
    uri = pg.createdb("fleet")
    dbname = uri.split("///")[1].split("?")[0]
    local = ["monitor"]
    # register through the unix socket; workers reach the database over their veth link
    doms = ["d%02d.test" % i for i in range(20)] + ["slow%02d.test" % i for i in range(10)]
    zone = os.path.join(tmp, "fleet.zone")
    with open(zone, "w") as f:
        f.write(open(ZONE).read())
        for d in doms:
            if d.startswith("slow"):
                f.write("%s. * SILENT\n" % d)
            else:
                f.write('%s. TXT "v=spf1 -all"\n%s. MX 0 .\n' % (d, d))
    for argv in (["workspace", "add", "fleet"], ["domains", "add", "--workspace", "fleet"] + doms):
        rc, out, err = hrun([args.mailsec] + argv + ["--db", uri], wrapper=args.wrapper)
        if rc != 0:
            return ["%s: exit %d: %s" % (" ".join(argv), rc, err[-500:])]

    def worker(i):
        wuri = "postgresql://%s@10.199.%d.1/%s" % (PG_USER, i, dbname)
        cmd = ["ip", "netns", "exec", net.workers[i - 1]] + (args.wrapper or []) + [
            args.mailsec] + local + ["--once", "--db", wuri, "--replay", zone, "--lease", "3",
                                     "--timeout", "2", "--concurrency", "2", "--batch", "2"]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def q(sql):
        return pg.query(uri, sql)

    ws = [worker(i) for i in range(1, NWORKERS + 1)]
    try:
        def held(w):
            return q("SELECT COUNT(*) FROM monitored WHERE lease_owner LIKE '%%:%d:%%'" % w.pid)[0][0]
        end = time.time() + 30 * SCALE
        while time.time() < end:
            stored = q("SELECT COUNT(*) FROM checks")[0][0]
            if stored >= 4 and held(ws[0]) > 0 and held(ws[1]) > 0:
                break
            time.sleep(0.05)
        else:
            p.append("never saw workers 1 and 2 holding leases mid-round")
        stored_at_kill = q("SELECT COUNT(*) FROM checks")[0][0]
        leases_of_1 = held(ws[0])
        ws[0].send_signal(signal.SIGKILL)
        ws[1].send_signal(signal.SIGTERM)
        out, err = ws[1].communicate(timeout=30 * SCALE)
        err = err.decode("utf-8", "replace")
        if ws[1].returncode != 0:
            p.append("worker 2 after SIGTERM: exit %d: %s" % (ws[1].returncode, err[-600:]))
        if held(ws[1]):
            p.append("worker 2 left leases after SIGTERM")
        ws[0].communicate()
        out, err = ws[2].communicate(timeout=90 * SCALE)
        err = err.decode("utf-8", "replace")
        if ws[2].returncode != 0:
            p.append("worker 3: exit %d: %s" % (ws[2].returncode, err[-800:]))
        if stored_at_kill >= len(doms):
            p.append("the round was over before the kill (%d stored)" % stored_at_kill)
        if leases_of_1 == 0:
            p.append("worker 1 held no lease when killed")
    finally:
        for w in ws:
            if w.poll() is None:
                w.kill()
                w.communicate()
    rows = q("SELECT domain, run_id, round, COUNT(*) FROM checks GROUP BY domain, run_id, round "
             "ORDER BY domain")
    got = {d: (r, str(rnd), n) for d, r, rnd, n in rows}
    for d in doms:
        if got.get(d) != ("round-1", "1", 1):
            p.append("%s: results %r, want exactly one for round 1" % (d, [x for x in rows if x[0] == d]))
    if len(rows) != len(doms):
        p.append("%d result rows for %d domains" % (len(rows), len(doms)))
    rounds = q("SELECT id, domains, finished_at IS NOT NULL FROM rounds")
    if rounds != [(1, len(doms), "t")]:
        p.append("rounds: %r" % rounds)
    left = q("SELECT COUNT(*) FROM monitored WHERE round IS NOT NULL OR lease_owner IS NOT NULL")[0][0]
    if left:
        p.append("%d domains still in the round or leased" % left)
    return p


def run(args):
    if "ASAN_OPTIONS" in os.environ or args.wrapper:
        return [Result(NAME, "three machines on PostgreSQL", "skip",
                       "runs once, in the plain build (not under sanitizers or valgrind)")]
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return [skip_or_fail(NAME, "three machines on PostgreSQL", "needs root and iproute2")]
    net = Net()
    tmp = tempfile.mkdtemp(prefix="mailsec-fleet-")
    pg = None
    try:
        try:
            net.start()
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            return [skip_or_fail(NAME, "three machines on PostgreSQL: namespaces", str(e))]
        pg = NsPgServer(net.db, "10.199.0.0/16")
        why = pg.start()
        if why is not None:
            return [skip_or_fail(NAME, "three machines on PostgreSQL: private server", why)]
        t0 = time.time()
        p = scenario(args, net, pg, tmp)
        return [Result(NAME, "three workers in three namespaces on one PostgreSQL over veth links: one "
                       "SIGKILLed and one SIGTERMed mid-round, every domain exactly one result for the "
                       "round (%.1f s)" % (time.time() - t0), "fail" if p else "pass", "\n".join(p))]
    finally:
        if pg:
            pg.stop()
        net.stop()
        shutil.rmtree(tmp, ignore_errors=True)
