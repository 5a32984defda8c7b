"""tests/groups/formats.py - --format of every command through the one choice parser (cli_choose):
a value not in the option's list exits 2 naming the values the option table lists; reports
summary takes --format text|json|csv, the same bytes as --json and --csv."""
import os
import re
import shutil
import tempfile

from harness import ROOT, Result, skip_or_fail, testdata_dir
from harness import run as run_cmd

NAME = "formats"
ZONE = os.path.join(ROOT, "tests", "sarif", "example.test.zone")
GENERATED = re.compile(r'"generated": "[^"]*"')


def mailsec(args, argv):
    rc, out, err = run_cmd([args.mailsec] + argv, wrapper=args.wrapper)
    problems = []
    if "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
        problems.append("sanitizer: " + err[-2000:])
    return rc, out, err, problems


def metavar(args, command, option):
    """The values `mailsec help COMMAND` lists for --OPTION (the option table's metavar)."""
    rc, out, err = run_cmd([args.mailsec, "help", command])
    m = re.search(r"--%s ([a-z|]+)" % option, out)
    return m.group(1).split("|") if m else None


def bad_values(args):
    """Each command refuses a value it does not take, exit 2, naming every value it does."""
    cases = [
        ("check", ["check", "--replay", ZONE, "example.test"], "format"),
        ("lint", ["lint", ZONE], "format"),
        ("message", ["message", "check", "/dev/null"], "format"),
        ("records", ["records", "spf", "example.test"], "format"),
        ("dkim keygen", ["dkim", "keygen", "example.test"], "format"),
        ("reports", ["reports", "summary", "example.test"], "format"),
        ("message", ["message", "authres", "x"], "parse-mode"),
    ]
    out = []
    for command, argv, opt in cases:
        values = metavar(args, command, opt)
        rc, o, err, problems = mailsec(args, argv + ["--" + opt, "xml"])
        if not values:
            problems.append("help %s lists no values for --%s" % (command, opt))
        elif rc != 2 or o != "" or "--%s wants" % opt not in err or not all(v in err for v in values):
            problems.append("exit %d, stdout %r, stderr %r; want 2 naming %r" % (rc, o[:100], err[:300], values))
        # every listed value is taken (the parse goes past --format)
        for v in values or []:
            rc2, o2, err2, p2 = mailsec(args, argv + ["--" + opt, v])
            problems += p2
            if "wants" in err2:
                problems.append("--%s %s refused: %s" % (opt, v, err2[:200]))
        out.append(Result(NAME, "%s --%s values" % (command, opt), "fail" if problems else "pass",
                          "\n".join(problems)))
    return out


def reports_format(args):
    """reports summary --format csv/json print what --csv/--json print."""
    report = os.path.join(testdata_dir(), "dmarc-reports", "mail-dmarc", "test_dmarc.xml")
    if not os.path.exists(report):
        return skip_or_fail(NAME, "reports summary --format", "no %s" % report)
    d = tempfile.mkdtemp(prefix="mailsec-formats-")
    problems = []
    try:
        db = os.path.join(d, "r.db")
        rc, out, err, problems = mailsec(args, ["reports", "ingest", "--db", db, report])
        if rc != 0:
            problems.append("ingest: exit %d %s" % (rc, err[:300]))
        base = ["reports", "summary", "--db", db, "--no-dns", "--since", "all", "example.com"]
        for old, new in ((["--csv"], ["--format", "csv"]), (["--json"], ["--format", "json"]),
                         ([], ["--format", "text"])):
            r1, o1, e1, p1 = mailsec(args, base + old)
            r2, o2, e2, p2 = mailsec(args, base + new)
            problems += p1 + p2
            if r1 != 0 or r2 != 0 or GENERATED.sub("", o1) != GENERATED.sub("", o2) or "1.2.3.4" not in o2:
                problems.append("%s vs %s: exit %d/%d, outputs differ or lack the source:\n%s\n%s"
                                % (old, new, r1, r2, o1[:300], o2[:300]))
    finally:
        shutil.rmtree(d)
    return Result(NAME, "reports summary --format", "fail" if problems else "pass", "\n".join(problems))


# Files that still spell a schema name themselves, each with its reason (docs/json.md).
ENVELOPE_PENDING = {
}
COMMENT = re.compile(r"/\*.*?\*/", re.S)
SCHEMA_LITERAL = re.compile(r'"(mailsec(?:-[a-z-]+)?/[0-9]+)')


def envelopes(args):
    """Every document name core/envelope.c knows has its schema; no other file's code spells one."""
    problems = []
    names = SCHEMA_LITERAL.findall(open(os.path.join(ROOT, "src", "core", "envelope.c")).read())
    if len(names) < 15:
        problems.append("envelope.c names %d documents" % len(names))
    for n in names:
        path = os.path.join(ROOT, "docs", "schema", n.replace("/", "-") + ".json")
        if not os.path.exists(path):
            problems.append("%s has no %s" % (n, os.path.relpath(path, ROOT)))
    for dirpath, _, files in os.walk(os.path.join(ROOT, "src")):
        for f in files:
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, ROOT)
            if not f.endswith((".c", ".h")) or rel in ENVELOPE_PENDING or \
                    rel in ("src/core/envelope.c", "src/core/envelope.h"):
                continue
            code = COMMENT.sub("", open(path, errors="replace").read())	# comments may name them
            for m in SCHEMA_LITERAL.finditer(code):
                problems.append("%s spells %s: use core/envelope.h" % (rel, m.group(1)))
    return Result(NAME, "envelopes in one place", "fail" if problems else "pass", "\n".join(problems))


def run(args):
    return bad_values(args) + [reports_format(args), envelopes(args)]
