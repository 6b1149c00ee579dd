/* The PC/SC transport: context, connect, transmit with the PCI of the active protocol, transactions, and the
 * reset/removal rules every layer above relies on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <reader.h>
#include <winscard.h>

#include "pcsc_part10.h"
#include "scagent/log.h"
#include "scagent/transport.h"

typedef struct pcsc_transport {
    sca_transport base;
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    DWORD active;
} pcsc_transport;

/* Map a PC/SC code to our error class. `mid_operation` distinguishes "no card to connect to" from "the card
 * went away under us". */
static sca_rc map_pcsc(LONG r, int mid_operation)
{
    switch (r) {
    case SCARD_S_SUCCESS:
        return SCA_OK;
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
        return SCA_E_NO_SERVICE;
    case SCARD_E_NO_READERS_AVAILABLE:
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
        return mid_operation ? SCA_E_CARD_REMOVED : SCA_E_NO_READER;
    case SCARD_E_NO_SMARTCARD:
    case SCARD_W_REMOVED_CARD:
        return mid_operation ? SCA_E_CARD_REMOVED : SCA_E_NO_CARD;
    case SCARD_E_NOT_TRANSACTED:
        return SCA_E_CARD_REMOVED;
    case SCARD_W_RESET_CARD:
        return SCA_E_CARD_RESET;
    case SCARD_E_SHARING_VIOLATION:
        return SCA_E_SHARING;
    case SCARD_E_TIMEOUT:
        return SCA_E_TIMEOUT;
    case SCARD_E_NO_MEMORY:
        return SCA_E_NO_MEMORY;
    default:
        return SCA_E_TRANSPORT;
    }
}

static sca_rc pcsc_fail(sca_error *err, LONG r, int mid, const char *what, const char *reader)
{
    sca_rc rc = map_pcsc(r, mid);
    sca_error_set(err, rc, "%s%s%s: %s (PC/SC 0x%08lX); %s", what, reader ? " on " : "", reader ? reader : "",
                  pcsc_stringify_error(r), (unsigned long)r, sca_strerror(rc));
    if (err)
        err->pcsc = (long)r;
    return rc;
}

/* Another application reset the card: reconnect without touching it, and tell the caller. */
static sca_rc after_reset(pcsc_transport *p, sca_error *err)
{
    LONG r = SCardReconnect(p->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD,
                            &p->active);
    if (r != SCARD_S_SUCCESS)
        return pcsc_fail(err, r, 1, "reconnecting after a card reset", p->base.reader);
    p->base.protocol = p->active == SCARD_PROTOCOL_T0 ? 0 : 1;
    sca_log(SCA_LOG_INFO, "card in %s was reset by another application; reconnected", p->base.reader);
    sca_error_set(err, SCA_E_CARD_RESET, "the card in %s was reset by another application", p->base.reader);
    if (err)
        err->pcsc = (long)SCARD_W_RESET_CARD;
    return SCA_E_CARD_RESET;
}

/* Some drivers (vpcd among them) answer an APDU with no bytes when the card vanished mid-exchange, and report
 * the removal only at their next presence poll. Ask for the reader state for up to a second. */
static int card_gone(pcsc_transport *p)
{
    for (int i = 0; i < 20; i++) {
        DWORD state = 0, proto = 0, atr_len = sizeof p->base.atr, name_len = 0;
        BYTE atr[SCA_MAX_ATR];
        LONG r = SCardStatus(p->card, NULL, &name_len, &state, &proto, atr, &atr_len);
        if (r == SCARD_W_REMOVED_CARD || r == SCARD_E_NO_SMARTCARD || r == SCARD_E_READER_UNAVAILABLE ||
            (r == SCARD_S_SUCCESS && !(state & SCARD_PRESENT)))
            return 1;
        if (r != SCARD_S_SUCCESS && r != SCARD_E_INSUFFICIENT_BUFFER)
            return 0;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static sca_rc pcsc_transmit(sca_transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                            size_t *resp_len, sca_error *err)
{
    pcsc_transport *p = (pcsc_transport *)t;
    const SCARD_IO_REQUEST *pci = p->active == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    DWORD rlen = (DWORD)*resp_len;
    LONG r = SCardTransmit(p->card, pci, cmd, (DWORD)cmd_len, NULL, resp, &rlen);
    if (r == SCARD_W_RESET_CARD)
        return after_reset(p, err);
    if (r != SCARD_S_SUCCESS)
        return pcsc_fail(err, r, 1, "sending an APDU", p->base.reader);
    if (rlen < 2 && card_gone(p))
        return pcsc_fail(err, SCARD_W_REMOVED_CARD, 1, "sending an APDU", p->base.reader);
    *resp_len = rlen;
    return SCA_OK;
}

static sca_rc pcsc_begin(sca_transport *t, sca_error *err)
{
    pcsc_transport *p = (pcsc_transport *)t;
    LONG r = SCardBeginTransaction(p->card);
    if (r == SCARD_W_RESET_CARD) {
        sca_rc rc = after_reset(p, err);
        /* pcsc-lite keeps no transaction across the reset; take it again on the new connection. */
        LONG r2 = SCardBeginTransaction(p->card);
        if (r2 != SCARD_S_SUCCESS)
            return pcsc_fail(err, r2, 1, "starting a transaction", p->base.reader);
        return rc;
    }
    if (r != SCARD_S_SUCCESS)
        return pcsc_fail(err, r, 1, "starting a transaction", p->base.reader);
    return SCA_OK;
}

static void pcsc_end(sca_transport *t)
{
    pcsc_transport *p = (pcsc_transport *)t;
    /* Failure here needs no handling: the transaction is over either way. */
    (void)SCardEndTransaction(p->card, SCARD_LEAVE_CARD);
}

static void pcsc_close(sca_transport *t)
{
    pcsc_transport *p = (pcsc_transport *)t;
    if (p->card)
        (void)SCardDisconnect(p->card, SCARD_LEAVE_CARD);
    if (p->ctx)
        (void)SCardReleaseContext(p->ctx);
    free(p);
}

static const struct sca_transport_ops pcsc_ops = {
    .transmit = pcsc_transmit,
    .begin = pcsc_begin,
    .end = pcsc_end,
    .close = pcsc_close,
};

/* The reader's limit on command data: SCAGENT_MAX_APDU_DATA when set, else PC/SC part 10 when the driver reports
 * it, else short APDUs only, except for vpcd ("Virtual PCD"), which forwards whole APDUs of up to 64 KiB but
 * in Debian's 3.3 build answers no part 10 request. */
static size_t detect_max_apdu_data(pcsc_transport *p)
{
    const char *env = getenv("SCAGENT_MAX_APDU_DATA");
    if (env != NULL && atol(env) > 0)
        return (size_t)atol(env);
    size_t fallback = strncmp(p->base.reader, "Virtual PCD", 11) == 0 ? 65535 : 255;
    uint8_t buf[256];
    DWORD len = 0;
    uint32_t code = 0, value = 0;
    if (SCardControl(p->card, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, buf, sizeof buf, &len) != SCARD_S_SUCCESS ||
        sca_part10_find_feature(buf, len, FEATURE_GET_TLV_PROPERTIES, &code) != 0)
        return fallback;
    if (SCardControl(p->card, code, NULL, 0, buf, sizeof buf, &len) != SCARD_S_SUCCESS ||
        sca_part10_find_property(buf, len, PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize, &value) != 0 || value == 0)
        return fallback;
    return value;
}

sca_rc sca_pcsc_open(const char *reader, sca_transport **out, sca_error *err)
{
    pcsc_transport *p = calloc(1, sizeof *p);
    if (p == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    p->base.ops = &pcsc_ops;
    snprintf(p->base.reader, sizeof p->base.reader, "%s", reader);
    LONG r = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
    if (r != SCARD_S_SUCCESS) {
        p->ctx = 0;
        pcsc_close(&p->base);
        return pcsc_fail(err, r, 0, "connecting to the PC/SC service", NULL);
    }
    r = SCardConnect(p->ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->card,
                     &p->active);
    if (r != SCARD_S_SUCCESS) {
        p->card = 0;
        pcsc_close(&p->base);
        return pcsc_fail(err, r, 0, "connecting to the card", reader);
    }
    p->base.protocol = p->active == SCARD_PROTOCOL_T0 ? 0 : 1;
    /* SCardStatus, not SCardGetAttrib: every driver answers it (vpcd has no ATR attribute). */
    DWORD atr_len = sizeof p->base.atr, state = 0, proto = 0, name_len = 0;
    if (SCardStatus(p->card, NULL, &name_len, &state, &proto, p->base.atr, &atr_len) == SCARD_S_SUCCESS)
        p->base.atr_len = atr_len;
    p->base.max_apdu_data = detect_max_apdu_data(p);
    sca_log(SCA_LOG_INFO, "connected to %s, T=%d, max command data %zu", reader, p->base.protocol,
            p->base.max_apdu_data);
    *out = &p->base;
    return SCA_OK;
}

sca_rc sca_pcsc_list_readers(struct sca_reader_info *out, size_t cap, size_t *count, sca_error *err)
{
    SCARDCONTEXT ctx;
    *count = 0;
    LONG r = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    if (r != SCARD_S_SUCCESS)
        return pcsc_fail(err, r, 0, "connecting to the PC/SC service", NULL);
    char *names = NULL;
    DWORD len = SCARD_AUTOALLOCATE;
    r = SCardListReaders(ctx, NULL, (LPSTR)&names, &len);
    if (r == SCARD_E_NO_READERS_AVAILABLE) {
        SCardReleaseContext(ctx);
        return SCA_OK;
    }
    if (r != SCARD_S_SUCCESS) {
        SCardReleaseContext(ctx);
        return pcsc_fail(err, r, 0, "listing readers", NULL);
    }
    /* A multi-string: names separated by NUL, ended by an empty name. */
    for (const char *n = names; n < names + len && *n != '\0' && *count < cap; n += strlen(n) + 1) {
        struct sca_reader_info *ri = &out[(*count)++];
        memset(ri, 0, sizeof *ri);
        snprintf(ri->name, sizeof ri->name, "%s", n);
        SCARD_READERSTATE st = {.szReader = n, .dwCurrentState = SCARD_STATE_UNAWARE};
        if (SCardGetStatusChange(ctx, 0, &st, 1) == SCARD_S_SUCCESS && (st.dwEventState & SCARD_STATE_PRESENT)) {
            ri->card_present = 1;
            ri->atr_len = st.cbAtr <= sizeof ri->atr ? st.cbAtr : 0;
            memcpy(ri->atr, st.rgbAtr, ri->atr_len);
        }
    }
    SCardFreeMemory(ctx, names);
    SCardReleaseContext(ctx);
    return SCA_OK;
}
