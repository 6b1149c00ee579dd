package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.Util;

/**
 * The subscriber's IMSI as EF_IMSI holds it (TS 31.102 §4.2.2): 9 bytes, length L (1..8) then the IMSI in
 * semi-octets. On a USIM the host reads EF_IMSI itself; on the emulated card (and on a card that is only our applet)
 * the issuer personalizes it here (PUT DATA DF60) and anyone reads it (GET DATA DF60): the DM bootstrap's
 * NETWORKID key is bytes 2..L+1 (dm-bootstrap.md). The IMSI is no secret: the terminal signals it to the network.
 */
final class Imsi {
    static final short LEN = 9;

    /** byte 0: 0 = not set, else 1; bytes 1..9: EF_IMSI. */
    private final byte[] value = new byte[(short) (1 + LEN)];

    /**
     * True when {@code b[off..off+9)} is a well-formed EF_IMSI: L 4..8 (an IMSI has 6..15 digits), identity type
     * 001, digits 0..9, the parity bit agreeing with the F filler, FF after the L bytes.
     */
    static boolean valid(byte[] b, short off) {
        short l = (short) (b[off] & 0xFF);
        if (l < 4 || l > 8 || (byte) (b[(short) (off + 1)] & 0x07) != 0x01) {
            return false;
        }
        boolean odd = (b[(short) (off + 1)] & 0x08) != 0;
        for (short i = 1; i <= l; i++) {
            byte v = b[(short) (off + i)];
            short hi = (short) ((v >> 4) & 0x0F);
            short lo = (short) (v & 0x0F);
            if (i > 1 && lo > 9) {
                return false;
            }
            boolean last = i == l;
            if (hi > 9 && !(hi == 0x0F && last && !odd)) {
                return false;
            }
        }
        // the parity bit says whether the digit count is odd; with an F filler the count is even
        boolean filler = (short) ((b[(short) (off + l)] >> 4) & 0x0F) == 0x0F;
        if (odd == filler) {
            return false;
        }
        for (short i = (short) (l + 1); i < LEN; i++) {
            if (b[(short) (off + i)] != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }

    /** PUT DATA DF60 (already unwrapped by the issuer channel): 9 bytes. */
    void put(byte[] buf, short off, short len) {
        if (len != LEN) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        if (!valid(buf, off)) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        Util.arrayCopy(buf, off, value, (short) 1, LEN); // atomic: never half an IMSI
        value[0] = 1;
    }

    /**
     * The NETWORKID key of a DM bootstrap (dm-bootstrap.md §3): bytes 2..L+1 of EF_IMSI to out; returns L, or -1
     * when no IMSI is set.
     */
    short secret(byte[] out, short off) {
        if (value[0] == 0) {
            return -1;
        }
        short l = (short) (value[1] & 0xFF);
        Util.arrayCopyNonAtomic(value, (short) 2, out, off, l);
        return l;
    }

    /** GET DATA DF60: the 9 bytes, or 6A88. */
    void send(APDU apdu) {
        if (value[0] == 0) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        byte[] buf = apdu.getBuffer();
        Util.arrayCopyNonAtomic(value, (short) 1, buf, (short) 0, LEN);
        Io.sendBuffer(apdu, (short) 0, LEN);
    }
}
