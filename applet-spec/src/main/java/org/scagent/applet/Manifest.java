package org.scagent.applet;

import javacard.framework.JCSystem;

/**
 * The signed firmware-update manifest (dm-firmware.md §4.1): the format check and where each field is.
 * <pre>"SCFU" (4) || format 01 (1) || TLVs (tag 1, length 1, value), tags increasing, the signature (5F) last</pre>
 * {@link #parse} checks the whole shape (magic, format, every tag known, in increasing order so each at most once,
 * exact lengths, the required ones present, nothing after the signature, kind 01/02, originator slot 0..3) and
 * records the offset of each value in a transient table. Nothing is interpreted beyond that: the checks of §4.2 that
 * need keys and state are done by the caller.
 */
final class Manifest {
    static final byte T_SHA = 0x01;
    static final byte T_SIZE = 0x02;
    static final byte T_KIND = 0x03;
    static final byte T_MANUFACTURER = 0x04;
    static final byte T_MODEL = 0x05;
    static final byte T_RANGE = 0x06;
    static final byte T_VERSION = 0x07;
    static final byte T_SEQ = 0x08;
    static final byte T_SERVER = 0x09;
    static final byte T_IMEI = 0x0A;
    static final byte T_CARD = 0x0B;
    static final byte T_ORIGIN = 0x0C;
    static final byte T_SIG = 0x5F;
    /** Index of the signature in the offset table (the other tags use their own value 1..12). */
    private static final short I_SIG = 13;
    private static final short TABLE_LEN = 14;

    private static final short HEADER_LEN = 5;
    private static final byte FORMAT = 0x01;
    /** The host signs until the DER signature has at least 70 bytes (dm-firmware.md §4.1). */
    private static final short SIG_MIN = 70;
    private static final short ID_MIN = 1;

    /** Value offsets by tag (index 13: the signature), -1 when absent; [0]: offset of the signature TLV. */
    private final short[] at;
    /** Value lengths (for the server id and the signature). */
    private final short[] lens;

    Manifest() {
        at = JCSystem.makeTransientShortArray(TABLE_LEN, JCSystem.CLEAR_ON_DESELECT);
        lens = JCSystem.makeTransientShortArray(TABLE_LEN, JCSystem.CLEAR_ON_DESELECT);
    }

    /** Offset of the value of {@code tag} in the parsed manifest, -1 when absent. */
    short at(byte tag) {
        return at[index(tag)];
    }

    short length(byte tag) {
        return lens[index(tag)];
    }

    /** Length of the signed part: every byte before the signature TLV. */
    short signedLength() {
        return at[0];
    }

    private static short index(byte tag) {
        return tag == T_SIG ? I_SIG : (short) tag;
    }

    /** True if b[0..len) is a well-formed manifest ("SCFU" = 53 43 46 55); afterwards {@link #at} gives the fields. */
    boolean parse(byte[] b, short len) {
        for (short i = 0; i < TABLE_LEN; i++) {
            at[i] = -1;
            lens[i] = 0;
        }
        if (len < HEADER_LEN || b[0] != 0x53 || b[1] != 0x43 || b[2] != 0x46 || b[3] != 0x55 || b[4] != FORMAT) {
            return false;
        }
        short p = HEADER_LEN;
        short last = 0;
        while (p < len) {
            if ((short) (p + 2) > len) {
                return false;
            }
            short tag = (short) (b[p] & 0xFF);
            short n = (short) (b[(short) (p + 1)] & 0xFF);
            short v = (short) (p + 2);
            if (tag <= last || (short) (v + n) > len || !lengthOk(tag, n)) {
                return false; // out of order or repeated, overrun, unknown tag or wrong length
            }
            short i = tag == T_SIG ? I_SIG : tag;
            if (tag == T_SIG) {
                at[0] = p;
            }
            at[i] = v;
            lens[i] = n;
            last = tag;
            p = (short) (v + n);
        }
        // required: everything but the IMEI and the card binding; the signature is last by tag order and coverage
        for (short t = T_SHA; t <= T_ORIGIN; t++) {
            if (at[t] < 0 && t != T_IMEI && t != T_CARD) {
                return false;
            }
        }
        if (at[I_SIG] < 0) {
            return false;
        }
        byte kind = b[at[T_KIND]];
        return (kind == Contract.LOG_KIND_FIRMWARE || kind == Contract.LOG_KIND_SOFTWARE)
                && FuOriginators.isSlot(b[at[T_ORIGIN]]);
    }

    /** The length rule of each known tag; false for unknown tags. */
    private static boolean lengthOk(short tag, short n) {
        switch (tag) {
            case T_SHA:
                return n == 32;
            case T_SIZE:
            case T_IMEI:
                return n == 8;
            case T_KIND:
            case T_ORIGIN:
                return n == 1;
            case T_MANUFACTURER:
            case T_MODEL:
            case T_VERSION:
                return n == 2;
            case T_RANGE:
            case T_SEQ:
                return n == 4;
            case T_SERVER:
                return n >= ID_MIN && n <= Contract.DM_ID_MAX;
            case T_CARD:
                return n == 16;
            case T_SIG:
                return n >= SIG_MIN && n <= Der.EC_SIG_MAX;
            default:
                return false;
        }
    }
}
