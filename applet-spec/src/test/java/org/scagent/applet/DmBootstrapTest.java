package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * DMBOOT_VERIFY and DMBOOT_SERVER_ADD (applet-spec/dm-bootstrap.md §7): the card's HMAC-SHA1 against javax.crypto
 * for every SEC, the USERPIN try counter, and the policy-gated server addition.
 */
class DmBootstrapTest {
    static final String IMSI_EF = ImsiTest.ODD;          // 234150999999999
    static final byte[] NETWORKID = Hex.b("2943519099999999");
    static final byte[] NAF = Hex.cat("dm.example.com".getBytes(), Hex.b("0300000099"));
    static final String USER_PIN = "8765";
    static final byte[] BODY = body(2000);

    static byte[] body(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    static byte[] hmac(byte[] key, byte[] msg) {
        try {
            Mac m = Mac.getInstance("HmacSHA1");
            m.init(new SecretKeySpec(key, "HmacSHA1"));
            return m.doFinal(msg);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A GBA-ready card (GbaTest.ready) that also has the IMSI and a bootstrap done. */
    static DmCard ready() {
        DmCard d = GbaTest.ready();
        assertEquals(0x9000, d.issuer(0xDA, 0xDF, 0x60, Hex.b(IMSI_EF)));
        assertEquals(0x9000, GbaTest.bootstrap(d, GbaTest.RAND1, 0x20).sw());
        return d;
    }

    static byte[] ksExt(byte[] naf) {
        byte[] ks = Hex.cat(GbaTest.NET.ck(GbaTest.RAND1), GbaTest.NET.ik(GbaTest.RAND1));
        return TestMilenage.ksNaf(ks, "gba-me", GbaTest.RAND1, GbaTest.IMPI.getBytes(), naf);
    }

    static byte[] apdu(int p1, byte[] data) {
        return Hex.cat(new byte[] {(byte) 0x80, 0x4C, (byte) p1, 0, (byte) data.length}, data);
    }

    static byte[] begin(int sec, byte[] mac, String pin, byte[] naf) {
        byte[] p = pin == null ? new byte[0] : pin.getBytes();
        byte[] n = naf == null ? new byte[0] : naf;
        return apdu(1, Hex.cat(new byte[] {(byte) sec}, mac, new byte[] {(byte) p.length}, p,
                new byte[] {(byte) n.length}, n));
    }

    /** Begin, then the body in 200-byte parts; returns the final SW. */
    static int verify(DmCard d, int sec, byte[] mac, String pin, byte[] naf, byte[] body) {
        int sw = d.card.send(begin(sec, mac, pin, naf)).sw();
        if (sw != 0x9000) {
            return sw;
        }
        int off = 0;
        while (body.length - off > 200) {
            assertEquals(0x9000, d.card.send(apdu(2, Arrays.copyOfRange(body, off, off + 200))).sw());
            off += 200;
        }
        return d.card.send(apdu(3, Arrays.copyOfRange(body, off, body.length))).sw();
    }

    @Test
    void everySecVerifiesWithItsKey() {
        DmCard d = ready();
        byte[] pin = USER_PIN.getBytes();
        byte[] colon = {':'};
        assertEquals(0x9000, verify(d, 1, hmac(NETWORKID, BODY), null, null, BODY));
        assertEquals(0x9000, verify(d, 2, hmac(pin, BODY), USER_PIN, null, BODY));
        assertEquals(0x9000, verify(d, 3, hmac(Hex.cat(pin, colon, NETWORKID), BODY), USER_PIN, null, BODY));
        assertEquals(0x9000, verify(d, 4, hmac(ksExt(NAF), BODY), null, NAF, BODY));
        assertEquals(0x9000, verify(d, 5, hmac(Hex.cat(pin, colon, ksExt(NAF)), BODY), USER_PIN, NAF, BODY));
        // one byte of body in one final part, and an empty final part
        byte[] one = {0x42};
        assertEquals(0x9000, verify(d, 1, hmac(NETWORKID, one), null, null, one));
        d.card.ok(Hex.s(begin(1, hmac(NETWORKID, one), null, null)));
        d.card.ok(Hex.s(apdu(2, one)));
        d.card.ok("804C030000");
        // a PIN of DMBOOT_PIN_MAX characters: the key is exactly one block for the _GBA method
        String longPin = "abcdefghijklmnopqrstuvwxyz01234";
        assertEquals(0x9000, verify(d, 5, hmac(Hex.cat(longPin.getBytes(), colon, ksExt(NAF)), BODY), longPin, NAF,
                BODY));
    }

    @Test
    void wrongKeysAndTamperedBodiesAreRefused() {
        DmCard d = ready();
        byte[] tampered = BODY.clone();
        tampered[1500] ^= 1;
        assertEquals(0x6300, verify(d, 1, hmac(NETWORKID, BODY), null, null, tampered));
        assertEquals(0x6300, verify(d, 1, hmac(Hex.b("2943519099999990"), BODY), null, null, BODY));
        assertEquals(0x6300, verify(d, 4, hmac(ksExt(Hex.cat("other.example.com".getBytes(), Hex.b("0300000099"))),
                BODY), null, NAF, BODY));
        // the ProvBoot USERNETWPIN key (NETWPIN || PIN, no colon) is not the DM key
        assertEquals(0x63C2, verify(d, 3, hmac(Hex.cat(NETWORKID, USER_PIN.getBytes()), BODY), USER_PIN, null, BODY));
    }

    @Test
    void malformedBeginsAreRefused() {
        DmCard d = ready();
        byte[] mac = new byte[20];
        d.card.expect(0x6A80, begin(0, mac, null, null));
        d.card.expect(0x6A80, begin(6, mac, null, null));
        d.card.expect(0x6A80, begin(1, mac, "1234", null));     // NETWORKID takes no PIN
        d.card.expect(0x6A80, begin(2, mac, null, null));       // USERPIN needs one
        d.card.expect(0x6A80, begin(4, mac, null, null));       // _GBA needs the NAF_Id
        d.card.expect(0x6A80, begin(1, mac, null, NAF));        // NETWORKID takes none
        d.card.expect(0x6A80, begin(2, mac, "12\n4", null));    // not printable
        d.card.expect(0x6A80, begin(2, mac, "abcdefghijklmnopqrstuvwxyz012345", null)); // 32 > DMBOOT_PIN_MAX
        d.card.expect(0x6A80, begin(4, mac, null, Hex.b("0102030405")));
        d.card.expect(0x6700, "804C010003010203");
        byte[] b = begin(1, mac, null, null);
        byte[] cut = Arrays.copyOf(b, b.length - 1);
        cut[4]--;
        d.card.expect(0x6700, cut);
        d.card.expect(0x6A86, "804C040000");
        d.card.expect(0x6A86, "804C010100");
        // parts without a begin
        d.card.expect(0x6985, "804C020001AA");
        d.card.expect(0x6985, "804C030000");
        // a refused begin leaves no hashing behind
        d.card.ok(Hex.s(begin(1, mac, null, null)));
        d.card.expect(0x6A80, begin(0, mac, null, null));
        d.card.expect(0x6985, "804C030000");
        assertEquals("0303", Hex.s(d.card.getData(0xDF64)));  // no PIN try spent
    }

    @Test
    void missingCardMaterial() {
        DmCard d = GbaTest.ready();
        byte[] mac = new byte[20];
        d.card.expect(0x6A88, begin(1, mac, null, null));      // no IMSI
        d.card.expect(0x6985, begin(4, mac, null, NAF));       // no bootstrap
        DmCard noImpi = DmCard.blank();
        noImpi.card.setPin(GbaTest.PIN);
        assertEquals(0x9000, noImpi.issuer(0xDA, 0xDF, 0x61, Hex.cat(GbaTest.K, GbaTest.OPC)));
        noImpi.card.expect(0x9000, Card.verifyApdu(GbaTest.PIN));
        assertEquals(0x9000, GbaTest.bootstrap(noImpi, GbaTest.RAND1, 0x20).sw());
        noImpi.card.expect(0x6A88, begin(4, mac, null, NAF));  // no IMPI
    }

    @Test
    void userPinTriesAreCountedOnTheCard() {
        DmCard d = ready();
        byte[] good = hmac(USER_PIN.getBytes(), BODY);
        assertEquals("0303", Hex.s(d.card.getData(0xDF64)));
        assertEquals(0x63C2, verify(d, 2, good, "0000", null, BODY));
        assertEquals(0x63C1, verify(d, 2, good, "0001", null, BODY));
        // a verification cut off (deselect) keeps the try spent
        d.card.ok(Hex.s(begin(2, good, USER_PIN, null)));
        d.card.select();
        d.card.expect(0x6985, "804C030000");
        assertEquals("0003", Hex.s(d.card.getData(0xDF64)));
        d.card.expect(0x6983, begin(2, good, USER_PIN, null));
        d.card.expect(0x6983, begin(5, good, USER_PIN, NAF));
        // NETWORKID needs no PIN: still possible
        assertEquals(0x9000, verify(d, 1, hmac(NETWORKID, BODY), null, null, BODY));
        // the issuer sets a new limit, which starts the tries again
        d.lostSession();
        assertEquals(0x6A80, d.issuer(0xDA, 0xDF, 0x64, new byte[] {16}));
        assertEquals(0x6700, d.issuer(0xDA, 0xDF, 0x64, new byte[] {5, 5}));
        assertEquals(0x9000, d.issuer(0xDA, 0xDF, 0x64, new byte[] {5}));
        assertEquals("0505", Hex.s(d.card.getData(0xDF64)));
        assertEquals(0x63C4, verify(d, 2, good, "9999", null, BODY));
        assertEquals(0x9000, verify(d, 2, good, USER_PIN, null, BODY));
        assertEquals("0505", Hex.s(d.card.getData(0xDF64)));
        d.card.expect(0x6987, "84DADF640105");                 // only wrapped
    }

    static byte[] addApdu(String id) {
        byte[] b = id.getBytes();
        return Hex.cat(new byte[] {(byte) 0x80, 0x4E, 0, 0, (byte) b.length}, b, new byte[] {0});
    }

    @Test
    void aVerifiedBootstrapAddsItsServerOnlyUnderThePolicy() {
        DmCard d = ready();
        String id = "bootstrapped.example.com";
        byte[] mac = hmac(NETWORKID, BODY);
        d.card.expect(0x6985, addApdu(id));                            // nothing verified
        assertEquals(0x9000, verify(d, 1, mac, null, null, BODY));
        d.card.expect(0x6985, addApdu(id));                            // policy has no BOOTSTRAP_ADD
        assertEquals(0x9000, d.setPolicy(0x02, 0x02));
        assertEquals(0x9000, verify(d, 1, mac, null, null, BODY));
        assertEquals("00", Hex.s(d.card.expect(0x9000, addApdu(id))));
        d.card.expect(0x6985, addApdu("again.example.com"));           // once per verification
        assertEquals(0x6300, verify(d, 1, new byte[20], null, null, BODY));
        d.card.expect(0x6985, addApdu("again.example.com"));           // a failed verification adds nothing
        // the added server is authorized for firmware updates
        assertEquals("0101", d.check(id).substring(0, 4));
        // it has no key: it can never read the log
        assertEquals(0x6300, d.auth(0, DmCard.SERVER_KEY));
        // already listed: same slot, nothing changes
        assertEquals(0x9000, verify(d, 1, mac, null, null, BODY));
        String before = PersistentState.of(d.card);
        assertEquals("00", Hex.s(d.card.expect(0x9000, addApdu(id))));
        assertEquals(before, PersistentState.of(d.card));
        assertEquals(0x9000, verify(d, 1, mac, null, null, BODY));
        d.card.expect(0x6700, "804E000000");
        assertEquals(0x9000, verify(d, 1, mac, null, null, BODY));
        d.card.expect(0x6700, addApdu("x".repeat(65)));
    }

    @Test
    void theListFills() {
        DmCard d = ready();
        assertEquals(0x9000, d.setPolicy(0x01, 0x02));
        byte[] mac = hmac(NETWORKID, BODY);
        for (int i = 0; i < 16; i++) {
            assertEquals(0x9000, verify(d, 1, mac, null, null, BODY));
            assertEquals(String.format("%02X", i), Hex.s(d.card.expect(0x9000, addApdu("s" + i + ".example.com"))));
        }
        assertEquals(0x9000, verify(d, 1, mac, null, null, BODY));
        d.card.expect(0x6A84, addApdu("one-too-many.example.com"));
    }
}
