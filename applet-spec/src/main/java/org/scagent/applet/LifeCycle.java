package org.scagent.applet;

import javacard.framework.ISO7816;
import javacard.framework.ISOException;

/**
 * The applet life-cycle state ({@code [lifecycle]} in the contract): SELECTABLE after install, PERSONALIZED after
 * the issuer's SET STATUS. The only transition is SELECTABLE -> PERSONALIZED. The state is one persistent byte
 * field, whose update is atomic on every Java Card (no transaction needed, no torn value possible).
 */
final class LifeCycle {
    private byte state;

    LifeCycle() {
        state = Contract.LIFECYCLE_SELECTABLE;
    }

    byte get() {
        return state;
    }

    /** SET STATUS to {@code target}: PERSONALIZED only (again from PERSONALIZED: no change, 9000); else 6A80. */
    void set(byte target) {
        if (target != Contract.LIFECYCLE_PERSONALIZED) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        if (state != target) {
            state = target;
        }
    }
}
