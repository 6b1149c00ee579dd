package org.scagent.jcsubset.samples.bad;

/** Breaks CHAR only: a char local (i2c). */
public class CharCast {
    byte first(byte[] b) {
        char c = (char) b[0];
        return (byte) c;
    }
}
