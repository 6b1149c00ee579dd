/* The one error type of libscagent.
 *
 * Every function returns an `sca_rc`; the details (what failed, the card's status word, the PC/SC code, and a
 * message that says what to do next) go into an `sca_error` the caller passes in (it may be NULL). The classes
 * are coarse on purpose: callers branch on the class, people read the message. */
#ifndef SCAGENT_ERROR_H
#define SCAGENT_ERROR_H

#include <stdint.h>

typedef enum sca_rc {
    SCA_E_OK = 0,
    /* caller and host side */
    SCA_E_INVALID_ARG,      /* a bad argument from the caller */
    SCA_E_NO_MEMORY,
    SCA_E_BUFFER_TOO_SMALL, /* the answer does not fit the caller's buffer */
    SCA_E_INTERNAL,
    SCA_E_PARSE,            /* malformed bytes from outside (card response, message, file) */
    SCA_E_CRYPTO,           /* a host crypto operation failed, or a signature/MAC did not verify */
    SCA_E_TIMEOUT,
    /* PC/SC and the card link */
    SCA_E_NO_SERVICE,       /* pcscd is not running */
    SCA_E_NO_READER,        /* no reader, or none matched */
    SCA_E_NO_CARD,          /* the reader holds no card */
    SCA_E_CARD_REMOVED,     /* the card went away mid-operation; all card state was dropped */
    SCA_E_CARD_RESET,       /* the card was reset by someone else; PIN/sessions were lost */
    SCA_E_SHARING,          /* another application holds the card exclusively */
    SCA_E_TRANSPORT,        /* any other PC/SC failure */
    SCA_E_NO_APPLET,        /* the scagent applet is not on this card */
    SCA_E_PROTOCOL,         /* the card broke the APDU protocol */
    /* status words from the card (classes named by apdu/contract.toml) */
    SCA_E_CARD,             /* a card-side failure with no better class */
    SCA_E_AUTH_FAILED,
    SCA_E_WRONG_PIN,
    SCA_E_PIN_BLOCKED,
    SCA_E_BAD_REQUEST,
    SCA_E_NOT_SUPPORTED,
    SCA_E_DENIED,
    SCA_E_CONDITIONS,
    SCA_E_NOT_FOUND,
    SCA_E__COUNT
} sca_rc;

#define SCA_OK SCA_E_OK

typedef struct sca_error {
    sca_rc rc;
    uint16_t sw;       /* the card's status word when the error came from the card, else 0 */
    long pcsc;         /* the PC/SC code when the error came from PC/SC, else 0 */
    int tries_left;    /* for SCA_E_WRONG_PIN: the tries left; else -1 */
    char msg[320];     /* what failed, and what to do next */
} sca_error;

/* A short stable name ("wrong-pin") for logs, JSON and tests. */
const char *sca_rc_name(sca_rc rc);
/* A one-line description of the class, with the usual next step. */
const char *sca_strerror(sca_rc rc);

/* Record an error and return its class; `err` may be NULL. The message is formatted; when `fmt` is NULL the
 * class description is used. Overwrites any earlier error. */
sca_rc sca_error_set(sca_error *err, sca_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Replace the message of the error already in `err` with a better one for the caller's context, keeping its class,
 * status word and PC/SC code (the status word is appended to the message). Returns err->rc. */
sca_rc sca_error_explain(sca_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reset `err` to "no error". */
void sca_error_clear(sca_error *err);
/* Prefix the message already in `err` with context ("reading PIN status: ..."); returns err->rc. */
sca_rc sca_error_prefix(sca_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Map a status word to its error class (per the contract's table); 9000 and 61xx map to SCA_E_OK. */
sca_rc sca_sw_class(uint16_t sw);
/* The contract's name and meaning of a status word ("SECURITY_STATUS", "Security status not ..."). */
const char *sca_sw_name(uint16_t sw);
const char *sca_sw_meaning(uint16_t sw);
/* Record the error for a non-9000 status word, naming the operation; returns the class. */
sca_rc sca_error_from_sw(sca_error *err, uint16_t sw, const char *operation);

#endif
