"""
What hostile traffic must not make grow without bound, or hide: the audit
trail under a flood of 429s (counted, not written one row and one log line
each), the pruning of old audit rows, dead throttle buckets and long-gone
sessions, a JSON log line for a path that is not UTF-8, and names listed
by "jotd user list" with characters that would display them as another.
"""

import json
import os
import time

from harness import FAST_HASH, raw_exchange

DAY_MS = 86400 * 1000


def json_lines(s):
    out = []
    for line in s.log().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def wait_for(pred, limit=5.0, step=0.1):
    """pred() until true or limit seconds: its last value."""
    deadline = time.monotonic() + limit
    v = pred()
    while not v and time.monotonic() < deadline:
        time.sleep(step)
        v = pred()
    return v


def log_not_utf8(t):
    s = t.server("growth-jsonlog", FAST_HASH + ["--log_format=json"])
    st, _, _ = raw_exchange(s.port, b"GET /v1/%ff%fe/x\xc3 HTTP/1.1\r\n"
                            b"Host: a\r\nConnection: close\r\n\r\n")
    t.check("GET /v1/%ff%fe/x\\xc3: answered", st is not None, "a status",
            repr(st))

    def line():
        for o in json_lines(s):
            if o.get("event") == "request" and "/x" in o.get("path", ""):
                return o
        return None

    o = wait_for(line)
    t.check("json log: the request line of a path that is not UTF-8 is "
            "written, its bad octets as \\xHH",
            o is not None and o["path"] in ("/v1/\\xff\\xfe/x\\xc3",
                                            "/v1/%ff%fe/x\\xc3"),
            "path /v1/\\xff\\xfe/x\\xc3", repr(o))
    s.stop()


def user_list_escaped(t):
    s = t.server("growth-userlist", FAST_HASH)
    pw = t.password()
    names = {
        "rlo": "adm\u202enimda",
        "isolate": "a\u2066b\u2069c",
        "lsep": "line\u2028two\u2029",
        "lrm": "x\u200ey",
        "backslash": "a\\u202eb",
    }
    want = {
        "rlo": "adm\\u202enimda",
        "isolate": "a\\u2066b\\u2069c",
        "lsep": "line\\u2028two\\u2029",
        "lrm": "x\\u200ey",
        "backslash": "a\\\\u202eb",
    }
    ids = {}
    for k, n in names.items():
        r = s.signup(n, pw)
        t.eq("sign-up of a name with %s -> 201" % k, r.status, 201)
        ids[k] = (r.json() or {}).get("id")
    rc, out, err = s.cli(["user", "list"])
    t.eq("jotd user list: exits 0", rc, 0)
    rows = {l.split("\t")[0]: l.split("\t") for l in out.splitlines()}
    for k in names:
        row = rows.get(ids[k], [])
        t.check("jotd user list: the name with %s is printed escaped "
                "(%s)" % (k, want[k]), len(row) == 5 and row[1] == want[k],
                repr(want[k]), repr(row))
    raw = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
              "\u2028\u2029\u200e\u200f")
    t.check("jotd user list: no bidi or separator character in the output",
            not (raw & set(out)), "none", repr(sorted(raw & set(out))))
    t.eq("jotd user list: one line per user (5)", len(out.splitlines()), 5)
    s.stop()


FLOOD = 3000                # requests
FLOOD_LIMIT = 60.0          # seconds at most, whatever the machine


def flood(t):
    """Thousands of 429s: the audit table and the log grow by a bounded
    number of rows and lines (counted per address and interval), and
    the counts add up to every 429 answered."""
    s = t.server("growth-flood", FAST_HASH + [
        "--login_max_failures=1", "--login_window=600"])
    u, _ = s.user()
    bad = {"username": u["username"], "password": u["password"] + "!"}
    r = s.post("/v1/auth/login", bad)
    t.eq("flood: one wrong password -> 401", r.status, 401)
    s.stop()
    before = s.sql("SELECT count(*) FROM audit_events")[0][0]
    s.start()
    body = json.dumps(bad).encode()
    codes = {}
    sent = 0
    deadline = time.monotonic() + FLOOD_LIMIT
    conn = None
    while sent < FLOOD and time.monotonic() < deadline:
        if conn is None:
            conn = s.connect()
        try:
            conn.request("POST", "/v1/auth/login", body=body, headers={
                "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            codes[resp.status] = codes.get(resp.status, 0) + 1
        except Exception:
            conn.close()
            conn = None
        sent += 1
    if conn is not None:
        conn.close()
    n429 = codes.get(429, 0)
    t.check("flood: %d of %d attempts answered 429 (within %d s)" % (
        n429, sent, FLOOD_LIMIT), n429 >= 1000 and n429 >= sent * 0.9,
        ">= 1000 and >= 90%% of %d" % sent, repr(codes))
    s.stop()
    rows = s.sql("SELECT kind, ip, detail FROM audit_events "
                 "ORDER BY id")[before:]
    t.check("flood: %d 429s added %d audit rows (at most 20)" % (
        n429, len(rows)), len(rows) <= 20, "<= 20", repr(rows[:25]))
    counted = sum(json.loads(d).get("count", 0) for k, _, d in rows
                  if k == "throttled" and d)
    t.eq("flood: the throttled rows count every 429 (detail count)",
         counted, n429)
    log = s.log()
    audit_lines = [l for l in log.splitlines() if " audit throttled " in l]
    request_lines = [l for l in log.splitlines()
                     if " POST /v1/auth/login 429 " in l]
    t.check("flood: the log has a line per request (%d) but at most 20 "
            "audit lines for them (%d)" % (len(request_lines),
                                           len(audit_lines)),
            len(request_lines) >= n429 and len(audit_lines) <= 20,
            ">= %d request lines, <= 20 audit lines" % n429,
            "%d, %d" % (len(request_lines), len(audit_lines)))


def pruning(t):
    """Rows older than their retention go, a batch at a time, and newer
    ones stay: audit rows (audit_retention), dead throttle buckets
    (login_window), sessions long revoked or expired
    (session_retention)."""
    s = t.server("growth-prune", FAST_HASH + ["--login_window=60"])
    u, a = s.user()
    port = s.port
    s.stop()
    now = int(time.time() * 1000)
    old = now - 2 * DAY_MS
    s.sql_many("INSERT INTO audit_events (at, kind, ip, detail) "
               "VALUES (?, 'old', '192.0.2.1', NULL)",
               [(old + i,) for i in range(700)])
    s.sql("INSERT INTO audit_events (at, kind, ip) "
          "VALUES (?, 'recent', '192.0.2.1')", (now - 60000,))
    s.sql_many("INSERT INTO login_failures (bucket, count, first_at, "
               "last_at) VALUES (?, 3, ?, ?)",
               [("a:old%d|192.0.2.1" % i, old, old) for i in range(300)] +
               [("i:192.0.2.7", now - 1000, now - 1000),
                ("k:alice|192.0.2.8", old, old)])
    user_id = s.sql("SELECT user_id FROM sessions")[0][0]
    s.sql_many("INSERT INTO sessions (id, user_id, gen, rotated_at, "
               "created_at, last_used_at, expires_at, revoked_at) "
               "VALUES (?, ?, 1, ?, ?, ?, ?, ?)",
               [("00000000-0000-4000-8000-00000000000%d" % i, user_id,
                 old, old, old, exp, rev)
                for i, (exp, rev) in enumerate([(old, 0),
                                                (now + DAY_MS, old),
                                                (now + DAY_MS, now - 1000)])])
    s.flags += ["--audit_retention=3600", "--session_retention=3600"]
    s.start(port=port)      # the same issuer

    def pruned():
        return (s.sql("SELECT count(*) FROM audit_events "
                      "WHERE kind = 'old'")[0][0] == 0 and
                s.sql("SELECT count(*) FROM login_failures "
                      "WHERE bucket LIKE 'a:old%'")[0][0] == 0)

    t.check("prune: 700 old audit rows and 300 dead buckets are gone "
            "within 10 s (batches of 200)", wait_for(pruned, 10.0, 0.2),
            "pruned", "still there")
    t.eq("prune: a recent audit row stays", s.sql(
        "SELECT count(*) FROM audit_events WHERE kind = 'recent'"), [(1,)])
    t.eq("prune: a live bucket stays, and a known-address mark within 30 "
         "days", s.sql("SELECT bucket FROM login_failures "
                       "WHERE bucket IN ('i:192.0.2.7', "
                       "'k:alice|192.0.2.8') ORDER BY bucket"),
         [("i:192.0.2.7",), ("k:alice|192.0.2.8",)])
    ids = [r[0] for r in s.sql("SELECT id FROM sessions "
                               "WHERE id LIKE '00000000-%' ORDER BY id")]
    t.eq("prune: the session expired and the one revoked 2 days ago are "
         "gone, the one revoked just now stays", ids,
         ["00000000-0000-4000-8000-000000000002"])
    t.eq("prune: the live session still verifies",
         s.verify(a["access_token"]).status, 200)
    s.stop()


def run(t):
    log_not_utf8(t)
    user_list_escaped(t)
    flood(t)
    pruning(t)
