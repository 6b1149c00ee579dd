package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * The 19 bytes of BCAST_Client_ID fields (bcast-identity.md §2): IMEI (8) || TerminalFirmwareVersionNo (2) ||
 * ClientManufacturerCode (2) || ClientModelNo (2) || ClientSerialNo (3) || ClientSoftwareVersionNo (2), and whether
 * they have been written. Persistent. Every version change goes through {@link #raiseVersion}.
 */
final class BcastFields {
    private static final short IMEI_LEN = 8;
    private static final short OFF_FIRMWARE = 8;
    private static final short OFF_SOFTWARE = 17;
    private static final short VERSION_LEN = 2;
    /** IMEI octet 1, low nibble: odd/even indicator 1 (15 digits) and type of identity 010 (IMEI). */
    private static final byte IMEI_TYPE_ODD = 0x0A;

    private final byte[] fields;
    /** Transient source of the 2-byte version write (an atomic Util.arrayCopy needs a source array). */
    private final byte[] scratch;
    private boolean set;

    BcastFields() {
        fields = new byte[Contract.BCAST_FIELDS_LEN];
        scratch = JCSystem.makeTransientByteArray(VERSION_LEN, JCSystem.CLEAR_ON_DESELECT);
    }

    boolean isSet() {
        return set;
    }

    /** Copies the 19 bytes to out[off]; returns the offset after them. Only meaningful when {@link #isSet()}. */
    short read(byte[] out, short off) {
        return Util.arrayCopyNonAtomic(fields, (short) 0, out, off, Contract.BCAST_FIELDS_LEN);
    }

    /**
     * PUT DATA BCAST_FIELDS: stores the 19 bytes at src[off] after checking the IMEI (6A80). One atomic
     * Util.arrayCopy, then the "set" flag (a single field write): a tear leaves the old state.
     */
    void write(byte[] src, short off) {
        if (!imeiValid(src, off)) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        Util.arrayCopy(src, off, fields, (short) 0, Contract.BCAST_FIELDS_LEN);
        set = true;
    }

    /**
     * TS 24.008 §10.5.1.4 mobile identity of type IMEI: octet 1 = digit 1 in b8-b5, odd indicator and type 010 in
     * b4-b1; octets 2-8 = two digits each. Every digit 0-9. The Luhn check digit is the host's business.
     */
    static boolean imeiValid(byte[] b, short off) {
        if ((byte) (b[off] & 0x0F) != IMEI_TYPE_ODD || (short) ((b[off] >> 4) & 0x0F) > 9) {
            return false;
        }
        for (short i = 1; i < IMEI_LEN; i++) {
            byte v = b[(short) (off + i)];
            if ((short) (v & 0x0F) > 9 || (short) ((v >> 4) & 0x0F) > 9) {
                return false;
            }
        }
        return true;
    }

    /**
     * Raises a version: {@code which} = RAISE_VERSION P1 (01 TerminalFirmwareVersionNo, 02 ClientSoftwareVersionNo),
     * {@code value} compared unsigned. Strictly greater than the stored one, else 6A80 and nothing changes. No
     * fields yet: 6985. Unknown {@code which}: 6A86. The write is one 2-byte Util.arrayCopy (atomic).
     *
     * The single entry point for version changes: today the issuer's RAISE_VERSION; later also the DM
     * firmware-update capability, after it has verified a package (bcast-identity.md §6).
     */
    void raiseVersion(byte which, short value) {
        short off;
        if (which == Contract.RAISE_VERSION_P1_01) {
            off = OFF_FIRMWARE;
        } else if (which == Contract.RAISE_VERSION_P1_02) {
            off = OFF_SOFTWARE;
        } else {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
            return;
        }
        if (!set) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        if (!unsignedGreater(value, Util.getShort(fields, off))) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        Util.setShort(scratch, (short) 0, value);
        Util.arrayCopy(scratch, (short) 0, fields, off, VERSION_LEN);
    }

    /** The current version {@code which} (RAISE_VERSION P1: 01 firmware, 02 software); only when {@link #isSet()}. */
    short version(byte which) {
        return Util.getShort(fields, which == Contract.RAISE_VERSION_P1_01 ? OFF_FIRMWARE : OFF_SOFTWARE);
    }

    /** a > b, both read as unsigned 16-bit numbers (flipping the top bit maps 0..65535 onto -32768..32767). */
    static boolean unsignedGreater(short a, short b) {
        return (short) (a ^ (short) 0x8000) > (short) (b ^ (short) 0x8000);
    }
}
