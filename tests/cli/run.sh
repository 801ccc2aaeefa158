#!/bin/sh
# Black-box tests of the jot command-line tool: exit statuses, standard
# output and the exact messages on standard error.
#
#   sh tests/cli/run.sh BUILD_DIR
#
# Runs BUILD_DIR/jot.  Every check prints "ok - NAME" or
# "not ok - NAME: expected X got Y"; the last line is "N passed, M failed"
# and the exit status is non-zero when any check failed.
set -u
B=${1:?usage: tests/cli/run.sh BUILD_DIR}
JOT=$B/jot
if [ ! -x "$JOT" ]; then
    echo "not ok - $JOT exists: expected a program got nothing"
    echo "0 passed, 1 failed"
    exit 1
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
pass=0
fail=0

ALGS="HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512"
ALGS="$ALGS ES256 ES384 ES512 EdDSA"
FAR=4102444800      # 2100-01-01T00:00:00Z
# 513 zero octets: longer than any signature, canonical base64url.
LONGSIG=$(head -c 684 /dev/zero | tr '\0' 'A')
CLAIMS='{"iss":"https://issuer.test","sub":"alice","aud":"api","n":42,'
CLAIMS=$CLAIMS'"exp":'$FAR'}'

ok() {
    pass=$((pass + 1))
    echo "ok - $1"
}

not_ok() {
    fail=$((fail + 1))
    echo "not ok - $1: $2"
}

# run CMD ARGS...: runs with stdin from /dev/null; sets rc, out, err.
run() {
    "$@" </dev/null >"$T/out" 2>"$T/err"
    rc=$?
    out=$(cat "$T/out")
    err=$(cat "$T/err")
}

# run_in INPUT CMD ARGS...: the same with INPUT (as is) on stdin.
run_in() {
    _input=$1
    shift
    printf '%s' "$_input" | "$@" >"$T/out" 2>"$T/err"
    rc=$?
    out=$(cat "$T/out")
    err=$(cat "$T/err")
}

# expect NAME RC [STDERR]: the exit status, and standard error exactly.
expect() {
    if [ $# -ge 3 ]; then
        if [ "$rc" -eq "$2" ] && [ "$err" = "$3" ]; then
            ok "$1"
        else
            not_ok "$1" "expected exit $2 and '$3' got exit $rc and '$err'"
        fi
    elif [ "$rc" -eq "$2" ]; then
        ok "$1"
    else
        not_ok "$1" "expected exit $2 got exit $rc ('$err')"
    fi
}

# expect_out NAME RC STDOUT: the exit status and standard output exactly.
expect_out() {
    if [ "$rc" -eq "$2" ] && [ "$out" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "expected exit $2 and '$3' got exit $rc and '$out' ('$err')"
    fi
}

# expect_has NAME RC TEXT...: the exit status, and stdout holding each TEXT.
expect_has() {
    _name=$1 _want=$2
    shift 2
    if [ "$rc" -ne "$_want" ]; then
        not_ok "$_name" "expected exit $_want got exit $rc ('$err')"
        return
    fi
    for _text in "$@"; do
        case $out in
        *"$_text"*) ;;
        *) not_ok "$_name" "expected output holding '$_text' got '$out'"
           return ;;
        esac
    done
    ok "$_name"
}

# is NAME WANT GOT: a plain comparison of two strings.
is() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "expected '$2' got '$3'"
    fi
}

b64u() {
    printf '%s' "$1" | base64 | tr -d '\n=' | tr '+/' '-_'
}

b64u_dec() {
    case $((${#1} % 4)) in
    2) _pad='==' ;;
    3) _pad='=' ;;
    *) _pad='' ;;
    esac
    printf '%s%s' "$1" "$_pad" | tr -- '-_' '+/' | base64 -d 2>/dev/null
}

# The value of a string member NAME in one line of JSON (no escapes).
member() {
    printf '%s' "$2" | sed -n 's/.*"'"$1"'":"\([^"]*\)".*/\1/p'
}

# Splits a token into h, p and s.
split() {
    h=${1%%.*}
    rest=${1#*.}
    p=${rest%%.*}
    s=${rest#*.}
}

# The signature segment with its first character changed: another
# signature of the same length, still canonical base64url.
flip() {
    case $1 in
    A*) echo "B${1#?}" ;;
    *) echo "A${1#?}" ;;
    esac
}

# ---------------------------------------------------------------------
# Every algorithm: keygen -> sign -> verify, and tampered twins.

for a in $ALGS; do
    k=$T/$a.jwk
    pub=$T/$a.pub.jwk
    case $a in
    HS*) hmac=1 ;;
    *) hmac=0 ;;
    esac

    if [ $hmac = 1 ]; then
        run "$JOT" keygen --alg "$a" --out "$k"
    else
        run "$JOT" keygen --alg "$a" --out "$k" --public
        printf '%s\n' "$out" >"$pub"
    fi
    expect "$a: keygen" 0 ""
    jwk=$(cat "$k" 2>/dev/null)
    kid=$(member kid "$jwk")
    is "$a: keygen: private JWK names its alg" "$a" "$(member alg "$jwk")"
    is "$a: keygen: private JWK is one line" 1 "$(wc -l <"$k" 2>/dev/null)"
    is "$a: keygen: private JWK mode 0600" 600 "$(stat -c %a "$k" 2>/dev/null)"
    if [ $hmac = 1 ]; then
        is "$a: keygen: random kid of 16 bytes" 22 "${#kid}"
        # The kid must not be the thumbprint: that is a hash of the secret.
        tp=$("$JOT" thumbprint "$k" 2>/dev/null)
        if [ -n "$tp" ] && [ "$tp" != "$kid" ]; then
            ok "$a: keygen: kid is not the secret's thumbprint"
        else
            not_ok "$a: keygen: kid is not the secret's thumbprint" \
                "expected a kid other than '$tp' got '$kid'"
        fi
        kid2=$(member kid "$("$JOT" keygen --alg "$a" 2>/dev/null)")
        if [ ${#kid2} -eq 22 ] && [ "$kid2" != "$kid" ]; then
            ok "$a: keygen: two keys, two random kids"
        else
            not_ok "$a: keygen: two keys, two random kids" \
                "expected a 22-character kid other than '$kid' got '$kid2'"
        fi
    else
        is "$a: keygen: kid is a 43-character thumbprint" 43 "${#kid}"
        pjwk=$(cat "$pub")
        is "$a: keygen --public: same kid" "$kid" "$(member kid "$pjwk")"
        case $pjwk in
        *'"d":'*) not_ok "$a: keygen --public: no private member" \
                      "expected no \"d\" got '$pjwk'" ;;
        *) ok "$a: keygen --public: no private member" ;;
        esac
        run "$JOT" thumbprint "$pub"
        expect_out "$a: thumbprint of the public JWK is the kid" 0 "$kid"
        run "$JOT" thumbprint "$k"
        expect_out "$a: thumbprint of the private JWK is the kid" 0 "$kid"
    fi

    run "$JOT" sign --key "$k" --claims "$CLAIMS"
    expect "$a: sign" 0 ""
    tok=$out
    split "$tok"
    hdr='{"alg":"'$a'","typ":"JWT","kid":"'$kid'"}'
    is "$a: sign: header" "$hdr" "$(b64u_dec "$h")"

    run "$JOT" verify --key "$k" "$tok"
    expect_out "$a: verify with the private JWK prints the claims" 0 "$CLAIMS"
    if [ $hmac = 0 ]; then
        run "$JOT" verify --key "$pub" "$tok"
        expect_out "$a: verify with the public JWK" 0 "$CLAIMS"
        vk=$pub
    else
        vk=$k
    fi
    run "$JOT" verify --key "$vk" --alg "$a" --iss https://issuer.test \
        --aud api --typ JWT "$tok"
    expect_out "$a: verify with every check" 0 "$CLAIMS"

    bad_h=$(b64u "{\"alg\":\"$a\",\"typ\":\"JWT\",\"kid\":\"$kid\",\"x\":1}")
    run "$JOT" verify --key "$vk" "$bad_h.$p.$s"
    expect "$a: tampered header" 1 "jot: verify: bad signature"
    bad_p=$(b64u "$(printf '%s' "$CLAIMS" | sed 's/alice/mallory/')")
    run "$JOT" verify --key "$vk" "$h.$bad_p.$s"
    expect "$a: tampered payload" 1 "jot: verify: bad signature"
    run "$JOT" verify --key "$vk" "$h.$p.$(flip "$s")"
    expect "$a: tampered signature" 1 "jot: verify: bad signature"
    run "$JOT" verify --key "$vk" "$h.$p.AAAA"
    expect "$a: signature too short" 1 "jot: verify: bad signature"
    run "$JOT" verify --key "$vk" "$h.$p.$LONGSIG"
    expect "$a: signature too long" 1 "jot: verify: bad signature"
    run "$JOT" verify --key "$vk" "$h.$p.$s="
    expect "$a: signature with padding" 1 "jot: verify: malformed input"
    run "$JOT" verify --key "$vk" "$h.$p.+${s#?}"
    expect "$a: signature in base64, not base64url" 1 \
        "jot: verify: malformed input"
    run "$JOT" verify --key "$vk" "$h.$p.$s.$s"
    expect "$a: extra segment" 1 "jot: verify: malformed input"
    run "$JOT" verify --key "$vk" "$h.$p"
    expect "$a: missing signature" 1 "jot: verify: malformed input"
    run "$JOT" verify --key "$vk" "$h.$p."
    expect "$a: empty signature" 1 "jot: verify: malformed input"
    run "$JOT" verify --key "$vk" ".$p.$s"
    expect "$a: empty header" 1 "jot: verify: malformed input"
    case $a in
    HS256) other=HS512 ;;
    *) other=HS256 ;;
    esac
    swap_h=$(b64u "{\"alg\":\"$other\",\"typ\":\"JWT\",\"kid\":\"$kid\"}")
    run "$JOT" verify --key "$vk" "$swap_h.$p.$s"
    expect "$a: alg swapped to $other" 1 "jot: verify: algorithm not allowed"
    none_h=$(b64u "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"$kid\"}")
    run "$JOT" verify --key "$vk" "$none_h.$p.$s"
    expect "$a: alg none" 1 "jot: verify: algorithm not allowed"
    kid_h=$(b64u "{\"alg\":\"$a\",\"typ\":\"JWT\",\"kid\":\"x$kid\"}")
    run "$JOT" verify --key "$vk" "$kid_h.$p.$s"
    expect "$a: unknown kid" 1 "jot: verify: key not found"

    run "$JOT" decode "$tok"
    expect_out "$a: decode" 0 "{\"header\":$hdr,\"payload\":$CLAIMS}"
done

# ---------------------------------------------------------------------
# Claim checks.

k=$T/ES256.jwk
pub=$T/ES256.pub.jwk
hk=$T/HS256.jwk

run "$JOT" sign --key "$k" --ttl 1 --claims '{"sub":"short"}'
expect "sign --ttl 1" 0 ""
short=$out
run "$JOT" decode "$short"
iat=$(printf '%s' "$out" | sed -n 's/.*"iat":\([0-9]*\).*/\1/p')
nbf=$(printf '%s' "$out" | sed -n 's/.*"nbf":\([0-9]*\).*/\1/p')
exp=$(printf '%s' "$out" | sed -n 's/.*"exp":\([0-9]*\).*/\1/p')
is "sign --ttl sets nbf = iat" "$iat" "$nbf"
is "sign --ttl sets exp = iat + ttl" "$((iat + 1))" "$exp"
run "$JOT" sign --key "$k" --ttl 600 \
    --claims '{"sub":"x","iat":1,"nbf":2,"exp":3}'
run "$JOT" verify --key "$pub" "$out"
expect_has "sign --ttl replaces iat, nbf and exp" 0 '"sub":"x"'
sleep 2
run "$JOT" verify --key "$pub" "$short"
expect "expired token" 1 "jot: verify: token expired"
run "$JOT" verify --key "$pub" --leeway 5 "$short"
expect_has "expired token within --leeway 5" 0 '"sub":"short"'
run "$JOT" verify --key "$pub" --leeway 0 "$short"
expect "expired token, --leeway 0" 1 "jot: verify: token expired"

now=$(date +%s)
run "$JOT" sign --key "$k" \
    --claims '{"sub":"later","nbf":'$((now + 1000))',"exp":'$((now + 2000))'}'
later=$out
run "$JOT" verify --key "$pub" "$later"
expect "token not yet valid" 1 "jot: verify: token not yet valid"
run "$JOT" verify --key "$pub" --leeway 1100 "$later"
expect_has "token not yet valid within --leeway" 0 '"sub":"later"'

run "$JOT" sign --key "$k" --claims '{"sub":"forever"}'
noexp=$out
run "$JOT" verify --key "$pub" "$noexp"
expect "token without exp" 1 "jot: verify: missing or invalid claim"
run "$JOT" verify --key "$pub" --allow-no-exp "$noexp"
expect_out "token without exp, --allow-no-exp" 0 '{"sub":"forever"}'

tok=$("$JOT" sign --key "$k" --claims "$CLAIMS")
run "$JOT" verify --key "$pub" --iss https://other.test "$tok"
expect "--iss mismatch" 1 "jot: verify: wrong issuer"
run "$JOT" verify --key "$pub" --iss https://issuer.test/ "$tok"
expect "--iss with a trailing slash" 1 "jot: verify: wrong issuer"
run "$JOT" verify --key "$pub" --aud web "$tok"
expect "--aud mismatch" 1 "jot: verify: wrong audience"
run "$JOT" verify --key "$pub" --typ at+jwt "$tok"
expect "--typ mismatch" 1 "jot: verify: wrong token type"
run "$JOT" verify --key "$pub" --typ jwt "$tok"
expect_out "--typ is compared without case" 0 "$CLAIMS"
run "$JOT" verify --key "$pub" --typ application/JWT "$tok"
expect_out "--typ without application/ prefix" 0 "$CLAIMS"
run "$JOT" verify --key "$pub" --iss https://issuer.test --aud api \
    --typ JWT --alg ES256 --alg EdDSA "$tok"
expect_out "every check passes" 0 "$CLAIMS"
run "$JOT" verify --key "$pub" "$tok" --iss https://issuer.test
expect_out "options after TOKEN" 0 "$CLAIMS"

run "$JOT" sign --key "$k" --typ at+jwt --ttl 60 --claims '{"sub":"t"}'
attok=$out
run "$JOT" verify --key "$pub" --typ application/at+jwt "$attok"
expect_has "sign --typ at+jwt, verify --typ application/at+jwt" 0 '"sub":"t"'
run "$JOT" verify --key "$pub" --typ JWT "$attok"
expect "sign --typ at+jwt, verify --typ JWT" 1 "jot: verify: wrong token type"
run "$JOT" sign --key "$k" --typ '' --ttl 60 --claims '{"sub":"t"}'
run "$JOT" decode "$out"
hdr=$(member kid "$out")
expect_has "sign --typ '' leaves typ out" 0 \
    "{\"header\":{\"alg\":\"ES256\",\"kid\":\"$hdr\"},"
run "$JOT" verify --key "$pub" --typ JWT "$("$JOT" sign --key "$k" --typ '' \
    --ttl 60 --claims '{"sub":"t"}')"
expect "no typ, verify --typ JWT" 1 "jot: verify: wrong token type"

run "$JOT" sign --key "$k" --ttl 60 --claims '{"sub":"a","aud":["web","api"]}'
run "$JOT" verify --key "$pub" --aud api "$out"
expect_has "--aud found in an aud array" 0 '"aud":["web","api"]'
run "$JOT" sign --key "$k" --ttl 60 --claims '{"sub":"a","aud":["web"]}'
run "$JOT" verify --key "$pub" --aud api "$out"
expect "--aud not in an aud array" 1 "jot: verify: wrong audience"

run "$JOT" sign --key "$k" --ttl 60 --claims '{"sub":"a","iss":7}'
run "$JOT" verify --key "$pub" "$out"
expect "iss claim not a string" 1 "jot: verify: missing or invalid claim"
run "$JOT" sign --key "$k" --claims '{"sub":"a","exp":"tomorrow"}'
run "$JOT" verify --key "$pub" "$out"
expect "exp claim not a number" 1 "jot: verify: missing or invalid claim"

# The allow-list: a JWK Set of ES256 keys and --alg EdDSA.
printf '{"keys":[%s]}\n' "$(cat "$pub")" >"$T/es.jwks"
run "$JOT" verify --jwks "$T/es.jwks" --alg EdDSA "$tok"
expect "--alg excludes the token's alg" 1 "jot: verify: algorithm not allowed"
run "$JOT" verify --jwks "$T/es.jwks" --alg EdDSA --alg ES256 "$tok"
expect_out "--alg repeated" 0 "$CLAIMS"

# Unicode survives signing and verifying.
run "$JOT" sign --key "$hk" --claims '{"name":"Zoë ☃","exp":'$FAR'}'
run "$JOT" verify --key "$hk" "$out"
expect_has "UTF-8 claims" 0 'Zo'
case $out in
*'Zoë ☃'* | *'Zo\u00eb \u2603'*) ok "UTF-8 claims keep their text" ;;
*) not_ok "UTF-8 claims keep their text" "expected 'Zoë ☃' got '$out'" ;;
esac

# --pretty.
run "$JOT" verify --key "$pub" --pretty "$tok"
expect_has "verify --pretty" 0 '  "sub": "alice",'
is "verify --pretty prints several lines" 7 "$(wc -l <"$T/out")"

# ---------------------------------------------------------------------
# Key sets: the kid picks the key.

"$JOT" keygen --alg ES256 --out "$T/a.jwk" --public >"$T/a.pub.jwk"
"$JOT" keygen --alg ES256 --out "$T/b.jwk" --public >"$T/b.pub.jwk"
"$JOT" keygen --alg ES256 --out "$T/c.jwk" --public >"$T/c.pub.jwk"
printf '{"keys":[%s,%s]}\n' "$(cat "$T/a.pub.jwk")" "$(cat "$T/b.pub.jwk")" \
    >"$T/ab.jwks"
kida=$(member kid "$(cat "$T/a.jwk")")
kidb=$(member kid "$(cat "$T/b.jwk")")
toka=$("$JOT" sign --key "$T/a.jwk" --ttl 60 --claims '{"sub":"by-a"}')
tokb=$("$JOT" sign --key "$T/b.jwk" --ttl 60 --claims '{"sub":"by-b"}')
tokc=$("$JOT" sign --key "$T/c.jwk" --ttl 60 --claims '{"sub":"by-c"}')
run "$JOT" verify --jwks "$T/ab.jwks" "$toka"
expect_has "jwks: first key" 0 '"sub":"by-a"'
run "$JOT" verify --jwks "$T/ab.jwks" "$tokb"
expect_has "jwks: second key" 0 '"sub":"by-b"'
run "$JOT" verify --jwks "$T/ab.jwks" "$tokc"
expect "jwks: a key not in the set" 1 "jot: verify: key not found"
# Key b relabelled with a's kid: the set must try key a only.
sed "s/\"kid\":\"$kidb\"/\"kid\":\"$kida\"/" "$T/b.jwk" >"$T/b-as-a.jwk"
run "$JOT" sign --key "$T/b-as-a.jwk" --ttl 60 --claims '{"sub":"forged"}'
run "$JOT" verify --jwks "$T/ab.jwks" "$out"
expect "jwks: the kid picks the key" 1 "jot: verify: bad signature"
run "$JOT" verify --jwks "$T/ab.jwks" --pretty "$toka"
expect_has "jwks: --pretty" 0 '"sub": "by-a"'
printf '{"keys":[]}\n' >"$T/empty.jwks"
run "$JOT" verify --jwks "$T/empty.jwks" "$toka"
expect "jwks: empty set" 2 \
    "jot: verify: $T/empty.jwks: no usable signing key in the set"

# ---------------------------------------------------------------------
# Algorithm confusion: an HS256 token whose secret is the text of an
# RSA public key, under that key's kid, must not verify with the RSA key.

rsapub=$(cat "$T/RS256.pub.jwk")
rsakid=$(member kid "$rsapub")
printf '{"kty":"oct","k":"%s","kid":"%s","alg":"HS256"}\n' \
    "$(b64u "$rsapub")" "$rsakid" >"$T/confused.jwk"
run "$JOT" sign --key "$T/confused.jwk" --claims "$CLAIMS"
expect "confusion: the forged HS256 token is made" 0 ""
run "$JOT" verify --key "$T/RS256.pub.jwk" "$out"
expect "confusion: RS256 key refuses an HS256 token" 1 \
    "jot: verify: algorithm not allowed"
printf '{"keys":[%s]}\n' "$rsapub" >"$T/rs.jwks"
run "$JOT" verify --jwks "$T/rs.jwks" "$("$JOT" sign --key "$T/confused.jwk" \
    --claims "$CLAIMS")"
expect "confusion: RS256 key set refuses an HS256 token" 1 \
    "jot: verify: algorithm not allowed"

# alg "none" made by hand.
nh=$(b64u '{"alg":"none","typ":"JWT"}')
np=$(b64u "$CLAIMS")
run "$JOT" verify --key "$hk" "$nh.$np.c2lnbmF0dXJl"
expect "alg none with a signature" 1 "jot: verify: algorithm not allowed"
run "$JOT" verify --key "$hk" "$nh.$np."
expect "alg none, empty signature" 1 "jot: verify: algorithm not allowed"
run "$JOT" verify --key "$pub" "$(b64u '{"alg":"None"}').$np.c2ln"
expect "alg None" 1 "jot: verify: algorithm not allowed"
run "$JOT" decode "$nh.$np.c2lnbmF0dXJl"
expect_out "decode shows an alg none token" 0 \
    "{\"header\":{\"alg\":\"none\",\"typ\":\"JWT\"},\"payload\":$CLAIMS}"

# ---------------------------------------------------------------------
# Standard input, sizes.

tok=$("$JOT" sign --key "$k" --claims "$CLAIMS")
run_in "$tok" "$JOT" verify --key "$pub" -
expect_out "verify -: token on stdin" 0 "$CLAIMS"
run_in "$tok
" "$JOT" verify --key "$pub" -
expect_out "verify -: one newline removed" 0 "$CLAIMS"
run_in "$(printf '%s\r\n_' "$tok")" "$JOT" verify --key "$pub" -
expect "verify -: text after the newline" 1 "jot: verify: malformed input"
run_in "$(printf '%s\r' "$tok")
" "$JOT" verify --key "$pub" -
expect_out "verify -: CRLF removed" 0 "$CLAIMS"
printf '%s\n\n' "$tok" >"$T/two-newlines"
run sh -c '"$1" verify --key "$2" - <"$3"' sh "$JOT" "$pub" "$T/two-newlines"
expect "verify -: only one newline removed" 1 "jot: verify: malformed input"
run_in " $tok" "$JOT" verify --key "$pub" -
expect "verify -: leading space kept" 1 "jot: verify: malformed input"
run_in "$(cat "$pub")" "$JOT" verify --key - "$tok"
expect_out "verify --key -: key on stdin" 0 "$CLAIMS"
run_in "$tok" "$JOT" verify --key - -
expect "verify: key and token both on stdin" 2
run_in '{"sub":"piped"}' "$JOT" sign --key "$k" --claims - --ttl 60
expect "sign --claims -" 0 ""
run "$JOT" verify --key "$pub" "$out"
expect_has "sign --claims -: claims signed" 0 '"sub":"piped"'
printf '{"sub":"from-file"}\n' >"$T/claims.json"
run "$JOT" sign --key "$k" --claims "@$T/claims.json" --ttl 60
run "$JOT" verify --key "$pub" "$out"
expect_has "sign --claims @FILE" 0 '"sub":"from-file"'
run_in '{"sub":"x"}' "$JOT" sign --key - --claims - --ttl 60
expect "sign: key and claims both on stdin" 2
run_in "$tok" "$JOT" decode -
expect_has "decode -" 0 '"payload":{"iss":"https://issuer.test"'

big=$(head -c 9000 /dev/zero | tr '\0' 'a')
run "$JOT" verify --key "$pub" "$big.$big.$big"
expect "token over 8 KiB" 1 "jot: verify: input too large"
run_in "$big.$big.$big" "$JOT" verify --key "$pub" -
expect "token over 8 KiB on stdin" 1 "jot: verify: input too large"
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/huge"
run sh -c '"$1" verify --key "$2" - <"$3"' sh "$JOT" "$pub" "$T/huge"
expect "64 KiB of input on stdin" 1 "jot: verify: input too large"
run "$JOT" decode "$big.$big.$big"
expect "decode: token over 8 KiB" 1 "jot: decode: input too large"
run "$JOT" verify --key "$T/huge" "$tok"
expect "key file over 64 KiB" 2 "jot: verify: $T/huge: larger than 65536 bytes"
run "$JOT" sign --key "$k" --claims "@$T/huge"
expect "claims file over 64 KiB" 2 \
    "jot: sign: $T/huge: larger than 65536 bytes"
bigclaims='{"x":"'$(head -c 9000 /dev/zero | tr '\0' 'a')'"}'
run "$JOT" sign --key "$k" --claims "$bigclaims"
expect "claims over the token limit" 2 "jot: sign: input too large"

# ---------------------------------------------------------------------
# decode.

run "$JOT" decode "$tok"
expect "decode: warning on stderr" 0 \
    "jot: decode: warning: signature NOT verified"
expect_has "decode: header and payload" 0 \
    '{"header":{"alg":"ES256","typ":"JWT","kid":"' "\"payload\":$CLAIMS}"
split "$tok"
run "$JOT" decode "$h.$p.$(flip "$s")"
expect_has "decode: does not check the signature" 0 "\"payload\":$CLAIMS}"
run "$JOT" decode --pretty "$tok"
expect_has "decode --pretty" 0 '"header": {' '    "alg": "ES256",'
run "$JOT" decode "not-a-token"
expect "decode: malformed token" 1 "jot: decode: malformed input"
run "$JOT" decode "$h.$p"
expect "decode: two segments" 1 "jot: decode: malformed input"
run "$JOT" decode "$(b64u '[1]').$p.$s"
expect "decode: header not an object" 1 "jot: decode: malformed input"
# RFC 8037 A.4: a JWS whose payload is text, not claims.
ed_pub='{"kty":"OKP","crv":"Ed25519",'
ed_pub=$ed_pub'"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}'
ed_tok=eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.
ed_tok=${ed_tok}hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5
ed_tok=${ed_tok}BhVsPt9g7sVvpAr_MuM0KAg
run "$JOT" decode "$ed_tok"
expect_out "decode: text payload as a string" 0 \
    '{"header":{"alg":"EdDSA"},"payload":"Example of Ed25519 signing"}'
case $err in
*"jot: decode: note: the payload is not a JSON object of claims"*"
jot: decode: warning: signature NOT verified")
    ok "decode: text payload noted" ;;
*)
    not_ok "decode: text payload noted" \
        "expected a note and the warning got '$err'" ;;
esac
run "$JOT" decode "$h.$(b64u "$(printf 'a\377b')").$s"
expect_has "decode: payload not UTF-8" 0 '"payload_b64url":"Yf9i"'
printf '%s\n' "$ed_pub" >"$T/rfc8037.jwk"
run "$JOT" verify --key "$T/rfc8037.jwk" --allow-no-exp "$ed_tok"
expect "verify: RFC 8037 JWS is not a JWT" 1 "jot: verify: malformed input"

# ---------------------------------------------------------------------
# thumbprint, RFC 7638 and RFC 8037 vectors; JWKs without "alg".

n=$(tr -d '\n' <<'EOF'
0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86z
wu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5Js
GY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMic
AtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-
bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF
Cur-kEgU8awapJzKnqDKgw
EOF
)
printf '{"kty":"RSA","n":"%s","e":"AQAB","alg":"RS256","kid":"2011-04-29"}\n' \
    "$n" >"$T/rfc7638.jwk"
run "$JOT" thumbprint "$T/rfc7638.jwk"
expect_out "thumbprint: RFC 7638 3.1" 0 \
    NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs
sed 's/"alg":"RS256",//' "$T/rfc7638.jwk" >"$T/rfc7638-noalg.jwk"
run "$JOT" thumbprint "$T/rfc7638-noalg.jwk"
expect_out "thumbprint: RSA JWK without alg" 0 \
    NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs
run "$JOT" thumbprint --alg PS512 "$T/rfc7638-noalg.jwk"
expect_out "thumbprint --alg PS512" 0 \
    NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs
run "$JOT" thumbprint --alg ES256 "$T/rfc7638.jwk"
expect "thumbprint --alg disagreeing with the JWK" 2 \
    "jot: thumbprint: $T/rfc7638.jwk: algorithm not allowed"
run "$JOT" thumbprint "$T/rfc8037.jwk"
expect_out "thumbprint: RFC 8037 A.3 (OKP without alg)" 0 \
    kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k
run_in "$ed_pub" "$JOT" thumbprint -
expect_out "thumbprint -" 0 kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k
run "$JOT" thumbprint "$hk"
expect "thumbprint: HMAC key warns" 0 \
    "jot: thumbprint: warning: this thumbprint is a hash of a secret key;\
 do not publish it"
is "thumbprint: HMAC key prints 43 characters" 43 "${#out}"

# An RSA private JWK without alg: --alg binds it.
NOALG='the JWK has no "alg" and its key type fits several algorithms;'
NOALG="$NOALG give one --alg"
sed 's/,"alg":"RS256"//' "$T/RS256.jwk" >"$T/rs-noalg.jwk"
sed 's/,"alg":"RS256"//' "$T/RS256.pub.jwk" >"$T/rs-noalg.pub.jwk"
run "$JOT" sign --key "$T/rs-noalg.jwk" --claims "$CLAIMS"
expect "sign: RSA JWK without alg needs --alg" 2 \
    "jot: sign: $T/rs-noalg.jwk: $NOALG"
run "$JOT" sign --key "$T/rs-noalg.jwk" --alg PS384 --claims "$CLAIMS"
expect "sign --alg PS384 with an RSA JWK without alg" 0 ""
pstok=$out
run "$JOT" decode "$pstok"
expect_has "sign --alg PS384: header alg" 0 '{"header":{"alg":"PS384"'
run "$JOT" verify --key "$T/rs-noalg.pub.jwk" --alg PS384 "$pstok"
expect_out "verify --key without alg, --alg PS384" 0 "$CLAIMS"
run "$JOT" verify --key "$T/rs-noalg.pub.jwk" --alg RS384 "$pstok"
expect "verify: RSA key bound to RS384, PS384 token" 1 \
    "jot: verify: algorithm not allowed"
run "$JOT" verify --key "$T/rs-noalg.pub.jwk" "$pstok"
expect "verify: RSA JWK without alg, no --alg" 2 \
    "jot: verify: $T/rs-noalg.pub.jwk: $NOALG"
run "$JOT" sign --key "$T/RS256.jwk" --alg PS256 --claims "$CLAIMS"
expect "sign --alg disagreeing with the JWK" 2 \
    "jot: sign: $T/RS256.jwk: algorithm not allowed"
# EC keys name their algorithm by their curve.
sed 's/,"alg":"ES384"//' "$T/ES384.jwk" >"$T/es-noalg.jwk"
run "$JOT" sign --key "$T/es-noalg.jwk" --claims "$CLAIMS"
run "$JOT" verify --key "$T/ES384.pub.jwk" "$out"
expect_out "sign: EC JWK without alg uses its curve" 0 "$CLAIMS"

# ---------------------------------------------------------------------
# Usage errors and refused keys.

run "$JOT" keygen --public --alg HS256
expect "keygen --public --alg HS256" 2 \
    "jot: keygen: HS256 keys are symmetric and have no public half:\
 --public is for RS*, PS*, ES* and EdDSA
Try 'jot keygen --help'."
run "$JOT" keygen
expect "keygen without --alg" 2 "jot: keygen: --alg is required
Try 'jot keygen --help'."
run "$JOT" keygen --alg none
expect "keygen --alg none" 2
run "$JOT" keygen --alg es256
expect "keygen --alg is case-sensitive" 2
run "$JOT" keygen --alg ES256 extra
expect "keygen: extra argument" 2
run "$JOT" keygen --alg ES256 --out "$T/ES256.jwk"
expect "keygen --out: file exists" 2 "jot: keygen: $T/ES256.jwk: File exists"
ln -s "$T/nowhere" "$T/link.jwk"
run "$JOT" keygen --alg ES256 --out "$T/link.jwk"
expect "keygen --out: symbolic link refused" 2
if [ -e "$T/nowhere" ]; then
    not_ok "keygen --out: link not followed" "expected no file got one"
else
    ok "keygen --out: link not followed"
fi
run "$JOT" keygen --alg EdDSA
expect_has "keygen: private JWK on stdout" 0 \
    '"kty":"OKP"' '"d":' '"alg":"EdDSA"'
run "$JOT" keygen --alg HS384 --out -
expect_has "keygen --out -: standard output" 0 '"alg":"HS384"'
run "$JOT" keygen --alg ES256 --out - --public
expect "keygen --out - --public" 2
run "$JOT" keygen --alg ES512 --public
expect_has "keygen --public alone" 0 '"crv":"P-521"'
if [ -w /dev/full ]; then
    "$JOT" keygen --alg HS256 >/dev/full 2>"$T/err"
    rc=$?
    err=$(cat "$T/err")
    expect "keygen: write error" 2 "jot: cannot write standard output"
fi

run "$JOT" sign --key "$pub" --claims "$CLAIMS"
expect "sign with a public JWK" 2 \
    "jot: sign: key cannot sign: $pub is a public JWK"
run "$JOT" sign --key "$k" --claims '[1,2]'
expect "sign: claims not an object" 2 "jot: sign: claims: not a JSON object"
run "$JOT" sign --key "$k" --claims '{"a":1,"a":2}'
expect "sign: duplicate claim" 2
run "$JOT" sign --key "$k" --claims '{"a":'
expect "sign: claims not JSON" 2
run "$JOT" sign --key "$k" --claims '{}' --ttl 0
expect "sign --ttl 0" 2
run "$JOT" sign --key "$k" --claims '{}' --ttl -5
expect "sign --ttl -5" 2
run "$JOT" sign --key "$k" --claims '{}' --ttl 12x
expect "sign --ttl 12x" 2
run "$JOT" sign --key "$k" --claims '{}' --ttl 99999999999999999999
expect "sign --ttl overflow" 2
run "$JOT" sign --key "$k" --claims '{}' --ttl ' 5'
expect "sign --ttl with a space" 2
run "$JOT" sign --key "$k"
expect "sign without --claims" 2
run "$JOT" sign --claims '{}'
expect "sign without --key" 2
run "$JOT" sign --key "$k" --claims "@$T/missing.json"
expect "sign: claims file missing" 2 \
    "jot: sign: $T/missing.json: No such file or directory"

run "$JOT" verify --key "$pub" --typ '' "$tok"
expect "verify --typ '' still checks" 1 "jot: verify: wrong token type"
run "$JOT" verify --key "$pub" --iss '' "$tok"
expect "verify --iss '' still checks" 1 "jot: verify: wrong issuer"
run "$JOT" verify --key "$pub" ''
expect "verify: empty token" 1 "jot: verify: malformed input"
run "$JOT" verify --key "$pub" --leeway abc "$tok"
expect "verify --leeway abc" 2
run "$JOT" verify --key "$pub" --leeway -1 "$tok"
expect "verify --leeway -1" 2
run "$JOT" verify --key "$pub" --alg none "$tok"
expect "verify --alg none" 2
run "$JOT" verify --key "$pub"
expect "verify: missing TOKEN" 2 "jot: verify: missing TOKEN
Try 'jot verify --help'."
run "$JOT" verify "$tok"
expect "verify: no key" 2
run "$JOT" verify --key "$pub" --jwks "$T/ab.jwks" "$tok"
expect "verify: --key and --jwks" 2
run "$JOT" verify --key "$pub" "$tok" "$tok"
expect "verify: two tokens" 2
run "$JOT" verify --key "$T/missing.jwk" "$tok"
expect "verify: key file missing" 2 \
    "jot: verify: $T/missing.jwk: No such file or directory"
run "$JOT" verify --key "$T" "$tok"
expect "verify: key file is a directory" 2 \
    "jot: verify: $T: Is a directory"
run "$JOT" verify --jwks "$T/missing.jwks" "$tok"
expect "verify: jwks file missing" 2
if [ "$(id -u)" -ne 0 ]; then
    cp "$pub" "$T/unreadable.jwk"
    chmod 000 "$T/unreadable.jwk"
    run "$JOT" verify --key "$T/unreadable.jwk" "$tok"
    expect "verify: key file unreadable" 2 \
        "jot: verify: $T/unreadable.jwk: Permission denied"
fi
printf 'not json\n' >"$T/junk.jwk"
run "$JOT" verify --key "$T/junk.jwk" "$tok"
expect "verify: key file not JSON" 2 \
    "jot: verify: $T/junk.jwk: malformed input"
run "$JOT" verify --jwks "$T/junk.jwk" "$tok"
expect "verify: jwks file not JSON" 2 \
    "jot: verify: $T/junk.jwk: malformed input"
printf '{"kty":"oct","k":"c2hvcnQ","alg":"HS256"}\n' >"$T/weak.jwk"
run "$JOT" verify --key "$T/weak.jwk" "$tok"
expect "verify: HMAC key too short" 2 "jot: verify: $T/weak.jwk: key too weak"
case $err in
*c2hvcnQ*) not_ok "verify: key material not in errors" "got '$err'" ;;
*) ok "verify: key material not in errors" ;;
esac

for c in keygen sign verify decode thumbprint; do
    run "$JOT" "$c" --help
    expect_has "$c --help" 0 "SYNOPSIS" "jot $c" "EXIT STATUS"
    run "$JOT" "$c" -h
    expect_has "$c -h" 0 "SYNOPSIS"
    run "$JOT" help "$c"
    expect_has "help $c" 0 "SYNOPSIS"
    run "$JOT" "$c" --frobnicate
    expect "$c: unknown option" 2 "jot: $c: unknown option '--frobnicate'
Try 'jot $c --help'."
    run "$JOT" "$c" -q
    expect "$c: unknown short option" 2 "jot: $c: unknown option '-q'
Try 'jot $c --help'."
done
run "$JOT" verify --key
expect "verify --key without its argument" 2 \
    "jot: verify: option '--key' needs an argument
Try 'jot verify --help'."
run "$JOT" sign --claims
expect "sign --claims without its argument" 2
run "$JOT" keygen --alg
expect "keygen --alg without its argument" 2
run "$JOT" thumbprint
expect "thumbprint: missing JWK_FILE" 2
run "$JOT" thumbprint "$T/missing.jwk"
expect "thumbprint: file missing" 2
run "$JOT" decode
expect "decode: missing TOKEN" 2
run "$JOT" decode "$tok" "$tok"
expect "decode: two tokens" 2
run "$JOT" --help
expect_has "jot --help" 0 "Commands:" "keygen" "thumbprint"
run "$JOT" help
expect_has "jot help" 0 "Commands:"
run "$JOT" --version
expect_has "jot --version" 0 "jot "
run "$JOT"
expect "jot without a command" 2
run "$JOT" frobnicate
expect "unknown command" 2 "jot: unknown command 'frobnicate'
Try 'jot --help'."
run "$JOT" --frobnicate
expect "unknown global option" 2
run "$JOT" help verify extra
expect "help: extra argument" 2
run "$JOT" help frobnicate
expect "help: unknown command" 2

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
