"""
Faults during a refresh storm through nginx: a node killed with SIGKILL
(and started again), then the PostgreSQL primary killed with kill -9 and
the synchronous standby promoted.  Direct to PostgreSQL only: pgbouncer
points at one host and does not follow a promotion.

Clients retry a request that got no answer (a connection error, or 502,
503 or 504 from nginx or a node) with the same refresh token.  A lost
answer may hide a rotation that happened: the retry presents a token one
generation behind.  With refresh_reuse_grace = 0 that retry is reuse and
revokes the session, so a lost answer could not be told from a theft and
nothing could be said of the session afterwards.  The storm therefore
runs with the default grace of 10 s, under which the retry is answered
with a token of the successor generation without a second rotation; the
invariants are then exact:

- every 200 answers a token of gen g with a token of gen g + 1 (never a
  401, never a skipped or repeated generation): no refresh token is
  honoured twice outside the grace rule;
- afterwards the database holds each session at the generation of the
  last token its client was given (no acknowledged rotation lost, none
  made twice), and that token refreshes;
- a token two generations behind is refused as reuse.
"""

import http.client
import threading
import time

from harness import jwt_parts, show

CLIENTS = 12
PAUSE = 0.01                # between two refreshes of one client
RETRY_PAUSE = 0.05
FOLLOW = 10.0               # the issue: nodes follow within 10 s


def gen(token):
    try:
        return jwt_parts(token)[1].get("gen")
    except (ValueError, AttributeError):
        return None


class Client:
    def __init__(self, session):
        self.sid = session["session_id"]
        self.first = session["refresh_token"]
        self.token = session["refresh_token"]
        self.gen = gen(self.token)
        self.acks = []              # (monotonic time, gen)
        self.retries = {}           # why -> count
        self.bad = []               # answers that break an invariant


def storm(via, clients, stop):
    """Each client refreshes through via until stop is set."""
    def loop(cl):
        conn = None
        while not stop.is_set():
            try:
                if conn is None:
                    conn = via.connect()
                r = via.request("POST", "/v1/auth/refresh",
                                json_body={"refresh_token": cl.token},
                                conn=conn)
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
                cl.retries["no answer"] = cl.retries.get("no answer", 0) + 1
                time.sleep(RETRY_PAUSE)
                continue
            if r.status in (502, 503, 504):
                cl.retries[r.status] = cl.retries.get(r.status, 0) + 1
                time.sleep(RETRY_PAUSE)
                continue
            j = r.json() or {}
            g = gen(j.get("refresh_token", ""))
            if r.status != 200 or g != cl.gen + 1 or \
                    j.get("session_id") != cl.sid:
                cl.bad.append("gen %s -> %s (gen %s)" % (cl.gen, show(r), g))
                break
            cl.acks.append((time.monotonic(), g))
            cl.token, cl.gen = j["refresh_token"], g
            time.sleep(PAUSE)
        if conn is not None:
            conn.close()
    ths = [threading.Thread(target=loop, args=(cl,)) for cl in clients]
    for th in ths:
        th.start()
    return ths


def signups(t, via, stop, acked, existed, bad):
    """Sign-ups through via until stop: a lost answer is retried with the
    same name; 409 on a retry means the first try made the user."""
    while not stop.is_set():
        name, pw = t.name("storm"), t.password()
        tries = 0
        while not stop.is_set() and tries < 50:
            tries += 1
            try:
                r = via.signup(name, pw)
            except (OSError, http.client.HTTPException):
                time.sleep(RETRY_PAUSE)
                continue
            if r.status in (502, 503, 504):
                time.sleep(RETRY_PAUSE)
                continue
            if r.status == 201:
                acked.append((name, pw))
            elif r.status == 409 and tries > 1:
                existed.append((name, pw))
            else:
                bad.append(show(r))
            break


def open_clients(t, c, n):
    users = [c.nginx.user()[0] for _ in range(3)]
    return [Client(c.nginx.session(users[i % 3]["username"],
                                   users[i % 3]["password"]))
            for i in range(n)]


def after_storm(t, c, label, clients):
    """The invariants over the clients once the storm is over."""
    bad = [x for cl in clients for x in cl.bad]
    t.eq("%s: every answered refresh gave the next generation (no 401, "
         "none skipped or repeated)" % label, bad[:3], [])
    n_acks = sum(len(cl.acks) for cl in clients)
    retries = {}
    for cl in clients:
        for k, v in cl.retries.items():
            retries[k] = retries.get(k, 0) + v
    t.say("%s: %d rotations acknowledged; retries: %s" %
          (label, n_acks, ", ".join("%s x %d" % (k, v) for k, v in
                                    sorted(retries.items(), key=str))
           or "none"))
    t.check("%s: the storm rotated (at least one refresh a client)" % label,
            all(cl.acks for cl in clients), "every client", "not all")
    db = c.session_gens([cl.sid for cl in clients])
    wrong = [(cl.gen, db.get(cl.sid)) for cl in clients
             if db.get(cl.sid) != (cl.gen, 0)]
    t.eq("%s: the database holds every session live at the generation of "
         "its last acknowledged token" % label, wrong[:3], [])
    res = [c.nginx.refresh(cl.token) for cl in clients]
    t.eq("%s: every last acknowledged token refreshes -> 200, gen + 1" %
         label, [(r.status, gen((r.json() or {}).get("refresh_token", "")))
                 for r in res],
         [(200, cl.gen + 1) for cl in clients])
    for cl, r in zip(clients, res):
        if r.status == 200:
            cl.token, cl.gen = r.json()["refresh_token"], cl.gen + 1
    # The first token, now at least two generations behind: reuse.  This
    # revokes the session, so it comes last.
    old = [cl for cl in clients if cl.gen >= 3]
    t.eq("%s: a token two or more generations behind -> 401 "
         "invalid_grant, reuse" % label,
         sorted(set(c.nginx.refresh(cl.first).error() for cl in old[:3])),
         [(401, "invalid_grant", "refresh token reuse detected")])


def node_kill(t, c):
    label = "SIGKILL node B"
    clients = open_clients(t, c, CLIENTS)
    stop = threading.Event()
    acked, existed, sbad = [], [], []
    ths = storm(c.nginx, clients, stop)
    sth = [threading.Thread(target=signups, args=(t, c.nginx, stop, acked,
                                                  existed, sbad))
           for _ in range(2)]
    for th in sth:
        th.start()
    try:
        time.sleep(1.5)
        before = sum(len(cl.acks) for cl in clients)
        t.check("%s: the node is killed during the storm" % label,
                c.node_kill(2, "KILL"), "killed", "node-kill failed")
        time.sleep(2.0)
        t.check("%s: it starts again on its port" % label,
                c.node_start(2), "started", "no")
        time.sleep(1.5)
    finally:
        stop.set()
        for th in ths + sth:
            th.join(60)
    t.check("%s: the storm went on (%d rotations before the kill)" %
            (label, before), before > 0 and
            sum(len(cl.acks) for cl in clients) > before, "more after",
            "none")
    after_storm(t, c, label, clients)
    t.eq("%s: sign-ups answered 201, or 409 only on a retry" % label,
         sbad[:3], [])
    t.say("%s: %d sign-ups acknowledged, %d made by a lost try" %
          (label, len(acked), len(existed)))
    lost = [n for n, pw in acked + existed
            if c.nginx.login(n, pw).status != 200]
    t.eq("%s: every acknowledged sign-up logs in (%d)" % (label, len(acked)),
         lost[:3], [])
    t.check("%s: sign-ups were acknowledged during the storm" % label,
            len(acked) > 0, "> 0", len(acked))


def writes_again(node, deadline):
    """Seconds until node serves a write (a sign-up), None past deadline."""
    t0 = time.monotonic()
    while time.monotonic() < deadline:
        try:
            r = node.signup(node.t.name("follow"), node.t.password())
            if r.status == 201:
                return time.monotonic() - t0
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    return None


def primary_kill(t, c):
    label = "kill -9 primary"
    t.eq("%s: the standby replicates synchronously" % label,
         c.sql("SELECT application_name, sync_state FROM "
               "pg_stat_replication"), [["standby1", "sync"]])
    clients = open_clients(t, c, CLIENTS)
    stop = threading.Event()
    ths = storm(c.nginx, clients, stop)
    follow = {}
    try:
        time.sleep(1.5)
        t_kill = time.monotonic()
        t.check("%s: the primary is killed during the storm" % label,
                c.primary_kill(), "killed", "primary-kill failed")
        acked_before = {cl.sid: max([g for at, g in cl.acks if at < t_kill]
                                    or [1]) for cl in clients}
        t.check("%s: the standby is promoted (pg_ctl promote -w)" % label,
                c.promote(), "promoted", "no")
        t_prom = time.monotonic()
        t.say("%s: promoted %.2f s after the kill" % (label,
                                                      t_prom - t_kill))
        lock = threading.Lock()

        def one(s):
            v = writes_again(s, t_prom + FOLLOW)
            with lock:
                follow[s.name] = v
        fth = [threading.Thread(target=one, args=(s,)) for s in c.nodes]
        for th in fth:
            th.start()
        for th in fth:
            th.join(FOLLOW + 30)
        time.sleep(1.0)
    finally:
        stop.set()
        for th in ths:
            th.join(60)
    for s in c.nodes:
        v = follow.get(s.name)
        t.check("%s: %s serves writes again within 10 s of the promotion"
                % (label, s.name), v is not None, "<= 10 s", "not in 10 s")
        if v is not None:
            t.say("%s: %s wrote again %.2f s after the promotion" %
                  (label, s.name, v))
    db = c.session_gens([cl.sid for cl in clients])
    lost = [(acked_before[sid], db.get(sid)) for sid in acked_before
            if db.get(sid) is None or db[sid][0] < acked_before[sid]]
    t.eq("%s: every rotation acknowledged before the kill is in the "
         "promoted standby" % label, lost[:3], [])
    after_storm(t, c, label, clients)


def in_flight(t, c, label, send):
    """Node B stopped (SIGSTOP), send(i) for i = 0, 1, 2 at once through
    nginx (round robin: one of them waits on B), then B killed and
    started again: (the answers in order, nginx's log lines meanwhile)."""
    res = [None] * 3
    _, mark = c.nginx_log()
    c.node_kill(2, "STOP")
    try:
        ths = [threading.Thread(target=lambda i=i: res.__setitem__(
            i, send(i))) for i in range(3)]
        for th in ths:
            th.start()
        time.sleep(1.0)
        t.check("%s: node B is killed with a request on it" % label,
                c.node_kill(2, "KILL"), "killed", "node-kill failed")
        for th in ths:
            th.join(40)
    finally:
        c.node_kill(2, "CONT")
        c.node_kill(2, "KILL")
        c.node_start(2)
    return res, c.nginx_log(mark)[0]


def upstreams(lines, path):
    """The "u=... us=..." of nginx's log lines for path, B's port shown
    as B: e.g. ["B:502 A:200", "C:200"]."""
    out = []
    for line in lines:
        if " " + path + " " not in line and " " + path + "?" not in line:
            continue
        u = line.partition(" u=")[2].partition(" us=")
        addrs = [a.strip() for a in u[0].split(",")]
        sts = [x.strip() for x in u[2].partition(" rt=")[0].split(",")]
        out.append(" ".join("%s:%s" % (a, s) for a, s in zip(addrs, sts)))
    return out


def answer(fn):
    try:
        return fn()
    except (OSError, http.client.HTTPException) as e:
        return e


def b_in_rotation(t, c, label, token):
    """Sends GETs through nginx until one is answered by node B, so that
    B is back in nginx's rotation (a node that failed is held out for
    fail_timeout, which a loaded machine may stretch): at most 10 s."""
    b = "127.0.0.1:%d" % c.nodes[1].port
    _, mark = c.nginx_log()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10:
        answer(lambda: c.nginx.verify(token))
        lines, _ = c.nginx_log(mark)
        if any(u == b + ":200" for u in upstreams(lines, "/v1/verify")):
            return True
        time.sleep(0.2)
    t.not_ok("%s: node B is back in nginx's rotation" % label,
             "within 10 s", "not in 10 s")
    return False


def nginx_replay(t, c):
    """What nginx does with a request whose node dies under it: a GET
    goes to another node, a POST does not (deploy/nginx.conf)."""
    label = "nginx"
    _, k = c.nginx.user()
    b_in_rotation(t, c, label, k["access_token"])
    ss = [c.nginx.session(k_user["username"], k_user["password"])
          for k_user in [c.nginx.user()[0] for _ in range(3)]]
    b = "127.0.0.1:%d" % c.nodes[1].port
    res, log = in_flight(t, c, label + " POST", lambda i: answer(
        lambda: c.nginx.refresh(ss[i]["refresh_token"])))
    via_b = [u for u in upstreams(log, "/v1/auth/refresh") if b in u]
    t.eq("%s: nginx's log: the POST that reached B was answered 502 "
         "and sent nowhere else" % label, via_b, [b + ":502"])
    st = [getattr(r, "status", type(r).__name__) for r in res]
    t.eq("%s: three POST /v1/auth/refresh, one on the dying node -> 200, "
         "200, 502 (the POST is not sent again)" % label, sorted(st, key=str),
         [200, 200, 502])
    lost = [s for s, x in zip(ss, st) if x != 200]
    if len(lost) == 1:
        sid = lost[0]["session_id"]
        t.eq("%s: the session of the 502 was not rotated on another node "
             "(gen 1 in the database)" % label,
             c.session_gens([sid]).get(sid), (1, 0))
        r = c.nginx.refresh(lost[0]["refresh_token"])
        t.eq("%s: its client's retry -> 200, gen 2" % label,
             (r.status, gen((r.json() or {}).get("refresh_token", ""))),
             (200, 2))
    # nginx holds a failed node out for fail_timeout (2 s): wait until
    # it takes B back, so that the next round reaches B again.
    _, k = c.nginx.user()
    b_in_rotation(t, c, label, k["access_token"])
    res, log = in_flight(t, c, label + " GET", lambda i: answer(
        lambda: c.nginx.verify(k["access_token"])))
    via_b = [u.split(" ") for u in upstreams(log, "/v1/verify") if b in u]
    t.check("%s: nginx's log: the GET that reached B went on to another "
            "node, which answered 200" % label,
            len(via_b) == 1 and len(via_b[0]) == 2 and
            via_b[0][0] == b + ":502" and via_b[0][1].endswith(":200"),
            "[[B:502, X:200]]", repr(via_b))
    t.eq("%s: three GET /v1/verify, one on the dying node -> 3 x 200 (the "
         "GET is sent to another node)" % label,
         sorted(getattr(r, "status", type(r).__name__) for r in res),
         [200, 200, 200])


def run(t, c):
    nginx_replay(t, c)
    node_kill(t, c)
    primary_kill(t, c)
