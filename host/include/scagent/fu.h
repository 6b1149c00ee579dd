/* DM firmware-update control, host side (applet-spec/dm-firmware.md §4): the signed update manifest (build for
 * originators, tests and simulators; strict parse; signature check), the subscriber token, and the package
 * hashing and streaming a terminal does before it hands the package's digest or bytes to the card.
 *
 * Choices (where the spec leaves room; dm-firmware.md §4.1 says the same):
 * - The parser is strict: "SCFU", format 01, TLVs with 1-byte tag and 1-byte length in increasing tag order,
 *   each at most once, every required tag, the exact lengths of §4.1, the signature TLV 5F last with nothing
 *   after it, at most SCA_FU_MANIFEST_MAX bytes. Values outside their enumerations are malformed too: a kind
 *   other than 01/02, an originator slot above SCA_FU_ORIGINATORS - 1, a server id of 0 bytes. A version range
 *   with from > to parses (it never matches: the card refuses it as 405).
 * - The signature TLV holds 70..72 bytes (§4.1); a DER ECDSA P-256 signature is shorter when r or s has leading
 *   zero bytes (about 1 in 128 signatures), so the builder signs again until it fits; verifiers refuse others.
 * - IMEI (tag 0A) is kept as the 8 bytes the card compares; its digits are decoded for display when they are
 *   TS 24.008 BCD (`imei` is "" otherwise: the card compares bytes, the host does not refuse what it would take).
 * - Token: AES-CMAC(K_token, SHA-256(the whole signed manifest) || card id (16) || sequence number (4, BE)).
 * - Buffers returned through `uint8_t **` are allocated with malloc; release them with free(). */
#ifndef SCAGENT_FU_H
#define SCAGENT_FU_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "scagent/bcastid.h"
#include "scagent/error.h"

#define SCA_FU_MAGIC "SCFU"
#define SCA_FU_MAGIC_LEN 4
#define SCA_FU_FORMAT 0x01
#define SCA_FU_CARD_ID_LEN 16
#define SCA_FU_SERVER_ID_MAX 64   /* = SCA_DM_ID_MAX of the contract */
#define SCA_FU_SHA256_LEN 32
#define SCA_FU_SIG_MIN 70         /* the signature TLV's length range (§4.1) */
#define SCA_FU_SIG_MAX 72
#define SCA_FU_KIND_FIRMWARE 0x01 /* = SCA_LOG_KIND_FIRMWARE */
#define SCA_FU_KIND_SOFTWARE 0x02 /* = SCA_LOG_KIND_SOFTWARE */

/* The tags of §4.1. */
enum {
    SCA_FU_TAG_SHA256 = 0x01,
    SCA_FU_TAG_SIZE = 0x02,
    SCA_FU_TAG_KIND = 0x03,
    SCA_FU_TAG_MANUFACTURER = 0x04,
    SCA_FU_TAG_MODEL = 0x05,
    SCA_FU_TAG_FROM = 0x06,
    SCA_FU_TAG_TO = 0x07,
    SCA_FU_TAG_SEQ = 0x08,
    SCA_FU_TAG_SERVER_ID = 0x09,
    SCA_FU_TAG_IMEI = 0x0A,
    SCA_FU_TAG_CARD_ID = 0x0B,
    SCA_FU_TAG_ORIGINATOR = 0x0C,
    SCA_FU_TAG_SIGNATURE = 0x5F,
};

/* The manifest's fields. */
typedef struct sca_fu_manifest {
    uint8_t sha256[SCA_FU_SHA256_LEN]; /* 01: package SHA-256 */
    uint64_t size;                     /* 02: package size in bytes */
    uint8_t kind;                      /* 03: SCA_FU_KIND_FIRMWARE or SCA_FU_KIND_SOFTWARE */
    uint16_t manufacturer;             /* 04: target ClientManufacturerCode */
    uint16_t model;                    /* 05: target ClientModelNo */
    uint16_t from_min, from_max;       /* 06: applies to versions from_min..from_max, inclusive */
    uint16_t to;                       /* 07: the version it installs */
    uint32_t seq;                      /* 08: sequence number (anti-replay, per originator) */
    uint8_t server_id[SCA_FU_SERVER_ID_MAX]; /* 09: the delivering DM server id */
    size_t server_id_len;              /*     1..64 */
    int has_imei;                      /* 0A present */
    uint8_t imei[SCA_IMEI_BCD_LEN];    /* 0A: target IMEI, BCD */
    int has_card_id;                   /* 0B present */
    uint8_t card_id[SCA_FU_CARD_ID_LEN]; /* 0B: card binding */
    uint8_t originator;                /* 0C: originator key slot, 0..SCA_FU_ORIGINATORS-1 */
} sca_fu_manifest;

/* A parsed manifest; the pointers point into the parsed buffer. */
typedef struct sca_fu_manifest_view {
    sca_fu_manifest m;
    char imei_digits[SCA_IMEI_DIGITS + 1]; /* the IMEI's digits when m.has_imei and it decodes, else "" */
    size_t tbs_len;                        /* the signed bytes are the first tbs_len (every byte before 5F) */
    const uint8_t *signature;              /* DER ECDSA-Sig-Value, SCA_FU_SIG_MIN..SCA_FU_SIG_MAX bytes */
    size_t signature_len;
    size_t len;                            /* the whole manifest */
} sca_fu_manifest_view;

/* Encode and sign `m` with the originator's P-256 private key (DER ECDSA, SHA-256) into a new buffer.
 * SCA_E_INVALID_ARG names the field that cannot be encoded (server id of 0 or more than 64 bytes, unknown kind,
 * originator slot out of range); SCA_E_CRYPTO for a key that is not P-256 or a failed signature. */
sca_rc sca_fu_manifest_build(const sca_fu_manifest *m, EVP_PKEY *originator_key, uint8_t **out, size_t *len,
                             sca_error *err);
/* Parse strictly (see the choices above). SCA_E_PARSE says which byte or tag is wrong. The signature is not
 * checked: call sca_fu_manifest_verify_sig. */
sca_rc sca_fu_manifest_parse(const uint8_t *buf, size_t len, sca_fu_manifest_view *view, sca_error *err);
/* Parse, then verify the signature over the first tbs_len bytes with the originator's P-256 public key.
 * SCA_E_PARSE when malformed, SCA_E_CRYPTO when the key is not P-256 or the signature does not verify. */
sca_rc sca_fu_manifest_verify_sig(const uint8_t *buf, size_t len, EVP_PKEY *originator, sca_error *err);

/* The subscriber token (§4.2 item 8): AES-CMAC(key, SHA-256(manifest) || card_id || seq (4, BE)), where
 * `manifest` is the whole signed manifest (as sent in FU_VERIFY_MANIFEST, without the token) and `seq` its
 * sequence number (tag 08). The bytes are not parsed. */
sca_rc sca_fu_token(const uint8_t key[16], const uint8_t *manifest, size_t len, const uint8_t card_id[16],
                    uint32_t seq, uint8_t out[16], sca_error *err);
/* Check a token as the card does: parse the manifest, take its sequence number, compare in constant time.
 * SCA_E_PARSE for a malformed manifest, SCA_E_CRYPTO "token does not match" otherwise. */
sca_rc sca_fu_token_verify(const uint8_t key[16], const uint8_t *manifest, size_t len, const uint8_t card_id[16],
                           const uint8_t token[16], sca_error *err);

/* --- the package ----------------------------------------------------------------------------------------- */
/* Expected size "whatever the file holds": read to the end and report the size. */
#define SCA_FU_SIZE_ANY UINT64_MAX
/* Called at most about every 1% of `total` (and once at the end, done == total); total is the expected size,
 * or with SCA_FU_SIZE_ANY the file's size when it started (0 for a pipe). */
typedef void (*sca_fu_progress)(uint64_t done, uint64_t total, void *ctx);

/* SHA-256 of the file at `path` (or of the open descriptor `fd`, read from its current offset; it is not
 * closed) in constant memory. `size` is the size the manifest promises: reading stops there, and a file that
 * ends earlier or holds more bytes is refused (SCA_E_PARSE "shorter/longer than the manifest says") without a
 * digest. With SCA_FU_SIZE_ANY the whole file is hashed. `*size_out` (may be NULL) gets the bytes hashed.
 * SCA_E_INVALID_ARG for a file that cannot be opened or read (the message has the path and the reason). */
sca_rc sca_fu_hash_file(const char *path, uint64_t size, sca_fu_progress progress, void *ctx,
                        uint8_t digest[32], uint64_t *size_out, sca_error *err);
sca_rc sca_fu_hash_fd(int fd, const char *name, uint64_t size, sca_fu_progress progress, void *ctx,
                      uint8_t digest[32], uint64_t *size_out, sca_error *err);

/* Receives the package in order: `offset` of this part, `last` = 1 on the final part (FU_HASH P1 03). A file
 * of size 0 gives one call with len 0 and last 1. Return SCA_OK to go on; anything else (with `err` filled)
 * stops the stream and is returned as is. */
typedef sca_rc (*sca_fu_chunk_cb)(const uint8_t *data, size_t len, uint64_t offset, int last, void *ctx,
                                  sca_error *err);
/* Feed the file to `cb` in parts of `chunk` bytes (1..16 MiB; the last part may be shorter), for hashing on
 * the card. The file must hold exactly `size` bytes: a short file is detected before the part that would be
 * incomplete, a longer one before the last part is delivered (so the card never gets a "last" for a wrong
 * file). `progress` as above, called with the same `ctx` as `cb`. The file is read in large blocks; memory use is
 * constant. */
sca_rc sca_fu_stream_file(const char *path, uint64_t size, size_t chunk, sca_fu_chunk_cb cb, void *ctx,
                          sca_fu_progress progress, sca_error *err);

/* --- hashing on the card ----------------------------------------------------------------------------- */

typedef struct sca_card sca_card;

/* One part of the package for the card to hash (FU_HASH, dm-firmware.md §4.2): `p1` SCA_FU_HASH_P1_01 the first
 * part (starts the hash), _02 a next one, _03 the last one (may be empty; the card then compares digest and size
 * with the verified manifest). `len` at most sca_card_max_data(). One command in one card transaction (or in the
 * caller's, when it holds one). A mismatch at 03 is SCA_E_CRYPTO (the card logged the failure); SCA_E_CONDITIONS
 * when no manifest was verified or no hash was started. sca_fu_hash_on_card sends a file with it; scagentd sends
 * the parts of its clients with it, one transaction each. */
sca_rc sca_fu_hash_part(sca_card *card, uint8_t p1, const uint8_t *data, size_t len, sca_error *err);

#endif
