"""tests/groups/dmarc_world.py - mailsec dmarc eval through real DNS: the namespace world (Knot + Unbound).

One world holds a few policy-discovery fixtures (RFC 9989 Appendix B.4.3's PSD
example, np for a name that does not exist, psd=n below a registrable domain,
a name whose _dmarc lookup times out).  Each `dmarc eval` runs inside the
namespace through Unbound and mailsec's libunbound backend, and again through
the replay resolver on the same zone text: the verdicts must be the expected
ones and identical in both.  (Case files marked `world: both` cover `check`.)
Needs root and the servers, like the world group: otherwise a loud skip (a
failure under CI=true).
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "world"))
import harness  # noqa: E402
from harness import Result  # noqa: E402

NAME = "dmarc-world"

ZONE = """
_dmarc.bank.example.          TXT  "v=DMARC1; p=reject; psd=y; rua=mailto:psd@bank.example"
_dmarc.giant.bank.example.    TXT  "v=DMARC1; p=quarantine"
giant.bank.example.           MX   10 mx.giant.bank.example.
mx.giant.bank.example.        A    192.0.2.25
example.test.                 MX   10 mx.example.test.
mx.example.test.              A    192.0.2.26
_dmarc.example.test.          TXT  "v=DMARC1; p=reject; sp=none; np=quarantine; t=y; pct=20; rua=mailto:d@example.test"
real.example.test.            A    192.0.2.27
_dmarc.dept.other.test.       TXT  "v=DMARC1; p=reject; psd=n"
_dmarc.other.test.            TXT  "v=DMARC1; p=none"
mail.dept.other.test.         A    192.0.2.28
_dmarc.slow.test.             *    TIMEOUT
"""

# (name, argv after "dmarc eval --json", exit, {rule: {path: value}})
SCENARIOS = [
    ("RFC 9989 B.4.3: psd=y, org domain one label below the PSD",
     ["--from", "giant.bank.example", "--spf-domain", "mail.giant.bank.example", "--spf-result", "pass",
      "--dkim-domain", "mail.mega.bank.example", "--dkim-result", "pass"], 0,
     {"rfc9989": {"result": "pass", "policy_domain": "giant.bank.example",
                  "organizational_domain": "giant.bank.example", "alignment.spf_aligned": True,
                  "alignment.dkim_aligned": False}}),
    ("np applies to a name that does not exist (RFC 9989), sp for RFC 7489",
     ["--from", "ghost.example.test"], 0,
     {"rfc9989": {"result": "fail", "policy_source": "np", "policy": "quarantine", "disposition": "none",
                  "testing": True},
      "rfc7489": {"result": "fail", "policy_source": "sp", "policy": "none", "disposition": "none"}}),
    ("sp for a name that exists; pct for RFC 7489",
     ["--from", "real.example.test", "--dkim-domain", "other.test", "--dkim-result", "pass"], 0,
     {"rfc9989": {"policy_source": "sp", "policy": "none"},
      "rfc7489": {"policy_source": "sp", "pct": 20}}),
    ("PSL and tree walk reach different records",
     ["--from", "mail.dept.other.test"], 0,
     {"rfc7489": {"policy_domain": "other.test", "policy": "none"},
      "rfc9989": {"policy_domain": "dept.other.test", "policy": "reject", "disposition": "reject"}}),
    ("a _dmarc lookup that times out is temperror, exit 3",
     ["--from", "slow.test", "--timeout", "2"], 3,
     {"rfc7489": {"result": "temperror"}, "rfc9989": {"result": "temperror"}}),
]


def get(d, path):
    for p in path.split("."):
        d = d[p]
    return d


def judge(doc, want):
    problems = []
    for rule, kv in want.items():
        for path, v in kv.items():
            got = get(doc["results"][rule], path)
            if got != v:
                problems.append("%s %s is %r, want %r" % (rule, path, got, v))
    return problems


def run(args):
    import importlib.util
    spec = importlib.util.spec_from_file_location("world_group", os.path.join(HERE, "world.py"))
    wg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wg)
    import world
    why = wg.world_usable()
    if why:
        return [harness.skip_or_fail(NAME, "dmarc eval in the namespace world", why)]
    tmp = tempfile.mkdtemp(prefix="mailsec-dmarc-world-")
    zone = os.path.join(tmp, "z.zone")
    with open(zone, "w") as f:
        f.write(ZONE)
    out = []
    w = world.world_from_text(ZONE)
    try:
        w.start()
        for name, argv, want_rc, want in SCENARIOS:
            problems = []
            docs = {}
            for where in ("world", "replay"):
                cmd = ["dmarc", "eval", "--json"] + argv
                if where == "world":
                    rc, o, e = w.mailsec(args.mailsec, cmd, wrapper=args.wrapper)
                else:
                    rc, o, e = harness.run([args.mailsec] + cmd + ["--replay", zone], wrapper=args.wrapper)
                problems += ["%s: %s" % (where, p) for p in wg.sanitizer_problems(e)]
                if rc != want_rc:
                    problems.append("%s: exit %d, want %d: %s" % (where, rc, want_rc, e[-300:]))
                    continue
                try:
                    doc = json.loads(o)
                except ValueError as ex:
                    problems.append("%s: not JSON: %s" % (where, ex))
                    continue
                docs[where] = doc
                problems += ["%s: %s" % (where, p) for p in judge(doc, want)]
            if len(docs) == 2 and docs["world"]["results"] != docs["replay"]["results"]:
                problems.append("the world and the replay resolver disagree:\n%s\n%s" % (
                    json.dumps(docs["world"]["results"]), json.dumps(docs["replay"]["results"])))
            if problems and w.notes:
                problems.append("the world differs from the zone text: " + "; ".join(w.notes))
            out.append(Result(NAME, name, "fail" if problems else "pass", "\n".join(problems)))
    except world.WorldError as e:
        out.append(Result(NAME, "world start", "fail", str(e)))
    finally:
        w.stop()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return out
