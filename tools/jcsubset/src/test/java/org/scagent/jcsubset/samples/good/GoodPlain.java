package org.scagent.jcsubset.samples.good;

/** Allowed constructs without the Java Card API: byte/short arithmetic, equals, allowed exceptions, Remote. */
public class GoodPlain implements java.rmi.Remote {
    static final short LIMIT = 100;
    private final byte[] data;
    private final java.io.IOException ioError;
    private Object peer;

    public GoodPlain() {
        data = new byte[8];
        ioError = new java.io.IOException();
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new GoodPlain().data[0] = bLength;
    }

    boolean same(Object other) {
        return other != null && other.equals(peer);
    }

    short mix(byte a, short b) {
        short r = (short) (a * 3 + b / 2 - (b % 5));
        r ^= (short) (a << 4);
        r = (short) (r >> 1);
        return r > LIMIT ? LIMIT : r;
    }

    byte at(short i) throws java.io.IOException {
        if (i < 0) {
            throw ioError;
        }
        try {
            return data[i];
        } catch (IndexOutOfBoundsException e) {
            return 0;
        } catch (NullPointerException | ClassCastException e) {
            return -1;
        }
    }

    void link(Object o) {
        if (o instanceof GoodPlain) {
            peer = (GoodPlain) o;
        }
    }
}
