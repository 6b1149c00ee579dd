package org.scagent.emu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.scagent.emu.EmulatedCardTest.FCI;
import static org.scagent.emu.EmulatedCardTest.SELECT;

/** The bridge over TCP against a fake vpcd. */
class BridgeTest {
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final AtomicInteger writes = new AtomicInteger();
    private FakeVpcd vpcd;

    @AfterEach
    void tearDown() throws IOException {
        if (vpcd != null) {
            vpcd.close();
        }
        executor.shutdownNow();
    }

    private Future<Integer> start(String... extra) throws Exception {
        vpcd = new FakeVpcd();
        List<String> args = new ArrayList<>(List.of("--port", Integer.toString(vpcd.port())));
        args.addAll(Arrays.asList(extra));
        Options o = EmulatedCardTest.options(args.toArray(new String[0]));
        Bridge b = new Bridge(o, new EmulatedCard(o, new Log(Log.QUIET)), new Log(Log.QUIET));
        b.outputTap = out -> new FilterOutputStream(out) {
            @Override
            public void write(byte[] buf, int off, int len) throws IOException {
                writes.incrementAndGet();
                out.write(buf, off, len);
            }

            @Override
            public void write(int x) throws IOException {
                writes.incrementAndGet();
                out.write(x);
            }
        };
        Future<Integer> f = executor.submit(b::run);
        vpcd.accept();
        return f;
    }

    @Test
    void framingAtrAndOneWritePerReply() throws Exception {
        Future<Integer> run = start();
        assertArrayEquals(EmulatedCard.ATR_T1, vpcd.atr());
        vpcd.control(0x01);                                   // power on: no reply
        assertArrayEquals(EmulatedCard.ATR_T1, vpcd.atr());   // so the next reply is the ATR
        assertEquals(FCI + "9000", vpcd.apdu(SELECT));
        assertEquals("0001019000", vpcd.apdu("8010000000"));
        StringBuilder big = new StringBuilder("80EE0000FF");
        for (int i = 0; i < 255; i++) {
            big.append(String.format("%02X", i));
        }
        String echo = vpcd.apdu(big.toString());
        assertEquals(big.substring(10) + "9000", echo);
        assertEquals(5, writes.get(), "one write per reply");
        assertEquals(0, vpcd.splitReplies, "every reply arrived as one segment");
        vpcd.closeConnection();
        assertEquals(0, run.get(5, TimeUnit.SECONDS));
    }

    @Test
    void resetAndPowerCyclesKeepPersistentState() throws Exception {
        Future<Integer> run = start();
        vpcd.control(0x01);
        vpcd.apdu(SELECT);
        assertEquals("0001019000", vpcd.apdu("8010000000"));
        assertEquals("0002029000", vpcd.apdu("8010000000"));
        vpcd.control(0x02);                                   // reset
        assertEquals("6D00", vpcd.apdu("8010000000"));
        vpcd.apdu(SELECT);
        assertEquals("0003019000", vpcd.apdu("8010000000"));
        vpcd.control(0x00);                                   // power off
        vpcd.control(0x01);                                   // power on
        vpcd.apdu(SELECT);
        assertEquals("0004019000", vpcd.apdu("8010000000"));
        vpcd.closeConnection();
        assertEquals(0, run.get(5, TimeUnit.SECONDS));
    }

    @Test
    void t0OverTheWire() throws Exception {
        Future<Integer> run = start("--t0");
        assertArrayEquals(EmulatedCard.ATR_T0, vpcd.atr());
        assertEquals("610D", vpcd.apdu(SELECT));
        vpcd.atr();                                           // presence polls between APDUs change nothing
        assertEquals(FCI + "9000", vpcd.apdu("00C000000D"));
        assertEquals("6C03", vpcd.apdu("8010000000"));
        assertEquals("019000", vpcd.apdu("0070000001"));
        vpcd.closeConnection();
        assertEquals(0, run.get(5, TimeUnit.SECONDS));
    }

    @Test
    void faultDropsTheConnectionInsteadOfAnsweringAndExits() throws Exception {
        Future<Integer> run = start("--fault-after", "2");
        vpcd.control(0x01);
        assertEquals(FCI + "9000", vpcd.apdu(SELECT));
        vpcd.atr();                                           // control messages are not counted
        assertEquals("0001019000", vpcd.apdu("8010000000"));
        assertNull(vpcd.apdu("8010000000"));                  // third APDU: connection closed, no answer
        assertEquals(0, run.get(5, TimeUnit.SECONDS));
    }

    @Test
    void faultThenReinsertKeepsPersistentStateAndFaultsOnce() throws Exception {
        Future<Integer> run = start("--fault-after", "2", "--reinsert-after", "50");
        vpcd.control(0x01);
        vpcd.apdu(SELECT);
        assertEquals("0001019000", vpcd.apdu("8010000000"));
        assertNull(vpcd.apdu("8010000000"));
        vpcd.accept();                                        // the card comes back
        assertArrayEquals(EmulatedCard.ATR_T1, vpcd.atr());
        vpcd.control(0x01);
        assertEquals("6D00", vpcd.apdu("8010000000"));        // freshly powered: nothing selected
        vpcd.apdu(SELECT);
        assertEquals("0002019000", vpcd.apdu("8010000000"));  // persistent counter kept, transient cleared
        for (int i = 3; i < 8; i++) {
            assertEquals(String.format("%04X%02X9000", i, i - 1), vpcd.apdu("8010000000"));
        }
        vpcd.closeConnection();
        assertEquals(0, run.get(5, TimeUnit.SECONDS));
    }

    @Test
    void exitsWhenVpcdClosesTheConnection() throws Exception {
        Future<Integer> run = start();
        vpcd.closeConnection();
        assertEquals(0, run.get(5, TimeUnit.SECONDS));
    }

    @Test
    void exitsWhenVpcdClosesInTheMiddleOfAFrame() throws Exception {
        Future<Integer> run = start();
        vpcd.sendRaw(new byte[] {0x00, 0x05, (byte) 0x80});   // a frame cut short, then EOF
        vpcd.closeConnection();
        assertEquals(0, run.get(5, TimeUnit.SECONDS));
    }

    @Test
    void roundTripIsNotDelayedByDelayedAcks() throws Exception {
        Future<Integer> run = start();
        vpcd.control(0x01);
        vpcd.apdu(SELECT);
        long[] t = new long[41];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            vpcd.apdu("80EE00000401020304");
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        // a delayed ACK costs 40 ms per round trip; without it one takes well under a millisecond
        assertTrue(t[t.length / 2] < 10_000_000L, "median round trip " + t[t.length / 2] / 1e6 + " ms");
        vpcd.closeConnection();
        assertEquals(0, run.get(5, TimeUnit.SECONDS));
    }

    @Test
    void unreachableVpcdExitsWith1() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Options o = EmulatedCardTest.options("--port", Integer.toString(port), "--connect-timeout", "200");
        Log silent = new Log(Log.QUIET, new PrintStream(OutputStream.nullOutputStream()));
        Bridge b = new Bridge(o, new EmulatedCard(o, silent), silent);
        assertEquals(1, b.run());
    }

    @Test
    void mainRejectsBadOptionsAndMissingApplet() {
        PrintStream err = System.err;
        try {
            System.setErr(new PrintStream(new ByteArrayOutputStream()));
            assertEquals(2, Bridge.runMain(new String[] {"--nope"}));
            assertEquals(2, Bridge.runMain(new String[] {"--applet-class", "no.such.Applet"}));
        } finally {
            System.setErr(err);
        }
    }
}
