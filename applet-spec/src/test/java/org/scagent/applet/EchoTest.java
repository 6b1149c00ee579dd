package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** ECHO: short, extended-length, command chaining, limits. */
class EchoTest {
    static byte[] data(int len) {
        byte[] d = new byte[len];
        for (int i = 0; i < len; i++) {
            d[i] = (byte) (i * 7 + 3);
        }
        return d;
    }

    /** Short APDU, case 3 or 4 (le < 0: no Le). */
    static byte[] shortEcho(int cla, byte[] d, int le) {
        byte[] h = {(byte) cla, (byte) 0xEE, 0, 0, (byte) d.length};
        return le < 0 ? Hex.cat(h, d) : Hex.cat(h, d, new byte[] {(byte) le});
    }

    /** Extended APDU, case 3E or 4E (le < 0: no Le). */
    static byte[] extEcho(int cla, byte[] d, int le) {
        byte[] h = {(byte) cla, (byte) 0xEE, 0, 0, 0, (byte) (d.length >> 8), (byte) d.length};
        return le < 0 ? Hex.cat(h, d) : Hex.cat(h, d, new byte[] {(byte) (le >> 8), (byte) le});
    }

    @Test
    void shortEcho() {
        Card c = Card.withDefaults();
        byte[] d = data(10);
        assertArrayEquals(d, c.expect(0x9000, shortEcho(0x80, d, 0)));
        assertArrayEquals(d, c.expect(0x9000, shortEcho(0x80, d, -1)));
        // 255 bytes: case 3 only. jCardSim's 260-byte short APDU buffer cannot hold a 261-byte case 4 APDU
        // (Lc = 255 plus Le): it answers 6F00 before the applet runs (SPEC.md, jCardSim gaps)
        assertArrayEquals(data(255), c.expect(0x9000, shortEcho(0x80, data(255), -1)));
        assertArrayEquals(data(254), c.expect(0x9000, shortEcho(0x80, data(254), 0)));
    }

    @Test
    void emptyEcho() {
        Card c = Card.withDefaults();
        c.ok("80EE0000");
        c.ok("80EE000000");
    }

    @Test
    void leSmallerThanTheDataTruncates() {
        Card c = Card.withDefaults();
        byte[] d = data(10);
        assertArrayEquals(Arrays.copyOf(d, 4), c.expect(0x9000, shortEcho(0x80, d, 4)));
    }

    @Test
    void extendedEchoUpToTheLimit() {
        Card c = Card.withDefaults();
        byte[] d = data(1024);
        assertArrayEquals(d, c.expect(0x9000, extEcho(0x80, d, 0)));      // Le 0000: everything
        assertArrayEquals(d, c.expect(0x9000, extEcho(0x80, d, 0x0400)));
        assertArrayEquals(Arrays.copyOf(d, 300), c.expect(0x9000, extEcho(0x80, d, 300)));
        assertArrayEquals(data(300), c.expect(0x9000, extEcho(0x80, data(300), -1)));
    }

    @Test
    void extendedEchoOverTheLimit() {
        Card c = Card.withDefaults();
        c.expect(0x6700, extEcho(0x80, data(1025), 0));
        c.expect(0x6700, extEcho(0x80, data(4000), 0));
    }

    @Test
    void chainedEcho() {
        Card c = Card.withDefaults();
        byte[] d = data(1024);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, c.expect(0x9000, shortEcho(0x90, Arrays.copyOfRange(d, i * 250, i * 250 + 250), -1))
                    .length);
        }
        // last chunk extended with Le 0000: the whole chain comes back
        assertArrayEquals(d, c.expect(0x9000, extEcho(0x80, Arrays.copyOfRange(d, 750, 1024), 0)));
    }

    @Test
    void chainedEchoWithShortLastCommandReturnsAtMost256Bytes() {
        Card c = Card.withDefaults();
        byte[] d = data(600);
        c.ok(Hex.s(shortEcho(0x90, Arrays.copyOfRange(d, 0, 200), -1)));
        c.ok(Hex.s(shortEcho(0x90, Arrays.copyOfRange(d, 200, 400), -1)));
        assertArrayEquals(Arrays.copyOf(d, 256), c.expect(0x9000, shortEcho(0x80, Arrays.copyOfRange(d, 400, 600), 0)));
        // and the chain is finished: a new ECHO starts afresh
        assertArrayEquals(data(5), c.expect(0x9000, shortEcho(0x80, data(5), 0)));
    }

    @Test
    void chainedExtendedChunks() {
        Card c = Card.withDefaults();
        byte[] d = data(1000);
        c.ok(Hex.s(extEcho(0x90, Arrays.copyOfRange(d, 0, 600), -1)));
        assertArrayEquals(d, c.expect(0x9000, extEcho(0x80, Arrays.copyOfRange(d, 600, 1000), 0)));
    }

    @Test
    void chainOverflowDropsTheChain() {
        Card c = Card.withDefaults();
        for (int i = 0; i < 4; i++) {
            c.ok(Hex.s(shortEcho(0x90, data(255), -1))); // 1020 bytes
        }
        c.expect(0x6700, shortEcho(0x90, data(5), -1)); // 1025
        // dropped: the next ECHO only returns its own data
        assertArrayEquals(data(3), c.expect(0x9000, shortEcho(0x80, data(3), 0)));
    }

    @Test
    void exactlyEchoMaxThroughChaining() {
        Card c = Card.withDefaults();
        for (int i = 0; i < 4; i++) {
            c.ok(Hex.s(shortEcho(0x90, data(255), -1)));
        }
        byte[] all = c.expect(0x9000, extEcho(0x80, data(4), 0));
        assertEquals(1024, all.length);
        assertArrayEquals(Hex.cat(data(255), data(255), data(255), data(255), data(4)), all);
    }

    @Test
    void anotherCommandAbortsThePendingChain() {
        Card c = Card.withDefaults();
        c.ok(Hex.s(shortEcho(0x90, data(100), -1)));
        c.getData(0xDF30);
        assertArrayEquals(data(7), c.expect(0x9000, shortEcho(0x80, data(7), 0)));
        // also an erroring command
        c.ok(Hex.s(shortEcho(0x90, data(100), -1)));
        c.expect(0x6D00, "80000000");
        assertArrayEquals(data(7), c.expect(0x9000, shortEcho(0x80, data(7), 0)));
    }

    @Test
    void reselectDropsThePendingChain() {
        Card c = Card.withDefaults();
        c.ok(Hex.s(shortEcho(0x90, data(100), -1)));
        c.select();
        assertArrayEquals(data(7), c.expect(0x9000, shortEcho(0x80, data(7), 0)));
        c.ok(Hex.s(shortEcho(0x90, data(100), -1)));
        c.sim.reset();
        c.select();
        assertArrayEquals(data(7), c.expect(0x9000, shortEcho(0x80, data(7), 0)));
    }

    @Test
    void parameterAndClassErrorsDropTheChain() {
        Card c = Card.withDefaults();
        c.ok(Hex.s(shortEcho(0x90, data(100), -1)));
        c.expect(0x6A86, "90EE010001AA");
        assertArrayEquals(data(7), c.expect(0x9000, shortEcho(0x80, data(7), 0)));
        c.ok(Hex.s(shortEcho(0x90, data(100), -1)));
        c.expect(0x6E00, "10EE000001AA");
        assertArrayEquals(data(7), c.expect(0x9000, shortEcho(0x80, data(7), 0)));
        c.expect(0x6A86, "80EE000101AA00");
    }

    @Test
    void echoTouchesNoState() {
        Card c = Card.withDefaults();
        c.setPin("1234");
        c.ok(Hex.s(Card.verifyApdu("1234")));
        c.expect(0x9000, extEcho(0x80, data(1024), 0));
        c.ok("00200081");
        c.assertPinStatus(3, 3, 5);
    }
}
