"""tests/groups/spf_cli.py - mailsec spf eval|tree|lint: outputs, exit codes, JSON against their schemas.

Each JSON output is validated against docs/schema/mailsec-spf-{eval,tree,lint}-1.json
(which refer to definitions in mailsec-1.json).  Scenario data comes from the
SPF case files, so no extra zone files are needed.
"""
import json
import os

from harness import ROOT, Result
from harness import run as hrun

NAME = "spf-cli"
_VALIDATORS = {}


def validator(name):
    """A Draft 2020-12 validator for docs/schema/<name>.json that resolves mailsec-1.json."""
    if name not in _VALIDATORS:
        import jsonschema
        sdir = os.path.join(ROOT, "docs", "schema")
        base = json.load(open(os.path.join(sdir, "mailsec-1.json")))
        schema = json.load(open(os.path.join(sdir, name + ".json")))
        store = {base["$id"]: base, schema["$id"]: schema}
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        _VALIDATORS[name] = jsonschema.Draft202012Validator(schema, resolver=resolver)
    return _VALIDATORS[name]


def schema_errors(name, doc):
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message)
            for e in validator(name).iter_errors(doc)]


def case(rel):
    return os.path.join(ROOT, "tests", "cases", "spf", rel)


def check(args, label, argv, want_rc, schema=None, expect=None, lines=False):
    """Run mailsec argv; check the exit code, the schema and expect(doc) -> list of problems."""
    rc, out, err = hrun([args.mailsec] + argv, wrapper=args.wrapper)
    problems = []
    if rc != want_rc:
        problems.append("exit %d, want %d" % (rc, want_rc))
    docs = []
    if schema:
        try:
            docs = [json.loads(x) for x in out.splitlines() if x.strip()] if lines else [json.loads(out)]
        except ValueError as e:
            problems.append("not JSON: %s" % e)
        for d in docs:
            problems += schema_errors(schema, d)
    if expect and (docs or not schema):
        problems += expect(docs if schema else out)
    if "ERROR: AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
        problems.append("sanitizer: " + err[-2000:])
    return Result(NAME, label, "fail" if problems else "pass",
                  "\n".join(problems) + ("\n" + out[-1500:] + err[-1500:] if problems else ""))


def run(args):
    res = []
    ids = lambda d: [f["id"] for f in d["findings"]]  # noqa: E731

    res.append(check(args, "eval --json pass via include", [
        "spf", "eval", "--json", "--trace", "--replay", case("present.case"),
        "--ip", "192.0.2.25", "--sender", "user@example.test"], 0, "mailsec-spf-eval-1",
        lambda d: [] if d[0]["result"] == "pass" and d[0]["mechanism"] == "mx" and d[0]["trace"]
        else ["got %r" % d[0]]))
    res.append(check(args, "eval --json fail", [
        "spf", "eval", "--json", "--replay", case("present.case"),
        "--ip", "198.51.100.1", "--sender", "user@example.test"], 0, "mailsec-spf-eval-1",
        lambda d: [] if d[0]["result"] == "fail" else ["got %r" % d[0]]))
    res.append(check(args, "eval text, HELO identity", [
        "spf", "eval", "--replay", case("helo-present.case"),
        "--ip", "192.0.2.25", "--helo", "mail.example.test"], 0, None,
        lambda out: [] if "result: pass" in out else ["got %r" % out]))
    res.append(check(args, "eval temperror on timeout", [
        "spf", "eval", "--json", "--replay", case("include-timeout.case"),
        "--ip", "192.0.2.99", "--sender", "x@example.test"], 0, "mailsec-spf-eval-1",
        lambda d: [] if d[0]["result"] == "temperror" else ["got %r" % d[0]]))
    res.append(check(args, "eval permerror past 10 lookups", [
        "spf", "eval", "--json", "--replay", case("lookups-too-many.case"),
        "--ip", "192.0.2.1", "--sender", "x@example.test"], 0, "mailsec-spf-eval-1",
        lambda d: [] if d[0]["result"] == "permerror" and d[0]["lookups"] == 11 else ["got %r" % d[0]]))
    res.append(check(args, "eval over-long sender gives none", [
        "spf", "eval", "--json", "--replay", case("present.case"),
        "--ip", "192.0.2.25", "--sender", "a@" + "b." * 300 + "example.test"], 0, "mailsec-spf-eval-1",
        lambda d: [] if d[0]["result"] == "none" else ["got %r" % d[0]]))
    res.append(check(args, "eval bad IP", [
        "spf", "eval", "--json", "--replay", case("present.case"), "--ip", "nope", "--sender", "x@example.test"],
        2, "mailsec-spf-eval-1"))
    res.append(check(args, "eval --resolver-tcp refused with --replay", [
        "spf", "eval", "--resolver-tcp", "--replay", case("present.case"),
        "--ip", "192.0.2.25", "--sender", "user@example.test"], 2, None,
        lambda out: [] if out == "" else ["printed %r" % out]))
    res.append(check(args, "eval --resolver-tcp refused without --resolver", [
        "spf", "eval", "--resolver-tcp", "--ip", "192.0.2.25", "--sender", "user@example.test"], 2))
    res.append(check(args, "eval --resolver-udp refused with --replay", [
        "spf", "eval", "--resolver-udp", "--replay", case("present.case"),
        "--ip", "192.0.2.25", "--sender", "user@example.test"], 2, None,
        lambda out: [] if out == "" else ["printed %r" % out]))
    res.append(check(args, "eval --resolver-tcp with --resolver-udp refused", [
        "spf", "eval", "--resolver-tcp", "--resolver-udp", "--resolver", "127.0.0.1",
        "--ip", "192.0.2.25", "--sender", "user@example.test"], 2))
    for label, extra in (("with --resolver-tcp", ["--resolver", "127.0.0.1", "--resolver-tcp"]),
                         ("with --trust-anchor", ["--resolver", "127.0.0.1", "--trust-anchor", case("present.case")]),
                         ("with --replay", ["--replay", case("present.case")]),
                         ("without --resolver", [])):
        res.append(check(args, "eval --resolver-validates refused " + label, [
            "spf", "eval", "--resolver-validates"] + extra +
            ["--ip", "192.0.2.25", "--sender", "user@example.test"], 2, None,
            lambda out: [] if out == "" else ["printed %r" % out]))
    res.append(check(args, "eval --batch with an unusable --resolver refuses", [
        "spf", "eval", "--resolver", "not-an-address", "--batch", case("present.case")], 2))
    res.append(check(args, "eval with an unusable --resolver refuses", [
        "spf", "eval", "--resolver", "not-an-address", "--ip", "192.0.2.1", "--sender", "x@example.test"], 2))
    res.append(check(args, "tree --json loop and include without SPF", [
        "spf", "tree", "--json", "--replay", case("loop.case"), "example.test"], 1, "mailsec-spf-tree-1",
        lambda d: [] if "spf.loop" in ids(d[0]) and d[0]["tree"]["children"][0]["status"] == "ok"
        else ["got %r" % ids(d[0])]))
    res.append(check(args, "tree --json names the branch past the limit", [
        "spf", "tree", "--json", "--replay", case("lookups-too-many.case"), "example.test"], 1,
        "mailsec-spf-tree-1",
        lambda d: [] if d[0]["lookups"] == 11 and "i10.example.test (include:i11.example.test)" in
        (d[0]["limit_exceeded_at"] or "") else ["got %r" % d[0]["limit_exceeded_at"]]))
    res.append(check(args, "tree text", [
        "spf", "tree", "--replay", case("network-huge-include.case"), "example.test"], 0, None,
        lambda out: [] if "spf.network.huge" in out and "include:_spf.hosting.test" in out else ["got %r" % out]))
    res.append(check(args, "tree --json counts distinct addresses and networks", [
        "spf", "tree", "--json", "--replay", case("duplicate-addresses.case"), "example.test"], 0,
        "mailsec-spf-tree-1",
        lambda d: [] if (d[0]["ipv4_addresses"], d[0].get("ipv4_networks"), d[0]["ipv6_addresses"],
                         d[0].get("ipv6_networks")) == (2, 1, 1, 1) else
        ["got %r" % [d[0][k] for k in ("ipv4_addresses", "ipv6_addresses")]]))
    res.append(check(args, "tree text says distinct addresses", [
        "spf", "tree", "--replay", case("duplicate-addresses.case"), "example.test"], 0, None,
        lambda out: [] if "authorises 2 distinct IPv4 addresses in 1 network and 1 IPv6 address in 1 network"
        in out else ["got %r" % out[-300:]]))
    long_rec = "v=spf1 " + " ".join("ip4:192.0.2.%d" % i for i in range(1, 30)) + " -all"
    res.append(check(args, "lint --json record longer than 255 bytes", [
        "spf", "lint", "--json", long_rec], 1, "mailsec-spf-lint-1",
        lambda d: [] if "spf.record.long-string" in ids(d[0]) and d[0]["valid"] else ["got %r" % ids(d[0])]))
    res.append(check(args, "lint --json syntax error offset", [
        "spf", "lint", "--json", "v=spf1 mx ip4:192.0.2.1/33 -all"], 1, "mailsec-spf-lint-1",
        lambda d: [] if not d[0]["valid"] and d[0]["error"]["offset"] == 23 else ["got %r" % d[0]["error"]]))
    res.append(check(args, "lint text clean record", ["spf", "lint", "v=spf1 mx -all", "example.org"], 0, None,
                     lambda out: [] if "spf.all.ok" in out else ["got %r" % out]))
    return res
