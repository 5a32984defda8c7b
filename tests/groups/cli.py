"""tests/groups/cli.py - the command-line contract: exit codes, options, config, profiles, help."""
import json
import os

from harness import ROOT, Result, validate_json
from harness import run as run_cmd

NAME = "cli"
CASES = os.path.join(ROOT, "tests", "cases", "mx")
CLI = os.path.join(ROOT, "tests", "cli")


def t(name, argv, want_rc, want_out=None, want_err=None, json_check=None):
    return (name, argv, want_rc, want_out, want_err, json_check)


def ids(doc):
    return {f["id"]: f["severity"] for d in doc["domains"] for f in d["findings"]}


TESTS = [
    t("no arguments is a usage error", [], 2),
    t("unknown command", ["frobnicate"], 2, want_err="unknown command"),
    t("unknown option", ["check", "--frob", "example.test"], 2, want_err="unknown option"),
    t("option without its argument", ["check", "example.test", "--timeout"], 2),
    t("bad timeout", ["check", "--timeout", "-1", "example.test"], 2, want_err="--timeout"),
    t("no domain", ["check", "--replay", os.path.join(CASES, "no-mx.case")], 2, want_err="at least one domain"),
    t("invalid domain", ["check", "exa mple.test"], 2, want_err="not a domain name"),
    t("single-label domain", ["check", "localhost"], 2, want_err="fully qualified"),
    t("non-ASCII domain asks for the A-label", ["check", "b\u00fccher.test"], 2, want_err="xn--"),
    t("unknown profile", ["check", "--profile", "nosuch", "example.test"], 2, want_err="no profile named"),
    t("unreadable replay file", ["check", "--replay", "/nonexistent/x.case", "example.test"], 2),
    t("unknown --only area", ["check", "--only", "nosuch", "example.test"], 2, want_err="unknown area"),
    t("config with an unknown key", ["check", "--config", os.path.join(CLI, "bad-config.json"), "example.test"], 2,
      want_err="ignroe"),
    t("records parked refuses reports addressed to the parked domain itself",
      ["records", "parked", "example.org", "--rua", "mailto:d@EXAMPLE.org"], 2, want_err="bounce"),
    t("the suite never reaches the host's resolver",
      ["check", "example.org"], 2, want_err="refusing to use the system's resolver"),
    t("dkim keygen is dkim-keygen", ["dkim", "keygen", "--help"], 0, want_out="usage: mailsec dkim-keygen"),
    t("dkim keygen needs a selector", ["dkim", "keygen"], 2, want_err="--selector"),
    t("help lists commands", ["help"], 0, want_out="check"),
    t("help for a command lists its options", ["help", "check"], 0, want_out="--only"),
    t("help for a finding id prints its page", ["help", "mx.target.cname"], 0, want_out="## How to fix"),
    t("help findings lists ids", ["help", "findings"], 0, want_out="mx.null.mixed"),
    t("help profiles lists generic", ["help", "profiles"], 0, want_out="generic"),
    t("help profile prints JSON", ["help", "profile", "generic"], 0, want_out='"name": "generic"'),
    t("help for nothing known", ["help", "nosuch.thing"], 2),
    t("--help on check", ["check", "--help"], 0, want_out="usage: mailsec check"),
    t("version", ["version"], 0, want_out="mailsec "),
    t("--stats prints the run's figures on stderr",
      ["check", "--stats", "--only", "mx", "--replay", os.path.join(CASES, "no-mx.case"), "example.test"], 0,
      want_err="1 domain in "),
    t("--stats counts the DNS queries",
      ["check", "--stats", "--only", "mx", "--replay", os.path.join(CASES, "no-mx.case"), "example.test"], 0,
      want_err=" DNS queries ("),
    t("man page", ["help", "--man"], 0, want_out=".TH MAILSEC 1"),
    t("profile file raises a severity",
      ["check", "--json", "--profile", os.path.join(CLI, "strict-profile.json"),
       "--replay", os.path.join(CASES, "ipv6-only-target.case"), "example.test"], 1,
      json_check=lambda d: ids(d).get("mx.target.ipv6-only") == "error" and d["profile"] == "strict-test"),
    t("profile cannot re-grade unknown",
      ["check", "--json", "--only", "mx", "--profile", os.path.join(CLI, "strict-profile.json"),
       "--replay", os.path.join(CASES, "servfail.case"), "example.test"], 3,
      json_check=lambda d: ids(d).get("mx.lookup.failed") == "unknown"),
    t("config file supplies --ignore",
      ["check", "--json", "--only", "mx", "--config", os.path.join(CLI, "ignore-config.json"),
       "--replay", os.path.join(CASES, "ipv6-only-target.case"), "example.test"], 0,
      json_check=lambda d: "mx.target.ipv6-only" not in ids(d)),
    t("--ignore by area drops the area",
      ["check", "--json", "--only", "mx", "--ignore", "mx", "--replay", os.path.join(CASES, "cname-target.case"), "example.test"], 0,
      json_check=lambda d: ids(d) == {}),
    t("--ignore by prefix",
      ["check", "--json", "--only", "mx", "--ignore", "mx.target.", "--replay", os.path.join(CASES, "cname-target.case"),
       "example.test"], 0, json_check=lambda d: set(ids(d)) == {"mx.present"}),
    t("domains keep input order in --json",
      ["check", "--json", "--replay", os.path.join(CASES, "several-priorities.case"),
       "zzz.test", "example.test", "aaa.test", "example.test."], 1,
      json_check=lambda d: [x["domain"] for x in d["domains"]] == ["zzz.test", "example.test", "aaa.test", "example.test"]),
    t("--domains file after command-line domains",
      ["check", "--json", "--replay", os.path.join(CASES, "several-priorities.case"),
       "--domains", os.path.join(CLI, "domains.txt"), "first.test"], 1,
      json_check=lambda d: [x["domain"] for x in d["domains"]] == ["first.test", "example.test", "second.test"]),
    t("--concurrency 1 gives the same report",
      ["check", "--json", "--only", "mx", "--concurrency", "1", "--replay", os.path.join(CASES, "several-priorities.case"),
       "example.test", "example.test"], 0,
      json_check=lambda d: d["domains"][0]["findings"] == d["domains"][1]["findings"]),
]


def one(args, test):
    name, argv, want_rc, want_out, want_err, json_check = test
    rc, out, err = run_cmd([args.mailsec] + argv, wrapper=args.wrapper)
    problems = []
    if rc != want_rc:
        problems.append("exit %d, want %d" % (rc, want_rc))
    if want_out and want_out not in out:
        problems.append("stdout lacks %r" % want_out)
    if want_err and want_err not in err:
        problems.append("stderr lacks %r: %s" % (want_err, err.strip()[:300]))
    if json_check:
        try:
            doc = json.loads(out)
            problems += ["schema: " + e for e in validate_json(doc)]
            if not json_check(doc):
                problems.append("JSON check failed: " + out[:1500])
        except ValueError as e:
            problems.append("not JSON: %s" % e)
    if "AddressSanitizer" in err or "runtime error:" in err:
        problems.append("sanitizer: " + err[-2000:])
    return Result(NAME, name, "fail" if problems else "pass", "\n".join(problems))


def run(args):
    return [one(args, test) for test in TESTS]
