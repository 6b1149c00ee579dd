package org.scagent.applet;

import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.AESKey;
import javacardx.crypto.Cipher;

/**
 * AES-CMAC (NIST SP 800-38B, RFC 4493), streaming, built on {@code Cipher.ALG_AES_BLOCK_128_CBC_NOPAD} so that
 * it needs no {@code Signature.ALG_AES_CMAC_128}.
 *
 * Every block encryption is a one-block CBC {@code doFinal} with the zero IV, i.e. AES-ECB: this does not depend
 * on how a card buffers partial CBC updates. The last block of the input is kept pending until {@link #doFinal}
 * because CMAC treats it specially (K1 if complete, 80-padding and K2 otherwise).
 */
final class AesCmac {
    static final short BLOCK = 16;
    /** Work space: chaining value X, pending block M, subkey. */
    private static final short X = 0;
    private static final short M = 16;
    private static final short K = 32;
    private static final short WS_LEN = 48;

    private final Cipher cipher;
    private final byte[] ws;
    /** [0]: number of bytes in the pending block (0..16). */
    private final short[] pending;

    AesCmac(Cipher cipher) {
        this.cipher = cipher;
        ws = JCSystem.makeTransientByteArray(WS_LEN, JCSystem.CLEAR_ON_DESELECT);
        pending = JCSystem.makeTransientShortArray((short) 1, JCSystem.CLEAR_ON_DESELECT);
    }

    /** Starts a MAC computation under {@code key}. */
    void init(AESKey key) {
        cipher.init(key, Cipher.MODE_ENCRYPT);
        Util.arrayFillNonAtomic(ws, (short) 0, WS_LEN, (byte) 0);
        pending[0] = 0;
    }

    /** Feeds {@code len} bytes. */
    void update(byte[] in, short off, short len) {
        short c = pending[0];
        while (len > 0) {
            if (c == BLOCK) {
                xor(ws, M, ws, X);
                encrypt(X);
                c = 0;
            }
            short n = (short) (BLOCK - c);
            if (n > len) {
                n = len;
            }
            Util.arrayCopyNonAtomic(in, off, ws, (short) (M + c), n);
            c = (short) (c + n);
            off = (short) (off + n);
            len = (short) (len - n);
        }
        pending[0] = c;
    }

    /** Finishes the computation and writes the full 16-byte MAC to {@code out}. Call {@link #init} again to reuse. */
    void doFinal(byte[] out, short outOff) {
        short c = pending[0];
        // subkeys: L = AES(K, 0^128), K1 = dbl(L), K2 = dbl(K1)
        Util.arrayFillNonAtomic(ws, K, BLOCK, (byte) 0);
        encrypt(K);
        dbl(K);
        if (c < BLOCK) {
            dbl(K);
            ws[(short) (M + c)] = (byte) 0x80;
            Util.arrayFillNonAtomic(ws, (short) (M + c + 1), (short) (BLOCK - c - 1), (byte) 0);
        }
        xor(ws, K, ws, M);
        xor(ws, M, ws, X);
        encrypt(X);
        Util.arrayCopyNonAtomic(ws, X, out, outOff, BLOCK);
        Util.arrayFillNonAtomic(ws, (short) 0, WS_LEN, (byte) 0);
        pending[0] = 0;
    }

    /** ws[off..off+16) = AES-ECB(key, ws[off..off+16)). */
    private void encrypt(short off) {
        cipher.doFinal(ws, off, BLOCK, ws, off);
    }

    /** Doubling in GF(2^128): shift left one bit, xor 0x87 into the last byte if the top bit was set. */
    private void dbl(short off) {
        boolean carry = (ws[off] & 0x80) != 0;
        short last = (short) (off + BLOCK - 1);
        for (short i = off; i < last; i++) {
            ws[i] = (byte) ((ws[i] << 1) | ((ws[(short) (i + 1)] >> 7) & 1));
        }
        ws[last] = (byte) (ws[last] << 1);
        if (carry) {
            ws[last] = (byte) (ws[last] ^ (byte) 0x87);
        }
    }

    /** dst[dOff..+16) ^= src[sOff..+16). */
    static void xor(byte[] src, short sOff, byte[] dst, short dOff) {
        for (short i = 0; i < BLOCK; i++) {
            dst[(short) (dOff + i)] = (byte) (dst[(short) (dOff + i)] ^ src[(short) (sOff + i)]);
        }
    }
}
