package org.scagent.applet;

import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * The data objects of GET DATA and the FCI returned by SELECT. Values are written into a caller's buffer; nothing
 * here keeps state except the card identity (persistent, from install) and a small transient buffer for the
 * memory query.
 */
final class CardInfo {
    private static final short CAPABILITIES_LEN = 4;
    private static final short VERSION_LEN = 4;
    private static final short FREE_MEMORY_LEN = 12;
    private static final short PIN_STATUS_LEN = 3;
    private static final short LIFECYCLE_LEN = 1;
    private static final short ISSUER_KEY_INFO_LEN = 2;

    private final byte[] cardId;
    /** getAvailableMemory(short[], ...) result: high and low 16 bits. */
    private final short[] mem;
    private final UserPin pin;
    private final IssuerChannel issuer;
    private final LifeCycle life;
    private final BcastIdentity bcast;

    CardInfo(byte[] b, short cardIdOff, UserPin pin, IssuerChannel issuer, LifeCycle life, BcastIdentity bcast) {
        cardId = new byte[InstallParams.CARD_ID_LEN];
        if (cardIdOff >= 0) {
            Util.arrayCopy(b, cardIdOff, cardId, (short) 0, InstallParams.CARD_ID_LEN);
        }
        mem = JCSystem.makeTransientShortArray((short) 2, JCSystem.CLEAR_ON_DESELECT);
        this.pin = pin;
        this.issuer = issuer;
        this.life = life;
        this.bcast = bcast;
    }

    /** The card identity (16 bytes) at out[off]; returns the offset after it. */
    short cardId(byte[] out, short off) {
        return Util.arrayCopyNonAtomic(cardId, (short) 0, out, off, InstallParams.CARD_ID_LEN);
    }

    /**
     * Writes the value of the data object {@code tag} at {@code out[off]} and returns the offset after it, or -1
     * if {@code tag} is not a GET DATA tag.
     */
    short value(short tag, byte[] out, short off) {
        switch (tag) {
            case Contract.TAG_VERSION:
                out[off] = Contract.APPLET_VERSION_MAJOR;
                out[(short) (off + 1)] = Contract.APPLET_VERSION_MINOR;
                out[(short) (off + 2)] = Contract.APPLET_VERSION_PATCH;
                out[(short) (off + 3)] = Contract.CONTRACT_VERSION;
                return (short) (off + VERSION_LEN);
            case Contract.TAG_CAPABILITIES:
                Util.arrayFillNonAtomic(out, off, CAPABILITIES_LEN, (byte) 0);
                setBit(out, off, Contract.CAP_BIT_PIN);
                setBit(out, off, Contract.CAP_BIT_ISSUER_AUTH);
                setBit(out, off, Contract.CAP_BIT_EXTENDED_LENGTH);
                setBit(out, off, Contract.CAP_BIT_CHAINING);
                setBit(out, off, Contract.CAP_BIT_BCAST_IDENTITY);
                setBit(out, off, Contract.CAP_BIT_DM_FIRMWARE);
                setBit(out, off, Contract.CAP_BIT_MBMS_GBA_U);
                setBit(out, off, Contract.CAP_BIT_MBMS_KEYS);
                setBit(out, off, Contract.CAP_BIT_DM_BOOTSTRAP);
                return (short) (off + CAPABILITIES_LEN);
            case Contract.TAG_FREE_MEMORY:
                off = freeMemory(JCSystem.MEMORY_TYPE_PERSISTENT, out, off);
                off = freeMemory(JCSystem.MEMORY_TYPE_TRANSIENT_RESET, out, off);
                return freeMemory(JCSystem.MEMORY_TYPE_TRANSIENT_DESELECT, out, off);
            case Contract.TAG_PIN_STATUS:
                return pin.status(out, off);
            case Contract.TAG_CARD_ID:
                return Util.arrayCopyNonAtomic(cardId, (short) 0, out, off, InstallParams.CARD_ID_LEN);
            case Contract.TAG_LIFECYCLE:
                out[off] = life.get();
                return (short) (off + LIFECYCLE_LEN);
            case Contract.TAG_ISSUER_KEY_INFO:
                out[off] = issuer.keyVersion();
                out[(short) (off + 1)] = IssuerChannel.SCP_ID;
                return (short) (off + ISSUER_KEY_INFO_LEN);
            case Contract.TAG_BCAST_STATUS:
                return bcast.status(out, off);
            case Contract.TAG_INFO_ALL:
                off = tlv(Contract.TAG_VERSION, VERSION_LEN, out, off);
                off = tlv(Contract.TAG_CAPABILITIES, CAPABILITIES_LEN, out, off);
                off = tlv(Contract.TAG_FREE_MEMORY, FREE_MEMORY_LEN, out, off);
                off = tlv(Contract.TAG_PIN_STATUS, PIN_STATUS_LEN, out, off);
                off = tlv(Contract.TAG_CARD_ID, InstallParams.CARD_ID_LEN, out, off);
                off = tlv(Contract.TAG_LIFECYCLE, LIFECYCLE_LEN, out, off);
                off = tlv(Contract.TAG_ISSUER_KEY_INFO, ISSUER_KEY_INFO_LEN, out, off);
                return tlv(Contract.TAG_BCAST_STATUS, BcastIdentity.STATUS_LEN, out, off);
            default:
                return -1;
        }
    }

    /** One TLV of INFO_ALL and the FCI: 2-byte tag, 1-byte length (< 128, so also valid BER-TLV), value. */
    private short tlv(short tag, short len, byte[] out, short off) {
        Util.setShort(out, off, tag);
        out[(short) (off + 2)] = (byte) len;
        return value(tag, out, (short) (off + 3));
    }

    /**
     * Free bytes of one memory type, 4 bytes big-endian. Uses the 32-bit query of JC 3.0.4; when the runtime
     * leaves the buffer untouched (jCardSim implements it as a no-op) it falls back to the 16-bit query, which
     * saturates at 32767.
     */
    private short freeMemory(byte type, byte[] out, short off) {
        mem[0] = -1;
        mem[1] = -1;
        JCSystem.getAvailableMemory(mem, (short) 0, type);
        if (mem[0] == -1 && mem[1] == -1) {
            mem[0] = 0;
            mem[1] = JCSystem.getAvailableMemory(type);
        }
        Util.setShort(out, off, mem[0]);
        Util.setShort(out, (short) (off + 2), mem[1]);
        return (short) (off + 4);
    }

    /** Sets bit number {@code bit} of the 32-bit big-endian map at out[off..off+4). */
    private static void setBit(byte[] out, short off, byte bit) {
        short i = (short) (off + 3 - (bit >> 3));
        out[i] = (byte) (out[i] | (byte) (1 << (bit & 7)));
    }

    /** The FCI proprietary template content: VERSION and CAPABILITIES TLVs. Returns the offset after it. */
    short fciProprietary(byte[] out, short off) {
        off = tlv(Contract.TAG_VERSION, VERSION_LEN, out, off);
        return tlv(Contract.TAG_CAPABILITIES, CAPABILITIES_LEN, out, off);
    }
}
