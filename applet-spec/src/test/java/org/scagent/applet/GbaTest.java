package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * AUTHENTICATE in the GBA context (applet-spec/gba.md §5) against the JDK network side ({@link TestMilenage}):
 * RES, AUTS and Ks_ext_NAF; every refusal; SQN freshness; the EF_GBABP data.
 */
class GbaTest {
    // TS 35.207 test set 1
    static final byte[] K = Hex.b("465b5ce8b199b49faa5f0a2ee238a6bc");
    static final byte[] OPC = Hex.b("cd63cb71954a9f4e48a5994e37a02baf");
    static final byte[] RAND1 = Hex.b("23553cbe9637a89d218ae64dae47bf35");
    static final byte[] AMF = Hex.b("8000");
    static final String IMPI = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org";
    static final byte[] NAF_ID = Hex.cat("bmsc.example.org".getBytes(), Hex.b("0100000001"));
    static final String PIN = "1234";
    static final TestMilenage NET = new TestMilenage(K, OPC);

    /** A card with the PIN, GBA keys and IMPI personalized, the PIN verified. */
    static DmCard ready() {
        DmCard d = DmCard.blank();
        d.card.setPin(PIN);
        assertEquals(0x9000, d.issuer(0xDA, 0xDF, 0x61, Hex.cat(K, OPC)));
        assertEquals(0x9000, d.issuer(0xDA, 0xDF, 0x62, IMPI.getBytes()));
        d.card.expect(0x9000, Card.verifyApdu(PIN));
        return d;
    }

    static byte[] sqn(long v) {
        byte[] s = new byte[6];
        for (int i = 5; i >= 0; i--) {
            s[i] = (byte) v;
            v >>= 8;
        }
        return s;
    }

    static byte[] bootstrapApdu(byte[] rand, byte[] autn) {
        return Hex.cat(Hex.b("0088008423DD10"), rand, Hex.b("10"), autn, Hex.b("00"));
    }

    static Card.Resp bootstrap(DmCard d, byte[] rand, long sqn) {
        return d.card.send(bootstrapApdu(rand, NET.autn(rand, sqn(sqn), AMF, true)));
    }

    static byte[] nafApdu(byte[] naf, byte[] impi) {
        byte[] data = Hex.cat(new byte[] {(byte) 0xDE, (byte) naf.length}, naf, new byte[] {(byte) impi.length}, impi);
        return Hex.cat(Hex.b("00880084"), new byte[] {(byte) data.length}, data, Hex.b("00"));
    }

    /** GBA_BP_PUT with a B-TID and a fixed lifetime (PIN verified). */
    static void putBtid(DmCard d, String btid) {
        byte[] b = btid.getBytes();
        byte[] life = "2026-11-23T22:00:00Z".getBytes();
        byte[] data = Hex.cat(new byte[] {(byte) b.length}, b, new byte[] {(byte) life.length}, life);
        d.card.ok("80480000" + String.format("%02X", data.length) + Hex.s(data));
    }

    @Test
    void theJdkNetworkSideMatchesTestSet1() {
        byte[] s = Hex.b("ff9bb4d0b607");
        byte[] amf = Hex.b("b9b9");
        assertEquals("4a9ffac354dfafb3", Hex.s(NET.f1(RAND1, s, amf)).toLowerCase());
        assertEquals("01cfaf9ec4e871e9", Hex.s(NET.f1star(RAND1, s, amf)).toLowerCase());
        assertEquals("a54211d5e3ba50bf", Hex.s(NET.res(RAND1)).toLowerCase());
        assertEquals("b40ba9a3c58b2a05bbf0d987b21bf8cb", Hex.s(NET.ck(RAND1)).toLowerCase());
        assertEquals("f769bcd751044604127672711c6d3441", Hex.s(NET.ik(RAND1)).toLowerCase());
        assertEquals("aa689c648370", Hex.s(NET.ak(RAND1)).toLowerCase());
        assertEquals("451e8beca43b", Hex.s(NET.akStar(RAND1)).toLowerCase());
        byte[] ks = Hex.cat(NET.ck(RAND1), NET.ik(RAND1));
        assertEquals("79d8098e4b9ef12c858a0da3471f6b2d29b4cbb549500dcb3c88154562de340d",
                Hex.s(TestMilenage.ksNaf(ks, "gba-me", RAND1, IMPI.getBytes(), NAF_ID)).toLowerCase());
    }

    @Test
    void bootstrapGivesResAndKeepsKs() {
        DmCard d = ready();
        Card.Resp r = bootstrap(d, RAND1, 0x20);
        assertEquals(0x9000, r.sw());
        assertEquals("DB08" + Hex.s(NET.res(RAND1)), Hex.s(r.data()));
        // EF_GBABP: RAND, then B-TID and lifetime still empty
        assertEquals("10" + Hex.s(RAND1) + "0000", Hex.s(d.card.getData(0xDF63)));
        // an MBMS NAF_Id (Ua id 01 00 00 00 01) also makes the MUK, which needs the B-TID (mbms.md §1)
        d.card.expect(0x6985, nafApdu(NAF_ID, IMPI.getBytes()));
        putBtid(d, "btid@bsf.example.org");
        // NAF derivation: the documented vector (applet-spec/gba.md §4.2)
        byte[] ext = d.card.expect(0x9000, nafApdu(NAF_ID, IMPI.getBytes()));
        assertEquals("DB20" + "79d8098e4b9ef12c858a0da3471f6b2d29b4cbb549500dcb3c88154562de340d".toUpperCase(),
                Hex.s(ext));
    }

    @Test
    void nafDerivationNeedsABootstrapAndWellFormedInput() {
        DmCard d = ready();
        d.card.expect(0x6985, nafApdu(NAF_ID, IMPI.getBytes()));
        assertEquals(0x9000, bootstrap(d, RAND1, 0x20).sw());
        d.card.expect(0x6A80, nafApdu(Hex.b("0102030405"), IMPI.getBytes()));   // NAF_Id shorter than 6
        d.card.expect(0x6A80, nafApdu(NAF_ID, new byte[0]));                     // no IMPI
        byte[] good = nafApdu(NAF_ID, IMPI.getBytes());
        byte[] truncated = Arrays.copyOf(good, good.length - 2);
        truncated[4] = (byte) (truncated.length - 5);
        d.card.expect(0x6700, truncated);
        byte[] longL = good.clone();
        longL[6] = (byte) 0xFF; // NAF_Id length past the end
        d.card.expect(0x6700, longL);
        // another NAF, another key; IMPI as the ME gives it
        byte[] other = Hex.cat("dm.example.com".getBytes(), Hex.b("0100000002"));
        byte[] ks = Hex.cat(NET.ck(RAND1), NET.ik(RAND1));
        assertEquals("DB20" + Hex.s(TestMilenage.ksNaf(ks, "gba-me", RAND1, IMPI.getBytes(), other)),
                Hex.s(d.card.expect(0x9000, nafApdu(other, IMPI.getBytes()))));
    }

    @Test
    void refusals() {
        DmCard d = DmCard.blank();
        d.card.setPin(PIN);
        byte[] apdu = bootstrapApdu(RAND1, NET.autn(RAND1, sqn(0x20), AMF, true));
        d.card.expect(0x6982, apdu);                         // PIN not verified
        d.card.expect(0x9000, Card.verifyApdu(PIN));
        d.card.expect(0x6A88, apdu);                         // no K/OPc
        d.card.expect(0x9864, "0088008123DD10" + Hex.s(RAND1) + "10" + Hex.s(new byte[16]) + "00"); // 3G context
        d.card.expect(0x9864, "0088008523DD10" + Hex.s(RAND1) + "10" + Hex.s(new byte[16]) + "00"); // MBMS: not yet
        d.card.expect(0x6A86, "0088018423DD10" + Hex.s(RAND1) + "10" + Hex.s(new byte[16]) + "00");
        d.card.expect(0x6E00, "8088008423DD10" + Hex.s(RAND1) + "10" + Hex.s(new byte[16]) + "00");
        d.card.expect(0x6A80, "0088008423DF10" + Hex.s(RAND1) + "10" + Hex.s(new byte[16]) + "00"); // unknown mode
        d.card.expect(0x6700, "0088008422DD10" + Hex.s(RAND1) + "10" + Hex.s(new byte[15]) + "00");
        d.card.expect(0x6A80, "0088008423DD11" + Hex.s(RAND1) + "0F" + Hex.s(new byte[16]) + "00");
        d.card.expect(0x6700, "0088008400");
    }

    @Test
    void aWrongMacChangesNothing() {
        DmCard d = ready();
        byte[] autn = NET.autn(RAND1, sqn(0x20), AMF, true);
        String before = PersistentState.of(d.card);
        for (int bit = 0; bit < 128; bit += 9) {
            byte[] bad = autn.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            if (bit / 8 < 6) {
                continue; // a changed SQN changes the expected MAC too: also 9862, checked below
            }
            d.card.expect(0x9862, bootstrapApdu(RAND1, bad));
        }
        byte[] sqnChanged = autn.clone();
        sqnChanged[5] ^= 0x40;
        d.card.expect(0x9862, bootstrapApdu(RAND1, sqnChanged));
        // the GBA_ME AUTN (MAC not combined with SHA-1(IK)) is not a GBA_U AUTN
        d.card.expect(0x9862, bootstrapApdu(RAND1, NET.autn(RAND1, sqn(0x20), AMF, false)));
        assertEquals(before, PersistentState.of(d.card));
        d.card.expect(0x6A88, "80CADF6300");
    }

    @Test
    void replayGivesAutsWithTheHighestSqn() {
        DmCard d = ready();
        byte[] apdu = bootstrapApdu(RAND1, NET.autn(RAND1, sqn(0x40), AMF, true));
        assertEquals(0x9000, d.card.send(apdu).sw());
        byte[] r = d.card.expect(0x9000, apdu);
        assertEquals("DC0E", Hex.s(Arrays.copyOf(r, 2)));
        assertArrayEquals(sqn(0x40), NET.sqnFromAuts(RAND1, Arrays.copyOfRange(r, 2, 16)));
        // a lower SQN with the same IND is refused, as is the same one
        byte[] rand2 = Hex.fill(16, 0x31);
        r = bootstrap(d, rand2, 0x20).data();
        assertEquals(0xDC, r[0] & 0xFF);
        assertArrayEquals(sqn(0x40), NET.sqnFromAuts(rand2, Arrays.copyOfRange(r, 2, 16)));
        // another IND may be lower than SQN_MS (TS 33.102 C.2.2)
        assertEquals(0x9000, bootstrap(d, rand2, 0x21).sw());
        assertEquals(0xDB, bootstrap(d, Hex.fill(16, 0x32), 0x41).data()[0] & 0xFF);
        // an AUTS that a tampered card would give does not verify
        assertNull(NET.sqnFromAuts(rand2, new byte[14]));
    }

    @Test
    void sqnTooFarAheadIsASynchronisationFailure() {
        DmCard d = ready();
        assertEquals(0x9000, bootstrap(d, RAND1, 0x20).sw());
        // delta = 2^28 SEQ steps: SQN - SQN_MS must stay below 2^33
        byte[] r = bootstrap(d, Hex.fill(16, 0x33), 0x20 + (1L << 33)).data();
        assertEquals(0xDC, r[0] & 0xFF);
        assertNotNull(NET.sqnFromAuts(Hex.fill(16, 0x33), Arrays.copyOfRange(r, 2, 16)));
        assertEquals(0xDB, bootstrap(d, Hex.fill(16, 0x34), (1L << 33)).data()[0] & 0xFF);
        // the test-set SQN on a fresh card: far ahead of 0, so a resync with SQN_MS = 0
        DmCard fresh = ready();
        r = bootstrap(fresh, RAND1, 0xff9bb4d0b607L).data();
        assertEquals(0xDC, r[0] & 0xFF);
        assertArrayEquals(sqn(0), NET.sqnFromAuts(RAND1, Arrays.copyOfRange(r, 2, 16)));
    }

    @Test
    void bootstrapInfoIsBoundToTheCurrentKs() {
        DmCard d = ready();
        String put = "8048000000";
        d.card.expect(0x6985, "804800001A" + "0A" + Hex.s("abc@bsf.ex".getBytes()) + "0E"
                + Hex.s("20261123T00:00".getBytes()));
        assertEquals(0x9000, bootstrap(d, RAND1, 0x20).sw());
        String btid = Hex.s((java.util.Base64.getEncoder().encodeToString(RAND1) + "@bsf.example.org").getBytes());
        String life = Hex.s("2026-11-23T22:00:00Z".getBytes());
        String data = String.format("%02X", btid.length() / 2) + btid + String.format("%02X", life.length() / 2) + life;
        d.card.ok("80480000" + String.format("%02X", data.length() / 2) + data);
        assertEquals("10" + Hex.s(RAND1) + data, Hex.s(d.card.getData(0xDF63)));
        d.card.expect(0x6700, put);
        d.card.expect(0x6700, "8048000002" + "0500");
        d.card.expect(0x6A80, "8048000003" + "014100");           // empty lifetime
        d.card.expect(0x6A86, "80480100" + String.format("%02X", data.length() / 2) + data);
        // a new bootstrap starts with no B-TID
        byte[] rand2 = Hex.fill(16, 0x55);
        assertEquals(0x9000, bootstrap(d, rand2, 0x40).sw());
        assertEquals("10" + Hex.s(rand2) + "0000", Hex.s(d.card.getData(0xDF63)));
        // without the PIN (after reselect) nothing is written
        d.card.select();
        d.card.expect(0x6982, "80480000" + String.format("%02X", data.length() / 2) + data);
    }

    @Test
    void newKeysStartAfreshAndImpiReadsBack() {
        DmCard d = ready();
        assertEquals(IMPI, new String(d.card.getData(0xDF62)));
        assertEquals(0x9000, bootstrap(d, RAND1, 0x40).sw());
        assertEquals(0x9000, d.issuer(0xDA, 0xDF, 0x61, Hex.cat(K, OPC)));
        d.card.expect(0x6A88, "80CADF6300");                 // Ks dropped
        d.card.expect(0x9000, Card.verifyApdu(PIN));
        assertEquals(0x9000, bootstrap(d, RAND1, 0x20).sw()); // SQN state reset
        assertEquals(0x6700, d.issuer(0xDA, 0xDF, 0x61, K));
        assertEquals(0x6700, d.issuer(0xDA, 0xDF, 0x62, new byte[0]));
        d.card.expect(0x6987, "84DADF6100");  // not wrapped
        // K and OPc are never read back
        d.card.expect(0x6A88, "80CADF6100");
    }
}
