package org.scagent.applet;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

/** Hex and byte-array helpers for the tests. */
final class Hex {
    private Hex() {
    }

    /** Parses hex, ignoring spaces. */
    static byte[] b(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    static String s(byte[] b) {
        return HexFormat.of().withUpperCase().formatHex(b);
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] fill(int len, int first) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }

    /** The TS 31.101 PIN block of an ASCII PIN: digits, then FF to 8 bytes. */
    static byte[] pinBlock(String pin) {
        byte[] b = new byte[8];
        java.util.Arrays.fill(b, (byte) 0xFF);
        for (int i = 0; i < pin.length(); i++) {
            b[i] = (byte) pin.charAt(i);
        }
        return b;
    }
}
