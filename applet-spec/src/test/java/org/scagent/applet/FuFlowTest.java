package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The firmware-update session (dm-firmware.md §4): an install with each package mode, then every check of §4.2 with
 * its status word and the FUMO code it records: wrong signer, wrong device, downgrade and range, replay, package
 * size and hash (both modes), the subscriber token, unauthorized servers under each policy, format errors (nothing
 * recorded), the report's conditions.
 */
class FuFlowTest {
    static final byte[] PKG = TestManifest.pkg(3000, 7);
    static final byte[] SHA = TestManifest.sha256(PKG);

    static TestManifest fw(int version, long seq) {
        return TestManifest.firmware(PKG, DmCard.SERVER, version, seq);
    }

    /** A ready card with a session for SERVER (authorized). */
    static DmCard session() {
        DmCard d = DmCard.ready();
        d.check(DmCard.SERVER);
        return d;
    }

    /** Asserts the SW and that exactly one record was added, with kind/status/result/flags {@code brief}. */
    static void refused(DmCard d, int sw, String brief, byte[] manifest, byte[] token) {
        long before = d.status()[0];
        assertEquals(String.format("%04X", sw), String.format("%04X", d.verify(manifest, token).sw()));
        assertEquals(before + 1, d.status()[0], "one record");
        assertEquals(brief, DmCard.brief(d.lastRecord()));
        assertEquals("01", Hex.s(d.card.getData(0xDF55)).substring(0, 2), "back to CHECKED");
    }

    @Test
    void installWithTheTerminalsDigest() {
        DmCard d = DmCard.ready();
        // authorized, FW_UPDATE|READ_LOG, slot 0, WARN_CONFIRM, reason ok
        assertEquals("0103000200", d.check(DmCard.SERVER));
        assertEquals("01010E" + Hex.s(DmCard.SERVER.getBytes()), Hex.s(d.card.getData(0xDF55)));
        Card.Resp r = d.verify(fw(0x0105, 1).sign(DmCard.ORIGINATOR), null);
        assertEquals(0x9000, r.sw());
        assertEquals("01" + "0102" + "0105" + "0000000000000BB8" + Hex.s(SHA), r.hex());
        assertEquals("0201", Hex.s(d.card.getData(0xDF55)).substring(0, 4));
        assertEquals(0x9000, d.digest(SHA, PKG.length));
        assertEquals("0301", Hex.s(d.card.getData(0xDF55)).substring(0, 4));
        assertEquals(0x9000, d.report(1, DmCard.TIME + 5, 0));
        assertEquals(0x9000, d.report(3, DmCard.TIME + 9, 200));
        assertEquals("000000", Hex.s(d.card.getData(0xDF55)), "the session ended");
        assertEquals(0x0105, d.firmware());
        List<byte[]> log = d.verifiedLog();
        assertEquals(3, log.size());
        assertEquals("01/02/200/01", DmCard.brief(log.get(0)));
        assertEquals("01/01/0/01", DmCard.brief(log.get(1)));
        assertEquals("01/03/200/01", DmCard.brief(log.get(2)));
        byte[] inst = log.get(2);
        assertEquals(DmCard.TIME + 9, TestLog.u32(inst, 4));
        assertEquals(0x0102, TestLog.u16(inst, 12));
        assertEquals(0x0105, TestLog.u16(inst, 14));
        assertEquals("4A09512430325781", Hex.s(Arrays.copyOfRange(inst, 16, 24)));
        assertEquals(14, inst[25]);
        assertEquals(DmCard.SERVER, new String(inst, 26, 14));
        assertEquals(Hex.s(SHA), Hex.s(Arrays.copyOfRange(inst, 58, 90)));
        assertEquals(1, TestLog.u32(inst, 90));
        assertEquals(DmCard.TIME, TestLog.u32(log.get(0), 4), "the session's time");
        // DF54: slot 0, key, last installed sequence number 1
        assertEquals("00" + Hex.s(TestManifest.point(DmCard.ORIGINATOR)) + "00000001", Hex.s(d.card.getData(0xDF54)));
        // a software update raises ClientSoftwareVersionNo (0203)
        TestManifest sw = new TestManifest(PKG, DmCard.SERVER, 0x02, 0x0200, 0x0203, 0x0300, 2, 0);
        d.install(sw);
        assertEquals("0300", Hex.s(d.card.getData(0xDF40)).substring(34));
        assertEquals("02/03/200/01", DmCard.brief(d.lastRecord()));
    }

    @Test
    void installWithTheCardHashing() {
        DmCard d = session();
        assertEquals(0x9000, d.verifySw(fw(0x0105, 1).sign(DmCard.ORIGINATOR)));
        assertEquals(0x9000, d.hashExtended(PKG));
        assertEquals("0309", Hex.s(d.card.getData(0xDF55)).substring(0, 4), "PACKAGE_OK, hashed on the card");
        // again in short APDUs (a new start discards the first result), then chained pieces
        assertEquals(0x9000, d.hashShort(PKG, 250));
        assertEquals("0309", Hex.s(d.card.getData(0xDF55)).substring(0, 4));
        d.card.ok("90380100" + "05" + Hex.s(Arrays.copyOf(PKG, 5)));
        d.card.ok("90380100" + "05" + Hex.s(Arrays.copyOfRange(PKG, 5, 10)));
        d.card.ok("80380100" + "05" + Hex.s(Arrays.copyOfRange(PKG, 10, 15)));
        d.card.ok(Hex.s(Hex.cat(Hex.b("8038020000"), new byte[] {(byte) ((PKG.length - 15) >> 8),
                (byte) (PKG.length - 15)}, Arrays.copyOfRange(PKG, 15, PKG.length))));
        d.card.ok("9038030000");
        d.card.ok("80380300");
        assertEquals(0x9000, d.report(3, DmCard.TIME, 200));
        assertEquals("01/03/200/09", DmCard.brief(d.lastRecord()));
        assertEquals(0x0105, d.firmware());
    }

    @Test
    void largestManifestWithTokenInOneExtendedApdu() {
        DmCard d = session();
        assertEquals(0x9000, d.putTokenKey(DmCard.TOKEN_KEY));
        assertEquals(0x9000, d.putServer(1, 1, 0, 0xFFFFFFFFL, DmCard.OTHER, "x".repeat(64)));
        d.check("x".repeat(64));
        byte[] m = TestManifest.firmware(PKG, "x".repeat(64), 0x0105, 1)
                .set(0x0A, Hex.b(BcastCard.FIELDS.substring(0, 16))).set(0x0B, DmCard.CARD_ID).sign(DmCard.ORIGINATOR);
        byte[] data = Hex.cat(m, TestManifest.token(DmCard.TOKEN_KEY, m, DmCard.CARD_ID, 1));
        assertEquals(true, data.length > 255, "longer than a short APDU: " + data.length);
        Card.Resp r = d.card.send(Hex.cat(Hex.b("8034010000"), new byte[] {(byte) (data.length >> 8), (byte) data.length},
                data, Hex.b("0000")));
        assertEquals(0x9000, r.sw());
        assertEquals(45, r.data().length);
        // the record cuts the 64-byte id to 32
        byte[] rec = d.lastRecord();
        assertEquals("01/02/200/05", DmCard.brief(rec));
        assertEquals(32, rec[25]);
        assertEquals("x".repeat(32), new String(rec, 26, 32));
        // and the same through chaining (DmCard.verify chains above 200 bytes)
        d.check("x".repeat(64));
        assertEquals(0x9000, d.verify(m, Arrays.copyOfRange(data, m.length, data.length)).sw());
    }

    @Test
    void packageSizeAndHashBothModes() {
        byte[] truncated = Arrays.copyOf(PKG, PKG.length - 1);
        byte[] extended = Arrays.copyOf(PKG, PKG.length + 1);
        DmCard d = session();
        assertEquals(0x9000, d.verifySw(fw(0x0105, 1).sign(DmCard.ORIGINATOR)));
        long n = d.status()[0];
        // the terminal's digest: truncated, extended, right hash with the wrong size, wrong hash with the right size
        assertEquals(0x6A80, d.digest(TestManifest.sha256(truncated), truncated.length));
        assertEquals(0x6A80, d.digest(TestManifest.sha256(extended), extended.length));
        assertEquals(0x6A80, d.digest(SHA, PKG.length + 1));
        assertEquals(0x6A80, d.digest(TestManifest.sha256(truncated), PKG.length));
        // the card hashing: truncated and extended (extended APDU and short APDUs)
        assertEquals(0x6A80, d.hashExtended(truncated));
        assertEquals(0x6A80, d.hashShort(extended, 255));
        assertEquals(0x6A80, d.hashShort(truncated, 100));
        assertEquals(n + 7, d.status()[0]);
        List<byte[]> log = d.verifiedLog();
        for (int i = 0; i < 4; i++) {
            assertEquals("01/04/402/01", DmCard.brief(log.get(log.size() - 7 + i)));
        }
        for (int i = 4; i < 7; i++) {
            assertEquals("01/04/402/09", DmCard.brief(log.get(log.size() - 7 + i)));
        }
        // still MANIFEST_OK: not installable, the right package then matches
        assertEquals(0x6985, d.report(3, DmCard.TIME, 200));
        assertEquals(0x9000, d.hashShort(PKG, 255));
        // a manifest whose size is wrong: the right package fails on the count
        d.check(DmCard.SERVER);
        assertEquals(0x9000, d.verifySw(fw(0x0105, 2).set(0x02, TestManifest.u64(PKG.length - 1))
                .sign(DmCard.ORIGINATOR)));
        assertEquals(0x6A80, d.hashExtended(PKG));
        assertEquals(0x6A80, d.digest(SHA, PKG.length));
    }

    @Test
    void wrongSigner() {
        DmCard d = session();
        assertEquals(0x9000, d.putOriginator(1, DmCard.OTHER));
        refused(d, 0x6982, "01/05/404/01", fw(0x0105, 1).sign(DmCard.OTHER), null);           // slot 0's key is not OTHER
        refused(d, 0x6982, "01/05/404/01", fw(0x0105, 1).set(0x0C, new byte[] {1}).sign(DmCard.ORIGINATOR), null);
        refused(d, 0x6982, "01/05/404/01", fw(0x0105, 1).set(0x0C, new byte[] {3}).sign(DmCard.ORIGINATOR), null);
        byte[] m = fw(0x0105, 1).sign(DmCard.ORIGINATOR);
        m[20] ^= 1;                                                                               // altered after signing
        refused(d, 0x6982, "01/05/404/01", m, null);
        assertEquals(0x9000, d.verifySw(fw(0x0105, 1).set(0x0C, new byte[] {1}).sign(DmCard.OTHER)));
        // a deleted originator signs nothing any more
        assertEquals(0x9000, d.issuer(0xDC, 1, 0, new byte[0]));
        refused(d, 0x6982, "01/05/404/01", fw(0x0105, 1).set(0x0C, new byte[] {1}).sign(DmCard.OTHER), null);
    }

    @Test
    void wrongDevice() {
        DmCard d = session();
        refused(d, 0x6985, "01/05/403/01", fw(0x0105, 1).set(0x04, Hex.b("0A0C")).sign(DmCard.ORIGINATOR), null);
        refused(d, 0x6985, "01/05/403/01", fw(0x0105, 1).set(0x05, Hex.b("0C0E")).sign(DmCard.ORIGINATOR), null);
        refused(d, 0x6985, "01/05/403/01", fw(0x0105, 1).set(0x0A, Hex.b("4A09512430325782")).sign(DmCard.ORIGINATOR),
                null);
        refused(d, 0x6985, "01/05/403/01", fw(0x0105, 1).set(0x0B, Hex.fill(16, 0xC1)).sign(DmCard.ORIGINATOR), null);
        // the right IMEI and card id bind the manifest to this device
        assertEquals(0x9000, d.verifySw(fw(0x0105, 1).set(0x0A, Hex.b(BcastCard.FIELDS.substring(0, 16)))
                .set(0x0B, DmCard.CARD_ID).sign(DmCard.ORIGINATOR)));
        // no BCAST fields: 6985, nothing recorded
        DmCard blank = DmCard.blank();
        assertEquals(0x9000, blank.putOriginator(0, DmCard.ORIGINATOR));
        assertEquals(0x9000, blank.putServer(0, 3, 0, 0xFFFFFFFFL, DmCard.SERVER_KEY, DmCard.SERVER));
        blank.check(DmCard.SERVER);
        assertEquals(0x6985, blank.verifySw(fw(0x0105, 1).sign(DmCard.ORIGINATOR)));
        assertEquals(0, blank.status()[0]);
    }

    @Test
    void downgradeAndRange() {
        DmCard d = session(); // firmware 0102
        refused(d, 0x6985, "01/05/405/01", fw(0x0102, 1).sign(DmCard.ORIGINATOR), null);     // not greater
        refused(d, 0x6985, "01/05/405/01", fw(0x0101, 1).sign(DmCard.ORIGINATOR), null);     // downgrade
        refused(d, 0x6985, "01/05/405/01",
                new TestManifest(PKG, DmCard.SERVER, 1, 0x0103, 0x01FF, 0x0105, 1, 0).sign(DmCard.ORIGINATOR), null);
        refused(d, 0x6985, "01/05/405/01",
                new TestManifest(PKG, DmCard.SERVER, 1, 0x0000, 0x0101, 0x0105, 1, 0).sign(DmCard.ORIGINATOR), null);
        // the range is inclusive at both ends, the comparison unsigned
        assertEquals(0x9000, d.verifySw(new TestManifest(PKG, DmCard.SERVER, 1, 0x0102, 0x0102, 0x8000, 1, 0)
                .sign(DmCard.ORIGINATOR)));
        assertEquals(0x9000, d.verifySw(new TestManifest(PKG, DmCard.SERVER, 1, 0x0000, 0x0102, 0xFFFF, 1, 0)
                .sign(DmCard.ORIGINATOR)));
    }

    @Test
    void replayedSequenceNumber() {
        DmCard d = DmCard.ready();
        d.install(fw(0x0105, 5));
        d.check(DmCard.SERVER);
        refused(d, 0x6985, "01/05/405/01", fw(0x0106, 5).sign(DmCard.ORIGINATOR), null);
        refused(d, 0x6985, "01/05/405/01", fw(0x0106, 4).sign(DmCard.ORIGINATOR), null);
        // the very manifest installed before is refused (its version is no longer above, and its number is used)
        refused(d, 0x6985, "01/05/405/01", fw(0x0105, 5).sign(DmCard.ORIGINATOR), null);
        assertEquals(0x9000, d.verifySw(fw(0x0106, 6).sign(DmCard.ORIGINATOR)));
        // verified but not installed: the number stays free for the next manifest
        d.check(DmCard.SERVER);
        assertEquals(0x9000, d.verifySw(fw(0x0106, 6).sign(DmCard.ORIGINATOR)));
        // each originator counts for itself; replacing a key keeps the count
        assertEquals(0x9000, d.putOriginator(1, DmCard.OTHER));
        assertEquals(0x9000, d.verifySw(fw(0x0106, 1).set(0x0C, new byte[] {1}).sign(DmCard.OTHER)));
        assertEquals(0x9000, d.putOriginator(0, DmCard.OTHER));
        refused(d, 0x6985, "01/05/405/01", fw(0x0106, 5).sign(DmCard.OTHER), null);
        assertEquals(0x9000, d.issuer(0xDC, 0, 0, new byte[0]));
        assertEquals(0x9000, d.putOriginator(0, DmCard.ORIGINATOR));
        refused(d, 0x6985, "01/05/405/01", fw(0x0106, 5).sign(DmCard.ORIGINATOR), null);
        assertEquals("00" + Hex.s(TestManifest.point(DmCard.ORIGINATOR)) + "00000005",
                Hex.s(d.card.getData(0xDF54)).substring(0, 140));
    }

    @Test
    void subscriberToken() {
        DmCard d = session();
        byte[] m = fw(0x0105, 1).sign(DmCard.ORIGINATOR);
        byte[] good = TestManifest.token(DmCard.TOKEN_KEY, m, DmCard.CARD_ID, 1);
        // no key on the card yet: no token verifies
        refused(d, 0x6982, "01/05/404/01", m, good);
        assertEquals(0x9000, d.putTokenKey(DmCard.TOKEN_KEY));
        d.check(DmCard.SERVER);
        // given though not required: checked
        assertEquals(0x9000, d.verify(m, good).sw());
        assertEquals("0205", Hex.s(d.card.getData(0xDF55)).substring(0, 4), "token verified");
        byte[] bad = good.clone();
        bad[15] ^= 1;
        refused(d, 0x6982, "01/05/404/01", m, bad);
        refused(d, 0x6982, "01/05/404/01", m, TestManifest.token(DmCard.TOKEN_KEY, m, Hex.fill(16, 0), 1));
        refused(d, 0x6982, "01/05/404/01", m, TestManifest.token(Hex.fill(16, 0x71), m, DmCard.CARD_ID, 1));
        // required by the policy flag
        assertEquals(0x9000, d.setPolicy(2, 1));
        refused(d, 0x6982, "01/05/404/01", m, null);
        assertEquals(0x9000, d.verify(m, good).sw());
        assertEquals("01/02/200/05", DmCard.brief(d.lastRecord()));
        assertEquals(0x9000, d.digest(SHA, PKG.length));
        assertEquals(0x9000, d.report(3, DmCard.TIME, 200));
        assertEquals("01/03/200/05", DmCard.brief(d.lastRecord()));
    }

    @Test
    void unauthorizedServerUnderEachPolicy() {
        byte[] m = TestManifest.firmware(PKG, DmCard.UNLISTED, 0x0105, 1).sign(DmCard.ORIGINATOR);
        // DENY: refused, no confirmation possible
        DmCard d = DmCard.ready();
        assertEquals(0x9000, d.setPolicy(1, 0));
        assertEquals("0000FF0101", d.check(DmCard.UNLISTED));
        long n = d.status()[0];
        assertEquals(0x6985, d.confirm(DmCard.UNLISTED));
        assertEquals(n, d.status()[0]);
        refused(d, 0x6982, "01/05/405/00", m, null);
        // WARN_CONFIRM: refused until the user confirms; then the update goes on
        d = DmCard.ready();
        assertEquals("0000FF0201", d.check(DmCard.UNLISTED));
        refused(d, 0x6982, "01/05/405/00", m, null);
        assertEquals(0x6985, d.confirm(DmCard.SERVER));         // not the session's server
        assertEquals(0x9000, d.confirm(DmCard.UNLISTED));
        assertEquals("10/06/0/02", DmCard.brief(d.lastRecord()));
        n = d.status()[0];
        assertEquals(0x9000, d.confirm(DmCard.UNLISTED));       // again: nothing more recorded
        assertEquals(n, d.status()[0]);
        assertEquals(0x9000, d.verifySw(m));
        assertEquals("01/02/200/02", DmCard.brief(d.lastRecord()));
        // a new session forgets the confirmation
        d.check(DmCard.UNLISTED);
        refused(d, 0x6982, "01/05/405/00", m, null);
        // CONFIRM_PIN: the confirmation needs the PIN
        d = DmCard.ready();
        assertEquals(0x9000, d.setPolicy(3, 0));
        d.card.setPin("1234");
        d.lostSession();
        assertEquals("0000FF0301", d.check(DmCard.UNLISTED));
        n = d.status()[0];
        assertEquals(0x6982, d.confirm(DmCard.UNLISTED));
        assertEquals(n, d.status()[0]);
        refused(d, 0x6982, "01/05/405/00", m, null);
        d.card.ok(Hex.s(Card.verifyApdu("1234")));
        assertEquals(0x9000, d.confirm(DmCard.UNLISTED));
        assertEquals(0x9000, d.verifySw(m));
        // an authorized server needs no confirmation (and gets none)
        d.check(DmCard.SERVER);
        assertEquals(0x6985, d.confirm(DmCard.SERVER));
    }

    @Test
    void serverReasons() {
        DmCard d = DmCard.ready();
        KeyPair k = DmCard.OTHER;
        assertEquals(0x9000, d.putServer(1, 2 | 4, 0, 0xFFFFFFFFL, k, "reader.example"));
        assertEquals(0x9000, d.putServer(2, 1, DmCard.TIME + 1, 0xFFFFFFFFL, k, "later.example"));
        assertEquals(0x9000, d.putServer(3, 1, 0, DmCard.TIME - 1, k, "old.example"));
        assertEquals(0x9000, d.putServer(4, 1, DmCard.TIME, DmCard.TIME, k, "now.example"));
        assertEquals("0006010202", d.check("reader.example"));
        assertEquals("0001020203", d.check("later.example"));
        assertEquals("0001030204", d.check("old.example"));
        assertEquals("0101040200", d.check("now.example"));
        assertEquals("0000FF0201", d.check("DM.EXAMPLE.COM"));  // compared byte for byte
        // a server outside its validity is unauthorized: policy applies
        d.check("old.example");
        refused(d, 0x6982, "01/05/405/00",
                TestManifest.firmware(PKG, "old.example", 0x0105, 1).sign(DmCard.ORIGINATOR), null);
        // the manifest names another server than the checked one
        d.check(DmCard.SERVER);
        refused(d, 0x6982, "01/05/405/01",
                TestManifest.firmware(PKG, "now.example", 0x0105, 1).sign(DmCard.ORIGINATOR), null);
    }

    @Test
    void formatErrorsRecordNothing() {
        DmCard d = session();
        KeyPair o = DmCard.ORIGINATOR;
        byte[] good = fw(0x0105, 1).sign(o);
        byte[] tbs = fw(0x0105, 1).tbs();
        List<byte[]> bad = List.of(
                TestManifest.signed(Hex.cat(Hex.b("53434655"), new byte[] {2}, Arrays.copyOfRange(tbs, 5, tbs.length)), o),
                TestManifest.signed(Hex.cat(Hex.b("5343465801"), Arrays.copyOfRange(tbs, 5, tbs.length)), o),
                fw(0x0105, 1).set(0x0D, new byte[] {1}).sign(o),            // unknown tag
                fw(0x0105, 1).set(0x5E, new byte[] {1}).sign(o),            // unknown tag
                fw(0x0105, 1).remove(0x08).sign(o),                        // a required tag missing
                fw(0x0105, 1).remove(0x0C).sign(o),
                fw(0x0105, 1).set(0x01, new byte[31]).sign(o),             // wrong lengths
                fw(0x0105, 1).set(0x02, new byte[7]).sign(o),
                fw(0x0105, 1).set(0x09, new byte[0]).sign(o),
                fw(0x0105, 1).set(0x09, new byte[65]).sign(o),
                fw(0x0105, 1).set(0x0A, new byte[7]).sign(o),
                fw(0x0105, 1).set(0x03, new byte[] {3}).sign(o),           // kind
                fw(0x0105, 1).set(0x0C, new byte[] {4}).sign(o),           // originator slot
                fw(0x0105, 1).tbs(),                                        // unsigned
                Hex.cat(good, new byte[] {0}),                              // a byte after the signature
                Hex.cat(good, Hex.b("5F01")),                               // a second signature
                Arrays.copyOf(good, good.length - 1),                       // truncated
                Hex.cat(tbs, Hex.b("5F08300602010102010101")),              // a (DER) signature below 70 bytes
                swap(tbs),                                                  // tags out of order
                dup(tbs),                                                   // a tag twice
                Hex.b("5343465501"),                                        // no TLVs at all
                Hex.b("534346"));
        for (byte[] m : bad) {
            assertEquals(0x6A80, d.verifySw(m), Hex.s(m));
        }
        assertEquals(0, d.status()[0], "nothing recorded");
        assertEquals(0x9000, d.verifySw(good));
    }

    /** The TLVs 01 and 02 swapped. */
    static byte[] swap(byte[] tbs) {
        byte[] t1 = Arrays.copyOfRange(tbs, 5, 5 + 34);
        byte[] t2 = Arrays.copyOfRange(tbs, 39, 39 + 10);
        return TestManifest.signed(Hex.cat(Arrays.copyOf(tbs, 5), t2, t1, Arrays.copyOfRange(tbs, 49, tbs.length)),
                DmCard.ORIGINATOR);
    }

    /** TLV 01 twice. */
    static byte[] dup(byte[] tbs) {
        return TestManifest.signed(Hex.cat(Arrays.copyOf(tbs, 39), Arrays.copyOfRange(tbs, 5, tbs.length)),
                DmCard.ORIGINATOR);
    }

    @Test
    void sessionAndReportConditions() {
        DmCard d = DmCard.ready();
        byte[] m = fw(0x0105, 1).sign(DmCard.ORIGINATOR);
        // no session: 6985, nothing recorded
        assertEquals(0x6985, d.verifySw(m));
        assertEquals(0x6985, d.digest(SHA, PKG.length));
        assertEquals(0x6985, d.hashShort(PKG, 255));
        assertEquals(0x6985, d.card.send("80380200").sw());
        assertEquals(0x6985, d.report(1, DmCard.TIME, 0));
        assertEquals(0x6985, d.report(4, DmCard.TIME, 410));
        assertEquals(0, d.status()[0]);
        d.check(DmCard.SERVER);
        assertEquals(0x9000, d.verifySw(m));
        assertEquals(0x6985, d.report(1, DmCard.TIME, 0));      // no package yet
        assertEquals(0x6985, d.report(3, DmCard.TIME, 200));
        assertEquals(0x9000, d.digest(SHA, PKG.length));
        assertEquals(0x6A80, d.report(3, DmCard.TIME, 410));    // installed is 200 only
        assertEquals(0x9000, d.report(4, DmCard.TIME + 3, 410)); // failed: recorded, the manifest dropped
        assertEquals("01/04/410/01", DmCard.brief(d.lastRecord()));
        assertEquals(0x6985, d.digest(SHA, PKG.length));
        assertEquals(0x0102, d.firmware());
        // the session is persistent: a reselect (each CLI call) and a reset (the terminal reboots into its
        // installer) keep the verified manifest
        d.check(DmCard.SERVER);
        assertEquals(0x9000, d.verifySw(m));
        d.card.select();
        assertEquals(Contract.FU_STATE_MANIFEST_OK, d.card.getData(0xDF55)[0]);
        d.card.sim.reset();
        d.card.select();
        assertEquals(0x9000, d.digest(SHA, PKG.length));
        assertEquals(Contract.FU_STATE_PACKAGE_OK, d.card.getData(0xDF55)[0]);
        // but an on-card hash in progress is transient: a reset in the middle of hashing loses it
        d.check(DmCard.SERVER);
        assertEquals(0x9000, d.verifySw(m));
        d.card.ok("8038010004" + Hex.s(Arrays.copyOf(PKG, 4)));
        d.card.sim.reset();
        d.card.select();
        assertEquals(0x6985, d.card.send("80380300").sw());
    }

    @Test
    void parametersLengthsAndClasses() {
        DmCard d = session();
        Card c = d.card;
        c.expect(0x6A86, "8030010005" + "0000000061");
        c.expect(0x6700, "8030000004" + "00000000");
        c.expect(0x6700, "8030000045" + "00".repeat(69));
        c.expect(0x6A86, "8032000101" + "61");
        c.expect(0x6700, "80320000");
        c.expect(0x6A86, "80340200" + "05" + "5343465501");
        c.expect(0x6A86, "80360100" + "28" + "00".repeat(40));
        c.expect(0x6700, "80360000" + "27" + "00".repeat(39));
        c.expect(0x6A86, "80380000");
        c.expect(0x6A86, "80380400");
        c.expect(0x6A86, "80380101");
        c.expect(0x6A86, "803A0200" + "06" + "00".repeat(6));
        c.expect(0x6700, "803A0100" + "05" + "00".repeat(5));
        c.expect(0x6A86, "803C1000");
        c.expect(0x6A86, "803C0001");
        c.expect(0x6A88, "803C0500");                          // an empty slot
        c.expect(0x6985, "803E000008" + "3006020101020101");   // no challenge
        // classes: 80 only (90 for the two that take chaining), 84 for the issuer's
        for (String ins : new String[] {"30", "32", "36", "3A", "3C", "3E", "40", "44"}) {
            c.expect(0x6E00, "00" + ins + "000000");
            c.expect(0x6E00, "84" + ins + "000000");
            c.expect(0x6884, "90" + ins + "000000");
        }
        c.expect(0x6E00, "8434000000");
        c.expect(0x6E00, "8438010000");
        for (String ins : new String[] {"D2", "D4", "D6", "D8", "DC", "DE"}) {
            c.expect(0x6E00, "80" + ins + "000000");
            c.expect(0x6884, "94" + ins + "000000");
        }
        // a manifest of more than 512 bytes (and 528 with a token): 6700, the chain dropped
        byte[] big = new byte[513];
        assertEquals(0x6700, d.verify(big, null).sw());
        assertEquals(0x6700, d.verify(big, new byte[16]).sw());
        assertEquals(0x6A80, d.verify(Arrays.copyOf(big, 512), null).sw());
        assertEquals(0, d.status()[0]);
    }
}
