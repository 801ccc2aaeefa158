"""
Hostile traffic: sign-up floods and racing password guesses.

- Sign-up is counted per client address (signup_max per signup_window):
  past the limit 429 rate_limited with Retry-After, another address still
  signs up, and an IPv6 client is counted by its /64.  A taken name is
  still 409 (API.md), but each probe costs a place of the limit.
- 40 concurrent wrong passwords from a fresh address: each check reserves
  its place before hashing, so at most login_max_failures checks are made
  (counted from the audit rows "login_failed"); the rest are 429.
- X-Forwarded-For over several header lines: a client that writes its
  own line before the proxy's does not choose its address.
- During a bounded concurrent sign-up flood, refresh and /v1/me are still
  answered 200 (hashing has its own lane; nothing here measures speed).
"""

import http.client
import json
import threading
import time

from harness import FAST_HASH, HTTP_TIMEOUT


def xff(addr):
    return {"X-Forwarded-For": addr}


def signup_limit(t):
    s = t.server("floods-signup", FAST_HASH + [
        "--signup_max=3", "--signup_window=60",
        "--trusted_proxies=127.0.0.1"])
    A = xff("198.51.100.1")
    taken = t.name("taken")
    got = [s.signup(taken, t.password(), headers=A).status,
           s.signup(taken, t.password(), headers=A).status,
           s.signup(t.name("u"), t.password(), headers=A).status]
    t.eq("3 sign-ups from one address (one name taken) -> 201, 409, 201",
         got, [201, 409, 201])
    r = s.signup(t.name("u"), t.password(), headers=A)
    t.error("the 4th sign-up from that address -> 429 rate_limited", r, 429,
            "rate_limited")
    ra = r.header("Retry-After")
    t.check("... with Retry-After in 1..60", ra is not None and ra.isdigit()
            and 1 <= int(ra) <= 60, "1..60", repr(ra))
    r = s.signup(taken, t.password(), headers=A)
    t.error("probing a taken name from that address -> 429, not 409", r,
            429, "rate_limited")
    r = s.signup(t.name("u"), t.password(), headers=xff("198.51.100.2"))
    t.eq("another address -> 201", r.status, 201)
    r = s.login(taken, "wrong password", headers=A)
    t.error("login from the limited address is not limited by it", r, 401,
            "invalid_credentials")

    # An IPv6 client is counted by its /64.
    codes = [s.signup(t.name("v6"), t.password(),
                      headers=xff("2001:db8:1:2::%x" % (i + 1))).status
             for i in range(3)]
    t.eq("3 sign-ups from 3 addresses of one /64 -> 201 each", codes,
         [201] * 3)
    r = s.signup(t.name("v6"), t.password(),
                 headers=xff("2001:db8:1:2:ffff:ffff:ffff:ffff"))
    t.error("a 4th address of that /64 -> 429", r, 429, "rate_limited")
    r = s.signup(t.name("v6"), t.password(), headers=xff("2001:db8:1:3::1"))
    t.eq("the next /64 -> 201", r.status, 201)
    v, _ = s.user()
    tok = s.session(v["username"], v["password"],
                    headers=xff("2001:db8:1:2::abcd"))
    r = s.get("/v1/me/sessions", token=tok["access_token"])
    ips = [x.get("ip") for x in (r.json() or {}).get("sessions", [])
           if x.get("current")]
    t.eq("the session records the full IPv6 address", ips,
         ["2001:db8:1:2::abcd"])
    return s


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
    checks = s.sql("SELECT count(*) FROM audit_events "
                   "WHERE kind = 'login_failed'")[0][0]
    t.eq("40 concurrent wrong passwords: every one answered 401 or 429",
         sorted(set(codes)), [401, 429] if 401 in codes else [429])
    t.check("... at most login_max_failures (%d) password checks made "
            "(audit rows login_failed)" % limit, 1 <= checks <= limit,
            "1..%d" % limit, str(checks))
    t.eq("... one 401 per check made, the others 429",
         (codes.count(401), codes.count(429)), (checks, 40 - checks))


def forwarded_lines(t, s):
    """A client writes its own X-Forwarded-For line; the trusted proxy
    (127.0.0.1, the test) appends its line after it."""
    v, _ = s.user()
    body = json.dumps({"username": v["username"],
                       "password": v["password"]})
    t.note_request({"username": v["username"], "password": v["password"]})
    c = http.client.HTTPConnection("127.0.0.1", s.port,
                                   timeout=HTTP_TIMEOUT)
    try:
        c.putrequest("POST", "/v1/auth/login")
        c.putheader("Content-Type", "application/json")
        c.putheader("Content-Length", str(len(body)))
        c.putheader("X-Forwarded-For", "10.66.66.66")
        c.putheader("X-Forwarded-For", "192.0.2.44, 127.0.0.1")
        c.endheaders(body.encode())
        r = c.getresponse()
        doc = json.loads(r.read() or b"{}")
        status = r.status
    finally:
        c.close()
    t.eq("login with two X-Forwarded-For lines -> 200", status, 200)
    r = s.get("/v1/me/sessions", token=doc.get("access_token", ""))
    ips = [x.get("ip") for x in (r.json() or {}).get("sessions", [])
           if x.get("current")]
    t.eq("the client is the right-most untrusted address of all lines "
         "(192.0.2.44), not the client's own first line", ips,
         ["192.0.2.44"])


def flood(t):
    """40 clients sign up (bounded: 6 each, 90 s) while one refreshes and
    reads /v1/me; those must be answered 200."""
    s = t.server("floods-flood", FAST_HASH + ["--signup_max=0"])
    u, tok = s.user()
    stop = threading.Event()
    deadline = time.monotonic() + 90
    signups = []
    lock = threading.Lock()

    def client():
        for _ in range(6):
            if stop.is_set() or time.monotonic() > deadline:
                return
            try:
                st = s.signup(t.name("flood"), t.password()).status
            except Exception as e:
                st = repr(e)
            with lock:
                signups.append(st)

    th = [threading.Thread(target=client) for _ in range(40)]
    for x in th:
        x.start()
    time.sleep(0.3)                 # let the flood fill the hashing lane
    got = []
    rt = tok["refresh_token"]
    for _ in range(5):
        r = s.refresh(rt)
        doc = r.json() or {}
        rt = doc.get("refresh_token", rt)
        m = s.get("/v1/me", token=doc.get("access_token", ""))
        got.append((r.status, m.status))
    with lock:
        pending = 40 * 6 - len(signups)
    stop.set()
    for x in th:
        x.join(120)
    t.eq("during a sign-up flood 5 refreshes and /v1/me -> 200 each", got,
         [(200, 200)] * 5)
    t.say("%d of 240 sign-ups still outstanding when the last /v1/me was "
          "answered" % pending)
    t.check("the flood's sign-ups were answered 201 or 503 (a full "
            "hashing queue)", set(signups) <= {201, 503}, "{201, 503}",
            str(sorted(set(map(str, signups)))))


def run(t):
    s = signup_limit(t)
    forwarded_lines(t, s)
    racing_guesses(t)
    flood(t)
