package org.scagent.applet;

import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * The checks of a manifest (dm-firmware.md §4.2), in their order, each with its status word and the FUMO code it
 * records: format (nothing recorded), session, server, originator signature, target device, versions, replay,
 * subscriber token. The manifest's fields go into the session first, so that a refusal's record carries them; a
 * refusal leaves the session CHECKED, success makes it MANIFEST_OK with a VERIFIED record.
 */
final class ManifestChecks {
    private static final short CARD_ID_LEN = 16;
    // BCAST fields (bcast-identity.md §2)
    private static final short F_IMEI = 0;
    private static final short F_MANUFACTURER = 10;
    private static final short F_MODEL = 12;
    private static final short IMEI_LEN = 8;
    // work: the fields (19), then the token input SHA-256(manifest) (32) || card id (16) || sequence number (4)
    private static final short W_FIELDS = 0;
    private static final short W_TOKEN_IN = Contract.BCAST_FIELDS_LEN;
    private static final short TOKEN_IN_LEN = (short) (PackageHash.HASH_LEN + CARD_ID_LEN + U32.LEN);

    private final FuSession session;
    private final DmPolicy policy;
    private final FuOriginators originators;
    private final TokenKey token;
    private final FuLog log;
    private final FuRecorder recorder;
    private final EcVerifier verifier;
    private final BcastIdentity bcast;
    private final CardInfo info;
    private final PackageHash pkg;
    private final Manifest manifest;
    private final byte[] work;

    ManifestChecks(FuSession session, DmPolicy policy, FuOriginators originators, TokenKey token, FuLog log,
            FuRecorder recorder, EcVerifier verifier, BcastIdentity bcast, CardInfo info, PackageHash pkg) {
        this.pkg = pkg;
        this.session = session;
        this.policy = policy;
        this.originators = originators;
        this.token = token;
        this.log = log;
        this.recorder = recorder;
        this.verifier = verifier;
        this.bcast = bcast;
        this.info = info;
        manifest = new Manifest();
        work = JCSystem.makeTransientByteArray((short) (W_TOKEN_IN + TOKEN_IN_LEN), JCSystem.CLEAR_ON_DESELECT);
    }

    /** The checks of §4.2 on the manifest m[0..len) (a token follows it when {@code withToken}). */
    void run(byte[] m, short len, boolean withToken) {
        // 1. format: nothing recorded
        if (len < 0 || !manifest.parse(m, len)) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        // 2. the session
        if (session.state() == Contract.FU_STATE_NONE) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        pkg.stop(); // a new manifest replaces the session's one, and its package check
        session.dropManifest();
        takeFields(m);
        if (!session.has(FuSession.F_AUTHORIZED)
                && !(session.has(FuSession.F_CONFIRMED) && policy.policy() != Contract.DM_POLICY_DENY)) {
            refuse(Contract.SW_SECURITY_STATUS, FuFlow.FUMO_NOT_ACCEPTABLE);
        }
        // 3. the delivering server is the checked one
        if (!session.isServer(m, manifest.at(Manifest.T_SERVER), manifest.length(Manifest.T_SERVER))) {
            refuse(Contract.SW_SECURITY_STATUS, FuFlow.FUMO_NOT_ACCEPTABLE);
        }
        // 4. the originator's signature
        byte origin = m[manifest.at(Manifest.T_ORIGIN)];
        if (!originators.used(origin) || !verifier.verify(originators.data(), FuOriginators.offset(origin), m,
                (short) 0, manifest.signedLength(), m, manifest.at(Manifest.T_SIG), manifest.length(Manifest.T_SIG))) {
            refuse(Contract.SW_SECURITY_STATUS, FuFlow.FUMO_VALIDATION);
        }
        // 5. the target device
        if (!bcast.fieldsSet()) {
            session.dropManifest();
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        bcast.readFields(work, W_FIELDS);
        if (!same(m, Manifest.T_MANUFACTURER, work, F_MANUFACTURER, (short) 2)
                || !same(m, Manifest.T_MODEL, work, F_MODEL, (short) 2)
                || (manifest.at(Manifest.T_IMEI) >= 0 && !same(m, Manifest.T_IMEI, work, F_IMEI, IMEI_LEN))
                || (manifest.at(Manifest.T_CARD) >= 0 && !sameCard(m))) {
            refuse(Contract.SW_CONDITIONS, FuFlow.FUMO_MISMATCH);
        }
        // 6. versions: the current one within the range, the new one above it
        byte[] s = session.bytes();
        short current = Util.getShort(s, FuSession.FROM);
        short range = manifest.at(Manifest.T_RANGE);
        if (BcastFields.unsignedGreater(Util.getShort(m, range), current)
                || BcastFields.unsignedGreater(current, Util.getShort(m, (short) (range + 2)))
                || !BcastFields.unsignedGreater(Util.getShort(s, FuSession.TO), current)) {
            refuse(Contract.SW_CONDITIONS, FuFlow.FUMO_NOT_ACCEPTABLE);
        }
        // 7. replay: above the originator's last installed sequence number
        log.installedSeq(origin, work, W_TOKEN_IN);
        if (U32.compare(s, FuSession.SEQ, work, W_TOKEN_IN) <= 0) {
            refuse(Contract.SW_CONDITIONS, FuFlow.FUMO_NOT_ACCEPTABLE);
        }
        // 8. the subscriber token, when given or required
        if (withToken || policy.tokenRequired()) {
            if (!withToken || !tokenOk(m, len)) {
                refuse(Contract.SW_SECURITY_STATUS, FuFlow.FUMO_VALIDATION);
            }
            session.set(FuSession.F_TOKEN);
        }
        session.setState(Contract.FU_STATE_MANIFEST_OK);
        recorder.record(s[FuSession.KIND], Contract.LOG_STATUS_VERIFIED, FuFlow.FUMO_OK, s, FuSession.TIME);
    }

    /** Copies the manifest's fields into the session (still CHECKED), for the record whatever the outcome. */
    private void takeFields(byte[] m) {
        byte[] s = session.bytes();
        byte kind = m[manifest.at(Manifest.T_KIND)];
        s[FuSession.KIND] = kind;
        s[FuSession.ORIGIN] = m[manifest.at(Manifest.T_ORIGIN)];
        Util.setShort(s, FuSession.FROM, bcast.fieldsSet() ? bcast.version(kind) : 0);
        Util.arrayCopyNonAtomic(m, manifest.at(Manifest.T_VERSION), s, FuSession.TO, (short) 2);
        Util.arrayCopyNonAtomic(m, manifest.at(Manifest.T_SIZE), s, FuSession.SIZE, PackageHash.SIZE_LEN);
        Util.arrayCopyNonAtomic(m, manifest.at(Manifest.T_SHA), s, FuSession.SHA, PackageHash.HASH_LEN);
        Util.arrayCopyNonAtomic(m, manifest.at(Manifest.T_SEQ), s, FuSession.SEQ, U32.LEN);
    }

    private boolean same(byte[] m, byte tag, byte[] b, short off, short len) {
        return Util.arrayCompare(m, manifest.at(tag), b, off, len) == 0;
    }

    private boolean sameCard(byte[] m) {
        info.cardId(work, W_TOKEN_IN);
        return same(m, Manifest.T_CARD, work, W_TOKEN_IN, CARD_ID_LEN);
    }

    /** The token after the manifest m[0..len): CMAC(K_token, SHA-256(manifest) || card id || sequence number). */
    private boolean tokenOk(byte[] m, short len) {
        log.sha().reset();
        log.sha().doFinal(m, (short) 0, len, work, W_TOKEN_IN);
        short p = info.cardId(work, (short) (W_TOKEN_IN + PackageHash.HASH_LEN));
        Util.arrayCopyNonAtomic(m, manifest.at(Manifest.T_SEQ), work, p, U32.LEN);
        return token.verify(work, W_TOKEN_IN, TOKEN_IN_LEN, m, len);
    }

    /** A refused manifest: the REFUSED record with {@code result}, the manifest dropped, then {@code sw}. */
    private void refuse(short sw, short result) {
        byte[] s = session.bytes();
        recorder.record(s[FuSession.KIND], Contract.LOG_STATUS_REFUSED, result, s, FuSession.TIME);
        session.dropManifest();
        ISOException.throwIt(sw);
    }

}
