"""
Two jotd nodes on one database (SQLite, or PostgreSQL under
JOT_INTEG_DB_URL): the same keys, and a logout on one node reaching the
other within revocation_sync + 1 seconds.

Then the fast path, with the timers out of the way (revocation_sync 60,
key_sync 3600): a logout on node A, and "jotd keys rotate" run against
the database, reach node B within FAST seconds, as the revocation
sequence (heard through LISTEN/NOTIFY on PostgreSQL, read every tick on
SQLite) carries them.  With db_listen = off the same logout must NOT
reach B that fast: the timer alone is left, which proves that the fast
path is what does it.  On PostgreSQL the server also ends the listening
connections: each node says so in its log, listens again, says that too,
and hears the next logout as fast; a node given db_listen (the URL of
the same database) hears through it, and one whose db_listen cannot be
reached says so, without the URL's password, and serves all the same;
one whose db_listen accepts connections but never answers (each attempt
then lasts the whole connect timeout) still reads the revocations on
its timer, as the attempts run off the sync thread.
"""

import socket
import subprocess
import threading
import time

from harness import DB_URL, FAST_HASH, jwt_parts, psql

SYNC = 1
FAST = 2.0
SLOW = ["--revocation_sync=60", "--key_sync=3600"]


def pair(t, name, flags):
    a = t.server(name + "-a", flags)
    b = t.server(name + "-b", flags, env=a.env, tmp=a.tmp, db=a.db)
    return a, b


def signing_kid(t, node, username, password):
    r = node.login(username, password)
    if r.status != 200:
        return None
    return jwt_parts((r.json() or {}).get("access_token", "..."))[0].get(
        "kid")


def wait_kid(t, node, username, password, kid, limit):
    """Logs in on node until its access token carries kid or limit
    seconds pass: (seconds it took or None, the last kid seen)."""
    t0 = time.monotonic()
    while True:
        got = signing_kid(t, node, username, password)
        if got == kid:
            return time.monotonic() - t0, got
        if time.monotonic() - t0 > limit:
            return None, got
        time.sleep(0.02)


def fast_path(t):
    flags = FAST_HASH + SLOW + ["--issuer=https://cluster.test"]
    a, b = pair(t, "fast", flags)
    u, s = a.user()
    t.eq("fast path: the token verifies on node B",
         b.verify(s["access_token"]).status, 200)
    r = a.request("POST", "/v1/auth/logout", token=s["access_token"])
    t.eq("fast path: logout on node A -> 204", r.status, 204)
    took, r = b.wait_refused(s["access_token"], FAST, step=0.01)
    t.say("node B refused the logged-out session's token after %s s "
          "(revocation_sync 60)" %
          ("%.3f" % took if took is not None else "more than %.0f" % FAST))
    t.check("node B refuses it within %.0f s, long before revocation_sync"
            % FAST, took is not None and took <= FAST,
            "<= %.1f s" % FAST, "%s (%r)" % (took, r))
    t.error("node B: ... with \"session revoked\"", r, 401, "invalid_token",
            "session revoked")

    old = signing_kid(t, b, u["username"], u["password"])
    rc, out, err = a.cli(["keys", "rotate"])
    kid = out.strip()
    t.check("jotd keys rotate against the database prints the new kid",
            rc == 0 and kid and kid != old, "exit 0, a new kid",
            "exit %s, %r (was %r) %s" % (rc, kid, old, err.strip()))
    took, got = wait_kid(t, b, u["username"], u["password"], kid, FAST)
    t.say("node B signed with the new kid after %s s (key_sync 3600)" %
          ("%.3f" % took if took is not None else "more than %.0f" % FAST))
    t.check("node B signs with the new kid within %.0f s" % FAST,
            took is not None, kid, got)
    if DB_URL:
        listener_lost(t, a, b)
        listen_elsewhere(t, a, flags)
    b.stop()
    a.stop()


def listen_elsewhere(t, a, flags):
    c = t.server("fast-c", flags + ["--db_listen=" + a.db], env=a.env,
                 tmp=a.tmp, db=a.db)
    _, s = a.user()
    r = a.request("POST", "/v1/auth/logout", token=s["access_token"])
    t.eq("db_listen=<the database's URL>: logout on node A -> 204",
         r.status, 204)
    took, r = c.wait_refused(s["access_token"], FAST, step=0.01)
    t.check("a node listening on db_listen refuses it within %.0f s" % FAST,
            took is not None, "<= %.1f s" % FAST, "%s (%r)" % (took, r))
    c.stop()

    password = "listen-" + t.password()
    t.secrets.add(password)
    d = t.server("fast-d", flags + [
        "--db_listen=postgresql://jot:%s@127.0.0.1:1/jot" % password],
        env=a.env, tmp=a.tmp, db=a.db)
    _, s = a.user()
    t.eq("a node whose db_listen cannot be reached serves",
         d.verify(s["access_token"]).status, 200)
    t.check("... and logs that it has no listening connection",
            wait_log(d, "no listening connection", 10), "a log line",
            d.log()[-300:])
    time.sleep(1.0)             # a few more tries, backing off
    t.check("... once, however often it tries again",
            d.log().count("no listening connection") == 1, "1",
            str(d.log().count("no listening connection")))
    d.stop()
    silent_listen(t, a)


def silent_listen(t, a):
    """A db_listen that accepts and never answers."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    held = []
    stop = threading.Event()

    def hold():
        lsock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(lsock.accept()[0])
            except OSError:
                pass

    th = threading.Thread(target=hold, daemon=True)
    th.start()
    flags = FAST_HASH + ["--revocation_sync=%d" % SYNC, "--key_sync=3600",
                         "--issuer=https://cluster.test",
                         "--db_listen=postgresql://jot@127.0.0.1:%d/jot" %
                         lsock.getsockname()[1]]
    e = t.server("fast-e", flags, env=a.env, tmp=a.tmp, db=a.db)
    _, s = a.user()
    time.sleep(0.5)             # e is inside a connection attempt by now
    r = a.request("POST", "/v1/auth/logout", token=s["access_token"])
    t.eq("silent db_listen: logout on node A -> 204", r.status, 204)
    took, r = e.wait_refused(s["access_token"], SYNC + 1.0, step=0.02)
    t.check("a node whose db_listen never answers still refuses it within "
            "revocation_sync + 1 s", took is not None,
            "<= %.1f s" % (SYNC + 1.0), "%s (%r)" % (took, r))
    e.stop()
    stop.set()
    th.join(2)
    for c in held:
        c.close()
    lsock.close()


def wait_log(node, text, limit):
    t0 = time.monotonic()
    while text not in node.log():
        if time.monotonic() - t0 > limit:
            return False
        time.sleep(0.05)
    return True


def listener_lost(t, a, b):
    p = subprocess.run(
        [psql(), "-X", "-q", "-At", "-d", b.db, "-c",
         "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) "
         "FROM pg_stat_activity WHERE datname = current_database() "
         "AND query LIKE 'LISTEN%'"],
        capture_output=True, timeout=60)
    t.eq("the server ends both nodes' listening connections",
         p.stdout.decode().strip(), "2")
    t.check("node B logs that its listening connection is lost",
            wait_log(b, "listening connection lost", 10),
            "a log line", b.log()[-300:])
    t.check("... and that it is back",
            wait_log(b, "listening connection back", 10),
            "a log line", b.log()[-300:])
    _, s = a.user()
    r = a.request("POST", "/v1/auth/logout", token=s["access_token"])
    t.eq("after the loss: logout on node A -> 204", r.status, 204)
    took, r = b.wait_refused(s["access_token"], FAST, step=0.01)
    t.say("after the loss, node B refused a logged-out token after %s s" %
          ("%.3f" % took if took is not None else "more than %.0f" % FAST))
    t.check("after the loss, node B refuses it within %.0f s" % FAST,
            took is not None, "<= %.1f s" % FAST, "%s (%r)" % (took, r))


def poll_alone(t):
    flags = FAST_HASH + SLOW + ["--db_listen=off",
                                "--issuer=https://cluster.test"]
    a, b = pair(t, "poll", flags)
    _, s = a.user()
    r = a.request("POST", "/v1/auth/logout", token=s["access_token"])
    t.eq("db_listen=off: logout on node A -> 204", r.status, 204)
    t.error("db_listen=off: node A refuses the token at once",
            a.verify(s["access_token"]), 401, "invalid_token",
            "session revoked")
    took, r = b.wait_refused(s["access_token"], FAST + 1.0, step=0.05)
    t.check("db_listen=off: node B still accepts it after %.0f s (only "
            "the 60 s timer is left)" % (FAST + 1.0), took is None,
            "200 throughout", "refused after %s s (%r)" % (took, r))
    b.stop()
    a.stop()


def run(t):
    flags = FAST_HASH + ["--revocation_sync=%d" % SYNC,
                         "--issuer=https://cluster.test"]
    a = t.server("node-a", flags)
    # Node B: same directory, database and secret, another port.
    b = t.server("node-b", flags, env=a.env, tmp=a.tmp, db=a.db)

    ja, jb = a.get("/.well-known/jwks.json"), b.get("/.well-known/jwks.json")
    t.check("both nodes publish the same JWKS",
            ja.status == 200 and ja.json() == jb.json() and
            (ja.json() or {}).get("keys"), "equal, non-empty",
            "%r / %r" % (ja, jb))

    u, s1 = a.user()
    r = b.verify(s1["access_token"])
    t.eq("a token from node A verifies on node B",
         (r.status, r.header("X-Auth-Subject")), (200, u["id"]))
    s2 = b.session(u["username"], u["password"])
    t.eq("a user made on node A logs in on node B; the token verifies on A",
         a.verify(s2["access_token"]).status, 200)
    r = b.refresh(s1["refresh_token"])
    t.eq("node B refreshes a session made on node A", r.status, 200)
    s1 = r.json() or s1

    r = a.request("POST", "/v1/auth/logout", token=s1["access_token"])
    t.eq("logout on node A -> 204", r.status, 204)
    t.error("node A refuses the token at once", a.verify(s1["access_token"]),
            401, "invalid_token", "session revoked")
    took, r = b.wait_refused(s1["access_token"], SYNC + 1.0, step=0.02)
    t.say("node B refused the logged-out session's token after %s s" %
          ("%.2f" % took if took is not None else "more than 2"))
    t.check("node B refuses it within revocation_sync + 1 s",
            took is not None and took <= SYNC + 1.0,
            "<= %.1f s" % (SYNC + 1.0), "%s (%r)" % (took, r))
    t.error("node B: ... with \"session revoked\"", r, 401, "invalid_token",
            "session revoked")
    t.error("node B refuses the session's refresh token",
            b.refresh(s1["refresh_token"]), 401, "invalid_grant")
    t.eq("node B: the user's other session lives",
         b.verify(s2["access_token"]).status, 200)

    # Reuse detected on one node revokes on the other.
    _, k = a.user()
    r = a.refresh(k["refresh_token"])
    t.eq("rotate on node A", r.status, 200)
    n = r.json() or {}
    b2 = t.server("node-b-grace0", flags + ["--refresh_reuse_grace=0"],
                  env=a.env, tmp=a.tmp, db=a.db)
    t.error("the superseded token on a grace-0 node -> 401 invalid_grant",
            b2.refresh(k["refresh_token"]), 401, "invalid_grant")
    t.error("node A then refuses the newest refresh token",
            a.refresh(n.get("refresh_token", "")), 401, "invalid_grant")
    took, r = a.wait_refused(n.get("access_token", ""), SYNC + 1.0)
    t.check("node A refuses the newest access token within "
            "revocation_sync + 1 s",
            took is not None and r.error()[2] == "session revoked",
            "\"session revoked\"", "%s (%r)" % (took, r))
    b2.stop()
    b.stop()
    a.stop()

    fast_path(t)
    poll_alone(t)
