package org.scagent.applet;

/**
 * A response tail that is not one contiguous array (the DM server list, the log window): {@link LongResponse} asks
 * it for the bytes of each part as the part is sent, so nothing is copied ahead and no RAM holds the whole answer.
 */
interface ResponseSource {
    /** Copies {@code len} bytes of this source's data, from byte {@code off} on, to out[outOff]. */
    void copy(short off, byte[] out, short outOff, short len);
}
