package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.licel.jcardsim.smartcardio.CardSimulator;
import javacard.security.AESKey;
import javacard.security.KeyBuilder;
import javacardx.crypto.Cipher;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** AES-CMAC against the RFC 4493 vectors: the test-side implementation and the applet's streaming one. */
class CmacTest {
    static final byte[] K = Hex.b("2b7e151628aed2a6abf7158809cf4f3c");
    static final byte[] M = Hex.b("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
            + "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");

    @BeforeAll
    static void runtime() {
        new CardSimulator(); // makes sure jCardSim's runtime classes are initialised
    }

    @ParameterizedTest
    @CsvSource({
        "0, BB1D6929E95937287FA37D129B756746",
        "16, 070A16B46B4D4144F79BDD9DD04A287C",
        "40, DFA66747DE9AE63030CA32611497C827",
        "64, 51F0BEBF7E3B9D92FC49741779363CFE",
    })
    void testSideCmacMatchesRfc4493(int len, String mac) {
        assertEquals(mac, Hex.s(TestCmac.cmac(K, java.util.Arrays.copyOf(M, len))));
    }

    /** The applet's AesCmac, fed in chunks of every size from 1 to 17 bytes (exercises the pending block). */
    @ParameterizedTest
    @CsvSource({
        "0, BB1D6929E95937287FA37D129B756746",
        "16, 070A16B46B4D4144F79BDD9DD04A287C",
        "40, DFA66747DE9AE63030CA32611497C827",
        "64, 51F0BEBF7E3B9D92FC49741779363CFE",
    })
    void appletCmacMatchesRfc4493(int len, String mac) {
        Cipher cipher = Cipher.getInstance(Cipher.ALG_AES_BLOCK_128_CBC_NOPAD, false);
        AESKey key = (AESKey) KeyBuilder.buildKey(KeyBuilder.TYPE_AES, KeyBuilder.LENGTH_AES_128, false);
        key.setKey(K, (short) 0);
        AesCmac cmac = new AesCmac(cipher);
        for (int chunk = 1; chunk <= 17; chunk++) {
            cmac.init(key);
            for (int off = 0; off < len; off += chunk) {
                cmac.update(M, (short) off, (short) Math.min(chunk, len - off));
            }
            byte[] out = new byte[18];
            cmac.doFinal(out, (short) 1);
            assertEquals(mac, Hex.s(java.util.Arrays.copyOfRange(out, 1, 17)), "chunk " + chunk);
        }
    }
}
