package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A simulated card set up for the DM firmware-update capability, and the host side of its commands: an issuer
 * session (wrapping), the firmware-update session, the DM server's log reading and the log verifier.
 *
 * {@link #ready()}: card id {@link #CARD_ID}, the BCAST fields of {@link BcastCard#FIELDS} (firmware 0102,
 * manufacturer 0A0B, model 0C0D), originator slot 0 = {@link #ORIGINATOR}, DM server slot 0 = {@link #SERVER}
 * (FW_UPDATE + READ_LOG, no validity limits, key {@link #SERVER_KEY}), the default policy WARN_CONFIRM.
 */
final class DmCard {
    static final byte[] CARD_ID = Hex.fill(16, 0xC0);
    static final String SERVER = "dm.example.com";
    static final String UNLISTED = "rogue.example.net";
    /** Test keys made once per test run (java.security); the card gets their public points. */
    static final KeyPair ORIGINATOR = TestManifest.newKey();
    static final KeyPair OTHER = TestManifest.newKey();
    static final KeyPair SERVER_KEY = TestManifest.newKey();
    static final byte[] TOKEN_KEY = Hex.fill(16, 0x70);
    static final long TIME = 1_700_000_000L;
    static final int PERM_FW = 1;
    static final int PERM_READ = 2;
    static final int CHUNK = 200;

    final Card card;
    HostChannel host;

    DmCard(Card card) {
        this.card = card;
    }

    /** A fresh card with the card id, nothing else personalized. */
    static DmCard blank() {
        return new DmCard(Card.withParams(Hex.cat(Hex.b("C410"), CARD_ID)));
    }

    static DmCard ready() {
        DmCard d = blank();
        assertEquals(0x9000, d.issuer(0xDA, 0xDF, 0x40, Hex.b(BcastCard.FIELDS)));
        assertEquals(0x9000, d.putOriginator(0, ORIGINATOR));
        assertEquals(0x9000, d.putServer(0, PERM_FW | PERM_READ, 0, 0xFFFFFFFFL, SERVER_KEY, SERVER));
        return d;
    }

    // ---- issuer -----------------------------------------------------------------------------------------------

    /** A wrapped issuer command (opens a session when none is open); returns the SW. */
    int issuer(int ins, int p1, int p2, byte[] data) {
        if (host == null) {
            host = card.openIssuer();
        }
        int sw = card.send(host.wrap(0x84, ins, p1, p2, data)).sw();
        if (sw == 0x6982 || sw == 0x6987 || sw == 0x6988 || sw == 0x6700 && data.length > 239) {
            host = null;
        }
        return sw;
    }

    /** Forget the issuer session (after a reselect or reset). */
    void lostSession() {
        host = null;
    }

    static byte[] serverEntry(int perms, long nb, long na, KeyPair key, String id) {
        return Hex.cat(new byte[] {(byte) perms}, TestManifest.u32(nb), TestManifest.u32(na), TestManifest.point(key),
                new byte[] {(byte) id.length()}, id.getBytes());
    }

    int putServer(int slot, int perms, long nb, long na, KeyPair key, String id) {
        return issuer(0xD2, slot, 0, serverEntry(perms, nb, na, key, id));
    }

    int putOriginator(int slot, KeyPair key) {
        return issuer(0xD8, slot, 0, TestManifest.point(key));
    }

    int setPolicy(int policy, int flags) {
        return issuer(0xD6, policy, flags, new byte[0]);
    }

    int putTokenKey(byte[] key) {
        return issuer(0xDE, 0, 0, key);
    }

    // ---- the firmware-update session ---------------------------------------------------------------------------

    Card.Resp check(long time, String id) {
        byte[] d = Hex.cat(TestManifest.u32(time), id.getBytes());
        return card.sendAll(Hex.cat(new byte[] {(byte) 0x80, 0x30, 0, 0, (byte) d.length}, d, new byte[] {0}), null);
    }

    /** DM_CHECK_SERVER at {@link #TIME}, asserting 9000; returns the 5-byte answer as hex. */
    String check(String id) {
        Card.Resp r = check(TIME, id);
        assertEquals(0x9000, r.sw(), "DM_CHECK_SERVER " + id);
        return r.hex();
    }

    int confirm(String id) {
        byte[] d = id.getBytes();
        return card.send(Hex.cat(new byte[] {(byte) 0x80, 0x32, 0, 0, (byte) d.length}, d)).sw();
    }

    /** FU_VERIFY_MANIFEST, chained in parts of {@link #CHUNK} (CLA 90 but the last), P1 01 with a token. */
    Card.Resp verify(byte[] manifest, byte[] token) {
        byte[] data = token == null ? manifest : Hex.cat(manifest, token);
        int p1 = token == null ? 0 : 1;
        int off = 0;
        while (data.length - off > CHUNK) {
            Card.Resp r = card.send(Hex.cat(new byte[] {(byte) 0x90, 0x34, (byte) p1, 0, (byte) CHUNK},
                    Arrays.copyOfRange(data, off, off + CHUNK)));
            if (r.sw() != 0x9000) {
                return r;
            }
            off += CHUNK;
        }
        byte[] last = Arrays.copyOfRange(data, off, data.length);
        return card.sendAll(Hex.cat(new byte[] {(byte) 0x80, 0x34, (byte) p1, 0, (byte) last.length}, last,
                new byte[] {0}), null);
    }

    int verifySw(byte[] manifest) {
        return verify(manifest, null).sw();
    }

    int digest(byte[] sha, long size) {
        return card.send(Hex.cat(Hex.b("8036000028"), sha, TestManifest.u64(size))).sw();
    }

    /** FU_HASH: the whole package in one extended APDU with P1 01, then an empty P1 03. */
    int hashExtended(byte[] pkg) {
        int sw = card.send(Hex.cat(Hex.b("8038010000"), new byte[] {(byte) (pkg.length >> 8), (byte) pkg.length},
                pkg)).sw();
        return sw != 0x9000 ? sw : card.send("80380300").sw();
    }

    /** FU_HASH in short APDUs of {@code chunk} bytes: 01 first, 02 next, 03 last (an empty 03 if one part). */
    int hashShort(byte[] pkg, int chunk) {
        int off = 0;
        int p1 = 1;
        while (true) {
            int n = Math.min(chunk, pkg.length - off);
            boolean last = off + n == pkg.length;
            int cmd = last && p1 != 1 ? 3 : p1;
            int sw = card.send(Hex.cat(new byte[] {(byte) 0x80, 0x38, (byte) cmd, 0, (byte) n},
                    Arrays.copyOfRange(pkg, off, off + n))).sw();
            off += n;
            if (sw != 0x9000 || cmd == 3) {
                return sw;
            }
            if (last) {
                return card.send("80380300").sw();
            }
            p1 = 2;
        }
    }

    int report(int p1, long time, int code) {
        return card.send(Hex.cat(new byte[] {(byte) 0x80, 0x3A, (byte) p1, 0, 6}, TestManifest.u32(time),
                new byte[] {(byte) (code >> 8), (byte) code})).sw();
    }

    /** A whole install of {@code m} (package {@code pkg}) delivered by {@link #SERVER}; asserts every step. */
    void install(TestManifest m) {
        check(SERVER);
        assertEquals(0x9000, verify(m.sign(ORIGINATOR), null).sw(), "verify");
        assertEquals(0x9000, digest(TestManifest.sha256(m.pkg), m.pkg.length), "digest");
        assertEquals(0x9000, report(1, TIME + 1, 0), "started");
        assertEquals(0x9000, report(3, TIME + 2, 200), "installed");
    }

    // ---- reading the log ---------------------------------------------------------------------------------------

    /** LOG_AUTH_BEGIN + LOG_AUTH with {@code key}'s signature; returns the SW of LOG_AUTH. */
    int auth(int slot, KeyPair key) {
        Card.Resp r = card.sendAll(new byte[] {(byte) 0x80, 0x3C, (byte) slot, 0, 0}, null);
        if (r.sw() != 0x9000) {
            return r.sw();
        }
        byte[] sig = TestManifest.der(key, Hex.cat("SCAGENT-DM-AUTH-1".getBytes(), CARD_ID, r.data()), 0);
        return card.send(Hex.cat(new byte[] {(byte) 0x80, 0x3E, (byte) slot, 0, (byte) sig.length}, sig)).sw();
    }

    /** LOG_STATUS: count, first retained. */
    long[] status() {
        byte[] s = card.getData(0xDF52);
        assertEquals(9, s.length);
        assertEquals(32, s[4]);
        return new long[] {TestLog.u32(s, 0), TestLog.u32(s, 5)};
    }

    /** Reads the whole window with LOG_READ (authenticated already): [0] = h_before_first, then the records. */
    List<byte[]> readAll() {
        long[] st = status();
        int n = (int) (st[0] - st[1] + 1);
        List<byte[]> out = new ArrayList<>();
        out.add(null);
        for (int i = 0; i < n; i += 8) {
            int k = Math.min(8, n - i);
            byte[] a = card.expectAll(0x9000, new byte[] {(byte) 0x80, 0x40, (byte) i, (byte) k, 0});
            assertEquals(32 + 96 * k, a.length);
            if (i == 0) {
                out.set(0, Arrays.copyOf(a, 32));
            }
            for (int j = 0; j < k; j++) {
                out.add(Arrays.copyOfRange(a, 32 + 96 * j, 32 + 96 * (j + 1)));
            }
        }
        if (n == 0) {
            out.set(0, new byte[32]);
        }
        return out;
    }

    byte[] checkpoint(byte[] nonce) {
        return card.expectAll(0x9000, Hex.cat(new byte[] {(byte) 0x80, 0x44, 0, 0, (byte) nonce.length}, nonce,
                new byte[] {0}));
    }

    PublicKey logKey() throws GeneralSecurityException {
        return BcastCard.publicKey(card.getData(0xDF53));
    }

    /** Authenticates as {@link #SERVER}, reads everything, checks it all; returns the records (asserts validity). */
    List<byte[]> verifiedLog() {
        assertEquals(0x9000, auth(0, SERVER_KEY), "LOG_AUTH");
        List<byte[]> all = readAll();
        byte[] nonce = Hex.fill(16, 0x11);
        byte[] cp = checkpoint(nonce);
        try {
            assertNull(TestLog.check(logKey(), CARD_ID, nonce, cp, all.get(0), all.subList(1, all.size())));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
        return all.subList(1, all.size());
    }

    /** The last record of the log (authenticates). */
    byte[] lastRecord() {
        List<byte[]> r = verifiedLog();
        return r.get(r.size() - 1);
    }

    /** Record fields: kind, status, result, flags. */
    static String brief(byte[] r) {
        return String.format("%02X/%02X/%d/%02X", r[8], r[9], TestLog.u16(r, 10), r[24]);
    }

    /** The TerminalFirmwareVersionNo from the fields. */
    int firmware() {
        return TestLog.u16(card.getData(0xDF40), 8);
    }
}
