"""tests/groups/spf_suite.py - SPF conformance: the OpenSPF RFC 7208 suite and mox's record vectors.

Every scenario of $MAILSEC_TESTDATA/spf/openspf-pyspf/rfc7208-tests.yml is
turned into replay zone text (following the harness conventions in its
SOURCE.txt: SPF-type data is also served as TXT unless the name has TXT
entries, "NONE" means no TXT, a lone TIMEOUT times every query out, a TIMEOUT
after records times out the types that have no data) and all of its tests are
evaluated by one `mailsec spf eval --batch` process.  A test passes when the
result is the expected one (or one of the allowed ones) and, for an expected
explanation, the explanation matches ("DEFAULT" = no exp= text).

mox's spf-record-parse.tsv vectors go through `mailsec spf lint --json`:
valid records must parse, invalid ones must give spf.syntax.
"""
import concurrent.futures
import json
import os
import tempfile

from harness import Result, skip_or_fail, testdata_dir
from harness import run as hrun

NAME = "spf-suite"
TYPES = ("A", "AAAA", "MX", "PTR", "TXT", "SPF", "CNAME")


def txt_rdata(value):
    """Presentation form of a TXT value (a string or a list of strings)."""
    pieces = value if isinstance(value, list) else [value]
    out = []
    for p in pieces:
        b = p.encode("utf-8") if isinstance(p, str) else bytes(p)
        chunks = [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]
        for c in chunks:
            s = "".join(chr(x) if 0x20 < x < 0x7f and x not in (0x22, 0x5c) else "\\%03d" % x for x in c)
            out.append('"%s"' % s)
    return " ".join(out)


def name_text(name):
    """Presentation form of an owner name, escaped as the evaluator asks for it."""
    b = name.rstrip(".").encode("utf-8")
    return "".join(chr(x) if 0x20 < x < 0x7f and chr(x) not in '\\";()' else "\\%03d" % x
                   for x in b) + "."


def zone_text(zonedata):
    lines = []
    for name, items in zonedata.items():
        owner = name_text(name)
        has_txt = any(isinstance(i, dict) and "TXT" in i for i in items)
        have = set()
        timeout = False
        for it in items:
            if it == "TIMEOUT":
                timeout = True
                continue
            for typ, val in it.items():
                if typ in ("TXT", "SPF"):
                    if val == "NONE" or val == []:
                        continue
                    lines.append("%s %s %s" % (owner, typ, txt_rdata(val)))
                    have.add(typ)
                    if typ == "SPF" and not has_txt:
                        lines.append("%s TXT %s" % (owner, txt_rdata(val)))
                        have.add("TXT")
                elif typ == "MX":
                    pref, host = val
                    lines.append("%s MX %d %s" % (owner, pref, (host.rstrip(".") + ".") if host else "."))
                    have.add(typ)
                elif typ in ("PTR", "CNAME"):
                    lines.append("%s %s %s" % (owner, typ, val.rstrip(".") + "."))
                    have.add(typ)
                else:
                    lines.append("%s %s %s" % (owner, typ, val))
                    have.add(typ)
        if timeout:
            if not have:
                lines.append("%s * TIMEOUT" % owner)
            else:
                for typ in TYPES:
                    if typ not in have:
                        lines.append("%s %s TIMEOUT" % (owner, typ))
    return "\n".join(lines) + "\n"


def run_scenario(args, tmp, idx, doc):
    res = []
    zpath = os.path.join(tmp, "z%d.txt" % idx)
    bpath = os.path.join(tmp, "b%d.txt" % idx)
    with open(zpath, "w", encoding="utf-8") as f:
        f.write(zone_text(doc.get("zonedata") or {}))
    names = list(doc["tests"].keys())
    with open(bpath, "w", encoding="utf-8") as f:
        for n in names:
            t = doc["tests"][n]
            f.write("%s\t%s\t%s\n" % (t["host"], t["mailfrom"] or "-", t["helo"]))
    rc, out, err = hrun([args.mailsec, "spf", "eval", "--replay", zpath, "--batch", bpath],
                       wrapper=args.wrapper)
    lines = out.splitlines()
    if rc != 0 or len(lines) != len(names):
        return [Result(NAME, "rfc7208/%s" % doc["description"], "fail",
                       "exit %d, %d lines for %d tests\n%s" % (rc, len(lines), len(names), err[-2000:]))]
    for n, line in zip(names, lines):
        t = doc["tests"][n]
        want = t["result"] if isinstance(t["result"], list) else [t["result"]]
        got = json.loads(line)
        problems = []
        if got.get("result") not in want:
            problems.append("result %s, want %s (%s)" % (got.get("result"), "|".join(want), got.get("problem")))
        if "explanation" in t and got.get("result") == "fail":
            exp = got.get("explanation") or "DEFAULT"
            if exp != t["explanation"]:
                problems.append("explanation %r, want %r" % (exp, t["explanation"]))
        if "ERROR: AddressSanitizer" in err or "runtime error:" in err:
            problems.append("sanitizer: " + err[-2000:])
        res.append(Result(NAME, "rfc7208/%s" % n, "fail" if problems else "pass",
                          "; ".join(problems) + "\n  spec %s: %s" % (t.get("spec"), t.get("description", ""))))
    res.append(same_as_traced(args, zpath, bpath, doc["description"], out))
    return res


def same_as_traced(args, zpath, bpath, desc, out):
    """Without --trace a line is written directly (cli/spf_run.c result_line), with
    --trace through jansson: byte for byte the same line apart from "trace"."""
    rc, traced, err = hrun([args.mailsec, "spf", "eval", "--trace", "--replay", zpath, "--batch", bpath],
                           wrapper=args.wrapper)
    problems = [] if rc == 0 else ["--trace: exit %d %s" % (rc, err[-1000:])]
    plain_l, traced_l = out.splitlines(), traced.splitlines()
    if len(plain_l) != len(traced_l):
        problems.append("%d lines, %d with --trace" % (len(plain_l), len(traced_l)))
    for a, b in zip(plain_l, traced_l):
        cut = b.find(',"trace":[')
        if cut < 0 or not a.endswith("}") or a[:-1] != b[:cut]:
            problems.append("line differs:\n  %s\n  %s" % (a, b))
    return Result(NAME, "rfc7208-json/%s: lines as jansson writes them" % desc,
                  "fail" if problems else "pass", "\n".join(problems[:3]))


# mox vectors whose verdict RFC 7208 contradicts (README.md, "Contested test
# expectations"): the RFC verdict is asserted instead.
MOX_CONTESTED = {
    "V=spf1 all Include:example.org a ?a -a +a ~a a:x a:x/0 a:x/24//64 a:x//64 mx mx:x ptr ptr:x "
    "IP4:10.0.0.1 ip4:0.0.0.0/0 ip4:10.0.0.1/24 ip6:2001:db8::1 ip6:2001:db8::1/128 exists:x "
    "REDIRECT=x exp=X Other=x":
        "RFC 7208 §7.1 domain-end = ( \".\" toplabel [ \".\" ] ) / macro-expand: 'a:x' has no "
        "dot before its toplabel (OpenSPF test a-only-toplabel: permerror)",
}


def mox_vectors(args):
    path = os.path.join(testdata_dir(), "spf", "mox-spf-record", "spf-record-parse.tsv")
    if not os.path.exists(path):
        return [skip_or_fail(NAME, "mox record vectors", "%s not found" % path)]
    res = []
    for lineno, line in enumerate(open(path, encoding="utf-8"), 1):
        if line.startswith("#") or line.startswith("verdict\t"):
            continue
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 2:
            continue
        verdict, rec = cols[0], cols[1].encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
        rc, out, err = hrun([args.mailsec, "spf", "lint", "--json", "--", rec], wrapper=args.wrapper)
        try:
            doc = json.loads(out)
        except ValueError:
            res.append(Result(NAME, "mox/%d" % lineno, "fail", "not JSON (exit %d): %s" % (rc, err[-500:])))
            continue
        valid = doc.get("valid")
        want = verdict == "valid"
        if rec in MOX_CONTESTED:
            want = not want
            verdict = "contested, RFC says %s" % ("valid" if want else "invalid")
        ok = valid == want
        res.append(Result(NAME, "mox/%d %s %r" % (lineno, verdict, rec), "pass" if ok else "fail",
                          "parsed as %s: %s" % ("valid" if valid else "invalid", doc.get("error"))))
    return res


def run(args):
    import yaml
    path = os.path.join(testdata_dir(), "spf", "openspf-pyspf", "rfc7208-tests.yml")
    if not os.path.exists(path):
        return [skip_or_fail(NAME, "rfc7208-tests.yml", "%s not found" % path)]
    docs = [d for d in yaml.safe_load_all(open(path, encoding="utf-8")) if d]
    res = []
    with tempfile.TemporaryDirectory() as tmp:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
            for r in ex.map(lambda p: run_scenario(args, tmp, p[0], p[1]), enumerate(docs)):
                res.extend(r)
    n = sum(1 for r in res if r.name.startswith("rfc7208/"))
    p = sum(1 for r in res if r.name.startswith("rfc7208/") and r.status == "pass")
    print("spf-suite: RFC 7208 suite: %d/%d tests pass" % (p, n))
    res.extend(mox_vectors(args))
    return res
