/* OMA DM bootstrap security (seed 004; OMA DM Security 5.7.2): a bootstrap message is the WBXML bootstrap
 * document plus "Content-Type: application/vnd.syncml.dm+wbxml; SEC=type; MAC=digest", where digest is the hex
 * HMAC-SHA1 of the exact WBXML bytes under a key chosen by SEC. This is the host side that needs no card: read the
 * header (HTTP text or WSP binary, also from a whole WAP push PDU), build the key from the secrets the caller has,
 * check the MAC, and only then decode the WBXML (applet-spec/dm-bootstrap.md has the rationale and sources).
 *
 * Choices (sources in applet-spec/dm-bootstrap.md):
 * - Text header (RFC 9110 5.6.6, 8.3.1): an optional "Content-Type:" prefix (any case), type "/" subtype, then
 *   parameters; names and the media type compare without case; optional spaces/tabs around ';' and '='; empty
 *   parameters (";;") are skipped; values are tokens or quoted strings with backslash escapes; other parameters
 *   are checked for syntax and ignored; SEC or MAC twice (in any form) is refused; control characters are refused.
 * - SEC values: the DM names NETWORKID, USERPIN, USERPIN_NETWORKID, NETWORKID_GBA, USERPIN_NETWORKID_GBA (any
 *   case). In WSP the typed SEC parameter carries the WAP ProvBoot short-integer code instead: 0 NETWPIN =
 *   NETWORKID, 1 USERPIN, 2 USERNETWPIN = USERPIN_NETWORKID (the key is still the DM "PIN:secret" one, as the
 *   message is a DM message), 3 USERPINMAC (no DM equivalent: refused). Any other value is refused by name.
 * - MAC: exactly 40 hex digits, either case, nothing else (no spaces).
 * - SEC and MAC must both be present: a bootstrap message without them is refused when parsed. A media type other
 *   than application/vnd.syncml.dm+wbxml is not a parse error (`media_ok` = 0) but verification refuses it.
 * - WSP (WAP-230-WSP 8.4.2.24, 8.4.2.4, table 38; OMNA content types): the Content-type value is a short-integer
 *   (C2 = 0x42, no parameters), Extension-media text, or the general form Value-length Media-type *Parameter, the
 *   media being Integer-value 0x42 or the text name; parameters are typed (Integer-value token: 0x11 SEC with a
 *   Short-integer or a text value, 0x12 MAC with a Text-value) or untyped (Token-text name "SEC"/"MAC", any case,
 *   with a Text-value; an Integer-value SEC is the ProvBoot code). Others are skipped by the WSP 8.4.1.2 octet
 *   rules (Q, 0x00, by its uintvar). Every length is checked against the value length and the buffer.
 * - Push PDU (WAP-230-WSP 8.2.4.1, connectionless): TID, PDU type 0x06 (only), headers length (uintvar), the
 *   Content-type value, other headers (skipped unparsed), then the body: the WBXML, at least one byte.
 * - Keys (applet-spec/dm-bootstrap.md 3): NETWORKID = the IMSI as TS 24.008 10.5.1.4 Mobile Identity digits
 *   (EF_IMSI bytes 2.. of TS 31.102 4.2.2: first octet digit 1 << 4 | odd/even bit | type 001, i.e. low nibble
 *   9 for an odd digit count, 1 for even; then two digits per octet, low nibble first; F filler when even), 6..15
 *   digits -> 4..8 bytes, no padding; or the ESN's 4 bytes. USERPIN = the PIN's ASCII bytes (1..64 printable).
 *   USERPIN_NETWORKID = PIN bytes, ':' (0x3A), the network secret bytes (binary, the same bytes as for
 *   NETWORKID). NETWORKID_GBA = Ks_NAF (32 bytes, from the caller); USERPIN_NETWORKID_GBA = PIN ':' Ks_NAF.
 * - MAC: HMAC-SHA1 (OpenSSL EVP_MAC) over the body, compared with CRYPTO_memcmp; key copies are wiped.
 * - Only sca_dmboot_verify makes an sca_dmboot_verified (a private copy of the body that verified), and only that
 *   can be decoded: unverified WBXML never reaches libwbxml. */
#ifndef SCAGENT_BOOTSTRAP_H
#define SCAGENT_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"

#define SCA_DMBOOT_MEDIA_TYPE "application/vnd.syncml.dm+wbxml"
#define SCA_DMBOOT_WSP_MEDIA 0x42     /* its WSP well-known content type (short-integer C2) */
#define SCA_DMBOOT_WSP_PARAM_SEC 0x11 /* WSP 1.4 well-known parameter SEC (short-integer 91) */
#define SCA_DMBOOT_WSP_PARAM_MAC 0x12 /* WSP 1.4 well-known parameter MAC (short-integer 92) */
#define SCA_DMBOOT_WSP_PUSH 0x06      /* WSP PDU type Push */
#define SCA_DMBOOT_MAC_SIZE 20        /* HMAC-SHA1 */
#define SCA_DMBOOT_KS_NAF_SIZE 32
#define SCA_DMBOOT_PIN_MAX 64
#define SCA_DMBOOT_SECRET_MAX 64      /* network secret bytes for NETWORKID (IMSI 8, ESN 4, others up to 64) */
#define SCA_DMBOOT_KEY_MAX (SCA_DMBOOT_PIN_MAX + 1 + SCA_DMBOOT_SECRET_MAX)
#define SCA_DMBOOT_IMSI_KEY_MAX 8
#define SCA_DMBOOT_BODY_MAX (256 * 1024)

typedef enum sca_dmboot_sec {
    SCA_DMBOOT_SEC_NONE = 0,
    SCA_DMBOOT_SEC_NETWORKID,
    SCA_DMBOOT_SEC_USERPIN,
    SCA_DMBOOT_SEC_USERPIN_NETWORKID,
    SCA_DMBOOT_SEC_NETWORKID_GBA,
    SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA,
} sca_dmboot_sec;

/* The DM name ("NETWORKID"), or "none"/"unknown". */
const char *sca_dmboot_sec_name(sca_dmboot_sec sec);
/* Whether the key for `sec` needs the user's PIN / a network secret (IMSI, ESN or Ks_NAF). */
int sca_dmboot_sec_needs_pin(sca_dmboot_sec sec);
int sca_dmboot_sec_needs_network(sca_dmboot_sec sec);
int sca_dmboot_sec_is_gba(sca_dmboot_sec sec);

/* The security part of a bootstrap message's Content-Type. */
typedef struct sca_dmboot_header {
    int media_ok;                       /* the media type is application/vnd.syncml.dm+wbxml */
    sca_dmboot_sec sec;
    int sec_code;                       /* the WSP short-integer code when SEC came as one (0..2), else -1 */
    uint8_t mac[SCA_DMBOOT_MAC_SIZE];
} sca_dmboot_header;

/* The HTTP header value (with or without "Content-Type:"), NUL-terminated. SCA_E_PARSE says what is wrong. */
sca_rc sca_dmboot_header_parse(const char *value, sca_dmboot_header *out, sca_error *err);

/* The WSP binary Content-type value at `buf`. With `used` non-NULL it may be followed by other bytes and *used
 * gets its length; with `used` NULL it must fill `len` exactly. */
sca_rc sca_dmboot_header_parse_wsp(const uint8_t *buf, size_t len, size_t *used, sca_dmboot_header *out,
                                   sca_error *err);

/* A WAP push PDU; `body` points into the parsed buffer. */
typedef struct sca_dmboot_push {
    uint8_t tid;
    sca_dmboot_header header;
    const uint8_t *body;
    size_t body_len;
} sca_dmboot_push;

sca_rc sca_dmboot_push_parse(const uint8_t *pdu, size_t len, sca_dmboot_push *out, sca_error *err);

/* Key material. `out` gets 4..8 bytes (`*out_len`); `imsi` is 6..15 decimal digits. */
sca_rc sca_dmboot_imsi_secret(const char *imsi, uint8_t out[SCA_DMBOOT_IMSI_KEY_MAX], size_t *out_len,
                              sca_error *err);
/* An ESN as 8 hex digits (either case) -> its 4 bytes, most significant first. */
sca_rc sca_dmboot_esn_secret(const char *esn, uint8_t out[4], sca_error *err);

typedef struct sca_dmboot_key {
    uint8_t bytes[SCA_DMBOOT_KEY_MAX];
    size_t len;
} sca_dmboot_key;

/* The HMAC key for `sec` from the user's PIN (NUL-terminated, or NULL) and the network secret (NETWORKID: IMSI
 * or ESN bytes, 1..64; the GBA ones: Ks_NAF, 32 bytes; NULL/0 when none). Exactly the inputs `sec` needs must be
 * given (SCA_E_INVALID_ARG names the missing or extra one). Wipe the result with sca_dmboot_key_wipe. */
sca_rc sca_dmboot_key_make(sca_dmboot_sec sec, const char *pin, const uint8_t *network, size_t network_len,
                           sca_dmboot_key *key, sca_error *err);
void sca_dmboot_key_wipe(sca_dmboot_key *key);

/* HMAC-SHA1(key, body): for servers, tools and tests. */
sca_rc sca_dmboot_mac(const uint8_t *key, size_t key_len, const uint8_t *body, size_t body_len,
                      uint8_t mac[SCA_DMBOOT_MAC_SIZE], sca_error *err);

/* A body whose MAC verified; opaque, made only by the verify functions. */
typedef struct sca_dmboot_verified sca_dmboot_verified;

/* Check the header's MAC over `body` with the final HMAC key bytes (the hook for key material from elsewhere,
 * e.g. the card: EF_IMSI bytes or a Ks_NAF combined by sca_dmboot_key_make). On success *out owns a copy of the
 * body. SCA_E_CRYPTO: the MAC does not verify; SCA_E_PARSE: not a DM bootstrap header or an empty/oversized
 * body; SCA_E_INVALID_ARG: no key. */
sca_rc sca_dmboot_verify(const sca_dmboot_header *h, const uint8_t *key, size_t key_len, const uint8_t *body,
                         size_t body_len, sca_dmboot_verified **out, sca_error *err);
/* sca_dmboot_key_make for h->sec, then sca_dmboot_verify; the key is wiped. */
sca_rc sca_dmboot_verify_with(const sca_dmboot_header *h, const char *pin, const uint8_t *network,
                              size_t network_len, const uint8_t *body, size_t body_len, sca_dmboot_verified **out,
                              sca_error *err);
sca_dmboot_sec sca_dmboot_verified_sec(const sca_dmboot_verified *v);
const uint8_t *sca_dmboot_verified_body(const sca_dmboot_verified *v, size_t *len);
void sca_dmboot_verified_free(sca_dmboot_verified *v);

/* The verified WBXML as XML text (libwbxml2; language from the document's public ID), NUL-terminated, malloc'd:
 * free() it. SCA_E_PARSE when the WBXML does not decode. */
sca_rc sca_dmboot_decode(const sca_dmboot_verified *v, char **xml, size_t *xml_len, sca_error *err);

#endif
