package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.Util;

/**
 * The BCAST client identity capability (capability bit 8; applet-spec/bcast-identity.md, the binding design):
 * GENERATE KEY PAIR, SIGN CSR, PUT DATA (fields, certificate), RAISE VERSION, GET CLIENT ID, the NAF anchor
 * commands and GET DATA DF40..DF44. This class checks parameters and conditions and sequences the steps; the
 * state lives in {@link ClientKey}, {@link BcastFields}, {@link ClientCert} and {@link NafAnchors}.
 *
 * Issuer commands are unwrapped first (C-MAC, decryption), as every wrapped command. Chained commands (SIGN CSR,
 * PUT DATA DF42, NAF ANCHOR ADD; CLA 94 for all but the last) keep their progress in the {@link ChainBuffer}; every
 * answer goes out through {@link LongResponse} (61xx / GET RESPONSE when it does not fit).
 */
final class BcastIdentity {
    /** Response tail ids (LongResponse). */
    static final byte TAIL_CERT = 1;
    static final byte TAIL_ANCHORS = 2;
    static final byte TAIL_IDS = 2;
    /** BCAST_STATUS: key algorithm, fields set, certificate length (2), anchors in use. */
    static final short STATUS_LEN = 5;
    /** The response head: the largest of the RSA SPKI and fields || signature_length || RSA signature || length. */
    static final short HEAD_MAX = Spki.MAX_LEN;

    /** BCAST_Client_ID layout: fields (19) || signature_length (2) || signature || certificate_length (2). */
    private static final short ID_SIG_LEN_OFF = Contract.BCAST_FIELDS_LEN;
    private static final short ID_SIG_OFF = (short) (Contract.BCAST_FIELDS_LEN + 2);
    /** Where the DER ECDSA signature (at most 72 bytes) lands in the head before it becomes r || s at ID_SIG_OFF. */
    private static final short DER_SCRATCH = 128;
    private static final short P256_HALF = 32;

    private final ClientKey key;
    private final BcastFields fields;
    private final ClientCert cert;
    private final NafAnchors anchors;
    private final IssuerChannel issuer;
    private final LifeCycle life;
    private final ChainBuffer chain;
    private final LongResponse response;

    BcastIdentity(IssuerChannel issuer, LifeCycle life, ChainBuffer chain, LongResponse response, P256 curve,
            Spki spki) {
        this.issuer = issuer;
        this.life = life;
        this.chain = chain;
        this.response = response;
        key = new ClientKey(curve, spki);
        fields = new BcastFields();
        cert = new ClientCert();
        anchors = new NafAnchors();
        response.registerTail(TAIL_CERT, cert.data());
        response.registerTail(TAIL_ANCHORS, anchors.data());
    }

    /** The version hook for later capabilities (DM firmware update): see {@link BcastFields#raiseVersion}. */
    void raiseVersion(byte which, short value) {
        fields.raiseVersion(which, value);
    }

    /** Whether the fields have been written (the DM firmware-update checks need them). */
    boolean fieldsSet() {
        return fields.isSet();
    }

    /** The 19 field bytes at out[off] (only meaningful when {@link #fieldsSet()}); returns the offset after them. */
    short readFields(byte[] out, short off) {
        return fields.read(out, off);
    }

    /** The current version {@code which} (01 firmware, 02 software; only when {@link #fieldsSet()}). */
    short version(byte which) {
        return fields.version(which);
    }

    /** BCAST_STATUS (DF43) at out[off]; returns the offset after it. */
    short status(byte[] out, short off) {
        out[off] = key.alg();
        out[(short) (off + 1)] = fields.isSet() ? (byte) 1 : (byte) 0;
        Util.setShort(out, (short) (off + 2), cert.length());
        out[(short) (off + 4)] = (byte) anchors.count();
        return (short) (off + STATUS_LEN);
    }

    /**
     * GET DATA of this capability's long objects: DF40 fields, DF41 public key, DF42 certificate (each 6A88 when
     * absent), DF44 anchor list (empty when none). Returns false for any other tag.
     */
    boolean getData(APDU apdu, short tag) {
        byte[] head = response.head();
        switch (tag) {
            case Contract.TAG_BCAST_FIELDS:
                if (!fields.isSet()) {
                    ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
                }
                response.send(apdu, fields.read(head, (short) 0));
                return true;
            case Contract.TAG_BCAST_PUBLIC_KEY:
                if (!key.present()) {
                    ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
                }
                response.send(apdu, key.writeSpki(head, (short) 0));
                return true;
            case Contract.TAG_BCAST_CERTIFICATE:
                if (cert.length() == 0) {
                    ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
                }
                response.send(apdu, (short) 0, TAIL_CERT, (short) 0, cert.length());
                return true;
            case Contract.TAG_NAF_ANCHORS:
                response.send(apdu, anchors.list(head, (short) 0));
                return true;
            default:
                return false;
        }
    }

    /** GENERATE KEY PAIR {@code 84 46 P1 00}, wrapped: erases key and certificate, answers the new SPKI. */
    void generateKeyPair(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        if ((p1 != Contract.GENERATE_KEY_PAIR_P1_01 && p1 != Contract.GENERATE_KEY_PAIR_P1_02)
                || buf[ISO7816.OFFSET_P2] != Contract.GENERATE_KEY_PAIR_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (len != 0) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        cert.invalidate();
        key.generate(p1 == Contract.GENERATE_KEY_PAIR_P1_01 ? Contract.KEY_ALG_EC_P256 : Contract.KEY_ALG_RSA_2048);
        response.send(apdu, key.writeSpki(response.head(), (short) 0)); // wrapped: a short APDU
    }

    /**
     * SIGN CSR {@code 84 2A 9E 9A}, wrapped, chained: signs a PKCS#10 CertificationRequestInfo. The data must be
     * one DER SEQUENCE of exactly its length and contain the card's SPKI byte for byte (6A80); no key: 6985.
     */
    void signCsr(APDU apdu, boolean chained) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        short p1p2 = Util.getShort(buf, ISO7816.OFFSET_P1);
        if (buf[ISO7816.OFFSET_P1] != Contract.SIGN_CSR_P1_9E || buf[ISO7816.OFFSET_P2] != Contract.SIGN_CSR_P2_9A) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        short got = chain.current();
        if (got < 0) {
            got = 0;
        }
        if (len > (short) (Contract.CSR_INFO_MAX - got)) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        got = chain.put(buf, ISO7816.OFFSET_CDATA, len, got);
        if (chained) {
            chain.suspend(Contract.INS_SIGN_CSR, p1p2, got);
            return;
        }
        byte[] info = chain.data();
        if (!Der.isOneSequence(info, (short) 0, got)) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        if (!key.present()) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        byte[] head = response.head();
        short spkiLen = key.writeSpki(head, (short) 0);
        if (Der.find(info, (short) 0, got, head, (short) 0, spkiLen) < 0) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        response.send(apdu, key.sign(info, (short) 0, got, head, (short) 0));
    }

    /**
     * PUT DATA {@code 84 DA P1P2}, wrapped. DF40: the 19 field bytes, only while SELECTABLE (6985). DF42: the
     * certificate, chained; the first command invalidates the stored one, the last one checks and records it.
     */
    void putData(APDU apdu, boolean chained) {
        byte[] buf = apdu.getBuffer();
        short tag = Util.getShort(buf, ISO7816.OFFSET_P1);
        if (chained && tag != Contract.TAG_BCAST_CERTIFICATE) {
            ISOException.throwIt(Contract.SW_CHAINING_NOT_SUPPORTED); // a class error: before the unwrap
        }
        short len = issuer.unwrap(apdu);
        if (tag == Contract.TAG_BCAST_FIELDS) {
            if (len != Contract.BCAST_FIELDS_LEN) {
                ISOException.throwIt(Contract.SW_WRONG_LENGTH);
            }
            if (!BcastFields.imeiValid(buf, ISO7816.OFFSET_CDATA)) {
                ISOException.throwIt(Contract.SW_WRONG_DATA);
            }
            if (life.get() != Contract.LIFECYCLE_SELECTABLE) {
                ISOException.throwIt(Contract.SW_CONDITIONS);
            }
            fields.write(buf, ISO7816.OFFSET_CDATA);
        } else if (tag == Contract.TAG_BCAST_CERTIFICATE) {
            short got = chain.current();
            if (got < 0) {
                cert.invalidate(); // first command of a load
                got = 0;
            }
            got = cert.append(buf, ISO7816.OFFSET_CDATA, len, got);
            if (chained) {
                chain.suspend(Contract.INS_PUT_DATA, tag, got);
                return;
            }
            cert.commit(got);
        } else {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
    }

    /** RAISE VERSION {@code 84 5E P1 00}, wrapped: the new 2-byte version, strictly greater (bcast-identity.md §6). */
    void raiseVersion(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        if ((p1 != Contract.RAISE_VERSION_P1_01 && p1 != Contract.RAISE_VERSION_P1_02)
                || buf[ISO7816.OFFSET_P2] != Contract.RAISE_VERSION_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (len != 2) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        fields.raiseVersion(p1, Util.getShort(buf, ISO7816.OFFSET_CDATA));
    }

    /**
     * GET CLIENT ID {@code 80 4A P1 00}: fields || signature_length || signature || certificate_length ||
     * certificate (P1 00; P1 01: certificate_length 0). The signature is fresh and covers the first 21 bytes.
     */
    void getClientId(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        if ((p1 != Contract.GET_CLIENT_ID_P1_00 && p1 != Contract.GET_CLIENT_ID_P1_01)
                || buf[ISO7816.OFFSET_P2] != Contract.GET_CLIENT_ID_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (!key.present() || !fields.isSet()) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        byte[] head = response.head();
        fields.read(head, (short) 0);
        boolean ec = key.alg() == Contract.KEY_ALG_EC_P256;
        short sigLen = ec ? Contract.EC_SIGNATURE_LEN : Contract.RSA_SIGNATURE_LEN;
        Util.setShort(head, ID_SIG_LEN_OFF, sigLen);
        if (ec) {
            short der = key.sign(head, (short) 0, ID_SIG_OFF, head, DER_SCRATCH);
            Der.ecdsaToPlain(head, DER_SCRATCH, der, head, ID_SIG_OFF, P256_HALF);
        } else if (key.sign(head, (short) 0, ID_SIG_OFF, head, ID_SIG_OFF) != sigLen) {
            ISOException.throwIt(Contract.SW_UNKNOWN);
        }
        short certLen = p1 == Contract.GET_CLIENT_ID_P1_00 ? cert.length() : 0;
        short end = Util.setShort(head, (short) (ID_SIG_OFF + sigLen), certLen);
        response.send(apdu, end, TAIL_CERT, (short) 0, certLen);
    }

    /** NAF ANCHOR ADD {@code 84 E2 00 00}, wrapped, chained: answers the slot (1 byte). */
    void nafAnchorAdd(APDU apdu, boolean chained) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P1] != Contract.NAF_ANCHOR_ADD_P1_00
                || buf[ISO7816.OFFSET_P2] != Contract.NAF_ANCHOR_ADD_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        short got = chain.current();
        if (got < 0) {
            anchors.startAdd();
            got = 0;
        }
        got = anchors.append(buf, ISO7816.OFFSET_CDATA, len, got);
        if (chained) {
            chain.suspend(Contract.INS_NAF_ANCHOR_ADD, (short) 0, got);
            return;
        }
        byte[] head = response.head();
        head[0] = anchors.finishAdd(got);
        response.send(apdu, (short) 1);
    }

    /** NAF ANCHOR REMOVE {@code 84 E4 slot 00}, wrapped, no plain data. Empty slot: 6A88. */
    void nafAnchorRemove(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        byte slot = buf[ISO7816.OFFSET_P1];
        if (!NafAnchors.isSlot(slot) || buf[ISO7816.OFFSET_P2] != Contract.NAF_ANCHOR_REMOVE_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (len != 0) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        anchors.remove(slot);
    }

    /** READ NAF ANCHOR {@code 80 B2 slot 00}: the anchor's DER. Empty slot: 6A88. */
    void readNafAnchor(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte slot = buf[ISO7816.OFFSET_P1];
        if (!NafAnchors.isSlot(slot) || buf[ISO7816.OFFSET_P2] != Contract.READ_NAF_ANCHOR_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        short n = anchors.length(slot);
        if (n == 0) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        response.send(apdu, (short) 0, TAIL_ANCHORS, NafAnchors.offset(slot), n);
    }
}
