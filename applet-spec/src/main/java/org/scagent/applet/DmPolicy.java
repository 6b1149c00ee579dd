package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * The policy for DM servers that are not authorized (dm-firmware.md §2) and its flags: two persistent bytes, written
 * together by one atomic {@code Util.arrayCopy}. Default WARN_CONFIRM, no flags.
 */
final class DmPolicy {
    static final short LEN = 2;
    private static final byte KNOWN_FLAGS = (byte) (Contract.DM_POLICY_FLAG_TOKEN_REQUIRED
            | Contract.DM_POLICY_FLAG_BOOTSTRAP_ADD);

    private final byte[] value;
    /** Transient source of the atomic write. */
    private final byte[] scratch;

    DmPolicy() {
        value = new byte[LEN];
        value[0] = Contract.DM_POLICY_WARN_CONFIRM;
        scratch = JCSystem.makeTransientByteArray(LEN, JCSystem.CLEAR_ON_DESELECT);
    }

    byte policy() {
        return value[0];
    }

    boolean tokenRequired() {
        return (byte) (value[1] & Contract.DM_POLICY_FLAG_TOKEN_REQUIRED) != 0;
    }

    /** DM_POLICY_SET P1 = policy, P2 = flags: an unknown policy or flag is 6A86. */
    static void checkParams(byte policy, byte flags) {
        if (policy < Contract.DM_POLICY_DENY || policy > Contract.DM_POLICY_CONFIRM_PIN
                || (byte) (flags & ~KNOWN_FLAGS) != 0) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
    }

    void set(byte policy, byte flags) {
        scratch[0] = policy;
        scratch[1] = flags;
        Util.arrayCopy(scratch, (short) 0, value, (short) 0, LEN);
    }

    /** The BOOTSTRAP_ADD flag: a server from a verified DM bootstrap may be added (DMBOOT_SERVER_ADD). */
    boolean bootstrapAdd() {
        return (byte) (value[1] & Contract.DM_POLICY_FLAG_BOOTSTRAP_ADD) != 0;
    }

    /** DM_POLICY: policy (1) || flags (1). */
    short read(byte[] out, short off) {
        return Util.arrayCopyNonAtomic(value, (short) 0, out, off, LEN);
    }
}
