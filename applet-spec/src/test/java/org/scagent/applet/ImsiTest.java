package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** IMSI (GET/PUT DATA DF60): issuer-written EF_IMSI, readable by anyone, strictly checked. */
class ImsiTest {
    /** 15 digits 234150999999999 (odd): 08 29 43 51 90 99 99 99 99. */
    static final String ODD = "082943519099999999";
    /** 14 digits 21407650123456 (even, F filler): 08 21 41 70 56 10 32 54 F6 — parity bit clear. */
    static final String EVEN = "0821417056103254F6";

    private static int put(BcastCard b, String hex) {
        return b.card.send(b.host.wrap(0x84, 0xDA, 0xDF, 0x60, Hex.b(hex))).sw();
    }

    @Test
    void notSetUntilTheIssuerWritesIt() {
        Card c = Card.withDefaults();
        c.expect(0x6A88, "80CADF6000");
        c.expect(0x6982, "84DADF6009" + ODD); // no issuer channel
        c.expect(0x6A88, "80CADF6000");
    }

    @Test
    void writtenAndReadBack() {
        BcastCard b = BcastCard.fresh();
        assertEquals(0x9000, put(b, ODD));
        assertEquals(ODD, Hex.s(b.card.getData(0xDF60)));
        assertEquals(0x9000, put(b, EVEN));
        assertEquals(EVEN, Hex.s(b.card.getData(0xDF60)));
    }

    @Test
    void malformedRefusedAndNothingChanges() {
        BcastCard b = BcastCard.fresh();
        assertEquals(0x9000, put(b, ODD));
        String[] bad = {
            "092943519099999999",       // L 9
            "032943519FFFFFFFFF",       // L 3: fewer than 6 digits
            "082A43519099999999",       // identity type 010 (an IMEI)
            "082143519099999999",       // parity says even, no filler
            "0829435190999999F9",       // parity says odd, but a filler
            "08294351909999999A",       // a digit A
            "0729435190999999FE",       // after L bytes not FF
        };
        for (String hex : bad) {
            assertEquals(0x6A80, put(b, hex), hex);
        }
        assertEquals(0x6700, put(b, ODD + "FF"));
        assertEquals(ODD, Hex.s(b.card.getData(0xDF60)));
    }
}
