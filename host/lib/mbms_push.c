/* LTKM arrival (applet-spec/mbms.md §6, seed 001 6.6.1): the WAP push PDU of the SMS bearer, UDP datagrams, and
 * what the terminal does with an LTKM (mikey.md §5). The WSP uintvar reader is the DM bootstrap's
 * (bootstrap_int.h). */
#include "scagent/mbms.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bootstrap_int.h"

#define WSP_PUSH 0x06
#define CT_TEXT "application/mikey"
#define APPID_TEXT "x-oma-application:bcast.ua"
#define APPID_NAME "X-Wap-Application-Id"

typedef struct rd {
    const uint8_t *p, *end;
    sca_error *err;
} rd;

static sca_rc pfail(rd *r, const char *why)
{
    (void)r;
    return sca_error_set(r->err, SCA_E_PARSE, "the WAP push is not an LTKM push: %s (seed 001 6.6.1: WSP push, "
                         "content type application/mikey, X-Wap-Application-Id x-oma-application:bcast.ua)", why);
}

static int text_eq(const uint8_t *s, size_t len, const char *want)
{
    return dmboot_name_eq((const char *)s, len, want);
}

/* Text up to NUL (the NUL inside r); s and len exclude it. A leading Quote (7F) or '"' is dropped. */
static int take_text(rd *r, const uint8_t **s, size_t *len)
{
    if (r->p >= r->end)
        return 0;
    if (*r->p == 0x7F || *r->p == '"')
        r->p++;
    const uint8_t *nul = memchr(r->p, 0, (size_t)(r->end - r->p));
    if (nul == NULL)
        return 0;
    *s = r->p;
    *len = (size_t)(nul - r->p);
    r->p = nul + 1;
    return 1;
}

/* Integer-value: Short-integer, or Long-integer (1..4 octets here). 1 ok, 0 truncated/not an integer. */
static int take_integer(rd *r, uint32_t *v)
{
    if (r->p >= r->end)
        return 0;
    uint8_t b = *r->p;
    if (b & 0x80) {
        *v = b & 0x7Fu;
        r->p++;
        return 1;
    }
    if (b == 0 || b > 4 || (size_t)(r->end - r->p) < 1u + b)
        return 0;
    *v = 0;
    for (unsigned i = 1; i <= b; i++)
        *v = *v << 8 | r->p[i];
    r->p += 1u + b;
    return 1;
}

/* Skip any field value by its first octet (WAP-230-WSP 8.4.1.2). */
static sca_rc skip_value(rd *r)
{
    if (r->p >= r->end)
        return pfail(r, "a header value is truncated");
    uint8_t b = *r->p;
    if (b >= 0x80) {
        r->p++;
        return SCA_OK;
    }
    if (b >= 0x20) {
        const uint8_t *s;
        size_t n;
        return take_text(r, &s, &n) ? SCA_OK : pfail(r, "a text header value has no end (NUL)");
    }
    uint32_t n = b;
    r->p++;
    if (b == 31) {
        int ok = dmboot_uintvar(&r->p, r->end, 5, &n);
        if (ok <= 0)
            return pfail(r, "a header value length (uintvar) is truncated or too long");
    }
    if ((size_t)(r->end - r->p) < n)
        return pfail(r, "a header value runs past the headers");
    r->p += n;
    return SCA_OK;
}

/* Content-type: Constrained-media (short-integer or text) or Content-general-form (Value-length Media-type
 * parameters). Only application/mikey is accepted. */
static sca_rc content_type(rd *r)
{
    if (r->p >= r->end)
        return pfail(r, "the content type is missing");
    uint8_t b = *r->p;
    rd v = *r;
    int general = b < 0x20;
    if (general) { /* Value-length Media-type [parameters] */
        uint32_t n = b;
        r->p++;
        if (b == 31 && dmboot_uintvar(&r->p, r->end, 5, &n) <= 0)
            return pfail(r, "the content type's length is truncated or too long");
        if ((size_t)(r->end - r->p) < n || n == 0)
            return pfail(r, "the content type's value runs past the headers, or is empty");
        v.p = r->p;
        v.end = r->p + n;
        r->p += n; /* parameters after the media type are skipped with the value */
    }
    if (v.p >= v.end)
        return pfail(r, "the content type is missing");
    b = *v.p;
    if (b >= 0x20 && b <= 0x7F) {
        const uint8_t *s;
        size_t n;
        if (!take_text(&v, &s, &n))
            return pfail(r, "the content type text has no end (NUL)");
        if (!text_eq(s, n, CT_TEXT))
            return pfail(r, "the content type is not application/mikey");
    } else {
        uint32_t code;
        if (!take_integer(&v, &code))
            return pfail(r, "the content type is neither a code nor a text");
        if (code != SCA_MBMS_WSP_CT_MIKEY)
            return pfail(r, "the content type code is not 0x52 (application/mikey)");
    }
    if (!general) /* constrained form: the headers go on after the media */
        r->p = v.p;
    return SCA_OK;
}

/* The X-Wap-Application-Id value: App-assigned-code (integer) or Uri-value (text). */
static sca_rc app_id(rd *r, int *seen)
{
    if ((*seen)++)
        return pfail(r, "two X-Wap-Application-Id headers");
    if (r->p >= r->end)
        return pfail(r, "the X-Wap-Application-Id value is missing");
    uint8_t b = *r->p;
    if (b >= 0x20 && b < 0x80) {
        const uint8_t *s;
        size_t n;
        if (!take_text(r, &s, &n))
            return pfail(r, "the X-Wap-Application-Id text has no end (NUL)");
        return text_eq(s, n, APPID_TEXT) ? SCA_OK : pfail(r, "the push is for another application (X-Wap-"
                                                           "Application-Id is not x-oma-application:bcast.ua)");
    }
    uint32_t code;
    if (!take_integer(r, &code))
        return pfail(r, "the X-Wap-Application-Id value is neither a code nor a text");
    return code == SCA_MBMS_WSP_APPID_BCAST_UA ? SCA_OK : pfail(r, "the push is for another application "
                                                                   "(X-Wap-Application-Id is not 0x13, bcast.ua)");
}

sca_rc sca_mbms_push_parse(const uint8_t *pdu, size_t len, sca_mbms_push *out, sca_error *err)
{
    if ((pdu == NULL && len > 0) || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no WAP push PDU to parse");
    memset(out, 0, sizeof *out);
    rd r = {pdu, pdu + len, err};
    if (len < 3)
        return pfail(&r, "too short for TID, PDU type and headers length");
    if (pdu[1] != WSP_PUSH)
        return sca_error_set(err, SCA_E_PARSE, "the WSP PDU type is 0x%02X, not Push (0x06): give the raw "
                             "connectionless push, starting with the transaction ID", pdu[1]);
    r.p = pdu + 2;
    uint32_t hl;
    int ok = dmboot_uintvar(&r.p, r.end, 5, &hl);
    if (ok <= 0)
        return pfail(&r, ok == 0 ? "the headers length is truncated" : "the headers length is too long");
    if (hl == 0 || (size_t)(r.end - r.p) < hl)
        return pfail(&r, hl == 0 ? "no headers (the content type is missing)" : "the headers run past the PDU");
    const uint8_t *body = r.p + hl;
    rd h = {r.p, body, err};
    sca_rc rc = content_type(&h);
    int seen = 0;
    while (rc == SCA_OK && h.p < h.end) {
        uint8_t b = *h.p;
        if (b >= 0x80) { /* well-known field name */
            h.p++;
            rc = (b & 0x7F) == SCA_MBMS_WSP_FIELD_APPID ? app_id(&h, &seen) : skip_value(&h);
        } else if (b >= 0x20 && b < 0x7F) { /* Application-header: Token-text Application-specific-value */
            const uint8_t *name;
            size_t nl;
            if (!take_text(&h, &name, &nl))
                rc = pfail(&h, "a header name has no end (NUL)");
            else if (text_eq(name, nl, APPID_NAME))
                rc = app_id(&h, &seen);
            else
                rc = skip_value(&h);
        } else {
            rc = pfail(&h, b == 0x7F || (b >= 0x01 && b <= 0x1F) ? "a header code page shift (not supported)"
                                                                  : "a header starts with a NUL byte");
        }
    }
    if (rc != SCA_OK)
        return rc;
    if (!seen)
        return pfail(&r, "no X-Wap-Application-Id header (the push is not addressed to the BCAST client)");
    if (body == r.end)
        return pfail(&r, "no body (no MIKEY message)");
    out->tid = pdu[0];
    out->body = body;
    out->body_len = (size_t)(r.end - body);
    return SCA_OK;
}

/* --- UDP ------------------------------------------------------------------------------------------------- */

sca_rc sca_mbms_udp_open(const char *bind_addr, uint16_t port, int *fd, uint16_t *bound_port, sca_error *err)
{
    if (fd == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "LTKM UDP socket: missing argument");
    *fd = -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind_addr != NULL && inet_pton(AF_INET, bind_addr, &a.sin_addr) != 1)
        return sca_error_set(err, SCA_E_INVALID_ARG, "'%.64s' is not an IPv4 address", bind_addr);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0)
        return sca_error_set(err, SCA_E_INTERNAL, "LTKM UDP socket: %s", strerror(errno));
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(s);
        return sca_error_set(err, SCA_E_INVALID_ARG, "LTKM UDP socket: cannot listen on port %u (%s); choose "
                             "another with --udp PORT", (unsigned)port, strerror(e));
    }
    if (bound_port != NULL) {
        socklen_t al = sizeof a;
        if (getsockname(s, (struct sockaddr *)&a, &al) != 0) {
            close(s);
            return sca_error_set(err, SCA_E_INTERNAL, "LTKM UDP socket: getsockname: %s", strerror(errno));
        }
        *bound_port = ntohs(a.sin_port);
    }
    *fd = s;
    return SCA_OK;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

sca_rc sca_mbms_udp_recv(int fd, uint8_t *buf, size_t cap, long timeout_ms, size_t *len, sca_error *err)
{
    if (fd < 0 || buf == NULL || cap == 0 || len == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "LTKM UDP receive: missing argument");
    *len = 0;
    long deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : 0;
    for (;;) {
        long wait = -1;
        if (timeout_ms >= 0) {
            wait = deadline - now_ms();
            if (wait < 0)
                wait = 0;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, wait > 0x7FFFFFFFL ? 0x7FFFFFFF : (int)wait);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return sca_error_set(err, SCA_E_INTERNAL, "LTKM UDP receive: poll: %s", strerror(errno));
        if (pr == 0)
            return sca_error_set(err, SCA_E_TIMEOUT, "no LTKM arrived within %ld ms", timeout_ms);
        ssize_t n = recv(fd, buf, cap, MSG_TRUNC);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return sca_error_set(err, SCA_E_INTERNAL, "LTKM UDP receive: %s", strerror(errno));
        if ((size_t)n > cap)
            return sca_error_set(err, SCA_E_PARSE, "a %zd-byte datagram arrived; an LTKM is at most %zu bytes: "
                                 "ignored", n, cap);
        if (n == 0)
            return sca_error_set(err, SCA_E_PARSE, "an empty datagram arrived: ignored");
        *len = (size_t)n;
        return SCA_OK;
    }
}

/* --- the decision ---------------------------------------------------------------------------------------- */

const char *sca_mbms_action_name(sca_mbms_action_kind kind)
{
    switch (kind) {
    case SCA_MBMS_PROCESS_ON_CARD: return "process-on-card";
    case SCA_MBMS_LTKM_REQUEST: return "ltkm-request";
    case SCA_MBMS_REREGISTER_ALL_SERVICES: return "reregister-all-services";
    }
    return "?";
}

const char *sca_mbms_action_next(sca_mbms_action_kind kind)
{
    switch (kind) {
    case SCA_MBMS_PROCESS_ON_CARD:
        return "give the LTKM to the card (MSK update)";
    case SCA_MBMS_LTKM_REQUEST:
        return "send an LTKM Request for this Key Domain and Key Group to the BM-SC (BSM solicited pull)";
    case SCA_MBMS_REREGISTER_ALL_SERVICES:
        return "register again with urn:allServices; send no LTKM Request";
    }
    return "?";
}

sca_rc sca_mbms_ltkm_action(const uint8_t *msg, size_t len, sca_mbms_action *out, sca_error *err)
{
    if ((msg == NULL && len > 0) || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "LTKM action: missing argument");
    memset(out, 0, sizeof *out);
    sca_mikey_view view;
    sca_ltkm_info info;
    sca_rc rc = sca_mikey_parse(msg, len, &view, err);
    if (rc == SCA_OK)
        rc = sca_ltkm_classify(&view, &info, err);
    if (rc != SCA_OK)
        return rc;
    out->kind = info.cls == SCA_LTKM_SOLICITED_PULL          ? SCA_MBMS_LTKM_REQUEST
                : info.cls == SCA_LTKM_REREGISTER_ALL_SERVICES ? SCA_MBMS_REREGISTER_ALL_SERVICES
                                                             : SCA_MBMS_PROCESS_ON_CARD;
    memcpy(out->key_domain, info.key_domain, sizeof out->key_domain);
    out->key_group = info.key_group;
    out->key_number = info.key_number;
    out->verification_requested = view.hdr.v;
    return SCA_OK;
}
