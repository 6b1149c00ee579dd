package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.Util;

/**
 * Reading the firmware-update log (dm-firmware.md §3.4, §5): a DM server authenticates with LOG_AUTH_BEGIN +
 * LOG_AUTH (challenge signed with its slot's key; READ_LOG permission; valid at the session time), then LOG_READ
 * gives records with the chain hash before them and LOG_CHECKPOINT a count and head signed by the card's log key.
 *
 * Validity: the card has no clock. The time of the current firmware-update session (DM_CHECK_SERVER since the
 * last SELECT) is used; without one, the validity period is not checked. A terminal could give any time anyway,
 * so this neither adds nor removes trust: authentication rests on the signature and the permission.
 */
final class LogAccess {
    private static final short AUTH_LABEL_LEN = 17;
    private static final short CHECKPOINT_LABEL_LEN = 24;
    private static final short CARD_ID_LEN = 16;
    private static final short AUTH_MSG_LEN = (short) (AUTH_LABEL_LEN + CARD_ID_LEN + Contract.DM_CHALLENGE_LEN);
    private static final short SIG_MIN = 8;

    /** "SCAGENT-DM-AUTH-1" then "SCAGENT-LOG-CHECKPOINT-1", ASCII (no String on a card). */
    private final byte[] labels;
    private final DmServers servers;
    private final LogAuth auth;
    private final FuLog log;
    private final LogKey key;
    private final EcVerifier verifier;
    private final FuSession session;
    private final CardInfo info;
    private final IssuerChannel issuer;
    private final LongResponse response;

    LogAccess(DmServers servers, LogAuth auth, FuLog log, LogKey key, EcVerifier verifier, FuSession session,
            CardInfo info, IssuerChannel issuer, LongResponse response) {
        this.servers = servers;
        this.auth = auth;
        this.log = log;
        this.key = key;
        this.verifier = verifier;
        this.session = session;
        this.info = info;
        this.issuer = issuer;
        this.response = response;
        labels = new byte[] {
            0x53, 0x43, 0x41, 0x47, 0x45, 0x4E, 0x54, 0x2D, 0x44, 0x4D, 0x2D, 0x41, 0x55, 0x54, 0x48, 0x2D, 0x31,
            0x53, 0x43, 0x41, 0x47, 0x45, 0x4E, 0x54, 0x2D, 0x4C, 0x4F, 0x47, 0x2D, 0x43, 0x48, 0x45, 0x43, 0x4B,
            0x50, 0x4F, 0x49, 0x4E, 0x54, 0x2D, 0x31
        };
    }

    /** The slot in P1 (0..15) with P2 = 00, else 6A86. */
    private static byte slotParam(byte[] buf) {
        byte slot = buf[ISO7816.OFFSET_P1];
        if (!DmServers.isSlot(slot) || buf[ISO7816.OFFSET_P2] != 0) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        return slot;
    }

    /** LOG_AUTH_BEGIN {@code 80 3C slot 00}: drops the role, answers a fresh challenge for the slot (empty: 6A88). */
    void begin(APDU apdu) {
        auth.drop();
        byte slot = slotParam(apdu.getBuffer());
        if (!servers.used(slot)) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        byte[] s = auth.bytes();
        issuer.random(s, LogAuth.CHALLENGE, Contract.DM_CHALLENGE_LEN);
        auth.challenge(slot);
        byte[] head = response.head();
        Util.arrayCopyNonAtomic(s, LogAuth.CHALLENGE, head, (short) 0, Contract.DM_CHALLENGE_LEN);
        response.send(apdu, Contract.DM_CHALLENGE_LEN);
    }

    /**
     * LOG_AUTH {@code 80 3E slot 00}: the DER signature of "SCAGENT-DM-AUTH-1" || card id || challenge. No challenge
     * for this slot: 6985. Any attempt spends the challenge. Signature length outside 8..72: 6700. Wrong signature:
     * 6300. No READ_LOG permission or outside the validity at the session's time: 6982.
     */
    void authenticate(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte slot = slotParam(buf);
        if (!auth.challenged(slot)) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        byte[] head = response.head();
        short p = Util.arrayCopyNonAtomic(labels, (short) 0, head, (short) 0, AUTH_LABEL_LEN);
        p = info.cardId(head, p);
        Util.arrayCopyNonAtomic(auth.bytes(), LogAuth.CHALLENGE, head, p, Contract.DM_CHALLENGE_LEN);
        auth.drop(); // spent, whatever follows
        short len = Io.receiveAll(apdu);
        if (len < SIG_MIN || len > Der.EC_SIG_MAX) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        if (!servers.used(slot)) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        byte[] d = servers.data();
        short e = DmServers.offset(slot);
        // a server added by a DM bootstrap has no key (first byte 00): it cannot authenticate
        if (d[(short) (e + DmServers.KEY)] != (byte) 0x04 || !verifier.verify(d, (short) (e + DmServers.KEY), head, (short) 0, AUTH_MSG_LEN, buf,
                apdu.getOffsetCdata(), len)) {
            ISOException.throwIt(Contract.SW_AUTH_FAILED);
        }
        if ((byte) (d[(short) (e + DmServers.PERMS)] & Contract.DM_PERM_READ_LOG) == 0
                || (session.state() != Contract.FU_STATE_NONE
                        && FuFlow.validity(d, e, session.bytes(), FuSession.TIME) != Contract.DM_REASON_OK)) {
            ISOException.throwIt(Contract.SW_SECURITY_STATUS);
        }
        auth.grant();
    }

    /**
     * LOG_READ {@code 80 40 index n}: the chain hash before window record {@code index} and up to {@code n} (1..8)
     * records from it; fewer when the window ends first. Not authenticated: 6982. n outside 1..8: 6A86. index not
     * in the window (also: an empty log): 6A88.
     */
    void read(APDU apdu) {
        if (!auth.authenticated()) {
            ISOException.throwIt(Contract.SW_SECURITY_STATUS);
        }
        byte[] buf = apdu.getBuffer();
        short index = (short) (buf[ISO7816.OFFSET_P1] & 0xFF);
        short n = (short) (buf[ISO7816.OFFSET_P2] & 0xFF);
        if (n < 1 || n > Contract.LOG_READ_MAX) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        short retained = log.retained();
        if (index >= retained) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        if (n > (short) (retained - index)) {
            n = (short) (retained - index);
        }
        short headLen = log.hashBefore(index, response.head(), (short) 0);
        response.send(apdu, headLen, DmFirmware.TAIL_LOG, (short) (index * Contract.LOG_RECORD_LEN),
                (short) (n * Contract.LOG_RECORD_LEN));
    }

    /**
     * LOG_CHECKPOINT {@code 80 44 00 00}: the nonce (16..32 bytes). Answers "SCAGENT-LOG-CHECKPOINT-1" || card id ||
     * count || first retained seq || head || nonce_len || nonce || signature_len || signature, the signature over
     * every byte before signature_len. Not authenticated: 6982.
     */
    void checkpoint(APDU apdu) {
        if (!auth.authenticated()) {
            ISOException.throwIt(Contract.SW_SECURITY_STATUS);
        }
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P1] != Contract.LOG_CHECKPOINT_P1_00
                || buf[ISO7816.OFFSET_P2] != Contract.LOG_CHECKPOINT_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        short len = Io.receiveAll(apdu);
        if (len < Contract.LOG_NONCE_MIN || len > Contract.LOG_NONCE_MAX) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        byte[] head = response.head();
        short p = Util.arrayCopyNonAtomic(labels, AUTH_LABEL_LEN, head, (short) 0, CHECKPOINT_LABEL_LEN);
        p = info.cardId(head, p);
        p = log.count(head, p);
        p = log.firstSeq(head, p);
        p = log.head(head, p);
        head[p++] = (byte) len;
        p = Util.arrayCopyNonAtomic(buf, apdu.getOffsetCdata(), head, p, len);
        short sigLen = key.sign(head, (short) 0, p, head, (short) (p + 1));
        head[p] = (byte) sigLen;
        response.send(apdu, (short) (p + 1 + sigLen));
    }
}
