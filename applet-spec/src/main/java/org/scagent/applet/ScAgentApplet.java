package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacardx.apdu.ExtendedLength;

/**
 * The scagent applet: install, SELECT, class/instruction dispatch. The commands themselves live in
 * {@link UserPin}, {@link IssuerChannel}, {@link CardInfo}, {@link LifeCycle}, {@link ChainBuffer},
 * {@link LongResponse}, {@link BcastIdentity} and {@link DmFirmware}. See applet-spec/SPEC.md for the command set and
 * apdu/contract.toml for the wire constants.
 */
public final class ScAgentApplet extends Applet implements ExtendedLength {
    /** CLA bits b8-b6 other than b8 (0x60): further interindustry / reserved classes, never accepted. */
    private static final byte CLA_RESERVED_BITS = 0x60;
    /** CLA bits that name the class family once channel and chaining bits are ignored: b8 and b4-b3 (SM). */
    private static final byte CLA_FAMILY_BITS = (byte) 0x8C;
    /** SELECT P2 b4-b3 = 11: no response data. */
    private static final byte SELECT_P2_NO_FCI = 0x0C;

    private final UserPin pin;
    private final IssuerChannel issuer;
    private final LifeCycle life;
    private final CardInfo info;
    private final ChainBuffer chain;
    private final LongResponse response;
    private final BcastIdentity bcast;
    private final DmFirmware dm;
    private final Imsi imsi;
    private final Gba gba;
    private final DmBootstrap dmBoot;
    private final MbmsKeys mbmsKeys;
    private final Mbms mbms;

    private ScAgentApplet(byte[] b, short pOff, short pLen) {
        pin = new UserPin(InstallParams.byteValue(b, pOff, pLen, Contract.INSTALL_PIN_TRY_LIMIT,
                InstallParams.DEFAULT_PIN_TRY_LIMIT));
        issuer = new IssuerChannel(b,
                InstallParams.find(b, pOff, pLen, Contract.INSTALL_ISSUER_KEY_ENC),
                InstallParams.find(b, pOff, pLen, Contract.INSTALL_ISSUER_KEY_MAC),
                InstallParams.byteValue(b, pOff, pLen, Contract.INSTALL_ISSUER_KEY_VERSION,
                        InstallParams.DEFAULT_KEY_VERSION));
        life = new LifeCycle();
        // one buffer for the chains that collect data in RAM: ECHO and SIGN CSR
        chain = new ChainBuffer(Contract.ECHO_MAX > Contract.CSR_INFO_MAX ? Contract.ECHO_MAX : Contract.CSR_INFO_MAX);
        response = new LongResponse(BcastIdentity.HEAD_MAX, Mbms.TAIL_STATUS);
        // one copy of the P-256 parameters and of the SPKI prefixes for every EC key on the card
        P256 curve = new P256();
        Spki spki = new Spki();
        bcast = new BcastIdentity(issuer, life, chain, response, curve, spki);
        info = new CardInfo(b, InstallParams.find(b, pOff, pLen, Contract.INSTALL_CARD_ID), pin, issuer, life, bcast);
        dm = new DmFirmware(issuer, pin, chain, response, bcast, info, curve, spki);
        imsi = new Imsi();
        mbmsKeys = new MbmsKeys();
        gba = new Gba(pin, issuer, mbmsKeys);
        mbms = new Mbms(pin, mbmsKeys, response);
        dmBoot = new DmBootstrap(imsi, gba, dm, issuer);
    }

    /**
     * GlobalPlatform install data: AID LV, privileges LV, application-parameters LV ({@link InstallParams}).
     * {@code bLength == 0} (jCardSim's two-argument installApplet): register under the AID chosen by the
     * installer, all defaults. Malformed data: 6A80 before anything is allocated or registered.
     */
    public static void install(byte[] bArray, short bOffset, byte bLength) {
        short len = (short) (bLength & 0xFF);
        short pOff = 0;
        short pLen = 0;
        if (len != 0) {
            short lv = InstallParams.locate(bArray, bOffset, len);
            if (lv >= 0) {
                pOff = (short) (lv + 1);
                pLen = (short) (bArray[lv] & 0xFF);
                InstallParams.validate(bArray, pOff, pLen);
            }
        }
        ScAgentApplet applet = new ScAgentApplet(bArray, pOff, pLen);
        if (len == 0) {
            applet.register();
        } else {
            applet.register(bArray, (short) (bOffset + 1), bArray[bOffset]);
        }
    }

    public boolean select() {
        chain.abort();
        response.drop();
        dm.select(); // completes an install a reset interrupted (dm-firmware.md §4 step 5)
        return true;
    }

    public void deselect() {
        pin.deselect();
        issuer.close();
        chain.abort();
        response.drop();
        dm.deselect();
    }

    public void process(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if (selectingApplet()) {
            sendFci(apdu);
            return;
        }
        byte cla = buf[ISO7816.OFFSET_CLA];
        byte ins = buf[ISO7816.OFFSET_INS];
        // every command takes a pending chain off; one that continues it puts it back when it succeeds
        chain.checkout(ins, Util.getShort(buf, ISO7816.OFFSET_P1));
        if (ins != Contract.INS_GET_RESPONSE) {
            response.drop(); // any other command drops the rest of a long response
        }
        if (ins != Contract.INS_AUTHENTICATE_ODD) {
            mbms.reset(); // and a pending MBMS chain or answer
        }
        if ((byte) (cla & CLA_RESERVED_BITS) != 0) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        byte family = (byte) (cla & CLA_FAMILY_BITS);
        boolean chained = (byte) (cla & Contract.CLA_CHAINING) != 0;
        switch (ins) {
            case Contract.INS_SELECT:
                // reaches process() only when it selects nothing here (another or no AID, other P1)
                expect(family, Contract.CLA_ISO, chained);
                ISOException.throwIt(Contract.SW_FILE_NOT_FOUND);
                return;
            case Contract.INS_MANAGE_CHANNEL:
                // answered by the card runtime on a real card; reaches the applet only on jCardSim
                expect(family, Contract.CLA_ISO, chained);
                ISOException.throwIt(Contract.SW_CHANNEL_NOT_SUPPORTED);
                return;
            case Contract.INS_GET_DATA:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                getData(apdu);
                return;
            case Contract.INS_VERIFY:
                expect(family, Contract.CLA_ISO, chained);
                verify(apdu);
                return;
            case Contract.INS_CHANGE_REFERENCE_DATA:
                expect(family, Contract.CLA_ISO, chained);
                changeReferenceData(apdu);
                return;
            case Contract.INS_RESET_RETRY_COUNTER:
                expect(family, Contract.CLA_ISO_SECURE, chained);
                resetRetryCounter(apdu);
                return;
            case Contract.INS_INITIALIZE_UPDATE:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                issuer.initializeUpdate(apdu);
                return;
            case Contract.INS_EXTERNAL_AUTHENTICATE:
                expect(family, Contract.CLA_SECURE, chained);
                issuer.externalAuthenticate(apdu);
                return;
            case Contract.INS_SET_STATUS:
                expect(family, Contract.CLA_SECURE, chained);
                setStatus(apdu);
                return;
            case Contract.INS_ECHO:
                echo(apdu, family, chained);
                return;
            case Contract.INS_GET_RESPONSE:
                // applet-level 61xx of a long response (the runtime answers its own on T=0)
                expect(family, Contract.CLA_ISO, chained);
                response.getResponse(apdu);
                return;
            case Contract.INS_GENERATE_KEY_PAIR:
                expect(family, Contract.CLA_SECURE, chained);
                bcast.generateKeyPair(apdu);
                return;
            case Contract.INS_SIGN_CSR:
                expectFamily(family, Contract.CLA_SECURE);
                bcast.signCsr(apdu, chained);
                return;
            case Contract.INS_PUT_DATA:
                expectFamily(family, Contract.CLA_SECURE);
                short putTag = Util.getShort(buf, ISO7816.OFFSET_P1);
                if (putTag == Contract.TAG_IMSI) {
                    expect(family, Contract.CLA_SECURE, chained);
                    short len = issuer.unwrap(apdu);
                    imsi.put(buf, ISO7816.OFFSET_CDATA, len);
                    return;
                }
                if (putTag == Contract.TAG_DMBOOT_PIN_TRIES) {
                    expect(family, Contract.CLA_SECURE, chained);
                    dmBoot.putLimit(apdu);
                    return;
                }
                if (putTag == Contract.TAG_GBA_KEYS || putTag == Contract.TAG_GBA_IMPI) {
                    expect(family, Contract.CLA_SECURE, chained);
                    gba.putData(apdu, putTag);
                    return;
                }
                bcast.putData(apdu, chained);
                return;
            case Contract.INS_RAISE_VERSION:
                expect(family, Contract.CLA_SECURE, chained);
                bcast.raiseVersion(apdu);
                return;
            case Contract.INS_GET_CLIENT_ID:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                bcast.getClientId(apdu);
                return;
            case Contract.INS_NAF_ANCHOR_ADD:
                expectFamily(family, Contract.CLA_SECURE);
                bcast.nafAnchorAdd(apdu, chained);
                return;
            case Contract.INS_NAF_ANCHOR_REMOVE:
                expect(family, Contract.CLA_SECURE, chained);
                bcast.nafAnchorRemove(apdu);
                return;
            case Contract.INS_READ_NAF_ANCHOR:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                bcast.readNafAnchor(apdu);
                return;
            case Contract.INS_AUTHENTICATE:
                expect(family, Contract.CLA_ISO, chained);
                gba.authenticate(apdu);
                return;
            case Contract.INS_AUTHENTICATE_ODD:
                expect(family, Contract.CLA_ISO, chained);
                mbms.authenticate(apdu);
                return;
            case Contract.INS_GBA_BP_PUT:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                gba.putBootstrapInfo(apdu);
                return;
            case Contract.INS_DMBOOT_VERIFY:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                dmBoot.verify(apdu);
                return;
            case Contract.INS_DMBOOT_SERVER_ADD:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                dmBoot.serverAdd(apdu);
                return;
            default:
                processDm(apdu, ins, family, chained);
        }
    }

    /** The DM firmware-update commands (issuer: 84; the others: 80, and 90 for the two that take chaining). */
    private void processDm(APDU apdu, byte ins, byte family, boolean chained) {
        switch (ins) {
            case Contract.INS_DM_SERVER_PUT:
                expect(family, Contract.CLA_SECURE, chained);
                dm.admin.serverPut(apdu);
                return;
            case Contract.INS_DM_SERVER_DELETE:
                expect(family, Contract.CLA_SECURE, chained);
                dm.admin.serverDelete(apdu);
                return;
            case Contract.INS_DM_POLICY_SET:
                expect(family, Contract.CLA_SECURE, chained);
                dm.admin.policySet(apdu);
                return;
            case Contract.INS_FU_ORIGINATOR_PUT:
                expect(family, Contract.CLA_SECURE, chained);
                dm.admin.originatorPut(apdu);
                return;
            case Contract.INS_FU_ORIGINATOR_DELETE:
                expect(family, Contract.CLA_SECURE, chained);
                dm.admin.originatorDelete(apdu);
                return;
            case Contract.INS_FU_TOKEN_KEY_PUT:
                expect(family, Contract.CLA_SECURE, chained);
                dm.admin.tokenKeyPut(apdu);
                return;
            case Contract.INS_DM_CHECK_SERVER:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                dm.flow.checkServer(apdu);
                return;
            case Contract.INS_DM_CONFIRM:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                dm.flow.confirm(apdu);
                return;
            case Contract.INS_FU_VERIFY_MANIFEST:
                expectFamily(family, Contract.CLA_PROPRIETARY);
                dm.flow.verifyManifest(apdu, chained);
                return;
            case Contract.INS_FU_PACKAGE_DIGEST:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                dm.flow.packageDigest(apdu);
                return;
            case Contract.INS_FU_HASH:
                expectFamily(family, Contract.CLA_PROPRIETARY);
                dm.flow.hash(apdu, chained);
                return;
            case Contract.INS_FU_REPORT:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                dm.flow.report(apdu);
                return;
            case Contract.INS_LOG_AUTH_BEGIN:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                dm.logAccess.begin(apdu);
                return;
            case Contract.INS_LOG_AUTH:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                dm.logAccess.authenticate(apdu);
                return;
            case Contract.INS_LOG_READ:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                dm.logAccess.read(apdu);
                return;
            case Contract.INS_LOG_CHECKPOINT:
                expect(family, Contract.CLA_PROPRIETARY, chained);
                dm.logAccess.checkpoint(apdu);
                return;
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
    }

    /** Class check for a command without chaining: wrong family 6E00, chaining bit 6884. */
    private static void expect(byte family, byte wanted, boolean chained) {
        expectFamily(family, wanted);
        if (chained) {
            ISOException.throwIt(Contract.SW_CHAINING_NOT_SUPPORTED);
        }
    }

    /** Class check for a command that accepts chaining: wrong family 6E00. */
    private static void expectFamily(byte family, byte wanted) {
        if (family != wanted) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
    }

    /** FCI: 6F L { 84 L AID, A5 L { DF30 04 VERSION, DF31 04 CAPABILITIES } }. */
    private void sendFci(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if ((byte) (buf[ISO7816.OFFSET_P2] & SELECT_P2_NO_FCI) == SELECT_P2_NO_FCI) {
            return;
        }
        short aidLen = JCSystem.getAID().getBytes(buf, (short) 4);
        buf[0] = (byte) Contract.TAG_FCI;
        buf[2] = (byte) Contract.TAG_FCI_AID;
        buf[3] = (byte) aidLen;
        short p = (short) (4 + aidLen);
        buf[p] = (byte) Contract.TAG_FCI_PROPRIETARY;
        short end = info.fciProprietary(buf, (short) (p + 2));
        buf[(short) (p + 1)] = (byte) (end - p - 2);
        buf[1] = (byte) (end - 2);
        Io.sendBuffer(apdu, (short) 0, end);
    }

    /**
     * GET DATA 80 CA P1P2=tag (case 2). Unknown tag: 6A88. The BCAST identity objects that can be long (DF40,
     * DF41, DF42, DF44) and the DM firmware ones (DF50..DF55) follow the long-response rule; the others the short
     * one (SPEC.md §3).
     */
    private void getData(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        short tag = Util.getShort(buf, ISO7816.OFFSET_P1);
        if (bcast.getData(apdu, tag) || dm.getData(apdu, tag)) {
            return;
        }
        if (tag == Contract.TAG_IMSI) {
            imsi.send(apdu);
            return;
        }
        if (tag == Contract.TAG_DMBOOT_PIN_TRIES) {
            dmBoot.sendTries(apdu);
            return;
        }
        if (gba.getData(apdu, tag)) {
            return;
        }
        if (tag == Contract.TAG_MBMS_KEYS) {
            response.send(apdu, (short) 0, Mbms.TAIL_STATUS, (short) 0, mbmsKeys.statusLength());
            return;
        }
        short end = info.value(tag, buf, (short) 0);
        if (end < 0) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        Io.sendBuffer(apdu, (short) 0, end);
    }

    /** The user-PIN reference in P1 P2 of VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER. */
    private static void checkPinP1P2(byte[] buf, byte p1) {
        if (buf[ISO7816.OFFSET_P1] != p1 || buf[ISO7816.OFFSET_P2] != Contract.VERIFY_P2_81) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
    }

    private void verify(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        checkPinP1P2(buf, Contract.VERIFY_P1_00);
        short len = Io.receiveAll(apdu);
        pin.verify(buf, apdu.getOffsetCdata(), len);
    }

    private void changeReferenceData(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        checkPinP1P2(buf, Contract.CHANGE_REFERENCE_DATA_P1_00);
        short len = Io.receiveAll(apdu);
        pin.change(buf, apdu.getOffsetCdata(), len);
    }

    /** RESET RETRY COUNTER 04 2C 02 81, wrapped: the C-MAC is checked before anything else. */
    private void resetRetryCounter(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        checkPinP1P2(buf, Contract.RESET_RETRY_COUNTER_P1_02);
        pin.reset(buf, ISO7816.OFFSET_CDATA, len);
    }

    /** SET STATUS 84 F0 P1 00, wrapped, no plain data. */
    private void setStatus(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P2] != Contract.SET_STATUS_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (len != 0) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        life.set(buf[ISO7816.OFFSET_P1]);
    }

    /**
     * ECHO 80 EE 00 00: returns the data received, with command chaining (CLA b5) and extended length. Chunks
     * with the chaining bit answer 9000 with no data; the last one answers the whole chain. Every error drops
     * the chain (ChainBuffer.checkout).
     */
    private void echo(APDU apdu, byte family, boolean chained) {
        byte[] buf = apdu.getBuffer();
        if (family != Contract.CLA_PROPRIETARY) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        if (buf[ISO7816.OFFSET_P1] != Contract.ECHO_P1_00 || buf[ISO7816.OFFSET_P2] != Contract.ECHO_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        short len = chain.current();
        if (len < 0) {
            len = 0;
        }
        len = chain.receive(apdu, len);
        if (chained) {
            chain.suspend(Contract.INS_ECHO, (short) 0, len);
            return;
        }
        Io.sendArray(apdu, chain.data(), (short) 0, len,
                Io.isExtended(apdu) ? Io.EXT_LE_MAX : Contract.SHORT_LE_MAX);
    }
}
