package org.scagent.applet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.licel.jcardsim.smartcardio.CardSimulator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The applet's MILENAGE against the TS 35.207 / 35.208 test sets 1-6 (applet-spec/gba.md §4 gives the sources and
 * how they were cross-checked). Columns: set, K, RAND, SQN, AMF, OP, OPc, f1, f1*, f2, f5, f3, f4, f5*.
 */
class MilenageTest {
    @BeforeAll
    static void runtime() {
        new CardSimulator();
    }

    @ParameterizedTest(name = "test set {0}")
    @CsvSource({
        "1, 465b5ce8b199b49faa5f0a2ee238a6bc, 23553cbe9637a89d218ae64dae47bf35, ff9bb4d0b607, b9b9,"
                + " cdc202d5123e20f62b6d676ac72cb318, cd63cb71954a9f4e48a5994e37a02baf, 4a9ffac354dfafb3,"
                + " 01cfaf9ec4e871e9, a54211d5e3ba50bf, aa689c648370, b40ba9a3c58b2a05bbf0d987b21bf8cb,"
                + " f769bcd751044604127672711c6d3441, 451e8beca43b",
        "2, 0396eb317b6d1c36f19c1c84cd6ffd16, c00d603103dcee52c4478119494202e8, fd8eef40df7d, af17,"
                + " ff53bade17df5d4e793073ce9d7579fa, 53c15671c60a4b731c55b4a441c0bde2, 5df5b31807e258b0,"
                + " a8c016e51ef4a343, d3a628ed988620f0, c47783995f72, 58c433ff7a7082acd424220f2b67c556,"
                + " 21a8c1f929702adb3e738488b9f5c5da, 30f1197061c1",
        "3, fec86ba6eb707ed08905757b1bb44b8f, 9f7c8d021accf4db213ccff0c7f71a6a, 9d0277595ffc, 725c,"
                + " dbc59adcb6f9a0ef735477b7fadf8374, 1006020f0a478bf6b699f15c062e42b3, 9cabc3e99baf7281,"
                + " 95814ba2b3044324, 8011c48c0c214ed2, 33484dc2136b, 5dbdbb2954e8f3cde665b046179a5098,"
                + " 59a92d3b476a0443487055cf88b2307b, deacdd848cc6",
        "4, 9e5944aea94b81165c82fbf9f32db751, ce83dbc54ac0274a157c17f80d017bd6, 0b604a81eca8, 9e09,"
                + " 223014c5806694c007ca1eeef57f004f, a64a507ae1a2a98bb88eb4210135dc87, 74a58220cba84c49,"
                + " ac2cc74a96871837, f365cd683cd92e96, f0b9c08ad02e, e203edb3971574f5a94b0d61b816345d,"
                + " 0c4524adeac041c4dd830d20854fc46b, 6085a86c6f63",
        "5, 4ab1deb05ca6ceb051fc98e77d026a84, 74b0cd6031a1c8339b2b6ce2b8c4a186, e880a1b580b6, 9f07,"
                + " 2d16c5cd1fdf6b22383584e3bef2a8d8, dcf07cbd51855290b92a07a9891e523e, 49e785dd12626ef2,"
                + " 9e85790336bb3fa2, 5860fc1bce351e7e, 31e11a609118, 7657766b373d1c2138f307e3de9242f9,"
                + " 1c42e960d89b8fa99f2744e0708ccb53, fe2555e54aa9",
        "6, 6c38a116ac280c454f59332ee35c8c4f, ee6466bc96202c5a557abbeff8babf63, 414b98222181, 4464,"
                + " 1ba00a1a7c6700ac8c3ff3e96ad08725, 3803ef5363b947c6aaa225e58fae3934, 078adfb488241a57,"
                + " 80246b8d0186bcf1, 16c8233f05a0ac28, 45b0f69ab06c, 3f8c7587fe8e4b233af676aede30ba3b,"
                + " a7466cc1e6b2a1337d49d3b66e95d7b4, 1f53cd2b1113",
    })
    void testSet(int set, String k, String rand, String sqn, String amf, String op, String opc, String f1,
            String f1s, String f2, String f5, String f3, String f4, String f5s) {
        Milenage m = new Milenage();
        // OPc from OP
        byte[] out = new byte[17];
        m.computeOpc(Hex.b(k), (short) 0, Hex.b(op), (short) 0, out, (short) 1);
        assertEquals(opc.toUpperCase(), Hex.s(java.util.Arrays.copyOfRange(out, 1, 17)), "OPc");

        // the functions from K and the given OPc, inputs at odd offsets
        byte[] in = Hex.cat(new byte[1], Hex.b(k), Hex.b(opc), Hex.b(rand), Hex.b(sqn), Hex.b(amf));
        m.init(in, (short) 1, in, (short) 17);
        m.setRand(in, (short) 33);
        short sqnOff = 49;
        short amfOff = 55;
        assertEquals(f1.toUpperCase(), run(8, o -> m.f1(in, sqnOff, in, amfOff, o, (short) 1)), "f1");
        assertEquals(f1s.toUpperCase(), run(8, o -> m.f1star(in, sqnOff, in, amfOff, o, (short) 1)), "f1*");
        assertEquals(f2.toUpperCase(), run(8, o -> m.f2(o, (short) 1)), "f2");
        assertEquals(f3.toUpperCase(), run(16, o -> m.f3(o, (short) 1)), "f3");
        assertEquals(f4.toUpperCase(), run(16, o -> m.f4(o, (short) 1)), "f4");
        assertEquals(f5.toUpperCase(), run(6, o -> m.f5(o, (short) 1)), "f5");
        assertEquals(f5s.toUpperCase(), run(6, o -> m.f5star(o, (short) 1)), "f5*");
        // f1 again after the others: the state (TEMP, OPc) is unchanged by the functions
        assertEquals(f1.toUpperCase(), run(8, o -> m.f1(in, sqnOff, in, amfOff, o, (short) 1)), "f1 again");

        // OPc computed on the card feeds the functions the same way
        m.computeOpc(Hex.b(k), (short) 0, Hex.b(op), (short) 0, new byte[16], (short) 0);
        m.setRand(Hex.b(rand), (short) 0);
        assertEquals(f3.toUpperCase(), run(16, o -> m.f3(o, (short) 1)), "f3 after computeOpc");

        m.clear();
    }

    interface Fn {
        void apply(byte[] out);
    }

    /** Runs {@code fn} into a buffer at offset 1 and checks it writes exactly {@code len} bytes there. */
    private static String run(int len, Fn fn) {
        byte[] o = new byte[len + 2];
        o[0] = (byte) 0xA5;
        o[len + 1] = (byte) 0x5A;
        fn.apply(o);
        assertEquals((byte) 0xA5, o[0]);
        assertEquals((byte) 0x5A, o[len + 1]);
        return Hex.s(java.util.Arrays.copyOfRange(o, 1, len + 1));
    }
}
