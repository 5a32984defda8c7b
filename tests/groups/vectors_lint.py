"""tests/groups/vectors_lint.py - third-party DKIM key and TLS-RPT record vectors through `mailsec dkim|tlsrpt lint`.

Each vector's verdict (valid/invalid) is compared with ours: "valid" means the
lint exits 0 (a record senders/verifiers use, no error finding).  Vectors we
deliberately judge differently are listed in DISAGREE below with the reason,
and in tests/vectors/DISAGREEMENTS.md; such a vector passes only while we
still disagree, so the list cannot go stale.  Every --json output is
validated against docs/schema/mailsec-{dkim,tlsrpt}-lint-1.json.
"""
import concurrent.futures
import glob
import json
import os
import re
import subprocess

from harness import ROOT, Result, testdata_dir, skip_or_fail

NAME = "vec-lint"

# An Ed25519 public key in SubjectPublicKeyInfo (PKIX) form, made with openssl genpkey.
ED25519_SPKI = "MCowBQYDK2VwAyEATxbgkqo306y04cwOqUaqgrEKZNPlVIx1id0mKejRn34="

# (kind, source, input) -> why we disagree (see tests/vectors/DISAGREEMENTS.md)
DISAGREE = {
    ("dkim", "mox", "v=DKIM1; p=; "):
        "white space after the final ';': outside RFC 6376's grammar, but OpenDKIM and the "
        "large receivers accept it; we warn (dkim.record.trailing-space) instead of failing",
    ("tlsrpt", "checkdmarc", "v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com"):
        "RFC 8460's grammar allows rua= twice (mox accepts it); we warn (tls-rpt.rua.repeated)",
}


def unescape(s):
    """The TSV's C escapes: \\t \\n \\r \\\\ \\xNN."""
    out = bytearray()
    i = 0
    b = s.encode("utf-8")
    while i < len(b):
        c = b[i]
        if c == 0x5C and i + 1 < len(b):
            n = chr(b[i + 1])
            if n == "t":
                out.append(9); i += 2; continue
            if n == "n":
                out.append(10); i += 2; continue
            if n == "r":
                out.append(13); i += 2; continue
            if n == "\\":
                out.append(0x5C); i += 2; continue
            if n == "x" and i + 3 < len(b) + 1:
                out.append(int(b[i + 2:i + 4].decode(), 16)); i += 4; continue
        out.append(c)
        i += 1
    return bytes(out)


def read_tsv(path):
    rows = []
    header = False
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        if not header:
            header = True
            continue
        cols = line.split("\t")
        rows.append((n, cols[0], cols[1] if len(cols) > 1 else "", cols[2] if len(cols) > 2 else ""))
    return rows


_validators = {}


def validate(kind, doc):
    import jsonschema
    if kind not in _validators:
        path = os.path.join(ROOT, "docs", "schema", "mailsec-%s-lint-1.json" % kind)
        _validators[kind] = jsonschema.Draft202012Validator(json.load(open(path)))
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message)
            for e in _validators[kind].iter_errors(doc)]


def lint(args, kind, data):
    cmd = (args.wrapper or []) + [args.mailsec, kind, "lint", "--json", "-"]
    p = subprocess.run(cmd, input=data, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def one(args, kind, source, label, data, want_valid, expected):
    name = "%s/%s %s" % (kind, source, label)
    rc, out, err = lint(args, kind, data)
    if rc not in (0, 1):
        return Result(NAME, name, "fail", "exit %d\n%s" % (rc, err[-2000:]))
    if "AddressSanitizer" in err or "runtime error:" in err:
        return Result(NAME, name, "fail", err[-3000:])
    try:
        doc = json.loads(out)
    except ValueError as e:
        return Result(NAME, name, "fail", "not JSON: %s" % e)
    problems = validate(kind, doc)
    got_valid = rc == 0
    if got_valid != doc.get("valid"):
        problems.append("exit code and \"valid\" disagree")
    text = data.decode("utf-8", "replace")
    why = DISAGREE.get((kind, source, text))
    if why:
        if got_valid == want_valid:
            problems.append("listed as a disagreement but we now agree: update DISAGREE and "
                            "tests/vectors/DISAGREEMENTS.md")
    elif got_valid != want_valid:
        problems.append("vector says %s, we say %s: %s" % ("valid" if want_valid else "invalid",
                        "valid" if got_valid else "invalid",
                        "; ".join(f["id"] + " " + f["message"] for f in doc.get("findings", []))))
    # What the vector says about the parse, where it says it.
    parsed = doc.get("parsed", {})
    if kind == "dkim" and want_valid and not why:
        if "2048-bit RSA" in expected and not (parsed.get("key_type") == "rsa" and parsed.get("bits") == 2048):
            problems.append("expected a 2048-bit RSA key, parsed %s" % parsed)
        if "revoked" in expected and not parsed.get("revoked"):
            problems.append("expected a revoked key")
        if "k=ed25519" in expected and parsed.get("k") != "ed25519":
            problems.append("expected k=ed25519")
        if "t=[y" in expected and not parsed.get("testing"):
            problems.append("expected testing mode")
    if kind == "tlsrpt" and want_valid and not why:
        want = re.findall(r"(?:mailto|https):[^\],\s]+", expected)
        if want and sorted(want) != sorted(parsed.get("rua", [])):
            problems.append("rua %s, expected %s" % (parsed.get("rua"), want))
    return Result(NAME, name, "fail" if problems else "pass", "\n".join(problems))


def jobs_dkim(d):
    path = os.path.join(d, "dkim-key", "mox", "dkim-key-record.tsv")
    out, skipped = [], []
    for n, verdict, inp, exp in read_tsv(path):
        if inp.startswith("<") and inp.endswith(">"):
            if "Ed25519 PKIX" in inp:
                # Upstream generates this key at test time; any Ed25519 key in
                # SubjectPublicKeyInfo form under k=rsa (the default) is the same case.
                inp = "v=DKIM1; p=" + ED25519_SPKI
            else:
                skipped.append("dkim/mox line %d: %s" % (n, inp))
                continue
        out.append(("dkim", "mox", "line %d" % n, unescape(inp), verdict == "valid", exp))
    return out, skipped


def jobs_tlsrpt(d):
    out = []
    path = os.path.join(d, "tlsrpt", "mox", "tlsrpt-txt-record.tsv")
    for n, verdict, inp, exp in read_tsv(path):
        out.append(("tlsrpt", "mox", "line %d" % n, unescape(inp), verdict == "valid", exp))
    import yaml
    path = os.path.join(d, "tlsrpt", "checkdmarc", "checkdmarc-tlsrpt-record-vectors.yml")
    for t in yaml.safe_load(open(path, encoding="utf-8")):
        for k, v in enumerate(t.get("vectors", [])):
            if v.get("function") != "parse_smtp_tls_reporting_record":
                continue
            raises = any(str(e).startswith("raises") for e in v.get("expect", []))
            out.append(("tlsrpt", "checkdmarc", "%s#%d" % (t["test"], k),
                        v["args"][0].encode("utf-8"), not raises, ""))
    return out


def run(args):
    d = testdata_dir()
    res = []
    srcs = [os.path.join(d, "dkim-key", "mox"), os.path.join(d, "tlsrpt", "mox"),
            os.path.join(d, "tlsrpt", "checkdmarc")]
    missing = [s for s in srcs if not os.path.isdir(s)]
    if missing:
        return [skip_or_fail(NAME, "DKIM/TLS-RPT vectors", "not found: " + ", ".join(missing))]
    jobs, skipped = jobs_dkim(d)
    jobs += jobs_tlsrpt(d)
    for s in skipped:
        res.append(Result(NAME, s, "skip", "vector not reproducible (generated at test time upstream)"))
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        res += list(ex.map(lambda j: one(args, *j), jobs))
    return res
