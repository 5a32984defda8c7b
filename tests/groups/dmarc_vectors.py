"""tests/groups/dmarc_vectors.py - third-party DMARC vectors ($MAILSEC_TESTDATA/dmarc-record) mapped to our verdicts.

Every vector becomes one result.  Record-grammar vectors run `mailsec dmarc lint
--json`; discovery, alignment and evaluation vectors build a replay zone from the
vector's DNS data and run `mailsec dmarc eval --json` (or `check --only dmarc`
for report authorisation).  Each source is judged under the rule set it follows:
mox, OpenDMARC, Mail::DMARC's parser and mailauth's verify/getDmarcRecord under
RFC 7489; checkdmarc, mailauth's rfc9989-compliance suite and Mail::DMARC's
DMARCbis evaluation under RFC 9989.  Where we deliberately disagree the vector is
listed, with the reason, in tests/vectors/DISAGREEMENTS.md: such a vector passes
only while we still disagree (a listed vector we now agree with fails, so the
list stays true).  Upstream assertions about implementation details that have no
counterpart in mailsec (mailauth's formatted info strings, ARC comments, stored
boolean for a valueless tag) are reported as skipped with the reason.
Every JSON output is validated against docs/schema/mailsec-dmarc-1.json (eval,
lint) or docs/schema/mailsec-1.json (check).
"""
import concurrent.futures
import json
import os
import re
import tempfile

import harness
from harness import Result, skip_or_fail, testdata_dir
from harness import run as run_cmd

NAME = "dmarc-vectors"
ROOT = harness.ROOT
_VALIDATOR = None


def _validator():
    global _VALIDATOR
    if _VALIDATOR is None:
        import jsonschema
        schema = json.load(open(os.path.join(ROOT, "docs", "schema", "mailsec-dmarc-1.json")))
        _VALIDATOR = jsonschema.Draft202012Validator(schema)
    return _VALIDATOR


def schema_errors(doc):
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message)
            for e in _validator().iter_errors(doc)]


def load_disagreements():
    """Keys of tests/vectors/DISAGREEMENTS.md: lines '- `KEY` - reason'."""
    out = {}
    path = os.path.join(ROOT, "tests", "vectors", "DISAGREEMENTS.md")
    if not os.path.exists(path):
        return out
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^- `(.+?)`\s+[—-]+\s+(.*)$", line.rstrip("\n"))
        if m:
            out[m.group(1)] = m.group(2)
    return out


def unescape(s):
    """The C-style escapes the TSV files use (\\t \\n \\r \\\\ \\xNN)."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n in "tnr\\":
                out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}[n])
                i += 2
                continue
            if n == "x" and i + 3 < len(s) + 1:
                try:
                    out.append(chr(int(s[i + 2:i + 4], 16)))
                    i += 4
                    continue
                except ValueError:
                    pass
        out.append(c)
        i += 1
    return "".join(out)


class Ctx:
    def __init__(self, args, data):
        self.args, self.data = args, data
        self.disagree = load_disagreements()
        self.used = set()
        self.tmp = tempfile.mkdtemp(prefix="mailsec-dmarc-vectors-")

    def mailsec(self, argv):
        rc, out, err = run_cmd([self.args.mailsec] + argv, wrapper=self.args.wrapper, timeout=60)
        problems = []
        for e in (err,):
            if "AddressSanitizer" in e or "runtime error:" in e or "LeakSanitizer" in e:
                problems.append("sanitizer: " + e[-2000:])
        doc = None
        if rc in (0, 1, 3):
            try:
                doc = json.loads(out)
            except ValueError as e:
                problems.append("not JSON (%s): %s" % (e, out[:300]))
        else:
            problems.append("exit %d: %s" % (rc, err[-500:]))
        if doc is not None:
            if doc.get("schema") == "mailsec-dmarc/1":
                problems += ["schema: " + e for e in schema_errors(doc)]
            else:
                problems += ["schema: " + e for e in harness.validate_json(doc)]
        return doc, problems

    def zone(self, text):
        fd, path = tempfile.mkstemp(suffix=".zone", dir=self.tmp)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return path

    def verdict(self, key, mismatches, problems, skipped=None):
        """One vector: problems are hard failures; mismatches may be listed disagreements."""
        name = key
        if problems:
            return Result(NAME, name, "fail", "\n".join(problems + mismatches))
        if key in self.disagree:
            self.used.add(key)
            if mismatches:
                return Result(NAME, name, "pass", "deliberate disagreement: " + self.disagree[key])
            return Result(NAME, name, "fail", "listed in DISAGREEMENTS.md but we now agree: "
                          "remove the entry")
        if mismatches:
            return Result(NAME, name, "fail", "\n".join(mismatches))
        if skipped:
            return Result(NAME, name, "skip", skipped)
        return Result(NAME, name, "pass", "")


def q(s):
    """A TXT rdata string in zone syntax."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def finding_ids(doc, sev=None):
    return [f["id"] for f in doc.get("findings", []) if sev is None or f["severity"] == sev]


# ---- record grammar ------------------------------------------------------------

CHECKDMARC_WARNINGS = [
    ("pct tag was removed", {"dmarc.tag.removed", "dmarc.staged.pct-only"}),
    ("rf tag was removed", {"dmarc.tag.removed"}),
    ("ri tag was removed", {"dmarc.tag.removed"}),
    ("Unknown DMARC tag", {"dmarc.tag.unknown"}),
    ("p tag does not immediately follow", {"dmarc.p.position"}),
    ("MissingPTagWarning", {"dmarc.p.missing"}),
    ("size limit (`!size`) on rua URI", {"dmarc.uri.size"}),
    ("size limit (`!size`) on ruf URI", {"dmarc.uri.size"}),
    ("sp tag value of none", {"dmarc.sp.weaker"}),
    ("ParkedDomainSpWarning", {"dmarc.sp.weaker"}),
    ("ParkedDomainPolicyWarning", {"dmarc.policy.none"}),
    ("MissingRuaWarning", {"dmarc.rua.missing"}),
    ("testDMARCFoRedundancy", None),          # fo=0:1 'redundant': not a finding of ours
    ("more than two", {"dmarc.uri.many"}),
    ("no MX records", None),                  # needs DNS: covered by case files
    ("Failed to retrieve MX", None),          # needs DNS: covered by case files
]
RULES_OF = {"RFC7489-strict": "7489", "lenient(OpenDMARC)": "7489",
            "lenient(Mail::DMARC, DMARCbis-aware)": "7489", "RFC9989(checkdmarc)": "9989"}


def lint(ctx, record, rules, domain=None):
    argv = ["dmarc", "lint", "--json", "--dmarc-rules", rules]
    if domain:
        argv += ["--domain", domain]
    return ctx.mailsec(argv + ["--", record])


def valid_for(doc, rules):
    v = doc["valid"]
    if rules == "7489":
        return v["rfc7489"]
    if rules == "9989":
        return v["rfc9989"]
    return v["rfc7489"] and v["rfc9989"]


def all_vectors(ctx):
    path = os.path.join(ctx.data, "ALL-dmarc-record-vectors.tsv")
    jobs = []
    seen = {}
    for line in open(path, encoding="utf-8", errors="surrogateescape"):
        if line.startswith("#") or line.startswith("source\t"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 4:
            continue
        src, sem, verdict, rec = parts[:4]
        note = parts[4] if len(parts) > 4 else ""
        key = "%s|%s" % (src, rec)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key += "|#%d" % seen[key]
        jobs.append((key, src, sem, verdict, unescape(rec), note))

    def one(job):
        key, src, sem, verdict, rec, note = job
        rules = RULES_OF.get(sem, "both")
        doc, problems = lint(ctx, rec, rules)
        mism, skipped = [], None
        if doc is not None and not problems:
            ok = valid_for(doc, rules)
            if verdict == "valid" and not ok:
                mism.append("upstream: valid; we (RFC %s): invalid: %s" % (
                    rules, "; ".join(f["message"] for f in doc["findings"] if f["severity"] == "error")))
            elif verdict == "invalid" and ok:
                mism.append("upstream: invalid; we (RFC %s): valid" % rules)
            if src.startswith("checkdmarc"):
                ids = set(finding_ids(doc))
                for needle, want in CHECKDMARC_WARNINGS:
                    if needle in note and want is not None and not (ids & want):
                        mism.append("checkdmarc warns (%s); we raise none of %s" % (needle, sorted(want)))
                    elif needle in note and want is None:
                        skipped = None  # the verdict is still compared
                m = re.search(r"\['tags'\]\['(np|psd|t)'\]\['value'\] == '(\w+)'; result\['tags'\]\['\1'\]\['explicit'\]", note)
                if m:
                    tag = doc["parsed"]["tags"].get(m.group(1))
                    if tag is None or tag["value"] != m.group(2):
                        mism.append("tag %s should be %s" % (m.group(1), m.group(2)))
        return ctx.verdict("ALL|" + key, mism, problems, skipped)

    with concurrent.futures.ThreadPoolExecutor(ctx.args.jobs) as ex:
        return list(ex.map(one, jobs))


def tag_values(ctx):
    out = []
    for line in open(os.path.join(ctx.data, "mail-dmarc", "tag-values.tsv"), encoding="utf-8"):
        if line.startswith("#") or line.startswith("tag\t"):
            continue
        tag, value, valid = line.rstrip("\n").split("\t")
        rec = "v=DMARC1; p=%s" % value if tag == "p" else "v=DMARC1; p=none; %s=%s" % (tag, value)
        doc, problems = lint(ctx, rec, "7489")
        mism = []
        if doc is not None and not problems:
            bad = any(f["id"] in ("dmarc.tag.invalid",) for f in doc["findings"])
            if (valid == "yes") == bad:
                mism.append("Mail::DMARC says %s=%s is %svalid; we %s" % (
                    tag, value, "" if valid == "yes" else "in", "flag it" if bad else "accept it"))
        out.append(ctx.verdict("mail-dmarc/tag-values.tsv|%s=%s" % (tag, value), mism, problems))
    return out


def realworld(ctx):
    out = []
    for line in open(os.path.join(ctx.data, "mail-dmarc", "realworld-records.tsv"), encoding="utf-8",
                     errors="surrogateescape"):
        if line.startswith("#") or line.startswith("status\t"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 3:
            continue
        status, domain, rec = parts[0], parts[1], "\t".join(parts[2:])
        rec = rec.encode("utf-8", "surrogateescape").decode("latin-1")
        doc, problems = lint(ctx, rec, "7489", domain)
        mism = []
        if doc is not None and not problems:
            if doc["valid"]["rfc7489"]:
                mism.append("the file says no record is valid under a strict reading; we accept it")
            elif not any(f["severity"] == "error" for f in doc["findings"]):
                mism.append("invalid but no error finding names why")
        out.append(ctx.verdict("mail-dmarc/realworld-records.tsv|%s" % domain, mism, problems))
    return out


# ---- OpenDMARC: PSL organizational domain, From: parsing, alignment ------------------

def opendmarc(ctx):
    out = []
    od = os.path.join(ctx.data, "opendmarc")
    psl = os.path.join(od, "effective_tld_names.dat")
    empty = ctx.zone("")
    for line in open(os.path.join(od, "org-domain-psl.tsv"), encoding="utf-8"):
        if line.startswith("#") or line.startswith("domain\t"):
            continue
        dom, want = line.rstrip("\n").split("\t")[:2]
        doc, problems = ctx.mailsec(["dmarc", "eval", "--json", "--dmarc-rules", "7489", "--psl", psl,
                                     "--from", dom, "--replay", empty])
        mism = []
        if doc and not problems:
            got = doc["discovery"]["rfc7489"]["organizational_domain"]
            if got != want:
                mism.append("organizational domain %s, want %s" % (got, want))
        out.append(ctx.verdict("opendmarc/org-domain-psl.tsv|%s" % dom, mism, problems))
    for line in open(os.path.join(od, "from-header-domain.tsv"), encoding="utf-8"):
        if line.startswith("#") or line.startswith("raw_from_value\t"):
            continue
        raw, want = line.rstrip("\n").split("\t")[:2]
        doc, problems = ctx.mailsec(["dmarc", "eval", "--json", "--from", raw, "--replay", empty])
        mism = []
        if doc and not problems and doc["from"] != want:
            mism.append("From domain %s, want %s" % (doc["from"], want))
        out.append(ctx.verdict("opendmarc/from-header-domain.tsv|%s" % raw, mism, problems))
    for line in open(os.path.join(od, "alignment.tsv"), encoding="utf-8"):
        if line.startswith("#") or line.startswith("domain1\t"):
            continue
        d1, d2, mode, want = line.rstrip("\n").split("\t")[:4]
        valid = re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", d1) is not None
        zone = ctx.zone("_dmarc.%s. TXT \"v=DMARC1; p=reject; adkim=%s\"\n" % (d1, mode[0]) if valid else "")
        doc, problems = ctx.mailsec(["dmarc", "eval", "--json", "--dmarc-rules", "7489", "--psl", psl,
                                     "--from", d1, "--dkim-domain", d2, "--dkim-result", "pass",
                                     "--replay", zone])
        mism = []
        if doc and not problems:
            got = doc["results"]["rfc7489"]["alignment"]["dkim_aligned"]
            if got != (want == "0"):
                mism.append("aligned=%s, OpenDMARC says %s" % (got, "aligned" if want == "0" else "not aligned"))
        out.append(ctx.verdict("opendmarc/alignment.tsv|%s %s %s" % (d1, d2, mode), mism, problems))
    return out


# ---- zones from the YAML vectors ---------------------------------------------------

def zone_from_mapping(zd, fails=()):
    """mox-style {name: [txt,...]} or mailauth-style {name: {TXT: [[chunks]], A: [...], MX: [...]}}."""
    lines = []
    for name, v in (zd or {}).items():
        owner = name.rstrip(".") + "."
        if isinstance(v, list):
            for t in v:
                lines.append("%s TXT %s" % (owner, q(t)))
            continue
        exists = False
        for typ, recs in v.items():
            if isinstance(recs, str):
                continue                      # "(undefined)": the stub had nothing
            if isinstance(recs, dict):
                err = recs.get("error")
                if err == "ETIMEOUT":
                    lines.append("%s %s TIMEOUT" % (owner, "*" if typ in ("ALL_TYPES", "OTHER_TYPES") else typ))
                elif err == "ENODATA":
                    exists = True
                continue
            if typ in ("ALL_TYPES", "OTHER_TYPES") or not recs:
                exists = exists or not recs
                continue
            for r in recs:
                if typ == "TXT":
                    chunks = r if isinstance(r, list) else [r]
                    lines.append("%s TXT %s" % (owner, " ".join(q(c) for c in chunks)))
                elif typ == "MX":
                    if isinstance(r, dict):
                        lines.append("%s MX %s %s." % (owner, r["priority"], r["exchange"].rstrip(".")))
                    else:
                        lines.append("%s MX %s" % (owner, r))
                elif typ in ("A", "AAAA"):
                    lines.append("%s %s %s" % (owner, typ, r))
        if exists and not any(l.startswith(owner + " ") for l in lines):
            # the name exists with no data (NODATA for every type)
            lines.append("%s TYPE65280 \\# 0" % owner)
    for f in fails:
        name, _, typ = f.partition("/")
        lines.append("%s. %s SERVFAIL" % (name.rstrip("."), typ or "*"))
    return "\n".join(lines) + "\n"


def eval_cmd(ctx, zone, frm, rules, spf=(), dkim=(), extra=()):
    argv = ["dmarc", "eval", "--json", "--dmarc-rules", rules, "--from", frm, "--replay", zone]
    for d, r in spf:
        argv += ["--spf-domain", d, "--spf-result", r]
    for d, r in dkim:
        argv += ["--dkim-domain", d, "--dkim-result", r]
    return ctx.mailsec(argv + list(extra))


def res(doc, rules):
    return doc["results"]["rfc" + rules]


def method(doc, rules):
    return doc["discovery"]["rfc" + rules]


# ---- mox -----------------------------------------------------------------------

def mox(ctx):
    import yaml
    y = yaml.safe_load(open(os.path.join(ctx.data, "mox", "dmarc-lookup-verify.yml")))
    out = []
    lk = y["lookup"]
    zone = ctx.zone(zone_from_mapping(lk["zonedata"], lk.get("fail", [])))
    for t in lk["tests"]:
        doc, problems = eval_cmd(ctx, zone, t["domain"], "7489")
        mism = []
        if doc and not problems:
            m = method(doc, "7489")
            want = {"no-record": "none", "multiple-records": "multiple", "dns": "temperror",
                    "syntax": "permerror", None: "found"}[t.get("error")]
            if m["status"] != want:
                mism.append("discovery %s, mox says %s" % (m["status"], want))
            if want == "found" and m["policy_domain"] != t["found_at"]:
                mism.append("record at %s, mox says %s" % (m["policy_domain"], t["found_at"]))
        out.append(ctx.verdict("mox/dmarc-lookup-verify.yml|lookup|%s" % t["domain"], mism, problems))
    ea = y["external_report_authorization"]
    for t in ea["tests"]:
        pd, dest = t["policy_domain"], t["dest"]
        text = zone_from_mapping(ea["zonedata"], ea.get("fail", []))
        text += '_dmarc.%s. TXT "v=DMARC1; p=none; rua=mailto:r@%s"\n%s. MX 10 mx.%s.\n' % (pd, dest, dest, dest)
        doc, problems = ctx.mailsec(["check", "--json", "--only", "dmarc", pd, "--replay", ctx.zone(text)])
        mism = []
        if doc and not problems:
            dests = doc["domains"][0]["facts"]["dmarc"]["report_destinations"]
            got = dests[0].get("authorized") if dests else "missing"
            want = None if t.get("status") == "temperror" else t["accepts"]
            if got != want:
                mism.append("authorized=%s, mox says %s" % (got, want))
        out.append(ctx.verdict("mox/dmarc-lookup-verify.yml|external|%s->%s" % (pd, dest), mism, problems))
    vf = y["verify"]
    zone = ctx.zone(zone_from_mapping(vf["zonedata"], vf.get("fail", [])))
    for t in vf["tests"]:
        spf = []
        if t["spf"].get("domain"):
            spf.append((t["spf"]["domain"], t["spf"]["status"]))
        dkim = [(k["d"], k["status"]) for k in t["dkim"]]
        doc, problems = eval_cmd(ctx, zone, t["from"], "7489", spf, dkim)
        mism = []
        if doc and not problems:
            r = res(doc, "7489")
            if r["result"] != t["status"]:
                mism.append("result %s, mox says %s" % (r["result"], t["status"]))
            reject = r["result"] == "fail" and r["disposition"] == "reject"
            if reject != t["reject"]:
                mism.append("reject=%s, mox says %s" % (reject, t["reject"]))
            for k, ours in (("aligned_spf_pass", r["alignment"]["spf_aligned"]),
                            ("aligned_dkim_pass", r["alignment"]["dkim_aligned"])):
                if k in t and ours != t[k]:
                    mism.append("%s=%s, mox says %s" % (k, ours, t[k]))
            if t.get("record", "x") is not None and r["policy_domain"] != t["domain"]:
                mism.append("policy domain %s, mox says %s" % (r["policy_domain"], t["domain"]))
        out.append(ctx.verdict("mox/dmarc-lookup-verify.yml|verify|%s" % t["name"], mism, problems))
    return out


# ---- Mail::DMARC -----------------------------------------------------------------

def mail_dmarc(ctx):
    import yaml
    y = yaml.safe_load(open(os.path.join(ctx.data, "mail-dmarc", "evaluation.yml")))
    zone = ctx.zone("\n".join(l.strip() for l in y["zonedata"].splitlines()) + "\n")
    out = []
    for t in y["tree_walk"]:
        doc, problems = eval_cmd(ctx, zone, t["domain"], "9989")
        mism = []
        if doc and not problems:
            m = method(doc, "9989")
            if "record_found" in t and (m["status"] == "found") != t["record_found"]:
                mism.append("record found=%s, Mail::DMARC says %s" % (m["status"] == "found", t["record_found"]))
            if t.get("org_domain") and m["organizational_domain"] != t["org_domain"]:
                mism.append("org domain %s, Mail::DMARC says %s" % (m["organizational_domain"], t["org_domain"]))
            if "found_at" in t and m["policy_domain"] != t["found_at"]:
                mism.append("found at %s, Mail::DMARC says %s" % (m["policy_domain"], t["found_at"]))
        out.append(ctx.verdict("mail-dmarc/evaluation.yml|tree_walk|%s" % t["domain"], mism, problems))
    for t in y["organizational_domain"]:
        doc, problems = eval_cmd(ctx, zone, t["domain"], "both")
        mism = []
        if doc and not problems:
            m9, m7 = method(doc, "9989"), method(doc, "7489")
            got = m9["organizational_domain"] if m9["status"] == "found" else m7["organizational_domain"]
            if got != t["org"]:
                mism.append("org domain %s, Mail::DMARC says %s" % (got, t["org"]))
        out.append(ctx.verdict("mail-dmarc/evaluation.yml|organizational_domain|%s" % t["domain"], mism, problems))
    for t in y["fetch_dmarc_record"]:
        doc, problems = eval_cmd(ctx, zone, t["domain"], "9989")
        mism = []
        if doc and not problems:
            n = method(doc, "9989")["queries"][0]["dmarc_records"]
            if n != len(t["records"]):
                mism.append("%d records at _dmarc.%s, Mail::DMARC says %d" % (n, t["domain"], len(t["records"])))
        out.append(ctx.verdict("mail-dmarc/evaluation.yml|fetch|%s" % t["domain"], mism, problems))
    for kind in ("spf", "dkim"):
        for i, t in enumerate(y["alignment"][kind]):
            if kind == "spf":
                args = dict(spf=[(t["spf_domain"], "pass")])
            else:
                sigs = t.get("signatures", [{"d": "mailing-list.com", "result": "fail"},
                                            {"d": "example.com", "result": "pass"}])
                args = dict(dkim=[(s["d"], s["result"]) for s in sigs])
            doc, problems = eval_cmd(ctx, zone, t["header_from"], "9989", **args)
            mism = []
            if doc and not problems:
                got = res(doc, "9989")["alignment"][kind + "_aligned"]
                if got != bool(t["aligned"]):
                    mism.append("%s aligned=%s, Mail::DMARC says %s" % (kind, got, t["aligned"]))
            out.append(ctx.verdict("mail-dmarc/evaluation.yml|alignment|%s|%d %s" % (kind, i, t["header_from"]),
                                   mism, problems))
    for t in y["alignment"]["combined"]:
        doc, problems = eval_cmd(ctx, zone, "example.com", "9989", spf=[("example.com", t["spf"])],
                                 dkim=[("example.com", t["dkim"])])
        mism = []
        if doc and not problems:
            got = res(doc, "9989")["result"] == "pass"
            if got != t["aligned"]:
                mism.append("pass=%s, Mail::DMARC says aligned=%s" % (got, t["aligned"]))
        out.append(ctx.verdict("mail-dmarc/evaluation.yml|combined|spf=%s dkim=%s" % (t["spf"], t["dkim"]),
                               mism, problems))
    for t in y["validate"]:
        spf = [(s["domain"], s["result"]) for s in t.get("spf", [{"domain": "unrelated.example.com",
                                                                  "result": "pass"}])]
        dkim = [(s["d"], s["result"]) for s in t.get("dkim", [])]
        doc, problems = eval_cmd(ctx, zone, t["header_from"], "9989", spf, dkim)
        mism = []
        if doc and not problems:
            r = res(doc, "9989")
            e = t["expect"]
            if "result" in e and r["result"] != e["result"]:
                mism.append("result %s, Mail::DMARC says %s" % (r["result"], e["result"]))
            if "disposition" in e and r["disposition"] != e["disposition"]:
                mism.append("disposition %s, Mail::DMARC says %s" % (r["disposition"], e["disposition"]))
            for k in ("spf_aligned", "dkim_aligned"):
                if k in e and r["alignment"][k] != e[k]:
                    mism.append("%s=%s, Mail::DMARC says %s" % (k, r["alignment"][k], e[k]))
            if "published_p" in e:
                parsed = method(doc, "9989")["parsed"]
                if not parsed or parsed["p"] != e["published_p"]:
                    mism.append("published p %s, Mail::DMARC says %s" % (parsed and parsed["p"], e["published_p"]))
        out.append(ctx.verdict("mail-dmarc/evaluation.yml|validate|%s" % t["name"], mism, problems))
    for t in y["external_report_destination"]:
        pd = t["policy_domain"]
        text = open(zone).read()
        if ("_dmarc.%s." % pd) not in text:
            text += '_dmarc.%s. TXT "v=DMARC1; p=none; rua=mailto:r@%s"\n' % (pd, t["dest"])
        doc, problems = ctx.mailsec(["check", "--json", "--only", "dmarc", pd, "--replay", ctx.zone(text)])
        mism = []
        if doc and not problems:
            dests = [d for d in doc["domains"][0]["facts"]["dmarc"]["report_destinations"]
                     if d["domain"] == t["dest"]]
            got = dests[0].get("authorized") if dests else "no destination"
            if got != t["authorized"]:
                mism.append("authorized=%s, Mail::DMARC says %s" % (got, t["authorized"]))
        out.append(ctx.verdict("mail-dmarc/evaluation.yml|external|%s->%s" % (pd, t["dest"]), mism, problems))
    ru = y["reporting_uri"]
    for want, lst in ((True, ru["valid"]), (False, ru["invalid"])):
        for uris in lst:
            doc, problems = lint(ctx, "v=DMARC1; rua=%s" % uris, "9989", "example.com")
            mism = []
            if doc and not problems:
                sev = [f["severity"] for f in doc["findings"] if f["id"] == "dmarc.p.missing"]
                usable = sev == ["warning"]
                if usable != want:
                    mism.append("usable rua=%s, Mail::DMARC says %s" % (usable, want))
            out.append(ctx.verdict("mail-dmarc/evaluation.yml|reporting_uri|%s" % uris, mism, problems))
    return out


# ---- mailauth ------------------------------------------------------------------

SKIP_PATTERNS = [r"underSized", r"^info ", r"status\.comment", r"^error equal", r"tagonly", r"^false equal",
                 r"typeof\(", r"result\d? ?\.?alignment\.dkim\.result undefined"]


def mailauth(ctx):
    import yaml
    out = []
    files = [("get-dmarc-record.yml", "7489"), ("dmarc-verify.yml", "7489"), ("rfc9989-compliance.yml", "9989")]
    for fname, rules in files:
        tests = yaml.safe_load(open(os.path.join(ctx.data, "mailauth", fname)))
        for t in tests:
            key = "mailauth/%s|%s" % (fname, t["test"])
            calls = [t[k] for k in sorted(t) if k.startswith("call")]
            docs, problems, skipped = [], [], []
            unmappable = False
            for c in calls:
                zd = c.get("zonedata", c.get("zonedata_probed"))
                zone = ctx.zone(zone_from_mapping(zd))
                a = c["args"][0]
                if c["function"] == "get-dmarc-record":
                    doc, p = eval_cmd(ctx, zone, str(a), rules)
                else:
                    hf = a.get("headerFrom")
                    if isinstance(hf, list):
                        if len(hf) != 1:
                            unmappable = True
                            break
                        hf = hf[0]
                    ent = lambda e: e["domain"] if isinstance(e, dict) else e  # noqa: E731
                    spf = [(ent(e), "pass") for e in a.get("spfDomains") or []]
                    dkim = [(ent(e), "pass") for e in a.get("dkimDomains") or []]
                    doc, p = eval_cmd(ctx, zone, hf, rules, spf, dkim)
                docs.append(doc)
                problems += p
            if unmappable:
                out.append(Result(NAME, key, "skip", "several From addresses: mailsec dmarc eval takes one From domain"))
                continue
            mism = []
            if not problems:
                for e in t.get("expect", []):
                    r = check_mailauth(e, docs, rules, c["function"])
                    if r is None:
                        skipped.append(e)
                    elif r:
                        mism.append("%s: %s" % (e, r))
            why = "mailauth implementation detail, no mailsec counterpart: " + "; ".join(skipped) \
                if skipped and not mism and len(skipped) == len(t.get("expect", [])) else None
            out.append(ctx.verdict(key, mism, problems, why))
    return out


def check_mailauth(e, docs, rules, fn):
    """'' when our output agrees with the assertion, a reason when not, None when unmappable."""
    for pat in SKIP_PATTERNS:
        if re.search(pat, e):
            return None
    m = re.match(r"^(result(\d))?\.?(.*)$", e)
    idx = int(m.group(2)) - 1 if m.group(2) else 0
    e = m.group(3).strip()
    if idx >= len(docs):
        return None
    doc = docs[idx]
    r, md = res(doc, rules), method(doc, rules)
    parsed = md["parsed"] or {}

    def val(s):
        s = s.strip()
        if s.startswith('"'):
            return json.loads(s)
        if re.match(r"^-?\d+$", s):
            return int(s)
        return {"true": True, "false": False}.get(s, s)

    def cmp(got, want, what):
        return "" if got == want else "%s is %r" % (what, got)

    if e == "(result) false" or e == "false":
        ok = md["status"] in ("none", "multiple") if fn == "get-dmarc-record" else r["result"] == "none"
        return "" if ok else "we found %s" % md["status"]
    if e.startswith("(result) an"):
        return cmp(md["status"], "found", "discovery")
    if e.startswith("call throws"):
        return cmp(md["status"], "temperror", "discovery")
    mm = re.match(r"^(\S+) (equal|contain|deep equal|include) (.*)$", e)
    if e.startswith("dns_query_sequence"):
        want = json.loads(e[e.index("["):])
        got = []
        for d in docs:
            got += [x["name"] for x in method(d, rules)["queries"]]
        return cmp(got, want, "query sequence")
    if e.startswith("(result) not property"):
        prop = val(e.split("property", 1)[1])
        if prop == "pct":
            return cmp(r["pct"], 100, "the RFC 9989 verdict's pct")
        if prop == "policy":
            return cmp(r["policy"], None, "policy")
        return None
    if e == "isOrgRecord true" or e == "isOrgRecord false":
        got = md["policy_domain"] is not None and md["policy_domain"] != doc["from"]
        return cmp(got, e.endswith("true"), "record from the organizational domain")
    if e.startswith("alignment.dkim.strict") or e.startswith("alignment.spf.strict"):
        k = "adkim" if ".dkim." in e else "aspf"
        return cmp(r["alignment"][k] == "s", e.endswith("true"), k + "=s")
    if e == "alignment.dkim.result not ok":
        return cmp(r["alignment"]["dkim_aligned"], False, "dkim aligned")
    if not mm:
        return None
    path, op, want = mm.group(1), mm.group(2), val(mm.group(3))
    if path == "status.result":
        return cmp(r["result"], want, "result")
    if path == "policy":
        got = r["disposition"] if r["result"] == "fail" else r["policy"]
        return cmp(got, want, "policy")
    if path == "domain" or path == "status.header.d":
        return cmp(r["policy_domain"] or doc["from"], want, "policy domain")
    if path == "status.header.from":
        return cmp(doc["from"], want, "From domain")
    if path == "alignment.spf.result":
        # mailauth reports the organizational domain the SPF domain aligned through
        if r["alignment"]["spf_aligned"] and want == r["organizational_domain"]:
            return ""
        return cmp(r["alignment"]["spf_domain"], want, "aligned SPF domain")
    if path == "rr":
        got = md["record"] or ""
        return "" if (want in got if op == "contain" else got == want) else "record is %r" % got
    if path in ("v", "p", "sp", "adkim", "aspf", "fo", "rua", "ruf", "pct", "ri"):
        tags = parsed.get("tags", {})
        if path in ("pct", "ri"):
            t = tags.get(path)
            got = int(t["value"]) if t and t["valid"] else None
        else:
            t = tags.get(path)
            got = t["value"].lower() if t and path in ("p", "sp", "adkim", "aspf") else (t and t["value"])
            if path == "v":
                got = "DMARC1" if parsed.get("is_dmarc") else None
        return cmp(got, want, path)
    return None


def run(args):
    data = os.path.join(testdata_dir(), "dmarc-record")
    if not os.path.isdir(data):
        return [skip_or_fail(NAME, "DMARC vectors", "%s not found; set MAILSEC_TESTDATA" % data)]
    try:
        import yaml  # noqa: F401
    except ImportError:
        return [Result(NAME, "python3-yaml", "fail", "python3-yaml is needed for the YAML vectors")]
    ctx = Ctx(args, data)
    out = []
    for part in (all_vectors, tag_values, realworld, opendmarc, mox, mail_dmarc, mailauth):
        try:
            out += part(ctx)
        except Exception as e:  # a broken mapping is a failure, not a crash of the suite
            import traceback
            out.append(Result(NAME, part.__name__, "fail", traceback.format_exc()))
    stale = sorted(set(ctx.disagree) - ctx.used)
    out.append(Result(NAME, "DISAGREEMENTS.md names only real vectors",
                      "fail" if stale else "pass", "no such vector: " + ", ".join(stale) if stale else ""))
    import shutil
    shutil.rmtree(ctx.tmp, ignore_errors=True)
    return out
