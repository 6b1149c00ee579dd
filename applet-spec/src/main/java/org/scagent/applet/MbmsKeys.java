package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.framework.Util;

/**
 * The MUK and MSK tables of the MBMS context (applet-spec/mbms.md §3), persistent, allocated at install. Each entry's
 * first byte says whether it is used; it is written last on a store and first on a delete, so a torn store leaves a
 * free entry, never half a key that counts.
 *
 * As a {@link ResponseSource} it produces GET DATA MBMS_KEYS (§3.3): the tables without key material.
 */
final class MbmsKeys implements ResponseSource {
    static final short IDI_MAX = (short) (Contract.GBA_NAF_ID_MAX - 5);
    static final short IDR_MAX = Contract.GBA_BTID_MAX;
    static final short MUK_LEN = 32;
    static final short MSK_LEN = 16;

    // MUK entry: used (1) || IDi len (1) || IDi || IDr len (1) || IDr || MUK (32) || TS (4)
    private static final short U_IDI_LEN = 1;
    private static final short U_IDI = 2;
    private static final short U_IDR_LEN = (short) (U_IDI + IDI_MAX);
    private static final short U_IDR = (short) (U_IDR_LEN + 1);
    static final short U_KEY = (short) (U_IDR + IDR_MAX);
    static final short U_TS = (short) (U_KEY + MUK_LEN);
    private static final short MUK_ENTRY = (short) (U_TS + 4);

    // MSK entry: used (1) || Key Domain ID (3) || MSK ID (4) || MSK (16) || VF (2) || VT (2) || TS (4) || last MTK ID (2)
    static final short S_DOMAIN = 1;
    static final short S_ID = 4;
    static final short S_KEY = 8;
    static final short S_VF = 24;
    static final short S_VT = 26;
    static final short S_TS = 28;
    static final short S_LAST = 32;
    private static final short MSK_ENTRY = 34;
    /** The listed part of an MSK entry: Key Domain ID .. last MTK ID without the key. */
    private static final short MSK_LISTED = 17;

    private final byte[] muks = new byte[(short) (Contract.MBMS_MUKS * MUK_ENTRY)];
    private final byte[] msks = new byte[(short) (Contract.MBMS_MSKS * MSK_ENTRY)];

    byte[] mukData() {
        return muks;
    }

    byte[] mskData() {
        return msks;
    }

    static short mukOffset(short i) {
        return (short) (i * MUK_ENTRY);
    }

    static short mskOffset(short i) {
        return (short) (i * MSK_ENTRY);
    }

    /** The MUK whose IDi and IDr equal the given bytes, or -1. */
    short findMuk(byte[] idi, short idiOff, short idiLen, byte[] idr, short idrOff, short idrLen) {
        for (short i = 0; i < Contract.MBMS_MUKS; i++) {
            short e = mukOffset(i);
            if (muks[e] != 0 && sameIdi(e, idi, idiOff, idiLen) && (muks[(short) (e + U_IDR_LEN)] & 0xFF) == idrLen
                    && Util.arrayCompare(muks, (short) (e + U_IDR), idr, idrOff, idrLen) == 0) {
                return i;
            }
        }
        return -1;
    }

    private boolean sameIdi(short e, byte[] idi, short off, short len) {
        return (muks[(short) (e + U_IDI_LEN)] & 0xFF) == len
                && Util.arrayCompare(muks, (short) (e + U_IDI), idi, off, len) == 0;
    }

    /**
     * After a NAF derivation for an MBMS NAF_Id (mbms.md §1): the same IDi and IDr already stored changes nothing; the
     * same IDi with another IDr is replaced (TS 0); else a free entry; none: 9867.
     */
    void storeMuk(byte[] idi, short idiOff, short idiLen, byte[] idr, short idrOff, short idrLen, byte[] key,
            short keyOff) {
        if (findMuk(idi, idiOff, idiLen, idr, idrOff, idrLen) >= 0) {
            return;
        }
        short slot = -1;
        for (short i = 0; i < Contract.MBMS_MUKS && slot < 0; i++) {
            short e = mukOffset(i);
            if (muks[e] != 0 && sameIdi(e, idi, idiOff, idiLen)) {
                slot = i;
            }
        }
        for (short i = 0; i < Contract.MBMS_MUKS && slot < 0; i++) {
            if (muks[mukOffset(i)] == 0) {
                slot = i;
            }
        }
        if (slot < 0) {
            ISOException.throwIt(Contract.SW_USIM_NO_MUK_MEMORY);
        }
        short e = mukOffset(slot);
        muks[e] = 0;
        Util.arrayFillNonAtomic(muks, e, MUK_ENTRY, (byte) 0);
        muks[(short) (e + U_IDI_LEN)] = (byte) idiLen;
        Util.arrayCopy(idi, idiOff, muks, (short) (e + U_IDI), idiLen);
        muks[(short) (e + U_IDR_LEN)] = (byte) idrLen;
        Util.arrayCopy(idr, idrOff, muks, (short) (e + U_IDR), idrLen);
        Util.arrayCopy(key, keyOff, muks, (short) (e + U_KEY), MUK_LEN);
        muks[e] = 1; // last
    }

    /** MUK deletion (mode 04): 6A88 when no such MUK. */
    void deleteMuk(byte[] idi, short idiOff, short idiLen, byte[] idr, short idrOff, short idrLen) {
        short i = findMuk(idi, idiOff, idiLen, idr, idrOff, idrLen);
        if (i < 0) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        short e = mukOffset(i);
        muks[e] = 0; // first
        Util.arrayFillNonAtomic(muks, e, MUK_ENTRY, (byte) 0);
    }

    /** The MSK with that MSK ID (and Key Domain ID, when domOff >= 0), or -1. */
    short findMsk(byte[] b, short domOff, short idOff) {
        for (short i = 0; i < Contract.MBMS_MSKS; i++) {
            short e = mskOffset(i);
            if (msks[e] != 0 && Util.arrayCompare(msks, (short) (e + S_ID), b, idOff, (short) 4) == 0
                    && (domOff < 0 || Util.arrayCompare(msks, (short) (e + S_DOMAIN), b, domOff, (short) 3) == 0)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Stores an MSK from a verified MSK message (mbms.md §3.2): the same MSK ID is replaced; else a free entry,
     * unless its group already has two, in which case the one with the lower Key Number goes; none free: 9866.
     * {@code src} holds Key Domain ID at domOff, MSK ID at idOff, the key at keyOff, VF || VT at vOff.
     */
    void storeMsk(byte[] src, short domOff, short idOff, byte[] key, short keyOff, byte[] v, short vOff) {
        short slot = findMsk(src, domOff, idOff);
        if (slot < 0) {
            short inGroup = 0;
            short lowest = -1;
            for (short i = 0; i < Contract.MBMS_MSKS; i++) {
                short e = mskOffset(i);
                if (msks[e] != 0 && Util.arrayCompare(msks, (short) (e + S_DOMAIN), src, domOff, (short) 3) == 0
                        && Util.arrayCompare(msks, (short) (e + S_ID), src, idOff, (short) 2) == 0) {
                    inGroup++;
                    if (lowest < 0 || U32.compare(msks, (short) (e + S_ID + 2), msks,
                            (short) (mskOffset(lowest) + S_ID + 2), (short) 2) < 0) {
                        lowest = i;
                    }
                }
            }
            if (inGroup >= 2) {
                slot = lowest;
            }
        }
        for (short i = 0; i < Contract.MBMS_MSKS && slot < 0; i++) {
            if (msks[mskOffset(i)] == 0) {
                slot = i;
            }
        }
        if (slot < 0) {
            ISOException.throwIt(Contract.SW_USIM_NO_MSK_MEMORY);
        }
        short e = mskOffset(slot);
        msks[e] = 0;
        Util.arrayFillNonAtomic(msks, e, MSK_ENTRY, (byte) 0);
        Util.arrayCopy(src, domOff, msks, (short) (e + S_DOMAIN), (short) 3);
        Util.arrayCopy(src, idOff, msks, (short) (e + S_ID), (short) 4);
        Util.arrayCopy(key, keyOff, msks, (short) (e + S_KEY), MSK_LEN);
        Util.arrayCopy(v, vOff, msks, (short) (e + S_VF), (short) 4);
        msks[e] = 1; // last
    }

    /** MSK deletion (mode 03): every MSK of that Key Domain ID and Key Group; 6A88 when there is none. */
    void deleteGroup(byte[] b, short domOff, short groupOff) {
        boolean any = false;
        for (short i = 0; i < Contract.MBMS_MSKS; i++) {
            short e = mskOffset(i);
            if (msks[e] != 0 && Util.arrayCompare(msks, (short) (e + S_DOMAIN), b, domOff, (short) 3) == 0
                    && Util.arrayCompare(msks, (short) (e + S_ID), b, groupOff, (short) 2) == 0) {
                msks[e] = 0;
                Util.arrayFillNonAtomic(msks, e, MSK_ENTRY, (byte) 0);
                any = true;
            }
        }
        if (!any) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
    }

    // ---- GET DATA MBMS_KEYS, produced byte by byte (at most about 1.3 KB, never held in RAM) ----------------------

    private short mukListed(short e) {
        return (short) (2 + (muks[(short) (e + U_IDI_LEN)] & 0xFF) + (muks[(short) (e + U_IDR_LEN)] & 0xFF) + 4);
    }

    short statusLength() {
        short n = 2;
        for (short i = 0; i < Contract.MBMS_MUKS; i++) {
            short e = mukOffset(i);
            if (muks[e] != 0) {
                n = (short) (n + mukListed(e));
            }
        }
        for (short i = 0; i < Contract.MBMS_MSKS; i++) {
            if (msks[mskOffset(i)] != 0) {
                n = (short) (n + MSK_LISTED);
            }
        }
        return n;
    }

    public void copy(short off, byte[] out, short outOff, short len) {
        for (short k = 0; k < len; k++) {
            out[(short) (outOff + k)] = byteAt((short) (off + k));
        }
    }

    private byte byteAt(short at) {
        if (at == 0) {
            return count(muks, mukOffset((short) 1), Contract.MBMS_MUKS);
        }
        short pos = 1;
        for (short i = 0; i < Contract.MBMS_MUKS; i++) {
            short e = mukOffset(i);
            if (muks[e] == 0) {
                continue;
            }
            short n = mukListed(e);
            if (at < (short) (pos + n)) {
                return mukByte(e, (short) (at - pos));
            }
            pos = (short) (pos + n);
        }
        if (at == pos) {
            return count(msks, mskOffset((short) 1), Contract.MBMS_MSKS);
        }
        pos++;
        for (short i = 0; i < Contract.MBMS_MSKS; i++) {
            short e = mskOffset(i);
            if (msks[e] == 0) {
                continue;
            }
            if (at < (short) (pos + MSK_LISTED)) {
                short k = (short) (at - pos);
                // Key Domain ID, MSK ID, then (skipping the key) VF, VT, TS, last MTK ID
                return k < 7 ? msks[(short) (e + S_DOMAIN + k)] : msks[(short) (e + S_VF + k - 7)];
            }
            pos = (short) (pos + MSK_LISTED);
        }
        return 0;
    }

    /** IDi len || IDi || IDr len || IDr || TS, byte k. */
    private byte mukByte(short e, short k) {
        short il = (short) (muks[(short) (e + U_IDI_LEN)] & 0xFF);
        if (k <= il) {
            return muks[(short) (e + U_IDI_LEN + k)];
        }
        k = (short) (k - il - 1);
        short rl = (short) (muks[(short) (e + U_IDR_LEN)] & 0xFF);
        if (k <= rl) {
            return muks[(short) (e + U_IDR_LEN + k)];
        }
        return muks[(short) (e + U_TS + k - rl - 1)];
    }

    private static byte count(byte[] table, short entryLen, short n) {
        byte c = 0;
        for (short i = 0; i < n; i++) {
            if (table[(short) (i * entryLen)] != 0) {
                c++;
            }
        }
        return c;
    }
}
