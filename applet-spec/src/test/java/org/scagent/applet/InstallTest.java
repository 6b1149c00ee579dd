package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.licel.jcardsim.base.SimulatorRuntime;
import com.licel.jcardsim.smartcardio.CardSimulator;
import com.licel.jcardsim.utils.AIDUtil;
import javacard.framework.AID;
import javacard.framework.ISOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** install(): GlobalPlatform install data, application parameters, defaults, rejection of malformed data. */
class InstallTest {
    static final String KEY_ENC = "00112233445566778899AABBCCDDEEFF";
    static final String KEY_MAC = "FFEEDDCCBBAA99887766554433221100";
    static final String CARD_ID = "53434147454E542D544553542D303031";

    static void assertDefaults(Card c) {
        c.assertPinStatus(3, 3, 0);
        assertEquals("0103", Hex.s(c.getData(0xDF36)));
        assertEquals("00".repeat(16), Hex.s(c.getData(0xDF34)));
        assertEquals("07", Hex.s(c.getData(0xDF35)));
        c.openIssuer(); // the test key opens the channel
    }

    @Test
    void emptyInstallDataMeansDefaults() {
        assertDefaults(Card.withDefaults());
    }

    @Test
    void emptyApplicationParametersMeanDefaults() {
        assertDefaults(Card.withParams(new byte[0]));
    }

    @Test
    void installDataWithOnlyTheAid() {
        Card c = new Card();
        byte[] data = Hex.cat(new byte[] {9}, Card.AID_BYTES);
        c.sim.installApplet(Card.AID, ScAgentApplet.class, data, (short) 0, (byte) data.length);
        assertEquals(0x9000, c.select().sw());
        assertDefaults(c);
    }

    @Test
    void installDataAtAnOffset() {
        Card c = new Card();
        byte[] gp = Card.installData(Card.AID_BYTES, Hex.b("C10107"));
        byte[] data = Hex.cat(Hex.b("EEEEEE"), gp, Hex.b("EEEE"));
        c.sim.installApplet(Card.AID, ScAgentApplet.class, data, (short) 3, (byte) gp.length);
        assertEquals(0x9000, c.select().sw());
        c.assertPinStatus(7, 7, 0);
    }

    @Test
    void explicitParameters() {
        byte[] params = Hex.b("C10105 C210" + KEY_ENC + " C310" + KEY_MAC + " C410" + CARD_ID + " C50122");
        Card c = Card.withParams(params);
        c.assertPinStatus(5, 5, 0);
        assertEquals("2203", Hex.s(c.getData(0xDF36)));
        assertEquals(CARD_ID, Hex.s(c.getData(0xDF34)));

        // the installed keys open the channel; the key version is accepted as P1
        HostChannel host = new HostChannel(Hex.b(KEY_ENC), Hex.b(KEY_MAC));
        host.onInitializeUpdateResponse(c.expect(0x9000, host.initializeUpdate(Hex.b("1122334455667788"), 0x22)));
        assertEquals(0x22, host.keyVersion);
        assertTrue(host.cardCryptogramOk());
        c.expect(0x9000, host.externalAuthenticate());
        c.expect(0x9000, host.wrap(0x04, 0x2C, 0x02, 0x81, Hex.pinBlock("2468")));
        c.expect(0x63C4, Card.verifyApdu("1111"));

        // the test key no longer does
        HostChannel test = new HostChannel();
        test.onInitializeUpdateResponse(c.expect(0x9000, test.initializeUpdate(Hex.b("1122334455667788"), 0)));
        assertFalse(test.cardCryptogramOk());
        c.expect(0x6300, test.externalAuthenticate());
        // the default key version is no longer accepted
        c.expect(0x6A88, "8050010008" + "1122334455667788" + "00");
    }

    @Test
    void parametersInAnyOrderAndKeysSeparately() {
        Card c = Card.withParams(Hex.b("C50102 C310" + KEY_MAC + " C1010F"));
        c.assertPinStatus(15, 15, 0);
        assertEquals("0203", Hex.s(c.getData(0xDF36)));
        // K-ENC is still the test key, K-MAC the installed one
        HostChannel host = new HostChannel(HostChannel.TEST_KEY, Hex.b(KEY_MAC));
        c.openIssuer(host);
    }

    @Test
    void registersUnderTheAidOfTheInstallData() {
        Card c = new Card();
        byte[] other = Hex.b("F053434147454E5402");
        byte[] data = Card.installData(other, new byte[0]);
        c.sim.installApplet(Card.AID, ScAgentApplet.class, data, (short) 0, (byte) data.length);
        Card.Resp r = c.send("00A4040009F053434147454E540200");
        assertEquals(0x9000, r.sw());
        assertTrue(r.hex().contains("8409F053434147454E5402"), r.hex());
    }

    /** Malformed install data: install throws ISOException 6A80 and registers nothing. */
    @ParameterizedTest
    @ValueSource(strings = {
        "C6 01 00",                     // unknown tag
        "C1 01 03 C1 01 03",            // duplicate
        "C1 02 0003",                   // wrong length
        "C1 01 00",                     // try limit 0
        "C1 01 10",                     // try limit 16
        "C1 01 FF",                     // try limit negative
        "C2 0F 000102030405060708090A0B0C0D0E",          // key 15 bytes
        "C3 11 000102030405060708090A0B0C0D0E0F10",      // key 17 bytes
        "C4 0F 000102030405060708090A0B0C0D0E",          // card id 15 bytes
        "C5 01 00",                     // key version 0
        "C5 01 80",                     // key version 128
        "C5 00",                        // empty value
        "C2 10 0001020304",             // truncated value
        "C1",                           // truncated header
        "C1 01 03 00",                  // trailing byte
    })
    void malformedParametersAreRejected(String params) {
        byte[] data = Card.installData(Card.AID_BYTES, Hex.b(params));
        assertRejected(data);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "04 F0534341",                              // AID too short
        "11 F053434147454E5401000000000000000000",  // AID 17 bytes
        "09 F053434147454E54",                      // AID LV overruns
        "09 F053434147454E5401 05 00",              // privileges LV overruns
        "09 F053434147454E5401 01 00 04 C10103",    // parameters LV overruns
        "09 F053434147454E5401 01 00 02 C10103",    // bytes after the parameters LV
    })
    void malformedInstallDataIsRejected(String data) {
        assertRejected(Hex.b(data));
    }

    static void assertRejected(byte[] data) {
        SimulatorRuntime rt = new SimulatorRuntime();
        CardSimulator sim = new CardSimulator(rt);
        AID aid = AIDUtil.create(Card.AID_BYTES);
        sim.loadApplet(aid, ScAgentApplet.class);
        ISOException e = assertThrows(ISOException.class,
                () -> rt.installApplet(aid, data, (short) 0, (byte) data.length));
        assertEquals(0x6A80, e.getReason() & 0xFFFF);
        // nothing was registered: no applet answers the SELECT
        assertArrayEquals(Hex.b("6999"), sim.transmitCommand(Hex.b("00A4040009" + Card.AID_HEX + "00")));
    }
}
