"""tests/groups/lint_rules.py - scripts/lint's rules, each tried on a small tree of its own.

Every folder tests/lint/RULE/ is a source tree (src/...) that breaks one rule in known places
and keeps it in others; its file `expect` holds the lines scripts/lint must print for it, in
order, and nothing else (the summary line aside).  The real tree is linted by tests/run's
group_lint; this group shows each rule both catches what it should and passes what it should.
"""
import os
import sys

from harness import ROOT, Result
from harness import run as hrun

NAME = "lint"


def run(args):
    res = []
    base = os.path.join(ROOT, "tests", "lint")
    for rule in sorted(os.listdir(base)):
        tree = os.path.join(base, rule)
        if not os.path.isfile(os.path.join(tree, "expect")):
            continue
        rc, out, err = hrun([sys.executable, os.path.join(ROOT, "scripts", "lint"), "--root", tree])
        got = [l for l in out.splitlines() if not l.startswith("lint: ")]
        want = open(os.path.join(tree, "expect"), encoding="utf-8").read().splitlines()
        ok = got == want and rc == (1 if want else 0) and not err
        detail = "" if ok else "want (rc %d):\n%s\ngot (rc %d):\n%s%s" % (
            1 if want else 0, "\n".join(want), rc, "\n".join(got), "\n" + err if err else "")
        res.append(Result("lint", "scripts/lint rule tree %s" % rule, "pass" if ok else "fail", detail))
    return res
