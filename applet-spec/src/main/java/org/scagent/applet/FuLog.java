package org.scagent.applet;

import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.MessageDigest;

/**
 * The firmware-update log (dm-firmware.md §3): 96-byte records in a ring, a SHA-256 hash chain, and the committed
 * state, so that a reset at any write leaves either the old log or the new one, with or without transaction
 * rollback.
 *
 * Layout (all persistent, allocated at install):
 * <ul>
 * <li>the ring: LOG_CAPACITY + 1 slots of a record and its chain hash h_seq; record seq lives in slot seq mod 33.
 *     The visible window is seq max(1, count-31)..count; the slot after count is the spare.</li>
 * <li>two state blocks {count (4), head = h_count (32), base = h_{first-1} (32), the last installed manifest
 *     sequence number of each originator (4 x 4)} and a selector byte naming the active one.</li>
 * </ul>
 * An append writes the record and its hash into the spare slot (outside the window), the new state into the
 * inactive block, then flips the selector (one byte: the commit). Keeping base in the block, not only in the ring,
 * matters: the spare slot holds h_{count-32}, the base of the current window, and a torn append overwrites it.
 * The originators' sequence numbers live in the block so that an install commits its record and the used sequence
 * number with the same selector flip. Every write goes through {@link NvWriter}; the caller wraps the append in a
 * transaction on a card.
 */
final class FuLog implements ResponseSource {
    static final short HASH_LEN = 32;
    static final short SLOTS = (short) (Contract.LOG_CAPACITY + 1);

    // record fields (dm-firmware.md §3.1)
    static final short R_SEQ = 0;
    static final short R_TIME = 4;
    static final short R_KIND = 8;
    static final short R_STATUS = 9;
    static final short R_RESULT = 10;
    static final short R_FROM = 12;
    static final short R_TO = 14;
    static final short R_IMEI = 16;
    static final short R_FLAGS = 24;
    static final short R_ID_LEN = 25;
    static final short R_ID = 26;
    static final short R_ID_MAX = 32;
    static final short R_SHA = 58;
    static final short R_MSEQ = 90;

    // state block
    private static final short B_COUNT = 0;
    private static final short B_HEAD = 4;
    private static final short B_BASE = 36;
    private static final short B_SEQS = 68;
    private static final short BLOCK_LEN = (short) (B_SEQS + Contract.FU_ORIGINATORS * U32.LEN);

    private final NvWriter nv;
    private final byte[] records;
    private final byte[] hashes;
    private final byte[] blocks;
    /** [0]: the active block (0 or 1). */
    private final byte[] selector;
    private final MessageDigest sha;
    /** The next state block, built in RAM before it is written. */
    private final byte[] next;

    FuLog(NvWriter nv) {
        this.nv = nv;
        records = new byte[(short) (SLOTS * Contract.LOG_RECORD_LEN)];
        hashes = new byte[(short) (SLOTS * HASH_LEN)];
        blocks = new byte[(short) (2 * BLOCK_LEN)];
        selector = new byte[1];
        sha = MessageDigest.getInstance(MessageDigest.ALG_SHA_256, false);
        next = JCSystem.makeTransientByteArray(BLOCK_LEN, JCSystem.CLEAR_ON_DESELECT);
    }

    /** The SHA-256 object, also lent to callers between appends (it is reset before each use). */
    MessageDigest sha() {
        return sha;
    }

    private short active() {
        return (short) (selector[0] * BLOCK_LEN);
    }

    /** Writes the 4-byte count (the last sequence number) at out[off]; returns the offset after it. */
    short count(byte[] out, short off) {
        return Util.arrayCopyNonAtomic(blocks, (short) (active() + B_COUNT), out, off, U32.LEN);
    }

    /** Writes the head h_count at out[off]; returns the offset after it. */
    short head(byte[] out, short off) {
        return Util.arrayCopyNonAtomic(blocks, (short) (active() + B_HEAD), out, off, HASH_LEN);
    }

    /** Number of records in the window (0..32). */
    short retained() {
        short a = active();
        if (!U32.isZero(blocks, (short) (a + B_COUNT), (short) 3)
                || (blocks[(short) (a + B_COUNT + 3)] & 0xFF) > Contract.LOG_CAPACITY) {
            return Contract.LOG_CAPACITY;
        }
        return (short) (blocks[(short) (a + B_COUNT + 3)] & 0xFF);
    }

    /** The first retained sequence number, max(1, count - 31), at out[off]; returns the offset after it. */
    short firstSeq(byte[] out, short off) {
        count(out, off);
        short r = retained();
        U32.add(out, off, U32.LEN, (short) 1);
        subtract(out, off, r);
        return (short) (off + U32.LEN);
    }

    /** LOG_STATUS: count (4) || capacity (1) || first retained sequence number (4). */
    short status(byte[] out, short off) {
        off = count(out, off);
        out[off] = (byte) Contract.LOG_CAPACITY;
        return firstSeq(out, (short) (off + 1));
    }

    /** The chain hash before window record {@code index} (0 = the oldest retained) at out[off]. */
    short hashBefore(short index, byte[] out, short off) {
        if (index == 0) {
            return Util.arrayCopyNonAtomic(blocks, (short) (active() + B_BASE), out, off, HASH_LEN);
        }
        return Util.arrayCopyNonAtomic(hashes, (short) (slotOf((short) (index - 1)) * HASH_LEN), out, off, HASH_LEN);
    }

    /** The last installed manifest sequence number of originator {@code slot} at out[off]. */
    short installedSeq(byte slot, byte[] out, short off) {
        return Util.arrayCopyNonAtomic(blocks, (short) (active() + B_SEQS + slot * U32.LEN), out, off, U32.LEN);
    }

    /** The offset of the last committed record in {@link #records()}, or -1 when the log is empty. */
    short lastRecord() {
        short r = retained();
        return r == 0 ? -1 : (short) (slotOf((short) (r - 1)) * Contract.LOG_RECORD_LEN);
    }

    byte[] records() {
        return records;
    }

    /** Ring slot of window record {@code index}: (first + index) mod 33, first = count + 1 - retained. */
    private short slotOf(short index) {
        short countMod = U32.mod(blocks, (short) (active() + B_COUNT), SLOTS);
        return (short) ((short) (countMod + 1 - retained() + index + SLOTS) % SLOTS);
    }

    /**
     * Appends the record rec[off..+96): sets its seq to count + 1, hashes it onto the chain, and commits. With
     * {@code origin} 0..3 the record is an install: that originator's last installed sequence number becomes
     * mseq[mOff..+4) in the same commit. The caller runs this inside a transaction on a card.
     */
    void append(byte[] rec, short off, byte origin, byte[] mseq, short mOff) {
        short a = active();
        Util.arrayCopyNonAtomic(blocks, a, next, (short) 0, BLOCK_LEN);
        U32.add(next, B_COUNT, U32.LEN, (short) 1);
        Util.arrayCopyNonAtomic(next, B_COUNT, rec, (short) (off + R_SEQ), U32.LEN);
        // h_new = SHA-256(h_count || record)
        sha.reset();
        sha.update(blocks, (short) (a + B_HEAD), HASH_LEN);
        sha.doFinal(rec, off, Contract.LOG_RECORD_LEN, next, B_HEAD);
        short spare = U32.mod(next, B_COUNT, SLOTS);
        // base of the new window: h_{new count - 32}, which stays in the ring; h_0 (zeros) until the ring is full
        if (U32.isZero(next, B_COUNT, (short) 3) && (next[(short) (B_COUNT + 3)] & 0xFF) <= Contract.LOG_CAPACITY) {
            Util.arrayFillNonAtomic(next, B_BASE, HASH_LEN, (byte) 0);
        } else {
            short baseSlot = (short) ((short) (spare + 1) % SLOTS); // seq count+1-32 = the new first - 1
            Util.arrayCopyNonAtomic(hashes, (short) (baseSlot * HASH_LEN), next, B_BASE, HASH_LEN);
        }
        if (origin >= 0) {
            Util.arrayCopyNonAtomic(mseq, mOff, next, (short) (B_SEQS + origin * U32.LEN), U32.LEN);
        }
        nv.copy(rec, off, records, (short) (spare * Contract.LOG_RECORD_LEN), Contract.LOG_RECORD_LEN);
        nv.copy(next, B_HEAD, hashes, (short) (spare * HASH_LEN), HASH_LEN);
        byte inactive = (byte) (1 - selector[0]);
        nv.copy(next, (short) 0, blocks, (short) (inactive * BLOCK_LEN), BLOCK_LEN);
        nv.writeByte(selector, (short) 0, inactive);
    }

    /** Window bytes as a response tail: offset = index * 96 + byte within the record. */
    public void copy(short off, byte[] out, short outOff, short len) {
        while (len > 0) {
            short index = (short) (off / Contract.LOG_RECORD_LEN);
            short within = (short) (off % Contract.LOG_RECORD_LEN);
            short n = (short) (Contract.LOG_RECORD_LEN - within);
            if (n > len) {
                n = len;
            }
            Util.arrayCopyNonAtomic(records, (short) (slotOf(index) * Contract.LOG_RECORD_LEN + within), out, outOff, n);
            off = (short) (off + n);
            outOff = (short) (outOff + n);
            len = (short) (len - n);
        }
    }

    /** b[off..+4) -= v (0 <= v <= b). */
    private static void subtract(byte[] b, short off, short v) {
        short i = (short) (off + U32.LEN - 1);
        short borrow = v;
        while (borrow != 0 && i >= off) {
            short d = (short) ((b[i] & 0xFF) - (borrow & 0xFF));
            borrow = (short) ((borrow >> 8) & 0x7F);
            if (d < 0) {
                d = (short) (d + 256);
                borrow++;
            }
            b[i] = (byte) d;
            i--;
        }
    }
}
