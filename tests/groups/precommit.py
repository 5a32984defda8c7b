"""tests/groups/precommit.py - the pre-commit hooks a DNS repository uses (.pre-commit-hooks.yaml).

- manifest: `pre-commit validate-manifest` accepts the file (pre-commit's own schema);
- the hook run for real by `pre-commit try-repo` in a throw-away git repository: a clean zone
  passes (its offline unknowns do not fail the commit), a zone with an error finding fails and
  names the finding, an octoDNS file is picked up by the octoDNS hook, and a file that is not a
  zone is left alone. PRE_COMMIT_HOME is a temporary folder; nothing is fetched.
"""
import os
import shutil
import subprocess
import tempfile

from harness import ROOT, Result

NAME = "precommit"

GOOD = """$ORIGIN example.test.
@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
@ 3600 IN MX 10 mail
mail 3600 IN A 192.0.2.25
@ 300 IN TXT "v=spf1 mx -all"
_dmarc 300 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"
"""
# +all authorises the whole Internet: spf.all.pass is an error.
BAD = GOOD.replace("v=spf1 mx -all", "v=spf1 mx +all")


def _git(repo, *argv):
    subprocess.run(["git", "-C", repo] + list(argv), check=True, capture_output=True,
                   env=dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.test",
                            GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.test"))


def _try(repo, home, hook, files, mailsec):
    env = dict(os.environ, PRE_COMMIT_HOME=home, MAILSEC=mailsec)
    # try-repo clones this repository (corpora and all): slow on a loaded machine, so the
    # bound is generous, and running out of it is this check's failure, not the run's end.
    limit = 300 * float(os.environ.get("MAILSEC_TEST_TIME_SCALE", "1"))
    try:
        p = subprocess.run(["pre-commit", "try-repo", ROOT, hook, "--verbose", "--files"] + files,
                           cwd=repo, capture_output=True, env=env, timeout=limit)
    except subprocess.TimeoutExpired:
        return -1, "pre-commit try-repo did not finish within %.0f s" % limit
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def run(args):
    out = []

    def check(name, ok, detail=""):
        out.append(Result(NAME, name, "pass" if ok else "fail", detail))

    if not shutil.which("pre-commit"):
        if os.environ.get("CI") == "true":
            return [Result(NAME, "pre-commit", "fail", "pre-commit not installed (scripts/deps/records.txt)")]
        return [Result(NAME, "pre-commit", "skip", "pre-commit not installed (make deps)")]
    p = subprocess.run(["pre-commit", "validate-manifest", os.path.join(ROOT, ".pre-commit-hooks.yaml")],
                       capture_output=True)
    check("manifest valid", p.returncode == 0, (p.stdout + p.stderr).decode("utf-8", "replace"))

    mailsec = os.path.abspath(args.mailsec)
    tmp = tempfile.mkdtemp(prefix="mailsec-precommit-")
    try:
        repo = os.path.join(tmp, "dns")
        home = os.path.join(tmp, "home")
        os.makedirs(os.path.join(repo, "config"))
        _git(repo, "init", "-q")
        files = {"good.zone": GOOD, "bad.zone": BAD, "notes.txt": "v=spf1 +all\n",
                 "config/example.test.yaml": "'':\n  - type: TXT\n    value: v=spf1 -all\n"}
        for name, text in files.items():
            with open(os.path.join(repo, name), "w") as f:
                f.write(text)
        _git(repo, "add", "-A")

        rc, text = _try(repo, home, "mailsec-lint", ["good.zone"], mailsec)
        check("clean zone passes", rc == 0 and "Passed" in text, text[-2000:])
        rc, text = _try(repo, home, "mailsec-lint", ["bad.zone"], mailsec)
        check("error finding fails the commit", rc == 1 and "Failed" in text and "spf" in text, text[-2000:])
        rc, text = _try(repo, home, "mailsec-lint", ["notes.txt"], mailsec)
        check("other files are left alone", rc == 0 and "no files to check" in text, text[-2000:])
        rc, text = _try(repo, home, "mailsec-lint-octodns", ["config/example.test.yaml"], mailsec)
        check("octoDNS file linted", "example.test" in text and "Passed" in text and rc == 0, text[-2000:])
        rc, text = _try(repo, home, "mailsec-lint", ["good.zone"], os.path.join(tmp, "no-such-mailsec"))
        check("missing mailsec fails loudly", rc == 1 and "not found" in text, text[-2000:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
