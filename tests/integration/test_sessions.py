"""
Logout (local, global, others), the session list and its DELETE, and
the password change.
"""

import time
import uuid

from harness import FAST_HASH, RFC3339_RE

SYNC = 1                    # --revocation_sync
LIMIT = SYNC + 1.0          # API.md: other sessions die within this


def revoked_now(t, s, label, access):
    t.error(label + ": its access token -> 401 \"session revoked\" at once",
            s.verify(access), 401, "invalid_token", "session revoked")


def revoked_soon(t, s, label, access):
    took, r = s.wait_refused(access, LIMIT)
    t.check(label + ": its access token is refused within "
            "revocation_sync + 1 s",
            took is not None and took <= LIMIT, "<= %.1f s" % LIMIT,
            "%s (%r)" % (took, r))
    t.error(label + ": ... with \"session revoked\"", r, 401,
            "invalid_token", "session revoked")


def run(t):
    s = t.server("sessions", FAST_HASH + ["--revocation_sync=%d" % SYNC])

    # Logout, scope local.
    u, a = s.user()
    r = s.request("POST", "/v1/auth/logout", token=a["access_token"])
    t.eq("logout -> 204 with an empty body", (r.status, r.body), (204, b""))
    cookie = r.header("Set-Cookie") or ""
    t.check("logout: Set-Cookie clears jot_refresh (Max-Age=0)",
            cookie.startswith("jot_refresh=;") and "Max-Age=0" in cookie and
            "Path=/v1/auth" in cookie, "jot_refresh=; Path=/v1/auth; "
            "Max-Age=0", repr(cookie))
    revoked_now(t, s, "logout", a["access_token"])
    t.error("logout: its refresh token -> 401 invalid_grant",
            s.refresh(a["refresh_token"]), 401, "invalid_grant")
    r = s.request("POST", "/v1/auth/logout", token=a["access_token"])
    t.error("logout again with the revoked token -> 401", r, 401,
            "invalid_token", "session revoked")
    r = s.request("POST", "/v1/auth/logout")
    t.error("logout without a token -> 401 missing bearer token", r, 401,
            "invalid_token", "missing bearer token")
    b = s.session(u["username"], u["password"])
    t.eq("the user can still log in and use a new session",
         s.verify(b["access_token"]).status, 200)
    r = s.request("POST", "/v1/auth/logout?scope=local",
                  token=b["access_token"])
    t.eq("logout?scope=local -> 204", r.status, 204)
    revoked_now(t, s, "logout?scope=local", b["access_token"])

    # scope=bogus
    c = s.session(u["username"], u["password"])
    r = s.request("POST", "/v1/auth/logout?scope=bogus",
                  token=c["access_token"])
    t.error("logout?scope=bogus -> 400 invalid_request", r, 400,
            "invalid_request")
    t.eq("logout?scope=bogus revoked nothing",
         s.verify(c["access_token"]).status, 200)

    # scope=global
    g, g1 = s.user()
    g2 = s.session(g["username"], g["password"])
    g3 = s.session(g["username"], g["password"])
    _, bystander = s.user()
    r = s.request("POST", "/v1/auth/logout?scope=global",
                  token=g1["access_token"])
    t.eq("logout?scope=global -> 204", r.status, 204)
    revoked_now(t, s, "scope=global, the caller's session",
                g1["access_token"])
    revoked_soon(t, s, "scope=global, another session", g2["access_token"])
    t.check("scope=global: every refresh token of the user -> 401",
            all(s.refresh(x["refresh_token"]).status == 401
                for x in (g1, g2, g3)), "401 x 3", "a 200")
    t.eq("scope=global: another user's session lives",
         s.verify(bystander["access_token"]).status, 200)

    # scope=others
    o, o1 = s.user()
    o2 = s.session(o["username"], o["password"])
    o3 = s.session(o["username"], o["password"])
    r = s.request("POST", "/v1/auth/logout?scope=others",
                  token=o1["access_token"])
    t.eq("logout?scope=others -> 204", r.status, 204)
    revoked_soon(t, s, "scope=others, another session", o2["access_token"])
    t.check("scope=others: the other sessions' refresh tokens -> 401",
            all(s.refresh(x["refresh_token"]).status == 401
                for x in (o2, o3)), "401 x 2", "a 200")
    t.eq("scope=others: the caller's access token still works on /v1/me",
         s.get("/v1/me", token=o1["access_token"]).status, 200)
    t.eq("scope=others: ... and on /v1/verify",
         s.verify(o1["access_token"]).status, 200)
    t.eq("scope=others: the caller's refresh token still refreshes",
         s.refresh(o1["refresh_token"]).status, 200)

    # The session list.
    v = t.password()
    name = t.name("lister")
    s.signup(name, v)
    s1 = s.session(name, v, ua="jot-tests/1.0 (first)")
    s2 = s.session(name, v, ua="jot-tests/1.0 (second)")
    s3 = s.session(name, v, ua="jot-tests/1.0 (third)")
    s.request("POST", "/v1/auth/logout", token=s3["access_token"])
    r = s.get("/v1/me/sessions", token=s1["access_token"])
    body = r.json() or {}
    items = body.get("sessions") or []
    t.eq("/v1/me/sessions -> 200 {\"sessions\":[...]}",
         (r.status, sorted(body)), (200, ["sessions"]))
    t.eq("/v1/me/sessions: the two live sessions, not the logged-out one",
         sorted(x.get("id") for x in items),
         sorted([s1["session_id"], s2["session_id"]]))
    t.check("/v1/me/sessions: each has exactly id, created_at, last_used_at, "
            "user_agent, ip, current",
            items and all(sorted(x) == ["created_at", "current", "id", "ip",
                                        "last_used_at", "user_agent"]
                          for x in items), "those members", repr(items))
    by_id = {x.get("id"): x for x in items}
    x1, x2 = by_id.get(s1["session_id"], {}), by_id.get(s2["session_id"], {})
    t.eq("/v1/me/sessions: user_agent, ip 127.0.0.1, current",
         [(x.get("user_agent"), x.get("ip"), x.get("current"))
          for x in (x1, x2)],
         [("jot-tests/1.0 (first)", "127.0.0.1", True),
          ("jot-tests/1.0 (second)", "127.0.0.1", False)])
    t.check("/v1/me/sessions: created_at and last_used_at are RFC 3339",
            items and all(isinstance(x.get(k), str) and RFC3339_RE.match(x[k])
                          for x in items for k in ("created_at",
                                                   "last_used_at")),
            "RFC 3339 times", repr(items))
    r = s.get("/v1/me/sessions", token=s2["access_token"])
    t.eq("/v1/me/sessions with the other token: that one is current",
         sorted((x.get("id"), x.get("current"))
                for x in (r.json() or {}).get("sessions", [])),
         sorted([(s1["session_id"], False), (s2["session_id"], True)]))

    _, stranger = s.user()
    r = s.request("DELETE", "/v1/me/sessions/" + stranger["session_id"],
                  token=s1["access_token"])
    t.error("DELETE another user's session -> 404 not_found", r, 404,
            "not_found")
    t.eq("... and that session lives",
         s.verify(stranger["access_token"]).status, 200)
    r = s.request("DELETE", "/v1/me/sessions/" + str(uuid.uuid4()),
                  token=s1["access_token"])
    t.error("DELETE a random UUID -> 404 not_found", r, 404, "not_found")
    r = s.request("DELETE", "/v1/me/sessions/not-a-uuid",
                  token=s1["access_token"])
    t.error("DELETE a malformed id -> 404 not_found", r, 404, "not_found")
    r = s.request("DELETE", "/v1/me/sessions/" + s2["session_id"])
    t.error("DELETE without a token -> 401", r, 401, "invalid_token")
    r = s.request("DELETE", "/v1/me/sessions/" + s2["session_id"],
                  token=s1["access_token"])
    t.eq("DELETE /v1/me/sessions/{id} -> 204", (r.status, r.body),
         (204, b""))
    revoked_now(t, s, "DELETE /v1/me/sessions/{id}", s2["access_token"])
    t.error("DELETE /v1/me/sessions/{id}: its refresh token -> 401",
            s.refresh(s2["refresh_token"]), 401, "invalid_grant")
    r = s.get("/v1/me/sessions", token=s1["access_token"])
    t.eq("the list then holds only the caller's session",
         [x.get("id") for x in (r.json() or {}).get("sessions", [])],
         [s1["session_id"]])

    me, m1 = s.user()
    m2 = s.session(me["username"], me["password"])
    r = s.request("DELETE", "/v1/me/sessions/" + m1["session_id"],
                  token=m1["access_token"])
    t.eq("DELETE of the caller's own session -> 204", r.status, 204)
    revoked_now(t, s, "DELETE of the caller's own session",
                m1["access_token"])
    t.eq("... the user's other session lives",
         s.verify(m2["access_token"]).status, 200)

    # The password change.
    p, p1 = s.user()
    p2 = s.session(p["username"], p["password"])
    new_pw = t.password()
    r = s.post("/v1/me/password", {"current_password": p["password"] + "x",
                                   "new_password": new_pw},
               token=p1["access_token"])
    t.error("password change with a wrong current password -> 401 "
            "invalid_credentials", r, 401, "invalid_credentials")
    r = s.post("/v1/me/password", {"current_password": p["password"],
                                   "new_password": "short"},
               token=p1["access_token"])
    t.error("password change to 5 bytes -> 400 invalid_request", r, 400,
            "invalid_request")
    r = s.post("/v1/me/password", {"current_password": p["password"]},
               token=p1["access_token"])
    t.error("password change without new_password -> 400 invalid_request",
            r, 400, "invalid_request")
    r = s.post("/v1/me/password", {"current_password": p["password"],
                                   "new_password": new_pw})
    t.error("password change without a token -> 401", r, 401,
            "invalid_token")
    t.eq("the failed changes revoked nothing",
         s.verify(p2["access_token"]).status, 200)
    r = s.post("/v1/me/password", {"current_password": p["password"],
                                   "new_password": new_pw},
               token=p1["access_token"])
    t.eq("password change -> 204", (r.status, r.body), (204, b""))
    revoked_soon(t, s, "password change, the other session",
                 p2["access_token"])
    t.error("password change: the other session's refresh token -> 401",
            s.refresh(p2["refresh_token"]), 401, "invalid_grant")
    t.eq("password change: the current session still works on /v1/me",
         s.get("/v1/me", token=p1["access_token"]).status, 200)
    t.eq("password change: the current session still refreshes",
         s.refresh(p1["refresh_token"]).status, 200)
    t.eq("password change: login with the new password -> 200",
         s.login(p["username"], new_pw).status, 200)
    t.error("password change: login with the old password -> 401",
            s.login(p["username"], p["password"]), 401,
            "invalid_credentials")
    s.stop()
    at_once(t)
    past_access_ttl(t)


def at_once(t):
    """With a sync too slow to help (60 s), every revocation of a user's
    other sessions reaches this node's set at once: a password change,
    logout?scope=others, and disabling the user."""
    s = t.server("sessions-at-once", FAST_HASH + ["--revocation_sync=60"])
    u, a = s.user()
    b = s.session(u["username"], u["password"])
    t.eq("at once: the other session's token verifies before",
         s.verify(b["access_token"]).status, 200)
    new_pw = t.password()
    r = s.post("/v1/me/password", {"current_password": u["password"],
                                   "new_password": new_pw},
               token=a["access_token"])
    t.eq("at once: password change -> 204", r.status, 204)
    revoked_now(t, s, "password change, the other session (sync 60 s)",
                b["access_token"])
    t.eq("at once: the session that changed it still verifies",
         s.verify(a["access_token"]).status, 200)
    c = s.session(u["username"], new_pw)
    r = s.request("POST", "/v1/auth/logout?scope=others",
                  token=a["access_token"])
    t.eq("at once: logout?scope=others -> 204", r.status, 204)
    revoked_now(t, s, "logout?scope=others, the other session (sync 60 s)",
                c["access_token"])
    t.eq("at once: the session that logged the others out still verifies",
         s.verify(a["access_token"]).status, 200)
    s.stop()


def past_access_ttl(t):
    """A logged-out token is accepted until exp + leeway, so its session
    stays in the revoked set that long: with access_ttl 2, leeway 5 and
    clock_skew 0, a window of access_ttl + clock_skew alone would drop
    the session 2 s after the logout and let the token back in until
    7 s.  Checked 3.5 s after the login (the token expired, and within
    its leeway), with a sync every second."""
    s = t.server("sessions-leeway", FAST_HASH + [
        "--access_ttl=2", "--refresh_ttl=60", "--leeway=5",
        "--clock_skew=0", "--revocation_sync=1"])
    u, a = s.user()
    t0 = time.monotonic()
    b = s.session(u["username"], u["password"])
    r = s.request("POST", "/v1/auth/logout", token=a["access_token"])
    t.eq("leeway 5: logout -> 204", r.status, 204)
    revoked_now(t, s, "leeway 5: logout", a["access_token"])
    time.sleep(max(0.0, t0 + 3.5 - time.monotonic()))
    t.eq("leeway 5: 3.5 s on, an expired token of a live session is "
         "still accepted (the leeway)", s.verify(b["access_token"]).status,
         200)
    t.error("leeway 5: 3.5 s on (past access_ttl, within the leeway), "
            "the logged-out token is still refused", s.verify(
                a["access_token"]), 401, "invalid_token", "session revoked")
    s.stop()
    # A restart with a lower access_ttl: tokens of the old one live on.
    s = t.server("sessions-lower-ttl", FAST_HASH + [
        "--access_ttl=600", "--revocation_sync=1"])
    u, a = s.user()
    r = s.request("POST", "/v1/auth/logout", token=a["access_token"])
    t.eq("restart: logout with access_ttl 600 -> 204", r.status, 204)
    port = s.port
    s.stop()
    s.flags = [f for f in s.flags if not f.startswith("--access_ttl")] + [
        "--access_ttl=1", "--clock_skew=0"]
    s.start(port=port)  # the same issuer
    time.sleep(2.5)     # two syncs past the new access_ttl + clock_skew
    t.error("restart with access_ttl 1: a token issued under 600 and "
            "logged out is still refused 2.5 s on", s.verify(
                a["access_token"]), 401, "invalid_token", "session revoked")
    s.stop()
