"""
run.py - runs the jotd black-box suite: every test_*.py module of this
directory, found by its name and run in name order, then one check over
every server log.

    /usr/bin/python3 tests/integration/run.py BUILD_DIR [GROUP...]

GROUP is a module name without "test_" (e.g. "refresh"); the default is
all of them.  Set JOT_INTEG_KEEP=1 to keep the temporary directories
(databases and server logs); they are kept anyway when a check fails.
"""

import importlib
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


def discover_groups():
    """Every test_NAME.py of this directory, as NAME, sorted by name.

    No group depends on another having run: each starts its own servers
    in its own temporary directories, and the one check that spans them
    all (secrets_check, over every log) runs after the last group.  So
    the order is only made fixed, for comparable runs, not meaningful.
    A group that comes to need another first says so here, by name."""
    return sorted(f[len("test_"):-len(".py")] for f in os.listdir(HERE)
                  if f.startswith("test_") and f.endswith(".py"))


GROUPS = discover_groups()


def secrets_check(t):
    leaked = []
    for name, text in t.logs:
        for s in t.secrets:
            if s in text:
                leaked.append("%s: %s..." % (name, s[:12]))
    t.eq("no password, token or server secret appears in any of the "
         "%d jotd logs (%d values searched)" % (len(t.logs), len(t.secrets)),
         leaked[:5], [])


def main(argv):
    if len(argv) < 2:
        print("usage: run.py BUILD_DIR [GROUP...]", file=sys.stderr)
        return 2
    t = harness.Tester(argv[1])
    groups = argv[2:] or GROUPS
    started = time.monotonic()
    if not os.access(t.jotd, os.X_OK):
        t.not_ok("%s exists" % t.jotd, "an executable", "nothing")
        print("%d passed, %d failed" % (t.passed, t.failed))
        return 1
    try:
        for g in groups:
            t0 = time.monotonic()
            t.say("== %s" % g)
            t.group = g
            try:
                mod = importlib.import_module("test_" + g)
                mod.run(t)
            except Exception as e:  # a broken group must not stop the rest
                t.not_ok("%s: the group runs to its end" % g,
                         "no exception",
                         "%s: %s" % (type(e).__name__,
                                     harness.short(str(e), 400)))
                t.say(traceback.format_exc())
            finally:
                t.stop_all()
            t.say("%s took %.1f s" % (g, time.monotonic() - t0))
        secrets_check(t)
    finally:
        keep = t.failed > 0 or os.environ.get("JOT_INTEG_KEEP") == "1"
        t.cleanup(keep=keep)
    t.say("integration suite took %.1f s" % (time.monotonic() - started))
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
