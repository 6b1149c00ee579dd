package org.scagent.applet;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;

/**
 * A test certification authority (EC P-256, made per test run with the JDK): issues real X.509 v3 certificates,
 * built with {@link TestDer} and signed with SHA256withECDSA, that {@link CertificateFactory} parses and verifies.
 */
final class TestCa {
    static final String ECDSA_SHA256 = "1.2.840.10045.4.3.2";
    /** A private-arc OID for the padding extension that brings a certificate to a chosen size. */
    static final String PAD_EXTENSION = "1.3.6.1.4.1.99999.1";

    final KeyPair key;
    private long serial = 1;

    TestCa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            key = g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate for {@code spki} (DER SubjectPublicKeyInfo), subject CN = {@code cn}, about {@code size} bytes. */
    byte[] issue(byte[] spki, String cn, int size) {
        byte[] alg = TestDer.seq(TestDer.oid(ECDSA_SHA256));
        byte[] tbs = tbs(spki, cn, alg, new byte[0]);
        int pad = Math.max(0, size - tbs.length - 100);
        tbs = tbs(spki, cn, alg, new byte[pad]);
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(key.getPrivate());
            s.update(tbs);
            return TestDer.seq(tbs, alg, TestDer.bitString(s.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] tbs(byte[] spki, String cn, byte[] alg, byte[] pad) {
        byte[] ext = TestDer.explicit(3, TestDer.seq(TestDer.seq(TestDer.oid(PAD_EXTENSION),
                TestDer.octetString(TestDer.octetString(pad)))));
        return TestDer.seq(TestDer.explicit(0, TestDer.integer(2)), TestDer.integer(BigInteger.valueOf(serial++)),
                alg, TestDer.name("scagent test CA"),
                TestDer.seq(TestDer.utcTime("250101000000Z"), TestDer.utcTime("450101000000Z")),
                TestDer.name(cn), spki, ext);
    }

    /** A certificate for a fresh key of the CA's own making (NAF anchors: the content does not matter to the card). */
    byte[] issueOther(String cn, int size) {
        return issue(key.getPublic().getEncoded(), cn, size);
    }

    /** Parses with the JDK and checks the CA's signature. */
    X509Certificate parse(byte[] der) throws GeneralSecurityException {
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
        c.verify(key.getPublic());
        return c;
    }
}
