package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** SELECT (FCI) and GET DATA for every tag, Le handling. */
class SelectAndGetDataTest {
    static final String VERSION = "00010001";     // 0.1.0, contract 1
    // PIN, ISSUER_AUTH, EXTENDED_LENGTH, CHAINING, BCAST_IDENTITY, DM_FIRMWARE
    static final String CAPABILITIES = "00001F0F";
    static final String FCI = "6F1B" + "8409" + Card.AID_HEX + "A50E" + "DF3004" + VERSION + "DF3104" + CAPABILITIES;

    @Test
    void selectReturnsFci() {
        Card c = Card.withDefaults();
        Card.Resp r = c.select();
        assertEquals(0x9000, r.sw());
        assertEquals(FCI, r.hex());
    }

    @Test
    void selectByPackageAidPrefixReturnsTheFullAid() {
        Card c = Card.withDefaults();
        Card.Resp r = c.send("00A4040008" + Card.PACKAGE_AID_HEX + "00");
        assertEquals(0x9000, r.sw());
        assertEquals(FCI, r.hex());
    }

    @Test
    void selectWithP2NoFciReturnsNoData() {
        Card c = Card.withDefaults();
        c.ok("00A4040C09" + Card.AID_HEX);
    }

    @Test
    void selectWithShortLeTruncatesFci() {
        Card c = Card.withDefaults();
        assertEquals(FCI.substring(0, 8), Hex.s(c.expect(0x9000, "00A4040009" + Card.AID_HEX + "04")));
    }

    @Test
    void selectOfAnotherAidWhileSelectedIsFileNotFound() {
        Card c = Card.withDefaults();
        c.expect(0x6A82, "00A4040005A00000000100");
        // the applet stays selected
        assertEquals(VERSION, Hex.s(c.getData(0xDF30)));
    }

    @Test
    void getDataVersionAndCapabilities() {
        Card c = Card.withDefaults();
        assertEquals(VERSION, Hex.s(c.getData(0xDF30)));
        assertEquals(CAPABILITIES, Hex.s(c.getData(0xDF31)));
    }

    /** jCardSim leaves getAvailableMemory(short[]...) untouched; the 16-bit fallback reports 32767 each. */
    @Test
    void getDataFreeMemory() {
        Card c = Card.withDefaults();
        assertEquals("00007FFF".repeat(3), Hex.s(c.getData(0xDF32)));
    }

    @Test
    void getDataPinStatusCardIdLifecycleKeyInfo() {
        Card c = Card.withDefaults();
        assertEquals("030300", Hex.s(c.getData(0xDF33)));
        assertEquals("00".repeat(16), Hex.s(c.getData(0xDF34)));
        assertEquals("07", Hex.s(c.getData(0xDF35)));
        assertEquals("0103", Hex.s(c.getData(0xDF36)));
    }

    @Test
    void getDataInfoAllIsTheTlvsOfAllObjects() {
        Card c = Card.withParams(Hex.b("C10104 C410" + InstallTest.CARD_ID));
        c.setPin("1234");
        c.select();
        c.expect(0x9000, Card.verifyApdu("1234"));
        StringBuilder want = new StringBuilder();
        int[] tags = {0xDF30, 0xDF31, 0xDF32, 0xDF33, 0xDF34, 0xDF35, 0xDF36, 0xDF43};
        int[] lens = {4, 4, 12, 3, 16, 1, 2, 5};
        for (int i = 0; i < tags.length; i++) {
            byte[] v = c.getData(tags[i]);
            assertEquals(lens[i], v.length);
            want.append(String.format("%04X%02X", tags[i], v.length)).append(Hex.s(v));
        }
        String all = Hex.s(c.getData(0xDF3F));
        assertEquals(want.toString(), all);
        assertEquals(71, all.length() / 2);
        // spot checks of content
        assertEquals(true, all.contains("DF3303040405"));
        assertEquals(true, all.contains("DF3410" + InstallTest.CARD_ID));
        assertEquals(true, all.endsWith("DF43050000000000")); // no key, no fields, no certificate, no anchors
    }

    @Test
    void getDataUnknownTag() {
        Card c = Card.withDefaults();
        c.expect(0x6A88, "80CADF3700");
        c.expect(0x6A88, "80CA006F00"); // FCI tags are not GET DATA objects
        c.expect(0x6A88, "80CA000000");
    }

    @Test
    void getDataLeHandling() {
        Card c = Card.withDefaults();
        // no Le (case 1): the whole value
        assertEquals(VERSION, Hex.s(c.expect(0x9000, "80CADF30")));
        // Le larger than the value: the whole value
        assertEquals(VERSION, Hex.s(c.expect(0x9000, "80CADF3010")));
        // Le smaller: the first Le bytes, 9000
        assertEquals("0001", Hex.s(c.expect(0x9000, "80CADF3002")));
        // extended Le
        assertEquals(CAPABILITIES, Hex.s(c.expect(0x9000, "80CADF31000000")));
        byte[] info = c.expect(0x9000, "80CADF3F000010");
        assertArrayEquals(Arrays.copyOf(c.getData(0xDF3F), 16), info);
    }

    @Test
    void getDataClassChecks() {
        Card c = Card.withDefaults();
        c.expect(0x6E00, "00CADF3000");
        c.expect(0x6E00, "84CADF3000");
        c.expect(0x6884, "90CADF3000");
        // logical-channel bits are ignored
        assertEquals(VERSION, Hex.s(c.expect(0x9000, "81CADF3000")));
        assertEquals(VERSION, Hex.s(c.expect(0x9000, "83CADF3000")));
    }
}
