package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.Util;

/**
 * The issuer's DM firmware-update commands, all wrapped in the issuer secure channel (the C-MAC is checked, and the
 * data decrypted, before anything else): DM_SERVER_PUT / DELETE, DM_POLICY_SET, FU_ORIGINATOR_PUT / DELETE,
 * FU_TOKEN_KEY_PUT. Order of checks as every wrapped command: unwrap (6982/6987/6988/6700) → P1-P2 (6A86) → length
 * (6700) → data (6A80) → state (6A88).
 */
final class DmAdmin {
    private final IssuerChannel issuer;
    private final DmServers servers;
    private final DmPolicy policy;
    private final FuOriginators originators;
    private final TokenKey token;

    DmAdmin(IssuerChannel issuer, DmServers servers, DmPolicy policy, FuOriginators originators, TokenKey token) {
        this.issuer = issuer;
        this.servers = servers;
        this.policy = policy;
        this.originators = originators;
        this.token = token;
    }

    /** A slot in P1 below {@code slots}, P2 = 00; else 6A86. */
    private static byte slot(byte[] buf, short slots) {
        byte s = buf[ISO7816.OFFSET_P1];
        if (s < 0 || s >= slots || buf[ISO7816.OFFSET_P2] != 0) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        return s;
    }

    private static void noData(short len) {
        if (len != 0) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
    }

    /** DM_SERVER_PUT {@code 84 D2 slot 00}. */
    void serverPut(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        servers.put(slot(buf, Contract.DM_SERVERS), buf, ISO7816.OFFSET_CDATA, len);
    }

    /** DM_SERVER_DELETE {@code 84 D4 slot 00}. */
    void serverDelete(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte s = slot(apdu.getBuffer(), Contract.DM_SERVERS);
        noData(len);
        servers.delete(s);
    }

    /** DM_POLICY_SET {@code 84 D6 policy flags}. */
    void policySet(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        DmPolicy.checkParams(buf[ISO7816.OFFSET_P1], buf[ISO7816.OFFSET_P2]);
        noData(len);
        policy.set(buf[ISO7816.OFFSET_P1], buf[ISO7816.OFFSET_P2]);
    }

    /** FU_ORIGINATOR_PUT {@code 84 D8 slot 00}. */
    void originatorPut(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        originators.put(slot(buf, Contract.FU_ORIGINATORS), buf, ISO7816.OFFSET_CDATA, len);
    }

    /** FU_ORIGINATOR_DELETE {@code 84 DC slot 00}. */
    void originatorDelete(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte s = slot(apdu.getBuffer(), Contract.FU_ORIGINATORS);
        noData(len);
        originators.delete(s);
    }

    /** FU_TOKEN_KEY_PUT {@code 84 DE 00 00}: the key (16); the plain key is wiped from the APDU buffer afterwards. */
    void tokenKeyPut(APDU apdu) {
        short len = issuer.unwrap(apdu);
        byte[] buf = apdu.getBuffer();
        short sw = Contract.SW_OK;
        if (buf[ISO7816.OFFSET_P1] != Contract.FU_TOKEN_KEY_PUT_P1_00
                || buf[ISO7816.OFFSET_P2] != Contract.FU_TOKEN_KEY_PUT_P2_00) {
            sw = Contract.SW_INCORRECT_P1P2;
        } else if (len != TokenKey.KEY_LEN) {
            sw = Contract.SW_WRONG_LENGTH;
        } else {
            token.put(buf, ISO7816.OFFSET_CDATA);
        }
        Util.arrayFillNonAtomic(buf, ISO7816.OFFSET_CDATA, len, (byte) 0);
        if (sw != Contract.SW_OK) {
            ISOException.throwIt(sw);
        }
    }
}
