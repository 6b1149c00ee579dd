package org.scagent.applet;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.AESKey;
import javacard.security.CryptoException;
import javacard.security.KeyBuilder;
import javacard.security.RandomData;
import javacardx.crypto.Cipher;

/**
 * The issuer secure channel (applet-spec/secure-channel.md): INITIALIZE UPDATE, EXTERNAL AUTHENTICATE and the
 * unwrapping (C-MAC check, C-DECRYPTION) of every later command with the secure-messaging CLA bits set.
 *
 * Session state lives in CLEAR_ON_DESELECT transient memory, so deselect, reset and power-off end the session.
 */
final class IssuerChannel {
    /** Secure-channel protocol identifier reported in ISSUER_KEY_INFO. */
    static final byte SCP_ID = 0x03;
    /** EXTERNAL AUTHENTICATE P1: C-MAC and C-DECRYPTION. */
    private static final byte SECURITY_LEVEL = 0x33;

    // derivation constants (SCP03)
    private static final byte DD_CARD_CRYPTOGRAM = 0x00;
    private static final byte DD_HOST_CRYPTOGRAM = 0x01;
    private static final byte DD_S_ENC = 0x04;
    private static final byte DD_S_MAC = 0x06;
    private static final short BITS_64 = 0x0040;
    private static final short BITS_128 = 0x0080;
    private static final short DD_LEN = 32;
    private static final short LABEL_LEN = 11;

    // session states
    private static final byte ST_NONE = 0;
    private static final byte ST_PENDING = 1; // after INITIALIZE UPDATE
    private static final byte ST_OPEN = 2;    // after EXTERNAL AUTHENTICATE

    // transient layout
    private static final short R_STATE = 0;
    private static final short R_CONTEXT = 1;  // host challenge (8) || card challenge (8)
    private static final short R_MCV = 17;     // MAC chaining value (16)
    private static final short R_TMP = 33;     // derivation data, CMAC output, IV (32)
    private static final short RAM_LEN = 65;
    private static final short CONTEXT_LEN = 16;

    private static final short INIT_UPDATE_RESPONSE_LEN = 17;
    private static final short EXT_AUTH_LEN = 16;
    /** Wrapped commands per session (the counter is a short; the session must be reopened after this). */
    private static final short COUNTER_MAX = 32767;

    private final AESKey kEnc;
    private final AESKey kMac;
    private final AESKey sEnc;
    private final AESKey sMac;
    private final byte keyVersion;
    private final Cipher cipher;
    private final AesCmac cmac;
    private final RandomData rng;
    private final byte[] ram;
    /** [0]: encryption counter (wrapped commands since EXTERNAL AUTHENTICATE). */
    private final short[] counter;

    /**
     * @param b      install data
     * @param encOff offset of K-ENC (16 bytes) in {@code b}, or -1 for the test key
     * @param macOff offset of K-MAC (16 bytes) in {@code b}, or -1 for the test key
     */
    @SuppressWarnings("deprecation") // ALG_SECURE_RANDOM is the JC 3.0.4 name (deprecated in 3.0.5)
    IssuerChannel(byte[] b, short encOff, short macOff, byte keyVersion) {
        this.keyVersion = keyVersion;
        ram = JCSystem.makeTransientByteArray(RAM_LEN, JCSystem.CLEAR_ON_DESELECT);
        counter = JCSystem.makeTransientShortArray((short) 1, JCSystem.CLEAR_ON_DESELECT);
        cipher = Cipher.getInstance(Cipher.ALG_AES_BLOCK_128_CBC_NOPAD, false);
        cmac = new AesCmac(cipher);
        RandomData r;
        try {
            r = RandomData.getInstance(RandomData.ALG_SECURE_RANDOM);
        } catch (CryptoException e) {
            r = RandomData.getInstance(RandomData.ALG_PSEUDO_RANDOM);
        }
        rng = r;
        kEnc = (AESKey) KeyBuilder.buildKey(KeyBuilder.TYPE_AES, KeyBuilder.LENGTH_AES_128, false);
        kMac = (AESKey) KeyBuilder.buildKey(KeyBuilder.TYPE_AES, KeyBuilder.LENGTH_AES_128, false);
        sEnc = (AESKey) KeyBuilder.buildKey(KeyBuilder.TYPE_AES_TRANSIENT_DESELECT, KeyBuilder.LENGTH_AES_128, false);
        sMac = (AESKey) KeyBuilder.buildKey(KeyBuilder.TYPE_AES_TRANSIENT_DESELECT, KeyBuilder.LENGTH_AES_128, false);
        // the test key 40 41 .. 4F is built in transient memory, never kept in a persistent array
        for (short i = 0; i < InstallParams.KEY_LEN; i++) {
            ram[(short) (R_TMP + i)] = (byte) (InstallParams.TEST_KEY_FIRST + i);
        }
        if (encOff < 0) {
            kEnc.setKey(ram, R_TMP);
        } else {
            kEnc.setKey(b, encOff);
        }
        if (macOff < 0) {
            kMac.setKey(ram, R_TMP);
        } else {
            kMac.setKey(b, macOff);
        }
        Util.arrayFillNonAtomic(ram, (short) 0, RAM_LEN, (byte) 0);
    }

    /**
     * The AES-CMAC engine, lent to the subscriber-token check (one Cipher and one work space on the card): every
     * user, this class included, starts with {@code init} and finishes within the same command.
     */
    AesCmac cmac() {
        return cmac;
    }

    /** Random bytes from the card's generator (the DM server challenge). */
    @SuppressWarnings("deprecation") // generateData is the JC 3.0.4 method (nextBytes is 3.0.5)
    void random(byte[] out, short off, short len) {
        rng.generateData(out, off, len);
    }

    byte keyVersion() {
        return keyVersion;
    }

    boolean isOpen() {
        return ram[R_STATE] == ST_OPEN;
    }

    /** Ends any session (pending or open) and wipes its secrets. */
    void close() {
        Util.arrayFillNonAtomic(ram, (short) 0, RAM_LEN, (byte) 0); // R_STATE = ST_NONE
        counter[0] = 0;
        sEnc.clearKey();
        sMac.clearKey();
    }

    /** INITIALIZE UPDATE {@code 80 50 P1 00 08 <host challenge> 00}. */
    @SuppressWarnings("deprecation") // generateData is the JC 3.0.4 method (nextBytes is 3.0.5)
    void initializeUpdate(APDU apdu) {
        close();
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        if (p1 != Contract.INITIALIZE_UPDATE_P1_00 && p1 != keyVersion) {
            ISOException.throwIt(Contract.SW_DATA_NOT_FOUND);
        }
        if (buf[ISO7816.OFFSET_P2] != Contract.INITIALIZE_UPDATE_P2_00) {
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (Io.receiveAll(apdu) != Contract.CHALLENGE_LEN) {
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        short off = apdu.getOffsetCdata();
        Util.arrayCopyNonAtomic(buf, off, ram, R_CONTEXT, Contract.CHALLENGE_LEN);
        rng.generateData(ram, (short) (R_CONTEXT + Contract.CHALLENGE_LEN), Contract.CHALLENGE_LEN);

        prf(kEnc, DD_S_ENC, BITS_128);
        sEnc.setKey(ram, R_TMP);
        prf(kMac, DD_S_MAC, BITS_128);
        sMac.setKey(ram, R_TMP);
        prf(sMac, DD_CARD_CRYPTOGRAM, BITS_64);

        buf[0] = keyVersion;
        Util.arrayCopyNonAtomic(ram, (short) (R_CONTEXT + Contract.CHALLENGE_LEN), buf, (short) 1,
                Contract.CHALLENGE_LEN);
        Util.arrayCopyNonAtomic(ram, R_TMP, buf, (short) (1 + Contract.CHALLENGE_LEN), Contract.CRYPTOGRAM_LEN);
        Util.arrayFillNonAtomic(ram, R_TMP, DD_LEN, (byte) 0);
        ram[R_STATE] = ST_PENDING;
        Io.sendBuffer(apdu, (short) 0, INIT_UPDATE_RESPONSE_LEN);
    }

    /** EXTERNAL AUTHENTICATE {@code 84 82 33 00 10 <host cryptogram> <C-MAC>}. Any failure drops the session. */
    void externalAuthenticate(APDU apdu) {
        byte state = ram[R_STATE];
        ram[R_STATE] = ST_NONE;
        if (state != ST_PENDING) {
            close();
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P1] != SECURITY_LEVEL || buf[ISO7816.OFFSET_P2] != Contract.EXTERNAL_AUTHENTICATE_P2_00) {
            close();
            ISOException.throwIt(Contract.SW_INCORRECT_P1P2);
        }
        if (Io.receiveAll(apdu) != EXT_AUTH_LEN || Io.isExtended(apdu)) {
            close();
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        // C-MAC with MCV = 0: the full CMAC becomes the first MCV
        Util.arrayFillNonAtomic(ram, R_MCV, AesCmac.BLOCK, (byte) 0);
        boolean macOk = checkCmac(buf, EXT_AUTH_LEN);
        boolean hostOk = false;
        if (macOk) {
            prf(sMac, DD_HOST_CRYPTOGRAM, BITS_64);
            hostOk = Util.arrayCompare(ram, R_TMP, buf, ISO7816.OFFSET_CDATA, Contract.CRYPTOGRAM_LEN) == 0;
            Util.arrayFillNonAtomic(ram, R_TMP, DD_LEN, (byte) 0);
        }
        if (!hostOk) {
            close();
            ISOException.throwIt(Contract.SW_AUTH_FAILED);
        }
        counter[0] = 0;
        ram[R_STATE] = ST_OPEN;
    }

    /**
     * Unwraps the current command (CLA with the secure-messaging bits set): checks the C-MAC, advances the MCV
     * and the counter, decrypts the data field in place. Returns the length of the plain data, which starts at
     * {@code ISO7816.OFFSET_CDATA}. No session: 6982. Missing C-MAC: 6987. Wrong C-MAC or padding: 6988.
     * Extended APDU: 6700. Every failure closes the session.
     */
    short unwrap(APDU apdu) {
        // fail closed: the session is reopened only at the end, so any exception on the way leaves it closed
        byte state = ram[R_STATE];
        ram[R_STATE] = ST_NONE;
        if (state != ST_OPEN) {
            close();
            ISOException.throwIt(Contract.SW_SECURITY_STATUS);
        }
        byte[] buf = apdu.getBuffer();
        short len = Io.receiveAll(apdu);
        if (Io.isExtended(apdu)) {
            close();
            ISOException.throwIt(Contract.SW_WRONG_LENGTH);
        }
        if (len < Contract.CMAC_LEN) {
            close();
            ISOException.throwIt(Contract.SW_SM_MISSING);
        }
        short encLen = (short) (len - Contract.CMAC_LEN);
        if ((short) (encLen & (short) (AesCmac.BLOCK - 1)) != 0) {
            close();
            ISOException.throwIt(Contract.SW_SM_INCORRECT);
        }
        if (!checkCmac(buf, len)) {
            close();
            ISOException.throwIt(Contract.SW_SM_INCORRECT);
        }
        if (counter[0] == COUNTER_MAX) {
            close();
            ISOException.throwIt(Contract.SW_CONDITIONS);
        }
        counter[0] = (short) (counter[0] + 1);
        if (encLen == 0) {
            ram[R_STATE] = ST_OPEN;
            return 0;
        }
        // IV = AES-ECB(S-ENC, counter as 16 bytes big-endian)
        Util.arrayFillNonAtomic(ram, R_TMP, AesCmac.BLOCK, (byte) 0);
        Util.setShort(ram, (short) (R_TMP + AesCmac.BLOCK - 2), counter[0]);
        cipher.init(sEnc, Cipher.MODE_ENCRYPT);
        cipher.doFinal(ram, R_TMP, AesCmac.BLOCK, ram, R_TMP);
        cipher.init(sEnc, Cipher.MODE_DECRYPT, ram, R_TMP, AesCmac.BLOCK);
        cipher.doFinal(buf, ISO7816.OFFSET_CDATA, encLen, buf, ISO7816.OFFSET_CDATA);
        Util.arrayFillNonAtomic(ram, R_TMP, AesCmac.BLOCK, (byte) 0);
        // padding: 80 then 00s, at least one byte, within the last block
        short end = (short) (ISO7816.OFFSET_CDATA + encLen);
        short floor = (short) (end - AesCmac.BLOCK);
        short i = (short) (end - 1);
        while (i > floor && buf[i] == 0) {
            i--;
        }
        if (buf[i] != (byte) 0x80) {
            Util.arrayFillNonAtomic(buf, ISO7816.OFFSET_CDATA, encLen, (byte) 0);
            close();
            ISOException.throwIt(Contract.SW_SM_INCORRECT);
        }
        ram[R_STATE] = ST_OPEN;
        return (short) (i - ISO7816.OFFSET_CDATA);
    }

    /**
     * Checks the C-MAC of the short command in {@code buf}: the last 8 of its {@code lc} data bytes, over
     * MCV || CLA' || INS || P1 || P2 || Lc || data (CLA' = CLA without the logical-channel bits). On success the
     * full CMAC becomes the new MCV. Clears the channel bits of the CLA in {@code buf}.
     */
    private boolean checkCmac(byte[] buf, short lc) {
        short macOff = (short) (ISO7816.OFFSET_CDATA + lc - Contract.CMAC_LEN);
        buf[ISO7816.OFFSET_CLA] = (byte) (buf[ISO7816.OFFSET_CLA] & (byte) ~Contract.CLA_CHANNEL_MASK);
        cmac.init(sMac);
        cmac.update(ram, R_MCV, AesCmac.BLOCK);
        cmac.update(buf, (short) 0, macOff);
        cmac.doFinal(ram, R_TMP);
        if (Util.arrayCompare(ram, R_TMP, buf, macOff, Contract.CMAC_LEN) != 0) {
            return false;
        }
        Util.arrayCopyNonAtomic(ram, R_TMP, ram, R_MCV, AesCmac.BLOCK);
        return true;
    }

    /**
     * SP 800-108 counter-mode KDF with AES-CMAC as PRF (one iteration): ram[R_TMP..+16) = CMAC(key, DD) with
     * DD = 00 x 11 || constant || 00 || bits (2) || 01 || context.
     */
    private void prf(AESKey key, byte constant, short bits) {
        Util.arrayFillNonAtomic(ram, R_TMP, LABEL_LEN, (byte) 0);
        ram[(short) (R_TMP + LABEL_LEN)] = constant;
        ram[(short) (R_TMP + LABEL_LEN + 1)] = 0;
        Util.setShort(ram, (short) (R_TMP + LABEL_LEN + 2), bits);
        ram[(short) (R_TMP + LABEL_LEN + 4)] = 1;
        Util.arrayCopyNonAtomic(ram, R_CONTEXT, ram, (short) (R_TMP + LABEL_LEN + 5), CONTEXT_LEN);
        cmac.init(key);
        cmac.update(ram, R_TMP, DD_LEN);
        cmac.doFinal(ram, R_TMP); // the input is consumed (kept in the CMAC work space) before this write
    }
}
