/* MILENAGE (3GPP TS 35.206, AES-128 kernel) and the GBA key derivation function (TS 33.220 Annex B), on the
 * host: for the BSF simulator and for checking the card (applet-spec/gba.md). The API has the shape of the
 * applet's Milenage and GbaKdf classes. Keys are wiped with OPENSSL_cleanse. */
#ifndef SCAGENT_MILENAGE_H
#define SCAGENT_MILENAGE_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"

#define SCA_MILENAGE_BLOCK 16
#define SCA_MILENAGE_SQN_LEN 6
#define SCA_MILENAGE_AMF_LEN 2
#define SCA_MILENAGE_MAC_LEN 8
#define SCA_MILENAGE_RES_LEN 8
#define SCA_MILENAGE_AK_LEN 6

/* K, OPc and TEMP = E_K(RAND xor OPc). Wipe with sca_milenage_clear. */
typedef struct sca_milenage {
    uint8_t k[16];
    uint8_t opc[16];
    uint8_t temp[16];
} sca_milenage;

/* OPc = OP xor E_K(OP). */
sca_rc sca_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16], sca_error *err);
/* Sets K and OPc (TEMP is cleared; call sca_milenage_set_rand before the functions). */
void sca_milenage_init(sca_milenage *m, const uint8_t k[16], const uint8_t opc[16]);
/* TEMP = E_K(RAND xor OPc). */
sca_rc sca_milenage_set_rand(sca_milenage *m, const uint8_t rand[16], sca_error *err);
/* f1 (MAC-A) and f1* (MAC-S), 8 bytes, over SQN (6 bytes) and AMF (2 bytes). */
sca_rc sca_milenage_f1(const sca_milenage *m, const uint8_t sqn[6], const uint8_t amf[2], uint8_t mac_a[8],
                       sca_error *err);
sca_rc sca_milenage_f1star(const sca_milenage *m, const uint8_t sqn[6], const uint8_t amf[2], uint8_t mac_s[8],
                           sca_error *err);
/* f2 (RES, 8 bytes), f3 (CK, 16), f4 (IK, 16), f5 (AK, 6), f5* (AK for resynchronisation, 6). */
sca_rc sca_milenage_f2(const sca_milenage *m, uint8_t res[8], sca_error *err);
sca_rc sca_milenage_f3(const sca_milenage *m, uint8_t ck[16], sca_error *err);
sca_rc sca_milenage_f4(const sca_milenage *m, uint8_t ik[16], sca_error *err);
sca_rc sca_milenage_f5(const sca_milenage *m, uint8_t ak[6], sca_error *err);
sca_rc sca_milenage_f5star(const sca_milenage *m, uint8_t ak_star[6], sca_error *err);
/* Wipes K, OPc and TEMP. */
void sca_milenage_clear(sca_milenage *m);

/* --- GBA KDF (TS 33.220 Annex B) --------------------------------------------------------------------------- */

#define SCA_GBA_FC_KS_NAF 0x01
#define SCA_GBA_KDF_LEN 32
#define SCA_GBA_KS_LEN 32

typedef enum sca_gba_label {
    SCA_GBA_ME = 0, /* P0 = "gba-me": Ks_NAF (GBA_ME) or Ks_ext_NAF (GBA_U) */
    SCA_GBA_U = 1,  /* P0 = "gba-u": Ks_int_NAF (GBA_U) */
} sca_gba_label;

/* HMAC-SHA-256(key, S), S = fc || P0 || L0 || ... || P(n-1) || L(n-1), Li = length of Pi as 2 bytes big-endian
 * (each Pi at most 65535 bytes). 32 bytes to `out`. */
sca_rc sca_gba_kdf(const uint8_t *key, size_t key_len, uint8_t fc, const uint8_t *const *p, const size_t *p_len,
                   size_t n, uint8_t out[32], sca_error *err);
/* Ks_(ext/int)_NAF = KDF(Ks, 0x01, P0 = label, P1 = RAND, P2 = IMPI, P3 = NAF_Id); Ks = CK || IK (32 bytes). */
sca_rc sca_gba_ks_naf(sca_gba_label label, const uint8_t ks[32], const uint8_t rand[16], const uint8_t *impi,
                      size_t impi_len, const uint8_t *naf_id, size_t naf_id_len, uint8_t out[32], sca_error *err);

#endif
