"""
Accounts: POST /v1/users, its validation, body limits, and the
registration modes.
"""

import json

from harness import FAST_HASH, RFC3339_RE, UUID_RE


def created(t, name, r, username):
    j = r.json() or {}
    t.check("%s: 201 with id, username, roles, created_at" % name,
            r.status == 201 and sorted(j) ==
            ["created_at", "id", "roles", "username"],
            "201 and exactly those members", repr(r))
    t.check("%s: id is a UUID, username as sent, roles [\"user\"], "
            "created_at RFC 3339" % name,
            isinstance(j.get("id"), str) and UUID_RE.match(j["id"]) and
            j.get("username") == username and j.get("roles") == ["user"] and
            isinstance(j.get("created_at"), str) and
            RFC3339_RE.match(j["created_at"]),
            "those values", repr(j))


def bad_request(t, s, name, body, ctype="application/json"):
    r = s.request("POST", "/v1/users", body=body,
                  headers={"Content-Type": ctype})
    t.error(name + " -> 400 invalid_request", r, 400, "invalid_request")
    return r


def padded(username, password, size):
    """A sign-up body of exactly size bytes, padded with an unknown
    member (which jotd ignores)."""
    base = {"username": username, "password": password, "pad": ""}
    n = len(json.dumps(base, separators=(",", ":")).encode())
    base["pad"] = "x" * (size - n)
    body = json.dumps(base, separators=(",", ":")).encode()
    assert len(body) == size
    return body


def run(t):
    s = t.server("accounts", FAST_HASH + ["--max_body=2048"])
    pw = t.password()

    name = t.name("alice")
    r = s.signup(name, pw)
    created(t, "sign-up", r, name)
    t.check("sign-up: Content-Type application/json",
            (r.header("Content-Type") or "").startswith("application/json"),
            "application/json", r.header("Content-Type"))
    t.error("the same name again -> 409 conflict", s.signup(name, pw),
            409, "conflict")
    t.error("the same name in other ASCII case -> 409 conflict",
            s.signup(name.upper(), pw), 409, "conflict")
    r = s.signup("\u00e9" + name, pw)
    t.eq("a name with a non-ASCII letter -> 201", r.status, 201)
    r2 = s.signup("\u00c9" + name, pw)
    t.eq("the same name with that letter in other case -> 201 "
         "(only ASCII folds)", r2.status, 201)
    # Quotes, backslashes and what looks like SQL or psql variables are
    # stored as sent; read back through s.sql, which must not splice
    # them into its statement on either engine.
    odd = "o'b\"r\\n:'p1' ?;--" + t.name("q")
    r = s.signup(odd, pw)
    uid = (r.json() or {}).get("id")
    t.eq("a name with quotes, a backslash, :'p1' and ? -> 201", r.status,
         201)
    t.eq("... the database holds it as sent (%s)" % s.engine,
         s.sql("SELECT id, username FROM users WHERE username = ?", (odd,)),
         [(uid, odd)])

    # Field validation.
    bad_request(t, s, "no username",
                json.dumps({"password": pw}))
    bad_request(t, s, "no password",
                json.dumps({"username": t.name()}))
    bad_request(t, s, "empty object", "{}")
    bad_request(t, s, "username a number",
                json.dumps({"username": 12345, "password": pw}))
    bad_request(t, s, "password a number",
                json.dumps({"username": t.name(), "password": 12345678}))
    bad_request(t, s, "username null",
                json.dumps({"username": None, "password": pw}))
    bad_request(t, s, "username empty",
                json.dumps({"username": "", "password": pw}))
    r = s.signup("u" * 64, pw)
    t.eq("username of 64 bytes -> 201", r.status, 201)
    bad_request(t, s, "username of 65 bytes",
                json.dumps({"username": "v" * 65, "password": pw}))
    bad_request(t, s, "username of 33 two-byte letters (66 bytes)",
                json.dumps({"username": "\u00e9" * 33, "password": pw}))
    for label, ch in (("U+0001", "\u0001"), ("a tab", "\t"),
                      ("DEL", "\u007f"), ("U+0085", "\u0085")):
        bad_request(t, s, "username with a control character (%s)" % label,
                    json.dumps({"username": "ab" + ch + "cd",
                                "password": pw}))
    for label, raw in (("0xff", b"\xff"), ("a lone continuation byte",
                                            b"\x80"),
                       ("an overlong '/'", b"\xc0\xaf"),
                       ("a truncated sequence", b"\xe2\x82")):
        body = (b'{"username":"ab' + raw + b'cd","password":"' +
                pw.encode() + b'"}')
        bad_request(t, s, "username with invalid UTF-8 (%s)" % label, body)
    bad_request(t, s, "username with a lone surrogate escape",
                '{"username":"ab\\ud800cd","password":"%s"}' % pw)
    bad_request(t, s, "password of 7 bytes",
                json.dumps({"username": t.name(), "password": "1234567"}))
    bad_request(t, s, "password of 7 bytes in 4 characters",
                json.dumps({"username": t.name(),
                            "password": "\u00e9\u00e9\u00e9x"}))
    r = s.signup(t.name(), "12345678")
    t.eq("password of 8 bytes -> 201", r.status, 201)
    r = s.signup(t.name(), "p" * 72)
    t.eq("bcrypt: password of 72 bytes -> 201", r.status, 201)
    bad_request(t, s, "bcrypt: password of 73 bytes",
                json.dumps({"username": t.name(), "password": "p" * 73}))
    bad_request(t, s, "password of 1025 bytes",
                json.dumps({"username": t.name(), "password": "p" * 1025}))

    # Bodies.
    r = s.request("POST", "/v1/users",
                  body=json.dumps({"username": t.name(), "password": pw}),
                  headers={"Content-Type": "text/plain"})
    t.error("text/plain -> 415 unsupported_media_type", r, 415,
            "unsupported_media_type")
    r = s.request("POST", "/v1/users",
                  body=json.dumps({"username": t.name(), "password": pw}))
    t.error("no Content-Type -> 415 unsupported_media_type", r, 415,
            "unsupported_media_type")
    n = t.name()
    r = s.request("POST", "/v1/users",
                  body=json.dumps({"username": n, "password": pw}),
                  headers={"Content-Type": "application/json; charset=utf-8"})
    t.eq("application/json; charset=utf-8 -> 201", r.status, 201)
    bad_request(t, s, "malformed JSON", '{"username": "x", "password": ')
    bad_request(t, s, "trailing garbage after the object",
                json.dumps({"username": t.name(), "password": pw}) + "}")
    bad_request(t, s, "a JSON array body",
                json.dumps([{"username": t.name(), "password": pw}]))
    bad_request(t, s, "a JSON string body", '"hello"')
    bad_request(t, s, "an empty body", "")

    def nested(levels):
        # The top-level object is level 1; "pad" adds levels - 1 arrays.
        inner = "[" * (levels - 1) + "]" * (levels - 1)
        return '{"username":"%s","password":"%s","pad":%s}' % (
            t.name(), pw, inner)

    bad_request(t, s, "JSON nested 33 deep", nested(33))
    r = s.request("POST", "/v1/users", body=nested(32),
                  headers={"Content-Type": "application/json"})
    t.eq("JSON nested 32 deep -> 201 (the normal answer)", r.status, 201)
    r = s.request("POST", "/v1/users",
                  body='{"username":"%s","password":"%s","pad":"%s"}' % (
                      t.name(), pw, "[{" * 40),
                  headers={"Content-Type": "application/json"})
    t.eq("brackets inside a string do not count as nesting -> 201",
         r.status, 201)
    r = s.request("POST", "/v1/users",
                  body='{"username":"%s","password":"%s","pad":"\\\"%s"}' % (
                      t.name(), pw, "[" * 40),
                  headers={"Content-Type": "application/json"})
    t.eq("... nor after an escaped quote inside the string -> 201",
         r.status, 201)

    exact = padded(t.name(), pw, 2048)
    r = s.request("POST", "/v1/users", body=exact,
                  headers={"Content-Type": "application/json"})
    t.eq("a body of exactly max_body (2048) bytes -> 201", r.status, 201)
    over = padded(t.name(), pw, 2049)
    r = s.request("POST", "/v1/users", body=over,
                  headers={"Content-Type": "application/json"})
    t.error("a body of max_body + 1 bytes -> 413 payload_too_large", r, 413,
            "payload_too_large")
    r = s.request("POST", "/v1/users", body=padded(t.name(), pw, 100000),
                  headers={"Content-Type": "application/json"})
    t.error("a body of 100000 bytes -> 413 payload_too_large", r, 413,
            "payload_too_large")
    body = padded(t.name(), pw, 2048)
    r = s.request("POST", "/v1/users",
                  body=[body[i:i + 500] for i in range(0, len(body), 500)],
                  headers={"Content-Type": "application/json"})
    t.eq("a chunked body of exactly max_body bytes -> 201", r.status, 201)
    body = padded(t.name(), pw, 2049)
    r = s.request("POST", "/v1/users",
                  body=[body[i:i + 500] for i in range(0, len(body), 500)],
                  headers={"Content-Type": "application/json"})
    t.error("a chunked body of max_body + 1 bytes -> 413 payload_too_large",
            r, 413, "payload_too_large")
    t.eq("the server still answers after the large bodies",
         s.get("/healthz").status, 200)
    s.stop()

    # argon2id (no 72-byte limit): passwords up to 1024 bytes.
    a = t.server("accounts-argon2id", ["--max_body=4096"])
    long_pw = "L" * 1024
    n = t.name()
    r = a.signup(n, long_pw)
    t.eq("argon2id: password of 1024 bytes -> 201", r.status, 201)
    r = a.login(n, long_pw)
    t.eq("argon2id: login with the 1024-byte password -> 200", r.status, 200)
    r = a.login(n, long_pw[:-1])
    t.error("argon2id: login with its first 1023 bytes -> 401",
            r, 401, "invalid_credentials")
    r = a.post("/v1/users", {"username": t.name(), "password": "L" * 1025})
    t.error("argon2id: password of 1025 bytes -> 400 invalid_request", r,
            400, "invalid_request")
    a.stop()

    # registration = off
    off = t.server("registration-off", FAST_HASH + ["--registration=off"])
    r = off.signup(t.name(), pw)
    t.error("registration=off: sign-up -> 403 forbidden", r, 403,
            "forbidden")
    off.stop()

    # registration = admin; the admin is made before the server starts.
    adm = t.server("registration-admin",
                   FAST_HASH + ["--registration=admin"], start=False)
    admin_pw, plain_pw = t.password(), t.password()
    rc, out, err = adm.cli(["user", "add", "boss", "--role", "admin"],
                           stdin=(admin_pw + "\n").encode())
    t.check("jotd user add boss --role admin: exits 0 and prints the id",
            rc == 0 and UUID_RE.match(out.strip() or "-"),
            "status 0 and a UUID", "%r %r %r" % (rc, out, err))
    rc, out, err = adm.cli(["user", "add", "worker"],
                           stdin=(plain_pw + "\n").encode())
    t.eq("jotd user add worker: exits 0", rc, 0)
    adm.start()
    r = adm.signup(t.name(), pw)
    t.error("registration=admin: no credentials -> 401", r, 401,
            "invalid_token")
    t.eq("registration=admin: no credentials -> WWW-Authenticate",
         r.header("WWW-Authenticate"), 'Bearer realm="jot"')
    worker = adm.session("worker", plain_pw)
    r = adm.signup(t.name(), pw, token=worker["access_token"])
    t.error("registration=admin: a non-admin bearer -> 403 "
            "insufficient_scope", r, 403, "insufficient_scope")
    boss = adm.session("boss", admin_pw)
    n = t.name()
    r = adm.signup(n, pw, token=boss["access_token"])
    created(t, "registration=admin: an admin bearer", r, n)
    r = adm.login(n, pw)
    t.eq("registration=admin: the user the admin made can log in",
         r.status, 200)
    adm.stop()
