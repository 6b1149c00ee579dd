package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The issuer's DM firmware-update data (dm-firmware.md §2, §4.2): the DM server list (DF50, up to 2240 bytes in
 * 61xx parts), the policy (DF51), the originators (DF54), the token key (never readable), the log key (DF53), and the
 * parameter, length and data checks of each issuer command.
 */
class DmAdminTest {
    static String id(int i) {
        return ("server-" + i + "-").repeat(10).substring(0, 64);
    }

    @Test
    void serverListOfSixteenLongIds() {
        DmCard d = DmCard.blank();
        assertEquals(0, d.card.getData(0xDF50).length);
        ByteArrayOutputStream want = new ByteArrayOutputStream();
        for (int i = 0; i < 16; i++) {
            byte[] e = DmCard.serverEntry(i & 7, i, 0x10000 + i, i % 2 == 0 ? DmCard.SERVER_KEY : DmCard.OTHER, id(i));
            assertEquals(0x9000, d.issuer(0xD2, i, 0, e));
            want.write(i);
            want.writeBytes(e);
        }
        assertEquals(16 * 140, want.size());
        int[] parts = new int[1];
        Card.Resp r = d.card.sendAll(Hex.b("80CADF5000"), parts);
        assertEquals(0x9000, r.sw());
        assertEquals(9, parts[0]);
        assertArrayEquals(want.toByteArray(), r.data());
        // at once with an extended Le; in small parts with a small Le
        assertArrayEquals(want.toByteArray(), d.card.expect(0x9000, "80CADF50000900"));
        Card.Resp first = d.card.send("80CADF5007");
        assertEquals(0x6100, first.sw() & 0xFF00);
        assertEquals(7, first.data().length);
        // delete one: gone from the list, a second delete 6A88
        assertEquals(0x9000, d.issuer(0xD4, 3, 0, new byte[0]));
        assertEquals(0x6A88, d.issuer(0xD4, 3, 0, new byte[0]));
        byte[] list = d.card.expectAll(0x9000, "80CADF5000");
        assertEquals(15 * 140, list.length);
        assertArrayEquals(Arrays.copyOfRange(want.toByteArray(), 4 * 140, 16 * 140),
                Arrays.copyOfRange(list, 3 * 140, 15 * 140));
        assertEquals("0000FF0201", d.check(id(3)));
        // short ids, replaced in place
        assertEquals(0x9000, d.putServer(3, 3, 0, 0xFFFFFFFFL, DmCard.SERVER_KEY, "a"));
        assertEquals("0103030200", d.check("a"));
        assertEquals(0x9000, d.putServer(3, 1, 0, 0xFFFFFFFFL, DmCard.SERVER_KEY, "a"));
        assertEquals("0101030200", d.check("a"));
    }

    @Test
    void serverPutChecks() {
        DmCard d = DmCard.blank();
        byte[] e = DmCard.serverEntry(3, 0, 0xFFFFFFFFL, DmCard.SERVER_KEY, DmCard.SERVER);
        assertEquals(0x6A86, d.issuer(0xD2, 16, 0, e));
        assertEquals(0x6A86, d.issuer(0xD2, 0xFF, 0, e));
        assertEquals(0x6A86, d.issuer(0xD2, 0, 1, e));
        assertEquals(0x6700, d.issuer(0xD2, 0, 0, Arrays.copyOf(e, 75)));              // no id
        assertEquals(0x6700, d.issuer(0xD2, 0, 0, Hex.cat(Arrays.copyOf(e, 75), new byte[65])));
        byte[] bad = e.clone();
        bad[74] = 13;                                                                   // id_len does not match
        assertEquals(0x6A80, d.issuer(0xD2, 0, 0, bad));
        bad = e.clone();
        bad[0] = 8;                                                                     // an unknown permission
        assertEquals(0x6A80, d.issuer(0xD2, 0, 0, bad));
        assertEquals(0x6A80, d.issuer(0xD2, 0, 0,
                DmCard.serverEntry(3, 0x80000000L, 0x7FFFFFFFL, DmCard.SERVER_KEY, DmCard.SERVER))); // unsigned order
        bad = e.clone();
        bad[9] = 3;                                                                     // a compressed point
        assertEquals(0x6A80, d.issuer(0xD2, 0, 0, bad));
        bad = e.clone();
        bad[9 + 64] ^= 1;                                                               // not on the curve
        assertEquals(0x6A80, d.issuer(0xD2, 0, 0, bad));
        assertEquals(0, d.card.getData(0xDF50).length, "nothing written");
        assertEquals(0x9000, d.issuer(0xD2, 0, 0, e));
        assertEquals(0x6A80, d.issuer(0xD2, 1, 0, e));                                 // the same id in another slot
        assertEquals(0x9000, d.issuer(0xD2, 0, 0, e));                                 // but the same slot: a replace
        assertEquals(0x6700, d.issuer(0xD4, 0, 0, new byte[1]));
        assertEquals(0x6A86, d.issuer(0xD4, 16, 0, new byte[0]));
        assertEquals(0x6A88, d.issuer(0xD4, 1, 0, new byte[0]));
    }

    @Test
    void policy() {
        DmCard d = DmCard.blank();
        assertEquals("0200", Hex.s(d.card.getData(0xDF51)));                          // WARN_CONFIRM, no flags
        assertEquals(0x9000, d.setPolicy(3, 1));
        assertEquals("0301", Hex.s(d.card.getData(0xDF51)));
        assertEquals(0x9000, d.setPolicy(1, 3));
        assertEquals("0103", Hex.s(d.card.getData(0xDF51)));
        assertEquals(0x6A86, d.setPolicy(0, 0));
        assertEquals(0x6A86, d.setPolicy(4, 0));
        assertEquals(0x6A86, d.setPolicy(2, 4));
        assertEquals(0x6700, d.issuer(0xD6, 2, 0, new byte[1]));
        assertEquals("0103", Hex.s(d.card.getData(0xDF51)));
        assertEquals("0000FF0101", d.check(DmCard.SERVER));
    }

    @Test
    void originators() {
        DmCard d = DmCard.blank();
        assertEquals(0, d.card.getData(0xDF54).length);
        for (int i = 0; i < 4; i++) {
            assertEquals(0x9000, d.putOriginator(i, i % 2 == 0 ? DmCard.ORIGINATOR : DmCard.OTHER));
        }
        byte[] list = d.card.expectAll(0x9000, "80CADF5400");
        assertEquals(4 * 70, list.length);
        for (int i = 0; i < 4; i++) {
            assertEquals(i, list[70 * i]);
            assertArrayEquals(TestManifest.point(i % 2 == 0 ? DmCard.ORIGINATOR : DmCard.OTHER),
                    Arrays.copyOfRange(list, 70 * i + 1, 70 * i + 66));
            assertEquals(0, TestLog.u32(list, 70 * i + 66));
        }
        assertEquals(0x9000, d.issuer(0xDC, 2, 0, new byte[0]));
        assertEquals(0x6A88, d.issuer(0xDC, 2, 0, new byte[0]));
        assertEquals(3 * 70, d.card.expectAll(0x9000, "80CADF5400").length);
        assertEquals(0x6A86, d.putOriginator(4, DmCard.ORIGINATOR));
        assertEquals(0x6A86, d.issuer(0xD8, 0, 1, TestManifest.point(DmCard.OTHER)));
        assertEquals(0x6700, d.issuer(0xD8, 2, 0, Arrays.copyOf(TestManifest.point(DmCard.OTHER), 64)));
        byte[] p = TestManifest.point(DmCard.OTHER);
        p[0] = 2;
        assertEquals(0x6A80, d.issuer(0xD8, 2, 0, p));
        p = TestManifest.point(DmCard.OTHER);
        p[64] ^= 1;                                                                     // not on the curve
        assertEquals(0x6A80, d.issuer(0xD8, 2, 0, p));
        assertEquals(0x6700, d.issuer(0xDC, 1, 0, new byte[1]));
        assertEquals(0x6A86, d.issuer(0xDC, 4, 0, new byte[0]));
        assertEquals(3 * 70, d.card.expectAll(0x9000, "80CADF5400").length);
    }

    @Test
    void tokenKeyIsWriteOnly() {
        DmCard d = DmCard.ready();
        assertEquals(0x6700, d.putTokenKey(Arrays.copyOf(DmCard.TOKEN_KEY, 15)));
        assertEquals(0x6700, d.putTokenKey(Arrays.copyOf(DmCard.TOKEN_KEY, 17)));
        assertEquals(0x6A86, d.issuer(0xDE, 1, 0, DmCard.TOKEN_KEY));
        assertEquals(0x9000, d.putTokenKey(DmCard.TOKEN_KEY));
        // no GET DATA object of the DF space carries it
        String key = Hex.s(DmCard.TOKEN_KEY);
        for (int t = 0xDF00; t <= 0xDFFF; t++) {
            Card.Resp r = d.card.sendAll(new byte[] {(byte) 0x80, (byte) 0xCA, (byte) (t >> 8), (byte) t, 0}, null);
            assertFalse(r.hex().contains(key), String.format("%04X", t));
        }
        // the token verifies with it (the subscriber token test covers the rest)
        d.check(DmCard.SERVER);
        byte[] m = FuFlowTest.fw(0x0105, 1).sign(DmCard.ORIGINATOR);
        assertEquals(0x9000, d.verify(m, TestManifest.token(DmCard.TOKEN_KEY, m, DmCard.CARD_ID, 1)).sw());
    }

    @Test
    void logKeyAndStatusAtInstall() throws Exception {
        DmCard d = DmCard.blank();
        byte[] spki = d.card.getData(0xDF53);
        assertEquals("3059301306072A8648CE3D020106082A8648CE3D030107034200", Hex.s(Arrays.copyOf(spki, 26)));
        BcastCard.publicKey(spki);
        assertEquals("00000000" + "20" + "00000001", Hex.s(d.card.getData(0xDF52)));
        assertEquals("000000", Hex.s(d.card.getData(0xDF55)));
        d.card.sim.reset();
        d.card.select();
        assertArrayEquals(spki, d.card.getData(0xDF53));
    }
}
