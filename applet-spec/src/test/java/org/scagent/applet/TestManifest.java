package org.scagent.applet;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test-side builder of the signed firmware-update manifest (dm-firmware.md §4.1) with java.security: the fields
 * default to a manifest the {@link DmCard} card accepts; a test changes one field, removes one, or adds raw TLVs.
 * SHA256withECDSA gives the DER signature the signature TLV carries; like the host, it signs again until the DER
 * signature has at least 70 bytes.
 */
final class TestManifest {
    /** Tag -> value; TreeMap keeps the increasing order. */
    final Map<Integer, byte[]> tlvs = new TreeMap<>();
    byte[] pkg;

    TestManifest(byte[] pkg, String server, int kind, int from, int to, int version, long seq, int origin) {
        this.pkg = pkg;
        tlvs.put(0x01, sha256(pkg));
        tlvs.put(0x02, u64(pkg.length));
        tlvs.put(0x03, new byte[] {(byte) kind});
        tlvs.put(0x04, Hex.b("0A0B"));
        tlvs.put(0x05, Hex.b("0C0D"));
        tlvs.put(0x06, new byte[] {(byte) (from >> 8), (byte) from, (byte) (to >> 8), (byte) to});
        tlvs.put(0x07, new byte[] {(byte) (version >> 8), (byte) version});
        tlvs.put(0x08, u32(seq));
        tlvs.put(0x09, server.getBytes());
        tlvs.put(0x0C, new byte[] {(byte) origin});
    }

    /** A firmware manifest for {@link DmCard#FIELDS} (firmware 0102): range 0100..01FF, installs {@code version}. */
    static TestManifest firmware(byte[] pkg, String server, int version, long seq) {
        return new TestManifest(pkg, server, 0x01, 0x0100, 0x01FF, version, seq, 0);
    }

    TestManifest set(int tag, byte[] value) {
        tlvs.put(tag, value);
        return this;
    }

    TestManifest remove(int tag) {
        tlvs.remove(tag);
        return this;
    }

    /** The unsigned part: "SCFU" 01 and the TLVs in tag order. */
    byte[] tbs() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {'S', 'C', 'F', 'U', 1});
        for (Map.Entry<Integer, byte[]> e : tlvs.entrySet()) {
            out.write(e.getKey());
            out.write(e.getValue().length);
            out.writeBytes(e.getValue());
        }
        return out.toByteArray();
    }

    /** tbs || 5F len signature, signed by {@code key}. */
    byte[] sign(KeyPair key) {
        return signed(tbs(), key);
    }

    static byte[] signed(byte[] tbs, KeyPair key) {
        byte[] sig = der(key, tbs, 70);
        return Hex.cat(tbs, new byte[] {0x5F, (byte) sig.length}, sig);
    }

    /** A DER SHA256withECDSA signature of msg of at least {@code min} bytes. */
    static byte[] der(KeyPair key, byte[] msg, int min) {
        try {
            for (int i = 0; i < 200; i++) {
                Signature s = Signature.getInstance("SHA256withECDSA");
                s.initSign(key.getPrivate());
                s.update(msg);
                byte[] sig = s.sign();
                if (sig.length >= min) {
                    return sig;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("no signature of " + min + " bytes");
    }

    /** The subscriber token: AES-CMAC(key, SHA-256(manifest) || card id || sequence number). */
    static byte[] token(byte[] key, byte[] manifest, byte[] cardId, long seq) {
        return TestCmac.cmac(key, Hex.cat(sha256(manifest), cardId, u32(seq)));
    }

    static KeyPair newKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 04 || X || Y of a P-256 public key. */
    static byte[] point(KeyPair key) {
        ECPublicKey p = (ECPublicKey) key.getPublic();
        return Hex.cat(new byte[] {4}, fixed(p.getW().getAffineX().toByteArray()),
                fixed(p.getW().getAffineY().toByteArray()));
    }

    private static byte[] fixed(byte[] v) {
        byte[] out = new byte[32];
        int n = Math.min(32, v.length);
        System.arraycopy(v, v.length - n, out, 32 - n, n);
        return out;
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] u32(long v) {
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    static byte[] u64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[7 - i] = (byte) (v >> (8 * i));
        }
        return b;
    }

    static byte[] pkg(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    static byte[] copy(byte[] b) {
        return Arrays.copyOf(b, b.length);
    }
}
