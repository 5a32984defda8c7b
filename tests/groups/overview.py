"""tests/groups/overview.py - the fleet overview's summary table and pages: pagination, tenancy, rounds, removal, purge.

A real `mailsec serve` on loopback over a database filled by the real
commands: workspaces A (good.test, hostile.test and 23 never-answering names)
and B (good.test, shared with A, and b.test); `check --db` over
tests/pages/world.zone, then monitor rounds (`monitor --once --all`).  Checked:

- domain_latest (the store's per-domain summary of the latest whole check,
  kept in the transaction of each stored result) equals what the checks
  table says is each domain's latest whole check: grade, counts, its findings
  (domain_latest_findings against check_findings), after `check --db`, after
  a monitor round, after `history purge` (the rows of purged checks go with
  them) and after the schema migration's backfill (its tables dropped, the
  later migrations' DDL undone, the version set back: the next open makes
  them again);
- the overview: every page of ?per_page=10 in order, "rows X to Y", the
  previous/next links, a page past the end shown as the last, every sort's
  pages concatenated equal to its CSV export, filters (finding id, severity,
  area, grade, search) over pages equal to the CSV with the same filters;
  each row's grade and counts equal the database's;
- tenancy: A's pages and API list never show b.test, B's only its own two;
  another workspace's overview is 404; a domain removed from A leaves A's
  pages and list and stays in B's with the same counts;
- the API list's cursor walks every domain once, in order.

On SQLite, then on a private PostgreSQL (tests/pgserver.py; skipped loudly
without it, a failure when CI=true).
"""
import csv
import http.client
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse

from harness import ROOT, Result, skip_or_fail
from pgserver import PgBackend, PgServer, SqliteBackend

NAME = "overview"
SCALE = float(os.environ.get("MAILSEC_TEST_TIME_SCALE", "1"))
ZONE = os.path.join(ROOT, "tests", "pages", "world.zone")
ENV = dict(os.environ, MAILSEC_ARGON2_COST="1:64")
A_NAMES = ["good.test", "hostile.test"] + ["n%02d.test" % i for i in range(23)]
B_NAMES = ["b.test", "good.test"]


class Serve:
    """One `mailsec serve` on loopback and a client for it."""

    def __init__(self, args, db):
        cmd = (args.wrapper or []) + [args.mailsec, "serve", "--db", db, "--listen", "127.0.0.1:0", "--no-monitor"]
        self.p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
        self.port, err = None, b""
        deadline = time.time() + 30 * SCALE
        while time.time() < deadline and self.port is None:
            r, _, _ = select.select([self.p.stderr], [], [], 0.5)
            if r:
                line = self.p.stderr.readline()
                if not line:
                    break
                err += line
                m = re.search(rb"listening on [0-9.]+:(\d+)", line)
                self.port = int(m.group(1)) if m else None
        if self.port is None:
            self.stop()
            raise RuntimeError("mailsec serve did not start: %s" % err.decode(errors="replace")[-1000:])

    def req(self, path, cookie=None, token=None, method="GET", body=None, headers=None):
        h = dict(headers or {})
        if cookie:
            h["Cookie"] = cookie
        if token:
            h["Authorization"] = "Bearer " + token
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30 * SCALE)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return r.status, r.getheaders(), r.read()
        finally:
            c.close()

    def sign_in(self, user, password):
        st, hdrs, body = self.req("/login")
        csrf = re.search(rb'name="csrf" value="([0-9a-f]{64})"', body).group(1).decode()
        lc = [v for k, v in hdrs if k.lower() == "set-cookie" and v.startswith("mailsec_login=")][0]
        lc = lc.split(";")[0]
        st, hdrs, _ = self.req("/login", cookie=lc, method="POST",
                               body="user=%s&password=%s&csrf=%s" % (user, password, csrf),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        for k, v in hdrs:
            if k.lower() == "set-cookie" and v.startswith("mailsec_session="):
                return v.split(";")[0]
        raise RuntimeError("sign-in of %s failed: %d" % (user, st))

    def stop(self):
        """SIGTERM; (exit status, what it said on stderr after starting)."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            _, err = self.p.communicate(timeout=30 * SCALE)
        except subprocess.TimeoutExpired:
            self.p.kill()
            _, err = self.p.communicate()
        return self.p.returncode, (err or b"").decode(errors="replace")


class T:
    def __init__(self, args, be):
        self.args, self.be, self.res = args, be, []

    def ms(self, argv, stdin=None):
        cmd = (self.args.wrapper or []) + [self.args.mailsec] + argv
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=ENV, timeout=300 * SCALE)
        return p.returncode, p.stdout, p.stderr

    def check(self, name, problems):
        self.res.append(Result(NAME, self.be.label(name), "fail" if problems else "pass", "\n".join(problems[:20])))


def setup(t, db):
    p = []
    steps = [
        (["workspace", "add", "A", "--db", db], None),
        (["workspace", "add", "B", "--db", db], None),
        (["domains", "add", "--workspace", "A", "--db", db] + A_NAMES, None),
        (["domains", "add", "--workspace", "B", "--db", db] + B_NAMES, None),
        (["users", "add", "alice", "--role", "member", "--workspace", "A", "--password-stdin", "--db", db],
         "alice-password\n"),
        (["users", "add", "bob", "--role", "member", "--workspace", "B", "--password-stdin", "--db", db],
         "bob-password\n"),
    ]
    for argv, stdin in steps:
        rc, out, err = t.ms(argv, stdin)
        if rc != 0:
            p.append("%s: exit %d: %s" % (" ".join(argv[:3]), rc, err[-500:]))
    t.tok = {}
    for user, ws in (("alice", "A"), ("bob", "B")):
        rc, out, err = t.ms(["tokens", "add", "--user", user, "--workspace", ws, "--db", db])
        t.tok[user] = out.strip().splitlines()[-1].strip() if rc == 0 and out.strip() else None
        if t.tok[user] is None:
            p.append("tokens add %s: exit %d: %s" % (user, rc, err[-300:]))
    return p


def summary_problems(t, db):
    """Where domain_latest differs from each domain's latest whole check in the checks table."""
    p = []
    rows = t.be.query(db, "SELECT id, domain, checked_at, grade, n_pass, n_info, n_warning, n_error, n_unknown, "
                          "(SELECT count(*) FROM check_findings f WHERE f.check_id = c.id) FROM checks c "
                          "WHERE COALESCE(area, '') = ''")
    latest = {}
    for r in rows:
        if r[1] not in latest or (r[2], r[0]) > (latest[r[1]][2], latest[r[1]][0]):
            latest[r[1]] = r
    have = {r[0]: r for r in t.be.query(db, "SELECT domain, check_id, grade, n_pass, n_info, n_warning, n_error, "
                                            "n_unknown, (SELECT count(*) FROM domain_latest_findings f "
                                            "WHERE f.domain = l.domain) FROM domain_latest l")}
    for dom, r in sorted(latest.items()):
        want = (dom, r[0], r[3], r[4], r[5], r[6], r[7], r[8], r[9])
        if have.get(dom) != want:
            p.append("%s: domain_latest %r, latest whole check %r" % (dom, have.get(dom), want))
    for dom in sorted(set(have) - set(latest)):
        p.append("%s: a domain_latest row without any whole check" % dom)
    # the findings themselves, by id and severity
    fl = t.be.query(db, "SELECT domain, finding, severity FROM domain_latest_findings")
    cf = t.be.query(db, "SELECT l.domain, f.finding, f.severity FROM domain_latest l JOIN check_findings f "
                        "ON f.check_id = l.check_id")
    if sorted(fl) != sorted(cf):
        p.append("domain_latest_findings differ from the latest checks' findings: %d rows against %d" % (
            len(fl), len(cf)))
    return p


def rows_of(body):
    """[(name, grade, [error, warning, info, pass, unknown])] of an overview page."""
    out = []
    for m in re.finditer(rb'<th scope="row"><a href="/domains/[^"]*">([^<]*)</a></th>\s*'
                         rb'<td><span class="grade[^"]*">([^<]*)</span></td>\s*<td class="areas">.*?</td>\s*'
                         rb'((?:<td class="num">\d+</td>){5})', body, re.S):
        out.append((m.group(1).decode(), m.group(2).decode(),
                    [int(x) for x in re.findall(rb"(\d+)</td>", m.group(3))]))
    return out


def count_line(body):
    m = re.search(rb"(\d+) of (\d+) domains match; rows (\d+) to (\d+)", body)
    return tuple(int(x) for x in m.groups()) if m else None


def link(body, rel):
    m = re.search(rb'<a href="([^"]*)" rel="%s">' % rel.encode(), body)
    return m.group(1).decode().replace("&amp;", "&") if m else None


def csv_rows(s, cookie, query):
    st, _, body = s.req("/?" + query + "&format=csv", cookie=cookie)
    if st != 200:
        return None
    rows = list(csv.reader(io.StringIO(body.decode())))
    return [(r[0], r[1], [int(x) for x in r[2:7]]) for r in rows[1:]]


def walk_pages(s, cookie, query, per):
    """Every page's rows in order, following next links; (rows, problems)."""
    p, rows, path, seen = [], [], "/?%s&per_page=%d" % (query, per), 0
    while path and seen < 50:
        st, _, body = s.req(path, cookie=cookie)
        if st != 200:
            return rows, ["%s: %d" % (path, st)]
        page = rows_of(body)
        cl = count_line(body)
        if cl is None or (page and (cl[2], cl[3]) != (len(rows) + 1, len(rows) + len(page))):
            p.append("%s: count line %r for rows %d..%d" % (path, cl, len(rows) + 1, len(rows) + len(page)))
        if len(page) > per:
            p.append("%s: %d rows on a page of %d" % (path, len(page), per))
        if rows and link(body, "prev") is None:
            p.append("%s: no previous-page link after the first page" % path)
        rows += page
        path = link(body, "next")
        seen += 1
    return rows, p


def expected(t, db, ws):
    """{domain: (grade shown, [error, warning, info, pass, unknown])} of workspace ws from the database."""
    out = {}
    for r in t.be.query(db, "SELECT d.domain, COALESCE(g.grade, l.grade, '-'), COALESCE(l.n_error, 0), "
                            "COALESCE(l.n_warning, 0), COALESCE(l.n_info, 0), COALESCE(l.n_pass, 0), "
                            "COALESCE(l.n_unknown, 0) FROM workspace_domains d JOIN workspaces w ON w.id = "
                            "d.workspace JOIN monitored m ON m.domain = d.domain LEFT JOIN workspace_grades g ON "
                            "g.workspace = d.workspace AND g.domain = d.domain AND g.round = m.last_round "
                            "LEFT JOIN domain_latest l ON l.domain = d.domain WHERE w.name = '%s'" % ws):
        out[r[0]] = (r[1], list(r[2:7]))
    return out


def grade_rank(g):
    return ord(g[0]) - ord("A") if g and "A" <= g[0] <= "F" else 10


def pages_problems(t, s, db, cookie, ws, names):
    """The overview of ws against the database: pages, sorts, filters, CSV."""
    p = []
    exp = expected(t, db, ws)
    rows, q = walk_pages(s, cookie, "workspace=%s" % ws, 10)
    p += q
    if [r[0] for r in rows] != sorted(names):
        p.append("pages by name: %r, want %r" % ([r[0] for r in rows], sorted(names)))
    for name, grade, counts in rows:
        if exp.get(name) != (grade, counts):
            p.append("%s: shown %s %r, database %r" % (name, grade, counts, exp.get(name)))
    # a page past the end is the last page
    st, _, body = s.req("/?workspace=%s&per_page=10&page=99" % ws, cookie=cookie)
    last = (len(names) - 1) // 10 * 10 + 1
    cl = count_line(body)
    if st != 200 or cl is None or cl[2] != last or link(body, "next") is not None:
        p.append("page 99: %d, count line %r, want rows from %d and no next link" % (st, cl, last))
    for sort in ("name", "grade", "errors", "checked"):
        rows, q = walk_pages(s, cookie, "workspace=%s&sort=%s" % (ws, sort), 10)
        p += q
        c = csv_rows(s, cookie, "workspace=%s&sort=%s" % (ws, sort))
        if c != rows:
            p.append("sort %s: pages %r, CSV %r" % (sort, [r[0] for r in rows], c and [r[0] for r in c]))
        if sort == "grade":
            want = sorted(names, key=lambda n: (-grade_rank(exp[n][0]), n))
            if [r[0] for r in rows] != want:
                p.append("sort grade: %r, want %r" % ([r[0] for r in rows], want))
        if sort == "errors":
            want = sorted(names, key=lambda n: (-exp[n][1][0], n))
            if [r[0] for r in rows] != want:
                p.append("sort errors: %r, want %r" % ([r[0] for r in rows], want))
    fl = t.be.query(db, "SELECT domain, finding, severity, area FROM domain_latest_findings")
    filters = [("finding=spf.", lambda d: any(f[1].startswith("spf.") for f in fl if f[0] == d)),
               ("severity=error", lambda d: any(f[2] == "error" for f in fl if f[0] == d)),
               ("area=dmarc&severity=warning", lambda d: any(f[3] == "dmarc" and f[2] == "warning"
                                                             for f in fl if f[0] == d)),
               ("grade=F", lambda d: exp[d][0].startswith("F")),
               ("q=N0", lambda d: "n0" in d),
               ("q=%25", lambda d: False),
               ("q=_", lambda d: "_" in d)]
    for query, pred in filters:
        rows, q = walk_pages(s, cookie, "workspace=%s&%s" % (ws, query), 10)
        p += q
        want = sorted(n for n in names if pred(n))
        if [r[0] for r in rows] != want:
            p.append("filter %s: %r, want %r" % (query, [r[0] for r in rows], want))
        if csv_rows(s, cookie, "workspace=%s&%s" % (ws, query)) != rows:
            p.append("filter %s: CSV differs from the pages" % query)
        st, _, body = s.req("/?workspace=%s&%s" % (ws, query), cookie=cookie)
        cl = count_line(body)
        if cl is None or cl[0] != len(want) or cl[1] != len(names):
            p.append("filter %s: count line %r, want %d of %d" % (query, cl, len(want), len(names)))
    return p


def api_walk(s, tok, limit):
    names, cursor, p = [], None, []
    for _ in range(100):
        path = "/api/v1/domains?limit=%d" % limit + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
        st, _, body = s.req(path, token=tok)
        if st != 200:
            return names, ["%s: %d" % (path, st)]
        j = json.loads(body)
        if len(j["domains"]) > limit:
            p.append("%s: %d domains" % (path, len(j["domains"])))
        names += [d["name"] for d in j["domains"]]
        cursor = j["next_cursor"]
        if cursor is None:
            break
    return names, p


def tenancy_problems(t, s, db, alice, bob, a_names):
    p = []
    st, _, body = s.req("/?workspace=A", cookie=alice)
    if b"b.test" in body:
        p.append("A's overview shows b.test")
    st, _, body = s.req("/?workspace=A&format=csv", cookie=alice)
    if b"b.test" in body:
        p.append("A's CSV shows b.test")
    st, _, body = s.req("/?workspace=B", cookie=bob)
    if st != 200 or [r[0] for r in rows_of(body)] != B_NAMES:
        p.append("B's overview: %d %r" % (st, [r[0] for r in rows_of(body)]))
    for who, cookie, other in (("alice", alice, "B"), ("bob", bob, "A")):
        for q in ("", "&format=csv", "&page=2", "&finding=spf."):
            st, _, body = s.req("/?workspace=%s%s" % (other, q), cookie=cookie)
            if st != 404 or b"good.test" in body:
                p.append("%s asking for workspace %s%s: %d" % (who, other, q, st))
    names, q = api_walk(s, t.tok["alice"], 4)
    p += q
    if names != sorted(a_names):
        p.append("API list of A by 4: %r, want %r" % (names, sorted(a_names)))
    names, q = api_walk(s, t.tok["bob"], 1)
    p += q
    if names != B_NAMES:
        p.append("API list of B by 1: %r" % names)
    st, _, body = s.req("/api/v1/domains?workspace=B", token=t.tok["alice"])
    if st == 200:
        p.append("A's token listed workspace B")
    return p


def later_migrations(src, dialect, after):
    """The statements of the migrations from version `after` on in store_schema.c's list for dialect."""
    head = src.index("static const char *const MIGRATIONS_PG[]")
    text = src[:head] if dialect == "sqlite" else src[head:src.index("};", head)]
    m = re.search(r"/\* %d -> %d" % (after, after + 1), text)
    if m is None:
        return []
    body = re.sub(r"/\*.*?\*/", "", text[m.start():], flags=re.S)
    sql = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body)).replace('\\"', '"')
    return [x.strip() for x in sql.split(";") if x.strip()]


def undo(stmts):
    """
    The statements that undo stmts (simple DDL, and inserts into tables they
    create), or None when one is not that simple.
    """
    out = []
    made = {m.group(1).lower() for m in (re.match(r"CREATE TABLE (\w+)", x, re.I) for x in stmts) if m}
    for x in reversed(stmts):
        m = re.match(r"INSERT INTO (\w+)", x, re.I)
        if m and m.group(1).lower() in made:
            continue    # its rows go with the table
        m = re.match(r"CREATE TABLE (\w+)", x, re.I)
        if m:
            out.append("DROP TABLE %s" % m.group(1))
            continue
        m = re.match(r"CREATE (?:UNIQUE )?INDEX (\w+)", x, re.I)
        if m:
            out.append("DROP INDEX IF EXISTS %s" % m.group(1))
            continue
        m = re.match(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", x, re.I)
        if m:
            out.append("ALTER TABLE %s DROP COLUMN %s" % (m.group(1), m.group(2)))
            continue
        return None
    return out


def migration_problems(t, db):
    """
    Take the schema back to before domain_latest's migration (its tables
    dropped, later migrations' simple DDL undone, the version set back),
    open: the backfill makes the same rows.  None when that cannot be done.
    """
    with open(os.path.join(ROOT, "src", "store", "store_schema.c")) as f:
        src = f.read()
    mine = re.search(r"/\* (\d+) -> \d+: each domain's latest whole check", src)
    if mine is None:
        return None
    v = int(mine.group(1))
    dialect = "sqlite" if isinstance(t.be, SqliteBackend) else "postgresql"
    back = undo(later_migrations(src, dialect, v))
    if back is None:
        return None
    before = sorted(t.be.query(db, "SELECT domain, check_id, grade, n_error, areas FROM domain_latest"))
    fbefore = sorted(t.be.query(db, "SELECT domain, finding, severity, area FROM domain_latest_findings"))
    if dialect == "sqlite":
        for x in back:
            t.be.query(db, x)
        t.be.set_schema_version(db, v)
    else:
        t.be.query(db, "; ".join(back) + "; DELETE FROM mailsec_schema; INSERT INTO mailsec_schema VALUES (%d)" % v)
    rc, out, err = t.ms(["domains", "list", "--db", db])
    p = [] if rc == 0 else ["domains list after setting the version back: exit %d: %s" % (rc, err[-300:])]
    after = sorted(t.be.query(db, "SELECT domain, check_id, grade, n_error, areas FROM domain_latest"))
    fafter = sorted(t.be.query(db, "SELECT domain, finding, severity, area FROM domain_latest_findings"))
    if after != before or not before:
        p.append("backfill: %d rows, %d before; first %r / %r" % (len(after), len(before), after[:1], before[:1]))
    if fafter != fbefore:
        p.append("backfill of findings: %d rows, %d before" % (len(fafter), len(fbefore)))
    return p


def scenario(t):
    db = t.be.new("overview")
    p = setup(t, db)
    t.check("setup: workspaces, domains, users, tokens", p)
    if p:
        return
    rc, out, err = t.ms(["check", "--replay", ZONE, "--db", db, "good.test", "hostile.test"])
    t.check("summary: after check --db, domain_latest is each domain's latest whole check",
            ([] if rc in (0, 1) else ["check: exit %d: %s" % (rc, err[-300:])]) + summary_problems(t, db))
    rc, out, err = t.ms(["monitor", "--once", "--all", "--db", db, "--replay", ZONE, "--timeout", "1"])
    t.check("summary: after a monitor round, still each domain's latest whole check",
            ([] if rc == 0 else ["monitor: exit %d: %s" % (rc, err[-300:])]) + summary_problems(t, db))
    s = Serve(t.args, db)
    try:
        alice = s.sign_in("alice", "alice-password")
        bob = s.sign_in("bob", "bob-password")
        t.check("pages: every page of 10, each sort's pages equal its CSV, filters, counts as in the database",
                pages_problems(t, s, db, alice, "A", A_NAMES))
        t.check("tenancy: A's and B's overviews, CSV and API lists show their own domains only",
                tenancy_problems(t, s, db, alice, bob, A_NAMES))
        b_before = rows_of(s.req("/?workspace=B", cookie=bob)[2])
        rc, out, err = t.ms(["domains", "remove", "--workspace", "A", "--db", db, "good.test"])
        a_left = [n for n in A_NAMES if n != "good.test"]
        p = [] if rc == 0 else ["domains remove: exit %d: %s" % (rc, err[-300:])]
        p += pages_problems(t, s, db, alice, "A", a_left)
        names, q = api_walk(s, t.tok["alice"], 7)
        p += q
        if names != sorted(a_left):
            p.append("API list after removal: %r" % names)
        if rows_of(s.req("/?workspace=B", cookie=bob)[2]) != b_before:
            p.append("B's overview changed when A removed good.test")
        t.check("removal: a domain taken out of A leaves A's pages and list, B's row unchanged", p)
        time.sleep(1.1)     # the purge's cutoff is a second after the last check
        rc, out, err = t.ms(["history", "purge", "--older-than", "0", "--db", db])
        p = [] if rc == 0 else ["history purge: exit %d: %s" % (rc, err[-300:])]
        left = t.be.query(db, "SELECT count(*) FROM domain_latest")[0][0]
        checks = t.be.query(db, "SELECT count(*) FROM checks")[0][0]
        if checks == 0 and left != 0:
            p.append("%d domain_latest rows left after every check was purged" % left)
        p += summary_problems(t, db)
        st, _, body = s.req("/?workspace=B&format=csv", cookie=bob)
        if st != 200 or any(r[2] != ["0"] * 5 for r in [(x[0], x[1], x[2:7]) for x in
                                                           list(csv.reader(io.StringIO(body.decode())))[1:]]):
            p.append("B's CSV after the purge: %d %r" % (st, body[:300]))
        t.check("purge: the summary rows of purged checks go with them", p)
    finally:
        rc, err = s.stop()
    t.check("serve exits 0 on SIGTERM, no sanitizer report",
            [] if rc == 0 and not re.search(r"AddressSanitizer|LeakSanitizer|runtime error:", err)
            else ["exit %r: %s" % (rc, err[-1500:])])
    rc, out, err = t.ms(["monitor", "--once", "--all", "--db", db, "--replay", ZONE, "--timeout", "1"])
    p = migration_problems(t, db)
    if p is None:
        t.res.append(Result(NAME, t.be.label("migration: the backfill makes the same summary rows"), "skip",
                            "a later migration is more than simple DDL: it cannot be undone here"))
    else:
        t.check("migration: the backfill makes the same summary rows", p)


def run(args):
    res = []
    tmp = tempfile.mkdtemp(prefix="mailsec-overview-")
    try:
        t = T(args, SqliteBackend(tmp))
        try:
            scenario(t)
        except (RuntimeError, OSError, ValueError) as e:
            t.check("scenario runs", [str(e)])
        res += t.res
        pg = PgServer()
        try:
            why = pg.start()
            if why is not None:
                res.append(skip_or_fail(NAME, "overview [postgresql]: private server", why))
            else:
                tp = T(args, PgBackend(pg))
                try:
                    scenario(tp)
                except (RuntimeError, OSError, ValueError) as e:
                    tp.check("scenario runs", [str(e)])
                res += tp.res
        finally:
            pg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res
