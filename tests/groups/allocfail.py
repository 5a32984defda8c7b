"""tests/groups/allocfail.py - allocation-failure injection over the pure parsers (issue 22 item 3).

Runs BUILD/tests/allocfail over fuzz/corpus/: for every parser and corpus file, the N-th
fallible allocation fails (once, then from N on) for N = 1 .. (allocations that input makes,
at most --max); the parser must return MS_ERR_NOMEM with "out of memory", never crash,
never leak.  One result
per parser.  It needs a build configured with -Dalloc_fail=true (make test-asan does, with
ASan+UBSan and leak detection on); in other builds the group is skipped, loudly.
"""
import os
import re
import sys

from harness import ROOT, Result, run as hrun

NAME = "allocfail"
MAX_PER_INPUT = "200"
# the entries whose parser calls libldns (tests/allocfail/allocfail.c)
FULL_UNWIND = ("zone_bind", "zone_bind_origin")


def run(args):
    exe = os.path.join(args.build, "tests", "allocfail")
    if not os.access(exe, os.X_OK):
        return [Result(NAME, "allocfail driver", "fail", "%s not built" % exe)]
    # Two passes. The zone_bind entries go through libldns, whose one known leak is
    # suppressed by frame (fuzz/lsan-ldns.supp, as scripts/fuzz uses): they run with full
    # unwinding, so that the suppression matches ldns's frame and nothing of ours. Every
    # other entry runs with ASan's fast unwinder: full unwinding on every malloc made
    # libyaml's and jansson's parsers 17 times slower (zone_octodns and tlsrpt_json took
    # 236 s of the group's 280 s; 13.5 s with fast unwinding, the same leak checks).
    out, errs, rc = "", "", 0
    for only, unwind in ((",".join(FULL_UNWIND), "fast_unwind_on_malloc=0"),
                         ("!" + ",".join(FULL_UNWIND), "")):
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS", ""),
                                                     "detect_leaks=1", unwind]))
        env["LSAN_OPTIONS"] = ":".join(filter(None, [env.get("LSAN_OPTIONS", ""),
                                                     "suppressions=" + os.path.join(ROOT, "fuzz", "lsan-ldns.supp"),
                                                     "print_suppressions=0"]))
        prc, pout, err = hrun([exe, "--max", MAX_PER_INPUT, "--only", only,
                               os.path.join(ROOT, "fuzz", "corpus")], timeout=600, env=env)
        if prc == 77:
            why = pout.strip() or "no injector in this build"
            print("SKIP (loudly): allocfail: %s" % why, file=sys.stderr)
            return [Result(NAME, "allocfail", "skip", why)]
        out += pout
        errs += err
        if prc != 0:
            rc = prc
    res, detail = [], []
    for line in out.splitlines():
        m = re.match(r"(\w+): (.*): (ok|FAIL)$", line)
        if m:
            res.append(Result(NAME, m.group(1), "pass" if m.group(3) == "ok" else "fail",
                              "\n".join(detail + [line])))
            detail = []
        else:
            detail.append(line)
    if rc != 0 and not any(r.status == "fail" for r in res):
        res.append(Result(NAME, "allocfail", "fail",
                          "exit %d (a crash or a leak?)\n%s\n%s" % (rc, out[-3000:], errs[-6000:])))
    if not res:
        res.append(Result(NAME, "allocfail", "fail", "no output\n" + out + errs))
    return res

