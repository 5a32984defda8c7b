"""tests/groups/dmarc_cli.py - mailsec dmarc lint / eval and the DMARC options of check: exit codes, text, JSON.

The JSON documents are validated against docs/schema/mailsec-dmarc-1.json.
"""
import json
import os
import tempfile

import harness
from harness import Result
from harness import run as run_cmd

NAME = "dmarc-cli"


def _schema():
    import jsonschema
    return jsonschema.Draft202012Validator(json.load(open(os.path.join(harness.ROOT, "docs", "schema",
                                                                       "mailsec-dmarc-1.json"))))


def run(args):
    v = _schema()
    out = []
    tmp = tempfile.mkdtemp(prefix="mailsec-dmarc-cli-")
    zone = os.path.join(tmp, "z.zone")
    with open(zone, "w") as f:
        f.write('example.test. MX 10 mail.example.test.\n'
                '_dmarc.example.test. TXT "v=DMARC1; p=reject; t=y; pct=50; rua=mailto:d@example.test"\n'
                '_dmarc.bad.test. TXT SERVFAIL\n')

    def case(name, argv, want_rc, check=None):
        rc, o, e = run_cmd([args.mailsec] + argv, wrapper=args.wrapper)
        problems = []
        if rc != want_rc:
            problems.append("exit %d, want %d: %s" % (rc, want_rc, e[-500:]))
        if "AddressSanitizer" in e or "runtime error:" in e or "LeakSanitizer" in e:
            problems.append("sanitizer: " + e[-2000:])
        if not problems and check:
            try:
                problems += check(o)
            except Exception as ex:  # noqa: BLE001 - report, do not crash the suite
                problems.append("check raised %r; output: %s" % (ex, o[:500]))
        out.append(Result(NAME, name, "fail" if problems else "pass", "\n".join(problems)))

    def js(o):
        d = json.loads(o)
        return d, ["schema: %s" % e.message for e in v.iter_errors(d)]

    def lint_ok(o):
        return [] if "valid for RFC 7489 receivers: yes" in o and "dmarc.policy.enforced" in o else [o]

    case("lint text, clean record", ["dmarc", "lint", "v=DMARC1; p=reject; np=reject; rua=mailto:a@example.org"],
         0, lint_ok)
    case("lint text, broken record exits 1", ["dmarc", "lint", "v=DMARC1; p=rejet"], 1,
         lambda o: [] if "dmarc.tag.invalid" in o and "byte 12" in o else [o])

    def lint_json(o):
        d, p = js(o)
        ids = [f["id"] for f in d["findings"]]
        if "dmarc.profile.rua" not in ids:
            p.append("no dmarc.profile.rua: %s" % ids)
        if not any(f["profile"] == "test-strict" for f in d["findings"]):
            p.append("no finding names the profile")
        if d["valid"] != {"rfc7489": True, "rfc9989": True}:
            p.append("valid: %s" % d["valid"])
        return p
    case("lint JSON with a profile", ["dmarc", "lint", "--json", "--domain", "example.gov.uk", "--profile",
                                      os.path.join(harness.ROOT, "tests", "cases", "dmarc", "profile-strict.json"),
                                      "v=DMARC1; p=reject; rua=mailto:a@example.gov.uk"], 1, lint_json)

    def eval_both(o):
        d, p = js(o)
        r7, r9 = d["results"]["rfc7489"], d["results"]["rfc9989"]
        if (r7["result"], r7["disposition"], r7["pct"]) != ("fail", "reject", 50):
            p.append("rfc7489: %s" % r7)
        if (r9["result"], r9["disposition"], r9["testing"]) != ("fail", "quarantine", True):
            p.append("rfc9989: %s" % r9)
        return p
    case("eval: pct for RFC 7489, t=y for RFC 9989",
         ["dmarc", "eval", "--json", "--from", "Ann <ann@example.test>", "--spf-domain", "other.test",
          "--spf-result", "pass", "--replay", zone], 0, eval_both)

    def eval_7489(o):
        d, p = js(o)
        if list(d["results"]) != ["rfc7489"]:
            p.append("results: %s" % list(d["results"]))
        return p
    case("eval --dmarc-rules 7489 reports one verdict",
         ["dmarc", "eval", "--json", "--dmarc-rules", "7489", "--from", "example.test", "--dkim-domain",
          "mail.example.test", "--replay", zone], 0, eval_7489)
    case("eval text", ["dmarc", "eval", "--from", "example.test", "--dkim-domain", "example.test",
                       "--replay", zone], 0,
         lambda o: [] if "RFC 9989 (DNS tree walk" in o and "result: pass" in o else [o])
    case("eval temperror exits 3", ["dmarc", "eval", "--json", "--from", "bad.test", "--replay", zone], 3,
         lambda o: js(o)[1])
    case("eval without --from", ["dmarc", "eval", "--replay", zone], 2)
    case("eval result without domain", ["dmarc", "eval", "--from", "example.test", "--spf-result", "pass",
                                        "--replay", zone], 2)
    case("eval bad result", ["dmarc", "eval", "--from", "example.test", "--spf-domain", "x.test",
                             "--spf-result", "maybe", "--replay", zone], 2)
    case("unknown dmarc subcommand", ["dmarc", "frob"], 2)
    case("--psl with a missing file", ["dmarc", "lint", "--psl", os.path.join(tmp, "nope.dat"),
                                       "v=DMARC1; p=none"], 2)
    case("check --dmarc-rules bad value", ["check", "--dmarc-rules", "7490", "example.test", "--replay", zone], 2)
    case("check --psl with a missing file", ["check", "--psl", os.path.join(tmp, "nope.dat"), "example.test",
                                             "--replay", zone], 2)

    # issue 14 item 3: RFC 9989 advice never suggests pct (removed there) and stages with t=y;
    # under both, each staged record says which tag is for which receivers
    def adv(o):
        return [f.get("advice") or "" for f in json.loads(o)["findings"]]

    def no_pct_9989(o):
        p = []
        for a in adv(o):
            if "pct=" in a:
                p.append("RFC 9989 advice mentions pct: %s" % a)
        if not any("p=quarantine; t=y" in a for a in adv(o)):
            p.append("no t=y stage in the advice: %s" % adv(o))
        return p
    case("9989 advice for p=none: t=y stages, no pct",
         ["dmarc", "lint", "--json", "--dmarc-rules", "9989", "--domain", "example.org",
          "v=DMARC1; p=none; rua=mailto:a@example.org"], 0, no_pct_9989)
    case("9989 advice for pct=50 drops pct",
         ["dmarc", "lint", "--json", "--dmarc-rules", "9989", "--domain", "example.org",
          "v=DMARC1; p=quarantine; pct=50; rua=mailto:a@example.org"], 0, no_pct_9989)

    def both_says_who(o):
        p = []
        for a in adv(o):
            if ("pct=" in a or "t=y" in a) and "RFC 7489" not in a and "RFC 9989" not in a:
                p.append("advice with pct/t=y does not say for which receivers: %s" % a)
        return p
    case("both: every staged advice says which receivers read pct and t=y",
         ["dmarc", "lint", "--json", "--domain", "example.org",
          "v=DMARC1; p=quarantine; pct=50; rua=mailto:a@example.org"], 0, both_says_who)

    # issue 14 item 6: discovery failing -> alignment unknown under both rule sets, not
    # "aligned" under one and "not aligned" under the other
    def align_unknown(o):
        d, p = js(o)
        for k in ("rfc7489", "rfc9989"):
            al = d["results"][k]["alignment"]
            if al["spf_aligned"] or not al.get("spf_unknown"):
                p.append("%s: alignment %s, want spf unknown" % (k, al))
        return p
    case("eval with discovery failing: SPF alignment unknown under both RFCs",
         ["dmarc", "eval", "--json", "--from", "bad.test", "--spf-domain", "bounce.bad.test",
          "--spf-result", "pass", "--replay", zone], 3, align_unknown)
    case("eval text with discovery failing says alignment unknown twice",
         ["dmarc", "eval", "--from", "bad.test", "--spf-domain", "bounce.bad.test",
          "--spf-result", "pass", "--replay", zone], 3,
         lambda o: [] if o.count("spf alignment unknown") == 2 and "spf aligned" not in o else [o])
    # issue 14 item 12: typographic quotes and ',' separators in DMARC: one diagnosis and the
    # record as meant (as SPF already did); item 11: "did you mean" for tag names
    def fixed_advice(want):
        def chk(o):
            d, p = js(o)
            f = [f for f in d["findings"] if f["id"] == "dmarc.record.version"]
            if not f or want not in (f[0]["advice"] or ""):
                p.append("want advice %r: %s" % (want, f))
            return p
        return chk
    case("lint: typographic quotes get the record as meant",
         ["dmarc", "lint", "--json", "--domain", "example.org",
          "\u201cv=DMARC1; p=reject; rua=mailto:a@example.org\u201d"], 1,
         fixed_advice('_dmarc.example.org. 3600 IN TXT "v=DMARC1; p=reject; rua=mailto:a@example.org"'))
    case("lint: ',' separators and p-reject get the record as meant (rua lists kept)",
         ["dmarc", "lint", "--json", "--domain", "example.org",
          "v=DMARC1, p-reject, rua=mailto:a@example.org,mailto:b@example.org"], 1,
         fixed_advice('"v=DMARC1; p=reject; rua=mailto:a@example.org,mailto:b@example.org"'))
    case("lint: an unknown tag near a known one says did you mean",
         ["dmarc", "lint", "--domain", "example.org", "v=DMARC1; p=reject; rau=mailto:a@example.org"], 0,
         lambda o: [] if 'unknown tag "rau"' in o and "did you mean rua?" in o else [o])
    import shutil
    shutil.rmtree(tmp, ignore_errors=True)
    return out
