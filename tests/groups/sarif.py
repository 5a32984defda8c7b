"""tests/groups/sarif.py - lint and check --format sarif (docs/sarif.md): every log validated
against the SARIF 2.1.0 schema (rtm.5, from the npm package @microsoft/jest-sarif pinned in
package.json, read from node_modules) with python3-jsonschema; lint's results point at the
zone file and line of the record they are about (a missing record: the zone's SOA line, the
root node's line in octoDNS YAML); rules from the catalogue; levels from severities; the
results are the --json findings less the passes."""
import copy
import json
import os
import subprocess

from harness import ROOT, Result, skip_or_fail

NAME = "sarif"
DATA = os.path.join(ROOT, "tests", "sarif")
ZONE = "tests/sarif/example.test.zone"
YAML = "tests/sarif/example.org.yaml"
POLICY = "tests/csv/mta-sts.txt"
CASE = os.path.join(ROOT, "tests", "csv", "check.case")
SCHEMA = os.path.join(ROOT, "node_modules", "@microsoft", "jest-sarif", "lib", "schemas",
                      "sarif-2.1.0-rtm.5.json")
LEVELS = {"error": ("fail", "error"), "warning": ("fail", "warning"), "info": ("fail", "note"),
          "unknown": ("review", "none")}

# (rule, file, line, subject): results lint must point exactly so (tests/sarif/*)
WANT_LINES = [
    ("mx.target.invalid", ZONE, 13, "-bad.example.test"),      # the second of two MX records
    ("spf.all.pass", ZONE, 16, "example.test"),
    ("dmarc.policy.none", ZONE, 17, "_dmarc.example.test"),     # a record over two lines: its first
    ("mta-sts.record.missing", ZONE, 5, "example.test"),        # missing: the SOA (over three lines)
    ("tls-rpt.missing", ZONE, 5, "_smtp._tls.example.test"),
    ("bimi.missing", ZONE, 5, "default._bimi.example.test"),
    ("tls.probe.skipped", ZONE, 5, "example.test"),             # about the domain: the SOA
    ("mx.target.invalid", YAML, 8, "-bad.example.org"),        # the second item of values
    ("spf.all.pass", YAML, 11, "example.org"),
    ("mta-sts.record.missing", YAML, 3, "example.org"),         # missing: the root node's line
    ("tls.probe.skipped", YAML, 3, "example.org"),
]


def validator():
    import jsonschema
    schema = json.load(open(SCHEMA))
    cls = jsonschema.validators.validator_for(schema)
    return schema, cls(schema)


def schema_errors(v, doc):
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message)
            for e in v.iter_errors(doc)][:10]


def mailsec(args, argv):
    """mailsec run in the repository's root, so the relative paths given are the URIs."""
    cmd = (args.wrapper or []) + [os.path.abspath(args.mailsec)] + argv
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=120, cwd=ROOT)
        rc, out, err = p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        rc, out, err = -999, "", "timed out"
    problems = []
    if "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
        problems.append("sanitizer: " + err[-2000:])
    return rc, out, err, problems


def common(schema, v, doc, json_doc, problems):
    """What every log must be: valid, one run, rules from the catalogue, the --json findings."""
    problems += ["schema: " + e for e in schema_errors(v, doc)]
    if doc.get("$schema") != schema.get("id") or doc.get("version") != "2.1.0":
        problems.append("$schema/version: %r %r" % (doc.get("$schema"), doc.get("version")))
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    if len(set(ids)) != len(ids):
        problems.append("a rule twice: %r" % ids)
    for r in rules:
        page = os.path.join(ROOT, "docs", "findings", r["id"] + ".md")
        if not os.path.exists(page) or not r.get("helpUri", "").endswith("/docs/findings/%s.md" % r["id"]):
            problems.append("rule %s: helpUri %r, page %s" % (r["id"], r.get("helpUri"), os.path.exists(page)))
        if not r.get("shortDescription", {}).get("text"):
            problems.append("rule %s: no shortDescription" % r["id"])
    for res in run["results"]:
        sev = res["properties"]["severity"]
        if ids[res["ruleIndex"]] != res["ruleId"]:
            problems.append("ruleIndex of %s points at %s" % (res["ruleId"], ids[res["ruleIndex"]]))
        if (res["kind"], res["level"]) != LEVELS.get(sev):
            problems.append("%s (%s): kind %s level %s" % (res["ruleId"], sev, res["kind"], res["level"]))
    # the results are the --json findings (passes left out), in the same order
    want = [(p["path"], f["id"], f["severity"], f["message"]) for p in json_doc.get("policies", [])
            for f in p["findings"] if f["severity"] != "pass"] + \
        [(d["domain"], f["id"], f["severity"], f["message"]) for d in json_doc["domains"]
         for f in d["findings"] if f["severity"] != "pass"]
    got = [(r["properties"]["domain"], r["ruleId"], r["properties"]["severity"], r["message"]["text"])
           for r in run["results"]]
    if got != want:
        problems.append("results differ from --json: %d, want %d; first: %r" % (
            len(got), len(want), next(((a, b) for a, b in zip(got, want) if a != b), None)))
    if set(ids) != {r["ruleId"] for r in run["results"]}:
        problems.append("rules are not exactly the ids of the results")


def where(res):
    loc = res["locations"][0]
    phys = loc.get("physicalLocation")
    name = loc["logicalLocations"][0]["name"]
    if phys is None:
        return None, None, name
    return phys["artifactLocation"]["uri"], phys.get("region", {}).get("startLine"), name


def lint_lines(args, schema, v):
    argv = [ZONE, YAML, POLICY]
    rc, out, err, problems = mailsec(args, ["lint", "--format", "sarif"] + argv)
    jrc, jout, jerr, p2 = mailsec(args, ["lint", "--json"] + argv)
    problems += p2
    if rc != 1 or jrc != 1:
        problems.append("exit %d (sarif), %d (json), want 1: %s" % (rc, jrc, err.strip()[:300]))
    try:
        doc = json.loads(out)
        common(schema, v, doc, json.loads(jout), problems)
        results = doc["runs"][0]["results"]
        seen = [(r["ruleId"],) + where(r) for r in results]
        for want in WANT_LINES:
            if want not in seen:
                problems.append("no result %s at %s:%d (%s); that rule: %r" % (
                    want[0], want[1], want[2], want[3], [s for s in seen if s[0] == want[0]]))
        # every zone result has a line; the policy file's have the file only
        for s in seen:
            if s[1] in (ZONE, YAML) and not s[2]:
                problems.append("no line: %r" % (s,))
            if s[1] == POLICY and s[2] is not None:
                problems.append("a line in the policy file: %r" % (s,))
            if s[1] not in (ZONE, YAML, POLICY):
                problems.append("points at no file given: %r" % (s,))
        if not any(s[1] == POLICY and s[0].startswith("mta-sts.") for s in seen):
            problems.append("no result for the policy file")
    except (ValueError, KeyError, IndexError, TypeError) as e:
        problems.append("log not as expected: %r: %s" % (e, out[:300]))
    return Result(NAME, "lint-lines", "fail" if problems else "pass", "\n".join(problems))


def lint_uri(args, schema, v):
    """An absolute path and one with a space: a file: URI, percent-encoded."""
    import shutil
    import tempfile
    problems = []
    d = tempfile.mkdtemp(prefix="mailsec-sarif-")
    try:
        path = os.path.join(d, "my zone.test.zone")
        shutil.copy(os.path.join(ROOT, ZONE), path)
        rc, out, err, problems = mailsec(args, ["lint", "--format", "sarif", path])
        doc = json.loads(out)
        problems += ["schema: " + e for e in schema_errors(v, doc)]
        uris = {where(r)[0] for r in doc["runs"][0]["results"]}
        want = "file://" + path.replace(" ", "%20")
        if uris != {want}:
            problems.append("uris %r, want %r" % (uris, want))
    except (ValueError, KeyError, IndexError) as e:
        problems.append("log not as expected: %r" % e)
    finally:
        shutil.rmtree(d)
    return Result(NAME, "lint-uri", "fail" if problems else "pass", "\n".join(problems))


def check_logical(args, schema, v):
    """check: results point at the domain (a logical location), no file."""
    rc, out, err, problems = mailsec(args, ["check", "--replay", CASE, "--format", "sarif", "example.test"])
    jrc, jout, jerr, p2 = mailsec(args, ["check", "--replay", CASE, "--json", "example.test"])
    problems += p2
    if rc != jrc or rc != 1:
        problems.append("exit %d (sarif), %d (json), want 1: %s" % (rc, jrc, err.strip()[:300]))
    try:
        doc = json.loads(out)
        jdoc = json.loads(jout)
        common(schema, v, doc, jdoc, problems)
        subjects = [f["subject"] for d in jdoc["domains"] for f in d["findings"] if f["severity"] != "pass"]
        got = []
        for r in doc["runs"][0]["results"]:
            uri, line, name = where(r)
            if uri is not None:
                problems.append("%s points at a file" % r["ruleId"])
            got.append(name)
        if got != subjects:
            problems.append("logical locations %r, want the subjects %r" % (got[:5], subjects[:5]))
        if doc["runs"][0]["properties"]["command"] != "check":
            problems.append("run properties: %r" % doc["runs"][0].get("properties"))
    except (ValueError, KeyError, IndexError, TypeError) as e:
        problems.append("log not as expected: %r: %s" % (e, out[:300]))
    return Result(NAME, "check-logical", "fail" if problems else "pass", "\n".join(problems))


def schema_bites(args, schema, v):
    """The validator rejects a broken log (so a pass above means something)."""
    rc, out, err, problems = mailsec(args, ["lint", "--format", "sarif", ZONE])
    try:
        doc = json.loads(out)
        for mutate in (lambda d: d["runs"][0]["results"][0].__setitem__("level", "fatal"),
                       lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
                       ["region"].__setitem__("startLine", 0),
                       lambda d: d.pop("version")):
            bad = copy.deepcopy(doc)
            mutate(bad)
            if not schema_errors(v, bad):
                problems.append("schema accepted a broken log")
    except (ValueError, KeyError, IndexError) as e:
        problems.append("log not as expected: %r" % e)
    return Result(NAME, "schema-rejects", "fail" if problems else "pass", "\n".join(problems))


def run(args):
    if not os.path.exists(SCHEMA):
        return [skip_or_fail(NAME, "sarif", "no SARIF schema at %s: run 'npm ci --ignore-scripts' "
                             "(scripts/install-deps does)" % os.path.relpath(SCHEMA, ROOT))]
    schema, v = validator()
    return [lint_lines(args, schema, v), lint_uri(args, schema, v),
            check_logical(args, schema, v), schema_bites(args, schema, v)]
