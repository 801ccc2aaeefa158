"""
Strict HTTP (RFC 9112): requests that two readers could frame, or
route, differently.

The attack is request smuggling and its cousins.  A proxy in front of
jotd and jotd itself must agree on where a request ends and which path
it names; where they could differ (a Content-Length and a
Transfer-Encoding, two codings, a coding jotd cannot read, two sets of
credentials, a path whose %00 or %2F decodes into another path), the
bytes after the first request could be read by jotd as a second request
the proxy never saw, or a cache could store an account's answer under a
path it thinks is static ("/v1/me%00.json").  Each such request must be
refused at once, before any body is read, with Connection: close, and
the connection really closed: a second request smuggled after it on the
same connection gets no answer.

A body announced over max_body is refused the same way, before it is
read: no 100 Continue, no gigabyte read to answer 413 (one of at most
1 MiB without Expect is read first, for clients that send before they
listen).
"""

import json
import re
import socket
import time

from harness import FAST_HASH, healthy, short

JSON = "application/json"
SMUGGLED = b"GET /v1/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
WAIT = 10.0     # generous: an answer comes at once or not at all


def exchange(port, data, wait=WAIT):
    """Sends data on a new connection, keeps our side open, and reads
    until the server closes it or wait seconds pass: (everything
    received, whether the server closed the connection)."""
    got, closed = b"", False
    deadline = time.monotonic() + wait
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as c:
        try:
            c.sendall(data)
        except OSError:
            pass
        while time.monotonic() < deadline:
            c.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = c.recv(65536)
            except socket.timeout:
                break
            except ConnectionError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            got += chunk
    return got, closed


def parse(got):
    """(status, {lower-case name: value}, body, what follows the first
    answer) of the bytes received."""
    head, _, rest = got.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        hdrs[k.strip().lower().decode("latin-1")] = v.strip().decode(
            "latin-1")
    try:
        n = int(hdrs.get("content-length", "0"))
    except ValueError:
        n = 0
    return (int(m.group(1)) if m else None), hdrs, rest[:n], rest[n:]


def request(method, path, headers=(), body=b""):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"]
    lines += ["%s: %s" % h for h in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def refused(t, s, label, data, status, code, smuggle=True):
    """data (then, when smuggle, a second request on the same
    connection) is answered status/code at once, with Connection: close,
    the connection closed and nothing after it answered."""
    got, closed = exchange(s.port, data + (SMUGGLED if smuggle else b""))
    st, hdrs, body, after = parse(got)
    t.say("answer | %s | %s, %s" % (label, short(got[:200]),
                                    "closed" if closed else "left open"))
    try:
        err = json.loads(body).get("error")
    except ValueError:
        err = None
    t.eq("%s -> %d %s" % (label, status, code), (st, err), (status, code))
    t.eq("%s: Connection: close" % label, hdrs.get("connection", "").lower(),
         "close")
    t.check("%s: the server closes the connection after the answer" % label,
            closed, "closed", "still open after %.0f s" % WAIT)
    if smuggle:
        t.check("%s: the request after it on the connection is not answered"
                % label, after == b"" and b"smuggled" not in got and
                got.count(b"HTTP/1.") == 1, "one answer only",
                short(got[:400]))
    healthy(t, s, label)


def framing(t, s):
    chunked_empty = b"0\r\n\r\n"
    refused(t, s, "Content-Length and Transfer-Encoding: chunked together",
            request("POST", "/v1/users", [
                ("Content-Type", JSON),
                ("Content-Length", str(len(chunked_empty))),
                ("Transfer-Encoding", "chunked")], chunked_empty),
            400, "invalid_request")
    refused(t, s, "two Transfer-Encoding: chunked lines",
            request("POST", "/v1/users", [
                ("Content-Type", JSON), ("Transfer-Encoding", "chunked"),
                ("Transfer-Encoding", "chunked")], chunked_empty),
            400, "invalid_request")
    refused(t, s, "a blank before the colon (Transfer-Encoding : chunked)",
            request("POST", "/v1/users", [
                ("Content-Type", JSON), ("Transfer-Encoding ", "chunked")],
                chunked_empty),
            400, "invalid_request")
    refused(t, s, "two different Content-Lengths (2 and 3)",
            request("POST", "/v1/users", [
                ("Content-Type", JSON), ("Content-Length", "2"),
                ("Content-Length", "3")], b"{}"),
            400, "invalid_request")
    for coding in ("gzip, chunked", "identity", "foo", "chunked, gzip"):
        refused(t, s, "Transfer-Encoding: %s (a coding jotd does not read)"
                % coding,
                request("POST", "/v1/users", [
                    ("Content-Type", JSON), ("Transfer-Encoding", coding)],
                    chunked_empty),
                501, "not_implemented")


def credentials_and_paths(t, s, at):
    refused(t, s, "GET /v1/me with two Authorization headers",
            request("GET", "/v1/me", [("Authorization", "Bearer " + at),
                                      ("Authorization", "Bearer " + at)]),
            400, "invalid_request")
    for path in ("/v1/me%00.json", "/v1/me%00", "/v1/me%2Fsessions",
                 "/v1/me%2fsessions", "/v1%2Fme", "/v1/me/sessions%2F"):
        refused(t, s, "GET %s with a valid token (encoded NUL or slash)"
                % path,
                request("GET", path, [("Authorization", "Bearer " + at)]),
                400, "invalid_request")


def oversized(t, s):
    """Over max_body (16384): refused unread when the client waits for
    100 Continue or announces over 1 MiB.  (A smaller one without Expect
    is read first, so that a client sending it whole still reads the
    413: the hostile_http group checks those.)"""
    gib = str(1 << 30)
    for size, expect in ((1 << 30, True), (1 << 30, False),
                         (65536, True)):
        hdrs = [("Content-Type", JSON), ("Content-Length", str(size))]
        if expect:
            hdrs.append(("Expect", "100-continue"))
        label = "POST /v1/users announcing a %s body%s" % (
            "1 GiB" if size == 1 << 30 else "%d-byte" % size,
            ", Expect: 100-continue" if expect else ", no Expect")
        got, closed = exchange(s.port, request("POST", "/v1/users", hdrs))
        st, h, body, _ = parse(got)
        t.say("answer | %s | %s" % (label, short(got[:200])))
        t.check("%s: no 100 Continue" % label, b" 100 " not in
                got.split(b"\r\n", 1)[0], "no 100", short(got[:60]))
        t.eq("%s -> 413 at once, nothing of the body read" % label, st, 413)
        t.check("%s: payload_too_large" % label,
                b'"payload_too_large"' in body, "payload_too_large",
                short(body))
        t.check("%s: the connection is closed" % label, closed, "closed",
                "open")
        healthy(t, s, label)
    refused(t, s, "POST /v1/nowhere announcing a 1 GiB body",
            request("POST", "/v1/nowhere", [("Content-Type", JSON),
                                            ("Content-Length", gib)]),
            404, "not_found", smuggle=False)


def still_lenient_where_safe(t, s, at):
    """What stays allowed: a %2F in the query, chunked bodies, and
    keep-alive for ordinary requests."""
    got, _ = exchange(s.port, request("GET", "/healthz?x=a%2Fb%00"), 3.0)
    t.eq("GET /healthz?x=a%2Fb%00 (escapes in the query) -> 200",
         parse(got)[0], 200)
    body = b'{"refresh_token":"x"}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    got, _ = exchange(s.port, request("POST", "/v1/auth/refresh", [
        ("Content-Type", JSON), ("Transfer-Encoding", "chunked")], chunked),
        3.0)
    t.eq("a chunked body is still read (POST /v1/auth/refresh -> 401 "
         "invalid_grant)", parse(got)[0], 401)
    two = request("GET", "/healthz") + request("GET", "/v1/verify", [
        ("Authorization", "Bearer " + at)])
    got, _ = exchange(s.port, two, 3.0)
    t.eq("two ordinary requests on one connection: both answered",
         re.findall(rb"HTTP/1\.1 (\d{3})", got), [b"200", b"200"])


def library_answers(t, s):
    """Requests libmicrohttpd 0.9.75 answers itself, before jotd's
    handler is called: it refuses them while it reads the request line
    and header (or, for a bad chunk, the body), so jotd never sees them.
    Its bodies are fixed HTML strings compiled into the library, and it
    has no option to replace them or their (absent) Content-Type; so
    these answers cannot carry API.md's JSON error and are checked for
    their exact status, the closed connection and a server still up.
    (For a bad Content-Length, 0.9.75 also sends its status line and
    header twice.)"""
    post = [("Content-Type", JSON)]
    cases = [
        ("a 30 KB header field (over the 24 KiB connection pool)",
         request("GET", "/healthz", [("X-Big", "a" * 30000)]), 431),
        ("300 header fields of 100 bytes",
         request("GET", "/healthz", [("X-%d" % i, "b" * 100)
                                     for i in range(300)]), 431),
        ("a 30 KB request target", request("GET", "/" + "a" * 30000), 414),
        ("a request line without a version", b"GET /healthz\r\n\r\n",
         400),
        ("a header line without a colon",
         request("GET", "/healthz", [("NoColonHere", "")]).replace(
             b"NoColonHere: ", b"NoColonHere"), 400),
        ("HTTP/2.0 in the request line",
         request("GET", "/healthz").replace(b"HTTP/1.1", b"HTTP/2.0", 1),
         505),
        ("HTTP/0.9 in the request line",
         request("GET", "/healthz").replace(b"HTTP/1.1", b"HTTP/0.9", 1),
         505),
        ("Content-Length: 99999999999999999999999",
         request("POST", "/v1/users", post + [
             ("Content-Length", "9" * 23)]), 413),
        ("Content-Length: 12abc",
         request("POST", "/v1/users", post + [("Content-Length", "12abc")]),
         400),
        ("a chunk size that is not hexadecimal",
         request("POST", "/v1/auth/refresh", post + [
             ("Transfer-Encoding", "chunked")]) + b"zz\r\nabc\r\n0\r\n\r\n",
         400),
        ("a chunk size over 64 bits",
         request("POST", "/v1/auth/refresh", post + [
             ("Transfer-Encoding", "chunked")]) +
         b"f" * 20 + b"\r\nabc\r\n0\r\n\r\n", 413),
    ]
    for label, data, status in cases:
        got, closed = exchange(s.port, data)
        st, hdrs, body, _ = parse(got)
        t.say("answer | %s | %s" % (label, short(got[:200])))
        t.eq("%s -> %d, from libmicrohttpd" % (label, status), st, status)
        t.check("%s: the connection is closed" % label, closed, "closed",
                "open")
        healthy(t, s, label)


def run(t):
    s = t.server("strict-http", FAST_HASH)
    _, j = s.user()
    at = j["access_token"]
    framing(t, s)
    credentials_and_paths(t, s, at)
    oversized(t, s)
    still_lenient_where_safe(t, s, at)
    library_answers(t, s)
    s.stop()
