package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** SIGN CSR: the signature over a CertificationRequestInfo, and the three restrictions that keep it no oracle. */
class CsrTest {
    static final String SHA256_RSA = "1.2.840.113549.1.1.11";

    /** PKCS#10 CertificationRequestInfo: version 0, subject, SPKI, no attributes ([0] IMPLICIT SET, empty). */
    static byte[] info(byte[] spki, String cn) {
        return TestDer.seq(TestDer.integer(0), TestDer.name(cn), spki, new byte[] {(byte) 0xA0, 0x00});
    }

    static void verify(byte[] info, byte[] sig, PublicKey key, String alg) throws Exception {
        Signature v = Signature.getInstance(alg);
        v.initVerify(key);
        v.update(info);
        assertTrue(v.verify(sig), "CSR signature");
    }

    @Test
    void ecCsrSignatureVerifies() throws Exception {
        BcastCard b = BcastCard.fresh();
        byte[] spki = b.keygen(BcastCard.EC);
        byte[] info = info(spki, "BCAST client 490154203237518");
        Card.Resp r = b.signCsr(info);
        assertEquals(0x9000, r.sw());
        byte[] sig = r.data();
        assertEquals(0x30, sig[0], "DER ECDSA-Sig-Value, as X.509 wants it");
        assertTrue(sig.length <= 72);
        verify(info, sig, BcastCard.publicKey(spki), "SHA256withECDSA");
        // the CertificationRequest the host assembles
        byte[] csr = TestDer.seq(info, TestDer.seq(TestDer.oid(TestCa.ECDSA_SHA256)), TestDer.bitString(sig));
        assertEquals(0x30, csr[0]);
    }

    @Test
    void longRsaCsrThroughChaining() throws Exception {
        BcastCard b = BcastCard.fresh();
        byte[] spki = b.keygen(BcastCard.RSA);
        // a long subject brings the CertificationRequestInfo close to CSR_INFO_MAX
        byte[] info = info(spki, "x".repeat(1024 - 294 - 30));
        assertTrue(info.length > 900 && info.length <= 1024, "length " + info.length);
        Card.Resp r = b.signCsr(info);
        assertEquals(0x9000, r.sw());
        assertEquals(256, r.data().length);
        verify(info, r.data(), BcastCard.publicKey(spki), "SHA256withRSA");
    }

    @Test
    void restrictions() throws Exception {
        BcastCard b = BcastCard.fresh();
        byte[] spki = b.keygen(BcastCard.EC);
        byte[] info = info(spki, "card");
        // another key's SPKI
        byte[] other = new TestCa().key.getPublic().getEncoded();
        assertEquals(0x6A80, b.signCsr(info(other, "card")).sw());
        // the card's SPKI with one bit changed
        byte[] flipped = info.clone();
        flipped[flipped.length - 10] ^= 1;
        assertEquals(0x6A80, b.signCsr(flipped).sw());
        // trailing bytes after the SEQUENCE
        assertEquals(0x6A80, b.signCsr(Hex.cat(info, new byte[] {0})).sw());
        // not a SEQUENCE: the bytes of an identifier (fields || signature_length), with and without the SPKI
        assertEquals(0x6A80, b.signCsr(Hex.b(BcastCard.FIELDS + "0040")).sw());
        assertEquals(0x6A80, b.signCsr(Hex.cat(Hex.b(BcastCard.FIELDS + "0040"), spki)).sw());
        byte[] set = info.clone();
        set[0] = 0x31;
        assertEquals(0x6A80, b.signCsr(set).sw());
        // more than CSR_INFO_MAX: 6700 (on the part that goes over)
        assertEquals(0x6700, b.chain(0x2A, 0x9E, 0x9A, TestDer.seq(new byte[1021]), 200, true).sw());
        // after all of them, the right one still works
        Card.Resp r = b.signCsr(info);
        assertEquals(0x9000, r.sw());
        verify(info, r.data(), BcastCard.publicKey(spki), "SHA256withECDSA");
    }

    @Test
    void conditionsAndAccess() {
        BcastCard b = BcastCard.fresh();
        byte[] any = info(new TestCa().key.getPublic().getEncoded(), "card");
        assertEquals(0x6985, b.signCsr(any).sw());                           // no key yet
        b.card.expect(0x6A86, b.host.wrapLe(0x84, 0x2A, 0x9E, 0x9B, any));
        b.card.expect(0x6A86, b.host.wrapLe(0x84, 0x2A, 0x00, 0x9A, any));
        b.card.expect(0x6E00, Hex.cat(Hex.b("802A9E9A"), new byte[] {(byte) any.length}, any));
        b.card.select();
        b.card.expect(0x6982, "842A9E9A18" + "00".repeat(24) + "00");
        b.card.expect(0x6982, "942A9E9A18" + "00".repeat(24));
    }

    @Test
    void interruptedChainStartsAfresh() throws Exception {
        BcastCard b = BcastCard.fresh();
        byte[] spki = b.keygen(BcastCard.EC);
        byte[] info = info(spki, "card");
        b.card.ok(Hex.s(b.host.wrap(0x94, 0x2A, 0x9E, 0x9A, Arrays.copyOf(info, 50))));
        b.card.expect(0x9000, "80CADF3000");
        // the rest alone is no SEQUENCE
        assertEquals(0x6A80, b.card.sendAll(b.host.wrapLe(0x84, 0x2A, 0x9E, 0x9A,
                Arrays.copyOfRange(info, 50, info.length)), null).sw());
        Card.Resp r = b.signCsr(info);
        assertEquals(0x9000, r.sw());
        verify(info, r.data(), BcastCard.publicKey(spki), "SHA256withECDSA");
    }
}
