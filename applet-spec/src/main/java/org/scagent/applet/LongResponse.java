package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;

/**
 * Responses longer than one short APDU allows, sent in parts with applet-level 61xx / GET RESPONSE (SPEC.md §3,
 * "Long responses"). Used by every answer of the BCAST identity capability.
 *
 * A response is a transient head (built per command in {@link #head()}: fields, signature, public key, ...)
 * followed by an optional persistent tail (the certificate, an anchor slot; or a {@link ResponseSource} that
 * assembles its bytes on demand: the DM server list, the log window), named by a small id registered at install so
 * that no array reference is stored per APDU. The pending state (lengths, tail id and offset, bytes
 * sent) is a CLEAR_ON_DESELECT short array: nothing persistent is written per APDU, and deselect or reset drop it.
 *
 * Per part: Ne from the command's Le (absent: 256); the part is min(Ne, remaining) bytes, at most 32767; if bytes
 * remain the status is 61xx (xx = remaining, 00 when 256 or more remain), else 9000. Every command that answers
 * through here is either wrapped (always a short APDU) or case 2 (its data field is never received, so the APDU
 * form is only known from Ne: above 256 it can only be an extended APDU).
 */
final class LongResponse {
    private static final short P_HEAD_LEN = 0;
    private static final short P_TAIL_ID = 1;
    private static final short P_TAIL_OFF = 2;
    private static final short P_TAIL_LEN = 3;
    private static final short P_SENT = 4;
    private static final short P_LEN = 5;

    private final byte[] head;
    private final short[] pending;
    /** Tail sources by id (index); entry 0 is "no tail". */
    private final Object[] tails;

    LongResponse(short headCapacity, byte tailIds) {
        head = JCSystem.makeTransientByteArray(headCapacity, JCSystem.CLEAR_ON_DESELECT);
        pending = JCSystem.makeTransientShortArray(P_LEN, JCSystem.CLEAR_ON_DESELECT);
        tails = new Object[(short) (tailIds + 1)];
    }

    /** Registers the persistent array a tail id stands for (install time only). */
    void registerTail(byte id, byte[] src) {
        tails[id] = src;
    }

    /** Registers the source a tail id stands for (install time only). */
    void registerTail(byte id, ResponseSource src) {
        tails[id] = src;
    }

    /** The transient head buffer; callers build the head (and use the rest as scratch) before {@link #send}. */
    byte[] head() {
        return head;
    }

    /** Drops the pending response, if any (the head holds only public data: it is not wiped). */
    void drop() {
        pending[P_HEAD_LEN] = 0;
        pending[P_TAIL_ID] = 0;
        pending[P_TAIL_OFF] = 0;
        pending[P_TAIL_LEN] = 0;
        pending[P_SENT] = 0;
    }

    /**
     * Sends head[0..headLen) followed by {@code tailLen} bytes of tail {@code tailId} from {@code tailOff}: the
     * first part now, the rest on GET RESPONSE.
     */
    void send(APDU apdu, short headLen, byte tailId, short tailOff, short tailLen) {
        pending[P_HEAD_LEN] = headLen;
        pending[P_TAIL_ID] = tailId;
        pending[P_TAIL_OFF] = tailOff;
        pending[P_TAIL_LEN] = tailLen;
        pending[P_SENT] = 0;
        sendPart(apdu);
    }

    /** Sends head[0..headLen) only. */
    void send(APDU apdu, short headLen) {
        send(apdu, headLen, (byte) 0, (short) 0, (short) 0);
    }

    /** GET RESPONSE {@code 00 C0 00 00 Le}: the next part. Nothing pending: 6985; P1-P2 other than 0000: 6A86. */
    void getResponse(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P1] != Contract.GET_RESPONSE_P1_00 || buf[ISO7816.OFFSET_P2] != Contract.GET_RESPONSE_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (remaining() <= 0) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        sendPart(apdu);
    }

    private short remaining() {
        return (short) (pending[P_HEAD_LEN] + pending[P_TAIL_LEN] - pending[P_SENT]);
    }

    /**
     * Sends the next part. Ne 0 means no Le: 256 (jCardSim also reports an extended Le of 0000 as 0, where a card
     * reports 32767; SPEC.md §11).
     */
    private void sendPart(APDU apdu) {
        short rem = remaining();
        short ne = apdu.setOutgoing();
        if (ne <= 0) {
            ne = Contract.SHORT_LE_MAX;
        }
        short n = rem < ne ? rem : ne;
        apdu.setOutgoingLength(n);
        short sent = pending[P_SENT];
        short headLen = pending[P_HEAD_LEN];
        if (sent < headLen) {
            short k = (short) (headLen - sent);
            if (k > n) {
                k = n;
            }
            apdu.sendBytesLong(head, sent, k);
            sent = (short) (sent + k);
            n = (short) (n - k);
        }
        if (n > 0) {
            Object tail = tails[pending[P_TAIL_ID]];
            short pos = (short) (pending[P_TAIL_OFF] + sent - headLen);
            if (tail instanceof ResponseSource) {
                // assembled in the APDU buffer, 256 bytes at a time (jCardSim's sendBytes takes at most 258 from
                // the buffer of an extended command; every card's buffer holds at least 261)
                byte[] buf = apdu.getBuffer();
                short k = n;
                while (k > 0) {
                    short m = k < Contract.SHORT_LE_MAX ? k : Contract.SHORT_LE_MAX;
                    ((ResponseSource) tail).copy(pos, buf, (short) 0, m);
                    apdu.sendBytes((short) 0, m);
                    pos = (short) (pos + m);
                    k = (short) (k - m);
                }
            } else {
                apdu.sendBytesLong((byte[]) tail, pos, n);
            }
            sent = (short) (sent + n);
        }
        pending[P_SENT] = sent;
        rem = remaining();
        if (rem > 0) {
            ISOException.throwIt((short) (Contract.SW_BYTES_REMAINING | (rem >= Contract.SHORT_LE_MAX ? 0 : rem)));
        }
        drop();
    }
}
