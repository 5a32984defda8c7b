"""tests/groups/csv_out.py - check and lint --format csv (docs/csv.md): parsed back with Python's
csv module, row for row the same findings as --json; --format's values; --json/--jsonl kept."""
import csv
import io
import json
import os
import re

from harness import ROOT, Result, validate_json
from harness import run as run_cmd

NAME = "csv"
DATA = os.path.join(ROOT, "tests", "csv")
CASE = os.path.join(DATA, "check.case")
ZONE = os.path.join(DATA, "example.test.zone")
POLICY = os.path.join(DATA, "mta-sts.txt")
HEADER = ["domain", "area", "id", "severity", "subject", "message", "evidence", "advice"]
STS_ID = re.compile(r"id=\d{8}T\d{6}")
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(v):
    """What the CSV holds for a JSON value: empty for null, a formula start neutralised."""
    if v is None:
        return ""
    return "'" + v if v.startswith(FORMULA) else v


def row(domain, f):
    return [domain, f["area"], f["id"], f["severity"], cell(f["subject"]), cell(f["message"]),
            cell(f["evidence"]), cell(f["advice"])]


def expected_rows(doc):
    """Policy files (lint) first, named by path, then the domains in input order."""
    return [row(p["path"], f) for p in doc.get("policies", []) for f in p["findings"]] + \
        [row(d["domain"], f) for d in doc["domains"] for f in d["findings"]]


def compare(out, doc, problems):
    """out (CSV text) against the --json document doc; problems appended."""
    if not out.startswith(",".join(HEADER) + "\r\n"):
        problems.append("header row: %r" % out[:120])
    rows = list(csv.reader(io.StringIO(out, newline=""), strict=True))
    if not rows or rows[0] != HEADER:
        problems.append("parsed header: %r" % (rows[:1],))
        return rows
    # the advice of a missing MTA-STS record carries an id made from the clock (id=YYYYMMDDTHHMMSS):
    # the two runs may fall in different seconds
    want = [[STS_ID.sub("id=T", c) for c in r] for r in expected_rows(doc)]
    got = [[STS_ID.sub("id=T", c) for c in r] for r in rows[1:]]
    if got != want:
        problems.append("rows differ from --json findings: %d rows, want %d; first difference: %r"
                        % (len(got), len(want), next(((a, b) for a, b in zip(got, want) if a != b), None)))
    # written back with RFC 4180's minimal quoting and CRLF, the rows are the same bytes
    again = io.StringIO(newline="")
    csv.writer(again, lineterminator="\r\n").writerows(rows)
    if again.getvalue() != out:
        problems.append("not RFC 4180 minimal quoting with CRLF line ends")
    return rows


def run_text(args, argv):
    rc, out, err = run_cmd([args.mailsec] + argv, wrapper=args.wrapper)
    return rc, out, err


def sanitizer(err, problems):
    if "AddressSanitizer" in err or "runtime error:" in err:
        problems.append("sanitizer: " + err[-2000:])


def check_csv(args, name, argv_csv, argv_json, schema, want_rc, extra=None, policy=False):
    problems = []
    rc, out, err = run_text(args, argv_csv)
    jrc, jout, jerr = run_text(args, argv_json)
    sanitizer(err + jerr, problems)
    if rc != want_rc or jrc != want_rc:
        problems.append("exit %d (csv), %d (json), want %d: %s" % (rc, jrc, want_rc, err.strip()[:300]))
    try:
        doc = json.loads(jout)
        problems += ["schema: " + e for e in validate_json(doc, schema)]
        rows = compare(out, doc, problems)
        if policy and not any(r[0] == POLICY for r in rows[1:]):
            problems.append("no row names the policy file")
        if extra and not problems:
            extra(rows, problems)
    except ValueError as e:
        problems.append("--json not JSON: %s" % e)
    return Result(NAME, name, "fail" if problems else "pass", "\n".join(problems))


def evidence_round_trips(rows, problems):
    """The spf.syntax finding's evidence holds a comma, quotes and a newline: one row, intact."""
    ev = [r[6] for r in rows[1:] if r[2] == "spf.syntax"]
    if len(ev) != 1 or not all(c in ev[0] for c in (",", '"', "\n")) or \
            not ev[0].startswith('"v=spf1 ip4:192.0.2.25 a,b "q"'):
        problems.append("spf.syntax evidence: %r" % ev)


def formula_neutralised(rows, problems):
    """The MX target -mail.example.test is a subject starting with '-': it gets an apostrophe."""
    subj = [r[4] for r in rows[1:] if r[2] == "mx.target.invalid"]
    if subj != ["'-mail.example.test"]:
        problems.append("mx.target.invalid subject: %r" % subj)
    evidence_round_trips(rows, problems)


def simple(args, name, argv, want_rc, check=None):
    problems = []
    rc, out, err = run_text(args, argv)
    sanitizer(err, problems)
    if rc != want_rc:
        problems.append("exit %d, want %d: %s" % (rc, want_rc, err.strip()[:300]))
    if check:
        try:
            why = check(out, err)
        except ValueError as e:
            why = "not JSON: %s" % e
        if why:
            problems.append(why)
    return Result(NAME, name, "fail" if problems else "pass", "\n".join(problems))


def jsonl_ok(out, err):
    lines = [json.loads(x) for x in out.splitlines()]
    if len(lines) != 1 or lines[0].get("schema") != "mailsec/1" or lines[0]["domain"] != "example.test":
        return "--jsonl: %r" % out[:300]
    errs = validate_json(lines[0])
    return "; ".join(errs) if errs else None


def json_ok(schema):
    def check(out, err):
        doc = json.loads(out)
        errs = validate_json(doc, schema)
        return "; ".join(errs) if errs else None
    return check


def run(args):
    rep = ["--replay", CASE, "example.test"]
    return [
        check_csv(args, "check --format csv: header, one row per --json finding, quoting round-trips",
                  ["check", "--format", "csv"] + rep, ["check", "--json"] + rep, "mailsec-1.json", 1,
                  evidence_round_trips),
        check_csv(args, "lint --format csv: one row per --json finding, formula start neutralised",
                  ["lint", "--format", "csv", ZONE], ["lint", "--json", ZONE], "mailsec-lint-1.json", 1,
                  formula_neutralised),
        simple(args, "check --format xml: usage error", ["check", "--format", "xml"] + rep, 2,
               lambda o, e: None if "text, json, jsonl or csv" in e else "stderr: " + e),
        simple(args, "lint --format xml: usage error", ["lint", "--format", "xml", ZONE], 2,
               lambda o, e: None if "text, json, jsonl or csv" in e else "stderr: " + e),
        simple(args, "lint --format jsonl: one mailsec/1 line per domain", ["lint", "--format", "jsonl", ZONE], 1,
               jsonl_ok),
        simple(args, "lint --jsonl is --format jsonl", ["lint", "--jsonl", ZONE], 1, jsonl_ok),
        simple(args, "lint --jsonl refuses MTA-STS policy files", ["lint", "--jsonl", ZONE, POLICY], 2,
               lambda o, e: None if "policy files" in e and o == "" else "stderr: " + e),
        check_csv(args, "lint --format csv: a policy file's rows name the file",
                  ["lint", "--format", "csv", ZONE, POLICY], ["lint", "--json", ZONE, POLICY],
                  "mailsec-lint-1.json", 1, None, policy=True),
        simple(args, "check --jsonl still works", ["check", "--jsonl"] + rep, 1, jsonl_ok),
        simple(args, "check --format jsonl is --jsonl", ["check", "--format", "jsonl"] + rep, 1, jsonl_ok),
        simple(args, "check --format json is --json", ["check", "--format", "json"] + rep, 1,
               json_ok("mailsec-1.json")),
        simple(args, "lint --format json is --json", ["lint", "--format", "json", ZONE], 1,
               json_ok("mailsec-lint-1.json")),
        simple(args, "check --format text is the default", ["check", "--format", "text"] + rep, 1,
               lambda o, e: None if "summary:" in o else "stdout: " + o[:300]),
    ]
