package org.scagent.applet;

import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.CryptoException;
import javacard.security.HMACKey;
import javacard.security.KeyBuilder;
import javacard.security.MessageDigest;
import javacard.security.Signature;

/**
 * The GBA key derivation function of TS 33.220 Annex B (applet-spec/gba.md §2): HMAC-SHA-256(Key, S) with
 * S = FC || P0 || L0 || P1 || L1 || P2 || L2 || P3 || L3, each Li the length of Pi as 2 bytes big-endian.
 * For Ks_(ext/int)_NAF: FC = 0x01, Key = Ks = CK || IK, P0 = "gba-me" (Ks_NAF / Ks_ext_NAF) or "gba-u"
 * (Ks_int_NAF), P1 = RAND, P2 = IMPI, P3 = NAF_Id.
 *
 * HMAC-SHA-256 is {@code Signature.ALG_HMAC_SHA_256} when the platform has it, otherwise it is built here on
 * {@code MessageDigest.ALG_SHA_256} (RFC 2104, block 64 bytes). Allocation happens only in the constructor.
 */
final class GbaKdf {
    static final byte FC_KS_NAF = (byte) 0x01;
    static final short OUT_LEN = 32;
    static final short KS_LEN = 32;
    static final short RAND_LEN = 16;
    /** Labels for {@link #deriveKsNaf}. */
    static final byte LABEL_GBA_ME = 0;
    static final byte LABEL_GBA_U = 1;

    private static final short HASH_BLOCK = 64;
    private static final byte IPAD = (byte) 0x36;
    private static final byte OPAD = (byte) 0x5C;

    /** Framework HMAC, or null when the fallback is used. */
    private final Signature hmac;
    private final HMACKey hmacKey;
    /** Fallback: SHA-256 and a 64-byte key block + 32-byte inner hash. */
    private final MessageDigest sha;
    private final byte[] ws;
    private final byte[] gbaMe;
    private final byte[] gbaU;

    /** {@code useFramework}: try {@code Signature.ALG_HMAC_SHA_256} first (false forces the fallback, for tests). */
    GbaKdf(boolean useFramework) {
        Signature s = null;
        HMACKey k = null;
        if (useFramework) {
            try {
                s = Signature.getInstance(Signature.ALG_HMAC_SHA_256, false);
                k = (HMACKey) KeyBuilder.buildKey(KeyBuilder.TYPE_HMAC_TRANSIENT_DESELECT,
                        KeyBuilder.LENGTH_HMAC_SHA_256_BLOCK_64, false);
            } catch (CryptoException e) {
                s = null;
                k = null;
            }
        }
        hmac = s;
        hmacKey = k;
        sha = MessageDigest.getInstance(MessageDigest.ALG_SHA_256, false);
        ws = JCSystem.makeTransientByteArray((short) (HASH_BLOCK + OUT_LEN), JCSystem.CLEAR_ON_DESELECT);
        gbaMe = new byte[] { 'g', 'b', 'a', '-', 'm', 'e' };
        gbaU = new byte[] { 'g', 'b', 'a', '-', 'u' };
    }

    /** Whether the framework's HMAC-SHA-256 is in use (else the MessageDigest fallback). */
    boolean usesFramework() {
        return hmac != null;
    }

    /**
     * Ks_NAF / Ks_ext_NAF ({@link #LABEL_GBA_ME}) or Ks_int_NAF ({@link #LABEL_GBA_U}) from Ks (32 bytes),
     * RAND (16 bytes), IMPI and NAF_Id; 32 bytes to {@code out}.
     */
    void deriveKsNaf(byte label, byte[] ks, short ksOff, byte[] rand, short randOff, byte[] impi, short impiOff,
            short impiLen, byte[] nafId, short nafOff, short nafLen, byte[] out, short outOff) {
        byte[] p0 = label == LABEL_GBA_U ? gbaU : gbaMe;
        begin(ks, ksOff, KS_LEN);
        ws[HASH_BLOCK] = FC_KS_NAF;
        part(ws, HASH_BLOCK, (short) 1);
        param(p0, (short) 0, (short) p0.length);
        param(rand, randOff, RAND_LEN);
        param(impi, impiOff, impiLen);
        param(nafId, nafOff, nafLen);
        finish(out, outOff);
    }

    /** Feeds Pi || Li (Li = 2-byte big-endian length). */
    private void param(byte[] p, short off, short len) {
        part(p, off, len);
        Util.setShort(ws, HASH_BLOCK, len);
        part(ws, HASH_BLOCK, (short) 2);
    }

    /** Starts HMAC under {@code key} (keyLen <= 64). */
    private void begin(byte[] key, short keyOff, short keyLen) {
        if (hmac != null) {
            hmacKey.setKey(key, keyOff, keyLen);
            hmac.init(hmacKey, Signature.MODE_SIGN);
            return;
        }
        sha.reset();
        Util.arrayFillNonAtomic(ws, (short) 0, HASH_BLOCK, (byte) 0);
        Util.arrayCopyNonAtomic(key, keyOff, ws, (short) 0, keyLen);
        xorBlock(IPAD);
        sha.update(ws, (short) 0, HASH_BLOCK);
        xorBlock(IPAD); // back to the plain key block, kept for the outer hash
    }

    private void part(byte[] in, short off, short len) {
        if (hmac != null) {
            hmac.update(in, off, len);
        } else {
            sha.update(in, off, len);
        }
    }

    private void finish(byte[] out, short outOff) {
        if (hmac != null) {
            hmac.sign(ws, (short) 0, (short) 0, out, outOff);
            hmacKey.clearKey();
            return;
        }
        sha.doFinal(ws, (short) 0, (short) 0, ws, HASH_BLOCK);
        xorBlock(OPAD);
        sha.update(ws, (short) 0, HASH_BLOCK);
        sha.doFinal(ws, HASH_BLOCK, OUT_LEN, out, outOff);
        Util.arrayFillNonAtomic(ws, (short) 0, (short) (HASH_BLOCK + OUT_LEN), (byte) 0);
    }

    private void xorBlock(byte pad) {
        for (short i = 0; i < HASH_BLOCK; i++) {
            ws[i] = (byte) (ws[i] ^ pad);
        }
    }
}
