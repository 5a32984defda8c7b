"""tests/groups/cli.py - the command-line contract: exit codes, options, config, profiles, help."""
import concurrent.futures
import json
import os
import re
import tempfile

from harness import ROOT, Result, validate_json
from harness import run as run_cmd

NAME = "cli"
CASES = os.path.join(ROOT, "tests", "cases", "mx")
CLI = os.path.join(ROOT, "tests", "cli")


def t(name, argv, want_rc, want_out=None, want_err=None, json_check=None, not_out=None, not_err=None,
      out_check=None):
    """One run: exit code, text wanted (or not) on stdout and stderr, a check of the JSON or the text."""
    return (name, argv, want_rc, want_out, want_err, json_check, not_out, not_err, out_check)


def ids(doc):
    return {f["id"]: f["severity"] for d in doc["domains"] for f in d["findings"]}


SEVS = ("pass", "info", "warning", "error", "unknown")


def grade_of(c):
    """docs/grades.md, written again independently of src/core/grade.c."""
    if c["unknown"] and not (c["pass"] + c["info"] + c["warning"] + c["error"]):
        return "?"
    letter = "F" if c["error"] >= 2 else "D" if c["error"] == 1 else "C" if c["warning"] >= 3 else \
        "B" if c["warning"] else "A"
    return letter + ("?" if c["unknown"] else "")


def area_grades(doc, want, want_domain):
    """Issue 13 item 4: summary.areas is one entry per area with findings, in findings order, each with that
    area's counts and grade; the first domain's grades are want (area -> grade) and want_domain."""
    for d in doc["domains"]:
        areas = d["summary"].get("areas")
        order = []
        for f in d["findings"]:
            if f["area"] not in order:
                order.append(f["area"])
        if areas is None or list(areas) != order:
            return False
        for a in order:
            c = {k: sum(1 for f in d["findings"] if f["area"] == a and f["severity"] == k) for k in SEVS}
            if {k: areas[a][k] for k in SEVS} != c or areas[a]["grade"] != grade_of(c):
                return False
    d = doc["domains"][0]
    return ({a: v["grade"] for a, v in d["summary"]["areas"].items()} == want
            and d["summary"]["grade"] == want_domain)


TESTS = [
    t("no arguments is a usage error", [], 2),
    t("unknown command", ["frobnicate"], 2, want_err="unknown command"),
    t("unknown option", ["check", "--frob", "example.test"], 2, want_err="unknown option"),
    t("option without its argument", ["check", "example.test", "--timeout"], 2),
    t("bad timeout", ["check", "--timeout", "-1", "example.test"], 2, want_err="--timeout"),
    t("no domain", ["check", "--replay", os.path.join(CASES, "no-mx.case")], 2, want_err="at least one domain"),
    t("invalid domain", ["check", "exa mple.test"], 2, want_err="not a domain name"),
    t("single-label domain", ["check", "localhost"], 2, want_err="fully qualified"),
    t("non-ASCII domain asks for the A-label", ["check", "b\u00fccher.test"], 2, want_err="xn--"),
    t("unknown profile", ["check", "--profile", "nosuch", "example.test"], 2, want_err="no profile named"),
    t("unreadable replay file", ["check", "--replay", "/nonexistent/x.case", "example.test"], 2),
    t("unknown --only area", ["check", "--only", "nosuch", "example.test"], 2, want_err="unknown area"),
    t("config with an unknown key", ["check", "--config", os.path.join(CLI, "bad-config.json"), "example.test"], 2,
      want_err="ignroe"),
    t("records parked refuses reports addressed to the parked domain itself",
      ["records", "parked", "example.org", "--rua", "mailto:d@EXAMPLE.org"], 2, want_err="bounce"),
    t("the suite never reaches the host's resolver",
      ["check", "example.org"], 2, want_err="refusing to use the system's resolver"),
    t("dkim keygen has its own usage", ["dkim", "keygen", "--help"], 0, want_out="usage: mailsec dkim keygen"),
    t("dkim-keygen is kept as an alias of dkim keygen", ["dkim-keygen", "--help"], 0,
      want_out="usage: mailsec dkim keygen"),
    t("help dkim keygen", ["help", "dkim", "keygen"], 0, want_out="usage: mailsec dkim keygen"),
    t("help lists dkim keygen, never dkim-keygen", ["help"], 0, want_out="dkim keygen", not_out="dkim-keygen"),
    t("the man page says dkim keygen, never dkim-keygen", ["help", "--man"], 0, want_out="dkim keygen",
      not_out="dkim\\-keygen"),
    t("dkim help points at dkim keygen", ["dkim", "--help"], 0, want_out="'dkim keygen' makes a key pair",
      not_out="dkim-keygen"),
    t("records advice says dkim keygen", ["records", "new", "example.org"], 0,
      want_out="'mailsec dkim keygen --selector selector --domain example.org'", not_out="dkim-keygen"),
    t("dkim keygen --help documents its own --domain", ["dkim", "keygen", "--help"], 0,
      want_out="The signing domain (d=)", not_out="dmarc lint"),
    t("dmarc --help documents its own --domain", ["dmarc", "--help"], 0,
      want_out="dmarc lint: the domain the record is published for", not_out="signing domain"),
    t("records --help gives the parked TTL it prints (3600)", ["records", "--help"], 0,
      want_out="3600 for MX and for a parked domain's records", not_out="86400"),
    t("records parked prints that TTL", ["records", "parked", "example.org"], 0,
      want_out="example.org. 3600 IN MX 0 ."),
    t("spf usage shows lint's optional DOMAIN", ["spf", "--help"], 0, want_out="spf lint [OPTIONS] RECORD [DOMAIN]"),
    t("check --help documents its own --helo", ["check", "--help"], 0, want_out="also audit the SPF",
      not_out="%{h}"),
    t("spf --help documents its own --helo", ["spf", "--help"], 0, want_out="the %{h} macro",
      not_out="also audit the SPF"),
    t("plan takes --dkim-selector", ["plan", "--dkim-selector", "s1", "--help"], 0, want_out="--dkim-selector"),
    t("plan still takes --selectors", ["plan", "--selectors", "s1", "--help"], 0, not_out="--selectors"),
    t("diff takes --dkim-selector", ["diff", "--dkim-selector", "s1", "--help"], 0, want_out="--dkim-selector"),
    t("diff still takes --selectors", ["diff", "--selectors", "s1", "--help"], 0, not_out="--selectors"),
    t("the man page names the old --selectors", ["help", "--man"], 0,
      want_out="The former name of \\fB\\-\\-dkim\\-selector"),
    t("help --help exits 0", ["help", "--help"], 0, want_out="usage: mailsec help"),
    t("help -h exits 0", ["help", "-h"], 0, want_out="usage: mailsec help"),
    t("help with an unknown option", ["help", "--frob"], 2, want_err="unknown option --frob"),
    t("--only '' is refused", ["check", "--only", "", "--replay", os.path.join(CASES, "no-mx.case"), "example.test"],
      2, want_err="--only names no area", not_out="grade"),
    t("--only ',' is refused", ["check", "--only", ",", "--replay", os.path.join(CASES, "no-mx.case"),
                                "example.test"], 2, want_err="--only names no area"),
    t("lint --only '' is refused", ["lint", "--only", "", os.path.join(ROOT, "tests", "records", "plan",
                                                                        "servfail.zone")],
      2, want_err="--only names no area"),
    t("an unknown short option is named", ["check", "-xyz", "example.test"], 2,
      want_err='unknown option -x (in "-xyz")', not_err="unknown option check"),
    t("a record split by the shell is explained", ["spf", "lint", "v=spf1", "-all"], 2,
      want_err="quote the record as one argument: 'v=spf1 -all'", not_err="unknown option v=spf1"),
    t("spf lint refuses a DOMAIN that is not one", ["spf", "lint", "--", "v=spf1", "-all"], 2,
      want_err="quote it ('v=spf1 -all')"),
    t("a flag given an argument", ["check", "--json=1", "example.test"], 2,
      want_err="option --json takes no argument"),
    t("dkim keygen needs a selector", ["dkim", "keygen"], 2, want_err="--selector"),
    t("help lists commands", ["help"], 0, want_out="check"),
    t("help for a command lists its options", ["help", "check"], 0, want_out="--only"),
    t("help for a finding id prints its page", ["help", "mx.target.cname"], 0, want_out="## How to fix"),
    t("help findings lists ids", ["help", "findings"], 0, want_out="mx.null.mixed"),
    t("help profiles lists generic", ["help", "profiles"], 0, want_out="generic"),
    t("help profile prints JSON", ["help", "profile", "generic"], 0, want_out='"name": "generic"'),
    t("help for nothing known", ["help", "nosuch.thing"], 2),
    t("--help on check", ["check", "--help"], 0, want_out="usage: mailsec check"),
    t("version", ["version"], 0, want_out="mailsec "),
    t("--stats prints the run's figures on stderr",
      ["check", "--stats", "--only", "mx", "--replay", os.path.join(CASES, "no-mx.case"), "example.test"], 0,
      want_err="1 domain in "),
    t("--stats counts the DNS queries",
      ["check", "--stats", "--only", "mx", "--replay", os.path.join(CASES, "no-mx.case"), "example.test"], 0,
      want_err=" DNS queries ("),
    t("--stats counts the STARTTLS probes made and saved",
      ["check", "--stats", "--only", "mx", "--replay", os.path.join(CASES, "no-mx.case"), "example.test"], 0,
      want_err="0 STARTTLS probes made, 0 saved by sharing"),
    t("man page", ["help", "--man"], 0, want_out=".TH MAILSEC 1"),
    t("profile file raises a severity",
      ["check", "--json", "--profile", os.path.join(CLI, "strict-profile.json"),
       "--replay", os.path.join(CASES, "ipv6-only-target.case"), "example.test"], 1,
      json_check=lambda d: ids(d).get("mx.target.ipv6-only") == "error" and d["profile"] == "strict-test"),
    t("profile cannot re-grade unknown",
      ["check", "--json", "--only", "mx", "--profile", os.path.join(CLI, "strict-profile.json"),
       "--replay", os.path.join(CASES, "servfail.case"), "example.test"], 3,
      json_check=lambda d: ids(d).get("mx.lookup.failed") == "unknown"),
    t("config file supplies --ignore",
      ["check", "--json", "--only", "mx", "--config", os.path.join(CLI, "ignore-config.json"),
       "--replay", os.path.join(CASES, "ipv6-only-target.case"), "example.test"], 0,
      json_check=lambda d: "mx.target.ipv6-only" not in ids(d)),
    t("--ignore by area drops the area",
      ["check", "--json", "--only", "mx", "--ignore", "mx", "--replay", os.path.join(CASES, "cname-target.case"), "example.test"], 0,
      json_check=lambda d: ids(d) == {}),
    t("--ignore by prefix",
      ["check", "--json", "--only", "mx", "--ignore", "mx.target.", "--replay", os.path.join(CASES, "cname-target.case"),
       "example.test"], 0, json_check=lambda d: set(ids(d)) == {"mx.present"}),
    t("domains keep input order in --json",
      ["check", "--json", "--replay", os.path.join(CASES, "several-priorities.case"),
       "zzz.test", "example.test", "aaa.test", "example.test."], 1,
      json_check=lambda d: [x["domain"] for x in d["domains"]] == ["zzz.test", "example.test", "aaa.test", "example.test"]),
    t("--domains file after command-line domains",
      ["check", "--json", "--replay", os.path.join(CASES, "several-priorities.case"),
       "--domains", os.path.join(CLI, "domains.txt"), "first.test"], 1,
      json_check=lambda d: [x["domain"] for x in d["domains"]] == ["first.test", "example.test", "second.test"]),
    t("per-area grades: an area that knows nothing has none (JSON)",
      ["check", "--json", "--only", "mx,dmarc,spf", "--replay", os.path.join(CASES, "bogus-domain.case"),
       "example.test"], 1,
      json_check=lambda d: area_grades(d, {"mx": "?", "dmarc": "D", "spf": "?"}, "D?")),
    t("per-area grades: letters per area (JSON)",
      ["check", "--json", "--only", "mx,dmarc,spf", "--replay", os.path.join(CASES, "no-mx.case"),
       "example.test", "example.test"], 1,
      json_check=lambda d: area_grades(d, {"mx": "A", "dmarc": "D", "spf": "A"}, "D")),
    t("per-area grades in the text headings",
      ["check", "--only", "mx,dmarc,spf", "--replay", os.path.join(CASES, "bogus-domain.case"), "example.test"], 1,
      out_check=lambda o: "\n  mx  no grade: nothing could be determined\n" in o and "\n  dmarc  grade D\n" in o
      and "\n  spf  no grade: nothing could be determined\n" in o and o.rstrip().endswith("grade D?")),
    t("--concurrency 1 gives the same report",
      ["check", "--json", "--only", "mx", "--concurrency", "1", "--replay", os.path.join(CASES, "several-priorities.case"),
       "example.test", "example.test"], 0,
      json_check=lambda d: d["domains"][0]["findings"] == d["domains"][1]["findings"]),
]


def one(args, test):
    name, argv, want_rc, want_out, want_err, json_check, not_out, not_err, out_check = test
    rc, out, err = run_cmd([args.mailsec] + argv, wrapper=args.wrapper)
    problems = []
    if rc != want_rc:
        problems.append("exit %d, want %d" % (rc, want_rc))
    if want_out and want_out not in out:
        problems.append("stdout lacks %r" % want_out)
    if want_err and want_err not in err:
        problems.append("stderr lacks %r: %s" % (want_err, err.strip()[:300]))
    if not_out and not_out in out:
        problems.append("stdout has %r" % not_out)
    if not_err and not_err in err:
        problems.append("stderr has %r: %s" % (not_err, err.strip()[:300]))
    if out_check and not out_check(out):
        problems.append("output check failed: " + out[:1500])
    if json_check:
        try:
            doc = json.loads(out)
            problems += ["schema: " + e for e in validate_json(doc)]
            if not json_check(doc):
                problems.append("JSON check failed: " + out[:1500])
        except ValueError as e:
            problems.append("not JSON: %s" % e)
    if "AddressSanitizer" in err or "runtime error:" in err:
        problems.append("sanitizer: " + err[-2000:])
    return Result(NAME, name, "fail" if problems else "pass", "\n".join(problems))


def commands(args):
    """Every command and subcommand the command table documents, from the synopses of the man page."""
    rc, man, err = run_cmd([args.mailsec, "help", "--man"])
    found = []
    for line in man.splitlines():
        if not line.startswith(".B mailsec "):
            continue
        synopsis = line[len(".B mailsec "):].replace("\\-", "-").replace("\\&", "")
        first = synopsis.split()[0]
        for alt in synopsis.split(" | "):
            words = alt.split()
            if words[0] != first:
                continue    # "help [COMMAND | FINDING-ID]": inside brackets, not another form
            cmd = [words[0]]
            if cmd not in found:
                found.append(cmd)
            if len(words) < 2 or words[1][0] in "[-" or words[1][0].isupper() and "|" not in words[1]:
                continue
            for sub in words[1].split("|"):
                if re.match(r"^[a-z][a-z0-9-]*$", sub) and [words[0], sub] not in found:
                    found.append([words[0], sub])
    return found


def every_command(args):
    """--help exits 0 with the usage, and an unknown option exits 2, for every command and subcommand."""
    cmds = commands(args)
    if len(cmds) < 20 or ["dkim", "keygen"] not in cmds or ["reports", "quarantine"] not in cmds:
        return None
    tests = []
    for cmd in cmds:
        name = " ".join(cmd)
        tests.append(t("%s --help exits 0" % name, cmd + ["--help"], 0, want_out="usage: mailsec "))
        if len(cmd) == 1:
            tests.append(t("%s -h exits 0" % name, cmd + ["-h"], 0, want_out="usage: mailsec "))
        tests.append(t("%s with an unknown option exits 2" % name, cmd + ["--no-such-option"], 2,
                       want_err="unknown option --no-such-option"))
    return tests


def with_files(tmp):
    """Tests that need a file written first (into tmp)."""
    db = os.path.join(tmp, "empty.db")
    batch = os.path.join(tmp, "batch.txt")
    with open(batch, "w") as f:
        f.write("192.0.2.1 a@example.test\n" * 100001)
    return [
        t("reports quarantine with nothing quarantined says so",
          ["reports", "quarantine", "--db", db], 0, want_out="nothing quarantined"),
        t("reports quarantine --json with nothing quarantined",
          ["reports", "quarantine", "--json", "--db", db + "2"], 0, not_out="nothing quarantined",
          out_check=lambda out: json.loads(out)["rejected"] == []),
        t("spf eval --batch past 100,000 lines names the limit",
          ["spf", "eval", "--batch", batch, "--replay", os.path.join(CASES, "no-mx.case")], 2,
          want_err="batch.txt:100001: more than 100000 evaluations: one batch takes at most 100000 lines",
          not_err="want IP SENDER"),
    ]


def progress(args):
    """check --domains draws done/total on a terminal's stderr (issue 14 item 17), never in
    pipes or JSON; the line is erased before the report and at the end."""
    import pty
    import subprocess
    out = []
    base = ["check", "--only", "mx", "--replay", os.path.join(CASES, "several-priorities.case"),
            "--domains", os.path.join(CLI, "domains.txt")]
    for name, extra, tty, want in (("progress line on a terminal", [], True, True),
                                   ("no progress line with --json", ["--json"], True, False),
                                   ("no progress line in a pipe", [], False, False)):
        master, slave = pty.openpty()
        p = subprocess.Popen([args.mailsec] + base + extra, stdout=subprocess.PIPE,
                             stderr=slave if tty else subprocess.PIPE)
        os.close(slave)
        stdout, stderr = p.communicate(timeout=60)
        err = b""
        if tty:
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                err += chunk
        os.close(master)
        err += stderr or b""
        drawn = re.search(rb"\r[12]/2 domains", err) is not None
        ok = p.returncode in (0, 1) and drawn == want and re.search(rb"[12]/2 domains", stdout) is None
        if want:
            ok = ok and err.endswith(b"\r\x1b[K") and b"2/2 domains" in err
        out.append(Result(NAME, name, "pass" if ok else "fail", "rc=%s stderr=%r" % (p.returncode, err[-300:])))
    return out


def jobs(args):
    """check --jobs N (issue 23 item 2): every case file's zone at once, as one replay (bench/replay-cases),
    gives the same report with 3 workers as with one process: byte for byte for --json (but its
    "generated" time), text, CSV and SARIF, the same lines for --jsonl, the same exit code; --stats
    sums the workers; refused with --db and outside 1..64."""
    import subprocess
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        zone, doms = os.path.join(tmp, "rc.zone"), os.path.join(tmp, "rc.domains")
        subprocess.run([os.path.join(ROOT, "bench", "replay-cases"), zone, doms], check=True,
                       stdout=subprocess.DEVNULL)
        env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000", NO_COLOR="1")
        base = [args.mailsec, "check", "--replay", zone, "--domains", doms]

        def go(extra):
            p = subprocess.run(base + extra, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               timeout=300)
            return p.returncode, p.stdout.decode(), p.stderr.decode()

        for fmt in (["--json"], ["--format", "text"], ["--format", "csv"], ["--format", "sarif"],
                    ["--jsonl"]):
            r1, o1, _ = go(fmt)
            r3, o3, e3 = go(fmt + ["--jobs", "3", "--stats"])
            if fmt == ["--json"]:
                o1, o3 = (re.sub(r'"generated": "[^"]*"', "", o) for o in (o1, o3))
            if fmt == ["--jsonl"]:
                o1, o3 = (sorted(o.splitlines()) for o in (o1, o3))
            n = len(open(doms).read().split())
            ok = r1 == r3 and r1 in (1, 3) and o1 == o3 and len(o1) > 0 and \
                ("mailsec: %d domains in" % n) in e3 and "in all processes" in e3
            out.append(Result(NAME, "check --jobs 3 %s: the report of one process" % " ".join(fmt),
                              "pass" if ok else "fail", "rc %s/%s, same %s, stderr %r" % (r1, r3, o1 == o3, e3[-300:])))
        r, _, e = go(["--jobs", "2", "--db", os.path.join(tmp, "h.db")])
        out.append(Result(NAME, "check --jobs with --db is refused", "pass" if r == 2 and "--db" in e else "fail",
                          "rc %s %r" % (r, e)))
        r, _, e = go(["--jobs", "65"])
        out.append(Result(NAME, "check --jobs 65 is refused", "pass" if r == 2 and "1 to 64" in e else "fail",
                          "rc %s %r" % (r, e)))
    return out


def run(args):
    res = progress(args)
    res += jobs(args)
    tests = list(TESTS)
    every = every_command(args)
    if every is None:
        res.append(Result(NAME, "the command table's commands and subcommands", "fail",
                          repr(commands(args))))
    else:
        tests += every
    with tempfile.TemporaryDirectory() as tmp:
        tests += with_files(tmp)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs or 1)) as pool:
            res += list(pool.map(lambda test: one(args, test), tests))
    return res
