package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISOException;

/**
 * The DM firmware-update control capability (capability bit 9; applet-spec/dm-firmware.md, the binding design):
 * builds its parts at install and answers its GET DATA objects (DF50..DF55). The commands are handled by
 * {@link DmAdmin} (issuer), {@link FuFlow} (the update session) and {@link LogAccess} (the DM server reading the log).
 */
final class DmFirmware {
    /** Response tail ids (LongResponse), after the BCAST identity's. */
    static final byte TAIL_SERVERS = 3;
    static final byte TAIL_LOG = 4;
    static final byte TAIL_IDS = 4;

    final DmAdmin admin;
    final FuFlow flow;
    final LogAccess logAccess;
    /** Test hook for tearing ({@link NvWriter}); not reachable by any APDU. */
    final NvWriter nv;
    private final FuLog log;
    private final LogKey logKey;
    private final DmServers servers;
    private final DmPolicy policy;
    private final FuOriginators originators;
    private final FuSession session;
    private final LogAuth auth;
    private final FuRecorder recorder;
    private final LongResponse response;

    DmFirmware(IssuerChannel issuer, UserPin pin, ChainBuffer chain, LongResponse response, BcastIdentity bcast,
            CardInfo info, P256 curve, Spki spki) {
        this.response = response;
        nv = new NvWriter();
        log = new FuLog(nv);
        logKey = new LogKey(curve, spki);
        EcVerifier verifier = new EcVerifier(curve);
        servers = new DmServers(verifier);
        policy = new DmPolicy();
        originators = new FuOriginators(verifier);
        session = new FuSession();
        auth = new LogAuth();
        TokenKey token = new TokenKey(issuer.cmac());
        recorder = new FuRecorder(log, nv, bcast, session);
        admin = new DmAdmin(issuer, servers, policy, originators, token);
        flow = new FuFlow(session, servers, policy, originators, token, log, recorder, verifier, bcast, info, pin,
                chain, response);
        logAccess = new LogAccess(servers, auth, log, logKey, verifier, session, info, issuer, response);
        response.registerTail(TAIL_SERVERS, servers);
        response.registerTail(TAIL_LOG, log);
    }

    /** DMBOOT_SERVER_ADD after a verified bootstrap: 6985 unless the policy has BOOTSTRAP_ADD; the slot. */
    byte bootstrapAdd(byte[] id, short off, short len) {
        if (!policy.bootstrapAdd()) {
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        return servers.addBootstrapped(id, off, len);
    }

    /** At SELECT: completes an install whose version raise a reset cut off (FuRecorder.recover). */
    void select() {
        recorder.recover();
    }

    /**
     * At deselect: the DM server role and an on-card hash in progress end (CLEAR_ON_DESELECT memory as well); the
     * firmware-update session itself is persistent and survives (FuSession).
     */
    void deselect() {
        flow.stopHash();
        auth.drop();
    }

    /**
     * GET DATA of this capability: DF50 servers, DF51 policy, DF52 log status, DF53 log key, DF54 originators,
     * DF55 session; all through the long-response rule. Returns false for any other tag.
     */
    boolean getData(APDU apdu, short tag) {
        byte[] head = response.head();
        switch (tag) {
            case Contract.TAG_DM_SERVERS:
                response.send(apdu, (short) 0, TAIL_SERVERS, (short) 0, servers.listLength());
                return true;
            case Contract.TAG_DM_POLICY:
                response.send(apdu, policy.read(head, (short) 0));
                return true;
            case Contract.TAG_LOG_STATUS:
                response.send(apdu, log.status(head, (short) 0));
                return true;
            case Contract.TAG_LOG_PUBLIC_KEY:
                response.send(apdu, logKey.writeSpki(head, (short) 0));
                return true;
            case Contract.TAG_FU_ORIGINATORS:
                response.send(apdu, originators.list(log, head, (short) 0));
                return true;
            case Contract.TAG_FU_SESSION:
                response.send(apdu, session.read(head, (short) 0));
                return true;
            default:
                return false;
        }
    }
}
