package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The user PIN: not set -> set by the issuer -> verify / fail / block -> reset by the issuer; change; status. */
class PinTest {
    static final int VERIFIED = 1;
    static final int BLOCKED = 2;
    static final int SET = 4;

    static String change(String oldPin, String newPin) {
        return "0024008110" + Hex.s(Hex.pinBlock(oldPin)) + Hex.s(Hex.pinBlock(newPin));
    }

    @Test
    void beforePersonalizationEverythingIsConditionsNotSatisfied() {
        Card c = Card.withDefaults();
        c.assertPinStatus(3, 3, 0);
        c.expect(0x6985, Card.verifyApdu("1234"));
        c.expect(0x6985, "00200081");
        c.expect(0x6985, change("1234", "5678"));
        c.assertPinStatus(3, 3, 0); // nothing consumed a try
    }

    @Test
    void lifecycleOfThePin() {
        Card c = Card.withDefaults();
        c.setPin("1234");
        c.assertPinStatus(3, 3, SET);
        c.expect(0x63C3, "00200081"); // status: not verified, 3 tries

        c.ok(Hex.s(Card.verifyApdu("1234")));
        c.assertPinStatus(3, 3, SET | VERIFIED);
        c.ok("00200081");

        // a wrong PIN clears the verification and counts
        c.expect(0x63C2, Card.verifyApdu("4321"));
        c.assertPinStatus(2, 3, SET);
        c.expect(0x63C2, "00200081");
        // a right PIN resets the counter
        c.ok(Hex.s(Card.verifyApdu("1234")));
        c.assertPinStatus(3, 3, SET | VERIFIED);

        c.expect(0x63C2, Card.verifyApdu("0000"));
        c.expect(0x63C1, Card.verifyApdu("00000"));
        c.expect(0x63C0, Card.verifyApdu("12345678"));
        c.assertPinStatus(0, 3, SET | BLOCKED);
        // blocked: even the right PIN, the status query and CHANGE REFERENCE DATA are refused
        c.expect(0x6983, Card.verifyApdu("1234"));
        c.expect(0x6983, "00200081");
        c.expect(0x6983, change("1234", "5678"));
        c.assertPinStatus(0, 3, SET | BLOCKED);

        // blocked survives deselect and reset
        c.sim.reset();
        c.select();
        c.expect(0x6983, Card.verifyApdu("1234"));

        // the issuer resets it with a new PIN: unblocked, full tries, not verified
        c.setPin("9876");
        c.assertPinStatus(3, 3, SET);
        c.expect(0x63C2, Card.verifyApdu("1234"));
        c.ok(Hex.s(Card.verifyApdu("9876")));
        c.assertPinStatus(3, 3, SET | VERIFIED);
    }

    @Test
    void tryLimitFromInstallParameters() {
        Card c = Card.withParams(Hex.b("C10101"));
        c.setPin("1234");
        c.assertPinStatus(1, 1, SET);
        c.expect(0x63C0, Card.verifyApdu("1235"));
        c.expect(0x6983, Card.verifyApdu("1234"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "313233FFFFFFFFFF", // 3 digits
        "FFFFFFFFFFFFFFFF", // no digit
        "3132333441FFFFFF", // not a digit
        "31323334FF35FFFF", // digit after padding
        "31323334FFFFFF00", // padding not FF
        "3132333400000000", // zero padding
        "2F303132FFFFFFFF", // below '0'
        "3A313233FFFFFFFF", // above '9'
    })
    void malformedPinBlockIsWrongDataWithoutConsumingATry(String block) {
        Card c = Card.withDefaults();
        c.setPin("1234");
        c.expect(0x6A80, "0020008108" + block);
        c.expect(0x6A80, "0024008110" + block + Hex.s(Hex.pinBlock("1234")));
        c.expect(0x6A80, "0024008110" + Hex.s(Hex.pinBlock("1234")) + block);
        c.assertPinStatus(3, 3, SET);
        // 6A80 also before personalization (syntax first)
        Card fresh = Card.withDefaults();
        fresh.expect(0x6A80, "0020008108" + block);
    }

    @Test
    void wrongLengthWithoutConsumingATry() {
        Card c = Card.withDefaults();
        c.setPin("1234");
        c.expect(0x6700, "0020008107" + "31323334FFFFFF");
        c.expect(0x6700, "0020008109" + "31323334FFFFFFFFFF");
        c.expect(0x6700, "0024008108" + "31323334FFFFFFFF");
        c.expect(0x6700, "0024008111" + "31323334FFFFFFFF" + "35363738FFFFFFFF" + "FF");
        c.assertPinStatus(3, 3, SET);
    }

    @Test
    void eightDigitPin() {
        Card c = Card.withDefaults();
        c.setPin("12345678");
        c.expect(0x63C2, Card.verifyApdu("1234567"));
        c.ok(Hex.s(Card.verifyApdu("12345678")));
    }

    @Test
    void wrongP1P2() {
        Card c = Card.withDefaults();
        c.setPin("1234");
        c.expect(0x6A86, "0020018108" + Hex.s(Hex.pinBlock("1234")));
        c.expect(0x6A86, "0020008008" + Hex.s(Hex.pinBlock("1234")));
        c.expect(0x6A86, "0020000108" + Hex.s(Hex.pinBlock("1234")));
        c.expect(0x6A86, "0024018110" + Hex.s(Hex.pinBlock("1234")) + Hex.s(Hex.pinBlock("5678")));
        c.expect(0x6A86, "0024008210" + Hex.s(Hex.pinBlock("1234")) + Hex.s(Hex.pinBlock("5678")));
        c.assertPinStatus(3, 3, SET);
    }

    @Test
    void changeReferenceData() {
        Card c = Card.withDefaults();
        c.setPin("1234");
        // wrong old PIN counts as a failed VERIFY
        c.expect(0x63C2, change("1111", "5678"));
        c.assertPinStatus(2, 3, SET);
        // success: new PIN set, verified, counter reset
        c.ok(change("1234", "567890"));
        c.assertPinStatus(3, 3, SET | VERIFIED);
        c.ok("00200081");
        c.select();
        c.expect(0x63C3, "00200081");
        c.expect(0x63C2, Card.verifyApdu("1234"));
        c.ok(Hex.s(Card.verifyApdu("567890")));
    }

    @Test
    void changeReferenceDataBlocksAfterTheLastTry() {
        Card c = Card.withParams(Hex.b("C10102"));
        c.setPin("1234");
        c.expect(0x63C1, change("0000", "5678"));
        c.expect(0x63C0, change("0000", "5678"));
        c.expect(0x6983, change("1234", "5678"));
        c.assertPinStatus(0, 2, SET | BLOCKED);
    }

    @Test
    void deselectAndResetForgetTheVerification() {
        Card c = Card.withDefaults();
        c.setPin("1234");
        c.ok(Hex.s(Card.verifyApdu("1234")));
        c.select(); // re-select: deselect() then select()
        c.expect(0x63C3, "00200081");
        c.ok(Hex.s(Card.verifyApdu("1234")));
        c.sim.reset();
        c.select();
        c.assertPinStatus(3, 3, SET);
    }

    @Test
    void pinSurvivesReset() {
        Card c = Card.withDefaults();
        c.setPin("2580");
        c.sim.reset();
        c.select();
        c.ok(Hex.s(Card.verifyApdu("2580")));
        assertEquals(0, c.getData(0xDF33)[2] & BLOCKED);
    }
}
