"""tests/groups/transport.py - MTA-STS, STARTTLS, DANE and certificates against real Postfix and nginx.

Starts tests/world/mailworld.py (a network namespace with Postfix, nginx and a
tarpit) and asserts findings by id (the list of non-pass findings is exact, as in
case files), the exit code, and the JSON schema.  Every scenario runs twice:
first with replay DNS mapping the fixture names to the namespace's addresses, then
with the DNS world (tests/world/world.py: Knot serving every fixture zone under a
signed fake root, a validating Unbound) started inside the same namespace, so
DANE's TLSA records and the DNSSEC status come from real validation.  Also runs,
both ways, from $MAILSEC_TESTDATA against the real nginx: postfix-mta-sts-resolver's
end-to-end cases and its socketmap reference data (mailsec's enforce verdict must be
what the daemon answers Postfix), and checkdmarc's MTA-STS vectors.  Skips loudly
(fails when CI=true) when the namespace cannot be made.
"""
import concurrent.futures
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TESTS)
# mailworld is imported as a top-level module: "world" is the DNS world's module name.
sys.path.insert(0, os.path.join(TESTS, "world"))
from harness import (Result, TIME_SCALE, check_findings, skip_or_fail, testdata_dir,  # noqa: E402
                     validate_json)
from mailworld import ADDR, ADDR6, MAIL, MailWorld, WorldUnavailable  # noqa: E402
from world import WorldError, world_from_text  # noqa: E402

NAME = "transport"
NET_TIMEOUT = "%g" % (2 * TIME_SCALE)

GOOD_POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx-good.mail.test\r\nmax_age: 1209600\r\n"
TLSRPT = 'TXT "v=TLSRPTv1; rua=mailto:tls@%s"'


def base_zone():
    z = []
    for name, a in ADDR.items():
        z.append("%s.%s. A %s" % (name, MAIL, a))
        z.append("%s.in-addr.arpa. PTR %s.%s." % (".".join(reversed(a.split("."))), name, MAIL))
    for name, a in ADDR6.items():
        z.append("%s. PTR %s.%s." % (ipaddress.ip_address(a).reverse_pointer, name, MAIL))
    return "\n".join(z) + "\n"


def sts_domain(w, dom, mx, txt=True, tlsrpt=True, site=None, host_addr=None):
    """Zone lines for an MTA-STS fixture domain; registers its nginx site."""
    z = ["%s. MX %d %s." % (dom, 10 * (i + 1), h) for i, h in enumerate(mx)]
    if txt:
        z.append('_mta-sts.%s. TXT "v=STSv1; id=20261122T000000"' % dom)
    if tlsrpt:
        z.append("_smtp._tls.%s. %s" % (dom, TLSRPT % dom))
    z.append("mta-sts.%s. A %s" % (dom, host_addr or ADDR["web"]))
    if site is not None:
        w.add_site("mta-sts." + dom, **site)
    return z


def scenarios(w, spki_good):
    """(name, args, zone lines, exit, [(id, severity)], extra check or None)."""
    S = []

    def add(name, args, zone, rc, expect, extra=None):
        S.append((name, args, zone, rc, expect, extra))

    def facts_good(doc):
        a = doc["domains"][0]["facts"]["tls"]["addresses"][0]
        probs = []
        for k in ("protocol", "cipher", "certificate", "dane", "mta_sts_match"):
            if a.get(k) in (None, ""):
                probs.append("facts.tls.addresses[0].%s missing" % k)
        if a.get("mta_sts_match") is not True:
            probs.append("mta_sts_match is %r" % a.get("mta_sts_match"))
        c = a.get("certificate") or {}
        if ("mx-good.mail.test" not in (c.get("sans") or []) or not c.get("issuer") or not c.get("not_after")
                or "mx-good.mail.test" not in (c.get("subject") or "")):
            probs.append("certificate facts incomplete: %r" % c)
        return probs

    add("good: enforced MTA-STS, STARTTLS, valid certificate",
        ["check", "good.test", "--only", "mta-sts,tls,dane"],
        sts_domain(w, "good.test", ["mx-good.mail.test"], site=dict(body=GOOD_POLICY)),
        0, [("mta-sts.policy.valid", "pass"), ("mta-sts.mode.enforce", "pass"),
            ("mta-sts.mx.matched", "pass"), ("tls.starttls.ok", "pass"), ("tls.protocol.ok", "pass"),
            ("tls.cert.valid", "pass")], facts_good)
    mx = lambda d, h: ["%s. MX 10 %s." % (d, h)]  # noqa: E731
    def both_families(doc):
        addrs = sorted(a["address"] for a in doc["domains"][0]["facts"]["tls"]["addresses"]
                       if a.get("protocol"))
        want = sorted([ADDR["mx-good"], ADDR6["mx-good"]])
        return [] if addrs == want else ["probed with TLS: %r, want %r" % (addrs, want)]

    add("IPv4 and IPv6 addresses of one MX are both probed", ["check", "dual.test", "--only", "tls"],
        ["dual.test. MX 10 dual.mail.test.", "dual.mail.test. A %s" % ADDR["mx-good"],
         "dual.mail.test. AAAA %s" % ADDR6["mx-good"]], 0,
        [("tls.cert.name-mismatch", "warning"), ("tls.starttls.ok", "pass")], both_families)
    add("TLS 1.0 only", ["check", "tls10.test", "--only", "tls"], mx("tls10.test", "mx-tls10.mail.test"),
        1, [("tls.protocol.old", "error"), ("tls.starttls.ok", "pass")])
    add("TLS 1.0/1.1 still accepted", ["check", "legacy.test", "--only", "tls"],
        mx("legacy.test", "mx-legacy.mail.test"), 0,
        [("tls.protocol.legacy-accepted", "warning"), ("tls.protocol.ok", "pass")])
    add("expired certificate", ["check", "expired.test", "--only", "tls"],
        mx("expired.test", "mx-expired.mail.test"), 1, [("tls.cert.expired", "error")])
    add("wrong name; banner names another host", ["check", "wrongname.test", "--only", "tls"],
        mx("wrongname.test", "mx-wrongname.mail.test"), 0,
        [("tls.cert.name-mismatch", "warning"), ("tls.banner.name-mismatch", "info")])
    add("self-signed (opportunistic: warning)", ["check", "selfsigned.test", "--only", "tls"],
        mx("selfsigned.test", "mx-self.mail.test"), 0, [("tls.cert.self-signed", "warning")])
    add("self-signed under enforced MTA-STS: error", ["check", "sts-self.test", "--only", "tls"],
        sts_domain(w, "sts-self.test", ["mx-self.mail.test"],
                   site=dict(body="version: STSv1\nmode: enforce\nmx: mx-self.mail.test\nmax_age: 1209600\n")),
        1, [("tls.cert.self-signed", "error")])
    add("no STARTTLS", ["check", "nostarttls.test", "--only", "tls"],
        mx("nostarttls.test", "mx-plain.mail.test"), 1, [("tls.starttls.missing", "error")])
    add("server refuses the client (554): unknown", ["check", "reject.test", "--only", "tls"],
        mx("reject.test", "mx-reject.mail.test"), 3, [("tls.smtp.refused", "unknown")])
    add("certificate from an untrusted CA", ["check", "rogue.test", "--only", "tls"],
        mx("rogue.test", "mx-rogue.mail.test"), 0, [("tls.cert.untrusted", "warning")])
    add("certificate expiring in 5 days", ["check", "expiring.test", "--only", "tls"],
        mx("expiring.test", "mx-expiring.mail.test"), 0, [("tls.cert.expiring", "warning")])
    add("RSA-1024 key, SHA-1 signature", ["check", "weak.test", "--only", "tls"],
        mx("weak.test", "mx-weak.mail.test"), 0,
        [("tls.cert.weak-key", "warning"), ("tls.cert.weak-signature", "warning")])
    add("STARTTLS offered, handshake answered with garbage", ["check", "broken.test", "--only", "tls"],
        mx("broken.test", "broken-tls.mail.test"), 1, [("tls.handshake.failed", "error")])
    add("connection refused: unknown", ["check", "refused.test", "--only", "tls"],
        mx("refused.test", "closed.mail.test"), 3, [("tls.probe.failed", "unknown")])
    def tarpit_timed_out(doc):
        for a in doc["domains"][0]["facts"]["tls"]["addresses"]:
            if a["host"] == "tarpit.mail.test" and "timed out" not in (a.get("error") or ""):
                return ["the tarpit probe did not time out: %r" % a.get("error")]
        return []

    add("three MX, one a tarpit: probed concurrently", ["check", "three.test", "--only", "tls"],
        ["three.test. MX 10 mx-good.mail.test.", "three.test. MX 20 tarpit.mail.test.",
         "three.test. MX 30 mx-self.mail.test."], 3,
        [("tls.probe.failed", "unknown"), ("tls.cert.self-signed", "warning")], tarpit_timed_out)
    def cut_by_deadline(host):
        def check(doc):
            for a in doc["domains"][0]["facts"]["tls"]["addresses"]:
                if a["host"] == host and "deadline" not in (a.get("error") or ""):
                    return ["the %s probe was not cut by --deadline: %r" % (host, a.get("error"))]
            return []
        return check

    long_timeout = "%g" % (20 * TIME_SCALE)
    add("--deadline cuts a STARTTLS probe that is still waiting",
        ["check", "three.test", "--only", "tls", "--net-timeout", long_timeout,
         "--deadline", "%g" % (3 * TIME_SCALE)], [], 3,
        [("tls.probe.failed", "unknown"), ("tls.cert.self-signed", "warning")],
        cut_by_deadline("tarpit.mail.test"))
    # DANE: the mx-good service's certificate names these hosts too.
    other = "00" * 32
    add("DANE-EE matches (one record: rollover hint)", ["check", "dane-ok.test", "--only", "tls,dane"],
        ["$SECURE dane-ok.test.", "dane-ok.test. MX 10 mx.dane-ok.test.", "mx.dane-ok.test. A %s" % ADDR["mx-good"],
         "_25._tcp.mx.dane-ok.test. TLSA 3 1 1 %s" % spki_good, "_25._tcp.mx.dane-ok.test. TLSA 3 1 1 %s" % other],
        0, [("dane.tlsa.valid", "pass"), ("dane.tlsa.single", "info"), ("tls.cert.valid", "pass")])
    add("DANE-TA: the issuing CA's key matches", ["check", "dane-ta.test", "--only", "tls,dane"],
        ["$SECURE dane-ta.test.", "dane-ta.test. MX 10 mx.dane-ta.test.", "mx.dane-ta.test. A %s" % ADDR["mx-good"],
         "_25._tcp.mx.dane-ta.test. TLSA 2 1 1 %s" % w.pki.spki_sha256(w.pki.ca)],
        0, [("dane.tlsa.valid", "pass"), ("dane.tlsa.single", "info"), ("tls.cert.valid", "pass")])
    add("DANE TLSA does not match", ["check", "dane-bad.test", "--only", "tls,dane"],
        ["$SECURE dane-bad.test.", "dane-bad.test. MX 10 mx.dane-bad.test.", "mx.dane-bad.test. A %s" % ADDR["mx-good"],
         "_25._tcp.mx.dane-bad.test. TLSA 3 1 1 %s" % other], 1, [("dane.tlsa.mismatch", "error")])
    add("DNSSEC status: signed domain, MX host in the same signed zone",
        ["check", "dane-ok.test", "--only", "dnssec"], [], 0,
        [("dnssec.domain.secure", "pass"), ("dnssec.mx.secure", "pass")])
    add("DNSSEC status: MX host in an unsigned zone", ["check", "dane-mixed.test", "--only", "dnssec,dane"],
        ["$SECURE dane-mixed.test.", "dane-mixed.test. MX 10 mx-good.mail.test."], 0,
        [("dnssec.domain.secure", "pass"), ("dnssec.mx.insecure", "info")])
    add("--only dane still verifies the certificate (probes shared with tls)",
        ["check", "dane-bad.test", "--only", "dane"], [], 1, [("dane.tlsa.mismatch", "error")])
    add("TLSA in an unsigned zone", ["check", "dane-insecure.test", "--only", "tls,dane"],
        ["dane-insecure.test. MX 10 mx.dane-insecure.test.", "mx.dane-insecure.test. A %s" % ADDR["mx-good"],
         "_25._tcp.mx.dane-insecure.test. TLSA 3 1 1 %s" % spki_good], 1, [("dane.tlsa.insecure", "error")])
    # MTA-STS policy hosting, good and broken (nginx).
    only = ["--only", "mta-sts"]
    add("policy in testing mode; unlisted MX, stale pattern, no TLS-RPT", ["check", "sts-testing.test"] + only,
        sts_domain(w, "sts-testing.test", ["mx-good.mail.test", "mx-plain.mail.test"], tlsrpt=False,
                   site=dict(body="version: STSv1\nmode: testing\nmx: mx-good.mail.test\nmx: old.mail.test\nmax_age: 86400\n")),
        0, [("mta-sts.mode.testing", "info"), ("mta-sts.mx.unmatched", "warning"),
            ("mta-sts.mx.pattern.unused", "warning"), ("mta-sts.tlsrpt.missing", "warning")])
    add("enforced policy does not list an MX", ["check", "sts-unlisted.test"] + only,
        sts_domain(w, "sts-unlisted.test", ["mx-good.mail.test", "mx-self.mail.test"], site=dict(body=GOOD_POLICY)),
        1, [("mta-sts.mx.unmatched", "error")])
    add("policy URL redirects", ["check", "sts-redirect.test"] + only,
        sts_domain(w, "sts-redirect.test", ["mx-good.mail.test"],
                   site=dict(status=301, location="https://www.sts-redirect.test/mta-sts.txt")),
        1, [("mta-sts.policy.redirect", "error")])
    add("policy URL 404", ["check", "sts-404.test"] + only,
        sts_domain(w, "sts-404.test", ["mx-good.mail.test"], site=dict(status=404)),
        1, [("mta-sts.policy.http-status", "error")])
    add("policy served as text/html", ["check", "sts-ctype.test"] + only,
        sts_domain(w, "sts-ctype.test", ["mx-good.mail.test"], site=dict(body=GOOD_POLICY, ctype="text/html")),
        1, [("mta-sts.policy.content-type", "error")])
    add("policy larger than 64 KiB", ["check", "sts-big.test"] + only,
        sts_domain(w, "sts-big.test", ["mx-good.mail.test"],
                   site=dict(body=GOOD_POLICY + "ext: " + "a" * 70000 + "\n")),
        1, [("mta-sts.policy.too-large", "error")])
    add("policy host certificate from an untrusted CA", ["check", "sts-badcert.test"] + only,
        sts_domain(w, "sts-badcert.test", ["mx-good.mail.test"], site=dict(body=GOOD_POLICY, cert="rogue")),
        1, [("mta-sts.policy.cert.invalid", "error")])
    add("policy host certificate without the mta-sts name", ["check", "sts-noname.test"] + only,
        sts_domain(w, "sts-noname.test", ["mx-good.mail.test"],
                   site=dict(body=GOOD_POLICY, sans=["sts-noname.test"])),
        1, [("mta-sts.policy.cert.invalid", "error")])
    add("malformed policy", ["check", "sts-invalid.test"] + only,
        sts_domain(w, "sts-invalid.test", ["mx-good.mail.test"], site=dict(body="<html>hello</html>\n")),
        1, [("mta-sts.policy.invalid", "error")])
    add("mode none", ["check", "sts-none.test"] + only,
        sts_domain(w, "sts-none.test", ["mx-good.mail.test"],
                   site=dict(body="version: STSv1\nmode: none\nmax_age: 86400\n")),
        0, [("mta-sts.mode.none", "warning")])
    add("enforce with a one-day max_age", ["check", "sts-short.test"] + only,
        sts_domain(w, "sts-short.test", ["mx-good.mail.test"],
                   site=dict(body=GOOD_POLICY.replace("1209600", "86400"))),
        0, [("mta-sts.max-age.short", "warning")])
    prof = os.path.join(w.tmp, "lenient.json")
    with open(prof, "w") as f:
        json.dump({"name": "lenient", "schema": "mailsec-profile/1",
                   "mta-sts": {"min_enforce_max_age": 3600}, "tls": {"expiry_warning_days": 2}}, f)
    add("profile: a one-day max_age is enough", ["check", "sts-short.test", "--profile", prof] + only,
        [], 0, [("mta-sts.mode.enforce", "pass")])
    add("profile: 5 days to expiry is enough", ["check", "expiring.test", "--only", "tls", "--profile", prof],
        [], 0, [("tls.cert.valid", "pass")])
    add("policy served without a TXT record", ["check", "sts-norecord.test"] + only,
        sts_domain(w, "sts-norecord.test", ["mx-good.mail.test"], txt=False, site=dict(body=GOOD_POLICY)),
        0, [("mta-sts.policy.without-record", "warning")])
    add("policy host accepts TCP and never answers", ["check", "sts-slow.test"] + only,
        sts_domain(w, "sts-slow.test", ["mx-good.mail.test"], host_addr=ADDR["tarpit"]),
        3, [("mta-sts.policy.fetch.timeout", "unknown")])
    def fetch_cut(doc):
        msgs = [f["message"] for d in doc["domains"] for f in d["findings"]
                if f["id"] == "mta-sts.policy.fetch.timeout"]
        return [] if any("deadline" in m for m in msgs) else ["the fetch was not cut by --deadline: %r" % msgs]
    add("--deadline cuts an HTTPS policy fetch that is still waiting",
        ["check", "sts-slow.test", "--net-timeout", long_timeout, "--deadline", "%g" % (3 * TIME_SCALE)] + only,
        [], 3, [("mta-sts.policy.fetch.timeout", "unknown")], fetch_cut)
    add("policy host refuses connections", ["check", "sts-closed.test"] + only,
        sts_domain(w, "sts-closed.test", ["mx-good.mail.test"], host_addr=ADDR["closed"]),
        1, [("mta-sts.policy.fetch.failed", "error")])
    return S


def resolver_vectors(w):
    """postfix-mta-sts-resolver end-to-end cases: (domain, zone lines, expected) or a skip Result."""
    d = os.path.join(testdata_dir(), "mta-sts", "postfix-mta-sts-resolver")
    path = os.path.join(d, "cases.tsv")
    if not os.path.exists(path):
        return None
    out = []
    header = None
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        cols = line.rstrip("\n").split("\t")
        if header is None:
            header = cols
            continue
        row = dict(zip(header, cols))
        dom, txt, http, pfile, want = (row["domain"], row["txt_record_at__mta-sts"], row["http"],
                                       row["policy_file"], row["expected"])
        bare = dom.strip(".")
        z = ["%s. MX 10 mail.loc." % bare, "mail.loc. A %s" % ADDR["mx-good"]]
        if bare == "blackhole.loc":
            z = ["blackhole.loc. * TIMEOUT", "_mta-sts.blackhole.loc. * TIMEOUT",
                 "mta-sts.blackhole.loc. * TIMEOUT"]
        elif txt.startswith("(no TXT"):
            z.append("mta-sts.%s. A %s" % (bare, ADDR["web"]))
        elif txt.startswith("(name _mta-sts"):
            z.append("_mta-sts.%s. A 127.0.0.1" % bare)
        elif not txt.startswith("("):
            z.append('_mta-sts.%s. TXT "%s"' % (bare, txt))
            z.append("mta-sts.%s. A %s" % (bare, ADDR["web"]))
        if pfile not in ("-", "") and ("mta-sts." + bare) not in w.sites:
            body = open(os.path.join(d, "policies", pfile), "rb").read()
            status = int(http.split()[0]) if http[:1].isdigit() else 200
            ctype = "text/html" if "text/html" in http else "text/plain"
            site = dict(body=body, ctype=ctype, status=status if status != 200 else 200)
            if bare == "bad-cert1.loc":
                site["cert"] = "rogue"
            if bare == "bad-cert2.loc":
                site["sans"] = [bare]
            if status != 200:
                site = dict(status=status)
            w.add_site("mta-sts." + bare, **site)
        out.append((dom, z, want, row.get("note", "")))
    return out


def socketmap_vectors():
    """postfix-mta-sts-resolver's socketmap reference data: (query, expected reply) or None.
    A reply "OK secure match=mail.loc ..." means a sending MTA enforces the policy."""
    path = os.path.join(testdata_dir(), "mta-sts", "postfix-mta-sts-resolver", "postfix-socketmap-refdata.tsv")
    if not os.path.exists(path):
        return None
    out = []
    for line in open(path, encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        query, reply = line.rstrip("\n").split("\t", 1)
        out.append((query.split(" ", 1)[1], reply.strip()))
    return out


def socketmap_domain(key):
    """The policy domain Postfix looks up for a socketmap key, or None (a parent-domain
    ".example" key or an address literal: no MTA-STS lookup at all)."""
    if key.startswith("["):
        key = key[1:key.index("]")]
    elif key.count(":") == 1:
        key = key.split(":")[0]
    try:
        ipaddress.ip_address(key)
        return None
    except ValueError:
        pass
    return None if key.startswith(".") else key.rstrip(".")


def socketmap_job(run_mailsec, prefix, v):
    """mailsec's verdict must be what the resolver daemon answers Postfix: enforce or nothing."""
    query, reply = v
    dom = socketmap_domain(query)
    probs = []
    got = "NOTFOUND"
    if dom is not None:
        rc, out, err, secs = run_mailsec(["check", dom, "--only", "mta-sts", "--json", "--net-timeout", NET_TIMEOUT])
        try:
            doc = json.loads(out)
            probs += ["schema: " + e for e in validate_json(doc)]
            ids = set(f["id"] for d in doc["domains"] for f in d["findings"])
            facts = doc["domains"][0]["facts"].get("mta-sts", {})
            if "mta-sts.policy.valid" in ids and facts.get("mode") == "enforce":
                got = "OK secure match=%s" % ":".join(facts.get("mx") or [])
        except (ValueError, KeyError, IndexError) as e:
            probs.append("output: %s (exit %d) %s" % (e, rc, err[-500:]))
    want = reply.split(" servername=")[0]
    if got != want:
        probs.append("mailsec says %r, the resolver daemon %r" % (got, reply))
    return Result(NAME, prefix + "postfix-mta-sts-resolver socketmap %r -> %s" % (query, want),
                  "fail" if probs else "pass", "\n".join(probs))


# checkdmarc is stricter than RFC 8461 (it rejects extension fields, which the ABNF
# allows); for those vectors the RFC verdict is expected instead.
CHECKDMARC_RFC_DIVERGES = {"Test.testParseMtaStsPolicyUnexpectedKey": True}


def checkdmarc_vectors(w):
    """checkdmarc's record and policy vectors as end-to-end scenarios (TXT via replay, policy via nginx)."""
    path = os.path.join(testdata_dir(), "mta-sts", "checkdmarc", "checkdmarc-mta-sts-vectors.yml")
    if not os.path.exists(path):
        return None
    import yaml
    out = []
    n = 0
    for test in yaml.safe_load(open(path, encoding="utf-8")):
        for v in test.get("vectors", []):
            n += 1
            arg = v["args"][0]
            ok = any(e.startswith("returns") for e in v["expect"])
            if test["test"] in CHECKDMARC_RFC_DIVERGES:
                ok = CHECKDMARC_RFC_DIVERGES[test["test"]]
            dom = "cd%d.test" % n
            name = "checkdmarc %s: %s" % (test["test"], test.get("description", ""))
            if v["function"] == "parse_mta_sts_record":
                zone = ["%s. MX 10 mx-good.mail.test." % dom, '_mta-sts.%s. TXT "%s"' % (dom, arg),
                        "_smtp._tls.%s. %s" % (dom, TLSRPT % dom)]
                if ok:
                    expect = [("mta-sts.record.valid", "pass")]
                elif arg.startswith("v=STSv1"):
                    expect = [("mta-sts.record.invalid", "error")]
                else:
                    expect = [("mta-sts.record.missing", "info")]
                extra = None
                want_rc = None      # no policy host: only the record's verdict matters
            else:
                zone = sts_domain(w, dom, ["mx-good.mail.test"], site=dict(body=arg))
                expect = [("mta-sts.policy.valid", "pass")] if ok else [("mta-sts.policy.invalid", "error")]
                want_rc = None
                extra = None
            out.append((name, ["check", dom, "--only", "mta-sts"], zone, want_rc, expect, extra))
    return out


def replay_runner(args, w, zone):
    """mailsec in the mail world's namespace, DNS from zone (replay data)."""
    return lambda argv: w.mailsec(args.mailsec, argv, zone)


def knot_runner(args, w, dns):
    """mailsec in the same namespace, DNS from the real Unbound resolving the Knot zones."""
    def run(argv):
        t0 = time.time()
        rc, out, err = dns.mailsec(args.mailsec, argv + ["--ca-file", w.pki.ca_file], timeout=120)
        return rc, out, err, time.time() - t0
    return run


def one(run_mailsec, prefix, name, argv, rc_want, expect, extra):
    rc, out, err, secs = run_mailsec(argv + ["--json"] + ([] if "--net-timeout" in argv else
                                                          ["--net-timeout", NET_TIMEOUT]))
    problems = []
    if rc_want is not None and rc != rc_want:
        problems.append("exit %d, want %d" % (rc, rc_want))
    doc = None
    try:
        doc = json.loads(out)
    except ValueError as e:
        problems.append("not JSON: %s" % e)
    if doc is not None:
        problems += ["schema: " + e for e in validate_json(doc)]
        if rc_want is None:     # only the listed ids matter (the rest depends on the policy)
            got = set((f["id"], f["severity"]) for d in doc["domains"] for f in d["findings"])
            problems += ["expected %s %s" % e for e in expect if e not in got]
        else:
            problems += check_findings({"expect": expect}, doc)
        if extra:
            problems += extra(doc)
    if "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
        problems.append("sanitizer: " + err[-3000:])
    detail = "%.2fs" % secs
    if problems:
        detail = "\n".join(problems) + "\n--- stderr:\n" + err[-1500:] + "\n--- findings:\n" + "\n".join(
            "%s %s %s" % (f["id"], f["severity"], f["message"])
            for d in (doc or {}).get("domains", []) for f in d["findings"])
    return Result(NAME, prefix + name, "fail" if problems else "pass", detail), secs, doc


def vector_job(run_mailsec, prefix, v):
    """One postfix-mta-sts-resolver case: VALID, NONE or FETCH_ERROR, as mailsec sees it."""
    dom, z, want, note = v
    rc, out, err, secs = run_mailsec(["check", dom, "--only", "mta-sts", "--json", "--net-timeout", NET_TIMEOUT])
    ids = set()
    probs = []
    if rc in (0, 1, 3):
        try:
            doc = json.loads(out)
            probs += ["schema: " + e for e in validate_json(doc)]
            ids = set(f["id"] for d in doc["domains"] for f in d["findings"])
        except ValueError as e:
            probs.append("not JSON: %s" % e)
    if want == "VALID":
        ok = "mta-sts.record.valid" in ids and "mta-sts.policy.valid" in ids
    elif want == "NONE":
        ok = rc == 2 or "mta-sts.record.valid" not in ids
    else:
        ok = rc in (0, 1, 3) and "mta-sts.policy.valid" not in ids
    if not ok:
        probs.append("want %s, got exit %d, ids %s\n%s" % (want, rc, sorted(ids), err[-800:]))
    return Result(NAME, prefix + "postfix-mta-sts-resolver %s (%s) -> %s" % (dom, note or want, want),
                  "fail" if probs else "pass", "\n".join(probs))


def run_all(run_for, prefix, scen, vectors, socketmap=()):
    """Every scenario and vector through one DNS source; run_for(zone or None) gives the runner."""
    res = []
    run_all_zone = run_for(None)

    def job(s):
        name, argv, zone, rc, expect, extra = s
        return one(run_all_zone, prefix, name, argv, rc, expect, extra)

    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        for (r, secs, doc), s in zip(ex.map(job, scen), scen):
            if s[0].startswith("three MX"):
                r.detail += ("\nconcurrency: 3 MX hosts (one a tarpit), --net-timeout %s: check took %.2fs"
                             % (NET_TIMEOUT, secs))
                print("transport (%s): three MX hosts, one a tarpit, --net-timeout %s: check took %.2fs; "
                      "probed one after another the per-host timeouts alone would add up to %ss"
                      % (prefix.rstrip(": ") or "replay DNS", NET_TIMEOUT, secs, 3 * int(NET_TIMEOUT)),
                      file=sys.stderr)
            res.append(r)
    if vectors:
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            res.extend(ex.map(lambda v: vector_job(run_for(v[1]), prefix, v), vectors))
    if socketmap:
        every_vector = [line for v in vectors for line in v[1]]
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            res.extend(ex.map(lambda v: socketmap_job(run_for(every_vector), prefix, v), socketmap))
    return res


def plan_jobs(run_mailsec, prefix):
    """mailsec plan fetches the live MTA-STS policy's max_age as check does (real DNS only:
    a --replay plan is offline)."""
    res = []
    for dom, want in (("sts-short.test", dict(source="fetched", max_age=86400, first_day=1)),
                      ("good.test", dict(source="fetched", max_age=1209600, first_day=14)),
                      ("sts-404.test", dict(source="assumed", max_age=1209600, why="404"))):
        rc, out, err, secs = run_mailsec(["plan", "migrate", dom, "--json", "--start", "2026-01-05",
                                          "--net-timeout", NET_TIMEOUT])
        probs = []
        try:
            doc = json.loads(out)
            probs += ["schema: " + e for e in validate_json(doc, "mailsec-plan-1.json")]
            pol = doc.get("mta_sts_policy") or {}
            for k in ("source", "max_age"):
                if pol.get(k) != want[k]:
                    probs.append("mta_sts_policy.%s = %r, want %r" % (k, pol.get(k), want[k]))
            if want["source"] == "fetched" and pol.get("url") != "https://mta-sts.%s/.well-known/mta-sts.txt" % dom:
                probs.append("url %r" % pol.get("url"))
            if "why" in want and want["why"] not in (pol.get("why") or ""):
                probs.append("why %r does not say %s" % (pol.get("why"), want["why"]))
            if "first_day" in want:
                days = [s["day"] for s in doc["steps"] if s["day"] > 0]
                if not days or days[0] != want["first_day"]:
                    probs.append("the first wait is %r days, want %d" % (days[:1], want["first_day"]))
        except (ValueError, KeyError) as e:
            probs.append("output: %s (exit %d): %s" % (e, rc, err[-800:]))
        res.append(Result(NAME, prefix + "plan migrate %s: policy max_age %s" % (dom, want["source"]),
                          "fail" if probs else "pass", "\n".join(probs)))
    return res


BUSY_DOMAINS = ["busy%d.test" % i for i in range(1, 7)]


def politeness_jobs(args, w, base):
    """Issue 16 item 2: six domains share mx-busy, a Postfix that takes one connection per
    client at a time (421 "too many connections" beyond).  Run once, replay DNS, in order."""
    zone = base + "".join("%s. MX 10 mx-busy.%s.\n" % (d, MAIL) for d in BUSY_DOMAINS)
    res = []

    def run(name, extra_args, judge):
        w._busy_log_mark = len(open(os.path.join(w.postfix_dir, "maillog"), errors="replace").read())
        t0 = time.time()
        # each domain probes alone: these scenarios are about concurrent connections to one server
        rc, out, err, _ = w.mailsec(args.mailsec, ["check"] + BUSY_DOMAINS + ["--only", "tls", "--json",
                                    "--net-timeout", NET_TIMEOUT, "--no-probe-sharing"] + extra_args, zone)
        secs = time.time() - t0
        refusals, settle = -1, time.time() + 3
        while time.time() < settle:     # postlogd writes asynchronously: wait until it settles
            time.sleep(0.2)
            log = open(os.path.join(w.postfix_dir, "maillog"), errors="replace").read()[w._busy_log_mark:]
            n = log.count("Connection concurrency limit exceeded")
            if n == refusals:
                break
            refusals = n
        probs = []
        try:
            doc = json.loads(out)
        except ValueError as e:
            doc = None
            probs.append("not JSON (exit %d): %s" % (rc, e))
        per = {}
        if doc is not None:
            probs += ["schema: " + e for e in validate_json(doc)]
            for d in doc["domains"]:
                per[d["domain"]] = ({(f["id"], f["severity"]) for f in d["findings"]},
                                    [a.get("error") for a in d["facts"]["tls"]["addresses"]])
                if ("tls.starttls.missing", "error") in per[d["domain"]][0]:
                    probs.append("%s: \"no STARTTLS\" from a busy server" % d["domain"])
            if sorted(per) != sorted(BUSY_DOMAINS):
                probs.append("domains %r" % sorted(per))
            probs += judge(rc, per, secs, refusals)
        if "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
            probs.append("sanitizer: " + err[-3000:])
        detail = "%.2fs, Postfix refused %d connections" % (secs, refusals)
        if probs:
            detail = "\n".join(probs) + "\n--- stderr:\n" + err[-1500:] + "\n--- per domain:\n" + "\n".join(
                "%s %s %s" % (k, sorted(v[0]), v[1]) for k, v in sorted(per.items()))
        res.append(Result(NAME, name, "fail" if probs else "pass", detail))
        print("transport: %s: %s, %.2fs, Postfix refused %d connections, %d domains busy" % (
            name, "fail" if probs else "pass", secs, refusals,
            sum(1 for v in per.values() if ("tls.smtp.busy", "unknown") in v[0])), file=sys.stderr)

    def all_ok(rc, per, secs, refusals):
        # Postfix may still count a connection just closed (anvil hears of it late): the
        # retry covers that race, so refusals may be > 0 here, verdicts stay true.
        p = ["%s: no tls.starttls.ok (%s)" % (k, v[1]) for k, v in sorted(per.items())
             if ("tls.starttls.ok", "pass") not in v[0]]
        return p + ([] if rc == 0 else ["exit %d, want 0" % rc])

    def ok_or_busy(rc, per, secs, refusals):
        p = ["%s: neither STARTTLS ok nor tls.smtp.busy (%s)" % (k, v[1]) for k, v in sorted(per.items())
             if ("tls.starttls.ok", "pass") not in v[0] and ("tls.smtp.busy", "unknown") not in v[0]]
        if refusals == 0:
            p.append("Postfix refused no connection: the scenario did not meet the limit")
        return p + ([] if rc in (0, 3) else ["exit %d, want 0 or 3" % rc])

    def all_busy(rc, per, secs, refusals):
        p = ["%s: not tls.smtp.busy (%s)" % (k, v[1]) for k, v in sorted(per.items())
             if ("tls.smtp.busy", "unknown") not in v[0] or not any("too many connections" in (e or "")
                                                                    for e in v[1])]
        if refusals < 2 * len(BUSY_DOMAINS):
            p.append("Postfix refused %d connections: the probes did not try again" % refusals)
        if secs > 6 * float(NET_TIMEOUT) + 5:
            p.append("took %.1fs: past the probe's bound of 6 x --net-timeout" % secs)
        return p + ([] if rc == 3 else ["exit %d, want 3" % rc])

    run("politeness: 6 domains sharing a one-connection MX, --smtp-per-address 1: all STARTTLS ok",
        ["--smtp-per-address", "1"], all_ok)
    run("politeness raised above the server's limit (8 at once): STARTTLS ok or unknown, never missing",
        ["--smtp-per-address", "8", "--smtp-per-network", "8"], ok_or_busy)
    # A client holds the server's one slot: every probe meets 421 on every try.
    holder = subprocess.Popen(w.nsexec([sys.executable, "-c",
                                        "import socket, sys, time\n"
                                        "s = socket.create_connection(('%s', 25))\n"
                                        "sys.stdout.write(s.recv(512).decode()[:3] + '\\n'); sys.stdout.flush()\n"
                                        "time.sleep(120)\n" % ADDR["mx-busy"]]),
                              stdout=subprocess.PIPE, text=True)
    try:
        greeting = holder.stdout.readline().strip()
        if greeting != "220":
            res.append(Result(NAME, "politeness: a client holds the one slot", "fail",
                              "the holding client was greeted with %r" % greeting))
        else:
            run("politeness: the server stays busy: every probe tls.smtp.busy (unknown), never no STARTTLS",
                [], all_busy)
    finally:
        holder.kill()
        holder.wait()
    return res


SHARE_DOMAINS = ["share%d.test" % i for i in range(1, 7)]
SHARE_ALIAS = "share-alias.test"     # MX alias-shared.mail.test: the same address, a name the certificate lacks


def settled_log(w, mark, pattern):
    """Lines of Postfix's log after byte mark that contain pattern, once postlogd has settled."""
    lines, settle = None, time.time() + 3
    while time.time() < settle:
        time.sleep(0.3)
        log = open(os.path.join(w.postfix_dir, "maillog"), errors="replace").read()[mark:]
        now = [ln for ln in log.splitlines() if pattern in ln]
        if lines is not None and len(now) == len(lines):
            break
        lines = now
    return lines or []


def sharing_jobs(args, w, base):
    """Issue 16 item 1: seven domains share mx-shared's address (six by its own name, one by
    another name the certificate does not cover).  One check run (and one monitor round) makes
    one STARTTLS probe of it, plus the one TLS 1.0/1.1-only probe every modern server gets,
    counted on Postfix's side; every domain's verdict is what it is without sharing."""
    zone = base + "".join("%s. MX 10 mx-shared.%s.\n" % (d, MAIL) for d in SHARE_DOMAINS)
    zone += "%s. MX 10 alias-shared.%s.\nalias-shared.%s. A %s\n" % (SHARE_ALIAS, MAIL, MAIL, ADDR["mx-shared"])
    doms = SHARE_DOMAINS + [SHARE_ALIAS]
    res = []
    logf = os.path.join(w.postfix_dir, "maillog")
    state = {"log": ""}
    # the TLS 1.0/1.1-only probe's handshake is refused by this TLS 1.2+ server
    conn_tag, legacy_tag = "postfix/mx-shared/smtpd[", "unsupported protocol"

    def verdicts(doc):
        return {d["domain"]: sorted((f["id"], f["severity"]) for f in d["findings"]) for d in doc["domains"]}

    def counted(argv):
        mark = len(open(logf, errors="replace").read())
        rc, out, err, secs = w.mailsec(args.mailsec, argv, zone)
        lines = settled_log(w, mark, conn_tag)
        conns = sum(1 for ln in lines if ": connect from " in ln)
        tls = sum(1 for ln in lines if legacy_tag in ln)
        state["log"] = "\n".join(lines[-40:])
        return rc, out, err, secs, conns, tls

    per = {}
    for label, extra in (("shared", []), ("unshared", ["--no-probe-sharing"])):
        rc, out, err, secs, conns, tls = counted(["check"] + doms + ["--only", "tls", "--json", "--stats",
                                                                     "--net-timeout", NET_TIMEOUT] + extra)
        probs = []
        try:
            doc = json.loads(out)
            probs += ["schema: " + e for e in validate_json(doc)]
            per[label] = verdicts(doc)
        except ValueError as e:
            probs.append("not JSON (exit %d): %s" % (rc, e))
            per[label] = {}
        v = per[label]
        if sorted(v) != sorted(doms):
            probs.append("domains %r" % sorted(v))
        for d in SHARE_DOMAINS:
            for want in (("tls.starttls.ok", "pass"), ("tls.cert.valid", "pass")):
                if want not in v.get(d, []):
                    probs.append("%s: no %s %s: %r" % (d, want[0], want[1], v.get(d)))
        a = v.get(SHARE_ALIAS, [])
        if ("tls.starttls.ok", "pass") not in a or ("tls.cert.name-mismatch", "warning") not in a \
                or ("tls.cert.valid", "pass") in a:
            probs.append("%s (a name the certificate lacks): %r" % (SHARE_ALIAS, a))
        if label == "shared":
            # one STARTTLS probe (TLS 1.3) and one TLS 1.0/1.1-only probe of the address, for 7 domains
            if conns != 2 or tls != 1:
                probs.append("Postfix saw %d connections, %d of them TLS 1.0/1.1-only, want 2 and 1" % (conns, tls))
            if "2 STARTTLS probes made, 12 saved by sharing" not in err:
                probs.append("--stats does not say 2 probes made, 12 saved: " + err[-400:])
        else:
            if conns != 2 * len(doms) or tls != len(doms):
                probs.append("Postfix saw %d connections, %d of them TLS 1.0/1.1-only, want %d and %d"
                             % (conns, tls, 2 * len(doms), len(doms)))
            if "14 STARTTLS probes made, 0 saved by sharing" not in err:
                probs.append("--stats does not say 14 probes made, 0 saved: " + err[-400:])
        if "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
            probs.append("sanitizer: " + err[-3000:])
        if probs:
            probs.append("--- stderr:\n" + err[-1500:] + "\n--- Postfix:\n" + state["log"])
        res.append(Result(NAME, "probe sharing (%s): 7 domains on one MX address, %d connections, %d TLS 1.0/1.1-only"
                          % (label, conns, tls), "fail" if probs else "pass", "\n".join(probs)))
    if per.get("shared") and per.get("unshared") and per["shared"] != per["unshared"]:
        res.append(Result(NAME, "probe sharing: verdicts equal to unshared probes", "fail",
                          "shared %r\nunshared %r" % (per["shared"], per["unshared"])))
    else:
        res.append(Result(NAME, "probe sharing: verdicts equal to unshared probes", "pass"))

    # One monitor round over the same seven domains: one probe of the address for the round.
    db = os.path.join(w.tmp, "share.db")
    probs = []
    for argv in (["workspace", "add", "share", "--db", db],
                 ["domains", "add", "--workspace", "share", "--db", db] + doms):
        p = subprocess.run([args.mailsec] + argv, capture_output=True, text=True)
        if p.returncode != 0:
            probs.append("%s: exit %d: %s" % (" ".join(argv[:2]), p.returncode, p.stderr[-500:]))
    if not probs:
        rc, out, err, secs, conns, tls = counted(["monitor", "--once", "--db", db, "--stats",
                                                  "--net-timeout", NET_TIMEOUT])
        if rc != 0:
            probs.append("monitor exit %d" % rc)
        if "checked=%d " % len(doms) not in err:
            probs.append("monitor did not check %d domains" % len(doms))
        if conns != 2 or tls != 1:
            probs.append("Postfix saw %d connections in the round, %d of them TLS 1.0/1.1-only, want 2 and 1"
                         % (conns, tls))
        if "probes=2 probes_saved=12" not in err or "2 STARTTLS probes made, 12 saved by sharing" not in err:
            probs.append("round-done or --stats does not say 2 probes, 12 saved")
        if "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
            probs.append("sanitizer: " + err[-3000:])
        if probs:
            probs.append("--- stderr:\n" + err[-2000:] + "\n--- Postfix:\n" + state["log"])
    res.append(Result(NAME, "probe sharing: one monitor round of 7 domains probes the address once",
                      "fail" if probs else "pass", "\n".join(probs)))
    return res


def unique_lines(text):
    seen, out = set(), []
    for line in text.splitlines():
        if line.strip() and line not in seen:
            seen.add(line)
            out.append(line)
    return "\n".join(out) + "\n"


def run(args):
    tmp = tempfile.mkdtemp(prefix="mailworld-")
    w = MailWorld(tmp)
    res = []
    state = {}
    dns = None

    def before_web(world):
        state["scen"] = scenarios(world, world.pki.spki_sha256(world.good_cert))
        state["vectors"] = resolver_vectors(world)
        state["checkdmarc"] = checkdmarc_vectors(world)

    try:
        try:
            w.start(before_web)
        except (WorldUnavailable, OSError) as e:
            return [skip_or_fail(NAME, "mail transport world", str(e))]
        base = base_zone()
        scen = state["scen"] + (state["checkdmarc"] or [])
        vectors = state["vectors"] or []
        # Fixture domains are all distinct: one zone holds them all.
        zone_all = base + "\n".join(line for sc in scen for line in sc[2]) + "\n"
        if state["checkdmarc"] is None:
            res.append(skip_or_fail(NAME, "checkdmarc MTA-STS vectors", "not found under %s" % testdata_dir()))
        if state["vectors"] is None:
            res.append(skip_or_fail(NAME, "postfix-mta-sts-resolver vectors",
                                    "not found under %s" % testdata_dir()))

        # 1. DNS from replay data: fast, and exact about what each scenario publishes.
        socketmap = socketmap_vectors() if vectors else None
        if socketmap is None:
            res.append(skip_or_fail(NAME, "postfix-mta-sts-resolver socketmap reference data",
                                    "not found under %s" % testdata_dir()))
        socketmap = socketmap or []
        res += run_all(lambda z: replay_runner(args, w, zone_all if z is None else
                                               unique_lines(base + "\n".join(z) + "\n")),
                       "", scen, vectors, socketmap)
        res += politeness_jobs(args, w, base)
        res += sharing_jobs(args, w, base)

        # 2. The same scenarios with DNS from the real world: Knot serves every fixture
        # zone (signed where $SECURE says, so DANE's TLSA records are validated by
        # Unbound and libunbound for real), inside the mail world's namespace.
        knot_zone = unique_lines(zone_all + "".join("\n".join(v[1]) + "\n" for v in vectors))
        try:
            dns = world_from_text(knot_zone, netns=w.ns)
            dns.start()
        except (WorldError, OSError) as e:
            res.append(skip_or_fail(NAME, "Knot DNS world inside the mail world", str(e)))
            return res
        if dns.notes:
            res.append(Result(NAME, "knot: zone data", "fail", "; ".join(dns.notes)))
        runner = knot_runner(args, w, dns)
        res += run_all(lambda z: runner, "knot: ", scen, vectors, socketmap)
        res += plan_jobs(runner, "knot: ")
    finally:
        if dns is not None:
            dns.stop()
        w.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return res
