package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.framework.Util;

/**
 * Every persistent write of the firmware-update log goes through here (the record, its chain hash, the state block,
 * the selector byte, and the version raise of an install): one place where the tests can simulate a power loss.
 *
 * In production the countdown is 0 and never changes: no APDU reaches {@link #arm}, only JUnit calls it (same
 * package). Armed with n, the first n writes complete and the next one is torn: half of its bytes are written (the
 * worst a card without rollback could leave; on a card each {@code Util.arrayCopy} is atomic anyway), then an
 * exception ends the command as a power loss would. The test then resets the simulator and reselects.
 *
 * Writes use {@code Util.arrayCopy}, so on a card they take part in the caller's transaction.
 */
final class NvWriter {
    /** 0: off. Otherwise 1 + the number of writes still allowed before the torn one. */
    private short countdown;

    /** Test hook: let {@code writes} writes complete, tear the next one. */
    void arm(short writes) {
        countdown = (short) (writes + 1);
    }

    /** Test hook: no fault (the production state). */
    void disarm() {
        countdown = 0;
    }

    /** True while a fault is armed and has not fired (tests use it to know an operation ran to its end). */
    boolean armed() {
        return countdown != 0;
    }

    /** dst[dOff..+len) := src[sOff..+len), atomically on a card. */
    void copy(byte[] src, short sOff, byte[] dst, short dOff, short len) {
        if (tearNow()) {
            short half = (short) (len >> 1);
            if (half > 0) {
                Util.arrayCopyNonAtomic(src, sOff, dst, dOff, half);
            }
            powerLoss();
        }
        Util.arrayCopy(src, sOff, dst, dOff, len);
    }

    /** dst[off] := v (a single byte: atomic on every card, so a tear leaves it unwritten). */
    void writeByte(byte[] dst, short off, byte v) {
        if (tearNow()) {
            powerLoss();
        }
        dst[off] = v;
    }

    /**
     * Counts a write done by another class (the version raise through BcastIdentity, a 2-byte atomic copy): a tear
     * there means it did not happen.
     */
    void step() {
        if (tearNow()) {
            powerLoss();
        }
    }

    private boolean tearNow() {
        if (countdown == 0) {
            return false;
        }
        countdown--;
        return countdown == 0;
    }

    /** The simulated power loss: the command ends here with no further write (6F00 on jCardSim). */
    private static void powerLoss() {
        ISOException.throwIt(Contract.SW_UNKNOWN);
    }
}
