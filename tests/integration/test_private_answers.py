"""
Private answers: every answer holding account or session data says
Cache-Control: no-store, and /v1/verify's headers are what API.md says
even for a user without roles.

The attack is web-cache deception: a cache in front of jotd that stores
an answer of /v1/me (or of /v1/verify, whose X-Auth-* headers name the
user and the session) under a path it takes for static serves one
user's account to the next visitor.  An answer that says no-store is
never kept, whatever the cache thinks of its path (RFC 9111 §5.2.2.5).

API.md: X-Auth-Roles is "comma-separated, empty when the user has no
role": the header is there, with an empty value, not left out.
"""


from harness import FAST_HASH, jwt_parts


def no_store(t, label, r, status):
    t.eq("%s -> %d" % (label, status), r.status, status)
    t.eq("%s: Cache-Control: no-store" % label,
         r.header_all("Cache-Control"), ["no-store"])


def run(t):
    s = t.server("private-answers", FAST_HASH)
    name, pw = t.name("priv"), t.password()
    no_store(t, "POST /v1/users (201, the new account)", s.signup(name, pw),
             201)
    j = s.session(name, pw)
    at = j["access_token"]
    no_store(t, "POST /v1/auth/login (the token response)",
             s.login(name, pw), 200)
    no_store(t, "GET /v1/me", s.get("/v1/me", token=at), 200)
    no_store(t, "HEAD /v1/me", s.request("HEAD", "/v1/me", token=at), 200)
    no_store(t, "GET /v1/me/sessions", s.get("/v1/me/sessions", token=at),
             200)
    no_store(t, "GET /v1/verify (X-Auth-* name the user)", s.verify(at), 200)
    r = s.get("/.well-known/jwks.json")
    t.eq("GET /.well-known/jwks.json keeps its public Cache-Control",
         r.header_all("Cache-Control"), ["public, max-age=300"])

    # A user whose roles are [] (set in the database: no subcommand makes
    # one), logged in anew so that the token carries "roles":[].
    s.sql("UPDATE users SET roles = '[]' WHERE username = ?", (name,))
    j = s.session(name, pw)
    claims = jwt_parts(j["access_token"])[1]
    t.eq("a user with no role: the access token says \"roles\":[]",
         claims.get("roles"), [])
    r = s.verify(j["access_token"])
    t.eq("/v1/verify of a user with no role -> 200", r.status, 200)
    t.eq("/v1/verify of a user with no role: X-Auth-Roles present and "
         "empty (API.md)", [v.strip() for v in r.header_all("X-Auth-Roles")],
         [""])
    t.eq("... with X-Auth-Subject and X-Auth-Session as usual",
         (r.header("X-Auth-Subject"), r.header("X-Auth-Session")),
         (claims["sub"], claims["sid"]))
    no_store(t, "GET /v1/me of a user with no role",
             s.get("/v1/me", token=j["access_token"]), 200)
    s.stop()
