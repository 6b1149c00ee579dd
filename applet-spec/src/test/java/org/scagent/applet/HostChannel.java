package org.scagent.applet;

import java.util.Arrays;

/**
 * Test-side host of the issuer secure channel (applet-spec/secure-channel.md), built on {@link TestCmac}: the
 * same role libscagent plays. Independent of the applet's implementation.
 */
final class HostChannel {
    static final byte[] TEST_KEY = Hex.fill(16, 0x40);

    final byte[] kEnc;
    final byte[] kMac;
    byte[] hostChallenge;
    byte[] cardChallenge;
    byte keyVersion;
    byte[] cardCryptogramReceived;
    byte[] sEnc;
    byte[] sMac;
    byte[] mcv = new byte[16];
    int counter;

    HostChannel(byte[] kEnc, byte[] kMac) {
        this.kEnc = kEnc;
        this.kMac = kMac;
    }

    HostChannel() {
        this(TEST_KEY, TEST_KEY);
    }

    /** DD(constant, L) = 00 x 11 || constant || 00 || L || 01 || host challenge || card challenge. */
    byte[] derivationData(int constant, int bits) {
        return Hex.cat(new byte[11], new byte[] {(byte) constant, 0, (byte) (bits >> 8), (byte) bits, 1},
                hostChallenge, cardChallenge);
    }

    byte[] cardCryptogram() {
        return Arrays.copyOf(TestCmac.cmac(sMac, derivationData(0x00, 0x40)), 8);
    }

    byte[] hostCryptogram() {
        return Arrays.copyOf(TestCmac.cmac(sMac, derivationData(0x01, 0x40)), 8);
    }

    byte[] initializeUpdate(byte[] hostChallenge, int p1) {
        this.hostChallenge = hostChallenge.clone();
        return Hex.cat(new byte[] {(byte) 0x80, 0x50, (byte) p1, 0x00, 0x08}, hostChallenge, new byte[] {0x00});
    }

    /** Takes the 17-byte INITIALIZE UPDATE response, derives the session keys. */
    void onInitializeUpdateResponse(byte[] data) {
        if (data.length != 17) {
            throw new IllegalArgumentException("INITIALIZE UPDATE response length " + data.length);
        }
        keyVersion = data[0];
        cardChallenge = Arrays.copyOfRange(data, 1, 9);
        cardCryptogramReceived = Arrays.copyOfRange(data, 9, 17);
        derive(cardChallenge);
    }

    /** Derives S-ENC and S-MAC for a known card challenge (the host challenge must be set). */
    void derive(byte[] cardChallenge) {
        this.cardChallenge = cardChallenge.clone();
        sEnc = TestCmac.cmac(kEnc, derivationData(0x04, 0x80));
        sMac = TestCmac.cmac(kMac, derivationData(0x06, 0x80));
        mcv = new byte[16];
        counter = 0;
    }

    boolean cardCryptogramOk() {
        return Arrays.equals(cardCryptogram(), cardCryptogramReceived);
    }

    /** EXTERNAL AUTHENTICATE with C-MAC over MCV = 0; sets the MCV. */
    byte[] externalAuthenticate() {
        return externalAuthenticate(hostCryptogram());
    }

    byte[] externalAuthenticate(byte[] hostCryptogram) {
        mcv = new byte[16];
        return mac(Hex.cat(new byte[] {(byte) 0x84, (byte) 0x82, 0x33, 0x00, 0x10}, hostCryptogram));
    }

    /** Appends the C-MAC to header||data (Lc already final) and advances the MCV. */
    byte[] mac(byte[] headerAndData) {
        byte[] macInput = headerAndData.clone();
        macInput[0] &= (byte) 0xFC; // logical-channel bits cleared
        mcv = TestCmac.cmac(sMac, Hex.cat(mcv, macInput));
        return Hex.cat(headerAndData, Arrays.copyOf(mcv, 8));
    }

    /** 80-padding to a multiple of 16 (at least one byte). */
    static byte[] pad(byte[] plain) {
        int len = (plain.length / 16 + 1) * 16;
        byte[] p = Arrays.copyOf(plain, len);
        p[plain.length] = (byte) 0x80;
        return p;
    }

    /** Encrypts an already padded data field with the next counter value. */
    byte[] encryptPadded(byte[] padded) {
        counter++;
        byte[] ctr = new byte[16];
        ctr[14] = (byte) (counter >> 8);
        ctr[15] = (byte) counter;
        byte[] iv = TestCmac.ecb(sEnc, ctr);
        return TestCmac.cbc(sEnc, iv, padded, true);
    }

    /** Wraps a command: counter, C-DECRYPTION-side encryption of non-empty data, C-MAC. */
    byte[] wrap(int cla, int ins, int p1, int p2, byte[] plain) {
        byte[] enc;
        if (plain.length == 0) {
            counter++;
            enc = new byte[0];
        } else {
            enc = encryptPadded(pad(plain));
        }
        return wrapRaw(cla, ins, p1, p2, enc);
    }

    /** {@link #wrap} with Le = 00 appended (case 4: the command has response data). */
    byte[] wrapLe(int cla, int ins, int p1, int p2, byte[] plain) {
        return Hex.cat(wrap(cla, ins, p1, p2, plain), new byte[] {0});
    }

    /** MACs a data field as given (no encryption, no counter step). */
    byte[] wrapRaw(int cla, int ins, int p1, int p2, byte[] data) {
        return mac(Hex.cat(new byte[] {(byte) cla, (byte) ins, (byte) p1, (byte) p2, (byte) (data.length + 8)},
                data));
    }
}
