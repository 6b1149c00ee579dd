package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * AUTHENTICATE in the MBMS context (applet-spec/mbms.md) against the JDK BM-SC ({@link TestBmsc}): the MUK from the
 * NAF derivation, MSK updates, MTK generation, every replay and validity rule, MAC failures without state change,
 * chaining and answer retrieval, the table limits, deletions and the status object.
 */
class MbmsTest {
    static final String FQDN = "bmsc.example.org";
    static final String BTID = "btid-1@bsf.example.org";
    static final byte[] NAF = Hex.cat(FQDN.getBytes(), Hex.b("0100000001"));
    static final byte[] MSK_ID = Hex.b("00010002");
    static final byte[] MSK = Hex.fill(16, 0x40);
    static final byte[] MTK = Hex.fill(16, 0x70);
    static final byte[] SALT = Hex.fill(14, 0x90);

    /** A GBA-ready card, bootstrapped (RAND1), B-TID written, NAF derivation for the BM-SC done: the MUK is there. */
    static DmCard ready() {
        DmCard d = GbaTest.ready();
        assertEquals(0x9000, GbaTest.bootstrap(d, GbaTest.RAND1, 0x20).sw());
        GbaTest.putBtid(d, BTID);
        d.card.expect(0x9000, GbaTest.nafApdu(NAF, GbaTest.IMPI.getBytes()));
        return d;
    }

    static byte[] muk() {
        byte[] ks = Hex.cat(GbaTest.NET.ck(GbaTest.RAND1), GbaTest.NET.ik(GbaTest.RAND1));
        return TestMilenage.ksNaf(ks, "gba-u", GbaTest.RAND1, GbaTest.IMPI.getBytes(), NAF);
    }

    /** One-block command (Lc ≤ 255). */
    static byte[] apdu(int p1, byte[] data) {
        return Hex.cat(new byte[] {0, (byte) 0x89, (byte) p1, (byte) 0x85, (byte) data.length}, data, new byte[] {0});
    }

    static Card.Resp send(DmCard d, int mode, byte[] m) {
        return d.card.send(apdu(0x80, TestBmsc.tlv(mode, m)));
    }

    static TestBmsc.Built ltkm(long counter, boolean v) {
        return TestBmsc.ltkm(muk(), FQDN, BTID, MSK_ID, MSK, counter, 1, 100, v, null);
    }

    static byte[] stkm(int mtkId, long counter) {
        return TestBmsc.stkm(MSK, MSK_ID, mtkId, counter, MTK, SALT, true);
    }

    @Test
    void ltkmThenStkmsGiveTheMtk() {
        DmCard d = ready();
        assertEquals("5301DB", Hex.s(d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(1, ltkm(5, false).msg())))));
        for (int id = 1; id <= 3; id++) {
            byte[] r = d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(2, stkm(id, 10 + id))));
            assertEquals("531FDB" + Hex.s(MTK) + Hex.s(SALT), Hex.s(r));
        }
        // a TEK without salt, no Key Domain ID
        byte[] r = d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(2,
                TestBmsc.stkm(MSK, MSK_ID, 9, 20, MTK, null, false))));
        assertEquals("5311DB" + Hex.s(MTK), Hex.s(r));
    }

    @Test
    void aReplacedMskIsUsedAtOnce() {
        // the card caches an MSK's STKM keys: a new MSK under the same ID, or another CSB ID, must not use them
        DmCard d = ready();
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(1, ltkm(5, false).msg())));
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(2, stkm(1, 10))));
        byte[] msk2 = Hex.fill(16, 0x41);
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(1, TestBmsc.ltkm(muk(), FQDN, BTID, MSK_ID, msk2, 6, 1, 100,
                false, null).msg())));
        d.card.expect(0x9862, apdu(0x80, TestBmsc.tlv(2, stkm(2, 11))));   // the old MSK no longer verifies
        byte[] r = d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(2, TestBmsc.stkm(msk2, MSK_ID, 2, 11, MTK, SALT,
                true))));
        assertEquals("531FDB" + Hex.s(MTK) + Hex.s(SALT), Hex.s(r));
        byte[] other = TestBmsc.stkm(msk2, MSK_ID, 3, 12, MTK, SALT, true);
        other[4] ^= 0x01; // another CSB ID: other keys, so the MAC (made with the first CSB's keys) fails
        d.card.expect(0x9862, apdu(0x80, TestBmsc.tlv(2, other)));
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(2, TestBmsc.stkm(msk2, MSK_ID, 3, 12, MTK, SALT, true))));
    }

    @Test
    void theVerificationMessageIsTheBmscs() {
        DmCard d = ready();
        TestBmsc.Built b = ltkm(7, true);
        byte[] r = d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(1, b.msg())));
        assertEquals("5327DB", Hex.s(Arrays.copyOf(r, 3)));
        assertArrayEquals(TestBmsc.verification(b, FQDN, BTID, 7), Arrays.copyOfRange(r, 3, r.length));
    }

    @Test
    void replaysAndValidity() {
        DmCard d = ready();
        byte[] l = ltkm(5, false).msg();
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(1, l)));
        d.card.expect(0x9865, apdu(0x80, TestBmsc.tlv(1, l)));                  // the same LTKM again
        d.card.expect(0x9865, apdu(0x80, TestBmsc.tlv(1, ltkm(4, false).msg()))); // an older counter
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(2, stkm(5, 10))));
        String before = PersistentState.of(d.card);
        d.card.expect(0x9865, apdu(0x80, TestBmsc.tlv(2, stkm(5, 10))));   // replay
        d.card.expect(0x9865, apdu(0x80, TestBmsc.tlv(2, stkm(6, 10))));   // same counter
        d.card.expect(0x9865, apdu(0x80, TestBmsc.tlv(2, stkm(4, 11))));   // lower MTK ID
        d.card.expect(0x9865, apdu(0x80, TestBmsc.tlv(2, stkm(101, 11)))); // beyond VT
        assertEquals(before, PersistentState.of(d.card));
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(2, stkm(100, 11))));  // VT itself
        // a new MSK (counter 6) with VF 50: MTK ID 49 is outside
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(1, TestBmsc.ltkm(muk(), FQDN, BTID, MSK_ID, MSK, 6, 50, 60,
                false, null).msg())));
        d.card.expect(0x9865, apdu(0x80, TestBmsc.tlv(2, stkm(49, 12))));
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(2, stkm(50, 12))));
    }

    @Test
    void everyTamperedByteIsRefusedAndNothingChanges() {
        DmCard d = ready();
        byte[] l = ltkm(5, false).msg();
        String before = PersistentState.of(d.card);
        for (int i = 0; i < l.length; i++) {
            byte[] bad = l.clone();
            bad[i] ^= 0x01;
            int sw = send(d, 1, bad).sw();
            if (sw != 0x9862 && sw != 0x6A80 && sw != 0x6A88) {
                throw new AssertionError(String.format("byte %d: SW %04X", i, sw));
            }
        }
        assertEquals(before, PersistentState.of(d.card));
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(1, l)));
        byte[] s = stkm(1, 10);
        before = PersistentState.of(d.card);
        for (int i = 0; i < s.length; i++) {
            byte[] bad = s.clone();
            bad[i] ^= 0x80;
            int sw = send(d, 2, bad).sw();
            if (sw != 0x9862 && sw != 0x6A80 && sw != 0x6A88) {
                throw new AssertionError(String.format("STKM byte %d: SW %04X", i, sw));
            }
        }
        assertEquals(before, PersistentState.of(d.card));
        // a key made with another MUK
        d.card.expect(0x9862, apdu(0x80, TestBmsc.tlv(1, TestBmsc.ltkm(Hex.fill(32, 1), FQDN, BTID, MSK_ID, MSK, 9, 1,
                100, false, null).msg())));
    }

    @Test
    void unknownKeysAndRefusals() {
        DmCard d = ready();
        d.card.expect(0x6A88, apdu(0x80, TestBmsc.tlv(1, TestBmsc.ltkm(muk(), "other.example.org", BTID, MSK_ID, MSK,
                5, 1, 100, false, null).msg())));
        d.card.expect(0x6A88, apdu(0x80, TestBmsc.tlv(1, TestBmsc.ltkm(muk(), FQDN, "old@bsf", MSK_ID, MSK, 5, 1, 100,
                false, null).msg())));
        d.card.expect(0x6A88, apdu(0x80, TestBmsc.tlv(2, stkm(1, 1))));     // no MSK yet
        d.card.expect(0x6A80, apdu(0x80, TestBmsc.tlv(9, stkm(1, 1))));     // unknown mode
        d.card.expect(0x6A80, apdu(0x80, TestBmsc.tlv(2, ltkm(5, false).msg()))); // an LTKM as an STKM
        d.card.expect(0x6A80, apdu(0x80, TestBmsc.tlv(1, stkm(1, 1))));     // and the reverse
        d.card.expect(0x9864, "0089808403530102"); // GBA context with the odd INS
        d.card.expect(0x6A86, "0089408503530102");
        d.card.expect(0x6985, "0089008503530102"); // a next block with no chain
        d.card.expect(0x6985, "0089208500");       // nothing to retrieve
        d.card.expect(0x6A80, "0089808503540102"); // not a 53 TLV
        d.card.expect(0x6A80, "00898085045301020304"); // longer than its L
        d.card.select();
        d.card.expect(0x6982, apdu(0x80, TestBmsc.tlv(2, stkm(1, 1))));
    }

    @Test
    void chainedCommandsAndAnswerRetrieval() {
        DmCard d = ready();
        // an LTKM with an OMA BCAST extension of 400 bytes: three blocks
        TestBmsc.Built b = TestBmsc.ltkm(muk(), FQDN, BTID, MSK_ID, MSK, 5, 1, 100, true, Hex.fill(400, 0x01));
        byte[] tlv = TestBmsc.tlv(1, b.msg());
        int off = 0;
        int blocks = 0;
        while (true) {
            int n = Math.min(200, tlv.length - off);
            byte[] part = Arrays.copyOfRange(tlv, off, off + n);
            byte[] cmd = Hex.cat(new byte[] {0, (byte) 0x89, (byte) (off == 0 ? 0x80 : 0x00), (byte) 0x85, (byte) n},
                    part);
            off += n;
            blocks++;
            if (off < tlv.length) {
                d.card.expect(0x63F1, cmd);
            } else {
                d.card.expect(0x62F3, cmd);
                break;
            }
        }
        assertEquals(3, blocks);
        byte[] want = Hex.cat(Hex.b("5327DB"), TestBmsc.verification(b, FQDN, BTID, 5));
        // retrieve in parts of 16 bytes: 62F1 while more remains
        byte[] got = d.card.expect(0x62F1, "0089A08510");
        got = Hex.cat(got, d.card.expect(0x62F1, "0089208510"));
        got = Hex.cat(got, d.card.expect(0x9000, "0089208510"));
        assertArrayEquals(want, got);
        d.card.expect(0x6985, "0089208500");
        // another command in between drops a chain
        d.card.expect(0x63F1, Hex.cat(Hex.b("00898085C8"), Arrays.copyOf(tlv, 200)));
        d.card.expect(0x9000, "80CADF3000");
        d.card.expect(0x6985, Hex.cat(Hex.b("00890085C8"), Arrays.copyOfRange(tlv, 200, 400)));
        // the whole answer at once with P1 A0 and Le 00
        TestBmsc.Built b2 = TestBmsc.ltkm(muk(), FQDN, BTID, MSK_ID, MSK, 6, 1, 100, true, Hex.fill(400, 0x02));
        byte[] t2 = TestBmsc.tlv(1, b2.msg());
        d.card.expect(0x63F1, Hex.cat(Hex.b("00898085FF"), Arrays.copyOf(t2, 255)));
        d.card.expect(0x63F1, Hex.cat(Hex.b("00890085FF"), Arrays.copyOfRange(t2, 255, 510)));
        byte[] rest = Arrays.copyOfRange(t2, 510, t2.length);
        d.card.expect(0x62F3, Hex.cat(new byte[] {0, (byte) 0x89, 0, (byte) 0x85, (byte) rest.length}, rest));
        assertArrayEquals(Hex.cat(Hex.b("5327DB"), TestBmsc.verification(b2, FQDN, BTID, 6)),
                d.card.expect(0x9000, "0089A08500"));
    }

    @Test
    void tablesFillAndDeletions() {
        DmCard d = ready();
        // two MSKs per group; a third replaces the lower Key Number
        long c = 1;
        for (String id : new String[] {"00050001", "00050002", "00050003"}) {
            d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(1, TestBmsc.ltkm(muk(), FQDN, BTID, Hex.b(id), MSK, c++, 1,
                    100, false, null).msg())));
        }
        d.card.expect(0x6A88, apdu(0x80, TestBmsc.tlv(2, TestBmsc.stkm(MSK, Hex.b("00050001"), 1, 1, MTK, SALT,
                true))));
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(2, TestBmsc.stkm(MSK, Hex.b("00050002"), 1, 1, MTK, SALT,
                true))));
        // 7 more groups: the 8 entries fill up (2 in group 5 + 6 groups), the next is 9866
        for (int g = 6; g < 12; g++) {
            d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(1, TestBmsc.ltkm(muk(), FQDN, BTID,
                    Hex.b(String.format("%04X0001", g)), MSK, c++, 1, 100, false, null).msg())));
        }
        String full = PersistentState.of(d.card);
        d.card.expect(0x9866, apdu(0x80, TestBmsc.tlv(1, TestBmsc.ltkm(muk(), FQDN, BTID, Hex.b("000C0001"), MSK,
                c, 1, 100, false, null).msg())));
        assertEquals(full, PersistentState.of(d.card));
        // MSK deletion of group 5 (two keys), then of a group that has none
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(3, Hex.b("00F1100005"))));
        d.card.expect(0x6A88, apdu(0x80, TestBmsc.tlv(3, Hex.b("00F1100005"))));
        d.card.expect(0x6A80, apdu(0x80, TestBmsc.tlv(3, Hex.b("00F11000"))));
        // status: one MUK (IDi, IDr, TS = the last counter), six MSKs
        byte[] st = d.card.getData(0xDF65);
        String head = "01" + String.format("%02X", FQDN.length()) + Hex.s(FQDN.getBytes())
                + String.format("%02X", BTID.length()) + Hex.s(BTID.getBytes()) + String.format("%08X", c - 1) + "06";
        assertEquals(head, Hex.s(Arrays.copyOf(st, head.length() / 2)));
        assertEquals(head.length() / 2 + 6 * 17, st.length);
        // MUK deletion: A0 { 80 IDr, 82 IDi }
        byte[] idr = BTID.getBytes();
        byte[] idi = FQDN.getBytes();
        byte[] inner = Hex.cat(new byte[] {(byte) 0x80, (byte) idr.length}, idr, new byte[] {(byte) 0x82,
                (byte) idi.length}, idi);
        byte[] del = Hex.cat(new byte[] {(byte) 0xA0, (byte) inner.length}, inner);
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(4, del)));
        d.card.expect(0x6A88, apdu(0x80, TestBmsc.tlv(4, del)));
        assertEquals("00", Hex.s(Arrays.copyOf(d.card.getData(0xDF65), 1)));
        d.card.expect(0x6A88, apdu(0x80, TestBmsc.tlv(1, ltkm(100, false).msg())));
    }

    @Test
    void theMukTable() {
        DmCard d = ready();
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(1, ltkm(5, false).msg())));
        // the NAF derivation again (same bootstrap): the replay counter is kept
        d.card.expect(0x9000, GbaTest.nafApdu(NAF, GbaTest.IMPI.getBytes()));
        d.card.expect(0x9865, apdu(0x80, TestBmsc.tlv(1, ltkm(5, false).msg())));
        // three more BM-SCs fill the table; a fifth is 9867
        for (int i = 2; i <= 4; i++) {
            d.card.expect(0x9000, GbaTest.nafApdu(Hex.cat(("bmsc" + i + ".example.org").getBytes(),
                    Hex.b("0100000001")), GbaTest.IMPI.getBytes()));
        }
        d.card.expect(0x9867, GbaTest.nafApdu(Hex.cat("bmsc5.example.org".getBytes(), Hex.b("0100000001")),
                GbaTest.IMPI.getBytes()));
        // a non-MBMS NAF is not a MUK
        d.card.expect(0x9000, GbaTest.nafApdu(Hex.cat("dm.example.org".getBytes(), Hex.b("0100000002")),
                GbaTest.IMPI.getBytes()));
        // a new bootstrap (new B-TID) replaces the BM-SC's MUK and restarts its counter
        assertEquals(0x9000, GbaTest.bootstrap(d, Hex.fill(16, 0x77), 0x40).sw());
        GbaTest.putBtid(d, "btid-2@bsf.example.org");
        d.card.expect(0x9000, GbaTest.nafApdu(NAF, GbaTest.IMPI.getBytes()));
        byte[] ks = Hex.cat(GbaTest.NET.ck(Hex.fill(16, 0x77)), GbaTest.NET.ik(Hex.fill(16, 0x77)));
        byte[] muk2 = TestMilenage.ksNaf(ks, "gba-u", Hex.fill(16, 0x77), GbaTest.IMPI.getBytes(), NAF);
        d.card.expect(0x9000, apdu(0x80, TestBmsc.tlv(1, TestBmsc.ltkm(muk2, FQDN, "btid-2@bsf.example.org", MSK_ID,
                MSK, 1, 1, 100, false, null).msg())));
        d.card.expect(0x6A88, apdu(0x80, TestBmsc.tlv(1, ltkm(6, false).msg()))); // the old MUK ID is gone
    }
}
