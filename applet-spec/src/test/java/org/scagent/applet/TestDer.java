package org.scagent.applet;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/** A minimal DER writer for the tests (certificates, CSRs, SPKIs). */
final class TestDer {
    private TestDer() {
    }

    static byte[] tlv(int tag, byte[]... content) {
        byte[] body = Hex.cat(content);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = body.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(body);
        return out.toByteArray();
    }

    static byte[] seq(byte[]... content) {
        return tlv(0x30, content);
    }

    static byte[] set(byte[]... content) {
        return tlv(0x31, content);
    }

    static byte[] integer(BigInteger v) {
        return tlv(0x02, v.toByteArray());
    }

    static byte[] integer(long v) {
        return integer(BigInteger.valueOf(v));
    }

    static byte[] oid(String dotted) {
        String[] p = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(p[0]) * 40 + Integer.parseInt(p[1]));
        for (int i = 2; i < p.length; i++) {
            long v = Long.parseLong(p[i]);
            int shift = ((63 - Long.numberOfLeadingZeros(Math.max(v, 1))) / 7) * 7; // of the top 7-bit group
            for (; shift > 0; shift -= 7) {
                out.write((int) ((v >> shift) & 0x7F) | 0x80);
            }
            out.write((int) (v & 0x7F));
        }
        return tlv(0x06, out.toByteArray());
    }

    static byte[] utf8(String s) {
        return tlv(0x0C, s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] utcTime(String yymmddhhmmssZ) {
        return tlv(0x17, yymmddhhmmssZ.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] bitString(byte[] bytes) {
        return tlv(0x03, new byte[] {0}, bytes);
    }

    static byte[] octetString(byte[] bytes) {
        return tlv(0x04, bytes);
    }

    static byte[] nul() {
        return new byte[] {0x05, 0x00};
    }

    /** Context-specific constructed [n]. */
    static byte[] explicit(int n, byte[]... content) {
        return tlv(0xA0 | n, content);
    }

    /** Name with one CN. */
    static byte[] name(String cn) {
        return seq(set(seq(oid("2.5.4.3"), utf8(cn))));
    }
}
