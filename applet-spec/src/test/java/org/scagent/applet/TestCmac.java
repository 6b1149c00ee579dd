package org.scagent.applet;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Test-side AES-CMAC (RFC 4493) and AES helpers on javax.crypto AES/ECB, written independently of the applet's
 * {@link AesCmac} (whole-message, not streaming).
 */
final class TestCmac {
    private TestCmac() {
    }

    static byte[] ecb(byte[] key, byte[] block) {
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            return c.doFinal(block);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] cbc(byte[] key, byte[] iv, byte[] data, boolean encrypt) {
        try {
            Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
            c.init(encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new IvParameterSpec(iv));
            return c.doFinal(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] dbl(byte[] in) {
        byte[] out = new byte[16];
        for (int i = 0; i < 16; i++) {
            int next = i < 15 ? (in[i + 1] & 0xFF) >>> 7 : 0;
            out[i] = (byte) ((in[i] << 1) | next);
        }
        if ((in[0] & 0x80) != 0) {
            out[15] ^= (byte) 0x87;
        }
        return out;
    }

    /** Full 16-byte AES-CMAC of {@code msg}. */
    static byte[] cmac(byte[] key, byte[] msg) {
        byte[] k1 = dbl(ecb(key, new byte[16]));
        byte[] k2 = dbl(k1);
        int n = Math.max(1, (msg.length + 15) / 16);
        boolean complete = msg.length > 0 && msg.length % 16 == 0;
        byte[] x = new byte[16];
        for (int i = 0; i < n; i++) {
            byte[] block = new byte[16];
            int off = i * 16;
            int len = Math.min(16, msg.length - off);
            System.arraycopy(msg, off, block, 0, Math.max(0, len));
            if (i == n - 1) {
                if (complete) {
                    xorInto(block, k1);
                } else {
                    block[len] = (byte) 0x80;
                    xorInto(block, k2);
                }
            }
            xorInto(x, block);
            x = ecb(key, x);
        }
        return x;
    }

    static void xorInto(byte[] dst, byte[] src) {
        for (int i = 0; i < 16; i++) {
            dst[i] ^= src[i];
        }
    }
}
