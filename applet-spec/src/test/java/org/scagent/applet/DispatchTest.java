package org.scagent.applet;

import org.junit.jupiter.api.Test;

/** Class and instruction dispatch. */
class DispatchTest {
    @Test
    void unknownInstruction() {
        Card c = Card.withDefaults();
        c.expect(0x6D00, "80000000");
        c.expect(0x6D00, "00B0000000");
        c.expect(0x6D00, "80E60C0000");
        // GET RESPONSE reaches the applet for its own 61xx; with nothing pending: 6985
        c.expect(0x6985, "00C0000000");
    }

    @Test
    void reservedClasses() {
        Card c = Card.withDefaults();
        c.expect(0x6E00, "FFCADF3000");
        c.expect(0x6E00, "40CADF3000");
        c.expect(0x6E00, "A0CADF3000");
        c.expect(0x6E00, "E0CADF3000");
        // ISO secure-messaging indications 10/11 are not accepted by any command
        c.expect(0x6E00, "8CCADF3000");
        c.expect(0x6E00, "0C20008100");
    }

    @Test
    void wrongClassForInstruction() {
        Card c = Card.withDefaults();
        c.expect(0x6E00, "80200081");          // VERIFY is ISO
        c.expect(0x6E00, "8024008110" + "00".repeat(16));
        c.expect(0x6E00, "002C028108" + "00".repeat(8)); // RESET RETRY COUNTER must be wrapped (04)
        c.expect(0x6E00, "0050000008000102030405060700");
        c.expect(0x6E00, "8082330010" + "00".repeat(16));
        c.expect(0x6E00, "80F00F00");
        c.expect(0x6E00, "00EE000001AA00");
        c.expect(0x6E00, "80A4040009" + Card.AID_HEX + "00");
    }

    @Test
    void chainingBitOnCommandsWithoutChaining() {
        Card c = Card.withDefaults();
        c.expect(0x6884, "1020008108" + Hex.s(Hex.pinBlock("1234")));
        c.expect(0x6884, "1024008110" + "00".repeat(16));
        c.expect(0x6884, "142C028108" + "00".repeat(8));
        c.expect(0x6884, "9050000008" + "0001020304050607" + "00");
        c.expect(0x6884, "9482330010" + "00".repeat(16));
        c.expect(0x6884, "94F00F0008" + "00".repeat(8));
        c.expect(0x6884, "10A4040009" + Card.AID_HEX + "00");
    }

    @Test
    void bcastIdentityClasses() {
        Card c = Card.withDefaults();
        // issuer commands are 84 (SIGN CSR, PUT DATA, NAF ANCHOR ADD also 94); readers are 80; GET RESPONSE is 00
        for (String ins : new String[] {"46", "2A", "DA", "5E", "E2", "E4"}) {
            c.expect(0x6E00, "80" + ins + "000000");
            c.expect(0x6E00, "04" + ins + "000000");
        }
        c.expect(0x6884, "9446010000");
        c.expect(0x6884, "945E010000");
        c.expect(0x6884, "94E4000000");
        c.expect(0x6982, "942A9E9A00");                  // chaining accepted: on to the secure channel
        c.expect(0x6982, "94DADF4200");
        c.expect(0x6982, "94E2000000");
        c.expect(0x6E00, "004A000000");
        c.expect(0x6E00, "84B2000000");
        c.expect(0x6884, "90B2000000");
        c.expect(0x6E00, "80C0000000");
        c.expect(0x6884, "10C0000000");
        c.expect(0x6985, "03C0000000");                  // channel bits are ignored
    }

    @Test
    void manageChannelIsNotSupported() {
        Card c = Card.withDefaults();
        c.expect(0x6881, "0070000001");
        c.expect(0x6881, "0070800100");
    }
}
