/* MILENAGE (3GPP TS 35.206) on OpenSSL 3 EVP AES-128-ECB. The parameters are the spec's defaults; every
 * rotation is a whole number of bytes: r1 = 64, r2 = 0, r3 = 32, r4 = 64, r5 = 96 bits; c1..c5 = 0, 1, 2, 4, 8
 * in the last byte. */
#include "scagent/milenage.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* out = AES-128-ECB(k, in); in and out may be the same. */
static sca_rc aes_block(const uint8_t k[16], const uint8_t in[16], uint8_t out[16], sca_error *err)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t buf[32];
    int n1 = 0, n2 = 0;
    int ok = ctx && EVP_EncryptInit_ex2(ctx, EVP_aes_128_ecb(), k, NULL, NULL) &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_EncryptUpdate(ctx, buf, &n1, in, 16) &&
             EVP_EncryptFinal_ex(ctx, buf + n1, &n2) && n1 + n2 == 16;
    EVP_CIPHER_CTX_free(ctx);
    if (ok)
        memcpy(out, buf, 16);
    OPENSSL_cleanse(buf, sizeof buf);
    return ok ? SCA_OK : sca_error_set(err, SCA_E_CRYPTO, "AES-128-ECB failed in OpenSSL");
}

static void xor16(uint8_t *dst, const uint8_t *src)
{
    for (int i = 0; i < 16; i++)
        dst[i] ^= src[i];
}

/* out = in rotated towards the most significant end by `n` bytes. */
static void rot(const uint8_t in[16], unsigned n, uint8_t out[16])
{
    for (unsigned i = 0; i < 16; i++)
        out[i] = in[(i + n) & 15u];
}

sca_rc sca_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16], sca_error *err)
{
    if (!k || !op || !opc)
        return sca_error_set(err, SCA_E_INVALID_ARG, "Milenage OPc: missing argument");
    uint8_t e[16];
    sca_rc rc = aes_block(k, op, e, err);
    if (rc == SCA_OK) {
        xor16(e, op);
        memcpy(opc, e, 16);
    }
    OPENSSL_cleanse(e, sizeof e);
    return rc;
}

void sca_milenage_init(sca_milenage *m, const uint8_t k[16], const uint8_t opc[16])
{
    memcpy(m->k, k, 16);
    memcpy(m->opc, opc, 16);
    OPENSSL_cleanse(m->temp, sizeof m->temp);
}

sca_rc sca_milenage_set_rand(sca_milenage *m, const uint8_t rand[16], sca_error *err)
{
    if (!m || !rand)
        return sca_error_set(err, SCA_E_INVALID_ARG, "Milenage: missing argument");
    uint8_t x[16];
    memcpy(x, rand, 16);
    xor16(x, m->opc);
    sca_rc rc = aes_block(m->k, x, m->temp, err);
    OPENSSL_cleanse(x, sizeof x);
    return rc;
}

/* OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc, IN1 = SQN || AMF || SQN || AMF. */
static sca_rc out1(const sca_milenage *m, const uint8_t sqn[6], const uint8_t amf[2], uint8_t out[16],
                   sca_error *err)
{
    if (!m || !sqn || !amf || !out)
        return sca_error_set(err, SCA_E_INVALID_ARG, "Milenage f1: missing argument");
    uint8_t in1[16];
    memcpy(in1, sqn, 6);
    memcpy(in1 + 6, amf, 2);
    memcpy(in1 + 8, in1, 8);
    xor16(in1, m->opc);
    rot(in1, 8, out);
    xor16(out, m->temp);
    sca_rc rc = aes_block(m->k, out, out, err);
    xor16(out, m->opc);
    OPENSSL_cleanse(in1, sizeof in1);
    return rc;
}

/* OUTn = E_K(rot(TEMP xor OPc, r) xor c) xor OPc; r in bytes, c the last byte of the constant. */
static sca_rc outn(const sca_milenage *m, unsigned r, uint8_t c, uint8_t out[16], sca_error *err)
{
    if (!m || !out)
        return sca_error_set(err, SCA_E_INVALID_ARG, "Milenage: missing argument");
    uint8_t x[16];
    memcpy(x, m->temp, 16);
    xor16(x, m->opc);
    rot(x, r, out);
    out[15] ^= c;
    sca_rc rc = aes_block(m->k, out, out, err);
    xor16(out, m->opc);
    OPENSSL_cleanse(x, sizeof x);
    return rc;
}

/* Copies out[off..off+len) of OUTn to dst when rc is OK, then wipes OUTn. */
static sca_rc take(sca_rc rc, uint8_t o[16], size_t off, size_t len, uint8_t *dst)
{
    if (rc == SCA_OK) {
        if (!dst)
            rc = SCA_E_INVALID_ARG;
        else
            memcpy(dst, o + off, len);
    }
    OPENSSL_cleanse(o, 16);
    return rc;
}

sca_rc sca_milenage_f1(const sca_milenage *m, const uint8_t sqn[6], const uint8_t amf[2], uint8_t mac_a[8],
                       sca_error *err)
{
    uint8_t o[16];
    return take(out1(m, sqn, amf, o, err), o, 0, 8, mac_a);
}

sca_rc sca_milenage_f1star(const sca_milenage *m, const uint8_t sqn[6], const uint8_t amf[2], uint8_t mac_s[8],
                           sca_error *err)
{
    uint8_t o[16];
    return take(out1(m, sqn, amf, o, err), o, 8, 8, mac_s);
}

sca_rc sca_milenage_f2(const sca_milenage *m, uint8_t res[8], sca_error *err)
{
    uint8_t o[16];
    return take(outn(m, 0, 1, o, err), o, 8, 8, res);
}

sca_rc sca_milenage_f3(const sca_milenage *m, uint8_t ck[16], sca_error *err)
{
    uint8_t o[16];
    return take(outn(m, 4, 2, o, err), o, 0, 16, ck);
}

sca_rc sca_milenage_f4(const sca_milenage *m, uint8_t ik[16], sca_error *err)
{
    uint8_t o[16];
    return take(outn(m, 8, 4, o, err), o, 0, 16, ik);
}

sca_rc sca_milenage_f5(const sca_milenage *m, uint8_t ak[6], sca_error *err)
{
    uint8_t o[16];
    return take(outn(m, 0, 1, o, err), o, 0, 6, ak);
}

sca_rc sca_milenage_f5star(const sca_milenage *m, uint8_t ak_star[6], sca_error *err)
{
    uint8_t o[16];
    return take(outn(m, 12, 8, o, err), o, 0, 6, ak_star);
}

void sca_milenage_clear(sca_milenage *m)
{
    if (m)
        OPENSSL_cleanse(m, sizeof *m);
}
