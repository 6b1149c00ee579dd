package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The fixed secure-channel test vector published in SPEC.md ("Test vector") for the C host, checked against the
 * test-side implementation. Every value here was also computed with the Python `cryptography` package.
 */
class SecureChannelVectorTest {
    static final String HOST_CHALLENGE = "0001020304050607";
    static final String CARD_CHALLENGE = "A0A1A2A3A4A5A6A7";

    @Test
    void vector() {
        HostChannel h = new HostChannel();
        assertEquals("8050000008" + HOST_CHALLENGE + "00", Hex.s(h.initializeUpdate(Hex.b(HOST_CHALLENGE), 0)));
        h.derive(Hex.b(CARD_CHALLENGE));
        assertEquals("0000000000000000000000" + "04" + "00" + "0080" + "01" + HOST_CHALLENGE + CARD_CHALLENGE,
                Hex.s(h.derivationData(0x04, 0x80)));
        assertEquals("09066F1A3A76B5501AAE96CAB0DA0A5C", Hex.s(h.sEnc));
        assertEquals("6F52709C0F680A8E1AA8F3B31A737D38", Hex.s(h.sMac));
        assertEquals("F0BD9853657A1113", Hex.s(h.cardCryptogram()));
        assertEquals("1A22DAADC1FF0BD5", Hex.s(h.hostCryptogram()));
        // INITIALIZE UPDATE response: key version || card challenge || card cryptogram
        assertEquals("01" + CARD_CHALLENGE + "F0BD9853657A1113",
                "01" + CARD_CHALLENGE + Hex.s(h.cardCryptogram()));

        assertEquals("84823300101A22DAADC1FF0BD5E60F92A7740C99B4", Hex.s(h.externalAuthenticate()));
        assertEquals("E60F92A7740C99B45241351B6E39F53E", Hex.s(h.mcv));

        // RESET RETRY COUNTER for PIN "1234", the first wrapped command (counter 1)
        byte[] ctr1 = new byte[16];
        ctr1[15] = 1;
        assertEquals("A23162D80CFFD3333B709CB7017FFBF4", Hex.s(TestCmac.ecb(h.sEnc, ctr1)));
        assertEquals("042C02811814592FC16593081AED4EAA7BADF26D7772B2B2E8C0AC798B",
                Hex.s(h.wrap(0x04, 0x2C, 0x02, 0x81, Hex.pinBlock("1234"))));
        assertEquals("72B2B2E8C0AC798BF0A4A229EADFA429", Hex.s(h.mcv));
    }
}
