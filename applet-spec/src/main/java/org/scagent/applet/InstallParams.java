package org.scagent.applet;

import javacard.framework.ISO7816;
import javacard.framework.ISOException;

/**
 * Parsing of the install data handed to {@code install(bArray, bOffset, bLength)}.
 *
 * GlobalPlatform layout: AID LV, privileges LV, application-parameters LV. The application parameters are
 * one-byte-tag one-byte-length TLVs ({@code [install]} in apdu/contract.toml). Everything is validated before the
 * applet allocates anything, so a malformed install leaves nothing behind (6A80). Static methods only: the install
 * data is read in place, nothing is allocated.
 */
final class InstallParams {
    static final byte DEFAULT_PIN_TRY_LIMIT = 3;
    static final byte MAX_PIN_TRY_LIMIT = 15;
    static final byte DEFAULT_KEY_VERSION = 1;
    static final byte MAX_KEY_VERSION = 127;
    /** First byte of the public test key 40 41 .. 4F. */
    static final byte TEST_KEY_FIRST = 0x40;
    static final short KEY_LEN = 16;
    static final short CARD_ID_LEN = 16;
    private static final short AID_MIN = 5;
    private static final short AID_MAX = 16;

    private InstallParams() {
    }

    /**
     * Checks the three LVs of the install data and returns the offset of the application-parameters length
     * byte, or -1 if the install data ends before it (absent privileges and/or parameters: defaults apply).
     * The LVs must fill {@code len} exactly.
     */
    static short locate(byte[] b, short off, short len) {
        short end = (short) (off + len);
        short aidLen = (short) (b[off] & 0xFF);
        if (aidLen < AID_MIN || aidLen > AID_MAX) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        short p = (short) (off + 1 + aidLen);
        if (p > end) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        if (p == end) {
            return -1;
        }
        p = (short) (p + 1 + (short) (b[p] & 0xFF)); // skip the privileges LV
        if (p > end) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        if (p == end) {
            return -1;
        }
        if ((short) (p + 1 + (short) (b[p] & 0xFF)) != end) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        return p;
    }

    /**
     * Validates the application parameters: known tags only, each at most once, exact lengths, values in range.
     * Anything else: 6A80.
     */
    static void validate(byte[] b, short off, short len) {
        short end = (short) (off + len);
        short seen = 0;
        short p = off;
        while (p < end) {
            if ((short) (p + 2) > end) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            byte tag = b[p];
            short l = (short) (b[(short) (p + 1)] & 0xFF);
            short v = (short) (p + 2);
            if ((short) (v + l) > end) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            switch (tag) {
                case Contract.INSTALL_PIN_TRY_LIMIT:
                    if (l != 1 || b[v] < 1 || b[v] > MAX_PIN_TRY_LIMIT) {
                        ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                    }
                    break;
                case Contract.INSTALL_ISSUER_KEY_VERSION:
                    if (l != 1 || b[v] < 1) { // a byte is at most 127: the upper bound holds by type
                        ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                    }
                    break;
                case Contract.INSTALL_ISSUER_KEY_ENC:
                case Contract.INSTALL_ISSUER_KEY_MAC:
                    if (l != KEY_LEN) {
                        ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                    }
                    break;
                case Contract.INSTALL_CARD_ID:
                    if (l != CARD_ID_LEN) {
                        ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                    }
                    break;
                default:
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            // the tags are C1..C5: one bit each
            short bit = (short) (1 << (short) (tag - Contract.INSTALL_PIN_TRY_LIMIT));
            if ((short) (seen & bit) != 0) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            seen = (short) (seen | bit);
            p = (short) (v + l);
        }
    }

    /** Offset of the value of {@code tag} in validated parameters, or -1 if absent. */
    static short find(byte[] b, short off, short len, byte tag) {
        short end = (short) (off + len);
        short p = off;
        while (p < end) {
            if (b[p] == tag) {
                return (short) (p + 2);
            }
            p = (short) (p + 2 + (short) (b[(short) (p + 1)] & 0xFF));
        }
        return -1;
    }

    /** The one-byte value of {@code tag}, or {@code dflt} if absent. */
    static byte byteValue(byte[] b, short off, short len, byte tag, byte dflt) {
        short v = find(b, off, len, tag);
        return v < 0 ? dflt : b[v];
    }
}
