"""
The OAuth 2.0 endpoints (API.md "OAuth 2.0 compatibility"): the token
endpoint's two grants (RFC 6749 §4.3, §6) with every §5.2 error, revocation
(RFC 7009), introspection (RFC 7662), the client_id claim (RFC 9068 §2.2),
and a real client library, authlib, driving all three endpoints from the
discovery document.
"""

import json
import time
import urllib.parse

from harness import FAST_HASH, jwt_parts

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
INACTIVE = {"active": False}


def form(**kw):
    return urllib.parse.urlencode(kw)


def token_post(s, body, headers=None, path="/oauth/token", token=None):
    h = dict(FORM)
    h.update(headers or {})
    return s.request("POST", path, body=body, headers=h, token=token)


def oauth_error(t, label, r, status, code, description=None):
    t.error("%s -> %d %s" % (label, status, code), r, status, code,
            description)
    t.eq(label + ": Content-Type is JSON",
         (r.header("Content-Type") or "").split(";")[0], "application/json")


def password_grant(s, name, pw, **kw):
    return token_post(s, form(grant_type="password", username=name,
                              password=pw, **kw))


def refresh_grant(s, rt, **kw):
    return token_post(s, form(grant_type="refresh_token", refresh_token=rt,
                              **kw))


def introspect(s, admin_at, tok, **kw):
    return token_post(s, form(token=tok, **kw), path="/oauth/introspect",
                      token=admin_at)


def revoke(s, tok, **kw):
    return token_post(s, form(token=tok, **kw), path="/oauth/revoke")


def token_endpoint(t, s, u):
    name, pw = u["username"], u["password"]
    r = password_grant(s, name, pw)
    j = r.json() or {}
    t.eq("password grant -> 200", r.status, 200)
    t.eq("password grant: the RFC 6749 §5.1 members",
         sorted(j), sorted(["access_token", "token_type", "expires_in",
                            "refresh_token", "refresh_expires_in",
                            "session_id"]))
    t.eq("password grant: token_type Bearer, expires_in 900",
         (j.get("token_type"), j.get("expires_in")), ("Bearer", 900))
    t.eq("password grant: Cache-Control: no-store, Pragma: no-cache",
         (r.header("Cache-Control"), r.header("Pragma")),
         ("no-store", "no-cache"))
    t.eq("password grant: no refresh cookie", r.header("Set-Cookie"), None)
    claims = jwt_parts(j["access_token"])[1]
    t.eq("password grant without client_id: client_id claim is jot",
         claims.get("client_id"), "jot")
    t.eq("password grant: the access token verifies",
         s.verify(j["access_token"]).status, 200)

    # A public client naming itself keeps that name across refreshes.
    r = password_grant(s, name, pw, client_id="my-app")
    a = r.json() or {}
    t.eq("password grant with client_id=my-app: client_id claim",
         jwt_parts(a["access_token"])[1].get("client_id"), "my-app")
    r = refresh_grant(s, a["refresh_token"], client_id="other-app")
    oauth_error(t, "refresh_token grant with another client's client_id", r,
                400, "invalid_grant",
                "refresh token was issued to another client")
    r = refresh_grant(s, a["refresh_token"])
    b = r.json() or {}
    t.eq("refresh_token grant after the refused one: 200 (the refused one "
         "neither rotated nor counted as reuse)", r.status, 200)
    t.eq("refresh_token grant: Cache-Control: no-store, Pragma: no-cache",
         (r.header("Cache-Control"), r.header("Pragma")),
         ("no-store", "no-cache"))
    t.eq("refresh_token grant: the session keeps client_id my-app",
         jwt_parts(b["access_token"])[1].get("client_id"), "my-app")
    r = refresh_grant(s, b["refresh_token"], client_id="my-app")
    c = r.json() or {}
    t.eq("refresh_token grant with the session's own client_id -> 200",
         r.status, 200)

    # /v1/auth/login and /v1/auth/refresh: default_client_id.
    lj = s.session(name, pw)
    t.eq("/v1/auth/login: client_id claim is default_client_id (jot)",
         jwt_parts(lj["access_token"])[1].get("client_id"), "jot")
    rj = s.refresh(lj["refresh_token"]).json() or {}
    t.eq("/v1/auth/refresh: client_id claim stays jot",
         jwt_parts(rj.get("access_token", "e.e.e"))[1].get("client_id"),
         "jot")
    r = refresh_grant(s, rj["refresh_token"], client_id="jot")
    t.eq("refresh_token grant, client_id=jot, of a /v1/auth/login session "
         "-> 200", r.status, 200)

    # Reuse: grace 0 on this server, so the superseded token revokes all.
    r = refresh_grant(s, b["refresh_token"], client_id="other-app")
    oauth_error(t, "refresh_token grant with a superseded token, even "
                "under another client_id", r, 400, "invalid_grant",
                "refresh token reuse detected")
    r = refresh_grant(s, c["refresh_token"])
    oauth_error(t, "refresh_token grant with the newest token after reuse",
                r, 400, "invalid_grant", "session revoked")

    # RFC 6749 §5.2, one by one.
    body = json.dumps({"grant_type": "password", "username": name,
                       "password": pw})
    oauth_error(t, "token: a JSON body", s.request(
        "POST", "/oauth/token", body=body,
        headers={"Content-Type": "application/json"}), 400,
        "invalid_request", "the body must be "
        "application/x-www-form-urlencoded")
    oauth_error(t, "token: a form body sent as text/plain", s.request(
        "POST", "/oauth/token", body=form(grant_type="password"),
        headers={"Content-Type": "text/plain"}), 400, "invalid_request")
    oauth_error(t, "token: an empty body", token_post(s, ""), 400,
                "invalid_request", "grant_type is required")
    for g in ("client_credentials", "authorization_code", "implicit",
              "urn:ietf:params:oauth:grant-type:device_code", "PASSWORD"):
        oauth_error(t, "token: grant_type=%s" % g,
                    token_post(s, form(grant_type=g, username=name,
                                       password=pw)),
                    400, "unsupported_grant_type",
                    "grant_type must be password or refresh_token")
    oauth_error(t, "password grant without username",
                token_post(s, form(grant_type="password", password=pw)),
                400, "invalid_request", "username is required")
    oauth_error(t, "password grant without password",
                token_post(s, form(grant_type="password", username=name)),
                400, "invalid_request", "password is required")
    oauth_error(t, "password grant with an empty password (omitted, RFC "
                "6749 §3.1)", token_post(s, "grant_type=password&username="
                                         + name + "&password="),
                400, "invalid_request", "password is required")
    oauth_error(t, "token: a repeated parameter",
                token_post(s, form(grant_type="password", username=name,
                                   password=pw) + "&grant_type=password"),
                400, "invalid_request", "a form parameter is repeated")
    oauth_error(t, "token: a bad percent-escape",
                token_post(s, "grant_type=pass%zzword"), 400,
                "invalid_request",
                "invalid percent-encoding in the form body")
    oauth_error(t, "refresh_token grant without refresh_token",
                token_post(s, form(grant_type="refresh_token")),
                400, "invalid_request", "refresh_token is required")
    oauth_error(t, "refresh_token grant with garbage",
                refresh_grant(s, "not-a-token"), 400, "invalid_grant")
    oauth_error(t, "refresh_token grant with an access token",
                refresh_grant(s, a["access_token"]), 400, "invalid_grant",
                "wrong token type")
    long_id = "x" * 129
    for label, cid in (("a control character", "app\x01"),
                       ("129 characters", long_id),
                       ("a non-ASCII character", "caf\u00e9")):
        oauth_error(t, "token: client_id with %s" % label,
                    password_grant(s, name, pw, client_id=cid), 400,
                    "invalid_client",
                    "client_id must be 1 to 128 printable ASCII characters")
    r = password_grant(s, name, pw, client_id="y" * 128)
    t.eq("token: client_id of 128 characters -> 200", r.status, 200)
    oauth_error(t, "token: client_secret", password_grant(
        s, name, pw, client_id="my-app", client_secret="s3cret"), 400,
        "invalid_client")
    r = token_post(s, form(grant_type="password", username=name,
                           password=pw),
                   headers={"Authorization": "Basic bXktYXBwOnNlY3JldA=="})
    oauth_error(t, "token: client authentication with Basic", r, 401,
                "invalid_client")
    t.eq("token: Basic -> WWW-Authenticate: Basic realm=\"jot\"",
         r.header("WWW-Authenticate"), 'Basic realm="jot"')
    r = s.get("/oauth/token")
    t.error("GET /oauth/token -> 405", r, 405, "method_not_allowed")
    t.eq("GET /oauth/token: Allow: POST", r.header("Allow"), "POST")


def wrong_passwords(t, s):
    """The throttle of /v1/auth/login, shared: failures at either count."""
    name, pw = t.name("oauth-thr"), t.password()
    s.signup(name, pw)
    bad = t.password()
    r = password_grant(s, name, bad)
    oauth_error(t, "password grant with a wrong password", r, 400,
                "invalid_grant", "invalid username or password")
    t.eq("wrong password: Cache-Control: no-store",
         r.header("Cache-Control"), "no-store")
    oauth_error(t, "password grant for an unknown user",
                password_grant(s, t.name("nobody"), bad), 400,
                "invalid_grant", "invalid username or password")
    for _ in range(2):
        s.login(name, bad)
    for _ in range(2):
        password_grant(s, name, bad)
    # 5 failures now (login_max_failures): even the right password waits.
    r = password_grant(s, name, pw)
    oauth_error(t, "password grant after 5 failures (2 here, 2 at "
                "/v1/auth/login, 1 above), right password", r, 429,
                "rate_limited")
    t.check("throttled password grant: Retry-After is a positive integer",
            (r.header("Retry-After") or "").isdigit() and
            int(r.header("Retry-After")) >= 1, "seconds",
            repr(r.header("Retry-After")))
    r = s.login(name, pw)
    t.error("/v1/auth/login is throttled by the same count -> 429", r, 429,
            "rate_limited")


def revocation(t, s, u):
    name, pw = u["username"], u["password"]
    for label, tok in (("garbage", "garbage"), ("an empty JWT", "e.e.e"),
                       ("a token of 8 KiB", "a" * 8192)):
        r = revoke(s, tok)
        t.eq("revoke %s -> 200, empty body" % label, (r.status, r.body),
             (200, b""))
    oauth_error(t, "revoke without token", token_post(s, "", path=
                "/oauth/revoke"), 400, "invalid_request", "token is required")
    oauth_error(t, "revoke with a JSON body", s.request(
        "POST", "/oauth/revoke", body=json.dumps({"token": "x"}),
        headers={"Content-Type": "application/json"}), 400,
        "invalid_request")
    oauth_error(t, "revoke with a malformed client_id",
                revoke(s, "x", client_id="a\x7f"), 400, "invalid_client")

    # An access token revokes its session, here at once.
    j = password_grant(s, name, pw).json()
    r = revoke(s, j["access_token"], token_type_hint="access_token")
    t.eq("revoke an access token -> 200", (r.status, r.body), (200, b""))
    r = s.verify(j["access_token"])
    t.error("its access token -> 401 session revoked", r, 401,
            "invalid_token", "session revoked")
    oauth_error(t, "its refresh token", refresh_grant(s, j["refresh_token"]),
                400, "invalid_grant", "session revoked")
    t.eq("revoking it again -> 200",
         revoke(s, j["access_token"]).status, 200)

    # A refresh token, with the wrong hint and with an unknown one.
    for hint in ("refresh_token", "access_token", "bogus_hint", None):
        j = password_grant(s, name, pw).json()
        kw = {"token_type_hint": hint} if hint else {}
        r = revoke(s, j["refresh_token"], **kw)
        t.eq("revoke a refresh token, hint %s -> 200" % hint, r.status, 200)
        r = s.get("/v1/me", token=j["access_token"])
        t.error("hint %s: the session's access token -> 401 session "
                "revoked" % hint, r, 401, "invalid_token", "session revoked")
        rows = s.sql("SELECT revoked_reason FROM sessions WHERE id = ?",
                     (j["session_id"],))
        t.eq("hint %s: the session row is revoked (reason revoked)" % hint,
             rows, [("revoked",)])


def introspection(t, s, u, admin_at):
    name, pw = u["username"], u["password"]
    j = password_grant(s, name, pw, client_id="intro-app").json()
    r = introspect(s, admin_at, j["access_token"])
    doc = r.json() or {}
    claims = jwt_parts(j["access_token"])[1]
    t.eq("introspect an access token -> 200", r.status, 200)
    t.eq("introspect: Cache-Control: no-store", r.header("Cache-Control"),
         "no-store")
    want = dict(claims, active=True, token_type="access_token",
                username=name)
    t.eq("introspect an access token: active, token_type, username and "
         "its claims", doc, want)
    t.eq("introspect: client_id intro-app", doc.get("client_id"),
         "intro-app")
    r = introspect(s, admin_at, j["refresh_token"],
                   token_type_hint="refresh_token")
    doc = r.json() or {}
    t.eq("introspect a refresh token: active, refresh_token, its sid and "
         "client_id", (doc.get("active"), doc.get("token_type"),
                       doc.get("sid"), doc.get("client_id"),
                       doc.get("username")),
         (True, "refresh_token", j["session_id"], "intro-app", name))

    # Superseded: inactive, and looking is no reuse (grace 0 here).
    k = refresh_grant(s, j["refresh_token"]).json()
    r = introspect(s, admin_at, j["refresh_token"])
    t.eq("introspect a superseded refresh token -> 200 {\"active\":false}",
         (r.status, r.json()), (200, INACTIVE))
    r = refresh_grant(s, k["refresh_token"])
    t.eq("after that introspection the newest refresh token still works "
         "(no reuse, the session lives)", r.status, 200)
    k = r.json()

    # The database decides: a revocation only the database knows.
    s.sql("UPDATE sessions SET revoked_at = ?, revoked_reason = 'test' "
          "WHERE id = ?", (int(time.time() * 1000), k["session_id"]))
    for what in ("access_token", "refresh_token"):
        r = introspect(s, admin_at, k[what])
        t.eq("introspect the %s of a session revoked in the database "
             "-> {\"active\":false} at once" % what, (r.status, r.json()),
             (200, INACTIVE))
    for label, tok in (("garbage", "garbage"), ("an empty JWT", "e.e.e"),
                       ("a tampered token", j["access_token"][:-4] + "AAAA")):
        r = introspect(s, admin_at, tok)
        t.eq("introspect %s -> 200 {\"active\":false}" % label,
             (r.status, r.json()), (200, INACTIVE))

    # Errors.
    r = token_post(s, form(token=j["access_token"]),
                   path="/oauth/introspect")
    t.error("introspect without credentials -> 401", r, 401,
            "invalid_token", "missing bearer token")
    t.eq("introspect without credentials: WWW-Authenticate",
         r.header("WWW-Authenticate"), 'Bearer realm="jot"')
    user_at = s.session(name, pw)["access_token"]
    r = introspect(s, user_at, j["access_token"])
    t.error("introspect by a non-admin -> 403 insufficient_scope", r, 403,
            "insufficient_scope")
    oauth_error(t, "introspect without token",
                token_post(s, "", path="/oauth/introspect", token=admin_at),
                400, "invalid_request", "token is required")
    oauth_error(t, "introspect with a JSON body", s.request(
        "POST", "/oauth/introspect", body=json.dumps({"token": "x"}),
        headers={"Content-Type": "application/json"}, token=admin_at), 400,
        "invalid_request")
    # The token's roles may be up to access_ttl old: the database decides.
    pw2 = t.password()
    rc, _, _ = s.cli(["user", "add", "oauth-admin2", "--role", "admin"],
                     stdin=(pw2 + "\n").encode())
    demoted_at = s.session("oauth-admin2", pw2)["access_token"]
    t.eq("introspect by a second admin -> 200",
         (rc, introspect(s, demoted_at, j["access_token"]).status), (0, 200))
    rc, _, _ = s.cli(["user", "role", "remove", "oauth-admin2", "admin"])
    t.eq("jotd user role remove oauth-admin2 admin: exits 0", rc, 0)
    r = introspect(s, demoted_at, j["access_token"])
    t.error("introspect by an admin demoted since the token was issued -> "
            "403 insufficient_scope", r, 403, "insufficient_scope",
            "the admin role is required")


def client_library(t, s, u, admin_at):
    """authlib, as a client application would use it, with every URL read
    from the discovery document."""
    try:
        import requests
        from authlib.integrations.requests_client import OAuth2Session
    except ImportError as e:
        t.not_ok("authlib and requests importable (Debian python3-authlib, "
                 "python3-requests)", "the modules", repr(e))
        return
    http = requests.Session()
    http.trust_env = False          # loopback only, never a proxy
    doc = http.get(s.issuer + "/.well-known/oauth-authorization-server",
                   timeout=10).json()
    client = OAuth2Session(client_id="authlib-client",
                           token_endpoint_auth_method="none")
    client.trust_env = False
    tok = client.fetch_token(doc["token_endpoint"], grant_type="password",
                             username=u["username"], password=u["password"],
                             timeout=10)
    t.eq("authlib fetch_token (password): a Bearer token of client "
         "authlib-client",
         (tok.get("token_type"),
          jwt_parts(tok["access_token"])[1].get("client_id")),
         ("Bearer", "authlib-client"))
    first_rt = tok["refresh_token"]
    tok2 = client.refresh_token(doc["token_endpoint"],
                                refresh_token=first_rt, timeout=10)
    t.check("authlib refresh_token: a new refresh token",
            tok2.get("refresh_token") not in (None, first_rt),
            "a new one", repr(tok2.get("refresh_token")))
    r = client.introspect_token(doc["introspection_endpoint"],
                                token=tok2["access_token"],
                                headers={"Authorization":
                                         "Bearer " + admin_at},
                                timeout=10)
    body = r.json()
    t.eq("authlib introspect_token: active access token of "
         "authlib-client", (r.status_code, body.get("active"),
                            body.get("token_type"), body.get("client_id")),
         (200, True, "access_token", "authlib-client"))
    r = client.revoke_token(doc["revocation_endpoint"],
                            token=tok2["refresh_token"],
                            token_type_hint="refresh_token", timeout=10)
    t.eq("authlib revoke_token -> 200", r.status_code, 200)
    r = client.introspect_token(doc["introspection_endpoint"],
                                token=tok2["access_token"],
                                headers={"Authorization":
                                         "Bearer " + admin_at},
                                timeout=10)
    t.eq("authlib introspect_token after revoke_token: inactive",
         (r.status_code, r.json()), (200, INACTIVE))
    try:
        client.refresh_token(doc["token_endpoint"],
                             refresh_token=tok2["refresh_token"],
                             timeout=10)
        t.not_ok("authlib refresh_token after revoke_token raises "
                 "invalid_grant", "an OAuthError", "a token")
    except Exception as e:  # authlib's OAuthError
        t.eq("authlib refresh_token after revoke_token raises "
             "invalid_grant", getattr(e, "error", repr(e)), "invalid_grant")


def default_client(t):
    """default_client_id, and what expiry does to introspection and
    revocation (access_ttl 1 s here)."""
    s = t.server("oauth-default-client",
                 FAST_HASH + ["--default_client_id=web-ui", "--access_ttl=1"],
                 start=False)
    admin_pw = t.password()
    rc, out, err = s.cli(["user", "add", "boss2", "--role", "admin"],
                         stdin=(admin_pw + "\n").encode())
    t.eq("jotd user add boss2 --role admin: exits 0", rc, 0)
    s.start()
    u, j = s.user()
    t.eq("default_client_id=web-ui: /v1/auth/login's client_id claim",
         jwt_parts(j["access_token"])[1].get("client_id"), "web-ui")
    r = password_grant(s, u["username"], u["password"])
    o = r.json() or {}
    t.eq("default_client_id=web-ui: a password grant without client_id",
         jwt_parts(o["access_token"])[1].get("client_id"), "web-ui")
    r = refresh_grant(s, o["refresh_token"], client_id="web-ui")
    t.eq("default_client_id=web-ui: a refresh_token grant with client_id "
         "web-ui -> 200", r.status, 200)
    o = r.json() or {}
    time.sleep(2.2)                 # past exp (1 s) with no leeway
    # The admin's own token lives at most 1 s: a fresh one per try.
    for _ in range(5):
        admin_at = s.session("boss2", admin_pw)["access_token"]
        r = introspect(s, admin_at, o["access_token"])
        if r.status != 401:
            break
    t.eq("introspect an expired access token -> {\"active\":false}",
         (r.status, r.json()), (200, INACTIVE))
    r = revoke(s, o["access_token"])
    t.eq("revoke an expired access token -> 200", r.status, 200)
    r = refresh_grant(s, o["refresh_token"])
    t.eq("an expired access token revoked nothing: its refresh token "
         "still works", r.status, 200)
    s.stop()
    rc, out, err = t.cli(["--print-config", "--default_client_id=a\x01b"])
    t.check("--default_client_id with a control character is refused",
            rc != 0 and "default_client_id" in err, "rc != 0 naming the key",
            "%r %r" % (rc, err))


def run(t):
    s = t.server("oauth", FAST_HASH + ["--refresh_reuse_grace=0"],
                 start=False)
    admin_pw = t.password()
    rc, out, err = s.cli(["user", "add", "oauth-admin", "--role", "admin"],
                         stdin=(admin_pw + "\n").encode())
    t.eq("jotd user add oauth-admin --role admin: exits 0", rc, 0)
    s.start()
    admin_at = s.session("oauth-admin", admin_pw)["access_token"]
    u, _ = s.user()
    token_endpoint(t, s, u)
    wrong_passwords(t, s)
    revocation(t, s, u)
    introspection(t, s, u, admin_at)
    client_library(t, s, u, admin_at)
    s.stop()
    default_client(t)
