/* HTTP Digest (RFC 7616 / RFC 2617) for the GBA Ub client (RFC 3310 Digest AKA) and the OMA BCAST provisioning
 * client: a strict parser of the `WWW-Authenticate: Digest ...` and `Authentication-Info: ...` header values, the
 * MD5 arithmetic, and the writer of the `Authorization: Digest ...` header (internal).
 *
 * The parser takes the auth-param list of RFC 7235 §2.1: name BWS "=" BWS (token / quoted-string), names
 * case-insensitive, list elements separated by OWS "," OWS (empty elements are skipped, RFC 7230 §7). It refuses
 * what a BSF never sends and what would be dangerous to pass on: duplicate parameters, control characters
 * (also inside quoted-strings), bytes above 0x7E, unterminated quoted-strings, values longer than
 * SCA_DIGEST_VALUE_MAX, inputs longer than SCA_DIGEST_HEADER_MAX, more than SCA_DIGEST_PARAMS_MAX parameters.
 * Parameters it does not know are checked for syntax and duplicates, then ignored (RFC 7616 §3.3). */
#ifndef SCA_HTTP_DIGEST_H
#define SCA_HTTP_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"

#define SCA_DIGEST_HEADER_MAX 4096 /* one header value */
#define SCA_DIGEST_VALUE_MAX 256   /* one parameter value, unescaped (a Digest AKA nonce is 44) */
#define SCA_DIGEST_PARAMS_MAX 24
#define SCA_DIGEST_NAME_MAX 32
#define SCA_DIGEST_HEX_LEN 32      /* an MD5 value as lower-case hex */

/* Which parameters were present (bits of sca_digest_params.present). */
enum {
    SCA_DIGEST_REALM = 1u << 0,
    SCA_DIGEST_NONCE = 1u << 1,
    SCA_DIGEST_OPAQUE = 1u << 2,
    SCA_DIGEST_ALGORITHM = 1u << 3,
    SCA_DIGEST_QOP = 1u << 4,
    SCA_DIGEST_RSPAUTH = 1u << 5,
    SCA_DIGEST_CNONCE = 1u << 6,
    SCA_DIGEST_NC = 1u << 7,
    SCA_DIGEST_STALE = 1u << 8,
    SCA_DIGEST_NEXTNONCE = 1u << 9,
};

/* The parameters the Ub client uses, unescaped and NUL-terminated ("" when absent: see `present`). */
typedef struct sca_digest_params {
    unsigned present;
    char realm[SCA_DIGEST_VALUE_MAX + 1];
    char nonce[SCA_DIGEST_VALUE_MAX + 1];
    char opaque[SCA_DIGEST_VALUE_MAX + 1];
    char algorithm[SCA_DIGEST_VALUE_MAX + 1];
    char qop[SCA_DIGEST_VALUE_MAX + 1];      /* the challenge's list ("auth-int", "auth,auth-int") or one value */
    char rspauth[SCA_DIGEST_VALUE_MAX + 1];
    char cnonce[SCA_DIGEST_VALUE_MAX + 1];
    char nc[SCA_DIGEST_VALUE_MAX + 1];
    char stale[SCA_DIGEST_VALUE_MAX + 1];
    char nextnonce[SCA_DIGEST_VALUE_MAX + 1];
} sca_digest_params;

/* A `WWW-Authenticate` value of exactly one challenge: the scheme "Digest" (case-insensitive), at least one space,
 * then the auth-param list. `v` holds `n` bytes (no NUL needed; a NUL inside is refused). SCA_E_PARSE saying what
 * and where otherwise. A challenge of another scheme is SCA_E_NOT_SUPPORTED. */
sca_rc sca_digest_parse_challenge(const char *v, size_t n, sca_digest_params *out, sca_error *err);
/* An `Authentication-Info` value (RFC 7615: the auth-param list only, no scheme). */
sca_rc sca_digest_parse_info(const char *v, size_t n, sca_digest_params *out, sca_error *err);

/* 1 when the comma-separated `list` (a challenge's qop) holds `want` as one of its elements (case-insensitive,
 * OWS around elements allowed). */
int sca_digest_list_has(const char *list, const char *want);

/* MD5 of `n` bytes as 32 lower-case hex digits (NUL-terminated) through OpenSSL 3 EVP. */
sca_rc sca_digest_md5_hex(const uint8_t *d, size_t n, char out[SCA_DIGEST_HEX_LEN + 1], sca_error *err);
/* HA1 = MD5(username ":" realm ":" password): the password is binary (RFC 3310: RES as raw octets; empty for a
 * synchronisation failure). The caller wipes `ha1` with OPENSSL_cleanse. */
sca_rc sca_digest_ha1(const char *username, const char *realm, const uint8_t *password, size_t password_len,
                      char ha1[SCA_DIGEST_HEX_LEN + 1], sca_error *err);
/* HA2 = MD5(method ":" uri) for qop "auth" or none, MD5(method ":" uri ":" MD5(body)) for "auth-int". The method
 * is "" for rspauth (RFC 2617 §3.2.3). */
sca_rc sca_digest_ha2(const char *method, const char *uri, const char *qop, const uint8_t *body, size_t body_len,
                      char ha2[SCA_DIGEST_HEX_LEN + 1], sca_error *err);
/* response = MD5(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2), or MD5(HA1 ":" nonce ":" HA2) when `qop` is
 * NULL or "" (RFC 2069 compatibility). */
sca_rc sca_digest_response(const char *ha1, const char *nonce, const char *nc, const char *cnonce, const char *qop,
                           const char *ha2, char out[SCA_DIGEST_HEX_LEN + 1], sca_error *err);
/* Constant-time comparison of our 32 lower-case hex digits with a peer's value (hex case ignored, CRYPTO_memcmp):
 * 1 when equal. Any length other than 32 is unequal. */
int sca_digest_hex_equal(const char *ours, const char *theirs);

/* --- the Authorization header ------------------------------------------------------------------------------ */

/* `s` appended at out[*len] as is (put_raw) or as a quoted-string (RFC 7230 §3.2.6: '"' and '\\' escaped);
 * out stays NUL-terminated. 0 (nothing written) when it does not fit in `cap`. */
int sca_digest_put_raw(char *out, size_t cap, size_t *len, const char *s);
int sca_digest_put_quoted(char *out, size_t cap, size_t *len, const char *s);

/* What a client keeps of its last answer to check the server's rspauth; ha1 is wiped by the caller
 * (OPENSSL_cleanse). */
typedef struct sca_digest_client {
    char ha1[SCA_DIGEST_HEX_LEN + 1];
    char cnonce[33]; /* 16 random bytes as hex */
    const char *nc;  /* "00000001": every nonce is answered once */
} sca_digest_client;

/* One request to authorize. */
typedef struct sca_digest_request {
    const char *username;
    const uint8_t *password; /* binary (RES, or Base64(MRK) as text); fed to HA1 only */
    size_t password_len;
    const char *method;      /* "GET", "POST" */
    const char *uri;         /* the request target as sent */
    const uint8_t *body;     /* for qop=auth-int */
    size_t body_len;
    const char *algorithm;   /* the algorithm= sent: "MD5", "AKAv1-MD5" */
    const char *auts;        /* NULL, or the auts= value of a synchronisation failure (RFC 3310 §3.4) */
} sca_digest_request;

/* The answer to challenge `ch` with qop=auth-int: a fresh cnonce, nc 00000001, HA1 and the response into `c`, and
 * the header line "Authorization: Digest username=, realm=, nonce=, uri=, qop=auth-int, nc=, cnonce=,
 * response=[, opaque=], algorithm=[, auts=]" into out (`cap` bytes). Messages start with `who`: SCA_E_CRYPTO
 * without random bytes, SCA_E_INVALID_ARG when the header would be longer than `cap`. */
sca_rc sca_digest_authorization(sca_digest_client *c, const sca_digest_params *ch, const sca_digest_request *q,
                                const char *who, char *out, size_t cap, sca_error *err);

#endif
