package org.scagent.applet;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-side verifier of the firmware-update log as a DM server would run it (dm-firmware.md §3.4), independent of
 * the applet: the checkpoint signature with the LOG_PUBLIC_KEY, its nonce and card id, count and first retained
 * seq against the records, the records' seq numbers and reserved bytes, and the hash chain from h_before_first to
 * the signed head. {@link #check} returns null when everything holds, else the reason.
 */
final class TestLog {
    static final byte[] LABEL = "SCAGENT-LOG-CHECKPOINT-1".getBytes(StandardCharsets.US_ASCII);
    static final int REC = 96;
    static final int CAPACITY = 32;

    private TestLog() {
    }

    static long u32(byte[] b, int off) {
        return ((b[off] & 0xFFL) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }

    /** SHA-256(prev || record). */
    static byte[] chain(byte[] prev, byte[] rec) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(prev);
            d.update(rec);
            return d.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The checkpoint's count. */
    static long count(byte[] cp) {
        return u32(cp, 40);
    }

    static long first(byte[] cp) {
        return u32(cp, 44);
    }

    /** Results of signature checks already made (the tamper test checks one checkpoint against 3000 record sets). */
    private static final Map<String, Boolean> VERIFIED = new HashMap<>();

    /** The checkpoint's signature over cp[0..p), after its signature_len byte at p. */
    private static boolean signatureOk(PublicKey key, byte[] cp, int p) {
        String id = Hex.s(key.getEncoded()) + Hex.s(cp) + p;
        return VERIFIED.computeIfAbsent(id, k -> {
            try {
                Signature v = Signature.getInstance("SHA256withECDSA");
                v.initVerify(key);
                v.update(cp, 0, p);
                return v.verify(Arrays.copyOfRange(cp, p + 1, cp.length));
            } catch (GeneralSecurityException e) {
                return false;
            }
        });
    }

    static String check(PublicKey logKey, byte[] cardId, byte[] nonce, byte[] cp, byte[] hBefore, List<byte[]> records) {
        // 1. the checkpoint and its signature
        int p = 0;
        if (cp.length < 24 + 16 + 4 + 4 + 32 + 1 || !Arrays.equals(Arrays.copyOf(cp, 24), LABEL)) {
            return "checkpoint label";
        }
        p = 24;
        if (!Arrays.equals(Arrays.copyOfRange(cp, p, p + 16), cardId)) {
            return "card id";
        }
        p += 16;
        long count = u32(cp, p);
        long first = u32(cp, p + 4);
        byte[] head = Arrays.copyOfRange(cp, p + 8, p + 40);
        p += 40;
        int nonceLen = cp[p] & 0xFF;
        if (p + 1 + nonceLen + 1 > cp.length || !Arrays.equals(Arrays.copyOfRange(cp, p + 1, p + 1 + nonceLen), nonce)) {
            return "nonce";
        }
        p += 1 + nonceLen;
        int sigLen = cp[p] & 0xFF;
        if (p + 1 + sigLen != cp.length) {
            return "checkpoint length";
        }
        if (!signatureOk(logKey, cp, p)) {
            return "checkpoint signature";
        }
        // 2. count, first retained and the records against each other
        long wantFirst = count > CAPACITY - 1 ? count - (CAPACITY - 1) : 1;
        if (first != wantFirst) {
            return "first retained seq " + first + " for count " + count;
        }
        if (records.size() != count - first + 1) {
            return "records " + records.size() + " for seq " + first + ".." + count;
        }
        // 3. the records and the chain
        byte[] h = hBefore;
        if (first == 1 && !Arrays.equals(h, new byte[32])) {
            return "the chain before seq 1 is not h_0";
        }
        for (int i = 0; i < records.size(); i++) {
            byte[] r = records.get(i);
            if (r.length != REC || u32(r, 0) != first + i) {
                return "record " + i + " seq";
            }
            if (r[94] != 0 || r[95] != 0) {
                return "record " + i + " reserved bytes";
            }
            h = chain(h, r);
        }
        if (!Arrays.equals(h, head)) {
            return "the chain does not reach the signed head";
        }
        return null;
    }
}
