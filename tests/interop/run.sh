#!/bin/sh
# Interoperability of jot with two independent JWT implementations, PyJWT
# (Debian python3-jwt) and node `jose` (pinned in package-lock.json here).
#
#   sh tests/interop/run.sh BUILD_DIR
#
# For every algorithm, jot makes a key (jot keygen) and a token (jot sign);
# then, for each peer:
#   1. the peer verifies jot's token and gets back the claims jot signed;
#   2. the peer signs the same claims with the same key, and
#      `jot verify --key PUBLIC_JWK` accepts it with the same claims;
#   3. a token with one character changed in its header, its payload or its
#      signature is refused: jot's by the peer, the peer's by jot (exit 1).
# A "refused" check passes only when the untouched token was accepted.
#
# Each peer runs once, with every request on its stdin (see the peers'
# "batch" command), and one more Python process compares all the claims, so
# few interpreters start.  node and npm are required: without them the
# suite fails, it does not skip.
set -u
B=${1:?usage: tests/interop/run.sh BUILD_DIR}
JOT=$B/jot
HERE=$(dirname "$0")
PY=/usr/bin/python3
export PYTHONUTF8=1
ALGS="HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512
ES256 ES384 ES512 EdDSA"
ISS=https://issuer.example
AUD=interop

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() {
    pass=$((pass + 1))
    printf 'ok - %s\n' "$*"
}
not_ok() {
    fail=$((fail + 1))
    printf 'not ok - %s\n' "$*"
}
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}

# Changes the character in the middle of segment $2 (1-3) of token $1 to
# its neighbour in the base64url alphabet (A<->B, C<->D, ...), which flips
# one bit of the decoded bytes: a changed header or payload is then usually
# still JSON, so the verifier has to catch it by the signature.  Only the
# last character of a segment can carry padding bits, so the result is
# still canonical base64url.
tamper() {
    printf '%s\n' "$1" | awk -F. -v s="$2" 'BEGIN {
        OFS = "."
        b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } {
        m = int(length($s) / 2) + 1
        i = index(b64, substr($s, m, 1)) - 1
        c = substr(b64, (i % 2 == 0 ? i + 1 : i - 1) + 1, 1)
        $s = substr($s, 1, m - 1) c substr($s, m + 1)
        print
    }'
}

# Reads the peer's next answer from fd 4 into $rc and $out.
next_answer() {
    IFS= read -r ans <&4 || ans="9	no answer from the peer"
    rc=${ans%%"	"*}
    out=${ans#*"	"}
}

# Claims are compared later, in one Python process: "name<TAB>claims" lines.
expect_claims() {   # name, claims printed by a verifier
    printf '%s\t%s\n' "$1" "$2" >>"$T/claims.todo"
}

# --- what must be there ------------------------------------------------------

if [ ! -x "$JOT" ]; then
    not_ok "$JOT exists (build it first)"
    finish
fi
if v=$("$PY" -c 'import jwt, cryptography; print(jwt.__version__)' \
    2>"$T/err"); then
    ok "PyJWT $v is installed"
    PEERS=pyjwt
else
    not_ok "PyJWT is installed (sh scripts/deps.sh test): $(cat "$T/err")"
    PEERS=
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    not_ok "node and npm are installed (sh scripts/deps.sh test)"
elif [ ! -d "$HERE/node_modules/jose" ] &&
    ! npm ci --no-audit --no-fund --prefix "$HERE" >"$T/npm.log" 2>&1; then
    not_ok "npm ci installs jose in $HERE"
    sed 's/^/# /' "$T/npm.log"
elif ! (cd "$HERE" && node --input-type=module -e 'await import("jose")') \
    2>"$T/err"; then
    not_ok "node imports jose: $(cat "$T/err")"
else
    ok "node $(node --version) with jose $(cd "$HERE" &&
        node -p 'require("./node_modules/jose/package.json").version')"
    PEERS="$PEERS jose"
fi

peer() {   # name, arguments...
    name=$1
    shift
    case $name in
    pyjwt) "$PY" "$HERE/pyjwt_peer.py" "$@" ;;
    jose) node "$HERE/jose_peer.mjs" "$@" ;;
    esac
}

# --- jot's keys and tokens ---------------------------------------------------

now=$(date +%s)
CLAIMS='{"iss":"'$ISS'","aud":"'$AUD'","sub":"alice","name":"Zoë ✓",'
CLAIMS=$CLAIMS'"n":1234567890123,"admin":false,"roles":["a","b"],'
CLAIMS=$CLAIMS'"ctx":{"x":null,"y":[1,2.5,"\"q\" \\ \/"]},'
CLAIMS=$CLAIMS'"iat":'$now',"exp":'$((now + 600))'}'

# Makes $T/ALG.jwk (private), $T/ALG.pub (public) and $T/ALG.jot (a token).
# keygen writes the private JWK to --out and prints the public one; an HMAC
# key has no public half, it is its own verification key.
key_and_token() {   # alg
    case $1 in
    HS*) "$JOT" keygen --alg "$1" --out "$T/$1.jwk" &&
        cp "$T/$1.jwk" "$T/$1.pub" ;;
    *) "$JOT" keygen --alg "$1" --out "$T/$1.jwk" --public >"$T/$1.pub" ;;
    esac &&
        "$JOT" sign --key "$T/$1.jwk" --claims "$CLAIMS" >"$T/$1.jot"
}

for a in $ALGS; do
    if key_and_token "$a" 2>"$T/err"; then
        ok "jot keygen and sign $a"
    else
        not_ok "jot keygen and sign $a: $(cat "$T/err")"
    fi
done

# --- each peer ---------------------------------------------------------------

for p in $PEERS; do
    # One batch: verify each jot token and its tampered twins, and sign.
    : >"$T/$p.jobs"
    for a in $ALGS; do
        tok=$(cat "$T/$a.jot" 2>/dev/null)
        printf 'verify\t%s\t%s\t%s\n' "$a" "$T/$a.pub" "$tok" >>"$T/$p.jobs"
        for s in 1 2 3; do
            printf 'verify\t%s\t%s\t%s\n' "$a" "$T/$a.pub" \
                "$(tamper "$tok" $s)" >>"$T/$p.jobs"
        done
        printf 'sign\t%s\t%s\t%s\n' "$a" "$T/$a.jwk" "$CLAIMS" >>"$T/$p.jobs"
    done
    peer "$p" batch <"$T/$p.jobs" >"$T/$p.out" 2>"$T/$p.err" ||
        sed 's/^/# /' "$T/$p.err"

    exec 4<"$T/$p.out"
    for a in $ALGS; do
        next_answer
        accepted=$rc
        if [ "$rc" -eq 0 ]; then
            expect_claims "$p verifies jot's $a token" "$out"
        else
            not_ok "$p verifies jot's $a token: $out"
        fi
        for seg in header payload signature; do
            next_answer
            if [ "$accepted" -ne 0 ]; then
                not_ok "$p refuses jot's $a token with a changed $seg" \
                    "(the untouched token was not accepted)"
            elif [ "$rc" -ne 0 ]; then
                ok "$p refuses jot's $a token with a changed $seg"
            else
                not_ok "$p refuses jot's $a token with a changed $seg"
            fi
        done
        next_answer
        if [ "$rc" -eq 0 ]; then
            printf '%s\n' "$out" >"$T/$a.$p"
        else
            : >"$T/$a.$p"
            printf '# %s sign %s: %s\n' "$p" "$a" "$out"
        fi
    done
    exec 4<&-

    # jot verifies what the peer signed, then its tampered twins.
    for a in $ALGS; do
        tok=$(cat "$T/$a.$p")
        "$JOT" verify --key "$T/$a.pub" --iss "$ISS" --aud "$AUD" --typ JWT \
            "$tok" >"$T/out" 2>"$T/err"
        accepted=$?
        if [ "$accepted" -eq 0 ]; then
            expect_claims "jot verifies $p's $a token" "$(tr -d '\n' <"$T/out")"
        else
            not_ok "jot verifies $p's $a token: exit $accepted, $(cat "$T/err")"
        fi
        s=1
        for seg in header payload signature; do
            "$JOT" verify --key "$T/$a.pub" --iss "$ISS" --aud "$AUD" \
                --typ JWT "$(tamper "$tok" $s)" >/dev/null 2>"$T/err"
            rc=$?
            s=$((s + 1))
            if [ "$accepted" -ne 0 ]; then
                not_ok "jot refuses $p's $a token with a changed $seg" \
                    "(the untouched token was not accepted)"
            elif [ "$rc" -eq 1 ]; then
                ok "jot refuses $p's $a token with a changed $seg"
            else
                not_ok "jot refuses $p's $a token with a changed $seg:" \
                    "exit $rc, expected 1; $(cat "$T/err")"
            fi
        done
    done
done

# --- the claims each verifier printed equal the ones signed -------------------

if [ -s "$T/claims.todo" ]; then
    cut -f2 "$T/claims.todo" | while IFS= read -r c; do
        printf 'same\t%s\t%s\n' "$CLAIMS" "$c"
    done | "$PY" "$HERE/pyjwt_peer.py" batch >"$T/claims.out"
    exec 4<"$T/claims.out"
    while IFS= read -r line; do
        name=${line%%"	"*}
        next_answer
        if [ "$rc" -eq 0 ]; then
            ok "$name (same claims)"
        else
            not_ok "$name (same claims): $out"
        fi
    done <"$T/claims.todo"
    exec 4<&-
fi

finish
