"""tests/groups/world.py - case files and scenarios in the namespace DNS world (real Knot + Unbound).

Every case file with `world: both` or `world: ns` runs here too: its zone:
section becomes Knot zones under a signed fake root (tests/world/world.py
says how markers map to lame, dead and bogus delegations), and its command
runs inside a fresh network namespace through the real recursive Unbound and
mailsec's libunbound backend, three times (--json, text, --jsonl), asserting
the exit code, the JSON schema and the findings exactly as the replay runner
does.  Then scenarios a case file cannot state: bulk runs (several domains,
--domains FILE, input order), DNSSEC facts, --resolver forwarding, a
resolver that strips DNSSEC records (a dnspython proxy in front of Unbound),
a machine with no network at all, and bad resolver options.

Needs root and iproute2/knot/unbound: otherwise a loud skip (a failure when
CI=true).
"""
import concurrent.futures
import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "world"))
import harness  # noqa: E402
import world  # noqa: E402

NAME = "world"
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer")


def world_usable():
    """None if namespaces and the servers are available, else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    missing = world.have_tools()
    if missing:
        return "missing programs: " + ", ".join(missing)
    probe = "msw-probe-%d" % os.getpid()
    p = subprocess.run(["ip", "netns", "add", probe], capture_output=True)
    if p.returncode != 0:
        return "cannot create a network namespace: " + p.stderr.decode("utf-8", "replace").strip()
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def sanitizer_problems(*errs):
    return ["sanitizer: " + e[-3000:] for e in errs if any(m in e for m in SANITIZER_MARKS)]


def check_doc(case, out, rc):
    problems = []
    if rc not in (0, 1, 3):
        return problems
    try:
        doc = json.loads(out)
    except ValueError as e:
        return ["output is not JSON: %s" % e]
    problems += ["schema: " + e for e in harness.validate_json(doc)]
    problems += harness.check_findings(case, doc)
    return problems


def run_world_case(args, path):
    rel = os.path.relpath(path, harness.ROOT)
    name = "case " + rel
    try:
        case = harness.parse_case(path)
        text = open(path, encoding="utf-8").read()
    except (ValueError, OSError) as e:
        return harness.Result(NAME, name, "fail", str(e))
    if case.get("world", "replay") not in ("both", "ns"):
        return None
    zone_text = text.split("\nzone:\n", 1)[1] if "\nzone:\n" in text else ""
    try:
        w = world.world_from_text(zone_text)
    except world.WorldError as e:
        return harness.Result(NAME, name, "fail", "the world cannot express this case: %s" % e)
    argv = shlex.split(case["command"])
    want = int(case["exit"])
    problems = []
    try:
        w.start()
        # the three runs are independent: run them at once (a timeout case waits once)
        with concurrent.futures.ThreadPoolExecutor(3) as ex:
            runs = [ex.submit(w.mailsec, args.mailsec, argv + extra, wrapper=args.wrapper)
                    for extra in (["--json"], [], ["--jsonl"])]
            (rc, out, err), (rc2, out2, err2), (rc3, out3, err3) = [f.result() for f in runs]
        if rc != want:
            problems.append("exit %d with --json, want %d" % (rc, want))
        problems += check_doc(case, out, rc)
        if rc2 != want:
            problems.append("exit %d in text mode, want %d" % (rc2, want))
        if rc3 != want:
            problems.append("exit %d with --jsonl, want %d" % (rc3, want))
        elif rc3 in (0, 1, 3):
            for line in out3.splitlines():
                try:
                    problems += ["jsonl schema: " + e for e in harness.validate_json(json.loads(line))]
                except ValueError as e:
                    problems.append("jsonl line is not JSON: %s" % e)
        problems += sanitizer_problems(err, err2, err3)
        if problems and w.notes:
            problems.append("the world differs from the replay data: " + "; ".join(w.notes))
        if problems and err:
            problems.append("--- stderr:\n" + err[-2000:])
    except world.WorldError as e:
        problems.append("world: %s" % e)
    finally:
        w.stop()
    return harness.Result(NAME, name, "fail" if problems else "pass", "\n".join(problems))


# ---- scenarios beyond case files -------------------------------------------------------

BULK_ZONE = """
$SECURE signed.test.
signed.test.        MX   10 mx.signed.test.
mx.signed.test.     A    192.0.2.30
mx.signed.test.     AAAA 2001:db8::30
_25._tcp.mx.signed.test. TLSA 3 1 1 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
alias.test.         MX   10 mail.alias.test.
mail.alias.test.    CNAME mx.signed.test.
nomx.test.          A    192.0.2.31
null.test.          MX   0 .
dead.test.          *    TIMEOUT
lame.test.          *    SERVFAIL
bogus.test.         MX   10 mx.bogus.test.
mx.bogus.test.      A    192.0.2.32
bogus.test.         *    BOGUS
; MX hosts inside libunbound's built-in local zones: they must reach the server
local.test.         MX   10 mx.2.0.192.in-addr.arpa.
local.test.         MX   20 mx.8.b.d.0.1.0.0.2.ip6.arpa.
local.test.         MX   30 mx.home.arpa.
local.test.         MX   40 mx.onion.
local.test.         MX   50 mx.localhost.
mx.2.0.192.in-addr.arpa.       A    192.0.2.40
mx.8.b.d.0.1.0.0.2.ip6.arpa.   AAAA 2001:db8::40
mx.home.arpa.       A    192.0.2.41
mx.onion.           A    192.0.2.42
mx.localhost.       A    192.0.2.43
40.2.0.192.in-addr.arpa. PTR mx.2.0.192.in-addr.arpa.
"""
BULK = [("signed.test", 0, set()), ("alias.test", 1, {"mx.target.cname"}),
        ("nomx.test", 0, {"mx.missing"}), ("null.test", 0, {"mx.null"}),
        ("lame.test", 3, {"mx.lookup.failed"}), ("bogus.test", 3, {"mx.lookup.failed"}),
        ("nosuch.test", 1, {"mx.domain.nxdomain"}), ("local.test", 0, {"mx.target.ipv6-only"})]


def non_pass(d):
    return set(f["id"] for f in d["findings"] if f["severity"] != "pass")


def scenario_bulk(args, w):
    """Several domains at once and from --domains FILE: all in input order, each judged alone."""
    res = []
    doms = [d for d, _, _ in BULK]
    t0 = time.time()
    rc, out, err = w.mailsec(args.mailsec, ["check", "--json", "--only", "mx"] + doms,
                             wrapper=args.wrapper)
    took = time.time() - t0
    problems = sanitizer_problems(err)
    if rc != 1:
        problems.append("exit %d, want 1 (one domain has an error)" % rc)
    try:
        doc = json.loads(out)
        problems += ["schema: " + e for e in harness.validate_json(doc)]
        got = [d["domain"] for d in doc["domains"]]
        if got != doms:
            problems.append("domains out of input order: %s" % got)
        for d, (name, _, ids) in zip(doc["domains"], BULK):
            if non_pass(d) != ids:
                problems.append("%s: non-pass findings %s, want %s" % (name, sorted(non_pass(d)), sorted(ids)))
            if name == "signed.test" and d["facts"]["mx"].get("dnssec_secure") is not True:
                problems.append("signed.test: facts.mx.dnssec_secure is not true")
            if name == "alias.test" and d["facts"]["mx"].get("dnssec_secure") is not False:
                problems.append("alias.test: facts.mx.dnssec_secure is not false")
            bog = [f for f in d["findings"] if name == "bogus.test" and f["id"] == "mx.lookup.failed"]
            if name == "bogus.test" and not any("BOGUS" in f["message"] for f in bog):
                problems.append("bogus.test: the lookup failure does not say BOGUS: %s" % bog)
    except (ValueError, KeyError) as e:
        problems.append("output: %s" % e)
    res.append(harness.Result(NAME, "bulk: %d domains concurrently, in input order (%.1f s)"
                              % (len(doms), took), "fail" if problems else "pass", "\n".join(problems)))

    # --domains FILE, --jsonl: one line per domain (completion order), same verdicts
    problems = []
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("# fixture domains\n" + "\n".join(doms) + "\n")
        path = f.name
    try:
        rc, out, err = w.mailsec(args.mailsec, ["check", "--jsonl", "--only", "mx", "--domains", path],
                                 wrapper=args.wrapper)
    finally:
        os.unlink(path)
    problems += sanitizer_problems(err)
    if rc != 1:
        problems.append("exit %d, want 1" % rc)
    seen = {}
    for line in out.splitlines():
        try:
            d = json.loads(line)
        except ValueError as e:
            problems.append("not JSON: %s" % e)
            continue
        problems += ["schema: " + e for e in harness.validate_json(d)]
        seen[d.get("domain")] = d
    for name, _, ids in BULK:
        if name not in seen:
            problems.append("%s missing from --jsonl output" % name)
        elif non_pass(seen[name]) != ids:
            problems.append("%s: %s, want %s" % (name, sorted(non_pass(seen[name])), sorted(ids)))
    res.append(harness.Result(NAME, "bulk: --domains FILE --jsonl", "fail" if problems else "pass",
                              "\n".join(problems)))

    # --resolver: forwarding to the recursive server by address gives the same verdicts
    problems = []
    rc, out, err = w.mailsec(args.mailsec, ["check", "--json", "--only", "mx", "--resolver",
                                            world.UNBOUND_ADDR + "@53", "signed.test", "alias.test"],
                             wrapper=args.wrapper)
    problems += sanitizer_problems(err)
    if rc != 1:
        problems.append("exit %d, want 1" % rc)
    try:
        doc = json.loads(out)
        if [non_pass(d) for d in doc["domains"]] != [set(), {"mx.target.cname"}]:
            problems.append("verdicts differ: %s" % [sorted(non_pass(d)) for d in doc["domains"]])
    except (ValueError, KeyError) as e:
        problems.append("output: %s" % e)
    res.append(harness.Result(NAME, "--resolver ADDR@PORT forwards (local zones transparent)",
                              "fail" if problems else "pass", "\n".join(problems + [err[-1000:]] if problems else [])))

    # a dead nameserver: unknown, exit 3, nothing called missing, within the query timeout
    problems = []
    t0 = time.time()
    rc, out, err = w.mailsec(args.mailsec, ["check", "--json", "--only", "mx", "--timeout", "2",
                                            "dead.test"], wrapper=args.wrapper)
    took = time.time() - t0
    problems += sanitizer_problems(err)
    if rc != 3:
        problems.append("exit %d, want 3" % rc)
    try:
        doc = json.loads(out)
        if non_pass(doc["domains"][0]) != {"mx.lookup.failed"}:
            problems.append("findings %s" % sorted(non_pass(doc["domains"][0])))
    except (ValueError, KeyError, IndexError) as e:
        problems.append("output: %s" % e)
    if took > 15:
        problems.append("took %.1f s with --timeout 2" % took)
    res.append(harness.Result(NAME, "dead nameserver: unknown, exit 3 (--timeout 2: %.1f s)" % took,
                              "fail" if problems else "pass", "\n".join(problems)))

    # --deadline cancels what is in flight (ub_cancel): the dead domain is unknown, the
    # healthy one still judged, and the run ends near the deadline, not the query timeout
    problems = []
    t0 = time.time()
    rc, out, err = w.mailsec(args.mailsec, ["check", "--json", "--only", "mx", "--timeout", "30",
                                            "--deadline", "1.5", "signed.test", "dead.test"],
                             wrapper=args.wrapper)
    took = time.time() - t0
    problems += sanitizer_problems(err)
    if rc != 3:
        problems.append("exit %d, want 3" % rc)
    try:
        doc = json.loads(out)
        if [non_pass(d) for d in doc["domains"]] != [set(), {"mx.lookup.failed"}]:
            problems.append("findings %s" % [sorted(non_pass(d)) for d in doc["domains"]])
    except (ValueError, KeyError) as e:
        problems.append("output: %s" % e)
    if took > 10:
        problems.append("took %.1f s with --deadline 1.5" % took)
    res.append(harness.Result(NAME, "--deadline cancels lookups in flight (%.1f s)" % took,
                              "fail" if problems else "pass", "\n".join(problems)))
    return res


# --resolver-validates (issue 23): the world's Unbound validates (with `ede: yes`), mailsec
# trusts its AD bit and its Extended DNS Errors instead of validating with libunbound.
VALIDATES_DOMAINS = ["signed.test", "alias.test", "nomx.test", "null.test", "lame.test",
                     "bogus.test", "nosuch.test", "local.test"]


def run_in(w, args, argv, timeout=120):
    """mailsec inside the world without the trust anchor w.mailsec adds: (rc, out, err)."""
    try:
        p = subprocess.run(w.nsexec(list(args.wrapper or []) + [args.mailsec] + argv),
                           capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -999, "", "timed out after %ss" % timeout
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def dnssec_view(d):
    """What DNSSEC decides in a domain's result: findings (id, severity) and the secure facts."""
    f = d["facts"]
    return {"findings": sorted(set((x["id"], x["severity"]) for x in d["findings"])),
            "mx_secure": f.get("mx", {}).get("dnssec_secure"),
            "dnssec": (f.get("dnssec") or {}).get("domain", {}).get("status"),
            "dane": sorted((h["host"], h.get("dnssec_secure")) for h in (f.get("dane") or {}).get("hosts", []))}


def scenario_validates(args, w):
    """--resolver-validates gives in-process validation's verdicts; refused without --resolver."""
    res = []
    problems = []
    common = ["check", "--json", "--no-smtp", "--resolver", world.UNBOUND_ADDR]
    t0 = time.time()
    rc1, out1, err1 = w.mailsec(args.mailsec, common + VALIDATES_DOMAINS, wrapper=args.wrapper)
    rc2, out2, err2 = run_in(w, args, common + ["--resolver-validates"] + VALIDATES_DOMAINS)
    took = time.time() - t0
    problems += sanitizer_problems(err1, err2)
    if rc1 != rc2:
        problems.append("exit %d in-process, %d with --resolver-validates" % (rc1, rc2))
    try:
        d1, d2 = json.loads(out1), json.loads(out2)
        problems += ["schema: " + e for e in harness.validate_json(d2)]
        for a, b in zip(d1["domains"], d2["domains"]):
            va, vb = dnssec_view(a), dnssec_view(b)
            if va != vb:
                problems.append("%s: in-process %s\n  --resolver-validates %s" % (a["domain"], va, vb))
        byname = {d["domain"]: d for d in d2["domains"]}
        if byname["signed.test"]["facts"]["mx"].get("dnssec_secure") is not True:
            problems.append("signed.test: not secure through the AD bit")
        bog = [f for f in byname["bogus.test"]["findings"] if f["id"] == "dnssec.domain.bogus"]
        if not bog or "Extended DNS Error" not in bog[0]["message"]:
            problems.append("bogus.test: no dnssec.domain.bogus naming the resolver's Extended DNS "
                            "Error: %s" % bog)
        for f in byname["bogus.test"]["findings"]:
            if f["id"].endswith(".missing"):
                problems.append("bogus.test: %s (a failed lookup called missing)" % f["id"])
    except (ValueError, KeyError, IndexError) as e:
        problems.append("output: %s" % e)
    res.append(harness.Result(NAME, "--resolver-validates: the AD bit gives in-process validation's "
                              "findings (signed, insecure, bogus; %.1f s)" % took,
                              "fail" if problems else "pass", "\n".join(problems)))

    # refused without --resolver (also from the config file), and with --trust-anchor
    problems = []
    cfg = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    cfg.write('{"resolver_validates": true}\n')
    cfg.close()
    tmpd = tempfile.mkdtemp()
    try:
        for argv, want in ((["check", "--resolver-validates", "signed.test"], "needs --resolver"),
                           (["check", "--config", cfg.name, "signed.test"], "needs --resolver"),
                           (["check", "--resolver-validates", "--resolver", world.UNBOUND_ADDR,
                             "--trust-anchor", w.trust_anchor, "signed.test"], "--trust-anchor"),
                           (["monitor", "--once", "--db", os.path.join(tmpd, "m.db"),
                             "--resolver-validates"], "needs --resolver")):
            rc, out, err = run_in(w, args, argv)
            problems += sanitizer_problems(err)
            if rc != 2 or want not in err:
                problems.append("%s: exit %d, stderr %r (want 2 and %r)" % (" ".join(argv), rc,
                                                                            err[-300:], want))
        rc, out, err = run_in(w, args, ["check", "--config", cfg.name, "--json", "--only", "mx",
                                        "--resolver", world.UNBOUND_ADDR, "signed.test"])
        try:
            if rc != 0 or json.loads(out)["domains"][0]["facts"]["mx"].get("dnssec_secure") is not True:
                problems.append("config resolver_validates: exit %d, %s" % (rc, err[-300:]))
        except (ValueError, KeyError, IndexError) as e:
            problems.append("config resolver_validates: %s" % e)
    finally:
        os.unlink(cfg.name)
        shutil.rmtree(tmpd, ignore_errors=True)
    res.append(harness.Result(NAME, "--resolver-validates refused without --resolver, with "
                              "--trust-anchor; config key resolver_validates",
                              "fail" if problems else "pass", "\n".join(problems)))
    return res


# The insecure shortcut (issue 23): once libunbound has proven a zone insecure, names below
# it go to the resolver through the stub backend and come back insecure.  A CNAME out of an
# insecure zone into a secure or a bogus one must still get libunbound's verdict, and a
# trust anchor below an insecure zone keeps the zone from being marked.
SHORTCUT_ZONE = """
$SECURE signed.test.
signed.test.        MX   10 mx.signed.test.
mx.signed.test.     A    192.0.2.30
_25._tcp.mx.signed.test. TLSA 3 1 1 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
bogus.test.         MX   10 mx.bogus.test.
mx.bogus.test.      A    192.0.2.32
bogus.test.         *    BOGUS
insec.test.         MX   10 mx.insec.test.
mx.insec.test.      A    192.0.2.50
a.insec.test.       MX   10 to-signed.insec.test.
to-signed.insec.test. CNAME mx.signed.test.
b.insec.test.       MX   10 to-bogus.insec.test.
to-bogus.insec.test. CNAME mx.bogus.test.
$SECURE signed.example.
signed.example.     MX   10 mx.signed.example.
mx.signed.example.  A    192.0.2.33
insec.example.      MX   10 mx.insec.example.
mx.insec.example.   A    192.0.2.51
"""
SHORTCUT_DOMAINS = ["insec.test", "a.insec.test", "b.insec.test", "signed.test", "bogus.test"]
# Only an anchor for signed.example: example. validates to insecure (test. would not do: it is
# one of libunbound's local zones, whose apex the walk never asks about).
ANCHOR_DOMAINS = ["insec.example", "signed.example"]


def shortcut_stats(err):
    """check --stats's line on the insecure shortcut: (routed, asked again, marked), or None."""
    import re
    m = re.search(r"insecure shortcut: (\d+) queries through the stub \((\d+) asked again.*?(\d+) "
                  r"zones marked", err)
    return tuple(int(x) for x in m.groups()) if m else None


def shortcut_view(d):
    """dnssec_view and the MX hosts' secure facts: what the shortcut must not change."""
    v = dnssec_view(d)
    v["ids"] = sorted(non_pass(d))
    v["hosts"] = sorted((h.get("host"), h.get("dnssec_secure")) for h in
                        (d["facts"].get("mx", {}).get("hosts") or []) if isinstance(h, dict))
    return v


def scenario_shortcut(args, w):
    res = []
    # one domain at a time, insec.test first: the marks are in before the CNAME domains
    common = ["check", "--json", "--stats", "--no-smtp", "--concurrency", "1",
              "--resolver", world.UNBOUND_ADDR]
    for label, anchor_extra in (("root anchor", None), ("anchor below an insecure zone", True)):
        problems = []
        ta = w.trust_anchor
        tmpd = None
        if anchor_extra:
            # no root anchor: example. validates to insecure, and signed.example's anchor sits
            # below it, so example. must not be marked
            ds = [l.split() for l in w.dig("+short", "signed.example", "DS").splitlines() if l.strip()]
            if not ds:
                problems.append("no DS for signed.example from the world's resolver")
            tmpd = tempfile.mkdtemp()
            ta = os.path.join(tmpd, "signed.ds")
            with open(ta, "w") as f:
                for r in ds:
                    f.write("signed.example. 3600 IN DS %s\n" % " ".join(r))
        try:
            argv = common + ["--trust-anchor", ta]
            doms = ANCHOR_DOMAINS if anchor_extra else SHORTCUT_DOMAINS
            rc1, out1, err1 = run_in(w, args, argv + doms)
            rc2, out2, err2 = run_in(w, args, argv + ["--no-insecure-shortcut"] + doms)
            problems += sanitizer_problems(err1, err2)
            if rc1 != rc2:
                problems.append("exit %d with the shortcut, %d without" % (rc1, rc2))
            st1, st2 = shortcut_stats(err1), shortcut_stats(err2)
            if st1 is None or st1[0] == 0 or st1[2] == 0:
                problems.append("the shortcut was not used: %r\n%s" % (st1, err1[-600:]))
            elif not anchor_extra and st1[1] < 2:
                problems.append("no CNAME or failure asked again through libunbound: %r" % (st1,))
            if st2 is not None:
                problems.append("--no-insecure-shortcut still reports a shortcut: %r" % (st2,))
            if not anchor_extra:
                # monitor --stats says what the shortcut did too
                mond = tempfile.mkdtemp()
                try:
                    mdb = os.path.join(mond, "m.db")
                    for setup in (["workspace", "add", "w", "--db", mdb],
                                  ["domains", "add", "--workspace", "w", "--db", mdb] + doms):
                        rc, _, err = run_in(w, args, setup)
                        if rc != 0:
                            problems.append("%s: exit %d %s" % (" ".join(setup[:2]), rc, err[-300:]))
                    rc4, _, err4 = run_in(w, args, ["monitor", "--once", "--db", mdb, "--stats",
                                                    "--no-smtp", "--resolver", world.UNBOUND_ADDR,
                                                    "--trust-anchor", ta])
                    problems += sanitizer_problems(err4)
                    st4 = shortcut_stats(err4)
                    if rc4 != 0 or st4 is None or st4[0] == 0 or st4[2] == 0:
                        problems.append("monitor --stats: exit %d, shortcut %r\n%s" % (rc4, st4, err4[-600:]))
                finally:
                    shutil.rmtree(mond, ignore_errors=True)
                # the config key turns it off too
                cfgd = tempfile.mkdtemp()
                try:
                    cfg = os.path.join(cfgd, "c.json")
                    with open(cfg, "w") as f:
                        f.write('{"insecure_shortcut": false}\n')
                    rc3, out3, err3 = run_in(w, args, argv + ["--config", cfg, "--only", "mx", "insec.test"])
                    problems += sanitizer_problems(err3)
                    if rc3 not in (0, 1) or shortcut_stats(err3) is not None:
                        problems.append("config insecure_shortcut false: exit %d, %r" % (rc3, err3[-400:]))
                finally:
                    shutil.rmtree(cfgd, ignore_errors=True)
            d1, d2 = json.loads(out1), json.loads(out2)
            for a, b in zip(d1["domains"], d2["domains"]):
                va, vb = shortcut_view(a), shortcut_view(b)
                if va != vb:
                    problems.append("%s: with the shortcut %s\n  without %s" % (a["domain"], va, vb))
            byname = {d["domain"]: d for d in d1["domains"]}
            signed = "signed.example" if anchor_extra else "signed.test"
            if byname[signed]["facts"]["mx"].get("dnssec_secure") is not True:
                problems.append("%s: not secure with the shortcut" % signed)
            if not anchor_extra:
                bog = [f for f in byname["b.insec.test"]["findings"] if f["severity"] != "pass"
                       and "BOGUS" in f.get("message", "") + json.dumps(f.get("evidence", ""))]
                if not bog:
                    problems.append("b.insec.test: the CNAME into bogus.test is not BOGUS: %s"
                                    % sorted(non_pass(byname["b.insec.test"])))
        except (ValueError, KeyError, IndexError) as e:
            problems.append("output: %s" % e)
        finally:
            if tmpd:
                shutil.rmtree(tmpd, ignore_errors=True)
        res.append(harness.Result(NAME, "insecure shortcut (%s): the same findings as "
                                  "--no-insecure-shortcut; CNAMEs into secure and bogus zones keep "
                                  "libunbound's verdict" % label if not anchor_extra else
                                  "insecure shortcut (%s): signed.example stays secure, example. is "
                                  "never marked" % label,
                                  "fail" if problems else "pass", "\n".join(problems)))
    return res


# A middlebox resolver that strips DNSSEC records: forwards to the world's Unbound and
# drops RRSIG/NSEC/NSEC3 from every section of the reply (as some home routers and
# hotel networks do).  With mode "refuse-root-keys" it strips nothing but answers
# REFUSED for ". DNSKEY" (a filtering or split-horizon resolver).  dnspython imports
# only under /usr/bin/python3.
STRIPPER = r"""
import socket, threading, dns.message, dns.rdatatype, dns.rcode, dns.name
DROP = (dns.rdatatype.RRSIG, dns.rdatatype.NSEC, dns.rdatatype.NSEC3)
MODE = %(mode)r
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind((%(addr)r, 53))
def answer(data, peer):
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.settimeout(5)
    try:
        if MODE == "refuse-root-keys":
            q = dns.message.from_wire(data)
            if q.question and q.question[0].name == dns.name.root and \
                    q.question[0].rdtype == dns.rdatatype.DNSKEY:
                r = dns.message.make_response(q)
                r.set_rcode(dns.rcode.REFUSED)
                srv.sendto(r.to_wire(), peer)
                return
            up.sendto(data, (%(upstream)r, 53))
            srv.sendto(up.recvfrom(65535)[0], peer)
            return
        up.sendto(data, (%(upstream)r, 53))
        m = dns.message.from_wire(up.recvfrom(65535)[0])
        for sec in (m.answer, m.authority, m.additional):
            sec[:] = [r for r in sec if r.rdtype not in DROP]
        srv.sendto(m.to_wire(), peer)
    except Exception:
        pass
    finally:
        up.close()
while True:
    data, peer = srv.recvfrom(65535)
    threading.Thread(target=answer, args=(data, peer), daemon=True).start()
"""
STRIPPER_ADDR = "127.0.0.4"
NOKEYS_ADDR = "127.0.0.5"


def scenario_stripping(args, w):
    """Behind a resolver that strips DNSSEC: a warning, DNSSEC/DANE unknown, everything else judged."""
    res = []
    try:
        for addr, mode in ((STRIPPER_ADDR, "strip"), (NOKEYS_ADDR, "refuse-root-keys")):
            w.add_address(addr)
            w.spawn("proxy-" + mode, ["/usr/bin/python3", "-c", STRIPPER % dict(
                addr=addr, upstream=world.UNBOUND_ADDR, mode=mode)])
            w._wait_port(addr)
    except world.WorldError as e:
        return [harness.Result(NAME, "stripping resolver", "fail", str(e))]
    for via, want_rc, want in (
            (STRIPPER_ADDR, 3, {("dnssec.validation.unavailable", "unknown"),
                                ("dane.validation.unavailable", "unknown")}),
            (NOKEYS_ADDR, 3, {("dnssec.validation.unavailable", "unknown"),
                              ("dane.validation.unavailable", "unknown")}),
            (world.UNBOUND_ADDR, 0, {("dnssec.domain.secure", "pass"), ("dnssec.mx.secure", "pass"),
                                     ("dane.tlsa.mismatch", None)})):
        problems = []
        rc, out, err = w.mailsec(args.mailsec, ["check", "--json", "--only", "mx,dnssec,dane",
                                                "--no-smtp", "--resolver", via, "signed.test"],
                                 wrapper=args.wrapper)
        problems += sanitizer_problems(err)
        try:
            doc = json.loads(out)
            problems += ["schema: " + e for e in harness.validate_json(doc)]
            got = set((f["id"], f["severity"]) for f in doc["domains"][0]["findings"])
            ids = set(f["id"] for f in doc["domains"][0]["findings"])
            for fid, sev in want:
                if (fid, sev) not in got and not (sev is None and fid not in ids):
                    problems.append("want %s %s" % (fid, sev or "absent"))
            failed = [f for f in got if f[0] == "mx.lookup.failed" or f[0].endswith(".bogus")]
            if failed:
                problems.append("lookups failed: %s" % failed)
            mx = [f for f in got if f[0].startswith("mx.")]
            if not mx or any(sev != "pass" for _, sev in mx):
                problems.append("the MX check did not run normally: %s" % sorted(mx))
        except (ValueError, KeyError, IndexError) as e:
            problems.append("output: %s" % e)
        warned = err.count("warning: the root zone's keys")
        if warned != (1 if via != world.UNBOUND_ADDR else 0):
            problems.append("stderr warning %s: %s" % ("missing" if not warned else "unexpected", err[-800:]))
        if via == NOKEYS_ADDR and "not available" not in err:
            problems.append("the warning does not say the root keys are not available: %s" % err[-800:])
        if rc != want_rc:
            problems.append("exit %d, want %d" % (rc, want_rc))
        name = {STRIPPER_ADDR: "a resolver that strips DNSSEC: warning, DNSSEC and DANE unknown, MX still judged",
                NOKEYS_ADDR: "a resolver that REFUSEs the root's DNSKEY: one warning, fallback, DNSSEC and "
                             "DANE unknown, never dnssec.domain.bogus",
                }.get(via, "the same domain through a validating resolver: secure")
        res.append(harness.Result(NAME, name, "fail" if problems else "pass",
                                  "\n".join(problems + ([out[-2000:]] if problems else []))))
    return res


def scenario_no_network(args):
    """A machine with no network at all (a namespace with only lo, the host's resolv.conf),
    a --resolver where nothing listens and one that never answers: each ends promptly,
    says once on stderr that no resolver answered and why, exits 2 (could not run), and
    every domain is all unknown with no grade (issue 14 item 1)."""
    ns = "msw-nonet-%d" % os.getpid()
    problems = []
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        return [harness.Result(NAME, "no network", "fail", "cannot create a namespace")]
    hole = None
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], capture_output=True)
        # a black hole: a UDP socket that reads and never answers
        hole = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c",
                                 "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                                 "s.bind(('127.0.0.1',5399))\nprint('up',flush=True)\n"
                                 "while True: s.recv(4096)"],
                                stdout=subprocess.PIPE)
        hole.stdout.readline()
        res = []
        for label, extra, reason, limit in (
                ("no network at all", [], "network is unreachable", 20),
                ("--resolver where nothing listens", ["--resolver", "127.0.0.1@5398"],
                 "connection refused", 20),
                ("--resolver that never answers", ["--resolver", "127.0.0.1@5399", "--timeout", "2"],
                 "no reply within 1.900 s", 20)):
            problems = []
            t0 = time.time()
            argv = ["ip", "netns", "exec", ns] + list(args.wrapper or []) + [
                args.mailsec, "check", "--json", "example.org"] + extra
            rc, out, err = harness.run(argv, timeout=60)
            took = time.time() - t0
            problems += sanitizer_problems(err)
            if rc != 2:
                problems.append("exit %d, want 2 (could not run)" % rc)
            said = [l for l in err.splitlines() if "no answer from" in l]
            if len(said) != 1 or reason not in said[0]:
                problems.append("stderr should say once 'no answer from ADDR: %s': %r" % (reason, said))
            try:
                doc = json.loads(out)
                problems += ["schema: " + e for e in harness.validate_json(doc)]
                d = doc["domains"][0]
                sev = set(f["severity"] for f in d["findings"])
                if sev != {"unknown"}:
                    problems.append("severities %s, want only unknown" % sorted(sev))
                if d["summary"]["grade"] != "?":
                    problems.append("grade %r, want '?' (nothing known, no letter)" % d["summary"]["grade"])
                bad = [f["message"] for f in d["findings"]
                       if "no answer from the resolver" not in f["message"]]
                if bad:
                    problems.append("findings not saying 'no answer from the resolver': %s" % bad[:3])
            except (ValueError, KeyError, IndexError) as e:
                problems.append("output: %s" % e)
            if took > limit:
                problems.append("took %.1f s" % took)
            res.append(harness.Result(NAME, "%s: 'no answer from', all unknown, no grade, exit 2 (%.1f s)"
                                      % (label, took), "fail" if problems else "pass",
                                      "\n".join(problems + ([err[-1500:]] if problems else []))))
        # The other commands that look things up say the same and exit 2 too.
        for label, cmd in (("spf tree", ["spf", "tree", "example.org"]),
                           ("spf eval", ["spf", "eval", "--ip", "192.0.2.1", "--sender", "a@example.org"]),
                           ("dmarc eval", ["dmarc", "eval", "--from", "example.org"]),
                           ("plan migrate", ["plan", "migrate", "example.org"]),
                           ("records dmarc --stage", ["records", "dmarc", "example.org", "--stage", "reject"])):
            argv = ["ip", "netns", "exec", ns] + list(args.wrapper or []) + [args.mailsec] + cmd
            rc, out, err = harness.run(argv, timeout=60)
            ok = rc == 2 and err.count("mailsec: no answer from ") == 1 and not sanitizer_problems(err)
            res.append(harness.Result(NAME, "no network: %s says so once and exits 2" % label,
                                      "pass" if ok else "fail", "exit %d, stderr: %s" % (rc, err[-1500:])))
        # Unusable resolver settings: exit 2 with a message, never a crash or a fallback.
        for label, extra, needle in (
                ("--resolver not an address", ["--resolver", "resolver.example"], "--resolver"),
                ("--resolver bad port", ["--resolver", "127.0.0.1@99999"], "--resolver"),
                ("--trust-anchor missing file", ["--trust-anchor", "/nonexistent/root.key"],
                 "trust anchor")):
            argv = ["ip", "netns", "exec", ns] + list(args.wrapper or []) + [
                args.mailsec, "check", "example.test"] + extra
            rc, out, err = harness.run(argv, timeout=60)
            ok = rc == 2 and needle in err and not sanitizer_problems(err)
            res.append(harness.Result(NAME, "bad option: " + label, "pass" if ok else "fail",
                                      "exit %d, stderr: %s" % (rc, err[-1500:])))
    finally:
        if hole:
            hole.kill()
            hole.wait()
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    return res


def run(args):
    why = world_usable()
    if why:
        return [harness.skip_or_fail(NAME, "namespace DNS world", why)]
    paths = sorted(glob.glob(os.path.join(harness.ROOT, "tests", "cases", "**", "*.case"), recursive=True))
    jobs = max(2, min(args.jobs, 6))
    results = []

    def bulk():
        try:
            w = world.world_from_text(BULK_ZONE)
            with w:
                return (scenario_bulk(args, w) + scenario_stripping(args, w) +
                        scenario_validates(args, w))
        except world.WorldError as e:
            return [harness.Result(NAME, "bulk world", "fail", str(e))]

    def shortcut():
        try:
            w = world.world_from_text(SHORTCUT_ZONE)
            with w:
                return scenario_shortcut(args, w)
        except world.WorldError as e:
            return [harness.Result(NAME, "shortcut world", "fail", str(e))]

    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        futs = [ex.submit(bulk), ex.submit(shortcut), ex.submit(scenario_no_network, args)]
        cases = list(ex.map(lambda p: run_world_case(args, p), paths))
        for f in futs:
            results.extend(f.result())
    results = [r for r in cases if r is not None] + results
    return results
