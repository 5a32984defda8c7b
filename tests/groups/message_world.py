"""tests/groups/message_world.py - mailsec message check through real DNS: the namespace world (Knot + Unbound).

The DKIM keys (Ed25519 and RSA), the SPF record and the DMARC record of a
sender are served by the world's authoritative servers; messages signed by
tests/message/signer.py are checked inside the namespace through Unbound and
mailsec's libunbound backend, and again through the replay resolver on the
same zone text: the verdicts must be the expected ones and identical in both.
Needs root and the servers, like the world group: otherwise a loud skip (a
failure under CI=true).
"""
import json
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "world"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "message"))
import harness  # noqa: E402
from harness import Result  # noqa: E402

NAME = "message-world"

MSG = (b"From: Joe <joe@sender.test>\r\nTo: ann@receiver.test\r\nSubject: hello\r\n"
       b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\nHi.\r\n")


def summary(doc):
    """What must agree between the world and the replay resolver."""
    return {"dkim": [d["result"] for d in doc.get("dkim", [])],
            "spf": (doc.get("spf") or {}).get("result"),
            "dmarc": doc.get("dmarc", {}).get("result"),
            "arc": doc.get("arc", {}).get("result"),
            # reason= texts carry the resolver's own words ("replayed", timings)
            "ar": re.sub(r' reason="(\\.|[^"\\])*"', "", doc.get("authentication_results", ""))}


def run(args):
    import importlib.util
    import signer
    spec_m = importlib.util.spec_from_file_location("message_group", os.path.join(HERE, "message.py"))
    mg = importlib.util.module_from_spec(spec_m)
    spec_m.loader.exec_module(mg)
    txt_rdata = mg.txt_rdata
    spec = importlib.util.spec_from_file_location("world_group", os.path.join(HERE, "world.py"))
    wg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wg)
    import world
    why = wg.world_usable()
    if why:
        return [harness.skip_or_fail(NAME, "message check in the namespace world", why)]
    ed, ed_rec = signer.new_key("ed25519")
    rs, rs_rec = signer.new_key("rsa", 2048)
    zone_text = "\n".join([
        "ed._domainkey.sender.test.  TXT %s" % txt_rdata(ed_rec),
        "rsa._domainkey.sender.test. TXT %s" % txt_rdata(rs_rec),
        "sender.test.                TXT \"v=spf1 ip4:192.0.2.0/24 -all\"",
        "sender.test.                MX  10 mx.sender.test.",
        "mx.sender.test.             A   192.0.2.25",
        "_dmarc.sender.test.         TXT \"v=DMARC1; p=reject\"",
        "slow._domainkey.sender.test. * TIMEOUT",
    ]) + "\n"
    tmp = tempfile.mkdtemp(prefix="mailsec-message-world-")
    zone = os.path.join(tmp, "z.zone")
    with open(zone, "w") as f:
        f.write(zone_text)
    scenarios = [
        ("ed25519 signature, DMARC pass", signer.sign(MSG, ed, "sender.test", "ed"), [], 0,
         {"dkim": ["pass"], "dmarc": "pass"}),
        ("rsa-sha256 simple/simple and SPF pass for --ip", signer.sign(MSG, rs, "sender.test", "rsa",
                                                                     alg="rsa-sha256", c="simple/simple"),
         ["--ip", "192.0.2.25", "--mail-from", "bounce@sender.test"], 0,
         {"dkim": ["pass"], "spf": "pass", "dmarc": "pass"}),
        ("changed body: fail, DMARC fail", signer.sign(MSG, ed, "sender.test", "ed").replace(b"Hi.", b"Ho."),
         [], 1, {"dkim": ["fail"], "dmarc": "fail"}),
        ("no key at the selector: permerror", signer.sign(MSG, ed, "sender.test", "nokey"), [], 1,
         {"dkim": ["permerror"], "dmarc": "fail"}),
        ("key lookup times out: temperror, exit 3", signer.sign(MSG, ed, "sender.test", "slow"),
         ["--timeout", "2"], 3, {"dkim": ["temperror"]}),
    ]
    out = []
    w = world.world_from_text(zone_text)
    try:
        w.start()
        for i, (name, msg, argv, want_rc, want) in enumerate(scenarios):
            path = os.path.join(tmp, "m%d.eml" % i)
            with open(path, "wb") as f:
                f.write(msg)
            problems, docs = [], {}
            for where in ("world", "replay"):
                cmd = ["message", "check", "--json", "--now", "1700000100"] + argv + [path]
                if where == "world":
                    rc, o, e = w.mailsec(args.mailsec, cmd, wrapper=args.wrapper)
                else:
                    rc, o, e = harness.run([args.mailsec] + cmd + ["--replay", zone], wrapper=args.wrapper)
                problems += ["%s: %s" % (where, p) for p in wg.sanitizer_problems(e)]
                if rc != want_rc:
                    problems.append("%s: exit %d, want %d: %s %s" % (where, rc, want_rc, e[-300:], o[-600:]))
                    continue
                try:
                    doc = json.loads(o)
                except ValueError as ex:
                    problems.append("%s: not JSON: %s" % (where, ex))
                    continue
                problems += ["%s: %s" % (where, p[:300])
                             for p in harness.validate_json(doc, "mailsec-message-1.json")]
                docs[where] = summary(doc)
                for k, v in want.items():
                    if docs[where][k] != v:
                        problems.append("%s: %s is %r, want %r" % (where, k, docs[where][k], v))
            if len(docs) == 2 and docs["world"] != docs["replay"]:
                problems.append("the world and the replay resolver disagree:\n%s\n%s" % (
                    json.dumps(docs["world"]), json.dumps(docs["replay"])))
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
