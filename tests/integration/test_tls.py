"""
TLS: jotd serves tls_cert and tls_key itself, and a SIGHUP reads them
again, so that a renewed certificate needs no restart.  A pair that
cannot be used (a key that is not the certificate's, a file that is not
PEM, a file gone) is refused at start, and on reload is logged with the
reason while the pair in use stays.  The pairs are self-signed, made by
the openssl command line here.
"""

import http.client
import os
import shutil
import signal
import ssl
import subprocess
import time

import harness
from harness import FAST_HASH


def make_pair(t, d, name):
    """A self-signed EC certificate for 127.0.0.1 and its key: paths
    (cert, key) and the certificate in DER."""
    cert = os.path.join(d, name + "-cert.pem")
    key = os.path.join(d, name + "-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=jot test " + name,
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    with open(cert, encoding="ascii") as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return cert, key, der


def context(cafile):
    """A client context that trusts only cafile, checking the name."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = True
    return ctx


def fetch(s, ctx, conn=None):
    """GET /healthz over TLS: (status, the server's certificate in DER),
    or (the exception's name, None)."""
    own = conn is None
    try:
        c = conn or http.client.HTTPSConnection("127.0.0.1", s.port,
                                                timeout=10, context=ctx)
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        der = c.sock.getpeercert(binary_form=True)
        if own:
            c.close()
        return r.status, der
    except (ssl.SSLError, OSError, http.client.HTTPException) as e:
        return type(e).__name__, None


def hup(s, marker):
    """Sends SIGHUP and waits (at most 10 s) for a new log line holding
    marker: that line, or None."""
    seen = len(s.lines)
    s.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in s.lines[seen:]:
            if marker in line:
                return line
        time.sleep(0.05)
    return None


def put(src, dst):
    """Replaces dst by a copy of src in one rename, as a renewal tool
    would."""
    shutil.copyfile(src, dst + ".new")
    os.replace(dst + ".new", dst)


def run(t):
    tmp = t.tmpdir("tls")
    keys = os.path.join(tmp, "keys")
    os.mkdir(keys)
    a_cert, a_key, a_der = make_pair(t, keys, "a")
    b_cert, b_key, b_der = make_pair(t, keys, "b")
    cert = os.path.join(tmp, "cert.pem")
    key = os.path.join(tmp, "key.pem")
    put(a_cert, cert)
    put(a_key, key)
    trust = os.path.join(tmp, "trust.pem")          # both, for the client
    with open(trust, "w", encoding="ascii") as f:
        for p in (a_cert, b_cert):
            with open(p, encoding="ascii") as g:
                f.write(g.read())
    ctx = context(trust)

    # A key that is not the certificate's is refused at start.
    r = t.server("tls-mismatch", FAST_HASH + ["--tls_cert=" + a_cert,
                                              "--tls_key=" + b_key],
                 start=False)
    try:
        r.start()
        t.not_ok("cert a with key b at start: refused", "an exit",
                 "it started")
        r.stop(check=False)
    except harness.StartError as e:
        t.check("cert a with key b at start: refused, naming the files",
                a_cert in str(e) and b_key in str(e), "both paths",
                repr(str(e)[-300:]))

    s = t.server("tls", FAST_HASH + ["--tls_cert=" + cert,
                                     "--tls_key=" + key])
    t.check("the issuer is https", (s.issuer or "").startswith("https://"),
            "https://...", repr(s.issuer))
    t.eq("pair a: GET /healthz over TLS -> 200 with certificate a",
         fetch(s, ctx), (200, a_der))
    plain = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    try:
        plain.request("GET", "/healthz")
        got = plain.getresponse().status
    except (OSError, http.client.HTTPException) as e:
        got = type(e).__name__
    finally:
        plain.close()
    t.check("plain HTTP on the TLS port is not answered 200", got != 200,
            "no 200", repr(got))

    # A connection opened before the reload keeps its session.
    kept = http.client.HTTPSConnection("127.0.0.1", s.port, timeout=10,
                                       context=ctx)
    t.eq("a kept-alive connection: 200 with certificate a", fetch(s, ctx,
                                                                   kept),
         (200, a_der))

    put(b_cert, cert)
    put(b_key, key)
    line = hup(s, "TLS certificate and key")
    t.check("pair b in place, SIGHUP: the log says reloaded",
            line is not None and "reloaded" in line, "reloaded",
            repr(line))
    t.eq("after the reload: a new connection gets certificate b",
         fetch(s, ctx), (200, b_der))
    t.eq("after the reload: the connection opened before still answers",
         fetch(s, ctx, kept), (200, a_der))
    kept.close()

    # Bad pairs: each is logged with why, and pair b stays.
    with open(os.path.join(keys, "junk.pem"), "w", encoding="ascii") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
                "-----END CERTIFICATE-----\n")
    bad = [("certificate a with key b", a_cert, b_key, [cert, key]),
           ("a certificate that is not PEM", os.path.join(keys, "junk.pem"),
            b_key, [cert]),
           ("an empty key file", b_cert, os.devnull, [key]),
           ("the key file gone", b_cert, None, [key])]
    for what, c, k, named in bad:
        put(c, cert)
        if k is None:
            os.unlink(key)
        else:
            put(k, key)
        line = hup(s, "TLS certificate and key")
        t.check("%s, SIGHUP: the log says kept and why, naming %s" %
                (what, ", ".join(os.path.basename(n) for n in named)),
                line is not None and "kept" in line and
                all(n in line for n in named), "kept: <reason>",
                repr(line))
        t.eq("%s: still certificate b, 200" % what, fetch(s, ctx),
             (200, b_der))
        t.check("%s: still running" % what, s.running(), "running",
                "exited")

    # A good pair again is taken.
    put(a_cert, cert)
    put(a_key, key)
    line = hup(s, "TLS certificate and key")
    t.check("pair a back, SIGHUP: reloaded", line is not None and
            "reloaded" in line, "reloaded", repr(line))
    t.eq("pair a back: certificate a", fetch(s, ctx), (200, a_der))
    s.stop()

    # Without TLS a SIGHUP says nothing of certificates.
    p = t.server("tls-off", FAST_HASH)
    line = hup(p, "configuration reloaded")
    time.sleep(0.2)
    t.check("no TLS: SIGHUP reloads the configuration, no TLS line",
            line is not None and "TLS" not in p.log(), "no TLS line",
            repr(p.log()[-300:]))
    p.stop()
