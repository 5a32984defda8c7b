"""tests/groups/serve.py - `mailsec serve` over HTTP: sign-in, tenancy, CSRF, limits, the API, TLS-RPT, nginx.

A real `mailsec serve` on loopback (port chosen by the kernel) over a database
set up with the real commands (workspace, domains, users, tokens, domains
verify), driven with Python's http.client so paths go out exactly as written:

- sign-in and sign-out: the form's fields, the session cookie's attributes,
  the cookie useless after sign-out, a POST /login or /logout without its
  CSRF token refused (403), wrong passwords rate-limited (429, accounts/
  counts them);
- tenancy: workspace B's domain, events and reports are 404 for A's token and
  A's session with the very bytes a missing name gets; a token cannot name
  another workspace; a viewer cannot write; a session's API write without
  X-CSRF-Token is 403;
- paths with "..", "%2e%2e", "%2f", NUL: 400/404; a body over --max-body 413;
  a request trickled a byte at a time cut off within --request-timeout;
- the security headers on every response the test sees;
- TLS-RPT POSTs (+json, +gzip) stored once, the same report again a
  duplicate (200), other types refused; the DMARC upload only for a proved
  domain; the report summary after it;
- every JSON response validated against docs/openapi.json (OpenAPI 3.1, its
  schemas with python3-jsonschema as JSON Schema 2020-12);
- "check now" with the in-process monitor over replay data: the domain's
  result appears;
- once through nginx over HTTPS with contrib/nginx/mailsec.conf and a test CA
  (cookies then Secure, the client address from the proxy).

On SQLite, then the core scenarios on a private PostgreSQL
(tests/pgserver.py; skipped loudly without it, a failure when CI=true).
"""
import gzip
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from harness import ROOT, Result, skip_or_fail
from harness import run as hrun
from pgserver import PgBackend, PgServer, SqliteBackend

NAME = "serve"
SCALE = float(os.environ.get("MAILSEC_TEST_TIME_SCALE", "1"))
ZONE = os.path.join(ROOT, "tests", "monitor", "world.zone")
SEC_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
NOT_FOUND = b'{"error":{"code":"not_found","message":"not found"}}'
ENV = dict(os.environ, MAILSEC_ARGON2_COST="1:64")

TLSRPT = {
    "organization-name": "Reporter Inc.",
    "date-range": {"start-datetime": "2026-11-01T00:00:00Z", "end-datetime": "2026-11-01T23:59:59Z"},
    "contact-info": "tlsrpt@reporter.test",
    "report-id": "serve-test-1",
    "policies": [{
        "policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: enforce",
                                                           "mx: mail.a.test", "max_age: 86400"],
                   "policy-domain": "a.test", "mx-host": ["mail.a.test"]},
        "summary": {"total-successful-session-count": 40, "total-failure-session-count": 2},
        "failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "192.0.2.9",
                             "receiving-mx-hostname": "mail.a.test", "failed-session-count": 2}]}],
}

DMARC = """<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>Receiver</org_name><email>dmarc@receiver.test</email>
    <report_id>%(id)s</report_id><date_range><begin>1790000000</begin><end>1790086400</end></date_range>
  </report_metadata>
  <policy_published><domain>%(domain)s</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><pct>100</pct>
  </policy_published>
  <record><row><source_ip>192.0.2.1</source_ip><count>7</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>%(domain)s</header_from></identifiers>
    <auth_results><dkim><domain>%(domain)s</domain><result>pass</result></dkim>
      <spf><domain>%(domain)s</domain><result>fail</result></spf></auth_results></record>
</feedback>
"""


def sanitizer(err):
    return "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err


class OpenApi:
    """Validate JSON responses against docs/openapi.json's response schemas."""

    def __init__(self):
        import jsonschema
        self.js = jsonschema
        with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
            self.doc = json.load(f)
        self.checked = 0

    def template(self, path):
        path = path.split("?")[0]
        for t in self.doc["paths"]:
            if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", t), path):
                return t
        return None

    def validate(self, method, path, status, ctype, body):
        """A problem (text) or None."""
        t = self.template(path)
        if t is None:
            return None  # pages (/login, /) are HTML, not API
        op = self.doc["paths"][t].get(method.lower())
        if op is None:
            if status != 405:
                return "%s %s: no such operation in openapi.json, and %d, not 405" % (method, t, status)
            op = {"responses": {"405": {"content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Error"}}}}}}
        r = op["responses"].get(str(status))
        if r is None:
            return "%s %s: status %d not documented" % (method, t, status)
        schema = r.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            if body:
                return "%s %s %d: a body where none is documented" % (method, t, status)
            return None
        if not (ctype or "").startswith("application/json"):
            return "%s %s %d: Content-Type %r" % (method, t, status, ctype)
        try:
            inst = json.loads(body)
        except ValueError as e:
            return "%s %s %d: not JSON: %s" % (method, t, status, e)
        resolver = self.js.RefResolver.from_schema(self.doc)
        v = self.js.Draft202012Validator(schema, resolver=resolver,
                                         format_checker=self.js.Draft202012Validator.FORMAT_CHECKER)
        errs = sorted(v.iter_errors(inst), key=lambda e: list(e.path))
        self.checked += 1
        if errs:
            return "%s %s %d: %s at %s" % (method, t, status, errs[0].message, list(errs[0].path))
        return None


class Serve:
    """One `mailsec serve` process and an HTTP client for it."""

    def __init__(self, t, db, extra, host="127.0.0.1"):
        self.t = t
        cmd = (t.args.wrapper or []) + [t.args.mailsec, "serve", "--db", db, "--listen", host + ":0"] + extra
        self.p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
        self.err = b""
        self.port = None
        deadline = time.time() + 30 * SCALE
        while time.time() < deadline and self.port is None:
            r, _, _ = select.select([self.p.stderr], [], [], 0.5)
            if r:
                line = self.p.stderr.readline()
                if not line:
                    break
                self.err += line
                m = re.search(rb"listening on [0-9.]+:(\d+)", line)
                if m:
                    self.port = int(m.group(1))
        if self.port is None:
            self.stop()
            raise RuntimeError("mailsec serve did not start: %s" % self.err.decode(errors="replace")[-2000:])
        self.host = host

    def stop(self):
        """SIGTERM; the exit status and what it said on stderr."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            _, e = self.p.communicate(timeout=30 * SCALE)
        except subprocess.TimeoutExpired:
            self.p.kill()
            _, e = self.p.communicate()
        self.err += e or b""
        return self.p.returncode, self.err.decode(errors="replace")

    def req(self, method, path, headers=None, body=None, token=None, cookie=None):
        """(status, {header: [values]}, body) of one request on a new connection."""
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = cookie
        c = http.client.HTTPConnection(self.host, self.port, timeout=20 * SCALE)
        try:
            c.putrequest(method, path, skip_accept_encoding=True)
            if body is not None:
                h.setdefault("Content-Length", str(len(body)))
            for k, v in h.items():
                c.putheader(k, v)
            c.endheaders(body)
            r = c.getresponse()
            data = r.read()
            hdrs = {}
            for k, v in r.getheaders():
                hdrs.setdefault(k.lower(), []).append(v)
            self.t.seen(method, path, r.status, hdrs, data)
            return r.status, hdrs, data
        finally:
            c.close()


class T:
    def __init__(self, args, be, tmp):
        self.args, self.be, self.tmp, self.res = args, be, tmp, []
        self.api = OpenApi()
        self.header_problems = []
        self.schema_problems = []
        self.responses = 0

    def ms(self, argv, stdin=None):
        cmd = (self.args.wrapper or []) + [self.args.mailsec] + argv
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=ENV, timeout=120 * SCALE)
        return p.returncode, p.stdout, p.stderr

    def check(self, name, problems):
        self.res.append(Result(NAME, self.be.label(name), "fail" if problems else "pass", "\n".join(problems)))

    def seen(self, method, path, status, hdrs, body):
        """Every response: the security headers, and the OpenAPI schema of API answers."""
        self.responses += 1
        for k, v in SEC_HEADERS.items():
            if hdrs.get(k) != [v]:
                self.header_problems.append("%s %s (%d): %s is %r" % (method, path, status, k, hdrs.get(k)))
        why = self.api.validate(method, path, status, (hdrs.get("content-type") or [""])[0], body)
        if why:
            self.schema_problems.append(why)


def setup(t, db):
    """Workspaces A and B, a domain each, users and tokens; B vouched for b.test.  Problems or []."""
    p = []
    steps = [
        (["workspace", "add", "A", "--db", db], None),
        (["workspace", "add", "B", "--db", db], None),
        (["domains", "add", "--workspace", "A", "--db", db, "a.test"], None),
        (["domains", "add", "--workspace", "B", "--db", db, "b.test"], None),
        (["users", "add", "alice", "--role", "member", "--workspace", "A", "--password-stdin", "--db", db],
         "alice-password\n"),
        (["users", "add", "bob", "--role", "member", "--workspace", "B", "--password-stdin", "--db", db],
         "bob-password\n"),
        (["users", "add", "carol", "--role", "member", "--workspace", "A", "--password-stdin", "--db", db],
         "carol-password\n"),
        (["users", "add", "vera", "--role", "viewer", "--workspace", "A", "--password-stdin", "--db", db],
         "vera-password\n"),
        (["domains", "verify", "--workspace", "B", "--db", db, "b.test"], None),
    ]
    for argv, stdin in steps:
        rc, out, err = t.ms(argv, stdin)
        if rc != 0:
            p.append("%s: exit %d: %s" % (" ".join(argv[:3]), rc, err[-500:]))
    t.tok = {}
    for user, ws in (("alice", "A"), ("bob", "B"), ("vera", "A")):
        rc, out, err = t.ms(["tokens", "add", "--user", user, "--workspace", ws, "--db", db])
        lines = out.strip().splitlines()
        if rc != 0 or not lines or not lines[-1].startswith("mst_"):
            p.append("tokens add %s: exit %d: %s %s" % (user, rc, out[-300:], err[-300:]))
        else:
            t.tok[user] = lines[-1].strip()
    return p


def cookies_of(hdrs):
    """{name: (value, attributes text)} of the Set-Cookie headers."""
    out = {}
    for c in hdrs.get("set-cookie", []):
        nv, _, attrs = c.partition(";")
        n, _, v = nv.partition("=")
        out[n.strip()] = (v.strip(), attrs)
    return out


def login_form(s):
    """(csrf field, login cookie) from GET /login."""
    st, h, body = s.req("GET", "/login")
    m = re.search(rb'name="csrf" value="([0-9a-f]{64})"', body)
    c = cookies_of(h).get("mailsec_login")
    return (m.group(1).decode() if m else None), (c[0] if c else None), st, body


def sign_in(s, user, password):
    """(status, session cookie or None, headers)."""
    csrf, lc, _, _ = login_form(s)
    body = "user=%s&password=%s&csrf=%s" % (user, password, csrf)
    st, h, _ = s.req("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded",
                                        "Cookie": "mailsec_login=%s" % lc}, body.encode())
    c = cookies_of(h).get("mailsec_session")
    return st, (c[0] if c else None), h


def page_csrf(s, session):
    st, h, body = s.req("GET", "/", cookie="mailsec_session=" + session)
    m = re.search(rb'name="csrf" value="([0-9a-f]{64})"', body)
    return m.group(1).decode() if m else None


def signin(t, s, https=False):
    p = []
    st, h, _ = s.req("GET", "/login", {"X-Forwarded-Proto": "https"})
    if not https and "Secure" in cookies_of(h).get("mailsec_login", ("", ""))[1]:
        p.append("X-Forwarded-Proto from a peer that is not the trusted proxy made the cookie Secure")
    csrf, lc, st, body = login_form(s)
    if st != 200 or csrf is None or lc is None or b'name="user"' not in body or b'name="password"' not in body:
        p.append("GET /login: %d, csrf %r, cookie %r" % (st, csrf, lc))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    # no CSRF field, and a field that does not match the cookie: refused before the password is looked at
    st, _, _ = s.req("POST", "/login", dict(form, Cookie="mailsec_login=%s" % lc),
                     b"user=alice&password=alice-password")
    if st != 403:
        p.append("POST /login without csrf: %d, want 403" % st)
    st, _, _ = s.req("POST", "/login", dict(form, Cookie="mailsec_login=%s" % lc),
                     ("user=alice&password=alice-password&csrf=" + "0" * 64).encode())
    if st != 403:
        p.append("POST /login with a wrong csrf: %d, want 403" % st)
    st, session, h = sign_in(s, "alice", "alice-password")
    attrs = cookies_of(h).get("mailsec_session", ("", ""))[1]
    if st != 303 or not session or h.get("location") != ["/"]:
        p.append("POST /login: %d, cookie %r, location %r" % (st, session, h.get("location")))
        return p
    for a in ("HttpOnly", "SameSite=Strict", "Path=/"):
        if a not in attrs:
            p.append("session cookie lacks %s: %r" % (a, attrs))
    if ("Secure" in attrs) != https:
        p.append("session cookie Secure is %s over %s: %r" % ("Secure" in attrs, "https" if https else "http",
                                                              attrs))
    st, _, body = s.req("GET", "/", cookie="mailsec_session=" + session)
    if st != 200 or b"alice" not in body or b"<li>A</li>" not in body:
        p.append("GET / signed in: %d %r" % (st, body[:300]))
    st, _, body = s.req("GET", "/api/v1/domains", cookie="mailsec_session=" + session)
    if st != 200 or b"a.test" not in body:
        p.append("GET /api/v1/domains with the session: %d %r" % (st, body[:300]))
    csrf = page_csrf(s, session)
    st, _, _ = s.req("POST", "/logout", dict(form), b"", cookie="mailsec_session=" + session)
    if st != 403:
        p.append("POST /logout without csrf: %d, want 403" % st)
    st, h, _ = s.req("POST", "/logout", dict(form), ("csrf=%s" % csrf).encode(), cookie="mailsec_session=" + session)
    if st != 303 or h.get("location") != ["/login"] or "Max-Age=0" not in cookies_of(h).get(
            "mailsec_session", ("", ""))[1]:
        p.append("POST /logout: %d %r" % (st, h))
    st, h, _ = s.req("GET", "/", cookie="mailsec_session=" + session)
    if st != 303 or h.get("location") != ["/login"]:
        p.append("GET / after sign-out: %d %r, want 303 to /login" % (st, h.get("location")))
    st, _, _ = s.req("GET", "/api/v1/domains", cookie="mailsec_session=" + session)
    if st != 401:
        p.append("the API with the cookie after sign-out: %d, want 401" % st)
    return p


def rate_limit(t, s):
    p = []
    codes = [sign_in(s, "carol", "wrong-%d" % i)[0] for i in range(7)]
    if codes[0] != 401 or codes[-1] != 429:
        p.append("wrong passwords: %r, want 401 first and 429 at the end" % codes)
    st, session, _ = sign_in(s, "carol", "carol-password")
    if st != 429 or session:
        p.append("the right password while limited: %d %r, want 429 and no cookie" % (st, session))
    return p


def tenancy(t, s):
    p = []
    a, b = t.tok.get("alice"), t.tok.get("bob")
    st, session, _ = sign_in(s, "alice", "alice-password")
    cookie = "mailsec_session=%s" % session
    for suffix in ("", "/events", "/reports", "/check"):
        want = None
        for who, kw in (("token", dict(token=a)), ("session", dict(cookie=cookie))):
            for name in ("b.test", "missing.test"):
                st, _, body = s.req("GET", "/api/v1/domains/%s%s" % (name, suffix), **kw)
                if st != 404 or body != NOT_FOUND:
                    p.append("A's %s, GET %s%s: %d %r, want 404 %r" % (who, name, suffix, st, body[:200], NOT_FOUND))
                want = want or body
        st, _, body = s.req("GET", "/api/v1/domains/b.test%s?workspace=B" % suffix, token=a)
        if st != 404 or body != NOT_FOUND:
            p.append("A's token naming workspace B, %s: %d %r" % (suffix or "domain", st, body[:200]))
        st, _, body = s.req("GET", "/api/v1/domains/b.test%s?workspace=B" % suffix, cookie=cookie)
        if st != 404 or body != NOT_FOUND:
            p.append("A's session naming workspace B, %s: %d %r" % (suffix or "domain", st, body[:200]))
    # B's own view works
    st, _, body = s.req("GET", "/api/v1/domains/b.test", token=b)
    if st != 200 or json.loads(body).get("name") != "b.test":
        p.append("B's token, its own domain: %d %r" % (st, body[:200]))
    # A cannot delete or check B's domain; the answer is the missing one's
    for m, suffix in (("DELETE", ""), ("POST", "/check")):
        st, _, body = s.req(m, "/api/v1/domains/b.test" + suffix, token=a)
        if st != 404 or body != NOT_FOUND:
            p.append("A's token, %s b.test%s: %d %r" % (m, suffix, st, body[:200]))
    st, _, body = s.req("GET", "/api/v1/domains", token=a)
    names = [d["name"] for d in json.loads(body).get("domains", [])] if st == 200 else None
    if names != ["a.test"]:
        p.append("A's list: %d %r" % (st, names))
    # a session's API write needs X-CSRF-Token; a token's does not; a viewer cannot write
    js = {"Content-Type": "application/json"}
    st, _, _ = s.req("POST", "/api/v1/domains", js, b'{"name": "new.test"}', cookie=cookie)
    if st != 403:
        p.append("session POST /api/v1/domains without X-CSRF-Token: %d, want 403" % st)
    csrf = page_csrf(s, session)
    st, h, body = s.req("POST", "/api/v1/domains", dict(js, **{"X-CSRF-Token": csrf}), b'{"name": "New.Test."}',
                        cookie=cookie)
    if st != 201 or h.get("location") != ["/api/v1/domains/new.test?workspace=A"]:
        p.append("session POST with X-CSRF-Token: %d %r %r" % (st, h.get("location"), body[:200]))
    st, _, _ = s.req("POST", "/api/v1/domains", js, b'{"name": "viewer.test"}', token=t.tok.get("vera"))
    if st != 403:
        p.append("viewer's token POST: %d, want 403" % st)
    st, _, body = s.req("GET", "/api/v1/domains?limit=1", token=a)
    page = json.loads(body) if st == 200 else {}
    if len(page.get("domains", [])) != 1 or page.get("next_cursor") != "a.test":
        p.append("a page of one: %d %r" % (st, page))
    else:
        st, _, body = s.req("GET", "/api/v1/domains?limit=1&cursor=a.test", token=a)
        page = json.loads(body) if st == 200 else {}
        if [d["name"] for d in page.get("domains", [])] != ["new.test"] or page.get("next_cursor") is not None:
            p.append("the second page: %d %r" % (st, page))
    st, _, _ = s.req("DELETE", "/api/v1/domains/new.test", token=a)
    if st != 204:
        p.append("DELETE new.test: %d, want 204" % st)
    st, _, body = s.req("GET", "/api/v1/domains/new.test", token=a)
    if st != 404 or body != NOT_FOUND:
        p.append("new.test after DELETE: %d %r" % (st, body[:200]))
    st, h, body = s.req("POST", "/api/v1/domains/a.test/check", token=a)
    if st != 202 or h.get("location") != ["/api/v1/domains/a.test/check?workspace=A"]:
        p.append("check now: %d %r %r" % (st, h.get("location"), body[:200]))
    st, _, body = s.req("GET", "/api/v1/domains/a.test/check", token=a)
    if st != 200 or json.loads(body).get("state") != "queued":
        p.append("the check's state: %d %r" % (st, body[:200]))
    st, _, _ = s.req("GET", "/api/v1/domains", token="mst_" + "0" * 64)
    if st != 401:
        p.append("an unknown token: %d, want 401" % st)
    return p


def paths(t, s):
    p = []
    a = t.tok.get("alice")
    for path in ("/api/v1/domains/..", "/api/v1/domains/../domains", "/api/v1/%2e%2e/v1/domains",
                 "/api/v1/domains/%2E%2e", "/api/v1/domains/a.test%2fevents", "/login/%2e%2e",
                 "/api/v1/domains/a%00.test", "/api/v1//domains", "/a/./b", "/%2e%2e/%2e%2e/etc/passwd"):
        st, _, body = s.req("GET", path, token=a)
        if st not in (400, 404):
            p.append("GET %s: %d %r, want 400 or 404" % (path, st, body[:200]))
    st, _, _ = s.req("GET", "/" + "a" * 2000, token=a)
    if st not in (400, 404, 414):
        p.append("a 2000-byte path: %d" % st)
    st, h, _ = s.req("PUT", "/api/v1/domains", token=a)
    if st != 405:
        p.append("PUT /api/v1/domains: %d, want 405" % st)
    return p


def limits(t, s, timeout):
    p = []
    big = b"x" * (70 * 1024)
    st, _, _ = s.req("POST", "/tlsrpt/v1", {"Content-Type": "application/tlsrpt+json"}, big)
    if st != 413:
        p.append("a 70 KiB body over --max-body 64 KiB: %d, want 413" % st)
    # chunked, no length: read to the cap, then 413
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=20 * SCALE)
    c.putrequest("POST", "/tlsrpt/v1")
    c.putheader("Content-Type", "application/tlsrpt+json")
    c.putheader("Transfer-Encoding", "chunked")
    c.endheaders()
    try:
        for _ in range(9):
            c.send(b"2000\r\n" + b"y" * 0x2000 + b"\r\n")
        c.send(b"0\r\n\r\n")
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): [v] for k, v in r.getheaders()}
        t.seen("POST", "/tlsrpt/v1", r.status, hdrs, data)
        if r.status != 413:
            p.append("a chunked body over --max-body: %d, want 413" % r.status)
    except OSError as e:
        p.append("chunked body: %s" % e)
    finally:
        c.close()
    # headers over the 16 KiB cap: libmicrohttpd's own 431 (its bodies carry no headers of ours: raw socket)
    so = socket.create_connection(("127.0.0.1", s.port), timeout=10 * SCALE)
    so.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    first = so.recv(100)
    so.close()
    if not first.startswith(b"HTTP/1.1 431"):
        p.append("a 20 KB header: %r, want 431" % first[:40])
    # 32 connections from one address at once: the 33rd is closed at once
    held = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(32)]
    extra = socket.create_connection(("127.0.0.1", s.port))
    extra.settimeout(5 * SCALE)
    try:
        extra.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n\r\n")
        got = extra.recv(100)
    except OSError:
        got = b""
    for so in held + [extra]:
        so.close()
    if got != b"":
        p.append("a 33rd connection from one address was served: %r" % got[:40])
    if not answers(s, 10 * SCALE):
        p.append("no answer within %ds once the 33 connections were closed" % (10 * SCALE))
    # slow-loris: a header line a byte every 0.3 s; cut off within the request timeout (and some slack)
    so = socket.create_connection(("127.0.0.1", s.port))
    so.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    t0 = time.time()
    closed = None
    limit = (timeout + 3) * SCALE
    while time.time() - t0 < limit + 5:
        try:
            so.sendall(b"a")
            so.settimeout(0.3)
            if so.recv(4096) == b"":
                closed = time.time() - t0
                break
        except socket.timeout:
            continue
        except OSError:
            closed = time.time() - t0
            break
    so.close()
    if closed is None or closed > limit:
        p.append("a trickled request was %s (request timeout %ds)" % (
            "never cut off" if closed is None else "cut off after %.1f s" % closed, timeout))
    if not answers(s, 10 * SCALE):
        p.append("no answer within %ds after the slow client" % (10 * SCALE))
    return p


def answers(s, within):
    """GET /login is answered 200 within seconds (connections just closed may still be counted a moment)."""
    end = time.time() + within
    while True:
        try:
            if s.req("GET", "/login")[0] == 200:
                return True
        except OSError:
            pass
        if time.time() > end:
            return False
        time.sleep(0.2)


def reports(t, s, db):
    p = []
    js = json.dumps(TLSRPT).encode()
    for what, ct, body, want in (
            ("json", "application/tlsrpt+json", js, 201),
            ("json again", "application/tlsrpt+json", js, 200),
            ("gzip", "application/tlsrpt+gzip", gzip.compress(json.dumps(dict(TLSRPT, **{"report-id": "gz"})).encode()), 201),
            ("gzip again", "application/tlsrpt+gzip", gzip.compress(json.dumps(dict(TLSRPT, **{"report-id": "gz"})).encode()), 200),
            ("text/plain", "text/plain", js, 415),
            ("gzip labelled json", "application/tlsrpt+json", gzip.compress(js), 400),
            ("not a report", "application/tlsrpt+json", b'{"hello": 1}', 400),
            ("a DMARC report", "application/tlsrpt+json", (DMARC % dict(id="x", domain="a.test")).encode(), 415)):
        st, _, rb = s.req("POST", "/tlsrpt/v1", {"Content-Type": ct}, body)
        if st != want:
            p.append("TLS-RPT %s: %d %r, want %d" % (what, st, rb[:200], want))
    n = t.be.query(db, "SELECT COUNT(*) FROM reports WHERE kind = 'tlsrpt'")[0][0]
    if n != 2:
        p.append("TLS-RPT reports stored: %d, want 2" % n)
    if t.be.name == "sqlite":
        # the store fails half-way through a report (its failure details): 500 and nothing kept
        t.be.query(db, "CREATE TRIGGER serve_test_fail BEFORE INSERT ON tlsrpt_failures "
                       "BEGIN SELECT RAISE(ABORT, 'serve test: the store fails'); END")
        body = json.dumps(dict(TLSRPT, **{"report-id": "store-fails"})).encode()
        st, _, rb = s.req("POST", "/tlsrpt/v1", {"Content-Type": "application/tlsrpt+json"}, body)
        n = t.be.query(db, "SELECT COUNT(*) FROM reports WHERE kind = 'tlsrpt'")[0][0]
        if st != 500 or n != 2:
            p.append("the store failing: %d %r, %d reports kept (want 500 and 2)" % (st, rb[:200], n))
        t.be.query(db, "DROP TRIGGER serve_test_fail")
        st, _, rb = s.req("POST", "/tlsrpt/v1", {"Content-Type": "application/tlsrpt+json"}, body)
        n = t.be.query(db, "SELECT COUNT(*) FROM reports WHERE kind = 'tlsrpt'")[0][0]
        if st != 201 or n != 3:
            p.append("the same report once the store works: %d %r, %d reports (want 201 and 3)" % (st, rb[:200], n))
    b, a = t.tok.get("bob"), t.tok.get("alice")
    xml = (DMARC % dict(id="up-1", domain="b.test")).encode()
    st, _, rb = s.req("POST", "/api/v1/reports?workspace=B", {"Content-Type": "application/xml"}, xml, token=a)
    if st != 404 or rb != NOT_FOUND:
        p.append("A's token uploads into workspace B: %d %r, want the 404" % (st, rb[:200]))
    st, _, rb = s.req("POST", "/api/v1/reports", {"Content-Type": "application/xml"}, xml, token=a)
    if st != 403:
        p.append("A uploads a report about b.test (not proved by A): %d %r, want 403" % (st, rb[:200]))
    st, _, rb = s.req("POST", "/api/v1/reports", {"Content-Type": "application/xml"}, xml, token=b)
    if st != 201:
        p.append("B uploads its report: %d %r, want 201" % (st, rb[:200]))
    st, _, rb = s.req("POST", "/api/v1/reports", {"Content-Type": "application/xml"}, gzip.compress(xml), token=b)
    if st != 200:
        p.append("B uploads it again (gzip): %d %r, want 200" % (st, rb[:200]))
    st, _, rb = s.req("POST", "/api/v1/reports", {"Content-Type": "application/json"}, js, token=b)
    if st != 415:
        p.append("a TLS-RPT report at the DMARC upload: %d, want 415" % st)
    st, _, rb = s.req("GET", "/api/v1/domains/b.test/reports", token=b)
    summ = json.loads(rb) if st == 200 else {}
    if summ.get("dmarc", {}).get("messages") != 7 or summ.get("dmarc", {}).get("reports") != 1:
        p.append("B's report summary: %d %r" % (st, rb[:300]))
    st, _, rb = s.req("GET", "/api/v1/domains/a.test/reports", token=a)
    if st != 404 or rb != NOT_FOUND:
        p.append("A's reports before A proved a.test: %d %r, want the 404" % (st, rb[:200]))
    return p


def pages_forms(t, s, db):
    """The notification settings and the admin's new-user form over plain HTTP (so they run under ASan too;
    the browser tests, tests/groups/pages.py, run them in Chromium)."""
    p = []
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def post(path, session, body):
        return s.req("POST", path, form, body.encode(), cookie="mailsec_session=" + session)

    st, alice, _ = sign_in(s, "alice", "alice-password")
    csrf = page_csrf(s, alice) if alice else None
    if not csrf:
        return ["alice signs in: %d" % st]
    st, h, body = post("/settings/notifications?workspace=A", alice, "csrf=%s&kind=email&address=ops%%40a.test"
                       "&trigger=error&trigger=cert&digest=weekly" % csrf)
    if st != 303:
        p.append("an email target: %d %r" % (st, body[:300]))
    for what, b, want in (("an http:// webhook", "kind=webhook&address=http://h.a.test/x&secret=0123456789abcdef0", 400),
                          ("a short secret", "kind=webhook&address=https://h.a.test/x&secret=short", 400),
                          ("an unknown trigger", "kind=email&address=x%40a.test&trigger=everything", 400),
                          ("no trigger", "kind=email&address=x%40a.test", 400),
                          ("a webhook", "kind=webhook&address=https://h.a.test/%3Cb%3E&secret=0123456789abcdef0"
                           "&trigger=grade", 303)):
        st, _, body = post("/settings/notifications?workspace=A", alice, "csrf=%s&%s" % (csrf, b))
        if st != want or (want == 400 and b'role="alert"' not in body):
            p.append("%s: %d, want %d: %r" % (what, st, want, body[:300]))
    st, _, body = s.req("GET", "/settings/notifications?workspace=A", cookie="mailsec_session=" + alice)
    ids = re.findall(rb"/settings/notifications/(\d+)/remove", body)
    if st != 200 or b"ops@a.test" not in body or b"error,cert,digest-weekly" not in body or \
            b"https://h.a.test/&lt;b&gt;" not in body or b"0123456789abcdef0" in body or len(ids) != 2:
        p.append("the targets listed (secrets never): %d %r" % (st, body[-1500:]))
    st, _, _ = post("/settings/notifications/%s/remove?workspace=A" % (ids[0].decode() if ids else "1"), alice,
                    "csrf=" + csrf)
    st2, _, body = s.req("GET", "/settings/notifications?workspace=A", cookie="mailsec_session=" + alice)
    if st != 303 or b"ops@a.test" in body:
        p.append("remove: %d, then %r" % (st, body[-800:]))
    st, _, _ = post("/settings/notifications?workspace=A", alice, "kind=email&address=y%40a.test&trigger=error")
    if st != 403:
        p.append("a form without its CSRF token: %d, want 403" % st)
    st, vera, _ = sign_in(s, "vera", "vera-password")
    vcsrf = page_csrf(s, vera) if vera else ""
    st, _, body = s.req("GET", "/settings/notifications?workspace=A", cookie="mailsec_session=%s" % vera)
    if st != 200 or b"Add the target" in body or b"/remove" in body:
        p.append("a viewer reads without forms: %d" % st)
    st, _, _ = post("/settings/notifications?workspace=A", vera or "", "csrf=%s&kind=email&address=v%%40a.test"
                    "&trigger=error" % vcsrf)
    if st != 403:
        p.append("a viewer's POST: %d, want 403" % st)
    st, bob, _ = sign_in(s, "bob", "bob-password")
    st, _, body = s.req("GET", "/settings/notifications?workspace=A", cookie="mailsec_session=%s" % bob)
    if st != 404:
        p.append("B's member reads A's settings: %d, want 404" % st)
    # the admin's new-user form: a generated password shown once, a taken name, an unknown role
    rc, out, err = t.ms(["users", "add", "root", "--role", "admin", "--password-stdin", "--db", db],
                        "root-password\n")
    st, root, _ = sign_in(s, "root", "root-password")
    rcsrf = page_csrf(s, root) if root else None
    if rc != 0 or not rcsrf:
        return p + ["root signs in: %d %s" % (st, err[-300:])]
    st, _, body = post("/admin/users", root, "csrf=%s&name=dave&role=viewer&workspaces=A" % rcsrf)
    m = re.search(rb'id="new-password">([A-Za-z0-9_-]{24})<', body)
    if st != 201 or not m:
        p.append("a user made: %d %r" % (st, body[:300]))
    elif sign_in(s, "dave", m.group(1).decode())[1] is None:
        p.append("the new user does not sign in with the password shown")
    for what, b, want in (("a taken name", "name=dave&role=viewer", 409), ("an unknown role", "name=erin&role=owner", 400),
                          ("a missing workspace", "name=erin&role=member&workspaces=A,Z", 400),
                          ("a short password", "name=erin&role=member&password=short", 400),
                          ("a bad name", "name=a%20b&role=member", 400)):
        st, _, body = post("/admin/users", root, "csrf=%s&%s" % (rcsrf, b))
        if st != want:
            p.append("%s: %d, want %d" % (what, st, want))
    st, _, _ = post("/admin/users", alice, "csrf=%s&name=erin&role=admin" % csrf)
    if st != 404:
        p.append("a member makes a user: %d, want 404" % st)
    return p


def notify_api(t, s):
    """/api/v1/notifications: list, add, refuse, remove; a viewer's token reads only; another workspace's 404."""
    p = []
    a, v, b = t.tok.get("alice"), t.tok.get("vera"), t.tok.get("bob")
    js = {"Content-Type": "application/json"}
    st, _, body = s.req("POST", "/api/v1/notifications", js, json.dumps(
        {"kind": "webhook", "address": "https://hooks.a.test/x", "secret": "s3cret-s3cret-s3cret",
         "triggers": ["error", "digest-daily"]}).encode(), token=a)
    added = json.loads(body) if st == 201 else {}
    if st != 201 or added.get("target", {}).get("triggers") != ["error", "digest-daily"] or \
            not added["target"].get("has_secret") or b"s3cret" in body:
        p.append("a webhook added: %d %r" % (st, body[:300]))
    for what, doc, want in (("no secret", {"kind": "webhook", "address": "https://hooks.a.test/y"}, 400),
                            ("http://", {"kind": "webhook", "address": "http://hooks.a.test/y",
                                         "secret": "s3cret-s3cret-s3cret"}, 400),
                            ("both digests", {"kind": "email", "address": "ops@a.test",
                                              "triggers": ["digest-daily", "digest-weekly"]}, 400),
                            ("an unknown trigger", {"kind": "email", "address": "ops@a.test", "triggers": ["x"]}, 400),
                            ("a trigger list as text", {"kind": "email", "address": "ops@a.test", "triggers": "error"}, 400),
                            ("an email target", {"kind": "email", "address": "ops@a.test"}, 201)):
        st, _, body = s.req("POST", "/api/v1/notifications", js, json.dumps(doc).encode(), token=a)
        if st != want:
            p.append("%s: %d %r, want %d" % (what, st, body[:200], want))
    st, _, body = s.req("POST", "/api/v1/notifications", js, b"not json", token=a)
    if st != 400:
        p.append("a body that is not JSON: %d" % st)
    st, _, body = s.req("GET", "/api/v1/notifications", token=v)
    lst = json.loads(body) if st == 200 else {}
    mine = [x for x in lst.get("targets", []) if x["address"] in ("https://hooks.a.test/x", "ops@a.test")]
    if st != 200 or len(mine) != 2 or b"s3cret" in body:
        p.append("a viewer lists the targets: %d %r" % (st, body[:400]))
    st, _, _ = s.req("POST", "/api/v1/notifications", js, b'{"kind":"email","address":"v@a.test"}', token=v)
    if st != 403:
        p.append("a viewer adds: %d, want 403" % st)
    tid = added.get("target", {}).get("id", 0)
    st, _, body = s.req("DELETE", "/api/v1/notifications/%d" % tid, token=b)
    if st != 404 or body != NOT_FOUND:
        p.append("B removes A's target: %d %r, want the 404" % (st, body[:200]))
    st, _, body = s.req("GET", "/api/v1/notifications?workspace=A", token=b)
    if st != 404 or body != NOT_FOUND:
        p.append("B lists A's targets: %d, want the 404" % st)
    st, _, _ = s.req("DELETE", "/api/v1/notifications/%d" % tid, token=v)
    if st != 403:
        p.append("a viewer removes: %d, want 403" % st)
    st, _, _ = s.req("DELETE", "/api/v1/notifications/%d" % tid, token=a)
    st2, _, _ = s.req("DELETE", "/api/v1/notifications/%d" % tid, token=a)
    if st != 204 or st2 != 404:
        p.append("remove, then again: %d %d, want 204 404" % (st, st2))
    st, _, _ = s.req("DELETE", "/api/v1/notifications/abc", token=a)
    if st != 404:
        p.append("a target id that is not a number: %d" % st)
    return p


def core(t, db, extra_checks=True):
    """The scenarios on one database."""
    p = setup(t, db)
    t.check("setup: workspaces, domains, users, tokens", p)
    if p:
        return
    timeout = 2
    s = Serve(t, db, ["--no-monitor", "--request-timeout", str(int(timeout * SCALE)), "--max-body", "65536"])
    try:
        t.check("sign-in and sign-out", signin(t, s))
        t.check("wrong passwords rate-limited", rate_limit(t, s))
        t.check("tenancy: another workspace's objects are the missing 404", tenancy(t, s))
        t.check("TLS-RPT over HTTPS and the DMARC upload", reports(t, s, db))
        t.check("notification settings and new users through the page forms", pages_forms(t, s, db))
        t.check("notification targets through the API", notify_api(t, s))
        if extra_checks:
            t.check("paths with .. and encoded traversal", paths(t, s))
            t.check("limits: oversize bodies, a slow client", limits(t, s, int(timeout * SCALE)))
    finally:
        rc, err = s.stop()
    p = []
    if rc != 0:
        p.append("exit %d after SIGTERM: %s" % (rc, err[-1500:]))
    if sanitizer(err):
        p.append("sanitizer: %s" % err[-3000:])
    t.check("exit 0 on SIGTERM, sanitizers quiet", p)


def usage(t, db):
    """Ways serve cannot start: exit 2 with a message, nothing listening."""
    p = []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        for argv in (["--listen", "localhost:8080"], ["--listen", "127.0.0.1"], ["--listen", "127.0.0.1:99999"],
                     ["--trusted-proxy", "proxy.example"], ["--request-timeout", "0"], ["--max-body", "10"],
                     ["extra"], ["--listen", "127.0.0.1:%d" % port]):
            rc, out, err = t.ms(["serve", "--db", db, "--no-monitor"] + argv)
            if rc != 2 or "mailsec" not in err or "listening" in err or sanitizer(err):
                p.append("serve %s: exit %d, %r" % (" ".join(argv), rc, err[-300:]))
    t.check("usage errors exit 2", p)


def final(t):
    """What every response the test saw must have had (direct, through nginx, of the monitor test)."""
    t.check("security headers on every response (%d)" % t.responses, t.header_problems[:20])
    t.check("responses valid against docs/openapi.json (%d)" % t.api.checked,
            t.schema_problems[:20] + ([] if t.api.checked >= 20 else ["only %d validated" % t.api.checked]))


def monitor(t, db):
    """One command gives a working service: the in-process monitor checks an added domain."""
    p = []
    rc, out, err = t.ms(["workspace", "add", "M", "--db", db])
    rc2, out2, err2 = t.ms(["users", "add", "mo", "--role", "member", "--workspace", "M", "--password-stdin",
                            "--db", db], "mo-password-1\n")
    rc3, out3, err3 = t.ms(["tokens", "add", "--user", "mo", "--workspace", "M", "--db", db])
    if rc or rc2 or rc3:
        t.check("in-process monitor", ["setup: %s %s %s" % (err, err2, err3)])
        return
    tok = out3.strip().splitlines()[-1]
    s = Serve(t, db, ["--replay", ZONE, "--timeout", "1"])
    try:
        st, _, body = s.req("POST", "/api/v1/domains", {"Content-Type": "application/json"}, b'{"name":"a.test"}',
                            token=tok)
        if st != 201:
            p.append("add: %d %r" % (st, body[:200]))
        deadline = time.time() + 20 * SCALE
        doc = {}
        while time.time() < deadline:
            st, _, body = s.req("GET", "/api/v1/domains/a.test", token=tok)
            doc = json.loads(body) if st == 200 else {}
            if doc.get("checked"):
                break
            time.sleep(0.2)
        if not doc.get("checked") or not doc.get("findings") or not isinstance(doc.get("result"), dict):
            p.append("a.test never checked by the in-process monitor: %r" % doc)
        first = doc.get("checked_at")
        st, h, body = s.req("POST", "/api/v1/domains/a.test/check", token=tok)
        if st != 202:
            p.append("check now: %d" % st)
        state = None
        while time.time() < deadline + 20 * SCALE:
            st, _, body = s.req("GET", h.get("location", ["/"])[0], token=tok)
            state = json.loads(body).get("state") if st == 200 else None
            if state == "done":
                break
            time.sleep(0.2)
        st, _, body = s.req("GET", "/api/v1/domains/a.test/events", token=tok)
        events = json.loads(body).get("events", []) if st == 200 else []
        if state != "done" or len([e for e in events if e.get("kind") == "first-check"]) != 1:
            p.append("check now: state %r, events %r (first check at %s)" % (state, events[:3], first))
    finally:
        rc, err = s.stop()
    if rc != 0 or sanitizer(err):
        p.append("exit %d: %s" % (rc, err[-1500:]))
    t.check("in-process monitor: an added domain checked, check now done", p)


def nginx(t, db):
    """Through nginx with contrib/nginx/mailsec.conf over HTTPS, once."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "world"))
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        return [skip_or_fail(NAME, "via nginx over HTTPS", "nginx not installed (scripts/install-deps)")]
    try:
        from mailworld import Pki
    except ImportError as e:
        return [skip_or_fail(NAME, "via nginx over HTTPS", "python3-cryptography: %s" % e)]
    d = os.path.join(t.tmp, "nginx-" + t.be.name)
    os.makedirs(os.path.join(d, "logs"), exist_ok=True)
    pki = Pki(d)
    base, _ = pki.leaf("serve", ["mailsec.example.org"])
    cert, key = base + ".crt", base + ".key"
    p = []
    s = Serve(t, db, ["--no-monitor", "--trusted-proxy", "127.0.0.1"])
    ngx = None
    try:
        with socket.socket() as so:
            so.bind(("127.0.0.1", 0))
            port = so.getsockname()[1]
        with open(os.path.join(ROOT, "contrib", "nginx", "mailsec.conf")) as f:
            conf = f.read()
        conf = conf.replace("server 127.0.0.1:8080;", "server 127.0.0.1:%d;" % s.port)
        conf = conf.replace("listen 443 ssl;", "listen 127.0.0.1:%d ssl;" % port)
        conf = conf.replace("/etc/ssl/mailsec/fullchain.pem", cert).replace("/etc/ssl/mailsec/privkey.pem", key)
        conf = conf[:conf.rindex("server {")]  # the port-80 redirect is not needed here
        with open(os.path.join(d, "mailsec.conf"), "w") as f:
            f.write(conf)
        main = """daemon off;
master_process off;
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %(d)s/body;
  proxy_temp_path %(d)s/proxy;
  fastcgi_temp_path %(d)s/fastcgi;
  uwsgi_temp_path %(d)s/uwsgi;
  scgi_temp_path %(d)s/scgi;
  include %(d)s/mailsec.conf;
}
""" % dict(d=d)
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(main)
        ngx = subprocess.Popen(["nginx", "-c", os.path.join(d, "nginx.conf"), "-p", d, "-e", d + "/logs/error.log"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ctx = ssl.create_default_context(cafile=pki.ca_file)
        up = False
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                up = True
                break
            except OSError:
                if ngx.poll() is not None:
                    break
                time.sleep(0.1)
        if not up:
            with open(d + "/logs/error.log") as f:
                return [Result(NAME, t.be.label("via nginx over HTTPS"), "fail", "nginx did not start: " + f.read()[-1500:])]

        def hreq(method, path, headers=None, body=None):
            c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=20)
            try:
                hh = dict(headers or {})
                hh["Host"] = "mailsec.example.org"
                c.request(method, path, body=body, headers=hh)
                r = c.getresponse()
                data = r.read()
                hdrs = {}
                for k, v in r.getheaders():
                    hdrs.setdefault(k.lower(), []).append(v)
                t.seen(method, path, r.status, hdrs, data)
                return r.status, hdrs, data
            finally:
                c.close()
        ctx.check_hostname = False  # the certificate names mailsec.example.org; we connect to 127.0.0.1
        st, h, body = hreq("GET", "/login")
        m = re.search(rb'name="csrf" value="([0-9a-f]{64})"', body)
        lc = cookies_of(h).get("mailsec_login", ("", ""))
        if st != 200 or not m or "Secure" not in lc[1] or "strict-transport-security" not in h:
            p.append("GET /login over HTTPS: %d, login cookie %r, headers %r" % (st, lc, sorted(h)))
        else:
            st, h, _ = hreq("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded",
                                                "Cookie": "mailsec_login=" + lc[0]},
                            ("user=alice&password=alice-password&csrf=" + m.group(1).decode()).encode())
            sc = cookies_of(h).get("mailsec_session", ("", ""))
            if st != 303 or "Secure" not in sc[1]:
                p.append("sign-in over HTTPS: %d, session cookie %r" % (st, sc))
            st, _, body = hreq("GET", "/api/v1/domains", {"Cookie": "mailsec_session=" + sc[0]})
            if st != 200 or b"a.test" not in body:
                p.append("the API over HTTPS: %d %r" % (st, body[:200]))
            # the trusted proxy's X-Forwarded-For is the client: 20 failures from one address limit it only
            form = {"Content-Type": "application/x-www-form-urlencoded"}

            def try_from(addr, user, pw):
                csrf, lc2, _, _ = login_form(s)
                st, _, _ = s.req("POST", "/login", dict(form, Cookie="mailsec_login=" + lc2,
                                                        **{"X-Forwarded-For": "203.0.113.50, " + addr}),
                                 ("user=%s&password=%s&csrf=%s" % (user, pw, csrf)).encode())
                return st
            codes = [try_from("198.51.100.1", "nobody%d" % i, "x" * 8) for i in range(21)]
            if codes[-1] != 429 or try_from("198.51.100.1", "bob", "bob-password") != 429 or \
                    try_from("198.51.100.2", "bob", "bob-password") != 303:
                p.append("per-address limit through the trusted proxy: %r" % codes)
            st, _, body = hreq("POST", "/tlsrpt/v1", {"Content-Type": "application/tlsrpt+gzip"},
                               gzip.compress(json.dumps(dict(TLSRPT, **{"report-id": "via-nginx"})).encode()))
            if st != 201:
                p.append("TLS-RPT over HTTPS: %d %r" % (st, body[:200]))
    finally:
        if ngx and ngx.poll() is None:
            ngx.terminate()
            try:
                ngx.wait(10)
            except subprocess.TimeoutExpired:
                ngx.kill()
        rc, err = s.stop()
    if rc != 0 or sanitizer(err):
        p.append("exit %d: %s" % (rc, err[-1500:]))
    return [Result(NAME, t.be.label("via nginx over HTTPS (contrib/nginx/mailsec.conf)"), "fail" if p else "pass",
                   "\n".join(p))]


def run(args):
    res = []
    tmp = tempfile.mkdtemp(prefix="mailsec-serve-")
    try:
        t = T(args, SqliteBackend(tmp), tmp)
        db = t.be.new("serve")
        try:
            core(t, db)
            if "ASAN_OPTIONS" in os.environ or args.wrapper:
                res.append(Result(NAME, "via nginx over HTTPS", "skip",
                                  "runs once, in the plain build (not under sanitizers or valgrind)"))
            else:
                res += nginx(t, db)
            monitor(t, t.be.new("mon"))
            usage(t, db)
        except RuntimeError as e:
            t.check("mailsec serve starts", [str(e)])
        final(t)
        res += t.res
        pg = PgServer()
        try:
            why = pg.start()
            if why is not None:
                res.append(skip_or_fail(NAME, "serve [postgresql]: private server", why))
            else:
                tp = T(args, PgBackend(pg), tmp)
                try:
                    core(tp, tp.be.new("serve"), extra_checks=False)
                except RuntimeError as e:
                    tp.check("mailsec serve starts", [str(e)])
                final(tp)
                res += tp.res
        finally:
            pg.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res
