package org.scagent.applet;

import javacard.framework.Util;

/**
 * The firmware-update session (dm-firmware.md §4): everything between DM_CHECK_SERVER and the end of an install.
 * Persistent: a terminal verifies the package, reboots into its installer and only then reports the outcome, so
 * the session survives deselect, reset and power loss. A new DM_CHECK_SERVER replaces it; FU_REPORT installed or
 * failed ends it. Its writes are not atomic on purpose: a torn write at worst spoils the session (the terminal
 * checks the server again), never the log, whose commit rules are FuLog's.
 * <pre>
 * state (FU_STATE) | flags | server slot (FF none) | permissions | reason | time (4) | id_len | id (64) |
 * kind | originator slot | from (2) | to (2) | size (8) | package SHA-256 (32) | manifest seq (4)
 * </pre>
 * The manifest fields are copied in when a manifest is verified (state MANIFEST_OK).
 */
final class FuSession {
    static final short STATE = 0;
    static final short FLAGS = 1;
    static final short SLOT = 2;
    static final short PERMS = 3;
    static final short REASON = 4;
    static final short TIME = 5;
    static final short ID_LEN = 9;
    static final short ID = 10;
    static final short KIND = (short) (ID + Contract.DM_ID_MAX);
    static final short ORIGIN = (short) (KIND + 1);
    static final short FROM = (short) (ORIGIN + 1);
    static final short TO = (short) (FROM + 2);
    static final short SIZE = (short) (TO + 2);
    static final short SHA = (short) (SIZE + 8);
    static final short SEQ = (short) (SHA + 32);
    private static final short LEN = (short) (SEQ + 4);
    /** Where the manifest part starts (cleared when a new manifest is verified or the session ends). */
    private static final short MANIFEST_PART = KIND;

    // flags (also the record's flags byte, dm-firmware.md §3.1)
    static final byte F_AUTHORIZED = 0x01;
    static final byte F_CONFIRMED = 0x02;
    static final byte F_TOKEN = 0x04;
    static final byte F_HASHED = 0x08;

    private final byte[] s;

    FuSession() {
        s = new byte[LEN];
    }

    byte[] bytes() {
        return s;
    }

    byte state() {
        return s[STATE];
    }

    void setState(byte state) {
        s[STATE] = state;
    }

    boolean has(byte flag) {
        return (byte) (s[FLAGS] & flag) != 0;
    }

    void set(byte flag) {
        s[FLAGS] = (byte) (s[FLAGS] | flag);
    }

    void clear(byte flag) {
        s[FLAGS] = (byte) (s[FLAGS] & ~flag);
    }

    /** Ends the session (state NONE, everything zero). */
    void end() {
        Util.arrayFillNonAtomic(s, (short) 0, LEN, (byte) 0);
    }

    /** Drops the manifest and the package check: back to CHECKED with the server's flags only. */
    void dropManifest() {
        Util.arrayFillNonAtomic(s, MANIFEST_PART, (short) (LEN - MANIFEST_PART), (byte) 0);
        clear((byte) (F_TOKEN | F_HASHED));
        s[STATE] = Contract.FU_STATE_CHECKED;
    }

    /** True if the session's server id is id[off..+len). */
    boolean isServer(byte[] id, short off, short len) {
        return s[STATE] != Contract.FU_STATE_NONE && (short) (s[ID_LEN] & 0xFF) == len
                && Util.arrayCompare(s, ID, id, off, len) == 0;
    }

    /** FU_SESSION: state || flags || id_len || id. */
    short read(byte[] out, short off) {
        out[off] = s[STATE];
        out[(short) (off + 1)] = s[FLAGS];
        short n = (short) (s[ID_LEN] & 0xFF);
        out[(short) (off + 2)] = (byte) n;
        return Util.arrayCopyNonAtomic(s, ID, out, (short) (off + 3), n);
    }
}
