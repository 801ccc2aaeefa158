/*
 * password.c - password hashing and verification: argon2id through
 * libargon2, bcrypt through libcrypt (libxcrypt).  Neither primitive is
 * written here.
 *
 * Stored hashes are parsed strictly before either library sees them, so
 * that anything unexpected in the database is JOTD_ERR_INTERNAL and
 * never an oversized allocation or an endless computation.
 */
#include <crypt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <jot/jot.h>

#include "core/password.h"
#include "jotd.h"

#define ARGON2_SALT_LEN 16
#define ARGON2_HASH_LEN 32
/* Decoded salt or hash of a stored string: JOTD_HASH_MAX base64 at most. */
#define ARGON2_FIELD_MAX (JOTD_HASH_MAX / 4 * 3)

/*
 * Ceilings on the parameters of a stored argon2id hash: well above any
 * sensible setting, low enough that one bad row cannot take the server's
 * memory or a worker for hours.
 */
#define ARGON2_M_MAX_KIB (1024u * 1024u)       /* 1 GiB */
#define ARGON2_T_MAX 32u
#define ARGON2_P_MAX 16u

#define BCRYPT_COST_MIN 10u                    /* for new hashes */
#define BCRYPT_LEN 60                          /* "$2b$12$" + 22 + 31 */
#define BCRYPT_SALT_BYTES 16

/* What a stored hash says about itself. */
struct hash_info {
    enum jotd_hash alg;
    uint32_t m, t, p;           /* argon2id */
    const char *salt, *hash;    /* argon2id: their base64, in the string */
    size_t salt_len, hash_len;
    unsigned cost;              /* bcrypt */
    char variant;               /* bcrypt: 'a', 'b' or 'y' */
};

static unsigned
bcrypt_cost(const struct jotd_config *cfg)
{
    return cfg->bcrypt_cost < BCRYPT_COST_MIN ? BCRYPT_COST_MIN
                                              : cfg->bcrypt_cost;
}

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Characters of the unpadded standard base64 of PHC strings. */
static int
is_phc_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           is_digit(c) || c == '+' || c == '/';
}

/* Characters of bcrypt's own base64 ("./A-Za-z0-9"). */
static int
is_bcrypt_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           is_digit(c) || c == '.' || c == '/';
}

/*
 * Reads a decimal number of 1 to 10 digits without a leading zero, as
 * the PHC string format writes them, and moves *s past it.
 */
static int
read_u32(const char **s, uint32_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    size_t n = 0;

    if (p[0] == '0' && is_digit(p[1]))
        return -1;
    while (is_digit(p[n]) && n < 10) {
        v = v * 10 + (uint64_t)(p[n] - '0');
        n++;
    }
    if (n == 0 || is_digit(p[n]) || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    *s = p + n;
    return 0;
}

static int
skip(const char **s, const char *lit)
{
    size_t n = strlen(lit);

    if (strncmp(*s, lit, n) != 0)
        return -1;
    *s += n;
    return 0;
}

/* Skips one non-empty run of PHC base64 characters. */
static int
skip_b64(const char **s)
{
    const char *p = *s;

    while (is_phc_b64(*p))
        p++;
    if (p == *s)
        return -1;
    *s = p;
    return 0;
}

/* "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH", within the ceilings. */
static int
parse_argon2(const char *h, struct hash_info *info)
{
    const char *s = h;

    if (skip(&s, "$argon2id$v=19$m=") != 0 || read_u32(&s, &info->m) != 0 ||
        skip(&s, ",t=") != 0 || read_u32(&s, &info->t) != 0 ||
        skip(&s, ",p=") != 0 || read_u32(&s, &info->p) != 0 ||
        skip(&s, "$") != 0)
        return -1;
    info->salt = s;
    if (skip_b64(&s) != 0)
        return -1;
    info->salt_len = (size_t)(s - info->salt);
    if (skip(&s, "$") != 0)
        return -1;
    info->hash = s;
    if (skip_b64(&s) != 0 || *s != '\0')
        return -1;
    info->hash_len = (size_t)(s - info->hash);
    if (info->m > ARGON2_M_MAX_KIB || info->t == 0 ||
        info->t > ARGON2_T_MAX || info->p == 0 || info->p > ARGON2_P_MAX)
        return -1;
    info->alg = JOTD_HASH_ARGON2ID;
    return 0;
}

/* "$2a$", "$2b$" or "$2y$", a two-digit cost 04-31, "$", 53 characters. */
static int
parse_bcrypt(const char *h, struct hash_info *info)
{
    size_t i;

    if (strlen(h) != BCRYPT_LEN || h[0] != '$' || h[1] != '2' ||
        (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$' ||
        !is_digit(h[4]) || !is_digit(h[5]) || h[6] != '$')
        return -1;
    for (i = 7; i < BCRYPT_LEN; i++) {
        if (!is_bcrypt_b64(h[i]))
            return -1;
    }
    info->cost = (unsigned)(h[4] - '0') * 10 + (unsigned)(h[5] - '0');
    if (info->cost < 4 || info->cost > 31)
        return -1;
    info->variant = h[2];
    info->alg = JOTD_HASH_BCRYPT;
    return 0;
}

static int
parse_hash(const char *h, struct hash_info *info)
{
    memset(info, 0, sizeof *info);
    if (h == NULL || strnlen(h, JOTD_HASH_MAX) >= JOTD_HASH_MAX)
        return -1;
    if (parse_argon2(h, info) == 0 || parse_bcrypt(h, info) == 0)
        return 0;
    return -1;
}

/*
 * bcrypt over a C string: it stops at the first NUL and after 72 octets,
 * so a password it would cut short is refused, never truncated.
 */
static int
bcrypt_usable(const char *pw, size_t pw_len)
{
    return pw_len <= JOTD_BCRYPT_MAX &&
           (pw_len == 0 || memchr(pw, '\0', pw_len) == NULL);
}

/*
 * Runs crypt_r over pw with setting (a salt or a whole stored hash) and
 * copies the result to out (BCRYPT_LEN + 1 bytes).  The password copy and
 * libcrypt's 32 KiB work area, which is too large for a worker thread's
 * stack, are wiped before they are freed.
 */
static jotd_err
bcrypt_run(const char *setting, const char *pw, size_t pw_len,
           char out[BCRYPT_LEN + 1])
{
    char pw_z[JOTD_BCRYPT_MAX + 1];
    struct crypt_data *cd = NULL;
    const char *r;
    jotd_err res = JOTD_ERR_INTERNAL;

    out[0] = '\0';
    if (!bcrypt_usable(pw, pw_len))
        return JOTD_ERR_PASSWORD_LONG;
    cd = calloc(1, sizeof *cd);
    if (cd == NULL)
        return JOTD_ERR_NOMEM;
    if (pw_len > 0)
        memcpy(pw_z, pw, pw_len);
    pw_z[pw_len] = '\0';
    r = crypt_r(pw_z, setting, cd);
    /* libcrypt marks a failure with a leading '*'. */
    if (r == NULL || r[0] == '*' || strnlen(r, BCRYPT_LEN + 1) != BCRYPT_LEN) {
        res = JOTD_ERR_INTERNAL;
        goto out;
    }
    memcpy(out, r, BCRYPT_LEN + 1);
    res = JOTD_OK;
out:
    jot_wipe(pw_z, sizeof pw_z);
    jot_free_wiped(cd, sizeof *cd);
    return res;
}

jotd_err
jotd_password_check(const struct jotd_config *cfg, const char *pw,
                    size_t pw_len)
{
    if (cfg == NULL || (pw == NULL && pw_len > 0))
        return JOTD_ERR_INTERNAL;
    if (pw_len < JOTD_PASSWORD_MIN)
        return JOTD_ERR_PASSWORD_SHORT;
    if (pw_len > JOTD_PASSWORD_MAX)
        return JOTD_ERR_PASSWORD_LONG;
    /* API.md: refused with 400 rather than silently truncated. */
    if (cfg->password_hash == JOTD_HASH_BCRYPT && !bcrypt_usable(pw, pw_len))
        return JOTD_ERR_PASSWORD_LONG;
    return JOTD_OK;
}

/*
 * libargon2 takes its work area (19 MiB here) from malloc unless told
 * otherwise.  glibc maps a block that large on its own at first, but the
 * first free of it raises glibc's dynamic mmap threshold above it, and
 * from then on each thread that hashes keeps such a block in its own
 * arena: resident memory grows by 19 MiB for every hashing thread and
 * never shrinks (129 MB with six hash workers).  Mapping the area here
 * gives it back to the kernel after every hash, whatever the C library
 * does, so that only the hashes running at once (the hash slots) are
 * resident.  libargon2 has wiped the area before it calls area_unmap.
 */
static int
area_map(uint8_t **memory, size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    *memory = p == MAP_FAILED ? NULL : p;
    return *memory != NULL ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
}

static void
area_unmap(uint8_t *memory, size_t len)
{
    if (memory != NULL)
        (void)munmap(memory, len);
}

/*
 * An argon2id context over the caller's buffers, with the work area from
 * area_map.  The flags leave the password alone, so the cast only
 * satisfies libargon2's non-const field.
 */
static void
context_init(argon2_context *ctx, const struct hash_info *info,
             const char *pw, size_t pw_len, uint8_t *salt, size_t salt_len,
             uint8_t *out, size_t out_len)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->out = out;
    ctx->outlen = (uint32_t)out_len;
    ctx->pwd = (uint8_t *)(uintptr_t)pw;
    ctx->pwdlen = (uint32_t)pw_len;
    ctx->salt = salt;
    ctx->saltlen = (uint32_t)salt_len;
    ctx->t_cost = info->t;
    ctx->m_cost = info->m;
    ctx->lanes = info->p;
    ctx->threads = info->p;
    ctx->version = ARGON2_VERSION_13;
    ctx->allocate_cbk = area_map;
    ctx->free_cbk = area_unmap;
    ctx->flags = ARGON2_DEFAULT_FLAGS;
}

static jotd_err
argon2_result(int rc)
{
    switch (rc) {
    case ARGON2_OK:
        return JOTD_OK;
    case ARGON2_VERIFY_MISMATCH:
        return JOTD_ERR_CREDENTIALS;
    case ARGON2_MEMORY_ALLOCATION_ERROR:
        return JOTD_ERR_NOMEM;
    default:
        /* A thread failure, or parameters libargon2 refuses. */
        return JOTD_ERR_INTERNAL;
    }
}

/* The unpadded standard base64 of PHC strings; out has room for it. */
static size_t
phc_b64_encode(const uint8_t *in, size_t in_len, char *out)
{
    size_t n = (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)in_len);

    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
    return n;
}

/*
 * Decodes a run of PHC base64 (already checked for its alphabet) into out
 * (ARGON2_FIELD_MAX bytes).  Only the canonical form is accepted, as
 * libargon2's own decoder does: the run must be what encoding the result
 * gives back, which rules out a stray length and unused bits set.
 */
static int
phc_b64_decode(const char *in, size_t in_len, uint8_t *out, size_t *out_len)
{
    char padded[JOTD_HASH_MAX + 4];
    char again[JOTD_HASH_MAX + 4];
    size_t n_pad = (4 - in_len % 4) % 4;
    int n;

    if (in_len == 0 || in_len >= JOTD_HASH_MAX || n_pad == 3)
        return -1;
    memcpy(padded, in, in_len);
    memset(padded + in_len, '=', n_pad);
    n = EVP_DecodeBlock(out, (const unsigned char *)padded,
                        (int)(in_len + n_pad));
    if (n < 0 || (size_t)n < n_pad)
        return -1;
    *out_len = (size_t)n - n_pad;
    if (phc_b64_encode(out, *out_len, again) != in_len ||
        memcmp(again, in, in_len) != 0)
        return -1;
    return 0;
}

static jotd_err
hash_argon2(const char *pw, size_t pw_len, char out[JOTD_HASH_MAX])
{
    static const struct hash_info fresh = {
        .alg = JOTD_HASH_ARGON2ID, .m = JOTD_ARGON2_M_KIB,
        .t = JOTD_ARGON2_T, .p = JOTD_ARGON2_P,
    };
    uint8_t salt[ARGON2_SALT_LEN], raw[ARGON2_HASH_LEN];
    char salt_b64[ARGON2_SALT_LEN * 2], raw_b64[ARGON2_HASH_LEN * 2];
    argon2_context ctx;
    jotd_err res;
    int n;

    out[0] = '\0';
    if (RAND_bytes(salt, sizeof salt) != 1)
        return JOTD_ERR_INTERNAL;
    context_init(&ctx, &fresh, pw, pw_len, salt, sizeof salt, raw,
                 sizeof raw);
    res = argon2_result(argon2id_ctx(&ctx));
    if (res != JOTD_OK)
        goto out;
    phc_b64_encode(salt, sizeof salt, salt_b64);
    phc_b64_encode(raw, sizeof raw, raw_b64);
    /* The PHC string libargon2's argon2id_hash_encoded writes. */
    n = snprintf(out, JOTD_HASH_MAX, "$argon2id$v=19$m=%u,t=%u,p=%u$%s$%s",
                 (unsigned)fresh.m, (unsigned)fresh.t, (unsigned)fresh.p,
                 salt_b64, raw_b64);
    if (n < 0 || (size_t)n >= JOTD_HASH_MAX) {
        out[0] = '\0';
        res = JOTD_ERR_INTERNAL;
    }
out:
    jot_wipe(raw, sizeof raw);
    jot_wipe(raw_b64, sizeof raw_b64);
    return res;
}

static jotd_err
hash_bcrypt(unsigned cost, const char *pw, size_t pw_len,
            char out[JOTD_HASH_MAX])
{
    unsigned char rnd[BCRYPT_SALT_BYTES];
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    char result[BCRYPT_LEN + 1];
    jotd_err res;

    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return JOTD_ERR_INTERNAL;
    if (crypt_gensalt_rn("$2b$", cost, (const char *)rnd, (int)sizeof rnd,
                         setting, (int)sizeof setting) == NULL)
        return JOTD_ERR_INTERNAL;
    res = bcrypt_run(setting, pw, pw_len, result);
    if (res == JOTD_OK)
        memcpy(out, result, sizeof result);
    return res;
}

jotd_err
jotd_password_hash(const struct jotd_config *cfg, const char *pw,
                   size_t pw_len, char out[JOTD_HASH_MAX])
{
    jotd_err res;

    out[0] = '\0';
    res = jotd_password_check(cfg, pw, pw_len);
    if (res != JOTD_OK)
        return res;
    if (cfg->password_hash == JOTD_HASH_BCRYPT)
        return hash_bcrypt(bcrypt_cost(cfg), pw, pw_len, out);
    return hash_argon2(pw, pw_len, out);
}

static jotd_err
verify_argon2(const struct hash_info *info, const char *pw, size_t pw_len)
{
    uint8_t salt[ARGON2_FIELD_MAX], want[ARGON2_FIELD_MAX];
    uint8_t got[ARGON2_FIELD_MAX];
    size_t salt_len, want_len;
    argon2_context ctx;
    jotd_err res;

    if (phc_b64_decode(info->salt, info->salt_len, salt, &salt_len) != 0 ||
        phc_b64_decode(info->hash, info->hash_len, want, &want_len) != 0)
        return JOTD_ERR_INTERNAL;
    context_init(&ctx, info, pw, pw_len, salt, salt_len, got, want_len);
    /* argon2_verify_ctx compares in constant time (argon2_compare). */
    res = argon2_result(argon2_verify_ctx(&ctx, (const char *)want,
                                          Argon2_id));
    jot_wipe(got, sizeof got);
    return res;
}

static jotd_err
verify_bcrypt(const char *hash, const char *pw, size_t pw_len)
{
    char result[BCRYPT_LEN + 1];
    jotd_err res;

    /*
     * A password bcrypt would cut short cannot be the one that was
     * hashed (hash refuses those), and must not match on its prefix.
     */
    if (!bcrypt_usable(pw, pw_len))
        return JOTD_ERR_CREDENTIALS;
    res = bcrypt_run(hash, pw, pw_len, result);
    if (res != JOTD_OK)
        return res;
    /* Both are BCRYPT_LEN long: parse_bcrypt and bcrypt_run checked. */
    res = jot_ct_equal(result, hash, BCRYPT_LEN) ? JOTD_OK
                                                  : JOTD_ERR_CREDENTIALS;
    jot_wipe(result, sizeof result);
    return res;
}

jotd_err
jotd_password_verify(const char *hash, const char *pw, size_t pw_len)
{
    struct hash_info info;

    if (pw == NULL && pw_len > 0)
        return JOTD_ERR_INTERNAL;
    if (parse_hash(hash, &info) != 0)
        return JOTD_ERR_INTERNAL;
    /* No stored password is longer; do not spend a hash on the ceiling. */
    if (pw_len > JOTD_PASSWORD_MAX)
        return JOTD_ERR_CREDENTIALS;
    if (info.alg == JOTD_HASH_BCRYPT)
        return verify_bcrypt(hash, pw, pw_len);
    return verify_argon2(&info, pw, pw_len);
}

/*
 * The dummy hashes have exactly the parameters of a fresh hash (so a
 * verification against them costs what a real one does) and a hash value
 * that no password is known to produce.  They are built from the
 * constants and the configured cost on each call: no state is kept.
 */
static const char dummy_argon2_salt[] = "ZHVtbXktc2FsdC1qb3RkMQ";
static const char dummy_argon2_hash[] =
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
/* 22 characters of salt, 31 of hash: 53 in all. */
static const char dummy_bcrypt_rest[] =
    "OWb5ZrG2n4dZ7W5Wd8gWqe" "...............................";

void
jotd_password_dummy_verify(const struct jotd_config *cfg, const char *pw,
                           size_t pw_len)
{
    char dummy[JOTD_HASH_MAX];
    int n;

    if (cfg == NULL)
        return;
    if (cfg->password_hash == JOTD_HASH_BCRYPT) {
        n = snprintf(dummy, sizeof dummy, "$2b$%02u$%s", bcrypt_cost(cfg),
                     dummy_bcrypt_rest);
    } else {
        n = snprintf(dummy, sizeof dummy,
                     "$argon2id$v=19$m=%u,t=%u,p=%u$%s$%s",
                     (unsigned)JOTD_ARGON2_M_KIB, (unsigned)JOTD_ARGON2_T,
                     (unsigned)JOTD_ARGON2_P, dummy_argon2_salt,
                     dummy_argon2_hash);
    }
    if (n < 0 || (size_t)n >= sizeof dummy)
        return;
    (void)jotd_password_verify(dummy, pw, pw_len);
}

int
jotd_password_needs_rehash(const struct jotd_config *cfg, const char *hash)
{
    struct hash_info info;

    if (cfg == NULL || parse_hash(hash, &info) != 0)
        return 1;
    if (info.alg != cfg->password_hash)
        return 1;
    if (info.alg == JOTD_HASH_BCRYPT)
        return info.cost != bcrypt_cost(cfg) || info.variant != 'b';
    return info.m != JOTD_ARGON2_M_KIB || info.t != JOTD_ARGON2_T ||
           info.p != JOTD_ARGON2_P;
}

void
jotd_hash_slots_init(struct jotd *j, unsigned n)
{
    sem_init(&j->hash_slots, 0, n ? n : 1);
}

static void
slot_take(struct jotd *j)
{
    jotd_metric_inc(&j->metrics.hash_waits);
    while (sem_wait(&j->hash_slots) != 0)
        ;                       /* EINTR */
    jotd_metric_inc(&j->metrics.hash_waited);
    jotd_metric_inc(&j->metrics.hash_started);
}

static void
slot_give(struct jotd *j)
{
    jotd_metric_inc(&j->metrics.hash_finished);
    sem_post(&j->hash_slots);
}

jotd_err
jotd_password_hash_bounded(struct jotd *j, const struct jotd_config *cfg,
                           const char *pw, size_t pw_len,
                           char out[JOTD_HASH_MAX])
{
    jotd_err err;

    slot_take(j);
    err = jotd_password_hash(cfg, pw, pw_len, out);
    slot_give(j);
    return err;
}

jotd_err
jotd_password_verify_bounded(struct jotd *j, const char *hash,
                             const char *pw, size_t pw_len)
{
    jotd_err err;

    slot_take(j);
    err = jotd_password_verify(hash, pw, pw_len);
    slot_give(j);
    return err;
}

void
jotd_password_dummy_verify_bounded(struct jotd *j,
                                   const struct jotd_config *cfg,
                                   const char *pw, size_t pw_len)
{
    slot_take(j);
    jotd_password_dummy_verify(cfg, pw, pw_len);
    slot_give(j);
}
