package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The firmware-update log (dm-firmware.md §3, §5): the chain recomputed from exported records, the ring wrapping
 * after 32 records (first retained seq, h_before_first), the signed checkpoint verified with the LOG_PUBLIC_KEY over
 * the exact bytes of §3.4, tampering anywhere detected, LOG_READ parameters, and the DM server authentication.
 */
class FuLogTest {
    /** Appends one confirmation record (a session for an unlisted server, confirmed). */
    static void confirmation(DmCard d) {
        d.check(DmCard.UNLISTED);
        assertEquals(0x9000, d.confirm(DmCard.UNLISTED));
    }

    static byte[] chain(byte[] h, List<byte[]> records) {
        for (byte[] r : records) {
            h = TestLog.chain(h, r);
        }
        return h;
    }

    @Test
    void chainAndWrap() {
        DmCard d = DmCard.ready();
        List<byte[]> all = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            confirmation(d);
            if (i <= 8 || i >= 30) {
                List<byte[]> got = d.verifiedLog(); // checkpoint signature, chain to the head, count and first
                long first = Math.max(1, i - 31);
                assertEquals(i - first + 1, got.size());
                assertEquals(first, TestLog.u32(got.get(0), 0));
                if (i <= 8) {
                    all = new ArrayList<>(got);
                } else {
                    // the records kept equal those read before; h_before_first is h_{first-1} of the full chain
                    assertArrayEquals(all.get((int) first - 1), got.get(0));
                    all.subList((int) first - 1, all.size()).clear();
                    all.addAll(got);
                }
            }
            if (i > 8 && i < 30) {
                all.add(null); // not read: filled in at 30 from the window (seq 1..8 stay known)
            }
        }
        assertEquals(40, all.size());
        long[] st = d.status();
        assertEquals(40, st[0]);
        assertEquals(9, st[1]);
        // h_before_first of the window is h_8, recomputed here from the records 1..8 read before they were dropped
        assertEquals(0x9000, d.auth(0, DmCard.SERVER_KEY));
        List<byte[]> w = d.readAll();
        assertArrayEquals(chain(new byte[32], all.subList(0, 8)), w.get(0));
        // LOG_READ from the middle of the window: h_before is the chain up to the record before
        byte[] part = d.card.expectAll(0x9000, "8040050300");
        assertEquals(32 + 3 * 96, part.length);
        assertArrayEquals(chain(w.get(0), w.subList(1, 6)), Arrays.copyOf(part, 32));
        assertArrayEquals(w.get(6), Arrays.copyOfRange(part, 32, 128));
        for (int i = 0; i < 32; i++) {
            byte[] r = w.get(i + 1);
            assertEquals(9 + i, TestLog.u32(r, 0));
            assertEquals("10/06/0/02", DmCard.brief(r));
            assertEquals(DmCard.UNLISTED.length(), r[25]);
            assertArrayEquals(new byte[32 + 4 + 2], Arrays.copyOfRange(r, 58, 96), "no manifest fields");
        }
    }

    @Test
    void checkpointLayoutAndSignature() throws Exception {
        DmCard d = DmCard.ready();
        confirmation(d);
        confirmation(d);
        byte[] spki = d.card.getData(0xDF53);
        assertEquals(91, spki.length);
        PublicKey key = BcastCard.publicKey(spki);
        assertEquals(256, ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize());
        assertEquals(0x9000, d.auth(0, DmCard.SERVER_KEY));
        List<byte[]> all = d.readAll();
        byte[] nonce = Hex.fill(32, 0x40);
        byte[] cp = d.checkpoint(nonce);
        // "SCAGENT-LOG-CHECKPOINT-1" || card id || count || first || head || nonce_len || nonce || sig_len || sig
        assertEquals("SCAGENT-LOG-CHECKPOINT-1", new String(cp, 0, 24));
        assertArrayEquals(DmCard.CARD_ID, Arrays.copyOfRange(cp, 24, 40));
        assertEquals(2, TestLog.u32(cp, 40));
        assertEquals(1, TestLog.u32(cp, 44));
        assertArrayEquals(chain(new byte[32], all.subList(1, 3)), Arrays.copyOfRange(cp, 48, 80));
        assertEquals(32, cp[80]);
        assertArrayEquals(nonce, Arrays.copyOfRange(cp, 81, 113));
        int sigLen = cp[113] & 0xFF;
        assertEquals(114 + sigLen, cp.length);
        Signature v = Signature.getInstance("SHA256withECDSA");
        v.initVerify(key);
        v.update(cp, 0, 113);
        assertEquals(true, v.verify(Arrays.copyOfRange(cp, 114, cp.length)));
        assertNull(TestLog.check(key, DmCard.CARD_ID, nonce, cp, all.get(0), all.subList(1, 3)));
        // a second checkpoint with the same nonce: a fresh signature (the nonce k moves on), same signed bytes
        byte[] cp2 = d.checkpoint(nonce);
        assertArrayEquals(Arrays.copyOf(cp, 113), Arrays.copyOf(cp2, 113));
        assertFalse(Arrays.equals(cp, cp2));
        // also across reselect and reset
        d.card.select();
        assertEquals(0x9000, d.auth(0, DmCard.SERVER_KEY));
        assertFalse(Arrays.equals(cp2, d.checkpoint(nonce)));
        d.card.sim.reset();
        d.card.select();
        assertEquals(0x9000, d.auth(0, DmCard.SERVER_KEY));
        assertFalse(Arrays.equals(cp, d.checkpoint(nonce)));
        // nonce lengths 16..32
        d.checkpoint(Hex.fill(16, 1));
        d.card.expect(0x6700, "804400000F" + "00".repeat(15) + "00");
        d.card.expect(0x6700, "8044000021" + "00".repeat(33) + "00");
        d.card.expect(0x6A86, "8044010010" + "00".repeat(16) + "00");
        // the key is the same across reset; and it is not the checkpoint of another nonce
        assertArrayEquals(spki, d.card.getData(0xDF53));
        assertNotNull(TestLog.check(key, DmCard.CARD_ID, Hex.fill(32, 0x41), cp, all.get(0), all.subList(1, 3)));
    }

    @Test
    void anyTamperingIsDetected() throws Exception {
        DmCard d = DmCard.ready();
        for (int i = 0; i < 34; i++) {
            confirmation(d);
        }
        d.install(TestManifest.firmware(FuFlowTest.PKG, DmCard.SERVER, 0x0105, 1));
        assertEquals(0x9000, d.auth(0, DmCard.SERVER_KEY));
        List<byte[]> all = d.readAll();
        byte[] before = all.get(0);
        List<byte[]> recs = all.subList(1, all.size());
        byte[] nonce = Hex.fill(20, 0x33);
        byte[] cp = d.checkpoint(nonce);
        PublicKey key = d.logKey();
        assertNull(TestLog.check(key, DmCard.CARD_ID, nonce, cp, before, recs));
        int checked = 0;
        for (int i = 0; i < cp.length; i++) {
            byte[] t = cp.clone();
            t[i] ^= 0x01;
            assertNotNull(TestLog.check(key, DmCard.CARD_ID, nonce, t, before, recs), "checkpoint byte " + i);
            checked++;
        }
        for (int i = 0; i < 32; i++) {
            byte[] t = before.clone();
            t[i] ^= 0x80;
            assertNotNull(TestLog.check(key, DmCard.CARD_ID, nonce, cp, t, recs), "h_before byte " + i);
            checked++;
        }
        for (int r = 0; r < recs.size(); r++) {
            for (int i = 0; i < 96; i++) {
                List<byte[]> t = new ArrayList<>(recs);
                byte[] x = recs.get(r).clone();
                x[i] ^= 0x01;
                t.set(r, x);
                assertNotNull(TestLog.check(key, DmCard.CARD_ID, nonce, cp, before, t), "record " + r + " byte " + i);
                checked++;
            }
        }
        assertEquals(cp.length + 32 + 32 * 96, checked);
        // a record left out, two swapped, one more: detected too
        List<byte[]> t = new ArrayList<>(recs);
        t.remove(31);
        assertNotNull(TestLog.check(key, DmCard.CARD_ID, nonce, cp, before, t));
        t = new ArrayList<>(recs);
        t.set(3, recs.get(4));
        t.set(4, recs.get(3));
        assertNotNull(TestLog.check(key, DmCard.CARD_ID, nonce, cp, before, t));
        t = new ArrayList<>(recs);
        t.add(recs.get(0));
        assertNotNull(TestLog.check(key, DmCard.CARD_ID, nonce, cp, before, t));
        // another card's checkpoint does not pass for this card
        assertNotNull(TestLog.check(key, Hex.fill(16, 0), nonce, cp, before, recs));
    }

    @Test
    void readParametersAndResponses() {
        DmCard d = DmCard.ready();
        assertEquals("00000000" + "20" + "00000001", Hex.s(d.card.getData(0xDF52)));
        assertEquals(0x9000, d.auth(0, DmCard.SERVER_KEY));
        d.card.expect(0x6A88, "8040000100");                       // an empty log
        byte[] nonce = Hex.fill(16, 9);
        byte[] cp = d.checkpoint(nonce);
        try {
            assertNull(TestLog.check(d.logKey(), DmCard.CARD_ID, nonce, cp, new byte[32], List.of()));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        for (int i = 0; i < 10; i++) {
            confirmation(d);
        }
        d.card.expect(0x6A86, "8040000000");
        d.card.expect(0x6A86, "8040000900");
        d.card.expect(0x6A88, "80400A0100");
        d.card.expect(0x6A88, "8040FF0100");
        // fewer than asked when the window ends
        assertEquals(32 + 2 * 96, d.card.expectAll(0x9000, "8040080800").length);
        // 8 records: 800 bytes, in 256-byte parts with 61xx, or at once with an extended Le
        int[] parts = new int[1];
        Card.Resp r = d.card.sendAll(Hex.b("8040000800"), parts);
        assertEquals(0x9000, r.sw());
        assertEquals(800, r.data().length);
        assertEquals(4, parts[0]);
        Card.Resp ext = d.card.send("80400008000400");
        assertEquals(0x9000, ext.sw());
        assertArrayEquals(r.data(), ext.data());
        // DF50 of 16 servers is long as well (checked in DmAdminTest); DF52 is 9 bytes
        assertEquals("0000000A" + "20" + "00000001", Hex.s(d.card.getData(0xDF52)));
    }

    @Test
    void serverAuthentication() {
        DmCard d = DmCard.ready();
        assertEquals(0x9000, d.putServer(1, DmCard.PERM_FW, 0, 0xFFFFFFFFL, DmCard.OTHER, "fw-only.example"));
        assertEquals(0x9000, d.putServer(2, DmCard.PERM_READ, 0, DmCard.TIME - 1, DmCard.OTHER, "expired.example"));
        // a wrong signature: 6300, and the challenge is spent
        d.card.expect(0x6982, "8040000100");
        assertEquals(0x6300, d.auth(0, DmCard.OTHER));
        byte[] ch = d.card.expect(0x9000, "803C000000");
        assertEquals(16, ch.length);
        byte[] sig = TestManifest.der(DmCard.OTHER, Hex.cat("SCAGENT-DM-AUTH-1".getBytes(), DmCard.CARD_ID, ch), 0);
        d.card.expect(0x6300, Hex.cat(new byte[] {(byte) 0x80, 0x3E, 0, 0, (byte) sig.length}, sig));
        byte[] good = TestManifest.der(DmCard.SERVER_KEY, Hex.cat("SCAGENT-DM-AUTH-1".getBytes(), DmCard.CARD_ID, ch), 0);
        d.card.expect(0x6985, Hex.cat(new byte[] {(byte) 0x80, 0x3E, 0, 0, (byte) good.length}, good));
        // another slot than the challenge's: 6985; the challenge of another card id or challenge: 6300
        d.card.expect(0x9000, "803C000000");
        d.card.expect(0x6985, Hex.cat(new byte[] {(byte) 0x80, 0x3E, 1, 0, (byte) good.length}, good));
        ch = d.card.expect(0x9000, "803C000000");
        byte[] otherCard = TestManifest.der(DmCard.SERVER_KEY, Hex.cat("SCAGENT-DM-AUTH-1".getBytes(), new byte[16], ch), 0);
        d.card.expect(0x6300, Hex.cat(new byte[] {(byte) 0x80, 0x3E, 0, 0, (byte) otherCard.length}, otherCard));
        // malformed signatures: a wrong length is 6700, bad DER 6300
        d.card.expect(0x9000, "803C000000");
        d.card.expect(0x6700, "803E000007" + "30050201010201");
        d.card.expect(0x9000, "803C000000");
        d.card.expect(0x6300, "803E000008" + "3006020101020181");
        // no READ_LOG: 6982; outside the validity at the session's time: 6982; with no session: not checked
        assertEquals(0x6982, d.auth(1, DmCard.OTHER));
        d.card.expect(0x6982, "8040000100");
        assertEquals(0x9000, d.auth(2, DmCard.OTHER));
        d.check(DmCard.SERVER);
        assertEquals(0x6982, d.auth(2, DmCard.OTHER));
        d.card.expect(0x6982, "8040000100");
        // the role is lost on a new LOG_AUTH_BEGIN, on reselect and on reset
        assertEquals(0x9000, d.auth(0, DmCard.SERVER_KEY));
        d.card.expect(0x6A88, "8040000100");                     // authenticated: the log is just empty
        d.card.expect(0x9000, "803C000000");
        d.card.expect(0x6982, "8040000100");
        assertEquals(0x9000, d.auth(0, DmCard.SERVER_KEY));
        d.card.select();
        d.card.expect(0x6982, "8040000100");
        assertEquals(0x9000, d.auth(0, DmCard.SERVER_KEY));
        d.card.sim.reset();
        d.card.select();
        d.card.expect(0x6982, "8044000010" + "00".repeat(16) + "00");
        // an empty slot has no challenge
        d.card.expect(0x6A88, "803C050000");
    }
}
