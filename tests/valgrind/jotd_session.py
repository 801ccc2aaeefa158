#!/usr/bin/python3
"""Runs jotd under valgrind through a session that calls every endpoint,
stops it with SIGTERM, and checks that valgrind saw no error and no leak.

    tests/valgrind/jotd_session.py BUILD_DIR

Prints one ok/not ok line per check and ends with "N passed, M failed"."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok - " if ok else "not ok - ") + name + ("" if ok else ": " + detail))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, method, path, body=None, token=None, headers=None):
    h = dict(headers or {})
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body)
    if token:
        h["Authorization"] = "Bearer " + token
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def main():
    build = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="jot-valgrind-")
    port = free_port()
    vlog = os.path.join(tmp, "valgrind.log")
    cmd = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
           "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
           "--log-file=" + vlog, os.path.join(build, "jotd"),
           "--listen=127.0.0.1:%d" % port, "--db=sqlite:%s/jot.db" % tmp,
           "--password_hash=bcrypt", "--bcrypt_cost=10", "--threads=2",
           "--hash_workers=2", "--revocation_sync=1"]
    env = dict(os.environ, JOTD_SECRET="v" * 40)
    srv = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=env, text=True)
    deadline = time.time() + 120
    for line in srv.stderr:
        if "listening on" in line:
            break
        if time.time() > deadline:
            break
    check("jotd starts under valgrind", srv.poll() is None)

    pw = "valgrind session password"
    s, b = call(port, "POST", "/v1/users", {"username": "val", "password": pw})
    check("POST /v1/users", s == 201, "%d %s" % (s, b))
    s, b = call(port, "POST", "/v1/auth/login", {"username": "val", "password": pw})
    check("POST /v1/auth/login", s == 200, "%d %s" % (s, b))
    tok = json.loads(b) if s == 200 else {}
    at, rt = tok.get("access_token"), tok.get("refresh_token")
    s, b = call(port, "POST", "/v1/auth/login", {"username": "val", "password": "wrong password"})
    check("POST /v1/auth/login (wrong password)", s == 401, "%d" % s)
    s, _ = call(port, "GET", "/v1/me", token=at)
    check("GET /v1/me", s == 200, "%d" % s)
    s, _ = call(port, "GET", "/v1/verify", token=at)
    check("GET /v1/verify", s == 200, "%d" % s)
    s, _ = call(port, "GET", "/v1/verify", token="x.y.z")
    check("GET /v1/verify (bad token)", s == 401, "%d" % s)
    s, b = call(port, "POST", "/v1/auth/refresh", {"refresh_token": rt})
    check("POST /v1/auth/refresh", s == 200, "%d %s" % (s, b))
    s, b = call(port, "GET", "/v1/me/sessions", token=at)
    check("GET /v1/me/sessions", s == 200, "%d" % s)
    s, b = call(port, "POST", "/v1/auth/login", {"username": "val", "password": pw})
    other = json.loads(b)["session_id"] if s == 200 else "none"
    s, _ = call(port, "DELETE", "/v1/me/sessions/" + other, token=at)
    check("DELETE /v1/me/sessions/{id}", s == 204, "%d" % s)
    s, _ = call(port, "POST", "/v1/me/password",
                {"current_password": pw, "new_password": pw + " 2"}, token=at)
    check("POST /v1/me/password", s == 204, "%d" % s)
    for path in ("/.well-known/jwks.json", "/.well-known/openid-configuration",
                 "/.well-known/oauth-authorization-server", "/healthz"):
        s, _ = call(port, "GET", path)
        check("GET " + path, s == 200, "%d" % s)
    s, _ = call(port, "GET", "/nope")
    check("GET /nope", s == 404, "%d" % s)
    s, _ = call(port, "PUT", "/v1/me")
    check("PUT /v1/me", s == 405, "%d" % s)
    s, _ = call(port, "POST", "/v1/users", body=None, headers={"Content-Type": "text/plain"})
    check("POST /v1/users (no JSON)", s == 400, "%d" % s)
    s, _ = call(port, "POST", "/v1/auth/logout?scope=global", token=at)
    check("POST /v1/auth/logout", s == 204, "%d" % s)
    time.sleep(2)               # a revocation sync or two

    srv.send_signal(signal.SIGTERM)
    try:
        rc = srv.wait(timeout=120)
    except subprocess.TimeoutExpired:
        srv.kill()
        rc = -1
    log = open(vlog).read()
    check("jotd exits 0 after SIGTERM under valgrind", rc == 0,
          "exit %d; see %s" % (rc, vlog))
    errors = re.search(r"ERROR SUMMARY: (\d+) errors", log)
    check("valgrind: no errors", errors is not None and errors.group(1) == "0",
          errors.group(0) if errors else "no summary")
    leaks = re.findall(r"(definitely|indirectly) lost: ([\d,]+) bytes", log)
    check("valgrind: nothing definitely or indirectly lost",
          all(n == "0" for _, n in leaks), str(leaks))
    passed = sum(results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    sys.exit(0 if passed == len(results) else 1)


main()
