"""
Access tokens verified by independent implementations, PyJWT and node
jose, from nothing but the server's /.well-known/jwks.json.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess

import jwt  # PyJWT (Debian python3-jwt)

from harness import FAST_HASH, jwt_parts, tamper

ALGS = ["ES256", "EdDSA", "RS256", "PS256"]
HERE = os.path.dirname(os.path.abspath(__file__))
INTEROP = os.path.join(os.path.dirname(HERE), "interop")


def thumbprint(jwk):
    """RFC 7638 SHA-256 thumbprint, base64url."""
    members = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"),
               "RSA": ("e", "kty", "n")}.get(jwk.get("kty"))
    if members is None or any(m not in jwk for m in members):
        return None
    text = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"),
                      sort_keys=True)
    digest = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def pyjwt_verify(jwks, token, alg, issuer):
    kid = jwt.get_unverified_header(token).get("kid")
    key = next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None)
    if key is None:
        raise LookupError("no key %r in the JWKS" % kid)
    pk = jwt.PyJWK(key, algorithm=alg)
    return jwt.decode(token, pk.key, algorithms=[alg], audience=issuer,
                      issuer=issuer)


def ensure_jose(t):
    if os.path.exists(os.path.join(INTEROP, "node_modules", "jose",
                                   "package.json")):
        return True
    if shutil.which("npm") is None:
        return False
    p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix",
                        INTEROP], capture_output=True, timeout=300)
    if p.returncode != 0:
        t.say(p.stdout.decode(errors="replace")[-2000:])
        t.say(p.stderr.decode(errors="replace")[-2000:])
    return p.returncode == 0


def run(t):
    requests = []
    expected = {}
    for alg in ALGS:
        s = t.server("interop-" + alg, FAST_HASH + ["--alg=" + alg])
        issuer = s.issuer
        u, j = s.user()
        token = j["access_token"]
        r = s.get("/.well-known/jwks.json")
        jwks = r.json() or {}
        keys = jwks.get("keys", [])
        header, claims = jwt_parts(token)
        t.check("%s: the JWKS holds one %s key with use sig and no private "
                "part" % (alg, alg),
                len(keys) == 1 and keys[0].get("alg") == alg and
                keys[0].get("use") == "sig" and "d" not in keys[0],
                "one public %s key" % alg, repr(jwks)[:300])
        t.eq("%s: the token's kid is the key's RFC 7638 thumbprint" % alg,
             header.get("kid"), thumbprint(keys[0]) if keys else None)
        try:
            got = pyjwt_verify(jwks, token, alg, issuer)
            t.eq("%s: PyJWT verifies the access token from the JWKS" % alg,
                 got, claims)
        except Exception as e:
            t.not_ok("%s: PyJWT verifies the access token from the JWKS" %
                     alg, "the claims", "%s: %s" % (type(e).__name__, e))
        try:
            pyjwt_verify(jwks, tamper(token, 2), alg, issuer)
            t.not_ok("%s: PyJWT refuses a changed signature" % alg,
                     "InvalidSignatureError", "accepted")
        except jwt.InvalidSignatureError:
            t.ok("%s: PyJWT refuses a changed signature" % alg)
        except Exception as e:
            t.not_ok("%s: PyJWT refuses a changed signature" % alg,
                     "InvalidSignatureError", "%s: %s" % (type(e).__name__,
                                                          e))
        requests.append({"id": alg, "alg": alg, "jwks": jwks, "token": token,
                         "issuer": issuer, "audience": issuer})
        requests.append({"id": alg + "-tampered", "alg": alg, "jwks": jwks,
                         "token": tamper(token, 2), "issuer": issuer,
                         "audience": issuer})
        expected[alg] = (header, claims)
        s.stop()

    if not ensure_jose(t):
        t.not_ok("node jose is installed in tests/interop "
                 "(npm ci --prefix tests/interop)", "jose", "nothing")
        return
    p = subprocess.run(["node", os.path.join(HERE, "jose_verify.mjs")],
                       input=json.dumps(requests).encode(),
                       capture_output=True, timeout=120)
    try:
        results = {x["id"]: x for x in json.loads(p.stdout)}
    except ValueError:
        t.not_ok("node jose_verify.mjs runs", "JSON results",
                 "exit %d: %s" % (p.returncode,
                                  p.stderr.decode(errors="replace")[-500:]))
        return
    for alg in ALGS:
        x = results.get(alg, {})
        header, claims = expected[alg]
        t.eq("%s: node jose verifies the access token from the JWKS "
             "(createLocalJWKSet + jwtVerify, typ at+jwt)" % alg,
             (x.get("ok"), x.get("header"), x.get("payload"), x.get("error")),
             (True, header, claims, None))
        x = results.get(alg + "-tampered", {})
        t.check("%s: node jose refuses a changed signature" % alg,
                x.get("ok") is False and "SIGNATURE" in x.get("error", ""),
                "a signature failure", repr(x))
