package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.SystemException;
import javacard.framework.Util;

/**
 * The state of the one pending command chain (ISO 7816-4 5.3.3), and a receive buffer for the chains that need
 * one (ECHO, SIGN CSR). Chains whose data goes straight to persistent memory (the certificate, NAF anchors) use
 * only the state: the byte count and which command the chain belongs to (INS and P1-P2).
 *
 * Fail-closed: {@link #checkout} runs for every command before dispatch and takes the pending chain off. A command
 * that continues or starts a chain puts it back with {@link #suspend} only once it has succeeded, so any error,
 * any other command, deselect and reset drop the chain. The state is transient (CLEAR_ON_DESELECT).
 *
 * The data array is CLEAR_ON_DESELECT transient memory when the card has enough RAM at install, otherwise
 * persistent memory (same behaviour, slower and with EEPROM wear).
 */
final class ChainBuffer {
    private static final short S_ACTIVE = 0;  // non-zero: a chain is pending
    private static final short S_LEN = 1;     // bytes received so far
    private static final short S_INS = 2;     // INS of the pending chain (0..255)
    private static final short S_P1P2 = 3;    // P1-P2 of the pending chain
    private static final short S_CURRENT = 4; // set by checkout(): what the current command continues, -1 if none
    private static final short STATE_LEN = 5;

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
        state = JCSystem.makeTransientShortArray(STATE_LEN, JCSystem.CLEAR_ON_DESELECT);
        abort();
    }

    byte[] data() {
        return data;
    }

    /**
     * Takes the pending chain off. If it belongs to {@code ins} and {@code p1p2}, {@link #current()} then returns
     * the number of bytes it has received, else -1 (the current command starts afresh).
     */
    void checkout(byte ins, short p1p2) {
        short cur = -1;
        if (state[S_ACTIVE] != 0 && state[S_INS] == (short) (ins & 0xFF) && state[S_P1P2] == p1p2) {
            cur = state[S_LEN];
        }
        state[S_ACTIVE] = 0;
        state[S_LEN] = 0;
        state[S_CURRENT] = cur;
    }

    /** The byte count of the chain the current command continues, or -1 if it continues none. */
    short current() {
        return state[S_CURRENT];
    }

    /** Puts the chain back as pending after a successful non-last command; {@code len} bytes received in all. */
    void suspend(byte ins, short p1p2, short len) {
        state[S_LEN] = len;
        state[S_INS] = (short) (ins & 0xFF);
        state[S_P1P2] = p1p2;
        state[S_ACTIVE] = 1;
    }

    /** Drops any pending chain. */
    void abort() {
        state[S_ACTIVE] = 0;
        state[S_LEN] = 0;
        state[S_CURRENT] = -1;
    }

    /**
     * Receives the data field of the current command into the buffer after the first {@code len} bytes and
     * returns the new total. More than the capacity: 6700.
     */
    short receive(APDU apdu, short len) {
        byte[] buf = apdu.getBuffer();
        short got = apdu.setIncomingAndReceive();
        short nc = apdu.getIncomingLength();
        if (nc > (short) (data.length - len)) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        short off = apdu.getOffsetCdata();
        while (got > 0) {
            Util.arrayCopyNonAtomic(buf, off, data, len, got);
            len = (short) (len + got);
            got = apdu.receiveBytes(off);
        }
        return len;
    }

    /** Appends {@code n} bytes of {@code src} after the first {@code len} bytes; returns the new total. Overflow: 6700. */
    short put(byte[] src, short off, short n, short len) {
        if (n > (short) (data.length - len)) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        return Util.arrayCopyNonAtomic(src, off, data, len, n);
    }
}
