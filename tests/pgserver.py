"""tests/pgserver.py - a private PostgreSQL server for the store tests, and the store backends they run on.

PgServer starts its own cluster (initdb into a temporary folder owned by the
unprivileged postgres user, pg_ctl with a unix socket in that folder and no
TCP listener), creates databases in it, answers queries through psql, and
stops it by its data directory and deletes it.  The system's own cluster
(15/main) is never started or connected to.

SqliteBackend and PgBackend give the tests one shape for both stores:
new(name) is the --db value of a fresh store, query(db, sql) its rows as
tuples (integers as int), schema_version(db) what mailsec recorded.
"""
import glob
import os
import pwd
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "world"))
import live  # noqa: E402

PG_USER = "postgres"


def pg_bindir():
    """The newest /usr/lib/postgresql/N/bin holding initdb, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)))
    return os.path.dirname(found[-1]) if found else None


class PgServer:
    """One private cluster; start() returns None or why it could not start."""

    def __init__(self):
        self.base = self.data = self.sock = None
        self.bindir = pg_bindir()
        self.running = False
        self.dbs = 0

    def _as_pg(self, argv, timeout=120):
        cmd = ["runuser", "-u", PG_USER, "--"] + argv if os.geteuid() == 0 else argv
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")

    def start(self):
        if self.bindir is None:
            return "no PostgreSQL server installed (/usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)"
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam(PG_USER)
            except KeyError:
                return "no %s user to run the server as" % PG_USER
        if shutil.which("psql") is None:
            return "no psql client"
        live.register(self)
        self.base = tempfile.mkdtemp(prefix="mailsec-pg-")
        self.data = os.path.join(self.base, "data")
        self.sock = os.path.join(self.base, "sock")
        os.makedirs(self.sock)
        if os.geteuid() == 0:
            for d in (self.base, self.sock):
                os.chown(d, pw.pw_uid, pw.pw_gid)
        rc, out = self._as_pg([os.path.join(self.bindir, "initdb"), "-D", self.data, "-A", "trust",
                               "-U", PG_USER, "-E", "UTF8", "--locale=C", "--no-sync"])
        if rc != 0:
            return "initdb failed: %s" % out[-500:]
        # unix socket only (listen_addresses empty): nothing listens on TCP
        rc, out = self._as_pg([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-w", "-t", "60",
                               "-l", os.path.join(self.base, "server.log"),
                               "-o", "-k %s -c listen_addresses='' -c fsync=off" % self.sock, "start"])
        if rc != 0:
            log = ""
            try:
                log = open(os.path.join(self.base, "server.log")).read()[-800:]
            except OSError:
                pass
            return "pg_ctl start failed: %s %s" % (out[-500:], log)
        self.running = True
        return None

    def createdb(self, name):
        """A fresh database; returns its postgresql:// URI for --db."""
        self.dbs += 1
        db = "%s_%d" % (re.sub(r"[^a-z0-9_]", "_", name.lower()), self.dbs)
        p = subprocess.run(["psql", "-X", "-q", "-h", self.sock, "-U", PG_USER, "-d", "postgres",
                            "-v", "ON_ERROR_STOP=1", "-c", 'CREATE DATABASE "%s"' % db],
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("createdb %s: %s" % (db, p.stderr.decode()[-300:]))
        return self.uri(db)

    def uri(self, db):
        return "postgresql:///%s?host=%s&user=%s" % (db, self.sock, PG_USER)

    def query(self, uri, sql, timeout=60):
        """Rows of sql in the database named by uri, as tuples (integers as int)."""
        db = re.match(r"postgresql:///([^?]+)", uri).group(1)
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-h", self.sock, "-U", PG_USER,
                            "-d", db, "-v", "ON_ERROR_STOP=1", "-c", sql],
                           capture_output=True, timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError("psql: %s" % p.stderr.decode("utf-8", "replace")[-300:])
        rows = []
        for line in p.stdout.decode("utf-8", "replace").split("\n"):
            if line == "":
                continue
            rows.append(tuple(int(v) if re.fullmatch(r"-?\d+", v) else (None if v == "" else v)
                              for v in line.split("\t")))
        return rows

    def stop(self):
        if self.running:
            self._as_pg([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w",
                         "stop"])
            self.running = False
        if self.base:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None
        live.unregister(self)


class SqliteBackend:
    name = "sqlite"
    Error = sqlite3.Error
    now = "strftime('%s','now')"

    def __init__(self, tmp):
        self.tmp = tmp

    def label(self, text):
        return text

    def new(self, name):
        return os.path.join(self.tmp, name + ".db")

    def query(self, db, sql):
        c = sqlite3.connect(db)
        try:
            rows = c.execute(sql).fetchall()
            c.commit()
            return rows
        finally:
            c.close()

    def schema_version(self, db):
        return self.query(db, "PRAGMA user_version")[0][0]

    def set_schema_version(self, db, v):
        c = sqlite3.connect(db)
        c.execute("PRAGMA user_version = %d" % v)
        c.commit()
        c.close()

    def unopenable(self):
        return os.path.join(self.tmp, "nodir", "x", "y.db")

    def poll_count(self, db, sql):
        """sql's count, read-only and without waiting on a writer; 0 when there is none yet."""
        try:
            c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=0.2)
            try:
                return c.execute(sql).fetchone()[0]
            finally:
                c.close()
        except sqlite3.Error:
            return 0

    def integrity(self, db):
        return self.query(db, "PRAGMA integrity_check")[0][0]


class PgBackend:
    name = "postgresql"
    Error = RuntimeError
    now = "extract(epoch from now())::bigint"

    def __init__(self, server):
        self.server = server

    def label(self, text):
        """The SQLite test's name with [postgresql] after its subgroup."""
        head, sep, rest = text.partition(":")
        return "%s [postgresql]%s%s" % (head, sep, rest)

    def new(self, name):
        return self.server.createdb(name)

    def query(self, db, sql):
        return self.server.query(db, sql)

    def schema_version(self, db):
        rows = self.query(db, "SELECT to_regclass('mailsec_schema') IS NOT NULL")
        if rows[0][0] != "t":
            return 0
        rows = self.query(db, "SELECT coalesce(max(version), 0) FROM mailsec_schema")
        return rows[0][0]

    def set_schema_version(self, db, v):
        self.query(db, "CREATE TABLE mailsec_schema (version integer NOT NULL);"
                       " INSERT INTO mailsec_schema VALUES (%d)" % int(v))

    def unopenable(self):
        return self.server.uri("no_such_database")

    def poll_count(self, db, sql):
        try:
            return self.query(db, sql)[0][0]
        except RuntimeError:
            return 0    # no tables before the first migration commits

    def integrity(self, db):
        """amcheck over every B-tree index of the store's tables: "ok" or the first error."""
        try:
            self.query(db, "CREATE EXTENSION IF NOT EXISTS amcheck")
            self.query(db, "SELECT count(bt_index_check(i.indexrelid, true)) FROM pg_index i"
                           " JOIN pg_class c ON c.oid = i.indrelid"
                           " WHERE c.relnamespace = 'public'::regnamespace")
            return "ok"
        except RuntimeError as e:
            return str(e)
