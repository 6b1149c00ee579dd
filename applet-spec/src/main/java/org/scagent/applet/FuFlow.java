package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * The firmware-update session commands (dm-firmware.md §4): DM_CHECK_SERVER, DM_CONFIRM, FU_VERIFY_MANIFEST,
 * FU_PACKAGE_DIGEST, FU_HASH, FU_REPORT. Access is ALWAYS: what guards them is the session (a checked server, its
 * authorization or the user's confirmation, a verified manifest, a matched package) and the checks of §4.2 in their
 * order ({@link ManifestChecks}). Every outcome the design records goes to the log through {@link FuRecorder}.
 */
final class FuFlow {
    private static final short TIME_LEN = 4;
    private static final short CHECK_ANSWER_LEN = 5;
    private static final short VERIFY_ANSWER_LEN = 45;
    private static final short DIGEST_LEN = (short) (PackageHash.HASH_LEN + PackageHash.SIZE_LEN);
    private static final short REPORT_LEN = 6;
    /** FUMO result codes (dm-firmware.md §3.1). */
    static final short FUMO_OK = 200;
    static final short FUMO_CORRUPTED = 402;
    static final short FUMO_MISMATCH = 403;
    static final short FUMO_VALIDATION = 404;
    static final short FUMO_NOT_ACCEPTABLE = 405;

    private final FuSession session;
    private final DmServers servers;
    private final DmPolicy policy;
    private final FuLog log;
    private final FuRecorder recorder;
    private final ManifestChecks checks;
    private final PackageHash pkg;
    private final UserPin pin;
    private final ChainBuffer chain;
    private final LongResponse response;
    /** The sequence number read back at an install. */
    private final byte[] seq;

    FuFlow(FuSession session, DmServers servers, DmPolicy policy, FuOriginators originators, TokenKey token,
            FuLog log, FuRecorder recorder, EcVerifier verifier, BcastIdentity bcast, CardInfo info, UserPin pin,
            ChainBuffer chain, LongResponse response) {
        this.session = session;
        this.servers = servers;
        this.policy = policy;
        this.log = log;
        this.recorder = recorder;
        this.pin = pin;
        this.chain = chain;
        this.response = response;
        pkg = new PackageHash();
        checks = new ManifestChecks(session, policy, originators, token, log, recorder, verifier, bcast, info, pkg);
        seq = JCSystem.makeTransientByteArray(U32.LEN, JCSystem.CLEAR_ON_DESELECT);
    }

    /** Ends the session (a new DM_CHECK_SERVER, or the report that closes it). */
    void end() {
        session.end();
        pkg.stop();
    }

    /** Drops an on-card hash in progress (deselect): its digest state is transient. */
    void stopHash() {
        pkg.stop();
    }

    private static void checkP1P2(byte[] buf, byte p1, byte p2) {
        if (buf[ISO7816.OFFSET_P1] != p1 || buf[ISO7816.OFFSET_P2] != p2) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
    }

    /**
     * DM_CHECK_SERVER {@code 80 30 00 00}: time (4) || server id (1..64). Ends any session first, then starts one
     * for this server and answers authorized || permissions || slot || policy || reason. Writes nothing persistent.
     */
    void checkServer(APDU apdu) {
        end();
        byte[] buf = apdu.getBuffer();
        checkP1P2(buf, Contract.DM_CHECK_SERVER_P1_00, Contract.DM_CHECK_SERVER_P2_00);
        short len = Io.receiveAll(apdu);
        short idLen = (short) (len - TIME_LEN);
        if (idLen < 1 || idLen > Contract.DM_ID_MAX) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        short off = apdu.getOffsetCdata();
        byte[] s = session.bytes();
        Util.arrayCopyNonAtomic(buf, off, s, FuSession.TIME, TIME_LEN);
        s[FuSession.ID_LEN] = (byte) idLen;
        Util.arrayCopyNonAtomic(buf, (short) (off + TIME_LEN), s, FuSession.ID, idLen);
        byte slot = servers.find(buf, (short) (off + TIME_LEN), idLen);
        byte perms = 0;
        byte reason = Contract.DM_REASON_NOT_LISTED;
        if (slot >= 0) {
            byte[] d = servers.data();
            short e = DmServers.offset(slot);
            perms = d[(short) (e + DmServers.PERMS)];
            if ((byte) (perms & Contract.DM_PERM_FW_UPDATE) == 0) {
                reason = Contract.DM_REASON_NO_FW_PERMISSION;
            } else {
                reason = validity(d, e, s, FuSession.TIME);
            }
        }
        s[FuSession.SLOT] = slot;
        s[FuSession.PERMS] = perms;
        s[FuSession.REASON] = reason;
        if (reason == Contract.DM_REASON_OK) {
            session.set(FuSession.F_AUTHORIZED);
        }
        session.setState(Contract.FU_STATE_CHECKED);
        byte[] head = response.head();
        head[0] = reason == Contract.DM_REASON_OK ? (byte) 1 : (byte) 0;
        head[1] = perms;
        head[2] = slot;
        head[3] = policy.policy();
        head[4] = reason;
        response.send(apdu, CHECK_ANSWER_LEN);
    }

    /** OK, NOT_YET_VALID or EXPIRED for the server entry at d[e] and the time at t[tOff..+4) (unsigned). */
    static byte validity(byte[] d, short e, byte[] t, short tOff) {
        if (U32.compare(t, tOff, d, (short) (e + DmServers.NOT_BEFORE)) < 0) {
            return Contract.DM_REASON_NOT_YET_VALID;
        }
        if (U32.compare(t, tOff, d, (short) (e + DmServers.NOT_AFTER)) > 0) {
            return Contract.DM_REASON_EXPIRED;
        }
        return Contract.DM_REASON_OK;
    }

    /**
     * DM_CONFIRM {@code 80 32 00 00}: the user confirms the session's unauthorized server. No session or another
     * server, an authorized server (nothing to confirm), policy DENY: 6985. CONFIRM_PIN without the PIN: 6982.
     * Records a confirmation (10/06); a second confirmation in the same session answers 9000 and records nothing.
     */
    void confirm(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        checkP1P2(buf, Contract.DM_CONFIRM_P1_00, Contract.DM_CONFIRM_P2_00);
        short len = Io.receiveAll(apdu);
        if (len < 1 || len > Contract.DM_ID_MAX) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        if (!session.isServer(buf, apdu.getOffsetCdata(), len) || session.has(FuSession.F_AUTHORIZED)
                || policy.policy() == Contract.DM_POLICY_DENY) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        if (policy.policy() == Contract.DM_POLICY_CONFIRM_PIN && !pin.isValidated()) {
            ISOException.throwIt(Contract.SW_SECURITY_STATUS);
        }
        if (session.has(FuSession.F_CONFIRMED)) {
            return;
        }
        session.set(FuSession.F_CONFIRMED);
        recorder.record(Contract.LOG_KIND_CONFIRMATION, Contract.LOG_STATUS_CONFIRMED, (short) 0, session.bytes(),
                FuSession.TIME);
    }

    /**
     * FU_VERIFY_MANIFEST {@code 80 34 P1 00} (chained: 90 for all parts but the last): the manifest, and with P1 01
     * the subscriber token after it. On the last part the checks of dm-firmware.md §4.2, in order.
     */
    void verifyManifest(APDU apdu, boolean chained) {
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        if ((p1 != Contract.FU_VERIFY_MANIFEST_P1_00 && p1 != Contract.FU_VERIFY_MANIFEST_P1_01)
                || buf[ISO7816.OFFSET_P2] != Contract.FU_VERIFY_MANIFEST_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        boolean withToken = p1 == Contract.FU_VERIFY_MANIFEST_P1_01;
        short got = chain.current();
        if (got < 0) {
            got = 0;
        }
        got = chain.receive(apdu, got);
        if (got > (short) (Contract.FU_MANIFEST_MAX + (withToken ? Contract.FU_TOKEN_LEN : 0))) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        if (chained) {
            chain.suspend(Contract.INS_FU_VERIFY_MANIFEST, Util.getShort(buf, ISO7816.OFFSET_P1), got);
            return;
        }
        checks.run(chain.data(), withToken ? (short) (got - Contract.FU_TOKEN_LEN) : got, withToken);
        byte[] s = session.bytes();
        byte[] head = response.head();
        head[0] = s[FuSession.KIND];
        Util.arrayCopyNonAtomic(s, FuSession.FROM, head, (short) 1, (short) 4);             // from, to
        Util.arrayCopyNonAtomic(s, FuSession.SIZE, head, (short) 5, PackageHash.SIZE_LEN);
        Util.arrayCopyNonAtomic(s, FuSession.SHA, head, (short) 13, PackageHash.HASH_LEN);
        response.send(apdu, VERIFY_ANSWER_LEN);
    }

    /** A package that does not match the manifest: the FAILED record (402), then 6A80. The manifest stays. */
    private void packageMismatch() {
        byte[] s = session.bytes();
        recorder.record(s[FuSession.KIND], Contract.LOG_STATUS_FAILED, FUMO_CORRUPTED, s, FuSession.TIME);
        session.clear(FuSession.F_HASHED);
        ISOException.throwIt(Contract.SW_WRONG_DATA);
    }

    /** Starts (again) the package check of the verified manifest; 6985 without one. */
    private void restartPackageCheck() {
        byte state = session.state();
        if (state != Contract.FU_STATE_MANIFEST_OK && state != Contract.FU_STATE_PACKAGE_OK) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        pkg.stop();
        session.setState(Contract.FU_STATE_MANIFEST_OK);
        session.clear(FuSession.F_HASHED);
    }

    /** FU_PACKAGE_DIGEST {@code 80 36 00 00}: sha256 (32) || size (8) hashed by the terminal. */
    void packageDigest(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        checkP1P2(buf, Contract.FU_PACKAGE_DIGEST_P1_00, Contract.FU_PACKAGE_DIGEST_P2_00);
        if (Io.receiveAll(apdu) != DIGEST_LEN) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        restartPackageCheck();
        short off = apdu.getOffsetCdata();
        byte[] s = session.bytes();
        if (Util.arrayCompare(buf, off, s, FuSession.SHA, PackageHash.HASH_LEN) != 0
                || Util.arrayCompare(buf, (short) (off + PackageHash.HASH_LEN), s, FuSession.SIZE,
                        PackageHash.SIZE_LEN) != 0) {
            packageMismatch();
        }
        session.setState(Contract.FU_STATE_PACKAGE_OK);
    }

    /**
     * FU_HASH {@code 80 38 P1 00}: P1 01 starts hashing the package (data: its first part), 02 adds more, 03 adds
     * the last part and compares digest and byte count with the manifest. Extended APDUs of any length: the data is
     * hashed as it is received. With the chaining bit (90) a command is one piece of its P1's data and the chain
     * counts as one command of that P1: its first piece starts the hash (01), its last (unchained) piece compares
     * (03); pieces in between only add data.
     */
    void hash(APDU apdu, boolean chained) {
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        if (p1 < Contract.FU_HASH_P1_01 || p1 > Contract.FU_HASH_P1_03 || buf[ISO7816.OFFSET_P2] != Contract.FU_HASH_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (chain.current() < 0) { // not the continuation of a chained piece
            if (p1 == Contract.FU_HASH_P1_01) {
                restartPackageCheck();
                pkg.start();
            } else if (!pkg.active()) {
                ISOException.throwIt(Contract.SW_CONDITIONS);
            }
        }
        short got = apdu.setIncomingAndReceive();
        short off = apdu.getOffsetCdata();
        while (got > 0) {
            pkg.update(buf, off, got);
            got = apdu.receiveBytes(off);
        }
        if (chained) {
            chain.suspend(Contract.INS_FU_HASH, Util.getShort(buf, ISO7816.OFFSET_P1), (short) 0);
            return;
        }
        if (p1 == Contract.FU_HASH_P1_03) {
            session.set(FuSession.F_HASHED);
            byte[] s = session.bytes();
            if (!pkg.finish(s, FuSession.SHA, FuSession.SIZE)) {
                packageMismatch();
            }
            session.setState(Contract.FU_STATE_PACKAGE_OK);
        }
    }

    /**
     * FU_REPORT {@code 80 3A P1 00}: time (4) || FUMO result code (2). 01 started and 03 installed need a matched
     * package, 04 failed a verified manifest (6985 otherwise); installed takes result 200 only (6A80). Installed
     * commits the record, the used sequence number and the version, and ends the session; failed drops the manifest.
     */
    void report(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        if ((p1 != Contract.FU_REPORT_P1_01 && p1 != Contract.FU_REPORT_P1_03 && p1 != Contract.FU_REPORT_P1_04)
                || buf[ISO7816.OFFSET_P2] != Contract.FU_REPORT_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (Io.receiveAll(apdu) != REPORT_LEN) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        short off = apdu.getOffsetCdata();
        short result = Util.getShort(buf, (short) (off + TIME_LEN));
        if (p1 == Contract.FU_REPORT_P1_03 && result != FUMO_OK) {
            ISOException.throwIt(Contract.SW_WRONG_DATA);
        }
        byte state = session.state();
        byte[] s = session.bytes();
        if (p1 == Contract.FU_REPORT_P1_04) {
            if (state != Contract.FU_STATE_MANIFEST_OK && state != Contract.FU_STATE_PACKAGE_OK) {
                ISOException.throwIt(Contract.SW_CONDITIONS);
            }
            recorder.record(s[FuSession.KIND], Contract.LOG_STATUS_FAILED, result, buf, off);
            end(); // the outcome is known: the session is over (dm-firmware.md §4 step 5)
            return;
        }
        if (state != Contract.FU_STATE_PACKAGE_OK) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        if (p1 == Contract.FU_REPORT_P1_01) {
            recorder.record(s[FuSession.KIND], Contract.LOG_STATUS_STARTED, result, buf, off);
            return;
        }
        // installed: the sequence number must still be unused (another install of this originator since?)
        log.installedSeq(s[FuSession.ORIGIN], seq, (short) 0);
        if (U32.compare(s, FuSession.SEQ, seq, (short) 0) <= 0) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        recorder.install(buf, off);
        end();
    }
}
