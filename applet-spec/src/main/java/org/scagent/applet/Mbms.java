package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * AUTHENTICATE in the MBMS security context (applet-spec/mbms.md): {@code 00 89 P1 85}, ODD-INS chaining of one
 * BER-TLV {@code 53} (TS 102 221 Annex M), the modes MSK update (LTKM), MTK generation (STKM), MSK deletion, MUK
 * deletion, and the answers ({@code 53 L DB ...}) sent at once or retrieved with P1 A0/20.
 *
 * The message is collected in CLEAR_ON_DESELECT memory, checked completely (layout, key, MAC, freshness) before
 * anything persistent is written, and decrypted in place only after its MAC verified.
 */
final class Mbms {
    static final byte TAIL_STATUS = 5;
    private static final byte MODE_MSK_UPDATE = 1;
    private static final byte MODE_MTK = 2;
    private static final byte MODE_MSK_DELETE = 3;
    private static final byte MODE_MUK_DELETE = 4;
    private static final byte TAG_DATA = 0x53;
    private static final byte TAG_OK = (byte) 0xDB;
    private static final short MSG_CAP = (short) (Contract.MBMS_MSG_MAX + 4);
    private static final short ANSWER_CAP = 64;
    private static final short SHORT_LE = 256;

    // MIKEY payload types and values (RFC 3830, mikey.md §1)
    private static final byte PT_LAST = 0;
    private static final byte PT_KEMAC = 1;
    private static final byte PT_T = 5;
    private static final byte PT_ID = 6;
    private static final byte PT_SP = 10;
    private static final byte PT_RAND = 11;
    private static final byte PT_EXT = 21;
    private static final byte PT_V = 9;
    private static final byte EXT_KEY_ID = 3;

    // state (transient shorts)
    private static final short S_PHASE = 0;  // 0 idle, 1 collecting, 2 answer pending
    private static final short S_TOTAL = 1;  // bytes of the whole 53-TLV
    private static final short S_GOT = 2;
    private static final short S_ALEN = 3;
    private static final short S_ASENT = 4;
    // parse results (offsets into msg, -1 when absent)
    private static final short P_HDR = 5;
    private static final short P_DOMAIN = 6;
    private static final short P_MSKID = 7;
    private static final short P_MTKID = 8;
    private static final short P_T = 9;
    private static final short P_RAND = 10;
    private static final short P_RANDLEN = 11;
    private static final short P_IDI = 12;
    private static final short P_IDR = 13;
    private static final short P_ENCR = 14;
    private static final short P_ENCRLEN = 15;
    private static final short P_MACALG = 16;
    private static final short P_EXTS = 17;
    /** 1 + the MSK entry whose STKM keys are cached, 0 when none. */
    private static final short C_MSK = 18;
    private static final short N_STATE = 19;
    private static final byte PHASE_IDLE = 0;
    private static final byte PHASE_COLLECT = 1;
    private static final byte PHASE_ANSWER = 2;

    // work space: auth key (20) || encr key (16) || salt key (14) || computed MAC (20) || VF VT (4) || TS+MTK ID (6)
    private static final short W_AUTH = 0;
    private static final short W_ENCR = 20;
    private static final short W_SALT = 36;
    private static final short W_MAC = 50;
    private static final short W_V = 70;
    private static final short W_TS = 74;
    private static final short W_LEN = 80;

    private final UserPin pin;
    private final MbmsKeys keys;
    private final MikeyKeys crypto;
    private final HmacSha1 hmac;
    private final byte[] msg;
    private final byte[] answer;
    private final short[] st;
    private final byte[] ws;
    /**
     * The STKM keys of the last MSK used (CSB ID (4) || auth || encr || salt): an STKM's keys depend only on the MSK
     * and the CSB ID (no RAND), so a stream of STKMs under one MSK derives them once (mbms.md §5). CLEAR_ON_DESELECT,
     * dropped whenever an MSK is stored or deleted.
     */
    private final byte[] keyCache;
    private static final short KEYS_LEN = (short) (MikeyKeys.AUTH_LEN + MikeyKeys.ENCR_LEN + MikeyKeys.SALT_LEN);

    Mbms(UserPin pin, MbmsKeys keys, LongResponse response) {
        this.pin = pin;
        this.keys = keys;
        hmac = new HmacSha1();
        crypto = new MikeyKeys(hmac);
        msg = JCSystem.makeTransientByteArray(MSG_CAP, JCSystem.CLEAR_ON_DESELECT);
        answer = JCSystem.makeTransientByteArray(ANSWER_CAP, JCSystem.CLEAR_ON_DESELECT);
        st = JCSystem.makeTransientShortArray(N_STATE, JCSystem.CLEAR_ON_DESELECT);
        ws = JCSystem.makeTransientByteArray(W_LEN, JCSystem.CLEAR_ON_DESELECT);
        keyCache = JCSystem.makeTransientByteArray((short) (4 + KEYS_LEN), JCSystem.CLEAR_ON_DESELECT);
        response.registerTail(TAIL_STATUS, keys);
    }

    /** Any other command drops a collection or a pending answer. */
    void reset() {
        if (st[S_PHASE] != PHASE_IDLE) {
            st[S_PHASE] = PHASE_IDLE;
            Util.arrayFillNonAtomic(msg, (short) 0, MSG_CAP, (byte) 0);
            Util.arrayFillNonAtomic(answer, (short) 0, ANSWER_CAP, (byte) 0);
        }
    }

    /** AUTHENTICATE {@code 00 89 P1 85}. */
    void authenticate(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        if (buf[ISO7816.OFFSET_P2] != Contract.AUTHENTICATE_ODD_P2_85) {
            reset();
            ISOException.throwIt(Contract.SW_USIM_CONTEXT_NOT_SUPPORTED);
        }
        if (p1 != Contract.AUTHENTICATE_ODD_P1_80 && p1 != Contract.AUTHENTICATE_ODD_P1_00
                && p1 != Contract.AUTHENTICATE_ODD_P1_A0 && p1 != Contract.AUTHENTICATE_ODD_P1_20) {
            reset();
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (!pin.isValidated()) {
            reset();
            ISOException.throwIt(Contract.SW_SECURITY_STATUS);
        }
        if (p1 == Contract.AUTHENTICATE_ODD_P1_A0 || p1 == Contract.AUTHENTICATE_ODD_P1_20) {
            retrieve(apdu, p1 == Contract.AUTHENTICATE_ODD_P1_A0);
            return;
        }
        boolean first = p1 == Contract.AUTHENTICATE_ODD_P1_80;
        if (first) {
            reset();
        } else if (st[S_PHASE] != PHASE_COLLECT) {
            reset();
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        short len = Io.receiveAll(apdu);
        short off = apdu.getOffsetCdata();
        short got = first ? 0 : st[S_GOT];
        if (len > (short) (MSG_CAP - got)) {
            reset();
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        Util.arrayCopyNonAtomic(buf, off, msg, got, len);
        got = (short) (got + len);
        st[S_GOT] = got;
        st[S_PHASE] = PHASE_COLLECT;
        if (first) {
            st[S_TOTAL] = tlvTotal(got);
        }
        short total = st[S_TOTAL];
        if (got < total) {
            ISOException.throwIt(Contract.SW_MORE_DATA_EXPECTED);
        }
        if (got > total) {
            reset();
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        boolean done = false;
        try {
            run();
            done = true;
        } finally {
            Util.arrayFillNonAtomic(ws, (short) 0, W_LEN, (byte) 0);
            Util.arrayFillNonAtomic(msg, (short) 0, MSG_CAP, (byte) 0);
            if (!done) {
                st[S_PHASE] = PHASE_IDLE;
            }
        }
        if (first) {
            st[S_PHASE] = PHASE_IDLE;
            Util.arrayCopyNonAtomic(answer, (short) 0, buf, (short) 0, st[S_ALEN]);
            Util.arrayFillNonAtomic(answer, (short) 0, ANSWER_CAP, (byte) 0);
            Io.sendBuffer(apdu, (short) 0, st[S_ALEN]);
            return;
        }
        st[S_PHASE] = PHASE_ANSWER;
        st[S_ASENT] = 0;
        ISOException.throwIt(Contract.SW_ANSWER_AVAILABLE);
    }

    /** P1 A0 (from the start) / 20 (the next part) of a pending answer; 62F1 while more remains. */
    private void retrieve(APDU apdu, boolean fromStart) {
        if (st[S_PHASE] != PHASE_ANSWER || (!fromStart && st[S_ASENT] == 0)) {
            reset();
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        if (fromStart) {
            st[S_ASENT] = 0;
        }
        short le = apdu.setOutgoing();
        if (le <= 0 || le > SHORT_LE) {
            le = SHORT_LE;
        }
        short sent = st[S_ASENT];
        short n = (short) (st[S_ALEN] - sent);
        if (n > le) {
            n = le;
        }
        apdu.setOutgoingLength(n);
        apdu.sendBytesLong(answer, sent, n);
        sent = (short) (sent + n);
        st[S_ASENT] = sent;
        if (sent < st[S_ALEN]) {
            ISOException.throwIt(Contract.SW_MORE_DATA_AVAILABLE);
        }
        reset();
    }

    /** Total length of the 53-TLV from its header (1, 2 or 3 length bytes); 6A80 when it is not one or too long. */
    private short tlvTotal(short got) {
        if (got < 2 || msg[0] != TAG_DATA) {
            fail();
        }
        short l = (short) (msg[1] & 0xFF);
        short h = 2;
        if (l == 0x81) {
            if (got < 3) {
                fail();
            }
            l = (short) (msg[2] & 0xFF);
            h = 3;
        } else if (l == 0x82) {
            if (got < 4) {
                fail();
            }
            l = Util.getShort(msg, (short) 2); // negative when above 32767: refused below
            h = 4;
        } else if (l > 0x7F) {
            fail();
        }
        if (l < 1 || l > Contract.MBMS_MSG_MAX) {
            fail();
        }
        st[P_HDR] = h; // where the mode byte is
        return (short) (h + l);
    }

    private void fail() {
        reset();
        ISOException.throwIt(Contract.SW_WRONG_DATA);
    }

    /** The whole TLV is in msg: the mode's processing; the answer (53 L V) goes to {@code answer}. */
    private void run() {
        short modeOff = st[P_HDR];
        byte mode = msg[modeOff];
        short off = (short) (modeOff + 1);
        short len = (short) (st[S_TOTAL] - off);
        answer[0] = TAG_DATA;
        answer[2] = TAG_OK;
        short v;
        switch (mode) {
            case MODE_MSK_UPDATE:
                v = mskUpdate(off, len);
                break;
            case MODE_MTK:
                v = mtk(off, len);
                break;
            case MODE_MSK_DELETE:
                dropKeyCache();
                if (len != 5) {
                    fail();
                }
                keys.deleteGroup(msg, off, (short) (off + 3));
                v = 0;
                break;
            case MODE_MUK_DELETE:
                mukDelete(off, len);
                v = 0;
                break;
            default:
                fail();
                return;
        }
        answer[1] = (byte) (1 + v);
        st[S_ALEN] = (short) (3 + v);
    }

    // ---- MIKEY layout (mbms.md §4.1, §5) -------------------------------------------------------------------------

    private void need(short p, short n, short end) {
        if (n < 0 || p > (short) (end - n)) {
            fail();
        }
    }

    /** Parses the message at msg[off..off+len) into the P_ offsets; ltkm selects the MSK message layout. */
    private void parse(short off, short len, boolean ltkm) {
        for (short i = P_DOMAIN; i < N_STATE; i++) {
            st[i] = -1;
        }
        st[P_EXTS] = 0;
        short end = (short) (off + len);
        need(off, (short) 10, end);
        byte vprf = msg[(short) (off + 3)];
        if (msg[off] != 1 || msg[(short) (off + 1)] != 0 || (byte) (vprf & 0x7F) != 0
                || (!ltkm && vprf != 0) || msg[(short) (off + 8)] != 0 || msg[(short) (off + 9)] != 1) {
            fail();
        }
        byte next = msg[(short) (off + 2)];
        short p = (short) (off + 10);
        short stage = 0; // 0 EXT*, 1 after T, 2 after RAND, 3 after IDi, 4 after IDr, 5 after SP
        while (next != PT_LAST) {
            need(p, (short) 1, end);
            byte n = msg[p];
            short l;
            switch (next) {
                case PT_EXT:
                    need(p, (short) 4, end);
                    l = Util.getShort(msg, (short) (p + 2));
                    need(p, (short) (4 + l), end);
                    if (stage != 0 || ++st[P_EXTS] > 4) {
                        fail();
                    }
                    if (msg[(short) (p + 1)] == EXT_KEY_ID) {
                        keyIds((short) (p + 4), l);
                    }
                    p = (short) (p + 4 + l);
                    break;
                case PT_T:
                    need(p, (short) 6, end);
                    if (stage != 0 || msg[(short) (p + 1)] != 2) {
                        fail();
                    }
                    st[P_T] = p;
                    stage = 1;
                    p = (short) (p + 6);
                    break;
                case PT_RAND:
                    need(p, (short) 2, end);
                    l = (short) (msg[(short) (p + 1)] & 0xFF);
                    need(p, (short) (2 + l), end);
                    if (!ltkm || stage != 1 || l < 16 || l > 64) {
                        fail();
                    }
                    st[P_RAND] = (short) (p + 2);
                    st[P_RANDLEN] = l;
                    stage = 2;
                    p = (short) (p + 2 + l);
                    break;
                case PT_ID:
                    need(p, (short) 4, end);
                    l = Util.getShort(msg, (short) (p + 2));
                    need(p, (short) (4 + l), end);
                    if (!ltkm || (stage != 2 && stage != 3) || l < 1 || l > 255) {
                        fail();
                    }
                    st[stage == 2 ? P_IDI : P_IDR] = p;
                    stage++;
                    p = (short) (p + 4 + l);
                    break;
                case PT_SP:
                    need(p, (short) 5, end);
                    l = Util.getShort(msg, (short) (p + 3));
                    need(p, (short) (5 + l), end);
                    if (stage != (ltkm ? 4 : 1)) {
                        fail();
                    }
                    stage = 5;
                    p = (short) (p + 5 + l);
                    break;
                case PT_KEMAC:
                    need(p, (short) 4, end);
                    l = Util.getShort(msg, (short) (p + 2));
                    if ((stage != (ltkm ? 4 : 1) && stage != 5) || n != PT_LAST || msg[(short) (p + 1)] != 1 || l < 1
                            || (short) (p + 4 + l + 1 + HmacSha1.LEN) != end
                            || msg[(short) (p + 4 + l)] != 1) {
                        fail();
                    }
                    st[P_ENCR] = (short) (p + 4);
                    st[P_ENCRLEN] = l;
                    st[P_MACALG] = (short) (p + 4 + l);
                    p = end;
                    break;
                default:
                    fail();
            }
            next = n;
        }
        if (st[P_MACALG] < 0 || st[P_T] < 0 || st[P_MSKID] < 0 || (ltkm ? st[P_DOMAIN] < 0 || st[P_MTKID] >= 0
                || st[P_IDR] < 0 : st[P_MTKID] < 0)) {
            fail();
        }
    }

    /** RFC 4563 Key ID information: {type (1) || len (2) || id}*, exactly. */
    private void keyIds(short p, short l) {
        short end = (short) (p + l);
        while (p < end) {
            need(p, (short) 3, end);
            byte type = msg[p];
            short n = Util.getShort(msg, (short) (p + 1));
            need(p, (short) (3 + n), end);
            short slot = type == 0 ? P_DOMAIN : type == 1 ? P_MSKID : type == 2 ? P_MTKID : -1;
            if (slot >= 0) {
                if (st[slot] >= 0 || n != (type == 0 ? 3 : type == 1 ? 4 : 2)) {
                    fail();
                }
                st[slot] = (short) (p + 3);
            }
            p = (short) (p + 3 + n);
        }
    }

    // ---- processing ----------------------------------------------------------------------------------------------

    /** Derives the three keys from inkey with this message's CSB ID and RAND (none for an STKM). */
    private void deriveKeys(short off, byte[] inkey, short inOff, short inLen) {
        short csb = (short) (off + 4);
        short rand = st[P_RAND] < 0 ? 0 : st[P_RAND];
        short randLen = st[P_RAND] < 0 ? 0 : st[P_RANDLEN];
        crypto.derive(MikeyKeys.KEY_AUTH, inkey, inOff, inLen, msg, csb, msg, rand, randLen, ws, W_AUTH);
        crypto.derive(MikeyKeys.KEY_ENCR, inkey, inOff, inLen, msg, csb, msg, rand, randLen, ws, W_ENCR);
        crypto.derive(MikeyKeys.KEY_SALT, inkey, inOff, inLen, msg, csb, msg, rand, randLen, ws, W_SALT);
    }

    /** 9862 unless the KEMAC MAC verifies (constant time). */
    private void checkMac(short off) {
        short macAlg = st[P_MACALG];
        hmac.mac(ws, W_AUTH, MikeyKeys.AUTH_LEN, msg, off, (short) (macAlg + 1 - off), ws, W_MAC);
        if (!Ct.equal(ws, W_MAC, msg, (short) (macAlg + 1), HmacSha1.LEN)) {
            reset();
            ISOException.throwIt(Contract.SW_USIM_MAC_FAILED);
        }
    }

    private void freshnessFailure() {
        reset();
        ISOException.throwIt(Contract.SW_USIM_FRESHNESS);
    }

    private void decrypt(short off) {
        crypto.crypt(ws, W_ENCR, ws, W_SALT, msg, (short) (off + 4), msg, (short) (st[P_T] + 2), msg, st[P_ENCR],
                st[P_ENCRLEN]);
    }

    private void dropKeyCache() {
        st[C_MSK] = 0;
        Util.arrayFillNonAtomic(keyCache, (short) 0, (short) keyCache.length, (byte) 0);
    }

    /** Mode 01 (mbms.md §4.3); returns the length of the answer data after DB. */
    private short mskUpdate(short off, short len) {
        dropKeyCache();
        parse(off, len, true);
        short idi = st[P_IDI];
        short idr = st[P_IDR];
        short muk = keys.findMuk(msg, (short) (idi + 4), Util.getShort(msg, (short) (idi + 2)), msg, (short) (idr + 4),
                Util.getShort(msg, (short) (idr + 2)));
        if (muk < 0) {
            reset();
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        byte[] u = keys.mukData();
        short e = MbmsKeys.mukOffset(muk);
        deriveKeys(off, u, (short) (e + MbmsKeys.U_KEY), MbmsKeys.MUK_LEN);
        checkMac(off);
        short t = (short) (st[P_T] + 2);
        if (U32.compare(msg, t, u, (short) (e + MbmsKeys.U_TS)) <= 0) {
            freshnessFailure();
        }
        decrypt(off);
        // Key data: next 00 || type|KV || key len (2) || MSK (16) || [VF len 2 VF VT len 2 VT]
        short k = st[P_ENCR];
        short kEnd = (short) (k + st[P_ENCRLEN]);
        need(k, (short) 20, kEnd);
        byte type = (byte) ((msg[(short) (k + 1)] >> 4) & 0x0F);
        byte kv = (byte) (msg[(short) (k + 1)] & 0x0F);
        if (msg[k] != 0 || (type != 0 && type != 2) || Util.getShort(msg, (short) (k + 2)) != MbmsKeys.MSK_LEN) {
            fail();
        }
        short kvOff = (short) (k + 20);
        if (kv == 0) {
            if (kvOff != kEnd) {
                fail();
            }
            Util.setShort(ws, W_V, (short) 1);
            Util.setShort(ws, (short) (W_V + 2), (short) -1);
        } else if (kv == 2) {
            if ((short) (kvOff + 6) != kEnd || msg[kvOff] != 2 || msg[(short) (kvOff + 3)] != 2) {
                fail();
            }
            Util.arrayCopyNonAtomic(msg, (short) (kvOff + 1), ws, W_V, (short) 2);
            Util.arrayCopyNonAtomic(msg, (short) (kvOff + 4), ws, (short) (W_V + 2), (short) 2);
            if (U32.compare(ws, W_V, ws, (short) (W_V + 2), (short) 2) > 0) {
                fail();
            }
        } else {
            fail();
        }
        keys.storeMsk(msg, st[P_DOMAIN], st[P_MSKID], msg, (short) (k + 4), ws, W_V);
        Util.arrayCopy(msg, t, u, (short) (e + MbmsKeys.U_TS), (short) 4); // after the MSK: a tear repeats a store
        if ((msg[(short) (off + 3)] & 0x80) == 0) {
            return 0;
        }
        return verification(off);
    }

    /** The verification message (mbms.md §4.5) after DB in the answer; returns its length (38). */
    private short verification(short off) {
        short a = 3;
        answer[a] = 1;
        answer[(short) (a + 1)] = 1;
        answer[(short) (a + 2)] = PT_T;
        answer[(short) (a + 3)] = 0;
        Util.arrayCopyNonAtomic(msg, (short) (off + 4), answer, (short) (a + 4), (short) 4);
        answer[(short) (a + 8)] = 0;
        answer[(short) (a + 9)] = 1;
        short t = st[P_T];
        answer[(short) (a + 10)] = PT_V;
        answer[(short) (a + 11)] = 2;
        Util.arrayCopyNonAtomic(msg, (short) (t + 2), answer, (short) (a + 12), (short) 4);
        answer[(short) (a + 16)] = PT_LAST;
        answer[(short) (a + 17)] = 1;
        hmac.begin(ws, W_AUTH, MikeyKeys.AUTH_LEN);
        hmac.update(answer, a, (short) 18);
        short idi = st[P_IDI];
        short idr = st[P_IDR];
        hmac.update(msg, idi, (short) (4 + Util.getShort(msg, (short) (idi + 2))));
        hmac.update(msg, idr, (short) (4 + Util.getShort(msg, (short) (idr + 2))));
        hmac.update(msg, t, (short) 6);
        hmac.finish(answer, (short) (a + 18));
        return 38;
    }

    /** Mode 02 (mbms.md §5); returns the length of MTK || salt. */
    private short mtk(short off, short len) {
        parse(off, len, false);
        short msk = keys.findMsk(msg, st[P_DOMAIN], st[P_MSKID]);
        if (msk < 0) {
            reset();
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        byte[] s = keys.mskData();
        short e = MbmsKeys.mskOffset(msk);
        short csb = (short) (off + 4);
        if (st[C_MSK] == (short) (msk + 1) && Util.arrayCompare(keyCache, (short) 0, msg, csb, (short) 4) == 0) {
            Util.arrayCopyNonAtomic(keyCache, (short) 4, ws, W_AUTH, KEYS_LEN);
        } else {
            deriveKeys(off, s, (short) (e + MbmsKeys.S_KEY), MbmsKeys.MSK_LEN);
            Util.arrayCopyNonAtomic(msg, csb, keyCache, (short) 0, (short) 4);
            Util.arrayCopyNonAtomic(ws, W_AUTH, keyCache, (short) 4, KEYS_LEN);
            st[C_MSK] = (short) (msk + 1);
        }
        checkMac(off);
        short t = (short) (st[P_T] + 2);
        short id = st[P_MTKID];
        if (U32.compare(msg, t, s, (short) (e + MbmsKeys.S_TS)) <= 0
                || U32.compare(msg, id, s, (short) (e + MbmsKeys.S_LAST), (short) 2) <= 0
                || U32.compare(msg, id, s, (short) (e + MbmsKeys.S_VF), (short) 2) < 0
                || U32.compare(msg, id, s, (short) (e + MbmsKeys.S_VT), (short) 2) > 0) {
            freshnessFailure();
        }
        decrypt(off);
        short k = st[P_ENCR];
        short kEnd = (short) (k + st[P_ENCRLEN]);
        need(k, (short) 20, kEnd);
        byte type = (byte) ((msg[(short) (k + 1)] >> 4) & 0x0F);
        byte kv = (byte) (msg[(short) (k + 1)] & 0x0F);
        if (msg[k] != 0 || (type != 2 && type != 3) || kv != 0
                || Util.getShort(msg, (short) (k + 2)) != MbmsKeys.MSK_LEN) {
            fail();
        }
        short saltLen = 0;
        short p = (short) (k + 20);
        if (type == 3) {
            need(p, (short) 2, kEnd);
            saltLen = Util.getShort(msg, p);
            if (saltLen < 0 || saltLen > MikeyKeys.SALT_LEN) {
                fail();
            }
            p = (short) (p + 2);
        }
        if ((short) (p + saltLen) != kEnd) {
            fail();
        }
        Util.arrayCopyNonAtomic(msg, t, ws, W_TS, (short) 4);
        Util.arrayCopyNonAtomic(msg, id, ws, (short) (W_TS + 4), (short) 2);
        Util.arrayCopy(ws, W_TS, s, (short) (e + MbmsKeys.S_TS), (short) 6); // TS and last MTK ID together
        Util.arrayCopyNonAtomic(msg, (short) (k + 4), answer, (short) 3, MbmsKeys.MSK_LEN);
        Util.arrayCopyNonAtomic(msg, p, answer, (short) (3 + MbmsKeys.MSK_LEN), saltLen);
        return (short) (MbmsKeys.MSK_LEN + saltLen);
    }

    /** Mode 04: A0 L { 80 L IDr, 82 L IDi }, one-byte lengths, exactly. */
    private void mukDelete(short off, short len) {
        short end = (short) (off + len);
        need(off, (short) 2, end);
        if (msg[off] != (byte) 0xA0 || (short) (off + 2 + (msg[(short) (off + 1)] & 0xFF)) != end) {
            fail();
        }
        short p = (short) (off + 2);
        need(p, (short) 2, end);
        short rl = (short) (msg[(short) (p + 1)] & 0xFF);
        if (msg[p] != (byte) 0x80 || rl > 0x7F) {
            fail();
        }
        short r = (short) (p + 2);
        p = (short) (r + rl);
        need(p, (short) 2, end);
        short il = (short) (msg[(short) (p + 1)] & 0xFF);
        if (msg[p] != (byte) 0x82 || il > 0x7F || (short) (p + 2 + il) != end) {
            fail();
        }
        keys.deleteMuk(msg, (short) (p + 2), il, msg, r, rl);
    }
}
