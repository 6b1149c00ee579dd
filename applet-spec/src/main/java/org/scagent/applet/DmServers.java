package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.framework.Util;

/**
 * The authorized DM servers (dm-firmware.md §2): DM_SERVERS slots, persistent, allocated at install. A slot stores
 * the entry as DM_SERVER_PUT gives it, the id padded to DM_ID_MAX:
 * <pre>permissions (1) || not_before (4) || not_after (4) || public key (65) || id_len (1) || id (64)</pre>
 * id_len 0 means the slot is empty. It is written last on a put and first on a delete (a single byte write), so a
 * torn put or delete leaves an empty slot, never a half entry that counts.
 *
 * As a {@link ResponseSource} it produces GET DATA DM_SERVERS: for each used slot, slot (1) || the entry with the
 * id cut to id_len.
 */
final class DmServers implements ResponseSource {
    static final short PERMS = 0;
    static final short NOT_BEFORE = 1;
    static final short NOT_AFTER = 5;
    static final short KEY = 9;
    static final short ID_LEN = 74;
    static final short ID = 75;
    /** A put's data without the id: permissions, validity, key, id_len. */
    static final short FIXED_LEN = ID;
    private static final short ENTRY_LEN = (short) (ID + Contract.DM_ID_MAX);
    private static final byte KNOWN_PERMS = (byte) (Contract.DM_PERM_FW_UPDATE | Contract.DM_PERM_READ_LOG
            | Contract.DM_PERM_OTHER_DM);
    private static final byte POINT_UNCOMPRESSED = 0x04;

    private final byte[] slots;
    private final EcVerifier verifier;

    DmServers(EcVerifier verifier) {
        this.verifier = verifier;
        slots = new byte[(short) (Contract.DM_SERVERS * ENTRY_LEN)];
    }

    static boolean isSlot(byte slot) {
        return slot >= 0 && slot < Contract.DM_SERVERS;
    }

    /** Offset of {@code slot}'s entry in {@link #data()}. */
    static short offset(byte slot) {
        return (short) (slot * ENTRY_LEN);
    }

    byte[] data() {
        return slots;
    }

    boolean used(byte slot) {
        return slots[(short) (offset(slot) + ID_LEN)] != 0;
    }

    /** The slot whose id equals id[off..+len), or -1. */
    byte find(byte[] id, short off, short len) {
        if (len <= 0 || len > Contract.DM_ID_MAX) {
            return -1; // an empty slot has id_len 0: never match it
        }
        for (byte i = 0; i < Contract.DM_SERVERS; i++) {
            short e = offset(i);
            if (slots[(short) (e + ID_LEN)] == (byte) len
                    && Util.arrayCompare(slots, (short) (e + ID), id, off, len) == 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * DM_SERVER_PUT: the entry src[off..+len) into {@code slot}. Length outside 76..139: 6700. An id_len that does
     * not match, unknown permission bits, not_before after not_after, a key that is not an uncompressed point of
     * P-256, or an id another slot already has: 6A80.
     */
    void put(byte slot, byte[] src, short off, short len) {
        if (len <= FIXED_LEN || len > ENTRY_LEN) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        short idLen = (short) (src[(short) (off + ID_LEN)] & 0xFF);
        if (idLen != (short) (len - FIXED_LEN)
                || (byte) (src[(short) (off + PERMS)] & ~KNOWN_PERMS) != 0
                || U32.compare(src, (short) (off + NOT_BEFORE), src, (short) (off + NOT_AFTER)) > 0
                || src[(short) (off + KEY)] != POINT_UNCOMPRESSED || !verifier.isPoint(src, (short) (off + KEY))) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        byte other = find(src, (short) (off + ID), idLen);
        if (other >= 0 && other != slot) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        short e = offset(slot);
        slots[(short) (e + ID_LEN)] = 0;
        Util.arrayCopy(src, off, slots, e, ID_LEN);
        Util.arrayFillNonAtomic(slots, (short) (e + ID), Contract.DM_ID_MAX, (byte) 0);
        Util.arrayCopy(src, (short) (off + ID), slots, (short) (e + ID), idLen);
        slots[(short) (e + ID_LEN)] = (byte) idLen;
    }

    /**
     * DMBOOT_SERVER_ADD: a server named by a verified DM bootstrap (dm-bootstrap.md §7.3). Already listed: its slot,
     * unchanged. Otherwise the first free slot gets FW_UPDATE, validity 0..FFFFFFFF and no key (first byte 00: it
     * can never authenticate for READ_LOG); no free slot: 6A84.
     */
    byte addBootstrapped(byte[] id, short off, short len) {
        byte found = find(id, off, len);
        if (found >= 0) {
            return found;
        }
        for (byte i = 0; i < Contract.DM_SERVERS; i++) {
            if (!used(i)) {
                short e = offset(i);
                slots[(short) (e + ID_LEN)] = 0;
                Util.arrayFillNonAtomic(slots, e, ENTRY_LEN, (byte) 0);
                slots[(short) (e + PERMS)] = Contract.DM_PERM_FW_UPDATE;
                Util.arrayFillNonAtomic(slots, (short) (e + NOT_AFTER), (short) 4, (byte) 0xFF);
                Util.arrayCopy(id, off, slots, (short) (e + ID), len);
                slots[(short) (e + ID_LEN)] = (byte) len; // last: the entry counts from here
                return i;
            }
        }
        ISOException.throwIt(Contract.SW_NOT_ENOUGH_MEMORY);
        return -1;
    }

    /** DM_SERVER_DELETE: empties {@code slot} (6A88 when empty). */
    void delete(byte slot) {
        if (!used(slot)) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        short e = offset(slot);
        slots[(short) (e + ID_LEN)] = 0;
        Util.arrayFillNonAtomic(slots, e, ENTRY_LEN, (byte) 0);
    }

    /** Length of one listed entry: slot byte + the entry with its id cut to id_len. */
    private short listedLen(byte slot) {
        return (short) (1 + ID + (slots[(short) (offset(slot) + ID_LEN)] & 0xFF));
    }

    /** Total length of the DM_SERVERS data object. */
    short listLength() {
        short n = 0;
        for (byte i = 0; i < Contract.DM_SERVERS; i++) {
            if (used(i)) {
                n = (short) (n + listedLen(i));
            }
        }
        return n;
    }

    /** The DM_SERVERS data object, bytes off..off+len, to out[outOff]. */
    public void copy(short off, byte[] out, short outOff, short len) {
        short pos = 0; // start of the current slot's listing
        for (byte i = 0; i < Contract.DM_SERVERS && len > 0; i++) {
            if (!used(i)) {
                continue;
            }
            short l = listedLen(i);
            short end = (short) (pos + l);
            while (off < end && len > 0) {
                short within = (short) (off - pos);
                if (within == 0) {
                    out[outOff] = i;
                    outOff++;
                    off++;
                    len--;
                    continue;
                }
                short n = (short) (end - off);
                if (n > len) {
                    n = len;
                }
                Util.arrayCopyNonAtomic(slots, (short) (offset(i) + within - 1), out, outOff, n);
                outOff = (short) (outOff + n);
                off = (short) (off + n);
                len = (short) (len - n);
            }
            pos = end;
        }
    }
}
