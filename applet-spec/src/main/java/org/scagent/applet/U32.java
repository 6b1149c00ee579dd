package org.scagent.applet;

/**
 * Unsigned 32-bit big-endian numbers in byte arrays (times, sequence numbers, the log count): Java Card has no int
 * to rely on, and {@code Util.arrayCompare} is not specified as unsigned on every card.
 */
final class U32 {
    static final short LEN = 4;

    private U32() {
    }

    /** -1, 0 or 1 as a[aOff..+len) is below, equal to or above b[bOff..+len), bytes read unsigned. */
    static short compare(byte[] a, short aOff, byte[] b, short bOff, short len) {
        for (short i = 0; i < len; i++) {
            short x = (short) (a[(short) (aOff + i)] & 0xFF);
            short y = (short) (b[(short) (bOff + i)] & 0xFF);
            if (x != y) {
                return x < y ? (short) -1 : (short) 1;
            }
        }
        return 0;
    }

    /** compare() of two 4-byte numbers. */
    static short compare(byte[] a, short aOff, byte[] b, short bOff) {
        return compare(a, aOff, b, bOff, LEN);
    }

    /** b[off..+len) += v (v >= 0), with carry; wraps silently at 2^(8 len). */
    static void add(byte[] b, short off, short len, short v) {
        short i = (short) (off + len - 1);
        short carry = v;
        while (carry != 0 && i >= off) {
            short sum = (short) ((b[i] & 0xFF) + (carry & 0xFF));
            b[i] = (byte) sum;
            carry = (short) (((carry >> 8) & 0x7F) + (sum >> 8));
            i--;
        }
    }

    /** The number b[off..+4) modulo m (1..127). */
    static short mod(byte[] b, short off, short m) {
        short r = 0;
        for (short i = 0; i < LEN; i++) {
            r = (short) ((short) ((short) (r << 8) | (b[(short) (off + i)] & 0xFF)) % m);
        }
        return r;
    }

    /** True if b[off..+len) is all zero. */
    static boolean isZero(byte[] b, short off, short len) {
        for (short i = 0; i < len; i++) {
            if (b[(short) (off + i)] != 0) {
                return false;
            }
        }
        return true;
    }
}
