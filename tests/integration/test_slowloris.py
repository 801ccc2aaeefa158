"""
Slowloris: connections that send a request header a line (or a byte) at
a time, never finishing it, to hold every connection the server has.

libmicrohttpd's timeout is an idle timeout, reset by every byte, and the
only limit was the global one (4,000 connections): a single address
holding 4,010 such connections made every endpoint unavailable.  jotd
now limits the connections one address may hold (max_connections_per_ip)
and gives each request header a deadline (header_timeout) counted from
the connection's start, or the end of its previous answer, that no
trickle of bytes moves.

Checked here with small numbers, so that the group stays light: a limit
of 20 per address, 30 slow connections from 127.0.0.1; other addresses
(127.0.0.2, also loopback) are served meanwhile, the excess from
127.0.0.1 is refused.  With a header_timeout of 2 s, a connection
trickling a header byte a second is closed (the wait for it is bounded
generously; no duration is asserted), while a body trickled past the
header deadline is still read and answered.
"""

import http.client
import json
import os
import resource
import select
import signal
import socket
import time

from harness import FAST_HASH, healthy

LIMIT = 20
EXTRA = 10
SLOW_HEAD = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow-1: a\r\n"


def get_from(s, source, path, token=None):
    """GET path on a new connection from the loopback address source:
    the status, or the exception's name when there was no answer."""
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10,
                                   source_address=(source, 0))
    try:
        c.request("GET", path, headers={"Authorization": "Bearer " + token}
                  if token else {})
        r = c.getresponse()
        r.read()
        return r.status
    except (OSError, http.client.HTTPException) as e:
        return type(e).__name__
    finally:
        c.close()


def token_from(t, s, source):
    """Signs up and logs in a new user from the loopback address source
    (so that 127.0.0.1 holds no connection of it): the access token."""
    name, pw = t.name("slow"), t.password()
    body = json.dumps({"username": name, "password": pw})
    token = None
    for path in ("/v1/users", "/v1/auth/login"):
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30,
                                       source_address=(source, 0))
        try:
            c.request("POST", path, body=body,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        if path == "/v1/auth/login":
            token = json.loads(data)["access_token"]
            t.secrets.add(token)
    return token


def closed_by_peer(c, wait):
    """1 when the peer closes c (or resets it) within wait seconds, 0
    when it is still open, or the bytes it sent."""
    try:
        # poll, not select: the descriptors of the 4,010 connections go
        # past select's FD_SETSIZE.
        p = select.poll()
        p.register(c, select.POLLIN | select.POLLHUP | select.POLLERR)
        if not p.poll(wait * 1000):
            return 0
        data = c.recv(4096)
        return 1 if data == b"" else data
    except ConnectionError:
        return 1


def per_address_limit(t):
    s = t.server("slowloris-limit", FAST_HASH + [
        "--max_connections_per_ip=%d" % LIMIT, "--header_timeout=600"])
    # From 127.0.0.4: a connection of 127.0.0.1 that the server has not
    # yet seen closed would take one of its 20.
    at = token_from(t, s, "127.0.0.4")
    conns = []
    for _ in range(LIMIT + EXTRA):
        try:
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            c.sendall(SLOW_HEAD)
            conns.append(c)
        except OSError:
            pass
    t.eq("%d slow connections opened from 127.0.0.1" % (LIMIT + EXTRA),
         len(conns), LIMIT + EXTRA)
    # Which ones the server closed: bounded waits, no duration asserted.
    state = [0] * len(conns)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and state.count(0) > LIMIT:
        for i, c in enumerate(conns):
            if state[i] == 0:
                state[i] = closed_by_peer(c, 0.05)
    refused = sum(1 for x in state if x == 1)
    answered = [x for x in state if isinstance(x, bytes)]
    t.say("slow connections from 127.0.0.1: %d held, %d closed by the "
          "server, %d answered" % (state.count(0), refused, len(answered)))
    t.eq("over max_connections_per_ip=%d: the %d extra connections from "
         "127.0.0.1 are closed" % (LIMIT, EXTRA), refused, EXTRA)
    t.eq("... and %d stay open, unanswered (their header is not complete)"
         % LIMIT, (state.count(0), answered), (LIMIT, []))
    for c, st in zip(conns, state):
        if st == 0:
            try:
                c.sendall(b"X-Slow-2: b\r\n")
            except OSError:
                pass
    got = [get_from(s, "127.0.0.2", "/healthz"),
           get_from(s, "127.0.0.2", "/v1/verify", at),
           get_from(s, "127.0.0.3", "/v1/me", at)]
    t.eq("while 127.0.0.1 holds its %d: /healthz, /v1/verify, /v1/me from "
         "127.0.0.2 and 127.0.0.3 -> 200" % LIMIT, got, [200, 200, 200])
    st = get_from(s, "127.0.0.1", "/healthz")
    t.check("while 127.0.0.1 holds its %d: one more request from it is "
            "refused (closed without an answer)" % LIMIT, st != 200,
            "no answer", repr(st))
    for c in conns:
        c.close()
    st = None
    for _ in range(50):             # the closes take a moment to be seen
        st = get_from(s, "127.0.0.1", "/healthz")
        if st == 200:
            break
        time.sleep(0.1)
    t.eq("once they are closed, 127.0.0.1 is served again", st, 200)
    healthy(t, s, "per-address limit")
    s.stop()


def trickle(c, data, max_bytes):
    """Sends data a byte a second (at most max_bytes of it) while the
    peer neither answers nor closes: ("closed" or "answered" or "open",
    bytes sent, what came back)."""
    sent = 0
    for k in range(min(max_bytes, len(data))):
        try:
            c.sendall(data[k:k + 1])
        except OSError:
            return "closed", sent, b""
        sent += 1
        st = closed_by_peer(c, 1.0)
        if st == 1:
            return "closed", sent, b""
        if st != 0:
            return "answered", sent, st
    return "open", sent, b""


def header_deadline(t):
    s = t.server("slowloris-deadline", FAST_HASH + ["--header_timeout=2"])
    # A header that is never complete within the bound: 60 bytes at 1/s,
    # against a deadline of 2 s.
    data = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 200
    c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    try:
        how, sent, _ = trickle(c, data, 60)
    finally:
        c.close()
    t.say("header trickled a byte a second: %s after %d bytes" % (how, sent))
    t.eq("a header trickled one byte a second past header_timeout=2: the "
         "server closes the connection (any byte used to keep it open)",
         how, "closed")
    # The deadline is the header's: a body may come slowly after it.
    body = b'{"refresh_token":"x"}'
    head = (b"POST /v1/auth/refresh HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % len(body))
    c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    try:
        c.sendall(head)
        how, sent, got = trickle(c, body[:5], 5)
        if how == "open":
            c.sendall(body[5:])
            st = closed_by_peer(c, 10.0)
            how, got = ("answered", st) if isinstance(st, bytes) else (
                how, b"")
    finally:
        c.close()
    t.say("body trickled after a complete header: %s, %r" % (how, got[:40]))
    t.check("a body trickled for 5 s after a complete header is still read "
            "and answered (401 invalid_grant)",
            how == "answered" and got.startswith(b"HTTP/1.1 401"),
            "answered 401", "%s %r" % (how, got[:40]))
    healthy(t, s, "header deadline")
    s.stop()


def defaults(t):
    """The defaults, cheaply: printed, and a handful of slow connections
    from one address (far under 1024) all kept."""
    tmp = t.tmpdir("slowloris-defaults")
    rc, out, _ = t.cli(["--print-config",
                        "--db=" + t.database("slowloris-print", tmp)],
                       cwd=tmp)
    lines = [l for l in out.splitlines()
             if l.startswith(("max_connections_per_ip ", "header_timeout "))]
    t.eq("--print-config: the defaults of both keys", (rc, lines),
         (0, ["max_connections_per_ip = 1024", "header_timeout = 20"]))
    s = t.server("slowloris-defaults", FAST_HASH)
    conns = []
    for _ in range(LIMIT + EXTRA):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        c.sendall(SLOW_HEAD)
        conns.append(c)
    st = get_from(s, "127.0.0.1", "/healthz")
    still = [closed_by_peer(c, 0.05) for c in conns]
    t.eq("defaults: %d slow connections from one address are all kept, "
         "and it is still served" % len(conns),
         (still.count(0), st), (len(conns), 200))
    for c in conns:
        c.close()
    s.stop()


def the_reported_attack(t):
    """What was reported, with the defaults: 4,010 slow connections from
    one address, over the old global limit of 4,000.  The address keeps
    max_connections_per_ip (1024) of them and the others are closed, so
    127.0.0.2 is still served, /v1/verify included."""
    n = 4010
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 500:
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (min(hard, n + 1000) if hard > 0 else n + 1000,
                            hard))
    s = t.server("slowloris-4010", FAST_HASH)
    at = token_from(t, s, "127.0.0.4")
    conns = []
    for _ in range(n):
        try:
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            c.sendall(SLOW_HEAD)
            conns.append(c)
        except OSError:
            pass
    # Which ones the server closed: bounded waits, no duration asserted.
    state = [0] * len(conns)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and state.count(0) > 1024:
        for i, c in enumerate(conns):
            if state[i] == 0:
                state[i] = closed_by_peer(c, 0)
    t.eq("%d slow connections from 127.0.0.1 with the defaults: 1024 "
         "held, the others closed" % n, (len(conns), state.count(0)),
         (n, 1024))
    got = [get_from(s, "127.0.0.2", "/healthz"),
           get_from(s, "127.0.0.2", "/v1/verify", at)]
    t.eq("... while they are held, 127.0.0.2 is served: /healthz and "
         "/v1/verify -> 200", got, [200, 200])
    for c in conns:
        c.close()
    s.stop()


def reload_keeps(t):
    """Both keys are the daemon's, set when it starts: a SIGHUP that
    changes them keeps the running values and says so."""
    tmp = t.tmpdir("slowloris-reload")
    conf = os.path.join(tmp, "jotd.conf")
    with open(conf, "w") as f:
        f.write("max_connections_per_ip = 20\nheader_timeout = 30\n")
    s = t.server("slowloris-reload", FAST_HASH + ["--config=" + conf],
                 tmp=tmp)
    with open(conf, "w") as f:
        f.write("max_connections_per_ip = 5\nheader_timeout = 3\n")
    s.proc.send_signal(signal.SIGHUP)
    want = ["reload: max_connections_per_ip needs a restart; unchanged",
            "reload: header_timeout needs a restart; unchanged"]
    for _ in range(100):            # bounded: the reload is logged soon
        if all(w in s.log() for w in want):
            break
        time.sleep(0.05)
    t.eq("SIGHUP with both keys changed: the log says each needs a restart",
         [w in s.log() for w in want], [True, True])
    healthy(t, s, "after the reload")
    s.stop()


def run(t):
    defaults(t)
    the_reported_attack(t)
    reload_keeps(t)
    per_address_limit(t)
    header_deadline(t)
