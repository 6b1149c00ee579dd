/* The error type: class names, descriptions with the next step, and status-word mapping. */
#include "scagent/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sca_contract.h"

static const struct {
    const char *name;
    const char *text;
} rc_info[SCA_E__COUNT] = {
    [SCA_E_OK] = {"ok", "success"},
    [SCA_E_INVALID_ARG] = {"invalid-argument", "invalid argument; check the command line or request"},
    [SCA_E_NO_MEMORY] = {"no-memory", "out of memory"},
    [SCA_E_BUFFER_TOO_SMALL] = {"buffer-too-small", "the answer is larger than the buffer provided"},
    [SCA_E_INTERNAL] = {"internal", "internal error in libscagent; please report it with a -v trace"},
    [SCA_E_PARSE] = {"parse", "malformed data; the input was rejected and nothing was changed"},
    [SCA_E_CRYPTO] = {"crypto", "a cryptographic check or operation failed"},
    [SCA_E_TIMEOUT] = {"timeout", "the operation timed out; try again"},
    [SCA_E_NO_SERVICE] = {"no-service", "the PC/SC service is not running; start pcscd (or run 'tools/emu start' for the emulated card)"},
    [SCA_E_NO_READER] = {"no-reader", "no matching card reader; list them with 'scagent readers' and pick one with --reader"},
    [SCA_E_NO_CARD] = {"no-card", "no card in the reader; insert the card and try again"},
    [SCA_E_CARD_REMOVED] = {"card-removed", "the card was removed during the operation; reinsert it and start again"},
    [SCA_E_CARD_RESET] = {"card-reset", "the card was reset by another application; PIN verification and sessions were lost, verify the PIN again"},
    [SCA_E_SHARING] = {"sharing-violation", "another application holds the card exclusively; close it or wait"},
    [SCA_E_TRANSPORT] = {"transport", "communication with the reader failed; check the reader and pcscd"},
    [SCA_E_NO_APPLET] = {"no-applet", "the scagent applet is not installed on this card (see README: installing the applet)"},
    [SCA_E_PROTOCOL] = {"protocol", "the card broke the APDU protocol; run with -v to see the exchange"},
    [SCA_E_CARD] = {"card-error", "the card reported an error"},
    [SCA_E_AUTH_FAILED] = {"auth-failed", "authentication failed: wrong key or tampered data"},
    [SCA_E_WRONG_PIN] = {"wrong-pin", "wrong PIN"},
    [SCA_E_PIN_BLOCKED] = {"pin-blocked", "the PIN is blocked; the card issuer must reset it"},
    [SCA_E_BAD_REQUEST] = {"bad-request", "the card rejected the command's parameters or data"},
    [SCA_E_NOT_SUPPORTED] = {"not-supported", "the card does not support this operation"},
    [SCA_E_DENIED] = {"denied", "access denied: verify the PIN or authenticate as issuer first"},
    [SCA_E_CONDITIONS] = {"conditions", "the card's state does not allow this now (for example: not personalized)"},
    [SCA_E_NOT_FOUND] = {"not-found", "the referenced data or key was not found on the card"},
};

const char *sca_rc_name(sca_rc rc)
{
    if ((unsigned)rc >= SCA_E__COUNT || rc_info[rc].name == NULL)
        return "unknown";
    return rc_info[rc].name;
}

const char *sca_strerror(sca_rc rc)
{
    if ((unsigned)rc >= SCA_E__COUNT || rc_info[rc].text == NULL)
        return "unknown error";
    return rc_info[rc].text;
}

void sca_error_clear(sca_error *err)
{
    if (err == NULL)
        return;
    err->rc = SCA_E_OK;
    err->sw = 0;
    err->pcsc = 0;
    err->tries_left = -1;
    err->msg[0] = '\0';
}

sca_rc sca_error_set(sca_error *err, sca_rc rc, const char *fmt, ...)
{
    if (err == NULL)
        return rc;
    sca_error_clear(err);
    err->rc = rc;
    if (fmt == NULL) {
        snprintf(err->msg, sizeof err->msg, "%s", sca_strerror(rc));
    } else {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}

sca_rc sca_error_explain(sca_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return SCA_E_INTERNAL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (err->sw != 0 && n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, " (SW %04X)", err->sw);
    return err->rc;
}

sca_rc sca_error_prefix(sca_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return SCA_E_INTERNAL;
    char prefix[128], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Truncation is acceptable: keep as much of "prefix: old message" as fits. */
    size_t p = strlen(prefix), room = sizeof err->msg - 1;
    size_t n = p < room ? p : room;
    memcpy(err->msg, prefix, n);
    if (n + 2 <= room) {
        memcpy(err->msg + n, ": ", 2);
        n += 2;
    }
    size_t o = strnlen(old, sizeof old);
    if (o > room - n)
        o = room - n;
    memcpy(err->msg + n, old, o);
    err->msg[n + o] = '\0';
    return err->rc;
}

static const struct sca_sw_info *sw_lookup(uint16_t sw)
{
    for (size_t i = 0; i < sca_sw_table_len; i++)
        if ((sw & sca_sw_table[i].mask) == sca_sw_table[i].value)
            return &sca_sw_table[i];
    return NULL;
}

sca_rc sca_sw_class(uint16_t sw)
{
    const struct sca_sw_info *i = sw_lookup(sw);
    if (i != NULL)
        return (sca_rc)i->error;
    /* Unlisted: warnings (62xx/63xx) and errors alike are card failures; 9xxx other than 9000 too. */
    return SCA_E_CARD;
}

const char *sca_sw_name(uint16_t sw)
{
    const struct sca_sw_info *i = sw_lookup(sw);
    return i != NULL ? i->name : "UNLISTED";
}

const char *sca_sw_meaning(uint16_t sw)
{
    const struct sca_sw_info *i = sw_lookup(sw);
    return i != NULL ? i->meaning : "A status word the scagent contract does not define.";
}

sca_rc sca_error_from_sw(sca_error *err, uint16_t sw, const char *operation)
{
    sca_rc rc = sca_sw_class(sw);
    if (rc == SCA_E_OK)
        return SCA_E_OK;
    if (err == NULL)
        return rc;
    if (rc == SCA_E_WRONG_PIN) {
        sca_error_set(err, rc, "%s: wrong PIN, %u tries left (SW %04X)", operation, sw & 0x0Fu, sw);
        err->tries_left = sw & 0x0F;
    } else {
        sca_error_set(err, rc, "%s: card answered %04X (%s): %s", operation, sw, sca_sw_name(sw),
                      sca_sw_meaning(sw));
    }
    err->sw = sw;
    return rc;
}
