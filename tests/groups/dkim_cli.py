"""tests/groups/dkim_cli.py - the lint commands' usage and the profile contract of issue 5.

- `mailsec dkim lint` / `tlsrpt lint`: usage errors exit 2, '-' reads standard
  input, text and --json agree, --profile changes the verdict's thresholds.
- uk-public-sector: on the fixture publishing the profile's values no finding
  has `profile` set; removing the NCSC DMARC or TLS-RPT address yields exactly
  one, and its message names the profile (tests/cases/profile/*.case are the
  fixtures).
"""
import json
import os
import tempfile
import subprocess

from harness import ROOT, Result, validate_json

NAME = "dkim-cli"


def run(args):
    res = []

    def mailsec(argv, stdin=None):
        p = subprocess.run((args.wrapper or []) + [args.mailsec] + argv, input=stdin,
                           capture_output=True, timeout=60)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def check(name, ok, detail=""):
        res.append(Result(NAME, name, "pass" if ok else "fail", detail))

    rc, out, err = mailsec(["dkim"])
    check("dkim without lint: usage, exit 2", rc == 2 and "lint" in err, err)
    rc, out, err = mailsec(["dkim", "lint"])
    check("dkim lint without RECORD: exit 2", rc == 2, err)
    rc, out, err = mailsec(["dkim", "lint", "a", "b"])
    check("dkim lint with two records: exit 2", rc == 2, err)
    rc, out, err = mailsec(["tlsrpt", "lint", "--nosuch", "x"])
    check("unknown option: exit 2", rc == 2, err)
    rc, out, err = mailsec(["dkim", "lint", "--profile", "nosuch", "v=DKIM1; p="])
    check("unknown profile: exit 2", rc == 2, err)
    rc, out, err = mailsec(["tlsrpt", "lint", "-"], stdin=b"v=TLSRPTv1; rua=mailto:a@example.org\n")
    check("tlsrpt lint - reads stdin (trailing newline dropped)", rc == 0 and out.strip().endswith("valid"), out + err)
    rc, out, err = mailsec(["dkim", "lint", "v=DKIM1, k-rsa, MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ"])
    check("dkim lint text: the seed typo is an error with advice", rc == 1 and "dkim.record.syntax" in out
          and "publish:" in out and out.strip().endswith("invalid"), out + err)
    # A problem's offset is said once, whether the message names it or the finding adds it.
    rc, out, err = mailsec(["dkim", "lint", "v=DKIM1; k=rsa; 1x=y; p="])
    check("dkim lint: the offset is given once", rc == 1 and "must start with a letter (offset 16)  " in out
          and out.count("offset") == 1, out + err)
    rc, out, err = mailsec(["dkim", "lint", "v=DKIM1; k=rsa; p=MIIB!"])
    check("dkim lint: an offset in the message is not repeated", rc == 1 and "'!' at offset 22  " in out
          and out.count("offset") == 1, out + err)
    rc, out, err = mailsec(["tlsrpt", "lint", "v=TLSRPTv1; rua=mailto:a@example.org; !x=1"])
    check("tlsrpt lint: the offset is given once", rc == 1 and "(offset 38)  " in out
          and out.count("offset") == 1, out + err)
    key = open(os.path.join(ROOT, "fuzz", "corpus", "dkim_key", "pkcs1")).read()  # a 1024-bit key
    rc, out, err = mailsec(["dkim", "lint", "--json", key])
    doc = json.loads(out) if rc in (0, 1) else {}
    check("1024-bit key: valid with the rsa-short warning (generic)",
          rc == 0 and doc.get("parsed", {}).get("bits") == 1024 and
          any(f["id"] == "dkim.key.rsa-short" and f["profile"] is None for f in doc.get("findings", [])), out + err)
    rc, out, err = mailsec(["help", "dkim"])
    check("help dkim documents lint", rc == 0 and "dkim lint" in out, out + err)

    # Selectors from the config file; the command line replaces them.
    case = os.path.join(ROOT, "tests", "cases", "dkim", "explicit-selector-ok.case")
    cfg = os.path.join(ROOT, "tests", "cli", "dkim-selectors.json")
    rc, out, err = mailsec(["check", "--config", cfg, "example.test", "--only", "dkim", "--json",
                            "--replay", case])
    sel = json.loads(out)["domains"][0]["facts"]["dkim"]["selectors_tried"][:2] if rc == 0 else None
    check("config dkim_selectors are tried first", rc == 0 and sel == ["other", "x"], out + err)
    rc, out, err = mailsec(["check", "--config", cfg, "--dkim-selector", "gone", "example.test",
                            "--only", "dkim", "--json", "--replay", case])
    ids = [f["id"] for f in json.loads(out)["domains"][0]["findings"]] if rc == 1 else []
    check("--dkim-selector replaces the config's list", rc == 1 and "dkim.selector.missing" in ids
          and ids.count("dkim.key.valid") == 0, out + err)
    rc, out, err = mailsec(["check", "--config", os.path.join(ROOT, "tests", "cli", "dkim-bad-selector.json"),
                            "example.test", "--replay", case])
    check("a config selector that is not DNS labels: exit 2", rc == 2 and "bad selector" in err, err)
    # lint hands its selectors to the dkim area like check: the same refusal, nothing printed.
    with tempfile.TemporaryDirectory() as d:
        zone = os.path.join(d, "example.test.zone")
        with open(zone, "w") as f:
            f.write("$ORIGIN example.test.\n@ 3600 IN SOA ns hostmaster 1 2 3 4 5\n@ IN MX 0 .\n")
        rc, out, err = mailsec(["lint", "--dkim-selector", "bad selector", zone])
    check("lint: a selector that is not DNS labels: exit 2", rc == 2 and out == "" and
          'dkim selector "bad selector" is not DNS labels' in err, out + err)

    # The profile contract, on the case files' fixtures.
    def profile_findings(case, extra):
        path = os.path.join(ROOT, "tests", "cases", "profile", case + ".case")
        dom = "example.gov.uk"
        rc, out, err = mailsec(["check", dom, "--profile", "uk-public-sector", "--dkim-selector", "sel",
                                "--only", "mx,spf,dmarc,dkim,tls-rpt,profile", "--json", "--replay", path] + extra)
        doc = json.loads(out)
        problems = validate_json(doc)
        return [f for d in doc["domains"] for f in d["findings"] if f["profile"]], problems

    got, problems = profile_findings("uk-compliant", [])
    check("uk-public-sector fixture: no finding with profile set", not got and not problems,
          json.dumps(got, indent=1) + "\n".join(problems))
    got, problems = profile_findings("uk-tlsrpt-without-ncsc", [])
    check("uk-public-sector without the NCSC TLS-RPT address: exactly one profile finding, naming it",
          len(got) == 1 and got[0]["id"] == "tls-rpt.required-rua" and got[0]["profile"] == "uk-public-sector"
          and "uk-public-sector" in got[0]["message"] and not problems,
          json.dumps(got, indent=1) + "\n".join(problems))
    got, problems = profile_findings("uk-dmarc-without-ncsc", [])
    check("uk-public-sector without the NCSC DMARC address: exactly one profile finding, naming it",
          len(got) == 1 and got[0]["id"].startswith("dmarc.") and got[0]["profile"] == "uk-public-sector"
          and "uk-public-sector" in got[0]["message"] and not problems,
          json.dumps(got, indent=1) + "\n".join(problems))
    # issue 14 item 11: mta-sts lint, the same parser and findings as check, "did you mean"
    tmp = tempfile.mkdtemp(prefix="mailsec-sts-lint-")
    try:
        bad = os.path.join(tmp, "mta-sts.txt")
        with open(bad, "w") as f:
            f.write("version: STSv1\nmode: enfoce\nmx: mail.example.org\nmax_age: 86400\n")
        rc, out, err = mailsec(["mta-sts", "lint", bad])
        check("mta-sts lint: 'mode: enfoce' is invalid, did you mean enforce, corrected file",
              rc == 1 and "mta-sts.policy.invalid" in out and "did you mean enforce?" in out
              and "mode: enforce" in out and out.strip().endswith("invalid"), out + err)
        rc, out, err = mailsec(["mta-sts", "lint", "-"],
                               stdin=b"version: STSv1\nmode: training\nmx: mail.example.org\nmax_age: 86400\n")
        check("mta-sts lint -: 'mode: training', did you mean testing", rc == 1 and
              "did you mean testing?" in out, out + err)
        rc, out, err = mailsec(["mta-sts", "lint", "--json", "-"],
                               stdin=b"version: STSv1\nmode: enforce\nmx: mail.example.org\nmax_age: 1209600\n")
        doc = json.loads(out) if rc in (0, 1) else {}
        problems = validate_json(doc, "mailsec-mta-sts-lint-1.json") if doc else ["no JSON"]
        check("mta-sts lint --json: a valid enforced policy, schema mailsec-mta-sts-lint/1",
              rc == 0 and doc.get("valid") is True and not problems and
              [f["id"] for f in doc["findings"]] == ["mta-sts.policy.valid", "mta-sts.mode.enforce"],
              out + err + "\n".join(problems))
        rc, out, err = mailsec(["mta-sts", "lint"])
        check("mta-sts lint without FILE: usage, exit 2", rc == 2 and "usage" in err, err)
        rc, out, err = mailsec(["lint", "--json", bad])
        doc = json.loads(out) if rc in (0, 1, 3) else {}
        problems = validate_json(doc, "mailsec-lint-1.json") if doc else ["no JSON"]
        check("lint takes a policy file: its findings under policies, exit 1",
              rc == 1 and not problems and doc["policies"][0]["valid"] is False and
              "did you mean enforce?" in doc["policies"][0]["findings"][0]["message"],
              out[-1500:] + err + "\n".join(problems))
    finally:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)

    # issue 14 item 12: typographic quotes and ',' separators: one diagnosis, the record as meant
    rc, out, err = mailsec(["dkim", "lint", "\u201cv=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ\u201d"])
    check("dkim lint: typographic quotes, corrected record", rc == 1 and "typographic quotes" in out and
          'TXT "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ"' in out, out + err)
    rc, out, err = mailsec(["dkim", "lint", "v=DKIM1, k-rsa, p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ"])
    check("dkim lint: k-rsa with commas, the corrected record keeps the key", rc == 1 and
          'TXT "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ"' in out, out + err)
    return res
