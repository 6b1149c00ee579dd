package org.scagent.emu;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The host side of the applet's issuer secure channel (applet-spec/secure-channel.md) with the test keys, just
 * enough to run issuer commands against the real applet through the card model. Independent of the applet's code.
 */
final class TestIssuerHost {
    private static final byte[] TEST_KEY = Hex.parse("40 41 42 43 44 45 46 47 48 49 4A 4B 4C 4D 4E 4F");

    private final byte[] hostChallenge = Hex.parse("00 01 02 03 04 05 06 07");
    private byte[] sEnc;
    private byte[] sMac;
    private byte[] mcv = new byte[16];
    private int counter;

    byte[] initializeUpdate() {
        return cat(Hex.parse("80 50 00 00 08"), hostChallenge, new byte[] {0});
    }

    /** Takes the 17-byte INITIALIZE UPDATE answer and returns EXTERNAL AUTHENTICATE. */
    byte[] externalAuthenticate(byte[] initUpdateAnswer) {
        byte[] cardChallenge = Arrays.copyOfRange(initUpdateAnswer, 1, 9);
        sEnc = cmac(TEST_KEY, dd(0x04, 0x80, cardChallenge));
        sMac = cmac(TEST_KEY, dd(0x06, 0x80, cardChallenge));
        byte[] hostCryptogram = Arrays.copyOf(cmac(sMac, dd(0x01, 0x40, cardChallenge)), 8);
        mcv = new byte[16];
        counter = 0;
        return mac(cat(Hex.parse("84 82 33 00 10"), hostCryptogram));
    }

    /** A wrapped command: counter, encryption of non-empty data, C-MAC; Le 00 appended if {@code le}. */
    byte[] wrap(int cla, int ins, int p1, int p2, byte[] plain, boolean le) {
        counter++;
        byte[] enc = new byte[0];
        if (plain.length > 0) {
            byte[] padded = Arrays.copyOf(plain, (plain.length / 16 + 1) * 16);
            padded[plain.length] = (byte) 0x80;
            byte[] ctr = new byte[16];
            ctr[14] = (byte) (counter >> 8);
            ctr[15] = (byte) counter;
            enc = aes(sEnc, aes(sEnc, ctr, null), padded);
        }
        byte[] cmd = mac(cat(new byte[] {(byte) cla, (byte) ins, (byte) p1, (byte) p2, (byte) (enc.length + 8)}, enc));
        return le ? cat(cmd, new byte[] {0}) : cmd;
    }

    private byte[] mac(byte[] headerAndData) {
        byte[] in = headerAndData.clone();
        in[0] &= (byte) 0xFC;
        mcv = cmac(sMac, cat(mcv, in));
        return cat(headerAndData, Arrays.copyOf(mcv, 8));
    }

    private byte[] dd(int constant, int bits, byte[] cardChallenge) {
        return cat(new byte[11], new byte[] {(byte) constant, 0, (byte) (bits >> 8), (byte) bits, 1}, hostChallenge,
                cardChallenge);
    }

    /** AES-ECB of one block (iv == null), or AES-CBC encryption under {@code iv}. */
    private static byte[] aes(byte[] key, byte[] ivOrBlock, byte[] data) {
        try {
            Cipher c;
            if (data == null) {
                c = Cipher.getInstance("AES/ECB/NoPadding");
                c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
                return c.doFinal(ivOrBlock);
            }
            c = Cipher.getInstance("AES/CBC/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(ivOrBlock));
            return c.doFinal(data);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** AES-CMAC (RFC 4493). */
    static byte[] cmac(byte[] key, byte[] msg) {
        byte[] l = aes(key, new byte[16], null);
        byte[] k1 = dbl(l);
        byte[] k2 = dbl(k1);
        int blocks = Math.max(1, (msg.length + 15) / 16);
        boolean full = msg.length > 0 && msg.length % 16 == 0;
        byte[] last = Arrays.copyOfRange(msg, (blocks - 1) * 16, blocks * 16);
        if (!full) {
            last[msg.length - (blocks - 1) * 16] = (byte) 0x80;
        }
        byte[] k = full ? k1 : k2;
        for (int i = 0; i < 16; i++) {
            last[i] ^= k[i];
        }
        byte[] x = new byte[16];
        for (int b = 0; b < blocks; b++) {
            byte[] m = b == blocks - 1 ? last : Arrays.copyOfRange(msg, b * 16, b * 16 + 16);
            for (int i = 0; i < 16; i++) {
                x[i] ^= m[i];
            }
            x = aes(key, x, null);
        }
        return x;
    }

    private static byte[] dbl(byte[] b) {
        byte[] r = new byte[16];
        for (int i = 0; i < 16; i++) {
            r[i] = (byte) ((b[i] << 1) | (i < 15 ? (b[i + 1] & 0xFF) >> 7 : 0));
        }
        if ((b[0] & 0x80) != 0) {
            r[15] ^= (byte) 0x87;
        }
        return r;
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
