"""
Hostile traffic: racing password guesses.

- 40 concurrent wrong passwords from a fresh address: each check reserves
  its place before hashing, so at most login_max_failures checks are made
  (counted from the audit rows "login_failed"); the rest are 429.
"""

import sqlite3
import threading

from harness import FAST_HASH


def xff(addr):
    return {"X-Forwarded-For": addr}


def racing_guesses(t):
    limit = 5
    s = t.server("floods-race", FAST_HASH + [
        "--login_max_failures=%d" % limit, "--login_window=600",
        "--trusted_proxies=127.0.0.1"])
    u, _ = s.user()
    codes = []
    lock = threading.Lock()
    start = threading.Barrier(40)

    def guess():
        try:
            start.wait(30)
            r = s.login(u["username"], u["password"] + "!",
                        headers=xff("203.0.113.77"))
            st = r.status
        except Exception as e:      # recorded, not raised in a thread
            st = repr(e)
        with lock:
            codes.append(st)

    th = [threading.Thread(target=guess) for _ in range(40)]
    for x in th:
        x.start()
    for x in th:
        x.join(120)
    db = sqlite3.connect(s.db_file())
    try:
        checks = db.execute("SELECT count(*) FROM audit_events "
                            "WHERE kind = 'login_failed'").fetchone()[0]
    finally:
        db.close()
    t.eq("40 concurrent wrong passwords: every one answered 401 or 429",
         sorted(set(codes)), [401, 429] if 401 in codes else [429])
    t.check("... at most login_max_failures (%d) password checks made "
            "(audit rows login_failed)" % limit, 1 <= checks <= limit,
            "1..%d" % limit, str(checks))
    t.eq("... one 401 per check made, the others 429",
         (codes.count(401), codes.count(429)), (checks, 40 - checks))


def run(t):
    racing_guesses(t)
