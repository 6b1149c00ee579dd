package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * A simulated card with an open issuer session, and the BCAST identity operations as a host would run them
 * (wrapping, command chaining, GET RESPONSE). Also the host-side checks: SPKI parsing, signature verification.
 */
final class BcastCard {
    /** IMEI 490154203237518 (bcast-identity.md §2) and the other fields: firmware 0102, manufacturer 0A0B, model 0C0D,
     * serial 0E0F10, software 0203. */
    static final String FIELDS = "4A09512430325781" + "0102" + "0A0B" + "0C0D" + "0E0F10" + "0203";
    static final int EC = 0x01;
    static final int RSA = 0x02;
    /** Plain bytes per wrapped command in chains (a wrapped command carries at most 239). */
    static final int CHUNK = 200;

    final Card card;
    HostChannel host;

    BcastCard(Card card) {
        this.card = card;
        this.host = card.openIssuer();
    }

    static BcastCard fresh() {
        return new BcastCard(Card.withDefaults());
    }

    /** A new issuer session (after a command that closed it, a reselect, ...). */
    void reopen() {
        host = card.openIssuer();
    }

    byte[] keygen(int p1) {
        return card.expectAll(0x9000, host.wrapLe(0x84, 0x46, p1, 0x00, new byte[0]));
    }

    int putFields(String hex) {
        return card.send(host.wrap(0x84, 0xDA, 0xDF, 0x40, Hex.b(hex))).sw();
    }

    int raise(int p1, int version) {
        return card.send(host.wrap(0x84, 0x5E, p1, 0x00, new byte[] {(byte) (version >> 8), (byte) version})).sw();
    }

    /**
     * A chained wrapped command (bcast-identity.md §5): {@code data} in parts of at most {@code chunk} bytes, CLA 94
     * for all but the last (84), each wrapped on its own just before it is sent; the last one carries Le = 00 if
     * {@code le}. Every part but the last answers 9000 with no data; returns the last answer (61xx parts
     * collected), or the first error, after which the host stops (as libscagent does).
     */
    Card.Resp chain(int ins, int p1, int p2, byte[] data, int chunk, boolean le) {
        int off = 0;
        while (true) {
            int n = Math.min(chunk, data.length - off);
            byte[] part = Arrays.copyOfRange(data, off, off + n);
            off += n;
            if (off == data.length) {
                return card.sendAll(le ? host.wrapLe(0x84, ins, p1, p2, part) : host.wrap(0x84, ins, p1, p2, part),
                        null);
            }
            Card.Resp r = card.send(host.wrap(0x94, ins, p1, p2, part));
            if (r.sw() != 0x9000) {
                return r;
            }
            assertEquals(0, r.data().length, "a chained part answers no data");
        }
    }

    int loadCert(byte[] der) {
        return chain(0xDA, 0xDF, 0x42, der, CHUNK, false).sw();
    }

    Card.Resp addAnchor(byte[] der) {
        return chain(0xE2, 0x00, 0x00, der, CHUNK, true);
    }

    Card.Resp signCsr(byte[] info) {
        return chain(0x2A, 0x9E, 0x9A, info, CHUNK, true);
    }

    byte[] clientId(int p1) {
        return card.expectAll(0x9000, String.format("804A%02X0000", p1));
    }

    /** Keys, fields, and (if not null) a certificate: a card ready to answer GET_CLIENT_ID. */
    static BcastCard ready(int alg) {
        BcastCard b = fresh();
        b.keygen(alg);
        assertEquals(0x9000, b.putFields(FIELDS));
        return b;
    }

    // ---- host-side checks ------------------------------------------------------------------------------------

    static PublicKey publicKey(byte[] spki) throws GeneralSecurityException {
        X509EncodedKeySpec spec = new X509EncodedKeySpec(spki);
        try {
            return KeyFactory.getInstance("EC").generatePublic(spec);
        } catch (GeneralSecurityException e) {
            return KeyFactory.getInstance("RSA").generatePublic(spec);
        }
    }

    /** r || s (32 bytes each) to a DER ECDSA-Sig-Value. */
    static byte[] plainToDer(byte[] rs) {
        int half = rs.length / 2;
        return TestDer.seq(TestDer.integer(new BigInteger(1, Arrays.copyOfRange(rs, 0, half))),
                TestDer.integer(new BigInteger(1, Arrays.copyOfRange(rs, half, rs.length))));
    }

    /** Checks the signature of a BCAST_Client_ID over its first 21 bytes; returns the certificate part. */
    static byte[] verifyClientId(byte[] id, PublicKey key) throws GeneralSecurityException {
        int sigLen = ((id[19] & 0xFF) << 8) | (id[20] & 0xFF);
        byte[] sig = Arrays.copyOfRange(id, 21, 21 + sigLen);
        boolean ec = key instanceof ECPublicKey;
        assertEquals(ec ? 64 : 256, sigLen, "signature_length");
        Signature v = Signature.getInstance(ec ? "SHA256withECDSA" : "SHA256withRSA");
        v.initVerify(key);
        v.update(id, 0, 21);
        if (!v.verify(ec ? plainToDer(sig) : sig)) {
            throw new AssertionError("BCAST_Client_ID signature does not verify: " + Hex.s(id));
        }
        int p = 21 + sigLen;
        int certLen = ((id[p] & 0xFF) << 8) | (id[p + 1] & 0xFF);
        assertEquals(p + 2 + certLen, id.length, "certificate_length covers the rest");
        return Arrays.copyOfRange(id, p + 2, id.length);
    }
}
