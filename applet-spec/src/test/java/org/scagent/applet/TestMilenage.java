package org.scagent.applet;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The network side of GBA for the tests, on the JDK (javax.crypto AES, HmacSHA256), written from TS 35.206,
 * TS 33.220 §5.3.2 and Annex B; checked against the 35.207 sets in {@link GbaTest}. Independent of the applet's code.
 */
final class TestMilenage {
    final byte[] k;
    final byte[] opc;
    private final Cipher aes;

    TestMilenage(byte[] k, byte[] opc) {
        this.k = k;
        this.opc = opc;
        try {
            aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k, "AES"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] e(byte[] in) {
        try {
            return aes.doFinal(in);
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static byte[] xor(byte[] a, byte[] b) {
        byte[] r = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (byte) (a[i] ^ b[i]);
        }
        return r;
    }

    private static byte[] rot(byte[] x, int bytes) {
        byte[] r = new byte[16];
        for (int i = 0; i < 16; i++) {
            r[i] = x[(i + bytes) % 16];
        }
        return r;
    }

    private byte[] temp(byte[] rand) {
        return e(xor(rand, opc));
    }

    /** OUT1 (16 bytes) for SQN, AMF. */
    byte[] out1(byte[] rand, byte[] sqn, byte[] amf) {
        byte[] in1 = Hex.cat(sqn, amf, sqn, amf);
        byte[] t = xor(temp(rand), rot(xor(in1, opc), 8));
        return xor(e(t), opc);
    }

    /** OUTn for n = 2..5: rotation in bytes and the constant's last byte. */
    byte[] out(byte[] rand, int rBytes, int c) {
        byte[] t = rot(xor(temp(rand), opc), rBytes);
        t[15] ^= (byte) c;
        return xor(e(t), opc);
    }

    byte[] f1(byte[] rand, byte[] sqn, byte[] amf) {
        return Arrays.copyOfRange(out1(rand, sqn, amf), 0, 8);
    }

    byte[] f1star(byte[] rand, byte[] sqn, byte[] amf) {
        return Arrays.copyOfRange(out1(rand, sqn, amf), 8, 16);
    }

    byte[] res(byte[] rand) {
        return Arrays.copyOfRange(out(rand, 0, 1), 8, 16);
    }

    byte[] ak(byte[] rand) {
        return Arrays.copyOfRange(out(rand, 0, 1), 0, 6);
    }

    byte[] ck(byte[] rand) {
        return out(rand, 4, 2);
    }

    byte[] ik(byte[] rand) {
        return out(rand, 8, 4);
    }

    byte[] akStar(byte[] rand) {
        return Arrays.copyOfRange(out(rand, 12, 8), 0, 6);
    }

    /** AUTN for GBA_U: (SQN xor AK) || AMF || MAC xor Trunc64(SHA-1(IK)); {@code gbaU} false gives the plain AUTN. */
    byte[] autn(byte[] rand, byte[] sqn, byte[] amf, boolean gbaU) {
        byte[] mac = f1(rand, sqn, amf);
        if (gbaU) {
            try {
                byte[] d = MessageDigest.getInstance("SHA-1").digest(ik(rand));
                mac = xor(mac, Arrays.copyOf(d, 8));
            } catch (GeneralSecurityException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return Hex.cat(xor(sqn, ak(rand)), amf, mac);
    }

    /** SQN_MS from an AUTS, or null when MAC-S does not verify. */
    byte[] sqnFromAuts(byte[] rand, byte[] auts) {
        byte[] sqn = xor(Arrays.copyOf(auts, 6), akStar(rand));
        byte[] macS = f1star(rand, sqn, new byte[2]);
        return Arrays.equals(macS, Arrays.copyOfRange(auts, 6, 14)) ? sqn : null;
    }

    /** TS 33.220 Annex B: HMAC-SHA-256(Ks, 01 || P0 || L0 || RAND || L1 || IMPI || L2 || NAF_Id || L3). */
    static byte[] ksNaf(byte[] ks, String label, byte[] rand, byte[] impi, byte[] naf) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(ks, "HmacSHA256"));
            m.update((byte) 1);
            for (byte[] p : new byte[][] {label.getBytes(), rand, impi, naf}) {
                m.update(p);
                m.update(new byte[] {(byte) (p.length >> 8), (byte) p.length});
            }
            return m.doFinal();
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
