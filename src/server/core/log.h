/*
 * log.h - jotd's logs: one line per request, audit events, and messages,
 * as text or JSON lines on standard error.  Nothing logged ever holds a
 * token, a password or key material.
 */
#ifndef JOTD_LOG_H
#define JOTD_LOG_H

#include <stdarg.h>
#include <stdint.h>

#include "core/config.h"

void jotd_log_init(enum jotd_log_format format);

/* method path status duration ip: the path has no query string.  Lines
 * wait in a buffer of the calling thread until jotd_log_flush(). */
void jotd_log_request(const char *method, const char *path, unsigned status,
                      int64_t duration_us, const char *ip);

/* An audit event: login, login_failed, refresh, reuse_detected, ...,
 * written at once. */
void jotd_log_audit(const char *kind, const char *user_id,
                    const char *session_id, const char *ip,
                    const char *detail);

/* The same line for a routine event that goes to the log only (a
 * refresh), waiting in the calling thread's buffer like a request line. */
void jotd_log_audit_routine(const char *kind, const char *user_id,
                            const char *session_id, const char *ip);

/* A free-form message from part ("jotd", "http", ...). */
void jotd_log_message(const char *part, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void jotd_log_vmessage(const char *part, const char *fmt, va_list ap);

/* Writes every thread's buffered request lines. */
void jotd_log_flush(void);

/* Flushes, then frees the buffers; no thread may log afterwards. */
void jotd_log_shutdown(void);

#endif /* JOTD_LOG_H */
