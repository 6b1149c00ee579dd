package org.scagent.applet;

import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.OwnerPIN;

/**
 * The user PIN: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER (the issuer's part), status.
 *
 * PIN block (TS 31.101 format): 4..8 ASCII digits right-padded with FF to 8 bytes. The OwnerPIN stores the whole
 * block, so comparing blocks compares PINs. Malformed blocks are rejected before the try counter is touched.
 * Until the issuer personalizes a PIN (RESET RETRY COUNTER), VERIFY and CHANGE REFERENCE DATA answer 6985.
 */
final class UserPin {
    private static final byte PAD = (byte) 0xFF;

    private final OwnerPIN pin;
    private final byte tryLimit;
    /** Persistent: a PIN has been personalized. Written after the PIN value (see {@link #set}). */
    private boolean personalized;

    UserPin(byte tryLimit) {
        this.tryLimit = tryLimit;
        pin = new OwnerPIN(tryLimit, (byte) Contract.PIN_BLOCK_LEN);
    }

    /** True if {@code b[off..off+8)} is 4..8 ASCII digits followed by FF padding only. */
    static boolean isWellFormed(byte[] b, short off) {
        short digits = 0;
        boolean padding = false;
        for (short i = 0; i < Contract.PIN_BLOCK_LEN; i++) {
            byte c = b[(short) (off + i)];
            if (padding) {
                if (c != PAD) {
                    return false;
                }
            } else if (c >= (byte) '0' && c <= (byte) '9') {
                digits++;
            } else if (c == PAD) {
                padding = true;
            } else {
                return false;
            }
        }
        return digits >= Contract.PIN_MIN_DIGITS && digits <= Contract.PIN_MAX_DIGITS;
    }

    private static void checkBlock(byte[] b, short off) {
        if (!isWellFormed(b, off)) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
    }

    /** 6985 unless personalized, 6983 if blocked. */
    private void checkUsable() {
        if (!personalized) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        if (pin.getTriesRemaining() == 0) {
            ISOException.throwIt(Contract.SW_PIN_BLOCKED);
        }
    }

    /** 63Cx with x = tries left. */
    private void throwWrong() {
        ISOException.throwIt((short) (Contract.SW_PIN_TRIES_LEFT | (short) (pin.getTriesRemaining() & 0x0F)));
    }

    boolean isValidated() {
        return pin.isValidated();
    }

    /** VERIFY with the data field b[off..off+len): a PIN block, or empty to ask for the status. */
    void verify(byte[] b, short off, short len) {
        if (len == 0) {
            if (!personalized) {
                ISOException.throwIt(Contract.SW_CONDITIONS);
            }
            if (pin.isValidated()) {
                return;
            }
            if (pin.getTriesRemaining() == 0) {
                ISOException.throwIt(Contract.SW_PIN_BLOCKED);
            }
            throwWrong();
        }
        if (len != Contract.PIN_BLOCK_LEN) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        checkBlock(b, off);
        checkUsable();
        if (!pin.check(b, off, (byte) Contract.PIN_BLOCK_LEN)) {
            throwWrong();
        }
    }

    /** CHANGE REFERENCE DATA with old block || new block. A wrong old PIN counts as a failed VERIFY. */
    void change(byte[] b, short off, short len) {
        if (len != (short) (2 * Contract.PIN_BLOCK_LEN)) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        short newOff = (short) (off + Contract.PIN_BLOCK_LEN);
        checkBlock(b, off);
        checkBlock(b, newOff);
        checkUsable();
        if (!pin.check(b, off, (byte) Contract.PIN_BLOCK_LEN)) {
            throwWrong();
        }
        set(b, newOff);
        // update() clears the validated flag; a check of the new value (cannot fail) sets it again
        pin.check(b, newOff, (byte) Contract.PIN_BLOCK_LEN);
    }

    /** RESET RETRY COUNTER (issuer): set a new PIN, reset the try counter, unblock. Leaves the PIN unverified. */
    void reset(byte[] b, short off, short len) {
        if (len != Contract.PIN_BLOCK_LEN) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        checkBlock(b, off);
        set(b, off);
    }

    /**
     * Writes a new PIN value and marks the PIN personalized, atomically on a card with transactions. Without
     * rollback (jCardSim) the order keeps a torn write safe: the flag is set only after the value is complete.
     */
    private void set(byte[] b, short off) {
        boolean own = JCSystem.getTransactionDepth() == 0;
        if (own) {
            JCSystem.beginTransaction();
        }
        pin.update(b, off, (byte) Contract.PIN_BLOCK_LEN);
        personalized = true;
        if (own) {
            JCSystem.commitTransaction();
        }
    }

    /** Forgets the verification (deselect). */
    void deselect() {
        pin.reset();
    }

    /** PIN_STATUS value: tries left, try limit, flags. Returns the offset after it. */
    short status(byte[] out, short off) {
        byte tries = pin.getTriesRemaining();
        byte flags = 0;
        if (pin.isValidated()) {
            flags |= Contract.PIN_FLAG_VERIFIED;
        }
        if (personalized && tries == 0) {
            flags |= Contract.PIN_FLAG_BLOCKED;
        }
        if (personalized) {
            flags |= Contract.PIN_FLAG_SET;
        }
        out[off] = tries;
        out[(short) (off + 1)] = tryLimit;
        out[(short) (off + 2)] = flags;
        return (short) (off + 3);
    }
}
