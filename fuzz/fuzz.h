/*
 * fuzz.h - what the libFuzzer harnesses share: a check that aborts, so
 * that a broken property is a crash libFuzzer keeps, and the fixed test
 * keys (RFC 7515 A.1-A.3, RFC 8037 A) the token harnesses verify with.
 */
#ifndef JOT_FUZZ_H
#define JOT_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jot/jot.h>

/* Aborts with the failed condition; an abort is a finding. */
#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                      \
            abort();                                                       \
        }                                                                  \
    } while (0)

/* RFC 7515 A.1: the HS256 key (64 octets). */
#define FUZZ_JWK_HS256                                                     \
    "{\"kty\":\"oct\",\"kid\":\"hs256\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKO" \
    "bwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}"

/* RFC 7515 A.2: the public half of the 2048-bit RS256 key. */
#define FUZZ_JWK_RS256                                                     \
    "{\"kty\":\"RSA\",\"kid\":\"rs256\",\"e\":\"AQAB\",\"n\":\"ofgWCuLjyb" \
    "Rlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS" \
    "2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47s" \
    "oMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WT" \
    "BEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFv" \
    "UK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\"}"

/* RFC 7515 A.3: the public half of the P-256 key. */
#define FUZZ_JWK_ES256                                                     \
    "{\"kty\":\"EC\",\"kid\":\"es256\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2" \
    "xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659" \
    "LNpXW6pCyStikYjKIWI5a0\"}"

/* RFC 8037 A.2: the public Ed25519 key. */
#define FUZZ_JWK_EDDSA                                                     \
    "{\"kty\":\"OKP\",\"kid\":\"ed25519\",\"crv\":\"Ed25519\",\"x\":\"11q" \
    "YAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"

/* Parses one of the keys above, bound to alg; aborts if it cannot. */
static inline jot_key *
fuzz_key(const char *jwk, jot_alg alg)
{
    jot_key *key = NULL;

    CHECK(jot_jwk_parse(jwk, strlen(jwk), alg, &key) == JOT_OK);
    return key;
}

#endif /* JOT_FUZZ_H */
