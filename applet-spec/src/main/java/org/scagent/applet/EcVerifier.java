package org.scagent.applet;

import javacard.security.ECPublicKey;
import javacard.security.KeyBuilder;
import javacard.security.Signature;

/**
 * ECDSA P-256 SHA-256 verification with a public key given as a 65-byte point (the originators' and the DM
 * servers' keys are stored as bytes, not as key objects): one public-key object, its curve set at install, takes
 * the point of the key in question before each check. Used by the manifest check and by LOG_AUTH, and to refuse
 * keys that are not points of the curve when the issuer writes them.
 *
 * Any exception of the crypto layer counts as "does not verify": a card reports a bad point or input with a
 * CryptoException, jCardSim (Bouncy Castle) with other runtime exceptions. Nothing else can be thrown in these calls.
 */
final class EcVerifier {
    private final ECPublicKey key;
    private final Signature sig;
    /** A well-formed signature (r = s = 1) that verifies nothing: the probe of {@link #isPoint}. */
    private final byte[] probe;

    EcVerifier(P256 curve) {
        key = (ECPublicKey) KeyBuilder.buildKey(KeyBuilder.TYPE_EC_FP_PUBLIC, KeyBuilder.LENGTH_EC_FP_256, false);
        curve.setOn(key);
        sig = Signature.getInstance(Signature.ALG_ECDSA_SHA_256, false);
        probe = new byte[] {Der.SEQUENCE, 6, Der.INTEGER, 1, 1, Der.INTEGER, 1, 1};
    }

    /**
     * True if point[off..+65) is accepted as a P-256 public key: loaded and used once for a verification (which
     * fails). A point that is not on the curve makes the card (or jCardSim) throw, and is refused.
     */
    boolean isPoint(byte[] point, short off) {
        try {
            key.setW(point, off, P256.POINT_LEN);
            sig.init(key, Signature.MODE_VERIFY);
            sig.verify(point, off, P256.POINT_LEN, probe, (short) 0, (short) probe.length);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * True if der[sOff..+sLen) is a well-formed DER signature (Der.isEcdsaSignature) of msg[mOff..+mLen) by the
     * key point[pOff..+65).
     */
    boolean verify(byte[] point, short pOff, byte[] msg, short mOff, short mLen, byte[] der, short sOff, short sLen) {
        if (!Der.isEcdsaSignature(der, sOff, sLen)) {
            return false;
        }
        try {
            key.setW(point, pOff, P256.POINT_LEN);
            sig.init(key, Signature.MODE_VERIFY);
            return sig.verify(msg, mOff, mLen, der, sOff, sLen);
        } catch (RuntimeException e) {
            return false;
        }
    }
}
