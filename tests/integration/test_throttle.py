"""
Throttling of failed password checks: per (account, client address), per
client address, and per account for addresses the account has never
logged in from; doubling waits, Retry-After, and the client address taken
from X-Forwarded-For only behind a trusted proxy.
"""

import time

from harness import FAST_HASH


def xff(addr):
    return {"X-Forwarded-For": addr}


def limited(t, label, r, retry=None):
    """A 429 rate_limited with an integer Retry-After >= 1 (== retry when
    given)."""
    ra = r.header("Retry-After")
    t.error(label + " -> 429 rate_limited", r, 429, "rate_limited")
    if retry is None:
        t.check(label + ": Retry-After is an integer >= 1",
                ra is not None and ra.isdigit() and int(ra) >= 1,
                "an integer >= 1", repr(ra))
    else:
        t.eq(label + ": Retry-After: %d" % retry, ra, str(retry))
    return int(ra) if ra and ra.isdigit() else 1


def run(t):
    s = t.server("throttle", FAST_HASH + [
        "--login_max_failures=3", "--login_window=60",
        "--trusted_proxies=192.0.2.0/24,127.0.0.1"])
    u, _ = s.user()
    name, pw, bad = u["username"], u["password"], u["password"] + "!"
    A, B = xff("10.0.0.1"), xff("10.0.0.2")

    codes = [s.login(name, bad, headers=A).status for _ in range(3)]
    last_fail = time.monotonic()
    t.eq("3 wrong passwords -> 401 each", codes, [401, 401, 401])
    r = s.login(name, pw, headers=A)
    limited(t, "the 4th attempt, with the right password", r, 1)
    r = s.login(name, bad, headers=A)
    limited(t, "a 5th attempt at once (the 429 was not counted)", r, 1)
    r = s.login(name, pw, headers=B)
    t.eq("the same account from another client address -> 200", r.status,
         200)
    r = s.login(name, pw, headers=xff("10.0.0.99, 10.0.0.2"))
    t.eq("the last X-Forwarded-For address is the client (10.0.0.1 "
         "first, 10.0.0.2 last) -> 200", r.status, 200)
    r = s.login(name, pw, headers=xff("10.0.0.2, 10.0.0.1"))
    limited(t, "X-Forwarded-For ending in the locked address", r)

    time.sleep(max(0.0, last_fail + 1.1 - time.monotonic()))
    r = s.login(name, bad, headers=A)
    last_fail = time.monotonic()
    t.error("after Retry-After seconds a wrong password -> 401", r, 401,
            "invalid_credentials")
    r = s.login(name, pw, headers=A)
    limited(t, "the next attempt: the wait has doubled", r, 2)
    got = [s.login(name, pw, headers=A) for _ in range(3)]
    t.eq("three more attempts at once -> 429 with Retry-After 2 (429s are "
         "not failures)", [(x.status, x.header("Retry-After")) for x in got],
         [(429, "2")] * 3)
    time.sleep(max(0.0, last_fail + 2.1 - time.monotonic()))
    r = s.login(name, pw, headers=A)
    t.eq("after the wait the right password -> 200", r.status, 200)
    codes = [s.login(name, bad, headers=A).status for _ in range(2)]
    codes.append(s.login(name, pw, headers=A).status)
    t.eq("the success cleared the count: 2 wrong, then right -> 401, 401, "
         "200", codes, [401, 401, 200])

    # The per-address limit: 10 x login_max_failures over any accounts.
    C, D = xff("10.0.0.9"), xff("10.0.0.10")
    codes = [s.login(t.name("ghost"), bad, headers=C).status
             for _ in range(30)]
    t.eq("30 wrong logins on 30 accounts from one address -> 401 each",
         codes, [401] * 30)
    r = s.login(name, pw, headers=C)
    limited(t, "then that address on any account", r)
    r = s.login(t.name("ghost"), bad, headers=C)
    limited(t, "... and on an unknown account", r)
    r = s.login(name, pw, headers=D)
    t.eq("another address is not limited -> 200", r.status, 200)

    # The session records the client address.
    v, _ = s.user()
    s1 = s.session(v["username"], v["password"],
                   headers=xff("192.0.2.1, 198.51.100.7"))
    s2 = s.session(v["username"], v["password"], headers=xff("2001:db8::1"))
    r = s.get("/v1/me/sessions", token=s1["access_token"])
    ips = {x.get("id"): x.get("ip") for x in (r.json() or {}).get(
        "sessions", [])}
    t.eq("sessions record the last X-Forwarded-For address (IPv4 and IPv6)",
         (ips.get(s1["session_id"]), ips.get(s2["session_id"])),
         ("198.51.100.7", "2001:db8::1"))

    # A wrong current password is counted like a failed login.
    p, pj = s.user()
    E = xff("10.0.0.20")
    codes = [s.post("/v1/me/password",
                    {"current_password": p["password"] + "?",
                     "new_password": t.password()},
                    token=pj["access_token"], headers=E).status
             for _ in range(3)]
    t.eq("3 wrong current passwords -> 401 each", codes, [401, 401, 401])
    r = s.post("/v1/me/password", {"current_password": p["password"],
                                   "new_password": t.password()},
               token=pj["access_token"], headers=E)
    limited(t, "the 4th password change, with the right current password",
            r)
    r = s.login(p["username"], p["password"], headers=E)
    limited(t, "login of that account from that address", r)
    r = s.login(p["username"], p["password"], headers=B)
    t.eq("login of that account from another address -> 200", r.status, 200)

    # Many addresses guessing one account: each address fails only once
    # (no pair or address limit is reached), but the account's count over
    # all addresses (3 x login_max_failures = 9) slows down addresses it
    # has never been logged in from, and only those.
    g, _ = s.user()                     # logs in once from 127.0.0.1
    home = xff("10.1.0.1")
    t.eq("the owner logs in from home -> 200",
         s.login(g["username"], g["password"], headers=home).status, 200)
    codes = [s.login(g["username"], g["password"] + "!",
                     headers=xff("10.2.0.%d" % i)).status
             for i in range(1, 10)]
    t.eq("9 wrong passwords from 9 addresses -> 401 each", codes, [401] * 9)
    r = s.login(g["username"], g["password"] + "!", headers=xff("10.2.0.50"))
    limited(t, "a 10th address, wrong password: the account is guarded", r)
    r = s.login(g["username"], g["password"], headers=xff("10.2.0.51"))
    limited(t, "an 11th address, even with the right password", r)
    r = s.login(g["username"], g["password"], headers=home)
    t.eq("the owner's known address is not held up -> 200", r.status, 200)
    r = s.login(u["username"], u["password"], headers=xff("10.2.0.52"))
    t.eq("another account from a new address is not affected -> 200",
         r.status, 200)
    s.stop()

    # Without trusted_proxies, X-Forwarded-For is ignored.
    n = t.server("throttle-no-proxy", FAST_HASH + [
        "--login_max_failures=3", "--login_window=60"])
    u, _ = n.user()
    codes = [n.login(u["username"], u["password"] + "!",
                     headers=xff("10.0.0.%d" % i)).status for i in (1, 2, 3)]
    t.eq("no trusted_proxies: 3 wrong passwords with 3 X-Forwarded-For "
         "addresses -> 401 each", codes, [401, 401, 401])
    r = n.login(u["username"], u["password"], headers=xff("10.0.0.4"))
    limited(t, "no trusted_proxies: a 4th address does not help", r, 1)
    v, _ = n.user()
    s1 = n.session(v["username"], v["password"], headers=xff("198.51.100.7"))
    r = n.get("/v1/me/sessions", token=s1["access_token"])
    t.eq("no trusted_proxies: the session records the TCP peer",
         sorted(set(x.get("ip") for x in (r.json() or {}).get("sessions",
                                                              []))),
         ["127.0.0.1"])
    n.stop()
