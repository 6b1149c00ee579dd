package org.scagent.applet;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The BM-SC side of applet-spec/mbms.md for the JUnit tests, on the JDK: MSK messages (LTKMs) and MTK messages
 * (STKMs) built byte by byte from the spec, the RFC 3830 PRF, AES-CM and HMAC-SHA-1, and the check of the card's
 * verification message. Independent of the applet's classes.
 */
final class TestBmsc {
    static final byte[] CSB = Hex.b("11223344");
    static final byte[] DOMAIN = Hex.b("00F110");

    static byte[] hmac(byte[] key, byte[]... parts) {
        try {
            Mac m = Mac.getInstance("HmacSHA1");
            m.init(new SecretKeySpec(key, "HmacSHA1"));
            for (byte[] p : parts) {
                m.update(p);
            }
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 3830 PRF, one 256-bit chunk, any output length. */
    static byte[] prf(byte[] inkey, byte[] label, int outLen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] a = label;
        while (out.size() < outLen) {
            a = hmac(inkey, a);
            out.writeBytes(hmac(inkey, a, label));
        }
        return Arrays.copyOf(out.toByteArray(), outLen);
    }

    static byte[] key(byte[] inkey, String constant, byte[] csb, byte[] rand, int len) {
        return prf(inkey, Hex.cat(Hex.b(constant), new byte[] {(byte) 0xFF}, csb, rand), len);
    }

    static byte[] aesCm(byte[] key, byte[] salt, byte[] csb, byte[] counter, byte[] data) {
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            byte[] iv = Arrays.copyOf(salt, 16);
            byte[] x = Hex.cat(new byte[2], csb, new byte[4], counter, new byte[2]);
            for (int i = 0; i < 16; i++) {
                iv[i] ^= x[i];
            }
            byte[] out = data.clone();
            java.math.BigInteger ctr = new java.math.BigInteger(1, iv);
            for (int p = 0; p < out.length; p += 16) {
                byte[] blk = ctr.toByteArray();
                byte[] b16 = new byte[16];
                System.arraycopy(blk, Math.max(0, blk.length - 16), b16, Math.max(0, 16 - blk.length),
                        Math.min(16, blk.length));
                byte[] ks = c.doFinal(b16);
                for (int i = 0; i < 16 && p + i < out.length; i++) {
                    out[p + i] ^= ks[i];
                }
                ctr = ctr.add(java.math.BigInteger.ONE);
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    static byte[] u32(long v) {
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    static byte[] keyId(int type, byte[] id) {
        return Hex.cat(new byte[] {(byte) type}, u16(id.length), id);
    }

    /** A built message and what the card should output for it. */
    record Built(byte[] msg, byte[] authKey) {
    }

    /** An LTKM for (IDi, IDr) under the MUK: MSK, MSK ID, counter, validity (vf < 0: KV null), V bit, extra EXT bytes. */
    static Built ltkm(byte[] muk, String idi, String idr, byte[] mskId, byte[] msk, long counter, int vf, int vt,
            boolean v, byte[] extra) {
        byte[] rand = Hex.fill(16, 0xA0);
        byte[] keyData = Hex.cat(new byte[] {0, (byte) (vf < 0 ? 0x00 : 0x02)}, u16(16), msk,
                vf < 0 ? new byte[0] : Hex.cat(new byte[] {2}, u16(vf), new byte[] {2}, u16(vt)));
        byte[] kids = Hex.cat(keyId(0, DOMAIN), keyId(1, mskId));
        byte[] hdr = Hex.cat(new byte[] {1, 0, 21, (byte) (v ? 0x80 : 0)}, CSB, new byte[] {0, 1});
        byte[] ext = Hex.cat(new byte[] {(byte) (extra == null ? 5 : 21), 3}, u16(kids.length), kids);
        byte[] ext2 = extra == null ? new byte[0] : Hex.cat(new byte[] {5, 5}, u16(extra.length), extra);
        byte[] t = Hex.cat(new byte[] {11, 2}, u32(counter));
        byte[] r = Hex.cat(new byte[] {6, (byte) rand.length}, rand);
        byte[] pi = Hex.cat(new byte[] {6, 1}, u16(idi.length()), idi.getBytes());
        byte[] pr = Hex.cat(new byte[] {1, 0}, u16(idr.length()), idr.getBytes());
        byte[] encr = key(muk, "150533E1", CSB, rand, 16);
        byte[] salt = key(muk, "29B88916", CSB, rand, 14);
        byte[] auth = key(muk, "2D22AC75", CSB, rand, 20);
        byte[] enc = aesCm(encr, salt, CSB, u32(counter), keyData);
        byte[] kemac = Hex.cat(new byte[] {0, 1}, u16(enc.length), enc, new byte[] {1});
        byte[] body = Hex.cat(hdr, ext, ext2, t, r, pi, pr, kemac);
        return new Built(Hex.cat(body, hmac(auth, body)), auth);
    }

    /** An STKM under the MSK: MTK ID, counter, MTK and salt (salt null: type TEK without salt). */
    static byte[] stkm(byte[] msk, byte[] mskId, int mtkId, long counter, byte[] mtk, byte[] salt, boolean domain) {
        byte[] keyData = salt == null ? Hex.cat(new byte[] {0, 0x20}, u16(16), mtk)
                : Hex.cat(new byte[] {0, 0x30}, u16(16), mtk, u16(salt.length), salt);
        byte[] kids = Hex.cat(domain ? keyId(0, DOMAIN) : new byte[0], keyId(1, mskId), keyId(2, u16(mtkId)));
        byte[] hdr = Hex.cat(new byte[] {1, 0, 21, 0}, CSB, new byte[] {0, 1});
        byte[] ext = Hex.cat(new byte[] {5, 3}, u16(kids.length), kids);
        byte[] t = Hex.cat(new byte[] {1, 2}, u32(counter));
        byte[] none = new byte[0];
        byte[] encr = key(msk, "150533E1", CSB, none, 16);
        byte[] mskSalt = key(msk, "29B88916", CSB, none, 14);
        byte[] auth = key(msk, "2D22AC75", CSB, none, 20);
        byte[] enc = aesCm(encr, mskSalt, CSB, u32(counter), keyData);
        byte[] kemac = Hex.cat(new byte[] {0, 1}, u16(enc.length), enc, new byte[] {1});
        byte[] body = Hex.cat(hdr, ext, t, kemac);
        return Hex.cat(body, hmac(auth, body));
    }

    /** The verification message the card should answer for an LTKM (mbms.md §4.5). */
    static byte[] verification(Built b, String idi, String idr, long counter) {
        byte[] head = Hex.cat(new byte[] {1, 1, 5, 0}, CSB, new byte[] {0, 1}, new byte[] {9, 2}, u32(counter),
                new byte[] {0, 1});
        byte[] pi = Hex.cat(new byte[] {6, 1}, u16(idi.length()), idi.getBytes());
        byte[] pr = Hex.cat(new byte[] {1, 0}, u16(idr.length()), idr.getBytes());
        byte[] t = Hex.cat(new byte[] {11, 2}, u32(counter));
        return Hex.cat(head, hmac(b.authKey(), head, pi, pr, t));
    }

    /** The mode byte and message as one 53-TLV (BER length). */
    static byte[] tlv(int mode, byte[] m) {
        int l = m.length + 1;
        byte[] len = l < 0x80 ? new byte[] {(byte) l} : l < 0x100 ? new byte[] {(byte) 0x81, (byte) l}
                : new byte[] {(byte) 0x82, (byte) (l >> 8), (byte) l};
        return Hex.cat(new byte[] {0x53}, len, new byte[] {(byte) mode}, m);
    }
}
