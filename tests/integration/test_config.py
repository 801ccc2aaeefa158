"""
Configuration refusals: jotd exits non-zero with a one-line message
naming the problem, and --print-config never shows the secret.
"""

import os
import re
import secrets
import socket
import subprocess
import urllib.parse

import harness


def refused(t, name, args, words, tmp, env=None):
    """Runs jotd ARGS, which must exit non-zero with one line on stderr
    that contains one of words."""
    try:
        rc, out, err = t.cli(args, env=env or t.env(), cwd=tmp, timeout=20)
    except subprocess.TimeoutExpired:
        t.not_ok("%s: jotd exits" % name, "an exit",
                 "still running after 20 s")
        return
    lines = [l for l in err.splitlines() if l.strip()]
    t.check("%s: exits non-zero" % name, rc != 0, "a non-zero status",
            repr(rc))
    t.check("%s: one line on stderr naming the problem" % name,
            len(lines) == 1 and any(w in lines[0] for w in words),
            "one line containing one of %r" % (words,), repr(err))


def unusable_database(t, tmp, url):
    """A database jotd cannot open, in each engine's terms."""
    listen = "--listen=127.0.0.1:%d" % harness.free_port()
    if t.engine == "sqlite":
        refused(t, "--db in an unreadable place",
                [listen, "--db=sqlite:/proc/nope/jot.db"],
                ["/proc/nope/jot.db"], tmp)
        return
    t.skip("--db=sqlite: in an unreadable place", "a SQLite file")
    u = urllib.parse.urlsplit(url)
    gone = urllib.parse.urlunsplit(u._replace(path="/no_such_database"))
    refused(t, "--db naming a PostgreSQL database that does not exist",
            [listen, "--db=" + gone], ["no_such_database"], tmp)
    port = harness.free_port()
    nobody = urllib.parse.urlunsplit(u._replace(
        netloc="%s@127.0.0.1:%d" % (u.username, port)))
    refused(t, "--db at a port where no PostgreSQL listens",
            [listen, "--db=" + nobody], [str(port)], tmp)


def run(t):
    tmp = t.tmpdir("config")
    url = t.database("config", tmp)
    db = "--db=" + url

    refused(t, "unknown flag", ["--no_such_key=1", db],
            ["no_such_key"], tmp)
    # A mistyped key after a subcommand or --print-config is refused too,
    # naming it: running with the defaults would be a silent hole.
    for args, word in ((["serve", "--acess_ttl=5"], "--acess_ttl"),
                       (["--print-config", "--bogus=1"], "--bogus"),
                       (["serve", "--trusted-proxy=10.0.0.0/8"],
                        "--trusted-proxy"),
                       (["user", "add", "--bogus"], "--bogus"),
                       (["user", "list", "--bogus=1"], "--bogus"),
                       (["serve", "stray"], "stray")):
        refused(t, "jotd " + " ".join(args), args + [db], [word], tmp)
    rc, out, err = t.cli(["--version"], env=t.env(), cwd=tmp)
    t.check("jotd --version: exit 0, one line 'jotd X.Y.Z'",
            rc == 0 and err == "" and
            re.fullmatch(r"jotd \d+\.\d+\.\d+\n", out) is not None,
            "0 and 'jotd X.Y.Z'", "%r %r %r" % (rc, out, err))
    refused(t, "--access_ttl=abc", ["--access_ttl=abc", db],
            ["access_ttl"], tmp)
    refused(t, "--alg=HS257", ["--alg=HS257", db], ["HS257", "alg"], tmp)
    refused(t, "--registration=sometimes", ["--registration=sometimes", db],
            ["registration"], tmp)

    # A port already in use.
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        refused(t, "--listen on a port in use",
                ["--listen=127.0.0.1:%d" % port, db],
                [str(port), "in use"], tmp)
    finally:
        holder.close()

    unusable_database(t, tmp, url)

    # --print-config masks the secret, from a flag or the environment.
    secret = secrets.token_hex(20)          # 40 characters
    t.secrets.add(secret)
    rc, out, err = t.cli(["--print-config", "--secret=" + secret, db],
                         env=t.env(secret=False), cwd=tmp)
    t.eq("--print-config --secret=...: exits 0", rc, 0)
    t.check("--print-config --secret=...: the secret is not printed",
            secret not in out and secret not in err, "no secret", repr(out))
    t.check("--print-config --secret=...: the secret shows as ********",
            "********" in out, "a line with ********", repr(out))
    env = t.env(secret=False)
    env["JOTD_SECRET"] = secret
    rc, out, err = t.cli(["--print-config", db], env=env, cwd=tmp)
    t.check("--print-config with JOTD_SECRET: exits 0, secret masked",
            rc == 0 and secret not in out + err and "********" in out,
            "status 0 and ********", "%r %r" % (rc, out))
    t.check("--print-config: shows the effective values",
            "access_ttl" in out and "900" in out, "access_ttl = 900",
            repr(out))

    # Lifetimes take any value from 1 s, so that expiry can be tested
    # quickly; under 60 s the log warns, once per lifetime.
    refused(t, "--refresh_ttl=0", ["--refresh_ttl=0", db],
            ["refresh_ttl"], tmp)
    s = t.server("config-short-ttl", harness.FAST_HASH + [
        "--access_ttl=1", "--refresh_ttl=2", "--session_max_age=3"])
    u, lr = s.user()
    t.eq("access_ttl=1, refresh_ttl=2, session_max_age=3: login's "
         "expires_in, refresh_expires_in",
         (lr.get("expires_in"), lr.get("refresh_expires_in")), (1, 2))
    warned = [l for l in s.log().splitlines() if "warning:" in l]
    for key, v in (("access_ttl", 1), ("refresh_ttl", 2),
                   ("session_max_age", 3)):
        t.check("%s = %d: the log warns, naming it" % (key, v),
                sum(("%s = %d s" % (key, v)) in l for l in warned) == 1,
                "one warning line", repr(warned))
    s.stop()
    d = t.server("config-default-ttl", harness.FAST_HASH)
    d.stop()
    t.check("default lifetimes: no warning",
            "warning:" not in d.log(), "none", repr(d.log()))
