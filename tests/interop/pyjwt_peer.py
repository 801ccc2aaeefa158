#!/usr/bin/python3
"""PyJWT side of the jot interoperability tests.

  pyjwt_peer.py sign ALG JWK_FILE CLAIMS_JSON     prints a compact token
  pyjwt_peer.py verify ALG PUBLIC_JWK_FILE TOKEN  prints the claims, exit 0,
                                                  or the reason, exit 1
  pyjwt_peer.py same JSON_A JSON_B                exit 0 when both texts hold
                                                  the same JSON value
  pyjwt_peer.py batch                             runs one of the commands
                                                  above per line of stdin

In batch mode each input line is a command with its arguments separated by
tabs, and each output line is the command's exit status, a tab, and what it
printed (on one line).  One process then serves a whole test run.

Keys are JWKs as written by `jot keygen`.  Verification is strict: only ALG
is accepted, the key must be of the type ALG needs, the JWK's own "alg"
must agree, and exp/nbf/iat are checked.  The audience is not checked (the
caller compares the claims instead).  Exit status 2 means a usage error.
"""
import json
import sys

import jwt
from jwt.algorithms import get_default_algorithms

ALGS = get_default_algorithms()


class Usage(Exception):
    pass


def load_key(alg, path):
    if alg not in ALGS or alg == "none":
        raise Usage(f"unsupported algorithm {alg}")
    with open(path, encoding="utf-8") as f:
        jwk = json.load(f)
    if "alg" in jwk and jwk["alg"] != alg:
        raise ValueError(f"key is for {jwk['alg']}, not {alg}")
    return jwk, ALGS[alg].from_jwk(jwk)


def cmd_sign(alg, jwk_file, claims_json):
    jwk, key = load_key(alg, jwk_file)
    headers = {"kid": jwk["kid"]} if "kid" in jwk else None
    return jwt.encode(json.loads(claims_json), key, algorithm=alg,
                      headers=headers)


def cmd_verify(alg, jwk_file, token):
    _, key = load_key(alg, jwk_file)
    claims = jwt.decode(token, key, algorithms=[alg],
                        options={"verify_aud": False})
    return json.dumps(claims, separators=(",", ":"))


def same(a, b):
    """Equality that also tells 1 from 1.0 and true from 1."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return a == b


def cmd_same(a, b):
    if not same(json.loads(a), json.loads(b)):
        raise ValueError(f"{a} != {b}")
    return "same"


COMMANDS = {
    "sign": (cmd_sign, 3, 2),       # function, arguments, exit on failure
    "verify": (cmd_verify, 3, 1),
    "same": (cmd_same, 2, 1),
}


def run(argv):
    """Runs one command; returns (exit status, text to print)."""
    if not argv or argv[0] not in COMMANDS:
        return 2, "usage: pyjwt_peer.py sign|verify|same|batch ARGS"
    func, n_args, status = COMMANDS[argv[0]]
    if len(argv) != n_args + 1:
        return 2, f"{argv[0]}: expected {n_args} arguments"
    try:
        return 0, func(*argv[1:])
    except Usage as e:
        return 2, f"{argv[0]}: {e}"
    except Exception as e:  # any failure of PyJWT or of the input
        return status, f"{argv[0]}: {type(e).__name__}: {e}"


def main():
    if sys.argv[1:] == ["batch"]:
        for line in sys.stdin:
            status, text = run(line.rstrip("\n").split("\t"))
            print(f"{status}\t{' '.join(text.splitlines())}")
        return 0
    status, text = run(sys.argv[1:])
    print(text, file=sys.stdout if status == 0 else sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
