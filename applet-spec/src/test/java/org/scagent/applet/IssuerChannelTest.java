package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The issuer secure channel through APDUs, checked against the test-side host implementation. */
class IssuerChannelTest {
    static final byte[] HC = Hex.b("0001020304050607");
    static final byte[] PIN = Hex.pinBlock("1234");

    static byte[] rrc(HostChannel h, String pin) {
        return h.wrap(0x04, 0x2C, 0x02, 0x81, Hex.pinBlock(pin));
    }

    static byte[] setStatus(HostChannel h, int state) {
        return h.wrap(0x84, 0xF0, state, 0x00, new byte[0]);
    }

    @Test
    void openSessionAndPersonalize() {
        Card c = Card.withDefaults();
        HostChannel h = new HostChannel();
        byte[] resp = c.expect(0x9000, h.initializeUpdate(HC, 0x00));
        assertEquals(17, resp.length);
        assertEquals(1, resp[0]);
        h.onInitializeUpdateResponse(resp);
        assertTrue(h.cardCryptogramOk(), "card cryptogram computed by the host matches the card's");
        c.ok(Hex.s(h.externalAuthenticate()));
        c.ok(Hex.s(rrc(h, "1234")));
        c.ok(Hex.s(setStatus(h, 0x0F)));
        assertEquals("0F", Hex.s(c.getData(0xDF35)));
        c.ok(Hex.s(Card.verifyApdu("1234")));
    }

    @Test
    void keyVersionInP1() {
        Card c = Card.withDefaults();
        HostChannel h = new HostChannel();
        h.onInitializeUpdateResponse(c.expect(0x9000, h.initializeUpdate(HC, 0x01)));
        c.ok(Hex.s(h.externalAuthenticate()));
        c.expect(0x6A88, h.initializeUpdate(HC, 0x02));
        c.expect(0x6A88, h.initializeUpdate(HC, 0x7F));
    }

    @Test
    void initializeUpdateErrors() {
        Card c = Card.withDefaults();
        c.expect(0x6A86, "8050000108000102030405060700");
        c.expect(0x6700, "80500000070001020304050600");
        c.expect(0x6700, "8050000009000102030405060708" + "00");
        c.expect(0x6700, "80500000");
    }

    @Test
    void challengesDifferBetweenSessions() {
        Card c = Card.withDefaults();
        HostChannel h = new HostChannel();
        byte[] r1 = c.expect(0x9000, h.initializeUpdate(HC, 0));
        byte[] r2 = c.expect(0x9000, h.initializeUpdate(HC, 0));
        assertFalse(Arrays.equals(Arrays.copyOfRange(r1, 1, 9), Arrays.copyOfRange(r2, 1, 9)));
        assertNotEquals(Hex.s(Arrays.copyOfRange(r1, 9, 17)), Hex.s(Arrays.copyOfRange(r2, 9, 17)));
    }

    @Test
    void externalAuthenticateWithoutInitializeUpdate() {
        Card c = Card.withDefaults();
        c.expect(0x6985, "8482330010" + "00".repeat(16));
    }

    @Test
    void wrongHostCryptogramFailsAndDropsThePendingSession() {
        Card c = Card.withDefaults();
        HostChannel h = new HostChannel();
        h.onInitializeUpdateResponse(c.expect(0x9000, h.initializeUpdate(HC, 0)));
        byte[] bad = h.hostCryptogram();
        bad[7] ^= 1;
        c.expect(0x6300, h.externalAuthenticate(bad));
        // the right cryptogram no longer helps: INITIALIZE UPDATE first
        c.expect(0x6985, h.externalAuthenticate());
        c.expect(0x6982, rrc(h, "1234"));
        c.assertPinStatus(3, 3, 0);
    }

    @Test
    void wrongCmacOnExternalAuthenticateFails() {
        Card c = Card.withDefaults();
        HostChannel h = new HostChannel();
        h.onInitializeUpdateResponse(c.expect(0x9000, h.initializeUpdate(HC, 0)));
        byte[] ea = h.externalAuthenticate();
        ea[ea.length - 1] ^= 0x01;
        c.expect(0x6300, ea);
        c.expect(0x6985, h.externalAuthenticate());
    }

    @Test
    void externalAuthenticateParameterErrorsDropTheSession() {
        Card c = Card.withDefaults();
        HostChannel h = new HostChannel();
        h.onInitializeUpdateResponse(c.expect(0x9000, h.initializeUpdate(HC, 0)));
        byte[] ea = h.externalAuthenticate();
        ea[2] = 0x01; // security level: no C-DECRYPTION
        c.expect(0x6A86, ea);
        c.expect(0x6985, h.externalAuthenticate());

        h.onInitializeUpdateResponse(c.expect(0x9000, h.initializeUpdate(HC, 0)));
        c.expect(0x6700, Hex.cat(Hex.b("848233000F"), Arrays.copyOf(h.hostCryptogram(), 7), new byte[8]));
        c.expect(0x6985, h.externalAuthenticate());
    }

    @Test
    void secondExternalAuthenticateInAnOpenSessionClosesIt() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        c.expect(0x6985, h.externalAuthenticate());
        c.expect(0x6982, rrc(h, "1234"));
    }

    @Test
    void wrappedCommandWithoutSession() {
        Card c = Card.withDefaults();
        c.expect(0x6982, "84F00F0008" + "00".repeat(8));
        c.expect(0x6982, "042C028118" + "00".repeat(24));
        // pending (not yet authenticated) is not enough either
        HostChannel h = new HostChannel();
        h.onInitializeUpdateResponse(c.expect(0x9000, h.initializeUpdate(HC, 0)));
        c.expect(0x6982, "84F00F0008" + "00".repeat(8));
        // ... and it dropped the pending session
        c.expect(0x6985, h.externalAuthenticate());
        c.assertPinStatus(3, 3, 0);
        assertEquals("07", Hex.s(c.getData(0xDF35)));
    }

    @Test
    void failingInitializeUpdateStillClosesTheSession() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        c.expect(0x6A86, "8050000108000102030405060700");
        c.expect(0x6982, rrc(h, "1234"));
    }

    @Test
    void wrongMacClosesTheSession() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        byte[] apdu = rrc(h, "1234");
        apdu[apdu.length - 3] ^= 0x40;
        c.expect(0x6988, apdu);
        // closed: a correctly wrapped command (with the host's MCV) is refused
        c.expect(0x6982, rrc(h, "1234"));
        c.assertPinStatus(3, 3, 0);
    }

    @Test
    void tamperedDataFailsTheMac() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        byte[] apdu = rrc(h, "1234");
        apdu[6] ^= 0x01; // encrypted data
        c.expect(0x6988, apdu);
        c.assertPinStatus(3, 3, 0);
    }

    @Test
    void replayedCommandFails() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        byte[] apdu = rrc(h, "1234");
        c.ok(Hex.s(apdu));
        c.expect(0x6988, apdu);
        c.expect(0x6982, rrc(h, "5678"));
        c.ok(Hex.s(Card.verifyApdu("1234")));
    }

    @Test
    void replayedExternalAuthenticateFails() {
        Card c = Card.withDefaults();
        HostChannel h = new HostChannel();
        h.onInitializeUpdateResponse(c.expect(0x9000, h.initializeUpdate(HC, 0)));
        byte[] ea = h.externalAuthenticate();
        c.ok(Hex.s(ea));
        // a new INITIALIZE UPDATE draws a new card challenge: the recorded EXTERNAL AUTHENTICATE is stale
        c.expect(0x9000, new HostChannel().initializeUpdate(HC, 0));
        c.expect(0x6300, ea);
    }

    @Test
    void sessionGoneAfterReselect() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        c.select();
        c.expect(0x6982, rrc(h, "1234"));
    }

    @Test
    void sessionGoneAfterReset() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        c.sim.reset();
        c.select();
        c.expect(0x6982, rrc(h, "1234"));
    }

    @Test
    void newInitializeUpdateClosesTheSession() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        c.expect(0x9000, new HostChannel().initializeUpdate(HC, 0));
        c.expect(0x6982, rrc(h, "1234"));
    }

    @Test
    void manyWrappedCommandsAdvanceCounterAndMcv() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        for (int i = 0; i < 20; i++) {
            c.ok(Hex.s(rrc(h, String.format("%04d", 1000 + i))));
            c.ok(Hex.s(setStatus(h, 0x0F)));
        }
        assertEquals(40, h.counter);
        c.expect(0x63C2, Card.verifyApdu("1018"));
        c.ok(Hex.s(Card.verifyApdu("1019")));
    }

    @Test
    void counterMismatchIsBadPadding() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        h.counter = 5; // host encrypts with the wrong IV; the C-MAC is right
        c.expect(0x6988, rrc(h, "1234"));
        c.expect(0x6982, setStatus(h, 0x0F));
    }

    @Test
    void logicalChannelBitsAreNotMacked() {
        Card c = Card.withDefaults();
        HostChannel h = new HostChannel();
        byte[] iu = h.initializeUpdate(HC, 0);
        iu[0] = (byte) 0x81;
        h.onInitializeUpdateResponse(c.expect(0x9000, iu));
        byte[] ea = h.externalAuthenticate();
        ea[0] = (byte) 0x85; // channel 1: the C-MAC was computed over 84
        c.ok(Hex.s(ea));
        byte[] apdu = rrc(h, "1234");
        apdu[0] = 0x07;    // channel 3
        c.ok(Hex.s(apdu));
        c.assertPinStatus(3, 3, 4);
    }

    @Test
    void missingMacAndBadLengths() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        c.expect(0x6987, "84F00F0004" + "00000000");
        c.expect(0x6982, setStatus(h, 0x0F)); // closed
        h = c.openIssuer();
        c.expect(0x6987, "84F00F00");
        h = c.openIssuer();
        // encrypted part not a multiple of 16
        c.expect(0x6988, h.wrapRaw(0x04, 0x2C, 0x02, 0x81, new byte[8]));
        c.expect(0x6982, setStatus(h, 0x0F));
        // extended-length wrapped command
        h = c.openIssuer();
        c.expect(0x6700, "84F00F00000008" + "00".repeat(8));
        c.expect(0x6982, setStatus(h, 0x0F));
    }

    @Test
    void badPaddingClosesTheSession() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        byte[] noPad = Hex.cat(PIN, Hex.b("FFFFFFFFFFFFFFFF")); // 16 bytes, no 80
        c.expect(0x6988, h.wrapRaw(0x04, 0x2C, 0x02, 0x81, h.encryptPadded(noPad)));
        c.expect(0x6982, setStatus(h, 0x0F));
        h = c.openIssuer();
        byte[] padTooLong = Hex.cat(PIN, Hex.b("8000000000000000"), new byte[16]); // 80 outside the last block
        c.expect(0x6988, h.wrapRaw(0x04, 0x2C, 0x02, 0x81, h.encryptPadded(padTooLong)));
        c.assertPinStatus(3, 3, 0);
    }

    @Test
    void resetRetryCounterErrorsInsideTheSession() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        c.expect(0x6A86, h.wrap(0x04, 0x2C, 0x00, 0x81, PIN));
        c.expect(0x6A86, h.wrap(0x04, 0x2C, 0x02, 0x80, PIN));
        c.expect(0x6700, h.wrap(0x04, 0x2C, 0x02, 0x81, Arrays.copyOf(PIN, 7)));
        c.expect(0x6700, h.wrap(0x04, 0x2C, 0x02, 0x81, new byte[0]));
        c.expect(0x6A80, h.wrap(0x04, 0x2C, 0x02, 0x81, Hex.b("313233FFFFFFFFFF")));
        c.assertPinStatus(3, 3, 0);
        // the session survives errors that come after a good C-MAC
        c.ok(Hex.s(rrc(h, "1234")));
        c.assertPinStatus(3, 3, 4);
    }

    @Test
    void setStatus() {
        Card c = Card.withDefaults();
        HostChannel h = c.openIssuer();
        c.expect(0x6A80, setStatus(h, 0x07));
        c.expect(0x6A80, setStatus(h, 0x83));
        c.expect(0x6A80, setStatus(h, 0x00));
        c.expect(0x6A86, h.wrap(0x84, 0xF0, 0x0F, 0x01, new byte[0]));
        c.expect(0x6700, h.wrap(0x84, 0xF0, 0x0F, 0x00, new byte[] {1}));
        assertEquals("07", Hex.s(c.getData(0xDF35)));
        c.ok(Hex.s(setStatus(h, 0x0F)));
        assertEquals("0F", Hex.s(c.getData(0xDF35)));
        c.ok(Hex.s(setStatus(h, 0x0F))); // idempotent
        c.expect(0x6A80, setStatus(h, 0x07)); // no way back
        c.sim.reset();
        c.select();
        assertEquals("0F", Hex.s(c.getData(0xDF35)));
    }

    @Test
    void customKeysFromInstallParameters() {
        byte[] kEnc = Hex.b(InstallTest.KEY_ENC);
        byte[] kMac = Hex.b(InstallTest.KEY_MAC);
        Card c = Card.withParams(Hex.cat(Hex.b("C210"), kEnc, Hex.b("C310"), kMac));
        HostChannel h = c.openIssuer(new HostChannel(kEnc, kMac));
        c.ok(Hex.s(rrc(h, "4321")));
        // swapped keys fail
        HostChannel swapped = new HostChannel(kMac, kEnc);
        swapped.onInitializeUpdateResponse(c.expect(0x9000, swapped.initializeUpdate(HC, 0)));
        assertFalse(swapped.cardCryptogramOk());
        c.expect(0x6300, swapped.externalAuthenticate());
    }
}
