package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.framework.Util;

/**
 * The software originators' keys (dm-firmware.md §4.2 item 4): FU_ORIGINATORS slots of a P-256 public key
 * (65 bytes, 04 || X || Y), persistent, allocated at install. A slot is used when its first byte is 04: that byte is
 * cleared first and set last, so a torn put or delete leaves an empty slot. The last installed manifest sequence
 * number of each slot is part of the log's committed state ({@link FuLog}), so it survives a key replacement and a
 * delete: anti-replay never goes back.
 */
final class FuOriginators {
    private static final byte POINT_UNCOMPRESSED = 0x04;

    private final byte[] keys;
    private final EcVerifier verifier;

    FuOriginators(EcVerifier verifier) {
        this.verifier = verifier;
        keys = new byte[(short) (Contract.FU_ORIGINATORS * P256.POINT_LEN)];
    }

    static boolean isSlot(byte slot) {
        return slot >= 0 && slot < Contract.FU_ORIGINATORS;
    }

    static short offset(byte slot) {
        return (short) (slot * P256.POINT_LEN);
    }

    byte[] data() {
        return keys;
    }

    boolean used(byte slot) {
        return keys[offset(slot)] == POINT_UNCOMPRESSED;
    }

    /** FU_ORIGINATOR_PUT: 65 bytes (6700), an uncompressed point of P-256 (6A80). */
    void put(byte slot, byte[] src, short off, short len) {
        if (len != P256.POINT_LEN) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        if (src[off] != POINT_UNCOMPRESSED || !verifier.isPoint(src, off)) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        short o = offset(slot);
        keys[o] = 0;
        Util.arrayCopy(src, (short) (off + 1), keys, (short) (o + 1), (short) (P256.POINT_LEN - 1));
        keys[o] = POINT_UNCOMPRESSED;
    }

    /** FU_ORIGINATOR_DELETE: 6A88 when empty. */
    void delete(byte slot) {
        if (!used(slot)) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        short o = offset(slot);
        keys[o] = 0;
        Util.arrayFillNonAtomic(keys, o, P256.POINT_LEN, (byte) 0);
    }

    /** FU_ORIGINATORS: for each used slot, slot (1) || key (65) || last installed sequence number (4). */
    short list(FuLog log, byte[] out, short off) {
        for (byte i = 0; i < Contract.FU_ORIGINATORS; i++) {
            if (used(i)) {
                out[off] = i;
                off = Util.arrayCopyNonAtomic(keys, offset(i), out, (short) (off + 1), P256.POINT_LEN);
                off = log.installedSeq(i, out, off);
            }
        }
        return off;
    }
}
