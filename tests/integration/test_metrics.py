"""
GET /metrics: the Prometheus text format (0.0.4), parsed here line by line.
A scrape, then logins (one ok, failed ones), refreshes (a rotation, a
grace answer, a reuse of a superseded token, a token of the revoked
session), a logout and a 429, then a second scrape: every counter moved by
exactly what those requests make it move.  The histograms are cumulative
and consistent with their _count and _sum, no label holds an id, a
username or a token, and promtool accepts the text.  metrics = off answers
404 like an unknown path; metrics = HOST:PORT serves it there only.
"""

import http.client
import os
import re
import shutil
import subprocess

from harness import FAST_HASH, free_port, jwt_parts

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
KNOWN_LABELS = {"route", "method", "status", "le", "result", "cause",
                "reason", "op"}


def unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n"
                  else m.group(1), v)


def parse(text):
    """{(name, ((label, value), ...)): float} and {name: type}; raises
    ValueError on a line that is not of the format."""
    samples, types = {}, {}
    for line in text.split("\n"):
        if line == "":
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("#"):
            continue
        m = LINE.match(line)
        if m is None:
            raise ValueError("not a sample line: %r" % line)
        labels, rest = [], m.group(2) or ""
        while rest:
            lm = LABEL.match(rest)
            if lm is None:
                raise ValueError("bad labels: %r" % line)
            labels.append((lm.group(1), unescape(lm.group(2))))
            rest = rest[lm.end():]
        key = (m.group(1), tuple(sorted(labels)))
        if key in samples:
            raise ValueError("duplicate series: %r" % line)
        samples[key] = float(m.group(3))
    return samples, types


def val(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(t, s, port=None, label="scrape"):
    c = http.client.HTTPConnection("127.0.0.1", port or s.port, timeout=10)
    try:
        c.request("GET", "/metrics")
        r = c.getresponse()
        body = r.read().decode("utf-8")
        ctype = r.getheader("Content-Type")
    finally:
        c.close()
    t.eq(label + ": 200 with Content-Type " + CONTENT_TYPE,
         (r.status, ctype), (200, CONTENT_TYPE))
    try:
        samples, types = parse(body)
    except ValueError as e:
        t.not_ok(label + ": parses as the text format", "parsed", str(e))
        samples, types = {}, {}
    return body, samples, types


def req(route, method, status):
    return ("jotd_http_requests_total",
            tuple(sorted({"route": route, "method": method,
                          "status": str(status)}.items())))


def check_histograms(t, samples, types):
    """Every histogram: buckets cumulative in le order, +Inf == _count,
    and _sum within what the buckets allow."""
    name = "jotd_http_request_duration_seconds"
    t.eq("the duration is a histogram", types.get(name), "histogram")
    series = {}
    for (n, labels), v in samples.items():
        if n != name + "_bucket":
            continue
        d = dict(labels)
        le = d.pop("le")
        key = tuple(sorted(d.items()))
        series.setdefault(key, []).append(
            (float("inf") if le == "+Inf" else float(le), v))
    bad = []
    for key, buckets in series.items():
        buckets.sort()
        counts = [v for _, v in buckets]
        count = samples.get((name + "_count", key))
        total = samples.get((name + "_sum", key))
        if counts != sorted(counts):
            bad.append("%s: not cumulative %s" % (key, counts))
        if buckets[-1][0] != float("inf") or count != counts[-1]:
            bad.append("%s: +Inf %s, _count %s" % (key, counts[-1], count))
        if total is None:
            bad.append("%s: no _sum" % (key,))
            continue
        # Each observation lies between its bucket's lower and upper
        # bound: so does the sum (a small allowance for rounding).
        low = high = 0.0
        prev_le, prev_c = 0.0, 0.0
        for le, c in buckets:
            n_in = c - prev_c
            if n_in:            # (0 x +Inf would be nan)
                low += n_in * prev_le
                high += n_in * le
            prev_le, prev_c = le, c
        if not (low - 1e-6 <= total <= high + 1e-6):
            bad.append("%s: _sum %s outside [%s, %s]" % (key, total, low,
                                                         high))
    t.check("every route has a histogram (%d of them)" % len(series),
            len(series) >= 10, ">= 10", len(series))
    t.eq("histograms: cumulative buckets, +Inf == _count, _sum within "
         "the buckets' bounds", bad, [])


def promtool(t, body, tmp):
    tool = shutil.which("promtool")
    if not t.check("promtool is installed (Debian package prometheus)",
                   tool is not None, "/usr/bin/promtool", "missing"):
        return
    path = os.path.join(tmp, "scrape.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(body)
    with open(path, "rb") as f:
        p = subprocess.run([tool, "check", "metrics"], stdin=f,
                           capture_output=True, timeout=60)
    t.eq("promtool check metrics accepts the scrape (no lint either)",
         (p.returncode, (p.stdout + p.stderr).decode().strip()), (0, ""))


def counters(t, s):
    s_flags = FAST_HASH + ["--login_max_failures=2", "--login_window=60"]
    srv = t.server("metrics", s_flags)
    a, _ = srv.user()
    b, _ = srv.user()
    a_name, a_pw = a["username"], a["password"]
    _, m0, _ = scrape(t, srv, label="first scrape")

    r = srv.login(a_name, a_pw)
    t.eq("login -> 200", r.status, 200)
    tok1 = r.json()
    r = srv.login(b["username"], b["password"] + "x")
    t.eq("a wrong password -> 401", r.status, 401)
    r = srv.refresh(tok1["refresh_token"])
    t.eq("refresh -> 200 (rotated)", r.status, 200)
    tok2 = r.json()
    r = srv.refresh(tok1["refresh_token"])
    t.eq("the old token again within the grace -> 200 (grace)", r.status,
         200)
    r = srv.refresh(tok2["refresh_token"])
    t.eq("refresh with the new one -> 200 (rotated)", r.status, 200)
    tok3 = r.json()
    r = srv.refresh(tok1["refresh_token"])
    t.error("the first token, two generations behind -> reuse, 401",
            r, 401, "invalid_grant", "refresh token reuse detected")
    r = srv.refresh(tok3["refresh_token"])
    t.error("the newest token of the revoked session -> 401", r, 401,
            "invalid_grant", "session revoked")
    r = srv.login(a_name, a_pw)
    t.eq("a second login -> 200", r.status, 200)
    tok4 = r.json()
    r = srv.request("POST", "/v1/auth/logout", token=tok4["access_token"])
    t.eq("logout -> 204", r.status, 204)
    r = srv.login(b["username"], b["password"] + "y")
    t.eq("a second wrong password -> 401", r.status, 401)
    r = srv.login(b["username"], b["password"])
    t.error("then the right one -> 429 (login_max_failures = 2)", r, 429,
            "rate_limited")
    r = srv.get("/v1/users/%s" % a["id"])
    t.check("a path of no route -> 404 or 405", r.status in (404, 405),
            "404 or 405", r.status)
    unmatched = r.status

    body, m1, types = scrape(t, srv, label="second scrape")

    def moved(label, name, want, **labels):
        t.eq("%s moved by %d" % (label, want),
             val(m1, name, **labels) - val(m0, name, **labels), want)

    moved("logins ok", "jotd_logins_total", 2, result="ok")
    moved("logins failed", "jotd_logins_total", 2, result="failed")
    moved("refreshes", "jotd_refreshes_total", 2)
    moved("grace answers", "jotd_refresh_grace_total", 1)
    moved("reuse: superseded", "jotd_refresh_reuse_total", 1,
          cause="superseded")
    moved("reuse: revoked session", "jotd_refresh_reuse_total", 1,
          cause="revoked")
    moved("reuse: expired", "jotd_refresh_reuse_total", 0, cause="expired")
    moved("revocations: reuse", "jotd_sessions_revoked_total", 1,
          reason="reuse")
    moved("revocations: logout", "jotd_sessions_revoked_total", 1,
          reason="logout")
    moved("revocations: password", "jotd_sessions_revoked_total", 0,
          reason="password")
    moved("throttle hits", "jotd_throttled_total", 1)
    moved("the revoked set", "jotd_revoked_sessions", 2)
    moved("database errors (read)", "jotd_db_errors_total", 0, op="read")
    moved("database errors (write)", "jotd_db_errors_total", 0, op="write")
    t.eq("types of the counters and gauges",
         [types.get(n) for n in ("jotd_logins_total", "jotd_throttled_total",
                                 "jotd_revoked_sessions",
                                 "jotd_password_hashes_in_flight",
                                 "jotd_password_hashes_queued")],
         ["counter", "counter", "gauge", "gauge", "gauge"])
    t.eq("no hash in flight or queued when idle",
         (val(m1, "jotd_password_hashes_in_flight"),
          val(m1, "jotd_password_hashes_queued")), (0.0, 0.0))
    age = val(m1, "jotd_signing_key_age_seconds")
    t.check("signing key age: a positive number of seconds under an hour",
            0 < age < 3600, "0 < age < 3600", age)

    deltas = {}
    for key in set(m0) | set(m1):
        if key[0] == "jotd_http_requests_total":
            d = m1.get(key, 0.0) - m0.get(key, 0.0)
            if d:
                deltas[tuple(v for _, v in key[1])] = d
    want = {
        ("POST", "/v1/auth/login", "200"): 2,
        ("POST", "/v1/auth/login", "401"): 2,
        ("POST", "/v1/auth/login", "429"): 1,
        ("POST", "/v1/auth/refresh", "200"): 3,
        ("POST", "/v1/auth/refresh", "401"): 2,
        ("POST", "/v1/auth/logout", "204"): 1,
        ("GET", "/metrics", "200"): 1,          # the first scrape
        ("", "unmatched", str(unmatched)): 1,
    }
    t.eq("requests by route and status moved by exactly those requests "
         "(method, route, status)", deltas, want)
    login = (("method", "POST"), ("route", "/v1/auth/login"))
    t.eq("the login histogram counted the 5 logins",
         m1.get(("jotd_http_request_duration_seconds_count", login), 0) -
         m0.get(("jotd_http_request_duration_seconds_count", login), 0), 5)
    check_histograms(t, m1, types)

    names = {n for n, _ in m1}
    labels = {k for _, ls in m1 for k, _ in ls}
    t.eq("no label but route, method, status, le, result, cause, reason, "
         "op", sorted(labels - KNOWN_LABELS), [])
    routes = {v for _, ls in m1 for k, v in ls if k == "route"}
    t.eq("route labels are patterns of the table (no raw path, no id)",
         sorted(r for r in routes if r != "unmatched" and
                (a["id"] in r or not r.startswith("/"))), [])
    sids = set()
    for tok in (tok1, tok4):
        sids.add(jwt_parts(tok["access_token"])[1]["sid"])
    leaks = [v for v in [a["id"], b["id"], a_name, b["username"]] +
             sorted(sids) + [tok1["access_token"], tok1["refresh_token"],
                             tok3["refresh_token"]] if v in body]
    t.eq("no user id, username, session id or token in the scrape",
         leaks, [])
    t.check("every metric is jotd_", all(n.startswith("jotd_")
                                         for n in names), "jotd_*",
            sorted(n for n in names if not n.startswith("jotd_")))
    promtool(t, body, srv.tmp)
    srv.stop()


def off_and_elsewhere(t):
    srv = t.server("metrics-off", FAST_HASH + ["--metrics=off"])
    r = srv.get("/metrics")
    unknown = srv.get("/no-such-path")
    t.error("metrics = off: GET /metrics -> 404 not_found", r, 404,
            "not_found")
    t.eq("metrics = off: the same body and type as an unknown path",
         (r.body, r.header("Content-Type")),
         (unknown.body, unknown.header("Content-Type")))
    srv.stop()

    port = free_port()
    srv = t.server("metrics-addr", FAST_HASH +
                   ["--metrics=127.0.0.1:%d" % port])
    r = srv.get("/metrics")
    t.error("metrics = ADDR: not on the main port (404)", r, 404,
            "not_found")
    r = srv.get("/healthz")
    t.eq("metrics = ADDR: the main port serves the API", r.status, 200)
    body, m, _ = scrape(t, srv, port, "metrics = ADDR: on its own port")
    t.eq("metrics = ADDR: its scrape counts the main port's requests",
         (val(m, "jotd_http_requests_total", route="/metrics",
              method="GET", status="404"),
          val(m, "jotd_http_requests_total", route="/healthz",
              method="GET", status="200")), (1.0, 1.0))
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
    finally:
        c.close()
    t.eq("metrics = ADDR: its port has no other route (/healthz -> 404)",
         r.status, 404)
    _, m2, _ = scrape(t, srv, port, "metrics = ADDR: scraped again")
    t.eq("metrics = ADDR: its own requests are not counted",
         val(m2, "jotd_http_requests_total", route="/metrics",
             method="GET", status="200"), 0.0)
    srv.stop()
    r = subprocess.run([t.jotd, "--metrics=bogus"], capture_output=True,
                       env=t.env(), cwd=t.root, timeout=30)
    t.check("metrics = bogus: refused at start, naming the key",
            r.returncode != 0 and b"metrics" in r.stderr,
            "rc != 0 and 'metrics' in stderr",
            (r.returncode, r.stderr[:200]))


def run(t):
    counters(t, None)
    off_and_elsewhere(t)
