/*
 * bench/bench_lib.c - libjot against libjwt 1.10.2 and against the floor
 * (bench/floor.c), signing and verifying the same access token.
 *
 *   bench_lib [ALG [OP [CONTENDER]]]     e.g. bench_lib ES256 verify libjot
 *
 * Each repetition runs every contender for one time slice, taking turns
 * in a rotating order (a slice is cut in a few chunks), so that slow
 * drifts and bursts of load on a shared machine hit all of them alike.
 * Times are medians over the repetitions, ratios medians of the ratios
 * within each repetition.  Rates are operations per second of this
 * thread's CPU time, so time lost to other processes does not count.
 *
 * Environment: BENCH_SECONDS, the slice (default 0.2 s); BENCH_REPS, the
 * repetitions (default 7); BENCH_VERBOSE, print every slice to stderr;
 * BENCH_STRICT, exit 1 when a target is not met.
 *
 * The token is a typical access token of jotd (API.md): header
 * {"alg","typ":"at+jwt","kid"}, claims iss, sub, aud, exp, iat, nbf, jti,
 * sid and roles.  libjot signs it once and all three contenders verify
 * those very bytes (libjwt a twin, see cross_check).  Before measuring,
 * every contender must accept the tokens of the others and reject
 * tampered ones.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "bench.h"

#define ISSUER "https://auth.example.com"
#define TYP "at+jwt"
#define ACCESS_TTL 900
#define MAX_REPS 99
#define BATCH 8                 /* operations between two looks at the clock */
#define CHUNKS 4                /* turns the contenders take in one slice */
#define TOKEN_CAP 4096

enum { C_JOT, C_FLOOR, C_LIBJWT, N_CONTENDERS };
enum { OP_SIGN, OP_VERIFY, N_OPS };

static const char *const contender_names[N_CONTENDERS] = {
    "libjot", "floor", "libjwt"
};
static const char *const op_names[N_OPS] = { "sign", "verify" };

/* Everything one algorithm needs, for all contenders. */
struct alg_state {
    struct bench_key key;
    jot_key *jot_sign;          /* private, from PEM (or the secret) */
    jot_key *jot_pub;           /* public, from PEM (or the secret) */
    jot_keyset *keys;           /* what the verifier holds */
    struct jot_verify_opts opts;
    struct floor *floor;
    struct peer *peer;          /* NULL: libjwt has no such algorithm */
    char *claims;
    size_t claims_len;
    char *tok;                  /* signed by libjot; everybody verifies it */
    size_t tok_len;
    const char *peer_tok;       /* what libjwt verifies: tok or peer_twin */
    char *peer_twin;            /* tok with "typ":"JWT", or NULL */
    char buf[TOKEN_CAP];
};

struct cell {
    int (*fn)(struct alg_state *s);
    int on;                     /* measured in this run */
    double rate[MAX_REPS];      /* operations per CPU second */
};

static const struct {
    const char *name;
    jot_alg alg;
} algs[] = {
    { "HS256", JOT_ALG_HS256 },
    { "RS256", JOT_ALG_RS256 },
    { "PS256", JOT_ALG_PS256 },
    { "ES256", JOT_ALG_ES256 },
    { "EdDSA", JOT_ALG_EDDSA },
};
#define N_ALGS (sizeof algs / sizeof algs[0])

void
bench_die(const char *fmt, ...)
{
    va_list ap;

    fputs("bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static void
check(jot_err err, const char *what)
{
    if (err != JOT_OK)
        bench_die("%s: %s", what, jot_strerror(err));
}

/* The contenders' operations; each returns 1 on success. */

static int
jot_sign(struct alg_state *s)
{
    char *out = NULL;
    jot_err err;

    err = jot_jwt_sign(s->jot_sign, TYP, s->claims, s->claims_len, &out);
    jot_free(out);
    return err == JOT_OK;
}

static int
jot_verify(struct alg_state *s)
{
    jot_jwt *jwt = NULL;
    jot_err err;

    err = jot_jwt_verify(s->keys, &s->opts, s->tok, s->tok_len, &jwt);
    jot_jwt_free(jwt);
    return err == JOT_OK;
}

static int
floor_sign_op(struct alg_state *s)
{
    return floor_sign(s->floor, s->buf, sizeof s->buf) != 0;
}

static int
floor_verify_op(struct alg_state *s)
{
    return floor_verify(s->floor, s->tok, s->tok_len);
}

static int
libjwt_sign(struct alg_state *s)
{
    char *t = peer_sign(s->peer);

    free(t);
    return t != NULL;
}

static int
libjwt_verify(struct alg_state *s)
{
    return peer_verify(s->peer, s->peer_tok);
}

static int (*const op_fns[N_OPS][N_CONTENDERS])(struct alg_state *) = {
    [OP_SIGN] = { jot_sign, floor_sign_op, libjwt_sign },
    [OP_VERIFY] = { jot_verify, floor_verify_op, libjwt_verify },
};

/* The decoded first segment of tok, NUL-terminated, into out. */
static void
token_header(const char *tok, char *out, size_t cap)
{
    const char *dot = strchr(tok, '.');
    size_t n;

    if (dot == NULL ||
        !bench_b64_decode(tok, (size_t)(dot - tok), (unsigned char *)out,
                          cap - 1, &n))
        bench_die("token without a header");
    out[n] = '\0';
}

static void
setup(struct alg_state *s, const char *name, jot_alg alg, int64_t now,
      int64_t ttl)
{
    struct bench_key *k = &s->key;
    char *kid = NULL, header[512];

    bench_key_make(k, name, alg);
    if (k->hmac) {
        check(jot_key_from_secret(k->secret, sizeof k->secret, alg,
                                  &s->jot_sign), "jot_key_from_secret");
        s->jot_pub = jot_key_ref(s->jot_sign);
    } else {
        check(jot_key_from_pem(k->priv_pem, k->priv_pem_len, alg,
                               &s->jot_sign), "jot_key_from_pem (private)");
        check(jot_key_from_pem(k->pub_pem, k->pub_pem_len, alg, &s->jot_pub),
              "jot_key_from_pem (public)");
        check(jot_jwk_thumbprint(s->jot_pub, &kid), "jot_jwk_thumbprint");
        if (strlen(kid) >= sizeof k->kid)
            bench_die("%s: thumbprint too long", name);
        memcpy(k->kid, kid, strlen(kid) + 1);
        jot_free(kid);
    }
    check(jot_key_set_kid(s->jot_sign, k->kid), "jot_key_set_kid");
    if (s->jot_pub != s->jot_sign)
        check(jot_key_set_kid(s->jot_pub, k->kid), "jot_key_set_kid");
    check(jot_keyset_new(&s->keys), "jot_keyset_new");
    check(jot_keyset_add(s->keys, s->jot_pub), "jot_keyset_add");
    s->opts.issuer = ISSUER;
    s->opts.audience = ISSUER;
    s->opts.typ = TYP;

    s->claims = bench_claims(ISSUER, now, ttl);
    s->claims_len = strlen(s->claims);
    check(jot_jwt_sign(s->jot_sign, TYP, s->claims, s->claims_len,
                       &s->tok), "jot_jwt_sign");
    s->tok_len = strlen(s->tok);
    /* The floor signs exactly what libjot signed. */
    token_header(s->tok, header, sizeof header);
    s->floor = floor_new(k, header, s->claims);
    s->peer = peer_new(k, s->claims, ISSUER, ISSUER);
}

static void
teardown(struct alg_state *s)
{
    peer_free(s->peer);
    floor_free(s->floor);
    jot_free(s->tok);
    jot_free(s->peer_twin);
    free(s->claims);
    jot_keyset_free(s->keys);
    jot_key_free(s->jot_pub);
    jot_key_free(s->jot_sign);
    bench_key_free(&s->key);
}

/*
 * Sanity: every contender accepts the others' tokens and rejects tampered
 * ones, else the numbers would compare different work.
 *
 * libjwt 1.10.2 refuses any "typ" but "JWT" in jwt_decode() (EINVAL) and
 * writes "typ":"JWT" over any other in jwt_encode_str(), so it can
 * neither verify nor make an "at+jwt" access token.  When it refuses
 * libjot's token, it is measured on a twin that libjot signs with
 * "typ":"JWT": same key, same claims, same work, 4 base64url characters
 * shorter.
 */

/* libjot's verdict on tok, with typ for the expected "typ". */
static jot_err
jot_takes(struct alg_state *s, const char *tok, const char *typ)
{
    struct jot_verify_opts opts = s->opts;
    jot_jwt *jwt = NULL;
    jot_err err;

    opts.typ = typ;
    err = jot_jwt_verify(s->keys, &opts, tok, strlen(tok), &jwt);
    jot_jwt_free(jwt);
    return err;
}

/* Dies unless libjot (expecting typ, or none when NULL), the floor and,
   when want_peer is 0 or 1, libjwt all take tok as wanted (1: accept). */
static void
expect(struct alg_state *s, const char *tok, const char *typ, int want,
       int want_peer, const char *whose)
{
    const char *verb = want ? "does not verify" : "accepts";
    jot_err err = jot_takes(s, tok, typ);

    if ((err == JOT_OK) != want)
        bench_die("%s: libjot %s %s: %s", s->key.name, verb, whose,
                  jot_strerror(err));
    if (floor_verify(s->floor, tok, strlen(tok)) != want)
        bench_die("%s: the floor %s %s", s->key.name, verb, whose);
    if (s->peer != NULL && want_peer >= 0 &&
        peer_verify(s->peer, tok) != want_peer)
        bench_die("%s: libjwt %s %s", s->key.name,
                  want_peer ? "does not verify" : "accepts", whose);
}

/* Changes the character at offset i of the segment seg (0, 1, 2) of tok,
   into out. */
static void
tamper(const char *tok, int seg, size_t i, char *out, size_t cap)
{
    const char *p = tok;
    size_t len = strlen(tok);

    if (len >= cap)
        bench_die("token too long");
    memcpy(out, tok, len + 1);
    while (seg-- > 0)
        p = strchr(p, '.') + 1;
    i += (size_t)(p - tok);
    out[i] = out[i] == 'A' ? 'B' : 'A';
}

static void
cross_check(struct alg_state *s)
{
    char bad[TOKEN_CAP], *tok = NULL;
    int peer_at;        /* libjwt takes the at+jwt token */
    size_t n;

    s->peer_tok = s->tok;
    peer_at = s->peer != NULL && peer_verify(s->peer, s->tok);
    if (s->peer != NULL && !peer_at) {
        check(jot_jwt_sign(s->jot_sign, "JWT", s->claims, s->claims_len,
                           &s->peer_twin), "jot_jwt_sign (JWT)");
        s->peer_tok = s->peer_twin;
        expect(s, s->peer_tok, "JWT", 1, 1, "libjot's typ JWT twin token");
    }
    expect(s, s->tok, TYP, 1, s->peer != NULL ? peer_at : -1,
           "libjot's token");

    n = floor_sign(s->floor, s->buf, sizeof s->buf);
    if (n == 0)
        bench_die("%s: the floor cannot sign", s->key.name);
    expect(s, s->buf, TYP, 1, peer_at, "the floor's token");
    /* HS256, RS256 and EdDSA are deterministic: same input, same token. */
    if (s->key.alg != JOT_ALG_ES256 && s->key.alg != JOT_ALG_PS256 &&
        strcmp(s->buf, s->tok) != 0)
        bench_die("%s: the floor and libjot sign different bytes",
                  s->key.name);

    if (s->peer != NULL) {
        tok = peer_sign(s->peer);
        if (tok == NULL)
            bench_die("%s: libjwt cannot sign", s->key.name);
        /* libjwt 1.10.2 writes "typ":"JWT" whatever it was asked for, so
           libjot checks no typ here. */
        expect(s, tok, NULL, 1, 1, "libjwt's token");
        free(tok);
    }

    /* A changed signature, payload or header must fail everywhere. */
    tamper(s->tok, 2, 4, bad, sizeof bad);
    expect(s, bad, TYP, 0, -1, "a token with a changed signature");
    tamper(s->tok, 1, 8, bad, sizeof bad);
    expect(s, bad, TYP, 0, -1, "a token with a changed payload");
    tamper(s->tok, 0, 16, bad, sizeof bad);
    expect(s, bad, TYP, 0, -1, "a token with a changed header");
    tamper(s->peer_tok, 2, 4, bad, sizeof bad);
    expect(s, bad, s->peer_tok == s->tok ? TYP : "JWT", 0, 0,
           "a token with a changed signature");
    tamper(s->peer_tok, 1, 8, bad, sizeof bad);
    expect(s, bad, s->peer_tok == s->tok ? TYP : "JWT", 0, 0,
           "a token with a changed payload");
}

/* Measurement. */

static double
seconds_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) +
           (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Operations and CPU time gathered over the chunks of one slice. */
struct tally {
    unsigned long ops;
    double cpu;
};

/* Runs fn for about `seconds` of wall time and adds what it did to t. */
static void
run_chunk(int (*fn)(struct alg_state *), struct alg_state *s,
          double seconds, const char *what, struct tally *t)
{
    struct timespec w0, w, c0, c1;
    unsigned long n = 0;
    int i;

    clock_gettime(CLOCK_MONOTONIC, &w0);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    do {
        for (i = 0; i < BATCH; i++) {
            if (!fn(s))
                bench_die("%s failed during the measurement", what);
        }
        n += BATCH;
        clock_gettime(CLOCK_MONOTONIC, &w);
    } while (seconds_between(&w0, &w) < seconds);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    t->ops += n;
    t->cpu += seconds_between(&c0, &c1);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
    double t[MAX_REPS];

    memcpy(t, v, (size_t)n * sizeof *v);
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* (max - min) / median, in percent. */
static double
spread(const double *v, int n)
{
    double lo = v[0], hi = v[0];
    int i;

    for (i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    return 100 * (hi - lo) / median(v, n);
}

static double
env_double(const char *name, double def, double lo, double hi)
{
    const char *v = getenv(name);
    char *end;
    double d;

    if (v == NULL || *v == '\0')
        return def;
    errno = 0;
    d = strtod(v, &end);
    if (errno != 0 || *end != '\0' || !(d >= lo && d <= hi))
        bench_die("%s=%s: want a number in [%g, %g]", name, v, lo, hi);
    return d;
}

static int
wanted(const char *filter, const char *name)
{
    return filter == NULL || strcasecmp(filter, name) == 0;
}

static void
print_tokens(const struct alg_state *st)
{
    const struct alg_state *s;
    const char *claims = NULL;
    int twin = 0;
    size_t a;

    printf("token octets:");
    for (a = 0; a < N_ALGS; a++) {
        s = &st[a];
        if (s->tok == NULL)
            continue;
        printf(" %s %zu", s->key.name, s->tok_len);
        claims = s->claims;
        twin |= s->peer_twin != NULL;
    }
    printf("\nclaims: %s\n", claims);
    if (twin) {
        printf("libjwt 1.10.2 refuses \"typ\":\"at+jwt\" (jwt_decode: EINVAL), "
               "so it verifies a twin\ntoken with \"typ\":\"JWT\" "
               "(same key and claims, 4 octets shorter)\n");
    }
}

/* What the table and the targets need of one row. */
struct row {
    double us[N_CONTENDERS];    /* median µs per operation; 0: not run */
    double jot_rate;            /* median libjot operations per second */
    double vs_floor;            /* libjot time / floor time; 0: not run */
    double vs_libjwt;           /* libjwt time / libjot time; 0: not run */
};

/* The median over the repetitions of num[r] / den[r].  Each repetition
   ran the two back to back, so a drift of the machine's speed cancels
   out of the ratio, where it would not out of a ratio of medians. */
static double
paired_ratio(const double *num, const double *den, int reps)
{
    double q[MAX_REPS];
    int r;

    for (r = 0; r < reps; r++)
        q[r] = num[r] / den[r];
    return median(q, reps);
}

static void
get_row(struct cell *cells, int reps, struct row *out)
{
    int c;

    for (c = 0; c < N_CONTENDERS; c++)
        out->us[c] = cells[c].on ? 1e6 / median(cells[c].rate, reps) : 0;
    out->jot_rate = cells[C_JOT].on ? median(cells[C_JOT].rate, reps) : 0;
    out->vs_floor = 0;
    out->vs_libjwt = 0;
    if (cells[C_JOT].on && cells[C_FLOOR].on)
        out->vs_floor = paired_ratio(cells[C_FLOOR].rate, cells[C_JOT].rate,
                                     reps);
    if (cells[C_JOT].on && cells[C_LIBJWT].on)
        out->vs_libjwt = paired_ratio(cells[C_JOT].rate,
                                      cells[C_LIBJWT].rate, reps);
}

static void
print_table(struct cell cells[][N_OPS][N_CONTENDERS], int reps)
{
    struct row row;
    size_t a, o;
    int c;

    printf("alg    op      libjot µs  floor µs  libjwt µs  jot/floor  "
           "libjwt/jot  libjot op/s  spread\n");
    for (a = 0; a < N_ALGS; a++) {
        for (o = 0; o < N_OPS; o++) {
            get_row(cells[a][o], reps, &row);
            if (row.us[C_JOT] == 0 && row.us[C_FLOOR] == 0 &&
                row.us[C_LIBJWT] == 0)
                continue;
            printf("%-6s %-6s", algs[a].name, op_names[o]);
            for (c = 0; c < N_CONTENDERS; c++) {
                if (row.us[c] > 0)
                    printf("  %9.2f", row.us[c]);
                else
                    printf("  %9s", "n/a");
            }
            if (row.vs_floor > 0)
                printf("  %8.2fx", row.vs_floor);
            else
                printf("  %9s", "n/a");
            if (row.vs_libjwt > 0)
                printf("  %9.2fx", row.vs_libjwt);
            else
                printf("  %10s", "n/a");
            if (row.us[C_JOT] > 0)
                printf("  %11.0f  %5.1f%%", row.jot_rate,
                       spread(cells[a][o][C_JOT].rate, reps));
            printf("\n");
        }
    }
    printf("µs: median CPU time per operation; ratios: median of the "
           "ratios within each\nrepetition; spread: (max - min) / median "
           "of libjot's repetitions\n\n");
}

struct target {
    size_t alg;
    int vs;                     /* C_FLOOR: jot/floor time <= limit;
                                   C_LIBJWT: libjwt/jot time >= limit */
    double limit;
};

static const struct target targets[] = {
    { 0, C_FLOOR, 1.25 }, { 1, C_FLOOR, 1.25 }, { 2, C_FLOOR, 1.25 },
    { 3, C_FLOOR, 1.25 }, { 4, C_FLOOR, 1.25 },
    { 0, C_LIBJWT, 1.5 }, { 1, C_LIBJWT, 5.0 }, { 3, C_LIBJWT, 5.0 },
};

/* Returns the number of targets not met. */
static int
print_targets(struct cell cells[][N_OPS][N_CONTENDERS], int reps)
{
    const struct target *t;
    struct row row;
    double ratio;
    int met, n_missed = 0;
    size_t i;

    for (i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        t = &targets[i];
        get_row(cells[t->alg][OP_VERIFY], reps, &row);
        ratio = t->vs == C_FLOOR ? row.vs_floor : row.vs_libjwt;
        if (ratio == 0)
            continue;
        if (t->vs == C_FLOOR) {
            met = ratio <= t->limit;
            printf("target %-5s verify: libjot within %.2fx of the floor  "
                   "%5.2fx  %s\n", algs[t->alg].name, t->limit, ratio,
                   met ? "MET" : "NOT MET");
        } else {
            met = ratio >= t->limit;
            printf("target %-5s verify: libjot >= %.1fx faster than libjwt "
                   "%5.2fx  %s\n", algs[t->alg].name, t->limit, ratio,
                   met ? "MET" : "NOT MET");
        }
        n_missed += !met;
    }
    return n_missed;
}

int
main(int argc, char **argv)
{
    static struct alg_state st[N_ALGS];
    static struct cell cells[N_ALGS][N_OPS][N_CONTENDERS];
    const char *f_alg = argc > 1 ? argv[1] : NULL;
    const char *f_op = argc > 2 ? argv[2] : NULL;
    const char *f_who = argc > 3 ? argv[3] : NULL;
    double slice;
    int reps, r, c, k, i, n_cells = 0, n_missed, verbose;
    struct tally tl[N_CONTENDERS];
    size_t a, o;
    int64_t now, ttl;
    struct cell *ce;
    char what[64];

    if (argc > 4 || (argc > 1 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: bench_lib [ALG [sign|verify "
                        "[libjot|floor|libjwt]]]\n");
        return 2;
    }
    slice = env_double("BENCH_SECONDS", 0.2, 0.001, 3600);
    reps = (int)env_double("BENCH_REPS", 7, 1, MAX_REPS);
    verbose = getenv("BENCH_VERBOSE") != NULL;

    for (a = 0; a < N_ALGS; a++)
        for (o = 0; o < N_OPS; o++)
            for (c = 0; c < N_CONTENDERS; c++) {
                cells[a][o][c].on = wanted(f_alg, algs[a].name) &&
                                    wanted(f_op, op_names[o]) &&
                                    wanted(f_who, contender_names[c]);
                n_cells += cells[a][o][c].on;
            }
    if (n_cells == 0) {
        fprintf(stderr, "bench: nothing matches the filter\n");
        return 2;
    }
    /* The token must outlive the run; exp keeps its 10 digits anyway. */
    now = (int64_t)time(NULL);
    ttl = ACCESS_TTL;
    if (slice * reps * (n_cells + 1) + 60 > ttl)
        ttl = (int64_t)(slice * reps * (n_cells + 1)) + 600;

    for (a = 0; a < N_ALGS; a++) {
        if (!wanted(f_alg, algs[a].name))
            continue;
        setup(&st[a], algs[a].name, algs[a].alg, now, ttl);
        cross_check(&st[a]);
        for (o = 0; o < N_OPS; o++)
            for (c = 0; c < N_CONTENDERS; c++) {
                ce = &cells[a][o][c];
                ce->fn = op_fns[o][c];
                if (c == C_LIBJWT && st[a].peer == NULL)
                    ce->on = 0;
            }
    }
    printf("libjot %s (OpenSSL %s, jansson %s) vs libjwt 1.10.2 vs floor\n",
           JOT_VERSION, OpenSSL_version(OPENSSL_VERSION_STRING),
           JANSSON_VERSION);
    printf("cross-checks passed: every contender verifies the others' "
           "tokens and rejects tampered ones\n");
    print_tokens(st);
    printf("%d repetitions of %g s slices per contender, interleaved; "
           "medians\n\n", reps, slice);
    fflush(stdout);

    /* Warm up caches, allocators and lazy initialisation. */
    for (a = 0; a < N_ALGS; a++)
        for (o = 0; o < N_OPS; o++)
            for (c = 0; c < N_CONTENDERS; c++) {
                ce = &cells[a][o][c];
                if (ce->on)
                    run_chunk(ce->fn, &st[a], slice / 10, "warm-up", &tl[0]);
            }

    /*
     * A slice is cut in CHUNKS chunks and the contenders of a row take
     * turns chunk by chunk, so their slices span the same stretch of time
     * and a burst of load on the machine falls on all of them.
     */
    for (r = 0; r < reps; r++) {
        for (a = 0; a < N_ALGS; a++) {
            for (o = 0; o < N_OPS; o++) {
                memset(tl, 0, sizeof tl);
                for (i = 0; i < CHUNKS; i++) {
                    for (k = 0; k < N_CONTENDERS; k++) {
                        /* Rotate who goes first, against order effects. */
                        c = (k + r + i) % N_CONTENDERS;
                        ce = &cells[a][o][c];
                        if (!ce->on)
                            continue;
                        snprintf(what, sizeof what, "%s %s %s",
                                 contender_names[c], algs[a].name,
                                 op_names[o]);
                        run_chunk(ce->fn, &st[a], slice / CHUNKS, what,
                                  &tl[c]);
                    }
                }
                for (c = 0; c < N_CONTENDERS; c++) {
                    ce = &cells[a][o][c];
                    if (!ce->on)
                        continue;
                    ce->rate[r] = (double)tl[c].ops / tl[c].cpu;
                    if (verbose)
                        fprintf(stderr, "rep %d %s %s %s %.2f µs\n", r,
                                contender_names[c], algs[a].name,
                                op_names[o], 1e6 / ce->rate[r]);
                }
            }
        }
    }

    print_table(cells, reps);
    n_missed = print_targets(cells, reps);
    if (n_missed > 0)
        printf("%d target%s not met\n", n_missed, n_missed == 1 ? "" : "s");

    for (a = 0; a < N_ALGS; a++)
        teardown(&st[a]);
    return getenv("BENCH_STRICT") != NULL && n_missed > 0;
}
