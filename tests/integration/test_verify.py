"""
Bearer tokens on /v1/me and /v1/verify (RFC 6750 answers), routing,
health, the JWKS and the discovery documents.
"""

import time

from harness import FAST_HASH, jwt_parts, tamper

MISSING = {"error": "invalid_token",
           "error_description": "missing bearer token"}
PRIVATE = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}


def invalid(t, label, r, description):
    """A 401 invalid_token with that description in both the body and
    the WWW-Authenticate challenge."""
    t.error(label + " -> 401 invalid_token \"%s\"" % description, r, 401,
            "invalid_token", description)
    challenge = r.header("WWW-Authenticate") or ""
    t.check(label + ": WWW-Authenticate has error=\"invalid_token\" and "
            "error_description=\"%s\"" % description,
            challenge.startswith('Bearer realm="jot"') and
            'error="invalid_token"' in challenge and
            'error_description="%s"' % description in challenge,
            "such a challenge", repr(challenge))


def missing(t, label, r):
    t.eq(label + " -> 401", r.status, 401)
    t.eq(label + ": WWW-Authenticate is exactly Bearer realm=\"jot\"",
         r.header("WWW-Authenticate"), 'Bearer realm="jot"')
    t.eq(label + ": body says missing bearer token", r.json(), MISSING)


def run(t):
    s = t.server("verify", FAST_HASH)
    u, j = s.user()
    at = j["access_token"]

    r = s.get("/v1/me", token=at)
    t.eq("/v1/me -> 200", r.status, 200)
    t.eq("/v1/me: id, username, roles, created_at of the user", r.json(),
         {k: u[k] for k in ("id", "username", "roles", "created_at")})
    r = s.verify(at)
    t.eq("/v1/verify -> 200 with an empty body", (r.status, r.body),
         (200, b""))
    t.eq("/v1/verify: X-Auth-Subject, X-Auth-Session, X-Auth-Roles",
         (r.header("X-Auth-Subject"), r.header("X-Auth-Session"),
          r.header("X-Auth-Roles")), (u["id"], j["session_id"], "user"))
    r = s.get("/v1/verify", headers={"Authorization": "bearer " + at})
    t.eq("scheme \"bearer\" in lower case -> 200", r.status, 200)
    r = s.get("/v1/me", headers={"Authorization": "BEARER " + at})
    t.eq("scheme \"BEARER\" in upper case -> 200", r.status, 200)

    missing(t, "/v1/verify without Authorization", s.get("/v1/verify"))
    missing(t, "/v1/me without Authorization", s.get("/v1/me"))
    missing(t, "/v1/verify with Basic credentials",
            s.get("/v1/verify",
                  headers={"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}))
    missing(t, "/v1/verify with \"Bearer\" and nothing after it",
            s.get("/v1/verify", headers={"Authorization": "Bearer"}))

    invalid(t, "a token with a changed signature",
            s.verify(tamper(at, 2)), "bad signature")
    invalid(t, "a token with a changed payload",
            s.verify(tamper(at, 1)), "bad signature")
    invalid(t, "the refresh token as a bearer",
            s.verify(j["refresh_token"]), "wrong token type")
    r = s.get("/v1/me", token=j["refresh_token"])
    t.error("the refresh token as a bearer on /v1/me -> 401 invalid_token",
            r, 401, "invalid_token")
    big = "eyJhbGciOiJFUzI1NiJ9." + "A" * 9000 + ".AAAA"
    r = s.verify(big)
    t.error("a token over 8 KiB -> 401 invalid_token", r, 401,
            "invalid_token")
    t.check("a token over 8 KiB: WWW-Authenticate with "
            "error=\"invalid_token\"",
            'error="invalid_token"' in (r.header("WWW-Authenticate") or ""),
            "error=\"invalid_token\"", repr(r.header("WWW-Authenticate")))
    r = s.verify("not-a-jwt")
    t.error("a token that is no JWT -> 401 invalid_token", r, 401,
            "invalid_token")

    # Routing comes first.
    r = s.get("/v1/nope")
    t.error("unknown path -> 404 not_found", r, 404, "not_found")
    t.check("unknown path: JSON body",
            (r.header("Content-Type") or "").startswith("application/json"),
            "application/json", r.header("Content-Type"))
    r = s.get("/v1/nope", headers={"Authorization": "Bearer junk"})
    t.error("unknown path with a bad token -> 404 not_found", r, 404,
            "not_found")
    r = s.request("DELETE", "/v1/verify", token=at)
    t.error("DELETE /v1/verify -> 405 method_not_allowed", r, 405,
            "method_not_allowed")
    t.eq("DELETE /v1/verify: Allow: GET", r.header("Allow"), "GET")
    r = s.request("POST", "/v1/me")
    t.error("POST /v1/me without a token -> 405 (routing before "
            "credentials)", r, 405, "method_not_allowed")
    t.eq("POST /v1/me: Allow: GET", r.header("Allow"), "GET")
    r = s.get("/v1/auth/login")
    t.error("GET /v1/auth/login -> 405 method_not_allowed", r, 405,
            "method_not_allowed")
    t.eq("GET /v1/auth/login: Allow: POST", r.header("Allow"), "POST")
    r = s.get("/v1/me/sessions/00000000-0000-4000-8000-000000000000")
    t.error("GET /v1/me/sessions/{id} without a token -> 405", r, 405,
            "method_not_allowed")
    t.eq("GET /v1/me/sessions/{id}: Allow: DELETE", r.header("Allow"),
         "DELETE")

    # Operations and well-known documents.
    r = s.get("/healthz")
    t.eq("/healthz -> 200 {\"status\":\"ok\",\"db\":\"ok\"}",
         (r.status, r.json()), (200, {"status": "ok", "db": "ok"}))
    r = s.get("/.well-known/jwks.json")
    jwks = r.json() or {}
    keys = jwks.get("keys") or []
    t.eq("JWKS -> 200 application/json",
         (r.status, (r.header("Content-Type") or "").split(";")[0]),
         (200, "application/json"))
    t.eq("JWKS: Cache-Control: public, max-age=300",
         r.header("Cache-Control"), "public, max-age=300")
    t.check("JWKS: every key has kid, alg, use \"sig\"",
            keys and all(k.get("kid") and k.get("alg") and
                         k.get("use") == "sig" for k in keys),
            "such keys", repr(jwks))
    t.check("JWKS: no private or symmetric member in any key",
            keys and not any(PRIVATE & set(k) for k in keys),
            "public members only", repr(jwks))
    kid = jwt_parts(at)[0].get("kid")
    t.check("JWKS: holds the access token's kid with alg ES256",
            any(k.get("kid") == kid and k.get("alg") == "ES256"
                for k in keys), kid, repr(jwks))
    d1 = s.get("/.well-known/openid-configuration")
    d2 = s.get("/.well-known/oauth-authorization-server")
    doc = d1.json() or {}
    t.eq("both discovery documents -> 200 and equal",
         (d1.status, d2.status, d2.json()), (200, 200, doc))
    iss = s.issuer
    # RFC 8414: exactly what is served; no authorization endpoint, since
    # no grant offered uses one.
    t.eq("discovery: the whole document, member by member", doc,
         {"issuer": iss, "jwks_uri": iss + "/.well-known/jwks.json",
          "token_endpoint": iss + "/oauth/token",
          "revocation_endpoint": iss + "/oauth/revoke",
          "introspection_endpoint": iss + "/oauth/introspect",
          "grant_types_supported": ["password", "refresh_token"],
          "token_endpoint_auth_methods_supported": ["none"],
          "revocation_endpoint_auth_methods_supported": ["none"],
          "introspection_endpoint_auth_methods_supported": ["Bearer"],
          "response_types_supported": [],
          "id_token_signing_alg_values_supported": ["ES256"]})
    t.eq("discovery: Cache-Control: public, max-age=300",
         d1.header("Cache-Control"), "public, max-age=300")
    for k in ("token_endpoint", "revocation_endpoint",
              "introspection_endpoint"):
        url = doc.get(k) or ""
        r = s.get(url[len(iss):] or "/none")
        t.eq("discovery: %s is served (GET -> 405, Allow: POST)" % k,
             (r.status, r.header("Allow")), (405, "POST"))
    s.stop()

    # An expired access token.
    e = t.server("verify-expiry", FAST_HASH + ["--access_ttl=2"])
    u, j = e.user()
    t.eq("access_ttl=2: the fresh token verifies",
         e.verify(j["access_token"]).status, 200)
    exp = jwt_parts(j["access_token"])[1]["exp"]
    time.sleep(max(0.0, exp - time.time()) + 1.0)
    invalid(t, "access_ttl=2: the token after 3 s",
            e.verify(j["access_token"]), "token expired")
    e.stop()

    # verify_cache=off: every request verifies the token in full, with
    # the same answers.
    n = t.server("verify-nocache", FAST_HASH + ["--verify_cache=off"])
    u, j = n.user()
    at = j["access_token"]
    for i in range(3):
        r = n.verify(at)
        t.eq("verify_cache=off: the token verifies (request %d)" % (i + 1),
             (r.status, r.header("X-Auth-Subject"),
              r.header("X-Auth-Session")), (200, u["id"], j["session_id"]))
    invalid(t, "verify_cache=off: a changed signature",
            n.verify(tamper(at, 2)), "bad signature")
    r = n.request("POST", "/v1/auth/logout", token=at)
    t.eq("verify_cache=off: logout -> 204", r.status, 204)
    invalid(t, "verify_cache=off: the token after logout", n.verify(at),
            "session revoked")
    n.stop()

    # HS256: nothing to publish, tokens still verify.
    h = t.server("verify-hs256", FAST_HASH + ["--alg=HS256",
                                              "--jwks_max_age=60"])
    u, j = h.user()
    r = h.get("/.well-known/jwks.json")
    t.eq("alg=HS256: the JWKS is {\"keys\":[]}", r.json(), {"keys": []})
    t.eq("jwks_max_age=60: Cache-Control: public, max-age=60",
         r.header("Cache-Control"), "public, max-age=60")
    hh = jwt_parts(j["access_token"])[0]
    t.check("alg=HS256: the access token is HS256 with a kid",
            hh.get("alg") == "HS256" and hh.get("kid") and
            hh.get("typ") == "at+jwt", "alg HS256, typ at+jwt, a kid",
            repr(hh))
    r = h.verify(j["access_token"])
    t.eq("alg=HS256: the access token verifies at /v1/verify",
         (r.status, r.header("X-Auth-Subject")), (200, u["id"]))
    invalid(t, "alg=HS256: a changed signature", h.verify(
        tamper(j["access_token"], 2)), "bad signature")
    h.stop()
