package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.licel.jcardsim.base.SimulatorRuntime;
import com.licel.jcardsim.smartcardio.CardSimulator;
import com.licel.jcardsim.utils.AIDUtil;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import javacard.framework.AID;

/** One simulated card with the applet installed, plus APDU helpers. */
final class Card {
    static final String AID_HEX = "F053434147454E5401";
    static final String PACKAGE_AID_HEX = "F053434147454E54";
    static final byte[] AID_BYTES = Hex.b(AID_HEX);
    static final AID AID = AIDUtil.create(AID_BYTES);

    /** Response data and status word. */
    record Resp(byte[] data, int sw) {
        String hex() {
            return Hex.s(data);
        }

        @Override
        public String toString() {
            return hex() + " " + String.format("%04X", sw);
        }
    }

    final SimulatorRuntime runtime = new SimulatorRuntime();
    final CardSimulator sim = new CardSimulator(runtime);

    /** The installed applet object, for tests that look inside (never reachable by an APDU). */
    ScAgentApplet applet() {
        return (ScAgentApplet) runtime.lookupApplet(AID).getApplet();
    }

    /** Installs with the two-argument installApplet (empty install data, all defaults) and selects. */
    static Card withDefaults() {
        Card c = new Card();
        c.sim.installApplet(AID, ScAgentApplet.class);
        c.select();
        return c;
    }

    /** Installs with GlobalPlatform install data carrying {@code params} and selects. */
    static Card withParams(byte[] params) {
        Card c = new Card();
        byte[] data = installData(AID_BYTES, params);
        c.sim.installApplet(AID, ScAgentApplet.class, data, (short) 0, (byte) data.length);
        c.select();
        return c;
    }

    /** GlobalPlatform install data: AID LV, privileges LV (00), application-parameters LV. */
    static byte[] installData(byte[] aid, byte[] params) {
        return Hex.cat(new byte[] {(byte) aid.length}, aid, new byte[] {1, 0}, new byte[] {(byte) params.length},
                params);
    }

    Resp select() {
        return send("00A40400" + String.format("%02X", AID_BYTES.length) + AID_HEX + "00");
    }

    Resp send(String hex) {
        return send(Hex.b(hex));
    }

    Resp send(byte[] apdu) {
        byte[] r = sim.transmitCommand(apdu);
        int sw = ((r[r.length - 2] & 0xFF) << 8) | (r[r.length - 1] & 0xFF);
        return new Resp(Arrays.copyOf(r, r.length - 2), sw);
    }

    /**
     * Sends and follows the card's 61xx with GET RESPONSE (Le = SW2, as a T=0 host does) until another status;
     * returns all the data with that status. {@code parts} (if not null) receives the number of responses.
     */
    Resp sendAll(byte[] apdu, int[] parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        Resp r = send(apdu);
        int n = 1;
        all.writeBytes(r.data());
        while ((r.sw() >> 8) == 0x61) {
            r = send(String.format("00C00000%02X", r.sw() & 0xFF));
            n++;
            all.writeBytes(r.data());
        }
        if (parts != null) {
            parts[0] = n;
        }
        return new Resp(all.toByteArray(), r.sw());
    }

    /** sendAll and assert the final status word; returns all the data. */
    byte[] expectAll(int sw, byte[] apdu) {
        Resp r = sendAll(apdu, null);
        assertEquals(String.format("%04X", sw), String.format("%04X", r.sw()), "SW of " + Hex.s(apdu));
        return r.data();
    }

    byte[] expectAll(int sw, String hex) {
        return expectAll(sw, Hex.b(hex));
    }

    /** Sends and asserts the status word; returns the data. */
    byte[] expect(int sw, String hex) {
        return expect(sw, Hex.b(hex));
    }

    byte[] expect(int sw, byte[] apdu) {
        Resp r = send(apdu);
        assertEquals(String.format("%04X", sw), String.format("%04X", r.sw()), "SW of " + Hex.s(apdu));
        return r.data();
    }

    /** Sends and asserts SW 9000 and no data. */
    void ok(String hex) {
        assertEquals(0, expect(0x9000, hex).length);
    }

    byte[] getData(int tag) {
        return expect(0x9000, String.format("80CA%04X00", tag));
    }

    /** Opens an issuer session with the test keys (asserts each step) and returns the host side. */
    HostChannel openIssuer() {
        return openIssuer(new HostChannel());
    }

    HostChannel openIssuer(HostChannel host) {
        byte[] resp = expect(0x9000, host.initializeUpdate(Hex.b("0001020304050607"), 0));
        host.onInitializeUpdateResponse(resp);
        assertTrue(host.cardCryptogramOk(), "card cryptogram");
        assertEquals(0, expect(0x9000, host.externalAuthenticate()).length);
        return host;
    }

    /** Personalizes the PIN through the issuer channel (opens a session). */
    void setPin(String pin) {
        HostChannel host = openIssuer();
        assertEquals(0, expect(0x9000, host.wrap(0x04, 0x2C, 0x02, 0x81, Hex.pinBlock(pin))).length);
    }

    static byte[] verifyApdu(String pin) {
        return Hex.cat(Hex.b("0020008108"), Hex.pinBlock(pin));
    }

    /** PIN_STATUS: tries left, try limit, flags. */
    void assertPinStatus(int tries, int limit, int flags) {
        assertArrayEquals(new byte[] {(byte) tries, (byte) limit, (byte) flags}, getData(0xDF33), "PIN_STATUS");
    }
}
