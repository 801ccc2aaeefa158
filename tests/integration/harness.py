"""
harness.py - black-box test harness for jotd.

Starts real jotd processes on free loopback ports, each with its own
temporary directory (database, secret, log), talks HTTP to them with
http.client, and counts checks.  Every check prints one line,
"ok - NAME" or "not ok - NAME: expected X got Y"; run.py prints the
final "N passed, M failed".

Python standard library only.
"""

import base64
import glob
import http.client
import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

UUID_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RFC3339_RE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+$")

# Fast password hashing for every server that is not about argon2id.
FAST_HASH = ["--password_hash=bcrypt", "--bcrypt_cost=10"]
# Every test client is 127.0.0.1, one address making hundreds of sign-ups
# in a run: servers get no sign-up limit unless a test sets signup_max.
NO_SIGNUP_LIMIT = "--signup_max=0"

# A PostgreSQL URL (tests/pg/cluster.sh prints one): when set, each
# server gets a database of its own in that cluster, made fresh, instead
# of a SQLite file in its directory.
DB_URL = os.environ.get("JOT_INTEG_DB_URL", "")

START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
HTTP_TIMEOUT = 30.0


def psql():
    """Debian's newest psql, or the one on the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"),
                   key=lambda p: int(p.split("/")[4])
                   if p.split("/")[4].isdigit() else 0)
    return found[-1] if found else (shutil.which("psql") or "psql")


def fresh_database(base, name):
    """Creates database NAME (safe characters only) in the cluster of the
    URL base and returns base with NAME as its database."""
    subprocess.run([psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                    "-d", base, "-c", 'CREATE DATABASE "%s"' % name],
                   check=True, capture_output=True, timeout=60)
    u = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(u._replace(path="/" + name))


class DatabasePool:
    """Fresh databases of the cluster at base, made ahead on a thread of
    their own: CREATE DATABASE takes a good part of a second (it copies
    template1), more than most servers take to start, so the next one is
    made while the tests run.  A database the thread could not make (the
    cluster down a moment) is made when it is taken instead, which fails
    loudly if it still cannot be."""

    AHEAD = 2

    def __init__(self, base):
        self.base = base
        self.made = queue.Queue(maxsize=self.AHEAD)
        self.stopping = threading.Event()
        self.n = 0
        self.thread = threading.Thread(target=self._fill, daemon=True)
        self.thread.start()

    def _name(self):
        self.n += 1
        return "jot_%d_%s" % (self.n, secrets.token_hex(3))

    def _fill(self):
        while not self.stopping.is_set():
            try:
                item = fresh_database(self.base, self._name())
            except Exception as e:  # handed to take(), which retries
                item = e
            while not self.stopping.is_set():
                try:
                    self.made.put(item, timeout=0.5)
                    break
                except queue.Full:
                    pass
            if isinstance(item, Exception):
                self.stopping.wait(1.0)

    def take(self):
        item = self.made.get(timeout=120)
        if isinstance(item, Exception):
            return fresh_database(self.base, "jot_late_%s" %
                                  secrets.token_hex(4))
        return item

    def stop(self):
        self.stopping.set()
        self.thread.join(70)


class StartError(Exception):
    pass


class SQLError(Exception):
    """A statement Server.sql could not run (psql's message)."""


# A string literal in SQL ('' doubles a quote) or a ? outside one.
_SQL_TOKEN = re.compile(r"'(?:[^']|'')*'|\?")


def pg_statement(query, params, prefix="p"):
    """query with each ? outside a string literal replaced for psql:
    (text, {variable: value}).  Strings become psql variables quoted by
    psql itself (:'name'), so no test data is ever spliced into the SQL;
    integers are written as literals, None as NULL."""
    params = list(params)
    names = {}
    used = [0]

    def one(m):
        if m.group(0) != "?":
            return m.group(0)
        if used[0] >= len(params):
            raise SQLError("fewer parameters than ? in %r" % query)
        v = params[used[0]]
        used[0] += 1
        if v is None:
            return "NULL"
        if isinstance(v, bool):         # no boolean columns: say so
            raise SQLError("a bool parameter in %r" % query)
        if isinstance(v, int):
            return str(int(v))
        if isinstance(v, str):
            if "\0" in v:
                raise SQLError("a NUL in a text parameter")
            name = "%s%d" % (prefix, used[0])
            names[name] = v
            return ":'%s'" % name
        raise SQLError("parameter of type %s in %r" % (type(v).__name__,
                                                       query))

    text = _SQL_TOKEN.sub(one, query)
    if used[0] != len(params):
        raise SQLError("more parameters than ? in %r" % query)
    return text, names


def _rows_of_json(line):
    """A row_to_json line as a tuple, in column order."""
    return json.loads(line, object_pairs_hook=lambda kv: tuple(
        v for _, v in kv))


def b64url_decode(s):
    if isinstance(s, str):
        s = s.encode("ascii")
    return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))


def jwt_parts(token):
    """(header, claims) of a compact JWS, decoded without verification."""
    h, p, _ = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p))


def tamper(token, segment=2):
    """Changes the middle character of a segment (0-2) to its neighbour in
    the base64url alphabet, which flips one bit of the decoded bytes."""
    alphabet = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                "0123456789-_")
    parts = token.split(".")
    seg = parts[segment]
    i = len(seg) // 2
    j = alphabet.index(seg[i])
    parts[segment] = seg[:i] + alphabet[j ^ 1] + seg[i + 1:]
    return ".".join(parts)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def raw_exchange(port, data, timeout=10.0, half_close=False, whole=False):
    """Sends raw bytes on a new loopback connection and reads until the
    peer closes, the answer is complete (Content-Length read; not with
    whole, which waits for the close) or timeout seconds pass: (status or
    None, body of the first answer, everything received)."""
    got = b""
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        try:
            c.sendall(data)
            if half_close:
                c.shutdown(socket.SHUT_WR)
            while time.monotonic() < deadline:
                c.settimeout(max(0.05, deadline - time.monotonic()))
                chunk = c.recv(65536)
                if not chunk:
                    break
                got += chunk
                head, sep, body = got.partition(b"\r\n\r\n")
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if not whole and sep and m and len(body) >= int(m.group(1)):
                    break
        except (socket.timeout, ConnectionError):
            pass
    m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
    body = got.partition(b"\r\n\r\n")[2]
    return (int(m.group(1)) if m else None), body, got


def short(v, limit=300):
    text = repr(v)
    return text if len(text) <= limit else text[:limit] + "..."


def show(r):
    """An answer in a few words, for the log of a check: a Response, a
    (status, body) pair from raw_exchange, None, or an exception."""
    if r is None:
        return "no answer"
    if isinstance(r, tuple):
        st, body = r
        if st is None:
            return "closed without an answer"
        try:
            j = json.loads(body)
            if isinstance(j, dict) and "error" in j:
                return "%d %s \"%s\"" % (st, j.get("error"),
                                         j.get("error_description"))
        except ValueError:
            pass
        return "%d %s" % (st, short(body[:60]))
    if not hasattr(r, "status"):
        return type(r).__name__
    st, err, desc = r.error()
    if err is None:
        return "%d %s" % (st, short(r.body[:60]))
    return "%d %s \"%s\"" % (st, err, desc)


def healthy(t, s, label):
    """Checks that server s still answers /healthz with 200."""
    try:
        st = s.get("/healthz").status
    except Exception as e:  # reported as the check's value
        st = type(e).__name__
    t.check(label + ": the server is still up (/healthz 200)",
            st == 200 and s.running(), "200 and running",
            "%r running=%s" % (st, s.running()))


class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body                # bytes
        self.elapsed = elapsed          # seconds, request sent to body read

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def error(self):
        """(status, error, error_description) of an error answer."""
        j = self.json()
        if not isinstance(j, dict):
            return (self.status, None, None)
        return (self.status, j.get("error"), j.get("error_description"))

    def __repr__(self):
        return "<%d %s>" % (self.status, short(self.body, 200))


class Server:
    """One jotd process."""

    def __init__(self, t, name, flags, env, tmp, db):
        self.t = t
        self.name = name
        self.flags = list(flags)
        self.env = env
        self.tmp = tmp
        self.db = db
        self.port = None
        self.proc = None
        self.lines = []
        self.listening = threading.Event()
        self.reader = None
        self.log_path = None
        self.issuer = None
        self.starts = 0

    # -- process ------------------------------------------------------

    def start(self, port=None):
        last = ""
        for _ in range(3):
            self.port = port or free_port()
            try:
                self._start_once()
                return self
            except StartError as e:
                last = str(e)
                if port is not None or "listen" not in last:
                    break
        raise StartError("%s did not start: %s" % (self.name, last))

    def _start_once(self):
        self.starts += 1
        self.log_path = os.path.join(self.tmp, "%s-%d.log" % (
            re.sub(r"[^A-Za-z0-9_-]", "_", self.name), self.starts))
        argv = [self.t.jotd, "--listen=127.0.0.1:%d" % self.port,
                "--db=" + self.db] + self.flags
        if not any(f.startswith("--signup_max") for f in self.flags):
            argv.append(NO_SIGNUP_LIMIT)
        self.listening = threading.Event()
        self.lines = []
        log = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=self.env,
                                     cwd=self.tmp)
        self.t.processes.append(self)

        def read(proc=self.proc, lines=self.lines, ev=self.listening):
            for raw in proc.stderr:
                line = raw.decode("utf-8", "replace")
                lines.append(line)
                log.write(line)
                log.flush()
                if "listening on" in line:
                    ev.set()
            log.close()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.listening.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.reader.join(2)
                if self.proc.poll() is None:
                    self.proc.kill()
                    self.proc.wait()
                self._collect()
                rc, self.proc = self.proc.returncode, None
                raise StartError("".join(self.lines).strip() or
                                 "no output, exit %s" % rc)
        m = re.search(r"listening on (\S+)", "".join(self.lines))
        self.issuer = m.group(1) if m else None

    def _collect(self):
        if self.proc in self.t.collected:
            return
        self.t.collected.add(self.proc)
        self.t.logs.append((self.name, "".join(self.lines)))

    def stop(self, sig=signal.SIGTERM, check=True):
        """Stops with sig; checks exit status 0 (a check of its own)."""
        if self.proc is None:
            return None
        proc = self.proc
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            rc = proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
            rc = "hung (killed)"
        self.reader.join(5)
        self._collect()
        self.proc = None
        if check:
            self.t.eq("%s: jotd exits 0 on %s" % (self.name,
                                                  signal.Signals(sig).name),
                      rc, 0)
        return rc

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        return "".join(self.lines)

    # -- HTTP ---------------------------------------------------------

    def connect(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port,
                                       timeout=HTTP_TIMEOUT)
        c.connect()
        return c

    def request(self, method, path, body=None, headers=None, json_body=None,
                token=None, conn=None):
        """One request on a new connection (or on conn)."""
        hdrs = {}
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
            self.t.note_request(json_body)
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        if headers:
            hdrs.update(headers)
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        if isinstance(body, str):
            body = body.encode("utf-8")
        own = conn is None
        c = conn or self.connect()
        try:
            t0 = time.perf_counter()
            c.request(method, path, body=body, headers=hdrs)
            r = c.getresponse()
            data = r.read()
            elapsed = time.perf_counter() - t0
            resp = Response(r.status, r.getheaders(), data, elapsed)
        finally:
            if own:
                c.close()
        self.t.note_response(resp)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json_body=None, **kw):
        return self.request("POST", path, json_body=json_body, **kw)

    # -- conveniences -------------------------------------------------

    def signup(self, username, password, **kw):
        return self.post("/v1/users", {"username": username,
                                       "password": password}, **kw)

    def login(self, username, password, **kw):
        return self.post("/v1/auth/login", {"username": username,
                                            "password": password}, **kw)

    def refresh(self, refresh_token, **kw):
        return self.post("/v1/auth/refresh",
                         {"refresh_token": refresh_token}, **kw)

    def verify(self, token, **kw):
        return self.get("/v1/verify", token=token, **kw)

    def user(self, username=None, password=None, ua=None):
        """Signs up and logs in a new user: (user json, login json)."""
        username = username or self.t.name("user")
        password = password or self.t.password()
        r = self.signup(username, password)
        if r.status != 201:
            raise AssertionError("sign-up of %s: %r" % (username, r))
        u = r.json()
        u["password"] = password
        lr = self.login(username, password,
                        headers={"User-Agent": ua} if ua else None)
        if lr.status != 200:
            raise AssertionError("login of %s: %r" % (username, lr))
        return u, lr.json()

    def session(self, username, password, ua=None, headers=None):
        """Logs in; the token response as a dict (fails loudly)."""
        h = dict(headers or {})
        if ua:
            h["User-Agent"] = ua
        r = self.login(username, password, headers=h)
        if r.status != 200:
            raise AssertionError("login of %s: %r" % (username, r))
        return r.json()

    def wait_refused(self, token, limit, step=0.05):
        """Polls /v1/verify until the token is refused or limit seconds
        pass: (seconds it took or None, last response)."""
        t0 = time.monotonic()
        while True:
            r = self.verify(token)
            if r.status != 200:
                return time.monotonic() - t0, r
            if time.monotonic() - t0 > limit:
                return None, r
            time.sleep(step)

    @property
    def engine(self):
        """"sqlite" or "pg": what a test that must differ looks at."""
        return "sqlite" if self.db.startswith("sqlite:") else "pg"

    def db_file(self):
        """The SQLite file of this server's database (SQLite only)."""
        if self.engine != "sqlite":
            raise SQLError("%s has no database file (%s)" % (self.name,
                                                             self.engine))
        return self.db[len("sqlite:"):]

    def secret_path(self):
        """Where jotd generates its secret when none is given (seal.c):
        beside the SQLite file, else data/secret in its directory."""
        if self.engine == "sqlite":
            return os.path.join(os.path.dirname(self.db_file()), "secret")
        return os.path.join(self.tmp, "data", "secret")

    def sql(self, query, params=()):
        """Runs one statement on this server's database, whatever the
        engine, and returns its rows as a list of tuples (integers as
        int, text as str, NULL as None; [] for a statement without
        rows).  Parameters are ? in query, never spliced in: the sqlite3
        module binds them, and on PostgreSQL psql quotes them.  Reads
        open a SQLite file read-only."""
        if self.engine == "sqlite":
            read = query.lstrip().split(None, 1)[0].upper() in (
                "SELECT", "WITH", "PRAGMA")
            target = ("file:%s?mode=ro" % urllib.parse.quote(
                self.db_file())) if read else self.db_file()
            con = sqlite3.connect(target, uri=read, timeout=10)
            try:
                with con:
                    return con.execute(query, tuple(params)).fetchall()
            finally:
                con.close()
        text, names = pg_statement(query.strip().rstrip(";"), params)
        if query.lstrip().split(None, 1)[0].upper() in ("SELECT", "WITH"):
            text = "SELECT row_to_json(q) FROM (%s) q" % text
        out = self._psql(text + ";\n", names)
        return [_rows_of_json(l) for l in out.splitlines() if l.strip()]

    def sql_many(self, query, rows):
        """Runs query once per parameter tuple of rows, in one
        transaction (sqlite3's executemany, or one psql script)."""
        rows = [tuple(r) for r in rows]
        if self.engine == "sqlite":
            con = sqlite3.connect(self.db_file(), timeout=10)
            try:
                with con:
                    con.executemany(query, rows)
            finally:
                con.close()
            return
        script, names = ["BEGIN;"], {}
        for i, r in enumerate(rows):
            text, v = pg_statement(query.strip().rstrip(";"), r,
                                   "r%d_" % i)
            script.append(text + ";")
            names.update(v)
        script.append("COMMIT;")
        self._psql("\n".join(script) + "\n", names)

    def _psql(self, script, names):
        """Runs a psql script with variables names on this server's
        database: its output, one unaligned row a line."""
        argv = [psql(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-d", self.db, "-f", "-"]
        for k, v in names.items():
            argv += ["-v", "%s=%s" % (k, v)]
        p = subprocess.run(argv, input=script.encode("utf-8"),
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            raise SQLError("psql: %s" % p.stderr.decode("utf-8",
                                                        "replace").strip())
        return p.stdout.decode("utf-8")

    def users(self):
        """{id: username} from "jotd user list" (None if it failed)."""
        rc, out, _ = self.cli(["user", "list"])
        if rc != 0:
            return None
        rows = [l.split("\t") for l in out.splitlines() if l.strip()]
        return {r[0]: r[1] for r in rows if len(r) >= 2}

    def cli(self, args, stdin=None):
        """Runs "jotd ARGS --db=..." with this server's environment and
        flags that matter to administration (password hashing)."""
        return self.t.cli(args + ["--db=" + self.db] +
                          [f for f in self.flags
                           if f.startswith(("--password_hash", "--bcrypt",
                                            "--secret_file"))],
                          env=self.env, stdin=stdin, cwd=self.tmp)


class Tester:
    """Counts checks, owns the servers, remembers every secret used."""

    def __init__(self, build_dir):
        self.build = os.path.abspath(build_dir)
        self.jotd = os.path.join(self.build, "jotd")
        self.jot = os.path.join(self.build, "jot")
        self.root = tempfile.mkdtemp(prefix="jot-integ-")
        self.passed = 0
        self.failed = 0
        self.processes = []
        self.collected = set()
        self.logs = []              # (name, text) of every jotd run
        self.secrets = set()        # passwords, tokens, server secrets
        self.counter = 0
        self.lock = threading.Lock()
        self.group = ""
        self.pool = None            # DatabasePool, on PostgreSQL

    # -- output -------------------------------------------------------

    def say(self, text):
        for line in str(text).splitlines():
            print("# " + line)
        sys.stdout.flush()

    def ok(self, name):
        with self.lock:
            self.passed += 1
            print("ok - %s" % name)
            sys.stdout.flush()

    def not_ok(self, name, expected, got):
        with self.lock:
            self.failed += 1
            print("not ok - %s: expected %s got %s" % (name, expected, got))
            sys.stdout.flush()

    def check(self, name, cond, expected="true", got="false"):
        if cond:
            self.ok(name)
        else:
            self.not_ok(name, expected, got)
        return bool(cond)

    def eq(self, name, got, expected):
        if got == expected:
            self.ok(name)
            return True
        self.not_ok(name, short(expected), short(got))
        return False

    def error(self, name, resp, status, code, description=None):
        """Checks an error answer: status, "error" and, when given,
        "error_description"."""
        got = resp.error()
        want = (status, code, description)
        if description is None:
            got = got[:2] + (None,)
        return self.eq(name, got, want)

    # -- names and secrets --------------------------------------------

    def name(self, prefix="user"):
        with self.lock:
            self.counter += 1
            return "%s%d_%s" % (prefix, self.counter, secrets.token_hex(3))

    def password(self):
        pw = "pw-" + secrets.token_urlsafe(12)
        self.secrets.add(pw)
        return pw

    def note_request(self, body):
        if isinstance(body, dict):
            for k, v in body.items():
                if "password" in k and isinstance(v, str) and len(v) >= 8:
                    self.secrets.add(v)

    def note_response(self, resp):
        j = resp.json() if resp.body[:1] == b"{" else None
        if isinstance(j, dict):
            for k in ("access_token", "refresh_token"):
                if isinstance(j.get(k), str) and j[k]:
                    self.secrets.add(j[k])

    # -- servers ------------------------------------------------------

    def tmpdir(self, name):
        d = tempfile.mkdtemp(prefix=re.sub(r"[^A-Za-z0-9_-]", "_", name) + "-",
                             dir=self.root)
        return d

    def env(self, secret=True):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("JOTD_")}
        env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
        if secret:
            s = secrets.token_urlsafe(40)
            self.secrets.add(s)
            env["JOTD_SECRET"] = s
        return env

    def server(self, name, flags=(), env=None, tmp=None, db=None, start=True,
               secret=True):
        """A jotd with a fresh directory and database, started."""
        tmp = tmp or self.tmpdir(name)
        db = db or self.database(name, tmp)
        s = Server(self, name, flags, env if env is not None else
                   self.env(secret), tmp, db)
        if start:
            s.start()
        return s

    @property
    def engine(self):
        """The engine servers get by default: "pg" or "sqlite"."""
        return "pg" if DB_URL else "sqlite"

    def database(self, name, tmp):
        """A new, empty database URL for the default engine: a fresh
        database in the JOT_INTEG_DB_URL cluster, else a SQLite file
        jot.db in tmp (created by the first jotd to open it)."""
        if not DB_URL:
            return "sqlite:" + os.path.join(tmp, "jot.db")
        with self.lock:
            if self.pool is None:
                self.pool = DatabasePool(DB_URL)
        url = self.pool.take()
        self.say("database of %s: %s" % (name, url.rsplit("/", 1)[-1]))
        return url

    def skip(self, what, why):
        """A check that does not apply to this engine: a comment line,
        never counted as passed."""
        self.say("skipped on %s: %s (%s)" % (self.engine, what, why))

    def cli(self, args, env=None, stdin=None, cwd=None, timeout=60):
        """Runs jotd ARGS: (exit status, stdout, stderr)."""
        p = subprocess.run([self.jotd] + args, input=stdin,
                           capture_output=True, env=env or self.env(),
                           cwd=cwd or self.root, timeout=timeout)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        self.logs.append(("jotd " + " ".join(args[:3]), err))
        return p.returncode, out, err

    def stop_all(self):
        for s in self.processes:
            if s.proc is not None:
                s.stop()
        self.processes = []

    def cleanup(self, keep=False):
        if self.pool is not None:
            self.pool.stop()
        for s in self.processes:
            if s.proc is not None and s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        if keep:
            self.say("server directories and logs kept in " + self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)
