"""tests/groups/queries.py - an audit asks each name and type once; --stats counts them by area.

One domain that every area has something to say about (two MX hosts, one
in another zone, PTRs, SPF with mx, a: and include:, DMARC, TLS-RPT,
MTA-STS, a DKIM key, BIMI, a sending host whose SPF evaluation reads the
same records as the spf check) is checked with every area:

- through the replay resolver, and through real Knot + Unbound in the
  namespace DNS world (tests/world/world.py; needs root, else a loud skip),
  both with libunbound in process and with the stub backend
  (--resolver-validates: Unbound validates);
- $MAILSEC_DNS_LOG lists every query the session asked of its resolver
  (before libunbound's cache): no name and type may appear twice, the
  count must be the --stats line's "N DNS queries", and the by-area line's
  "in all" must add up to it;
- a domain whose _domainkey is NXDOMAIN (its servers answer the empty
  non-terminal _tls correctly) asks no DKIM selector at all;
- the ns area asks no NS of an MX host name under the domain that is an
  alias, nor (through Knot + Unbound, whose negative answers carry the
  denying zone's SOA) of one whose AAAA, or with the dane area running
  whose `_25._tcp` TLSA, the domain's own zone denied (likewise the MTA-STS
  host's AAAA with the mta-sts area running), and still asks and reports a
  delegated one; with `--only ns` it asks those NS, not the TLSA or AAAA.

No timing is asserted.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "world"))
import harness  # noqa: E402
import world  # noqa: E402

NAME = "queries"

KEY = ('"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqIiQL+tktfUHfAyFZcDkfZq2GAjYc+W1vh/'
       'Hk7UU6XxaPlidAXKLB8JkguVLOQBHZnpo3LzSUZ5bWDC709M5SR507wSoEv9YzSf4OlKtHvg4WJa9RTG2pzLvwOkPz1uBtvqQUOx'
       'BtiXu/BlHd2xU4Up0q5sN1WPmNOqPzjUmIFcvSpVQyTcsJkyV8dxX" "yjWQu7QDrNQO+Vn6l4nO6qk1ZSeqSpTbyG5i7qkrbwoixE'
       'YUb2nPSknkDC4aF1sxmzzbdbXgKhtLoDLNDdEICpjfh0WcckI8ifIVZIVvf9aqMjxxaTmc+FQHIeTXCanP5kaXEeV/WzVS7327ic'
       'wJdxkSXQIDAQAB"')

ZONE = """
example.test.              MX   10 mx1.example.test.
example.test.              MX   20 mx2.hoster.test.
mx1.example.test.          A    192.0.2.25
mx1.example.test.          AAAA 2001:db8::25
mx2.hoster.test.           A    192.0.2.26
25.2.0.192.in-addr.arpa.   PTR  mx1.example.test.
26.2.0.192.in-addr.arpa.   PTR  mx2.hoster.test.
example.test.              TXT  "v=spf1 mx include:_spf.hoster.test a:out.example.test -all"
_spf.hoster.test.          TXT  "v=spf1 ip4:198.51.100.0/24 -all"
out.example.test.          A    192.0.2.10
10.2.0.192.in-addr.arpa.   PTR  out.example.test.
_dmarc.example.test.       TXT  "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"
_smtp._tls.example.test.   TXT  "v=TLSRPTv1; rua=mailto:tls@example.test"
_mta-sts.example.test.     TXT  "v=STSv1; id=20261203"
selector1._domainkey.example.test. TXT %s
default._bimi.example.test. TXT "v=BIMI1; l=https://example.test/logo.svg"
nokeys.test.               MX   10 mx1.example.test.
nokeys.test.               TXT  "v=spf1 -all"
_smtp._tls.nokeys.test.    TXT  "v=TLSRPTv1; rua=mailto:tls@nokeys.test"
cuts.test.                 MX   10 mx1.cuts.test.
cuts.test.                 MX   20 mail.cuts.test.
cuts.test.                 MX   30 mx3.sub.cuts.test.
cuts.test.                 MX   40 mx4.cuts.test.
mx1.cuts.test.             A    192.0.2.31
mx4.cuts.test.             A    192.0.2.34
mx4.cuts.test.             AAAA 2001:db8::34
mta-sts.cuts.test.         A    192.0.2.35
mail.cuts.test.            CNAME host.cuts.test.
host.cuts.test.            A    192.0.2.32
sub.cuts.test.             NS   ns.supplier.test.
mx3.sub.cuts.test.         A    203.0.113.33
ns.supplier.test.          A    203.0.113.53
""" % KEY

ARGS = ["--no-smtp", "--stats", "--json", "--sending-host", "192.0.2.10"]


def judge(label, rc, out, err, log_path, dkim_selectors_asked=None):
    """Problems with one run: exit, duplicates in the query log, counts against --stats."""
    problems = []
    if rc not in (0, 1, 3):
        return ["%s: exit %d: %s" % (label, rc, err[-1500:])]
    lines = [ln.strip() for ln in open(log_path, encoding="utf-8") if ln.strip()]
    asked = collections.Counter(ln.lower() for ln in lines)
    twice = sorted("%s (%d times)" % (q, n) for q, n in asked.items() if n > 1)
    if twice:
        problems.append("%s: asked more than once: %s" % (label, ", ".join(twice)))
    m = re.search(r"(\d+) DNS queries \(", err)
    if not m or int(m.group(1)) != len(lines):
        problems.append("%s: --stats says %s queries, the log lists %d" % (
            label, m.group(1) if m else "no", len(lines)))
    m2 = re.search(r"DNS queries per domain by area: (.*); ([0-9.]+) in all", err)
    if not m2:
        problems.append("%s: no by-area line on stderr: %s" % (label, err[-800:]))
    else:
        parts = dict((p.strip().rsplit(" ", 1)[0], float(p.strip().rsplit(" ", 1)[1]))
                     for p in m2.group(1).split(","))
        if abs(sum(parts.values()) - float(m2.group(2))) > 0.05 or \
                abs(float(m2.group(2)) - len(lines)) > 0.05:
            problems.append("%s: by area %r adds up to %.2f, 'in all' %s, the log %d" % (
                label, parts, sum(parts.values()), m2.group(2), len(lines)))
    if dkim_selectors_asked is not None:
        sel = [q for q in asked if "._domainkey." in q]
        if len(sel) != dkim_selectors_asked:
            problems.append("%s: %d DKIM selector names asked, want %d: %s" % (
                label, len(sel), dkim_selectors_asked, sel[:5]))
    return problems


def scenarios(runner, where):
    """runner(args, log_path) -> (rc, out, err); the two domains, one Result each."""
    res = []
    for dom, sel, what in (("example.test", None, "every area, a sending host: each name and type asked once"),
                           ("nokeys.test", 0, "_domainkey NXDOMAIN, _tls answered NODATA: no DKIM selector asked")):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "dns.log")
            open(log, "w").close()
            os.chmod(d, 0o755)
            os.chmod(log, 0o666)
            rc, out, err = runner(["check", dom] + ARGS, log)
            problems = judge("%s %s" % (where, dom), rc, out, err, log, sel)
            if dom == "nokeys.test" and "dkim.domainkey.nxdomain" not in out:
                problems.append("no dkim.domainkey.nxdomain finding")
        res.append(harness.Result(NAME, "%s: %s" % (where, what), "fail" if problems else "pass",
                                  "\n".join(problems)))
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "dns.log")
        open(log, "w").close()
        os.chmod(d, 0o755)
        os.chmod(log, 0o666)
        rc, out, err = runner(["check", "cuts.test", "--no-smtp", "--stats", "--json"], log)
        problems = judge("%s cuts.test" % where, rc, out, err, log)
        asked = set(ln.strip().lower() for ln in open(log, encoding="utf-8") if ln.strip())
        want = {"sub.cuts.test ns": True, "mail.cuts.test ns": False}
        if where != "replay":	# the replay resolver's answers carry no SOA
            # mx4 has both addresses: the dane area's TLSA question, denied, tells
            want.update({"mx1.cuts.test ns": False, "mx3.sub.cuts.test ns": False,
                         "mx4.cuts.test ns": False, "_25._tcp.mx4.cuts.test tlsa": True,
                         "mta-sts.cuts.test ns": False})
        for q, yes in sorted(want.items()):
            if (q in asked) != yes:
                problems.append("%s: %s %s" % (where, q, "not asked" if yes else "asked"))
        # (the replay data has no NS set at the apex to compare the delegation's with)
        if where != "replay" and ('"ns.mail-name.delegated"' not in out or '"sub.cuts.test"' not in out):
            problems.append("%s: sub.cuts.test's delegation not reported: %s" % (where, out[-1500:]))
        # --only ns: no dane area to share the TLSA with, so the NS is asked instead
        open(log, "w").close()
        rc, out, err = runner(["check", "cuts.test", "--no-smtp", "--stats", "--json", "--only", "ns"], log)
        problems += judge("%s cuts.test --only ns" % where, rc, out, err, log)
        asked = set(ln.strip().lower() for ln in open(log, encoding="utf-8") if ln.strip())
        if "mx4.cuts.test ns" not in asked or any(q.endswith(" tlsa") for q in asked) or \
                "mta-sts.cuts.test ns" not in asked or "mta-sts.cuts.test aaaa" in asked:
            problems.append("%s --only ns: want the NS of mx4 and mta-sts, no TLSA, no AAAA of "
                            "mta-sts: %s" % (where, sorted(asked)))
        res.append(harness.Result(NAME, "%s: NS of MX host names asked only when no answer shows "
                                  "there is no zone cut" % where, "fail" if problems else "pass",
                                  "\n".join(problems)))
    return res


def run(args):
    results = []
    with tempfile.TemporaryDirectory() as d:
        zf = os.path.join(d, "world.zone")
        with open(zf, "w", encoding="utf-8") as f:
            f.write(ZONE)

        def replay(argv, log):
            env = dict(os.environ, MAILSEC_DNS_LOG=log)
            return harness.run([args.mailsec] + argv + ["--replay", zf], env=env, wrapper=args.wrapper)

        results += scenarios(replay, "replay")

    why = None
    if os.geteuid() != 0:
        why = "network namespaces need root"
    elif world.have_tools():
        why = world.have_tools()
    if why:
        return results + [harness.skip_or_fail(NAME, "namespace DNS world", why)]
    try:
        w = world.world_from_text(ZONE)
        with w:
            def real(argv, log):
                return w.mailsec(args.mailsec, argv, wrapper=["env", "MAILSEC_DNS_LOG=" + log] +
                                 list(args.wrapper or []))
            results += scenarios(real, "Knot + Unbound")

            # the stub backend (issue 23): the log lists lookups asked, whether the stub's
            # cache answered them, a question in flight took them or they went to Unbound
            def stub(argv, log):
                p = subprocess.run(w.nsexec(["env", "MAILSEC_DNS_LOG=" + log] + list(args.wrapper or []) +
                                            [args.mailsec] + argv + ["--resolver", world.UNBOUND_ADDR,
                                                                     "--resolver-validates"]),
                                   capture_output=True, timeout=120)
                return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
            results += scenarios(stub, "Knot + Unbound, --resolver-validates")
    except world.WorldError as e:
        results.append(harness.Result(NAME, "namespace DNS world", "fail", str(e)))
    return results
