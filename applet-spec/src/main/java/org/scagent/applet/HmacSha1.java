package org.scagent.applet;

import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.MessageDigest;

/**
 * HMAC-SHA1 (RFC 2104) on {@code MessageDigest.ALG_SHA}, streaming, for keys of at most one block (64 bytes): the DM
 * bootstrap MAC (dm-bootstrap.md §7) and the MIKEY PRF and MACs (mbms.md §4). Built here rather than on the
 * framework's HMAC so that any key length up to 64 bytes works on any card. Each user gets its own instance: the
 * digest state lives across APDUs (the DM bootstrap streams its body), so two users must never share one.
 */
final class HmacSha1 {
    static final short LEN = 20;
    static final short BLOCK = 64;
    private static final byte IPAD = (byte) 0x36;
    private static final byte OPAD = (byte) 0x5C;

    private final MessageDigest sha;
    /** key block (64) || pad block (64); CLEAR_ON_DESELECT. */
    private final byte[] ws;

    HmacSha1() {
        sha = MessageDigest.getInstance(MessageDigest.ALG_SHA, false);
        ws = JCSystem.makeTransientByteArray((short) (2 * BLOCK), JCSystem.CLEAR_ON_DESELECT);
    }

    /** Starts a MAC with key[off..off+len), len 0..64. */
    void begin(byte[] key, short off, short len) {
        Util.arrayFillNonAtomic(ws, (short) 0, BLOCK, (byte) 0);
        Util.arrayCopyNonAtomic(key, off, ws, (short) 0, len);
        sha.reset();
        pad(IPAD);
        sha.update(ws, BLOCK, BLOCK);
    }

    void update(byte[] b, short off, short len) {
        if (len > 0) {
            sha.update(b, off, len);
        }
    }

    /** Ends the MAC: 20 bytes to out[outOff..]; the key block is wiped. {@code out} may be any buffer. */
    void finish(byte[] out, short outOff) {
        sha.doFinal(ws, (short) 0, (short) 0, ws, BLOCK); // inner hash into the pad block's first 20 bytes
        Util.arrayCopyNonAtomic(ws, BLOCK, out, outOff, LEN);
        pad(OPAD);
        sha.reset();
        sha.update(ws, BLOCK, BLOCK);
        sha.doFinal(out, outOff, LEN, out, outOff);
        Util.arrayFillNonAtomic(ws, (short) 0, (short) (2 * BLOCK), (byte) 0);
    }

    /** One-shot MAC of msg[mOff..mOff+mLen). */
    void mac(byte[] key, short kOff, short kLen, byte[] msg, short mOff, short mLen, byte[] out, short outOff) {
        begin(key, kOff, kLen);
        update(msg, mOff, mLen);
        finish(out, outOff);
    }

    /** ws[BLOCK..] = key block xor v (the inner hash, when present, is overwritten: finish copies it out first). */
    private void pad(byte v) {
        for (short i = 0; i < BLOCK; i++) {
            ws[(short) (BLOCK + i)] = (byte) (ws[i] ^ v);
        }
    }

    /** Drops a MAC in progress (the key block is wiped). */
    void abort() {
        Util.arrayFillNonAtomic(ws, (short) 0, (short) (2 * BLOCK), (byte) 0);
        sha.reset();
    }
}
