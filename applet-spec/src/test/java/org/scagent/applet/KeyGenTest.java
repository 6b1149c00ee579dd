package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECFieldFp;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** GENERATE KEY PAIR: SPKI layout and parsing, both algorithms, access conditions, erasure of the certificate. */
class KeyGenTest {
    static final String EC_PREFIX = "3059301306072A8648CE3D020106082A8648CE3D030107034200" + "04";
    static final String RSA_PREFIX = "30820122300D06092A864886F70D01010105000382010F003082010A0282010100";

    @Test
    void ecKeyIsAP256SpkiOnTheCurve() throws Exception {
        BcastCard b = BcastCard.fresh();
        byte[] spki = b.keygen(BcastCard.EC);
        assertEquals(91, spki.length);
        assertTrue(Hex.s(spki).startsWith(EC_PREFIX), Hex.s(spki));
        ECPublicKey pub = (ECPublicKey) BcastCard.publicKey(spki);
        ECParameterSpec p256 = p256();
        assertEquals(p256.getOrder(), pub.getParams().getOrder());
        ECPoint w = pub.getW();
        BigInteger p = ((ECFieldFp) p256.getCurve().getField()).getP();
        BigInteger lhs = w.getAffineY().pow(2).mod(p);
        BigInteger rhs = w.getAffineX().pow(3).add(p256.getCurve().getA().multiply(w.getAffineX()))
                .add(p256.getCurve().getB()).mod(p);
        assertEquals(lhs, rhs, "the public point is on P-256");
        // GET DATA DF41 answers the same SPKI; BCAST_STATUS reports the algorithm
        assertArrayEquals(spki, b.card.getData(0xDF41));
        assertEquals("0100000000", Hex.s(b.card.getData(0xDF43)));
    }

    @Test
    void rsaKeyIsA2048BitSpkiWithExponent65537InTwoParts() throws Exception {
        BcastCard b = BcastCard.fresh();
        int[] parts = new int[1];
        // a wrapped command is a short APDU: 256 bytes with 6126, the other 38 with GET RESPONSE
        Card.Resp r = b.card.sendAll(b.host.wrapLe(0x84, 0x46, 0x02, 0x00, new byte[0]), parts);
        assertEquals(0x9000, r.sw());
        assertEquals(2, parts[0]);
        byte[] spki = r.data();
        assertEquals(294, spki.length);
        assertTrue(Hex.s(spki).startsWith(RSA_PREFIX), Hex.s(spki));
        assertTrue(Hex.s(spki).endsWith("0203010001"));
        RSAPublicKey pub = (RSAPublicKey) BcastCard.publicKey(spki);
        assertEquals(2048, pub.getModulus().bitLength());
        assertEquals(BigInteger.valueOf(65537), pub.getPublicExponent());
        assertArrayEquals(spki, b.card.expectAll(0x9000, "80CADF4100"));
        assertEquals("0200000000", Hex.s(b.card.getData(0xDF43)));
        // the 61xx of the first part: 0x26 = 38 bytes remain
        Card.Resp first = b.card.send("80CADF4100");
        assertEquals(0x6126, first.sw());
        assertEquals(256, first.data().length);
    }

    @Test
    void regenerationReplacesTheKeyAndErasesTheCertificate() throws Exception {
        BcastCard b = BcastCard.fresh();
        byte[] k1 = b.keygen(BcastCard.EC);
        byte[] cert = new TestCa().issue(k1, "card", 400);
        assertEquals(0x9000, b.loadCert(cert));
        assertEquals(String.format("0100%04X00", cert.length), Hex.s(b.card.getData(0xDF43)));
        byte[] k2 = b.keygen(BcastCard.EC);
        assertFalse(Arrays.equals(k1, k2), "a new key");
        b.card.expect(0x6A88, "80CADF4200");
        assertEquals("0100000000", Hex.s(b.card.getData(0xDF43)));
    }

    @Test
    void noKeyBeforeGeneration() {
        Card c = Card.withDefaults();
        c.expect(0x6A88, "80CADF4100");
        assertEquals("0000000000", Hex.s(c.getData(0xDF43)));
    }

    @Test
    void accessAndParameters() {
        BcastCard b = BcastCard.fresh();
        Card c = b.card;
        c.expect(0x6E00, "8046010000");                          // must be wrapped
        c.expect(0x6E00, "0446010008" + "00".repeat(8));
        c.expect(0x6884, "9446010008" + "00".repeat(8));         // no chaining
        c.expect(0x6A86, b.host.wrapLe(0x84, 0x46, 0x03, 0x00, new byte[0]));
        c.expect(0x6A86, b.host.wrapLe(0x84, 0x46, 0x00, 0x00, new byte[0]));
        c.expect(0x6A86, b.host.wrapLe(0x84, 0x46, 0x01, 0x01, new byte[0]));
        c.expect(0x6700, b.host.wrapLe(0x84, 0x46, 0x01, 0x00, new byte[] {1}));
        c.expect(0x6A88, "80CADF4100");                          // none of them generated a key
        // no session: 6982 (and nothing generated)
        c.select();
        c.expect(0x6982, "8446010008" + "00".repeat(8) + "00");
        c.expect(0x6A88, "80CADF4100");
        // a wrong C-MAC: 6988
        b.reopen();
        byte[] bad = b.host.wrapLe(0x84, 0x46, 0x01, 0x00, new byte[0]);
        bad[bad.length - 2] ^= 1;
        c.expect(0x6988, bad);
    }

    /** The domain parameters the card sets explicitly are the JDK's secp256r1. */
    @Test
    void p256ParametersAreSecp256r1() throws Exception {
        Field f = P256.class.getDeclaredField("params");
        f.setAccessible(true);
        byte[] params = (byte[]) f.get(new P256());
        ECParameterSpec s = p256();
        BigInteger p = ((ECFieldFp) s.getCurve().getField()).getP();
        assertEquals(p, num(params, 0));
        assertEquals(s.getCurve().getA(), num(params, 32));
        assertEquals(s.getCurve().getB(), num(params, 64));
        assertEquals(4, params[96]);
        assertEquals(s.getGenerator().getAffineX(), num(params, 97));
        assertEquals(s.getGenerator().getAffineY(), num(params, 129));
        assertEquals(s.getOrder(), num(params, 161));
        assertEquals(193, params.length);
        assertEquals(1, s.getCofactor());
    }

    static BigInteger num(byte[] b, int off) {
        return new BigInteger(1, Arrays.copyOfRange(b, off, off + 32));
    }

    static ECParameterSpec p256() throws Exception {
        AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
        ap.init(new ECGenParameterSpec("secp256r1"));
        return ap.getParameterSpec(ECParameterSpec.class);
    }
}
