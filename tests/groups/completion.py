"""tests/groups/completion.py - shell completion scripts (issue 14 item 18).

The scripts `mailsec help --completion bash|zsh|fish` prints (and meson builds into
build/completions/ for `meson install`) are generated from the command and option tables:
- each parses (bash -n, zsh -n, fish -n) and the built files are what the program prints;
- bash and fish are asked for real completions (bash: COMP_WORDS and the _mailsec function;
  fish: `complete -C`): commands, subcommands, a two-word command's own options, choices of
  an option's argument, file names after a FILE option, and every option `help check` lists;
- an unknown shell is a usage error (exit 2).
"""
import os
import re
import shutil
import subprocess
import tempfile

from harness import Result
from harness import run as run_cmd

NAME = "completion"


def bash_complete(script, words):
    """COMPREPLY of _mailsec for the command line words (the last one is being completed)."""
    words_q = " ".join("'%s'" % w.replace("'", "'\\''") for w in words)
    prog = 'source "%s"; COMP_WORDS=(%s); COMP_CWORD=%d; _mailsec; printf "%%s\\n" "${COMPREPLY[@]}"' % (
        script, words_q, len(words) - 1)
    p = subprocess.run(["bash", "-c", prog], capture_output=True, timeout=30)
    return [w for w in p.stdout.decode().split("\n") if w]


def fish_complete(script, line):
    p = subprocess.run(["fish", "-c", 'source "%s"; complete -C "%s"' % (script, line)],
                       capture_output=True, timeout=30)
    return [w.split("\t")[0] for w in p.stdout.decode().split("\n") if w]


def run(args):
    out = []

    def check(name, ok, detail=""):
        out.append(Result(NAME, name, "pass" if ok else "fail", detail))

    scripts = {}
    for sh, built in (("bash", "mailsec"), ("zsh", "_mailsec"), ("fish", "mailsec.fish")):
        rc, text, err = run_cmd([args.mailsec, "help", "--completion", sh])
        check("%s: printed" % sh, rc == 0 and "mailsec" in text, err)
        path = os.path.join(args.build, "completions", built)
        check("%s: built file is what the program prints" % sh,
              os.path.exists(path) and open(path).read() == text, path)
        scripts[sh] = text
    rc, _, err = run_cmd([args.mailsec, "help", "--completion", "tcsh"])
    check("unknown shell: exit 2", rc == 2 and "tcsh" in err, err)

    missing = [sh for sh in ("bash", "zsh", "fish") if not shutil.which(sh)]
    if missing:
        status = "fail" if os.environ.get("CI") == "true" else "skip"
        out.append(Result(NAME, "shells", status, "not installed: %s (scripts/deps/completion.txt)"
                          % " ".join(missing)))
        return out

    tmp = tempfile.mkdtemp(prefix="mailsec-completion-")
    try:
        files = {}
        for sh, text in scripts.items():
            files[sh] = os.path.join(tmp, "mailsec." + sh)
            with open(files[sh], "w") as f:
                f.write(text)
            flag = ["-n"]
            p = subprocess.run([sh] + flag + [files[sh]], capture_output=True)
            check("%s -n parses it" % sh, p.returncode == 0, p.stderr.decode())

        # what the program says a command takes, from its own --help
        _, usage, _ = run_cmd([args.mailsec, "help", "check"])
        check_opts = sorted(set(re.findall(r"(?m)^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)", usage)))
        _, overview, _ = run_cmd([args.mailsec, "help"])
        commands = re.findall(r"(?m)^  ([a-z][a-z-]*)  ", overview)

        b = files["bash"]
        got = bash_complete(b, ["mailsec", ""])
        check("bash: every command", commands and all(c in got for c in commands), "%s vs %s" % (commands, got))
        check("bash: a command by prefix", bash_complete(b, ["mailsec", "hi"]) == ["history"])
        check("bash: subcommands", sorted(bash_complete(b, ["mailsec", "spf", ""])) == ["eval", "lint", "tree"])
        got = bash_complete(b, ["mailsec", "check", "--"])
        check("bash: every option help check lists", check_opts and all(o in got for o in check_opts),
              "missing: %s" % [o for o in check_opts if o not in got])
        check("bash: choices of an argument",
              sorted(bash_complete(b, ["mailsec", "check", "--dmarc-rules", ""])) == ["7489", "9989", "both"])
        check("bash: two-word command's own options",
              bash_complete(b, ["mailsec", "dkim", "keygen", "--ty"]) == ["--type"]
              and "--type" not in bash_complete(b, ["mailsec", "dkim", "--"]))
        open(os.path.join(tmp, "zone-a.zone"), "w").close()
        got = bash_complete(b, ["mailsec", "check", "--replay", os.path.join(tmp, "zone-")])
        check("bash: file names after a FILE option", got == [os.path.join(tmp, "zone-a.zone")], str(got))
        check("bash: nothing after a value option", bash_complete(b, ["mailsec", "check", "--timeout", ""]) == [])

        f = files["fish"]
        got = fish_complete(f, "mailsec ")
        check("fish: every command", commands and all(c in got for c in commands), str(got))
        check("fish: subcommands", sorted(fish_complete(f, "mailsec records ")) == ["dmarc", "mta-sts", "new", "parked"])
        got = fish_complete(f, "mailsec check --")
        check("fish: every option help check lists", all(o in got for o in check_opts),
              "missing: %s" % [o for o in check_opts if o not in got])
        check("fish: choices of an argument",
              sorted(fish_complete(f, "mailsec check --dmarc-rules ")) == ["7489", "9989", "both"])
        check("fish: two-word command's own options",
              "--type" in fish_complete(f, "mailsec dkim keygen --") and
              "--type" not in fish_complete(f, "mailsec dkim --"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
