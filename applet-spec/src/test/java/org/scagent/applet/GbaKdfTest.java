package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.licel.jcardsim.smartcardio.CardSimulator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The card's GBA KDF (TS 33.220 Annex B, applet-spec/gba.md §2) against the JDK's HmacSHA256 over the same S,
 * through both the framework HMAC and the MessageDigest fallback, and against the fixed values of
 * applet-spec/gba.md §4.2 (self-computed with Python hmac, not official: 33.220 publishes no vectors).
 */
class GbaKdfTest {
    /** Ks = CK || IK of TS 35.208 test set 1, and its RAND. */
    static final byte[] KS = Hex.b("b40ba9a3c58b2a05bbf0d987b21bf8cb f769bcd751044604127672711c6d3441");
    static final byte[] RAND = Hex.b("23553cbe9637a89d218ae64dae47bf35");
    static final String IMPI = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org";
    static final byte[] NAF_ID = Hex.cat("bmsc.example.org".getBytes(StandardCharsets.US_ASCII), Hex.b("0100000001"));

    @BeforeAll
    static void runtime() {
        new CardSimulator();
    }

    /** S = FC || P0 || L0 || P1 || L1 || ..., Li 2 bytes big-endian; HMAC-SHA-256 by the JDK. */
    static byte[] jdkKdf(byte[] key, int fc, byte[]... p) throws Exception {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.write(fc);
        for (byte[] pi : p) {
            s.writeBytes(pi);
            s.write(pi.length >> 8);
            s.write(pi.length);
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(s.toByteArray());
    }

    static byte[] card(GbaKdf kdf, byte label, byte[] ks, byte[] rand, byte[] impi, byte[] naf) {
        byte[] in = Hex.cat(new byte[3], ks, rand, impi, naf);
        byte[] out = new byte[34];
        kdf.deriveKsNaf(label, in, (short) 3, in, (short) 35, in, (short) 51, (short) impi.length, in,
                (short) (51 + impi.length), (short) naf.length, out, (short) 1);
        assertEquals(0, out[0]);
        assertEquals(0, out[33]);
        return java.util.Arrays.copyOfRange(out, 1, 33);
    }

    @Test
    void jcardsimHasFrameworkHmac() {
        assertTrue(new GbaKdf(true).usesFramework(), "Signature.ALG_HMAC_SHA_256 in jCardSim");
        assertTrue(!new GbaKdf(false).usesFramework());
    }

    /** The fixed values (gba.md §4.2), both labels, both HMAC paths. */
    @ParameterizedTest
    @CsvSource({
        "true, 0, 79d8098e4b9ef12c858a0da3471f6b2d29b4cbb549500dcb3c88154562de340d",
        "true, 1, 5ecf80629e0becb2def8d9b3cb80ae3f99ab18f9c50f49fd5da0e6cfb6d0ee5f",
        "false, 0, 79d8098e4b9ef12c858a0da3471f6b2d29b4cbb549500dcb3c88154562de340d",
        "false, 1, 5ecf80629e0becb2def8d9b3cb80ae3f99ab18f9c50f49fd5da0e6cfb6d0ee5f",
    })
    void fixedValues(boolean framework, byte label, String expect) throws Exception {
        GbaKdf kdf = new GbaKdf(framework);
        byte[] impi = IMPI.getBytes(StandardCharsets.UTF_8);
        assertEquals(expect.toUpperCase(), Hex.s(card(kdf, label, KS, RAND, impi, NAF_ID)));
        byte[] p0 = (label == GbaKdf.LABEL_GBA_U ? "gba-u" : "gba-me").getBytes(StandardCharsets.US_ASCII);
        assertEquals(expect.toUpperCase(), Hex.s(jdkKdf(KS, 1, p0, RAND, impi, NAF_ID)));
    }

    /** Pseudo-random inputs of many lengths (IMPI up to 300 bytes: L > 255 exercises the high length byte). */
    @ParameterizedTest
    @CsvSource({ "true", "false" })
    void matchesJdk(boolean framework) throws Exception {
        GbaKdf kdf = new GbaKdf(framework);
        java.util.Random r = new java.util.Random(33220);
        for (int i = 0; i < 40; i++) {
            byte[] ks = new byte[32];
            byte[] rand = new byte[16];
            byte[] impi = new byte[i == 39 ? 300 : r.nextInt(80)];
            byte[] naf = new byte[r.nextInt(60) + 5];
            r.nextBytes(ks);
            r.nextBytes(rand);
            r.nextBytes(impi);
            r.nextBytes(naf);
            for (byte label = 0; label <= 1; label++) {
                byte[] p0 = (label == 1 ? "gba-u" : "gba-me").getBytes(StandardCharsets.US_ASCII);
                assertEquals(Hex.s(jdkKdf(ks, 1, p0, rand, impi, naf)), Hex.s(card(kdf, label, ks, rand, impi, naf)),
                        "case " + i + " label " + label);
            }
        }
    }
}
