package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.framework.Util;
import javacard.security.ECPublicKey;
import javacard.security.RSAPublicKey;

/**
 * Builds the DER SubjectPublicKeyInfo (RFC 5280) of the client key on the card (bcast-identity.md §4):
 * <pre>
 * P-256:    30 59 30 13 06 07 2A8648CE3D0201 06 08 2A8648CE3D030107 03 42 00 04 X Y           (91 bytes)
 * RSA-2048: 30 82 01 22 30 0D 06 09 2A864886F70D010101 05 00 03 82 01 0F 00
 *           30 82 01 0A 02 82 01 01 00 N(256) 02 03 01 00 01                                  (294 bytes)
 * </pre>
 * The RSA exponent is read from the key (so the length fields are computed; 65537 gives the layout above). The
 * fixed prefixes live in one persistent array allocated at install.
 */
final class Spki {
    static final short EC_LEN = 91;
    /** RSA-2048 with an exponent of up to 4 bytes (65537: 3 bytes, 294 in all). */
    static final short MAX_LEN = 296;
    private static final short EC_PREFIX_LEN = 26;
    private static final short RSA_ALG_ID_LEN = 15;
    private static final short RSA_MODULUS_LEN = 256;
    /** Offset of the modulus in the RSA SPKI: the header lengths are all in the 82 LL LL form for RSA-2048. */
    private static final short RSA_MODULUS_OFF = 33;
    private static final short RSA_EXPONENT_MAX = 4;

    private final byte[] prefixes;

    Spki() {
        prefixes = new byte[] {
            // P-256: SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (66 bytes, 0 unused bits) }
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01,
            0x06, 0x08, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
            // RSA: AlgorithmIdentifier { rsaEncryption, NULL }
            0x30, 0x0D, 0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01, 0x01,
            0x05, 0x00
        };
    }

    /** Writes the P-256 SPKI at out[off] and returns its length (91). */
    short ec(ECPublicKey key, byte[] out, short off) {
        Util.arrayCopyNonAtomic(prefixes, (short) 0, out, off, EC_PREFIX_LEN);
        if (key.getW(out, (short) (off + EC_PREFIX_LEN)) != P256.POINT_LEN) {
            ISOException.throwIt(Contract.SW_UNKNOWN);
        }
        return EC_LEN;
    }

    /** Writes the RSA-2048 SPKI at out[off] (room for {@link #MAX_LEN} bytes) and returns its length. */
    short rsa(RSAPublicKey key, byte[] out, short off) {
        short n = (short) (off + RSA_MODULUS_OFF);
        if (key.getModulus(out, n) != RSA_MODULUS_LEN) {
            ISOException.throwIt(Contract.SW_UNKNOWN);
        }
        // RSAPublicKey ::= SEQUENCE { INTEGER n (00 || N), INTEGER e }
        short e = (short) (n + RSA_MODULUS_LEN + 2);
        short eLen = key.getExponent(out, e);
        while (eLen > 1 && out[e] == 0) { // minimal encoding: drop leading zeros
            for (short i = 1; i < eLen; i++) {
                out[(short) (e + i - 1)] = out[(short) (e + i)];
            }
            eLen--;
        }
        if (out[e] < 0) { // top bit set: a 00 keeps the INTEGER positive
            for (short i = eLen; i > 0; i--) {
                out[(short) (e + i)] = out[(short) (e + i - 1)];
            }
            out[e] = 0;
            eLen++;
        }
        if (eLen > RSA_EXPONENT_MAX + 1) {
            ISOException.throwIt(Contract.SW_UNKNOWN);
        }
        out[(short) (e - 2)] = Der.INTEGER;
        out[(short) (e - 1)] = (byte) eLen;
        short keySeq = (short) (4 + 1 + RSA_MODULUS_LEN + 2 + eLen); // content of RSAPublicKey
        short bits = (short) (1 + 4 + keySeq);                       // content of the BIT STRING
        short all = (short) (RSA_ALG_ID_LEN + 4 + bits);             // content of the SPKI
        short p = header(Der.SEQUENCE, all, out, off);
        p = Util.arrayCopyNonAtomic(prefixes, EC_PREFIX_LEN, out, p, RSA_ALG_ID_LEN);
        p = header((byte) 0x03, bits, out, p);
        out[p++] = 0; // no unused bits
        p = header(Der.SEQUENCE, keySeq, out, p);
        p = header(Der.INTEGER, (short) (RSA_MODULUS_LEN + 1), out, p);
        out[p] = 0;
        return (short) (RSA_MODULUS_OFF + RSA_MODULUS_LEN + 2 + eLen);
    }

    /** Tag, 82, two length bytes; returns the offset after them. */
    private static short header(byte tag, short len, byte[] out, short off) {
        out[off] = tag;
        out[(short) (off + 1)] = Der.LEN_2;
        return Util.setShort(out, (short) (off + 2), len);
    }
}
