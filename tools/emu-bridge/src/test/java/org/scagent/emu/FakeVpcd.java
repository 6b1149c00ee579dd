package org.scagent.emu;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** The vpcd side of the protocol for tests: listens, accepts the bridge, sends frames, reads replies. */
final class FakeVpcd implements AutoCloseable {
    final ServerSocket server;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    /** Replies whose payload was not fully readable right after the length arrived (i.e. not one segment). */
    int splitReplies;

    FakeVpcd() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        server.setSoTimeout(5000);
    }

    int port() {
        return server.getLocalPort();
    }

    void accept() throws IOException {
        if (socket != null) {
            socket.close();
        }
        socket = server.accept();
        // no TCP_NODELAY, like Debian's vpcd: its second write (the payload) waits for the ACK of the first
        socket.setSoTimeout(5000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    void send(byte[] payload) throws IOException {
        // like Debian's vpcd: the length and the payload in two writes
        out.write(new byte[] {(byte) (payload.length >> 8), (byte) payload.length});
        out.write(payload);
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
    }

    void control(int code) throws IOException {
        send(new byte[] {(byte) code});
    }

    /** The next reply, or null at end of stream. */
    byte[] reply() throws IOException {
        byte[] header = in.readNBytes(2);
        if (header.length < 2) {
            return null;
        }
        int len = ((header[0] & 0xFF) << 8) | (header[1] & 0xFF);
        if (in.available() < len) {
            splitReplies++;
        }
        byte[] payload = in.readNBytes(len);
        return payload.length < len ? null : payload;
    }

    byte[] atr() throws IOException {
        control(0x04);
        return reply();
    }

    String apdu(String hex) throws IOException {
        send(Hex.parse(hex));
        byte[] r = reply();
        return r == null ? null : Hex.of(r).replace(" ", "");
    }

    void closeConnection() throws IOException {
        socket.close();
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
        server.close();
    }
}
