package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** NAF trust anchors: add (chained), duplicates, full store, remove, read, the DF44 list with SHA-256. */
class NafAnchorTest {
    static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    static String entry(int slot, byte[] der) throws Exception {
        return String.format("%02X%04X", slot, der.length) + Hex.s(sha256(der));
    }

    static int slotOf(Card.Resp r) {
        assertEquals("9000", String.format("%04X", r.sw()));
        assertEquals(1, r.data().length);
        return r.data()[0];
    }

    @Test
    void addReadListRemove() throws Exception {
        BcastCard b = BcastCard.fresh();
        TestCa ca = new TestCa();
        byte[] a0 = ca.issueOther("NAF 0", 1000);
        assertEquals("", Hex.s(b.card.expect(0x9000, "80CADF4400")));       // empty list
        assertEquals(0, slotOf(b.addAnchor(a0)));
        assertEquals(entry(0, a0), Hex.s(b.card.getData(0xDF44)));
        int[] parts = new int[1];
        Card.Resp r = b.card.sendAll(Hex.b("80B2000000"), parts);
        assertArrayEquals(a0, r.data());
        assertEquals(4, parts[0]);                                          // 1000 bytes in 256-byte parts
        assertArrayEquals(a0, b.card.expect(0x9000, "80B20000000800"));     // extended: at once
        ca.parse(r.data());
        assertEquals(1, b.card.getData(0xDF43)[4]);
        // the same anchor again: its slot, nothing new
        assertEquals(0, slotOf(b.addAnchor(a0)));
        assertEquals(entry(0, a0), Hex.s(b.card.getData(0xDF44)));
        // remove
        b.card.ok(Hex.s(b.host.wrap(0x84, 0xE4, 0x00, 0x00, new byte[0])));
        b.card.expect(0x6A88, "80B2000000");
        b.card.expect(0x6A88, b.host.wrap(0x84, 0xE4, 0x00, 0x00, new byte[0]));
        assertEquals("", Hex.s(b.card.expect(0x9000, "80CADF4400")));
    }

    @Test
    void fullStoreDuplicatesAndLowestFreeSlot() throws Exception {
        BcastCard b = BcastCard.fresh();
        TestCa ca = new TestCa();
        byte[][] a = new byte[5][];
        for (int i = 0; i < 5; i++) {
            a[i] = ca.issueOther("NAF " + i, 300 + 100 * i);
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(i, slotOf(b.addAnchor(a[i])));
        }
        assertEquals(entry(0, a[0]) + entry(1, a[1]) + entry(2, a[2]) + entry(3, a[3]),
                Hex.s(b.card.getData(0xDF44)));
        // full: a new one is refused (as soon as it can no longer be a duplicate), a duplicate still answers
        assertEquals(0x6A84, b.addAnchor(a[4]).sw());
        assertEquals(2, slotOf(b.addAnchor(a[2])));
        // a prefix of a stored anchor is not that anchor
        assertEquals(0x6A84, b.addAnchor(Arrays.copyOf(a[3], 250)).sw());
        // free slot 1: the next add goes there
        b.card.ok(Hex.s(b.host.wrap(0x84, 0xE4, 0x01, 0x00, new byte[0])));
        assertEquals(1, slotOf(b.addAnchor(a[4])));
        assertArrayEquals(a[4], b.card.expectAll(0x9000, "80B2010000"));
        assertEquals(4, b.card.getData(0xDF43)[4]);
    }

    @Test
    void limitsAndRefusedData() {
        BcastCard b = BcastCard.fresh();
        byte[] max = TestDer.seq(new byte[1532]);                            // 1536 bytes
        assertEquals(1536, max.length);
        assertEquals(0, slotOf(b.addAnchor(max)));
        assertEquals(0x6700, b.addAnchor(TestDer.seq(new byte[1533])).sw());
        // not one SEQUENCE: 6A80, and the slot it streamed into stays free
        assertEquals(0x6A80, b.addAnchor(Hex.cat(TestDer.seq(new byte[10]), new byte[] {0})).sw());
        assertEquals(0x6A80, b.addAnchor(Hex.b("0403010203")).sw());
        assertEquals(1, b.card.getData(0xDF43)[4]);
        b.card.expect(0x6A88, "80B2010000");
        // an interrupted add leaves the slot free too
        byte[] one = TestDer.seq(new byte[400]);
        b.card.ok(Hex.s(b.host.wrap(0x94, 0xE2, 0x00, 0x00, Arrays.copyOf(one, 200))));
        b.card.getData(0xDF30);
        b.card.expect(0x6A88, "80B2010000");
        assertEquals(1, slotOf(b.addAnchor(one)));
    }

    @Test
    void parametersAndAccess() {
        BcastCard b = BcastCard.fresh();
        Card c = b.card;
        byte[] one = TestDer.seq(new byte[10]);
        c.expect(0x6A86, b.host.wrapLe(0x84, 0xE2, 0x01, 0x00, one));
        c.expect(0x6A86, b.host.wrapLe(0x84, 0xE2, 0x00, 0x01, one));
        c.expect(0x6A86, b.host.wrap(0x84, 0xE4, 0x04, 0x00, new byte[0]));
        c.expect(0x6A86, b.host.wrap(0x84, 0xE4, 0xFF, 0x00, new byte[0]));
        c.expect(0x6A86, b.host.wrap(0x84, 0xE4, 0x00, 0x01, new byte[0]));
        c.expect(0x6700, b.host.wrap(0x84, 0xE4, 0x00, 0x00, new byte[] {0}));
        c.expect(0x6A86, "80B2040000");
        c.expect(0x6A86, "80B2800000");
        c.expect(0x6A86, "80B2000100");
        c.expect(0x6E00, "00B2000000");
        c.expect(0x6884, "90B2000000");
        c.expect(0x6E00, "80E200000C" + Hex.s(one));
        c.expect(0x6E00, "80E4000000");
        c.select();
        c.expect(0x6982, "84E2000018" + "00".repeat(24) + "00");
        c.expect(0x6982, "94E2000018" + "00".repeat(24));
        c.expect(0x6982, "84E4000008" + "00".repeat(8));
        c.expect(0x6884, "94E4000008" + "00".repeat(8));
        c.expect(0x6A88, "80B2000000");                                     // read: ALWAYS, but empty
    }
}
