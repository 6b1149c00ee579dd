package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.framework.Util;

/** The little DER the card needs: "exactly one SEQUENCE", a byte-string search, ECDSA-Sig-Value to r || s. */
final class Der {
    static final byte SEQUENCE = 0x30;
    static final byte INTEGER = 0x02;
    /** Long-form length prefixes: one and two length bytes follow. */
    static final byte LEN_1 = (byte) 0x81;
    static final byte LEN_2 = (byte) 0x82;

    private Der() {
    }

    /**
     * True if b[off..off+len) is one DER SEQUENCE whose encoded length covers exactly {@code len} bytes: tag 30,
     * a definite length in its shortest form (DER), nothing after the contents.
     */
    static boolean isOneSequence(byte[] b, short off, short len) {
        if (len < 2 || b[off] != SEQUENCE) {
            return false;
        }
        short first = (short) (b[(short) (off + 1)] & 0xFF);
        short hdr;
        short body;
        if (first < 0x80) {
            hdr = 2;
            body = first;
        } else if (first == (short) (LEN_1 & 0xFF)) {
            if (len < 3) {
                return false;
            }
            hdr = 3;
            body = (short) (b[(short) (off + 2)] & 0xFF);
            if (body < 0x80) {
                return false; // not the shortest form
            }
        } else if (first == (short) (LEN_2 & 0xFF)) {
            if (len < 4) {
                return false;
            }
            hdr = 4;
            body = Util.getShort(b, (short) (off + 2));
            if (body < 0x100) {
                return false; // not the shortest form, or above 32767 (negative as a short)
            }
        } else {
            return false; // indefinite (80) or more than 65535 bytes
        }
        return body == (short) (len - hdr);
    }

    /** Offset in {@code hay} of the first occurrence of needle[nOff..nOff+nLen) within hay[hOff..hOff+hLen), or -1. */
    static short find(byte[] hay, short hOff, short hLen, byte[] needle, short nOff, short nLen) {
        short last = (short) (hOff + hLen - nLen);
        byte first = needle[nOff];
        for (short i = hOff; i <= last; i++) {
            if (hay[i] == first && Util.arrayCompare(hay, i, needle, nOff, nLen) == 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Converts a DER ECDSA-Sig-Value {@code SEQUENCE { INTEGER r, INTEGER s }} at der[off..off+len) to the fixed
     * form r || s, each {@code half} bytes, big-endian, left-padded with zeros, at out[outOff]. The input comes from
     * the card's own Signature object, so a malformed one is an internal error (6F00). Returns the length (2 half).
     * {@code out} must not overlap the input.
     */
    static short ecdsaToPlain(byte[] der, short off, short len, byte[] out, short outOff, short half) {
        if (!isOneSequence(der, off, len)) {
            ISOException.throwIt(Contract.SW_UNKNOWN);
        }
        short p = (short) (off + ((der[(short) (off + 1)] == LEN_1) ? 3 : 2));
        short end = (short) (off + len);
        p = integerToFixed(der, p, end, out, outOff, half);
        p = integerToFixed(der, p, end, out, (short) (outOff + half), half);
        if (p != end) {
            ISOException.throwIt(Contract.SW_UNKNOWN);
        }
        return (short) (half + half);
    }

    /** One non-negative DER INTEGER at der[p] (before {@code end}) into out[outOff..+half); returns the offset after it. */
    private static short integerToFixed(byte[] der, short p, short end, byte[] out, short outOff, short half) {
        if ((short) (p + 2) > end || der[p] != INTEGER) {
            ISOException.throwIt(Contract.SW_UNKNOWN);
        }
        short n = (short) (der[(short) (p + 1)] & 0xFF);
        p = (short) (p + 2);
        if (n == 0 || n > 0x7F || (short) (p + n) > end || der[p] < 0) {
            ISOException.throwIt(Contract.SW_UNKNOWN); // empty, long form (far too long here), overrun, negative
        }
        short v = p;
        short vLen = n;
        while (vLen > 0 && der[v] == 0) { // leading zeros (the sign byte of a value with the top bit set)
            v++;
            vLen--;
        }
        if (vLen > half) {
            ISOException.throwIt(Contract.SW_UNKNOWN);
        }
        short pad = (short) (half - vLen);
        Util.arrayFillNonAtomic(out, outOff, pad, (byte) 0);
        Util.arrayCopyNonAtomic(der, v, out, (short) (outOff + pad), vLen);
        return (short) (p + n);
    }

    /**
     * True if b[off..off+len) is a DER ECDSA-Sig-Value for P-256: SEQUENCE (short-form length covering exactly
     * {@code len} bytes) of two positive, minimally encoded INTEGERs of at most 33 bytes each. Checked before a
     * signature reaches {@code Signature.verify}, so that the verifier only ever sees well-formed input.
     */
    static boolean isEcdsaSignature(byte[] b, short off, short len) {
        if (len < 8 || len > EC_SIG_MAX || b[off] != SEQUENCE || (short) (b[(short) (off + 1)] & 0xFF) != (short) (len - 2)) {
            return false;
        }
        short end = (short) (off + len);
        short p = positiveInteger(b, (short) (off + 2), end);
        return p > 0 && positiveInteger(b, p, end) == end;
    }

    /** Largest DER ECDSA P-256 signature: 30 46 (02 21 00 r) (02 21 00 s). */
    static final short EC_SIG_MAX = 72;
    private static final short EC_INT_MAX = 33;

    /** One positive minimal INTEGER of 1..33 bytes at b[p] before {@code end}: the offset after it, or -1. */
    private static short positiveInteger(byte[] b, short p, short end) {
        if ((short) (p + 2) > end || b[p] != INTEGER) {
            return -1;
        }
        short n = (short) (b[(short) (p + 1)] & 0xFF);
        p = (short) (p + 2);
        if (n == 0 || n > EC_INT_MAX || (short) (p + n) > end || b[p] < 0) {
            return -1;
        }
        if (n > 1 && b[p] == 0 && b[(short) (p + 1)] >= 0) {
            return -1; // a leading zero that is not needed for the sign
        }
        return (short) (p + n);
    }
}
