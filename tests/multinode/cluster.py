"""
cluster.py - deploy/cluster.sh from Python: a cluster of jotd nodes on
PostgreSQL behind nginx, with harness.Server objects that speak HTTP to
the nodes and to nginx (they start no process of their own).
"""

import os
import subprocess
import threading

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(ROOT, "deploy", "cluster.sh")


def parse_env(text):
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out[k.strip()] = v.strip()
    return out


class Cluster:
    def __init__(self, t, directory, nodes=3, standby=True, pgbouncer=False,
                 flags=()):
        self.t = t
        self.dir = directory
        self.n = nodes
        self.standby = standby
        self.pgbouncer = pgbouncer
        self.flags = list(flags)
        self.info = {}
        self.nodes = []
        self.nginx = None
        self.started = False

    def sh(self, *args, timeout=120):
        p = subprocess.run(["bash", SCRIPT] + list(args), capture_output=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))

    def start(self):
        args = ["start", self.dir, "--nodes", str(self.n),
                "--jotd", self.t.jotd]
        if not self.standby:
            args.append("--no-standby")
        if self.pgbouncer:
            args.append("--pgbouncer")
        self.started = True         # stop() cleans up a half start too
        rc, out, err = self.sh(*(args + ["--"] + self.flags), timeout=300)
        if rc != 0:
            raise harness.StartError("cluster.sh start: exit %d: %s" %
                                     (rc, err.strip()[-2000:]))
        self.info = parse_env(out)
        self.nodes = []
        for i in range(1, self.n + 1):
            s = harness.Server(self.t, "node " + chr(ord("A") + i - 1), [], {},
                               self.dir,
                               self.info["DB_URL"])
            s.port = int(self.info["NODE%d_PORT" % i])
            self.nodes.append(s)
        self.nginx = harness.Server(self.t, "nginx", [], {}, self.dir,
                                    self.info["DB_URL"])
        self.nginx.port = int(self.info["NGINX_PORT"])
        return self

    def stop(self):
        if not self.started:
            return 0
        self.started = False
        rc, _, err = self.sh("stop", self.dir)
        if rc != 0:
            self.t.say("cluster.sh stop: " + err.strip())
        return rc

    def node_logs(self):
        """(name, text) of every node's log, while the cluster runs."""
        out = []
        for i in range(1, self.n + 1):
            p = os.path.join(self.dir, "node%d" % i, "jotd.log")
            try:
                with open(p, encoding="utf-8", errors="replace") as f:
                    out.append(("node%d" % i, f.read()))
            except OSError:
                pass
        return out

    def nginx_log(self, offset=0):
        """nginx's access log from offset: (its lines, the new end)."""
        p = os.path.join(self.dir, "nginx", "access.log")
        with open(p, "rb") as f:
            f.seek(offset)
            data = f.read()
        return (data.decode("utf-8", "replace").splitlines(),
                offset + len(data))

    # -- faults -------------------------------------------------------

    def node_kill(self, i, sig="KILL"):
        rc, out, err = self.sh("node-kill", self.dir, str(i), sig)
        return rc == 0

    def node_start(self, i, flags=()):
        rc, out, err = self.sh("node-start", self.dir, str(i), "--",
                               *flags)
        if rc != 0:
            raise harness.StartError("node-start %d: %s" % (i, err.strip()))
        return True

    def restart_nodes(self, flags=()):
        """Every node stopped (SIGTERM) and started again with flags on
        top of the cluster's, all at once."""
        def one(i, res):
            try:
                self.node_kill(i, "TERM")
                res[i] = self.node_start(i, flags)
            except Exception as e:  # reported by the caller
                res[i] = e
        res = {}
        ths = [threading.Thread(target=one, args=(i, res))
               for i in range(1, self.n + 1)]
        for th in ths:
            th.start()
        for th in ths:
            th.join(120)
        return all(v is True for v in res.values()) and len(res) == self.n

    def primary_kill(self):
        rc, out, err = self.sh("primary-kill", self.dir)
        return rc == 0

    def promote(self):
        rc, out, err = self.sh("promote", self.dir, timeout=60)
        return rc == 0

    # -- the database -------------------------------------------------

    def sql(self, query):
        """Rows of a query on the read-write server, as lists of str."""
        p = subprocess.run([harness.psql(), "-X", "-q", "-t", "-A", "-F",
                            "\t", "-v", "ON_ERROR_STOP=1", "-d",
                            self.info["ADMIN_DB_URL"], "-c", query],
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("psql: " + p.stderr.decode("utf-8",
                                                          "replace"))
        return [l.split("\t") for l in
                p.stdout.decode("utf-8").splitlines() if l]

    def pgbouncer_show(self, what):
        """SHOW what on pgbouncer's console: a list of {column: value}."""
        url = "postgresql://%s@127.0.0.1:%s/pgbouncer" % (
            self.info["PG_USER"], self.info["PGBOUNCER_PORT"])
        p = subprocess.run([harness.psql(), "-X", "-q", "-A", "-F", "\t",
                            "-P", "footer=off", "-d", url, "-c",
                            "SHOW " + what], capture_output=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("psql: " + p.stderr.decode("utf-8",
                                                          "replace"))
        lines = p.stdout.decode("utf-8").splitlines()
        head = lines[0].split("\t") if lines else []
        return [dict(zip(head, l.split("\t"))) for l in lines[1:] if l]

    def session_gens(self, sids):
        """{session id: (gen, revoked_at)} of the sessions given."""
        if not sids:
            return {}
        q = ("SELECT id, gen, revoked_at FROM sessions WHERE id IN (%s)" %
             ",".join("'%s'" % s for s in sids
                      if harness.UUID_RE.match(s)))
        return {r[0]: (int(r[1]), int(r[2])) for r in self.sql(q)}

    def cli(self, args):
        """jotd ARGS against the database, with the cluster's secret."""
        return self.t.cli(args + ["--db=" + self.info["ADMIN_DB_URL"],
                                  "--secret_file=" +
                                  self.info["SECRET_FILE"]],
                          env=self.t.env(secret=False))
