"""
The database unreachable: verification goes on from memory, every call
that needs the database answers 503 "unavailable" with Retry-After
within 5 s (never a 500, never a hang), /healthz answers 503 with
"db":"down", the log names the cause, and service resumes by itself.

- SQLite: another process holds BEGIN EXCLUSIVE on the server's file
  (reads go on in WAL mode, every write waits for the lock); then its
  file size limit is set to one byte (RLIMIT_FSIZE, a full disk as far
  as writes go); then jotd starts on a locked file and must exit
  naming the lock.
- PostgreSQL (with JOT_INTEG_PG_DIR, the directory of the cluster of
  tests/pg/cluster.sh): the cluster is stopped for 10 s and started
  again on the same port.
"""

import os
import resource
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.parse

from harness import DB_URL, FAST_HASH, fresh_database, free_port

# The bound on an answer while the database is down.
BOUND_S = 5.0
# How long a recovery may take once the database is back (polled).
RECOVER_S = 20.0
PG_DIR = os.environ.get("JOT_INTEG_PG_DIR", "")
HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER = os.path.join(HERE, "..", "pg", "cluster.sh")


def unavailable(t, label, r):
    """Checks a 503 unavailable with Retry-After, answered within the
    issue's bound."""
    t.eq(label + ": 503 unavailable", r.error()[:2], (503, "unavailable"))
    t.check(label + ": Retry-After sent", r.header("Retry-After") == "1",
            "Retry-After: 1", repr(r.header("Retry-After")))
    t.check(label + ": answered within %.0f s" % BOUND_S,
            r.elapsed < BOUND_S, "< %.0f s" % BOUND_S, "%.2f s" % r.elapsed)


def health_down(t, label, s):
    r = s.get("/healthz")
    j = r.json() or {}
    t.eq(label + ": /healthz 503 with status unavailable, db down",
         (r.status, j.get("status"), j.get("db")),
         (503, "unavailable", "down"))
    t.check(label + ": /healthz 503 has Retry-After",
            r.header("Retry-After") is not None, "a Retry-After",
            "none")


def writes_refused(t, label, s, user, tokens):
    """Sign-up, login, refresh and logout: each a 503 within the bound."""
    unavailable(t, label + ": sign-up",
                s.signup(t.name("late"), t.password()))
    unavailable(t, label + ": login", s.login(user, tokens["password"]))
    unavailable(t, label + ": refresh", s.refresh(tokens["refresh_token"]))
    unavailable(t, label + ": logout",
                s.post("/v1/auth/logout", token=tokens["access_token"]))
    r = s.verify(tokens["access_token"])
    t.eq(label + ": /v1/verify of a token issued before answers 200",
         r.status, 200)
    r = s.get("/v1/me", token=tokens["access_token"])
    t.check(label + ": /v1/me answers 200 or 503, never 500",
            r.status in (200, 503), "200 or 503", r.status)


def login_until(s, user, password, limit):
    """Logs in until it works or limit seconds pass: the last answer."""
    deadline = time.monotonic() + limit
    while True:
        r = s.login(user, password)
        if r.status == 200 or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


def log_has(s, text, limit=5.0):
    """Whether text shows in the server's log within limit seconds (the
    log is written by a thread of its own)."""
    deadline = time.monotonic() + limit
    while text not in s.log():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def at_once(fn, n):
    """n calls of fn on threads of their own: their answers (None for
    one that raised)."""
    out = [None] * n

    def one(i):
        try:
            out[i] = fn()
        except Exception:  # reported as a missing answer
            out[i] = None

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return out


def prepare(t, s):
    """A user with a session: (username, tokens with the password)."""
    u, tokens = s.user()
    tokens["password"] = u["password"]
    return u["username"], tokens


def sqlite_lock(t):
    tmp = t.tmpdir("outage-lock")
    db = "sqlite:" + os.path.join(tmp, "jot.db")
    # The sync thread's own writes (every revocation_sync seconds) show
    # that writes work again as well as a request's: rarely here, so that
    # what a check sees is the requests' doing.
    s = t.server("outage-lock", FAST_HASH + ["--revocation_sync=60"],
                 tmp=tmp, db=db)
    user, tokens = prepare(t, s)
    holder = sqlite3.connect(s.db_file(), isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        writes_refused(t, "sqlite locked", s, user, tokens)
        health_down(t, "sqlite locked", s)
        t.check("sqlite locked: the log names \"database is locked\"",
                log_has(s, "database is locked"), "the cause logged",
                s.log()[-400:])
        n = s.log().count("database is locked")
        t.check("sqlite locked: the cause is logged a few times, not once "
                "a request (%d lines)" % n, 1 <= n <= 4, "1 to 4", n)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    r = login_until(s, user, tokens["password"], RECOVER_S)
    t.eq("sqlite unlocked: login answers 200 again, no restart", r.status,
         200)
    r = s.get("/healthz")
    t.eq("sqlite unlocked: /healthz 200 again", (r.status, r.json()),
         (200, {"status": "ok", "db": "ok"}))
    t.check("sqlite unlocked: the log says the database answers again",
            log_has(s, "the database answers again"), "that line",
            s.log()[-400:])
    t.check("sqlite: no answer was a 500 while locked",
            " 500 " not in s.log(), "no 500 in the request log",
            "a 500")
    return s


def sqlite_full(t, s):
    """Writes fail while reads work: the server's file size limit at one
    byte makes every write to its WAL file fail (EFBIG, SIGXFSZ
    ignored)."""
    user, tokens = prepare(t, s)
    soft, hard = resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE)
    resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE, (1, hard))
    try:
        r = s.signup(t.name("full"), t.password())
        unavailable(t, "sqlite writes failing: sign-up", r)
        r = s.refresh(tokens["refresh_token"])
        unavailable(t, "sqlite writes failing: refresh", r)
        r = s.verify(tokens["access_token"])
        t.eq("sqlite writes failing: /v1/verify answers 200", r.status, 200)
        r = s.get("/v1/me", token=tokens["access_token"])
        t.eq("sqlite writes failing: /v1/me (a read) answers 200",
             r.status, 200)
        health_down(t, "sqlite writes failing", s)
        t.check("sqlite writes failing: the server is still running",
                s.running(), "running", "gone")
    finally:
        resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE, (soft, hard))
    # And with no request either, /healthz sees the writes work again.
    deadline = time.monotonic() + RECOVER_S
    while s.get("/healthz").status != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    t.eq("sqlite writes again: /healthz 200 with no write request",
         s.get("/healthz").status, 200)
    r = login_until(s, user, tokens["password"], RECOVER_S)
    t.eq("sqlite writes again: login answers 200", r.status, 200)


def sqlite_locked_start(t):
    tmp = t.tmpdir("outage-start")
    db = "sqlite:" + os.path.join(tmp, "jot.db")
    s = t.server("outage-start", FAST_HASH, tmp=tmp, db=db)
    s.stop()
    holder = sqlite3.connect(s.db_file(), isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        t0 = time.monotonic()
        p = subprocess.run([t.jotd, "--listen=127.0.0.1:%d" % free_port(),
                            "--db=" + db] + FAST_HASH,
                           capture_output=True, env=s.env, cwd=tmp,
                           timeout=60)
        took = time.monotonic() - t0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = p.stderr.decode("utf-8", "replace")
    t.logs.append(("jotd on a locked database", err))
    t.check("locked at start: jotd exits non-zero", p.returncode != 0,
            "non-zero", p.returncode)
    t.check("locked at start: the message names the lock",
            "cannot migrate the database: database is locked" in err,
            "cannot migrate the database: database is locked", err.strip())
    t.check("locked at start: jotd gives up within %.0f s" % BOUND_S,
            took < BOUND_S, "< %.0f s" % BOUND_S, "%.1f s" % took)


def cluster(cmd):
    subprocess.run(["sh", CLUSTER, cmd, PG_DIR], check=True,
                   capture_output=True, timeout=120)


def pg_base():
    with open(os.path.join(PG_DIR, "url")) as f:
        return f.read().strip()


def pg_outage(t):
    base = DB_URL or pg_base()
    db = fresh_database(base, "jot_outage_%d" % os.getpid())
    s = t.server("outage-pg", FAST_HASH, db=db)
    user, tokens = prepare(t, s)
    spare = s.session(user, tokens["password"])
    cluster("pause")
    stopped = time.monotonic()
    try:
        writes_refused(t, "pg stopped", s, user, tokens)
        health_down(t, "pg stopped", s)
        # Requests at once, more than the lane has workers: none may
        # wait out the connection attempts of the others.
        answers = at_once(lambda: s.refresh(spare["refresh_token"]), 16)
        t.check("pg stopped: 16 refreshes at once all 503 within %.0f s"
                % BOUND_S,
                all(r is not None and r.status == 503 and
                    r.elapsed < BOUND_S for r in answers),
                "16 x 503 < %.0f s" % BOUND_S,
                [(r.status, round(r.elapsed, 2)) if r else None
                 for r in answers])
        time.sleep(max(0.0, 10.0 - (time.monotonic() - stopped)))
        unavailable(t, "pg stopped 10 s: login",
                    s.login(user, tokens["password"]))
        r = s.verify(tokens["access_token"])
        t.eq("pg stopped 10 s: /v1/verify answers 200", r.status, 200)
    finally:
        cluster("resume")
    r = login_until(s, user, tokens["password"], RECOVER_S)
    t.eq("pg back: login answers 200, no restart", r.status, 200)
    r = s.refresh(spare["refresh_token"])
    t.eq("pg back: a refresh token of before refreshes", r.status, 200)
    r = s.get("/healthz")
    t.eq("pg back: /healthz 200", (r.status, r.json()),
         (200, {"status": "ok", "db": "ok"}))
    t.check("pg: the log names the cause",
            log_has(s, "database failure ("), "a database failure line",
            s.log()[-400:])
    t.check("pg: the log says the database answers again",
            log_has(s, "the database answers again"), "that line",
            s.log()[-400:])


class Silent:
    """A loopback port that takes connections and never says a word: a
    host that black-holes what it is sent, as far as libpq can tell."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


def pg_silent_hosts(t, base):
    """A multi-host URL: a silent first host costs its share of the
    connect budget, then the next host is tried; with every host silent,
    jotd gives up within the bound, naming the timeout."""
    u = urllib.parse.urlsplit(fresh_database(base, "jot_silent_%d" %
                                             os.getpid()))
    real = "%s:%d" % (u.hostname, u.port)
    a, b = Silent(), Silent()
    try:
        db = urllib.parse.urlunsplit(u._replace(netloc="%s@127.0.0.1:%d,%s" % (
            u.username, a.port, real)))
        t0 = time.monotonic()
        s = t.server("outage-failover", FAST_HASH, db=db)
        took = time.monotonic() - t0
        r = s.get("/healthz")
        t.eq("pg: a silent first host, then the real one: /healthz 200",
             r.status, 200)
        t.say("started past a silent host in %.1f s" % took)
        s.stop()
        db = urllib.parse.urlunsplit(u._replace(
            netloc="%s@127.0.0.1:%d,127.0.0.1:%d" % (u.username, a.port,
                                                    b.port)))
        t0 = time.monotonic()
        p = subprocess.run([t.jotd, "--listen=127.0.0.1:%d" % free_port(),
                            "--db=" + db] + FAST_HASH, capture_output=True,
                           env=t.env(), timeout=60)
        took = time.monotonic() - t0
    finally:
        a.close()
        b.close()
    err = p.stderr.decode("utf-8", "replace")
    t.logs.append(("jotd on silent hosts", err))
    t.check("pg: two silent hosts: jotd exits non-zero", p.returncode != 0,
            "non-zero", p.returncode)
    t.check("pg: two silent hosts: \"cannot connect to the database\" "
            "with libpq's reason",
            "cannot connect to the database: postgresql: " in err and
            "timeout" in err, "the message", err.strip())
    t.check("pg: two silent hosts: gives up within %.0f s" % BOUND_S,
            took < BOUND_S, "< %.0f s" % BOUND_S, "%.1f s" % took)


def run(t):
    s = sqlite_lock(t)
    sqlite_full(t, s)
    sqlite_locked_start(t)
    if not PG_DIR:
        t.say("PostgreSQL outage skipped: JOT_INTEG_PG_DIR is not set "
              "(the directory of tests/pg/cluster.sh)")
        return
    pg_outage(t)
    pg_silent_hosts(t, DB_URL or pg_base())
