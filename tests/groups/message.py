"""tests/groups/message.py - `mailsec message check` against the whole-message vectors.

Every source under $MAILSEC_TESTDATA/{dkim-message,arc,dmarc-message}/ (each
folder's SOURCE.txt gives its layout): the dns.tsv key records become replay
zone text (one file per dns_set), every case becomes one line of a
`message check --batch` file, and one mailsec process per source checks them
all.  A case passes when mailsec's result is the expected one:

  dkim-message  the RFC 8601 dkim result of each DKIM-Signature, header order
                ("-" = not asserted); rspamd: the message-level result
  arc           the chain validation status (RFC 8617 §5.2); mail-auth also
                the DKIM results
  dmarc-message the DMARC result (rspamd: RFC 7489 with its disposition;
                authheaders: the rule set each case follows)

Contested cases (at most 5% of any source) are listed in CONTESTED with the
RFC text that decides them, also in tests/vectors/MESSAGE.md; for them the
test asserts mailsec's own result.  Every output document is validated
against docs/schema/mailsec-message-1.json.
"""
import json
import os
import re
import tempfile

from harness import Result, skip_or_fail, testdata_dir, validate_json
from harness import run as hrun

NAME = "message"
SCHEMA = "mailsec-message-1.json"

# (source, case id) -> (the result mailsec gives, why the RFC decides it so)
CONTESTED = {
    ("auth-results/dkim_verifier", "arh037"): (
        "ok",
        "the add-on's strict mode refuses 'dkim=Pass' (it accepts 'spf=Pass', arh013). RFC 8601 "
        "§2.2 writes result as an ABNF Keyword, and RFC 5234 §2.3: ABNF strings are "
        "case-insensitive; RFC 8601 §2.7.1 names the dkim results without regard to case"),
    ("dkim-message/mox", "recipe added-subject-above"): (
        "policy",
        "mox passes a message with an unsigned Subject prepended above the signed one. RFC 6376 "
        "§5.4.2: the signature covers the bottom-most instance only, and §8.15 describes exactly this "
        "attack (the reader is shown the unsigned field); RFC 8601 §2.7.1 policy: 'some aspect of "
        "the signature ... was not acceptable'. dkim_verifier's added-header cases expect policy too"),
    ("arc/valimail", "ams_fields_c_na"): (
        "fail",
        "upstream flipped the expectation Fail->Pass (commit abd390b, 'c= tag is not required') "
        "without re-signing: the AMS b= verifies under no c= value. RFC 8617 §5.2 step 4: "
        "'Validate the AMS with the greatest instance value (most recent). If validation fails, "
        "then the Chain Validation Status is \"fail\"'; with c= absent RFC 6376 §3.5 makes it "
        "simple/simple, and the signature still does not verify"),
}


def read_tsv(path):
    """Rows of a TSV file as dicts (after '#' comments and the header line)."""
    rows, header = [], None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if header is None:
            header = cols
            continue
        cols += [""] * (len(header) - len(cols))
        rows.append(dict(zip(header, cols)))
    return rows


def unescape(s):
    """TSV cells use C escapes (\\t \\n \\r \\\\ \\xNN)."""
    if "\\" not in s:
        return s
    return s.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")


def txt_rdata(value):
    b = value.encode("utf-8")
    chunks = [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]
    out = []
    for c in chunks:
        out.append('"%s"' % "".join(chr(x) if 0x20 <= x < 0x7f and x not in (0x22, 0x5c)
                                    else "\\%03d" % x for x in c))
    return " ".join(out)


def zone_lines(rows):
    """Replay zone text for dns.tsv rows (dns_set/name/type/value or name/type/rcode/value)."""
    lines = []
    for r in rows:
        name = r["name"].rstrip(".") + "."
        typ = r["type"].upper()
        rcode = (r.get("rcode") or "NOERROR").upper()
        value = unescape(r.get("value", ""))
        if typ == "EXISTS":
            if rcode == "NOERROR":
                lines.append("%s A 192.0.2.1" % name)
            continue
        if rcode == "NOERROR":
            if typ == "TXT":
                lines.append("%s TXT %s" % (name, txt_rdata(value)))
            else:
                lines.append("%s %s %s" % (name, typ, value))
        elif rcode == "NODATA":
            pass    # no record: for key and _dmarc names NODATA reads as NXDOMAIN
        elif rcode in ("TIMEOUT", "SERVFAIL"):
            lines.append("%s %s %s" % (name, typ, rcode))
    return "\n".join(lines) + "\n"


def zones_by_set(tmp, src, path):
    """dns_set -> replay file (one "" set when the table has no dns_set column)."""
    rows = read_tsv(path) if os.path.exists(path) else []
    sets = {}
    for r in rows:
        sets.setdefault(r.get("dns_set", ""), []).append(r)
    out = {}
    for s, rs in sets.items():
        p = os.path.join(tmp, "%s-%s.zone" % (src.replace("/", "_"), s or "all"))
        with open(p, "w", encoding="utf-8") as f:
            f.write(zone_lines(rs))
        out[s] = p
    if not out:
        p = os.path.join(tmp, "%s-empty.zone" % src.replace("/", "_"))
        open(p, "w").close()
        out[""] = p
    return out


def run_batch(args, tmp, src, lines, extra=()):
    """One mailsec process for a source: the documents in order, or an error string."""
    bpath = os.path.join(tmp, src.replace("/", "_") + ".batch")
    with open(bpath, "w", encoding="utf-8") as f:
        for ln in lines:
            f.write("\t".join(ln) + "\n")
    rc, out, err = hrun([args.mailsec, "message", "check", "--batch", bpath] + list(extra),
                        wrapper=args.wrapper, timeout=600)
    docs = []
    for ln in out.splitlines():
        try:
            docs.append(json.loads(ln))
        except ValueError:
            docs.append({"error": "not JSON: " + ln[:200]})
    if len(docs) != len(lines):
        return None, "exit %d, %d documents for %d messages\n%s" % (rc, len(docs), len(lines), err[-3000:])
    if sanitizer(err) or rc == 97:     # 97: valgrind's --error-exitcode under tests/run --valgrind
        return None, "sanitizer (exit %d): %s" % (rc, err[-3000:])
    return docs, None


def sanitizer(err):
    """Whether stderr holds an ASan, LeakSanitizer, UBSan or Valgrind (tests/run --valgrind) report."""
    return ("ERROR: AddressSanitizer" in err or "ERROR: LeakSanitizer" in err or "runtime error:" in err
            or re.search(r"^==\d+== ", err, re.M) is not None)


def dkim_results(doc):
    return [d["result"] for d in doc.get("dkim", [])]


def message_level(results):
    """One result for the message, as rspamd reports it."""
    for r in ("pass", "fail", "temperror", "permerror"):
        if r in results:
            return r
    return "none" if not results else results[0]


def compare_list(want, got):
    """expected 'pass,fail,-' or 'none' against the per-signature results."""
    if want == "none":
        return got == []
    w = want.split(",")
    if len(w) != len(got):
        return False
    return all(a == "-" or a == b for a, b in zip(w, got))


def schema_problems(doc):
    """Schema errors of doc, each cut short (a oneOf failure quotes the whole document)."""
    return [p[:300] for p in validate_json(doc, SCHEMA)]


def judge(src, case_id, ok, got, want, detail, doc):
    key = (src, case_id)
    problems = schema_problems(doc) if "file" not in doc or "error" not in doc else [doc["error"]]
    if key in CONTESTED:
        mine, why = CONTESTED[key]
        status = "pass" if got == mine and not problems else "fail"
        return Result(NAME, "%s/%s (contested)" % (src, case_id), status,
                      "mailsec %s (asserted %s), upstream %s: %s %s" % (got, mine, want, why, problems))
    status = "pass" if ok and not problems else "fail"
    return Result(NAME, "%s/%s" % (src, case_id), status,
                  "got %s, want %s; %s %s" % (got, want, detail, "; ".join(problems[:3])))


def dkim_source(args, tmp, name):
    base = os.path.join(testdata_dir(), "dkim-message", name)
    src = "dkim-message/" + name
    zones = zones_by_set(tmp, src, os.path.join(base, "dns.tsv"))
    cases = read_tsv(os.path.join(base, "cases.tsv"))
    lines = []
    for c in cases:
        ln = [os.path.join(base, c["file"]), "replay=" + zones.get(c.get("dns_set", ""), zones.get(""))]
        if c.get("verify_time"):
            ln.append("now=" + c["verify_time"])
        lines.append(ln)
    docs, err = run_batch(args, tmp, src, lines)
    if docs is None:
        return [Result(NAME, src, "fail", err)]
    res = []
    for c, doc in zip(cases, docs):
        got = dkim_results(doc)
        want = c["expected"]
        if name == "rspamd":
            lvl = message_level(got)
            ok = lvl != "pass" if want == "not pass" else lvl == want
            res.append(judge(src, c["id"], ok, lvl, want, c.get("description", ""), doc))
        else:
            ok = compare_list(want, got)
            res.append(judge(src, c["id"], ok, ",".join(got) or "none", want,
                             "; ".join("%s" % d.get("why") for d in doc.get("dkim", [])), doc))
    return res


def arc_source(args, tmp, name):
    base = os.path.join(testdata_dir(), "arc", name)
    src = "arc/" + name
    if name == "valimail":
        base = os.path.join(base, "validation")
    zones = zones_by_set(tmp, src, os.path.join(base, "dns.tsv"))
    cases = read_tsv(os.path.join(base, "cases.tsv"))
    lines = [[os.path.join(base, c["file"]), "replay=" + zones.get(c.get("dns_set", ""), zones.get(""))]
             for c in cases]
    docs, err = run_batch(args, tmp, src, lines)
    if docs is None:
        return [Result(NAME, src, "fail", err)]
    res = []
    for c, doc in zip(cases, docs):
        got = (doc.get("arc") or {}).get("result")
        want = c.get("expected") or c.get("expected_arc")
        ok = got == want
        if ok and got == "pass" and not (doc.get("arc") or {}).get("oldest_pass_results"):
            ok = False
            got = "pass without the oldest passing instance's results"
        if ok and c.get("expected_dkim"):
            ok = compare_list(c["expected_dkim"], dkim_results(doc))
            got = "%s dkim=%s" % (got, ",".join(dkim_results(doc)))
            want = "%s dkim=%s" % (want, c["expected_dkim"])
        res.append(judge(src, c["id"], ok, got, want, "%s: %s" % (c.get("description", ""),
                                                                  (doc.get("arc") or {}).get("why")), doc))
    return res


def dmarc_rspamd(args, tmp):
    base = os.path.join(testdata_dir(), "dmarc-message", "rspamd")
    src = "dmarc-message/rspamd"
    zones = zones_by_set(tmp, src, os.path.join(base, "dns.tsv"))
    cases = read_tsv(os.path.join(base, "cases.tsv"))
    lines = []
    for c in cases:
        ln = [os.path.join(base, c["file"]), "replay=" + zones[""], "dmarc-rules=7489"]
        if c["ip"] != "-":
            ln.append("ip=" + c["ip"])
        if c["mail_from"] != "-":
            ln.append("mail-from=" + c["mail_from"])
        lines.append(ln)
    docs, err = run_batch(args, tmp, src, lines)
    if docs is None:
        return [Result(NAME, src, "fail", err)]
    res = []
    for c, doc in zip(cases, docs):
        d = doc.get("dmarc") or {}
        got = d.get("result")
        want = c["expected_dmarc"]
        disp = d.get("disposition")
        ok = got == want
        if want == "fail" and c["expected_policy"] != "-":
            ok = ok and disp == c["expected_policy"]
            got, want = "%s/%s" % (got, disp), "%s/%s" % (want, c["expected_policy"])
        res.append(judge(src, c["id"], ok, got, want, "%s: %s" % (c["description"], d.get("why")), doc))
    return res


def dmarc_authheaders(args, tmp):
    """authheaders: DMARC (RFC 9989 rules: its PSD case is a tree walk), DKIM and ARC results.

    Cases with prev_ar take their DKIM results from a previous Authentication-Results
    field upstream; mailsec verifies the message itself, and the DMARC verdict, From
    domain and policy expected still follow (the signatures there do not verify)."""
    base = os.path.join(testdata_dir(), "dmarc-message", "authheaders")
    src = "dmarc-message/authheaders"
    zones = zones_by_set(tmp, src, os.path.join(base, "dns.tsv"))
    cases = read_tsv(os.path.join(base, "cases.tsv"))
    lines = [[os.path.join(base, c["file"]), "replay=" + zones[""], "dmarc-rules=9989"] for c in cases]
    docs, err = run_batch(args, tmp, src, lines)
    if docs is None:
        return [Result(NAME, src, "fail", err)]
    res = []
    for c, doc in zip(cases, docs):
        d = doc.get("dmarc") or {}
        got, want = [], []
        if c["expected_dkim_new"] != "-":
            got.append("dkim=" + ",".join(dkim_results(doc)))
            want.append("dkim=" + c["expected_dkim_new"])
        if c["expected_dmarc"] != "-":
            got.append("dmarc=%s" % d.get("result"))
            want.append("dmarc=" + c["expected_dmarc"])
        if c["expected_header_from"] != "-":
            got.append("header.from=%s" % (d.get("from_domain") or "none"))
            want.append("header.from=" + c["expected_header_from"])
        if c["expected_policy_dmarc"] != "-":
            got.append("policy.dmarc=%s" % (d.get("policy") or "none"))
            want.append("policy.dmarc=" + c["expected_policy_dmarc"])
        if c["expected_arc"] != "-":
            got.append("arc=%s" % (doc.get("arc") or {}).get("result"))
            want.append("arc=" + c["expected_arc"])
        res.append(judge(src, c["id"], got == want, " ".join(got), " ".join(want),
                         "%s / %s" % (d.get("why"), (doc.get("arc") or {}).get("why")), doc))
    return res


BASE_MSG = (b"Received: from mail.sender.example (mail.sender.example [192.0.2.25])\r\n"
            b"\tby mx.receiver.example (Postfix) with ESMTPS id 1; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
            b"Received: from evil.example ([203.0.113.66]) by mx.receiver.example; forged\r\n"
            b"From: Joe <joe@sender.example>\r\nTo: ann@receiver.example\r\n"
            b"Subject: Is dinner ready?\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\n"
            b"Hi.\r\n\r\nWe lost the game.   Are you hungry yet?\r\n\r\nJoe.\r\n\r\n")


def cli_tests(args, tmp):
    """The command itself: our own messages signed by tests/message/signer.py (exit codes,
    text and JSON output, stdin, --ip / --trusted-relay SPF, DMARC, the AR field)."""
    import subprocess
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "message"))
    import signer
    res = []

    def check(name, ok, detail=""):
        res.append(Result(NAME, "cli/" + name, "pass" if ok else "fail", detail))

    def mailsec(argv, stdin=None):
        p = subprocess.run((args.wrapper or []) + [args.mailsec] + argv, input=stdin,
                           capture_output=True, timeout=120)
        err = p.stderr.decode("utf-8", "replace")
        if sanitizer(err):
            check("sanitizer clean: " + " ".join(argv[:3]), False, err[-3000:])
        return p.returncode, p.stdout.decode("utf-8", "replace"), err

    ed, ed_rec = signer.new_key("ed25519")
    rs, rs_rec = signer.new_key("rsa", 2048)
    zone = os.path.join(tmp, "cli.zone")
    with open(zone, "w") as f:
        f.write("ed._domainkey.sender.example. TXT %s\n" % txt_rdata(ed_rec))
        f.write("rsa._domainkey.sender.example. TXT %s\n" % txt_rdata(rs_rec))
        f.write("rsa._domainkey.third.example. TXT %s\n" % txt_rdata(rs_rec))
        f.write("slow._domainkey.sender.example. TXT TIMEOUT\n")
        f.write("testing._domainkey.sender.example. TXT %s\n" % txt_rdata(ed_rec.replace("v=DKIM1;", "v=DKIM1; t=y;")))
        f.write("sender.example. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n")
        f.write("_dmarc.sender.example. TXT \"v=DMARC1; p=reject\"\n")
    now = ["--replay", zone, "--now", "1700000100"]

    def doc_of(name, msg, extra=()):
        path = os.path.join(tmp, name + ".eml")
        with open(path, "wb") as f:
            f.write(msg)
        rc, out, err = mailsec(["message", "check", "--json"] + now + list(extra) + [path])
        try:
            doc = json.loads(out)
        except ValueError:
            return rc, {}, err
        problems = schema_problems(doc)
        if problems:
            check(name + " schema", False, "; ".join(problems))
        return rc, doc, err

    signed = signer.sign(BASE_MSG, ed, "sender.example", "ed")
    rc, doc, err = doc_of("ed25519", signed)
    check("ed25519 relaxed/relaxed passes, DMARC passes, exit 0",
          rc == 0 and dkim_results(doc) == ["pass"] and doc["dmarc"]["result"] == "pass", err + json.dumps(doc)[:800])
    check("the AR field names the signature",
          "dkim=pass header.i=@sender.example header.d=sender.example header.s=ed" in doc.get("authentication_results", ""),
          doc.get("authentication_results", ""))
    for c in ("simple/simple", "simple/relaxed", "relaxed/simple"):
        rc, doc, err = doc_of("rsa-" + c.replace("/", "-"), signer.sign(BASE_MSG, rs, "sender.example", "rsa",
                                                                       alg="rsa-sha256", c=c))
        check("rsa-sha256 %s passes" % c, dkim_results(doc) == ["pass"], err + str(doc.get("dkim")))
    rc, doc, err = doc_of("body-changed", signed.replace(b"hungry", b"thirsty"))
    check("a changed body fails (bh), DMARC fails under p=reject, exit 1",
          rc == 1 and dkim_results(doc) == ["fail"] and doc["dmarc"]["result"] == "fail" and
          doc["dmarc"]["disposition"] == "reject", str(doc.get("dkim")) + str(doc.get("dmarc")))
    rc, doc, err = doc_of("testing-key", signer.sign(BASE_MSG, ed, "sender.example", "testing")
                          .replace(b"hungry", b"thirsty"))
    check("a failing signature whose key says t=y: a warning (RFC 6376 §3.6.1)",
          dkim_results(doc) == ["fail"] and doc["dkim"][0]["key_testing"] is True and
          any(f["id"] == "message.dkim.fail" and f["severity"] == "warning" for f in doc["findings"]),
          str(doc.get("findings")))
    rc, doc, err = doc_of("subject-changed", signed.replace(b"Is dinner", b"Was dinner"))
    check("a changed signed header fails (b=)", dkim_results(doc) == ["fail"] and
          "header" in doc["dkim"][0]["why"], str(doc.get("dkim")))
    rc, doc, err = doc_of("added-from", b"From: Eve <eve@sender.example>\r\n" + signed)
    check("an unsigned From added above: policy (RFC 6376 §8.15)", dkim_results(doc) == ["policy"] and
          any(f["id"] == "message.dkim.unsigned-field" for f in doc["findings"]), str(doc.get("dkim")))
    lsig = signer.sign(BASE_MSG, ed, "sender.example", "ed", l=20)
    rc, doc, err = doc_of("l-tag", lsig + b"Click http://evil.example/\r\n")
    check("l= with appended text passes and reports the unsigned bytes",
          dkim_results(doc) == ["pass"] and doc["dkim"][0]["unsigned_bytes"] > 0 and
          any(f["id"] == "message.dkim.body-length" for f in doc["findings"]), str(doc.get("dkim")))
    rc, doc, err = doc_of("sha1", signer.sign(BASE_MSG, rs, "sender.example", "rsa", alg="rsa-sha1"))
    check("rsa-sha1 verifies but is policy (RFC 8301)", dkim_results(doc) == ["policy"] and
          any(f["id"] == "message.dkim.weak" for f in doc["findings"]), str(doc.get("dkim")))
    rc, doc, err = doc_of("expired", signer.sign(BASE_MSG, ed, "sender.example", "ed", x=1700000050))
    check("x= in the past: permerror", dkim_results(doc) == ["permerror"] and
          "expired" in doc["dkim"][0]["why"], str(doc.get("dkim")))
    rc, doc, err = doc_of("timeout", signer.sign(BASE_MSG, ed, "sender.example", "slow"))
    check("key lookup timeout: temperror, exit 3", rc == 3 and dkim_results(doc) == ["temperror"],
          "exit %d %s" % (rc, doc.get("dkim")))
    rc, doc, err = doc_of("third-party", signer.sign(BASE_MSG, rs, "third.example", "rsa", alg="rsa-sha256"))
    check("a third-party signature passes but does not align: DMARC fails",
          dkim_results(doc) == ["pass"] and doc["dmarc"]["result"] == "fail", str(doc.get("dmarc")))
    rc, doc, err = doc_of("spf-ip", BASE_MSG, ["--ip", "192.0.2.25", "--mail-from", "bounce@sender.example",
                                               "--helo", "mail.sender.example"])
    check("unsigned, SPF pass for --ip: aligned, DMARC passes",
          (doc.get("spf") or {}).get("result") == "pass" and doc["dmarc"]["result"] == "pass" and
          "spf=pass smtp.mailfrom=bounce@sender.example" in doc.get("authentication_results", ""),
          json.dumps(doc.get("spf")) + doc.get("authentication_results", ""))
    rc, doc, err = doc_of("spf-fail", BASE_MSG, ["--ip", "203.0.113.66", "--mail-from", "joe@sender.example"])
    check("SPF fail for a stranger's address", (doc.get("spf") or {}).get("result") == "fail" and rc == 1,
          json.dumps(doc.get("spf")))
    rc, doc, err = doc_of("relay", BASE_MSG, ["--trusted-relay", "mx.receiver.example", "--mail-from",
                                              "joe@sender.example"])
    check("--trusted-relay reads the topmost Received it added (not the forged one)",
          (doc.get("spf") or {}).get("client_ip") == "192.0.2.25" and doc["spf"]["result"] == "pass" and
          doc["spf"]["helo"] == "mail.sender.example", json.dumps(doc.get("spf")))
    tricky = (b"Received: from by (by [192.0.2.25]) by mx.receiver.example (Postfix) with ESMTPS id 2;\r\n"
              b"\tTue, 14 Nov 2023 22:13:20 +0000\r\n"
              b"Received: from x (helo by mx.receiver.example [192.0.2.26]) by mx.receiver.example; id 3\r\n")
    forged = (b"Received: from evil.example ([203.0.113.66]) by mx.receiver.example; forged\r\n")
    rc, doc, err = doc_of("relay-helo-by", tricky + forged + BASE_MSG.split(b"\r\n", 3)[3],
                          ["--trusted-relay", "mx.receiver.example", "--mail-from", "joe@sender.example"])
    check("--trusted-relay: a client whose HELO is 'by' cannot push the trusted field aside",
          (doc.get("spf") or {}).get("client_ip") == "192.0.2.25" and doc["spf"]["helo"] == "by",
          json.dumps(doc.get("spf")))
    rc, doc, err = doc_of("relay-comment-by", tricky.split(b"\r\n", 2)[2] + forged + BASE_MSG.split(b"\r\n", 3)[3],
                          ["--trusted-relay", "mx.receiver.example", "--mail-from", "joe@sender.example"])
    check("--trusted-relay: ' by RELAY' inside the from clause's comment is not the by clause",
          (doc.get("spf") or {}).get("client_ip") == "192.0.2.26", json.dumps(doc.get("spf")))
    rc, doc, err = doc_of("relay-unknown", BASE_MSG, ["--trusted-relay", "mx.other.example"])
    check("--trusted-relay naming a relay that added nothing: SPF not checked, said so",
          doc.get("spf") is None and any(f["id"] == "message.spf.not-checked" and "mx.other.example" in f["message"]
                                         for f in doc.get("findings", [])), str(doc.get("findings")))
    rc, doc, err = doc_of("no-from", BASE_MSG.replace(b"From: Joe <joe@sender.example>\r\n", b""))
    check("no From field: dmarc=permerror header.from=none",
          doc.get("dmarc", {}).get("result") == "permerror" and "header.from=none" in doc.get("authentication_results", ""),
          str(doc.get("dmarc")))
    rc, doc, err = doc_of("two-from", BASE_MSG.replace(b"From: Joe <joe@sender.example>",
                                                       b"From: Joe <joe@sender.example>, Eve <eve@other.example>"))
    check("two From domains: message.from.multiple", any(f["id"] == "message.from.multiple"
                                                         for f in doc.get("findings", [])), str(doc.get("findings")))
    # text output, stdin, usage
    path = os.path.join(tmp, "ed25519.eml")
    rc, out, err = mailsec(["message", "check"] + now + ["-"], stdin=signed)
    check("'-' reads standard input; text ends with the AR field",
          rc == 0 and "message.dkim.pass" in out and "Authentication-Results: mailsec;" in out, out + err)
    rc, out, err = mailsec(["message", "check", "--format", "json", "--authserv-id", "mx.example"] + now + [path])
    check("--format json and --authserv-id",
          rc == 0 and json.loads(out)["authentication_results"].startswith("Authentication-Results: mx.example;"),
          out[:300] + err)
    bpath = os.path.join(tmp, "cli.batch")
    with open(bpath, "w") as f:
        f.write("%s\treplay=%s\tnow=1700000100\n# a comment\n\n%s\treplay=%s\tnow=1700000100\tip=192.0.2.25"
                "\tmail-from=a@sender.example\n%s\n" % (path, zone, path, zone, os.path.join(tmp, "nosuch.eml")))
    rc, out, err = mailsec(["message", "check", "--batch", bpath])
    lines = out.splitlines()
    docs = [json.loads(ln) for ln in lines] if all(ln.startswith("{") for ln in lines) else []
    check("--batch: one compact document per message, settings per line, exit 2 for a line that cannot run",
          rc == 2 and len(docs) == 3 and docs[0]["dkim"][0]["result"] == "pass" and docs[1]["spf"]["result"] == "pass"
          and docs[2].get("error") and all(not schema_problems(d) for d in docs), "exit %d: %s %s" % (rc, out[:500], err))
    with open(bpath, "w") as f:
        f.write("%s\tcolour=blue\n" % path)
    rc, out, err = mailsec(["message", "check", "--batch", bpath])
    check("--batch: an unknown setting is refused (exit 2)", rc == 2 and "colour" in err, err)
    for name, argv in (("no subcommand", ["message"]), ("unknown subcommand", ["message", "verify", path]),
                       ("two files", ["message", "check", path, path]),
                       ("missing file", ["message", "check"] + now + [os.path.join(tmp, "nosuch.eml")]),
                       ("bad --ip", ["message", "check", "--ip", "300.1.1.1"] + now + [path]),
                       ("bad --format", ["message", "check", "--format", "xml", path]),
                       ("bad --now", ["message", "check", "--now", "yesterday", path])):
        rc, out, err = mailsec(argv)
        check("usage: %s exits 2" % name, rc == 2 and err.strip() != "", "exit %d: %s" % (rc, err))
    return res


def parse_checks(text):
    """'path=JSON; path=JSON' into [(path, value)]."""
    out, dec, i = [], json.JSONDecoder(), 0
    text = text.strip()
    while i < len(text):
        eq = text.index("=", i)
        path = text[i:eq].strip()
        val, end = dec.raw_decode(text, eq + 1)
        out.append((path, val))
        i = end
        while i < len(text) and text[i] in "; ":
            i += 1
    return out


def ar_lookup(doc, path):
    """The value at a vectors' check path in a `message authres --json` document."""
    if path == "authserv_id":
        return doc.get("authserv_id")
    if path == "authres_version":
        return doc.get("version")
    if path == "resinfo.length":
        return len(doc.get("results", []))
    parts = path.split(".")
    if parts[0] != "resinfo" or len(parts) < 3:
        return ("unsupported", path)
    try:
        r = doc["results"][int(parts[1])]
    except (IndexError, ValueError):
        return ("missing", path)
    if parts[2] == "properties" and len(parts) == 5:
        for pr in r["properties"]:
            if pr["ptype"] == parts[3] and pr["property"] == parts[4]:
                return pr["value"]
        return ("missing", path)
    return r.get(parts[2], ("missing", path))


def authres_source(args, name):
    import concurrent.futures
    base = os.path.join(testdata_dir(), "auth-results", name)
    src = "auth-results/" + name
    rows = read_tsv(os.path.join(base, "arh-parse.tsv" if name == "dkim_verifier" else "authres.tsv"))

    def one(row):
        if row.get("direction") == "generate":
            return Result(NAME, "%s/%s" % (src, row["id"]), "skip",
                          "a generation vector in mox's own layout (comments after values); "
                          "mailsec writes its own layout (docs/message.md)")
        value = unescape(row.get("input") or row.get("value") or "")
        if name == "dkim_verifier":
            mode = "relaxed" if row["relaxed"] == "1" else "strict"
            intl = row["intl"] == "1"
            want_ok = row["expected"] == "ok"
        else:
            mode, intl = "tolerant", name == "mox"
            want_ok = row.get("expected", "ok") == "ok"
        argv = [args.mailsec, "message", "authres", "--json", "--parse-mode", mode] + \
            (["--intl"] if intl else []) + ["--", value]
        rc, out, err = hrun(argv, wrapper=args.wrapper)
        try:
            doc = json.loads(out)
        except ValueError:
            return Result(NAME, "%s/%s" % (src, row["id"]), "fail", "exit %d: %s" % (rc, err[-500:]))
        problems = schema_problems(doc)
        got_ok = doc.get("valid") is True
        detail = "%s %s%s: %r" % (mode, "intl " if intl else "", "ok" if got_ok else "error (%s at %s)"
                                  % (doc.get("error"), doc.get("offset")), value[:120])
        if got_ok and want_ok:
            for path, val in parse_checks(row.get("checks", "")):
                got = ar_lookup(doc, path)
                if got != val:
                    problems.append("%s = %r, want %r" % (path, got, val))
        elif got_ok != want_ok:
            problems.append("parsed %s, want %s" % ("ok" if got_ok else "error", "ok" if want_ok else "error"))
        if (rc == 0) != got_ok:
            problems.append("exit %d" % rc)
        if sanitizer(err):
            problems.append("sanitizer: " + err[-2000:])
        return judge(src, row["id"], not problems, "ok" if got_ok else "error",
                     "ok" if want_ok else "error", "; ".join(problems) + " " + detail, doc)

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        return list(ex.map(one, rows))


ALL_CANONS = ("simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed")
DKIMPY_SHOULD = ("from", "sender", "reply-to", "subject", "date", "message-id", "to", "cc", "mime-version",
                 "content-type", "content-transfer-encoding", "content-id", "content-description",
                 "resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-message-id",
                 "in-reply-to", "references", "list-id", "list-help", "list-unsubscribe", "list-subscribe",
                 "list-post", "list-owner", "list-archive")
# dkimpy recipes.tsv rows that test something other than e-mail verification: what they need.
DKIMPY_NOT_APPLICABLE = {
    "sign-no-from": "a signer's error (From is mandatory); mailsec does not sign",
    "tlsrpt-strict-svc": "RFC 8460 report verification (tlsrpt=strict option); message check verifies e-mail",
    "tlsrpt-svc": "RFC 8460 report verification (tlsrpt option)",
    "tlsrpt-strict-no-svc": "RFC 8460 report verification (tlsrpt option)",
    "tlsrpt-no-svc": "RFC 8460 report verification (tlsrpt option)",
    "tlsrpt-l-ignored-verify": "RFC 8460 report verification (tlsrpt option)",
    "tlsrpt-l-not-signed": "a signer's rule for RFC 8460 reports; mailsec does not sign",
}


def dkimpy_recipes(args, tmp):
    """dkimpy recipes.tsv, replayed with tests/message/signer.py (dkimpy signs with the current
    time, so its signatures cannot be frozen; the SOURCE says to replay them with our own signer).
    Each applicable recipe is signed under each canonicalisation it lists, mutated as it says,
    and verified by one `message check --batch`; "pass" must pass, "fail (...)" must not."""
    import base64
    import sys
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "message"))
    import signer
    base = os.path.join(testdata_dir(), "dkim-message", "dkimpy")
    src = "dkim-message/dkimpy"

    def key(name):
        raw = open(os.path.join(base, "keys", name), "rb").read()
        if raw.startswith(b"-----"):
            return serialization.load_pem_private_key(raw, None)
        return ed25519.Ed25519PrivateKey.from_private_bytes(base64.b64decode(raw.strip()))

    def rec(name):
        return open(os.path.join(base, "keys", name), encoding="utf-8").read().strip()

    def msg(name):
        return open(os.path.join(base, "messages", name + ".eml"), "rb").read()

    def fields(m):
        return [f[0].decode().lower() for f in signer.split(m)[0]]

    ed_rec = "v=DKIM1; k=ed25519; p=yi50DjK5O9pqbFpNHklsv9lqaS0ArSYu02qp1S0DW1Y="
    rfc8032_rec = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
    H = ("from", "to", "subject", "date", "message-id")
    # id -> list of (label, message bytes, dns {name: record}, want "pass" | "fail")
    cases = {}

    def add(rid, label, m, dns, want):
        cases.setdefault(rid, []).append((label, m, dns, want))

    tm = msg("test.message")
    rsa_k, rsa_dns = key("test.private"), {"test._domainkey.example.com": rec("test.txt")}
    for kind, k, d, sel, alg, dns, m in (
            ("rsa", rsa_k, "example.com", "test", "rsa-sha256", rsa_dns, tm),
            ("ed25519", key("ed25519test.key"), "example.net", "test", "ed25519-sha256",
             {"test._domainkey.example.net": ed_rec}, msg("ed25519test.msg"))):
        rid = "rsa-roundtrip" if kind == "rsa" else "ed25519-roundtrip"
        for c in ALL_CANONS:
            signed = signer.sign(m, k, d, sel, alg=alg, c=c, h=H)
            add(rid, c, signed, dns, "pass")
            if kind == "ed25519":
                add(rid, c + " body appended", signed + b"foo", dns, "fail")
                add(rid, c + " From added last", signed.replace(b"\r\n\r\n", b"\r\nFrom: \"Resident Evil\" "
                                                               b"<sales@spammer.com>\r\n\r\n", 1), dns, "fail")
    for c in ALL_CANONS:
        signed = signer.sign(tm, rsa_k, "example.com", "test", alg="rsa-sha256", c=c, h=H)
        head, _, body = signed.partition(b"\r\n\r\n")
        sig, _, rest = head.partition(b"\r\nAuthentication-Results")
        add("rsa-roundtrip-lf", c, sig.replace(b"\r\n\t", b"\n\t") + b"\r\nAuthentication-Results" + rest +
            b"\r\n\r\n" + body, rsa_dns, "pass")
        add("key-no-k", c, signed, {"test._domainkey.example.com": rec("test2.txt")}, "pass")
        add("key-bad-version", c, signed, {"test._domainkey.example.com": rec("badversion.txt")}, "fail")
        add("key-unknown-k", c, signed, {"test._domainkey.example.com": rec("badk.txt")}, "fail")
        add("tlsrpt-key-email-sig", c, signed, {"test._domainkey.example.com": rec("test_tlsrpt.txt")}, "fail")
        add("should-headers", c, signer.sign(tm, rsa_k, "example.com", "test", alg="rsa-sha256", c=c,
                                             h=DKIMPY_SHOULD), rsa_dns, "pass")
        lsigned = signer.sign(tm, rsa_k, "example.com", "test", alg="rsa-sha256", c=c, h=H,
                              l=len(signer.canon_body(signer.split(tm)[1], c.split("/")[1])))
        add("l-tag-then-append", c, lsigned + b"added more text\n", rsa_dns, "pass")
        mb = msg("message.mbox")
        add("repeated-received", c, signer.sign(mb, rsa_k, "example.com", "test", alg="rsa-sha256", c=c,
                                                h=tuple(fields(mb))), rsa_dns, "pass")
        add("ed25519-rfc8032-key", c, signer.sign(msg("rfc6376.msg"), key("rfc8032_7_1.key"), "football.example.com",
                                                  "brisbane", c=c, h=H),
            {"brisbane._domainkey.football.example.com": rfc8032_rec}, "pass")
        for n, (kf, sel, pub) in enumerate((("1024_testkey.key", "test", "1024_testkey_wo_markers.pub.txt"),
                                            ("1024_testkey.key", "test2", "1024_testkey_wo_markers.pub.rsa.txt"),
                                            ("2048_testkey.key", "test3", "2048_testkey_wo_markers.pub.txt"),
                                            ("2048_testkey.key", "test4", "2048_testkey_wo_markers.pub.rsa.txt"),
                                            ("2048_testkey_PKCS8.key", "test5", "2048_testkey_PKCS8.key.pub.txt"))):
            add("key-format-test" + (str(n + 1) if n else ""), c,
                signer.sign(tm, key(kf), "example.com", sel, alg="rsa-sha256", c=c, h=H),
                {"%s._domainkey.example.com" % sel: rec(pub)}, "pass")
    rs = signer.sign(tm, rsa_k, "example.com", "test", alg="rsa-sha256", c="relaxed/simple", h=H)
    head, _, body = rs.partition(b"\r\n\r\n")
    add("body-appended", "relaxed/simple", rs + b"foo", rsa_dns, "fail")
    add("l-tag-added", "relaxed/simple", signer.sign(tm, rsa_k, "example.com", "test", alg="rsa-sha256",
                                                     c="relaxed/simple", h=H,
                                                     l=len(signer.canon_body(signer.split(tm)[1], "simple"))),
        rsa_dns, "pass")
    add("extra-unsigned-header", "relaxed/simple", head + b"\r\nX-Foo: bar\r\n\r\n" + body, rsa_dns, "pass")
    add("extra-from-last", "relaxed/simple", head + b"\r\nFrom: \"Resident Evil\" <sales@spammer.com>\r\n\r\n" +
        body, rsa_dns, "fail")
    over = signer.sign(tm, rsa_k, "example.com", "test", alg="rsa-sha256", c="relaxed/simple",
                       h=H + ("from",))
    add("extra-from-first", "relaxed/simple (From over-signed, as dkimpy signs)",
        b"From: \"Resident Evil\" <sales@spammer.com>\r\n" + over, rsa_dns, "fail")
    add("sign-invalid-d", "relaxed/simple", signer.sign(tm, rsa_k, "legitimate.com(.attacker.com", "test",
                                                        alg="rsa-sha256", c="relaxed/simple", h=H), {}, "fail")
    add("d-non-ascii", "relaxed/simple", signer.sign(tm, rsa_k, "example.com\xe9", "test", alg="rsa-sha256",
                                                     c="relaxed/simple", h=H), rsa_dns, "fail")
    # refold-b-tag upstream uses a 512-bit key (with minkey=512); RFC 8301 refuses those, so the
    # 1024-bit test key signs here: what it tests is FWS added inside b= after signing
    hm = b"From: mbp@canonical.com\r\nTo: scottk@example.com\r\nSubject: this is my\r\n    test message\r\n"
    for c in ("simple/relaxed", "relaxed/relaxed"):
        signed = signer.sign(hm, rsa_k, "example.com", "test", alg="rsa-sha256", c=c, h=("from", "to", "subject"))
        i = signed.index(b"\tb=") + 3
        add("refold-b-tag", c + " (1024-bit key)", signed[:i + 10] + b"\r\n " + signed[i + 10:i + 30] +
            b"\r\n\t" + signed[i + 30:], rsa_dns, "pass")
    lines, order = [], []
    for rid, items in cases.items():
        for i, (label, m, dns, want) in enumerate(items):
            mp = os.path.join(tmp, "dkimpy-%s-%d.eml" % (rid, i))
            zp = os.path.join(tmp, "dkimpy-%s-%d.zone" % (rid, i))
            with open(mp, "wb") as f:
                f.write(m)
            with open(zp, "w", encoding="utf-8") as f:
                for name, value in dns.items():
                    f.write("%s. TXT %s\n" % (name, txt_rdata(value)))
            lines.append([mp, "replay=" + zp, "now=1700000000"])
            order.append((rid, label, want))
    docs, err = run_batch(args, tmp, src + "-recipes", lines)
    if docs is None:
        return [Result(NAME, src + "/recipes", "fail", err)]
    res = []
    by_id = {}
    for (rid, label, want), doc in zip(order, docs):
        got = dkim_results(doc)
        # the recipe's signature is the topmost (message.mbox carries an older one of its own)
        ok = bool(got) and ((got[0] == "pass") if want == "pass" else (got[0] != "pass"))
        by_id.setdefault(rid, []).append((ok, "%s: %s (%s)" % (label, ",".join(got),
                                                               "; ".join(str(d.get("why")) for d in doc.get("dkim", []))),
                                          doc))
    for row in read_tsv(os.path.join(base, "recipes.tsv")):
        rid = row["id"]
        if rid in DKIMPY_NOT_APPLICABLE:
            res.append(Result(NAME, "%s/recipe %s" % (src, rid), "skip", DKIMPY_NOT_APPLICABLE[rid]))
            continue
        items = by_id.get(rid)
        if not items:
            res.append(Result(NAME, "%s/recipe %s" % (src, rid), "fail", "recipe not replayed"))
            continue
        problems = [d for ok, d, _ in items if not ok]
        for _, _, doc in items:
            problems += schema_problems(doc)
        res.append(Result(NAME, "%s/recipe %s" % (src, rid), "fail" if problems else "pass",
                          "want %s; %s" % (row["expected"], "; ".join(problems) or
                                           "%d variant(s) as expected" % len(items))))
    return res


# mox recipes.tsv rows that test a signer's input checks: mailsec does not sign.
MOX_NOT_APPLICABLE = {
    rid: "a signer's error (%s); mailsec does not sign" % why for rid, why in (
        ("sign-two-from", "exactly one From"), ("sign-no-from", "From is mandatory"),
        ("sign-empty-name", "an empty field name"), ("sign-leading-space", "a continuation line first"),
        ("sign-8bit-name", "a non-ASCII field name"), ("sign-no-crlf", "a header without CRLF"))
}


# mox recipes whose expectation its SOURCE.txt itself names as mox's choice ("mox-specific
# choices (documented, not RFC-mandated)"): the test asserts mailsec's RFC reading instead, and
# tests/vectors/MESSAGE.md gives the text.  id -> (mailsec's result, why)
MOX_OWN_POLICY = {
    "key-record-not-dkim": (
        "permerror", "mox: 'TXT that is not a DKIM record ... => temperror'. RFC 6376 §6.1.2: a key "
        "record that does not adhere to the format -> PERMFAIL (key syntax error); RFC 8601 §2.7.1 permerror"),
    "key-record-twice": (
        "pass", "mox: 'multiple key records => temperror'. RFC 6376 §3.6.2.2: with several records "
        "'the results are undefined'; the two are identical and the signature verifies with either"),
    "l-tag-policy": (
        "fail", "mox: 'l= refused by DefaultPolicy' before verifying. Inserting l=1; after signing "
        "changes the signed DKIM-Signature field and the hashed body: RFC 6376 §6.1.3 -> PERMFAIL "
        "(body hash did not verify), RFC 8601 §2.7.1 fail"),
    "sign-4-selectors": (
        "pass,policy,pass,pass", "mox: 'rsa-sha1 signatures are still verified by mox (RFC 8301 says "
        "they MUST NOT be considered valid)'. RFC 8301 §3.1: verifiers MUST NOT consider rsa-sha1 "
        "signatures valid; the testrsa2 signature verifies and is reported as policy"),
}


def mox_recipes(args, tmp):
    """mox recipes.tsv (dkim/dkim_test.go TestVerify, TestSign), replayed with
    tests/message/signer.py: mox signs with the current time, so the SOURCE says to sign the
    base message again, apply the recipe's mutation and verify against the recipe's DNS."""
    import base64
    import sys
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "message"))
    import signer
    base = os.path.join(testdata_dir(), "dkim-message", "mox")
    src = "dkim-message/mox"
    path = os.path.join(base, "recipes.tsv")
    if not os.path.exists(path):
        return []

    def pem(name):
        return serialization.load_pem_private_key(open(os.path.join(base, "keys", name), "rb").read(), None)

    def spki(k):
        return base64.b64encode(k.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()

    ed = ed25519.Ed25519PrivateKey.from_private_bytes(
        base64.b64decode(open(os.path.join(base, "keys", "ed25519-zero-seed.b64")).read().strip()))
    ed_rec = "v=DKIM1;k=ed25519;t=s;p=O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik="
    rsa, weak = pem("rsa2048-pkcs8.pem"), pem("rsa512-weak-pkcs8.pem")
    vb = open(os.path.join(base, "messages", "verify-base.eml"), "rb").read()
    sb = open(os.path.join(base, "messages", "sign-base.eml"), "rb").read()
    mox_h = ("from", "to", "cc", "bcc", "reply-to", "references", "in-reply-to", "subject", "date",
             "message-id", "content-type")
    name = "test._domainkey.mox.example"

    def present(m, names):
        have = {f[0].decode().lower() for f in signer.split(m)[0]}
        return tuple(n for n in names if n in have)

    def sign(m=vb, key=ed, d="mox.example", s="test", alg="ed25519-sha256", c="simple/simple", h=None):
        return signer.sign(m, key, d, s, alg=alg, c=c, h=h or present(m, mox_h))

    def into_sig(m, text):
        return m.replace(b"DKIM-Signature: ", b"DKIM-Signature: " + text, 1)

    std = {name: [ed_rec]}
    # id -> (message, {name: [TXT values] | "SERVFAIL"}, the results mailsec must give)
    cases = {
        "baseline": (sign(), std, "pass"),
        "message-malformed": (b":\r\n\r\n", std, "error"),
        "no-key-record": (sign(), {}, "permerror"),
        "dns-temp-failure": (sign(), {name: "SERVFAIL"}, "temperror"),
        "key-record-syntax": (sign(), {name: ["v=DKIM1; bogus"]}, "permerror"),
        "key-record-not-dkim": (sign(), {name: ["bogus"]}, "temperror"),
        "key-record-twice": (sign(), {name: [ed_rec, ed_rec]}, "temperror"),
        "sig-missing-tags": (b"DKIM-Signature: v=1\r\n" + vb, std, "permerror"),
        "from-not-signed": (sign().replace(b"h=from:", b"h=", 1), std, "permerror"),
        "d-is-tld": (sign(m=vb.replace(b"From: <mjl@mox.example>", b"From: <mjl@com>"), d="com"),
                     {"test._domainkey.com": [ed_rec]}, "permerror"),
        "hash-unknown": (sign().replace(b"sha256", b"sha257"), std, "permerror"),
        "canon-unknown": (sign(c="relaxed/relaxed").replace(b"relaxed/relaxed", b"bogus/bogus"), std,
                          "permerror"),
        "q-unknown": (into_sig(sign(), b"q=other;"), std, "permerror"),
        "l-tag-policy": (into_sig(sign(), b"l=1;"), std, "policy"),
        "key-h-sha1": (sign(), {name: [ed_rec + ";h=sha1"]}, "permerror"),
        "key-type-mismatch": (sign(), {name: ["v=DKIM1;t=s;p=" + spki(rsa)]}, "permerror"),
        "key-revoked": (sign(), {name: ["v=DKIM1;k=ed25519;t=s;p="]}, "permerror"),
        "key-rsa-512": (sign(key=weak, alg="rsa-sha256"), {name: ["v=DKIM1;t=s;p=" + spki(weak)]}, "permerror"),
        "key-not-for-email": (sign(), {name: [ed_rec + ";s=other"]}, "permerror"),
        "header-modified": (sign().replace(b"Subject: test\r\n", b"Subject: modified header\r\n"), std, "fail"),
        "body-modified": (sign().replace(b"\r\ntest\r\n", b"\r\nmodified body\r\n"), std, "fail"),
        "added-subject-below": (sign().replace(b"\r\n\r\n", b"\r\nsubject: another\r\n\r\n", 1), std, "fail"),
        "added-subject-above": (b"subject: another\r\n" + sign(), std, "pass"),
    }
    four = sb
    for s, key, alg, c, h in (("tested25519b", ed, "ed25519-sha256", "simple/simple",
                               present(sb, ("from", "to", "cc", "bcc", "reply-to", "subject", "date")) * 2),
                              ("tested25519", ed, "ed25519-sha256", "simple/simple", None),
                              ("testrsa2", rsa, "rsa-sha1", "relaxed/relaxed", None),
                              ("testrsa", rsa, "rsa-sha256", "simple/simple", None)):
        four = sign(m=four, key=key, s=s, alg=alg, c=c, h=h or present(sb, mox_h))
    cases["sign-4-selectors"] = (four, {
        "testrsa._domainkey.mox.example": ["v=DKIM1;t=s;p=" + spki(rsa)],
        "testrsa2._domainkey.mox.example": ["v=DKIM1;t=s;p=" + spki(rsa)],
        "tested25519._domainkey.mox.example": [ed_rec],
        "tested25519b._domainkey.mox.example": [ed_rec]}, "pass,pass,pass,pass")
    lines, order = [], []
    for rid, (m, dns, want) in cases.items():
        mp = os.path.join(tmp, "mox-%s.eml" % rid)
        zp = os.path.join(tmp, "mox-%s.zone" % rid)
        with open(mp, "wb") as f:
            f.write(m)
        with open(zp, "w", encoding="utf-8") as f:
            for n, values in dns.items():
                if values == "SERVFAIL":
                    f.write("%s TXT SERVFAIL\n" % n)
                    continue
                for v in values:
                    f.write("%s. TXT %s\n" % (n, txt_rdata(v)))
        lines.append([mp, "replay=" + zp, "now=1700000000"])
        order.append((rid, want))
    docs, err = run_batch(args, tmp, src + "-recipes", lines)
    if docs is None:
        return [Result(NAME, src + "/recipes", "fail", err)]
    got_by = {}
    for (rid, want), doc in zip(order, docs):
        got = ",".join(dkim_results(doc)) or "none"
        if got == "none" and any(f.get("id") == "message.header.malformed" for f in doc.get("findings", [])):
            got = "error"   # mox: "message cannot be parsed"; mailsec names the malformed header
        got_by[rid] = (got, want, doc)
    res = []
    for row in read_tsv(path):
        rid = row["id"]
        if rid in MOX_NOT_APPLICABLE:
            res.append(Result(NAME, "%s/recipe %s" % (src, rid), "skip", MOX_NOT_APPLICABLE[rid]))
            continue
        if rid not in got_by:
            res.append(Result(NAME, "%s/recipe %s" % (src, rid), "fail", "recipe not replayed"))
            continue
        got, want, doc = got_by[rid]
        why = "; ".join(str(d.get("why")) for d in doc.get("dkim", []))
        if rid in MOX_OWN_POLICY:
            mine, reason = MOX_OWN_POLICY[rid]
            problems = schema_problems(doc)
            res.append(Result(NAME, "%s/recipe %s (mox's own policy)" % (src, rid),
                              "pass" if got == mine and not problems else "fail",
                              "mailsec %s (asserted %s), mox %s: %s; %s %s" % (got, mine, want, reason, why,
                                                                                problems)))
            continue
        res.append(judge(src, "recipe " + rid, got == want, got, want, why, doc))
    return res


def sign_vectors(args, tmp):
    """The deterministic signing vectors of ietf-rfc and go-msgauth (sign-cases.tsv), used to
    verify: the template's DKIM-Signature with b= = expected_b above the unsigned message
    (go-msgauth: its exact expected_message), the public half of the vector's key published."""
    import base64
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    res = []
    for name in ("ietf-rfc", "go-msgauth"):
        base = os.path.join(testdata_dir(), "dkim-message", name)
        src = "dkim-message/" + name
        path = os.path.join(base, "sign-cases.tsv")
        if not os.path.exists(path):
            continue
        rows = read_tsv(path)
        lines = []
        for i, r in enumerate(rows):
            raw = open(os.path.join(base, r["key"]), "rb").read()
            if raw.startswith(b"-----"):
                pub = serialization.load_pem_private_key(raw, None).public_key().public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
                rec = "v=DKIM1; k=rsa; p=" + base64.b64encode(pub).decode()
            else:
                k = ed25519.Ed25519PrivateKey.from_private_bytes(base64.b64decode(raw.strip()))
                rec = "v=DKIM1; k=ed25519; p=" + base64.b64encode(k.public_key().public_bytes(
                    serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()
            template = unescape(r["template"])
            m = re.search(r"\bd=([^;\s]+)", template)
            sel = re.search(r"\bs=([^;\s]+)", template)
            if r.get("expected_message"):
                msg = open(os.path.join(base, r["expected_message"]), "rb").read()
            else:
                j = template.rindex("b=") + 2
                field = template[:j] + r["expected_b"] + template[j:]
                msg = field.encode() + b"\r\n" + open(os.path.join(base, r["message"]), "rb").read()
            mp = os.path.join(tmp, "%s-sign-%d.eml" % (name, i))
            zp = os.path.join(tmp, "%s-sign-%d.zone" % (name, i))
            with open(mp, "wb") as f:
                f.write(msg)
            with open(zp, "w") as f:
                f.write("%s._domainkey.%s. TXT %s\n" % (sel.group(1), m.group(1), txt_rdata(rec)))
            lines.append([mp, "replay=" + zp, "now=1700000000"])
        docs, err = run_batch(args, tmp, src + "-sign", lines)
        if docs is None:
            res.append(Result(NAME, src + "/sign-cases", "fail", err))
            continue
        for r, doc in zip(rows, docs):
            got = dkim_results(doc)
            # the vector's own signature is the topmost field
            res.append(judge(src, "sign:" + r["id"], bool(got) and got[0] == "pass", ",".join(got), "pass",
                             "; ".join(str(d.get("why")) for d in doc.get("dkim", [])), doc))
    return res


def arc_sign_vectors(args, tmp):
    """The ValiMail sealing cases used to validate: each expected ARC set prepended to its input
    message must validate (pass; fail when the new seal says cv=fail, RFC 8617 §5.2 step 2);
    no_additional_sig (no set may be added) must read as a failed chain as it is."""
    base = os.path.join(testdata_dir(), "arc", "valimail", "sign")
    src = "arc/valimail"
    if not os.path.exists(os.path.join(base, "cases.tsv")):
        return []
    zones = zones_by_set(tmp, src + "-sign", os.path.join(base, "dns.tsv"))
    zone = list(zones.values())[0]
    rows = read_tsv(os.path.join(base, "cases.tsv"))
    lines, wants = [], []
    for i, r in enumerate(rows):
        msg = open(os.path.join(base, r["file"]), "rb").read()
        exp = open(os.path.join(base, r["expected"]), "rb").read()
        mp = os.path.join(tmp, "arc-sign-%d.eml" % i)
        with open(mp, "wb") as f:
            f.write(exp + msg)
        lines.append([mp, "replay=" + zone])
        wants.append("fail" if not exp.strip() or r["cv"] == "fail" else "pass")
    docs, err = run_batch(args, tmp, src + "-sign", lines)
    if docs is None:
        return [Result(NAME, src + "/sign", "fail", err)]
    return [judge(src, "sign:" + r["id"], (d.get("arc") or {}).get("result") == w,
                  (d.get("arc") or {}).get("result"), w, str((d.get("arc") or {}).get("why")), d)
            for r, w, d in zip(rows, wants, docs)]


def run(args):
    td = testdata_dir()
    res = []
    with tempfile.TemporaryDirectory() as tmp:
        res.extend(cli_tests(args, tmp))
    if not os.path.isdir(os.path.join(td, "dkim-message")):
        return res + [skip_or_fail(NAME, "message vectors", "%s/dkim-message not found" % td)]
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(os.path.join(td, "dkim-message"))):
            res.extend(dkim_source(args, tmp, name))
        res.extend(dkimpy_recipes(args, tmp))
        res.extend(mox_recipes(args, tmp))
        res.extend(sign_vectors(args, tmp))
        res.extend(arc_sign_vectors(args, tmp))
        for name in sorted(os.listdir(os.path.join(td, "arc"))):
            res.extend(arc_source(args, tmp, name))
        res.extend(dmarc_authheaders(args, tmp))
        res.extend(dmarc_rspamd(args, tmp))
        for name in sorted(os.listdir(os.path.join(td, "auth-results"))):
            res.extend(authres_source(args, name))
    # per source: counts, and the 5% bound on contested cases
    by = {}
    for r in res:
        if r.name.startswith("cli/"):
            continue
        src = "/".join(r.name.split("/")[:2])
        s = by.setdefault(src, [0, 0, 0])
        s[0] += 1
        s[1] += r.status == "pass"
        s[2] += "(contested)" in r.name
    for src, (n, p, c) in sorted(by.items()):
        print("message: %s: %d/%d pass (%d contested)" % (src, p, n, c))
        if c > 0.05 * n:
            res.append(Result(NAME, src + " contested bound", "fail",
                              "%d of %d cases contested (more than 5%%)" % (c, n)))
    doc = open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "vectors", "MESSAGE.md"), encoding="utf-8").read()
    for (src, cid) in CONTESTED:
        if "`%s/%s`" % (src, cid) not in doc:
            res.append(Result(NAME, "%s/%s listed" % (src, cid), "fail",
                              "contested case not listed in tests/vectors/MESSAGE.md"))
    return res
