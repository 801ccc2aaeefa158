/*
 * bench/peer_libjwt.c - libjwt 1.10.2, used the way its documentation
 * shows: jwt_decode() with the key as PEM (the raw secret for HMAC) to
 * verify, then the claims a verifier must look at; jwt_new(),
 * jwt_set_alg(), headers and grants, jwt_encode_str() to sign.
 *
 * libjwt 1.10.2 knows HS*, RS* and ES* only: no PS256, no EdDSA.  And it
 * knows one "typ" only: jwt_decode() refuses a header whose "typ" is not
 * "JWT" (so every "at+jwt" access token), and jwt_encode_str() writes
 * "typ":"JWT" whatever the caller set.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>

#include "bench.h"

struct peer {
    jwt_alg_t alg;
    const unsigned char *sign_key;  /* private PEM, or the secret */
    int sign_key_len;
    const unsigned char *verify_key; /* public PEM, or the secret */
    int verify_key_len;
    const char *kid;
    const char *claims;
    const char *issuer;
    const char *audience;
};

struct peer *
peer_new(const struct bench_key *key, const char *claims, const char *issuer,
         const char *audience)
{
    struct peer *p;
    jwt_alg_t alg;

    alg = jwt_str_alg(key->name);
    if (alg == JWT_ALG_INVAL || alg == JWT_ALG_NONE)
        return NULL;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        bench_die("out of memory");
    p->alg = alg;
    if (key->hmac) {
        p->sign_key = key->secret;
        p->sign_key_len = (int)sizeof key->secret;
        p->verify_key = key->secret;
        p->verify_key_len = (int)sizeof key->secret;
    } else {
        p->sign_key = (const unsigned char *)key->priv_pem;
        p->sign_key_len = (int)key->priv_pem_len;
        p->verify_key = (const unsigned char *)key->pub_pem;
        p->verify_key_len = (int)key->pub_pem_len;
    }
    p->kid = key->kid;
    p->claims = claims;
    p->issuer = issuer;
    p->audience = audience;
    return p;
}

void
peer_free(struct peer *p)
{
    free(p);
}

static int
streq(const char *a, const char *b)
{
    return a != NULL && strcmp(a, b) == 0;
}

int
peer_verify(struct peer *p, const char *tok)
{
    jwt_t *jwt = NULL;
    long exp;
    int ok;

    if (jwt_decode(&jwt, tok, p->verify_key, p->verify_key_len) != 0)
        return 0;
    /* The claim checks of libjot's policy; libjwt 1.10.2 has no API for
       them, so its users write these lines.  The header's "typ" needs no
       look: jwt_decode() refuses any but "JWT". */
    errno = 0;
    exp = jwt_get_grant_int(jwt, "exp");
    ok = jwt_get_alg(jwt) == p->alg && errno == 0 &&
         exp > (long)time(NULL) &&
         streq(jwt_get_grant(jwt, "iss"), p->issuer) &&
         streq(jwt_get_grant(jwt, "aud"), p->audience);
    jwt_free(jwt);
    return ok;
}

char *
peer_sign(struct peer *p)
{
    jwt_t *jwt = NULL;
    char *out = NULL;

    if (jwt_new(&jwt) != 0)
        return NULL;
    /* jwt_encode_str() writes "typ":"JWT" over this one. */
    if (jwt_set_alg(jwt, p->alg, p->sign_key, p->sign_key_len) == 0 &&
        jwt_add_header(jwt, "typ", "at+jwt") == 0 &&
        jwt_add_header(jwt, "kid", p->kid) == 0 &&
        jwt_add_grants_json(jwt, p->claims) == 0)
        out = jwt_encode_str(jwt);
    jwt_free(jwt);
    return out;
}
