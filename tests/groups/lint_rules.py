"""tests/groups/lint_rules.py - the rules of scripts/lint itself, on small fixture trees.

Each scenario writes a tree of C files into a temporary folder and runs
`scripts/lint --root TREE`: the exit code and the exact problem lines must be
as expected.  Rules covered: an include cycle between files of src/ (two
headers, a longer ring, a header including itself), an include from one check
area into another (src/checks/AREA/ into src/checks/OTHER/), the layer rules
(upward, sideways), and trees that must pass (an area including its own
folder, policy/ and audit/; a diamond of includes, which is no cycle).
"""
import os
import subprocess
import sys
import tempfile

from harness import ROOT, Result

NAME = "lint-rules"
LINT = os.path.join(ROOT, "scripts", "lint")


def tree(files):
    """A temporary tree: {path: [include, ...]}; each file opens with the comment lint requires."""
    d = tempfile.mkdtemp(prefix="mailsec-lint-")
    for rel, incs in files.items():
        path = os.path.join(d, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write("/* %s - fixture */\n" % rel)
            for inc in incs:
                f.write('#include "%s"\n' % inc)
    return d


def lint(files):
    d = tree(files)
    try:
        p = subprocess.run([sys.executable, LINT, "--root", d], capture_output=True, text=True, timeout=60)
    finally:
        subprocess.run(["rm", "-rf", d], check=False)
    lines = [l for l in p.stdout.splitlines() if not l.startswith("lint: ")]
    return p.returncode, lines, p.stdout + p.stderr


SCENARIOS = [
    ("two headers including each other: one cycle", {
        "src/core/a.h": ["core/b.h"],
        "src/core/b.h": ["core/a.h"],
        "src/core/a.c": ["core/a.h"],
    }, 1, ["src/core/a.h:2: include cycle: core/a.h -> core/b.h -> core/a.h"]),
    ("a ring of three across folders, named once from its first file", {
        "src/util/u.h": ["core/c.h"],
        "src/core/c.h": ["dns/d.h"],
        "src/dns/d.h": ["util/u.h"],
    }, 1, ["src/core/c.h:2: include cycle: core/c.h -> dns/d.h -> util/u.h -> core/c.h",
           "src/util/u.h:2: upward include of core/c.h (core is above util)",
           "src/core/c.h:2: upward include of dns/d.h (dns is above core)"]),
    ("a header including itself", {
        "src/util/s.h": ["util/s.h"],
    }, 1, ["src/util/s.h:2: include cycle: util/s.h -> util/s.h"]),
    ("a diamond is no cycle", {
        "src/util/base.h": [],
        "src/core/l.h": ["util/base.h"],
        "src/core/r.h": ["util/base.h"],
        "src/core/top.c": ["core/l.h", "core/r.h"],
    }, 0, []),
    ("an include from one check area into another", {
        "src/checks/tls/check_tls.c": ["checks/tls/check_tls.h", "checks/mtasts/check_mtasts.h"],
        "src/checks/tls/check_tls.h": [],
        "src/checks/mtasts/check_mtasts.h": [],
    }, 1, ["src/checks/tls/check_tls.c:3: include of checks/mtasts/check_mtasts.h from another check "
           "area (checks/mtasts into checks/tls: move what they share to policy/ or audit/)"]),
    ("an area header including another area's header", {
        "src/checks/dane/check_dane.h": ["checks/tls/tls_probes.h"],
        "src/checks/tls/tls_probes.h": [],
    }, 1, ["src/checks/dane/check_dane.h:2: include of checks/tls/tls_probes.h from another check "
           "area (checks/tls into checks/dane: move what they share to policy/ or audit/)"]),
    ("an area using its own folder, policy/, audit/ and lower layers passes", {
        "src/checks/tls/check_tls.c": ["checks/tls/check_tls.h", "policy/tls_probes.h",
                                       "policy/mtasts_state.h", "audit/audit.h", "util/str.h"],
        "src/checks/tls/check_tls.h": [],
        "src/checks/dane/check_dane.c": ["policy/tls_probes.h", "audit/audit.h"],
        "src/policy/tls_probes.h": ["audit/audit.h"],
        "src/policy/mtasts_state.h": ["policy/mtasts_parse.h"],
        "src/policy/mtasts_parse.h": [],
        "src/audit/audit.h": ["util/str.h"],
        "src/util/str.h": [],
        "src/engine/registry.c": ["checks/tls/check_tls.h"],
    }, 0, []),
    ("policy/ may not include a check area (upward)", {
        "src/policy/p.c": ["checks/spf/check_spf.h"],
        "src/checks/spf/check_spf.h": [],
    }, 1, ["src/policy/p.c:2: upward include of checks/spf/check_spf.h (checks is above policy)"]),
    ("siblings of one layer may not include each other", {
        "src/checks/mx/check_mx.c": ["records/gen.h"],
        "src/records/gen.h": [],
    }, 1, ["src/checks/mx/check_mx.c:2: sideways include of records/gen.h (records and checks are siblings)"]),
]


def run(args):
    res = []
    for name, files, want_rc, want in SCENARIOS:
        rc, lines, out = lint(files)
        ok = rc == want_rc and sorted(lines) == sorted(want)
        res.append(Result(NAME, name, "pass" if ok else "fail",
                          "exit %d (want %d)\ngot:\n  %s\nwant:\n  %s\n%s" % (
                              rc, want_rc, "\n  ".join(lines), "\n  ".join(want), out)))
    # The real tree passes (the lint group runs it too; here: no cycle, no cross-area include).
    p = subprocess.run([sys.executable, LINT], capture_output=True, text=True, timeout=120)
    bad = [l for l in p.stdout.splitlines() if "include cycle" in l or "another check area" in l]
    res.append(Result(NAME, "this repository: no include cycle, no cross-area include",
                      "fail" if bad else "pass", "\n".join(bad)))
    return res
