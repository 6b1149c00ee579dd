package org.scagent.applet;

/**
 * Comparison of secret-dependent bytes (MACs, tokens) in time that does not depend on where they differ, so a
 * failed check tells an attacker nothing about how close the forgery came.
 */
final class Ct {
    private Ct() {
    }

    /** True when a[aOff..+len) equals b[bOff..+len); every byte is read whatever the outcome. */
    static boolean equal(byte[] a, short aOff, byte[] b, short bOff, short len) {
        byte diff = 0;
        for (short i = 0; i < len; i++) {
            diff |= (byte) (a[(short) (aOff + i)] ^ b[(short) (bOff + i)]);
        }
        return diff == 0;
    }
}
