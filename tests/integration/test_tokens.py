"""
Login: the token response, its headers and cookie, the claims of both
tokens, and failures that all look the same.
"""

import time

from harness import FAST_HASH, UUID_RE, B64URL_RE, jwt_parts

ISSUER = "https://issuer.test"


def check_login(t, s, label, lr, user, access_ttl, refresh_ttl, aud,
                cookie=True):
    j = lr.json() or {}
    t.eq("%s: login -> 200" % label, lr.status, 200)
    t.eq("%s: exactly the members of the token response" % label,
         sorted(j), sorted(["access_token", "token_type", "expires_in",
                            "refresh_token", "refresh_expires_in",
                            "session_id"]))
    t.eq("%s: token_type Bearer, expires_in = access_ttl, "
         "refresh_expires_in = refresh_ttl" % label,
         (j.get("token_type"), j.get("expires_in"),
          j.get("refresh_expires_in")), ("Bearer", access_ttl, refresh_ttl))
    t.check("%s: session_id is a UUID" % label,
            isinstance(j.get("session_id"), str) and
            UUID_RE.match(j["session_id"]), "a UUID", j.get("session_id"))
    t.eq("%s: Cache-Control: no-store" % label,
         lr.header("Cache-Control"), "no-store")
    if cookie:
        t.eq("%s: Set-Cookie holds the refresh token" % label,
             lr.header_all("Set-Cookie"),
             ["jot_refresh=%s; Path=/v1/auth; Max-Age=%d; HttpOnly; Secure; "
              "SameSite=Strict" % (j.get("refresh_token"),
                                   j.get("refresh_expires_in", -1))])
    else:
        t.eq("%s: refresh_cookie=off: no Set-Cookie" % label,
             lr.header_all("Set-Cookie"), [])

    jwks = s.get("/.well-known/jwks.json").json() or {}
    kids = [k.get("kid") for k in jwks.get("keys", [])]
    h, c = jwt_parts(j["access_token"])
    t.eq("%s: access token header is alg, typ at+jwt, kid" % label,
         (sorted(h), h.get("alg"), h.get("typ")),
         (["alg", "kid", "typ"], "ES256", "at+jwt"))
    t.check("%s: access token kid is a key of the JWKS" % label,
            h.get("kid") in kids, "one of %r" % kids, h.get("kid"))
    t.eq("%s: access token claims are exactly iss sub aud exp iat nbf jti "
         "sid roles client_id" % label, sorted(c),
         sorted(["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "sid",
                 "roles", "client_id"]))
    t.eq("%s: access token client_id is default_client_id (jot)" % label,
         c.get("client_id"), "jot")
    t.eq("%s: access token iss, sub, aud, sid, roles" % label,
         (c.get("iss"), c.get("sub"), c.get("aud"), c.get("sid"),
          c.get("roles")),
         (ISSUER, user["id"], aud, j.get("session_id"), ["user"]))
    iat = c.get("iat")
    t.check("%s: access token iat is now" % label,
            isinstance(iat, int) and abs(iat - time.time()) < 10,
            "about %d" % time.time(), iat)
    t.eq("%s: access token exp = iat + access_ttl, nbf = iat" % label,
         (c.get("exp"), c.get("nbf")),
         ((iat or 0) + access_ttl, iat))
    jti = c.get("jti")
    t.check("%s: access token jti is >= 22 base64url characters" % label,
            isinstance(jti, str) and len(jti) >= 22 and B64URL_RE.match(jti),
            "22+ base64url characters", jti)

    rh, rc = jwt_parts(j["refresh_token"])
    t.eq("%s: refresh token header typ refresh+jwt, alg HS256" % label,
         (rh.get("typ"), rh.get("alg")), ("refresh+jwt", "HS256"))
    t.eq("%s: refresh token claims are exactly iss sub aud exp iat jti "
         "sid gen" % label, sorted(rc),
         sorted(["iss", "sub", "aud", "exp", "iat", "jti", "sid", "gen"]))
    t.eq("%s: refresh token iss, sub, aud = issuer, sid, gen 1" % label,
         (rc.get("iss"), rc.get("sub"), rc.get("aud"), rc.get("sid"),
          rc.get("gen")),
         (ISSUER, user["id"], ISSUER, j.get("session_id"), 1))
    t.eq("%s: refresh token exp = iat + refresh_expires_in" % label,
         rc.get("exp"), (rc.get("iat") or 0) + j.get("refresh_expires_in", 0))
    t.check("%s: refresh token jti is >= 22 base64url characters" % label,
            isinstance(rc.get("jti"), str) and len(rc["jti"]) >= 22 and
            B64URL_RE.match(rc["jti"]), "22+ base64url characters",
            rc.get("jti"))
    t.check("%s: the payload holds no password" % label,
            user["password"] not in str(c) + str(rc), "no password",
            "found")
    return j


def run(t):
    s = t.server("tokens", FAST_HASH + ["--issuer=" + ISSUER,
                                        "--access_ttl=600",
                                        "--refresh_ttl=86400",
                                        "--revocation_sync=1"])
    u, _ = s.user()
    lr = s.login(u["username"], u["password"])
    j = check_login(t, s, "login", lr, u, 600, 86400, ISSUER)
    lr2 = s.login(u["username"].upper(), u["password"])
    t.eq("login with the name in other ASCII case -> 200", lr2.status, 200)
    j2 = lr2.json() or {}
    if lr2.status == 200:
        t.check("a second login: a new session and new jti",
                j2["session_id"] != j["session_id"] and
                jwt_parts(j2["access_token"])[1]["jti"] !=
                jwt_parts(j["access_token"])[1]["jti"],
                "different ids", "the same")
    t.eq("the access token verifies", s.verify(j["access_token"]).status, 200)

    # Failures: wrong password, unknown user, disabled user.
    wrong = s.login(u["username"], u["password"] + "x")
    t.error("wrong password -> 401 invalid_credentials", wrong, 401,
            "invalid_credentials")
    unknown = s.login(t.name("nobody"), u["password"])
    t.error("unknown user -> 401 invalid_credentials", unknown, 401,
            "invalid_credentials")
    d, dj = s.user()
    rc, out, err = s.cli(["user", "disable", d["username"]])
    t.eq("jotd user disable NAME on the running server's db: exits 0", rc, 0)
    took, r = s.wait_refused(dj["access_token"], 2.0)
    t.check("disabled user: its access token is refused within "
            "revocation_sync + 1 s",
            took is not None and r.error() == (401, "invalid_token",
                                               "session revoked"),
            "401 \"session revoked\" within 2 s", "%s (%r)" % (took, r))
    t.error("disabled user: its refresh token -> 401 invalid_grant",
            s.refresh(dj["refresh_token"]), 401, "invalid_grant")
    disabled = s.login(d["username"], d["password"])
    t.error("disabled user with its right password -> 401 "
            "invalid_credentials", disabled, 401, "invalid_credentials")
    t.eq("wrong password, unknown user and disabled user: identical bodies",
         [disabled.body, unknown.body], [wrong.body, wrong.body])
    t.check("failed logins send no cookie and no tokens",
            not any(r.header_all("Set-Cookie") for r in
                    (wrong, unknown, disabled)) and
            b"token" not in wrong.body, "no cookie", "a cookie")
    r = s.post("/v1/auth/login", {"username": u["username"]})
    t.error("login without a password -> 400 invalid_request", r, 400,
            "invalid_request")
    r = s.post("/v1/auth/login", {"username": u["username"], "password": 5})
    t.error("login with a number as password -> 400 invalid_request", r,
            400, "invalid_request")
    r = s.request("POST", "/v1/auth/login", body='{"username":"x"',
                  headers={"Content-Type": "application/json"})
    t.error("login with malformed JSON -> 400 invalid_request", r, 400,
            "invalid_request")
    s.stop()

    # Several audiences, no cookie.
    auds = ["https://api-a.test", "https://api-b.test"]
    m = t.server("tokens-audiences",
                 FAST_HASH + ["--issuer=" + ISSUER,
                              "--audience=" + ",".join(auds),
                              "--refresh_cookie=off"])
    u, _ = m.user()
    lr = m.login(u["username"], u["password"])
    j = check_login(t, m, "audience=a,b", lr, u, 900, 1209600, auds,
                    cookie=False)
    t.eq("audience=a,b: the access token verifies",
         m.verify(j["access_token"]).status, 200)
    rr = m.refresh(j["refresh_token"])
    t.check("refresh_cookie=off: refresh -> 200 without Set-Cookie",
            rr.status == 200 and rr.header_all("Set-Cookie") == [],
            "200 and no cookie", repr(rr) + repr(rr.header_all("Set-Cookie")))
    m.stop()

    one = t.server("tokens-one-audience",
                   FAST_HASH + ["--issuer=" + ISSUER,
                                "--audience=https://api.test"])
    u, j = one.user()
    t.eq("audience=x: aud is the string x",
         jwt_parts(j["access_token"])[1].get("aud"), "https://api.test")
    t.eq("audience=x: the access token verifies",
         one.verify(j["access_token"]).status, 200)
    one.stop()
