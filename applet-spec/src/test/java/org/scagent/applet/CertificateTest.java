package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.cert.X509Certificate;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** PUT DATA BCAST_CERTIFICATE: chained load of a real X.509 certificate, and every way a load can fail. */
class CertificateTest {
    @Test
    void realCertificateThroughChaining() throws Exception {
        BcastCard b = BcastCard.fresh();
        byte[] spki = b.keygen(BcastCard.EC);
        TestCa ca = new TestCa();
        byte[] cert = ca.issue(spki, "BCAST client 490154203237518", 1500);
        assertEquals(0x9000, b.loadCert(cert));
        byte[] back = b.card.expectAll(0x9000, "80CADF4200");
        assertArrayEquals(cert, back);
        X509Certificate x = ca.parse(back);
        assertArrayEquals(spki, x.getPublicKey().getEncoded(), "the certificate is for the card's key");
        assertEquals(String.format("0100%04X00", cert.length), Hex.s(b.card.getData(0xDF43)));
        // at once with an extended GET DATA
        assertArrayEquals(cert, b.card.expect(0x9000, "80CADF42000800"));
    }

    @Test
    void singleCommandAndMaximumSize() {
        BcastCard b = BcastCard.fresh();
        byte[] small = TestDer.seq(new byte[100]);
        assertEquals(0x9000, b.card.send(b.host.wrap(0x84, 0xDA, 0xDF, 0x42, small)).sw());
        assertArrayEquals(small, b.card.getData(0xDF42));
        byte[] max = TestDer.seq(new byte[2044]);                      // 30 82 07FC ... = 2048
        assertEquals(2048, max.length);
        assertEquals(0x9000, b.loadCert(max));
        assertArrayEquals(max, b.card.expectAll(0x9000, "80CADF4200"));
        byte[] over = TestDer.seq(new byte[2045]);
        assertEquals(0x6700, b.chain(0xDA, 0xDF, 0x42, over, 239, false).sw());
        b.card.expect(0x6A88, "80CADF4200");                            // the first part invalidated the old one
    }

    @Test
    void refusedDataLeavesNoCertificate() {
        BcastCard b = BcastCard.fresh();
        byte[] good = TestDer.seq(new byte[600]);
        assertEquals(0x9000, b.loadCert(good));
        // not a SEQUENCE
        byte[] notSeq = good.clone();
        notSeq[0] = 0x31;
        assertEquals(0x6A80, b.loadCert(notSeq));
        b.card.expect(0x6A88, "80CADF4200");
        // trailing bytes after the SEQUENCE
        assertEquals(0x9000, b.loadCert(good));
        assertEquals(0x6A80, b.loadCert(Hex.cat(good, new byte[] {0})));
        b.card.expect(0x6A88, "80CADF4200");
        // truncated
        assertEquals(0x6A80, b.loadCert(Arrays.copyOf(good, 500)));
        // non-minimal length (DER): 30 82 00 7F
        assertEquals(0x6A80, b.loadCert(Hex.cat(Hex.b("3082007F"), new byte[0x7F])));
        // empty last command
        assertEquals(0x6A80, b.card.send(b.host.wrap(0x84, 0xDA, 0xDF, 0x42, new byte[0])).sw());
        assertEquals("0000000000", Hex.s(b.card.getData(0xDF43)));
    }

    @Test
    void interruptedChainLeavesNoCertificate() {
        BcastCard b = BcastCard.fresh();
        byte[] good = TestDer.seq(new byte[600]);
        assertEquals(0x9000, b.loadCert(good));
        // another command in the middle: the next part starts a new load, which then fails the DER check
        b.card.ok(Hex.s(b.host.wrap(0x94, 0xDA, 0xDF, 0x42, Arrays.copyOfRange(good, 0, 200))));
        b.card.getData(0xDF30);
        assertEquals(0x6A80, b.chain(0xDA, 0xDF, 0x42, Arrays.copyOfRange(good, 200, good.length),
                BcastCard.CHUNK, false).sw());
        b.card.expect(0x6A88, "80CADF4200");
        // reselect in the middle: the session is gone as well
        assertEquals(0x9000, b.loadCert(good));
        b.card.ok(Hex.s(b.host.wrap(0x94, 0xDA, 0xDF, 0x42, Arrays.copyOfRange(good, 0, 200))));
        b.card.select();
        b.card.expect(0x6A88, "80CADF4200");
        // a wrong C-MAC in the middle: 6988, session closed, no certificate
        b.reopen();
        assertEquals(0x9000, b.loadCert(good));
        b.card.ok(Hex.s(b.host.wrap(0x94, 0xDA, 0xDF, 0x42, Arrays.copyOfRange(good, 0, 200))));
        byte[] bad = b.host.wrap(0x94, 0xDA, 0xDF, 0x42, Arrays.copyOfRange(good, 200, 400));
        bad[bad.length - 1] ^= 1;
        b.card.expect(0x6988, bad);
        b.card.expect(0x6A88, "80CADF4200");
        // a PUT DATA of the fields in the middle drops the chain (another P1-P2)
        b.reopen();
        b.card.ok(Hex.s(b.host.wrap(0x94, 0xDA, 0xDF, 0x42, Arrays.copyOfRange(good, 0, 200))));
        assertEquals(0x9000, b.putFields(BcastCard.FIELDS));
        assertEquals(0x6A80, b.chain(0xDA, 0xDF, 0x42, Arrays.copyOfRange(good, 200, good.length),
                BcastCard.CHUNK, false).sw());
        b.card.expect(0x6A88, "80CADF4200");
        // after all that, a complete load works
        assertEquals(0x9000, b.loadCert(good));
        assertArrayEquals(good, b.card.expectAll(0x9000, "80CADF4200"));
    }

    @Test
    void access() {
        BcastCard b = BcastCard.fresh();
        b.card.expect(0x6E00, "80DADF4203300100");
        b.card.expect(0x6E00, "90DADF4203300100");
        b.card.select();
        b.card.expect(0x6982, "94DADF4218" + "00".repeat(24));
        b.card.expect(0x6982, "84DADF4218" + "00".repeat(24));
    }
}
