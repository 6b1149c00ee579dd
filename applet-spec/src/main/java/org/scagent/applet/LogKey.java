package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.security.CryptoException;
import javacard.security.ECPrivateKey;
import javacard.security.ECPublicKey;
import javacard.security.KeyBuilder;
import javacard.security.KeyPair;
import javacard.security.Signature;

/**
 * The card's log-signing key (dm-firmware.md §3.4): a P-256 key pair generated once, at install, that signs the
 * log checkpoints. Its public key is GET DATA LOG_PUBLIC_KEY (SPKI DER); the private key never leaves this class.
 *
 * The signing object is initialised once, right after generation: jCardSim starts a new, identical nonce sequence on
 * every {@code Signature.init}, so initialising per checkpoint would repeat k and give the key away (SPEC.md §11).
 * Should a card lose the initialised state, {@link #sign} initialises it again.
 */
final class LogKey {
    private final ECPublicKey pub;
    private final ECPrivateKey priv;
    private final Signature signer;
    private final Spki spki;

    LogKey(P256 curve, Spki spki) {
        this.spki = spki;
        pub = (ECPublicKey) KeyBuilder.buildKey(KeyBuilder.TYPE_EC_FP_PUBLIC, KeyBuilder.LENGTH_EC_FP_256, false);
        priv = (ECPrivateKey) KeyBuilder.buildKey(KeyBuilder.TYPE_EC_FP_PRIVATE, KeyBuilder.LENGTH_EC_FP_256, false);
        curve.setOn(pub);
        curve.setOn(priv);
        new KeyPair(pub, priv).genKeyPair();
        signer = Signature.getInstance(Signature.ALG_ECDSA_SHA_256, false);
        signer.init(priv, Signature.MODE_SIGN);
    }

    /** LOG_PUBLIC_KEY: the SPKI (91 bytes) at out[off]; returns its length. */
    short writeSpki(byte[] out, short off) {
        return spki.ec(pub, out, off);
    }

    /** DER ECDSA P-256 SHA-256 signature of in[off..+len) at out[outOff] (at most 72 bytes); returns its length. */
    short sign(byte[] in, short off, short len, byte[] out, short outOff) {
        try {
            return signer.sign(in, off, len, out, outOff);
        } catch (CryptoException e) {
            if (e.getReason() != CryptoException.INVALID_INIT && e.getReason() != CryptoException.UNINITIALIZED_KEY) {
                ISOException.throwIt(Contract.SW_UNKNOWN);
            }
        }
        signer.init(priv, Signature.MODE_SIGN); // the card dropped the initialised state
        return signer.sign(in, off, len, out, outOff);
    }
}
