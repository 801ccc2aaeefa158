"""
CORS for the origins of allowed_origins (API.md): a listed Origin gets
Access-Control-Allow-Origin (itself) and -Allow-Credentials on every
answer, errors included; its preflight (OPTIONS with
Access-Control-Request-Method) on a served path is 204 with the path's
methods and the request headers jotd reads.  Any other origin gets no
CORS header at all, and its preflight is the 405 of any method the path
does not serve.  With origins configured every answer says Vary: Origin;
with none, nothing changes.  The refresh cookie's CSRF guard reads the
same list.
"""

from harness import FAST_HASH

APP = "https://app.test"
DEV = "http://localhost:3000"
EVIL = "https://evil.test"
ALLOW_HEADERS = {"authorization", "content-type", "x-requested-with"}


def cors_headers(r):
    return {k.lower(): v for k, v in r.headers
            if k.lower().startswith("access-control-")}


def preflight(s, path, origin, method="POST", req_headers=None):
    h = {"Origin": origin, "Access-Control-Request-Method": method}
    if req_headers:
        h["Access-Control-Request-Headers"] = req_headers
    return s.request("OPTIONS", path, headers=h)


def listed_answer(t, label, r, origin):
    """The headers an answer to a listed origin carries."""
    t.eq("%s: Access-Control-Allow-Origin is the origin, with "
         "credentials, Vary: Origin" % label,
         (r.header("Access-Control-Allow-Origin"),
          r.header("Access-Control-Allow-Credentials"),
          r.header("Vary")), (origin, "true", "Origin"))


def unlisted_answer(t, label, r):
    t.eq("%s: no Access-Control-* header, Vary: Origin" % label,
         (cors_headers(r), r.header("Vary")), ({}, "Origin"))


def run(t):
    # The file's spelling is normalised as browsers send an Origin.
    s = t.server("cors", FAST_HASH + [
        "--allowed_origins=HTTPS://App.Test:443, " + DEV])
    u, lr = s.user()
    token = lr["access_token"]

    # Preflights from a listed origin.
    r = preflight(s, "/v1/auth/login", APP, "POST",
                  "content-type, x-requested-with")
    t.eq("preflight POST /v1/auth/login from a listed origin: 204, empty",
         (r.status, r.body, r.header("Content-Type")), (204, b"", None))
    listed_answer(t, "preflight from a listed origin", r, APP)
    t.eq("preflight: Access-Control-Allow-Methods is the path's methods",
         r.header("Access-Control-Allow-Methods"), "POST")
    t.eq("preflight: Access-Control-Allow-Headers names what jotd reads",
         {h.strip().lower() for h in
          (r.header("Access-Control-Allow-Headers") or "").split(",")},
         ALLOW_HEADERS)
    t.eq("preflight: Access-Control-Max-Age", r.header(
        "Access-Control-Max-Age"), "600")
    r = preflight(s, "/v1/me", DEV, "GET", "authorization")
    plain = s.request("OPTIONS", "/v1/me")
    t.eq("preflight GET /v1/me from the second origin: 204 and the "
         "methods of the path's Allow",
         (r.status, r.header("Access-Control-Allow-Origin"),
          r.header("Access-Control-Allow-Methods")),
         (204, DEV, plain.header("Allow")))
    r = preflight(s, "/v1/auth/login", APP, "DELETE")
    t.eq("preflight for a method the path does not serve: 204 listing "
         "only what it serves (the browser then refuses)",
         (r.status, r.header("Access-Control-Allow-Methods")),
         (204, "POST"))
    r = preflight(s, "/no/such/path", APP)
    t.error("preflight on a path jotd does not serve: 404", r, 404,
            "not_found")
    listed_answer(t, "its 404", r, APP)

    # OPTIONS that is no preflight, and preflights from other origins:
    # the 405 of an unserved method.
    r = s.request("OPTIONS", "/v1/auth/login", headers={"Origin": APP})
    t.error("OPTIONS without Access-Control-Request-Method from a listed "
            "origin: 405", r, 405, "method_not_allowed")
    t.eq("... with Allow and the origin's CORS headers",
         (r.header("Allow"), r.header("Access-Control-Allow-Origin")),
         ("POST", APP))
    for origin in (EVIL, "null", "https://app.test.evil.test",
                   "http://app.test", "https://app.test:8443"):
        r = preflight(s, "/v1/auth/login", origin, "POST", "content-type")
        label = "preflight from %s" % origin
        t.error("%s: 405 method_not_allowed" % label, r, 405,
                "method_not_allowed")
        t.eq("%s: Allow: POST, JSON body" % label,
             (r.header("Allow"), r.header("Content-Type")),
             ("POST", "application/json; charset=utf-8"))
        unlisted_answer(t, label, r)

    # Real requests.
    r = s.login(u["username"], u["password"], headers={"Origin": APP})
    t.eq("login from a listed origin: 200", r.status, 200)
    listed_answer(t, "login from a listed origin", r, APP)
    t.eq("login: Access-Control-Expose-Headers lets a page read the "
         "error headers",
         {h.strip() for h in (r.header("Access-Control-Expose-Headers")
                              or "").split(",")},
         {"WWW-Authenticate", "Retry-After", "X-Auth-Renewed-Token"})
    r = s.login(u["username"], "wrong-" + u["password"],
                headers={"Origin": APP})
    t.error("a failed login from a listed origin: 401", r, 401,
            "invalid_credentials")
    listed_answer(t, "the failed login's 401", r, APP)
    r = s.get("/v1/me", token=token, headers={"Origin": DEV})
    t.eq("GET /v1/me from a listed origin: 200", r.status, 200)
    listed_answer(t, "GET /v1/me from a listed origin", r, DEV)
    r = s.get("/v1/me", token=token, headers={"Origin": EVIL})
    t.eq("GET /v1/me from another origin: 200 (CORS is the browser's "
         "to enforce)", r.status, 200)
    unlisted_answer(t, "GET /v1/me from another origin", r)
    r = s.get("/v1/me", token=token)
    t.eq("GET /v1/me with no Origin: 200", r.status, 200)
    unlisted_answer(t, "GET /v1/me with no Origin", r)
    r = s.get("/.well-known/jwks.json", headers={"Origin": APP})
    listed_answer(t, "the JWKS from a listed origin", r, APP)

    # The CSRF guard of a cookie refresh reads the same list.
    lr2 = s.login(u["username"], u["password"])
    cookie = "jot_refresh=" + (lr2.json() or {}).get("refresh_token", "")
    r = s.request("POST", "/v1/auth/refresh", headers={
        "Origin": APP, "Cookie": cookie})
    t.eq("cookie refresh from a listed origin: 200", r.status, 200)
    listed_answer(t, "the cookie refresh", r, APP)
    cookie = "jot_refresh=" + (r.json() or {}).get("refresh_token", "")
    r = s.request("POST", "/v1/auth/refresh", headers={
        "Origin": EVIL, "Cookie": cookie})
    t.error("cookie refresh from another origin: 403", r, 403, "forbidden")
    unlisted_answer(t, "its 403", r)
    s.stop()

    # No origins configured: nothing of CORS, no Vary.
    n = t.server("cors-none", FAST_HASH)
    r = preflight(n, "/v1/auth/login", APP, "POST")
    t.error("no allowed_origins: a preflight is 405", r, 405,
            "method_not_allowed")
    t.eq("no allowed_origins: no Access-Control-* header, no Vary",
         (cors_headers(r), r.header("Vary")), ({}, None))
    r = n.get("/healthz", headers={"Origin": APP})
    t.eq("no allowed_origins: a GET with an Origin has no CORS header",
         (r.status, cors_headers(r), r.header("Vary")), (200, {}, None))
    n.stop()
