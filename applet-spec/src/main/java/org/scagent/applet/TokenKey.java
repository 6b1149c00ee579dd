package org.scagent.applet;

import javacard.framework.JCSystem;
import javacard.security.AESKey;
import javacard.security.KeyBuilder;

/**
 * The per-card subscriber-token key K_token (AES-128, dm-firmware.md §4.2 item 8), written by the issuer and never
 * readable. A token is AES-CMAC(K_token, SHA-256(manifest) || card id (16) || sequence number (4)), 16 bytes.
 * "No key yet" makes every token fail. The "set" flag is cleared before and set after the key is written, so a
 * torn FU_TOKEN_KEY_PUT leaves no key.
 */
final class TokenKey {
    static final short KEY_LEN = 16;
    private static final short MAC_LEN = 16;

    private final AESKey key;
    private final AesCmac cmac;
    /** CMAC output. */
    private final byte[] mac;
    private boolean set;

    TokenKey(AesCmac cmac) {
        this.cmac = cmac;
        key = (AESKey) KeyBuilder.buildKey(KeyBuilder.TYPE_AES, KeyBuilder.LENGTH_AES_128, false);
        mac = JCSystem.makeTransientByteArray(MAC_LEN, JCSystem.CLEAR_ON_DESELECT);
    }

    /** FU_TOKEN_KEY_PUT: the 16 key bytes at src[off]. */
    void put(byte[] src, short off) {
        set = false;
        key.setKey(src, off);
        set = true;
    }

    /**
     * True if token[tOff..+16) is the CMAC of data[dOff..+dLen) under K_token (false when no key is set). The
     * comparison looks at every byte, whatever the first difference.
     */
    boolean verify(byte[] data, short dOff, short dLen, byte[] token, short tOff) {
        if (!set) {
            return false;
        }
        cmac.init(key);
        cmac.update(data, dOff, dLen);
        cmac.doFinal(mac, (short) 0);
        return Ct.equal(mac, (short) 0, token, tOff, MAC_LEN);
    }
}
