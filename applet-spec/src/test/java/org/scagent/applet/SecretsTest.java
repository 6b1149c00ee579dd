package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javacard.security.AESKey;
import javacard.security.ECPrivateKey;
import javacard.security.RSAPrivateCrtKey;
import org.junit.jupiter.api.Test;

/**
 * The client private key never leaves the card (bcast-identity.md §4), nor do the log-signing private key and the
 * subscriber-token key of the DM firmware-update capability (dm-firmware.md §3.4, §4.2). After key generation (each algorithm), every
 * INS 00..FF is sent with a set of P1-P2 values, plain (classes 00, 80, 84, 90) and wrapped in the issuer channel
 * (84, 04), each answer followed through its 61xx parts; no answer may contain any 16-byte window of the private
 * scalar (EC) or of a CRT part (RSA: P, Q, DP1, DQ1, PQ). The secrets are read from the key objects by reflection,
 * which no APDU can do.
 */
class SecretsTest {
    static final int WINDOW = 16;
    static final int[] P1P2 = {0x0000, 0x0100, 0x0200, 0x0300, 0x9E9A, 0x0081, 0x0F00, 0x8000, 0xFFFF,
        0xDF40, 0xDF41, 0xDF42, 0xDF43, 0xDF44, 0xDF3F};

    private final Set<String> windows = new HashSet<>();
    private byte[] someSecret;
    private int answers;
    private int dataBytes;

    @Test
    void ecPrivateScalarNeverLeaves() throws Exception {
        sweep(BcastCard.EC);
    }

    @Test
    void rsaCrtPartsNeverLeave() throws Exception {
        sweep(BcastCard.RSA);
    }

    private void sweep(int alg) throws Exception {
        BcastCard b = BcastCard.ready(alg);
        assertEquals(0x9000, b.loadCert(new TestCa().issue(b.card.expectAll(0x9000, "80CADF4100"), "card", 900)));
        assertEquals(0, b.addAnchor(new TestCa().issueOther("NAF", 600)).data()[0]);
        assertEquals(0, b.card.expect(0x9000, b.host.wrap(0x84, 0xDE, 0x00, 0x00, DmCard.TOKEN_KEY)).length);
        learn(b.card);
        learnDm(b.card);
        // the check itself: an answer that carried a secret would be caught
        assertThrows(AssertionError.class, () -> check(new Card.Resp(Hex.cat(new byte[] {1, 2, 3}, someSecret), 0)));
        // plain: every class family, every INS, case 2 (the answer is what matters)
        for (int cla : new int[] {0x00, 0x80, 0x84, 0x90}) {
            for (int ins = 0; ins < 256; ins++) {
                for (int p : P1P2) {
                    check(b.card.sendAll(new byte[] {(byte) cla, (byte) ins, (byte) (p >> 8), (byte) p, 0}, null));
                }
            }
        }
        // every GET DATA tag of the usual tag spaces
        for (int p1 : new int[] {0x00, 0x5F, 0x7F, 0x9F, 0xBF, 0xDF, 0xFF}) {
            for (int p2 = 0; p2 < 256; p2++) {
                check(b.card.sendAll(new byte[] {(byte) 0x80, (byte) 0xCA, (byte) p1, (byte) p2, 0}, null));
            }
        }
        // wrapped, inside an open session; GENERATE KEY PAIR last (it replaces the key: its answer is checked
        // against the old and the new secrets)
        b.reopen();
        for (int cla : new int[] {0x84, 0x04}) {
            for (int i = 0; i < 256; i++) {
                int ins = i == 0x46 ? 0xFF : i == 0xFF ? 0x46 : i;
                for (int p : P1P2) {
                    for (byte[] data : new byte[][] {new byte[0], new byte[19]}) {
                        wrapped(b, cla, ins, p, data);
                    }
                }
            }
        }
        assertTrue(answers > 30000, "answers " + answers);
        assertTrue(dataBytes > 3000, "data bytes " + dataBytes); // identifier, certificate, key, anchor, ...
    }

    /** One wrapped command; keeps the host's session in step with the card's. */
    private void wrapped(BcastCard b, int cla, int ins, int p, byte[] data) throws Exception {
        byte[] mcv = b.host.mcv.clone();
        int counter = b.host.counter;
        Card.Resp r = b.card.sendAll(b.host.wrapLe(cla, ins, p >> 8, p & 0xFF, data), null);
        int sw = r.sw();
        if (ins == 0x46 && sw == 0x9000) {
            learn(b.card); // a new key: its secrets join the old ones
        }
        check(r);
        if (sw == 0x6D00 || sw == 0x6E00 || sw == 0x6884) {
            b.host.mcv = mcv;          // refused before the unwrap: the card's MCV and counter did not move
            b.host.counter = counter;
        } else if (sw == 0x6982 || sw == 0x6987 || sw == 0x6988) {
            b.reopen();                // the card closed the session
        }
    }

    private void check(Card.Resp r) {
        answers++;
        String hex = Hex.s(r.data());
        dataBytes += r.data().length;
        for (int i = 0; i + 2 * WINDOW <= hex.length(); i += 2) {
            if (windows.contains(hex.substring(i, i + 2 * WINDOW))) {
                throw new AssertionError("an answer carries private key material: " + hex);
            }
        }
    }

    /** Adds every 16-byte window of the current private key's parts. */
    private void learn(Card c) throws Exception {
        Object key = field(field(c.applet(), "bcast"), "key");
        List<byte[]> parts = new ArrayList<>();
        byte alg = (byte) field(key, "alg");
        byte[] buf = new byte[300];
        if (alg == Contract.KEY_ALG_EC_P256) {
            ECPrivateKey k = (ECPrivateKey) field(key, "ecPriv");
            parts.add(Arrays.copyOf(buf, k.getS(buf, (short) 0)));
        } else {
            RSAPrivateCrtKey k = (RSAPrivateCrtKey) field(key, "rsaPriv");
            parts.add(Arrays.copyOf(buf, k.getP(buf, (short) 0)));
            parts.add(Arrays.copyOf(buf, k.getQ(buf, (short) 0)));
            parts.add(Arrays.copyOf(buf, k.getDP1(buf, (short) 0)));
            parts.add(Arrays.copyOf(buf, k.getDQ1(buf, (short) 0)));
            parts.add(Arrays.copyOf(buf, k.getPQ(buf, (short) 0)));
        }
        someSecret = parts.get(0);
        for (byte[] s : parts) {
            assertTrue(s.length >= 31, "secret part length " + s.length);
            for (int i = 0; i + WINDOW <= s.length; i++) {
                windows.add(Hex.s(Arrays.copyOfRange(s, i, i + WINDOW)));
            }
        }
    }

    /** Adds the windows of the log key's private scalar and the subscriber-token key (these never change). */
    private void learnDm(Card c) throws Exception {
        Object dm = field(c.applet(), "dm");
        byte[] buf = new byte[64];
        ECPrivateKey logKey = (ECPrivateKey) field(field(field(dm, "logAccess"), "key"), "priv");
        byte[] s = Arrays.copyOf(buf, logKey.getS(buf, (short) 0));
        AESKey token = (AESKey) field(field(field(dm, "admin"), "token"), "key");
        byte[] t = Arrays.copyOf(buf, token.getKey(buf, (short) 0));
        assertTrue(Arrays.equals(t, DmCard.TOKEN_KEY));
        for (byte[] secret : new byte[][] {s, t}) {
            assertTrue(secret.length >= 16, "secret length " + secret.length);
            for (int i = 0; i + WINDOW <= secret.length; i++) {
                windows.add(Hex.s(Arrays.copyOfRange(secret, i, i + WINDOW)));
            }
        }
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }
}
