package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.MessageDigest;

/**
 * GBA_U on the card (applet-spec/gba.md §5): AUTHENTICATE in the GBA security context (TS 31.102 §7.1.2),
 * bootstrapping mode ('DD': AUTN check with MILENAGE, SQN freshness of TS 33.102 Annex C, RES or AUTS; Ks = CK || IK
 * stays here) and NAF derivation mode ('DE': Ks_ext_NAF out), and the EF_GBABP data (RAND, B-TID, key lifetime).
 *
 * Persistent state: K || OPc and the IMPI (issuer), the SQN array (one SQN per IND value, 32 of them) and SQN_MS, and
 * two bootstrap slots (Ks, RAND, B-TID, lifetime) of which {@code active[0]} names the current one. A bootstrap fills
 * the inactive slot and then switches {@code active[0]} with a single byte write, so a torn bootstrap leaves the old
 * Ks in force, never half of a new one. The SQN is recorded before the new Ks is, so a replayed AUTN is refused even
 * when the bootstrap that first used it was cut off.
 */
final class Gba {
    static final short KEY_LEN = 16;
    static final short RAND_LEN = 16;
    static final short AUTN_LEN = 16;
    static final short AUTS_LEN = 14;
    private static final byte MODE_BOOTSTRAP = (byte) 0xDD;
    private static final byte MODE_NAF = (byte) 0xDE;
    private static final byte TAG_OK = (byte) 0xDB;
    private static final byte TAG_SYNC_FAILURE = (byte) 0xDC;
    /** IND: the 5 least significant bits of SQN (TS 33.102 C.3.2, a = 32). */
    private static final short IND_COUNT = 32;
    private static final byte IND_MASK = 0x1F;
    private static final short SQN = Milenage.SQN_LEN;

    // slot layout: Ks (32) || RAND (16) || B-TID len (1) || B-TID || lifetime len (1) || lifetime
    private static final short S_KS = 0;
    private static final short S_RAND = 32;
    private static final short S_BTID_LEN = 48;
    private static final short S_BTID = 49;
    private static final short S_LIFE_LEN = (short) (S_BTID + Contract.GBA_BTID_MAX);
    private static final short S_LIFE = (short) (S_LIFE_LEN + 1);
    private static final short SLOT_LEN = (short) (S_LIFE + Contract.GBA_LIFETIME_MAX);

    // work space (CLEAR_ON_DESELECT)
    private static final short W_RAND = 0;
    private static final short W_AUTN = 16;
    private static final short W_AK = 32;
    private static final short W_SQN = 38;
    private static final short W_XMAC = 44;
    private static final short W_IK = 52;
    private static final short W_CK = 68;
    private static final short W_DIGEST = 84; // 20 bytes: SHA-1(IK), or Ks_ext_NAF (32)
    private static final short W_DIFF = 116;
    private static final short W_LEN = 122;

    private final UserPin pin;
    private final IssuerChannel issuer;
    private final Milenage milenage;
    private final GbaKdf kdf;
    private final MessageDigest sha1;
    private final byte[] ws;

    /** K || OPc. */
    private final byte[] keys = new byte[(short) (2 * KEY_LEN)];
    private boolean keysSet;
    /** length (1) || IMPI. */
    private final byte[] impi = new byte[(short) (1 + Contract.GBA_IMPI_MAX)];
    private final byte[] sqnArray = new byte[(short) (IND_COUNT * SQN)];
    private final byte[] sqnMs = new byte[SQN];
    private final byte[] slots = new byte[(short) (2 * SLOT_LEN)];
    /** 0: no bootstrap; 1 or 2: the slot in force. */
    private final byte[] active = new byte[1];

    private final MbmsKeys muks;

    Gba(UserPin pin, IssuerChannel issuer, MbmsKeys muks) {
        this.pin = pin;
        this.issuer = issuer;
        this.muks = muks;
        milenage = new Milenage();
        kdf = new GbaKdf(true);
        sha1 = MessageDigest.getInstance(MessageDigest.ALG_SHA, false);
        ws = JCSystem.makeTransientByteArray(W_LEN, JCSystem.CLEAR_ON_DESELECT);
    }

    /** AUTHENTICATE {@code 00 88 00 P2}: P2 84 only (other contexts 9864); PIN required. */
    void authenticate(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P1] != Contract.AUTHENTICATE_P1_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (buf[ISO7816.OFFSET_P2] != Contract.AUTHENTICATE_P2_84) {
            ISOException.throwIt(Contract.SW_USIM_CONTEXT_NOT_SUPPORTED);
        }
        if (!pin.isValidated()) {
            ISOException.throwIt(Contract.SW_SECURITY_STATUS);
        }
        short len = Io.receiveAll(apdu);
        short off = apdu.getOffsetCdata();
        if (len < 1) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        if (buf[off] == MODE_BOOTSTRAP) {
            bootstrap(apdu, buf, off, len);
        } else if (buf[off] == MODE_NAF) {
            nafDerivation(apdu, buf, off, len);
        } else {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
    }

    /** 'DD' L RAND L AUTN: exactly 35 bytes. */
    private void bootstrap(APDU apdu, byte[] buf, short off, short len) {
        if (len != (short) (3 + RAND_LEN + AUTN_LEN)) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        if (buf[(short) (off + 1)] != RAND_LEN || buf[(short) (off + 2 + RAND_LEN)] != AUTN_LEN) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        if (!keysSet) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        Util.arrayCopyNonAtomic(buf, (short) (off + 2), ws, W_RAND, RAND_LEN);
        Util.arrayCopyNonAtomic(buf, (short) (off + 3 + RAND_LEN), ws, W_AUTN, AUTN_LEN);
        milenage.init(keys, (short) 0, keys, KEY_LEN);
        milenage.setRand(ws, W_RAND);
        // SQN = (SQN xor AK) xor AK; XMAC = f1(SQN, AMF); MAC = MAC* xor Trunc64(SHA-1(IK)) (TS 33.220 §5.3.2)
        milenage.f5(ws, W_AK);
        for (short i = 0; i < SQN; i++) {
            ws[(short) (W_SQN + i)] = (byte) (ws[(short) (W_AUTN + i)] ^ ws[(short) (W_AK + i)]);
        }
        milenage.f1(ws, W_SQN, ws, (short) (W_AUTN + SQN), ws, W_XMAC);
        milenage.f4(ws, W_IK);
        sha1.reset();
        sha1.doFinal(ws, W_IK, KEY_LEN, ws, W_DIGEST);
        for (short i = 0; i < Milenage.MAC_LEN; i++) { // MAC = MAC* xor Trunc64(SHA-1(IK)), over the digest
            ws[(short) (W_DIGEST + i)] ^= ws[(short) (W_AUTN + 8 + i)];
        }
        if (!Ct.equal(ws, W_DIGEST, ws, W_XMAC, Milenage.MAC_LEN)) {
            finish();
            ISOException.throwIt(Contract.SW_USIM_MAC_FAILED);
        }
        short ind = (short) ((short) (ws[(short) (W_SQN + SQN - 1)] & IND_MASK) * SQN);
        if (!fresh(ind)) {
            resync(apdu, buf);
            return;
        }
        // record the SQN first: a replay of this AUTN is refused from now on, whatever happens next
        Util.arrayCopy(ws, W_SQN, sqnArray, ind, SQN);
        if (U32.compare(ws, W_SQN, sqnMs, (short) 0, SQN) > 0) {
            Util.arrayCopy(ws, W_SQN, sqnMs, (short) 0, SQN);
        }
        milenage.f3(ws, W_CK);
        byte next = active[0] == 1 ? (byte) 2 : (byte) 1;
        short s = slotOffset(next);
        Util.arrayCopy(ws, W_CK, slots, (short) (s + S_KS), KEY_LEN);
        Util.arrayCopy(ws, W_IK, slots, (short) (s + S_KS + KEY_LEN), KEY_LEN);
        Util.arrayCopy(ws, W_RAND, slots, (short) (s + S_RAND), RAND_LEN);
        slots[(short) (s + S_BTID_LEN)] = 0;
        slots[(short) (s + S_LIFE_LEN)] = 0;
        active[0] = next; // the switch: one byte
        // the old Ks is of no further use
        short old = slotOffset(next == 1 ? (byte) 2 : (byte) 1);
        Util.arrayFillNonAtomic(slots, old, SLOT_LEN, (byte) 0);
        buf[0] = TAG_OK;
        buf[1] = (byte) Milenage.RES_LEN;
        milenage.f2(buf, (short) 2);
        finish();
        Io.sendBuffer(apdu, (short) 0, (short) (2 + Milenage.RES_LEN));
    }

    /**
     * TS 33.102 C.2.2 / C.3.2: SQN must be greater than the SQN last accepted with the same IND, and SEQ may run at
     * most delta = 2^28 ahead of SEQ_MS (SQN difference below 2^33).
     */
    private boolean fresh(short ind) {
        if (U32.compare(ws, W_SQN, sqnArray, ind, SQN) <= 0) {
            return false;
        }
        if (U32.compare(ws, W_SQN, sqnMs, (short) 0, SQN) <= 0) {
            return true;
        }
        // diff = SQN - SQN_MS, 48 bits
        short borrow = 0;
        for (short i = (short) (SQN - 1); i >= 0; i--) {
            short d = (short) ((ws[(short) (W_SQN + i)] & 0xFF) - (sqnMs[i] & 0xFF) - borrow);
            borrow = (short) (d < 0 ? 1 : 0);
            ws[(short) (W_DIFF + i)] = (byte) d;
        }
        return ws[W_DIFF] == 0 && (byte) (ws[(short) (W_DIFF + 1)] & 0xFE) == 0;
    }

    /** 'DC' 0E AUTS, AUTS = (SQN_MS xor AK*) || MAC-S, MAC-S = f1*(SQN_MS, AMF = 0000) (TS 33.102 §6.3.3). */
    private void resync(APDU apdu, byte[] buf) {
        milenage.f5star(ws, W_AK);
        buf[0] = TAG_SYNC_FAILURE;
        buf[1] = (byte) AUTS_LEN;
        for (short i = 0; i < SQN; i++) {
            buf[(short) (2 + i)] = (byte) (sqnMs[i] ^ ws[(short) (W_AK + i)]);
        }
        Util.arrayFillNonAtomic(ws, W_XMAC, Milenage.AMF_LEN, (byte) 0);
        milenage.f1star(sqnMs, (short) 0, ws, W_XMAC, buf, (short) (2 + SQN));
        finish();
        Io.sendBuffer(apdu, (short) 0, (short) (2 + AUTS_LEN));
    }

    /** 'DE' L NAF_Id L IMPI: 'DB' 20 Ks_ext_NAF. */
    private void nafDerivation(APDU apdu, byte[] buf, short off, short len) {
        short end = (short) (off + len);
        short p = (short) (off + 1);
        short nafLen = lengthAt(buf, p, end);
        short nafOff = (short) (p + 1);
        p = (short) (nafOff + nafLen);
        short impiLen = lengthAt(buf, p, end);
        short impiOff = (short) (p + 1);
        if ((short) (impiOff + impiLen) != end) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        checkNafId(nafLen);
        if (impiLen < 1 || impiLen > Contract.GBA_IMPI_MAX) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        short s = current();
        if (isMbms(buf, nafOff, nafLen)) {
            // mbms.md §1: the MUK = Ks_int_NAF for the BM-SC, IDi = its FQDN, IDr = the B-TID in force
            short btidLen = (short) (slots[(short) (s + S_BTID_LEN)] & 0xFF);
            if (btidLen == 0) {
                ISOException.throwIt(Contract.SW_CONDITIONS);
            }
            kdf.deriveKsNaf(GbaKdf.LABEL_GBA_U, slots, (short) (s + S_KS), slots, (short) (s + S_RAND), buf,
                    impiOff, impiLen, buf, nafOff, nafLen, ws, W_DIGEST);
            try {
                muks.storeMuk(buf, nafOff, (short) (nafLen - 5), slots, (short) (s + S_BTID), btidLen, ws, W_DIGEST);
            } finally {
                finish();
            }
        }
        kdf.deriveKsNaf(GbaKdf.LABEL_GBA_ME, slots, (short) (s + S_KS), slots, (short) (s + S_RAND), buf, impiOff,
                impiLen, buf, nafOff, nafLen, ws, W_DIGEST);
        buf[0] = TAG_OK;
        buf[1] = (byte) GbaKdf.OUT_LEN;
        Util.arrayCopyNonAtomic(ws, W_DIGEST, buf, (short) 2, GbaKdf.OUT_LEN);
        finish();
        Io.sendBuffer(apdu, (short) 0, (short) (2 + GbaKdf.OUT_LEN));
    }

    /**
     * Ks_ext_NAF for NAF_Id with the personalized IMPI, for use on the card only (the DM bootstrap key): 32 bytes to
     * out. No IMPI: 6A88; no bootstrap: 6985.
     */
    void deriveForCard(byte[] naf, short nafOff, short nafLen, byte[] out, short outOff) {
        checkNafId(nafLen);
        if (impi[0] == 0) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        short s = current();
        kdf.deriveKsNaf(GbaKdf.LABEL_GBA_ME, slots, (short) (s + S_KS), slots, (short) (s + S_RAND), impi, (short) 1,
                (short) (impi[0] & 0xFF), naf, nafOff, nafLen, out, outOff);
    }

    /** Whether NAF_Id ends with the MBMS Ua security protocol id 01 00 00 00 01 (TS 33.220 Annex H). */
    private static boolean isMbms(byte[] b, short off, short len) {
        short u = (short) (off + len - 5);
        return b[u] == 1 && b[(short) (u + 1)] == 0 && b[(short) (u + 2)] == 0 && b[(short) (u + 3)] == 0
                && b[(short) (u + 4)] == 1;
    }

    private static void checkNafId(short nafLen) {
        if (nafLen < 6 || nafLen > Contract.GBA_NAF_ID_MAX) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
    }

    /** The length byte at p, checked to lie with its value inside [p, end). */
    private static short lengthAt(byte[] buf, short p, short end) {
        if (p >= end) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        short l = (short) (buf[p] & 0xFF);
        if (l > (short) (end - p - 1)) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        return l;
    }

    /** Offset of the slot in force; 6985 when no bootstrap has succeeded. */
    private short current() {
        if (active[0] == 0) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        return slotOffset(active[0]);
    }

    private static short slotOffset(byte slot) {
        return slot == 2 ? SLOT_LEN : 0;
    }

    /** GBA_BP_PUT {@code 80 48 00 00}: L B-TID L lifetime into the slot in force. PIN required. */
    void putBootstrapInfo(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P1] != Contract.GBA_BP_PUT_P1_00 || buf[ISO7816.OFFSET_P2] != Contract.GBA_BP_PUT_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (!pin.isValidated()) {
            ISOException.throwIt(Contract.SW_SECURITY_STATUS);
        }
        short len = Io.receiveAll(apdu);
        short off = apdu.getOffsetCdata();
        short end = (short) (off + len);
        short btidLen = lengthAt(buf, off, end);
        short p = (short) (off + 1 + btidLen);
        short lifeLen = lengthAt(buf, p, end);
        if ((short) (p + 1 + lifeLen) != end) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        if (btidLen < 1 || btidLen > Contract.GBA_BTID_MAX || lifeLen < 1 || lifeLen > Contract.GBA_LIFETIME_MAX) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        short s = current();
        slots[(short) (s + S_BTID_LEN)] = 0;
        slots[(short) (s + S_LIFE_LEN)] = 0;
        Util.arrayCopy(buf, (short) (off + 1), slots, (short) (s + S_BTID), btidLen);
        Util.arrayCopy(buf, (short) (p + 1), slots, (short) (s + S_LIFE), lifeLen);
        slots[(short) (s + S_LIFE_LEN)] = (byte) lifeLen;
        slots[(short) (s + S_BTID_LEN)] = (byte) btidLen;
    }

    /** PUT DATA GBA_KEYS (unwrapped): K || OPc. A new subscription: SQN state and any Ks are dropped. */
    void putKeys(byte[] buf, short off, short len) {
        if (len != (short) (2 * KEY_LEN)) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        keysSet = false;
        active[0] = 0;
        Util.arrayFillNonAtomic(slots, (short) 0, (short) slots.length, (byte) 0);
        Util.arrayFillNonAtomic(sqnArray, (short) 0, (short) sqnArray.length, (byte) 0);
        Util.arrayFillNonAtomic(sqnMs, (short) 0, SQN, (byte) 0);
        Util.arrayCopy(buf, off, keys, (short) 0, (short) (2 * KEY_LEN));
        keysSet = true;
    }

    /** PUT DATA GBA_IMPI (unwrapped): 1..GBA_IMPI_MAX bytes. */
    void putImpi(byte[] buf, short off, short len) {
        if (len < 1 || len > Contract.GBA_IMPI_MAX) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        impi[0] = 0;
        Util.arrayCopy(buf, off, impi, (short) 1, len);
        impi[0] = (byte) len;
    }

    /** GET DATA of GBA_IMPI and GBA_BP; false for other tags. */
    boolean getData(APDU apdu, short tag) {
        byte[] buf = apdu.getBuffer();
        if (tag == Contract.TAG_GBA_IMPI) {
            short l = (short) (impi[0] & 0xFF);
            if (l == 0) {
                ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
            }
            Util.arrayCopyNonAtomic(impi, (short) 1, buf, (short) 0, l);
            Io.sendBuffer(apdu, (short) 0, l);
            return true;
        }
        if (tag == Contract.TAG_GBA_BP) {
            if (active[0] == 0) {
                ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
            }
            short s = slotOffset(active[0]);
            buf[0] = (byte) RAND_LEN;
            Util.arrayCopyNonAtomic(slots, (short) (s + S_RAND), buf, (short) 1, RAND_LEN);
            short p = (short) (1 + RAND_LEN);
            short bl = (short) (slots[(short) (s + S_BTID_LEN)] & 0xFF);
            buf[p++] = (byte) bl;
            p = Util.arrayCopyNonAtomic(slots, (short) (s + S_BTID), buf, p, bl);
            short ll = (short) (slots[(short) (s + S_LIFE_LEN)] & 0xFF);
            buf[p++] = (byte) ll;
            p = Util.arrayCopyNonAtomic(slots, (short) (s + S_LIFE), buf, p, ll);
            Io.sendBuffer(apdu, (short) 0, p);
            return true;
        }
        return false;
    }

    /** PUT DATA of GBA_KEYS and GBA_IMPI (wrapped, not chained); false for other tags. */
    boolean putData(APDU apdu, short tag) {
        if (tag != Contract.TAG_GBA_KEYS && tag != Contract.TAG_GBA_IMPI) {
            return false;
        }
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        if (tag == Contract.TAG_GBA_KEYS) {
            putKeys(buf, ISO7816.OFFSET_CDATA, len);
            Util.arrayFillNonAtomic(buf, ISO7816.OFFSET_CDATA, len, (byte) 0);
        } else {
            putImpi(buf, ISO7816.OFFSET_CDATA, len);
        }
        return true;
    }

    private void finish() {
        milenage.clear();
        Util.arrayFillNonAtomic(ws, (short) 0, W_LEN, (byte) 0);
    }
}
