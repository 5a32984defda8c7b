"""tests/harness.py - shared helpers for tests/run and the group modules in tests/groups/.

A group module (tests/groups/<name>.py) defines NAME (a short group name) and
run(args) returning a list of Result; tests/run imports every such module after
its own groups, in file-name order.  args carries: build, mailsec (the binary),
jobs, verbose, wrapper (a valgrind command prefix or None), root.
"""
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEVERITIES = ("pass", "info", "warning", "error", "unknown")
# Sanitizer builds run several times slower: tests scale the network timeouts they
# give mailsec by this factor (make test-asan sets it), never their assertions.
TIME_SCALE = float(os.environ.get("MAILSEC_TEST_TIME_SCALE", "1") or "1")


class Result:
    def __init__(self, group, name, status, detail=""):
        self.group, self.name, self.status, self.detail = group, name, status, detail


def testdata_dir():
    d = os.environ.get("MAILSEC_TESTDATA") or os.path.join(ROOT, "..", "shared", "testdata")
    return os.path.abspath(d)


def skip_or_fail(group, name, why):
    """Absent third-party data: loud skip locally, failure in CI."""
    if os.environ.get("CI") == "true":
        return Result(group, name, "fail", why + " (CI=true: required)")
    print("SKIP (loudly): %s: %s" % (name, why), file=sys.stderr)
    return Result(group, name, "skip", why)


def load_schema(name="mailsec-1.json"):
    """A validator for docs/schema/NAME; other schemas may $ref mailsec-1.json."""
    import jsonschema
    schema = json.load(open(os.path.join(ROOT, "docs", "schema", name)))
    base = json.load(open(os.path.join(ROOT, "docs", "schema", "mailsec-1.json")))
    resolver = jsonschema.RefResolver.from_schema(schema, store={base["$id"]: base, schema["$id"]: schema})
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


VALIDATORS = {}


def validate_json(doc, schema="mailsec-1.json"):
    """Errors of doc against docs/schema/SCHEMA (default: the mailsec/1 check output), as strings."""
    if schema not in VALIDATORS:
        VALIDATORS[schema] = load_schema(schema)
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message)
            for e in VALIDATORS[schema].iter_errors(doc)]


def run(cmd, timeout=120, env=None, wrapper=None):
    if wrapper:
        cmd = wrapper + cmd
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return -999, "", "timed out after %ss" % timeout


# ---- case files --------------------------------------------------------------

def parse_case(path):
    """Header lines (key: value) up to the 'zone:' line; expect: may repeat."""
    case = {"expect": [], "texts": [], "path": path}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.strip() == "zone:":
            break
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(r"([a-z-]+):\s*(.*)$", line)
        if not m:
            raise ValueError("bad header line: %r" % line)
        k, v = m.group(1), m.group(2).strip()
        if k == "expect":
            parts = v.split()
            if len(parts) > 2 or (len(parts) == 2 and parts[1] not in SEVERITIES):
                raise ValueError("expect: ID [SEVERITY]")
            case["expect"].append((parts[0], parts[1] if len(parts) == 2 else None))
        elif k in ("expect-text", "reject-text"):
            parts = v.split(None, 1)
            if len(parts) != 2:
                raise ValueError("%s: ID TEXT" % k)
            case["texts"].append((parts[0], parts[1], k == "expect-text"))
        else:
            case[k] = v
    for k in ("command", "exit"):
        if k not in case:
            raise ValueError("missing '%s:'" % k)
    return case


def check_findings(case, doc):
    """Every expected id present (with its severity); no unexpected non-pass finding."""
    problems = []
    got = []
    for d in doc.get("domains", []):
        got.extend(d.get("findings", []))
    for fid, sev in case["expect"]:
        match = [f for f in got if f["id"] == fid and (sev is None or f["severity"] == sev)]
        if not match:
            have = [f["severity"] for f in got if f["id"] == fid]
            problems.append("expected %s%s, got %s" % (fid, " " + sev if sev else "",
                                                      "severities " + ",".join(have) if have else "none"))
    for fid, text, want in case.get("texts", []):
        fs = [f for f in got if f["id"] == fid]
        hits = [f for f in fs if any(text in (f.get(k) or "") for k in ("message", "advice", "evidence"))]
        if want and not hits:
            problems.append("no %s finding says %r: %s" % (fid, text, [(f["message"], f.get("advice")) for f in fs]))
        if not want and hits:
            problems.append("a %s finding says %r: %s" % (fid, text, [(f["message"], f.get("advice")) for f in hits]))
    expected_ids = set(fid for fid, _ in case["expect"])
    for f in got:
        if f["severity"] != "pass" and f["id"] not in expected_ids:
            problems.append("unexpected %s %s: %s" % (f["severity"], f["id"], f["message"]))
    return problems


def run_case(args, path):
    rel = os.path.relpath(path, ROOT)
    try:
        case = parse_case(path)
    except (ValueError, OSError) as e:
        return Result("cases", rel, "fail", str(e))
    # world: replay (default) runs here only; both runs here and in the
    # namespace world (real Knot + Unbound); ns runs only in the namespace world.
    if case.get("world", "replay") not in ("replay", "both"):
        return None
    argv = shlex.split(case["command"])
    base = [args.mailsec] + argv + ["--replay", path]
    problems = []
    rc, out, err = run(base + ["--json"], wrapper=args.wrapper)
    want = int(case["exit"])
    if rc != want:
        problems.append("exit %d with --json, want %d" % (rc, want))
    if rc in (0, 1, 3):
        try:
            doc = json.loads(out)
        except ValueError as e:
            doc = None
            problems.append("output is not JSON: %s" % e)
        if doc is not None:
            problems += ["schema: " + e for e in validate_json(doc)]
            problems += check_findings(case, doc)
    rc2, out2, err2 = run(base, wrapper=args.wrapper)
    if rc2 != want:
        problems.append("exit %d in text mode, want %d" % (rc2, want))
    rc3, out3, err3 = run(base + ["--jsonl"], wrapper=args.wrapper)
    if rc3 != want:
        problems.append("exit %d with --jsonl, want %d" % (rc3, want))
    elif rc3 in (0, 1, 3):
        for line in out3.splitlines():
            try:
                problems += ["jsonl schema: " + e for e in validate_json(json.loads(line))]
            except ValueError as e:
                problems.append("jsonl line is not JSON: %s" % e)
    for e in (err, err2, err3):
        if "ERROR: AddressSanitizer" in e or "runtime error:" in e or "LeakSanitizer" in e:
            problems.append("sanitizer: " + e[-3000:])
    return Result("cases", rel, "fail" if problems else "pass",
                  "\n".join(problems) + ("\n--- stderr:\n" + err[-2000:] if problems and err else ""))


