/*
 * jot/jot.h - umbrella header of libjot, the JOSE/JWT library of jot.
 *
 * libjot depends on OpenSSL 3 (libcrypto) and jansson.  It keeps no
 * global mutable state; keys, key sets and verify options are immutable
 * once built and may be shared between threads.
 */
#ifndef JOT_JOT_H
#define JOT_JOT_H

#include "err.h"
#include "b64url.h"
#include "jwk.h"
#include "jws.h"
#include "jwt.h"

#define JOT_VERSION "0.1.0"

#endif /* JOT_JOT_H */
