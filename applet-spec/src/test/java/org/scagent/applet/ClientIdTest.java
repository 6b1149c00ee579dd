package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.PublicKey;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** GET CLIENT ID: layout, signatures (EC and RSA), conditions, and the long-response rules (61xx / GET RESPONSE). */
class ClientIdTest {
    @Test
    void ecIdentifierVerifiesAndIsFreshEachTime() throws Exception {
        BcastCard b = BcastCard.ready(BcastCard.EC);
        PublicKey pub = BcastCard.publicKey(b.card.getData(0xDF41));
        byte[] id1 = b.clientId(0x00);
        assertEquals(19 + 2 + 64 + 2, id1.length);
        assertEquals(BcastCard.FIELDS + "0040", Hex.s(Arrays.copyOf(id1, 21)));
        assertEquals(0, BcastCard.verifyClientId(id1, pub).length);
        byte[] id2 = b.clientId(0x00);
        BcastCard.verifyClientId(id2, pub);
        assertFalse(Arrays.equals(id1, id2), "a new signature (a new ECDSA nonce) every time");
        // a third one after reselect and reset: the signing object stays initialised, k still moves on
        b.card.select();
        byte[] id3 = b.clientId(0x00);
        b.card.sim.reset();
        b.card.select();
        byte[] id4 = b.clientId(0x00);
        BcastCard.verifyClientId(id3, pub);
        BcastCard.verifyClientId(id4, pub);
        assertFalse(Arrays.equals(id1, id3) || Arrays.equals(id2, id3) || Arrays.equals(id3, id4));
    }

    /**
     * Re-generation on the same key objects (a card cannot allocate new ones). jCardSim's EC key reuse bug (a
     * stale byte when the new scalar has 31 bytes, SPEC.md §11) makes some regenerations sign wrongly: on one
     * card the 73rd regeneration is the first (then the 268th, ...; measured, jCardSim's key sequence is
     * deterministic). These 12 do not reach it.
     */
    @Test
    void everyRegeneratedEcKeySignsCorrectly() throws Exception {
        BcastCard b = BcastCard.ready(BcastCard.EC);
        for (int i = 0; i < 12; i++) {
            byte[] spki = b.keygen(BcastCard.EC);
            BcastCard.verifyClientId(b.clientId(0x01), BcastCard.publicKey(spki));
        }
    }

    @Test
    void rsaIdentifierVerifies() throws Exception {
        BcastCard b = BcastCard.ready(BcastCard.RSA);
        PublicKey pub = BcastCard.publicKey(b.card.expectAll(0x9000, "80CADF4100"));
        int[] parts = new int[1];
        Card.Resp r = b.card.sendAll(Hex.b("804A000000"), parts);
        assertEquals(0x9000, r.sw());
        assertEquals(2, parts[0], "279 bytes: two parts");
        byte[] id = r.data();
        assertEquals(19 + 2 + 256 + 2, id.length);
        assertEquals(BcastCard.FIELDS + "0100", Hex.s(Arrays.copyOf(id, 21)));
        BcastCard.verifyClientId(id, pub);
    }

    @Test
    void withAndWithoutTheCertificate() throws Exception {
        BcastCard b = BcastCard.ready(BcastCard.EC);
        byte[] spki = b.card.getData(0xDF41);
        byte[] cert = new TestCa().issue(spki, "BCAST client 490154203237518", 1200);
        assertEquals(0x9000, b.loadCert(cert));
        PublicKey pub = BcastCard.publicKey(spki);
        int[] parts = new int[1];
        Card.Resp r = b.card.sendAll(Hex.b("804A000000"), parts);
        assertEquals(0x9000, r.sw());
        byte[] id = r.data();
        assertEquals(87 + cert.length, id.length);
        assertEquals((id.length + 255) / 256, parts[0]);
        assertArrayEquals(cert, BcastCard.verifyClientId(id, pub));
        byte[] noCert = b.clientId(0x01);
        assertEquals(87, noCert.length);
        assertEquals(0, BcastCard.verifyClientId(noCert, pub).length);
    }

    @Test
    void longAnswerAtOnceToAnExtendedCommand() throws Exception {
        BcastCard b = BcastCard.ready(BcastCard.RSA);
        byte[] cert = new TestCa().issueOther("RSA client", 2040);
        assertEquals(0x9000, b.loadCert(cert));
        int total = 19 + 2 + 256 + 2 + cert.length;
        byte[] id = b.card.expect(0x9000, "804A0000" + "000FFF");          // extended Le 4095
        assertEquals(total, id.length);
        assertArrayEquals(cert, BcastCard.verifyClientId(id, BcastCard.publicKey(b.card.expectAll(0x9000,
                "80CADF4100"))));
        // Le smaller than the answer: Le bytes and 61xx, the rest with GET RESPONSE (extended GET RESPONSE too)
        Card.Resp first = b.card.send("804A0000" + "000400");
        assertEquals(1024, first.data().length);
        assertEquals(0x6100, first.sw());
        Card.Resp rest = b.card.send("00C00000" + "000FFF");
        assertEquals(0x9000, rest.sw());
        assertEquals(total - 1024, rest.data().length);
        // PKCS#1 v1.5 is deterministic: both forms carry the same bytes
        assertArrayEquals(id, Hex.cat(first.data(), rest.data()));
    }

    @Test
    void shortCommandGets61xxPartsAndGetResponse() throws Exception {
        BcastCard b = BcastCard.ready(BcastCard.EC);
        byte[] cert = new TestCa().issue(b.card.getData(0xDF41), "c", 550);
        assertEquals(0x9000, b.loadCert(cert));
        int total = 87 + cert.length;
        Card.Resp p1 = b.card.send("804A000000");
        assertEquals(256, p1.data().length);
        assertEquals(0x6100, p1.sw());                         // 256 or more remain
        Card.Resp p2 = b.card.send("00C0000000");
        assertEquals(256, p2.data().length);
        int left = total - 512;
        assertTrue(left > 0 && left < 256);
        assertEquals(0x6100 | left, p2.sw());                  // exactly what remains
        // P1-P2 other than 0000: 6A86, the response stays pending; channel bits are fine
        b.card.expect(0x6A86, "00C0010000");
        b.card.expect(0x6E00, "80C0000000");
        Card.Resp p3 = b.card.send(String.format("01C00000%02X", left));
        assertEquals(0x9000, p3.sw());
        byte[] id = Hex.cat(p1.data(), p2.data(), p3.data());
        assertArrayEquals(cert, BcastCard.verifyClientId(id, BcastCard.publicKey(b.card.getData(0xDF41))));
        b.card.expect(0x6985, "00C0000000");                   // nothing pending any more
        // Le smaller than 256 and no Le at all
        Card.Resp small = b.card.send("804A000010");
        assertEquals(16, small.data().length);
        assertEquals(0x6100, small.sw());
        Card.Resp caseOne = b.card.send("804A0000");
        assertEquals(256, caseOne.data().length);
        assertEquals(0x6100, caseOne.sw());
    }

    @Test
    void anyOtherCommandOrAReselectDropsTheRest() {
        BcastCard b = BcastCard.ready(BcastCard.RSA);
        assertEquals(0x6117, b.card.send("804A000000").sw());  // 279 = 256 + 0x17
        b.card.getData(0xDF30);
        b.card.expect(0x6985, "00C0000017");
        assertEquals(0x6117, b.card.send("804A000000").sw());
        b.card.expect(0x6D00, "80000000");                      // an error drops it too
        b.card.expect(0x6985, "00C0000017");
        assertEquals(0x6117, b.card.send("804A000000").sw());
        b.card.select();
        b.card.expect(0x6985, "00C0000017");
        assertEquals(0x6117, b.card.send("804A000000").sw());
        b.card.sim.reset();
        b.card.select();
        b.card.expect(0x6985, "00C0000017");
    }

    @Test
    void identifierFollowsARaisedVersion() throws Exception {
        BcastCard b = BcastCard.ready(BcastCard.EC);
        PublicKey pub = BcastCard.publicKey(b.card.getData(0xDF41));
        byte[] before = b.clientId(0x01);
        assertEquals(0x9000, b.raise(0x01, 0x0103));
        assertEquals(0x9000, b.raise(0x02, 0x0300));
        byte[] after = b.clientId(0x01);
        assertEquals("4A09512430325781" + "0103" + "0A0B0C0D0E0F10" + "0300", Hex.s(Arrays.copyOf(after, 19)));
        assertFalse(Arrays.equals(Arrays.copyOf(before, 19), Arrays.copyOf(after, 19)));
        BcastCard.verifyClientId(after, pub);
        // the signature covers the versions: the old signature does not verify the new bytes
        byte[] forged = Hex.cat(Arrays.copyOf(after, 21), Arrays.copyOfRange(before, 21, before.length));
        java.security.Signature v = java.security.Signature.getInstance("SHA256withECDSA");
        v.initVerify(pub);
        v.update(forged, 0, 21);
        assertFalse(v.verify(BcastCard.plainToDer(Arrays.copyOfRange(forged, 21, 85))));
    }

    @Test
    void conditionsAndParameters() {
        Card c = Card.withDefaults();
        c.expect(0x6985, "804A000000");                         // no key, no fields
        BcastCard b = new BcastCard(c);
        assertEquals(0x9000, b.putFields(BcastCard.FIELDS));
        c.expect(0x6985, "804A000000");                         // fields, no key
        BcastCard k = BcastCard.fresh();
        k.keygen(BcastCard.EC);
        k.card.expect(0x6985, "804A000000");                    // key, no fields
        b.keygen(BcastCard.EC);
        c.expect(0x6A86, "804A020000");
        c.expect(0x6A86, "804A000100");
        c.expect(0x6E00, "004A000000");
        c.expect(0x6E00, "844A000000");
        c.expect(0x6884, "904A000000");
        assertEquals(87, c.expect(0x9000, "814A000000").length); // channel bits ignored
        // anyone may read it: no PIN, no issuer session
        c.select();
        assertEquals(87, c.expect(0x9000, "804A000000").length);
    }
}
