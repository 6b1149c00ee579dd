package org.scagent.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** The 261-byte short case-4 APDU goes to jCardSim in extended form with the same data and Ne. */
class JCardSimBufferTest {
    @Test
    void longestShortCase4BecomesExtended() {
        byte[] c = new byte[261];
        c[0] = (byte) 0x80;
        c[1] = (byte) 0xEE;
        c[4] = (byte) 255;
        for (int i = 0; i < 255; i++) {
            c[5 + i] = (byte) i;
        }
        c[260] = 0; // Le 00 = 256
        byte[] e = EmulatedCard.fitJCardSimBuffer(c);
        assertEquals(264, e.length);
        assertArrayEquals(new byte[] {(byte) 0x80, (byte) 0xEE, 0, 0, 0, 0, (byte) 255}, java.util.Arrays.copyOf(e, 7));
        assertEquals(254, e[7 + 254] & 0xFF);
        assertEquals(0x01, e[262]);
        assertEquals(0x00, e[263]);
        c[260] = 0x10;
        e = EmulatedCard.fitJCardSimBuffer(c);
        assertEquals(0x00, e[262]);
        assertEquals(0x10, e[263]);
    }

    @Test
    void otherApdusPassUnchanged() {
        byte[] c = new byte[260];
        c[4] = (byte) 255;
        assertSame(c, EmulatedCard.fitJCardSimBuffer(c));
        byte[] d = new byte[] {0, (byte) 0xA4, 4, 0, 1, 1, 0};
        assertSame(d, EmulatedCard.fitJCardSimBuffer(d));
    }
}
