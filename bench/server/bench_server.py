#!/usr/bin/env python3
"""bench/server/bench_server.py - jotd over HTTP, side by side with two
Node.js peers (express + jsonwebtoken, fastify + @fastify/jwt) and with
nginx serving a fixed response, all on this machine's loopback, loaded by
wrk on the same cores.

    python3 bench/server/bench_server.py [--jotd build/jotd]

Writes bench/results/latest.md (tables, and the targets of DESIGN.md,
each MET or NOT MET) and bench/results/latest.svg (req/s, drawn by
gnuplot).

Scenarios, each run BENCH_DURATION seconds against every server that has
it (in turns: a scenario on every server, slice by slice, then the next,
so that a burst of load from elsewhere hits all of them alike):
  verify-hot    GET /v1/verify, one token (nginx: its fixed response)
  verify-many   GET /v1/verify through BENCH_TOKENS distinct tokens
  me            GET /v1/me, the tokens of BENCH_CONNECTIONS clients
  refresh       POST /v1/auth/refresh, every refresh token used once
  login         POST /v1/auth/login, one user, the right password

Then, for jotd alone (BENCH_FLOOD): refresh and /v1/me during a sign-up
flood.  BENCH_FLOOD_PROBES clients each refresh a session and read
/v1/me with the new access token, in turn, for BENCH_FLOOD_SECONDS
quiet, then as long again while BENCH_FLOOD_CLIENTS clients post
/v1/users as fast as they are answered (jotd runs with signup_max = 0,
so the flood is all password hashing); the report gives the probes'
latencies and status codes in both phases, and what the flood got.

The distinct access tokens are minted by refreshing: a few dozen logins
open the sessions, and each refresh of a session gives a new access token
(new jti, new signature) while the old ones stay valid, so ten thousand
tokens cost ten thousand refreshes rather than ten thousand password
hashes.

Environment (defaults in brackets):
  BENCH_DURATION [12]      seconds of load per cell, in BENCH_ROUNDS
                           slices of whole seconds
  BENCH_ROUNDS [3]         slices per cell: the servers take turns slice
                           by slice, so that a burst of load from
                           elsewhere on the machine falls on all of them
  BENCH_WARMUP [2]         seconds of unmeasured load per server first
  BENCH_THREADS [2]        wrk threads; jotd threads; Node workers
  BENCH_CONNECTIONS [64]   wrk connections
  BENCH_LOGIN_CONNECTIONS [16]  wrk connections for login
  BENCH_TOKENS [10000]     distinct access tokens for verify-many
  BENCH_SERVERS [jotd,jotd-nocache,jotd-argon2id,jotd-pg,jotd-pg3,
                 express,fastify,nginx]
                           jotd-nocache: a second jotd on the same
                           database with --verify_cache=off, for the
                           two verify scenarios (needs jotd)
                           jotd-argon2id: a jotd with the default
                           password hash (argon2id) on a database of
                           its own, for login alone: its peak memory
                           jotd-pg: jotd on PostgreSQL (a throw-away
                           cluster, tests/pg/cluster.sh), for verify,
                           refresh and login
                           jotd-pg3: three jotd nodes on one PostgreSQL
                           database with one server secret, behind
                           nginx (upstream keepalive), the same scenarios
                           (both skipped without PostgreSQL's binaries)
  BENCH_SCENARIOS [verify-hot,verify-many,me,refresh,login]
  BENCH_OUT [bench/results]
  BENCH_STRICT             exit 1 when a target is NOT MET
  BENCH_PROFILE            1: after the measured cells, run jotd's
                           verify-hot, verify-many and refresh once more
                           under perf (bench/server/cpuprofile.py) and add
                           where its CPU goes to latest.md
  BENCH_PERF_DIR           with BENCH_PROFILE: keep the perf.data files
                           there (perf-<scenario>.data), for perf report
  BENCH_FLOOD [1]          0: no sign-up flood scenario
  BENCH_FLOOD_SECONDS [6]  seconds of each phase (quiet, flood)
  BENCH_FLOOD_CLIENTS [64] clients posting /v1/users in the flood
  BENCH_FLOOD_PROBES [4]   clients refreshing and reading /v1/me
"""
import argparse
import concurrent.futures
import ctypes
import ctypes.util
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True          # no __pycache__ in the work tree
import cpuprofile  # noqa: E402  (bench/server/cpuprofile.py)
ROOT = os.path.dirname(os.path.dirname(HERE))
PEERS = os.path.join(ROOT, "bench", "peers")

DURATION = float(os.environ.get("BENCH_DURATION", "12"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
LOGIN_CONNECTIONS = int(os.environ.get("BENCH_LOGIN_CONNECTIONS", "16"))
N_TOKENS = int(os.environ.get("BENCH_TOKENS", "10000"))
SERVERS = os.environ.get(
    "BENCH_SERVERS", "jotd,jotd-nocache,jotd-argon2id,jotd-pg,jotd-pg3,"
    "express,fastify,nginx").split(",")
SCENARIOS = os.environ.get(
    "BENCH_SCENARIOS", "verify-hot,verify-many,me,refresh,login").split(",")
OUT = os.environ.get("BENCH_OUT", os.path.join(ROOT, "bench", "results"))
STRICT = os.environ.get("BENCH_STRICT", "") not in ("", "0")
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "3")))
# wrk takes whole seconds.
SLICE = max(1, round(DURATION / ROUNDS))
PROFILE = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
PERF_DIR = os.environ.get("BENCH_PERF_DIR", "")
PROFILE_SCENARIOS = ("verify-hot", "verify-many", "refresh")
FLOOD = os.environ.get("BENCH_FLOOD", "1") not in ("", "0")
FLOOD_SECONDS = float(os.environ.get("BENCH_FLOOD_SECONDS", "6"))
FLOOD_CLIENTS = int(os.environ.get("BENCH_FLOOD_CLIENTS", "64"))
FLOOD_PROBES = int(os.environ.get("BENCH_FLOOD_PROBES", "4"))

PASSWORD = "correct horse battery staple"
N_USERS = 16
MINT_SECONDS = 120          # give up minting after this, keep what we have
BCRYPT_COST = 10
# Tokens minted before the first cell must outlive the last one.
ACCESS_TTL = int(min(86400, max(900, 180 + 30 * (DURATION + WARMUP))))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PG_CLUSTER = os.path.join(ROOT, "tests", "pg", "cluster.sh")
# What jotd on PostgreSQL runs: the verify, refresh and login.
PG_SCENARIOS = {"verify-hot", "verify-many", "refresh", "login"}

SCENARIO_SCRIPT = {
    "verify-hot": "verify_hot.lua",
    "verify-many": "verify_many.lua",
    "me": "verify_many.lua",
    "refresh": "refresh.lua",
    "login": "login.lua",
}
SCENARIO_TEXT = {
    "verify-hot": "GET /v1/verify, one token",
    "verify-many": "GET /v1/verify, distinct tokens",
    "me": "GET /v1/me",
    "refresh": "POST /v1/auth/refresh",
    "login": "POST /v1/auth/login",
}


def log(msg):
    print("bench-server: " + msg, flush=True)


def die(msg):
    print("bench-server: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- processes -----------------------------------------------------------

def group_pids(pgid):
    """Every process of the process group pgid (a server and its workers)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid:          # field 5, pgrp
            pids.append(int(d))
    return pids


def proc_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])    # utime + stime


class Server:
    """A server under test, started in a process group of its own."""

    def __init__(self, name, cmd, cwd, env=None, health="/healthz",
                 app=True):
        self.name = name
        self.cmd = cmd
        self.cwd = cwd
        self.env = env
        self.health = health
        self.app = app              # has the API (nginx has not)
        # The scenarios it runs: all when it has the API, else the
        # fixed response as verify-hot.
        self.scenarios = None if app else {"verify-hot"}
        self.prep_from = None       # a server whose tokens it shares
        self.port = None
        self.proc = None
        self.log_path = None
        self.mem = {"idle": None, "peak": 0, "after": None}
        self.prep = {}
        self.notes = []

    def runs(self, scenario):
        return self.scenarios is None or scenario in self.scenarios

    def start(self, tmp, port):
        self.port = port
        self.log_path = os.path.join(tmp, f"{self.name}.log")
        env = dict(os.environ)
        env.update(self.env or {})
        env["PORT"] = str(port)
        cmd = [c.replace("{PORT}", str(port)) for c in self.cmd]
        with open(self.log_path, "wb") as logf:
            self.proc = subprocess.Popen(
                cmd, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                stdout=logf, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with "
                                   f"{self.proc.returncode}: "
                                   f"{self.tail_log()}")
            try:
                status, _, _ = request(self.port, "GET", self.health,
                                       timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready in 30 s: "
                           f"{self.tail_log()}")

    def tail_log(self):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 2000))
                return f.read().decode(errors="replace").strip()[-2000:]
        except OSError:
            return ""

    def pids(self):
        return group_pids(self.proc.pid) if self.proc else []

    def rss_kb(self):
        return sum(proc_rss_kb(p) for p in self.pids())

    def cpu_pids(self):
        """The processes whose CPU is the server's: its own, and for
        jotd on PostgreSQL the database's too."""
        return self.pids()

    def cpu_ticks(self):
        return sum(proc_cpu_ticks(p) for p in self.cpu_pids())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        # Workers of a group whose leader is gone, if any.
        if group_pids(self.proc.pid):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)
        self.proc = None


# What both nginx configurations share: paths inside tmp, no access log,
# long keep-alive.
NGINX_HTTP_HEAD = """\
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    keepalive_requests 1000000;
"""

NGINX_PROXY_CONF = """\
# nginx in front of {n} jotd nodes: round robin, keepalive upstream.
""" + NGINX_HTTP_HEAD + """\
    upstream jotd {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://jotd;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
}}
"""


def start_pg_nodes(tmp, name, n_nodes, port, node_args, out):
    """PostgreSQL, n_nodes jotd nodes on it sharing one server secret,
    and for more than one node nginx on port in front of them (one node
    listens on port itself).  Sets out.pgdir (the cluster's directory)
    and out.procs (the processes) as it goes, so that out.stop() undoes
    a half-done start.  The one place that knows how a cluster is laid
    out: deploy/cluster.sh can take its place."""
    # Not under tmp: the cluster's user (nobody, under root) could not
    # reach it there.
    pgdir = tempfile.mkdtemp(prefix=f"jot-bench-{name}-")
    res = subprocess.run(["sh", PG_CLUSTER, "start", pgdir],
                         capture_output=True, text=True, timeout=180)
    if res.returncode != 0:
        shutil.rmtree(pgdir, ignore_errors=True)
        raise RuntimeError(f"cluster.sh start: {res.stderr[-800:]}")
    url = res.stdout.strip()
    out.pgdir = pgdir
    procs = out.procs = []
    secret = os.path.join(tmp, f"{name}-secret")
    ports = [port] if n_nodes == 1 else [free_port() for _ in range(n_nodes)]
    for i, p in enumerate(ports):
        cmd = node_args(f"--db={url}", f"--secret_file={secret}", p)
        with open(os.path.join(tmp, f"{name}-node{i}.log"), "wb") as logf:
            procs.append(subprocess.Popen(
                cmd, cwd=tmp, stdin=subprocess.DEVNULL, stdout=logf,
                stderr=subprocess.STDOUT, start_new_session=True))
        if i == 0:
            # The first node migrates and makes the secret and the keys;
            # the others start once it answers.
            wait_health(p, procs[0], 60)
    for p, proc in zip(ports, procs):
        wait_health(p, proc, 60)
    if n_nodes > 1:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        conf = os.path.join(tmp, f"{name}-nginx.conf")
        ndir = os.path.join(tmp, f"{name}-nginx")
        os.makedirs(ndir, exist_ok=True)
        with open(conf, "w") as f:
            f.write(NGINX_PROXY_CONF.format(
                n=n_nodes, workers=THREADS, tmp=ndir, port=port,
                servers="\n".join(f"        server 127.0.0.1:{p};"
                                  for p in ports)))
        with open(os.path.join(tmp, f"{name}-nginx.log"), "wb") as logf:
            procs.append(subprocess.Popen(
                [nginx, "-p", ndir, "-c", conf, "-g", "daemon off;"],
                cwd=tmp, stdin=subprocess.DEVNULL, stdout=logf,
                stderr=subprocess.STDOUT, start_new_session=True))


def wait_health(port, proc, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}")
        try:
            if request(port, "GET", "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"127.0.0.1:{port} not ready in {seconds} s")


def postmaster_pids(pgdir):
    """The postmaster of the cluster in pgdir and its children."""
    try:
        with open(os.path.join(pgdir, "data", "postmaster.pid")) as f:
            pm = int(f.readline())
    except (OSError, ValueError):
        return []
    pids = [pm]
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pm:   # ppid
            pids.append(int(d))
    return pids


class PgServer(Server):
    """jotd on PostgreSQL: one node, or n nodes behind nginx."""

    def __init__(self, name, n_nodes, node_args):
        super().__init__(name, [], cwd=None)
        self.n_nodes = n_nodes
        self.node_args = node_args
        self.procs = []
        self.pgdir = None
        self.scenarios = set(PG_SCENARIOS)

    def start(self, tmp, port):
        self.port = port
        self.log_path = os.path.join(tmp, f"{self.name}-node0.log")
        try:
            start_pg_nodes(tmp, self.name, self.n_nodes, port,
                           self.node_args, self)
            wait_health(port, self.procs[-1], 30)
        except (RuntimeError, subprocess.SubprocessError) as e:
            self.stop()
            raise RuntimeError(f"{self.name}: {e}: {self.tail_log()}")
        self.proc = self.procs[0]

    def pids(self):
        return [p for proc in self.procs for p in group_pids(proc.pid)]

    def cpu_pids(self):
        return self.pids() + postmaster_pids(self.pgdir or "")

    def alive(self):
        return bool(self.procs) and all(p.poll() is None for p in self.procs)

    def stop(self):
        for proc in self.procs:
            self.proc = proc
            Server.stop(self)
        self.procs = []
        self.proc = None
        if self.pgdir:
            subprocess.run(["sh", PG_CLUSTER, "stop", self.pgdir],
                           capture_output=True, timeout=120)
            self.pgdir = None


# ---- HTTP for the preparation --------------------------------------------

def request(port, method, path, body=None, token=None, timeout=30,
            conn=None):
    """One request; returns (status, parsed JSON or None, headers)."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = None
        return resp.status, doc, resp.headers
    finally:
        if own:
            conn.close()


def prepare_login_only(server):
    """The one user of the login scenario, for a server that runs it
    alone."""
    status, doc, _ = request(server.port, "POST", "/v1/users",
                             {"username": "bench-login",
                              "password": PASSWORD})
    if status != 201:
        raise RuntimeError(f"{server.name}: POST /v1/users: {status} {doc}")


def prepare(server, tmp):
    """Users, sessions and tokens for the scenarios; writes token files."""
    if server.scenarios == {"login"}:
        return prepare_login_only(server)
    port = server.port
    t0 = time.monotonic()
    users = [f"bench-user-{i:02d}" for i in range(N_USERS)] + ["bench-login"]

    def create(name):
        status, doc, _ = request(port, "POST", "/v1/users",
                                 {"username": name, "password": PASSWORD})
        if status != 201:
            raise RuntimeError(f"{server.name}: POST /v1/users {name}: "
                               f"{status} {doc}")

    def login(name):
        status, doc, _ = request(port, "POST", "/v1/auth/login",
                                 {"username": name, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"{server.name}: login {name}: {status} {doc}")
        return doc

    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(create, users))
        n_sessions = CONNECTIONS + 16
        logins = list(ex.map(login, [users[i % N_USERS]
                                     for i in range(n_sessions + 1)]))
    t_login = time.monotonic() - t0
    hot = logins.pop()

    # Mint distinct access tokens by refreshing each session in turn.
    per_session = -(-max(0, N_TOKENS - len(logins)) // len(logins))
    deadline = time.monotonic() + MINT_SECONDS
    minted = [[d["access_token"]] for d in logins]
    latest = [d["refresh_token"] for d in logins]
    lock = threading.Lock()
    errors = []

    def chain(idxs):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for _ in range(per_session):
                for i in idxs:
                    if time.monotonic() > deadline:
                        return
                    status, doc, _ = request(
                        port, "POST", "/v1/auth/refresh",
                        {"refresh_token": latest[i]}, conn=conn)
                    if status != 200:
                        with lock:
                            errors.append(f"{status} {doc}")
                        return
                    latest[i] = doc["refresh_token"]
                    minted[i].append(doc["access_token"])
        finally:
            conn.close()

    workers = 4
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        list(ex.map(chain, [list(range(k, len(logins), workers))
                            for k in range(workers)]))
    if errors:
        raise RuntimeError(f"{server.name}: minting: {errors[0]}")
    tokens = [t for ts in minted for t in ts]
    t_total = time.monotonic() - t0
    if len(set(tokens)) != len(tokens):
        raise RuntimeError(f"{server.name}: minted tokens are not distinct")

    # Check what the scenarios will send before measuring anything.
    status, _, hdrs = request(port, "GET", "/v1/verify", token=hot["access_token"])
    if status != 200 or not hdrs.get("X-Auth-Subject"):
        raise RuntimeError(f"{server.name}: /v1/verify: {status}")
    status, _, _ = request(port, "GET", "/v1/verify", token=tokens[0])
    if status != 200:
        raise RuntimeError(f"{server.name}: /v1/verify (first token): {status}")

    def write(name, lines):
        path = os.path.join(tmp, f"{server.name}-{name}.txt")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    server.prep = {
        "hot": hot["access_token"],
        "many": write("many", tokens),
        "me": write("me", [ts[-1] for ts in minted][:CONNECTIONS]),
        "refresh": write("refresh", latest),
        "n_tokens": len(tokens),
        "n_sessions": len(logins),
        "seconds": t_total,
        "login_seconds": t_login,
    }
    if len(tokens) < N_TOKENS:
        server.notes.append(f"only {len(tokens)} tokens minted in "
                            f"{MINT_SECONDS} s")
    log(f"{server.name}: {N_USERS + 1} users, {len(logins) + 1} logins, "
        f"{len(tokens)} distinct access tokens in {t_total:.1f} s")


def fresh_sessions(server, tmp, tag):
    """Logs in once per refresh connection (and some), for another refresh
    run: the first one's tokens are used up.  Returns the token file."""
    def login(name):
        status, doc, _ = request(server.port, "POST", "/v1/auth/login",
                                 {"username": name, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"{server.name}: login {name}: {status} {doc}")
        return doc["refresh_token"]

    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        tokens = list(ex.map(login, [f"bench-user-{i % N_USERS:02d}"
                                     for i in range(CONNECTIONS + 16)]))
    path = os.path.join(tmp, f"{server.name}-refresh-{tag}.txt")
    with open(path, "w") as f:
        f.write("\n".join(tokens) + "\n")
    return path


# ---- refresh and /v1/me during a sign-up flood -------------------------

def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else None


def probe_phase(server, tokens, seconds, flood_clients):
    """Probes refresh and /v1/me for seconds, one client per refresh token
    of tokens (used up), while flood_clients post /v1/users.  Returns
    (probe latencies in us, probe status counts, flood status counts)."""
    port = server.port
    stop = time.monotonic() + seconds
    lat, probe_st, flood_st = [], {}, {}
    lock = threading.Lock()

    def note(d, k):
        with lock:
            d[k] = d.get(k, 0) + 1

    def probe(rt):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                status, doc, _ = request(port, "POST", "/v1/auth/refresh",
                                         {"refresh_token": rt}, conn=conn)
                t1 = time.perf_counter()
                note(probe_st, f"refresh {status}")
                if status != 200:
                    return
                rt = doc["refresh_token"]
                status, _, _ = request(port, "GET", "/v1/me",
                                       token=doc["access_token"], conn=conn)
                t2 = time.perf_counter()
                note(probe_st, f"me {status}")
                with lock:
                    lat.append(("refresh", (t1 - t0) * 1e6))
                    lat.append(("me", (t2 - t1) * 1e6))
        finally:
            conn.close()

    def flood(k):
        n = 0
        while time.monotonic() < stop:
            n += 1
            try:
                status, _, _ = request(port, "POST", "/v1/users",
                                       {"username": f"flood-{k}-{n}-"
                                        f"{time.monotonic_ns()}",
                                        "password": PASSWORD}, timeout=30)
            except OSError:
                status = "error"
            note(flood_st, status)

    with concurrent.futures.ThreadPoolExecutor(
            len(tokens) + flood_clients) as ex:
        fs = [ex.submit(flood, k) for k in range(flood_clients)]
        time.sleep(0.5 if flood_clients else 0)    # the flood first
        fs += [ex.submit(probe, rt) for rt in tokens]
        for f in fs:
            f.result()
    return lat, probe_st, flood_st


def flood_scenario(server, tmp):
    """Refresh and /v1/me quiet, then during a sign-up flood."""
    out = {}
    for phase, clients in (("quiet", 0), ("flood", FLOOD_CLIENTS)):
        with open(fresh_sessions(server, tmp, "flood-" + phase)) as f:
            tokens = f.read().split()[:FLOOD_PROBES]
        lat, probe_st, flood_st = probe_phase(server, tokens, FLOOD_SECONDS,
                                              clients)
        row = {"probe": probe_st, "flood": flood_st}
        for kind in ("refresh", "me"):
            xs = [us for k, us in lat if k == kind]
            row[kind] = (len(xs), percentile(xs, 0.5), percentile(xs, 0.99),
                         max(xs) if xs else None)
        out[phase] = row
        log(f"flood {phase:5s}: refresh n={row['refresh'][0]} "
            f"p50 {fmt_ms(row['refresh'][1])} ms p99 "
            f"{fmt_ms(row['refresh'][2])} ms; /v1/me p50 "
            f"{fmt_ms(row['me'][1])} ms p99 {fmt_ms(row['me'][2])} ms; "
            f"probes {probe_st}; sign-ups {flood_st}")
    return out


def flood_section(fl):
    L = ["\n## Refresh and /v1/me during a sign-up flood (jotd)\n",
         f"{FLOOD_PROBES} clients refresh a session and read /v1/me in turn "
         f"for {FLOOD_SECONDS:g} s quiet, then for {FLOOD_SECONDS:g} s "
         f"while {FLOOD_CLIENTS} clients post /v1/users (bcrypt cost "
         f"{BCRYPT_COST}, signup_max = 0).  Python clients on the same "
         "cores; latencies in ms.\n",
         "| phase | route | requests | p50 | p99 | max | statuses |",
         "|---|---|---:|---:|---:|---:|---|"]
    for phase in ("quiet", "flood"):
        row = fl[phase]
        for kind, label in (("refresh", "POST /v1/auth/refresh"),
                            ("me", "GET /v1/me")):
            n, p50, p99, mx = row[kind]
            st = ", ".join(f"{k.split()[1]}: {v}" for k, v in
                           sorted(row["probe"].items())
                           if k.startswith(kind + " "))
            L.append(f"| {phase} | {label} | {n} | {fmt_ms(p50)} | "
                     f"{fmt_ms(p99)} | {fmt_ms(mx)} | {st} |")
    fst = fl["flood"]["flood"]
    L.append("\nThe flood's sign-ups: " + (", ".join(
        f"{k}: {v}" for k, v in sorted(fst.items(), key=str)) or "none")
        + f" in {FLOOD_SECONDS:g} s.\n")
    return "\n".join(L) + "\n"


# ---- wrk ---------------------------------------------------------------

def run_wrk(server, scenario, seconds, tmp, perf_data=None):
    """One cell: returns a dict of results (and samples memory meanwhile);
    with perf_data, records where the server's CPU goes meanwhile."""
    conns = LOGIN_CONNECTIONS if scenario == "login" else CONNECTIONS
    env = dict(os.environ)
    env.update({"BENCH_LUA_DIR": HERE, "BENCH_THREADS": str(THREADS)})
    p = server.prep
    if scenario == "verify-hot":
        env["BENCH_TOKEN"] = p.get("hot", "none")
    elif scenario == "verify-many":
        env["BENCH_TOKENS"] = p["many"]
    elif scenario == "me":
        env["BENCH_TOKENS"] = p["me"]
        env["BENCH_PATH"] = "/v1/me"
    elif scenario == "refresh":
        env["BENCH_TOKENS"] = p["refresh"]
    elif scenario == "login":
        env["BENCH_USER"] = "bench-login"
        env["BENCH_PASSWORD"] = PASSWORD
    cmd = ["wrk", f"-t{THREADS}", f"-c{conns}", f"-d{seconds:g}s",
           "--latency", "--timeout", "10s",
           "-s", os.path.join(HERE, SCENARIO_SCRIPT[scenario]),
           f"http://127.0.0.1:{server.port}/"]
    cpu0 = server.cpu_ticks()
    t0 = time.monotonic()
    out_path = os.path.join(tmp, "wrk.out")
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out,
                                stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        perf = None
        if perf_data:
            perf = cpuprofile.record(server.pids(), max(1.0, seconds - 2),
                                  perf_data)
        peak = 0
        while True:
            try:
                proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                peak = max(peak, server.rss_kb())
                if time.monotonic() - t0 > seconds + 60:
                    proc.kill()
                    proc.wait()
                    break
    if perf is not None:
        try:
            perf.wait(timeout=30)
        except subprocess.TimeoutExpired:
            perf.kill()
            perf.wait()
    cpu1 = server.cpu_ticks()
    peak = max(peak, server.rss_kb())
    server.mem["peak"] = max(server.mem["peak"], peak)
    with open(out_path, errors="replace") as f:
        text = f.read()
    m = re.search(r"^BENCH (\{.*\})$", text, re.M)
    if proc.returncode != 0 or m is None:
        raise RuntimeError(f"wrk {server.name} {scenario} failed "
                           f"({proc.returncode}): {text[-1500:]}")
    r = json.loads(m.group(1))
    secs = r["duration_us"] / 1e6
    r["rps"] = r["requests"] / secs if secs > 0 else 0.0
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["timeout"]
    r["cpu_us"] = ((cpu1 - cpu0) / CLK_TCK * 1e6 / r["requests"]
                   if r["requests"] else None)
    r["cpu_util"] = (cpu1 - cpu0) / CLK_TCK / secs if secs > 0 else 0.0
    r["connections"] = conns
    r["rss_peak_kb"] = peak
    return r


def combine(rs):
    """One cell from its slices (run_wrk results): counts and CPU time
    summed, so rates are over the cell's whole time; p50 the median of
    the slices', p99 the worst of them."""
    r = dict(rs[0])
    for k in ("requests", "duration_us", "status", "errors"):
        r[k] = sum(x[k] for x in rs)
    secs = r["duration_us"] / 1e6
    cpu_s = sum((x["cpu_us"] or 0) * x["requests"] / 1e6 for x in rs)
    r["rps"] = r["requests"] / secs if secs > 0 else 0.0
    r["cpu_us"] = cpu_s * 1e6 / r["requests"] if r["requests"] else None
    r["cpu_util"] = cpu_s / secs if secs > 0 else 0.0
    r["p50_us"] = sorted(x["p50_us"] for x in rs)[len(rs) // 2]
    r["p99_us"] = max(x["p99_us"] for x in rs)
    r["rss_peak_kb"] = max(x["rss_peak_kb"] for x in rs)
    r["slices"] = len(rs)
    return r


# ---- reference measurements ----------------------------------------------

def openssl_es256_verify_rate(seconds=3):
    """OpenSSL's bare ES256 verifications per second on one core."""
    try:
        res = subprocess.run(["openssl", "speed", "-seconds", str(seconds),
                              "ecdsap256"], capture_output=True, text=True,
                             timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        log(f"openssl speed: {e}")
        return None
    for line in res.stdout.splitlines():
        if "nistp256" in line:
            nums = re.findall(r"[\d.]+", line.split(")", 1)[1])
            if len(nums) >= 4:
                return float(nums[-1])
    log("openssl speed: no ecdsa (nistp256) line")
    return None


def bcrypt_seconds(n=10):
    """CPU seconds of one bcrypt hash of cost 10 through libcrypt, the
    library jotd uses for bcrypt (called by ctypes, on this thread)."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
    except OSError:
        return None
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    salt = f"$2b${BCRYPT_COST:02d}$abcdefghijklmnopqrstuu".encode()
    pw = PASSWORD.encode()
    if not (lib.crypt(pw, salt) or b"").startswith(b"$2b$"):
        return None
    t0 = time.thread_time()
    for _ in range(n):
        lib.crypt(pw, salt)
    return (time.thread_time() - t0) / n


# ---- the servers -----------------------------------------------------------

def npm_ready(peer):
    d = os.path.join(PEERS, peer)
    if os.path.isdir(os.path.join(d, "node_modules")):
        return True
    if shutil.which("npm") is None:
        return False
    log(f"npm ci in bench/peers/{peer}")
    try:
        res = subprocess.run(["npm", "ci", "--no-audit", "--no-fund",
                              "--loglevel=error"], cwd=d, timeout=300,
                             capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        log(f"npm ci in bench/peers/{peer}: timed out")
        return False
    if res.returncode != 0:
        log(f"npm ci in bench/peers/{peer} failed:\n{res.stderr[-1500:]}")
        return False
    return True


NGINX_CONF = """\
# nginx as the HTTP ceiling: a fixed 200 with the headers of /v1/verify.
""" + NGINX_HTTP_HEAD + """\
    server {{
        listen 127.0.0.1:{port};
        location / {{
            add_header X-Auth-Subject 3c50ab05-1765-4fd2-9bb0-97dc50e039f2;
            add_header X-Auth-Session c153e5ff-d201-439f-849d-c4779e8e6d51;
            add_header X-Auth-Roles user;
            return 200;
        }}
    }}
}}
"""


def jotd_args(jotd, db, secret, port, password=True):
    return [
        os.path.abspath(jotd), "serve", f"--listen=127.0.0.1:{port}",
        db, secret, f"--threads={THREADS}", f"--access_ttl={ACCESS_TTL}",
        # Every client here is 127.0.0.1: no sign-up limit, so that
        # the flood scenario is a flood of password hashes.
        "--signup_max=0",
        # One issuer, not one per port: jotd-nocache checks jotd's
        # tokens, and the nodes behind nginx each other's.
        "--issuer=http://jotd.bench.invalid"] + (
        ["--password_hash=bcrypt", f"--bcrypt_cost={BCRYPT_COST}"]
        if password else [])


def pg_available():
    return any(os.access(os.path.join(d, "initdb"), os.X_OK) for d in
               (os.path.join("/usr/lib/postgresql", v, "bin") for v in
                (os.listdir("/usr/lib/postgresql")
                 if os.path.isdir("/usr/lib/postgresql") else [])))


def make_servers(jotd, tmp):
    servers = []
    for name in SERVERS:
        jotd_cmd = jotd_args(jotd, f"--db=sqlite:{tmp}/jot.db",
                             f"--secret_file={tmp}/secret", "{PORT}")
        if name == "jotd":
            servers.append(Server("jotd", jotd_cmd, cwd=tmp))
        elif name == "jotd-nocache":
            # The same database and secret, so jotd's tokens verify here.
            main = next((x for x in servers if x.name == "jotd"), None)
            if main is None:
                log("jotd-nocache: skipped (it needs jotd, listed first)")
                continue
            servers.append(Server(name, jotd_cmd + ["--verify_cache=off"],
                                  cwd=tmp))
            servers[-1].scenarios = {"verify-hot", "verify-many"}
            servers[-1].prep_from = main
        elif name == "jotd-argon2id":
            # The default hash, on a database of its own (its users'
            # hashes are argon2id): the memory of a login load.
            servers.append(Server(name, jotd_args(
                jotd, f"--db=sqlite:{tmp}/argon2id.db",
                f"--secret_file={tmp}/secret", "{PORT}", password=False),
                cwd=tmp))
            servers[-1].scenarios = {"login"}
        elif name in ("jotd-pg", "jotd-pg3"):
            if not pg_available() or (name == "jotd-pg3" and
                                      shutil.which("nginx") is None and
                                      not os.path.exists("/usr/sbin/nginx")):
                log(f"{name}: skipped (PostgreSQL or nginx missing)")
                continue
            servers.append(PgServer(
                name, 3 if name == "jotd-pg3" else 1,
                lambda db, secret, port: jotd_args(jotd, db, secret, port)))
        elif name in ("express", "fastify"):
            if shutil.which("node") is None or not npm_ready(name):
                log(f"{name}: skipped (node or its packages missing)")
                continue
            servers.append(Server(name, ["node", "server.js"],
                                  cwd=os.path.join(PEERS, name),
                                  env={"PEER_WORKERS": str(THREADS),
                                       "PEER_ACCESS_TTL": str(ACCESS_TTL),
                                       "NODE_ENV": "production"}))
        elif name == "nginx":
            nginx = shutil.which("nginx") or "/usr/sbin/nginx"
            if not os.path.exists(nginx):
                log("nginx: skipped (not installed)")
                continue
            conf = os.path.join(tmp, "nginx.conf")
            servers.append(Server("nginx", [
                nginx, "-p", tmp, "-c", conf, "-g", "daemon off;"],
                cwd=tmp, health="/", app=False))
            servers[-1].conf = conf
        else:
            die(f"unknown server {name}")
    return servers


# ---- the report ------------------------------------------------------------

def fmt_rate(x):
    if x is None:
        return "n/a"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def fmt_ms(us):
    return "n/a" if us is None else f"{us / 1000:.2f}"


def fmt_cpu(us):
    return "n/a" if us is None else f"{us:.0f}"


def fmt_mb(kb):
    return "n/a" if kb is None else f"{kb / 1024:.1f}"


def version_of(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "n/a"


def lock_version(peer, pkg):
    try:
        with open(os.path.join(PEERS, peer, "package-lock.json")) as f:
            return json.load(f)["packages"]["node_modules/" + pkg]["version"]
    except (OSError, KeyError, ValueError):
        return "?"


def targets(results, servers, ossl, bcrypt_s):
    """The targets of DESIGN.md, from this run: rows of
    (target, measured, required, verdict)."""
    def rps(server, scen):
        r = results.get((scen, server))
        return r["rps"] if r else None

    rows = []

    def verdict(ok):
        return "n/a" if ok is None else ("MET" if ok else "NOT MET")

    def relative(scen, other, factor, what, mine="jotd"):
        """mine (jotd) at least factor x other in scen: by rate, and by
        CPU per request (the form that load from elsewhere disturbs
        least)."""
        j, o = results.get((scen, mine)), results.get((scen, other))
        req = f">= {factor * 100:.0f}%" if factor < 1 else f">= {factor:g}x"
        if not (j and o and j["rps"] and o["rps"]):
            rows.append((f"{what}: rate", "n/a", req, "n/a"))
            return

        def show(x):
            return f"{x * 100:.0f}%" if factor < 1 else f"{x:.2f}x"
        x = j["rps"] / o["rps"]
        rows.append((f"{what}: rate", f"{show(x)} ({fmt_rate(j['rps'])} vs "
                     f"{fmt_rate(o['rps'])} req/s)", req,
                     verdict(x >= factor)))
        if j["cpu_us"] and o["cpu_us"]:
            x = o["cpu_us"] / j["cpu_us"]
            rows.append((f"{what}: CPU per request", f"{show(x)} "
                         f"({fmt_cpu(j['cpu_us'])} vs {fmt_cpu(o['cpu_us'])}"
                         f" µs)", req, verdict(x >= factor)))

    relative("verify-hot", "express", 10,
             "verify, one token, >= 10x express")
    relative("verify-hot", "nginx", 0.6,
             "verify, one token, >= 60% of nginx's fixed response")

    jm = results.get(("verify-many", "jotd"))
    if jm and ossl:
        bound = THREADS * ossl
        rows.append((f"verify, distinct tokens, within 1.3x of OpenSSL's "
                     f"bare ES256 verify: rate (vs {THREADS} x its rate)",
                     f"{bound / jm['rps']:.2f}x ({fmt_rate(jm['rps'])} vs "
                     f"{THREADS} x {fmt_rate(ossl)} = {fmt_rate(bound)}/s)",
                     "<= 1.3x", verdict(jm["rps"] * 1.3 >= bound)))
        per = 1e6 / ossl
        if jm["cpu_us"] is not None:
            rows.append(("verify, distinct tokens, within 1.3x of OpenSSL's "
                         "bare ES256 verify: CPU per request",
                         f"{jm['cpu_us'] / per:.2f}x ({jm['cpu_us']:.0f} "
                         f"vs {per:.0f} µs)", "<= 1.3x",
                         verdict(jm["cpu_us"] <= 1.3 * per)))
    else:
        rows.append(("verify, distinct tokens, within 1.3x of OpenSSL's "
                     "bare ES256 verify", "n/a", "<= 1.3x", "n/a"))

    relative("refresh", "express", 5, "refresh, >= 5x express")
    relative("refresh", "express", 3,
             "refresh on PostgreSQL (1 node), >= 3x express", "jotd-pg")
    relative("refresh", "express", 3,
             "refresh on PostgreSQL (3 nodes behind nginx), >= 3x express",
             "jotd-pg3")

    j = rps("jotd", "login")
    if j and bcrypt_s:
        bound = THREADS / bcrypt_s
        rows.append((f"login, within 10% of cores / password-hash time: "
                     f"rate (vs {THREADS} / one bcrypt-{BCRYPT_COST} hash)",
                     f"{100 * j / bound:.0f}% ({fmt_rate(j)} vs "
                     f"{THREADS} / {bcrypt_s * 1000:.1f} ms = "
                     f"{fmt_rate(bound)}/s)", ">= 90%",
                     verdict(j >= 0.9 * bound)))
        jl = results[("login", "jotd")]
        if jl["cpu_us"] is not None:
            rows.append((f"login, within 10% of cores / password-hash "
                         f"time: CPU per request (vs one hash)",
                         f"{jl['cpu_us'] / 1e6 / bcrypt_s:.2f}x "
                         f"({jl['cpu_us'] / 1000:.1f} vs "
                         f"{bcrypt_s * 1000:.1f} ms)", "<= 1.1x",
                         verdict(jl["cpu_us"] / 1e6 <= 1.1 * bcrypt_s)))
    else:
        rows.append(("login, within 10% of cores / password-hash time",
                     "n/a", ">= 90%", "n/a"))

    js = next((s for s in servers if s.name == "jotd"), None)
    if js:
        idle, peak = js.mem["idle"], js.mem["peak"]
        rows.append(("memory, idle: < 20 MB", f"{fmt_mb(idle)} MB", "< 20 MB",
                     verdict(idle < 20 * 1024 if idle else None)))
        rows.append(("memory, under full load (peak): < 64 MB",
                     f"{fmt_mb(peak)} MB", "< 64 MB",
                     verdict(peak < 64 * 1024 if peak else None)))
    ja = results.get(("login", "jotd-argon2id"))
    if ja:
        peak = ja["rss_peak_kb"]
        rows.append(("memory, under a login load with the default argon2id "
                     "(peak): < 64 MB", f"{fmt_mb(peak)} MB", "< 64 MB",
                     verdict(peak < 64 * 1024 if peak else None)))
    return rows


LIB_ROW = re.compile(r"^(HS256|RS256|PS256|ES256|EdDSA)\s+(sign|verify)\s")


def library_section(path):
    """bench_lib's table and targets (its stdout, in path) as markdown
    lines; none without a file."""
    if not path:
        return []
    try:
        with open(path) as f:
            text = f.read().splitlines()
    except OSError as e:
        log(f"--lib: {e}")
        return []
    head = next((l for l in text if l.startswith("libjot ")), "")
    reps = next((l for l in text if "repetitions of" in l), "")
    L = ["## Library: sign and verify\n",
         f"`{head}`; {reps}. Each figure is the median CPU time of one "
         "operation on a typical access token (the claims of API.md); the "
         "floor is OpenSSL on an already parsed key, base64url and a "
         "jansson parse of the same token, written directly; ratios are "
         "the medians of the ratios within each repetition, all measured "
         "in one process, interleaved (bench/bench_lib.c).\n",
         "| alg | op | libjot µs | floor µs | libjwt µs | jot/floor | "
         "libjwt/jot | libjot op/s | spread |",
         "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for line in text:
        if LIB_ROW.match(line):
            L.append("| " + " | ".join(line.split()) + " |")
    L.append("")
    targets = [l[len("target "):] for l in text if l.startswith("target ")]
    if targets:
        L.append("| target | measured | verdict |")
        L.append("|---|---:|---|")
        for t in targets:
            m = re.match(r"(.*?)\s+([\d.]+x)\s+(MET|NOT MET)$", t)
            if m:
                L.append(f"| {m.group(1)} | {m.group(2)} | "
                         f"**{m.group(3)}** |")
        L.append("")
    return L


def write_report(results, servers, ossl, bcrypt_s, rows, started, elapsed,
                 jotd, profiles, library):
    names = [s.name for s in servers]
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"model name\s*:\s*(.*)", f.read()).group(1)
    except (OSError, AttributeError):
        pass
    try:
        rev = subprocess.run(["git", "-C", ROOT, "describe", "--always",
                              "--dirty"], capture_output=True, text=True,
                             timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        rev = "?"
    L = []
    L.append("# jot benchmarks\n")
    L.append(f"Written by `make bench` (bench/server/bench_server.py) on "
             f"{started:%Y-%m-%d %H:%M} UTC, in {elapsed:.0f} s. "
             f"jot `{rev}`, jotd `{os.path.relpath(os.path.abspath(jotd), ROOT)}`.\n")
    ossl_v = " ".join(version_of(["openssl", "version"]).split()[:2])
    nginx_v = version_of(["nginx", "-v"]).split(":")[-1].strip()
    wrk_v = " ".join(version_of(["wrk", "-v"]).split()[:2])
    L.append(f"Machine: {os.cpu_count()} cores ({cpu}), Linux "
             f"{platform.release()}; {ossl_v}; node "
             f"{version_of(['node', '--version'])}; {nginx_v}; "
             f"{wrk_v}.\n")
    L.append(f"Load: wrk on the same cores, {THREADS} threads, "
             f"{CONNECTIONS} connections ({LOGIN_CONNECTIONS} for login), "
             f"{SLICE * ROUNDS} s per cell after a {WARMUP:g} s warm-up per "
             f"server, in {ROUNDS} slices of {SLICE} s: the servers of a scenario take "
             f"turns slice by slice, so that load from elsewhere on the "
             f"machine falls on all of them alike (login, whose requests "
             f"take half a second, runs in one piece); rates and CPU are "
             f"over the whole cell, p50 the median slice's and p99 the "
             f"worst. "
             f"Every server has {THREADS} threads or worker processes: "
             f"jotd `--threads={THREADS} --password_hash=bcrypt --bcrypt_cost={BCRYPT_COST}` on "
             f"SQLite; express {lock_version('express', 'express')} + "
             f"jsonwebtoken {lock_version('express', 'jsonwebtoken')} + "
             f"bcryptjs {lock_version('express', 'bcryptjs')} and fastify "
             f"{lock_version('fastify', 'fastify')} + @fastify/jwt "
             f"{lock_version('fastify', '@fastify/jwt')} + bcryptjs, "
             f"each {THREADS} workers by node:cluster with users and "
             f"sessions in the primary (reached by IPC), ES256 access "
             f"tokens, bcrypt cost {BCRYPT_COST}; nginx "
             f"`worker_processes {THREADS}` answering a fixed 200.\n")
    L.extend(library)
    L.append("## Server: throughput and latency\n")
    L.append("Server CPU is the CPU time of the server's processes over "
             "the cell divided by its requests, and cores busy that CPU "
             "time over the cell's duration (wrk's own CPU is in neither; "
             f"{os.cpu_count()} cores are shared by the server, wrk and "
             "whatever else runs). Non-2xx and socket errors should be 0. "
             "Peak MB is the largest VmRSS of the server's processes "
             "sampled during the cell (twice a second). jotd-pg and "
             "jotd-pg3 count PostgreSQL's processes in their CPU but not "
             "in their memory, and jotd-pg3 counts nginx in both.\n")
    L.append("| scenario | server | req/s | p50 ms | p99 ms | non-2xx | "
             "socket errors | server CPU µs/req | server cores busy | "
             "peak MB |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for scen in SCENARIOS:
        for name in names:
            r = results.get((scen, name))
            if r is None:
                continue
            L.append(f"| {SCENARIO_TEXT[scen]} | {name} | "
                     f"{fmt_rate(r['rps'])} | {fmt_ms(r['p50_us'])} | "
                     f"{fmt_ms(r['p99_us'])} | {r['status']} | {r['errors']} "
                     f"| {fmt_cpu(r['cpu_us'])} | {r['cpu_util']:.2f} | "
                     f"{fmt_mb(r['rss_peak_kb'])} |")
    L.append("")
    L.append("## Ratios to jotd\n")
    L.append("| scenario | " + " | ".join(f"jotd / {n}" for n in names
                                          if n != "jotd") + " |")
    L.append("|---|" + "---:|" * (len(names) - 1))
    for scen in SCENARIOS:
        j = results.get((scen, "jotd"))
        cells = []
        for n in names:
            if n == "jotd":
                continue
            o = results.get((scen, n))
            cells.append(f"{j['rps'] / o['rps']:.2f}x"
                         if j and o and o["rps"] else "n/a")
        L.append(f"| {SCENARIO_TEXT[scen]} | " + " | ".join(cells) + " |")
    L.append("")
    L.append("## Resident memory (VmRSS, MB, all processes of the server)\n")
    L.append("| server | idle | peak under load | after load |")
    L.append("|---|---:|---:|---:|")
    for s in servers:
        L.append(f"| {s.name} | {fmt_mb(s.mem['idle'])} | "
                 f"{fmt_mb(s.mem['peak'])} | {fmt_mb(s.mem['after'])} |")
    L.append("")
    L.append("## Targets (DESIGN.md), from this run\n")
    ref = []
    if ossl:
        ref.append(f"OpenSSL's bare ES256 verify: {fmt_rate(ossl)}/s on one "
                   f"core (`openssl speed ecdsap256`, CPU time; the median of "
                   f"a run at the start and runs just before and just after "
                   f"jotd's verify-many cell)")
    if bcrypt_s:
        ref.append(f"one bcrypt-{BCRYPT_COST} hash through libcrypt: "
                   f"{bcrypt_s * 1000:.1f} ms of CPU")
    if ref:
        L.append("References measured in the same run: " + "; ".join(ref)
                 + ".\n")
    L.append("| target | measured | required | verdict |")
    L.append("|---|---|---|---|")
    for t, m, req, v in rows:
        L.append(f"| {t} | {m} | {req} | **{v}** |")
    L.append("")
    prep = [f"{s.name}: {s.prep['n_tokens']} distinct access tokens from "
            f"{s.prep['n_sessions'] + 1} logins and their refreshes, "
            f"{s.prep['seconds']:.1f} s" for s in servers
            if s.prep and s.prep_from is None]
    if prep:
        L.append("Preparation: " + "; ".join(prep) + ".\n")
    L.append("Reading these numbers: the Node.js peers keep users and "
             "sessions in memory (in the cluster's primary), while jotd "
             "writes every login (with an audit row) and every refresh to "
             "SQLite (WAL, synchronous=NORMAL), so login, refresh and "
             "/v1/me favour the peers on that account. jotd remembers "
             "verified access tokens (a per-thread cache); jotd-nocache is "
             "the same jotd on the same database with `--verify_cache=off`, "
             "which shows what the cache does; the peers "
             "verify every time (fast-jwt's cache is off in @fastify/jwt's "
             "defaults), and verify-many rotates through more tokens than "
             "jotd's cache holds. Rates are wall-clock with wrk and "
             "anything else on the machine sharing the cores; the rows "
             "in CPU per request are the form of a target that such load "
             "disturbs least. Tokens live "
             f"{ACCESS_TTL} s here (`--access_ttl`), to outlast the run.\n")
    notes = [f"{s.name}: {n}" for s in servers for n in s.notes]
    if notes:
        L.append("Notes: " + "; ".join(notes) + ".\n")
    if profiles:
        L.append("## Where jotd's CPU goes\n")
        L.append("With BENCH_PROFILE=1: perf (cpu-clock, DWARF call "
                 "graphs) on jotd's threads during a further run of each "
                 "scenario, every sample put in "
                 "one bucket by its stack (bench/server/cpuprofile.py); the "
                 "server CPU per request of that run is split by the "
                 "shares.\n")
        for scen, (r, shares, n) in profiles.items():
            L.append(f"**{SCENARIO_TEXT[scen]}**: {fmt_rate(r['rps'])} req/s "
                     f"under perf, {fmt_cpu(r['cpu_us'])} µs of CPU per "
                     f"request, {n} samples.\n")
            L.append("| share | µs/req | where |")
            L.append("|---:|---:|---|")
            for share, name in shares:
                if share < 0.5:
                    continue
                us = (f"{share / 100 * r['cpu_us']:.1f}"
                      if r["cpu_us"] is not None else "n/a")
                L.append(f"| {share:.1f}% | {us} | {name} |")
            L.append("")
    L.append("![requests per second](latest.svg)\n")
    path = os.path.join(OUT, "latest.md")
    with open(path, "w") as f:
        f.write("\n".join(L))
    return path


def write_chart(results, servers, tmp):
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        log("gnuplot missing: no chart")
        return None
    names = [s.name for s in servers]
    data = os.path.join(tmp, "chart.dat")
    with open(data, "w") as f:
        f.write("scenario " + " ".join(names) + "\n")
        for scen in SCENARIOS:
            row = []
            for n in names:
                r = results.get((scen, n))
                row.append(f"{r['rps']:.1f}" if r and r["rps"] > 0 else "-")
            f.write(f'"{scen}" ' + " ".join(row) + "\n")
    out = os.path.join(OUT, "latest.svg")
    res = subprocess.run([gnuplot, "-e",
                          f"datafile='{data}'; outfile='{out}'; "
                          f"ncols={len(names) + 1}; "
                          f"subtitle='{SLICE * ROUNDS} s per cell, wrk -t{THREADS}"
                          f" -c{CONNECTIONS} on the same {os.cpu_count()} "
                          f"cores'",
                          os.path.join(HERE, "chart.gp")],
                         capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        log(f"gnuplot failed: {res.stderr[-800:]}")
        return None
    return out


# ---- main ------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jotd", default=os.path.join(ROOT, "build", "jotd"))
    ap.add_argument("--lib", metavar="FILE",
                    help="what bench_lib printed, for the library section")
    args = ap.parse_args()
    for tool in ("wrk", "openssl"):
        if shutil.which(tool) is None:
            die(f"{tool} is missing (make test-deps installs it)")
    if "jotd" in SERVERS and not os.access(args.jotd, os.X_OK):
        die(f"{args.jotd}: no jotd to run")
    started = datetime.datetime.now(datetime.timezone.utc)
    t_start = time.monotonic()
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="jot-bench-server-")
    servers = make_servers(args.jotd, tmp)
    results = {}
    try:
        log("reference: OpenSSL ES256 verify rate, bcrypt hash time")
        # The bare verify rate drifts with the load of other guests on
        # this machine's cores, so it is measured again just before and
        # just after jotd's verify-many cell, and the median taken.
        ossl_samples = [openssl_es256_verify_rate()]
        bcrypt_s = bcrypt_seconds()
        for s in servers:
            port = free_port()
            if s.name == "nginx":
                with open(s.conf, "w") as f:
                    f.write(NGINX_CONF.format(workers=THREADS, tmp=tmp,
                                              port=port))
            s.start(tmp, port)
            time.sleep(0.5)
            s.mem["idle"] = s.rss_kb()
            log(f"{s.name}: ready on 127.0.0.1:{port}, "
                f"{fmt_mb(s.mem['idle'])} MB idle")
        for s in servers:
            if s.app and s.prep_from is None:
                prepare(s, tmp)
        for s in servers:
            if s.prep_from is not None:
                s.prep = dict(s.prep_from.prep)
        for s in servers:
            if WARMUP > 0:
                run_wrk(s, "verify-hot", WARMUP, tmp)
        for scen in SCENARIOS:
            if scen not in SCENARIO_SCRIPT:
                die(f"unknown scenario {scen}")
            cell = [s for s in servers if s.runs(scen)]
            slices = {s.name: [] for s in cell}
            # A login takes half a second, so the requests in flight when
            # a slice ends are a large share of a short slice's work:
            # login runs in one piece.
            rounds, secs = (1, SLICE * ROUNDS) if scen == "login" else \
                (ROUNDS, SLICE)
            for rnd in range(rounds):
                # Who goes first turns with the round, against order
                # effects.
                for s in cell[rnd % len(cell):] + cell[:rnd % len(cell)]:
                    if not s.alive():
                        raise RuntimeError(f"{s.name} died: {s.tail_log()}")
                    if scen == "refresh" and rnd > 0:
                        # Each refresh token is used once: new sessions.
                        s.prep["refresh"] = fresh_sessions(s, tmp,
                                                           f"round{rnd}")
                    adjacent = scen == "verify-many" and s.name == "jotd"
                    if adjacent:
                        ossl_samples.append(openssl_es256_verify_rate(1))
                    slices[s.name].append(run_wrk(s, scen, secs, tmp))
                    if adjacent:
                        ossl_samples.append(openssl_es256_verify_rate(1))
            for s in cell:
                r = results[(scen, s.name)] = combine(slices[s.name])
                if r["status"] or r["errors"]:
                    log(f"WARNING: {s.name} {scen}: {r['status']} non-2xx, "
                        f"{r['errors']} socket errors; its log ends: "
                        f"{s.tail_log()[-300:]}")
                log(f"{scen:12s} {s.name:12s} {fmt_rate(r['rps']):>9s} req/s "
                    f"p50 {fmt_ms(r['p50_us'])} ms p99 {fmt_ms(r['p99_us'])} "
                    f"ms non-2xx {r['status']} errors {r['errors']} "
                    f"cpu {r['cpu_us'] or 0:.0f} us/req")
        for s in servers:
            s.mem["after"] = s.rss_kb()
        got = sorted(x for x in ossl_samples if x)
        ossl = got[len(got) // 2] if got else None
        log("OpenSSL ES256 verify/s: " + ", ".join(
            fmt_rate(x) for x in got) + f"; median {fmt_rate(ossl or 0)}")
        profiles = {}
        jotd_server = next((s for s in servers if s.name == "jotd"), None)
        if PROFILE and jotd_server is not None:
            if shutil.which("perf") is None:
                log("BENCH_PROFILE: perf is missing (Debian: linux-perf)")
            else:
                for scen in PROFILE_SCENARIOS:
                    if scen not in SCENARIOS:
                        continue
                    if scen == "refresh":
                        jotd_server.prep["refresh"] = fresh_sessions(
                            jotd_server, tmp, "profile")
                    if PERF_DIR:
                        os.makedirs(PERF_DIR, exist_ok=True)
                    data = os.path.join(PERF_DIR or tmp, f"perf-{scen}.data")
                    r = run_wrk(jotd_server, scen, min(SLICE * ROUNDS, 8), tmp,
                                perf_data=data)
                    if os.path.exists(data):
                        shares, n = cpuprofile.breakdown(data)
                        profiles[scen] = (r, shares, n)
                        log(f"profile {scen}: " + ", ".join(
                            f"{sh:.0f}% {nm}" for sh, nm in shares[:4]))
        flood = None
        if FLOOD and jotd_server is not None:
            flood = flood_scenario(jotd_server, tmp)
        rows = targets(results, servers, ossl, bcrypt_s)
        elapsed = time.monotonic() - t_start
        for s in servers:
            s.stop()
        md = write_report(results, servers, ossl, bcrypt_s, rows, started,
                          elapsed, args.jotd, profiles,
                          library_section(args.lib))
        if flood is not None:
            with open(md, "a") as f:
                f.write(flood_section(flood))
        svg = write_chart(results, servers, tmp)
        log(f"wrote {os.path.relpath(md, ROOT)}"
            + (f" and {os.path.relpath(svg, ROOT)}" if svg else ""))
        for t, m, req, v in rows:
            print(f"  {v:8s} {t}: {m}")
    finally:
        for s in servers:
            try:
                s.stop()
            except Exception as e:          # keep stopping the others
                log(f"stopping {s.name}: {e}")
        shutil.rmtree(tmp, ignore_errors=True)
    if STRICT and any(v == "NOT MET" for _, _, _, v in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
