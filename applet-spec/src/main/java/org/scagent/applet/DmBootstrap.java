package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * The DM bootstrap check on the card (applet-spec/dm-bootstrap.md §7): DMBOOT_VERIFY computes HMAC-SHA1 (RFC 2104 on
 * {@code MessageDigest.ALG_SHA}) over the WBXML body streamed in by the terminal, with the key of the message's SEC
 * built here from the card's own material (the IMSI, Ks_ext_NAF for the DM server's NAF_Id) and the user's PIN, and
 * compares it with the MAC of the header. The USERPIN tries are counted here: a begin that uses the PIN takes one
 * try (persistently, before any hashing), and only a MAC that verifies gives them back. A verified bootstrap may then
 * add its DM server to the authorized list once, where the operator's policy allows it (DMBOOT_SERVER_ADD).
 */
final class DmBootstrap {
    private static final short MAC_LEN = HmacSha1.LEN;
    private static final short BLOCK = HmacSha1.BLOCK;

    // transient state (CLEAR_ON_DESELECT): phase, SEC, the expected MAC, the key
    private static final short T_PHASE = 0;
    private static final short T_SEC = 1;
    private static final short T_MAC = 2;
    private static final short T_KEY = (short) (T_MAC + MAC_LEN);
    private static final short T_LEN = (short) (T_KEY + BLOCK);
    private static final byte PHASE_NONE = 0;
    private static final byte PHASE_HASHING = 1;
    private static final byte PHASE_VERIFIED = 2;

    private final Imsi imsi;
    private final Gba gba;
    private final DmFirmware dm;
    private final IssuerChannel issuer;
    private final HmacSha1 hmac;
    private final byte[] t;
    /** USERPIN tries left (0) and limit (1). */
    private final byte[] tries = new byte[2];

    DmBootstrap(Imsi imsi, Gba gba, DmFirmware dm, IssuerChannel issuer) {
        this.imsi = imsi;
        this.gba = gba;
        this.dm = dm;
        this.issuer = issuer;
        hmac = new HmacSha1();
        t = JCSystem.makeTransientByteArray(T_LEN, JCSystem.CLEAR_ON_DESELECT);
        tries[0] = Contract.DMBOOT_PIN_TRY_LIMIT;
        tries[1] = Contract.DMBOOT_PIN_TRY_LIMIT;
    }

    private static boolean usesPin(byte sec) {
        return sec == Contract.DMBOOT_CARD_SEC_USERPIN || sec == Contract.DMBOOT_CARD_SEC_USERPIN_NETWORKID
                || sec == Contract.DMBOOT_CARD_SEC_USERPIN_NETWORKID_GBA;
    }

    private static boolean usesGba(byte sec) {
        return sec == Contract.DMBOOT_CARD_SEC_NETWORKID_GBA || sec == Contract.DMBOOT_CARD_SEC_USERPIN_NETWORKID_GBA;
    }

    /** DMBOOT_VERIFY {@code 80 4C P1 00}. */
    void verify(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        if (p1 < Contract.DMBOOT_VERIFY_P1_01 || p1 > Contract.DMBOOT_VERIFY_P1_03
                || buf[ISO7816.OFFSET_P2] != Contract.DMBOOT_VERIFY_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (p1 == Contract.DMBOOT_VERIFY_P1_01) {
            begin(apdu);
            return;
        }
        if (t[T_PHASE] != PHASE_HASHING) {
            t[T_PHASE] = PHASE_NONE;
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        short got = apdu.setIncomingAndReceive();
        short off = apdu.getOffsetCdata();
        while (got > 0) {
            hmac.update(buf, off, got);
            got = apdu.receiveBytes(off);
        }
        if (p1 == Contract.DMBOOT_VERIFY_P1_03) {
            finish(buf);
        }
    }

    /** Begin: SEC || MAC (20) || L PIN || L NAF_Id; builds the key and starts the inner hash. */
    private void begin(APDU apdu) {
        t[T_PHASE] = PHASE_NONE;
        byte[] buf = apdu.getBuffer();
        short len = Io.receiveAll(apdu);
        short off = apdu.getOffsetCdata();
        short end = (short) (off + len);
        if (len < (short) (1 + MAC_LEN + 2)) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        byte sec = buf[off];
        if (sec < Contract.DMBOOT_CARD_SEC_NETWORKID || sec > Contract.DMBOOT_CARD_SEC_USERPIN_NETWORKID_GBA) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        short p = (short) (off + 1 + MAC_LEN);
        short pinLen = (short) (buf[p] & 0xFF);
        short pinOff = (short) (p + 1);
        p = (short) (pinOff + pinLen);
        if (p >= end) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        short nafLen = (short) (buf[p] & 0xFF);
        short nafOff = (short) (p + 1);
        if ((short) (nafOff + nafLen) != end) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        boolean withPin = usesPin(sec);
        if (withPin != (pinLen != 0) || usesGba(sec) != (nafLen != 0) || pinLen > Contract.DMBOOT_CARD_PIN_MAX) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        for (short i = 0; i < pinLen; i++) {
            byte c = buf[(short) (pinOff + i)];
            if (c < 0x20 || c > 0x7E) {
                ISOException.throwIt(Contract.SW_WRONG_DATA);
            }
        }
        if (withPin && tries[0] == 0) {
            ISOException.throwIt(Contract.SW_PIN_BLOCKED);
        }
        // key = [PIN] [':'] [secret]; at most 31 + 1 + 32 = 64 bytes, one SHA-1 block (dm-bootstrap.md §3)
        Util.arrayFillNonAtomic(t, T_KEY, BLOCK, (byte) 0);
        short k = Util.arrayCopyNonAtomic(buf, pinOff, t, T_KEY, pinLen);
        if (sec != Contract.DMBOOT_CARD_SEC_USERPIN) {
            if (withPin) {
                t[k++] = (byte) ':';
            }
            if (usesGba(sec)) {
                gba.deriveForCard(buf, nafOff, nafLen, t, k);
                k += GbaKdf.OUT_LEN;
            } else {
                short n = imsi.secret(t, k);
                if (n < 0) {
                    wipe();
                    ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
                }
                k += n;
            }
        }
        Util.arrayCopyNonAtomic(buf, (short) (off + 1), t, T_MAC, MAC_LEN);
        if (withPin) {
            // the try is spent before any hashing; only a MAC that verifies gives it back
            tries[0]--;
        }
        t[T_SEC] = sec;
        hmac.begin(t, T_KEY, (short) (k - T_KEY));
        Util.arrayFillNonAtomic(t, T_KEY, BLOCK, (byte) 0);
        t[T_PHASE] = PHASE_HASHING;
    }

    /** The outer hash and the comparison; wipes the key either way. */
    private void finish(byte[] buf) {
        t[T_PHASE] = PHASE_NONE;
        hmac.finish(buf, (short) 0);
        boolean same = Ct.equal(buf, (short) 0, t, T_MAC, MAC_LEN);
        byte sec = t[T_SEC];
        wipe();
        Util.arrayFillNonAtomic(buf, (short) 0, MAC_LEN, (byte) 0);
        if (!same) {
            if (usesPin(sec)) {
                ISOException.throwIt((short) (Contract.SW_PIN_TRIES_LEFT | tries[0]));
            }
            ISOException.throwIt(Contract.SW_AUTH_FAILED);
        }
        if (usesPin(sec)) {
            tries[0] = tries[1];
        }
        t[T_PHASE] = PHASE_VERIFIED;
    }

    private void wipe() {
        Util.arrayFillNonAtomic(t, T_MAC, (short) (T_LEN - T_MAC), (byte) 0);
    }

    /** DMBOOT_SERVER_ADD {@code 80 4E 00 00}: id; answers the slot. Consumes the verification whatever follows. */
    void serverAdd(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P1] != Contract.DMBOOT_SERVER_ADD_P1_00
                || buf[ISO7816.OFFSET_P2] != Contract.DMBOOT_SERVER_ADD_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        boolean verified = t[T_PHASE] == PHASE_VERIFIED;
        t[T_PHASE] = PHASE_NONE;
        short len = Io.receiveAll(apdu);
        if (len < 1 || len > Contract.DM_ID_MAX) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        if (!verified) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        buf[0] = dm.bootstrapAdd(buf, apdu.getOffsetCdata(), len);
        Io.sendBuffer(apdu, (short) 0, (short) 1);
    }

    /** GET DATA DMBOOT_PIN_TRIES: tries left || limit. */
    void sendTries(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        buf[0] = tries[0];
        buf[1] = tries[1];
        Io.sendBuffer(apdu, (short) 0, (short) 2);
    }

    /** PUT DATA DMBOOT_PIN_TRIES (wrapped): the limit, 1..15; the tries start again. */
    void putLimit(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        if (len != 1) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        byte v = buf[ISO7816.OFFSET_CDATA];
        if (v < 1 || v > 15) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        tries[1] = v;
        tries[0] = v;
    }

    /** Test hook: whether a verified bootstrap may still add its server. */
    boolean verified() {
        return t[T_PHASE] == PHASE_VERIFIED;
    }
}
