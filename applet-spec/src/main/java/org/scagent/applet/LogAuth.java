package org.scagent.applet;

import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * The DM server role (dm-firmware.md §5): a pending challenge and, after LOG_AUTH, the authenticated slot. In
 * CLEAR_ON_DESELECT memory: deselect and reset drop the role; so does a new LOG_AUTH_BEGIN.
 * <pre>state (NONE / CHALLENGED / AUTHENTICATED) | slot | challenge (16)</pre>
 */
final class LogAuth {
    private static final byte NONE = 0;
    private static final byte CHALLENGED = 1;
    private static final byte AUTHENTICATED = 2;
    private static final short STATE = 0;
    private static final short SLOT = 1;
    static final short CHALLENGE = 2;
    private static final short LEN = (short) (CHALLENGE + Contract.DM_CHALLENGE_LEN);

    private final byte[] s;

    LogAuth() {
        s = JCSystem.makeTransientByteArray(LEN, JCSystem.CLEAR_ON_DESELECT);
    }

    /** Holds the challenge (from {@link #CHALLENGE}). */
    byte[] bytes() {
        return s;
    }

    boolean authenticated() {
        return s[STATE] == AUTHENTICATED;
    }

    /** True if a challenge for {@code slot} is pending. */
    boolean challenged(byte slot) {
        return s[STATE] == CHALLENGED && s[SLOT] == slot;
    }

    /** Drops the role and any challenge. */
    void drop() {
        Util.arrayFillNonAtomic(s, (short) 0, LEN, (byte) 0);
    }

    /** A challenge (already in place at {@link #CHALLENGE}) is now pending for {@code slot}. */
    void challenge(byte slot) {
        s[SLOT] = slot;
        s[STATE] = CHALLENGED;
    }

    /** The pending challenge was answered correctly: the role is held. */
    void grant() {
        s[STATE] = AUTHENTICATED;
    }
}
