package org.scagent.applet;

import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.MessageDigest;

/**
 * FU_HASH: the package's SHA-256 computed on the card across any number of APDUs, and its byte count (8 bytes, as
 * the manifest's size). Its own digest object, since the hash stays open between commands. The running state is
 * CLEAR_ON_DESELECT: deselect and reset lose it (the host starts again with P1 = 01).
 */
final class PackageHash {
    static final short SIZE_LEN = 8;
    static final short HASH_LEN = 32;
    private static final short ACTIVE = 0;
    private static final short COUNT = 1;
    private static final short DIGEST = (short) (COUNT + SIZE_LEN);
    private static final short LEN = (short) (DIGEST + HASH_LEN);

    private final MessageDigest sha;
    /** [0] hashing in progress, then the byte count (8), then the final digest (32). */
    private final byte[] st;

    PackageHash() {
        sha = MessageDigest.getInstance(MessageDigest.ALG_SHA_256, false);
        st = JCSystem.makeTransientByteArray(LEN, JCSystem.CLEAR_ON_DESELECT);
    }

    boolean active() {
        return st[ACTIVE] != 0;
    }

    void start() {
        sha.reset();
        Util.arrayFillNonAtomic(st, (short) 0, LEN, (byte) 0);
        st[ACTIVE] = 1;
    }

    void stop() {
        st[ACTIVE] = 0;
    }

    void update(byte[] b, short off, short len) {
        if (len > 0) {
            sha.update(b, off, len);
            U32.add(st, COUNT, SIZE_LEN, len);
        }
    }

    /** Ends the hash; true if digest and count equal sha[shaOff..+32) and size[sizeOff..+8). */
    boolean finish(byte[] expect, short shaOff, short sizeOff) {
        sha.doFinal(st, DIGEST, (short) 0, st, DIGEST);
        st[ACTIVE] = 0;
        return Util.arrayCompare(st, DIGEST, expect, shaOff, HASH_LEN) == 0
                && Util.arrayCompare(st, COUNT, expect, sizeOff, SIZE_LEN) == 0;
    }
}
