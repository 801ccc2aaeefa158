"""
Two jotd nodes on one database (one SQLite file, or one PostgreSQL
database): the same keys, and a logout on one node reaching the other
within revocation_sync + 1 seconds.
"""

from harness import FAST_HASH

SYNC = 1


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
