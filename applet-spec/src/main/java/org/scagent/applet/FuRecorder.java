package org.scagent.applet;

import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * Writes the firmware-update log records of a session (dm-firmware.md §3.1) and commits an install: the INSTALLED
 * record, the originator's used sequence number (both in one log commit, {@link FuLog}) and the raised version
 * (through {@link BcastIdentity#raiseVersion}), all inside one transaction on a card.
 *
 * Without rollback (jCardSim, or a card whose transaction a tear outruns) the version may lag the committed record;
 * {@link #recover} completes it at the next SELECT by re-applying max(current, to) when the last committed record is
 * an install. Raising only ever goes up, so re-applying is harmless.
 */
final class FuRecorder {
    private static final short IMEI_LEN = 8;

    private final FuLog log;
    private final NvWriter nv;
    private final BcastIdentity bcast;
    private final FuSession session;
    /** The record being built (96) and the BCAST fields (19) as scratch. */
    private final byte[] rec;
    private static final short FIELDS = Contract.LOG_RECORD_LEN;

    FuRecorder(FuLog log, NvWriter nv, BcastIdentity bcast, FuSession session) {
        this.log = log;
        this.nv = nv;
        this.bcast = bcast;
        this.session = session;
        rec = JCSystem.makeTransientByteArray((short) (Contract.LOG_RECORD_LEN + Contract.BCAST_FIELDS_LEN),
                JCSystem.CLEAR_ON_DESELECT);
    }

    /**
     * Appends a record of the session's server and manifest: {@code kind}, {@code status}, {@code result}, the
     * time at time[tOff..+4) and the session's flags. A confirmation (kind 10) carries no manifest fields.
     */
    void record(byte kind, byte status, short result, byte[] time, short tOff) {
        build(kind, status, result, time, tOff);
        commit((byte) -1, false);
    }

    /** FU_REPORT installed: the INSTALLED record (result 200), the used sequence number and the version, together. */
    void install(byte[] time, short tOff) {
        build(session.bytes()[FuSession.KIND], Contract.LOG_STATUS_INSTALLED, (short) 200, time, tOff);
        commit(session.bytes()[FuSession.ORIGIN], true);
    }

    /** At SELECT: if the last committed record is an install whose version is not applied yet, apply it. */
    void recover() {
        short off = log.lastRecord();
        if (off < 0) {
            return;
        }
        byte[] r = log.records();
        if (r[(short) (off + FuLog.R_STATUS)] == Contract.LOG_STATUS_INSTALLED) {
            applyVersion(r[(short) (off + FuLog.R_KIND)], Util.getShort(r, (short) (off + FuLog.R_TO)));
        }
    }

    private void commit(byte origin, boolean install) {
        boolean own = JCSystem.getTransactionDepth() == 0;
        if (own) {
            JCSystem.beginTransaction();
        }
        log.append(rec, (short) 0, origin, session.bytes(), FuSession.SEQ);
        if (install) {
            applyVersion(rec[FuLog.R_KIND], Util.getShort(rec, FuLog.R_TO));
        }
        if (own) {
            JCSystem.commitTransaction();
        }
    }

    /** Raises version {@code kind} (01 firmware, 02 software) to {@code to} if that is higher; never throws. */
    private void applyVersion(byte kind, short to) {
        if ((kind != Contract.LOG_KIND_FIRMWARE && kind != Contract.LOG_KIND_SOFTWARE) || !bcast.fieldsSet()
                || !BcastFields.unsignedGreater(to, bcast.version(kind))) {
            return;
        }
        nv.step();
        bcast.raiseVersion(kind, to); // LOG_KIND 01/02 are RAISE_VERSION P1 01/02
    }

    private void build(byte kind, byte status, short result, byte[] time, short tOff) {
        byte[] s = session.bytes();
        Util.arrayFillNonAtomic(rec, (short) 0, Contract.LOG_RECORD_LEN, (byte) 0);
        Util.arrayCopyNonAtomic(time, tOff, rec, FuLog.R_TIME, U32.LEN);
        rec[FuLog.R_KIND] = kind;
        rec[FuLog.R_STATUS] = status;
        Util.setShort(rec, FuLog.R_RESULT, result);
        if (bcast.fieldsSet()) {
            bcast.readFields(rec, FIELDS);
            Util.arrayCopyNonAtomic(rec, FIELDS, rec, FuLog.R_IMEI, IMEI_LEN);
        }
        rec[FuLog.R_FLAGS] = s[FuSession.FLAGS];
        short idLen = (short) (s[FuSession.ID_LEN] & 0xFF);
        if (idLen > FuLog.R_ID_MAX) {
            idLen = FuLog.R_ID_MAX;
        }
        rec[FuLog.R_ID_LEN] = (byte) idLen;
        Util.arrayCopyNonAtomic(s, FuSession.ID, rec, FuLog.R_ID, idLen);
        if (kind != Contract.LOG_KIND_CONFIRMATION) {
            Util.arrayCopyNonAtomic(s, FuSession.FROM, rec, FuLog.R_FROM, (short) 4); // from, to
            Util.arrayCopyNonAtomic(s, FuSession.SHA, rec, FuLog.R_SHA, PackageHash.HASH_LEN);
            Util.arrayCopyNonAtomic(s, FuSession.SEQ, rec, FuLog.R_MSEQ, U32.LEN);
        }
    }
}
