package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.SystemException;
import javacard.framework.Util;

/**
 * Receive buffer for command chaining (ISO 7816-4 5.3.3) and extended-length data fields larger than the APDU
 * buffer. Holds the data of one pending chain; the chain state is transient (CLEAR_ON_DESELECT), so deselect and
 * reset drop it.
 *
 * The data array is CLEAR_ON_DESELECT transient memory when the card has enough RAM at install, otherwise
 * persistent memory (same behaviour, slower and with EEPROM wear; it only carries ECHO diagnostics).
 */
final class ChainBuffer {
    private static final short S_LEN = 0; // bytes received so far
    private static final short S_INS = 1; // INS of the pending chain (0..255), -1 if none

    private final byte[] data;
    private final short[] state;

    ChainBuffer(short capacity) {
        byte[] d;
        try {
            d = JCSystem.makeTransientByteArray(capacity, JCSystem.CLEAR_ON_DESELECT);
        } catch (SystemException e) {
            d = new byte[capacity];
        }
        data = d;
        state = JCSystem.makeTransientShortArray((short) 2, JCSystem.CLEAR_ON_DESELECT);
        abort();
    }

    byte[] data() {
        return data;
    }

    short length() {
        return state[S_LEN];
    }

    /**
     * True if a chain of {@code ins} is pending. A deselect zeroes the state (INS 00, never chained), which
     * also reads as "none".
     */
    boolean isPending(byte ins) {
        return ins != 0 && state[S_INS] == (short) (ins & 0xFF);
    }

    /** Drops any pending chain. */
    void abort() {
        state[S_LEN] = 0;
        state[S_INS] = -1;
    }

    /** Starts collecting a chain (or a single command) of {@code ins}. */
    void start(byte ins) {
        state[S_LEN] = 0;
        state[S_INS] = (short) (ins & 0xFF);
    }

    /**
     * Appends the data field of the current command. If the total would exceed the capacity, the chain is
     * dropped and 6700 is thrown.
     */
    void append(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        short got = apdu.setIncomingAndReceive();
        short nc = apdu.getIncomingLength();
        short len = state[S_LEN];
        if (nc > (short) (data.length - len)) {
            abort();
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        short off = apdu.getOffsetCdata();
        while (got > 0) {
            Util.arrayCopyNonAtomic(buf, off, data, len, got);
            len = (short) (len + got);
            got = apdu.receiveBytes(off);
        }
        state[S_LEN] = len;
    }
}
