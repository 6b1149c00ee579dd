package org.scagent.emu;

import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketOption;
import java.util.function.UnaryOperator;

/**
 * Connects the emulated card to vsmartcard-vpcd (inside pcscd) as a TCP client and serves it.
 *
 * <p>vpcd protocol: every message, both ways, is a 2-byte big-endian length and that many bytes. vpcd sends; the
 * card only answers. A 1-byte message is a control code: 00 power off, 01 power on, 02 reset, 04 get ATR (answered
 * with the ATR). Any other message is a command APDU, answered with the response APDU.
 */
public final class Bridge {
    private static final int CTRL_OFF = 0x00;
    private static final int CTRL_ON = 0x01;
    private static final int CTRL_RESET = 0x02;
    private static final int CTRL_ATR = 0x04;

    private final Options options;
    private final EmulatedCard card;
    private final Log log;
    /** Test hook: wraps the socket's output stream (to count writes). */
    UnaryOperator<OutputStream> outputTap = UnaryOperator.identity();

    private enum End { CLOSED, FAULT }

    Bridge(Options options, EmulatedCard card, Log log) {
        this.options = options;
        this.card = card;
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(runMain(args));
    }

    static int runMain(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (Options.UsageException e) {
            System.err.println("emu-bridge: " + e.getMessage());
            System.err.println(Options.USAGE);
            return 2;
        }
        if (o.help) {
            System.out.println(Options.USAGE);
            return 0;
        }
        Log log = new Log(o.verbosity);
        EmulatedCard card;
        try {
            card = new EmulatedCard(o, log);
        } catch (EmulatedCard.InstallException e) {
            log.error(e.getMessage());
            return 2;
        }
        return new Bridge(o, card, log).run();
    }

    /**
     * Serves vpcd until it closes the connection (returns 0), or until the fault fires (returns 0 unless
     * --reinsert-after, which reconnects with the card state kept). Returns 1 if vpcd cannot be reached.
     */
    int run() {
        long faultLimit = options.faultAfter;
        log.info("card " + (card.isT0() ? "T=0" : "T=1") + ", ATR " + Hex.of(card.atr()) + ", applet "
                + options.appletClass + " " + Hex.of(options.aid));
        while (true) {
            Socket s = connect();
            if (s == null) {
                return 1;
            }
            End end;
            try (Socket ignored = s) {
                end = serve(s, faultLimit);
            } catch (IOException e) {
                end = End.CLOSED;   // close() failing changes nothing
            }
            if (end == End.CLOSED) {
                log.info("vpcd closed the connection; exiting");
                return 0;
            }
            card.reset();   // pulled out: power lost
            if (options.reinsertAfterMs < 0) {
                log.info("fault: card removed after " + faultLimit + " APDUs; exiting");
                return 0;
            }
            log.info("fault: card removed after " + faultLimit + " APDUs; reinserting in "
                    + options.reinsertAfterMs + " ms");
            try {
                Thread.sleep(options.reinsertAfterMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
            faultLimit = -1;   // one fault only
        }
    }

    private Socket connect() {
        long deadline = System.nanoTime() + options.connectTimeoutMs * 1_000_000L;
        IOException last;
        do {
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(options.host, options.port), 2000);
                log.info("connected to vpcd at " + options.host + ":" + options.port);
                return s;
            } catch (IOException e) {
                last = e;
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (System.nanoTime() < deadline);
        log.error("cannot connect to vpcd at " + options.host + ":" + options.port + ": " + last.getMessage()
                + " (is pcscd running with vsmartcard-vpcd?)");
        return null;
    }

    /** The message loop of one connection. faultLimit: APDUs to answer before dropping the connection, or -1. */
    private End serve(Socket s, long faultLimit) throws IOException {
        SocketOption<Boolean> quickAck = s.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK)
                ? ExtendedSocketOptions.TCP_QUICKACK : null;
        InputStream in = s.getInputStream();
        OutputStream out = outputTap.apply(s.getOutputStream());
        byte[] header = new byte[2];
        long answered = 0;
        while (true) {
            if (!readFully(s, quickAck, in, header)) {
                return End.CLOSED;
            }
            int length = ((header[0] & 0xFF) << 8) | (header[1] & 0xFF);
            byte[] message = new byte[length];
            if (!readFully(s, quickAck, in, message)) {
                return End.CLOSED;
            }
            if (length == 1) {
                control(message[0] & 0xFF, out);
                continue;
            }
            if (length == 0) {
                log.trace("ignoring an empty message");
                continue;
            }
            if (faultLimit >= 0 && answered >= faultLimit) {
                log.trace("-> " + Hex.of(message) + " (not answered: fault)");
                return End.FAULT;
            }
            long t = log.tracing() ? System.nanoTime() : 0;
            byte[] response = card.transmit(message);
            if (!send(out, response)) {
                return End.CLOSED;
            }
            answered++;
            if (log.tracing()) {
                log.trace("-> " + Hex.of(message) + "\n   <- " + Hex.of(response)
                        + String.format(" (%.3f ms)", (System.nanoTime() - t) / 1e6));
            }
        }
    }

    private void control(int code, OutputStream out) throws IOException {
        switch (code) {
            case CTRL_ATR:   // vpcd's presence poll, about every 0.4 s: not traced
                send(out, card.atr());
                break;
            case CTRL_ON:
                log.trace("power on");
                card.reset();
                break;
            case CTRL_RESET:
                log.trace("reset");
                card.reset();
                break;
            case CTRL_OFF:
                log.trace("power off");
                card.reset();
                break;
            default:
                log.trace(String.format("ignoring unknown control code %02X", code));
        }
    }

    /** One frame in one write: the length and the payload in a single buffer. False if the peer is gone. */
    private static boolean send(OutputStream out, byte[] payload) {
        byte[] frame = new byte[payload.length + 2];
        frame[0] = (byte) (payload.length >> 8);
        frame[1] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 2, payload.length);
        try {
            out.write(frame);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Reads exactly buf.length bytes; false on end of stream or a broken connection. TCP_QUICKACK is set again
     * before every read because Linux leaves quick-ack mode on its own: vpcd writes the length and the payload
     * separately, and a delayed ACK of the first write would stall the second one by the delayed-ACK timeout.
     */
    private static boolean readFully(Socket s, SocketOption<Boolean> quickAck, InputStream in, byte[] buf) {
        int off = 0;
        try {
            while (off < buf.length) {
                if (quickAck != null) {
                    s.setOption(quickAck, Boolean.TRUE);
                }
                int n = in.read(buf, off, buf.length - off);
                if (n < 0) {
                    return false;
                }
                off += n;
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
