package org.scagent.jcsubset.samples.good;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/** A small but real applet that stays inside the Java Card 3.0.4 classic subset. */
public final class GoodApplet extends Applet {
    private static final short BUF_LEN = 32;
    private static final byte INS_COUNT = (byte) 0x10;
    private static final byte INS_SUM = (byte) 0x20;
    private static final byte INS_STORE = (byte) 0x30;

    private final byte[] buffer;
    private final byte[] scratch;
    private final short[] shorts;
    private final boolean[] flags;
    private final GoodException error;
    private short counter;

    private GoodApplet(byte[] params, short offset, byte length) {
        buffer = new byte[BUF_LEN];
        shorts = new short[4];
        flags = new boolean[1];
        error = new GoodException((short) 0x6F01);
        scratch = JCSystem.makeTransientByteArray((short) 16, JCSystem.CLEAR_ON_DESELECT);
        if (length > 0) {
            Util.arrayCopyNonAtomic(params, offset, buffer, (short) 0, (short) (length & 0x1F));
        }
        register();
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        byte[] copy = new byte[bLength];
        Util.arrayCopyNonAtomic(bArray, bOffset, copy, (short) 0, bLength);
        new GoodApplet(copy, (short) 0, bLength);
    }

    @Override
    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        switch (buf[ISO7816.OFFSET_INS]) {
            case INS_COUNT:
                counter = (short) (counter + 1);
                flags[0] = !flags[0];
                Util.setShort(buf, (short) 0, counter);
                apdu.setOutgoingAndSend((short) 0, (short) 2);
                return;
            case INS_SUM:
                short sum = 0;
                for (short i = 0; i < BUF_LEN; i++) {
                    sum = (short) (sum + (buffer[i] & 0xFF));
                }
                shorts[0] = (short) ((sum << 1) | (sum >>> 15));
                Util.setShort(buf, (short) 0, shorts[0]);
                apdu.setOutgoingAndSend((short) 0, (short) 2);
                return;
            case INS_STORE:
                short len = apdu.setIncomingAndReceive();
                if (len > BUF_LEN) {
                    ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
                }
                try {
                    Util.arrayCopy(buf, ISO7816.OFFSET_CDATA, scratch, (short) 0, len);
                } catch (ArrayIndexOutOfBoundsException e) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
                if (scratch[0] == (byte) 0xFF) {
                    error.reason = len;
                    throw error;
                }
                return;
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
    }

    /** A preallocated exception of our own, built from an allowed java.lang exception class. */
    static final class GoodException extends RuntimeException {
        short reason;

        GoodException(short reason) {
            this.reason = reason;
        }
    }
}
