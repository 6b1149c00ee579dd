/* The applet session: reader choice, logical channel, SELECT, transactions, reset and removal. */
#include "scagent/card.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sca_contract.h"
#include "scagent/log.h"
#include "scagent/tlv.h"
#include "bytes.h"

struct sca_card {
    sca_transport *tr;
    sca_open_opts opts;
    unsigned channel;
    uint32_t caps;
    unsigned generation;
    unsigned security;
    int lock_depth;
    int defer_end;   /* sca_card_defer_end */
    int end_pending; /* the last transaction is over for the caller, but not yet ended in PC/SC */
    int removed; /* the card went away: every call fails until the session is reopened */
    void *session;
    void (*session_drop)(void *);
};

static const uint8_t applet_aid[] = SCA_APPLET_AID;

static void drop_card_state(sca_card *c)
{
    c->security = 0;
    if (c->session_drop != NULL && c->session != NULL)
        c->session_drop(c->session);
    c->session = NULL;
    c->session_drop = NULL;
}

static sca_rc removed_error(sca_card *c, sca_error *err)
{
    return sca_error_set(err, SCA_E_CARD_REMOVED,
                         "the card in %s was removed; all card state was dropped: reinsert it and open it again",
                         c->tr->reader);
}

/* Raw exchange on the session's channel, no reset handling. */
static sca_rc xfer(sca_card *c, const sca_apdu *a, uint8_t *resp, size_t cap, size_t *len, uint16_t *sw,
                   sca_error *err)
{
    sca_engine e = {.tr = c->tr, .channel = c->channel, .card_extended = (c->caps & SCA_CAP_EXTENDED_LENGTH) != 0};
    return sca_engine_transceive(&e, a, resp, cap, len, sw, err);
}

/* Parse the capabilities out of the FCI: 6F { 84 AID, A5 { DF30 VERSION, DF31 CAPABILITIES } }. */
static uint32_t fci_capabilities(const uint8_t *fci, size_t len)
{
    sca_tlv t6f, ta5, tcap;
    if (sca_tlv_find(fci, len, SCA_TAG_FCI, &t6f, NULL) != SCA_OK ||
        sca_tlv_find(t6f.value, t6f.len, SCA_TAG_FCI_PROPRIETARY, &ta5, NULL) != SCA_OK ||
        sca_tlv_find(ta5.value, ta5.len, SCA_TAG_CAPABILITIES, &tcap, NULL) != SCA_OK || tcap.len != 4)
        return 0;
    return sca_get32(tcap.value);
}

static sca_rc open_channel(sca_card *c, sca_error *err)
{
    c->channel = 0;
    if (c->opts.basic_channel)
        return SCA_OK;
    sca_apdu a = {.cla = SCA_CLA_ISO, .ins = SCA_INS_MANAGE_CHANNEL, .p1 = SCA_MANAGE_CHANNEL_P1_00, .le = 1};
    uint8_t r[8];
    size_t n;
    uint16_t sw;
    sca_rc rc = xfer(c, &a, r, sizeof r, &n, &sw, err);
    if (rc != SCA_OK)
        return rc;
    if (sw == SCA_SW_OK && n == 1 && r[0] >= 1 && r[0] <= 19) {
        c->channel = r[0];
        sca_log(SCA_LOG_INFO, "using logical channel %u", c->channel);
    } else {
        sca_log(SCA_LOG_INFO, "no logical channel (SW %04X); using the basic channel", sw);
    }
    return SCA_OK;
}

static void close_channel(sca_card *c)
{
    if (c->channel == 0)
        return;
    sca_apdu a = {.cla = SCA_CLA_ISO, .ins = SCA_INS_MANAGE_CHANNEL, .p1 = SCA_MANAGE_CHANNEL_P1_80,
                  .p2 = (uint8_t)c->channel};
    uint8_t r[4];
    size_t n;
    uint16_t sw;
    unsigned ch = c->channel;
    c->channel = 0; /* MANAGE CHANNEL close goes on the basic channel */
    if (xfer(c, &a, r, sizeof r, &n, &sw, NULL) != SCA_OK || sw != SCA_SW_OK)
        sca_log(SCA_LOG_INFO, "closing logical channel %u failed (SW %04X)", ch, sw);
}

static sca_rc select_applet(sca_card *c, sca_error *err)
{
    sca_apdu a = {.cla = SCA_CLA_ISO, .ins = SCA_INS_SELECT, .p1 = SCA_SELECT_P1_04, .p2 = SCA_SELECT_P2_00,
                  .data = applet_aid, .lc = sizeof applet_aid, .le = 256};
    uint8_t r[258];
    size_t n;
    uint16_t sw;
    sca_rc rc = xfer(c, &a, r, sizeof r, &n, &sw, err);
    if (rc != SCA_OK)
        return rc;
    if (sw == SCA_SW_FILE_NOT_FOUND || sw == SCA_SW_INS_NOT_SUPPORTED || sw == SCA_SW_CLA_NOT_SUPPORTED ||
        sw == SCA_SW_WRONG_DATA)
        return sca_error_set(err, SCA_E_NO_APPLET, "the card in %s has no scagent applet (SELECT answered %04X); %s",
                             c->tr->reader, sw, sca_strerror(SCA_E_NO_APPLET));
    if (sw != SCA_SW_OK)
        return sca_error_from_sw(err, sw, "selecting the scagent applet");
    c->caps = fci_capabilities(r, n);
    return SCA_OK;
}

/* After a reset: the channel and the selection are gone. Open them again. */
static sca_rc recover(sca_card *c, sca_error *err)
{
    c->generation++;
    if (c->opts.no_select)
        return SCA_OK;
    sca_rc rc = open_channel(c, err);
    if (rc == SCA_OK)
        rc = select_applet(c, err);
    if (rc == SCA_E_CARD_REMOVED)
        c->removed = 1;
    return rc;
}

/* A reset was seen: recover, then say whether the caller may go on. */
static sca_rc handle_reset(sca_card *c, sca_error *err)
{
    unsigned lost = c->security;
    drop_card_state(c);
    sca_rc rc = recover(c, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "recovering from a card reset");
    if (lost)
        return sca_error_set(err, SCA_E_CARD_RESET,
                             "the card in %s was reset by another application and the %s was lost; %s",
                             c->tr->reader, (lost & SCA_SEC_ISSUER) ? "issuer session" : "PIN verification",
                             (lost & SCA_SEC_ISSUER) ? "authenticate again" : "verify the PIN again");
    return SCA_OK;
}

static sca_rc after_failure(sca_card *c, sca_rc rc)
{
    if (rc == SCA_E_CARD_REMOVED || rc == SCA_E_NO_CARD) {
        c->removed = 1;
        drop_card_state(c);
        return SCA_E_CARD_REMOVED;
    }
    return rc;
}

void sca_card_defer_end(sca_card *c, int on)
{
    c->defer_end = on != 0;
    if (!on)
        sca_card_flush(c);
}

void sca_card_flush(sca_card *c)
{
    if (!c->end_pending)
        return;
    c->end_pending = 0;
    if (!c->removed)
        c->tr->ops->end(c->tr);
}

sca_rc sca_card_begin(sca_card *c, sca_error *err)
{
    if (c->removed)
        return removed_error(c, err);
    if (c->lock_depth++ > 0)
        return SCA_OK;
    sca_card_flush(c); /* one transaction per operation, deferred end or not */
    sca_rc rc = c->tr->ops->begin(c->tr, err);
    int held = rc == SCA_OK || rc == SCA_E_CARD_RESET; /* the transport takes the transaction again after a reset */
    if (rc == SCA_E_CARD_RESET)
        rc = handle_reset(c, err);
    if (rc != SCA_OK) {
        if (held)
            c->tr->ops->end(c->tr);
        c->lock_depth = 0;
        if (after_failure(c, rc) == SCA_E_CARD_REMOVED)
            return removed_error(c, err);
    }
    return rc;
}

void sca_card_end(sca_card *c)
{
    if (c->lock_depth > 0 && --c->lock_depth == 0 && !c->removed) {
        if (c->defer_end)
            c->end_pending = 1;
        else
            c->tr->ops->end(c->tr);
    }
}

sca_rc sca_card_transceive(sca_card *c, const sca_apdu *a, uint8_t *resp, size_t cap, size_t *resp_len,
                           uint16_t *sw, sca_error *err)
{
    if (c->removed)
        return removed_error(c, err);
    sca_rc rc = xfer(c, a, resp, cap, resp_len, sw, err);
    if (rc == SCA_E_CARD_RESET) {
        rc = handle_reset(c, err);
        if (rc == SCA_OK && (a->flags & SCA_APDU_RETRY_ON_RESET)) {
            sca_log(SCA_LOG_INFO, "re-sending the command after the card reset");
            rc = xfer(c, a, resp, cap, resp_len, sw, err);
        } else if (rc == SCA_OK) {
            rc = sca_error_set(err, SCA_E_CARD_RESET,
                               "the card in %s was reset by another application while the command was sent; "
                               "it was not repeated: check the card's state and try again", c->tr->reader);
        }
    }
    if (rc != SCA_OK) {
        sca_rc mapped = after_failure(c, rc);
        if (mapped != rc)
            removed_error(c, err);
        return mapped;
    }
    return SCA_OK;
}

sca_rc sca_card_command(sca_card *c, const sca_apdu *a, uint8_t *resp, size_t cap, size_t *resp_len,
                        const char *operation, sca_error *err)
{
    uint16_t sw;
    sca_rc rc = sca_card_transceive(c, a, resp, cap, resp_len, &sw, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "%s", operation);
    if (sw != SCA_SW_OK)
        return sca_error_from_sw(err, sw, operation);
    return SCA_OK;
}

size_t sca_card_max_data(const sca_card *c)
{
    int t0 = c->tr->protocol == 0;
    if (t0 || !(c->caps & SCA_CAP_EXTENDED_LENGTH) || c->tr->max_apdu_data <= 255)
        return 255;
    return c->tr->max_apdu_data;
}

sca_rc sca_card_run(sca_card *c, const sca_apdu *a, uint8_t *resp, size_t cap, size_t *resp_len,
                    const char *operation, sca_error *err)
{
    uint8_t scratch[8];
    size_t n;
    if (resp == NULL) {
        resp = scratch;
        cap = sizeof scratch;
    }
    if (resp_len == NULL)
        resp_len = &n;
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_card_command(c, a, resp, cap, resp_len, operation, err);
    sca_card_end(c);
    return rc;
}

sca_rc sca_card_attach(sca_transport *tr, const sca_open_opts *opts, sca_card **out, sca_error *err)
{
    sca_card *c = calloc(1, sizeof *c);
    if (c == NULL) {
        tr->ops->close(tr);
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    }
    c->tr = tr;
    if (opts != NULL)
        c->opts = *opts;
    c->opts.reader = NULL; /* not kept: the caller owns the string */
    sca_rc rc = SCA_OK;
    if (!c->opts.no_select) {
        rc = sca_card_begin(c, err);
        if (rc == SCA_OK) {
            rc = open_channel(c, err);
            if (rc == SCA_OK)
                rc = select_applet(c, err);
            if (rc == SCA_E_NO_APPLET)
                close_channel(c);
            sca_card_end(c);
        }
    }
    if (rc != SCA_OK) {
        sca_card_close(c);
        return rc;
    }
    *out = c;
    return SCA_OK;
}

/* Choose the reader: the exact name, else the one reader whose name contains the text. */
static sca_rc match_reader(const char *want, const struct sca_reader_info *r, size_t n, size_t *idx,
                           sca_error *err)
{
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].name, want) == 0) {
            *idx = i;
            return SCA_OK;
        }
    for (size_t i = 0; i < n; i++)
        if (strstr(r[i].name, want) != NULL) {
            *idx = i;
            hits++;
        }
    if (hits == 1)
        return SCA_OK;
    return sca_error_set(err, SCA_E_NO_READER, "%s reader matches \"%s\"; list them with 'scagent readers'",
                         hits ? "more than one" : "no", want);
}

sca_rc sca_card_open(const sca_open_opts *opts, sca_card **out, sca_error *err)
{
    struct sca_reader_info readers[16];
    size_t n = 0;
    sca_rc rc = sca_pcsc_list_readers(readers, 16, &n, err);
    if (rc != SCA_OK)
        return rc;
    if (n == 0)
        return sca_error_set(err, SCA_E_NO_READER, "no card reader found; connect one (or run 'tools/emu start')");
    if (opts != NULL && opts->reader != NULL) {
        size_t i = 0;
        rc = match_reader(opts->reader, readers, n, &i, err);
        if (rc != SCA_OK)
            return rc;
        sca_transport *tr;
        rc = sca_pcsc_open(readers[i].name, &tr, err);
        return rc == SCA_OK ? sca_card_attach(tr, opts, out, err) : rc;
    }
    /* No reader named: the first one whose card answers SELECT of our applet. */
    sca_rc last = SCA_E_NO_CARD;
    sca_error first_err;
    sca_error_set(&first_err, SCA_E_NO_CARD, "no reader holds a card; insert the card (or run 'tools/emu start')");
    for (size_t i = 0; i < n; i++) {
        if (!readers[i].card_present)
            continue;
        sca_transport *tr;
        sca_error e;
        rc = sca_pcsc_open(readers[i].name, &tr, &e);
        if (rc == SCA_OK)
            rc = sca_card_attach(tr, opts, out, &e);
        if (rc == SCA_OK)
            return SCA_OK;
        sca_log(SCA_LOG_INFO, "%s: %s", readers[i].name, e.msg);
        if (last == SCA_E_NO_CARD || rc != SCA_E_NO_APPLET) {
            last = rc;
            first_err = e;
        }
    }
    if (err != NULL)
        *err = first_err;
    return last;
}

void sca_card_close(sca_card *c)
{
    if (c == NULL)
        return;
    sca_card_flush(c);
    drop_card_state(c);
    if (!c->removed) {
        sca_rc rc = c->tr->ops->begin(c->tr, NULL);
        if (rc == SCA_OK)
            close_channel(c); /* after a reset the channel is gone already */
        if (rc == SCA_OK || rc == SCA_E_CARD_RESET)
            c->tr->ops->end(c->tr);
    }
    c->tr->ops->close(c->tr);
    free(c);
}

const char *sca_card_reader(const sca_card *c) { return c->tr->reader; }
int sca_card_protocol(const sca_card *c) { return c->tr->protocol; }
const uint8_t *sca_card_atr(const sca_card *c, size_t *len)
{
    *len = c->tr->atr_len;
    return c->tr->atr;
}
unsigned sca_card_channel(const sca_card *c) { return c->channel; }
uint32_t sca_card_capabilities(const sca_card *c) { return c->caps; }
unsigned sca_card_generation(const sca_card *c) { return c->generation; }
unsigned sca_card_security(const sca_card *c) { return c->security; }

void sca_card_set_security(sca_card *c, unsigned flag, int on)
{
    if (on)
        c->security |= flag;
    else
        c->security &= ~flag;
}

void sca_card_set_session(sca_card *c, void *state, void (*drop)(void *state))
{
    if (c->session_drop != NULL && c->session != NULL && c->session != state)
        c->session_drop(c->session);
    c->session = state;
    c->session_drop = drop;
}

void *sca_card_session(const sca_card *c) { return c->session; }
