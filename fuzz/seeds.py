#!/usr/bin/python3
"""Writes fuzzing seeds made from the test vectors.

    seeds.py VECTORS_DIR OUT_DIR [CONFIG_EXAMPLE]

For each harness NAME, OUT_DIR/NAME/ gets one file per distinct seed,
named after its SHA-1:
  verify     every RFC compact token and every hostile token
  jwk        every JWK of the RFC files and the hostile file, those of
             the first groups of each Wycheproof file (public and
             private), and HMAC keys made from Wycheproof keys
  jwks       the RFC 7517 sets, the hostile keys as a set, a few keys of
             each Wycheproof file as a set
  b64url     every segment of those tokens, every string member of
             those keys
  pem        the PEM keys of the first Wycheproof groups of each file,
             and the RFC keys as PEM (PKCS#1,
             PKCS#8, SEC 1, SPKI) when python3-cryptography is there
  json_body  the headers and payloads of those tokens, the JWKs
  config     CONFIG_EXAMPLE (jotd.conf.example) as it is, and with every
             setting uncommented
The hand-made seeds are in fuzz/seeds/NAME/; the vectors stay where they
are.
"""
import base64
import glob
import hashlib
import json
import os
import re
import sys

MAX_LEN = 16384  # the harnesses' -max_len
PER_FILE = 8     # Wycheproof key groups taken from each file


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class Seeds:
    def __init__(self, out):
        self.out = out
        self.count = {}

    def add(self, name, data):
        if isinstance(data, str):
            data = data.encode()
        if len(data) > MAX_LEN:
            return
        d = os.path.join(self.out, name)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, hashlib.sha1(data).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.count[name] = self.count.get(name, 0) + 1


def is_jwk(v):
    return isinstance(v, dict) and isinstance(v.get("kty"), str)


def walk_jwks(v):
    """Every JWK inside v, however deep."""
    if is_jwk(v):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from walk_jwks(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk_jwks(x)


def add_token(seeds, tok):
    seeds.add("verify", tok)
    for seg in tok.split("."):
        if not seg:
            continue
        seeds.add("b64url", seg)
        try:
            seeds.add("json_body", b64d(seg))
        except ValueError:
            pass


def add_jwk(seeds, jwk):
    seeds.add("jwk", compact(jwk))
    seeds.add("json_body", compact(jwk))
    for v in jwk.values():
        if isinstance(v, str) and len(v) > 1:
            seeds.add("b64url", v)


def pem_seeds(seeds, jwks):
    """The RFC keys as PEM, in every form jot_key_from_pem takes."""
    try:
        from cryptography.hazmat.primitives import serialization as ser
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    except ImportError:
        return
    enc = ser.Encoding.PEM
    none = ser.NoEncryption()
    for jwk in jwks:
        n = lambda m: int.from_bytes(b64d(jwk[m]), "big")
        try:
            if jwk["kty"] == "RSA":
                pub = rsa.RSAPublicNumbers(n("e"), n("n"))
                if "p" in jwk:
                    priv = rsa.RSAPrivateNumbers(
                        n("p"), n("q"), n("d"), n("dp"), n("dq"), n("qi"),
                        pub).private_key()
                    for fmt in (ser.PrivateFormat.PKCS8,
                                ser.PrivateFormat.TraditionalOpenSSL):
                        seeds.add("pem", priv.private_bytes(enc, fmt, none))
                key = pub.public_key()
                seeds.add("pem", key.public_bytes(
                    enc, ser.PublicFormat.SubjectPublicKeyInfo))
                seeds.add("pem", key.public_bytes(enc,
                                                  ser.PublicFormat.PKCS1))
            elif jwk["kty"] == "EC":
                curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(),
                         "P-521": ec.SECP521R1()}[jwk["crv"]]
                pub = ec.EllipticCurvePublicNumbers(n("x"), n("y"), curve)
                if "d" in jwk:
                    priv = ec.EllipticCurvePrivateNumbers(
                        n("d"), pub).private_key()
                    for fmt in (ser.PrivateFormat.PKCS8,
                                ser.PrivateFormat.TraditionalOpenSSL):
                        seeds.add("pem", priv.private_bytes(enc, fmt, none))
                seeds.add("pem", pub.public_key().public_bytes(
                    enc, ser.PublicFormat.SubjectPublicKeyInfo))
            elif jwk["kty"] == "OKP" and jwk.get("crv") == "Ed25519":
                if "d" in jwk:
                    priv = ed25519.Ed25519PrivateKey.from_private_bytes(
                        b64d(jwk["d"]))
                    seeds.add("pem", priv.private_bytes(
                        enc, ser.PrivateFormat.PKCS8, none))
                pub = ed25519.Ed25519PublicKey.from_public_bytes(
                    b64d(jwk["x"]))
                seeds.add("pem", pub.public_bytes(
                    enc, ser.PublicFormat.SubjectPublicKeyInfo))
        except (KeyError, ValueError):
            continue


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: seeds.py VECTORS_DIR OUT_DIR [CONFIG_EXAMPLE]")
    vec, out = sys.argv[1], sys.argv[2]
    seeds = Seeds(out)
    if len(sys.argv) == 4:
        with open(sys.argv[3], "rb") as f:
            example = f.read()
        seeds.add("config", example)
        seeds.add("config", re.sub(rb"(?m)^#([a-z])", rb"\1", example))
    rfc_jwks = []

    for path in sorted(glob.glob(os.path.join(vec, "rfc", "*.json"))):
        with open(path) as f:
            d = json.load(f)
        if isinstance(d.get("compact"), str):
            add_token(seeds, d["compact"])
        for jwk in walk_jwks(d):
            add_jwk(seeds, jwk)
            rfc_jwks.append(jwk)
        for s in d.get("sets", {}).values():
            seeds.add("jwks", compact(s))
    seeds.add("jwks", compact({"keys": rfc_jwks}))

    with open(os.path.join(vec, "hostile", "jws_hostile.json")) as f:
        hostile = json.load(f)
    for case in hostile["cases"]:
        add_token(seeds, case["token"])
    hostile_keys = []
    for kid, jwk in hostile["keys"].items():
        jwk = dict(jwk, kid=jwk.get("kid", kid))
        add_jwk(seeds, jwk)
        hostile_keys.append(jwk)
    seeds.add("jwks", compact({"keys": hostile_keys}))

    for path in sorted(glob.glob(os.path.join(vec, "wycheproof", "*.json"))):
        with open(path) as f:
            d = json.load(f)
        in_file = []
        # The keys of one file differ in their numbers, not in what
        # libjot does with them: a few of each file are enough.
        for i, g in enumerate(d["testGroups"][:PER_FILE]):
            for m in ("publicKeyJwk", "privateKeyJwk", "keyJwk"):
                if is_jwk(g.get(m)):
                    add_jwk(seeds, g[m])
                    in_file.append(g[m])
            for m in ("publicKeyPem", "privateKeyPem", "keyPem"):
                if isinstance(g.get(m), str) and i < PER_FILE // 2:
                    seeds.add("pem", g[m])
            if d.get("algorithm", "").startswith("HMAC"):
                # A few keys of each size as oct JWKs, short ones too.
                for t in g["tests"][:3]:
                    add_jwk(seeds, {"kty": "oct",
                                    "k": b64e(bytes.fromhex(t["key"]))})
        if in_file:
            seeds.add("jwks", compact({"keys": in_file[:8]}))

    pem_seeds(seeds, rfc_jwks)
    for name in sorted(seeds.count):
        print("seeds: %s: %d" % (name, seeds.count[name]))


if __name__ == "__main__":
    main()
