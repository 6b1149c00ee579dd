package org.scagent.emu.standin;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * A tiny applet to test the bridge without the real one. Installed like the real applet (GlobalPlatform install
 * data: AID LV, privileges LV, application parameters LV). Commands (CLA 80):
 * <ul>
 * <li>10 COUNT: increments a persistent and a CLEAR_ON_RESET counter, returns persistent (2) || transient (1)</li>
 * <li>12 PARAMS: returns the application parameters from the install data</li>
 * <li>14 BYTES: returns P1P2 bytes 00 01 02 ... (up to 256)</li>
 * <li>16 WARN: returns 2 bytes CA FE with SW 6283</li>
 * <li>EE ECHO: returns the command data</li>
 * </ul>
 * SELECT returns 6F LL 84 LL AID. A command that still carries channel bits in its CLA gets 6F01: the bridge
 * must strip them.
 */
public class StandInApplet extends Applet {
    /** Number of deselect() calls, for tests (one simulator at a time in the test JVM). */
    public static volatile int deselects;

    private final byte[] params;
    private short persistentCount;
    private final byte[] transientCount;

    private StandInApplet(byte[] b, short off) {
        short p = off;
        p += (short) (1 + b[p]);           // AID LV
        p += (short) (1 + b[p]);           // privileges LV
        short len = b[p];
        params = new byte[len];
        Util.arrayCopyNonAtomic(b, (short) (p + 1), params, (short) 0, len);
        transientCount = JCSystem.makeTransientByteArray((short) 1, JCSystem.CLEAR_ON_RESET);
        register(b, (short) (off + 1), b[off]);
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new StandInApplet(bArray, bOffset);
    }

    @Override
    public void deselect() {
        deselects++;
    }

    @Override
    public void process(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if (selectingApplet()) {
            byte len = JCSystem.getAID().getBytes(buf, (short) 4);
            buf[0] = 0x6F;
            buf[1] = (byte) (len + 2);
            buf[2] = (byte) 0x84;
            buf[3] = len;
            apdu.setOutgoingAndSend((short) 0, (short) (len + 4));
            return;
        }
        if ((buf[ISO7816.OFFSET_CLA] & 0x03) != 0) {
            ISOException.throwIt((short) 0x6F01);
        }
        switch (buf[ISO7816.OFFSET_INS]) {
            case 0x10:
                persistentCount++;
                transientCount[0]++;
                Util.setShort(buf, (short) 0, persistentCount);
                buf[2] = transientCount[0];
                apdu.setOutgoingAndSend((short) 0, (short) 3);
                return;
            case 0x12:
                Util.arrayCopyNonAtomic(params, (short) 0, buf, (short) 0, (short) params.length);
                apdu.setOutgoingAndSend((short) 0, (short) params.length);
                return;
            case 0x14: {
                short n = Util.getShort(buf, ISO7816.OFFSET_P1);
                if (n > 256) {
                    ISOException.throwIt(ISO7816.SW_WRONG_P1P2);
                }
                for (short i = 0; i < n; i++) {
                    buf[i] = (byte) i;
                }
                apdu.setOutgoing();
                apdu.setOutgoingLength(n);
                apdu.sendBytes((short) 0, n);
                return;
            }
            case 0x16:
                buf[0] = (byte) 0xCA;
                buf[1] = (byte) 0xFE;
                apdu.setOutgoingAndSend((short) 0, (short) 2);
                ISOException.throwIt((short) 0x6283);
                return;
            case (byte) 0xEE: {
                short n = apdu.setIncomingAndReceive();
                Util.arrayCopyNonAtomic(buf, ISO7816.OFFSET_CDATA, buf, (short) 0, n);
                apdu.setOutgoingAndSend((short) 0, n);
                return;
            }
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
    }
}
