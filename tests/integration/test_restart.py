"""
Restarts: users, keys, sessions and revocations live in the database
and the secret in its file, so tokens outlive the process.
"""

import os
import secrets
import signal
import stat
import time

from harness import FAST_HASH, StartError, jwt_parts

ISSUER = "https://restart.test"


def jwks_kids(s):
    return sorted(k.get("kid") for k in
                  (s.get("/.well-known/jwks.json").json() or {}).get("keys",
                                                                     []))


def run(t):
    # With a secret_file.
    tmp = t.tmpdir("restart")
    secret_path = os.path.join(tmp, "server.secret")
    secret = secrets.token_urlsafe(48)
    t.secrets.add(secret)
    fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, (secret + "\n").encode())
    os.close(fd)
    flags = FAST_HASH + ["--issuer=" + ISSUER, "--secret_file=" + secret_path]
    s = t.server("restart", flags, tmp=tmp, secret=False)
    u, j = s.user()
    kids = jwks_kids(s)
    _, gone = s.user()
    s.request("POST", "/v1/auth/logout", token=gone["access_token"])
    s.stop(signal.SIGTERM)

    s.start()
    r = s.login(u["username"], u["password"])
    t.eq("after a restart: login -> 200", r.status, 200)
    r = s.get("/v1/me", token=(r.json() or {}).get("access_token", ""))
    t.eq("after a restart: the same user id", (r.json() or {}).get("id"),
         u["id"])
    t.eq("after a restart: the same signing keys in the JWKS",
         jwks_kids(s), kids)
    t.check("after a restart: the old access token's kid is published",
            jwt_parts(j["access_token"])[0].get("kid") in kids, "published",
            "absent")
    r = s.verify(j["access_token"])
    t.eq("after a restart: the old access token verifies",
         (r.status, r.header("X-Auth-Subject")), (200, u["id"]))
    r = s.refresh(j["refresh_token"])
    t.eq("after a restart: the old refresh token refreshes (gen 2)",
         (r.status, jwt_parts((r.json() or {}).get("refresh_token",
                                                   "a.e30.c"))[1].get("gen")),
         (200, 2))
    t.error("after a restart: a session logged out before it stays revoked "
            "(access token)", s.verify(gone["access_token"]), 401,
            "invalid_token", "session revoked")
    t.error("after a restart: ... and its refresh token -> 401",
            s.refresh(gone["refresh_token"]), 401, "invalid_grant")
    s.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    t.check("after SIGHUP: still running, healthy, tokens verify",
            s.running() and s.get("/healthz").status == 200 and
            s.verify(j["access_token"]).status == 200,
            "running and 200", "running=%s" % s.running())
    s.stop(signal.SIGINT)

    # With a secret generated into the data directory.
    g = t.server("restart-generated", FAST_HASH + ["--issuer=" + ISSUER],
                 secret=False)
    path = g.secret_path()
    t.check("no secret given: one is generated (beside the SQLite file, "
            "else data/secret) and the log says so",
            os.path.exists(path) and "new server secret" in g.log(),
            "a file and a log line", repr(g.log()[:300]))
    if os.path.exists(path):
        mode = stat.S_IMODE(os.stat(path).st_mode)
        t.eq("the generated secret file has mode 0600", oct(mode), oct(0o600))
        with open(path) as f:
            t.secrets.add(f.read().strip())
    u, j = g.user()
    g.stop()
    g.start()
    t.check("the second start does not generate another secret",
            "new server secret" not in g.log(), "no such line",
            repr(g.log()[:300]))
    t.eq("generated secret: the refresh token survives a restart",
         g.refresh(j["refresh_token"]).status, 200)
    t.eq("generated secret: the access token survives a restart",
         g.verify(j["access_token"]).status, 200)
    g.stop()

    # A password stored with bcrypt still logs in once the server hashes
    # with argon2id (and is rehashed on the way).
    h = t.server("restart-rehash", FAST_HASH)
    u, _ = h.user()
    h.stop()
    h.flags = [f for f in h.flags if f not in FAST_HASH]
    h.start()
    t.eq("bcrypt hash, argon2id server: login -> 200",
         h.login(u["username"], u["password"]).status, 200)
    t.eq("... and again after the rehash -> 200",
         h.login(u["username"], u["password"]).status, 200)
    t.error("... a wrong password still fails",
            h.login(u["username"], u["password"] + "x"), 401,
            "invalid_credentials")
    h.stop()

    # A secret file others may read is refused.
    loose = os.path.join(tmp, "loose.secret")
    with open(loose, "w") as f:
        f.write(secrets.token_urlsafe(48) + "\n")
    os.chmod(loose, 0o644)
    bad = t.server("restart-loose-secret", FAST_HASH + ["--secret_file=" +
                                                        loose],
                   secret=False, start=False)
    try:
        bad.start()
        t.not_ok("a secret file with mode 0644 is refused", "no start",
                 "the server started")
        bad.stop(check=False)
    except StartError as e:
        lines = [l for l in str(e).splitlines() if l.strip()]
        t.check("a secret file with mode 0644 is refused, in one line "
                "naming the file",
                len(lines) == 1 and loose in lines[0], "one line with the "
                "path", repr(str(e)))
