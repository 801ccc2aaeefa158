"""
POST /v1/auth/refresh: body and cookie, the CSRF guard, a presented
access token, rotation, reuse detection and its grace period, concurrent
refreshes, the absolute session lifetime, and (on PostgreSQL) a rotation
whose serialization failures outlast the engine's retries.
"""

import threading
import time

from harness import FAST_HASH, jwt_parts, tamper

ORIGIN = "https://app.example"
TOKEN_MEMBERS = sorted(["access_token", "token_type", "expires_in",
                        "refresh_token", "refresh_expires_in", "session_id"])


def gen(token):
    return jwt_parts(token)[1].get("gen")


def concurrent(s, token, n=20):
    """n refreshes of one token at once, each on its own connection."""
    conns = [s.connect() for _ in range(n)]
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            barrier.wait(30)
            results[i] = s.request("POST", "/v1/auth/refresh",
                                   json_body={"refresh_token": token},
                                   conn=conns[i])
        except Exception as e:  # reported by the caller
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    for c in conns:
        c.close()
    return results


def statuses(results):
    out = {}
    for r in results:
        key = r.status if hasattr(r, "status") else type(r).__name__
        out[key] = out.get(key, 0) + 1
    return out


def cookie_refresh(s, token, headers=None, cookie=None):
    h = {"Cookie": cookie or "jot_refresh=" + token}
    h.update(headers or {})
    return s.request("POST", "/v1/auth/refresh", headers=h)


def serialization_failures(t, s):
    """A rotation that meets a serialization failure on every try (the
    engine's retries run out) is 503 unavailable with Retry-After,
    never 500, and leaves the session as it was.  PostgreSQL only: a
    trigger raises SQLSTATE 40001 before each update of a session."""
    if t.engine != "pg":
        t.skip("a rotation failing with 40001 -> 503", "PostgreSQL only")
        return
    _, k = s.user()
    s.sql("CREATE FUNCTION fail_40001() RETURNS trigger LANGUAGE plpgsql "
          "AS $$BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '40001'; "
          "END$$")
    s.sql("CREATE TRIGGER fail_40001 BEFORE UPDATE ON sessions "
          "FOR EACH ROW EXECUTE FUNCTION fail_40001()")
    try:
        r = s.refresh(k["refresh_token"])
    finally:
        s.sql("DROP TRIGGER fail_40001 ON sessions")
        s.sql("DROP FUNCTION fail_40001()")
    t.error("40001 on every try of the rotation -> 503 unavailable", r, 503,
            "unavailable")
    t.eq("40001 on every try: Retry-After: 1", r.header("Retry-After"), "1")
    t.eq("40001 on every try: the session was not rotated (gen 1)",
         s.sql("SELECT gen FROM sessions WHERE id = ?",
               [k["session_id"]]), [(1,)])
    r = s.refresh(k["refresh_token"])
    t.eq("the trigger dropped: the same refresh token -> 200 with gen 2",
         (r.status, gen((r.json() or {}).get("refresh_token", "a.e30.c"))),
         (200, 2))


def run(t):
    s = t.server("refresh", FAST_HASH + ["--allowed_origins=https://other."
                                         "example," + ORIGIN])
    u, j = s.user()

    # By body.
    r = s.refresh(j["refresh_token"])
    n = r.json() or {}
    t.eq("refresh by body -> 200", r.status, 200)
    t.eq("refresh: exactly the members of the token response", sorted(n),
         TOKEN_MEMBERS)
    t.check("refresh: same session, new tokens, the new refresh token has "
            "gen 2",
            n.get("session_id") == j["session_id"] and
            n.get("access_token") != j["access_token"] and
            gen(n.get("refresh_token", "a.e30.c")) == 2 and
            jwt_parts(n["refresh_token"])[1].get("sid") == j["session_id"],
            "same sid, gen 2", repr(n))
    t.eq("refresh: Cache-Control: no-store", r.header("Cache-Control"),
         "no-store")
    t.eq("refresh: Set-Cookie holds the new refresh token",
         r.header_all("Set-Cookie"),
         ["jot_refresh=%s; Path=/v1/auth; Max-Age=%d; HttpOnly; Secure; "
          "SameSite=Strict" % (n.get("refresh_token"),
                               n.get("refresh_expires_in", -1))])
    t.eq("refresh: the old access token still verifies",
         s.verify(j["access_token"]).status, 200)
    t.eq("refresh: the new access token verifies",
         s.verify(n["access_token"]).status, 200)
    r = s.refresh(n["refresh_token"])
    t.eq("refresh of the new token -> 200 with gen 3",
         (r.status, gen((r.json() or {}).get("refresh_token", "a.e30.c"))),
         (200, 3))
    # A routine refresh's audit line waits in a thread's log buffer,
    # flushed every tenth of a second: it must still reach the log.
    line = "audit refresh user=%s session=%s ip=127.0.0.1" % (
        jwt_parts(n["access_token"])[1].get("sub"), j["session_id"])
    deadline = time.monotonic() + 10
    while s.log().count(line) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    t.eq("refresh: both refreshes logged as audit lines within 10 s",
         s.log().count(line), 2)

    # By cookie, with the CSRF guard.
    _, c = s.user()
    tok = c["refresh_token"]
    t.error("cookie only, no Origin and no X-Requested-With -> 403 "
            "forbidden", cookie_refresh(s, tok), 403, "forbidden")
    t.error("cookie + Origin not allowed -> 403 forbidden",
            cookie_refresh(s, tok, {"Origin": "https://evil.example"}), 403,
            "forbidden")
    t.error("cookie + Origin not allowed + X-Requested-With -> 403 forbidden",
            cookie_refresh(s, tok, {"Origin": "https://evil.example",
                                    "X-Requested-With": "x"}), 403,
            "forbidden")
    t.error("cookie + an empty X-Requested-With -> 403 forbidden",
            cookie_refresh(s, tok, {"X-Requested-With": ""}), 403,
            "forbidden")
    r = cookie_refresh(s, tok, {"X-Requested-With": "x"})
    t.eq("cookie + X-Requested-With: x -> 200 (gen 2)",
         (r.status, gen((r.json() or {}).get("refresh_token", "a.e30.c"))),
         (200, 2))
    tok = (r.json() or {}).get("refresh_token", tok)
    r = cookie_refresh(s, tok, {"Origin": ORIGIN})
    t.eq("cookie + allowed Origin -> 200 (gen 3)",
         (r.status, gen((r.json() or {}).get("refresh_token", "a.e30.c"))),
         (200, 3))
    tok = (r.json() or {}).get("refresh_token", tok)
    r = cookie_refresh(s, tok, {"X-Requested-With": "XMLHttpRequest"},
                       cookie="theme=dark; jot_refresh=%s; lang=en" % tok)
    t.eq("the refresh cookie among other cookies -> 200", r.status, 200)

    # Missing and bad tokens.
    r = s.request("POST", "/v1/auth/refresh")
    t.error("no body and no cookie -> 400 invalid_request", r, 400,
            "invalid_request")
    r = s.post("/v1/auth/refresh", {})
    t.error("{} and no cookie -> 400 invalid_request", r, 400,
            "invalid_request")
    r = s.post("/v1/auth/refresh", {"refresh_token": 42})
    t.error("refresh_token a number -> 400 invalid_request", r, 400,
            "invalid_request")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = s.request("POST", "/v1/auth/refresh", body="refresh_token=x",
                  headers=form)
    t.error("a form body -> 415 unsupported_media_type", r, 415,
            "unsupported_media_type")
    t.error("a garbage token -> 401 invalid_grant",
            s.refresh("garbage.garbage.garbage"), 401, "invalid_grant")
    _, g = s.user()
    t.error("a refresh token with a changed signature -> 401 invalid_grant",
            s.refresh(tamper(g["refresh_token"], 2)), 401, "invalid_grant")
    r = s.refresh(g["access_token"])
    t.error("an access token as refresh_token -> 401 invalid_grant", r, 401,
            "invalid_grant")
    t.error("an access token as refresh_token: \"wrong token type\"", r, 401,
            "invalid_grant", "wrong token type")
    t.eq("the tampered tries did not hurt the real refresh token",
         s.refresh(g["refresh_token"]).status, 200)

    # A presented access token.
    _, b = s.user()
    _, other = s.user()
    r = s.refresh(b["refresh_token"], token=b["access_token"])
    t.eq("with Authorization: Bearer <access token of the same session> -> "
         "200", r.status, 200)
    rt = (r.json() or {}).get("refresh_token", "")
    r = s.refresh(rt, token=other["access_token"])
    t.error("with the access token of another user's session -> 401 "
            "invalid_grant", r, 401, "invalid_grant")
    u2 = s.session(u["username"], u["password"])
    r = s.refresh(u2["refresh_token"], token=j["access_token"])
    t.error("with the access token of another session of the same user -> "
            "401 invalid_grant", r, 401, "invalid_grant")
    r = s.refresh(rt, token=tamper(b["access_token"], 2))
    t.error("with a tampered access token of the same session -> 401 "
            "invalid_grant", r, 401, "invalid_grant")
    r = s.refresh(rt, headers={"Authorization": "Basic dXNlcjpwYXNzd29yZA=="})
    t.eq("with Authorization: Basic ... (ignored) -> 200", r.status, 200)

    # Grace (default 10 s): a token used twice in a row.
    _, k = s.user()
    r1 = s.refresh(k["refresh_token"])
    r2 = s.refresh(k["refresh_token"])
    g1 = gen((r1.json() or {}).get("refresh_token", "a.e30.c"))
    g2 = gen((r2.json() or {}).get("refresh_token", "a.e30.c"))
    t.eq("grace 10: the same refresh token twice -> 200, 200 with gen 2, 2",
         (r1.status, r2.status, g1, g2), (200, 200, 2, 2))
    t.check("grace 10: both answers are new token pairs",
            r2.json() and r1.json() and
            r2.json()["refresh_token"] != r1.json()["refresh_token"],
            "different tokens", "the same")
    if r2.status == 200:
        r3 = s.refresh(r2.json()["refresh_token"])
        t.eq("grace 10: the second successor refreshes -> gen 3",
             (r3.status, gen((r3.json() or {}).get("refresh_token",
                                                   "a.e30.c"))), (200, 3))

    # Two generations behind is reuse, grace or not.
    _, k = s.user()
    r1 = s.refresh(k["refresh_token"])
    r2 = s.refresh((r1.json() or {}).get("refresh_token", ""))
    t.eq("grace 10: R1 -> R2 -> R3", (r1.status, r2.status), (200, 200))
    t.error("grace 10: R1 (two generations behind) -> 401 invalid_grant",
            s.refresh(k["refresh_token"]), 401, "invalid_grant")
    t.error("grace 10: then R3 is refused too (session revoked)",
            s.refresh((r2.json() or {}).get("refresh_token", "")), 401,
            "invalid_grant")
    t.error("grace 10: and the session's access token at once",
            s.verify(k["access_token"]), 401, "invalid_token",
            "session revoked")

    # 20 at once with grace: all get the same successor generation.
    _, k = s.user()
    res = concurrent(s, k["refresh_token"])
    t.eq("grace 10: 20 concurrent refreshes of one token -> 20 x 200",
         statuses(res), {200: 20})
    gens = sorted(set(gen(x.json()["refresh_token"]) for x in res
                      if hasattr(x, "status") and x.status == 200))
    t.eq("grace 10: all 20 new refresh tokens have gen 2", gens, [2])
    serialization_failures(t, s)
    s.stop()

    # Grace 0: reuse revokes the session.
    z = t.server("refresh-grace0", FAST_HASH + ["--refresh_reuse_grace=0",
                                                "--revocation_sync=1"])
    _, k = z.user()
    r = z.refresh(k["refresh_token"])
    t.eq("grace 0: refresh R1 -> 200", r.status, 200)
    n = r.json() or {}
    r = z.refresh(k["refresh_token"])
    t.error("grace 0: R1 again -> 401 invalid_grant", r, 401,
            "invalid_grant")
    t.error("grace 0: then R2 is refused too", z.refresh(
        n.get("refresh_token", "")), 401, "invalid_grant")
    took, r = z.wait_refused(k["access_token"], 2.0)
    t.check("grace 0: the session's old access token is refused within "
            "revocation_sync + 1 s", took is not None and took <= 2.0,
            "<= 2.0 s", "%s (%r)" % (took, r))
    t.error("grace 0: ... with \"session revoked\"", r, 401, "invalid_token",
            "session revoked")
    t.error("grace 0: the newest access token is refused too",
            z.verify(n.get("access_token", "")), 401, "invalid_token",
            "session revoked")

    _, k = z.user()
    res = concurrent(z, k["refresh_token"])
    t.eq("grace 0: 20 concurrent refreshes of one token -> one 200, 19 x 401",
         statuses(res), {200: 1, 401: 19})
    won = [x for x in res if hasattr(x, "status") and x.status == 200]
    if won:
        t.error("grace 0: the winner's refresh token is refused afterwards "
                "(session revoked)", z.refresh(won[0].json()["refresh_token"]),
                401, "invalid_grant")
    z.stop()

    # Grace 1: the second use is served within 1 s, refused after.
    o = t.server("refresh-grace1", FAST_HASH + ["--refresh_reuse_grace=1",
                                                "--revocation_sync=1"])
    _, k = o.user()
    r = o.refresh(k["refresh_token"])
    rotated = time.monotonic()
    n = r.json() or {}
    r = o.refresh(k["refresh_token"])
    t.eq("grace 1: R1 again at once -> 200 with gen 2",
         (r.status, gen((r.json() or {}).get("refresh_token", "a.e30.c"))),
         (200, 2))
    time.sleep(max(0.0, rotated + 1.5 - time.monotonic()))
    t.error("grace 1: R1 again after 1.5 s -> 401 invalid_grant",
            o.refresh(k["refresh_token"]), 401, "invalid_grant")
    t.error("grace 1: then R2 is refused (session revoked)",
            o.refresh(n.get("refresh_token", "")), 401, "invalid_grant")
    took, r = o.wait_refused(n.get("access_token", ""), 2.0)
    t.check("grace 1: the session's access token is refused within 2 s",
            took is not None and r.error()[2] == "session revoked",
            "\"session revoked\" within 2 s", "%s (%r)" % (took, r))
    o.stop()

    # session_max_age bounds the refresh lifetime.
    m = t.server("refresh-max-age", FAST_HASH + ["--session_max_age=3",
                                                 "--refresh_ttl=60",
                                                 "--access_ttl=30"])
    mu, _ = m.user()
    t0 = time.monotonic()
    lr = m.login(mu["username"], mu["password"])
    k = lr.json() or {}
    t.check("session_max_age=3: refresh_expires_in <= 3 at login",
            isinstance(k.get("refresh_expires_in"), int) and
            2 <= k["refresh_expires_in"] <= 3, "2..3",
            k.get("refresh_expires_in"))
    t.check("session_max_age=3: the cookie's Max-Age is refresh_expires_in",
            "Max-Age=%s;" % k.get("refresh_expires_in") in
            (lr.header("Set-Cookie") or ""), "Max-Age=%s" %
            k.get("refresh_expires_in"), lr.header("Set-Cookie"))
    time.sleep(max(0.0, t0 + 1.2 - time.monotonic()))
    r = m.refresh(k.get("refresh_token", ""))
    n = r.json() or {}
    t.check("session_max_age=3: a refresh after 1.2 s -> 200 with "
            "refresh_expires_in <= 2 (what is left)",
            r.status == 200 and isinstance(n.get("refresh_expires_in"), int)
            and n["refresh_expires_in"] <= 2, "200 and <= 2",
            "%d %s" % (r.status, n.get("refresh_expires_in")))
    time.sleep(max(0.0, t0 + 4.0 - time.monotonic()))
    t.error("session_max_age=3: refresh after 4 s -> 401 invalid_grant",
            m.refresh(n.get("refresh_token", k.get("refresh_token", ""))),
            401, "invalid_grant")
    m.stop()

    # An expired access token of the same session is still accepted.
    x = t.server("refresh-expired-access", FAST_HASH + ["--access_ttl=1"])
    _, k = x.user()
    exp = jwt_parts(k["access_token"])[1]["exp"]
    time.sleep(max(0.0, exp - time.time()) + 1.0)
    t.error("access_ttl=1: the access token has expired", x.verify(
        k["access_token"]), 401, "invalid_token", "token expired")
    r = x.refresh(k["refresh_token"], token=k["access_token"])
    t.eq("refresh with the expired access token of the same session -> 200",
         r.status, 200)
    x.stop()
