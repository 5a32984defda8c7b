"""tests/groups/accounts.py - the accounts of mailsec serve on SQLite and on a private PostgreSQL.

The commands (users add|list|remove|passwd, tokens add|list|revoke, domains
proof|verify) against a real database: roles and memberships as listed (JSON
validated against docs/schema), the first admin on an empty database, a
generated password printed once, usage errors exit 2 and "no such" exit 1;
what is kept is a hash, never a secret (the database is read back: an
Argon2id string for the password, the SHA-256 of the token, neither secret
anywhere in it); a revoked token listed as revoked.  The library's sign-in
(wrong password denied, the rate limit after 5 failures per name and 20 per
address, sessions ending when idle or at logout, tokens scoped and revoked,
proofs) is tests/unit/test_accounts.c, run here on PostgreSQL too
(MAILSEC_TEST_ACCOUNTS_PG).  Ownership proof by DNS: `mailsec monitor` over
the monitor group's replay world with the workspace's TXT token published
under _mailsec-verify marks that workspace's proof verified (how: dns) and
leaves another workspace's different token pending; by an admin's word:
`domains verify`.  Argon2id runs at a low cost here (MAILSEC_ARGON2_COST, for
the test suite only: docs/serve.md).
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile

from harness import ROOT, Result, skip_or_fail, validate_json
from harness import run as hrun
from pgserver import PgBackend, PgServer, SqliteBackend

NAME = "accounts"
ZONE = os.path.join(ROOT, "tests", "monitor", "world.zone")
SCALE = float(os.environ.get("MAILSEC_TEST_TIME_SCALE", "1"))
ENV = dict(os.environ, MAILSEC_ARGON2_COST="1:256")


def sanitizer(err):
    return "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err


class T:
    def __init__(self, args, be, tmp):
        self.args, self.be, self.tmp, self.res = args, be, tmp, []

    def ms(self, argv, stdin=None, timeout=120):
        cmd = (self.args.wrapper or []) + [self.args.mailsec] + argv
        try:
            p = subprocess.run(cmd, input=stdin.encode() if stdin is not None else None, capture_output=True,
                               timeout=timeout * SCALE, env=ENV, stdin=None if stdin is not None else
                               subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return -999, "", "timed out"
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def check(self, name, problems):
        self.res.append(Result(NAME, self.be.label(name), "fail" if problems else "pass", "\n".join(problems)))


def expect_rc(p, what, rc, want, err):
    if rc != want:
        p.append("%s: exit %d, want %d: %s" % (what, rc, want, err[-600:]))
    if sanitizer(err):
        p.append("%s: sanitizer: %s" % (what, err[-2000:]))


def users(t):
    db = t.be.new("users")
    p = []
    for ws in ("acme", "beta"):
        rc, out, err = t.ms(["workspace", "add", ws, "--db", db])
        expect_rc(p, "workspace add " + ws, rc, 0, err)
    # the first admin, on an empty user table: a generated password, printed once
    rc, out, err = t.ms(["users", "add", "root", "--role", "admin", "--db", db])
    expect_rc(p, "users add root --role admin (first admin)", rc, 0, err)
    m = re.search(r"(?m)^password: (\S+)$", out)
    if not m or len(m.group(1)) != 24:
        p.append("users add without --password-stdin printed no 24-character password: %r" % out)
    gen = m.group(1) if m else "?"
    rc, out, err = t.ms(["users", "add", "alice", "--role", "member", "--workspace", "acme", "--workspace",
                         "beta", "--password-stdin", "--db", db], stdin="correct horse battery\n")
    expect_rc(p, "users add alice --password-stdin", rc, 0, err)
    if "password:" in out:
        p.append("a password given on stdin was printed: %r" % out)
    rc, out, err = t.ms(["users", "add", "vic", "--role", "viewer", "--workspace", "beta", "--password-stdin",
                         "--db", db], stdin="viewer password")
    expect_rc(p, "users add vic (viewer, no newline)", rc, 0, err)
    for argv, stdin, want in ((["users", "add", "alice", "--role", "viewer", "--password-stdin"], "another one!", 1),
                              (["users", "add", "bob", "--role", "root"], None, 2),
                              (["users", "add", "bob"], None, 2),
                              (["users", "add", "bob", "--role", "member", "--workspace", "nosuch"], None, 2),
                              (["users", "add", "b b", "--role", "member"], None, 2),
                              (["users", "add", "bob", "--role", "member", "--password-stdin"], "short\n", 2),
                              (["users", "add", "bob", "--role", "member", "--password-stdin"], "", 2),
                              (["users", "list", "x"], None, 2), (["users", "frob"], None, 2), (["users"], None, 2),
                              (["users", "remove", "nobody"], None, 1),
                              (["users", "passwd", "nobody", "--password-stdin"], "long enough pw", 1),
                              (["users", "remove", "alice", "--role", "admin"], None, 2),
                              (["users", "add", "bob", "--role", "member", "--format", "json"], None, 2)):
        rc, out, err = t.ms(argv + ["--db", db], stdin=stdin)
        expect_rc(p, " ".join(argv), rc, want, err)
    rc, out, err = t.ms(["users", "list", "--db", db, "--format", "json"])
    expect_rc(p, "users list --format json", rc, 0, err)
    if rc == 0:
        doc = json.loads(out)
        p += ["schema: " + e for e in validate_json(doc, "mailsec-users-1.json")]
        got = [(u["name"], u["role"], u["workspaces"]) for u in doc["users"]]
        want = [("alice", "member", ["acme", "beta"]), ("root", "admin", []), ("vic", "viewer", ["beta"])]
        if got != want:
            p.append("users listed %r, want %r (bob must not exist after the refusals)" % (got, want))
    rc, out, err = t.ms(["users", "list", "--db", db])
    expect_rc(p, "users list", rc, 0, err)
    if out.splitlines() != ["alice\tmember\tacme,beta", "root\tadmin\t-", "vic\tviewer\tbeta"]:
        p.append("users list (text): %r" % out)
    # what is kept: Argon2id strings, neither password anywhere in the database
    rows = t.be.query(db, "SELECT name, password_hash FROM users ORDER BY name")
    for name, h in rows:
        if not h or not h.startswith("$argon2id$v=19$"):
            p.append("%s: the stored password is not an Argon2id string: %r" % (name, h))
    dump = repr(t.be.query(db, "SELECT * FROM users"))
    for secret in ("correct horse battery", "viewer password", gen):
        if secret in dump:
            p.append("a password is stored as given: %r" % secret)
    if t.be.name == "sqlite":
        raw = b"".join(open(f, "rb").read() for f in (db, db + "-wal") if os.path.exists(f))
        for secret in ("correct horse battery", "viewer password", gen):
            if secret.encode() in raw:
                p.append("a password is in the database file's bytes: %r" % secret)
    # passwd changes the hash; remove takes the memberships with it
    old = dict(rows).get("alice")
    rc, out, err = t.ms(["users", "passwd", "alice", "--password-stdin", "--db", db], stdin="a new password\n")
    expect_rc(p, "users passwd alice", rc, 0, err)
    new = dict(t.be.query(db, "SELECT name, password_hash FROM users")).get("alice")
    if new == old or not (new or "").startswith("$argon2id$"):
        p.append("users passwd did not store a new Argon2id hash")
    rc, out, err = t.ms(["users", "remove", "vic", "--db", db])
    expect_rc(p, "users remove vic", rc, 0, err)
    n = t.be.query(db, "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id")[0][0]
    left = t.be.query(db, "SELECT COUNT(*) FROM memberships")[0][0]
    if n != 2 or left != 2:
        p.append("after removing vic, memberships %d (joined %d), want alice's 2" % (left, n))
    t.check("users: first admin, roles, memberships, a generated password shown once, list (JSON schema), "
            "passwd, remove, usage errors; only Argon2id hashes kept", p)
    return db


def tokens(t, db):
    p = []
    rc, out, err = t.ms(["users", "add", "carl", "--role", "viewer", "--db", db])
    expect_rc(p, "users add carl", rc, 0, err)
    rc, out, err = t.ms(["tokens", "add", "--user", "alice", "--workspace", "acme", "--db", db])
    expect_rc(p, "tokens add alice acme", rc, 0, err)
    tok = out.strip().splitlines()[-1] if out.strip() else ""
    if not re.fullmatch(r"mst_[0-9a-f]{64}", tok):
        p.append("tokens add: the last line is not a token: %r" % out)
    rc, out, err = t.ms(["tokens", "add", "--user", "root", "--workspace", "beta", "--db", db])
    expect_rc(p, "tokens add root beta (an admin: any workspace)", rc, 0, err)
    for argv, want in ((["tokens", "add", "--user", "carl", "--workspace", "acme"], 2),   # not a member
                       (["tokens", "add", "--user", "nobody", "--workspace", "acme"], 2),
                       (["tokens", "add", "--user", "alice", "--workspace", "nosuch"], 2),
                       (["tokens", "add", "--user", "alice"], 2), (["tokens", "revoke"], 2),
                       (["tokens", "revoke", "x"], 2), (["tokens", "revoke", "999"], 1),
                       (["tokens", "frob"], 2), (["tokens", "list", "x"], 2)):
        rc, out, err = t.ms(argv + ["--db", db])
        expect_rc(p, " ".join(argv), rc, want, err)
    stored = t.be.query(db, "SELECT id, hash FROM api_tokens ORDER BY id")
    if len(stored) != 2 or stored[0][1] != hashlib.sha256(tok.encode()).hexdigest():
        p.append("the first token is not kept as its SHA-256: %r" % stored)
    if tok and tok[4:] in repr(t.be.query(db, "SELECT * FROM api_tokens")):
        p.append("the token itself is in api_tokens")
    if tok and t.be.name == "sqlite":
        raw = b"".join(open(f, "rb").read() for f in (db, db + "-wal") if os.path.exists(f))
        if tok[4:].encode() in raw:
            p.append("the token is in the database file's bytes")
    tid = stored[0][0] if stored else 0
    rc, out, err = t.ms(["tokens", "revoke", str(tid), "--db", db])
    expect_rc(p, "tokens revoke", rc, 0, err)
    rc, out, err = t.ms(["tokens", "list", "--format", "json", "--db", db])
    expect_rc(p, "tokens list --format json", rc, 0, err)
    if rc == 0:
        doc = json.loads(out)
        p += ["schema: " + e for e in validate_json(doc, "mailsec-tokens-1.json")]
        got = [(x["user"], x["workspace"], x["revoked"]) for x in doc["tokens"]]
        if got != [("alice", "acme", True), ("root", "beta", False)]:
            p.append("tokens listed %r" % got)
        if tok and tok in out:
            p.append("tokens list shows a token")
    rc, out, err = t.ms(["tokens", "list", "--user", "root", "--db", db])
    expect_rc(p, "tokens list --user root", rc, 0, err)
    if len(out.splitlines()) != 1 or "\troot\tbeta\tactive" not in out:
        p.append("tokens list --user root: %r" % out)
    # removing a user takes its tokens with it
    rc, out, err = t.ms(["users", "remove", "root", "--db", db])
    expect_rc(p, "users remove root", rc, 0, err)
    if t.be.query(db, "SELECT COUNT(*) FROM api_tokens")[0][0] != 1:
        p.append("root's token outlived root")
    t.check("tokens: add (last line, shown once, SHA-256 kept), only for a member or an admin, list (JSON "
            "schema, never the token), revoke, removed with the user, usage errors", p)


def proofs(t):
    db = t.be.new("proofs")
    p = []
    for ws in ("acme", "beta"):
        t.ms(["workspace", "add", ws, "--db", db])
    t.ms(["domains", "add", "--workspace", "acme", "--db", db, "a.test", "b.test"])
    t.ms(["domains", "add", "--workspace", "beta", "--db", db, "a.test"])
    rc, out, err = t.ms(["domains", "proof", "a.test.", "--workspace", "acme", "--db", db])
    expect_rc(p, "domains proof a.test (acme)", rc, 0, err)
    m = re.fullmatch(r'_mailsec-verify\.a\.test\. TXT "mailsec-verify=([0-9a-f]{32})"\n', out)
    if not m:
        p.append("domains proof: %r" % out)
    token = m.group(1) if m else "0" * 32
    rc, out2, err = t.ms(["domains", "proof", "A.TEST", "--workspace", "acme", "--db", db])
    if out2 != out:
        p.append("a second domains proof gave another record: %r vs %r" % (out2, out))
    rc, out, err = t.ms(["domains", "proof", "a.test", "--workspace", "beta", "--db", db])
    expect_rc(p, "domains proof a.test (beta)", rc, 0, err)
    if token in out:
        p.append("two workspaces got the same token")
    rc, out, err = t.ms(["domains", "proof", "b.test", "--workspace", "acme", "--db", db])
    for argv, want in ((["domains", "proof", "a.test", "--workspace", "nosuch"], 2),
                       (["domains", "proof", "a.test"], 2), (["domains", "proof", "--workspace", "acme"], 2),
                       (["domains", "verify", "a.test", "b.test", "--workspace", "acme"], 2),
                       (["domains", "proof", "not a domain", "--workspace", "acme"], 2)):
        rc, out, err = t.ms(argv + ["--db", db])
        expect_rc(p, " ".join(argv), rc, want, err)
    # the world publishes acme's token for a.test (and a decoy) and nothing for b.test
    zone = os.path.join(t.tmp, "proof-%s.zone" % t.be.name)
    open(zone, "w").write(open(ZONE).read() + '_mailsec-verify.a.test. TXT "v=spf1 -all"\n'
                          '_mailsec-verify.a.test. TXT "mailsec-verify=%s"\n' % token)
    rc, out, err = t.ms(["monitor", "--db", db, "--replay", zone, "--once"])
    expect_rc(p, "monitor --once", rc, 0, err)
    if "event=proof-verified domain=a.test proofs=1" not in err:
        p.append("no proof-verified log line for a.test: %r" % err[-800:])
    got = t.be.query(db, "SELECT w.name, p.domain, p.how, p.verified_at IS NOT NULL FROM ownership_proofs p "
                         "JOIN workspaces w ON w.id = p.workspace ORDER BY w.name, p.domain")
    norm = [(w, d, h, v in (1, "t", True)) for w, d, h, v in got]
    want = [("acme", "a.test", "dns", True), ("acme", "b.test", None, False), ("beta", "a.test", None, False)]
    if norm != want:
        p.append("proofs after the monitor: %r, want %r" % (norm, want))
    # an admin vouches for beta
    rc, out, err = t.ms(["domains", "verify", "a.test", "--workspace", "beta", "--db", db])
    expect_rc(p, "domains verify a.test --workspace beta", rc, 0, err)
    got = t.be.query(db, "SELECT p.how FROM ownership_proofs p JOIN workspaces w ON w.id = p.workspace "
                         "WHERE w.name = 'beta' AND p.domain = 'a.test' AND p.verified_at IS NOT NULL")
    if got != [("admin",)]:
        p.append("after domains verify: %r" % got)
    t.check("ownership proof: a stable token per workspace and domain, verified by the monitor finding it in "
            "_mailsec-verify TXT (another workspace's stays pending), or vouched for by an admin", p)


def library_pg(args, uri):
    """tests/unit/test_accounts on PostgreSQL: sign-in, rate limits, sessions, tokens, proofs."""
    exe = os.path.join(args.build, "tests", "test_accounts")
    env = dict(ENV, MAILSEC_TEST_ACCOUNTS_PG=uri, CMOCKA_MESSAGE_OUTPUT="TAP")
    rc, out, err = hrun([exe], env=env, wrapper=args.wrapper)
    ok = rc == 0 and re.search(r"(?m)^ok \d+ - library_pg$", out) is not None
    return [Result(NAME, "accounts [postgresql]: the library (sign-in denied and rate-limited, sessions, CSRF, "
                   "tokens, proofs) through tests/unit/test_accounts", "pass" if ok else "fail",
                   "exit %d\n%s%s" % (rc, out[-3000:], err[-2000:]))]


def scenarios(args, be, tmp):
    t = T(args, be, tmp)
    db = users(t)
    tokens(t, db)
    proofs(t)
    return t.res


def run(args):
    res = []
    tmp = tempfile.mkdtemp(prefix="mailsec-accounts-")
    try:
        res += scenarios(args, SqliteBackend(tmp), tmp)
        pg = PgServer()
        try:
            why = pg.start()
            if why is not None:
                res.append(skip_or_fail(NAME, "accounts [postgresql]: private server", why))
            else:
                res += scenarios(args, PgBackend(pg), tmp)
                res += library_pg(args, pg.createdb("accounts_lib"))
        finally:
            pg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res
