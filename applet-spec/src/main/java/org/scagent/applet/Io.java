package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;

/**
 * APDU input and output: receive a whole command data field, send a response bounded by Ne.
 *
 * Response length rule (SPEC.md "Le"): the applet sends min(Ne, available) bytes with 9000. Ne absent (case 1/3)
 * or 0 (extended Le 0000) means "as much as the APDU form allows": 256 bytes for a short APDU, 32767 for an
 * extended one. The applet never answers 6Cxx; 61xx only for the long answers of {@link LongResponse}. On T=0 the
 * card runtime (or the emulator bridge) adds its own 61xx / 6Cxx.
 */
final class Io {
    /** Offset of the data field in an extended-length command APDU (CLA INS P1 P2 00 Lc1 Lc2). */
    static final short OFFSET_EXT_CDATA = 7;
    /** Largest response to an extended-length command (JC APDU lengths are shorts). */
    static final short EXT_LE_MAX = 32767;

    private Io() {
    }

    /**
     * Receives the whole data field into the APDU buffer at {@link APDU#getOffsetCdata()} and returns Nc.
     * A data field that does not fit the APDU buffer (extended APDU sent to a command that only needs a few
     * bytes): 6700.
     */
    static short receiveAll(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        short got = apdu.setIncomingAndReceive();
        short nc = apdu.getIncomingLength();
        short off = apdu.getOffsetCdata();
        short end = (short) (off + nc);
        if (end < 0 || end > buf.length) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        while (got < nc) {
            short n = apdu.receiveBytes((short) (off + got));
            if (n <= 0) {
                ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
            }
            got = (short) (got + n);
        }
        return got;
    }

    /** True if the current command is an extended-length APDU; only valid after the data field was received. */
    static boolean isExtended(APDU apdu) {
        return apdu.getOffsetCdata() == OFFSET_EXT_CDATA;
    }

    /** Calls setOutgoing() and returns how many of {@code available} bytes to send (see the class comment). */
    private static short outgoing(APDU apdu, short available, short max) {
        short ne = apdu.setOutgoing();
        if (ne <= 0 || ne > max) {
            ne = max;
        }
        return available < ne ? available : ne;
    }

    /** Sends {@code len} bytes that are already in the APDU buffer at {@code off} (short-APDU sized response). */
    static void sendBuffer(APDU apdu, short off, short len) {
        if (len <= 0) {
            return;
        }
        short n = outgoing(apdu, len, Contract.SHORT_LE_MAX);
        apdu.setOutgoingLength(n);
        apdu.sendBytes(off, n);
    }

    /** Sends {@code len} bytes from {@code src} (not the APDU buffer); at most {@code max} bytes go out. */
    static void sendArray(APDU apdu, byte[] src, short off, short len, short max) {
        if (len <= 0) {
            return;
        }
        short n = outgoing(apdu, len, max);
        apdu.setOutgoingLength(n);
        apdu.sendBytesLong(src, off, n);
    }
}
