package org.scagent.applet;

import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.AESKey;
import javacard.security.KeyBuilder;
import javacardx.crypto.Cipher;

/**
 * The MIKEY crypto of the MBMS context (applet-spec/mbms.md §4.2, §4.4): the RFC 3830 PRF for the message keys
 * (encr_key, auth_key, salt_key from the MUK or the MSK) and AES-CM-128 for the KEMAC's encrypted data.
 *
 * PRF(inkey, label) for an inkey of at most 256 bits (one chunk: the MUK, 32 bytes, and the MSK, 16) and outputs of
 * at most 160 bits: one round, HMAC-SHA1(inkey, A1 || label) with A1 = HMAC-SHA1(inkey, label);
 * label = constant (4) || 0xFF || CSB ID (4) || RAND.
 */
final class MikeyKeys {
    static final short ENCR_LEN = 16;
    static final short AUTH_LEN = 20;
    static final short SALT_LEN = 14;
    static final byte KEY_ENCR = 0;
    static final byte KEY_AUTH = 1;
    static final byte KEY_SALT = 2;
    private static final short RAND_MAX = 64;
    private static final short BLOCK = 16;

    private final HmacSha1 hmac;
    private final Cipher aes;
    private final AESKey key;
    /** label (9 + RAND_MAX) || A1 (20) || counter block (16) || keystream block (16); CLEAR_ON_DESELECT. */
    private final byte[] ws;
    private static final short W_LABEL = 0;
    private static final short W_A1 = (short) (9 + RAND_MAX);
    private static final short W_CTR = (short) (W_A1 + HmacSha1.LEN);
    private static final short W_KS = (short) (W_CTR + BLOCK);
    private static final short W_LEN = (short) (W_KS + BLOCK);
    private final byte[] constants;

    MikeyKeys(HmacSha1 hmac) {
        this.hmac = hmac;
        aes = Cipher.getInstance(Cipher.ALG_AES_BLOCK_128_CBC_NOPAD, false);
        key = (AESKey) KeyBuilder.buildKey(KeyBuilder.TYPE_AES_TRANSIENT_DESELECT, KeyBuilder.LENGTH_AES_128, false);
        ws = JCSystem.makeTransientByteArray(W_LEN, JCSystem.CLEAR_ON_DESELECT);
        constants = new byte[] {
            0x15, 0x05, 0x33, (byte) 0xE1, // encr
            0x2D, 0x22, (byte) 0xAC, 0x75, // auth
            0x29, (byte) 0xB8, (byte) 0x89, 0x16, // salt
        };
    }

    /** Which key's length. */
    static short length(byte which) {
        return which == KEY_ENCR ? ENCR_LEN : which == KEY_AUTH ? AUTH_LEN : SALT_LEN;
    }

    /**
     * One message key from inkey (≤ 32 bytes), the CSB ID (4 bytes) and RAND (0..64 bytes) to out[outOff..].
     */
    void derive(byte which, byte[] inkey, short inOff, short inLen, byte[] csb, short csbOff, byte[] rand,
            short randOff, short randLen, byte[] out, short outOff) {
        Util.arrayCopyNonAtomic(constants, (short) (which * 4), ws, W_LABEL, (short) 4);
        ws[(short) (W_LABEL + 4)] = (byte) 0xFF;
        Util.arrayCopyNonAtomic(csb, csbOff, ws, (short) (W_LABEL + 5), (short) 4);
        Util.arrayCopyNonAtomic(rand, randOff, ws, (short) (W_LABEL + 9), randLen);
        short labelLen = (short) (9 + randLen);
        hmac.mac(inkey, inOff, inLen, ws, W_LABEL, labelLen, ws, W_A1);
        hmac.begin(inkey, inOff, inLen);
        hmac.update(ws, W_A1, HmacSha1.LEN);
        hmac.update(ws, W_LABEL, labelLen);
        hmac.finish(ws, W_A1);
        Util.arrayCopyNonAtomic(ws, W_A1, out, outOff, length(which));
        Util.arrayFillNonAtomic(ws, W_LABEL, W_CTR, (byte) 0);
    }

    /**
     * AES-CM-128 (RFC 3830 §4.2.3) in place over d[off..off+len): IV = (salt || 0000) xor (0000 || CSB ID || 00000000
     * || counter || 0000), block i keystream = AES(encr_key, IV + i).
     */
    void crypt(byte[] encrKey, short ekOff, byte[] salt, short sOff, byte[] csb, short csbOff, byte[] counter,
            short cOff, byte[] d, short off, short len) {
        Util.arrayCopyNonAtomic(salt, sOff, ws, W_CTR, SALT_LEN);
        ws[(short) (W_CTR + 14)] = 0;
        ws[(short) (W_CTR + 15)] = 0;
        for (short i = 0; i < 4; i++) {
            ws[(short) (W_CTR + 2 + i)] ^= csb[(short) (csbOff + i)];
            ws[(short) (W_CTR + 10 + i)] ^= counter[(short) (cOff + i)];
        }
        key.setKey(encrKey, ekOff);
        aes.init(key, Cipher.MODE_ENCRYPT);
        for (short p = 0; p < len; p = (short) (p + BLOCK)) {
            aes.doFinal(ws, W_CTR, BLOCK, ws, W_KS);
            short n = (short) (len - p) < BLOCK ? (short) (len - p) : BLOCK;
            for (short i = 0; i < n; i++) {
                d[(short) (off + p + i)] ^= ws[(short) (W_KS + i)];
            }
            for (short i = (short) (W_CTR + BLOCK - 1); i >= W_CTR; i--) { // IV + 1, big-endian
                ws[i]++;
                if (ws[i] != 0) {
                    break;
                }
            }
        }
        key.clearKey();
        Util.arrayFillNonAtomic(ws, W_CTR, (short) (2 * BLOCK), (byte) 0);
    }
}
