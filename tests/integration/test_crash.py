"""
Crash safety: several threads sign up, log in, refresh and log out
while jotd is killed with SIGKILL at random moments (each 0.5-2 s after
a start) and restarted on the same database with the same secret.  With
refresh_reuse_grace = 0, afterwards:

- every sign-up answered 201 is listed by "jotd user list";
- in each session the generations answered 200 rise by one per refresh,
  and no presented generation was honoured twice;
- the last refresh token answered for each session still refreshes,
  unless a later request of that session went unanswered (a kill) or
  was refused, and then it fails only as reuse or revocation;
- a session whose logout was answered 204 stays revoked;
- once jotd has stopped, the database is consistent: PRAGMA
  integrity_check on SQLite; on PostgreSQL amcheck finds nothing wrong in
  the tables and their indexes, and (both engines) no session lacks its
  user and every applied migration is recorded once.
"""

import random
import signal
import threading
import time

from harness import FAST_HASH, jwt_parts

THREADS = 8
KILLS = 3


def gen_of(token):
    return jwt_parts(token)[1].get("gen")


class Session:
    def __init__(self, sid, access, refresh):
        self.sid = sid
        self.access = access
        self.refresh = refresh          # the last refresh token answered
        self.gen = gen_of(refresh)
        self.rotations = []             # (presented gen, answered gen)
        self.unsettled = False          # a request after the last 200
        self.logged_out = False         # logout answered 204
        self.errors = []


class Storm:
    def __init__(self, t, s, seed):
        self.t, self.s = t, s
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.created = {}               # id -> username, answered 201
        self.sessions = []
        self.unexpected = []            # answers no rule allows
        self.counts = {"signup": 0, "login": 0, "refresh": 0, "logout": 0,
                       "no answer": 0}
        self.seed = seed

    def call(self, fn, *a, **kw):
        """An answer, or None when the connection failed (a kill)."""
        try:
            return fn(*a, **kw)
        except Exception:  # refused, reset, closed: the server is down
            with self.lock:
                self.counts["no answer"] += 1
            time.sleep(0.03)
            return None

    def count(self, what):
        with self.lock:
            self.counts[what] += 1

    def as_expected(self, what, r, status):
        """Counts answer r to what; False, noting it, when its status is
        not the one expected."""
        self.count(what)
        if r.status != status:
            self.unexpected.append((what, r.status, r.body[:80]))
            return False
        return True

    def worker(self, k):
        rnd = random.Random(self.seed * 100 + k)
        s, t = self.s, self.t
        while not self.stop.is_set():
            name, pw = t.name("crash"), t.password()
            r = self.call(s.signup, name, pw)
            if r is None:
                continue
            if not self.as_expected("signup", r, 201):
                continue
            with self.lock:
                self.created[(r.json() or {}).get("id")] = name
            r = None
            for _ in range(100):        # bounded: until a server answers
                if self.stop.is_set():
                    break
                r = self.call(s.login, name, pw)
                if r is not None:
                    break
            if r is None:
                continue
            if not self.as_expected("login", r, 200):
                continue
            j = r.json()
            sess = Session(j["session_id"], j["access_token"],
                           j["refresh_token"])
            with self.lock:
                self.sessions.append(sess)
            self.session_loop(rnd, sess)

    def session_loop(self, rnd, sess):
        s = self.s
        for _ in range(rnd.randint(5, 60)):
            if self.stop.is_set():
                return
            presented = sess.gen
            r = self.call(s.refresh, sess.refresh)
            if r is None:
                sess.unsettled = True
                continue                # the same token again, later
            self.count("refresh")
            if r.status == 200:
                j = r.json()
                sess.refresh, sess.access = j["refresh_token"], \
                    j["access_token"]
                sess.gen = gen_of(sess.refresh)
                sess.rotations.append((presented, sess.gen))
                sess.unsettled = False
                continue
            sess.unsettled = True
            if (r.status, (r.json() or {}).get("error")) != \
                    (401, "invalid_grant"):
                sess.errors.append((r.status, r.body[:80]))
            return                      # reuse or revoked: session over
        if rnd.random() < 0.3 and not sess.unsettled:
            r = self.call(s.request, "POST", "/v1/auth/logout",
                          token=sess.access)
            self.count("logout")
            if r is not None and r.status == 204:
                sess.logged_out = True
            else:
                sess.unsettled = True


def run(t):
    seed = random.randrange(1 << 30)
    rnd = random.Random(seed)
    t.say("random seed %d" % seed)
    s = t.server("crash", FAST_HASH + ["--refresh_reuse_grace=0",
                                       "--revocation_sync=1"])
    storm = Storm(t, s, seed)
    threads = [threading.Thread(target=storm.worker, args=(k,), daemon=True)
               for k in range(THREADS)]
    for th in threads:
        th.start()
    restarts = 0
    try:
        for k in range(KILLS):
            wait = rnd.uniform(0.5, 2.0)
            time.sleep(wait)
            s.stop(signal.SIGKILL, check=False)
            t.say("kill %d: SIGKILL %.2f s after the start" % (k + 1, wait))
            s.start(port=s.port)
            restarts += 1
        time.sleep(rnd.uniform(0.5, 1.0))
    finally:
        storm.stop.set()
        for th in threads:
            th.join(30)
    t.say("storm: %r; %d users created, %d sessions" % (
        storm.counts, len(storm.created), len(storm.sessions)))
    t.eq("jotd was killed %d times and restarted on the same database" %
         KILLS, restarts, KILLS)
    t.check("the storm did something between the kills (>= 10 sign-ups, "
            ">= 20 refreshes)", len(storm.created) >= 10 and
            storm.counts["refresh"] >= 20, "that many", repr(storm.counts))
    t.eq("no answer the rules do not allow during the storm",
         storm.unexpected[:5], [])

    # Every sign-up answered 201 exists.
    listed = s.users() or {}
    lost = [(i, n) for i, n in storm.created.items() if listed.get(i) != n]
    t.eq("every sign-up answered 201 (%d) is in jotd user list" %
         len(storm.created), lost[:5], [])

    # Generations: +1 per answered refresh, none honoured twice.
    bad_steps, twice = [], []
    for sess in storm.sessions:
        seen = set()
        for presented, got in sess.rotations:
            if got != presented + 1:
                bad_steps.append((sess.sid, presented, got))
            if presented in seen:
                twice.append((sess.sid, presented))
            seen.add(presented)
    t.eq("each refresh answered 200 moved its session up exactly one "
         "generation", bad_steps[:5], [])
    t.eq("no refresh token was honoured twice (refresh_reuse_grace=0)",
         twice[:5], [])
    t.eq("no refresh was answered other than 200 or 401 invalid_grant",
         [e for x in storm.sessions for e in x.errors][:5], [])

    # The last refresh token answered for each session.
    wrong, stats = [], {}
    for sess in storm.sessions:
        r = s.refresh(sess.refresh)
        err = r.error()
        if sess.logged_out and not sess.unsettled:
            ok = err == (401, "invalid_grant", "session revoked")
            kind = "logged out"
        elif not sess.unsettled:
            ok = r.status == 200 and \
                gen_of((r.json() or {}).get("refresh_token",
                                            "e30.e30.x")) == sess.gen + 1
            kind = "settled"
        else:
            ok = r.status == 200 or err in (
                (401, "invalid_grant", "refresh token reuse detected"),
                (401, "invalid_grant", "session revoked"))
            kind = "unsettled"
        key = "%s: %s" % (kind, r.status if r.status == 200 else err[2])
        stats[key] = stats.get(key, 0) + 1
        if not ok:
            wrong.append((kind, sess.sid, sess.gen, r.status, err[2]))
    t.say("last refresh tokens: %r" % stats)
    t.eq("the last refresh token answered for each session refreshes, "
         "unless a later request of it went unanswered or was refused "
         "(then: reuse or revoked); a logged-out session stays revoked",
         wrong[:5], [])
    revoked_access = [x for x in storm.sessions
                      if x.logged_out and not x.unsettled]
    still = [x.sid for x in revoked_access
             if s.verify(x.access).error()[2] != "session revoked"]
    t.eq("the access tokens of the %d sessions logged out (204) are refused "
         "as \"session revoked\" after the restarts" % len(revoked_access),
         still[:5], [])

    s.stop()
    consistency(t, s)


# What each engine can say about its own consistency after the kills.
PG_AMCHECK = [
    "CREATE EXTENSION IF NOT EXISTS amcheck",
    # Heap pages and tuples of every table: rows of corruption found.
    "SELECT c.relname, v.msg FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN LATERAL verify_heapam(c.oid) v "
    "WHERE n.nspname = 'public' AND c.relkind = 'r'",
    # Every B-tree index, with every heap tuple looked up in it (raises
    # on the first fault).
    "SELECT count(*) FROM (SELECT bt_index_check(c.oid, true) "
    "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_am a ON a.oid = c.relam "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND a.amname = 'btree') x",
]


def consistency(t, s):
    if s.engine == "sqlite":
        t.eq("PRAGMA integrity_check after %d SIGKILLs" % KILLS,
             s.sql("PRAGMA integrity_check"), [("ok",)])
    else:
        s.sql(PG_AMCHECK[0])
        t.eq("amcheck after %d SIGKILLs: no corrupt tuple in any table "
             "(verify_heapam)" % KILLS, s.sql(PG_AMCHECK[1])[:5], [])
        n = s.sql("SELECT count(*) FROM pg_indexes "
                  "WHERE schemaname = 'public'")[0][0]
        t.eq("amcheck after %d SIGKILLs: all %d indexes verify, each heap "
             "row found in them (bt_index_check)" % (KILLS, n),
             s.sql(PG_AMCHECK[2]), [(n,)])
    t.eq("after the kills: no session without its user",
         s.sql("SELECT count(*) FROM sessions WHERE user_id NOT IN "
               "(SELECT id FROM users)"), [(0,)])
    total, distinct, top = s.sql("SELECT count(*), count(DISTINCT version), "
                                 "max(version) FROM schema_version")[0]
    t.check("after the kills: each migration applied is recorded once "
            "(%d of them)" % total, total == distinct == top and total >= 1,
            "1..N once each", "%r rows, %r distinct, max %r" % (
                total, distinct, top))
