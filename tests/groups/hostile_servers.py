"""tests/groups/hostile_servers.py - mailsec check against misbehaving DNS, SMTP and HTTPS servers.

One namespace DNS world (tests/world/world.py: Knot under a signed fake root, a
validating Unbound) delegates hostile.test. to tests/world/baddns.py, a DNS server
that answers with the wrong ID, truncates and then sends a 64 KB TXT over TCP,
loops CNAMEs, sends a 1,000-link CNAME chain, fails every other query, trickles
its TCP answers or never answers.  Beside it tests/world/tarpits.py runs SMTP and
HTTPS servers that trickle their banner or policy, send 10 MB banners and EHLO
replies, put control characters and invalid UTF-8 in what they say, redirect in a
loop, or stall a TLS handshake after the ServerHello.  Every scenario runs
`mailsec check` inside the namespace (through the world's Unbound, as users have
it) and asserts: it ends within its documented bounds (--timeout, --net-timeout,
--deadline), what could not be determined is `unknown` (never "missing", never an
error about the domain), the peak RSS of the mailsec process stays under a bound,
and neither the text nor the JSON output carries a raw control byte or invalid
UTF-8 (checked on the bytes).  Scenarios run concurrently.  Needs root; skipped
loudly without it (failing when CI=true).
"""
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "world"))
import harness  # noqa: E402
from harness import Result, TIME_SCALE, skip_or_fail, validate_json  # noqa: E402
import world  # noqa: E402

NAME = "hostile-servers"
PY = "/usr/bin/python3"
ZONE = "hostile.test."
# Each misbehaving mode is a zone of its own on an address of its own (tests/world/baddns.py)
BADDNS = {"ok": "127.0.0.70", "wrongid": "127.0.0.71", "tc": "127.0.0.72", "loop": "127.0.0.73", "chain": "127.0.0.74",
          "flaky": "127.0.0.75", "slow": "127.0.0.76", "silent": "127.0.0.77"}
TARPITS = {     # mode -> address (tests/world/tarpits.py)
    "trickle-banner": "127.0.0.61", "huge-banner": "127.0.0.62", "huge-ehlo": "127.0.0.63",
    "ctrl-banner": "127.0.0.64", "ctrl-ehlo": "127.0.0.65", "stall-tls": "127.0.0.66",
    "trickle-policy": "127.0.0.67", "redirect-loop": "127.0.0.68", "ctrl-ctype": "127.0.0.69",
}
DNS_TIMEOUT = 2 * TIME_SCALE        # --timeout given to mailsec
NET_TIMEOUT = 2 * TIME_SCALE        # --net-timeout given to mailsec
SLACK = 2.5 * TIME_SCALE            # process start, world latency
# Peak RSS bound of one mailsec check (KiB): "flat" means no more than a check of a
# well-behaved domain (ok.hostile.test, measured first) plus RSS_GROWTH_KB, and never
# more than RSS_BOUND_KB.  Sanitizer builds carry shadow memory and quarantine.
RSS_BOUND_KB = 64 * 1024 if TIME_SCALE == 1 else 512 * 1024
RSS_GROWTH_KB = 16 * 1024 if TIME_SCALE == 1 else 128 * 1024
RSS = {"bound": RSS_BOUND_KB}


def tarpit_zone():
    """Zone text: one domain per tarpit, its MX and its MTA-STS host at the tarpit's address."""
    z = []
    for mode, addr in TARPITS.items():
        dom = "%s.tarpit.test." % mode
        z += ["%s MX 10 mx.%s" % (dom, dom), "mx.%s A %s" % (dom, addr),
              '_mta-sts.%s TXT "v=STSv1; id=1"' % dom, "mta-sts.%s A %s" % (dom, addr),
              '_smtp._tls.%s TXT "v=TLSRPTv1; rua=mailto:tls@%s"' % (dom, dom.rstrip("."))]
    return "\n".join(z) + "\n"


def bad_bytes(data):
    """Where data (text or JSON output) has a control byte other than LF, or is not UTF-8."""
    probs = []
    m = re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", data)
    if m:
        probs.append("raw control byte 0x%02X at offset %d: %r" % (
            data[m.start()], m.start(), data[max(0, m.start() - 40):m.start() + 20]))
    try:
        text = data.decode("utf-8")
        m = re.search("[\u0080-\u009f]", text)
        if m:
            probs.append("a C1 control character U+%04X in the output: %r" % (
                ord(m.group()), text[max(0, m.start() - 40):m.start() + 20]))
    except UnicodeDecodeError as e:
        probs.append("not UTF-8 at byte %d: %r" % (e.start, data[max(0, e.start - 40):e.start + 20]))
    return probs


def mailsec_rss(args, w, argv, timeout=120):
    """mailsec inside the world's namespace: (rc, stdout bytes, stderr text, seconds, peak RSS KiB).
    The peak RSS comes from GNU time, which forks mailsec from its own small image: the
    rusage of a child of this Python process would count this process's pages, as the
    kernel keeps a process's peak across exec."""
    fd, rssfile = tempfile.mkstemp(prefix="rss-", dir=w.dir)
    os.close(fd)
    full = w.nsexec(["/usr/bin/time", "-f", "%M", "-o", rssfile] + list(args.wrapper or []) + [args.mailsec]
                    + argv + ["--trust-anchor", w.trust_anchor])
    t0 = time.time()
    p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        rc, err = -999, b"timed out after %ds" % timeout
    took = time.time() - t0
    rss = 0
    try:
        lines = open(rssfile).read().split()
        rss = int(lines[-1]) if lines else 0
    except (OSError, ValueError):
        pass
    os.unlink(rssfile)
    return rc, out, err.decode("utf-8", "replace"), took, rss


def sanitizer(err):
    return ["sanitizer: " + err[-3000:]] if ("AddressSanitizer" in err or "runtime error:" in err
                                              or "LeakSanitizer" in err) else []


def findings_of(doc):
    return [f for d in doc.get("domains", []) for f in d.get("findings", [])]


def judge(doc, expect_unknown, allow=(), forbid_errors=True):
    """Common verdicts: the listed ids are unknown; nothing is 'missing'; no error or
    warning blames the domain unless its id is in allow."""
    probs = []
    got = findings_of(doc)
    have = set((f["id"], f["severity"]) for f in got)
    for fid in expect_unknown:
        if (fid, "unknown") not in have:
            probs.append("want %s unknown, got %s" % (fid, sorted(s for i, s in have if i == fid) or "none"))
    for f in got:
        if f["id"] in allow:
            continue
        if f["id"].endswith(".missing") or ".missing." in f["id"] or f["id"].endswith(".nxdomain"):
            probs.append("%s %s: a server that misbehaves is not a missing record: %s"
                         % (f["id"], f["severity"], f["message"]))
        elif forbid_errors and f["severity"] in ("error", "warning"):
            probs.append("%s %s blames the domain: %s" % (f["id"], f["severity"], f["message"]))
    return probs


def scenario(args, w, name, argv, bound, expect_unknown=(), rc_want=3, allow=(), extra=None,
             forbid_errors=True):
    """Run check twice (--json and text), assert bounds, verdicts and clean bytes."""
    probs = []
    rc, out, err, took, rss = mailsec_rss(args, w, argv + ["--json"])
    probs += sanitizer(err)
    if rc_want is not None and rc != rc_want:
        probs.append("exit %d, want %d (stderr: %s)" % (rc, rc_want, err[-600:]))
    if took > bound:
        probs.append("took %.1f s, bound %.1f s" % (took, bound))
    if rss == 0:
        probs.append("the peak RSS of mailsec was not measured")
    elif rss > RSS["bound"]:
        probs.append("peak RSS %d KiB, bound %d KiB (%s)" % (rss, RSS["bound"], RSS.get("why", "")))
    probs += ["JSON output: " + p for p in bad_bytes(out)]
    doc = None
    try:
        doc = json.loads(out)
        probs += ["schema: " + e for e in validate_json(doc)]
        probs += judge(doc, expect_unknown, allow, forbid_errors)
        if extra:
            probs += extra(doc)
    except ValueError as e:
        probs.append("not JSON: %s: %r" % (e, out[-300:]))
    rc2, out2, err2, took2, _ = mailsec_rss(args, w, argv)
    probs += sanitizer(err2)
    probs += ["text output: " + p for p in bad_bytes(out2)]
    probs += ["stderr: " + p for p in bad_bytes((err + err2).encode("utf-8", "surrogateescape"))
              if "control" in p]
    if took2 > bound:
        probs.append("text run took %.1f s, bound %.1f s" % (took2, bound))
    detail = "%.1f s, peak RSS %d KiB" % (took, rss)
    if probs:
        detail = "\n".join(probs) + "\n--- findings:\n" + "\n".join(
            "%s %s %s" % (f["id"], f["severity"], f["message"][:300]) for f in findings_of(doc or {}))
    return Result(NAME, "%s (%.1f s, %d MiB)" % (name, took, rss // 1024),
                  "fail" if probs else "pass", detail)


def dns_scenarios(args, w):
    """(name, callable) for the misbehaving DNS server's modes."""
    t = ["--timeout", "%g" % DNS_TIMEOUT, "--net-timeout", "%g" % NET_TIMEOUT, "--no-smtp"]
    # A lookup waits at most --timeout; the checks chain a few lookups one after another
    # (MX, then its hosts; the DKIM scan after _domainkey), so a silent domain takes a
    # few timeouts, never more.
    bound = 4 * DNS_TIMEOUT + SLACK
    every = ["mx.lookup.failed", "spf.lookup.failed", "dmarc.lookup.failed", "tls-rpt.lookup.failed"]
    S = []

    def add(name, dom, expect, rc=3, extra_args=(), b=bound, allow=(), extra=None, forbid_errors=True):
        S.append(("dns: " + name, lambda: scenario(args, w, "dns: " + name,
                                                   ["check", dom] + t + list(extra_args), b, expect, rc,
                                                   allow, extra, forbid_errors)))

    add("answers with the wrong query ID: unknown within --timeout", "wrongid.hostile.test", every)
    add("CNAME loop: unknown", "loop.hostile.test", every)
    add("a 1,000-link CNAME chain: unknown", "chain.hostile.test", every)
    add("TCP answers trickled a byte at a time: unknown within --timeout", "slow.hostile.test", every)
    add("never answers: unknown within --timeout", "silent.hostile.test", every)
    add("never answers, --deadline 1.5 cuts the run", "silent.hostile.test", every,
        extra_args=["--timeout", "%g" % (20 * TIME_SCALE), "--deadline", "%g" % (1.5 * TIME_SCALE)],
        b=1.5 * TIME_SCALE + SLACK)

    def flaky_ok(doc):
        # Whatever got through is the real data; whatever did not is unknown.
        return []
    add("SERVFAIL every other query: real data or unknown, never missing", "flaky.hostile.test", (),
        rc=None, extra=flaky_ok, forbid_errors=False,
        allow=("dkim.selector.none-found", "dmarc.rua.missing", "ptr.missing", "mta-sts.record.missing",
               "tls-rpt.missing", "bimi.missing", "dkim.domainkey.nxdomain"))

    def big_arrived(doc):
        ids = set(f["id"] for f in findings_of(doc))
        return [] if "spf.record.large-answer" in ids else ["the 64 KB TXT did not arrive: %s" % sorted(ids)]
    # Unbound and the Python server take their time over 64 KB answers on a busy
    # machine: this one is about size, so it gets a generous --timeout.
    add("TC=1, then a 64 KB TXT over TCP: read whole, judged, memory flat", "tc.hostile.test", (),
        rc=1, extra=big_arrived, forbid_errors=False,
        extra_args=["--only", "spf", "--timeout", "%g" % (10 * TIME_SCALE)],
        allow=("dmarc.record.inherited",), b=4 * 10 * TIME_SCALE + SLACK)
    return S


def tarpit_scenarios(args, w):
    t = ["--timeout", "%g" % DNS_TIMEOUT, "--net-timeout", "%g" % NET_TIMEOUT]
    S = []
    # One SMTP step (connect, banner, a command, the TLS handshake) waits at most
    # --net-timeout: a probe of one address takes a few steps' worth at most.
    smtp_bound = 2 * NET_TIMEOUT + SLACK

    def why_has(*words):
        def check(doc):
            errs = [a.get("error") or "" for d in doc["domains"]
                    for a in d["facts"].get("tls", {}).get("addresses", [])]
            msgs = [f["message"] for f in findings_of(doc)]
            if any(all(wd in e for wd in words) for e in errs + msgs):
                return []
            return ["the reason does not say %s: errors %r" % (" ".join(words), errs)]
        return check

    def add(name, mode, expect, only="tls", b=smtp_bound, extra=None, rc=3, allow=()):
        dom = "%s.tarpit.test" % mode
        S.append((name, lambda: scenario(args, w, name, ["check", dom, "--only", only,
                                                          "--ca-file", w.pki.ca_file] + t,
                                         b, expect, rc, allow, extra)))

    add("smtp: banner trickled a byte a second: unknown within --net-timeout", "trickle-banner",
        ["tls.probe.failed"], extra=why_has("timed out"))
    add("smtp: a 10 MB banner: unknown, bounded read", "huge-banner", ["tls.probe.failed"],
        extra=why_has("malformed"))
    add("smtp: a 10 MB EHLO reply: unknown, bounded read", "huge-ehlo", ["tls.probe.failed"],
        extra=why_has("malformed"))
    add("smtp: control characters and invalid UTF-8 in a refusing banner: escaped", "ctrl-banner",
        ["tls.smtp.refused"], extra=why_has("554"))
    add("smtp: control characters and invalid UTF-8 in an EHLO refusal: escaped", "ctrl-ehlo",
        ["tls.smtp.refused"], extra=why_has("550"))
    add("smtp: TLS handshake stalls after the ServerHello: unknown within --net-timeout", "stall-tls",
        ["tls.probe.failed"], extra=why_has("timed out"))
    sts = dict(only="mta-sts", b=NET_TIMEOUT + SLACK)
    add("https: policy trickled a byte every 0.5 s: unknown within --net-timeout", "trickle-policy",
        ["mta-sts.policy.fetch.timeout"], **sts)
    add("https: TLS handshake stalls after the ServerHello: unknown within --net-timeout", "stall-tls",
        ["mta-sts.policy.fetch.timeout"], **sts)

    def one_redirect(doc):
        msgs = [f["message"] for f in findings_of(doc) if f["id"] == "mta-sts.policy.redirect"]
        return [] if msgs else ["no mta-sts.policy.redirect finding"]
    # A redirect is the domain's own error (RFC 8461 §3.3: senders do not follow it);
    # the loop is never followed, and the Location is echoed escaped.
    add("https: redirect loop with control characters in Location: not followed, escaped",
        "redirect-loop", [], rc=1, extra=one_redirect, allow=("mta-sts.policy.redirect",), **sts)
    add("https: control characters and invalid UTF-8 in Content-Type: escaped", "ctrl-ctype", [],
        rc=1, allow=("mta-sts.policy.content-type",), **sts)
    return S


def baseline(args, w):
    """A check of a well-behaved domain on the same kind of server: its peak RSS sets the bound."""
    rc, out, err, took, rss = mailsec_rss(args, w, ["check", "ok.hostile.test", "--json", "--no-smtp",
                                                    "--timeout", "%g" % DNS_TIMEOUT])
    probs = sanitizer(err)
    try:
        ids = set(f["id"] for f in findings_of(json.loads(out)))
        if "spf.present" not in ids or "mx.present" not in ids:
            probs.append("the well-behaved domain was not read: %s" % sorted(ids))
    except ValueError as e:
        probs.append("not JSON: %s" % e)
    if rc not in (0, 1) or rss == 0:
        probs.append("exit %d, peak RSS %d KiB: %s" % (rc, rss, err[-600:]))
    else:
        RSS["bound"] = min(RSS_BOUND_KB, rss + RSS_GROWTH_KB)
        RSS["why"] = "a well-behaved domain peaks at %d KiB" % rss
    return Result(NAME, "baseline: a well-behaved domain (%.1f s, %d MiB): bound %d MiB for the rest"
                  % (took, rss // 1024, RSS["bound"] // 1024), "fail" if probs else "pass", "\n".join(probs))


def world_usable():
    if os.geteuid() != 0:
        return "not root: cannot create a network namespace"
    missing = world.have_tools() + ([] if os.path.exists("/usr/bin/time") else ["/usr/bin/time (package time)"])
    if missing:
        return "missing programs: %s" % ", ".join(missing)
    try:
        import cryptography  # noqa: F401
        import dns.message  # noqa: F401
    except ImportError as e:
        return "python3-cryptography / python3-dnspython missing: %s" % e
    return None


def run(args):
    why = world_usable()
    if why:
        return [skip_or_fail(NAME, "hostile servers world", why)]
    from mailworld import Pki
    t0 = time.time()
    w = world.world_from_text(tarpit_zone(), external={"%s.%s" % (m, ZONE): a for m, a in BADDNS.items()})
    res = []
    try:
        w.start()
        w.pki = Pki(w.dir)
        os.chmod(w.dir, 0o755)
        sans = ["mta-sts.%s.tarpit.test" % m for m in TARPITS] + ["mx.%s.tarpit.test" % m for m in TARPITS]
        base, _ = w.pki.leaf("tarpits", sans)
        for a in list(BADDNS.values()) + list(TARPITS.values()):
            w.add_address(a)
        w.spawn("baddns", [PY, os.path.join(TESTS, "world", "baddns.py"), ZONE] + list(BADDNS.values()))
        w.spawn("tarpits", [PY, os.path.join(TESTS, "world", "tarpits.py"), base + ".crt", base + ".key"]
                + ["%s=%s" % kv for kv in TARPITS.items()])
        for a in BADDNS.values():
            w._wait_port(a)
        for _ in range(100):    # the tarpits listen once "ready" is in their log
            if b"ready" in open(os.path.join(w.dir, "tarpits.stderr"), "rb").read():
                break
            w._check_alive()
            time.sleep(0.05)
        res.append(baseline(args, w))
        jobs = dns_scenarios(args, w) + tarpit_scenarios(args, w)
        with concurrent.futures.ThreadPoolExecutor(max(4, min(len(jobs), 12))) as ex:
            res += list(ex.map(lambda j: j[1](), jobs))
    except (world.WorldError, OSError) as e:
        res.append(Result(NAME, "hostile servers world", "fail", str(e)))
    finally:
        w.stop()
    print("hostile-servers: %d scenarios in %.1f s" % (len(res), time.time() - t0), file=sys.stderr)
    return res
