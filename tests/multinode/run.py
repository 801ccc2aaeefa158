"""
run.py - the multi-node suite: a cluster from deploy/cluster.sh (three
jotd nodes behind nginx, one PostgreSQL primary with a synchronous
standby), and the groups test_cluster, test_propagation and test_faults
against it.  Checks are counted by tests/integration/harness.py.

    /usr/bin/python3 tests/multinode/run.py BUILD_DIR direct|pgbouncer
                                            [GROUP...]

"pgbouncer" connects the nodes through pgbouncer in transaction mode and
leaves out the faults (pgbouncer points at one host).  The cluster is
stopped and its directory removed at the end, also after a failure or a
signal.  The last line is "N passed, M failed".  $JOT_NODE_FLAGS (words)
reaches every node through deploy/cluster.sh, before the suite's own
flags (which win): JOT_NODE_FLAGS=--db_listen=on runs it with that key.
"""

import importlib
import os
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import cluster  # noqa: E402

SYNC = 1                    # --revocation_sync
KEY_SYNC = 1                # --key_sync
FLAGS = harness.FAST_HASH + [harness.NO_SIGNUP_LIMIT,
                             "--revocation_sync=%d" % SYNC,
                             "--key_sync=%d" % KEY_SYNC]
GROUPS = ["cluster", "propagation", "faults"]


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def main(argv):
    if len(argv) < 3 or argv[2] not in ("direct", "pgbouncer"):
        print("usage: run.py BUILD_DIR direct|pgbouncer [GROUP...]",
              file=sys.stderr)
        return 2
    mode = argv[2]
    groups = argv[3:] or GROUPS
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    t = harness.Tester(argv[1])
    if not os.access(t.jotd, os.X_OK):
        t.not_ok("%s exists" % t.jotd, "an executable", "nothing")
        print("%d passed, %d failed" % (t.passed, t.failed))
        return 1
    # The cluster's user (not root) must reach DIR inside it.
    parent = tempfile.mkdtemp(prefix="jot-multinode-")
    os.chmod(parent, 0o755)
    d = os.path.join(parent, "cluster")
    c = cluster.Cluster(t, d, nodes=3, standby=True,
                        pgbouncer=(mode == "pgbouncer"), flags=FLAGS)
    c.sync, c.key_sync = SYNC, KEY_SYNC
    t.say("== multinode %s" % mode)
    try:
        t0 = time.monotonic()
        try:
            c.start()
            t.ok("%s: a cluster of 3 nodes, nginx, a primary and a "
                 "synchronous standby starts" % mode)
        except Exception as e:
            t.not_ok("%s: the cluster starts" % mode, "started",
                     harness.short(str(e), 2000))
            return 1
        t.say("cluster up in %.1f s: nginx %s, nodes %s" % (
            time.monotonic() - t0, c.info.get("NGINX_URL"),
            " ".join(c.info.get("NODE%d_URL" % i, "?") for i in (1, 2, 3))))
        for g in groups:
            if g == "faults" and mode == "pgbouncer":
                t.say("faults: not through pgbouncer, which points at one "
                      "host and does not follow a promoted standby")
                continue
            t.say("== %s (%s)" % (g, mode))
            t.group = g
            t0 = time.monotonic()
            try:
                importlib.import_module("test_" + g).run(t, c)
            except Interrupted:
                raise
            except Exception as e:  # a broken group must not stop the rest
                t.not_ok("%s %s: the group runs to its end" % (mode, g),
                         "no exception", "%s: %s" % (
                             type(e).__name__, harness.short(str(e), 400)))
                t.say(traceback.format_exc())
            t.say("%s took %.1f s" % (g, time.monotonic() - t0))
        logs = c.node_logs()
        leaked = ["%s: %s..." % (n, s[:12]) for n, text in logs
                  for s in t.secrets if s in text]
        t.eq("%s: no password or token appears in the %d node logs "
             "(%d values searched)" % (mode, len(logs), len(t.secrets)),
             leaked[:5], [])
    except Interrupted as e:
        t.not_ok("%s: the suite runs to its end" % mode, "no signal",
                 str(e))
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if t.failed:
            for name, text in c.node_logs():
                tail = text.splitlines()[-15:]
                t.say("%s log, last lines:\n%s" % (name, "\n".join(tail)))
        rc = c.stop()
        t.check("%s: cluster.sh stop leaves no directory behind" % mode,
                rc == 0 and not os.path.exists(d), "removed",
                "exit %d, exists=%s" % (rc, os.path.exists(d)))
        try:
            os.rmdir(os.path.dirname(d))
        except OSError:
            pass
        t.cleanup()
        print("%d passed, %d failed" % (t.passed, t.failed))
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
