package org.scagent.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The real applet on the T=0 card model: a BCAST_Client_ID longer than 256 bytes is read completely. The runtime's
 * 61xx comes first, then the applet's own 61xx / GET RESPONSE parts, which the bridge passes to the applet when it
 * has nothing pending itself.
 */
class RealAppletT0Test {
    static final String AID = "F053434147454E5401";
    static final String FIELDS = "4A09512430325781" + "0102" + "0A0B" + "0C0D" + "0E0F10" + "0203";

    private final TestIssuerHost host = new TestIssuerHost();
    /** How an APDU reaches the card: the card model directly, or the bridge over a fake vpcd. */
    private UnaryOperator<byte[]> link;

    RealAppletT0Test() throws Exception {
        EmulatedCard card = new EmulatedCard(Options.parse("-q", "--t0"), new Log(Log.QUIET));
        link = card::transmit;
    }

    private byte[] tx(byte[] apdu) {
        return link.apply(apdu);
    }

    private static int sw(byte[] r) {
        return EmulatedCard.swOf(r);
    }

    private static byte[] data(byte[] r) {
        return Arrays.copyOf(r, r.length - 2);
    }

    /** A T=0 host: follows 61xx with GET RESPONSE (Le = SW2) and 6Cxx with a re-send; records every SW. */
    private byte[] run(byte[] apdu, List<Integer> sws) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] cmd = apdu;
        while (true) {
            byte[] r = tx(cmd);
            int s = sw(r);
            sws.add(s);
            if ((s >> 8) == 0x6C) {
                cmd = Arrays.copyOf(cmd, cmd.length);
                cmd[cmd.length - 1] = (byte) s;
                continue;
            }
            all.writeBytes(data(r));
            if ((s >> 8) != 0x61) {
                assertEquals(0x9000, s, "final SW after " + sws);
                return all.toByteArray();
            }
            cmd = new byte[] {0x00, (byte) 0xC0, 0x00, 0x00, (byte) s};
        }
    }

    private byte[] run(byte[] apdu) {
        return run(apdu, new ArrayList<>());
    }

    /** Selected, issuer session open, EC key generated, fields and a {@code certLen}-byte certificate loaded. */
    private byte[] personalize(int certLen) {
        run(Hex.parse("00 A4 04 00 09 " + AID));
        byte[] iu = run(host.initializeUpdate());
        assertEquals(17, iu.length);
        assertEquals(0x9000, sw(tx(host.externalAuthenticate(iu))));
        byte[] spki = run(host.wrap(0x84, 0x46, 0x01, 0x00, new byte[0], false));
        assertEquals(91, spki.length);
        assertEquals(0x9000, sw(tx(host.wrap(0x84, 0xDA, 0xDF, 0x40, Hex.parse(FIELDS), false))));
        // the certificate: any DER SEQUENCE for the card; chained, each part wrapped
        byte[] header = certLen - 2 < 0x80 ? new byte[] {0x30, (byte) (certLen - 2)}
                : new byte[] {0x30, (byte) 0x82, (byte) ((certLen - 4) >> 8), (byte) (certLen - 4)};
        byte[] cert = new byte[certLen];
        for (int i = 0; i < certLen; i++) {
            cert[i] = i < header.length ? header[i] : (byte) i;
        }
        for (int off = 0; off < certLen; off += 200) {
            boolean last = off + 200 >= certLen;
            byte[] part = Arrays.copyOfRange(cert, off, Math.min(certLen, off + 200));
            assertEquals(0x9000, sw(tx(host.wrap(last ? 0x84 : 0x94, 0xDA, 0xDF, 0x42, part, false))));
        }
        return spki;
    }

    @Test
    void longClientIdOverT0RuntimeThenApplet61xx() throws Exception {
        byte[] spki = personalize(600);
        int total = 19 + 2 + 64 + 2 + 600;                       // 687 = 256 + 256 + 175
        // case 1 (no Le): the runtime announces the first part
        byte[] r1 = tx(Hex.parse("80 4A 00 00"));
        assertEquals("6100", Hex.of(r1).replace(" ", ""));
        // the runtime's GET RESPONSE: the part, with the applet's own 61xx at its end
        byte[] r2 = tx(Hex.parse("00 C0 00 00 00"));
        assertEquals(256, data(r2).length);
        assertEquals(0x6100, sw(r2));
        // nothing pending in the runtime: the GET RESPONSE goes to the applet
        byte[] r3 = tx(Hex.parse("00 C0 00 00 00"));
        assertEquals(256, data(r3).length);
        assertEquals(0x61AF, sw(r3));
        byte[] r4 = tx(Hex.parse("00 C0 00 00 AF"));
        assertEquals(0xAF, data(r4).length);
        assertEquals(0x9000, sw(r4));
        byte[] id = TestIssuerHost.cat(data(r2), data(r3), data(r4));
        assertEquals(total, id.length);
        checkIdentifier(id, spki, 600);
        // nothing pending anywhere now: the applet answers 6985
        assertEquals(0x6985, sw(tx(Hex.parse("00 C0 00 00 00"))));

        // the same with a host loop and Le = 00 (case 2): no runtime 61xx, the applet's parts only
        List<Integer> sws = new ArrayList<>();
        byte[] again = run(Hex.parse("80 4A 00 00 00"), sws);
        assertEquals(List.of(0x6100, 0x61AF, 0x9000), sws);
        checkIdentifier(again, spki, 600);
    }

    /** The same over the wire: the bridge with the real applet in T=0 mode, against a fake vpcd. */
    @Test
    void longClientIdOverTheWire() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (FakeVpcd vpcd = new FakeVpcd()) {
            Options o = Options.parse("-q", "--t0", "--port", Integer.toString(vpcd.port()));
            Bridge bridge = new Bridge(o, new EmulatedCard(o, new Log(Log.QUIET)), new Log(Log.QUIET));
            Future<Integer> run = executor.submit(bridge::run);
            vpcd.accept();
            vpcd.control(0x01);
            link = apdu -> {
                try {
                    vpcd.send(apdu);
                    return vpcd.reply();
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            };
            byte[] spki = personalize(1200);
            List<Integer> sws = new ArrayList<>();
            byte[] id = run(Hex.parse("80 4A 00 00"), sws);           // 1287 bytes
            assertEquals(List.of(0x6100, 0x6100, 0x6100, 0x6100, 0x6100, 0x6107, 0x9000), sws);
            checkIdentifier(id, spki, 1200);
            vpcd.closeConnection();
            assertEquals(0, run.get(5, TimeUnit.SECONDS));
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void shortIdentifierOverT0() throws Exception {
        byte[] spki = personalize(100);
        List<Integer> sws = new ArrayList<>();
        byte[] id = run(Hex.parse("80 4A 00 00 00"), sws);           // 187 bytes: Le 00 is wrong, 6CBB
        assertEquals(List.of(0x6CBB, 0x9000), sws);
        checkIdentifier(id, spki, 100);
        sws.clear();
        assertEquals(87, run(Hex.parse("80 4A 01 00 57"), sws).length); // without the certificate, exact Le
        assertEquals(List.of(0x9000), sws);
    }

    /** fields || 0040 || r||s || certificate_length || certificate, the signature valid for the SPKI. */
    private static void checkIdentifier(byte[] id, byte[] spki, int certLen) throws Exception {
        assertEquals(FIELDS + "0040", Hex.of(Arrays.copyOf(id, 21)).replace(" ", ""));
        assertEquals(certLen, ((id[85] & 0xFF) << 8) | (id[86] & 0xFF));
        assertEquals(0x30, id[87]);
        assertEquals((byte) (certLen - 1), id[id.length - 1]);
        PublicKey pub = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
        Signature v = Signature.getInstance("SHA256withECDSA");
        v.initVerify(pub);
        v.update(id, 0, 21);
        assertTrue(v.verify(der(Arrays.copyOfRange(id, 21, 85))), "BCAST_Client_ID signature");
    }

    /** r || s to a DER ECDSA-Sig-Value. */
    private static byte[] der(byte[] rs) {
        byte[] r = new BigInteger(1, Arrays.copyOf(rs, 32)).toByteArray();
        byte[] s = new BigInteger(1, Arrays.copyOfRange(rs, 32, 64)).toByteArray();
        byte[] body = TestIssuerHost.cat(new byte[] {0x02, (byte) r.length}, r, new byte[] {0x02, (byte) s.length}, s);
        return TestIssuerHost.cat(new byte[] {0x30, (byte) body.length}, body);
    }

    @Test
    void getResponseWithNothingPendingReachesTheApplet() {
        assertEquals(0x6985, sw(tx(Hex.parse("00 C0 00 00 00"))));      // no applet selected: the runtime
        run(Hex.parse("00 A4 04 00 09 " + AID));
        assertEquals(0x6985, sw(tx(Hex.parse("00 C0 00 00 00"))));      // the applet: nothing pending
        assertEquals(0x6A86, sw(tx(Hex.parse("00 C0 01 00 00"))));      // the applet checks P1-P2 itself
        assertArrayEquals(new byte[] {(byte) 0x69, (byte) 0x85}, tx(Hex.parse("00 C0 00 00 00")));
    }
}
