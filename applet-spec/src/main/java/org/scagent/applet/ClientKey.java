package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.security.CryptoException;
import javacard.security.ECPrivateKey;
import javacard.security.ECPublicKey;
import javacard.security.KeyBuilder;
import javacard.security.KeyPair;
import javacard.security.PrivateKey;
import javacard.security.RSAPrivateCrtKey;
import javacard.security.RSAPublicKey;
import javacard.security.Signature;

/**
 * The BCAST client key pair (bcast-identity.md §4). Both an ECDSA P-256 and an RSA-2048 (CRT) pair, and a signing
 * object for each, are allocated at install; a persistent byte says which one is active ({@code [enum.KEY_ALG]}).
 *
 * The private key is used only by {@link #sign} and is never copied anywhere: no method returns or writes it.
 *
 * The signing object is initialised once per generated key, not per command: jCardSim re-creates its ECDSA nonce
 * generator on every {@code Signature.init}, so a per-command init would repeat k (SPEC.md §11). If a card loses
 * the initialised state (e.g. across a reset), {@link #sign} initialises it again.
 */
final class ClientKey {
    private final P256 curve;
    private final Spki spki;
    private final KeyPair ecPair;
    private final KeyPair rsaPair;
    private final ECPublicKey ecPub;
    private final ECPrivateKey ecPriv;
    private final RSAPublicKey rsaPub;
    private final RSAPrivateCrtKey rsaPriv;
    private final Signature ecSig;
    private final Signature rsaSig;
    /** The exponent 01 00 01 (65537). */
    private final byte[] f4;
    private byte alg;

    /** The curve and the SPKI prefixes are shared with the DM capability's keys (one copy of each at install). */
    ClientKey(P256 curve, Spki spki) {
        this.curve = curve;
        this.spki = spki;
        f4 = new byte[] {0x01, 0x00, 0x01};
        ecPub = (ECPublicKey) KeyBuilder.buildKey(KeyBuilder.TYPE_EC_FP_PUBLIC, KeyBuilder.LENGTH_EC_FP_256, false);
        ecPriv = (ECPrivateKey) KeyBuilder.buildKey(KeyBuilder.TYPE_EC_FP_PRIVATE, KeyBuilder.LENGTH_EC_FP_256, false);
        ecPair = new KeyPair(ecPub, ecPriv);
        rsaPub = (RSAPublicKey) KeyBuilder.buildKey(KeyBuilder.TYPE_RSA_PUBLIC, KeyBuilder.LENGTH_RSA_2048, false);
        rsaPriv = (RSAPrivateCrtKey) KeyBuilder.buildKey(KeyBuilder.TYPE_RSA_CRT_PRIVATE, KeyBuilder.LENGTH_RSA_2048,
                false);
        rsaPair = new KeyPair(rsaPub, rsaPriv);
        ecSig = Signature.getInstance(Signature.ALG_ECDSA_SHA_256, false);
        rsaSig = Signature.getInstance(Signature.ALG_RSA_SHA_256_PKCS1, false);
        alg = Contract.KEY_ALG_NONE;
    }

    /** The active algorithm, a value of {@code [enum.KEY_ALG]} (NONE when there is no key). */
    byte alg() {
        return alg;
    }

    boolean present() {
        return alg != Contract.KEY_ALG_NONE;
    }

    /**
     * Erases both key pairs, then generates a new pair of {@code newAlg}. The active-algorithm byte is NONE from
     * the first step until the new pair and its signing object are ready, so a failure (or a tear) leaves "no
     * key", never a half-made one. Generation failure: 6F00.
     */
    void generate(byte newAlg) {
        alg = Contract.KEY_ALG_NONE;
        clearAll();
        try {
            if (newAlg == Contract.KEY_ALG_EC_P256) {
                curve.setOn(ecPub);
                curve.setOn(ecPriv);
                ecPair.genKeyPair();
            } else {
                rsaPub.setExponent(f4, (short) 0, (short) f4.length);
                rsaPair.genKeyPair();
            }
            signer(newAlg).init(privateKey(newAlg), Signature.MODE_SIGN);
        } catch (CryptoException e) {
            clearAll();
            ISOException.throwIt(Contract.SW_UNKNOWN);
        }
        alg = newAlg;
    }

    private void clearAll() {
        ecPub.clearKey();
        ecPriv.clearKey();
        rsaPub.clearKey();
        rsaPriv.clearKey();
    }

    /** Writes the public key as a DER SubjectPublicKeyInfo at out[off] (room for Spki.MAX_LEN); returns its length. */
    short writeSpki(byte[] out, short off) {
        if (alg == Contract.KEY_ALG_EC_P256) {
            return spki.ec(ecPub, out, off);
        }
        return spki.rsa(rsaPub, out, off);
    }

    /**
     * Signs in[off..off+len) with SHA-256: DER ECDSA-Sig-Value (at most 72 bytes) or PKCS#1 v1.5 (256 bytes), at
     * out[outOff]. Returns the signature length. Only call when {@link #present()}.
     */
    short sign(byte[] in, short off, short len, byte[] out, short outOff) {
        Signature s = signer(alg);
        try {
            return s.sign(in, off, len, out, outOff);
        } catch (CryptoException e) {
            if (e.getReason() != CryptoException.INVALID_INIT && e.getReason() != CryptoException.UNINITIALIZED_KEY) {
                ISOException.throwIt(Contract.SW_UNKNOWN);
            }
        }
        s.init(privateKey(alg), Signature.MODE_SIGN); // the card dropped the initialised state
        return s.sign(in, off, len, out, outOff);
    }

    private Signature signer(byte a) {
        return a == Contract.KEY_ALG_EC_P256 ? ecSig : rsaSig;
    }

    private PrivateKey privateKey(byte a) {
        return a == Contract.KEY_ALG_EC_P256 ? (PrivateKey) ecPriv : (PrivateKey) rsaPriv;
    }
}
