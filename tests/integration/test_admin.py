"""
The administration API (API.md "Administration"): every route's answer,
every error it can give, the guard (401 without a bearer, 403 for a
non-admin) on each, pagination walked to the end, revocation at once
on disabling, deleting and a new password (on this node and on a second
one), key listing and rotation; and the "jotd user" subcommands over the
same core functions.
"""

import json
import urllib.parse

from harness import FAST_HASH, RFC3339_RE, UUID_RE

SYNC = 1                        # --revocation_sync
LIMIT = SYNC + 1.0              # another node refuses within this
ACCESS_TTL = 900                # the default
JWKS_MAX_AGE = 300              # the default

ADMIN_KEYS = {"id", "username", "roles", "created_at", "disabled",
              "updated_at"}


def patch(s, path, body, token, **kw):
    return s.request("PATCH", path, json_body=body, token=token, **kw)


def delete(s, path, token, **kw):
    return s.request("DELETE", path, token=token, **kw)


def account(t, label, r, status, username, roles, disabled=False):
    """Checks an account answer: status, members, no-store."""
    j = r.json() or {}
    t.eq(label + ": status", r.status, status)
    t.eq(label + ": members", sorted(j), sorted(ADMIN_KEYS))
    t.eq(label + ": username, roles, disabled",
         (j.get("username"), j.get("roles"), j.get("disabled")),
         (username, roles, disabled))
    t.check(label + ": id is a UUID, times RFC 3339",
            UUID_RE.match(j.get("id") or "-") and
            RFC3339_RE.match(j.get("created_at") or "-") and
            RFC3339_RE.match(j.get("updated_at") or "-"),
            "uuid and times", repr(j))
    t.eq(label + ": Cache-Control", r.header("Cache-Control"), "no-store")
    t.check(label + ": JSON content type",
            (r.header("Content-Type") or "").startswith("application/json"),
            "application/json", r.header("Content-Type"))
    return j


def guards(t, s, user_token, some_id):
    """Every route: 401 with no bearer, 403 insufficient_scope for a
    user without the admin role."""
    routes = [
        ("GET", "/v1/admin/users", None),
        ("POST", "/v1/admin/users", {"username": t.name(),
                                     "password": t.password()}),
        ("GET", "/v1/admin/users/" + some_id, None),
        ("PATCH", "/v1/admin/users/" + some_id, {"disabled": True}),
        ("DELETE", "/v1/admin/users/" + some_id, None),
        ("GET", "/v1/admin/users/%s/sessions" % some_id, None),
        ("DELETE", "/v1/admin/sessions/" + some_id, None),
        ("GET", "/v1/admin/keys", None),
        ("POST", "/v1/admin/keys/rotate", {}),
    ]
    for method, path, body in routes:
        label = "%s %s" % (method, path.replace(some_id, "{id}"))
        r = s.request(method, path, json_body=body)
        t.error(label + " without a bearer -> 401 missing bearer token", r,
                401, "invalid_token", "missing bearer token")
        t.eq(label + " without a bearer: WWW-Authenticate",
             r.header("WWW-Authenticate"), 'Bearer realm="jot"')
        r = s.request(method, path, json_body=body, token="not.a.token")
        t.eq(label + " with a bad bearer -> 401 invalid_token",
             r.error()[:2], (401, "invalid_token"))
        r = s.request(method, path, json_body=body, token=user_token)
        t.error(label + " as a non-admin -> 403 insufficient_scope", r, 403,
                "insufficient_scope")


def create_errors(t, s, adm):
    pw = t.password()
    for label, body, desc in [
        ("no password", {"username": t.name()},
         "username and password are required"),
        ("no username", {"password": pw},
         "username and password are required"),
        ("roles not an array", {"username": t.name(), "password": pw,
                                "roles": "admin"}, None),
        ("a role not a string", {"username": t.name(), "password": pw,
                                 "roles": ["user", 7]}, None),
        ("an empty role", {"username": t.name(), "password": pw,
                           "roles": [""]}, None),
        ("a role with a comma", {"username": t.name(), "password": pw,
                                 "roles": ["a,b"]}, None),
        ("a role with a newline", {"username": t.name(), "password": pw,
                                   "roles": ["a\nb"]}, None),
        ("a role twice", {"username": t.name(), "password": pw,
                          "roles": ["ops", "ops"]}, None),
        ("a role of 65 octets", {"username": t.name(), "password": pw,
                                 "roles": ["r" * 65]}, None),
        ("a short password", {"username": t.name(), "password": "short"},
         None),
        ("an empty username", {"username": "", "password": pw}, None),
        ("a username of 65 octets", {"username": "u" * 65, "password": pw},
         None),
    ]:
        r = s.post("/v1/admin/users", body, token=adm)
        t.error("POST /v1/admin/users, %s -> 400 invalid_request" % label,
                r, 400, "invalid_request", desc)
    r = s.post("/v1/admin/users", body=b'{"username":"x",',
               headers={"Content-Type": "application/json"}, token=adm)
    t.error("POST /v1/admin/users, malformed JSON -> 400", r, 400,
            "invalid_request")
    r = s.post("/v1/admin/users", body=b"username=x&password=y",
               headers={"Content-Type": "application/x-www-form-urlencoded"},
               token=adm)
    t.error("POST /v1/admin/users, a form body -> 415", r, 415,
            "unsupported_media_type")


def pagination(t, s, adm, n_users):
    seen, pages, after = [], 0, None
    while pages < 50:
        path = "/v1/admin/users?limit=2" + ("&after=" + after if after
                                            else "")
        r = s.get(path, token=adm)
        j = r.json() or {}
        if r.status != 200 or not isinstance(j.get("users"), list):
            t.not_ok("GET /v1/admin/users page %d" % pages, "200",
                     repr(r))
            return
        pages += 1
        seen += [u["id"] for u in j["users"]]
        if j.get("next") is None:
            last = j
            break
        t.eq("page %d: 2 users and next = the last id" % pages,
             (len(j["users"]), j["next"]), (2, j["users"][-1]["id"]))
        after = j["next"]
    t.eq("pagination: %d users in %d pages, each once, ordered by id" %
         (n_users, pages), (len(seen), seen), (n_users, sorted(set(seen))))
    t.eq("pagination: the last page has next null and members users, next",
         sorted(last), ["next", "users"])
    t.eq("pagination: ceil(n/2) pages", pages, (n_users + 1) // 2)
    r = s.get("/v1/admin/users", token=adm)
    j = r.json() or {}
    t.eq("GET /v1/admin/users (default limit): every user, next null",
         (r.status, len(j.get("users", [])), j.get("next", "absent")),
         (200, n_users, None))
    t.eq("GET /v1/admin/users: Cache-Control no-store",
         r.header("Cache-Control"), "no-store")
    t.eq("GET /v1/admin/users: each user has the admin members",
         [sorted(u) for u in j.get("users", [])],
         [sorted(ADMIN_KEYS)] * n_users)
    r = s.get("/v1/admin/users?limit=%d" % n_users, token=adm)
    t.eq("limit = the number of users: all, next null",
         (len((r.json() or {}).get("users", [])),
          (r.json() or {}).get("next", "absent")), (n_users, None))
    r = s.get("/v1/admin/users?after=ffffffff-ffff-4fff-bfff-ffffffffffff",
              token=adm)
    t.eq("after the largest id: no users, next null",
         (r.status, r.json()), (200, {"users": [], "next": None}))
    for bad in ("0", "501", "-1", "abc", "2x", "", " 2", "+2",
                "99999999999999999999999"):
        r = s.get("/v1/admin/users?limit=" +
                  urllib.parse.quote(bad, safe=""), token=adm)
        t.error("limit=%r -> 400" % bad, r, 400, "invalid_request",
                "limit must be an integer from 1 to 500")
    r = s.get("/v1/admin/users?limit=500", token=adm)
    t.eq("limit=500 -> 200", r.status, 200)
    for bad in ("bogus", "' OR 1=1 --", seen[0].upper()):
        r = s.get("/v1/admin/users?after=" +
                  urllib.parse.quote(bad, safe=""), token=adm)
        t.error("after=%r -> 400" % bad, r, 400, "invalid_request")


def revoked_now(t, s, label, access):
    t.error(label + ": the access token -> 401 session revoked at once",
            s.verify(access), 401, "invalid_token", "session revoked")


def revoked_soon(t, s, label, access):
    took, r = s.wait_refused(access, LIMIT)
    t.check(label + ": refused on the other node within revocation_sync"
            " + 1 s", took is not None, "<= %.1f s" % LIMIT,
            "%s (%r)" % (took, r))


def patches(t, s, b, adm, adm_id):
    pw = t.password()
    name = t.name("patched")
    u = s.post("/v1/admin/users", {"username": name, "password": pw},
               token=adm).json()
    uid, path = u["id"], "/v1/admin/users/" + u["id"]
    a1 = s.session(name, pw)

    r = patch(s, path, {"roles": ["user", "ops"]}, adm)
    account(t, "PATCH roles", r, 200, name, ["user", "ops"])
    t.eq("PATCH roles: the session lives on", s.verify(a1["access_token"])
         .status, 200)
    a2 = s.session(name, pw)
    r = s.verify(a2["access_token"])
    t.eq("PATCH roles: a new token carries them (X-Auth-Roles)",
         r.header("X-Auth-Roles"), "user,ops")
    r = patch(s, path, {}, adm)
    account(t, "PATCH {} changes nothing", r, 200, name, ["user", "ops"])
    r = patch(s, path, {"roles": []}, adm)
    account(t, "PATCH roles [] leaves none", r, 200, name, [])

    for label, body, desc in [
        ("an unknown member", {"disable": True},
         "only roles, disabled and password can be changed"),
        ("a known and an unknown member", {"roles": ["user"],
                                           "username": "other"},
         "only roles, disabled and password can be changed"),
        ("disabled not a boolean", {"disabled": "yes"},
         "disabled must be true or false"),
        ("disabled 1", {"disabled": 1}, "disabled must be true or false"),
        ("roles not an array", {"roles": {"a": 1}}, None),
        ("a role with a comma", {"roles": ["user,admin"]}, None),
        ("password not a string", {"password": 12345678}, None),
        ("a short password", {"password": "short"}, None),
        ("a password of 1025 octets", {"password": "p" * 1025}, None),
    ]:
        r = patch(s, path, body, adm)
        t.error("PATCH, %s -> 400 invalid_request" % label, r, 400,
                "invalid_request", desc)
    r = s.get(path, token=adm)
    t.eq("a refused PATCH stored nothing (roles still [])",
         (r.json() or {}).get("roles"), [])
    r = s.request("PATCH", path, body=b'{"disabled":true}',
                  headers={"Content-Type": "text/plain"}, token=adm)
    t.error("PATCH, text/plain -> 415", r, 415, "unsupported_media_type")
    r = s.request("PATCH", path, body=b"[true]",
                  headers={"Content-Type": "application/json"}, token=adm)
    t.error("PATCH, a JSON array -> 400", r, 400, "invalid_request")
    t.eq("a refused PATCH revoked nothing", s.verify(a1["access_token"])
         .status, 200)
    r = patch(s, "/v1/admin/users/" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
              {"disabled": True}, adm)
    t.error("PATCH an unknown id -> 404 not_found", r, 404, "not_found",
            "no such user")
    r = patch(s, "/v1/admin/users/nope", {"disabled": True}, adm)
    t.error("PATCH a path that is no id -> 404", r, 404, "not_found")

    # Disabling revokes every session at once, on this node and another.
    r = patch(s, path, {"disabled": True}, adm)
    account(t, "PATCH disabled true", r, 200, name, [], True)
    revoked_now(t, s, "disabled (first session)", a1["access_token"])
    revoked_now(t, s, "disabled (second session)", a2["access_token"])
    revoked_soon(t, b, "disabled", a2["access_token"])
    t.error("disabled: the refresh token -> 401 invalid_grant",
            s.refresh(a2["refresh_token"]), 401, "invalid_grant")
    t.error("disabled: login -> 401 invalid_credentials", s.login(name, pw),
            401, "invalid_credentials")
    r = s.get(path + "/sessions", token=adm)
    t.eq("disabled: no live session listed", (r.status, r.json()),
         (200, {"sessions": []}))
    r = patch(s, path, {"disabled": False}, adm)
    account(t, "PATCH disabled false", r, 200, name, [], False)
    a3 = s.session(name, pw)
    t.eq("enabled again: login and verify", s.verify(a3["access_token"])
         .status, 200)

    # A new password revokes every session, and only the new one works.
    pw2 = t.password()
    r = patch(s, path, {"password": pw2}, adm)
    account(t, "PATCH password", r, 200, name, [], False)
    revoked_now(t, s, "new password", a3["access_token"])
    revoked_soon(t, b, "new password", a3["access_token"])
    t.error("new password: the refresh token -> 401",
            s.refresh(a3["refresh_token"]), 401, "invalid_grant")
    t.error("new password: the old one -> 401", s.login(name, pw), 401,
            "invalid_credentials")
    t.eq("new password: it logs in", s.login(name, pw2).status, 200)

    # All at once.
    r = patch(s, path, {"roles": ["auditor"], "disabled": True,
                        "password": pw}, adm)
    account(t, "PATCH roles, disabled and password at once", r, 200, name,
            ["auditor"], True)
    r = patch(s, path, {"disabled": False}, adm)
    t.eq("... enabled again: the password is the one patched in",
         (s.login(name, pw).status, s.login(name, pw2).status), (200, 401))

    # An admin cannot lock themselves out through the API.
    me = "/v1/admin/users/" + adm_id
    for label, body, desc in [
        ("disable themselves", {"disabled": True},
         "an admin cannot disable their own account"),
        ("take away their own admin role", {"roles": ["user"]},
         "an admin cannot remove their own admin role"),
        ("set no roles on themselves", {"roles": []},
         "an admin cannot remove their own admin role"),
    ]:
        r = patch(s, me, body, adm)
        t.error("an admin cannot %s -> 409 conflict" % label, r, 409,
                "conflict", desc)
    r = s.get(me, token=adm)
    t.eq("... and nothing changed", ((r.json() or {}).get("disabled"),
                                     "admin" in (r.json() or {})
                                     .get("roles", [])), (False, True))
    r = patch(s, me, {"roles": ["admin", "user", "ops"]}, adm)
    t.eq("an admin may change their roles keeping admin -> 200",
         (r.status, (r.json() or {}).get("roles")),
         (200, ["admin", "user", "ops"]))
    r = delete(s, me, adm)
    t.error("an admin cannot delete themselves -> 409", r, 409, "conflict",
            "an admin cannot delete their own account")
    return me


def own_password(t, s, adm, root_pw):
    """An admin setting their own password keeps the session that asked
    and ends the others."""
    other = s.session("root", root_pw)["access_token"]
    me = s.verify(adm).header("X-Auth-Subject")
    new_pw = t.password()
    r = patch(s, "/v1/admin/users/" + me, {"password": new_pw}, adm)
    t.eq("an admin sets their own password -> 200", r.status, 200)
    t.eq("... the session that asked lives on", s.verify(adm).status, 200)
    revoked_now(t, s, "... the admin's other session", other)
    t.eq("... the new password logs in", s.login("root", new_pw).status, 200)


def methods(t, s, adm, some_id):
    for method, path, allow in [
        ("PUT", "/v1/admin/users/" + some_id, "GET, PATCH, DELETE"),
        ("DELETE", "/v1/admin/users", "GET, POST"),
        ("GET", "/v1/admin/keys/rotate", "POST"),
        ("POST", "/v1/admin/sessions/" + some_id, "DELETE"),
    ]:
        r = s.request(method, path, token=adm)
        label = "%s %s" % (method, path.replace(some_id, "{id}"))
        t.error(label + " -> 405", r, 405, "method_not_allowed")
        t.eq(label + ": Allow", r.header("Allow"), allow)
    r = s.get("/v1/admin/nothing", token=adm)
    t.error("GET /v1/admin/nothing -> 404", r, 404, "not_found")


def sessions_and_delete(t, s, b, adm):
    pw = t.password()
    name = t.name("victim")
    u = s.post("/v1/admin/users", {"username": name, "password": pw},
               token=adm).json()
    path = "/v1/admin/users/" + u["id"]
    a1 = s.session(name, pw, ua="agent-one")
    a2 = s.session(name, pw, ua="agent-two")
    r = s.get(path + "/sessions", token=adm)
    j = r.json() or {}
    got = j.get("sessions", [])
    t.eq("GET .../sessions -> 200, members sessions", (r.status, sorted(j)),
         (200, ["sessions"]))
    t.eq("GET .../sessions: Cache-Control no-store",
         r.header("Cache-Control"), "no-store")
    t.eq("GET .../sessions: both, newest first",
         [x.get("id") for x in got], [a2["session_id"], a1["session_id"]])
    t.eq("GET .../sessions: the members of a session",
         [sorted(x) for x in got],
         [["created_at", "expires_at", "id", "ip", "last_used_at",
           "user_agent"]] * 2)
    t.eq("GET .../sessions: user agents and addresses",
         [(x.get("user_agent"), x.get("ip")) for x in got],
         [("agent-two", "127.0.0.1"), ("agent-one", "127.0.0.1")])
    t.check("GET .../sessions: times are RFC 3339",
            all(RFC3339_RE.match(x.get(k) or "-") for x in got
                for k in ("created_at", "last_used_at", "expires_at")),
            "RFC 3339", repr(got))
    unknown = "0" * 8 + "-0000-4000-8000-" + "0" * 12
    r = s.get("/v1/admin/users/%s/sessions" % unknown, token=adm)
    t.error("GET .../sessions of an unknown user -> 404", r, 404,
            "not_found", "no such user")

    r = delete(s, "/v1/admin/sessions/" + a1["session_id"], adm)
    t.eq("DELETE /v1/admin/sessions/{id} -> 204, empty body",
         (r.status, r.body), (204, b""))
    revoked_now(t, s, "session revoked by an admin", a1["access_token"])
    revoked_soon(t, b, "session revoked by an admin", a1["access_token"])
    t.error("... its refresh token -> 401", s.refresh(a1["refresh_token"]),
            401, "invalid_grant")
    t.eq("... the user's other session lives on",
         s.verify(a2["access_token"]).status, 200)
    r = delete(s, "/v1/admin/sessions/" + a1["session_id"], adm)
    t.eq("DELETE of a revoked session again -> 204", r.status, 204)
    r = delete(s, "/v1/admin/sessions/" + unknown, adm)
    t.error("DELETE of an unknown session -> 404", r, 404, "not_found",
            "no such session")
    r = delete(s, "/v1/admin/sessions/nope", adm)
    t.error("DELETE of a session path that is no id -> 404", r, 404,
            "not_found", "no such session")

    r = delete(s, path, adm)
    t.eq("DELETE /v1/admin/users/{id} -> 204, empty body",
         (r.status, r.body), (204, b""))
    revoked_now(t, s, "deleted user", a2["access_token"])
    revoked_soon(t, b, "deleted user", a2["access_token"])
    t.error("deleted user: the refresh token -> 401",
            s.refresh(a2["refresh_token"]), 401, "invalid_grant")
    t.error("deleted user: login -> 401 invalid_credentials",
            s.login(name, pw), 401, "invalid_credentials")
    t.error("deleted user: GET -> 404", s.get(path, token=adm), 404,
            "not_found", "no such user")
    t.error("deleted user: DELETE again -> 404", delete(s, path, adm), 404,
            "not_found", "no such user")
    r = s.post("/v1/admin/users", {"username": name, "password": pw},
               token=adm)
    t.eq("deleted user: the name can be taken again", r.status, 201)


def demoted(t, s, adm):
    pw = t.password()
    name = t.name("admin2")
    r = s.post("/v1/admin/users", {"username": name, "password": pw,
                                   "roles": ["admin"]}, token=adm)
    account(t, "POST an admin", r, 201, name, ["admin"])
    other = s.session(name, pw)["access_token"]
    t.eq("the second admin may list users",
         s.get("/v1/admin/users", token=other).status, 200)
    r = patch(s, "/v1/admin/users/" + r.json()["id"], {"roles": ["user"]},
              adm)
    t.eq("the first admin demotes the second -> 200", r.status, 200)
    r = s.get("/v1/admin/users", token=other)
    t.error("a demoted admin's token (still claiming admin) -> 403", r, 403,
            "insufficient_scope", "the admin role is required")


def keys(t, s, adm):
    r = s.get("/v1/admin/keys", token=adm)
    j = r.json() or {}
    ks = j.get("keys", [])
    t.eq("GET /v1/admin/keys -> 200, one active key",
         (r.status, [k.get("status") for k in ks]), (200, ["active"]))
    t.eq("GET /v1/admin/keys: Cache-Control no-store",
         r.header("Cache-Control"), "no-store")
    old = ks[0] if ks else {}
    jwks = s.get("/.well-known/jwks.json").json()["keys"]
    pub = [k for k in jwks if k.get("kid") == old.get("kid")]
    t.eq("the listed key is the published JWK with state and dates",
         {k: v for k, v in old.items()
          if k not in ("status", "created_at", "activated_at",
                       "retired_at", "expires_at")},
         pub[0] if pub else "not in the JWKS")
    t.eq("active key: retired_at and expires_at null",
         (old.get("retired_at", "absent"), old.get("expires_at", "absent")),
         (None, None))
    t.check("active key: created_at and activated_at RFC 3339",
            RFC3339_RE.match(old.get("created_at") or "-") and
            RFC3339_RE.match(old.get("activated_at") or "-"), "RFC 3339",
            repr(old))
    t.check("no private member in the listing",
            not any(m in k for k in ks for m in ("d", "p", "q", "k")),
            "none", repr(ks))
    before = s.session(*make_user(t, s, adm))["access_token"]

    r = s.post("/v1/admin/keys/rotate", {}, token=adm)
    new = r.json() or {}
    t.eq("POST /v1/admin/keys/rotate {} -> 201, active, the configured alg",
         (r.status, new.get("status"), new.get("alg")),
         (201, "active", old.get("alg")))
    t.eq("rotate: Cache-Control no-store", r.header("Cache-Control"),
         "no-store")
    t.check("rotate: a new kid, a public key (kty, no d)",
            new.get("kid") not in (None, old.get("kid")) and
            "kty" in new and "d" not in new, "new public JWK", repr(new))
    after = s.session(*make_user(t, s, adm))["access_token"]
    t.eq("rotate: this node signs with the new key at once",
         json.loads(__import__("base64").urlsafe_b64decode(
             after.split(".")[0] + "==")).get("kid"), new.get("kid"))
    t.eq("rotate: a token of the retired key still verifies",
         s.verify(before).status, 200)
    kids = [k.get("kid") for k in s.get("/.well-known/jwks.json")
            .json()["keys"]]
    t.eq("rotate: the JWKS has the new and the retired key",
         sorted(kids), sorted([old.get("kid"), new.get("kid")]))
    ks = {k["kid"]: k for k in s.get("/v1/admin/keys", token=adm)
          .json()["keys"]}
    ret = ks.get(old.get("kid"), {})
    t.eq("rotate: the old key is listed retired", ret.get("status"),
         "retired")
    t.check("retired key: expires_at = retired_at + access_ttl + "
            "jwks_max_age",
            rfc_secs(ret.get("expires_at")) - rfc_secs(ret.get("retired_at"))
            == ACCESS_TTL + JWKS_MAX_AGE, ACCESS_TTL + JWKS_MAX_AGE,
            "%r - %r" % (ret.get("expires_at"), ret.get("retired_at")))

    r = s.post("/v1/admin/keys/rotate", {"alg": "ES384"}, token=adm)
    k384 = r.json() or {}
    t.eq("rotate {alg: ES384} -> 201 ES384 EC P-384",
         (r.status, k384.get("alg"), k384.get("kty"), k384.get("crv")),
         (201, "ES384", "EC", "P-384"))
    r = s.request("POST", "/v1/admin/keys/rotate", token=adm)
    t.eq("rotate with no body -> 201", r.status, 201)
    for label, body in [("none", {"alg": "none"}), ("bogus", {"alg": "X1"}),
                        ("a number", {"alg": 256})]:
        r = s.post("/v1/admin/keys/rotate", body, token=adm)
        t.error("rotate {alg: %s} -> 400" % label, r, 400,
                "invalid_request")
    r = s.request("POST", "/v1/admin/keys/rotate", body=b"alg=ES256",
                  headers={"Content-Type":
                           "application/x-www-form-urlencoded"}, token=adm)
    t.error("rotate with a form body -> 415", r, 415,
            "unsupported_media_type")
    t.eq("after three rotations a token of the first key still verifies",
         s.verify(before).status, 200)


def rfc_secs(text):
    import calendar
    import time as _t
    try:
        return calendar.timegm(_t.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return -1


def make_user(t, s, adm):
    name, pw = t.name(), t.password()
    r = s.post("/v1/admin/users", {"username": name, "password": pw},
               token=adm)
    if r.status != 201:
        raise AssertionError("admin create: %r" % r)
    return name, pw


def cli(t, s, b):
    name, pw = t.name("cli"), t.password()
    rc, out, err = s.cli(["user", "add", name], stdin=(pw + "\n").encode())
    t.eq("jotd user add: exits 0", rc, 0)
    a = s.session(name, pw)
    missing = t.name("nobody")
    for words in (["enable", missing], ["delete", missing],
                  ["role", "add", missing, "ops"],
                  ["role", "remove", missing, "ops"],
                  ["password", missing]):
        rc, out, err = s.cli(["user"] + words, stdin=b"some-password\n")
        t.eq("jotd user %s (unknown user): exit 1, no such user" %
             " ".join(words[:-2] if words[0] == "role" else words[:1]),
             (rc, out, err.strip()),
             (1, "", "jotd: user %s: no such user" % words[0]))
    rc, out, err = s.cli(["user", "role", "add", name, "ops"])
    t.eq("jotd user role add NAME ops: exit 0, prints the roles",
         (rc, out), (0, '%s\t["user","ops"]\n' % name))
    rc, out, err = s.cli(["user", "role", "add", name, "ops"])
    t.eq("jotd user role add of a role held: exit 0, unchanged",
         (rc, out), (0, '%s\t["user","ops"]\n' % name))
    rc, out, err = s.cli(["user", "role", "remove", name, "user"])
    t.eq("jotd user role remove NAME user: exit 0",
         (rc, out), (0, '%s\t["ops"]\n' % name))
    rc, out, err = s.cli(["user", "role", "add", name, "a,b"])
    t.eq("jotd user role add of a role with a comma: exit 2",
         (rc, err.strip()), (2, "jotd: user role: invalid role"))
    rc, out, err = s.cli(["user", "role", "grant", name, "ops"])
    t.eq("jotd user role grant: usage, exit 2", rc, 2)
    r = s.verify(s.session(name, pw)["access_token"])
    t.eq("a token after the CLI's role changes carries them",
         r.header("X-Auth-Roles"), "ops")

    rc, out, err = s.cli(["user", "disable", name])
    t.eq("jotd user disable: exit 0", rc, 0)
    revoked_soon(t, s, "jotd user disable (this node)", a["access_token"])
    rc, out, err = s.cli(["user", "enable", name])
    t.eq("jotd user enable: exit 0, says so", (rc, out),
         (0, "%s enabled\n" % name))
    a = s.session(name, pw)

    pw2 = t.password()
    rc, out, err = s.cli(["user", "password", name],
                         stdin=(pw2 + "\n").encode())
    t.eq("jotd user password (stdin): exit 0, one session revoked",
         (rc, out), (0, "%s password set, 1 session(s) revoked\n" % name))
    revoked_soon(t, s, "jotd user password (this node)", a["access_token"])
    revoked_soon(t, b, "jotd user password (other node)", a["access_token"])
    t.eq("after jotd user password: old 401, new 200",
         (s.login(name, pw).status, s.login(name, pw2).status), (401, 200))
    rc, out, err = s.cli(["user", "password", name], stdin=b"short\n")
    t.eq("jotd user password with a short one: exit 2", rc, 2)
    rc, out, err = s.cli(["user", "password", name], stdin=b"")
    t.eq("jotd user password with none: exit 2, says so",
         (rc, err.strip()), (2, "jotd: user password: no password given"))
    t.eq("... and the password is unchanged", s.login(name, pw2).status, 200)

    # Three live sessions: the two checking logins above, and this one.
    a = s.session(name, pw2)
    rc, out, err = s.cli(["user", "delete", name])
    t.eq("jotd user delete: exit 0, sessions counted",
         (rc, out), (0, "%s deleted, 3 session(s) revoked\n" % name))
    revoked_soon(t, s, "jotd user delete (this node)", a["access_token"])
    t.error("after jotd user delete: login -> 401", s.login(name, pw2), 401,
            "invalid_credentials")
    t.check("after jotd user delete: not listed",
            name not in (s.users() or {}).values(), "absent",
            repr(s.users()))
    rc, out, err = s.cli(["user", "delete", name])
    t.eq("jotd user delete again: exit 1", rc, 1)


def run(t):
    flags = FAST_HASH + ["--revocation_sync=%d" % SYNC]
    s = t.server("admin", flags, start=False)
    admin_pw = t.password()
    rc, out, err = s.cli(["user", "add", "root", "--role", "admin"],
                         stdin=(admin_pw + "\n").encode())
    t.check("the first admin is made with jotd user add --role admin",
            rc == 0 and UUID_RE.match(out.strip() or "-"), "0 and an id",
            "%r %r %r" % (rc, out, err))
    admin_id = out.strip()
    s.start()
    b = t.server("admin-b", flags, env=s.env, tmp=s.tmp, db=s.db)
    adm = s.session("root", admin_pw)["access_token"]
    plain, _ = s.user()
    plain_tok = s.session(plain["username"], plain["password"])[
        "access_token"]

    guards(t, s, plain_tok, plain["id"])
    t.eq("the guarded DELETE and PATCH changed nothing",
         s.login(plain["username"], plain["password"]).status, 200)

    # Create and read.
    name, pw = t.name("made"), t.password()
    r = s.post("/v1/admin/users", {"username": name, "password": pw,
                                   "roles": ["user", "editor"]}, token=adm)
    made = account(t, "POST /v1/admin/users with roles", r, 201, name,
                   ["user", "editor"])
    r = s.post("/v1/admin/users", {"username": t.name(), "password": pw},
               token=adm)
    account(t, "POST /v1/admin/users without roles: [\"user\"]", r, 201,
            r.json()["username"] if r.json() else None, ["user"])
    r = s.post("/v1/admin/users", {"username": t.name(), "password": pw,
                                   "roles": []}, token=adm)
    t.eq("POST /v1/admin/users with roles [] -> none",
         (r.status, (r.json() or {}).get("roles")), (201, []))
    r = s.post("/v1/admin/users", {"username": name.upper(),
                                   "password": pw}, token=adm)
    t.error("POST /v1/admin/users with a taken name (other case) -> 409",
            r, 409, "conflict", "username already taken")
    t.eq("the user the admin made logs in with its roles",
         s.verify(s.session(name, pw)["access_token"])
         .header("X-Auth-Roles"), "user,editor")
    create_errors(t, s, adm)
    r = s.get("/v1/admin/users/" + made.get("id", "x"), token=adm)
    got = account(t, "GET /v1/admin/users/{id}", r, 200, name,
                  ["user", "editor"])
    t.eq("GET /v1/admin/users/{id}: what POST answered", got, made)
    unknown = "0" * 8 + "-0000-4000-8000-" + "0" * 12
    t.error("GET an unknown id -> 404", s.get("/v1/admin/users/" + unknown,
                                              token=adm), 404, "not_found",
            "no such user")
    t.error("GET a path that is no id -> 404",
            s.get("/v1/admin/users/" + unknown.upper(), token=adm), 404,
            "not_found", "no such user")

    patches(t, s, b, adm, admin_id)
    own_password(t, s, adm, admin_pw)
    methods(t, s, adm, plain["id"])
    sessions_and_delete(t, s, b, adm)
    demoted(t, s, adm)
    # Every user made so far, for the walk.
    n = len(s.get("/v1/admin/users?limit=500", token=adm).json()["users"])
    for _ in range(7 - n % 2):
        make_user(t, s, adm)
    pagination(t, s, adm, n + 7 - n % 2)
    keys(t, s, adm)
    cli(t, s, b)
    b.stop()
    s.stop()
