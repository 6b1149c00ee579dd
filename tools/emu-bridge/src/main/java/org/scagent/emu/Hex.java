package org.scagent.emu;

/** Hex helpers. Parsing accepts upper or lower case and ignores spaces and colons. */
final class Hex {
    private static final char[] DIGITS = "0123456789ABCDEF".toCharArray();

    private Hex() {
    }

    static byte[] parse(String s) {
        StringBuilder clean = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == ':' || c == '\t') {
                continue;
            }
            if (Character.digit(c, 16) < 0) {
                throw new IllegalArgumentException("not a hex string: \"" + s + "\"");
            }
            clean.append(c);
        }
        if (clean.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits: \"" + s + "\"");
        }
        byte[] out = new byte[clean.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) ((Character.digit(clean.charAt(2 * i), 16) << 4) | Character.digit(clean.charAt(2 * i + 1), 16));
        }
        return out;
    }

    /** Upper-case hex with a space between bytes. */
    static String of(byte[] b) {
        return of(b, 0, b.length);
    }

    static String of(byte[] b, int off, int len) {
        if (len == 0) {
            return "";
        }
        char[] out = new char[len * 3 - 1];
        for (int i = 0; i < len; i++) {
            int v = b[off + i] & 0xFF;
            if (i > 0) {
                out[i * 3 - 1] = ' ';
            }
            out[i * 3] = DIGITS[v >>> 4];
            out[i * 3 + 1] = DIGITS[v & 0x0F];
        }
        return new String(out);
    }
}
