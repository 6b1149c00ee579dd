package org.scagent.applet;

import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.AESKey;
import javacard.security.KeyBuilder;
import javacardx.crypto.Cipher;

/**
 * MILENAGE (3GPP TS 35.206) with the AES-128 kernel: f1, f1*, f2, f3, f4, f5, f5* from K and OPc, and OPc from
 * OP (OPc = OP xor E_K(OP)). Pure computation for GBA_U (applet-spec/gba.md); no APDU command uses it yet.
 *
 * Usage: {@link #init} (K, OPc), {@link #setRand} (computes TEMP = E_K(RAND xor OPc)), then any of the
 * functions; {@link #clear} wipes K, OPc and TEMP. The parameters are the spec's defaults, all rotations being
 * whole bytes: r1 = 64, r2 = 0, r3 = 32, r4 = 64, r5 = 96; c1 = 0, c2 = 1, c3 = 2, c4 = 4, c5 = 8 (the 128-bit
 * constants have only their last byte non-zero).
 *
 * Every block encryption is a one-block CBC {@code doFinal} with the zero IV, i.e. AES-ECB (as in AesCmac).
 * The key and the work space are transient (CLEAR_ON_DESELECT) and allocated once, in the constructor.
 */
final class Milenage {
    static final short BLOCK = 16;
    static final short SQN_LEN = 6;
    static final short AMF_LEN = 2;
    static final short MAC_LEN = 8;
    static final short RES_LEN = 8;
    static final short AK_LEN = 6;

    /** Work space: OPc, TEMP, the block being encrypted, IN1 / scratch. */
    private static final short OPC = 0;
    private static final short TEMP = 16;
    private static final short BLK = 32;
    private static final short TMP = 48;
    private static final short WS_LEN = 64;

    private final Cipher cipher;
    private final AESKey key;
    private final byte[] ws;

    Milenage() {
        cipher = Cipher.getInstance(Cipher.ALG_AES_BLOCK_128_CBC_NOPAD, false);
        key = (AESKey) KeyBuilder.buildKey(KeyBuilder.TYPE_AES_TRANSIENT_DESELECT, KeyBuilder.LENGTH_AES_128, false);
        ws = JCSystem.makeTransientByteArray(WS_LEN, JCSystem.CLEAR_ON_DESELECT);
    }

    /** Sets K (16 bytes) and OPc (16 bytes). */
    void init(byte[] k, short kOff, byte[] opc, short opcOff) {
        key.setKey(k, kOff);
        cipher.init(key, Cipher.MODE_ENCRYPT);
        Util.arrayCopyNonAtomic(opc, opcOff, ws, OPC, BLOCK);
        Util.arrayFillNonAtomic(ws, TEMP, (short) (WS_LEN - TEMP), (byte) 0);
    }

    /**
     * OPc = OP xor E_K(OP) into {@code out} (16 bytes), for K and OP given here. Leaves this object initialised
     * with K and the new OPc (RAND still to be set).
     */
    void computeOpc(byte[] k, short kOff, byte[] op, short opOff, byte[] out, short outOff) {
        key.setKey(k, kOff);
        cipher.init(key, Cipher.MODE_ENCRYPT);
        Util.arrayCopyNonAtomic(op, opOff, ws, BLK, BLOCK);
        Util.arrayCopyNonAtomic(op, opOff, ws, TMP, BLOCK);
        encrypt(BLK);
        AesCmac.xor(ws, TMP, ws, BLK);
        Util.arrayCopyNonAtomic(ws, BLK, ws, OPC, BLOCK);
        Util.arrayCopyNonAtomic(ws, BLK, out, outOff, BLOCK);
        Util.arrayFillNonAtomic(ws, TEMP, (short) (WS_LEN - TEMP), (byte) 0);
    }

    /** TEMP = E_K(RAND xor OPc); RAND is 16 bytes. */
    void setRand(byte[] rand, short randOff) {
        Util.arrayCopyNonAtomic(rand, randOff, ws, TEMP, BLOCK);
        AesCmac.xor(ws, OPC, ws, TEMP);
        encrypt(TEMP);
    }

    /** f1: MAC-A (8 bytes) over SQN (6) and AMF (2). */
    void f1(byte[] sqn, short sqnOff, byte[] amf, short amfOff, byte[] out, short outOff) {
        out1(sqn, sqnOff, amf, amfOff);
        Util.arrayCopyNonAtomic(ws, BLK, out, outOff, MAC_LEN);
        wipeBlocks();
    }

    /** f1*: MAC-S (8 bytes) over SQN (6) and AMF (2). */
    void f1star(byte[] sqn, short sqnOff, byte[] amf, short amfOff, byte[] out, short outOff) {
        out1(sqn, sqnOff, amf, amfOff);
        Util.arrayCopyNonAtomic(ws, (short) (BLK + 8), out, outOff, MAC_LEN);
        wipeBlocks();
    }

    /** f2: RES (8 bytes) = OUT2[64..127]. */
    void f2(byte[] out, short outOff) {
        outN((short) 0, (byte) 1);
        Util.arrayCopyNonAtomic(ws, (short) (BLK + 8), out, outOff, RES_LEN);
        wipeBlocks();
    }

    /** f3: CK (16 bytes) = OUT3. */
    void f3(byte[] out, short outOff) {
        outN((short) 4, (byte) 2);
        Util.arrayCopyNonAtomic(ws, BLK, out, outOff, BLOCK);
        wipeBlocks();
    }

    /** f4: IK (16 bytes) = OUT4. */
    void f4(byte[] out, short outOff) {
        outN((short) 8, (byte) 4);
        Util.arrayCopyNonAtomic(ws, BLK, out, outOff, BLOCK);
        wipeBlocks();
    }

    /** f5: AK (6 bytes) = OUT2[0..47]. */
    void f5(byte[] out, short outOff) {
        outN((short) 0, (byte) 1);
        Util.arrayCopyNonAtomic(ws, BLK, out, outOff, AK_LEN);
        wipeBlocks();
    }

    /** f5*: AK for resynchronisation (6 bytes) = OUT5[0..47]. */
    void f5star(byte[] out, short outOff) {
        outN((short) 12, (byte) 8);
        Util.arrayCopyNonAtomic(ws, BLK, out, outOff, AK_LEN);
        wipeBlocks();
    }

    /** Wipes K, OPc, TEMP and the work blocks. */
    void clear() {
        key.clearKey();
        Util.arrayFillNonAtomic(ws, (short) 0, WS_LEN, (byte) 0);
    }

    /** ws[BLK] = OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc; IN1 = SQN || AMF || SQN || AMF. */
    private void out1(byte[] sqn, short sqnOff, byte[] amf, short amfOff) {
        Util.arrayCopyNonAtomic(sqn, sqnOff, ws, TMP, SQN_LEN);
        Util.arrayCopyNonAtomic(amf, amfOff, ws, (short) (TMP + SQN_LEN), AMF_LEN);
        Util.arrayCopyNonAtomic(ws, TMP, ws, (short) (TMP + 8), (short) 8);
        AesCmac.xor(ws, OPC, ws, TMP);
        rotate((short) 8); // r1 = 64 bits; c1 = 0
        AesCmac.xor(ws, TEMP, ws, BLK);
        encrypt(BLK);
        AesCmac.xor(ws, OPC, ws, BLK);
    }

    /** ws[BLK] = OUTn = E_K(rot(TEMP xor OPc, r) xor c) xor OPc, r = {@code rBytes} bytes, c = {@code c} in the last byte. */
    private void outN(short rBytes, byte c) {
        Util.arrayCopyNonAtomic(ws, TEMP, ws, TMP, BLOCK);
        AesCmac.xor(ws, OPC, ws, TMP);
        rotate(rBytes);
        ws[(short) (BLK + BLOCK - 1)] = (byte) (ws[(short) (BLK + BLOCK - 1)] ^ c);
        encrypt(BLK);
        AesCmac.xor(ws, OPC, ws, BLK);
    }

    /** ws[BLK..+16) = ws[TMP..+16) rotated towards the most significant end by {@code n} bytes. */
    private void rotate(short n) {
        for (short i = 0; i < BLOCK; i++) {
            ws[(short) (BLK + i)] = ws[(short) (TMP + ((short) (i + n) & 0x0F))];
        }
    }

    private void wipeBlocks() {
        Util.arrayFillNonAtomic(ws, BLK, (short) (WS_LEN - BLK), (byte) 0);
    }

    /** ws[off..off+16) = AES-ECB(K, ws[off..off+16)). */
    private void encrypt(short off) {
        cipher.doFinal(ws, off, BLOCK, ws, off);
    }
}
