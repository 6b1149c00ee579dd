package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.MessageDigest;

/**
 * The NAF trust anchors (bcast-identity.md §5): NAF_ANCHORS slots of at most NAF_ANCHOR_MAX_LEN bytes of DER, each
 * with its length and its SHA-256 (computed on the card). All persistent, allocated at install; a slot is used
 * when its length is not 0.
 *
 * Adding runs as a command chain. The data streams into the lowest free slot, whose length stays 0 until the last
 * command: only then are the DER check done, the hash written and the length set (the length last, so a tear
 * leaves the slot free). While the data arrives it is also compared with every used slot, so an anchor already
 * present is found even when no slot is free; it answers that slot and records nothing.
 */
final class NafAnchors {
    static final short HASH_LEN = 32;
    /** One NAF_ANCHORS (DF44) entry: slot (1) || length (2) || SHA-256 (32). */
    static final short ENTRY_LEN = 35;

    // transient state of an add in progress
    private static final short A_SLOT = 0;       // the free slot the data goes to, -1 if none
    private static final short A_CANDIDATES = 1; // bit i: used slot i equals the data received so far

    private final byte[] data;
    private final short[] lengths;
    private final byte[] hashes;
    private final MessageDigest sha;
    private final short[] add;

    NafAnchors() {
        data = new byte[(short) (Contract.NAF_ANCHORS * Contract.NAF_ANCHOR_MAX_LEN)];
        lengths = new short[Contract.NAF_ANCHORS];
        hashes = new byte[(short) (Contract.NAF_ANCHORS * HASH_LEN)];
        sha = MessageDigest.getInstance(MessageDigest.ALG_SHA_256, false);
        add = JCSystem.makeTransientShortArray((short) 2, JCSystem.CLEAR_ON_DESELECT);
    }

    /** The array all slots live in (registered as a response tail at install). */
    byte[] data() {
        return data;
    }

    /** Offset of {@code slot} in {@link #data()}. */
    static short offset(byte slot) {
        return (short) (slot * Contract.NAF_ANCHOR_MAX_LEN);
    }

    /** True if {@code slot} (a P1) names a slot. */
    static boolean isSlot(byte slot) {
        return slot >= 0 && slot < Contract.NAF_ANCHORS;
    }

    /** Length of the anchor in {@code slot}, 0 when empty. */
    short length(byte slot) {
        return lengths[slot];
    }

    /** Number of used slots. */
    short count() {
        short n = 0;
        for (byte i = 0; i < Contract.NAF_ANCHORS; i++) {
            if (lengths[i] != 0) {
                n++;
            }
        }
        return n;
    }

    /** First command of an add: picks the free slot and starts comparing with every used one. */
    void startAdd() {
        short slot = -1;
        short candidates = 0;
        for (byte i = (byte) (Contract.NAF_ANCHORS - 1); i >= 0; i--) {
            if (lengths[i] == 0) {
                slot = i;
            } else {
                candidates = (short) (candidates | (short) (1 << i));
            }
        }
        add[A_SLOT] = slot;
        add[A_CANDIDATES] = candidates;
    }

    /**
     * {@code n} more bytes of the anchor being added, {@code received} before them; returns the new total. Beyond
     * NAF_ANCHOR_MAX_LEN: 6700. No free slot and no used slot still equal: 6A84 (the add cannot succeed).
     */
    short append(byte[] src, short off, short n, short received) {
        if (n > (short) (Contract.NAF_ANCHOR_MAX_LEN - received)) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        short candidates = add[A_CANDIDATES];
        for (byte i = 0; i < Contract.NAF_ANCHORS; i++) {
            short bit = (short) (1 << i);
            if ((short) (candidates & bit) != 0 && ((short) (received + n) > lengths[i]
                    || Util.arrayCompare(data, (short) (offset(i) + received), src, off, n) != 0)) {
                candidates = (short) (candidates & (short) ~bit);
            }
        }
        add[A_CANDIDATES] = candidates;
        short slot = add[A_SLOT];
        if (slot < 0) {
            if (candidates == 0) {
                ISOException.throwIt(Contract.SW_NOT_ENOUGH_MEMORY);
            }
        } else {
            Util.arrayCopyNonAtomic(src, off, data, (short) (offset((byte) slot) + received), n);
        }
        return (short) (received + n);
    }

    /**
     * Last command of an add, {@code total} bytes received: an identical anchor answers its slot; otherwise the
     * data must be one DER SEQUENCE (6A80) and a slot must be free (6A84); the SHA-256 is stored, then the length.
     * Returns the slot.
     */
    byte finishAdd(short total) {
        short candidates = add[A_CANDIDATES];
        for (byte i = 0; i < Contract.NAF_ANCHORS; i++) {
            if ((short) (candidates & (short) (1 << i)) != 0 && lengths[i] == total) {
                return i;
            }
        }
        byte slot = (byte) add[A_SLOT];
        if (slot < 0) {
            ISOException.throwIt(Contract.SW_NOT_ENOUGH_MEMORY);
        }
        short off = offset(slot);
        if (!Der.isOneSequence(data, off, total)) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        sha.reset();
        sha.doFinal(data, off, total, hashes, (short) (slot * HASH_LEN));
        lengths[slot] = total;
        return slot;
    }

    /** Empties {@code slot}: the length first (the slot is free from then on), then data and hash are zeroed. */
    void remove(byte slot) {
        if (lengths[slot] == 0) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        lengths[slot] = 0;
        Util.arrayFillNonAtomic(data, offset(slot), Contract.NAF_ANCHOR_MAX_LEN, (byte) 0);
        Util.arrayFillNonAtomic(hashes, (short) (slot * HASH_LEN), HASH_LEN, (byte) 0);
    }

    /** The NAF_ANCHORS data object at out[off]: one entry per used slot; returns the offset after it. */
    short list(byte[] out, short off) {
        for (byte i = 0; i < Contract.NAF_ANCHORS; i++) {
            if (lengths[i] != 0) {
                out[off] = i;
                Util.setShort(out, (short) (off + 1), lengths[i]);
                off = Util.arrayCopyNonAtomic(hashes, (short) (i * HASH_LEN), out, (short) (off + 3), HASH_LEN);
            }
        }
        return off;
    }
}
