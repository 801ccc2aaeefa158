"""
What hostile traffic must not make grow without bound, or hide: the audit
trail under a flood of 429s (counted, not written one row and one log line
each), the pruning of old audit rows, dead throttle buckets and long-gone
sessions, a JSON log line for a path that is not UTF-8, and names listed
by "jotd user list" with characters that would display them as another.
"""

import json
import os
import sqlite3
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


def run(t):
    log_not_utf8(t)
    user_list_escaped(t)
